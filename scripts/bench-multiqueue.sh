#!/usr/bin/env bash
# bench-multiqueue.sh — SUT wrapper for ../shared/bench/run.sh (--loops N > 1 needs a multi-queue TAP).
# The harness makes tap0 single-queue; this remakes it multi-queue with the same kernel-side set-up (MTU, addresses,
# up) inside the harness's namespace, then runs the SUT. Example (docs/benchmarks.md):
#   run.sh --name tcp-loops2 --runs 1 --secs 5 --tests "parallel upload" -- \
#     scripts/bench-multiqueue.sh dotnet src/Teeceepee.Cli/bin/Release/net10.0/Teeceepee.Cli.dll bench-server --loops 2
set -euo pipefail
dev=${BENCH_TAP:-tap0}
mtu=$(cat "/sys/class/net/$dev/mtu")
addrs=$(ip -o addr show dev "$dev" | awk '{print $3, $4}')
ip link del "$dev"
ip tuntap add dev "$dev" mode tap multi_queue
ip link set "$dev" mtu "$mtu"
while read -r family cidr; do
  [ -n "$family" ] || continue
  case "$family $cidr" in
    "inet6 fe80"*) continue ;;                     # the kernel adds its link-local address itself
    inet6*) ip addr add "$cidr" dev "$dev" nodad ;;
    *) ip addr add "$cidr" dev "$dev" ;;
  esac
done <<< "$addrs"
ip link set "$dev" up
exec "$@"
