package dev.obdj.registry;

import dev.obdj.StorageException;
import dev.obdj.io.Posix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import java.util.zip.CRC32C;

/**
 * A persistent cache of registry blob ranges in one directory, shared by every image of a process
 * ({@link #open} returns the process's instance for the directory) and safe to share between processes.
 *
 * <p>Layout: per blob, {@code <algo>-<hex>.data} is a sparse file of the blob's size holding the
 * fetched refill units at their own offsets, and {@code <algo>-<hex>.map} lists the units held, each
 * with the CRC32C of its bytes. The map is small (8 bytes per unit) and ends with a CRC32C of itself;
 * it is replaced atomically (write a temporary file, rename). {@code <algo>-<hex>.lock} serialises
 * writers of one blob across processes ({@link FileLock}); {@code cache.lock} serialises evictions.
 *
 * <p>Nothing on disk is trusted: a map that does not check (torn, truncated, another unit size) is
 * rebuilt empty and its data file emptied; a unit's CRC is verified every time it is read from
 * disk (it is then kept in memory by the reader), and a mismatch drops the unit so it is fetched again. The total of units held is bounded
 * by the configured size: the least recently used units are dropped first (recency is exact within
 * a process; units found on disk at start are ordered by their map's modification time) and their
 * space is returned to the file system with {@code fallocate(PUNCH_HOLE)}.
 */
public final class BlobCache implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.obdj.registry");
    private static final long MAGIC = 0x50414d43_4a44424fL; // "OBDJCMAP" little-endian
    private static final int VERSION = 1;
    private static final int HEADER = 32;
    private static final int PRESENT = 1;

    /** Cache usage. */
    public record Stats(int blobs, long units, long bytes, long limit, long hits, long misses, long evictions) {}

    private final Path dir;
    private final long limit;
    private final int unit;
    private final Map<String, Entry> open = new ConcurrentHashMap<>();
    private final LinkedHashMap<Key, Long> lru = new LinkedHashMap<>(16, 0.75f, true); // guarded by this
    private long total; // guarded by this
    private long hits, misses, evictions; // guarded by this

    private record Key(String blob, int unit) {}

    /** One instance per directory per process: file locks are per process, so users in it must share. */
    private static final Map<Path, BlobCache> SHARED = new HashMap<>();
    private int refs = 1; // guarded by SHARED

    private BlobCache(Path dir, long limit, int unit) {
        this.dir = dir;
        this.limit = limit;
        this.unit = unit;
    }

    /**
     * Opens (creating) the cache in {@code dir}: scans the maps there for the size bound.
     *
     * @param limit bytes of units the cache may hold
     * @param unit  refill unit (a power of two)
     */
    public static BlobCache open(Path dir, long limit, int unit) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "create cache directory", e);
        }
        Path key = dir.toAbsolutePath().normalize();
        synchronized (SHARED) {
            BlobCache c = SHARED.get(key);
            if (c != null) {
                if (c.unit != unit) {
                    throw new IllegalArgumentException(dir + " is open with a refill unit of " + c.unit + ", not " + unit);
                }
                c.refs++;
                return c;
            }
            c = new BlobCache(key, limit, unit);
            c.scan();
            SHARED.put(key, c);
            return c;
        }
    }

    /** Usage of a cache directory without opening blobs (for {@code obd cache stats}). */
    public static Stats stats(Path dir) {
        int blobs = 0;
        long units = 0, bytes = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.map")) {
            for (Path m : ds) {
                MapFile mf = MapFile.read(m, -1, -1);
                if (mf != null) {
                    blobs++;
                    for (int u = 0; u < mf.crc.length; u++) {
                        if ((mf.flags[u] & PRESENT) != 0) {
                            units++;
                            bytes += Math.min(mf.unit, mf.size - (long) u * mf.unit);
                        }
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return new Stats(0, 0, 0, 0, 0, 0, 0);
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "list cache", e);
        }
        return new Stats(blobs, units, bytes, 0, 0, 0, 0);
    }

    /** Removes every cached blob from {@code dir} (other files are left alone); returns the number removed. */
    public static int clear(Path dir) {
        int n = 0;
        java.util.Set<String> removed = new java.util.HashSet<>();
        try (FileChannel lockCh = FileChannel.open(dir.resolve("cache.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockCh.lock();
             DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.map")) {
            for (Path m : ds) {
                String base = m.getFileName().toString();
                base = base.substring(0, base.length() - 4);
                Path lock = dir.resolve(base + ".lock");
                try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock l = ch.lock()) {
                    Files.deleteIfExists(m);
                    Files.deleteIfExists(dir.resolve(base + ".data"));
                }
                Files.deleteIfExists(lock);
                removed.add(base);
                n++;
            }
            try (DirectoryStream<Path> blobs = Files.newDirectoryStream(dir, "*.blob")) {
                for (Path b : blobs) { // complete copies of the background download
                    Files.deleteIfExists(b);
                    String f = b.getFileName().toString();
                    if (removed.add(f.substring(0, f.length() - 5))) n++;
                }
            }
            try (DirectoryStream<Path> partial = Files.newDirectoryStream(dir, "*.blob.download")) {
                for (Path b : partial) Files.deleteIfExists(b); // unfinished downloads kept for resuming
            }
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "clear cache", e);
        }
        return n;
    }

    /** The directory. */
    public Path dir() { return dir; }

    /**
     * Where the background download keeps the complete, digest-verified copy of a blob in a cache
     * directory: {@code <dir>/<stem>.blob} ({@link BlobDownloader}; the file only appears once verified).
     */
    public static Path completeBlob(Path dir, String digest) {
        return dir.resolve(stem(digest) + ".blob");
    }

    /** The refill unit. */
    public int unit() { return unit; }

    /** Current usage as this process sees it. */
    public synchronized Stats stats() {
        return new Stats(open.size(), lru.size(), total, limit, hits, misses, evictions);
    }

    private void scan() {
        List<Path> maps = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.map")) {
            ds.forEach(maps::add);
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "list cache", e);
        }
        Map<Path, FileTime> mtime = new HashMap<>();
        for (Path m : maps) {
            try {
                mtime.put(m, Files.getLastModifiedTime(m));
            } catch (IOException e) {
                mtime.put(m, FileTime.fromMillis(0));
            }
        }
        maps.sort((a, b) -> mtime.get(a).compareTo(mtime.get(b)));
        synchronized (this) {
            for (Path m : maps) {
                MapFile mf = MapFile.read(m, -1, unit);
                if (mf == null) continue;
                String name = m.getFileName().toString();
                name = name.substring(0, name.length() - 4);
                for (int u = 0; u < mf.crc.length; u++) {
                    if ((mf.flags[u] & PRESENT) != 0) {
                        long len = Math.min(unit, mf.size - (long) u * unit);
                        lru.put(new Key(name, u), len);
                        total += len;
                    }
                }
            }
        }
    }

    /** File-name stem of a digest: {@code sha256:ab..} becomes {@code sha256-ab..}. */
    static String stem(String digest) {
        String s = digest.replace(':', '-');
        if (!s.matches("[A-Za-z0-9._+-]+") || s.startsWith(".")) {
            throw new IllegalArgumentException("not a usable digest: " + digest);
        }
        return s;
    }

    /** The cache entry of a blob of {@code size} bytes; one per blob per process, shared by its users. */
    public Entry entry(String digest, long size) {
        String stem = stem(digest);
        return open.compute(stem, (k, e) -> {
            if (e != null) {
                if (e.size != size) {
                    throw new IllegalArgumentException(digest + ": size " + size + " differs from the open entry's " + e.size);
                }
                e.users++;
                return e;
            }
            return new Entry(stem, size);
        });
    }

    // ------------------------------------------------------------------------------------------

    private synchronized void touch(Key k) {
        lru.get(k);
        hits++;
    }

    private synchronized void countMiss() {
        misses++;
    }

    /** Records a new unit and returns units to evict to stay under the limit (never {@code keep}). */
    private synchronized List<Key> added(Key k, long len) {
        if (lru.put(k, len) == null) {
            total += len;
        }
        List<Key> victims = new ArrayList<>();
        Iterator<Map.Entry<Key, Long>> it = lru.entrySet().iterator();
        while (total > limit && it.hasNext()) {
            Map.Entry<Key, Long> e = it.next();
            if (e.getKey().equals(k)) continue;
            victims.add(e.getKey());
            total -= e.getValue();
            it.remove();
            evictions++;
        }
        return victims;
    }

    private synchronized void removed(Key k) {
        Long len = lru.remove(k);
        if (len != null) total -= len;
    }

    private void evict(List<Key> victims) {
        Map<String, List<Integer>> byBlob = new HashMap<>();
        for (Key k : victims) {
            byBlob.computeIfAbsent(k.blob, x -> new ArrayList<>()).add(k.unit);
        }
        for (Map.Entry<String, List<Integer>> e : byBlob.entrySet()) {
            Entry open = this.open.get(e.getKey());
            try {
                if (open != null) {
                    open.drop(e.getValue(), false);
                } else {
                    dropClosed(e.getKey(), e.getValue());
                }
            } catch (RuntimeException x) {
                LOG.warning("cache eviction in " + e.getKey() + " failed: " + x.getMessage());
            }
        }
    }

    /** Drops units of a blob no user of this process has open. */
    private void dropClosed(String stem, List<Integer> units) {
        Path map = dir.resolve(stem + ".map");
        try (FileChannel lockCh = FileChannel.open(dir.resolve(stem + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock l = lockCh.lock()) {
            MapFile mf = MapFile.read(map, -1, unit);
            if (mf == null) return;
            for (int u : units) {
                if (u < mf.flags.length) mf.flags[u] = 0;
            }
            mf.write(map);
            punch(dir.resolve(stem + ".data"), mf, units);
        } catch (IOException e) {
            throw new StorageException(map.toString(), "evict", e);
        }
    }

    private static void punch(Path data, MapFile mf, List<Integer> units) {
        try (Posix.Fd fd = Posix.open(data, Posix.O_RDWR)) {
            for (int u : units) {
                long at = (long) u * mf.unit;
                long len = Math.min(mf.unit, mf.size - at);
                if (len > 0) {
                    Posix.fallocate(fd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, at, len);
                }
            }
        } catch (RuntimeException e) {
            LOG.fine(() -> data + ": could not punch evicted units: " + e.getMessage());
        }
    }

    /** Releases this user's reference; the last one closes the files. */
    @Override
    public void close() {
        synchronized (SHARED) {
            if (--refs > 0) return;
            SHARED.remove(dir, this);
        }
        for (Entry e : List.copyOf(open.values())) {
            e.closeFully();
        }
    }

    // ------------------------------------------------------------------------------------------

    /** One blob's cached units. Thread-safe. */
    public final class Entry implements AutoCloseable {
        private final String stem;
        private final long size;
        private final int units;
        private final Path dataPath, mapPath, lockPath;
        private final FileChannel data;
        private final FileChannel lockCh;
        private final ReentrantLock lock = new ReentrantLock(); // in-process writers; FileLock is per process
        private volatile MapFile map;
        private volatile Object mapKey; // file key of the map we loaded: another process replaced it when it changes
        private int users = 1;

        private Entry(String stem, long size) {
            this.stem = stem;
            this.size = size;
            this.units = (int) Math.max(1, (size + unit - 1) / unit);
            this.dataPath = dir.resolve(stem + ".data");
            this.mapPath = dir.resolve(stem + ".map");
            this.lockPath = dir.resolve(stem + ".lock");
            try {
                this.lockCh = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                this.data = FileChannel.open(dataPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new StorageException(dataPath.toString(), "open cache file", e);
            }
            withFileLock(() -> {
                MapFile m = MapFile.read(mapPath, size, unit);
                if (m == null) {
                    if (Files.exists(mapPath) || data.size() > 0) {
                        LOG.info(mapPath + ": cache map missing or invalid; rebuilt empty, cached bytes dropped");
                        synchronized (BlobCache.this) {
                            for (int u = 0; u < units; u++) removed(new Key(stem, u));
                        }
                    }
                    data.truncate(0);
                    m = new MapFile(size, unit, new int[units], new byte[units]);
                    m.write(mapPath);
                }
                data.truncate(size); // the sparse file has the blob's size (truncate only shrinks)
                if (data.size() < size && size > 0) {
                    data.write(ByteBuffer.allocate(1), size - 1);
                }
                load(m);
                return null;
            });
            try {
                Files.setLastModifiedTime(mapPath, FileTime.fromMillis(System.currentTimeMillis()));
            } catch (IOException ignored) {
                // recency hint only
            }
        }

        private void load(MapFile m) throws IOException {
            this.map = m;
            this.mapKey = fileKey();
        }

        private Object fileKey() throws IOException {
            try {
                BasicFileAttributes a = Files.readAttributes(mapPath, BasicFileAttributes.class);
                return List.of(Objects.requireNonNullElse(a.fileKey(), ""), a.lastModifiedTime(), a.size());
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        /** The blob's size. */
        public long size() { return size; }

        /** Units held now (as this process last saw the map). */
        public int unitsHeld() {
            MapFile m = map;
            int n = 0;
            for (byte f : m.flags) if ((f & PRESENT) != 0) n++;
            return n;
        }

        /** Bytes of unit {@code u}. */
        int unitLength(int u) {
            return (int) Math.min(unit, size - (long) u * unit);
        }

        /**
         * The bytes of unit {@code u} when the cache holds them and they pass their CRC, else null
         * (a unit failing its CRC is dropped, so the caller's fetch replaces it).
         */
        public byte[] read(int u) {
            try {
                if (!present(u) && !(reloadIfChanged() && present(u))) {
                    countMiss();
                    return null;
                }
                byte[] whole = new byte[unitLength(u)];
                int expect = map.crc[u];
                if (!readFully((long) u * unit, whole, 0, whole.length) || crc(whole) != expect) {
                    // Another process may have evicted it (map replaced, then hole punched) while we read.
                    if (reloadIfChanged() && !present(u)) {
                        countMiss();
                        return null;
                    }
                    LOG.info(dataPath + ": cached unit " + u + " fails its CRC; dropped and fetched again");
                    drop(List.of(u), true);
                    countMiss();
                    return null;
                }
                touch(new Key(stem, u));
                return whole;
            } catch (IOException e) {
                throw new StorageException(dataPath.toString(), "read cached unit " + u, e);
            }
        }

        private boolean present(int u) {
            return (map.flags[u] & PRESENT) != 0;
        }

        /** Reloads the map if another process replaced it; true when it was reloaded. */
        private boolean reloadIfChanged() throws IOException {
            Object k = fileKey();
            if (Objects.equals(k, mapKey)) return false;
            lock.lock();
            try {
                MapFile m = MapFile.read(mapPath, size, unit);
                if (m == null) return false; // being rewritten or invalid: keep ours, the writer fixes it
                load(m);
                return true;
            } finally {
                lock.unlock();
            }
        }

        private boolean readFully(long pos, byte[] dst, int off, int len) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(dst, off, len);
            while (b.hasRemaining()) {
                int n = data.read(b, pos + (b.position() - off));
                if (n < 0) return false;
            }
            return true;
        }

        /** Stores a fetched unit (its full length) and evicts others if the cache is over its bound. */
        public void store(int u, byte[] bytes) {
            if (bytes.length != unitLength(u)) {
                throw new IllegalArgumentException("unit " + u + " has " + unitLength(u) + " bytes, got " + bytes.length);
            }
            int c = crc(bytes);
            withFileLock(() -> {
                MapFile m = MapFile.read(mapPath, size, unit);
                if (m == null) m = map; // ours is the best we have; rewriting repairs the file
                int pos = 0;
                while (pos < bytes.length) {
                    pos += data.write(ByteBuffer.wrap(bytes, pos, bytes.length - pos), (long) u * unit + pos);
                }
                m = m.copy();
                m.crc[u] = c;
                m.flags[u] = PRESENT;
                m.write(mapPath);
                load(m);
                return null;
            });
            List<Key> victims = added(new Key(stem, u), bytes.length);
            if (!victims.isEmpty()) evict(victims);
        }

        /** Forgets units (a failed CRC above, or an eviction) and punches their bytes out. */
        public void drop(List<Integer> us, boolean account) {
            withFileLock(() -> {
                MapFile m = MapFile.read(mapPath, size, unit);
                if (m == null) m = map;
                m = m.copy();
                for (int u : us) {
                    m.flags[u] = 0;
                    m.crc[u] = 0;
                }
                m.write(mapPath);
                load(m);
                punch(dataPath, m, us);
                return null;
            });
            if (account) {
                for (int u : us) removed(new Key(stem, u));
            }
        }

        private interface Io<T> {
            T run() throws IOException;
        }

        private <T> T withFileLock(Io<T> body) {
            lock.lock();
            try (FileLock l = lockCh.lock()) {
                return body.run();
            } catch (IOException e) {
                throw new StorageException(mapPath.toString(), "update cache map", e);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            boolean[] last = {false};
            open.computeIfPresent(stem, (k, e) -> {
                if (e != this) return e;
                last[0] = --users == 0;
                return last[0] ? null : e;
            });
            if (last[0]) closeFully();
        }

        private void closeFully() {
            try {
                data.close();
                lockCh.close();
            } catch (IOException e) {
                LOG.fine(() -> dataPath + ": close: " + e);
            }
        }
    }

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b, 0, b.length);
        return (int) c.getValue();
    }

    /** The on-disk map: header, then per unit u32 CRC32C + u32 flags, then a CRC32C of all that. */
    private static final class MapFile {
        final long size;
        final int unit;
        final int[] crc;
        final byte[] flags;

        MapFile(long size, int unit, int[] crc, byte[] flags) {
            this.size = size;
            this.unit = unit;
            this.crc = crc;
            this.flags = flags;
        }

        MapFile copy() {
            return new MapFile(size, unit, crc.clone(), flags.clone());
        }

        /** Reads and checks a map; null when missing or not valid for the expected size and unit (-1 = any). */
        static MapFile read(Path p, long wantSize, int wantUnit) {
            byte[] b;
            try {
                b = Files.readAllBytes(p);
            } catch (IOException e) {
                return null;
            }
            if (b.length < HEADER + 4) return null;
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if (bb.getLong(0) != MAGIC || bb.getInt(8) != VERSION) return null;
            int unit = bb.getInt(12);
            long size = bb.getLong(16);
            int n = bb.getInt(24);
            if (unit <= 0 || Integer.bitCount(unit) != 1 || size < 0 || n != (int) Math.max(1, (size + unit - 1) / unit)
                    || b.length != HEADER + 8L * n + 4) return null;
            if ((wantSize >= 0 && size != wantSize) || (wantUnit > 0 && unit != wantUnit)) return null;
            CRC32C c = new CRC32C();
            c.update(b, 0, b.length - 4);
            if ((int) c.getValue() != bb.getInt(b.length - 4)) return null;
            int[] crc = new int[n];
            byte[] flags = new byte[n];
            for (int u = 0; u < n; u++) {
                crc[u] = bb.getInt(HEADER + 8 * u);
                int f = bb.getInt(HEADER + 8 * u + 4);
                if ((f & ~PRESENT) != 0) return null;
                flags[u] = (byte) f;
            }
            return new MapFile(size, unit, crc, flags);
        }

        void write(Path p) throws IOException {
            int n = crc.length;
            ByteBuffer bb = ByteBuffer.allocate(HEADER + 8 * n + 4).order(ByteOrder.LITTLE_ENDIAN);
            bb.putLong(MAGIC).putInt(VERSION).putInt(unit).putLong(size).putInt(n).putInt(0);
            for (int u = 0; u < n; u++) {
                bb.putInt(crc[u]).putInt(flags[u]);
            }
            CRC32C c = new CRC32C();
            c.update(bb.array(), 0, bb.position());
            bb.putInt((int) c.getValue());
            Path tmp = p.resolveSibling(p.getFileName() + ".tmp" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
            Files.write(tmp, bb.array());
            try {
                Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
