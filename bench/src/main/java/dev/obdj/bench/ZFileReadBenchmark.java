package dev.obdj.bench;

import dev.obdj.io.MappedFile;
import dev.obdj.io.Le;
import dev.obdj.zfile.ZFileReader;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import com.github.luben.zstd.ZstdDecompressCtx;
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
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import dev.obdj.sample.Payload;

/**
 * B2: reads of B1's layer 0 (514,600,960 incompressible bytes) compressed whole as ZFile with block
 * CRCs and the header overwritten. Beside each ZFile figure, the raw codec decoding the same blocks
 * (no CRC, no ZFile logic) on the same read pattern: random = 200,000 × 4 KiB at
 * {@code XS(42).uniform(size/4096)·4096}, sequential = 1 MiB reads over the file. Scores are reads/s;
 * multiply by 4096 or 1,048,576 for bytes/s. Each pass checks the anchor's checksum.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ZFileReadBenchmark {
    static final int RANDOM_READS = 200_000;
    static final long RANDOM_CHECK = 0x79ba659da9f6aff4L;
    static final long SEQUENTIAL_CHECK = 0xcb7a1afe704d206eL;
    static final int SEQ = 1 << 20;
    static final int SEQ_READS = 491; // ceil(514,600,960 / 1 MiB)

    @Param({"lz4-4k", "lz4-32k", "zstd-4k"})
    public String encoding;

    private ZFileReader reader;
    private ZFileReader serialReader;
    private ByteBuffer crcView;
    private final java.util.zip.CRC32C crc32c = new java.util.zip.CRC32C();
    private Arena arena;
    private MemorySegment small, big, block;
    private ByteBuffer bigBuf, blockBuf, fileBuf;
    private MemorySegment file;
    private MappedFile raw;
    private long[] offsets;
    private int[] payloads;
    private int bs;
    private boolean lz4;
    private LZ4SafeDecompressor lz4d;
    private ZstdDecompressCtx zstd;

    @Setup(Level.Trial)
    public void setup() {
        var path = ZFileBenchData.b2ZFile(encoding);
        reader = ZFileReader.open(MappedFile.open(path));
        serialReader = ZFileReader.open(MappedFile.open(path), new ZFileReader.Options(1L << 20, false));
        arena = Arena.ofShared();
        small = arena.allocate(4096, 4096);
        big = arena.allocate(SEQ, 4096);
        block = arena.allocate(65536, 4096);
        bigBuf = big.asByteBuffer();
        blockBuf = block.asByteBuffer();
        raw = MappedFile.open(path);
        file = raw.segment();
        fileBuf = file.asByteBuffer(); // < 2 GiB
        crcView = fileBuf.duplicate();
        bs = reader.fields().blockSize();
        lz4 = reader.codec().id() == 1;
        lz4d = LZ4Factory.fastestInstance().safeDecompressor();
        zstd = new ZstdDecompressCtx();
        int n = reader.blockCount();
        offsets = new long[n];
        payloads = new int[n];
        for (int b = 0; b < n; b++) {
            offsets[b] = reader.blockOffset(b);
            payloads[b] = reader.blockStored(b) - (reader.fields().hasBlockCrc() ? 4 : 0);
        }
        long sum = 0; // page cache: touch the file once, untimed
        for (long at = 0; at < file.byteSize(); at += 4096) {
            sum += file.get(Le.BYTE, at);
        }
        if (sum == 42) {
            System.err.println();
        }
        if (sequentialZFile() != SEQ_READS || sequentialZFileSerial() != SEQ_READS || sequentialRawCodecCrc() != SEQ_READS) {
            throw new AssertionError();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        reader.close();
        serialReader.close();
        raw.close();
        zstd.close();
        arena.close();
    }

    private static long check(MemorySegment buf, long len) {
        return buf.get(Le.LONG, 0) ^ buf.get(Le.LONG, len - 8);
    }

    private static void expect(long got, long want, String what) {
        if (got != want) {
            throw new AssertionError(what + " checksum " + Long.toHexString(got) + ", anchor " + Long.toHexString(want));
        }
    }

    @Benchmark
    @OperationsPerInvocation(RANDOM_READS)
    public long randomZFile() {
        Payload.XorShift xs = new Payload.XorShift(42);
        long pages = reader.size() / 4096, sum = 0;
        for (int i = 0; i < RANDOM_READS; i++) {
            reader.read(xs.uniform(pages) * 4096, small, 0, 4096);
            sum += check(small, 4096);
        }
        expect(sum, RANDOM_CHECK, "random");
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(RANDOM_READS)
    public long randomRawCodec() {
        Payload.XorShift xs = new Payload.XorShift(42);
        long pages = reader.size() / 4096, sum = 0;
        for (int i = 0; i < RANDOM_READS; i++) {
            long pos = xs.uniform(pages) * 4096;
            int b = (int) (pos / bs);
            int len = decode(b, blockBuf, 0);
            MemorySegment.copy(block, pos - (long) b * bs, small, 0, 4096);
            sum += check(small, 4096) + (len & 0);
        }
        expect(sum, RANDOM_CHECK, "random raw");
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(SEQ_READS)
    public long sequentialZFile() {
        return sequential(reader, "sequential");
    }

    /** The same reads with {@code splitReads} off: every block checked and decoded on the calling thread. */
    @Benchmark
    @OperationsPerInvocation(SEQ_READS)
    public long sequentialZFileSerial() {
        return sequential(serialReader, "sequential, serial");
    }

    /** 1 MiB reads over the whole file through {@code r}, checked against the anchor; returns the read count. */
    private long sequential(ZFileReader r, String what) {
        long sum = 0, size = r.size(), reads = 0;
        for (long at = 0; at < size; at += SEQ) {
            int n = (int) Math.min(SEQ, size - at);
            r.read(at, big, 0, n);
            sum += check(big, n);
            reads++;
        }
        expect(sum, SEQUENTIAL_CHECK, what);
        return reads;
    }

    /** The raw codec plus a CRC32C of each block's compressed bytes, one thread: the floor for a checked read. */
    @Benchmark
    @OperationsPerInvocation(SEQ_READS)
    public long sequentialRawCodecCrc() {
        long sum = 0, size = reader.size(), reads = 0, crcs = 0;
        for (long at = 0; at < size; at += SEQ) {
            int n = (int) Math.min(SEQ, size - at);
            int first = (int) (at / bs);
            for (int k = 0; k * bs < n; k++) {
                int b = first + k;
                crc32c.reset();
                crcView.limit((int) offsets[b] + payloads[b]).position((int) offsets[b]);
                crc32c.update(crcView);
                crcs += crc32c.getValue();
                decode(b, bigBuf, k * bs);
            }
            sum += check(big, n) + (crcs & 0);
            reads++;
        }
        expect(sum, SEQUENTIAL_CHECK, "sequential raw + crc");
        return reads;
    }

    @Benchmark
    @OperationsPerInvocation(SEQ_READS)
    public long sequentialRawCodec() {
        long sum = 0, size = reader.size(), reads = 0;
        int perRead = SEQ / bs;
        for (long at = 0; at < size; at += SEQ) {
            int n = (int) Math.min(SEQ, size - at);
            int first = (int) (at / bs);
            for (int k = 0; k * bs < n; k++) {
                decode(first + k, bigBuf, k * bs);
            }
            sum += check(big, n) + (perRead & 0);
            reads++;
        }
        expect(sum, SEQUENTIAL_CHECK, "sequential raw");
        return reads;
    }

    /** The raw codec alone: decode block b to dst[off...], no CRC. */
    private int decode(int b, ByteBuffer dst, int off) {
        int len = (int) Math.min(bs, reader.size() - (long) b * bs);
        if (lz4) {
            return lz4d.decompress(fileBuf, (int) offsets[b], payloads[b], dst, off, len);
        }
        return zstd.decompressDirectByteBuffer(dst, off, len, fileBuf, (int) offsets[b], payloads[b]);
    }
}
