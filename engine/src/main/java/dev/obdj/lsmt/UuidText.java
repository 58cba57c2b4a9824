package dev.obdj.lsmt;

import java.security.SecureRandom;
import java.util.Locale;

/**
 * UUID text as the reference stores it: 36 characters (8-4-4-4-12), upper-case hex, NUL-terminated
 * in a 37-byte field, all zeros for "none". Parsing accepts either case.
 */
public final class UuidText {
    private static final SecureRandom RANDOM = new SecureRandom();

    private UuidText() {}

    /** True when {@code s} is 36 characters with hyphens at 8, 13, 18, 23 and hex elsewhere. */
    public static boolean isValid(String s) {
        if (s == null || s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') return false;
            } else if (Character.digit(c, 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The stored form of {@code s} (upper case), or {@code null} when it is not a valid UUID. */
    public static String normalize(String s) {
        return isValid(s) ? s.toUpperCase(Locale.ROOT) : null;
    }

    /** {@link #normalize} or the null UUID. */
    public static String orNull(String s) {
        String n = normalize(s);
        return n != null ? n : LsmtHeader.NULL_UUID;
    }

    /** A random version-4 UUID in stored form. */
    public static String random() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        b[6] = (byte) ((b[6] & 0x0F) | 0x40);
        b[8] = (byte) ((b[8] & 0x3F) | 0x80);
        StringBuilder sb = new StringBuilder(36);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) sb.append('-');
            sb.append(String.format("%02X", b[i]));
        }
        return sb.toString();
    }
}
