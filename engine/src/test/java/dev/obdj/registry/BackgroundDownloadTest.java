package dev.obdj.registry;

import dev.obdj.Image;
import dev.obdj.config.GlobalConfig;
import dev.obdj.config.ImageConfig;
import dev.obdj.config.ImageSources;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The background whole-blob download ({@code download} in config.v1) against the real local
 * registry: the copies land where the reference puts them and equal the pushed files, reads switch
 * to them, a blob whose digest lies is refused while reads stay correct, the rate limit holds, and
 * closing stops it.
 */
class BackgroundDownloadTest {
    static final String REPO = "obdj/dl";
    static final List<String> FILES = List.of("layer0.zfile", "layer1.lsmt", "layer2.zfile");

    @TempDir
    static Path shared;
    static LocalRegistry registry;
    static FaultProxy proxy;
    static final List<String> digests = new ArrayList<>();
    static Path caseDir, bigLayer;
    static String expectedSha, bigDigest, bigSha;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        caseDir = Corpus.dir().resolve("s08_mixed_stack_zfile_layers");
        registry = LocalRegistry.start(shared.resolve("registry"));
        for (String f : FILES) {
            digests.add(registry.push(REPO, caseDir.resolve(f)));
        }
        try (Image local = Image.open(FILES.stream().map(caseDir::resolve).toList())) {
            expectedSha = RegistryImageTest.sha(local);
        }
        bigLayer = Corpus.dir().resolve("s14_large_index_zfile").resolve("layer0.zfile");
        bigDigest = registry.push(REPO, bigLayer);
        try (Image local = Image.open(List.of(bigLayer))) {
            bigSha = RegistryImageTest.sha(local);
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

    GlobalConfig global(Path cache) throws IOException {
        return GlobalConfig.defaults().withCache(cache, 64L << 20).withCredentials(registry.credJson(tmp.resolve("cred.json")))
                .withRefillSize(65536).withHttp(GlobalConfig.Http.DEFAULT.withRetry(3, Duration.ofMillis(5), Duration.ofMillis(40))
                        .withTimeout(Duration.ofSeconds(5)));
    }

    static String download(int maxMBps, int tryCnt, long blockSize) {
        return ", \"download\": {\"enable\": true, \"delay\": 0, \"delayExtra\": 0, \"maxMBps\": " + maxMBps
                + ", \"tryCnt\": " + tryCnt + ", \"blockSize\": " + blockSize + "}";
    }

    String config(String repoUrl, List<String> ds, boolean withDirs, String extra) {
        StringBuilder sb = new StringBuilder("{\"repoBlobUrl\": \"" + repoUrl + "\", \"lowers\": [");
        for (int i = 0; i < ds.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append("{\"digest\": \"").append(ds.get(i)).append('"');
            if (withDirs) sb.append(", \"dir\": \"").append(tmp.resolve("layer" + i)).append('"');
            sb.append('}');
        }
        return sb.append(']').append(extra).append('}').toString();
    }

    static Image open(ImageConfig c, GlobalConfig g, RegistryClient client) {
        return Image.open(ImageSources.open(c, g, client), false);
    }

    static BlobDownloader awaitDownload(Image img) throws InterruptedException {
        BlobDownloader d = img.sources().downloader();
        assertNotNull(d, "a download was started");
        assertTrue(d.await(60, TimeUnit.SECONDS), "the download finishes");
        return d;
    }

    @Test
    void layersLandInTheirDirVerifiedAndReadsStopGoingToTheRegistry() throws Exception {
        GlobalConfig g = global(tmp.resolve("cache"));
        ImageConfig c = ImageConfig.parse(config(registry.blobUrl(REPO), digests, true, download(0, 2, 65536)), tmp);
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            // Readers run across the switch to the local copies: every pass must read the same disk.
            List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    do seen.add(RegistryImageTest.sha(img)); while (!done.get());
                } catch (Exception e) {
                    seen.add(e.toString());
                }
            });
            BlobDownloader d = awaitDownload(img);
            done.set(true);
            reader.join();
            assertFalse(seen.isEmpty());
            seen.forEach(sha -> assertEquals(expectedSha, sha, "a read during the download"));
            for (int i = 0; i < FILES.size(); i++) {
                assertEquals(BlobDownloader.State.DONE, d.state(i), "layer " + i);
                Path copy = tmp.resolve("layer" + i).resolve("overlaybd.commit");
                assertArrayEquals(Files.readAllBytes(caseDir.resolve(FILES.get(i))), Files.readAllBytes(copy),
                        "the copy is the pushed blob");
                assertEquals(digests.get(i), LocalRegistry.digest(Files.readAllBytes(copy)));
                assertFalse(Files.exists(tmp.resolve("layer" + i).resolve("overlaybd.download")), "no staging file left");
                assertTrue(img.sources().remotes().get(i).isLocal());
            }
            long before = client.stats().requests();
            assertEquals(expectedSha, RegistryImageTest.sha(img));
            assertEquals(before, client.stats().requests(), "after the download, reads make no request");
        }
        // The next open takes the downloaded files as local layers, as the reference does.
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            assertTrue(img.sources().remotes().isEmpty());
            assertNull(img.sources().downloader());
            assertEquals(expectedSha, RegistryImageTest.sha(img));
            assertEquals(0, client.stats().requests());
        }
    }

    @Test
    void withoutDirTheCopyLandsInTheCacheDirectoryAndIsReusedAfterARestart() throws Exception {
        Path cache = tmp.resolve("cache");
        GlobalConfig g = global(cache);
        ImageConfig c = ImageConfig.parse(config(registry.blobUrl(REPO), digests, false, download(0, 2, 100_000)), tmp);
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            BlobDownloader d = awaitDownload(img);
            for (int i = 0; i < FILES.size(); i++) {
                assertEquals(BlobDownloader.State.DONE, d.state(i));
                assertArrayEquals(Files.readAllBytes(caseDir.resolve(FILES.get(i))),
                        Files.readAllBytes(BlobCache.completeBlob(cache, digests.get(i))));
            }
            long before = client.stats().requests();
            assertEquals(expectedSha, RegistryImageTest.sha(img));
            assertEquals(before, client.stats().requests());
        }
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            assertTrue(img.sources().remotes().isEmpty(), "the verified copies are opened as local layers");
            assertEquals(expectedSha, RegistryImageTest.sha(img));
            assertEquals(0, client.stats().requests());
        }
        assertTrue(BlobCache.clear(cache) >= FILES.size());
        assertFalse(Files.exists(BlobCache.completeBlob(cache, digests.get(0))), "cache clear removes the copies");
    }

    @Test
    void aBlobWhoseDigestLiesIsDiscardedAndReadsStayCorrect() throws Exception {
        // The registry (through the proxy) serves layer 0's bytes under another digest.
        String fake = LocalRegistry.digest("not the layer".getBytes());
        proxy.alias(fake, digests.get(0));
        List<String> ds = new ArrayList<>(digests);
        ds.set(0, fake);
        GlobalConfig g = global(tmp.resolve("cache"));
        ImageConfig c = ImageConfig.parse(config(proxy.blobUrl(REPO), ds, true, download(0, 2, 65536)), tmp);
        try (RegistryClient client = RegistryClient.create(g); Image img = open(c, g, client)) {
            BlobDownloader d = awaitDownload(img);
            assertEquals(BlobDownloader.State.FAILED, d.state(0));
            assertEquals(2, d.mismatches(), "each of the tryCnt attempts is checked and refused");
            assertEquals(BlobDownloader.State.DONE, d.state(1));
            assertEquals(BlobDownloader.State.DONE, d.state(2));
            Path dir0 = tmp.resolve("layer0");
            assertFalse(Files.exists(dir0.resolve("overlaybd.commit")), "a mismatching copy is never published");
            assertFalse(Files.exists(dir0.resolve("overlaybd.download")), "and the staging file is removed");
            assertFalse(img.sources().remotes().get(0).isLocal());
            assertEquals(expectedSha, RegistryImageTest.sha(img), "on-demand reads are unaffected");
        }
    }

    @Test
    void theRateLimitIsRespected() throws Exception {
        GlobalConfig g = global(null);
        long size = Files.size(bigLayer);
        ImageConfig c = ImageConfig.parse(config(registry.blobUrl(REPO), List.of(bigDigest), true, download(1, 1, 65536)), tmp);
        long t0 = System.nanoTime();
        try (Image img = Image.open(c, g)) {
            BlobDownloader d = awaitDownload(img);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(BlobDownloader.State.DONE, d.state(0));
            // 1 MiB/s: the bytes past the first block cannot arrive sooner than this; half of it is the bound asserted.
            double floor = (size - 65536) / (double) (1 << 20);
            assertTrue(seconds >= floor / 2, "took " + seconds + " s, the limit allows no less than " + floor + " s");
            assertEquals(bigSha, RegistryImageTest.sha(img));
        }
    }

    @Test
    void closingDuringTheDownloadStopsItPromptlyAndTheNextOpenResumes() throws Exception {
        GlobalConfig g = global(null);
        long size = Files.size(bigLayer);
        Path staging = tmp.resolve("layer0").resolve("overlaybd.download");
        ImageConfig c = ImageConfig.parse(config(registry.blobUrl(REPO), List.of(bigDigest), true, download(1, 3, 16384)), tmp);
        Image img = Image.open(c, g);
        BlobDownloader d = img.sources().downloader();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (d.bytes() < 5 * 16384 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(d.bytes() > 0, "the download started");
        long t0 = System.nanoTime();
        img.close();
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 5, "close took " + seconds + " s");
        assertTrue(d.await(0, TimeUnit.SECONDS));
        long fetched = d.bytes();
        assertTrue(fetched < size, "stopped before the end");
        assertFalse(Files.exists(tmp.resolve("layer0").resolve("overlaybd.commit")));
        assertEquals(size, Files.size(staging), "the sparse staging file stays for the next run, as the reference leaves it");

        // The next open resumes: the blocks already written are read back, not fetched again.
        ImageConfig fast = ImageConfig.parse(config(registry.blobUrl(REPO), List.of(bigDigest), true, download(0, 2, 16384)), tmp);
        try (Image again = Image.open(fast, g)) {
            BlobDownloader d2 = awaitDownload(again);
            assertEquals(BlobDownloader.State.DONE, d2.state(0));
            assertTrue(d2.resumed() >= 16384, "resumed " + d2.resumed() + " bytes");
            assertEquals(size, d2.resumed() + d2.bytes(), "every byte was either resumed or fetched once");
            assertArrayEquals(Files.readAllBytes(bigLayer), Files.readAllBytes(tmp.resolve("layer0").resolve("overlaybd.commit")));
            assertFalse(Files.exists(staging));
            assertEquals(bigSha, RegistryImageTest.sha(again));
        }
    }

    @Test
    void aStagingFileWithWrongBytesIsCaughtByTheDigestAndFetchedAgain() throws Exception {
        // A staging file left with garbage where it claims data: the digest refuses it, the next attempt starts fresh.
        long size = Files.size(bigLayer);
        Path staging = tmp.resolve("layer0").resolve("overlaybd.download");
        Files.createDirectories(staging.getParent());
        byte[] junk = new byte[(int) size];
        new java.util.Random(1).nextBytes(junk);
        Files.write(staging, junk);
        ImageConfig c = ImageConfig.parse(config(registry.blobUrl(REPO), List.of(bigDigest), true, download(0, 2, 65536)), tmp);
        try (Image img = Image.open(c, global(null))) {
            BlobDownloader d = awaitDownload(img);
            assertEquals(BlobDownloader.State.DONE, d.state(0));
            assertEquals(1, d.mismatches());
            assertEquals(size, d.bytes(), "the second attempt fetched everything");
            assertArrayEquals(Files.readAllBytes(bigLayer), Files.readAllBytes(tmp.resolve("layer0").resolve("overlaybd.commit")));
        }
    }

    @Test
    void noDownloadWhileATraceIsRecorded() throws Exception {
        Path trace = tmp.resolve("trace");
        Files.createFile(trace);
        GlobalConfig g = global(null);
        ImageConfig c = ImageConfig.parse(config(registry.blobUrl(REPO), digests, true,
                download(0, 1, 65536) + ", \"recordTracePath\": \"" + trace + "\""), tmp);
        try (Image img = Image.open(c, g)) {
            assertNotNull(img.sources().recorder());
            assertNull(img.sources().downloader(), "the reference does not download while recording");
        }
    }
}
