package dev.obdj.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The reference corpus beside the checkout ({@code ../shared/corpus}, or {@code -Dobdj.corpus}). */
public final class Corpus {
    private Corpus() {}

    /** One line of a case's expected.sha256: a view of some files and its flattened digest. */
    public record View(Path caseDir, String name, String sha256, long size, List<String> files) {
        public List<Path> paths() {
            return files.stream().map(caseDir::resolve).toList();
        }

        /** All files are plain LSMT blobs (*.lsmt). */
        public boolean isLsmtStack() {
            return files.stream().allMatch(f -> f.endsWith(".lsmt"));
        }

        /** The files are an RW pair (rw.data, rw.index). */
        public boolean isRwPair() {
            return files.equals(List.of("rw.data", "rw.index"));
        }

        /** Any file is a ZFile. */
        public boolean hasZfile() {
            return files.stream().anyMatch(f -> f.endsWith(".zfile"));
        }

        /** The reference's result fields for this view from case.json. */
        @SuppressWarnings("unchecked")
        public Map<String, Object> referenceResult() {
            for (Object v : (List<Object>) caseJson(caseDir).get("views")) {
                Map<String, Object> m = (Map<String, Object>) v;
                if (name.equals(m.get("name"))) {
                    return (Map<String, Object>) m.get("reference_result");
                }
            }
            return Map.of();
        }

        @Override
        public String toString() {
            return caseDir.getFileName() + "/" + name;
        }
    }

    public static Path dir() {
        String p = System.getProperty("obdj.corpus");
        Path d = p != null ? Path.of(p) : Path.of("../shared/corpus");
        if (!Files.isDirectory(d)) {
            d = Path.of("../../shared/corpus");
        }
        return d.toAbsolutePath().normalize();
    }

    public static List<Path> cases() {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<View> views() {
        List<View> out = new ArrayList<>();
        for (Path c : cases()) {
            try {
                for (String line : Files.readAllLines(c.resolve("expected.sha256"))) {
                    if (line.isBlank() || line.startsWith("#")) continue;
                    int colon = line.lastIndexOf(": ");
                    String[] head = line.substring(0, colon).split(" ", 3);
                    List<String> files = Arrays.asList(line.substring(colon + 2).trim().split("\\s+"));
                    out.add(new View(c, head[2], head[0], Long.parseLong(head[1]), files));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> caseJson(Path caseDir) {
        try {
            return (Map<String, Object>) MiniJson.parse(Files.readString(caseDir.resolve("case.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
