package dev.obdj.nbd;

import dev.obdj.FormatException;
import dev.obdj.Image;
import dev.obdj.StorageException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The part of overlaybd's per-device {@code config.v1.json} needed to open an image locally:
 * {@code lowers[]} (each {@code file}, or {@code dir} holding {@code overlaybd.commit}), lowest
 * first, and {@code upper.data} + {@code upper.index} for the writable layer. Other fields
 * (registry URLs, digests, result file, ...) are ignored. Relative paths are taken from the
 * config file's directory.
 *
 * @param lowers     read-only layers, lowest first
 * @param upperData  the writable layer's data file, or null
 * @param upperIndex the writable layer's index file, or null
 */
public record ImageConfig(List<Path> lowers, Path upperData, Path upperIndex) {
    /** File name of a committed layer inside a {@code lowers[].dir}. */
    public static final String COMMIT_FILE = "overlaybd.commit";

    public ImageConfig {
        lowers = List.copyOf(lowers);
        if ((upperData == null) != (upperIndex == null)) {
            throw new IllegalArgumentException("upper needs both data and index");
        }
    }

    /** True when the config names a writable layer. */
    public boolean hasUpper() {
        return upperData != null;
    }

    /** Reads a config file. */
    public static ImageConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StorageException(file.toString(), "read", e);
        }
        Path dir = file.toAbsolutePath().getParent();
        try {
            return parse(text, dir);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file.toString(), 0, "config", "an overlaybd config.v1 JSON document", e.getMessage());
        }
    }

    /**
     * Parses config text; relative paths resolve against {@code baseDir}.
     *
     * @throws IllegalArgumentException when the text is not JSON or lacks what an image needs
     */
    public static ImageConfig parse(String text, Path baseDir) {
        if (!(MiniJson.parse(text) instanceof Map<?, ?> root)) {
            throw new IllegalArgumentException("the top level is not an object");
        }
        List<Path> lowers = new ArrayList<>();
        Object lo = root.get("lowers");
        if (lo != null) {
            if (!(lo instanceof List<?> list)) {
                throw new IllegalArgumentException("lowers is not an array");
            }
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> l)) {
                    throw new IllegalArgumentException("lowers[" + i + "] is not an object");
                }
                String file = text(l, "file", "lowers[" + i + "]");
                String dir = text(l, "dir", "lowers[" + i + "]");
                if (file != null && !file.isEmpty()) {
                    lowers.add(baseDir.resolve(file));
                } else if (dir != null && !dir.isEmpty()) {
                    lowers.add(baseDir.resolve(dir).resolve(COMMIT_FILE));
                } else {
                    throw new IllegalArgumentException("lowers[" + i + "] has neither file nor dir (remote layers are not supported)");
                }
            }
        }
        Path data = null, index = null;
        Object up = root.get("upper");
        if (up != null) {
            if (!(up instanceof Map<?, ?> u)) {
                throw new IllegalArgumentException("upper is not an object");
            }
            String d = text(u, "data", "upper");
            String x = text(u, "index", "upper");
            boolean hasD = d != null && !d.isEmpty(), hasX = x != null && !x.isEmpty();
            if (hasD != hasX) {
                throw new IllegalArgumentException("upper needs both data and index");
            }
            if (hasD) {
                data = baseDir.resolve(d);
                index = baseDir.resolve(x);
            }
        }
        if (lowers.isEmpty() && data == null) {
            throw new IllegalArgumentException("no layers: lowers is empty and there is no upper");
        }
        return new ImageConfig(lowers, data, index);
    }

    private static String text(Map<?, ?> m, String key, String where) {
        Object v = m.get(key);
        if (v != null && !(v instanceof String)) {
            throw new IllegalArgumentException(where + "." + key + " is not a string");
        }
        return (String) v;
    }

    /**
     * Opens the image: writable on top when the config has an upper layer and {@code readOnly} is
     * false; read-only otherwise (the upper layer, if any, still read on top).
     */
    public Image open(boolean readOnly) {
        if (upperData == null) {
            return Image.open(lowers);
        }
        return readOnly ? Image.open(lowers, upperData, upperIndex) : Image.openWritable(lowers, upperData, upperIndex);
    }
}
