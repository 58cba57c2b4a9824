package dev.obdj.lookup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Random sorted, non-overlapping segment layouts in off-heap memory, and keys around them. */
final class Layouts {
    static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final long MAX_OFFSET = (1L << 50) - 1;

    /** How segments follow each other. */
    enum Spacing { ADJACENT, GAPS, MIXED, SPARSE }

    private Layouts() {}

    static long lo(long offset, long length) { return offset | (length << 50); }

    static long offset(long lo) { return lo & MAX_OFFSET; }

    static long end(long lo) { return (lo & MAX_OFFSET) + (lo >>> 50); }

    /**
     * {@code n} mappings from {@code first}, lengths in [minLength, 16383], spacing as asked,
     * moffset = a running counter, every 7th zeroed, tag = i % 5. Lengths shrink when the layout
     * would run past the largest offset.
     */
    static MemorySegment build(Arena arena, int n, long first, Spacing spacing, int minLength, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        MemorySegment s = arena.allocate(Math.max(16, 16L * n), 16);
        long pos = first;
        long moffset = 8;
        for (int i = 0; i < n; i++) {
            long gap = switch (spacing) {
                case ADJACENT -> 0;
                case GAPS -> 1 + r.nextInt(64);
                case MIXED -> r.nextBoolean() ? 0 : r.nextInt(1 << r.nextInt(20));
                case SPARSE -> r.nextLong(1L << 24);
            };
            long length = r.nextInt(4) == 0 ? 16383 : minLength + r.nextInt(Math.max(1, 64 - minLength));
            pos = Math.min(pos + (i == 0 ? 0 : gap), MAX_OFFSET - 16383L * (n - i));
            boolean zeroed = i % 7 == 3;
            s.set(WORD, 16L * i, lo(pos, length));
            s.set(WORD, 16L * i + 8, moffset | (zeroed ? 1L << 55 : 0) | ((long) (i % 5) << 56));
            moffset += zeroed ? 0 : length;
            pos += length;
        }
        return s;
    }

    /** The B0 layout: segment i = {offset i*16, length 8, moffset 8 + i*8}. */
    static MemorySegment b0(Arena arena, int n) {
        MemorySegment s = arena.allocate(Math.max(16, 16L * n), 64);
        for (int i = 0; i < n; i++) {
            s.set(WORD, 16L * i, lo(16L * i, 8));
            s.set(WORD, 16L * i + 8, 8 + 8L * i);
        }
        return s;
    }

    /** Keys before the first mapping, inside mappings, on their edges, in gaps, after the last. */
    static long[] keys(MemorySegment entries, int n, int howMany, long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        long[] keys = new long[howMany];
        long first = n == 0 ? 0 : offset(entries.get(WORD, 0));
        long last = n == 0 ? 0 : end(entries.get(WORD, 16L * (n - 1)));
        for (int k = 0; k < howMany; k++) {
            long key;
            int kind = r.nextInt(10);
            if (n == 0 || kind == 0) {
                key = switch (r.nextInt(6)) {
                    case 0 -> -1 - r.nextInt(3);
                    case 1 -> Long.MIN_VALUE;
                    case 2 -> Long.MAX_VALUE;
                    case 3 -> 0xFFFF_FFFEL + r.nextInt(4); // around 2^32
                    case 4 -> r.nextLong(1L << 33);
                    default -> r.nextLong(MAX_OFFSET + 20000);
                };
            } else if (kind == 1) {
                key = first - 1 - r.nextLong(Math.max(1, Math.min(first, 1000)));
            } else if (kind == 2) {
                key = last + r.nextInt(1000);
            } else {
                long lo = entries.get(WORD, 16L * r.nextInt(n));
                key = switch (kind) {
                    case 3 -> offset(lo);
                    case 4 -> end(lo);
                    case 5 -> end(lo) - 1;
                    case 6 -> offset(lo) - 1; // in the gap before, or the previous mapping
                    default -> offset(lo) + r.nextLong(Math.max(1, lo >>> 50));
                };
            }
            keys[k] = key;
        }
        return keys;
    }

    /** The full lookup by linear scan, as the contract reads: for checking {@link RangeLookup}. */
    static int naiveLookup(MemorySegment entries, int n, long offset, long length, long[] out, int max) {
        int k = 0;
        long end = offset + length;
        for (int i = 0; i < n && k < max && length > 0; i++) {
            long lo = entries.get(WORD, 16L * i);
            long hi = entries.get(WORD, 16L * i + 8);
            long mo = offset(lo), me = end(lo);
            if (me <= offset || mo >= end) {
                continue;
            }
            out[2 * k] = lo;
            out[2 * k + 1] = hi;
            k++;
        }
        if (k > 0) {
            long lo = out[0], hi = out[1];
            if (offset(lo) < offset) {
                long cut = offset - offset(lo);
                out[0] = lo(offset, (lo >>> 50) - cut);
                out[1] = (hi & (1L << 55)) != 0 ? hi : hi + cut;
            }
            lo = out[2 * k - 2];
            if (end(lo) > end) {
                out[2 * k - 2] = lo(offset(lo), end - offset(lo));
            }
        }
        return k;
    }
}
