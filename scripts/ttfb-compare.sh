#!/bin/bash
# Time to first byte with and without TCP Fast Open at 50 ms RTT (issue 11 item 9), the kernel's curl vs the stack's
# `teeceepee curl`, same path, same run. One `teeceepee path-emulator` (25 ms each way, nothing else) joins TAP pa
# (namespace A: a python http.server on 198.18.9.1:8000 whose listener sets TCP_FASTOPEN, tcp_fastopen=3) and TAP pb
# (namespace B: a bridge with the kernel client at 198.18.9.2 and the stack's TAP; the stack is 198.18.9.4).
# Each client fetches a 1 KiB file N times; a Fast Open series starts with one run that only fetches the cookie.
# Printed, in ms, median and min of: curl's own %{time_starttransfer} (connect + request + first response byte), and the
# same on the wire from a tshark capture on B's bridge: the client's SYN to the server's first segment with data. The
# stack's curl is a new process per run: its own figure includes an ARP over the same 50 ms path and the JIT of
# HttpClient; the wire figure counts neither, so it is the one to compare with the kernel's.
#
# Usage (root): scripts/ttfb-compare.sh [-n RUNS] [-d ONE_WAY_MS]
set -euo pipefail
RUNS=10; DELAY=25
while getopts "n:d:" o; do
  case $o in n) RUNS=$OPTARG ;; d) DELAY=$OPTARG ;; *) exit 64 ;; esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI=${CLI:-$ROOT/src/Teeceepee.Cli/bin/Release/net10.0/Teeceepee.Cli.dll}
[ -f "$CLI" ] || dotnet build "$ROOT/src/Teeceepee.Cli" -c Release -v quiet -nologo
ID=$$-$RANDOM; A=tfA-$ID; B=tfB-$ID; E=tfE-$ID
WORK=$(mktemp -d /tmp/ttfb-compare-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in "$A" "$B" "$E"; do ip netns delete "$n" 2>/dev/null || true; done
}
trap cleanup EXIT
trap "exit 143" INT TERM

for n in "$A" "$B" "$E"; do ip netns add "$n"; ip -n "$n" link set lo up; done
for n in "$A" "$B"; do
  ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.tcp_fastopen=3
done
ip netns exec "$E" chrt -f 10 dotnet "$CLI" path-emulator --tap pa --tap pb --delay "$DELAY" --seed 1 > "$WORK/emu.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do ip -n "$E" link show pb >/dev/null 2>&1 && break; sleep 0.1; done
ip -n "$E" link set pa netns "$A"; ip -n "$E" link set pb netns "$B"
ip -n "$A" addr add 198.18.9.1/24 dev pa; ip -n "$A" link set pa up
ip -n "$B" link add br0 type bridge; ip -n "$B" link set pb master br0
ip netns exec "$B" ip tuntap add dev tc mode tap; ip -n "$B" link set tc master br0
for d in pb tc br0; do ip -n "$B" link set "$d" up; done
ip -n "$B" addr add 198.18.9.2/24 dev br0
mkdir -p "$WORK/site"; head -c 1024 /dev/urandom > "$WORK/site/f"
ip netns exec "$A" python3 -u -c "
import http.server,functools,socket
class S(http.server.ThreadingHTTPServer):
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_TCP, 23, 16)
        super().server_bind()
h=functools.partial(http.server.SimpleHTTPRequestHandler, directory='$WORK/site')
S(('198.18.9.1', 8000), h).serve_forever()" > "$WORK/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do ip netns exec "$B" curl -s -o /dev/null http://198.18.9.1:8000/f && break; sleep 0.2; done

URL=http://198.18.9.1:8000/f
kernel() { ip netns exec "$B" curl -s -o /dev/null -w '%{time_starttransfer}\n' "$@" $URL; }
stack() {
  ip netns exec "$B" env TEECEEPEE_FASTOPEN_COOKIES="$WORK/cookies" dotnet "$CLI" curl --tap tc --ip 198.18.9.4/24 -s -o /dev/null \
    -w '%{time_starttransfer}\n' "$@" $URL
}
# "median min" in ms of the seconds in file $1.
stats() { sort -n "$1" | awk '{ v[NR] = $1 * 1000 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f", m, v[1] }'; }
# $1 label, rest: the command, run RUNS times (curl's own TTFB, seconds, into $WORK/label).
series() {
  local label=$1; shift
  for _ in $(seq "$RUNS"); do "$@" >> "$WORK/$label"; done
}
LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
ip netns exec "$B" tshark -i br0 -w "$WORK/br0.pcap" -q 2>/dev/null &
TSHARK=$!
PIDS+=($TSHARK)
for _ in $(seq 100); do [ -s "$WORK/br0.pcap" ] && break; sleep 0.1; done
sleep 0.5
series kernel-curl kernel
kernel --tcp-fastopen > /dev/null # the cookie
series kernel-curl-fastopen kernel --tcp-fastopen
series stack-curl stack
stack --tcp-fastopen > /dev/null
series stack-curl-fastopen stack --tcp-fastopen
sleep 0.5
kill -INT $TSHARK; wait $TSHARK 2>/dev/null || true
# Per TCP connection in order: the client's SYN to the server's first data segment (seconds).
tshark -r "$WORK/br0.pcap" -Y tcp -T fields -e tcp.stream -e frame.time_relative -e ip.src -e tcp.flags.syn -e tcp.flags.ack -e tcp.len 2>/dev/null |
  awk '$4 == 1 && $5 == 0 && !($1 in syn) { syn[$1] = $2; order[n++] = $1 }
       $3 == "198.18.9.1" && $6 > 0 && !($1 in data) { data[$1] = $2 }
       END { for (i = 0; i < n; i++) { s = order[i]; print (s in data) ? data[s] - syn[s] : "nan" } }' > "$WORK/wire"
# The streams in the order of the series: RUNS, 1 (cookie), RUNS, RUNS, 1, RUNS.
slice() { sed -n "$1,$2p" "$WORK/wire" > "$WORK/wire-$3"; }
slice 1 "$RUNS" kernel-curl
slice $((RUNS + 2)) $((2 * RUNS + 1)) kernel-curl-fastopen
slice $((2 * RUNS + 2)) $((3 * RUNS + 1)) stack-curl
slice $((3 * RUNS + 3)) $((4 * RUNS + 2)) stack-curl-fastopen
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), RTT $((2 * DELAY)) ms, $RUNS runs each, load average $LOAD, logs $WORK"
echo "| client | wire TTFB median ms | wire min ms | curl's time_starttransfer median ms | min ms |"
echo "|---|---|---|---|---|"
for l in kernel-curl kernel-curl-fastopen stack-curl stack-curl-fastopen; do
  read -r wm wn <<< "$(stats "$WORK/wire-$l")"; read -r cm cn <<< "$(stats "$WORK/$l")"
  echo "| $l | $wm | $wn | $cm | $cn |"
done
