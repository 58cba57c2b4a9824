package dev.obdj.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;

/** Blocking whole-buffer reads and writes on a socket channel. */
final class NbdIo {
    private NbdIo() {}

    /** Fills {@code b} from its position to its limit; EOF before that is an {@link EOFException}. */
    static void readFully(ByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("peer closed the connection");
            }
        }
    }

    /** Reads and drops {@code n} bytes through {@code scratch}. */
    static void skip(ByteChannel ch, long n, ByteBuffer scratch) throws IOException {
        while (n > 0) {
            scratch.clear().limit((int) Math.min(scratch.capacity(), n));
            readFully(ch, scratch);
            n -= scratch.limit();
        }
    }

    static void writeFully(ByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    static void writeFully(GatheringByteChannel ch, ByteBuffer[] bufs) throws IOException {
        long left = 0;
        for (ByteBuffer b : bufs) {
            left += b.remaining();
        }
        int first = 0;
        while (left > 0) {
            left -= ch.write(bufs, first, bufs.length - first);
            while (first < bufs.length && !bufs[first].hasRemaining()) {
                first++;
            }
        }
    }
}
