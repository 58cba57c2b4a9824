package dev.obdj;

import dev.obdj.sample.Payload;
import dev.obdj.testing.Corpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Byte compatibility of the writers with the reference: replaying the operations recorded in the
 * corpus' case.json through obdj's public API produces the reference's files byte for byte
 * (RW data and index files, committed blobs, sealed files, merged blobs).
 */
class CommitCompatTest {
    @TempDir
    Path tmp;

    /** A committed layer of the corpus with its operations and commit arguments. */
    record Layer(Path caseDir, Map<String, Object> json) {
        String file() { return (String) json.get("file"); }

        @Override
        public String toString() { return caseDir.getFileName() + "/" + file(); }
    }

    @SuppressWarnings("unchecked")
    static List<Layer> committedLayers() {
        List<Layer> out = new ArrayList<>();
        for (Path c : Corpus.cases()) {
            for (Object o : (List<Object>) Corpus.caseJson(c).get("layers")) {
                Map<String, Object> l = (Map<String, Object>) o;
                String f = (String) l.get("file");
                boolean shipped = f != null && (Files.exists(c.resolve(f))
                        || Files.exists(c.resolve(f.replace(".lsmt", ".zfile"))));
                if (f != null && l.containsKey("operations") && l.containsKey("commit_args") && shipped) {
                    out.add(new Layer(c, l));
                }
            }
        }
        assertTrue(out.size() >= 15, "corpus committed layers found: " + out.size());
        return out;
    }

    @SuppressWarnings("unchecked")
    static void replay(Image img, List<Object> ops) {
        for (Object o : ops) {
            Map<String, Object> op = (Map<String, Object>) o;
            if ("...".equals(op.get("op"))) {
                continue; // the elided rest; see expand()
            }
            long off = ((Number) op.get("offset")).longValue();
            long len = ((Number) op.get("length")).longValue();
            if ("discard".equals(op.get("op"))) {
                img.discard(off, len);
            } else {
                byte[] p = Payload.bytes(Payload.kind((String) op.get("kind")), ((Number) op.get("seed")).longValue(), (int) len);
                img.write(off, p, 0, p.length);
            }
        }
    }

    static String createdUuid(Map<String, Object> layer) {
        Object cb = layer.get("created_by");
        if (cb instanceof List<?> l && !l.isEmpty()) {
            Matcher m = Pattern.compile("uuid=([0-9A-Fa-f-]{36})").matcher(l.get(0).toString());
            if (m.find()) return m.group(1);
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest(name = "{0}")
    @MethodSource("committedLayers")
    void commitOfTheRecordedOperationsEqualsTheReferenceBlob(Layer layer) throws Exception {
        Map<String, Object> j = layer.json();
        Path data = tmp.resolve("rw.data"), index = tmp.resolve("rw.index"), out = tmp.resolve("out.lsmt");
        Layers.create(data, index, new CreateOptions(((Number) j.get("virtual_size")).longValue(), createdUuid(j), null));
        try (Image img = Image.openWritable(List.of(), data, index)) {
            replay(img, (List<Object>) j.get("operations"));
            expand(img, j);
        }
        Map<String, Object> args = (Map<String, Object>) j.get("commit_args");
        CommitOptions opts = new CommitOptions((String) args.get("uuid"), (String) args.get("parent_uuid"),
                (String) args.get("user_tag"));
        Layers.commit(data, index, out, opts);
        byte[] plain = Files.readAllBytes(out);
        Path shipped = layer.caseDir().resolve(layer.file());
        if (layer.file().endsWith(".lsmt") && Files.exists(shipped)) {
            assertBytesEqual(Files.readAllBytes(shipped), plain);
        }
        Path z = layer.caseDir().resolve(layer.file().replace(".lsmt", ".zfile"));
        if (Files.exists(z)) { // the reference's ZFile of this layer decompresses to our plain commit
            assertBytesEqual(plain, decompress(z));
        }
        Map<String, Object> zo = (Map<String, Object>) j.get("zfile");
        if (zo != null && "new_zfile_builder (streaming)".equals(zo.get("writer"))) { // overlaybd-commit -z
            Path outZ = tmp.resolve("out.zfile");
            ZFileOptions.Algorithm algo = "zstd".equals(zo.get("algo")) ? ZFileOptions.Algorithm.ZSTD : ZFileOptions.Algorithm.LZ4;
            Layers.commit(data, index, outZ, opts.withZFile(new ZFileOptions(algo, ((Number) zo.get("block_size")).intValue(),
                    ((Number) zo.get("verify")).intValue() != 0, Boolean.TRUE.equals(zo.get("overwrite_header")), 2)));
            if (algo == ZFileOptions.Algorithm.LZ4) {
                assertBytesEqual(Files.readAllBytes(layer.caseDir().resolve(layer.file())), Files.readAllBytes(outZ));
            } else { // zstd output depends on the libzstd version (reference 1.5.4): same content, same layout
                assertBytesEqual(plain, decompress(outZ));
                byte[] want = Files.readAllBytes(layer.caseDir().resolve(layer.file()));
                byte[] got = Files.readAllBytes(outZ);
                assertBytesEqual(Arrays.copyOfRange(want, 0, 28), Arrays.copyOfRange(got, 0, 28));
                assertBytesEqual(Arrays.copyOfRange(want, 32, 40), Arrays.copyOfRange(got, 32, 40)); // flags
                assertBytesEqual(Arrays.copyOfRange(want, 48, 64), Arrays.copyOfRange(got, 48, 64)); // blocks, size
                assertBytesEqual(Arrays.copyOfRange(want, 72, 512), Arrays.copyOfRange(got, 72, 512));
            }
        }
    }

    /** s14 lists three writes and describes the rest in its note; replay that description too. */
    static void expand(Image img, Map<String, Object> layer) {
        String note = String.valueOf(layer.get("note"));
        if (!note.startsWith("operations: write i (0<=i<110000): offset=i*1024, length=512, kind=comp, seed=1400+(i%26); "
                + "discard j (0<=j<20000): offset=120MiB+j*2048, length=1024")) {
            return;
        }
        for (int i = 3; i < 110000; i++) {
            byte[] p = Payload.bytes(Payload.Kind.COMP, 1400 + (i % 26), 512);
            img.write(i * 1024L, p, 0, 512);
        }
        for (int k = 0; k < 20000; k++) {
            img.discard((120L << 20) + k * 2048L, 1024);
        }
    }

    static byte[] decompress(Path zfile) {
        try (dev.obdj.io.ByteSource src = dev.obdj.io.ByteSources.open(zfile)) {
            byte[] b = new byte[(int) src.size()];
            src.read(0, java.lang.foreign.MemorySegment.ofArray(b), 0, b.length);
            return b;
        }
    }

    static void assertBytesEqual(byte[] want, byte[] got) {
        int m = Arrays.mismatch(want, got);
        assertEquals(-1, m, "first differing byte at " + m + " (sizes " + want.length + " / " + got.length + ")");
    }

    @SuppressWarnings("unchecked")
    @Test
    void rwFilesSealAndCommitOfS04() throws Exception {
        Path c = Corpus.dir().resolve("s04_rw_uncommitted_and_sealed");
        Map<String, Object> j = (Map<String, Object>) ((List<Object>) Corpus.caseJson(c).get("layers")).get(0);
        Path data = tmp.resolve("rw.data"), index = tmp.resolve("rw.index");
        Layers.create(data, index, new CreateOptions(((Number) j.get("virtual_size")).longValue(), createdUuid(j), null));
        try (Image img = Image.openWritable(List.of(), data, index)) {
            replay(img, (List<Object>) j.get("operations"));
        }
        assertBytesEqual(Files.readAllBytes(c.resolve("rw.data")), Files.readAllBytes(data));
        assertBytesEqual(Files.readAllBytes(c.resolve("rw.index")), Files.readAllBytes(index));

        Path committed = tmp.resolve("committed.lsmt");
        Layers.commit(data, index, committed, CommitOptions.DEFAULT);
        assertBytesEqual(Files.readAllBytes(c.resolve("committed.lsmt")), Files.readAllBytes(committed));

        Layers.seal(data, index);
        byte[] want = Files.readAllBytes(c.resolve("sealed.lsmt"));
        byte[] got = Files.readAllBytes(data);
        assertEquals(want.length, got.length, "sealed size");
        // the reference pads the index to 512 bytes with uninitialised memory: compare around it
        long indexOffset = java.nio.ByteBuffer.wrap(want, want.length - 4096 + 32, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        long entries = java.nio.ByteBuffer.wrap(want, want.length - 4096 + 40, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        int realEnd = (int) (indexOffset + entries * 16);
        int padEnd = want.length - 4096;
        assertBytesEqual(Arrays.copyOf(want, realEnd), Arrays.copyOf(got, realEnd));
        assertBytesEqual(Arrays.copyOfRange(want, padEnd, want.length), Arrays.copyOfRange(got, padEnd, got.length));
    }

    @SuppressWarnings("unchecked")
    @Test
    void createOfS11EqualsTheReferenceRwPairAndEmptyCommit() throws Exception {
        Path c = Corpus.dir().resolve("s11_empty_layer_tag_uuid");
        List<Object> layers = (List<Object>) Corpus.caseJson(c).get("layers");
        Map<String, Object> rw = (Map<String, Object>) layers.get(1);
        Path data = tmp.resolve("rw.data"), index = tmp.resolve("rw.index");
        Layers.create(data, index, new CreateOptions(16777216, (String) rw.get("rw_uuid"), (String) rw.get("rw_parent_uuid")));
        assertBytesEqual(Files.readAllBytes(c.resolve("rw.data")), Files.readAllBytes(data));
        assertBytesEqual(Files.readAllBytes(c.resolve("rw.index")), Files.readAllBytes(index));
    }

    @Test
    void mergeOfS03EqualsTheReferenceMergedBlob() throws Exception {
        Path c = Corpus.dir().resolve("s03_stack3_and_merged");
        Path out = tmp.resolve("merged.lsmt");
        Layers.merge(List.of(c.resolve("layer0.lsmt"), c.resolve("layer1.lsmt"), c.resolve("layer2.lsmt")), out,
                new CommitOptions("00000003-0000-4000-8000-000000000009", null, null));
        assertBytesEqual(Files.readAllBytes(c.resolve("merged.lsmt")), Files.readAllBytes(out));
    }
}
