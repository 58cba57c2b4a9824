package dev.obdj.lookup;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fixed cases: large indexes, key width, sizes, selection. */
class LookupTreeTest {

    @Test
    void millionEntriesAllPathsAgree() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 1_000_000;
            MemorySegment entries = Layouts.build(arena, n, 12_345, Layouts.Spacing.MIXED, 1, 42);
            LookupDifferentialTest.checkAgree(entries, n, Layouts.keys(entries, n, 100_000, 42));
        }
    }

    @Test
    void millionEntriesAbove2TiBUseWideKeys() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 1_000_000;
            // Starts below 2^32 sectors and crosses it: a 32-bit key would wrap here.
            MemorySegment entries = Layouts.build(arena, n, 0xFFFF_FFFFL - 500_000L * 40, Layouts.Spacing.ADJACENT, 1, 7);
            try (BptreeLookup tree = (BptreeLookup) Lookups.forEntries(entries, n, LookupPath.SCALAR)) {
                assertTrue(tree.wideKeys());
            }
            LookupDifferentialTest.checkAgree(entries, n, Layouts.keys(entries, n, 100_000, 7));
        }
    }

    @Test
    void b0LayoutMillion() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 1_000_000;
            MemorySegment entries = Layouts.b0(arena, n);
            LookupDifferentialTest.checkAgree(entries, n, Layouts.keys(entries, n, 50_000, 3));
        }
    }

    @Test
    void narrowKeysUpToTheLastU32BelowAllOnes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = arena.allocate(32);
            entries.set(Layouts.WORD, 0, Layouts.lo(0xFFFF_FFF0L, 8));
            entries.set(Layouts.WORD, 16, Layouts.lo(0xFFFF_FFFEL - 6, 6)); // ends at 2^32 - 2
            try (BptreeLookup tree = (BptreeLookup) Lookups.forEntries(entries, 2, LookupPath.SCALAR)) {
                assertFalse(tree.wideKeys());
                // one leaf node, the all-ones window pad, and a one-bucket directory (2 ints)
                assertEquals(64 + 64 + 8, tree.ownedBytes());
            }
            entries.set(Layouts.WORD, 16, Layouts.lo(0xFFFF_FFFEL - 6, 7)); // ends at 2^32 - 1
            try (BptreeLookup tree = (BptreeLookup) Lookups.forEntries(entries, 2, LookupPath.SCALAR)) {
                assertTrue(tree.wideKeys());
            }
            LookupDifferentialTest.checkAgree(entries, 2, Layouts.keys(entries, 2, 5_000, 1));
        }
    }

    @Test
    void rangesAtExtremeOffsetsMatchTheLinearScan() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 1000;
            MemorySegment entries = Layouts.b0(arena, n);
            long[] offsets = {Long.MIN_VALUE, Long.MIN_VALUE + 5, -17, -9, -1, 0, 8, 16 * n - 1, 16L * n,
                    1L << 50, Long.MAX_VALUE - 3, Long.MAX_VALUE};
            long[] lengths = {1, 8, 9, 20, 1L << 40, Long.MAX_VALUE};
            long[] want = new long[2 * 16];
            long[] got = new long[2 * 16];
            for (LookupPath path : new LookupPath[] {LookupPath.BINARY, LookupPath.VECTOR512, LookupPath.VECTOR256, LookupPath.SCALAR}) {
                try (SegmentLookup finder = Lookups.forEntries(entries, n, path)) {
                    for (long offset : offsets) {
                        for (long length : lengths) {
                            int w = Layouts.naiveLookup(entries, n, offset, length, want, 5);
                            int g = RangeLookup.lookup(finder, entries, n, offset, length, got, 5);
                            assertArrayEquals(Arrays.copyOf(want, 2 * w), Arrays.copyOf(got, 2 * g),
                                    finder.name() + " lookup at " + offset + "+" + length);
                        }
                    }
                }
            }
        }
    }

    @Test
    void memoryIsKeysInnerLevelsAndDirectory() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 1_000_000;
            MemorySegment entries = Layouts.b0(arena, n);
            try (BptreeLookup tree = (BptreeLookup) Lookups.forEntries(entries, n, LookupPath.SCALAR)) {
                long leaves = 4L * n;
                long directory = 4L * ((1 << 19) + 1); // 2^(ceil(log2 n) - 1) buckets: two keys a bucket
                long bytes = tree.ownedBytes() - directory;
                assertTrue(bytes >= leaves && bytes < leaves + leaves / 14, "bytes " + tree.ownedBytes());
            }
        }
    }

    @Test
    void smallIndexesUseBinarySearch() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = Layouts.b0(arena, 100);
            try (SegmentLookup small = Lookups.forEntries(entries, Lookups.MIN_TREE_ENTRIES - 1)) {
                assertInstanceOf(BinarySearchLookup.class, small);
            }
            try (SegmentLookup big = Lookups.forEntries(entries, 100)) {
                if (Lookups.path() == LookupPath.BINARY) {
                    assertInstanceOf(BinarySearchLookup.class, big);
                } else {
                    // the tree, searched through its directory
                    assertEquals(Lookups.path(), ((BptreeLookup) big).path());
                    assertTrue(((BptreeLookup) big).direct());
                }
            }
        }
    }

    @Test
    void vectorPathChosenUnderTestFlags() {
        // surefire passes --add-modules jdk.incubator.vector and runs with C2 on.
        if (System.getProperty(LookupProvider.PROPERTY) == null) {
            assertEquals(null, LookupProvider.vectorUnavailable());
            assertTrue(Lookups.path().isVector(), "path " + Lookups.path());
        }
    }
}
