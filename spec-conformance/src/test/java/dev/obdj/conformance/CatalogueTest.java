package dev.obdj.conformance;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded catalogue is well formed, runs green against obdj, and CLAUSES.md is current. */
class CatalogueTest {
    static Catalogue cat;
    static List<Runner.Result> results;

    @BeforeAll
    static void runCatalogue(@TempDir Path work) {
        cat = Catalogue.standard();
        results = new Runner(new Implementation.InProcess(), cat, work).run(cat.vectors(), r -> { });
    }

    @Test
    void everyVectorPassesAgainstObdj() {
        String failures = results.stream().filter(r -> r.verdict() != Runner.Verdict.PASS)
                .map(r -> r.vector().id() + " " + r.verdict() + ": " + r.message()).collect(Collectors.joining("\n"));
        assertEquals("", failures);
        assertEquals(cat.vectors().size(), results.size());
    }

    @Test
    void clausesAreWellFormed() {
        Set<String> ids = new HashSet<>();
        for (Clause c : cat.clauses()) {
            assertTrue(ids.add(c.id()), "duplicate clause " + c.id());
            assertTrue(c.id().matches("(LSMT|ZF)-[A-Z]+-\\d+"), c.id());
            assertFalse(c.text().isBlank(), c.id());
            assertTrue(cat.vectors().stream().anyMatch(v -> v.clause().equals(c.id())), c.id() + " has no vector");
            boolean hasNegative = cat.vectors().stream().anyMatch(v -> v.clause().equals(c.id()) && v.kind() == Vector.Kind.NEGATIVE);
            assertEquals(hasNegative, !c.fields().isEmpty(), c.id() + ": negative vectors and obdj error fields go together");
        }
        Set<String> vids = new HashSet<>();
        for (Vector v : cat.vectors()) {
            assertTrue(vids.add(v.id()), "duplicate vector " + v.id());
            assertNotNull(cat.clause(v.clause()), v.id());
        }
        assertTrue(cat.clauses().size() >= 50, "clauses: " + cat.clauses().size());
    }

    @Test
    void negativeVectorsAreRefusedUnderTheirOwnClause() {
        for (Runner.Result r : results) {
            if (r.vector().kind() == Vector.Kind.NEGATIVE) {
                assertTrue(r.message().startsWith(r.vector().clause() + " ("), r.vector().id() + ": " + r.message());
            }
        }
    }

    @Test
    void clausesMdIsCurrent() throws Exception {
        Map<String, Runner.Verdict> status = new LinkedHashMap<>();
        results.forEach(r -> status.put(r.vector().id(), r.verdict()));
        String fresh = ClausesDoc.render(cat, status);
        Path committed = Path.of("CLAUSES.md");
        if (Boolean.getBoolean("conformance.writeClauses")) {
            Files.writeString(committed, fresh);
        }
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/CLAUSES.md"), fresh);
        assertTrue(Files.exists(committed), "spec-conformance/CLAUSES.md is missing; run with -Dconformance.writeClauses=true");
        assertEquals(fresh, Files.readString(committed),
                "spec-conformance/CLAUSES.md is stale: regenerate with mvn -pl spec-conformance -am verify -Dtest=CatalogueTest -Dsurefire.failIfNoSpecifiedTests=false -Dconformance.writeClauses=true "
                        + "(fresh copy in spec-conformance/target/CLAUSES.md)");
    }
}
