package dev.obdj.lsmt;

import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;
import dev.obdj.io.Le;

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
    private static final long PARALLEL_CHECK_MIN = 1 << 18; // entries from which the check runs on two threads

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
            check.scanMapped(mapped, n);
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
    private static final class EntryCheck implements Entries.Visitor, Entries.ChunkVisitor {
        final String name;
        final long indexOffset;
        final long e;
        long valid;
        boolean suffixOnly = true;
        long prevEnd = -1;
        volatile boolean failed; // set by the thread checking the upper half

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
            check(i, lo, hi, off);
        }

        private void check(long i, long lo, long hi, long off) {
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
         * The same rules over a mapped index, chunk by chunk through a small array. This runs
         * when a fresh JVM opens its first large layer, mostly before the JIT has compiled
         * anything: a raw bulk copy per chunk and one monomorphic loop (compiled on stack after a
         * few thousand entries) cost a fraction of a var-handle read and a visitor call per entry.
         * A large index is checked in two halves on two threads; the result, and the error on a
         * bad entry, are exactly those of one pass in order.
         */
        void scanMapped(MemorySegment mapped, long n) {
            long half = n / 2 / Entries.CHUNK * Entries.CHUNK; // the halves split at a chunk boundary
            if (n < PARALLEL_CHECK_MIN || Runtime.getRuntime().availableProcessors() < 2) {
                scanRange(mapped, 0, n);
                return;
            }
            EntryCheck upper = new EntryCheck(name, indexOffset, e);
            upper.valid = half; // as if every lower entry were valid; corrected below
            Thread t = Thread.ofPlatform().daemon().name("obdj-index-check").start(() -> {
                try {
                    upper.scanRange(mapped, half, n);
                } catch (RuntimeException | Error ex) {
                    upper.failed = true;
                }
            });
            try {
                scanRange(mapped, 0, half);
            } finally {
                joinUninterruptibly(t);
            }
            long firstUpper = firstValidOffset(mapped, half, n);
            if (upper.failed || (firstUpper >= 0 && firstUpper < prevEnd)) {
                scanRange(mapped, half, n); // from the lower half's true state: throws the precise error
                return;
            }
            long upperValid = upper.valid - half;
            suffixOnly = valid == half ? upper.suffixOnly : suffixOnly && upperValid == 0;
            if (upperValid > 0) {
                prevEnd = upper.prevEnd;
            }
            valid += upperValid;
        }

        private void scanRange(MemorySegment mapped, long from, long to) {
            Entries.forEachChunk(mapped, indexOffset, from, to, this);
        }

        /** The offset of the first valid entry in [from, to), or -1 when there is none. */
        private long firstValidOffset(MemorySegment mapped, long from, long to) {
            for (long i = from; i < to; i++) {
                long off = Le.u64(Le.copyOut(mapped, indexOffset + i * SegmentMapping.BYTES, 8), 0) & SegmentMapping.MAX_OFFSET;
                if (off != SegmentMapping.INVALID_OFFSET) {
                    return off;
                }
            }
            return -1;
        }

        /**
         * Checks one chunk without a branch per rule: every rule is "some difference is not
         * negative", so the differences are OR-ed into {@code bad} and its sign is looked at once
         * per chunk. A chunk that fails is checked again entry by entry for the precise error.
         * Values stay far below 2^63 (offsets < 2^50, moffsets < 2^55), so no difference overflows.
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
