package dev.obdj.lsmt;

import dev.obdj.io.ByteSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Streams the packed entries of an on-disk index, in place when mapped, else in 64 KiB chunks. */
final class Entries {
    private static final long CHUNK = 4096; // entries per read for unmapped sources

    /** Receives each entry's number in the file and its two words. */
    @FunctionalInterface
    interface Visitor {
        void accept(long i, long lo, long hi);
    }

    private Entries() {}

    static void forEach(ByteSource source, long indexOffset, long n, Visitor v) {
        MemorySegment mapped = source.segment();
        if (mapped != null) {
            MemorySegment idx = mapped.asSlice(indexOffset, n * SegmentMapping.BYTES);
            for (long i = 0; i < n; i++) {
                v.accept(i, SegmentMapping.lo(idx, i), SegmentMapping.hi(idx, i));
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
