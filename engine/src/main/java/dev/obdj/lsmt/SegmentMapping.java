package dev.obdj.lsmt;

import dev.obdj.io.Le;

import java.lang.foreign.MemorySegment;

/**
 * The LSMT index entry codec: one mapping is 16 bytes, two little-endian u64 words.
 * <pre>
 *   lo = offset (bits 0-49, logical sector) | length (bits 50-63, sectors, 0..16383)
 *   hi = moffset (bits 0-54, sector in the layer file) | zeroed (bit 55) | tag (bits 56-63)
 * </pre>
 * Mappings are never objects: they live as packed words in off-heap memory and these static
 * methods pick the fields out.
 */
public final class SegmentMapping {
    /** Size of one packed entry. */
    public static final int BYTES = 16;
    /** Largest logical sector; also the "invalid mapping" marker used as index padding. */
    public static final long MAX_OFFSET = (1L << 50) - 1;
    /** {@code offset} of a padding entry. */
    public static final long INVALID_OFFSET = MAX_OFFSET;
    /** Largest length in sectors (14 bits). */
    public static final int MAX_LENGTH = 16383;
    /** Largest moffset (55 bits). */
    public static final long MAX_MOFFSET = (1L << 55) - 1;
    /** The lo word of the padding entry {@code FF FF FF FF FF FF 03 00}. */
    public static final long INVALID_LO = INVALID_OFFSET;

    private SegmentMapping() {}

    public static long offset(long lo) { return lo & MAX_OFFSET; }

    public static int length(long lo) { return (int) (lo >>> 50); }

    public static long end(long lo) { return (lo & MAX_OFFSET) + (lo >>> 50); }

    public static long moffset(long hi) { return hi & MAX_MOFFSET; }

    public static boolean zeroed(long hi) { return (hi & (1L << 55)) != 0; }

    public static int tag(long hi) { return (int) (hi >>> 56); }

    /** mend = moffset + length for data, moffset for zeroed entries. */
    public static long mend(long lo, long hi) { return zeroed(hi) ? moffset(hi) : moffset(hi) + length(lo); }

    public static long lo(long offset, int length) { return offset | ((long) length << 50); }

    public static long hi(long moffset, boolean zeroed, int tag) {
        return moffset | (zeroed ? 1L << 55 : 0) | ((long) tag << 56);
    }

    /** Same hi word with the tag replaced. */
    public static long withTag(long hi, int tag) { return (hi & ~(0xFFL << 56)) | ((long) tag << 56); }

    public static long lo(MemorySegment s, long index) { return s.get(Le.LONG, index * BYTES); }

    public static long hi(MemorySegment s, long index) { return s.get(Le.LONG, index * BYTES + 8); }

    public static void put(MemorySegment s, long index, long lo, long hi) {
        s.set(Le.LONG, index * BYTES, lo);
        s.set(Le.LONG, index * BYTES + 8, hi);
    }

    /** Human-readable form for messages and tests. */
    public static String toString(long lo, long hi) {
        return "[offset=" + offset(lo) + " length=" + length(lo) + " moffset=" + moffset(hi)
                + (zeroed(hi) ? " zeroed" : "") + " tag=" + tag(hi) + "]";
    }
}
