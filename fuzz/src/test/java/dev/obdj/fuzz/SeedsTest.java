package dev.obdj.fuzz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes the hand-made seeds ({@link SeedFiles}) into the Jazzer input folders under src/test/resources. */
class SeedsTest {
    @Test
    @EnabledIfSystemProperty(named = "obdj.fuzz.writeSeeds", matches = "true")
    void writeSeeds() throws IOException {
        Path base = Path.of("src/test/resources/dev/obdj/fuzz");
        for (Map.Entry<String, Map<String, byte[]>> e : SeedFiles.all().entrySet()) {
            Path dir = base.resolve(e.getKey());
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> f : e.getValue().entrySet()) {
                Files.write(dir.resolve(f.getKey()), f.getValue());
            }
        }
    }
}
