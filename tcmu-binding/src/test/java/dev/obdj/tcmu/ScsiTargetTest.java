package dev.obdj.tcmu;

import dev.obdj.FormatException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SCSI command set through the emulated ring, one command at a time. */
class ScsiTargetTest {
    static final long SIZE = 8L << 20;

    private static void good(RingEmulator.Result r) {
        assertEquals(Scsi.GOOD, r.status(), () -> "sense key " + r.senseKey() + " asc 0x" + Integer.toHexString(r.asc()));
    }

    private static void check(RingEmulator.Result r, int key, int asc) {
        assertEquals(Scsi.CHECK_CONDITION, r.status());
        assertEquals(0x70, r.sense()[0] & 0x7f);
        assertEquals(10, r.sense()[7]);
        assertEquals(key, r.senseKey());
        assertEquals(asc, r.asc());
    }

    private static byte[] cdb(int... b) {
        byte[] c = new byte[b.length];
        for (int i = 0; i < b.length; i++) c[i] = (byte) b[i];
        return c;
    }

    @Test
    void inquiryStandardAndVpdPages() throws Exception {
        try (Rig rig = Rig.memory(SIZE, 512, 1)) {
            RingEmulator.Result std = rig.exec(cdb(0x12, 0, 0, 0, 96, 0), null, 96);
            good(std);
            assertEquals(36, std.readLen());
            assertEquals(0, std.dataIn()[0]);                 // direct-access block device
            assertEquals(0x02, std.dataIn()[7]);              // CmdQue
            assertEquals("OBDJ    ", new String(std.dataIn(), 8, 8, StandardCharsets.US_ASCII));
            RingEmulator.Result list = rig.exec(cdb(0x12, 1, 0x00, 0, 255, 0), null, 255);
            good(list);
            assertArrayEquals(new byte[] {0, 0, 0, 6, 0x00, (byte) 0x80, (byte) 0x83, (byte) 0xb0, (byte) 0xb1, (byte) 0xb2},
                    list.dataIn());
            RingEmulator.Result serial = rig.exec(cdb(0x12, 1, 0x80, 0, 255, 0), null, 255);
            assertEquals("obdj-test-0001", new String(serial.dataIn(), 4, serial.dataIn().length - 4, StandardCharsets.US_ASCII));
            RingEmulator.Result ids = rig.exec(cdb(0x12, 1, 0x83, 0, 255, 0), null, 255);
            good(ids);
            assertEquals(0x03, ids.dataIn()[5] & 0x0f);       // NAA designator first
            assertEquals(0x6, (ids.dataIn()[8] & 0xff) >>> 4);
            RingEmulator.Result limits = rig.exec(cdb(0x12, 1, 0xb0, 0, 255, 0), null, 255);
            good(limits);
            assertEquals(64, limits.dataIn().length);
            assertEquals(2048, Scsi.u32(limits.dataIn(), 8));
            assertTrue(Scsi.u32(limits.dataIn(), 20) > 0);    // max unmap LBA count
            RingEmulator.Result bdc = rig.exec(cdb(0x12, 1, 0xb1, 0, 255, 0), null, 255);
            assertEquals(1, Scsi.u16(bdc.dataIn(), 4));      // non-rotating
            RingEmulator.Result lbp = rig.exec(cdb(0x12, 1, 0xb2, 0, 255, 0), null, 255);
            assertEquals(0xe4, lbp.dataIn()[5] & 0xff);
            check(rig.exec(cdb(0x12, 1, 0x89, 0, 255, 0), null, 255), Scsi.KEY_ILLEGAL_REQUEST, 0x24);
            check(rig.exec(cdb(0x12, 0, 0x80, 0, 255, 0), null, 255), Scsi.KEY_ILLEGAL_REQUEST, 0x24);
            // allocation length shorter than the page
            RingEmulator.Result shortStd = rig.exec(cdb(0x12, 0, 0, 0, 5, 0), null, 5);
            assertEquals(5, shortStd.dataIn().length);
        }
    }

    @Test
    void capacityModeSenseAndHousekeeping() throws Exception {
        try (Rig rig = Rig.memory(SIZE, 4096, 0)) {
            RingEmulator.Result rc10 = rig.exec(cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0), null, 8);
            assertEquals(SIZE / 4096 - 1, Scsi.u32(rc10.dataIn(), 0));
            assertEquals(4096, Scsi.u32(rc10.dataIn(), 4));
            RingEmulator.Result rc16 = rig.exec(cdb(0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0), null, 32);
            assertEquals(SIZE / 4096 - 1, Scsi.u64(rc16.dataIn(), 0));
            assertEquals(0xc0, rc16.dataIn()[14] & 0xc0);    // LBPME, LBPRZ
            RingEmulator.Result ms6 = rig.exec(cdb(0x1a, 0, 0x3f, 0, 255, 0), null, 255);
            good(ms6);
            byte[] m = ms6.dataIn();
            assertEquals(m.length - 1, m[0] & 0xff);
            assertEquals(0x10, m[2] & 0xff);                  // not write-protected, DPOFUA
            assertEquals(8, m[3]);                             // one block descriptor
            assertEquals(0x08, m[12]);                         // caching page first
            assertEquals(0x04, m[14] & 0x04);                  // WCE
            RingEmulator.Result ms10 = rig.exec(cdb(0x5a, 0x08, 0x08, 0, 0, 0, 0, 0, 255, 0), null, 255);
            good(ms10);
            assertEquals(8 + 20, ms10.dataIn().length);
            check(rig.exec(cdb(0x1a, 0, 0xc8, 0, 255, 0), null, 255), Scsi.KEY_ILLEGAL_REQUEST, 0x39); // saved values
            check(rig.exec(cdb(0x1a, 0, 0x19, 0, 255, 0), null, 255), Scsi.KEY_ILLEGAL_REQUEST, 0x24);
            good(rig.exec(cdb(0, 0, 0, 0, 0, 0), null, 0));                                      // TEST UNIT READY
            good(rig.exec(cdb(0x1b, 0, 0, 0, 1, 0), null, 0));                                   // START STOP UNIT
            RingEmulator.Result rs = rig.exec(cdb(0x03, 0, 0, 0, 18, 0), null, 18);
            good(rs);
            assertEquals(0x70, rs.dataIn()[0]);
            good(rig.exec(Rig.sync10(), null, 0));
            check(rig.exec(cdb(0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), null, 0), Scsi.KEY_ILLEGAL_REQUEST, 0x20);
            check(rig.exec(cdb(0x1d, 0, 0, 0, 0, 0), null, 0), Scsi.KEY_ILLEGAL_REQUEST, 0x20); // SEND DIAGNOSTIC
        }
    }

    @Test
    void reportSupportedOperationCodes() throws Exception {
        try (Rig rig = Rig.memory(SIZE, 512, 1)) {
            RingEmulator.Result all = rig.exec(cdb(0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0), null, 1024);
            good(all);
            int n = (int) Scsi.u32(all.dataIn(), 0) / 8;
            List<Integer> ops = new ArrayList<>();
            for (int i = 0; i < n; i++) ops.add(all.dataIn()[4 + 8 * i] & 0xff);
            assertTrue(ops.containsAll(List.of(0x28, 0x2a, 0x93, 0x42, 0x35, 0x91, 0x12, 0x9e)), ops.toString());
            RingEmulator.Result ws16 = rig.exec(cdb(0xa3, 0x0c, 1, 0x93, 0, 0, 0, 0, 0, 64, 0, 0), null, 64);
            good(ws16);
            assertEquals(3, ws16.dataIn()[1] & 7);
            assertEquals(16, Scsi.u16(ws16.dataIn(), 2));
            RingEmulator.Result none = rig.exec(cdb(0xa3, 0x0c, 1, 0x85, 0, 0, 0, 0, 0, 64, 0, 0), null, 64);
            assertEquals(1, none.dataIn()[1] & 7);
            RingEmulator.Result rc16 = rig.exec(cdb(0xa3, 0x0c, 2, 0x9e, 0, 0x10, 0, 0, 0, 64, 0, 0), null, 64);
            assertEquals(3, rc16.dataIn()[1] & 7);
            check(rig.exec(cdb(0xa3, 0x0c, 1, 0x9e, 0, 0, 0, 0, 0, 64, 0, 0), null, 64), Scsi.KEY_ILLEGAL_REQUEST, 0x24);
        }
    }

    @Test
    void readWriteEdgesAndErrors() throws Exception {
        try (Rig rig = Rig.memory(SIZE, 512, 2)) {
            long blocks = SIZE / 512;
            byte[] data = new byte[4096];
            new Random(1).nextBytes(data);
            good(rig.exec(Rig.write16(blocks - 8, 8), data, 0));
            assertArrayEquals(data, rig.exec(Rig.read16(blocks - 8, 8), null, 4096).dataIn());
            check(rig.exec(Rig.read16(blocks - 7, 8), null, 4096), Scsi.KEY_ILLEGAL_REQUEST, 0x21);
            check(rig.exec(Rig.write16(blocks, 1), new byte[512], 0), Scsi.KEY_ILLEGAL_REQUEST, 0x21);
            check(rig.exec(Rig.read16(-1L, 1), null, 512), Scsi.KEY_ILLEGAL_REQUEST, 0x21);         // LBA 2^64-1
            check(rig.exec(Rig.rw10(0x28, 0, 8), null, 1024), Scsi.KEY_ILLEGAL_REQUEST, 0x24);      // buffer too small
            check(rig.exec(cdb(0x9e, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0), null, 32), Scsi.KEY_ILLEGAL_REQUEST, 0x20);
            check(rig.exec(cdb(0x12, 0x02, 0, 0, 36, 0), null, 36), Scsi.KEY_ILLEGAL_REQUEST, 0x24);   // CMDDT
            good(rig.exec(Rig.rw10(0x28, 0, 0), null, 0));                                           // zero-length read
            // WRITE SAME with a pattern, then UNMAP part of it, then VERIFY with BYTCHK=1
            byte[] block = new byte[512];
            Arrays.fill(block, (byte) 7);
            good(rig.exec(Rig.writeSame16(100, 50, false), block, 0));
            good(rig.exec(Rig.unmapCdb(24), Rig.unmapParams(new long[][] {{120, 10}}), 0));
            byte[] got = rig.exec(Rig.read16(100, 50), null, 50 * 512).dataIn();
            for (int b = 0; b < 50; b++) {
                byte want = b >= 20 && b < 30 ? 0 : (byte) 7;
                for (int i = 0; i < 512; i++) assertEquals(want, got[b * 512 + i], "block " + (100 + b));
            }
            byte[] v = cdb(0x2f, 0x02, 0, 0, 0, 100, 0, 0, 50, 0);
            good(rig.exec(v, got, 0));
            got[3000] ^= 1;
            RingEmulator.Result mis = rig.exec(v, got, 0);
            check(mis, Scsi.KEY_MISCOMPARE, 0x1d);
            assertEquals(3000, Scsi.u32(mis.sense(), 3));
            good(rig.exec(cdb(0x2f, 0, 0, 0, 0, 100, 0, 0, 50, 0), null, 0));                     // BYTCHK=0
            check(rig.exec(Rig.writeSame16(0, 0, false), block, 0), Scsi.KEY_ILLEGAL_REQUEST, 0x24); // WSNZ
            check(rig.exec(Rig.unmapCdb(24), Rig.unmapParams(new long[][] {{blocks - 1, 2}}), 0), Scsi.KEY_ILLEGAL_REQUEST, 0x21);
            check(rig.exec(Rig.unmapCdb(4), new byte[4], 0), Scsi.KEY_ILLEGAL_REQUEST, 0x1a);
        }
    }

    @Test
    void readOnlyImagesAreWriteProtected() throws Exception {
        try (Rig rig = new Rig(new MemoryBackend(SIZE, false), 512, 1, 65536 - 128, 1024, 3)) {
            check(rig.exec(Rig.write16(0, 1), new byte[512], 0), Scsi.KEY_DATA_PROTECT, 0x27);
            check(rig.exec(Rig.writeSame16(0, 1, true), new byte[512], 0), Scsi.KEY_DATA_PROTECT, 0x27);
            check(rig.exec(Rig.unmapCdb(24), Rig.unmapParams(new long[][] {{0, 1}}), 0), Scsi.KEY_DATA_PROTECT, 0x27);
            RingEmulator.Result ms = rig.exec(cdb(0x1a, 0, 0x3f, 0, 255, 0), null, 255);
            assertEquals(0x80, ms.dataIn()[2] & 0x80);                        // WP
            RingEmulator.Result rc16 = rig.exec(cdb(0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0), null, 32);
            assertEquals(0, rc16.dataIn()[14] & 0x80);                        // no LBPME
            good(rig.exec(Rig.read16(0, 1), null, 512));
            good(rig.exec(Rig.sync16(), null, 0));
        }
    }

    /** A backend whose reads fail in one place, like a ZFile block with a bad CRC. */
    static final class FailingBackend implements BlockBackend {
        final MemoryBackend inner = new MemoryBackend(SIZE, true);

        @Override public long size() { return inner.size(); }
        @Override public boolean writable() { return true; }
        @Override public boolean canDiscard() { return true; }

        @Override
        public void read(long offset, MemorySegment dst, long dstOffset, long length) {
            if (offset < 65536 && offset + length > 61440) {
                throw new FormatException("layer.zfile", 61440, "block crc32", "0x1234abcd", "0x00000000");
            }
            inner.read(offset, dst, dstOffset, length);
        }

        @Override public void write(long o, MemorySegment s, long so, long l) { inner.write(o, s, so, l); }
        @Override public void discard(long o, long l) { inner.discard(o, l); }
        @Override public void flush() { }
        @Override public void close() { inner.close(); }
    }

    @Test
    void readFailuresAreMediumErrorsAndServingGoesOn() throws Exception {
        try (Rig rig = new Rig(new FailingBackend(), 512, 2, 65536 - 128, 1024, 4)) {
            check(rig.exec(Rig.read16(112, 16), null, 8192), Scsi.KEY_MEDIUM_ERROR, 0x11);
            check(rig.exec(cdb(0x2f, 0, 0, 0, 0, 120, 0, 0, 8, 0), null, 0), Scsi.KEY_MEDIUM_ERROR, 0x11); // VERIFY
            good(rig.exec(Rig.read16(0, 16), null, 8192));
            good(rig.exec(Rig.read16(128, 16), null, 8192));
        }
    }

    @Test
    void syncAndFuaFlush() throws Exception {
        MemoryBackend b = new MemoryBackend(SIZE, true);
        try (Rig rig = new Rig(b, 512, 1, 65536 - 128, 1024, 5)) {
            good(rig.exec(Rig.sync16(), null, 0));
            assertEquals(1, b.flushes.get());
            byte[] w = Rig.rw10(0x2a, 0, 1);
            w[1] = 0x08; // FUA
            good(rig.exec(w, new byte[512], 0));
            assertEquals(2, b.flushes.get());
        }
    }

    /**
     * A handler dies with commands in flight; the backstore's ring is reset (the commands come
     * back BUSY and are retried, as the SCSI layer does), a new handler attaches to the same ring,
     * and every write lands.
     */
    @Test
    void restartWithoutLoss() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        MemoryBackend inner = new MemoryBackend(SIZE, true);
        BlockBackend slow = new BlockBackend() {
            volatile boolean hold = true;
            @Override public long size() { return inner.size(); }
            @Override public boolean writable() { return true; }
            @Override public boolean canDiscard() { return true; }
            @Override public void read(long o, MemorySegment d, long dO, long l) { inner.read(o, d, dO, l); }
            @Override public void write(long o, MemorySegment s, long sO, long l) {
                if (hold && o >= (1 << 20)) {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    hold = false;
                }
                inner.write(o, s, sO, l);
            }
            @Override public void discard(long o, long l) { inner.discard(o, l); }
            @Override public void flush() { }
            @Override public void close() { inner.close(); }
        };
        try (Rig rig = new Rig(slow, 512, 2, 65536 - 128, 2048, 6)) {
            Random rnd = new Random(7);
            byte[][] data = new byte[64][4096];
            List<CompletableFuture<RingEmulator.Result>> fs = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                rnd.nextBytes(data[i]);
                fs.add(rig.submit(Rig.write16(i * 8L + (i >= 32 ? 2048 : 0), 8), data[i], 0));
            }
            // the first 32 (below 1 MiB) complete; the rest hang in the backend
            for (int i = 0; i < 32; i++) good(fs.get(i).get(10, TimeUnit.SECONDS));
            Thread.sleep(100);
            assertFalse(fs.get(40).isDone());
            // "kill -9": the process's responses never reach the ring
            rig.handler.abandon();
            release.countDown();
            rig.thread.join(5000);
            assertTrue(rig.kernel.inFlight() > 0);
            // the next handler resets the ring (action/reset_ring = 1) and serves on
            rig.kernel.resetRing(1);
            rig.start(2);
            for (int i = 32; i < 64; i++) {
                RingEmulator.Result r = fs.get(i).get(10, TimeUnit.SECONDS);
                if (r.status() == Scsi.BUSY) r = rig.exec(Rig.write16(i * 8L + 2048, 8), data[i], 0); // the SCSI layer retries
                good(r);
            }
            for (int i = 0; i < 64; i++) {
                assertArrayEquals(data[i], rig.exec(Rig.read16(i * 8L + (i >= 32 ? 2048 : 0), 8), null, 4096).dataIn(), "write " + i);
            }
        }
    }
}
