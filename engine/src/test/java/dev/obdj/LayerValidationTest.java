package dev.obdj;

import dev.obdj.testing.TestBlobs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One negative test per open-time rule of a sealed layer (FORMAT-NOTES §1.5) and of an RW pair
 * (§1.6): each corrupt file is rejected with a {@link FormatException} naming the field.
 */
class LayerValidationTest {
    static final int VSIZE = 1 << 20;

    @TempDir
    Path dir;
    Path blob;
    /** Layout of the valid blob: header, 3 data sectors (8..11), index of 3 entries at 6144, trailer. */
    static final long INDEX_OFFSET = 4096 + 3 * 512;

    @BeforeEach
    void validBlob() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096 + 3 * 512 + 512 + 4096).order(ByteOrder.LITTLE_ENDIAN);
        b.put(TestBlobs.header(0x07, 0, 0, VSIZE, "00000000-0000-4000-8000-000000000001"));
        byte[] data = new byte[3 * 512];
        Arrays.fill(data, (byte) 0x5A);
        b.put(data);
        b.put(TestBlobs.entry(0, 2, 8, false, 0));      // sectors 0-1 -> data sectors 8-9
        b.put(TestBlobs.entry(2, 4, 10, true, 0));      // sectors 2-5 zeroed
        b.put(TestBlobs.entry(100, 1, 10, false, 0));   // sector 100 -> data sector 10
        b.put(new byte[512 - 48]);
        b.put(TestBlobs.header(0x06, INDEX_OFFSET, 3, VSIZE, "00000000-0000-4000-8000-000000000001"));
        blob = dir.resolve("layer.lsmt");
        Files.write(blob, b.array());
    }

    long trailer() throws IOException {
        return Files.size(blob) - 4096;
    }

    void patch(long at, Consumer<ByteBuffer> edit) throws IOException {
        byte[] all = Files.readAllBytes(blob);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        b.position((int) at);
        edit.accept(b.slice().order(ByteOrder.LITTLE_ENDIAN));
        Files.write(blob, all);
    }

    FormatException rejected(String field) {
        FormatException e = assertThrows(FormatException.class, () -> Image.open(List.of(blob)).close());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(blob.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    @Test
    void validBlobOpensAndReads() throws IOException {
        try (Image img = Image.open(List.of(blob))) {
            assertEquals(VSIZE, img.size());
            assertEquals(3, img.indexEntries());
            byte[] b = new byte[1024];
            img.read(0, b, 0, 1024);
            for (byte x : b) assertEquals(0x5A, x);
        }
    }

    @Test
    void truncatedBelowHeader() throws IOException {
        Files.write(blob, Arrays.copyOf(Files.readAllBytes(blob), 100));
        assertEquals(0, rejected("file size").offset());
    }

    @Test
    void headerMagic() throws IOException {
        patch(3, b -> b.put(0, (byte) 'X'));
        rejected("header.magic");
    }

    @Test
    void headerMagic1() throws IOException {
        patch(20, b -> b.put(0, (byte) 0));
        rejected("header.magic");
    }

    @Test
    void headerIsHeaderBit() throws IOException {
        patch(28, b -> b.putInt(0, 0x06));
        assertEquals(28, rejected("header.flags.is_header").offset());
    }

    @Test
    void headerDataTypeBit() throws IOException {
        patch(28, b -> b.putInt(0, 0x05));
        rejected("header.flags.type");
    }

    @Test
    void trailerMagic() throws IOException {
        patch(trailer(), b -> b.put(0, (byte) 0));
        assertEquals(trailer(), rejected("trailer.magic").offset());
    }

    @Test
    void truncatedFileLosesItsTrailer() throws IOException {
        byte[] all = Files.readAllBytes(blob);
        Files.write(blob, Arrays.copyOf(all, all.length - 512));
        rejected("trailer.magic");
    }

    @Test
    void trailerIsHeaderBit() throws IOException {
        patch(trailer() + 28, b -> b.putInt(0, 0x07));
        rejected("trailer.flags.is_header");
    }

    @Test
    void trailerDataTypeBit() throws IOException {
        patch(trailer() + 28, b -> b.putInt(0, 0x04));
        rejected("trailer.flags.type");
    }

    @Test
    void trailerSealedBit() throws IOException {
        patch(trailer() + 28, b -> b.putInt(0, 0x02));
        rejected("trailer.flags.sealed");
    }

    @Test
    void hostileIndexSizeIsRejectedBeforeAllocation() throws IOException {
        patch(trailer() + 40, b -> b.putLong(0, 1L << 60));
        FormatException e = rejected("trailer.index_size");
        assertEquals(trailer() + 40, e.offset());
    }

    @Test
    void indexSizeOneEntryTooMany() throws IOException {
        // room between index_offset and the trailer is 512 bytes = 32 entries
        patch(trailer() + 40, b -> b.putLong(0, 33));
        rejected("trailer.index_size");
    }

    @Test
    void indexOffsetPastTheTrailer() throws IOException {
        patch(trailer() + 32, b -> b.putLong(0, -4096L));
        rejected("trailer.index_offset");
    }

    @Test
    void entriesOutOfOrder() throws IOException {
        patch(INDEX_OFFSET + 32, b -> b.put(TestBlobs.entry(1, 1, 10, false, 0)));
        FormatException e = rejected("index[2].offset");
        assertEquals(INDEX_OFFSET + 32, e.offset());
    }

    @Test
    void entriesOverlapping() throws IOException {
        patch(INDEX_OFFSET + 16, b -> b.put(TestBlobs.entry(1, 4, 10, true, 0)));
        rejected("index[1].offset");
    }

    @Test
    void dataMoffsetInsideTheHeader() throws IOException {
        patch(INDEX_OFFSET, b -> b.put(TestBlobs.entry(0, 2, 7, false, 0)));
        rejected("index[0].moffset");
    }

    @Test
    void dataMoffsetRunsIntoTheIndex() throws IOException {
        patch(INDEX_OFFSET + 32, b -> b.put(TestBlobs.entry(100, 2, 11, false, 0))); // E = 12
        rejected("index[2].moffset");
    }

    @Test
    void zeroedMoffsetPastTheIndex() throws IOException {
        patch(INDEX_OFFSET + 16, b -> b.put(TestBlobs.entry(2, 4, 13, true, 0)));
        rejected("index[1].moffset");
    }

    @Test
    void invalidEntriesAnywhereAreDroppedAndTagsIgnored() throws IOException {
        patch(INDEX_OFFSET, b -> {
            b.put(TestBlobs.entry(TestBlobs.INVALID, 0, 0, false, 0));
            b.put(TestBlobs.entry(0, 2, 8, false, 77));
            b.put(TestBlobs.entry(100, 1, 10, false, 200));
        });
        try (Image img = Image.open(List.of(blob))) {
            assertEquals(2, img.indexEntries());
            byte[] b = new byte[512];
            img.read(100 * 512, b, 0, 512);
            assertEquals(0x5A, b[0]);
        }
    }

    @Test
    void virtualSizeComesFromTheTrailer() throws IOException {
        patch(48, b -> b.putLong(0, 12345));
        try (Image img = Image.open(List.of(blob))) {
            assertEquals(VSIZE, img.size());
        }
    }

    @Test
    void moreEntriesThanTheReferenceLimitOpenWhenTheyFitTheFile() throws IOException {
        // The reference refuses > 1,000,000 entries; obdj bounds by the file instead.
        int n = 1_000_100;
        ByteBuffer b = ByteBuffer.allocate(4096 + 512 + n * 16 + 4096).order(ByteOrder.LITTLE_ENDIAN);
        b.put(TestBlobs.header(0x07, 0, 0, 1L << 40, "00000000-0000-4000-8000-000000000001"));
        b.put(new byte[512]);
        for (int i = 0; i < n; i++) {
            b.put(TestBlobs.entry(2L * i, 1, 8, false, 0));
        }
        b.put(TestBlobs.header(0x06, 4096 + 512, n, 1L << 40, "00000000-0000-4000-8000-000000000001"));
        Files.write(blob, b.array());
        try (Image img = Image.open(List.of(blob))) {
            assertEquals(n, img.indexEntries());
        }
    }

    // ---- RW pair (§1.6) ----

    Path data;
    Path index;

    void rwPair() throws IOException {
        data = dir.resolve("rw.data");
        index = dir.resolve("rw.index");
        ByteBuffer d = ByteBuffer.allocate(4096 + 1024).order(ByteOrder.LITTLE_ENDIAN);
        d.put(TestBlobs.header(0x03, 0, 0, VSIZE, "00000000-0000-4000-8000-000000000002"));
        Files.write(data, d.array());
        ByteBuffer i = ByteBuffer.allocate(4096 + 32).order(ByteOrder.LITTLE_ENDIAN);
        i.put(TestBlobs.header(0x01, 4096, 0, VSIZE, "00000000-0000-4000-8000-000000000002"));
        i.put(TestBlobs.entry(0, 2, 8, false, 0));
        i.put(TestBlobs.entry(1, 1, 10, true, 0));
        Files.write(index, i.array());
    }

    FormatException rwRejected(Path file, String field) {
        FormatException e = assertThrows(FormatException.class, () -> Image.open(List.of(), data, index).close());
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(file.toString(), e.file());
        return e;
    }

    void patchFile(Path f, long at, Consumer<ByteBuffer> edit) throws IOException {
        Path keep = blob;
        blob = f;
        patch(at, edit);
        blob = keep;
    }

    @Test
    void rwPairOpens() throws IOException {
        rwPair();
        try (Image img = Image.open(List.of(), data, index)) {
            assertEquals(2, img.indexEntries());
        }
    }

    @Test
    void rwDataMagic() throws IOException {
        rwPair();
        patchFile(data, 0, b -> b.put(0, (byte) 0));
        rwRejected(data, "header.magic");
    }

    @Test
    void rwDataIsHeaderBit() throws IOException {
        rwPair();
        patchFile(data, 28, b -> b.putInt(0, 0x02));
        rwRejected(data, "header.flags.is_header");
    }

    @Test
    void rwIndexMagic() throws IOException {
        rwPair();
        patchFile(index, 10, b -> b.put(0, (byte) 0));
        rwRejected(index, "header.magic");
    }

    @Test
    void rwIndexIsHeaderBit() throws IOException {
        rwPair();
        patchFile(index, 28, b -> b.putInt(0, 0x00));
        rwRejected(index, "header.flags.is_header");
    }

    @Test
    void rwIndexTypeBit() throws IOException {
        rwPair();
        patchFile(index, 28, b -> b.putInt(0, 0x03));
        rwRejected(index, "header.flags.type");
    }

    @Test
    void rwIndexSealedBit() throws IOException {
        rwPair();
        patchFile(index, 28, b -> b.putInt(0, 0x05));
        rwRejected(index, "header.flags.sealed");
    }

    @Test
    void rwIndexOffsetMustBe4096() throws IOException {
        rwPair();
        patchFile(index, 32, b -> b.putLong(0, 0));
        rwRejected(index, "header.index_offset");
    }

    @Test
    void rwIndexTooShort() throws IOException {
        rwPair();
        Files.write(index, new byte[100]);
        rwRejected(index, "file size");
    }

    @Test
    void rwEntryPointsPastTheDataFile() throws IOException {
        rwPair();
        patchFile(index, 4096, b -> b.put(TestBlobs.entry(0, 2, 11, false, 0))); // data file has sectors 8..9
        rwRejected(index, "index[0].moffset");
    }

    @Test
    void rwSparseLayerIgnoresItsIndexAndUsesTheFileLayout() throws IOException {
        rwPair();
        patchFile(data, 28, b -> b.putInt(0, 0x13)); // sparse: byte X at 4096 + X, no index entries
        try (Image img = Image.open(List.of(), data, index)) {
            assertEquals(VSIZE, img.size());
            byte[] b = new byte[1024];
            img.read(0, b, 0, 1024); // the data file's bytes 4096..5119, zeros here
            for (byte x : b) assertEquals(0, x);
        }
    }

    @Test
    void rwTornLastEntryIsIgnored() throws IOException {
        rwPair();
        byte[] all = Files.readAllBytes(index);
        Files.write(index, Arrays.copyOf(all, all.length + 9));
        try (Image img = Image.open(List.of(), data, index)) {
            assertEquals(2, img.indexEntries());
        }
    }
}
