package dev.obdj.cli;

import dev.obdj.Image;
import dev.obdj.LayerInfo;
import dev.obdj.sample.SampleImage;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code obd demo [DIR]}: generates a small sample image (three committed layers and an RW layer
 * on top) with obdj's own writer, opens it as one disk, reads it whole and checks every byte
 * against the generator's model.
 */
final class DemoCommand implements Command {
    @Override
    public String name() { return "demo"; }

    @Override
    public String usage() { return "demo [DIR]   build a sample image (3 layers + RW top) and verify reading it"; }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError, IOException, NoSuchAlgorithmException {
        List<String> pos = new Args(argv).positionals();
        if (pos.size() > 1) {
            throw new UsageError("at most one DIR");
        }
        Path dir = pos.isEmpty() ? Files.createTempDirectory("obdj-demo") : Path.of(pos.get(0));
        long t0 = System.nanoTime();
        SampleImage.Sample s = SampleImage.create(dir);
        long t1 = System.nanoTime();
        out.printf("sample image in %s (%.1f ms):%n", dir, (t1 - t0) / 1e6);
        for (Path p : s.layers()) {
            LayerInfo i = Image.inspect(p);
            out.printf("  %-14s %-10s %8d bytes, %4d index entries, %8d bytes allocated, %7d zeroed%n",
                    p.getFileName(), i.kind().name().toLowerCase(), i.fileSize(), i.entries(), i.allocatedBytes(), i.zeroedBytes());
        }
        out.printf("  %-14s rw-pair    %8d bytes data, %d log entries%n", s.rwData().getFileName(),
                Files.size(s.rwData()), Image.inspect(s.rwIndex()).storedEntries());
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long mismatchAt = -1;
        long t2 = System.nanoTime();
        try (Image img = Image.open(s.layers(), s.rwData(), s.rwIndex()); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1 << 20);
            byte[] chunk = new byte[1 << 20];
            for (long off = 0; off < img.size(); off += chunk.length) {
                int n = (int) Math.min(chunk.length, img.size() - off);
                img.read(off, buf, 0, n);
                MemorySegment.copy(buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, chunk, 0, n);
                got.update(chunk, 0, n);
                if (mismatchAt < 0) {
                    int m = java.util.Arrays.mismatch(chunk, 0, n, s.expected(), (int) off, (int) off + n);
                    if (m >= 0) {
                        mismatchAt = off + m;
                    }
                }
            }
            long t3 = System.nanoTime();
            out.printf("opened %d layers + RW top: %d MiB virtual disk, %d merged index entries; read it whole in %.1f ms%n",
                    s.layers().size(), img.size() >> 20, img.indexEntries(), (t3 - t2) / 1e6);
        }
        String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.expected()));
        String have = HexFormat.of().formatHex(got.digest());
        out.println("sha256 read:     " + have);
        out.println("sha256 expected: " + want);
        if (mismatchAt >= 0 || !want.equals(have)) {
            err.println("obd demo: merged disk differs from the model at byte " + mismatchAt);
            return 1;
        }
        out.println("OK: every byte matches the model");
        return 0;
    }
}
