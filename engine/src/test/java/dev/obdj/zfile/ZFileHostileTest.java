package dev.obdj.zfile;

import dev.obdj.FormatException;
import dev.obdj.sample.Payload;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Hostile header fields, with a recomputed digest so they pass the digest check, are refused before any allocation. */
class ZFileHostileTest {

    private static byte[] sample(boolean overwrite) throws Exception {
        byte[] data = ZFileTestFiles.content(Payload.Kind.HALF, 1, 40_000);
        Path p = ZFileTestFiles.write(data, ZFileWriter.Options.commit().withOverwriteHeader(overwrite), 4096);
        byte[] f = Files.readAllBytes(p);
        Files.delete(p);
        return f;
    }

    /** Rewrites the block the reader takes its fields from, re-digested. */
    private static FormatException open(boolean overwrite, UnaryOperator<ZFileHeader> edit) throws Exception {
        byte[] f = sample(overwrite);
        int at = overwrite ? 0 : f.length - 512;
        MemorySegment blk = MemorySegment.ofArray(f).asSlice(at, 512);
        edit.apply(ZFileHeader.decode(blk)).encode(blk);
        return assertThrows(FormatException.class, () -> ZFileReader.open(new ZFileCorruptionTest.Bytes(f)).close());
    }

    private static ZFileHeader with(ZFileHeader h, long indexOffset, long indexSize, long orig, int bs, int algo) {
        return new ZFileHeader(h.structSize(), 0, h.flags(), indexOffset, indexSize, orig, h.indexCrc(), bs, algo,
                h.level(), h.useDict(), h.dictSize(), h.verify());
    }

    @Test
    void hugeIndexSize() throws Exception {
        for (boolean ow : new boolean[] {true, false}) {
            FormatException e = open(ow, h -> with(h, h.indexOffset(), 1L << 60, h.originalSize(), h.blockSize(), h.algo()));
            assertEquals((ow ? "header" : "trailer") + ".index_size", e.field());
            e = open(ow, h -> with(h, h.indexOffset(), 900_000_000L, 900_000_000L * 4096, h.blockSize(), h.algo()));
            assertEquals((ow ? "header" : "trailer") + ".index_offset", e.field(), e.getMessage());
        }
    }

    @Test
    void badBlockSizes() throws Exception {
        for (int bs : new int[] {0, 3000, 1 << 17, -4096}) {
            FormatException e = open(true, h -> with(h, h.indexOffset(), h.indexSize(), h.originalSize(), bs, h.algo()));
            assertEquals("header.block_size", e.field());
        }
        FormatException e = open(true, h -> with(h, h.indexOffset(), h.indexSize(), h.originalSize(), 8192, h.algo()));
        assertEquals("header.index_size", e.field(), "block count no longer matches the original size");
    }

    @Test
    void indexPastEndOfFile() throws Exception {
        FormatException e = open(true, h -> with(h, 1L << 40, h.indexSize(), h.originalSize(), h.blockSize(), h.algo()));
        assertEquals("header.index_offset", e.field());
        e = open(false, h -> with(h, -8, h.indexSize(), h.originalSize(), h.blockSize(), h.algo()));
        assertEquals("trailer.index_offset", e.field());
    }

    @Test
    void unknownAlgorithm() throws Exception {
        assertEquals("header.algo", open(true, h -> with(h, h.indexOffset(), h.indexSize(), h.originalSize(), h.blockSize(), 0)).field());
        assertEquals("trailer.algo", open(false, h -> with(h, h.indexOffset(), h.indexSize(), h.originalSize(), h.blockSize(), 9)).field());
    }

    @Test
    void negativeOriginalSize() throws Exception {
        assertEquals("header.index_size", open(true, h -> with(h, h.indexOffset(), h.indexSize(), -1, h.blockSize(), h.algo())).field());
    }

    @Test
    void truncatedFiles() throws Exception {
        byte[] f = sample(false);
        for (int len : new int[] {0, 100, 511, 512, 700, f.length - 1}) {
            byte[] t = java.util.Arrays.copyOf(f, len);
            assertThrows(FormatException.class, () -> ZFileReader.open(new ZFileCorruptionTest.Bytes(t)).close(), "length " + len);
        }
    }

    @Test
    void trailerDigestIsChecked() throws Exception {
        byte[] f = sample(false);
        f[f.length - 512 + 100] ^= 1; // a zero padding byte of the trailer: the reference would not notice
        FormatException e = assertThrows(FormatException.class, () -> ZFileReader.open(new ZFileCorruptionTest.Bytes(f)).close());
        assertEquals("trailer.digest", e.field());
        assertEquals(f.length - 512 + 28, e.offset());
    }
}
