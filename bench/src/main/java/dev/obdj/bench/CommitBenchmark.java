package dev.obdj.bench;

import dev.obdj.CommitOptions;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * B3(a) of BENCH-ANCHORS.md: commit of a 512 MiB RW layer (8192 writes of 64 KiB at shuffled
 * slots of a 1 GiB disk, alternating {@code rand} and {@code comp} payloads) into a plain sealed
 * blob, no fsync; beside it a plain copy of the RW data file ({@code FileChannel.transferTo}), the
 * floor any commit pays. Score = seconds per commit; MB/s of input = 536.9 / score.
 * Reference: 2060 MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class CommitBenchmark {
    Path dir, data, index, out;

    @Setup(Level.Trial)
    public void layer() throws IOException {
        dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "obdj-bench", "b3"));
        data = dir.resolve("rw.data");
        index = dir.resolve("rw.index");
        out = dir.resolve("out.lsmt");
        if (Files.exists(dir.resolve("complete"))) {
            return;
        }
        Files.deleteIfExists(data);
        Files.deleteIfExists(index);
        Layers.create(data, index, CreateOptions.ofSize(1L << 30));
        int[] perm = new int[16384];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        Payload.XorShift xs = new Payload.XorShift(3000);
        for (int i = 16383; i >= 1; i--) {
            int j = (int) xs.uniform(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        try (Image img = Image.openWritable(List.of(), data, index); Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(65536);
            for (int k = 0; k < 8192; k++) {
                Payload.fill(k % 2 == 0 ? Payload.Kind.RAND : Payload.Kind.COMP, k, buf, 0, 65536);
                img.write(perm[k] * 65536L, buf);
            }
            img.flush();
        }
        Files.createFile(dir.resolve("complete"));
    }

    @Setup(Level.Invocation)
    @TearDown(Level.Invocation)
    public void removeOutput() throws IOException {
        Files.deleteIfExists(out);
    }

    @Benchmark
    public long commitPlain() {
        return Layers.commit(data, index, out, CommitOptions.DEFAULT);
    }

    @Benchmark
    public long copyBaseline() throws IOException {
        try (FileChannel in = FileChannel.open(data); FileChannel o = FileChannel.open(out, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            long n = in.size();
            for (long at = 0; at < n; ) {
                at += in.transferTo(at, n - at, o);
            }
            return n;
        }
    }
}
