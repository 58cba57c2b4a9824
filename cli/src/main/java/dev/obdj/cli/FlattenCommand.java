package dev.obdj.cli;

import dev.obdj.ExtentVisitor;
import dev.obdj.Image;
import dev.obdj.ProgressListener;
import dev.obdj.StorageException;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code obd flatten -o OUT [--rw DATA INDEX] [FILE ...]}: writes the merged virtual disk to OUT.
 * Only data extents are written; holes and zeroed ranges stay holes, so OUT is sparse.
 */
final class FlattenCommand implements Command {
    private static final int CHUNK = 1 << 20;

    @Override
    public String name() { return "flatten"; }

    @Override
    public String usage() {
        return "flatten -o OUT ([--rw DATA INDEX] [FILE ...] | --config config.v1.json " + ConfigOptions.USAGE
                + ")   merged disk of FILEs (lowest first) and the RW pair on top, or of an image config (registry layers too), sparse";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError {
        Args a = new Args(argv);
        String o = a.value("-o");
        String[] rw = a.pair("--rw");
        String config = a.value("--config");
        ConfigOptions options = ConfigOptions.take(a);
        List<Path> files = new ArrayList<>();
        for (String f : a.positionals()) {
            files.add(Path.of(f));
        }
        if (o == null) {
            throw new UsageError("-o OUT is required");
        }
        if (config != null && (!files.isEmpty() || rw != null)) {
            throw new UsageError("--config and FILE.../--rw are two ways to give the image: pick one");
        }
        if (files.isEmpty() && rw == null && config == null) {
            throw new UsageError("give at least one layer FILE, --rw DATA INDEX or --config config.v1.json");
        }
        Path outPath = Path.of(o);
        try (Image img = config != null ? options.open(Path.of(config), false)
                : rw == null ? Image.open(files) : Image.open(files, Path.of(rw[0]), Path.of(rw[1]))) {
            Progress p = new Progress(err, "flatten");
            flatten(img, outPath, p);
            p.done(img.size());
        }
        return 0;
    }

    /** Writes {@code img} to {@code out}, telling {@code progress} how far it got. */
    static void flatten(Image img, Path out, ProgressListener progress) {
        long size = img.size();
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK, 4096);
            ByteBuffer bb = buf.asByteBuffer();
            IOException[] failure = {null};
            img.forEachExtent(0, size, (off, len, kind) -> {
                if (failure[0] != null || kind != ExtentVisitor.Kind.DATA) {
                    return;
                }
                try {
                    for (long done = 0; done < len; ) {
                        int n = (int) Math.min(CHUNK, len - done);
                        img.read(off + done, buf, 0, n);
                        bb.clear().limit(n);
                        long at = off + done;
                        while (bb.hasRemaining()) {
                            at += ch.write(bb, at);
                        }
                        done += n;
                        progress.progress(off + done, size);
                    }
                } catch (IOException e) {
                    failure[0] = e;
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            if (ch.size() < size) { // the disk ends in a hole: extend with one zero byte, the rest stays sparse
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        } catch (IOException e) {
            throw new StorageException(out.toString(), "write", e);
        }
    }
}
