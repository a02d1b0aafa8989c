#!/usr/bin/python3
"""Fires malformed and hostile TCP segments at a live connection with the stack under test.

Run as root inside the kernel peer's namespace with /usr/bin/python3 (it has scapy):

    tcp_bad_input.py --iface DEV --dst 198.18.0.2 --port 9002

It opens a real kernel connection to DST:PORT (the stack runs an echo server there), learns the
sequence numbers and MAC addresses from a capture of that connection, then injects each probe as
the kernel's side of the 4-tuple and records what the stack sends back within a short window.
Afterwards it pushes 100 KB through the real socket and checks the echo. One JSON object on
stdout: {"probes": [{"name", "responses": [{"flags", "seq", "ack", "len"}]}], "seq": {...},
"echo_ok", "echo_sha256", "sent_sha256"}.
"""
import argparse
import hashlib
import json
import os
import socket
import sys
import time

from scapy.all import AsyncSniffer, Ether, IP, TCP, Raw, sendp, conf  # noqa: E402

conf.verb = 0
MOD = 1 << 32


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--dst", default="198.18.0.2")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--window", type=float, default=0.3, help="seconds to collect responses per probe")
    args = ap.parse_args()

    sniffer = AsyncSniffer(iface=args.iface, filter=f"tcp and host {args.dst} and port {args.port}", store=True)
    sniffer.start()
    time.sleep(0.5)

    sock = socket.create_connection((args.dst, args.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sport = sock.getsockname()[1]
    hello = b"hello, stack\n"
    sock.sendall(hello)
    echoed = b""
    while len(echoed) < len(hello):
        echoed += sock.recv(65536)
    time.sleep(0.5)  # let delayed ACKs settle: the connection is idle when the probes start

    frames = list(sniffer.stop() or [])
    to_stack = [f for f in frames if f[IP].dst == args.dst and f[TCP].sport == sport]
    from_stack = [f for f in frames if f[IP].src == args.dst and f[TCP].dport == sport]
    if not to_stack or not from_stack:
        print(json.dumps({"error": "no frames of the connection captured"}))
        return 2
    # The stack's RCV.NXT: the end of the kernel's data; its SND.NXT: the end of its own (echo) data.
    rcv_nxt = max((f[TCP].seq + len(f[TCP].payload)) % MOD for f in to_stack if len(f[TCP].payload) > 0)
    snd_nxt = max((f[TCP].seq + len(f[TCP].payload)) % MOD for f in from_stack if len(f[TCP].payload) > 0)
    stack_mac = from_stack[-1][Ether].src
    kernel_mac = from_stack[-1][Ether].dst
    kernel_ip = from_stack[-1][IP].dst
    window = to_stack[-1][TCP].window
    ts_opt = None
    for f in reversed(to_stack):
        for name, value in f[TCP].options:
            if name == "Timestamp":
                ts_opt = value
        if ts_opt:
            break

    def base(flags="A", seq=None, ack=None, payload=b"", options=None, **tcp):
        opts = options if options is not None else ([("NOP", None), ("NOP", None), ("Timestamp", ((ts_opt[0] + 1) % MOD, ts_opt[1]))] if ts_opt else [])
        segment = TCP(sport=sport, dport=args.port, flags=flags, seq=rcv_nxt if seq is None else seq % MOD,
                      ack=snd_nxt if ack is None else ack % MOD, window=window, options=opts, **tcp)
        pkt = Ether(src=kernel_mac, dst=stack_mac) / IP(src=kernel_ip, dst=args.dst) / segment
        if payload:
            pkt = pkt / Raw(payload)
        return pkt

    def raw_ip(tcp_bytes):
        """An IP packet whose payload is exactly these TCP octets (checksum already inside)."""
        return Ether(src=kernel_mac, dst=stack_mac) / IP(src=kernel_ip, dst=args.dst, proto=6) / Raw(tcp_bytes)

    def tcp_bytes(pkt):
        p = IP(bytes(pkt[IP]))  # scapy computes the checksum on build
        return bytes(p[TCP])

    probes = []

    def fire(name, pkt):
        sniffer_p = AsyncSniffer(iface=args.iface, filter=f"tcp and src host {args.dst} and src port {args.port} and dst port {sport}", store=True)
        sniffer_p.start()
        time.sleep(0.05)
        sendp(pkt, iface=args.iface)
        time.sleep(args.window)
        got = sniffer_p.stop() or []
        probes.append({
            "name": name,
            "responses": [{"flags": str(r[TCP].flags), "seq": r[TCP].seq, "ack": r[TCP].ack, "len": len(r[TCP].payload)} for r in got],
        })

    # Malformed: the stack's parsers drop these, counted by reason, no answer.
    good = base(payload=b"X")
    t = bytearray(tcp_bytes(good))
    t[16] ^= 0xFF  # checksum
    fire("bad_checksum", raw_ip(bytes(t)))
    t = bytearray(tcp_bytes(good))
    t[12] = (15 << 4) | (t[12] & 0x0F)  # data offset 60 octets, past the segment's end
    fire("data_offset_past_end", raw_ip(bytes(t)))
    t = bytearray(tcp_bytes(good))
    t[12] = (3 << 4) | (t[12] & 0x0F)  # data offset 12 octets < 20
    fire("data_offset_too_small", raw_ip(bytes(t)))
    fire("truncated_header", raw_ip(tcp_bytes(good)[:12]))
    # Option kind 2 (MSS) with length 7 and kind 5 (SACK) with length 1: malformed options.
    garbage = base(payload=b"X", options=[])
    g = bytearray(tcp_bytes(garbage))
    g_opts = bytes([2, 7, 0, 0, 0, 0, 0, 1])
    g = g[:12] + bytes([((20 + len(g_opts)) // 4) << 4 | (g[12] & 0x0F)]) + g[13:20] + g_opts + g[20:]
    g[16] = g[17] = 0
    fire("garbage_options", raw_ip(fix_checksum(bytes(g), kernel_ip, args.dst)))
    fire("syn_fin", base(flags="SF"))
    fire("syn_rst", base(flags="SR"))

    # Hostile but well formed: the state machine decides (RFC 9293 §3.10.7.4, RFC 5961).
    fire("out_of_window_data", base(seq=rcv_nxt + 50_000_000, payload=b"OUTOFWINDOW"))
    fire("old_duplicate_data", base(seq=rcv_nxt - 5, payload=b"OLD!!"))
    fire("ack_for_unsent_data", base(ack=snd_nxt + 100_000))
    fire("rst_out_of_window", base(flags="R", seq=rcv_nxt + 50_000_000, options=[]))
    fire("rst_in_window_not_exact", base(flags="R", seq=rcv_nxt + 1, options=[]))
    fire("syn_in_established", base(flags="S", seq=rcv_nxt + 10, ack=0, options=[]))

    # The connection must still carry data correctly.
    blob = os.urandom(100_000)
    sock.sendall(blob)
    back = b""
    sock.settimeout(20)
    while len(back) < len(blob):
        chunk = sock.recv(65536)
        if not chunk:
            break
        back += chunk
    sock.shutdown(socket.SHUT_WR)
    rest = sock.recv(65536)
    sock.close()
    print(json.dumps({
        "seq": {"rcv_nxt": rcv_nxt, "snd_nxt": snd_nxt, "sport": sport},
        "probes": probes,
        "echo_ok": back == blob and rest == b"",
        "sent_sha256": hashlib.sha256(hello + blob).hexdigest(),
        "echo_sha256": hashlib.sha256(back).hexdigest(),
    }))
    return 0


def fix_checksum(tcp, src, dst):
    """Recomputes the TCP checksum over the pseudo-header (for hand-edited headers)."""
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + bytes([0, 6]) + len(tcp).to_bytes(2, "big")
    data = pseudo + tcp + (b"\0" if len(tcp) % 2 else b"")
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    c = (~s) & 0xFFFF
    return tcp[:16] + c.to_bytes(2, "big") + tcp[18:]


if __name__ == "__main__":
    sys.exit(main())
