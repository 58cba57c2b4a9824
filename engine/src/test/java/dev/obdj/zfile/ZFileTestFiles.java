package dev.obdj.zfile;

import dev.obdj.sample.Payload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds ZFiles from generated content for the property and corruption tests. */
final class ZFileTestFiles {
    private ZFileTestFiles() {}

    /** Content of {@code n} bytes: {@code rand}, {@code comp}, {@code zero} or {@code half}, in 64 KiB pieces of varying seed. */
    static byte[] content(Payload.Kind kind, long seed, int n) {
        byte[] b = new byte[n];
        for (int at = 0, k = 0; at < n; at += 65536, k++) {
            int len = Math.min(65536, n - at);
            System.arraycopy(Payload.bytes(kind, seed + k, len), 0, b, at, len);
        }
        return b;
    }

    /** Writes {@code data} as a ZFile to a new temp file, in writes of {@code chunk} bytes. */
    static Path write(byte[] data, ZFileWriter.Options o, int chunk) {
        try {
            Path p = Files.createTempFile("obdj-zfile-test", ".zfile");
            try (ZFileWriter w = ZFileWriter.create(p, o)) {
                for (int at = 0; at < data.length; at += chunk) {
                    w.write(ByteBuffer.wrap(data, at, Math.min(chunk, data.length - at)));
                }
                ZFileWriter.Result r = w.finish();
                if (r.originalSize() != data.length || r.fileSize() != Files.size(p)) {
                    throw new AssertionError("result " + r + " for " + data.length + " bytes, file " + Files.size(p));
                }
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
