package dev.obdj.tcmu;

import dev.obdj.ObdjException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;

import static dev.obdj.tcmu.Scsi.*;

/**
 * A SCSI direct-access block device (SBC-3) over a {@link BlockBackend}: executes one
 * {@link TcmuCommand} at a time per calling thread, filling in status, sense and data-in.
 *
 * <p>Supported: TEST UNIT READY, REQUEST SENSE, INQUIRY (standard; VPD 0x00, 0x80, 0x83, 0xB0,
 * 0xB1, 0xB2), READ CAPACITY (10) and (16), MODE SENSE (6) and (10) (caching and control pages,
 * all pages), READ and WRITE (6/10/12/16, FUA honoured by a flush), WRITE SAME (10/16, UNMAP),
 * UNMAP, SYNCHRONIZE CACHE (10/16), VERIFY (10/12/16, BYTCHK 0 and 1), START STOP UNIT and
 * REPORT SUPPORTED OPERATION CODES. Anything else is ILLEGAL REQUEST / INVALID COMMAND OPERATION
 * CODE; every error is CHECK CONDITION with fixed-format sense data, and the target keeps serving.
 */
public final class ScsiTarget {
    private static final Logger LOG = Logger.getLogger(ScsiTarget.class.getName());
    static final byte[] INTERNAL_TARGET_FAILURE = sense(0x4, 0x44, 0x00);
    private static final int CHUNK = 1 << 20;

    /** What INQUIRY says about the device. */
    public record Identity(String vendor, String product, String revision, String serial) {
        public static Identity of(String serial) {
            return new Identity("OBDJ", "OVERLAYBD", "0001", serial);
        }
    }

    private final BlockBackend backend;
    private final int blockSize;
    private final long blocks;
    private final int maxTransferBlocks;
    private final long maxUnmapBlocks;
    private final int maxUnmapDescriptors = 256;
    private final Identity id;
    private final byte[] naa;

    /**
     * @param blockSize         logical block size (512 or a larger power of two up to 64 KiB)
     * @param maxTransferBlocks the largest READ/WRITE the kernel sends (its {@code hw_max_sectors})
     */
    public ScsiTarget(BlockBackend backend, int blockSize, int maxTransferBlocks, Identity id) {
        if (blockSize < 512 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size " + blockSize + " is not a power of two in [512, 65536]");
        }
        this.backend = backend;
        this.blockSize = blockSize;
        this.blocks = backend.size() / blockSize;
        this.maxTransferBlocks = Math.max(1, maxTransferBlocks);
        this.maxUnmapBlocks = Math.max(1, (1L << 30) / blockSize);
        this.id = id;
        this.naa = naaDesignator(id.serial());
        if (blocks == 0) {
            throw new IllegalArgumentException("the disk is smaller than one " + blockSize + "-byte block");
        }
    }

    public long blocks() { return blocks; }

    public int blockSize() { return blockSize; }

    public BlockBackend backend() { return backend; }

    /** Executes {@code c}; never throws for a bad command or a failed read/write (those become sense data). */
    public void execute(TcmuCommand c) {
        try {
            dispatch(c);
        } catch (ObdjException e) {
            LOG.log(Level.WARNING, "opcode 0x" + Integer.toHexString(c.opcode()) + " failed: " + e.getMessage());
            fail(c, isWrite(c.opcode()) ? WRITE_ERROR : UNRECOVERED_READ_ERROR);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "opcode 0x" + Integer.toHexString(c.opcode()) + " failed", e);
            fail(c, INTERNAL_TARGET_FAILURE);
        }
    }

    private static boolean isWrite(int op) {
        return op == WRITE_6 || op == WRITE_10 || op == WRITE_12 || op == WRITE_16 || op == WRITE_SAME_10
                || op == WRITE_SAME_16 || op == UNMAP || op == SYNCHRONIZE_CACHE_10 || op == SYNCHRONIZE_CACHE_16;
    }

    private static void fail(TcmuCommand c, byte[] sense) {
        c.status = CHECK_CONDITION;
        c.sense = sense;
        c.readLen = -1;
    }

    private void dispatch(TcmuCommand c) {
        byte[] cdb = c.cdb;
        int op = c.opcode();
        switch (op) {
            case TEST_UNIT_READY, START_STOP_UNIT -> c.status = GOOD;
            case READ_6 -> rw(c, false, ((cdb[1] & 0x1fL) << 16) | u16(cdb, 2), cdb[4] == 0 ? 256 : cdb[4] & 0xff, false);
            case WRITE_6 -> rw(c, true, ((cdb[1] & 0x1fL) << 16) | u16(cdb, 2), cdb[4] == 0 ? 256 : cdb[4] & 0xff, false);
            case READ_10 -> rw(c, false, u32(cdb, 2), u16(cdb, 7), false);
            case WRITE_10 -> rw(c, true, u32(cdb, 2), u16(cdb, 7), (cdb[1] & 0x08) != 0);
            case READ_12 -> rw(c, false, u32(cdb, 2), u32(cdb, 6), false);
            case WRITE_12 -> rw(c, true, u32(cdb, 2), u32(cdb, 6), (cdb[1] & 0x08) != 0);
            case READ_16 -> rw(c, false, u64(cdb, 2), u32(cdb, 10), false);
            case WRITE_16 -> rw(c, true, u64(cdb, 2), u32(cdb, 10), (cdb[1] & 0x08) != 0);
            case INQUIRY -> inquiry(c);
            case REQUEST_SENSE -> {
                if ((cdb[1] & 1) != 0) fail(c, INVALID_FIELD_IN_CDB); // descriptor format: not supported
                else c.reply(NO_SENSE, NO_SENSE.length, cdb[4] & 0xff);
            }
            case READ_CAPACITY_10 -> {
                byte[] b = new byte[8];
                put32(b, 0, Math.min(blocks - 1, 0xffffffffL));
                put32(b, 4, blockSize);
                c.reply(b, 8, 8);
            }
            case SERVICE_ACTION_IN_16 -> {
                if ((cdb[1] & 0x1f) != SAI_READ_CAPACITY_16) fail(c, INVALID_OPCODE);
                else readCapacity16(c);
            }
            case MODE_SENSE_6, MODE_SENSE_10 -> modeSense(c);
            case SYNCHRONIZE_CACHE_10, SYNCHRONIZE_CACHE_16 -> {
                if (backend.writable()) backend.flush();
                c.status = GOOD;
            }
            case WRITE_SAME_10 -> writeSame(c, u32(cdb, 2), u16(cdb, 7), (cdb[1] & 0x08) != 0, false);
            case WRITE_SAME_16 -> writeSame(c, u64(cdb, 2), u32(cdb, 10), (cdb[1] & 0x08) != 0, (cdb[1] & 0x01) != 0);
            case UNMAP -> unmap(c);
            case VERIFY_10 -> verify(c, u32(cdb, 2), u16(cdb, 7));
            case VERIFY_12 -> verify(c, u32(cdb, 2), u32(cdb, 6));
            case VERIFY_16 -> verify(c, u64(cdb, 2), u32(cdb, 10));
            case MAINTENANCE_IN -> {
                if ((cdb[1] & 0x1f) != MI_REPORT_SUPPORTED_OPCODES) fail(c, INVALID_OPCODE);
                else reportOpcodes(c);
            }
            default -> fail(c, INVALID_OPCODE);
        }
    }

    /** False (with sense set) when [lba, lba+n) is not inside the disk. */
    private boolean inRange(TcmuCommand c, long lba, long n) {
        if (lba < 0 || n < 0 || lba > blocks || n > blocks - lba) {
            fail(c, LBA_OUT_OF_RANGE);
            return false;
        }
        return true;
    }

    private void rw(TcmuCommand c, boolean write, long lba, long n, boolean fua) {
        if (c.cdb.length < Scsi.cdbLength(c.opcode())) {
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        if (!inRange(c, lba, n)) return;
        long bytes = n * blockSize;
        if (c.dataLength < bytes) {
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        if (write && !backend.writable()) {
            fail(c, WRITE_PROTECTED);
            return;
        }
        long off = lba * blockSize;
        MemorySegment map = c.map;
        for (int i = 0; i < c.iovCnt && bytes > 0; i++) {
            long len = Math.min(c.iovLen[i], bytes);
            if (write) {
                backend.write(off, map, c.iovBase[i], len);
            } else {
                backend.read(off, map, c.iovBase[i], len);
            }
            off += len;
            bytes -= len;
        }
        if (write && fua) backend.flush();
        c.status = GOOD;
    }

    private void readCapacity16(TcmuCommand c) {
        byte[] b = new byte[32];
        put64(b, 0, blocks - 1);
        put32(b, 8, blockSize);
        b[13] = (byte) (blockSize < 4096 ? Integer.numberOfTrailingZeros(4096 / blockSize) : 0);
        if (backend.canDiscard()) b[14] = (byte) 0xc0; // LBPME, LBPRZ
        c.reply(b, 32, u32(c.cdb, 10));
    }

    // ---- INQUIRY ----

    private static final int[] VPD_PAGES = {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2};

    private void inquiry(TcmuCommand c) {
        byte[] cdb = c.cdb;
        int alloc = u16(cdb, 3);
        if ((cdb[1] & 0x02) != 0) {
            fail(c, INVALID_FIELD_IN_CDB); // CMDDT (obsolete)
            return;
        }
        if ((cdb[1] & 0x01) == 0) {
            if (cdb[2] != 0) {
                fail(c, INVALID_FIELD_IN_CDB);
                return;
            }
            byte[] b = new byte[36];
            b[2] = 0x06;       // SPC-4
            b[3] = 0x12;       // HiSup, response data format 2
            b[4] = 31;
            b[7] = 0x02;       // CmdQue
            ascii(b, 8, 8, id.vendor());
            ascii(b, 16, 16, id.product());
            ascii(b, 32, 4, id.revision());
            c.reply(b, b.length, alloc);
            return;
        }
        int page = cdb[2] & 0xff;
        byte[] b;
        switch (page) {
            case 0x00 -> {
                b = new byte[4 + VPD_PAGES.length];
                for (int i = 0; i < VPD_PAGES.length; i++) b[4 + i] = (byte) VPD_PAGES[i];
            }
            case 0x80 -> {
                byte[] s = id.serial().getBytes(StandardCharsets.US_ASCII);
                b = new byte[4 + s.length];
                System.arraycopy(s, 0, b, 4, s.length);
            }
            case 0x83 -> {
                byte[] t10 = (pad(id.vendor(), 8) + id.serial()).getBytes(StandardCharsets.US_ASCII);
                b = new byte[4 + 4 + naa.length + 4 + t10.length];
                int p = 4;
                b[p] = 0x01;               // binary
                b[p + 1] = 0x03;           // LUN, NAA
                b[p + 3] = (byte) naa.length;
                System.arraycopy(naa, 0, b, p + 4, naa.length);
                p += 4 + naa.length;
                b[p] = 0x02;               // ASCII
                b[p + 1] = 0x01;           // LUN, T10 vendor ID
                b[p + 3] = (byte) t10.length;
                System.arraycopy(t10, 0, b, p + 4, t10.length);
            }
            case 0xb0 -> {
                b = new byte[64];
                b[4] = 0x01;               // WSNZ: WRITE SAME with 0 blocks is an error
                put16(b, 6, Math.max(1, 4096 / blockSize));
                put32(b, 8, maxTransferBlocks);
                put32(b, 12, maxTransferBlocks);
                if (backend.canDiscard()) {
                    put32(b, 20, maxUnmapBlocks);
                    put32(b, 24, maxUnmapDescriptors);
                    put32(b, 28, Math.max(1, 4096 / blockSize));
                }
                put64(b, 36, maxUnmapBlocks); // MAXIMUM WRITE SAME LENGTH
            }
            case 0xb1 -> {
                b = new byte[64];
                put16(b, 4, 1);            // non-rotating medium
            }
            case 0xb2 -> {
                b = new byte[8];
                if (backend.canDiscard()) {
                    b[5] = (byte) 0xe4;    // LBPU, LBPWS, LBPWS10, LBPRZ=1
                    b[6] = 0x02;           // thin provisioned
                }
            }
            default -> {
                fail(c, INVALID_FIELD_IN_CDB);
                return;
            }
        }
        b[1] = (byte) page;
        put16(b, 2, b.length - 4);
        c.reply(b, b.length, alloc);
    }

    /** NAA 6 (IEEE registered extended) designator: LIO's company id and a hash of the serial. */
    private static byte[] naaDesignator(String serial) {
        long h1 = 0xcbf29ce484222325L, h2 = 0x84222325cbf29ce4L;
        for (byte x : serial.getBytes(StandardCharsets.UTF_8)) {
            h1 = (h1 ^ (x & 0xff)) * 0x100000001b3L;
            h2 = (h2 ^ (x & 0xff)) * 0x100000001b3L + 7;
        }
        byte[] d = new byte[16];
        long oui = 0x001405L;
        long first = (6L << 60) | (oui << 36) | (h1 & 0xfffffffffL);
        put64(d, 0, first);
        put64(d, 8, h2);
        return d;
    }

    private static String pad(String s, int n) {
        StringBuilder b = new StringBuilder(s.length() > n ? s.substring(0, n) : s);
        while (b.length() < n) b.append(' ');
        return b.toString();
    }

    private static void ascii(byte[] b, int off, int n, String s) {
        byte[] x = pad(s, n).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(x, 0, b, off, n);
    }

    // ---- MODE SENSE ----

    private void modeSense(TcmuCommand c) {
        byte[] cdb = c.cdb;
        boolean six = c.opcode() == MODE_SENSE_6;
        boolean dbd = (cdb[1] & 0x08) != 0;
        int pc = (cdb[2] & 0xff) >>> 6;
        int page = cdb[2] & 0x3f;
        int subpage = cdb[3] & 0xff;
        long alloc = six ? cdb[4] & 0xff : u16(cdb, 7);
        if (pc == 3) {
            fail(c, SAVING_PARAMETERS_NOT_SUPPORTED);
            return;
        }
        if (subpage != 0 && !(page == 0x3f && subpage == 0xff)) {
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        boolean changeable = pc == 1;
        byte[] caching = new byte[20];
        caching[0] = 0x08;
        caching[1] = 0x12;
        if (!changeable && backend.writable()) caching[2] = 0x04; // WCE: writes are durable after SYNCHRONIZE CACHE
        byte[] control = new byte[12];
        control[0] = 0x0a;
        control[1] = 0x0a;
        if (!changeable) control[3] = 0x10;                       // unrestricted reordering
        byte[] pages = switch (page) {
            case 0x08 -> caching;
            case 0x0a -> control;
            case 0x3f -> concat(caching, control);
            default -> null;
        };
        if (pages == null) {
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        int bdLen = dbd ? 0 : 8;
        int hdrLen = six ? 4 : 8;
        byte[] b = new byte[hdrLen + bdLen + pages.length];
        int devSpecific = (backend.writable() ? 0 : 0x80) | 0x10; // WP, DPOFUA
        if (six) {
            b[0] = (byte) (b.length - 1);
            b[2] = (byte) devSpecific;
            b[3] = (byte) bdLen;
        } else {
            put16(b, 0, b.length - 2);
            b[3] = (byte) devSpecific;
            put16(b, 6, bdLen);
        }
        if (bdLen > 0) {
            put32(b, hdrLen, Math.min(blocks, 0xffffffL));
            b[hdrLen] = 0; // density code
            put32(b, hdrLen + 4, blockSize & 0xffffffL);
        }
        System.arraycopy(pages, 0, b, hdrLen + bdLen, pages.length);
        c.reply(b, b.length, alloc);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    // ---- WRITE SAME, UNMAP, VERIFY ----

    private void writeSame(TcmuCommand c, long lba, long n, boolean unmap, boolean ndob) {
        if (n == 0 || n > maxUnmapBlocks) {
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        if (!inRange(c, lba, n)) return;
        if (!backend.writable()) {
            fail(c, WRITE_PROTECTED);
            return;
        }
        if (unmap && !backend.canDiscard()) {
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        byte[] block = new byte[blockSize];
        if (!ndob) {
            if (c.dataLength < blockSize) {
                fail(c, INVALID_FIELD_IN_CDB);
                return;
            }
            c.copyOut(0, MemorySegment.ofArray(block), 0, blockSize);
        }
        long off = lba * blockSize, bytes = n * blockSize;
        if (allZero(block) && backend.canDiscard()) {
            backend.discard(off, bytes); // reads as zeros afterwards, which is what was asked
        } else {
            int chunk = (int) Math.min(bytes, CHUNK);
            MemorySegment buf = MemorySegment.ofArray(new byte[chunk]);
            for (int p = 0; p < chunk; p += blockSize) {
                MemorySegment.copy(block, 0, buf, ValueLayout.JAVA_BYTE, p, blockSize);
            }
            while (bytes > 0) {
                long len = Math.min(bytes, chunk);
                backend.write(off, buf, 0, len);
                off += len;
                bytes -= len;
            }
        }
        c.status = GOOD;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private void unmap(TcmuCommand c) {
        byte[] cdb = c.cdb;
        if ((cdb[1] & 0x01) != 0) { // ANCHOR
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        if (!backend.writable()) {
            fail(c, WRITE_PROTECTED);
            return;
        }
        if (!backend.canDiscard()) {
            fail(c, INVALID_OPCODE);
            return;
        }
        int paramLen = u16(cdb, 7);
        if (paramLen == 0) {
            c.status = GOOD;
            return;
        }
        if (paramLen < 8 || c.dataLength < paramLen) {
            fail(c, PARAMETER_LIST_LENGTH_ERROR);
            return;
        }
        byte[] p = c.dataOut(paramLen);
        int descLen = Math.min(u16(p, 2), p.length - 8);
        int count = descLen / 16;
        if (count > maxUnmapDescriptors) {
            fail(c, INVALID_FIELD_IN_PARAMETER_LIST);
            return;
        }
        long total = 0;
        for (int i = 0; i < count; i++) {
            long lba = u64(p, 8 + 16 * i);
            long n = u32(p, 16 + 16 * i);
            if (!inRange(c, lba, n)) return;
            total += n;
        }
        if (total > maxUnmapBlocks) {
            fail(c, INVALID_FIELD_IN_PARAMETER_LIST);
            return;
        }
        for (int i = 0; i < count; i++) {
            long lba = u64(p, 8 + 16 * i);
            long n = u32(p, 16 + 16 * i);
            if (n > 0) backend.discard(lba * blockSize, n * blockSize);
        }
        c.status = GOOD;
    }

    private void verify(TcmuCommand c, long lba, long n) {
        int bytchk = (c.cdb[1] >>> 1) & 0x3;
        if (bytchk == 2) {
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        if (!inRange(c, lba, n)) return;
        long off = lba * blockSize, bytes = n * blockSize;
        if (bytchk == 1 && c.dataLength < bytes || bytchk == 3 && c.dataLength < blockSize) {
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            int chunk = (int) Math.min(Math.max(bytes, blockSize), CHUNK);
            MemorySegment buf = a.allocate(chunk);
            MemorySegment expect = bytchk == 0 ? null : a.allocate(chunk);
            if (bytchk == 3) {
                for (int p = 0; p < chunk; p += blockSize) c.copyOut(0, expect, p, blockSize);
            }
            long done = 0;
            while (done < bytes) {
                long len = Math.min(bytes - done, chunk);
                backend.read(off + done, buf, 0, len); // a read error becomes MEDIUM ERROR
                if (bytchk != 0) {
                    if (bytchk == 1) c.copyOut(done, expect, 0, len);
                    long mis = buf.asSlice(0, len).mismatch(expect.asSlice(0, len));
                    if (mis >= 0) {
                        fail(c, sense(KEY_MISCOMPARE, 0x1d, 0x00, done + mis));
                        return;
                    }
                }
                done += len;
            }
        }
        c.status = GOOD;
    }

    // ---- REPORT SUPPORTED OPERATION CODES ----

    /** (opcode, service action or -1, CDB length). */
    private int[][] supported() {
        int[][] all = {
                {TEST_UNIT_READY, -1, 6}, {REQUEST_SENSE, -1, 6}, {READ_6, -1, 6}, {WRITE_6, -1, 6}, {INQUIRY, -1, 6},
                {MODE_SENSE_6, -1, 6}, {START_STOP_UNIT, -1, 6}, {READ_CAPACITY_10, -1, 10}, {READ_10, -1, 10},
                {WRITE_10, -1, 10}, {VERIFY_10, -1, 10}, {SYNCHRONIZE_CACHE_10, -1, 10}, {WRITE_SAME_10, -1, 10},
                {UNMAP, -1, 10}, {MODE_SENSE_10, -1, 10}, {READ_16, -1, 16}, {WRITE_16, -1, 16}, {VERIFY_16, -1, 16},
                {SYNCHRONIZE_CACHE_16, -1, 16}, {WRITE_SAME_16, -1, 16}, {SERVICE_ACTION_IN_16, SAI_READ_CAPACITY_16, 16},
                {MAINTENANCE_IN, MI_REPORT_SUPPORTED_OPCODES, 12}, {READ_12, -1, 12}, {WRITE_12, -1, 12}, {VERIFY_12, -1, 12},
        };
        return backend.canDiscard() ? all : Arrays.stream(all).filter(e -> e[0] != UNMAP).toArray(int[][]::new);
    }

    private static boolean hasServiceAction(int op) {
        return op == SERVICE_ACTION_IN_16 || op == MAINTENANCE_IN;
    }

    private void reportOpcodes(TcmuCommand c) {
        byte[] cdb = c.cdb;
        int options = cdb[2] & 0x07;
        long alloc = u32(cdb, 6);
        if ((cdb[2] & 0x80) != 0) { // RCTD: timeouts descriptors are not kept
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        int[][] list = supported();
        if (options == 0) {
            byte[] b = new byte[4 + 8 * list.length];
            put32(b, 0, 8L * list.length);
            for (int i = 0; i < list.length; i++) {
                int p = 4 + 8 * i;
                b[p] = (byte) list[i][0];
                if (list[i][1] >= 0) {
                    put16(b, p + 2, list[i][1]);
                    b[p + 5] = 0x01; // SERVACTV
                }
                put16(b, p + 6, list[i][2]);
            }
            c.reply(b, b.length, alloc);
            return;
        }
        int op = cdb[3] & 0xff, sa = u16(cdb, 4);
        if (options == 1 && hasServiceAction(op) || options == 2 && !hasServiceAction(op) || options > 3) {
            fail(c, INVALID_FIELD_IN_CDB);
            return;
        }
        boolean withSa = hasServiceAction(op);
        int[] found = null;
        for (int[] e : list) {
            if (e[0] == op && (!withSa || e[1] == sa)) found = e;
        }
        if (found == null) {
            byte[] b = new byte[4];
            b[1] = 0x01; // not supported
            c.reply(b, 4, alloc);
            return;
        }
        int len = found[2];
        byte[] b = new byte[4 + len];
        b[1] = 0x03;     // supported, per the standard
        put16(b, 2, len);
        Arrays.fill(b, 4, 4 + len, (byte) 0xff);
        b[4] = (byte) op;
        if (withSa) b[5] = (byte) (sa & 0x1f);
        b[4 + len - 1] = 0x07; // CONTROL: NACA, obsolete bits
        c.reply(b, b.length, alloc);
    }
}
