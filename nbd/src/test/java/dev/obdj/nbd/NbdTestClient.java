package dev.obdj.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static dev.obdj.nbd.NbdProtocol.*;

/** A minimal NBD client for protocol tests: every message can be sent raw or well-formed. */
final class NbdTestClient implements AutoCloseable {
    final SocketChannel ch;
    long size;
    int transmissionFlags;
    boolean structured;
    /** Lengths of simple-reply reads in flight, by cookie (a simple reply does not carry its length). */
    private final Map<Long, Integer> simpleReads = new ConcurrentHashMap<>();

    private NbdTestClient(SocketChannel ch) {
        this.ch = ch;
    }

    static NbdTestClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return new NbdTestClient(ch);
    }

    /** Connects and negotiates fully with NBD_OPT_GO. */
    static NbdTestClient open(Path socket, String export, boolean structured, boolean allocation) throws IOException {
        NbdTestClient c = connect(socket);
        c.greeting();
        c.clientFlags(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
        if (structured) {
            c.option(OPT_STRUCTURED_REPLY, new byte[0]);
            c.expectType(c.optReply(), REP_ACK);
            c.structured = true;
        }
        if (allocation) {
            c.option(OPT_SET_META_CONTEXT, metaQuery(export, BASE_ALLOCATION));
            c.expectType(c.optReply(), REP_META_CONTEXT);
            c.expectType(c.optReply(), REP_ACK);
        }
        c.option(OPT_GO, infoRequest(export));
        while (true) {
            OptReply r = c.optReply();
            if (r.type() == REP_ACK) break;
            if (r.type() != REP_INFO) throw new IOException("GO failed: " + r);
            ByteBuffer b = ByteBuffer.wrap(r.data());
            if (b.getShort() == INFO_EXPORT) {
                c.size = b.getLong();
                c.transmissionFlags = Short.toUnsignedInt(b.getShort());
            }
        }
        return c;
    }

    record OptReply(int option, int type, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** A reply: simple (type -1, flags DONE) or one structured chunk. */
    record Reply(long cookie, int error, int flags, int type, byte[] data) {
        boolean done() {
            return (flags & REPLY_FLAG_DONE) != 0;
        }
    }

    void greeting() throws IOException {
        ByteBuffer b = read(18);
        if (b.getLong() != NBDMAGIC || b.getLong() != IHAVEOPT) throw new IOException("bad greeting");
        if (b.getShort() != (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)) throw new IOException("unexpected handshake flags");
    }

    void clientFlags(int flags) throws IOException {
        write(ByteBuffer.allocate(4).putInt(flags).flip());
    }

    void option(int option, byte[] data) throws IOException {
        rawOption(IHAVEOPT, option, data.length, data);
    }

    void rawOption(long magic, int option, int length, byte[] data) throws IOException {
        write(ByteBuffer.allocate(16 + data.length).putLong(magic).putInt(option).putInt(length).put(data).flip());
    }

    OptReply optReply() throws IOException {
        ByteBuffer h = read(20);
        if (h.getLong() != OPT_REPLY_MAGIC) throw new IOException("bad option reply magic");
        int opt = h.getInt(), type = h.getInt(), len = h.getInt();
        return new OptReply(opt, type, read(len).array());
    }

    OptReply expectType(OptReply r, int type) throws IOException {
        if (r.type() != type) throw new IOException("expected reply type " + type + ", got " + r.type() + " (" + r.text() + ")");
        return r;
    }

    static byte[] infoRequest(String export, int... infos) {
        byte[] n = export.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length);
        b.putInt(n.length).put(n).putShort((short) infos.length);
        for (int i : infos) b.putShort((short) i);
        return b.array();
    }

    static byte[] metaQuery(String export, String... queries) {
        byte[] n = export.getBytes(StandardCharsets.UTF_8);
        List<byte[]> qs = new ArrayList<>();
        int len = 4 + n.length + 4;
        for (String q : queries) {
            byte[] qb = q.getBytes(StandardCharsets.UTF_8);
            qs.add(qb);
            len += 4 + qb.length;
        }
        ByteBuffer b = ByteBuffer.allocate(len);
        b.putInt(n.length).put(n).putInt(qs.size());
        for (byte[] q : qs) b.putInt(q.length).put(q);
        return b.array();
    }

    // ---- transmission ---------------------------------------------------------------------------

    void request(int flags, int type, long cookie, long offset, long length, byte[] payload) throws IOException {
        rawRequest(REQUEST_MAGIC, flags, type, cookie, offset, (int) length, payload);
    }

    void rawRequest(int magic, int flags, int type, long cookie, long offset, int length, byte[] payload) throws IOException {
        if (type == CMD_READ && !structured) simpleReads.put(cookie, length);
        int p = payload == null ? 0 : payload.length;
        ByteBuffer b = ByteBuffer.allocate(REQUEST_BYTES + p);
        b.putInt(magic).putShort((short) flags).putShort((short) type).putLong(cookie).putLong(offset).putInt(length);
        if (payload != null) b.put(payload);
        write(b.flip());
    }

    /** Reads one reply message (a simple reply, or one structured chunk). */
    Reply reply() throws IOException {
        ByteBuffer m = read(4);
        int magic = m.getInt();
        if (magic == SIMPLE_REPLY_MAGIC) {
            ByteBuffer h = read(12);
            int err = h.getInt();
            long cookie = h.getLong();
            Integer len = simpleReads.remove(cookie);
            byte[] data = len != null && err == 0 ? read(len).array() : new byte[0];
            return new Reply(cookie, err, REPLY_FLAG_DONE, -1, data);
        }
        if (magic != STRUCTURED_REPLY_MAGIC) throw new IOException("bad reply magic 0x" + Integer.toHexString(magic));
        ByteBuffer h = read(16);
        int flags = Short.toUnsignedInt(h.getShort()), type = Short.toUnsignedInt(h.getShort());
        long cookie = h.getLong();
        int len = h.getInt();
        byte[] data = read(len).array();
        int err = 0;
        if ((type & (1 << 15)) != 0) err = ByteBuffer.wrap(data).getInt();
        return new Reply(cookie, err, flags, type, data);
    }

    /** All chunks of the next reply (assumes no other reply interleaves). */
    List<Reply> replyChunks() throws IOException {
        List<Reply> out = new ArrayList<>();
        Reply r;
        do {
            r = reply();
            out.add(r);
        } while (!r.done());
        return out;
    }

    /** Reads {@code len} bytes at {@code off}, checking the reply's shape; zeros where holes are. */
    byte[] read(long off, int len, long cookie) throws IOException {
        request(0, CMD_READ, cookie, off, len, null);
        byte[] out = new byte[len];
        for (Reply r : replyChunks()) {
            if (r.cookie() != cookie) throw new IOException("cookie mismatch");
            if (r.error() != 0) throw new IOException("read error " + r.error());
            if (r.type() == -1) return r.data();
            ByteBuffer b = ByteBuffer.wrap(r.data());
            if (r.type() == REPLY_TYPE_OFFSET_DATA) {
                long o = b.getLong();
                b.get(out, (int) (o - off), b.remaining());
            } else if (r.type() != REPLY_TYPE_OFFSET_HOLE && r.type() != REPLY_TYPE_NONE) {
                throw new IOException("unexpected chunk type " + r.type());
            }
        }
        return out;
    }

    /** Simple reply to a non-read command: its error. */
    int command(int flags, int type, long offset, long length, byte[] payload, long cookie) throws IOException {
        request(flags, type, cookie, offset, length, payload);
        List<Reply> rs = replyChunks();
        return rs.getLast().error();
    }

    /** True when the server closed the connection (EOF) rather than sending anything. */
    boolean closedByServer() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        try {
            return ch.read(b) < 0;
        } catch (IOException e) {
            return true; // reset
        }
    }

    ByteBuffer read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) throw new EOFException("server closed");
        }
        return b.flip();
    }

    void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    void disc() throws IOException {
        request(0, CMD_DISC, 0, 0, 0, null);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
