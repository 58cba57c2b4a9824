package dev.obdj.cli;

import dev.obdj.ProgressListener;

import java.io.PrintStream;

/**
 * Progress lines on stderr for long operations: at most one every two seconds, only for work
 * over {@link #THRESHOLD} bytes, and a last line when done.
 */
final class Progress implements ProgressListener {
    static final long THRESHOLD = 1L << 30;

    private final PrintStream to;
    private final String what;
    private long last = System.nanoTime();
    private boolean shown;

    Progress(PrintStream to, String what) {
        this.to = to;
        this.what = what;
    }

    @Override
    public void progress(long done, long total) {
        if (total < THRESHOLD) {
            return;
        }
        long now = System.nanoTime();
        if (now - last > 2_000_000_000L) {
            last = now;
            shown = true;
            to.printf("%s: %d / %d MiB (%d%%)%n", what, done >> 20, total >> 20, total == 0 ? 100 : done * 100 / total);
        }
    }

    void done(long bytes) {
        if (shown || bytes >= THRESHOLD) {
            to.printf("%s: %d MiB done%n", what, bytes >> 20);
        }
    }
}
