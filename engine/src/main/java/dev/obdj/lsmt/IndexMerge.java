package dev.obdj.lsmt;

import dev.obdj.FormatException;
import dev.obdj.lookup.BinarySearchLookup;

/**
 * Merges the indexes of a layer stack into one sorted, non-overlapping table where upper layers
 * win (the reference's {@code merge_indexes}): holes in a layer fall through to the layer below;
 * zeroed entries are real hits and hide lower data. Each emitted entry carries the tag of the
 * layer it came from; edge entries are trimmed to the gap they fill, a trimmed front moving its
 * moffset forward unless zeroed.
 */
public final class IndexMerge {
    /** The reference's limit on a merged index. */
    public static final long MAX_ENTRIES = 128_000_000L;

    private final MappingTable[] levels;
    private final BinarySearchLookup[] finders;
    private final int[] tags;
    private final MappingTable.Builder out;

    private IndexMerge(MappingTable[] levels, int[] tags) {
        this.levels = levels;
        this.tags = tags;
        this.finders = new BinarySearchLookup[levels.length];
        long total = 0;
        for (int i = 0; i < levels.length; i++) {
            finders[i] = new BinarySearchLookup(levels[i].entries(), levels[i].count());
            total += levels[i].count();
        }
        this.out = new MappingTable.Builder(Math.min(total + levels.length, MAX_ENTRIES));
    }

    /**
     * @param levels indexes, position 0 = topmost layer
     * @param tags   tag written into the entries coming from each level
     */
    public static MappingTable merge(MappingTable[] levels, int[] tags) {
        IndexMerge m = new IndexMerge(levels, tags);
        try {
            m.fill(0, 0, Long.MAX_VALUE);
            return m.out.build();
        } catch (RuntimeException e) {
            m.out.close();
            throw e;
        }
    }

    private void fill(int level, long b, long e) {
        if (level == levels.length) {
            return;
        }
        MappingTable t = levels[level];
        long n = t.count();
        long cur = b;
        for (long i = finders[level].firstEndingAfter(b); i < n; i++) {
            long lo = t.lo(i);
            long off = SegmentMapping.offset(lo);
            if (off >= e) {
                break;
            }
            if (SegmentMapping.length(lo) == 0) {
                continue;
            }
            if (off > cur) {
                fill(level + 1, cur, off);
                cur = off;
            }
            long end = Math.min(SegmentMapping.end(lo), e);
            long hi = t.hi(i);
            long m = SegmentMapping.moffset(hi);
            boolean z = SegmentMapping.zeroed(hi);
            if (!z) {
                m += cur - off;
            }
            if (out.count() >= MAX_ENTRIES) {
                throw new FormatException("layer stack", -1, "merged index size", "at most " + MAX_ENTRIES + " entries",
                        "more");
            }
            out.add(SegmentMapping.lo(cur, (int) (end - cur)), SegmentMapping.hi(m, z, tags[level]));
            cur = end;
        }
        if (cur < e) {
            fill(level + 1, cur, e);
        }
    }
}
