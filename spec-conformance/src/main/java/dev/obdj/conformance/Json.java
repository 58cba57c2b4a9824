package dev.obdj.conformance;

import java.util.List;
import java.util.Map;

/**
 * The small JSON reader and writer the suite needs for {@code case.json}, {@code OPS.json} and the
 * JSON report. Objects are insertion-ordered {@link Map}s, arrays {@link List}s, numbers
 * {@link Long} when integral and {@link Double} otherwise.
 */
public final class Json {
    private Json() {}

    /** Parses one JSON value with the engine's reader ({@link dev.obdj.config.Json}). */
    public static Object parse(String text) {
        return dev.obdj.config.Json.parse(text);
    }

    /** Writes {@code v} (maps, lists, strings, numbers, booleans, null) as compact JSON. */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, -1, 0);
        return b.toString();
    }

    /** Writes {@code v} indented by {@code indent} spaces per level. */
    public static String pretty(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, 2, 0);
        return b.append('\n').toString();
    }

    private static void write(StringBuilder b, Object v, int indent, int level) {
        switch (v) {
            case null -> b.append("null");
            case String str -> quote(b, str);
            case Number n -> b.append(n);
            case Boolean bo -> b.append(bo);
            case Map<?, ?> m -> {
                b.append('{');
                int k = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    b.append(k++ == 0 ? "" : ",");
                    nl(b, indent, level + 1);
                    quote(b, String.valueOf(e.getKey()));
                    b.append(indent < 0 ? ":" : ": ");
                    write(b, e.getValue(), indent, level + 1);
                }
                if (k > 0) {
                    nl(b, indent, level);
                }
                b.append('}');
            }
            case List<?> l -> {
                b.append('[');
                int k = 0;
                for (Object o : l) {
                    b.append(k++ == 0 ? "" : ",");
                    nl(b, indent, level + 1);
                    write(b, o, indent, level + 1);
                }
                if (k > 0) {
                    nl(b, indent, level);
                }
                b.append(']');
            }
            default -> quote(b, v.toString());
        }
    }

    private static void nl(StringBuilder b, int indent, int level) {
        if (indent >= 0) {
            b.append('\n').append(" ".repeat(indent * level));
        }
    }

    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** {@code m.get(k)} as a long, or {@code dflt} when absent or null. */
    static long num(Map<String, Object> m, String k, long dflt) {
        Object o = m.get(k);
        return o instanceof Number n ? n.longValue() : dflt;
    }

    /** {@code m.get(k)} as a string, or null. */
    static String str(Map<String, Object> m, String k) {
        Object o = m.get(k);
        return o == null ? null : o.toString();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return o == null ? List.of() : (List<Object>) o;
    }
}
