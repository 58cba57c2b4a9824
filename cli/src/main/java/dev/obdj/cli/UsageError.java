package dev.obdj.cli;

/** Bad command-line arguments: {@link Main} prints the message and the usage and exits with 2. */
final class UsageError extends Exception {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
        super(message);
    }
}
