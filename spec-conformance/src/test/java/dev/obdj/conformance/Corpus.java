package dev.obdj.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The shared reference corpus ({@code -Dobdj.corpus}, else {@code ../shared/corpus}). */
final class Corpus {
    private Corpus() {}

    static Path dir() {
        String p = System.getProperty("obdj.corpus");
        Path d = p != null ? Path.of(p) : Path.of("../../shared/corpus");
        return d.toAbsolutePath().normalize();
    }

    static List<Path> cases() {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(x -> Files.exists(x.resolve("case.json"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
