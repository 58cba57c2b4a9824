package dev.obdj.fuzz;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Replays the reference corpus ({@code ../shared/corpus}, read where it lies) through the fuzz
 * targets' checks: every LSMT blob through the blob target, every ZFile through the ZFile target,
 * every case description through the JSON differential. Skipped when the corpus is absent.
 */
class CorpusReplayTest {
    @TestFactory
    Stream<DynamicTest> corpus() throws IOException {
        Path dir = Path.of(System.getProperty("obdj.corpus", "../../shared/corpus"));
        Assumptions.assumeTrue(Files.isDirectory(dir), "no corpus at " + dir);
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                String n = p.getFileName().toString();
                String name = dir.relativize(p).toString();
                if (n.endsWith(".lsmt")) {
                    tests.add(DynamicTest.dynamicTest(name, () -> LsmtBlobFuzzTest.check(Files.readAllBytes(p))));
                } else if (n.endsWith(".zfile")) {
                    tests.add(DynamicTest.dynamicTest(name, () -> ZFileFuzzTest.check(Files.readAllBytes(p))));
                } else if (n.endsWith(".json")) {
                    tests.add(DynamicTest.dynamicTest(name,
                            () -> ImageConfigFuzzTest.check(Files.readString(p, StandardCharsets.UTF_8))));
                }
            }
        }
        return tests.stream();
    }
}
