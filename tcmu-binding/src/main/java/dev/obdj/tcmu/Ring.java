package dev.obdj.tcmu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

import static dev.obdj.tcmu.TcmuAbi.*;

/**
 * The userspace side of a TCMU command ring over the mapped region.
 *
 * <p>Taking commands ({@link #take}) is done by one thread: it reads {@code cmd_head} with
 * acquire semantics (the kernel writes the entries, then the head), walks the entries from where
 * it stopped, skips PAD and TMR entries and copies each command's CDB and iovecs into a
 * {@link TcmuCommand}.
 *
 * <p>Completing ({@link #complete}) may happen from any thread, in any order (the kernel
 * advertises out-of-order completion, {@code TCMU_MAILBOX_FLAG_CAP_OOOC}): completions fill the
 * command slots from {@code cmd_tail} onwards in the order they finish, each naming its own
 * {@code cmd_id}, and {@code cmd_tail} is published with release semantics after the response
 * was written. A slot is only ever reused for a response once its request was taken, because
 * there are never more completions than taken commands. The caller then notifies the kernel
 * (a write to the uio fd), which reaps everything up to {@code cmd_tail}.
 */
public final class Ring {
    private final MemorySegment map;
    private final long cmdrOff;
    private final int cmdrSize;
    private final int flags;

    /** Where {@link #take} continues: the ring offset after the last entry taken. */
    private int takePos;
    /** Ring offset of the next slot a completion fills; guarded by this. */
    private int tail;
    private final java.util.ArrayList<TcmuCommand> batch = new java.util.ArrayList<>();
    /** Ring offset up to which entries were taken, as seen by completers; guarded by this. */
    private int takenUpTo;

    /**
     * Wraps a mapped region whose mailbox the kernel initialised; continues from the current
     * {@code cmd_tail} (entries between tail and head are taken as new).
     */
    public Ring(MemorySegment map) {
        this.map = map;
        if (map.byteSize() < MAILBOX.byteSize()) {
            throw new IllegalArgumentException("map of " + map.byteSize() + " bytes has no room for the mailbox");
        }
        int version = (short) MB_VERSION.get(map, 0L);
        if (version != MAILBOX_VERSION) {
            throw new IllegalArgumentException("mailbox version " + version + ", expected " + MAILBOX_VERSION);
        }
        this.flags = (short) MB_FLAGS.get(map, 0L) & 0xffff;
        this.cmdrOff = (int) MB_CMDR_OFF.get(map, 0L) & 0xffffffffL;
        this.cmdrSize = (int) MB_CMDR_SIZE.get(map, 0L);
        if (cmdrOff < MAILBOX.byteSize() || cmdrSize <= 0 || cmdrOff + cmdrSize > map.byteSize()) {
            throw new IllegalArgumentException("command ring at " + cmdrOff + "+" + cmdrSize + " is outside the "
                    + map.byteSize() + "-byte map");
        }
        int t = (int) MB_CMD_TAIL.getAcquire(map, 0L);
        this.tail = t;
        this.takenUpTo = t;
        this.takePos = t;
    }

    /** The mailbox flags (capabilities) the kernel advertises. */
    public int flags() { return flags; }

    /** True when the kernel accepts completions out of order. */
    public boolean outOfOrder() { return (flags & FLAG_CAP_OOOC) != 0; }

    public int ringSize() { return cmdrSize; }

    /** {@code cmd_head}, read with acquire. */
    int head() {
        return (int) MB_CMD_HEAD.getAcquire(map, 0L);
    }

    /** {@code cmd_tail} as last published. */
    int publishedTail() {
        return (int) MB_CMD_TAIL.getAcquire(map, 0L);
    }

    /**
     * Takes every command the kernel has posted since the last call and hands each to
     * {@code sink}; returns how many were taken. One thread only.
     *
     * @throws IllegalStateException when an entry is malformed (the ring is then broken)
     */
    public int take(Consumer<TcmuCommand> sink) {
        int head = head();
        int pos = takePos;
        if (pos == head) {
            return 0;
        }
        batch.clear();
        while (pos != head) {
            long ent = cmdrOff + pos;
            int lenOp = (int) LEN_OP.get(map, ent);
            int len = len(lenOp);
            if (len <= 0 || len > cmdrSize - pos) {
                throw new IllegalStateException("ring entry at " + pos + " has length " + len + " (ring " + cmdrSize + ")");
            }
            if (op(lenOp) == OP_CMD) {
                batch.add(parse(ent, len));
            }
            // PAD (ring wrap) and TMR (task management notice) entries carry no command: skipped
            pos = (pos + len) % cmdrSize;
        }
        takePos = pos;
        publishTaken(pos);
        int n = batch.size();
        for (int i = 0; i < n; i++) {
            sink.accept(batch.get(i));
        }
        batch.clear();
        return n;
    }

    private synchronized void publishTaken(int pos) {
        takenUpTo = pos;
        skipNonCommands();
    }

    private TcmuCommand parse(long ent, int len) {
        int cmdId = (short) CMD_ID.get(map, ent) & 0xffff;
        int iovCnt = (int) IOV_CNT.get(map, ent);
        int bidi = (int) IOV_BIDI_CNT.get(map, ent);
        int dif = (int) IOV_DIF_CNT.get(map, ent);
        long total = (long) iovCnt + bidi + dif;
        if (iovCnt < 0 || bidi < 0 || dif < 0 || IOV_OFFSET + total * IOVEC.byteSize() > len) {
            throw new IllegalStateException("command " + cmdId + ": iovec counts " + iovCnt + "/" + bidi + "/" + dif
                    + " do not fit its " + len + "-byte entry");
        }
        long cdbOff = (long) CDB_OFF.get(map, ent);
        if (cdbOff < 0 || cdbOff >= map.byteSize()) {
            throw new IllegalStateException("command " + cmdId + ": cdb_off " + cdbOff + " outside the map");
        }
        int cdbLen = Scsi.cdbLength(map.get(ValueLayout.JAVA_BYTE, cdbOff) & 0xff);
        cdbLen = (int) Math.min(cdbLen, map.byteSize() - cdbOff);
        byte[] cdb = new byte[cdbLen];
        MemorySegment.copy(map, ValueLayout.JAVA_BYTE, cdbOff, cdb, 0, cdbLen);
        long iovs = ent + IOV_OFFSET;
        long[] base = new long[iovCnt];
        long[] ln = new long[iovCnt];
        for (int i = 0; i < iovCnt; i++) {
            long b = (long) IOV_BASE.get(map, iovs, (long) i);
            long l = (long) IOV_LEN.get(map, iovs, (long) i);
            if (b < 0 || l < 0 || b + l > map.byteSize() || b + l < 0) {
                throw new IllegalStateException("command " + cmdId + ": iovec " + i + " [" + b + ", +" + l + ") outside the map");
            }
            base[i] = b;
            ln[i] = l;
        }
        return new TcmuCommand(cmdId, cdb, base, ln, map);
    }

    /**
     * Writes a finished command's response into the next command slot at the tail and publishes
     * the new tail. Safe from any thread. The caller notifies the kernel afterwards.
     */
    public synchronized void complete(TcmuCommand c) {
        skipNonCommands();
        if (tail == takenUpTo) {
            throw new IllegalStateException("completion of command " + c.cmdId + " with no taken slot left");
        }
        long ent = cmdrOff + tail;
        int len = len((int) LEN_OP.get(map, ent));
        // the slot's request was copied when it was taken; now its response half may be overwritten
        CMD_ID.set(map, ent, (short) c.cmdId);
        KFLAGS.set(map, ent, (byte) 0);
        int uflags = 0;
        if (c.readLen >= 0 && (flags & FLAG_CAP_READ_LEN) != 0) {
            uflags |= UFLAG_READ_LEN;
            READ_LEN.set(map, ent, c.readLen);
        }
        UFLAGS.set(map, ent, (byte) uflags);
        SCSI_STATUS.set(map, ent, (byte) c.status);
        if (c.sense != null) {
            int n = Math.min(c.sense.length, SENSE_BUFFER_SIZE);
            MemorySegment.copy(c.sense, 0, map, ValueLayout.JAVA_BYTE, ent + SENSE_OFFSET, n);
        }
        tail = (tail + len) % cmdrSize;
        skipNonCommands();
        MB_CMD_TAIL.setRelease(map, 0L, tail);
    }

    /** Moves the tail over PAD/TMR entries that were already taken; guarded by this. */
    private void skipNonCommands() {
        int t = tail;
        while (t != takenUpTo) {
            int lenOp = (int) LEN_OP.get(map, cmdrOff + t);
            if (op(lenOp) == OP_CMD) break;
            t = (t + len(lenOp)) % cmdrSize;
        }
        if (t != tail) {
            tail = t;
            MB_CMD_TAIL.setRelease(map, 0L, t);
        }
    }

    /** Commands taken and not completed yet, as ring bytes (0 when idle). */
    public synchronized int pendingBytes() {
        return Math.floorMod(takenUpTo - tail, cmdrSize);
    }
}
