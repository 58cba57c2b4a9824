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
            // allocate() zeroes; every byte is overwritten below, so the cost is the one pass.
            MemorySegment t = arena.allocate(total, NODE_BYTES);
            long leaf = base[depth - 1];
            if (wide) {
                for (long i = 0; i < count; i++) {
                    t.set(KEY64, leaf + (i << 3), end(entries, i));
                }
                t.asSlice(leaf + (count << 3)).fill((byte) -1);
            } else {
                for (long i = 0; i < count; i++) {
                    t.set(KEY32, leaf + (i << 2), (int) end(entries, i));
                }
                t.asSlice(leaf + (count << 2)).fill((byte) -1);
            }
            // Inner levels: key c of node j at level l = first leaf key under child (K+1)j+c+1.
            long childSpan = k; // leaf keys under one node of level l+1
            for (int l = depth - 2; l >= 0; l--) {
                long slots = nodes[l] * k;
                for (long s = 0; s < slots; s++) {
                    long child = (s / k) * (k + 1) + (s % k) + 1;
                    long leafIndex = child * childSpan;
                    if (wide) {
                        t.set(KEY64, base[l] + (s << 3), leafIndex < count ? t.get(KEY64, leaf + (leafIndex << 3)) : -1L);
                    } else {
                        t.set(KEY32, base[l] + (s << 2), leafIndex < count ? t.get(KEY32, leaf + (leafIndex << 2)) : -1);
                    }
                }
                childSpan *= k + 1;
            }
            return new LinearizedBptree(arena, t, base, wide, count, firstKey, lastKey);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
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
