package dev.obdj;

import java.nio.file.Path;

/**
 * A file does not follow the format: it names the file, the byte offset of the offending
 * structure, the field, and what was expected and found. Thrown before any allocation sized by
 * the offending field, so a hostile file cannot make obdj allocate or read out of bounds.
 */
public final class FormatException extends ObdjException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final long offset;
    private final String field;
    private final String expected;
    private final String found;

    /**
     * @param file     the file (or a description of the source) that is malformed
     * @param offset   byte offset of the structure or field in that file (in the decompressed
     *                 stream for compressed layers), or -1 when it is not one place
     * @param field    the field or rule, e.g. {@code "trailer.index_size"}
     * @param expected what the format requires
     * @param found    what the file holds
     */
    public FormatException(String file, long offset, String field, String expected, String found) {
        this(file, offset, field, expected, found, null);
    }

    /** As {@link #FormatException(String, long, String, String, String)} with a cause. */
    public FormatException(String file, long offset, String field, String expected, String found, Throwable cause) {
        super(file + ": " + (offset >= 0 ? "at offset " + offset + ": " : "") + field
                + ": expected " + expected + ", found " + found, cause);
        this.file = file;
        this.offset = offset;
        this.field = field;
        this.expected = expected;
        this.found = found;
    }

    /** Convenience for a {@link Path}. */
    public FormatException(Path file, long offset, String field, String expected, String found) {
        this(String.valueOf(file), offset, field, expected, found);
    }

    /** The malformed file. */
    public String file() { return file; }

    /** Byte offset of the offending structure, or -1. */
    public long offset() { return offset; }

    /** The field or rule that failed, e.g. {@code "trailer.flags"}. */
    public String field() { return field; }

    /** What the format requires. */
    public String expected() { return expected; }

    /** What the file holds. */
    public String found() { return found; }
}
