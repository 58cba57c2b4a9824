package dev.obdj.lsmt;

/**
 * Turns an RW index log (entries in write order, later ones win) into the sorted,
 * non-overlapping "newest wins" table, equal to what the reference's one-by-one insertion
 * produces: an older mapping is cut where newer ones cover it, a cut-off front moves its moffset
 * forward (unless zeroed), and pieces of one entry are never split where nothing covers them.
 *
 * <p>A sweep over entry starts with a max-heap on write order: O(n log n), 20 bytes of primitive
 * arrays per entry, no object per entry.
 */
final class RwReplay {
    private RwReplay() {}

    /**
     * @param lo    lo words of the log's live entries in write order (invalid and empty ones removed)
     * @param hi    hi words, same order
     * @param count number of entries
     */
    static MappingTable replay(long[] lo, long[] hi, int count) {
        int[] ord = new int[count];
        long[] start = new long[count];
        for (int i = 0; i < count; i++) {
            ord[i] = i;
            start[i] = SegmentMapping.offset(lo[i]);
        }
        stableSortByStart(ord, start);
        MappingTable.Builder out = new MappingTable.Builder(count);
        int[] heap = new int[Math.max(1, count)];
        int hn = 0;
        int p = 0;
        long x = 0;
        int lastEntry = -1;
        while (p < count || hn > 0) {
            if (hn == 0) {
                x = start[ord[p]];
            }
            while (p < count && start[ord[p]] <= x) {
                hn = push(heap, hn, ord[p++]);
            }
            while (hn > 0 && SegmentMapping.end(lo[heap[0]]) <= x) {
                hn = pop(heap, hn);
            }
            if (hn == 0) {
                continue;
            }
            int t = heap[0];
            long nb = SegmentMapping.end(lo[t]);
            if (p < count) {
                nb = Math.min(nb, start[ord[p]]);
            }
            if (lastEntry == t && SegmentMapping.end(out.lo(out.count() - 1)) == x) {
                long plo = out.lo(out.count() - 1);
                out.set(out.count() - 1, SegmentMapping.lo(SegmentMapping.offset(plo),
                        (int) (nb - SegmentMapping.offset(plo))), out.hi(out.count() - 1));
            } else {
                long h = hi[t];
                long m = SegmentMapping.zeroed(h) ? SegmentMapping.moffset(h)
                        : SegmentMapping.moffset(h) + (x - start[t]);
                out.add(SegmentMapping.lo(x, (int) (nb - x)), SegmentMapping.hi(m, SegmentMapping.zeroed(h), 0));
                lastEntry = t;
            }
            x = nb;
        }
        return out.build();
    }

    private static int push(int[] heap, int n, int v) {
        int i = n++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] >= v) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
        return n;
    }

    private static int pop(int[] heap, int n) {
        int v = heap[--n];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= n) {
                break;
            }
            if (c + 1 < n && heap[c + 1] > heap[c]) {
                c++;
            }
            if (heap[c] <= v) {
                break;
            }
            heap[i] = heap[c];
            i = c;
        }
        if (n > 0) {
            heap[i] = v;
        }
        return n;
    }

    /** Bottom-up merge sort of indices by key; stable, so equal starts stay in write order. */
    private static void stableSortByStart(int[] a, long[] key) {
        int n = a.length;
        int[] tmp = new int[n];
        int[] src = a, dst = tmp;
        for (int w = 1; w < n; w <<= 1) {
            for (int lo = 0; lo < n; lo += 2 * w) {
                int mid = Math.min(lo + w, n), hi = Math.min(lo + 2 * w, n);
                int i = lo, j = mid, k = lo;
                while (i < mid && j < hi) {
                    dst[k++] = key[src[j]] < key[src[i]] ? src[j++] : src[i++];
                }
                while (i < mid) dst[k++] = src[i++];
                while (j < hi) dst[k++] = src[j++];
            }
            int[] s = src;
            src = dst;
            dst = s;
        }
        if (src != a) {
            System.arraycopy(src, 0, a, 0, n);
        }
    }
}
