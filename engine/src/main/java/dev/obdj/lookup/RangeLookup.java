package dev.obdj.lookup;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The reference's {@code lookup(segment, out[], n)} (FORMAT-NOTES 3.4) over any
 * {@link SegmentLookup}: the mappings that intersect {@code [offset, offset + length)}, in order,
 * at most {@code max} of them, the first and last trimmed to the range (a trimmed front moves
 * moffset forward unless the mapping is zeroed). Holes are not reported. Allocation-free: results
 * go into the caller's array as packed (lo, hi) words, the 16-byte entry layout.
 */
public final class RangeLookup {
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long OFFSET_MASK = (1L << 50) - 1;

    private RangeLookup() {}

    /**
     * Finds the mappings intersecting {@code [offset, offset + length)} (sectors).
     *
     * @param finder  the lookup over {@code entries}
     * @param entries packed 16-byte mappings, sorted and non-overlapping, {@code count} of them
     * @param out     receives mapping {@code i} as {@code out[2i]} = lo word, {@code out[2i+1]} = hi word
     * @param max     most mappings to return; {@code out} holds at least {@code 2 * max} longs
     * @return how many mappings were written; {@code max} means there may be more after the last
     */
    public static int lookup(SegmentLookup finder, MemorySegment entries, long count,
                             long offset, long length, long[] out, int max) {
        if (length <= 0 || max <= 0) {
            return 0;
        }
        long end = offset + length;
        long i = finder.firstEndingAfter(offset);
        if (i >= count) {
            return 0;
        }
        long lo = entries.get(WORD, i << 4);
        long start = lo & OFFSET_MASK;
        if (start >= end) {
            return 0; // the range falls in a hole
        }
        // The first mapping: trimmed at both edges without branches (whether it needs a trim is
        // a coin flip for random reads). It ends after offset, so cut < its length.
        long hi = entries.get(WORD, (i << 4) + 8);
        long cut = Math.max(offset - start, 0);
        long from = start + cut;
        out[0] = from | ((Math.min(start + (lo >>> 50), end) - from) << 50);
        out[1] = hi + (cut & ~((hi << 8) >> 63)); // moffset moves forward unless zeroed (bit 55)
        return 1 + rest(entries, Math.min(count, i + max), i + 1, end, out);
    }

    /**
     * The mappings after the first, from {@code i} up to {@code limit}, while they start before
     * {@code end}. They start after the range's offset, so only the last can need a trim (at its
     * end); the trim is applied to all, a no-op on the others. Kept apart so {@link #lookup}
     * stays small enough for the JIT to inline into the read path.
     */
    private static int rest(MemorySegment entries, long limit, long i, long end, long[] out) {
        int k = 1;
        for (; i < limit; i++, k++) {
            long lo = entries.get(WORD, i << 4);
            long start = lo & OFFSET_MASK;
            if (start >= end) {
                break;
            }
            out[2 * k] = start | ((Math.min(start + (lo >>> 50), end) - start) << 50);
            out[2 * k + 1] = entries.get(WORD, (i << 4) + 8);
        }
        return k - 1;
    }
}
