package dev.obdj.io;

import dev.obdj.StorageException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only file mapped into memory through FFM ({@code FileChannel.map(..., Arena)}).
 * A read is one {@code MemorySegment.copy}: no syscall, no intermediate buffer.
 * The mapping lives in a shared arena, so any thread may read until {@link #close()}.
 * {@link #channel()} opens a read channel on the file on first use, for bulk reads.
 */
public final class MappedFile implements ByteSource {
    private final String name;
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private FileChannel channel; // opened by channel(), closed by close()

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.name = path.toString();
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    /** Maps the whole file read-only. */
    public static MappedFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? arena.allocate(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new MappedFile(path, arena, seg);
        } catch (IOException e) {
            arena.close();
            throw new StorageException(path.toString(), "open/map", e);
        }
    }

    @Override
    public String name() { return name; }

    @Override
    public long size() { return segment.byteSize(); }

    @Override
    public void read(long position, MemorySegment dst, long dstOffset, long length) {
        Bytes.copy(segment, position, dst, dstOffset, length);
    }

    @Override
    public MemorySegment segment() { return segment; }

    @Override
    public Path path() { return path; }

    @Override
    public synchronized FileChannel channel() {
        if (channel == null) {
            try {
                channel = FileChannel.open(path, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new StorageException(name, "open", e);
            }
        }
        return channel;
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only: nothing to lose
            }
            channel = null;
        }
    }
}
