package dev.obdj.zfile;

import dev.obdj.io.Bytes;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A bounds-checked LZ4 block decoder that stops as soon as the output reaches a wanted length, so a
 * read of the first kilobytes of a 32 KiB block does not decode the rest. Every length and offset is
 * checked against both buffers, so hostile input cannot read or write outside them.
 */
final class Lz4Partial {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private Lz4Partial() {}

    /**
     * Decodes sequences from {@code src[sp, sp+srcLen)} into {@code dst[dp, dp+cap)} until at least
     * {@code need} bytes are out or the block ends.
     *
     * @return bytes produced, at least {@code need}; exactly {@code cap} when the block was decoded to its end
     * @throws BlockCodec.DecodeException on malformed input
     */
    static int decode(MemorySegment src, long sp, int srcLen, MemorySegment dst, long dp, int cap, int need) {
        final long end = sp + srcLen;
        int op = 0;
        while (true) {
            if (sp >= end) {
                throw bad("input ends before the last literals", op);
            }
            int token = src.get(ValueLayout.JAVA_BYTE, sp++) & 0xFF;
            int lit = token >>> 4;
            if (lit == 15) {
                int b;
                do {
                    if (sp >= end) {
                        throw bad("literal length runs past the input", op);
                    }
                    b = src.get(ValueLayout.JAVA_BYTE, sp++) & 0xFF;
                    lit += b;
                } while (b == 255 && lit <= cap); // past cap it is invalid anyway: the length check below says so
            }
            if (lit > end - sp || lit > cap - op) {
                throw bad("literal run of " + lit + " bytes overflows", op);
            }
            Bytes.copy(src, sp, dst, dp + op, lit);
            sp += lit;
            op += lit;
            if (sp == end) { // the last sequence has literals only, and ends the block
                if (op != cap) {
                    throw bad("block ends after " + op + " of " + cap + " bytes", op);
                }
                return op;
            }
            if (op >= need) {
                return op;
            }
            if (end - sp < 2) {
                throw bad("truncated match offset", op);
            }
            int off = (src.get(ValueLayout.JAVA_BYTE, sp) & 0xFF) | (src.get(ValueLayout.JAVA_BYTE, sp + 1) & 0xFF) << 8;
            sp += 2;
            if (off == 0 || off > op) {
                throw bad("match offset " + off + " points before the block", op);
            }
            int ml = token & 15;
            if (ml == 15) {
                int b;
                do {
                    if (sp >= end) {
                        throw bad("match length runs past the input", op);
                    }
                    b = src.get(ValueLayout.JAVA_BYTE, sp++) & 0xFF;
                    ml += b;
                } while (b == 255 && ml <= cap); // past cap it is invalid anyway: the length check below says so
            }
            ml += 4;
            if (ml > cap - op) {
                throw bad("match of " + ml + " bytes overflows", op);
            }
            long from = dp + op - off;
            if (off >= ml) {
                Bytes.copy(dst, from, dst, dp + op, ml);
                op += ml;
            } else { // overlapping: the source is periodic with period off; copy growing multiples of it
                int left = ml;
                while (left > 0) {
                    int c = (int) Math.min(left, dp + op - from);
                    Bytes.copy(dst, from, dst, dp + op, c);
                    op += c;
                    left -= c;
                }
            }
        }
    }

    /**
     * Checks, without writing anything, that {@code src[sp, sp+srcLen)} is an LZ4 block that decodes
     * to exactly {@code cap} bytes under the rules of liblz4's {@code LZ4_decompress_safe} (the
     * decoder of whole blocks), and that no match has offset 0. The LZ4 format calls offset 0
     * invalid; the liblz4 build in lz4-java 1.14.0 accepts it (writing zeros) while the partial
     * decoder refused it, so a read succeeded or failed depending on the range asked. With this
     * check passed first, a whole-block decode and a partial decode of the same block agree.
     *
     * @throws BlockCodec.DecodeException when the block is not valid
     */
    static void validate(MemorySegment src, long sp, int srcLen, int cap) {
        final long end = sp + srcLen;
        long op = 0;
        if (srcLen == 0) {
            throw bad("empty block", 0);
        }
        while (true) {
            if (sp >= end) {
                throw bad("input ends before the last literals", op);
            }
            int token = src.get(ValueLayout.JAVA_BYTE, sp++) & 0xFF;
            long lit = token >>> 4;
            if (lit == 15) {
                int b;
                while (end - sp >= 8 && lit <= cap && src.get(LONG, sp) == -1L) { // eight 255s at a time
                    lit += 8 * 255;
                    sp += 8;
                }
                do {
                    if (sp >= end) {
                        throw bad("literal length runs past the input", op);
                    }
                    b = src.get(ValueLayout.JAVA_BYTE, sp++) & 0xFF;
                    lit += b;
                } while (b == 255 && lit <= cap);
            }
            // liblz4: literals ending within 12 bytes of the output end or 8 of the input end must be the last ones
            if (op + lit > cap - 12L || sp + lit > end - 8) {
                if (sp + lit != end || op + lit != cap) {
                    throw bad("last literals (" + lit + " bytes) do not end the block", op);
                }
                return;
            }
            sp += lit;
            op += lit;
            int off = (src.get(ValueLayout.JAVA_BYTE, sp) & 0xFF) | (src.get(ValueLayout.JAVA_BYTE, sp + 1) & 0xFF) << 8;
            sp += 2;
            if (off == 0 || off > op) {
                throw bad("match offset " + off + " points " + (off == 0 ? "at itself" : "before the block"), op);
            }
            long ml = token & 15;
            if (ml == 15) {
                int b;
                while (end - sp >= 8 && ml <= cap && src.get(LONG, sp) == -1L) {
                    ml += 8 * 255;
                    sp += 8;
                }
                do {
                    if (sp >= end) {
                        throw bad("match length runs past the input", op);
                    }
                    b = src.get(ValueLayout.JAVA_BYTE, sp++) & 0xFF;
                    ml += b;
                } while (b == 255 && ml <= cap);
            }
            ml += 4;
            if (op + ml > cap - 5L) { // the last 5 bytes of a block are always literals
                throw bad("match of " + ml + " bytes ends within the last 5 bytes", op);
            }
            op += ml;
        }
    }

    private static BlockCodec.DecodeException bad(String what, long op) {
        return new BlockCodec.DecodeException("LZ4 decoder: " + what + " (after " + op + " output bytes)");
    }
}
