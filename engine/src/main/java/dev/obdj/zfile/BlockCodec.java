package dev.obdj.zfile;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

import java.nio.ByteBuffer;

/**
 * The block compressors a ZFile may name in its {@code algo} byte. Each codec works on direct
 * {@link ByteBuffer}s with absolute offsets (no position or limit is touched, so one buffer may be
 * shared by threads) and keeps any native context per thread, reused across calls.
 *
 * <p>Outputs are what the reference writes: LZ4 raw block format from {@code LZ4_compress_default}
 * (acceleration 1), ZSTD one frame per block at level 3 with the content size recorded.
 */
public sealed interface BlockCodec permits BlockCodec.Lz4, BlockCodec.Zstd {

    /** The {@code algo} byte of the header. */
    int id();

    /** Lower-case name: {@code lz4} or {@code zstd}. */
    String name();

    /** Worst-case compressed size of {@code len} input bytes. */
    int maxCompressedLength(int len);

    /** Compresses {@code src[srcOff, srcOff+srcLen)} to {@code dst} at {@code dstOff}; returns the compressed length. */
    int compress(ByteBuffer src, int srcOff, int srcLen, ByteBuffer dst, int dstOff, int dstCap);

    /**
     * Decompresses a whole block that must decode to exactly {@code len} bytes at {@code dst[dstOff]}.
     *
     * @throws DecodeException when the bytes are not a valid block of that length
     */
    void decompress(ByteBuffer src, int srcOff, int srcLen, ByteBuffer dst, int dstOff, int len);

    /** The codec for an {@code algo} byte, or null when obdj has none (0 = MINI_LZO, unknown values). */
    static BlockCodec forId(int id) {
        return switch (id) {
            case ZFileHeader.ALGO_LZ4 -> Lz4.INSTANCE;
            case ZFileHeader.ALGO_ZSTD -> Zstd.INSTANCE;
            default -> null;
        };
    }

    /** The codec named {@code lz4}, {@code lz4-native} (fast encoder) or {@code zstd} (case-insensitive), or null. */
    static BlockCodec forName(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "lz4" -> Lz4.INSTANCE;
            case "lz4-native" -> Lz4.NATIVE;
            case "zstd" -> Zstd.INSTANCE;
            default -> null;
        };
    }

    /** A block failed to decode; the reader turns it into a {@link dev.obdj.FormatException} naming the block. */
    final class DecodeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DecodeException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * LZ4 block format. Decoding always uses liblz4 through lz4-java's JNI safe decompressor. Two
     * encoders: {@link #INSTANCE} (the default) is obdj's {@code Lz4Encoder}, a Java encoder whose
     * output is byte-identical to the reference's bundled LZ4 1.8.3 {@code LZ4_compress_default};
     * {@link #NATIVE} uses the JNI binding of liblz4 1.10, whose output differs from 1.8.3's:
     * faster, compressing better, but not byte-identical (its blocks are still ordinary LZ4 blocks
     * that the reference reads).
     */
    final class Lz4 implements BlockCodec {
        /** Reference-identical encoder (the output of LZ4 1.8.3's {@code compress_default}). */
        public static final Lz4 INSTANCE = new Lz4(false);
        /** Fast encoder: liblz4 through JNI; valid LZ4, different bytes from the reference. */
        public static final Lz4 NATIVE = new Lz4(true);
        private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();
        private static final LZ4Compressor JNI = LZ4Factory.nativeInstance().fastCompressor();
        /** The Java encoder works on arrays: each thread stages a block in its own pair, with its own table. */
        private static final ThreadLocal<Staging> STAGING = ThreadLocal.withInitial(Staging::new);

        private final boolean nativeEncoder;

        private Lz4(boolean nativeEncoder) {
            this.nativeEncoder = nativeEncoder;
        }

        @Override
        public int id() { return ZFileHeader.ALGO_LZ4; }

        @Override
        public String name() { return "lz4"; }

        @Override
        public int maxCompressedLength(int len) { return JNI.maxCompressedLength(len); }

        @Override
        public int compress(ByteBuffer src, int srcOff, int srcLen, ByteBuffer dst, int dstOff, int dstCap) {
            if (nativeEncoder) {
                return JNI.compress(src, srcOff, srcLen, dst, dstOff, dstCap);
            }
            if (srcLen > Lz4Encoder.MAX_INPUT) {
                throw new IllegalArgumentException("LZ4 block input of " + srcLen + " bytes; at most " + Lz4Encoder.MAX_INPUT);
            }
            Staging a = STAGING.get();
            src.get(srcOff, a.in, 0, srcLen);
            int n = a.encoder.compress(a.in, 0, srcLen, a.out, 0);
            if (n > dstCap) {
                throw new IllegalArgumentException("LZ4 output of " + n + " bytes does not fit in " + dstCap);
            }
            dst.put(dstOff, a.outView, 0, n);
            return n;
        }

        /** True for the reference-identical Java encoder, which {@link ZFileWriter} drives on arrays directly. */
        boolean javaEncoder() { return !nativeEncoder; }

        private static final class Staging {
            final byte[] in = new byte[Lz4Encoder.MAX_INPUT];
            // off-heap like the writer's output, so the encoder's output accesses see one kind of segment
            final java.lang.foreign.MemorySegment out = java.lang.foreign.Arena.ofAuto().allocate(Lz4Encoder.bound(Lz4Encoder.MAX_INPUT));
            final ByteBuffer outView = out.asByteBuffer();
            final Lz4Encoder encoder = new Lz4Encoder();
        }

        @Override
        public void decompress(ByteBuffer src, int srcOff, int srcLen, ByteBuffer dst, int dstOff, int len) {
            int got;
            try {
                got = DECOMPRESSOR.decompress(src, srcOff, srcLen, dst, dstOff, len);
            } catch (LZ4Exception e) {
                throw new DecodeException("LZ4 decoder: " + e.getMessage());
            }
            if (got != len) {
                throw new DecodeException("LZ4 block decoded to " + got + " bytes");
            }
        }

        @Override
        public String toString() { return nativeEncoder ? "lz4 (native encoder)" : "lz4"; }
    }

    /** ZSTD frames through zstd-jni, one compression and one decompression context per thread. */
    final class Zstd implements BlockCodec {
        /** The level the reference always uses; the header's level byte is ignored. */
        static final int LEVEL = 3;
        /** The codec. */
        public static final Zstd INSTANCE = new Zstd();
        private static final ThreadLocal<ZstdCompressCtx> CCTX = ThreadLocal.withInitial(() -> new ZstdCompressCtx().setLevel(LEVEL));
        private static final ThreadLocal<ZstdDecompressCtx> DCTX = ThreadLocal.withInitial(ZstdDecompressCtx::new);

        private Zstd() {}

        @Override
        public int id() { return ZFileHeader.ALGO_ZSTD; }

        @Override
        public String name() { return "zstd"; }

        @Override
        public int maxCompressedLength(int len) { return (int) com.github.luben.zstd.Zstd.compressBound(len); }

        @Override
        public int compress(ByteBuffer src, int srcOff, int srcLen, ByteBuffer dst, int dstOff, int dstCap) {
            return CCTX.get().compressDirectByteBuffer(dst, dstOff, dstCap, src, srcOff, srcLen);
        }

        @Override
        public void decompress(ByteBuffer src, int srcOff, int srcLen, ByteBuffer dst, int dstOff, int len) {
            int got;
            try {
                got = DCTX.get().decompressDirectByteBuffer(dst, dstOff, len, src, srcOff, srcLen);
            } catch (ZstdException e) {
                throw new DecodeException("ZSTD decoder: " + e.getMessage());
            } catch (RuntimeException e) { // zstd-jni reports some frame errors as plain runtime exceptions
                throw new DecodeException("ZSTD decoder: " + e);
            }
            if (got != len) {
                throw new DecodeException("ZSTD frame decoded to " + got + " bytes");
            }
        }

        @Override
        public String toString() { return name(); }
    }
}
