package dev.obdj.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.obdj.FormatException;
import dev.obdj.zfile.Crc32cRaw;
import dev.obdj.zfile.ZFileHeader;
import dev.obdj.zfile.ZFileReader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Target 4: a ZFile from fuzz bytes (header, trailer, jump table index, blocks, CRCs). Opened
 * mapped with a block cache and streamed without one, as given and with its digests and CRCs
 * recomputed (so mutations get past the checksums to the decoders). Each block is decoded whole;
 * the two readers must agree on every block (same bytes, or both fail with a FormatException), and
 * partial reads at random places (the cache and the partial LZ4 decoder) must return the same bytes
 * as whole-block decodes, or fail where a block they touch fails.
 */
class ZFileFuzzTest {
    static final int MAX_BLOCKS = 128;
    private static final MemorySegment WHOLE = Arena.global().allocate(MAX_BLOCKS * 65536L, 4096);
    private static final MemorySegment DST = Arena.global().allocate(MAX_BLOCKS * 65536L, 4096);

    @FuzzTest
    void zfile(byte[] data) {
        Budget.run(data.length, () -> {
            check(data);
            byte[] fixed = repaired(data);
            if (!Arrays.equals(fixed, data)) {
                check(fixed);
            }
        });
    }

    static void check(byte[] data) {
        try (Arena arena = Arena.ofConfined()) {
            ZFileReader cached, plain;
            String cachedFail = null, plainFail = null;
            try {
                cached = ZFileReader.open(SegmentSource.of(arena, "mapped.zfile", data, true), new ZFileReader.Options(256 << 10));
            } catch (FormatException e) {
                cached = null;
                cachedFail = e.field();
            }
            try {
                plain = ZFileReader.open(SegmentSource.of(arena, "streamed.zfile", data, false), new ZFileReader.Options(0));
            } catch (FormatException e) {
                plain = null;
                plainFail = e.field();
            }
            if ((cached == null) != (plain == null) || (cachedFail != null && !cachedFail.equals(plainFail))) {
                throw new AssertionError("mapped open: " + (cached != null ? "ok" : cachedFail)
                        + ", streamed open: " + (plain != null ? "ok" : plainFail));
            }
            if (cached == null) {
                return;
            }
            try (ZFileReader a = cached; ZFileReader b = plain) {
                compare(a, b, new SplittableRandom(Arrays.hashCode(data)));
            }
        }
    }

    private static void compare(ZFileReader cached, ZFileReader plain, SplittableRandom r) {
        if (cached.size() != plain.size() || cached.blockCount() != plain.blockCount()) {
            throw new AssertionError("readers disagree on the size");
        }
        int blocks = Math.min(cached.blockCount(), MAX_BLOCKS);
        int bs = cached.fields().blockSize();
        long covered = Math.min(cached.size(), (long) blocks * bs);
        boolean[] bad = new boolean[blocks];
        boolean anyBad = false;
        for (int b = 0; b < blocks; b++) {
            long at = (long) b * bs;
            long len = Math.min(bs, cached.size() - at);
            boolean failA = false, failB = false;
            try {
                plain.read(at, WHOLE, at, len);
            } catch (FormatException e) {
                failA = true;
                if (!zeros(WHOLE, at, len)) {
                    throw new AssertionError("block " + b + " failed but left bytes in the destination");
                }
            }
            try {
                cached.read(at, DST, 0, len);
            } catch (FormatException e) {
                failB = true;
            }
            if (failA != failB) {
                throw new AssertionError("block " + b + ": streamed " + (failA ? "fails" : "reads") + ", mapped "
                        + (failB ? "fails" : "reads"));
            }
            if (!failA && MemorySegment.mismatch(WHOLE, at, at + len, DST, 0, len) >= 0) {
                throw new AssertionError("block " + b + ": the readers decode different bytes");
            }
            bad[b] = failA;
            anyBad |= failA;
        }
        for (int k = 0; k < 24 && covered > 0; k++) {
            long from = r.nextLong(covered);
            long len = 1 + r.nextLong(Math.min(covered - from, k < 16 ? bs + 1 : 4L * bs));
            ZFileReader z = k % 3 == 2 ? plain : cached;
            boolean expectFail = false;
            for (long b = from / bs; b <= (from + len - 1) / bs; b++) expectFail |= bad[(int) b];
            try {
                z.read(from, DST, 0, len);
                if (expectFail) throw new AssertionError("read [" + from + ", " + (from + len) + ") crosses a bad block but succeeded");
                if (MemorySegment.mismatch(WHOLE, from, from + len, DST, 0, len) >= 0) {
                    throw new AssertionError("read [" + from + ", " + (from + len) + ") differs from whole-block decodes");
                }
            } catch (FormatException e) {
                if (!expectFail) throw new AssertionError("read [" + from + ", " + (from + len) + ") failed on good blocks", e);
            }
        }
        if (cached.blockCount() <= MAX_BLOCKS) {
            try {
                ZFileReader.CheckReport rep = plain.check();
                if (anyBad) throw new AssertionError("check() passed a file with a bad block");
                if (rep.blocks() != cached.blockCount() || rep.originalBytes() != cached.size()) {
                    throw new AssertionError("check() report " + rep + " disagrees with the reader");
                }
            } catch (FormatException e) {
                if (!anyBad) throw new AssertionError("check() failed a file whose blocks all decode", e);
            }
        }
    }

    private static boolean zeros(MemorySegment s, long at, long len) {
        for (long i = 0; i < len; i++) {
            if (s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at + i) != 0) return false;
        }
        return true;
    }

    /**
     * A copy with every checksum made right for its (possibly mutated) fields: block CRCs, the index
     * CRC and the header and trailer digests. Fields that point outside the file are left alone.
     */
    static byte[] repaired(byte[] in) {
        byte[] d = in.clone();
        if (d.length < 512 || !ZFileHeader.hasMagic(MemorySegment.ofArray(d))) {
            return d;
        }
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        long hflags = b.getLong(32);
        int at = (hflags & ZFileHeader.FLAG_HEADER_OVERWRITE) != 0 ? 0 : d.length - 512;
        boolean trailer = at != 0 && at >= 512 && ZFileHeader.hasMagic(MemorySegment.ofArray(d).asSlice(at));
        if (at != 0 && !trailer) {
            digest(d, 0);
            return d;
        }
        long io = b.getLong(at + 40);
        long n = b.getLong(at + 48);
        long dict = Integer.toUnsignedLong(b.getInt(at + 84));
        boolean verify = d[at + 88] != 0;
        long limit = at == 0 ? d.length : at;
        boolean indexInside = io >= 0 && n >= 0 && n <= limit && io <= limit - 4 * n;
        if (indexInside && verify) {
            long pos = 512 + dict;
            for (int i = 0; i < n; i++) {
                long s = Integer.toUnsignedLong(b.getInt((int) io + 4 * i));
                if (s < 4 || pos + s > limit) break;
                int crc = Crc32cRaw.crc(Crc32cRaw.BLOCK_SEED, d, (int) pos, (int) s - 4);
                b.putInt((int) (pos + s - 4), crc);
                pos += s;
            }
        }
        long flags = b.getLong(at + 32);
        if (indexInside && (flags & ZFileHeader.FLAG_CALC_DIGEST) != 0) {
            b.putInt(at + 64, Crc32cRaw.crc(0, d, (int) io, (int) (4 * n)));
        }
        digest(d, 0);
        if (at != 0) {
            digest(d, at);
        }
        return d;
    }

    private static void digest(byte[] d, int at) {
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        if ((b.getLong(at + 32) & ZFileHeader.FLAG_CALC_DIGEST) != 0) {
            b.putInt(at + 28, ZFileHeader.computeDigest(MemorySegment.ofArray(d).asSlice(at, 512)));
        }
    }
}
