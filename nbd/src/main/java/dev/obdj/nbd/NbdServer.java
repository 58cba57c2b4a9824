package dev.obdj.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An NBD server for obdj images: fixed newstyle negotiation, structured replies with sparse reads,
 * {@code base:allocation} block status, several named exports, several clients at once, on Unix
 * sockets and loopback TCP.
 *
 * <pre>{@code
 * NbdServer server = new NbdServer(List.of(new NbdExport("", Image.open(layers))), NbdServer.Options.DEFAULTS);
 * server.listenUnix(Path.of("/run/obd.sock"));
 * ...
 * server.close();   // stops accepting, lets in-flight requests finish, flushes and closes the images
 * }</pre>
 *
 * <p>The server owns the exports given to it and closes them in {@link #close()}. Connections and
 * requests run on virtual threads.
 */
public final class NbdServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NbdServer.class.getName());

    /**
     * Limits.
     *
     * @param maxPayload     the largest READ or WRITE in bytes (advertised as the maximum block size)
     * @param maxInFlight    requests served at once per connection
     * @param maxConnections connections at once; more are closed right after accept
     */
    public record Options(int maxPayload, int maxInFlight, int maxConnections) {
        public static final Options DEFAULTS = new Options(32 << 20, 16, 256);

        public Options {
            if (maxPayload < 4096 || maxInFlight < 1 || maxConnections < 1) {
                throw new IllegalArgumentException("limits too small: " + maxPayload + ", " + maxInFlight + ", " + maxConnections);
            }
        }
    }

    private final Map<String, NbdExport> exports;
    private final Options options;
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<Path> socketFiles = new ArrayList<>();
    private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;

    public NbdServer(List<NbdExport> exports, Options options) {
        Map<String, NbdExport> m = new LinkedHashMap<>();
        for (NbdExport e : exports) {
            if (m.putIfAbsent(e.name(), e) != null) {
                throw new IllegalArgumentException("two exports named '" + e.name() + "'");
            }
        }
        if (m.isEmpty()) {
            throw new IllegalArgumentException("no exports");
        }
        this.exports = Collections.unmodifiableMap(m);
        this.options = options;
    }

    /** The exports by name, in the order given. */
    public Map<String, NbdExport> exports() {
        return exports;
    }

    /**
     * Listens on a Unix domain socket at {@code path}. A stale socket file (nobody listening) is
     * replaced; any other existing file is an error. The file is removed on {@link #close()}.
     */
    public synchronized UnixDomainSocketAddress listenUnix(Path path) throws IOException {
        UnixDomainSocketAddress addr = UnixDomainSocketAddress.of(path);
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            if (!isStaleSocket(addr)) {
                throw new IOException(path + " exists (and is not a stale socket)");
            }
            Files.delete(path);
        }
        ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ss.bind(addr, 128);
        socketFiles.add(path);
        start(ss);
        return addr;
    }

    /** Listens on TCP at a loopback address (port 0 picks a free port); returns the bound address. */
    public synchronized InetSocketAddress listenTcp(InetSocketAddress address) throws IOException {
        if (address.isUnresolved() || !address.getAddress().isLoopbackAddress()) {
            throw new IOException("NBD over TCP is served on loopback addresses only (no TLS): " + address);
        }
        ServerSocketChannel ss = ServerSocketChannel.open();
        ss.bind(address, 128);
        start(ss);
        return (InetSocketAddress) ss.getLocalAddress();
    }

    private static boolean isStaleSocket(UnixDomainSocketAddress addr) {
        try {
            if (!Files.readAttributes(addr.getPath(), java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther()) {
                return false; // a regular file, directory or link: not ours to remove
            }
        } catch (IOException e) {
            return false;
        }
        try (SocketChannel probe = SocketChannel.open(addr)) {
            return false; // someone is listening
        } catch (IOException e) {
            return true;
        }
    }

    private void start(ServerSocketChannel ss) throws IOException {
        if (closing) {
            ss.close();
            throw new ClosedChannelException();
        }
        listeners.add(ss);
        SocketAddress where = ss.getLocalAddress();
        Thread.ofVirtual().name("nbd-accept " + where).start(() -> accept(ss));
    }

    private void accept(ServerSocketChannel ss) {
        while (!closing) {
            SocketChannel ch;
            try {
                ch = ss.accept();
            } catch (IOException e) {
                if (!closing) {
                    LOG.log(System.Logger.Level.WARNING, "accept failed, no longer listening: {0}", e.toString());
                }
                return;
            }
            if (closing || connections.size() >= options.maxConnections()) {
                LOG.log(System.Logger.Level.INFO, "refusing a connection ({0})", closing ? "shutting down" : "too many connections");
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already gone
                }
                continue;
            }
            try {
                if (ch.getLocalAddress() instanceof InetSocketAddress) {
                    ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                }
            } catch (IOException ignored) {
                // best effort
            }
            NbdConnection c = new NbdConnection(ch, this, options.maxPayload(), options.maxInFlight());
            connections.add(c);
            if (closing) {
                c.stop();
            }
            Thread.ofVirtual().name("nbd-conn").start(c);
        }
    }

    void closed(NbdConnection c) {
        connections.remove(c);
    }

    /** Connections currently open. */
    public int connectionCount() {
        return connections.size();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /**
     * Stops accepting, lets each connection finish its in-flight requests (bounded wait), then
     * flushes and closes every export. Safe to call more than once.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        try {
            for (ServerSocketChannel ss : listeners) {
                try {
                    ss.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            for (Path p : socketFiles) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            }
            for (NbdConnection c : connections) {
                c.stop();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(70);
            while (!connections.isEmpty() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            RuntimeException failure = null;
            for (NbdExport e : exports.values()) {
                try {
                    e.close();
                } catch (RuntimeException ex) {
                    LOG.log(System.Logger.Level.ERROR, "closing export '" + e.name() + "' failed", ex);
                    if (failure == null) failure = ex;
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            closed.countDown();
        }
    }
}
