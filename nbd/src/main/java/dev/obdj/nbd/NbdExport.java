package dev.obdj.nbd;

import dev.obdj.Image;

import java.util.Objects;

/**
 * One image served under a name. An export is read-only when its image has no writable layer (or
 * when {@code readOnly} is asked); then writes, trims and write-zeroes get {@code EPERM}.
 *
 * <p>All connections to an export share its one {@link Image}: there is no per-connection cache,
 * and {@link Image#flush()} makes every completed write durable whichever connection sent it.
 * That is what {@code NBD_FLAG_CAN_MULTI_CONN} requires, so it is advertised on every export.
 * The export owns the image: {@link #close()} flushes (when writable) and closes it.
 *
 * @param name        the export name clients ask for ("" is the default export)
 * @param description a human-readable description (sent as {@code NBD_INFO_DESCRIPTION}), or null
 * @param image       the image served
 * @param readOnly    serve read-only even if the image is writable
 */
public record NbdExport(String name, String description, Image image, boolean readOnly) implements AutoCloseable {

    public NbdExport {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        if (name.length() > 4096 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("export name must be at most 4096 characters without NUL");
        }
        readOnly = readOnly || !image.isWritable();
    }

    /** An export that is read-only exactly when the image is. */
    public NbdExport(String name, Image image) {
        this(name, null, image, false);
    }

    /** Size of the export in bytes. */
    public long size() {
        return image.size();
    }

    /** The transmission flags sent for this export. */
    public int transmissionFlags() {
        int f = NbdProtocol.FLAG_HAS_FLAGS | NbdProtocol.FLAG_SEND_FLUSH | NbdProtocol.FLAG_CAN_MULTI_CONN;
        if (readOnly) {
            f |= NbdProtocol.FLAG_READ_ONLY;
        } else {
            f |= NbdProtocol.FLAG_SEND_FUA | NbdProtocol.FLAG_SEND_TRIM | NbdProtocol.FLAG_SEND_WRITE_ZEROES;
        }
        return f;
    }

    /** Flushes a writable image and closes it. */
    @Override
    public void close() {
        try {
            if (image.isWritable()) {
                image.flush();
            }
        } finally {
            image.close();
        }
    }
}
