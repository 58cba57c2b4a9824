package dev.obdj.registry;

import dev.obdj.CommitOptions;
import dev.obdj.CreateOptions;
import dev.obdj.Image;
import dev.obdj.Layers;
import dev.obdj.ZFileOptions;
import dev.obdj.config.GlobalConfig;
import dev.obdj.config.ImageConfig;
import dev.obdj.config.ImageSources;
import dev.obdj.testing.FaultProxy;
import dev.obdj.testing.LocalRegistry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Bench (not run by default): time to first byte and total time to read the trace-covered ranges
 * of a registry image, without and with trace prefetch, straight to the local registry and through
 * a proxy adding 20 ms per request. Run:
 * {@code mvn -q -o -pl engine verify -Dtest=RegistryPrefetchBench -Dobdj.bench=true -Dsurefire.failIfNoSpecifiedTests=false}
 */
class RegistryPrefetchBench {
    static final long VSIZE = 256L << 20;
    static final int READS = 300, READ = 16384;

    @TempDir
    Path tmp;

    @Test
    void bench() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("obdj.bench"), "set -Dobdj.bench=true to run the bench");
        // One ZFile layer of 64 MiB of half-compressible data in a 256 MiB disk.
        Path data = tmp.resolve("rw.data"), index = tmp.resolve("rw.index"), layer = tmp.resolve("layer.zfile");
        Layers.create(data, index, CreateOptions.ofSize(VSIZE));
        Random r = new Random(1);
        try (Image w = Image.openWritable(List.of(), data, index)) {
            byte[] chunk = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                r.nextBytes(chunk);
                for (int k = 0; k < chunk.length; k += 64) Arrays.fill(chunk, k, k + 32, (byte) i);
                w.write((long) i * 4 << 20, chunk, 0, chunk.length);
            }
            w.flush();
        }
        Layers.commit(data, index, layer, CommitOptions.DEFAULT.withZFile(ZFileOptions.commitDefaults()));
        long[] offsets = new long[READS];
        for (int i = 0; i < READS; i++) offsets[i] = ((long) r.nextInt(64) * 4 << 20) + (long) r.nextInt((1 << 20) - READ) / 512 * 512;

        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("registry")); FaultProxy slow = new FaultProxy(reg.base())) {
            String digest = reg.push("bench/img", layer);
            long size = Files.size(layer);
            slow.fallback(new FaultProxy.Delay(20));
            Path cred = reg.credJson(tmp.resolve("cred.json"));
            // Record the trace once.
            Path trace = tmp.resolve("trace");
            Files.writeString(trace, "");
            run(cfg(reg.blobUrl("bench/img"), digest, size, trace), global(tmp.resolve("c-rec"), cred), offsets);
            System.out.printf("bench: layer %d bytes (ZFile), %d reads of %d bytes, trace %d bytes%n", size, READS, READ, Files.size(trace));
            for (String via : List.of("registry", "registry+20ms")) {
                String url = via.equals("registry") ? reg.blobUrl("bench/img") : slow.blobUrl("bench/img");
                for (boolean prefetch : new boolean[] {false, true}) {
                    List<double[]> runs = new ArrayList<>();
                    for (int rep = 0; rep < 3; rep++) {
                        Path cache = tmp.resolve("c-" + via + prefetch + rep);
                        runs.add(run(cfg(url, digest, size, prefetch ? trace : null), global(cache, cred), offsets));
                    }
                    runs.sort((a, b) -> Double.compare(a[1], b[1]));
                    double[] m = runs.get(1);
                    System.out.printf("bench: %-14s prefetch=%-5s open %6.1f ms, first byte %6.1f ms, all reads %7.1f ms (median of 3)%n",
                            via, prefetch, m[0], m[2], m[1]);
                }
            }
        }
    }

    ImageConfig cfg(String url, String digest, long size, Path trace) {
        return ImageConfig.parse("{\"repoBlobUrl\":\"" + url + "\",\"lowers\":[{\"digest\":\"" + digest + "\",\"size\":" + size + "}]"
                + (trace != null ? ",\"recordTracePath\":\"" + trace + "\"" : "") + "}", tmp);
    }

    GlobalConfig global(Path cache, Path cred) {
        return GlobalConfig.defaults().withCache(cache, 1L << 30).withCredentials(cred).withPrefetchConcurrency(16);
    }

    /** open ms, total ms (open + all reads), first byte ms (from the start of open). */
    double[] run(ImageConfig c, GlobalConfig g, long[] offsets) {
        byte[] buf = new byte[READ];
        long t0 = System.nanoTime();
        try (Image img = Image.open(ImageSources.open(c, g, null), false)) {
            long t1 = System.nanoTime();
            long first = 0;
            for (int i = 0; i < offsets.length; i++) {
                img.read(offsets[i], buf, 0, READ);
                if (i == 0) first = System.nanoTime();
            }
            long t2 = System.nanoTime();
            return new double[] {(t1 - t0) / 1e6, (t2 - t0) / 1e6, (first - t0) / 1e6};
        }
    }
}
