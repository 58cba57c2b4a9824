package dev.obdj.lsmt;

import java.util.Arrays;

/**
 * The in-memory index of a writable layer: non-overlapping mappings ordered by offset, where an
 * insert wins over everything it covers (the reference's {@code Index0::insert}): a mapping
 * partly covered is cut (a cut-off front moves its moffset forward unless zeroed), one covered
 * in its middle is split in two, mappings fully covered are removed.
 *
 * <p>A treap whose nodes live packed in one primitive array (no object per mapping): inserts and
 * lookups in O(log n) expected time. Not thread-safe; the writable layer guards it with its lock.
 */
final class LiveIndex {
    private static final int NIL = -1;

    // node n lives in nodes[4n .. 4n+3]: lo, hi, children (left << 32 | right), priority; one
    // node is one 32-byte run, so a descent touches one cache line per level
    private long[] nodes = new long[4 * 64];
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
        // fast paths, one descent each: the same range written again, or a range over nothing
        int t = firstEndingAfter(off);
        if (t != NIL && SegmentMapping.offset(lo0(t)) == off && SegmentMapping.end(lo0(t)) == end) {
            setLo(t, mlo);
            setHi(t, mhi);
            return;
        }
        if (t == NIL || SegmentMapping.offset(lo0(t)) >= end) {
            root = insertDisjoint(root, node(mlo, mhi));
            size++;
            return;
        }
        split(root, off);
        int l = splitL, r = splitR;
        int rightPiece = NIL;
        int m = max(l);
        if (m != NIL && SegmentMapping.end(lo0(m)) > off) {
            long mEnd = SegmentMapping.end(lo0(m));
            if (mEnd > end) {
                rightPiece = node(cutFront(lo0(m), hi0(m), end), shiftFront(lo0(m), hi0(m), end));
                size++;
            }
            long mOff = SegmentMapping.offset(lo0(m));
            setLo(m, SegmentMapping.lo(mOff, (int) (off - mOff)));
        }
        split(r, end);
        int covered = splitL, rest = splitR;
        int mm = max(covered);
        if (mm != NIL && SegmentMapping.end(lo0(mm)) > end) {
            int piece = node(cutFront(lo0(mm), hi0(mm), end), shiftFront(lo0(mm), hi0(mm), end));
            size++;
            rest = merge(piece, rest);
        }
        release(covered);
        int n = node(mlo, mhi);
        size++;
        root = merge(merge(l, n), merge(rightPiece, rest));
    }

    /** Treap insert of node {@code n}, which overlaps nothing in {@code t}. */
    private int insertDisjoint(int t, int n) {
        if (t == NIL) {
            return n;
        }
        if (prio(n) > prio(t)) {
            split(t, SegmentMapping.offset(lo0(n)));
            setLeft(n, splitL);
            setRight(n, splitR);
            return n;
        }
        if (SegmentMapping.offset(lo0(n)) < SegmentMapping.offset(lo0(t))) {
            setLeft(t, insertDisjoint(left(t), n));
        } else {
            setRight(t, insertDisjoint(right(t), n));
        }
        return t;
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
            if (SegmentMapping.end(lo0(t)) > sector) {
                cand = t;
                t = left(t);
            } else {
                t = right(t);
            }
        }
        return cand;
    }

    long lo(int node) { return lo0(node); }

    long hi(int node) { return hi0(node); }

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
                t = left(t);
            }
            t = stack[--sp];
            b.add(lo0(t), hi0(t));
            t = right(t);
        }
        return b.build();
    }

    /** Splits {@code t} into offsets {@code < key} (splitL) and {@code >= key} (splitR). */
    private void split(int t, long key) {
        if (t == NIL) {
            splitL = splitR = NIL;
            return;
        }
        if (SegmentMapping.offset(lo0(t)) < key) {
            split(right(t), key);
            setRight(t, splitL);
            splitL = t;
        } else {
            split(left(t), key);
            setLeft(t, splitR);
            splitR = t;
        }
    }

    private int merge(int a, int b) {
        if (a == NIL) return b;
        if (b == NIL) return a;
        if (prio(a) > prio(b)) {
            setRight(a, merge(right(a), b));
            return a;
        }
        setLeft(b, merge(a, left(b)));
        return b;
    }

    private int max(int t) {
        if (t == NIL) return NIL;
        while (right(t) != NIL) t = right(t);
        return t;
    }

    private void release(int t) {
        if (t == NIL) return;
        release(left(t));
        release(right(t));
        setLeft(t, free);
        free = t;
        size--;
    }

    private int node(long mlo, long mhi) {
        int n;
        if (free != NIL) {
            n = free;
            free = left(n);
        } else {
            if ((used << 2) == nodes.length) {
                nodes = Arrays.copyOf(nodes, nodes.length * 2);
            }
            n = used++;
        }
        setLo(n, mlo);
        setHi(n, mhi);
        nodes[(n << 2) + 2] = -1L; // both children NIL
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        nodes[(n << 2) + 3] = seed;
        return n;
    }

    private long lo0(int n) { return nodes[n << 2]; }

    private void setLo(int n, long v) { nodes[n << 2] = v; }

    private long hi0(int n) { return nodes[(n << 2) + 1]; }

    private void setHi(int n, long v) { nodes[(n << 2) + 1] = v; }

    private int left(int n) { return (int) (nodes[(n << 2) + 2] >> 32); }

    private int right(int n) { return (int) nodes[(n << 2) + 2]; }

    private void setLeft(int n, int c) {
        int i = (n << 2) + 2;
        nodes[i] = ((long) c << 32) | (nodes[i] & 0xFFFFFFFFL);
    }

    private void setRight(int n, int c) {
        int i = (n << 2) + 2;
        nodes[i] = (nodes[i] & 0xFFFFFFFF00000000L) | (c & 0xFFFFFFFFL);
    }

    private long prio(int n) { return nodes[(n << 2) + 3]; }
}
