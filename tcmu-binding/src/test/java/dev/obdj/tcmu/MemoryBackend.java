package dev.obdj.tcmu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/** A disk in memory (off-heap), for the ring tests and the benchmark. */
final class MemoryBackend implements BlockBackend {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment disk;
    private final boolean writable;
    final AtomicLong flushes = new AtomicLong();

    MemoryBackend(long size, boolean writable) {
        this.disk = arena.allocate(size, 4096);
        this.writable = writable;
    }

    MemorySegment disk() { return disk; }

    @Override public long size() { return disk.byteSize(); }
    @Override public boolean writable() { return writable; }
    @Override public boolean canDiscard() { return writable; }

    @Override
    public void read(long offset, MemorySegment dst, long dstOffset, long length) {
        MemorySegment.copy(disk, offset, dst, dstOffset, length);
    }

    @Override
    public void write(long offset, MemorySegment src, long srcOffset, long length) {
        MemorySegment.copy(src, srcOffset, disk, offset, length);
    }

    @Override public void discard(long offset, long length) { disk.asSlice(offset, length).fill((byte) 0); }

    @Override public void flush() { flushes.incrementAndGet(); }

    @Override public void close() { arena.close(); }
}
