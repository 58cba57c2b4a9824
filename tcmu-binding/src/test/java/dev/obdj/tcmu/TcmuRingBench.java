package dev.obdj.tcmu;

import dev.obdj.CommitOptions;
import dev.obdj.CreateOptions;
import dev.obdj.Image;
import dev.obdj.Layers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * 4 KiB random READ(16) commands per second through the emulated kernel ring (kernel side in
 * Java: posting, notification through a pipe, reaping and copying data-in), at queue depth 1 and
 * 128, with 1 and 2 worker threads, on an in-memory disk and on a real image (two LSMT layers,
 * memory-mapped). {@code direct} makes the same reads on the same backend with no ring, in the
 * same run, as the baseline. Run through {@link TcmuBenchRunner}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class TcmuRingBench {
    static final long SIZE = 256L << 20;
    static final int BLOCK = 4096, BATCH = 4096;

    /** The disk: in memory, or a real image built once per trial. */
    @State(Scope.Benchmark)
    public static class Disk {
        @Param({"memory", "image"})
        public String backend;

        BlockBackend disk;
        Path dir;

        @Setup(Level.Trial)
        public void open() throws IOException {
            Random r = new Random(1);
            byte[] chunk = new byte[1 << 20];
            if (backend.equals("memory")) {
                MemoryBackend m = new MemoryBackend(SIZE, true);
                for (long off = 0; off < SIZE; off += chunk.length) {
                    r.nextBytes(chunk);
                    MemorySegment.copy(MemorySegment.ofArray(chunk), 0, m.disk(), off, chunk.length);
                }
                disk = m;
                return;
            }
            dir = Files.createTempDirectory("tcmu-bench");
            Path[] layers = {dir.resolve("l0.lsmt"), dir.resolve("l1.lsmt")};
            for (int l = 0; l < 2; l++) {
                Path data = dir.resolve("rw.data"), index = dir.resolve("rw.index");
                Layers.create(data, index, CreateOptions.ofSize(SIZE));
                try (Image img = Image.openWritable(List.of(), data, index)) {
                    // layer 0: everything; layer 1: every third 64 KiB, so reads cross both layers
                    for (long off = 0; off < SIZE; off += chunk.length) {
                        r.nextBytes(chunk);
                        if (l == 0) {
                            img.write(off, chunk, 0, chunk.length);
                        } else {
                            for (int k = 0; k < chunk.length; k += 3 * 65536) img.write(off + k, chunk, k, 65536);
                        }
                    }
                    img.flush();
                }
                Layers.commit(data, index, layers[l], CommitOptions.DEFAULT);
                Files.delete(data);
                Files.delete(index);
            }
            disk = new ImageBackend(Image.open(List.of(layers)), "bench image");
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            disk.close();
            if (dir != null) {
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
                }
            }
        }
    }

    /** The emulated kernel and a handler serving it. */
    @State(Scope.Benchmark)
    public static class Ring {
        @Param({"1", "128"})
        public int depth;

        /** 0: the ring thread executes every command itself. */
        @Param({"0", "1", "2"})
        public int workers;

        RingEmulator kernel;
        TcmuHandler handler;
        Thread thread;
        volatile Thread waiter;
        long submitted;
        long seed = 42;
        byte[][] cdbs;
        Arena arena;
        MemorySegment sink;

        @Setup(Level.Trial)
        public void start(Disk d) {
            kernel = new RingEmulator((1 << 20) - 128, 2048, 7);
            kernel.scrub = false;
            ScsiTarget target = new ScsiTarget(new NonClosing(d.disk), 512, 2048, ScsiTarget.Identity.of("bench"));
            handler = new TcmuHandler(new dev.obdj.tcmu.Ring(kernel.map), kernel.bell, target, workers);
            kernel.onReaped = () -> {
                Thread w = waiter;
                if (w != null) LockSupport.unpark(w);
            };
            thread = Thread.ofPlatform().daemon().name("tcmu-ring").start(handler::run);
            Random r = new Random(3);
            cdbs = new byte[8192][];
            long blocks = SIZE / BLOCK;
            for (int i = 0; i < cdbs.length; i++) cdbs[i] = Rig.read16((long) (r.nextDouble() * blocks) * (BLOCK / 512), BLOCK / 512);
            arena = Arena.ofShared();
            sink = arena.allocate(BLOCK); // where the "block layer" gets the data (one buffer: contents not checked)
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            handler.stop();
            thread.join();
            kernel.close();
            arena.close();
        }
    }

    /** The target's backend is shared by trials; closing is the Disk state's job. */
    record NonClosing(BlockBackend b) implements BlockBackend {
        @Override public long size() { return b.size(); }
        @Override public boolean writable() { return b.writable(); }
        @Override public boolean canDiscard() { return b.canDiscard(); }
        @Override public void read(long o, MemorySegment d, long dO, long l) { b.read(o, d, dO, l); }
        @Override public void write(long o, MemorySegment s, long sO, long l) { b.write(o, s, sO, l); }
        @Override public void discard(long o, long l) { b.discard(o, l); }
        @Override public void flush() { b.flush(); }
        @Override public void close() { }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long ring(Ring s) {
        RingEmulator k = s.kernel;
        long target = s.submitted + BATCH;
        while (s.submitted < target) {
            while (s.submitted - k.reaped.get() >= s.depth) {
                s.waiter = Thread.currentThread();
                if (s.submitted - k.reaped.get() >= s.depth) LockSupport.parkNanos(100_000);
                s.waiter = null;
            }
            byte[] cdb = s.cdbs[(int) (s.submitted & (s.cdbs.length - 1))];
            k.post(cdb, BLOCK, s.sink);
            s.submitted++;
        }
        while (k.reaped.get() < s.submitted) {
            s.waiter = Thread.currentThread();
            if (k.reaped.get() < s.submitted) LockSupport.parkNanos(100_000);
            s.waiter = null;
        }
        return k.reaped.get();
    }

    /** The baseline: the same 4 KiB reads straight from the backend, one thread. */
    @State(Scope.Thread)
    public static class Direct {
        long[] offsets;
        Arena arena;
        MemorySegment buf;
        int i;

        @Setup(Level.Trial)
        public void setup() {
            Random r = new Random(3);
            offsets = new long[8192];
            for (int k = 0; k < offsets.length; k++) offsets[k] = (long) (r.nextDouble() * (SIZE / BLOCK)) * BLOCK;
            arena = Arena.ofConfined();
            buf = arena.allocate(BLOCK);
        }

        @TearDown(Level.Trial)
        public void close() {
            arena.close();
        }
    }

    @Benchmark
    public MemorySegment direct(Disk d, Direct s) {
        d.disk.read(s.offsets[s.i++ & (s.offsets.length - 1)], s.buf, 0, BLOCK);
        return s.buf;
    }
}
