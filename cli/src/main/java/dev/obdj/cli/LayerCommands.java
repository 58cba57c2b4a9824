package dev.obdj.cli;

import dev.obdj.CommitOptions;
import dev.obdj.CreateOptions;
import dev.obdj.Image;
import dev.obdj.Layers;
import dev.obdj.ZFileOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The commands that make and change layers: create, write, discard, commit, seal, merge. */
final class LayerCommands {
    private LayerCommands() {}

    static List<Command> all() {
        return List.of(new Create(), new Write(), new Discard(), new Commit(), new Seal(), new Merge());
    }

    /** Parses sizes like {@code 1073741824}, {@code 64M}, {@code 10G}, {@code 512K}. */
    static long size(String s) throws UsageError {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mul = 1;
        if (t.endsWith("IB")) t = t.substring(0, t.length() - 2);
        else if (t.endsWith("B")) t = t.substring(0, t.length() - 1);
        switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'K' -> mul = 1L << 10;
            case 'M' -> mul = 1L << 20;
            case 'G' -> mul = 1L << 30;
            case 'T' -> mul = 1L << 40;
            default -> { }
        }
        if (mul != 1) t = t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(t);
            if (v < 0) throw new NumberFormatException();
            return Math.multiplyExact(v, mul);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new UsageError("not a size: " + s);
        }
    }

    static List<String> exactly(Args a, int n, String what) throws UsageError {
        List<String> p = a.positionals();
        if (p.size() != n) {
            throw new UsageError("expected " + what);
        }
        return p;
    }

    static final class Create implements Command {
        public String name() { return "create"; }

        public String usage() { return "create [--sparse] [--uuid U] [--parent U] DATA INDEX SIZE   new empty writable layer (SIZE in bytes, or with K/M/G/T)"; }

        public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError {
            Args a = new Args(argv);
            boolean sparse = a.flag("--sparse");
            String uuid = a.value("--uuid");
            String parent = a.value("--parent");
            List<String> p = exactly(a, 3, "DATA INDEX SIZE");
            Layers.create(Path.of(p.get(0)), Path.of(p.get(1)), new CreateOptions(size(p.get(2)), uuid, parent, sparse));
            return 0;
        }
    }

    static final class Write implements Command {
        public String name() { return "write"; }

        public String usage() { return "write DATA INDEX OFFSET FILE   write FILE's bytes (or stdin for -) at byte OFFSET, then flush (partial edge sectors merge with this layer's own content)"; }

        public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError, IOException {
            Args a = new Args(argv);
            List<String> p = a.positionals();
            if (p.size() != 4) throw new UsageError("expected DATA INDEX OFFSET FILE");
            long off = size(p.get(2));
            try (Image img = Image.openWritable(List.of(), Path.of(p.get(0)), Path.of(p.get(1)));
                 InputStream in = p.get(3).equals("-") ? System.in : Files.newInputStream(Path.of(p.get(3)))) {
                byte[] buf = new byte[1 << 20];
                long at = off;
                int n;
                while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                    img.write(at, buf, 0, n);
                    at += n;
                }
                img.flush();
            }
            return 0;
        }
    }

    static final class Discard implements Command {
        public String name() { return "discard"; }

        public String usage() { return "discard DATA INDEX OFFSET LENGTH   discard a byte range (reads as zeros), then flush"; }

        public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError {
            List<String> p = exactly(new Args(argv), 4, "DATA INDEX OFFSET LENGTH");
            try (Image img = Image.openWritable(List.of(), Path.of(p.get(0)), Path.of(p.get(1)))) {
                img.discard(size(p.get(2)), size(p.get(3)));
                img.flush();
            }
            return 0;
        }
    }

    /** Identity flags, and {@code --zfile [--algo lz4|zstd|lz4-native] [--bs KiB] [--verify|--no-verify] [--threads N]}. */
    static CommitOptions commitOptions(Args a) throws UsageError {
        CommitOptions o = new CommitOptions(a.value("--uuid"), a.value("--parent"), a.value("--tag"));
        boolean z = a.flag("--zfile") | a.flag("-z");
        String algo = a.value("--algo"), bs = a.value("--bs"), threads = a.value("--threads");
        boolean verify = a.flag("--verify"), noVerify = a.flag("--no-verify");
        if (!z) {
            if (algo != null || bs != null || threads != null || verify || noVerify) {
                throw new UsageError("--algo, --bs, --threads, --verify and --no-verify need --zfile");
            }
            return o;
        }
        if (verify && noVerify) {
            throw new UsageError("--verify and --no-verify exclude each other");
        }
        ZFileOptions.Algorithm al = switch (algo == null ? "lz4" : algo) {
            case "lz4" -> ZFileOptions.Algorithm.LZ4;
            case "zstd" -> ZFileOptions.Algorithm.ZSTD;
            case "lz4-native" -> ZFileOptions.Algorithm.LZ4_NATIVE;
            default -> throw new UsageError("--algo must be lz4, zstd or lz4-native, not '" + algo + "'");
        };
        long kib = bs == null ? 4 : size(bs);
        if (kib < 4 || kib > 64 || Long.bitCount(kib) != 1) {
            throw new UsageError("--bs is in KiB: 4, 8, 16, 32 or 64, not " + bs);
        }
        long n = threads == null ? Runtime.getRuntime().availableProcessors() : size(threads);
        if (n < 1 || n > 256) {
            throw new UsageError("--threads must be from 1 to 256");
        }
        return o.withZFile(new ZFileOptions(al, (int) kib * 1024, !noVerify, true, (int) n));
    }

    static final class Commit implements Command {
        public String name() { return "commit"; }

        public String usage() { return "commit [--zfile [--algo lz4|zstd] [--bs KiB] [--verify|--no-verify] [--threads N]] [--uuid U] [--parent U] [--tag TEXT] DATA INDEX OUT   commit the writable layer into a new blob (ZFile: like overlaybd-commit -z)"; }

        public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError {
            Args a = new Args(argv);
            CommitOptions o = commitOptions(a);
            List<String> p = exactly(a, 3, "DATA INDEX OUT");
            Progress pr = new Progress(err, "commit");
            long n = Layers.commit(Path.of(p.get(0)), Path.of(p.get(1)), Path.of(p.get(2)), o, pr);
            pr.done(n);
            return 0;
        }
    }

    static final class Seal implements Command {
        public String name() { return "seal"; }

        public String usage() { return "seal DATA INDEX   seal the writable layer in place (DATA becomes a read-only layer)"; }

        public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError {
            List<String> p = exactly(new Args(argv), 2, "DATA INDEX");
            Layers.seal(Path.of(p.get(0)), Path.of(p.get(1)));
            return 0;
        }
    }

    static final class Merge implements Command {
        public String name() { return "merge"; }

        public String usage() { return "merge -o OUT [--zfile ...] [--uuid U] [--parent U] [--tag TEXT] FILE...   squash read-only layers (lowest first) into one"; }

        public int run(List<String> argv, PrintStream out, PrintStream err) throws UsageError {
            Args a = new Args(argv);
            String o = a.value("-o");
            CommitOptions opts = commitOptions(a);
            List<Path> files = new ArrayList<>();
            for (String f : a.positionals()) files.add(Path.of(f));
            if (o == null || files.isEmpty()) throw new UsageError("expected -o OUT and at least one FILE");
            Progress pr = new Progress(err, "merge");
            long n = Layers.merge(files, Path.of(o), opts, pr);
            pr.done(n);
            return 0;
        }
    }
}
