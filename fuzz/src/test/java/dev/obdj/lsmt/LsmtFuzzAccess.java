package dev.obdj.lsmt;

/** Reaches the package-private pieces of the LSMT code the fuzz targets compare against. */
public final class LsmtFuzzAccess {
    private LsmtFuzzAccess() {}

    /**
     * The newest-wins table of an RW log built the second way the engine knows: inserting every
     * entry in order into the writable layer's live index (the reference's one-by-one insertion).
     */
    public static MappingTable insertOneByOne(long[] lo, long[] hi, int n) {
        LiveIndex live = new LiveIndex();
        for (int i = 0; i < n; i++) {
            live.insert(lo[i], SegmentMapping.withTag(hi[i], 0));
        }
        return live.toTable();
    }
}
