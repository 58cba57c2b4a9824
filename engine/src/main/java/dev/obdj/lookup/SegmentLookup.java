package dev.obdj.lookup;

/**
 * Finds where a logical sector falls in a sorted, non-overlapping array of LSMT mappings.
 * The one question every read asks of the merged index; implementations (binary search, the
 * linearized B+tree) are interchangeable and must give identical answers.
 *
 * <p>A lookup may own off-heap memory (the B+tree does); whoever obtained it closes it. Closing
 * a lookup that owns nothing does nothing. Lookups are immutable and safe from many threads
 * until closed.
 */
public interface SegmentLookup extends AutoCloseable {

    /**
     * Index of the first mapping whose end ({@code offset + length}) is greater than
     * {@code sector}, or the mapping count when there is none. This is the reference's
     * lower bound under the ordering {@code a < b iff a.end <= b.offset}.
     */
    long firstEndingAfter(long sector);

    /**
     * The batched form: {@code out[i] = firstEndingAfter(sectors[i])} for {@code i < n}.
     * Implementations over large indexes keep several searches in flight to hide memory latency.
     */
    default void firstEndingAfter(long[] sectors, int n, long[] out) {
        for (int i = 0; i < n; i++) {
            out[i] = firstEndingAfter(sectors[i]);
        }
    }

    /**
     * Where a scan of the entries for {@code sector} may start: an index {@code j <=}
     * {@link #firstEndingAfter(long) firstEndingAfter(sector)} at most {@value #SCAN} mappings
     * before it, or {@code -1} when this lookup has no such cheap bound. A full lookup that reads
     * the entries anyway walks from {@code j}, so the entries it reads are the only memory it waits
     * on after the bound. The default has none.
     */
    default long scanFrom(long sector) {
        return -1;
    }

    /** Most mappings between {@link #scanFrom(long)}'s bound and the answer. */
    int SCAN = 16;

    /** A short name for logs and benchmarks, e.g. {@code "binary-search"}. */
    String name();

    /** Releases memory this lookup owns; the default owns none. */
    @Override
    default void close() {}
}
