package dev.obdj.zfile;

/**
 * Where each block lies in the file, built from the u32 index of stored block sizes (CRC included).
 * As in the reference: blocks are grouped by {@code G = 65536 / block_size}; a u64 holds each group's
 * start and a u16 each block's distance from it, so the table costs about 2 bytes per block.
 * A group whose distances do not fit 16 bits (possible only in files the reference cannot build a
 * table for) switches the whole table to 32-bit distances instead of failing.
 */
final class JumpTable {
    private final int count;
    private final int groupShift;
    private final long[] groupStart; // one per group, plus one for the end
    private final char[] delta16;    // delta of block i from its group start, when all fit 16 bits
    private final int[] delta32;     // otherwise
    private final long end;

    private JumpTable(int count, int groupShift, long[] groupStart, char[] delta16, int[] delta32, long end) {
        this.count = count;
        this.groupShift = groupShift;
        this.groupStart = groupStart;
        this.delta16 = delta16;
        this.delta32 = delta32;
        this.end = end;
    }

    /** Number of blocks. */
    int count() { return count; }

    /** Byte offset of block {@code i} in the file; {@code offset(count())} is the end of the data. */
    long offset(int i) {
        if (i == count) {
            return end;
        }
        long base = groupStart[i >>> groupShift];
        return base + (delta16 != null ? delta16[i] : delta32[i]);
    }

    /** Stored size of block {@code i}: compressed bytes plus the CRC when present. */
    int stored(int i) {
        return (int) (offset(i + 1) - offset(i));
    }

    /** Bytes of heap the table holds (for {@code info}). */
    long footprint() {
        return groupStart.length * 8L + (delta16 != null ? delta16.length * 2L : delta32.length * 4L);
    }

    /** Accumulates stored sizes in order; {@link #build} makes the table. */
    static final class Builder {
        private final int count;
        private final int groupShift;
        private final long[] groupStart;
        private char[] delta16;
        private int[] delta32;
        private long pos;
        private long groupBase;
        private int added;

        Builder(int count, int blockSize, long dataStart) {
            this.count = count;
            this.groupShift = Integer.numberOfTrailingZeros(Math.max(1, 65536 / blockSize));
            this.groupStart = new long[(int) (((long) count + (1L << groupShift) - 1) >>> groupShift) + 1];
            this.delta16 = new char[count];
            this.pos = dataStart;
        }

        /** Adds the next block's stored size (already range-checked by the caller). */
        void add(long stored) {
            int i = added++;
            if ((i & ((1 << groupShift) - 1)) == 0) {
                groupBase = pos;
                groupStart[i >>> groupShift] = pos;
            }
            long d = pos - groupBase;
            if (delta16 != null) {
                if (d <= 0xFFFF) {
                    delta16[i] = (char) d;
                } else {
                    delta32 = new int[count];
                    for (int k = 0; k < i; k++) {
                        delta32[k] = delta16[k];
                    }
                    delta16 = null;
                    delta32[i] = (int) d;
                }
            } else {
                delta32[i] = (int) d;
            }
            pos += stored;
        }

        /** Offset just past the blocks added so far. */
        long position() { return pos; }

        JumpTable build() {
            groupStart[groupStart.length - 1] = pos;
            return new JumpTable(count, groupShift, groupStart, delta16, delta32, pos);
        }
    }
}
