package dev.obdj.zfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The shared reference corpus: its location and the views listed in each case's {@code expected.sha256}. */
final class ZFileCorpus {
    private ZFileCorpus() {}

    /** One line of {@code expected.sha256}. {@code standalone}: a plain ZFile decompress view, else an LSMT stack. */
    record View(Path dir, String name, String sha256, long size, List<Path> files, boolean standalone) {
        @Override
        public String toString() {
            return dir.getFileName() + "/" + name;
        }
    }

    /** {@code obdj.corpus} (set by surefire), else {@code ../shared/corpus} from the repository root. */
    static Path root() {
        String p = System.getProperty("obdj.corpus");
        if (p != null && Files.isDirectory(Path.of(p))) {
            return Path.of(p);
        }
        for (String c : new String[] {"../shared/corpus", "../../shared/corpus"}) {
            if (Files.isDirectory(Path.of(c))) {
                return Path.of(c);
            }
        }
        throw new IllegalStateException("reference corpus not found (set -Dobdj.corpus)");
    }

    static List<View> views() {
        List<View> out = new ArrayList<>();
        try (var dirs = Files.list(root())) {
            for (Path dir : dirs.sorted().toList()) {
                Path exp = dir.resolve("expected.sha256");
                if (!Files.exists(exp)) {
                    continue;
                }
                String json = Files.readString(dir.resolve("case.json"));
                for (String line : Files.readAllLines(exp)) {
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    int colon = line.lastIndexOf(": ");
                    String[] head = line.substring(0, colon).split(" ", 3);
                    List<Path> files = Arrays.stream(line.substring(colon + 2).trim().split("\\s+")).map(dir::resolve).toList();
                    String name = head[2];
                    int paren = name.indexOf('(');
                    String key = paren > 0 ? name.substring(0, paren) : name;
                    out.add(new View(dir, name, head[0], Long.parseLong(head[1]), files, standalone(json, key)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** In case.json a standalone view names its {@code "zfile"}; a stack view lists {@code "layers_lowest_first"}. */
    private static boolean standalone(String json, String view) {
        Matcher m = Pattern.compile("\"name\":\\s*\"" + Pattern.quote(view) + "\",\\s*\"(\\w+)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("view " + view + " not in case.json");
        }
        return m.group(1).equals("zfile");
    }
}
