#!/usr/bin/env bash
# Issue 13 item 2: COUNT idle connections to one bench-server stack, bytes per connection, and RSS after they close.
#
#   sudo scripts/idle-connections.sh [COUNT [PORT [HOLD [GCMODE]]]]
#
# COUNT (default 100000) kernel clients in a private namespace connect to bench-server (PORT 5003 echo by default: each
# sends 64 octets and reads them back, so both of the stack's rings are used once and must be handed back; 5001 sink:
# send only), from as many source addresses in 198.18.0.0/24 as they need (50,000 each). They stay idle HOLD seconds
# (default 20), then all close; the stack's RSS is sampled for 60 s more. The clients are split over processes of at
# most PER_PROCESS connections (default 15000; one process may not open more files than its hard RLIMIT_NOFILE),
# each with its own source address. bench-server prints a memory line every 2 s
# (TEECEEPEE_BENCH_MEMORY): GCMODE "full" (default) forces a full collection before each line, so its heap figure is
# live objects only (bytes per connection); "natural" does not (how memory comes back by itself after the close).
# Extra bench-server options go in BENCH_SERVER_ARGS (e.g. "--heap-limit 1g"); DOTNET_* variables pass through.
# Needs root, iproute2, gcc; the CLI built in Release (dotnet build src/Teeceepee.Cli -c Release).
set -euo pipefail
COUNT=${1:-100000}
PORT=${2:-5003}
HOLD=${3:-20}
GCMODE=${4:-full}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI=${TEECEEPEE_CLI:-$ROOT/src/Teeceepee.Cli/bin/Release/net10.0/Teeceepee.Cli.dll}
NS=tcp-idle-$$
WORK=$(mktemp -d /tmp/teeceepee-idle.XXXXXX)
SERVER_PID=
EXCHANGE=64
[ "$PORT" = 5001 ] && EXCHANGE=-64

cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

gcc -O2 -o "$WORK/idleconn" "$ROOT/scripts/idle-connections/idleconn.c"
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add dev tap0 mode tap
ip -n "$NS" addr add 198.18.0.1/24 dev tap0
PER_PROCESS=${PER_PROCESS:-15000}
PROCESSES=$(( (COUNT + PER_PROCESS - 1) / PER_PROCESS ))
for i in $(seq 1 "$PROCESSES"); do
    ip -n "$NS" addr add "198.18.0.$((10 + i))/24" dev tap0
done
ip -n "$NS" link set tap0 up
# Inside the namespace only: every port for the clients, no orphan limit in the way at the close.
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_max_orphans=262144 2>/dev/null || true

FLAG=2
[ "$GCMODE" = full ] && FLAG=2,full
# shellcheck disable=SC2086
ip netns exec "$NS" env TEECEEPEE_BENCH_MEMORY=$FLAG dotnet "$CLI" bench-server --tap tap0 --ip 198.18.0.2/24 --loops 1 ${BENCH_SERVER_ARGS:-} \
    >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 300); do
    grep -q "echo listening" "$WORK/server.out" 2>/dev/null && break
    sleep 0.1
done
sleep 6
stamp() { echo "$(date +%s.%N | cut -c1-14) $*"; }
last_memory() { grep "memory rss" "$WORK/server.err" | tail -1 | sed 's/^bench-server: memory //'; }
stamp "baseline: $(last_memory)"

# The clients hold their connections until told (a line on stdin), then close them all.
CLIENT_PIDS=()
LEFT=$COUNT
for i in $(seq 1 "$PROCESSES"); do
    N=$(( LEFT < PER_PROCESS ? LEFT : PER_PROCESS ))
    LEFT=$(( LEFT - N ))
    mkfifo "$WORK/hold$i"
    ip netns exec "$NS" "$WORK/idleconn" 198.18.0.2 "$PORT" "$N" "198.18.0.$((10 + i))" "$EXCHANGE" <"$WORK/hold$i" >"$WORK/client$i.out" 2>&1 &
    CLIENT_PIDS+=("$!")
    exec {fd}>"$WORK/hold$i"
    eval "HOLD_FD$i=$fd"
done
START=$(date +%s)
while [ "$(cat "$WORK"/client*.out 2>/dev/null | grep -c "^idle")" -lt "$PROCESSES" ] && [ $(( $(date +%s) - START )) -lt 600 ]; do
    sleep 1
done
cat "$WORK"/client*.out | grep -v "^progress" || true
stamp "all clients idle after $(( $(date +%s) - START )) s"
sleep "$HOLD"
stamp "idle: $(last_memory)"
for i in $(seq 1 "$PROCESSES"); do eval "exec {HOLD_FD$i}>&-"; done
for p in "${CLIENT_PIDS[@]}"; do wait "$p" || true; done
stamp "clients closed"
for t in 10 20 30 40 50 60; do
    sleep 10
    stamp "+${t}s after close: $(last_memory)"
done
grep -E "drops|connections" "$WORK/server.err" | tail -3 || true
