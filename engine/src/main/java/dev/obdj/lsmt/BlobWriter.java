package dev.obdj.lsmt;

import dev.obdj.FormatException;
import dev.obdj.ProgressListener;
import dev.obdj.StorageException;
import dev.obdj.io.Bytes;
import dev.obdj.io.ByteSource;
import dev.obdj.io.RetainingChannel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Writes a sealed LSMT blob from a sorted, non-overlapping mapping table whose tags select source
 * files: the reference's {@code compact}, byte for byte. Output is strictly sequential (header,
 * data, index, trailer) so it can stream into a ZFile writer.
 * <ol>
 *   <li>header: flags 0x07, index_offset and index_size 0;</li>
 *   <li>data: for each mapping, in order, copied in 32 KiB steps measured from the mapping's start,
 *       one raw entry per step (zeroed mappings copy nothing and take the current data cursor as
 *       moffset);</li>
 *   <li>index: raw entries merged greedily while offsets and moffsets are contiguous, zeroed and tag
 *       are equal and the combined length stays below 16383; padded with invalid entries to a
 *       multiple of 256, the padding counted in index_size;</li>
 *   <li>trailer: flags 0x06 with the index position and size.</li>
 * </ol>
 */
public final class BlobWriter {
    /** Data is copied in steps of this many sectors (32 KiB). */
    static final int STEP_SECTORS = 64;
    private static final int BUF = 1 << 20;
    /** Into a stream, runs at least this long bypass the buffer. */
    private static final long DIRECT_COPY = 64 << 10;

    /**
     * The identity written into header and trailer.
     *
     * @param virtualSize bytes
     * @param uuid        UUID text (already normalised; {@link LsmtHeader#NULL_UUID} for none)
     * @param parentUuid  parent UUID text
     * @param userTag     commit message, at most 256 bytes
     */
    public record Meta(long virtualSize, String uuid, String parentUuid, byte[] userTag) {
        public Meta {
            if (userTag != null && userTag.length > 256) {
                throw new IllegalArgumentException("user tag longer than 256 bytes: " + userTag.length);
            }
        }
    }

    private BlobWriter() {}

    /**
     * Writes the blob to {@code out} and returns the number of bytes written.
     *
     * @param index  sorted, non-overlapping mappings; {@code byTag[tag]} holds each one's data
     * @param byTag  the source files, by tag
     * @param meta   identity fields
     * @param out    sequential sink
     * @param outName name for error messages
     */
    public static long write(MappingTable index, ByteSource[] byTag, Meta meta, WritableByteChannel out, String outName) {
        return write(index, byTag, meta, out, outName, ProgressListener.NONE);
    }

    /** As {@link #write(MappingTable, ByteSource[], Meta, WritableByteChannel, String)}, reporting progress. */
    public static long write(MappingTable index, ByteSource[] byTag, Meta meta, WritableByteChannel out, String outName,
                             ProgressListener progress) {
        long dataBytes = 0;
        for (long i = 0; i < index.count(); i++) {
            if (!SegmentMapping.zeroed(index.hi(i))) {
                dataBytes += (long) SegmentMapping.length(index.lo(i)) << 9;
            }
        }
        try (Arena arena = Arena.ofConfined();
             MappingTable.Builder entries = new MappingTable.Builder(Math.max(256, index.count()));
             Sink sink = new Sink(out, outName, arena.allocate(BUF, 4096), progress,
                     2L * LsmtHeader.BLOCK + dataBytes + (index.count() + 255) / 256 * 4096)) {
            MemorySegment block = arena.allocate(LsmtHeader.BLOCK, 8);
            new LsmtHeader(LsmtHeader.FLAG_HEADER | LsmtHeader.FLAG_DATA | LsmtHeader.FLAG_SEALED, 0, 0,
                    meta.virtualSize(), meta.uuid(), meta.parentUuid(), 1, 1, meta.userTag()).encode(block);
            sink.put(block, 0, LsmtHeader.BLOCK);
            long mo = LsmtHeader.BLOCK / 512;
            for (long i = 0; i < index.count(); i++) {
                long lo = index.lo(i);
                long hi = index.hi(i);
                long off = SegmentMapping.offset(lo);
                int len = SegmentMapping.length(lo);
                int tag = SegmentMapping.tag(hi);
                if (len == 0) {
                    continue;
                }
                if (SegmentMapping.zeroed(hi)) {
                    append(entries, SegmentMapping.lo(off, len), SegmentMapping.hi(mo, true, tag));
                    continue;
                }
                long src = SegmentMapping.moffset(hi);
                sink.copyFrom(byTag[tag], src << 9, (long) len << 9); // the bytes in one go; entries per step
                for (int done = 0; done < len; ) {
                    int step = Math.min(STEP_SECTORS, len - done);
                    append(entries, SegmentMapping.lo(off + done, step), SegmentMapping.hi(mo, false, tag));
                    mo += step;
                    done += step;
                }
            }
            long indexOffset = mo << 9;
            long real = entries.count();
            long padded = (real + 255) / 256 * 256;
            for (long i = 0; i < real; i++) {
                sink.putEntry(entries.lo(i), entries.hi(i));
            }
            for (long i = real; i < padded; i++) {
                sink.putEntry(SegmentMapping.INVALID_LO, 0);
            }
            new LsmtHeader(LsmtHeader.FLAG_DATA | LsmtHeader.FLAG_SEALED, indexOffset, padded, meta.virtualSize(),
                    meta.uuid(), meta.parentUuid(), 1, 1, meta.userTag()).encode(block);
            sink.put(block, 0, LsmtHeader.BLOCK);
            sink.flush();
            return sink.written;
        }
    }

    /** The reference's {@code compress_raw_index}, one greedy pass, applied as entries arrive. */
    private static void append(MappingTable.Builder b, long lo, long hi) {
        long n = b.count();
        if (n > 0) {
            long plo = b.lo(n - 1), phi = b.hi(n - 1);
            if (SegmentMapping.end(plo) == SegmentMapping.offset(lo)
                    && SegmentMapping.mend(plo, phi) == SegmentMapping.moffset(hi)
                    && SegmentMapping.zeroed(phi) == SegmentMapping.zeroed(hi)
                    && SegmentMapping.tag(phi) == SegmentMapping.tag(hi)
                    && SegmentMapping.length(plo) + SegmentMapping.length(lo) < SegmentMapping.MAX_LENGTH) {
                b.set(n - 1, SegmentMapping.lo(SegmentMapping.offset(plo), SegmentMapping.length(plo) + SegmentMapping.length(lo)), phi);
                return;
            }
        }
        b.add(lo, hi);
    }

    /**
     * Sequential output through one off-heap buffer. Data runs are merged while each continues the
     * previous one in the same source. Into a plain file every byte goes through the buffer, read
     * with {@code pread} when the source has a channel, so the file is written in 1 MiB pieces:
     * the data region starts 4 KiB into the blob, and writing each 64 KiB run on its own (straight
     * from a mapping or by copy_file_range) leaves it in five misaligned page-cache folios, which
     * costs more than the extra copy. Into a stream (a ZFile writer) runs of at least
     * {@link #DIRECT_COPY} bytes go straight from the source's mapping; into a
     * {@link RetainingChannel} by reference, released before {@link BlobWriter#write} returns
     * (its caller closes the sources then).
     */
    private static final class Sink implements AutoCloseable {
        private final WritableByteChannel out;
        private final boolean toFile; // out is a plain file
        private final String name;
        private final MemorySegment buf;
        private final ByteBuffer bufView; // buf as one reusable ByteBuffer, for channel reads
        private final ProgressListener progress;
        private final long total;
        private long fill;
        private ByteSource runSource; // the pending run, null when none
        private long runPos;
        private long runLen;
        long written;

        Sink(WritableByteChannel out, String name, MemorySegment buf, ProgressListener progress, long total) {
            this.out = out;
            this.toFile = out instanceof FileChannel;
            this.name = name;
            this.buf = buf;
            this.bufView = buf.asByteBuffer();
            this.progress = progress;
            this.total = total;
        }

        void put(MemorySegment src, long off, long len) {
            emitRun();
            while (len > 0) {
                long n = Math.min(len, buf.byteSize() - fill);
                Bytes.copy(src, off, buf, fill, n);
                fill += n;
                off += n;
                len -= n;
                if (fill == buf.byteSize()) {
                    flushBuffer();
                }
            }
        }

        /** Queues {@code len} bytes of {@code src} at {@code pos}; copied when the run ends. */
        void copyFrom(ByteSource src, long pos, long len) {
            if (runSource == src && runPos + runLen == pos) {
                runLen += len;
                return;
            }
            emitRun();
            runSource = src;
            runPos = pos;
            runLen = len;
        }

        private void emitRun() {
            if (runSource == null) {
                return;
            }
            ByteSource src = runSource;
            long pos = runPos, len = runLen;
            runSource = null;
            if (!toFile && len >= DIRECT_COPY) {
                MemorySegment mapped = src.segment();
                if (mapped != null) {
                    flushBuffer();
                    if (out instanceof RetainingChannel r) {
                        try {
                            r.writeRetained(mapped.asSlice(pos, len));
                        } catch (IOException e) {
                            throw new StorageException(name, "write at " + written, e);
                        }
                        advance(len);
                    } else {
                        writeOut(mapped.asSlice(pos, len).asByteBuffer());
                    }
                    return;
                }
            }
            FileChannel in = toFile ? src.channel() : null;
            while (len > 0) {
                int n = (int) Math.min(len, buf.byteSize() - fill);
                if (in != null) {
                    readFully(src, in, pos, n);
                } else {
                    src.read(pos, buf, fill, n);
                }
                fill += n;
                pos += n;
                len -= n;
                if (fill == buf.byteSize()) {
                    flushBuffer();
                }
            }
        }

        /** {@code n} bytes of the channel at {@code pos} into the buffer at {@code fill}. */
        private void readFully(ByteSource src, FileChannel in, long pos, int n) {
            bufView.limit((int) fill + n).position((int) fill);
            long at = pos;
            try {
                while (bufView.hasRemaining()) {
                    int r = in.read(bufView, at);
                    if (r < 0) {
                        throw new FormatException(src.name(), at, "data", "bytes up to " + (pos + n), "end of file");
                    }
                    at += r;
                }
            } catch (IOException e) {
                throw new StorageException(src.name(), "read " + n + " bytes at " + pos, e);
            }
        }

        void putEntry(long lo, long hi) {
            emitRun();
            if (buf.byteSize() - fill < SegmentMapping.BYTES) {
                flushBuffer();
            }
            SegmentMapping.put(buf.asSlice(fill, SegmentMapping.BYTES), 0, lo, hi);
            fill += SegmentMapping.BYTES;
        }

        void flush() {
            emitRun();
            flushBuffer();
            close();
        }

        private void flushBuffer() {
            if (fill == 0) {
                return;
            }
            long n = fill;
            fill = 0;
            writeOut(buf.asSlice(0, n).asByteBuffer());
        }

        private void writeOut(ByteBuffer bb) {
            long n = bb.remaining();
            try {
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
            } catch (IOException e) {
                throw new StorageException(name, "write at " + written, e);
            }
            advance(n);
        }

        /** Also on failure: no retained run may be read once the caller closes the sources. */
        @Override
        public void close() {
            if (out instanceof RetainingChannel r) {
                try {
                    r.releaseRetained();
                } catch (IOException e) {
                    throw new StorageException(name, "write at " + written, e);
                }
            }
        }

        private void advance(long n) {
            written += n;
            progress.progress(written, Math.max(total, written));
        }
    }
}
