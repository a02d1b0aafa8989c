#!/bin/bash
# Re-creates the Linux TCP segments embedded in TcpSegmentTests (as root):
#   ./TcpGoldenCapture.sh [out.pcap]
# Two namespaces tcpa-PID / tcpb-PID joined by a veth pair, 198.18.5.1 <-> 198.18.5.2, checksum offload off so
# the captured checksums are final. socat sends one line to port 8080, then connects to the closed port 9 (RST).
# Prints each segment's addresses and TCP bytes (the IPv4 payload) as hex. Sequence numbers and timestamps differ
# per run; the layout does not.
set -u
OUT=${1:-/tmp/tcp-golden-$$.pcap}
A=tcpa-$$; B=tcpb-$$
cleanup() { ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 198.18.5.1/24 dev va; ip -n $A link set va up; ip -n $A link set lo up
ip -n $B addr add 198.18.5.2/24 dev vb; ip -n $B link set vb up; ip -n $B link set lo up
ip netns exec $A ethtool -K va tx off rx off >/dev/null 2>&1 || true
ip netns exec $B ethtool -K vb tx off rx off >/dev/null 2>&1 || true
ip netns exec $A tcpdump -i va -w "$OUT" -U -s 0 tcp 2>/dev/null &
TD=$!
sleep 1
ip netns exec $B socat -u TCP-LISTEN:8080,reuseaddr OPEN:/dev/null &
S=$!
sleep 0.5
echo "GET / HTTP/1.0 hello world payload" | ip netns exec $A socat -u - TCP:198.18.5.2:8080
sleep 0.5
ip netns exec $A socat -u - TCP:198.18.5.2:9 </dev/null 2>/dev/null || true
sleep 1
kill $TD $S 2>/dev/null; wait $TD 2>/dev/null
python3 - "$OUT" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off = 24
while off < len(d):
    _, _, incl, _ = struct.unpack('<IIII', d[off:off + 16]); off += 16
    ip = d[off + 14:off + incl]; off += incl
    ihl = (ip[0] & 15) * 4; total = struct.unpack('>H', ip[2:4])[0]
    print('.'.join(map(str, ip[12:16])), '>', '.'.join(map(str, ip[16:20])), ip[ihl:total].hex())
PY
