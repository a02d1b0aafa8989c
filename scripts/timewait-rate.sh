#!/usr/bin/env bash
# Issue 13 item 4: TIME-WAIT memory at a close rate. Kernel clients connect to bench-server's close-first port (5004),
# which writes hello and closes first, so every connection leaves a TIME-WAIT record in the stack.
#
#   sudo scripts/timewait-rate.sh [RATE [SECONDS [CLIENTS]]]
#
# RATE connections a second (default 10000) for SECONDS (default 120), from CLIENTS closeloop processes (default 2)
# with 4 source addresses each; bench-server prints its memory and TIME-WAIT count every 10 s. Extra bench-server
# options in BENCH_SERVER_ARGS. Needs root, iproute2, gcc, the CLI built in Release.
set -euo pipefail
RATE=${1:-10000}
SECONDS_TO_RUN=${2:-120}
CLIENTS=${3:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI=${TEECEEPEE_CLI:-$ROOT/src/Teeceepee.Cli/bin/Release/net10.0/Teeceepee.Cli.dll}
NS=tcp-tw-$$
WORK=$(mktemp -d /tmp/teeceepee-tw.XXXXXX)
SERVER_PID=

cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

gcc -O2 -o "$WORK/closeloop" "$ROOT/scripts/idle-connections/closeloop.c"
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add dev tap0 mode tap
ip -n "$NS" addr add 198.18.0.1/24 dev tap0
for i in $(seq 1 $((4 * CLIENTS))); do ip -n "$NS" addr add "198.18.0.$((10 + i))/24" dev tap0; done
ip -n "$NS" link set tap0 up
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
# shellcheck disable=SC2086
ip netns exec "$NS" env TEECEEPEE_BENCH_MEMORY=10 dotnet "$CLI" bench-server --tap tap0 --ip 198.18.0.2/24 --loops 1 ${BENCH_SERVER_ARGS:-} \
    >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 300); do
    grep -q "echo listening" "$WORK/server.out" 2>/dev/null && break
    sleep 0.1
done
sleep 11
echo "before: $(grep "memory rss" "$WORK/server.err" | tail -1)"
PIDS=()
for c in $(seq 1 "$CLIENTS"); do
    SOURCES=$(for i in 1 2 3 4; do printf "198.18.0.%d," $((10 + 4 * (c - 1) + i)); done)
    ip netns exec "$NS" "$WORK/closeloop" 198.18.0.2 5004 $((RATE / CLIENTS)) "$SECONDS_TO_RUN" "${SOURCES%,}" >"$WORK/client$c.out" 2>&1 &
    PIDS+=("$!")
done
for p in "${PIDS[@]}"; do wait "$p" || true; done
sleep 2
grep "memory rss" "$WORK/server.err" | sed 's/^bench-server: //'
for c in $(seq 1 "$CLIENTS"); do echo "client $c: $(tail -1 "$WORK/client$c.out")"; done
