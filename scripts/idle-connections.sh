#!/usr/bin/env bash
# Issue 13 item 2: COUNT idle connections to one bench-server stack, bytes per connection, and RSS after they close.
#
#   sudo scripts/idle-connections.sh [COUNT [PORT [HOLD [GCMODE]]]]
#
# COUNT (default 100000) kernel clients in a private namespace connect to bench-server (PORT 5003 echo by default: each
# sends 64 octets and reads them back, so both of the stack's rings are used once and must be handed back; 5001 sink:
# send only), from as many source addresses in 198.18.0.0/24 as they need (50,000 each). They stay idle HOLD seconds
# (default 20), then all close; the stack's RSS is sampled for 60 s more. bench-server prints a memory line every 2 s
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
SOURCES=
for i in $(seq 1 $(( (COUNT + 49999) / 50000 ))); do
    ip -n "$NS" addr add "198.18.0.$((10 + i))/24" dev tap0
    SOURCES="${SOURCES:+$SOURCES,}198.18.0.$((10 + i))"
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

# The clients hold their connections HOLD seconds after the last one is idle, then close them all.
ip netns exec "$NS" "$WORK/idleconn" 198.18.0.2 "$PORT" "$COUNT" "$SOURCES" "$EXCHANGE" "$HOLD" >"$WORK/client.out" 2>&1 &
CLIENT_PID=$!
while ! grep -q "^idle" "$WORK/client.out" 2>/dev/null; do
    kill -0 "$CLIENT_PID" 2>/dev/null || break
    sleep 1
done
cat "$WORK/client.out"
sleep $(( HOLD > 6 ? HOLD - 4 : 2 ))
stamp "idle: $(last_memory)"
wait "$CLIENT_PID" || true
stamp "clients closed"
for t in 10 20 30 40 50 60; do
    sleep 10
    stamp "+${t}s after close: $(last_memory)"
done
grep -E "drops|connections" "$WORK/server.err" | tail -3 || true
