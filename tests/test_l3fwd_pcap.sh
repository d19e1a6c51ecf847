#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# test_l3fwd_pcap.sh: l3fwd-npf in pcap mode (no root needed): the captures
# of tests/data/l3fwd (make_l3fwd.py) are replayed through net_pcap ports
# with --replay, and the final counters and the transmitted frames are
# compared with what each capture must give.
#
# Usage: test_l3fwd_pcap.sh L3FWD_NPF DATADIR
#
#   port 0 inside:  rx_pcap=DATADIR/NAME-in.pcap   tx_pcap=NAME-to-inside.pcap
#   port 1 outside: rx_pcap=DATADIR/NAME-out.pcap  tx_pcap=NAME-to-outside.pcap
#
# Every check prints "ok" or "not ok"; the script fails if any failed.
# Checks: --help, usage errors and rule file errors (exit status 1 and a
# message naming the option, or FILE:LINE), then, for every capture:
#
#   - the replay ends by itself (every file read), exit status 0;
#   - every received packet is counted once: the pass.*, block.*, drop.*
#     (but drop.tx) and local.* counters add up to the packets received;
#   - the expected counters (tables below), all others 0;
#   - the frames sent: how many per port; every one from the port's MAC,
#     with valid IPv4 header and TCP/UDP/ICMP/ICMPv6 checksums;
#   - every connection created is destroyed (flush at exit).
#
# Legitimate flows (http4, http6, large4, udp4, ping4, ping6, unreach4,
# unreach6) pass whole, in both directions; the ICMP errors of unreach4/6
# are related.  unsolicited: everything from outside is blocked, and the
# inside's answers to it cannot open connections.  forged: three forged
# segments on a live connection are invalid.  timeout: with
# --timeout generic.new=1 a late answer is blocked; the clock follows the
# capture.  router: one packet per routing and local delivery case (see
# make_l3fwd.py), including the exact frames sent.

set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 L3FWD_NPF DATADIR" >&2
	exit 2
fi
L3FWD=$1
DATA=$2
PYTHON=${PYTHON:-python3}

TMP=$(mktemp -d /tmp/test_l3fwd_pcap.XXXXXX)
PREFIX=l3fwd-pcap-$$
# The EAL runtime directories (root: /var/run/dpdk/PREFIX, others:
# $XDG_RUNTIME_DIR/dpdk/PREFIX or /tmp/dpdk/PREFIX).
cleanup() {
	rm -rf "$TMP" "/var/run/dpdk/$PREFIX"-* \
	    "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$PREFIX"-* 2>/dev/null
}
trap cleanup EXIT

# shellcheck disable=SC1091  # (tests/tap.sh)
source "$(dirname "$(readlink -f "$0")")/tap.sh"

# Reads pcap files and checks frames.  Standard library only.
cat >"$TMP/frames.py" <<'EOF'
import struct
import sys


def records(path):
    data = open(path, "rb").read()
    order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") \
        else ">"
    off = 24
    while off < len(data):
        _, _, caplen, _ = struct.unpack(order + "IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def mac(b):
    return ":".join("%02x" % x for x in b)


def describe(f):
    """dst-mac ethertype [proto ttl dst-addr], checksums checked."""
    et = struct.unpack("!H", f[12:14])[0]
    words = [mac(f[0:6]), "%04x" % et]
    ok = True
    if et == 0x0800:
        ihl = (f[14] & 15) * 4
        ip = f[14:14 + ihl]
        tlen = struct.unpack("!H", f[16:18])[0]
        l4 = f[14 + ihl:14 + tlen]
        proto, ttl = ip[9], ip[8]
        ok = csum(ip) == 0xffff
        frag = struct.unpack("!H", ip[6:8])[0] & 0x3fff
        if proto in (6, 17) and not frag:
            ph = ip[12:20] + struct.pack("!BBH", 0, proto, len(l4))
            ok = ok and (proto == 17 and l4[6:8] == b"\0\0" or
                         csum(ph + l4) == 0xffff)
        elif proto == 1 and not frag:
            ok = ok and csum(l4) == 0xffff
        words += [str(proto), str(ttl), ".".join(str(x) for x in ip[16:20])]
    elif et == 0x86dd:
        plen = struct.unpack("!H", f[18:20])[0]
        nh, hl = f[20], f[21]
        l4 = f[54:54 + plen]
        if nh in (6, 17, 58):
            ph = f[22:54] + struct.pack("!IxxxB", plen, nh)
            ok = csum(ph + l4) == 0xffff
        dst = f[38:54]
        words += [str(nh), str(hl), ":".join("%x" % x for x in
                                             struct.unpack("!8H", dst))]
    elif et == 0x0806:
        words += ["op%d" % struct.unpack("!H", f[20:22])[0],
                  ".".join(str(x) for x in f[38:42])]
    return ok, " ".join(words)


cmd, path = sys.argv[1], sys.argv[2]
frames = list(records(path))
if cmd == "count":
    print(len(frames))
elif cmd == "check":
    # Every frame from the MAC argv[3], checksums valid.
    bad = [i + 1 for i, f in enumerate(frames)
           if mac(f[6:12]) != sys.argv[3] or not describe(f)[0]]
    print("ok" if not bad else "bad frames %s" % bad)
elif cmd == "list":
    for f in frames:
        print(describe(f)[1])
EOF
frames() { "$PYTHON" "$TMP/frames.py" "$@"; }

MAC_FW_IN=02:70:63:61:70:00
MAC_FW_OUT=02:70:63:61:70:01
COUNTERS="pass.state pass.related pass.new pass.stateless block.default
block.rule block.invalid-state block.parse-error block.state-refused
block.no-request block.table-full block.zone-full block.establish-error drop.not-for-us
drop.not-ip drop.l2 drop.local drop.no-route drop.no-neigh drop.ttl drop.tx
local.arp-reply local.nd-advert local.echo-reply local.neigh-in
neigh.learned neigh.request"
# Static neighbours for the captured hosts (their ARP is not captured).
NEIGH_IN=(--neigh 10.99.1.1:02:00:0a:63:01:01
	--neigh fd99:1::1:02:00:0a:63:01:01)

# replay NAME [OPTIONS...]: run l3fwd-npf on NAME-in.pcap and
# NAME-out.pcap; output in $TMP/NAME.log, exit status in RC.
# CAPTURE=C replay NAME ...: the same on C-in.pcap and C-out.pcap.
# The captures hold a lone later fragment that a stateless rule passes
# by its ports 0; the fragment handler would hold it for a first fragment
# that never comes, so the replays run with --no-frag (the handler is
# tested by test_frag and test_l3fwd_frag.sh).
replay() {
	local name=$1 cap=${CAPTURE:-$1}

	shift
	timeout 60 "$L3FWD" --no-huge -m 256 --no-pci --no-shconf \
	    --file-prefix "$PREFIX-$name" -l 0 --log-level=lib.eal:error \
	    "--vdev=net_pcap0,rx_pcap=$DATA/$cap-in.pcap,tx_pcap=$TMP/$name-to-inside.pcap" \
	    "--vdev=net_pcap1,rx_pcap=$DATA/$cap-out.pcap,tx_pcap=$TMP/$name-to-outside.pcap" \
	    -- --port 0:inside --port 1:outside \
	    --addr 0:10.99.1.254/24 --addr 1:10.99.2.254/24 \
	    --addr 0:fd99:1::fe/64 --addr 1:fd99:2::fe/64 \
	    --neigh 10.99.2.1:02:00:0a:63:02:01 \
	    --neigh fd99:2::1:02:00:0a:63:02:01 \
	    --route 203.0.113.0/24:1:10.99.2.1 \
	    --rules "$DATA/fw.rules" --replay --stats-period 0 \
	    --max-conns 1024 --no-frag "$@" \
	    >"$TMP/$name.log" 2>&1
	RC=$?
}

# value NAME COUNTER: a line "  COUNTER VALUE" of the final statistics.
value() {
	awk -v n="$2" '$1 == n { print $2; exit }' "$TMP/$1.log"
}

# port_count NAME PORT rx|tx
port_count() {
	sed -n "s/^port $2 ([a-z]*): rx \([0-9]*\) tx \([0-9]*\) .*/\1 \2/p" \
	    "$TMP/$1.log" | awk -v w="$3" '{ print w == "rx" ? $1 : $2 }'
}

# expect NAME [COUNTER=VALUE...]: the listed counters have these values,
# the others are 0; plus the general checks.
expect() {
	local name=$1 c want got sum=0 rx

	shift
	expect_eq "$name: exit status" 0 "$RC"
	if ! grep -q "^replay: every input read" "$TMP/$name.log"; then
		fail "$name: the replay did not end by itself"
		sed 's/^/#   /' "$TMP/$name.log"
		return
	fi
	for c in $COUNTERS; do
		want=0
		for kv in "$@"; do
			[ "${kv%%=*}" == "$c" ] && want=${kv#*=}
		done
		got=$(value "$name" "$c")
		if [ "$got" != "$want" ]; then
			fail "$name: $c: expected $want, got $got"
		fi
		case $c in
		drop.tx|neigh.*) ;;
		*) sum=$((sum + ${got:-0})) ;;
		esac
	done
	pass "$name: counters as expected ($*)"
	rx=$(($(port_count "$name" 0 rx) + $(port_count "$name" 1 rx)))
	expect_eq "$name: every packet received counted once" "$rx" "$sum"
	expect_eq "$name: every connection created was destroyed" \
	    "$(value "$name" npfct.conn-create)" \
	    "$(value "$name" npfct.conn-destroy)"
	expect_eq "$name: frames sent to inside: port 0 tx = file" \
	    "$(port_count "$name" 0 tx)" \
	    "$(frames count "$TMP/$name-to-inside.pcap")"
	expect_eq "$name: frames sent to outside: port 1 tx = file" \
	    "$(port_count "$name" 1 tx)" \
	    "$(frames count "$TMP/$name-to-outside.pcap")"
	expect_eq "$name: frames to inside from $MAC_FW_IN, checksums valid" \
	    ok "$(frames check "$TMP/$name-to-inside.pcap" "$MAC_FW_IN")"
	expect_eq "$name: frames to outside from $MAC_FW_OUT, checksums valid" \
	    ok "$(frames check "$TMP/$name-to-outside.pcap" "$MAC_FW_OUT")"
}

# all_pass NAME COUNTERS...: a legitimate capture, every packet forwarded.
all_pass() {
	local name=$1

	shift
	replay "$name" "${NEIGH_IN[@]}"
	expect "$name" "$@"
	expect_eq "$name: every inside packet sent outside" \
	    "$(frames count "$DATA/$name-in.pcap")" "$(port_count "$name" 1 tx)"
	expect_eq "$name: every outside packet sent inside" \
	    "$(frames count "$DATA/$name-out.pcap")" "$(port_count "$name" 0 tx)"
}

timeout 30 "$L3FWD" --no-huge -m 256 --no-pci --no-shconf \
    --file-prefix "$PREFIX-help" -l 0 --log-level=lib.eal:error -- --help \
    >"$TMP/help.log" 2>&1
expect_eq "--help: exit status 0" 0 "$?"
for word in --port --addr --route --neigh --rules --rxq --txq --burst \
    --stats-period --max-conns --loose --timeout --replay --promisc \
    --idle-sleep --mbufs --max-conns6 inside outside stateful; do
	grep -qe "$word" "$TMP/help.log" || fail "--help does not mention $word"
done
pass "--help documents every option"

# usage_error DESC PATTERN ARGS...: l3fwd-npf ARGS exits with status 1 and
# a message matching PATTERN (two net_pcap ports exist, never started).
usage_error() {
	local desc=$1 pattern=$2 rc

	shift 2
	timeout 30 "$L3FWD" --no-huge -m 256 --no-pci --no-shconf \
	    --file-prefix "$PREFIX-usage" -l 0 --log-level=lib.eal:error \
	    "--vdev=net_pcap0,rx_pcap=$DATA/udp4-in.pcap,tx_pcap=$TMP/u0.pcap" \
	    "--vdev=net_pcap1,rx_pcap=$DATA/udp4-out.pcap,tx_pcap=$TMP/u1.pcap" \
	    -- "$@" >"$TMP/usage.log" 2>&1
	rc=$?
	if [ "$rc" == 1 ] && grep -qE -- "$pattern" "$TMP/usage.log"; then
		pass "usage error ($desc): $(grep -m1 -E -- "$pattern" \
		    "$TMP/usage.log")"
	else
		fail "usage error ($desc): exit $rc, expected /$pattern/:"
		head -n 5 "$TMP/usage.log" | sed 's/^/#   /'
	fi
}

P=(--port 0:inside --port 1:outside)
usage_error "bad role" "invalid --port: 0:middle" --port 0:middle
usage_error "no such port" "--port 5: no such port" --port 5:inside
usage_error "no port" "no port" --rules "$DATA/fw.rules"
usage_error "bad address" "invalid --addr" "${P[@]}" --addr 0:10.0.0.300/24
usage_error "address without prefix" "invalid --addr" "${P[@]}" \
    --addr 0:10.0.0.1
usage_error "address on a port without role" "no role" --port 0:inside \
    --addr 1:10.0.0.1/24
usage_error "route without port" "invalid --route" "${P[@]}" \
    --route 10.0.0.0/8
usage_error "route gateway of the other family" "invalid --route" \
    "${P[@]}" --route 10.0.0.0/8:1:fd99::1
usage_error "bad neighbour MAC" "invalid --neigh" "${P[@]}" \
    --neigh 10.0.0.1:zz:00:00:00:00:01
usage_error "unknown timeout" "invalid --timeout" "${P[@]}" \
    --timeout bogus=1
usage_error "burst too large" "invalid --burst" "${P[@]}" --burst 65
usage_error "mbuf pool too small" "invalid --mbufs" "${P[@]}" --mbufs 100
usage_error "no IPv6 table" "invalid --max-conns6" "${P[@]}" --max-conns6 0
usage_error "zone out of range" "invalid --zone: 0:65536" "${P[@]}" \
    --zone 0:65536
usage_error "zone without port" "invalid --zone" "${P[@]}" --zone 7
usage_error "zone limit 0" "invalid --zone-limit: 7=0" "${P[@]}" \
    --zone-limit 7=0
usage_error "zone limit of a zone out of range" "invalid --zone-limit" \
    "${P[@]}" --zone-limit 65536=10
usage_error "zone limit without =" "invalid --zone-limit" "${P[@]}" \
    --zone-limit default
usage_error "extra argument" "unexpected argument" "${P[@]}" extra
usage_error "missing rule file" "No such file" "${P[@]}" \
    --rules "$TMP/does-not-exist"

# rule_error LINE PATTERN: a rule file whose line 2 is LINE is refused
# with "FILE:2: ..." matching PATTERN.
rule_error() {
	printf 'pass out proto tcp stateful\n%s\n' "$1" >"$TMP/bad.rules"
	usage_error "rule '$1'" "bad.rules:2: $2" "${P[@]}" \
	    --rules "$TMP/bad.rules"
}
rule_error "pass sideways" "in or out expected"
rule_error "allow out" "pass or block expected"
rule_error "block out proto tcp stateful" "a block rule cannot be stateful"
rule_error "pass out proto icmp to fd99::1" "IPv4 and IPv6 mixed"
rule_error "pass out from 10.0.0.0/8 to fd99::/64" "IPv4 and IPv6 mixed"
rule_error "pass out to 10.0.0.0/8 port 80" "a port needs proto tcp or udp"
rule_error "pass out proto tcp to any port 90-80" "bad port range"
rule_error "pass out proto sctp" "tcp, udp, icmp, icmp6 or any expected"
rule_error "pass out to 10.0.0.0/33" "bad address"
rule_error "pass out on 99" "bad port number"
rule_error "pass out proto tcp stateful quickly" "unexpected word"

##
## Legitimate flows.
##

all_pass http4 pass.new=1 pass.state=15
all_pass http6 pass.new=1 pass.state=15
all_pass large4 pass.new=1 pass.state=72
all_pass udp4 pass.new=1 pass.state=7
all_pass ping4 pass.new=1 pass.state=5
all_pass ping6 pass.new=1 pass.state=5
all_pass unreach4 pass.new=1 pass.related=1
all_pass unreach6 pass.new=1 pass.related=1
# A small IPv6 table of its own (--max-conns6) takes the IPv6 connection.
CAPTURE=http6 replay http6-small "${NEIGH_IN[@]}" --max-conns6 8
expect http6-small pass.new=1 pass.state=15

check_ports=$(grep -cE "^port (0: net_pcap0 $MAC_FW_IN|1: net_pcap1 $MAC_FW_OUT)" \
    "$TMP/http4.log")
expect_eq "the captures' firewall MACs are net_pcap's" 2 "$check_ports"

##
## Traffic opened from outside; forged segments; timeouts.
##

# Outside: 12 packets, no rule lets them in.  Inside: the answers to
# them: 7 TCP segments (SYN-ACK, RST, ACK, FIN) that cannot open a TCP
# connection, 3 echo replies, and a port unreachable (not related, not
# trackable: the stateless "pass out proto icmp" rule).
replay unsolicited "${NEIGH_IN[@]}"
expect unsolicited block.default=12 block.state-refused=7 \
    block.no-request=3 pass.stateless=1

# A connection (12 packets), 3 forged segments (ACK 1 GiB beyond the
# window, RST out of window, SYN|FIN) and an unsolicited datagram.
replay forged "${NEIGH_IN[@]}"
expect forged pass.new=1 pass.state=7 block.invalid-state=3 \
    block.default=1
expect_eq "forged: npfct invalid-state" 3 "$(value forged npfct.invalid-state)"

replay timeout "${NEIGH_IN[@]}"
expect timeout pass.new=2 pass.state=5
# generic.new=1 s: the second flow's answer, 2.5 s late, is blocked;
# the first flow, established, still passes a late answer.
CAPTURE=timeout replay timeout-new "${NEIGH_IN[@]}" --timeout generic.new=1
expect timeout-new pass.new=2 pass.state=4 block.default=1
expect_eq "timeout-new: the G/C expired the connection" 1 \
    "$(value timeout-new npfct.gc-expired)"

##
## Routing and local delivery (make_l3fwd.py, router()).
##

replay router
expect router pass.new=3 pass.state=1 pass.stateless=2 \
    block.default=2 block.rule=1 block.parse-error=1 \
    block.state-refused=1 block.no-request=1 \
    drop.not-for-us=1 drop.not-ip=1 drop.l2=1 drop.local=1 \
    drop.no-route=1 drop.no-neigh=1 drop.ttl=2 \
    local.arp-reply=2 local.nd-advert=2 local.echo-reply=2 \
    local.neigh-in=2 neigh.learned=3 neigh.request=1

frames list "$TMP/router-to-inside.pcap" >"$TMP/router-to-inside.got"
cat >"$TMP/router-to-inside.want" <<'EOF'
02:00:0a:63:01:01 0806 op2 10.99.1.1
02:00:0a:63:01:01 86dd 58 255 fd99:1:0:0:0:0:0:1
02:00:0a:63:01:01 0800 1 64 10.99.1.1
02:00:0a:63:01:01 86dd 58 64 fd99:1:0:0:0:0:0:1
02:00:0a:63:01:01 0800 17 63 10.99.1.1
02:00:0a:63:01:01 0800 17 63 10.99.1.1
EOF
if diff -u "$TMP/router-to-inside.want" "$TMP/router-to-inside.got" \
    >"$TMP/diff"; then
	pass "router: frames to inside: ARP reply, NA, 2 echo replies, 2 forwarded"
else
	fail "router: frames to inside differ:"
	sed 's/^/#   /' "$TMP/diff"
fi
frames list "$TMP/router-to-outside.pcap" >"$TMP/router-to-outside.got"
cat >"$TMP/router-to-outside.want" <<'EOF'
02:00:0a:63:02:01 0800 17 63 10.99.2.1
ff:ff:ff:ff:ff:ff 0806 op1 10.99.2.99
02:00:0a:63:02:01 0800 17 63 10.99.2.1
02:00:0a:63:02:99 0800 17 63 10.99.2.99
02:00:0a:63:02:01 0806 op2 10.99.2.1
02:00:0a:63:02:01 86dd 58 255 fd99:2:0:0:0:0:0:1
02:00:0a:63:02:01 0800 17 63 203.0.113.5
EOF
if diff -u "$TMP/router-to-outside.want" "$TMP/router-to-outside.got" \
    >"$TMP/diff"; then
	pass "router: frames to outside: forwarded (TTL 63), ARP request, fragment, after learning, ARP reply, NA, via gateway"
else
	fail "router: frames to outside differ:"
	sed 's/^/#   /' "$TMP/diff"
fi
for n in "10.99.1.1 +02:00:0A:63:01:01 learned" \
    "fd99:1::1 +02:00:0A:63:01:01 learned" \
    "10.99.2.99 +02:00:0A:63:02:99 learned" \
    "10.99.2.1 +02:00:0A:63:02:01 static"; do
	if grep -qE "neighbour $n" "$TMP/router.log"; then
		pass "router: neighbour ${n// +/ }"
	else
		fail "router: no neighbour ${n// +/ }"
	fi
done
# A default route (rte_lpm does not take /0: looked up after an LPM
# miss): packet 8, to 198.51.100.1, leaves through the gateway instead of
# being dropped for lack of a route.
CAPTURE=router replay router-default --route 0.0.0.0/0:1:10.99.2.1
expect router-default pass.new=4 pass.state=1 pass.stateless=2 \
    block.default=2 block.rule=1 block.parse-error=1 \
    block.state-refused=1 block.no-request=1 \
    drop.not-for-us=1 drop.not-ip=1 drop.l2=1 drop.local=1 \
    drop.no-neigh=1 drop.ttl=2 \
    local.arp-reply=2 local.nd-advert=2 local.echo-reply=2 \
    local.neigh-in=2 neigh.learned=3 neigh.request=1
if frames list "$TMP/router-default-to-outside.pcap" |
    grep -q "^02:00:0a:63:02:01 0800 17 63 198.51.100.1$"; then
	pass "router-default: 198.51.100.1 sent to the default gateway"
else
	fail "router-default: nothing to 198.51.100.1 via the gateway"
fi

if grep -q "fd99:5::1" "$TMP/router.log"; then
	fail "router: an NA for a foreign prefix was learned"
else
	pass "router: an NA for a foreign prefix is not learned"
fi
expect_eq "router: rule 1 (block port 25) hit once" 1 \
    "$(awk '$1 == "rule.1" { print $NF }' "$TMP/router.log")"
expect_eq "router: rule 6 (stateless DNS in) hit once" 1 \
    "$(awk '$1 == "rule.6" { print $NF }' "$TMP/router.log")"

tap_done
