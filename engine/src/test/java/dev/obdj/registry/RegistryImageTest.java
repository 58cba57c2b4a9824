package dev.obdj.registry;

import dev.obdj.FormatException;
import dev.obdj.Image;
import dev.obdj.StorageException;
import dev.obdj.config.GlobalConfig;
import dev.obdj.config.ImageConfig;
import dev.obdj.config.ImageSources;
import dev.obdj.prefetch.Trace;
import dev.obdj.testing.Corpus;
import dev.obdj.testing.FaultProxy;
import dev.obdj.testing.LocalRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Images whose layers live only in a real registry (Debian's docker-registry on loopback, htpasswd
 * auth), read through the cache, with a fault-injecting proxy in front for the failure paths.
 */
class RegistryImageTest {
    static final String REPO = "obdj/s08";
    static final List<String> FILES = List.of("layer0.zfile", "layer1.lsmt", "layer2.zfile");

    @TempDir
    static Path shared;
    static LocalRegistry registry;
    static FaultProxy proxy;
    static List<String> digests = new ArrayList<>();
    static List<Long> sizes = new ArrayList<>();
    static Path caseDir;
    static String expectedSha;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        caseDir = Corpus.dir().resolve("s08_mixed_stack_zfile_layers");
        registry = LocalRegistry.start(shared.resolve("registry"));
        for (String f : FILES) {
            digests.add(registry.push(REPO, caseDir.resolve(f)));
            sizes.add(Files.size(caseDir.resolve(f)));
        }
        try (Image local = Image.open(FILES.stream().map(caseDir::resolve).toList())) {
            expectedSha = sha(local);
        }
        proxy = new FaultProxy(registry.base());
    }

    @AfterAll
    static void stop() throws IOException {
        if (proxy != null) proxy.close();
        if (registry != null) registry.close();
    }

    @BeforeEach
    void clean() {
        if (proxy != null) proxy.reset();
    }

    static String sha(Image img) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 20];
        for (long at = 0; at < img.size(); at += buf.length) {
            int n = (int) Math.min(buf.length, img.size() - at);
            img.read(at, buf, 0, n);
            md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    String config(String repoUrl, boolean withSizes, String extra) throws IOException {
        StringBuilder sb = new StringBuilder("{\"repoBlobUrl\": \"" + repoUrl + "\", \"lowers\": [");
        for (int i = 0; i < digests.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append("{\"digest\": \"").append(digests.get(i)).append('"');
            if (withSizes) sb.append(", \"size\": ").append(sizes.get(i));
            sb.append(", \"dir\": \"").append(tmp.resolve("layer" + i)).append("\"}");
        }
        sb.append("], \"resultFile\": \"").append(tmp.resolve("result")).append('"').append(extra).append('}');
        return sb.toString();
    }

    GlobalConfig global(Path cache) throws IOException {
        return GlobalConfig.defaults().withCache(cache, 64L << 20).withCredentials(registry.credJson(tmp.resolve("cred.json")))
                .withRefillSize(65536).withHttp(GlobalConfig.Http.DEFAULT.withRetry(4, Duration.ofMillis(5), Duration.ofMillis(40))
                        .withTimeout(Duration.ofSeconds(5)));
    }

    Image open(ImageConfig c, GlobalConfig g, RegistryClient client) {
        return Image.open(ImageSources.open(c, g, client), false);
    }

    @Test
    void digestOnlyLayersReadLikeTheLocalFilesAndTheCacheServesTheSecondOpen() throws Exception {
        Path cache = tmp.resolve("cache");
        GlobalConfig g = global(cache);
        ImageConfig c = ImageConfig.parse(config(registry.blobUrl(REPO), true, ""), tmp);
        long fetched;
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            assertEquals(expectedSha, sha(img));
            assertTrue(client.stats().rangeRequests() > 0);
            fetched = client.stats().bytes();
            assertTrue(img.sources().cache().stats().units() > 0, "the cache fills");
        }
        assertEquals("success", Files.readString(tmp.resolve("result")));
        long onDisk = BlobCache.stats(cache).bytes();
        assertEquals(fetched, onDisk, "every fetched byte is cached");
        // A new client and a new cache instance (as after a restart): nothing comes from the network.
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            assertEquals(expectedSha, sha(img));
            assertEquals(0, client.stats().requests(), "second open reads nothing from the network");
        }
    }

    @Test
    void sizesAskedWhenMissingAndAnonymousAccessRefused() throws Exception {
        GlobalConfig g = global(null);
        ImageConfig c = ImageConfig.parse(config(registry.blobUrl(REPO), false, ""), tmp);
        try (Image img = Image.open(c, g)) {
            assertEquals(expectedSha, sha(img));
        }
        GlobalConfig anon = GlobalConfig.defaults().withHttp(g.http());
        StorageException e = assertThrows(StorageException.class, () -> Image.open(c, anon));
        assertTrue(e.getCause() instanceof FetchFailedException f && f.lastStatus() == 401, e.toString());
        assertTrue(Files.readString(tmp.resolve("result")).startsWith("failed:"), "resultFile names the failure");
    }

    @Test
    void faultsAreRetriedAndNeverPassShortBodies() throws Exception {
        GlobalConfig g = global(null);
        ImageConfig c = ImageConfig.parse(config(proxy.blobUrl(REPO), true, ""), tmp);
        proxy.schedule(new FaultProxy.Reset(), new FaultProxy.Status(503), new FaultProxy.Short(100),
                new FaultProxy.Delay(200), new FaultProxy.Redirect(), new FaultProxy.Status(502), new FaultProxy.Short(0));
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            assertEquals(expectedSha, sha(img));
            assertTrue(client.stats().retries() >= 4, "retried: " + client.stats());
        }
        // Redirects go to another origin: no Authorization header there.
        assertTrue(proxy.seen().stream().filter(s -> s.path().startsWith("/storage/")).allMatch(s -> s.authorization() == null));
        assertTrue(proxy.seen().stream().anyMatch(s -> s.path().startsWith("/storage/")));
    }

    @Test
    void theRetryBudgetEndsInATypedErrorNamingBlobAndRange() throws Exception {
        GlobalConfig g = global(null);
        ImageConfig c = ImageConfig.parse(config(proxy.blobUrl(REPO), true, ""), tmp);
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            proxy.fallback(new FaultProxy.Status(503));
            StorageException e = assertThrows(StorageException.class, () -> sha(img));
            FetchFailedException f = assertInstanceOf(FetchFailedException.class, e.getCause());
            assertTrue(digests.contains(f.blob()), f.blob());
            assertEquals(4, f.attempts());
            assertEquals(503, f.lastStatus());
            assertEquals(0, f.offset() % 65536);
            assertTrue(e.getMessage().contains(f.blob()) && e.getMessage().contains("bytes [" + f.offset() + ", "), e.getMessage());
            proxy.fallback(new FaultProxy.Delay(1500));
            GlobalConfig fast = g.withHttp(g.http().withTimeout(Duration.ofMillis(300)).withRetry(2, Duration.ofMillis(1), Duration.ofMillis(1)));
            try (RegistryClient c2 = RegistryClient.create(fast)) {
                FetchFailedException t = assertThrows(FetchFailedException.class,
                        () -> c2.fetch(proxy.blobUrl(REPO) + "/" + digests.get(1), digests.get(1), 0, new byte[10], 0, 10));
                assertTrue(t.getMessage().contains("timed out"), t.getMessage());
            }
        }
    }

    @Test
    void aBlockFailingItsCrcIsFetchedOnceMoreThenFails() throws Exception {
        Path cache = tmp.resolve("cache");
        GlobalConfig g = global(cache);
        ImageConfig c = ImageConfig.parse(config(proxy.blobUrl(REPO), true, ""), tmp);
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            // layer0.zfile has CRCs: every byte of its next response flipped, once.
            proxy.corrupt(digests.get(0), 1);
            assertEquals(expectedSha, sha(img));
            assertEquals(0, proxy.corruptLeft());
            assertTrue(img.sources().cache().stats().misses() > 0);
        }
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g.withCache(tmp.resolve("cache2"), 64L << 20), client)) {
            proxy.corrupt(digests.get(0), 1000);
            FormatException e = assertThrows(FormatException.class, () -> sha(img));
            assertTrue(e.field().matches("block\\[\\d+]\\.crc"), e.field());
            // One block: fetched, failed, evicted, fetched once more, failed (a block across two units costs two requests each time).
            int used = 1000 - proxy.corruptLeft();
            assertTrue(used >= 2 && used <= 4, "responses used: " + used);
        }
    }

    @Test
    void bearerTokensAreFetchedCachedAndRefreshed() throws Exception {
        try (FaultProxy bearer = new FaultProxy(registry.base())) {
            bearer.bearer(1000);
            Path cred = tmp.resolve("cred-bearer.json");
            Files.writeString(cred, "{\"auths\": {\"127.0.0.1:" + bearer.port() + "\": {\"auth\": \""
                    + java.util.Base64.getEncoder().encodeToString((LocalRegistry.USER + ":" + LocalRegistry.PASSWORD).getBytes()) + "\"}}}");
            GlobalConfig g = global(null).withCredentials(cred);
            ImageConfig c = ImageConfig.parse(config(bearer.blobUrl(REPO), true, ""), tmp);
            try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
                assertEquals(expectedSha, sha(img));
                assertEquals(1, bearer.tokenRequests(), "one token for the whole image");
                TimeUnit.MILLISECONDS.sleep(1100);
                img.read(11534336, new byte[4096], 0, 4096); // a unit not read yet? read another region to force a fetch
                byte[] b = new byte[10];
                client.fetch(bearer.blobUrl(REPO) + "/" + digests.get(0), digests.get(0), 0, b, 0, 10);
                assertEquals(2, bearer.tokenRequests(), "refreshed after expiry");
            }
        }
    }

    @Test
    void traceRecordedThenReplayedIntoAnEmptyCache() throws Exception {
        Path trace = tmp.resolve("trace");
        Files.writeString(trace, "");
        GlobalConfig g = global(tmp.resolve("cache-a"));
        String extra = ", \"recordTracePath\": \"" + trace + "\"";
        ImageConfig c = ImageConfig.parse(config(registry.blobUrl(REPO), true, extra), tmp);
        byte[] buf = new byte[8192];
        try (Image img = Image.open(c, g)) {
            assertTrue(Files.exists(tmp.resolve("trace.lock")));
            img.read(262144, buf, 0, buf.length);
            img.read(6291456 + 65536, buf, 0, buf.length);
        }
        assertTrue(Files.exists(tmp.resolve("trace.ok")));
        assertFalse(Files.exists(tmp.resolve("trace.lock")));
        List<Trace.Record> recs = Trace.read(trace);
        assertFalse(recs.isEmpty());
        assertTrue(recs.stream().allMatch(r -> r.op() == 'R' && r.layer() >= 0 && r.layer() < 3));
        // Replay with 4 workers into an empty cache, then the same reads need no request.
        GlobalConfig g2 = global(tmp.resolve("cache-b")).withPrefetchConcurrency(4);
        try (RegistryClient client = RegistryClient.create(g2); Image img = open(c, g2, client)) {
            assertTrue(img.sources().prefetcher().await(20, TimeUnit.SECONDS));
            assertEquals(0, img.sources().prefetcher().failed());
            long n = client.stats().rangeRequests();
            img.read(262144, buf, 0, buf.length);
            img.read(6291456 + 65536, buf, 0, buf.length);
            assertEquals(n, client.stats().rangeRequests(), "replayed ranges are cached");
        }
    }

    @Test
    void accelerationLayerIsDroppedAndItsTraceReplayed() throws Exception {
        // The acceleration layer: any local file in a dir holding a trace of reads of layer 0.
        Path accel = tmp.resolve("accel");
        Files.createDirectories(accel);
        Files.copy(caseDir.resolve("layer1.lsmt"), accel.resolve("overlaybd.commit"));
        Trace.write(accel.resolve("trace"), List.of(new Trace.Record('R', 0, 65536, 0)));
        String cfg = config(registry.blobUrl(REPO), true, ", \"accelerationLayer\": true")
                .replace("], \"resultFile\"", ", {\"dir\": \"" + accel + "\"}], \"resultFile\"");
        ImageConfig c = ImageConfig.parse(cfg, tmp);
        GlobalConfig g = global(tmp.resolve("cache-c"));
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            assertEquals(3, img.sources().lowers().size());
            assertTrue(img.sources().prefetcher().await(20, TimeUnit.SECONDS));
            assertEquals(1, img.sources().prefetcher().total());
            assertEquals(expectedSha, sha(img));
        }
    }
}
