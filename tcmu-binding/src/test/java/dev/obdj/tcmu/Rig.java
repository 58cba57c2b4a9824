package dev.obdj.tcmu;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** An emulated kernel ring, a handler serving it on its own thread, and helpers to send CDBs. */
final class Rig implements AutoCloseable {
    final RingEmulator kernel;
    final ScsiTarget target;
    TcmuHandler handler;
    Thread thread;

    Rig(BlockBackend backend, int blockSize, int workers, int cmdrSize, int dataPages, long seed) {
        kernel = new RingEmulator(cmdrSize, dataPages, seed);
        target = new ScsiTarget(backend, blockSize, 2048, ScsiTarget.Identity.of("obdj-test-0001"));
        start(workers);
    }

    static Rig memory(long size, int blockSize, int workers) {
        return new Rig(new MemoryBackend(size, true), blockSize, workers, 64 * 1024, 4096, 1);
    }

    /** Starts a (new) handler on the same ring, as a restarted process would. */
    void start(int workers) {
        handler = new TcmuHandler(new Ring(kernel.map), kernel.bell, target, workers);
        TcmuHandler h = handler;
        thread = Thread.ofPlatform().daemon().name("tcmu-ring").start(h::run);
    }

    void stopHandler() throws InterruptedException {
        handler.stop();
        thread.join(10_000);
        if (thread.isAlive()) throw new AssertionError("handler did not stop");
    }

    RingEmulator.Result exec(byte[] cdb, byte[] dataOut, int dataIn) {
        try {
            return submit(cdb, dataOut, dataIn).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("command 0x" + Integer.toHexString(cdb[0] & 0xff) + " did not complete: " + e, e);
        }
    }

    CompletableFuture<RingEmulator.Result> submit(byte[] cdb, byte[] dataOut, int dataIn) {
        return kernel.submit(cdb, dataOut, dataIn, null);
    }

    @Override
    public void close() throws Exception {
        stopHandler();
        if (kernel.broken() != null) throw new AssertionError("ring broken: " + kernel.broken());
        kernel.close();
        target.backend().close();
    }

    // ---- CDB builders ----

    static byte[] read16(long lba, int n) { return rw16(0x88, lba, n); }

    static byte[] write16(long lba, int n) { return rw16(0x8a, lba, n); }

    static byte[] rw16(int op, long lba, long n) {
        byte[] c = new byte[16];
        c[0] = (byte) op;
        Scsi.put64(c, 2, lba);
        Scsi.put32(c, 10, n);
        return c;
    }

    static byte[] rw10(int op, long lba, int n) {
        byte[] c = new byte[10];
        c[0] = (byte) op;
        Scsi.put32(c, 2, lba);
        Scsi.put16(c, 7, n);
        return c;
    }

    static byte[] rw12(int op, long lba, long n) {
        byte[] c = new byte[12];
        c[0] = (byte) op;
        Scsi.put32(c, 2, lba);
        Scsi.put32(c, 6, n);
        return c;
    }

    static byte[] rw6(int op, long lba, int n) {
        return new byte[] {(byte) op, (byte) ((lba >>> 16) & 0x1f), (byte) (lba >>> 8), (byte) lba, (byte) n, 0};
    }

    static byte[] writeSame16(long lba, long n, boolean unmap) {
        byte[] c = rw16(0x93, lba, n);
        if (unmap) c[1] = 0x08;
        return c;
    }

    static byte[] writeSame10(long lba, int n, boolean unmap) {
        byte[] c = rw10(0x41, lba, n);
        if (unmap) c[1] = 0x08;
        return c;
    }

    static byte[] unmapCdb(int paramLen) {
        byte[] c = new byte[10];
        c[0] = 0x42;
        Scsi.put16(c, 7, paramLen);
        return c;
    }

    static byte[] unmapParams(long[][] ranges) {
        byte[] p = new byte[8 + 16 * ranges.length];
        Scsi.put16(p, 0, p.length - 2);
        Scsi.put16(p, 2, 16 * ranges.length);
        for (int i = 0; i < ranges.length; i++) {
            Scsi.put64(p, 8 + 16 * i, ranges[i][0]);
            Scsi.put32(p, 16 + 16 * i, ranges[i][1]);
        }
        return p;
    }

    static byte[] sync16() {
        byte[] c = new byte[16];
        c[0] = (byte) 0x91;
        return c;
    }

    static byte[] sync10() {
        byte[] c = new byte[10];
        c[0] = 0x35;
        return c;
    }
}
