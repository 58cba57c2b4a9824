package dev.obdj.tcmu;

/** SCSI opcodes, status codes and fixed-format sense data (SPC-4, SBC-3). */
final class Scsi {
    private Scsi() {}

    static final int GOOD = 0x00, CHECK_CONDITION = 0x02, BUSY = 0x08;

    static final int TEST_UNIT_READY = 0x00, REQUEST_SENSE = 0x03, READ_6 = 0x08, WRITE_6 = 0x0a, INQUIRY = 0x12,
            MODE_SENSE_6 = 0x1a, START_STOP_UNIT = 0x1b, READ_CAPACITY_10 = 0x25, READ_10 = 0x28, WRITE_10 = 0x2a,
            VERIFY_10 = 0x2f, SYNCHRONIZE_CACHE_10 = 0x35, WRITE_SAME_10 = 0x41, UNMAP = 0x42, MODE_SENSE_10 = 0x5a,
            READ_16 = 0x88, WRITE_16 = 0x8a, VERIFY_16 = 0x8f, SYNCHRONIZE_CACHE_16 = 0x91, WRITE_SAME_16 = 0x93,
            SERVICE_ACTION_IN_16 = 0x9e, MAINTENANCE_IN = 0xa3, READ_12 = 0xa8, WRITE_12 = 0xaa, VERIFY_12 = 0xaf;
    /** Service actions. */
    static final int SAI_READ_CAPACITY_16 = 0x10, MI_REPORT_SUPPORTED_OPCODES = 0x0c;

    static final int KEY_NO_SENSE = 0x0, KEY_MEDIUM_ERROR = 0x3, KEY_ILLEGAL_REQUEST = 0x5, KEY_DATA_PROTECT = 0x7,
            KEY_MISCOMPARE = 0xe;

    /** Fixed-format sense data: response code 0x70 (current), key, ASC, ASCQ; 18 bytes. */
    static byte[] sense(int key, int asc, int ascq) {
        byte[] s = new byte[18];
        s[0] = 0x70;
        s[2] = (byte) key;
        s[7] = 10;
        s[12] = (byte) asc;
        s[13] = (byte) ascq;
        return s;
    }

    /** As {@link #sense(int, int, int)} with the INFORMATION field set (VALID bit), e.g. the failing LBA. */
    static byte[] sense(int key, int asc, int ascq, long information) {
        byte[] s = sense(key, asc, ascq);
        s[0] |= (byte) 0x80;
        for (int i = 0; i < 4; i++) {
            s[3 + i] = (byte) (information >>> (24 - 8 * i));
        }
        return s;
    }

    static final byte[] INVALID_OPCODE = sense(KEY_ILLEGAL_REQUEST, 0x20, 0x00);
    static final byte[] LBA_OUT_OF_RANGE = sense(KEY_ILLEGAL_REQUEST, 0x21, 0x00);
    static final byte[] INVALID_FIELD_IN_CDB = sense(KEY_ILLEGAL_REQUEST, 0x24, 0x00);
    static final byte[] PARAMETER_LIST_LENGTH_ERROR = sense(KEY_ILLEGAL_REQUEST, 0x1a, 0x00);
    static final byte[] INVALID_FIELD_IN_PARAMETER_LIST = sense(KEY_ILLEGAL_REQUEST, 0x26, 0x00);
    static final byte[] SAVING_PARAMETERS_NOT_SUPPORTED = sense(KEY_ILLEGAL_REQUEST, 0x39, 0x00);
    static final byte[] WRITE_PROTECTED = sense(KEY_DATA_PROTECT, 0x27, 0x00);
    static final byte[] UNRECOVERED_READ_ERROR = sense(KEY_MEDIUM_ERROR, 0x11, 0x00);
    static final byte[] WRITE_ERROR = sense(KEY_MEDIUM_ERROR, 0x0c, 0x00);
    static final byte[] MISCOMPARE = sense(KEY_MISCOMPARE, 0x1d, 0x00);
    static final byte[] NO_SENSE = sense(KEY_NO_SENSE, 0x00, 0x00);

    /** CDB length from the opcode's group code (SPC-4 4.2.5.1); vendor groups 6 and 7 read as 16. */
    static int cdbLength(int opcode) {
        return switch (opcode >>> 5) {
            case 0 -> 6;
            case 1, 2 -> 10;
            case 4 -> 16;
            case 5 -> 12;
            default -> 16; // group 3 (variable length / reserved), 6 and 7 (vendor)
        };
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    static long u32(byte[] b, int off) {
        return ((long) (b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    static long u64(byte[] b, int off) {
        return (u32(b, off) << 32) | u32(b, off + 4);
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, long v) {
        for (int i = 0; i < 4; i++) b[off + i] = (byte) (v >>> (24 - 8 * i));
    }

    static void put64(byte[] b, int off, long v) {
        put32(b, off, v >>> 32);
        put32(b, off + 4, v);
    }
}
