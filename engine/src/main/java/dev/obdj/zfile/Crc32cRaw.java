package dev.obdj.zfile;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The reference's CRC32C variant: Castagnoli polynomial (reflected 0x82F63B78), register started at
 * a seed and returned as it is, with no pre- or post-inversion. Seed 0 covers ZFile header digests
 * and index CRCs, seed {@link #BLOCK_SEED} (100007) the per-block CRCs.
 *
 * <p>Runs on {@code java.util.zip.CRC32C}, which the JIT turns into the CPU's crc32 instructions:
 * the standard CRC is {@code ~reg} after starting from {@code 0xFFFFFFFF}, so feeding a 4-byte
 * preamble that drives the register from {@code 0xFFFFFFFF} to the seed, then the data, and
 * inverting the result gives the raw value. Raw CRCs chain: {@code raw(raw(s, a), b) == raw(s, a‖b)}.
 */
public final class Crc32cRaw {
    /** Initial register of per-block CRCs ({@code NOI_WELL_KNOWN_PRIME} in the reference). */
    public static final int BLOCK_SEED = 100007;
    static final int POLY = 0x82F63B78;

    private static final byte[] PRE_0 = preamble(0);
    private static final byte[] PRE_BLOCK = preamble(BLOCK_SEED);

    private Crc32cRaw() {}

    /** Raw CRC of {@code len} bytes of {@code b} at {@code off}, register starting at {@code seed}. */
    public static int crc(int seed, byte[] b, int off, int len) {
        CRC32C c = start(seed);
        c.update(b, off, len);
        return ~(int) c.getValue();
    }

    /** Raw CRC of the bytes between {@code buf}'s position and limit; the position moves to the limit. */
    public static int crc(int seed, ByteBuffer buf) {
        CRC32C c = start(seed);
        c.update(buf);
        return ~(int) c.getValue();
    }

    /** Raw CRC of a whole segment of any size (native or heap). */
    public static int crc(int seed, MemorySegment seg) {
        int r = seed;
        long n = seg.byteSize();
        for (long at = 0; at < n; ) {
            int chunk = (int) Math.min(n - at, 1 << 30);
            MemorySegment part = seg.asSlice(at, chunk);
            r = part.isNative() ? crc(r, part.asByteBuffer()) : crc(r, part.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), 0, chunk);
            at += chunk;
        }
        return r;
    }

    private static CRC32C start(int seed) {
        CRC32C c = new CRC32C();
        byte[] p = seed == 0 ? PRE_0 : seed == BLOCK_SEED ? PRE_BLOCK : preamble(seed);
        c.update(p, 0, 4);
        return c;
    }

    /**
     * The 4 bytes that take the CRC32C register from 0xFFFFFFFF to {@code seed}. Four bytes act on a
     * reflected CRC as {@code reg' = F(reg ^ le32(p))}, F being 32 bit steps of the polynomial
     * division; F is invertible, so {@code le32(p) = F^-1(seed) ^ 0xFFFFFFFF}.
     */
    static byte[] preamble(int seed) {
        int r = seed;
        for (int i = 0; i < 32; i++) { // undo one bit step: the top bit tells whether POLY was folded in
            r = (r & 0x80000000) != 0 ? ((r ^ POLY) << 1) | 1 : r << 1;
        }
        int p = r ^ 0xFFFFFFFF;
        return new byte[] {(byte) p, (byte) (p >>> 8), (byte) (p >>> 16), (byte) (p >>> 24)};
    }

    // ---- table-driven twin, the reference's byte-wise algorithm; tests hold both side by side ----

    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    /** Byte-at-a-time table CRC exactly as the reference's portable path computes it. Slow; for tests. */
    static int table(int seed, byte[] b, int off, int len) {
        int crc = seed;
        for (int i = off; i < off + len; i++) {
            crc = TABLE[(crc ^ b[i]) & 0xFF] ^ (crc >>> 8);
        }
        return crc;
    }

    /** Entry {@code i} of the 256-entry table (tests check [1] and [128]). */
    static int tableEntry(int i) {
        return TABLE[i];
    }
}
