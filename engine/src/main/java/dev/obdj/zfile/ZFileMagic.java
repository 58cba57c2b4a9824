package dev.obdj.zfile;

import java.util.Arrays;

/**
 * The 24 bytes a ZFile starts with (magic0 "ZFile\0\1\0", magic1 "tuji.yyf@Alibaba"), in a class
 * of their own: telling a ZFile from a plain layer is the first step of every open, and it
 * should not load the whole {@link ZFileHeader} codec when the file turns out to be plain.
 */
public final class ZFileMagic {
    /** Length of the magic at the start of the header block. */
    public static final int BYTES = 24;

    static final byte[] MAGIC = {0x5A, 0x46, 0x69, 0x6C, 0x65, 0x00, 0x01, 0x00, // "ZFile\0\1\0"
            0x74, 0x75, 0x6A, 0x69, 0x2E, 0x79, 0x79, 0x66, 0x40, 0x41, 0x6C, 0x69, 0x62, 0x61, 0x62, 0x61}; // tuji.yyf@Alibaba

    private ZFileMagic() {}

    /** True when {@code head} starts with the magic. */
    public static boolean at(byte[] head) {
        return head.length >= BYTES && Arrays.equals(head, 0, BYTES, MAGIC, 0, BYTES);
    }
}
