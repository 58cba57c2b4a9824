package dev.obdj;

/**
 * How to write a ZFile (a seekable, block-compressed file) when committing or merging into one.
 *
 * @param algorithm       block compression
 * @param blockSize       original bytes per block: a power of two from 4096 to 65536. Blocks of
 *                        incompressible data at 65536 exceed what the reference's reader can stage;
 *                        prefer 32 KiB or less for files it must read
 * @param blockCrc        append a CRC32C to every block (the reference always does)
 * @param overwriteHeader rewrite the header with the final fields at the end, as
 *                        {@code overlaybd-commit -z} does
 * @param threads         compression threads (1 compresses on the calling thread); output bytes do
 *                        not depend on it
 */
public record ZFileOptions(Algorithm algorithm, int blockSize, boolean blockCrc, boolean overwriteHeader, int threads) {

    /** Block compression algorithms. */
    public enum Algorithm {
        /** LZ4 block format, byte-identical to the reference's encoder. */
        LZ4,
        /** ZSTD level 3 frames. */
        ZSTD,
        /** LZ4 through the native liblz4 encoder: faster, different (still readable) bytes. */
        LZ4_NATIVE
    }

    public ZFileOptions {
        if (algorithm == null) {
            throw new UsageException("ZFile algorithm must be given");
        }
        if (blockSize < 4096 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
            throw new UsageException("ZFile block size must be a power of two from 4096 to 65536, not " + blockSize);
        }
        if (threads < 1) {
            throw new UsageException("ZFile compression threads must be at least 1, not " + threads);
        }
    }

    /** {@code overlaybd-commit -z}: LZ4, 4 KiB blocks, CRCs, header overwritten, one thread. */
    public static ZFileOptions commitDefaults() {
        return new ZFileOptions(Algorithm.LZ4, 4096, true, true, 1);
    }

    public ZFileOptions withAlgorithm(Algorithm a) { return new ZFileOptions(a, blockSize, blockCrc, overwriteHeader, threads); }

    public ZFileOptions withBlockSize(int bs) { return new ZFileOptions(algorithm, bs, blockCrc, overwriteHeader, threads); }

    public ZFileOptions withBlockCrc(boolean v) { return new ZFileOptions(algorithm, blockSize, v, overwriteHeader, threads); }

    public ZFileOptions withOverwriteHeader(boolean v) { return new ZFileOptions(algorithm, blockSize, blockCrc, v, threads); }

    public ZFileOptions withThreads(int n) { return new ZFileOptions(algorithm, blockSize, blockCrc, overwriteHeader, n); }
}
