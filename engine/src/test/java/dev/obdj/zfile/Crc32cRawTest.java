package dev.obdj.zfile;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The intrinsic-backed raw CRC against the table-driven twin and the test values of FORMAT-NOTES §5.9. */
class Crc32cRawTest {
    private static final byte[] DIGITS = "123456789".getBytes(StandardCharsets.US_ASCII);

    @Test
    void testValues() {
        assertEquals(0xF26B8303, Crc32cRaw.tableEntry(1));
        assertEquals(0x82F63B78, Crc32cRaw.tableEntry(128));
        for (boolean table : new boolean[] {false, true}) {
            assertEquals(0x58E3FA20, crc(table, 0, DIGITS));
            assertEquals(0x3C9BD4E0, crc(table, Crc32cRaw.BLOCK_SEED, DIGITS));
            assertEquals(0x000186A7, crc(table, Crc32cRaw.BLOCK_SEED, new byte[0]));
            assertEquals(0, crc(table, 0, new byte[1000]));
        }
        CRC32C std = new CRC32C();
        std.update(DIGITS);
        assertEquals(0xE3069283L, std.getValue(), "the standard CRC-32C, for comparison");
    }

    @Test
    void preambleForSeedZeroIsAllOnes() {
        assertEquals(-1, ByteBuffer.wrap(Crc32cRaw.preamble(0)).getInt());
    }

    @Property(tries = 300)
    void intrinsicEqualsTable(@ForAll @Size(max = 5000) byte[] data, @ForAll int seed) {
        int want = Crc32cRaw.table(seed, data, 0, data.length);
        assertEquals(want, Crc32cRaw.crc(seed, data, 0, data.length));
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
        assertEquals(want, Crc32cRaw.crc(seed, direct));
        assertEquals(want, Crc32cRaw.crc(seed, MemorySegment.ofArray(data)));
        assertEquals(want, Crc32cRaw.crc(seed, MemorySegment.ofBuffer(direct.clear())));
    }

    @Property(tries = 200)
    void chains(@ForAll @Size(max = 3000) byte[] data, @ForAll int seed, @ForAll int cutSeed) {
        int cut = data.length == 0 ? 0 : Math.floorMod(cutSeed, data.length + 1);
        int whole = Crc32cRaw.crc(seed, data, 0, data.length);
        int first = Crc32cRaw.crc(seed, data, 0, cut);
        assertEquals(whole, Crc32cRaw.crc(first, data, cut, data.length - cut));
    }

    private static int crc(boolean table, int seed, byte[] b) {
        return table ? Crc32cRaw.table(seed, b, 0, b.length) : Crc32cRaw.crc(seed, b, 0, b.length);
    }
}
