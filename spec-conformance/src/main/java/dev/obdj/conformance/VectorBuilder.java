package dev.obdj.conformance;

import com.github.luben.zstd.Zstd;
import net.jpountz.lz4.LZ4Factory;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Writes conformance vectors byte by byte from the clause text. It shares no code with the
 * engine: its own raw CRC32C table, its own LSMT header and index-entry encoding, its own ZFile
 * layout, its own model of commit and of reading a stack. Block payloads are compressed with
 * lz4-java and zstd-jni directly (the format only needs valid LZ4 blocks and ZSTD frames).
 */
public final class VectorBuilder {
    private VectorBuilder() {}

    public static final int SECTOR = 512;

    // ---------------------------------------------------------------------------------------
    // raw CRC32C (ZF-CRC-1): reflected Castagnoli polynomial, byte-wise table, no inversion

    private static final int[] CRC_TABLE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            }
            CRC_TABLE[n] = c;
        }
    }

    /** The reference's raw CRC32C: the register starts at {@code seed}, no pre- or post-inversion. */
    public static int crc32c(int seed, byte[] b, int off, int len) {
        int c = seed;
        for (int k = off; k < off + len; k++) {
            c = CRC_TABLE[(c ^ b[k]) & 0xFF] ^ (c >>> 8);
        }
        return c;
    }

    public static int crc32c(int seed, byte[] b) {
        return crc32c(seed, b, 0, b.length);
    }

    /** The seed of per-block CRCs (ZF-CRC-2). */
    public static final int BLOCK_CRC_SEED = 100007;

    // ---------------------------------------------------------------------------------------
    // little-endian helpers

    static void putU32(byte[] b, int at, long v) {
        for (int k = 0; k < 4; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
        }
    }

    static void putU64(byte[] b, int at, long v) {
        for (int k = 0; k < 8; k++) {
            b[at + k] = (byte) (v >>> (8 * k));
        }
    }

    static long u32(byte[] b, int at) {
        long v = 0;
        for (int k = 3; k >= 0; k--) {
            v = (v << 8) | (b[at + k] & 0xFF);
        }
        return v;
    }

    static long u64(byte[] b, int at) {
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = (v << 8) | (b[at + k] & 0xFF);
        }
        return v;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    // ---------------------------------------------------------------------------------------
    // payload generator of the corpus (its README): rand, comp, zero, half

    public static byte[] payload(String kind, long seed, int n) {
        byte[] out = new byte[n];
        switch (kind) {
            case "zero" -> { }
            case "comp" -> {
                for (int k = 0; k < n; k++) {
                    out[k] = (byte) ('a' + Math.floorMod((k >> 6) + seed, 26));
                }
            }
            case "rand", "half" -> {
                long x = seed ^ 0x9E3779B97F4A7C15L;
                if (x == 0) {
                    x = 1;
                }
                for (int k = 0; k < n; k += 8) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    for (int j = 0; j < 8 && k + j < n; j++) {
                        out[k + j] = (byte) (x >>> (8 * j));
                    }
                }
                if (kind.equals("half")) {
                    for (int k = 0; k < n; k++) {
                        if (((k >> 9) & 1) != 0) {
                            out[k] = 0;
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown payload kind " + kind);
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------
    // LSMT (LSMT-HDR-*, LSMT-IDX-*)

    public static final byte[] LSMT_MAGIC0 = {0x4C, 0x53, 0x4D, 0x54, 0x00, 0x01, 0x02, 0x00};
    public static final byte[] LSMT_MAGIC1 = {0x65, 0x7E, 0x63, (byte) 0xD2, (byte) 0x94, 0x44, 0x08, 0x4C,
            (byte) 0xA2, (byte) 0xD2, (byte) 0xC8, (byte) 0xEC, 0x4F, (byte) 0xCF, (byte) 0xAE, (byte) 0x8A};
    public static final String NULL_UUID = "00000000-0000-0000-0000-000000000000";
    public static final int LSMT_BLOCK = 4096;
    public static final long INVALID_OFFSET = (1L << 50) - 1;
    public static final int MAX_LENGTH = 16383;

    public static final int F_HEADER = 1, F_DATA = 2, F_SEALED = 4, F_SPARSE = 16;

    /** One 16-byte index entry (LSMT-IDX-3), in sectors. */
    public record Entry(long offset, int length, long moffset, boolean zeroed, int tag) {
        public static Entry data(long offset, int length, long moffset) {
            return new Entry(offset, length, moffset, false, 0);
        }

        public static Entry zero(long offset, int length, long moffset) {
            return new Entry(offset, length, moffset, true, 0);
        }

        public static Entry invalid() {
            return new Entry(INVALID_OFFSET, 0, 0, false, 0);
        }

        public Entry withTag(int t) {
            return new Entry(offset, length, moffset, zeroed, t);
        }

        public boolean isInvalid() {
            return offset == INVALID_OFFSET;
        }

        public long end() {
            return offset + length;
        }

        /** Two little-endian u64 words: offset:50 | length:14, then moffset:55 | zeroed:1 | tag:8. */
        public byte[] encode() {
            byte[] b = new byte[16];
            putU64(b, 0, (offset & INVALID_OFFSET) | ((long) (length & 0x3FFF) << 50));
            putU64(b, 8, (moffset & ((1L << 55) - 1)) | (zeroed ? 1L << 55 : 0) | ((long) (tag & 0xFF) << 56));
            return b;
        }

        public static Entry decode(byte[] b, int at) {
            long lo = u64(b, at), hi = u64(b, at + 8);
            return new Entry(lo & INVALID_OFFSET, (int) (lo >>> 50), hi & ((1L << 55) - 1), ((hi >>> 55) & 1) != 0,
                    (int) (hi >>> 56));
        }
    }

    /** The 4096-byte LSMT header/trailer block (LSMT-HDR-*), every field settable. */
    public static final class LsmtBlock {
        public byte[] magic0 = LSMT_MAGIC0.clone();
        public byte[] magic1 = LSMT_MAGIC1.clone();
        public long size = 390;
        public long flags;
        public long indexOffset;
        public long indexSize;
        public long virtualSize;
        public String uuid = NULL_UUID;
        public String parentUuid = NULL_UUID;
        public int version = 1;
        public int subVersion = 1;
        public byte[] userTag = new byte[0];

        public byte[] encode() {
            byte[] b = new byte[LSMT_BLOCK];
            System.arraycopy(magic0, 0, b, 0, 8);
            System.arraycopy(magic1, 0, b, 8, 16);
            putU32(b, 24, size);
            putU32(b, 28, flags);
            putU64(b, 32, indexOffset);
            putU64(b, 40, indexSize);
            putU64(b, 48, virtualSize);
            uuidText(b, 56, uuid);
            uuidText(b, 93, parentUuid);
            b[132] = (byte) version;
            b[133] = (byte) subVersion;
            System.arraycopy(userTag, 0, b, 134, Math.min(256, userTag.length));
            return b;
        }

        /** 36 upper-case characters and a NUL in a 37-byte field (LSMT-UUID-1). */
        private static void uuidText(byte[] b, int at, String u) {
            byte[] t = u.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(t, 0, b, at, Math.min(36, t.length));
        }
    }

    /**
     * A sealed LSMT blob laid out as the reference's commit does: header, data from sector 8,
     * index padded with invalid entries to a multiple of 256 (counted in index_size), trailer.
     * Every part can be bent for a negative vector.
     */
    public static final class Blob {
        public final LsmtBlock header = new LsmtBlock();
        public final LsmtBlock trailer = new LsmtBlock();
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        public final List<Entry> entries = new ArrayList<>();
        public boolean pad = true;
        /** Raw bytes appended between the index and the trailer (index_offset unchanged). */
        public byte[] afterIndex = new byte[0];
        /** Applied to the trailer after its index fields are filled in. */
        public Consumer<LsmtBlock> trailerHook = t -> { };

        public Blob(long virtualSize) {
            header.flags = F_HEADER | F_DATA | F_SEALED;
            trailer.flags = F_DATA | F_SEALED;
            header.virtualSize = trailer.virtualSize = virtualSize;
        }

        /** Appends sector-aligned bytes to the data section; returns their moffset (sectors). */
        public long append(byte[] bytes) {
            if (bytes.length % SECTOR != 0) {
                throw new IllegalArgumentException("data must be whole sectors");
            }
            long m = 8 + data.size() / SECTOR;
            data.writeBytes(bytes);
            return m;
        }

        /** Maps {@code bytes} at logical sector {@code lba} (one entry). */
        public Blob map(long lba, byte[] bytes) {
            long m = append(bytes);
            entries.add(Entry.data(lba, bytes.length / SECTOR, m));
            return this;
        }

        /** A zeroed entry at the current end of the data section. */
        public Blob zero(long lba, int sectors) {
            entries.add(Entry.zero(lba, sectors, dataEndSector()));
            return this;
        }

        public long dataEndSector() {
            return 8 + data.size() / SECTOR;
        }

        public Blob tweak(Consumer<Blob> c) {
            c.accept(this);
            return this;
        }

        public byte[] build() {
            List<Entry> idx = new ArrayList<>(entries);
            if (pad) {
                while (idx.size() % 256 != 0) {
                    idx.add(Entry.invalid());
                }
            }
            ByteArrayOutputStream index = new ByteArrayOutputStream();
            idx.forEach(e -> index.writeBytes(e.encode()));
            long indexOffset = LSMT_BLOCK + data.size();
            trailer.indexOffset = indexOffset;
            trailer.indexSize = idx.size();
            trailerHook.accept(trailer);
            return concat(header.encode(), data.toByteArray(), index.toByteArray(), afterIndex, trailer.encode());
        }
    }

    /** An uncommitted RW layer: data file (header 0x03, appended data) and index log (header 0x01). */
    public static final class RwPair {
        public final LsmtBlock dataHeader = new LsmtBlock();
        public final LsmtBlock indexHeader = new LsmtBlock();
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        public final List<Entry> log = new ArrayList<>();
        public byte[] indexTail = new byte[0];

        public RwPair(long virtualSize, String uuid) {
            dataHeader.flags = F_HEADER | F_DATA;
            indexHeader.flags = F_HEADER;
            indexHeader.indexOffset = LSMT_BLOCK;
            dataHeader.virtualSize = indexHeader.virtualSize = virtualSize;
            dataHeader.uuid = indexHeader.uuid = uuid;
        }

        public RwPair write(long lba, byte[] bytes) {
            long m = 8 + data.size() / SECTOR;
            data.writeBytes(bytes);
            log.add(Entry.data(lba, bytes.length / SECTOR, m));
            return this;
        }

        public RwPair discard(long lba, int sectors) {
            log.add(Entry.zero(lba, sectors, 8 + data.size() / SECTOR));
            return this;
        }

        public byte[] dataFile() {
            return concat(dataHeader.encode(), data.toByteArray());
        }

        public byte[] indexFile() {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(indexHeader.encode());
            log.forEach(e -> o.writeBytes(e.encode()));
            o.writeBytes(indexTail);
            return o.toByteArray();
        }
    }

    /** What a reader must show for one layer: its entries applied over the layers below. */
    public record LayerView(List<Entry> entries, byte[] file) {
        public static LayerView ofBlob(byte[] blob) {
            long io = u64(blob, blob.length - LSMT_BLOCK + 32);
            long n = u64(blob, blob.length - LSMT_BLOCK + 40);
            List<Entry> es = new ArrayList<>();
            for (long k = 0; k < n; k++) {
                es.add(Entry.decode(blob, (int) (io + 16 * k)));
            }
            return new LayerView(es, blob);
        }

        public static LayerView ofRw(byte[] dataFile, byte[] indexFile) {
            List<Entry> es = new ArrayList<>();
            for (int at = LSMT_BLOCK; at + 16 <= indexFile.length; at += 16) {
                es.add(Entry.decode(indexFile, at));
            }
            return new LayerView(es, dataFile);
        }
    }

    /**
     * The virtual disk a stack shows (LSMT-READ-*, LSMT-STK-*): layers applied lowest first,
     * entries in order (a later entry wins, as in an RW log), invalid entries skipped, zeroed
     * entries write zeros, holes keep what is below (zeros at the bottom).
     */
    public static byte[] flatten(long virtualSize, List<LayerView> lowestFirst) {
        byte[] disk = new byte[Math.toIntExact(virtualSize)];
        for (LayerView l : lowestFirst) {
            for (Entry e : l.entries()) {
                if (e.isInvalid() || e.length() == 0) {
                    continue;
                }
                long from = e.offset() * SECTOR;
                if (from >= virtualSize) {
                    continue;
                }
                int n = (int) Math.min((long) e.length() * SECTOR, virtualSize - from);
                if (e.zeroed()) {
                    Arrays.fill(disk, (int) from, (int) from + n, (byte) 0);
                } else {
                    System.arraycopy(l.file(), (int) (e.moffset() * SECTOR), disk, (int) from, n);
                }
            }
        }
        return disk;
    }

    // ---------------------------------------------------------------------------------------
    // commit (LSMT-CMT-*): the blob the reference writes for an RW layer's operations

    /** One recorded operation on a fresh RW layer. */
    public record Op(String op, long offset, long length, String kind, long seed) {
        public static Op write(long offset, long length, String kind, long seed) {
            return new Op("write", offset, length, kind, seed);
        }

        public static Op discard(long offset, long length) {
            return new Op("discard", offset, length, null, 0);
        }

        public java.util.Map<String, Object> json() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("op", op);
            m.put("offset", offset);
            m.put("length", length);
            if (kind != null) {
                m.put("kind", kind);
                m.put("seed", seed);
            }
            return m;
        }
    }

    /** The arguments of one commit: the RW layer's creation and the commit's own. */
    public record CommitSpec(long virtualSize, String rwUuid, String rwParentUuid, String uuid, String parentUuid,
                             String userTag, List<Op> ops) {
        /** The OPS.json of the adapter protocol (spec-conformance/README.md). */
        public String opsJson() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("virtual_size", virtualSize);
            m.put("rw_uuid", rwUuid);
            m.put("rw_parent_uuid", rwParentUuid);
            java.util.Map<String, Object> c = new java.util.LinkedHashMap<>();
            c.put("uuid", uuid);
            c.put("parent_uuid", parentUuid);
            c.put("user_tag", userTag);
            m.put("commit", c);
            m.put("operations", ops.stream().map(Op::json).toList());
            return Json.pretty(m);
        }
    }

    private static final int RW_PIECE = 8192;   // MAX_IO_SIZE / 512: RW writes are split here
    private static final int STEP = 64;         // commit copies 32 KiB steps

    /**
     * The blob the reference's commit writes: replay newest-wins per sector (each write split
     * into 4 MiB pieces, each discard into 16383-sector pieces), copy the live mappings in
     * 32 KiB steps from sector 8, merge greedily while the sum stays below 16383 sectors, pad the
     * index to 256 entries, header 0x07 and trailer 0x06.
     */
    public static byte[] commit(CommitSpec spec) {
        int sectors = Math.toIntExact((spec.virtualSize() + SECTOR - 1) / SECTOR);
        for (Op o : spec.ops()) {
            sectors = Math.max(sectors, Math.toIntExact((o.offset() + o.length()) / SECTOR));
        }
        int[] piece = new int[sectors];
        int[] pos = new int[sectors];
        Arrays.fill(piece, -1);
        List<byte[]> pieceData = new ArrayList<>(); // null = zeroed piece
        for (Op o : spec.ops()) {
            int lba = (int) (o.offset() / SECTOR), len = (int) (o.length() / SECTOR);
            boolean w = o.op().equals("write");
            byte[] p = w ? payload(o.kind(), o.seed(), (int) o.length()) : null;
            int max = w ? RW_PIECE : MAX_LENGTH;
            for (int st = 0; st < len; st += max) {
                int n = Math.min(max, len - st);
                int id = pieceData.size();
                pieceData.add(w ? Arrays.copyOfRange(p, st * SECTOR, (st + n) * SECTOR) : null);
                for (int k = 0; k < n; k++) {
                    piece[lba + st + k] = id;
                    pos[lba + st + k] = k;
                }
            }
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<Entry> out = new ArrayList<>();
        long mo = 8;
        for (int s = 0; s < sectors; ) {
            if (piece[s] < 0) {
                s++;
                continue;
            }
            int e = s + 1;
            while (e < sectors && piece[e] == piece[s] && pos[e] == pos[e - 1] + 1) {
                e++;
            }
            byte[] src = pieceData.get(piece[s]);
            if (src == null) {
                out.add(Entry.zero(s, e - s, mo));
            } else {
                for (int st = s; st < e; st += STEP) {
                    int n = Math.min(STEP, e - st);
                    int from = pos[st] * SECTOR;
                    data.write(src, from, n * SECTOR);
                    out.add(Entry.data(st, n, mo));
                    mo += n;
                }
            }
            s = e;
        }
        List<Entry> merged = new ArrayList<>();
        for (Entry j : out) {
            Entry i = merged.isEmpty() ? null : merged.getLast();
            long mend = i == null ? -1 : i.zeroed() ? i.moffset() : i.moffset() + i.length();
            if (i != null && i.end() == j.offset() && mend == j.moffset() && i.zeroed() == j.zeroed()
                    && i.tag() == j.tag() && i.length() + j.length() < MAX_LENGTH) {
                merged.set(merged.size() - 1, new Entry(i.offset(), i.length() + j.length(), i.moffset(), i.zeroed(), i.tag()));
            } else {
                merged.add(j);
            }
        }
        Blob b = new Blob(spec.virtualSize());
        b.append(data.toByteArray());
        b.entries.addAll(merged);
        for (LsmtBlock h : List.of(b.header, b.trailer)) {
            h.uuid = spec.uuid() != null ? spec.uuid() : NULL_UUID;
            h.parentUuid = spec.parentUuid() != null ? spec.parentUuid()
                    : spec.rwParentUuid() != null ? spec.rwParentUuid() : NULL_UUID;
            h.userTag = spec.userTag() == null ? new byte[0] : spec.userTag().getBytes(StandardCharsets.UTF_8);
        }
        return b.build();
    }

    /** The disk the committed operations show (the RW layer read newest-wins). */
    public static byte[] commitContent(CommitSpec spec) {
        byte[] disk = new byte[Math.toIntExact(spec.virtualSize())];
        for (Op o : spec.ops()) {
            int from = (int) o.offset();
            if (from >= disk.length) {
                continue;
            }
            int n = (int) Math.min(o.length(), disk.length - from);
            if (o.op().equals("write")) {
                System.arraycopy(payload(o.kind(), o.seed(), (int) o.length()), 0, disk, from, n);
            } else {
                Arrays.fill(disk, from, from + n, (byte) 0);
            }
        }
        return disk;
    }

    // ---------------------------------------------------------------------------------------
    // ZFile (ZF-*)

    public static final byte[] ZF_MAGIC0 = {0x5A, 0x46, 0x69, 0x6C, 0x65, 0x00, 0x01, 0x00};
    public static final byte[] ZF_MAGIC1 = "tuji.yyf@Alibaba".getBytes(StandardCharsets.US_ASCII);
    public static final int ZF_BLOCK = 512;
    public static final long ZF_HEADER = 1, ZF_TYPE = 2, ZF_SEALED = 4, ZF_OVERWRITE = 8, ZF_DIGEST = 16;
    public static final int ALGO_LZ4 = 1, ALGO_ZSTD = 2;

    /** The 512-byte ZFile header/trailer (96-byte struct, zeros after it). */
    public static final class ZBlock {
        public byte[] magic0 = ZF_MAGIC0.clone();
        public byte[] magic1 = ZF_MAGIC1.clone();
        public long size = 96;
        public long flags;
        public long indexOffset;
        public long indexSize;
        public long originalSize;
        public long indexCrc;
        public long blockSize;
        public int algo;
        public int level;
        public int useDict;
        public long dictSize;
        public int verify;
        /** When non-null, stored instead of the computed digest. */
        public Long digestOverride;

        public ZBlock copy() {
            ZBlock z = new ZBlock();
            z.magic0 = magic0.clone();
            z.magic1 = magic1.clone();
            z.size = size;
            z.flags = flags;
            z.indexOffset = indexOffset;
            z.indexSize = indexSize;
            z.originalSize = originalSize;
            z.indexCrc = indexCrc;
            z.blockSize = blockSize;
            z.algo = algo;
            z.level = level;
            z.useDict = useDict;
            z.dictSize = dictSize;
            z.verify = verify;
            return z;
        }

        public byte[] encode() {
            byte[] b = new byte[ZF_BLOCK];
            System.arraycopy(magic0, 0, b, 0, 8);
            System.arraycopy(magic1, 0, b, 8, 16);
            putU32(b, 24, size);
            putU64(b, 32, flags);
            putU64(b, 40, indexOffset);
            putU64(b, 48, indexSize);
            putU64(b, 56, originalSize);
            putU32(b, 64, indexCrc);
            putU32(b, 72, blockSize);
            b[76] = (byte) algo;
            b[77] = (byte) level;
            b[78] = (byte) useDict;
            putU32(b, 84, dictSize);
            b[88] = (byte) verify;
            // ZF-DIG-1: raw CRC32C, seed 0, over all 512 bytes with the digest field zeroed
            putU32(b, 28, digestOverride != null ? digestOverride : crc32c(0, b));
            return b;
        }
    }

    /** Compresses one block as the format's algorithm (raw LZ4 block, or a ZSTD frame). */
    public static byte[] compressBlock(int algo, byte[] raw) {
        return switch (algo) {
            case ALGO_LZ4 -> LZ4Factory.fastestJavaInstance().fastCompressor().compress(raw);
            case ALGO_ZSTD -> Zstd.compress(raw, 3);
            default -> throw new IllegalArgumentException("algo " + algo);
        };
    }

    /** A ZFile as the reference writes it, with every part open to bending. */
    public static final class ZFile {
        public int algo = ALGO_LZ4;
        public int blockSize = 4096;
        public boolean verify = true;
        public boolean overwriteHeader;
        /** Applied to each block's stored bytes (payload + CRC) before layout. */
        public java.util.function.BiFunction<Integer, byte[], byte[]> blockHook = (i, b) -> b;
        public Consumer<ZBlock> headerHook = h -> { };
        public Consumer<ZBlock> trailerHook = t -> { };
        /** Replaces the index bytes when non-null. */
        public java.util.function.UnaryOperator<byte[]> indexHook = x -> x;
        public int crcSeed = BLOCK_CRC_SEED;

        public ZFile algo(int a) {
            algo = a;
            return this;
        }

        public ZFile blockSize(int bs) {
            blockSize = bs;
            return this;
        }

        public ZFile verify(boolean v) {
            verify = v;
            return this;
        }

        public ZFile overwriteHeader(boolean v) {
            overwriteHeader = v;
            return this;
        }

        public ZFile tweakHeader(Consumer<ZBlock> c) {
            headerHook = headerHook.andThen(c);
            return this;
        }

        public ZFile tweakTrailer(Consumer<ZBlock> c) {
            trailerHook = trailerHook.andThen(c);
            return this;
        }

        public ZFile tweakBoth(Consumer<ZBlock> c) {
            return tweakHeader(c).tweakTrailer(c);
        }

        public byte[] build(byte[] plain) {
            int n = (plain.length + blockSize - 1) / blockSize;
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            byte[] index = new byte[4 * n];
            for (int i = 0; i < n; i++) {
                byte[] raw = Arrays.copyOfRange(plain, i * blockSize, Math.min(plain.length, (i + 1) * blockSize));
                byte[] c = compressBlock(algo, raw);
                byte[] stored = c;
                if (verify) {
                    stored = Arrays.copyOf(c, c.length + 4);
                    putU32(stored, c.length, crc32c(crcSeed, c));
                }
                stored = blockHook.apply(i, stored);
                data.writeBytes(stored);
                putU32(index, 4 * i, stored.length);
            }
            ZBlock t = new ZBlock();
            t.flags = ZF_TYPE | ZF_SEALED | ZF_DIGEST;
            t.indexOffset = ZF_BLOCK + data.size();
            t.indexSize = n;
            t.originalSize = plain.length;
            t.indexCrc = crc32c(0, index) & 0xFFFFFFFFL;
            t.blockSize = blockSize;
            t.algo = algo;
            t.verify = verify ? 1 : 0;
            byte[] idx = indexHook.apply(index);
            ZBlock h;
            if (overwriteHeader) {
                h = t.copy();
                h.flags = ZF_HEADER | ZF_TYPE | ZF_OVERWRITE | ZF_DIGEST;
            } else {
                h = new ZBlock();
                h.flags = ZF_HEADER | ZF_TYPE | ZF_DIGEST;
                h.blockSize = blockSize;
                h.algo = algo;
                h.verify = t.verify;
            }
            headerHook.accept(h);
            trailerHook.accept(t);
            return concat(h.encode(), data.toByteArray(), idx, t.encode());
        }
    }

    /** Hex of a SHA-256 digest. */
    public static String sha256(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
