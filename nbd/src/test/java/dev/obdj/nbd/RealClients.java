package dev.obdj.nbd;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs the real NBD clients (qemu-utils, libnbd-bin) when they are installed. */
final class RealClients {
    private RealClients() {}

    record Result(int exit, String output) {}

    /** Skips the test unless every tool is on the PATH. */
    static void assumeInstalled(String... tools) {
        for (String t : tools) {
            assumeTrue(onPath(t), t + " is not installed (Debian packages qemu-utils and libnbd-bin; .ci/run installs them)");
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command to completion (stdout and stderr together); fails after the timeout. */
    static Result run(long timeoutSeconds, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[][] out = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = new byte[0];
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        reader.join();
        return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
    }

    static Result ok(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Result r = run(timeoutSeconds, List.of(cmd));
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + r.exit() + ":\n" + r.output());
        }
        return r;
    }

    static String uri(String export, Path socket) {
        return "nbd+unix:///" + export + "?socket=" + socket;
    }
}
