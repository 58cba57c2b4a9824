package dev.obdj.lookup;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain binary search directly over the packed 16-byte entries (only the lo word is read:
 * {@code offset = lo & (2^50-1)}, {@code length = lo >>> 50}). Needs no memory of its own, so it
 * also serves indexes used in place from a mapped file.
 */
public final class BinarySearchLookup implements SegmentLookup {
    /**
     * The layout sits in a holder class, made on the first search rather than when an open builds
     * this lookup: a fresh JVM spends milliseconds setting up FFM's value layouts, and the open
     * of a large layer should not wait for that (its lookup builder thread does it meanwhile).
     */
    private static final class Layout {
        static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    }

    private static final long OFFSET_MASK = (1L << 50) - 1;

    private final MemorySegment entries;
    private final long count;

    /** @param entries packed 16-byte mappings, sorted and non-overlapping; {@code count} of them */
    public BinarySearchLookup(MemorySegment entries, long count) {
        this.entries = entries;
        this.count = count;
    }

    @Override
    public long firstEndingAfter(long sector) {
        long lo = 0, hi = count;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            long w = entries.get(Layout.LONG, mid << 4);
            if ((w & OFFSET_MASK) + (w >>> 50) > sector) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    @Override
    public String name() {
        return "binary-search";
    }
}
