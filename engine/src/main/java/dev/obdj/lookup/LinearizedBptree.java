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
 * <p>Cost: leaf keys ({@code count x 4} or {@code x 8} bytes, rounded to a node) plus about
 * 1/16 (or 1/8) of that for inner levels; built in one pass over the entries.
 */
final class LinearizedBptree implements AutoCloseable {
    static final int NODE_BYTES = 64;
    static final int NARROW_KEYS = 16;
    static final int WIDE_KEYS = 8;
    /** Largest end given 32-bit keys, so the all-ones padding stays above every key and query. */
    static final long MAX_NARROW_KEY = 0xFFFF_FFFEL;
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
    /** End of the first mapping; meaningless when {@code count == 0}. */
    final long firstKey;
    /** End of the last mapping, or {@code Long.MIN_VALUE} when the index is empty. */
    final long lastKey;
    private final Arena arena;

    private LinearizedBptree(Arena arena, MemorySegment keys, long[] levelBase, boolean wide, long count,
                             long firstKey, long lastKey) {
        this.arena = arena;
        this.keys = keys;
        this.levelBase = levelBase;
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
            return new LinearizedBptree(null, MemorySegment.NULL, new long[0], false, 0, 0, Long.MIN_VALUE);
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

        Arena arena = Arena.ofShared();
        try {
            MemorySegment t = arena.allocate(total, NODE_BYTES);
            long leafNodes = nodes[depth - 1];
            long[] firstOfLeaf = new long[Math.toIntExact(leafNodes)];
            writeLeaves(entries, count, t, base[depth - 1], wide, firstOfLeaf);
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
            return new LinearizedBptree(arena, t, base, wide, count, firstKey, lastKey);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Entries read per bulk copy while building; a multiple of both node sizes. */
    private static final int CHUNK = 4096;

    /**
     * Writes every end into the leaf level, pads it with all-ones, and records each leaf node's
     * first key. Works in chunks through heap arrays with bulk copies: an index is opened once,
     * often before the JIT has compiled anything, and per-element segment access is slow until then.
     */
    private static void writeLeaves(MemorySegment entries, long count, MemorySegment t, long leaf, boolean wide,
                                    long[] firstOfLeaf) {
        int k = wide ? WIDE_KEYS : NARROW_KEYS;
        int shift = wide ? 3 : 4; // log2(k)
        long[] words = new long[2 * CHUNK];
        long[] ends64 = wide ? new long[CHUNK] : null;
        int[] ends32 = wide ? null : new int[CHUNK];
        for (long from = 0; from < count; from += CHUNK) {
            int m = (int) Math.min(CHUNK, count - from);
            MemorySegment.copy(entries, ENTRY_WORD, from << 4, words, 0, 2 * m);
            int node0 = (int) (from >>> shift);
            if (wide) {
                ends(words, ends64, m);
                for (int i = 0; i < m; i += k) {
                    firstOfLeaf[node0 + (i >>> shift)] = ends64[i];
                }
                MemorySegment.copy(ends64, 0, t, KEY64, leaf + (from << 3), m);
            } else {
                ends(words, ends32, m);
                for (int i = 0; i < m; i += k) {
                    firstOfLeaf[node0 + (i >>> shift)] = Integer.toUnsignedLong(ends32[i]);
                }
                MemorySegment.copy(ends32, 0, t, KEY32, leaf + (from << 2), m);
            }
        }
        t.asSlice(leaf + count * (wide ? 8 : 4)).fill((byte) -1);
    }

    // Tiny on purpose: called once per chunk, so the JIT compiles it early in a cold build.
    private static void ends(long[] words, long[] ends, int m) {
        for (int i = 0; i < m; i++) {
            long lo = words[i << 1];
            ends[i] = (lo & OFFSET_MASK) + (lo >>> 50);
        }
    }

    private static void ends(long[] words, int[] ends, int m) {
        for (int i = 0; i < m; i++) {
            long lo = words[i << 1];
            ends[i] = (int) ((lo & OFFSET_MASK) + (lo >>> 50));
        }
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Bytes of off-heap memory the tree holds. */
    long ownedBytes() {
        return keys.byteSize();
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
