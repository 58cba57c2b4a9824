package dev.obdj.registry;

import dev.obdj.io.Bytes;
import dev.obdj.StorageException;
import dev.obdj.UsageException;
import dev.obdj.io.ByteSource;
import dev.obdj.io.MappedFile;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A registry blob read on demand: a {@link ByteSource} whose reads are served, in refill units,
 * from a small in-memory set of units, then the persistent {@link BlobCache}, then the registry
 * ({@link RegistryClient}, one range request per missing unit). Concurrent reads that need the same
 * missing unit share one request. A read either returns the bytes that arrived whole or throws a
 * {@link StorageException} whose cause is a {@link FetchFailedException}; the destination then holds
 * no bytes of the failed unit. Once a complete, digest-verified local copy exists
 * ({@link BlobDownloader}), {@link #switchTo} makes every later read come from that file.
 */
public final class RemoteBlob implements ByteSource {
    private final RegistryClient client;
    private final String url;
    private final String digest;
    private final long size;
    private final int unit;
    private final BlobCache.Entry cache;
    private final int memoryUnits;
    private final LinkedHashMap<Integer, byte[]> memory; // guarded by itself
    private final Map<Integer, CompletableFuture<byte[]>> inflight = new ConcurrentHashMap<>();
    private final AtomicLong fetches = new AtomicLong();
    private volatile ByteSource local; // the verified whole copy, once there is one
    private volatile boolean closed;

    private RemoteBlob(RegistryClient client, String url, String digest, long size, int unit, BlobCache.Entry cache, int memoryUnits) {
        this.client = client;
        this.url = url;
        this.digest = digest;
        this.size = size;
        this.unit = unit;
        this.cache = cache;
        this.memoryUnits = memoryUnits;
        this.memory = new LinkedHashMap<>(16, 0.75f, true);
    }

    /**
     * Opens a blob.
     *
     * @param url         the blob URL ({@code .../v2/<repo>/blobs/<digest>})
     * @param digest      the digest (names the blob in errors and in the cache)
     * @param size        the blob size, or 0 to ask the registry
     * @param cache       the persistent cache, or null for memory only
     * @param unit        refill unit when there is no cache (the cache's own otherwise)
     * @param memoryUnits units kept in memory
     */
    public static RemoteBlob open(RegistryClient client, String url, String digest, long size, BlobCache cache, int unit,
                                  int memoryUnits) {
        if (size <= 0) {
            try {
                size = client.size(url, digest);
            } catch (FetchFailedException e) {
                throw new StorageException(digest, "find the blob size at " + url, e);
            }
        }
        int u = cache != null ? cache.unit() : unit;
        BlobCache.Entry entry = cache != null ? cache.entry(digest, size) : null;
        return new RemoteBlob(client, url, digest, size, u, entry, memoryUnits);
    }

    @Override
    public String name() { return digest; }

    @Override
    public long size() { return size; }

    /** The blob URL. */
    public String url() { return url; }

    /** Range requests this blob made (one per unit fetched). */
    public long fetches() { return fetches.get(); }

    /** The refill unit. */
    public int unit() { return unit; }

    @Override
    public void read(long position, MemorySegment dst, long dstOffset, long length) {
        if (closed) throw new UsageException(digest + ": read after close");
        if (position < 0 || length < 0 || position > size - length) {
            throw new UsageException(digest + ": read of " + length + " bytes at " + position + " is outside the blob size " + size);
        }
        ByteSource l = local;
        if (l != null) {
            l.read(position, dst, dstOffset, length);
            return;
        }
        long pos = position, end = position + length, d = dstOffset;
        while (pos < end) {
            int u = (int) (pos / unit);
            long ustart = (long) u * unit;
            int from = (int) (pos - ustart);
            int n = (int) Math.min(end - pos, unitLength(u) - from);
            byte[] b = unitBytes(u);
            Bytes.copy(MemorySegment.ofArray(b), from, dst, d, n);
            pos += n;
            d += n;
        }
    }

    private int unitLength(int u) {
        return (int) Math.min(unit, size - (long) u * unit);
    }

    private byte[] unitBytes(int u) {
        byte[] b;
        synchronized (memory) {
            b = memory.get(u);
        }
        if (b != null) return b;
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> f = inflight.putIfAbsent(u, mine);
        if (f != null) {
            try {
                return f.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw e;
            }
        }
        try {
            b = cache != null ? cache.read(u) : null;
            if (b == null) {
                b = fetch(u);
            }
            remember(u, b);
            mine.complete(b);
            return b;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inflight.remove(u, mine);
        }
    }

    private byte[] fetch(int u) {
        long at = (long) u * unit;
        byte[] b = new byte[unitLength(u)];
        try {
            fetches.incrementAndGet();
            client.fetch(url, digest, at, b, 0, b.length);
        } catch (FetchFailedException e) {
            throw new StorageException(digest, "fetch bytes [" + at + ", " + (at + b.length) + ") from " + url, e);
        }
        if (cache != null) {
            cache.store(u, b);
        }
        return b;
    }

    private void remember(int u, byte[] b) {
        if (memoryUnits == 0) return;
        synchronized (memory) {
            memory.put(u, b);
            if (memory.size() > memoryUnits) {
                var it = memory.entrySet().iterator();
                it.next();
                it.remove();
            }
        }
    }

    /**
     * Serves every later read from {@code file}, a complete copy of the blob whose digest the caller
     * verified. Reads already running finish on the units they hold; the file is only published
     * once it is mapped, so no read ever sees a partial copy.
     *
     * @throws StorageException when the file cannot be mapped or its size is not the blob's
     */
    public void switchTo(java.nio.file.Path file) {
        MappedFile m = MappedFile.open(file);
        if (m.size() != size) {
            m.close();
            throw new StorageException(file.toString(), "switch to the local copy of " + digest,
                    new java.io.IOException("size " + m.size() + " is not the blob size " + size));
        }
        synchronized (memory) {
            if (closed || local != null) {
                m.close();
                return;
            }
            local = m;
            memory.clear();
        }
    }

    /** True once reads come from a complete local copy. */
    public boolean isLocal() { return local != null; }

    /** Drops the units covering the range from memory and from the persistent cache. */
    @Override
    public boolean evict(long position, long length) {
        if (length <= 0 || local != null) return false; // a verified copy has nothing to refetch
        int first = (int) (position / unit), last = (int) ((position + length - 1) / unit);
        List<Integer> us = new ArrayList<>();
        synchronized (memory) {
            for (int u = first; u <= last; u++) {
                memory.remove(u);
                us.add(u);
            }
        }
        if (cache != null) cache.drop(us, true);
        return true;
    }

    @Override
    public void close() {
        if (closed) return;
        synchronized (memory) {
            closed = true;
            memory.clear();
        }
        ByteSource l = local;
        if (l != null) l.close();
        if (cache != null) cache.close();
    }

    @Override
    public String toString() {
        return "RemoteBlob " + digest + " (" + size + " bytes at " + url + ")";
    }
}
