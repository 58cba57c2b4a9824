package dev.obdj.prefetch;

import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Just enough of a read-only ext2/3/4 reader to do what the reference's dynamic prefetch asks of
 * its filesystem: resolve a path, list a directory tree, and map a file to the disk ranges holding
 * its data (fiemap). Reads the superblock, group descriptors, inodes, extent trees (and the older
 * indirect block maps) and directory blocks (linear and htree alike, read as linear blocks).
 * Anything it does not understand is a {@link FormatException} naming the field.
 */
final class Ext4 extends ImageFs {
    private static final int SB_OFFSET = 1024, SB_MAGIC = 0xEF53, EXTENT_MAGIC = 0xF30A;
    private static final int INCOMPAT_META_BG = 0x10, INCOMPAT_64BIT = 0x80;
    private static final int EXTENTS_FL = 0x80000, INLINE_DATA_FL = 0x10000000;
    private static final int ROOT = 2;

    private final int blockSize, inodeSize, inodesPerGroup, descSize;
    private final long firstDataBlock, groups, blocksCount, inodesCount;

    /** An inode's fields that matter here. */
    record Inode(long id, int mode, long size, int flags, byte[] block) implements Node {}

    private Ext4(ByteSource disk, ByteBuffer sb) {
        super(disk);
        long logBlock = u32(sb, 0x18);
        if (logBlock > 6) throw bad(SB_OFFSET + 0x18, "s_log_block_size", "0..6 (1 KiB .. 64 KiB blocks)", logBlock);
        this.blockSize = 1024 << logBlock;
        this.inodesCount = u32(sb, 0x00);
        this.blocksCount = u32(sb, 0x04) | (is64(sb) ? u32(sb, 0x150) << 32 : 0);
        this.firstDataBlock = u32(sb, 0x14);
        long bpg = u32(sb, 0x20);
        this.inodesPerGroup = (int) u32(sb, 0x28);
        long rev = u32(sb, 0x4C);
        this.inodeSize = rev == 0 ? 128 : u16(sb, 0x58);
        int incompat = (int) u32(sb, 0x60);
        if ((incompat & INCOMPAT_META_BG) != 0) throw bad(SB_OFFSET + 0x60, "s_feature_incompat", "no meta_bg", "meta_bg");
        this.descSize = is64(sb) ? Math.max(32, u16(sb, 0xFE)) : 32;
        if (bpg == 0 || inodesPerGroup <= 0) throw bad(SB_OFFSET + 0x20, "s_blocks_per_group", "non-zero group sizes", bpg + "/" + inodesPerGroup);
        if (inodeSize < 128 || Integer.bitCount(inodeSize) != 1 || inodeSize > blockSize) {
            throw bad(SB_OFFSET + 0x58, "s_inode_size", "a power of two in [128, block size]", inodeSize);
        }
        this.groups = (blocksCount - firstDataBlock + bpg - 1) / bpg;
    }

    private static boolean is64(ByteBuffer sb) {
        return (u32(sb, 0x60) & INCOMPAT_64BIT) != 0;
    }

    /** True when the disk carries an ext2/3/4 superblock magic. */
    static boolean detect(ByteSource disk) {
        if (disk.size() < SB_OFFSET + 1024) return false;
        ByteBuffer sb = read(disk, SB_OFFSET, 1024, "ext4");
        return u16(sb, 0x38) == SB_MAGIC;
    }

    /** Opens the filesystem on {@code disk}. */
    static Ext4 open(ByteSource disk) {
        if (!detect(disk)) throw new FormatException(disk.name(), SB_OFFSET + 0x38, "s_magic", "0xEF53 (ext2/3/4)", "no ext4 superblock");
        return new Ext4(disk, read(disk, SB_OFFSET, 1024, "ext4"));
    }

    int blockSize() { return blockSize; }

    @Override
    String type() { return "ext4"; }

    @Override
    Node root() { return inode(ROOT); }

    @Override
    Node node(long id) { return inode((int) Math.min(Integer.MAX_VALUE, id)); }

    @Override
    List<DirEntry> entries(Node node) {
        Inode dir = (Inode) node;
        List<DirEntry> out = new ArrayList<>();
        if ((dir.flags & INLINE_DATA_FL) != 0) return out; // inline directories are not read
        for (Extent x : extents(dir)) {
            for (long off = 0; off < x.length(); off += blockSize) {
                ByteBuffer b = read(x.physical() + off, blockSize);
                int p = 0;
                while (p + 8 <= blockSize) {
                    int ino = (int) u32(b, p);
                    int rec = u16(b, p + 4);
                    int len = b.get(p + 6) & 0xFF;
                    if (rec < 8 || p + rec > blockSize) break; // corrupt entry: the rest of the block is skipped
                    if (ino != 0 && len > 0 && 8 + len <= rec) {
                        byte[] nb = new byte[len];
                        b.get(p + 8, nb);
                        out.add(new DirEntry(Integer.toUnsignedLong(ino), new String(nb, StandardCharsets.UTF_8)));
                    }
                    p += rec;
                }
            }
        }
        return out;
    }

    /** Inode number {@code n} (1-based). */
    Inode inode(int n) {
        if (n < 1 || Integer.toUnsignedLong(n) > inodesCount) throw bad(0, "inode", "an inode number in [1, " + inodesCount + "]", n);
        long g = (n - 1L) / inodesPerGroup, idx = (n - 1L) % inodesPerGroup;
        if (g >= groups) throw bad(0, "inode", "an inode of one of the " + groups + " groups", n);
        long gdt = (firstDataBlock + 1) * blockSize + g * descSize;
        ByteBuffer d = read(gdt, descSize);
        long table = u32(d, 0x08) | (descSize >= 64 ? u32(d, 0x28) << 32 : 0);
        long at = table * blockSize + idx * inodeSize;
        ByteBuffer in = read(at, 128);
        byte[] block = new byte[60];
        in.get(0x28, block);
        long size = u32(in, 0x04) | (u32(in, 0x6C) << 32);
        return new Inode(n, u16(in, 0), size, (int) u32(in, 0x20), block);
    }

    @Override
    List<Extent> extents(Node node) {
        Inode f = (Inode) node;
        if (f.isLink() && f.size < 60 && (f.flags & (EXTENTS_FL | INLINE_DATA_FL)) == 0) {
            return List.of(); // a fast symlink: the target is in the inode (readFile)
        }
        List<Extent> out = new ArrayList<>();
        if ((f.flags & INLINE_DATA_FL) != 0) return out;
        long[] budget = {blocksCount}; // no file maps or points through more blocks than the disk has
        if ((f.flags & EXTENTS_FL) != 0) {
            extentNode(ByteBuffer.wrap(f.block).order(ByteOrder.LITTLE_ENDIAN), out, 0, budget);
        } else {
            long blocks = (f.size + blockSize - 1) / blockSize;
            ByteBuffer b = ByteBuffer.wrap(f.block).order(ByteOrder.LITTLE_ENDIAN);
            long[] next = {0};
            for (int i = 0; i < 12 && next[0] < blocks; i++) mapped(out, next, u32(b, i * 4), 0, blocks, budget);
            for (int level = 1; level <= 3 && next[0] < blocks; level++) mapped(out, next, u32(b, (11 + level) * 4), level, blocks, budget);
        }
        return out;
    }

    /** Indirect block maps: {@code level} 0 is a data block, 1..3 indirect blocks. */
    private void spend(long[] budget, long n, long at) {
        budget[0] -= n;
        if (budget[0] < 0) throw bad(at, "block map", "at most " + blocksCount + " blocks per file", "more");
    }

    private void mapped(List<Extent> out, long[] next, long block, int level, long blocks, long[] budget) {
        long span = 1;
        for (int i = 0; i < level; i++) span *= blockSize / 4;
        if (block == 0) { // a hole
            next[0] += span;
            return;
        }
        if (block >= blocksCount) throw bad(block * blockSize, "i_block", "a block below " + blocksCount, block);
        spend(budget, 1, block * blockSize);
        if (level == 0) {
            add(out, next[0]++, block);
            return;
        }
        ByteBuffer b = read(block * blockSize, blockSize);
        for (int i = 0; i < blockSize / 4 && next[0] < blocks; i++) mapped(out, next, u32(b, i * 4), level - 1, blocks, budget);
    }

    private void add(List<Extent> out, long logicalBlock, long block) {
        long logical = logicalBlock * blockSize, physical = block * blockSize;
        if (!out.isEmpty()) {
            Extent l = out.getLast();
            if (l.logical() + l.length() == logical && l.physical() + l.length() == physical) {
                out.set(out.size() - 1, new Extent(l.logical(), l.physical(), l.length() + blockSize));
                return;
            }
        }
        out.add(new Extent(logical, physical, blockSize));
    }

    private void extentNode(ByteBuffer n, List<Extent> out, int level, long[] budget) {
        if (u16(n, 0) != EXTENT_MAGIC) throw bad(0, "eh_magic", "0xF30A", u16(n, 0));
        int entries = u16(n, 2), depth = u16(n, 6);
        if (level > 5 || depth > 5 || 12 + entries * 12 > n.capacity()) throw bad(0, "eh_entries", "a sane extent node", entries + " entries, depth " + depth);
        for (int i = 0; i < entries; i++) {
            int e = 12 + i * 12;
            if (depth == 0) {
                long logical = u32(n, e);
                int len = u16(n, e + 4);
                if (len > 32768) len -= 32768; // uninitialised extent: still reported, as fiemap does
                long start = ((long) u16(n, e + 6) << 32) | u32(n, e + 8);
                if (start + len > blocksCount) throw bad(start * blockSize, "ee_start", "blocks below " + blocksCount, start + "+" + len);
                spend(budget, len, start * blockSize);
                out.add(new Extent(logical * blockSize, start * blockSize, (long) len * blockSize));
            } else {
                long leaf = u32(n, e + 4) | ((long) u16(n, e + 8) << 32);
                if (leaf >= blocksCount) throw bad(leaf * blockSize, "ei_leaf", "a block below " + blocksCount, leaf);
                spend(budget, 1, leaf * blockSize);
                extentNode(read(leaf * blockSize, blockSize), out, level + 1, budget);
            }
        }
    }

    @Override
    byte[] readFile(Node node, int max) {
        Inode f = (Inode) node;
        if (f.isLink() && f.size < 60 && (f.flags & (EXTENTS_FL | INLINE_DATA_FL)) == 0) {
            return java.util.Arrays.copyOf(f.block, (int) Math.min(max, f.size)); // fast symlink
        }
        return super.readFile(node, max);
    }
}
