package dev.obdj.zfile;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * LZ4 block encoder for inputs under 64 KiB + 11 bytes that produces the bytes of the classic
 * single-pass match finder (LZ4 1.8.x {@code LZ4_compress_default}, acceleration 1, 16-bit table):
 * the reference's encoder. A 13-bit hash of each 4-byte little-endian word indexes the table of
 * last positions; the search step grows by one every 64 misses; a match is extended backwards to
 * the previous sequence's end and forwards to 5 bytes before the input's end; after a match the
 * table learns the position two bytes back and the next position is tried at once.
 *
 * <p>Compared with a byte-at-a-time port of the same algorithm, this one compares 4 and 8 bytes
 * at a time and never clears its table: each block gets a fresh range of table values
 * ({@link #base}), and a value below the range reads as position 0, which is what a cleared table
 * holds. The output is the same; the tests hold it against lz4-java's Java port and the corpus.
 *
 * <p>One instance per thread: it keeps the table between calls.
 */
final class Lz4Encoder {
    static final int MAX_INPUT = 65536 + 11 - 1; // the 16-bit-table limit (LZ4_64Klimit - 1)
    private static final int HASH_LOG = 13;
    private static final int MIN_MATCH = 4;
    private static final int LAST_LITERALS = 5;
    private static final int MF_LIMIT = 12;
    private static final int MIN_LENGTH = MF_LIMIT + 1;
    private static final int SKIP_STRENGTH = 6;
    private static final int ML_BITS = 4;
    private static final int ML_MASK = (1 << ML_BITS) - 1;
    private static final int RUN_MASK = 15;
    private static final int STRIDE = 1 << 17; // table values of one block lie in [base, base + STRIDE)

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int[] table = new int[1 << HASH_LOG];
    private int base = Integer.MAX_VALUE; // forces a clear on first use

    /** Worst-case output for {@code len} input bytes ({@code LZ4_compressBound}). */
    static int bound(int len) {
        return len + len / 255 + 16;
    }

    /**
     * Compresses {@code src[srcOff, srcOff+len)} into {@code dst} at {@code dstOff}, which must have
     * room for {@link #bound(int) bound(len)} bytes. Returns the compressed length.
     */
    int compress(byte[] src, int srcOff, int len, byte[] dst, int dstOff) {
        return compress(src, srcOff, len, MemorySegment.ofArray(dst), dstOff);
    }

    /**
     * Compresses {@code src[srcOff, srcOff+len)} into {@code dst} at {@code dstOff}, which must have
     * room for {@link #bound(int) bound(len)} bytes: the writer's off-heap output, so the block is
     * not copied again. Returns the compressed length.
     */
    int compress(byte[] src, int srcOff, int len, MemorySegment dst, long dstOff) {
        if (len < 0 || len > MAX_INPUT) {
            throw new IllegalArgumentException("LZ4 block input of " + len + " bytes");
        }
        if (dst.byteSize() - dstOff < bound(len)) {
            throw new IllegalArgumentException("LZ4 output room " + (dst.byteSize() - dstOff) + " < " + bound(len));
        }
        final int srcEnd = srcOff + len;
        long d = dstOff;
        int anchor = srcOff;
        if (len >= MIN_LENGTH) {
            if (base > Integer.MAX_VALUE - 2 * STRIDE) {
                java.util.Arrays.fill(table, 0);
                base = STRIDE; // every value left in the table is below it
            } else {
                base += STRIDE;
            }
            d = sequences(src, srcOff, srcEnd, dst, d);
            anchor = lastAnchor;
        }
        return (int) (lastLiterals(src, anchor, srcEnd - anchor, dst, d) - dstOff);
    }

    private int lastAnchor;

    private static int hash(int word) {
        return (word * -1640531535) >>> (32 - HASH_LOG);
    }

    private static int i32(byte[] b, int at) {
        return (int) INT.get(b, at);
    }

    private long sequences(byte[] src, final int srcOff, final int srcEnd, MemorySegment dst, long d) {
        final int matchLimit = srcEnd - LAST_LITERALS;
        final int mfLimit = srcEnd - MF_LIMIT;
        final int[] t = table;
        final int bs = base - srcOff; // table value of absolute position p: p + bs
        int anchor = srcOff;
        int s = srcOff + 1;
        main:
        while (true) {
            // The skip loop. liblz4 steps by searches++ >> 6 with searches from 64: 65 tries one
            // byte apart, then 64 each two, three, ... bytes apart, and a try at p only when
            // p + step <= mfLimit. Done as one counted loop per step, which the JIT compiles tighter.
            int ref;
            int step = 1;
            int tries = (1 << SKIP_STRENGTH) + 1;
            search:
            while (true) {
                int room = (mfLimit - s) / step; // tries left before the limit
                int n = Math.min(tries, room);
                for (int k = 0; k < n; k++) {
                    int p = s + k * step;
                    int word = i32(src, p);
                    int h = hash(word);
                    ref = Math.max(t[h] - bs, srcOff); // a value from an earlier block reads as the block start
                    t[h] = p + bs;
                    if (i32(src, ref) == word) {
                        s = p;
                        break search;
                    }
                }
                if (n < tries) {
                    break main;
                }
                s += n * step;
                step++;
                tries = 1 << SKIP_STRENGTH;
            }

            // extend backwards, not past the last sequence nor the block start
            while (ref > srcOff && s > anchor && src[ref - 1] == src[s - 1]) {
                ref--;
                s--;
            }
            int runLen = s - anchor;
            long token = d++;
            int tok; // the token byte, written once its match length is known
            if (runLen >= RUN_MASK) {
                tok = RUN_MASK << ML_BITS;
                d = writeLen(runLen - RUN_MASK, dst, d);
            } else {
                tok = runLen << ML_BITS;
            }
            MemorySegment.copy(src, anchor, dst, BYTE, d, runLen);
            d += runLen;

            while (true) {
                dst.set(SHORT_LE, d, (short) (s - ref));
                d += 2;
                s += MIN_MATCH;
                int matchLen = common(src, ref + MIN_MATCH, s, matchLimit);
                s += matchLen;
                if (matchLen >= ML_MASK) {
                    tok |= ML_MASK;
                    d = writeLen(matchLen - ML_MASK, dst, d);
                } else {
                    tok |= matchLen;
                }
                dst.set(BYTE, token, (byte) tok);
                if (s > mfLimit) {
                    anchor = s;
                    break main;
                }
                t[hash(i32(src, s - 2))] = s - 2 + bs;
                int word = i32(src, s);
                int h = hash(word);
                int v = t[h] - bs;
                ref = v < srcOff ? srcOff : v;
                t[h] = s + bs;
                if (i32(src, ref) != word) {
                    break;
                }
                token = d++;
                tok = 0;
            }
            anchor = s++;
        }
        lastAnchor = anchor;
        return d;
    }

    /** Bytes equal at {@code r...} and {@code s...}, counting while {@code s} stays below {@code limit}. */
    private static int common(byte[] b, int r, int s, int limit) {
        if (s <= limit - 8) { // most matches end within 8 bytes; longer ones go to the vectorized mismatch
            long x = (long) LONG.get(b, r) ^ (long) LONG.get(b, s);
            if (x != 0) {
                return Long.numberOfTrailingZeros(x) >>> 3;
            }
            int m = java.util.Arrays.mismatch(b, s + 8, limit, b, r + 8, r + (limit - s));
            return m < 0 ? limit - s : 8 + m;
        }
        int n = 0;
        while (s + n < limit && b[r + n] == b[s + n]) {
            n++;
        }
        return n;
    }

    private static long writeLen(int len, MemorySegment dst, long d) {
        while (len >= 0xFF) {
            dst.set(BYTE, d++, (byte) 0xFF);
            len -= 0xFF;
        }
        dst.set(BYTE, d++, (byte) len);
        return d;
    }

    private static long lastLiterals(byte[] src, int from, int runLen, MemorySegment dst, long d) {
        if (runLen >= RUN_MASK) {
            dst.set(BYTE, d++, (byte) (RUN_MASK << ML_BITS));
            d = writeLen(runLen - RUN_MASK, dst, d);
        } else {
            dst.set(BYTE, d++, (byte) (runLen << ML_BITS));
        }
        MemorySegment.copy(src, from, dst, BYTE, d, runLen);
        return d + runLen;
    }
}
