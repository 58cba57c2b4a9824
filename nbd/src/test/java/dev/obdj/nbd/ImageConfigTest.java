package dev.obdj.nbd;

import dev.obdj.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ImageConfigTest {
    static final Path BASE = Path.of("/base");

    @Test
    void readsLowersAndUpper() {
        String json = """
                {
                  "repoBlobUrl": "https://registry.example/v2/img/blobs",
                  "lowers": [
                    {"file": "/layers/0.lsmt"},
                    {"dir": "/var/lib/overlaybd/sha256/ab12", "digest": "sha256:ab12", "size": 1234},
                    {"file": "rel.lsmt", "dir": "ignored"}
                  ],
                  "upper": {"index": "/rw/index", "data": "/rw/data"},
                  "resultFile": "/tmp/result",
                  "accelerationLayer": false, "recordTracePath": null, "ratio": 1.5e0
                }""";
        ImageConfig c = ImageConfig.parse(json, BASE);
        assertEquals(List.of(Path.of("/layers/0.lsmt"), Path.of("/var/lib/overlaybd/sha256/ab12/overlaybd.commit"),
                Path.of("/base/rel.lsmt")), c.lowers());
        assertEquals(Path.of("/rw/data"), c.upperData());
        assertEquals(Path.of("/rw/index"), c.upperIndex());
        assertTrue(c.hasUpper());
    }

    @Test
    void upperAloneOrLowersAlone() {
        assertFalse(ImageConfig.parse("{\"lowers\":[{\"file\":\"a\"}],\"upper\":{}}", BASE).hasUpper());
        ImageConfig u = ImageConfig.parse("{\"upper\":{\"data\":\"d\",\"index\":\"i\"}}", BASE);
        assertTrue(u.lowers().isEmpty());
        assertEquals(Path.of("/base/d"), u.upperData());
    }

    @Test
    void rejectsWhatCannotBeOpened() {
        for (String bad : List.of("", "[]", "{}", "{\"lowers\":[]}", "{\"lowers\":{}}", "{\"lowers\":[{}]}",
                "{\"lowers\":[{\"file\":3}]}", "{\"upper\":{\"data\":\"d\"}}", "{\"lowers\":[{\"file\":\"a\"}]} x",
                "{\"lowers\":[{\"file\":\"a\"},]}", "{\"lowers\":[{\"file\":\"a\\q\"}]}", "{\"a\":01}", "[".repeat(10_000))) {
            assertThrows(IllegalArgumentException.class, () -> ImageConfig.parse(bad, BASE), bad);
        }
    }

    @Test
    void jsonValues() {
        Object v = MiniJson.parse(" {\"s\":\"a\\u00e9\\n\\\"\",\"n\":-12,\"d\":0.5,\"b\":[true,false,null],\"big\":123456789012345678901} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals("a\u00e9\n\"", m.get("s"));
        assertEquals(-12L, m.get("n"));
        assertEquals(0.5, m.get("d"));
        assertEquals(java.util.Arrays.asList(true, false, null), m.get("b"));
        assertEquals(1.2345678901234568E20, m.get("big"));
    }

    @Test
    void readReportsTheFile(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("config.v1.json");
        Files.writeString(f, "{\"lowers\": [");
        FormatException e = assertThrows(FormatException.class, () -> ImageConfig.read(f));
        assertTrue(e.getMessage().contains("config.v1.json"), e.getMessage());
        Files.writeString(f, "{\"lowers\": [{\"file\": \"layer.lsmt\"}]}");
        assertEquals(List.of(tmp.resolve("layer.lsmt")), ImageConfig.read(f).lowers());
    }
}
