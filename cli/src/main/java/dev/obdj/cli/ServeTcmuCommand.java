package dev.obdj.cli;

import dev.obdj.tcmu.ConfigFs;
import dev.obdj.tcmu.DeviceConfig;
import dev.obdj.tcmu.TcmuServer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code obd serve-tcmu}: serves an image as a Linux SCSI disk through TCMU and tcm_loop (root,
 * configfs). Creates the backstore and LUN, prints the disk's {@code /dev} path on stdout, serves
 * until SIGINT/SIGTERM, then tears down in reverse and flushes the writable layer. With
 * {@code --attach} it serves a backstore that already exists (its config string names the image),
 * e.g. after a handler was killed; {@code --teardown} then removes it on exit.
 */
final class ServeTcmuCommand implements Command {

    @Override
    public String name() { return "serve-tcmu"; }

    @Override
    public String usage() {
        return "serve-tcmu --name NAME (--config config.v1.json | [--rw DATA INDEX] FILE ... | --attach [--teardown]) "
                + "[--hba N] [--block-size 512|4096] [--workers N] [--read-only] [--cmd-timeout S]   serve as a SCSI disk through TCMU until SIGTERM";
    }

    /** Parsed arguments. */
    record Parsed(TcmuServer.Options options, DeviceConfig config) {}

    static Parsed parse(List<String> argv) throws UsageError {
        Args a = new Args(argv);
        String name = a.value("--name");
        String config = a.value("--config");
        String[] rw = a.pair("--rw");
        boolean attach = a.flag("--attach");
        boolean teardown = a.flag("--teardown");
        boolean readOnly = a.flag("--read-only");
        int hba = intValue(a.value("--hba"), 0, "--hba", 0, 1_000_000);
        int blockSize = intValue(a.value("--block-size"), 512, "--block-size", 512, 65536);
        int workers = intValue(a.value("--workers"), 4, "--workers", 0, 256);
        int cmdTimeout = intValue(a.value("--cmd-timeout"), 0, "--cmd-timeout", 0, 86400);
        int diskTimeout = intValue(a.value("--disk-timeout"), 120, "--disk-timeout", 1, 3600);
        List<Path> files = new ArrayList<>();
        for (String f : a.positionals()) files.add(Path.of(f));
        if (name == null || name.isEmpty()) throw new UsageError("--name NAME is required");
        if (name.contains("/") || name.startsWith(".")) throw new UsageError("--name must be a plain directory name");
        if (Integer.bitCount(blockSize) != 1) throw new UsageError("--block-size must be a power of two");
        if (config != null && (!files.isEmpty() || rw != null)) {
            throw new UsageError("--config and FILE.../--rw are two ways to name the image: pick one");
        }
        if (teardown && !attach) throw new UsageError("--teardown goes with --attach (a created backstore is always removed)");
        DeviceConfig dc = null;
        if (config != null) {
            dc = DeviceConfig.ofConfig(Path.of(config));
        } else if (!files.isEmpty() || rw != null) {
            dc = DeviceConfig.ofFiles(files, rw == null ? null : Path.of(rw[0]), rw == null ? null : Path.of(rw[1]));
        } else if (!attach) {
            throw new UsageError("nothing to serve: give --config, FILE... or --attach");
        }
        if (dc != null) dc.encode(); // length and character checks before anything is made
        return new Parsed(new TcmuServer.Options(name, hba, blockSize, workers, attach, teardown, readOnly,
                cmdTimeout, diskTimeout * 1000L), dc);
    }

    private static int intValue(String v, int dflt, String flag, int min, int max) throws UsageError {
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) throw new UsageError(flag + " must be in [" + min + ", " + max + "]");
            return n;
        } catch (NumberFormatException e) {
            throw new UsageError(flag + " wants a number, got '" + v + "'");
        }
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Parsed p = parse(argv);
        TcmuServer server = TcmuServer.start(p.options(), p.config(), ConfigFs.system(), Path.of("/sys/class/uio"),
                Path.of("/dev"));
        Thread hook = new Thread(() -> {
            err.println("obd serve-tcmu: stopping: " + (p.options().attach() && !p.options().teardown()
                    ? "" : "removing the LUN and backstore, ") + "flushing and closing the image");
            server.close();
            err.println("obd serve-tcmu: stopped after " + server.completed() + " commands");
        }, "serve-tcmu shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        err.println("obd serve-tcmu: serving " + server.backstore() + " (" + server.uio().uio() + ", "
                + server.backend().size() + " bytes, " + (server.backend().writable() ? "writable" : "read-only") + ")");
        out.println(server.disk().map(Path::toString).orElse("(no tcm_loop LUN links to " + server.backstore() + ")"));
        out.flush();
        server.awaitStopped();
        return 0;
    }
}
