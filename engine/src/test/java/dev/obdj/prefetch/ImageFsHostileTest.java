package dev.obdj.prefetch;

import dev.obdj.ObdjException;
import dev.obdj.io.ByteSource;
import dev.obdj.testing.E2fs;
import dev.obdj.testing.ErofsUtils;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The filesystem readers on damaged images (a prefetch list is applied to whatever image was
 * pulled): random bytes of real ext4 and EROFS images are flipped outside the files' data, and
 * every call either answers or throws an {@link ObdjException}; none hangs or fails otherwise,
 * and the plan never throws.
 */
class ImageFsHostileTest {
    @TempDir
    Path tmp;

    static ByteSource of(byte[] b) {
        return new ByteSource() {
            @Override public String name() { return "damaged"; }
            @Override public long size() { return b.length; }
            @Override public void read(long position, MemorySegment dst, long dstOffset, long length) {
                MemorySegment.copy(MemorySegment.ofArray(b), position, dst, dstOffset, length);
            }
            @Override public void close() { }
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "ext2", "erofs"})
    void damagedImagesGiveTypedErrorsOnly(String type) throws Exception {
        if (type.equals("erofs")) ErofsUtils.require();
        else E2fs.require();
        var files = E2fs.tree(tmp.resolve("src"), 5);
        Path img = type.equals("erofs") ? ErofsUtils.mkfs(tmp.resolve("src"), tmp.resolve("disk"))
                : E2fs.mkfs(tmp.resolve("src"), tmp.resolve("disk"), type, type.equals("ext2") ? 1024 : 4096, 16);
        byte[] clean = Files.readAllBytes(img);
        // Damage lands outside the files' data (as the tools map it), where the metadata lives.
        boolean[] data = new boolean[clean.length];
        for (String f : files.keySet()) {
            if (type.equals("erofs")) {
                for (ErofsUtils.Extent x : ErofsUtils.extents(img, f)) java.util.Arrays.fill(data, (int) x.physical(), (int) (x.physical() + x.length()), true);
            } else {
                int bs = type.equals("ext2") ? 1024 : 4096;
                for (long blk : E2fs.blocks(img, f)) java.util.Arrays.fill(data, (int) blk * bs, (int) (blk + 1) * bs, true);
            }
        }
        int[] meta = java.util.stream.IntStream.range(0, clean.length).filter(i -> !data[i]).toArray();
        // ...and a third of it on the files' and directories' own inodes (ext; EROFS keeps them packed anyway).
        List<Long> inodes = new java.util.ArrayList<>();
        if (!type.equals("erofs")) {
            int bs = type.equals("ext2") ? 1024 : 4096;
            for (String f : files.keySet()) {
                inodes.add(E2fs.inodeAt(img, f, bs));
                inodes.add(E2fs.inodeAt(img, f.substring(0, Math.max(1, f.lastIndexOf('/'))), bs));
            }
        }
        Random r = new Random(42);
        List<String> paths = List.of("/big.bin", "/a/b/c/deep.bin", "/link-to-deep", "/a/many/file-with-a-long-name-7");
        int typed = 0;
        for (int variant = 0; variant < 200; variant++) {
            byte[] b = clean.clone();
            int flips = 1 + r.nextInt(8);
            for (int i = 0; i < flips; i++) {
                int at = !inodes.isEmpty() && r.nextInt(3) == 0 ? (int) (inodes.get(r.nextInt(inodes.size())) + r.nextInt(128))
                        : meta[r.nextInt(meta.length)];
                b[at] ^= (byte) (1 << r.nextInt(8));
            }
            ByteSource disk = of(b);
            int v = variant;
            typed += assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                int errors = 0;
                try {
                    ImageFs fs = ImageFs.open(disk);
                    if (fs == null) return 0;
                    List<String> all = new java.util.ArrayList<>(paths);
                    try {
                        all.addAll(fs.walk("/"));
                    } catch (ObdjException e) {
                        errors++;
                    }
                    for (String p : all) {
                        try {
                            ImageFs.Node n = fs.lookup(p);
                            if (n != null) {
                                fs.extents(n);
                                fs.readFile(n, 64 << 10);
                            }
                        } catch (ObdjException e) {
                            errors++;
                        }
                    }
                } catch (ObdjException e) {
                    errors++;
                } catch (RuntimeException e) {
                    throw new AssertionError("variant " + v + ": untyped " + e, e);
                }
                DynamicPrefetcher.plan(List.of("/big.bin", "/a/"), disk); // logs, never throws past open
                return errors;
            }, "variant " + v);
        }
        assertTrue(typed > 0, "the damage reached the metadata");
    }
}
