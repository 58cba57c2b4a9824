package dev.obdj.cli;

/** Just enough JSON writing for the CLI's machine-readable output (objects, strings, numbers). */
final class Json {
    private final StringBuilder sb = new StringBuilder();
    private boolean first = true;

    void begin() {
        if (!first) {
            sb.append(',');
        }
        sb.append('{');
        first = true;
    }

    /** Starts an array member; its elements are objects opened with {@link #begin()}. */
    void array(String name) {
        key(name);
        sb.append('[');
        first = true;
    }

    void endArray() {
        sb.append(']');
        first = false;
    }

    void object(String name) {
        key(name);
        sb.append('{');
        first = true;
    }

    void end() {
        sb.append('}');
        first = false;
    }

    void field(String name, String value) {
        key(name);
        quote(value);
    }

    void field(String name, long value) {
        key(name);
        sb.append(value < 0 ? Long.toUnsignedString(value) : Long.toString(value));
    }

    void field(String name, boolean value) {
        key(name);
        sb.append(value);
    }

    private void key(String name) {
        if (!first) {
            sb.append(',');
        }
        first = false;
        quote(name);
        sb.append(':');
    }

    private void quote(String s) {
        sb.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
