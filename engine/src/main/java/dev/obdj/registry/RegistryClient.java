package dev.obdj.registry;

import dev.obdj.StorageException;
import dev.obdj.config.GlobalConfig;
import dev.obdj.config.Json;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches byte ranges of registry blobs over the OCI distribution API v2 ({@code GET .../blobs/<digest>}
 * with {@code Range}), on the JDK's {@link HttpClient} (HTTP/1.1, HTTP/2 over TLS by ALPN).
 *
 * <ul>
 *   <li>Redirects (301, 302, 303, 307, 308) are followed up to 5 times; the {@code Authorization}
 *       header is only sent to the registry's own host, never to a storage backend it redirects to.</li>
 *   <li>Auth: anonymous first; on {@code 401} the {@code WWW-Authenticate} challenge decides: Basic
 *       uses the {@link Credentials} login, Bearer asks the token endpoint ({@code realm?service=&scope=},
 *       with the login when there is one) and caches the token until it expires; a {@code 401} with a
 *       cached token drops it and asks again once.</li>
 *   <li>Timeouts (headers and body together), connection errors, {@code 5xx}, {@code 408}, {@code 429}
 *       and bodies shorter than the range are retried with exponential backoff; after the last attempt
 *       the fetch throws {@link FetchFailedException}. Other statuses fail at once. Bytes reach the
 *       caller only when the whole range arrived.</li>
 * </ul>
 * Thread-safe; one client serves every blob of an image.
 */
public final class RegistryClient implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.obdj.registry");
    private static final int MAX_REDIRECTS = 5;
    private static final Pattern PARAM = Pattern.compile("([a-zA-Z_]+)=\"([^\"]*)\"");

    /** Counters since creation. */
    public record Stats(long requests, long rangeRequests, long bytes, long retries, long tokenRequests) {}

    private final HttpClient http;
    private final GlobalConfig.Http settings;
    private final Credentials credentials;
    private final String userAgent;
    private final Map<String, String> authByRepo = new ConcurrentHashMap<>(); // repo prefix -> Authorization value
    private final Map<String, Challenge> bearerByRepo = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong(), rangeRequests = new AtomicLong(), bytes = new AtomicLong(),
            retries = new AtomicLong(), tokenRequests = new AtomicLong();

    private record Challenge(String realm, String service, String scope) {
        String key() { return realm + "|" + service + "|" + scope; }
    }

    private record Token(String value, long expiresAtNanos) {}

    private RegistryClient(HttpClient http, GlobalConfig.Http settings, Credentials credentials, String userAgent) {
        this.http = http;
        this.settings = settings;
        this.credentials = credentials;
        this.userAgent = userAgent;
    }

    /** A client from the global config: its HTTP settings, credentials file and user agent. */
    public static RegistryClient create(GlobalConfig global) {
        Credentials c = global.credentials() == null ? Credentials.NONE : Credentials.read(global.credentials());
        return create(global.http(), c, global.userAgent());
    }

    /** A client with explicit settings. */
    public static RegistryClient create(GlobalConfig.Http settings, Credentials credentials, String userAgent) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.timeout())
                .version(settings.http2() ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
        if (settings.caFile() != null) {
            b.sslContext(sslContext(settings.caFile()));
        }
        return new RegistryClient(b.build(), settings, credentials, userAgent);
    }

    private static SSLContext sslContext(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new IOException("no certificate in the file");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new StorageException(pem.toString(), "load CA certificates", e);
        } catch (java.security.GeneralSecurityException e) {
            throw new StorageException(pem.toString(), "load CA certificates", new IOException(e));
        }
    }

    /** Counters: HTTP requests sent (all kinds), blob range requests, blob bytes received, retries, token requests. */
    public Stats stats() {
        return new Stats(requests.get(), rangeRequests.get(), bytes.get(), retries.get(), tokenRequests.get());
    }

    /** The blob's size, from the {@code Content-Range} of a one-byte range request. */
    public long size(String url, String blob) throws FetchFailedException {
        long[] total = {-1};
        byte[] one = new byte[1];
        fetch(url, blob, 0, one, 0, 1, total);
        if (total[0] < 0) {
            throw new FetchFailedException(blob, 0, 1, 1, 0, "the response gives no total size (Content-Range */N)", null);
        }
        return total[0];
    }

    /** Fills {@code dst[off, off+len)} with bytes {@code [offset, offset+len)} of the blob, or throws. */
    public void fetch(String url, String blob, long offset, byte[] dst, int off, int len) throws FetchFailedException {
        fetch(url, blob, offset, dst, off, len, null);
    }

    private void fetch(String url, String blob, long offset, byte[] dst, int off, int len, long[] total) throws FetchFailedException {
        int attempts = settings.attempts();
        String last = "";
        int lastStatus = 0;
        Throwable cause = null;
        for (int a = 1; a <= attempts; a++) {
            if (a > 1) {
                retries.incrementAndGet();
                long base = settings.backoffBase().toNanos();
                long delay = Math.min(settings.backoffMax().toNanos(), base << Math.min(20, a - 2));
                try {
                    TimeUnit.NANOSECONDS.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FetchFailedException(blob, offset, len, a - 1, lastStatus, "interrupted", e);
                }
            }
            try {
                Attempt r = attempt(URI.create(url), blob, offset, dst, off, len);
                lastStatus = r.status;
                if (r.status == 206 || r.status == 200) {
                    if (r.got == len) {
                        bytes.addAndGet(len);
                        if (total != null) total[0] = r.total;
                        return;
                    }
                    last = "short body: " + r.got + " of " + len + " bytes (HTTP " + r.status + ")";
                } else if (r.status >= 500 || r.status == 408 || r.status == 429) {
                    last = "HTTP " + r.status;
                } else {
                    throw new FetchFailedException(blob, offset, len, a, r.status, "HTTP " + r.status + r.detail, null);
                }
            } catch (TimeoutException e) {
                lastStatus = 0;
                last = "timed out after " + settings.timeout().toMillis() + " ms";
                cause = e;
            } catch (IOException e) {
                if (e instanceof FetchFailedException f) throw f;
                if (FetchFailedException.isTls(e)) { // an untrusted or invalid certificate does not get better by retrying
                    throw new FetchFailedException(blob, offset, len, a, 0, "TLS handshake with " + URI.create(url).getHost() + ":"
                            + URI.create(url).getPort() + " failed (" + e.getMessage() + "); if the registry's certificate is "
                            + "signed by a private CA, name its PEM file in the global config's obdj.caFile", e);
                }
                lastStatus = 0;
                last = e.toString();
                cause = e;
            }
            LOG.fine(() -> blob + ": attempt failed for [" + offset + ", " + (offset + len) + ")");
        }
        throw new FetchFailedException(blob, offset, len, attempts, lastStatus, last, cause);
    }

    private record Attempt(int status, int got, long total, String detail) {}

    /** One attempt: the request, its redirects and at most one re-authentication. */
    private Attempt attempt(URI origin, String blob, long offset, byte[] dst, int off, int len) throws IOException, TimeoutException {
        String repo = repoKey(origin);
        URI uri = origin;
        boolean reauthed = false;
        for (int hop = 0; hop <= MAX_REDIRECTS; ) {
            boolean sameHost = sameOrigin(uri, origin);
            String auth = sameHost ? authorization(repo) : null;
            HttpRequest.Builder rb = HttpRequest.newBuilder(uri).GET().timeout(settings.timeout())
                    .version(settings.http2() && "https".equalsIgnoreCase(uri.getScheme()) ? HttpClient.Version.HTTP_2
                            : HttpClient.Version.HTTP_1_1) // no h2c upgrade dance on cleartext
                    .header("Range", "bytes=" + offset + "-" + (offset + len - 1))
                    .header("User-Agent", userAgent);
            if (auth != null) rb.header("Authorization", auth);
            Collector c = new Collector(offset, dst, off, len);
            HttpResponse<Integer> r = send(rb.build(), info -> {
                int s = info.statusCode();
                if (s == 206 || s == 200) {
                    long start = s == 206 ? rangeStart(info.headers()) : 0;
                    c.skip = offset - start;
                    return c;
                }
                return HttpResponse.BodySubscribers.replacing(0);
            });
            rangeRequests.incrementAndGet();
            int s = r.statusCode();
            if (s >= 300 && s < 400 && s != 304) {
                String loc = r.headers().firstValue("Location").orElse(null);
                if (loc == null) {
                    return new Attempt(s, 0, -1, " (redirect without Location)");
                }
                uri = uri.resolve(loc);
                hop++;
                continue;
            }
            if (s == 401 && sameHost && !reauthed) {
                reauthed = true;
                if (challenge(repo, r.headers(), auth)) {
                    continue;
                }
                return new Attempt(s, 0, -1, " (unauthorized; " + (credentials.find(origin) == null ? "no credentials for "
                        + origin.getHost() : "the credentials were refused") + ")");
            }
            if (s == 206 && c.skip < 0) {
                return new Attempt(500, 0, -1, ""); // a range starting after the one asked: treat as a server fault
            }
            long total = s == 206 ? rangeTotal(r.headers()) : r.headers().firstValueAsLong("Content-Length").orElse(-1);
            return new Attempt(s, s == 206 || s == 200 ? r.body() : 0, total, s == 401 ? " (unauthorized)" : "");
        }
        return new Attempt(310, 0, -1, " (more than " + MAX_REDIRECTS + " redirects)");
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> h) throws IOException, TimeoutException {
        requests.incrementAndGet();
        CompletableFuture<HttpResponse<T>> f = http.sendAsync(req, h);
        try {
            return f.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (t instanceof IOException io) throw io;
            throw new IOException(t);
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort()
                && String.valueOf(a.getScheme()).equalsIgnoreCase(String.valueOf(b.getScheme()));
    }

    /** {@code scheme://host:port/v2/<repo>}: what auth state is kept for. */
    private static String repoKey(URI u) {
        String p = u.getRawPath() == null ? "" : u.getRawPath();
        int b = p.lastIndexOf("/blobs/");
        return u.getScheme() + "://" + u.getHost() + ":" + u.getPort() + (b >= 0 ? p.substring(0, b) : p);
    }

    /** The Authorization value to send for the repo, refreshing an expired bearer token; null for none. */
    private String authorization(String repo) throws IOException, TimeoutException {
        Challenge ch = bearerByRepo.get(repo);
        if (ch != null) {
            Token t = tokens.get(ch.key());
            if (t == null || System.nanoTime() - t.expiresAtNanos > 0) {
                t = fetchToken(ch);
            }
            return "Bearer " + t.value;
        }
        return authByRepo.get(repo);
    }

    /** Handles a 401: true when there is something new to try. */
    private boolean challenge(String repo, HttpHeaders h, String sent) throws IOException, TimeoutException {
        String www = h.firstValue("WWW-Authenticate").orElse("");
        String scheme = www.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        URI repoUri = URI.create(repo);
        Credentials.Login login = credentials.find(repoUri);
        if (scheme.equals("bearer")) {
            Map<String, String> p = params(www);
            String realm = p.get("realm");
            if (realm == null) {
                return false;
            }
            Challenge ch = new Challenge(realm, p.getOrDefault("service", ""), p.getOrDefault("scope", ""));
            Token old = tokens.get(ch.key());
            if (old != null && sent != null && sent.equals("Bearer " + old.value)) {
                tokens.remove(ch.key(), old); // refused or expired early: ask again
            }
            bearerByRepo.put(repo, ch);
            fetchToken(ch);
            return true;
        }
        if (scheme.equals("basic") && login != null) {
            String v = login.basic();
            if (v.equals(sent)) {
                return false;
            }
            authByRepo.put(repo, v);
            return true;
        }
        return false;
    }

    private static Map<String, String> params(String www) {
        Map<String, String> m = new LinkedHashMap<>();
        Matcher x = PARAM.matcher(www);
        while (x.find()) {
            m.put(x.group(1).toLowerCase(Locale.ROOT), x.group(2));
        }
        return m;
    }

    private Token fetchToken(Challenge ch) throws IOException, TimeoutException {
        Token cached = tokens.get(ch.key());
        if (cached != null && System.nanoTime() - cached.expiresAtNanos < 0) {
            return cached;
        }
        StringBuilder q = new StringBuilder(ch.realm);
        List<String> parts = new ArrayList<>();
        if (!ch.service.isEmpty()) parts.add("service=" + URLEncoder.encode(ch.service, StandardCharsets.UTF_8));
        if (!ch.scope.isEmpty()) parts.add("scope=" + URLEncoder.encode(ch.scope, StandardCharsets.UTF_8));
        if (!parts.isEmpty()) q.append(ch.realm.contains("?") ? '&' : '?').append(String.join("&", parts));
        URI uri = URI.create(q.toString());
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).GET().timeout(settings.timeout()).header("User-Agent", userAgent);
        Credentials.Login login = credentials.find(uri);
        if (login == null) {
            for (String k : bearerByRepo.keySet()) { // the login of the registry that sent us here
                if (bearerByRepo.get(k) == ch || ch.equals(bearerByRepo.get(k))) {
                    login = credentials.find(URI.create(k));
                    if (login != null) break;
                }
            }
        }
        if (login != null) rb.header("Authorization", login.basic());
        tokenRequests.incrementAndGet();
        HttpResponse<String> r = send(rb.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("token endpoint " + ch.realm + " answered HTTP " + r.statusCode());
        }
        Object body;
        try {
            body = Json.parse(r.body());
        } catch (IllegalArgumentException e) {
            throw new IOException("token endpoint " + ch.realm + " answered with invalid JSON: " + e.getMessage());
        }
        if (!(body instanceof Map<?, ?> m)) {
            throw new IOException("token endpoint " + ch.realm + " answered without a JSON object");
        }
        Object tok = m.get("token") instanceof String s && !s.isEmpty() ? s : m.get("access_token");
        if (!(tok instanceof String token) || token.isEmpty()) {
            throw new IOException("token endpoint " + ch.realm + " answered without a token");
        }
        long expires = m.get("expires_in") instanceof Long l && l > 0 ? l : 60;
        // Refresh a little early so a token does not expire between the check and the request.
        long life = Math.max(1, expires - Math.min(10, expires / 10));
        Token t = new Token(token, System.nanoTime() + TimeUnit.SECONDS.toNanos(life));
        tokens.put(ch.key(), t);
        return t;
    }

    private static long rangeStart(HttpHeaders h) {
        String cr = h.firstValue("Content-Range").orElse("");
        Matcher m = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)").matcher(cr);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static long rangeTotal(HttpHeaders h) {
        String cr = h.firstValue("Content-Range").orElse("");
        Matcher m = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+)").matcher(cr);
        return m.find() ? Long.parseLong(m.group(3)) : -1;
    }

    /** Copies body bytes {@code [skip, skip+len)} into the destination and counts them; stops after that. */
    private final class Collector implements HttpResponse.BodySubscriber<Integer> {
        private final CompletableFuture<Integer> result = new CompletableFuture<>();
        private final byte[] dst;
        private final int off, len;
        long skip;
        private int got;
        private Flow.Subscription sub;

        Collector(long offset, byte[] dst, int off, int len) {
            this.dst = dst;
            this.off = off;
            this.len = len;
        }

        @Override
        public CompletionStage<Integer> getBody() { return result; }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            sub = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                int n = b.remaining();
                if (skip > 0) {
                    int k = (int) Math.min(skip, n);
                    b.position(b.position() + k);
                    skip -= k;
                    n -= k;
                }
                int take = Math.min(n, len - got);
                if (take > 0) {
                    b.get(dst, off + got, take);
                    got += take;
                }
            }
            if (got == len && skip == 0 && !result.isDone()) {
                result.complete(got); // enough: a server ignoring Range may keep sending
                sub.cancel();
            }
        }

        @Override
        public void onError(Throwable t) {
            if (!result.isDone()) {
                if (got == len) result.complete(got);
                else result.completeExceptionally(t);
            }
        }

        @Override
        public void onComplete() {
            result.complete(got);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
