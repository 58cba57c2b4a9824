package dev.obdj.config;

import dev.obdj.FormatException;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Typed access to one JSON object of a config file. A wrong type is a {@link FormatException}
 * naming the file and the field's full path (e.g. {@code lowers[1].size}); members never asked
 * for are reported by {@link #finish()} at debug level (FINE) and otherwise ignored, as the
 * reference ignores them. {@code null} counts as absent.
 */
final class Fields {
    private static final Logger LOG = Logger.getLogger("dev.obdj.config");

    private final String file;
    private final String path;
    private final Map<?, ?> map;
    private final Set<String> seen = new HashSet<>();

    Fields(String file, String path, Map<?, ?> map) {
        this.file = file;
        this.path = path;
        this.map = map;
    }

    /** The top-level object of {@code text}. */
    static Fields root(String file, String text) {
        Object v;
        try {
            v = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, -1, "(document)", "a JSON document", e.getMessage());
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new FormatException(file, -1, "(document)", "a JSON object at the top level", describe(v));
        }
        return new Fields(file, "", m);
    }

    String file() { return file; }

    private String name(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private Object get(String key) {
        seen.add(key);
        return map.get(key);
    }

    boolean has(String key) {
        return map.get(key) != null;
    }

    String str(String key, String def) {
        Object v = get(key);
        if (v == null) return def;
        if (v instanceof String s) return s;
        throw wrong(key, "a string", v);
    }

    long num(String key, long def) {
        Object v = get(key);
        if (v == null) return def;
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p62) return d.longValue();
        throw wrong(key, "an integer", v);
    }

    long nonNegative(String key, long def) {
        long n = num(key, def);
        if (n < 0) throw wrong(key, "a non-negative integer", n);
        return n;
    }

    boolean bool(String key, boolean def) {
        Object v = get(key);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        throw wrong(key, "true or false", v);
    }

    /** The member object, or null when absent. */
    Fields obj(String key) {
        Object v = get(key);
        if (v == null) return null;
        if (v instanceof Map<?, ?> m) return new Fields(file, name(key), m);
        throw wrong(key, "an object", v);
    }

    /** The member array's objects (empty when absent). */
    List<Fields> objects(String key) {
        Object v = get(key);
        if (v == null) return List.of();
        if (!(v instanceof List<?> l)) throw wrong(key, "an array", v);
        Fields[] out = new Fields[l.size()];
        for (int i = 0; i < out.length; i++) {
            String p = name(key) + "[" + i + "]";
            if (!(l.get(i) instanceof Map<?, ?> m)) {
                throw new FormatException(file, -1, p, "an object", describe(l.get(i)));
            }
            out[i] = new Fields(file, p, m);
        }
        return List.of(out);
    }

    /** Marks {@code keys} as known but not used by obdj (logged at FINE like unknown ones, but named as known). */
    void known(String... keys) {
        for (String k : keys) {
            if (seen.add(k) && map.containsKey(k)) {
                LOG.fine(() -> file + ": " + name(k) + " is a known field that obdj does not use; ignored");
            }
        }
    }

    /** Logs the members never asked for at debug level. */
    void finish() {
        for (Object k : map.keySet()) {
            if (!seen.contains(k)) {
                LOG.fine(() -> file + ": unknown field " + name(String.valueOf(k)) + " ignored");
            }
        }
    }

    FormatException wrong(String key, String expected, Object found) {
        return new FormatException(file, -1, name(key), expected, describe(found));
    }

    FormatException invalid(String key, String expected, String found) {
        return new FormatException(file, -1, name(key), expected, found);
    }

    static String describe(Object v) {
        if (v == null) return "null";
        if (v instanceof String s) return "the string \"" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "\"";
        if (v instanceof Map<?, ?>) return "an object";
        if (v instanceof List<?>) return "an array";
        if (v instanceof Boolean b) return "the boolean " + b;
        return "the number " + v;
    }
}
