package dev.obdj.fuzz;

import dev.obdj.io.ByteSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An in-memory {@link ByteSource} over a native segment, standing in for a file: either "mapped"
 * ({@link #segment()} hands out the memory, as {@code MappedFile} does) or "streamed" (only
 * {@link #read} works, as for a remote blob). Every read is checked against the file: a reader
 * that asks for bytes the file does not contain, or reads after close, fails the fuzz run.
 */
final class SegmentSource implements ByteSource {
    private final String name;
    private final MemorySegment seg;
    private final boolean mapped;
    private boolean closed;

    SegmentSource(String name, MemorySegment seg, boolean mapped) {
        this.name = name;
        this.seg = seg;
        this.mapped = mapped;
    }

    /** A copy of {@code bytes[off, off+len)} in {@code arena}, page-aligned like a mapping. */
    static SegmentSource of(Arena arena, String name, byte[] bytes, int off, int len, boolean mapped) {
        MemorySegment s = arena.allocate(Math.max(1, len), 4096).asSlice(0, len);
        MemorySegment.copy(bytes, off, s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, len);
        return new SegmentSource(name, s, mapped);
    }

    static SegmentSource of(Arena arena, String name, byte[] bytes, boolean mapped) {
        return of(arena, name, bytes, 0, bytes.length, mapped);
    }

    @Override
    public String name() { return name; }

    @Override
    public long size() { return seg.byteSize(); }

    @Override
    public void read(long position, MemorySegment dst, long dstOffset, long length) {
        if (closed) {
            throw new AssertionError(name + ": read after close");
        }
        if (position < 0 || length < 0 || position > seg.byteSize() - length) {
            throw new AssertionError(name + ": read of " + length + " bytes at " + position
                    + " outside the file of " + seg.byteSize() + " bytes");
        }
        MemorySegment.copy(seg, position, dst, dstOffset, length);
    }

    @Override
    public MemorySegment segment() {
        return mapped ? seg : null;
    }

    @Override
    public void close() {
        closed = true;
    }

    boolean isClosed() { return closed; }
}
