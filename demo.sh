#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# demo.sh: install what npfct needs (Debian 12), build it into ./build and
# run l3fwd-npf (examples/l3fwd-npf), a stateful DPDK firewall on npfct,
# between two network namespaces with real Linux traffic:
#
#   namespace "inside"                root namespace               namespace "outside"
#   10.99.1.1 fd99:1::1  --veth--  [port 0  l3fwd-npf  port 1]  --veth--  10.99.2.1 fd99:2::1
#                                  net_af_packet on both ends              HTTP server
#
# It shows ping and HTTP from inside (IPv4 and IPv6) passing, a connection
# from outside being blocked, the connection table and the counters over
# DPDK telemetry, the G/C expiring connections on a service lcore, and the
# final statistics; then it deletes everything it created.
#
# Usage: sudo ./demo.sh
#
# Root is needed to install missing packages, to create the namespaces and
# veths, and for af_packet.  Without root, see "pcap mode" in
# docs/l3fwd-npf.md.  Takes about 40 seconds.

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"

PACKAGES=(meson ninja-build pkg-config gcc libdpdk-dev dpdk-dev dpdk
	liburcu-dev libpcap-dev iproute2 ethtool curl python3 iputils-ping
	procps)
BUILD=${BUILD_DIR:-build}	# BUILD_DIR=...: build elsewhere
L3FWD=$BUILD/examples/l3fwd-npf/l3fwd-npf
EXDIR=examples/l3fwd-npf
PREFIX=l3fwd-npf-demo
TELEMETRY=(python3 "$EXDIR/telemetry.py" -f "$PREFIX")

if [ "$(id -u)" -ne 0 ]; then
	cat >&2 <<EOF
demo.sh needs root: it installs missing Debian packages with apt-get,
creates two network namespaces ("inside", "outside") joined by veth pairs
to the firewall, and l3fwd-npf opens its ends with DPDK's af_packet driver
(raw sockets).  Run:

    sudo ./demo.sh

Without root, l3fwd-npf runs in pcap mode on capture files; see
docs/l3fwd-npf.md ("Pcap mode").
EOF
	exit 1
fi
if ! command -v dpkg-query >/dev/null; then
	echo "demo.sh: this script installs Debian packages; it needs" \
	    "Debian 12 (bookworm) or a derivative." >&2
	exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -ne 0 ]; then
	echo "==> Installing ${missing[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${PACKAGES[@]}"
fi

if [ -f "$BUILD/build.ninja" ]; then
	echo "==> Reusing $BUILD"
else
	echo "==> Configuring $BUILD (release)"
	meson setup "$BUILD" --buildtype=release -Dtests=disabled
fi
echo "==> Building"
ninja -C "$BUILD"

# shellcheck source=examples/l3fwd-npf/netns.sh
source "$EXDIR/netns.sh"
WORK=$(mktemp -d /tmp/l3fwd-npf-demo.XXXXXX)
FWPID=""
PIDS=()

cleanup() {
	local pid

	set +e
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	if [ -n "$FWPID" ] && kill -0 "$FWPID" 2>/dev/null; then
		kill -INT "$FWPID"
		sleep 2
		kill -KILL "$FWPID" 2>/dev/null
		wait "$FWPID" 2>/dev/null
	fi
	netns_teardown
	rm -rf "$WORK" "/var/run/dpdk/$PREFIX"
	echo "==> Removed the namespaces, the veths and $WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n==> %s\n' "$*"; }
show() { printf '    $ %s\n' "$*"; }
indent() { sed 's/^/    /'; }

step "Network namespaces inside and outside, veths to the firewall"
if ! netns_setup; then
	echo "Delete them (ip netns del inside; ip netns del outside;" \
	    "ip link del $FW_IN; ip link del $FW_OUT) or reboot, then run" \
	    "demo.sh again." >&2
	exit 1
fi
cat <<EOF | indent
inside  $H_IN $IN4/24 $IN6/64, default via $FW4_IN / $FW6_IN
outside $H_OUT $OUT4/24 $OUT6/64, default via $FW4_OUT / $FW6_OUT
firewall ends in the root namespace: $FW_IN (port 0, inside), $FW_OUT (port 1, outside)
EOF

mkdir -p "$WORK/www-out" "$WORK/www-in"
echo "Hello from the outside." >"$WORK/www-out/hello.txt"
head -c 4194304 /dev/urandom >"$WORK/www-out/4mb.bin"
echo "Hello from the inside." >"$WORK/www-in/hello.txt"
# "ip netns exec" execs the server: $! is the server's own PID, which the
# cleanup stops (a shell function in the background would leave it).
ip netns exec "$NS_OUT" python3 "$EXDIR/httpd.py" "$WORK/www-out" 8000 \
    >"$WORK/http-out.log" 2>&1 &
PIDS+=($!)
ip netns exec "$NS_IN" python3 "$EXDIR/httpd.py" "$WORK/www-in" 8080 \
    >"$WORK/http-in.log" 2>&1 &
PIDS+=($!)

cat >"$WORK/fw.rules" <<'EOF'
# The inside may open TCP, UDP and pings; their answers come back through
# the connections.  Nothing is passed in otherwise (default block).
pass out proto tcp stateful
pass out proto udp stateful
pass out proto icmp stateful
pass out proto icmp6 stateful
# NAT (NPF's map): the inside network leaves with the firewall's outside
# address (masquerade), and the firewall's port 9080 forwards to the
# inside server's port 8080.
map 1 dynamic 10.99.1.0/24 -> 10.99.2.254
pass in proto tcp to 10.99.2.254 port 9080 stateful
map 1 dynamic proto tcp 10.99.1.1 port 8080 <- 10.99.2.254 port 9080
EOF
step "Rules ($WORK/fw.rules)"
indent <"$WORK/fw.rules"

# Lcore 0 forwards (one queue per port), lcore 1 is the service lcore
# running npfct's G/C.  With a single CPU the main lcore runs the G/C.
if [ "$(nproc)" -ge 2 ]; then
	LCORES=(-l 0-1 -S 1)
else
	LCORES=(-l 0)
fi
# shellcheck disable=SC2207
CMD=("$L3FWD" --no-huge -m 512 --no-pci --file-prefix "$PREFIX"
	"${LCORES[@]}" --log-level=lib.eal:error $(netns_vdevs 1) --
	--port 0:inside --port 1:outside
	--addr "0:$FW4_IN/24" --addr "0:$FW6_IN/64"
	--addr "1:$FW4_OUT/24" --addr "1:$FW6_OUT/64"
	--neigh "$OUT4:$MAC_H_OUT" --neigh "$OUT6:$MAC_H_OUT"
	--rules "$WORK/fw.rules" --idle-sleep 20 --stats-period 1
	--timeout tcp.time_wait=3 --timeout generic.new=4
	--timeout generic.established=4)
step "Starting l3fwd-npf (output in $WORK/l3fwd-npf.log)"
show "${CMD[*]}"
"${CMD[@]}" >"$WORK/l3fwd-npf.log" 2>&1 &
FWPID=$!
for _ in $(seq 100); do
	kill -0 "$FWPID" 2>/dev/null || break
	grep -q "^lcore 0: port 1" "$WORK/l3fwd-npf.log" &&
	    [ -S "/var/run/dpdk/$PREFIX/dpdk_telemetry.v2" ] && break
	sleep 0.1
done
if ! grep -q "^lcore 0: port 1" "$WORK/l3fwd-npf.log"; then
	echo "l3fwd-npf did not start:" >&2
	cat "$WORK/l3fwd-npf.log" >&2
	exit 1
fi
grep -E "^(port|gc|rules|lcore)" "$WORK/l3fwd-npf.log" | indent

step "From inside: ping the outside host, IPv4 and IPv6"
show "ip netns exec inside ping -c 3 $OUT4"
in_ns ping -c 3 -i 0.3 -W 3 "$OUT4" | grep -E "bytes from|loss" | indent
show "ip netns exec inside ping -6 -c 3 $OUT6"
in_ns ping -6 -c 3 -i 0.3 -W 3 "$OUT6" | grep -E "bytes from|loss" | indent

step "From inside: HTTP to the outside host, IPv4 and IPv6"
show "ip netns exec inside curl http://$OUT4:8000/hello.txt"
in_ns curl -sS --max-time 20 "http://$OUT4:8000/hello.txt" | indent
show "ip netns exec inside curl -6 http://[$OUT6]:8000/4mb.bin"
in_ns curl -6 -sS --max-time 30 -o /dev/null \
    -w 'HTTP %{http_code}, %{size_download} bytes, %{speed_download} bytes/s\n' \
    "http://[$OUT6]:8000/4mb.bin" | indent

step "Masquerade: the outside server saw the firewall's address ($FW4_OUT)"
show "tail -n 2 $WORK/http-out.log"
tail -n 2 "$WORK/http-out.log" | indent
if ! grep -qE "^(::ffff:)?$FW4_OUT " "$WORK/http-out.log"; then
	echo "    UNEXPECTED: no request from $FW4_OUT" | tee -a "$WORK/err"
fi

step "Port forward: $FW4_OUT:9080 is the inside server's port 8080"
show "ip netns exec outside curl http://$FW4_OUT:9080/hello.txt"
if ! out_ns curl -sS --max-time 5 "http://$FW4_OUT:9080/hello.txt" \
    >"$WORK/fwd.out" 2>&1 || ! grep -q "inside" "$WORK/fwd.out"; then
	echo "    UNEXPECTED: the port forward did not answer" |
	    tee -a "$WORK/err"
fi
indent <"$WORK/fwd.out"

step "From outside: HTTP to a server inside (port 8080): blocked"
show "ip netns exec outside curl --connect-timeout 2 http://$IN4:8080/hello.txt"
if out_ns curl -sS --connect-timeout 2 "http://$IN4:8080/hello.txt" \
    >"$WORK/curl.out" 2>&1; then
	echo "    UNEXPECTED: the connection went through" | tee -a "$WORK/err"
else
	sed 's/^/    blocked: /' "$WORK/curl.out"
fi
show "ip netns exec inside curl http://$IN4:8080/hello.txt    (the server is there)"
in_ns curl -sS --max-time 5 "http://$IN4:8080/hello.txt" | indent

step "The connection table, over telemetry (/npfct/conns)"
show "$EXDIR/telemetry.py -f $PREFIX conns"
"${TELEMETRY[@]}" conns | cut -c1-150 | indent
if command -v dpdk-telemetry.py >/dev/null; then
	show "echo /npfct/info,fw | dpdk-telemetry.py -f $PREFIX"
	echo "/npfct/info,fw" | dpdk-telemetry.py -f "$PREFIX" | indent
fi

step "Counters (/l3fwd_npf/stats, /npfct/stats)"
"${TELEMETRY[@]}" /l3fwd_npf/stats | python3 -c '
import json, sys
d = [(k, v) for k, v in json.load(sys.stdin)["/l3fwd_npf/stats"].items() if v]
for i in range(0, len(d), 2):
    print("  ".join("%-22s %8d" % kv for kv in d[i:i + 2]))' | indent
"${TELEMETRY[@]}" /npfct/stats,fw | python3 -c '
import json, sys
d = [(k, v) for k, v in json.load(sys.stdin)["/npfct/stats"].items() if v]
for i in range(0, len(d), 2):
    print("  ".join("npfct %-16s %8d" % kv for kv in d[i:i + 2]))' | indent

step "The G/C on service lcore 1 expires idle connections (short timeouts)"
for t in 0 2 4 6 8 10 12 14 16 18 20; do
	n=$("${TELEMETRY[@]}" get /npfct/info,fw conns)
	printf '    t+%2ds: %s connections, gc_expired %s, conn_destroy %s\n' \
	    "$t" "$n" "$("${TELEMETRY[@]}" get /npfct/stats,fw gc_expired)" \
	    "$("${TELEMETRY[@]}" get /npfct/stats,fw conn_destroy)"
	[ "$n" = 0 ] && break
	sleep 2
done

step "The status line (last 3 seconds of $WORK/l3fwd-npf.log)"
grep -E "^ +[0-9]+s \|" "$WORK/l3fwd-npf.log" | tail -n 3 | cut -c1-150 |
    indent

step "Stopping l3fwd-npf (SIGINT): final statistics, abridged"
kill -INT "$FWPID"
for _ in $(seq 100); do
	kill -0 "$FWPID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$FWPID" 2>/dev/null; then
	echo "    l3fwd-npf did not exit within 10 s: killed"
	kill -KILL "$FWPID" 2>/dev/null
fi
wait "$FWPID" && rc=0 || rc=$?
FWPID=""
awk '/final statistics/ { on = 1 } on' "$WORK/l3fwd-npf.log" |
    grep -vE "^  [a-z.0-9-]+ +0$" | grep -v "^Bye" | indent
echo "    exit status $rc"
[ ! -s "$WORK/err" ] && [ "$rc" -eq 0 ]
