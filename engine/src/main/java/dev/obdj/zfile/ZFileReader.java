package dev.obdj.zfile;

import dev.obdj.FormatException;
import dev.obdj.UsageException;
import dev.obdj.io.Bytes;
import dev.obdj.io.ByteSource;
import dev.obdj.io.Le;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The decompressed view of a ZFile: random reads at any offset and length, decoding only the blocks
 * a read touches. Safe for concurrent {@link #read} calls from many threads.
 *
 * <p>{@link #open} makes the reference's checks in its order (magic, header bit, header digest; then,
 * unless the header was overwritten with the final fields, the trailer's magic and flags) and adds
 * the ones it lacks: the trailer digest, index bounds against the file size, the block count against
 * the original size, and every stored block size against the block size. Each failure is a
 * {@link FormatException} naming the field, raised before any allocation sized by that field.
 *
 * <p>Reads verify each block's CRC when the file carries them, before decoding. When the source can
 * {@linkplain ByteSource#evict evict} a cached copy (a registry blob), a mismatch evicts the block's
 * bytes and reads them once more before failing. A CRC mismatch or a
 * decoder failure is a {@link FormatException} naming the block number and its byte offset; the
 * destination from that block on is zeroed, so nothing past the failure is passed on as data.
 * Blocks whose compressed size plus CRC exceeds 64 KiB, which the reference cannot read, read fine.
 *
 * <p>A whole block wanted by a read is decoded straight into the caller's native buffer. Partial
 * blocks go through a small shared cache of decoded blocks ({@link Options#cacheBytes}); for LZ4 a
 * first partial read decodes only as far into the block as it needs.
 */
public final class ZFileReader implements ByteSource {
    /** The reference's {@code MAX_ZFILE_INDEX_SIZE}: no file has more blocks. */
    public static final long MAX_BLOCKS = 1_000_000_000L;
    private static final int WINDOW_SHIFT = 30;              // mapped files are viewed as 1 GiB buffers...
    private static final long WINDOW_OVERLAP = 1 << 17;      // ...overlapping by more than any block
    private static final int INDEX_CHUNK = 1 << 20;

    /**
     * Reader settings.
     *
     * @param cacheBytes  bytes of decoded blocks kept for partial and repeated reads; under two blocks
     *                    disables the cache. Default: system property {@code obdj.zfile.cacheBytes}, else 1 MiB.
     * @param splitReads  reads of at least {@link #SPLIT_MIN_BYTES} are shared with a helper thread,
     *                    chunk by chunk (64 KiB of blocks), when a helper is idle (there is none on one processor) and
     *                    the destination may be written from another thread (not a confined segment).
     *                    Default: system property {@code obdj.zfile.splitReads}, else true: a checked
     *                    sequential read costs a CRC32C pass plus the decode, which one core cannot
     *                    do at the raw codec's speed and two can (see docs/ZFILE.md). The reader
     *                    never waits for a helper that is not running, so a busy machine costs at most
     *                    one chunk's delay.
     */
    public record Options(long cacheBytes, boolean splitReads) {
        /** The given cache size; large reads split unless the system property {@code obdj.zfile.splitReads} is false. */
        public Options(long cacheBytes) {
            this(cacheBytes, !"false".equalsIgnoreCase(System.getProperty("obdj.zfile.splitReads")));
        }

        /** The defaults. */
        public static Options defaults() {
            return new Options(Long.getLong("obdj.zfile.cacheBytes", 1L << 20));
        }
    }

    /** Smallest read that {@link Options#splitReads} shares with a helper thread: 256 KiB. */
    public static final int SPLIT_MIN_BYTES = 256 << 10;
    private static final int SPLIT_CHUNK = 64 << 10;

    /**
     * What {@link #check()} walked.
     *
     * @param blocks          blocks decoded
     * @param crcChecked      blocks whose CRC was verified (0 when the file carries none)
     * @param compressedBytes stored bytes of all blocks (CRCs included)
     * @param originalBytes   decoded bytes
     */
    public record CheckReport(long blocks, long crcChecked, long compressedBytes, long originalBytes) {}

    private final ByteSource file;
    private final String name;
    private final ZFileHeader header;
    private final ZFileHeader trailer;
    private final ZFileHeader fields;
    private final BlockCodec codec;
    private final boolean lz4;
    private final boolean crc;
    private final int blockSize;
    private final int shift;
    private final long size;
    private final int lastLen;
    private final JumpTable table;
    private final MemorySegment mapped;
    private final ByteBuffer[] windows;
    private final BlockCache cache;
    private final boolean split;

    private ZFileReader(ByteSource file, ZFileHeader header, ZFileHeader trailer, ZFileHeader fields, BlockCodec codec,
                        JumpTable table, Options options) {
        this.file = file;
        this.name = file.name();
        this.header = header;
        this.trailer = trailer;
        this.fields = fields;
        this.codec = codec;
        this.lz4 = codec instanceof BlockCodec.Lz4;
        this.crc = fields.hasBlockCrc();
        this.blockSize = fields.blockSize();
        this.shift = Integer.numberOfTrailingZeros(blockSize);
        this.size = fields.originalSize();
        this.table = table;
        this.lastLen = table.count() == 0 ? 0 : (int) (size - ((long) (table.count() - 1) << shift));
        this.mapped = file.segment();
        if (mapped != null) {
            long fsize = mapped.byteSize();
            int n = (int) ((fsize + (1L << WINDOW_SHIFT) - 1) >>> WINDOW_SHIFT);
            windows = new ByteBuffer[n];
            for (int k = 0; k < n; k++) {
                long at = (long) k << WINDOW_SHIFT;
                windows[k] = mapped.asSlice(at, Math.min(fsize - at, (1L << WINDOW_SHIFT) + WINDOW_OVERLAP)).asByteBuffer();
            }
        } else {
            windows = null;
        }
        this.cache = BlockCache.create(options.cacheBytes(), blockSize);
        this.split = options.splitReads() && ReadHelper.available() > 0;
    }

    /** True when the source starts with the ZFile magic (whatever follows). */
    public static boolean hasMagic(ByteSource src) {
        if (src.size() < 24) {
            return false;
        }
        MemorySegment s = src.segment();
        if (s == null) {
            s = MemorySegment.ofArray(new byte[24]);
            src.read(0, s, 0, 24);
        }
        return ZFileHeader.hasMagic(s);
    }

    /** Opens {@code file} with default options; the reader owns the source and closes it. */
    public static ZFileReader open(ByteSource file) {
        return open(file, Options.defaults());
    }

    /** Validates and opens {@code file}; the reader owns the source and closes it. */
    public static ZFileReader open(ByteSource file, Options options) {
        String name = file.name();
        long fsize = file.size();
        if (fsize < ZFileHeader.BLOCK) {
            throw new FormatException(name, 0, "file size", "at least 512 bytes (ZFile header)", fsize + " bytes");
        }
        MemorySegment hb = block(file, 0);
        if (!ZFileHeader.hasMagic(hb)) {
            throw new FormatException(name, 0, "header.magic", "ZFile magic0/magic1", "other bytes");
        }
        ZFileHeader header = ZFileHeader.decode(hb);
        if (!header.isHeader()) {
            throw flags(name, 0, "header.flags.header", "bit 0 set", header.flags());
        }
        checkDigest(name, 0, "header", hb, header);
        ZFileHeader trailer = null;
        ZFileHeader f = header;
        long indexLimit = fsize;
        if (!header.isHeaderOverwrite()) {
            if (!header.isDataFile()) {
                throw flags(name, 0, "header.flags.type", "bit 1 set (data file)", header.flags());
            }
            long tpos = fsize - ZFileHeader.BLOCK;
            if (tpos < ZFileHeader.BLOCK) {
                throw new FormatException(name, tpos, "file size", "at least 1024 bytes (header and trailer)", fsize + " bytes");
            }
            MemorySegment tb = block(file, tpos);
            if (!ZFileHeader.hasMagic(tb)) {
                throw new FormatException(name, tpos, "trailer.magic", "ZFile magic0/magic1", "other bytes");
            }
            trailer = ZFileHeader.decode(tb);
            if (trailer.isHeader()) {
                throw flags(name, tpos, "trailer.flags.header", "bit 0 clear", trailer.flags());
            }
            if (!trailer.isDataFile()) {
                throw flags(name, tpos, "trailer.flags.type", "bit 1 set (data file)", trailer.flags());
            }
            if (!trailer.isSealed()) {
                throw flags(name, tpos, "trailer.flags.sealed", "bit 2 set", trailer.flags());
            }
            checkDigest(name, tpos, "trailer", tb, trailer); // the reference writes this digest but never checks it
            f = trailer;
            indexLimit = tpos;
        }
        long at = f == header ? 0 : fsize - ZFileHeader.BLOCK;
        String w = f == header ? "header" : "trailer";
        long n = f.indexSize();
        if (Long.compareUnsigned(n, MAX_BLOCKS) > 0) {
            throw new FormatException(name, at + ZFileHeader.OFF_INDEX_SIZE, w + ".index_size",
                    "at most " + MAX_BLOCKS + " blocks", Long.toUnsignedString(n));
        }
        int bs = f.blockSize();
        if (bs <= 0 || bs > 65536 || Integer.bitCount(bs) != 1) {
            throw new FormatException(name, at + ZFileHeader.OFF_BLOCK_SIZE, w + ".block_size",
                    "a power of two up to 65536", Integer.toUnsignedString(bs));
        }
        BlockCodec codec = BlockCodec.forId(f.algo());
        if (codec == null) {
            throw new FormatException(name, at + ZFileHeader.OFF_ALGO, w + ".algo", "1 (LZ4) or 2 (ZSTD)",
                    f.algo() + (f.algo() == 0 ? " (MINI_LZO, which has no decoder)" : ""));
        }
        if (f.useDict() != 0) {
            throw new FormatException(name, at + ZFileHeader.OFF_USE_DICT, w + ".use_dict",
                    "0 (no writer produces dictionaries)", String.valueOf(f.useDict()));
        }
        long orig = f.originalSize();
        long want = orig < 0 ? -1 : orig == 0 ? 0 : (orig - 1) / bs + 1;
        if (want != n) {
            throw new FormatException(name, at + ZFileHeader.OFF_INDEX_SIZE, w + ".index_size",
                    "ceil(original_file_size / block_size) = " + (orig < 0 ? "?" : want) + " blocks for original_file_size "
                            + Long.toUnsignedString(orig), Long.toUnsignedString(n));
        }
        long dataStart = ZFileHeader.BLOCK + f.dictSize();
        long io = f.indexOffset();
        if (io < dataStart || io > indexLimit || n * 4 > indexLimit - io) {
            throw new FormatException(name, at + ZFileHeader.OFF_INDEX_OFFSET, w + ".index_offset",
                    "an index of " + n + " u32 entries inside [" + dataStart + ", " + indexLimit + ")",
                    "index_offset " + Long.toUnsignedString(io));
        }
        JumpTable table = loadIndex(file, f, (int) n, dataStart);
        return new ZFileReader(file, header, trailer, f, codec, table, options);
    }

    private static MemorySegment block(ByteSource file, long pos) {
        MemorySegment s = file.segment();
        if (s != null) {
            return s.asSlice(pos, ZFileHeader.BLOCK);
        }
        MemorySegment b = MemorySegment.ofArray(new byte[ZFileHeader.BLOCK]);
        file.read(pos, b, 0, ZFileHeader.BLOCK);
        return b;
    }

    private static void checkDigest(String name, long pos, String what, MemorySegment b, ZFileHeader h) {
        if (!h.hasDigest()) {
            return;
        }
        int want = ZFileHeader.computeDigest(b);
        if (want != h.digest()) {
            throw new FormatException(name, pos + ZFileHeader.OFF_DIGEST, what + ".digest",
                    hex(want) + " (raw CRC32C of the 512 bytes with the digest zeroed)", hex(h.digest()));
        }
    }

    private static JumpTable loadIndex(ByteSource file, ZFileHeader f, int n, long dataStart) {
        String name = file.name();
        long io = f.indexOffset();
        int bs = f.blockSize();
        int min = f.hasBlockCrc() ? 5 : 1;
        long max = bs + (bs >>> 6) + 1024L; // above any LZ4/ZSTD bound for bs bytes, CRC included
        JumpTable.Builder b = new JumpTable.Builder(n, bs, dataStart);
        MemorySegment mappedFile = file.segment();
        int crcReg = 0;
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment buf = mappedFile == null ? scratch.allocate(Math.min(INDEX_CHUNK, Math.max(4, 4L * n)), 8) : null;
            for (long base = 0; base < n; ) {
                int cnt = (int) Math.min(INDEX_CHUNK / 4, n - base);
                MemorySegment chunk;
                if (mappedFile != null) {
                    chunk = mappedFile.asSlice(io + 4 * base, 4L * cnt);
                } else {
                    file.read(io + 4 * base, buf, 0, 4L * cnt);
                    chunk = buf.asSlice(0, 4L * cnt);
                }
                crcReg = Crc32cRaw.crc(crcReg, chunk);
                for (int j = 0; j < cnt; j++) {
                    long s = Le.u32(chunk, 4L * j);
                    if (s < min || s > max) {
                        throw new FormatException(name, io + 4 * (base + j), "index[" + (base + j) + "]",
                                "a stored block size in [" + min + ", " + max + "] for block_size " + bs
                                        + (min == 5 ? " with CRC" : ""), String.valueOf(s));
                    }
                    b.add(s);
                }
                base += cnt;
            }
        }
        if (f.hasDigest() && crcReg != f.indexCrc()) {
            throw new FormatException(name, io, "index_crc", hex(crcReg) + " (raw CRC32C of the " + n + " index entries)",
                    hex(f.indexCrc()));
        }
        if (b.position() > io) {
            throw new FormatException(name, io, "index", "block sizes summing to at most index_offset - " + dataStart
                    + " = " + (io - dataStart), "blocks ending at " + b.position());
        }
        return b.build();
    }

    private static FormatException flags(String name, long pos, String field, String expected, long flags) {
        return new FormatException(name, pos + ZFileHeader.OFF_FLAGS, field, expected,
                "0x" + Long.toHexString(flags) + " (" + ZFileHeader.describeFlags(flags) + ")");
    }

    private static String hex(int v) {
        return String.format("0x%08X", v);
    }

    // ------------------------------------------------------------------------------------------
    // Reads

    @Override
    public String name() { return name; }

    /** The decompressed size ({@code original_file_size}). */
    @Override
    public long size() { return size; }

    @Override
    public void read(long position, MemorySegment dst, long dstOffset, long length) {
        if (length == 0) {
            return;
        }
        if (position < 0 || length < 0 || position > size - length) {
            throw new UsageException(name + ": read of " + length + " bytes at " + position
                    + " is outside the decompressed size " + size);
        }
        if (split && length >= SPLIT_MIN_BYTES) {
            ReadHelper h = ReadHelper.tryAcquire(dst);
            if (h != null) {
                splitRead(h, position, dst, dstOffset, length);
                return;
            }
        }
        readRange(position, dst, dstOffset, length);
    }

    /** This thread and a helper take chunks of 64 KiB of blocks (at least one block) in turn. */
    private void splitRead(ReadHelper h, long position, MemorySegment dst, long dstOffset, long length) {
        h.read(this, shift, Math.max(1, SPLIT_CHUNK >>> shift), position, dst, dstOffset, length);
    }

    /** Reads block by block on this thread; on a failure, zeroes the destination from the failing block on. */
    void readRange(long position, MemorySegment dst, long dstOffset, long length) {
        Scratch t = SCRATCH.get();
        long end = position + length;
        int first = (int) (position >>> shift);
        int last = (int) ((end - 1) >>> shift);
        long d = dstOffset;
        for (int b = first; b <= last; b++) {
            long start = (long) b << shift;
            int from = (int) Math.max(0, position - start);
            int to = (int) Math.min(blockLen(b), end - start);
            try {
                readBlock(b, from, to, dst, d, t);
            } catch (RuntimeException e) {
                dst.asSlice(d, dstOffset + length - d).fill((byte) 0);
                throw e;
            }
            d += to - from;
        }
    }

    private void readBlock(int b, int from, int to, MemorySegment dst, long d, Scratch t) {
        int len = blockLen(b);
        if (cache != null && cache.copyIfPresent(b, from, to, dst, d)) {
            return;
        }
        if (from == 0 && to == len && dst.isNative() && !dst.isReadOnly()) {
            ByteBuffer view = t.view(dst, d, len);
            decode(b, len, len, view, t.viewOff, null, t);
            return;
        }
        if (cache != null) {
            int s = cache.slot(b);
            long stamp = cache.tryLock(s);
            if (stamp != 0) {
                try {
                    boolean walking = cache.key(s) == b; // it held the start of this block: reads walk it, decode it all
                    cache.set(s, -1, 0);
                    int got = decode(b, len, walking ? len : to, cache.buffer(), cache.base(s), cache.segment(), t);
                    cache.set(s, b, got);
                    Bytes.copy(cache.segment(), cache.base(s) + (long) from, dst, d, to - from);
                } finally {
                    cache.unlock(s, stamp);
                }
                return;
            }
        }
        decode(b, len, to, t.decoded, 0, t.decodedSeg, t);
        Bytes.copy(t.decodedSeg, from, dst, d, to - from);
    }

    /** Original bytes in block {@code b}: the block size, less for the last block. */
    private int blockLen(int b) {
        return b == table.count() - 1 ? lastLen : blockSize;
    }

    /**
     * Verifies block {@code b}'s CRC and decodes at least its first {@code need} bytes into
     * {@code out[outOff...]} ({@code outSeg} is the same memory, used by the partial LZ4 decoder).
     * Returns the bytes decoded.
     */
    private int decode(int b, int len, int need, ByteBuffer out, int outOff, MemorySegment outSeg, Scratch t) {
        long off = table.offset(b);
        int stored = (int) (table.offset(b + 1) - off);
        int payload = stored - (crc ? 4 : 0);
        ByteBuffer src;
        int srcOff;
        MemorySegment srcSeg;
        long srcSegOff;
        if (mapped != null) {
            int w = (int) (off >>> WINDOW_SHIFT);
            src = windows[w];
            srcOff = (int) (off - ((long) w << WINDOW_SHIFT));
            srcSeg = mapped;
            srcSegOff = off;
            if (crc) {
                ByteBuffer v = t.crcView(src); // the thread's own position and limit over the shared window
                verify(b, off, payload, v, srcOff, mapped.get(Le.INT, off + payload));
            }
        } else {
            t.stage(stored);
            file.read(off, t.stagedSeg, 0, stored);
            src = t.staged;
            srcOff = 0;
            srcSeg = t.stagedSeg;
            srcSegOff = 0;
            if (crc) {
                try {
                    verify(b, off, payload, t.staged, 0, t.stagedSeg.get(Le.INT, payload));
                } catch (FormatException e) {
                    // A cached copy may be bad (a registry blob's cache): drop it and fetch once more.
                    if (!file.evict(off, stored)) {
                        throw e;
                    }
                    file.read(off, t.stagedSeg, 0, stored);
                    verify(b, off, payload, t.staged, 0, t.stagedSeg.get(Le.INT, payload));
                } finally {
                    // The codecs check absolute ranges against the limit verify() set. The buffer is the
                    // thread's, shared by every reader: left short by a CRC failure, it failed every later
                    // decode of a longer block on this thread, in any file.
                    t.staged.clear();
                }
            }
        }
        try {
            if (lz4) {
                Lz4Partial.validate(srcSeg, srcSegOff, payload, len); // partial and whole decodes then agree
            }
            if (lz4 && need < len && outSeg != null) {
                return Lz4Partial.decode(srcSeg, srcSegOff, payload, outSeg, outOff, len, need);
            }
            codec.decompress(src, srcOff, payload, out, outOff, len);
            return len;
        } catch (BlockCodec.DecodeException | IndexOutOfBoundsException e) {
            throw new FormatException(name, off, "block[" + b + "].data",
                    len + " bytes of " + codec.name() + " data (original bytes " + ((long) b << shift) + ".."
                            + (((long) b << shift) + len) + ")", e.getMessage(), e);
        }
    }

    private void verify(int b, long off, int payload, ByteBuffer v, int vOff, int stored) {
        v.limit(vOff + payload).position(vOff);
        int got = Crc32cRaw.crc(Crc32cRaw.BLOCK_SEED, v);
        if (got != stored) {
            throw new FormatException(name, off, "block[" + b + "].crc",
                    hex(got) + " (raw CRC32C, seed 100007, of the " + payload + " compressed bytes; CRC field at "
                            + (off + payload) + ")", hex(stored));
        }
    }

    /**
     * Decodes every block, verifying CRCs when present, as {@code obd zfile check} does.
     *
     * @throws FormatException at the first bad block, naming its number and offset
     */
    public CheckReport check() {
        Scratch t = SCRATCH.get();
        long stored = 0;
        for (int b = 0; b < table.count(); b++) {
            int len = blockLen(b);
            decode(b, len, len, t.decoded, 0, null, t);
            stored += table.stored(b);
        }
        return new CheckReport(table.count(), crc ? table.count() : 0, stored, size);
    }

    // ------------------------------------------------------------------------------------------
    // Description

    /** The header at offset 0 as stored. */
    public ZFileHeader header() { return header; }

    /** The trailer, or null when the header was overwritten with the final fields (the trailer is not read). */
    public ZFileHeader trailer() { return trailer; }

    /** The block whose fields the reader uses: the trailer, or the overwritten header. */
    public ZFileHeader fields() { return fields; }

    /** The block codec. */
    public BlockCodec codec() { return codec; }

    /** Number of blocks. */
    public int blockCount() { return table.count(); }

    /** Byte offset of block {@code b} in the file. */
    public long blockOffset(int b) { return table.offset(b); }

    /** Stored size of block {@code b}: compressed bytes plus the CRC when present. */
    public int blockStored(int b) { return table.stored(b); }

    /** Size of the ZFile itself. */
    public long fileSize() { return file.size(); }

    /** Slots of the decoded-block cache (0 without cache). */
    public int cacheSlots() { return cache == null ? 0 : cache.slots(); }

    @Override
    public void close() {
        if (cache != null) {
            cache.close();
        }
        file.close();
    }

    @Override
    public String toString() {
        return "ZFile " + name + " (" + codec.name() + ", " + blockSize + "-byte blocks, " + table.count() + " blocks"
                + (crc ? ", crc" : "") + ")";
    }

    // ------------------------------------------------------------------------------------------

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffers: reused by every read on the thread, so reads allocate nothing. */
    private static final class Scratch {
        final ByteBuffer decoded = ByteBuffer.allocateDirect(65536);
        final MemorySegment decodedSeg = MemorySegment.ofBuffer(decoded);
        ByteBuffer staged;
        MemorySegment stagedSeg;
        private ByteBuffer crcWindow;
        private ByteBuffer crcView;
        private MemorySegment lastDst;
        private ByteBuffer lastView;
        int viewOff;

        /** A duplicate of {@code window} whose position and limit this thread may move; reused while the window is. */
        ByteBuffer crcView(ByteBuffer window) {
            if (window != crcWindow) {
                crcView = window.duplicate();
                crcWindow = window;
            }
            return crcView;
        }

        /** A direct buffer of at least {@code n} bytes for compressed bytes of an unmapped source. */
        void stage(int n) {
            if (staged == null || staged.capacity() < n) {
                staged = ByteBuffer.allocateDirect(Math.max(n, 70 * 1024));
                stagedSeg = MemorySegment.ofBuffer(staged);
            }
        }

        /** A buffer over {@code dst} with {@link #viewOff} set for byte {@code d}; reused while the caller reuses dst. */
        ByteBuffer view(MemorySegment dst, long d, int len) {
            if (dst.byteSize() <= Integer.MAX_VALUE) {
                if (dst != lastDst) {
                    lastView = dst.asByteBuffer();
                    lastDst = dst;
                }
                viewOff = (int) d;
                return lastView;
            }
            viewOff = 0;
            return dst.asSlice(d, len).asByteBuffer();
        }
    }
}
