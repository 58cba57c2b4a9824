package dev.obdj.lsmt;

import java.util.Arrays;

/**
 * The in-memory index of a writable layer: non-overlapping mappings ordered by offset, where an
 * insert wins over everything it covers (the reference's {@code Index0::insert}): a mapping
 * partly covered is cut (a cut-off front moves its moffset forward unless zeroed), one covered
 * in its middle is split in two, mappings fully covered are removed.
 *
 * <p>A treap whose nodes live in primitive arrays (no object per mapping): inserts and lookups
 * in O(log n) expected time. Not thread-safe; the writable layer guards it with its lock.
 */
final class LiveIndex {
    private static final int NIL = -1;

    private long[] lo = new long[64];
    private long[] hi = new long[64];
    private int[] left = new int[64];
    private int[] right = new int[64];
    private int[] prio = new int[64];
    private int used;      // nodes ever handed out
    private int free = NIL; // free list through left[]
    private int root = NIL;
    private long size;
    private int seed = 0x2545F491;
    // results of split()
    private int splitL, splitR;

    long size() { return size; }

    /** Inserts a mapping; length-0 mappings are ignored. */
    void insert(long mlo, long mhi) {
        long off = SegmentMapping.offset(mlo);
        long end = SegmentMapping.end(mlo);
        if (end == off) {
            return;
        }
        split(root, off);
        int l = splitL, r = splitR;
        int rightPiece = NIL;
        int m = max(l);
        if (m != NIL && SegmentMapping.end(lo[m]) > off) {
            long mEnd = SegmentMapping.end(lo[m]);
            if (mEnd > end) {
                rightPiece = node(cutFront(lo[m], hi[m], end), shiftFront(lo[m], hi[m], end));
                size++;
            }
            long mOff = SegmentMapping.offset(lo[m]);
            lo[m] = SegmentMapping.lo(mOff, (int) (off - mOff));
        }
        split(r, end);
        int covered = splitL, rest = splitR;
        int mm = max(covered);
        if (mm != NIL && SegmentMapping.end(lo[mm]) > end) {
            int piece = node(cutFront(lo[mm], hi[mm], end), shiftFront(lo[mm], hi[mm], end));
            size++;
            rest = merge(piece, rest);
        }
        release(covered);
        int n = node(mlo, mhi);
        size++;
        root = merge(merge(l, n), merge(rightPiece, rest));
    }

    /** The lo word of the part of a mapping from {@code at} (inside it) to its end. */
    private static long cutFront(long mlo, long mhi, long at) {
        return SegmentMapping.lo(at, (int) (SegmentMapping.end(mlo) - at));
    }

    private static long shiftFront(long mlo, long mhi, long at) {
        if (SegmentMapping.zeroed(mhi)) {
            return mhi;
        }
        long delta = at - SegmentMapping.offset(mlo);
        return SegmentMapping.hi(SegmentMapping.moffset(mhi) + delta, false, SegmentMapping.tag(mhi));
    }

    /** Node of the first mapping whose end is greater than {@code sector}, or -1. */
    int firstEndingAfter(long sector) {
        int cand = NIL;
        int t = root;
        while (t != NIL) {
            if (SegmentMapping.end(lo[t]) > sector) {
                cand = t;
                t = left[t];
            } else {
                t = right[t];
            }
        }
        return cand;
    }

    long lo(int node) { return lo[node]; }

    long hi(int node) { return hi[node]; }

    /** The mappings in order, as a table. */
    MappingTable toTable() {
        MappingTable.Builder b = new MappingTable.Builder(Math.max(1, size));
        int[] stack = new int[64];
        int sp = 0;
        int t = root;
        while (t != NIL || sp > 0) {
            while (t != NIL) {
                if (sp == stack.length) stack = Arrays.copyOf(stack, sp * 2);
                stack[sp++] = t;
                t = left[t];
            }
            t = stack[--sp];
            b.add(lo[t], hi[t]);
            t = right[t];
        }
        return b.build();
    }

    /** Splits {@code t} into offsets {@code < key} (splitL) and {@code >= key} (splitR). */
    private void split(int t, long key) {
        if (t == NIL) {
            splitL = splitR = NIL;
            return;
        }
        if (SegmentMapping.offset(lo[t]) < key) {
            split(right[t], key);
            right[t] = splitL;
            splitL = t;
        } else {
            split(left[t], key);
            left[t] = splitR;
            splitR = t;
        }
    }

    private int merge(int a, int b) {
        if (a == NIL) return b;
        if (b == NIL) return a;
        if (prio[a] > prio[b]) {
            right[a] = merge(right[a], b);
            return a;
        }
        left[b] = merge(a, left[b]);
        return b;
    }

    private int max(int t) {
        if (t == NIL) return NIL;
        while (right[t] != NIL) t = right[t];
        return t;
    }

    private void release(int t) {
        if (t == NIL) return;
        release(left[t]);
        release(right[t]);
        left[t] = free;
        free = t;
        size--;
    }

    private int node(long mlo, long mhi) {
        int n;
        if (free != NIL) {
            n = free;
            free = left[n];
        } else {
            if (used == lo.length) {
                int cap = used * 2;
                lo = Arrays.copyOf(lo, cap);
                hi = Arrays.copyOf(hi, cap);
                left = Arrays.copyOf(left, cap);
                right = Arrays.copyOf(right, cap);
                prio = Arrays.copyOf(prio, cap);
            }
            n = used++;
        }
        lo[n] = mlo;
        hi[n] = mhi;
        left[n] = right[n] = NIL;
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        prio[n] = seed;
        return n;
    }
}
