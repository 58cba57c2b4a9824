package dev.obdj.lookup;

import java.lang.foreign.MemorySegment;

import static dev.obdj.lookup.LinearizedBptree.KEY32;
import static dev.obdj.lookup.LinearizedBptree.KEY64;

/**
 * The plain-Java node search ("loop + bitmask"): bit {@code i} of a mask is set when key
 * {@code i <= x}, and the count is its popcount. Always available; the fallback of every
 * vector path.
 */
final class ScalarTreeSearch implements TreeSearch {
    static final ScalarTreeSearch INSTANCE = new ScalarTreeSearch();

    private ScalarTreeSearch() {}

    static int node32(MemorySegment t, long off, int x) {
        int mask = 0;
        for (int i = 0; i < 16; i++) {
            mask |= (Integer.compareUnsigned(t.get(KEY32, off + ((long) i << 2)), x) <= 0 ? 1 : 0) << i;
        }
        return Integer.bitCount(mask);
    }

    static int node64(MemorySegment t, long off, long x) {
        int mask = 0;
        for (int i = 0; i < 8; i++) {
            mask |= (Long.compareUnsigned(t.get(KEY64, off + ((long) i << 3)), x) <= 0 ? 1 : 0) << i;
        }
        return Integer.bitCount(mask);
    }

    @Override
    public int window32(MemorySegment t, long off, int x) {
        return node32(t, off, x);
    }

    @Override
    public int window64(MemorySegment t, long off, long x) {
        return node64(t, off, x);
    }

    @Override
    public long rank32(MemorySegment t, long[] levelBase, int x) {
        int leaf = levelBase.length - 1;
        long node = 0;
        for (int l = 0; l < leaf; l++) {
            node = node * 17 + node32(t, levelBase[l] + (node << 6), x);
        }
        return (node << 4) + node32(t, levelBase[leaf] + (node << 6), x);
    }

    @Override
    public long rank64(MemorySegment t, long[] levelBase, long x) {
        int leaf = levelBase.length - 1;
        long node = 0;
        for (int l = 0; l < leaf; l++) {
            node = node * 9 + node64(t, levelBase[l] + (node << 6), x);
        }
        return (node << 3) + node64(t, levelBase[leaf] + (node << 6), x);
    }

    @Override
    public void rank32(MemorySegment t, long[] levelBase, long[] xs, int n, long max, long[] out) {
        int leaf = levelBase.length - 1;
        for (int g = 0; g < n; g += GROUP) {
            int e = Math.min(g + GROUP, n);
            for (int i = g; i < e; i++) {
                out[i] = 0;
            }
            for (int l = 0; l < leaf; l++) {
                long b = levelBase[l];
                for (int i = g; i < e; i++) {
                    long node = out[i];
                    out[i] = node * 17 + node32(t, b + (node << 6), TreeSearch.narrow(xs[i], max));
                }
            }
            long b = levelBase[leaf];
            for (int i = g; i < e; i++) {
                long node = out[i];
                long x = xs[i];
                out[i] = x < 0 ? 0 : (node << 4) + node32(t, b + (node << 6), TreeSearch.narrow(x, max));
            }
        }
    }

    @Override
    public void rank64(MemorySegment t, long[] levelBase, long[] xs, int n, long[] out) {
        int leaf = levelBase.length - 1;
        for (int g = 0; g < n; g += GROUP) {
            int e = Math.min(g + GROUP, n);
            for (int i = g; i < e; i++) {
                out[i] = 0;
            }
            for (int l = 0; l < leaf; l++) {
                long b = levelBase[l];
                for (int i = g; i < e; i++) {
                    long node = out[i];
                    out[i] = node * 9 + node64(t, b + (node << 6), Math.max(xs[i], 0));
                }
            }
            long b = levelBase[leaf];
            for (int i = g; i < e; i++) {
                long node = out[i];
                long x = xs[i];
                out[i] = x < 0 ? 0 : (node << 3) + node64(t, b + (node << 6), x);
            }
        }
    }

    @Override
    public LookupPath path() {
        return LookupPath.SCALAR;
    }
}
