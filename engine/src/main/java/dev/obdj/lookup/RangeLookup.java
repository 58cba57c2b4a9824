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
     * The first mapping ending after {@code offset}: from the lookup's scan bound when it has one,
     * walking the entries (which the caller reads next anyway), else its search.
     */
    private static long first(SegmentLookup finder, MemorySegment entries, long count, long offset) {
        long i = finder.scanFrom(offset);
        if (i < 0) {
            return finder.firstEndingAfter(offset);
        }
        for (; i < count; i++) {
            long w = entries.get(WORD, i << 4);
            if ((w & OFFSET_MASK) + (w >>> 50) > offset) {
                break;
            }
        }
        return i;
    }

    /**
     * Finds the mappings intersecting {@code [offset, offset + length)} (sectors).
     *
     * @param finder  the lookup over {@code entries}
     * @param entries packed 16-byte mappings, sorted and non-overlapping, {@code count} of them
     * @param out     receives mapping {@code i} as {@code out[2i]} = lo word, {@code out[2i+1]} = hi word
     * @param max     most mappings to return; {@code out} holds at least {@code 2 * max} longs
     * @return how many mappings were written; {@code max} means there may be more after the last.
     *         Words of {@code out} past {@code 2 * return} may be overwritten with garbage
     */
    public static int lookup(SegmentLookup finder, MemorySegment entries, long count,
                             long offset, long length, long[] out, int max) {
        if (length <= 0 || max <= 0) {
            return 0;
        }
        long end = offset + length;
        long i = first(finder, entries, count, offset);
        if (i >= count) {
            return 0;
        }
        // The first mapping, trimmed at both edges, without branches: whether an edge needs a trim,
        // or the range falls in a hole before it (start >= end: nothing intersects, and then
        // nothing after it either), is a coin flip for random reads. Words written for a hole are
        // past the returned count.
        long lo = entries.get(WORD, i << 4);
        long hi = entries.get(WORD, (i << 4) + 8);
        long start = lo & OFFSET_MASK;
        long cut = Math.max(offset - start, 0); // < its length: it ends after offset
        long from = start + cut;
        out[0] = from | ((Math.min(start + (lo >>> 50), end) - from) << 50);
        out[1] = hi + (cut & ~((hi << 8) >> 63)); // moffset moves forward unless zeroed (bit 55)
        // 1 when it starts before end; start is in [0, 2^50), so with end clamped at 0 the
        // difference cannot overflow.
        int first = (int) ((start - Math.max(end, 0)) >>> 63);
        return first + rest(entries, Math.min(count, i + max), i + 1, end, out, first);
    }

    /**
     * The mappings after the first, from {@code i} up to {@code limit}, while they start before
     * {@code end}, written from {@code out[2 * first]}; returns how many. They start after the
     * range's offset, so only the last can need a trim (at its end); the trim is applied to all,
     * a no-op on the others. After a hole ({@code first == 0}) the next mapping starts past
     * {@code end} too, so nothing is written. Kept apart so {@link #lookup} stays small enough for
     * the JIT to inline into the read path.
     */
    private static int rest(MemorySegment entries, long limit, long i, long end, long[] out, int first) {
        int k = first;
        for (; i < limit; i++, k++) {
            long lo = entries.get(WORD, i << 4);
            long start = lo & OFFSET_MASK;
            if (start >= end) {
                break;
            }
            out[2 * k] = start | ((Math.min(start + (lo >>> 50), end) - start) << 50);
            out[2 * k + 1] = entries.get(WORD, (i << 4) + 8);
        }
        return k - first;
    }
}
