package dev.obdj.registry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class BlobCacheTest {
    static final int UNIT = 4096;
    static final String D1 = "sha256:" + "1".repeat(64), D2 = "sha256:" + "2".repeat(64);

    static byte[] unit(int seed) {
        byte[] b = new byte[UNIT];
        Arrays.fill(b, (byte) seed);
        b[7] = (byte) (seed * 31);
        return b;
    }

    @Test
    void unitsSurviveReopenAndATornMapIsRebuiltEmpty(@TempDir Path dir) throws IOException {
        try (BlobCache c = BlobCache.open(dir, 1 << 20, UNIT); BlobCache.Entry e = c.entry(D1, 3L * UNIT)) {
            e.store(0, unit(1));
            e.store(2, unit(3));
            assertArrayEquals(unit(3), e.read(2));
            assertNull(e.read(1));
        }
        assertEquals(new BlobCache.Stats(1, 2, 2L * UNIT, 0, 0, 0, 0), BlobCache.stats(dir));
        try (BlobCache c = BlobCache.open(dir, 1 << 20, UNIT); BlobCache.Entry e = c.entry(D1, 3L * UNIT)) {
            assertEquals(2L * UNIT, c.stats().bytes());
            assertArrayEquals(unit(1), e.read(0));
        }
        // Tear the map: it is rebuilt empty, the cached bytes are not trusted.
        Path map = dir.resolve("sha256-" + "1".repeat(64) + ".map");
        byte[] m = Files.readAllBytes(map);
        Files.write(map, Arrays.copyOf(m, m.length - 3));
        try (BlobCache c = BlobCache.open(dir, 1 << 20, UNIT); BlobCache.Entry e = c.entry(D1, 3L * UNIT)) {
            assertNull(e.read(0));
            assertEquals(0, e.unitsHeld());
        }
    }

    @Test
    void aCorruptedUnitIsDroppedNotReturned(@TempDir Path dir) throws IOException {
        try (BlobCache c = BlobCache.open(dir, 1 << 20, UNIT); BlobCache.Entry e = c.entry(D1, 2L * UNIT)) {
            e.store(1, unit(5));
        }
        try (FileChannel ch = FileChannel.open(dir.resolve("sha256-" + "1".repeat(64) + ".data"), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {42}), UNIT + 100L);
        }
        try (BlobCache c = BlobCache.open(dir, 1 << 20, UNIT); BlobCache.Entry e = c.entry(D1, 2L * UNIT)) {
            assertNull(e.read(1));
            assertEquals(0, e.unitsHeld());
        }
    }

    @Test
    void leastRecentlyUsedUnitsAreEvictedAtTheBound(@TempDir Path dir) {
        try (BlobCache c = BlobCache.open(dir, 3L * UNIT, UNIT);
             BlobCache.Entry a = c.entry(D1, 4L * UNIT); BlobCache.Entry b = c.entry(D2, 4L * UNIT)) {
            a.store(0, unit(1));
            a.store(1, unit(2));
            b.store(0, unit(3));
            assertNotNull(a.read(0)); // a0 is now more recent than a1
            b.store(1, unit(4));      // over the bound: a1 goes
            assertNull(a.read(1));
            assertNotNull(a.read(0));
            assertNotNull(b.read(0));
            assertEquals(3L * UNIT, c.stats().bytes());
            assertEquals(1, c.stats().evictions());
        }
        assertEquals(3L * UNIT, BlobCache.stats(dir).bytes());
        assertEquals(2, BlobCache.clear(dir));
        assertEquals(0, BlobCache.stats(dir).bytes());
    }

    @Test
    void anotherProcessSharesTheCache(@TempDir Path dir) throws Exception {
        // A child JVM stores a unit under the file lock; this process sees it without fetching.
        try (BlobCache c = BlobCache.open(dir, 1 << 20, UNIT); BlobCache.Entry e = c.entry(D1, 2L * UNIT)) {
            assertNull(e.read(0));
            String javaBin = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    BlobCacheTest.class.getName() + "$Child", dir.toString()).inheritIO().start();
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
            assertArrayEquals(unit(9), e.read(0));
            e.store(1, unit(10));
        }
        assertEquals(2, BlobCache.stats(dir).units());
    }

    /** The other process of {@link #anotherProcessSharesTheCache}. */
    public static final class Child {
        public static void main(String[] args) {
            try (BlobCache c = BlobCache.open(Path.of(args[0]), 1 << 20, UNIT); BlobCache.Entry e = c.entry(D1, 2L * UNIT)) {
                e.store(0, unit(9));
            }
        }
    }

    @Test
    void digestsMustBeFileNameSafe() {
        assertThrows(IllegalArgumentException.class, () -> BlobCache.stem("sha256:../../etc"));
        assertEquals("sha256-ab", BlobCache.stem("sha256:ab"));
        assertEquals(List.of(), List.of());
    }
}
