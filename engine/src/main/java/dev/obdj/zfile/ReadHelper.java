package dev.obdj.zfile;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Daemon threads that help with a large read, so its blocks are checked and decoded on two cores.
 * The read is cut into chunks of whole blocks that the reader and its helper claim in order from a
 * shared counter. The reader never waits for a helper that has not started: it takes the chunks
 * itself and cancels the job, so a helper that the scheduler keeps off the CPU costs at most the
 * chunk it already claimed. A reader {@linkplain #tryAcquire claims} an idle helper or reads alone
 * (never a queue). Nothing is allocated per read. A helper spins briefly after a job, so the next
 * read of a sequential stream finds it awake, then parks.
 */
final class ReadHelper {
    private static final int IDLE = 0, CLAIMED = 1, WORK = 2, RUNNING = 3, DONE = 4;
    private static final long SPIN_NANOS = 100_000;
    private static final VarHandle STATE;
    private static final VarHandle NEXT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(ReadHelper.class, "state", int.class);
            NEXT = l.findVarHandle(ReadHelper.class, "next", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Helpers: one fewer than the processors, at most 3; none on one processor. */
    private static final ReadHelper[] HELPERS = create(Math.min(3, Runtime.getRuntime().availableProcessors() - 1));

    private static ReadHelper[] create(int n) {
        ReadHelper[] h = new ReadHelper[Math.max(0, n)];
        for (int i = 0; i < h.length; i++) {
            h[i] = new ReadHelper(i);
        }
        return h;
    }

    private volatile int state;
    private volatile int next;      // next chunk to claim
    private final Thread thread;    // started on first claim
    private boolean started;
    private volatile Thread owner;
    // the job; written by the owner before state = WORK
    private ZFileReader reader;
    private long position;
    private long end;
    private int firstBlock;
    private int shift;
    private int chunkBlocks;
    private int chunks;
    private MemorySegment dst;
    private long dstOffset;
    private int failedChunk;        // lowest chunk that failed, or -1; guarded by this
    private RuntimeException failure;

    private ReadHelper(int id) {
        thread = new Thread(this::loop, "obdj-zfile-read-" + id);
        thread.setDaemon(true);
    }

    /** Helper threads that exist on this machine (0 on one processor). */
    static int available() {
        return HELPERS.length;
    }

    /**
     * An idle helper that can write {@code dst} (a confined segment cannot be shared), now the
     * caller's until {@link #read} returns; null when there is none.
     */
    static ReadHelper tryAcquire(MemorySegment dst) {
        for (ReadHelper h : HELPERS) {
            if (h.state == IDLE && dst.isAccessibleBy(h.thread) && STATE.compareAndSet(h, IDLE, CLAIMED)) {
                return h;
            }
        }
        return null;
    }

    /**
     * Reads {@code [position, position+length)} of {@code reader} into {@code dst} with this
     * helper, in chunks of {@code chunkBlocks} blocks, then frees the helper. On a failure the
     * destination is zeroed from the failing block on and the failure of the lowest failing chunk
     * is thrown, as a serial read would.
     */
    void read(ZFileReader reader, int shift, int chunkBlocks, long position, MemorySegment dst, long dstOffset, long length) {
        this.reader = reader;
        this.position = position;
        this.end = position + length;
        this.shift = shift;
        this.firstBlock = (int) (position >>> shift);
        int lastBlock = (int) ((end - 1) >>> shift);
        this.chunkBlocks = chunkBlocks;
        this.chunks = (lastBlock - firstBlock) / chunkBlocks + 1;
        this.dst = dst;
        this.dstOffset = dstOffset;
        this.failedChunk = -1;
        this.failure = null;
        this.owner = Thread.currentThread();
        next = 0;
        state = WORK;
        if (!started) { // only the claiming thread gets here, and claims are ordered by the state CAS
            started = true;
            thread.start();
        } else {
            LockSupport.unpark(thread);
        }
        try {
            work();
        } finally {
            if (!STATE.compareAndSet(this, WORK, DONE)) { // the helper started: wait for its last chunk
                long until = System.nanoTime() + SPIN_NANOS;
                while (state != DONE) {
                    if (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.parkNanos(this, 50_000);
                    }
                }
            }
            state = CLAIMED;
        }
        RuntimeException f;
        int fc;
        synchronized (this) {
            f = failure;
            fc = failedChunk;
        }
        this.reader = null;
        this.dst = null;
        this.failure = null;
        this.owner = null;
        state = IDLE;
        if (f != null) {
            long zeroFrom = Math.min(end, chunkStart(fc + 1)); // the failing chunk zeroed its own rest
            if (zeroFrom < end) {
                dst.asSlice(dstOffset + (zeroFrom - position), end - zeroFrom).fill((byte) 0);
            }
            throw f;
        }
    }

    private long chunkStart(int c) {
        return c == 0 ? position : Math.min(end, (long) (firstBlock + c * chunkBlocks) << shift);
    }

    /** Claims and reads chunks until none is left or one has failed. */
    private void work() {
        while (true) {
            int c = (int) NEXT.getAndAdd(this, 1);
            if (c >= chunks) {
                return;
            }
            synchronized (this) {
                if (failedChunk >= 0 && c > failedChunk) {
                    return; // zeroed anyway; chunks before the failure are still read
                }
            }
            long from = chunkStart(c);
            long to = chunkStart(c + 1);
            try {
                reader.readRange(from, dst, dstOffset + (from - position), to - from);
            } catch (RuntimeException e) {
                synchronized (this) {
                    if (failedChunk < 0 || c < failedChunk) {
                        failedChunk = c;
                        failure = e;
                    }
                }
            }
        }
    }

    private void loop() {
        while (true) {
            long until = System.nanoTime() + SPIN_NANOS;
            while (state != WORK) {
                if (System.nanoTime() < until) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (!STATE.compareAndSet(this, WORK, RUNNING)) {
                continue; // the owner finished alone and cancelled
            }
            try {
                work();
            } catch (Error e) {
                synchronized (this) {
                    failedChunk = 0;
                    failure = new IllegalStateException("read helper failed", e);
                }
            }
            Thread o = owner;
            state = DONE;
            LockSupport.unpark(o);
        }
    }
}
