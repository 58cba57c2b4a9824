package dev.obdj.conformance;

import dev.obdj.FormatException;
import dev.obdj.ObdjException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An implementation under test: obdj in this process, or any program behind the adapter protocol. */
public sealed interface Implementation permits Implementation.InProcess, Implementation.External {

    String name();

    /** Runs one protocol operation with its arguments (paths as strings). */
    Outcome run(Operation op, List<String> args);

    /** obdj itself, called directly; a refusal is an {@link ObdjException} and carries its field. */
    record InProcess() implements Implementation {
        @Override
        public String name() { return "obdj (in-process)"; }

        @Override
        public Outcome run(Operation op, List<String> args) {
            try {
                ObdjAdapter.perform(op, args);
                return Outcome.OK;
            } catch (FormatException e) {
                return new Outcome(Outcome.Status.REJECTED, e.getMessage(), e.field());
            } catch (ObdjException e) {
                return new Outcome(Outcome.Status.REJECTED, e.getMessage(), null);
            } catch (RuntimeException | Error e) {
                return new Outcome(Outcome.Status.CRASHED, e.toString(), null);
            }
        }
    }

    /**
     * A program run as {@code CMD OPERATION ARGS...}: exit 0 is success, {@value ObdjAdapter#EXIT_UNSUPPORTED}
     * "unsupported", anything else a refusal (the first line of stderr is the message).
     *
     * @param command the command words (split on white space)
     */
    record External(List<String> command, long timeoutSeconds) implements Implementation {
        public static External parse(String cmd) {
            return new External(List.of(cmd.trim().split("\\s+")), 600);
        }

        /** The command, with a class path shortened to its last entry. */
        @Override
        public String name() {
            List<String> w = new ArrayList<>(command);
            for (int i = 0; i + 1 < w.size(); i++) {
                if (w.get(i).equals("-cp") || w.get(i).equals("-classpath")) {
                    String cp = w.get(i + 1);
                    w.set(i + 1, cp.contains(java.io.File.pathSeparator) ? "…" : cp);
                }
            }
            return String.join(" ", w);
        }

        @Override
        public Outcome run(Operation op, List<String> args) {
            List<String> argv = new ArrayList<>(command);
            argv.add(op.word);
            argv.addAll(args);
            Path err = null;
            try {
                err = Files.createTempFile("obdj-adapter", ".err");
                Process p = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(err.toFile()).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Outcome(Outcome.Status.CRASHED, "timed out after " + timeoutSeconds + " s", null);
                }
                int code = p.exitValue();
                String first = Files.readString(err, StandardCharsets.UTF_8).lines().findFirst().orElse("");
                if (code == 0) {
                    return Outcome.OK;
                }
                if (code == ObdjAdapter.EXIT_UNSUPPORTED) {
                    return new Outcome(Outcome.Status.UNSUPPORTED, "unsupported: " + op.word, null);
                }
                return new Outcome(Outcome.Status.REJECTED, "exit " + code + (first.isEmpty() ? "" : ": " + first), null);
            } catch (IOException e) {
                return new Outcome(Outcome.Status.CRASHED, "cannot run " + name() + ": " + e.getMessage(), null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(Outcome.Status.CRASHED, "interrupted", null);
            } finally {
                if (err != null) {
                    try {
                        Files.deleteIfExists(err);
                    } catch (IOException ignored) {
                        // a temp file
                    }
                }
            }
        }
    }
}
