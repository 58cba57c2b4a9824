package dev.obdj.cli;

import dev.obdj.CreateOptions;
import dev.obdj.Layers;
import dev.obdj.nbd.NbdServer;
import dev.obdj.testing.Corpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class ServeNbdCommandTest {
    @TempDir
    Path tmp;

    @Test
    void exportSpecs() throws UsageError {
        ServeNbdCommand.Spec s = ServeNbdCommand.parseExport("base=a.lsmt,b.lsmt");
        assertEquals("base", s.name());
        assertEquals(List.of(Path.of("a.lsmt"), Path.of("b.lsmt")), s.lowers());
        assertNull(s.rwData());
        s = ServeNbdCommand.parseExport("vm=a.lsmt+rw=d,i");
        assertEquals(List.of(Path.of("a.lsmt")), s.lowers());
        assertEquals(Path.of("d"), s.rwData());
        assertEquals(Path.of("i"), s.rwIndex());
        s = ServeNbdCommand.parseExport("=+rw=d,i");
        assertEquals("", s.name());
        assertTrue(s.lowers().isEmpty());
        s = ServeNbdCommand.parseExport("c=@/etc/config.v1.json");
        assertEquals(Path.of("/etc/config.v1.json"), s.config());
        for (String bad : List.of("noequals", "x=", "x=a,,b", "x=a+rw=d", "x=@", "x=a+rw=d,i,j")) {
            assertThrows(UsageError.class, () -> ServeNbdCommand.parseExport(bad), bad);
        }
    }

    @Test
    void tcpIsLoopbackOnly() throws UsageError {
        assertEquals(10809, ServeNbdCommand.parseTcp("127.0.0.1:10809").getPort());
        assertTrue(ServeNbdCommand.parseTcp("[::1]:0").getAddress().isLoopbackAddress());
        assertThrows(UsageError.class, () -> ServeNbdCommand.parseTcp("0.0.0.0:10809"));
        assertThrows(UsageError.class, () -> ServeNbdCommand.parseTcp("127.0.0.1"));
        assertThrows(UsageError.class, () -> ServeNbdCommand.parseTcp("127.0.0.1:99999"));
    }

    @Test
    void usageErrors() {
        assertEquals(2, MainTest.obd("serve-nbd", "a.lsmt").code(), "no socket");
        MainTest.Result r = MainTest.obd("serve-nbd", "--socket", tmp.resolve("s").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nothing to serve"), r.err());
        assertEquals(2, MainTest.obd("serve-nbd", "--socket", "s", "--config", "c.json", "a.lsmt").code());
        assertEquals(2, MainTest.obd("serve-nbd", "--socket", "s", "--tcp", "10.1.2.3:1", "a.lsmt").code());
        assertEquals(1, MainTest.obd("serve-nbd", "--socket", tmp.resolve("s").toString(), tmp.resolve("missing.lsmt").toString()).code());
    }

    @Test
    void servesConfigAndNamedExportsThenStops() throws Exception {
        Path c3 = Corpus.dir().resolve("s03_stack3_and_merged");
        Path data = tmp.resolve("rw.data"), index = tmp.resolve("rw.index");
        Layers.create(data, index, CreateOptions.ofSize(16 << 20));
        Path config = tmp.resolve("config.v1.json");
        Files.writeString(config, """
                {"lowers": [{"file": "%s"}, {"file": "%s"}, {"file": "%s"}],
                 "upper": {"data": "rw.data", "index": "rw.index"}}
                """.formatted(c3.resolve("layer0.lsmt"), c3.resolve("layer1.lsmt"), c3.resolve("layer2.lsmt")));
        Path sock = tmp.resolve("nbd.sock");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        NbdServer server = ServeNbdCommand.start(List.of("--socket", sock.toString(), "--tcp", "127.0.0.1:0",
                "--config", config.toString(), "--export", "merged=" + c3.resolve("merged.lsmt")),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(List.of("", "merged"), List.copyOf(server.exports().keySet()));
            assertFalse(server.exports().get("").readOnly());
            assertTrue(server.exports().get("merged").readOnly());
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(sock));
                ByteBuffer b = ByteBuffer.allocate(18);
                while (b.hasRemaining() && ch.read(b) >= 0) { }
                assertEquals(0x4e42444d41474943L, b.getLong(0), "NBDMAGIC greeting");
            }
            String log = err.toString(StandardCharsets.UTF_8);
            assertTrue(log.contains("listening on tcp 127.0.0.1:"), log);
            assertTrue(log.contains("export '': 16777216 bytes, writable"), log);
        } finally {
            server.close();
        }
        assertFalse(Files.exists(sock), "the socket file is removed on stop");
        // The writable layer was closed: it can be opened for writing again.
        Layers.commit(data, index, tmp.resolve("top.lsmt"), new dev.obdj.CommitOptions(null, null, null));
    }
}
