package dev.obdj.prefetch;

import dev.obdj.io.MappedFile;
import dev.obdj.testing.E2fs;
import dev.obdj.testing.ErofsUtils;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The EROFS reader against images made by {@code mkfs.erofs} from a tree of random files, in each
 * uncompressed layout: every file reads back as the bytes put in, its extents are the ones
 * {@code dump.erofs -e} lists, directories walk completely, and the prefetch plan covers the
 * listed files.
 */
class ErofsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"", "-Enoinline_data", "-Eforce-inode-compact", "--chunksize=8192", "--chunksize=16384 -Eforce-chunk-indexes"})
    void filesReadBackAndMapToTheExtentsDumpErofsLists(String options) throws Exception {
        ErofsUtils.require();
        Map<String, byte[]> files = E2fs.tree(tmp.resolve("src"), 17);
        Path img = ErofsUtils.mkfs(tmp.resolve("src"), tmp.resolve("disk.erofs"),
                options.isEmpty() ? new String[0] : options.split(" "));
        try (MappedFile disk = MappedFile.open(img)) {
            ImageFs fs = ImageFs.open(disk);
            assertInstanceOf(Erofs.class, fs);
            for (var e : files.entrySet()) {
                ImageFs.Node n = fs.lookup(e.getKey());
                assertNotNull(n, e.getKey());
                assertTrue(n.isFile());
                assertEquals(e.getValue().length, n.size());
                assertArrayEquals(e.getValue(), fs.readFile(n, Integer.MAX_VALUE), e.getKey());
                List<ErofsUtils.Extent> got = new ArrayList<>();
                for (ImageFs.Extent x : fs.extents(n)) got.add(new ErofsUtils.Extent(x.logical(), x.physical(), x.length()));
                assertEquals(ErofsUtils.extents(img, e.getKey()), got, e.getKey());
            }
            assertEquals(new TreeSet<>(files.keySet().stream().filter(k -> k.startsWith("/a/")).toList()),
                    new TreeSet<>(fs.walk("/a/")));
            assertArrayEquals(files.get("/a/b/c/deep.bin"), fs.readFile(fs.lookup("/link-to-deep"), Integer.MAX_VALUE));
            assertNull(fs.lookup("/a/missing"));
            List<Trace.Record> plan = DynamicPrefetcher.plan(List.of("/big.bin", "/a/b/"), disk);
            long bytes = plan.stream().mapToLong(Trace.Record::count).sum();
            long want = 0; // the reference's cut: each file's extents up to its size rounded up to 512 bytes
            for (String f : files.keySet()) {
                if (!f.equals("/big.bin") && !f.startsWith("/a/b/")) continue;
                long left = (files.get(f).length + 511) / 512 * 512;
                for (ErofsUtils.Extent x : ErofsUtils.extents(img, f)) {
                    long c = Math.min(x.length(), left);
                    want += c;
                    left -= c;
                }
            }
            assertEquals(want, bytes);
        }
    }
}
