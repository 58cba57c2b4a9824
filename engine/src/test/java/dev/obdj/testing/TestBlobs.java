package dev.obdj.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A test-side writer of LSMT files, written from the format notes field by field and independent
 * of the engine's writer: sealed blobs from a {@link LayerModel} (with garbage data, random
 * on-disk tags, invalid entries and random run splits, all of which a reader must tolerate),
 * and RW pairs replaying a model's operations as a log.
 */
public final class TestBlobs {
    static final byte[] MAGIC = {0x4C, 0x53, 0x4D, 0x54, 0x00, 0x01, 0x02, 0x00,
            0x65, 0x7E, 0x63, (byte) 0xD2, (byte) 0x94, 0x44, 0x08, 0x4C,
            (byte) 0xA2, (byte) 0xD2, (byte) 0xC8, (byte) 0xEC, 0x4F, (byte) 0xCF, (byte) 0xAE, (byte) 0x8A};
    public static final long INVALID = (1L << 50) - 1;

    private TestBlobs() {}

    /** A 4096-byte header/trailer block. */
    public static byte[] header(int flags, long indexOffset, long indexSize, long vsize, String uuid) {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC);
        b.putInt(24, 390);
        b.putInt(28, flags);
        b.putLong(32, indexOffset);
        b.putLong(40, indexSize);
        b.putLong(48, vsize);
        b.put(56, uuid.getBytes(StandardCharsets.US_ASCII));
        b.put(93, "00000000-0000-0000-0000-000000000000".getBytes(StandardCharsets.US_ASCII));
        b.put(132, (byte) 1);
        b.put(133, (byte) 1);
        return b.array();
    }

    public static byte[] entry(long offset, long length, long moffset, boolean zeroed, int tag) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(offset | (length << 50));
        b.putLong(moffset | (zeroed ? 1L << 55 : 0) | ((long) tag << 56));
        return b.array();
    }

    /** Writes {@code m} as a sealed blob; {@code r} decides the harmless variations. */
    public static void sealed(Path out, LayerModel m, long vsize, Random r) {
        write(out, sealedBytes(m, vsize, r));
    }

    /**
     * {@code m} as a sealed blob in memory, with the harmless variations a reader must accept, as
     * {@code r} picks them: runs split anywhere, garbage sectors between runs, invalid entries
     * between valid ones, index padding, random stored tags, committed or sealed-in-place flags.
     */
    public static byte[] sealedBytes(LayerModel m, long vsize, Random r) {
        ByteArrayOut data = new ByteArrayOut();
        List<byte[]> entries = new ArrayList<>();
        data.write(new byte[4096]);
        int s = 0;
        while (s < m.sectors) {
            int kind = m.state[s];
            int e = s;
            int maxRun = r.nextInt(3) == 0 ? 1 + r.nextInt(40) : 16383;
            while (e < m.sectors && m.state[e] == kind && e - s < maxRun) e++;
            if (kind != LayerModel.NONE) {
                if (r.nextInt(5) == 0) { // garbage sectors, as close_seal leaves them
                    byte[] g = new byte[512 * (1 + r.nextInt(3))];
                    r.nextBytes(g);
                    data.write(g);
                }
                long mo = data.size() / 512;
                if (kind == LayerModel.DATA) {
                    data.write(m.bytes, s * 512, (e - s) * 512);
                }
                entries.add(entry(s, e - s, mo, kind == LayerModel.ZEROED, r.nextInt(256)));
                if (r.nextInt(20) == 0) {
                    entries.add(entry(INVALID, 0, 0, false, 0)); // an invalid entry between valid ones
                }
            }
            s = e;
        }
        long indexOffset = data.size();
        int padding = r.nextInt(3) == 0 ? 256 - entries.size() % 256 : r.nextInt(4);
        for (int k = 0; k < padding; k++) {
            entries.add(entry(INVALID, 0, 0, false, 0));
        }
        for (byte[] en : entries) data.write(en);
        if (r.nextBoolean()) {
            data.write(new byte[512 * r.nextInt(3)]);
        }
        boolean committed = r.nextBoolean();
        String uuid = "00000000-0000-4000-8000-" + String.format("%012X", r.nextInt(1 << 30));
        byte[] h = header(committed ? 0x07 : 0x03, 0, 0, vsize, uuid);
        System.arraycopy(h, 0, data.buf, 0, 4096);
        data.write(header(0x06, indexOffset, entries.size(), vsize, uuid));
        return data.toArray();
    }

    /**
     * Writes {@code m}'s operations as an RW pair (data file + index log). With {@code torn}, the
     * log ends in a partial entry and the data file in payload without an entry: a crash mid-append.
     */
    public static void rwPair(Path dataPath, Path indexPath, LayerModel m, long vsize, boolean torn, Random r) {
        byte[][] pair = rwPairBytes(m, vsize, torn, r);
        write(dataPath, pair[0]);
        write(indexPath, pair[1]);
    }

    /** {@code m}'s operations as an RW pair {data, index} in memory (see {@link #rwPair}). */
    public static byte[][] rwPairBytes(LayerModel m, long vsize, boolean torn, Random r) {
        ByteArrayOut data = new ByteArrayOut();
        ByteArrayOut index = new ByteArrayOut();
        String uuid = "00000000-0000-4000-8000-00000000AAAA";
        data.write(header(0x03, 0, 0, vsize, uuid));
        index.write(header(0x01, 4096, 0, vsize, uuid));
        for (LayerModel.Op op : m.ops) {
            if (op.discard()) {
                for (int done = 0; done < op.count(); done += 16383) {
                    int n = Math.min(16383, op.count() - done);
                    index.write(entry(op.sector() + done, n, data.size() / 512, true, 0));
                }
            } else {
                for (int done = 0; done < op.count(); done += 8192) {
                    int n = Math.min(8192, op.count() - done);
                    long mo = data.size() / 512;
                    data.write(op.payload(), done * 512, n * 512);
                    index.write(entry(op.sector() + done, n, mo, false, 0));
                }
            }
            if (r.nextInt(30) == 0) {
                index.write(entry(INVALID, 0, 0, false, 0));
            }
        }
        if (torn) {
            byte[] g = new byte[1024];
            r.nextBytes(g);
            data.write(g);
            byte[] part = entry(0, 8, data.size() / 512 - 2, false, 0);
            index.write(part, 0, 1 + r.nextInt(15));
        }
        return new byte[][] {data.toArray(), index.toArray()};
    }

    public static void write(Path p, byte[] b) {
        try {
            Files.write(p, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A growable byte array with direct access. */
    static final class ByteArrayOut {
        byte[] buf = new byte[1 << 16];
        int n;

        void write(byte[] b) { write(b, 0, b.length); }

        void write(byte[] b, int off, int len) {
            while (n + len > buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            System.arraycopy(b, off, buf, n, len);
            n += len;
        }

        long size() { return n; }

        byte[] toArray() { return java.util.Arrays.copyOf(buf, n); }
    }
}
