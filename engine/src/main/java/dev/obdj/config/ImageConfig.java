package dev.obdj.config;

import dev.obdj.StorageException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * overlaybd's per-device image config ({@code config.v1.json}, FORMAT-NOTES §7.1). Every field
 * of the reference is read with its default; those obdj does not implement (turboOCI targets) are
 * rejected when set, unknown fields are logged at debug level and ignored, and a field of the
 * wrong type is a {@link dev.obdj.FormatException} naming it. Relative paths are resolved against
 * the config file's directory.
 *
 * @param source            the file read, or {@code "(text)"} for parsed text (error messages)
 * @param repoBlobUrl       base URL of the registry's blobs ({@code https://host/v2/repo/blobs}), or ""
 * @param lowers            read-only layers, lowest first
 * @param upper             the writable layer, or null
 * @param resultFile        where {@code success} / {@code failed:<reason>} is written, or null
 * @param recordTracePath   trace record/replay file (§7.3), or null
 * @param accelerationLayer the last lower is an acceleration layer whose {@code dir/trace} is replayed
 * @param download          background whole-blob download settings, or null to take the global ones
 */
public record ImageConfig(String source, String repoBlobUrl, List<Lower> lowers, Upper upper, Path resultFile,
                          Path recordTracePath, boolean accelerationLayer, Download download) {

    /** File names tried, in order, inside a {@code lowers[].dir} (§6.1). */
    public static final List<String> LOCAL_CANDIDATES = List.of("overlaybd.commit", ".commit", "overlaybd.sealed");

    /**
     * One read-only layer.
     *
     * @param file   local layer file, or null
     * @param dir    local directory (commit candidates, downloads), or null
     * @param digest registry digest ({@code sha256:...}), or null
     * @param size   blob size in bytes, 0 when unknown (then asked with a HEAD request)
     */
    public record Lower(Path file, Path dir, String digest, long size) {
        /** The first local candidate that exists (§6.1), or null when the layer must come from the registry. */
        public Path localFile() {
            if (file != null && Files.exists(file)) {
                return file;
            }
            if (dir != null) {
                for (String c : LOCAL_CANDIDATES) {
                    Path p = dir.resolve(c);
                    if (Files.exists(p)) {
                        return p;
                    }
                }
            }
            return null;
        }
    }

    /** The writable layer's files. */
    public record Upper(Path index, Path data) {}

    /**
     * Background whole-blob download ({@code download} in §7.1), performed by
     * {@link dev.obdj.registry.BlobDownloader}.
     *
     * @param enable     download at all
     * @param delaySec   seconds after open before starting
     * @param delayExtra random extra seconds (0..delayExtra-1)
     * @param maxMBps    rate limit in MiB/s, as the reference counts it (0 = none)
     * @param tryCnt     attempts per blob
     * @param blockSize  bytes per range request
     */
    public record Download(boolean enable, long delaySec, long delayExtra, long maxMBps, int tryCnt, long blockSize) {
        /** The reference's defaults. */
        public static final Download DEFAULT = new Download(false, 300, 30, 100, 5, 262144);

        static Download read(Fields f, Download def) {
            if (f == null) return def;
            Download d = new Download(f.bool("enable", def.enable), f.nonNegative("delay", def.delaySec),
                    f.nonNegative("delayExtra", def.delayExtra), f.nonNegative("maxMBps", def.maxMBps),
                    (int) Math.min(Integer.MAX_VALUE, f.nonNegative("tryCnt", def.tryCnt)), f.nonNegative("blockSize", def.blockSize));
            if (d.blockSize == 0) throw f.invalid("blockSize", "a positive block size", "0");
            f.finish();
            return d;
        }
    }

    public ImageConfig {
        lowers = List.copyOf(lowers);
    }

    /** True when the config names a writable layer. */
    public boolean hasUpper() {
        return upper != null;
    }

    /** Reads a config file. */
    public static ImageConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StorageException(file.toString(), "read", e);
        }
        return parse(text, file.toAbsolutePath().getParent(), file.toString());
    }

    /** Parses config text; relative paths resolve against {@code baseDir}. */
    public static ImageConfig parse(String text, Path baseDir) {
        return parse(text, baseDir, "(text)");
    }

    static ImageConfig parse(String text, Path baseDir, String source) {
        Fields root = Fields.root(source, text);
        String repo = root.str("repoBlobUrl", "");
        List<Lower> lowers = new ArrayList<>();
        for (Fields l : root.objects("lowers")) {
            Path file = path(baseDir, l.str("file", ""));
            Path dir = path(baseDir, l.str("dir", ""));
            String digest = l.str("digest", "");
            long size = l.nonNegative("size", 0);
            for (String turbo : List.of("targetFile", "targetDigest", "gzipIndex")) {
                if (!l.str(turbo, "").isEmpty()) {
                    throw l.invalid(turbo, "empty (turboOCI layers are not supported by obdj)", "\"" + l.str(turbo, "") + "\"");
                }
            }
            if (file == null && dir == null && digest.isEmpty()) {
                throw l.invalid("file", "a local file, a dir or a digest for the layer", "none of them");
            }
            if (!digest.isEmpty() && !digest.matches("[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")) {
                throw l.invalid("digest", "an OCI digest such as sha256:<64 hex digits>", "\"" + digest + "\"");
            }
            l.finish();
            lowers.add(new Lower(file, dir, digest.isEmpty() ? null : digest, size));
        }
        Upper upper = null;
        Fields u = root.obj("upper");
        if (u != null) {
            Path index = path(baseDir, u.str("index", ""));
            Path data = path(baseDir, u.str("data", ""));
            for (String turbo : List.of("target", "gzipIndex")) {
                if (!u.str(turbo, "").isEmpty()) {
                    throw u.invalid(turbo, "empty (turboOCI writable layers are not supported by obdj)", "\"" + u.str(turbo, "") + "\"");
                }
            }
            u.finish();
            if (index != null && data != null) { // the reference: either empty means read-only
                upper = new Upper(index, data);
            }
        }
        Path result = path(baseDir, root.str("resultFile", ""));
        Path trace = path(baseDir, root.str("recordTracePath", ""));
        boolean accel = root.bool("accelerationLayer", false);
        Download download = Download.read(root.obj("download"), Download.DEFAULT);
        if (!root.has("download")) {
            download = null;
        }
        if (accel && trace != null) {
            throw root.invalid("accelerationLayer", "false when recordTracePath is set (the reference refuses both)", "true");
        }
        if (accel && lowers.isEmpty()) {
            throw root.invalid("accelerationLayer", "a last lower layer to take as the acceleration layer", "no lowers");
        }
        if (lowers.isEmpty() && upper == null) {
            throw root.invalid("lowers", "at least one layer (or an upper layer)", "no layers");
        }
        if (repo.isEmpty() && lowers.stream().anyMatch(l -> l.file == null && l.dir == null)) {
            throw root.invalid("repoBlobUrl", "a registry URL for layers given only by digest", "\"\"");
        }
        root.finish();
        return new ImageConfig(source, repo, lowers, upper, result, trace, accel, download);
    }

    private static Path path(Path base, String s) {
        return s.isEmpty() ? null : base.resolve(s);
    }

    /** The blob URL of a digest: {@code repoBlobUrl + "/" + digest} (a "/" is added if missing). */
    public String blobUrl(String digest) {
        return repoBlobUrl.endsWith("/") ? repoBlobUrl + digest : repoBlobUrl + "/" + digest;
    }

    /** Writes {@code success} or {@code failed:<reason>} to {@link #resultFile} (no-op without one). */
    public void writeResult(String reasonOrNull) {
        if (resultFile == null) {
            return;
        }
        String text = reasonOrNull == null ? "success" : "failed:" + reasonOrNull.replace('\n', ' ');
        try {
            Files.writeString(resultFile, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StorageException(resultFile.toString(), "write result", e);
        }
    }
}
