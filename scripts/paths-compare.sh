#!/bin/bash
# Goodput of one bulk transfer over emulated paths, the Linux kernel vs the stack, same controller name, same run
# (issue 11 item 9). One `teeceepee path-emulator` joins TAP pa (side A) and pb (side B); in namespace A a bridge holds
# pa, the kernel at 198.18.9.1 and the stack's TAP (the stack at 198.18.9.3 runs `bench-server`); namespace B holds pb
# and the kernel client at 198.18.9.2. kserver (kernel, .1) and bench-server (stack, .3) answer the bench contract: 5002
# writes until reset ("download": A sends), 5001 reads until FIN ("upload": A receives). benchclient in B measures.
# So "send" rows are A's controller sending (kernel or stack), "recv" rows B's kernel sending to A (kernel or stack).
#
# Usage (root): scripts/paths-compare.sh [-s SECS] [-c "cubic bbr"] [-p "a b c d"] [-f SECS]
#   -s seconds per cell (10), -c controllers, -p paths, -f fairness seconds (0 = skip; 60 in issue 11)
# Paths: a 100 Mbit/s 20 ms 1 BDP queue; b 100 Mbit/s 50 ms 1 % loss (both ways) 1 BDP queue; c 1 Gbit/s 10 ms 0.1 % loss
# 1 BDP queue; d 100 Mbit/s 40 ms 0.2 BDP queue; e = a with ECN step marking at 0.5 BDP (tcp_ecn=1, the stack --ecn on);
# f = a with an ICMP black hole at MTU 1400 (PLPMTUD; the kernel gets tcp_mtu_probing=1). Fairness: a stack and a kernel download share path a.
# The stack's TCP buffers are BUF (8mb: above twice the largest BDP here; the kernel autotunes up to 32 MB as set below).
# The last four columns count retransmitted segments / retransmission timeouts per cell: the kernel's from its namespace's
# /proc/net/snmp and netstat, the stack's from the counters bench-server prints when stopped; "dropped at the TAP" counts
# frames to the stack lost in its TAP's queue (not on the emulated path).
# SS=1 samples the kernel's sender state (`ss -tin`: cwnd, pacing and delivery rate, bbr:(bw,mrtt,pacing_gain,cwnd_gain))
# every 100 ms of each "send" cell into $LOG/ss-<path>-<cc>-<server>.log; with STACK_OPTS="--plot DIR" the stack's own
# per-ACK state (phase, bw, min RTT, pacing rate, cwnd, inflight) lands in DIR/*-probe.csv for the same comparison.
# CAPTURE=1 writes a pcap (100 octets per frame) of each cell, seen from namespace B, into the log directory.
# STACK_CC=bbr-lt runs the stack with another controller than the kernel's (-c names the kernel's and, by default, both).
# STACK_OPTS="--plot DIR" adds options to the stack's bench-server (its plots show cwnd, flight and RTT per connection).
# CLI=path/to/Teeceepee.Cli.dll overrides the Release build of this tree; the bench tools are built from ../shared/bench.
set -euo pipefail
SECS=10; CCS="cubic bbr"; PATHS="a b c d"; FAIR=0; BUF=${BUF:-8mb}
while getopts "s:c:p:f:" o; do
  case $o in s) SECS=$OPTARG ;; c) CCS=$OPTARG ;; p) PATHS=$OPTARG ;; f) FAIR=$OPTARG ;; *) exit 64 ;; esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI=${CLI:-$ROOT/src/Teeceepee.Cli/bin/Release/net10.0/Teeceepee.Cli.dll}
BENCH=${BENCH:-$ROOT/../shared/bench}
TOOLS=${TOOLS:-/tmp/teeceepee-paths-tools}
if [ ! -x "$TOOLS/benchclient" ] || [ ! -x "$TOOLS/kserver" ] || [ ! -f "$TOOLS/setcc.so" ]; then
  mkdir -p "$TOOLS"
  gcc -O2 -Wall -o "$TOOLS/benchclient" "$BENCH/client/benchclient.c" -lm
  gcc -O2 -Wall -pthread -o "$TOOLS/kserver" "$BENCH/kserver/kserver.c"
  # The namespace sysctl net.ipv4.tcp_congestion_control may be refused here (EPERM for a module the root namespace
  # does not allow), while TCP_CONGESTION on the socket works as root: a preload sets it on every TCP socket.
  cat > "$TOOLS/setcc.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
int socket(int domain, int type, int protocol) {
  static int (*real)(int, int, int);
  if (!real) real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
  int fd = real(domain, type, protocol);
  const char *cc = getenv("TCP_CC");
  if (fd >= 0 && cc && (domain == AF_INET || domain == AF_INET6) && (type & 0xf) == SOCK_STREAM)
    setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc));
  return fd;
}
C
  gcc -O2 -Wall -shared -fPIC -o "$TOOLS/setcc.so" "$TOOLS/setcc.c" -ldl
fi
[ -f "$CLI" ] || dotnet build "$ROOT/src/Teeceepee.Cli" -c Release -v quiet -nologo
modprobe tcp_bbr 2>/dev/null || true

path_options() {
  case $1 in
    a) echo "--rate 100mbit --delay 10 --queue 20ms" ;;
    b) echo "--rate 100mbit --delay 25 --queue 50ms --loss 1%" ;;
    c) echo "--rate 1gbit --delay 5 --queue 10ms --loss 0.1%" ;;
    d) echo "--rate 100mbit --delay 20 --queue 8ms" ;;
    e) echo "--rate 100mbit --delay 10 --queue 20ms --ecn-threshold 10ms" ;;
    f) echo "--rate 100mbit --delay 10 --queue 20ms --blackhole-mtu 1400" ;;
  esac
}

ID=$$-$RANDOM; A=pcA-$ID; B=pcB-$ID; E=pcE-$ID
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in "$A" "$B" "$E"; do ip netns delete "$n" 2>/dev/null || true; done
}
trap cleanup EXIT
trap "exit 143" INT TERM

# One path set-up per (path, controller): the emulator, the bridge, kserver and the stack's bench-server.
setup() {
  local path=$1 cc=$2
  cleanup; PIDS=()
  for n in "$A" "$B" "$E"; do ip netns add "$n"; ip -n "$n" link set lo up; done
  for n in "$A" "$B"; do
    ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$n" sysctl -qw net.ipv4.tcp_congestion_control="$cc" 2>/dev/null || true # the preload sets it anyway
    ip netns exec "$n" sysctl -qw net.ipv4.tcp_rmem="4096 131072 33554432" net.ipv4.tcp_wmem="4096 16384 33554432"
    [ "$path" = e ] && ip netns exec "$n" sysctl -qw net.ipv4.tcp_ecn=1
    [ "$path" = f ] && ip netns exec "$n" sysctl -qw net.ipv4.tcp_mtu_probing=1
  done
  # shellcheck disable=SC2046
  ip netns exec "$E" chrt -f 10 dotnet "$CLI" path-emulator --tap pa --tap pb $(path_options "$path") --seed 1 > "$LOG/emu-$path-$cc.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do ip -n "$E" link show pb >/dev/null 2>&1 && break; sleep 0.1; done
  ip -n "$E" link set pa netns "$A"; ip -n "$E" link set pb netns "$B"
  ip -n "$A" link add br0 type bridge; ip -n "$A" link set pa master br0
  ip netns exec "$A" ip tuntap add dev ts mode tap; ip -n "$A" link set ts master br0
  for d in pa ts br0; do ip -n "$A" link set "$d" up; done
  ip -n "$A" addr add 198.18.9.1/24 dev br0
  ip -n "$B" addr add 198.18.9.2/24 dev pb; ip -n "$B" link set pb up
  ip netns exec "$A" env LD_PRELOAD="$TOOLS/setcc.so" TCP_CC="$cc" "$TOOLS/kserver" 198.18.9.1 > /dev/null 2>&1 &
  PIDS+=($!)
  local ecn=""; [ "$path" = e ] && ecn="--ecn on"
  # shellcheck disable=SC2086
  ip netns exec "$A" dotnet "$CLI" bench-server --tap ts --ip 198.18.9.3/24 --congestion "${STACK_CC:-$cc}" --tcp-buffer "$BUF" $ecn ${STACK_OPTS:-} > "$LOG/stack-$path-$cc.log" 2>&1 &
  STACK_PID=$!
  PIDS+=($!)
  for _ in $(seq 150); do
    ip netns exec "$B" bash -c "exec 3<>/dev/tcp/198.18.9.3/5003" 2>/dev/null && ip netns exec "$B" bash -c "exec 3<>/dev/tcp/198.18.9.1/5003" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "path $path ($cc): a server did not come up; see $LOG" >&2; return 1
}

# Mbit/s of one benchclient run: $1 test, $2 server address. CAPTURE=1 records the first 100 octets of every frame at
# B's end (the kernel client's side) into $LOG/<path>-<cc>-<test>-<server>.pcap, to compare ACK streams.
measure() {
  local out cap=""
  if [ -n "${CAPTURE:-}" ]; then
    ip netns exec "$B" tcpdump -q -i pb -s 100 -w "$LOG/$CUR-$1-$2.pcap" tcp > /dev/null 2>&1 &
    cap=$!; sleep 0.5
  fi
  local ssp=""
  if [ -n "${SS:-}" ] && [ "$1" = download ]; then
    ( while :; do echo "t $(date +%s.%N)"; ip netns exec "$A" ss -tin state established '( sport = :5002 )'; sleep 0.1; done ) > "$LOG/ss-$CUR-$2.log" 2>&1 &
    ssp=$!
  fi
  out=$(ip netns exec "$B" env LD_PRELOAD="$TOOLS/setcc.so" TCP_CC="$CC" "$TOOLS/benchclient" -t "$1" -H "$2" -s "$SECS" -T $((SECS * 3 + 30)) -l x 2>&1 || true)
  [ -n "$ssp" ] && { kill "$ssp" 2>/dev/null; wait "$ssp" 2>/dev/null || true; }
  [ -n "$cap" ] && { sleep 0.3; kill "$cap" 2>/dev/null; wait "$cap" 2>/dev/null || true; }
  echo "$out" >> "$LOG/client.log"
  echo "$out" | sed -n 's/.*"gbps":\([0-9.]*\).*/\1/p' | awk '{printf "%.1f", $1 * 1000}'
}

# Retransmitted segments and retransmission timeouts a namespace's kernel has counted so far: "RETRANS RTOS".
kcounters() {
  ip netns exec "$1" awk '$1 == "Tcp:" && !h1 { for (i = 2; i <= NF; i++) col[$i] = i; h1 = 1; next }
    $1 == "Tcp:" { r = $col["RetransSegs"] }
    $1 == "TcpExt:" && !h2 { for (i = 2; i <= NF; i++) ext[$i] = i; h2 = 1; next }
    $1 == "TcpExt:" { t = $ext["TCPTimeouts"] }
    END { print r + 0, t + 0 }' /proc/net/snmp /proc/net/netstat
}
# Frames the kernel dropped on their way into the stack's TAP (its queue full: the stack's loop did not read in time).
tapdrops() { ip -n "$A" -s link show ts | awk '/TX:/ { getline; print $4; exit }'; }
# "RETRANS/RTOS" between two kcounters outputs.
kdelta() { echo "$1 $2" | awk '{ printf "%d/%d", $3 - $1, $4 - $2 }'; }
# The stack's own "retransmits/timeouts", from the counters bench-server prints on SIGTERM (it sends only in "send").
stack_counters() {
  kill -TERM "$STACK_PID" 2>/dev/null || true
  for _ in $(seq 30); do grep -q "timeouts" "$1" 2>/dev/null && break; sleep 0.1; done
  # --plot draws (and writes the probe CSVs) at exit, which takes seconds: let it finish before the next cell's cleanup.
  if [[ "${STACK_OPTS:-}" == *--plot* ]]; then
    for _ in $(seq 600); do kill -0 "$STACK_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  sed -n 's/.*retransmits \([0-9]*\) (fast [0-9]*), timeouts \([0-9]*\).*/\1\/\2/p' "$1" | tail -1
}

LOG=$(mktemp -d /tmp/paths-compare-XXXXXX)
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), ${SECS} s per cell, load average $(cut -d' ' -f1-3 /proc/loadavg), logs $LOG"
echo "| path | cc | kernel send | stack send | ratio | kernel recv | stack recv | ratio | rtx/RTOs: kernel send | stack send | B to kernel | B to stack |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for path in $PATHS; do
  for cc in $CCS; do
    setup "$path" "$cc" || continue
    CC=$cc; CUR=$path-$cc
    c0=$(kcounters "$A"); ks=$(measure download 198.18.9.1); c1=$(kcounters "$A"); ss=$(measure download 198.18.9.3)
    b0=$(kcounters "$B"); kr=$(measure upload 198.18.9.1); b1=$(kcounters "$B"); t0=$(tapdrops)
    sr=$(measure upload 198.18.9.3); b2=$(kcounters "$B"); t1=$(tapdrops)
    ratio() { awk -v s="$1" -v k="$2" 'BEGIN { if (k > 0 && s != "") printf "%.2fx", s / k; else printf "-" }'; }
    echo "| $path | $cc | $ks | $ss | $(ratio "$ss" "$ks") | $kr | $sr | $(ratio "$sr" "$kr") | $(kdelta "$c0" "$c1") | $(stack_counters "$LOG/stack-$path-$cc.log") | $(kdelta "$b0" "$b1") | $(kdelta "$b1" "$b2") ($((t1 - t0)) dropped at the TAP) |"
  done
done
if [ "$FAIR" -gt 0 ]; then
  echo
  echo "| fairness on a, ${FAIR} s | stack Mbit/s | kernel Mbit/s | Jain's index |"
  echo "|---|---|---|---|"
  for cc in $CCS; do
    setup a "$cc" || continue
    CC=$cc; SECS=$FAIR
    f1=$(mktemp); f2=$(mktemp)
    measure download 198.18.9.3 > "$f1" &
    p1=$!
    measure download 198.18.9.1 > "$f2" &
    p2=$!
    wait $p1 $p2 || true
    x=$(cat "$f1"); y=$(cat "$f2"); rm -f "$f1" "$f2"
    echo "| $cc | $x | $y | $(awk -v x="$x" -v y="$y" 'BEGIN { if (x + y > 0) printf "%.3f", (x + y) ^ 2 / (2 * (x * x + y * y)); else printf "-" }') |"
  done
fi
