package dev.obdj.lsmt;

import dev.obdj.io.Bytes;
import dev.obdj.io.MappedFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A sorted, non-overlapping array of packed {@link SegmentMapping} entries in off-heap memory:
 * either a slice of a mapped layer file (zero copy) or a buffer this table owns.
 *
 * <p>When {@code forcedTag >= 0} the tags stored in the bytes are ignored and every entry reads
 * with that tag: the reference zeroes the tags of a loaded layer, and doing it on access lets a
 * single layer's on-disk index be used in place.
 */
public final class MappingTable implements AutoCloseable {
    // Null until first use for an index in place in a file that is not mapped yet. A plain field:
    // a segment's own fields are final, so a racing reader sees either null or a whole segment.
    private MemorySegment entries;
    private final long count;
    private final int forcedTag;
    private final Arena owner; // null when the memory belongs to someone else (a mapped file)
    private final MappedFile file; // with fileOffset: where a table in place lies, until mapped
    private final long fileOffset;

    MappingTable(MemorySegment entries, long count, int forcedTag, Arena owner) {
        this.entries = entries;
        this.count = count;
        this.forcedTag = forcedTag;
        this.owner = owner;
        this.file = null;
        this.fileOffset = 0;
    }

    /**
     * The {@code count} entries at {@code offset} of {@code file}, in place. The file is mapped on
     * the first access, not here: the open of a large layer returns without waiting for FFM's
     * set-up in a fresh JVM, and the lookup builder thread is normally the first to read.
     */
    MappingTable(MappedFile file, long offset, long count, int forcedTag) {
        this.count = count;
        this.forcedTag = forcedTag;
        this.owner = null;
        this.file = file;
        this.fileOffset = offset;
    }

    /** An empty table. */
    public static MappingTable empty() {
        return new MappingTable(MemorySegment.NULL, 0, -1, null);
    }

    public long count() { return count; }

    /** The raw 16-byte entries (tags as stored; see {@link #hi}). */
    public MemorySegment entries() {
        MemorySegment e = entries;
        return e != null ? e : mapEntries();
    }

    private synchronized MemorySegment mapEntries() {
        if (entries == null) {
            entries = file.segment().asSlice(fileOffset, count * SegmentMapping.BYTES);
        }
        return entries;
    }

    public long lo(long i) { return SegmentMapping.lo(entries(), i); }

    public long hi(long i) {
        return tagged(SegmentMapping.hi(entries(), i));
    }

    /** A stored hi word as this table reads it: with the forced tag, if any, in place of the stored one. */
    public long tagged(long storedHi) {
        return forcedTag < 0 ? storedHi : SegmentMapping.withTag(storedHi, forcedTag);
    }

    public long offset(long i) { return SegmentMapping.offset(lo(i)); }

    public long end(long i) { return SegmentMapping.end(lo(i)); }

    /** Bytes of off-heap memory this table owns (0 for an in-place view of a mapped file). */
    public long ownedBytes() { return owner == null ? 0 : entries().byteSize(); }

    @Override
    public void close() {
        if (owner != null && owner.scope().isAlive()) {
            owner.close();
        }
    }

    /**
     * Appends entries into off-heap memory, doubling as needed; {@link #build} hands the memory
     * to a table. Used by index loading, merging and RW replay.
     */
    public static final class Builder implements AutoCloseable {
        private Arena arena;
        private MemorySegment buf;
        private long count;

        public Builder(long expected) {
            long cap = Math.max(16, expected);
            arena = Arena.ofShared();
            buf = arena.allocate(cap * SegmentMapping.BYTES, 64);
        }

        public long count() { return count; }

        public long lo(long i) { return SegmentMapping.lo(buf, i); }

        public long hi(long i) { return SegmentMapping.hi(buf, i); }

        public void set(long i, long lo, long hi) { SegmentMapping.put(buf, i, lo, hi); }

        public void add(long lo, long hi) {
            if (count * SegmentMapping.BYTES == buf.byteSize()) {
                grow();
            }
            SegmentMapping.put(buf, count++, lo, hi);
        }

        /** Drops the last entry. */
        public void removeLast() { count--; }

        private void grow() {
            Arena next = Arena.ofShared();
            MemorySegment bigger = next.allocate(buf.byteSize() * 2, 64);
            Bytes.copy(buf, 0, bigger, 0, count * SegmentMapping.BYTES);
            arena.close();
            arena = next;
            buf = bigger;
        }

        /** A table over the entries added so far; the builder is spent afterwards. */
        public MappingTable build() {
            MappingTable t = new MappingTable(buf.asSlice(0, count * SegmentMapping.BYTES), count, -1, arena);
            arena = null;
            buf = null;
            return t;
        }

        @Override
        public void close() {
            if (arena != null) {
                arena.close();
                arena = null;
            }
        }
    }
}
