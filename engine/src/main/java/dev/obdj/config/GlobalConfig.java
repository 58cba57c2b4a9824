package dev.obdj.config;

import dev.obdj.StorageException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The fields of overlaybd's global config ({@code /etc/overlaybd/overlaybd.json}, FORMAT-NOTES
 * §7.2) that apply to obdj, plus obdj's own HTTP settings under {@code "obdj"}. The service-only
 * fields (logging, exporter, audit, io engine, ...) are accepted and ignored.
 *
 * @param cacheType     "file" (default), "download" or "ocf" (both served by the file cache), or "none"
 * @param cacheDir      cache directory; null disables the persistent cache (memory only)
 * @param cacheSize     cache bound in bytes ({@code cacheSizeGB} GiB)
 * @param refillSize    refill unit: remote reads are aligned to it (default 256 KiB)
 * @param credentials   {@code cred.json} path for {@code credentialConfig.mode = "file"}, or null (anonymous)
 * @param prefetchConcurrency trace replay workers ({@code prefetchConfig.concurrency}, 16)
 * @param p2p           P2P proxy URL prefix when {@code p2pConfig.enable}, else null
 * @param download      default {@code download} settings for image configs without one
 * @param userAgent     HTTP User-Agent
 * @param http          obdj's HTTP client settings
 */
public record GlobalConfig(String cacheType, Path cacheDir, long cacheSize, int refillSize, Path credentials,
                           int prefetchConcurrency, String p2p, ImageConfig.Download download, String userAgent,
                           Http http) {

    /** The reference's default cache directory. */
    public static final Path DEFAULT_CACHE_DIR = Path.of("/opt/overlaybd/registry_cache");

    /**
     * obdj's HTTP client settings ({@code "obdj"} object of the global config).
     *
     * @param caFile      PEM file of the CA certificates trusted for TLS (instead of the JDK's), or null for the JDK's trust store
     * @param http2       prefer HTTP/2 (negotiated by ALPN over TLS; plain http stays HTTP/1.1)
     * @param attempts    attempts per range before failing (&ge; 1)
     * @param backoffBase first retry delay; doubles per attempt
     * @param backoffMax  largest retry delay
     * @param timeout     one request, headers and body
     * @param memoryUnits refill units kept in memory per blob (in front of the disk cache)
     */
    public record Http(Path caFile, boolean http2, int attempts, Duration backoffBase, Duration backoffMax, Duration timeout,
                       int memoryUnits) {
        /** Defaults: JDK trust store, HTTP/2 preferred, 5 attempts, 100 ms .. 2 s backoff, 30 s timeout, 16 units. */
        public static final Http DEFAULT = new Http(null, true, 5, Duration.ofMillis(100), Duration.ofSeconds(2),
                Duration.ofSeconds(30), 16);

        public Http {
            if (attempts < 1) throw new IllegalArgumentException("attempts must be at least 1");
            if (memoryUnits < 0) throw new IllegalArgumentException("memoryUnits must be >= 0");
        }

        public Http withRetry(int attempts, Duration base, Duration max) {
            return new Http(caFile, http2, attempts, base, max, timeout, memoryUnits);
        }

        public Http withTimeout(Duration t) {
            return new Http(caFile, http2, attempts, backoffBase, backoffMax, t, memoryUnits);
        }

        public Http withCaFile(Path ca) {
            return new Http(ca, http2, attempts, backoffBase, backoffMax, timeout, memoryUnits);
        }
    }

    public GlobalConfig {
        if (refillSize < 4096 || Integer.bitCount(refillSize) != 1) {
            throw new IllegalArgumentException("refillSize must be a power of two of at least 4096, got " + refillSize);
        }
        if (prefetchConcurrency < 1) throw new IllegalArgumentException("prefetch concurrency must be >= 1");
        if (cacheSize < 0) throw new IllegalArgumentException("cacheSize must be >= 0");
    }

    /** The reference's defaults, except that there is no cache directory (memory only) and no credentials. */
    public static GlobalConfig defaults() {
        return new GlobalConfig("file", null, 4L << 30, 262144, null, 16, null, ImageConfig.Download.DEFAULT,
                "obdj", Http.DEFAULT);
    }

    public GlobalConfig withCache(Path dir, long bytes) {
        return new GlobalConfig(cacheType, dir, bytes, refillSize, credentials, prefetchConcurrency, p2p, download, userAgent, http);
    }

    public GlobalConfig withRefillSize(int n) {
        return new GlobalConfig(cacheType, cacheDir, cacheSize, n, credentials, prefetchConcurrency, p2p, download, userAgent, http);
    }

    public GlobalConfig withCredentials(Path credJson) {
        return new GlobalConfig(cacheType, cacheDir, cacheSize, refillSize, credJson, prefetchConcurrency, p2p, download, userAgent, http);
    }

    public GlobalConfig withPrefetchConcurrency(int n) {
        return new GlobalConfig(cacheType, cacheDir, cacheSize, refillSize, credentials, n, p2p, download, userAgent, http);
    }

    public GlobalConfig withP2p(String prefix) {
        return new GlobalConfig(cacheType, cacheDir, cacheSize, refillSize, credentials, prefetchConcurrency, prefix, download, userAgent, http);
    }

    public GlobalConfig withHttp(Http h) {
        return new GlobalConfig(cacheType, cacheDir, cacheSize, refillSize, credentials, prefetchConcurrency, p2p, download, userAgent, h);
    }

    /** True when fetched ranges are kept in {@link #cacheDir}. */
    public boolean persistentCache() {
        return cacheDir != null && !"none".equals(cacheType) && p2p == null;
    }

    /** Reads a global config file. */
    public static GlobalConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StorageException(file.toString(), "read", e);
        }
        return parse(text, file.toAbsolutePath().getParent(), file.toString());
    }

    /** Parses global config text; relative paths resolve against {@code baseDir}. */
    public static GlobalConfig parse(String text, Path baseDir) {
        return parse(text, baseDir, "(text)");
    }

    static GlobalConfig parse(String text, Path baseDir, String source) {
        Fields root = Fields.root(source, text);
        // Older top-level fields, used when cacheConfig.cacheType is empty.
        String legacyType = root.str("cacheType", "file");
        String legacyDir = root.str("registryCacheDir", DEFAULT_CACHE_DIR.toString());
        long legacyGb = root.nonNegative("registryCacheSizeGB", 4);
        String type = "";
        String dir = legacyDir;
        long gb = legacyGb;
        long refill = 262144;
        Fields cache = root.obj("cacheConfig");
        if (cache != null) {
            type = cache.str("cacheType", "");
            if (!type.isEmpty()) {
                dir = cache.str("cacheDir", DEFAULT_CACHE_DIR.toString());
                gb = cache.nonNegative("cacheSizeGB", 4);
            } else {
                cache.known("cacheDir", "cacheSizeGB");
            }
            refill = cache.nonNegative("refillSize", refill);
            if (refill < 4096 || refill > (64 << 20) || Long.bitCount(refill) != 1) {
                throw cache.invalid("refillSize", "a power of two in [4096, 64 MiB]", String.valueOf(refill));
            }
            cache.known("blockSize");
            cache.finish();
        }
        if (type.isEmpty()) {
            type = legacyType;
        }
        if (!type.equals("file") && !type.equals("download") && !type.equals("ocf") && !type.equals("none")) {
            throw root.invalid("cacheConfig.cacheType", "\"file\", \"download\", \"ocf\" or \"none\"", "\"" + type + "\"");
        }
        Path creds = null;
        String legacyCred = root.str("credentialFilePath", "");
        Fields cred = root.obj("credentialConfig");
        if (cred != null) {
            String mode = cred.str("mode", "");
            String p = cred.str("path", "");
            cred.known("timeout", "client_cert_path", "client_key_path", "server_ca_path");
            if (mode.equals("file")) {
                if (p.isEmpty()) throw cred.invalid("path", "the cred.json path for mode \"file\"", "\"\"");
                creds = baseDir.resolve(p);
            } else if (!mode.isEmpty()) {
                throw cred.invalid("mode", "\"file\" (the \"http\", \"https\" and \"uds\" credential services are not supported)",
                        "\"" + mode + "\"");
            }
            cred.finish();
        }
        if (creds == null && !legacyCred.isEmpty()) {
            creds = baseDir.resolve(legacyCred);
        }
        int concurrency = 16;
        Fields pf = root.obj("prefetchConfig");
        if (pf != null) {
            long c = pf.num("concurrency", 16);
            if (c < 1 || c > 1024) throw pf.invalid("concurrency", "an integer in [1, 1024]", String.valueOf(c));
            concurrency = (int) c;
            pf.finish();
        }
        String p2p = null;
        Fields p = root.obj("p2pConfig");
        if (p != null) {
            boolean en = p.bool("enable", false);
            String addr = p.str("address", "http://localhost:9731/accelerator");
            if (en) p2p = addr;
            p.finish();
        }
        ImageConfig.Download download = ImageConfig.Download.read(root.obj("download"), ImageConfig.Download.DEFAULT);
        String ua = root.str("userAgent", "obdj");
        Http http = Http.DEFAULT;
        Fields o = root.obj("obdj");
        if (o != null) {
            String ca = o.str("caFile", "");
            String ver = o.str("httpVersion", "2");
            if (!ver.equals("2") && !ver.equals("1.1")) throw o.invalid("httpVersion", "\"1.1\" or \"2\"", "\"" + ver + "\"");
            long attempts = o.num("attempts", Http.DEFAULT.attempts());
            if (attempts < 1 || attempts > 100) throw o.invalid("attempts", "an integer in [1, 100]", String.valueOf(attempts));
            http = new Http(ca.isEmpty() ? null : baseDir.resolve(ca), ver.equals("2"), (int) attempts,
                    Duration.ofMillis(o.nonNegative("backoffMs", Http.DEFAULT.backoffBase().toMillis())),
                    Duration.ofMillis(o.nonNegative("backoffMaxMs", Http.DEFAULT.backoffMax().toMillis())),
                    Duration.ofMillis(Math.max(1, o.nonNegative("timeoutMs", Http.DEFAULT.timeout().toMillis()))),
                    (int) Math.min(4096, o.nonNegative("memoryUnits", Http.DEFAULT.memoryUnits())));
            o.finish();
        }
        Fields cert = root.obj("certConfig");
        if (cert != null) {
            if (!cert.str("certFile", "").isEmpty() || !cert.str("keyFile", "").isEmpty()) {
                throw cert.invalid("certFile", "empty (client TLS certificates are not supported by obdj)", "a file");
            }
            cert.finish();
        }
        root.known("logConfig", "logLevel", "logPath", "gzipCacheConfig", "ioEngine", "exporterConfig", "serviceConfig",
                "enableAudit", "auditPath", "enableThread", "registryFsVersion");
        root.finish();
        return new GlobalConfig(type, baseDir.resolve(dir), gb << 30, (int) refill, creds, concurrency, p2p, download, ua, http);
    }
}
