#!/usr/bin/env bash
# Coverage-guided fuzzing of the stack's frame input path (docs/fuzzing.md): publishes
# tests/Teeceepee.Fuzz, instruments Teeceepee.dll with SharpFuzz and runs AFL++ on the corpus.
#   scripts/fuzz.sh [--seconds N] [--execs N] [--out DIR] [--resume]
# Stops after N seconds (default 60) or N executions; prints "fuzz: ... execs, N crashes, N hangs"
# and exits 1 if AFL++ found a crash or a hang (saved under DIR/default/crashes|hangs).
# Runs at the lowest CPU priority with one worker: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60 execs="" out="" resume=0
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --execs) execs="$2"; seconds=""; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --resume) resume=1; shift ;;
    *) echo "usage: $0 [--seconds N] [--execs N] [--out DIR] [--resume]" >&2; exit 2 ;;
  esac
done
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found (scripts/setup.sh installs afl++)" >&2; exit 2; }
work=${out:-$(mktemp -d /tmp/teeceepee-fuzz.XXXXXX)}
mkdir -p "$work"
bin="$work/bin"
rm -rf "$bin"
dotnet tool restore >/dev/null
dotnet publish tests/Teeceepee.Fuzz -c Release -o "$bin" -nologo -v quiet >/dev/null
# Instrument only our library: the harness and the runtime stay uninstrumented.
dotnet tool run sharpfuzz "$bin/Teeceepee.dll" >/dev/null

export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
  AFL_NO_AFFINITY=1 AFL_AUTORESUME=1 AFL_FAST_CAL=1 DOTNET_TieredPGO=0
stop=()
[[ -n "$seconds" ]] && stop=(-V "$seconds")
[[ -n "$execs" ]] && stop=(-E "$execs")
input=(-i tests/Teeceepee.Fuzz/corpus)
((resume)) && input=(-i -)
nice -n 19 afl-fuzz "${input[@]}" -o "$work/findings" -t 5000 -m none "${stop[@]}" \
  -- dotnet "$bin/Teeceepee.Fuzz.dll" >"$work/afl.log" 2>&1 || { tail -30 "$work/afl.log" >&2; echo "fuzz: afl-fuzz failed (log: $work/afl.log)" >&2; exit 2; }

stats="$work/findings/default/fuzzer_stats"
value() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
crashes=$(find "$work/findings/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
hangs=$(find "$work/findings/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
echo "fuzz: $(value execs_done) execs in $(value run_time)s ($(value execs_per_sec)/s), corpus $(value corpus_count), edges $(value edges_found)/$(value total_edges) ($(value bitmap_cvg)), $crashes crashes, $hangs hangs; findings in $work/findings"
((crashes == 0 && hangs == 0))
