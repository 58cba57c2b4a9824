package dev.obdj.tcmu;

import java.util.ArrayDeque;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves one ring: a ring thread takes commands as the kernel posts them, in batches, and shares
 * each batch with a bounded pool of workers, which execute them concurrently on the
 * {@link ScsiTarget} and complete them out of order. A batch is cut into chunks (at least
 * {@value #MIN_CHUNK} commands each, one per thread at most): the ring thread queues all chunks
 * but the last for the workers, executes the last itself, then helps with what the workers have
 * not picked up before it looks at the ring again. A single command is therefore executed on the
 * ring thread with no hand-off. With zero workers the ring thread executes every command.
 *
 * <p>Notification is batched: a thread publishes each response as soon as its command is done
 * ({@link Ring#complete(TcmuCommand)}: the slot written, {@code cmd_tail} stored with release) but
 * notifies the kernel only after every {@value #COMPLETE_EVERY} commands and at the end of its
 * chunk, so a burst costs one {@code write} per group instead of one per command. Kicks are also
 * combined across threads: a thread bumps a counter, and whoever moves it from zero notifies the
 * kernel, then notifies again while more requests arrived during its notification, so no
 * published response is left unannounced by a thread that finishes. A thread that goes idle (the
 * ring thread before it waits, a worker before it parks) notifies when responses were published
 * since the last notification, and the ring thread looks every {@value #BUSY_POLL_MILLIS} ms while
 * commands are in flight: responses finished just before a long command (a flush, a remote fetch)
 * on the same thread are announced within about a millisecond. After serving, the ring thread
 * watches {@code cmd_head} for {@value #SPIN_MICROS} µs before it sleeps in {@code poll}, so a
 * command that follows closely costs no wake-up. Nothing is allocated per command:
 * command objects are recycled by the ring and chunks by the handler.
 */
public final class TcmuHandler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TcmuHandler.class.getName());
    /** How long the ring thread sleeps in poll before looking at the stop flag. */
    static final int POLL_MILLIS = 100;
    /** As {@link #POLL_MILLIS} while commands are in flight (to announce ones done behind a long command). */
    static final int BUSY_POLL_MILLIS = 1;
    /** How long the ring thread watches for a next command after serving before it sleeps. */
    static final int SPIN_MICROS = 30;
    /** Commands taken from the ring at most per look. */
    static final int MAX_BATCH = 256;
    /** Fewer commands than this are not worth waking another thread for. */
    static final int MIN_CHUNK = 8;
    /** Completions announced to the kernel with one kick, at most (a chunk end kicks as well). */
    static final int COMPLETE_EVERY = 32;

    /** Commands handed to one thread at once; recycled through {@link #spareChunks}. */
    private static final class Chunk {
        final TcmuCommand[] cmds = new TcmuCommand[MAX_BATCH];
        int n;
    }

    private static final Chunk POISON = new Chunk();

    private final Ring ring;
    private final Doorbell bell;
    private final ScsiTarget target;
    private final Thread[] workers;
    private final LinkedTransferQueue<Chunk> queue = new LinkedTransferQueue<>();
    private final ArrayDeque<Chunk> spareChunks = new ArrayDeque<>(); // guarded by itself
    private final AtomicInteger kickRequests = new AtomicInteger();
    /** {@link Ring#completedTotal()} when the last notification started; written by the kicking thread. */
    private volatile long announced;
    private volatile boolean stopping;
    private volatile boolean abandoned;
    private volatile Throwable failure;

    /**
     * @param workers threads executing commands (0: the ring thread executes them in order)
     */
    public TcmuHandler(Ring ring, Doorbell bell, ScsiTarget target, int workers) {
        if (workers < 0 || workers > 256) throw new IllegalArgumentException("workers " + workers);
        this.ring = ring;
        this.bell = bell;
        this.target = target;
        this.workers = new Thread[workers];
        for (int i = 0; i < workers; i++) {
            this.workers[i] = Thread.ofPlatform().daemon().name("tcmu-worker-" + i).unstarted(this::workLoop);
        }
    }

    public Ring ring() { return ring; }

    public ScsiTarget target() { return target; }

    /** Commands completed so far. */
    public long completed() { return ring.completedTotal(); }

    /**
     * Serves on the calling thread until {@link #stop} or until the device goes away; then waits
     * for the commands in flight, completes them and returns.
     *
     * @throws IllegalStateException when the ring turned out malformed
     */
    public void run() {
        for (Thread w : workers) w.start();
        Chunk own = new Chunk();
        try {
            boolean served = false;
            while (!stopping) {
                int n = workers.length == 0 ? takeAndRunAll(own) : takeAndShare(own);
                if (n == 0) {
                    kickIfBehind();
                    if (served && awaitHead()) {
                        continue; // the next command came while spinning: no sleep, no wake-up
                    }
                    served = false;
                    try {
                        // while commands run elsewhere, look again soon: one may finish behind a long one
                        bell.await(ring.pendingBytes() != 0 ? BUSY_POLL_MILLIS : POLL_MILLIS);
                    } catch (NativeException.DeviceGone e) {
                        LOG.info("device gone: " + e.getMessage());
                        break;
                    }
                } else {
                    served = true;
                }
            }
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            for (int i = 0; i < workers.length; i++) queue.add(POISON);
            for (Thread w : workers) {
                try {
                    w.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * Right after serving, watches {@code cmd_head} for up to {@value #SPIN_MICROS} µs before the
     * ring thread goes to sleep: a command that follows closely (queue depth 1, a synchronous
     * writer) is taken without a sleep and a wake-up. Returns true when one came.
     */
    private boolean awaitHead() {
        long deadline = System.nanoTime() + SPIN_MICROS * 1000L;
        while (!stopping) {
            for (int i = 0; i < 64; i++) {
                if (ring.hasNew()) return true;
                Thread.onSpinWait();
            }
            if (System.nanoTime() - deadline > 0) return false;
        }
        return false;
    }

    /** No workers: take and execute in order until the ring is empty; returns how many. */
    private int takeAndRunAll(Chunk own) {
        int total = 0, n;
        do {
            n = ring.take(own.cmds);
            if (n > 0) runChunk(own.cmds, n);
            total += n;
        } while (n == own.cmds.length && !stopping);
        return total;
    }

    /** Takes one batch, queues all chunks of it but the last, executes that and helps with the rest. */
    private int takeAndShare(Chunk own) {
        TcmuCommand[] cmds = own.cmds;
        int n = ring.take(cmds);
        if (n == 0) return 0;
        int parts = Math.max(1, Math.min(workers.length + 1, n / MIN_CHUNK));
        int per = (n + parts - 1) / parts;
        int mine = n - per * (parts - 1);
        for (int from = mine; from < n; from += per) {
            Chunk c = obtainChunk();
            System.arraycopy(cmds, from, c.cmds, 0, per);
            c.n = per;
            queue.add(c);
        }
        runChunk(cmds, mine);
        Chunk c;
        while ((c = queue.poll()) != null) {
            runChunk(c.cmds, c.n);
            releaseChunk(c);
        }
        return n;
    }

    private Chunk obtainChunk() {
        synchronized (spareChunks) {
            Chunk c = spareChunks.pollFirst();
            if (c != null) return c;
        }
        return new Chunk();
    }

    private void releaseChunk(Chunk c) {
        java.util.Arrays.fill(c.cmds, 0, c.n, null);
        c.n = 0;
        synchronized (spareChunks) {
            spareChunks.addFirst(c);
        }
    }

    private void workLoop() {
        while (true) {
            Chunk c = queue.poll();
            if (c == null) {
                for (int spin = 0; spin < 200 && (c = queue.poll()) == null; spin++) {
                    Thread.onSpinWait();
                }
                if (c == null) {
                    kickIfBehind();
                    try {
                        c = queue.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            if (c == POISON) return;
            runChunk(c.cmds, c.n);
            releaseChunk(c);
        }
    }

    /**
     * Executes {@code cs[0..n)}, publishing each response as it is done, and notifies the kernel
     * after every {@value #COMPLETE_EVERY} and after the last.
     */
    private void runChunk(TcmuCommand[] cs, int n) {
        int unannounced = 0;
        for (int i = 0; i < n; i++) {
            TcmuCommand c = cs[i];
            target.execute(c);
            if (abandoned) return; // simulated crash: the responses never reach the ring
            ring.complete(c);
            if (++unannounced == COMPLETE_EVERY || i == n - 1) {
                kick();
                unannounced = 0;
            }
        }
    }

    /**
     * Notifies the kernel if responses were published since the last notification: the backstop
     * for a thread that sits in a long command with finished ones not yet announced.
     */
    private void kickIfBehind() {
        if (ring.completedTotal() != announced) kick();
    }

    private void kick() {
        if (kickRequests.getAndIncrement() == 0) {
            int seen;
            do {
                seen = kickRequests.get();
                long published = ring.completedTotal();
                try {
                    bell.kick();
                } catch (NativeException e) {
                    LOG.log(Level.WARNING, "notifying the kernel failed: " + e.getMessage());
                }
                announced = published;
            } while (kickRequests.addAndGet(-seen) != 0);
        }
    }

    /** Asks {@link #run} to return after the commands in flight are done. */
    public void stop() {
        stopping = true;
    }

    /**
     * Test hook: behaves as if the process died now. Commands in flight are never completed;
     * the ring thread stops taking new ones.
     */
    void abandon() {
        abandoned = true;
        stopping = true;
    }

    /** The error that ended {@link #run}, or null. */
    public Throwable failure() { return failure; }

    @Override
    public void close() {
        stop();
    }
}
