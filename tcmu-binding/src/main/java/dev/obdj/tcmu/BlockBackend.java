package dev.obdj.tcmu;

import java.lang.foreign.MemorySegment;

/**
 * What the SCSI target serves: a byte-addressed disk. {@link ImageBackend} adapts an obdj
 * {@link dev.obdj.Image}; tests and benchmarks use memory. Reads and writes may come from many
 * threads at once.
 */
public interface BlockBackend extends AutoCloseable {
    /** Size in bytes. */
    long size();

    /** True when writes are accepted. */
    boolean writable();

    /** True when {@link #discard} is supported (the range then reads as zeros). */
    boolean canDiscard();

    void read(long offset, MemorySegment dst, long dstOffset, long length);

    void write(long offset, MemorySegment src, long srcOffset, long length);

    /** Makes the range read as zeros. */
    void discard(long offset, long length);

    /** Makes every earlier write and discard durable. */
    void flush();

    @Override
    void close();
}
