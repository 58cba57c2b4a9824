package dev.obdj.zfile;

import dev.obdj.io.MappedFile;
import dev.obdj.sample.Payload;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The writer's output does not depend on the thread count nor on how the input arrives (copied
 * writes, retained segments, or a mix, in pieces of odd sizes): for random inputs of odd sizes, 2
 * and 3 threads write the same file as 1, and with LZ4 its blocks are lz4-java's port of the
 * reference's encoder followed by the reference's table-driven CRC.
 */
class ZFileWriterThreadsTest {
    @TempDir
    Path tmp;

    /** Random input: runs of the anchor payload kinds at odd lengths, so blocks mix compressible and random bytes. */
    private static byte[] input(Random r, int size) {
        byte[] b = new byte[size];
        for (int at = 0; at < size; ) {
            int n = Math.min(size - at, 1 + r.nextInt(150_000));
            byte[] p = Payload.bytes(Payload.Kind.values()[r.nextInt(4)], r.nextLong(), n);
            System.arraycopy(p, 0, b, at, n);
            at += n;
        }
        return b;
    }

    /**
     * Writes {@code in} with pieces of random sizes (seeded by {@code pieces}): copied writes and, with
     * {@code retained}, segments passed by reference, which are overwritten and freed once released.
     */
    private byte[] write(byte[] in, ZFileWriter.Options o, long pieces, boolean retained) throws Exception {
        Path out = tmp.resolve("t" + o.threads() + "-" + retained + "-" + pieces);
        Random r = new Random(pieces);
        try (Arena arena = Arena.ofShared(); ZFileWriter w = ZFileWriter.create(out, o)) {
            MemorySegment seg = arena.allocate(Math.max(1, in.length));
            MemorySegment.copy(in, 0, seg, ValueLayout.JAVA_BYTE, 0, in.length);
            for (int at = 0; at < in.length; ) {
                int n = Math.min(in.length - at, r.nextInt(4) == 0 ? 1 + r.nextInt(5000) : 1 + r.nextInt(300_000));
                if (retained && r.nextInt(3) > 0) {
                    w.writeRetained(seg.asSlice(at, n));
                } else {
                    w.write(ByteBuffer.wrap(in, at, n));
                }
                at += n;
            }
            w.releaseRetained();
            seg.fill((byte) 0x5A); // no longer the writer's: what it still reads now would show in the file
            w.finish();
        }
        return Files.readAllBytes(out);
    }

    /** The data region the reference writes for {@code in}: each 4 KiB block by the port, then its raw CRC. */
    private static byte[] lz4Model(byte[] in) {
        LZ4Compressor port = LZ4Factory.safeInstance().fastCompressor();
        ByteArrayOutputStream want = new ByteArrayOutputStream();
        for (int at = 0; at < in.length; at += 4096) {
            int len = Math.min(4096, in.length - at);
            byte[] c = new byte[port.maxCompressedLength(len) + 4];
            int n = port.compress(in, at, len, c, 0, c.length);
            ByteBuffer.wrap(c, n, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(Crc32cRaw.table(Crc32cRaw.BLOCK_SEED, c, 0, n));
            want.write(c, 0, n + 4);
        }
        return want.toByteArray();
    }

    @Test
    void lz4OutputIsTheSameForEveryThreadCountAndWritePath() throws Exception {
        Random r = new Random(2026);
        for (int c = 0; c < 6; c++) {
            int size = c == 0 ? 1 : (1 + r.nextInt(5 << 20)) | 1; // odd sizes, up to 5 MiB: several batches
            byte[] in = input(r, size);
            ZFileWriter.Options o = ZFileWriter.Options.commit();
            byte[] one = write(in, o, c, false);
            byte[] data = lz4Model(in);
            assertArrayEquals(data, Arrays.copyOfRange(one, 512, 512 + data.length), size + " bytes, 1 thread: data");
            for (int threads : new int[] {1, 2, 3}) {
                for (boolean retained : new boolean[] {false, true}) {
                    if (threads == 1 && !retained) {
                        continue;
                    }
                    byte[] f = write(in, o.withThreads(threads), 100 + c, retained);
                    assertArrayEquals(one, f, size + " bytes, " + threads + " threads, retained " + retained);
                }
            }
        }
    }

    @Test
    void otherCodecsAndBlockSizesToo() throws Exception {
        Random r = new Random(77);
        ZFileWriter.Options[] os = {
                ZFileWriter.Options.tool().withBlockSize(65536),
                ZFileWriter.Options.tool().withCodec(BlockCodec.Zstd.INSTANCE).withBlockSize(8192).withBlockCrc(false),
                ZFileWriter.Options.commit().withCodec(BlockCodec.Lz4.NATIVE).withBlockSize(16384),
        };
        for (ZFileWriter.Options o : os) {
            int size = (1 + r.nextInt(3 << 20)) | 1;
            byte[] in = input(r, size);
            byte[] one = write(in, o, 1, false);
            for (int threads : new int[] {2, 3}) {
                byte[] f = write(in, o.withThreads(threads), threads, true);
                assertArrayEquals(one, f, o + ", " + size + " bytes, " + threads + " threads");
            }
            Path p = tmp.resolve("back");
            Files.write(p, one);
            byte[] back = new byte[size];
            try (ZFileReader z = ZFileReader.open(MappedFile.open(p), new ZFileReader.Options(0))) {
                assertEquals(size, z.size());
                z.read(0, MemorySegment.ofArray(back), 0, size);
            }
            assertArrayEquals(in, back, o + ": content read back");
        }
    }
}
