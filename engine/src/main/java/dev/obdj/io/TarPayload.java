package dev.obdj.io;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The reference's tar check on a layer (FORMAT-NOTES §6.1 step 2): a layer stored inside a tar
 * wrapper (ustar magic, version "00", a correct header checksum) is read from its payload, at byte
 * 512, or 1536 after a PAX header, with the size from the PAX {@code size=} record or the ustar header.
 */
public final class TarPayload {
    private TarPayload() {}

    /** {@code src} itself, or a {@link SliceSource} of its tar payload (owning {@code src}). */
    public static ByteSource unwrap(ByteSource src) {
        if (src.size() < 1024) return src;
        byte[] h = read(src, 0, 512);
        if (!isHeader(h)) return src;
        long start = 512;
        long size = octal(h, 124, 12);
        if (h[156] == 'x') { // PAX header, then its record block, then the real ustar header
            if (src.size() < 1536 + 0) return src;
            long paxLen = octal(h, 124, 12);
            byte[] rec = read(src, 512, (int) Math.min(512, Math.max(0, paxLen)));
            long paxSize = paxSize(new String(rec, StandardCharsets.UTF_8));
            byte[] h2 = read(src, 1024, 512);
            if (!isHeader(h2)) return src;
            start = 1536;
            size = paxSize >= 0 ? paxSize : octal(h2, 124, 12);
        }
        if (size < 0 || size > src.size() - start) return src;
        return new SliceSource(src, start, size);
    }

    private static byte[] read(ByteSource s, long pos, int n) {
        byte[] b = new byte[n];
        s.read(pos, MemorySegment.ofArray(b), 0, n);
        return b;
    }

    static boolean isHeader(byte[] h) {
        if (!(h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r')) return false;
        if (!(h[263] == '0' && h[264] == '0')) return false;
        long stored = octal(h, 148, 8);
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xFF);
        }
        return stored == sum;
    }

    private static long octal(byte[] b, int off, int len) {
        long v = 0;
        boolean any = false;
        for (int i = off; i < off + len; i++) {
            int c = b[i];
            if (c == 0 || c == ' ') {
                if (any) break;
                continue;
            }
            if (c < '0' || c > '7') return -1;
            v = v * 8 + (c - '0');
            any = true;
        }
        return any ? v : 0;
    }

    private static long paxSize(String records) {
        for (String line : records.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0 && line.startsWith("size=", sp + 1)) {
                try {
                    return Long.parseLong(line.substring(sp + 6).trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
