package dev.obdj.lsmt;

import dev.obdj.FormatException;
import dev.obdj.io.ByteSource;
import dev.obdj.io.MappedFile;
import dev.obdj.testing.TestBlobs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The index check of a local file ({@link IndexScan}: pread, blocks, branch-free rules) and the
 * entry-by-entry check every other source gets ({@link SealedLayer.EntryCheck} over the same
 * bytes, seen through a source that is not a {@link MappedFile}) agree on random indexes built
 * around the rules' edges: moffset at B-1, B, B+1, e-1, e, e+1, lengths 0 to 2, data and zeroed
 * entries, invalid entries anywhere, overlaps. Both open, with the same entry count, or both
 * refuse, naming the same field at the same offset.
 */
class IndexScanDifferentialTest {
    static final long B = 8;        // first data sector
    static final long E = 16;       // data section end: the index starts at sector 16
    static final long INDEX_OFFSET = E * 512;

    @TempDir
    Path dir;

    Path blob(Random r, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) INDEX_OFFSET + n * 16 + 4096);
        b.put(TestBlobs.header(0x03, 0, 0, 1L << 30, "00000000-0000-4000-8000-000000000002"));
        b.position((int) INDEX_OFFSET);
        long off = 0;
        long[] moffsets = {B - 1, B, B + 1, E - 2, E - 1, E, E + 1};
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(40);
            if (kind == 0) {
                b.put(TestBlobs.entry(TestBlobs.INVALID, 0, 0, false, 0));
                continue;
            }
            long len = r.nextInt(3);
            long start = kind == 1 ? Math.max(0, off - 1) : off + r.nextInt(2); // kind 1: may overlap
            boolean zeroed = r.nextBoolean();
            long m = r.nextInt(8) == 0 ? moffsets[r.nextInt(moffsets.length)] : B + r.nextInt((int) (E - B - 2));
            b.put(TestBlobs.entry(start, len, m, zeroed, r.nextInt(4)));
            off = start + len;
        }
        b.put(TestBlobs.header(0x06, INDEX_OFFSET, n, 1L << 30, "00000000-0000-4000-8000-000000000002"));
        Path p = dir.resolve("d" + r.nextLong() + ".lsmt");
        Files.write(p, b.array());
        return p;
    }

    /** "count N" when the layer opens, else "field@offset" of the error. */
    static String outcome(ByteSource src) {
        try (SealedLayer l = SealedLayer.open(src)) {
            return "count " + l.index().count();
        } catch (FormatException e) {
            return e.field() + "@" + e.offset();
        }
    }

    /** The same bytes as {@code f}, but not a MappedFile: the generic path. */
    static ByteSource generic(MappedFile f) {
        return new ByteSource() {
            @Override public String name() { return f.name(); }
            @Override public long size() { return f.size(); }
            @Override public void read(long position, MemorySegment dst, long dstOffset, long length) {
                f.read(position, dst, dstOffset, length);
            }
            @Override public MemorySegment segment() { return f.segment(); }
            @Override public void close() { }
        };
    }

    @Test
    void fileCheckAgreesWithTheEntryByEntryCheck() throws IOException {
        Random r = new Random(20261127);
        int opened = 0, refused = 0;
        for (int round = 0; round < 400; round++) {
            int n = round % 4 == 0 ? 1 + r.nextInt(20) : 1 + r.nextInt(600);
            Path p = blob(r, n);
            try (MappedFile f = MappedFile.open(p)) {
                String scan = outcome(f);
                String each = outcome(generic(f));
                assertEquals(each, scan, "round " + round + ", " + n + " entries");
                if (scan.startsWith("count")) {
                    opened++;
                } else {
                    refused++;
                }
            }
            Files.delete(p);
        }
        // the generator must exercise both outcomes, or the comparison says little
        assertNull(opened < 40 || refused < 40 ? "opened " + opened + ", refused " + refused : null);
    }
}
