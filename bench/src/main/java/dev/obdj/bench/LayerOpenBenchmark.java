package dev.obdj.bench;

import dev.obdj.Image;

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

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * B5 of docs/BENCH-ANCHORS.md: how long does opening a committed layer with a large index take?
 *
 * <p>{@code entries = 999936} is the anchor's layer (RW vsize 1 GiB, {@code payload("rand", i, 512)}
 * at {@code i*1024}, committed); {@code 2000000} is the same recipe with 2,000,000 writes over
 * 2 GiB, which the reference refuses to open (its limit is 1,000,000 entries).
 *
 * <p>Single-shot: each iteration opens the layer once through {@link Image#open} (map, header and
 * trailer checks, every index entry checked, index used in place), and closes it untimed. The
 * defaults ({@code -f 10 -wi 0 -i 1}) make every measurement the first open in a fresh JVM, as the
 * reference's runs were fresh processes; {@code -wi 20 -i 20} gives the warm (JIT-compiled)
 * figure. The file is read once in setup, so its pages are in the page cache (warm cache).
 *
 * <p>Baselines in the same run, both with no checks at all: {@code mapAndScan} maps the file with
 * FFM and reads the lo word of every index entry (the floor for an open that looks at the whole
 * index in place); {@code preadAndScan} does the same through plain NIO reads into a direct
 * buffer, which shows how much of a fresh JVM's first open is FFM's one-time bootstrap.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 10, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class LayerOpenBenchmark {
    private static final ValueLayout.OfLong LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Index entries written: 999936 (the anchor) or 2000000 (refused by the reference). */
    @Param({"999936", "2000000"})
    public int entries;

    private Path file;
    private Image opened;

    @Setup(Level.Trial)
    public void setUp() {
        file = AnchorData.b5Layer(entries);
        AnchorData.warmPageCache(file);
    }

    @TearDown(Level.Iteration)
    public void closeOpened() {
        if (opened != null) {
            long n = opened.indexEntries();
            opened.close();
            opened = null;
            if (n != entries) {
                throw new IllegalStateException("opened index has " + n + " entries, expected " + entries);
            }
        }
    }

    /** Opens the layer through the public API; closed untimed after the iteration. */
    @Benchmark
    public Image imageOpen() {
        opened = Image.open(List.of(file));
        return opened;
    }

    /** Baseline: map the file, read the trailer, sum the lo word of every index entry, unmap. */
    @Benchmark
    public long mapAndScan() throws IOException {
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long trailer = size - 4096;
            long indexOffset = m.get(LE, trailer + 32); // index_offset
            long n = m.get(LE, trailer + 40); // index_size
            long sum = 0;
            for (long i = 0; i < n; i++) {
                sum += m.get(LE, indexOffset + (i << 4));
            }
            return sum;
        }
    }

    /**
     * Baseline without FFM: pread the trailer and the index in 1 MiB pieces into a direct
     * ByteBuffer (classes the JDK's default CDS archive already holds) and sum the lo words.
     */
    @Benchmark
    public long preadAndScan() throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long size = ch.size();
            b.limit(4096);
            readFully(ch, b, size - 4096);
            long indexOffset = b.getLong(32);
            long n = b.getLong(40);
            long sum = 0;
            for (long done = 0; done < n; ) {
                int cnt = (int) Math.min(n - done, b.capacity() / 16);
                b.clear().limit(cnt * 16);
                readFully(ch, b, indexOffset + done * 16);
                for (int j = 0; j < cnt; j++) {
                    sum += b.getLong(j << 4);
                }
                done += cnt;
            }
            return sum;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }
}
