package dev.obdj.conformance;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Renders spec-conformance/CLAUSES.md: every clause, its vectors and obdj's current result. */
public final class ClausesDoc {
    private ClausesDoc() {}

    /**
     * @param status obdj's verdict per vector id (from an in-process run)
     */
    public static String render(Catalogue cat, Map<String, Runner.Verdict> status) {
        List<Vector> vs = cat.vectors();
        StringBuilder b = new StringBuilder();
        b.append("# Conformance clauses\n\n");
        b.append("Generated from `Catalogue.java` by `CatalogueTest` (after changing the catalogue run `mvn -pl spec-conformance -am verify -Dtest=CatalogueTest -Ds"
                + "urefire.failIfNoSpecifiedTests=false -Dconformance.writeClauses=true`); do not edit by hand.\n\n");
        b.append("Sources: *lsmt spec* and *zfile spec* are `src/overlaybd/lsmt/format_spec.md` and "
                + "`src/overlaybd/zfile/format_spec.md` of containerd/overlaybd; *notes N* is section N of "
                + "FORMAT-NOTES.md (the reference implementation's behaviour). Where the two disagree the clause follows "
                + "the reference's bytes and its note says so. Status is obdj's result in-process (`./obd conformance`).\n\n");
        b.append("| | clauses | vectors | positive | negative | lenient |\n|---|---:|---:|---:|---:|---:|\n");
        for (String f : List.of("LSMT", "ZFile")) {
            Predicate<Vector> in = v -> cat.clause(v.clause()).format().equals(f);
            b.append("| ").append(f).append(" | ").append(cat.clauses().stream().filter(c -> c.format().equals(f)).count())
                    .append(" | ").append(vs.stream().filter(in).count());
            for (Vector.Kind k : Vector.Kind.values()) {
                b.append(" | ").append(vs.stream().filter(in).filter(v -> v.kind() == k).count());
            }
            b.append(" |\n");
        }
        b.append("| total | ").append(cat.clauses().size()).append(" | ").append(vs.size());
        for (Vector.Kind k : Vector.Kind.values()) {
            b.append(" | ").append(vs.stream().filter(v -> v.kind() == k).count());
        }
        b.append(" |\n\n");
        b.append("Kinds: *positive*: must succeed with the expected output; *negative*: must be refused; *lenient*: the "
                + "reference refuses it, so an implementation may refuse it, but if it accepts it the output must be right.\n");
        String section = "";
        for (Clause c : cat.clauses()) {
            String s = c.format();
            if (!s.equals(section)) {
                section = s;
                b.append("\n## ").append(s).append("\n");
            }
            b.append("\n### ").append(c.id()).append(": ").append(c.title()).append("\n\n");
            b.append(c.text()).append("\n\n");
            b.append("Source: ").append(c.source()).append(".");
            if (!c.fields().isEmpty()) {
                b.append(" obdj reports it as field ");
                for (int i = 0; i < c.fields().size(); i++) {
                    b.append(i == 0 ? "" : ", ").append('`').append(c.fields().get(i)).append('`');
                }
                b.append(".");
            }
            b.append("\n");
            if (!c.note().isEmpty()) {
                b.append("\n> ").append(c.note()).append("\n");
            }
            b.append("\n| vector | kind | operation | what | obdj |\n|---|---|---|---|---|\n");
            for (Vector v : vs) {
                if (v.clause().equals(c.id())) {
                    Runner.Verdict st = status.get(v.id());
                    b.append("| ").append(v.id()).append(" | ").append(v.kind().name().toLowerCase()).append(" | ")
                            .append(v.op().word).append(" | ").append(v.description().replace("|", "\\|")).append(" | ")
                            .append(st == null ? "not run" : st.name().toLowerCase()).append(" |\n");
                }
            }
        }
        return b.toString();
    }
}
