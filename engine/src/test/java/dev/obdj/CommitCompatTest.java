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
                if (f != null && f.endsWith(".lsmt") && l.containsKey("operations") && l.containsKey("commit_args")
                        && Files.exists(c.resolve(f))) {
                    out.add(new Layer(c, l));
                }
            }
        }
        assertTrue(out.size() >= 8, "corpus committed layers found: " + out.size());
        return out;
    }

    @SuppressWarnings("unchecked")
    static void replay(Image img, List<Object> ops) {
        for (Object o : ops) {
            Map<String, Object> op = (Map<String, Object>) o;
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
        }
        Map<String, Object> args = (Map<String, Object>) j.get("commit_args");
        Layers.commit(data, index, out, new CommitOptions((String) args.get("uuid"), (String) args.get("parent_uuid"),
                (String) args.get("user_tag")));
        assertBytesEqual(Files.readAllBytes(layer.caseDir().resolve(layer.file())), Files.readAllBytes(out));
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
