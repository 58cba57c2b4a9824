package dev.obdj.conformance;

import dev.obdj.conformance.Vector.Built;
import dev.obdj.conformance.Vector.Input;
import dev.obdj.conformance.VectorBuilder.CommitSpec;
import dev.obdj.conformance.VectorBuilder.Op;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Vectors from corpus directories in the format of ../shared/corpus (see its README): one pseudo
 * clause per case folder; one vector per line of {@code expected.sha256} (flatten, flatten-rw or
 * zfile-decompress, as the case's view says the reference read it); one commit vector per layer
 * whose operations are recorded; one zfile-compress vector per ZFile of a known plain file.
 */
public record CorpusCases(List<Clause> clauses, List<Vector> vectors) {

    /** Loads {@code dir}: a corpus root (case folders inside) or one case folder. */
    public static CorpusCases load(Path dir) {
        List<Path> cases = new ArrayList<>();
        if (Files.exists(dir.resolve("expected.sha256"))) {
            cases.add(dir);
        } else {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> Files.exists(p.resolve("expected.sha256"))).sorted().forEach(cases::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list corpus directory " + dir, e);
            }
        }
        if (cases.isEmpty()) {
            throw new IllegalArgumentException(dir + ": no corpus cases (folders with expected.sha256)");
        }
        List<Clause> cl = new ArrayList<>();
        List<Vector> vs = new ArrayList<>();
        for (Path c : cases) {
            loadCase(c, cl, vs);
        }
        return new CorpusCases(cl, vs);
    }

    private static void loadCase(Path c, List<Clause> cl, List<Vector> vs) {
        String name = c.getFileName().toString();
        String id = "corpus:" + name;
        Map<String, Object> j = Map.of();
        try {
            if (Files.exists(c.resolve("case.json"))) {
                j = Json.obj(Json.parse(Files.readString(c.resolve("case.json"))));
            }
            String desc = j.get("description") == null ? name : j.get("description").toString();
            cl.add(new Clause(id, name, c.toString(), desc, "", List.of()));
            for (String line : Files.readAllLines(c.resolve("expected.sha256"))) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int colon = line.lastIndexOf(": ");
                String[] head = line.substring(0, colon).split(" ", 3);
                List<String> files = Arrays.asList(line.substring(colon + 2).trim().split("\\s+"));
                String view = head[2];
                Map<String, Object> v = view(j, view);
                if (v == null && view.contains("(")) { // "name(comment)"
                    view = view.substring(0, view.indexOf('(')).trim();
                    v = view(j, view);
                }
                String api = v == null ? "" : String.valueOf(v.get("api"));
                boolean standalone = files.size() == 1 && files.getFirst().endsWith(".zfile") && !files.getFirst().startsWith("layer");
                Operation op = api.startsWith("zfile_open_ro") || (v == null && standalone) ? Operation.ZFILE_DECOMPRESS
                        : api.startsWith("open_file_rw") || files.equals(List.of("rw.data", "rw.index")) ? Operation.FLATTEN_RW
                        : Operation.FLATTEN;
                Map<String, Object> ref = v == null || v.get("reference_result") == null ? Map.of() : Json.obj(v.get("reference_result"));
                Vector.Kind kind = "error".equals(ref.get("status")) ? Vector.Kind.LENIENT : Vector.Kind.POSITIVE;
                List<Input> in = files.stream().map(f -> Input.file(c.resolve(f))).toList();
                String sha = head[0];
                long size = Long.parseLong(head[1]);
                vs.add(new Vector(id + "/" + view, id, op.word + " " + String.join(" ", files)
                        + (kind == Vector.Kind.LENIENT ? " (the reference fails here)" : ""), kind, op,
                        () -> new Built(in, null, sha, size, null, -1)));
            }
            commits(c, id, j, vs);
            compressions(c, id, j, vs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read corpus case " + c, e);
        }
    }

    private static Map<String, Object> view(Map<String, Object> j, String name) {
        for (Object o : Json.list(j.get("views"))) {
            Map<String, Object> m = Json.obj(o);
            if (name.equals(m.get("name"))) {
                return m;
            }
        }
        return null;
    }

    /** The sha256 and size of a view that decompresses {@code zfile} alone, or null. */
    private static String[] decompressedView(Path c, String zfile) throws IOException {
        for (String line : Files.readAllLines(c.resolve("expected.sha256"))) {
            if (!line.startsWith("#") && line.endsWith(": " + zfile)) {
                String[] h = line.split(" ", 3);
                if (h[2].contains("decompressed")) {
                    return h;
                }
            }
        }
        return null;
    }

    private static void commits(Path c, String id, Map<String, Object> j, List<Vector> vs) throws IOException {
        int k = 0;
        for (Object o : Json.list(j.get("layers"))) {
            Map<String, Object> l = Json.obj(o);
            String file = Json.str(l, "file");
            Map<String, Object> args = l.get("commit_args") == null ? null : Json.obj(l.get("commit_args"));
            String target = file;
            if (file == null && l.containsKey("files") && l.containsKey("operations") && Files.exists(c.resolve("committed.lsmt"))) {
                target = "committed.lsmt"; // an RW layer and its commit with default arguments
                args = Map.of();
            }
            if (target == null || args == null || !l.containsKey("operations")) {
                continue;
            }
            Map<String, Object> zopts = l.get("zfile") == null ? null : Json.obj(l.get("zfile"));
            boolean toZfile = target.endsWith(".zfile") && zopts != null;
            String outSha = null;
            long outSize = -1;
            if (target.endsWith(".lsmt") && Files.exists(c.resolve(target))) {
                outSha = Runner.sha256(c.resolve(target));
                outSize = Files.size(c.resolve(target));
            } else if (!toZfile) {
                String[] dv = decompressedView(c, target.replace(".lsmt", ".zfile"));
                if (dv == null) {
                    continue;
                }
                outSha = dv[0];
                outSize = Long.parseLong(dv[1]);
            }
            List<Op> ops = ops(l);
            long vsize = Json.num(l, "virtual_size", 0);
            if (vsize == 0) {
                vsize = Files.size(c.resolve("rw.data")) >= 4096 ? VectorBuilder.u64(Files.readAllBytes(c.resolve("rw.data")), 48) : 0;
            }
            CommitSpec spec = new CommitSpec(vsize, createdUuid(l), Json.str(l, "rw_parent_uuid"), Json.str(args, "uuid"),
                    Json.str(args, "parent_uuid"), Json.str(args, "user_tag"), ops);
            Map<String, Object> z = toZfile ? zopts : null;
            String fOutSha = outSha;
            long fOutSize = outSize;
            vs.add(new Vector(id + "/commit:" + target, id, "commit of the recorded operations"
                    + (toZfile ? " into ZFile" : "") + " = " + target, Vector.Kind.POSITIVE, Operation.COMMIT, () -> {
                String json = spec.opsJson();
                if (z != null) {
                    Map<String, Object> m = Json.obj(Json.parse(json));
                    m.put("zfile", z);
                    json = Json.pretty(m);
                }
                byte[] disk = VectorBuilder.commitContent(spec);
                return new Built(List.of(Input.of("ops.json", json.getBytes(StandardCharsets.UTF_8))), null, fOutSha, fOutSize,
                        VectorBuilder.sha256(disk), disk.length);
            }));
            k++;
        }
    }

    private static void compressions(Path c, String id, Map<String, Object> j, List<Vector> vs) throws IOException {
        if (!(j.get("plain") instanceof Map<?, ?>) || !(j.get("zfiles") instanceof Map<?, ?>)) {
            return;
        }
        Map<String, Object> plain = Json.obj(j.get("plain"));
        Path pf = c.resolve(plain.get("file") == null ? "plain.bin" : Json.str(plain, "file"));
        boolean shipped = plain.get("file") != null && Files.exists(pf);
        if (!shipped && plain.get("kind") == null) {
            return;
        }
        for (Map.Entry<String, Object> e : Json.obj(j.get("zfiles")).entrySet()) {
            Map<String, Object> z = Json.obj(e.getValue());
            String options = "algo=" + z.get("algo") + ",bs=" + z.get("block_size") + ",verify=" + z.get("verify")
                    + ",overwrite_header=" + (Boolean.TRUE.equals(z.get("overwrite_header")) ? 1 : 0);
            String sha = Json.str(plain, "sha256");
            long size = Json.num(plain, "size", 0);
            vs.add(new Vector(id + "/compress:" + e.getKey(), id, "zfile-compress " + options + " of " + pf.getFileName(),
                    Vector.Kind.POSITIVE, Operation.ZFILE_COMPRESS, () -> {
                Input in = shipped ? Input.file(pf) : Input.of("plain.bin", VectorBuilder.payload(Json.str(plain, "kind"),
                        Json.num(plain, "seed", 0), Math.toIntExact(size)));
                return new Built(List.of(in), options, null, -1, sha, size);
            }));
        }
    }

    private static final Pattern UUID = Pattern.compile("uuid=([0-9A-Fa-f-]{36})");

    private static String createdUuid(Map<String, Object> l) {
        if (l.get("rw_uuid") != null) {
            return Json.str(l, "rw_uuid");
        }
        List<Object> cb = Json.list(l.get("created_by"));
        if (!cb.isEmpty()) {
            Matcher m = UUID.matcher(cb.get(0).toString());
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    /** The recorded operations; an elided list ({@code "op": "..."}) is expanded from the layer's note. */
    static List<Op> ops(Map<String, Object> l) {
        List<Op> ops = new ArrayList<>();
        boolean elided = false;
        int writes = 0;
        for (Object o : Json.list(l.get("operations"))) {
            Map<String, Object> op = Json.obj(o);
            String kind = Json.str(op, "op");
            if ("...".equals(kind)) {
                elided = true;
                continue;
            }
            if ("discard".equals(kind)) {
                ops.add(Op.discard(Json.num(op, "offset", 0), Json.num(op, "length", 0)));
            } else {
                ops.add(Op.write(Json.num(op, "offset", 0), Json.num(op, "length", 0), Json.str(op, "kind"), Json.num(op, "seed", 0)));
                writes++;
            }
        }
        String note = String.valueOf(l.get("note"));
        if (elided && note.startsWith("operations: write i (0<=i<110000): offset=i*1024, length=512, kind=comp, "
                + "seed=1400+(i%26); discard j (0<=j<20000): offset=120MiB+j*2048, length=1024")) {
            for (int i = writes; i < 110000; i++) {
                ops.add(Op.write(i * 1024L, 512, "comp", 1400 + (i % 26)));
            }
            for (int k = 0; k < 20000; k++) {
                ops.add(Op.discard((120L << 20) + k * 2048L, 1024));
            }
        } else if (elided) {
            throw new IllegalArgumentException("elided operations with a note this runner cannot expand: " + note);
        }
        return ops;
    }
}
