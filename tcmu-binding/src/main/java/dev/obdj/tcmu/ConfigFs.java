package dev.obdj.tcmu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The LIO configfs steps targetcli takes for a user (TCMU) backstore exported through a tcm_loop
 * LUN: {@code core/user_<hba>/<name>} with {@code control} ({@code dev_config}, {@code dev_size},
 * {@code hw_block_size}, {@code nl_reply_supported=-1}: no netlink handshake) and {@code enable};
 * then {@code loopback/naa.<wwn>/tpgt_1} with its nexus set before
 * {@code lun/lun_0/<link>} points at the backstore (the SCSI scan that follows is served by the
 * handler, which must already run). Teardown undoes it in reverse. Also the backstore's
 * {@code action/block_dev} and {@code action/reset_ring} for a handler that takes over a ring.
 */
public final class ConfigFs {
    private static final Logger LOG = Logger.getLogger(ConfigFs.class.getName());
    private final Path target;
    private final Path sys;

    /** {@code root} is where configfs is mounted ({@code /sys/kernel/config}); {@code sys} is {@code /sys}. */
    public ConfigFs(Path root, Path sys) {
        this.target = root.resolve("target");
        this.sys = sys;
    }

    public static ConfigFs system() {
        return new ConfigFs(Path.of("/sys/kernel/config"), Path.of("/sys"));
    }

    /** A tcm_loop LUN: target port directory and the link to the backstore. */
    public record Loopback(Path naa, Path tpg, Path lun, Path link) {}

    /** Checks that LIO, TCMU and tcm_loop are there, loading the modules if allowed. */
    public void requireModules() {
        if (Files.isDirectory(target.resolve("core")) && Files.isDirectory(target.resolve("loopback"))) return;
        for (String m : List.of("target_core_user", "tcm_loop")) {
            try {
                new ProcessBuilder("modprobe", m).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start().waitFor();
            } catch (IOException e) {
                break; // no modprobe: the check below says what is missing
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // tcm_loop's fabric directory appears when it is first made
        try {
            if (Files.isDirectory(target) && !Files.isDirectory(target.resolve("loopback"))) {
                Files.createDirectory(target.resolve("loopback"));
            }
        } catch (IOException ignored) {
            // reported below
        }
        if (!Files.isDirectory(target.resolve("core"))) {
            throw new IllegalStateException(target + " is missing: configfs not mounted or target_core_mod not loaded");
        }
        if (!Files.isDirectory(target.resolve("loopback"))) {
            throw new IllegalStateException(target.resolve("loopback") + " is missing: tcm_loop not loaded");
        }
    }

    public Path backstore(int hba, String name) {
        return target.resolve("core/user_" + hba).resolve(name);
    }

    /**
     * Creates and enables the backstore; {@code /dev/uioN} exists afterwards. {@code cmdTimeOut}
     * is the kernel's per-command timeout in seconds ({@code attrib/cmd_time_out}); 0 means
     * commands wait for a handler as long as it takes, so one that restarts finds them.
     */
    public Path createBackstore(int hba, String name, String devConfig, long size, int blockSize, int cmdTimeOut) {
        Path b = backstore(hba, name);
        if (Files.exists(b)) throw new IllegalStateException(b + " already exists (serve it with --attach, or remove it)");
        try {
            Files.createDirectories(b);
            control(b, "dev_config=" + devConfig);
            control(b, "dev_size=" + size);
            control(b, "hw_block_size=" + blockSize);
            control(b, "nl_reply_supported=-1");
            write(b.resolve("enable"), "1");
            Path timeout = b.resolve("attrib/cmd_time_out");
            if (cmdTimeOut >= 0 && Files.isWritable(timeout)) write(timeout, Integer.toString(cmdTimeOut));
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(b);
            } catch (IOException ignored) {
                // the original error matters more
            }
            throw e instanceof IOException io ? new UncheckedIOException("creating " + b + ": " + io.getMessage(), io)
                    : (RuntimeException) e;
        }
        return b;
    }

    private static void control(Path b, String line) throws IOException {
        write(b.resolve("control"), line);
    }

    private static void write(Path f, String value) throws IOException {
        try {
            Files.writeString(f, value, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("writing '" + value + "' to " + f + ": " + e.getMessage(), e);
        }
    }

    /** Reads an attribute of the backstore ({@code attrib/<name>}) as a number. */
    public long attrib(Path backstore, String name) {
        try {
            return Long.parseLong(Files.readString(backstore.resolve("attrib").resolve(name)).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates a tcm_loop target with a nexus and links LUN 0 to {@code backstore}. */
    public Loopback createLoopback(Path backstore) {
        byte[] r = new byte[5];
        new SecureRandom().nextBytes(r);
        String hex = HexFormat.of().formatHex(r).substring(0, 9);
        Path naa = target.resolve("loopback/naa.5001405" + hex);
        Path tpg = naa.resolve("tpgt_1");
        Path lun = tpg.resolve("lun/lun_0");
        Path link = lun.resolve("obdj_" + backstore.getParent().getFileName() + "_" + backstore.getFileName());
        try {
            Files.createDirectories(lun);
            write(tpg.resolve("nexus"), "naa.5001405" + HexFormat.of().formatHex(r).substring(1, 10));
            Files.createSymbolicLink(link, backstore);
        } catch (IOException e) {
            removeLoopback(new Loopback(naa, tpg, lun, link));
            throw new UncheckedIOException("creating the tcm_loop LUN " + lun + ": " + e.getMessage(), e);
        }
        return new Loopback(naa, tpg, lun, link);
    }

    /** Undoes {@link #createLoopback}, whatever part of it exists. */
    public void removeLoopback(Loopback l) {
        quietly(() -> Files.deleteIfExists(l.link()));
        quietly(() -> Files.deleteIfExists(l.lun()));
        quietly(() -> Files.deleteIfExists(l.tpg()));
        quietly(() -> Files.deleteIfExists(l.naa()));
    }

    /** tcm_loop LUNs linked to {@code backstore} (e.g. made by a handler that died). */
    public List<Loopback> loopbacksOf(Path backstore) {
        List<Loopback> out = new ArrayList<>();
        Path lb = target.resolve("loopback");
        if (!Files.isDirectory(lb)) return out;
        try (Stream<Path> naas = Files.list(lb)) {
            for (Path naa : naas.filter(p -> p.getFileName().toString().startsWith("naa.")).toList()) {
                for (Path tpg : list(naa, "tpgt_")) {
                    for (Path lun : list(tpg.resolve("lun"), "lun_")) {
                        for (Path link : list(lun, "")) {
                            if (Files.isSymbolicLink(link) && sameFile(link, backstore)) {
                                out.add(new Loopback(naa, tpg, lun, link));
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static boolean sameFile(Path link, Path backstore) {
        try {
            return link.toRealPath().equals(backstore.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Path> list(Path dir, String prefix) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return out;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) if (p.getFileName().toString().startsWith(prefix)) out.add(p);
        }
        return out;
    }

    /**
     * The disk a loopback LUN became: {@code tpgt_1/address} says {@code host:channel:target},
     * the LUN number follows; empty while the scan has not made it yet.
     */
    public Optional<Path> disk(Loopback l) {
        try {
            String addr = Files.readString(l.tpg().resolve("address")).strip();
            String lunNo = l.lun().getFileName().toString().substring("lun_".length());
            Path block = sys.resolve("bus/scsi/devices").resolve(addr + ":" + lunNo).resolve("block");
            if (!Files.isDirectory(block)) return Optional.empty();
            try (Stream<Path> s = Files.list(block)) {
                return s.findFirst().map(p -> Path.of("/dev").resolve(p.getFileName().toString()));
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for {@link #disk} (and its device node) up to {@code timeoutMillis}. */
    public Path awaitDisk(Loopback l, long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < end) {
            Optional<Path> d = disk(l);
            if (d.isPresent() && Files.exists(d.get())) return d.get();
            Thread.sleep(50);
        }
        throw new IllegalStateException("no SCSI disk appeared for " + l.lun() + " within " + timeoutMillis + " ms");
    }

    /**
     * For a handler taking over a ring: blocks new commands, fails the ones in the ring with BUSY
     * (the SCSI layer retries them) and zeroes head and tail, then unblocks. No-op (false) when the
     * kernel has no such actions.
     */
    public boolean resetRing(Path backstore) {
        Path action = backstore.resolve("action");
        if (!Files.isWritable(action.resolve("reset_ring"))) return false;
        try {
            boolean block = Files.isWritable(action.resolve("block_dev"));
            if (block) write(action.resolve("block_dev"), "1");
            try {
                write(action.resolve("reset_ring"), "1");
            } finally {
                if (block) write(action.resolve("block_dev"), "0");
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes the backstore (its uio device goes away) and its HBA directory when nothing else is in it. */
    public void removeBackstore(Path backstore) {
        quietly(() -> Files.deleteIfExists(backstore));
        try {
            Files.deleteIfExists(backstore.getParent()); // configfs refuses while other devices use the HBA
        } catch (IOException ignored) {
            // in use: fine
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void quietly(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            LOG.warning("teardown: " + e);
        }
    }
}
