package dev.obdj.io;

import dev.obdj.zfile.ZFileMagic;
import dev.obdj.zfile.ZFileReader;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Opens the right {@link ByteSource} for a layer file: the file itself, memory-mapped, or the
 * decompressed view of a ZFile when the file starts with the ZFile magic.
 */
public final class ByteSources {
    private ByteSources() {}

    /** Opens {@code path}, unwrapping a ZFile container transparently. */
    public static ByteSource open(Path path) {
        MappedFile file = MappedFile.open(path);
        try {
            // a pread of the magic, not the mapping: a plain layer is mapped later, off the open path
            byte[] head = new byte[(int) Math.min(ZFileMagic.BYTES, file.size())];
            file.readFully(0, ByteBuffer.wrap(head));
            if (!ZFileMagic.at(head)) {
                return file;
            }
            return ZFileReader.open(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }
}
