# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# netns.sh: the network namespace topology of l3fwd-npf, sourced (bash) by
# demo.sh and tests/test_l3fwd_e2e.sh.  Root only.
#
#   namespace $NS_IN                 root namespace                namespace $NS_OUT
#   $H_IN 10.99.1.1/24  <--veth-->  $FW_IN   l3fwd-npf   $FW_OUT  <--veth-->  $H_OUT 10.99.2.1/24
#         fd99:1::1/64               port 0 (inside)   port 1 (outside)            fd99:2::1/64
#         default via .254 / ::fe    10.99.1.254        10.99.2.254                default via .254 / ::fe
#                                    fd99:1::fe         fd99:2::fe
#
# l3fwd-npf opens $FW_IN and $FW_OUT with net_af_packet; they keep no
# address, IPv6 is disabled on them and the kernel does not forward what
# it receives there (forwarding=0), so that only l3fwd-npf routes.
# Checksum offloads, TSO, GSO and GRO are off on all four ends: the frames
# l3fwd-npf sees are wire frames with complete checksums.
#
# Usage:
#   NETNS_SUFFIX=...   (optional) appended to every name, e.g. $$
#   netns_names                set the names below
#   netns_setup                create everything (records what it created)
#   netns_teardown             delete what netns_setup created
#   in_ns CMD..., out_ns CMD...
#
# Names: NS_IN NS_OUT (namespaces), FW_IN FW_OUT (the firewall's ends),
# H_IN H_OUT (the hosts' ends); addresses and MACs below.

IN4=10.99.1.1
OUT4=10.99.2.1
FW4_IN=10.99.1.254
FW4_OUT=10.99.2.254
IN6=fd99:1::1
OUT6=fd99:2::1
FW6_IN=fd99:1::fe
FW6_OUT=fd99:2::fe
MAC_H_IN=02:00:0a:63:01:01
MAC_H_OUT=02:00:0a:63:02:01
MAC_FW_IN=02:00:0a:63:01:fe
MAC_FW_OUT=02:00:0a:63:02:fe

NETNS_CREATED_NS=()
NETNS_CREATED_LINKS=()

netns_names() {
	local s=${NETNS_SUFFIX:-}

	NS_IN=${NS_IN_NAME:-inside$s}
	NS_OUT=${NS_OUT_NAME:-outside$s}
	FW_IN=l3fi$s
	FW_OUT=l3fo$s
	H_IN=l3hi$s
	H_OUT=l3ho$s
}

in_ns() { ip netns exec "$NS_IN" "$@"; }
out_ns() { ip netns exec "$NS_OUT" "$@"; }

# netns_offloads NS|"" IF: no checksum offload, TSO, GSO, GRO.
netns_offloads() {
	local ns=$1 dev=$2
	local -a run=()

	[ -n "$ns" ] && run=(ip netns exec "$ns")
	"${run[@]}" ethtool -K "$dev" rx off tx off tso off gso off gro off \
	    >/dev/null 2>&1 || true
}

# netns_host NS HOST_IF FW_IF MAC_HOST MAC_FW ADDR4 GW4 ADDR6 GW6
netns_host() {
	local ns=$1 hif=$2 fwif=$3 hmac=$4 fwmac=$5 a4=$6 g4=$7 a6=$8 g6=$9

	ip netns add "$ns" || return 1
	NETNS_CREATED_NS+=("$ns")
	ip link add "$fwif" address "$fwmac" type veth peer name "$hif" \
	    address "$hmac" || return 1
	NETNS_CREATED_LINKS+=("$fwif")
	ip link set "$hif" netns "$ns" || return 1

	# The firewall's end: no kernel IP on it.
	sysctl -qw "net.ipv6.conf.$fwif.disable_ipv6=1" || return 1
	sysctl -qw "net.ipv4.conf.$fwif.forwarding=0" || return 1
	sysctl -qw "net.ipv4.conf.$fwif.arp_ignore=8" || return 1
	netns_offloads "" "$fwif"
	ip link set "$fwif" up || return 1

	# The host's end.
	ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0
	ip netns exec "$ns" sysctl -qw net.ipv6.icmp.ratelimit=0
	netns_offloads "$ns" "$hif"
	ip -n "$ns" link set lo up &&
	    ip -n "$ns" link set "$hif" up &&
	    ip -n "$ns" addr add "$a4/24" dev "$hif" &&
	    ip -n "$ns" addr add "$a6/64" dev "$hif" nodad &&
	    ip -n "$ns" route add default via "$g4" &&
	    ip -n "$ns" -6 route add default via "$g6"
}

# netns_setup: both namespaces; fails if any name exists already.
netns_setup() {
	local n

	netns_names
	for n in "$NS_IN" "$NS_OUT"; do
		if [ -e "/run/netns/$n" ]; then
			echo "network namespace $n exists already" >&2
			return 1
		fi
	done
	for n in "$FW_IN" "$FW_OUT" "$H_IN" "$H_OUT"; do
		if ip link show "$n" >/dev/null 2>&1; then
			echo "interface $n exists already" >&2
			return 1
		fi
	done
	netns_host "$NS_IN" "$H_IN" "$FW_IN" "$MAC_H_IN" "$MAC_FW_IN" \
	    "$IN4" "$FW4_IN" "$IN6" "$FW6_IN" &&
	netns_host "$NS_OUT" "$H_OUT" "$FW_OUT" "$MAC_H_OUT" "$MAC_FW_OUT" \
	    "$OUT4" "$FW4_OUT" "$OUT6" "$FW6_OUT"
}

# netns_teardown: delete the namespaces and veths netns_setup created
# (deleting a namespace deletes its veth end, and so the pair).
netns_teardown() {
	local x

	for x in "${NETNS_CREATED_LINKS[@]}"; do
		ip link del "$x" 2>/dev/null || true
	done
	for x in "${NETNS_CREATED_NS[@]}"; do
		ip netns del "$x" 2>/dev/null || true
	done
	NETNS_CREATED_LINKS=()
	NETNS_CREATED_NS=()
}

# netns_vdevs [QPAIRS]: the EAL vdevs of the two firewall ends (port 0
# inside, port 1 outside), each with QPAIRS queue pairs (default 1) and
# rings of 4096 frames.  With several queues the kernel spreads the flows
# over the queues with a symmetric hash, but DPDK's af_packet asks for
# PACKET_FANOUT_FLAG_ROLLOVER: when a queue's ring is full, packets spill
# to another queue, out of order, and npfct's TCP window check refuses
# segments that arrive more than a window late.  Large rings and an lcore
# per CPU keep that from happening.
netns_vdevs() {
	local q=${1:-1}

	echo "--vdev=net_af_packet0,iface=$FW_IN,qpairs=$q,framecnt=4096" \
	    "--vdev=net_af_packet1,iface=$FW_OUT,qpairs=$q,framecnt=4096"
}
