package dev.obdj.fuzz;

import dev.obdj.testing.LayerModel;
import dev.obdj.testing.TestBlobs;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.obdj.ExtentVisitor;
import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;
import dev.obdj.lsmt.LayerStack;
import dev.obdj.zfile.BlockCodec;
import dev.obdj.zfile.ZFileReader;
import dev.obdj.zfile.ZFileWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Target 2: a stack of 1-4 small sealed blobs (some wrapped in ZFile), optionally with an RW pair
 * on top, built from fuzzed operations; then reads and extent walks at fuzzed offsets and lengths,
 * compared with a byte-array model of the merged disk. With a fuzzed byte flipped in one file the
 * stack may refuse to open (a FormatException) but must never fail otherwise or read outside a file.
 */
class StackReadFuzzTest {
    private static final int MAX_SECTORS = 512;
    private static final MemorySegment DST = Arena.global().allocate(MAX_SECTORS * 512L, 4096);

    /** The allocation budget covers opening and reading the stack, not building its files. */
    @FuzzTest
    void stack(byte[] input) {
        check(new FuzzInput(input));
    }

    static void check(FuzzInput in) {
        int sectors = in.consumeInt(1, MAX_SECTORS);
        long vsize = sectors * 512L - in.consumeInt(0, 511);
        int layers = in.consumeInt(1, 4);
        boolean rw = in.consumeBoolean();
        Random r = new Random(in.consumeLong());
        List<LayerModel> models = new ArrayList<>();
        for (int l = 0; l < layers + (rw ? 1 : 0); l++) {
            models.add(model(in, sectors));
        }
        List<byte[]> files = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            byte[] blob = TestBlobs.sealedBytes(models.get(l), vsize, r);
            int codec = in.consumeInt(0, 4); // 0-2: plain; 3: lz4 ZFile; 4: zstd ZFile
            if (codec >= 3) {
                blob = zfile(blob, codec == 3 ? BlockCodec.Lz4.INSTANCE : BlockCodec.Zstd.INSTANCE, r);
                names.add("layer" + l + ".zfile");
            } else {
                names.add("layer" + l + ".lsmt");
            }
            files.add(blob);
        }
        if (rw) {
            byte[][] pair = TestBlobs.rwPairBytes(models.get(layers), vsize, in.consumeBoolean(), r);
            files.add(pair[0]);
            names.add("rw.data");
            files.add(pair[1]);
            names.add("rw.index");
        }
        boolean corrupt = in.consumeInt(0, 3) == 0;
        if (corrupt) {
            byte[] f = files.get(in.consumeInt(0, files.size() - 1));
            f[in.consumeInt(0, f.length - 1)] ^= (byte) in.consumeInt(1, 255);
        }
        boolean mapped = in.consumeBoolean();
        boolean[] cached = new boolean[files.size()];
        for (int i = 0; i < cached.length; i++) cached[i] = in.consumeBoolean();
        int n = in.consumeInt(1, 16);
        long[][] reads = new long[n][];
        int limit = (int) Math.min(vsize, sectors * 512L);
        for (int k = 0; k < n; k++) {
            long from = in.consumeLong(0, limit - 1);
            reads[k] = new long[] {from, in.consumeLong(0, limit - from)};
        }

        byte[] disk = new byte[sectors * 512];
        byte[] kinds = new byte[sectors];
        for (LayerModel m : models) { // lowest first; the RW model last, on top
            m.applyTo(disk, kinds);
        }
        long total = 0;
        for (byte[] f : files) total += f.length;
        Budget.run(total, () -> exercise(files, names, layers, corrupt, mapped, cached, reads, disk, kinds, vsize));
    }

    private static void exercise(List<byte[]> files, List<String> names, int layers, boolean corrupt, boolean mapped,
                                 boolean[] cached, long[][] reads, byte[] disk, byte[] kinds, long vsize) {
        try (Arena arena = Arena.ofConfined()) {
            List<ByteSource> lowers = new ArrayList<>();
            ByteSource data = null, index = null;
            List<SegmentSource> all = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                SegmentSource s = SegmentSource.of(arena, names.get(i), files.get(i), mapped);
                all.add(s);
                ByteSource b = s;
                if (names.get(i).endsWith(".zfile")) {
                    try {
                        b = ZFileReader.open(s, new ZFileReader.Options(cached[i] ? 64 << 10 : 0));
                    } catch (FormatException e) {
                        if (!corrupt) throw new AssertionError("a well-formed ZFile layer failed to open", e);
                        lowers.forEach(ByteSource::close);
                        return;
                    }
                }
                if (i < layers) lowers.add(b);
                else if (data == null) data = b;
                else index = b;
            }
            LayerStack stack;
            try {
                stack = LayerStack.open(lowers, data, index);
            } catch (FormatException e) {
                if (!corrupt) throw new AssertionError("a well-formed stack failed to open", e);
                return;
            } catch (dev.obdj.UsageException e) {
                // a flipped bit made rw.data a sparse layer, which must be a local file (these are in memory)
                if (!corrupt || !names.contains("rw.data") || (files.get(layers)[28] & 0x10) == 0) throw e;
                return;
            }
            try (stack) {
                if (!corrupt && stack.virtualSize() != vsize) {
                    throw new AssertionError("virtual size " + stack.virtualSize() + ", expected " + vsize);
                }
                for (long[] rd : reads) {
                    long size = stack.virtualSize();
                    if (size <= 0) break;
                    if (rd[0] + rd[1] > size) continue; // a corrupt header changed the size
                    read(stack, rd[0], rd[1], disk, kinds, !corrupt);
                }
            }
            for (SegmentSource s : all) {
                if (!s.isClosed()) throw new AssertionError(s.name() + " left open after close");
            }
        }
    }

    private static void read(LayerStack stack, long from, long len, byte[] disk, byte[] kinds, boolean exact) {
        try {
            stack.read(from, DST, 0, len);
        } catch (FormatException e) {
            if (exact) throw new AssertionError("read of a well-formed stack failed", e);
            return; // a corrupt ZFile block
        }
        if (exact) {
            long mis = MemorySegment.mismatch(DST, 0, len, MemorySegment.ofArray(disk), from, from + len);
            if (mis >= 0) {
                throw new AssertionError("read [" + from + ", " + (from + len) + ") differs from the model at byte " + (from + mis));
            }
        }
        long[] pos = {from};
        stack.forEachExtent(from, len, (off, n, kind) -> {
            if (off != pos[0] || n <= 0) {
                throw new AssertionError("extent " + off + "+" + n + " does not continue at " + pos[0]);
            }
            if (exact) {
                for (long b = off; b < off + n; b += 512 - (b & 511)) {
                    int want = kinds[(int) (b >>> 9)];
                    ExtentVisitor.Kind k = want == LayerModel.DATA ? ExtentVisitor.Kind.DATA
                            : want == LayerModel.ZEROED ? ExtentVisitor.Kind.ZEROED : ExtentVisitor.Kind.HOLE;
                    if (k != kind) throw new AssertionError("byte " + b + " reported " + kind + ", model says " + k);
                }
            }
            pos[0] = off + n;
        });
        if (pos[0] != from + len) {
            throw new AssertionError("extents end at " + pos[0] + ", not " + (from + len));
        }
    }

    /** A layer of up to 12 fuzzed writes and discards inside {@code sectors}. */
    private static LayerModel model(FuzzInput in, int sectors) {
        LayerModel m = new LayerModel(sectors);
        int ops = in.consumeInt(0, 12);
        for (int k = 0; k < ops; k++) {
            int at = in.consumeInt(0, sectors - 1);
            int n = in.consumeInt(1, sectors - at);
            if (in.consumeInt(0, 3) == 0) {
                m.discard(at, n);
            } else {
                byte[] p = new byte[n * 512];
                byte seed = in.consumeByte();
                for (int i = 0; i < p.length; i++) p[i] = (byte) (seed + i * 7 + (i >>> 9));
                m.write(at, p);
            }
        }
        return m;
    }

    /** {@code blob} wrapped in a ZFile (4 KiB blocks, CRCs picked by {@code r}). */
    static byte[] zfile(byte[] blob, BlockCodec codec, Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ZFileWriter.Options o = new ZFileWriter.Options(codec, 4096 << r.nextInt(2), r.nextBoolean(), false, 1);
        try (ZFileWriter w = ZFileWriter.wrap(Channels.newChannel(out), "zfile", o)) {
            w.write(ByteBuffer.wrap(blob));
            w.finish();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    static byte[] copy(byte[] b) { return Arrays.copyOf(b, b.length); }
}
