package dev.obdj.lsmt;

import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Reads fixed-size structures out of a {@link ByteSource}, in place when it is mapped. */
final class Blocks {
    private Blocks() {}

    /** {@code len} bytes at {@code pos}: a slice of the mapping, or a copy in {@code scratch}. */
    static MemorySegment read(ByteSource src, long pos, long len, Arena scratch, String what) {
        if (pos < 0 || len > src.size() || pos > src.size() - len) {
            throw new FormatException(src.name(), pos, what, "a " + len + "-byte block inside the file",
                    "file size " + src.size());
        }
        MemorySegment seg = src.segment();
        if (seg != null) {
            return seg.asSlice(pos, len);
        }
        MemorySegment copy = scratch.allocate(len, 8);
        src.read(pos, copy, 0, len);
        return copy;
    }

    /**
     * The header block at offset 0: the file must hold at least 4096 bytes and start with the
     * LSMT magic. Flag checks are the caller's (they differ by file kind).
     */
    static LsmtHeader header(ByteSource src, Arena scratch) {
        if (src.size() < LsmtHeader.BLOCK) {
            throw new FormatException(src.name(), 0, "file size", "at least 4096 bytes (header)", src.size() + " bytes");
        }
        MemorySegment b = read(src, 0, LsmtHeader.BLOCK, scratch, "header");
        if (!LsmtHeader.hasMagic(b)) {
            throw new FormatException(src.name(), 0, "header.magic", "LSMT magic0/magic1", "other bytes");
        }
        return LsmtHeader.decode(b);
    }
}
