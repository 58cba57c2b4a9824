package dev.obdj.zfile;

import dev.obdj.sample.Payload;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Our LZ4 encoder against lz4-java's byte-at-a-time Java port of the same match finder (whose
 * output the corpus shows equal to the reference's): same bytes for every input, with one encoder
 * reused across inputs as the writer does.
 */
class Lz4EncoderTest {
    private static final LZ4Compressor PORT = LZ4Factory.safeInstance().fastCompressor();

    private static void same(Lz4Encoder e, byte[] buf, int off, int len) {
        byte[] want = new byte[PORT.maxCompressedLength(len)];
        int n = PORT.compress(buf, off, len, want, 0, want.length);
        byte[] got = new byte[Lz4Encoder.bound(len) + 3];
        int m = e.compress(buf, off, len, got, 3);
        assertArrayEquals(java.util.Arrays.copyOf(want, n), java.util.Arrays.copyOfRange(got, 3, 3 + m),
                () -> "input of " + len + " bytes at " + off);
    }

    @Test
    void everyShortLength() {
        Lz4Encoder e = new Lz4Encoder();
        Random r = new Random(7);
        for (int len = 0; len <= 600; len++) {
            for (int alpha : new int[] {1, 2, 4, 256}) {
                byte[] b = new byte[len + 5];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) r.nextInt(alpha);
                }
                same(e, b, len % 5, len);
            }
        }
    }

    @Test
    void randomMixesUpToTheLimit() {
        Lz4Encoder e = new Lz4Encoder();
        Random r = new Random(11);
        for (int c = 0; c < 400; c++) {
            int len = c % 4 == 0 ? Lz4Encoder.MAX_INPUT - r.nextInt(20) : r.nextInt(70000 > Lz4Encoder.MAX_INPUT ? Lz4Encoder.MAX_INPUT : 70000);
            byte[] b = new byte[len];
            int period = 1 + r.nextInt(200);
            int alpha = 1 + r.nextInt(256);
            for (int i = 0; i < len; i++) { // runs of repeats, noise, and copies from far back
                int mode = (i / 997 + c) % 3;
                b[i] = mode == 0 || i < period ? (byte) r.nextInt(alpha) : mode == 1 ? b[i - period] : b[r.nextInt(i)];
            }
            same(e, b, 0, len);
        }
    }

    @Test
    void anchorPayloads() {
        Lz4Encoder e = new Lz4Encoder();
        for (int k = 0; k < 16; k++) {
            byte[] p = Payload.bytes(k % 2 == 0 ? Payload.Kind.RAND : Payload.Kind.COMP, k, 65536);
            for (int bs : new int[] {4096, 8192, 32768, 65536}) {
                for (int at = 0; at < p.length; at += bs) {
                    same(e, p, at, bs);
                }
            }
            same(e, Payload.bytes(Payload.Kind.HALF, k, 65536), 0, 65536);
            same(e, Payload.bytes(Payload.Kind.ZERO, k, 65536), 0, 65536);
        }
    }

    /**
     * The skip loop's step grows as a search goes on without a match: random bytes with a few
     * planted repeats land matches at every step size and put the end of the search at every
     * distance from the input's limit.
     */
    @Test
    void incompressibleInputWithLateMatches() {
        Lz4Encoder e = new Lz4Encoder();
        Random r = new Random(13);
        for (int c = 0; c < 3000; c++) {
            int len = 13 + r.nextInt(c % 10 == 0 ? Lz4Encoder.MAX_INPUT - 13 : 9000);
            byte[] b = new byte[len + 7];
            r.nextBytes(b);
            for (int planted = r.nextInt(4); planted > 0; planted--) {
                int n = 4 + r.nextInt(40);
                int to = r.nextInt(len);
                int from = r.nextInt(Math.max(1, to));
                System.arraycopy(b, from, b, to, Math.min(n, b.length - to));
            }
            same(e, b, c % 7, len);
        }
    }

    @Test
    void rejectsOversizedInputAndShortOutput() {
        Lz4Encoder e = new Lz4Encoder();
        assertThrows(IllegalArgumentException.class, () -> e.compress(new byte[70000], 0, 65547, new byte[70000], 0));
        assertThrows(IllegalArgumentException.class, () -> e.compress(new byte[4096], 0, 4096, new byte[4096], 0));
    }
}
