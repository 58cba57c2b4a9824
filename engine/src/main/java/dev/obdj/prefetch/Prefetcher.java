package dev.obdj.prefetch;

import dev.obdj.io.ByteSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Replay of a trace (§7.3): N background workers read the recorded ranges, at most 1 MiB each,
 * through the layers' sources, which fills the registry cache before the ranges are asked for.
 * Failures are logged and skipped; a read that needs the same unit waits for the worker's fetch
 * instead of starting another.
 */
public final class Prefetcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.obdj.prefetch");
    private static final long MAX_READ = 1 << 20;

    private record Task(ByteSource src, long offset, long length) {}

    private final ConcurrentLinkedQueue<Task> queue = new ConcurrentLinkedQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private final CountDownLatch finished;
    private final AtomicLong done = new AtomicLong(), failed = new AtomicLong(), bytes = new AtomicLong();
    private final long total;
    private volatile boolean stopped;

    private Prefetcher(List<Trace.Record> records, List<ByteSource> lowers, int workers) {
        long n = 0;
        for (Trace.Record r : records) {
            if (r.op() != 'R' || r.layer() < 0 || r.layer() >= lowers.size() || r.count() <= 0) continue;
            ByteSource s = lowers.get(r.layer());
            long end = Math.min(s.size(), r.offset() + r.count());
            for (long at = Math.max(0, r.offset()); at < end; at += MAX_READ) {
                queue.add(new Task(s, at, Math.min(MAX_READ, end - at)));
                n++;
            }
        }
        this.total = n;
        int w = (int) Math.max(1, Math.min(workers, n));
        this.finished = new CountDownLatch(w);
        for (int i = 0; i < w; i++) {
            this.workers.add(Thread.ofPlatform().daemon().name("obdj-prefetch-" + i).unstarted(this::work));
        }
    }

    /** Starts replaying {@code records} over {@code lowers} (index = layer index) with {@code workers} threads. */
    public static Prefetcher start(List<Trace.Record> records, List<ByteSource> lowers, int workers) {
        Prefetcher p = new Prefetcher(records, lowers, workers);
        p.workers.forEach(Thread::start);
        return p;
    }

    private void work() {
        try {
            byte[] buf = new byte[(int) MAX_READ];
            MemorySegment seg = MemorySegment.ofArray(buf);
            Task t;
            while (!stopped && (t = queue.poll()) != null) {
                try {
                    t.src.read(t.offset, seg, 0, t.length);
                    bytes.addAndGet(t.length);
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    Task f = t;
                    LOG.fine(() -> "prefetch of " + f.src.name() + " [" + f.offset + ", +" + f.length + ") failed: " + e.getMessage());
                }
                done.incrementAndGet();
            }
        } finally {
            finished.countDown();
        }
    }

    /** Ranges queued in all. */
    public long total() { return total; }

    /** Ranges read (or failed) so far. */
    public long done() { return done.get(); }

    /** Ranges that failed. */
    public long failed() { return failed.get(); }

    /** Waits until every range was read; true when finished in time. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    /** Stops the workers after their current read and waits for them (bounded). */
    @Override
    public void close() {
        stopped = true;
        try {
            if (!finished.await(30, TimeUnit.SECONDS)) {
                LOG.warning("prefetch workers did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
