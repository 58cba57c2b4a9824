package dev.obdj;

/**
 * Root of every error obdj reports. Callers can catch this one type; the three subclasses say
 * whether the input was malformed ({@link FormatException}), the storage failed
 * ({@link StorageException}) or the call itself was wrong ({@link UsageException}).
 */
public abstract sealed class ObdjException extends RuntimeException
        permits FormatException, StorageException, UsageException {
    private static final long serialVersionUID = 1L;

    ObdjException(String message, Throwable cause) {
        super(message, cause);
    }
}
