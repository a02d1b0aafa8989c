#!/bin/bash
# Re-creates the Linux SACK segment embedded in TcpSegmentTests (as root): ./TcpSackCapture.sh
# Namespace sacka-PID has a veth end with no address, where a raw AF_PACKET script plays a client 198.18.5.1;
# sackb-PID runs the kernel server on 198.18.5.2:8080 (checksum offload off). The script handshakes with
# MSS, SACK-permitted, timestamps and window scale, leaves a 100-octet hole and sends the next 100 octets;
# the kernel answers with a duplicate ACK carrying a SACK block, printed as hex (the TCP bytes).
set -u
A=sacka-$$; B=sackb-$$
PY=$(mktemp)
cleanup() { ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; rm -f "$PY"; }
trap cleanup EXIT
cat > "$PY" <<'PYEOF'
import socket, struct, sys, time, select
IF, SRC, DST, DMAC, SMAC = sys.argv[1], sys.argv[2], sys.argv[3], bytes.fromhex(sys.argv[4].replace(':','')), bytes.fromhex(sys.argv[5].replace(':',''))
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def tcp(seq, ack, flags, opts=b'', payload=b'', sport=40001, dport=8080, win=64240):
    hl = 20 + len(opts)
    h = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, (hl//4) << 4, flags, win, 0, 0) + opts
    ph = socket.inet_aton(SRC) + socket.inet_aton(DST) + struct.pack('!BBH', 0, 6, len(h) + len(payload))
    c = csum(ph + h + payload)
    h = h[:16] + struct.pack('!H', c) + h[18:]
    seg = h + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(seg), 1, 0x4000, 64, 6, 0, socket.inet_aton(SRC), socket.inet_aton(DST))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return DMAC + SMAC + b'\x08\x00' + ip + seg
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((IF, 0))
def recv_tcp(timeout=2):
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.2)
        if not r: continue
        f = s.recv(2000)
        ip = f[14:]
        if ip[9] != 6 or socket.inet_ntoa(ip[12:16]) != DST: continue
        ihl = (ip[0] & 15) * 4; tot = struct.unpack('!H', ip[2:4])[0]
        return ip[ihl:tot]
    raise SystemExit('timeout')
isn = 1000
# MSS 1460, SACK-permitted + timestamps, window scale 7 (the Linux layout)
syn_opts = bytes.fromhex('020405b4') + bytes.fromhex('0402080a') + struct.pack('!II', 5000, 0) + bytes.fromhex('01030307')
s.send(tcp(isn, 0, 0x02, syn_opts))
sa = recv_tcp()
print('SYNACK', sa.hex())
sseq = struct.unpack('!I', sa[4:8])[0]
ts_peer = None
o = sa[20:(sa[12] >> 4) * 4]
i = 0
while i < len(o):
    if o[i] in (0, 1): i += 1; continue
    if o[i] == 8: ts_peer = struct.unpack('!I', o[i+2:i+6])[0]
    i += o[i+1]
tsopt = lambda v: bytes.fromhex('0101080a') + struct.pack('!II', v, ts_peer)
s.send(tcp(isn + 1, sseq + 1, 0x10, tsopt(5001)))
# 100 octets after a 100-octet hole: the server must answer with a duplicate ACK carrying SACK [isn+201, isn+301)
s.send(tcp(isn + 1 + 100, sseq + 1, 0x18, tsopt(5002), b'B' * 100))
while True:
    a = recv_tcp()
    if (a[12] >> 4) * 4 > 32:
        print('SACKACK', a.hex()); break
s.send(tcp(isn + 201, sseq + 1, 0x04))
PYEOF
ip netns add $A; ip netns add $B
ip link add va netns $A type veth peer name vb netns $B
ip -n $A link set va address 02:00:00:00:05:01; ip -n $B link set vb address 02:00:00:00:05:02
ip -n $A link set va up; ip -n $A link set lo up
ip -n $B addr add 198.18.5.2/24 dev vb; ip -n $B link set vb up; ip -n $B link set lo up
ip -n $B neigh add 198.18.5.1 lladdr 02:00:00:00:05:01 dev vb
ip netns exec $B ethtool -K vb tx off rx off >/dev/null 2>&1 || true
ip netns exec $A sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec $B socat -u TCP-LISTEN:8080,reuseaddr OPEN:/dev/null &
S=$!
sleep 0.7
ip netns exec $A timeout 10 python3 "$PY" va 198.18.5.1 198.18.5.2 02:00:00:00:05:02 02:00:00:00:05:01
kill $S 2>/dev/null
