package dev.obdj.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Byte copies between memory segments, for every copy whose source and destination may be of
 * different kinds (mapped or native on one side, a heap array on the other).
 *
 * <p>Why not {@code MemorySegment.copy(src, srcOffset, dst, dstOffset, n)}: on JDK 25.0.3 that
 * method copies fewer than 64 bytes with a Java loop of 8-byte moves, and once C2 has compiled
 * it inlined into a read loop, a copy from a mapped segment into a heap segment can leave the
 * second 8-byte word of the destination unwritten (observed: a 39-byte copy whose bytes 8-15
 * kept their old contents; the same copy interpreted, or run again into off-heap memory, is
 * right). The element-layout overload used here goes straight to the JVM's bulk copy intrinsic
 * at every size, so it never takes that loop. {@code ImageReadTest} and
 * {@code StackPropertiesTest} read through heap arrays to keep watching for it.
 */
public final class Bytes {
    private Bytes() {}

    /** Copies {@code n} bytes from {@code src} at {@code srcOffset} to {@code dst} at {@code dstOffset}. */
    public static void copy(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long n) {
        MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOffset, dst, ValueLayout.JAVA_BYTE, dstOffset, n);
    }
}
