#!/usr/bin/env bash
# fuzz/run.sh TARGET SECONDS: fuzzes one target for a time budget and prints executions, coverage
# (edges of obdj code) and findings. Crash inputs land in the target's Jazzer input folder under
# fuzz/src/test/resources, where the regression run (mvn verify) replays them once they are fixed.
#
# TARGET: lsmt | stack | rw | zfile | lookup | nbd | config
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:?usage: fuzz/run.sh TARGET SECONDS  (TARGET: lsmt stack rw zfile lookup nbd config)}"
seconds="${2:?usage: fuzz/run.sh TARGET SECONDS}"
case "$target" in
  lsmt)   test=LsmtBlobFuzzTest#blob;      max_len=65536; corpus_glob='*.lsmt' ;;
  stack)  test=StackReadFuzzTest#stack;    max_len=4096;  corpus_glob='' ;;
  rw)     test=RwReplayFuzzTest#rw;        max_len=8192;  corpus_glob='' ;;
  zfile)  test=ZFileFuzzTest#zfile;        max_len=65536; corpus_glob='*.zfile' ;;
  lookup) test=LookupFuzzTest#lookup;      max_len=16384; corpus_glob='' ;;
  nbd)    test=NbdFuzzTest#nbd;            max_len=8192;  corpus_glob='' ;;
  config) test=ImageConfigFuzzTest#config; max_len=8192;  corpus_glob='*.json' ;;
  *) echo "fuzz/run.sh: unknown target '$target'" >&2; exit 2 ;;
esac
cls="${test%%#*}"; method="${test##*#}"
work="$root/fuzz/target/fuzzing/$target"
corpus="$work/corpus"       # what libFuzzer keeps (kept between runs, never committed)
seeds="$work/seeds"         # seeds: the committed inputs plus small reference corpus files
mkdir -p "$corpus" "$seeds" "$work/reproducers"
cp "$root/fuzz/src/test/resources/dev/obdj/fuzz/${cls}Inputs/$method/"* "$seeds/" 2>/dev/null || true
shared="${OBDJ_CORPUS:-$root/../shared/corpus}"
if [ -n "$corpus_glob" ] && [ -d "$shared" ]; then
  find "$shared" -type f -name "$corpus_glob" -size -"$max_len"c | while read -r f; do
    cp "$f" "$seeds/corpus-$(basename "$(dirname "$f")")-$(basename "$f")"
  done
fi
log="$work/fuzz.log"
echo "fuzzing $test for ${seconds}s (log: $log)" >&2
set +e
JAZZER_FUZZ=1 mvn -B -o -q -f "$root/pom.xml" -pl engine,nbd,fuzz -am verify \
  -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfuzz.hooks=true \
  -Djazzer.instrument='dev.obdj.**' -Djazzer.instrumentation_excludes='dev.obdj.fuzz.**' \
  -Djazzer.max_duration="${seconds}s" -Djazzer.keep_going=20 \
  -Djazzer.reproducer_path="$work/reproducers" \
  -Djazzer.internal.arg.0=fuzz \
  -Djazzer.internal.arg.1=-timeout=30 \
  -Djazzer.internal.arg.2=-max_len="$max_len" \
  -Djazzer.internal.arg.3=-rss_limit_mb=3072 \
  -Djazzer.internal.arg.4=-print_final_stats=1 \
  -Djazzer.internal.arg.5="$corpus" \
  -Djazzer.internal.arg.6="$seeds" >"$log" 2>&1
status=$?
set -e
last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
execs=$(grep -E 'stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}')
edges=$(echo "$last" | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
features=$(echo "$last" | sed -nE 's/.*ft: ([0-9]+).*/\1/p')
echo "target:     $target ($test)"
echo "seconds:    $seconds"
echo "executions: ${execs:-?}"
echo "edges:      ${edges:-?} (features ${features:-?})"
echo "last line:  ${last:-none}"
echo "findings:   $(grep -c 'Test unit written' "$log" || true) (inputs written to the Jazzer input folder)"
grep -E '^== Java Exception|^Caused by|Test unit written|^SUMMARY: libFuzzer|ERROR: libFuzzer' "$log" | head -20 || true
exit $status
