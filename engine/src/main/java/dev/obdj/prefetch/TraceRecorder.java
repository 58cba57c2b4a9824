package dev.obdj.prefetch;

import dev.obdj.StorageException;
import dev.obdj.io.ByteSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Record mode of the reference's trace prefetch (§7.3): started when the trace file exists and is
 * empty. Creates {@code <trace>.lock}; every successful full-length read of a lower layer is
 * logged; the trace is written when the lock file is deleted or the image closes, then
 * {@code <trace>.ok} is created and the lock removed.
 */
public final class TraceRecorder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.obdj.prefetch");
    /** Records kept at most (24 bytes each); reads beyond are not recorded. */
    public static final int MAX_RECORDS = 1 << 22;

    private final Path trace;
    private final Path lock;
    private final Path ok;
    private final List<Trace.Record> records = new ArrayList<>(); // guarded by this
    private boolean done; // guarded by this
    private final Thread watcher;

    private TraceRecorder(Path trace) {
        this.trace = trace;
        this.lock = trace.resolveSibling(trace.getFileName() + ".lock");
        this.ok = trace.resolveSibling(trace.getFileName() + ".ok");
        try {
            Files.deleteIfExists(ok);
            Files.writeString(lock, "");
        } catch (IOException e) {
            throw new StorageException(lock.toString(), "create trace lock", e);
        }
        this.watcher = Thread.ofPlatform().daemon().name("obdj-trace-watch").unstarted(this::watch);
    }

    /** Starts recording to {@code trace} (an existing empty file). */
    public static TraceRecorder start(Path trace) {
        TraceRecorder r = new TraceRecorder(trace);
        r.watcher.start();
        return r;
    }

    private void watch() {
        while (!isDone()) {
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            if (!Files.exists(lock)) {
                finish();
                return;
            }
        }
    }

    private synchronized boolean isDone() {
        return done;
    }

    /** Wraps lower layer {@code index}'s (decompressed) source so its reads are recorded. */
    public ByteSource wrap(ByteSource src, int index) {
        return new Recording(src, index);
    }

    void record(int layer, long offset, long count) {
        synchronized (this) {
            if (!done && records.size() < MAX_RECORDS) {
                records.add(new Trace.Record('R', layer, count, offset));
            }
        }
    }

    /** Records so far. */
    public synchronized int size() {
        return records.size();
    }

    /** Writes the trace and the {@code .ok} file (once). */
    public void finish() {
        List<Trace.Record> copy;
        synchronized (this) {
            if (done) return;
            done = true;
            copy = List.copyOf(records);
            records.clear();
        }
        Trace.write(trace, copy);
        try {
            Files.writeString(ok, "");
            Files.deleteIfExists(lock);
        } catch (IOException e) {
            LOG.warning(ok + ": " + e);
        }
        LOG.fine(() -> trace + ": trace of " + copy.size() + " reads written");
    }

    @Override
    public void close() {
        finish();
        watcher.interrupt();
    }

    private final class Recording implements ByteSource {
        private final ByteSource src;
        private final int index;

        Recording(ByteSource src, int index) {
            this.src = src;
            this.index = index;
        }

        @Override public String name() { return src.name(); }
        @Override public long size() { return src.size(); }
        @Override public MemorySegment segment() { return src.segment(); }
        @Override public Path path() { return src.path(); }
        @Override public boolean evict(long position, long length) { return src.evict(position, length); }

        @Override
        public void read(long position, MemorySegment dst, long dstOffset, long length) {
            src.read(position, dst, dstOffset, length);
            record(index, position, length);
        }

        @Override
        public void close() {
            src.close();
        }
    }
}
