package dev.obdj.cli;

import dev.obdj.StorageException;
import dev.obdj.io.MappedFile;
import dev.obdj.zfile.BlockCodec;
import dev.obdj.zfile.ZFileReader;
import dev.obdj.zfile.ZFileWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * {@code obd zfile compress|decompress|check}: the {@code overlaybd-zfile} tool's jobs.
 * <ul>
 *   <li>{@code compress [--algo lz4|zstd|lz4-native] [--bs KiB] [--verify|--no-verify] [--overwrite-header]
 *       [--threads N] IN OUT}: defaults as {@code overlaybd-zfile}: LZ4, 4 KiB, block CRCs, header not
 *       overwritten; all cores compress;</li>
 *   <li>{@code decompress IN OUT};</li>
 *   <li>{@code check FILE}: decodes every block verifying CRCs; exit 1 at the first bad block, naming
 *       its number and byte offset.</li>
 * </ul>
 */
final class ZFileCommand implements Command {
    private static final int CHUNK = 1 << 20;

    @Override
    public String name() { return "zfile"; }

    @Override
    public String usage() {
        return "zfile compress [--algo lz4|zstd|lz4-native] [--bs KiB] [--verify|--no-verify] [--overwrite-header] [--threads N] IN OUT"
                + " | zfile decompress IN OUT | zfile check FILE";
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError, IOException {
        if (argv.isEmpty()) {
            throw new UsageError("expected compress, decompress or check");
        }
        List<String> rest = argv.subList(1, argv.size());
        return switch (argv.get(0)) {
            case "compress" -> compress(rest, out, err);
            case "decompress" -> decompress(rest, out);
            case "check" -> check(rest, out);
            default -> throw new UsageError("unknown zfile action '" + argv.get(0) + "'");
        };
    }

    private static int compress(List<String> argv, PrintStream out, PrintStream err) throws UsageError, IOException {
        Args a = new Args(argv);
        String algo = a.value("--algo");
        String bs = a.value("--bs");
        String threads = a.value("--threads");
        boolean verify = a.flag("--verify");
        boolean noVerify = a.flag("--no-verify");
        boolean overwrite = a.flag("--overwrite-header");
        List<String> files = a.positionals();
        if (files.size() != 2) {
            throw new UsageError("expected IN OUT");
        }
        if (verify && noVerify) {
            throw new UsageError("--verify and --no-verify exclude each other");
        }
        BlockCodec codec = BlockCodec.forName(algo == null ? "lz4" : algo);
        if (codec == null) {
            throw new UsageError("--algo must be lz4, zstd or lz4-native, not '" + algo + "'");
        }
        int kib = bs == null ? 4 : parse(bs, "--bs");
        if (kib < 4 || kib > 64 || Integer.bitCount(kib) != 1) {
            throw new UsageError("--bs is in KiB: 4, 8, 16, 32 or 64, not " + bs);
        }
        int n = threads == null ? Runtime.getRuntime().availableProcessors() : parse(threads, "--threads");
        if (n < 1) {
            throw new UsageError("--threads must be at least 1");
        }
        ZFileWriter.Options o = new ZFileWriter.Options(codec, kib * 1024, !noVerify, overwrite, n);
        Path in = Path.of(files.get(0));
        long t0 = System.nanoTime();
        ZFileWriter.Result r;
        try (MappedFile src = MappedFile.open(in); ZFileWriter w = ZFileWriter.create(Path.of(files.get(1)), o)) {
            MemorySegment s = src.segment();
            for (long at = 0; at < s.byteSize(); at += CHUNK) {
                w.writeRetained(s.asSlice(at, Math.min(CHUNK, s.byteSize() - at))); // the mapping outlives the writer
            }
            r = w.finish();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf("%s: %d bytes -> %d bytes (%.1f%%), %d blocks of %d KiB, %s%s, %d thread%s, %.0f MB/s%n", files.get(1),
                r.originalSize(), r.fileSize(), r.originalSize() == 0 ? 100.0 : 100.0 * r.fileSize() / r.originalSize(),
                r.blocks(), kib, codec, o.blockCrc() ? " + crc" : "", n, n == 1 ? "" : "s", r.originalSize() / secs / 1e6);
        if (r.blocksOverReferenceLimit() > 0) {
            err.printf("obd zfile: warning: %d blocks are larger than 64 KiB with their CRC; the reference reader (overlaybd) "
                    + "cannot read them (obdj can). Use --bs 32 or smaller for files the reference must read.%n",
                    r.blocksOverReferenceLimit());
        }
        return 0;
    }

    private static int decompress(List<String> argv, PrintStream out) throws UsageError {
        List<String> files = new Args(argv).positionals();
        if (files.size() != 2) {
            throw new UsageError("expected IN OUT");
        }
        Path outPath = Path.of(files.get(1));
        try (ZFileReader r = ZFileReader.open(MappedFile.open(Path.of(files.get(0))));
             FileChannel ch = FileChannel.open(outPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING);
             Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK, 4096);
            ByteBuffer bb = buf.asByteBuffer();
            for (long at = 0; at < r.size(); at += CHUNK) {
                int n = (int) Math.min(CHUNK, r.size() - at);
                r.read(at, buf, 0, n);
                bb.clear().limit(n);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
            }
            out.printf("%s: %d bytes from %d blocks%n", outPath, r.size(), r.blockCount());
        } catch (IOException e) {
            throw new StorageException(outPath.toString(), "write", e);
        }
        return 0;
    }

    private static int check(List<String> argv, PrintStream out) throws UsageError {
        List<String> files = new Args(argv).positionals();
        if (files.size() != 1) {
            throw new UsageError("expected FILE");
        }
        try (ZFileReader r = ZFileReader.open(MappedFile.open(Path.of(files.get(0))))) {
            ZFileReader.CheckReport c = r.check();
            out.printf("%s: ok: %d blocks (%s, %d-byte blocks), %d CRCs verified, %d compressed bytes -> %d bytes%n",
                    files.get(0), c.blocks(), r.codec().name(), r.fields().blockSize(), c.crcChecked(),
                    c.compressedBytes(), c.originalBytes());
        }
        return 0;
    }

    private static int parse(String v, String flag) throws UsageError {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageError(flag + " needs a number, not '" + v + "'");
        }
    }
}
