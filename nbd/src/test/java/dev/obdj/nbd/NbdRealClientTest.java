package dev.obdj.nbd;

import dev.obdj.CommitOptions;
import dev.obdj.CreateOptions;
import dev.obdj.ExtentVisitor;
import dev.obdj.Image;
import dev.obdj.Layers;
import dev.obdj.testing.Corpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static dev.obdj.nbd.RealClients.ok;
import static dev.obdj.nbd.RealClients.uri;
import static org.junit.jupiter.api.Assertions.*;

/** The export seen through qemu-img, qemu-io, nbdinfo and nbdcopy. Skipped when they are not installed. */
@Timeout(120)
class NbdRealClientTest {
    static final Path C3 = Corpus.dir().resolve("s03_stack3_and_merged");
    static final List<Path> STACK = List.of(C3.resolve("layer0.lsmt"), C3.resolve("layer1.lsmt"), C3.resolve("layer2.lsmt"));
    static final Path HOLES = Corpus.dir().resolve("s02_discards_and_holes/layer0.lsmt");

    @TempDir
    Path tmp;

    static String expectedSha(Path caseDir, String view) throws IOException {
        for (String line : Files.readAllLines(caseDir.resolve("expected.sha256"))) {
            if (!line.startsWith("#") && line.contains(" " + view + ": ")) {
                return line.split(" ")[0];
            }
        }
        throw new AssertionError("no view " + view);
    }

    static String sha(Path f) throws IOException {
        try (var in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[1 << 16];
            for (int n; (n = in.read(b)) > 0; ) md.update(b, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] flatten(Image img) {
        byte[] b = new byte[Math.toIntExact(img.size())];
        img.read(0, b, 0, b.length);
        return b;
    }

    @Test
    void qemuImgConvertEqualsFlatten() throws Exception {
        RealClients.assumeInstalled("qemu-img");
        Path sock = tmp.resolve("s.sock");
        try (NbdServer server = new NbdServer(List.of(new NbdExport("", Image.open(STACK)),
                new NbdExport("merged", Image.open(List.of(C3.resolve("merged.lsmt")))),
                new NbdExport("holes", Image.open(List.of(HOLES)))), NbdServer.Options.DEFAULTS)) {
            server.listenUnix(sock);
            ok(60, "qemu-img", "convert", "-f", "raw", "-O", "raw", uri("", sock), tmp.resolve("stack.raw").toString());
            ok(60, "qemu-img", "convert", "-f", "raw", "-O", "raw", uri("merged", sock), tmp.resolve("merged.raw").toString());
            ok(60, "qemu-img", "convert", "-f", "raw", "-O", "raw", uri("holes", sock), tmp.resolve("holes.raw").toString());
        }
        assertEquals(expectedSha(C3, "stack"), sha(tmp.resolve("stack.raw")));
        assertEquals(expectedSha(C3, "merged"), sha(tmp.resolve("merged.raw")));
        assertEquals(expectedSha(HOLES.getParent(), "layer0"), sha(tmp.resolve("holes.raw")));
        try (Image img = Image.open(STACK)) {
            assertArrayEquals(flatten(img), Files.readAllBytes(tmp.resolve("stack.raw")), "same bytes as obd flatten");
        }
    }

    @Test
    void nbdinfoMapShowsTheMergedIndex() throws Exception {
        RealClients.assumeInstalled("nbdinfo");
        Path sock = tmp.resolve("s.sock");
        try (NbdServer server = new NbdServer(List.of(new NbdExport("", Image.open(STACK)),
                new NbdExport("holes", Image.open(List.of(HOLES)))), NbdServer.Options.DEFAULTS)) {
            server.listenUnix(sock);
            for (String export : List.of("", "holes")) {
                String out = ok(60, "nbdinfo", "--map", uri(export, sock)).output();
                List<String> got = new ArrayList<>();
                for (String line : out.strip().split("\n")) {
                    String[] f = line.strip().split("\\s+");
                    got.add(f[0] + " " + f[1] + " " + f[2]);
                }
                List<long[]> want = new ArrayList<>();
                server.exports().get(export).image().forEachExtent(0, server.exports().get(export).size(), (o, l, k) -> {
                    long st = k == ExtentVisitor.Kind.DATA ? 0 : 3;
                    if (!want.isEmpty() && want.getLast()[2] == st) want.getLast()[1] += l;
                    else want.add(new long[] {o, l, st});
                });
                assertEquals(want.stream().map(w -> w[0] + " " + w[1] + " " + w[2]).toList(), got, "export '" + export + "'");
                assertTrue(want.size() > 2, "the map has holes and data");
            }
        }
    }

    @Test
    void qemuIoWritesDiscardsAndReadsBackThenCommitShowsTheSameBytes() throws Exception {
        RealClients.assumeInstalled("qemu-io");
        Path data = tmp.resolve("rw.data"), index = tmp.resolve("rw.index"), sock = tmp.resolve("rw.sock");
        Layers.create(data, index, CreateOptions.ofSize(16 << 20));
        byte[] model;
        try (Image img = Image.open(STACK)) {
            model = flatten(img);
        }
        try (NbdServer server = new NbdServer(List.of(new NbdExport("", Image.openWritable(STACK, data, index))),
                NbdServer.Options.DEFAULTS)) {
            server.listenUnix(sock);
            String out = ok(60, "qemu-io", "-f", "raw",
                    "-c", "write -P 0xab 1000 70000",
                    "-c", "discard 0 4096",
                    "-c", "write -z 1M 64k",          // WRITE_ZEROES with NO_HOLE
                    "-c", "write -z -u 2M 128k",      // WRITE_ZEROES that may punch
                    "-c", "write -P 0x5c 8M 1M",
                    "-c", "discard 8388608 4096",
                    "-c", "aio_write -P 0x11 12M 64k",
                    "-c", "aio_write -P 0x22 13M 64k",
                    "-c", "aio_flush",
                    "-c", "read -P 0xab 4096 66904",
                    "-c", "read -P 0 0 4096",
                    "-c", "read -P 0 1M 64k",
                    "-c", "read -P 0 2M 128k",
                    "-c", "read -P 0x5c 8392704 1044480",
                    "-c", "read -P 0x22 13M 64k",
                    "-c", "flush",
                    uri("", sock)).output();
            assertFalse(out.contains("Pattern verification failed"), out);
        }
        Arrays.fill(model, 1000, 71000, (byte) 0xab);
        Arrays.fill(model, 0, 4096, (byte) 0);
        Arrays.fill(model, 1 << 20, (1 << 20) + (64 << 10), (byte) 0);
        Arrays.fill(model, 2 << 20, (2 << 20) + (128 << 10), (byte) 0);
        Arrays.fill(model, 8 << 20, 9 << 20, (byte) 0x5c);
        Arrays.fill(model, 8 << 20, (8 << 20) + 4096, (byte) 0);
        Arrays.fill(model, 12 << 20, (12 << 20) + (64 << 10), (byte) 0x11);
        Arrays.fill(model, 13 << 20, (13 << 20) + (64 << 10), (byte) 0x22);
        // After shutdown: commit the RW layer and flatten the stack with it on top.
        Path top = tmp.resolve("top.lsmt");
        Layers.commit(data, index, top, new CommitOptions(null, null, null));
        List<Path> all = new ArrayList<>(STACK);
        all.add(top);
        try (Image img = Image.open(all)) {
            assertArrayEquals(model, flatten(img));
        }
    }

    /** A 64 MiB image of random bytes with a few holes (an RW layer served read-only). */
    static void bigImage(Path data, Path index) {
        Layers.create(data, index, CreateOptions.ofSize(64 << 20));
        try (Image img = Image.openWritable(List.of(), data, index); Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1 << 20);
            Random rnd = new Random(11);
            byte[] chunk = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                if (i % 7 == 3) continue; // leave a hole
                rnd.nextBytes(chunk);
                MemorySegment.copy(MemorySegment.ofArray(chunk), 0, buf, 0, chunk.length);
                img.write((long) i << 20, buf);
            }
            img.flush();
        }
    }

    @Test
    void nbdcopyWithSeveralConnectionsAndAClientKilledMidTransfer() throws Exception {
        RealClients.assumeInstalled("nbdcopy", "qemu-img");
        Path data = tmp.resolve("big.data"), index = tmp.resolve("big.index"), sock = tmp.resolve("big.sock");
        bigImage(data, index);
        byte[] want;
        try (Image img = Image.open(List.of(), data, index)) {
            want = flatten(img);
        }
        try (NbdServer server = new NbdServer(List.of(new NbdExport("big", Image.open(List.of(), data, index))),
                NbdServer.Options.DEFAULTS)) {
            server.listenUnix(sock);
            Path out = tmp.resolve("copy.raw");
            ok(60, "nbdcopy", "--connections=4", "--requests=16", uri("big", sock), out.toString());
            assertArrayEquals(want, Files.readAllBytes(out));

            // Kill clients mid-transfer while another copies: the others are unaffected.
            for (int round = 0; round < 3; round++) {
                Process victim = new ProcessBuilder("nbdcopy", "--connections=4", "--request-size=4194304",
                        uri("big", sock), "null:").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                Thread.sleep(20 + 30L * round);
                victim.destroyForcibly().waitFor();
            }
            Path out2 = tmp.resolve("copy2.raw");
            Files.deleteIfExists(out2);
            ok(60, "qemu-img", "convert", "-f", "raw", "-O", "raw", uri("big", sock), out2.toString());
            assertArrayEquals(want, Files.readAllBytes(out2));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (server.connectionCount() > 0 && System.nanoTime() < deadline) Thread.sleep(20);
            assertEquals(0, server.connectionCount(), "connections of killed clients are closed");
        }
    }
}
