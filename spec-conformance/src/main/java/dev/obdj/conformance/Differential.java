package dev.obdj.conformance;

import dev.obdj.CommitOptions;
import dev.obdj.CreateOptions;
import dev.obdj.Image;
import dev.obdj.Layers;
import dev.obdj.ZFileOptions;
import dev.obdj.conformance.VectorBuilder.Op;
import dev.obdj.sample.Payload;
import dev.obdj.zfile.BlockCodec;
import dev.obdj.zfile.ZFileWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code --against CMD --random N --seed S}: N random images written by obdj's writer (layer stacks
 * with plain and ZFile layers, uncommitted RW layers, standalone ZFiles) are read by obdj and by
 * CMD; any difference is shrunk (layers, then operations, then ZFile size) to a small reproducer
 * written under the repro directory.
 */
public final class Differential {
    /** One layer: its operations and how it is stored (null = plain LSMT). */
    record LayerSpec(long vsize, List<Op> ops, ZFileOptions zfile) {}

    /** A random image: a stack, an RW layer, or a standalone ZFile of a payload. */
    record ImageSpec(String kind, List<LayerSpec> layers, String payloadKind, long seed, int size, ZFileOptions zfile) {
        String describe() {
            return switch (kind) {
                case "stack" -> "stack of " + layers.size() + " layer(s), " + layers.stream().mapToInt(l -> l.ops().size()).sum()
                        + " operation(s)" + (layers.stream().anyMatch(l -> l.zfile() != null) ? ", ZFile layers" : "");
                case "rw" -> "RW layer, " + layers.getFirst().ops().size() + " operation(s)";
                default -> "ZFile of " + size + " bytes (" + payloadKind + ", " + zfile.algorithm() + ", " + zfile.blockSize()
                        + (zfile.blockCrc() ? ", crc" : "") + ")";
            };
        }
    }

    private static final String UNSUPPORTED = "unsupported";
    private final Implementation other;
    private final Implementation obdj = new Implementation.InProcess();
    private final Path work;
    private final Path reproRoot;

    public Differential(Implementation other, Path work, Path reproRoot) {
        this.other = other;
        this.work = work;
        this.reproRoot = reproRoot;
    }

    static ImageSpec random(SplittableRandom r) {
        int pick = r.nextInt(10);
        if (pick < 2) {
            String[] kinds = {"rand", "comp", "zero", "half"};
            int[] bss = {4096, 8192, 16384, 32768};
            ZFileOptions z = new ZFileOptions(r.nextBoolean() ? ZFileOptions.Algorithm.LZ4 : ZFileOptions.Algorithm.ZSTD,
                    bss[r.nextInt(bss.length)], r.nextBoolean(), r.nextBoolean(), 1);
            return new ImageSpec("zfile", List.of(), kinds[r.nextInt(4)], r.nextLong(), r.nextInt(1, 200_000), z);
        }
        boolean rw = pick < 4;
        int n = rw ? 1 : r.nextInt(1, 4);
        long vsize = (1L << 20) * (1 + r.nextInt(4));
        List<LayerSpec> ls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ZFileOptions z = !rw && r.nextInt(3) == 0 ? new ZFileOptions(r.nextBoolean() ? ZFileOptions.Algorithm.LZ4
                    : ZFileOptions.Algorithm.ZSTD, 4096 << r.nextInt(4), r.nextBoolean(), r.nextBoolean(), 1) : null;
            ls.add(new LayerSpec(vsize, randomOps(r, vsize), z));
        }
        return new ImageSpec(rw ? "rw" : "stack", ls, null, 0, 0, null);
    }

    static List<Op> randomOps(SplittableRandom r, long vsize) {
        String[] kinds = {"rand", "comp", "zero", "half"};
        List<Op> ops = new ArrayList<>();
        int n = r.nextInt(1, 16);
        long sectors = vsize / 512;
        for (int i = 0; i < n; i++) {
            long off = r.nextLong(sectors);
            long len = Math.min(sectors - off, 1 + r.nextLong(r.nextBoolean() ? 16 : 2048));
            ops.add(r.nextInt(5) == 0 ? Op.discard(off * 512, len * 512)
                    : Op.write(off * 512, len * 512, kinds[r.nextInt(4)], r.nextLong(1 << 20)));
        }
        return ops;
    }

    /** Writes the image's files into {@code dir} with obdj; returns the operation and its input files. */
    static Map.Entry<Operation, List<Path>> build(ImageSpec s, Path dir) throws IOException {
        Files.createDirectories(dir);
        switch (s.kind()) {
            case "zfile" -> {
                Path f = dir.resolve("image.zfile");
                byte[] p = Payload.bytes(Payload.kind(s.payloadKind()), s.seed(), s.size());
                ZFileOptions z = s.zfile();
                try (ZFileWriter w = ZFileWriter.create(f, new ZFileWriter.Options(z.algorithm() == ZFileOptions.Algorithm.ZSTD
                        ? BlockCodec.Zstd.INSTANCE : BlockCodec.Lz4.INSTANCE, z.blockSize(), z.blockCrc(), z.overwriteHeader(), 1))) {
                    w.write(ByteBuffer.wrap(p));
                    w.finish();
                }
                return Map.entry(Operation.ZFILE_DECOMPRESS, List.of(f));
            }
            case "rw" -> {
                Path d = dir.resolve("rw.data"), x = dir.resolve("rw.index");
                LayerSpec l = s.layers().getFirst();
                writeRw(l, d, x);
                return Map.entry(Operation.FLATTEN_RW, List.of(d, x));
            }
            default -> {
                List<Path> files = new ArrayList<>();
                for (int i = 0; i < s.layers().size(); i++) {
                    LayerSpec l = s.layers().get(i);
                    Path d = dir.resolve("tmp" + i + ".data"), x = dir.resolve("tmp" + i + ".index");
                    writeRw(l, d, x);
                    Path out = dir.resolve("layer" + i + (l.zfile() != null ? ".zfile" : ".lsmt"));
                    CommitOptions o = CommitOptions.DEFAULT;
                    Layers.commit(d, x, out, l.zfile() != null ? o.withZFile(l.zfile()) : o);
                    Files.delete(d);
                    Files.delete(x);
                    files.add(out);
                }
                return Map.entry(Operation.FLATTEN, files);
            }
        }
    }

    private static void writeRw(LayerSpec l, Path d, Path x) {
        Layers.create(d, x, CreateOptions.ofSize(l.vsize()));
        try (Image img = Image.openWritable(List.of(), d, x)) {
            for (Op o : l.ops()) {
                if (o.op().equals("discard")) {
                    img.discard(o.offset(), o.length());
                } else {
                    byte[] p = Payload.bytes(Payload.kind(o.kind()), o.seed(), (int) o.length());
                    img.write(o.offset(), p, 0, p.length);
                }
            }
            img.flush();
        }
    }

    /** Null when both read the image identically, else what differs. */
    String compare(ImageSpec s, Path dir) throws IOException {
        Map.Entry<Operation, List<Path>> b = build(s, dir);
        String a = read(obdj, b.getKey(), b.getValue(), dir.resolve("out.obdj"));
        String o = read(other, b.getKey(), b.getValue(), dir.resolve("out.other"));
        if (o.equals("unsupported")) {
            return UNSUPPORTED;
        }
        if (a.equals(o)) {
            return null;
        }
        Path x = dir.resolve("out.obdj"), y = dir.resolve("out.other");
        String at = Files.exists(x) && Files.exists(y) ? "first difference at byte " + Files.mismatch(x, y) + "; " : "";
        return at + "obdj: " + a + "; " + other.name() + ": " + o;
    }

    private static String read(Implementation im, Operation op, List<Path> files, Path out) throws IOException {
        List<String> args = new ArrayList<>();
        if (op == Operation.ZFILE_DECOMPRESS) {
            args.add(files.getFirst().toString());
            args.add(out.toString());
        } else {
            args.add(out.toString());
            files.forEach(f -> args.add(f.toString()));
        }
        Outcome r = im.run(op, args);
        return switch (r.status()) {
            case OK -> Files.exists(out) ? Files.size(out) + " bytes, sha256 " + Runner.sha256(out) : "no output";
            case UNSUPPORTED -> "unsupported";
            default -> "refused (" + r.message() + ")";
        };
    }

    /** Runs N random images; prints one line per image and the summary; true when none differed. */
    public boolean run(int n, long seed, PrintStream out) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        int passed = 0, failed = 0, skipped = 0;
        for (int i = 0; i < n; i++) {
            ImageSpec s = random(r.split());
            Path dir = work.resolve("img" + i);
            String diff = compare(s, dir);
            Runner.delete(dir);
            if (UNSUPPORTED.equals(diff)) {
                skipped++;
                out.printf("image %d (%s): skipped (unsupported by %s)%n", i, s.describe(), other.name());
                continue;
            }
            if (diff == null) {
                passed++;
                out.printf("image %d (%s): same%n", i, s.describe());
                continue;
            }
            failed++;
            ImageSpec m = minimize(s);
            Path repro = reproRoot.resolve("seed" + seed + "-image" + i);
            Runner.delete(repro);
            Map.Entry<Operation, List<Path>> rb = build(m, repro);
            String mdiff = compare(m, work.resolve("check"));
            Runner.delete(work.resolve("check"));
            Files.writeString(repro.resolve("image.json"), Json.pretty(json(m, rb.getKey(), mdiff)));
            out.printf("image %d (%s): DIFFERS: %s%n  minimized to %s: %s%n  reproducer: %s (%s %s)%n", i, s.describe(), diff,
                    m.describe(), mdiff, repro, rb.getKey().word, rb.getValue().stream().map(p -> p.getFileName().toString()).toList());
        }
        out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        return failed == 0;
    }

    private ImageSpec minimize(ImageSpec s) throws IOException {
        ImageSpec cur = s;
        boolean progress = true;
        while (progress) {
            progress = false;
            for (ImageSpec c : smaller(cur)) {
                Path d = work.resolve("min");
                String diff = compare(c, d);
                Runner.delete(d);
                if (diff != null && !diff.equals(UNSUPPORTED)) {
                    cur = c;
                    progress = true;
                    break;
                }
            }
        }
        return cur;
    }

    /** Candidate simplifications, biggest cuts first. */
    private static List<ImageSpec> smaller(ImageSpec s) {
        List<ImageSpec> c = new ArrayList<>();
        if (s.kind().equals("zfile")) {
            if (s.size() > 1) {
                c.add(new ImageSpec("zfile", List.of(), s.payloadKind(), s.seed(), s.size() / 2, s.zfile()));
            }
            return c;
        }
        List<LayerSpec> ls = s.layers();
        for (int i = 0; ls.size() > 1 && i < ls.size(); i++) {
            List<LayerSpec> k = new ArrayList<>(ls);
            k.remove(i);
            c.add(new ImageSpec(s.kind(), k, null, 0, 0, null));
        }
        for (int i = 0; i < ls.size(); i++) {
            LayerSpec l = ls.get(i);
            if (l.zfile() != null) {
                List<LayerSpec> k = new ArrayList<>(ls);
                k.set(i, new LayerSpec(l.vsize(), l.ops(), null));
                c.add(new ImageSpec(s.kind(), k, null, 0, 0, null));
            }
            int n = l.ops().size();
            for (int chunk = Math.max(1, n / 2); chunk >= 1; chunk /= 2) {
                for (int st = 0; st < n; st += chunk) {
                    List<Op> ops = new ArrayList<>(l.ops());
                    ops.subList(st, Math.min(n, st + chunk)).clear();
                    List<LayerSpec> k = new ArrayList<>(ls);
                    k.set(i, new LayerSpec(l.vsize(), ops, l.zfile()));
                    c.add(new ImageSpec(s.kind(), k, null, 0, 0, null));
                }
                if (chunk == 1) {
                    break;
                }
            }
        }
        return c;
    }

    private static Map<String, Object> json(ImageSpec s, Operation op, String diff) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("operation", op.word);
        m.put("difference", diff);
        m.put("kind", s.kind());
        if (s.kind().equals("zfile")) {
            m.put("payload", Map.of("kind", s.payloadKind(), "seed", s.seed(), "size", s.size()));
            m.put("zfile", zjson(s.zfile()));
        } else {
            List<Object> ls = new ArrayList<>();
            for (LayerSpec l : s.layers()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("virtual_size", l.vsize());
                x.put("zfile", l.zfile() == null ? null : zjson(l.zfile()));
                x.put("operations", l.ops().stream().map(Op::json).toList());
                ls.add(x);
            }
            m.put("layers_lowest_first", ls);
        }
        return m;
    }

    private static Map<String, Object> zjson(ZFileOptions z) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algo", z.algorithm().name().toLowerCase());
        m.put("block_size", z.blockSize());
        m.put("verify", z.blockCrc() ? 1 : 0);
        m.put("overwrite_header", z.overwriteHeader());
        return m;
    }
}
