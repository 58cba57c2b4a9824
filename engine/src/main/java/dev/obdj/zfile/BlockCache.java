package dev.obdj.zfile;

import dev.obdj.io.Bytes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.StampedLock;

/**
 * A small direct-mapped cache of decoded blocks, off-heap: block {@code b} lives in slot
 * {@code b mod slots}. Hits copy out under an optimistic {@link StampedLock} read (no lock taken,
 * no allocation); a fill decodes straight into the slot under its write lock, which a busy slot
 * simply skips. A slot may hold only the first part of a block (a partial LZ4 decode).
 */
final class BlockCache implements AutoCloseable {
    private final int blockSize;
    private final int mask;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment data;
    private final ByteBuffer buffer;
    private final StampedLock[] locks;
    private final int[] keys;  // block number held, or -1; guarded by the slot's lock
    private final int[] valid; // decoded bytes held from the block's start

    private BlockCache(int blockSize, int slots) {
        this.blockSize = blockSize;
        this.mask = slots - 1;
        this.data = arena.allocate((long) slots * blockSize, 64);
        this.buffer = data.asByteBuffer();
        this.locks = new StampedLock[slots];
        this.keys = new int[slots];
        this.valid = new int[slots];
        for (int i = 0; i < slots; i++) {
            locks[i] = new StampedLock();
            keys[i] = -1;
        }
    }

    /** A cache of at most {@code bytes} bytes (a power-of-two number of slots), or null when that is under 2 blocks. */
    static BlockCache create(long bytes, int blockSize) {
        long slots = Math.min(bytes, 1L << 30) / blockSize;
        if (slots < 2) {
            return null;
        }
        return new BlockCache(blockSize, Integer.highestOneBit((int) Math.min(slots, 1 << 30)));
    }

    int slots() { return mask + 1; }

    /** Copies {@code [from, to)} of block {@code b} to {@code dst} if the cache holds it; false on a miss or a race. */
    boolean copyIfPresent(int b, int from, int to, MemorySegment dst, long d) {
        int s = b & mask;
        StampedLock l = locks[s];
        long stamp = l.tryOptimisticRead();
        if (stamp == 0 || keys[s] != b || valid[s] < to) {
            return false;
        }
        // Racing with a fill may copy torn bytes; validate() then fails and the caller overwrites them.
        Bytes.copy(data, (long) s * blockSize + from, dst, d, to - from);
        return l.validate(stamp);
    }

    int slot(int b) { return b & mask; }

    /** A write stamp for slot {@code s}, or 0 when another thread holds it. */
    long tryLock(int s) { return locks[s].tryWriteLock(); }

    void unlock(int s, long stamp) { locks[s].unlockWrite(stamp); }

    /** Under the slot's write lock: the block the slot held before, or -1. */
    int key(int s) { return keys[s]; }

    /** Under the slot's write lock: records what the slot now holds ({@code b = -1} for nothing). */
    void set(int s, int b, int validBytes) {
        keys[s] = b;
        valid[s] = validBytes;
    }

    /** Byte offset of slot {@code s} in {@link #segment()} and {@link #buffer()}. */
    int base(int s) { return s * blockSize; }

    MemorySegment segment() { return data; }

    /** The slots as one direct buffer, used with absolute offsets only. */
    ByteBuffer buffer() { return buffer; }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
