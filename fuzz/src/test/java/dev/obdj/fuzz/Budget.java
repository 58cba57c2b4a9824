package dev.obdj.fuzz;

import java.lang.management.ManagementFactory;

/**
 * The allocation invariant: one fuzz execution may allocate at most a small multiple of its input
 * plus a fixed allowance, so a hostile size field cannot make a reader allocate. Heap bytes are
 * counted per thread by the JVM ({@code ThreadMXBean.getCurrentThreadAllocatedBytes}); off-heap
 * tables are checked by the targets through their {@code ownedBytes()}, and a fuzzing run also
 * has a modest -Xmx and libFuzzer's RSS limit behind it.
 *
 * <p>The first run of a body in a JVM also pays for class loading and thread-local buffers, so a
 * body over budget is run once more and fails only if the second, warm run is over too.
 */
final class Budget {
    /** Heap bytes allowed per input byte. */
    static final long PER_BYTE = 64;
    /** Heap bytes allowed whatever the input (buffers of fixed size, exception messages). */
    static final long FIXED = 8L << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Budget() {}

    /** The most a run on {@code inputBytes} of input may allocate. */
    static long limit(long inputBytes) {
        return FIXED + PER_BYTE * inputBytes;
    }

    /** Runs {@code body}, failing when it allocated more heap than {@link #limit} allows. */
    static void run(long inputBytes, Runnable body) {
        long used = measure(body);
        if (used > limit(inputBytes)) {
            used = measure(body);
            if (used > limit(inputBytes)) {
                throw new AssertionError("allocated " + used + " bytes of heap for " + inputBytes
                        + " bytes of input (limit " + limit(inputBytes) + ")");
            }
        }
    }

    /** Fails when an off-heap structure built from the input is larger than the input allows. */
    static void checkOwned(String what, long ownedBytes, long inputBytes) {
        if (ownedBytes > 4096 + 4 * inputBytes) {
            throw new AssertionError(what + " holds " + ownedBytes + " bytes off-heap for " + inputBytes + " bytes of input");
        }
    }

    private static long measure(Runnable body) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        body.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }
}
