package dev.obdj.bench;

import dev.obdj.io.ByteSource;
import dev.obdj.io.MappedFile;
import dev.obdj.lsmt.RwLayerView;
import dev.obdj.zfile.BlockCodec;
import dev.obdj.zfile.ZFileWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * B3: commit the B3 RW layer (512 MiB of 64 KiB writes, alternating random and compressible) into a
 * new file, no fsync. {@code zfile}: LZ4 4 KiB with block CRCs and header overwrite (the
 * {@code overlaybd-commit -z} output), by encoder ({@code lz4} = reference-identical bytes,
 * {@code lz4-native} = liblz4) and thread count; baseline {@code plainBlob}: the sealed blob without
 * ZFile. Scores are ms per commit; MB/s of input = 536.870912 / (score / 1000). Each commit
 * writes a new file: the previous output is deleted before the invocation, untimed (truncating it
 * in the timed part frees its page cache there, and ext4 then flushes the rewritten file on close).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ZFileCommitBenchmark {
    private ByteSource data, index;
    private RwLayerView rw;

    @State(Scope.Benchmark)
    public static class Encoding {
        @Param({"lz4", "lz4-native"})
        public String encoder;
        @Param({"1", "2"})
        public int threads;
    }

    @Setup(Level.Trial)
    public void setup() {
        Path[] p = ZFileBenchData.b3Rw();
        data = MappedFile.open(p[0]);
        index = MappedFile.open(p[1]);
        rw = RwLayerView.open(data, index);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rw.close();
        data.close();
        index.close();
    }

    @Setup(Level.Invocation)
    public void deleteOutputs() throws java.io.IOException {
        java.nio.file.Files.deleteIfExists(ZFileBenchData.DIR.resolve("zf-b3-out.lsmt"));
        java.nio.file.Files.deleteIfExists(ZFileBenchData.DIR.resolve("zf-b3-out.zfile"));
    }

    @Benchmark
    public long plainBlob() {
        return ZFileBenchData.commit(rw, data, ZFileBenchData.DIR.resolve("zf-b3-out.lsmt"), null);
    }

    @Benchmark
    public long zfile(Encoding e) {
        ZFileWriter.Options o = ZFileWriter.Options.commit().withCodec(BlockCodec.forName(e.encoder)).withThreads(e.threads);
        return ZFileBenchData.commit(rw, data, ZFileBenchData.DIR.resolve("zf-b3-out.zfile"), o);
    }
}
