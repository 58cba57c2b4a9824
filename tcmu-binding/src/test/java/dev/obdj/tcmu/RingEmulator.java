package dev.obdj.tcmu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import static dev.obdj.tcmu.TcmuAbi.*;

/**
 * The kernel's side of a TCMU ring, in Java, over a MemorySegment laid out like the real map
 * (mailbox at 0, command ring at 128, data area after it in 4 KiB pages), as
 * {@code target_core_user.c} (Linux 6.1) drives it: commands are written at {@code cmd_head}
 * (a PAD entry first when one does not fit before the end), {@code cmd_head} is published with
 * release, then an event is signalled through a real pipe. A kick from the handler reaps entries
 * from the last cleaned one up to {@code cmd_tail} synchronously (as {@code write(2)} on
 * {@code /dev/uioN} does), finding each command by the {@code cmd_id} in the slot and copying
 * data-in from the command's own pages. Data pages are taken from a bitmap in scattered runs,
 * so buffers come as several iovecs. When the ring or the data area is full, submitters wait.
 */
final class RingEmulator implements AutoCloseable {
    static final int PAGE = 4096;
    static final int CMDR_OFF = 128;

    /** What the "initiator" gets back. */
    record Result(int status, byte[] sense, byte[] dataIn, int readLen) {
        int senseKey() { return sense == null ? -1 : sense[2] & 0xf; }
        int asc() { return sense == null ? -1 : sense[12] & 0xff; }
    }

    /** One posted command; one object per command id, reused when the id comes round again. */
    private static final class Pending {
        final int id;
        int[] pages = new int[0];
        int npages;
        int length;
        boolean dataIn;
        MemorySegment dest;
        /** Null for commands posted with {@link #post}: nothing is reported but the reap count. */
        CompletableFuture<Result> future;

        Pending(int id) {
            this.id = id;
        }
    }

    private final Arena arena = Arena.ofShared();
    final MemorySegment map;
    private final int cmdrSize;
    private final long dataOff;
    private final int dataPages;
    private final BitSet usedPages;
    private final Random random;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition space = lock.newCondition();
    /** Posted commands by id (1..0xffff); slots are reused, {@code live} says which are posted. */
    private final Pending[] byId = new Pending[0x10000];
    private final boolean[] live = new boolean[0x10000];
    private int pendingCount, usedPageCount;
    private int head, lastCleaned, nextId = 1;
    /** Commands reaped so far (all of them, whichever way they were posted). */
    final AtomicLong reaped = new AtomicLong();
    /** Run after each reap that completed something, outside the lock (the bench wakes its submitter). */
    volatile Runnable onReaped;
    private volatile String broken;
    /** Fill data-in buffers with stale bytes before posting (tests); off for benchmarks. */
    volatile boolean scrub = true;
    final Bell bell = new Bell();
    final AtomicLong pads = new AtomicLong(), tmrs = new AtomicLong(), maxIovs = new AtomicLong();

    RingEmulator(int cmdrSize, int dataPages, long seed) {
        this.cmdrSize = cmdrSize;
        this.dataPages = dataPages;
        this.dataOff = TcmuAbi.roundUp(CMDR_OFF + cmdrSize, PAGE);
        this.usedPages = new BitSet(dataPages);
        this.random = new Random(seed);
        this.map = arena.allocate(dataOff + (long) dataPages * PAGE, PAGE);
        MB_VERSION.set(map, 0L, (short) MAILBOX_VERSION);
        MB_FLAGS.set(map, 0L, (short) (FLAG_CAP_OOOC | FLAG_CAP_READ_LEN | FLAG_CAP_TMR | FLAG_CAP_KEEP_BUF));
        MB_CMDR_OFF.set(map, 0L, CMDR_OFF);
        MB_CMDR_SIZE.set(map, 0L, cmdrSize);
        MB_CMD_HEAD.set(map, 0L, 0);
        MB_CMD_TAIL.set(map, 0L, 0);
    }

    /** Set when the handler broke the protocol (unknown cmd_id, bad entry). */
    String broken() { return broken; }

    int inFlight() {
        lock.lock();
        try {
            return pendingCount;
        } finally {
            lock.unlock();
        }
    }

    private static int spcUsed(int head, int tail, int size) {
        int diff = head - tail;
        return diff >= 0 ? diff : diff + size;
    }

    /**
     * Posts a command; data-out is copied into the data area, or {@code dataInLength} bytes are
     * set aside for data-in (copied into {@code dest} if given, else into the result's array).
     */
    CompletableFuture<Result> submit(byte[] cdb, byte[] dataOut, int dataInLength, MemorySegment dest) {
        CompletableFuture<Result> f = new CompletableFuture<>();
        post(cdb, dataOut, dataInLength, dest, f);
        return f;
    }

    /**
     * Posts a data-in command whose data goes to {@code dest}, with nothing to wait on but
     * {@link #reaped} (and {@link #onReaped}): the benchmark's path, allocation-free.
     */
    void post(byte[] cdb, int dataInLength, MemorySegment dest) {
        post(cdb, null, dataInLength, dest, null);
    }

    private void post(byte[] cdb, byte[] dataOut, int dataInLength, MemorySegment dest, CompletableFuture<Result> future) {
        int length = dataOut != null ? dataOut.length : dataInLength;
        int npages = (length + PAGE - 1) / PAGE;
        lock.lock();
        try {
            Pending p;
            int iovCnt;
            int size;
            while (true) {
                if (broken != null) throw new IllegalStateException("ring broken: " + broken);
                if (pendingCount < 0xfffe && usedPageCount + npages <= dataPages) {
                    int id;
                    do {
                        id = nextId;
                        nextId = nextId == 0xffff ? 1 : nextId + 1;
                    } while (live[id]);
                    p = byId[id];
                    if (p == null) p = byId[id] = new Pending(id);
                    allocPages(p, npages);
                    iovCnt = runs(p.pages, npages);
                    size = commandSize(iovCnt, cdb.length);
                    int toEnd = cmdrSize - head;
                    int need = toEnd < size ? toEnd + size : size;
                    if (cmdrSize - spcUsed(head, lastCleaned, cmdrSize) - 1 >= need) break;
                    freePages(p);
                }
                space.awaitUninterruptibly();
            }
            int id = p.id;
            if (cmdrSize - head < size) {
                long pad = CMDR_OFF + head;
                LEN_OP.set(map, pad, (cmdrSize - head) | OP_PAD);
                CMD_ID.set(map, pad, (short) 0);
                head = 0;
                pads.incrementAndGet();
            }
            long ent = CMDR_OFF + head;
            if (scrub) map.asSlice(ent, size).fill((byte) 0);
            LEN_OP.set(map, ent, size | OP_CMD);
            CMD_ID.set(map, ent, (short) id);
            IOV_CNT.set(map, ent, iovCnt);
            long cdbOff = ent + baseCommandSize(iovCnt);
            CDB_OFF.set(map, ent, cdbOff);
            MemorySegment.copy(cdb, 0, map, ValueLayout.JAVA_BYTE, cdbOff, cdb.length);
            int[] pages = p.pages;
            int remaining = length, i = 0, iov = 0;
            while (i < npages) {
                int j = i;
                while (j + 1 < npages && pages[j + 1] == pages[j] + 1) j++;
                int bytes = Math.min(remaining, (j - i + 1) * PAGE);
                long base = dataOff + (long) pages[i] * PAGE;
                IOV_BASE.set(map, ent + IOV_OFFSET, (long) iov, base);
                IOV_LEN.set(map, ent + IOV_OFFSET, (long) iov, (long) bytes);
                if (dataOut != null) {
                    MemorySegment.copy(dataOut, length - remaining, map, ValueLayout.JAVA_BYTE, base, bytes);
                } else if (scrub) {
                    map.asSlice(base, bytes).fill((byte) 0x5a); // stale bytes, as recycled pages hold
                }
                remaining -= bytes;
                iov++;
                i = j + 1;
            }
            if (iovCnt > maxIovs.get()) maxIovs.set(iovCnt);
            p.length = length;
            p.dataIn = dataOut == null;
            p.dest = dest;
            p.future = future;
            live[id] = true;
            pendingCount++;
            head = (head + size) % cmdrSize;
            MB_CMD_HEAD.setRelease(map, 0L, head);
        } finally {
            lock.unlock();
        }
        bell.signal();
    }

    /** Posts a task management notice (as with tmr_notification=1); the handler must skip it. */
    void postTmr() {
        lock.lock();
        try {
            int size = (int) roundUp(TMR_CMD_CNT_OFFSET + 4 + 4, OP_ALIGN);
            while (cmdrSize - spcUsed(head, lastCleaned, cmdrSize) - 1 < (cmdrSize - head < size ? cmdrSize - head + size : size)) {
                space.awaitUninterruptibly();
            }
            if (cmdrSize - head < size) {
                LEN_OP.set(map, (long) CMDR_OFF + head, (cmdrSize - head) | OP_PAD);
                head = 0;
                pads.incrementAndGet();
            }
            long ent = CMDR_OFF + head;
            map.asSlice(ent, size).fill((byte) 0);
            LEN_OP.set(map, ent, size | OP_TMR);
            map.set(ValueLayout.JAVA_BYTE, ent + 8, (byte) 1); // TMR_ABORT_TASK
            map.set(ValueLayout.JAVA_INT, ent + TMR_CMD_CNT_OFFSET, 1);
            tmrs.incrementAndGet();
            head = (head + size) % cmdrSize;
            MB_CMD_HEAD.setRelease(map, 0L, head);
        } finally {
            lock.unlock();
        }
        bell.signal();
    }

    /** Scattered free pages into {@code p.pages}: a few random runs. Caller holds the lock and checked the count. */
    private void allocPages(Pending p, int n) {
        if (p.pages.length < n) p.pages = new int[n];
        int[] out = p.pages;
        int got = 0;
        while (got < n) {
            int start = usedPages.nextClearBit(random.nextInt(dataPages));
            if (start >= dataPages) start = usedPages.nextClearBit(0);
            int run = 1 + random.nextInt(Math.min(n - got, 8));
            for (int k = 0; k < run && start < dataPages && !usedPages.get(start); k++) {
                usedPages.set(start);
                out[got++] = start++;
            }
        }
        if (n > 1) java.util.Arrays.sort(out, 0, n);
        p.npages = n;
        usedPageCount += n;
    }

    private void freePages(Pending p) {
        for (int k = 0; k < p.npages; k++) usedPages.clear(p.pages[k]);
        usedPageCount -= p.npages;
        p.npages = 0;
    }

    private static int runs(int[] pages, int n) {
        if (n == 0) return 0;
        int r = 1;
        for (int i = 1; i < n; i++) if (pages[i] != pages[i - 1] + 1) r++;
        return r;
    }

    /** What {@code write(uio fd)} does in the kernel: reap completions up to {@code cmd_tail}. */
    void reap() {
        List<Runnable> done = null;
        int count = 0;
        lock.lock();
        try {
            int tail = (int) MB_CMD_TAIL.getAcquire(map, 0L);
            while (lastCleaned != tail) {
                long ent = CMDR_OFF + lastCleaned;
                int lenOp = (int) LEN_OP.get(map, ent);
                int len = TcmuAbi.len(lenOp);
                if (len <= 0 || len > cmdrSize - lastCleaned) {
                    broken = "bad entry length " + len + " at " + lastCleaned;
                    return;
                }
                int op = TcmuAbi.op(lenOp);
                if (op == OP_CMD) {
                    int id = (short) CMD_ID.get(map, ent) & 0xffff;
                    int uflags = (byte) UFLAGS.get(map, ent);
                    Pending p = live[id] ? byId[id] : null;
                    if (p == null || (uflags & UFLAG_KEEP_BUF) != 0) {
                        broken = "cmd_id " + id + " not found (or KEEP_BUF), ring is broken";
                        return;
                    }
                    live[id] = false;
                    pendingCount--;
                    int status = (byte) SCSI_STATUS.get(map, ent) & 0xff;
                    int readLen = (uflags & UFLAG_READ_LEN) != 0 ? (int) READ_LEN.get(map, ent) : -1;
                    byte[] data = null;
                    if (p.dataIn && status == Scsi.GOOD) {
                        int n = readLen >= 0 ? Math.min(readLen, p.length) : p.length;
                        MemorySegment dst = p.dest;
                        if (dst == null) {
                            data = new byte[n];
                            dst = MemorySegment.ofArray(data);
                        }
                        gather(p, dst, n);
                    }
                    freePages(p);
                    CompletableFuture<Result> f = p.future;
                    p.future = null;
                    p.dest = null;
                    if (f != null) {
                        byte[] sense = null;
                        if (status == Scsi.CHECK_CONDITION) {
                            sense = new byte[SENSE_BUFFER_SIZE];
                            MemorySegment.copy(map, ValueLayout.JAVA_BYTE, ent + SENSE_OFFSET, sense, 0, sense.length);
                        }
                        Result r = new Result(status, sense, data, readLen);
                        if (done == null) done = new ArrayList<>();
                        done.add(() -> f.complete(r));
                    }
                    count++;
                }
                lastCleaned = (lastCleaned + len) % cmdrSize;
            }
            space.signalAll();
        } finally {
            lock.unlock();
        }
        if (count > 0) {
            reaped.addAndGet(count);
            if (done != null) done.forEach(Runnable::run);
            Runnable r = onReaped;
            if (r != null) r.run();
        }
    }

    private void gather(Pending p, MemorySegment dst, int n) {
        int off = 0;
        for (int i = 0; i < p.npages && off < n; i++) {
            int len = Math.min(PAGE, n - off);
            MemorySegment.copy(map, dataOff + (long) p.pages[i] * PAGE, dst, off, len);
            off += len;
        }
    }

    /**
     * The backstore's {@code action/reset_ring}: every command still in the ring completes with
     * BUSY (level 1, retryable) or CHECK CONDITION (level 2); head, tail and last cleaned go to 0.
     */
    void resetRing(int level) {
        List<Runnable> done = new ArrayList<>();
        lock.lock();
        try {
            for (int id = 1; id < live.length; id++) {
                if (!live[id]) continue;
                Pending p = byId[id];
                live[id] = false;
                freePages(p);
                CompletableFuture<Result> f = p.future;
                p.future = null;
                p.dest = null;
                if (f != null) {
                    Result r = new Result(level == 1 ? Scsi.BUSY : Scsi.CHECK_CONDITION, null, null, -1);
                    done.add(() -> f.complete(r));
                }
            }
            pendingCount = 0;
            head = lastCleaned = 0;
            MB_CMD_TAIL.setRelease(map, 0L, 0);
            MB_CMD_HEAD.setRelease(map, 0L, 0);
            broken = null;
            space.signalAll();
        } finally {
            lock.unlock();
        }
        done.forEach(Runnable::run);
    }

    @Override
    public void close() {
        bell.close();
        arena.close();
    }

    /**
     * The uio fd as the handler sees it: a real pipe carries the kernel's events (written only when
     * the handler may be asleep), and a kick reaps synchronously.
     */
    final class Bell implements Doorbell {
        private final Pipe pipe;
        private final Selector selector;
        private final AtomicLong events = new AtomicLong();
        private final ByteBuffer drain = ByteBuffer.allocate(256);
        private final ByteBuffer wake = ByteBuffer.allocateDirect(1);
        private volatile boolean sleeping;
        private volatile boolean closed;
        private long seen;
        final AtomicLong kicks = new AtomicLong(), wakes = new AtomicLong();
        Consumer<RingEmulator> onKick = RingEmulator::reap;

        Bell() {
            try {
                pipe = Pipe.open();
                pipe.sink().configureBlocking(false);
                pipe.source().configureBlocking(false);
                selector = Selector.open();
                pipe.source().register(selector, SelectionKey.OP_READ);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void signal() {
            events.incrementAndGet();
            if (sleeping) {
                try {
                    synchronized (wake) {
                        wake.clear();
                        pipe.sink().write(wake);
                    }
                    wakes.incrementAndGet();
                } catch (IOException e) {
                    if (!closed) throw new UncheckedIOException(e);
                }
            }
        }

        @Override
        public boolean await(int timeoutMillis) {
            if (closed) throw new NativeException.DeviceGone("read", "emulated uio", Native.EIO);
            long e = events.get();
            if (e != seen) {
                seen = e;
                return true;
            }
            sleeping = true;
            try {
                if (events.get() != seen) {
                    seen = events.get();
                    return true;
                }
                selector.select(timeoutMillis);
                selector.selectedKeys().clear();
                drain.clear();
                while (pipe.source().read(drain) > 0) drain.clear();
            } catch (IOException ex) {
                if (closed) throw new NativeException.DeviceGone("read", "emulated uio", Native.EIO);
                throw new UncheckedIOException(ex);
            } finally {
                sleeping = false;
            }
            e = events.get();
            boolean changed = e != seen;
            seen = e;
            return changed;
        }

        @Override
        public void kick() {
            kicks.incrementAndGet();
            onKick.accept(RingEmulator.this);
        }

        void close() {
            closed = true;
            try {
                selector.close();
                pipe.sink().close();
                pipe.source().close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
