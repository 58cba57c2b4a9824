package dev.obdj;

/**
 * Told how far a long operation (commit, merge, compression) has got. Called from the working
 * thread, at most every few megabytes; keep it cheap.
 */
@FunctionalInterface
public interface ProgressListener {
    /** Ignores progress. */
    ProgressListener NONE = (done, total) -> { };

    /**
     * @param done  bytes processed so far
     * @param total bytes to process in all (an estimate when not known exactly)
     */
    void progress(long done, long total);
}
