package dev.obdj.lookup;

import java.lang.foreign.MemorySegment;

/**
 * The node search of the {@link LinearizedBptree}: descends from the root and returns the rank
 * of a key (the number of tree keys {@code <=} it, compared unsigned). One implementation per
 * way of comparing a node: the plain-Java loop, and Vector API compares at 512 and 256 bits.
 * Each implementation holds its whole descent so the JIT sees no call per node.
 *
 * <p>Single-key forms take a query strictly below the all-ones padding (the caller has already
 * answered queries outside {@code [firstKey, lastKey)}). Batched forms take raw sectors and
 * answer {@code 0} for a negative one; the 32-bit form clamps the rest to {@code max} first.
 */
sealed interface TreeSearch permits ScalarTreeSearch, VectorTreeSearch.W512, VectorTreeSearch.W256 {
    /** Searches interleaved by the batched forms: enough misses in flight without spilling. */
    int GROUP = 8;

    /** Rank of {@code x} in a tree of 16 u32 keys per node. */
    long rank32(MemorySegment t, long[] levelBase, int x);

    /** Rank of {@code x} in a tree of 8 u64 keys per node. */
    long rank64(MemorySegment t, long[] levelBase, long x);

    /** {@code out[i] = xs[i] < 0 ? 0 : rank32(min(xs[i], max))}, {@code GROUP} searches at a time. */
    void rank32(MemorySegment t, long[] levelBase, long[] xs, int n, long max, long[] out);

    /**
     * {@code out[i] = xs[i] < 0 ? 0 : rank64(xs[i])}, {@code GROUP} searches at a time (negative
     * sectors descend as 0 so they never meet the all-ones padding).
     */
    void rank64(MemorySegment t, long[] levelBase, long[] xs, int n, long[] out);

    /**
     * Keys {@code <= x} (unsigned) among the {@value LinearizedBptree#NARROW_KEYS} u32 keys from
     * byte {@code off} of the leaf level, which need not start a node: the window a
     * {@link LinearizedBptree} directory bucket points at.
     */
    int window32(MemorySegment t, long off, int x);

    /** The same over {@value LinearizedBptree#WIDE_KEYS} u64 keys. */
    int window64(MemorySegment t, long off, long x);

    /** Which path this is. */
    LookupPath path();

    /** A batched query clamped into {@code [0, max]} and narrowed to a u32 key. */
    static int narrow(long x, long max) {
        return (int) Math.min(Math.max(x, 0), max);
    }
}
