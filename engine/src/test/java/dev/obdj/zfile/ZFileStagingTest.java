package dev.obdj.zfile;

import dev.obdj.FormatException;
import dev.obdj.sample.Payload;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Unmapped sources stage compressed blocks in a buffer each thread shares between all readers. A
 * CRC failure once left that buffer's limit at the failed block's size, and every later decode of
 * a longer block on the thread, in any file, failed (found by the stack fuzz target).
 */
class ZFileStagingTest {
    private static byte[] file(byte[] data, ZFileWriter.Options o) throws Exception {
        Path p = ZFileTestFiles.write(data, o, 65536);
        try {
            return Files.readAllBytes(p);
        } finally {
            Files.delete(p);
        }
    }

    @Test
    void aCrcFailureDoesNotSpoilLaterReadsOnTheThread() throws Exception {
        byte[] small = ZFileTestFiles.content(Payload.Kind.ZERO, 1, 8192);
        byte[] bad = file(small, ZFileWriter.Options.tool());
        try (ZFileReader r = ZFileReader.open(new ZFileCorruptionTest.Bytes(bad))) {
            long off = r.blockOffset(0) + r.blockStored(0) - 1;
            bad[(int) off] ^= 1; // the CRC of block 0
        }
        byte[] big = ZFileTestFiles.content(Payload.Kind.HALF, 2, 65536);
        byte[] good = file(big, ZFileWriter.Options.tool().withCodec(BlockCodec.Zstd.INSTANCE).withBlockSize(32768)
                .withBlockCrc(false));
        try (Arena a = Arena.ofConfined();
             ZFileReader broken = ZFileReader.open(new ZFileCorruptionTest.Bytes(bad), new ZFileReader.Options(0));
             ZFileReader fine = ZFileReader.open(new ZFileCorruptionTest.Bytes(good), new ZFileReader.Options(0))) {
            MemorySegment dst = a.allocate(65536);
            assertThrows(FormatException.class, () -> broken.read(0, dst, 0, 4096));
            fine.read(0, dst, 0, 65536);
            assertArrayEquals(big, dst.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }
}
