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
    private static final long ZEROED_BIT = 1L << 55;

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
        int k = 0;
        while (k < max && i < count) {
            long lo = entries.get(WORD, i << 4);
            if ((lo & OFFSET_MASK) >= end) {
                break;
            }
            out[2 * k] = lo;
            out[2 * k + 1] = entries.get(WORD, (i << 4) + 8);
            k++;
            i++;
        }
        if (k == 0) {
            return 0;
        }
        long lo = out[0];
        long start = lo & OFFSET_MASK;
        if (start < offset) { // trim the front
            long cut = offset - start;
            out[0] = offset | (((lo >>> 50) - cut) << 50);
            if ((out[1] & ZEROED_BIT) == 0) {
                out[1] += cut; // moffset is the low field; it cannot carry into the flags for a valid entry
            }
        }
        int last = 2 * (k - 1);
        lo = out[last];
        long mEnd = (lo & OFFSET_MASK) + (lo >>> 50);
        if (mEnd > end) { // trim the back
            out[last] = (lo & OFFSET_MASK) | (((lo >>> 50) - (mEnd - end)) << 50);
        }
        return k;
    }
}
