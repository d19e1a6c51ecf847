#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# test_l3fwd_e2e.sh: l3fwd-npf between two network namespaces, with the
# Linux stacks of both ends as the traffic (examples/l3fwd-npf/netns.sh):
#
#   inside$$ 10.99.1.1 fd99:1::1 --veth-- [af_packet port 0 | l3fwd-npf |
#   port 1 af_packet] --veth-- outside$$ 10.99.2.1 fd99:2::1
#
# Usage: test_l3fwd_e2e.sh L3FWD_NPF EXAMPLE_DIR   (as root)
#
# Exit status 77 (skipped) without root or network namespaces.  Every
# check prints "ok" or "not ok"; the script fails if any failed.  Checks:
#
#   - l3fwd-npf starts (2 worker lcores, 2 queues per port, symmetric
#     fan-out, the G/C on service lcore 3) and answers ARP, neighbour
#     solicitations and pings for its addresses;
#   - from inside: ping and ping -6, HTTP over IPv4 (three files and a
#     10 MB one) and IPv6, compared with sha256, a UDP request and its
#     answer, and traceroute-style UDP probes to a closed port (IPv4 and
#     IPv6) whose ICMP port unreachable errors come back (related:
#     pass.related and npfct's alg_hit count exactly them);
#   - from outside: TCP SYNs (IPv4, IPv6), UDP datagrams and pings to
#     the inside host are blocked (block.default counts exactly them, and
#     the SYNs get no answer, not even the inside host's RST);
#   - on a live TCP connection (a held-open echo session), an ACK and an
#     RST forged from outside with scapy, their sequence number 2^31 away
#     from the real one, are blocked as invalid (block.invalid-state and
#     npfct's invalid_state count exactly them) and the session survives;
#   - both ports in zone 7 with a limit of 150: a flood of 400 UDP flows
#     from inside is refused past the limit (npfct's zone_full and
#     block.zone-full count the same), /npfct/zones and the listing show
#     the zone;
#   - the G/C service expires connections while it runs (short timeouts);
#   - SIGINT stops l3fwd-npf within 15 s with exit status 0; its final
#     statistics agree with the above, every connection created was
#     destroyed (flush at exit), every established one by a stateful
#     rule, and the inside host's MAC was learned.
#
# Everything is bounded in time; the test takes about 30 s.  Namespaces
# and interfaces carry the PID in their names and are always deleted.
# L3FWD_E2E_LOG=FILE keeps a copy of l3fwd-npf's output.

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
	echo "SKIP: test_l3fwd_e2e.sh needs root (network namespaces)"
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
NETNS_SUFFIX=$$
PREFIX=l3fwd-e2e-$$
TMP=$(mktemp -d /tmp/test_l3fwd_e2e.XXXXXX)
FWPID=""
PIDS=()

# shellcheck disable=SC1091  # (tests/tap.sh)
source "$(dirname "$(readlink -f "$0")")/tap.sh"

# quiet CMD...: no output.
quiet() { "$@" >/dev/null 2>&1; }


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
	[ -n "${L3FWD_E2E_LOG:-}" ] && cp "$TMP/fw.log" "$L3FWD_E2E_LOG"
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bg NS CMD...: start CMD in the background in namespace NS.
bg() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@" >>"$TMP/bg.log" 2>&1 &
	PIDS+=($!)
}

# wait_listen NS OPT PORT: wait until something listens on PORT.
wait_listen() {
	for _ in $(seq 50); do
		ip netns exec "$1" ss -H "-l$2" -n "sport = :$3" | grep -q . &&
		    return 0
		sleep 0.1
	done
	return 1
}

# ctr CMD KEY: one value of a telemetry reply.
ctr() {
	timeout 10 "${TELEMETRY[@]}" -f "$PREFIX" get "$1" "$2"
}
fw() { ctr /l3fwd_npf/stats "$1"; }
ct() { ctr /npfct/stats,fw "$1"; }

# final NAME: a value of the final statistics ("  NAME  VALUE").
final() {
	awk -v n="$1" '$1 == n { print $2; exit }' "$TMP/fw.log"
}

##
## Topology, servers, firewall.
##

if ! netns_setup; then
	fail "network namespaces and veths set up"
	exit 1
fi
pass "network namespaces $NS_IN, $NS_OUT and veths set up"

mkdir -p "$TMP/www"
head -c 1000 /dev/urandom >"$TMP/www/small.bin"
head -c 65536 /dev/urandom >"$TMP/www/medium.bin"
head -c 1048576 /dev/urandom >"$TMP/www/large.bin"
head -c 10485760 /dev/urandom >"$TMP/www/huge.bin"

# httpd.py: a dual-stack http.server that never looks a host name up.
bg "$NS_OUT" "$PYTHON" "$EXDIR/httpd.py" "$TMP/www" 8000
# UDP echo (upper case), TCP echo; both dual-stack.
bg "$NS_OUT" "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 7777))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(d.upper(), a)'
bg "$NS_OUT" "$PYTHON" -c '
import socketserver
class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            d = self.request.recv(4096)
            if not d:
                return
            self.request.sendall(d)
class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
Server(("0.0.0.0", 7000), Echo).serve_forever()'
check "HTTP server listens outside" wait_listen "$NS_OUT" t 8000
check "UDP echo server listens outside" wait_listen "$NS_OUT" u 7777
check "TCP echo server listens outside" wait_listen "$NS_OUT" t 7000

cat >"$TMP/fw.rules" <<'EOF'
# The inside opens TCP, UDP and pings; the outside opens nothing.
pass out proto tcp stateful
pass out proto udp stateful
pass out proto icmp stateful
pass out proto icmp6 stateful
# Example of an explicit block (counted as block.rule, never hit here).
block in proto tcp to 10.99.1.1 port 1-1
EOF

# lcore 0 main (status line, control), lcores 1 and 2 forward queues 0
# and 1 of both ports (the kernel's fan-out hash is symmetric: both
# directions of a flow meet on one queue index), lcore 3 runs the G/C
# service.  With fewer than 4 CPUs lcores share CPUs: the service lcore,
# which never sleeps, shares the main lcore's; the forwarding lcores sleep
# when idle (--idle-sleep), and the rings are large (see netns_vdevs).
NCPU=$(nproc)
case $NCPU in
1) EAL_LCORES=(--lcores "0@0,1@0,2@0,3@0" -S 3) ;;
2) EAL_LCORES=(--lcores "0@0,1@1,2@1,3@0" -S 3) ;;
3) EAL_LCORES=(--lcores "0@0,1@1,2@2,3@0" -S 3) ;;
*) EAL_LCORES=(-l 0-3 -S 3) ;;
esac
NQ=2
# Both ports in one zone, limited: a flood of new flows from inside
# meets the limit (the section "Zone limit").
ZONE=7
ZONE_LIMIT=150
GC_LCORE=3
FWD_LCORE=2
# shellcheck disable=SC2046
"$L3FWD" --no-huge -m 512 --no-pci --file-prefix "$PREFIX" \
    "${EAL_LCORES[@]}" --log-level=lib.eal:error $(netns_vdevs $NQ) -- \
    --port 0:inside --port 1:outside \
    --addr "0:$FW4_IN/24" --addr "1:$FW4_OUT/24" \
    --addr "0:$FW6_IN/64" --addr "1:$FW6_OUT/64" \
    --neigh "$OUT4:$MAC_H_OUT" --neigh "$OUT6:$MAC_H_OUT" \
    --rules "$TMP/fw.rules" --rxq $NQ --idle-sleep 20 --stats-period 1 \
    --timeout tcp.time_wait=2 --timeout generic.new=3 \
    --timeout generic.established=3 \
    --zone 0:$ZONE --zone 1:$ZONE --zone-limit "$ZONE=$ZONE_LIMIT" \
    --conn-log "$TMP/conn.log" >"$TMP/fw.log" 2>&1 &
FWPID=$!

ready=no
for _ in $(seq 100); do
	if ! kill -0 "$FWPID" 2>/dev/null; then
		break
	fi
	if grep -q "^lcore $FWD_LCORE: port" "$TMP/fw.log" &&
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
check "G/C mapped to service lcore $GC_LCORE" grep -q \
    "gc: service npfct_gc_fw on service lcore $GC_LCORE" "$TMP/fw.log"
check "queue $((NQ - 1)) of both ports on lcore $FWD_LCORE" \
    grep -q "lcore $FWD_LCORE: port 1 queue $((NQ - 1))" "$TMP/fw.log"

##
## The firewall's own addresses: ARP, neighbour discovery, ping.
##

check "ping the firewall from inside (ARP answered)" \
    quiet in_ns ping -c 2 -i 0.2 -W 5 -q "$FW4_IN"
check "ping -6 the firewall from inside (NS answered)" \
    quiet in_ns ping -6 -c 2 -i 0.2 -W 5 -q "$FW6_IN"
check "ping the firewall from outside" \
    quiet out_ns ping -c 1 -W 5 -q "$FW4_OUT"

##
## From inside: allowed, tracked.
##

check "ping the outside host" quiet in_ns ping -c 3 -i 0.2 -W 5 -q "$OUT4"
check "ping -6 the outside host" \
    quiet in_ns ping -6 -c 3 -i 0.2 -W 5 -q "$OUT6"

for f in small medium large huge; do
	rm -f "$TMP/got.bin"
	in_ns curl -s --max-time 60 -o "$TMP/got.bin" \
	    "http://$OUT4:8000/$f.bin"
	expect_eq "HTTP over IPv4: $f.bin, sha256" \
	    "$(sha256sum <"$TMP/www/$f.bin")" "$(sha256sum <"$TMP/got.bin")"
done
for f in medium huge; do
	rm -f "$TMP/got.bin"
	in_ns curl -6 -s --max-time 60 -o "$TMP/got.bin" \
	    "http://[$OUT6]:8000/$f.bin"
	expect_eq "HTTP over IPv6: $f.bin, sha256" \
	    "$(sha256sum <"$TMP/www/$f.bin")" "$(sha256sum <"$TMP/got.bin")"
done

expect_eq "UDP request and answer" "HELLO FROM INSIDE" "$(in_ns timeout 10 \
    "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"hello from inside", (sys.argv[1], 7777))
print(s.recvfrom(2048)[0].decode())' "$OUT4")"

# A counted exchange for the connection log: 5 datagrams of 10 bytes each
# way, from a port of its own: below the ephemeral range (32768-60999),
# so that no later socket of the test (the zone flood's) gets it too.
expect_eq "UDP: 5 datagrams and 5 answers (for the connection log)" 5 \
    "$(in_ns timeout 10 "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.bind(("0.0.0.0", 30001))
n = 0
for i in range(5):
    s.sendto(b"count %04d" % i, (sys.argv[1], 7777))
    if s.recvfrom(2048)[0] == (b"COUNT %04d" % i):
        n += 1
print(n)' "$OUT4")"

related0=$(fw pass_related)
alg0=$(ct alg_hit)
# Probes to closed ports: a connected UDP socket gets ECONNREFUSED when
# the ICMP port unreachable comes back.
expect_eq "traceroute-style UDP probes: ICMP port unreachable back" \
    "refused refused refused refused" "$(in_ns timeout 20 "$PYTHON" -c '
import socket, sys
out = []
for af, dst, port in ((socket.AF_INET, sys.argv[1], 33434),
                      (socket.AF_INET, sys.argv[1], 33435),
                      (socket.AF_INET, sys.argv[1], 33436),
                      (socket.AF_INET6, sys.argv[2], 33434)):
    s = socket.socket(af, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.connect((dst, port))
    s.send(b"probe")
    try:
        s.recv(100)
        out.append("answered")
    except ConnectionRefusedError:
        out.append("refused")
    except socket.timeout:
        out.append("timeout")
print(" ".join(out))' "$OUT4" "$OUT6")"
expect_eq "the 4 ICMP errors passed as related (pass.related)" 4 \
    $(($(fw pass_related) - related0))
expect_eq "the 4 ICMP errors found by npfct's ICMP ALG (alg_hit)" 4 \
    $(($(ct alg_hit) - alg0))

##
## From outside: blocked.
##

blocked0=$(fw block_default)
# One SYN each (scapy: no retransmission), answered by nothing: a SYN
# that went through would get the inside host's RST.
expect_eq "TCP SYNs from outside get no answer (IPv4, IPv6)" \
    "none none" "$(out_ns timeout 30 "$PYTHON" -c '
import sys
from scapy.all import Ether, IP, IPv6, TCP, srp1, conf
conf.verb = 0
iface, smac, dmac = sys.argv[1:4]
out = []
for l3 in (IP(src=sys.argv[4], dst=sys.argv[5]),
           IPv6(src=sys.argv[6], dst=sys.argv[7])):
    a = srp1(Ether(src=smac, dst=dmac) / l3 /
             TCP(sport=41000, dport=8080, flags="S", seq=1000),
             iface=iface, timeout=1)
    out.append("none" if a is None else a.summary())
print(" ".join(out))' "$H_OUT" "$MAC_H_OUT" "$MAC_FW_OUT" "$OUT4" "$IN4" \
    "$OUT6" "$IN6" 2>&1)"
out_ns timeout 10 "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b"unsolicited", (sys.argv[1], 9999))' "$IN4"
check "ping from outside to inside gets no answer" \
    bash -c "! ip netns exec $NS_OUT ping -c 2 -i 0.2 -W 1 -q $IN4 \
    >/dev/null"
sleep 0.3
expect_eq "blocked from outside: 2 SYNs, 3 datagrams, 2 pings" 7 \
    $(($(fw block_default) - blocked0))

##
## Forged packets on a live connection.
##

bg "$NS_IN" "$PYTHON" -c '
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 7000), timeout=5)
open(sys.argv[2] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
n = 0
while True:
    stop = os.path.exists(sys.argv[3])
    s.sendall(b"ping %d\n" % n)
    want = b"ping %d\n" % n
    got = b""
    while len(got) < len(want):
        d = s.recv(100)
        if not d:
            sys.exit(1)
        got += d
    if got != want:
        sys.exit(1)
    n += 1
    if stop:
        open(sys.argv[4], "w").write("ok %d\n" % n)
        sys.exit(0)
    time.sleep(0.1)' "$OUT4" "$TMP/cport" "$TMP/stop" "$TMP/session"
for _ in $(seq 50); do
	[ -s "$TMP/cport" ] && break
	sleep 0.1
done
CPORT=$(cat "$TMP/cport" 2>/dev/null)
check "held-open TCP session from inside (port ${CPORT:-?})" test -n "$CPORT"

invalid0=$(fw block_invalid_state)
ctinvalid0=$(ct invalid_state)
expect_eq "scapy: forged ACK and RST sent from outside" "sent 2" \
    "$(out_ns timeout 20 "$PYTHON" -c '
import sys
from scapy.all import Ether, IP, TCP, sendp, sniff, conf
conf.verb = 0
iface, smac, dmac, srv, cli, cport = sys.argv[1:7]
cport = int(cport)
# A segment of the server to the client: its sequence numbers.
p = sniff(iface=iface, count=1, timeout=5,
          lfilter=lambda p: TCP in p and p[TCP].sport == 7000 and
          p[TCP].dport == cport)
if not p:
    sys.exit("no segment of the session seen")
seq, ack = p[0][TCP].seq, p[0][TCP].ack
far = (seq + (1 << 31)) % (1 << 32)
base = Ether(src=smac, dst=dmac) / IP(src=srv, dst=cli)
sendp(base / TCP(sport=7000, dport=cport, flags="A", seq=far, ack=ack,
                 window=512), iface=iface)
sendp(base / TCP(sport=7000, dport=cport, flags="R", seq=far),
      iface=iface)
print("sent 2")' "$H_OUT" "$MAC_H_OUT" "$MAC_FW_OUT" "$OUT4" "$IN4" \
    "$CPORT" 2>&1)"
sleep 0.5
expect_eq "forged ACK and RST blocked (block.invalid-state)" 2 \
    $(($(fw block_invalid_state) - invalid0))
expect_eq "forged ACK and RST refused by npfct (invalid_state)" 2 \
    $(($(ct invalid_state) - ctinvalid0))
touch "$TMP/stop"
for _ in $(seq 50); do
	[ -s "$TMP/session" ] && break
	sleep 0.1
done
check "the TCP session survived the forged segments ($(tr -d '\n' \
    <"$TMP/session" 2>/dev/null))" grep -q "^ok" "$TMP/session"

##
## Zone limit: the flows of a flood past it are refused, and counted.
##

zfull0=$(ct zone_full)
bzfull0=$(fw block_zone_full)
# 400 UDP flows (one socket each), one every millisecond: far faster
# than the 3 s timeouts free places.  The sockets stay open until the
# answers of the admitted flows are in: a closed one would answer them
# with an ICMP port unreachable (related, counted below).
check "a flood of 400 UDP flows from inside" in_ns timeout 30 \
    "$PYTHON" -c '
import socket, sys, time
socks = []
for i in range(400):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"flood", (sys.argv[1], 7777))
    socks.append(s)
    time.sleep(0.001)
time.sleep(1)' "$OUT4"
sleep 0.5
zfull=$(($(ct zone_full) - zfull0))
check "flows past zone $ZONE's limit refused (zone_full $zfull)" \
    test "$zfull" -ge 100
expect_eq "each refused flow blocked once (block.zone-full = zone_full)" \
    "$zfull" $(($(fw block_zone_full) - bzfull0))
zone=$(ctr /npfct/zones,fw "z$ZONE")
check "/npfct/zones: zone $ZONE at most at its limit ($zone)" \
    "$PYTHON" -c 'import sys; c, l = eval(sys.argv[1]); \
sys.exit(not (0 < c <= l == int(sys.argv[2])))' "$zone" "$ZONE_LIMIT"
check "the listing shows zone $ZONE" bash -c "timeout 10 \
    ${TELEMETRY[*]} -f $PREFIX conns | grep -q 'zone=$ZONE'"

##
## The G/C.
##

timeout 10 "${TELEMETRY[@]}" -f "$PREFIX" conns | sed 's/^/#   /'
gc=0
for _ in $(seq 100); do
	gc=$(ct gc_expired)
	[ "${gc:-0}" -gt 0 ] && break
	sleep 0.1
done
check "the G/C service expired connections while running ($gc)" \
    test "${gc:-0}" -gt 0

##
## Stop, final statistics.
##

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
expect_eq "SIGINT: l3fwd-npf exits with status 0 within 15 s" 0 "$rc"
if [ "$rc" = timeout ]; then
	# Hung on its way out: stop it by PID, never leave it running.
	kill -KILL "$FWPID" 2>/dev/null
	wait "$FWPID" 2>/dev/null
fi
FWPID=""
check "final statistics printed" grep -q "final statistics" "$TMP/fw.log"
created=$(final npfct.conn-create)
expect_eq "every connection created was destroyed (flush at exit)" \
    "$created" "$(final npfct.conn-destroy)"
expect_eq "connections left" 0 "$(final npfct.connections)"
# npfct counts conn-create for every connection allocated, also those
# the state refused or that lost an insert race (as NPF does).
expect_eq "every connection established by a stateful rule (pass.new)" \
    $((created - $(final npfct.state-refused) - $(final npfct.race-conn))) \
    "$(final pass.new)"
check "connections were created ($created)" test "${created:-0}" -gt 10
expect_eq "final block.default" 7 "$(final block.default)"
expect_eq "final block.invalid-state" 2 "$(final block.invalid-state)"
expect_eq "final npfct invalid-state" 2 "$(final npfct.invalid-state)"
expect_eq "final pass.related" 4 "$(final pass.related)"
expect_eq "final npfct alg-hit" 4 "$(final npfct.alg-hit)"
expect_eq "final block.rule" 0 "$(final block.rule)"
check "the G/C service ran (calls counted)" grep -qE \
    "gc: service npfct_gc_fw on service lcore $GC_LCORE: calls [1-9]" \
    "$TMP/fw.log"
check "the inside host's MAC was learned" \
    grep -qiE "neighbour $IN4 +$MAC_H_IN learned" "$TMP/fw.log"
check "the outside host's MAC is static" \
    grep -qiE "neighbour $OUT4 +$MAC_H_OUT static" "$TMP/fw.log"
check "status lines printed" grep -qE "^ +[0-9]+s \| p0 rx" "$TMP/fw.log"

## The connection log (--conn-log): one JSON line per event.
drops=$(final npfct.event-drop)
expect_eq "no connection event lost (npfct.event-drop)" 0 "${drops:-0}"
check "conn-log: events written" grep -qE "conn-log: [1-9][0-9]* events" \
    "$TMP/fw.log"
connlog=$("$PYTHON" - "$TMP/conn.log" "$IN4" "$OUT4" "$ZONE" \
    "$(final pass.new)" <<'PYEOF2'
import json, sys
path, in4, out4, zone, npass = sys.argv[1:6]
keys = {"time", "event", "reason", "id", "zone", "proto", "dir", "orig",
        "reply", "state", "nat", "mark", "lcore", "packets", "bytes"}
bad = []
ev = [json.loads(l) for l in open(path)]
for e in ev:
    if set(e) - {"prev_state"} != keys:
        bad.append("keys %s" % sorted(e))
    if e["zone"] != int(zone):
        bad.append("zone %s" % e["zone"])
# Per connection id: (new, update/nat..., destroy), repeated (ids are
# reused after a destroy); states chained.
life = {}
for e in ev:
    life.setdefault(e["id"], []).append(e)
for cid, l in life.items():
    state = None
    for e in l:
        if state is None:
            if e["event"] != "new":
                bad.append("%s starts with %s" % (cid, e["event"]))
            state = e["state"]
        elif e["event"] == "new":
            bad.append("%s: new before destroy" % cid)
        elif e["event"] == "update":
            if e["prev_state"] != state:
                bad.append("%s: %s -> %s after %s" % (cid,
                    e["prev_state"], e["state"], state))
            state = e["state"]
        if e["event"] == "destroy":
            state = None
    if state is not None:
        bad.append("%s: no destroy" % cid)
news = sum(1 for e in ev if e["event"] == "new")
if news != int(npass):
    bad.append("%d new, pass.new %s" % (news, npass))
# The counted UDP exchange: 5 x (20 + 8 + 10) bytes each way.
u = [e for e in ev if e["proto"] == "udp" and e["orig"]["sport"] == 30001
     and e["event"] == "destroy"]
if len(u) != 1 or u[0]["packets"] != [5, 5] or u[0]["bytes"] != [190, 190] \
        or u[0]["orig"]["src"] != in4 or u[0]["reply"]["src"] != out4 \
        or u[0]["reply"]["dport"] != 30001 \
        or u[0]["reason"] not in ("expired", "flushed"):
    bad.append("udp 30001: %s" % u)
# A TCP connection of the HTTP downloads: set-up, data, end.
t = [l for l in life.values() if l[0]["proto"] == "tcp" and
     l[0]["orig"]["dport"] == 8000 and l[0]["orig"]["dst"] == out4]
ok = [l for l in t if [e["state"] for e in l if e["event"] == "update"][:2]
      == ["syn-received", "established"] and l[-1]["event"] == "destroy"
      and l[-1]["packets"][0] > 0 and l[-1]["packets"][1] > 0
      and l[-1]["bytes"][1] > 1000000]
if not ok:
    bad.append("no TCP life for HTTP: %s" % t[:1])
print("ok %d events, %d connections" % (len(ev), len(life)) if not bad
      else "; ".join(bad[:5]))
PYEOF2
)
check "conn-log: $connlog" test "${connlog%% *}" = ok
grep -E "^(lcore|port) [0-9]" "$TMP/fw.log" | sed 's/^/#   /'

if [ "$NFAIL" -ne 0 ]; then
	echo "# l3fwd-npf output:"
	sed 's/^/#   /' "$TMP/fw.log"
fi
tap_done
