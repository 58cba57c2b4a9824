package dev.obdj;

/** The call was wrong: a range outside the virtual disk, a closed image, a bad argument. */
public final class UsageException extends ObdjException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong with the call, with the values involved */
    public UsageException(String message) {
        super(message, null);
    }
}
