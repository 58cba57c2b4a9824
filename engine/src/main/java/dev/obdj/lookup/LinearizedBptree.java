package dev.obdj.lookup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * An implicit (pointer-free) B+tree over the mapping ends of a sorted index, in off-heap memory
 * owned by the tree. Nodes are 64 bytes (one cache line, one 512-bit register), 64-byte aligned:
 * 16 u32 keys when every end is below {@code 2^32 - 1}, else 8 u64 keys (never truncated).
 *
 * <p>Layout: levels root first, each level a dense run of nodes, {@link #levelBase} holding the
 * byte offset of each level. The leaf level holds every key in order, padded with all-ones to a
 * whole node. Node {@code j} of an inner level has children {@code (K+1)j .. (K+1)j+K}; its key
 * {@code c} is the first leaf key under child {@code c+1}, or all-ones when that child is empty.
 * So {@code rank(x)} = the number of keys {@code <= x} is found by descending with
 * {@code j = (K+1)j + count(node keys <= x)} and adding the leaf's count to {@code K j}.
 *
 * <p>Why ends and not starts (the reference keys the tree by start offset): ends are
 * non-decreasing, so the number of ends {@code <= x} <em>is</em> the index of the first mapping
 * ending after {@code x}. The search needs no second probe into the 16-byte entries and no
 * special case for a first mapping that does not start at 0.
 *
 * <p><b>Directory.</b> Beside the nodes sits a direct-mapped directory of the key range
 * {@code [firstKey, lastKey)}, cut into {@code 2^dirShift}-sector buckets, about one for every two
 * keys: {@code dir[b]} is the number of keys below bucket {@code b}'s first sector (so
 * {@code dir[0] = 0} and {@code dir[buckets] = count}). For {@code x} in bucket {@code b}, every key
 * below {@code dir[b]} is {@code <= x} and every key from {@code dir[b+1]} on is {@code > x}; when
 * the bucket holds at most one node's worth of keys, the rank is {@code dir[b]} plus one compare
 * of the {@code x} against the node-sized window of leaf keys starting at index {@code dir[b]}
 * (keys past the bucket count nothing, being {@code > x}). That replaces the walk through the
 * inner levels by one table load; crowded buckets (skewed layouts) walk the tree. The leaf level
 * is followed by one extra node of all-ones so a window starting at any index up to
 * {@code count} stays inside the tree.
 *
 * <p>Cost: leaf keys ({@code count x 4} or {@code x 8} bytes, rounded to a node, plus a node)
 * and about 1/16 (or 1/8) of that for inner levels; the directory takes 4 bytes a bucket, 2 to 4
 * bytes a key (at most {@code 2^26} buckets). Built in one pass over the entries.
 */
final class LinearizedBptree implements AutoCloseable {
    static final int NODE_BYTES = 64;
    static final int NARROW_KEYS = 16;
    static final int WIDE_KEYS = 8;
    /** Largest end given 32-bit keys, so the all-ones padding stays above every key and query. */
    static final long MAX_NARROW_KEY = 0xFFFF_FFFEL;
    /** Largest directory: 2^26 buckets (256 MiB), for indexes of 2^27 mappings and more. */
    static final int MAX_DIR_LOG2 = 26;
    /** Directory entries: little-endian ints, so one unaligned long read gives a bucket's two bounds. */
    static final ValueLayout.OfInt DIR = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** {@code dir[b]} in the low half, {@code dir[b + 1]} in the high half. */
    static final ValueLayout.OfLong DIR_PAIR = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Tree keys are written and read in native order with aligned access. */
    static final ValueLayout.OfInt KEY32 = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong KEY64 = ValueLayout.JAVA_LONG;

    private static final ValueLayout.OfLong ENTRY_WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long OFFSET_MASK = (1L << 50) - 1;

    /** The nodes, root first. */
    final MemorySegment keys;
    /** Byte offset in {@link #keys} of each level's first node; the last level is the leaves. */
    final long[] levelBase;
    /** True for 8 u64 keys per node, false for 16 u32 keys. */
    final boolean wide;
    /** Number of mappings (leaf keys before padding). */
    final long count;
    /** Byte offset in {@link #keys} of the leaf level. */
    final long leafBase;
    /** The directory: {@code buckets + 1} ints (see the class comment); empty when {@code count == 0}. */
    final MemorySegment dir;
    /** Sectors per directory bucket, as a shift. */
    final int dirShift;
    /** End of the first mapping; meaningless when {@code count == 0}. */
    final long firstKey;
    /** End of the last mapping, or {@code Long.MIN_VALUE} when the index is empty. */
    final long lastKey;
    private final Arena arena;

    private LinearizedBptree(Arena arena, MemorySegment keys, long[] levelBase, MemorySegment dir, int dirShift,
                             boolean wide, long count, long firstKey, long lastKey) {
        this.arena = arena;
        this.keys = keys;
        this.levelBase = levelBase;
        this.leafBase = levelBase.length == 0 ? 0 : levelBase[levelBase.length - 1];
        this.dir = dir;
        this.dirShift = dirShift;
        this.wide = wide;
        this.count = count;
        this.firstKey = firstKey;
        this.lastKey = lastKey;
    }

    private static long end(MemorySegment entries, long i) {
        long lo = entries.get(ENTRY_WORD, i << 4);
        return (lo & OFFSET_MASK) + (lo >>> 50);
    }

    /**
     * Builds the tree over {@code count} packed 16-byte mappings, sorted and non-overlapping (so
     * their ends are non-decreasing).
     */
    static LinearizedBptree build(MemorySegment entries, long count) {
        if (count == 0) {
            return new LinearizedBptree(null, MemorySegment.NULL, new long[0], MemorySegment.NULL, 63, false, 0, 0,
                    Long.MIN_VALUE);
        }
        long firstKey = end(entries, 0);
        long lastKey = end(entries, count - 1);
        boolean wide = lastKey > MAX_NARROW_KEY;
        int k = wide ? WIDE_KEYS : NARROW_KEYS;

        // Node counts bottom-up, then byte offsets top-down.
        int depth = 1;
        for (long m = ceilDiv(count, k); m > 1; m = ceilDiv(m, k + 1)) {
            depth++;
        }
        long[] nodes = new long[depth];
        nodes[depth - 1] = ceilDiv(count, k);
        for (int l = depth - 2; l >= 0; l--) {
            nodes[l] = ceilDiv(nodes[l + 1], k + 1);
        }
        long[] base = new long[depth];
        long total = 0;
        for (int l = 0; l < depth; l++) {
            base[l] = total;
            total += nodes[l] * NODE_BYTES;
        }

        // Directory: about one bucket for every two keys over [firstKey, lastKey).
        long span = lastKey - firstKey;
        int log2Count = 64 - Long.numberOfLeadingZeros(count - 1); // ceil(log2(count))
        int log2Buckets = Math.max(0, Math.min(log2Count - 1, MAX_DIR_LOG2));
        int dirShift = span <= 0 ? 63 : Math.max(0, (64 - Long.numberOfLeadingZeros(span - 1)) - log2Buckets);
        long buckets = span <= 0 ? 1 : ((span - 1) >>> dirShift) + 1;

        Arena arena = Arena.ofShared();
        try {
            MemorySegment t = arena.allocate(total + NODE_BYTES, NODE_BYTES); // + the all-ones window pad
            MemorySegment dir = arena.allocate((buckets + 1) * Integer.BYTES, NODE_BYTES);
            long leafNodes = nodes[depth - 1];
            long[] firstOfLeaf = new long[Math.toIntExact(leafNodes)];
            writeLeaves(entries, count, t, base[depth - 1], wide, firstOfLeaf, dir, buckets, firstKey, dirShift);
            // Inner levels: key c of node j at level l = first leaf key under child (K+1)j+c+1.
            long leavesPerChild = 1; // leaf nodes under one node of level l+1
            for (int l = depth - 2; l >= 0; l--) {
                int slots = Math.toIntExact(nodes[l] * k);
                long[] sep = new long[slots];
                for (int s = 0; s < slots; s++) {
                    long child = (long) (s / k) * (k + 1) + (s % k) + 1;
                    long leafNode = child * leavesPerChild;
                    sep[s] = leafNode < leafNodes ? firstOfLeaf[(int) leafNode] : -1L;
                }
                if (wide) {
                    MemorySegment.copy(sep, 0, t, KEY64, base[l], slots);
                } else {
                    int[] narrow = new int[slots];
                    for (int s = 0; s < slots; s++) {
                        narrow[s] = (int) sep[s];
                    }
                    MemorySegment.copy(narrow, 0, t, KEY32, base[l], slots);
                }
                leavesPerChild *= k + 1;
            }
            return new LinearizedBptree(arena, t, base, dir, dirShift, wide, count, firstKey, lastKey);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Entries read per bulk copy while building; a multiple of both node sizes. */
    private static final int CHUNK = 4096;

    /**
     * Writes every end into the leaf level, pads it with all-ones, records each leaf node's
     * first key, and fills the directory. Works in chunks through heap arrays with bulk copies: an
     * index is opened once, often before the JIT has compiled anything, and per-element segment
     * access is slow until then.
     */
    private static void writeLeaves(MemorySegment entries, long count, MemorySegment t, long leaf, boolean wide,
                                    long[] firstOfLeaf, MemorySegment dir, long buckets, long firstKey, int dirShift) {
        int k = wide ? WIDE_KEYS : NARROW_KEYS;
        int shift = wide ? 3 : 4; // log2(k)
        long[] words = new long[2 * CHUNK];
        long[] ends = new long[CHUNK];
        int[] ends32 = wide ? null : new int[CHUNK];
        long nextBucket = 0;
        for (long from = 0; from < count; from += CHUNK) {
            int m = (int) Math.min(CHUNK, count - from);
            MemorySegment.copy(entries, ENTRY_WORD, from << 4, words, 0, 2 * m);
            ends(words, ends, m);
            int node0 = (int) (from >>> shift);
            for (int i = 0; i < m; i += k) {
                firstOfLeaf[node0 + (i >>> shift)] = ends[i];
            }
            if (wide) {
                MemorySegment.copy(ends, 0, t, KEY64, leaf + (from << 3), m);
            } else {
                narrow(ends, ends32, m);
                MemorySegment.copy(ends32, 0, t, KEY32, leaf + (from << 2), m);
            }
            nextBucket = fillDirectory(dir, nextBucket, buckets, ends, m, from, firstKey, dirShift);
        }
        for (long b = nextBucket; b <= buckets; b++) {
            dir.setAtIndex(DIR, b, (int) count);
        }
        t.asSlice(leaf + count * (wide ? 8 : 4)).fill((byte) -1);
    }

    /**
     * Directory entries for the chunk of keys {@code ends[0..m)} (global index {@code from + i}):
     * {@code dir[b]} is the index of the first key in bucket {@code b} or later. Returns the
     * first bucket not yet written.
     */
    private static long fillDirectory(MemorySegment dir, long nextBucket, long buckets, long[] ends, int m, long from,
                                      long firstKey, int dirShift) {
        long b = nextBucket;
        for (int i = 0; i < m; i++) {
            long bucket = Math.min((ends[i] - firstKey) >>> dirShift, buckets);
            for (; b <= bucket; b++) {
                dir.setAtIndex(DIR, b, (int) (from + i));
            }
        }
        return b;
    }

    // Tiny on purpose: called once per chunk, so the JIT compiles it early in a cold build.
    private static void ends(long[] words, long[] ends, int m) {
        for (int i = 0; i < m; i++) {
            long lo = words[i << 1];
            ends[i] = (lo & OFFSET_MASK) + (lo >>> 50);
        }
    }

    private static void narrow(long[] ends, int[] ends32, int m) {
        for (int i = 0; i < m; i++) {
            ends32[i] = (int) ends[i];
        }
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Bytes of off-heap memory the tree and its directory hold. */
    long ownedBytes() {
        return keys.byteSize() + dir.byteSize();
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
