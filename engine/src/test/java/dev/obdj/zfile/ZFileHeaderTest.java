package dev.obdj.zfile;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The header/trailer codec against the worked examples of FORMAT-NOTES §5.3. */
class ZFileHeaderTest {

    @Test
    void initialHeaderLz4Bs4kVerify() {
        byte[] b = new byte[512];
        int d = ZFileHeader.of(0x13, 0, 0, 0, 0, 4096, ZFileHeader.ALGO_LZ4, true).encode(MemorySegment.ofArray(b));
        assertEquals(0xC7A212FC, d);
        byte[] want = HexFormat.of().parseHex("5A46696C65000100" + "74756A692E797966404" + "16C69626162 61".replace(" ", "")
                + "60000000" + "FC12A2C7" + "1300000000000000" + "00".repeat(32) + "00100000" + "01000000" + "00000000"
                + "00000000" + "0100000000000000");
        byte[] got = new byte[96];
        System.arraycopy(b, 0, got, 0, 96);
        assertArrayEquals(want, got);
        for (int i = 96; i < 512; i++) {
            assertEquals(0, b[i]);
        }
        ZFileHeader h = ZFileHeader.decode(MemorySegment.ofArray(b));
        assertTrue(ZFileHeader.hasMagic(MemorySegment.ofArray(b)));
        assertEquals(0xC7A212FC, h.digest());
        assertEquals(96, h.structSize());
        assertEquals(ZFileHeader.computeDigest(MemorySegment.ofArray(b)), h.digest());
    }

    @Test
    void trailerAndOverwrittenHeaderExample() {
        byte[] index = HexFormat.of().parseHex("640000003c000000");
        int indexCrc = Crc32cRaw.crc(0, index, 0, index.length);
        assertEquals(0x853ADB65, indexCrc);
        byte[] b = new byte[512];
        assertEquals(0x8178554B, ZFileHeader.of(0x16, 0x2A0, 2, 6000, indexCrc, 4096, 1, true).encode(MemorySegment.ofArray(b)));
        assertEquals(0x71B8806F, ZFileHeader.of(0x1B, 0x2A0, 2, 6000, indexCrc, 4096, 1, true).encode(MemorySegment.ofArray(b)));
    }

    @Test
    void flagNames() {
        assertEquals("header,data,header_overwrite,calc_digest", ZFileHeader.describeFlags(0x1B));
        assertEquals("data,sealed,calc_digest", ZFileHeader.describeFlags(0x16));
    }
}
