package dev.obdj.lsmt;

import dev.obdj.io.ByteSource;
import dev.obdj.io.ByteSources;
import dev.obdj.lookup.BinarySearchLookup;
import dev.obdj.lookup.Lookups;
import dev.obdj.lookup.RangeLookup;
import dev.obdj.sample.SampleImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The merged-view reader on the tree lookup: reads and the full lookup stay correct. */
class LayerStackLookupTest {

    @Test
    void mergedViewReadsThroughTheTree(@TempDir Path dir) {
        SampleImage.Sample sample = SampleImage.create(dir);
        List<ByteSource> lowers = new ArrayList<>();
        sample.layers().forEach(p -> lowers.add(ByteSources.open(p)));
        try (LayerStack stack = LayerStack.open(lowers, ByteSources.open(sample.rwData()), ByteSources.open(sample.rwIndex()));
             Arena arena = Arena.ofConfined()) {
            MappingTable index = stack.index();
            assertTrue(index.count() >= Lookups.MIN_TREE_ENTRIES, "sample index too small: " + index.count());
            assertTrue(stack.awaitLookup().name().startsWith("bptree") || Lookups.path() == dev.obdj.lookup.LookupPath.BINARY,
                    stack.awaitLookup().name());

            MemorySegment disk = arena.allocate(stack.virtualSize());
            stack.read(0, disk, 0, stack.virtualSize());
            assertArrayEquals(sample.expected(), disk.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));

            BinarySearchLookup binary = new BinarySearchLookup(index.entries(), index.count());
            long[] got = new long[32];
            long[] want = new long[32];
            long sectors = stack.virtualSize() >>> 9;
            for (long s = 0; s < sectors; s += 97) {
                long len = 1 + (s * 13) % 3000;
                int k = stack.lookup(s, len, got, 16);
                int w = RangeLookup.lookup(binary, index.entries(), index.count(), s, len, want, 16);
                for (int i = 0; i < w; i++) {
                    want[2 * i + 1] = index.tagged(want[2 * i + 1]);
                }
                assertEquals(w, k);
                assertArrayEquals(Arrays.copyOf(want, 2 * w), Arrays.copyOf(got, 2 * k), "at sector " + s);
            }
        }
    }
}
