package dev.obdj.nbd;

import dev.obdj.CreateOptions;
import dev.obdj.ExtentVisitor;
import dev.obdj.Image;
import dev.obdj.Layers;
import dev.obdj.testing.Corpus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.obdj.nbd.NbdProtocol.*;
import static org.junit.jupiter.api.Assertions.*;

/** Protocol-level tests with a pure-Java client: negotiation, each command, malformed input. */
@Timeout(30)
class NbdProtocolTest {
    @TempDir
    static Path tmp;
    static NbdServer server;
    static Path sock;
    static List<Path> stack;
    static Path holes;

    @BeforeAll
    static void start() throws IOException {
        Path c3 = Corpus.dir().resolve("s03_stack3_and_merged");
        stack = List.of(c3.resolve("layer0.lsmt"), c3.resolve("layer1.lsmt"), c3.resolve("layer2.lsmt"));
        holes = Corpus.dir().resolve("s02_discards_and_holes/layer0.lsmt");
        Path data = tmp.resolve("rw.data"), index = tmp.resolve("rw.index");
        Layers.create(data, index, CreateOptions.ofSize(16 << 20));
        server = new NbdServer(List.of(
                new NbdExport("", "the stack", Image.open(stack), false),
                new NbdExport("holes", Image.open(List.of(holes))),
                new NbdExport("rw", Image.openWritable(stack, data, index))),
                new NbdServer.Options(1 << 20, 8, 64));
        sock = tmp.resolve("nbd.sock");
        server.listenUnix(sock);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static byte[] expected(List<Path> layers, long off, int len) {
        try (Image img = Image.open(layers)) {
            byte[] b = new byte[len];
            img.read(off, b, 0, len);
            return b;
        }
    }

    // ---- negotiation -----------------------------------------------------------------------------

    @Test
    void listShowsEveryExportAndRejectsData() throws IOException {
        try (NbdTestClient c = NbdTestClient.connect(sock)) {
            c.greeting();
            c.clientFlags(FLAG_C_FIXED_NEWSTYLE);
            c.option(OPT_LIST, new byte[0]);
            Set<String> names = new HashSet<>();
            NbdTestClient.OptReply r;
            while ((r = c.optReply()).type() == REP_SERVER) {
                ByteBuffer b = ByteBuffer.wrap(r.data());
                byte[] n = new byte[b.getInt()];
                b.get(n);
                names.add(new String(n, StandardCharsets.UTF_8));
            }
            assertEquals(REP_ACK, r.type());
            assertEquals(Set.of("", "holes", "rw"), names);
            c.option(OPT_LIST, new byte[] {1});
            assertEquals(REP_ERR_INVALID, c.optReply().type());
            c.option(OPT_ABORT, new byte[0]);
            assertEquals(REP_ACK, c.optReply().type());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void infoThenGo() throws IOException {
        try (NbdTestClient c = NbdTestClient.connect(sock)) {
            c.greeting();
            c.clientFlags(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
            c.option(OPT_INFO, NbdTestClient.infoRequest("nope"));
            assertEquals(REP_ERR_UNKNOWN, c.optReply().type());
            c.option(OPT_INFO, NbdTestClient.infoRequest("", INFO_NAME, INFO_DESCRIPTION, INFO_BLOCK_SIZE));
            Map<Integer, ByteBuffer> infos = new HashMap<>();
            NbdTestClient.OptReply r;
            while ((r = c.optReply()).type() == REP_INFO) {
                ByteBuffer b = ByteBuffer.wrap(r.data());
                infos.put((int) b.getShort(), b.slice());
            }
            assertEquals(REP_ACK, r.type());
            ByteBuffer ex = infos.get(INFO_EXPORT);
            assertEquals(16 << 20, ex.getLong());
            int flags = ex.getShort();
            assertTrue((flags & FLAG_READ_ONLY) != 0);
            assertTrue((flags & FLAG_CAN_MULTI_CONN) != 0);
            assertEquals(0, infos.get(INFO_NAME).remaining());
            assertEquals("the stack", StandardCharsets.UTF_8.decode(infos.get(INFO_DESCRIPTION)).toString());
            ByteBuffer bs = infos.get(INFO_BLOCK_SIZE);
            assertEquals(1, bs.getInt());
            assertEquals(4096, bs.getInt());
            assertEquals(1 << 20, bs.getInt());
            // Malformed INFO: name length beyond the data, request count off.
            c.option(OPT_INFO, ByteBuffer.allocate(6).putInt(100).putShort((short) 0).array());
            assertEquals(REP_ERR_INVALID, c.optReply().type());
            c.option(OPT_INFO, ByteBuffer.allocate(7).putInt(0).putShort((short) 1).array());
            assertEquals(REP_ERR_INVALID, c.optReply().type());
            // Still negotiating: GO works.
            c.option(OPT_GO, NbdTestClient.infoRequest("rw"));
            while ((r = c.optReply()).type() == REP_INFO) { }
            assertEquals(REP_ACK, r.type());
            c.disc();
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void exportNameWithAndWithoutZeroes() throws IOException {
        for (int flags : new int[] {FLAG_C_FIXED_NEWSTYLE, FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES}) {
            try (NbdTestClient c = NbdTestClient.connect(sock)) {
                c.greeting();
                c.clientFlags(flags);
                c.option(OPT_EXPORT_NAME, "holes".getBytes(StandardCharsets.UTF_8));
                ByteBuffer b = c.read((flags & FLAG_C_NO_ZEROES) != 0 ? 10 : 134);
                assertEquals(24 << 20, b.getLong());
                c.structured = false;
                assertArrayEquals(expected(List.of(holes), 0, 8192), c.read(0, 8192, 7));
            }
        }
        try (NbdTestClient c = NbdTestClient.connect(sock)) {
            c.greeting();
            c.clientFlags(FLAG_C_FIXED_NEWSTYLE);
            c.option(OPT_EXPORT_NAME, "missing".getBytes(StandardCharsets.UTF_8));
            assertTrue(c.closedByServer(), "an unknown EXPORT_NAME ends the session");
        }
    }

    @Test
    void unsupportedOptionsAndMetaContexts() throws IOException {
        try (NbdTestClient c = NbdTestClient.connect(sock)) {
            c.greeting();
            c.clientFlags(FLAG_C_FIXED_NEWSTYLE);
            c.option(42, new byte[] {1, 2, 3});
            assertEquals(REP_ERR_UNSUP, c.optReply().type());
            c.option(OPT_STARTTLS, new byte[0]);
            assertEquals(REP_ERR_POLICY, c.optReply().type());
            c.option(OPT_SET_META_CONTEXT, NbdTestClient.metaQuery("", BASE_ALLOCATION));
            assertEquals(REP_ERR_INVALID, c.optReply().type(), "meta contexts need structured replies first");
            c.option(OPT_STRUCTURED_REPLY, new byte[0]);
            assertEquals(REP_ACK, c.optReply().type());
            c.option(OPT_LIST_META_CONTEXT, NbdTestClient.metaQuery(""));
            NbdTestClient.OptReply r = c.optReply();
            assertEquals(REP_META_CONTEXT, r.type());
            assertEquals(BASE_ALLOCATION, new String(r.data(), 4, r.data().length - 4, StandardCharsets.UTF_8));
            assertEquals(REP_ACK, c.optReply().type());
            c.option(OPT_SET_META_CONTEXT, NbdTestClient.metaQuery("", "x-other:thing"));
            assertEquals(REP_ACK, c.optReply().type(), "no context selected");
            c.option(OPT_SET_META_CONTEXT, NbdTestClient.metaQuery("nope", BASE_ALLOCATION));
            assertEquals(REP_ERR_UNKNOWN, c.optReply().type());
            byte[] bad = NbdTestClient.metaQuery("", BASE_ALLOCATION);
            c.option(OPT_SET_META_CONTEXT, Arrays.copyOf(bad, bad.length - 3));
            assertEquals(REP_ERR_INVALID, c.optReply().type());
            c.option(OPT_SET_META_CONTEXT, NbdTestClient.metaQuery("", BASE_ALLOCATION));
            r = c.optReply();
            assertEquals(REP_META_CONTEXT, r.type());
            assertEquals(NbdHandshake.ALLOCATION_CONTEXT_ID, ByteBuffer.wrap(r.data()).getInt());
            assertEquals(REP_ACK, c.optReply().type());
        }
    }

    @Test
    void oversizedAndMalformedOptions() throws IOException {
        try (NbdTestClient c = NbdTestClient.connect(sock)) {
            c.greeting();
            c.clientFlags(FLAG_C_FIXED_NEWSTYLE);
            c.option(OPT_INFO, new byte[NbdHandshake.MAX_OPTION_BYTES + 100]);
            assertEquals(REP_ERR_TOO_BIG, c.optReply().type());
            c.option(OPT_LIST, new byte[0]);
            while (c.optReply().type() != REP_ACK) { }
            // A length of 2 GiB is not read at all: the connection is dropped.
            c.rawOption(IHAVEOPT, OPT_INFO, Integer.MAX_VALUE, new byte[0]);
            assertTrue(c.closedByServer());
        }
        try (NbdTestClient c = NbdTestClient.connect(sock)) {
            c.greeting();
            c.clientFlags(FLAG_C_FIXED_NEWSTYLE);
            c.rawOption(0x1234567812345678L, OPT_LIST, 0, new byte[0]);
            assertTrue(c.closedByServer(), "bad option magic");
        }
        try (NbdTestClient c = NbdTestClient.connect(sock)) {
            c.greeting();
            c.clientFlags(1 << 5);
            assertTrue(c.closedByServer(), "unknown client flags");
        }
    }

    // ---- transmission ---------------------------------------------------------------------------

    @Test
    void simpleAndStructuredReadsMatchTheImage() throws IOException {
        Random rnd = new Random(1);
        try (NbdTestClient s = NbdTestClient.open(sock, "", false, false);
             NbdTestClient st = NbdTestClient.open(sock, "", true, false);
             Image img = Image.open(stack)) {
            assertEquals(img.size(), s.size);
            for (int i = 0; i < 40; i++) {
                int len = 1 + rnd.nextInt(300_000);
                long off = rnd.nextLong(img.size() - len);
                byte[] want = new byte[len];
                img.read(off, want, 0, len);
                assertArrayEquals(want, s.read(off, len, i));
                assertArrayEquals(want, st.read(off, len, i));
            }
            byte[] whole = new byte[1 << 20];
            img.read(img.size() - whole.length, whole, 0, whole.length);
            assertArrayEquals(whole, st.read(img.size() - whole.length, whole.length, 99));
        }
    }

    @Test
    void structuredReadsReportHolesAsHoleChunks() throws IOException {
        try (NbdTestClient c = NbdTestClient.open(sock, "", true, false); Image img = Image.open(stack)) {
            // 256 KiB .. 1 MiB: data then a long hole (see the corpus's allocation map).
            long off = 256 << 10;
            int len = 768 << 10;
            c.request(0, CMD_READ, 5, off, len, null);
            List<NbdTestClient.Reply> chunks = c.replyChunks();
            long covered = 0;
            boolean sawHole = false;
            for (NbdTestClient.Reply r : chunks) {
                ByteBuffer b = ByteBuffer.wrap(r.data());
                long o = b.getLong();
                long n = r.type() == REPLY_TYPE_OFFSET_HOLE ? Integer.toUnsignedLong(b.getInt()) : b.remaining();
                if (r.type() == REPLY_TYPE_OFFSET_HOLE) {
                    sawHole = true;
                    long[] nonData = {0};
                    img.forEachExtent(o, n, (eo, el, k) -> { if (k == ExtentVisitor.Kind.DATA) nonData[0] += el; });
                    assertEquals(0, nonData[0], "a hole chunk covers only holes/zeroed extents");
                } else {
                    assertEquals(REPLY_TYPE_OFFSET_DATA, r.type());
                }
                covered += n;
            }
            assertTrue(sawHole);
            assertEquals(len, covered);
            assertTrue(chunks.getLast().done());
            assertEquals(1, chunks.stream().filter(NbdTestClient.Reply::done).count());
        }
    }

    @Test
    void blockStatusMatchesTheMergedIndex() throws IOException {
        for (String export : List.of("", "holes")) {
            List<Path> layers = export.isEmpty() ? stack : List.of(holes);
            try (NbdTestClient c = NbdTestClient.open(sock, export, true, true); Image img = Image.open(layers)) {
                List<long[]> want = new ArrayList<>(); // offset, length, state
                img.forEachExtent(0, img.size(), (o, l, k) -> {
                    int st = k == ExtentVisitor.Kind.DATA ? 0 : STATE_HOLE | STATE_ZERO;
                    if (!want.isEmpty() && want.getLast()[2] == st && want.getLast()[0] + want.getLast()[1] == o) {
                        want.getLast()[1] += l;
                    } else {
                        want.add(new long[] {o, l, st});
                    }
                });
                List<long[]> got = new ArrayList<>();
                long off = 0;
                long cookie = 100;
                while (off < img.size()) {
                    long len = Math.min(img.size() - off, 3L << 20); // ask in pieces: extents split at request edges
                    c.request(0, CMD_BLOCK_STATUS, cookie, off, len, null);
                    List<NbdTestClient.Reply> rs = c.replyChunks();
                    assertEquals(1, rs.size());
                    ByteBuffer b = ByteBuffer.wrap(rs.getFirst().data());
                    assertEquals(REPLY_TYPE_BLOCK_STATUS, rs.getFirst().type());
                    assertEquals(NbdHandshake.ALLOCATION_CONTEXT_ID, b.getInt());
                    while (b.hasRemaining()) {
                        long l = Integer.toUnsignedLong(b.getInt());
                        int st = b.getInt();
                        if (!got.isEmpty() && got.getLast()[2] == st && got.getLast()[0] + got.getLast()[1] == off) {
                            got.getLast()[1] += l;
                        } else {
                            got.add(new long[] {off, l, st});
                        }
                        off += l;
                    }
                    cookie++;
                }
                assertEquals(want.size(), got.size(), export);
                for (int i = 0; i < want.size(); i++) {
                    assertArrayEquals(want.get(i), got.get(i), export + " extent " + i);
                }
                c.request(CMD_FLAG_REQ_ONE, CMD_BLOCK_STATUS, 1, 0, img.size(), null);
                NbdTestClient.Reply one = c.reply();
                assertEquals(4 + 8, one.data().length, "REQ_ONE: one descriptor");
                assertEquals(want.getFirst()[1], Integer.toUnsignedLong(ByteBuffer.wrap(one.data()).getInt(4)));
            }
        }
    }

    @Test
    void malformedRequestsGetErrorsAndTheConnectionGoesOn() throws IOException {
        try (NbdTestClient c = NbdTestClient.open(sock, "", true, false)) {
            long size = c.size;
            assertEquals(EINVAL, c.command(0, CMD_READ, size - 10, 20, null, 1), "read past the end");
            assertEquals(EINVAL, c.command(0, CMD_READ, -512, 1024, null, 2), "offset overflow");
            assertEquals(EOVERFLOW, c.command(0, CMD_READ, 0, 2 << 20, null, 3), "read over the maximum");
            assertEquals(EINVAL, c.command(0, 77, 0, 0, null, 4), "unknown command");
            assertEquals(EINVAL, c.command(1 << 9, CMD_READ, 0, 512, null, 5), "unknown flag");
            assertEquals(EINVAL, c.command(0, CMD_BLOCK_STATUS, 0, 4096, null, 6), "no meta context negotiated");
            assertEquals(EPERM, c.command(0, CMD_WRITE, 0, 4096, new byte[4096], 7), "read-only export");
            assertEquals(EPERM, c.command(0, CMD_TRIM, 0, 4096, null, 8), "read-only export");
            assertEquals(0, c.command(0, CMD_FLUSH, 0, 0, null, 9));
            // An oversized write on a read-only export: the payload is read and dropped, the stream stays in sync.
            assertEquals(EPERM, c.command(0, CMD_WRITE, 0, 3 << 20, new byte[3 << 20], 10));
            assertArrayEquals(expected(stack, 4096, 4096), c.read(4096, 4096, 11));
            // Several requests in one packet, a refused write with its payload among them.
            ByteBuffer batch = ByteBuffer.allocate(4 * REQUEST_BYTES + 100);
            batch.putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) CMD_WRITE).putLong(20).putLong(0).putInt(100);
            batch.put(new byte[100]);
            for (int i = 21; i <= 23; i++) {
                batch.putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) CMD_FLUSH).putLong(i).putLong(0).putInt(0);
            }
            c.write(batch.flip());
            Set<Long> answered = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                NbdTestClient.Reply r = c.reply();
                assertEquals(r.cookie() == 20 ? EPERM : 0, r.error());
                answered.add(r.cookie());
            }
            assertEquals(Set.of(20L, 21L, 22L, 23L), answered);
        }
    }

    @Test
    void badMagicDisconnectsThatClientOnly() throws IOException {
        try (NbdTestClient other = NbdTestClient.open(sock, "", true, false);
             NbdTestClient c = NbdTestClient.open(sock, "", true, false)) {
            c.rawRequest(0xdeadbeef, 0, CMD_READ, 1, 0, 4096, null);
            assertTrue(c.closedByServer());
            assertArrayEquals(expected(stack, 0, 65536), other.read(0, 65536, 1));
        }
    }

    /** Waits (up to 5 s) for the connections of earlier tests to finish closing; returns how many are left. */
    private static int settledConnections() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.connectionCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return server.connectionCount();
    }

    @Test
    void aClientGoneMidWritePayloadIsClosedAtOnce() throws Exception {
        int before = settledConnections();
        try (NbdTestClient c = NbdTestClient.open(sock, "rw", true, false)) {
            c.rawRequest(REQUEST_MAGIC, 0, CMD_WRITE, 1, 0, 4096, new byte[10]);
        }
        // Found by the NBD fuzz target: the request's slot leaked and the connection waited 60 s to drain.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.connectionCount() > before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(before, server.connectionCount(), "the connection is still open 5 s after its client left");
    }

    @Test
    void aClosedConnectionFreesItsBuffers() throws Exception {
        int open = settledConnections();
        long before = ReplyBuffer.LIVE_BYTES.get();
        try (NbdTestClient c = NbdTestClient.open(sock, "", true, false)) {
            c.read(0, 65536, 1);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.connectionCount() > open && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // Found by the NBD fuzz target (its RSS grew with every connection): slots' buffers were never freed.
        assertEquals(before, ReplyBuffer.LIVE_BYTES.get(), "off-heap reply buffers left behind by a closed connection");
    }

    @Test
    void simpleReplyReadErrorDisconnects() throws IOException {
        try (NbdTestClient c = NbdTestClient.open(sock, "", false, false)) {
            c.request(0, CMD_READ, 1, c.size, 512, null);
            NbdTestClient.Reply r = c.reply();
            assertEquals(EINVAL, r.error());
            assertTrue(c.closedByServer(), "a failed simple read ends the session (no way to frame it)");
        }
    }

    @Test
    void pipelinedRequestsAllComplete() throws IOException {
        try (NbdTestClient c = NbdTestClient.open(sock, "", true, false); Image img = Image.open(stack)) {
            int n = 200;
            Random rnd = new Random(7);
            long[] offs = new long[n];
            int[] lens = new int[n];
            for (int i = 0; i < n; i++) {
                lens[i] = 4096 * (1 + rnd.nextInt(32));
                offs[i] = rnd.nextLong(img.size() - lens[i]);
            }
            // The writer sends everything while the replies are read: the server bounds its queue.
            Thread sender = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < n; i++) c.request(0, CMD_READ, i, offs[i], lens[i], null);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Map<Long, byte[]> got = new HashMap<>();
            int done = 0;
            while (done < n) {
                NbdTestClient.Reply r = c.reply();
                assertEquals(0, r.error());
                byte[] buf = got.computeIfAbsent(r.cookie(), k -> new byte[lens[(int) (long) k]]);
                ByteBuffer b = ByteBuffer.wrap(r.data());
                if (r.type() == REPLY_TYPE_OFFSET_DATA) {
                    long o = b.getLong();
                    b.get(buf, (int) (o - offs[(int) r.cookie()]), b.remaining());
                }
                if (r.done()) done++;
            }
            sender.join();
            for (int i = 0; i < n; i++) {
                byte[] want = new byte[lens[i]];
                img.read(offs[i], want, 0, lens[i]);
                assertArrayEquals(want, got.get((long) i), "request " + i);
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void writesTrimsAndZeroesOnTheWritableExport() throws IOException {
        try (NbdTestClient c = NbdTestClient.open(sock, "rw", true, true)) {
            assertEquals(0, c.transmissionFlags & FLAG_READ_ONLY);
            assertTrue((c.transmissionFlags & FLAG_SEND_TRIM) != 0 && (c.transmissionFlags & FLAG_SEND_WRITE_ZEROES) != 0);
            byte[] model = expected(stack, 0, 16 << 20);
            Random rnd = new Random(3);
            for (int i = 0; i < 60; i++) {
                int len = 1 + rnd.nextInt(70_000);
                long off = rnd.nextLong(model.length - len);
                switch (rnd.nextInt(4)) {
                    case 0, 1 -> {
                        byte[] p = new byte[len];
                        rnd.nextBytes(p);
                        assertEquals(0, c.command(rnd.nextBoolean() ? CMD_FLAG_FUA : 0, CMD_WRITE, off, len, p, i));
                        System.arraycopy(p, 0, model, (int) off, len);
                    }
                    case 2 -> {
                        assertEquals(0, c.command(0, CMD_TRIM, off, len, null, i));
                        Arrays.fill(model, (int) off, (int) off + len, (byte) 0);
                    }
                    default -> {
                        assertEquals(0, c.command(rnd.nextBoolean() ? CMD_FLAG_NO_HOLE : 0, CMD_WRITE_ZEROES, off, len, null, i));
                        Arrays.fill(model, (int) off, (int) off + len, (byte) 0);
                    }
                }
            }
            assertEquals(0, c.command(0, CMD_FLUSH, 0, 0, null, 1000));
            assertEquals(ENOSPC, c.command(0, CMD_WRITE, model.length - 100, 200, new byte[200], 1001));
            assertEquals(EOVERFLOW, c.command(0, CMD_WRITE, 0, 3 << 20, new byte[3 << 20], 1003), "write over the maximum");
            assertEquals(EINVAL, c.command(CMD_FLAG_FAST_ZERO, CMD_WRITE_ZEROES, 0, 512, null, 1002), "FAST_ZERO not offered");
            for (long off = 0; off < model.length; off += 1 << 20) {
                assertArrayEquals(Arrays.copyOfRange(model, (int) off, (int) off + (1 << 20)), c.read(off, 1 << 20, 2000));
            }
            // After a trim of a whole range block status reports it as a hole.
            assertEquals(0, c.command(0, CMD_TRIM, 1 << 20, 1 << 20, null, 3000));
            c.request(0, CMD_BLOCK_STATUS, 3001, 1 << 20, 1 << 20, null);
            ByteBuffer b = ByteBuffer.wrap(c.reply().data());
            b.getInt();
            assertEquals(1 << 20, b.getInt());
            assertEquals(STATE_HOLE | STATE_ZERO, b.getInt());
        }
    }
}
