package dev.obdj.config;

import dev.obdj.UsageException;
import dev.obdj.io.ByteSource;
import dev.obdj.io.MappedFile;
import dev.obdj.io.TarPayload;
import dev.obdj.prefetch.DynamicPrefetcher;
import dev.obdj.prefetch.Prefetcher;
import dev.obdj.prefetch.Trace;
import dev.obdj.prefetch.TraceRecorder;
import dev.obdj.registry.BlobCache;
import dev.obdj.registry.BlobDownloader;
import dev.obdj.registry.RegistryClient;
import dev.obdj.registry.RemoteBlob;
import dev.obdj.zfile.ZFileReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The layer sources of an image config, opened as the reference opens them (FORMAT-NOTES §6.1):
 * per lower, the first existing local candidate ({@code file}, then {@code dir/overlaybd.commit},
 * {@code dir/.commit}, {@code dir/overlaybd.sealed}), else the registry blob
 * {@code repoBlobUrl/digest} through the cache; then the tar check, the ZFile check, and the trace
 * wrapper. {@link dev.obdj.Image#open(ImageSources, boolean)} builds the image on them, then starts
 * the background work: trace replay or the prefetch list ({@link #startPrefetch}) and the whole-blob
 * download ({@link #startDownload}); the image owns the sources and closes this object (download,
 * prefetch workers, trace, cache, HTTP client) first. A lower whose verified whole copy an earlier
 * download left in the cache directory is opened from that file.
 */
public final class ImageSources implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.obdj.config");

    private final ImageConfig config;
    private final GlobalConfig global;
    private final List<ByteSource> lowers;
    private final List<RemoteBlob> remotes;
    private final RegistryClient client;
    private final boolean ownsClient;
    private final BlobCache cache;
    private final TraceRecorder recorder;
    private final List<Trace.Record> replay;
    private final ImageConfig.Download download;
    private final List<BlobDownloader.Job> downloads;
    private final List<String> prefetchList;
    private final Path[] localPaths;
    private Prefetcher prefetcher;
    private DynamicPrefetcher dynamic;
    private BlobDownloader downloader;
    private boolean closed;

    private ImageSources(ImageConfig config, GlobalConfig global, List<ByteSource> lowers, List<Path> localPaths, List<RemoteBlob> remotes,
                         RegistryClient client, boolean ownsClient, BlobCache cache, TraceRecorder recorder,
                         List<Trace.Record> replay, List<String> prefetchList, ImageConfig.Download download,
                         List<BlobDownloader.Job> downloads) {
        this.prefetchList = prefetchList;
        this.localPaths = localPaths.toArray(Path[]::new);
        this.download = download;
        this.downloads = downloads;
        this.config = config;
        this.global = global;
        this.lowers = lowers;
        this.remotes = remotes;
        this.client = client;
        this.ownsClient = ownsClient;
        this.cache = cache;
        this.recorder = recorder;
        this.replay = replay;
    }

    /**
     * Opens the lowers of {@code config}.
     *
     * @param client the HTTP client for remote layers, or null to create one from {@code global}
     *               when needed (then closed with this object)
     */
    public static ImageSources open(ImageConfig config, GlobalConfig global, RegistryClient client) {
        List<ImageConfig.Lower> lowerCfg = config.lowers();
        ImageConfig.Lower accel = null;
        if (config.accelerationLayer()) {
            accel = lowerCfg.getLast();
            lowerCfg = lowerCfg.subList(0, lowerCfg.size() - 1);
        }
        boolean ownsClient = false;
        BlobCache cache = null;
        List<ByteSource> sources = new ArrayList<>();
        List<RemoteBlob> remotes = new ArrayList<>();
        List<Path> remoteDirs = new ArrayList<>();
        List<Path> localPaths = new ArrayList<>();
        TraceRecorder recorder = null;
        try {
            for (int i = 0; i < lowerCfg.size(); i++) {
                ImageConfig.Lower l = lowerCfg.get(i);
                Path local = l.localFile();
                ByteSource raw;
                Path complete = local == null && l.digest() != null && global.persistentCache()
                        ? BlobCache.completeBlob(global.cacheDir(), l.digest()) : null;
                if (complete != null && !(Files.isRegularFile(complete) && (l.size() == 0 || Files.size(complete) == l.size()))) {
                    complete = null;
                }
                if (local != null) {
                    raw = MappedFile.open(local);
                    localPaths.add(local);
                } else if (complete != null) {
                    raw = MappedFile.open(complete); // verified by an earlier background download
                    localPaths.add(complete);
                } else {
                    localPaths.add(null);
                    if (l.digest() == null) {
                        throw new UsageException("lowers[" + i + "]: no local file (" + (l.file() != null ? l.file() : l.dir())
                                + ") and no digest to fetch");
                    }
                    if (client == null) {
                        client = RegistryClient.create(global);
                        ownsClient = true;
                    }
                    if (cache == null && global.persistentCache()) {
                        cache = BlobCache.open(global.cacheDir(), global.cacheSize(), global.refillSize());
                    }
                    String url = config.blobUrl(l.digest());
                    if (global.p2p() != null) {
                        String p = global.p2p();
                        url = (p.endsWith("/") ? p : p + "/") + url;
                    }
                    RemoteBlob rb = RemoteBlob.open(client, url, l.digest(), l.size(), cache, global.refillSize(),
                            global.http().memoryUnits());
                    remotes.add(rb);
                    remoteDirs.add(l.dir());
                    raw = rb;
                }
                sources.add(layerView(raw));
            }
            List<Trace.Record> replay = null;
            List<String> prefetchList = null;
            Path tracePath = config.recordTracePath();
            if (accel != null) {
                Path dir = accel.dir() != null ? accel.dir() : accel.file() != null ? accel.file().getParent() : null;
                Path t = dir == null ? null : dir.resolve("trace");
                if (t != null && Files.isRegularFile(t) && Trace.hasMagic(t)) {
                    replay = Trace.read(t);
                } else if (t != null && Files.isRegularFile(t) && Files.size(t) > 0) {
                    prefetchList = DynamicPrefetcher.readList(t); // the reference takes any other content as a list
                } else {
                    LOG.info("acceleration layer without a trace at " + t + "; nothing to prefetch");
                }
            } else if (tracePath != null && Files.exists(tracePath)) {
                long size = Files.size(tracePath);
                if (size == 0) {
                    recorder = TraceRecorder.start(tracePath);
                    for (int i = 0; i < sources.size(); i++) {
                        sources.set(i, recorder.wrap(sources.get(i), i));
                    }
                } else if (Trace.hasMagic(tracePath)) {
                    replay = Trace.read(tracePath);
                } else {
                    prefetchList = DynamicPrefetcher.readList(tracePath);
                }
            }
            List<BlobDownloader.Job> jobs = new ArrayList<>();
            ImageConfig.Download dl = config.download() != null ? config.download() : global.download();
            if (dl.enable() && recorder == null) { // the reference does not download while recording a trace
                for (int i = 0; i < remotes.size(); i++) {
                    RemoteBlob rb = remotes.get(i);
                    Path dir = remoteDirs.get(i);
                    if (dir != null) {
                        jobs.add(new BlobDownloader.Job(rb, dir.resolve(BlobDownloader.COMMIT_FILE), dir.resolve(BlobDownloader.STAGING_FILE)));
                    } else if (cache != null) {
                        Path target = BlobCache.completeBlob(cache.dir(), rb.name());
                        jobs.add(new BlobDownloader.Job(rb, target, target.resolveSibling(target.getFileName() + ".download")));
                    } else {
                        LOG.info(rb.name() + ": no dir and no cache directory for the background download; skipped");
                    }
                }
            }
            return new ImageSources(config, global, sources, localPaths, remotes, client, ownsClient, cache, recorder, replay,
                    prefetchList, jobs.isEmpty() ? null : dl, jobs);
        } catch (RuntimeException | IOException e) {
            sources.forEach(ByteSource::close);
            if (recorder != null) recorder.close();
            if (cache != null) cache.close();
            if (ownsClient) client.close();
            config.writeResult(e.getMessage());
            if (e instanceof IOException io) {
                throw new dev.obdj.StorageException(String.valueOf(tracePathOf(config)), "open trace", io);
            }
            throw (RuntimeException) e;
        }
    }

    private static Path tracePathOf(ImageConfig c) {
        return c.recordTracePath();
    }

    /** Tar check, then ZFile check (§6.1 steps 2 and 3). Takes ownership of {@code raw}. */
    public static ByteSource layerView(ByteSource raw) {
        ByteSource s = raw;
        try {
            s = TarPayload.unwrap(raw);
            if (ZFileReader.hasMagic(s)) {
                return ZFileReader.open(s);
            }
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** The config. */
    public ImageConfig config() { return config; }

    /** The lower sources (decompressed views), lowest first; the image takes ownership. */
    public List<ByteSource> lowers() { return List.copyOf(lowers); }

    /**
     * The local file lower {@code i} was opened from (a {@code file}/{@code dir} candidate, or a copy
     * the background download left in the cache directory), or null when it is read from the registry.
     */
    public Path localFile(int i) { return localPaths[i]; }

    /** The registry blobs among the lowers (their raw, compressed bytes), in lower order. */
    public List<RemoteBlob> remotes() { return List.copyOf(remotes); }

    /** The HTTP client, or null when every layer is local. */
    public RegistryClient client() { return client; }

    /** The persistent cache, or null. */
    public BlobCache cache() { return cache; }

    /** The trace recorder (record mode), or null. */
    public TraceRecorder recorder() { return recorder; }

    /** The replay of a trace, once {@link #startPrefetch} ran; null when there is no trace to replay. */
    public synchronized Prefetcher prefetcher() { return prefetcher; }

    /**
     * Starts replaying the trace, or prefetching the files of a prefetch list through {@code image}
     * (the open image as one source), in the background; no-op without either. Called once the image is open.
     */
    public synchronized void startPrefetch(ByteSource image) {
        if (closed) return;
        if (replay != null && prefetcher == null) {
            prefetcher = Prefetcher.start(replay, lowers, global.prefetchConcurrency());
        }
        if (prefetchList != null && !prefetchList.isEmpty() && dynamic == null) {
            dynamic = DynamicPrefetcher.start(prefetchList, image, global.prefetchConcurrency());
        }
    }

    /** The prefetch of a list of paths (dynamic mode), once {@link #startPrefetch} ran; null without a list. */
    public synchronized DynamicPrefetcher dynamicPrefetcher() { return dynamic; }

    /**
     * Starts the background whole-blob download ({@code download.enable}) of the remote lowers that
     * have somewhere to land (no-op otherwise). Called once the image is open.
     */
    public synchronized void startDownload() {
        if (download != null && downloader == null && !closed) {
            downloader = BlobDownloader.start(downloads, download, client, global.http().backoffBase(), global.http().backoffMax());
        }
    }

    /** The background download, once {@link #startDownload()} ran; null when there is nothing to download. */
    public synchronized BlobDownloader downloader() { return downloader; }

    /** Stops prefetching and downloading, writes a recorded trace, closes the cache and the client (not the layer sources). */
    @Override
    public void close() {
        Prefetcher p;
        DynamicPrefetcher dp;
        BlobDownloader d;
        synchronized (this) {
            closed = true;
            p = prefetcher;
            dp = dynamic;
            d = downloader;
        }
        if (d != null) d.close();
        if (dp != null) dp.close();
        if (p != null) p.close();
        if (recorder != null) recorder.close();
        if (cache != null) cache.close();
        if (ownsClient && client != null) client.close();
    }
}
