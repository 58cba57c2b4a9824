package dev.obdj.testing;

import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * erofs-utils for tests: {@code mkfs.erofs} builds an EROFS image from a directory, and
 * {@code dump.erofs --path=P -e} lists a file's extents (the independent model of the EROFS
 * reader). Skips the test when they are missing, unless {@code OBDJ_REQUIRE_REGISTRY=1} (CI
 * installs them).
 */
public final class ErofsUtils {
    private static final Pattern EXTENT = Pattern.compile("^\\s*\\d+:\\s*(\\d+)\\.\\.\\s*(\\d+)\\s*\\|\\s*(\\d+)\\s*:\\s*(\\d+)\\.\\.\\s*(\\d+)\\s*\\|\\s*(\\d+)\\s*$");

    /** One extent as dump.erofs prints it: file offset, disk offset, length. */
    public record Extent(long logical, long physical, long length) {}

    private ErofsUtils() {}

    private static Path tool(String name) {
        for (String d : new String[] {"/usr/bin", "/usr/sbin", "/bin", "/sbin"}) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Skips (or fails under OBDJ_REQUIRE_REGISTRY=1) when mkfs.erofs or dump.erofs is missing. */
    public static void require() {
        if (tool("mkfs.erofs") == null || tool("dump.erofs") == null) {
            String msg = "erofs-utils (mkfs.erofs, dump.erofs) is not installed (apt-get install erofs-utils; .ci/run does it)";
            if ("1".equals(System.getenv("OBDJ_REQUIRE_REGISTRY"))) throw new IllegalStateException(msg);
            throw new TestAbortedException(msg);
        }
    }

    /** {@code mkfs.erofs [options] image src}. */
    public static Path mkfs(Path src, Path image, String... options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(tool("mkfs.erofs").toString(), "-T0", "-U00000000-0000-0000-0000-000000000001"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of(image.toString(), src.toString()));
        run(cmd);
        return image;
    }

    /** The extents of the file at {@code path}, contiguous ones merged. */
    public static List<Extent> extents(Path image, String path) throws IOException, InterruptedException {
        String out = run(List.of(tool("dump.erofs").toString(), "--path=" + path, "-e", image.toString()));
        List<Extent> xs = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = EXTENT.matcher(line);
            if (!m.matches()) continue;
            long lo = Long.parseLong(m.group(1)), len = Long.parseLong(m.group(6)), po = Long.parseLong(m.group(4));
            if (!xs.isEmpty()) {
                Extent l = xs.getLast();
                if (l.logical() + l.length() == lo && l.physical() + l.length() == po) {
                    xs.set(xs.size() - 1, new Extent(l.logical(), l.physical(), l.length() + len));
                    continue;
                }
            }
            xs.add(new Extent(lo, po, len));
        }
        return xs;
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
