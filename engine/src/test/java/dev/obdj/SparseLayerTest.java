package dev.obdj;

import dev.obdj.testing.Corpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sparse RW variant: data in place at 4096 + offset, mappings rebuilt from the file's holes. */
class SparseLayerTest {
    @TempDir
    Path dir;

    @Test
    void sparseLayerWritesDiscardsReopensCommitsAndSeals() throws Exception {
        long vsize = 8L << 20;
        Path data = dir.resolve("s.data"), index = dir.resolve("s.index");
        Layers.create(data, index, CreateOptions.ofSize(vsize).asSparse());
        assertEquals(vsize + 4096, Files.size(data), "data file spans the disk");
        ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(data), 0, 64).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x13, h.getInt(28), "header flags: header|data|sparse_rw");
        byte[] model = new byte[(int) vsize];
        Random r = new Random(42);
        try (Image img = Image.openWritable(List.of(), data, index)) {
            for (int k = 0; k < 200; k++) {
                int len = 1 + r.nextInt(100000);
                int off = r.nextInt((int) vsize - len);
                if (r.nextInt(5) == 0) {
                    img.discard(off, len);
                    Arrays.fill(model, off, off + len, (byte) 0);
                } else {
                    byte[] p = new byte[len];
                    r.nextBytes(p);
                    img.write(off, p, 0, len);
                    System.arraycopy(p, 0, model, off, len);
                }
            }
            assertArrayEquals(model, readAll(img));
        }
        assertEquals(4096, Files.size(index), "a sparse layer writes no index entries");
        try (Image img = Image.openWritable(List.of(), data, index)) {
            assertArrayEquals(model, readAll(img), "after reopening (mappings from SEEK_DATA/SEEK_HOLE)");
        }
        try (Image ro = Image.open(List.of(), data, index)) {
            assertArrayEquals(model, readAll(ro), "read-only view");
        }
        Path committed = dir.resolve("c.lsmt");
        Layers.commit(data, index, committed, CommitOptions.DEFAULT);
        LayerInfo ci = Image.inspect(committed);
        assertEquals(LayerInfo.Kind.COMMITTED, ci.kind());
        assertEquals(0x07, ci.header().flags(), "committing a sparse layer gives a normal blob");
        try (Image c = Image.open(List.of(committed))) {
            assertArrayEquals(model, readAll(c));
        }
        Layers.seal(data, index);
        LayerInfo si = Image.inspect(data);
        assertEquals(LayerInfo.Kind.SEALED_IN_PLACE, si.kind());
        assertEquals(0x16, si.trailer().flags(), "sealed trailer keeps the sparse bit");
        try (Image s = Image.open(List.of(data))) {
            assertArrayEquals(model, readAll(s));
        }
    }

    @Test
    void sparseLayerOverLowersFallsThroughItsHoles() throws Exception {
        Path lower = Corpus.dir().resolve("s03_stack3_and_merged").resolve("merged.lsmt");
        Path data = dir.resolve("s.data"), index = dir.resolve("s.index");
        Layers.create(data, index, CreateOptions.ofSize(16 << 20).asSparse());
        byte[] below = new byte[16 << 20];
        try (Image l = Image.open(List.of(lower))) {
            l.read(0, below, 0, below.length);
        }
        byte[] p = new byte[1 << 20];
        new Random(7).nextBytes(p);
        try (Image img = Image.openWritable(List.of(lower), data, index)) {
            img.write(4 << 20, p, 0, p.length);
        }
        System.arraycopy(p, 0, below, 4 << 20, p.length);
        try (Image img = Image.openWritable(List.of(lower), data, index)) {
            assertTrue(Arrays.equals(below, readAll(img)));
        }
    }

    static byte[] readAll(Image img) {
        byte[] b = new byte[(int) img.size()];
        img.read(0, b, 0, b.length);
        return b;
    }
}
