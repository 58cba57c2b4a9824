package dev.obdj.lsmt;

import dev.obdj.io.Bytes;
import dev.obdj.io.ByteSource;
import dev.obdj.io.Le;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** Streams the packed entries of an on-disk index, in place when mapped, else in 64 KiB chunks. */
final class Entries {
    private static final long CHUNK = 4096; // entries per read for unmapped sources

    /** Receives each entry's number in the file and its two words. */
    @FunctionalInterface
    interface Visitor {
        void accept(long i, long lo, long hi);
    }

    private Entries() {}

    /** A separate small method so the JIT compiles it after a few chunks, not at the end of the loop. */
    private static void visit(Visitor v, long base, long[] words, int cnt) {
        for (int j = 0; j < cnt; j++) {
            v.accept(base + j, words[2 * j], words[2 * j + 1]);
        }
    }

    static void forEach(ByteSource source, long indexOffset, long n, Visitor v) {
        MemorySegment mapped = source.segment();
        if (mapped != null) {
            // Bulk-copy chunks into a small array and visit from there: in a fresh JVM the open of
            // a large index runs before the JIT has compiled anything, and one copy per chunk plus
            // plain array loads cost far less there than one VarHandle access per word.
            MemorySegment idx = mapped.asSlice(indexOffset, n * SegmentMapping.BYTES);
            long[] words = new long[2 * (int) Math.min(CHUNK, Math.max(1, n))];
            MemorySegment buf = MemorySegment.ofArray(words);
            boolean raw = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN; // a plain copy is the LE decode
            for (long base = 0; base < n; base += CHUNK) {
                int cnt = (int) Math.min(CHUNK, n - base);
                if (raw) {
                    Bytes.copy(idx, base * SegmentMapping.BYTES, buf, 0, (long) cnt * SegmentMapping.BYTES);
                } else {
                    MemorySegment.copy(idx, Le.LONG, base * SegmentMapping.BYTES, words, 0, 2 * cnt);
                }
                visit(v, base, words, cnt);
            }
            return;
        }
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment buf = scratch.allocate(Math.min(CHUNK, Math.max(1, n)) * SegmentMapping.BYTES, 8);
            for (long base = 0; base < n; base += CHUNK) {
                long cnt = Math.min(CHUNK, n - base);
                source.read(indexOffset + base * SegmentMapping.BYTES, buf, 0, cnt * SegmentMapping.BYTES);
                for (long j = 0; j < cnt; j++) {
                    v.accept(base + j, SegmentMapping.lo(buf, j), SegmentMapping.hi(buf, j));
                }
            }
        }
    }
}
