package dev.obdj.conformance;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every case of the reference corpus passes against obdj through the corpus runner. */
class CorpusConformanceTest {
    @Test
    void everyCorpusCasePasses(@TempDir Path work) {
        CorpusCases cc = CorpusCases.load(Corpus.dir());
        assertTrue(cc.clauses().size() >= 15, "cases: " + cc.clauses().size());
        assertTrue(cc.vectors().stream().anyMatch(v -> v.op() == Operation.COMMIT), "commit vectors");
        assertTrue(cc.vectors().stream().anyMatch(v -> v.op() == Operation.ZFILE_COMPRESS), "zfile-compress vectors");
        assertTrue(cc.vectors().stream().anyMatch(v -> v.op() == Operation.FLATTEN_RW), "flatten-rw vectors");
        List<Runner.Result> rs = new Runner(new Implementation.InProcess(), Catalogue.standard(), work).run(cc.vectors(), r -> { });
        String bad = rs.stream().filter(r -> r.verdict() != Runner.Verdict.PASS)
                .map(r -> r.vector().id() + ": " + r.message()).collect(Collectors.joining("\n"));
        assertEquals("", bad);
    }
}
