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
import dev.obdj.testing.ErofsUtils;
import dev.obdj.testing.LocalRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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
 * The reference's dynamic prefetch end to end: an ext4 image ({@code mke2fs -d}) and an EROFS image
 * ({@code mkfs.erofs}) of the same tree, each committed as one layer and pushed to the local
 * registry; the config's {@code recordTracePath} is a list of paths. After open, the listed files'
 * blocks (as debugfs / dump.erofs name them) are fetched in the background, so reading them makes
 * no request, while an unlisted file still comes from the registry.
 */
class DynamicPrefetchTest {
    static final String REPO = "obdj/fs";
    static final int BS = 4096;

    @TempDir
    static Path shared;
    static LocalRegistry registry;
    static Map<String, byte[]> files;
    static final Map<String, Path> disks = new java.util.HashMap<>();
    static final Map<String, String> digests = new java.util.HashMap<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        E2fs.require();
        ErofsUtils.require();
        files = E2fs.tree(shared.resolve("src"), 3);
        disks.put("ext4", E2fs.mkfs(shared.resolve("src"), shared.resolve("disk.img"), "ext4", BS, 32));
        disks.put("erofs", ErofsUtils.mkfs(shared.resolve("src"), shared.resolve("disk.erofs")));
        registry = LocalRegistry.start(shared.resolve("registry"));
        for (var e : disks.entrySet()) {
            digests.put(e.getKey(), registry.push(REPO, commit(e.getValue(), shared.resolve("layer-" + e.getKey()))));
        }
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

    /** Where a file's data lies, from the filesystem tools (debugfs, dump.erofs): (file offset, disk offset, length) runs. */
    static List<long[]> runs(String type, String path) throws Exception {
        List<long[]> out = new java.util.ArrayList<>();
        if (type.equals("ext4")) {
            List<Long> blocks = E2fs.blocks(disks.get(type), path);
            for (int i = 0; i < blocks.size(); i++) out.add(new long[] {(long) i * BS, blocks.get(i) * BS, BS});
        } else {
            for (ErofsUtils.Extent x : ErofsUtils.extents(disks.get(type), path)) out.add(new long[] {x.logical(), x.physical(), x.length()});
        }
        return out;
    }

    /** Reads a file of the image through its runs. */
    static byte[] readFile(Image img, String type, String path) throws Exception {
        byte[] out = new byte[files.get(path).length];
        for (long[] r : runs(type, path)) {
            int n = (int) Math.min(r[2], out.length - r[0]);
            if (n > 0) img.read(r[1], out, (int) r[0], n);
        }
        return out;
    }

    /** The 4 KiB disk blocks a file's data touches, cut at its size rounded up to 512 as the reference cuts it. */
    static TreeSet<Long> blocks(String type, String path) throws Exception {
        TreeSet<Long> out = new TreeSet<>();
        long left = (files.get(path).length + 511) / 512 * 512;
        for (long[] r : runs(type, path)) {
            long c = Math.min(r[2], left);
            left -= c;
            if (c > 0) for (long b = r[1] / BS; b <= (r[1] + c - 1) / BS; b++) out.add(b);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "erofs"})
    void listedFilesAreFetchedInTheBackgroundAndOthersAreNot(String type) throws Exception {
        Path list = tmp.resolve("prefetch.list");
        Files.writeString(list, "/big.bin\n/a/b/\n/does/not/exist\n");
        ImageConfig c = ImageConfig.parse("{\"repoBlobUrl\": \"" + registry.blobUrl(REPO) + "\", \"lowers\": [{\"digest\": \""
                + digests.get(type) + "\"}], \"recordTracePath\": \"" + list + "\"}", tmp);
        GlobalConfig g = GlobalConfig.defaults().withCache(tmp.resolve("cache"), 256L << 20)
                .withCredentials(registry.credJson(tmp.resolve("cred.json"))).withRefillSize(65536).withPrefetchConcurrency(4)
                .withHttp(GlobalConfig.Http.DEFAULT.withRetry(3, Duration.ofMillis(5), Duration.ofMillis(40)));
        List<String> listed = files.keySet().stream().filter(f -> f.equals("/big.bin") || f.startsWith("/a/b/")).toList();
        try (RegistryClient client = RegistryClient.create(g); Image img = Image.open(ImageSources.open(c, g, client), false)) {
            DynamicPrefetcher dp = img.sources().dynamicPrefetcher();
            assertNotNull(dp, "a list of paths starts the dynamic prefetch");
            assertTrue(dp.await(60, TimeUnit.SECONDS));
            TreeSet<Long> want = new TreeSet<>();
            for (String f : listed) want.addAll(blocks(type, f));
            TreeSet<Long> got = new TreeSet<>();
            for (Trace.Record r : dp.ranges()) {
                for (long b = r.offset() / BS; b <= (r.offset() + r.count() - 1) / BS; b++) got.add(b);
            }
            assertEquals(want, got, "the planned ranges are the listed files' blocks");
            long before = client.stats().rangeRequests();
            for (String f : listed) assertArrayEquals(files.get(f), readFile(img, type, f), f);
            assertEquals(before, client.stats().rangeRequests(), "the listed files were prefetched");
            assertArrayEquals(files.get("/data/cold.bin"), readFile(img, type, "/data/cold.bin"));
            assertTrue(client.stats().rangeRequests() > before, "an unlisted file is read on demand");
        }
    }
}
