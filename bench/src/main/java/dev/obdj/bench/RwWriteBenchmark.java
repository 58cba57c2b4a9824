package dev.obdj.bench;

import dev.obdj.CreateOptions;
import dev.obdj.Image;
import dev.obdj.Layers;
import dev.obdj.sample.Payload;
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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * B4 of BENCH-ANCHORS.md: 200,000 random 4 KiB writes into a new RW layer (vsize 1 GiB; 1024
 * buffers {@code payload("rand", j, 4096)}; offsets {@code XS(4000).uniform(262144) * 4096}),
 * without sync and with a flush every 1000 writes, beside a plain {@code FileChannel} pwrite of
 * the same buffers at the same offsets into a preallocated file (with {@code force} every 1000
 * for the synced variant). Reference: 228,100 writes/s (no sync), 134,600 writes/s (sync/1000).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class RwWriteBenchmark {
    static final int WRITES = 200_000;
    static final long VSIZE = 1L << 30;

    /** 0: no sync; 1000: flush every 1000 writes. */
    @Param({"0", "1000"})
    public int syncEvery;

    Path dir;
    Arena arena;
    MemorySegment buffers;
    long[] offsets;
    Image img;
    FileChannel plain;
    int run;

    @Setup(Level.Trial)
    public void data() throws IOException {
        dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "obdj-bench", "b4"));
        arena = Arena.ofShared();
        buffers = arena.allocate(1024L * 4096, 4096);
        for (int j = 0; j < 1024; j++) {
            Payload.fill(Payload.Kind.RAND, j, buffers, j * 4096L, 4096);
        }
        Payload.XorShift xs = new Payload.XorShift(4000);
        offsets = new long[WRITES];
        for (int i = 0; i < WRITES; i++) {
            offsets[i] = xs.uniform(262144) * 4096;
        }
    }

    @Setup(Level.Invocation)
    public void fresh() throws IOException {
        clean();
        run++;
        Path d = dir.resolve("rw" + run + ".data"), i = dir.resolve("rw" + run + ".index");
        Layers.create(d, i, CreateOptions.ofSize(VSIZE));
        img = Image.openWritable(List.of(), d, i);
        plain = FileChannel.open(dir.resolve("plain" + run + ".img"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        plain.write(ByteBuffer.allocate(1), VSIZE - 1);
    }

    @TearDown(Level.Invocation)
    public void clean() throws IOException {
        if (img != null) {
            img.close();
            img = null;
        }
        if (plain != null) {
            plain.close();
            plain = null;
        }
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
        }
    }

    @TearDown(Level.Trial)
    public void done() {
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(WRITES)
    public void obdjWrites() {
        for (int i = 0; i < WRITES; i++) {
            img.write(offsets[i], buffers, (i & 1023) * 4096L, 4096);
            if (syncEvery > 0 && (i + 1) % syncEvery == 0) {
                img.flush();
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(WRITES)
    public void plainFileChannelWrites() throws IOException {
        for (int i = 0; i < WRITES; i++) {
            ByteBuffer bb = buffers.asSlice((i & 1023) * 4096L, 4096).asByteBuffer();
            long at = offsets[i];
            while (bb.hasRemaining()) {
                at += plain.write(bb, at);
            }
            if (syncEvery > 0 && (i + 1) % syncEvery == 0) {
                plain.force(false);
            }
        }
    }
}
