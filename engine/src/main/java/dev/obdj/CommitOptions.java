package dev.obdj;

/**
 * Identity written into a committed or merged blob.
 *
 * @param uuid       the new blob's UUID; null or invalid text writes the all-zero UUID (as the reference)
 * @param parentUuid overrides the parent UUID taken from the source when it is a valid UUID
 * @param userTag    the commit message, at most 256 bytes of UTF-8, or null
 */
public record CommitOptions(String uuid, String parentUuid, String userTag) {
    /** No uuid, parent from the source, no message. */
    public static final CommitOptions DEFAULT = new CommitOptions(null, null, null);
}
