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

    public static long u64(MemorySegment s, long off) { return s.get(LONG, off); }

    public static long u32(MemorySegment s, long off) { return Integer.toUnsignedLong(s.get(INT, off)); }

    public static int u16(MemorySegment s, long off) { return Short.toUnsignedInt(s.get(SHORT, off)); }

    public static int u8(MemorySegment s, long off) { return Byte.toUnsignedInt(s.get(BYTE, off)); }

    public static void putU64(MemorySegment s, long off, long v) { s.set(LONG, off, v); }

    public static void putU32(MemorySegment s, long off, long v) { s.set(INT, off, (int) v); }

    public static void putU16(MemorySegment s, long off, int v) { s.set(SHORT, off, (short) v); }

    public static void putU8(MemorySegment s, long off, int v) { s.set(BYTE, off, (byte) v); }
}
