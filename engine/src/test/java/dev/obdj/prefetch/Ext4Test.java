package dev.obdj.prefetch;

import dev.obdj.io.MappedFile;
import dev.obdj.testing.E2fs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ext4 reader and the prefetch list against filesystems made by e2fsprogs' {@code mke2fs -d}
 * from a directory tree of random files: every file reads back as the bytes put in, and its disk
 * blocks are the ones {@code debugfs -R "stat <path>"} names.
 */
class Ext4Test {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"ext4, 4096", "ext4, 1024", "ext3, 4096", "ext2, 1024"})
    void filesReadBackAndMapToTheBlocksDebugfsNames(String type, int blockSize) throws Exception {
        E2fs.require();
        Map<String, byte[]> files = E2fs.tree(tmp.resolve("src"), 11);
        Path img = E2fs.mkfs(tmp.resolve("src"), tmp.resolve("disk.img"), type, blockSize, 32);
        try (MappedFile disk = MappedFile.open(img)) {
            Ext4 fs = Ext4.open(disk);
            assertEquals(blockSize, fs.blockSize());
            for (var e : files.entrySet()) {
                ImageFs.Node ino = fs.lookup(e.getKey());
                assertNotNull(ino, e.getKey());
                assertTrue(ino.isFile());
                assertEquals(e.getValue().length, ino.size());
                assertArrayEquals(e.getValue(), fs.readFile(ino, Integer.MAX_VALUE), e.getKey());
                List<Long> blocks = new ArrayList<>();
                for (ImageFs.Extent x : fs.extents(ino)) {
                    for (long b = 0; b < x.length() / blockSize; b++) blocks.add(x.physical() / blockSize + b);
                }
                List<Long> want = E2fs.blocks(img, e.getKey());
                assertTrue(want.equals(blocks), e.getKey() + ": " + blocks.size() + " blocks mapped, debugfs lists " + want.size()
                        + (want.size() == blocks.size() ? " (different ones)" : ""));
            }
            assertEquals(new TreeSet<>(files.keySet().stream().filter(k -> k.startsWith("/a/")).toList()),
                    new TreeSet<>(fs.walk("/a/")), "walk lists every file under the directory");
            assertArrayEquals(files.get("/a/b/c/deep.bin"), fs.readFile(fs.lookup("/link-to-deep"), Integer.MAX_VALUE),
                    "symlinks are followed");
            assertArrayEquals(files.get("/top.bin"), fs.readFile(fs.lookup("a/../a/b/../../top.bin"), Integer.MAX_VALUE));
            assertNull(fs.lookup("/a/missing"));
            assertNull(fs.lookup("/top.bin/x"));
        }
    }

    @Test
    void thePlanCoversTheListedFilesCutAtTheirSize() throws Exception {
        E2fs.require();
        Map<String, byte[]> files = E2fs.tree(tmp.resolve("src"), 5);
        Path img = E2fs.mkfs(tmp.resolve("src"), tmp.resolve("disk.img"), "ext4", 4096, 32);
        List<String> entries = DynamicPrefetcher.parseList("/big.bin\n  a/b/  \n/nope\n/usr/*\nnot a path\n");
        assertEquals(List.of("/big.bin", "a/b/", "/nope"), entries);
        try (MappedFile disk = MappedFile.open(img)) {
            List<Trace.Record> plan = DynamicPrefetcher.plan(entries, disk);
            // Model: the debugfs blocks of each listed file, cut at its size rounded up to 512.
            TreeMap<Long, Long> want = new TreeMap<>();
            List<String> listed = new ArrayList<>(List.of("/big.bin"));
            files.keySet().stream().filter(k -> k.startsWith("/a/b/")).forEach(listed::add);
            long wantBytes = 0;
            for (String f : listed) {
                long left = (files.get(f).length + 511) / 512 * 512;
                for (long b : E2fs.blocks(img, f)) {
                    long n = Math.min(4096, left);
                    if (n > 0) want.merge(b * 4096, n, Long::sum);
                    left -= n;
                    wantBytes += n;
                }
            }
            TreeMap<Long, Long> got = new TreeMap<>();
            long gotBytes = 0;
            for (Trace.Record r : plan) {
                assertEquals('R', r.op());
                assertEquals(0, r.layer());
                assertTrue(r.count() > 0 && r.count() <= 1 << 20, "reads of at most 1 MiB");
                for (long at = r.offset(); at < r.offset() + r.count(); at += 4096) {
                    got.merge(at, Math.min(4096, r.offset() + r.count() - at), Long::sum);
                }
                gotBytes += r.count();
            }
            assertEquals(wantBytes, gotBytes);
            assertEquals(want, got);
        }
    }

    @Test
    void listRulesFollowTheReference() throws Exception {
        assertEquals(List.of("/usr/bin/ls", "etc/", "..", "/a-b_c.d/e"),
                DynamicPrefetcher.parseList("  /usr/bin/ls  \n\netc/\n..\n/a-b_c.d/e\n/x/*\n/has space\n/tab\t\n"));
        Path big = tmp.resolve("list");
        Files.writeString(big, "/a\n".repeat(DynamicPrefetcher.MAX_LIST_BYTES / 3 + 1));
        assertEquals(List.of(), DynamicPrefetcher.readList(big), "a list over 64 KiB is refused whole");
    }

    @Test
    void aDiskWithoutExt4PlansNothing() throws Exception {
        Path f = tmp.resolve("zeros");
        Files.write(f, new byte[1 << 16]);
        try (MappedFile disk = MappedFile.open(f)) {
            assertFalse(Ext4.detect(disk));
            assertNull(ImageFs.open(disk));
            assertEquals(List.of(), DynamicPrefetcher.plan(List.of("/a"), disk));
        }
    }
}
