package dev.obdj.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code obd conformance [--impl CMD] [--json FILE] [--junit FILE] [--clause PREFIX] [DIR ...]} and
 * {@code obd conformance --against CMD [--random N] [--seed S] [--repro DIR]}. Exit 0 when nothing
 * failed, 1 when something did, 2 on bad arguments.
 */
public final class Conformance {
    public static final String USAGE = "conformance [--impl CMD] [--json FILE] [--junit FILE] [--clause PREFIX] [DIR ...]"
            + " | conformance --against CMD [--random N] [--seed S] [--repro DIR]";

    private Conformance() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command and returns its exit code. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        String impl = null, json = null, junit = null, against = null, repro = null;
        List<String> prefixes = new ArrayList<>();
        int random = 20;
        long seed = 1;
        List<Path> dirs = new ArrayList<>();
        try {
            for (int i = 0; i < argv.length; i++) {
                String a = argv[i];
                switch (a) {
                    case "--impl" -> impl = value(argv, ++i, a);
                    case "--json" -> json = value(argv, ++i, a);
                    case "--junit" -> junit = value(argv, ++i, a);
                    case "--clause" -> prefixes.add(value(argv, ++i, a));
                    case "--against" -> against = value(argv, ++i, a);
                    case "--random" -> random = Integer.parseInt(value(argv, ++i, a));
                    case "--seed" -> seed = Long.parseLong(value(argv, ++i, a));
                    case "--repro" -> repro = value(argv, ++i, a);
                    default -> {
                        if (a.startsWith("-")) {
                            throw new IllegalArgumentException("unknown option " + a);
                        }
                        dirs.add(Path.of(a));
                    }
                }
            }
            if (against != null && (!dirs.isEmpty() || impl != null)) {
                throw new IllegalArgumentException("--against takes no DIR and no --impl");
            }
            if (random < 0) {
                throw new IllegalArgumentException("--random must be at least 0");
            }
        } catch (IllegalArgumentException e) {
            err.println("obd conformance: " + e.getMessage());
            err.println("usage: obd " + USAGE);
            return 2;
        }
        Path work = null;
        try {
            work = Files.createTempDirectory("obdj-conformance");
            if (against != null) {
                Differential d = new Differential(Implementation.External.parse(against), work,
                        repro == null ? Path.of("conformance-repro") : Path.of(repro));
                return d.run(random, seed, out) ? 0 : 1;
            }
            Implementation im = impl == null ? new Implementation.InProcess() : Implementation.External.parse(impl);
            Catalogue cat = Catalogue.standard();
            List<Clause> clauses = new ArrayList<>();
            List<Vector> vectors = new ArrayList<>();
            if (dirs.isEmpty()) {
                clauses.addAll(cat.clauses());
                vectors.addAll(cat.vectors());
            }
            for (Path d : dirs) {
                CorpusCases cc = CorpusCases.load(d);
                clauses.addAll(cc.clauses());
                vectors.addAll(cc.vectors());
            }
            if (!prefixes.isEmpty()) {
                vectors.removeIf(v -> prefixes.stream().noneMatch(p -> v.clause().startsWith(p) || v.id().startsWith(p)));
            }
            Runner runner = new Runner(im, cat, work);
            List<Runner.Result> results = runner.run(vectors, r -> { });
            Report rep = new Report(im.name(), clauses, results);
            rep.printTable(out);
            if (json != null) {
                Files.writeString(Path.of(json), rep.json());
            }
            if (junit != null) {
                Files.writeString(Path.of(junit), rep.junit());
            }
            return rep.ok() ? 0 : 1;
        } catch (IOException | RuntimeException e) {
            err.println("obd conformance: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            if (System.getenv("OBDJ_DEBUG") != null) {
                e.printStackTrace(err);
            }
            return 1;
        } finally {
            if (work != null) {
                Runner.delete(work);
            }
        }
    }

    private static String value(String[] argv, int i, String flag) {
        if (i >= argv.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return argv[i];
    }
}
