package dev.obdj.io;

import java.lang.foreign.MemorySegment;

/**
 * Random-access bytes below the LSMT reader: a memory-mapped file, a ZFile-decompressed view,
 * later a remote blob. The LSMT reader only ever sees this interface, so compressed and remote
 * layers slot in without touching it.
 *
 * <p>Implementations are safe for concurrent {@link #read} calls from many threads.
 */
public interface ByteSource extends AutoCloseable {

    /** A name for error messages, normally the file path. */
    String name();

    /** Number of readable bytes (for a compressed source, the decompressed size). */
    long size();

    /**
     * Copies {@code length} bytes starting at {@code position} into {@code dst} at
     * {@code dstOffset}. The range must lie inside {@code [0, size())}; callers check that.
     *
     * @throws dev.obdj.StorageException on an I/O error
     * @throws dev.obdj.FormatException  when the bytes cannot be decoded (compressed sources)
     */
    void read(long position, MemorySegment dst, long dstOffset, long length);

    /**
     * The whole content as one readable segment when it is directly addressable (a mapped
     * file), else {@code null}. Lets the index loader work on the file in place.
     */
    default MemorySegment segment() {
        return null;
    }

    /**
     * An open channel on a local file holding exactly this source's bytes at the same positions,
     * or {@code null} when there is none (compressed, remote or sliced sources). Lets a writer
     * read long runs with {@code pread} rather than through a mapping (no page faults, no page
     * tables to build). The source owns the channel: callers must not close it.
     */
    default java.nio.channels.FileChannel channel() {
        return null;
    }

    /** The local file behind this source, or {@code null} when there is none (a remote blob). */
    default java.nio.file.Path path() {
        return null;
    }

    /**
     * Drops any cached copy of {@code [position, position+length)} so the next read fetches it
     * again from where the bytes really live (a registry blob's cache). Called when bytes fail a
     * check (a ZFile block CRC). Returns true when a later read may see different bytes.
     */
    default boolean evict(long position, long length) {
        return false;
    }

    /** Releases the mapping or file handles. Reads after close fail. */
    @Override
    void close();
}
