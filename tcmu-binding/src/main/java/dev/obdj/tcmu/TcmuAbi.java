package dev.obdj.tcmu;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The shared-memory ABI of {@code <linux/target_core_user.h>} (mailbox version 2, Linux 4.x to
 * 6.x) as FFM layouts. The map starts with the mailbox; the command ring follows at
 * {@code cmdr_off}; the data area follows the ring. Every pointer in the ring (a command's
 * {@code cdb_off}, an iovec's {@code iov_base}) is an offset from the start of the map.
 *
 * <p>Offsets, checked against the C header with gcc: mailbox {@code cmd_head} @12 and
 * {@code cmd_tail} @64 (its own cache line), 128 bytes in all; a command entry is an 8-byte
 * header, then a request ({@code iov_cnt} @8, {@code cdb_off} @24, {@code iov[]} @48) that the
 * response ({@code scsi_status} @8, {@code read_len} @12, {@code sense_buffer[96]} @16)
 * overlays: 112 bytes at least.
 */
final class TcmuAbi {
    private TcmuAbi() {}

    static final int MAILBOX_VERSION = 2;
    static final int FLAG_CAP_OOOC = 1, FLAG_CAP_READ_LEN = 2, FLAG_CAP_TMR = 4, FLAG_CAP_KEEP_BUF = 8;
    static final int OP_PAD = 0, OP_CMD = 1, OP_TMR = 2;
    static final int OP_MASK = 0x7;
    static final int UFLAG_UNKNOWN_OP = 1, UFLAG_READ_LEN = 2, UFLAG_KEEP_BUF = 4;
    static final int SENSE_BUFFER_SIZE = 96;
    /** Entries (and their lengths) are multiples of this. */
    static final int OP_ALIGN = 8;

    /** struct tcmu_mailbox. */
    static final StructLayout MAILBOX = MemoryLayout.structLayout(
            JAVA_SHORT.withName("version"),
            JAVA_SHORT.withName("flags"),
            JAVA_INT.withName("cmdr_off"),
            JAVA_INT.withName("cmdr_size"),
            JAVA_INT.withName("cmd_head"),
            MemoryLayout.paddingLayout(48),
            JAVA_INT.withName("cmd_tail"),
            MemoryLayout.paddingLayout(60)).withName("tcmu_mailbox");

    /** struct tcmu_cmd_entry_hdr. */
    static final StructLayout HDR = MemoryLayout.structLayout(
            JAVA_INT.withName("len_op"),
            JAVA_SHORT.withName("cmd_id"),
            JAVA_BYTE.withName("kflags"),
            JAVA_BYTE.withName("uflags")).withName("tcmu_cmd_entry_hdr");

    /** struct iovec, as the ring holds it: {@code iov_base} is an offset into the map. */
    static final StructLayout IOVEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("iov_base"),
            JAVA_LONG.withName("iov_len")).withName("iovec");

    static final StructLayout REQ = MemoryLayout.structLayout(
            JAVA_INT.withName("iov_cnt"),
            JAVA_INT.withName("iov_bidi_cnt"),
            JAVA_INT.withName("iov_dif_cnt"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("cdb_off"),
            JAVA_LONG.withName("__pad1"),
            JAVA_LONG.withName("__pad2"),
            MemoryLayout.sequenceLayout(0, IOVEC).withName("iov")).withName("req");

    static final StructLayout RSP = MemoryLayout.structLayout(
            JAVA_BYTE.withName("scsi_status"),
            JAVA_BYTE.withName("__pad1"),
            JAVA_SHORT.withName("__pad2"),
            JAVA_INT.withName("read_len"),
            MemoryLayout.sequenceLayout(SENSE_BUFFER_SIZE, JAVA_BYTE).withName("sense_buffer")).withName("rsp");

    static final UnionLayout REQ_RSP = MemoryLayout.unionLayout(REQ, RSP);

    /** struct tcmu_cmd_entry (without its trailing iovecs and CDB); "u" is the anonymous req/rsp union. */
    static final StructLayout ENTRY = MemoryLayout.structLayout(HDR.withName("hdr"), REQ_RSP.withName("u")).withName("tcmu_cmd_entry");

    /** struct tcmu_tmr_entry: header, tmr_type, cmd_cnt, cmd_ids[] (we only skip these). */
    static final int TMR_CMD_CNT_OFFSET = 12;

    static final VarHandle MB_VERSION = MAILBOX.varHandle(groupElement("version"));
    static final VarHandle MB_FLAGS = MAILBOX.varHandle(groupElement("flags"));
    static final VarHandle MB_CMDR_OFF = MAILBOX.varHandle(groupElement("cmdr_off"));
    static final VarHandle MB_CMDR_SIZE = MAILBOX.varHandle(groupElement("cmdr_size"));
    static final VarHandle MB_CMD_HEAD = MAILBOX.varHandle(groupElement("cmd_head"));
    static final VarHandle MB_CMD_TAIL = MAILBOX.varHandle(groupElement("cmd_tail"));

    static final VarHandle LEN_OP = ENTRY.varHandle(groupElement("hdr"), groupElement("len_op"));
    static final VarHandle CMD_ID = ENTRY.varHandle(groupElement("hdr"), groupElement("cmd_id"));
    static final VarHandle KFLAGS = ENTRY.varHandle(groupElement("hdr"), groupElement("kflags"));
    static final VarHandle UFLAGS = ENTRY.varHandle(groupElement("hdr"), groupElement("uflags"));
    static final VarHandle IOV_CNT = ENTRY.varHandle(groupElement("u"), groupElement("req"), groupElement("iov_cnt"));
    static final VarHandle IOV_BIDI_CNT = ENTRY.varHandle(groupElement("u"), groupElement("req"), groupElement("iov_bidi_cnt"));
    static final VarHandle IOV_DIF_CNT = ENTRY.varHandle(groupElement("u"), groupElement("req"), groupElement("iov_dif_cnt"));
    static final VarHandle CDB_OFF = ENTRY.varHandle(groupElement("u"), groupElement("req"), groupElement("cdb_off"));
    static final VarHandle SCSI_STATUS = ENTRY.varHandle(groupElement("u"), groupElement("rsp"), groupElement("scsi_status"));
    static final VarHandle READ_LEN = ENTRY.varHandle(groupElement("u"), groupElement("rsp"), groupElement("read_len"));

    static final long IOV_OFFSET = ENTRY.byteOffset(groupElement("u"), groupElement("req"), groupElement("iov"));
    static final long SENSE_OFFSET = ENTRY.byteOffset(groupElement("u"), groupElement("rsp"), groupElement("sense_buffer"));
    /** iovec fields by index: coordinates (segment, base offset of iov[0], index). */
    static final VarHandle IOV_BASE = IOVEC.arrayElementVarHandle(groupElement("iov_base"));
    static final VarHandle IOV_LEN = IOVEC.arrayElementVarHandle(groupElement("iov_len"));

    static int op(int lenOp) { return lenOp & OP_MASK; }

    static int len(int lenOp) { return lenOp & ~OP_MASK; }

    /** The kernel's entry size for a command with {@code iovCnt} iovecs and a CDB of {@code cdbLen} bytes. */
    static int baseCommandSize(int iovCnt) {
        long base = Math.max(IOV_OFFSET + IOVEC.byteSize() * iovCnt, ENTRY.byteSize());
        return (int) roundUp(base, OP_ALIGN);
    }

    static int commandSize(int iovCnt, int cdbLen) {
        return (int) roundUp(baseCommandSize(iovCnt) + cdbLen, OP_ALIGN);
    }

    static long roundUp(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
