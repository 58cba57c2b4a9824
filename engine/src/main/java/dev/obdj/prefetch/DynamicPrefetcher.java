package dev.obdj.prefetch;

import dev.obdj.StorageException;
import dev.obdj.io.ByteSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The reference's "dynamic" prefetch (FORMAT-NOTES §7.3): the prefetch file is a list of paths
 * inside the image's filesystem instead of a recorded trace. In the background, the filesystem
 * on the image is opened, each listed file (or every file under a listed directory,
 * written with a trailing {@code /}) is mapped to the disk ranges holding its data, as fiemap
 * gives them, and those ranges of the image are read by {@link Prefetcher} workers, which fills
 * the registry cache. The filesystem is ext4 (ext2/3 too) or EROFS, as in the reference. Paths
 * that do not resolve are logged and skipped; a disk with neither prefetches nothing, with a warning.
 */
public final class DynamicPrefetcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.obdj.prefetch");
    /** The reference refuses longer lists. */
    public static final int MAX_LIST_BYTES = 65536;
    private static final long MAX_READ = 1 << 20, SECTOR = 512;
    // The reference's filter (its regex, matched against the whole line after trimming spaces).
    private static final Pattern PATH = Pattern.compile("/?((([a-zA-Z0-9_\\-.]+/)*[a-zA-Z0-9_\\-.]+/?)|(\\.\\.?))?");

    private final List<String> entries;
    private final ByteSource disk;
    private final int workers;
    private final Thread planner;
    private final CountDownLatch planned = new CountDownLatch(1);
    private volatile List<Trace.Record> plan = List.of();
    private volatile Prefetcher prefetcher;
    private volatile boolean stopped;

    private DynamicPrefetcher(List<String> entries, ByteSource disk, int workers) {
        this.entries = List.copyOf(entries);
        this.disk = disk;
        this.workers = workers;
        this.planner = Thread.ofPlatform().daemon().name("obdj-prefetch-plan").unstarted(this::run);
    }

    /**
     * Reads a prefetch list as the reference does: at most {@link #MAX_LIST_BYTES} bytes (a longer
     * file gives no entries, with a warning), one path per line, spaces trimmed at both ends, lines
     * that are empty or not plain paths ({@code [A-Za-z0-9_.-]} names separated by {@code /}) skipped.
     */
    public static List<String> readList(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_LIST_BYTES) {
                LOG.warning(file + ": the prefetch list has " + size + " bytes, more than " + MAX_LIST_BYTES + "; nothing prefetched");
                return List.of();
            }
            return parseList(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new StorageException(file.toString(), "read the prefetch list", e);
        }
    }

    /** The entries of prefetch list text (see {@link #readList}). */
    public static List<String> parseList(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String t = strip(line);
            if (!t.isEmpty() && PATH.matcher(t).matches()) out.add(t);
        }
        return out;
    }

    private static String strip(String s) {
        int a = 0, b = s.length();
        while (a < b && s.charAt(a) == ' ') a++;
        while (b > a && s.charAt(b - 1) == ' ') b--;
        return s.substring(a, b);
    }

    /** Starts planning and prefetching {@code entries} on {@code disk} (the image) with {@code workers} readers. */
    public static DynamicPrefetcher start(List<String> entries, ByteSource disk, int workers) {
        DynamicPrefetcher d = new DynamicPrefetcher(entries, disk, workers);
        d.planner.start();
        return d;
    }

    /**
     * The disk ranges of the entries on the filesystem of {@code disk}, as the reference computes
     * them: per file, its extents in file order, the total cut at the file size rounded up to 512
     * bytes, split in reads of at most 1 MiB (layer index 0 stands for the whole image). Never
     * throws: a path that cannot be resolved or mapped is logged and skipped, a damaged superblock
     * gives no ranges.
     */
    public static List<Trace.Record> plan(List<String> entries, ByteSource disk) {
        return plan(entries, disk, () -> false);
    }

    private static List<Trace.Record> plan(List<String> entries, ByteSource disk, java.util.function.BooleanSupplier stop) {
        List<Trace.Record> out = new ArrayList<>();
        ImageFs fs;
        try {
            fs = ImageFs.open(disk);
        } catch (RuntimeException e) {
            LOG.warning(disk.name() + ": the image's filesystem cannot be read (" + e.getMessage() + "); the prefetch list is not used");
            return out;
        }
        if (fs == null) {
            LOG.warning(disk.name() + ": neither ext4 nor EROFS on the image; the prefetch list is not used");
            return out;
        }
        for (String entry : entries) {
            List<String> files;
            try {
                files = entry.endsWith("/") || entry.endsWith("*") ? fs.walk(entry) : List.of(entry);
            } catch (RuntimeException e) {
                LOG.warning("prefetch list: " + entry + ": " + e.getMessage());
                continue;
            }
            for (String f : files) {
                if (stop.getAsBoolean()) return out;
                ImageFs.Node ino;
                List<ImageFs.Extent> extents;
                try {
                    ino = fs.lookup(f);
                    extents = ino == null || ino.isLink() ? null : fs.extents(ino);
                } catch (RuntimeException e) { // a damaged inode or directory: that path only, as the reference
                    LOG.warning("prefetch list: " + f + ": " + e.getMessage());
                    continue;
                }
                if (extents == null) {
                    LOG.info("prefetch list: no such file in the image: " + f);
                    continue;
                }
                long count = (ino.size() + SECTOR - 1) / SECTOR * SECTOR;
                for (ImageFs.Extent x : extents) {
                    long c = Math.min(x.length(), count);
                    count -= c;
                    for (long at = 0; at < c; at += MAX_READ) {
                        out.add(new Trace.Record('R', 0, Math.min(MAX_READ, c - at), x.physical() + at));
                    }
                }
            }
        }
        return out;
    }

    private void run() {
        try {
            List<Trace.Record> p = plan(entries, disk, () -> stopped);
            plan = List.copyOf(p);
            LOG.info(() -> "prefetch list: " + entries.size() + " entries, " + plan.size() + " ranges");
            synchronized (this) {
                if (!stopped && !p.isEmpty()) prefetcher = Prefetcher.start(p, List.of(disk), workers);
            }
        } catch (RuntimeException e) {
            LOG.warning("prefetch list: " + e.getMessage());
        } finally {
            planned.countDown();
        }
    }

    /** The ranges planned (empty until planning finished). */
    public List<Trace.Record> ranges() { return plan; }

    /** Waits until the ranges are planned and read; true when that happened in time. */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        if (!planned.await(timeout, unit)) return false;
        Prefetcher p = prefetcher;
        return p == null || p.await(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Stops planning (after the path being resolved) and the workers, and waits for them (bounded). */
    @Override
    public void close() {
        Prefetcher p;
        synchronized (this) {
            stopped = true;
            p = prefetcher;
        }
        if (p != null) p.close();
        try {
            if (!planned.await(30, TimeUnit.SECONDS)) LOG.warning("prefetch planning did not stop within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
