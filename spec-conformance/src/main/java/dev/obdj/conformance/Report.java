package dev.obdj.conformance;

import dev.obdj.conformance.Runner.Result;
import dev.obdj.conformance.Runner.Verdict;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The results of one run, grouped by clause: a text table, JSON, JUnit XML. */
public final class Report {
    /** One row: a clause (or corpus case) and its vectors' results. */
    public record Row(Clause clause, List<Result> results) {
        public Verdict verdict() {
            if (results.stream().anyMatch(r -> r.verdict() == Verdict.FAIL)) {
                return Verdict.FAIL;
            }
            if (!results.isEmpty() && results.stream().allMatch(r -> r.verdict() == Verdict.SKIP)) {
                return Verdict.SKIP;
            }
            return Verdict.PASS;
        }

        public String firstFailure() {
            return results.stream().filter(r -> r.verdict() == Verdict.FAIL).findFirst()
                    .map(r -> r.vector().id() + ": " + r.message()).orElse("");
        }
    }

    private final String implementation;
    private final List<Row> rows = new ArrayList<>();

    public Report(String implementation, List<Clause> clauses, List<Result> results) {
        this.implementation = implementation;
        Map<String, List<Result>> by = new LinkedHashMap<>();
        for (Clause c : clauses) {
            by.put(c.id(), new ArrayList<>());
        }
        for (Result r : results) {
            by.computeIfAbsent(r.vector().clause(), k -> new ArrayList<>()).add(r);
        }
        for (Clause c : clauses) {
            if (!by.get(c.id()).isEmpty()) {
                rows.add(new Row(c, by.get(c.id())));
            }
        }
    }

    public List<Row> rows() {
        return rows;
    }

    public long count(Verdict v) {
        return rows.stream().flatMap(r -> r.results().stream()).filter(r -> r.verdict() == v).count();
    }

    public boolean ok() {
        return count(Verdict.FAIL) == 0;
    }

    /** {@code N passed, N failed, N skipped} (vectors). */
    public String summary() {
        return count(Verdict.PASS) + " passed, " + count(Verdict.FAIL) + " failed, " + count(Verdict.SKIP) + " skipped";
    }

    public void printTable(PrintStream out) {
        int w = Math.max(6, rows.stream().mapToInt(r -> r.clause().id().length()).max().orElse(6));
        String fmt = "%-" + w + "s  %-7s  %-4s  %s%n";
        out.printf(fmt, "CLAUSE", "VECTORS", "", "FIRST FAILURE");
        for (Row r : rows) {
            long pass = r.results().stream().filter(x -> x.verdict() == Verdict.PASS).count();
            String msg = r.firstFailure();
            if (msg.length() > 160) {
                msg = msg.substring(0, 157) + "...";
            }
            out.printf(fmt, r.clause().id(), pass + "/" + r.results().size(), r.verdict().name().toLowerCase(), msg);
        }
        out.println(implementation + ": " + rows.size() + " clauses, " + rows.stream().mapToInt(r -> r.results().size()).sum()
                + " vectors");
        out.println(summary());
    }

    public String json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("implementation", implementation);
        m.put("passed", count(Verdict.PASS));
        m.put("failed", count(Verdict.FAIL));
        m.put("skipped", count(Verdict.SKIP));
        List<Object> cs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("id", r.clause().id());
            c.put("title", r.clause().title());
            c.put("status", r.verdict().name().toLowerCase());
            List<Object> vs = new ArrayList<>();
            for (Result x : r.results()) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("id", x.vector().id());
                v.put("kind", x.vector().kind().name().toLowerCase());
                v.put("operation", x.vector().op().word);
                v.put("description", x.vector().description());
                v.put("status", x.verdict().name().toLowerCase());
                v.put("message", x.message());
                v.put("millis", x.millis());
                vs.add(v);
            }
            c.put("vectors", vs);
            cs.add(c);
        }
        m.put("clauses", cs);
        return Json.pretty(m);
    }

    public String junit() {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        long n = rows.stream().mapToLong(r -> r.results().size()).sum();
        b.append("<testsuite name=\"").append(xml("conformance: " + implementation)).append("\" tests=\"").append(n)
                .append("\" failures=\"").append(count(Verdict.FAIL)).append("\" errors=\"0\" skipped=\"")
                .append(count(Verdict.SKIP)).append("\">\n");
        for (Row r : rows) {
            for (Result x : r.results()) {
                b.append("  <testcase classname=\"").append(xml(r.clause().id())).append("\" name=\"")
                        .append(xml(x.vector().id() + " " + x.vector().description())).append("\" time=\"")
                        .append(x.millis() / 1000.0).append('"');
                switch (x.verdict()) {
                    case PASS -> b.append("/>\n");
                    case SKIP -> b.append("><skipped message=\"").append(xml(x.message())).append("\"/></testcase>\n");
                    case FAIL -> b.append("><failure message=\"").append(xml(x.message())).append("\"/></testcase>\n");
                }
            }
        }
        return b.append("</testsuite>\n").toString();
    }

    static String xml(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
            }
        }
        return b.toString();
    }
}
