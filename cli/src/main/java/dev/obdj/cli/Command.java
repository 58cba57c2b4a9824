package dev.obdj.cli;

import java.io.PrintStream;
import java.util.List;

/** One {@code obd} subcommand. Its name and flags are a contract that scripts rely on. */
interface Command {

    /** The subcommand word, e.g. {@code "flatten"}. */
    String name();

    /** One-line usage, shown by {@code obd help} and on usage errors. */
    String usage();

    /**
     * Runs the command. Throws {@link UsageError} for bad arguments (exit 2) and lets
     * {@link dev.obdj.ObdjException} escape for everything else (exit 1).
     *
     * @return the exit code
     */
    int run(List<String> args, PrintStream out, PrintStream err) throws Exception;
}
