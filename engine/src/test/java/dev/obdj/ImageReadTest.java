package dev.obdj;

import dev.obdj.testing.LayerModel;
import dev.obdj.testing.TestBlobs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The read contract of {@link Image}: bounds, extents, concurrent readers. */
class ImageReadTest {
    @TempDir
    Path dir;

    record Built(List<Path> files, byte[] disk, List<LayerModel> models) {}

    Built stack(long seed, int layers, int sectors) {
        Random r = new Random(seed);
        byte[] disk = new byte[sectors * 512];
        List<Path> files = new ArrayList<>();
        List<LayerModel> models = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            LayerModel m = LayerModel.random(r, sectors, 30);
            Path p = dir.resolve("l" + l + ".lsmt");
            TestBlobs.sealed(p, m, sectors * 512L, r);
            m.applyTo(disk);
            files.add(p);
            models.add(m);
        }
        return new Built(files, disk, models);
    }

    @Test
    void readsOutsideTheDiskAreUsageErrors() {
        Built b = stack(1, 2, 2048);
        try (Image img = Image.open(b.files())) {
            byte[] buf = new byte[1024];
            assertThrows(UsageException.class, () -> img.read(img.size() - 512, buf, 0, 1024));
            assertThrows(UsageException.class, () -> img.read(-1, buf, 0, 10));
            assertThrows(UsageException.class, () -> img.read(img.size() + 1, buf, 0, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> img.read(0, buf, 1000, 100));
            img.read(img.size(), buf, 0, 0); // empty read at the end is fine
            UsageException e = assertThrows(UsageException.class, () -> img.read(img.size() - 10, buf, 0, 11));
            assertTrue(e.getMessage().contains(Long.toString(img.size())), e.getMessage());
        }
    }

    @Test
    void extentsCoverTheRangeAndMatchTheModel() {
        Built b = stack(2, 3, 4096);
        try (Image img = Image.open(b.files())) {
            long[] next = {0};
            int[] kindPerSector = new int[4096]; // 0 hole, 1 zeroed, 2 data from the stack
            img.forEachExtent(0, img.size(), (off, len, kind) -> {
                assertEquals(next[0], off, "extents are contiguous and ordered");
                next[0] = off + len;
                for (long s = off / 512; s < (off + len) / 512; s++) {
                    kindPerSector[(int) s] = kind.ordinal();
                }
            });
            assertEquals(img.size(), next[0]);
            for (int s = 0; s < 4096; s++) {
                int top = LayerModel.NONE;
                for (int l = b.models().size() - 1; l >= 0 && top == LayerModel.NONE; l--) {
                    top = b.models().get(l).state[s];
                }
                int want = top == LayerModel.NONE ? ExtentVisitor.Kind.HOLE.ordinal()
                        : top == LayerModel.ZEROED ? ExtentVisitor.Kind.ZEROED.ordinal() : ExtentVisitor.Kind.DATA.ordinal();
                assertEquals(want, kindPerSector[s], "sector " + s);
            }
        }
    }

    @Test
    void concurrentReadersSeeTheModel() throws Exception {
        Built b = stack(3, 4, 8192);
        try (Image img = Image.open(b.files()); ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                fs.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    try (Arena a = Arena.ofConfined()) {
                        MemorySegment buf = a.allocate(65536);
                        for (int k = 0; k < 3000; k++) {
                            int len = 1 + r.nextInt(65536);
                            int off = r.nextInt(b.disk().length - len);
                            img.read(off, buf, 0, len);
                            byte[] got = buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);
                            assertArrayEquals(Arrays.copyOfRange(b.disk(), off, off + len), got);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        }
    }

    @Test
    void inspectReportsCountsOfACommittedBlob() {
        Built b = stack(4, 1, 2048);
        LayerInfo info = Image.inspect(b.files().get(0));
        long data = 0, zeroed = 0;
        LayerModel m = b.models().get(0);
        for (int s = 0; s < 2048; s++) {
            if (m.state[s] == LayerModel.DATA) data += 512;
            if (m.state[s] == LayerModel.ZEROED) zeroed += 512;
        }
        assertEquals(data, info.allocatedBytes());
        assertEquals(zeroed, info.zeroedBytes());
        assertEquals(2048 * 512L, info.trailer().virtualSize());
    }

    @Test
    void tooManyLayersIsAUsageError() {
        Built b = stack(5, 1, 64);
        List<Path> many = new ArrayList<>();
        for (int i = 0; i < 256; i++) many.add(b.files().get(0));
        assertThrows(UsageException.class, () -> Image.open(many).close());
    }
}
