package dev.obdj;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kills a writer process with SIGKILL at random moments, reopens the layer and checks: it opens
 * (a torn tail is dropped, never an error), every write acknowledged by a completed flush() reads
 * back exactly, and every other byte holds either that or what a later, unacknowledged operation
 * wrote: never garbage. Trials: {@code -Dobdj.crash.trials} (default 6; the full run uses 100).
 */
class CrashSafetyTest {
    @TempDir
    Path dir;

    @Test
    void killedWritersNeverLoseAcknowledgedWrites() throws Exception {
        int trials = Integer.getInteger("obdj.crash.trials", 6);
        Random r = new Random(Long.getLong("obdj.crash.seed", System.nanoTime()));
        String java = ProcessHandle.current().info().command().orElse("java");
        int exact = 0;
        for (int t = 0; t < trials; t++) {
            long seed = r.nextLong();
            Path data = dir.resolve("t" + t + ".data"), index = dir.resolve("t" + t + ".index");
            Path ack = dir.resolve("t" + t + ".ack");
            Layers.create(data, index, CreateOptions.ofSize(CrashWriter.VSIZE));
            Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(),
                    data.toString(), index.toString(), Long.toString(seed), ack.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()));
            String first = out.readLine();
            assertEquals("READY", first, "writer started");
            Thread.sleep(20 + r.nextInt(400));
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            int acked = -1;
            for (String line : Files.readAllLines(ack)) {
                if (!line.isBlank()) acked = Integer.parseInt(line.strip());
            }
            if (check(data, index, seed, acked)) exact++;
        }
        System.out.println("crash trials: " + trials + ", state equal to the acknowledged prefix: " + exact);
    }

    /** Returns true when the disk equals exactly the acknowledged prefix. */
    private boolean check(Path data, Path index, long seed, int acked) throws Exception {
        int n = (int) CrashWriter.VSIZE;
        List<byte[]> prefixes = new ArrayList<>(); // model after ops 0..acked, then after each later op
        byte[] model = new byte[n];
        int k = 0;
        for (; k <= acked; k++) apply(model, seed, k);
        prefixes.add(model.clone());
        for (int later = 0; later < 64; later++, k++) { // at most a flush interval's worth (bounded)
            CrashWriter.Op o = CrashWriter.op(seed, k);
            apply(model, seed, k);
            prefixes.add(model.clone());
            if (o.flushAfter()) break;
        }
        byte[] got = new byte[n];
        try (Image img = Image.openWritable(List.of(), data, index)) { // must open, torn tail or not
            img.read(0, got, 0, n);
        }
        try (Image ro = Image.open(List.of(), data, index)) {
            byte[] again = new byte[n];
            ro.read(0, again, 0, n);
            assertTrue(Arrays.equals(got, again), "read-only and writable views agree");
        }
        for (int i = 0; i < n; i++) {
            boolean ok = false;
            for (byte[] pm : prefixes) {
                if (pm[i] == got[i]) {
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                fail("byte " + i + " is " + got[i] + ": neither the acknowledged content (" + prefixes.get(0)[i]
                        + ") nor any later operation's (acked up to op " + acked + ")");
            }
        }
        return Arrays.equals(got, prefixes.get(0));
    }

    private static void apply(byte[] model, long seed, int k) {
        CrashWriter.Op o = CrashWriter.op(seed, k);
        if (o.discard()) {
            Arrays.fill(model, (int) o.offset(), (int) o.offset() + o.length(), (byte) 0);
        } else {
            System.arraycopy(CrashWriter.payload(seed, k, o.length()), 0, model, (int) o.offset(), o.length());
        }
    }

    @Test
    void tornTailEntryIsDroppedOnReopenForWriting() throws Exception {
        Path data = dir.resolve("x.data"), index = dir.resolve("x.index");
        Layers.create(data, index, CreateOptions.ofSize(1 << 20));
        byte[] p = new byte[4096];
        new Random(1).nextBytes(p);
        try (Image img = Image.openWritable(List.of(), data, index)) {
            img.write(8192, p, 0, p.length);
        }
        byte[] all = Files.readAllBytes(index);
        Files.write(index, Arrays.copyOf(all, all.length + 11)); // a torn entry
        try (Image img = Image.openWritable(List.of(), data, index)) {
            byte[] got = new byte[4096];
            img.read(8192, got, 0, got.length);
            assertTrue(Arrays.equals(p, got));
            img.write(0, p, 0, 512);
        }
        assertEquals(0, (Files.size(index) - 4096) % 16, "index holds whole entries again");
    }

    @Test
    void secondWriterIsRefused() throws Exception {
        Path data = dir.resolve("y.data"), index = dir.resolve("y.index");
        Layers.create(data, index, CreateOptions.ofSize(1 << 20));
        try (Image img = Image.openWritable(List.of(), data, index)) {
            UsageException e = org.junit.jupiter.api.Assertions.assertThrows(UsageException.class,
                    () -> Image.openWritable(List.of(), data, index));
            assertTrue(e.getMessage().contains("already open for writing"), e.getMessage());
        }
    }
}
