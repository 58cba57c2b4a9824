package dev.obdj.io;

import java.lang.foreign.MemorySegment;

/**
 * Bytes {@code [offset, offset+size)} of another source, e.g. the payload of a tar-wrapped layer
 * (FORMAT-NOTES §6.1). Owns the underlying source.
 */
public final class SliceSource implements ByteSource {
    private final ByteSource base;
    private final long offset;
    private final long size;

    public SliceSource(ByteSource base, long offset, long size) {
        if (offset < 0 || size < 0 || offset > base.size() - size) {
            throw new IllegalArgumentException("slice [" + offset + ", +" + size + ") outside " + base.size() + " bytes");
        }
        this.base = base;
        this.offset = offset;
        this.size = size;
    }

    @Override
    public String name() { return base.name(); }

    @Override
    public long size() { return size; }

    @Override
    public void read(long position, MemorySegment dst, long dstOffset, long length) {
        base.read(offset + position, dst, dstOffset, length);
    }

    @Override
    public MemorySegment segment() {
        MemorySegment s = base.segment();
        return s == null ? null : s.asSlice(offset, size);
    }

    @Override
    public boolean evict(long position, long length) {
        return base.evict(offset + position, length);
    }

    @Override
    public void close() {
        base.close();
    }
}
