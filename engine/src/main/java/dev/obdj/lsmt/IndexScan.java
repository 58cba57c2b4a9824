package dev.obdj.lsmt;

import dev.obdj.io.MappedFile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open-time check of a sealed layer's index in a local file: every rule of
 * {@link SealedLayer.EntryCheck}, with the same result and the same first error, made fast for
 * the case that matters most, a large layer opened by a fresh JVM.
 *
 * <ul>
 * <li>The index is read with {@code pread} into a small heap array, not through the mapping: the
 * open path then needs no FFM at all (a fresh JVM spends milliseconds setting FFM up), and the
 * file is mapped later, on first use ({@link MappingTable}).
 * <li>The rules run in a small method over {@value #RUN} entries at a time, with no branch per
 * rule (see {@code Worker.check}), so the JIT compiles it by invocation count after a few tens
 * of thousands of entries instead of running most of a million entries interpreted.
 * <li>From {@value #PARALLEL_MIN} entries, the main thread and a helper thread claim blocks of
 * {@value #BLOCK} entries in turn. Each block is checked on its own; the blocks are then joined
 * in order (the first valid entry of a block against the end of the last valid entry before it).
 * The first block that fails either way is checked again entry by entry from the true state before
 * it, which throws the precise error one pass in order would have thrown.
 * </ul>
 */
final class IndexScan implements Runnable {
    static final int BLOCK = 1 << 16;         // entries per unit of work
    static final int READ = 4096;             // entries per pread (64 KiB): larger reads measured slower
    static final int RUN = 128;               // entries per call of check()
    static final long PARALLEL_MIN = 1 << 18; // entries from which a helper thread takes blocks too
    private static final long B = LsmtHeader.BLOCK / 512; // first data sector

    private final MappedFile file;
    private final long indexOffset;
    private final long n;
    private final long e; // data section end, in sectors
    private final int blocks;
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean stop;      // a block failed or a thread hit an error: claim no more
    private volatile Throwable helperError;

    // per block, written by the thread that checked it and read after the helper is joined
    private final boolean[] done, bad;
    private final long[] validIn, first, end, firstInvalid;

    // the result
    long valid;
    boolean suffixOnly;

    private IndexScan(MappedFile file, long indexOffset, long n) {
        this.file = file;
        this.indexOffset = indexOffset;
        this.n = n;
        this.e = indexOffset / 512;
        this.blocks = (int) ((n + BLOCK - 1) / BLOCK);
        done = new boolean[blocks];
        bad = new boolean[blocks];
        validIn = new long[blocks];
        first = new long[blocks];
        end = new long[blocks];
        firstInvalid = new long[blocks];
    }

    /** Checks the {@code n} entries at {@code indexOffset} of {@code file}; throws the first error. */
    static IndexScan run(MappedFile file, long indexOffset, long n) {
        IndexScan s = new IndexScan(file, indexOffset, n);
        Thread helper = null;
        if (n >= PARALLEL_MIN && Runtime.getRuntime().availableProcessors() >= 2) {
            helper = new Thread(s, "obdj-index-check"); // a Runnable, not a lambda: no class spun on the open path
            helper.setDaemon(true);
            try {
                helper.start();
            } catch (OutOfMemoryError noThread) {
                helper = null; // no native thread to be had: the main thread checks every block
            }
        }
        try {
            new Worker(s).claimBlocks();
        } catch (RuntimeException | Error ex) {
            s.stop = true;
            throw ex;
        } finally {
            if (helper != null) {
                SealedLayer.joinUninterruptibly(helper);
            }
        }
        Throwable he = s.helperError;
        if (he instanceof RuntimeException re) {
            throw re;
        }
        if (he instanceof Error err) {
            throw err;
        }
        s.join();
        return s;
    }

    /** The helper thread: claims blocks beside the main thread. */
    @Override
    public void run() {
        try {
            new Worker(this).claimBlocks();
        } catch (RuntimeException | Error ex) {
            helperError = ex;
            stop = true;
        }
    }

    /** Joins the blocks in order; rechecks the first failing block entry by entry, which throws. */
    private void join() {
        long prevEnd = -1, count = 0, invalidAt = -1;
        for (int b = 0; b < blocks; b++) {
            if (!done[b] || bad[b] || (first[b] >= 0 && first[b] < prevEnd)) {
                recheck(b, prevEnd, count); // blocks end unchecked only after one that fails
                throw new AssertionError("index block at entry " + (long) b * BLOCK + " failed a check that passed");
            }
            if (validIn[b] > 0) {
                prevEnd = end[b];
            }
            if (invalidAt < 0) {
                invalidAt = firstInvalid[b];
            }
            count += validIn[b];
        }
        valid = count;
        // entries before the first invalid one are all valid, so they are all the valid entries
        // exactly when as many entries are valid as precede it
        suffixOnly = invalidAt < 0 || count == invalidAt;
    }

    private void recheck(int b, long prevEnd, long validBefore) {
        var check = new SealedLayer.EntryCheck(file.name(), indexOffset, e);
        check.prevEnd = prevEnd;
        check.valid = validBefore;
        Worker w = new Worker(this);
        long from = (long) b * BLOCK, to = Math.min(n, from + BLOCK);
        for (long base = from; base < to; base += READ) {
            int cnt = w.read(base, (int) Math.min(READ, to - base));
            for (int j = 0; j < cnt; j++) {
                check.accept(base + j, w.words[2 * j], w.words[2 * j + 1]);
            }
        }
    }

    /** One thread's buffers and the running state of the block it is checking. */
    private static final class Worker {
        final IndexScan s;
        final long[] words = new long[2 * READ];
        // direct: pread fills it in place (a heap buffer is read through a temporary direct one and copied)
        final ByteBuffer buf = ByteBuffer.allocateDirect(READ * SegmentMapping.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        final LongBuffer longs = buf.asLongBuffer();
        final long e;
        long prev, ok, invalidAt, bad;

        Worker(IndexScan s) {
            this.s = s;
            this.e = s.e;
        }

        void claimBlocks() {
            int b;
            while (!s.stop && (b = s.next.getAndIncrement()) < s.blocks) {
                block(b);
            }
        }

        /** Reads entries {@code base .. base+cnt-1} into {@link #words}; returns {@code cnt}. */
        int read(long base, int cnt) {
            buf.clear().limit(cnt * SegmentMapping.BYTES);
            s.file.readFully(s.indexOffset + base * SegmentMapping.BYTES, buf);
            longs.clear();
            longs.get(words, 0, 2 * cnt); // little-endian words, a plain copy on a little-endian CPU
            return cnt;
        }

        private void block(int b) {
            long from = (long) b * BLOCK, to = Math.min(s.n, from + BLOCK);
            prev = -1;
            ok = 0;
            invalidAt = -1;
            bad = 0;
            long firstOff = -1;
            for (long base = from; base < to; base += READ) {
                int cnt = read(base, (int) Math.min(READ, to - base));
                if (firstOff < 0) {
                    firstOff = firstValidOffset(words, cnt);
                }
                for (int j = 0; j < cnt; j += RUN) {
                    check(words, j, Math.min(RUN, cnt - j), base);
                }
                if (bad < 0) {
                    s.bad[b] = true;
                    s.stop = true;
                    break;
                }
            }
            s.validIn[b] = ok;
            s.first[b] = firstOff;
            s.end[b] = prev;
            s.firstInvalid[b] = invalidAt;
            s.done[b] = true;
        }

        private static long firstValidOffset(long[] w, int cnt) {
            for (int j = 0; j < cnt; j++) {
                long off = w[2 * j] & SegmentMapping.MAX_OFFSET;
                if (off != SegmentMapping.INVALID_OFFSET) {
                    return off;
                }
            }
            return -1;
        }

        /**
         * Entries {@code from .. from+cnt-1} of {@code w} (entry numbers {@code base+j}), without a
         * branch per rule: every rule is "some difference is not negative", so the differences are
         * OR-ed into {@link #bad}, whose sign the block loop looks at. With {@code d} 1 for a data
         * entry and 0 for a zeroed one, and {@code dl} the length a data entry takes in the data
         * section (0 for a zeroed one), the terms say: moffset >= B, moffset <= e - d,
         * moffset + dl >= B + d, moffset + dl <= e; that is B <= moffset <= e for a zeroed entry,
         * and B <= moffset < e, B < moffset + length <= e for a data entry
         * ({@link SealedLayer#checkMoffset}). Values stay far below 2^63 (offsets < 2^50,
         * moffsets < 2^55), so no difference overflows. Few bytecodes per entry: the first
         * thousands of entries of a fresh JVM's first open run in the interpreter.
         */
        private void check(long[] w, int from, int cnt, long base) {
            long p = prev, k = ok, x = bad, l = e;
            for (int i = 2 * from, to = 2 * (from + cnt); i < to; i += 2) {
                long lo = w[i], hi = w[i + 1];
                long off = lo & SegmentMapping.MAX_OFFSET;
                if (off == SegmentMapping.INVALID_OFFSET) {
                    if (invalidAt < 0) {
                        invalidAt = base + (i >> 1);
                    }
                    continue;
                }
                long len = lo >>> 50;
                long m = hi & SegmentMapping.MAX_MOFFSET;
                long d = ((hi >>> 55) & 1) ^ 1;
                long dl = len & -d;
                x |= (off - p) | (m - B) | (l - d - m) | (m + dl - B - d) | (l - m - dl);
                p = off + len;
                k++;
            }
            prev = p;
            ok = k;
            bad = x;
        }
    }
}
