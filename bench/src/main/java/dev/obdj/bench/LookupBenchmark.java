package dev.obdj.bench;

import dev.obdj.io.Le;
import dev.obdj.lookup.LookupPath;
import dev.obdj.lookup.Lookups;
import dev.obdj.lookup.RangeLookup;
import dev.obdj.lookup.SegmentLookup;
import dev.obdj.sample.Payload;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * B0 of BENCH-ANCHORS.md: lookups per second on an index of N segments, segment i =
 * {offset i*16, length 8, moffset 8 + i*8}, keys uniform in [0, N*16) from XS(1), N from 1k to
 * 1M as in the anchor plus 10M (160 MB of entries; the reference has no figure there). Scores are
 * lookups per microsecond, i.e. millions per second. Every path sits beside its baselines here so
 * ratios come from one run:
 * <ul>
 *   <li>{@code treeVector}: the B+tree on the path the provider picks (vector512 on AVX-512),
 *       searched as the engine does: directory bucket, then one window compare (a walk down the
 *       tree when the bucket is crowded);</li>
 *   <li>{@code treeVector256}, {@code treeScalar}: the other kernels on the same tree;</li>
 *   <li>{@code walkVector}, {@code walkScalar}: the same tree searched by walking down from the
 *       root every time (directory unused), the vector and scalar kernels;</li>
 *   <li>{@code binarySearch}: plain binary search over the 16-byte entries;</li>
 *   <li>{@code batchedTree}, {@code batchedTree256}, {@code batchedScalar}: the batched form
 *       ({@code firstEndingAfter(long[], n, long[])}, all keys in one call) on the provider's
 *       path, on vector256 and on the scalar kernel; {@code batchedWalk}: the batched walk (eight
 *       descents in step);</li>
 *   <li>{@code fullLookupTree}, {@code fullLookupWalk}, {@code fullLookupBinary}: the full
 *       {@code lookup(key, 8 sectors)} contract (up to 16 mappings, edges trimmed) over the tree,
 *       the walk and binary search;</li>
 *   <li>{@code engineSearch}, {@code fullLookupEngine}: the same through the lookup the engine's
 *       stacks use ({@code Lookups.forEntries(entries, count)}: the tree on the provider's path).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class LookupBenchmark {
    /** Keys per invocation: 512 KiB of keys, streamed, so key loads do not compete with the tree. */
    static final int KEYS = 1 << 16;
    /** Sectors per full lookup: one 4 KiB read. */
    static final long RANGE = 8;

    @Param({"1000", "10000", "100000", "1000000", "10000000"})
    public int n;

    private Arena arena;
    private MemorySegment entries;
    private long[] keys;
    private long[] out;
    private long[] mappings;
    private SegmentLookup tree;
    private SegmentLookup tree256;
    private SegmentLookup treeScalar;
    private SegmentLookup walk;
    private SegmentLookup walkScalar;
    private SegmentLookup binary;
    private SegmentLookup engine;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        entries = arena.allocate(16L * n, 64);
        for (long i = 0; i < n; i++) {
            entries.set(Le.LONG, 16 * i, (16 * i) | (8L << 50));
            entries.set(Le.LONG, 16 * i + 8, 8 + 8 * i);
        }
        Payload.XorShift xs = new Payload.XorShift(1);
        keys = new long[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = xs.uniform(16L * n);
        }
        out = new long[KEYS];
        mappings = new long[2 * 16];
        LookupPath chosen = Lookups.path();
        LookupPath treePath = chosen == LookupPath.BINARY ? LookupPath.SCALAR : chosen;
        tree = Lookups.forEntries(entries, n, treePath);
        walk = Lookups.treeWalk(entries, n, treePath);
        walkScalar = Lookups.treeWalk(entries, n, LookupPath.SCALAR);
        tree256 = Lookups.forEntries(entries, n, LookupPath.VECTOR256);
        treeScalar = Lookups.forEntries(entries, n, LookupPath.SCALAR);
        binary = Lookups.forEntries(entries, n, LookupPath.BINARY);
        engine = Lookups.forEntries(entries, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tree.close();
        tree256.close();
        treeScalar.close();
        walk.close();
        walkScalar.close();
        engine.close();
        arena.close();
    }

    private long searchAll(SegmentLookup l) {
        long[] k = keys;
        long sum = 0;
        for (int i = 0; i < KEYS; i++) {
            sum += l.firstEndingAfter(k[i]);
        }
        return sum;
    }

    private long batchedAll(SegmentLookup l) {
        l.firstEndingAfter(keys, KEYS, out);
        return out[KEYS - 1];
    }

    private long fullAll(SegmentLookup l) {
        long[] k = keys;
        long[] m = mappings;
        long sum = 0;
        for (int i = 0; i < KEYS; i++) {
            int got = RangeLookup.lookup(l, entries, n, k[i], RANGE, m, 16);
            sum += got + m[0];
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long treeVector() {
        return searchAll(tree);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long treeVector256() {
        return searchAll(tree256);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long treeScalar() {
        return searchAll(treeScalar);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long walkVector() {
        return searchAll(walk);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long walkScalar() {
        return searchAll(walkScalar);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long binarySearch() {
        return searchAll(binary);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long batchedTree() {
        return batchedAll(tree);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long batchedTree256() {
        return batchedAll(tree256);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long batchedWalk() {
        return batchedAll(walk);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long batchedScalar() {
        return batchedAll(treeScalar);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long fullLookupTree() {
        return fullAll(tree);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long fullLookupWalk() {
        return fullAll(walk);
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long fullLookupBinary() {
        return fullAll(binary);
    }

    /** The lookup the engine's stacks use ({@code Lookups.forEntries(entries, count)}). */
    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long engineSearch() {
        return searchAll(engine);
    }

    /** The full lookup as the engine's stacks do it, through {@code Lookups.forEntries}. */
    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long fullLookupEngine() {
        return fullAll(engine);
    }
}
