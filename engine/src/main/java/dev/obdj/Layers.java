package dev.obdj;

import dev.obdj.io.ByteSource;
import dev.obdj.io.ByteSources;
import dev.obdj.lsmt.BlobWriter;
import dev.obdj.lsmt.LayerStack;
import dev.obdj.lsmt.LsmtHeader;
import dev.obdj.lsmt.RwLayer;
import dev.obdj.lsmt.SealedLayer;
import dev.obdj.lsmt.UuidText;
import dev.obdj.zfile.BlockCodec;
import dev.obdj.zfile.ZFileWriter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Operations on layer files: create a writable layer, commit it into a sealed blob (plain or
 * streamed into a ZFile), seal it in place, merge read-only layers into one. Files written here are byte-compatible with the
 * reference implementation's ({@code overlaybd-create}, {@code overlaybd-commit},
 * {@code close_seal}, {@code merge_files_ro}).
 */
public final class Layers {
    private Layers() {}

    /** Creates an empty writable layer (data file + index file); both must not exist. */
    public static void create(Path data, Path index, CreateOptions options) {
        String uuid = options.uuid() == null ? UuidText.random() : UuidText.normalize(options.uuid());
        if (uuid == null) {
            throw new UsageException("not a UUID: " + options.uuid());
        }
        String parent = options.parentUuid() == null ? LsmtHeader.NULL_UUID : UuidText.normalize(options.parentUuid());
        if (parent == null) {
            throw new UsageException("not a UUID: " + options.parentUuid());
        }
        RwLayer.create(data, index, options.virtualSize(), uuid, parent, options.sparse()).close();
    }

    /**
     * Commits the writable layer {@code data}+{@code index} into a new sealed blob {@code out}
     * (which must not exist): data without garbage, compacted index. The layer stays as it is.
     *
     * @return bytes written
     */
    public static long commit(Path data, Path index, Path out, CommitOptions options) {
        return commit(data, index, out, options, ProgressListener.NONE);
    }

    /** As {@link #commit(Path, Path, Path, CommitOptions)}, reporting progress. */
    public static long commit(Path data, Path index, Path out, CommitOptions options, ProgressListener progress) {
        tag(options);
        try (RwLayer rw = RwLayer.open(data, index)) {
            return commit(rw, out, options, progress);
        }
    }

    static long commit(RwLayer rw, Path out, CommitOptions options, ProgressListener progress) {
        byte[] tag = tag(options);
        return writeTo(out, options.zfile(), ch -> rw.commit(ch, out.toString(), UuidText.normalize(options.uuid()),
                UuidText.normalize(options.parentUuid()), tag, progress));
    }

    /** Where a blob goes: the new file itself, or a ZFile writer streaming into it. Returns file bytes. */
    private static long writeTo(Path out, ZFileOptions z, java.util.function.ToLongFunction<WritableByteChannel> body) {
        try (FileChannel ch = create(out)) {
            if (z == null) {
                return body.applyAsLong(ch);
            }
            try (ZFileWriter w = ZFileWriter.wrap(ch, out.toString(), writerOptions(z))) {
                body.applyAsLong(w);
                return w.finish().fileSize();
            }
        } catch (IOException e) {
            throw new StorageException(out.toString(), "write", e);
        }
    }

    static ZFileWriter.Options writerOptions(ZFileOptions z) {
        BlockCodec codec = switch (z.algorithm()) {
            case LZ4 -> BlockCodec.Lz4.INSTANCE;
            case LZ4_NATIVE -> BlockCodec.Lz4.NATIVE;
            case ZSTD -> BlockCodec.Zstd.INSTANCE;
        };
        return new ZFileWriter.Options(codec, z.blockSize(), z.blockCrc(), z.overwriteHeader(), z.threads());
    }

    /**
     * Seals the writable layer in place: its data file becomes a read-only layer (index and
     * trailer appended). The index file is no longer needed afterwards.
     */
    public static void seal(Path data, Path index) {
        RwLayer.open(data, index).seal();
    }

    /**
     * Merges read-only layers (lowest first) into one sealed blob {@code out} (must not exist) with
     * the same flattened content. As in the reference, the result's virtual size is the top
     * layer's header's, its parent UUID the bottom layer's, and each index entry keeps the number
     * of the layer it came from (0 = top) as its on-disk tag.
     *
     * @return bytes written
     */
    public static long merge(List<Path> layers, Path out, CommitOptions options) {
        return merge(layers, out, options, ProgressListener.NONE);
    }

    /** As {@link #merge(List, Path, CommitOptions)}, reporting progress. */
    public static long merge(List<Path> layers, Path out, CommitOptions options, ProgressListener progress) {
        byte[] tag = tag(options);
        List<ByteSource> sources = new ArrayList<>();
        for (Path p : layers) {
            try {
                sources.add(ByteSources.open(p));
            } catch (RuntimeException e) {
                sources.forEach(ByteSource::close);
                throw e;
            }
        }
        try (LayerStack stack = LayerStack.open(sources, null, null)) {
            List<SealedLayer> lowers = stack.lowers();
            LsmtHeader top = lowers.getLast().header();
            String p = UuidText.normalize(options.parentUuid());
            String parent = p != null ? p : lowers.getFirst().header().parentUuid();
            return writeTo(out, options.zfile(), ch -> BlobWriter.write(stack.index(), stack.sources(),
                    new BlobWriter.Meta(top.virtualSize(), UuidText.orNull(options.uuid()), parent, tag), ch, out.toString(),
                    progress));
        }
    }

    private static byte[] tag(CommitOptions o) {
        byte[] t = o.userTag() == null ? new byte[0] : o.userTag().getBytes(StandardCharsets.UTF_8);
        if (t.length > 256) {
            throw new UsageException("user tag is " + t.length + " bytes; at most 256 fit");
        }
        return t;
    }

    private static FileChannel create(Path out) {
        try {
            return FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StorageException(out.toString(), "create", e);
        }
    }
}
