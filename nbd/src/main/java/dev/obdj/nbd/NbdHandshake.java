package dev.obdj.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.obdj.nbd.NbdProtocol.*;

/**
 * The fixed newstyle negotiation: greeting, client flags, then option haggling until the client
 * picks an export ({@code NBD_OPT_GO} or {@code NBD_OPT_EXPORT_NAME}), aborts, or breaks the
 * protocol. Option payloads are capped ({@link #MAX_OPTION_BYTES}); nothing is allocated from a
 * length the client sent before that length is checked.
 */
final class NbdHandshake {
    /** Largest option payload read; longer ones are skipped and answered {@code NBD_REP_ERR_TOO_BIG}. */
    static final int MAX_OPTION_BYTES = 64 * 1024;
    /** Longer option payloads than this are not even skipped: the connection is dropped. */
    static final int MAX_SKIPPED_OPTION_BYTES = 1 << 20;
    /** A client that sends this many options without choosing an export is dropped. */
    static final int MAX_OPTIONS = 1024;
    /** The context id given to {@code base:allocation}. */
    static final int ALLOCATION_CONTEXT_ID = 1;

    /** What the negotiation settled. */
    record Negotiated(NbdExport export, boolean structuredReplies, boolean allocationContext) {}

    /** The client broke the protocol in a way that ends the connection. */
    static final class ProtocolViolation extends IOException {
        ProtocolViolation(String message) {
            super(message);
        }
    }

    private final ByteChannel ch;
    private final Map<String, NbdExport> exports;
    private final int maxPayload;
    private boolean noZeroes;
    private boolean structured;
    /** Export name the current meta context selection was made for, or null for none. */
    private String metaExport;
    private boolean metaAllocation;

    NbdHandshake(ByteChannel ch, Map<String, NbdExport> exports, int maxPayload) {
        this.ch = ch;
        this.exports = exports;
        this.maxPayload = maxPayload;
    }

    /**
     * Runs the negotiation.
     *
     * @return the chosen export and features, or null when the client aborted
     * @throws IOException on I/O errors, EOF, or a {@link ProtocolViolation}
     */
    Negotiated negotiate() throws IOException {
        ByteBuffer greet = ByteBuffer.allocate(18);
        greet.putLong(NBDMAGIC).putLong(IHAVEOPT).putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)).flip();
        NbdIo.writeFully(ch, greet);
        ByteBuffer cf = ByteBuffer.allocate(4);
        NbdIo.readFully(ch, cf);
        int clientFlags = cf.getInt(0);
        if ((clientFlags & ~(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) != 0) {
            throw new ProtocolViolation("unknown client flags 0x" + Integer.toHexString(clientFlags));
        }
        noZeroes = (clientFlags & FLAG_C_NO_ZEROES) != 0;

        ByteBuffer head = ByteBuffer.allocate(16);
        for (int n = 0; n < MAX_OPTIONS; n++) {
            head.clear();
            NbdIo.readFully(ch, head);
            long magic = head.getLong(0);
            int option = head.getInt(8);
            long length = Integer.toUnsignedLong(head.getInt(12));
            if (magic != IHAVEOPT) {
                throw new ProtocolViolation("bad option magic 0x" + Long.toHexString(magic));
            }
            if (length > MAX_OPTION_BYTES) {
                if (option == OPT_EXPORT_NAME || length > MAX_SKIPPED_OPTION_BYTES) {
                    throw new ProtocolViolation("option " + option + " carries " + length + " bytes");
                }
                NbdIo.skip(ch, length, ByteBuffer.allocate(8192));
                reply(option, REP_ERR_TOO_BIG, "option data of " + length + " bytes is too large");
                continue;
            }
            ByteBuffer data = ByteBuffer.allocate((int) length);
            NbdIo.readFully(ch, data);
            data.flip();
            Negotiated done = option(option, data);
            if (done == ABORTED) {
                return null;
            }
            if (done != null) {
                return done;
            }
        }
        throw new ProtocolViolation("more than " + MAX_OPTIONS + " options");
    }

    private static final Negotiated ABORTED = new Negotiated(null, false, false);

    /** Handles one option; returns the result when negotiation ends. */
    private Negotiated option(int option, ByteBuffer data) throws IOException {
        switch (option) {
            case OPT_EXPORT_NAME -> {
                String name = string(data, data.remaining());
                NbdExport e = name == null ? null : exports.get(name);
                if (e == null) {
                    // This option cannot fail with an error reply: the protocol says to close.
                    throw new ProtocolViolation("NBD_OPT_EXPORT_NAME: no export named '" + name + "'");
                }
                ByteBuffer b = ByteBuffer.allocate(noZeroes ? 10 : 134);
                b.putLong(e.size()).putShort((short) e.transmissionFlags());
                NbdIo.writeFully(ch, b.clear());
                return negotiated(e);
            }
            case OPT_ABORT -> {
                try {
                    ack(option);
                } catch (IOException ignored) {
                    // The client may close without waiting for the ack.
                }
                return ABORTED;
            }
            case OPT_LIST -> {
                if (data.hasRemaining()) {
                    reply(option, REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
                    return null;
                }
                for (NbdExport e : exports.values()) {
                    byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
                    byte[] desc = e.description() == null ? new byte[0] : e.description().getBytes(StandardCharsets.UTF_8);
                    ByteBuffer b = ByteBuffer.allocate(4 + name.length + desc.length);
                    b.putInt(name.length).put(name).put(desc).flip();
                    reply(option, REP_SERVER, b);
                }
                ack(option);
                return null;
            }
            case OPT_STRUCTURED_REPLY -> {
                if (data.hasRemaining()) {
                    reply(option, REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
                } else {
                    structured = true;
                    ack(option);
                }
                return null;
            }
            case OPT_INFO, OPT_GO -> {
                return info(option, data);
            }
            case OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT -> {
                metaContext(option, data);
                return null;
            }
            case OPT_STARTTLS -> {
                reply(option, REP_ERR_POLICY, "TLS is not offered (serve on a Unix socket or loopback only)");
                return null;
            }
            default -> {
                reply(option, REP_ERR_UNSUP, "option " + option + " is not supported");
                return null;
            }
        }
    }

    private Negotiated negotiated(NbdExport e) {
        boolean alloc = structured && metaAllocation && e.name().equals(metaExport);
        return new Negotiated(e, structured, alloc);
    }

    /** NBD_OPT_INFO and NBD_OPT_GO: export name, requested info types. */
    private Negotiated info(int option, ByteBuffer data) throws IOException {
        if (data.remaining() < 6) {
            reply(option, REP_ERR_INVALID, "option data too short");
            return null;
        }
        long nameLen = Integer.toUnsignedLong(data.getInt());
        if (nameLen > data.remaining() - 2) {
            reply(option, REP_ERR_INVALID, "export name length beyond the option data");
            return null;
        }
        String name = string(data, (int) nameLen);
        int count = Short.toUnsignedInt(data.getShort());
        if (data.remaining() != 2L * count) {
            reply(option, REP_ERR_INVALID, "information request count does not match the option length");
            return null;
        }
        if (name == null) {
            reply(option, REP_ERR_INVALID, "export name is not valid UTF-8");
            return null;
        }
        NbdExport e = exports.get(name);
        if (e == null) {
            reply(option, REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return null;
        }
        boolean wantName = false, wantDescription = false;
        for (int i = 0; i < count; i++) {
            int t = Short.toUnsignedInt(data.getShort());
            wantName |= t == INFO_NAME;
            wantDescription |= t == INFO_DESCRIPTION;
        }
        ByteBuffer b = ByteBuffer.allocate(12);
        b.putShort((short) INFO_EXPORT).putLong(e.size()).putShort((short) e.transmissionFlags()).flip();
        reply(option, REP_INFO, b);
        if (wantName) {
            byte[] n = e.name().getBytes(StandardCharsets.UTF_8);
            reply(option, REP_INFO, ByteBuffer.allocate(2 + n.length).putShort((short) INFO_NAME).put(n).flip());
        }
        if (wantDescription && e.description() != null) {
            byte[] d = e.description().getBytes(StandardCharsets.UTF_8);
            reply(option, REP_INFO, ByteBuffer.allocate(2 + d.length).putShort((short) INFO_DESCRIPTION).put(d).flip());
        }
        // Block sizes are always sent: any byte range works, 4 KiB is best, requests are capped.
        ByteBuffer bs = ByteBuffer.allocate(14);
        bs.putShort((short) INFO_BLOCK_SIZE).putInt(1).putInt(4096).putInt(maxPayload).flip();
        reply(option, REP_INFO, bs);
        ack(option);
        return option == OPT_GO ? negotiated(e) : null;
    }

    /** NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT: only {@code base:allocation} exists. */
    private void metaContext(int option, ByteBuffer data) throws IOException {
        boolean set = option == OPT_SET_META_CONTEXT;
        if (!structured) {
            reply(option, REP_ERR_INVALID, "negotiate NBD_OPT_STRUCTURED_REPLY first");
            return;
        }
        if (data.remaining() < 8) {
            reply(option, REP_ERR_INVALID, "option data too short");
            return;
        }
        long nameLen = Integer.toUnsignedLong(data.getInt());
        if (nameLen > data.remaining() - 4) {
            reply(option, REP_ERR_INVALID, "export name length beyond the option data");
            return;
        }
        String name = string(data, (int) nameLen);
        long queries = Integer.toUnsignedLong(data.getInt());
        List<String> qs = new ArrayList<>();
        for (long i = 0; i < queries; i++) {
            if (data.remaining() < 4) {
                reply(option, REP_ERR_INVALID, "query count beyond the option data");
                return;
            }
            long qLen = Integer.toUnsignedLong(data.getInt());
            if (qLen > data.remaining()) {
                reply(option, REP_ERR_INVALID, "query length beyond the option data");
                return;
            }
            String q = string(data, (int) qLen);
            if (q == null) {
                reply(option, REP_ERR_INVALID, "query is not valid UTF-8");
                return;
            }
            qs.add(q);
        }
        if (data.hasRemaining()) {
            reply(option, REP_ERR_INVALID, "trailing bytes after the queries");
            return;
        }
        if (name == null || !exports.containsKey(name)) {
            reply(option, REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return;
        }
        boolean match = false;
        for (String q : qs) {
            match |= q.equals(BASE_ALLOCATION) || (!set && q.equals("base:"));
        }
        if (!set && qs.isEmpty()) {
            match = true; // an empty list query lists everything
        }
        if (set) {
            metaExport = name;
            metaAllocation = match;
        }
        if (match) {
            byte[] n = BASE_ALLOCATION.getBytes(StandardCharsets.US_ASCII);
            ByteBuffer b = ByteBuffer.allocate(4 + n.length);
            b.putInt(set ? ALLOCATION_CONTEXT_ID : 0).put(n).flip();
            reply(option, REP_META_CONTEXT, b);
        }
        ack(option);
    }

    private void ack(int option) throws IOException {
        reply(option, REP_ACK, (ByteBuffer) null);
    }

    private void reply(int option, int type, String message) throws IOException {
        reply(option, type, message == null ? null : ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
    }

    private void reply(int option, int type, ByteBuffer payload) throws IOException {
        int len = payload == null ? 0 : payload.remaining();
        ByteBuffer h = ByteBuffer.allocate(20);
        h.putLong(OPT_REPLY_MAGIC).putInt(option).putInt(type).putInt(len).flip();
        NbdIo.writeFully(ch, h);
        if (payload != null) {
            NbdIo.writeFully(ch, payload);
        }
    }

    /** Decodes {@code len} bytes as strict UTF-8 without NUL; null when they are not. */
    private static String string(ByteBuffer data, int len) {
        ByteBuffer slice = data.slice(data.position(), len);
        data.position(data.position() + len);
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
            return s.indexOf('\0') >= 0 ? null : s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
