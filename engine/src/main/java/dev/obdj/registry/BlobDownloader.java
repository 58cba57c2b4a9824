package dev.obdj.registry;

import dev.obdj.StorageException;
import dev.obdj.config.ImageConfig;
import dev.obdj.io.Posix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The background whole-blob download of config.v1's {@code download} object (FORMAT-NOTES §7.1),
 * as the reference does it: one daemon thread waits {@code delay} plus a random part of
 * {@code delayExtra} seconds, then fetches each remote layer whole, in {@code blockSize} ranges, at
 * most {@code maxMBps} MiB/s, into a staging file next to its target; checks the digest of the whole
 * blob; renames the staging file to the target; and switches the layer's reads to it
 * ({@link RemoteBlob#switchTo}). A failed attempt is tried again, {@code tryCnt} attempts in all,
 * with backoff, resuming at the blocks still missing from the sparse staging file (also after a
 * restart, as the reference); a digest mismatch discards the staging file with a warning and the
 * next attempt fetches everything. Reads stay on demand meanwhile. {@link #close()} stops it promptly.
 *
 * <p>The target is {@code lowers[].dir/overlaybd.commit} (staging {@code overlaybd.download}), the
 * reference's place, which its open and obdj's take as a local layer on the next open. A layer
 * without {@code dir} goes to {@code <cacheDir>/<sha256-hex>.blob} when there is a persistent cache
 * (an obdj extension; {@link BlobCache#completeBlob} finds it on the next open), else it is skipped.
 * The rename happens only after the digest matched, so an existing target is a verified copy.
 */
public final class BlobDownloader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.obdj.registry");
    /** The reference's names inside {@code lowers[].dir}. */
    public static final String COMMIT_FILE = "overlaybd.commit", STAGING_FILE = "overlaybd.download";
    private static final long MIB = 1L << 20;

    /**
     * One blob to download.
     *
     * @param blob    the layer's remote source, switched once the copy is verified
     * @param target  where the verified copy lands
     * @param staging where it is written meanwhile
     */
    public record Job(RemoteBlob blob, Path target, Path staging) {}

    /** Outcome of one blob. */
    public enum State { PENDING, DONE, FAILED, SKIPPED }

    private final List<Job> jobs;
    private final State[] states;
    private final ImageConfig.Download settings;
    private final RegistryClient client;
    private final Duration backoffBase, backoffMax;
    private final long delayNanos;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicLong bytes = new AtomicLong(), resumed = new AtomicLong(), mismatches = new AtomicLong();
    private final Thread thread;

    private BlobDownloader(List<Job> jobs, ImageConfig.Download settings, RegistryClient client, Duration backoffBase,
                           Duration backoffMax) {
        this.jobs = List.copyOf(jobs);
        this.states = new State[jobs.size()];
        java.util.Arrays.fill(states, State.PENDING);
        this.settings = settings;
        this.client = client;
        this.backoffBase = backoffBase;
        this.backoffMax = backoffMax;
        // The reference turns delayExtra 0 into 30 s of random extra delay; obdj takes 0 as none.
        long extra = settings.delayExtra() > 0 ? ThreadLocalRandom.current().nextLong(settings.delayExtra()) : 0;
        this.delayNanos = TimeUnit.SECONDS.toNanos(Math.addExact(settings.delaySec(), extra));
        this.thread = Thread.ofPlatform().daemon().name("obdj-download").unstarted(this::run);
    }

    /**
     * Starts downloading {@code jobs} in the background with {@code settings}; the retry backoff of
     * whole-blob attempts starts at {@code backoffBase} and doubles up to {@code backoffMax}.
     */
    public static BlobDownloader start(List<Job> jobs, ImageConfig.Download settings, RegistryClient client,
                                       Duration backoffBase, Duration backoffMax) {
        BlobDownloader d = new BlobDownloader(jobs, settings, client, backoffBase, backoffMax);
        LOG.info(() -> "background download of " + jobs.size() + " blob(s) in " + TimeUnit.NANOSECONDS.toSeconds(d.delayNanos)
                + " s, maxMBps " + settings.maxMBps() + ", tryCnt " + settings.tryCnt() + ", blockSize " + settings.blockSize());
        d.thread.start();
        return d;
    }

    /** The blobs, in download order. */
    public List<Job> jobs() { return jobs; }

    /** The state of job {@code i}. */
    public synchronized State state(int i) { return states[i]; }

    /** Bytes fetched by the download so far (all attempts). */
    public long bytes() { return bytes.get(); }

    /** Bytes taken from a staging file an earlier run left (resumed), not fetched. */
    public long resumed() { return resumed.get(); }

    /** Attempts whose digest did not match. */
    public long mismatches() { return mismatches.get(); }

    /** Waits until every job is done, failed or skipped; true when that happened in time. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    private synchronized void set(int i, State s) { states[i] = s; }

    private boolean stopped() { return stop.getCount() == 0; }

    private void run() {
        try {
            if (delayNanos > 0 && stop.await(delayNanos, TimeUnit.NANOSECONDS)) return;
            for (int i = 0; i < jobs.size() && !stopped(); i++) {
                set(i, download(jobs.get(i)));
            }
        } catch (InterruptedException e) {
            // closed while waiting
        } catch (RuntimeException e) {
            LOG.warning("background download stopped: " + e);
        } finally {
            finished.countDown();
        }
    }

    private State download(Job job) throws InterruptedException {
        RemoteBlob blob = job.blob();
        if (blob.isLocal()) return State.DONE;
        MessageDigest md = digestOf(blob.name());
        if (md == null) {
            LOG.warning(blob.name() + ": no background download, the digest algorithm is not sha256 or sha512");
            return State.SKIPPED;
        }
        int tries = Math.max(1, settings.tryCnt());
        boolean fresh = false;
        for (int a = 1; a <= tries && !stopped(); a++) {
            if (a > 1) {
                long d = Math.min(backoffMax.toNanos(), backoffBase.toNanos() << Math.min(20, a - 2));
                if (stop.await(d, TimeUnit.NANOSECONDS)) break;
            }
            try {
                if (Files.isRegularFile(job.target()) && Files.size(job.target()) == blob.size()) {
                    blob.switchTo(job.target()); // another process (or an earlier open) finished it
                    return State.DONE;
                }
                Attempt r = attempt(job, md, fresh);
                if (r == Attempt.STOPPED) break;
                if (r == Attempt.MISMATCH) fresh = true; // as the reference: after a mismatch, fetch every block again
                if (r == Attempt.DONE) {
                    blob.switchTo(job.target());
                    LOG.info(() -> blob.name() + ": downloaded and verified; reads now come from " + job.target());
                    return State.DONE;
                }
                if (r == Attempt.BUSY) {
                    LOG.info(() -> blob.name() + ": another download of " + job.staging() + " is running; skipped");
                    return State.SKIPPED;
                }
            } catch (IOException | StorageException e) {
                if (stopped()) break;
                LOG.warning(blob.name() + ": background download attempt " + a + " of " + tries + " failed: " + e.getMessage());
            }
        }
        return stopped() ? State.PENDING : State.FAILED;
    }

    private enum Attempt { DONE, MISMATCH, STOPPED, BUSY }

    /**
     * One whole download into the staging file; renames it to the target when the digest matches.
     * Unless {@code fresh}, blocks an earlier run already wrote (no hole in the sparse staging file,
     * as the reference checks with {@code SEEK_HOLE}) are read back instead of fetched; the digest
     * covers them all the same.
     */
    private Attempt attempt(Job job, MessageDigest md, boolean fresh) throws IOException, InterruptedException {
        RemoteBlob blob = job.blob();
        Files.createDirectories(job.staging().getParent());
        boolean discard = false;
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(job.staging().toFile(), "rw");
             FileChannel ch = raf.getChannel()) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) return Attempt.BUSY;
            long size = blob.size();
            if (fresh) ch.truncate(0);
            raf.setLength(size); // sparse: holes are what is still to fetch
            md.reset();
            int bs = (int) Math.max(1, Math.min(64 * MIB, Math.min(settings.blockSize(), size)));
            byte[] buf = new byte[bs];
            double rate = settings.maxMBps() > 0 ? settings.maxMBps() * (double) MIB : 0; // bytes per second, as the reference
            long t0 = System.nanoTime(), done = 0, fetched = 0;
            try (Holes holes = fresh ? null : Holes.open(job.staging())) {
                while (done < size) {
                    if (stopped()) return Attempt.STOPPED;
                    int n = (int) Math.min(bs, size - done);
                    if (holes != null && holes.written(done, n)) {
                        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                        long at = done;
                        while (bb.hasRemaining()) {
                            int r = ch.read(bb, at);
                            if (r < 0) throw new IOException(job.staging() + ": shorter than " + size + " bytes");
                            at += r;
                        }
                        resumed.addAndGet(n);
                    } else {
                        try {
                            client.fetch(blob.url(), blob.name(), done, buf, 0, n);
                        } catch (FetchFailedException e) {
                            if (stopped()) return Attempt.STOPPED;
                            throw new IOException(e.getMessage(), e);
                        }
                        bytes.addAndGet(n);
                        fetched += n;
                        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                        long at = done;
                        while (bb.hasRemaining()) at += ch.write(bb, at);
                    }
                    md.update(buf, 0, n);
                    done += n;
                    if (rate > 0 && fetched > 0) { // pace: never ahead of fetched/rate
                        long due = t0 + (long) (fetched / rate * 1e9) - System.nanoTime();
                        if (due > 0 && stop.await(due, TimeUnit.NANOSECONDS)) return Attempt.STOPPED;
                    }
                }
            }
            String got = blob.name().substring(0, blob.name().indexOf(':') + 1) + HexFormat.of().formatHex(md.digest());
            if (!got.equals(blob.name())) {
                mismatches.incrementAndGet();
                discard = true;
                LOG.warning(blob.name() + ": the downloaded blob's digest is " + got + "; the download is discarded and reads "
                        + "stay on demand");
                return Attempt.MISMATCH;
            }
            ch.force(true);
            try {
                Files.move(job.staging(), job.target(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(job.staging(), job.target(), StandardCopyOption.REPLACE_EXISTING);
            }
            return Attempt.DONE;
        } finally {
            // A mismatch starts over; an interrupted or failed download stays for the next attempt or run.
            if (discard) Files.deleteIfExists(job.staging());
        }
    }

    /** Which parts of a sparse file were written ({@code SEEK_HOLE}); null where the native call is not available. */
    private record Holes(Posix.Fd fd) implements AutoCloseable {
        static Holes open(Path p) {
            try {
                return new Holes(Posix.open(p, Posix.O_RDONLY));
            } catch (RuntimeException | LinkageError e) {
                LOG.fine(() -> p + ": no SEEK_HOLE (" + e + "); the download starts over");
                return null;
            }
        }

        boolean written(long offset, long length) {
            long hole = Posix.lseek(fd, offset, Posix.SEEK_HOLE);
            return hole >= offset + length;
        }

        @Override
        public void close() {
            fd.close();
        }
    }

    private static MessageDigest digestOf(String digest) {
        String alg = digest.startsWith("sha256:") ? "SHA-256" : digest.startsWith("sha512:") ? "SHA-512" : null;
        if (alg == null) return null;
        try {
            return MessageDigest.getInstance(alg);
        } catch (NoSuchAlgorithmException e) {
            return null;
        }
    }

    /** Stops the download (the current range request is interrupted) and waits for the thread, bounded. */
    @Override
    public void close() {
        stop.countDown();
        thread.interrupt();
        try {
            if (!finished.await(10, TimeUnit.SECONDS)) {
                LOG.warning("background download did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
