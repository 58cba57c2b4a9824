package dev.obdj.bench;

import dev.obdj.Image;
import dev.obdj.sample.Payload;

import org.openjdk.jmh.annotations.AuxCounters;
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
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * B1 of docs/BENCH-ANCHORS.md: how fast are reads through the merged view of a layer stack?
 *
 * <p>Workloads, each one whole invocation: {@code random} = 1,000,000 reads of 4 KiB at
 * {@code XS(42).uniform(262144)*4096}; {@code sequential} = 64 KiB reads over [0, 1 GiB).
 * {@code layers} picks the five-layer stack or layer 0 alone. Reads go through the public
 * {@link Image} API into one reused off-heap buffer.
 *
 * <p>Baseline in the same run: the {@code flat*} methods do the same reads as plain
 * {@code MemorySegment.copy} calls from a mapped file holding the flattened disk (same offsets,
 * same bytes, no lookup), so {@code image / flat} is the price of the LSMT lookup and dispatch.
 *
 * <p>Every invocation computes the anchors' checksum {@code sum(w[0] ^ w[last])} over all reads
 * and fails unless it equals the reference's value: the same bytes were read.
 *
 * <p>Scores are reads/s; the {@code mbPerSec} secondary result is MB/s (10^6 bytes).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class MergedReadBenchmark {
    static final long SIZE = 1L << 30;
    static final int RANDOM_READS = 1_000_000;
    static final int RANDOM_LEN = 4096;
    static final int SEQ_LEN = 65536;
    static final int SEQ_READS = (int) (SIZE / SEQ_LEN);
    private static final ValueLayout.OfLong LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code stack5}: the five B1 layers, lowest first; {@code layer0}: layer 0 alone. */
    @Param({"stack5", "layer0"})
    public String layers;

    private Image image;
    private Arena arena;
    private MemorySegment flat;
    private MemorySegment buf;
    private long expectRandom;
    private long expectSequential;

    /** Bytes read, reported by JMH as a rate: the MB/s figure. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes {
        /** MB (10^6 bytes) read; JMH reports it per second. */
        public double mbPerSec;

        @Setup(Level.Iteration)
        public void reset() {
            mbPerSec = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        List<Path> files = switch (layers) {
            case "stack5" -> AnchorData.b1Layers();
            case "layer0" -> List.of(AnchorData.b1Layer(0));
            default -> throw new IllegalArgumentException("layers: stack5 or layer0, got " + layers);
        };
        boolean stack = layers.equals("stack5");
        expectRandom = stack ? 0xe2ab123a06f27f62L : 0xbc90659248c3d1faL;
        expectSequential = stack ? 0x5c1eb222200d5d9bL : 0x765626d079d4610aL;
        Path flatFile = AnchorData.flat("b1-" + layers, files);
        for (Path f : files) {
            AnchorData.warmPageCache(f);
        }
        AnchorData.warmPageCache(flatFile);
        image = Image.open(files);
        if (image.size() != SIZE) {
            throw new IllegalStateException("B1 disk must be 1 GiB, got " + image.size());
        }
        arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(flatFile, StandardOpenOption.READ)) {
            flat = ch.map(FileChannel.MapMode.READ_ONLY, 0, SIZE, arena);
        }
        buf = arena.allocate(SEQ_LEN, 4096);
        // The untimed pass: maps every page into this process and proves the bytes before timing.
        verify("setup random", expectRandom, random());
        verify("setup sequential", expectSequential, sequential());
        verify("setup flat random", expectRandom, flatRandom());
        verify("setup flat sequential", expectSequential, flatSequential());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        image.close();
        arena.close();
    }

    private static void verify(String what, long expected, long got) {
        if (expected != got) {
            throw new IllegalStateException(what + ": checksum " + Long.toHexString(got)
                    + " differs from the reference's " + Long.toHexString(expected) + ": not the same bytes");
        }
    }

    private long check(long len) {
        return buf.get(LE, 0) ^ buf.get(LE, len - 8);
    }

    long random() {
        long sum = 0;
        Payload.XorShift xs = new Payload.XorShift(42); // offsets drawn inline, as the reference does
        for (int i = 0; i < RANDOM_READS; i++) {
            long off = xs.uniform(262_144) * 4096;
            image.read(off, buf, 0, RANDOM_LEN);
            sum += check(RANDOM_LEN);
        }
        return sum;
    }

    long sequential() {
        long sum = 0;
        for (long off = 0; off < SIZE; off += SEQ_LEN) {
            image.read(off, buf, 0, SEQ_LEN);
            sum += check(SEQ_LEN);
        }
        return sum;
    }

    long flatRandom() {
        long sum = 0;
        Payload.XorShift xs = new Payload.XorShift(42); // offsets drawn inline, as the reference does
        for (int i = 0; i < RANDOM_READS; i++) {
            long off = xs.uniform(262_144) * 4096;
            MemorySegment.copy(flat, off, buf, 0, RANDOM_LEN);
            sum += check(RANDOM_LEN);
        }
        return sum;
    }

    long flatSequential() {
        long sum = 0;
        for (long off = 0; off < SIZE; off += SEQ_LEN) {
            MemorySegment.copy(flat, off, buf, 0, SEQ_LEN);
            sum += check(SEQ_LEN);
        }
        return sum;
    }

    /** 1,000,000 random 4 KiB reads through {@link Image#read}. Score: reads/s. */
    @Benchmark
    @OperationsPerInvocation(RANDOM_READS)
    public long imageRandom4k(Bytes b) {
        long sum = random();
        verify("random", expectRandom, sum);
        b.mbPerSec += RANDOM_READS * (double) RANDOM_LEN / 1e6;
        return sum;
    }

    /** 64 KiB reads over [0, 1 GiB) through {@link Image#read}. Score: reads/s. */
    @Benchmark
    @OperationsPerInvocation(SEQ_READS)
    public long imageSequential64k(Bytes b) {
        long sum = sequential();
        verify("sequential", expectSequential, sum);
        b.mbPerSec += SIZE / 1e6;
        return sum;
    }

    /** Baseline: the same random reads copied straight from the mapped flattened disk. */
    @Benchmark
    @OperationsPerInvocation(RANDOM_READS)
    public long flatRandom4k(Bytes b) {
        long sum = flatRandom();
        verify("flat random", expectRandom, sum);
        b.mbPerSec += RANDOM_READS * (double) RANDOM_LEN / 1e6;
        return sum;
    }

    /** Baseline: the same sequential reads copied straight from the mapped flattened disk. */
    @Benchmark
    @OperationsPerInvocation(SEQ_READS)
    public long flatSequential64k(Bytes b) {
        long sum = flatSequential();
        verify("flat sequential", expectSequential, sum);
        b.mbPerSec += SIZE / 1e6;
        return sum;
    }
}
