package dev.obdj;

import java.nio.file.Path;

/**
 * What {@link Image#inspect} reports about one layer file.
 *
 * @param path           the file
 * @param kind           what the file is
 * @param fileSize       bytes of the (decompressed) file
 * @param header         the header at offset 0
 * @param trailer        the trailer (sealed layers), else null
 * @param storedEntries  index entries as stored (trailer index_size, or log entries of an RW index)
 * @param entries        live mappings after load (padding dropped; for an RW pair, after replay)
 * @param zeroedEntries  how many of those are zeroed (discards)
 * @param allocatedBytes bytes of the virtual disk backed by data in this layer
 * @param zeroedBytes    bytes of the virtual disk this layer marks as zeroed
 */
public record LayerInfo(Path path, Kind kind, long fileSize, LayerHeader header, LayerHeader trailer,
                        long storedEntries, long entries, long zeroedEntries, long allocatedBytes, long zeroedBytes) {

    /** The kinds of file {@link Image#inspect} recognises. */
    public enum Kind {
        /** A committed blob: header and trailer sealed, index compacted. */
        COMMITTED,
        /** An RW data file sealed in place ({@code close_seal}): unsealed header, sealed trailer. */
        SEALED_IN_PLACE,
        /** An RW data file without trailer. */
        RW_DATA,
        /** An RW index file (a log of mappings). */
        RW_INDEX
    }
}
