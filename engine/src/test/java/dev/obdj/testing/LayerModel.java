package dev.obdj.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The plain model of one layer: for each 512-byte sector, nothing, "zeroed", or the bytes last
 * written there. Operations are kept in order too, to write them as an RW log.
 */
public final class LayerModel {
    public static final int NONE = 0, ZEROED = 1, DATA = 2;

    /** One operation: a write of {@code payload} or a discard of {@code count} sectors. */
    public record Op(boolean discard, int sector, int count, byte[] payload) {}

    public final int sectors;
    public final byte[] state;
    public final byte[] bytes;
    public final List<Op> ops = new ArrayList<>();

    public LayerModel(int sectors) {
        this.sectors = sectors;
        this.state = new byte[sectors];
        this.bytes = new byte[sectors * 512];
    }

    public void write(int sector, byte[] payload) {
        int n = payload.length / 512;
        Arrays.fill(state, sector, sector + n, (byte) DATA);
        System.arraycopy(payload, 0, bytes, sector * 512, payload.length);
        ops.add(new Op(false, sector, n, payload));
    }

    public void discard(int sector, int n) {
        Arrays.fill(state, sector, sector + n, (byte) ZEROED);
        Arrays.fill(bytes, sector * 512, (sector + n) * 512, (byte) 0);
        ops.add(new Op(true, sector, n, null));
    }

    /** Lays this layer over {@code disk}: data and zeroed sectors replace, untouched ones fall through. */
    public void applyTo(byte[] disk) {
        for (int s = 0; s < sectors; s++) {
            if (state[s] != NONE) {
                System.arraycopy(bytes, s * 512, disk, s * 512, 512);
            }
        }
    }

    /** As {@link #applyTo(byte[])}, also recording each replaced sector's kind in {@code kinds}. */
    public void applyTo(byte[] disk, byte[] kinds) {
        for (int s = 0; s < sectors; s++) {
            if (state[s] != NONE) {
                System.arraycopy(bytes, s * 512, disk, s * 512, 512);
                kinds[s] = state[s];
            }
        }
    }

    /** A layer with {@code ops} random writes (random bytes) and discards. */
    public static LayerModel random(Random r, int sectors, int ops) {
        LayerModel m = new LayerModel(sectors);
        for (int k = 0; k < ops; k++) {
            int max = r.nextInt(4) == 0 ? Math.min(sectors, 20000) : Math.min(sectors, 64);
            int n = 1 + r.nextInt(max);
            int at = r.nextInt(sectors - n + 1);
            if (r.nextInt(4) == 0) {
                m.discard(at, n);
            } else {
                byte[] p = new byte[n * 512];
                r.nextBytes(p);
                m.write(at, p);
            }
        }
        return m;
    }
}
