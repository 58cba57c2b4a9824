package dev.obdj;

/**
 * The fields of an LSMT header or trailer block as stored.
 *
 * @param flags       raw flag word
 * @param flagNames   the set flags by name, e.g. {@code "header,data,sealed"}
 * @param indexOffset byte offset of the index
 * @param indexSize   index entries as stored (committed blobs count their padding)
 * @param virtualSize virtual disk size in bytes
 * @param uuid        UUID text as stored
 * @param parentUuid  parent UUID text as stored
 * @param version     format version byte
 * @param subVersion  format sub-version byte
 * @param userTag     the commit message
 */
public record LayerHeader(int flags, String flagNames, long indexOffset, long indexSize, long virtualSize,
                          String uuid, String parentUuid, int version, int subVersion, String userTag) {
}
