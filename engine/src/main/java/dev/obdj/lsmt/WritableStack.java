package dev.obdj.lsmt;

import dev.obdj.ExtentVisitor;
import dev.obdj.UsageException;
import dev.obdj.io.Bytes;
import dev.obdj.io.Zeros;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A writable RW layer over an optional read-only stack: the image's writable top. A read walks
 * the RW layer's live index first and fills its gaps from the read-only stack (the reference's
 * {@code ComboIndex}); writes and discards go to the RW layer only. Reads run concurrently;
 * writes are serialised with a read-write lock.
 */
public final class WritableStack implements AutoCloseable {
    private final LayerStack lowers; // may be null
    private final RwLayer rw;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    public WritableStack(LayerStack lowers, RwLayer rw) {
        this.lowers = lowers;
        this.rw = rw;
    }

    public RwLayer rw() { return rw; }

    public LayerStack lowers() { return lowers; }

    /** The RW layer's virtual size, or the lower stack's when the RW layer says 0. */
    public long virtualSize() {
        long v = rw.virtualSize();
        return v != 0 || lowers == null ? v : lowers.virtualSize();
    }

    public void read(long offset, MemorySegment dst, long dstOffset, long length) {
        lock.readLock().lock();
        try {
            checkRange(offset, length);
            walk(offset, length, dst, dstOffset - offset, null);
        } finally {
            lock.readLock().unlock();
        }
    }

    public void forEachExtent(long offset, long length, ExtentVisitor visitor) {
        lock.readLock().lock();
        try {
            checkRange(offset, length);
            walk(offset, length, null, 0, visitor);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Copies (dst != null) or reports (visitor != null) the range; delta maps disk to dst offsets. */
    private void walk(long offset, long length, MemorySegment dst, long delta, ExtentVisitor visitor) {
        LiveIndex live = rw.live();
        long pos = offset, end = offset + length;
        int node = live.firstEndingAfter(pos >>> 9);
        while (pos < end) {
            long mStart = node < 0 ? end : Math.min(end, SegmentMapping.offset(live.lo(node)) << 9);
            if (mStart > pos) {
                lower(pos, mStart - pos, dst, delta, visitor);
                pos = mStart;
                if (pos >= end) {
                    break;
                }
            }
            long lo = live.lo(node), hi = live.hi(node);
            long mEnd = SegmentMapping.end(lo) << 9;
            long take = Math.min(mEnd, end) - pos;
            if (SegmentMapping.zeroed(hi)) {
                if (dst != null) Zeros.fill(dst, pos + delta, take);
                else visitor.extent(pos, take, ExtentVisitor.Kind.ZEROED);
            } else if (dst != null) {
                rw.readData((SegmentMapping.moffset(hi) << 9) + (pos - (SegmentMapping.offset(lo) << 9)), dst, pos + delta, take);
            } else {
                visitor.extent(pos, take, ExtentVisitor.Kind.DATA);
            }
            pos += take;
            node = live.firstEndingAfter(SegmentMapping.end(lo));
        }
    }

    private void lower(long pos, long len, MemorySegment dst, long delta, ExtentVisitor visitor) {
        long lv = lowers == null ? 0 : Math.min(len, Math.max(0, lowers.virtualSize() - pos));
        if (lv > 0) {
            if (dst != null) lowers.read(pos, dst, pos + delta, lv);
            else lowers.forEachExtent(pos, lv, visitor);
        }
        if (lv < len) { // beyond the lower disk (the RW layer grew): nothing there
            if (dst != null) Zeros.fill(dst, pos + lv + delta, len - lv);
            else visitor.extent(pos + lv, len - lv, ExtentVisitor.Kind.HOLE);
        }
    }

    /**
     * Writes {@code length} bytes of {@code src} at any byte offset. Partial sectors at either end
     * are read, merged and written back whole (read-modify-write), under the write lock.
     */
    public void write(long offset, MemorySegment src, long srcOffset, long length) {
        lock.writeLock().lock();
        try {
            checkWritable(offset, length);
            if (length == 0) {
                return;
            }
            long first = offset & ~511L;
            long last = (offset + length + 511) & ~511L;
            rw.extendTo(last);
            if (first == offset && last == offset + length) {
                rw.write(offset >>> 9, src.asSlice(srcOffset, length));
                return;
            }
            // unaligned: build whole sectors in a scratch buffer, edges from the current content
            try (Arena a = Arena.ofConfined()) {
                long span = last - first;
                long chunk = Math.min(span, 4L << 20);
                MemorySegment buf = a.allocate(chunk, 512);
                for (long at = first; at < last; at += chunk) {
                    long n = Math.min(chunk, last - at);
                    long lo = Math.max(at, offset), hi = Math.min(at + n, offset + length);
                    if (lo > at || hi < at + n) {
                        walk(at, n, buf, -at, null);
                    }
                    Bytes.copy(src, srcOffset + (lo - offset), buf, lo - at, hi - lo);
                    rw.write(at >>> 9, buf.asSlice(0, n));
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Discards whole sectors inside the range (partial sectors at the edges are zero-written). */
    public void discard(long offset, long length) {
        lock.writeLock().lock();
        try {
            checkWritable(offset, length);
            long first = (offset + 511) & ~511L;
            long last = (offset + length) & ~511L;
            rw.extendTo((offset + length + 511) & ~511L);
            if (last > first) {
                rw.discard(first >>> 9, (last - first) >>> 9);
            }
        } finally {
            lock.writeLock().unlock();
        }
        zeroEdges(offset, length);
    }

    private void zeroEdges(long offset, long length) {
        long first = (offset + 511) & ~511L;
        long last = (offset + length) & ~511L;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment z = a.allocate(1024); // no whole sector inside: the range spans at most two
            if (last <= first) {
                if (length > 0) write(offset, z, 0, length);
                return;
            }
            if (first > offset) write(offset, z, 0, first - offset);
            if (offset + length > last) write(last, z, 0, offset + length - last);
        }
    }

    public void flush() {
        lock.writeLock().lock();
        try {
            rw.flush();
        } finally {
            lock.writeLock().unlock();
        }
    }

    public void grow(long newSize) {
        lock.writeLock().lock();
        try {
            rw.grow(newSize);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Runs {@code action} with writes excluded (commit, seal). */
    public <T> T exclusive(java.util.function.Supplier<T> action) {
        lock.writeLock().lock();
        try {
            return action.get();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Writes may go past the virtual size, as in the reference: the in-memory size grows, the
     * headers keep theirs (so a commit records the old size) until {@link #grow} rewrites them.
     */
    private void checkWritable(long offset, long length) {
        long max = SegmentMapping.MAX_OFFSET << 9;
        if (offset < 0 || length < 0 || offset > max || length > max - offset) {
            throw new UsageException("range of " + length + " bytes at offset " + offset + " is outside what LSMT can address");
        }
    }

    private void checkRange(long offset, long length) {
        long vs = virtualSize();
        if (offset < 0 || length < 0 || offset > vs || length > vs - offset) {
            throw new UsageException("range of " + length + " bytes at offset " + offset
                    + " is outside the virtual disk [0, " + vs + ")");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            rw.close();
        } finally {
            lock.writeLock().unlock();
            if (lowers != null) {
                lowers.close();
            }
        }
    }
}
