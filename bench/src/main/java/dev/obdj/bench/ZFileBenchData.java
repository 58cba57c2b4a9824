package dev.obdj.bench;

import dev.obdj.io.ByteSource;
import dev.obdj.io.MappedFile;
import dev.obdj.lsmt.BlobWriter;
import dev.obdj.lsmt.LsmtHeader;
import dev.obdj.lsmt.RwLayerView;
import dev.obdj.lsmt.SegmentMapping;
import dev.obdj.sample.Payload;
import dev.obdj.zfile.BlockCodec;
import dev.obdj.zfile.ZFileWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The data sets of BENCH-ANCHORS B1-B3, built with obdj's own writers and cached under
 * {@code /tmp/obdj-bench} (names prefixed {@code zf-}) so reruns are cheap. Files are written to a
 * temp name and renamed, so an interrupted run never leaves a truncated file behind.
 */
final class ZFileBenchData {
    static final Path DIR = Path.of(System.getProperty("obdj.bench.dir", "/tmp/obdj-bench"));
    static final long GIB = 1L << 30;

    private ZFileBenchData() {}

    /** B1 layer L: 20,000 random-length "rand" writes into a fresh 1 GiB RW layer, committed to a plain blob. */
    static synchronized Path b1Layer(int layer) {
        Path out = DIR.resolve("zf-b1-layer" + layer + ".lsmt");
        return cached(out, tmp -> {
            Path data = DIR.resolve("zf-b1-layer" + layer + ".rw.data.tmp"), index = DIR.resolve("zf-b1-layer" + layer + ".rw.index.tmp");
            try (RwFiles rw = new RwFiles(data, index, GIB)) {
                Payload.XorShift xs = new Payload.XorShift(1000 + layer);
                for (int i = 0; i < 20000; i++) {
                    long lenb = 1 + xs.uniform(16);
                    long offb = xs.uniform(262144 - lenb + 1);
                    rw.write(offb * 4096, Payload.bytes(Payload.Kind.RAND, layer * 1_000_000L + i, (int) (lenb * 4096)));
                }
            }
            commit(data, index, tmp, null);
            Files.delete(data);
            Files.delete(index);
        });
    }

    /** B2: B1 layer 0 compressed whole as {@code overlaybd-commit -z} would ("lz4-4k", "lz4-32k", "zstd-4k"). */
    static synchronized Path b2ZFile(String encoding) {
        Path out = DIR.resolve("zf-b2-" + encoding + ".zfile");
        return cached(out, tmp -> {
            String[] p = encoding.split("-");
            ZFileWriter.Options o = ZFileWriter.Options.commit().withCodec(BlockCodec.forName(p[0]))
                    .withBlockSize(Integer.parseInt(p[1].replace("k", "")) * 1024).withThreads(2);
            try (MappedFile src = MappedFile.open(b1Layer(0)); ZFileWriter w = ZFileWriter.create(tmp, o)) {
                w.write(src.segment());
            }
        });
    }

    /** B3: the RW layer (data, index) of 8192 64 KiB writes, alternating "rand" and "comp", at shuffled slots. */
    static synchronized Path[] b3Rw() {
        Path data = DIR.resolve("zf-b3.rw.data"), index = DIR.resolve("zf-b3.rw.index");
        cached(index, tmpIndex -> {
            Path tmpData = DIR.resolve("zf-b3.rw.data.tmp");
            int[] perm = new int[16384];
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
            Payload.XorShift xs = new Payload.XorShift(3000);
            for (int i = perm.length - 1; i >= 1; i--) {
                int j = (int) xs.uniform(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            try (RwFiles rw = new RwFiles(tmpData, tmpIndex, GIB)) {
                for (int k = 0; k < 8192; k++) {
                    rw.write(perm[k] * 65536L, Payload.bytes(k % 2 == 0 ? Payload.Kind.RAND : Payload.Kind.COMP, k, 65536));
                }
            }
            move(tmpData, data);
        });
        return new Path[] {data, index};
    }

    /** Commits an RW pair: into a plain blob when {@code zfile} is null, else through a ZFile writer. */
    static long commit(Path data, Path index, Path out, ZFileWriter.Options zfile) {
        try (ByteSource d = MappedFile.open(data); ByteSource i = MappedFile.open(index); RwLayerView rw = RwLayerView.open(d, i)) {
            return commit(rw, d, out, zfile);
        }
    }

    static long commit(RwLayerView rw, ByteSource data, Path out, ZFileWriter.Options zfile) {
        BlobWriter.Meta meta = new BlobWriter.Meta(rw.virtualSize(), LsmtHeader.NULL_UUID, LsmtHeader.NULL_UUID, new byte[0]);
        try {
            if (zfile == null) {
                try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    return BlobWriter.write(rw.index(), new ByteSource[] {data}, meta, ch, out.toString());
                }
            }
            try (ZFileWriter w = ZFileWriter.create(out, zfile)) {
                long n = BlobWriter.write(rw.index(), new ByteSource[] {data}, meta, w, out.toString());
                w.finish();
                return n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    interface Maker {
        void make(Path tmp) throws IOException;
    }

    private static Path cached(Path out, Maker m) {
        if (Files.exists(out)) {
            return out;
        }
        try {
            Files.createDirectories(DIR);
            Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
            long t0 = System.nanoTime();
            m.make(tmp);
            move(tmp, out);
            System.err.printf("# built %s (%d bytes) in %.1f s%n", out, Files.size(out), (System.nanoTime() - t0) / 1e9);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An uncommitted RW layer as the reference leaves it: appended data, a log of 16-byte mappings. */
    private static final class RwFiles implements AutoCloseable {
        private final FileChannel data;
        private final FileChannel index;
        private final ByteBuffer entries = ByteBuffer.allocate(1 << 20);
        private long dataEnd = LsmtHeader.BLOCK;

        RwFiles(Path d, Path i, long vsize) throws IOException {
            data = FileChannel.open(d, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            index = FileChannel.open(i, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            String uuid = "5A3D1E00-0000-4000-8000-000000000B00";
            put(data, header(LsmtHeader.FLAG_HEADER | LsmtHeader.FLAG_DATA, 0, vsize, uuid));
            put(index, header(LsmtHeader.FLAG_HEADER, LsmtHeader.BLOCK, vsize, uuid));
        }

        private static ByteBuffer header(int flags, long indexOffset, long vsize, String uuid) {
            byte[] b = new byte[LsmtHeader.BLOCK];
            new LsmtHeader(flags, indexOffset, 0, vsize, uuid, LsmtHeader.NULL_UUID, 1, 1, new byte[0]).encode(MemorySegment.ofArray(b));
            return ByteBuffer.wrap(b);
        }

        void write(long offset, byte[] payload) throws IOException {
            long m = dataEnd / 512;
            put(data, ByteBuffer.wrap(payload));
            dataEnd += payload.length;
            byte[] e = new byte[SegmentMapping.BYTES];
            SegmentMapping.put(MemorySegment.ofArray(e), 0, SegmentMapping.lo(offset / 512, payload.length / 512),
                    SegmentMapping.hi(m, false, 0));
            if (entries.remaining() < e.length) {
                flushEntries();
            }
            entries.put(e);
        }

        private void flushEntries() throws IOException {
            entries.flip();
            put(index, entries);
            entries.clear();
        }

        private static void put(FileChannel ch, ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        @Override
        public void close() throws IOException {
            flushEntries();
            data.close();
            index.close();
        }
    }
}
