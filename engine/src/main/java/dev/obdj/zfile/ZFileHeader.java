package dev.obdj.zfile;

import dev.obdj.io.Le;

import java.lang.foreign.MemorySegment;
import java.util.StringJoiner;

/**
 * The 512-byte ZFile header / trailer block: a packed 96-byte struct, the rest zero. The same
 * layout is the header at offset 0 and the trailer in the file's last 512 bytes.
 *
 * @param structSize       u32 at 24, {@value #STRUCT_SIZE} as written
 * @param digest           u32 at 28: raw CRC32C (seed 0) of all 512 bytes with this field zeroed
 * @param flags            u64 at 32: {@link #FLAG_HEADER}, {@link #FLAG_TYPE}, ...
 * @param indexOffset      u64 at 40, byte offset of the index
 * @param indexSize        u64 at 48, the number of blocks (u32 index entries), not bytes
 * @param originalSize     u64 at 56, uncompressed length in bytes
 * @param indexCrc         u32 at 64: raw CRC32C (seed 0) of the index bytes as stored
 * @param blockSize        u32 at 72, bytes of original data per block
 * @param algo             u8 at 76: {@link #ALGO_LZ4} or {@link #ALGO_ZSTD}
 * @param level            u8 at 77, written 0 and ignored
 * @param useDict          u8 at 78, 0
 * @param dictSize         u32 at 84; the data starts at {@code 512 + dictSize}
 * @param verify           u8 at 88: 1 when every block is followed by its 4-byte CRC
 */
public record ZFileHeader(int structSize, int digest, long flags, long indexOffset, long indexSize, long originalSize,
                          int indexCrc, int blockSize, int algo, int level, int useDict, long dictSize, int verify) {

    /** Size of the header / trailer block on disk. */
    public static final int BLOCK = 512;
    /** The struct size the reference writes in the {@code size} field. */
    public static final int STRUCT_SIZE = 96;
    public static final long FLAG_HEADER = 0x01;
    public static final long FLAG_TYPE = 0x02;
    public static final long FLAG_SEALED = 0x04;
    /** Spec name "info_valid": the header was rewritten with the final fields; readers skip the trailer. */
    public static final long FLAG_HEADER_OVERWRITE = 0x08;
    /** The digest and index_crc fields are valid. */
    public static final long FLAG_CALC_DIGEST = 0x10;
    /** Index compressed: never written, not implemented by the reference reader. */
    public static final long FLAG_IDX_COMP = 0x20;
    public static final int ALGO_LZ4 = 1;
    public static final int ALGO_ZSTD = 2;

    static final int OFF_SIZE = 24, OFF_DIGEST = 28, OFF_FLAGS = 32, OFF_INDEX_OFFSET = 40, OFF_INDEX_SIZE = 48,
            OFF_ORIGINAL_SIZE = 56, OFF_INDEX_CRC = 64, OFF_BLOCK_SIZE = 72, OFF_ALGO = 76, OFF_LEVEL = 77,
            OFF_USE_DICT = 78, OFF_DICT_SIZE = 84, OFF_VERIFY = 88;

    private static final byte[] MAGIC = ZFileMagic.MAGIC;

    /** True when {@code block} starts with the 24 ZFile magic bytes (magic0 and magic1). */
    public static boolean hasMagic(MemorySegment block) {
        return block.byteSize() >= MAGIC.length
                && MemorySegment.mismatch(block, 0, MAGIC.length, MemorySegment.ofArray(MAGIC), 0, MAGIC.length) < 0;
    }

    /** Decodes the fields of a 512-byte block (the magic is not checked here). */
    public static ZFileHeader decode(MemorySegment b) {
        return new ZFileHeader((int) Le.u32(b, OFF_SIZE), (int) Le.u32(b, OFF_DIGEST), Le.u64(b, OFF_FLAGS),
                Le.u64(b, OFF_INDEX_OFFSET), Le.u64(b, OFF_INDEX_SIZE), Le.u64(b, OFF_ORIGINAL_SIZE),
                (int) Le.u32(b, OFF_INDEX_CRC), (int) Le.u32(b, OFF_BLOCK_SIZE), Le.u8(b, OFF_ALGO),
                Le.u8(b, OFF_LEVEL), Le.u8(b, OFF_USE_DICT), Le.u32(b, OFF_DICT_SIZE), Le.u8(b, OFF_VERIFY));
    }

    /** The digest a 512-byte block should carry: raw CRC32C (seed 0) of all 512 bytes, bytes 28-31 taken as zero. */
    public static int computeDigest(MemorySegment b) {
        byte[] copy = b.asSlice(0, BLOCK).toArray(Le.BYTE);
        copy[OFF_DIGEST] = copy[OFF_DIGEST + 1] = copy[OFF_DIGEST + 2] = copy[OFF_DIGEST + 3] = 0;
        return Crc32cRaw.crc(0, copy, 0, BLOCK);
    }

    /**
     * A block as the reference writers build it: the given fields, size 96, the rest zero. The
     * digest is computed on {@link #encode} when {@link #FLAG_CALC_DIGEST} is set.
     */
    public static ZFileHeader of(long flags, long indexOffset, long indexSize, long originalSize, int indexCrc,
                                 int blockSize, int algo, boolean verify) {
        return new ZFileHeader(STRUCT_SIZE, 0, flags, indexOffset, indexSize, originalSize, indexCrc, blockSize, algo,
                0, 0, 0, verify ? 1 : 0);
    }

    /** Writes the 512-byte block into {@code b} (zeroing it first) and returns the digest stored. */
    public int encode(MemorySegment b) {
        b.asSlice(0, BLOCK).fill((byte) 0);
        MemorySegment.copy(MAGIC, 0, b, Le.BYTE, 0, MAGIC.length);
        Le.putU32(b, OFF_SIZE, structSize);
        Le.putU64(b, OFF_FLAGS, flags);
        Le.putU64(b, OFF_INDEX_OFFSET, indexOffset);
        Le.putU64(b, OFF_INDEX_SIZE, indexSize);
        Le.putU64(b, OFF_ORIGINAL_SIZE, originalSize);
        Le.putU32(b, OFF_INDEX_CRC, indexCrc);
        Le.putU32(b, OFF_BLOCK_SIZE, blockSize);
        Le.putU8(b, OFF_ALGO, algo);
        Le.putU8(b, OFF_LEVEL, level);
        Le.putU8(b, OFF_USE_DICT, useDict);
        Le.putU32(b, OFF_DICT_SIZE, dictSize);
        Le.putU8(b, OFF_VERIFY, verify);
        int d = (flags & FLAG_CALC_DIGEST) != 0 ? computeDigest(b) : digest;
        Le.putU32(b, OFF_DIGEST, d);
        return d;
    }

    /** The same fields with other flags. */
    public ZFileHeader withFlags(long newFlags) {
        return new ZFileHeader(structSize, digest, newFlags, indexOffset, indexSize, originalSize, indexCrc, blockSize,
                algo, level, useDict, dictSize, verify);
    }

    public boolean isHeader() { return (flags & FLAG_HEADER) != 0; }

    public boolean isDataFile() { return (flags & FLAG_TYPE) != 0; }

    public boolean isSealed() { return (flags & FLAG_SEALED) != 0; }

    public boolean isHeaderOverwrite() { return (flags & FLAG_HEADER_OVERWRITE) != 0; }

    public boolean hasDigest() { return (flags & FLAG_CALC_DIGEST) != 0; }

    public boolean hasBlockCrc() { return verify != 0; }

    /** Algorithm name: {@code lz4}, {@code zstd}, or {@code algo=N}. */
    public String algoName() {
        return switch (algo) {
            case ALGO_LZ4 -> "lz4";
            case ALGO_ZSTD -> "zstd";
            case 0 -> "mini_lzo";
            default -> "algo=" + algo;
        };
    }

    /** The set flags by name, e.g. {@code "header,data,calc_digest"}. */
    public static String describeFlags(long flags) {
        StringJoiner j = new StringJoiner(",");
        String[] names = {"header", "data", "sealed", "header_overwrite", "calc_digest", "idx_comp"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1L << i)) != 0) {
                j.add(names[i]);
            }
        }
        long rest = flags & ~0x3FL;
        if (rest != 0) {
            j.add("0x" + Long.toHexString(rest));
        }
        return j.length() == 0 ? "none" : j.toString();
    }
}
