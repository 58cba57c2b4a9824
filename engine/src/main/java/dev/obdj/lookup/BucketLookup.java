package dev.obdj.lookup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A bucket table in front of another lookup: the sectors between the first mapping's start and
 * the last mapping's end are cut into {@code 2^shift}-sector buckets, and {@code start[b]} is the
 * answer for the first sector of bucket {@code b}. Since the answer only grows with the sector,
 * the answer for any sector of bucket {@code b} lies in {@code [start[b], start[b+1]]}: a lookup
 * reads two adjacent ints and, when the bucket holds at most {@value #SCAN} mappings, scans those
 * (the mapping it stops at is the one the read uses next, so its cache line is not wasted);
 * fuller buckets ask the inner lookup. With a bucket for every one or two mappings a random read costs one
 * table load and one or two entry loads instead of a walk down the tree.
 *
 * <p>The table takes 4 bytes per bucket, off-heap, owned with the inner lookup (both closed by
 * {@link #close}). Answers equal {@link BinarySearchLookup}'s for every sector.
 */
public final class BucketLookup implements SegmentLookup {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final long OFFSET_MASK = (1L << 50) - 1;
    /** Buckets holding more mappings than this go to the inner lookup. */
    static final int SCAN = 8;
    /** Largest table: 2^26 buckets (256 MiB); the index it serves would be 1 GiB and more. */
    static final int MAX_BUCKETS_LOG2 = 26;

    private final MemorySegment entries;
    private final long count;
    private final SegmentLookup inner;
    private final Arena arena;
    private final MemorySegment start; // buckets + 1 ints
    private final long base;
    private final long limit;
    private final int shift;

    private BucketLookup(MemorySegment entries, long count, SegmentLookup inner, Arena arena, MemorySegment start,
                         long base, long limit, int shift) {
        this.entries = entries;
        this.count = count;
        this.inner = inner;
        this.arena = arena;
        this.start = start;
        this.base = base;
        this.limit = limit;
        this.shift = shift;
    }

    /**
     * A bucket table over {@code count} packed, sorted, non-overlapping mappings in front of
     * {@code inner} (which must answer for the same entries), about one bucket per mapping.
     * Returns {@code inner} itself when a table would not help (fewer than two mappings, or more
     * than {@code 2^31 - 1}).
     */
    public static SegmentLookup over(MemorySegment entries, long count, SegmentLookup inner) {
        if (count < 2 || count >= Integer.MAX_VALUE) {
            return inner;
        }
        long base = entries.get(LONG, 0) & OFFSET_MASK;
        long limit = end(entries, count - 1); // the largest end (sorted, non-overlapping): the answer is count from there on
        long span = limit - base;
        if (span <= 0) {
            return inner;
        }
        int log2Count = 64 - Long.numberOfLeadingZeros(count - 1); // ceil(log2(count))
        int log2Buckets = Math.min(log2Count - 1, MAX_BUCKETS_LOG2); // one or two mappings a bucket
        int shift = Math.max(0, (64 - Long.numberOfLeadingZeros(span - 1)) - log2Buckets);
        long buckets = ((span - 1) >>> shift) + 1;
        Arena arena = Arena.ofShared();
        try {
            MemorySegment start = arena.allocate((buckets + 1) * Integer.BYTES, 64);
            long i = 0;
            for (long b = 0; b < buckets; b++) {
                long s = base + (b << shift);
                while (i < count && end(entries, i) <= s) {
                    i++;
                }
                start.setAtIndex(INT, b, (int) i);
            }
            start.setAtIndex(INT, buckets, (int) count);
            return new BucketLookup(entries, count, inner, arena, start, base, limit, shift);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    private static long end(MemorySegment entries, long i) {
        long w = entries.get(LONG, i << 4);
        return (w & OFFSET_MASK) + (w >>> 50);
    }

    @Override
    public long firstEndingAfter(long sector) {
        if (sector < base) {
            return 0; // every mapping ends at or after base
        }
        if (sector >= limit) {
            return count;
        }
        long b = (sector - base) >>> shift;
        long off = b * Integer.BYTES;
        int i = start.get(INT, off);
        int j = start.get(INT, off + Integer.BYTES);
        if (j - i > SCAN) {
            return inner.firstEndingAfter(sector);
        }
        while (i < j && end(entries, i) <= sector) {
            i++;
        }
        return i;
    }

    @Override
    public void firstEndingAfter(long[] sectors, int n, long[] out) {
        inner.firstEndingAfter(sectors, n, out);
    }

    /** The lookup that answers for crowded buckets. */
    public SegmentLookup inner() {
        return inner;
    }

    /** Bytes of off-heap memory the table holds (the inner lookup's not counted). */
    public long ownedBytes() {
        return start.byteSize();
    }

    @Override
    public String name() {
        return inner.name() + "+buckets";
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
        inner.close();
    }
}
