package dev.obdj.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code obd zfile compress | decompress | check} and {@code obd info} on a ZFile. */
class ZFileCommandTest {
    @TempDir
    Path tmp;

    private String lastOut;
    private String lastErr;

    private int obd(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int rc = Main.run(args, new PrintStream(o, true), new PrintStream(e, true));
        lastOut = o.toString();
        lastErr = e.toString();
        return rc;
    }

    @Test
    void compressCheckDecompressInfo() throws Exception {
        byte[] data = new byte[123_457];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 / 7 + (i >> 9));
        }
        Path in = tmp.resolve("in.bin"), z = tmp.resolve("in.zfile"), back = tmp.resolve("back.bin");
        Files.write(in, data);
        assertEquals(0, obd("zfile", "compress", "--algo", "zstd", "--bs", "8", "--no-verify", "--threads", "2", in.toString(), z.toString()), lastErr);
        assertEquals(0, obd("zfile", "check", z.toString()), lastErr);
        assertTrue(lastOut.contains("ok: 16 blocks"), lastOut);
        assertEquals(0, obd("zfile", "decompress", z.toString(), back.toString()), lastErr);
        assertArrayEquals(data, Files.readAllBytes(back));
        assertEquals(0, obd("info", z.toString()), lastErr);
        assertTrue(lastOut.contains("zfile.trailer.flags: 0x16") && lastOut.contains("plain data"), lastOut);

        assertEquals(0, obd("zfile", "compress", "--overwrite-header", in.toString(), z.toString()), lastErr);
        byte[] f = Files.readAllBytes(z);
        f[700] ^= 1;
        Files.write(z, f);
        assertEquals(1, obd("zfile", "check", z.toString()));
        assertTrue(lastErr.contains("block[0].crc"), lastErr);
        assertEquals(2, obd("zfile", "compress", "--bs", "128", in.toString(), z.toString()));
        assertEquals(2, obd("zfile", "frobnicate"));
    }
}
