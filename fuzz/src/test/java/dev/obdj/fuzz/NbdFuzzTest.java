package dev.obdj.fuzz;

import dev.obdj.testing.LayerModel;
import dev.obdj.testing.TestBlobs;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.obdj.CreateOptions;
import dev.obdj.Image;
import dev.obdj.Layers;
import dev.obdj.nbd.NbdExport;
import dev.obdj.nbd.NbdFuzzAccess;
import dev.obdj.nbd.NbdServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Target 6: the NBD server fed a client byte stream from fuzz bytes. First the negotiation alone
 * over an in-memory channel (allocation-checked: only I/O exceptions may leave it), then a whole
 * connection (negotiation and transmission: reads, writes, trims, zeroes, block status, flush) on
 * a Unix socket pair against a read-only export and a writable one. The connection must end by
 * itself within the timeout, and log no unexpected failure (its catch-all handlers log those).
 */
class NbdFuzzTest {
    static final int MAX_PAYLOAD = 65536;
    private static final Fixture FIXTURE = new Fixture();

    @FuzzTest
    void nbd(byte[] input) {
        Budget.run(input.length, () -> negotiateInMemory(input));
        FIXTURE.serve(input);
    }

    /** The negotiation over a channel that reads {@code input} and drops what the server writes. */
    static void negotiateInMemory(byte[] input) {
        ByteChannel ch = new ByteChannel() {
            int pos;

            @Override
            public int read(ByteBuffer dst) {
                if (pos >= input.length) return -1;
                int n = Math.min(dst.remaining(), input.length - pos);
                dst.put(input, pos, n);
                pos += n;
                return n;
            }

            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                src.position(src.limit());
                return n;
            }

            @Override
            public boolean isOpen() { return true; }

            @Override
            public void close() {}
        };
        try {
            NbdFuzzAccess.negotiate(ch, FIXTURE.exports, MAX_PAYLOAD);
        } catch (IOException e) {
            // EOF or a protocol violation: the connection ends, as it should
        }
    }

    /** Two exports over a small image in a temporary directory, and a socket to connect through. */
    static final class Fixture {
        final Path dir;
        final Path lower;
        final Map<String, NbdExport> exports = new LinkedHashMap<>();
        final List<LogRecord> failures = new ArrayList<>();
        NbdServer server;
        ServerSocketChannel listener;
        UnixDomainSocketAddress address;
        int served;

        Fixture() {
            try {
                dir = Files.createTempDirectory("obdj-fuzz-nbd");
                lower = dir.resolve("lower.lsmt");
                LayerModel m = new LayerModel(2048);
                Random r = new Random(7);
                for (int k = 0; k < 20; k++) {
                    byte[] p = new byte[512 * (1 + r.nextInt(40))];
                    r.nextBytes(p);
                    m.write(r.nextInt(2048 - p.length / 512), p);
                }
                m.discard(100, 50);
                Files.write(lower, TestBlobs.sealedBytes(m, 2048 * 512, r));
                open();
                address = UnixDomainSocketAddress.of(dir.resolve("nbd.sock"));
                listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                listener.bind(address);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Handler h = new Handler() {
                @Override
                public void publish(LogRecord rec) {
                    if (rec.getLevel().intValue() >= Level.WARNING.intValue()) {
                        synchronized (failures) {
                            failures.add(rec);
                        }
                    }
                }

                @Override
                public void flush() {}

                @Override
                public void close() {}
            };
            Logger nbd = Logger.getLogger("dev.obdj.nbd");
            nbd.addHandler(h);
            nbd.setUseParentHandlers(false); // the expected INFO/DEBUG lines of every run are noise here
            Runtime.getRuntime().addShutdownHook(new Thread(this::cleanUp));
        }

        /** (Re)creates the writable layer and the exports. */
        private void open() throws IOException {
            exports.values().forEach(NbdExport::close);
            exports.clear();
            Path data = dir.resolve("rw.data"), index = dir.resolve("rw.index");
            Files.deleteIfExists(data);
            Files.deleteIfExists(index);
            Layers.create(data, index, CreateOptions.ofSize(2048 * 512));
            exports.put("", new NbdExport("", "read-only", Image.open(List.of(lower)), false));
            exports.put("rw", new NbdExport("rw", null, Image.openWritable(List.of(lower), data, index), false));
            server = new NbdServer(List.copyOf(exports.values()), new NbdServer.Options(MAX_PAYLOAD, 2, 4));
        }

        void serve(byte[] input) {
            try {
                if (++served % 2000 == 0) {
                    open(); // keep the writable layer's log small
                }
                long buffersBefore = NbdFuzzAccess.replyBufferBytes();
                SocketChannel client = SocketChannel.open(address);
                SocketChannel side = listener.accept();
                Thread conn = Thread.ofVirtual().start(NbdFuzzAccess.connection(side, server, MAX_PAYLOAD, 2));
                Thread writer = Thread.ofVirtual().start(() -> {
                    try {
                        ByteBuffer b = ByteBuffer.wrap(input);
                        while (b.hasRemaining()) client.write(b);
                        client.shutdownOutput();
                    } catch (IOException e) {
                        // the server hung up first
                    }
                });
                Thread reader = Thread.ofVirtual().start(() -> {
                    ByteBuffer b = ByteBuffer.allocate(1 << 16);
                    try {
                        while (client.read(b.clear()) >= 0) {
                            // replies are dropped
                        }
                    } catch (IOException e) {
                        // closed
                    }
                });
                boolean ended = conn.join(java.time.Duration.ofSeconds(20));
                client.close();
                writer.join(TimeUnit.SECONDS.toMillis(5));
                reader.join(TimeUnit.SECONDS.toMillis(5));
                if (!ended) {
                    side.close();
                    throw new AssertionError("the connection did not end within 20 s of the client's last byte");
                }
                if (NbdFuzzAccess.replyBufferBytes() != buffersBefore) {
                    throw new AssertionError("a closed connection left " + (NbdFuzzAccess.replyBufferBytes() - buffersBefore)
                            + " bytes of reply buffers behind");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            synchronized (failures) {
                if (!failures.isEmpty()) {
                    LogRecord rec = failures.getFirst();
                    failures.clear();
                    throw new AssertionError("the server logged: " + new java.util.logging.SimpleFormatter().formatMessage(rec), rec.getThrown());
                }
            }
        }

        private void cleanUp() {
            try {
                exports.values().forEach(NbdExport::close);
                listener.close();
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) Files.deleteIfExists(p);
                }
                Files.deleteIfExists(dir);
            } catch (IOException | RuntimeException e) {
                // best effort at exit
            }
        }
    }
}
