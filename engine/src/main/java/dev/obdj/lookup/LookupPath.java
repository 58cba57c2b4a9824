package dev.obdj.lookup;

/**
 * The ways a lookup can be served, fastest first. {@link LookupProvider} picks one per process;
 * the system property {@code obdj.lookup} ({@code vector512}, {@code vector256}, {@code scalar},
 * {@code binary}) forces one, for tests and comparisons.
 */
public enum LookupPath {
    /** Linearized B+tree, one 512-bit Vector API compare per 64-byte node. */
    VECTOR512("vector512"),
    /** Linearized B+tree, two 256-bit Vector API compares per node (AVX2-only machines). */
    VECTOR256("vector256"),
    /** Linearized B+tree, plain-Java "loop + bitmask" node search. */
    SCALAR("scalar"),
    /** Binary search over the 16-byte entries themselves; no extra memory. */
    BINARY("binary");

    private final String property;

    LookupPath(String property) {
        this.property = property;
    }

    /** The value of {@code obdj.lookup} that forces this path. */
    public String property() { return property; }

    /** True for the two Vector API paths. */
    public boolean isVector() { return this == VECTOR512 || this == VECTOR256; }

    /** The path named by {@code value}, or null when the name is unknown. */
    public static LookupPath byProperty(String value) {
        for (LookupPath p : values()) {
            if (p.property.equalsIgnoreCase(value.trim())) {
                return p;
            }
        }
        return null;
    }
}
