package dev.obdj.zfile;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Blocks the whole-block (liblz4) and partial decoders would treat differently are refused before either runs. */
class Lz4ValidateTest {
    /** One literal 'A', a 4-byte match at {@code offset}, then 59 literal bytes: 64 bytes decoded. */
    private static byte[] block(int offset) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x10);
        b.write('A');
        b.write(offset & 0xFF);
        b.write(offset >>> 8);
        b.write(0xF0);
        b.write(59 - 15);
        for (int i = 0; i < 59; i++) b.write('a' + i % 26);
        return b.toByteArray();
    }

    private static MemorySegment native_(Arena a, byte[] b) {
        MemorySegment s = a.allocate(b.length);
        MemorySegment.copy(MemorySegment.ofArray(b), 0, s, 0, b.length);
        return s;
    }

    @Test
    void zeroMatchOffsetIsRefused() {
        try (Arena a = Arena.ofConfined()) {
            byte[] ok = block(1);
            Lz4Partial.validate(native_(a, ok), 0, ok.length, 64);
            byte[] zero = block(0);
            assertThrows(BlockCodec.DecodeException.class, () -> Lz4Partial.validate(native_(a, zero), 0, zero.length, 64));
            // liblz4 takes it (writing zeros) while the partial decoder does not: the reason for the check
            ByteBuffer src = ByteBuffer.allocateDirect(zero.length).put(zero).flip();
            ByteBuffer dst = ByteBuffer.allocateDirect(64);
            assertDoesNotThrow(() -> BlockCodec.Lz4.INSTANCE.decompress(src, 0, zero.length, dst, 0, 64));
        }
    }

    @Test
    void partialAndWholeDecodesAgreeOnValidBlocks() {
        try (Arena a = Arena.ofConfined()) {
            byte[] ok = block(1);
            MemorySegment src = native_(a, ok);
            MemorySegment out = a.allocate(64);
            Lz4Partial.decode(src, 0, ok.length, out, 0, 64, 64);
            ByteBuffer whole = ByteBuffer.allocateDirect(64);
            BlockCodec.Lz4.INSTANCE.decompress(src.asByteBuffer(), 0, ok.length, whole, 0, 64);
            byte[] w = new byte[64];
            whole.get(0, w);
            assertArrayEquals(w, out.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void matchIntoTheLastFiveBytesIsRefused() {
        // 8 literals, then a 4-byte match ending 4 bytes before the end, then 4 literals: liblz4 refuses it
        byte[] b = {(byte) 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 8, 0, 0x40, 9, 9, 9, 9};
        try (Arena a = Arena.ofConfined()) {
            assertThrows(BlockCodec.DecodeException.class, () -> Lz4Partial.validate(native_(a, b), 0, b.length, 16));
        }
    }
}
