package dev.obdj.conformance;

import dev.obdj.ObdjException;
import dev.obdj.conformance.Vector.Built;
import dev.obdj.conformance.Vector.Input;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Runs vectors against an implementation and judges each outcome. */
public final class Runner {
    public enum Verdict { PASS, FAIL, SKIP }

    /** The verdict on one vector, with the reason (the error, or what differed). */
    public record Result(Vector vector, Verdict verdict, String message, long millis) {
        Result(Vector vector, Verdict verdict, String message) {
            this(vector, verdict, message, 0);
        }

        Result timed(long ms) {
            return new Result(vector, verdict, message, ms);
        }
    }

    private final Implementation impl;
    private final Catalogue catalogue;
    private final Path work;

    /**
     * @param impl      the implementation under test
     * @param catalogue maps obdj's error fields to clauses
     * @param work      scratch directory (each vector gets a subdirectory, removed afterwards)
     */
    public Runner(Implementation impl, Catalogue catalogue, Path work) {
        this.impl = impl;
        this.catalogue = catalogue;
        this.work = work;
    }

    public List<Result> run(List<Vector> vectors, Consumer<Result> progress) {
        List<Result> out = new ArrayList<>();
        for (Vector v : vectors) {
            Result r = runOne(v);
            out.add(r);
            progress.accept(r);
        }
        return out;
    }

    public Result runOne(Vector v) {
        Path dir = work.resolve(v.id().replaceAll("[^A-Za-z0-9._-]", "_"));
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dir);
            return judge(v, dir).timed((System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            return new Result(v, Verdict.FAIL, "runner I/O error: " + e);
        } finally {
            delete(dir);
        }
    }

    private Result judge(Vector v, Path dir) throws IOException {
        Built b;
        try {
            b = v.build().get();
        } catch (RuntimeException e) {
            return new Result(v, Verdict.FAIL, "vector could not be built: " + e);
        }
        List<String> files = new ArrayList<>();
        for (Input in : b.inputs()) {
            Path p = in.path();
            if (p == null) {
                p = dir.resolve(in.name());
                Files.write(p, in.bytes());
            }
            files.add(p.toString());
        }
        String out = dir.resolve("out").toString();
        List<String> args = new ArrayList<>();
        switch (v.op()) {
            case FLATTEN, FLATTEN_RW -> {
                args.add(out);
                args.addAll(files);
            }
            case ZFILE_DECOMPRESS, COMMIT -> {
                args.addAll(files);
                args.add(out);
            }
            case ZFILE_COMPRESS -> {
                args.add(b.options());
                args.addAll(files);
                args.add(out);
            }
        }
        Outcome o = impl.run(v.op(), args);
        return switch (o.status()) {
            case UNSUPPORTED -> new Result(v, Verdict.SKIP, o.message());
            case CRASHED -> new Result(v, Verdict.FAIL, "crashed: " + o.message());
            case REJECTED -> refused(v, o);
            case OK -> v.kind() == Vector.Kind.NEGATIVE
                    ? new Result(v, Verdict.FAIL, "accepted; expected a refusal")
                    : checkOutput(v, b, Path.of(out));
        };
    }

    private Result refused(Vector v, Outcome o) {
        String where = "";
        Clause hit = null;
        if (o.field() != null) {
            hit = catalogue.clauseForField(o.field(), v.clause());
            where = " [" + (hit == null ? "no clause" : hit.id()) + ", field " + o.field() + "]";
        }
        String msg = "refused" + where + ": " + o.message();
        return switch (v.kind()) {
            case POSITIVE -> new Result(v, Verdict.FAIL, msg);
            case LENIENT -> new Result(v, Verdict.PASS, "refused as the reference does" + where);
            case NEGATIVE -> {
                Clause own = catalogue.clause(v.clause());
                if (o.field() != null && own != null && !own.fields().isEmpty() && (hit == null || !hit.id().equals(own.id()))) {
                    yield new Result(v, Verdict.FAIL, "refused for another reason" + where + ": " + o.message());
                }
                yield new Result(v, Verdict.PASS, hit != null ? hit.id() + " (" + o.field() + ")" : "refused");
            }
        };
    }

    private Result checkOutput(Vector v, Built b, Path out) throws IOException {
        if (!Files.exists(out)) {
            return new Result(v, Verdict.FAIL, "succeeded but wrote no output file");
        }
        long size = Files.size(out);
        if (b.outSha256() != null) {
            String got = sha256(out);
            if (!got.equals(b.outSha256()) || size != b.outSize()) {
                return new Result(v, Verdict.FAIL, "output differs: " + size + " bytes sha256 " + got.substring(0, 16)
                        + "…, expected " + b.outSize() + " bytes sha256 " + b.outSha256().substring(0, 16) + "…");
            }
        }
        if (b.contentSha() != null) {
            if (v.op() == Operation.ZFILE_COMPRESS) {
                List<String> problems = WrittenChecks.zfile(Files.readAllBytes(out), ObdjAdapter.options(b.options()),
                        b.contentSize());
                if (!problems.isEmpty()) {
                    return new Result(v, Verdict.FAIL, "written ZFile: " + String.join("; ", problems));
                }
            }
            String content;
            try {
                content = v.op() == Operation.ZFILE_COMPRESS ? WrittenChecks.zfileContent(out) : WrittenChecks.layerContent(out);
            } catch (ObdjException e) {
                return new Result(v, Verdict.FAIL, "written file refused by obdj's strict reader: " + e.getMessage());
            }
            String want = b.contentSha() + " " + b.contentSize();
            if (!content.equals(want)) {
                return new Result(v, Verdict.FAIL, "written file reads back as " + content + ", expected " + want);
            }
        }
        return new Result(v, Verdict.PASS, v.kind() == Vector.Kind.LENIENT ? "accepted and read correctly (more lenient "
                + "than the reference)" : "");
    }

    static String sha256(Path p) throws IOException {
        MessageDigest md = WrittenChecks.sha();
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(p)) {
            for (int k; (k = in.read(buf)) > 0; ) {
                md.update(buf, 0, k);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // scratch space: leave what cannot be removed
        }
    }
}
