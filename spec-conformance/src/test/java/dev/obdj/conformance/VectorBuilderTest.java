package dev.obdj.conformance;

import dev.obdj.conformance.VectorBuilder.Entry;
import dev.obdj.conformance.VectorBuilder.ZBlock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector builder against published values and the reference's own files, so the suite's
 * expectations do not rest on obdj.
 */
class VectorBuilderTest {
    static final byte[] DIGITS = "123456789".getBytes(StandardCharsets.US_ASCII);

    @Test
    void rawCrc32cTestValues() {
        assertEquals(0x58E3FA20, VectorBuilder.crc32c(0, DIGITS));
        assertEquals(0x3C9BD4E0, VectorBuilder.crc32c(100007, DIGITS));
        assertEquals(0x000186A7, VectorBuilder.crc32c(100007, new byte[0]));
        assertEquals(0, VectorBuilder.crc32c(0, new byte[4096]));
    }

    @Test
    void entryWorkedExamples() {
        HexFormat h = HexFormat.ofDelimiter(" ");
        assertEquals("00 10 00 00 00 00 20 00 08 00 00 00 00 00 00 00", h.formatHex(Entry.data(4096, 8, 8).encode()));
        assertEquals("10 00 00 00 00 00 40 00 28 00 00 00 00 00 80 00", h.formatHex(Entry.zero(16, 16, 40).encode()));
        assertEquals("00 00 00 00 00 00 fc ff 08 00 00 00 00 00 00 00", h.formatHex(Entry.data(0, 16383, 8).encode()));
        assertEquals("05 00 00 00 00 00 0c 00 34 12 00 00 00 00 00 02", h.formatHex(Entry.data(5, 3, 0x1234).withTag(2).encode()));
        assertEquals("ff ff ff ff ff ff 03 00 00 00 00 00 00 00 00 00", h.formatHex(Entry.invalid().encode()));
    }

    @Test
    void zfileHeaderDigestExamples() {
        ZBlock h = new ZBlock();
        h.flags = 0x13;
        h.blockSize = 4096;
        h.algo = 1;
        h.verify = 1;
        assertEquals(0xC7A212FCL, VectorBuilder.u32(h.encode(), 28));
        byte[] index = {0x64, 0, 0, 0, 0x3c, 0, 0, 0};
        assertEquals(0x853ADB65, VectorBuilder.crc32c(0, index));
        ZBlock t = new ZBlock();
        t.flags = 0x16;
        t.indexOffset = 672;
        t.indexSize = 2;
        t.originalSize = 6000;
        t.indexCrc = 0x853ADB65L;
        t.blockSize = 4096;
        t.algo = 1;
        t.verify = 1;
        assertEquals(0x8178554BL, VectorBuilder.u32(t.encode(), 28));
        t.flags = 0x1B;
        assertEquals(0x71B8806FL, VectorBuilder.u32(t.encode(), 28));
    }

    @Test
    void payloadMatchesTheCorpusGenerator() throws Exception {
        Path c = Corpus.dir().resolve("s03_stack3_and_merged");
        Map<String, Object> op = Json.obj(Json.list(Json.obj(Json.list(Json.obj(Json.parse(Files.readString(c.resolve("case.json"))))
                .get("layers")).get(0)).get("operations")).get(0));
        byte[] p = VectorBuilder.payload(Json.str(op, "kind"), Json.num(op, "seed", 0), (int) Json.num(op, "length", 0));
        assertEquals(Json.str(op, "payload_sha256"), VectorBuilder.sha256(p));
    }

    /** The builder's commit model writes the reference's committed blobs byte for byte. */
    @Test
    void commitModelEqualsTheReferenceBlobs() throws Exception {
        int checked = 0;
        for (Path c : Corpus.cases()) {
            for (Object o : Json.list(Json.obj(Json.parse(Files.readString(c.resolve("case.json")))).get("layers"))) {
                Map<String, Object> l = Json.obj(o);
                String f = Json.str(l, "file");
                if (f == null || !f.endsWith(".lsmt") || !Files.exists(c.resolve(f)) || l.get("commit_args") == null
                        || l.get("operations") == null) {
                    continue;
                }
                Map<String, Object> a = Json.obj(l.get("commit_args"));
                VectorBuilder.CommitSpec s = new VectorBuilder.CommitSpec(Json.num(l, "virtual_size", 0), null, null,
                        Json.str(a, "uuid"), Json.str(a, "parent_uuid"), Json.str(a, "user_tag"), CorpusCases.ops(l));
                byte[] want = Files.readAllBytes(c.resolve(f)), got = VectorBuilder.commit(s);
                assertEquals(-1, Arrays.mismatch(want, got), c.getFileName() + "/" + f + ": first differing byte");
                checked++;
            }
        }
        assertTrue(checked >= 8, "layers checked: " + checked);
    }

    @Test
    void flattenModelEqualsTheReferenceDigests() throws Exception {
        Path c = Corpus.dir().resolve("s03_stack3_and_merged");
        List<VectorBuilder.LayerView> views = List.of(
                VectorBuilder.LayerView.ofBlob(Files.readAllBytes(c.resolve("layer0.lsmt"))),
                VectorBuilder.LayerView.ofBlob(Files.readAllBytes(c.resolve("layer1.lsmt"))),
                VectorBuilder.LayerView.ofBlob(Files.readAllBytes(c.resolve("layer2.lsmt"))));
        assertEquals("e2a6b1ba8984d44c1feae2db8204e39bda42c8f618853986903e473f994b047c",
                VectorBuilder.sha256(VectorBuilder.flatten(16 << 20, views)));
        Path rw = Corpus.dir().resolve("s04_rw_uncommitted_and_sealed");
        assertEquals("c368bd24ecc9cbf9b7d6a423ba1a3d09633afce6d34f9531ab9278a5fd3bd851", VectorBuilder.sha256(
                VectorBuilder.flatten(8 << 20, List.of(VectorBuilder.LayerView.ofRw(Files.readAllBytes(rw.resolve("rw.data")),
                        Files.readAllBytes(rw.resolve("rw.index")))))));
    }
}
