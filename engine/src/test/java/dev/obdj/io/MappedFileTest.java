package dev.obdj.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A file opened now and mapped on first use reads the bytes written, by pread and through the mapping alike. */
class MappedFileTest {
    @TempDir
    Path dir;

    byte[] content(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void preadAndMappedReadsSeeTheFileBytes() throws IOException {
        byte[] bytes = content(100_000);
        Path p = Files.write(dir.resolve("f"), bytes);
        try (MappedFile f = MappedFile.open(p); Arena a = Arena.ofConfined()) {
            assertEquals(bytes.length, f.size());
            byte[] got = new byte[777];
            f.readFully(12_345, ByteBuffer.wrap(got)); // before any mapping
            assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 12_345, 12_345 + 777), got);
            MemorySegment dst = a.allocate(1000);
            f.read(99_000, dst, 0, 1000); // maps
            assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 99_000, 100_000), dst.toArray(ValueLayout.JAVA_BYTE));
            MemorySegment s = f.segment();
            assertNotNull(s);
            assertSame(s, f.segment()); // mapped once
            assertEquals(bytes.length, s.byteSize());
        }
    }

    @Test
    void emptyFileMapsToAnEmptySegment() throws IOException {
        Path p = Files.write(dir.resolve("empty"), new byte[0]);
        try (MappedFile f = MappedFile.open(p)) {
            assertEquals(0, f.size());
            assertEquals(0, f.segment().byteSize());
        }
    }

    @Test
    void nothingReadsAfterClose() throws IOException {
        Path p = Files.write(dir.resolve("g"), content(4096));
        MappedFile unmapped = MappedFile.open(p);
        unmapped.close();
        unmapped.close(); // twice is fine
        assertThrows(IllegalStateException.class, unmapped::segment);

        MappedFile mapped = MappedFile.open(p);
        mapped.segment();
        mapped.close();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dst = a.allocate(16);
            assertThrows(IllegalStateException.class, () -> mapped.read(0, dst, 0, 16));
        }
    }

    @Test
    void readPastTheEndIsAStorageError() throws IOException {
        Path p = Files.write(dir.resolve("h"), content(100));
        try (MappedFile f = MappedFile.open(p)) {
            assertThrows(dev.obdj.StorageException.class, () -> f.readFully(90, ByteBuffer.allocate(20)));
        }
    }
}
