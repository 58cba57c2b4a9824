package dev.obdj.registry;

import dev.obdj.Image;
import dev.obdj.StorageException;
import dev.obdj.config.GlobalConfig;
import dev.obdj.config.ImageConfig;
import dev.obdj.testing.Corpus;
import dev.obdj.testing.LocalRegistry;
import dev.obdj.testing.TestCa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The registry over HTTPS with a certificate from a CA made for the test: the image opens when the
 * global config's {@code obdj.caFile} names that CA, and fails at once with a typed TLS error when
 * it names none (JDK trust store) or another CA.
 */
class RegistryTlsTest {
    static final String REPO = "obdj/tls";
    static final List<String> FILES = List.of("layer0.zfile", "layer1.lsmt", "layer2.zfile");

    @TempDir
    static Path shared;
    static TestCa ca, otherCa;
    static LocalRegistry registry;
    static final List<String> digests = new ArrayList<>();
    static String expectedSha;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        Path caseDir = Corpus.dir().resolve("s08_mixed_stack_zfile_layers");
        ca = TestCa.create(shared.resolve("ca"));
        otherCa = TestCa.create(shared.resolve("other-ca"));
        registry = LocalRegistry.start(shared.resolve("registry"), ca);
        assertTrue(registry.base().startsWith("https://"));
        for (String f : FILES) {
            digests.add(registry.push(REPO, caseDir.resolve(f)));
        }
        try (Image local = Image.open(FILES.stream().map(caseDir::resolve).toList())) {
            expectedSha = RegistryImageTest.sha(local);
        }
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
    }

    ImageConfig config() {
        StringBuilder sb = new StringBuilder("{\"repoBlobUrl\": \"" + registry.blobUrl(REPO) + "\", \"lowers\": [");
        for (int i = 0; i < digests.size(); i++) {
            sb.append(i > 0 ? "," : "").append("{\"digest\": \"").append(digests.get(i)).append("\"}");
        }
        sb.append("], \"resultFile\": \"").append(tmp.resolve("result")).append("\"}");
        return ImageConfig.parse(sb.toString(), tmp);
    }

    /** The global config as a user writes it: cache, credentials, and the CA file when given. */
    GlobalConfig global(Path caPem) throws IOException {
        Path cred = registry.credJson(tmp.resolve("cred.json"));
        String obdj = caPem == null ? "" : ", \"obdj\": {\"caFile\": \"" + caPem + "\", \"attempts\": 3, \"backoffMs\": 5}";
        Path file = tmp.resolve("overlaybd.json");
        Files.writeString(file, "{\"cacheConfig\": {\"cacheType\": \"file\", \"cacheDir\": \"" + tmp.resolve("cache")
                + "\", \"cacheSizeGB\": 1}, \"credentialConfig\": {\"mode\": \"file\", \"path\": \"" + cred + "\"}" + obdj + "}");
        return GlobalConfig.read(file);
    }

    @Test
    void opensWithTheCaConfigured() throws Exception {
        try (Image img = Image.open(config(), global(ca.caPem()))) {
            assertEquals(expectedSha, RegistryImageTest.sha(img));
        }
        assertEquals("success", Files.readString(tmp.resolve("result")));
    }

    @Test
    void failsWithATypedTlsErrorWithoutIt() throws Exception {
        for (Path caPem : new Path[] {null, otherCa.caPem()}) {
            StorageException e = assertThrows(StorageException.class, () -> Image.open(config(), global(caPem)));
            FetchFailedException f = assertInstanceOf(FetchFailedException.class, e.getCause(), e.toString());
            assertTrue(f.tls(), "a certificate failure: " + f);
            assertEquals(1, f.attempts(), "not retried");
            assertEquals(0, f.lastStatus());
            assertTrue(f.getMessage().contains("obdj.caFile"), f.getMessage());
            assertTrue(Files.readString(tmp.resolve("result")).startsWith("failed:"));
        }
    }
}
