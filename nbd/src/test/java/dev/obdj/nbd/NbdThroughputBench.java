package dev.obdj.nbd;

import dev.obdj.CommitOptions;
import dev.obdj.CreateOptions;
import dev.obdj.Image;
import dev.obdj.Layers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static dev.obdj.nbd.RealClients.ok;
import static dev.obdj.nbd.RealClients.uri;

/**
 * Read throughput through the NBD Unix socket (nbdcopy, qemu-img bench) against the same reads
 * done in-process on the same {@link Image}. Not part of the normal build; run with
 * {@code mvn -q -o -pl engine,nbd -am verify -Dtest=NbdThroughputBench -Dobdj.nbd.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 * Results go to stdout and {@code nbd/target/nbd-bench.txt}.
 */
@EnabledIfSystemProperty(named = "obdj.nbd.bench", matches = "true")
class NbdThroughputBench {
    static final long SIZE = 512L << 20;
    static final int SEQ_CONNECTIONS = 4, SEQ_REQUEST = 256 << 10;
    static final int RANDOM_OPS = 400_000, RANDOM_DEPTH = 16, BLOCK = 4096;
    static final long STEP = 257L * 4096; // coprime with the block count: visits every 4 KiB block once
    static final int ROUNDS = 3;

    @TempDir
    Path tmp;

    @Test
    void readThroughput() throws Exception {
        RealClients.assumeInstalled("nbdcopy", "qemu-img");
        Path layer = build();
        List<String> report = new ArrayList<>();
        report.add("image: one sealed LSMT layer, " + (SIZE >> 20) + " MiB of random data, page cache warm; "
                + Runtime.getRuntime().availableProcessors() + " CPUs");
        try (NbdServer server = new NbdServer(List.of(new NbdExport("", Image.open(List.of(layer)))), NbdServer.Options.DEFAULTS)) {
            Path sock = tmp.resolve("bench.sock");
            server.listenUnix(sock);
            Image img = server.exports().get("").image();
            ok(120, "nbdcopy", uri("", sock), "null:"); // warm up both sides
            seqInProcess(img);

            double nbdSeq = best(() -> ok(120, "nbdcopy", "--connections=" + SEQ_CONNECTIONS,
                    "--request-size=" + SEQ_REQUEST, uri("", sock), "null:"));
            double inSeq = best(() -> seqInProcess(img));
            double mb = SIZE / 1048576.0;
            report.add(String.format("sequential %d KiB reads, %d streams: NBD (nbdcopy) %.0f MiB/s, in-process %.0f MiB/s, ratio %.2f",
                    SEQ_REQUEST >> 10, SEQ_CONNECTIONS, mb / nbdSeq, mb / inSeq, inSeq / nbdSeq));

            double nbdRnd = best(() -> ok(120, "qemu-img", "bench", "-f", "raw", "-c", "" + RANDOM_OPS, "-d", "" + RANDOM_DEPTH,
                    "-s", "" + BLOCK, "-S", "" + STEP, uri("", sock)));
            double inRnd = best(() -> randomInProcess(img));
            report.add(String.format("4 KiB strided-random reads, depth %d, %d ops: NBD (qemu-img bench) %.0f kIOPS (%.0f MiB/s), "
                            + "in-process %.0f kIOPS (%.0f MiB/s), ratio %.2f",
                    RANDOM_DEPTH, RANDOM_OPS, RANDOM_OPS / nbdRnd / 1000, RANDOM_OPS * 4.0 / 1024 / nbdRnd,
                    RANDOM_OPS / inRnd / 1000, RANDOM_OPS * 4.0 / 1024 / inRnd, inRnd / nbdRnd));
        }
        report.add("NBD times include starting the client process; ratio = NBD throughput / in-process throughput");
        report.forEach(System.out::println);
        Files.write(Path.of("target/nbd-bench.txt"), report);
    }

    private Path build() {
        Path data = tmp.resolve("b.data"), index = tmp.resolve("b.index"), layer = tmp.resolve("b.lsmt");
        Layers.create(data, index, CreateOptions.ofSize(SIZE));
        try (Image img = Image.openWritable(List.of(), data, index); Arena a = Arena.ofConfined()) {
            byte[] chunk = new byte[4 << 20];
            MemorySegment buf = a.allocate(chunk.length);
            Random rnd = new Random(5);
            for (long off = 0; off < SIZE; off += chunk.length) {
                rnd.nextBytes(chunk);
                MemorySegment.copy(MemorySegment.ofArray(chunk), 0, buf, 0, chunk.length);
                img.write(off, buf);
            }
        }
        Layers.commit(data, index, layer, new CommitOptions(null, null, null));
        return layer;
    }

    interface Run {
        void run() throws Exception;
    }

    /** Best wall time of {@link #ROUNDS} runs, in seconds. */
    static double best(Run r) throws Exception {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < ROUNDS; i++) {
            long t = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        return best;
    }

    /** The same work as nbdcopy: SEQ_CONNECTIONS streams of SEQ_REQUEST reads over the whole disk. */
    static void seqInProcess(Image img) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < SEQ_CONNECTIONS; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment buf = a.allocate(SEQ_REQUEST, 4096);
                    for (long off; (off = next.getAndAdd(SEQ_REQUEST)) < SIZE; ) {
                        img.read(off, buf, 0, Math.min(SEQ_REQUEST, SIZE - off));
                    }
                }
            }));
        }
        for (Thread t : ts) t.join();
    }

    /** The same offsets as qemu-img bench -S STEP, RANDOM_DEPTH threads. */
    static void randomInProcess(Image img) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < RANDOM_DEPTH; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment buf = a.allocate(BLOCK, 4096);
                    for (long i; (i = next.getAndIncrement()) < RANDOM_OPS; ) {
                        img.read((i * STEP) % SIZE, buf, 0, BLOCK);
                    }
                }
            }));
        }
        for (Thread t : ts) t.join();
    }
}
