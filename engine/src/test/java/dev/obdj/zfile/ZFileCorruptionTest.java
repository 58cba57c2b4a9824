package dev.obdj.zfile;

import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;
import dev.obdj.sample.Payload;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Flips bits all over files written with CRCs on: every flip must give a {@link FormatException} or,
 * only for the bytes the format leaves unprotected (named below), the original data. Never wrong
 * data, never another exception.
 */
class ZFileCorruptionTest {

    static Stream<Arguments> files() {
        return Stream.of(
                Arguments.of(BlockCodec.Lz4.INSTANCE, 4096, true),
                Arguments.of(BlockCodec.Lz4.INSTANCE, 32768, false),
                Arguments.of(BlockCodec.Zstd.INSTANCE, 4096, false),
                Arguments.of(BlockCodec.Zstd.INSTANCE, 16384, true));
    }

    @ParameterizedTest
    @MethodSource("files")
    void everySingleFlipIsCaughtOrHarmless(BlockCodec codec, int bs, boolean overwriteHeader) throws Exception {
        byte[] data = new byte[6 * bs + 123];
        for (int k = 0; k * 2048 < data.length; k++) { // a mix of all kinds, so blocks differ in size
            byte[] p = Payload.bytes(Payload.Kind.values()[k % 4], k, 2048);
            System.arraycopy(p, 0, data, k * 2048, Math.min(2048, data.length - k * 2048));
        }
        Path p = ZFileTestFiles.write(data, new ZFileWriter.Options(codec, bs, true, overwriteHeader, 1), 5000);
        byte[] file = Files.readAllBytes(p);
        Files.delete(p);
        int trailer = file.length - ZFileHeader.BLOCK;
        int flags = ZFileHeader.OFF_FLAGS;
        int errors = 0;
        for (int pos = 0; pos < file.length; pos++) {
            boolean structural = pos < ZFileHeader.BLOCK || pos >= trailer - 4 * 7;
            for (int bit = 0; bit < 8; bit++) {
                if (!structural && bit != pos % 8) {
                    continue; // block bytes: one bit each keeps the run short
                }
                byte[] bad = file.clone();
                bad[pos] ^= (byte) (1 << bit);
                byte[] got;
                try {
                    got = readAll(bad);
                } catch (FormatException e) {
                    errors++;
                    continue;
                } catch (RuntimeException e) {
                    throw new AssertionError("flip at " + pos + " bit " + bit + ": " + e, e);
                }
                if (!Arrays.equals(data, got)) {
                    fail("flip at " + pos + " bit " + bit + " returned wrong data silently");
                }
                // Unprotected: clearing CALC_DIGEST (flags bit 4) in the block the reader uses for flags
                // switches the digest and index_crc checks off; with the header overwritten the trailer
                // is never read (as in the reference).
                boolean unprotected = (pos == flags && bit == 4)
                        || (!overwriteHeader && pos == trailer + flags && bit == 4)
                        || (overwriteHeader && pos >= trailer);
                assertTrue(unprotected, "flip at " + pos + " bit " + bit + " was not detected");
            }
        }
        assertTrue(errors > file.length / 2);
    }

    /** Opens and reads everything twice: whole, and in pieces through the cache. */
    private static byte[] readAll(byte[] file) {
        try (ZFileReader r = ZFileReader.open(new Bytes(file))) {
            byte[] all = new byte[(int) r.size()];
            r.read(0, MemorySegment.ofArray(all), 0, all.length);
            byte[] pieces = new byte[all.length];
            for (int at = 0; at < all.length; at += 1000) {
                r.read(at, MemorySegment.ofArray(pieces), at, Math.min(1000, all.length - at));
            }
            assertArrayEquals(all, pieces);
            return all;
        }
    }

    @ParameterizedTest
    @MethodSource("files")
    void crcMismatchNamesBlockAndOffsetAndZeroesTheRest(BlockCodec codec, int bs, boolean overwriteHeader) throws Exception {
        byte[] data = ZFileTestFiles.content(Payload.Kind.COMP, 5, 5 * bs);
        Path p = ZFileTestFiles.write(data, new ZFileWriter.Options(codec, bs, true, overwriteHeader, 1), bs);
        byte[] file = Files.readAllBytes(p);
        Files.delete(p);
        try (ZFileReader clean = ZFileReader.open(new Bytes(file))) {
            long off = clean.blockOffset(3);
            file[(int) off + 2] ^= 0x40;
        }
        try (ZFileReader r = ZFileReader.open(new Bytes(file), new ZFileReader.Options(0))) {
            byte[] got = new byte[data.length];
            Arrays.fill(got, (byte) 'x');
            FormatException e = org.junit.jupiter.api.Assertions.assertThrows(FormatException.class,
                    () -> r.read(0, MemorySegment.ofArray(got), 0, got.length));
            assertEquals("block[3].crc", e.field());
            assertEquals(r.blockOffset(3), e.offset());
            assertTrue(e.getMessage().contains(r.name()));
            assertArrayEquals(Arrays.copyOf(data, 3 * bs), Arrays.copyOf(got, 3 * bs), "blocks before the bad one");
            for (int i = 3 * bs; i < got.length; i++) {
                if (got[i] != 0) {
                    fail("byte " + i + " past the bad block was passed on");
                }
            }
            FormatException c = org.junit.jupiter.api.Assertions.assertThrows(FormatException.class, r::check);
            assertEquals("block[3].crc", c.field());
        }
    }

    /** A file held in a heap array (not mapped), so corrupted copies need no disk. */
    record Bytes(byte[] b) implements ByteSource {
        @Override public String name() { return "corrupt.zfile"; }
        @Override public long size() { return b.length; }
        @Override public void read(long pos, MemorySegment dst, long off, long len) {
            MemorySegment.copy(MemorySegment.ofArray(b), pos, dst, off, len);
        }
        @Override public void close() {}
    }

    static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }
}
