package dev.obdj.tcmu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.obdj.tcmu.TcmuAbi.*;

/**
 * The userspace side of a TCMU command ring over the mapped region.
 *
 * <p>Taking commands ({@link #take}) is done by one thread: it reads {@code cmd_head} with
 * acquire semantics (the kernel writes the entries, then the head), walks the entries from where
 * it stopped, skips PAD and TMR entries and copies each command's CDB and iovecs into a
 * {@link TcmuCommand}. Command objects are recycled: completed ones go back to a free list (under
 * the lock completions take anyway) and the taking thread pulls the whole list over when its own
 * runs dry, so taking allocates nothing in steady state and locks once per refill.
 *
 * <p>Completing ({@link #complete}) may happen from any thread, in any order (the kernel
 * advertises out-of-order completion, {@code TCMU_MAILBOX_FLAG_CAP_OOOC}): completions fill the
 * command slots from {@code cmd_tail} onwards in the order they finish, each naming its own
 * {@code cmd_id}, and {@code cmd_tail} is published with release semantics once per call, after
 * every response of the batch was written. A slot is only ever reused for a response once its
 * request was taken, because there are never more completions than taken commands. The caller
 * then notifies the kernel (a write to the uio fd), which reaps everything up to {@code cmd_tail}.
 */
public final class Ring {
    /** An iovec word ({@code iov_base}, {@code iov_len}): native order, as the kernel writes it. */
    private static final ValueLayout.OfLong IOV_WORD = ValueLayout.JAVA_LONG_UNALIGNED;

    private final MemorySegment map;
    private final long cmdrOff;
    private final int cmdrSize;
    private final int flags;

    /** Where {@link #take} continues: the ring offset after the last entry taken. */
    private int takePos;
    /** Ring offset of the next slot a completion fills; guarded by this. */
    private int tail;
    /** Ring offset up to which entries were taken, as seen by completers; guarded by this. */
    private int takenUpTo;
    /** Command objects for the taking thread (no lock). */
    private TcmuCommand[] spare = new TcmuCommand[64];
    private int spareCount;
    /** Command objects returned by completions; guarded by this. */
    private TcmuCommand[] freed = new TcmuCommand[64];
    private int freedCount;
    /** Commands completed so far; guarded by this. */
    private long completedTotal;

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

    /** True when the kernel posted entries that {@link #take} has not seen yet. The taking thread only. */
    boolean hasNew() {
        return head() != takePos;
    }

    /** {@code cmd_tail} as last published. */
    int publishedTail() {
        return (int) MB_CMD_TAIL.getAcquire(map, 0L);
    }

    /**
     * Takes up to {@code out.length} of the commands the kernel has posted since the last call
     * into {@code out[0..n)} and returns {@code n}; call again while it returns a full array.
     * One thread only. The commands belong to the caller until handed to {@link #complete}.
     *
     * @throws IllegalStateException when an entry is malformed (the ring is then broken)
     */
    public int take(TcmuCommand[] out) {
        int head = head();
        int pos = takePos;
        int n = 0;
        while (pos != head && n < out.length) {
            long ent = cmdrOff + pos;
            int lenOp = (int) LEN_OP.get(map, ent);
            int len = len(lenOp);
            if (len <= 0 || len > cmdrSize - pos) {
                throw new IllegalStateException("ring entry at " + pos + " has length " + len + " (ring " + cmdrSize + ")");
            }
            if (op(lenOp) == OP_CMD) {
                out[n++] = parse(ent, len);
            }
            // PAD (ring wrap) and TMR (task management notice) entries carry no command: skipped
            pos += len;
            if (pos == cmdrSize) pos = 0;
        }
        if (pos != takePos) {
            takePos = pos;
            publishTaken(pos);
        }
        return n;
    }

    private synchronized void publishTaken(int pos) {
        takenUpTo = pos;
        if (skipNonCommands()) {
            MB_CMD_TAIL.setRelease(map, 0L, tail);
        }
    }

    /** A recycled command object, or a new one when none was returned yet. Taking thread only. */
    private TcmuCommand obtain() {
        if (spareCount == 0) {
            synchronized (this) {
                TcmuCommand[] t = spare;
                spare = freed;
                spareCount = freedCount;
                freed = t;
                freedCount = 0;
            }
            if (spareCount == 0) {
                return new TcmuCommand(map);
            }
        }
        TcmuCommand c = spare[--spareCount];
        spare[spareCount] = null;
        return c;
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
        long mapSize = map.byteSize();
        if (cdbOff < 0 || cdbOff >= mapSize) {
            throw new IllegalStateException("command " + cmdId + ": cdb_off " + cdbOff + " outside the map");
        }
        int cdbLen = Scsi.cdbLength(map.get(ValueLayout.JAVA_BYTE, cdbOff) & 0xff);
        cdbLen = (int) Math.min(cdbLen, mapSize - cdbOff);
        TcmuCommand c = obtain();
        c.load(cmdId, cdbOff, cdbLen, iovCnt);
        long iovs = ent + IOV_OFFSET;
        long[] base = c.iovBase, ln = c.iovLen;
        long data = 0;
        for (int i = 0; i < iovCnt; i++) {
            long at = iovs + (long) i * 16;
            long b = map.get(IOV_WORD, at);
            long l = map.get(IOV_WORD, at + 8);
            if (b < 0 || l < 0 || b + l > mapSize || b + l < 0) {
                c.iovCnt = 0;
                recycle(c);
                throw new IllegalStateException("command " + cmdId + ": iovec " + i + " [" + b + ", +" + l + ") outside the map");
            }
            base[i] = b;
            ln[i] = l;
            data += l;
        }
        c.dataLength = data;
        return c;
    }

    private void recycle(TcmuCommand c) {
        if (spareCount == spare.length) spare = java.util.Arrays.copyOf(spare, spare.length * 2);
        spare[spareCount++] = c;
    }

    /**
     * Writes a finished command's response into the next command slot at the tail and publishes
     * the new tail. Safe from any thread. The caller notifies the kernel afterwards.
     */
    public synchronized void complete(TcmuCommand c) {
        int t = respond(c, tail);
        tail = skipNonCommands(t);
        completedTotal++;
        MB_CMD_TAIL.setRelease(map, 0L, tail);
    }

    /** Commands completed through this ring so far. */
    public synchronized long completedTotal() {
        return completedTotal;
    }

    /**
     * Writes {@code c}'s response into the first taken command slot from {@code t}, takes the
     * object back, and returns the slot after it. Guarded by this.
     */
    private int respond(TcmuCommand c, int t) {
        t = skipNonCommands(t);
        if (t == takenUpTo) {
            tail = t;
            MB_CMD_TAIL.setRelease(map, 0L, t);
            throw new IllegalStateException("completion of command " + c.cmdId + " with no taken slot left");
        }
        long ent = cmdrOff + t;
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
        t += len;
        if (t == cmdrSize) t = 0;
        if (freedCount == freed.length) freed = java.util.Arrays.copyOf(freed, freed.length * 2);
        freed[freedCount++] = c;
        return t;
    }

    /** Moves the tail over PAD/TMR entries that were already taken; true when it moved. Guarded by this. */
    private boolean skipNonCommands() {
        int t = skipNonCommands(tail);
        if (t == tail) return false;
        tail = t;
        return true;
    }

    /** The first slot from {@code t} that is a taken command, or {@code takenUpTo}. Guarded by this. */
    private int skipNonCommands(int t) {
        while (t != takenUpTo) {
            int lenOp = (int) LEN_OP.get(map, cmdrOff + t);
            if (op(lenOp) == OP_CMD) break;
            t += len(lenOp);
            if (t == cmdrSize) t = 0;
        }
        return t;
    }

    /** Commands taken and not completed yet, as ring bytes (0 when idle). */
    public synchronized int pendingBytes() {
        return Math.floorMod(takenUpTo - tail, cmdrSize);
    }
}
