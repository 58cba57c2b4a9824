package dev.obdj.tcmu;

import dev.obdj.io.Bytes;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One SCSI command taken off the ring: its id, a copy of its CDB and its data buffer as
 * (offset, length) pairs into the map. Everything the ring entry said is copied here when the
 * command is taken, because the entry's response half overlays the request and, with out-of-order
 * completion, the slot may carry another command's response before this one finishes.
 *
 * <p>Objects are recycled by the {@link Ring}: {@link #load} refills one for the next command
 * (its arrays kept when big enough), so taking a command allocates nothing in steady state. Once
 * a command was handed to {@link Ring#complete} it belongs to the ring again and must not be used.
 *
 * <p>The handler fills in {@link #status}, {@link #sense} and {@link #readLen}.
 */
public final class TcmuCommand {
    private static final long[] NO_IOVS = new long[0];

    int cmdId;
    /** The CDB, exactly as long as the opcode's group says (or what the map holds of it). */
    byte[] cdb;
    /** The data buffer: {@code iovCnt} (offset into the map, length) pairs; the arrays may be longer. */
    long[] iovBase = NO_IOVS;
    long[] iovLen = NO_IOVS;
    int iovCnt;
    long dataLength;
    final MemorySegment map;

    /** SCSI status; GOOD (0) unless set. */
    int status;
    /** Fixed-format sense data when {@link #status} is CHECK CONDITION; shared, never modified. */
    byte[] sense;
    /** Bytes of data-in actually produced, or -1 to say nothing (the whole buffer). */
    int readLen = -1;

    TcmuCommand(MemorySegment map) {
        this.map = map;
    }

    /**
     * Starts this object over for a new command: id, a CDB of {@code cdbLen} bytes copied from the
     * map at {@code cdbOff}, room for {@code iovCnt} iovecs (filled by the caller, which sets
     * {@link #dataLength}), GOOD status, no sense, no read length.
     */
    void load(int cmdId, long cdbOff, int cdbLen, int iovCnt) {
        this.cmdId = cmdId;
        byte[] b = cdb;
        if (b == null || b.length != cdbLen) {
            b = cdb = new byte[cdbLen];
        }
        MemorySegment.copy(map, ValueLayout.JAVA_BYTE, cdbOff, b, 0, cdbLen);
        if (iovBase.length < iovCnt) {
            int cap = Math.max(iovCnt, 4);
            iovBase = new long[cap];
            iovLen = new long[cap];
        }
        this.iovCnt = iovCnt;
        this.dataLength = 0;
        this.status = 0;
        this.sense = null;
        this.readLen = -1;
    }

    /** The CDB's operation code. */
    public int opcode() { return cdb[0] & 0xff; }

    /** The command id the kernel gave. */
    public int cmdId() { return cmdId; }

    /** Length of the data buffer (data-in or data-out) in bytes. */
    public long dataLength() { return dataLength; }

    /** Copies {@code length} bytes of the data buffer from {@code bufOffset} into {@code dst}. */
    void copyOut(long bufOffset, MemorySegment dst, long dstOffset, long length) {
        for (int i = 0; i < iovCnt && length > 0; i++) {
            long l = iovLen[i];
            if (bufOffset >= l) {
                bufOffset -= l;
                continue;
            }
            long n = Math.min(l - bufOffset, length);
            Bytes.copy(map, iovBase[i] + bufOffset, dst, dstOffset, n);
            dstOffset += n;
            length -= n;
            bufOffset = 0;
        }
    }

    /** Copies {@code src} into the data buffer at {@code bufOffset}. */
    void copyIn(MemorySegment src, long srcOffset, long bufOffset, long length) {
        for (int i = 0; i < iovCnt && length > 0; i++) {
            long l = iovLen[i];
            if (bufOffset >= l) {
                bufOffset -= l;
                continue;
            }
            long n = Math.min(l - bufOffset, length);
            Bytes.copy(src, srcOffset, map, iovBase[i] + bufOffset, n);
            srcOffset += n;
            length -= n;
            bufOffset = 0;
        }
    }

    /**
     * Returns a small data-in answer: copies as much of {@code data} as fits in the buffer and
     * in {@code allocation} (the CDB's allocation length), zeroes the rest of the buffer (data
     * pages are recycled) and reports the length.
     */
    void reply(byte[] data, int length, long allocation) {
        long n = Math.min(Math.min(length, allocation), dataLength);
        copyIn(MemorySegment.ofArray(data), 0, 0, n);
        zero(n, dataLength - n);
        readLen = (int) n;
    }

    /** Zeroes part of the data buffer. */
    void zero(long bufOffset, long length) {
        for (int i = 0; i < iovCnt && length > 0; i++) {
            long l = iovLen[i];
            if (bufOffset >= l) {
                bufOffset -= l;
                continue;
            }
            long n = Math.min(l - bufOffset, length);
            map.asSlice(iovBase[i] + bufOffset, n).fill((byte) 0);
            length -= n;
            bufOffset = 0;
        }
    }

    /** Reads the whole data-out buffer into a new array (small parameter lists only). */
    byte[] dataOut(int max) {
        int n = (int) Math.min(dataLength, max);
        byte[] b = new byte[n];
        copyOut(0, MemorySegment.ofArray(b), 0, n);
        return b;
    }
}
