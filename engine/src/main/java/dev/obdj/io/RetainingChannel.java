package dev.obdj.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;

/**
 * A sequential sink that can also take bytes by reference. {@link #writeRetained} appends a
 * segment's bytes without copying them at once: the sink reads them later, possibly on other
 * threads, until {@link #releaseRetained()} returns. The caller keeps every such segment alive
 * and unchanged until then (a read-only mapping of a complete file, say).
 *
 * <p>A ZFile writer is one: its compressing threads read the retained input themselves, so the
 * thread that feeds it does not copy every byte first.
 */
public interface RetainingChannel extends WritableByteChannel {

    /** Appends the bytes of {@code src}, which must stay valid and unchanged until {@link #releaseRetained()}. */
    void writeRetained(MemorySegment src) throws IOException;

    /** Returns once no segment passed to {@link #writeRetained} will be read again; the caller may then free them. */
    void releaseRetained() throws IOException;
}
