package dev.obdj.testing;

import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * A real registry for tests: Debian's {@code docker-registry} (CNCF distribution 2.8) started on
 * 127.0.0.1 with a free port, a temporary storage directory and an htpasswd file (basic auth).
 * When the binary is missing the test is skipped, unless {@code OBDJ_REQUIRE_REGISTRY=1}
 * (then it fails). Blobs are pushed with the monolithic upload of the distribution API
 * ({@code POST /v2/<repo>/blobs/uploads/}, then {@code PUT <location>?digest=}).
 */
public final class LocalRegistry implements AutoCloseable {
    public static final String USER = "obdj";
    public static final String PASSWORD = "obdj-secret";
    /** bcrypt of {@link #PASSWORD} ({@code htpasswd -nbB obdj obdj-secret}); distribution only accepts bcrypt. */
    private static final String HTPASSWD = "obdj:$2y$05$ECwedUUQcEQVbmG1fXp09OVEpd2y6yz/2g7cI63dwrlThhRl5ISxu\n";

    private final Path dir;
    private final Process process;
    private final int port;
    private final String scheme;
    private final HttpClient http;

    private LocalRegistry(Path dir, Process process, int port, TestCa tls) throws IOException {
        this.dir = dir;
        this.process = process;
        this.port = port;
        this.scheme = tls == null ? "http" : "https";
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        if (tls != null) b.sslContext(tls.clientContext());
        this.http = b.build();
    }

    /** The registry binary, or null. */
    public static Path binary() {
        for (String p : new String[] {System.getenv("OBDJ_REGISTRY_BIN"), "/usr/bin/docker-registry", "/usr/local/bin/docker-registry"}) {
            if (p != null && Files.isExecutable(Path.of(p))) return Path.of(p);
        }
        return null;
    }

    /** Starts a registry in {@code dir} (skips the test when the binary is missing). */
    public static LocalRegistry start(Path dir) throws IOException, InterruptedException {
        return start(dir, null);
    }

    /** Starts a registry serving HTTPS with {@code tls}'s server certificate (plain HTTP when null). */
    public static LocalRegistry start(Path dir, TestCa tls) throws IOException, InterruptedException {
        Path bin = binary();
        if (bin == null) {
            String msg = "docker-registry is not installed (apt-get install docker-registry; .ci/run does it)";
            if ("1".equals(System.getenv("OBDJ_REQUIRE_REGISTRY"))) throw new IllegalStateException(msg);
            throw new TestAbortedException(msg);
        }
        Files.createDirectories(dir.resolve("storage"));
        Files.writeString(dir.resolve("htpasswd"), HTPASSWD);
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path cfg = dir.resolve("config.yml");
            Files.writeString(cfg, """
                    version: 0.1
                    log:
                      level: error
                      accesslog:
                        disabled: true
                    storage:
                      filesystem:
                        rootdirectory: %s
                      delete:
                        enabled: true
                    http:
                      addr: 127.0.0.1:%d
                      secret: obdj-test-secret%s
                    auth:
                      htpasswd:
                        realm: obdj-test
                        path: %s
                    """.formatted(dir.resolve("storage"), port, tls == null ? "" : "\n  tls:\n    certificate: " + tls.certPem() + "\n    key: " + tls.keyPem(), dir.resolve("htpasswd")));
            Process p = new ProcessBuilder(bin.toString(), "serve", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
            LocalRegistry r = new LocalRegistry(dir, p, port, tls);
            if (r.awaitReady(Duration.ofSeconds(15))) {
                return r;
            }
            r.close();
            last = new IOException("registry did not come up on port " + port + ": " + Files.readString(dir.resolve("registry.log")));
        }
        throw last;
    }

    private boolean awaitReady(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/v2/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 401 || r.statusCode() == 200) return true;
            } catch (IOException e) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return false;
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String base() { return scheme + "://127.0.0.1:" + port; }

    public int port() { return port; }

    /** {@code base/v2/<repo>/blobs}: a config's {@code repoBlobUrl}. */
    public String blobUrl(String repo) { return base() + "/v2/" + repo + "/blobs"; }

    /** The Authorization header value of the test user. */
    public static String basicAuth() {
        return "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a {@code cred.json} for this registry and returns its path. */
    public Path credJson(Path file) throws IOException {
        Files.writeString(file, """
                {"auths": {"127.0.0.1:%d": {"username": "%s", "password": "%s"}}}""".formatted(port, USER, PASSWORD));
        return file;
    }

    /** Pushes {@code bytes} as a blob of {@code repo}; returns its digest. */
    public String push(String repo, byte[] bytes) throws IOException, InterruptedException {
        String digest = digest(bytes);
        HttpResponse<String> start = http.send(HttpRequest.newBuilder(URI.create(base() + "/v2/" + repo + "/blobs/uploads/"))
                .header("Authorization", basicAuth()).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (start.statusCode() != 202) throw new IOException("upload start: HTTP " + start.statusCode() + " " + start.body());
        String loc = start.headers().firstValue("Location").orElseThrow();
        URI put = URI.create(base()).resolve(loc);
        String sep = put.getRawQuery() == null ? "?" : "&";
        HttpResponse<String> done = http.send(HttpRequest.newBuilder(URI.create(put + sep + "digest=" + digest))
                .header("Authorization", basicAuth()).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
        if (done.statusCode() != 201) throw new IOException("upload: HTTP " + done.statusCode() + " " + done.body());
        return digest;
    }

    /** Pushes a file. */
    public String push(String repo, Path file) throws IOException, InterruptedException {
        return push(repo, Files.readAllBytes(file));
    }

    public static String digest(byte[] b) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
    }

    /** The registry's log (for failure messages). */
    public String log() {
        try {
            return Files.readString(dir.resolve("registry.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
