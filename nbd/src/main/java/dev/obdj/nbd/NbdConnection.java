package dev.obdj.nbd;

import dev.obdj.ExtentVisitor;
import dev.obdj.Image;
import dev.obdj.ObdjException;
import dev.obdj.UsageException;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static dev.obdj.nbd.NbdProtocol.*;

/**
 * One client connection: the handshake, then the transmission phase. One thread reads request
 * headers (and write payloads) in order; each request then runs on its own virtual thread, so
 * replies may complete out of order. At most {@code maxInFlight} requests are in flight: the
 * reader stops reading while all request slots are busy. Each slot owns reusable off-heap
 * buffers, so the read path allocates no byte arrays. Replies are written whole under one lock,
 * so concurrent completions never interleave on the wire.
 */
final class NbdConnection implements Runnable {
    private static final System.Logger LOG = System.getLogger(NbdConnection.class.getName());
    /** Zero-length holes shorter than this inside a structured read are sent as data. */
    private static final long MIN_HOLE = 4096;
    /** At most this many block status descriptors per reply; the client asks again for the rest. */
    static final int MAX_DESCRIPTORS = 16384;
    /** Write-zeroes with NO_HOLE writes from this many zero bytes at a time. */
    private static final int ZERO_CHUNK = 1 << 20;
    private static final MemorySegment ZEROS = Arena.global().allocate(ZERO_CHUNK, 4096);
    /** How long a closing connection waits for its in-flight requests. */
    private static final long DRAIN_SECONDS = 60;

    private final SocketChannel ch;
    private final NbdServer server;
    private final int maxPayload;
    private final int maxInFlight;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ArrayBlockingQueue<Slot> free;
    private volatile boolean broken;
    private volatile Thread reader;

    private NbdExport export;
    private Image image;
    private boolean structured;
    private boolean allocation;

    NbdConnection(SocketChannel ch, NbdServer server, int maxPayload, int maxInFlight) {
        this.ch = ch;
        this.server = server;
        this.maxPayload = maxPayload;
        this.maxInFlight = maxInFlight;
        this.free = new ArrayBlockingQueue<>(maxInFlight);
        for (int i = 0; i < maxInFlight; i++) {
            free.add(new Slot());
        }
    }

    /** One request in flight, with the buffers it reuses. */
    private static final class Slot {
        final ReplyBuffer data = new ReplyBuffer(4L << 20);
        final ReplyBuffer meta = new ReplyBuffer(256L << 10);
        final ByteBuffer head = ByteBuffer.allocateDirect(64);
        long[] ext = new long[256]; // triples: offset, length, 1 = data / 0 = zeros
        int flags, type;
        long cookie, offset, length;
    }

    @Override
    public void run() {
        reader = Thread.currentThread();
        String peer = peer();
        try {
            NbdHandshake.Negotiated n = new NbdHandshake(ch, server.exports(), maxPayload).negotiate();
            if (n == null) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: aborted the negotiation", peer);
                return;
            }
            export = n.export();
            image = export.image();
            structured = n.structuredReplies();
            allocation = n.allocationContext();
            LOG.log(System.Logger.Level.DEBUG, "{0}: serving export ''{1}''", peer, export.name());
            transmit();
        } catch (NbdHandshake.ProtocolViolation e) {
            LOG.log(System.Logger.Level.INFO, "{0}: protocol violation, disconnecting: {1}", peer, e.getMessage());
        } catch (EOFException | ClosedChannelException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: disconnected", peer);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: connection failed: {1}", peer, e.toString());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, peer + ": unexpected failure", e);
        } finally {
            drainAndClose();
            server.closed(this);
        }
    }

    /** Stops reading requests; in-flight ones complete, then the connection closes. */
    void stop() {
        try {
            ch.shutdownInput();
        } catch (IOException e) {
            closeQuietly();
        }
    }

    /**
     * Request bytes read ahead from the socket: a pipelining client's headers arrive many per
     * read. Between {@code position} and {@code limit} are bytes not yet consumed.
     */
    private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024).flip();

    /** Makes at least {@code n} (at most the buffer's capacity) unread bytes available in {@link #in}. */
    private void fill(int n) throws IOException {
        if (in.remaining() >= n) {
            return;
        }
        in.compact();
        try {
            while (in.position() < n) {
                if (ch.read(in) < 0) {
                    throw new EOFException("peer closed the connection");
                }
            }
        } finally {
            in.flip();
        }
    }

    /** Reads {@code dst.remaining()} payload bytes: first what was read ahead, then from the socket. */
    private void readPayload(ByteBuffer dst) throws IOException {
        int n = Math.min(in.remaining(), dst.remaining());
        if (n > 0) {
            dst.put(in.slice(in.position(), n));
            in.position(in.position() + n);
        }
        NbdIo.readFully(ch, dst);
    }

    /** Drops {@code n} payload bytes. */
    private void skipPayload(long n) throws IOException {
        int buffered = (int) Math.min(in.remaining(), n);
        in.position(in.position() + buffered);
        n -= buffered;
        if (n == 0) {
            return; // the rest of the read-ahead belongs to the next requests
        }
        while (n > 0) {
            in.clear().limit((int) Math.min(in.capacity(), n));
            NbdIo.readFully(ch, in);
            n -= in.limit();
        }
        in.clear().flip();
    }

    private void transmit() throws IOException {
        while (!broken) {
            fill(REQUEST_BYTES);
            ByteBuffer head = in.slice(in.position(), REQUEST_BYTES);
            in.position(in.position() + REQUEST_BYTES);
            int magic = head.getInt(0);
            if (magic != REQUEST_MAGIC) {
                throw new NbdHandshake.ProtocolViolation("bad request magic 0x" + Integer.toHexString(magic));
            }
            int flags = Short.toUnsignedInt(head.getShort(4));
            int type = Short.toUnsignedInt(head.getShort(6));
            if (type == CMD_DISC) {
                return; // in-flight requests finish in drainAndClose(); DISC itself has no reply
            }
            Slot s = takeSlot();
            s.flags = flags;
            s.type = type;
            s.cookie = head.getLong(8);
            s.offset = head.getLong(16);
            s.length = Integer.toUnsignedLong(head.getInt(24));
            int err = check(s);
            if (type == CMD_WRITE) {
                try {
                    if (err != 0) {
                        skipPayload(s.length);
                    } else {
                        MemorySegment buf = s.data.ensure(s.length);
                        readPayload(buf.asSlice(0, s.length).asByteBuffer());
                    }
                } catch (IOException | RuntimeException e) {
                    // A client gone mid-payload: without this the slot was never returned and the
                    // close waited the full drain time for it.
                    release(s);
                    throw e;
                }
            }
            if (err != 0) {
                try {
                    error(s, err, errorText(err, s));
                } finally {
                    release(s);
                }
                continue;
            }
            Thread.ofVirtual().name("nbd-request").start(() -> {
                try {
                    serve(s);
                } finally {
                    release(s);
                }
            });
        }
    }

    private Slot takeSlot() throws IOException {
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClosedChannelException();
        }
    }

    private void release(Slot s) {
        s.data.trim();
        s.meta.trim();
        free.add(s);
    }

    /** Validates a request; returns 0 or the NBD error to reply with. */
    private int check(Slot s) {
        int allowed = switch (s.type) {
            case CMD_READ, CMD_FLUSH -> 0;
            case CMD_WRITE, CMD_TRIM -> CMD_FLAG_FUA;
            case CMD_WRITE_ZEROES -> CMD_FLAG_FUA | CMD_FLAG_NO_HOLE;
            case CMD_BLOCK_STATUS -> CMD_FLAG_REQ_ONE;
            default -> -1;
        };
        if (allowed < 0 || (s.flags & ~allowed) != 0) {
            return EINVAL;
        }
        boolean writes = s.type == CMD_WRITE || s.type == CMD_TRIM || s.type == CMD_WRITE_ZEROES;
        if (writes && export.readOnly()) {
            return EPERM;
        }
        if (s.type == CMD_FLUSH) {
            return 0;
        }
        if ((s.type == CMD_READ || s.type == CMD_WRITE) && s.length > maxPayload) {
            return EOVERFLOW;
        }
        long size = image.size();
        if (s.offset < 0 || s.offset > size || s.length > size - s.offset) {
            return s.type == CMD_WRITE || s.type == CMD_WRITE_ZEROES ? ENOSPC : EINVAL;
        }
        if (s.type == CMD_BLOCK_STATUS && (!allocation || s.length == 0)) {
            return EINVAL;
        }
        return 0;
    }

    private String errorText(int err, Slot s) {
        String what = commandName(s.type) + " at " + Long.toUnsignedString(s.offset) + " length " + s.length;
        return switch (err) {
            case EPERM -> what + ": the export is read-only";
            case EOVERFLOW -> what + ": longer than the maximum request of " + maxPayload + " bytes";
            case ENOSPC, EINVAL -> s.type == CMD_BLOCK_STATUS && !allocation
                    ? what + ": base:allocation was not negotiated"
                    : what + ": invalid flags or range (export size " + image.size() + ")";
            default -> what + ": error " + err;
        };
    }

    /** Runs a validated request and sends its reply. */
    private void serve(Slot s) {
        try {
            switch (s.type) {
                case CMD_READ -> {
                    read(s);
                    return;
                }
                case CMD_BLOCK_STATUS -> {
                    blockStatus(s);
                    return;
                }
                case CMD_WRITE -> {
                    if (s.length > 0) {
                        image.write(s.offset, s.data.ensure(s.length), 0, s.length);
                    }
                    fua(s);
                }
                case CMD_TRIM -> {
                    if (s.length > 0) image.discard(s.offset, s.length);
                    fua(s);
                }
                case CMD_WRITE_ZEROES -> {
                    writeZeroes(s);
                    fua(s);
                }
                case CMD_FLUSH -> {
                    if (!export.readOnly()) image.flush();
                }
                default -> throw new IllegalStateException("unchecked command " + s.type);
            }
            ok(s);
        } catch (ObdjException e) {
            int err = e instanceof UsageException ? EINVAL : storageErrno(e);
            LOG.log(System.Logger.Level.DEBUG, "{0} failed: {1}", commandName(s.type), e.getMessage());
            error(s, err, e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, commandName(s.type) + " failed", e);
            error(s, EIO, e.toString());
        }
    }

    private static int storageErrno(ObdjException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No space left")) {
                return ENOSPC;
            }
        }
        return EIO;
    }

    private void fua(Slot s) {
        if ((s.flags & CMD_FLAG_FUA) != 0) {
            image.flush();
        }
    }

    private void writeZeroes(Slot s) {
        if (s.length == 0) {
            return;
        }
        if ((s.flags & CMD_FLAG_NO_HOLE) == 0) {
            image.discard(s.offset, s.length); // reads as zeros; no data stored
            return;
        }
        for (long done = 0; done < s.length; ) {
            long n = Math.min(ZERO_CHUNK, s.length - done);
            image.write(s.offset + done, ZEROS, 0, n);
            done += n;
        }
    }

    // ---- READ ------------------------------------------------------------------------------------

    private void read(Slot s) {
        MemorySegment buf;
        int chunks;
        try {
            buf = s.data.ensure(Math.max(1, s.length));
            if (!structured) {
                image.read(s.offset, buf, 0, s.length);
                ByteBuffer h = simpleHeader(s, 0);
                send(h, buf.asSlice(0, s.length).asByteBuffer());
                return;
            }
            if (s.length == 0) {
                ByteBuffer h = s.head.clear();
                chunkHeader(h, s, REPLY_FLAG_DONE, REPLY_TYPE_NONE, 0);
                send(h.flip());
                return;
            }
            chunks = extents(s, true, Integer.MAX_VALUE);
            for (int i = 0; i < chunks; i++) {
                if (s.ext[3 * i + 2] != 0) {
                    long off = s.ext[3 * i], len = s.ext[3 * i + 1];
                    image.read(off, buf, off - s.offset, len);
                }
            }
        } catch (ObdjException e) {
            error(s, e instanceof UsageException ? EINVAL : EIO, e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "READ failed", e);
            error(s, EIO, e.toString());
            return;
        }
        // Each chunk: a 20-byte header and an 8-byte offset, then the data (or a 4-byte hole length).
        MemorySegment meta = s.meta.ensure(32L * chunks);
        ByteBuffer[] iov = new ByteBuffer[2 * chunks];
        int n = 0;
        for (int i = 0; i < chunks; i++) {
            long off = s.ext[3 * i], len = s.ext[3 * i + 1];
            boolean data = s.ext[3 * i + 2] != 0;
            int flags = i == chunks - 1 ? REPLY_FLAG_DONE : 0;
            ByteBuffer h = meta.asSlice(32L * i, 32).asByteBuffer();
            if (data) {
                chunkHeader(h, s, flags, REPLY_TYPE_OFFSET_DATA, 8 + len);
                h.putLong(off).flip();
                iov[n++] = h;
                iov[n++] = buf.asSlice(off - s.offset, len).asByteBuffer();
            } else {
                chunkHeader(h, s, flags, REPLY_TYPE_OFFSET_HOLE, 12);
                h.putLong(off).putInt((int) len).flip();
                iov[n++] = h;
            }
        }
        send(n == iov.length ? iov : java.util.Arrays.copyOf(iov, n));
    }

    /**
     * Collects the extents of the request's range into {@code s.ext} (offset, length, data?),
     * merging neighbours of the same kind; zeroed and hole extents are both "zeros".
     *
     * @param forRead short zero runs become data (fewer chunks), and chunk lengths stay in range
     * @return the number of extents
     */
    private int extents(Slot s, boolean forRead, int max) {
        int[] count = {0};
        long[] cursor = {s.offset};
        long end = s.offset + s.length;
        image.forEachExtent(s.offset, s.length, (off, len, kind) -> {
            long from = Math.max(off, cursor[0]);
            long to = Math.min(off + len, end);
            if (to <= from) {
                return;
            }
            if (from > cursor[0]) {
                add(s, count, cursor[0], from - cursor[0], false, forRead, max); // a gap reads as zeros
            }
            add(s, count, from, to - from, kind == ExtentVisitor.Kind.DATA, forRead, max);
            cursor[0] = to;
        });
        if (cursor[0] < end) {
            add(s, count, cursor[0], end - cursor[0], false, forRead, max);
        }
        return count[0];
    }

    private static void add(Slot s, int[] count, long off, long len, boolean data, boolean forRead, int max) {
        if (forRead && !data && len < MIN_HOLE) {
            data = true;
        }
        int c = count[0];
        if (c > 0) {
            int p = 3 * (c - 1);
            boolean prevData = s.ext[p + 2] != 0;
            if (prevData == data && s.ext[p] + s.ext[p + 1] == off) {
                s.ext[p + 1] += len;
                return;
            }
            if (forRead && prevData && !data && len < MIN_HOLE) {
                s.ext[p + 1] += len;
                return;
            }
        }
        if (c >= max) {
            return; // enough extents: the reply covers a prefix of the range
        }
        if (3 * c + 3 > s.ext.length) {
            s.ext = java.util.Arrays.copyOf(s.ext, s.ext.length * 2);
        }
        s.ext[3 * c] = off;
        s.ext[3 * c + 1] = len;
        s.ext[3 * c + 2] = data ? 1 : 0;
        count[0] = c + 1;
    }

    // ---- BLOCK_STATUS --------------------------------------------------------------------------

    private void blockStatus(Slot s) {
        boolean one = (s.flags & CMD_FLAG_REQ_ONE) != 0;
        int n = extents(s, false, one ? 1 : MAX_DESCRIPTORS);
        MemorySegment meta = s.meta.ensure(CHUNK_BYTES + 4 + 8L * n);
        ByteBuffer b = meta.asSlice(0, CHUNK_BYTES + 4 + 8L * n).asByteBuffer();
        chunkHeader(b, s, REPLY_FLAG_DONE, REPLY_TYPE_BLOCK_STATUS, 4 + 8L * n);
        b.putInt(NbdHandshake.ALLOCATION_CONTEXT_ID);
        for (int i = 0; i < n; i++) {
            boolean data = s.ext[3 * i + 2] != 0;
            b.putInt((int) s.ext[3 * i + 1]).putInt(data ? 0 : STATE_HOLE | STATE_ZERO);
        }
        send(b.flip());
    }

    // ---- Replies ---------------------------------------------------------------------------------

    private void ok(Slot s) {
        if (structured) {
            ByteBuffer h = s.head.clear();
            chunkHeader(h, s, REPLY_FLAG_DONE, REPLY_TYPE_NONE, 0);
            send(h.flip());
        } else {
            send(simpleHeader(s, 0));
        }
    }

    private void error(Slot s, int err, String message) {
        if (!structured) {
            send(simpleHeader(s, err));
            if (s.type == CMD_READ) {
                // Without structured replies a failed read cannot say how much data follows: the
                // protocol leaves a hard disconnect as the only unambiguous end.
                broken = true;
                closeQuietly();
            }
            return;
        }
        byte[] msg = message == null ? new byte[0] : message.getBytes(StandardCharsets.UTF_8);
        int len = Math.min(msg.length, 4096);
        MemorySegment meta = s.meta.ensure(CHUNK_BYTES + 6 + len);
        ByteBuffer b = meta.asSlice(0, CHUNK_BYTES + 6 + len).asByteBuffer();
        chunkHeader(b, s, REPLY_FLAG_DONE, REPLY_TYPE_ERROR, 6 + len);
        b.putInt(err).putShort((short) len).put(msg, 0, len).flip();
        send(b);
    }

    private static ByteBuffer simpleHeader(Slot s, int err) {
        ByteBuffer h = s.head.clear();
        h.putInt(SIMPLE_REPLY_MAGIC).putInt(err).putLong(s.cookie);
        return h.flip();
    }

    private static void chunkHeader(ByteBuffer h, Slot s, int flags, int type, long length) {
        h.putInt(STRUCTURED_REPLY_MAGIC).putShort((short) flags).putShort((short) type).putLong(s.cookie)
                .putInt((int) length);
    }

    private void send(ByteBuffer... bufs) {
        if (broken) {
            return;
        }
        writeLock.lock();
        try {
            NbdIo.writeFully(ch, bufs);
        } catch (IOException e) {
            broken = true;
            LOG.log(System.Logger.Level.DEBUG, "{0}: reply failed: {1}", peer(), e.toString());
            closeQuietly();
        } finally {
            writeLock.unlock();
        }
    }

    // ---- Closing ---------------------------------------------------------------------------------

    private void drainAndClose() {
        boolean drained = true;
        java.util.List<Slot> idle = new java.util.ArrayList<>(maxInFlight);
        try {
            for (int i = 0; i < maxInFlight; i++) {
                Slot s = free.poll(DRAIN_SECONDS, TimeUnit.SECONDS);
                if (s == null) {
                    drained = false;
                    break;
                }
                idle.add(s);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        closeQuietly();
        // The slots' buffers are off-heap and not freed by the garbage collector: every connection
        // used to leave them behind. A slot still in flight keeps its buffers (it is still using them).
        for (Slot s : idle) {
            s.data.close();
            s.meta.close();
        }
        if (!drained) {
            LOG.log(System.Logger.Level.WARNING, "{0}: requests still running at close", peer());
        }
    }

    private void closeQuietly() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    private String peer() {
        try {
            Object a = ch.getRemoteAddress();
            return a == null || a.toString().isEmpty() ? "unix client " + Integer.toHexString(System.identityHashCode(this)) : a.toString();
        } catch (IOException e) {
            return "client";
        }
    }
}
