package dev.obdj.lsmt;

import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A read-only LSMT layer blob (committed, or an RW data file sealed in place): header at 0,
 * trailer in the last 4096 bytes, index between data and trailer. {@link #open} performs every
 * check the reference makes on open, in its order, and reports the first failure as a
 * {@link FormatException} naming the field, before any allocation sized by the file's fields.
 *
 * <p>One deliberate difference: the reference refuses indexes of more than 1,000,000 entries;
 * obdj opens any index that fits inside the file (memory is bounded by the file size).
 */
public final class SealedLayer implements AutoCloseable {
    private static final int B = LsmtHeader.BLOCK / 512; // first data sector

    private final ByteSource source;
    private final LsmtHeader header;
    private final LsmtHeader trailer;
    private final MappingTable index;
    private final long storedEntries;

    private SealedLayer(ByteSource source, LsmtHeader header, LsmtHeader trailer, MappingTable index, long storedEntries) {
        this.source = source;
        this.header = header;
        this.trailer = trailer;
        this.index = index;
        this.storedEntries = storedEntries;
    }

    /** Validates and loads the layer in {@code source}. The layer does not own the source. */
    public static SealedLayer open(ByteSource source) {
        String name = source.name();
        long size = source.size();
        try (Arena scratch = Arena.ofConfined()) {
            LsmtHeader header = Blocks.header(source, scratch);
            if (!header.isHeader()) {
                throw flags(name, 0, "header.flags.is_header", "bit 0 set", header.flags());
            }
            if (!header.isDataFile()) {
                throw flags(name, 0, "header.flags.type", "bit 1 set (data file)", header.flags());
            }
            long tpos = size - LsmtHeader.BLOCK;
            MemorySegment tb = Blocks.read(source, tpos, LsmtHeader.BLOCK, scratch, "trailer");
            if (!LsmtHeader.hasMagic(tb)) {
                throw new FormatException(name, tpos, "trailer.magic", "LSMT magic0/magic1", "other bytes");
            }
            LsmtHeader trailer = LsmtHeader.decode(tb);
            if (trailer.isHeader()) {
                throw flags(name, tpos, "trailer.flags.is_header", "bit 0 clear", trailer.flags());
            }
            if (!trailer.isDataFile()) {
                throw flags(name, tpos, "trailer.flags.type", "bit 1 set (data file)", trailer.flags());
            }
            if (!trailer.isSealed()) {
                throw flags(name, tpos, "trailer.flags.sealed", "bit 2 set", trailer.flags());
            }
            long indexOffset = trailer.indexOffset();
            long n = trailer.indexSize();
            if (Long.compareUnsigned(indexOffset, tpos) > 0) {
                throw new FormatException(name, tpos + LsmtHeader.OFF_INDEX_OFFSET, "trailer.index_offset",
                        "at most " + tpos + " (trailer position)", Long.toUnsignedString(indexOffset));
            }
            long room = (tpos - indexOffset) / SegmentMapping.BYTES;
            if (Long.compareUnsigned(n, room) > 0) {
                throw new FormatException(name, tpos + LsmtHeader.OFF_INDEX_SIZE, "trailer.index_size",
                        "at most " + room + " entries (index_size*16 <= file_size-4096-index_offset)",
                        Long.toUnsignedString(n));
            }
            MappingTable table = loadIndex(source, indexOffset, n);
            return new SealedLayer(source, header, trailer, table, n);
        }
    }

    private static FormatException flags(String name, long base, String field, String expected, int flags) {
        return new FormatException(name, base + LsmtHeader.OFF_FLAGS, field, expected,
                "0x" + Integer.toHexString(flags) + " (" + LsmtHeader.describeFlags(flags) + ")");
    }

    /**
     * Checks every entry (invalid ones dropped, order, moffset range) and returns the table.
     * When the invalid entries are only the trailing padding and the file is mapped, the table
     * is the mapped index itself with tags forced to 0: no copy, no memory of its own.
     */
    private static MappingTable loadIndex(ByteSource source, long indexOffset, long n) {
        String name = source.name();
        long e = indexOffset / 512;
        MemorySegment mapped = source.segment();
        var check = new EntryCheck(name, indexOffset, e);
        if (mapped != null) {
            Entries.forEach(source, indexOffset, n, check);
            if (check.suffixOnly) {
                return new MappingTable(mapped.asSlice(indexOffset, check.valid * SegmentMapping.BYTES),
                        check.valid, 0, null);
            }
            MappingTable.Builder b = new MappingTable.Builder(check.valid);
            Entries.forEach(source, indexOffset, n, (i, lo, hi) -> {
                if (SegmentMapping.offset(lo) != SegmentMapping.INVALID_OFFSET) {
                    b.add(lo, SegmentMapping.withTag(hi, 0));
                }
            });
            return b.build();
        }
        MappingTable.Builder b = new MappingTable.Builder(Math.min(n, 1 << 16));
        try {
            Entries.forEach(source, indexOffset, n, (i, lo, hi) -> {
                check.accept(i, lo, hi);
                if (SegmentMapping.offset(lo) != SegmentMapping.INVALID_OFFSET) {
                    b.add(lo, SegmentMapping.withTag(hi, 0));
                }
            });
            return b.build();
        } catch (RuntimeException ex) {
            b.close();
            throw ex;
        }
    }

    /** The per-entry rules of a sealed index: invalid entries skipped, ascending, moffset in range. */
    private static final class EntryCheck implements Entries.Visitor {
        final String name;
        final long indexOffset;
        final long e;
        long valid;
        boolean suffixOnly = true;
        long prevEnd = -1;

        EntryCheck(String name, long indexOffset, long e) {
            this.name = name;
            this.indexOffset = indexOffset;
            this.e = e;
        }

        @Override
        public void accept(long i, long lo, long hi) {
            long off = SegmentMapping.offset(lo);
            if (off == SegmentMapping.INVALID_OFFSET) {
                return;
            }
            long at = indexOffset + i * SegmentMapping.BYTES;
            if (valid != i) {
                suffixOnly = false;
            }
            if (prevEnd > off) {
                throw new FormatException(name, at, "index[" + i + "].offset",
                        "entries sorted and non-overlapping (offset >= previous end " + prevEnd + ")",
                        Long.toString(off));
            }
            checkMoffset(name, at, i, lo, hi, e);
            prevEnd = SegmentMapping.end(lo);
            valid++;
        }
    }

    static void checkMoffset(String name, long at, long i, long lo, long hi, long e) {
        long m = SegmentMapping.moffset(hi);
        long len = SegmentMapping.length(lo);
        if (SegmentMapping.zeroed(hi)) {
            if (m < B || m > e) {
                throw new FormatException(name, at + 8, "index[" + i + "].moffset",
                        "zeroed entry: " + B + " <= moffset <= " + e, Long.toString(m));
            }
        } else if (m < B || m >= e || m + len <= B || m + len > e) {
            throw new FormatException(name, at + 8, "index[" + i + "].moffset",
                    "data entry inside the data section: " + B + " <= moffset < " + e + " and moffset+length <= " + e,
                    "moffset " + m + " length " + len);
        }
    }

    public ByteSource source() { return source; }

    public LsmtHeader header() { return header; }

    public LsmtHeader trailer() { return trailer; }

    /** The valid entries, tags forced to 0. */
    public MappingTable index() { return index; }

    /** index_size as stored in the trailer (padding included). */
    public long storedEntries() { return storedEntries; }

    /** Virtual size from the trailer. */
    public long virtualSize() { return trailer.virtualSize(); }

    @Override
    public void close() {
        index.close();
    }
}
