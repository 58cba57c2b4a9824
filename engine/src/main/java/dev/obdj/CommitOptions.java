package dev.obdj;

/**
 * Identity and storage of a committed or merged blob.
 *
 * @param uuid       the new blob's UUID; null or invalid text writes the all-zero UUID (as the reference)
 * @param parentUuid overrides the parent UUID taken from the source when it is a valid UUID
 * @param userTag    the commit message, at most 256 bytes of UTF-8, or null
 * @param zfile      when not null, the blob is streamed straight into a ZFile with these options
 *                   (as {@code overlaybd-commit -z}); null writes a plain blob
 */
public record CommitOptions(String uuid, String parentUuid, String userTag, ZFileOptions zfile) {
    /** No uuid, parent from the source, no message, a plain blob. */
    public static final CommitOptions DEFAULT = new CommitOptions(null, null, null, null);

    /** A plain (uncompressed) blob. */
    public CommitOptions(String uuid, String parentUuid, String userTag) {
        this(uuid, parentUuid, userTag, null);
    }

    /** The same identity, written as a ZFile. */
    public CommitOptions withZFile(ZFileOptions z) {
        return new CommitOptions(uuid, parentUuid, userTag, z);
    }
}
