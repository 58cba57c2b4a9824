#!/usr/bin/env bash
# Lookup perf gate: one short JMH run of LookupBenchmark (treeVector, walkVector, binarySearch,
# batchedTree, batchedWalk at N = 1k and 1M) and a check of score ratios measured in that same
# run against the minimums in bench/gate-thresholds.properties (committed). Ratios only, never
# absolute times: machine speed and most noise cancel. Fails (exit 1) when any ratio is below its minimum or a score is missing.
#
# Usage: bench/gate.sh            (builds bench/target/benchmarks.jar when missing; about 1 minute)
# Env:   JAVA (a JDK 25 java), GATE_BUILD=1 to rebuild first, GATE_THRESHOLDS (another file),
#        JMH_LOCK (default /tmp/jmh.lock; the JMH run waits on it with flock so benchmarks on a
#        shared machine never overlap; empty to run without it).
set -euo pipefail

cd "$(dirname "$0")/.."
THRESHOLDS="${GATE_THRESHOLDS:-bench/gate-thresholds.properties}"
JAR=bench/target/benchmarks.jar
LOCK="${JMH_LOCK-/tmp/jmh.lock}"

if [[ -z "${JAVA:-}" ]]; then
  if [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
    JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
  else
    JAVA=java
  fi
fi
if [[ ! -f "$THRESHOLDS" ]]; then
  echo "lookup gate: FAIL, no thresholds file $THRESHOLDS" >&2
  exit 1
fi
if [[ "${GATE_BUILD:-0}" == 1 || ! -f "$JAR" ]]; then
  mvn -q -o -pl engine,bench package -DskipTests
fi

CSV="$(mktemp)"
trap 'rm -f "$CSV"' EXIT

run=("$JAVA" -jar "$JAR" 'LookupBenchmark\.(treeVector|walkVector|binarySearch|batchedTree|batchedWalk)$' -p n=1000,1000000
     -wi 2 -w 1s -i 3 -r 1s -f 1 -rf csv -rff "$CSV")
if [[ -n "$LOCK" ]] && command -v flock >/dev/null 2>&1; then
  run=(flock "$LOCK" "${run[@]}")
fi
"${run[@]}" >&2

# CSV columns: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: n"
awk -F, '
  FNR == NR {
    sub(/\r$/, "")
    if ($0 ~ /^[ \t]*(#|$)/) next
    split($0, kv, "=")
    gsub(/[ \t]/, "", kv[1]); gsub(/[ \t]/, "", kv[2])
    want[kv[1]] = kv[2] + 0; order[++nw] = kv[1]
    next
  }
  FNR > 1 {
    gsub(/["\r]/, "") # JMH writes CRLF lines
    name = $1; sub(/.*\./, "", name)
    score[name "@" $8] = $5
  }
  END {
    if (nw == 0) { print "lookup gate: FAIL, no thresholds read"; exit 1 }
    fail = 0
    for (w = 1; w <= nw; w++) {
      key = order[w]
      split(key, a, "@"); split(a[1], pq, "/")
      num = score[pq[1] "@" a[2]]; den = score[pq[2] "@" a[2]]
      if (num == "" || den == "" || den + 0 <= 0) {
        printf "lookup gate: %-34s missing score (%s=%s, %s=%s)  FAIL\n", key, pq[1], num, pq[2], den
        fail = 1; continue
      }
      ratio = num / den
      ok = ratio >= want[key]
      printf "lookup gate: %-34s %7.1f / %6.1f M/s = %6.2f (minimum %.2f)  %s\n", key, num, den, ratio, want[key], ok ? "ok" : "FAIL"
      if (!ok) fail = 1
    }
    print fail ? "lookup gate: FAIL" : "lookup gate: PASS"
    exit fail
  }' "$THRESHOLDS" "$CSV"
