#!/bin/bash
# First requests in a fresh process (issue 12): how long `teeceepee serve` and `teeceepee curl` take from process
# start to their first byte, and how the first 50 MB transfer of a process compares with the second.
# One namespace with tap0 (kernel side 198.18.0.1/24, the stack 198.18.0.2/24); per run, a new process each:
#   serve: start `serve DIR` and wait for its "serving" line (ready), then kernel curl fetches 1 KiB (first request),
#          1 KiB again, then 50 MB twice; printed: wall and CPU seconds from exec to ready and to the first response
#          byte, each request's time to first byte, each 50 MB's MB/s and the server's CPU s/GB for it.
#   curl:  a kernel python http.server on 198.18.0.1:8000; `teeceepee curl` fetches 1 KiB (wall and CPU seconds of
#          the whole process, curl's own time_starttransfer), then a fresh process fetches 50 MB (MB/s).
# CPU seconds (user + system of the process, from /proc or getrusage) are what a loaded machine disturbs least.
# Usage (root): scripts/first-request.sh [RUNS] [LABEL=CLI.dll[:ENV=V,ENV=V]]...
#   default: one variant, this tree's Release build. Variants run interleaved, run by run (A B A B ...).
#   Example: scripts/first-request.sh 3 main=/tmp/main/Teeceepee.Cli.dll nopgo=/tmp/main/Teeceepee.Cli.dll:DOTNET_TieredPGO=0
set -euo pipefail
RUNS=${1:-3}; shift || true
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VARIANTS=("$@")
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=("this=$ROOT/src/Teeceepee.Cli/bin/Release/net10.0/Teeceepee.Cli.dll")
NS=tcpfirst-$$-$RANDOM
DIR=$(mktemp -d /tmp/tcpfirst-XXXXXX)
PID=; PY=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null; [ -n "$PY" ] && kill "$PY" 2>/dev/null
  wait 2>/dev/null || true; ip netns delete "$NS" 2>/dev/null || true; rm -rf "$DIR"
}
trap cleanup EXIT
trap "exit 143" INT TERM
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" ip tuntap add dev tap0 mode tap
ip -n "$NS" addr add 198.18.0.1/24 dev tap0
ip -n "$NS" link set tap0 up
mkdir "$DIR/site"
head -c 1024 /dev/urandom > "$DIR/site/kib.bin"
head -c 50000000 /dev/urandom > "$DIR/site/big.bin"
ip netns exec "$NS" python3 -m http.server --bind 198.18.0.1 --directory "$DIR/site" 8000 > "$DIR/py.log" 2>&1 &
PY=$!
TICKS=$(getconf CLK_TCK)
now() { date +%s.%N; }
cpu() { awk -v t="$TICKS" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
kcurl() { ip netns exec "$NS" curl -sS --fail -o /dev/null -w '%{time_starttransfer} %{time_total} %{size_download}' "$@"; }

serve_run() { # label dll env
  local label=$1 dll=$2 envs=$3
  ip -n "$NS" neigh flush dev tap0
  : > "$DIR/serve.log"
  local t0; t0=$(now)
  ip netns exec "$NS" env $envs dotnet "$dll" serve "$DIR/site" --port 80 --quiet --tap tap0 --ip 198.18.0.2/24 > "$DIR/serve.log" 2>&1 &
  PID=$!
  for _ in $(seq 3000); do grep -q '^serving' "$DIR/serve.log" && break; kill -0 "$PID" 2>/dev/null || { cat "$DIR/serve.log" >&2; exit 1; }; sleep 0.01; done
  local tr cr; tr=$(now); cr=$(cpu "$PID")
  local ts a; ts=$(now); a=$(kcurl http://198.18.0.2/kib.bin)
  local cf; cf=$(cpu "$PID")
  local b; b=$(kcurl http://198.18.0.2/kib.bin)
  local c0 c1 c2 m1 m2; c0=$(cpu "$PID"); m1=$(kcurl http://198.18.0.2/big.bin); c1=$(cpu "$PID")
  m2=$(kcurl http://198.18.0.2/big.bin); c2=$(cpu "$PID")
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
  awk -v l="$label" -v t0="$t0" -v tr="$tr" -v ts="$ts" -v cr="$cr" -v cf="$cf" -v a="$a" -v b="$b" -v m1="$m1" -v m2="$m2" \
      -v c0="$c0" -v c1="$c1" -v c2="$c2" 'BEGIN {
    split(a, A, " "); split(b, B, " "); split(m1, M, " "); split(m2, N, " ")
    printf "serve %-10s ready %.2f s (CPU %.2f) | first byte %.2f s after exec (CPU %.2f), TTFB 1st %.1f ms, 2nd %.1f ms | 50 MB 1st %.0f MB/s %.2f s/GB, 2nd %.0f MB/s %.2f s/GB\n",
      l, tr - t0, cr, ts - t0 + A[1], cf, A[1] * 1000, B[1] * 1000, M[3] / M[2] / 1e6, (c1 - c0) / (M[3] / 1e9), N[3] / N[2] / 1e6, (c2 - c1) / (N[3] / 1e9) }'
}

curl_run() { # label dll env
  local label=$1 dll=$2 envs=$3
  ip -n "$NS" neigh flush dev tap0
  local out big
  out=$( { /usr/bin/time -f '%e %U %S' ip netns exec "$NS" env $envs dotnet "$dll" curl --tap tap0 --ip 198.18.0.2/24 -sS -o /dev/null \
    -w '%{time_starttransfer}\n' http://198.18.0.1:8000/kib.bin; } 2>&1 | tr '\n' ' ')
  ip -n "$NS" neigh flush dev tap0
  big=$(ip netns exec "$NS" env $envs dotnet "$dll" curl --tap tap0 --ip 198.18.0.2/24 -sS -o /dev/null -w '%{speed_download}' http://198.18.0.1:8000/big.bin)
  awk -v l="$label" -v o="$out" -v big="$big" 'BEGIN { split(o, O, " ");
    printf "curl  %-10s 1 KiB: process %.2f s wall, %.2f s CPU, time_starttransfer %.1f ms | 50 MB in a fresh process %.0f MB/s\n",
      l, O[2], O[3] + O[4], O[1] * 1000, big / 1e6 }'
}

for _ in $(seq 100); do kcurl http://198.18.0.1:8000/kib.bin > /dev/null 2>&1 && break; sleep 0.1; done
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs"
for run in $(seq "$RUNS"); do
  for v in "${VARIANTS[@]}"; do
    label=${v%%=*}; rest=${v#*=}; dll=${rest%%:*}; envs=""
    [ "$rest" != "$dll" ] && envs=${rest#*:} && envs=${envs//,/ }
    serve_run "$label" "$dll" "$envs"
    curl_run "$label" "$dll" "$envs"
  done
done
echo "# done $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
