package dev.obdj.lookup;

import java.lang.foreign.MemorySegment;

/** Chooses the lookup implementation for an index. The single place that decides. */
public final class Lookups {
    /** Below this many mappings binary search fits in a few cache lines and a tree buys nothing. */
    public static final long MIN_TREE_ENTRIES = 64;

    private Lookups() {}

    /**
     * A lookup over {@code count} packed, sorted, non-overlapping 16-byte mappings, on the path
     * chosen at startup (see {@link #path()}): from {@value #MIN_TREE_ENTRIES} mappings on, the
     * B+tree with its directory. The caller closes it before the entries go away.
     */
    public static SegmentLookup forEntries(MemorySegment entries, long count) {
        LookupPath path = LookupProvider.path();
        if (path == LookupPath.BINARY || count < MIN_TREE_ENTRIES) {
            return new BinarySearchLookup(entries, count);
        }
        return BptreeLookup.build(entries, count, LookupProvider.kernel(path), true);
    }

    /** True when {@link #forEntries(MemorySegment, long)} would build a tree for {@code count} mappings. */
    public static boolean usesTree(long count) {
        return LookupProvider.path() != LookupPath.BINARY && count >= MIN_TREE_ENTRIES;
    }

    /**
     * A lookup on the given path whatever the index size, for tests and benchmarks.
     *
     * @throws dev.obdj.UsageException when a vector path is asked for and the Vector API is not usable
     */
    public static SegmentLookup forEntries(MemorySegment entries, long count, LookupPath path) {
        if (path == LookupPath.BINARY) {
            return new BinarySearchLookup(entries, count);
        }
        return BptreeLookup.build(entries, count, LookupProvider.kernel(path), true);
    }

    /**
     * The tree on the given path searched by walking down from the root every time, its directory
     * unused: the B+tree search alone, for tests and benchmarks that measure or check the walk.
     *
     * @throws dev.obdj.UsageException when a vector path is asked for and the Vector API is not usable
     * @throws IllegalArgumentException for {@link LookupPath#BINARY}, which has no tree
     */
    public static SegmentLookup treeWalk(MemorySegment entries, long count, LookupPath path) {
        if (path == LookupPath.BINARY) {
            throw new IllegalArgumentException("binary search has no tree to walk");
        }
        return BptreeLookup.build(entries, count, LookupProvider.kernel(path), false);
    }

    /** The path this process chose at startup (or was forced to by {@code -Dobdj.lookup}). */
    public static LookupPath path() {
        return LookupProvider.path();
    }
}
