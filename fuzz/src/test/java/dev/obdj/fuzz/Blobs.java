package dev.obdj.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Builds small LSMT files in memory, field by field from the format notes (independent of the
 * engine's writers): sealed blobs from a {@link Model}, with the harmless variations a reader must
 * accept (runs split anywhere, garbage sectors between runs, invalid entries, index padding, random
 * stored tags), and RW pairs from a model's operation log.
 */
final class Blobs {
    static final long INVALID = (1L << 50) - 1;
    private static final byte[] MAGIC = {0x4C, 0x53, 0x4D, 0x54, 0x00, 0x01, 0x02, 0x00,
            0x65, 0x7E, 0x63, (byte) 0xD2, (byte) 0x94, 0x44, 0x08, 0x4C,
            (byte) 0xA2, (byte) 0xD2, (byte) 0xC8, (byte) 0xEC, 0x4F, (byte) 0xCF, (byte) 0xAE, (byte) 0x8A};

    private Blobs() {}

    /** The plain model of one layer: per 512-byte sector nothing, zeroed, or the bytes last written. */
    static final class Model {
        static final int NONE = 0, ZEROED = 1, DATA = 2;

        /** One operation of the log, in order. */
        record Op(boolean discard, int sector, int count, byte[] payload) {}

        final int sectors;
        final byte[] state;
        final byte[] bytes;
        final List<Op> ops = new ArrayList<>();

        Model(int sectors) {
            this.sectors = sectors;
            this.state = new byte[sectors];
            this.bytes = new byte[sectors * 512];
        }

        void write(int sector, byte[] payload) {
            int n = payload.length / 512;
            Arrays.fill(state, sector, sector + n, (byte) DATA);
            System.arraycopy(payload, 0, bytes, sector * 512, payload.length);
            ops.add(new Op(false, sector, n, payload));
        }

        void discard(int sector, int n) {
            Arrays.fill(state, sector, sector + n, (byte) ZEROED);
            Arrays.fill(bytes, sector * 512, (sector + n) * 512, (byte) 0);
            ops.add(new Op(true, sector, n, null));
        }

        /** Lays this layer over {@code disk}/{@code kinds}: data and zeroed sectors replace what is below. */
        void applyTo(byte[] disk, byte[] kinds) {
            for (int s = 0; s < sectors; s++) {
                if (state[s] != NONE) {
                    System.arraycopy(bytes, s * 512, disk, s * 512, 512);
                    kinds[s] = state[s];
                }
            }
        }
    }

    static byte[] header(int flags, long indexOffset, long indexSize, long vsize, String uuid) {
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

    static byte[] entry(long offset, long length, long moffset, boolean zeroed, int tag) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(offset | (length << 50));
        b.putLong(moffset | (zeroed ? 1L << 55 : 0) | ((long) tag << 56));
        return b.array();
    }

    /** {@code m} as a sealed (committed) blob; {@code r} picks the harmless variations. */
    static byte[] sealed(Model m, long vsize, Random r) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<byte[]> entries = new ArrayList<>();
        data.writeBytes(new byte[4096]);
        int s = 0;
        while (s < m.sectors) {
            int kind = m.state[s];
            int e = s;
            int maxRun = r.nextInt(3) == 0 ? 1 + r.nextInt(40) : 16383;
            while (e < m.sectors && m.state[e] == kind && e - s < maxRun) e++;
            if (kind != Model.NONE) {
                if (r.nextInt(5) == 0) {
                    byte[] g = new byte[512 * (1 + r.nextInt(3))];
                    r.nextBytes(g);
                    data.writeBytes(g);
                }
                long mo = data.size() / 512;
                if (kind == Model.DATA) {
                    data.write(m.bytes, s * 512, (e - s) * 512);
                }
                entries.add(entry(s, e - s, mo, kind == Model.ZEROED, r.nextInt(256)));
                if (r.nextInt(20) == 0) {
                    entries.add(entry(INVALID, 0, 0, false, 0));
                }
            }
            s = e;
        }
        long indexOffset = data.size();
        int padding = r.nextInt(3) == 0 ? 256 - entries.size() % 256 : r.nextInt(4);
        for (int k = 0; k < padding; k++) {
            entries.add(entry(INVALID, 0, 0, false, 0));
        }
        for (byte[] en : entries) data.writeBytes(en);
        if (r.nextBoolean()) {
            data.writeBytes(new byte[512 * r.nextInt(3)]);
        }
        String uuid = "00000000-0000-4000-8000-" + String.format("%012X", r.nextInt(1 << 30));
        byte[] out = data.toByteArray();
        System.arraycopy(header(r.nextBoolean() ? 0x07 : 0x03, 0, 0, vsize, uuid), 0, out, 0, 4096);
        byte[] t = header(0x06, indexOffset, entries.size(), vsize, uuid);
        byte[] all = Arrays.copyOf(out, out.length + 4096);
        System.arraycopy(t, 0, all, out.length, 4096);
        return all;
    }

    /** {@code m}'s operations as an RW pair {data, index}; {@code torn} ends both in a crash mid-append. */
    static byte[][] rwPair(Model m, long vsize, boolean torn, Random r) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteArrayOutputStream index = new ByteArrayOutputStream();
        String uuid = "00000000-0000-4000-8000-00000000AAAA";
        data.writeBytes(header(0x03, 0, 0, vsize, uuid));
        index.writeBytes(header(0x01, 4096, 0, vsize, uuid));
        for (Model.Op op : m.ops) {
            if (op.discard()) {
                for (int done = 0; done < op.count(); done += 16383) {
                    int n = Math.min(16383, op.count() - done);
                    index.writeBytes(entry(op.sector() + done, n, data.size() / 512, true, 0));
                }
            } else {
                for (int done = 0; done < op.count(); done += 8192) {
                    int n = Math.min(8192, op.count() - done);
                    long mo = data.size() / 512;
                    data.write(op.payload(), done * 512, n * 512);
                    index.writeBytes(entry(op.sector() + done, n, mo, false, 0));
                }
            }
            if (r.nextInt(30) == 0) {
                index.writeBytes(entry(INVALID, 0, 0, false, 0));
            }
        }
        if (torn) {
            byte[] g = new byte[1024];
            r.nextBytes(g);
            data.writeBytes(g);
            byte[] part = entry(0, 8, data.size() / 512 - 2, false, 0);
            index.write(part, 0, 1 + r.nextInt(15));
        }
        return new byte[][] {data.toByteArray(), index.toByteArray()};
    }
}
