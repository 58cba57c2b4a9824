package dev.obdj;

import dev.obdj.testing.TestBlobs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The open-time index check of a large sealed layer (big enough to be checked on two threads,
 * in blocks of 65,536 entries claimed in turn) gives exactly what one pass in order gives: the
 * first bad entry is the one named, wherever the bad entries sit (one block, several, across a
 * block boundary), and invalid entries anywhere are skipped. The expectations come from the
 * entry layout written here.
 */
class LargeIndexCheckTest {
    static final int N = 300_000;           // above the two-thread threshold (2^18)
    static final int SPLIT = N / 2 / 4096 * 4096; // where the upper half starts: 147456
    static final long INDEX_OFFSET = 4096;  // no data section: zeroed entries only
    static final int BLOCK = 1 << 16;       // entries per block of the two-thread check

    @TempDir
    Path dir;

    /** Entry i maps sectors [2i, 2i+1) as zeroed; {@code edit} may rewrite entries by number. */
    Path blob(Consumer<ByteBuffer> edit) throws IOException {
        ByteBuffer index = ByteBuffer.allocate(N * 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < N; i++) {
            index.put(TestBlobs.entry(2L * i, 1, 8, true, 0));
        }
        edit.accept(index);
        ByteBuffer b = ByteBuffer.allocate(4096 + N * 16 + 4096);
        b.put(TestBlobs.header(0x03, 0, 0, 2L * N * 512, "00000000-0000-4000-8000-000000000001"));
        b.put(index.array());
        b.put(TestBlobs.header(0x06, INDEX_OFFSET, N, 2L * N * 512, "00000000-0000-4000-8000-000000000001"));
        Path p = dir.resolve("large.lsmt");
        Files.write(p, b.array());
        return p;
    }

    static void put(ByteBuffer index, int i, long offset, long length, long moffset, boolean zeroed) {
        index.put(i * 16, TestBlobs.entry(offset, length, moffset, zeroed, 0));
    }

    FormatException refused(Consumer<ByteBuffer> edit) throws IOException {
        Path p = blob(edit);
        return assertThrows(FormatException.class, () -> Image.open(List.of(p)).close());
    }

    @Test
    void validIndexOpensWithEveryEntry() throws IOException {
        try (Image img = Image.open(List.of(blob(ix -> { })))) {
            assertEquals(N, img.indexEntries());
        }
    }

    @Test
    void overlapInUpperHalfIsNamed() throws IOException {
        FormatException e = refused(ix -> put(ix, 200_000, 2L * 199_999, 1, 8, true));
        assertEquals("index[200000].offset", e.field());
    }

    @Test
    void firstBadEntryWinsWhenBothHalvesAreBad() throws IOException {
        FormatException e = refused(ix -> {
            put(ix, 250_000, 2L * 250_000, 1, 9, true);   // zeroed moffset 9 > e = 8
            put(ix, 1_000, 2L * 1_000, 1, 7, true);       // zeroed moffset 7 < 8: first in order
        });
        assertEquals("index[1000].moffset", e.field());
    }

    @Test
    void overlapAcrossTheSplitIsNamed() throws IOException {
        FormatException e = refused(ix -> put(ix, SPLIT, 2L * (SPLIT - 1), 1, 8, true));
        assertEquals("index[" + SPLIT + "].offset", e.field());
    }

    @Test
    void orderRuleWinsOverMoffsetRuleAtTheSplit() throws IOException {
        // the entry right after the split both overlaps its predecessor and has a bad moffset:
        // in-order checking reports the order rule first
        FormatException e = refused(ix -> put(ix, SPLIT, 2L * (SPLIT - 1), 1, 3, true));
        assertEquals("index[" + SPLIT + "].offset", e.field());
    }

    @Test
    void overlapAgainstLastValidLowerEntryAcrossInvalidOnes() throws IOException {
        // entries SPLIT-2 .. SPLIT+1 invalid; SPLIT+2 starts before the end of SPLIT-3
        FormatException e = refused(ix -> {
            for (int i = SPLIT - 2; i <= SPLIT + 1; i++) {
                put(ix, i, TestBlobs.INVALID, 0, 0, false);
            }
            put(ix, SPLIT + 2, 2L * (SPLIT - 3), 1, 8, true);
        });
        assertEquals("index[" + (SPLIT + 2) + "].offset", e.field());
    }

    @Test
    void invalidEntriesAnywhereAreSkipped() throws IOException {
        int[] invalid = {5, SPLIT - 1, SPLIT, 290_000, N - 1};
        Path p = blob(ix -> {
            for (int i : invalid) {
                put(ix, i, TestBlobs.INVALID, 0, 0, false);
            }
        });
        try (Image img = Image.open(List.of(p)); Arena a = Arena.ofConfined()) {
            assertEquals(N - invalid.length, img.indexEntries());
            // a skipped entry's sector is a hole, a kept one's is zeroed: both read as zeros,
            // so count the zeroed extents instead
            long[] zeroed = new long[1];
            img.forEachExtent(0, img.size(), (offset, length, kind) -> {
                if (kind == ExtentVisitor.Kind.ZEROED) {
                    zeroed[0] += length;
                }
            });
            assertEquals((long) (N - invalid.length) * 512, zeroed[0]);
            MemorySegment buf = a.allocate(512);
            buf.fill((byte) 1);
            img.read(2L * SPLIT * 512, buf, 0, 512);
            assertEquals(-1, buf.mismatch(a.allocate(512)));
        }
    }

    @Test
    void trailingPaddingOnlyKeepsTheIndexInPlace() throws IOException {
        Path p = blob(ix -> {
            for (int i = N - 5000; i < N; i++) {
                put(ix, i, TestBlobs.INVALID, 0, 0, false);
            }
        });
        try (Image img = Image.open(List.of(p))) {
            assertEquals(N - 5000, img.indexEntries());
        }
    }

    @Test
    void overlapAcrossABlockBoundaryIsNamed() throws IOException {
        FormatException e = refused(ix -> put(ix, 2 * BLOCK, 2L * (2 * BLOCK - 1), 1, 8, true));
        assertEquals("index[" + 2 * BLOCK + "].offset", e.field());
        assertEquals(INDEX_OFFSET + 2L * BLOCK * 16, e.offset());
    }

    @Test
    void firstBadEntryWinsAcrossManyBlocks() throws IOException {
        FormatException e = refused(ix -> {
            put(ix, 4 * BLOCK + 7, 2L * (4 * BLOCK + 7), 1, 3, true); // moffset below the data section
            put(ix, 3 * BLOCK, 2L * (3 * BLOCK - 1), 1, 8, true);     // overlap at a boundary
            put(ix, BLOCK + 100, 2L * (BLOCK + 100), 1, 9, true);     // zeroed moffset 9 > e = 8: first
        });
        assertEquals("index[" + (BLOCK + 100) + "].moffset", e.field());
    }

    @Test
    void overlapAgainstAnEarlierBlockAcrossAWholeInvalidBlock() throws IOException {
        // block 1 entirely invalid; the first entry of block 2 starts before the end of entry BLOCK-1
        FormatException e = refused(ix -> {
            for (int i = BLOCK; i < 2 * BLOCK; i++) {
                put(ix, i, TestBlobs.INVALID, 0, 0, false);
            }
            put(ix, 2 * BLOCK, 2L * (BLOCK - 1), 1, 8, true);
        });
        assertEquals("index[" + 2 * BLOCK + "].offset", e.field());
    }

    @Test
    void aWholeInvalidBlockInTheMiddleIsSkipped() throws IOException {
        Path p = blob(ix -> {
            for (int i = BLOCK; i < 2 * BLOCK; i++) {
                put(ix, i, TestBlobs.INVALID, 0, 0, false);
            }
        });
        try (Image img = Image.open(List.of(p))) {
            assertEquals(N - BLOCK, img.indexEntries());
            long[] zeroed = new long[1];
            img.forEachExtent(0, img.size(), (offset, length, kind) -> {
                if (kind == ExtentVisitor.Kind.ZEROED) {
                    zeroed[0] += length;
                }
            });
            assertEquals((long) (N - BLOCK) * 512, zeroed[0]);
        }
    }

    @Test
    void paddingOverSeveralBlocksKeepsTheIndexInPlace() throws IOException {
        int valid = BLOCK + 3; // the padding starts inside block 1 and fills the blocks after it
        Path p = blob(ix -> {
            for (int i = valid; i < N; i++) {
                put(ix, i, TestBlobs.INVALID, 0, 0, false);
            }
        });
        try (Image img = Image.open(List.of(p)); Arena a = Arena.ofConfined()) {
            assertEquals(valid, img.indexEntries());
            MemorySegment buf = a.allocate(1024);
            buf.fill((byte) 1);
            img.read(2L * (valid - 1) * 512, buf, 0, 1024); // the last mapped sector, then a hole
            assertEquals(-1, buf.mismatch(a.allocate(1024)));
        }
    }
}
