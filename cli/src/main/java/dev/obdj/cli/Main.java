package dev.obdj.cli;

import dev.obdj.ObdjException;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of {@code obd}. Exit codes: 0 success, 2 usage error, 1 any other error, with one
 * line on stderr naming the file and the problem.
 */
public final class Main {
    private Main() {}

    static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        for (Command c : List.<Command>of(new DemoCommand(), new InfoCommand(), new FlattenCommand(), new ZFileCommand(),
                new ServeNbdCommand(), new ServeTcmuCommand(), new CacheCommand(), new ConformanceCommand(),
                new ConformanceCommand.Adapter())) {
            m.put(c.name(), c);
        }
        for (Command c : LayerCommands.all()) {
            m.put(c.name(), c);
        }
        return m;
    }

    public static void main(String[] args) {
        quietLogs();
        System.exit(run(args, System.out, System.err));
    }

    /**
     * One-line log records on stderr, warnings and worse only; {@code OBDJ_LOG=INFO} (or FINE, ...)
     * shows more, e.g. which lookup kernel was chosen.
     */
    static void quietLogs() {
        System.setProperty("java.util.logging.SimpleFormatter.format", "obd: %4$s: %5$s%6$s%n");
        java.util.logging.Level level;
        try {
            level = java.util.logging.Level.parse(System.getenv().getOrDefault("OBDJ_LOG", "WARNING"));
        } catch (IllegalArgumentException e) {
            level = java.util.logging.Level.WARNING;
        }
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(level);
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setLevel(level);
            h.setFormatter(new java.util.logging.SimpleFormatter());
        }
    }

    /** Runs {@code obd args...} and returns the exit code (tests call this directly). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            PrintStream to = args.length == 0 ? err : out;
            to.println("usage: obd COMMAND [ARGS]");
            commands.values().forEach(c -> to.println("  " + c.usage()));
            return args.length == 0 ? 2 : 0;
        }
        Command c = commands.get(args[0]);
        if (c == null) {
            err.println("obd: unknown command '" + args[0] + "' (try: obd help)");
            return 2;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            return c.run(rest, out, err);
        } catch (UsageError e) {
            err.println("obd " + c.name() + ": " + e.getMessage());
            err.println("usage: " + c.usage());
            return 2;
        } catch (ObdjException e) {
            err.println("obd " + c.name() + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("obd " + c.name() + ": " + e);
            return 1;
        }
    }
}
