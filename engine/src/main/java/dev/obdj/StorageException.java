package dev.obdj;

import java.io.IOException;

/** The underlying storage failed (open, map, read, write, sync); names the file and operation. */
public final class StorageException extends ObdjException {
    private static final long serialVersionUID = 1L;

    private final String file;

    /**
     * @param file      the file the operation was on
     * @param operation what was attempted, e.g. {@code "open"} or {@code "read 4096 bytes at 8192"}
     * @param cause     the I/O error
     */
    public StorageException(String file, String operation, IOException cause) {
        super(file + ": " + operation + " failed: " + cause, cause);
        this.file = file;
    }

    /** The file the failed operation was on. */
    public String file() { return file; }
}
