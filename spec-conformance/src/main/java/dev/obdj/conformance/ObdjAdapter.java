package dev.obdj.conformance;

import dev.obdj.CommitOptions;
import dev.obdj.CreateOptions;
import dev.obdj.Image;
import dev.obdj.Layers;
import dev.obdj.ObdjException;
import dev.obdj.StorageException;
import dev.obdj.ZFileOptions;
import dev.obdj.io.ByteSource;
import dev.obdj.io.MappedFile;
import dev.obdj.sample.Payload;
import dev.obdj.zfile.BlockCodec;
import dev.obdj.zfile.ZFileReader;
import dev.obdj.zfile.ZFileWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * obdj behind the adapter protocol: {@code ObdjAdapter OPERATION ARGS...} (also
 * {@code obd conformance-adapter}). The in-process implementation calls {@link #perform} directly.
 * Exit codes: 0 done, 1 the input was refused (one line on stderr), 2 bad arguments,
 * {@value #EXIT_UNSUPPORTED} operation not supported.
 */
public final class ObdjAdapter {
    /** The protocol's "unsupported operation" exit code (the automake SKIP convention). */
    public static final int EXIT_UNSUPPORTED = 77;
    private static final int CHUNK = 1 << 20;

    private ObdjAdapter() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one protocol call and returns its exit code. */
    public static int run(String[] args) {
        if (args.length == 0 || Operation.of(args[0]) == null) {
            System.err.println("usage: ADAPTER flatten OUT FILE... | flatten-rw OUT DATA INDEX | zfile-decompress IN OUT"
                    + " | commit OPS.json OUT | zfile-compress OPTIONS IN OUT");
            return args.length > 0 && !args[0].startsWith("-") ? EXIT_UNSUPPORTED : 2;
        }
        try {
            perform(Operation.of(args[0]), Arrays.asList(args).subList(1, args.length));
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("adapter: " + e.getMessage());
            return 2;
        } catch (ObdjException | UncheckedIOException e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    /** Performs {@code op} with the protocol's arguments; throws {@link ObdjException} when obdj refuses the input. */
    public static void perform(Operation op, List<String> a) {
        switch (op) {
            case FLATTEN -> {
                need(a.size() >= 1, "flatten OUT FILE...");
                List<Path> layers = a.subList(1, a.size()).stream().map(Path::of).toList();
                try (Image img = Image.open(layers)) {
                    dump(img, Path.of(a.get(0)));
                }
            }
            case FLATTEN_RW -> {
                need(a.size() == 3, "flatten-rw OUT DATA INDEX");
                try (Image img = Image.open(List.of(), Path.of(a.get(1)), Path.of(a.get(2)))) {
                    dump(img, Path.of(a.get(0)));
                }
            }
            case ZFILE_DECOMPRESS -> {
                need(a.size() == 2, "zfile-decompress IN OUT");
                try (ZFileReader r = ZFileReader.open(MappedFile.open(Path.of(a.get(0))))) {
                    dump(r, Path.of(a.get(1)));
                }
            }
            case COMMIT -> {
                need(a.size() == 2, "commit OPS.json OUT");
                commit(Path.of(a.get(0)), Path.of(a.get(1)));
            }
            case ZFILE_COMPRESS -> {
                need(a.size() == 3, "zfile-compress OPTIONS IN OUT");
                compress(a.get(0), Path.of(a.get(1)), Path.of(a.get(2)));
            }
        }
    }

    private static void need(boolean ok, String usage) {
        if (!ok) {
            throw new IllegalArgumentException("expected " + usage);
        }
    }

    private static void dump(Image img, Path out) {
        write(out, img.size(), (at, buf, n) -> img.read(at, buf, 0, n));
    }

    private static void dump(ByteSource src, Path out) {
        write(out, src.size(), (at, buf, n) -> src.read(at, buf, 0, n));
    }

    private interface Reader {
        void read(long at, MemorySegment buf, long n);
    }

    private static void write(Path out, long size, Reader r) {
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(CHUNK, 4096);
            ByteBuffer bb = buf.asByteBuffer();
            for (long at = 0; at < size; at += CHUNK) {
                int n = (int) Math.min(CHUNK, size - at);
                r.read(at, buf, n);
                bb.clear().limit(n);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
            }
        } catch (IOException e) {
            throw new StorageException(out.toString(), "write", e);
        }
    }

    /** Parses {@code algo=lz4,bs=4096,verify=1,overwrite_header=0} (every key optional). */
    public static Map<String, String> options(String s) {
        Map<String, String> m = new LinkedHashMap<>(Map.of("algo", "lz4", "bs", "4096", "verify", "1", "overwrite_header", "0"));
        if (!s.isEmpty() && !s.equals("-")) {
            for (String kv : s.split(",")) {
                int eq = kv.indexOf('=');
                need(eq > 0 && m.containsKey(kv.substring(0, eq)), "OPTIONS as key=value,... with keys " + m.keySet());
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    private static void compress(String opts, Path in, Path out) {
        Map<String, String> o = options(opts);
        BlockCodec codec = BlockCodec.forName(o.get("algo"));
        need(codec != null, "algo lz4 or zstd");
        ZFileWriter.Options wo = new ZFileWriter.Options(codec, Integer.parseInt(o.get("bs")), o.get("verify").equals("1"),
                o.get("overwrite_header").equals("1"), 1);
        try (ZFileWriter w = ZFileWriter.create(out, wo)) {
            byte[] all = Files.readAllBytes(in);
            w.write(ByteBuffer.wrap(all));
            w.finish();
        } catch (IOException e) {
            throw new StorageException(out.toString(), "write", e);
        }
    }

    private static void commit(Path opsJson, Path out) {
        Map<String, Object> j;
        try {
            j = Json.obj(Json.parse(Files.readString(opsJson)));
        } catch (IOException e) {
            throw new StorageException(opsJson.toString(), "read", e);
        }
        Path dir;
        try {
            dir = Files.createTempDirectory(out.toAbsolutePath().getParent(), ".commit");
        } catch (IOException e) {
            throw new StorageException(out.toString(), "create a scratch directory beside", e);
        }
        Path data = dir.resolve("rw.data"), index = dir.resolve("rw.index");
        try {
            Layers.create(data, index, new CreateOptions(Json.num(j, "virtual_size", 0), Json.str(j, "rw_uuid"),
                    Json.str(j, "rw_parent_uuid")));
            try (Image img = Image.openWritable(List.of(), data, index)) {
                for (Object o : Json.list(j.get("operations"))) {
                    Map<String, Object> op = Json.obj(o);
                    long off = Json.num(op, "offset", 0), len = Json.num(op, "length", 0);
                    if ("discard".equals(op.get("op"))) {
                        img.discard(off, len);
                    } else {
                        byte[] p = Payload.bytes(Payload.kind(Json.str(op, "kind")), Json.num(op, "seed", 0), Math.toIntExact(len));
                        img.write(off, p, 0, p.length);
                    }
                }
                img.flush();
            }
            Map<String, Object> c = j.get("commit") == null ? Map.of() : Json.obj(j.get("commit"));
            CommitOptions opts = new CommitOptions(Json.str(c, "uuid"), Json.str(c, "parent_uuid"), Json.str(c, "user_tag"));
            if (j.get("zfile") != null) {
                Map<String, Object> z = Json.obj(j.get("zfile"));
                opts = opts.withZFile(new ZFileOptions("zstd".equals(z.get("algo")) ? ZFileOptions.Algorithm.ZSTD
                        : ZFileOptions.Algorithm.LZ4, (int) Json.num(z, "block_size", 4096), Json.num(z, "verify", 1) != 0,
                        Boolean.TRUE.equals(z.get("overwrite_header")), 1));
            }
            Files.deleteIfExists(out);
            Layers.commit(data, index, out, opts);
        } catch (IOException e) {
            throw new StorageException(out.toString(), "write", e);
        } finally {
            for (Path p : new ArrayList<>(List.of(data, index, dir))) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // scratch files only
                }
            }
        }
    }
}
