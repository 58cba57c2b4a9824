package dev.obdj.tcmu;

import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves one ring: a ring thread takes commands as the kernel posts them and hands them to a
 * bounded pool of workers, which execute them concurrently on the {@link ScsiTarget} and
 * complete them out of order; the ring thread executes what the workers have not picked up
 * before it looks at the ring again. With zero workers the ring thread executes every command.
 *
 * <p>Kicks are combined: after publishing a completion a worker bumps a counter, and whoever
 * moves it from zero notifies the kernel, then notifies again while more completions arrived
 * during its notification. Every completion is followed by a notification issued after it was
 * published, so no wake-up is lost, and a burst of completions costs few system calls.
 */
public final class TcmuHandler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TcmuHandler.class.getName());
    private static final TcmuCommand POISON = new TcmuCommand(-1, new byte[1], new long[0], new long[0], null);
    /** How long the ring thread sleeps in poll before looking at the stop flag. */
    static final int POLL_MILLIS = 100;

    private final Ring ring;
    private final Doorbell bell;
    private final ScsiTarget target;
    private final Thread[] workers;
    private final LinkedTransferQueue<TcmuCommand> queue = new LinkedTransferQueue<>();
    private final AtomicInteger kickRequests = new AtomicInteger();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
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
    public long completed() { return completed.get(); }

    /**
     * Serves on the calling thread until {@link #stop} or until the device goes away; then waits
     * for the commands in flight, completes them and returns.
     *
     * @throws IllegalStateException when the ring turned out malformed
     */
    public void run() {
        for (Thread w : workers) w.start();
        try {
            while (!stopping) {
                int n = ring.take(this::dispatch);
                if (n > 0 && workers.length > 0) {
                    // help: execute what the workers have not picked up yet (fewer hand-offs)
                    TcmuCommand c;
                    while ((c = queue.poll()) != null && c != POISON) execute(c);
                }
                if (n == 0) {
                    try {
                        bell.await(POLL_MILLIS);
                    } catch (NativeException.DeviceGone e) {
                        LOG.info("device gone: " + e.getMessage());
                        break;
                    }
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

    private void dispatch(TcmuCommand c) {
        inFlight.incrementAndGet();
        if (workers.length == 0) {
            execute(c);
        } else {
            queue.add(c);
        }
    }

    private void workLoop() {
        while (true) {
            TcmuCommand c = queue.poll();
            if (c == null) {
                for (int spin = 0; spin < 200 && (c = queue.poll()) == null; spin++) {
                    Thread.onSpinWait();
                }
                if (c == null) {
                    try {
                        c = queue.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            if (c == POISON) return;
            execute(c);
        }
    }

    private void execute(TcmuCommand c) {
        target.execute(c);
        if (abandoned) return; // simulated crash: the response never reaches the ring
        ring.complete(c);
        completed.incrementAndGet();
        inFlight.decrementAndGet();
        if (kickRequests.getAndIncrement() == 0) {
            int seen;
            do {
                seen = kickRequests.get();
                try {
                    bell.kick();
                } catch (NativeException e) {
                    LOG.log(Level.WARNING, "notifying the kernel failed: " + e.getMessage());
                }
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
