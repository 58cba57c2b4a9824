package dev.obdj.lsmt;

import dev.obdj.io.Bytes;
import dev.obdj.io.Le;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The 4096-byte LSMT header / trailer block (a packed 390-byte struct, the rest zero).
 * The same layout serves as the header of data and index files and as the trailer of sealed blobs.
 *
 * @param flags       u32 at 28: {@link #FLAG_HEADER}, {@link #FLAG_DATA}, {@link #FLAG_SEALED}, ...
 * @param indexOffset u64 at 32, a byte offset
 * @param indexSize   u64 at 40, a number of 16-byte entries (padding included in committed blobs)
 * @param virtualSize u64 at 48, bytes
 * @param uuid        37-byte text at 56, as stored (up to the first NUL)
 * @param parentUuid  37-byte text at 93, as stored
 * @param version     u8 at 132 (1)
 * @param subVersion  u8 at 133 (1)
 * @param userTag     256 bytes at 134, trailing NULs removed
 */
public record LsmtHeader(int flags, long indexOffset, long indexSize, long virtualSize, String uuid,
                         String parentUuid, int version, int subVersion, byte[] userTag) {

    /** Size of the header/trailer block on disk. */
    public static final int BLOCK = 4096;
    /** The value of the {@code size} field: the packed struct size. */
    public static final int STRUCT_SIZE = 390;
    public static final int FLAG_HEADER = 1;
    public static final int FLAG_DATA = 2;
    public static final int FLAG_SEALED = 4;
    public static final int FLAG_GC_LAYER = 8;
    public static final int FLAG_SPARSE_RW = 16;
    public static final int FLAG_INFO_VALID = 32;

    static final byte[] MAGIC0 = {0x4C, 0x53, 0x4D, 0x54, 0x00, 0x01, 0x02, 0x00};
    static final byte[] MAGIC1 = {0x65, 0x7E, 0x63, (byte) 0xD2, (byte) 0x94, 0x44, 0x08, 0x4C,
            (byte) 0xA2, (byte) 0xD2, (byte) 0xC8, (byte) 0xEC, 0x4F, (byte) 0xCF, (byte) 0xAE, (byte) 0x8A};
    /** The all-zero UUID text the reference writes for "no uuid". */
    public static final String NULL_UUID = "00000000-0000-0000-0000-000000000000";

    static final int OFF_SIZE = 24, OFF_FLAGS = 28, OFF_INDEX_OFFSET = 32, OFF_INDEX_SIZE = 40,
            OFF_VSIZE = 48, OFF_UUID = 56, OFF_PARENT = 93, OFF_VERSION = 132, OFF_SUBVERSION = 133,
            OFF_TAG = 134, UUID_BYTES = 37, TAG_BYTES = 256;

    /** True when the 24 magic bytes at the start of {@code block} are the LSMT magic. */
    public static boolean hasMagic(MemorySegment block) {
        return block.byteSize() >= 24
                && MemorySegment.mismatch(block, 0, 8, MemorySegment.ofArray(MAGIC0), 0, 8) < 0
                && MemorySegment.mismatch(block, 8, 24, MemorySegment.ofArray(MAGIC1), 0, 16) < 0;
    }

    /** True when {@code block}, a heap copy of at least the first 24 bytes, starts with the LSMT magic. */
    public static boolean hasMagic(byte[] block) {
        return block.length >= 24 && Arrays.equals(block, 0, 8, MAGIC0, 0, 8)
                && Arrays.equals(block, 8, 24, MAGIC1, 0, 16);
    }

    /** Decodes the fields of a header/trailer block (the magic is checked separately). */
    public static LsmtHeader decode(MemorySegment block) {
        return decode(Le.copyOut(block, 0, STRUCT_SIZE)); // one bulk copy, then plain array decoding
    }

    /** Decodes the fields of a heap copy of (at least the first {@value #STRUCT_SIZE} bytes of) a header/trailer block. */
    public static LsmtHeader decode(byte[] b) {
        // a little-endian view, not Le: the open path stays clear of FFM layouts (see MappedFile)
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return new LsmtHeader(
                le.getInt(OFF_FLAGS),
                le.getLong(OFF_INDEX_OFFSET),
                le.getLong(OFF_INDEX_SIZE),
                le.getLong(OFF_VSIZE),
                cString(b, OFF_UUID, UUID_BYTES),
                cString(b, OFF_PARENT, UUID_BYTES),
                b[OFF_VERSION] & 0xFF,
                b[OFF_SUBVERSION] & 0xFF,
                trimmedTag(b));
    }

    /** Writes this header into a {@link #BLOCK}-byte segment (zeroing it first), magic and size included. */
    public void encode(MemorySegment block) {
        block.asSlice(0, BLOCK).fill((byte) 0);
        Bytes.copy(MemorySegment.ofArray(MAGIC0), 0, block, 0, 8);
        Bytes.copy(MemorySegment.ofArray(MAGIC1), 0, block, 8, 16);
        Le.putU32(block, OFF_SIZE, STRUCT_SIZE);
        Le.putU32(block, OFF_FLAGS, flags);
        Le.putU64(block, OFF_INDEX_OFFSET, indexOffset);
        Le.putU64(block, OFF_INDEX_SIZE, indexSize);
        Le.putU64(block, OFF_VSIZE, virtualSize);
        putCString(block, OFF_UUID, UUID_BYTES - 1, uuid);
        putCString(block, OFF_PARENT, UUID_BYTES - 1, parentUuid);
        Le.putU8(block, OFF_VERSION, version);
        Le.putU8(block, OFF_SUBVERSION, subVersion);
        if (userTag != null) {
            Bytes.copy(MemorySegment.ofArray(userTag), 0, block, OFF_TAG, Math.min(TAG_BYTES, userTag.length));
        }
    }

    public boolean isHeader() { return (flags & FLAG_HEADER) != 0; }

    public boolean isDataFile() { return (flags & FLAG_DATA) != 0; }

    public boolean isSealed() { return (flags & FLAG_SEALED) != 0; }

    public boolean isSparse() { return (flags & FLAG_SPARSE_RW) != 0; }

    /** The user tag (commit message) as text. */
    public String userTagText() { return new String(userTag, StandardCharsets.UTF_8); }

    /** Names of the set flag bits, for display. */
    public static String describeFlags(int flags) {
        StringBuilder sb = new StringBuilder();
        sb.append((flags & FLAG_HEADER) != 0 ? "header" : "trailer");
        sb.append((flags & FLAG_DATA) != 0 ? ",data" : ",index");
        if ((flags & FLAG_SEALED) != 0) sb.append(",sealed");
        if ((flags & FLAG_GC_LAYER) != 0) sb.append(",gc_layer");
        if ((flags & FLAG_SPARSE_RW) != 0) sb.append(",sparse_rw");
        if ((flags & FLAG_INFO_VALID) != 0) sb.append(",info_valid");
        if ((flags & ~63) != 0) sb.append(",reserved=0x").append(Integer.toHexString(flags & ~63));
        return sb.toString();
    }

    private static String cString(byte[] b, int off, int max) {
        int n = 0;
        while (n < max && b[off + n] != 0) {
            n++;
        }
        return new String(b, off, n, StandardCharsets.ISO_8859_1);
    }

    private static byte[] trimmedTag(byte[] b) {
        int n = TAG_BYTES;
        while (n > 0 && b[OFF_TAG + n - 1] == 0) {
            n--;
        }
        return Arrays.copyOfRange(b, OFF_TAG, OFF_TAG + n);
    }

    private static void putCString(MemorySegment s, int off, int max, String v) {
        if (v == null) {
            return;
        }
        byte[] b = v.getBytes(StandardCharsets.ISO_8859_1);
        Bytes.copy(MemorySegment.ofArray(b), 0, s, off, Math.min(max, b.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LsmtHeader h && flags == h.flags && indexOffset == h.indexOffset
                && indexSize == h.indexSize && virtualSize == h.virtualSize && uuid.equals(h.uuid)
                && parentUuid.equals(h.parentUuid) && version == h.version && subVersion == h.subVersion
                && Arrays.equals(userTag, h.userTag);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(indexOffset) * 31 + Long.hashCode(virtualSize) + uuid.hashCode();
    }

    @Override
    public String toString() {
        return "LsmtHeader[flags=" + describeFlags(flags) + " indexOffset=" + indexOffset + " indexSize=" + indexSize
                + " virtualSize=" + virtualSize + " uuid=" + uuid + " parentUuid=" + parentUuid
                + " version=" + version + "." + subVersion + " userTag=" + userTagText() + "]";
    }
}
