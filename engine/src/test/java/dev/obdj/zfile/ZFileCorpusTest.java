package dev.obdj.zfile;

import dev.obdj.Image;
import dev.obdj.io.ByteSource;
import dev.obdj.io.MappedFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.DynamicTest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every corpus view whose files include a ZFile reads to the reference's sha256. */
class ZFileCorpusTest {

    static List<ZFileCorpus.View> zfileViews() {
        return ZFileCorpus.views().stream()
                .filter(v -> v.files().stream().anyMatch(f -> f.getFileName().toString().endsWith(".zfile")))
                .toList();
    }

    @Test
    void corpusHasTheZFileViews() {
        List<ZFileCorpus.View> v = zfileViews();
        assertEquals(14, v.size(), v.toString());
        assertTrue(v.stream().anyMatch(ZFileCorpus.View::standalone));
        assertTrue(v.stream().anyMatch(x -> !x.standalone()));
    }

    @TestFactory
    Stream<DynamicTest> viewsReadToExpectedSha256() {
        return zfileViews().stream().map(v -> DynamicTest.dynamicTest(v.toString(), () -> {
            if (v.standalone()) {
                assertEquals(1, v.files().size());
                try (ZFileReader r = ZFileReader.open(MappedFile.open(v.files().get(0)))) {
                    assertEquals(v.size(), r.size());
                    assertEquals(v.sha256(), sha256(r, 1 << 20), "1 MiB chunks");
                    assertEquals(v.sha256(), sha256(r, 4096 + 513), "odd chunks through the cache");
                }
                try (ZFileReader r = ZFileReader.open(MappedFile.open(v.files().get(0)), new ZFileReader.Options(0))) {
                    assertEquals(v.sha256(), sha256(r, 1000), "small chunks, no cache");
                }
                try (ZFileReader r = ZFileReader.open(new Unmapped(MappedFile.open(v.files().get(0))))) {
                    assertEquals(v.sha256(), sha256(r, 1 << 20), "unmapped source");
                    assertEquals(v.sha256(), sha256(r, 7777), "unmapped source, odd chunks");
                }
            } else {
                try (Image img = Image.open(v.files())) {
                    assertEquals(v.size(), img.size());
                    assertEquals(v.sha256(), sha256(img), "stack " + v.files());
                }
            }
        }));
    }

    @Test
    void checkWalksEveryCorpusZFile() {
        for (ZFileCorpus.View v : zfileViews()) {
            for (var f : v.files()) {
                if (!f.toString().endsWith(".zfile")) continue;
                try (ZFileReader r = ZFileReader.open(MappedFile.open(f))) {
                    ZFileReader.CheckReport c = r.check();
                    assertEquals(r.blockCount(), c.blocks());
                    assertEquals(r.size(), c.originalBytes());
                    assertEquals(r.fields().hasBlockCrc() ? c.blocks() : 0, c.crcChecked());
                }
            }
        }
    }

    @Test
    void s13BlocksExceedTheReferenceStagingBuffer() {
        var f = ZFileCorpus.root().resolve("s13_zfile_64k_incompressible_reference_limitation/plain.bin.lz4_64k_crc.zfile");
        try (ZFileReader r = ZFileReader.open(MappedFile.open(f))) {
            assertEquals(65536, r.fields().blockSize());
            boolean over = false;
            for (int b = 0; b < r.blockCount(); b++) {
                over |= r.blockStored(b) > 65536;
            }
            assertTrue(over, "the case exists because some block + crc exceeds 64 KiB");
            assertFalse(r.fields().isHeaderOverwrite());
            assertTrue(r.trailer() != null);
        }
    }

    static String sha256(ByteSource r, int chunk) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(chunk);
            byte[] tmp = new byte[chunk];
            for (long off = 0; off < r.size(); off += chunk) {
                int n = (int) Math.min(chunk, r.size() - off);
                r.read(off, buf, 0, n);
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, tmp, 0, n);
                md.update(tmp, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(Image img) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] tmp = new byte[1 << 20];
        for (long off = 0; off < img.size(); off += tmp.length) {
            int n = (int) Math.min(tmp.length, img.size() - off);
            img.read(off, tmp, 0, n);
            md.update(tmp, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Hides the mapping, so the reader takes its copy-in path. */
    record Unmapped(ByteSource in) implements ByteSource {
        @Override public String name() { return in.name(); }
        @Override public long size() { return in.size(); }
        @Override public void read(long p, MemorySegment d, long o, long l) { in.read(p, d, o, l); }
        @Override public void close() { in.close(); }
    }
}
