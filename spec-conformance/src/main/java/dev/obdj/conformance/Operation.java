package dev.obdj.conformance;

/** The operations of the adapter protocol (spec-conformance/README.md). */
public enum Operation {
    /** {@code flatten OUT FILE...}: the merged virtual disk of read-only layers, lowest first. */
    FLATTEN("flatten"),
    /** {@code flatten-rw OUT DATA INDEX}: the virtual disk of an uncommitted RW layer. */
    FLATTEN_RW("flatten-rw"),
    /** {@code zfile-decompress IN OUT}: the original bytes of a ZFile. */
    ZFILE_DECOMPRESS("zfile-decompress"),
    /** {@code commit OPS.json OUT}: replay operations on a new RW layer and commit it. */
    COMMIT("commit"),
    /** {@code zfile-compress OPTIONS IN OUT}: compress a file into a ZFile. */
    ZFILE_COMPRESS("zfile-compress");

    public final String word;

    Operation(String word) {
        this.word = word;
    }

    public boolean writes() {
        return this == COMMIT || this == ZFILE_COMPRESS;
    }

    public static Operation of(String word) {
        for (Operation o : values()) {
            if (o.word.equals(word)) {
                return o;
            }
        }
        return null;
    }
}
