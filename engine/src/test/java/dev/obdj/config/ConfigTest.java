package dev.obdj.config;

import dev.obdj.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ConfigTest {
    static final Path BASE = Path.of("/base");

    @Test
    void readsEveryImageField() {
        String json = """
                {
                  "repoBlobUrl": "https://registry.example/v2/img/blobs",
                  "lowers": [
                    {"file": "/layers/0.lsmt"},
                    {"dir": "/var/lib/overlaybd/sha256/ab12", "digest": "sha256:ab12", "size": 1234},
                    {"file": "rel.lsmt", "dir": "d", "someNewField": [1, 2]}
                  ],
                  "upper": {"index": "/rw/index", "data": "/rw/data"},
                  "resultFile": "/tmp/result", "recordTracePath": "trace",
                  "download": {"enable": true, "delay": 5},
                  "accelerationLayer": false, "ratio": 1.5e0
                }""";
        ImageConfig c = ImageConfig.parse(json, BASE);
        assertEquals(3, c.lowers().size());
        assertEquals(new ImageConfig.Lower(Path.of("/layers/0.lsmt"), null, null, 0), c.lowers().get(0));
        assertEquals(new ImageConfig.Lower(null, Path.of("/var/lib/overlaybd/sha256/ab12"), "sha256:ab12", 1234), c.lowers().get(1));
        assertEquals(Path.of("/base/rel.lsmt"), c.lowers().get(2).file());
        assertEquals(new ImageConfig.Upper(Path.of("/rw/index"), Path.of("/rw/data")), c.upper());
        assertEquals(Path.of("/tmp/result"), c.resultFile());
        assertEquals(Path.of("/base/trace"), c.recordTracePath());
        assertEquals(new ImageConfig.Download(true, 5, 30, 100, 5, 262144), c.download());
        assertEquals("https://registry.example/v2/img/blobs/sha256:ab12", c.blobUrl("sha256:ab12"));
    }

    @Test
    void emptyUpperIsReadOnlyAndUpperAloneIsAnImage() {
        assertFalse(ImageConfig.parse("{\"lowers\":[{\"file\":\"a\"}],\"upper\":{}}", BASE).hasUpper());
        assertFalse(ImageConfig.parse("{\"lowers\":[{\"file\":\"a\"}],\"upper\":{\"data\":\"d\"}}", BASE).hasUpper());
        ImageConfig u = ImageConfig.parse("{\"upper\":{\"data\":\"d\",\"index\":\"i\"}}", BASE);
        assertTrue(u.lowers().isEmpty());
        assertEquals(Path.of("/base/d"), u.upper().data());
    }

    @Test
    void wrongTypesNameTheField() {
        Map<String, String> cases = Map.of(
                "{\"lowers\":[{\"file\":\"a\"},{\"digest\":\"sha256:aa\",\"size\":\"12\"}],\"repoBlobUrl\":\"u\"}", "lowers[1].size",
                "{\"lowers\":{}}", "lowers",
                "{\"lowers\":[{\"file\":3}]}", "lowers[0].file",
                "{\"lowers\":[{\"file\":\"a\"}],\"accelerationLayer\":\"yes\"}", "accelerationLayer",
                "{\"lowers\":[{\"file\":\"a\"}],\"download\":{\"enable\":1}}", "download.enable",
                "{\"lowers\":[{\"digest\":\"sha256:aa\"}]}", "repoBlobUrl",
                "{\"lowers\":[{}]}", "lowers[0].file",
                "{\"lowers\":[]}", "lowers",
                "{\"lowers\":[{\"file\":\"a\"}],\"recordTracePath\":\"t\",\"accelerationLayer\":true}", "accelerationLayer",
                "{\"lowers\":[{\"file\":\"a\",\"targetDigest\":\"sha256:bb\"}]}", "lowers[0].targetDigest");
        cases.forEach((json, field) -> {
            FormatException e = assertThrows(FormatException.class, () -> ImageConfig.parse(json, BASE), json);
            assertEquals(field, e.field(), json);
        });
        for (String bad : List.of("", "[]", "{\"lowers\":[{\"file\":\"a\"}]} x", "{\"a\":01}", "[".repeat(10_000))) {
            assertThrows(FormatException.class, () -> ImageConfig.parse(bad, BASE), bad);
        }
    }

    @Test
    void globalConfigFieldsAndLegacyNames() {
        GlobalConfig g = GlobalConfig.parse("""
                {"logConfig": {"logLevel": 1}, "cacheConfig": {"cacheType": "file", "cacheDir": "/c", "cacheSizeGB": 2, "refillSize": 1048576},
                 "credentialConfig": {"mode": "file", "path": "cred.json"}, "prefetchConfig": {"concurrency": 4},
                 "p2pConfig": {"enable": true, "address": "http://127.0.0.1:9731/accelerator"}, "ioEngine": 0,
                 "obdj": {"attempts": 3, "backoffMs": 10, "httpVersion": "1.1"}, "brandNew": {}}""", BASE);
        assertEquals(Path.of("/c"), g.cacheDir());
        assertEquals(2L << 30, g.cacheSize());
        assertEquals(1 << 20, g.refillSize());
        assertEquals(Path.of("/base/cred.json"), g.credentials());
        assertEquals(4, g.prefetchConcurrency());
        assertEquals("http://127.0.0.1:9731/accelerator", g.p2p());
        assertFalse(g.persistentCache(), "P2P bypasses the cache");
        assertEquals(3, g.http().attempts());
        assertFalse(g.http().http2());
        GlobalConfig legacy = GlobalConfig.parse("{\"registryCacheDir\": \"/old\", \"registryCacheSizeGB\": 1, \"credentialFilePath\": \"/c.json\"}", BASE);
        assertEquals(Path.of("/old"), legacy.cacheDir());
        assertEquals(1L << 30, legacy.cacheSize());
        assertEquals(Path.of("/c.json"), legacy.credentials());
        assertEquals(GlobalConfig.DEFAULT_CACHE_DIR, GlobalConfig.parse("{}", BASE).cacheDir());
        FormatException e = assertThrows(FormatException.class, () -> GlobalConfig.parse("{\"prefetchConfig\": {\"concurrency\": \"8\"}}", BASE));
        assertEquals("prefetchConfig.concurrency", e.field());
        e = assertThrows(FormatException.class, () -> GlobalConfig.parse("{\"credentialConfig\": {\"mode\": \"http\"}}", BASE));
        assertEquals("credentialConfig.mode", e.field());
        e = assertThrows(FormatException.class, () -> GlobalConfig.parse("{\"cacheConfig\": {\"refillSize\": 1000}}", BASE));
        assertEquals("cacheConfig.refillSize", e.field());
    }

    @Test
    void jsonValues() {
        Object v = Json.parse(" {\"s\":\"a\\u00e9\\n\\\"\",\"n\":-12,\"d\":0.5,\"b\":[true,false,null],\"big\":123456789012345678901} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals("a\u00e9\n\"", m.get("s"));
        assertEquals(-12L, m.get("n"));
        assertEquals(0.5, m.get("d"));
        assertEquals(java.util.Arrays.asList(true, false, null), m.get("b"));
        assertEquals(1.2345678901234568E20, m.get("big"));
    }

    @Test
    void readReportsTheFileAndResultFileIsWritten(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("config.v1.json");
        Files.writeString(f, "{\"lowers\": [");
        FormatException e = assertThrows(FormatException.class, () -> ImageConfig.read(f));
        assertTrue(e.getMessage().contains("config.v1.json"), e.getMessage());
        Files.writeString(f, "{\"lowers\": [{\"file\": \"missing.lsmt\"}], \"resultFile\": \"result\"}");
        ImageConfig c = ImageConfig.read(f);
        assertEquals(tmp.resolve("missing.lsmt"), c.lowers().get(0).file());
        assertThrows(dev.obdj.ObdjException.class, () -> dev.obdj.Image.open(c, GlobalConfig.defaults()));
        assertTrue(Files.readString(tmp.resolve("result")).startsWith("failed:"));
    }

    @org.junit.jupiter.api.Test
    void unicodeEscapesTakeExactlyFourHexDigits() {
        // Found by the config fuzz target against Jackson: Integer.parseInt took "\\u+0e9" as an escape.
        for (String bad : java.util.List.of("\"\\u+0e9\"", "\"\\u-0e9\"", "\"\\u0e9\"", "\"\\u0e9g\"",
                "\"\\u\uFF10\uFF10\uFF10\uFF10\"")) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
        org.junit.jupiter.api.Assertions.assertEquals("\u00e9\uABCD", Json.parse("\"\\u00E9\\uabcd\""));
    }
}
