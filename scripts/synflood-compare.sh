#!/usr/bin/env bash
# Issue 13 item 3: one-core SYN flood, teeceepee vs the Linux kernel as the device under test, behind the same TAP.
#
#   sudo scripts/synflood-compare.sh [stack|kernel|both] [DOWNLOADS]
#
# Client namespace: the kernel side of TAP "ta" (198.18.0.1/24) runs hping3 -S --flood (pinned to CPU 0) toward port
# FLOOD_PORT (default 5002, the port the downloads use; session 5 flooded 5001) of 198.18.0.2, and a python client that starts a 10 MiB download from port 5002 every second (DOWNLOADS of them,
# default 15), after 3 unloaded downloads for the baseline.
#   stack:  teeceepee bench-server reads TAP "ta" itself (198.18.0.2), as the flood test does.
#   kernel: teeceepee path-emulator (no faults: a plain userspace relay, one frame per read like the stack) joins "ta"
#           to TAP "tb" in a second namespace, where the kernel is 198.18.0.2 and bench-server runs on kernel sockets
#           (--kernel; SYN cookies on, as Linux's default).
# Prints per DUT the unloaded time, each download during the flood, how many met a quarter of unloaded speed, and the
# frames the kernel dropped at the TAP toward the reader (ip -s link: TX dropped of "ta").
# Needs root, iproute2, hping3, python3, the CLI built in Release.
set -euo pipefail
WHICH=${1:-both}
DOWNLOADS=${2:-15}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI=${TEECEEPEE_CLI:-$ROOT/src/Teeceepee.Cli/bin/Release/net10.0/Teeceepee.Cli.dll}
NS=tcp-flood-$$
NSD=tcp-flood-dut-$$
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    ip netns del "$NSD" 2>/dev/null || true
}
trap cleanup EXIT

DOWNLOAD='
import socket, sys, time
count, total = int(sys.argv[1]), 10 * 1024 * 1024
start = time.time()
for i in range(count):
    t0 = time.time()
    try:
        s = socket.create_connection(("198.18.0.2", 5002), timeout=5)
        t1 = time.time()
        s.settimeout(5)
        n = 0
        while n < total:
            b = s.recv(1 << 20)
            if not b: raise Exception("eof at %d" % n)
            n += len(b)
        s.close()
        print("ok %.4f %.4f" % (time.time() - t0, t1 - t0), flush=True)
    except Exception as e:
        print("fail %.4f %s" % (time.time() - t0, e), flush=True)
    rest = start + i + 1 - time.time()
    if rest > 0: time.sleep(rest)
'

wait_port() {
    for _ in $(seq 1 300); do
        ip netns exec "$1" bash -c "exec 3<>/dev/tcp/198.18.0.2/5002" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "no listener on 198.18.0.2:5002" >&2
    return 1
}

measure() {
    local dut=$1
    local unloaded
    unloaded=$(ip netns exec "$NS" python3 -c "$DOWNLOAD" 3 | awk '$1 == "ok" { print $2 }' | sort -n | sed -n 2p)
    local dropped0
    dropped0=$(ip -n "$NS" -s link show ta | awk '/TX:/ { getline; print $4 }')
    ip netns exec "$NS" taskset -c 0 hping3 -q -S --flood -p "${FLOOD_PORT:-5002}" 198.18.0.2 >/dev/null 2>&1 &
    local flood=$!
    PIDS+=("$flood")
    sleep 1
    local results
    results=$(ip netns exec "$NS" python3 -c "$DOWNLOAD" "$DOWNLOADS")
    kill "$flood" 2>/dev/null || true
    wait "$flood" 2>/dev/null || true
    local dropped1
    dropped1=$(ip -n "$NS" -s link show ta | awk '/TX:/ { getline; print $4 }')
    local bound
    bound=$(awk -v u="$unloaded" 'BEGIN { printf "%.4f", 4 * u + 0.05 }')
    echo "$dut: unloaded $unloaded s (bound $bound s); during the flood (status, seconds, of which connecting): $(echo "$results" | awk '{ printf "%s %s %s, ", $1, $2, $3 }')"
    echo "$dut: $(echo "$results" | awk -v b="$bound" '$1 == "ok" { ok++; if ($2 <= b) fast++ } END { printf "%d of %d completed, %d within the bound", ok, NR, fast }'); TAP drops toward the DUT during the flood: $((dropped1 - dropped0))"
}

setup_client_ns() {
    ip netns add "$NS"
    ip -n "$NS" link set lo up
}

if [ "$WHICH" = stack ] || [ "$WHICH" = both ]; then
    setup_client_ns
    ip -n "$NS" tuntap add dev ta mode tap
    ip -n "$NS" addr add 198.18.0.1/24 dev ta
    ip -n "$NS" link set ta up
    ip netns exec "$NS" dotnet "$CLI" bench-server --tap ta --ip 198.18.0.2/24 >/tmp/synflood-stack-$$.log 2>&1 &
    SERVER=$!
    PIDS+=("$SERVER")
    wait_port "$NS"
    measure stack
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    grep -E "drops|frames in" /tmp/synflood-stack-$$.log | sed 's/^/stack: /' || true
    rm -f /tmp/synflood-stack-$$.log
    ip netns del "$NS"
fi

if [ "$WHICH" = kernel ] || [ "$WHICH" = both ]; then
    setup_client_ns
    ip netns add "$NSD"
    ip -n "$NSD" link set lo up
    # The relay opens both TAPs in the client namespace, then "tb" moves to the DUT's (its fd keeps working).
    ip netns exec "$NS" dotnet "$CLI" path-emulator --tap ta --tap tb >/dev/null 2>&1 &
    PIDS+=("$!")
    for _ in $(seq 1 100); do ip -n "$NS" link show tb >/dev/null 2>&1 && break; sleep 0.1; done
    ip -n "$NS" link set tb netns "$NSD"
    ip -n "$NS" addr add 198.18.0.1/24 dev ta
    ip -n "$NS" link set ta txqueuelen 20000 up
    ip -n "$NSD" addr add 198.18.0.2/24 dev tb
    ip -n "$NSD" link set tb txqueuelen 20000 up
    ip netns exec "$NSD" dotnet "$CLI" bench-server --kernel >/dev/null 2>&1 &
    PIDS+=("$!")
    wait_port "$NS"
    measure kernel
    echo "kernel: $(ip netns exec "$NSD" nstat -az TcpExtSyncookiesSent TcpExtListenDrops TcpExtListenOverflows 2>/dev/null | awk 'NR > 1 { printf "%s %s  ", $1, $2 }')"
fi
