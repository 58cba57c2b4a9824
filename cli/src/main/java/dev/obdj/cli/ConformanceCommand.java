package dev.obdj.cli;

import dev.obdj.conformance.Conformance;
import dev.obdj.conformance.ObdjAdapter;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code obd conformance}: the clause-by-clause conformance suite (spec-conformance/README.md). With no
 * DIR it runs the embedded catalogue against obdj; exit 0 only when nothing failed.
 */
final class ConformanceCommand implements Command {
    @Override
    public String name() { return "conformance"; }

    @Override
    public String usage() { return Conformance.USAGE; }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        return Conformance.run(args.toArray(String[]::new), out, err);
    }

    /** {@code obd conformance-adapter OPERATION ARGS...}: obdj behind the suite's adapter protocol. */
    static final class Adapter implements Command {
        @Override
        public String name() { return "conformance-adapter"; }

        @Override
        public String usage() {
            return "conformance-adapter flatten OUT FILE... | flatten-rw OUT DATA INDEX | zfile-decompress IN OUT"
                    + " | commit OPS.json OUT | zfile-compress OPTIONS IN OUT";
        }

        @Override
        public int run(List<String> args, PrintStream out, PrintStream err) {
            return ObdjAdapter.run(args.toArray(String[]::new));
        }
    }
}
