package dev.obdj.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;
import dev.obdj.lsmt.LayerStack;
import dev.obdj.lsmt.MappingTable;
import dev.obdj.lsmt.SealedLayer;
import dev.obdj.lsmt.SegmentMapping;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Target 1: a whole LSMT blob (header, data, index, trailer) from fuzz bytes. Opened mapped and
 * streamed (the two index loaders must agree); when it opens, its index must be sorted,
 * non-overlapping and inside the data section, and reads through a one-layer stack must return
 * exactly the file's bytes for data mappings and zeros elsewhere.
 */
class LsmtBlobFuzzTest {
    static final long MAX_READ = 1 << 20;
    private static final MemorySegment DST = Arena.global().allocate(MAX_READ, 4096);

    @FuzzTest
    void blob(byte[] data) {
        Budget.run(data.length, () -> check(data));
    }

    static void check(byte[] data) {
        try (Arena arena = Arena.ofConfined()) {
            String mapped = open(arena, data, true);
            String streamed = open(arena, data, false);
            if (!mapped.equals(streamed)) {
                throw new AssertionError("mapped and streamed opens disagree:\n  mapped:   " + mapped + "\n  streamed: " + streamed);
            }
        }
    }

    /** Opens the blob and checks it; returns a summary of the outcome to compare between modes. */
    private static String open(Arena arena, byte[] data, boolean mapped) {
        SegmentSource src = SegmentSource.of(arena, mapped ? "mapped.lsmt" : "streamed.lsmt", data, mapped);
        LayerStack stack;
        try {
            stack = LayerStack.open(List.<ByteSource>of(src), null, null);
        } catch (FormatException e) {
            if (!src.isClosed()) {
                throw new AssertionError("a failed open left the source open");
            }
            return "FormatException " + e.field();
        }
        try (stack) {
            SealedLayer layer = stack.lowers().get(0);
            MappingTable t = layer.index();
            Budget.checkOwned("index", t.ownedBytes(), data.length);
            long e = layer.trailer().indexOffset() / 512;
            long prevEnd = 0;
            StringBuilder sum = new StringBuilder("opened vsize=" + stack.virtualSize() + " entries=" + t.count());
            long hash = 0;
            for (long i = 0; i < t.count(); i++) {
                long lo = t.lo(i), hi = t.hi(i);
                long off = SegmentMapping.offset(lo);
                if (off < prevEnd || off == SegmentMapping.INVALID_OFFSET) {
                    throw new AssertionError("index[" + i + "] " + SegmentMapping.toString(lo, hi) + " out of order");
                }
                if (SegmentMapping.tag(hi) != 0) {
                    throw new AssertionError("index[" + i + "] keeps its stored tag");
                }
                long m = SegmentMapping.moffset(hi);
                if (!SegmentMapping.zeroed(hi) && (m < 8 || m + SegmentMapping.length(lo) > e)) {
                    throw new AssertionError("index[" + i + "] " + SegmentMapping.toString(lo, hi) + " outside the data section");
                }
                prevEnd = SegmentMapping.end(lo);
                hash = hash * 31 + lo * 17 + hi;
            }
            sum.append(" hash=").append(hash);
            reads(stack, data, new SplittableRandom(hash ^ data.length));
            return sum.toString();
        }
    }

    /** Reads around the first mappings and at random places, comparing with the file's bytes. */
    static void reads(LayerStack stack, byte[] file, SplittableRandom r) {
        long vsize = stack.virtualSize();
        if (vsize <= 0) {
            return;
        }
        MappingTable t = stack.index();
        long n = Math.min(t.count(), 32);
        for (long i = 0; i < n; i++) {
            long lo = t.lo(i);
            long from = Math.max(0, (SegmentMapping.offset(lo) << 9) - r.nextInt(1024));
            long to = Math.min(vsize, (SegmentMapping.end(lo) << 9) + r.nextInt(1024));
            if (from < to) {
                readAndCompare(stack, file, from, Math.min(to - from, MAX_READ));
            }
        }
        for (int k = 0; k < 4; k++) {
            long from = r.nextLong(vsize);
            long len = Math.min(vsize - from, r.nextLong(1, 70_000));
            readAndCompare(stack, file, from, len);
        }
    }

    /** Reads [from, from+len) and checks every byte against the index and the file. */
    static void readAndCompare(LayerStack stack, byte[] file, long from, long len) {
        DST.asSlice(0, len).fill((byte) 0x5A);
        stack.read(from, DST, 0, len);
        MappingTable t = stack.index();
        long end = from + len;
        long pos = from;
        for (long i = stack.lookup().firstEndingAfter(from >>> 9); i < t.count() && pos < end; i++) {
            long lo = t.lo(i), hi = t.hi(i);
            long ms = SegmentMapping.offset(lo) << 9;
            if (ms >= end) {
                break;
            }
            if (ms > pos) {
                expectZeros(pos - from, ms - pos, from);
                pos = ms;
            }
            long take = Math.min(SegmentMapping.end(lo) << 9, end) - pos;
            if (take <= 0) {
                continue;
            }
            if (SegmentMapping.zeroed(hi)) {
                expectZeros(pos - from, take, from);
            } else {
                long at = (SegmentMapping.moffset(hi) << 9) + (pos - ms);
                if (at < 0 || at + take > file.length) {
                    throw new AssertionError("mapping " + SegmentMapping.toString(lo, hi) + " reads [" + at + ", "
                            + (at + take) + ") of a " + file.length + "-byte file");
                }
                long mis = MemorySegment.mismatch(DST, pos - from, pos - from + take,
                        MemorySegment.ofArray(file), at, at + take);
                if (mis >= 0) {
                    throw new AssertionError("read at " + (pos + mis) + " differs from the file byte at " + (at + mis));
                }
            }
            pos += take;
        }
        if (pos < end) {
            expectZeros(pos - from, end - pos, from);
        }
    }

    private static void expectZeros(long at, long n, long base) {
        for (long k = 0; k < n; k++) {
            if (DST.get(ValueLayout.JAVA_BYTE, at + k) != 0) {
                throw new AssertionError("byte " + (base + at + k) + " of a hole or zeroed range is not zero");
            }
        }
    }
}
