package dev.obdj.bench;

import dev.obdj.Image;
import dev.obdj.io.Le;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * B2 last row: B1's 5-layer stack with layer 0 as the LZ4 4 KiB ZFile, B1's random loop
 * ({@code XS(42)}, 1,000,000 × 4 KiB at {@code uniform(262144)·4096}); baseline: the same stack with
 * layer 0 plain. Scores are reads/s. Each pass checks B1's anchor checksum (the content is the same).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ZFileStackBenchmark {
    static final int READS = 1_000_000;
    static final long CHECK = 0xe2ab123a06f27f62L;

    @Param({"lz4-4k", "plain"})
    public String layer0;

    private Image image;
    private Arena arena;
    private MemorySegment buf;

    @Setup(Level.Trial)
    public void setup() {
        List<Path> layers = new ArrayList<>();
        layers.add(layer0.equals("plain") ? ZFileBenchData.b1Layer(0) : ZFileBenchData.b2ZFile(layer0));
        for (int l = 1; l < 5; l++) {
            layers.add(ZFileBenchData.b1Layer(l));
        }
        image = Image.open(layers);
        arena = Arena.ofShared();
        buf = arena.allocate(4096, 4096);
        random(); // page cache and warm-up pass, untimed
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        image.close();
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(READS)
    public long random() {
        Payload.XorShift xs = new Payload.XorShift(42);
        long sum = 0;
        for (int i = 0; i < READS; i++) {
            image.read(xs.uniform(262144) * 4096, buf);
            sum += buf.get(Le.LONG, 0) ^ buf.get(Le.LONG, 4088);
        }
        if (sum != CHECK) {
            throw new AssertionError("stack random checksum " + Long.toHexString(sum) + ", anchor " + Long.toHexString(CHECK));
        }
        return sum;
    }
}
