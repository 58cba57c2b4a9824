package dev.obdj.fuzz;

import dev.obdj.testing.LayerModel;
import dev.obdj.testing.TestBlobs;

import dev.obdj.zfile.BlockCodec;
import dev.obdj.zfile.ZFileWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The hand-made minimal seeds, by target method: small well-formed files of each kind and client
 * streams that walk the NBD protocol. {@link SeedsTest} writes them into the Jazzer input folders
 * when asked ({@code -Dobdj.fuzz.writeSeeds=true}); they are committed there and replayed in every
 * test run.
 */
final class SeedFiles {
    private SeedFiles() {}

    /** Seeds by "ClassInputs/method", each by file name. */
    static Map<String, Map<String, byte[]>> all() {
        Map<String, Map<String, byte[]>> m = new LinkedHashMap<>();
        Random r = new Random(20261127);
        Map<String, byte[]> blob = new LinkedHashMap<>();
        blob.put("seed-empty-layer", TestBlobs.sealedBytes(new LayerModel(1), 4096, r));
        blob.put("seed-small-layer", TestBlobs.sealedBytes(model(r, 24, 5), 24 * 512 - 100, r));
        m.put("LsmtBlobFuzzTestInputs/blob", blob);

        Map<String, byte[]> z = new LinkedHashMap<>();
        byte[] plain = new byte[9000];
        for (int i = 0; i < plain.length; i++) plain[i] = (byte) (i % 97 < 60 ? i % 7 : r.nextInt());
        z.put("seed-lz4-crc-overwritten", zfile(plain, BlockCodec.Lz4.INSTANCE, true, true));
        z.put("seed-lz4-crc-trailer", zfile(plain, BlockCodec.Lz4.INSTANCE, true, false));
        z.put("seed-zstd-trailer", zfile(plain, BlockCodec.Zstd.INSTANCE, false, false));
        z.put("seed-empty-lz4", zfile(new byte[0], BlockCodec.Lz4.INSTANCE, true, false));
        m.put("ZFileFuzzTestInputs/zfile", z);

        m.put("StackReadFuzzTestInputs/stack", randomSeeds(r, 4, 200));
        m.put("RwReplayFuzzTestInputs/rw", randomSeeds(r, 4, 400));
        m.put("LookupFuzzTestInputs/lookup", randomSeeds(r, 3, 300));

        Map<String, byte[]> nbd = new LinkedHashMap<>();
        nbd.put("seed-go-read", NbdSeeds.goRead());
        nbd.put("seed-structured-status", NbdSeeds.structuredStatus());
        nbd.put("seed-export-name-writes", NbdSeeds.exportNameWrites());
        nbd.put("seed-list-info-abort", NbdSeeds.listInfoAbort());
        m.put("NbdFuzzTestInputs/nbd", nbd);

        Map<String, byte[]> cfg = new LinkedHashMap<>();
        cfg.put("seed-lowers-upper.json", utf8("""
                {"repoBlobUrl": "https://r.example/v2/x/blobs", "lowers": [
                  {"digest": "sha256:aa", "size": 123, "dir": "/l/0"},
                  {"file": "layer1.lsmt"}],
                 "upper": {"index": "rw.index", "data": "rw.data"},
                 "resultFile": "/r/result", "x": [1.5e3, -0, true, false, null, "\\u00e9\\n"]}
                """));
        cfg.put("seed-file-only.json", utf8("{\"lowers\":[{\"file\":\"/a/b.lsmt\"}]}"));
        m.put("ImageConfigFuzzTestInputs/config", cfg);
        return m;
    }

    private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static Map<String, byte[]> randomSeeds(Random r, int n, int len) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[len];
            r.nextBytes(b);
            m.put("seed-random-" + i, b);
        }
        return m;
    }

    static LayerModel model(Random r, int sectors, int ops) {
        LayerModel m = new LayerModel(sectors);
        for (int k = 0; k < ops; k++) {
            int n = 1 + r.nextInt(Math.min(8, sectors));
            int at = r.nextInt(sectors - n + 1);
            if (r.nextInt(4) == 0) {
                m.discard(at, n);
            } else {
                byte[] p = new byte[n * 512];
                r.nextBytes(p);
                m.write(at, p);
            }
        }
        return m;
    }

    /** A ZFile of {@code plain} with 4 KiB blocks, through a temporary file (header overwrite seeks). */
    static byte[] zfile(byte[] plain, BlockCodec codec, boolean crc, boolean overwrite) {
        try {
            Path tmp = Files.createTempFile("seed", ".zfile");
            try {
                try (ZFileWriter w = ZFileWriter.create(tmp, new ZFileWriter.Options(codec, 4096, crc, overwrite, 1))) {
                    w.write(ByteBuffer.wrap(plain));
                    w.finish();
                }
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
