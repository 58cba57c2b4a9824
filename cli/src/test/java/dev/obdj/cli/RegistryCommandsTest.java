package dev.obdj.cli;

import dev.obdj.testing.Corpus;
import dev.obdj.testing.LocalRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code obd flatten|info --config} on an image whose layers are only in a real local registry; {@code obd cache}. */
class RegistryCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void flattenInfoAndCacheOnARegistryImage() throws Exception {
        Path caseDir = Corpus.dir().resolve("s08_mixed_stack_zfile_layers");
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("registry"))) {
            StringBuilder lowers = new StringBuilder();
            for (String f : List.of("layer0.zfile", "layer1.lsmt", "layer2.zfile")) {
                String d = reg.push("obdj/cli", caseDir.resolve(f));
                if (!lowers.isEmpty()) lowers.append(',');
                lowers.append("{\"digest\":\"").append(d).append("\",\"size\":").append(Files.size(caseDir.resolve(f))).append('}');
            }
            Path cfg = tmp.resolve("config.v1.json");
            Files.writeString(cfg, "{\"repoBlobUrl\":\"" + reg.blobUrl("obdj/cli") + "\",\"lowers\":[" + lowers + "],\"resultFile\":\"result\"}");
            Path cred = reg.credJson(tmp.resolve("cred.json"));
            Path cache = tmp.resolve("cache");
            Path out = tmp.resolve("flat.img");
            MainTest.Result r = MainTest.obd("flatten", "--config", cfg.toString(), "--cache-dir", cache.toString(),
                    "--cred", cred.toString(), "-o", out.toString());
            assertEquals(0, r.code(), r.err());
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(out)));
            assertEquals("d840d29e21c8643f23d88a35714b0a631620550573f10a87cc761e2fe760254e", sha);
            assertEquals("success", Files.readString(tmp.resolve("result")));

            r = MainTest.obd("info", "--config", cfg.toString(), "--cache-dir", cache.toString(), "--cred", cred.toString(), "--json");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("\"virtual_size\":12582912") && r.out().contains("\"source\":\"registry\"")
                    && r.out().contains("\"http_requests\":0"), r.out());

            r = MainTest.obd("cache", "stats", "--dir", cache.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("blobs: 3"), r.out());
            assertTrue(r.out().contains("downloaded: 0 whole blob(s)"), r.out());
            // A whole copy as the background download leaves it (no dir in the config: the cache directory)
            // is listed, used by the next open instead of the registry, and cleared.
            String d0 = LocalRegistry.digest(Files.readAllBytes(caseDir.resolve("layer0.zfile")));
            Files.copy(caseDir.resolve("layer0.zfile"), cache.resolve(d0.replace(':', '-') + ".blob"));
            r = MainTest.obd("cache", "stats", "--dir", cache.toString(), "--json");
            assertTrue(r.out().contains("\"downloaded_blobs\":1"), r.out());
            r = MainTest.obd("info", "--config", cfg.toString(), "--cache-dir", cache.toString(), "--cred", cred.toString(), "--json");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("\"source\":\"local\",\"location\":\"" + cache.resolve(d0.replace(':', '-') + ".blob")),
                    r.out());
            r = MainTest.obd("flatten", "--config", cfg.toString(), "--cache-dir", cache.toString(),
                    "--cred", cred.toString(), "-o", tmp.resolve("flat2.img").toString());
            assertEquals(0, r.code(), r.err());
            assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(tmp.resolve("flat2.img")));
            r = MainTest.obd("cache", "clear", "--dir", cache.toString());
            assertEquals(0, r.code(), r.err());
            r = MainTest.obd("cache", "stats", "--dir", cache.toString());
            assertTrue(r.out().contains("bytes: 0") && r.out().contains("downloaded: 0 whole blob(s)"), r.out());

            r = MainTest.obd("flatten", "--config", cfg.toString(), "-o", out.toString()); // no credentials
            assertEquals(1, r.code());
            assertTrue(r.err().contains("401"), r.err());
            assertTrue(Files.readString(tmp.resolve("result")).startsWith("failed:"));
        }
    }
}
