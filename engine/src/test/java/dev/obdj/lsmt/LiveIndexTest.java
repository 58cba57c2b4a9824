package dev.obdj.lsmt;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The two newest-wins implementations (the treap used by writable layers and the sweep used to
 * replay a log at open) against each other and against a per-sector model of the log.
 */
class LiveIndexTest {

    @Property(tries = 200)
    void treapSweepAndModelAgree(@ForAll long seed, @ForAll @IntRange(min = 0, max = 400) int n) {
        Random r = new Random(seed);
        int space = 64 + r.nextInt(4000);
        long[] lo = new long[n], hi = new long[n];
        long[] modelMoff = new long[space];   // per sector: moffset of the winning entry's sector, -1 none
        boolean[] modelZero = new boolean[space];
        java.util.Arrays.fill(modelMoff, -1);
        LiveIndex live = new LiveIndex();
        for (int i = 0; i < n; i++) {
            int len = 1 + r.nextInt(r.nextInt(8) == 0 ? space : 48);
            len = Math.min(len, space);
            int off = r.nextInt(space - len + 1);
            boolean z = r.nextInt(4) == 0;
            long m = 8 + r.nextInt(100000);
            lo[i] = SegmentMapping.lo(off, len);
            hi[i] = SegmentMapping.hi(m, z, 0);
            live.insert(lo[i], hi[i]);
            for (int s = 0; s < len; s++) {
                modelMoff[off + s] = z ? m : m + s;
                modelZero[off + s] = z;
            }
        }
        try (MappingTable a = live.toTable(); MappingTable b = RwReplay.replay(lo, hi, n)) {
            assertEquals(b.count(), a.count(), "entry count");
            assertEquals(a.count(), live.size(), "size");
            for (long i = 0; i < a.count(); i++) {
                assertEquals(SegmentMapping.toString(b.lo(i), b.hi(i)), SegmentMapping.toString(a.lo(i), a.hi(i)), "entry " + i);
            }
            long covered = 0;
            for (long i = 0; i < a.count(); i++) {
                long off = a.offset(i);
                int len = SegmentMapping.length(a.lo(i));
                boolean z = SegmentMapping.zeroed(a.hi(i));
                long m = SegmentMapping.moffset(a.hi(i));
                if (i > 0) {
                    assertEquals(true, a.end(i - 1) <= off, "sorted and disjoint");
                }
                for (int s = 0; s < len; s++) {
                    assertEquals(modelZero[(int) off + s], z, "zeroed at sector " + (off + s));
                    assertEquals(modelMoff[(int) off + s], z ? m : m + s, "moffset at sector " + (off + s));
                }
                covered += len;
            }
            long want = java.util.Arrays.stream(modelMoff).filter(x -> x >= 0).count();
            assertEquals(want, covered, "sectors covered");
            // lookups agree with a scan
            for (int k = 0; k < 50; k++) {
                long x = r.nextInt(space + 10);
                int node = live.firstEndingAfter(x);
                long idx = 0;
                while (idx < a.count() && a.end(idx) <= x) idx++;
                if (idx == a.count()) {
                    assertEquals(-1, node);
                } else {
                    assertEquals(a.lo(idx), live.lo(node));
                }
            }
        }
    }
}
