package dev.obdj.testing;

import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * e2fsprogs for tests: {@code mke2fs -d} builds a filesystem image from a directory, and
 * {@code debugfs -R "stat <path>"} says which blocks hold a file (the independent model of the
 * ext4 reader). Skips the test when they are missing, unless {@code OBDJ_REQUIRE_REGISTRY=1}
 * (CI installs them).
 */
public final class E2fs {
    private E2fs() {}

    private static Path tool(String name) {
        for (String d : new String[] {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Skips (or fails under OBDJ_REQUIRE_REGISTRY=1) when mke2fs or debugfs is missing. */
    public static void require() {
        if (tool("mke2fs") == null || tool("debugfs") == null) {
            String msg = "e2fsprogs (mke2fs, debugfs) is not installed (apt-get install e2fsprogs; .ci/run does it)";
            if ("1".equals(System.getenv("OBDJ_REQUIRE_REGISTRY"))) throw new IllegalStateException(msg);
            throw new TestAbortedException(msg);
        }
    }

    /**
     * Writes a tree of random files under {@code dir} and returns path (from the filesystem root) →
     * content: {@code /top.bin}, {@code /big.bin} (3 MiB), {@code /empty}, {@code /a/small.txt},
     * {@code /a/b/one.bin}, {@code /a/b/two.bin}, {@code /a/b/c/deep.bin}, 40 files in {@code /a/many},
     * {@code /data/cold.bin} (2 MiB), and the symlink {@code /link-to-deep}.
     */
    public static Map<String, byte[]> tree(Path dir, long seed) throws IOException {
        Random r = new Random(seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        put(dir, files, "/top.bin", rnd(r, 7000));
        put(dir, files, "/big.bin", rnd(r, 3 << 20));
        put(dir, files, "/empty", new byte[0]);
        put(dir, files, "/a/small.txt", "hello\n".getBytes());
        put(dir, files, "/a/b/one.bin", rnd(r, 300_000));
        put(dir, files, "/a/b/two.bin", rnd(r, 4097));
        put(dir, files, "/a/b/c/deep.bin", rnd(r, 70_000));
        for (int i = 0; i < 40; i++) put(dir, files, "/a/many/file-with-a-long-name-" + i, rnd(r, 1 + r.nextInt(9000)));
        put(dir, files, "/data/cold.bin", rnd(r, 2 << 20));
        Files.createSymbolicLink(dir.resolve("link-to-deep"), Path.of("a/b/c/deep.bin"));
        return files;
    }

    private static byte[] rnd(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static void put(Path dir, Map<String, byte[]> files, String path, byte[] content) throws IOException {
        Path p = dir.resolve(path.substring(1));
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        files.put(path, content);
    }

    /** {@code mke2fs -t type -b blockSize -d src image sizeMiB}. */
    public static Path mkfs(Path src, Path image, String type, int blockSize, int sizeMiB) throws IOException, InterruptedException {
        run(List.of(tool("mke2fs").toString(), "-q", "-F", "-t", type, "-b", String.valueOf(blockSize), "-d", src.toString(),
                image.toString(), sizeMiB + "M"));
        return image;
    }

    /**
     * The data blocks of the file at {@code path}, in file order, from {@code debugfs -R "stat <path>"}
     * (its {@code BLOCKS:} or {@code EXTENTS:} list; indirect and extent-tree blocks left out).
     */
    public static List<Long> blocks(Path image, String path) throws IOException, InterruptedException {
        String out = run(List.of(tool("debugfs").toString(), "-R", "stat " + path, image.toString()));
        int at = Math.max(out.indexOf("\nBLOCKS:"), out.indexOf("\nEXTENTS:"));
        List<Long> blocks = new ArrayList<>();
        if (at < 0) return blocks;
        int end = out.indexOf("TOTAL:", at);
        String list = out.substring(out.indexOf(':', at + 1) + 1, end < 0 ? out.length() : end);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((\\d+)(?:-(\\d+))?\\):(\\d+)(?:-(\\d+))?").matcher(list);
        while (m.find()) {
            long first = Long.parseLong(m.group(3));
            long last = m.group(4) == null ? first : Long.parseLong(m.group(4));
            for (long b = first; b <= last; b++) blocks.add(b);
        }
        return blocks;
    }

    /** The disk byte offset of the inode of {@code path}, from {@code debugfs -R "imap <path>"}. */
    public static long inodeAt(Path image, String path, int blockSize) throws IOException, InterruptedException {
        String out = run(List.of(tool("debugfs").toString(), "-R", "imap " + path, image.toString()));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("located at block (\\d+), offset 0x([0-9a-fA-F]+)").matcher(out);
        if (!m.find()) throw new IOException("debugfs imap " + path + ": " + out);
        return Long.parseLong(m.group(1)) * blockSize + Long.parseLong(m.group(2), 16);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + err);
        }
        return new String(out);
    }
}
