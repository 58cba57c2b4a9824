package dev.obdj.tcmu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Runs {@link TcmuRingBench} (JMH, one fork). Not part of the normal build:
 * {@code mvn -q -o -pl engine,nbd,tcmu-binding -am test -Dtest=TcmuBenchRunner -Dobdj.tcmu.bench=true -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dobdj.tcmu.bench.include=REGEX} narrows it). Results go to stdout and
 * {@code tcmu-binding/target/tcmu-bench.txt}.
 */
@EnabledIfSystemProperty(named = "obdj.tcmu.bench", matches = "true")
class TcmuBenchRunner {
    @Test
    void run() throws Exception {
        OptionsBuilder b0 = new OptionsBuilder();
        b0.include(System.getProperty("obdj.tcmu.bench.include", TcmuRingBench.class.getName())).shouldFailOnError(true);
        // e.g. -Dobdj.tcmu.bench.params=backend=memory;depth=128
        for (String kv : System.getProperty("obdj.tcmu.bench.params", "").split(";")) {
            int eq = kv.indexOf('=');
            if (eq > 0) b0.param(kv.substring(0, eq), kv.substring(eq + 1).split(","));
        }
        // e.g. -Dobdj.tcmu.bench.prof=gc or stack
        for (String prof : System.getProperty("obdj.tcmu.bench.prof", "").split(",")) {
            if (!prof.isBlank()) b0.addProfiler(prof.trim());
        }
        Options opt = b0.build();
        Collection<RunResult> results = new Runner(opt).run();
        List<String> lines = new ArrayList<>();
        for (RunResult r : results) {
            var p = r.getParams();
            StringBuilder b = new StringBuilder(String.format("%-8s", p.getBenchmark().replaceAll(".*\\.", "")));
            for (String k : p.getParamsKeys()) b.append(String.format(" %s=%-7s", k, p.getParam(k)));
            b.append(String.format(" %,12.0f ± %,10.0f ops/s", r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()));
            lines.add(b.toString());
        }
        lines.forEach(System.out::println);
        Files.write(Path.of("target/tcmu-bench.txt"), lines);
    }
}
