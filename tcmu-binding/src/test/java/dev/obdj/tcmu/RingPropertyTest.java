package dev.obdj.tcmu;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random mixes of READ / WRITE (6/10/12/16) / WRITE SAME (10/16, with and without UNMAP) /
 * UNMAP / SYNCHRONIZE CACHE, out-of-range and unknown commands, and TMR notices, posted through
 * the emulated kernel ring at random queue depths (up to 128), ring sizes (small ones wrap
 * constantly, with PAD entries) and worker counts, against a byte-array model. Commands run
 * concurrently and complete out of order; like a file system, the driver never has two
 * overlapping commands in flight when one of them writes. Every completion's status, sense and
 * data are checked, then the whole disk.
 */
class RingPropertyTest {
    static final long DISK = 4L << 20;

    enum Kind { READ, WRITE, WRITE_SAME, UNMAP, SYNC, TMR, OUT_OF_RANGE, UNKNOWN }

    record Op(Kind kind, int lbaPermille, int blocksPick, int variant, long seed) {}

    @Provide
    Arbitrary<Op> op() {
        Arbitrary<Kind> kind = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(40, Kind.READ), net.jqwik.api.Tuple.of(30, Kind.WRITE),
                net.jqwik.api.Tuple.of(8, Kind.WRITE_SAME), net.jqwik.api.Tuple.of(8, Kind.UNMAP),
                net.jqwik.api.Tuple.of(5, Kind.SYNC), net.jqwik.api.Tuple.of(3, Kind.TMR),
                net.jqwik.api.Tuple.of(3, Kind.OUT_OF_RANGE), net.jqwik.api.Tuple.of(3, Kind.UNKNOWN));
        return Combinators.combine(kind, Arbitraries.integers().between(0, 1000), Arbitraries.integers().between(1, 1000),
                Arbitraries.integers().between(0, 7), Arbitraries.longs()).as(Op::new);
    }

    @Provide
    Arbitrary<Integer> ringSize() {
        return Arbitraries.of(2048, 8192, 65536, 1 << 20).map(s -> s - 128);
    }

    @Provide
    Arbitrary<Integer> blockSize() {
        return Arbitraries.of(512, 4096);
    }

    /** One command in flight, with what it must produce. */
    record Flight(Op op, long start, long end, boolean writes, byte[] expected, int expectStatus, int expectAsc,
                  RingEmulator.Result[] result) {}

    @Property(tries = 40)
    void randomMixesMatchTheModel(@ForAll @Size(min = 50, max = 400) List<@net.jqwik.api.From("op") Op> ops,
                                  @ForAll @IntRange(min = 0, max = 4) int workers,
                                  @ForAll @IntRange(min = 1, max = 128) int depth,
                                  @ForAll("ringSize") int ringSize,
                                  @ForAll("blockSize") int bs,
                                  @ForAll long seed) throws Exception {
        MemoryBackend backend = new MemoryBackend(DISK, true);
        byte[] model = new byte[(int) DISK];
        long blocks = DISK / bs;
        int maxBlocks = 128 * 1024 / bs;
        try (Rig rig = new Rig(backend, bs, workers, ringSize, 4096, seed)) {
            LinkedBlockingQueue<Flight> done = new LinkedBlockingQueue<>();
            List<Flight> inFlight = new ArrayList<>();
            for (Op op : ops) {
                if (op.kind() == Kind.TMR) {
                    rig.kernel.postTmr();
                    continue;
                }
                Random r = new Random(op.seed());
                long n = 1 + (long) op.blocksPick() * (maxBlocks - 1) / 1000;
                long lba = Math.min((long) op.lbaPermille() * blocks / 1000, blocks - n);
                long start = lba * bs, end = (lba + n) * bs;
                byte[] cdb, out = null, expected = null;
                int dataIn = 0, status = Scsi.GOOD, asc = -1;
                boolean writes = false;
                switch (op.kind()) {
                    case READ -> {
                        cdb = rwCdb(false, lba, n, op.variant(), bs);
                        dataIn = (int) (n * bs);
                        expected = Arrays.copyOfRange(model, (int) start, (int) end);
                    }
                    case WRITE -> {
                        cdb = rwCdb(true, lba, n, op.variant(), bs);
                        out = new byte[(int) (n * bs)];
                        r.nextBytes(out);
                        writes = true;
                    }
                    case WRITE_SAME -> {
                        out = new byte[bs];
                        if (op.variant() % 3 != 0) r.nextBytes(out);
                        boolean unmap = (op.variant() & 4) != 0;
                        cdb = (op.variant() & 1) == 0 ? Rig.writeSame16(lba, n, unmap) : Rig.writeSame10(lba, (int) n, unmap);
                        writes = true;
                    }
                    case UNMAP -> {
                        int k = 1 + op.variant() % 3;
                        long[][] ranges = new long[k][];
                        long lo = Long.MAX_VALUE, hi = 0;
                        for (int i = 0; i < k; i++) {
                            long rn = 1 + r.nextInt(maxBlocks);
                            long rl = (long) (r.nextDouble() * (blocks - rn));
                            ranges[i] = new long[] {rl, rn};
                            lo = Math.min(lo, rl * bs);
                            hi = Math.max(hi, (rl + rn) * bs);
                        }
                        start = lo;
                        end = hi;
                        out = Rig.unmapParams(ranges);
                        cdb = Rig.unmapCdb(out.length);
                        writes = true;
                        op = new Op(op.kind(), op.lbaPermille(), op.blocksPick(), op.variant(), op.seed());
                        unmapRanges.put(op, ranges);
                    }
                    case SYNC -> {
                        cdb = (op.variant() & 1) == 0 ? Rig.sync16() : Rig.sync10();
                        start = end = 0;
                    }
                    case OUT_OF_RANGE -> {
                        cdb = Rig.read16(blocks - 1, 2);
                        dataIn = 2 * bs;
                        status = Scsi.CHECK_CONDITION;
                        asc = 0x21;
                        start = end = 0;
                    }
                    default -> {
                        cdb = new byte[] {(byte) 0xc5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
                        status = Scsi.CHECK_CONDITION;
                        asc = 0x20;
                        start = end = 0;
                    }
                }
                // wait for room and for conflicting commands
                while (inFlight.size() >= depth || conflicts(inFlight, start, end, writes)) {
                    Flight f = done.poll(30, TimeUnit.SECONDS);
                    assertNotNull(f, "no completion within 30 s; ring broken: " + rig.kernel.broken());
                    check(f);
                    inFlight.remove(f);
                }
                applyToModel(model, op, out, lba, n, bs);
                RingEmulator.Result[] holder = new RingEmulator.Result[1];
                Flight f = new Flight(op, start, end, writes, expected, status, asc, holder);
                inFlight.add(f);
                rig.submit(cdb, out, dataIn).whenComplete((res, err) -> {
                    holder[0] = res;
                    done.add(f);
                });
            }
            while (!inFlight.isEmpty()) {
                Flight f = done.poll(30, TimeUnit.SECONDS);
                assertNotNull(f, "no completion within 30 s; ring broken: " + rig.kernel.broken());
                check(f);
                inFlight.remove(f);
            }
            assertNull(rig.kernel.broken());
            byte[] disk = new byte[(int) DISK];
            java.lang.foreign.MemorySegment.copy(backend.disk(), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, disk, 0, disk.length);
            assertArrayEquals(model, disk, "disk after the run");
            // and the same through the ring, in the largest reads
            for (long lba = 0; lba < blocks; lba += maxBlocks) {
                RingEmulator.Result res = rig.exec(Rig.read16(lba, maxBlocks), null, maxBlocks * bs);
                assertEquals(Scsi.GOOD, res.status());
                assertArrayEquals(Arrays.copyOfRange(model, (int) (lba * bs), (int) ((lba + maxBlocks) * bs)), res.dataIn());
            }
        } finally {
            unmapRanges.clear();
        }
    }

    private final java.util.Map<Op, long[][]> unmapRanges = new java.util.IdentityHashMap<>();

    private void applyToModel(byte[] model, Op op, byte[] out, long lba, long n, int bs) {
        switch (op.kind()) {
            case WRITE -> System.arraycopy(out, 0, model, (int) (lba * bs), out.length);
            case WRITE_SAME -> {
                for (long b = lba; b < lba + n; b++) System.arraycopy(out, 0, model, (int) (b * bs), bs);
            }
            case UNMAP -> {
                for (long[] rg : unmapRanges.get(op)) Arrays.fill(model, (int) (rg[0] * bs), (int) ((rg[0] + rg[1]) * bs), (byte) 0);
            }
            default -> { }
        }
    }

    private static boolean conflicts(List<Flight> inFlight, long start, long end, boolean writes) {
        if (start == end) return false;
        for (Flight f : inFlight) {
            if (f.start() == f.end()) continue;
            if ((writes || f.writes()) && f.start() < end && start < f.end()) return true;
        }
        return false;
    }

    private static void check(Flight f) {
        RingEmulator.Result res = f.result()[0];
        assertNotNull(res, f.op() + ": failed without a result");
        assertEquals(f.expectStatus(), res.status(), f.op() + ": status; sense key " + res.senseKey() + " asc " + res.asc());
        if (f.expectStatus() == Scsi.CHECK_CONDITION) {
            assertEquals(0x70, res.sense()[0] & 0x7f, "fixed-format sense");
            assertEquals(Scsi.KEY_ILLEGAL_REQUEST, res.senseKey());
            assertEquals(f.expectAsc(), res.asc());
        }
        if (f.expected() != null) {
            assertArrayEquals(f.expected(), res.dataIn(), f.op() + ": data");
        }
    }

    /** READ/WRITE in the CDB size {@code variant} picks among those that can express the range. */
    static byte[] rwCdb(boolean write, long lba, long n, int variant, int bs) {
        int v = variant % 4;
        if (v == 0 && lba < (1 << 21) && n <= 256) {
            return Rig.rw6(write ? 0x0a : 0x08, lba, (int) (n == 256 ? 0 : n));
        }
        if (v == 1 && n <= 0xffff) return Rig.rw10(write ? 0x2a : 0x28, lba, (int) n);
        if (v == 2) return Rig.rw12(write ? 0xaa : 0xa8, lba, n);
        byte[] c = Rig.rw16(write ? 0x8a : 0x88, lba, n);
        if (write && (variant & 4) != 0) c[1] = 0x08; // FUA
        return c;
    }

    @Property(tries = 5)
    void depth128WithManyWorkersCompletesOutOfOrder(@ForAll @IntRange(min = 2, max = 4) int workers) throws Exception {
        try (Rig rig = Rig.memory(DISK, 512, workers)) {
            List<java.util.concurrent.CompletableFuture<RingEmulator.Result>> fs = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                fs.add(rig.submit(Rig.read16((i * 8L) % 8000, 8), null, 4096));
            }
            for (var f : fs) assertEquals(Scsi.GOOD, f.get(30, TimeUnit.SECONDS).status());
            assertTrue(rig.kernel.bell.kicks.get() > 0);
        }
    }
}
