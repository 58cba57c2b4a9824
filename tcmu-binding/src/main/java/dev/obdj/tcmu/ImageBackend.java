package dev.obdj.tcmu;

import dev.obdj.Image;

import java.lang.foreign.MemorySegment;

/** Serves an obdj {@link Image}: writable (with discards) when it has a writable top. */
public final class ImageBackend implements BlockBackend {
    private final Image image;
    private final String description;

    public ImageBackend(Image image, String description) {
        this.image = image;
        this.description = description;
    }

    public Image image() { return image; }

    /** What the image was opened from, for logs. */
    public String description() { return description; }

    @Override public long size() { return image.size(); }
    @Override public boolean writable() { return image.isWritable(); }
    @Override public boolean canDiscard() { return image.isWritable(); }

    @Override
    public void read(long offset, MemorySegment dst, long dstOffset, long length) {
        image.read(offset, dst, dstOffset, length);
    }

    @Override
    public void write(long offset, MemorySegment src, long srcOffset, long length) {
        image.write(offset, src, srcOffset, length);
    }

    @Override public void discard(long offset, long length) { image.discard(offset, length); }

    @Override
    public void flush() {
        if (image.isWritable()) image.flush();
    }

    @Override public void close() { image.close(); }
}
