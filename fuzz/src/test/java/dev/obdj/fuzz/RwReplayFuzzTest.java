package dev.obdj.fuzz;

import dev.obdj.testing.TestBlobs;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.obdj.FormatException;
import dev.obdj.UsageException;
import dev.obdj.io.ByteSource;
import dev.obdj.lsmt.LayerStack;
import dev.obdj.lsmt.LsmtFuzzAccess;
import dev.obdj.lsmt.MappingTable;
import dev.obdj.lsmt.RwLayerView;
import dev.obdj.lsmt.SegmentMapping;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Target 3: an RW pair (data file + index log) from fuzz bytes: fuzzed headers, a log of entries
 * that are mostly plausible (offsets, lengths, moffsets in or near range) and sometimes raw, and a
 * torn tail. When the pair opens, the replayed newest-wins table must equal one-by-one insertion
 * into the live index and, for small offsets, a per-sector brute-force replay; reads through a
 * stack with the pair on top must return the data file's bytes.
 */
class RwReplayFuzzTest {
    @FuzzTest
    void rw(byte[] input) {
        Budget.run(input.length, () -> check(new FuzzInput(input)));
    }

    static void check(FuzzInput in) {
        int dataSectors = in.consumeInt(0, 256);
        int dataFlags = in.consumeInt(0, 7) == 0 ? in.consumeInt(Integer.MIN_VALUE, Integer.MAX_VALUE) : 0x03;
        int indexFlags = in.consumeInt(0, 7) == 0 ? in.consumeInt(Integer.MIN_VALUE, Integer.MAX_VALUE) : 0x01;
        long indexOffset = in.consumeInt(0, 15) == 0 ? in.consumeLong() : 4096;
        long vsize = in.consumeInt(0, 3) == 0 ? in.consumeLong() : in.consumeLong(0, 1L << 23);
        byte[] dataFile = new byte[4096 + dataSectors * 512 + in.consumeInt(0, 3) * in.consumeInt(0, 511)];
        System.arraycopy(TestBlobs.header(dataFlags, 0, 0, vsize, "d"), 0, dataFile, 0, 4096);
        for (int i = 4096; i < dataFile.length; i++) dataFile[i] = (byte) (i * 31 + (i >>> 9));
        long e = dataFile.length / 512;

        ByteArrayOutputStream idx = new ByteArrayOutputStream();
        idx.writeBytes(TestBlobs.header(indexFlags, indexOffset, 0, vsize, "i"));
        int n = in.consumeInt(0, 256);
        for (int k = 0; k < n; k++) {
            int kind = in.consumeInt(0, 15);
            if (kind == 0) {
                idx.writeBytes(in.consumeBytes(16));
                continue;
            }
            if (kind == 1) {
                idx.writeBytes(TestBlobs.entry(TestBlobs.INVALID, in.consumeInt(0, 16383), in.consumeLong(0, 1L << 20), false, 0));
                continue;
            }
            long off = kind == 2 ? in.consumeLong(0, TestBlobs.INVALID - 1) : in.consumeLong(0, 2047);
            int len = kind == 3 ? in.consumeInt(0, 16383) : in.consumeInt(0, 64);
            boolean zeroed = in.consumeInt(0, 3) == 0;
            long mo = kind == 4 ? in.consumeLong(0, (1L << 55) - 1) : 8 + in.consumeLong(0, Math.max(0, e - 8 - len) + 1);
            idx.writeBytes(TestBlobs.entry(off, len, mo, zeroed, in.consumeInt(0, 255)));
        }
        idx.writeBytes(in.consumeBytes(in.consumeInt(0, 15)));
        byte[] indexFile = idx.toByteArray();
        boolean mapped = in.consumeBoolean();
        long inputBytes = dataFile.length + indexFile.length;

        try (Arena arena = Arena.ofConfined()) {
            SegmentSource data = SegmentSource.of(arena, "rw.data", dataFile, mapped);
            SegmentSource index = SegmentSource.of(arena, "rw.index", indexFile, mapped);
            RwLayerView view;
            try {
                view = RwLayerView.open(data, index);
            } catch (FormatException ex) {
                return;
            } catch (UsageException ex) {
                if ((dataFlags & 0x10) != 0 && (dataFlags & 1) != 0) {
                    return; // a sparse layer needs a local file; these sources have none
                }
                throw ex;
            }
            try (view) {
                MappingTable t = view.index();
                Budget.checkOwned("replayed table", t.ownedBytes(), inputBytes);
                checkTable(t);
                compareWithInsertion(t, indexFile, e);
                compareWithBruteForce(t, indexFile, e);
            }
            SegmentSource data2 = SegmentSource.of(arena, "rw.data", dataFile, mapped);
            SegmentSource index2 = SegmentSource.of(arena, "rw.index", indexFile, mapped);
            try (LayerStack stack = LayerStack.open(List.<ByteSource>of(), data2, index2)) {
                LsmtBlobFuzzTest.reads(stack, dataFile, new SplittableRandom(indexFile.length * 31L + dataFile.length));
            }
        }
    }

    private static void checkTable(MappingTable t) {
        long prevEnd = 0;
        for (long i = 0; i < t.count(); i++) {
            long lo = t.lo(i), hi = t.hi(i);
            if (SegmentMapping.offset(lo) < prevEnd || SegmentMapping.length(lo) == 0 || SegmentMapping.tag(hi) != 0) {
                throw new AssertionError("replayed table entry " + i + " " + SegmentMapping.toString(lo, hi)
                        + " is empty, tagged or overlaps the previous one (end " + prevEnd + ")");
            }
            prevEnd = SegmentMapping.end(lo);
        }
    }

    /** The live (valid, non-empty) entries of the log file in order: {lo[], hi[]} and their count. */
    private static Object[] live(byte[] indexFile) {
        ByteBuffer b = ByteBuffer.wrap(indexFile).order(ByteOrder.LITTLE_ENDIAN);
        int n = (indexFile.length - 4096) / 16;
        long[] lo = new long[n], hi = new long[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            long l = b.getLong(4096 + 16 * i), h = b.getLong(4096 + 16 * i + 8);
            if (SegmentMapping.offset(l) == SegmentMapping.INVALID_OFFSET || SegmentMapping.length(l) == 0) continue;
            lo[k] = l;
            hi[k] = h;
            k++;
        }
        return new Object[] {lo, hi, k};
    }

    private static void compareWithInsertion(MappingTable t, byte[] indexFile, long e) {
        Object[] l = live(indexFile);
        try (MappingTable want = LsmtFuzzAccess.insertOneByOne((long[]) l[0], (long[]) l[1], (int) l[2])) {
            if (want.count() != t.count()) {
                throw new AssertionError("replay has " + t.count() + " entries, one-by-one insertion " + want.count());
            }
            for (long i = 0; i < t.count(); i++) {
                if (want.lo(i) != t.lo(i) || want.hi(i) != t.hi(i)) {
                    throw new AssertionError("entry " + i + ": replay " + SegmentMapping.toString(t.lo(i), t.hi(i))
                            + ", insertion " + SegmentMapping.toString(want.lo(i), want.hi(i)));
                }
            }
        }
    }

    /** Sector by sector, newest entry wins, when every live entry lies below sector 4096. */
    private static void compareWithBruteForce(MappingTable t, byte[] indexFile, long e) {
        Object[] l = live(indexFile);
        long[] lo = (long[]) l[0], hi = (long[]) l[1];
        int n = (int) l[2];
        final int limit = 4096 + 16383;
        for (int i = 0; i < n; i++) {
            if (SegmentMapping.end(lo[i]) > limit) return;
        }
        long[] owner = new long[limit]; // 0 = hole, else (moffset of this sector + 1), negative for zeroed
        for (int i = 0; i < n; i++) {
            long off = SegmentMapping.offset(lo[i]);
            for (long s = off; s < SegmentMapping.end(lo[i]); s++) {
                owner[(int) s] = SegmentMapping.zeroed(hi[i]) ? -1 : SegmentMapping.moffset(hi[i]) + (s - off) + 1;
            }
        }
        long[] got = new long[limit];
        for (long i = 0; i < t.count(); i++) {
            long off = SegmentMapping.offset(t.lo(i));
            for (long s = off; s < SegmentMapping.end(t.lo(i)); s++) {
                got[(int) s] = SegmentMapping.zeroed(t.hi(i)) ? -1 : SegmentMapping.moffset(t.hi(i)) + (s - off) + 1;
            }
        }
        for (int s = 0; s < limit; s++) {
            if (owner[s] != got[s]) {
                throw new AssertionError("sector " + s + ": replay maps " + got[s] + ", brute force " + owner[s]);
            }
        }
    }
}
