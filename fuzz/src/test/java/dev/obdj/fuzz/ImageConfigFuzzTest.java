package dev.obdj.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.obdj.ObdjException;
import dev.obdj.config.ImageConfig;
import dev.obdj.config.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Target 7: the config.v1 reader. Text from fuzz bytes goes to {@link ImageConfig#parse} (which may
 * only fail with {@code IllegalArgumentException} or an {@link ObdjException} naming the field) and to
 * its JSON parser, compared
 * with Jackson's strict streaming parser: both must accept the same documents (up to a nesting
 * depth both support) and read the same values.
 */
class ImageConfigFuzzTest {
    private static final JsonFactory JACKSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(10_000)
                    .maxNumberLength(1 << 20).maxStringLength(1 << 24).build())
            .build();
    private static final Path BASE = Path.of("/configs");

    @FuzzTest
    @DictionaryEntries({"\\u00", "\\\"", "\"lowers\"", "\"upper\"", "\"file\"", "\"dir\"", "\"data\"", "\"index\"",
            "true", "false", "null", "-0.5e+10", "1E-2", "[]", "{}", "\":", "\"\\ud800\""})
    void config(byte[] input) {
        Budget.run(input.length, () -> check(new String(input, StandardCharsets.UTF_8)));
    }

    static void check(String text) {
        try {
            ImageConfig c = ImageConfig.parse(text, BASE);
            if (c.lowers().isEmpty() && !c.hasUpper()) {
                throw new AssertionError("a config without layers was accepted");
            }
        } catch (IllegalArgumentException | ObdjException e) {
            // the documented failures
        }
        Object mine;
        String mineError = null;
        try {
            mine = Json.parse(text);
        } catch (IllegalArgumentException | ObdjException e) {
            mine = null;
            mineError = e.getMessage();
        }
        Object theirs;
        String theirsError = null;
        int[] depth = {0};
        try {
            theirs = jackson(text, depth);
        } catch (IOException | RuntimeException e) {
            theirs = null;
            theirsError = e.getMessage();
        }
        if (depth[0] > 200) {
            return; // the two parsers cap nesting at different depths
        }
        if ((mineError == null) != (theirsError == null)) {
            throw new AssertionError("MiniJson " + (mineError == null ? "accepts" : "rejects (" + mineError + ")")
                    + ", Jackson " + (theirsError == null ? "accepts" : "rejects (" + theirsError + ")") + ": " + quote(text));
        }
        if (mineError == null && !Objects.equals(mine, theirs)) {
            throw new AssertionError("MiniJson reads " + mine + ", Jackson " + theirs + ": " + quote(text));
        }
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.substring(0, Math.min(s.length(), 300)).toCharArray()) {
            if (c < 0x20 || c > 0x7E) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    /** One JSON document with MiniJson's value types; anything after it is an error. */
    private static Object jackson(String text, int[] depth) throws IOException {
        try (JsonParser p = JACKSON.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) throw new IOException("empty document");
            Object v = value(p, t, depth, 0);
            if (p.nextToken() != null) throw new IOException("trailing tokens");
            return v;
        }
    }

    private static Object value(JsonParser p, JsonToken t, int[] depth, int d) throws IOException {
        depth[0] = Math.max(depth[0], d);
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
                    String k = p.currentName();
                    m.put(k, value(p, p.nextToken(), depth, d + 1));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    l.add(value(p, t, depth, d + 1));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                String s = p.getText();
                if (t == JsonToken.VALUE_NUMBER_INT) {
                    try {
                        return Long.parseLong(s);
                    } catch (NumberFormatException e) {
                        // too large for a long
                    }
                }
                return Double.parseDouble(s);
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IOException("unexpected token " + t);
        }
    }
}
