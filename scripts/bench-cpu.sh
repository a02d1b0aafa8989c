#!/usr/bin/env bash
# bench-cpu.sh OUT SUT_COMMAND... — SUT wrapper for ../shared/bench/run.sh: runs the SUT and samples, every 100 ms, its
# CPU ticks (utime, stime), tap0's byte and packet counters, and the CPU ticks of each loop thread ("teeceepee ...")
# into OUT; scripts/bench-cpu.py OUT prints CPU seconds per GB for each burst of traffic (load-robust, docs/benchmarks.md).
out=$1; shift
"$@" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' TERM INT
(
  while kill -0 $pid 2>/dev/null; do
    s=$(cat /proc/$pid/stat 2>/dev/null) || break
    s=${s##*) }
    set -- $s
    u=${12}; s=${13}
    tx=$(cat /sys/class/net/tap0/statistics/tx_bytes 2>/dev/null || echo 0)
    rx=$(cat /sys/class/net/tap0/statistics/rx_bytes 2>/dev/null || echo 0)
    txp=$(cat /sys/class/net/tap0/statistics/tx_packets 2>/dev/null || echo 0)
    rxp=$(cat /sys/class/net/tap0/statistics/rx_packets 2>/dev/null || echo 0)
    loops=""
    for t in /proc/$pid/task/*; do
      read -r c < $t/comm 2>/dev/null || continue
      case "$c" in teeceepee*) st=$(cat $t/stat 2>/dev/null) || continue; st=${st##*) }; set -- $st; loops="$loops $(( ${12} + ${13} ))";; esac
    done
    echo "$(date +%s.%N) ${u} ${s} $tx $rx $txp $rxp$loops"
    sleep 0.1
  done
) > "$out" &
wait $pid
