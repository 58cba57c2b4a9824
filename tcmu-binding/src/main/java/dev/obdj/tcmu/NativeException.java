package dev.obdj.tcmu;

/**
 * A native call failed: names the call, what it was on and the {@code errno} it left. Subtypes
 * say what a caller may want to react to: {@link DeviceGone} (the uio device was deleted under
 * us) and {@link Busy} (another handler has the device open).
 */
public class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    NativeException(String call, String on, int errno) {
        super(call + (on == null ? "" : " on " + on) + " failed: " + Native.errnoName(errno) + " (errno " + errno + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The call, e.g. {@code "open"} or {@code "mmap(1052672)"}. */
    public String call() { return call; }

    /** The errno the call left. */
    public int errno() { return errno; }

    static NativeException of(String call, String on, int errno) {
        return switch (errno) {
            case Native.EIO, Native.ENODEV, Native.ENXIO -> new DeviceGone(call, on, errno);
            case Native.EBUSY -> new Busy(call, on, errno);
            default -> new NativeException(call, on, errno);
        };
    }

    /** EIO, ENODEV or ENXIO: the device went away (e.g. its backstore was removed in configfs). */
    public static final class DeviceGone extends NativeException {
        private static final long serialVersionUID = 1L;

        DeviceGone(String call, String on, int errno) { super(call, on, errno); }
    }

    /** EBUSY: TCMU lets one process open a device at a time; another handler still has it. */
    public static final class Busy extends NativeException {
        private static final long serialVersionUID = 1L;

        Busy(String call, String on, int errno) { super(call, on, errno); }
    }
}
