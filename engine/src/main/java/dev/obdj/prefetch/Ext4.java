package dev.obdj.prefetch;

import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;

import java.lang.foreign.MemorySegment;
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
final class Ext4 {
    private static final int SB_OFFSET = 1024, SB_MAGIC = 0xEF53, EXTENT_MAGIC = 0xF30A;
    private static final int INCOMPAT_FILETYPE = 0x2, INCOMPAT_META_BG = 0x10, INCOMPAT_EXTENTS = 0x40, INCOMPAT_64BIT = 0x80;
    private static final int EXTENTS_FL = 0x80000, INLINE_DATA_FL = 0x10000000;
    private static final int S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFLNK = 0xA000;
    private static final int ROOT = 2, MAX_SYMLINKS = 40, MAX_DEPTH = 64;

    private final ByteSource disk;
    private final int blockSize, inodeSize, inodesPerGroup, descSize;
    private final long firstDataBlock, groups, blocksCount, inodesCount;

    /** An inode's fields that matter here. */
    record Inode(int number, int mode, long size, int flags, byte[] block) {
        boolean isDir() { return (mode & S_IFMT) == S_IFDIR; }
        boolean isFile() { return (mode & S_IFMT) == S_IFREG; }
        boolean isLink() { return (mode & S_IFMT) == S_IFLNK; }
    }

    /** A run of a file's data: {@code length} bytes from file byte {@code logical} at disk byte {@code physical}. */
    record Extent(long logical, long physical, long length) {}

    private Ext4(ByteSource disk, ByteBuffer sb) {
        this.disk = disk;
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
        if (bpg == 0 || inodesPerGroup == 0) throw bad(SB_OFFSET + 0x20, "s_blocks_per_group", "non-zero group sizes", bpg + "/" + inodesPerGroup);
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
        ByteBuffer sb = read(disk, SB_OFFSET, 1024);
        return u16(sb, 0x38) == SB_MAGIC;
    }

    /** Opens the filesystem on {@code disk}. */
    static Ext4 open(ByteSource disk) {
        if (!detect(disk)) throw new FormatException(disk.name(), SB_OFFSET + 0x38, "s_magic", "0xEF53 (ext2/3/4)", "no ext4 superblock");
        return new Ext4(disk, read(disk, SB_OFFSET, 1024));
    }

    int blockSize() { return blockSize; }

    /** The inode at {@code path} (absolute or relative to the root; symlinks followed), or null when there is none. */
    Inode lookup(String path) {
        return resolve(inode(ROOT), path, 0, true);
    }

    private Inode resolve(Inode start, String path, int links, boolean followLast) {
        Inode cur = path.startsWith("/") ? inode(ROOT) : start;
        String[] parts = path.split("/");
        List<Inode> stack = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.equals(".")) continue;
            if (!cur.isDir()) return null;
            if (p.equals("..")) {
                cur = stack.isEmpty() ? cur : stack.removeLast();
                continue;
            }
            Integer n = find(cur, p);
            if (n == null) return null;
            Inode next = inode(n);
            boolean last = i == parts.length - 1 || restEmpty(parts, i + 1);
            if (next.isLink() && (!last || followLast)) {
                if (links >= MAX_SYMLINKS) return null;
                next = resolve(cur, linkTarget(next), links + 1, true);
                if (next == null) return null;
            }
            stack.add(cur);
            cur = next;
        }
        return cur;
    }

    private static boolean restEmpty(String[] parts, int from) {
        for (int i = from; i < parts.length; i++) if (!parts[i].isEmpty() && !parts[i].equals(".")) return false;
        return true;
    }

    private String linkTarget(Inode link) {
        if (link.size < 60 && (link.flags & (EXTENTS_FL | INLINE_DATA_FL)) == 0) {
            return new String(link.block, 0, (int) link.size, StandardCharsets.UTF_8); // fast symlink
        }
        return new String(readFile(link, 4096), StandardCharsets.UTF_8);
    }

    /** The regular files under directory {@code dir} (recursively, symlinks not followed), as paths. */
    List<String> walk(String dir) {
        Inode d = lookup(dir);
        List<String> out = new ArrayList<>();
        if (d == null || !d.isDir()) return out;
        String base = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
        walk(d, base, out, 0);
        return out;
    }

    private void walk(Inode d, String path, List<String> out, int depth) {
        if (depth > MAX_DEPTH) return;
        for (Entry e : entries(d)) {
            if (e.name.equals(".") || e.name.equals("..")) continue;
            Inode c = inode(e.inode);
            if (c.isDir()) walk(c, path + "/" + e.name, out, depth + 1);
            else if (c.isFile()) out.add(path + "/" + e.name);
        }
    }

    private record Entry(int inode, String name) {}

    private Integer find(Inode dir, String name) {
        for (Entry e : entries(dir)) {
            if (e.name.equals(name)) return e.inode;
        }
        return null;
    }

    private List<Entry> entries(Inode dir) {
        List<Entry> out = new ArrayList<>();
        if ((dir.flags & INLINE_DATA_FL) != 0) return out; // inline directories are not read
        for (Extent x : extents(dir)) {
            for (long off = 0; off < x.length; off += blockSize) {
                ByteBuffer b = read(disk, x.physical + off, blockSize);
                int p = 0;
                while (p + 8 <= blockSize) {
                    int ino = (int) u32(b, p);
                    int rec = u16(b, p + 4);
                    int len = b.get(p + 6) & 0xFF;
                    if (rec < 8 || p + rec > blockSize) break; // corrupt entry: the rest of the block is skipped
                    if (ino != 0 && len > 0 && 8 + len <= rec) {
                        byte[] nb = new byte[len];
                        b.get(p + 8, nb);
                        out.add(new Entry(ino, new String(nb, StandardCharsets.UTF_8)));
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
        ByteBuffer d = read(disk, gdt, descSize);
        long table = u32(d, 0x08) | (descSize >= 64 ? u32(d, 0x28) << 32 : 0);
        long at = table * blockSize + idx * inodeSize;
        ByteBuffer in = read(disk, at, 128);
        byte[] block = new byte[60];
        in.get(0x28, block);
        long size = u32(in, 0x04) | (u32(in, 0x6C) << 32);
        return new Inode(n, u16(in, 0), size, (int) u32(in, 0x20), block);
    }

    /**
     * The disk ranges of the file's data in logical order (holes left out), as fiemap reports them;
     * the last may run past the end of the file to the end of its block.
     */
    List<Extent> extents(Inode f) {
        List<Extent> out = new ArrayList<>();
        if ((f.flags & INLINE_DATA_FL) != 0) return out;
        if ((f.flags & EXTENTS_FL) != 0) {
            extentNode(ByteBuffer.wrap(f.block).order(ByteOrder.LITTLE_ENDIAN), out, 0);
        } else {
            long blocks = (f.size + blockSize - 1) / blockSize;
            ByteBuffer b = ByteBuffer.wrap(f.block).order(ByteOrder.LITTLE_ENDIAN);
            long[] next = {0};
            for (int i = 0; i < 12 && next[0] < blocks; i++) mapped(out, next, u32(b, i * 4), 0, blocks);
            for (int level = 1; level <= 3 && next[0] < blocks; level++) mapped(out, next, u32(b, (11 + level) * 4), level, blocks);
        }
        return out;
    }

    /** Indirect block maps: {@code level} 0 is a data block, 1..3 indirect blocks. */
    private void mapped(List<Extent> out, long[] next, long block, int level, long blocks) {
        long span = 1;
        for (int i = 0; i < level; i++) span *= blockSize / 4;
        if (block == 0) { // a hole
            next[0] += span;
            return;
        }
        if (block >= blocksCount) throw bad(block * blockSize, "i_block", "a block below " + blocksCount, block);
        if (level == 0) {
            add(out, next[0]++, block);
            return;
        }
        ByteBuffer b = read(disk, block * blockSize, blockSize);
        for (int i = 0; i < blockSize / 4 && next[0] < blocks; i++) mapped(out, next, u32(b, i * 4), level - 1, blocks);
    }

    private void add(List<Extent> out, long logicalBlock, long block) {
        long logical = logicalBlock * blockSize, physical = block * blockSize;
        if (!out.isEmpty()) {
            Extent l = out.getLast();
            if (l.logical + l.length == logical && l.physical + l.length == physical) {
                out.set(out.size() - 1, new Extent(l.logical, l.physical, l.length + blockSize));
                return;
            }
        }
        out.add(new Extent(logical, physical, blockSize));
    }

    private void extentNode(ByteBuffer n, List<Extent> out, int level) {
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
                out.add(new Extent(logical * blockSize, start * blockSize, (long) len * blockSize));
            } else {
                long leaf = u32(n, e + 4) | ((long) u16(n, e + 8) << 32);
                if (leaf >= blocksCount) throw bad(leaf * blockSize, "ei_leaf", "a block below " + blocksCount, leaf);
                extentNode(read(disk, leaf * blockSize, blockSize), out, level + 1);
            }
        }
    }

    /** The first {@code max} bytes of a file's data. */
    byte[] readFile(Inode f, int max) {
        int n = (int) Math.min(max, f.size);
        byte[] out = new byte[n];
        for (Extent x : extents(f)) {
            long from = x.logical, to = Math.min(n, x.logical + x.length);
            if (from >= to) continue;
            ByteBuffer b = read(disk, x.physical, (int) (to - from));
            b.get(0, out, (int) from, (int) (to - from));
        }
        return out;
    }

    private FormatException bad(long offset, String field, String expected, Object found) {
        return new FormatException(disk.name(), offset, "ext4 " + field, expected, String.valueOf(found));
    }

    private static ByteBuffer read(ByteSource disk, long at, int len) {
        if (at < 0 || at > disk.size() - len) {
            throw new FormatException(disk.name(), at, "ext4 block", "a range inside the disk of " + disk.size() + " bytes", len + " bytes");
        }
        byte[] b = new byte[len];
        disk.read(at, MemorySegment.ofArray(b), 0, len);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long u32(ByteBuffer b, int at) { return b.getInt(at) & 0xFFFFFFFFL; }

    private static int u16(ByteBuffer b, int at) { return b.getShort(at) & 0xFFFF; }
}
