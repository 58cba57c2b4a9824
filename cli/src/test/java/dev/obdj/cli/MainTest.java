package dev.obdj.cli;

import dev.obdj.testing.Corpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI contract: exit codes, one-line errors on stderr, info and flatten output. */
class MainTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    static Result obd(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static Path corpus(String c, String f) {
        return Corpus.dir().resolve(c).resolve(f);
    }

    @Test
    void noArgumentsIsAUsageError() {
        assertEquals(2, obd().code());
    }

    @Test
    void unknownCommandAndOptionAreUsageErrors() {
        assertEquals(2, obd("frobnicate").code());
        Result r = obd("info", "--bogus", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown option --bogus"), r.err());
        assertEquals(2, obd("flatten", "x.lsmt").code(), "flatten without -o");
    }

    @Test
    void badFileIsExitOneWithOneLineNamingIt() throws Exception {
        Path bad = tmp.resolve("bad.lsmt");
        Files.write(bad, new byte[8192]);
        Result r = obd("info", bad.toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(bad.toString()) && r.err().contains("header.magic"), r.err());
        Result missing = obd("flatten", "-o", tmp.resolve("o").toString(), tmp.resolve("missing.lsmt").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("missing.lsmt"), missing.err());
    }

    @Test
    void infoShowsHeaderTrailerAndCounts() {
        Result r = obd("info", corpus("s03_stack3_and_merged", "merged.lsmt").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("kind: committed"), r.out());
        assertTrue(r.out().contains("header.flags: 0x7 (header,data,sealed)"), r.out());
        assertTrue(r.out().contains("trailer.flags: 0x6 (trailer,data,sealed)"), r.out());
        assertTrue(r.out().contains("index entries stored: 256"), r.out());
        assertTrue(r.out().contains("index entries live: 15"), r.out());
        Result j = obd("info", "--json", corpus("s11_empty_layer_tag_uuid", "layer0.lsmt").toString());
        assertEquals(0, j.code(), j.err());
        assertTrue(j.out().startsWith("{\"file\":"), j.out());
        assertTrue(j.out().contains("\"index_entries\":0"), j.out());
    }

    @Test
    void flattenWritesTheReferenceDigestAndKeepsHolesSparse() throws Exception {
        Path out = tmp.resolve("s03.img");
        Result r = obd("flatten", "-o", out.toString(),
                corpus("s03_stack3_and_merged", "layer0.lsmt").toString(),
                corpus("s03_stack3_and_merged", "layer1.lsmt").toString(),
                corpus("s03_stack3_and_merged", "layer2.lsmt").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(16777216, Files.size(out));
        assertEquals("e2a6b1ba8984d44c1feae2db8204e39bda42c8f618853986903e473f994b047c", sha256(out));
        Process p = new ProcessBuilder("stat", "-c", "%b", out.toString()).start();
        long blocks = Long.parseLong(new String(p.getInputStream().readAllBytes()).strip());
        assertTrue(blocks * 512 < 4 << 20, "flattened file is sparse: " + blocks + " blocks allocated");
    }

    @Test
    void flattenRwPair() throws Exception {
        Path out = tmp.resolve("s04.img");
        Result r = obd("flatten", "-o", out.toString(), "--rw",
                corpus("s04_rw_uncommitted_and_sealed", "rw.data").toString(),
                corpus("s04_rw_uncommitted_and_sealed", "rw.index").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("c368bd24ecc9cbf9b7d6a423ba1a3d09633afce6d34f9531ab9278a5fd3bd851", sha256(out));
    }

    @Test
    void demoVerifiesTheSampleImage() {
        Result r = obd("demo", tmp.resolve("demo").toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("OK: every byte matches the model"), r.out());
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void conformanceRunsTheEmbeddedCatalogue() throws Exception {
        Path json = tmp.resolve("c.json");
        Result r = obd("conformance", "--clause", "LSMT-HDR", "--clause", "ZF-CRC", "--json", json.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\d+ passed, 0 failed, 0 skipped")), r.out());
        assertTrue(Files.readString(json).contains("\"id\": \"LSMT-HDR-1\""));
        assertEquals(2, obd("conformance", "--frobnicate").code());
    }
}
