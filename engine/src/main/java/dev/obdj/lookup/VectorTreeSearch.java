package dev.obdj.lookup;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.ULE;

/**
 * The Vector API node search: broadcast the key, load the 64-byte node, one unsigned
 * {@code key <= x} compare, count the mask's bits. {@link W512} does a node in one 512-bit
 * compare; {@link W256} in two 256-bit ones for machines whose widest fast vectors are AVX2.
 * The species are constants so the JIT compiles each to straight vector instructions.
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

        static int node32(MemorySegment t, long off, int x) {
            return IntVector.fromMemorySegment(I, t, off, NATIVE).compare(ULE, x).trueCount();
        }

        static int node64(MemorySegment t, long off, long x) {
            return LongVector.fromMemorySegment(L, t, off, NATIVE).compare(ULE, x).trueCount();
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
            return LookupPath.VECTOR512;
        }
    }

    /** Two 256-bit compares per node. */
    static final class W256 implements TreeSearch {
        static final W256 INSTANCE = new W256();
        private static final VectorSpecies<Integer> I = VectorConstants.INT_256;
        private static final VectorSpecies<Long> L = VectorConstants.LONG_256;

        private W256() {}

        static int node32(MemorySegment t, long off, int x) {
            return IntVector.fromMemorySegment(I, t, off, NATIVE).compare(ULE, x).trueCount()
                    + IntVector.fromMemorySegment(I, t, off + 32, NATIVE).compare(ULE, x).trueCount();
        }

        static int node64(MemorySegment t, long off, long x) {
            return LongVector.fromMemorySegment(L, t, off, NATIVE).compare(ULE, x).trueCount()
                    + LongVector.fromMemorySegment(L, t, off + 32, NATIVE).compare(ULE, x).trueCount();
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
            return LookupPath.VECTOR256;
        }
    }
}
