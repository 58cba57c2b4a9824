package dev.obdj.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Client byte streams that walk the NBD protocol, as seeds for the NBD target. */
final class NbdSeeds {
    static final long IHAVEOPT = 0x49484156454f5054L;
    static final int REQUEST_MAGIC = 0x25609513;

    private NbdSeeds() {}

    private static final class Stream {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        long cookie = 1;

        Stream flags(int f) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(f).array());
            return this;
        }

        Stream option(int opt, byte[] data) {
            out.writeBytes(ByteBuffer.allocate(16).putLong(IHAVEOPT).putInt(opt).putInt(data.length).array());
            out.writeBytes(data);
            return this;
        }

        Stream request(int flags, int type, long offset, int length, byte[] payload) {
            out.writeBytes(ByteBuffer.allocate(28).putInt(REQUEST_MAGIC).putShort((short) flags).putShort((short) type)
                    .putLong(cookie++).putLong(offset).putInt(length).array());
            if (payload != null) out.writeBytes(payload);
            return this;
        }

        byte[] bytes() { return out.toByteArray(); }
    }

    private static byte[] go(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length);
        b.putInt(n.length).put(n).putShort((short) infos.length);
        for (int i : infos) b.putShort((short) i);
        return b.array();
    }

    private static byte[] meta(String export, String... queries) {
        byte[] n = export.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(ByteBuffer.allocate(4).putInt(n.length).array());
        o.writeBytes(n);
        o.writeBytes(ByteBuffer.allocate(4).putInt(queries.length).array());
        for (String q : queries) {
            byte[] b = q.getBytes(StandardCharsets.UTF_8);
            o.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
            o.writeBytes(b);
        }
        return o.toByteArray();
    }

    /** Fixed newstyle, NBD_OPT_GO to the default export, two reads, disconnect. */
    static byte[] goRead() {
        return new Stream().flags(3).option(7, go("", 1, 2, 3))
                .request(0, 0, 0, 4096, null).request(0, 0, 65536, 1000, null).request(0, 2, 0, 0, null).bytes();
    }

    /** Structured replies, base:allocation, block status and sparse reads on the default export. */
    static byte[] structuredStatus() {
        return new Stream().flags(1).option(8, new byte[0]).option(9, meta("", "base:")).option(10, meta("", "base:allocation"))
                .option(7, go("")).request(0, 7, 0, 1 << 20, null).request(1, 7, 4096, 8192, null)
                .request(0, 0, 0, 65536, null).request(0, 0, 50000, 30000, null).request(0, 2, 0, 0, null).bytes();
    }

    /** NBD_OPT_EXPORT_NAME "rw", then a write, trim, write-zeroes (both ways), flush and read. */
    static byte[] exportNameWrites() {
        byte[] payload = new byte[1536];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
        return new Stream().flags(3).option(1, "rw".getBytes(StandardCharsets.UTF_8))
                .request(1, 1, 1000, payload.length, payload).request(0, 4, 8192, 4096, null)
                .request(0, 6, 20000, 5000, null).request(2, 6, 30000, 5000, null).request(0, 3, 0, 0, null)
                .request(0, 0, 0, 40000, null).request(0, 2, 0, 0, null).bytes();
    }

    /** NBD_OPT_LIST, NBD_OPT_INFO, an unknown option, STARTTLS, then NBD_OPT_ABORT. */
    static byte[] listInfoAbort() {
        return new Stream().flags(3).option(3, new byte[0]).option(6, go("rw", 2)).option(99, new byte[3])
                .option(5, new byte[0]).option(2, new byte[0]).bytes();
    }
}
