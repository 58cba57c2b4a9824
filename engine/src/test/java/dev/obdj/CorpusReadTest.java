package dev.obdj;

import dev.obdj.testing.Corpus;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every plain-LSMT and RW-pair view of the reference corpus flattens to the reference's sha256. */
class CorpusReadTest {

    static List<Corpus.View> lsmtViews() {
        List<Corpus.View> v = Corpus.views().stream().filter(x -> x.isLsmtStack() || x.isRwPair()).toList();
        assertFalse(v.isEmpty(), "no corpus views found under " + Corpus.dir());
        return v;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lsmtViews")
    void flattensToReferenceDigest(Corpus.View view) throws Exception {
        try (Image img = view.isRwPair()
                ? Image.open(List.of(), view.paths().get(0), view.paths().get(1))
                : Image.open(view.paths())) {
            assertEquals(view.size(), img.size(), "virtual size");
            assertEquals(view.sha256(), sha256(img), "sha256 of the flattened disk");
            Map<String, Object> ref = view.referenceResult();
            Assumptions.assumeTrue(ref.containsKey("index_entries"));
            assertEquals(((Number) ref.get("index_entries")).longValue(), img.indexEntries(), "merged index entries");
        }
    }

    static String sha256(Image img) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1 << 20);
            for (long off = 0; off < img.size(); off += buf.byteSize()) {
                long n = Math.min(buf.byteSize(), img.size() - off);
                img.read(off, buf, 0, n);
                md.update(buf.asSlice(0, n).asByteBuffer());
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
