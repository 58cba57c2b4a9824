package dev.obdj.prefetch;

import dev.obdj.FormatException;
import dev.obdj.StorageException;
import dev.obdj.zfile.Crc32cRaw;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference's trace file (FORMAT-NOTES §7.3), so traces move between obdj and overlaybd.
 * Header of 24 bytes: u32 magic {@code 0xC2EF1820}, 4 padding bytes, u64 data size, u32 checksum,
 * 4 padding bytes. Then 24-byte records: u8 op ('R' or 'W'), 3 padding bytes, u32 layer index
 * (in {@code lowers}, bottom = 0), u64 count, i64 offset, in bytes of that layer's decompressed
 * blob. The checksum is the raw CRC32C from seed 0 over the records, padding included.
 * Little-endian throughout.
 */
public final class Trace {
    /** IEEE CRC-32 of "Container Image Trace Format". */
    public static final int MAGIC = 0xC2EF1820;
    public static final int HEADER = 24;
    public static final int RECORD = 24;

    /** One traced read. */
    public record Record(char op, int layer, long count, long offset) {}

    private Trace() {}

    /** True when {@code file} starts with the trace magic. */
    public static boolean hasMagic(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() == MAGIC;
        } catch (IOException e) {
            return false;
        }
    }

    /** Encodes records into a trace file image. */
    public static byte[] encode(List<Record> records) {
        ByteBuffer bb = ByteBuffer.allocate(HEADER + RECORD * records.size()).order(ByteOrder.LITTLE_ENDIAN);
        bb.position(HEADER);
        for (Record r : records) {
            bb.put((byte) r.op).put((byte) 0).put((byte) 0).put((byte) 0).putInt(r.layer).putLong(r.count).putLong(r.offset);
        }
        int crc = Crc32cRaw.crc(0, bb.array(), HEADER, RECORD * records.size());
        bb.putInt(0, MAGIC).putInt(4, 0).putLong(8, (long) RECORD * records.size()).putInt(16, crc).putInt(20, 0);
        return bb.array();
    }

    /** Writes a trace file. */
    public static void write(Path file, List<Record> records) {
        try {
            Files.write(file, encode(records));
        } catch (IOException e) {
            throw new StorageException(file.toString(), "write trace", e);
        }
    }

    /** Reads and checks a trace file (magic, size = 24 + data size, checksum). */
    public static List<Record> read(Path file) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new StorageException(file.toString(), "read trace", e);
        }
        return decode(file.toString(), b);
    }

    static List<Record> decode(String name, byte[] b) {
        if (b.length < HEADER) {
            throw new FormatException(name, 0, "trace header", "24 bytes", b.length + " bytes");
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (bb.getInt(0) != MAGIC) {
            throw new FormatException(name, 0, "trace.magic", String.format("0x%08X", MAGIC), String.format("0x%08X", bb.getInt(0)));
        }
        long dataSize = bb.getLong(8);
        if (dataSize != b.length - HEADER || dataSize % RECORD != 0) {
            throw new FormatException(name, 8, "trace.data_size", "file size - 24 = " + (b.length - HEADER)
                    + " (a multiple of 24)", Long.toUnsignedString(dataSize));
        }
        int crc = Crc32cRaw.crc(0, b, HEADER, (int) dataSize);
        if (crc != bb.getInt(16)) {
            throw new FormatException(name, 16, "trace.checksum", String.format("0x%08X (raw CRC32C of the records)", crc),
                    String.format("0x%08X", bb.getInt(16)));
        }
        List<Record> out = new ArrayList<>((int) (dataSize / RECORD));
        for (int at = HEADER; at < b.length; at += RECORD) {
            out.add(new Record((char) (b[at] & 0xFF), bb.getInt(at + 4), bb.getLong(at + 8), bb.getLong(at + 16)));
        }
        return out;
    }
}
