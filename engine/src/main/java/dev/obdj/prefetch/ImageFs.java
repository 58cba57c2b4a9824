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
 * The read-only filesystem on an image, as far as the prefetch list needs it (what the reference
 * asks of its ext4 and EROFS readers): resolve a path, list a directory tree, and map a file to the
 * disk ranges holding its data (fiemap). The path walk is shared; each format supplies its inodes,
 * directory entries and extents. Damage is a {@link FormatException} naming the field.
 */
abstract sealed class ImageFs permits Ext4, Erofs {
    static final int S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFLNK = 0xA000;
    private static final int MAX_SYMLINKS = 40, MAX_DEPTH = 64;

    /** An inode: its id, mode and size (the format keeps what else it needs). */
    interface Node {
        long id();

        int mode();

        long size();

        default boolean isDir() { return (mode() & S_IFMT) == S_IFDIR; }

        default boolean isFile() { return (mode() & S_IFMT) == S_IFREG; }

        default boolean isLink() { return (mode() & S_IFMT) == S_IFLNK; }
    }

    /** A run of a file's data: {@code length} bytes from file byte {@code logical} at disk byte {@code physical}. */
    record Extent(long logical, long physical, long length) {}

    /** A directory entry. */
    record DirEntry(long id, String name) {}

    final ByteSource disk;

    ImageFs(ByteSource disk) {
        this.disk = disk;
    }

    /** The filesystem on {@code disk} (ext2/3/4 or EROFS), or null when it has neither. */
    static ImageFs open(ByteSource disk) {
        if (Erofs.detect(disk)) return Erofs.open(disk);
        if (Ext4.detect(disk)) return Ext4.open(disk);
        return null;
    }

    /** "ext4" or "erofs". */
    abstract String type();

    abstract Node root();

    abstract Node node(long id);

    /** The entries of a directory, "." and ".." included when the format stores them. */
    abstract List<DirEntry> entries(Node dir);

    /**
     * The disk ranges of the node's data in file order (holes left out), as fiemap reports them;
     * the last may run past the end of the file to the end of its block.
     */
    abstract List<Extent> extents(Node f);

    /** The node at {@code path} (absolute or relative to the root; symlinks followed), or null when there is none. */
    final Node lookup(String path) {
        return resolve(root(), path, 0);
    }

    private Node resolve(Node start, String path, int links) {
        Node cur = path.startsWith("/") ? root() : start;
        String[] parts = path.split("/");
        List<Node> stack = new ArrayList<>();
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (!cur.isDir()) return null;
            if (p.equals("..")) {
                cur = stack.isEmpty() ? cur : stack.removeLast();
                continue;
            }
            Node next = null;
            for (DirEntry e : entries(cur)) {
                if (e.name.equals(p)) {
                    next = node(e.id);
                    break;
                }
            }
            if (next == null) return null;
            if (next.isLink()) {
                if (links >= MAX_SYMLINKS) return null;
                next = resolve(cur, new String(readFile(next, 4096), StandardCharsets.UTF_8), links + 1);
                if (next == null) return null;
            }
            stack.add(cur);
            cur = next;
        }
        return cur;
    }

    /** The regular files under directory {@code dir} (recursively, symlinks not followed), as paths. */
    final List<String> walk(String dir) {
        Node d = lookup(dir);
        List<String> out = new ArrayList<>();
        if (d == null || !d.isDir()) return out;
        String base = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
        walk(d, base, out, 0, new java.util.HashSet<>());
        return out;
    }

    private void walk(Node d, String path, List<String> out, int depth, java.util.Set<Long> seen) {
        if (depth > MAX_DEPTH || !seen.add(d.id())) return; // a damaged tree may loop
        for (DirEntry e : entries(d)) {
            if (e.name.equals(".") || e.name.equals("..")) continue;
            Node c = node(e.id);
            if (c.isDir()) walk(c, path + "/" + e.name, out, depth + 1, seen);
            else if (c.isFile()) out.add(path + "/" + e.name);
        }
    }

    /** The first {@code max} bytes of a node's data. */
    byte[] readFile(Node f, int max) {
        int n = (int) Math.min(max, f.size());
        byte[] out = new byte[n];
        for (Extent x : extents(f)) {
            long from = x.logical, to = Math.min(n, x.logical + x.length);
            if (from >= to) continue;
            ByteBuffer b = read(x.physical, (int) (to - from));
            b.get(0, out, (int) from, (int) (to - from));
        }
        return out;
    }

    final FormatException bad(long offset, String field, String expected, Object found) {
        return new FormatException(disk.name(), offset, type() + " " + field, expected, String.valueOf(found));
    }

    final ByteBuffer read(long at, int len) {
        return read(disk, at, len, type());
    }

    static ByteBuffer read(ByteSource disk, long at, int len, String type) {
        if (at < 0 || len < 0 || at > disk.size() - len) {
            throw new FormatException(disk.name(), at, type + " block", "a range inside the disk of " + disk.size() + " bytes",
                    len + " bytes");
        }
        byte[] b = new byte[len];
        disk.read(at, MemorySegment.ofArray(b), 0, len);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static long u32(ByteBuffer b, int at) { return b.getInt(at) & 0xFFFFFFFFL; }

    static int u16(ByteBuffer b, int at) { return b.getShort(at) & 0xFFFF; }
}
