#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# test_l3fwd_frag.sh: fragmented traffic through l3fwd-npf between two
# network namespaces (examples/l3fwd-npf/netns.sh), the Linux stacks of
# both ends fragmenting and reassembling (MTU 1500):
#
#   inside$$ 10.99.1.1 fd99:1::1 --veth-- [net_pcap port 0 | l3fwd-npf |
#   port 1 net_pcap] --veth-- outside$$ 10.99.2.1 fd99:2::1
#
# The ports are net_pcap on the veths (iface=), not net_af_packet: DPDK's
# af_packet asks the kernel to defragment IPv4 (PACKET_FANOUT_FLAG_DEFRAG)
# and would hand l3fwd-npf whole datagrams cut at its frame size
# (docs/l3fwd-npf.md, "Fragments").
#
# Usage: test_l3fwd_frag.sh L3FWD_NPF EXAMPLE_DIR   (as root)
#
# Checks, with the rules "pass out ... stateful" only (the outside opens
# nothing, so every fragment of a reply passes only as its datagram's):
#   - ping -s 3000 to the outside host, IPv4 and IPv6 (requests and
#     replies in three fragments each);
#   - a UDP exchange of 4000-byte datagrams both ways, IPv4 and IPv6
#     (the reply equal to the request);
#   - l3fwd-npf counted pass.fragment and npfct frag-seen / frag-complete,
#     and refused nothing (block.fragment 0);
#   - through masquerade (map 1 dynamic ... -> the firewall's address),
#     the same ping and UDP exchange (IPv4): the replies' later fragments,
#     addressed to the firewall, follow their datagram's NAT connection;
#     the server sees the firewall's address;
#   - a fragment flood from outside (scapy: 1500 lone later fragments,
#     1500 first fragments the rules block, 375 lone IPv6 later fragments)
#     into a handler of 64 datagrams and 8 held fragments: the handler
#     never holds or tracks more (sampled over telemetry during the flood),
#     the bounds are counted (frag-hold-full, frag-evicted), unfragmented
#     pings pass during the flood and ping -s 3000 right after it, and
#     after the 2 s timeout (--frag-timeout) nothing is held;
#   - with --no-frag the same ping gets no answer (the later fragments go
#     to the rules, which pass nothing from outside).
# Exit status 77 (skipped) without root or network namespaces.  About 15 s.

set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 L3FWD_NPF EXAMPLE_DIR" >&2
	exit 2
fi
L3FWD=$1
EXDIR=$2
PYTHON=${PYTHON:-/usr/bin/python3}
TELEMETRY=("$PYTHON" "$EXDIR/telemetry.py")

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: test_l3fwd_frag.sh needs root (network namespaces)"
	exit 77
fi
if ! ip netns add "l3probe$$" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces here"
	exit 77
fi
ip netns del "l3probe$$"

# shellcheck disable=SC1091  # (examples/l3fwd-npf/netns.sh)
source "$EXDIR/netns.sh"
# shellcheck disable=SC2034  # read by netns_setup
NETNS_SUFFIX=f$$
PREFIX=l3fwd-frag-$$
TMP=$(mktemp -d /tmp/test_l3fwd_frag.XXXXXX)
FWPID=""
PIDS=()

# shellcheck disable=SC1091  # (tests/tap.sh)
source "$(dirname "$(readlink -f "$0")")/tap.sh"

quiet() { "$@" >/dev/null 2>&1; }

fw_stop() {
	if [ -n "$FWPID" ] && kill -0 "$FWPID" 2>/dev/null; then
		kill -INT "$FWPID" 2>/dev/null
		for _ in $(seq 150); do
			kill -0 "$FWPID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$FWPID" 2>/dev/null
		wait "$FWPID" 2>/dev/null
	fi
	FWPID=""
}

cleanup() {
	local pid

	set +e
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	fw_stop
	netns_teardown
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ctr CMD KEY: one value of a telemetry reply.
ctr() {
	timeout 10 "${TELEMETRY[@]}" -f "$PREFIX" get "$1" "$2"
}

# fw_start [OPTION...]: l3fwd-npf on one lcore, net_pcap ports.
fw_start() {
	"$L3FWD" --no-huge -m 512 --no-pci --file-prefix "$PREFIX" -l 0 \
	    --log-level=lib.eal:error \
	    --vdev="net_pcap0,iface=$FW_IN,phy_mac=1" \
	    --vdev="net_pcap1,iface=$FW_OUT,phy_mac=1" -- \
	    --port 0:inside --port 1:outside \
	    --addr "0:$FW4_IN/24" --addr "1:$FW4_OUT/24" \
	    --addr "0:$FW6_IN/64" --addr "1:$FW6_OUT/64" \
	    --neigh "$OUT4:$MAC_H_OUT" --neigh "$OUT6:$MAC_H_OUT" \
	    --neigh "$IN4:$MAC_H_IN" --neigh "$IN6:$MAC_H_IN" \
	    --rules "$TMP/fw.rules" --idle-sleep 20 "$@" \
	    >"$TMP/fw.log" 2>&1 &
	FWPID=$!
	for _ in $(seq 100); do
		kill -0 "$FWPID" 2>/dev/null || return 1
		if grep -q "^lcore 0: port" "$TMP/fw.log" &&
		    [ -S "/var/run/dpdk/$PREFIX/dpdk_telemetry.v2" ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

check "namespaces and veths" netns_setup

cat >"$TMP/fw.rules" <<'EOF'
pass out proto udp stateful
pass out proto icmp stateful
pass out proto icmp6 stateful
EOF

# UDP echo server outside (IPv4 and IPv6), replies with what it got.
cat >"$TMP/echo.py" <<'EOF'
import select, socket, sys
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.bind(("0.0.0.0", 7777))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s6.bind(("::", 7777))
while True:
    for s in select.select([s4, s6], [], [])[0]:
        data, peer = s.recvfrom(65535)
        with open(sys.argv[1], "a") as f:
            f.write(peer[0] + "\n")
        s.sendto(data, peer)
EOF
cat >"$TMP/ask.py" <<'EOF'
import os, socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(2)
msg = os.urandom(4000)
for _ in range(5):
    s.sendto(msg, (sys.argv[1], 7777))
    try:
        data = s.recv(65535)
    except socket.timeout:
        continue
    sys.exit(0 if data == msg else 1)
sys.exit(1)
EOF
ip netns exec "$NS_OUT" "$PYTHON" "$TMP/echo.py" "$TMP/peers" \
    >>"$TMP/bg.log" 2>&1 &
PIDS+=($!)

check "l3fwd-npf starts (net_pcap ports, fragment handler on)" fw_start
if [ -z "$FWPID" ]; then
	sed 's/^/#   /' "$TMP/fw.log"
	tap_done
	exit 1
fi

check "ping -s 3000 the outside host (IPv4 fragments both ways)" \
    quiet in_ns ping -c 3 -i 0.2 -W 3 -s 3000 -q "$OUT4"
check "ping -6 -s 3000 the outside host (IPv6 fragments both ways)" \
    quiet in_ns ping -6 -c 3 -i 0.2 -W 3 -s 3000 -q "$OUT6"
check "4000-byte UDP request and reply (IPv4)" \
    in_ns "$PYTHON" "$TMP/ask.py" "$OUT4"
check "4000-byte UDP request and reply (IPv6)" \
    in_ns "$PYTHON" "$TMP/ask.py" "$OUT6"

pf=$(ctr /l3fwd_npf/stats pass_fragment)
check "pass.fragment counted later fragments (${pf:-?})" \
    test "${pf:-0}" -ge 12
bf=$(ctr /l3fwd_npf/stats block_fragment)
expect_eq "block.fragment: nothing refused" 0 "${bf:-?}"
seen=$(ctr /npfct/stats,fw frag_seen)
complete=$(ctr /npfct/stats,fw frag_complete)
check "npfct frag_seen ${seen:-?}, frag_complete ${complete:-?}" \
    test "${seen:-0}" -ge 18 -a "${complete:-0}" -ge 6
dg=$(ctr /npfct/frag,fw datagrams)
check "/npfct/frag answers (datagrams ${dg:-?})" test -n "$dg"
fw_stop

# Masquerade: the replies are addressed to the firewall; their later
# fragments follow the first fragment's NAT connection back inside.
cat >"$TMP/fw.rules" <<RULES
pass out proto udp stateful
pass out proto icmp stateful
map 1 dynamic 10.99.1.0/24 -> $FW4_OUT
RULES
: >"$TMP/peers"
check "l3fwd-npf starts with masquerade" fw_start
check "ping -s 3000 through masquerade" \
    quiet in_ns ping -c 3 -i 0.2 -W 3 -s 3000 -q "$OUT4"
check "4000-byte UDP request and reply through masquerade" \
    in_ns "$PYTHON" "$TMP/ask.py" "$OUT4"
expect_eq "the outside server saw the firewall's address" "$FW4_OUT" \
    "$(sort -u "$TMP/peers" | tr '\n' ' ' | sed 's/ $//')"
bf=$(ctr /l3fwd_npf/stats block_fragment)
expect_eq "block.fragment through masquerade" 0 "${bf:-?}"
fw_stop

# A fragment flood from outside: lone later fragments (none ever gets
# its first fragment) and first fragments the rules block (their records
# stay until the timeout), with a small handler so that its bounds are
# reached many times over.
cat >"$TMP/fw.rules" <<'EOF'
pass out proto udp stateful
pass out proto icmp stateful
pass out proto icmp6 stateful
EOF
cat >"$TMP/flood.py" <<'EOF'
import sys
from scapy.all import Ether, IP, IPv6, IPv6ExtHdrFragment, Raw, sendp, conf
conf.verb = 0
iface, smac, dmac, src, dst, src6, dst6, n = sys.argv[1:9]
n = int(n)
eth = Ether(src=smac, dst=dmac)
pkts = []
for i in range(n):
    # A later fragment of datagram i, a first fragment of datagram n + i.
    pkts.append(eth / IP(src=src, dst=dst, id=i, proto=17, frag=185,
                         flags="MF") / Raw(b"L" * 800))
    pkts.append(eth / IP(src=src, dst=dst, id=n + i, proto=17, flags="MF") /
                Raw(bytes.fromhex("1f900fa007d00000") + b"F" * 800))
    if i % 4 == 0:
        pkts.append(eth / IPv6(src=src6, dst=dst6) /
                    IPv6ExtHdrFragment(offset=100, m=1, id=i, nh=17) /
                    Raw(b"6" * 800))
sendp(pkts, iface=iface, inter=0.001)   # a few seconds: pings run meanwhile
print("sent %d" % len(pkts))
EOF
check "l3fwd-npf starts with a small fragment handler" \
    fw_start --frag-datagrams 64 --frag-held 8 --frag-timeout 2
out_ns timeout 120 "$PYTHON" "$TMP/flood.py" "$H_OUT" "$MAC_H_OUT" \
    "$MAC_FW_OUT" "$OUT4" "$IN4" "$OUT6" "$IN6" 1500 \
    >"$TMP/flood.out" 2>&1 &
FLOODPID=$!
PIDS+=("$FLOODPID")
maxheld=0
maxdg=0
pings=0
while kill -0 "$FLOODPID" 2>/dev/null; do
	h=$(ctr /npfct/frag,fw held)
	d=$(ctr /npfct/frag,fw datagrams)
	[ "${h:-0}" -gt "$maxheld" ] && maxheld=$h
	[ "${d:-0}" -gt "$maxdg" ] && maxdg=$d
	in_ns ping -c 1 -W 2 -q "$OUT4" >/dev/null 2>&1 && pings=$((pings + 1))
done
wait "$FLOODPID"
expect_eq "scapy: the flood was sent" "sent 3375" "$(cat "$TMP/flood.out")"
check "during the flood the handler never held more than 8 fragments (at most $maxheld seen)" \
    test "$maxheld" -le 8
check "... nor tracked more than 64 datagrams (at most $maxdg seen)" \
    test "$maxdg" -le 64
check "unfragmented pings passed during the flood ($pings)" test "$pings" -ge 1
full=$(ctr /npfct/stats,fw frag_hold_full)
evicted=$(ctr /npfct/stats,fw frag_evicted)
check "the bounds were hit and counted (frag_hold_full ${full:-?}, frag_evicted ${evicted:-?})" \
    test "${full:-0}" -gt 0 -a "${evicted:-0}" -gt 0
check "ping -s 3000 right after the flood" \
    quiet in_ns ping -c 3 -i 0.2 -W 3 -s 3000 -q "$OUT4"
sleep 3
expect_eq "after the timeout nothing is held" 0 "$(ctr /npfct/frag,fw held)"
check "l3fwd-npf survived the flood" kill -0 "$FWPID"
fw_stop

check "l3fwd-npf starts with --no-frag" fw_start --no-frag
check "with --no-frag ping -s 3000 gets no answer" \
    bash -c "! ip netns exec $NS_IN ping -c 2 -i 0.2 -W 1 -s 3000 -q $OUT4 \
    >/dev/null 2>&1"
check "... while ping -s 1000 does" \
    quiet in_ns ping -c 2 -i 0.2 -W 3 -s 1000 -q "$OUT4"
fw_stop

tap_done
