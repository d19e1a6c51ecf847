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
#   - an ICMP error through the NAT: UDP to a closed port outside gets
#     ECONNREFUSED inside (the quoted packet translated back);
#   - the outside cannot open a connection to the inside address, and
#     its packets to the firewall's address that answer nothing stay
#     local (not forwarded);
#   - port forwarding (map ... <- ...): HTTP from outside to the
#     firewall's port 9080 reaches the inside server's port 8080;
#   - npfct's nat-bound counts the translated connections; SIGINT stops
#     l3fwd-npf with status 0.
#
# Bounded in time (about 15 s).  Namespaces and interfaces carry the PID
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
# An inside server the outside must not reach.
bg "$NS_IN" "$PYTHON" "$EXDIR/httpd.py" "$TMP/www" 8080
check "HTTP server listens inside" wait_listen "$NS_IN" t 8080

cat >"$TMP/fw.rules" <<RULES
pass out proto tcp stateful
pass out proto udp stateful
pass out proto icmp stateful
# NPF's map: masquerade the inside network to the outside address.
map 1 dynamic 10.99.1.0/24 -> $FW4_OUT
# Port forwarding: the outside address's port 9080 is the inside server.
pass in proto tcp to $FW4_OUT port 9080 stateful
map 1 dynamic proto tcp $IN4 port 8080 <- $FW4_OUT port 9080
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
    --neigh "$OUT4:$MAC_H_OUT" \
    --rules "$TMP/fw.rules" --idle-sleep 20 --stats-period 1 \
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
    test "${bound:-0}" -ge 5
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
tap_done
