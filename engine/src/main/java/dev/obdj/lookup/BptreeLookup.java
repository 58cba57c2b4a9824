package dev.obdj.lookup;

import java.lang.foreign.MemorySegment;

/**
 * {@link SegmentLookup} over a {@link LinearizedBptree} built once from the index, searched with
 * one {@link TreeSearch} kernel: the tree's directory bucket and one window compare when the
 * bucket is not crowded, else a walk down the tree (see {@link LinearizedBptree}). Owns the tree's
 * off-heap memory: close it with the index. Answers equal {@link BinarySearchLookup}'s for every
 * sector.
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
    private final MemorySegment dir;
    private final int dirShift;
    private final long leafBase;
    /** Keys a window compare covers: 16 u32 or 8 u64; a bucket holding more walks the tree. */
    private final int window;
    private final boolean direct;
    private final boolean scan;

    private BptreeLookup(LinearizedBptree tree, TreeSearch kernel, boolean direct) {
        this.tree = tree;
        this.kernel = kernel;
        this.keys = tree.keys;
        this.levelBase = tree.levelBase;
        this.wide = tree.wide;
        this.count = tree.count;
        this.firstKey = tree.firstKey;
        this.lastKey = tree.lastKey;
        this.dir = tree.dir;
        this.dirShift = tree.dirShift;
        this.leafBase = tree.leafBase;
        this.window = tree.wide ? LinearizedBptree.WIDE_KEYS : LinearizedBptree.NARROW_KEYS;
        this.direct = direct;
        this.scan = direct && count >= SCAN_MIN_ENTRIES;
    }

    /**
     * The tree over {@code count} mappings searched by {@code kernel}; {@code direct} false
     * leaves the directory unused (every search walks the tree), for tests and benchmarks of the walk.
     */
    static BptreeLookup build(MemorySegment entries, long count, TreeSearch kernel, boolean direct) {
        return new BptreeLookup(LinearizedBptree.build(entries, count), kernel, direct);
    }

    @Override
    public long firstEndingAfter(long sector) {
        if (sector >= lastKey) {
            return count; // also the empty index: lastKey is Long.MIN_VALUE
        }
        if (sector < firstKey) {
            return 0;
        }
        if (direct) {
            return windowOrWalk(sector, bucketBounds(sector));
        }
        return walk(sector);
    }

    /**
     * The directory bucket's lower bound when the bucket holds at most a window of keys, for
     * indexes of {@value #SCAN_MIN_ENTRIES} mappings and more. There the entries miss the cache:
     * a full lookup that walks them from the bound waits on the directory and the entries, where
     * one through {@link #firstEndingAfter} also waits on the leaf keys between them (at 1M
     * mappings 28-29 against 14-17 M full lookups/s). Smaller indexes sit in cache and the
     * window compare's fixed cost beats the walk's branches (at 1k 86 against 81 M/s).
     */
    @Override
    public long scanFrom(long sector) {
        if (!scan) {
            return -1;
        }
        if (sector >= lastKey) {
            return count;
        }
        if (sector < firstKey) {
            return 0;
        }
        long pair = bucketBounds(sector);
        int lo = (int) pair;
        return (int) (pair >>> 32) - lo <= window ? lo : -1;
    }

    /** Smallest index whose full lookups walk the entries from the directory's bound. */
    static final long SCAN_MIN_ENTRIES = 1 << 15;

    /** The rank of {@code sector} (in {@code [firstKey, lastKey)}) by walking down from the root. */
    private long walk(long sector) {
        return wide ? kernel.rank64(keys, levelBase, sector) : kernel.rank32(keys, levelBase, (int) sector);
    }

    /** {@code dir[b]} (low half) and {@code dir[b + 1]} (high half) for the bucket of {@code sector} in {@code [firstKey, lastKey)}. */
    private long bucketBounds(long sector) {
        return dir.get(LinearizedBptree.DIR_PAIR, ((sector - firstKey) >>> dirShift) << 2);
    }

    /**
     * The rank of {@code sector} (in {@code [firstKey, lastKey)}) given its bucket's bounds
     * {@code pair} (low half {@code dir[b]}, high half {@code dir[b + 1]}): one window compare, or
     * the walk when the bucket holds more keys than a window.
     */
    private long windowOrWalk(long sector, long pair) {
        int lo = (int) pair;
        if ((int) (pair >>> 32) - lo <= window) {
            return lo + (wide ? kernel.window64(keys, leafBase + ((long) lo << 3), sector)
                    : kernel.window32(keys, leafBase + ((long) lo << 2), (int) sector));
        }
        return walk(sector);
    }

    /**
     * The batched form. Through the directory a search is a short run of independent instructions
     * with two loads, so a plain loop already keeps many searches in flight (two passes, or groups
     * of four held in locals, measured slower); the walk interleaves {@link TreeSearch#GROUP}
     * descents by hand.
     */
    @Override
    public void firstEndingAfter(long[] sectors, int n, long[] out) {
        if (count == 0) {
            java.util.Arrays.fill(out, 0, n, 0L);
        } else if (direct) {
            for (int i = 0; i < n; i++) {
                out[i] = firstEndingAfter(sectors[i]);
            }
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

    /** True when searches start at the directory (false: every search walks the tree). */
    public boolean direct() {
        return direct;
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
        return "bptree-" + kernel.path().property() + (wide ? "-u64" : "-u32") + (direct ? "" : "-walk");
    }

    @Override
    public void close() {
        tree.close();
    }
}
