package dev.obdj.registry;

import java.io.IOException;

/**
 * A range of a remote blob could not be fetched within the retry budget. It is the cause of the
 * {@link dev.obdj.StorageException} a read reports, and names the blob, the byte range, the attempts
 * made and the last failure (an HTTP status, a reset, a timeout, a short body, or a failed TLS
 * handshake: {@link #tls()}).
 */
public final class FetchFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String blob;
    private final long offset;
    private final long length;
    private final int attempts;
    private final int lastStatus;

    public FetchFailedException(String blob, long offset, long length, int attempts, int lastStatus, String last, Throwable cause) {
        super(blob + ": bytes [" + offset + ", " + (offset + length) + ") not fetched after " + attempts + " attempt"
                + (attempts == 1 ? "" : "s") + ": " + last, cause);
        this.blob = blob;
        this.offset = offset;
        this.length = length;
        this.attempts = attempts;
        this.lastStatus = lastStatus;
    }

    /** The blob (digest or URL). */
    public String blob() { return blob; }

    /** First byte of the range. */
    public long offset() { return offset; }

    /** Length of the range. */
    public long length() { return length; }

    /** Attempts made. */
    public int attempts() { return attempts; }

    /** HTTP status of the last response, or 0 when the last attempt got none (reset, timeout, TLS). */
    public int lastStatus() { return lastStatus; }

    /**
     * True when the TLS handshake failed on the server's certificate (not trusted, or not naming the
     * host). Such a failure is not retried.
     */
    public boolean tls() { return isTls(getCause()); }

    static boolean isTls(Throwable t) {
        for (int i = 0; t != null && i < 10; i++, t = t.getCause()) {
            // a certificate that does not validate; a handshake merely cut short (transient) has no such cause
            if (t instanceof java.security.GeneralSecurityException) return true;
        }
        return false;
    }
}
