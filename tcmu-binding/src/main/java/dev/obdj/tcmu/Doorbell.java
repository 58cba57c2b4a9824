package dev.obdj.tcmu;

/**
 * The two notifications between a handler and the kernel: the kernel's "new commands" event
 * (a uio interrupt count; {@code read} on {@code /dev/uioN}) and the handler's "completions are
 * in the ring" kick (a 4-byte {@code write} to it, on which the kernel reaps synchronously).
 */
public interface Doorbell {
    /**
     * Waits until the kernel signalled since the last call, or {@code timeoutMillis} passed.
     *
     * @return true when a signal arrived
     * @throws NativeException.DeviceGone when the device was removed
     */
    boolean await(int timeoutMillis);

    /** Tells the kernel to reap completions up to {@code cmd_tail}. One thread at a time. */
    void kick();
}
