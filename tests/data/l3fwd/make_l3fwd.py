#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
"""Write the captures replayed through l3fwd-npf by test_l3fwd_pcap.sh.

Usage: tests/data/l3fwd/make_l3fwd.py [OUTDIR]    (OUTDIR: this directory)

Needs scapy (Debian: python3-scapy; run it with /usr/bin/python3).  The
output is deterministic: running the script again rewrites identical files.

Topology (as examples/l3fwd-npf/netns.sh, with net_pcap ports):

    inside host 10.99.1.1 fd99:1::1 02:00:0a:63:01:01
        | NAME-in.pcap: what l3fwd-npf port 0 (inside) receives
    port 0  net_pcap0  02:70:63:61:70:00  10.99.1.254  fd99:1::fe
    port 1  net_pcap1  02:70:63:61:70:01  10.99.2.254  fd99:2::fe
        | NAME-out.pcap: what port 1 (outside) receives
    outside host 10.99.2.1 fd99:2::1 02:00:0a:63:02:01

The port MACs are the ones DPDK 22.11's net_pcap gives its first two
devices; test_l3fwd_pcap.sh checks that l3fwd-npf reports them.

Derived from the captures of ../capture.sh and ../make_forged.py, whose
inside host 10.99.0.1 / fd99::1 becomes 10.99.1.1 / fd99:1::1 and outside
host 10.99.0.2 / fd99::2 becomes 10.99.2.1 / fd99:2::1 (quoted headers of
ICMP errors too, checksums recomputed).  Packets of the inside host go to
NAME-in.pcap, the others to NAME-out.pcap, with their timestamps, from
which l3fwd-npf --replay restores the order (made strictly increasing in
microseconds, net_pcap's resolution):

    http4 http6 large4    tcp4-http, tcp6-http, tcp4-large: HTTP fetches
    udp4 ping4 ping6      udp4, icmp4-ping, icmp6-ping
    unreach4 unreach6     udp4/6-unreach: UDP to a closed port, answered
                          by ICMP port unreachable (related)
    unsolicited           unsolicited: traffic opened from outside
    forged                forged: 3 forged segments on a live connection
                          and an unsolicited datagram
    timeout               udp4-timeout: an answer 2.5 s late

Generated:

    router                one packet per routing and local-delivery case;
                          the numbered list in router() is what
                          test_l3fwd_pcap.sh expects of each packet.
"""

import os
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, IPv6, Raw, rdpcap, wrpcap)
from scapy.packet import NoPayload

MAC_H_IN = "02:00:0a:63:01:01"
MAC_H_OUT = "02:00:0a:63:02:01"
MAC_FW_IN = "02:70:63:61:70:00"
MAC_FW_OUT = "02:70:63:61:70:01"
IN4, OUT4, FW4_IN, FW4_OUT = "10.99.1.1", "10.99.2.1", "10.99.1.254", \
    "10.99.2.254"
IN6, OUT6, FW6_IN, FW6_OUT = "fd99:1::1", "fd99:2::1", "fd99:1::fe", \
    "fd99:2::fe"
ADDRS = {"10.99.0.1": IN4, "10.99.0.2": OUT4, "fd99::1": IN6,
         "fd99::2": OUT6}
T0 = 1700000000.0

DERIVED = (("http4", "tcp4-http"), ("http6", "tcp6-http"),
           ("large4", "tcp4-large"), ("udp4", "udp4"),
           ("ping4", "icmp4-ping"), ("ping6", "icmp6-ping"),
           ("unreach4", "udp4-unreach"), ("unreach6", "udp6-unreach"),
           ("unsolicited", "unsolicited"), ("forged", "forged"),
           ("timeout", "udp4-timeout"))


def layers(p):
    while p is not None and not isinstance(p, NoPayload):
        yield p
        p = p.payload


def rewrite(p):
    """Map the addresses; return (from_inside, the new frame)."""
    p = p.copy()
    src = None
    for ly in layers(p):
        for f in ("src", "dst", "psrc", "pdst"):
            if (ly.name in ("IP", "IPv6", "IP in ICMP", "IPv6 in ICMPv6",
                            "ARP") and f in ly.fields and
                    ly.fields[f] in ADDRS):
                if src is None and f in ("src", "psrc"):
                    src = ly.fields[f]
                # setattr, not fields[]: it drops scapy's cached bytes.
                setattr(ly, f, ADDRS[ly.fields[f]])
        for f in ("chksum", "cksum"):
            if f in ly.fields:
                setattr(ly, f, None)
    inside = src in ("10.99.0.1", "fd99::1")
    eth = p[Ether]
    eth.src = MAC_H_IN if inside else MAC_H_OUT
    if not int(eth.dst.split(":")[0], 16) & 1:
        eth.dst = MAC_FW_IN if inside else MAC_FW_OUT
    return inside, Ether(bytes(p))


def write_pair(outdir, name, pkts):
    """pkts: (inside, frame, time) in order: NAME-in.pcap, NAME-out.pcap."""
    files = {True: [], False: []}
    prev = 0
    for inside, frame, t in pkts:
        us = max(int(round(t * 1e6)), prev + 1)
        prev = us
        frame.time = us / 1e6
        files[inside].append(frame)
    for inside, suffix in ((True, "in"), (False, "out")):
        path = os.path.join(outdir, "%s-%s.pcap" % (name, suffix))
        wrpcap(path, files[inside], linktype=1)
        print("%s: %d packets" % (path, len(files[inside])))


def derive(outdir, name, src):
    pkts = []
    for p in rdpcap(os.path.join(outdir, "..", src + ".pcap")):
        inside, frame = rewrite(p)
        pkts.append((inside, frame, float(p.time)))
    write_pair(outdir, name, pkts)


def i4(l4, dst=OUT4, ttl=64, ether_dst=MAC_FW_IN):
    return Ether(src=MAC_H_IN, dst=ether_dst) / IP(src=IN4, dst=dst,
                                                   ttl=ttl) / l4


def o4(l4, dst=IN4):
    return Ether(src=MAC_H_OUT, dst=MAC_FW_OUT) / IP(src=OUT4, dst=dst) / l4


def router():
    """One packet per case; True: received on the inside port."""
    u = UDP(sport=5000, dport=5001) / Raw(b"data")
    pkts = [
        # 1 ARP request for the firewall: answered, 10.99.1.1 learned.
        (True, Ether(src=MAC_H_IN, dst="ff:ff:ff:ff:ff:ff") /
         ARP(op=1, hwsrc=MAC_H_IN, psrc=IN4, pdst=FW4_IN)),
        # 2 NS for the firewall: answered (NA), fd99:1::1 learned.
        (True, Ether(src=MAC_H_IN, dst="33:33:ff:00:00:fe") /
         IPv6(src=IN6, dst="ff02::1:ff00:fe", hlim=255) /
         ICMPv6ND_NS(tgt=FW6_IN) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_H_IN)),
        # 3, 4 pings to the firewall: answered.
        (True, i4(ICMP(type=8, id=1, seq=1) / Raw(b"ping"), dst=FW4_IN)),
        (True, Ether(src=MAC_H_IN, dst=MAC_FW_IN) /
         IPv6(src=IN6, dst=FW6_IN) / ICMPv6EchoRequest(id=2, seq=1)),
        # 5 UDP out, TTL 64: a connection, forwarded with TTL 63.
        (True, i4(u)),
        # 6, 7 new UDP flows with TTL / hop limit 1: dropped (ttl).
        (True, i4(UDP(sport=5002, dport=5001), ttl=1)),
        (True, Ether(src=MAC_H_IN, dst=MAC_FW_IN) /
         IPv6(src=IN6, dst=OUT6, hlim=1) / UDP(sport=5003, dport=5001)),
        # 8 no route to 198.51.100.1.
        (True, i4(UDP(sport=5004, dport=5001), dst="198.51.100.1")),
        # 9 connected 10.99.2.99 without neighbour: dropped, ARP request.
        (True, i4(UDP(sport=5005, dport=5001), dst="10.99.2.99")),
        # 10 TCP to port 25: "block out proto tcp to any port 25".
        (True, i4(TCP(sport=43000, dport=25, flags="S", seq=1))),
        # 11 TCP ACK without connection: the state refuses it.
        (True, i4(TCP(sport=43001, dport=443, flags="A", seq=7, ack=8))),
        # 12 echo reply without connection: no request.
        (True, i4(ICMP(type=0, id=3, seq=1))),
        # 13 for another MAC address.
        (True, i4(u, ether_dst="02:00:00:00:00:99")),
        # 14 VLAN tagged.
        (True, Ether(src=MAC_H_IN, dst=MAC_FW_IN) / Dot1Q(vlan=5) /
         IP(src=IN4, dst=OUT4) / u),
        # 15 LLDP: neither IP nor ARP.
        (True, Ether(src=MAC_H_IN, dst="01:80:c2:00:00:0e", type=0x88cc) /
         Raw(bytes(40))),
        # 16 IPv4 header length 16 bytes: parse error.
        (True, Ether(src=MAC_H_IN, dst=MAC_FW_IN, type=0x0800) /
         Raw(b"\x44" + bytes(19) + b"junk")),
        # 17 directed broadcast 10.99.1.255: local, dropped.
        (True, i4(UDP(sport=5006, dport=5001), dst="10.99.1.255")),
        # 18 a later UDP fragment: not trackable, passed stateless.
        (True, Ether(src=MAC_H_IN, dst=MAC_FW_IN) /
         IP(src=IN4, dst=OUT4, id=9, proto=17, frag=185) / Raw(bytes(64))),
        # 19 the answer to 5: matches its connection.
        (False, o4(UDP(sport=5001, dport=5000) / Raw(b"answer"))),
        # 20 "pass in proto udp to 10.99.1.1 port 53": stateless.
        (False, o4(UDP(sport=5353, dport=53) / Raw(b"query"))),
        # 21 UDP from outside to port 54: default block.
        (False, o4(UDP(sport=5353, dport=54))),
        # 22 the ARP reply of 10.99.2.99: learned.
        (False, Ether(src="02:00:0a:63:02:99", dst=MAC_FW_OUT) /
         ARP(op=2, hwsrc="02:00:0a:63:02:99", psrc="10.99.2.99",
             hwdst=MAC_FW_OUT, pdst=FW4_OUT)),
        # 23 UDP to 10.99.2.99 again: forwarded now.
        (True, i4(UDP(sport=5005, dport=5001), dst="10.99.2.99")),
        # 24 ARP request of the outside host: answered; its static entry
        #    is not replaced.
        (False, Ether(src=MAC_H_OUT, dst="ff:ff:ff:ff:ff:ff") /
         ARP(op=1, hwsrc=MAC_H_OUT, psrc=OUT4, pdst=FW4_OUT)),
        # 25 ping from outside to the inside host: default block.
        (False, o4(ICMP(type=8, id=4, seq=1))),
        # 26 NS of the outside host for the firewall: answered.
        (False, Ether(src=MAC_H_OUT, dst="33:33:ff:00:00:fe") /
         IPv6(src=OUT6, dst="ff02::1:ff00:fe", hlim=255) /
         ICMPv6ND_NS(tgt=FW6_OUT) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_H_OUT)),
        # 27 UDP to 203.0.113.5: routed via the gateway 10.99.2.1.
        (True, i4(UDP(sport=5007, dport=5001), dst="203.0.113.5")),
        # 28 an NA of a host outside the connected prefixes: not learned.
        (False, Ether(src=MAC_H_OUT, dst=MAC_FW_OUT) /
         IPv6(src=OUT6, dst=FW6_OUT, hlim=255) /
         ICMPv6ND_NA(tgt="fd99:5::1", R=0, S=1, O=1) /
         ICMPv6NDOptDstLLAddr(lladdr="02:00:0a:63:05:01")),
    ]
    return [(inside, Ether(bytes(f)), T0 + i * 0.01)
            for i, (inside, f) in enumerate(pkts)]


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, src in DERIVED:
        derive(outdir, name, src)
    write_pair(outdir, "router", router())


if __name__ == "__main__":
    main()
