package dev.obdj.io;

import dev.obdj.StorageException;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only file mapped into memory through FFM ({@code FileChannel.map(..., Arena)}).
 * A read is one {@code MemorySegment.copy}: no syscall, no intermediate buffer.
 * The mapping lives in a shared arena, so any thread may read until {@link #close()}.
 *
 * <p>The file is opened by {@link #open} and mapped on the first call to {@link #segment()} or
 * {@link #read}, by whichever thread gets there first: a fresh JVM spends milliseconds setting
 * up FFM for its first mapping, and opening a layer needs none of it (it reads the header and
 * checks the index with {@link #readFully pread} on the open channel, {@link #channel()}).
 * A failure to map is reported on that first use, as a {@link StorageException}.
 */
public final class MappedFile implements ByteSource {
    private final String name;
    private final Path path;
    private final FileChannel channel; // open from open() to close()
    private final long size;
    private volatile MemorySegment segment; // null until mapped
    private Arena arena;                     // guarded by this
    private boolean closed;                  // guarded by this

    private MappedFile(Path path, FileChannel channel, long size) {
        this.name = path.toString();
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    /** Opens the file for reading; the mapping of the whole file is made on first use. */
    public static MappedFile open(Path path) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            return new MappedFile(path, ch, ch.size());
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the open error is the one to report
                }
            }
            throw new StorageException(path.toString(), "open", e);
        }
    }

    @Override
    public String name() { return name; }

    @Override
    public long size() { return size; }

    @Override
    public void read(long position, MemorySegment dst, long dstOffset, long length) {
        Bytes.copy(segment(), position, dst, dstOffset, length);
    }

    /**
     * Fills {@code dst} (position to limit) with the bytes at {@code position} by {@code pread},
     * without touching the mapping. The range must lie inside the file.
     */
    public void readFully(long position, ByteBuffer dst) {
        try {
            long at = position;
            while (dst.hasRemaining()) {
                int got = channel.read(dst, at);
                if (got < 0) {
                    throw new EOFException("end of file at " + at + " (file shrank while open?)");
                }
                at += got;
            }
        } catch (IOException e) {
            throw new StorageException(name, "read at " + position, e);
        }
    }

    /** The whole file, mapped on the first call. */
    @Override
    public MemorySegment segment() {
        MemorySegment s = segment;
        return s != null ? s : map();
    }

    private synchronized MemorySegment map() {
        if (segment != null) {
            return segment;
        }
        if (closed) {
            throw new IllegalStateException(name + ": already closed");
        }
        Arena a = Arena.ofShared();
        try {
            segment = size == 0 ? a.allocate(0) : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, a);
        } catch (IOException | RuntimeException e) {
            a.close();
            if (e instanceof IOException io) {
                throw new StorageException(name, "map", io);
            }
            throw (RuntimeException) e;
        }
        arena = a;
        return segment;
    }

    @Override
    public Path path() { return path; }

    @Override
    public FileChannel channel() { return channel; }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (arena != null) {
            arena.close();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
    }
}
