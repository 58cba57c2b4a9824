package dev.obdj.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Little-endian, unaligned value layouts for every on-disk field. Both formats are little-endian
 * packed structs; declaring the layouts once keeps byte order out of the call sites.
 */
public final class Le {
    /** u64 / i64, little-endian, any alignment. */
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** u32 / i32, little-endian, any alignment. */
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** u16, little-endian, any alignment. */
    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** u8. */
    public static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    private Le() {}

    /**
     * Copies {@code len} bytes at {@code off} of {@code s} onto the heap. Decoding small on-disk
     * structs from the copy with {@link #u64(byte[], int)} and friends keeps the open path free of
     * memory-access var handles, whose first use in a fresh JVM costs milliseconds each.
     */
    public static byte[] copyOut(MemorySegment s, long off, int len) {
        byte[] b = new byte[len];
        Bytes.copy(s, off, MemorySegment.ofArray(b), 0, len);
        return b;
    }

    /** u64 little-endian at {@code off} of a heap copy. */
    public static long u64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    /** u32 little-endian at {@code off} of a heap copy, as an int (callers widen unsigned). */
    public static int i32(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    public static long u64(MemorySegment s, long off) { return s.get(LONG, off); }

    public static long u32(MemorySegment s, long off) { return Integer.toUnsignedLong(s.get(INT, off)); }

    public static int u16(MemorySegment s, long off) { return Short.toUnsignedInt(s.get(SHORT, off)); }

    public static int u8(MemorySegment s, long off) { return Byte.toUnsignedInt(s.get(BYTE, off)); }

    public static void putU64(MemorySegment s, long off, long v) { s.set(LONG, off, v); }

    public static void putU32(MemorySegment s, long off, long v) { s.set(INT, off, (int) v); }

    public static void putU16(MemorySegment s, long off, int v) { s.set(SHORT, off, (short) v); }

    public static void putU8(MemorySegment s, long off, int v) { s.set(BYTE, off, (byte) v); }
}
