package dev.obdj.lsmt;

import dev.obdj.ProgressListener;
import dev.obdj.StorageException;
import dev.obdj.UsageException;
import dev.obdj.io.Bytes;
import dev.obdj.io.ByteSource;
import dev.obdj.io.ChannelSource;
import dev.obdj.io.MappedFile;
import dev.obdj.io.Posix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A writable (RW) LSMT layer on disk: a data file (4 KiB header, then write payloads appended at
 * EOF) and an index file (4 KiB header, then one 16-byte entry per write piece or discard).
 *
 * <p>Durability: payloads are staged in memory and appended to the data file in 1 MiB writes;
 * their index entries are kept in memory and appended in batches, always after the data they
 * point to has been written and forced to disk.
 * {@link #flush()} forces the data ({@code fdatasync}: the data and the size and block metadata
 * needed to read it back), appends the pending entries and forces the index, so every
 * write that returned before {@code flush()} survives a crash of the process or the machine.
 * Once a layer has been flushed, each 1 MiB appended to the data file has its writeback started at
 * once ({@code sync_file_range(SYNC_FILE_RANGE_WRITE)}, which makes nothing durable by itself), so
 * the next flush's data force waits only for the tail; a layer never flushed leaves writeback to
 * the kernel.
 * Writes not yet flushed may be lost, but never leave an entry pointing at data that is not on
 * disk. A torn last entry (a crash mid-append) is dropped on reopen.
 *
 * <p>One writer per layer: the index file is locked exclusively (advisory) while open. Not
 * thread-safe; {@link WritableStack} serialises access.
 */
public final class RwLayer implements AutoCloseable {
    /** Writes are split into pieces of at most this many sectors (the reference's 4 MiB MAX_IO_SIZE). */
    public static final int MAX_IO_SECTORS = 8192;
    /**
     * Index entries kept in memory before a batch append: the buffer starts at 64 KiB and doubles
     * up to 16 MiB (1M entries). Appending before a flush costs a data fsync (the entries must not
     * reach the disk before their data), so the bound is generous.
     */
    private static final int PENDING_FIRST = 4096;
    private static final int PENDING_MAX = 1 << 20;
    /** Write payloads staged in memory and appended to the data file in one write (1 MiB). */
    private static final int STAGE_BYTES = 1 << 20;
    private static final System.Logger LOG = System.getLogger(RwLayer.class.getName());

    private final Path dataPath;
    private final Path indexPath;
    private final FileChannel data;
    private final FileChannel index;
    private final FileLock lock;
    private final ChannelSource dataSource;
    private final LiveIndex live = new LiveIndex();
    private LsmtHeader dataHeader;
    private LsmtHeader indexHeader;
    private long dataEnd;
    private long indexEnd;
    private long virtualSize;
    private final Arena arena = Arena.ofShared();
    private Arena pendingArena = Arena.ofShared();
    private MemorySegment pending = pendingArena.allocate((long) PENDING_FIRST * SegmentMapping.BYTES, 8);
    private final MemorySegment stage = arena.allocate(STAGE_BYTES, 4096);
    private long fileEnd; // data bytes in the file; [fileEnd, dataEnd) sit in the stage
    private int pendingCount;
    private boolean dirtyData; // data appended since the last data force
    private boolean dirtyIndex; // entries appended since the last index force
    private boolean flushed; // flush() was called: start the writeback of each drained chunk at once
    private boolean writebackOff; // sync_file_range failed once: no early writeback for this layer
    private boolean closed;
    private boolean sparse;
    private Posix.Fd punchFd; // sparse layers: for fallocate(PUNCH_HOLE)
    private Posix.Fd writebackFd; // for sync_file_range; null until needed or when unavailable

    private RwLayer(Path dataPath, Path indexPath, FileChannel data, FileChannel index, FileLock lock) {
        this.dataPath = dataPath;
        this.indexPath = indexPath;
        this.data = data;
        this.index = index;
        this.lock = lock;
        this.dataSource = new ChannelSource(data, dataPath.toString());
    }

    /**
     * Creates a new, empty RW layer. Both files must not exist.
     *
     * @param uuid       stored uuid (already normalised)
     * @param parentUuid stored parent uuid (already normalised)
     * @param sparse     the sparse variant: data stored in place at 4096 + offset in a sparse data
     *                   file of {@code virtualSize + 4096} bytes, no index entries (the mappings
     *                   are rebuilt from the file's holes on open)
     */
    public static RwLayer create(Path dataPath, Path indexPath, long virtualSize, String uuid, String parentUuid,
                                 boolean sparse) {
        if (virtualSize <= 0 || virtualSize % 512 != 0) {
            throw new UsageException("virtual size must be a positive multiple of 512 bytes, got " + virtualSize);
        }
        FileChannel d = null, i = null;
        try {
            d = FileChannel.open(dataPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            i = FileChannel.open(indexPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            RwLayer l = new RwLayer(dataPath, indexPath, d, i, lock(d, dataPath));
            l.sparse = sparse;
            l.dataHeader = new LsmtHeader(LsmtHeader.FLAG_HEADER | LsmtHeader.FLAG_DATA
                    | (sparse ? LsmtHeader.FLAG_SPARSE_RW : 0), 0, 0, virtualSize, uuid, parentUuid, 1, 1, new byte[0]);
            l.indexHeader = new LsmtHeader(LsmtHeader.FLAG_HEADER, LsmtHeader.BLOCK, 0, virtualSize, uuid,
                    parentUuid, 1, 1, new byte[0]);
            l.writeHeaders();
            if (sparse) {
                d.truncate(0);
                l.writeHeaders();
                d.write(ByteBuffer.allocate(1), LsmtHeader.BLOCK + virtualSize - 1); // sparse to vsize + 4096
            }
            l.dataEnd = LsmtHeader.BLOCK;
            l.fileEnd = LsmtHeader.BLOCK;
            l.indexEnd = LsmtHeader.BLOCK;
            l.virtualSize = virtualSize;
            d.force(true);
            i.force(true);
            return l;
        } catch (IOException e) {
            closeQuietly(d, i);
            throw new StorageException(dataPath + ", " + indexPath, "create", e);
        } catch (RuntimeException e) {
            closeQuietly(d, i);
            throw e;
        }
    }

    /** Reopens an existing RW layer for writing, replaying its index. */
    public static RwLayer open(Path dataPath, Path indexPath) {
        FileChannel d = null, i = null;
        try {
            d = FileChannel.open(dataPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            i = FileChannel.open(indexPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            RwLayer l = new RwLayer(dataPath, indexPath, d, i, lock(d, dataPath));
            long isz = i.size();
            long whole = LsmtHeader.BLOCK + Math.max(0, (isz - LsmtHeader.BLOCK) / SegmentMapping.BYTES * SegmentMapping.BYTES);
            if (isz > whole) {
                LOG.log(System.Logger.Level.WARNING, "{0}: dropping a torn index entry at the end ({1} bytes at {2})",
                        indexPath, isz - whole, whole);
                i.truncate(whole);
                l.dirtyIndex = true;
            }
            long dsz = d.size();
            if (dsz % 512 != 0) { // a crash mid-append: pad so new data starts on a sector
                d.write(ByteBuffer.allocate((int) (512 - dsz % 512)), dsz);
                dsz = d.size();
                l.dirtyData = true;
            }
            try (ByteSource dm = MappedFile.open(dataPath); ByteSource im = MappedFile.open(indexPath);
                 RwLayerView view = RwLayerView.open(dm, im)) {
                l.dataHeader = view.dataHeader();
                l.indexHeader = view.indexHeader();
                MappingTable t = view.index();
                for (long k = 0; k < t.count(); k++) {
                    l.live.insert(t.lo(k), t.hi(k));
                }
                l.virtualSize = view.virtualSize();
                l.sparse = view.dataHeader().isSparse();
            }
            l.dataEnd = dsz;
            l.fileEnd = dsz;
            l.indexEnd = i.size();
            return l;
        } catch (IOException e) {
            closeQuietly(d, i);
            throw new StorageException(dataPath + ", " + indexPath, "open for writing", e);
        } catch (RuntimeException e) {
            closeQuietly(d, i);
            throw e;
        }
    }

    private static FileLock lock(FileChannel ch, Path p) throws IOException {
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            throw new UsageException(p + ": the RW layer is already open for writing (data file locked by another writer)");
        }
        return l;
    }

    private static void closeQuietly(FileChannel... chs) {
        for (FileChannel c : chs) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    private void writeHeaders() throws IOException {
        byte[] b = new byte[LsmtHeader.BLOCK];
        dataHeader.encode(MemorySegment.ofArray(b));
        writeFully(data, ByteBuffer.wrap(b), 0);
        indexHeader.encode(MemorySegment.ofArray(b));
        writeFully(index, ByteBuffer.wrap(b), 0);
    }

    private static void writeFully(FileChannel ch, ByteBuffer bb, long at) throws IOException {
        while (bb.hasRemaining()) {
            at += ch.write(bb, at);
        }
    }

    /** Current virtual size in bytes: the header's, or more after writes past it. */
    public long virtualSize() { return virtualSize; }

    /** Raises the in-memory virtual size to {@code end} (headers unchanged, as in the reference). */
    void extendTo(long end) {
        virtualSize = Math.max(virtualSize, end);
    }

    public LsmtHeader dataHeader() { return dataHeader; }

    /** True for the sparse variant. */
    public boolean isSparse() { return sparse; }

    /** Live mappings. */
    public long entries() { return live.size(); }

    LiveIndex live() { return live; }

    /**
     * Appends {@code src} (a multiple of 512 bytes) as data for logical sectors starting at
     * {@code sector}, in pieces of at most {@link #MAX_IO_SECTORS}.
     */
    public void write(long sector, MemorySegment src) {
        ensureOpen();
        long sectors = src.byteSize() / 512;
        try {
            if (sparse) { // in place; the mapping exists only in memory and in the file's extents
                writeFully(data, src.asByteBuffer(), LsmtHeader.BLOCK + sector * 512);
                dirtyData = true;
                for (long done = 0; done < sectors; ) {
                    int n = (int) Math.min(SegmentMapping.MAX_LENGTH, sectors - done);
                    live.insert(SegmentMapping.lo(sector + done, n), SegmentMapping.hi(sector + done + 8, false, 0));
                    done += n;
                }
                return;
            }
            for (long done = 0; done < sectors; ) {
                int n = (int) Math.min(MAX_IO_SECTORS, sectors - done);
                long mo = dataEnd / 512;
                long bytes = (long) n * 512;
                if (dataEnd - fileEnd + bytes > STAGE_BYTES) {
                    drainStage(flushed);
                }
                if (bytes > STAGE_BYTES) {
                    writeFully(data, src.asSlice(done * 512, bytes).asByteBuffer(), dataEnd);
                    fileEnd = dataEnd + bytes;
                    if (flushed) {
                        startWriteback(dataEnd, bytes);
                    }
                } else {
                    Bytes.copy(src, done * 512, stage, dataEnd - fileEnd, bytes);
                }
                dataEnd += bytes;
                dirtyData = true;
                append(SegmentMapping.lo(sector + done, n), SegmentMapping.hi(mo, false, 0));
                done += n;
            }
        } catch (IOException e) {
            throw new StorageException(dataPath.toString(), "write at " + dataEnd, e);
        }
    }

    /** Marks sectors as zeroed (a discard), in pieces of at most 16383 sectors. */
    public void discard(long sector, long sectors) {
        ensureOpen();
        if (sparse) {
            if (punchFd == null) {
                punchFd = Posix.open(dataPath, Posix.O_RDWR);
            }
            Posix.fallocate(punchFd, Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE,
                    LsmtHeader.BLOCK + sector * 512, sectors * 512);
            for (long done = 0; done < sectors; ) {
                int n = (int) Math.min(SegmentMapping.MAX_LENGTH, sectors - done);
                live.insert(SegmentMapping.lo(sector + done, n), SegmentMapping.hi(sector + done + 8, true, 0));
                done += n;
            }
            return;
        }
        for (long done = 0; done < sectors; ) {
            int n = (int) Math.min(SegmentMapping.MAX_LENGTH, sectors - done);
            append(SegmentMapping.lo(sector + done, n), SegmentMapping.hi(dataEnd / 512, true, 0));
            done += n;
        }
    }

    private void append(long lo, long hi) {
        live.insert(lo, hi);
        if (pendingCount * (long) SegmentMapping.BYTES == pending.byteSize()) {
            if (pendingCount < PENDING_MAX) {
                Arena next = Arena.ofShared();
                MemorySegment bigger = next.allocate(pending.byteSize() * 2, 8);
                Bytes.copy(pending, 0, bigger, 0, pending.byteSize());
                pendingArena.close();
                pendingArena = next;
                pending = bigger;
            } else {
                appendPending(false);
            }
        }
        SegmentMapping.put(pending, pendingCount++, lo, hi);
    }

    /** Appends the staged payloads to the data file, starting their writeback when {@code early}. */
    private void drainStage(boolean early) throws IOException {
        if (dataEnd > fileEnd) {
            long at = fileEnd, n = dataEnd - fileEnd;
            writeFully(data, stage.asSlice(0, n).asByteBuffer(), at);
            fileEnd = dataEnd;
            if (early) {
                startWriteback(at, n);
            }
        }
    }

    /**
     * Starts writing {@code [at, at + n)} of the data file back to disk without waiting, so the
     * next data force finds it written or under way. Durability does not depend on it: a failure
     * here only turns it off (a write error still surfaces at the force, through the channel).
     */
    private void startWriteback(long at, long n) {
        try {
            if (writebackFd == null) {
                writebackFd = Posix.open(dataPath, Posix.O_RDWR);
            }
            Posix.syncFileRange(writebackFd, at, n, Posix.SYNC_FILE_RANGE_WRITE);
        } catch (RuntimeException e) {
            writebackOff = true; // for good: later flushes do not turn it back on
            flushed = false;
            LOG.log(System.Logger.Level.DEBUG, "{0}: no early writeback: {1}", dataPath, e.getMessage());
        }
    }

    /**
     * Writes and forces the data, then appends pending entries (and forces the index when asked).
     * Forces are {@code fdatasync}: the files grow, so it still commits their new size and blocks,
     * which is all a reader needs; only timestamps are left to the kernel.
     */
    private void appendPending(boolean forceIndex) {
        try {
            drainStage(false);
            if (dirtyData) {
                data.force(false);
                dirtyData = false;
            }
            if (pendingCount > 0) {
                long bytes = (long) pendingCount * SegmentMapping.BYTES;
                writeFully(index, pending.asSlice(0, bytes).asByteBuffer(), indexEnd);
                indexEnd += bytes;
                pendingCount = 0;
                dirtyIndex = true;
            }
            if (forceIndex && dirtyIndex) {
                index.force(false);
                dirtyIndex = false;
            }
        } catch (IOException e) {
            throw new StorageException(indexPath.toString(), "append index entries", e);
        }
    }

    /** Makes every earlier write and discard durable. */
    public void flush() {
        ensureOpen();
        appendPending(true);
        flushed = !sparse && !writebackOff;
    }

    /** Grows the virtual size and rewrites both headers (the reference's {@code update_vsize}). */
    public void grow(long newSize) {
        ensureOpen();
        if (newSize < virtualSize || newSize % 512 != 0) {
            throw new UsageException("new virtual size must be a multiple of 512 and at least " + virtualSize + ", got " + newSize);
        }
        dataHeader = withVsize(dataHeader, newSize);
        indexHeader = withVsize(indexHeader, newSize);
        try {
            writeHeaders();
            if (sparse && data.size() < LsmtHeader.BLOCK + newSize) {
                data.write(ByteBuffer.allocate(1), LsmtHeader.BLOCK + newSize - 1);
            }
            data.force(false);
            index.force(false);
        } catch (IOException e) {
            throw new StorageException(dataPath.toString(), "rewrite headers", e);
        }
        virtualSize = newSize;
    }

    private static LsmtHeader withVsize(LsmtHeader h, long vs) {
        return new LsmtHeader(h.flags(), h.indexOffset(), h.indexSize(), vs, h.uuid(), h.parentUuid(), h.version(),
                h.subVersion(), h.userTag());
    }

    /**
     * Writes a committed blob of this layer to {@code out}: no garbage, compacted index (see
     * {@link BlobWriter}). The virtual size is the data header's, as in the reference.
     */
    public long commit(WritableByteChannel out, String outName, String uuid, String parentUuid, byte[] userTag,
                       ProgressListener progress) {
        ensureOpen();
        try {
            drainStage(false);
        } catch (IOException e) {
            throw new StorageException(dataPath.toString(), "write at " + fileEnd, e);
        }
        // the data file is complete once drained: mapped, so a stream output (ZFile) takes runs
        // straight from the mapping, while a plain file output reads them with pread (its channel)
        try (MappingTable t = live.toTable(); ByteSource mapped = MappedFile.open(dataPath)) {
            String parent = parentUuid != null ? parentUuid : dataHeader.parentUuid();
            return BlobWriter.write(t, new ByteSource[] {mapped},
                    new BlobWriter.Meta(dataHeader.virtualSize(), uuid != null ? uuid : LsmtHeader.NULL_UUID, parent, userTag),
                    out, outName, progress);
        }
    }

    /**
     * Seals the data file in place (the reference's {@code close_seal}): appends the sorted index
     * (not compacted, zero-padded to 512 bytes) and a sealed trailer at the data file's end, then
     * closes the layer. The data file is then a valid read-only layer.
     */
    public void seal() {
        ensureOpen();
        flush();
        try {
            dataEnd = (data.size() + 511) & ~511L;
        } catch (IOException e) {
            throw new StorageException(dataPath.toString(), "size", e);
        }
        try (MappingTable t = live.toTable(); Arena a = Arena.ofConfined()) {
            long n = t.count();
            long bytes = (n * SegmentMapping.BYTES + 511) / 512 * 512;
            MemorySegment buf = a.allocate(bytes + LsmtHeader.BLOCK, 8);
            Bytes.copy(t.entries(), 0, buf, 0, n * SegmentMapping.BYTES);
            LsmtHeader trailer = new LsmtHeader(LsmtHeader.FLAG_DATA | LsmtHeader.FLAG_SEALED
                    | (dataHeader.flags() & LsmtHeader.FLAG_SPARSE_RW), dataEnd, n, dataHeader.virtualSize(),
                    dataHeader.uuid(), dataHeader.parentUuid(), 1, 1, new byte[0]);
            trailer.encode(buf.asSlice(bytes, LsmtHeader.BLOCK));
            writeFully(data, buf.asByteBuffer(), dataEnd);
            dataEnd += buf.byteSize();
            fileEnd = dataEnd;
            data.force(true);
        } catch (IOException e) {
            throw new StorageException(dataPath.toString(), "seal", e);
        }
        close();
    }

    /** Reads {@code length} bytes of the data file at byte {@code position}. */
    void readData(long position, MemorySegment dst, long dstOffset, long length) {
        long inFile = Math.max(0, Math.min(length, fileEnd - position));
        if (inFile > 0) {
            dataSource.read(position, dst, dstOffset, inFile);
        }
        if (inFile < length) { // the rest is still staged
            Bytes.copy(stage, position + inFile - fileEnd, dst, dstOffset + inFile, length - inFile);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new UsageException(dataPath + ": the RW layer is closed");
        }
    }

    /** Flushes and closes both files, releasing the lock. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            appendPending(true);
        } finally {
            closed = true;
            try {
                lock.release();
            } catch (IOException ignored) {
                // closing the channel releases it anyway
            }
            closeQuietly(data, index);
            if (punchFd != null) {
                punchFd.close();
            }
            if (writebackFd != null) {
                writebackFd.close();
            }
            pendingArena.close();
            arena.close();
        }
    }
}
