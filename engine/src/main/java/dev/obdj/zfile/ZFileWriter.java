package dev.obdj.zfile;

import dev.obdj.ObdjException;
import dev.obdj.StorageException;
import dev.obdj.UsageException;
import dev.obdj.io.RetainingChannel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Compresses a byte stream into a ZFile, as a {@link WritableByteChannel}: whatever is written is
 * the original content, so an LSMT commit ({@link dev.obdj.lsmt.BlobWriter}) can stream straight
 * into it. {@link #finish()} (or {@link #close()}) writes the last block, the index, the trailer
 * and, when asked, overwrites the header with the final fields.
 *
 * <p>The layout is the reference's: a 0x13 header, blocks of {@code blockSize} original bytes each
 * (the last one shorter) with a raw CRC32C (seed 100007) after each when CRCs are on, the u32 index
 * of stored sizes, a 0x16 trailer, and with {@code overwriteHeader} a 0x1B header rewritten at the
 * start ({@code overlaybd-commit -z}; {@code overlaybd-zfile} leaves the 0x13 header).
 *
 * <p>With more than one thread, blocks are compressed in parallel in batches and written in order;
 * at most {@code 2·threads + 2} batches of 1 MiB are in flight, so memory stays bounded
 * whatever the input size (each batch owns 1 MiB of input and room for its worst-case output:
 * about 2 MiB per batch with LZ4 4 KiB blocks, 13 MB with two threads). {@code threads - 1} workers
 * compress, and so does the writing thread instead of waiting for a full ring. The output bytes
 * do not depend on the thread count.
 *
 * <p>Input passed by {@link #writeRetained(MemorySegment)} is not copied by the writing thread:
 * the thread that compresses a batch copies its part of the segment itself, 64 KiB at a time
 * just before compressing it, so the copy is spread over the threads and stays in cache. The
 * Java LZ4 encoder writes its blocks straight into the batch's off-heap output.
 *
 * <p>Not thread-safe: one producer writes; the writer uses its own worker threads.
 */
public final class ZFileWriter implements RetainingChannel {
    private static final int BATCH_BYTES = 1 << 20;
    /** Retained pieces shorter than this are copied at once: not worth a reference. */
    private static final int RETAIN_MIN = 4096;
    /** A batch's retained input is copied in steps of this many bytes, each just before its blocks are compressed. */
    private static final int COPY_STEP = 64 << 10;
    /** Largest compressed block plus CRC the reference's reader can stage (its MAX_READ_SIZE). */
    public static final int REFERENCE_READ_LIMIT = 65536;

    /**
     * What to write.
     *
     * @param codec           LZ4 or ZSTD
     * @param blockSize       original bytes per block: a power of two from 4 KiB to 64 KiB
     * @param blockCrc        append a CRC to every block (the header's {@code verify} byte)
     * @param overwriteHeader rewrite the header with the final fields at the end (needs a seekable output)
     * @param threads         compressing threads, the writing thread included: {@code threads - 1} workers,
     *                        and the writing thread compresses queued batches whenever it would wait
     */
    public record Options(BlockCodec codec, int blockSize, boolean blockCrc, boolean overwriteHeader, int threads) {
        public Options {
            if (codec == null) {
                throw new UsageException("ZFile codec must be lz4 or zstd");
            }
            if (blockSize < 4096 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
                throw new UsageException("ZFile block size must be a power of two from 4096 to 65536, not " + blockSize);
            }
            if (threads < 1) {
                throw new UsageException("ZFile compression threads must be at least 1, not " + threads);
            }
        }

        /** {@code overlaybd-commit -z}: LZ4, 4 KiB, CRCs, header overwritten, one thread. */
        public static Options commit() {
            return new Options(BlockCodec.Lz4.INSTANCE, 4096, true, true, 1);
        }

        /** {@code overlaybd-zfile}: LZ4, 4 KiB, CRCs, header left as first written, one thread. */
        public static Options tool() {
            return new Options(BlockCodec.Lz4.INSTANCE, 4096, true, false, 1);
        }

        public Options withCodec(BlockCodec c) { return new Options(c, blockSize, blockCrc, overwriteHeader, threads); }

        public Options withBlockSize(int bs) { return new Options(codec, bs, blockCrc, overwriteHeader, threads); }

        public Options withBlockCrc(boolean v) { return new Options(codec, blockSize, v, overwriteHeader, threads); }

        public Options withOverwriteHeader(boolean v) { return new Options(codec, blockSize, blockCrc, v, threads); }

        public Options withThreads(int n) { return new Options(codec, blockSize, blockCrc, overwriteHeader, n); }
    }

    /**
     * What {@link #finish()} wrote.
     *
     * @param originalSize            bytes written into the channel
     * @param fileSize                bytes of the ZFile
     * @param blocks                  number of blocks
     * @param blocksOverReferenceLimit blocks whose compressed size plus CRC exceeds 64 KiB: the
     *                                reference's reader fails on them (only possible with 64 KiB blocks)
     */
    public record Result(long originalSize, long fileSize, long blocks, long blocksOverReferenceLimit) {}

    private final WritableByteChannel out;
    private final String name;
    private final boolean ownsOut;
    private final long start;
    private final Options o;
    private final BlockCodec codec;
    private final int bs;
    private final Batch[] ring;
    private final ExecutorService pool;
    private final Arena arena = Arena.ofShared();
    private long submitted;      // batches handed out so far
    private Batch cur;
    private int[] sizes = new int[1024];
    private long blocks;
    private long originalSize;
    private long dataEnd = ZFileHeader.BLOCK;
    private long overLimit;
    private Result result;
    private boolean open = true;

    private ZFileWriter(WritableByteChannel out, String name, boolean ownsOut, Options o) throws IOException {
        if (o.overwriteHeader() && !(out instanceof SeekableByteChannel)) {
            throw new UsageException(name + ": overwriting the ZFile header needs a seekable output");
        }
        this.out = out;
        this.name = name;
        this.ownsOut = ownsOut;
        this.start = out instanceof SeekableByteChannel s ? s.position() : 0;
        this.o = o;
        this.codec = o.codec();
        this.bs = o.blockSize();
        int slots = o.threads() == 1 ? 1 : 2 * o.threads() + 2;
        this.ring = new Batch[slots];
        int batchBytes = Math.max(bs, BATCH_BYTES);
        for (int i = 0; i < slots; i++) {
            ring[i] = new Batch(arena, codec, bs, o.blockCrc(), batchBytes);
        }
        if (o.threads() > 1) { // the writing thread compresses too whenever it would otherwise wait
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(o.threads() - 1, r -> {
                Thread t = new Thread(r, "obdj-zfile-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        } else {
            pool = null;
        }
        writeFully(header(ZFileHeader.FLAG_HEADER | ZFileHeader.FLAG_TYPE | ZFileHeader.FLAG_CALC_DIGEST, 0, 0, 0, 0));
    }

    /** Creates (or truncates) {@code path} and writes a ZFile into it; {@link #close()} closes the file. */
    public static ZFileWriter create(Path path, Options options) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            return new ZFileWriter(ch, path.toString(), true, options);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new StorageException(path.toString(), "create", e);
        }
    }

    /**
     * Writes a ZFile into {@code out} from its current position; {@code out} stays open on close.
     * With {@link Options#overwriteHeader()} it must be a {@link SeekableByteChannel}.
     */
    public static ZFileWriter wrap(WritableByteChannel out, String name, Options options) {
        try {
            return new ZFileWriter(out, name, false, options);
        } catch (IOException e) {
            throw new StorageException(name, "write header", e);
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!open || result != null) {
            throw new ClosedChannelException();
        }
        int n = src.remaining();
        while (src.hasRemaining()) {
            if (cur == null) {
                cur = nextBatch();
            }
            int take = Math.min(src.remaining(), cur.capacity - cur.inLen);
            cur.in.put(cur.inLen, src, src.position(), take);
            src.position(src.position() + take);
            cur.inLen += take;
            if (cur.inLen == cur.capacity) {
                submit(cur);
                cur = null;
            }
        }
        originalSize += n;
        return n;
    }

    /** The same as {@link #write(ByteBuffer)} for a segment of any size. */
    public void write(MemorySegment src) throws IOException {
        for (long at = 0; at < src.byteSize(); ) {
            long n = Math.min(src.byteSize() - at, 1 << 30);
            MemorySegment part = src.asSlice(at, n);
            write(part.isNative() ? part.asByteBuffer() : ByteBuffer.wrap(part.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            at += n;
        }
    }

    /**
     * Appends the bytes of {@code src} without copying them on this thread: the compressing threads
     * read them. {@code src} must be readable from any thread (a shared or global arena, a mapped
     * file) and stay valid and unchanged until {@link #releaseRetained()} or {@link #finish()}
     * returns. Pieces under 4 KiB are copied at once.
     */
    @Override
    public void writeRetained(MemorySegment src) throws IOException {
        if (!open || result != null) {
            throw new ClosedChannelException();
        }
        long n = src.byteSize();
        if (n < RETAIN_MIN) {
            write(src);
            return;
        }
        for (long at = 0; at < n; ) {
            if (cur == null) {
                cur = nextBatch();
            }
            int take = (int) Math.min(n - at, cur.capacity - cur.inLen);
            cur.retain(src, at, take);
            at += take;
            if (cur.inLen == cur.capacity) {
                submit(cur);
                cur = null;
            }
        }
        originalSize += n;
    }

    /** Waits until every batch holding retained input has read it; the batch being filled copies its own now. */
    @Override
    public void releaseRetained() {
        if (!open) {
            return; // close() waited for every batch, and a closed writer reads nothing more
        }
        if (cur != null) {
            cur.copyRetained(cur.inLen);
        }
        for (long s = Math.max(0, submitted - ring.length); s < submitted; s++) {
            Batch b = ring[(int) (s % ring.length)];
            if (b.state.get() != Batch.IDLE) {
                b.run(); // compresses it here when no worker has started it
                awaitBatch(b);
            }
        }
    }

    private void awaitBatch(Batch b) {
        try {
            b.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(name, "compress (interrupted)", new java.io.InterruptedIOException());
        }
    }

    private Batch nextBatch() {
        Batch b = ring[(int) (submitted % ring.length)];
        if (b.state.get() != Batch.IDLE) {
            complete(b);
        }
        b.inLen = 0;
        b.clearRetained();
        return b;
    }

    private void submit(Batch b) {
        submitted++;
        b.state.set(Batch.QUEUED);
        if (pool != null) {
            pool.execute(b);
        }
    }

    /**
     * Waits for batch {@code b} (the oldest in flight) and writes it out. Rather than wait, this
     * thread compresses {@code b} itself when no worker has started it, and the newest queued batch
     * while at least two are queued: the last one is left to the workers, so that they do not
     * starve while this thread, which also copies input and writes output, compresses.
     */
    private void complete(Batch b) {
        b.run();
        while (b.state.get() != Batch.DONE) {
            Batch newest = null;
            int queued = 0;
            for (long s = Math.max(0, submitted - ring.length); s < submitted; s++) {
                Batch o = ring[(int) (s % ring.length)];
                if (o.state.get() == Batch.QUEUED) {
                    queued++;
                    newest = o;
                }
            }
            if (queued < 2) {
                break;
            }
            newest.run();
        }
        awaitBatch(b);
        Throwable f = b.failure;
        b.failure = null;
        b.state.set(Batch.IDLE);
        if (f != null) {
            if (f instanceof ObdjException oe) {
                throw oe;
            }
            throw new IllegalStateException(name + ": block compression failed", f);
        }
        emit(b);
    }

    private void emit(Batch b) {
        if (blocks + b.blocks > sizes.length) {
            sizes = Arrays.copyOf(sizes, (int) Math.max(blocks + b.blocks, sizes.length * 2L));
        }
        for (int k = 0; k < b.blocks; k++) {
            int s = b.sizes[k];
            sizes[(int) blocks++] = s;
            if (s > REFERENCE_READ_LIMIT) {
                overLimit++;
            }
        }
        writeFully(b.outView.limit(b.outLen).position(0));
        dataEnd += b.outLen;
    }

    /**
     * Compresses what is left, writes the index and trailer (and the overwritten header) and returns
     * what was written. Further writes fail; {@link #close()} still has to be called.
     */
    public Result finish() {
        if (result != null) {
            return result;
        }
        if (!open) {
            throw new UsageException(name + ": ZFile writer already closed");
        }
        if (cur != null && cur.inLen > 0) {
            submit(cur);
        }
        cur = null;
        for (long s = Math.max(0, submitted - ring.length); s < submitted; s++) {
            Batch b = ring[(int) (s % ring.length)];
            if (b.state.get() != Batch.IDLE) {
                complete(b);
            }
        }
        if (blocks > ZFileReader.MAX_BLOCKS) {
            throw new UsageException(name + ": " + blocks + " blocks, more than the format allows");
        }
        long indexOffset = dataEnd;
        int indexCrc = 0;
        ByteBuffer ib = ring[0].out.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear();
        for (int i = 0; i < blocks; ) {
            ib.clear();
            while (i < blocks && ib.remaining() >= 4) {
                ib.putInt(sizes[i++]);
            }
            ib.flip();
            indexCrc = Crc32cRaw.crc(indexCrc, ib.duplicate());
            writeFully(ib);
        }
        writeFully(header(ZFileHeader.FLAG_TYPE | ZFileHeader.FLAG_SEALED | ZFileHeader.FLAG_CALC_DIGEST,
                indexOffset, blocks, originalSize, indexCrc));
        long fileSize = indexOffset + 4 * blocks + ZFileHeader.BLOCK;
        if (o.overwriteHeader()) {
            ByteBuffer h = header(ZFileHeader.FLAG_HEADER | ZFileHeader.FLAG_TYPE | ZFileHeader.FLAG_HEADER_OVERWRITE
                    | ZFileHeader.FLAG_CALC_DIGEST, indexOffset, blocks, originalSize, indexCrc);
            try {
                if (out instanceof FileChannel fc) {
                    while (h.hasRemaining()) {
                        fc.write(h, start + h.position());
                    }
                } else {
                    SeekableByteChannel s = (SeekableByteChannel) out;
                    long end = s.position();
                    s.position(start);
                    writeFully(h);
                    s.position(end);
                }
            } catch (IOException e) {
                throw new StorageException(name, "overwrite header at " + start, e);
            }
        }
        result = new Result(originalSize, fileSize, blocks, overLimit);
        return result;
    }

    private ByteBuffer header(long flags, long indexOffset, long n, long orig, int indexCrc) {
        byte[] b = new byte[ZFileHeader.BLOCK];
        ZFileHeader.of(flags, indexOffset, n, orig, indexCrc, bs, codec.id(), o.blockCrc()).encode(MemorySegment.ofArray(b));
        return ByteBuffer.wrap(b);
    }

    private void writeFully(ByteBuffer b) {
        try {
            while (b.hasRemaining()) {
                out.write(b);
            }
        } catch (IOException e) {
            throw new StorageException(name, "write", e);
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** Finishes the file if {@link #finish()} was not called, stops the workers and closes an owned output. */
    @Override
    public void close() throws IOException {
        if (!open) {
            return;
        }
        try {
            finish();
        } finally {
            open = false;
            if (pool != null) {
                pool.shutdownNow();
            }
            for (Batch b : ring) {
                b.state.compareAndSet(Batch.QUEUED, Batch.DONE); // no worker may start it now
                try {
                    b.await(); // the buffers must not be freed under a running worker
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            arena.close();
            if (ownsOut) {
                out.close();
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // reporting the first failure
            }
        }
    }

    /**
     * Input of up to one batch of blocks and the compressed output, reused round-robin. A batch is
     * IDLE (being filled or free), QUEUED, RUNNING on one thread, then DONE until written out; the
     * thread that moves it from QUEUED to RUNNING compresses it, so a worker and the writing thread
     * never both do.
     */
    private static final class Batch implements Runnable {
        static final int IDLE = 0, QUEUED = 1, RUNNING = 2, DONE = 3;

        final BlockCodec codec;
        final int bs;
        final boolean crc;
        final int capacity;
        /** Original bytes: a heap buffer over {@link #inArr} for the Java LZ4 encoder, else direct. Output is direct. */
        final ByteBuffer in;
        final MemorySegment inSeg;
        final byte[] inArr;
        /** Retained input not copied yet: slices of callers' segments, each with its place in {@link #in}. */
        final MemorySegment[] refs;
        final int[] refAt;
        int refCount;
        int refNext;   // first retained piece not wholly copied
        long refDone;  // bytes of it already copied
        final Lz4Encoder encoder;
        final MemorySegment outSeg;
        final ByteBuffer out;
        final ByteBuffer outView;
        final ByteBuffer crcView;
        final int[] sizes;
        final AtomicInteger state = new AtomicInteger(IDLE);
        Throwable failure;
        int inLen;
        int blocks;
        int outLen;

        Batch(Arena arena, BlockCodec codec, int bs, boolean crc, int inBytes) {
            this.codec = codec;
            this.bs = bs;
            this.crc = crc;
            this.capacity = inBytes;
            int maxBlocks = inBytes / bs;
            int outBytes = maxBlocks * (codec.maxCompressedLength(bs) + 4);
            boolean java = codec instanceof BlockCodec.Lz4 l && l.javaEncoder();
            if (java) {
                inArr = new byte[inBytes];
                in = ByteBuffer.wrap(inArr);
                inSeg = MemorySegment.ofArray(inArr);
                encoder = new Lz4Encoder();
            } else {
                inArr = null;
                inSeg = arena.allocate(inBytes, 4096);
                in = inSeg.asByteBuffer();
                encoder = null;
            }
            outSeg = arena.allocate(outBytes, 4096);
            out = outSeg.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            outView = out.duplicate();
            crcView = out.duplicate();
            sizes = new int[maxBlocks];
            refs = new MemorySegment[inBytes / RETAIN_MIN + 1];
            refAt = new int[refs.length];
        }

        /** Appends {@code len} bytes of {@code src} at {@code off} by reference (short pieces are copied now). */
        void retain(MemorySegment src, long off, int len) {
            if (len < RETAIN_MIN || refCount == refs.length) {
                MemorySegment.copy(src, off, inSeg, inLen, len);
            } else {
                refs[refCount] = src.asSlice(off, len);
                refAt[refCount++] = inLen;
            }
            inLen += len;
        }

        /** Copies retained input into {@link #in} until every byte below {@code end} is there. */
        void copyRetained(int end) {
            while (refNext < refCount && refAt[refNext] + refDone < end) {
                MemorySegment r = refs[refNext];
                long n = Math.min(r.byteSize() - refDone, COPY_STEP);
                MemorySegment.copy(r, refDone, inSeg, refAt[refNext] + refDone, n);
                refDone += n;
                if (refDone == r.byteSize()) {
                    refs[refNext++] = null;
                    refDone = 0;
                }
            }
        }

        void clearRetained() {
            for (int i = refNext; i < refCount; i++) {
                refs[i] = null;
            }
            refCount = refNext = 0;
            refDone = 0;
        }

        @Override
        public void run() {
            if (!state.compareAndSet(QUEUED, RUNNING)) {
                return; // taken by another thread, or cancelled
            }
            try {
                compress();
            } catch (Throwable t) {
                failure = t;
            } finally {
                clearRetained();
                synchronized (this) {
                    state.set(DONE);
                    notifyAll();
                }
            }
        }

        /** Waits until the batch is neither queued nor running. */
        synchronized void await() throws InterruptedException {
            while (state.get() == QUEUED || state.get() == RUNNING) {
                wait();
            }
        }

        /**
         * Compresses the batch block by block, each followed by its CRC when the file carries
         * them: the Java LZ4 encoder from the heap input straight into the off-heap output, any
         * other codec between the direct buffers.
         */
        private void compress() {
            int pos = 0;
            int k = 0;
            for (int at = 0; at < inLen; at += bs, k++) {
                int len = Math.min(bs, inLen - at);
                if (at % COPY_STEP == 0) {
                    copyRetained(Math.min(inLen, at + COPY_STEP));
                }
                int c = encoder != null
                        ? encoder.compress(inArr, at, len, outSeg, pos)
                        : codec.compress(in, at, len, out, pos, out.capacity() - pos - (crc ? 4 : 0));
                if (crc) {
                    crcView.limit(pos + c).position(pos);
                    out.putInt(pos + c, Crc32cRaw.crc(Crc32cRaw.BLOCK_SEED, crcView));
                    c += 4;
                }
                sizes[k] = c;
                pos += c;
            }
            blocks = k;
            outLen = pos;
        }
    }
}
