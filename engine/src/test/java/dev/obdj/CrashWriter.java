package dev.obdj;

import dev.obdj.sample.Payload;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The child process of {@link CrashSafetyTest}: replays a deterministic operation stream on a
 * writable layer, flushing every few operations and printing {@code ACK k} once operations
 * {@code 0..k} are durable, until it is killed. The acknowledgements go to a file with one
 * unbuffered write each, so none is lost with the process (a pipe loses what is unread).
 */
public final class CrashWriter {
    static final long VSIZE = 4L << 20;

    /** Operation k of the stream for {@code seed}: offset, length, discard flag; payload from {@link #payload}. */
    record Op(long offset, int length, boolean discard, boolean flushAfter) {}

    static Op op(long seed, int k) {
        Random r = new Random(seed * 1_000_003L + k);
        boolean aligned = r.nextInt(3) != 0;
        int len = aligned ? 512 * (1 + r.nextInt(128)) : 1 + r.nextInt(70000);
        long off = aligned ? 512L * r.nextInt((int) ((VSIZE - len) / 512) + 1) : r.nextInt((int) (VSIZE - len) + 1);
        return new Op(off, len, r.nextInt(6) == 0, r.nextInt(4) == 0);
    }

    static byte[] payload(long seed, int k, int len) {
        return Payload.bytes(Payload.Kind.RAND, seed * 1_000_003L + k, len);
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]), index = Path.of(args[1]);
        long seed = Long.parseLong(args[2]);
        try (Image img = Image.openWritable(List.of(), data, index);
             java.io.FileOutputStream ack = new java.io.FileOutputStream(args[3])) {
            System.out.println("READY");
            System.out.flush();
            for (int k = 0; k < 1_000_000; k++) {
                Op o = op(seed, k);
                if (o.discard()) {
                    img.discard(o.offset(), o.length());
                } else {
                    img.write(o.offset(), payload(seed, k, o.length()), 0, o.length());
                }
                if (o.flushAfter()) {
                    img.flush();
                    ack.write((k + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
            }
        }
    }
}
