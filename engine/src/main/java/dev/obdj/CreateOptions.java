package dev.obdj;

/**
 * How {@link Layers#create} makes a new writable layer.
 *
 * @param virtualSize disk size in bytes, a positive multiple of 512
 * @param uuid        the layer's UUID (any case; stored upper-case), or null for a random one
 * @param parentUuid  the parent layer's UUID, or null for none (stored as all zeros)
 */
public record CreateOptions(long virtualSize, String uuid, String parentUuid) {

    /** A layer of {@code virtualSize} bytes with a random UUID and no parent. */
    public static CreateOptions ofSize(long virtualSize) {
        return new CreateOptions(virtualSize, null, null);
    }

    /** The same options with this UUID. */
    public CreateOptions withUuid(String u) {
        return new CreateOptions(virtualSize, u, parentUuid);
    }

    /** The same options with this parent UUID. */
    public CreateOptions withParent(String p) {
        return new CreateOptions(virtualSize, uuid, p);
    }
}
