package dev.obdj;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Random sequences of write (aligned and not), discard, flush, reopen, commit, seal, merge and
 * re-stacking against a plain byte-array model: every read equals the model, and committing,
 * sealing and merging never change the flattened content.
 */
class WritableStateMachineTest {

    static final class Machine implements AutoCloseable {
        final Path dir;
        final Random r;
        final long vsize;
        final byte[] model;
        final List<Path> lowers = new ArrayList<>();
        Path data, index;
        Image img;
        int files;
        final StringBuilder log = new StringBuilder();

        Machine(Path dir, long seed) {
            this.dir = dir;
            this.r = new Random(seed);
            this.vsize = 512L * (256 + r.nextInt(4096));
            this.model = new byte[(int) vsize];
            newTop();
        }

        void newTop() {
            data = dir.resolve("rw" + files + ".data");
            index = dir.resolve("rw" + files + ".index");
            files++;
            Layers.create(data, index, CreateOptions.ofSize(vsize));
            img = Image.openWritable(lowers, data, index);
        }

        void step() throws IOException {
            int a = r.nextInt(100);
            if (a < 40) {
                boolean aligned = r.nextBoolean();
                int len = aligned ? 512 * (1 + r.nextInt(64)) : 1 + r.nextInt(40000);
                if (r.nextInt(10) == 0) len = (int) Math.min(vsize, 512L * (8192 + r.nextInt(2000)));
                len = (int) Math.min(len, vsize);
                long off = aligned ? 512L * r.nextInt((int) ((vsize - len) / 512) + 1) : (long) r.nextInt((int) (vsize - len) + 1);
                byte[] p = new byte[len];
                r.nextBytes(p);
                log.append("write ").append(off).append('+').append(len).append('\n');
                img.write(off, p, 0, len);
                System.arraycopy(p, 0, model, (int) off, len);
            } else if (a < 55) {
                int len = 1 + r.nextInt((int) Math.min(vsize, 200000));
                long off = r.nextInt((int) (vsize - len) + 1);
                log.append("discard ").append(off).append('+').append(len).append('\n');
                img.discard(off, len);
                Arrays.fill(model, (int) off, (int) off + len, (byte) 0);
            } else if (a < 75) {
                int len = r.nextInt((int) Math.min(vsize, 100000) + 1);
                long off = r.nextInt((int) (vsize - len) + 1);
                byte[] got = new byte[len];
                img.read(off, got, 0, len);
                assertArrayEquals(Arrays.copyOfRange(model, (int) off, (int) off + len), got,
                        "read " + off + "+" + len + " after\n" + log);
            } else if (a < 80) {
                log.append("flush\n");
                img.flush();
            } else if (a < 86) {
                log.append("reopen\n");
                img.close();
                img = Image.openWritable(lowers, data, index);
            } else if (a < 91) {
                Path out = dir.resolve("c" + files + ".lsmt");
                log.append("commit\n");
                img.commit(out, CommitOptions.DEFAULT);
                img.close();
                lowers.add(out);
                newTop();
                checkAll("commit");
            } else if (a < 95) {
                log.append("seal\n");
                img.close();
                Layers.seal(data, index);
                lowers.add(data);
                newTop();
                checkAll("seal");
            } else if (lowers.size() >= 2) {
                log.append("merge ").append(lowers.size()).append('\n');
                img.close();
                Path out = dir.resolve("m" + files++ + ".lsmt");
                Layers.merge(lowers, out, CommitOptions.DEFAULT);
                lowers.clear();
                lowers.add(out);
                img = Image.openWritable(lowers, data, index);
                checkAll("merge");
            }
        }

        void checkAll(String after) {
            byte[] all = new byte[(int) vsize];
            img.read(0, all, 0, all.length);
            assertArrayEquals(model, all, "whole disk after " + after + "\n" + log);
            img.flush();
            try (Image ro = Image.open(lowers, data, index)) { // the read-only view of the flushed files agrees too
                byte[] again = new byte[(int) vsize];
                ro.read(0, again, 0, again.length);
                assertArrayEquals(model, again, "read-only view after " + after);
            }
        }

        @Override
        public void close() {
            img.close();
        }
    }

    @Property(tries = 40)
    void randomOperationSequencesMatchTheModel(@ForAll long seed) throws IOException {
        Path dir = Files.createTempDirectory("obdj-sm");
        try (Machine m = new Machine(dir, seed)) {
            int steps = 30 + m.r.nextInt(120);
            for (int i = 0; i < steps; i++) {
                m.step();
            }
            m.checkAll("the last step");
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
