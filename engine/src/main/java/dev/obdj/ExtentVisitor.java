package dev.obdj;

/**
 * Receives, in ascending order, the extents that make up a range of a virtual disk: where data
 * is stored, where a layer says "zeros" (a discard), and where no layer has anything (a hole).
 * Offsets and lengths are in bytes.
 */
@FunctionalInterface
public interface ExtentVisitor {

    /** What backs an extent. {@link #ZEROED} and {@link #HOLE} both read as zeros. */
    enum Kind {
        /** Stored bytes in some layer. */
        DATA,
        /** A zeroed (discarded) mapping: reads as zeros and hides lower layers. */
        ZEROED,
        /** No mapping in any layer: reads as zeros. */
        HOLE
    }

    /** Called once per extent; adjacent extents of the same kind may be reported separately. */
    void extent(long offset, long length, Kind kind);
}
