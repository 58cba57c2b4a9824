package dev.obdj.sample;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The deterministic payload generator of the reference corpus and the performance anchors:
 * {@code payload(kind, seed, n)}, every call restarting the stream at byte 0.
 * <ul>
 *   <li>{@code rand}: xorshift64 from {@code seed ^ 0x9E3779B97F4A7C15} (0 becomes 1), 8 bytes
 *       little-endian per step ({@code x ^= x<<13; x ^= x>>>7; x ^= x<<17});</li>
 *   <li>{@code comp}: {@code 'a' + (((i >> 6) + seed) mod 26)};</li>
 *   <li>{@code zero}: zeros;</li>
 *   <li>{@code half}: {@code rand} with every odd 512-byte sector zeroed.</li>
 * </ul>
 */
public final class Payload {
    private Payload() {}

    /** The kinds of payload. */
    public enum Kind { RAND, COMP, ZERO, HALF }

    /** Parses a corpus kind name ({@code "rand"}, {@code "comp"}, {@code "zero"}, {@code "half"}). */
    public static Kind kind(String name) {
        return Kind.valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    /** A new array with {@code payload(kind, seed, n)}. */
    public static byte[] bytes(Kind kind, long seed, int n) {
        byte[] b = new byte[n];
        fill(kind, seed, MemorySegment.ofArray(b), 0, n);
        return b;
    }

    /** Writes {@code payload(kind, seed, n)} into {@code dst} at {@code off}. */
    public static void fill(Kind kind, long seed, MemorySegment dst, long off, long n) {
        switch (kind) {
            case ZERO -> dst.asSlice(off, n).fill((byte) 0);
            case COMP -> {
                for (long i = 0; i < n; i++) {
                    dst.set(ValueLayout.JAVA_BYTE, off + i, (byte) ('a' + Math.floorMod((i >> 6) + seed, 26)));
                }
            }
            case RAND, HALF -> {
                XorShift x = new XorShift(seed);
                long i = 0;
                for (; i + 8 <= n; i += 8) {
                    dst.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), off + i, x.next());
                }
                if (i < n) {
                    long w = x.next();
                    for (; i < n; i++, w >>>= 8) {
                        dst.set(ValueLayout.JAVA_BYTE, off + i, (byte) w);
                    }
                }
                if (kind == Kind.HALF) {
                    for (long s = 512; s < n; s += 1024) {
                        dst.asSlice(off + s, Math.min(512, n - s)).fill((byte) 0);
                    }
                }
            }
        }
    }

    /** The xorshift64 generator {@code XS(seed)} of the corpus and the benchmark anchors. */
    public static final class XorShift {
        private long x;

        public XorShift(long seed) {
            x = seed ^ 0x9E3779B97F4A7C15L;
            if (x == 0) {
                x = 1;
            }
        }

        public long next() {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            return x;
        }

        /** {@code Long.remainderUnsigned(next(), n)}. */
        public long uniform(long n) {
            return Long.remainderUnsigned(next(), n);
        }
    }
}
