package dev.obdj.lsmt;

import dev.obdj.io.Bytes;
import dev.obdj.io.ByteSource;
import dev.obdj.io.Le;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** Streams the packed entries of an on-disk index, in place when mapped, else in 64 KiB chunks. */
final class Entries {
    static final long CHUNK = 4096; // entries per bulk copy (mapped) or read (unmapped)

    /** Receives each entry's number in the file and its two words. */
    @FunctionalInterface
    interface Visitor {
        void accept(long i, long lo, long hi);
    }

    /** Receives entries {@code base .. base+cnt-1} as word pairs {@code words[2j], words[2j+1]}. */
    interface ChunkVisitor {
        void chunk(long base, long[] words, int cnt);
    }

    private Entries() {}

    /** Feeds a chunk to a per-entry {@link Visitor}; a class, not a lambda, to keep indy bootstraps off the open path. */
    private record PerEntry(Visitor v) implements ChunkVisitor {
        /** A separate small method so the JIT compiles it after a few chunks, not at the end of the loop. */
        @Override
        public void chunk(long base, long[] words, int cnt) {
            for (int j = 0; j < cnt; j++) {
                v.accept(base + j, words[2 * j], words[2 * j + 1]);
            }
        }
    }

    /**
     * Entries {@code [from, to)} of the index at {@code indexOffset} of a mapped file, in chunks
     * bulk-copied into one small array. In a fresh JVM the open of a large index runs before the
     * JIT has compiled anything, and one copy per chunk plus plain array loads cost far less there
     * than one var-handle access per word.
     */
    static void forEachChunk(MemorySegment mapped, long indexOffset, long from, long to, ChunkVisitor v) {
        long[] words = new long[2 * (int) Math.min(CHUNK, Math.max(1, to - from))];
        MemorySegment buf = MemorySegment.ofArray(words);
        boolean raw = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN; // a plain copy is the LE decode
        for (long base = from; base < to; base += CHUNK) {
            int cnt = (int) Math.min(CHUNK, to - base);
            long at = indexOffset + base * SegmentMapping.BYTES;
            if (raw) {
                Bytes.copy(mapped, at, buf, 0, (long) cnt * SegmentMapping.BYTES);
            } else {
                MemorySegment.copy(mapped, Le.LONG, at, words, 0, 2 * cnt);
            }
            v.chunk(base, words, cnt);
        }
    }

    static void forEach(ByteSource source, long indexOffset, long n, Visitor v) {
        MemorySegment mapped = source.segment();
        if (mapped != null) {
            forEachChunk(mapped, indexOffset, 0, n, new PerEntry(v));
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
