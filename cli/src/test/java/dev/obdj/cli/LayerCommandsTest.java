package dev.obdj.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static dev.obdj.cli.MainTest.obd;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** create, write, discard, commit, seal, merge and flatten through the CLI, checked against a model. */
class LayerCommandsTest {
    @TempDir
    Path t;

    @Test
    void layerLifecycleThroughTheCli() throws Exception {
        String d = t.resolve("a.data").toString(), i = t.resolve("a.index").toString();
        assertEquals(0, obd("create", "--uuid", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeee0011", d, i, "4M").code());
        byte[] model = new byte[4 << 20];
        byte[] p = new byte[100_000];
        new Random(3).nextBytes(p);
        Path pf = t.resolve("p.bin");
        Files.write(pf, p);
        assertEquals(0, obd("write", d, i, "12345", pf.toString()).code());
        System.arraycopy(p, 0, model, 12345, p.length);
        assertEquals(0, obd("discard", d, i, "20000", "4096").code());
        Arrays.fill(model, 20000, 24096, (byte) 0);
        Path c = t.resolve("a.lsmt");
        MainTest.Result r = obd("commit", "--tag", "first layer", "--uuid", "11111111-2222-4333-8444-555555555555", d, i, c.toString());
        assertEquals(0, r.code(), r.err());
        MainTest.Result info = obd("info", c.toString());
        assertTrue(info.out().contains("user_tag: first layer"), info.out());
        assertTrue(info.out().contains("uuid: 11111111-2222-4333-8444-555555555555"), info.out());

        String d2 = t.resolve("b.data").toString(), i2 = t.resolve("b.index").toString();
        assertEquals(0, obd("create", "--sparse", d2, i2, "4M").code());
        // whole file-system blocks: a sparse layer's extents are rebuilt at block granularity
        Path aligned = t.resolve("q.bin");
        Files.write(aligned, Arrays.copyOf(p, 4096 * 19));
        assertEquals(0, obd("write", d2, i2, "0", aligned.toString()).code());
        System.arraycopy(p, 0, model, 0, 4096 * 19);
        assertEquals(0, obd("seal", d2, i2).code());
        Path cz = t.resolve("a.zfile"); // the same layer committed into a ZFile reads the same
        assertEquals(0, obd("commit", "--zfile", "--algo", "zstd", "--bs", "16", d, i, cz.toString()).code());
        MainTest.Result zi = obd("info", cz.toString());
        assertTrue(zi.out().contains("zfile") || zi.out().contains("ZFile"), zi.out());
        assertEquals(2, obd("commit", "--bs", "16", d, i, t.resolve("x").toString()).code(), "--bs needs --zfile");
        assertEquals(2, obd("commit", "--zfile", "--bs", "3", d, i, t.resolve("x").toString()).code(), "bad --bs");
        Path m = t.resolve("m.lsmt");
        assertEquals(0, obd("merge", "-o", m.toString(), cz.toString(), d2).code());
        Path flat = t.resolve("flat.img");
        assertEquals(0, obd("flatten", "-o", flat.toString(), m.toString()).code());
        assertArrayEquals(model, Files.readAllBytes(flat));

        assertEquals(2, obd("create", d, i).code(), "missing SIZE");
        assertEquals(2, obd("create", d, i, "12Q").code(), "bad SIZE");
        MainTest.Result exists = obd("create", d, i, "4M");
        assertEquals(1, exists.code(), "files exist");
        assertTrue(exists.err().contains("a.data"), exists.err());
        assertEquals(1, obd("merge", "-o", m.toString(), c.toString()).code(), "output exists");
    }
}
