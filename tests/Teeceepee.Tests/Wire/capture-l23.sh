#!/bin/bash
set -u
# Usage: ./capture-l23.sh [out.pcap]  (as root; creates and deletes namespaces l23a/l23r/l23b-PID, 198.18.0.0/15 only)
OUT=${1:-capture.pcap}
A=l23a-$$; R=l23r-$$; B=l23b-$$
cleanup() { ip netns del $A 2>/dev/null; ip netns del $R 2>/dev/null; ip netns del $B 2>/dev/null; }
trap cleanup EXIT
ip netns add $A; ip netns add $R; ip netns add $B
for n in $A $R $B; do ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; done
ip link add va netns $A type veth peer name vra netns $R
ip link add vb netns $B type veth peer name vrb netns $R
ip -n $A link set va address 02:00:00:00:00:0a
ip -n $R link set vra address 02:00:00:00:00:1a
ip -n $R link set vrb address 02:00:00:00:00:1b
ip -n $B link set vb address 02:00:00:00:00:0b
ip -n $A addr add 198.18.1.2/24 dev va; ip -n $A link set va up; ip -n $A link set lo up
ip -n $R addr add 198.18.1.1/24 dev vra; ip -n $R link set vra up
ip -n $R addr add 198.18.2.1/24 dev vrb; ip -n $R link set vrb up mtu 1280
ip -n $B addr add 198.18.2.2/24 dev vb; ip -n $B link set vb up mtu 1280; ip -n $B link set lo up
ip -n $A route add default via 198.18.1.1
ip -n $B route add default via 198.18.2.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
ip netns exec $A ethtool -K va tx off rx off >/dev/null 2>&1 || true
ip netns exec $A tcpdump -i va -w "$OUT" -U -s 65535 2>/dev/null &
TD=$!
sleep 1.5
ip netns exec $A ping -c 1 -s 56 198.18.1.1 
ip netns exec $A ping -c 1 -s 3000 198.18.1.1 
# UDP with payload to an open port on R
ip netns exec $R socat -u UDP-RECV:4000 - >/dev/null &
SO=$!
sleep 0.3
echo -n "hello teeceepee" | ip netns exec $A socat -u - UDP-SENDTO:198.18.1.1:4000
sleep 0.2
# UDP to a closed port: ICMP port unreachable
echo -n "closed?" | ip netns exec $A socat -u - UDP-SENDTO:198.18.1.1:9
sleep 0.2
# TTL 1 through the router: time exceeded
ip netns exec $A ping -c 1 -t 1 198.18.2.2 
# DF packet bigger than the 1280 next hop: fragmentation needed (RFC 1191)
ip netns exec $A ping -c 1 -M do -s 1400 198.18.2.2 
# IPv4 options: record route (RFC 791 option 7)
ip netns exec $A ping -c 1 -R 198.18.1.1
# UDP without checksum (SO_NO_CHECK = 11)
ip netns exec $A python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, 11, 1); s.bind(("198.18.1.2", 4001)); s.sendto(b"no checksum", ("198.18.1.1", 4000))'
sleep 0.5
kill $SO 2>/dev/null
sleep 1; kill -INT $TD; wait $TD 2>/dev/null
