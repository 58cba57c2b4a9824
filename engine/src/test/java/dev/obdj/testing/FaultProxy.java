package dev.obdj.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP proxy in front of a registry that misbehaves by schedule: each blob range
 * request takes the next {@link Action} (then the default one): pass, delay, reset the connection,
 * answer with a status, cut the body short, flip a body byte, or redirect to a "storage" path on
 * {@code localhost} (another origin, so no Authorization must arrive there). It authenticates to
 * the registry itself; in bearer mode it demands {@code Authorization: Bearer} tokens from its
 * {@code /token} endpoint (basic login of the test user, tokens valid for a set time).
 * One request per connection ({@code Connection: close}).
 */
public final class FaultProxy implements AutoCloseable {
    public sealed interface Action permits Pass, Delay, Reset, Status, Short, Corrupt, Redirect {}
    public record Pass() implements Action {}
    public record Delay(long millis) implements Action {}
    public record Reset() implements Action {}
    public record Status(int code) implements Action {}
    public record Short(int bytes) implements Action {}
    public record Corrupt(int at) implements Action {}
    public record Redirect() implements Action {}

    /** A request seen: method, path, Range and Authorization headers. */
    public record Seen(String path, String range, String authorization) {}

    private final String upstream;
    private final ServerSocket server;
    private final Thread acceptor;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ConcurrentLinkedQueue<Action> schedule = new ConcurrentLinkedQueue<>();
    private volatile Action fallback = new Pass();
    private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private volatile boolean bearer;
    private volatile long tokenMillis = 60_000;
    private final Map<String, Long> tokens = Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile boolean closed;
    private volatile String corruptDigest;
    private final AtomicInteger corruptLeft = new AtomicInteger();
    private final Map<String, String> aliases = new java.util.concurrent.ConcurrentHashMap<>();

    /** Flips every body byte of the next {@code count} blob responses for {@code digest}. */
    public void corrupt(String digest, int count) {
        corruptDigest = digest;
        corruptLeft.set(count);
    }

    public int corruptLeft() { return corruptLeft.get(); }

    /**
     * Serves blob {@code real} when {@code fake} is asked for: a registry whose digest lies (the
     * bytes are fine, their sha256 is not the name).
     */
    public void alias(String fake, String real) {
        aliases.put(fake, real);
    }

    public FaultProxy(String upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().daemon().name("fault-proxy").start(this::accept);
    }

    public int port() { return server.getLocalPort(); }

    /** {@code http://127.0.0.1:PORT}. */
    public String base() { return "http://127.0.0.1:" + port(); }

    public String blobUrl(String repo) { return base() + "/v2/" + repo + "/blobs"; }

    /** Queues actions for the next blob requests. */
    public void schedule(Action... actions) {
        schedule.addAll(List.of(actions));
    }

    /** The action once the schedule is used up. */
    public void fallback(Action a) { fallback = a; }

    /** Demands bearer tokens valid for {@code millis}. */
    public void bearer(long millis) {
        bearer = true;
        tokenMillis = millis;
    }

    public int tokenRequests() { return tokenRequests.get(); }

    public List<Seen> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    public void reset() {
        seen.clear();
        schedule.clear();
        fallback = new Pass();
        corruptDigest = null;
        corruptLeft.set(0);
        aliases.clear();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> handle(s));
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    private void handle(Socket s) {
        try (s) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            String head = readHead(in);
            if (head == null) return;
            String[] lines = head.split("\r\n");
            String[] req = lines[0].split(" ");
            String method = req[0], target = req[1];
            Map<String, String> h = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                if (c > 0) h.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
            }
            OutputStream out = s.getOutputStream();
            String auth = h.get("authorization");
            seen.add(new Seen(target, h.get("range"), auth));
            if (target.startsWith("/token")) {
                tokenRequests.incrementAndGet();
                if (!LocalRegistry.basicAuth().equals(auth)) {
                    respond(out, 401, Map.of(), new byte[0]);
                    return;
                }
                String tok = "tok-" + tokenRequests.get();
                tokens.put(tok, System.currentTimeMillis() + tokenMillis);
                respond(out, 200, Map.of("Content-Type", "application/json"),
                        ("{\"token\":\"" + tok + "\",\"expires_in\":" + Math.max(1, tokenMillis / 1000) + "}").getBytes(StandardCharsets.UTF_8));
                return;
            }
            boolean storage = target.startsWith("/storage/");
            String path = storage ? target.substring("/storage".length()) : target;
            if (!storage && bearer) {
                Long exp = auth != null && auth.startsWith("Bearer ") ? tokens.get(auth.substring(7)) : null;
                if (exp == null || exp < System.currentTimeMillis()) {
                    respond(out, 401, Map.of("WWW-Authenticate", "Bearer realm=\"" + base() + "/token\",service=\"obdj-test\",scope=\"repository:img:pull\""),
                            new byte[0]);
                    return;
                }
            }
            Action a = Action.class.cast(storage || !path.contains("/blobs/") ? new Pass() : next());
            switch (a) {
                case Reset r -> {
                    s.setSoLinger(true, 0);
                    return;
                }
                case Status st -> {
                    respond(out, st.code(), Map.of(), new byte[0]);
                    return;
                }
                case Redirect r -> {
                    respond(out, 307, Map.of("Location", "http://localhost:" + port() + "/storage" + path), new byte[0]);
                    return;
                }
                case Delay d -> Thread.sleep(d.millis());
                default -> { }
            }
            String upPath = path;
            for (Map.Entry<String, String> al : aliases.entrySet()) {
                if (upPath.endsWith("/blobs/" + al.getKey())) {
                    upPath = upPath.substring(0, upPath.length() - al.getKey().length()) + al.getValue();
                }
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + upPath)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", LocalRegistry.basicAuth());
            if (h.containsKey("range")) b.header("Range", h.get("range"));
            b.method(method, HttpRequest.BodyPublishers.noBody());
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] body = r.body();
            Map<String, String> rh = new LinkedHashMap<>();
            r.headers().firstValue("Content-Range").ifPresent(v -> rh.put("Content-Range", v));
            r.headers().firstValue("Location").ifPresent(v -> rh.put("Location", v));
            String cd = corruptDigest;
            if (!storage && cd != null && path.endsWith("/" + cd) && corruptLeft.getAndUpdate(v -> Math.max(0, v - 1)) > 0) {
                body = body.clone();
                for (int i = 0; i < body.length; i++) body[i] ^= (byte) 0xFF;
            }
            if (a instanceof Corrupt c && c.at() < body.length) {
                body = body.clone();
                body[c.at()] ^= 0x5A;
            }
            if (a instanceof Short sh && sh.bytes() < body.length) {
                writeHead(out, r.statusCode(), rh, body.length);
                out.write(body, 0, sh.bytes());
                out.flush();
                return;
            }
            respond(out, r.statusCode(), rh, body);
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    private Action next() {
        Action a = schedule.poll();
        return a != null ? a : fallback;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int state = 0;
        while (b.size() < 65536) {
            int c = in.read();
            if (c < 0) return null;
            b.write(c);
            state = switch (state) {
                case 0, 2 -> c == '\r' ? state + 1 : 0;
                case 1 -> c == '\n' ? 2 : 0;
                case 3 -> c == '\n' ? 4 : 0;
                default -> 0;
            };
            if (state == 4) return b.toString(StandardCharsets.ISO_8859_1);
        }
        return null;
    }

    private static void writeHead(OutputStream out, int status, Map<String, String> headers, long len) throws IOException {
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(" X\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("Content-Length: ").append(len).append("\r\nConnection: close\r\n\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void respond(OutputStream out, int status, Map<String, String> headers, byte[] body) throws IOException {
        writeHead(out, status, headers, body.length);
        out.write(body);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        http.close();
    }
}
