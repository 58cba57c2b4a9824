package dev.obdj.lookup;

import java.lang.foreign.MemorySegment;

/**
 * {@link SegmentLookup} over a {@link LinearizedBptree} built once from the index, searched with
 * one {@link TreeSearch} kernel. Owns the tree's off-heap memory: close it with the index.
 * Answers equal {@link BinarySearchLookup}'s for every sector.
 */
public final class BptreeLookup implements SegmentLookup {
    private final LinearizedBptree tree;
    private final TreeSearch kernel;
    // Copied out of the tree so the hot path reads final fields of this object only.
    private final MemorySegment keys;
    private final long[] levelBase;
    private final boolean wide;
    private final long count;
    private final long firstKey;
    private final long lastKey;

    private BptreeLookup(LinearizedBptree tree, TreeSearch kernel) {
        this.tree = tree;
        this.kernel = kernel;
        this.keys = tree.keys;
        this.levelBase = tree.levelBase;
        this.wide = tree.wide;
        this.count = tree.count;
        this.firstKey = tree.firstKey;
        this.lastKey = tree.lastKey;
    }

    static BptreeLookup build(MemorySegment entries, long count, TreeSearch kernel) {
        return new BptreeLookup(LinearizedBptree.build(entries, count), kernel);
    }

    @Override
    public long firstEndingAfter(long sector) {
        if (sector >= lastKey) {
            return count; // also the empty index: lastKey is Long.MIN_VALUE
        }
        if (sector < firstKey) {
            return 0;
        }
        return wide ? kernel.rank64(keys, levelBase, sector) : kernel.rank32(keys, levelBase, (int) sector);
    }

    @Override
    public void firstEndingAfter(long[] sectors, int n, long[] out) {
        if (count == 0) {
            java.util.Arrays.fill(out, 0, n, 0L);
        } else if (wide) {
            kernel.rank64(keys, levelBase, sectors, n, out);
        } else {
            kernel.rank32(keys, levelBase, sectors, n, lastKey, out);
        }
    }

    /** The path serving this lookup. */
    public LookupPath path() {
        return kernel.path();
    }

    /** True when the tree holds 64-bit keys (some mapping ends at or beyond {@code 2^32 - 1}). */
    public boolean wideKeys() {
        return wide;
    }

    /** Bytes of off-heap memory the tree holds. */
    public long ownedBytes() {
        return tree.ownedBytes();
    }

    @Override
    public String name() {
        return "bptree-" + kernel.path().property() + (wide ? "-u64" : "-u32");
    }

    @Override
    public void close() {
        tree.close();
    }
}
