package dev.obdj.io;

import dev.obdj.FormatException;
import dev.obdj.StorageException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Positional reads from an open {@link FileChannel} (pread), for files that grow while they are
 * read, such as the data file of a writable layer. Does not own the channel.
 */
public final class ChannelSource implements ByteSource {
    private final FileChannel channel;
    private final String name;

    public ChannelSource(FileChannel channel, String name) {
        this.channel = channel;
        this.name = name;
    }

    @Override
    public String name() { return name; }

    @Override
    public long size() {
        try {
            return channel.size();
        } catch (IOException e) {
            throw new StorageException(name, "size", e);
        }
    }

    @Override
    public void read(long position, MemorySegment dst, long dstOffset, long length) {
        ByteBuffer bb = dst.asSlice(dstOffset, length).asByteBuffer();
        long at = position;
        try {
            while (bb.hasRemaining()) {
                int n = channel.read(bb, at);
                if (n < 0) {
                    throw new FormatException(name, at, "data", "bytes up to " + (position + length), "end of file");
                }
                at += n;
            }
        } catch (IOException e) {
            throw new StorageException(name, "read " + length + " bytes at " + position, e);
        }
    }

    @Override
    public FileChannel channel() { return channel; }

    @Override
    public void close() {
        // the channel belongs to the caller
    }
}
