package dev.obdj.nbd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A growable off-heap buffer reused across requests. It keeps up to {@code keep} bytes between
 * requests; a larger one (an occasional big request) is freed when the request ends.
 */
final class ReplyBuffer implements AutoCloseable {
    /** Bytes held by all reply buffers of the process, for leak checks. */
    static final java.util.concurrent.atomic.AtomicLong LIVE_BYTES = new java.util.concurrent.atomic.AtomicLong();
    private final long keep;
    private Arena arena;
    private MemorySegment seg;

    ReplyBuffer(long keep) {
        this.keep = keep;
    }

    /** A segment of at least {@code n} bytes (contents undefined). */
    MemorySegment ensure(long n) {
        if (seg == null || seg.byteSize() < n) {
            close();
            long size = Math.max(n, 64 * 1024);
            size = (size + 4095) & ~4095L;
            arena = Arena.ofShared();
            seg = arena.allocate(size, 4096);
            LIVE_BYTES.addAndGet(size);
        }
        return seg;
    }

    /** Frees the buffer if it grew beyond what is kept between requests. */
    void trim() {
        if (seg != null && seg.byteSize() > keep) {
            close();
        }
    }

    @Override
    public void close() {
        if (arena != null) {
            LIVE_BYTES.addAndGet(-seg.byteSize());
            arena.close();
            arena = null;
            seg = null;
        }
    }
}
