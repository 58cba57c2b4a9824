package dev.obdj.lookup;

import java.lang.foreign.MemorySegment;

/** Chooses the lookup implementation for an index. The single place that decides. */
public final class Lookups {
    private Lookups() {}

    /** A lookup over {@code count} packed, sorted, non-overlapping 16-byte mappings. */
    public static SegmentLookup forEntries(MemorySegment entries, long count) {
        return new BinarySearchLookup(entries, count);
    }
}
