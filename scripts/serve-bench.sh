#!/bin/bash
# Measures `teeceepee serve` on a TAP in a private namespace against kernel curl:
#   one client fetching a 50 MB file, then 200 clients at once each fetching the same 50 MB file; each line also
#   gives the server's CPU seconds (user + system) per GB sent, which a loaded machine disturbs less than MB/s.
# Usage (root): scripts/serve-bench.sh [RUNS] [-- extra serve options]
# CLI defaults to the Release build in this tree; set CLI=path/to/Teeceepee.Cli.dll to use another,
# CLIENTS=N for another number of parallel clients (default 200), QUEUES=N for a multi-queue TAP (serve then runs one
# loop per queue by default, or give --loops after --).
set -euo pipefail
RUNS=${1:-3}; CLIENTS=${CLIENTS:-200}; QUEUES=${QUEUES:-1}; shift || true; [ "${1:-}" = "--" ] && shift
CLI=${CLI:-$(cd "$(dirname "$0")/.." && pwd)/src/Teeceepee.Cli/bin/Release/net10.0/Teeceepee.Cli.dll}
NS=tcpserve-$$-$RANDOM
DIR=$(mktemp -d /tmp/tcpserve-XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; ip netns delete "$NS" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
if [ "$QUEUES" -gt 1 ]; then ip netns exec "$NS" ip tuntap add dev tap0 mode tap multi_queue; else ip netns exec "$NS" ip tuntap add dev tap0 mode tap; fi
ip -n "$NS" addr add 198.18.0.1/24 dev tap0
ip -n "$NS" link set tap0 up
head -c 50000000 /dev/urandom > "$DIR/big.bin"
head -c 1048576 /dev/urandom > "$DIR/mib.bin"
ip netns exec "$NS" dotnet "$CLI" serve "$DIR" --port 80 --quiet --tap tap0 --ip 198.18.0.2/24 "$@" > "$DIR.log" 2>&1 &
PID=$!
for i in $(seq 100); do ip netns exec "$NS" curl -s -o /dev/null --max-time 1 http://198.18.0.2/mib.bin && break; sleep 0.2; done
# ip netns exec execs the server, so $PID is its process: fields 14 and 15 of stat are user and system ticks.
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
TICKS=$(getconf CLK_TCK)
# tap0's RX counters in the namespace count the frames the stack wrote: bytes per TAP write shows its burst size.
rx() { ip -n "$NS" -s -j link show tap0 | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]["rx"]; print(s["bytes"], s["packets"])'; }
per_write() { read -r b0 p0 <<< "$1"; read -r b1 p1 <<< "$(rx)"; awk -v b=$((b1 - b0)) -v p=$((p1 - p0)) 'BEGIN{printf "%.0f B per TAP write", (p > 0 ? b / p : 0)}'; }
per_gb() { awk -v c="$(( $(cpu) - $1 ))" -v t="$TICKS" -v b="$2" 'BEGIN{printf "server CPU %.2f s/GB", c/t/(b/1e9)}'; }
for run in $(seq "$RUNS"); do
  c=$(cpu); r=$(rx)
  t=$(ip netns exec "$NS" curl -sS --fail -o /dev/null -w '%{time_total} %{size_download}' http://198.18.0.2/big.bin)
  echo "run $run: 1 client x 50 MB: $(echo "$t" | awk '{printf "%.1f MB/s (%.2f s)", $2/$1/1e6, $1}'), $(per_gb "$c" 50000000), $(per_write "$r")"
  args=(); for i in $(seq "$CLIENTS"); do args+=(-o /dev/null http://198.18.0.2/big.bin); done
  s=$(date +%s.%N); c=$(cpu); r=$(rx)
  ip netns exec "$NS" curl -s -S --fail --max-time 300 --no-progress-meter --parallel --parallel-immediate --parallel-max "$CLIENTS" "${args[@]}"
  e=$(date +%s.%N)
  echo "run $run: $CLIENTS clients x 50 MB at once: $(awk -v s="$s" -v e="$e" -v n="$CLIENTS" 'BEGIN{printf "%.2f s, %.1f MB/s", e-s, n*50000000/(e-s)/1e6}'), $(per_gb "$c" $((CLIENTS * 50000000))), $(per_write "$r")"
done
