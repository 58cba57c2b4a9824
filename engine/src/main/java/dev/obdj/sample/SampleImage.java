package dev.obdj.sample;

import dev.obdj.StorageException;
import dev.obdj.io.ByteSource;
import dev.obdj.io.MappedFile;
import dev.obdj.lsmt.BlobWriter;
import dev.obdj.lsmt.LsmtHeader;
import dev.obdj.lsmt.RwLayerView;
import dev.obdj.lsmt.SegmentMapping;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates a small sample image with obdj's own code: three committed layers (writes,
 * overwrites, discards, holes) and an uncommitted RW layer on top, plus the expected content of
 * the merged disk as a plain byte array, so the result of reading it can be checked.
 * Used by {@code obd demo}, the README's first command.
 */
public final class SampleImage {
    /** Virtual size of the sample disk. */
    public static final long SIZE = 16L << 20;

    /**
     * The generated files and the expected disk content.
     *
     * @param layers   committed layers, lowest first
     * @param rwData   the top RW layer's data file
     * @param rwIndex  the top RW layer's index file
     * @param expected the merged disk as it must read
     */
    public record Sample(List<Path> layers, Path rwData, Path rwIndex, byte[] expected) {}

    private SampleImage() {}

    /** Writes the sample into {@code dir} (created if missing). */
    public static Sample create(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException(dir.toString(), "create directory", e);
        }
        byte[] model = new byte[(int) SIZE];
        List<Path> layers = new ArrayList<>();
        Payload.XorShift rnd = new Payload.XorShift(7);
        for (int layer = 0; layer < 4; layer++) {
            Path data = dir.resolve(layer < 3 ? "layer" + layer + ".rw.data" : "top.rw.data");
            Path index = dir.resolve(layer < 3 ? "layer" + layer + ".rw.index" : "top.rw.index");
            try (RwLog log = new RwLog(data, index, SIZE)) {
                int ops = 40 + layer * 10;
                for (int k = 0; k < ops; k++) {
                    long sectors = 1 + rnd.uniform(layer == 0 ? 2048 : 256);
                    long at = rnd.uniform(SIZE / 512 - sectors + 1);
                    if (layer > 0 && rnd.uniform(5) == 0) {
                        log.discard(at, sectors);
                        java.util.Arrays.fill(model, (int) (at * 512), (int) ((at + sectors) * 512), (byte) 0);
                    } else {
                        Payload.Kind kind = Payload.Kind.values()[(int) rnd.uniform(4)];
                        byte[] p = Payload.bytes(kind, layer * 1000L + k, (int) (sectors * 512));
                        log.write(at, p);
                        System.arraycopy(p, 0, model, (int) (at * 512), p.length);
                    }
                }
            }
            if (layer < 3) {
                Path blob = dir.resolve("layer" + layer + ".lsmt");
                commit(data, index, blob);
                layers.add(blob);
                try {
                    Files.delete(data);
                    Files.delete(index);
                } catch (IOException e) {
                    throw new StorageException(data.toString(), "delete", e);
                }
            }
        }
        return new Sample(List.copyOf(layers), dir.resolve("top.rw.data"), dir.resolve("top.rw.index"), model);
    }

    private static void commit(Path data, Path index, Path out) {
        try (ByteSource d = MappedFile.open(data); ByteSource i = MappedFile.open(index);
             RwLayerView rw = RwLayerView.open(d, i);
             FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            BlobWriter.write(rw.index(), new ByteSource[] {d},
                    new BlobWriter.Meta(rw.virtualSize(), LsmtHeader.NULL_UUID, LsmtHeader.NULL_UUID, new byte[0]),
                    ch, out.toString());
        } catch (IOException e) {
            throw new StorageException(out.toString(), "write", e);
        }
    }

    /** The on-disk shape of an uncommitted RW layer: appended data, and a log of 16-byte entries. */
    private static final class RwLog implements AutoCloseable {
        private final FileChannel data;
        private final FileChannel index;
        private final String name;
        private long dataEnd = LsmtHeader.BLOCK;

        RwLog(Path dataPath, Path indexPath, long vsize) {
            name = dataPath.toString();
            try {
                data = FileChannel.open(dataPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                index = FileChannel.open(indexPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                String uuid = "5A3D1E00-0000-4000-8000-0000000000" + String.format("%02X", (int) (vsize & 0xFF));
                put(data, 0, header(LsmtHeader.FLAG_HEADER | LsmtHeader.FLAG_DATA, 0, vsize, uuid));
                put(index, 0, header(LsmtHeader.FLAG_HEADER, LsmtHeader.BLOCK, vsize, uuid));
            } catch (IOException e) {
                throw new StorageException(name, "create", e);
            }
        }

        private static ByteBuffer header(int flags, long indexOffset, long vsize, String uuid) {
            byte[] b = new byte[LsmtHeader.BLOCK];
            new LsmtHeader(flags, indexOffset, 0, vsize, uuid, LsmtHeader.NULL_UUID, 1, 1, new byte[0])
                    .encode(MemorySegment.ofArray(b));
            return ByteBuffer.wrap(b);
        }

        void write(long sector, byte[] payload) {
            long m = dataEnd / 512;
            put(data, dataEnd, ByteBuffer.wrap(payload));
            dataEnd += payload.length;
            entry(sector, payload.length / 512, m, false);
        }

        void discard(long sector, long sectors) {
            entry(sector, sectors, dataEnd / 512, true);
        }

        private void entry(long sector, long sectors, long moffset, boolean zeroed) {
            byte[] e = new byte[SegmentMapping.BYTES];
            SegmentMapping.put(MemorySegment.ofArray(e), 0, SegmentMapping.lo(sector, (int) sectors),
                    SegmentMapping.hi(moffset, zeroed, 0));
            try {
                put(index, index.size(), ByteBuffer.wrap(e));
            } catch (IOException ex) {
                throw new StorageException(name, "append index", ex);
            }
        }

        private void put(FileChannel ch, long at, ByteBuffer b) {
            try {
                while (b.hasRemaining()) {
                    at += ch.write(b, at);
                }
            } catch (IOException e) {
                throw new StorageException(name, "write", e);
            }
        }

        @Override
        public void close() {
            try {
                data.close();
                index.close();
            } catch (IOException e) {
                throw new StorageException(name, "close", e);
            }
        }
    }
}
