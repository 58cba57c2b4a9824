package dev.obdj.lookup;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vector tree (512 and 256 bits) and the scalar tree, each through its directory and by walking
 * down from the root, the lookup a stack builds, and plain binary search must give the same
 * answer for every layout and every key: single-key, batched, and the full range lookup.
 */
class LookupDifferentialTest {
    static final LookupPath[] TREES = {LookupPath.VECTOR512, LookupPath.VECTOR256, LookupPath.SCALAR};

    @Provide
    Arbitrary<Integer> sizes() {
        // Node and level boundaries of both key widths (16/17 keys, 8/9 keys), then anything.
        return Arbitraries.oneOf(
                Arbitraries.of(0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 71, 72, 73, 271, 272, 273, 288, 289,
                        647, 648, 649, 4623, 4624, 4625, 5832, 5833),
                Arbitraries.integers().between(0, 20_000));
    }

    @Provide
    Arbitrary<Long> firstOffsets() {
        return Arbitraries.oneOf(
                Arbitraries.of(0L, 1L, 16L, 0xFFFF_0000L, 0xFFFF_FFF0L, 0xFFFF_FFFEL, 0x1_0000_0000L, (1L << 40) + 3),
                Arbitraries.longs().between(0, 1L << 34),
                Arbitraries.longs().between(0, (1L << 50) - (1L << 30)));
    }

    @Property(tries = 250)
    void allPathsAgree(@ForAll("sizes") int n, @ForAll("firstOffsets") long first,
                       @ForAll Layouts.Spacing spacing, @ForAll @IntRange(min = 0, max = 1) int minLength,
                       @ForAll long seed) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = Layouts.build(arena, n, first, spacing, minLength, seed);
            checkAgree(entries, n, Layouts.keys(entries, n, 2_000, seed));
        }
    }

    /**
     * A crowded bucket: 3000 adjacent mappings, then one far away, so nearly all of them share the
     * first directory bucket and those searches walk the tree.
     */
    @Property(tries = 5)
    void crowdedBucketsAgree(@ForAll @IntRange(min = 0, max = 1) int minLength, @ForAll long seed) {
        try (Arena arena = Arena.ofConfined()) {
            int n = 3001;
            MemorySegment entries = Layouts.build(arena, n, 100, Layouts.Spacing.ADJACENT, minLength, seed);
            long lastEnd = Layouts.end(entries.get(Layouts.WORD, 16L * (n - 2)));
            entries.set(Layouts.WORD, 16L * (n - 1), Layouts.lo(lastEnd + (1L << 40), 8));
            checkAgree(entries, n, Layouts.keys(entries, n, 2_000, seed));
        }
    }

    /**
     * Clusters of 1 to 40 adjacent short mappings between gaps of up to 2^20 sectors: directory
     * buckets then hold anywhere from none to far more than a window (16 u32 or 8 u64 keys), so
     * searches take the window compare, its edge (a window reaching past its bucket, or into the
     * all-ones pad after the last key) and the walk, side by side.
     */
    @Property(tries = 40)
    void clusteredLayoutsAgree(@ForAll @IntRange(min = 64, max = 5_000) int n, @ForAll boolean wide,
                               @ForAll long seed) {
        clustered(n, wide, seed);
    }

    /** The same from {@code BptreeLookup.SCAN_MIN_ENTRIES} mappings on, where full lookups walk the entries from the directory's bound. */
    @Property(tries = 6)
    void largeClusteredLayoutsAgree(@ForAll @IntRange(min = 1 << 15, max = 70_000) int n, @ForAll boolean wide,
                                    @ForAll long seed) {
        clustered(n, wide, seed);
    }

    private static void clustered(int n, boolean wide, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = arena.allocate(16L * n);
            long offset = wide ? 0xFFFF_0000L : r.nextLong(1000);
            int left = 0;
            for (int i = 0; i < n; i++) {
                if (left == 0) {
                    left = 1 + r.nextInt(40);
                    offset += r.nextLong(1, 1L << 20);
                }
                long length = 1 + r.nextInt(3);
                entries.set(Layouts.WORD, 16L * i, Layouts.lo(offset, length));
                entries.set(Layouts.WORD, 16L * i + 8, 8 + i);
                offset += length;
                left--;
            }
            checkAgree(entries, n, Layouts.keys(entries, n, 3_000, seed));
        }
    }

    private static final int RANGE_STRIDE = 7;

    private static long rangeOffset(long key) { return Math.max(0, key); }

    private static long rangeLength(int k) { return 1 + (k * 31L) % 40_000; }

    private static int rangeMax(int k) { return 1 + k % 16; }

    static void checkAgree(MemorySegment entries, int n, long[] keys) {
        BinarySearchLookup binary = new BinarySearchLookup(entries, n);
        long[] expected = new long[keys.length];
        for (int k = 0; k < keys.length; k++) {
            expected[k] = binary.firstEndingAfter(keys[k]);
        }
        // Full lookups: the binary-search answer, checked against a linear scan on small layouts.
        int queries = (keys.length + RANGE_STRIDE - 1) / RANGE_STRIDE;
        long[][] wantRange = new long[queries][];
        long[] buf = new long[2 * 16];
        for (int q = 0; q < queries; q++) {
            int k = q * RANGE_STRIDE;
            int got0 = RangeLookup.lookup(binary, entries, n, rangeOffset(keys[k]), rangeLength(k), buf, rangeMax(k));
            wantRange[q] = Arrays.copyOf(buf, 2 * got0);
            if (n <= 3_000) {
                long[] naive = new long[2 * 16];
                int want = Layouts.naiveLookup(entries, n, rangeOffset(keys[k]), rangeLength(k), naive, rangeMax(k));
                assertArrayEquals(Arrays.copyOf(naive, 2 * want), wantRange[q],
                        "binary-search lookup at " + rangeOffset(keys[k]) + "+" + rangeLength(k));
            }
        }
        for (LookupPath path : TREES) {
            try (SegmentLookup tree = Lookups.forEntries(entries, n, path)) {
                checkOne(tree, entries, n, keys, expected, wantRange);
            }
            try (SegmentLookup walk = Lookups.treeWalk(entries, n, path)) {
                checkOne(walk, entries, n, keys, expected, wantRange);
            }
        }
        try (SegmentLookup chosen = Lookups.forEntries(entries, n)) {
            checkOne(chosen, entries, n, keys, expected, wantRange);
        }
    }

    private static void checkOne(SegmentLookup tree, MemorySegment entries, int n, long[] keys, long[] expected,
                                 long[][] wantRange) {
        long[] got = new long[keys.length];
        long[] buf = new long[2 * 16];
        for (int k = 0; k < keys.length; k++) {
            long answer = tree.firstEndingAfter(keys[k]);
            if (answer != expected[k]) {
                assertEquals(expected[k], answer, tree.name() + " n=" + n + " key=" + keys[k]);
            }
        }
        for (int k = 0; k < keys.length; k++) {
            long from = tree.scanFrom(keys[k]);
            if (from != -1 && (from < 0 || from > expected[k] || expected[k] - from > SegmentLookup.SCAN)) {
                assertEquals(expected[k], from, tree.name() + " scanFrom n=" + n + " key=" + keys[k]
                        + ": a bound at most " + SegmentLookup.SCAN + " mappings before the answer");
            }
        }
        Arrays.fill(got, -7);
        tree.firstEndingAfter(keys, keys.length, got);
        assertArrayEquals(expected, got, tree.name() + " batched, n=" + n);
        // Counts that leave a partial group (1..7 keys after the last full group of 8),
        // and nothing written past the count.
        for (int m : new int[] {1, 3, 7, 9, keys.length - 5}) {
            if (m <= 0 || m > keys.length) {
                continue;
            }
            Arrays.fill(got, -7);
            tree.firstEndingAfter(keys, m, got);
            assertArrayEquals(Arrays.copyOf(expected, m), Arrays.copyOf(got, m), tree.name() + " batched " + m + ", n=" + n);
            for (int k = m; k < got.length; k++) {
                assertEquals(-7, got[k], tree.name() + " batched " + m + " wrote out[" + k + "]");
            }
        }

        for (int q = 0; q < wantRange.length; q++) {
            int k = q * RANGE_STRIDE;
            int gotN = RangeLookup.lookup(tree, entries, n, rangeOffset(keys[k]), rangeLength(k), buf, rangeMax(k));
            assertArrayEquals(wantRange[q], Arrays.copyOf(buf, 2 * gotN),
                    tree.name() + " lookup at " + rangeOffset(keys[k]) + "+" + rangeLength(k));
        }
    }
}
