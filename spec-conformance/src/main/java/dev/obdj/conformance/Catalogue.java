package dev.obdj.conformance;

import dev.obdj.conformance.Vector.Built;
import dev.obdj.conformance.Vector.Input;
import dev.obdj.conformance.Vector.Kind;
import dev.obdj.conformance.VectorBuilder.Blob;
import dev.obdj.conformance.VectorBuilder.CommitSpec;
import dev.obdj.conformance.VectorBuilder.Entry;
import dev.obdj.conformance.VectorBuilder.LayerView;
import dev.obdj.conformance.VectorBuilder.Op;
import dev.obdj.conformance.VectorBuilder.RwPair;
import dev.obdj.conformance.VectorBuilder.ZBlock;
import dev.obdj.conformance.VectorBuilder.ZFile;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static dev.obdj.conformance.VectorBuilder.ALGO_LZ4;
import static dev.obdj.conformance.VectorBuilder.ALGO_ZSTD;
import static dev.obdj.conformance.VectorBuilder.F_DATA;
import static dev.obdj.conformance.VectorBuilder.F_HEADER;
import static dev.obdj.conformance.VectorBuilder.F_SEALED;
import static dev.obdj.conformance.VectorBuilder.LSMT_BLOCK;
import static dev.obdj.conformance.VectorBuilder.SECTOR;
import static dev.obdj.conformance.VectorBuilder.ZF_DIGEST;
import static dev.obdj.conformance.VectorBuilder.ZF_HEADER;
import static dev.obdj.conformance.VectorBuilder.ZF_SEALED;
import static dev.obdj.conformance.VectorBuilder.ZF_TYPE;
import static dev.obdj.conformance.VectorBuilder.payload;
import static dev.obdj.conformance.VectorBuilder.putU32;
import static dev.obdj.conformance.VectorBuilder.putU64;
import static dev.obdj.conformance.VectorBuilder.u64;

/**
 * The numbered clauses of the LSMT layer-blob and ZFile formats and their vectors. Sources:
 * {@code lsmt spec} and {@code zfile spec} are {@code src/overlaybd/lsmt/format_spec.md} and
 * {@code src/overlaybd/zfile/format_spec.md} of containerd/overlaybd; {@code notes N} is a section of
 * FORMAT-NOTES.md, which records what the reference implementation does.
 */
public final class Catalogue {
    private final List<Clause> clauses = new ArrayList<>();
    private final List<Vector> vectors = new ArrayList<>();
    private String current;
    private int n;

    private Catalogue() {}

    public List<Clause> clauses() {
        return Collections.unmodifiableList(clauses);
    }

    public List<Vector> vectors() {
        return Collections.unmodifiableList(vectors);
    }

    public Clause clause(String id) {
        return clauses.stream().filter(c -> c.id().equals(id)).findFirst().orElse(null);
    }

    /** The clause obdj's error field reports, preferring {@code preferred} when it matches too. */
    public Clause clauseForField(String field, String preferred) {
        Clause p = clause(preferred);
        if (p != null && p.matchesField(field)) {
            return p;
        }
        return clauses.stream().filter(c -> c.matchesField(field)).findFirst().orElse(null);
    }

    private void clause(String id, String title, String source, String text, String note, String... fields) {
        clauses.add(new Clause(id, title, source, text, note, List.of(fields)));
        current = id;
        n = 0;
    }

    private void vec(Kind k, String desc, Operation op, Supplier<Built> b) {
        vectors.add(new Vector(current + "/" + (++n), current, desc, k, op, b));
    }

    private void pos(String desc, Operation op, Supplier<Built> b) {
        vec(Kind.POSITIVE, desc, op, b);
    }

    private void neg(String desc, Operation op, Supplier<Built> b) {
        vec(Kind.NEGATIVE, desc, op, b);
    }

    // -------------------------------------------------------------------------------------------
    // building blocks

    static byte[] rand(int sectors, long seed) {
        return payload("rand", seed, sectors * SECTOR);
    }

    static byte[] comp(int sectors, long seed) {
        return payload("comp", seed, sectors * SECTOR);
    }

    /** A small sealed layer: two data extents, a zeroed one, holes; 1 MiB virtual. */
    static Blob basic() {
        return new Blob(1 << 20).map(0, rand(8, 1)).map(64, rand(24, 2)).zero(200, 16).map(1000, comp(40, 3));
    }

    static long vsizeOf(byte[] blob) {
        return u64(blob, blob.length - LSMT_BLOCK + 48);
    }

    /** Positive stack vector: the layers (lowest first) as .lsmt files and the disk they show. */
    static Supplier<Built> stack(Supplier<List<byte[]>> layers) {
        return () -> {
            List<byte[]> ls = layers.get();
            List<Input> in = new ArrayList<>();
            List<LayerView> views = new ArrayList<>();
            long vsize = 0;
            for (int i = 0; i < ls.size(); i++) {
                in.add(Input.of("layer" + i + ".lsmt", ls.get(i)));
                views.add(LayerView.ofBlob(ls.get(i)));
            }
            for (int i = ls.size() - 1; i >= 0 && vsize == 0; i--) {
                vsize = vsizeOf(ls.get(i));
            }
            return Built.output(in, VectorBuilder.flatten(vsize, views));
        };
    }

    static Supplier<Built> one(Supplier<byte[]> blob) {
        return stack(() -> List.of(blob.get()));
    }

    static Supplier<Built> rejectStack(Supplier<List<byte[]>> layers) {
        return () -> {
            List<byte[]> ls = layers.get();
            List<Input> in = new ArrayList<>();
            for (int i = 0; i < ls.size(); i++) {
                in.add(Input.of("layer" + i + ".lsmt", ls.get(i)));
            }
            return Built.reject(in);
        };
    }

    static Supplier<Built> rejectOne(Supplier<byte[]> blob) {
        return rejectStack(() -> List.of(blob.get()));
    }

    /** {@code b} after {@code edit} changed its bytes in place. */
    static byte[] edit(byte[] b, Consumer<byte[]> edit) {
        edit.accept(b);
        return b;
    }

    static int trailerAt(byte[] blob) {
        return blob.length - LSMT_BLOCK;
    }

    static RwPair basicRw() {
        return new RwPair(1 << 20, "00000006-0000-4000-8000-000000000001")
                .write(8, rand(16, 11)).write(100, rand(8, 12)).discard(10, 4).write(300, comp(24, 13));
    }

    static Supplier<Built> rw(Supplier<RwPair> p) {
        return () -> {
            RwPair r = p.get();
            byte[] d = r.dataFile(), x = r.indexFile();
            byte[] disk = VectorBuilder.flatten(u64(x, 48), List.of(LayerView.ofRw(d, x)));
            return Built.output(List.of(Input.of("rw.data", d), Input.of("rw.index", x)), disk);
        };
    }

    static Supplier<Built> rwReject(Supplier<byte[][]> files) {
        return () -> {
            byte[][] f = files.get();
            return Built.reject(List.of(Input.of("rw.data", f[0]), Input.of("rw.index", f[1])));
        };
    }

    /** Original bytes with compressible and incompressible blocks and an odd length. */
    static byte[] plain(int n) {
        byte[] b = payload("comp", 5, n);
        byte[] r = payload("rand", 6, n / 3);
        System.arraycopy(r, 0, b, n / 3, r.length);
        return b;
    }

    static Supplier<Built> zf(Supplier<ZFile> z, byte[] plain) {
        return () -> Built.output(List.of(Input.of("in.zfile", z.get().build(plain))), plain);
    }

    static Supplier<Built> zfReject(Supplier<ZFile> z, byte[] plain) {
        return () -> Built.reject(List.of(Input.of("in.zfile", z.get().build(plain))));
    }

    static Supplier<Built> commit(Supplier<CommitSpec> s) {
        return () -> {
            CommitSpec c = s.get();
            byte[] blob = VectorBuilder.commit(c);
            byte[] disk = VectorBuilder.commitContent(c);
            return new Built(List.of(Input.of("ops.json", c.opsJson().getBytes(StandardCharsets.UTF_8))), null,
                    VectorBuilder.sha256(blob), blob.length, VectorBuilder.sha256(disk), disk.length);
        };
    }

    static Supplier<Built> compress(String options, byte[] plain) {
        return () -> new Built(List.of(Input.of("plain.bin", plain)), options, null, -1, VectorBuilder.sha256(plain),
                plain.length);
    }

    static CommitSpec spec(long vsize, List<Op> ops) {
        return new CommitSpec(vsize, "00000006-0000-4000-8000-00000000000a", null, null, null, null, ops);
    }

    static byte[] digestOver(ZBlock z, int from) {
        z.digestOverride = 0L;
        byte[] b = z.encode();
        z.digestOverride = (long) VectorBuilder.crc32c(0, b, from, b.length - from);
        return z.encode();
    }

    // -------------------------------------------------------------------------------------------

    /** The whole catalogue. */
    public static Catalogue standard() {
        Catalogue c = new Catalogue();
        c.lsmt();
        c.lsmtRw();
        c.lsmtCommit();
        c.zfile();
        c.zfileWriter();
        return c;
    }

    private void lsmt() {
        final Operation F = Operation.FLATTEN;
        clause("LSMT-HDR-1", "magic0", "lsmt spec: header, magic0; notes 1.1",
                "A layer blob starts with a 4096-byte header whose first 8 bytes are 4C 53 4D 54 00 01 02 00 "
                        + "(\"LSMT\", 0, 1, 2 and the NUL the spec calls implicit). A reader refuses any other bytes.",
                "", "header.magic");
        pos("a committed layer with data, zeroed and unmapped ranges", F, one(() -> basic().build()));
        neg("magic0 byte 0 changed", F, rejectOne(() -> edit(basic().build(), b -> b[0] ^= 0x20)));
        neg("the implicit NUL (byte 7) set to 1", F, rejectOne(() -> edit(basic().build(), b -> b[7] = 1)));

        clause("LSMT-HDR-2", "magic1", "lsmt spec: header, magic1; notes 1.1",
                "Bytes 8-23 of the header are the UUID 65 7E 63 D2 94 44 08 4C A2 D2 C8 EC 4F CF AE 8A, compared as raw bytes.",
                "", "header.magic");
        neg("magic1 last byte changed", F, rejectOne(() -> edit(basic().build(), b -> b[23] ^= 1)));
        neg("magic1 stored as a big-endian UUID (first word byte-swapped)", F, rejectOne(() -> edit(basic().build(), b -> {
            b[8] = (byte) 0xD2;
            b[9] = 0x63;
            b[10] = 0x7E;
            b[11] = 0x65;
        })));

        clause("LSMT-HDR-3", "field layout", "lsmt spec: header table; notes 1.1",
                "All integers are little-endian. size (u32 at 24) is 390, flags u32 at 28, index_offset u64 at 32, "
                        + "index_size u64 at 40, virtual_size u64 at 48, uuid 37 bytes at 56, parent_uuid 37 bytes at 93, "
                        + "a reserved u16 at 130, version u8 at 132, sub_version u8 at 133, user_tag 256 bytes at 134, zeros "
                        + "to 4095.",
                "The spec names bytes 130 and 131 from/to (deprecated); the reference treats them as one reserved u16 "
                        + "written 0.");
        pos("virtual size 1 MiB + 1536 bytes (bytes 1 and 2 of the u64 both non-zero)", F, one(() -> {
            Blob b = new Blob((1 << 20) + 1536).map(2050, rand(3, 4));
            return b.build();
        }));
        pos("a 256-byte user_tag with no NUL", F, one(() -> basic().tweak(b -> {
            b.header.userTag = payload("comp", 1, 256);
            b.trailer.userTag = b.header.userTag;
        }).build()));

        clause("LSMT-HDR-4", "version not checked", "lsmt spec: header, version/sub_version; notes 1.1",
                "Writers store version 1 and sub_version 1. Readers do not check either field.",
                "The spec gives no values.");
        pos("version 9, sub_version 7", F, one(() -> basic().tweak(b -> {
            b.header.version = b.trailer.version = 9;
            b.header.subVersion = b.trailer.subVersion = 7;
        }).build()));

        clause("LSMT-HDR-5", "header is_header", "lsmt spec: flags bit 0; notes 1.5 step 1",
                "Flag bit 0 (is_header) is 1 in the header block; a reader refuses a layer whose first block lacks it.",
                "", "header.flags.is_header");
        neg("header flags 0x06 (is_header clear)", F, rejectOne(() -> basic().tweak(b -> b.header.flags = F_DATA | F_SEALED).build()));

        clause("LSMT-HDR-6", "header type", "lsmt spec: flags bit 1; notes 1.5 step 2",
                "A read-only layer's header has flag bit 1 (type = data file) set; an index-file header is refused.",
                "", "header.flags.type");
        neg("header flags 0x05 (index file)", F, rejectOne(() -> basic().tweak(b -> b.header.flags = F_HEADER | F_SEALED).build()));

        clause("LSMT-HDR-7", "unused flags", "lsmt spec: flags bits 3, 5; notes 1.2",
                "Flag bits 3 (gc_layer) and 5 (info_valid) are neither written nor read by the reference; a reader "
                        + "ignores them.",
                "The spec says readers must fall back to the trailer when info_valid is clear; the reference always "
                        + "uses the trailer and never looks at the bit.");
        pos("header 0x2F and trailer 0x2E (bits 3 and 5 set)", F, one(() -> basic().tweak(b -> {
            b.header.flags |= 0x28;
            b.trailer.flags |= 0x28;
        }).build()));

        clause("LSMT-HDR-8", "sparse and reserved flag bits", "lsmt spec: flags bits 4, 6-31; notes 1.2, 1.5",
                "A read-only open does not look at flag bit 4 (sparse_rw) nor at the reserved bits 6-31; writers store "
                        + "the reserved bits as 0.",
                "The spec says the reserved bits must be 0; the reference neither checks them nor the sparse bit on a "
                        + "read-only layer.");
        pos("header 0x17 and trailer 0x16 (sparse_rw set)", F, one(() -> basic().tweak(b -> {
            b.header.flags |= 0x10;
            b.trailer.flags |= 0x10;
        }).build()));
        pos("bit 31 set in header and trailer", F, one(() -> basic().tweak(b -> {
            b.header.flags |= 0x80000000L;
            b.trailer.flags |= 0x80000000L;
        }).build()));

        clause("LSMT-UUID-1", "uuid text", "lsmt spec: uuid, parent_uuid; notes 1.3",
                "uuid and parent_uuid are 37-byte fields: 36 upper-case hex characters in 8-4-4-4-12 form and a NUL; an "
                        + "unset UUID is the all-zero string. Readers of a layer stack do not interpret them.",
                "The spec only says \"a string\".");
        pos("uuid all NUL bytes, parent_uuid lower-case", F, one(() -> basic().tweak(b -> {
            b.header.uuid = b.trailer.uuid = "";
            b.header.parentUuid = b.trailer.parentUuid = "0000000a-0000-4000-8000-0000000000bc";
        }).build()));

        clause("LSMT-TRL-1", "trailer position", "notes 1.4, 9.1 #2",
                "The trailer is the last 4096 bytes of the (decompressed) file; the file size need only be a multiple of "
                        + "512, so the trailer need not be 4096-aligned.",
                "The spec does not say where the trailer is.", "trailer.magic");
        pos("file size 4096 + 1536 + 4096 + 4096 (trailer at a 512-byte boundary)", F, one(() ->
                new Blob(1 << 20).map(5, rand(3, 7)).build()));
        neg("512 extra bytes after the trailer", F, rejectOne(() -> {
            byte[] b = basic().build();
            return Arrays.copyOf(b, b.length + 512);
        }));

        clause("LSMT-TRL-2", "trailer magic and flags", "lsmt spec: trailer; notes 1.5 step 3",
                "The trailer carries both magics, flag bit 0 clear (trailer), bit 1 set (data) and bit 2 set (sealed). "
                        + "A read-only open needs a valid header and such a trailer.",
                "The spec only advises to use the trailer \"whenever possible\"; the reference requires it.",
                "trailer.magic", "trailer.flags.is_header", "trailer.flags.type", "trailer.flags.sealed");
        neg("trailer magic0 changed", F, rejectOne(() -> edit(basic().build(), b -> b[trailerAt(b)] ^= 1)));
        neg("trailer flags 0x07 (is_header set)", F, rejectOne(() -> basic().tweak(b -> b.trailer.flags = 7).build()));
        neg("trailer flags 0x04 (index type)", F, rejectOne(() -> basic().tweak(b -> b.trailer.flags = F_SEALED).build()));
        neg("trailer flags 0x02 (not sealed)", F, rejectOne(() -> basic().tweak(b -> b.trailer.flags = F_DATA).build()));

        clause("LSMT-TRL-3", "trailer is authoritative", "lsmt spec: trailer; notes 1.5 step 9, 9.1 #3, #16",
                "index_offset, index_size and virtual_size come from the trailer. The header of a committed blob has "
                        + "index_offset = index_size = 0, and its virtual_size is not used.",
                "");
        pos("header virtual_size 4096 and index fields garbage; trailer virtual_size 1 MiB", F, one(() -> basic().tweak(b -> {
            b.header.virtualSize = 4096;
            b.header.indexOffset = 123456789;
            b.header.indexSize = 987654321;
        }).build()));

        clause("LSMT-TRL-4", "sealed in place", "notes 2.6, 2.8",
                "A layer sealed in place keeps its unsealed RW header (flags 0x03); its trailer (0x06) points to an "
                        + "index of exactly index_size entries followed by unused padding up to 512 bytes. Such a file is "
                        + "a valid read-only layer.",
                "Not described by the spec.");
        pos("header 0x03, unpadded 3-entry index, 464 bytes of garbage before the trailer", F, one(() -> basic().tweak(b -> {
            b.header.flags = F_HEADER | F_DATA;
            b.pad = false;
            b.afterIndex = payload("rand", 99, 512 - 4 * 16);
        }).build()));

        clause("LSMT-IDX-1", "index_size counts entries", "lsmt spec: index_size; notes 1.1, 2.4, 9.1 #1",
                "index_size is the number of 16-byte entries (padding entries included), not a byte count. A reader "
                        + "refuses an index that does not fit: index_offset beyond the trailer, or index_size × 16 > "
                        + "file_size − 4096 − index_offset.",
                "The spec calls it \"index size\".", "trailer.index_size", "trailer.index_offset");
        neg("index_size one entry more than fits before the trailer", F, rejectOne(() -> basic().tweak(b ->
                b.trailerHook = t -> t.indexSize += 1).build()));
        neg("index_size in bytes (× 16)", F, rejectOne(() -> basic().tweak(b -> b.trailerHook = t -> t.indexSize *= 16).build()));
        neg("index_offset past the trailer", F, rejectOne(() -> basic().tweak(b -> b.trailerHook = t -> t.indexOffset += 1 << 20).build()));

        clause("LSMT-IDX-2", "entry layout", "lsmt spec: index entry table; notes 2.1, 2.3, 9.1 #10-11",
                "An entry is two little-endian u64 words: offset = bits 0-49 of the first, length = bits 50-63 (1 to "
                        + "16383 sectors); moffset = bits 0-54 of the second, zeroed = bit 55, tag = bits 56-63. "
                        + "Offsets and lengths are 512-byte sectors.",
                "The spec does not say how the bit fields pack, nor the 16383-sector maximum.");
        pos("one entry of the maximum length 16383 at sector 1", F, one(() ->
                new Blob(8L << 20).map(1, comp(16383, 8)).build()));
        pos("single-sector entries at odd sectors", F, one(() ->
                new Blob(1 << 20).map(1, rand(1, 9)).map(3, rand(1, 10)).map(2047, rand(1, 11)).build()));

        clause("LSMT-IDX-3", "invalid entries", "notes 2.1, 2.4, 1.5 step 6, 9.1 #9",
                "An entry whose offset is 2^50 − 1 is invalid (padding) and is skipped wherever it appears. Commit pads "
                        + "the index with such entries (FF FF FF FF FF FF 03 00, then zeros) to a multiple of 256.",
                "The spec does not mention the sentinel or the padding.");
        pos("invalid entries first, in the middle and as padding", F, one(() -> basic().tweak(b -> {
            b.entries.add(0, Entry.invalid());
            b.entries.add(2, Entry.invalid());
        }).build()));

        clause("LSMT-IDX-4", "tags ignored on read", "lsmt spec: tag; notes 2.4, 9.1 #8",
                "Readers of a committed layer treat every stored tag as 0.",
                "The spec says tags should be 0 on disk; the reference writes layer numbers into merged blobs, so "
                        + "readers must ignore them.");
        pos("entries tagged 1, 7 and 255", F, one(() -> basic().tweak(b -> {
            b.entries.set(0, b.entries.get(0).withTag(1));
            b.entries.set(1, b.entries.get(1).withTag(7));
            b.entries.set(3, b.entries.get(3).withTag(255));
        }).build()));

        clause("LSMT-IDX-5", "sorted, non-overlapping", "lsmt spec: index (sorted array); notes 1.5 step 7, 2.2",
                "After invalid entries are dropped, each entry starts at or after the previous one's end (offset + "
                        + "length). Adjacent entries are allowed; overlapping or descending ones are refused.",
                "", "index[*].offset");
        pos("adjacent entries", F, one(() -> new Blob(1 << 20).map(10, rand(6, 12)).map(16, rand(2, 13)).zero(18, 4).build()));
        neg("second entry overlaps the first by one sector", F, rejectOne(() -> new Blob(1 << 20)
                .map(10, rand(6, 12)).map(15, rand(2, 13)).build()));
        neg("entries in descending order", F, rejectOne(() -> new Blob(1 << 20)
                .map(100, rand(6, 12)).map(10, rand(2, 13)).build()));

        clause("LSMT-IDX-6", "data moffset range", "notes 1.5 step 8",
                "A data entry's moffset and its end (moffset + length) lie inside the data section: 8 <= moffset and "
                        + "moffset + length <= index_offset / 512.",
                "", "index[*].moffset");
        neg("moffset 7 (inside the header)", F, rejectOne(() -> basic().tweak(b ->
                b.entries.set(0, Entry.data(0, 8, 7))).build()));
        neg("extent ending past index_offset", F, rejectOne(() -> basic().tweak(b -> {
            Entry e = b.entries.get(3);
            b.entries.set(3, Entry.data(e.offset(), e.length() + 1, e.moffset()));
        }).build()));

        clause("LSMT-IDX-7", "zeroed entries", "lsmt spec: zeroed; notes 2.1, 1.5 step 8, 3.5",
                "A zeroed entry reads as zeros and has no data; its moffset only has to satisfy 8 <= moffset <= "
                        + "index_offset / 512.",
                "The spec does not say what moffset means for a zeroed entry.", "index[*].moffset");
        pos("zeroed entry with moffset = index_offset / 512", F, one(() -> {
            Blob b = basic();
            b.entries.add(Entry.zero(3000, 100, b.dataEndSector()));
            return b.build();
        }));
        neg("zeroed entry with moffset = index_offset / 512 + 1", F, rejectOne(() -> {
            Blob b = basic();
            b.entries.add(Entry.zero(3000, 100, b.dataEndSector() + 1));
            return b.build();
        }));
        neg("zeroed entry with moffset 0", F, rejectOne(() -> {
            Blob b = basic();
            b.entries.add(Entry.zero(3000, 100, 0));
            return b.build();
        }));

        clause("LSMT-DATA-1", "data section", "lsmt spec: raw data; notes 2.6",
                "A data entry reads length × 512 bytes at byte moffset × 512 of the layer file. The data section may "
                        + "hold bytes no entry points to, in any order.",
                "");
        pos("data stored in reverse order with garbage sectors between", F, one(() -> {
            Blob b = new Blob(1 << 20);
            b.append(rand(5, 20));
            long m2 = b.append(rand(7, 21));
            b.append(rand(3, 22));
            long m1 = b.append(rand(4, 23));
            b.entries.add(Entry.data(40, 4, m1));
            b.entries.add(Entry.data(60, 7, m2));
            return b.build();
        }));

        clause("LSMT-READ-1", "holes and size", "notes 3.5, 1.5 step 9",
                "The virtual disk is virtual_size bytes (a multiple of 512, not necessarily of 4096). Ranges no entry "
                        + "covers read as zeros.",
                "");
        pos("empty index (index_size 0), 64 KiB disk", F, one(() -> new Blob(65536).build()));
        pos("virtual size 1 MiB + 1536, data in the last 3 sectors", F, one(() ->
                new Blob((1 << 20) + 1536).map(2048, rand(3, 30)).build()));

        clause("LSMT-LIM-1", "entry count limit", "notes 1.5 step 4, 2.10",
                "The reference opens read-only layers of up to 1,000,000 index entries (padding included); a reader "
                        + "must accept every such layer.",
                "obdj accepts larger indexes when they fit the file (docs/FORMAT.md); the lenient vector records that "
                        + "the reference refuses them.");
        pos("1,000,000 entries, 999,999 of them invalid", F, one(() -> {
            Blob b = new Blob(1 << 20).map(0, rand(8, 31));
            b.pad = false;
            for (int i = 1; i < 1_000_000; i++) {
                b.entries.add(Entry.invalid());
            }
            return b.build();
        }));
        vec(Kind.LENIENT, "1,000,256 entries (the reference refuses more than 1,000,000)", F, one(() -> {
            Blob b = new Blob(1 << 20).map(0, rand(8, 32));
            for (int i = 1; i < 1_000_256; i++) {
                b.entries.add(Entry.invalid());
            }
            return b.build();
        }));

        clause("LSMT-STK-1", "layer order", "notes 3.1, 3.2",
                "A stack is given lowest layer first. For every sector the top-most layer with an entry decides: its data, "
                        + "or zeros when the entry is zeroed. Sectors no layer maps read as zeros.",
                "The spec does not describe stacking.");
        pos("three layers with overlapping extents", F, stack(() -> List.of(
                new Blob(1 << 20).map(0, rand(64, 40)).map(500, rand(32, 41)).build(),
                new Blob(1 << 20).map(16, rand(16, 42)).map(520, rand(40, 43)).build(),
                new Blob(1 << 20).map(20, rand(4, 44)).map(1000, rand(8, 45)).build())));

        clause("LSMT-STK-2", "zeroed hides, holes fall through", "notes 3.2",
                "A zeroed entry in an upper layer hides the data below it; a hole (no entry) in an upper layer shows the "
                        + "layer below.",
                "");
        pos("upper layer discards part of the lower data and leaves holes", F, stack(() -> List.of(
                new Blob(1 << 20).map(0, rand(128, 50)).build(),
                new Blob(1 << 20).zero(8, 8).map(32, rand(8, 51)).zero(100, 100).build())));

        clause("LSMT-STK-3", "stack virtual size", "notes 3.1",
                "The virtual size of a stack is that of the top-most layer whose virtual_size is not 0.",
                "");
        pos("top layer with virtual_size 0 over a 1 MiB layer", F, stack(() -> List.of(
                new Blob(1 << 20).map(0, rand(8, 52)).build(),
                new Blob(0).map(4, rand(2, 53)).build())));
        pos("top layer smaller than the lower one", F, stack(() -> List.of(
                new Blob(1 << 20).map(0, rand(8, 54)).map(1500, rand(8, 55)).build(),
                new Blob(512 * 1024).map(4, rand(2, 56)).build())));

        clause("LSMT-STK-4", "uuid chain not checked", "notes 3.3",
                "Readers do not require a layer's parent_uuid to equal the uuid of the layer below.",
                "");
        pos("parent_uuid chain broken", F, stack(() -> List.of(
                basic().tweak(b -> b.header.uuid = b.trailer.uuid = "00000006-0000-4000-8000-000000000111").build(),
                new Blob(1 << 20).map(4, rand(2, 57)).tweak(b -> b.header.parentUuid = b.trailer.parentUuid =
                        "00000006-0000-4000-8000-000000000999").build())));

        clause("LSMT-STK-5", "every layer valid", "notes 6.1 step 6",
                "Every layer of a stack must be a valid sealed layer; one bad layer fails the whole stack.",
                "", "trailer.magic");
        neg("middle layer of three without a trailer", F, rejectStack(() -> List.of(basic().build(),
                edit(basic().build(), b -> Arrays.fill(b, trailerAt(b), trailerAt(b) + 24, (byte) 0)), basic().build())));
    }

    private void lsmtRw() {
        final Operation R = Operation.FLATTEN_RW;
        clause("LSMT-RW-1", "RW layer files", "notes 1.6, 2.7, 9.1 #12",
                "An uncommitted RW layer is a data file (header flags 0x03, data appended from byte 4096, no trailer) "
                        + "and an index file (header flags 0x01: is_header, index type, not sealed; index_offset 4096) "
                        + "followed by raw 16-byte entries.",
                "Not described by the spec.", "header.magic", "header.flags.is_header", "header.flags.type",
                "header.flags.sealed", "header.index_offset");
        pos("four writes and a discard", R, rw(Catalogue::basicRw));
        neg("index file index_offset 0", R, rwReject(() -> {
            RwPair p = basicRw();
            p.indexHeader.indexOffset = 0;
            return new byte[][] {p.dataFile(), p.indexFile()};
        }));
        neg("index file header flags 0x03 (data type)", R, rwReject(() -> {
            RwPair p = basicRw();
            p.indexHeader.flags = F_HEADER | F_DATA;
            return new byte[][] {p.dataFile(), p.indexFile()};
        }));
        neg("index file header flags 0x05 (sealed)", R, rwReject(() -> {
            RwPair p = basicRw();
            p.indexHeader.flags = F_HEADER | F_SEALED;
            return new byte[][] {p.dataFile(), p.indexFile()};
        }));
        neg("data file magic1 changed", R, rwReject(() -> {
            RwPair p = basicRw();
            return new byte[][] {edit(p.dataFile(), b -> b[20] ^= 4), p.indexFile()};
        }));
        neg("data file header without is_header", R, rwReject(() -> {
            RwPair p = basicRw();
            p.dataHeader.flags = F_DATA;
            return new byte[][] {p.dataFile(), p.indexFile()};
        }));

        clause("LSMT-RW-2", "newest wins", "notes 2.7, 2.2",
                "The index file is a log in write order, not sorted. Replayed in order, a later entry wins over the "
                        + "parts of earlier entries it covers; the rest of an earlier entry stays (cut at either end or "
                        + "split in two). A zeroed entry hides earlier data.",
                "");
        pos("overlapping log: write, overwrite inside, discard across, rewrite", R, rw(() ->
                new RwPair(1 << 20, "00000006-0000-4000-8000-000000000002")
                        .write(0, rand(64, 60)).write(16, rand(8, 61)).discard(20, 30).write(40, rand(4, 62))
                        .write(500, rand(8, 63)).write(100, rand(8, 64)).write(498, rand(4, 65))));

        clause("LSMT-RW-3", "entry count from the file size", "notes 1.6",
                "The number of log entries is (index file size − 4096) / 16, rounded down: the header's index_size is "
                        + "ignored and a torn trailing partial entry is not read.",
                "");
        pos("header index_size 12345 and 7 bytes of a torn entry", R, rw(() -> {
            RwPair p = basicRw();
            p.indexHeader.indexSize = 12345;
            p.indexTail = new byte[] {1, 2, 3, 4, 5, 6, 7};
            return p;
        }));

        clause("LSMT-RW-4", "invalid log entries", "notes 1.6, 2.7",
                "Invalid entries (offset 2^50 − 1) in the log are skipped.",
                "");
        pos("invalid entries between writes", R, rw(() -> {
            RwPair p = basicRw();
            p.log.add(1, Entry.invalid());
            p.log.add(Entry.invalid());
            return p;
        }));

        clause("LSMT-RW-5", "RW virtual size", "notes 1.6",
                "An RW layer's virtual size is the index file header's virtual_size.",
                "");
        pos("data header says 4 KiB, index header 1 MiB", R, rw(() -> {
            RwPair p = basicRw();
            p.dataHeader.virtualSize = 4096;
            return p;
        }));

        clause("LSMT-RW-6", "RW moffset range", "notes 1.6",
                "Each log entry's moffset is checked as in a sealed layer, with the data file size / 512 as the end of "
                        + "the data section.",
                "", "index[*].moffset");
        neg("entry pointing past the end of the data file", R, rwReject(() -> {
            RwPair p = basicRw();
            p.log.add(Entry.data(900, 8, 8 + 56));
            return new byte[][] {p.dataFile(), p.indexFile()};
        }));
    }

    private void lsmtCommit() {
        final Operation C = Operation.COMMIT;
        clause("LSMT-CMT-1", "commit layout", "notes 2.4 steps 1, 5; 1.2",
                "Commit writes sequentially: a header (flags 0x07, index_offset 0, index_size 0, virtual_size of the RW "
                        + "layer's data header, version 1/1, size 390), the data from sector 8, the index at "
                        + "index_offset = the data end, and right after it a trailer (flags 0x06) with the same fields "
                        + "plus index_offset and index_size.",
                "The spec says only that the trailer is \"similar to\" the header.");
        pos("no operations: header and trailer only", C, commit(() -> spec(16 << 20, List.of())));
        pos("three separate writes", C, commit(() -> spec(4 << 20, List.of(Op.write(0, 4096, "rand", 1),
                Op.write(1 << 20, 65536, "comp", 2), Op.write(3 << 20, 1536, "rand", 3)))));

        clause("LSMT-CMT-2", "commit data", "notes 2.4 step 2, 9.1 #13",
                "The live mappings (newest wins) are copied in LBA order; each data mapping is copied in 32 KiB steps "
                        + "from its start, one entry per step, with moffsets renumbered from sector 8. Overwritten data is "
                        + "not copied; all-zero data is still copied.",
                "The spec allows garbage in the data section; commit writes none.");
        pos("overwrites inside and across earlier writes, zero payloads", C, commit(() -> spec(2 << 20, List.of(
                Op.write(0, 100 * 512, "rand", 10), Op.write(10 * 512, 20 * 512, "half", 11),
                Op.write(95 * 512, 40 * 512, "zero", 12), Op.write(1 << 20, 70 * 512, "comp", 13),
                Op.write(1000 * 512, 3 * 512, "rand", 14)))));

        clause("LSMT-CMT-3", "index compaction", "notes 2.4 step 3, 2.3",
                "Consecutive output entries merge when they are contiguous in LBA and in the file, both zeroed or both "
                        + "data, with equal tags, and the merged length stays below 16383 sectors (strictly). A long write "
                        + "thus gives entries of 16320 sectors.",
                "Not stated by the spec.");
        pos("one 8 MiB + 512 B write (split into 4 MiB RW pieces)", C, commit(() -> spec(10 << 20, List.of(
                Op.write(512, (8 << 20) + 512, "comp", 20)))));

        clause("LSMT-CMT-4", "index padding", "notes 2.4 step 4, 2.8",
                "The committed index is padded with invalid entries to a multiple of 256 entries (4 KiB), and "
                        + "index_size counts the padding. An empty index stays empty.",
                "The spec does not describe padding.");
        pos("300 one-sector writes (index of 512 entries)", C, commit(() -> {
            List<Op> ops = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                ops.add(Op.write(i * 2048L, 512, "comp", i));
            }
            return spec(1 << 20, ops);
        }));

        clause("LSMT-CMT-5", "committed discards", "notes 2.4 step 2, 2.3",
                "A discard becomes a zeroed entry whose moffset is the data cursor at that point; adjacent zeroed "
                        + "entries merge. A discard longer than 16383 sectors is split into 16383-sector pieces first.",
                "");
        pos("discards over data, over holes and one of 20000 sectors", C, commit(() -> spec(16 << 20, List.of(
                Op.write(0, 65536, "rand", 30), Op.discard(8192, 4096), Op.discard(1 << 20, 20000 * 512L),
                Op.write(12 << 20, 8192, "rand", 31), Op.discard(12 << 20, 512)))));

        clause("LSMT-CMT-6", "commit identity", "notes 2.4 step 1, 1.3",
                "The committed uuid is the commit argument written upper-case, or the all-zero UUID when none is given; "
                        + "parent_uuid is the argument, else the RW layer's parent_uuid; user_tag is the commit message "
                        + "(at most 256 bytes).",
                "");
        pos("lower-case uuid and parent, commit message", C, commit(() -> new CommitSpec(1 << 20,
                "00000006-0000-4000-8000-00000000000b", "00000006-0000-4000-8000-0000000000ff",
                "0000abcd-0000-4000-8000-00000000ef01", "00000006-0000-4000-8000-0000000000aa",
                "conformance commit", List.of(Op.write(4096, 4096, "rand", 40)))));
        pos("no uuid argument, parent from the RW layer", C, commit(() -> new CommitSpec(1 << 20,
                "00000006-0000-4000-8000-00000000000c", "00000006-0000-4000-8000-0000000000dd", null, null, null,
                List.of(Op.write(0, 512, "rand", 41)))));
    }

    private void zfile() {
        final Operation D = Operation.ZFILE_DECOMPRESS;
        final byte[] p = plain(30_000 + 123);
        clause("ZF-HDR-1", "magic0", "zfile spec: header, magic0; notes 5.2",
                "A ZFile starts with a 512-byte header whose first 8 bytes are 5A 46 69 6C 65 00 01 00 (\"ZFile\", 0, 1, "
                        + "and the implicit NUL).",
                "", "header.magic");
        pos("LZ4, 4 KiB blocks, CRC, 30,123 bytes", D, zf(ZFile::new, p));
        neg("magic0 byte 1 changed", D, zfReject(() -> new ZFile().tweakHeader(h -> h.magic0[1] = 'G'), p));

        clause("ZF-HDR-2", "magic1", "zfile spec: header, magic1; notes 5.2",
                "Bytes 8-23 are the ASCII text tuji.yyf@Alibaba.", "", "header.magic");
        neg("magic1 last byte changed", D, zfReject(() -> new ZFile().tweakHeader(h -> h.magic1[15] = 'A'), p));

        clause("ZF-HDR-3", "field layout", "zfile spec: header table; notes 5.2, 9.2 #7-8",
                "Little-endian: size u32 at 24 (96), digest u32 at 28, flags u64 at 32, index_offset u64 at 40, "
                        + "index_size u64 at 48 (block count), original_file_size u64 at 56, index_crc u32 at 64, block_size "
                        + "u32 at 72, algo u8 at 76, level u8 at 77, use_dict u8 at 78, dict_size u32 at 84, verify u8 at 88, "
                        + "zeros to 511. Readers do not check size.",
                "The spec gives size 108, reserves bytes 28-31 and 64-71 and calls index_size the index section's size.");
        pos("size field 108", D, zf(() -> new ZFile().tweakBoth(h -> h.size = 108), p));

        clause("ZF-HDR-4", "header flag", "zfile spec: flags bit 0; notes 5.8 step 1",
                "The first block has flag bit 0 (header) set.", "", "header.flags.header");
        neg("header flags 0x12", D, zfReject(() -> new ZFile().tweakHeader(h -> h.flags &= ~ZF_HEADER), p));

        clause("ZF-HDR-5", "level ignored", "zfile spec: level; notes 5.5",
                "The level byte is written 0 and ignored by readers.", "The spec does not say it is ignored.");
        pos("level 19 in header and trailer", D, zf(() -> new ZFile().tweakBoth(h -> h.level = 19), p));

        clause("ZF-DIG-1", "digest", "notes 5.3, 9.2 #1-2",
                "When flag bit 4 (0x10, CALC_DIGEST) is set, bytes 28-31 hold the raw CRC32C (seed 0) of all 512 bytes "
                        + "computed with those 4 bytes zeroed, and the header's digest must match. Without bit 4 the "
                        + "digest is not checked.",
                "The spec has no digest (bytes 28-31 reserved; other versions say \"range 28-511\") and reserves flag bits "
                        + "4-63 as zero; the reference sets bit 4 and covers bytes 0-511.",
                "header.digest", "trailer.digest");
        neg("header digest off by one", D, zfReject(() -> new ZFile().tweakHeader(h -> h.digestOverride = 12345L), p));
        neg("header digest over bytes 28-511 only", D, () -> {
            ZFile z = new ZFile();
            byte[] f = z.build(p);
            ZBlock h = new ZBlock();
            h.flags = ZF_HEADER | ZF_TYPE | ZF_DIGEST;
            h.blockSize = 4096;
            h.algo = ALGO_LZ4;
            h.verify = 1;
            System.arraycopy(digestOver(h, 28), 0, f, 0, 512);
            return Built.reject(List.of(Input.of("in.zfile", f)));
        });
        pos("flag 0x10 clear everywhere and digests garbage", D, zf(() -> new ZFile().tweakBoth(h -> {
            h.flags &= ~ZF_DIGEST;
            h.digestOverride = 0xDEADBEEFL;
        }), p));

        clause("ZF-CRC-1", "CRC32C variant", "notes 5.9, 9.2 #2",
                "Every ZFile checksum is the raw CRC32C: reflected polynomial 0x82F63B78, register starting at the "
                        + "seed, no inversion before or after (\"123456789\" gives 0x58E3FA20 with seed 0). The standard "
                        + "CRC-32C (inverted) does not match.",
                "The spec calls the block checksum CRC32 and names no variant.", "header.digest", "trailer.digest",
                "index_crc", "block[*].crc");
        neg("header digest computed with the standard CRC-32C", D, () -> {
            ZFile z = new ZFile();
            byte[] f = z.build(p);
            byte[] h = Arrays.copyOf(f, 512);
            putU32(h, 28, 0);
            java.util.zip.CRC32C std = new java.util.zip.CRC32C();
            std.update(h);
            putU32(f, 28, std.getValue());
            return Built.reject(List.of(Input.of("in.zfile", f)));
        });

        clause("ZF-FLG-1", "trailer fields", "zfile spec: trailer, info_valid; notes 5.2.1, 5.8 step 2, 9.2 #12-13",
                "Without flag bit 3 the header was written first with zero index fields (0x13); the fields come from "
                        + "the trailer, the last 512 bytes, which must carry both magics, bit 0 clear, bit 1 (type) and "
                        + "bit 2 (sealed) set (0x16). Such a header must have bit 1 set.",
                "The spec does not locate the trailer.", "trailer.magic", "trailer.flags.header", "trailer.flags.type",
                "trailer.flags.sealed", "header.flags.type");
        pos("header 0x13 with zero fields, trailer 0x16", D, zf(ZFile::new, p));
        neg("trailer magic0 changed", D, zfReject(() -> new ZFile().tweakTrailer(t -> t.magic0[0] = 'z'), p));
        neg("trailer flags 0x17 (header bit set)", D, zfReject(() -> new ZFile().tweakTrailer(t -> t.flags |= ZF_HEADER), p));
        neg("trailer flags 0x12 (not sealed)", D, zfReject(() -> new ZFile().tweakTrailer(t -> t.flags &= ~ZF_SEALED), p));
        neg("trailer flags 0x14 (type clear)", D, zfReject(() -> new ZFile().tweakTrailer(t -> t.flags &= ~ZF_TYPE), p));
        neg("header flags 0x11 (type clear)", D, zfReject(() -> new ZFile().tweakHeader(h -> h.flags &= ~ZF_TYPE), p));

        clause("ZF-FLG-2", "header overwrite", "zfile spec: flags bit 3 (info_valid); notes 5.2.1, 5.8 step 3, 9.2 #6",
                "When flag bit 3 is set (0x1B, written by commit) the header carries the final fields and the trailer is "
                        + "not read at all.",
                "The spec calls the bit info_valid; the reference does not read the trailer when it is set.");
        pos("header 0x1B, trailer zeroed", D, zf(() -> new ZFile().overwriteHeader(true).tweakTrailer(t -> {
            t.magic0 = new byte[8];
            t.magic1 = new byte[16];
            t.flags = 0;
            t.digestOverride = 0L;
        }), p));

        clause("ZF-IDX-1", "index", "zfile spec: index; notes 5.7, 9.2 #5, #7",
                "The index is index_size little-endian u32 values, one per block, giving each block's stored size; "
                        + "blocks start at 512 + dict_size and follow each other, so block i starts at the sum of the "
                        + "sizes before it. The index is never compressed.",
                "The spec says the index may be compressed (never done; flag 0x20 is not implemented) and that index_size "
                        + "is its size; it also puts the dictionary after the data, while readers start the blocks after it "
                        + "(no writer produces one: use_dict and dict_size are 0).", "trailer.index_offset",
                "header.index_offset", "trailer.index_size", "header.index_size", "index[*]", "index");
        pos("odd-sized incompressible and compressible blocks", D, zf(ZFile::new, plain(50_001)));
        neg("index_offset beyond the trailer", D, zfReject(() -> new ZFile().tweakTrailer(t -> t.indexOffset += 4096), p));
        neg("index_size 1,000,000,001 (over the limit)", D, zfReject(() -> new ZFile().tweakTrailer(t ->
                t.indexSize = 1_000_000_001L), p));

        clause("ZF-IDX-2", "index_crc", "notes 5.7, 5.8 step 4",
                "With flag bit 4 set, index_crc is the raw CRC32C (seed 0) of the index bytes as stored, and must match.",
                "Not in the spec.", "index_crc");
        neg("index_crc off by one", D, zfReject(() -> new ZFile().tweakTrailer(t -> t.indexCrc ^= 1), p));

        clause("ZF-BLK-1", "blocks", "notes 5.1, 5.4, 9.2 #10",
                "Block i holds the compressed form of original bytes [i × block_size, min((i+1) × block_size, "
                        + "original_file_size)); only the last block is short and there is no padding. An empty file has "
                        + "no blocks.",
                "Not described by the spec.", "block[*].data");
        pos("original size 1 (one 1-byte block)", D, zf(ZFile::new, new byte[] {42}));
        pos("empty original file", D, zf(ZFile::new, new byte[0]));
        neg("block 0 decodes to half a block", D, zfReject(() -> {
            ZFile z = new ZFile();
            z.blockHook = (i, b) -> i == 0 ? withCrc(VectorBuilder.compressBlock(ALGO_LZ4, Arrays.copyOf(p, 2048))) : b;
            return z;
        }, p));
        neg("block 0 payload not LZ4 (CRC valid)", D, zfReject(() -> {
            ZFile z = new ZFile();
            z.blockHook = (i, b) -> i == 0 ? withCrc(new byte[] {0x1F, 0, 0, 0}) : b;
            return z;
        }, p));

        clause("ZF-BLK-2", "block size", "notes 5.6, 9.2 #11",
                "block_size is a power of two of at most 65536 bytes (writers use 4-64 KiB).",
                "The spec states no limits.", "trailer.block_size", "header.block_size");
        pos("64 KiB blocks", D, zf(() -> new ZFile().blockSize(65536), plain(200_000)));
        neg("block_size 6144", D, zfReject(() -> new ZFile().tweakBoth(h -> h.blockSize = 6144), p));
        neg("block_size 131072", D, zfReject(() -> new ZFile().tweakBoth(h -> h.blockSize = 131072), p));
        vec(Kind.LENIENT, "64 KiB incompressible blocks larger than 64 KiB with their CRC (the reference cannot read them)",
                D, zf(() -> new ZFile().blockSize(65536), payload("rand", 70, 3 * 65536 + 100)));

        clause("ZF-CRC-2", "block CRC", "notes 5.4, 9.2 #2-3",
                "With verify = 1 each block's compressed bytes are followed by their raw CRC32C with seed 100007, "
                        + "little-endian, and the index size counts those 4 bytes. Readers check it.",
                "The spec says \"CRC32\" and neither the seed nor what it covers.", "block[*].crc");
        neg("block 1 CRC flipped", D, zfReject(() -> {
            ZFile z = new ZFile();
            z.blockHook = (i, b) -> {
                if (i == 1) {
                    b[b.length - 1] ^= 0x40;
                }
                return b;
            };
            return z;
        }, p));
        neg("block CRCs computed with seed 0", D, zfReject(() -> {
            ZFile z = new ZFile();
            z.crcSeed = 0;
            return z;
        }, p));

        clause("ZF-VER-1", "no CRC", "zfile spec: verify; notes 5.4",
                "With verify = 0 blocks carry no CRC and the index holds the bare compressed sizes.", "");
        pos("LZ4 without CRCs", D, zf(() -> new ZFile().verify(false), p));

        clause("ZF-ALG-1", "algorithms", "zfile spec: algo; notes 5.5, 9.2 #9",
                "algo 1 is LZ4 (raw block format, no frame), algo 2 is ZSTD (a complete frame per block). Other values "
                        + "(0 = MINI_LZO has no decoder) are refused.",
                "The spec lists no codes.", "trailer.algo", "header.algo");
        pos("ZSTD, 8 KiB, CRC", D, zf(() -> new ZFile().algo(ALGO_ZSTD).blockSize(8192), p));
        pos("ZSTD, 32 KiB, header overwritten", D, zf(() -> new ZFile().algo(ALGO_ZSTD).blockSize(32768).overwriteHeader(true), p));
        neg("algo 0 (MINI_LZO)", D, zfReject(() -> new ZFile().tweakBoth(h -> h.algo = 0), p));
        neg("algo 7", D, zfReject(() -> new ZFile().tweakBoth(h -> h.algo = 7), p));

        final Operation F = Operation.FLATTEN;
        clause("ZF-LSMT-1", "ZFile-wrapped layers", "notes 0, 6.1, 9.1 #15",
                "A layer file that starts with the ZFile magic is read through ZFile; every LSMT offset and the trailer "
                        + "position refer to the decompressed bytes. ZFile and plain layers mix in one stack.",
                "The LSMT spec does not mention compression.");
        pos("ZFile layer (LZ4, 4 KiB, CRC) under a plain layer", F, () -> {
            byte[] l0 = basic().build(), l1 = new Blob(1 << 20).zero(0, 2).map(64, rand(4, 58)).build();
            byte[] disk = VectorBuilder.flatten(1 << 20, List.of(LayerView.ofBlob(l0), LayerView.ofBlob(l1)));
            return Built.output(List.of(Input.of("layer0.zfile", new ZFile().overwriteHeader(true).build(l0)),
                    Input.of("layer1.lsmt", l1)), disk);
        });
        pos("ZFile layer with ZSTD 16 KiB blocks and no CRC, trailer not 4096-aligned", F, () -> {
            byte[] l0 = new Blob(1 << 20).map(7, rand(3, 59)).build();
            byte[] disk = VectorBuilder.flatten(1 << 20, List.of(LayerView.ofBlob(l0)));
            return Built.output(List.of(Input.of("layer0.zfile",
                    new ZFile().algo(ALGO_ZSTD).blockSize(16384).verify(false).build(l0))), disk);
        });
    }

    static byte[] withCrc(byte[] c) {
        byte[] s = Arrays.copyOf(c, c.length + 4);
        putU32(s, c.length, VectorBuilder.crc32c(VectorBuilder.BLOCK_CRC_SEED, c));
        return s;
    }

    private void zfileWriter() {
        final Operation Z = Operation.ZFILE_COMPRESS;
        clause("ZF-W-1", "written header and trailer", "notes 5.2, 5.2.1, 5.3",
                "A writer emits a header 0x13 with zero index fields (or, overwritten at the end, 0x1B with the final "
                        + "fields) and a trailer 0x16 in the last 512 bytes, size 96, both digests valid, level 0, no "
                        + "dictionary.",
                "The trailer digest is written but the reference never checks it; obdj does.");
        pos("LZ4, 4 KiB, CRC, header not overwritten", Z, compress("algo=lz4,bs=4096,verify=1,overwrite_header=0", plain(30_123)));
        pos("ZSTD, 8 KiB, no CRC, header overwritten", Z, compress("algo=zstd,bs=8192,verify=0,overwrite_header=1", plain(30_123)));

        clause("ZF-W-2", "written blocks", "notes 5.4, 5.7",
                "A writer emits ceil(size / block_size) blocks, all full but the last, back to back from byte 512; with "
                        + "verify each is followed by its CRC (seed 100007) counted in the index; index_crc covers the "
                        + "index; the index sits at index_offset, right before the trailer; the file reads back to the "
                        + "input.",
                "");
        pos("LZ4, 64 KiB blocks, compressible", Z, compress("algo=lz4,bs=65536,verify=1,overwrite_header=1", comp(400, 71)));
        pos("empty input", Z, compress("algo=lz4,bs=4096,verify=1,overwrite_header=0", new byte[0]));
        pos("one byte", Z, compress("algo=zstd,bs=4096,verify=1,overwrite_header=0", new byte[] {7}));
    }
}
