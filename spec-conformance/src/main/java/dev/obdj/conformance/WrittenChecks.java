package dev.obdj.conformance;

import dev.obdj.Image;
import dev.obdj.ObdjException;
import dev.obdj.io.MappedFile;
import dev.obdj.zfile.ZFileReader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static dev.obdj.conformance.VectorBuilder.crc32c;
import static dev.obdj.conformance.VectorBuilder.u32;
import static dev.obdj.conformance.VectorBuilder.u64;

/** Checks of files an implementation wrote: field by field, then through obdj's strict reader. */
final class WrittenChecks {
    private WrittenChecks() {}

    /** Problems of a written ZFile against the ZF-W clauses (empty when it conforms). */
    static List<String> zfile(byte[] f, Map<String, String> opts, long inputSize) {
        List<String> p = new ArrayList<>();
        if (f.length < 1024) {
            p.add("file of " + f.length + " bytes is shorter than header + trailer");
            return p;
        }
        int bs = Integer.parseInt(opts.get("bs"));
        int algo = opts.get("algo").equals("zstd") ? VectorBuilder.ALGO_ZSTD : VectorBuilder.ALGO_LZ4;
        boolean verify = opts.get("verify").equals("1");
        boolean over = opts.get("overwrite_header").equals("1");
        int t = f.length - 512;
        block(p, "header", f, 0, over ? 0x1B : 0x13);
        block(p, "trailer", f, t, 0x16);
        long n = u64(f, t + 48), io = u64(f, t + 40), orig = u64(f, t + 56);
        expect(p, "trailer.original_file_size", orig, inputSize);
        expect(p, "trailer.index_size", n, (inputSize + bs - 1) / bs);
        expect(p, "trailer.block_size", u32(f, t + 72), bs);
        expect(p, "trailer.algo", f[t + 76], algo);
        expect(p, "trailer.level", f[t + 77], 0);
        expect(p, "trailer.use_dict", f[t + 78], 0);
        expect(p, "trailer.dict_size", u32(f, t + 84), 0);
        expect(p, "trailer.verify", f[t + 88], verify ? 1 : 0);
        expect(p, "index_offset + 4 * index_size (index right before the trailer)", io + 4 * n, t);
        if (!p.isEmpty() || io + 4 * n != t) {
            return p;
        }
        expect(p, "trailer.index_crc", u32(f, t + 64), crc32c(0, f, (int) io, (int) (4 * n)) & 0xFFFFFFFFL);
        for (int k = 40; k < 96; k++) {
            if (k == 28 || k == 29 || k == 30 || k == 31) {
                continue;
            }
            int want = over ? f[t + k] : 0;
            if (k >= 72 && !over) {
                want = f[t + k];
            }
            if (f[k] != want) {
                p.add("header byte " + k + ": expected " + want + (over ? " (as the trailer)" : " (zero until the end)")
                        + ", found " + f[k]);
                break;
            }
        }
        long pos = 512;
        for (int i = 0; i < n; i++) {
            long s = u32(f, (int) (io + 4L * i));
            if (s <= (verify ? 4 : 0) || pos + s > io) {
                p.add("block " + i + ": stored size " + s + " does not fit");
                return p;
            }
            if (verify) {
                int len = (int) s - 4;
                long want = crc32c(VectorBuilder.BLOCK_CRC_SEED, f, (int) pos, len) & 0xFFFFFFFFL;
                expect(p, "block[" + i + "].crc (seed 100007)", u32(f, (int) pos + len), want);
            }
            pos += s;
        }
        expect(p, "end of the last block (index_offset)", pos, io);
        return p;
    }

    private static void block(List<String> p, String what, byte[] f, int at, long flags) {
        for (int k = 0; k < 8; k++) {
            if (f[at + k] != VectorBuilder.ZF_MAGIC0[k]) {
                p.add(what + ".magic0 wrong");
                return;
            }
        }
        for (int k = 0; k < 16; k++) {
            if (f[at + 8 + k] != VectorBuilder.ZF_MAGIC1[k]) {
                p.add(what + ".magic1 wrong");
                return;
            }
        }
        expect(p, what + ".size", u32(f, at + 24), 96);
        expect(p, what + ".flags", u64(f, at + 32), flags);
        byte[] b = java.util.Arrays.copyOfRange(f, at, at + 512);
        long stored = u32(b, 28);
        VectorBuilder.putU32(b, 28, 0);
        expect(p, what + ".digest", stored, crc32c(0, b) & 0xFFFFFFFFL);
    }

    private static void expect(List<String> p, String what, long found, long want) {
        if (found != want) {
            p.add(what + ": expected " + want + " (0x" + Long.toHexString(want) + "), found " + found
                    + " (0x" + Long.toHexString(found) + ")");
        }
    }

    /** sha256 of what obdj's strict reader shows for a written layer (its virtual disk). */
    static String layerContent(Path file) throws ObdjException {
        try (Image img = Image.open(List.of(file)); Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1 << 20);
            MessageDigest md = sha();
            for (long off = 0; off < img.size(); off += buf.byteSize()) {
                long k = Math.min(buf.byteSize(), img.size() - off);
                img.read(off, buf, 0, k);
                md.update(buf.asSlice(0, k).asByteBuffer());
            }
            return HexFormat.of().formatHex(md.digest()) + " " + img.size();
        }
    }

    /** sha256 of a written ZFile's original bytes, read by obdj's strict reader (every block decoded, CRCs checked). */
    static String zfileContent(Path file) throws ObdjException {
        try (ZFileReader r = ZFileReader.open(MappedFile.open(file)); Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1 << 20);
            MessageDigest md = sha();
            for (long off = 0; off < r.size(); off += buf.byteSize()) {
                long k = Math.min(buf.byteSize(), r.size() - off);
                r.read(off, buf, 0, k);
                md.update(buf.asSlice(0, k).asByteBuffer());
            }
            return HexFormat.of().formatHex(md.digest()) + " " + r.size();
        }
    }

    static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
