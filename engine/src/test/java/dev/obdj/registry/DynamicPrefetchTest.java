package dev.obdj.registry;

import dev.obdj.CommitOptions;
import dev.obdj.CreateOptions;
import dev.obdj.Image;
import dev.obdj.Layers;
import dev.obdj.config.GlobalConfig;
import dev.obdj.config.ImageConfig;
import dev.obdj.config.ImageSources;
import dev.obdj.prefetch.DynamicPrefetcher;
import dev.obdj.prefetch.Trace;
import dev.obdj.testing.E2fs;
import dev.obdj.testing.LocalRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The reference's dynamic prefetch end to end: an ext4 image (made by {@code mke2fs -d}) committed
 * as one layer and pushed to the local registry; the config's {@code recordTracePath} is a list of
 * paths. After open, the listed files' blocks (as debugfs names them) are fetched in the background,
 * so reading them makes no request, while an unlisted file still comes from the registry.
 */
class DynamicPrefetchTest {
    static final String REPO = "obdj/fs";
    static final int BS = 4096;

    @TempDir
    static Path shared;
    static LocalRegistry registry;
    static Map<String, byte[]> files;
    static Path disk;
    static String digest;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        E2fs.require();
        files = E2fs.tree(shared.resolve("src"), 3);
        disk = E2fs.mkfs(shared.resolve("src"), shared.resolve("disk.img"), "ext4", BS, 32);
        Path layer = commit(disk, shared.resolve("layer"));
        registry = LocalRegistry.start(shared.resolve("registry"));
        digest = registry.push(REPO, layer);
    }

    /** The raw disk as one committed layer: its non-zero 4 KiB blocks written to an RW layer, then committed. */
    static Path commit(Path raw, Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] bytes = Files.readAllBytes(raw);
        Path data = dir.resolve("rw.data"), index = dir.resolve("rw.index"), out = dir.resolve("layer.lsmt");
        Layers.create(data, index, CreateOptions.ofSize(bytes.length));
        try (Image rw = Image.openWritable(List.of(), data, index)) {
            byte[] zero = new byte[BS];
            for (int at = 0; at < bytes.length; at += BS) {
                if (!Arrays.equals(bytes, at, at + BS, zero, 0, BS)) rw.write(at, bytes, at, BS);
            }
        }
        Layers.commit(data, index, out, CommitOptions.DEFAULT);
        return out;
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
    }

    /** Reads a file of the image through the blocks debugfs names for it. */
    static byte[] readFile(Image img, String path) throws Exception {
        byte[] want = files.get(path);
        byte[] out = new byte[want.length];
        List<Long> blocks = E2fs.blocks(disk, path);
        for (int i = 0; i < blocks.size(); i++) {
            int n = Math.min(BS, want.length - i * BS);
            if (n > 0) img.read(blocks.get(i) * BS, out, i * BS, n);
        }
        return out;
    }

    @Test
    void listedFilesAreFetchedInTheBackgroundAndOthersAreNot() throws Exception {
        Path list = tmp.resolve("prefetch.list");
        Files.writeString(list, "/big.bin\n/a/b/\n/does/not/exist\n");
        ImageConfig c = ImageConfig.parse("{\"repoBlobUrl\": \"" + registry.blobUrl(REPO) + "\", \"lowers\": [{\"digest\": \""
                + digest + "\"}], \"recordTracePath\": \"" + list + "\"}", tmp);
        GlobalConfig g = GlobalConfig.defaults().withCache(tmp.resolve("cache"), 256L << 20)
                .withCredentials(registry.credJson(tmp.resolve("cred.json"))).withRefillSize(65536).withPrefetchConcurrency(4)
                .withHttp(GlobalConfig.Http.DEFAULT.withRetry(3, Duration.ofMillis(5), Duration.ofMillis(40)));
        try (RegistryClient client = RegistryClient.create(g); Image img = Image.open(ImageSources.open(c, g, client), false)) {
            DynamicPrefetcher dp = img.sources().dynamicPrefetcher();
            assertNotNull(dp, "a list of paths starts the dynamic prefetch");
            assertTrue(dp.await(60, TimeUnit.SECONDS));
            // Model: the 4 KiB blocks debugfs gives for the listed files.
            TreeSet<Long> want = new TreeSet<>(E2fs.blocks(disk, "/big.bin"));
            for (String f : files.keySet()) {
                if (f.startsWith("/a/b/")) want.addAll(E2fs.blocks(disk, f));
            }
            TreeSet<Long> got = new TreeSet<>();
            for (Trace.Record r : dp.ranges()) {
                for (long at = r.offset(); at < r.offset() + r.count(); at += BS) got.add(at / BS);
            }
            assertEquals(want, got, "the planned ranges are the listed files' blocks");
            long before = client.stats().rangeRequests();
            for (String f : files.keySet()) {
                if (f.equals("/big.bin") || f.startsWith("/a/b/")) assertArrayEquals(files.get(f), readFile(img, f), f);
            }
            assertEquals(before, client.stats().rangeRequests(), "the listed files were prefetched");
            assertArrayEquals(files.get("/data/cold.bin"), readFile(img, "/data/cold.bin"));
            assertTrue(client.stats().rangeRequests() > before, "an unlisted file is read on demand");
        }
    }
}
