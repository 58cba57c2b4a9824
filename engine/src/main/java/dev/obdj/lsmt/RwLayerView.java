package dev.obdj.lsmt;

import dev.obdj.FormatException;
import dev.obdj.UsageException;
import dev.obdj.io.ByteSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A read-only view of an uncommitted RW layer: the data file (header + appended write payloads)
 * and the index file (header + one 16-byte entry appended per write piece or discard, in
 * operation order). Loading replays the log newest-wins. A torn last entry (a crash mid-append)
 * is ignored, as is data appended without its entry.
 */
public final class RwLayerView implements AutoCloseable {
    /** The reference's limit on RW log entries. */
    public static final long MAX_ENTRIES = 128_000_000L;

    private final ByteSource data;
    private final LsmtHeader dataHeader;
    private final LsmtHeader indexHeader;
    private final MappingTable index;
    private final long logEntries;

    private RwLayerView(ByteSource data, LsmtHeader dataHeader, LsmtHeader indexHeader, MappingTable index, long logEntries) {
        this.data = data;
        this.dataHeader = dataHeader;
        this.indexHeader = indexHeader;
        this.index = index;
        this.logEntries = logEntries;
    }

    /** Validates both files and replays the index. Does not take ownership of the sources. */
    public static RwLayerView open(ByteSource data, ByteSource indexFile) {
        try (Arena scratch = Arena.ofConfined()) {
            String dn = data.name();
            LsmtHeader dataHeader = Blocks.header(data, scratch);
            if (!dataHeader.isHeader()) {
                throw new FormatException(dn, LsmtHeader.OFF_FLAGS, "header.flags.is_header", "bit 0 set",
                        "0x" + Integer.toHexString(dataHeader.flags()));
            }
            if (dataHeader.isSparse()) { // identity layout; mappings come from the file's holes
                if (data.path() == null) {
                    throw new UsageException(dn + ": a sparse RW layer must be a local file");
                }
                MappingTable t = SparseExtents.scan(data.path(), dataHeader.virtualSize());
                return new RwLayerView(data, dataHeader, dataHeader, t, 0);
            }
            String in = indexFile.name();
            long isz = indexFile.size();
            LsmtHeader indexHeader = Blocks.header(indexFile, scratch);
            String f = "0x" + Integer.toHexString(indexHeader.flags());
            if (!indexHeader.isHeader()) {
                throw new FormatException(in, LsmtHeader.OFF_FLAGS, "header.flags.is_header", "bit 0 set", f);
            }
            if (indexHeader.isDataFile()) {
                throw new FormatException(in, LsmtHeader.OFF_FLAGS, "header.flags.type", "bit 1 clear (index file)", f);
            }
            if (indexHeader.isSealed()) {
                throw new FormatException(in, LsmtHeader.OFF_FLAGS, "header.flags.sealed", "bit 2 clear (unsealed)", f);
            }
            if (indexHeader.indexOffset() != LsmtHeader.BLOCK) {
                throw new FormatException(in, LsmtHeader.OFF_INDEX_OFFSET, "header.index_offset", "4096",
                        Long.toUnsignedString(indexHeader.indexOffset()));
            }
            long n = (isz - LsmtHeader.BLOCK) / SegmentMapping.BYTES;
            if (n > MAX_ENTRIES) {
                throw new FormatException(in, LsmtHeader.BLOCK, "index entry count (file size)",
                        "at most " + MAX_ENTRIES, Long.toString(n));
            }
            long e = data.size() / 512;
            long[] lo = new long[(int) n];
            long[] hi = new long[(int) n];
            int[] live = {0};
            Entries.forEach(indexFile, LsmtHeader.BLOCK, n, (i, l, h) -> {
                if (SegmentMapping.offset(l) == SegmentMapping.INVALID_OFFSET) {
                    return;
                }
                SealedLayer.checkMoffset(in, LsmtHeader.BLOCK + i * SegmentMapping.BYTES, i, l, h, e);
                if (SegmentMapping.length(l) == 0) {
                    return;
                }
                lo[live[0]] = l;
                hi[live[0]] = h;
                live[0]++;
            });
            MappingTable table = RwReplay.replay(lo, hi, live[0]);
            return new RwLayerView(data, dataHeader, indexHeader, table, n);
        }
    }

    public ByteSource data() { return data; }

    public LsmtHeader dataHeader() { return dataHeader; }

    public LsmtHeader indexHeader() { return indexHeader; }

    /** The newest-wins table, tags 0. */
    public MappingTable index() { return index; }

    /** Entries in the log file (invalid and torn entries excluded from the table, counted here). */
    public long logEntries() { return logEntries; }

    /** Virtual size: the index file header's (the data header's for a sparse layer). */
    public long virtualSize() { return indexHeader.virtualSize(); }

    @Override
    public void close() {
        index.close();
    }
}
