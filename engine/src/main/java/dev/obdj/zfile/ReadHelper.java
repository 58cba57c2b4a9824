package dev.obdj.zfile;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Daemon threads that take one part of a large read, so its blocks are checked and decoded on two
 * cores. A reader {@linkplain #tryAcquire claims} an idle helper (or does the whole read itself
 * when none is idle: never a queue, never a wait for a free helper), hands it a range, reads its own
 * range and {@linkplain #join joins}. Nothing is allocated per read. A helper spins briefly after
 * a job, so the next read of a sequential stream finds it awake, then parks.
 */
final class ReadHelper {
    private static final int IDLE = 0, CLAIMED = 1, WORK = 2, DONE = 3;
    private static final long SPIN_NANOS = 500_000;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ReadHelper.class, "state", int.class);
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
    private final Thread thread; // started on first claim
    private boolean started;
    private final int id;
    private volatile Thread owner;
    // the job; written by the owner before state = WORK, read by the helper after
    private ZFileReader source;
    private long position;
    private MemorySegment dst;
    private long dstOffset;
    private long length;
    private RuntimeException failure;

    private ReadHelper(int id) {
        this.id = id;
        thread = new Thread(this::loop, "obdj-zfile-read-" + id);
        thread.setDaemon(true);
    }

    /** Helper threads that exist on this machine (0 on one processor). */
    static int available() {
        return HELPERS.length;
    }

    /**
     * An idle helper that can write {@code dst} (a confined segment cannot be shared), now the
     * caller's until {@link #join}; null when there is none.
     */
    static ReadHelper tryAcquire(MemorySegment dst) {
        for (ReadHelper h : HELPERS) {
            if (h.state == IDLE && dst.isAccessibleBy(h.thread) && STATE.compareAndSet(h, IDLE, CLAIMED)) {
                return h;
            }
        }
        return null;
    }

    /** Starts {@code source.readRange(position, dst, dstOffset, length)} on the helper thread. */
    void start(ZFileReader source, long position, MemorySegment dst, long dstOffset, long length) {
        this.source = source;
        this.position = position;
        this.dst = dst;
        this.dstOffset = dstOffset;
        this.length = length;
        this.owner = Thread.currentThread();
        state = WORK;
        if (!started) { // only the claiming thread gets here, and claims are ordered by the state CAS
            started = true;
            thread.start();
        } else {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Waits for the job and frees the helper.
     *
     * @return the job's failure (its range zeroed from the failing block on), or null
     */
    RuntimeException join() {
        long until = 0;
        while (state != DONE) {
            if (until == 0) {
                until = System.nanoTime() + SPIN_NANOS;
            } else if (System.nanoTime() < until) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 100_000);
            }
        }
        RuntimeException f = failure;
        failure = null;
        source = null;
        dst = null;
        owner = null;
        state = IDLE;
        return f;
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
            try {
                source.readRange(position, dst, dstOffset, length);
            } catch (RuntimeException e) {
                failure = e;
            } catch (Error e) {
                failure = new IllegalStateException("read helper failed", e);
            }
            Thread o = owner;
            state = DONE;
            LockSupport.unpark(o);
        }
    }
}
