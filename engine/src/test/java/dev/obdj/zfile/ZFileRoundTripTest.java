package dev.obdj.zfile;

import dev.obdj.io.MappedFile;
import dev.obdj.sample.Payload;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Write then read: every codec × block size × CRC setting, odd sizes, four kinds of content, random sub-ranges. */
class ZFileRoundTripTest {

    record Case(Payload.Kind kind, long seed, int size, ZFileWriter.Options options, int chunk, long readSeed) {}

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<BlockCodec> codec = Arbitraries.of(BlockCodec.Lz4.INSTANCE, BlockCodec.Lz4.NATIVE, BlockCodec.Zstd.INSTANCE);
        Arbitrary<Integer> bs = Arbitraries.of(4096, 8192, 16384, 32768, 65536);
        Arbitrary<ZFileWriter.Options> opts = Combinators.combine(codec, bs, Arbitraries.of(true, false),
                Arbitraries.of(true, false), Arbitraries.of(1, 1, 2, 3)).as(ZFileWriter.Options::new);
        return Combinators.combine(Arbitraries.of(Payload.Kind.values()), Arbitraries.longs().between(0, 1000), opts,
                Arbitraries.integers().between(0, 9), Arbitraries.of(1, 511, 4096, 65536, 100_000), Arbitraries.longs())
                .as((kind, seed, o, sizeKind, chunk, rs) -> {
                    int b = o.blockSize();
                    int size = List.of(0, 1, b - 1, b, b + 1, 3 * b + 17, 17 * b, 40 * b + 5, 300_007, 1 << 20).get(sizeKind);
                    return new Case(kind, seed, Math.min(size, 1 << 20), o, chunk, rs);
                });
    }

    @Property(tries = 80)
    void roundTrip(@ForAll("cases") Case c) throws Exception {
        byte[] data = ZFileTestFiles.content(c.kind(), c.seed(), c.size());
        Path p = ZFileTestFiles.write(data, c.options(), c.chunk());
        try {
            for (long cache : new long[] {1 << 20, 0}) {
                try (ZFileReader r = ZFileReader.open(MappedFile.open(p), new ZFileReader.Options(cache))) {
                    assertEquals(data.length, r.size());
                    assertEquals(c.options().blockCrc(), r.fields().hasBlockCrc());
                    assertEquals(c.options().overwriteHeader(), r.trailer() == null);
                    assertEquals(c.options().codec().id(), r.codec().id());
                    byte[] all = new byte[data.length];
                    r.read(0, MemorySegment.ofArray(all), 0, all.length);
                    assertArrayEquals(data, all);
                    subRanges(r, data, new Random(c.readSeed()));
                    r.check();
                }
            }
        } finally {
            Files.delete(p);
        }
    }

    private static void subRanges(ZFileReader r, byte[] data, Random rnd) {
        if (data.length == 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment nat = a.allocate(data.length + 64);
            for (int i = 0; i < 40; i++) {
                int off = rnd.nextInt(data.length);
                int len = rnd.nextInt(Math.min(data.length - off, i % 4 == 0 ? data.length : 70_000) + 1);
                if (i % 2 == 0) {
                    byte[] got = new byte[len];
                    r.read(off, MemorySegment.ofArray(got), 0, len);
                    assertArrayEquals(Arrays.copyOfRange(data, off, off + len), got, "heap " + off + "+" + len);
                } else {
                    int d = rnd.nextInt(64);
                    r.read(off, nat, d, len);
                    byte[] got = nat.asSlice(d, len).toArray(ValueLayout.JAVA_BYTE);
                    assertArrayEquals(Arrays.copyOfRange(data, off, off + len), got, "native " + off + "+" + len);
                }
            }
        }
    }

    @Property(tries = 40)
    void partialLz4DecodeAgreesWithLiblz4(@ForAll("cases") Case c) {
        byte[] data = ZFileTestFiles.content(c.kind(), c.seed(), Math.min(c.size(), 65536));
        if (data.length == 0) {
            return;
        }
        BlockCodec lz4 = BlockCodec.Lz4.NATIVE;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocate(data.length);
            MemorySegment.copy(data, 0, in, ValueLayout.JAVA_BYTE, 0, data.length);
            MemorySegment comp = a.allocate(lz4.maxCompressedLength(data.length));
            int n = lz4.compress(in.asByteBuffer(), 0, data.length, comp.asByteBuffer(), 0, (int) comp.byteSize());
            MemorySegment out = a.allocate(data.length);
            int need = (int) Math.floorMod(c.readSeed(), data.length + 1);
            int got = Lz4Partial.decode(comp, 0, n, out, 0, data.length, need);
            assertEquals(true, got >= need && got <= data.length);
            assertArrayEquals(Arrays.copyOf(data, got), out.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(data.length, Lz4Partial.decode(comp, 0, n, out, 0, data.length, data.length));
            assertArrayEquals(data, out.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @org.junit.jupiter.api.Test
    void literalRunEndingOnA255ByteDecodes() {
        for (int len : new int[] {15 + 255 * 16, 15 + 255 * 256, 15 + 255}) { // length bytes 255 ... 255 0
            byte[] data = Payload.bytes(Payload.Kind.RAND, len, len);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment in = a.allocate(len);
                MemorySegment.copy(data, 0, in, ValueLayout.JAVA_BYTE, 0, len);
                MemorySegment comp = a.allocate(BlockCodec.Lz4.NATIVE.maxCompressedLength(len));
                int n = BlockCodec.Lz4.NATIVE.compress(in.asByteBuffer(), 0, len, comp.asByteBuffer(), 0, (int) comp.byteSize());
                MemorySegment out = a.allocate(len);
                assertEquals(len, Lz4Partial.decode(comp, 0, n, out, 0, len, 1));
                assertArrayEquals(data, out.toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }
}
