package dev.obdj.lsmt;

import dev.obdj.io.Posix;

import java.nio.file.Path;

/**
 * Rebuilds the mappings of a sparse RW layer (header flag {@code sparse_rw}): logical byte X lives
 * at file byte 4096 + X, and every data extent the file system reports (SEEK_DATA / SEEK_HOLE)
 * becomes identity mappings of at most 16383 sectors, as the reference does on open.
 */
final class SparseExtents {
    private SparseExtents() {}

    static MappingTable scan(Path data, long virtualSize) {
        MappingTable.Builder b = new MappingTable.Builder(64);
        long end = LsmtHeader.BLOCK + virtualSize;
        try (Posix.Fd fd = Posix.open(data, Posix.O_RDONLY)) {
            long pos = LsmtHeader.BLOCK;
            while (pos < end) {
                long d = Posix.lseek(fd, pos, Posix.SEEK_DATA);
                if (d < 0 || d >= end) {
                    break;
                }
                long h = Posix.lseek(fd, d, Posix.SEEK_HOLE);
                if (h < 0) {
                    h = end;
                }
                long from = Math.max(d, LsmtHeader.BLOCK) & ~511L;
                long to = Math.min((h + 511) & ~511L, end);
                for (long s = from / 512; s < to / 512; ) {
                    int n = (int) Math.min(SegmentMapping.MAX_LENGTH, to / 512 - s);
                    b.add(SegmentMapping.lo(s - LsmtHeader.BLOCK / 512, n), SegmentMapping.hi(s, false, 0));
                    s += n;
                }
                pos = Math.max(h, d + 1);
            }
            return b.build();
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }
}
