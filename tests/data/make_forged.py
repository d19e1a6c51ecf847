#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
"""Write the generated captures replayed by test_stream.sh.

Usage: tests/data/make_forged.py [OUTDIR]     (OUTDIR: this directory)

Needs scapy (Debian: python3-scapy; run it with /usr/bin/python3).  The
output is deterministic: fixed addresses, ports, sequence numbers, IP ids
and timestamps, so running the script again rewrites identical files.

The inside host is 10.99.0.1 / fd99::1 (npfct-stream --inside 10.99.0.1/32
--inside fd99::1/128), the outside host 10.99.0.2 / fd99::2, as in the
captures of capture.sh.

forged.pcap
    A TCP connection opened from inside (SYN, SYN-ACK, ACK with window
    scaling, data both ways), then inbound packets that a stateful
    firewall must block:
      7  ACK with data, sequence number 1 GiB beyond the window
      8  RST with a sequence number outside the window
      9  SYN|FIN on the connection (a flag combination no stack sends)
      10 UDP datagram from outside that nobody asked for
    then legitimate data in and its ACK out, which must still pass.

udp4-timeout.pcap
    Two UDP flows from inside.  The first is answered at once and its
    connection established; the second is answered 2.5 s late: with
    --timeout generic.new=1 its connection has expired and the answer is
    blocked, while a late answer on the first (established) flow passes.

policy.pcap
    One packet (or pair) for each rule of npfct-stream's policy: ARP both
    ways, IPv4 fragments, an unsolicited echo reply and a TCP ACK from
    inside, malformed packets, ICMPv6 neighbour discovery, jumbo UDP
    frames (copied into mbuf chains), GRE (a protocol tracked by address)
    and an ICMP error that quotes no known connection.

zones.pcap
    Two tenants, on VLANs 10 and 20, whose inside hosts have the same
    address (10.99.0.1) and open the same UDP flow and the same TCP
    connection; replies on the right VLAN, on a third VLAN and untagged,
    and a SYN-ACK of one tenant's connection sent on the other's VLAN.
    With npfct-stream --zone-vlan each VLAN is a zone: the tenants' flows
    are separate connections and a reply on another VLAN is blocked.

frag-attacks.pcap
    Fragments a firewall must not be fooled by, around a UDP flow opened
    from inside (10.99.0.1:41000 -> 10.99.0.2:5000, in two fragments):
    an ICMP router advertisement (neither query nor error: no layer 4
    ids) in two fragments both ways; answers whose later fragment
    overlaps the first with other data, whose middle fragment comes twice
    (the copy dropped alone), whose first fragment comes again with other
    data after its later fragment was released; a tiny first TCP fragment
    (8 bytes of TCP header, RFC 1858) from inside and its second fragment
    at offset 8; lone later fragments from outside; an IPv6 atomic
    fragment (RFC 6946) answering an IPv6 flow.

nat.pcap
    What a NAT gateway receives for the inside host 10.99.0.1 masqueraded
    to 198.51.100.7 with the inside web server forwarded from
    198.51.100.7:8080 (npfct-stream --map): a UDP exchange, a reply sent
    to the inside address (not translated: blocked), a ping, a port
    unreachable about a translated datagram, a TCP handshake through the
    port forward, and a SYN to a port nothing forwards.
"""

import os
import sys

from scapy.all import (ARP, GRE, ICMP, IP, UDP, TCP, Dot1Q, Ether, IPv6,
                       IPv6ExtHdrFragment,
                       Raw, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IPerror,
                       UDPerror, wrpcap)

MAC_IN = "02:00:0a:63:00:01"
MAC_OUT = "02:00:0a:63:00:02"
IN4, OUT4 = "10.99.0.1", "10.99.0.2"
IN6, OUT6 = "fd99::1", "fd99::2"
T0 = 1700000000.0


def out4(l4, ipid=1, **kw):
    """An IPv4 frame from the inside host."""
    return Ether(src=MAC_IN, dst=MAC_OUT) / IP(src=IN4, dst=OUT4, id=ipid,
                                               **kw) / l4


def in4(l4, ipid=1, **kw):
    """An IPv4 frame from the outside host."""
    return Ether(src=MAC_OUT, dst=MAC_IN) / IP(src=OUT4, dst=IN4, id=ipid,
                                               **kw) / l4


def stamp(pkts, times):
    """Set the capture times (seconds after T0) and return the packets."""
    for p, t in zip(pkts, times):
        p.time = T0 + t
    return pkts


def forged():
    c, s = 40000, 80
    cisn, sisn = 1000, 5000
    opts = [("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]
    req = b"GET / HTTP/1.0\r\n" + b"X" * 84
    resp = b"R" * 200
    pkts = [
        # 1-3: three-way handshake, window scale 7 both ways.
        out4(TCP(sport=c, dport=s, flags="S", seq=cisn, window=64240,
                 options=opts)),
        in4(TCP(sport=s, dport=c, flags="SA", seq=sisn, ack=cisn + 1,
                window=65160, options=opts)),
        out4(TCP(sport=c, dport=s, flags="A", seq=cisn + 1, ack=sisn + 1,
                 window=502)),
        # 4-6: a request, the answer, its ACK.
        out4(TCP(sport=c, dport=s, flags="PA", seq=cisn + 1, ack=sisn + 1,
                 window=502) / Raw(req)),
        in4(TCP(sport=s, dport=c, flags="PA", seq=sisn + 1,
                ack=cisn + 1 + len(req), window=509) / Raw(resp)),
        out4(TCP(sport=c, dport=s, flags="A", seq=cisn + 1 + len(req),
                 ack=sisn + 1 + len(resp), window=502)),
        # 7: ACK with data far beyond the window.
        in4(TCP(sport=s, dport=c, flags="A",
                seq=sisn + 1 + len(resp) + 0x40000000,
                ack=cisn + 1 + len(req), window=509) / Raw(b"E" * 10)),
        # 8: RST out of window.
        in4(TCP(sport=s, dport=c, flags="R",
                seq=sisn + 1 + len(resp) + 0x20000000, window=0)),
        # 9: SYN|FIN on the connection, in window.
        in4(TCP(sport=s, dport=c, flags="SF", seq=sisn + 1 + len(resp),
                window=509)),
        # 10: unsolicited UDP.
        in4(UDP(sport=5353, dport=5353) / Raw(b"unsolicited")),
        # 11-12: the connection still works.
        in4(TCP(sport=s, dport=c, flags="PA", seq=sisn + 1 + len(resp),
                ack=cisn + 1 + len(req), window=509) / Raw(b"D" * 50)),
        out4(TCP(sport=c, dport=s, flags="A", seq=cisn + 1 + len(req),
                 ack=sisn + 1 + len(resp) + 50, window=502)),
    ]
    return stamp(pkts, [i * 0.01 for i in range(len(pkts))])


def udp_timeout():
    a, b, srv = 40001, 40002, 7777
    pkts = [
        out4(UDP(sport=a, dport=srv) / Raw(b"request a1\n")),
        in4(UDP(sport=srv, dport=a) / Raw(b"echo request a1\n")),
        out4(UDP(sport=a, dport=srv) / Raw(b"request a2\n")),
        in4(UDP(sport=srv, dport=a) / Raw(b"echo request a2\n")),
        # A second flow, answered 2.5 s late.
        out4(UDP(sport=b, dport=srv) / Raw(b"request b1\n")),
        in4(UDP(sport=srv, dport=b) / Raw(b"echo request b1\n")),
        # A late answer on the established first flow.
        in4(UDP(sport=srv, dport=a) / Raw(b"echo request a3\n")),
    ]
    return stamp(pkts, [0.0, 0.2, 0.4, 0.6, 1.0, 3.5, 3.6])


def policy():
    big = bytes(range(256)) * 40
    udp_hdr = bytes(UDP(sport=41000, dport=5000, len=8 + 2000))
    pkts = [
        # 1-2: ARP: the sender address decides the direction.
        Ether(src=MAC_IN, dst="ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc=MAC_IN, psrc=IN4, pdst=OUT4),
        Ether(src=MAC_OUT, dst=MAC_IN) /
        ARP(op=2, hwsrc=MAC_OUT, psrc=OUT4, hwdst=MAC_IN, pdst=IN4),
        # 3-4: an IPv4 UDP datagram in two fragments, from inside.
        Ether(src=MAC_IN, dst=MAC_OUT) /
        IP(src=IN4, dst=OUT4, id=7, proto=17, flags="MF", frag=0) /
        Raw(udp_hdr + big[:1472]),
        Ether(src=MAC_IN, dst=MAC_OUT) /
        IP(src=IN4, dst=OUT4, id=7, proto=17, frag=185) /
        Raw(big[1472:2000]),
        # 5: a later fragment from outside.
        Ether(src=MAC_OUT, dst=MAC_IN) /
        IP(src=OUT4, dst=IN4, id=8, proto=17, frag=185) / Raw(big[:100]),
        # 6: an echo reply from inside that answers nothing we passed.
        out4(ICMP(type=0, id=0x4242, seq=1) / Raw(b"pong")),
        # 7: a TCP ACK from inside without a connection.
        out4(TCP(sport=43000, dport=443, flags="A", seq=77, ack=88)),
        # 8: TCP header cut short (IP length covers 10 bytes of it).
        out4(Raw(bytes(TCP(sport=43001, dport=443, flags="S"))[:10]),
             proto=6),
        # 9: bad IP version in an IPv4 frame.
        Ether(src=MAC_OUT, dst=MAC_IN, type=0x0800) /
        Raw(b"\x55" + bytes(19) + b"junk"),
        # 10-11: neighbour solicitations (not trackable) both ways.
        Ether(src=MAC_IN, dst="33:33:ff:00:00:02") /
        IPv6(src=IN6, dst="ff02::1:ff00:2", hlim=255) /
        ICMPv6ND_NS(tgt=OUT6) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_IN),
        Ether(src=MAC_OUT, dst="33:33:ff:00:00:01") /
        IPv6(src=OUT6, dst="ff02::1:ff00:1", hlim=255) /
        ICMPv6ND_NS(tgt=IN6) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_OUT),
        # 12-13: jumbo UDP both ways (mbuf chains).
        out4(UDP(sport=42000, dport=6000) / Raw((big * 3)[:8972])),
        in4(UDP(sport=6000, dport=42000) / Raw((big * 3)[:6972])),
        # 14-15: GRE, tracked by addresses.
        out4(GRE(proto=0x0800) / IP(src="192.0.2.1", dst="192.0.2.2")),
        in4(GRE(proto=0x0800) / IP(src="192.0.2.2", dst="192.0.2.1")),
        # 16: ICMP port unreachable quoting a flow that does not exist.
        in4(ICMP(type=3, code=3) /
            IPerror(src=IN4, dst=OUT4, proto=17, id=99) /
            UDPerror(sport=45000, dport=53)),
    ]
    return stamp(pkts, [i * 0.01 for i in range(len(pkts))])


def frag_attacks():
    data = bytes(range(256)) * 16
    other = bytes(255 - b for b in data)

    def udp_hdr(sport, dport, length):
        return bytes(UDP(sport=sport, dport=dport, len=8 + length,
                         chksum=0))

    def frag(src_in, ipid, off8, more, payload, proto=17):
        e = (Ether(src=MAC_IN, dst=MAC_OUT) if src_in else
             Ether(src=MAC_OUT, dst=MAC_IN))
        ip = (IP(src=IN4, dst=OUT4) if src_in else IP(src=OUT4, dst=IN4))
        ip.id, ip.proto, ip.frag = ipid, proto, off8
        ip.flags = "MF" if more else 0
        return e / ip / Raw(payload)

    ra = bytes(ICMP(type=9, code=0)) + bytes(16)
    req = udp_hdr(41000, 5000, 2000) + data[:1472]
    ans = udp_hdr(5000, 41000, 2000) + data[:1472]
    ans3 = udp_hdr(5000, 41000, 2400) + data[:1472]
    pkts = [
        # 1-2: the UDP flow, opened from inside in two fragments.
        frag(True, 20, 0, True, req),
        frag(True, 20, 185, False, data[1472:2000]),
        # 3-4: a fragmented router advertisement from outside: the
        # first fragment is decided by the policy, like the whole.
        frag(False, 21, 0, True, ra + data[:1456], proto=1),
        frag(False, 21, 185, False, data[:200], proto=1),
        # 5-6: the same from inside.
        frag(True, 22, 0, True, ra + data[:1456], proto=1),
        frag(True, 22, 185, False, data[:200], proto=1),
        # 7-9: an answer whose later fragment overlaps the first with
        # other data (offset 800): refused, and its true end too.
        frag(False, 23, 0, True, ans),
        frag(False, 23, 100, True, other[:800]),
        frag(False, 23, 185, False, data[1472:2000]),
        # 10-13: an answer in three fragments whose second comes twice:
        # the copy is dropped alone, the datagram completes.
        frag(False, 24, 0, True, ans3),
        frag(False, 24, 185, True, data[1472:2104]),
        frag(False, 24, 185, True, data[1472:2104]),
        frag(False, 24, 264, False, data[2104:2400]),
        # 14-17: an answer in three fragments: the second comes first
        # (held), the first releases it, the first again with other data
        # is refused, and so is the third.
        frag(False, 25, 185, True, data[1472:2104]),
        frag(False, 25, 0, True, ans3),
        frag(False, 25, 0, True, ans3[:8] + other[:1472]),
        frag(False, 25, 264, False, data[2104:2400]),
        # 18-19: a tiny first TCP fragment from inside (8 bytes of the
        # TCP header) and the rest of the header at offset 8.
        frag(True, 26, 0, True, bytes(TCP(sport=43000, dport=80,
                                          flags="S"))[:8], proto=6),
        frag(True, 26, 1, False, bytes(TCP(sport=43000, dport=80,
                                           flags="S"))[8:], proto=6),
        # 20-21: lone later fragments from outside (never completed).
        frag(False, 27, 185, True, data[:800]),
        frag(False, 28, 100, False, data[:100]),
        # 22-23: an IPv6 UDP flow from inside, answered by an atomic
        # fragment (offset 0, no more fragments): not a fragment.
        Ether(src=MAC_IN, dst=MAC_OUT) / IPv6(src=IN6, dst=OUT6) /
        UDP(sport=41001, dport=5001) / Raw(b"query"),
        Ether(src=MAC_OUT, dst=MAC_IN) / IPv6(src=OUT6, dst=IN6) /
        IPv6ExtHdrFragment(offset=0, m=0, id=29) /
        UDP(sport=5001, dport=41001) / Raw(b"answer"),
    ]
    return stamp(pkts, [i * 0.01 for i in range(len(pkts))])


def zones():
    def tag(frame, vlan):
        """The frame with an 802.1Q tag (none for VLAN 0)."""
        if vlan == 0:
            return frame
        eth = Ether(src=frame.src, dst=frame.dst)
        return eth / Dot1Q(vlan=vlan) / frame.payload

    udp_out = out4(UDP(sport=5000, dport=53) / Raw(b"query\n"))
    udp_in = in4(UDP(sport=53, dport=5000) / Raw(b"answer\n"))
    syn = out4(TCP(sport=40000, dport=80, flags="S", seq=1000))
    synack = in4(TCP(sport=80, dport=40000, flags="SA", seq=5000, ack=1001))
    ack = out4(TCP(sport=40000, dport=80, flags="A", seq=1001, ack=5001))
    pkts = [
        # 1-4: the same UDP flow from both tenants, answered on each VLAN.
        tag(udp_out, 10), tag(udp_out, 20),
        tag(udp_in, 10), tag(udp_in, 20),
        # 5-6: an answer on a third VLAN and one untagged.
        tag(udp_in, 30), tag(udp_in, 0),
        # 7-9: tenant 10 opens a TCP connection; its SYN-ACK arrives on
        # VLAN 20, then on 10, and the handshake ends.
        tag(syn, 10), tag(synack, 20), tag(synack, 10), tag(ack, 10),
        # 11-13: tenant 20 opens the same connection: a new one.
        tag(syn, 20), tag(synack, 20), tag(ack, 20),
    ]
    return stamp(pkts, [i * 0.01 for i in range(len(pkts))])


def nat():
    outa = "198.51.100.7"

    def to_nat(l4, ipid=1):
        return Ether(src=MAC_OUT, dst=MAC_IN) / IP(src=OUT4, dst=outa,
                                                   id=ipid) / l4
    pkts = [
        # 1-3: UDP out, its answer to the translated address, an answer
        # to the inside address itself.
        out4(UDP(sport=5000, dport=53) / Raw(b"query")),
        to_nat(UDP(sport=53, dport=5000) / Raw(b"answer")),
        in4(UDP(sport=53, dport=5000) / Raw(b"answer")),
        # 4-5: ping (the id is translated like a port).
        out4(ICMP(type=8, id=77, seq=1) / Raw(b"ping")),
        to_nat(ICMP(type=0, id=77, seq=1) / Raw(b"ping")),
        # 6-7: UDP to a closed port; the port unreachable quotes the
        # translated datagram.
        out4(UDP(sport=5001, dport=9) / Raw(b"x")),
        to_nat(ICMP(type=3, code=3) /
               IPerror(src=outa, dst=OUT4, id=1) /
               UDPerror(sport=5001, dport=9) / Raw(b"x")),
        # 8-10: a handshake through the port forward 8080 -> 10.99.0.1:80.
        to_nat(TCP(sport=40000, dport=8080, flags="S", seq=100,
                   window=64240)),
        out4(TCP(sport=80, dport=40000, flags="SA", seq=900, ack=101,
                 window=65160)),
        to_nat(TCP(sport=40000, dport=8080, flags="A", seq=101, ack=901,
                   window=502)),
        # 11: a SYN to a port nothing forwards.
        to_nat(TCP(sport=40001, dport=8081, flags="S", seq=100,
                   window=64240)),
    ]
    return stamp(pkts, [i * 0.01 for i in range(len(pkts))])


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, gen in (("forged.pcap", forged),
                      ("udp4-timeout.pcap", udp_timeout),
                      ("policy.pcap", policy),
                      ("zones.pcap", zones),
                      ("frag-attacks.pcap", frag_attacks),
                      ("nat.pcap", nat)):
        path = os.path.join(outdir, name)
        pkts = gen()
        wrpcap(path, pkts)
        print("%s: %d packets" % (path, len(pkts)))


if __name__ == "__main__":
    main()
