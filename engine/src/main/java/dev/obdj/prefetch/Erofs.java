package dev.obdj.prefetch;

import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Just enough of a read-only EROFS reader for the prefetch list (the reference's newest dynamic
 * prefetch reads EROFS images too): the superblock at 1024, compact (32-byte) and extended
 * (64-byte) inodes, the uncompressed data layouts (flat plain, flat with an inline tail, chunk
 * based with block maps or chunk indexes) and directory blocks. Compressed files map to no range
 * (their disk bytes are not the file's bytes), as do chunks on extra devices; images using 48-bit
 * block addresses are refused.
 */
final class Erofs extends ImageFs {
    private static final Logger LOG = Logger.getLogger("dev.obdj.prefetch");
    private static final int SB_OFFSET = 1024, MAGIC = 0xE0F5E1E2, ISLOT = 32, DIRENT = 12;
    private static final int INCOMPAT_48BIT = 0x80;
    private static final int FLAT_PLAIN = 0, FLAT_INLINE = 2, CHUNK_BASED = 4;
    private static final int CHUNK_BLKBITS = 0x1F, CHUNK_INDEXES = 0x20;
    private static final long NULL_ADDR = 0xFFFFFFFFL, MAX_DIR = 64L << 20;

    private final int blockBits, blockSize;
    private final long metaStart, rootNid;

    /**
     * An inode.
     *
     * @param at     its disk position
     * @param isize  32 or 64
     * @param xsize  bytes of inline xattrs after it
     * @param layout the data layout
     * @param iu     the layout's word (start block, or chunk format)
     */
    record Inode(long id, int mode, long size, long at, int isize, int xsize, int layout, long iu) implements Node {}

    private Erofs(ByteSource disk, ByteBuffer sb) {
        super(disk);
        this.blockBits = sb.get(0x0C) & 0xFF;
        if (blockBits < 9 || blockBits > 16) throw bad(SB_OFFSET + 0x0C, "blkszbits", "9..16", blockBits);
        this.blockSize = 1 << blockBits;
        long incompat = u32(sb, 0x50);
        if ((incompat & INCOMPAT_48BIT) != 0) throw bad(SB_OFFSET + 0x50, "feature_incompat", "no 48-bit block addresses", "48bit");
        this.rootNid = u16(sb, 0x0E);
        this.metaStart = u32(sb, 0x28) << blockBits;
    }

    /** True when the disk carries the EROFS superblock magic. */
    static boolean detect(ByteSource disk) {
        if (disk.size() < SB_OFFSET + 128) return false;
        return read(disk, SB_OFFSET, 128, "erofs").getInt(0) == MAGIC;
    }

    static Erofs open(ByteSource disk) {
        if (!detect(disk)) throw new FormatException(disk.name(), SB_OFFSET, "erofs magic", "0xE0F5E1E2", "no EROFS superblock");
        return new Erofs(disk, read(disk, SB_OFFSET, 128, "erofs"));
    }

    int blockSize() { return blockSize; }

    @Override
    String type() { return "erofs"; }

    @Override
    Node root() { return node(rootNid); }

    @Override
    Node node(long nid) {
        if (nid < 0 || nid > (disk.size() - metaStart) / ISLOT) throw bad(metaStart, "nid", "an inode slot inside the disk", nid);
        long at = metaStart + nid * ISLOT;
        if (disk.size() - at < ISLOT) throw bad(at, "inode", "a 32-byte inode slot inside the disk", nid);
        ByteBuffer b = read(at, (int) Math.min(64, disk.size() - at));
        int format = u16(b, 0);
        boolean extended = (format & 1) != 0;
        int layout = (format >> 1) & 7;
        int icount = u16(b, 2);
        int isize = extended ? 64 : 32;
        if (b.capacity() < isize) throw bad(at, "inode", isize + " bytes", b.capacity());
        long size = extended ? b.getLong(8) : u32(b, 8);
        if (size < 0) throw bad(at + 8, "i_size", "a size below 2^63", size);
        int xsize = icount == 0 ? 0 : 12 + (icount - 1) * 4;
        return new Inode(nid, u16(b, 4), size, at, isize, xsize, layout, u32(b, 16));
    }

    @Override
    List<Extent> extents(Node node) {
        Inode f = (Inode) node;
        List<Extent> out = new ArrayList<>();
        long full = f.size >> blockBits, tail = f.size & (blockSize - 1);
        switch (f.layout) {
            case FLAT_PLAIN -> {
                long n = (f.size + blockSize - 1) >> blockBits;
                if (n > 0) out.add(new Extent(0, checked(f, f.iu, n), n << blockBits));
            }
            case FLAT_INLINE -> {
                if (full > 0) out.add(new Extent(0, checked(f, f.iu, full), full << blockBits));
                if (tail > 0) out.add(new Extent(full << blockBits, f.at + f.isize + f.xsize, tail));
            }
            case CHUNK_BASED -> chunks(f, out);
            default -> LOG.fine(() -> "erofs inode " + f.id + ": compressed layout " + f.layout + ", no disk ranges to read");
        }
        return out;
    }

    private long checked(Inode f, long block, long count) {
        if (block + count > (disk.size() >> blockBits) + 1) {
            throw bad(f.at + 16, "i_u", "data blocks inside the disk", block + "+" + count);
        }
        return block << blockBits;
    }

    private void chunks(Inode f, List<Extent> out) {
        int bits = (int) (f.iu & CHUNK_BLKBITS);
        boolean indexes = (f.iu & CHUNK_INDEXES) != 0;
        long chunk = (long) blockSize << bits;
        long count = (f.size + chunk - 1) / chunk;
        int unit = indexes ? 8 : 4;
        long at = f.at + f.isize + f.xsize;
        at = (at + unit - 1) / unit * unit;
        if (count * unit > disk.size() - at || count > Integer.MAX_VALUE / unit) {
            throw bad(at, "chunk table", "chunk entries inside the disk", count + " chunks");
        }
        ByteBuffer t = read(at, (int) (count * unit));
        for (int i = 0; i < count; i++) {
            long blk;
            if (indexes) {
                if (u16(t, i * 8 + 2) != 0) continue; // on an extra device: not on this disk
                blk = u32(t, i * 8 + 4);
            } else {
                blk = u32(t, i * 4);
            }
            if (blk == NULL_ADDR) continue; // a hole
            long logical = i * chunk;
            long len = Math.min(chunk, ((f.size - logical + blockSize - 1) >> blockBits) << blockBits);
            long physical = checked(f, blk, len >> blockBits);
            if (!out.isEmpty()) {
                Extent l = out.getLast();
                if (l.logical() + l.length() == logical && l.physical() + l.length() == physical) {
                    out.set(out.size() - 1, new Extent(l.logical(), l.physical(), l.length() + len));
                    continue;
                }
            }
            out.add(new Extent(logical, physical, len));
        }
    }

    @Override
    List<DirEntry> entries(Node node) {
        Inode d = (Inode) node;
        List<DirEntry> out = new ArrayList<>();
        if (d.size > MAX_DIR) throw bad(d.at + 8, "i_size", "a directory of at most " + MAX_DIR + " bytes", d.size);
        byte[] data = readFile(d, (int) d.size);
        for (int base = 0; base < data.length; base += blockSize) {
            int max = Math.min(blockSize, data.length - base);
            ByteBuffer b = ByteBuffer.wrap(data, base, max).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (max < DIRENT) break;
            int first = u16(b, 8);
            if (first < DIRENT || first >= max || first % DIRENT != 0) {
                throw bad(d.at, "dirent[0].nameoff", "a name offset inside the block, after whole entries", first);
            }
            int n = first / DIRENT;
            for (int i = 0; i < n; i++) {
                long nid = b.getLong(i * DIRENT);
                int from = u16(b, i * DIRENT + 8);
                int to = i + 1 < n ? u16(b, (i + 1) * DIRENT + 8) : max;
                if (from < first || to > max || from > to) throw bad(d.at, "dirent.nameoff", "names in order inside the block", from);
                int end = from;
                while (end < to && b.get(end) != 0) end++; // the last name may be padded with NULs
                out.add(new DirEntry(nid, new String(data, base + from, end - from, StandardCharsets.UTF_8)));
            }
        }
        return out;
    }
}
