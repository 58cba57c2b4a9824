package dev.obdj.bench;

import dev.obdj.Image;
import dev.obdj.StorageException;
import dev.obdj.io.ByteSource;
import dev.obdj.io.MappedFile;
import dev.obdj.lsmt.BlobWriter;
import dev.obdj.lsmt.LsmtHeader;
import dev.obdj.lsmt.RwLayerView;
import dev.obdj.lsmt.SegmentMapping;
import dev.obdj.sample.Payload;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the layers of the performance anchors (docs/BENCH-ANCHORS.md) exactly as the reference
 * run defines them: an RW layer's two files written directly (4 KiB header + appended payloads;
 * 4 KiB header + one 16-byte entry per write), then committed with {@link BlobWriter} into a plain
 * sealed blob, byte for byte the reference's committed layout.
 *
 * <p>Files live under {@code /tmp/obdj-bench} (or {@code -Dobdj.bench.dir}). Each blob is written
 * under a temporary name and renamed when complete, so an existing blob is complete and reused;
 * the RW files are deleted after the commit. Run {@code main} to create everything up front.
 */
public final class AnchorData {
    /** Virtual size of a B1 layer and of the B5 999,936-entry layer. */
    public static final long GIB = 1L << 30;
    /** B1: writes per layer. */
    static final int B1_WRITES = 20_000;
    /** B1: layers in the stack. */
    public static final int B1_LAYERS = 5;
    /** B5: the entry count the reference opens (its limit is 1,000,000 including padding). */
    public static final int B5_ENTRIES = 999_936;
    /** B5: an entry count the reference refuses to open. */
    public static final int B5_BIG_ENTRIES = 2_000_000;
    /** B5 recipe with few entries: a layer to open once so one-time JVM costs are paid before measuring. */
    public static final int B5_TINY_ENTRIES = 256;

    private AnchorData() {}

    /** Where the generated files live. */
    public static Path dir() {
        return Path.of(System.getProperty("obdj.bench.dir", "/tmp/obdj-bench"));
    }

    /** The five committed B1 layers, lowest first, created if missing. */
    public static List<Path> b1Layers() {
        List<Path> out = new ArrayList<>();
        for (int layer = 0; layer < B1_LAYERS; layer++) {
            out.add(b1Layer(layer));
        }
        return out;
    }

    /**
     * B1 layer L: with {@code XS(1000+L)}, 20,000 writes of {@code payload("rand", L*1000000+i,
     * lenb*4096)} at {@code offb*4096}, {@code lenb = 1+uniform(16)}, {@code offb = uniform(262144-lenb+1)}.
     */
    public static Path b1Layer(int layer) {
        Path blob = dir().resolve("b1-layer" + layer + ".lsmt");
        if (Files.exists(blob)) {
            return blob;
        }
        return build(blob, GIB, rw -> {
            Payload.XorShift xs = new Payload.XorShift(1000 + layer);
            for (int i = 0; i < B1_WRITES; i++) {
                long lenb = 1 + xs.uniform(16);
                long offb = xs.uniform(262_144 - lenb + 1);
                rw.write(offb * 4096, Payload.Kind.RAND, layer * 1_000_000L + i, (int) (lenb * 4096));
            }
        });
    }

    /**
     * B5: {@code payload("rand", i, 512)} at {@code i*1024} for i below {@code entries}; the RW
     * layer's virtual size is 1 GiB for 999,936 entries and the next GiB multiple that fits otherwise.
     */
    public static Path b5Layer(int entries) {
        Path blob = dir().resolve("b5-" + entries + ".lsmt");
        if (Files.exists(blob)) {
            return blob;
        }
        long vsize = Math.max(GIB, ((long) entries * 1024 + GIB - 1) / GIB * GIB);
        return build(blob, vsize, rw -> {
            for (int i = 0; i < entries; i++) {
                rw.write((long) i * 1024, Payload.Kind.RAND, i, 512);
            }
        });
    }

    /**
     * A plain file holding the flattened virtual disk of {@code layers} (what reading the stack
     * gives at every offset): the baseline that reads the same bytes with no lookup at all.
     */
    public static Path flat(String name, List<Path> layers) {
        Path flat = dir().resolve(name + ".flat");
        if (Files.exists(flat)) {
            return flat;
        }
        Path tmp = flat.resolveSibling(flat.getFileName() + ".tmp");
        try (Image img = Image.open(layers); Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            MemorySegment buf = arena.allocate(1 << 20, 4096);
            for (long pos = 0; pos < img.size(); pos += buf.byteSize()) {
                long n = Math.min(buf.byteSize(), img.size() - pos);
                img.read(pos, buf, 0, n);
                ByteBuffer bb = buf.asSlice(0, n).asByteBuffer();
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
            }
        } catch (IOException e) {
            throw new StorageException(tmp.toString(), "write", e);
        }
        rename(tmp, flat);
        return flat;
    }

    /** Reads {@code file} once through a small buffer so its pages sit in the page cache. */
    public static void warmPageCache(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
            long pos = 0;
            int n;
            while ((n = ch.read(b, pos)) > 0) {
                pos += n;
                b.clear();
            }
        } catch (IOException e) {
            throw new StorageException(file.toString(), "read", e);
        }
    }

    /** Receives the writes of one RW layer. */
    @FunctionalInterface
    private interface Writes {
        void apply(RwFiles rw);
    }

    private static Path build(Path blob, long vsize, Writes writes) {
        try {
            Files.createDirectories(blob.getParent());
        } catch (IOException e) {
            throw new StorageException(blob.getParent().toString(), "create directory", e);
        }
        String base = blob.getFileName().toString();
        Path data = blob.resolveSibling(base + ".rw.data");
        Path index = blob.resolveSibling(base + ".rw.index");
        Path tmp = blob.resolveSibling(base + ".tmp");
        try (RwFiles rw = new RwFiles(data, index, vsize)) {
            writes.apply(rw);
        }
        try (ByteSource d = MappedFile.open(data); ByteSource i = MappedFile.open(index);
             RwLayerView view = RwLayerView.open(d, i);
             FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            BlobWriter.write(view.index(), new ByteSource[] {d},
                    new BlobWriter.Meta(view.virtualSize(), LsmtHeader.NULL_UUID, LsmtHeader.NULL_UUID, new byte[0]),
                    ch, tmp.toString());
        } catch (IOException e) {
            throw new StorageException(tmp.toString(), "write", e);
        }
        try {
            Files.delete(data);
            Files.delete(index);
        } catch (IOException e) {
            throw new StorageException(data.toString(), "delete", e);
        }
        rename(tmp, blob);
        return blob;
    }

    private static void rename(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StorageException(to.toString(), "rename", e);
        }
    }

    /** The on-disk shape of an uncommitted RW layer, written with large buffered appends. */
    private static final class RwFiles implements AutoCloseable {
        private final String name;
        private final FileChannel data;
        private final FileChannel index;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment dataBuf = arena.allocate(4 << 20, 4096);
        private final MemorySegment indexBuf = arena.allocate(1 << 20, 4096);
        private long dataFill;
        private long indexFill;
        private long dataEnd = LsmtHeader.BLOCK;

        RwFiles(Path dataPath, Path indexPath, long vsize) {
            name = dataPath.toString();
            try {
                data = FileChannel.open(dataPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                index = FileChannel.open(indexPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                throw new StorageException(name, "create", e);
            }
            String uuid = "0B0DBE4C-0000-4000-8000-000000000000";
            header(dataBuf, LsmtHeader.FLAG_HEADER | LsmtHeader.FLAG_DATA, 0, vsize, uuid);
            dataFill = LsmtHeader.BLOCK;
            header(indexBuf, LsmtHeader.FLAG_HEADER, LsmtHeader.BLOCK, vsize, uuid);
            indexFill = LsmtHeader.BLOCK;
        }

        private static void header(MemorySegment dst, int flags, long indexOffset, long vsize, String uuid) {
            new LsmtHeader(flags, indexOffset, 0, vsize, uuid, LsmtHeader.NULL_UUID, 1, 1, new byte[0])
                    .encode(dst.asSlice(0, LsmtHeader.BLOCK));
        }

        /** Appends {@code payload(kind, seed, len)} and its index entry ({@code offset}, len multiples of 512). */
        void write(long offset, Payload.Kind kind, long seed, int len) {
            if (dataBuf.byteSize() - dataFill < len) {
                dataFill = drain(data, dataBuf, dataFill);
            }
            Payload.fill(kind, seed, dataBuf, dataFill, len);
            dataFill += len;
            if (indexBuf.byteSize() - indexFill < SegmentMapping.BYTES) {
                indexFill = drain(index, indexBuf, indexFill);
            }
            SegmentMapping.put(indexBuf.asSlice(indexFill, SegmentMapping.BYTES), 0,
                    SegmentMapping.lo(offset >>> 9, len >>> 9), SegmentMapping.hi(dataEnd >>> 9, false, 0));
            indexFill += SegmentMapping.BYTES;
            dataEnd += len;
        }

        private long drain(FileChannel ch, MemorySegment buf, long fill) {
            ByteBuffer bb = buf.asSlice(0, fill).asByteBuffer();
            try {
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
            } catch (IOException e) {
                throw new StorageException(name, "append", e);
            }
            return 0;
        }

        @Override
        public void close() {
            try {
                drain(data, dataBuf, dataFill);
                drain(index, indexBuf, indexFill);
                data.close();
                index.close();
            } catch (IOException e) {
                throw new StorageException(name, "close", e);
            } finally {
                arena.close();
            }
        }
    }

    /** Creates every anchor file up front and prints where they are. */
    public static void main(String[] args) {
        for (Path p : b1Layers()) {
            System.out.println(p + " " + p.toFile().length());
        }
        System.out.println(flat("b1-stack5", b1Layers()));
        System.out.println(flat("b1-layer0", List.of(b1Layer(0))));
        for (int n : new int[] {B5_ENTRIES, B5_BIG_ENTRIES}) {
            Path p = b5Layer(n);
            System.out.println(p + " " + p.toFile().length());
        }
    }
}
