package dev.obdj;

/**
 * How {@link Layers#create} makes a new writable layer.
 *
 * @param virtualSize disk size in bytes, a positive multiple of 512
 * @param uuid        the layer's UUID (any case; stored upper-case), or null for a random one
 * @param parentUuid  the parent layer's UUID, or null for none (stored as all zeros)
 * @param sparse      the sparse variant: data written in place into a sparse data file at
 *                    {@code 4096 + offset}, no index entries (mappings are rebuilt from the file's
 *                    holes on open); discards punch holes
 */
public record CreateOptions(long virtualSize, String uuid, String parentUuid, boolean sparse) {

    /** Options for a normal (log-structured) layer. */
    public CreateOptions(long virtualSize, String uuid, String parentUuid) {
        this(virtualSize, uuid, parentUuid, false);
    }

    /** A layer of {@code virtualSize} bytes with a random UUID and no parent. */
    public static CreateOptions ofSize(long virtualSize) {
        return new CreateOptions(virtualSize, null, null, false);
    }

    /** The same options with this UUID. */
    public CreateOptions withUuid(String u) {
        return new CreateOptions(virtualSize, u, parentUuid, sparse);
    }

    /** The same options with this parent UUID. */
    public CreateOptions withParent(String p) {
        return new CreateOptions(virtualSize, uuid, p, sparse);
    }

    /** The same options for the sparse variant. */
    public CreateOptions asSparse() {
        return new CreateOptions(virtualSize, uuid, parentUuid, true);
    }
}
