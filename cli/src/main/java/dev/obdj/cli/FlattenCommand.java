package dev.obdj.cli;

import dev.obdj.ExtentVisitor;
import dev.obdj.Image;
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
    private static final long PROGRESS_OVER = 1L << 30;

    @Override
    public String name() { return "flatten"; }

    @Override
    public String usage() { return "flatten -o OUT [--rw DATA INDEX] [FILE ...]   merged disk of FILEs (lowest first) and the RW pair on top, sparse"; }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError {
        Args a = new Args(argv);
        String o = a.value("-o");
        String[] rw = a.pair("--rw");
        List<Path> files = new ArrayList<>();
        for (String f : a.positionals()) {
            files.add(Path.of(f));
        }
        if (o == null) {
            throw new UsageError("-o OUT is required");
        }
        if (files.isEmpty() && rw == null) {
            throw new UsageError("give at least one layer FILE or --rw DATA INDEX");
        }
        Path outPath = Path.of(o);
        try (Image img = rw == null ? Image.open(files) : Image.open(files, Path.of(rw[0]), Path.of(rw[1]))) {
            flatten(img, outPath, img.size() > PROGRESS_OVER ? err : null);
        }
        return 0;
    }

    /** Writes {@code img} to {@code out}; progress lines go to {@code progress} when not null. */
    static void flatten(Image img, Path out, PrintStream progress) {
        long size = img.size();
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK, 4096);
            ByteBuffer bb = buf.asByteBuffer();
            Progress p = new Progress(progress, size);
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
                        p.at(off + done);
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
            p.done();
        } catch (IOException e) {
            throw new StorageException(out.toString(), "write", e);
        }
    }

    /** A progress line on stderr at most every 2 seconds, for big disks. */
    private static final class Progress {
        private final PrintStream to;
        private final long total;
        private long last = System.nanoTime();

        Progress(PrintStream to, long total) {
            this.to = to;
            this.total = total;
        }

        void at(long pos) {
            if (to == null) return;
            long now = System.nanoTime();
            if (now - last > 2_000_000_000L) {
                last = now;
                to.printf("flatten: %d / %d MiB (%d%%)%n", pos >> 20, total >> 20, total == 0 ? 100 : pos * 100 / total);
            }
        }

        void done() {
            if (to != null) to.printf("flatten: %d MiB done%n", total >> 20);
        }
    }
}
