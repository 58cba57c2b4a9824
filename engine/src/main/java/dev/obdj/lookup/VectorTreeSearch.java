package dev.obdj.lookup;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.ULE;

/**
 * The Vector API node search: broadcast the key once, load the 64-byte node, one unsigned
 * {@code key <= x} compare, count the mask's bits. {@link W512} does a node in one 512-bit
 * compare; {@link W256} in two 256-bit ones for machines whose widest fast vectors are AVX2.
 * The species are constants so the JIT compiles each to straight vector instructions.
 *
 * <p>The batched forms walk {@link TreeSearch#GROUP} searches level by level with every node
 * index in a local (no array round trip between levels), so the group's loads are independent
 * and their cache misses overlap. The 8-way group is written out by hand: the JIT keeps locals
 * in registers, an array of eight it would not.
 */
final class VectorTreeSearch {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private VectorTreeSearch() {}

    /** One 512-bit compare per node. */
    static final class W512 implements TreeSearch {
        static final W512 INSTANCE = new W512();
        private static final VectorSpecies<Integer> I = VectorConstants.INT_512;
        private static final VectorSpecies<Long> L = VectorConstants.LONG_512;

        private W512() {}

        /** Keys of the node at byte {@code off} that are {@code <= x} (unsigned), 16 u32 keys. */
        static int node(MemorySegment t, long off, IntVector x) {
            return IntVector.fromMemorySegment(I, t, off, NATIVE).compare(ULE, x).trueCount();
        }

        /** The same over 8 u64 keys. */
        static int node(MemorySegment t, long off, LongVector x) {
            return LongVector.fromMemorySegment(L, t, off, NATIVE).compare(ULE, x).trueCount();
        }

        @Override
        public int window32(MemorySegment t, long off, int x) {
            return node(t, off, IntVector.broadcast(I, x));
        }

        @Override
        public int window64(MemorySegment t, long off, long x) {
            return node(t, off, LongVector.broadcast(L, x));
        }

        @Override
        public long rank32(MemorySegment t, long[] levelBase, int x) {
            IntVector v = IntVector.broadcast(I, x);
            int leaf = levelBase.length - 1;
            long node = 0;
            for (int l = 0; l < leaf; l++) {
                node = node * 17 + node(t, levelBase[l] + (node << 6), v);
            }
            return (node << 4) + node(t, levelBase[leaf] + (node << 6), v);
        }

        @Override
        public long rank64(MemorySegment t, long[] levelBase, long x) {
            LongVector v = LongVector.broadcast(L, x);
            int leaf = levelBase.length - 1;
            long node = 0;
            for (int l = 0; l < leaf; l++) {
                node = node * 9 + node(t, levelBase[l] + (node << 6), v);
            }
            return (node << 3) + node(t, levelBase[leaf] + (node << 6), v);
        }

        @Override
        public void rank32(MemorySegment t, long[] levelBase, long[] xs, int n, long max, long[] out) {
            int i = 0;
            for (; i <= n - GROUP; i += GROUP) {
                group32(t, levelBase, xs, i, max, out);
            }
            for (; i < n; i++) {
                out[i] = xs[i] < 0 ? 0 : rank32(t, levelBase, TreeSearch.narrow(xs[i], max));
            }
        }

        @Override
        public void rank64(MemorySegment t, long[] levelBase, long[] xs, int n, long[] out) {
            int i = 0;
            for (; i <= n - GROUP; i += GROUP) {
                group64(t, levelBase, xs, i, out);
            }
            for (; i < n; i++) {
                out[i] = xs[i] < 0 ? 0 : rank64(t, levelBase, Math.max(xs[i], 0));
            }
        }

        /** {@code out[i + j]} for {@code j < GROUP}: eight descents in step, level by level, all in registers. */
        private static void group32(MemorySegment t, long[] levelBase, long[] xs, int i, long max, long[] out) {
            IntVector v0 = IntVector.broadcast(I, TreeSearch.narrow(xs[i], max));
            IntVector v1 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 1], max));
            IntVector v2 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 2], max));
            IntVector v3 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 3], max));
            IntVector v4 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 4], max));
            IntVector v5 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 5], max));
            IntVector v6 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 6], max));
            IntVector v7 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 7], max));
            long n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, n6 = 0, n7 = 0;
            int leaf = levelBase.length - 1;
            for (int l = 0; l < leaf; l++) {
                long b = levelBase[l];
                n0 = n0 * 17 + node(t, b + (n0 << 6), v0);
                n1 = n1 * 17 + node(t, b + (n1 << 6), v1);
                n2 = n2 * 17 + node(t, b + (n2 << 6), v2);
                n3 = n3 * 17 + node(t, b + (n3 << 6), v3);
                n4 = n4 * 17 + node(t, b + (n4 << 6), v4);
                n5 = n5 * 17 + node(t, b + (n5 << 6), v5);
                n6 = n6 * 17 + node(t, b + (n6 << 6), v6);
                n7 = n7 * 17 + node(t, b + (n7 << 6), v7);
            }
            long b = levelBase[leaf];
            out[i] = xs[i] < 0 ? 0 : (n0 << 4) + node(t, b + (n0 << 6), v0);
            out[i + 1] = xs[i + 1] < 0 ? 0 : (n1 << 4) + node(t, b + (n1 << 6), v1);
            out[i + 2] = xs[i + 2] < 0 ? 0 : (n2 << 4) + node(t, b + (n2 << 6), v2);
            out[i + 3] = xs[i + 3] < 0 ? 0 : (n3 << 4) + node(t, b + (n3 << 6), v3);
            out[i + 4] = xs[i + 4] < 0 ? 0 : (n4 << 4) + node(t, b + (n4 << 6), v4);
            out[i + 5] = xs[i + 5] < 0 ? 0 : (n5 << 4) + node(t, b + (n5 << 6), v5);
            out[i + 6] = xs[i + 6] < 0 ? 0 : (n6 << 4) + node(t, b + (n6 << 6), v6);
            out[i + 7] = xs[i + 7] < 0 ? 0 : (n7 << 4) + node(t, b + (n7 << 6), v7);
        }


        /** {@code out[i + j]} for {@code j < GROUP}: eight descents in step, level by level, all in registers. */
        private static void group64(MemorySegment t, long[] levelBase, long[] xs, int i, long[] out) {
            LongVector v0 = LongVector.broadcast(L, Math.max(xs[i], 0));
            LongVector v1 = LongVector.broadcast(L, Math.max(xs[i + 1], 0));
            LongVector v2 = LongVector.broadcast(L, Math.max(xs[i + 2], 0));
            LongVector v3 = LongVector.broadcast(L, Math.max(xs[i + 3], 0));
            LongVector v4 = LongVector.broadcast(L, Math.max(xs[i + 4], 0));
            LongVector v5 = LongVector.broadcast(L, Math.max(xs[i + 5], 0));
            LongVector v6 = LongVector.broadcast(L, Math.max(xs[i + 6], 0));
            LongVector v7 = LongVector.broadcast(L, Math.max(xs[i + 7], 0));
            long n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, n6 = 0, n7 = 0;
            int leaf = levelBase.length - 1;
            for (int l = 0; l < leaf; l++) {
                long b = levelBase[l];
                n0 = n0 * 9 + node(t, b + (n0 << 6), v0);
                n1 = n1 * 9 + node(t, b + (n1 << 6), v1);
                n2 = n2 * 9 + node(t, b + (n2 << 6), v2);
                n3 = n3 * 9 + node(t, b + (n3 << 6), v3);
                n4 = n4 * 9 + node(t, b + (n4 << 6), v4);
                n5 = n5 * 9 + node(t, b + (n5 << 6), v5);
                n6 = n6 * 9 + node(t, b + (n6 << 6), v6);
                n7 = n7 * 9 + node(t, b + (n7 << 6), v7);
            }
            long b = levelBase[leaf];
            out[i] = xs[i] < 0 ? 0 : (n0 << 3) + node(t, b + (n0 << 6), v0);
            out[i + 1] = xs[i + 1] < 0 ? 0 : (n1 << 3) + node(t, b + (n1 << 6), v1);
            out[i + 2] = xs[i + 2] < 0 ? 0 : (n2 << 3) + node(t, b + (n2 << 6), v2);
            out[i + 3] = xs[i + 3] < 0 ? 0 : (n3 << 3) + node(t, b + (n3 << 6), v3);
            out[i + 4] = xs[i + 4] < 0 ? 0 : (n4 << 3) + node(t, b + (n4 << 6), v4);
            out[i + 5] = xs[i + 5] < 0 ? 0 : (n5 << 3) + node(t, b + (n5 << 6), v5);
            out[i + 6] = xs[i + 6] < 0 ? 0 : (n6 << 3) + node(t, b + (n6 << 6), v6);
            out[i + 7] = xs[i + 7] < 0 ? 0 : (n7 << 3) + node(t, b + (n7 << 6), v7);
        }


        @Override
        public LookupPath path() {
            return LookupPath.VECTOR512;
        }
    }

    /** Two 256-bit compares per node. */
    static final class W256 implements TreeSearch {
        static final W256 INSTANCE = new W256();
        private static final VectorSpecies<Integer> I = VectorConstants.INT_256;
        private static final VectorSpecies<Long> L = VectorConstants.LONG_256;

        private W256() {}

        /** Keys of the node at byte {@code off} that are {@code <= x} (unsigned), 16 u32 keys. */
        static int node(MemorySegment t, long off, IntVector x) {
            return IntVector.fromMemorySegment(I, t, off, NATIVE).compare(ULE, x).trueCount()
                    + IntVector.fromMemorySegment(I, t, off + 32, NATIVE).compare(ULE, x).trueCount();
        }

        /** The same over 8 u64 keys. */
        static int node(MemorySegment t, long off, LongVector x) {
            return LongVector.fromMemorySegment(L, t, off, NATIVE).compare(ULE, x).trueCount()
                    + LongVector.fromMemorySegment(L, t, off + 32, NATIVE).compare(ULE, x).trueCount();
        }

        @Override
        public int window32(MemorySegment t, long off, int x) {
            return node(t, off, IntVector.broadcast(I, x));
        }

        @Override
        public int window64(MemorySegment t, long off, long x) {
            return node(t, off, LongVector.broadcast(L, x));
        }

        @Override
        public long rank32(MemorySegment t, long[] levelBase, int x) {
            IntVector v = IntVector.broadcast(I, x);
            int leaf = levelBase.length - 1;
            long node = 0;
            for (int l = 0; l < leaf; l++) {
                node = node * 17 + node(t, levelBase[l] + (node << 6), v);
            }
            return (node << 4) + node(t, levelBase[leaf] + (node << 6), v);
        }

        @Override
        public long rank64(MemorySegment t, long[] levelBase, long x) {
            LongVector v = LongVector.broadcast(L, x);
            int leaf = levelBase.length - 1;
            long node = 0;
            for (int l = 0; l < leaf; l++) {
                node = node * 9 + node(t, levelBase[l] + (node << 6), v);
            }
            return (node << 3) + node(t, levelBase[leaf] + (node << 6), v);
        }

        @Override
        public void rank32(MemorySegment t, long[] levelBase, long[] xs, int n, long max, long[] out) {
            int i = 0;
            for (; i <= n - GROUP; i += GROUP) {
                group32(t, levelBase, xs, i, max, out);
            }
            for (; i < n; i++) {
                out[i] = xs[i] < 0 ? 0 : rank32(t, levelBase, TreeSearch.narrow(xs[i], max));
            }
        }

        @Override
        public void rank64(MemorySegment t, long[] levelBase, long[] xs, int n, long[] out) {
            int i = 0;
            for (; i <= n - GROUP; i += GROUP) {
                group64(t, levelBase, xs, i, out);
            }
            for (; i < n; i++) {
                out[i] = xs[i] < 0 ? 0 : rank64(t, levelBase, Math.max(xs[i], 0));
            }
        }

        /** {@code out[i + j]} for {@code j < GROUP}: eight descents in step, level by level, all in registers. */
        private static void group32(MemorySegment t, long[] levelBase, long[] xs, int i, long max, long[] out) {
            IntVector v0 = IntVector.broadcast(I, TreeSearch.narrow(xs[i], max));
            IntVector v1 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 1], max));
            IntVector v2 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 2], max));
            IntVector v3 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 3], max));
            IntVector v4 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 4], max));
            IntVector v5 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 5], max));
            IntVector v6 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 6], max));
            IntVector v7 = IntVector.broadcast(I, TreeSearch.narrow(xs[i + 7], max));
            long n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, n6 = 0, n7 = 0;
            int leaf = levelBase.length - 1;
            for (int l = 0; l < leaf; l++) {
                long b = levelBase[l];
                n0 = n0 * 17 + node(t, b + (n0 << 6), v0);
                n1 = n1 * 17 + node(t, b + (n1 << 6), v1);
                n2 = n2 * 17 + node(t, b + (n2 << 6), v2);
                n3 = n3 * 17 + node(t, b + (n3 << 6), v3);
                n4 = n4 * 17 + node(t, b + (n4 << 6), v4);
                n5 = n5 * 17 + node(t, b + (n5 << 6), v5);
                n6 = n6 * 17 + node(t, b + (n6 << 6), v6);
                n7 = n7 * 17 + node(t, b + (n7 << 6), v7);
            }
            long b = levelBase[leaf];
            out[i] = xs[i] < 0 ? 0 : (n0 << 4) + node(t, b + (n0 << 6), v0);
            out[i + 1] = xs[i + 1] < 0 ? 0 : (n1 << 4) + node(t, b + (n1 << 6), v1);
            out[i + 2] = xs[i + 2] < 0 ? 0 : (n2 << 4) + node(t, b + (n2 << 6), v2);
            out[i + 3] = xs[i + 3] < 0 ? 0 : (n3 << 4) + node(t, b + (n3 << 6), v3);
            out[i + 4] = xs[i + 4] < 0 ? 0 : (n4 << 4) + node(t, b + (n4 << 6), v4);
            out[i + 5] = xs[i + 5] < 0 ? 0 : (n5 << 4) + node(t, b + (n5 << 6), v5);
            out[i + 6] = xs[i + 6] < 0 ? 0 : (n6 << 4) + node(t, b + (n6 << 6), v6);
            out[i + 7] = xs[i + 7] < 0 ? 0 : (n7 << 4) + node(t, b + (n7 << 6), v7);
        }


        /** {@code out[i + j]} for {@code j < GROUP}: eight descents in step, level by level, all in registers. */
        private static void group64(MemorySegment t, long[] levelBase, long[] xs, int i, long[] out) {
            LongVector v0 = LongVector.broadcast(L, Math.max(xs[i], 0));
            LongVector v1 = LongVector.broadcast(L, Math.max(xs[i + 1], 0));
            LongVector v2 = LongVector.broadcast(L, Math.max(xs[i + 2], 0));
            LongVector v3 = LongVector.broadcast(L, Math.max(xs[i + 3], 0));
            LongVector v4 = LongVector.broadcast(L, Math.max(xs[i + 4], 0));
            LongVector v5 = LongVector.broadcast(L, Math.max(xs[i + 5], 0));
            LongVector v6 = LongVector.broadcast(L, Math.max(xs[i + 6], 0));
            LongVector v7 = LongVector.broadcast(L, Math.max(xs[i + 7], 0));
            long n0 = 0, n1 = 0, n2 = 0, n3 = 0, n4 = 0, n5 = 0, n6 = 0, n7 = 0;
            int leaf = levelBase.length - 1;
            for (int l = 0; l < leaf; l++) {
                long b = levelBase[l];
                n0 = n0 * 9 + node(t, b + (n0 << 6), v0);
                n1 = n1 * 9 + node(t, b + (n1 << 6), v1);
                n2 = n2 * 9 + node(t, b + (n2 << 6), v2);
                n3 = n3 * 9 + node(t, b + (n3 << 6), v3);
                n4 = n4 * 9 + node(t, b + (n4 << 6), v4);
                n5 = n5 * 9 + node(t, b + (n5 << 6), v5);
                n6 = n6 * 9 + node(t, b + (n6 << 6), v6);
                n7 = n7 * 9 + node(t, b + (n7 << 6), v7);
            }
            long b = levelBase[leaf];
            out[i] = xs[i] < 0 ? 0 : (n0 << 3) + node(t, b + (n0 << 6), v0);
            out[i + 1] = xs[i + 1] < 0 ? 0 : (n1 << 3) + node(t, b + (n1 << 6), v1);
            out[i + 2] = xs[i + 2] < 0 ? 0 : (n2 << 3) + node(t, b + (n2 << 6), v2);
            out[i + 3] = xs[i + 3] < 0 ? 0 : (n3 << 3) + node(t, b + (n3 << 6), v3);
            out[i + 4] = xs[i + 4] < 0 ? 0 : (n4 << 3) + node(t, b + (n4 << 6), v4);
            out[i + 5] = xs[i + 5] < 0 ? 0 : (n5 << 3) + node(t, b + (n5 << 6), v5);
            out[i + 6] = xs[i + 6] < 0 ? 0 : (n6 << 3) + node(t, b + (n6 << 6), v6);
            out[i + 7] = xs[i + 7] < 0 ? 0 : (n7 << 3) + node(t, b + (n7 << 6), v7);
        }


        @Override
        public LookupPath path() {
            return LookupPath.VECTOR256;
        }
    }
}
