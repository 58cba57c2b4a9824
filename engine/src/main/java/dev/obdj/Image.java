package dev.obdj;

import dev.obdj.config.GlobalConfig;
import dev.obdj.config.ImageConfig;
import dev.obdj.config.ImageSources;
import dev.obdj.io.ByteSource;
import dev.obdj.io.ByteSources;
import dev.obdj.lsmt.LayerStack;
import dev.obdj.lsmt.LsmtHeader;
import dev.obdj.lsmt.MappingTable;
import dev.obdj.lsmt.RwLayer;
import dev.obdj.lsmt.RwLayerView;
import dev.obdj.lsmt.WritableStack;
import dev.obdj.lsmt.SealedLayer;
import dev.obdj.lsmt.SegmentMapping;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An overlaybd image: a stack of LSMT layers (lowest first; each a plain blob or ZFile-compressed)
 * with an optional RW layer on top, seen as one virtual disk. Opened with {@link #open} it is
 * read-only; opened with {@link #openWritable} writes go to the RW layer.
 *
 * <pre>{@code
 * try (Image img = Image.open(List.of(Path.of("layer0.lsmt"), Path.of("layer1.lsmt")))) {
 *     try (Arena arena = Arena.ofConfined()) {
 *         MemorySegment buf = arena.allocate(4096);
 *         img.read(0, buf);              // first 4 KiB of the merged disk
 *     }
 * }
 * }</pre>
 *
 * <p>Layer files are memory-mapped and the merged index is built once, off-heap, at open. Reads
 * take any byte offset and length inside {@link #size()} and are safe from many threads at once;
 * {@link #close()} must not race with reads. Every failure is an {@link ObdjException}.
 */
public final class Image implements AutoCloseable {
    private final LayerStack stack;       // read-only images
    private final WritableStack writable; // images with a writable top
    private final ImageSources sources;   // images opened from a config: prefetch, trace, cache, client

    private Image(LayerStack stack, WritableStack writable) {
        this(stack, writable, null);
    }

    private Image(LayerStack stack, WritableStack writable, ImageSources sources) {
        this.stack = stack;
        this.writable = writable;
        this.sources = sources;
    }

    /**
     * Opens the image an overlaybd {@code config.v1.json} describes, read-only (its upper layer, if
     * any, read on top): local layers are mapped, layers given by digest are read on demand from
     * {@code repoBlobUrl} through the cache that {@code global} sets up, a trace is recorded or
     * replayed as configured, and {@code resultFile} receives {@code success} or {@code failed:<reason>}.
     * See docs/REGISTRY.md.
     */
    public static Image open(ImageConfig config, GlobalConfig global) {
        return open(ImageSources.open(config, global, null), false);
    }

    /** As {@link #open(ImageConfig, GlobalConfig)} with the config's upper layer writable (it must have one). */
    public static Image openWritable(ImageConfig config, GlobalConfig global) {
        if (!config.hasUpper()) {
            throw new UsageException(config.source() + ": no upper layer (upper.index and upper.data) to write to");
        }
        return open(ImageSources.open(config, global, null), true);
    }

    /**
     * Builds the image on sources opened by {@link ImageSources#open}; the image owns them from here
     * on, also when this fails. Starts the trace replay and the background download once the image is open.
     */
    public static Image open(ImageSources src, boolean writable) {
        ImageConfig config = src.config();
        ImageConfig.Upper up = config.upper();
        Image img;
        try {
            if (writable) {
                LayerStack lowers = src.lowers().isEmpty() ? null : LayerStack.open(src.lowers(), null, null);
                try {
                    img = new Image(null, new WritableStack(lowers, RwLayer.open(up.data(), up.index())), src);
                } catch (RuntimeException e) {
                    if (lowers != null) lowers.close();
                    throw e;
                }
            } else {
                ByteSource data = null, index = null;
                try {
                    if (up != null) {
                        data = ByteSources.open(up.data());
                        index = ByteSources.open(up.index());
                    }
                } catch (RuntimeException e) {
                    src.lowers().forEach(ByteSource::close);
                    if (data != null) data.close();
                    throw e;
                }
                img = new Image(LayerStack.open(src.lowers(), data, index), null, src);
            }
        } catch (RuntimeException e) {
            src.close();
            config.writeResult(e.getMessage());
            throw e;
        }
        src.startPrefetch(img.diskView());
        src.startDownload();
        config.writeResult(null);
        return img;
    }

    /** The image's disk as a source (for the prefetch of a path list); closing it does nothing. */
    private ByteSource diskView() {
        return new ByteSource() {
            @Override public String name() { return "image"; }
            @Override public long size() { return Image.this.size(); }
            @Override public void read(long position, MemorySegment dst, long dstOffset, long length) {
                Image.this.read(position, dst, dstOffset, length);
            }
            @Override public void close() { }
        };
    }

    /** What opened an image from a config (cache, client, prefetch, trace), or null for images opened from files. */
    public ImageSources sources() {
        return sources;
    }

    /** Opens read-only layers, {@code layers.get(0)} being the lowest. */
    public static Image open(List<Path> layers) {
        return open(layers, null, null);
    }

    /**
     * Opens read-only layers (lowest first, may be empty) with an uncommitted RW layer on top.
     *
     * @param rwData  the RW layer's data file, or null for none
     * @param rwIndex the RW layer's index file, or null for none
     */
    public static Image open(List<Path> layers, Path rwData, Path rwIndex) {
        Objects.requireNonNull(layers, "layers");
        List<ByteSource> sources = new ArrayList<>(layers.size());
        ByteSource data = null, index = null;
        try {
            for (Path p : layers) {
                sources.add(ByteSources.open(p));
            }
            if (rwData != null) data = ByteSources.open(rwData);
            if (rwIndex != null) index = ByteSources.open(rwIndex);
        } catch (RuntimeException e) {
            sources.forEach(ByteSource::close);
            if (data != null) data.close();
            throw e;
        }
        return new Image(LayerStack.open(sources, data, index), null);
    }

    /**
     * Opens read-only layers (lowest first, may be empty) with a writable layer on top (created
     * by {@link Layers#create}). Writes and discards go to the writable layer; reads fall through
     * to the layers below where it has nothing. Only one process may have a layer open for writing.
     */
    public static Image openWritable(List<Path> layers, Path rwData, Path rwIndex) {
        Objects.requireNonNull(rwData, "rwData");
        Objects.requireNonNull(rwIndex, "rwIndex");
        LayerStack lowers = null;
        if (!layers.isEmpty()) {
            lowers = open(layers).stack;
        }
        try {
            return new Image(null, new WritableStack(lowers, RwLayer.open(rwData, rwIndex)));
        } catch (RuntimeException e) {
            if (lowers != null) lowers.close();
            throw e;
        }
    }

    /** True when the image has a writable top ({@link #openWritable}). */
    public boolean isWritable() {
        return writable != null;
    }

    /**
     * Writes {@code length} bytes of {@code src} at any byte offset inside the disk. Whole
     * sectors are appended as they are; partial sectors at the edges are read, merged and written
     * whole. Durable after {@link #flush()}.
     */
    public void write(long offset, MemorySegment src, long srcOffset, long length) {
        Objects.checkFromIndexSize(srcOffset, length, src.byteSize());
        writable().write(offset, src, srcOffset, length);
    }

    /** Writes all of {@code src} at {@code offset}. */
    public void write(long offset, MemorySegment src) {
        writable().write(offset, src, 0, src.byteSize());
    }

    /** Writes {@code src[srcOffset, srcOffset+length)} at {@code offset}. */
    public void write(long offset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        writable().write(offset, MemorySegment.ofArray(src), srcOffset, length);
    }

    /**
     * Discards a range: it reads as zeros afterwards and hides the layers below. Whole sectors
     * become zeroed index entries (no data written); partial edge sectors are written as zeros.
     */
    public void discard(long offset, long length) {
        writable().discard(offset, length);
    }

    /** Makes every earlier write and discard durable: after it returns they survive a crash. */
    public void flush() {
        writable().flush();
    }

    /** Grows the virtual disk to {@code newSize} bytes (a multiple of 512), rewriting the layer headers. */
    public void grow(long newSize) {
        writable().grow(newSize);
    }

    /**
     * Commits the writable layer (alone, not the layers below) into a new sealed blob {@code out},
     * as {@link Layers#commit} does. The image stays open and writable.
     */
    public long commit(Path out, CommitOptions options) {
        WritableStack w = writable();
        return w.exclusive(() -> Layers.commit(w.rw(), out, options, ProgressListener.NONE));
    }

    private WritableStack writable() {
        if (writable == null) {
            throw new UsageException("the image was opened read-only (use Image.openWritable)");
        }
        return writable;
    }

    /** Size of the virtual disk in bytes. */
    public long size() {
        return stack != null ? stack.virtualSize() : writable.virtualSize();
    }

    /** Number of mappings in the merged index (the reference's {@code index_entries}). */
    public long indexEntries() {
        return stack != null ? stack.index().count() : writable.rw().entries();
    }

    /** Fills all of {@code dst} with the disk's bytes starting at {@code offset}. */
    public void read(long offset, MemorySegment dst) {
        read(offset, dst, 0, dst.byteSize());
    }

    /** Copies {@code length} bytes at {@code offset} into {@code dst} at {@code dstOffset}. */
    public void read(long offset, MemorySegment dst, long dstOffset, long length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.byteSize());
        if (stack != null) {
            stack.read(offset, dst, dstOffset, length);
        } else {
            writable.read(offset, dst, dstOffset, length);
        }
    }

    /** Copies {@code length} bytes at {@code offset} into {@code dst[dstOffset...]}. */
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        read(offset, MemorySegment.ofArray(dst), dstOffset, length);
    }

    /** Reports, in order, which parts of {@code [offset, offset+length)} hold data, zeros or nothing. */
    public void forEachExtent(long offset, long length, ExtentVisitor visitor) {
        if (stack != null) {
            stack.forEachExtent(offset, length, visitor);
        } else {
            writable.forEachExtent(offset, length, visitor);
        }
    }

    @Override
    public void close() {
        if (sources != null) {
            sources.close(); // stops prefetch workers before their sources go away
        }
        if (stack != null) {
            stack.close();
        } else {
            writable.close();
        }
    }

    /**
     * Describes one layer file: a sealed or committed blob, an RW data file or an RW index file.
     * Sealed blobs are fully validated (as by {@link #open}); an RW file's header is checked.
     */
    public static LayerInfo inspect(Path file) {
        try (ByteSource src = ByteSources.open(file)) {
            return Inspector.inspect(file, src);
        }
    }

    static LayerHeader header(LsmtHeader h) {
        return new LayerHeader(h.flags(), LsmtHeader.describeFlags(h.flags()), h.indexOffset(), h.indexSize(),
                h.virtualSize(), h.uuid(), h.parentUuid(), h.version(), h.subVersion(), h.userTagText());
    }

    /** Gathers {@link LayerInfo} without exposing the internal types. */
    private static final class Inspector {
        static LayerInfo inspect(Path file, ByteSource src) {
            LsmtHeader h = peekHeader(src);
            boolean hasTrailer = h.isDataFile() && hasSealedTrailer(src);
            if (hasTrailer) {
                try (SealedLayer l = SealedLayer.open(src)) {
                    long[] c = count(l.index());
                    LayerInfo.Kind kind = l.header().isSealed() ? LayerInfo.Kind.COMMITTED : LayerInfo.Kind.SEALED_IN_PLACE;
                    return new LayerInfo(file, kind, src.size(), header(l.header()), header(l.trailer()),
                            l.storedEntries(), l.index().count(), c[0], c[1], c[2]);
                }
            }
            if (h.isDataFile()) {
                return new LayerInfo(file, LayerInfo.Kind.RW_DATA, src.size(), header(h), null, 0, 0, 0, 0, 0);
            }
            long logged = Math.max(0, (src.size() - LsmtHeader.BLOCK) / SegmentMapping.BYTES);
            return new LayerInfo(file, LayerInfo.Kind.RW_INDEX, src.size(), header(h), null, logged, 0, 0, 0, 0);
        }

        private static LsmtHeader peekHeader(ByteSource src) {
            if (src.size() < LsmtHeader.BLOCK) {
                throw new FormatException(src.name(), 0, "file size", "at least 4096 bytes (LSMT header)", src.size() + " bytes");
            }
            MemorySegment b = MemorySegment.ofArray(new byte[LsmtHeader.BLOCK]);
            src.read(0, b, 0, LsmtHeader.BLOCK);
            if (!LsmtHeader.hasMagic(b)) {
                throw new FormatException(src.name(), 0, "header.magic", "LSMT magic0/magic1", "other bytes");
            }
            return LsmtHeader.decode(b);
        }

        private static boolean hasSealedTrailer(ByteSource src) {
            if (src.size() < 2L * LsmtHeader.BLOCK) {
                return false;
            }
            MemorySegment b = MemorySegment.ofArray(new byte[LsmtHeader.BLOCK]);
            src.read(src.size() - LsmtHeader.BLOCK, b, 0, LsmtHeader.BLOCK);
            return LsmtHeader.hasMagic(b) && !LsmtHeader.decode(b).isHeader();
        }

        /** zeroed entries, allocated bytes, zeroed bytes. */
        private static long[] count(MappingTable t) {
            long z = 0, alloc = 0, zb = 0;
            for (long i = 0; i < t.count(); i++) {
                long len = (long) SegmentMapping.length(t.lo(i)) << 9;
                if (SegmentMapping.zeroed(t.hi(i))) {
                    z++;
                    zb += len;
                } else {
                    alloc += len;
                }
            }
            return new long[] {z, alloc, zb};
        }
    }
}
