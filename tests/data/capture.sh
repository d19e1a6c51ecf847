#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# capture.sh: record the real-traffic captures replayed by test_stream.sh.
#
# Usage: tests/data/capture.sh [OUTDIR [SCENARIO...]]
#
#	(as root; OUTDIR: this directory; SCENARIO: "base" for the files
#	up to tcp4-large.pcap, "frag" for the frag*.pcap files; both when
#	none is given)
#
# Two network namespaces joined by a veth pair stand for an inside host and
# the outside world:
#
#	ns-in  veth-in   10.99.0.1/24  fd99::1/64   (inside: --inside 10.99.0.1/32
#	   |                                                  --inside fd99::1/128)
#	ns-out veth-out  10.99.0.2/24  fd99::2/64   (outside)
#
# tcpdump runs in ns-in on veth-in with a full snapshot length and records
# one file per scenario:
#
#	tcp4-http.pcap     curl in ns-in fetches a 4 KiB file from
#	                   "python3 -m http.server" in ns-out (HTTP/1.0: one
#	                   connection, the server closes first, full close)
#	tcp6-http.pcap     the same over IPv6, with nanosecond timestamps
#	udp4.pcap          four UDP datagrams from ns-in to an echo server in
#	                   ns-out, each answered
#	icmp4-ping.pcap    ping -c 3 from ns-in
#	icmp6-ping.pcap    ping -6 -c 3 from ns-in
#	udp4-unreach.pcap  one UDP datagram from ns-in to a closed port of
#	                   ns-out, answered by ICMP port unreachable
#	udp6-unreach.pcap  the same over IPv6 (ICMPv6 port unreachable)
#	unsolicited.pcap   traffic opened from ns-out: a TCP connect to a closed
#	                   port of ns-in, an HTTP fetch from a server in ns-in,
#	                   a UDP datagram to a closed port and ping -c 3
#	tcp4-large.pcap    curl fetches 60 KiB; the SYNs carry window scale
#	frag4-ping.pcap    ping -c 2 -s 3000 from ns-in: every request and
#	                   reply in three IPv4 fragments (MTU 1500)
#	frag6-ping.pcap    the same over IPv6 (fragment headers)
#	frag4-udp.pcap     two 4000-byte UDP datagrams from ns-in to an echo
#	                   server in ns-out, each answered with 4000 bytes
#	frag6-udp.pcap     the same over IPv6
#
# Checksum offloads, TSO, GSO and GRO are off on both ends, so the capture
# holds wire-sized segments with correct checksums.  The neighbours are
# static and the capture filter keeps only the IP traffic between the two
# addresses, so that no ARP, neighbour discovery or MLD lands in a file.
#
# The script is re-runnable: it refuses to start if ns-in or ns-out exist,
# and on exit (also on error or ^C) it stops every process it started, by
# PID, and deletes the namespaces it created.  The files differ from run to
# run (ports, sequence numbers, timing); after regenerating unsolicited.pcap
# check the expected verdict table of test_stream.sh against the new file.
#
# Needs: iproute2, ethtool, tcpdump, curl, ping, python3.

set -euo pipefail

NS_IN=ns-in
NS_OUT=ns-out
IF_IN=veth-in
IF_OUT=veth-out
MAC_IN=02:00:0a:63:00:01
MAC_OUT=02:00:0a:63:00:02
IN4=10.99.0.1
OUT4=10.99.0.2
IN6=fd99::1
OUT6=fd99::2
PYTHON=${PYTHON:-python3}

OUTDIR=$(cd "${1:-$(dirname "$0")}" && pwd)
WORK=""
PIDS=()
CREATED_NS=()
TCPDUMP_PID=""

log() { echo "capture.sh: $*" >&2; }
die() { log "$*"; exit 1; }

cleanup() {
	local pid ns

	set +e
	for pid in "${PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
	done
	for ns in "${CREATED_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { ip netns exec "$NS_IN" "$@"; }
out_ns() { ip netns exec "$NS_OUT" "$@"; }

# bg NS CMD...: start CMD in the background in namespace NS; PID in $BG_PID.
bg() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@" >>"$WORK/bg.log" 2>&1 &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# wait_listen NS PROTO PORT: wait until something listens on PORT.
wait_listen() {
	local ns=$1 opt=$2 port=$3 i

	for i in $(seq 50); do
		if ip netns exec "$ns" ss -H "-l$opt" -n "sport = :$port" |
		    grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	die "nothing listens on port $port in $ns"
}

# stop_pid PID: stop one process this script started.
stop_pid() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# capture_start NAME [tcpdump options]: record into NAME (a .pcap file).
capture_start() {
	local name=$1 i

	shift
	: >"$WORK/tcpdump.err"
	ip netns exec "$NS_IN" tcpdump -i "$IF_IN" -s 0 -U -n -Z root \
	    --immediate-mode "$@" -w "$WORK/$name" \
	    "(ip and host $IN4 and host $OUT4) or
	     (ip6 and host $IN6 and host $OUT6 and
	      not (icmp6 and ip6[40] >= 133 and ip6[40] <= 137))" \
	    2>"$WORK/tcpdump.err" &
	TCPDUMP_PID=$!
	PIDS+=("$TCPDUMP_PID")
	for i in $(seq 50); do
		grep -q "listening on" "$WORK/tcpdump.err" && break
		sleep 0.1
	done
	grep -q "listening on" "$WORK/tcpdump.err" ||
	    die "tcpdump did not start: $(cat "$WORK/tcpdump.err")"
	sleep 0.2
}

# capture_stop NAME: let the last packets in, stop tcpdump, keep the file.
capture_stop() {
	local name=$1

	sleep 0.5
	kill -INT "$TCPDUMP_PID"
	wait "$TCPDUMP_PID" || true
	mv "$WORK/$name" "$OUTDIR/$name"
	log "$name: $(tcpdump -r "$OUTDIR/$name" -n 2>/dev/null | wc -l)" \
	    "packets, $(stat -c %s "$OUTDIR/$name") bytes"
}

setup() {
	local ns

	for ns in "$NS_IN" "$NS_OUT"; do
		if ip netns list | grep -qw "$ns"; then
			die "namespace $ns exists; delete it first" \
			    "(ip netns del $ns)"
		fi
	done
	ip netns add "$NS_IN"
	CREATED_NS+=("$NS_IN")
	ip netns add "$NS_OUT"
	CREATED_NS+=("$NS_OUT")
	ip link add "$IF_IN" netns "$NS_IN" address "$MAC_IN" type veth \
	    peer name "$IF_OUT" netns "$NS_OUT" address "$MAC_OUT"

	in_ns ip link set lo up
	out_ns ip link set lo up
	in_ns ip addr add "$IN4/24" dev "$IF_IN"
	in_ns ip addr add "$IN6/64" dev "$IF_IN" nodad
	out_ns ip addr add "$OUT4/24" dev "$IF_OUT"
	out_ns ip addr add "$OUT6/64" dev "$IF_OUT" nodad
	in_ns ethtool -K "$IF_IN" tx off rx off gso off tso off gro off \
	    >/dev/null
	out_ns ethtool -K "$IF_OUT" tx off rx off gso off tso off gro off \
	    >/dev/null
	in_ns ip link set "$IF_IN" up
	out_ns ip link set "$IF_OUT" up
	# Static neighbours: no ARP or neighbour discovery in the captures.
	in_ns ip neigh replace "$OUT4" lladdr "$MAC_OUT" dev "$IF_IN" \
	    nud permanent
	in_ns ip neigh replace "$OUT6" lladdr "$MAC_OUT" dev "$IF_IN" \
	    nud permanent
	out_ns ip neigh replace "$IN4" lladdr "$MAC_IN" dev "$IF_OUT" \
	    nud permanent
	out_ns ip neigh replace "$IN6" lladdr "$MAC_IN" dev "$IF_OUT" \
	    nud permanent
	# Let the link and the link-local addresses settle.
	sleep 2
	in_ns ping -c 1 -W 2 "$OUT4" >/dev/null || die "no IPv4 connectivity"
	in_ns ping -6 -c 1 -W 2 "$OUT6" >/dev/null ||
	    die "no IPv6 connectivity"

	# Web roots: deterministic bodies of 4 KiB and 60 KiB.
	mkdir -p "$WORK/www-out" "$WORK/www-in"
	"$PYTHON" -c 'import sys
for name, size in (("body4k.txt", 4096), ("body60k.txt", 61440)):
    line = b"npfct-stream capture test body, line %05d.\n"
    data = b"".join(line % i for i in range(size // len(line % 0) + 1))
    open(sys.argv[1] + "/" + name, "wb").write(data[:size])
open(sys.argv[2] + "/hello.txt", "wb").write(b"hello from inside\n")' \
	    "$WORK/www-out" "$WORK/www-in"
}

# http_server NS ADDR PORT ROOT: python3 -m http.server, PID in $BG_PID.
http_server() {
	bg "$1" "$PYTHON" -m http.server "$3" --bind "$2" --directory "$4"
	wait_listen "$1" t "$3"
}

# udp_send NS ADDR PORT COUNT [SIZE]: send COUNT datagrams (of SIZE
# bytes, padded) from port 40001 and wait up to one second for each
# answer.
udp_send() {
	ip netns exec "$1" "$PYTHON" -c 'import socket, sys
addr, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = int(sys.argv[4])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind(("", 40001))
s.settimeout(1.0)
for i in range(count):
    msg = b"request %d\n" % i
    s.sendto(msg.ljust(size, b"."), (addr, port))
    try:
        s.recvfrom(65536)
    except OSError:
        pass' "$2" "$3" "$4" "${5:-0}"
}

# udp_echo_server ADDR PORT SIZE: an echo server in ns-out whose answers
# are padded to SIZE bytes; PID in $BG_PID.
udp_echo_server() {
	bg "$NS_OUT" "$PYTHON" -c 'import socket, sys
addr, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((addr, port))
while True:
    data, peer = s.recvfrom(65536)
    s.sendto((b"echo " + data[:16]).ljust(size, b"."), peer)' "$1" "$2" "$3"
	wait_listen "$NS_OUT" u "$2"
}

# tcp_connect NS ADDR PORT: one TCP connect (refused is fine).
tcp_connect() {
	ip netns exec "$1" "$PYTHON" -c 'import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), 2).close()
except OSError:
    pass' "$2" "$3"
}

# scenario_base: the captures of unfragmented traffic.
scenario_base() {
	local srv

	# (a) HTTP over IPv4 and (g) a larger transfer.
	http_server "$NS_OUT" "$OUT4" 8080 "$WORK/www-out"
	srv=$BG_PID
	capture_start tcp4-http.pcap
	in_ns curl -sS -o /dev/null "http://$OUT4:8080/body4k.txt"
	capture_stop tcp4-http.pcap
	capture_start tcp4-large.pcap
	in_ns curl -sS -o /dev/null "http://$OUT4:8080/body60k.txt"
	capture_stop tcp4-large.pcap
	stop_pid "$srv"
	tcpdump -r "$OUTDIR/tcp4-large.pcap" -n -c 2 \
	    'tcp[tcpflags] & tcp-syn != 0' 2>/dev/null | grep -q wscale ||
	    die "tcp4-large.pcap: the SYNs carry no window scale"

	# (b) HTTP over IPv6, nanosecond timestamps.
	http_server "$NS_OUT" "$OUT6" 8080 "$WORK/www-out"
	srv=$BG_PID
	capture_start tcp6-http.pcap --time-stamp-precision=nano
	in_ns curl -sS -g -o /dev/null "http://[$OUT6]:8080/body4k.txt"
	capture_stop tcp6-http.pcap
	stop_pid "$srv"

	# (c) UDP request/response.
	udp_echo_server "$OUT4" 7777 0
	srv=$BG_PID
	capture_start udp4.pcap
	udp_send "$NS_IN" "$OUT4" 7777 4
	capture_stop udp4.pcap
	stop_pid "$srv"

	# (d) ping.
	capture_start icmp4-ping.pcap
	in_ns ping -c 3 -i 0.2 "$OUT4" >/dev/null
	capture_stop icmp4-ping.pcap
	capture_start icmp6-ping.pcap
	in_ns ping -6 -c 3 -i 0.2 "$OUT6" >/dev/null
	capture_stop icmp6-ping.pcap

	# (e) UDP to a closed port: ICMP / ICMPv6 port unreachable.
	capture_start udp4-unreach.pcap
	udp_send "$NS_IN" "$OUT4" 9 1
	capture_stop udp4-unreach.pcap
	capture_start udp6-unreach.pcap
	udp_send "$NS_IN" "$OUT6" 9 1
	capture_stop udp6-unreach.pcap

	# (f) Opened from outside.
	http_server "$NS_IN" "$IN4" 8081 "$WORK/www-in"
	srv=$BG_PID
	capture_start unsolicited.pcap
	tcp_connect "$NS_OUT" "$IN4" 9
	sleep 0.2
	out_ns curl -sS -o /dev/null "http://$IN4:8081/hello.txt"
	sleep 0.2
	udp_send "$NS_OUT" "$IN4" 9 1
	out_ns ping -c 3 -i 0.2 "$IN4" >/dev/null
	capture_stop unsolicited.pcap
	stop_pid "$srv"
}

# frag_count FILE: the number of fragments in a capture.
frag_count() {
	tcpdump -r "$1" -n -v 2>/dev/null |
	    grep -cE 'flags \[\+\]|offset [1-9]|frag \(' || true
}

# scenario_frag: the captures of fragmented traffic.
scenario_frag() {
	local srv f

	capture_start frag4-ping.pcap
	in_ns ping -c 2 -i 0.2 -s 3000 "$OUT4" >/dev/null
	capture_stop frag4-ping.pcap
	capture_start frag6-ping.pcap
	in_ns ping -6 -c 2 -i 0.2 -s 3000 "$OUT6" >/dev/null
	capture_stop frag6-ping.pcap

	udp_echo_server "$OUT4" 7778 4000
	srv=$BG_PID
	capture_start frag4-udp.pcap
	udp_send "$NS_IN" "$OUT4" 7778 2 4000
	capture_stop frag4-udp.pcap
	stop_pid "$srv"
	udp_echo_server "$OUT6" 7778 4000
	srv=$BG_PID
	capture_start frag6-udp.pcap
	udp_send "$NS_IN" "$OUT6" 7778 2 4000
	capture_stop frag6-udp.pcap
	stop_pid "$srv"

	for f in frag4-ping frag6-ping frag4-udp frag6-udp; do
		[ "$(frag_count "$OUTDIR/$f.pcap")" -ge 12 ] ||
		    die "$f.pcap: fewer fragments than expected"
	done
}

main() {
	local sc

	[ "$(id -u)" -eq 0 ] || die "must run as root"
	for cmd in ip ethtool tcpdump curl ping ss "$PYTHON"; do
		command -v "$cmd" >/dev/null || die "$cmd not found"
	done
	shift || true
	[ $# -gt 0 ] || set -- base frag
	for sc in "$@"; do
		case $sc in
		base|frag) ;;
		*) die "unknown scenario $sc (base, frag)" ;;
		esac
	done
	WORK=$(mktemp -d /tmp/npfct-capture.XXXXXX)
	setup
	for sc in "$@"; do
		"scenario_$sc"
	done
	log "done: $OUTDIR"
}

main "$@"
