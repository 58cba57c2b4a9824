package dev.obdj.conformance;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner through the adapter protocol: obdj as an external program passes, a byte-flipping
 * adapter is caught, an adapter without writer support is skipped, differential mode finds and
 * shrinks a difference.
 */
class AdapterTest {
    @TempDir
    Path tmp;

    /** A subset covering every operation, positive and negative (each call starts a JVM). */
    static final String[] SUBSET = {"--clause", "LSMT-HDR-1", "--clause", "LSMT-RW-2", "--clause", "ZF-CRC-2/1",
            "--clause", "ZF-BLK-1/1", "--clause", "LSMT-CMT-6/1", "--clause", "ZF-W-1/1"};

    static String java(String mainClass) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return java + " --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1"
                + " -Xshare:auto -cp " + System.getProperty("java.class.path") + " " + mainClass;
    }

    record Run(int code, String out, String err) {}

    static Run conformance(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Conformance.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static String[] with(String[] head, String... tail) {
        List<String> l = new ArrayList<>(List.of(head));
        l.addAll(List.of(tail));
        return l.toArray(String[]::new);
    }

    @Test
    void obdjAsAnExternalAdapterPasses() throws Exception {
        Path json = tmp.resolve("r.json"), junit = tmp.resolve("r.xml");
        Run r = conformance(with(SUBSET, "--impl", java("dev.obdj.conformance.ObdjAdapter"), "--json", json.toString(),
                "--junit", junit.toString()));
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("8 passed, 0 failed, 0 skipped"), r.out());
        assertTrue(Files.readString(json).contains("\"failed\": 0"));
        assertTrue(Files.readString(junit).contains("<testsuite name=\"conformance: ") && Files.readString(junit).contains("failures=\"0\""));
    }

    @Test
    void anAdapterThatFlipsOneByteIsCaught() {
        Run r = conformance(with(SUBSET, "--impl", java("dev.obdj.conformance.BrokenAdapter flip")));
        assertEquals(1, r.code(), r.out() + r.err());
        // every positive vector fails (its output differs); the negative ones are still refused
        assertTrue(r.out().contains("3 passed, 5 failed, 0 skipped"), r.out());
        assertTrue(r.out().contains("output differs") || r.out().contains("reads back"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("LSMT-HDR-1") && l.contains("fail")), r.out());
    }

    @Test
    void unsupportedWriterOperationsAreSkipped() {
        Run r = conformance(with(SUBSET, "--impl", java("dev.obdj.conformance.BrokenAdapter readonly")));
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("6 passed, 0 failed, 2 skipped"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("ZF-W-1") && l.contains("skip")), r.out());
    }

    @Test
    void differentialModeAgreesWithItselfAndShrinksADifference() throws Exception {
        Run same = conformance("--against", java("dev.obdj.conformance.ObdjAdapter"), "--random", "3", "--seed", "7");
        assertEquals(0, same.code(), same.out() + same.err());
        assertTrue(same.out().contains("3 passed, 0 failed, 0 skipped"), same.out());

        Path repro = tmp.resolve("repro");
        Run diff = conformance("--against", java("dev.obdj.conformance.BrokenAdapter flip"), "--random", "1", "--seed", "7",
                "--repro", repro.toString());
        assertEquals(1, diff.code(), diff.out() + diff.err());
        assertTrue(diff.out().contains("DIFFERS") && diff.out().contains("minimized to"), diff.out());
        assertTrue(diff.out().contains("0 passed, 1 failed, 0 skipped"), diff.out());
        try (var s = Files.list(repro)) {
            Path d = s.findFirst().orElseThrow();
            assertTrue(Files.exists(d.resolve("image.json")), "reproducer description");
        }
    }

    @Test
    void usageErrors() {
        assertEquals(2, conformance("--bogus").code());
        assertEquals(2, conformance("--impl").code());
        assertEquals(2, conformance("--against", "x", "/tmp").code());
    }
}
