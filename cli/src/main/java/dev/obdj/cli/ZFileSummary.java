package dev.obdj.cli;

import dev.obdj.io.ByteSource;
import dev.obdj.io.MappedFile;
import dev.obdj.lsmt.LsmtHeader;
import dev.obdj.zfile.ZFileHeader;
import dev.obdj.zfile.ZFileReader;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** The ZFile part of {@code obd info}: both header blocks as stored, the block layout, and what is inside. */
record ZFileSummary(Path file, long fileSize, ZFileHeader header, ZFileHeader trailer, int blocks, long originalSize,
                    boolean lsmtInside) {

    /** The summary of {@code file}, or null when it does not start with the ZFile magic. */
    static ZFileSummary of(Path file) {
        ByteSource src = MappedFile.open(file);
        if (!ZFileReader.hasMagic(src)) {
            src.close();
            return null;
        }
        try (ZFileReader r = ZFileReader.open(src)) {
            boolean lsmt = false;
            if (r.size() >= LsmtHeader.BLOCK) {
                MemorySegment b = MemorySegment.ofArray(new byte[24]);
                r.read(0, b, 0, 24);
                lsmt = LsmtHeader.hasMagic(b);
            }
            return new ZFileSummary(file, r.fileSize(), r.header(), r.trailer(), r.blockCount(), r.size(), lsmt);
        }
    }

    String text() {
        ZFileHeader f = trailer != null ? trailer : header;
        StringBuilder sb = new StringBuilder();
        sb.append("file: ").append(file).append('\n');
        sb.append("container: zfile (").append(f.algoName()).append(", ").append(f.blockSize()).append("-byte blocks, ")
                .append(f.hasBlockCrc() ? "block crc" : "no block crc").append(", fields from the ")
                .append(trailer != null ? "trailer" : "overwritten header").append(")\n");
        sb.append("zfile.file_size: ").append(fileSize).append('\n');
        sb.append("zfile.original_size: ").append(originalSize).append('\n');
        sb.append("zfile.blocks: ").append(blocks).append('\n');
        sb.append(String.format("zfile.ratio: %.1f%%%n", originalSize == 0 ? 100.0 : 100.0 * fileSize / originalSize));
        block(sb, "zfile.header", header);
        if (trailer != null) {
            block(sb, "zfile.trailer", trailer);
        } else {
            sb.append("zfile.trailer: not read (header_overwrite)\n");
        }
        sb.append("zfile.content: ").append(lsmtInside ? "LSMT layer blob" : "plain data");
        return sb.toString();
    }

    private static void block(StringBuilder sb, String what, ZFileHeader h) {
        sb.append(what).append(".flags: 0x").append(Long.toHexString(h.flags())).append(" (")
                .append(ZFileHeader.describeFlags(h.flags())).append(")\n");
        sb.append(what).append(".digest: ").append(String.format("0x%08X", h.digest())).append('\n');
        sb.append(what).append(".index_offset: ").append(Long.toUnsignedString(h.indexOffset())).append('\n');
        sb.append(what).append(".index_size: ").append(Long.toUnsignedString(h.indexSize())).append('\n');
        sb.append(what).append(".original_file_size: ").append(Long.toUnsignedString(h.originalSize())).append('\n');
        sb.append(what).append(".index_crc: ").append(String.format("0x%08X", h.indexCrc())).append('\n');
        sb.append(what).append(".block_size: ").append(Integer.toUnsignedString(h.blockSize())).append('\n');
        sb.append(what).append(".algo: ").append(h.algo()).append(" (").append(h.algoName()).append(")\n");
        sb.append(what).append(".verify: ").append(h.verify()).append('\n');
    }

    void json(Json j) {
        j.object("zfile");
        j.field("file_size", fileSize);
        j.field("original_size", originalSize);
        j.field("blocks", blocks);
        j.field("content", lsmtInside ? "lsmt" : "plain");
        blockJson(j, "header", header);
        if (trailer != null) {
            blockJson(j, "trailer", trailer);
        }
        j.end();
    }

    private static void blockJson(Json j, String name, ZFileHeader h) {
        j.object(name);
        j.field("flags", h.flags());
        j.field("flag_names", ZFileHeader.describeFlags(h.flags()));
        j.field("digest", Integer.toUnsignedLong(h.digest()));
        j.field("index_offset", h.indexOffset());
        j.field("index_size", h.indexSize());
        j.field("original_file_size", h.originalSize());
        j.field("index_crc", Integer.toUnsignedLong(h.indexCrc()));
        j.field("block_size", Integer.toUnsignedLong(h.blockSize()));
        j.field("algo", h.algoName());
        j.field("verify", h.verify());
        j.end();
    }
}
