#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# test_l3fwd_nat.sh: l3fwd-npf as a masquerading NAT gateway between two
# network namespaces (examples/l3fwd-npf/netns.sh), with the Linux stacks
# of both ends as the traffic:
#
#   inside$$ 10.99.1.1 --veth-- [port 0 | l3fwd-npf | port 1] --veth--
#   outside$$ 10.99.2.1;  map 1 dynamic 10.99.1.0/24 -> 10.99.2.254
#
# Usage: test_l3fwd_nat.sh L3FWD_NPF EXAMPLE_DIR   (as root)
#
# Exit status 77 (skipped) without root or network namespaces.  Checks:
#
#   - a UDP exchange from inside: the outside server sees the firewall's
#     outside address as the source, and its answer comes back (the
#     kernel checks the UDP checksum of both);
#   - TCP: the outside server sees the translated source; HTTP of a
#     1 MB file through the NAT, compared with sha256;
#   - ping from inside through the NAT (ICMP id translated back);
#   - port blocks (npfct's "port-block 100" option on a map rule for a
#     second inside address): two UDP exchanges from it come from ports
#     of one block, which --conn-log reports once as made (and at most
#     once as given back, the same block);
#   - an ICMP error through the NAT: UDP to a closed port outside gets
#     ECONNREFUSED inside (the quoted packet translated back);
#   - the outside cannot open a connection to the inside address, and
#     its packets to the firewall's address that answer nothing stay
#     local (not forwarded);
#   - port forwarding (map ... <- ...): HTTP from outside to the
#     firewall's port 9080 reaches the inside server's port 8080;
#   - traceroute through the NAT: a third namespace ($NS_FAR, 10.99.3.2)
#     behind the outside one (a router); UDP probes from inside with TTL
#     2 and 3 get the time exceeded from the router and the port
#     unreachable from the far host back through the NAT, matched by the
#     inside kernel to the probe's socket (IP_RECVERR, as traceroute);
#   - IPv6 through NPTv6 (map 1 static algo npt66 fd99:1::/48 <->
#     2001:db8:1::/48): the outside sees the inside host's address with
#     the outside prefix and the checksum-neutral subnet word (computed
#     here independently), a UDP exchange, ping -6 and a 1 MB HTTP
#     download come through; from outside, the inside server is reached
#     at its mapped address (the static map works both ways);
#   - npfct's nat-bound counts the translated connections; SIGINT stops
#     l3fwd-npf with status 0.
#
# Bounded in time (about 20 s).  Namespaces and interfaces carry the PID
# in their names and are always deleted; what it starts it stops by PID.

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
	echo "SKIP: test_l3fwd_nat.sh needs root (network namespaces)"
	exit 77
fi
if ! ip netns add "l3nprobe$$" 2>/dev/null; then
	echo "SKIP: cannot create network namespaces here"
	exit 77
fi
ip netns del "l3nprobe$$"

# shellcheck disable=SC1091  # (examples/l3fwd-npf/netns.sh)
source "$EXDIR/netns.sh"
# shellcheck disable=SC2034  # read by netns_setup
NETNS_SUFFIX=n$$
PREFIX=l3fwd-nat-$$
TMP=$(mktemp -d /tmp/test_l3fwd_nat.XXXXXX)
NS_FAR=l3far$$
FAR_CREATED=no
FWPID=""
PIDS=()

# shellcheck disable=SC1091  # (tests/tap.sh)
source "$(dirname "$(readlink -f "$0")")/tap.sh"

cleanup() {
	local pid

	set +e
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "$FWPID" ] && kill -0 "$FWPID" 2>/dev/null; then
		kill -KILL "$FWPID" 2>/dev/null
		wait "$FWPID" 2>/dev/null
	fi
	netns_teardown
	[ "$FAR_CREATED" = yes ] && ip netns del "$NS_FAR" 2>/dev/null
	[ -n "${L3FWD_NAT_LOG:-}" ] && cp "$TMP/fw.log" "$L3FWD_NAT_LOG"
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bg() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@" >>"$TMP/bg.log" 2>&1 &
	PIDS+=($!)
}

wait_listen() {
	for _ in $(seq 50); do
		ip netns exec "$1" ss -H "-l$2" -n "sport = :$3" | grep -q . &&
		    return 0
		sleep 0.1
	done
	return 1
}

ct() { timeout 10 "${TELEMETRY[@]}" -f "$PREFIX" get /npfct/stats,fw "$1"; }

if ! netns_setup; then
	fail "network namespaces and veths set up"
	exit 1
fi
pass "network namespaces $NS_IN, $NS_OUT and veths set up"

# A far host behind the outside namespace, which routes (traceroute).
far_setup() {
	ip netns add "$NS_FAR" || return 1
	FAR_CREATED=yes
	ip link add "l3xo$$" type veth peer name "l3xf$$" || return 1
	ip link set "l3xo$$" netns "$NS_OUT" &&
	    ip link set "l3xf$$" netns "$NS_FAR" || return 1
	out_ns sysctl -qw net.ipv4.ip_forward=1 &&
	    ip -n "$NS_OUT" addr add 10.99.3.1/24 dev "l3xo$$" &&
	    ip -n "$NS_OUT" link set "l3xo$$" up &&
	    ip netns exec "$NS_FAR" sysctl -qw net.ipv4.icmp_ratelimit=0 &&
	    ip -n "$NS_FAR" link set lo up &&
	    ip -n "$NS_FAR" addr add 10.99.3.2/24 dev "l3xf$$" &&
	    ip -n "$NS_FAR" link set "l3xf$$" up &&
	    ip -n "$NS_FAR" route add default via 10.99.3.1
}
check "far namespace $NS_FAR behind the outside one" far_setup
# A second inside host (an address of the inside namespace), whose
# source NAT hands out port blocks.
check "second inside address 10.99.1.2" \
    ip -n "$NS_IN" addr add 10.99.1.2/24 dev "$H_IN"

mkdir -p "$TMP/www"
head -c 1048576 /dev/urandom >"$TMP/www/large.bin"
bg "$NS_OUT" "$PYTHON" "$EXDIR/httpd.py" "$TMP/www" 8000
# UDP and TCP servers that answer with the address they see.
bg "$NS_OUT" "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(("seen %s:%d" % a).encode(), a)'
bg "$NS_OUT" "$PYTHON" -c '
import socketserver
class Peer(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.recv(100)
        self.request.sendall(("seen %s:%d" % self.client_address).encode())
class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
Server(("0.0.0.0", 7000), Peer).serve_forever()'
check "HTTP server listens outside" wait_listen "$NS_OUT" t 8000
check "UDP peer server listens outside" wait_listen "$NS_OUT" u 7777
check "TCP peer server listens outside" wait_listen "$NS_OUT" t 7000
bg "$NS_OUT" "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 7778))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(("seen [%s]:%d" % a[:2]).encode(), a)'
check "UDP6 peer server listens outside" wait_listen "$NS_OUT" u 7778
# An inside server the outside must not reach.
bg "$NS_IN" "$PYTHON" "$EXDIR/httpd.py" "$TMP/www" 8080
check "HTTP server listens inside" wait_listen "$NS_IN" t 8080

cat >"$TMP/fw.rules" <<RULES
pass out proto tcp stateful
pass out proto udp stateful
pass out proto icmp stateful
# npfct's option: the host 10.99.1.2 gets port blocks (RFC 7422).
map 1 dynamic 10.99.1.2 -> $FW4_OUT port 20000-29999 port-block 100
# NPF's map: masquerade the inside network to the outside address.
map 1 dynamic 10.99.1.0/24 -> $FW4_OUT
# Port forwarding: the outside address's port 9080 is the inside server.
pass in proto tcp to $FW4_OUT port 9080 stateful
map 1 dynamic proto tcp $IN4 port 8080 <- $FW4_OUT port 9080
# IPv6: NPTv6 of the inside /48 to an outside /48, both ways.
pass out proto icmp6 stateful
map 1 static algo npt66 fd99:1::/48 <-> 2001:db8:1::/48
pass in proto tcp to 2001:db8:1::/48 port 8080 stateful
RULES

NCPU=$(nproc)
case $NCPU in
1) EAL_LCORES=(--lcores "0@0,1@0") ;;
*) EAL_LCORES=(--lcores "0@0,1@1") ;;
esac
# shellcheck disable=SC2046
"$L3FWD" --no-huge -m 512 --no-pci --file-prefix "$PREFIX" \
    "${EAL_LCORES[@]}" --log-level=lib.eal:error $(netns_vdevs 1) -- \
    --port 0:inside --port 1:outside \
    --addr "0:$FW4_IN/24" --addr "1:$FW4_OUT/24" \
    --addr "0:$FW6_IN/64" --addr "1:$FW6_OUT/64" \
    --neigh "$OUT4:$MAC_H_OUT" --neigh "$OUT6:$MAC_H_OUT" \
    --route 10.99.3.0/24:1:$OUT4 \
    --rules "$TMP/fw.rules" --idle-sleep 20 --stats-period 1 \
    --conn-log "$TMP/conn.jsonl" \
    >"$TMP/fw.log" 2>&1 &
FWPID=$!

ready=no
for _ in $(seq 100); do
	kill -0 "$FWPID" 2>/dev/null || break
	if grep -q "^lcore 1: port" "$TMP/fw.log" &&
	    [ -S "/var/run/dpdk/$PREFIX/dpdk_telemetry.v2" ]; then
		ready=yes
		break
	fi
	sleep 0.1
done
expect_eq "l3fwd-npf started" yes "$ready"
if [ "$ready" != yes ]; then
	sed 's/^/#   /' "$TMP/fw.log"
	exit 1
fi
check "the map rule is loaded" grep -q "nat  map 1 dynamic" "$TMP/fw.log"

##
## From inside, through the NAT.
##

udp=$(in_ns timeout 5 "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.bind(("10.99.1.1", 40001))
for _ in range(3):
    s.sendto(b"hello", ("10.99.2.1", 7777))
    try:
        print(s.recv(100).decode()); break
    except socket.timeout:
        pass' 2>&1)
expect_eq "UDP: the outside sees the firewall's address, the answer comes back" \
    "seen $FW4_OUT:40001" "$udp"

# From the port block host: two destinations ports, one block.
blk=$(in_ns timeout 5 "$PYTHON" -c '
import socket
seen = []
for port in (40001, 40002):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    s.bind(("10.99.1.2", port))
    for _ in range(3):
        s.sendto(b"hello", ("10.99.2.1", 7777))
        try:
            seen.append(s.recv(100).decode()); break
        except socket.timeout:
            pass
print(" ".join(seen))' 2>&1)
case $blk in
"seen $FW4_OUT:"*" seen $FW4_OUT:"*) pass "port block host: the outside sees $blk" ;;
*) fail "port block host: the outside sees the firewall's address (got: $blk)" ;;
esac

tcp=$(in_ns timeout 5 "$PYTHON" -c '
import socket
s = socket.create_connection(("10.99.2.1", 7000), timeout=3)
s.sendall(b"hi")
print(s.recv(100).decode())' 2>&1)
case $tcp in
"seen $FW4_OUT:"*) pass "TCP: the outside sees the firewall's address ($tcp)" ;;
*) fail "TCP: the outside sees the firewall's address (got: $tcp)" ;;
esac

got=$(in_ns timeout 10 curl -s --max-time 8 \
    "http://10.99.2.1:8000/large.bin" | sha256sum | cut -d' ' -f1)
expect_eq "HTTP: 1 MB through the NAT, sha256 equal" \
    "$(sha256sum "$TMP/www/large.bin" | cut -d' ' -f1)" "$got"

check "ping through the NAT" in_ns ping -c 2 -W 2 -i 0.2 10.99.2.1

# UDP to a closed port outside: the port unreachable error comes back
# translated (outer destination and the quoted source), and the inside
# kernel matches it to the socket: ECONNREFUSED.
refused=$(in_ns timeout 5 "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("10.99.2.1", 7799))
try:
    s.send(b"x")
    s.recv(10)
    print("answer")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")' 2>&1)
expect_eq "ICMP port unreachable through the NAT reaches the socket" \
    refused "$refused"

# traceroute through the NAT: the router's time exceeded (TTL 2) and the
# far host's port unreachable (TTL 3) come back to the probes' sockets.
trace=$(in_ns timeout 10 "$PYTHON" -c '
import select, socket, struct
IP_RECVERR = 11
for ttl in (2, 3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_IP, IP_RECVERR, 1)
    s.setsockopt(socket.SOL_IP, socket.IP_TTL, ttl)
    s.connect(("10.99.3.2", 33434 + ttl))
    got = "none"
    for _ in range(3):
        s.send(b"probe")
        if select.select([s], [], [], 1.0)[0] == []:
            continue
        try:
            _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE)
        except BlockingIOError:
            continue
        for lvl, typ, data in anc:
            if lvl == socket.SOL_IP and typ == IP_RECVERR:
                _, origin, itype, code = struct.unpack_from("=IBBB", data)
                got = "%d/%d from %s" % (itype, code,
                                         socket.inet_ntoa(data[20:24]))
        break
    print("ttl %d: %s" % (ttl, got))' 2>&1)
expect_eq "traceroute through the NAT: the ICMP errors come back" \
    "ttl 2: 11/0 from 10.99.2.1
ttl 3: 3/3 from 10.99.3.2" "$trace"

##
## IPv6 through NPTv6.
##

# The inside host's outside address, by RFC 6296's arithmetic done here
# (16-bit words, one's complement): the subnet word absorbs the prefixes'
# difference.
MAPPED6=$("$PYTHON" -c '
import ipaddress, struct
def w(a): return list(struct.unpack("!8H", ipaddress.IPv6Address(a).packed))
def add(a, b):
    s = a + b
    return (s & 0xffff) + (s >> 16)
i, o, a = w("fd99:1::"), w("2001:db8:1::"), w("'"$IN6"'")
d = 0
for k in range(3):
    d = add(d, i[k]); d = add(d, 0xffff - o[k])
a[:3] = o[:3]
a[3] = add(a[3], d)
a[3] = 0 if a[3] == 0xffff else a[3]
print(ipaddress.IPv6Address(struct.pack("!8H", *a)))')
udp6=$(in_ns timeout 5 "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(1)
s.bind(("'"$IN6"'", 40002))
for _ in range(3):
    s.sendto(b"hello", ("'"$OUT6"'", 7778))
    try:
        print(s.recv(100).decode()); break
    except socket.timeout:
        pass' 2>&1)
expect_eq "NPTv6: the outside sees $MAPPED6, the answer comes back" \
    "seen [$MAPPED6]:40002" "$udp6"
check "NPTv6: ping -6 through the translation" \
    in_ns ping -6 -c 2 -W 2 -i 0.2 "$OUT6"
got=$(in_ns timeout 10 curl -s --max-time 8 \
    "http://[$OUT6]:8000/large.bin" | sha256sum | cut -d' ' -f1)
expect_eq "NPTv6: HTTP of 1 MB, sha256 equal" \
    "$(sha256sum "$TMP/www/large.bin" | cut -d' ' -f1)" "$got"
got=$(out_ns timeout 10 curl -s --max-time 8 \
    "http://[$MAPPED6]:8080/large.bin" | sha256sum | cut -d' ' -f1)
expect_eq "NPTv6 inbound: the inside server at [$MAPPED6]:8080" \
    "$(sha256sum "$TMP/www/large.bin" | cut -d' ' -f1)" "$got"

##
## From outside.
##

# The outside host's default route is the firewall, which has no rule
# for connections to the inside.
if out_ns timeout 4 curl -s --max-time 2 -o /dev/null \
    "http://10.99.1.1:8080/"; then
	fail "from outside: HTTP to the inside server is blocked"
else
	pass "from outside: HTTP to the inside server is blocked"
fi
# To the firewall's address, a port no connection has: stays local.
if out_ns timeout 4 curl -s --max-time 2 -o /dev/null \
    "http://$FW4_OUT:8080/"; then
	fail "from outside: TCP to the firewall's address is not forwarded"
else
	pass "from outside: TCP to the firewall's address is not forwarded"
fi
# The port forward: the inside server's file, from outside.
got=$(out_ns timeout 10 curl -s --max-time 8 \
    "http://$FW4_OUT:9080/large.bin" | sha256sum | cut -d' ' -f1)
expect_eq "port forward: $FW4_OUT:9080 is the inside server, 1 MB, sha256 equal" \
    "$(sha256sum "$TMP/www/large.bin" | cut -d' ' -f1)" "$got"
bound=$(ct nat_bound)
check "npfct nat-bound counts the translated connections ($bound)" \
    test "${bound:-0}" -ge 10
expect_eq "npfct nat-exhausted" 0 "$(ct nat_exhausted)"

kill -INT "$FWPID"
rc=timeout
for _ in $(seq 150); do
	if ! kill -0 "$FWPID" 2>/dev/null; then
		wait "$FWPID"
		rc=$?
		break
	fi
	sleep 0.1
done
expect_eq "SIGINT: l3fwd-npf exits with status 0" 0 "$rc"
if [ "$rc" = timeout ]; then
	kill -KILL "$FWPID" 2>/dev/null
	wait "$FWPID" 2>/dev/null
fi
FWPID=""

# The connection log's port block lines: made once (the host's two ports
# in it), given back at most once (at exit), the same block.
inblock=$("$PYTHON" -c '
import json, sys
seen = [int(w.split(":")[1]) for w in sys.argv[2].split() if ":" in w]
ev = [e for e in map(json.loads, open(sys.argv[1]))
      if e["event"] == "port-block" and e["inside"] == "10.99.1.2"]
made = [e for e in ev if e["reason"] == "none"]
gone = [e for e in ev if e["reason"] != "none"]
ok = len(made) == 1 and len(gone) <= 1 and len(seen) == 2
if ok:
    b = made[0]
    ok = b["outside"] == sys.argv[3] and b["ports"][1] - b["ports"][0] == 99
    ok = ok and all(b["ports"][0] <= p <= b["ports"][1] for p in seen)
    ok = ok and all(e["id"] == b["id"] and e["reason"] == "expired" and
                    e["ports"] == b["ports"] for e in gone)
print("yes" if ok else "no: %s %s" % (ev, seen))' \
    "$TMP/conn.jsonl" "$blk" "$FW4_OUT" 2>&1)
expect_eq "conn-log: one port block made for 10.99.1.2, its ports in it" \
    yes "$inblock"
tap_done
