package dev.obdj.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.obdj.UsageException;
import dev.obdj.lookup.LookupPath;
import dev.obdj.lookup.Lookups;
import dev.obdj.lookup.RangeLookup;
import dev.obdj.lookup.SegmentLookup;
import dev.obdj.lsmt.SegmentMapping;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Target 5: the lookup differential. A sorted, non-overlapping index built from fuzzed gaps and
 * lengths (small, near the 32-bit key limit, or anywhere up to 2^50), searched by every path: the
 * Vector API B+tree at 512 and 256 bits, the scalar B+tree and binary search, single and batched,
 * plus the range lookup on top. All must equal a linear scan, for fuzzed sectors and for every
 * mapping boundary.
 */
class LookupFuzzTest {
    private static final List<LookupPath> PATHS = usablePaths();

    /**
     * No allocation budget here: the index is the harness's, not a file's, and the Vector API
     * allocates freely until C2 has compiled it.
     */
    @FuzzTest
    void lookup(byte[] input) {
        check(new FuzzInput(input));
    }

    private static List<LookupPath> usablePaths() {
        List<LookupPath> paths = new ArrayList<>();
        MemorySegment one = Arena.global().allocate(16, 16);
        SegmentMapping.put(one, 0, SegmentMapping.lo(1, 1), 0);
        for (LookupPath p : LookupPath.values()) {
            try {
                Lookups.forEntries(one, 1, p).close();
                paths.add(p);
            } catch (UsageException e) {
                // the Vector API is not usable in this JVM: compare the paths that are
            }
        }
        return List.copyOf(paths);
    }

    static void check(FuzzInput in) {
        int n = in.consumeInt(0, 3000);
        long[] lo = new long[n];
        long[] hi = new long[n];
        long at = switch (in.consumeInt(0, 3)) {
            case 0 -> 0xFFFF_FFFFL - in.consumeLong(0, 70_000); // around the 32-bit key limit
            case 1 -> in.consumeLong(0, SegmentMapping.MAX_OFFSET);
            default -> in.consumeLong(0, 1000);
        };
        int count = 0;
        for (int i = 0; i < n; i++) {
            int mode = in.consumeInt(0, 7);
            long gap = mode == 0 ? in.consumeLong(0, 1L << 40) : mode < 4 ? 0 : in.consumeLong(0, 64);
            int len = mode == 1 ? 0 : mode == 2 ? in.consumeInt(0, SegmentMapping.MAX_LENGTH) : in.consumeInt(0, 16);
            long off = at + gap;
            if (off + len >= SegmentMapping.MAX_OFFSET || off < 0) {
                break;
            }
            lo[count] = SegmentMapping.lo(off, len);
            hi[count] = SegmentMapping.hi(in.consumeLong(0, 1000), in.consumeBoolean(), 0);
            count++;
            at = off + len;
        }
        long[] queries = queries(in, lo, count);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = arena.allocate(Math.max(16, 16L * count), 64);
            for (int i = 0; i < count; i++) {
                SegmentMapping.put(entries, i, lo[i], hi[i]);
            }
            long[] want = new long[queries.length];
            for (int q = 0; q < queries.length; q++) {
                want[q] = linear(lo, count, queries[q]);
            }
            long[] got = new long[queries.length];
            long[] rangeWant = null;
            for (LookupPath p : PATHS) {
                try (SegmentLookup l = Lookups.forEntries(entries, count, p)) {
                    for (int q = 0; q < queries.length; q++) {
                        long g = l.firstEndingAfter(queries[q]);
                        if (g != want[q]) {
                            throw new AssertionError(l.name() + ": firstEndingAfter(" + queries[q] + ") = " + g
                                    + ", linear scan says " + want[q] + " (" + count + " entries)");
                        }
                    }
                    Arrays.fill(got, -1);
                    l.firstEndingAfter(queries, queries.length, got);
                    for (int q = 0; q < queries.length; q++) {
                        if (got[q] != want[q]) {
                            throw new AssertionError(l.name() + ": batched firstEndingAfter(" + queries[q] + ") = "
                                    + got[q] + ", linear scan says " + want[q] + " (" + count + " entries)");
                        }
                    }
                    long[] ranges = ranges(l, entries, count, queries);
                    if (rangeWant == null) {
                        rangeWant = ranges;
                    } else if (!Arrays.equals(ranges, rangeWant)) {
                        throw new AssertionError(l.name() + ": range lookups differ from " + PATHS.get(0));
                    }
                }
            }
        }
    }

    /** Fuzzed sectors, then each mapping's edges and the extremes. */
    private static long[] queries(FuzzInput in, long[] lo, int count) {
        int fuzzed = in.consumeInt(0, 64);
        int edges = Math.min(count, 512);
        long[] q = new long[fuzzed + 6 * edges + 8];
        int k = 0;
        for (int i = 0; i < fuzzed; i++) {
            q[k++] = in.consumeLong();
        }
        for (int i = 0; i < edges; i++) {
            int e = count <= 512 ? i : (int) ((long) i * count / 512);
            long off = SegmentMapping.offset(lo[e]), end = SegmentMapping.end(lo[e]);
            q[k++] = off - 1;
            q[k++] = off;
            q[k++] = off + 1;
            q[k++] = end - 1;
            q[k++] = end;
            q[k++] = end + 1;
        }
        long[] extremes = {Long.MIN_VALUE, -1, 0, 0xFFFF_FFFEL, 0xFFFF_FFFFL, 0x1_0000_0000L, SegmentMapping.MAX_OFFSET, Long.MAX_VALUE};
        for (long x : extremes) q[k++] = x;
        return q;
    }

    private static long linear(long[] lo, int count, long x) {
        for (int i = 0; i < count; i++) {
            if (SegmentMapping.end(lo[i]) > x) return i;
        }
        return count;
    }

    /** The range lookup at each query (as a start sector) over a few lengths, flattened. */
    private static long[] ranges(SegmentLookup l, MemorySegment entries, int count, long[] queries) {
        long[] out = new long[2 * 8];
        long[] all = new long[queries.length * 3 * (1 + 16)];
        int k = 0;
        for (long x : queries) {
            if (x < 0 || x > SegmentMapping.MAX_OFFSET) continue;
            for (long len : new long[] {1, 7, 5000}) {
                int m = RangeLookup.lookup(l, entries, count, x, len, out, 8);
                all[k++] = m;
                for (int i = 0; i < 2 * m; i++) all[k++] = out[i];
            }
        }
        return Arrays.copyOf(all, k);
    }
}
