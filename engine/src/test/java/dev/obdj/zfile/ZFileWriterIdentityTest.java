package dev.obdj.zfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.obdj.sample.Payload;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Our writer against the corpus files that ship their plain input: the output is byte-identical to the reference's. */
class ZFileWriterIdentityTest {
    @TempDir
    Path tmp;

    @Test
    void s09Lz4ToolOutput() throws Exception {
        Path dir = ZFileCorpus.root().resolve("s09_plain_zfile_odd_compressible");
        same(dir.resolve("plain.bin"), dir.resolve("plain.bin.lz4_4k_crc.zfile"), ZFileWriter.Options.tool());
    }

    @Test
    void s09ZstdBuilderOutput() throws Exception {
        Path dir = ZFileCorpus.root().resolve("s09_plain_zfile_odd_compressible");
        same(dir.resolve("plain.bin"), dir.resolve("plain.bin.zstd_8k.zfile"),
                ZFileWriter.Options.tool().withCodec(BlockCodec.Zstd.INSTANCE).withBlockSize(8192).withBlockCrc(false));
    }

    @Test
    void s05CommitDashZOutput() throws Exception {
        Path dir = ZFileCorpus.root().resolve("s05_zfile_layer_lz4_4k_verify");
        same(dir.resolve("layer0.lsmt"), dir.resolve("layer0.zfile"), ZFileWriter.Options.commit());
        same(dir.resolve("layer0.lsmt"), dir.resolve("layer0.zfile"), ZFileWriter.Options.commit().withThreads(2));
    }

    /**
     * Many batches, any thread count: the data section is each 4 KiB block through lz4-java's port
     * of the reference's encoder followed by its table-driven raw CRC, and the index lists those sizes.
     */
    @Test
    void manyBatchesMatchThePortBlockByBlock() throws Exception {
        byte[] in = new byte[6 * 1024 * 1024 + 1234];
        for (int k = 0; k * 65536 < in.length; k++) {
            byte[] p = Payload.bytes(Payload.Kind.values()[k % 4], k, 65536);
            System.arraycopy(p, 0, in, k * 65536, Math.min(65536, in.length - k * 65536));
        }
        java.io.ByteArrayOutputStream want = new java.io.ByteArrayOutputStream();
        java.util.List<Integer> sizes = new java.util.ArrayList<>();
        LZ4Compressor port = LZ4Factory.safeInstance().fastCompressor();
        for (int at = 0; at < in.length; at += 4096) {
            int len = Math.min(4096, in.length - at);
            byte[] c = new byte[port.maxCompressedLength(len) + 4];
            int n = port.compress(in, at, len, c, 0, c.length);
            int crc = Crc32cRaw.table(Crc32cRaw.BLOCK_SEED, c, 0, n);
            ByteBuffer.wrap(c, n, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(crc);
            want.write(c, 0, n + 4);
            sizes.add(n + 4);
        }
        byte[] data = want.toByteArray();
        for (int threads : new int[] {1, 2, 3}) {
            Path out = tmp.resolve("many." + threads);
            try (ZFileWriter w = ZFileWriter.create(out, ZFileWriter.Options.commit().withThreads(threads))) {
                for (int at = 0; at < in.length; at += 100_003) {
                    w.write(ByteBuffer.wrap(in, at, Math.min(100_003, in.length - at)));
                }
            }
            byte[] f = Files.readAllBytes(out);
            assertArrayEquals(data, java.util.Arrays.copyOfRange(f, 512, 512 + data.length), threads + " threads: data");
            ByteBuffer idx = ByteBuffer.wrap(f, 512 + data.length, 4 * sizes.size()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < sizes.size(); i++) {
                assertEquals(sizes.get(i), idx.getInt(), threads + " threads: index[" + i + "]");
            }
            assertEquals(512 + data.length + 4 * sizes.size() + 512, f.length, threads + " threads: file size");
        }
    }

    private void same(Path plain, Path reference, ZFileWriter.Options o) throws Exception {
        Path out = tmp.resolve(reference.getFileName() + "." + o.threads());
        try (ZFileWriter w = ZFileWriter.create(out, o)) {
            byte[] in = Files.readAllBytes(plain);
            for (int at = 0; at < in.length; at += 10007) { // odd write sizes: block boundaries are the writer's business
                w.write(ByteBuffer.wrap(in, at, Math.min(10007, in.length - at)));
            }
        }
        assertArrayEquals(Files.readAllBytes(reference), Files.readAllBytes(out), reference.toString());
    }
}
