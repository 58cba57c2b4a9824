package dev.obdj.tcmu;

import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves one ring: a ring thread takes commands as the kernel posts them, in batches, and hands
 * each batch to a bounded pool of workers, which execute them concurrently on the
 * {@link ScsiTarget} and complete them out of order. Workers claim the commands of a batch one at
 * a time (an atomic index), so a command that blocks (a remote fetch, a slow flush) holds up only
 * the worker running it: the others keep claiming the rest. The ring thread itself never executes
 * a command while there are workers, so it keeps taking new commands and keeps announcing
 * finished ones whatever the workers wait for. With zero workers the ring thread executes every
 * command, in order.
 *
 * <p>Notification is batched: a thread publishes each response as soon as its command is done
 * ({@link Ring#complete(TcmuCommand)}: the slot written, {@code cmd_tail} stored with release) but
 * notifies the kernel only after every {@value #COMPLETE_EVERY} commands and when it runs out of
 * commands to claim, so a burst costs one {@code write} per group instead of one per command.
 * Kicks are also combined across threads: a thread bumps a counter, and whoever moves it from zero
 * notifies the kernel, then notifies again while more requests arrived during its notification, so
 * no published response is left unannounced by a thread that finishes. A thread that goes idle
 * (the ring thread before it waits, a worker before it parks) notifies when responses were
 * published since the last notification, and the ring thread looks every
 * {@value #BUSY_POLL_MILLIS} ms while commands are in flight: responses finished just before a
 * long command on the same worker are announced within about a millisecond. After serving, the
 * ring thread watches {@code cmd_head} for {@value #SPIN_MICROS} µs before it sleeps in
 * {@code poll}, so a command that follows closely costs no wake-up. Command objects are recycled
 * by the ring; a batch costs one small array of references.
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
    /** Completions announced to the kernel with one kick, at most (running out of work kicks as well). */
    static final int COMPLETE_EVERY = 32;

    /** Commands taken from the ring in one look, claimed one at a time by whichever worker is free. */
    private static final class Batch {
        final TcmuCommand[] cmds;
        final AtomicInteger next = new AtomicInteger();

        Batch(TcmuCommand[] from, int n) {
            cmds = java.util.Arrays.copyOf(from, n);
        }
    }

    private static final Batch POISON = new Batch(new TcmuCommand[0], 0);

    private final Ring ring;
    private final Doorbell bell;
    private final ScsiTarget target;
    private final Thread[] workers;
    private final LinkedTransferQueue<Batch> queue = new LinkedTransferQueue<>();
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
        TcmuCommand[] own = new TcmuCommand[MAX_BATCH];
        try {
            boolean served = false;
            while (!stopping) {
                int n = workers.length == 0 ? takeAndRunAll(own) : takeAndHandOut(own);
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
    private int takeAndRunAll(TcmuCommand[] own) {
        int total = 0, n;
        do {
            n = ring.take(own);
            int unannounced = 0;
            for (int i = 0; i < n; i++) {
                target.execute(own[i]);
                if (abandoned) return total; // simulated crash: the responses never reach the ring
                ring.complete(own[i]);
                if (++unannounced == COMPLETE_EVERY || i == n - 1) {
                    kick();
                    unannounced = 0;
                }
            }
            total += n;
        } while (n == own.length && !stopping);
        return total;
    }

    /**
     * Takes one batch and offers it to one worker per command, up to all of them (an idle worker
     * spins briefly before it parks, so offers to busy workers cost little, and a command never
     * waits behind a blocked one while a worker is free); returns how many commands it took.
     */
    private int takeAndHandOut(TcmuCommand[] own) {
        int n = ring.take(own);
        if (n == 0) return 0;
        Batch b = new Batch(own, n);
        java.util.Arrays.fill(own, 0, n, null);
        int wake = Math.min(workers.length, n);
        for (int i = 0; i < wake; i++) queue.add(b);
        return n;
    }

    private void workLoop() {
        while (true) {
            Batch b = queue.poll();
            if (b == null) {
                for (int spin = 0; spin < 200 && (b = queue.poll()) == null; spin++) {
                    Thread.onSpinWait();
                }
                if (b == null) {
                    kickIfBehind();
                    try {
                        b = queue.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            if (b == POISON) return;
            drain(b);
        }
    }

    /**
     * Claims and executes commands of {@code b} until none is left, publishing each response as it
     * is done; notifies the kernel after every {@value #COMPLETE_EVERY} and when done.
     */
    private void drain(Batch b) {
        int unannounced = 0;
        for (int i; (i = b.next.getAndIncrement()) < b.cmds.length; ) {
            TcmuCommand c = b.cmds[i];
            target.execute(c);
            if (abandoned) return; // simulated crash: the responses never reach the ring
            ring.complete(c);
            if (++unannounced == COMPLETE_EVERY) {
                kick();
                unannounced = 0;
            }
        }
        if (unannounced > 0) kick();
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
