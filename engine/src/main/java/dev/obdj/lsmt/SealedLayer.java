package dev.obdj.lsmt;

import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;
import dev.obdj.io.Le;
import dev.obdj.io.MappedFile;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

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
    private static final int HEAD_BYTES = 512; // of a header/trailer block: the 390-byte struct and then zeros

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
        if (size < LsmtHeader.BLOCK) {
            throw new FormatException(name, 0, "file size", "at least 4096 bytes (header)", size + " bytes");
        }
        MappedFile file = source instanceof MappedFile f ? f : null;
        byte[] hb = block(source, file, 0);
        if (!LsmtHeader.hasMagic(hb)) {
            throw new FormatException(name, 0, "header.magic", "LSMT magic0/magic1", "other bytes");
        }
        LsmtHeader header = LsmtHeader.decode(hb);
        if (!header.isHeader()) {
            throw flags(name, 0, "header.flags.is_header", "bit 0 set", header.flags());
        }
        if (!header.isDataFile()) {
            throw flags(name, 0, "header.flags.type", "bit 1 set (data file)", header.flags());
        }
        long tpos = size - LsmtHeader.BLOCK;
        byte[] tb = block(source, file, tpos);
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
        MappingTable table = file != null ? loadIndex(file, indexOffset, n) : loadIndex(source, indexOffset, n);
        return new SealedLayer(source, header, trailer, table, n);
    }

    /**
     * The first {@value #HEAD_BYTES} bytes of the header or trailer block at {@code pos}, on the
     * heap: read with pread from a local file (no mapping, no FFM on the open path), else copied out.
     */
    private static byte[] block(ByteSource source, MappedFile file, long pos) {
        byte[] b = new byte[HEAD_BYTES];
        if (file != null) {
            file.readFully(pos, ByteBuffer.wrap(b));
            return b;
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment s = Blocks.read(source, pos, LsmtHeader.BLOCK, scratch, pos == 0 ? "header" : "trailer");
            MemorySegment.copy(s, Le.BYTE, 0, b, 0, HEAD_BYTES);
        }
        return b;
    }

    private static FormatException flags(String name, long base, String field, String expected, int flags) {
        return new FormatException(name, base + LsmtHeader.OFF_FLAGS, field, expected,
                "0x" + Integer.toHexString(flags) + " (" + LsmtHeader.describeFlags(flags) + ")");
    }

    /**
     * A local file: the index is checked by {@link IndexScan} (read with pread, on two threads
     * when large). When the invalid entries are only the trailing padding, the table is the index
     * in place in the file, mapped on first use, with tags forced to 0: no copy, no memory of its own.
     */
    private static MappingTable loadIndex(MappedFile file, long indexOffset, long n) {
        IndexScan scan = IndexScan.run(file, indexOffset, n);
        if (scan.suffixOnly) {
            return new MappingTable(file, indexOffset, scan.valid, 0); // mapped on first use
        }
        return copyValid(file, indexOffset, n, scan.valid, null);
    }

    /**
     * A table of its own holding the valid entries, with room for {@code capacity} to start with;
     * {@code check}, when not null, sees every entry first (one pass over a source that is not
     * mapped).
     */
    private static MappingTable copyValid(ByteSource source, long indexOffset, long n, long capacity, EntryCheck check) {
        MappingTable.Builder b = new MappingTable.Builder(capacity);
        try {
            Entries.forEach(source, indexOffset, n, (i, lo, hi) -> {
                if (check != null) {
                    check.accept(i, lo, hi);
                }
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

    /**
     * Any other source: checks every entry (invalid ones dropped, order, moffset range) and
     * returns the table; in place when the source is mapped and only trailing padding is invalid.
     */
    private static MappingTable loadIndex(ByteSource source, long indexOffset, long n) {
        String name = source.name();
        long e = indexOffset / 512;
        MemorySegment mapped = source.segment();
        var check = new EntryCheck(name, indexOffset, e);
        if (mapped != null) {
            Entries.forEachChunk(mapped, indexOffset, 0, n, check);
            if (check.suffixOnly) {
                return new MappingTable(mapped.asSlice(indexOffset, check.valid * SegmentMapping.BYTES),
                        check.valid, 0, null);
            }
            return copyValid(source, indexOffset, n, check.valid, null);
        }
        return copyValid(source, indexOffset, n, Math.min(n, 1 << 16), check);
    }

    /** The per-entry rules of a sealed index: invalid entries skipped, ascending, moffset in range. */
    static final class EntryCheck implements Entries.Visitor, Entries.ChunkVisitor {
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
            if (valid != i) {
                suffixOnly = false;
            }
            if (prevEnd > off) {
                throw new FormatException(name, indexOffset + i * SegmentMapping.BYTES, "index[" + i + "].offset",
                        "entries sorted and non-overlapping (offset >= previous end " + prevEnd + ")",
                        Long.toString(off));
            }
            checkMoffset(name, indexOffset + i * SegmentMapping.BYTES, i, lo, hi, e);
            prevEnd = SegmentMapping.end(lo);
            valid++;
        }

        /**
         * Checks one chunk of a mapped index without a branch per rule (as {@link IndexScan}
         * does); a chunk that fails is checked again entry by entry for the precise error.
         */
        @Override
        public void chunk(long base, long[] words, int cnt) {
            long prev = prevEnd, ok = valid, last = e, bad = 0;
            boolean suffix = suffixOnly;
            for (int j = 0; j < cnt; j++) {
                long lo = words[2 * j], hi = words[2 * j + 1];
                long off = lo & SegmentMapping.MAX_OFFSET;
                if (off == SegmentMapping.INVALID_OFFSET) {
                    continue;
                }
                suffix &= ok == base + j;
                long len = lo >>> 50;
                long m = hi & SegmentMapping.MAX_MOFFSET;
                long dataOnly = ((hi >>> 55) & 1) - 1; // all ones for a data entry, 0 for a zeroed one
                bad |= (off - prev) | (m - B) | (last - m)
                        | (((last - 1 - m) | (m + len - B - 1) | (last - m - len)) & dataOnly);
                prev = off + len;
                ok++;
            }
            if (bad < 0) {
                for (int j = 0; j < cnt; j++) {
                    accept(base + j, words[2 * j], words[2 * j + 1]); // throws the precise error
                }
                throw new AssertionError("index chunk at entry " + base + " failed a check that passed");
            }
            prevEnd = prev;
            valid = ok;
            suffixOnly = suffix;
        }
    }

    /** Waits for {@code t} to end; an interrupt meanwhile is kept for the caller, not lost. */
    static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException ex) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
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
