package dev.obdj.cli;

import dev.obdj.Image;
import dev.obdj.nbd.NbdExport;
import dev.obdj.nbd.NbdServer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code obd serve-nbd}: serves images over NBD on a Unix socket and/or loopback TCP until SIGINT
 * or SIGTERM, then lets in-flight requests finish, flushes and closes the writable layers.
 *
 * <p>The default export ("", or {@code --name}) is {@code --config FILE} or {@code [--rw DATA INDEX]
 * FILE...}; more exports come from repeatable {@code --export NAME=SPEC}, where SPEC is
 * {@code @CONFIG.json}, or {@code FILE[,FILE...]} with an optional {@code +rw=DATA,INDEX} suffix
 * for a writable top (or just {@code +rw=DATA,INDEX}).
 */
final class ServeNbdCommand implements Command {

    @Override
    public String name() { return "serve-nbd"; }

    @Override
    public String usage() {
        return "serve-nbd [--socket PATH] [--tcp 127.0.0.1:PORT] [--read-only] [--name NAME] [--config config.v1.json " + ConfigOptions.USAGE + " | [--rw DATA INDEX] FILE ...] [--export NAME=SPEC ...]   serve over NBD until SIGINT/SIGTERM";
    }

    /** One export as given on the command line. */
    record Spec(String name, Path config, List<Path> lowers, Path rwData, Path rwIndex) {
        Image open(boolean readOnly) {
            return open(readOnly, new ConfigOptions(null, null, null));
        }

        Image open(boolean readOnly, ConfigOptions options) {
            if (config != null) {
                boolean writable = !readOnly && dev.obdj.config.ImageConfig.read(config).hasUpper();
                return options.open(config, writable);
            }
            if (rwData == null) {
                return Image.open(lowers);
            }
            return readOnly ? Image.open(lowers, rwData, rwIndex) : Image.openWritable(lowers, rwData, rwIndex);
        }
    }

    /** Parses {@code NAME=SPEC}. */
    static Spec parseExport(String arg) throws UsageError {
        int eq = arg.indexOf('=');
        if (eq < 0) {
            throw new UsageError("--export wants NAME=SPEC, got '" + arg + "'");
        }
        String name = arg.substring(0, eq);
        String spec = arg.substring(eq + 1);
        if (spec.startsWith("@")) {
            if (spec.length() == 1) throw new UsageError("--export " + name + "=@: no config file");
            return new Spec(name, Path.of(spec.substring(1)), List.of(), null, null);
        }
        Path data = null, index = null;
        int rw = spec.indexOf("+rw=");
        if (rw >= 0) {
            String[] pair = spec.substring(rw + 4).split(",", -1);
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw new UsageError("--export " + name + ": +rw= wants DATA,INDEX");
            }
            data = Path.of(pair[0]);
            index = Path.of(pair[1]);
            spec = spec.substring(0, rw);
        }
        List<Path> files = new ArrayList<>();
        if (!spec.isEmpty()) {
            for (String f : spec.split(",", -1)) {
                if (f.isEmpty()) throw new UsageError("--export " + name + ": empty file name in '" + arg + "'");
                files.add(Path.of(f));
            }
        }
        if (files.isEmpty() && data == null) {
            throw new UsageError("--export " + name + ": no layers");
        }
        return new Spec(name, null, files, data, index);
    }

    /** Parses {@code HOST:PORT} (IPv6 in brackets); the host must be a loopback address. */
    static InetSocketAddress parseTcp(String s) throws UsageError {
        int colon = s.lastIndexOf(':');
        if (colon <= 0) throw new UsageError("--tcp wants HOST:PORT, got '" + s + "'");
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UsageError("--tcp: bad port in '" + s + "'");
        }
        if (port < 0 || port > 65535) throw new UsageError("--tcp: bad port in '" + s + "'");
        InetAddress a;
        try {
            a = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UsageError("--tcp: unknown host '" + host + "'");
        }
        if (!a.isLoopbackAddress()) {
            throw new UsageError("--tcp: only loopback addresses are served (no TLS, no authentication): " + host);
        }
        return new InetSocketAddress(a, port);
    }

    @Override
    public int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        NbdServer server = start(argv, err);
        Thread hook = new Thread(() -> {
            err.println("obd serve-nbd: stopping: finishing requests, flushing and closing images");
            server.close();
            err.println("obd serve-nbd: stopped");
        }, "serve-nbd shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        server.awaitClosed();
        return 0;
    }

    /** Parses the arguments, opens the images and starts listening; the caller closes the server. */
    static NbdServer start(List<String> argv, PrintStream err) throws UsageError, IOException {
        Args a = new Args(argv);
        String socket = a.value("--socket");
        String tcp = a.value("--tcp");
        boolean readOnly = a.flag("--read-only");
        String defaultName = a.value("--name");
        String config = a.value("--config");
        ConfigOptions options = ConfigOptions.take(a);
        String[] rw = a.pair("--rw");
        List<Spec> specs = new ArrayList<>();
        for (String e; (e = a.value("--export")) != null; ) {
            specs.add(parseExport(e));
        }
        List<Path> files = new ArrayList<>();
        for (String f : a.positionals()) {
            files.add(Path.of(f));
        }
        if (socket == null && tcp == null) {
            throw new UsageError("give --socket PATH and/or --tcp 127.0.0.1:PORT");
        }
        InetSocketAddress tcpAddr = tcp == null ? null : parseTcp(tcp);
        if (config != null && (!files.isEmpty() || rw != null)) {
            throw new UsageError("--config and FILE.../--rw are two ways to give the same export: pick one");
        }
        if (config != null || !files.isEmpty() || rw != null) {
            specs.addFirst(new Spec(defaultName == null ? "" : defaultName, config == null ? null : Path.of(config), files,
                    rw == null ? null : Path.of(rw[0]), rw == null ? null : Path.of(rw[1])));
        } else if (defaultName != null) {
            throw new UsageError("--name names the export of --config or FILE..., and none was given");
        }
        if (specs.isEmpty()) {
            throw new UsageError("nothing to serve: give --config, FILE... or --export NAME=SPEC");
        }
        List<String> names = new ArrayList<>();
        for (Spec s : specs) {
            if (names.contains(s.name())) throw new UsageError("two exports named '" + s.name() + "'");
            names.add(s.name());
        }

        List<NbdExport> exports = new ArrayList<>();
        NbdServer server;
        try {
            for (Spec s : specs) {
                String what = s.config() != null ? s.config().toString()
                        : s.lowers().size() + " layer(s)" + (s.rwData() != null ? " + " + s.rwData() : "");
                exports.add(new NbdExport(s.name(), what, s.open(readOnly, options), readOnly));
            }
            server = new NbdServer(exports, NbdServer.Options.DEFAULTS);
        } catch (RuntimeException e) {
            exports.forEach(x -> x.image().close());
            throw e;
        }
        try {
            if (socket != null) {
                server.listenUnix(Path.of(socket));
                err.println("obd serve-nbd: listening on unix socket " + socket);
            }
            if (tcpAddr != null) {
                InetSocketAddress bound = server.listenTcp(tcpAddr);
                err.println("obd serve-nbd: listening on tcp " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        for (NbdExport e : exports) {
            err.println("obd serve-nbd: export '" + e.name() + "': " + e.size() + " bytes, "
                    + (e.readOnly() ? "read-only" : "writable") + " (" + e.description() + ")");
        }
        return server;
    }
}
