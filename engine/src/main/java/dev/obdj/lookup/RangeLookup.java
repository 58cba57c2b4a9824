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
        long limit = Math.min(count, i + max);
        int k = 0;
        for (; i < limit; i++) {
            long lo = entries.get(WORD, i << 4);
            if ((lo & OFFSET_MASK) >= end) {
                break;
            }
            out[2 * k] = lo;
            out[2 * k + 1] = entries.get(WORD, (i << 4) + 8);
            k++;
        }
        if (k == 0) {
            return 0;
        }
        // Trims without branches: whether an edge needs one is a coin flip for random reads.
        long lo = out[0];
        long hi = out[1];
        long start = lo & OFFSET_MASK;
        long cut = Math.max(offset - start, 0);
        out[0] = (start + cut) | (((lo >>> 50) - cut) << 50);
        out[1] = hi + (cut & ~((hi << 8) >> 63)); // moffset moves forward unless zeroed (bit 55)
        int last = 2 * (k - 1);
        lo = out[last];
        start = lo & OFFSET_MASK;
        long len = lo >>> 50;
        long over = Math.max(start + len - end, 0);
        out[last] = start | ((len - over) << 50);
        return k;
    }
}
