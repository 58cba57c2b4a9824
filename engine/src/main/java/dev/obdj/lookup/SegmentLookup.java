package dev.obdj.lookup;

/**
 * Finds where a logical sector falls in a sorted, non-overlapping array of LSMT mappings.
 * The one question every read asks of the merged index; implementations (binary search, the
 * linearized B+tree) are interchangeable and must give identical answers.
 */
public interface SegmentLookup {

    /**
     * Index of the first mapping whose end ({@code offset + length}) is greater than
     * {@code sector}, or the mapping count when there is none. This is the reference's
     * lower bound under the ordering {@code a < b iff a.end <= b.offset}.
     */
    long firstEndingAfter(long sector);

    /** A short name for logs and benchmarks, e.g. {@code "binary-search"}. */
    String name();
}
