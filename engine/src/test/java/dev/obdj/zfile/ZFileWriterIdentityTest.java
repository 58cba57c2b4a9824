package dev.obdj.zfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

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
