package dev.obdj.fuzz;

import java.util.Arrays;

/**
 * Structured values read off the front of a fuzz input, in the manner of libFuzzer's
 * FuzzedDataProvider but over a plain {@code byte[]}: a target can be run twice on one input (the
 * allocation check does), and regression inputs are plain files. Past the end every value is its
 * minimum.
 */
final class FuzzInput {
    private final byte[] data;
    private int pos;

    FuzzInput(byte[] data) {
        this.data = data;
    }

    int remaining() { return data.length - pos; }

    int size() { return data.length; }

    /** A value in [min, max], from as few bytes as the range needs. */
    long consumeLong(long min, long max) {
        if (min >= max) return min;
        long range = max - min; // may overflow to negative for the full range: then use all 64 bits
        long v = 0;
        int bytes = range < 0 ? 8 : (64 - Long.numberOfLeadingZeros(range) + 7) / 8;
        for (int i = 0; i < bytes && pos < data.length; i++) {
            v = (v << 8) | (data[pos++] & 0xFF);
        }
        if (range < 0) {
            return min + v; // the full 64-bit range: wraps inside it
        }
        if (range == Long.MAX_VALUE) {
            return min + (v & Long.MAX_VALUE);
        }
        return min + Long.remainderUnsigned(v, range + 1);
    }

    int consumeInt(int min, int max) { return (int) consumeLong(min, max); }

    long consumeLong() { return consumeLong(Long.MIN_VALUE, Long.MAX_VALUE); }

    boolean consumeBoolean() { return (consumeLong(0, 255) & 1) != 0; }

    byte consumeByte() { return (byte) consumeLong(0, 255); }

    byte[] consumeBytes(int n) {
        int k = Math.min(n, remaining());
        byte[] b = Arrays.copyOfRange(data, pos, pos + k);
        pos += k;
        return b;
    }

    byte[] consumeRemaining() { return consumeBytes(remaining()); }
}
