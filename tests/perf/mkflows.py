#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
"""UDP flows from the inside network for l3fwd-npf benchmarks.

Usage: mkflows.py OUT.pcap NFLOWS REPEAT
Frames: 64 bytes (no FCS), Ether 02:00:0a:63:01:01 -> 02:70:63:61:70:00
(l3fwd-npf port 0 = first net_pcap device), IPv4 10.99.1.H:SPORT ->
10.99.2.1:9, H = 1..64, SPORT = 1024.. ; flow i: H = 1 + i % 64,
SPORT = 1024 + i // 64 (NFLOWS <= 64 * 64512).  The NFLOWS flows are
written REPEAT times, round robin.  Templates (one per source address,
IP and UDP checksums) are built by scapy; the source port and the UDP
checksum are patched per packet (RFC 1624).
"""
import struct, sys
from scapy.all import Ether, IP, UDP, Raw, raw

out, nflows, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
assert nflows <= 64 * 64512
tmpl = []
for h in range(1, 65):
    p = (Ether(src="02:00:0a:63:01:01", dst="02:70:63:61:70:00") /
         IP(src="10.99.1.%d" % h, dst="10.99.2.1", ttl=64, id=0) /
         UDP(sport=0, dport=9) / Raw(b"\x00" * 22))
    b = bytearray(raw(p))
    assert len(b) == 64
    tmpl.append(b)
UDP_OFF = 14 + 20

def patch(b, sport):
    base = struct.unpack_from("!H", b, UDP_OFF + 6)[0]
    s = (~base & 0xffff) + sport
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    c = ~s & 0xffff
    if c == 0:
        c = 0xffff
    struct.pack_into("!HH", b, UDP_OFF, sport, 9)
    struct.pack_into("!H", b, UDP_OFF + 6, c)

# self-check against scapy
for i in (0, 1, 63, 64, 12345, nflows - 1):
    b = bytearray(tmpl[i % 64]); sp = 1024 + i // 64; patch(b, sp)
    q = Ether(bytes(b)); c0 = q[UDP].chksum; del q[UDP].chksum
    assert Ether(raw(q))[UDP].chksum == c0, i

hdr = struct.Struct("<IIII")
with open(out, "wb", buffering=1 << 22) as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    t = 0
    for r in range(repeat):
        for i in range(nflows):
            b = tmpl[i % 64]
            patch(b, 1024 + i // 64)
            f.write(hdr.pack(1700000000 + t // 1000000, t % 1000000, 64, 64))
            f.write(b)
            t += 1
print("%s: %d flows x %d = %d packets" % (out, nflows, repeat, nflows * repeat))
