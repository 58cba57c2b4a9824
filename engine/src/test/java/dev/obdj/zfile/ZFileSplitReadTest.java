package dev.obdj.zfile;

import dev.obdj.FormatException;
import dev.obdj.io.MappedFile;
import dev.obdj.sample.Payload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Large reads split across a helper thread: same bytes as the plain content, failures as in a serial read. */
class ZFileSplitReadTest {
    private static final int BS = 4096;
    private static byte[] data;
    private static Path file;

    @BeforeAll
    static void write() {
        data = new byte[3 * 1024 * 1024 + 777];
        for (int k = 0; k * 65536 < data.length; k++) {
            byte[] p = Payload.bytes(Payload.Kind.values()[k % 4], 50 + k, 65536);
            System.arraycopy(p, 0, data, k * 65536, Math.min(65536, data.length - k * 65536));
        }
        file = ZFileTestFiles.write(data, ZFileWriter.Options.commit().withThreads(2), 65536);
    }

    @AfterAll
    static void clean() throws Exception {
        Files.deleteIfExists(file);
    }

    private static byte[] read(ZFileReader r, long pos, int len, Arena a) {
        MemorySegment dst = a.allocate(len + 16);
        dst.fill((byte) 0x5A);
        r.read(pos, dst, 8, len);
        assertEquals(0x5A, dst.get(ValueLayout.JAVA_BYTE, 7), "byte before the destination");
        assertEquals(0x5A, dst.get(ValueLayout.JAVA_BYTE, 8 + len), "byte after the destination");
        return dst.asSlice(8, len).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void splitAndSerialReadsGiveTheContent() {
        Random rnd = new Random(3);
        try (Arena a = Arena.ofShared();
             ZFileReader split = ZFileReader.open(MappedFile.open(file), new ZFileReader.Options(1 << 20, true));
             ZFileReader serial = ZFileReader.open(MappedFile.open(file), new ZFileReader.Options(0, false))) {
            for (int i = 0; i < 60; i++) {
                int len = i % 3 == 0 ? 1 << 20 : ZFileReader.SPLIT_MIN_BYTES + rnd.nextInt(1 << 20);
                long pos = i % 4 == 0 ? (long) rnd.nextInt((data.length - len) / BS) * BS : rnd.nextInt(data.length - len + 1);
                byte[] want = Arrays.copyOfRange(data, (int) pos, (int) pos + len);
                assertArrayEquals(want, read(split, pos, len, a), "split read at " + pos + " of " + len);
                assertArrayEquals(want, read(serial, pos, len, a), "serial read at " + pos + " of " + len);
            }
            byte[] all = new byte[data.length];
            split.read(0, MemorySegment.ofArray(all), 0, all.length); // heap destination too
            assertArrayEquals(data, all);
            try (Arena confined = Arena.ofConfined()) { // not writable by a helper: read serially
                assertArrayEquals(Arrays.copyOfRange(data, 4096, 4096 + (1 << 20)), read(split, 4096, 1 << 20, confined));
            }
        }
    }

    @Test
    void concurrentReadersAllGetTheirBytes() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ZFileReader r = ZFileReader.open(MappedFile.open(file))) {
            Future<?>[] f = new Future<?>[4];
            for (int t = 0; t < f.length; t++) {
                int seed = t;
                f[t] = pool.submit(() -> {
                    Random rnd = new Random(seed);
                    try (Arena a = Arena.ofShared()) {
                        for (int i = 0; i < 40; i++) {
                            int len = ZFileReader.SPLIT_MIN_BYTES + rnd.nextInt(1 << 20);
                            long pos = rnd.nextInt(data.length - len + 1);
                            assertArrayEquals(Arrays.copyOfRange(data, (int) pos, (int) pos + len), read(r, pos, len, a));
                        }
                    }
                    return null;
                });
            }
            for (Future<?> x : f) {
                x.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A bad block in either half: FormatException naming it, bytes before it intact, zeros from it on. */
    @Test
    void aBadBlockInEitherHalfFailsAsASerialReadDoes() throws Exception {
        long pos = 100 * BS + 123;
        int len = 1 << 20;
        int firstBlock = (int) (pos / BS);
        int blocks = (int) ((pos + len - 1) / BS) - firstBlock + 1;
        for (int bad : new int[] {firstBlock + 3, firstBlock + blocks / 2 + 5, firstBlock + blocks - 1}) {
            byte[] z = Files.readAllBytes(file);
            long at;
            try (ZFileReader r = ZFileReader.open(MappedFile.open(file))) {
                at = r.blockOffset(bad);
            }
            z[(int) at + 1] ^= 0x40;
            Path p = Files.createTempFile("zfile-split", ".zfile");
            try {
                Files.write(p, z);
                try (Arena a = Arena.ofShared(); ZFileReader r = ZFileReader.open(MappedFile.open(p))) {
                    MemorySegment dst = a.allocate(len);
                    dst.fill((byte) 0x5A);
                    FormatException e = assertThrows(FormatException.class, () -> r.read(pos, dst, 0, len));
                    assertTrue(e.getMessage().contains("block[" + bad + "]"), e.getMessage());
                    int good = (int) ((long) bad * BS - pos);
                    byte[] got = dst.toArray(ValueLayout.JAVA_BYTE);
                    assertArrayEquals(Arrays.copyOfRange(data, (int) pos, (int) pos + good), Arrays.copyOf(got, good), "before block " + bad);
                    assertArrayEquals(new byte[len - good], Arrays.copyOfRange(got, good, len), "from block " + bad + " on");
                }
            } finally {
                Files.deleteIfExists(p);
            }
        }
    }
}
