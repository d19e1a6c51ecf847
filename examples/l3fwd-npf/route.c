/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * l3fwd-npf routing: rte_lpm/rte_lpm6 routes, the neighbour table, and
 * the firewall's own traffic (ARP, neighbour discovery, ping).
 *
 * Overview
 *
 *	Every --addr adds a connected route (its prefix, through its port,
 *	no gateway); every --route a route with a gateway or, without one,
 *	a connected route.  Routes are next-hop indexes in an rte_lpm
 *	(IPv4) or rte_lpm6 (IPv6) table, as in DPDK's l3fwd.  A packet goes
 *	to the next hop's port, to the MAC address of its gateway, or of
 *	its destination for a connected route.
 *
 *	The neighbour table maps an address (IPv4 as ::ffff:a.b.c.d) to a
 *	MAC address.  Entries are static (--neigh) or learned:
 *
 *	  - from an ARP request or reply whose sender is in a connected
 *	    prefix of the receiving port;
 *	  - from a neighbour solicitation for one of our addresses (its
 *	    source link-layer address option) and from a neighbour
 *	    advertisement (its target link-layer address option).
 *
 *	Learned entries never replace static ones and never expire (an
 *	example, not a full ARP cache).  A packet whose next hop has no
 *	entry is dropped (drop.no-neigh) and an ARP request or neighbour
 *	solicitation is sent, at most one per address and lcore every
 *	500 ms.  At start the first forwarding lcore solicits the gateways.
 *
 *	Local delivery: packets to one of our addresses, to a directed
 *	broadcast of a connected prefix, or to a multicast address are not
 *	forwarded.  ARP requests and neighbour solicitations for our
 *	addresses and echo requests to them are answered (the answer goes
 *	back to the sender's MAC address, out of the receiving port); the
 *	rest is dropped (drop.local).  Local traffic does not go through the
 *	rules or npfct.
 *
 * Synchronisation
 *
 *	Routes and addresses are set up by the control thread before the
 *	launch and read-only afterwards.  The neighbour table is an rte_hash
 *	with lock-free readers (RW_CONCURRENCY_LF) and several writers
 *	(MULTI_WRITER_ADD): datapath lcores learn.  The value is the MAC
 *	address packed into the 64-bit data word, so an update is one
 *	atomic store inside rte_hash and nothing is ever freed.
 */

#include <errno.h>
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_icmp.h>
#include <rte_ip.h>
/* rte_lpm.h declares a variable length array. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wvla"
#include <rte_lpm.h>
#pragma GCC diagnostic pop
#include <rte_lpm6.h>

#include "l3fwd_compat.h"
#include "l3fwd_npf.h"

#define LPM_TBL8S	256
#define LPM6_TBL8S	1024
#define NEIGH_STATIC	(1ull << 48)	/* neighbour value: static entry */
#define NEIGH_MAC_MASK	((1ull << 48) - 1)
#define NEIGH_REQ_MS	500		/* resolution rate limit */
#define ND_OPT_LLA_LEN	8		/* link-layer address option */
#define ICMP6_ND_LEN	24		/* NS/NA without options */
#define ECHO_TTL	64

/* A route's next hop. */
struct nexthop {
	uint16_t	port;
	bool		has_gw;
	struct ipaddr	gw;
};

static struct {
	struct rte_lpm	*lpm4;
	struct rte_lpm6	*lpm6;
	struct rte_hash	*neigh;
	unsigned int	n_nh;
	struct nexthop	nh[MAX_ROUTES + MAX_ADDRS];
	/* Default routes (/0): LPM takes no prefix of length 0. */
	bool		has_default4, has_default6;
	uint32_t	default4, default6;	/* next hop index */
	unsigned int	n_own;
	struct cfg_addr	own[MAX_ADDRS];	/* --addr */
} rt;

/* Neighbour keys: 16 bytes, IPv4 mapped (::ffff:a.b.c.d). */
static void
neigh_key(uint8_t family, const union npfct_addr *a, uint8_t key[16])
{
	if (family == 4) {
		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &a->v4, 4);
	} else {
		memcpy(key, a->a8, 16);
	}
}

static uint64_t
neigh_value(const struct rte_ether_addr *mac, bool is_static)
{
	uint64_t v = 0;

	memcpy(&v, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return (v & NEIGH_MAC_MASK) | (is_static ? NEIGH_STATIC : 0);
}

static void
neigh_mac(uint64_t v, struct rte_ether_addr *mac)
{
	memcpy(mac->addr_bytes, &v, RTE_ETHER_ADDR_LEN);
}

/* Whether a is in the prefix p (same family). */
static bool
prefix_match(const struct ipaddr *p, uint8_t family, const union npfct_addr *a)
{
	unsigned int bits = p->plen, i;
	uint8_t mask;

	if (p->family != family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (p->a.a8[i] != a->a8[i])
			return false;
	if (bits == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - bits));
	return ((p->a.a8[i] ^ a->a8[i]) & mask) == 0;
}

/* Whether a is in a connected prefix of port (and not our address). */
static bool
connected_p(uint16_t port, uint8_t family, const union npfct_addr *a)
{
	const unsigned int alen = family == 4 ? 4 : 16;
	unsigned int i;

	for (i = 0; i < rt.n_own; i++) {
		const struct cfg_addr *o = &rt.own[i];

		if (o->port == port && prefix_match(&o->addr, family, a) &&
		    memcmp(o->addr.a.a8, a->a8, alen) != 0)
			return true;
	}
	return false;
}

/* Our address of a family on a port: one whose prefix holds a, else any. */
static const struct ipaddr *
own_addr(uint16_t port, uint8_t family, const union npfct_addr *a)
{
	const struct ipaddr *any = NULL;
	unsigned int i;

	for (i = 0; i < rt.n_own; i++) {
		const struct cfg_addr *o = &rt.own[i];

		if (o->port != port || o->addr.family != family)
			continue;
		if (a == NULL || prefix_match(&o->addr, family, a))
			return &o->addr;
		if (any == NULL)
			any = &o->addr;
	}
	return any;
}

/* Whether a is one of our addresses on port (any port if port < 0). */
static bool
own_p(int port, uint8_t family, const union npfct_addr *a)
{
	const unsigned int alen = family == 4 ? 4 : 16;
	unsigned int i;

	for (i = 0; i < rt.n_own; i++) {
		const struct cfg_addr *o = &rt.own[i];

		if ((port < 0 || o->port == port) &&
		    o->addr.family == family &&
		    memcmp(o->addr.a.a8, a->a8, alen) == 0)
			return true;
	}
	return false;
}

/*
 * neigh_learn: add or refresh a learned entry.
 *
 * => Datapath lcore (or control thread before the launch).
 */
static void
neigh_learn(struct lcore_conf *lc, uint8_t family, const union npfct_addr *a,
		const struct rte_ether_addr *mac)
{
	uint8_t key[16];
	void *data;
	uint64_t v = neigh_value(mac, false);

	if (!rte_is_valid_assigned_ether_addr(mac))
		return;
	neigh_key(family, a, key);
	if (rte_hash_lookup_data(rt.neigh, key, &data) >= 0 &&
	    (((uintptr_t)data & NEIGH_STATIC) != 0 || (uintptr_t)data == v))
		return;
	if (rte_hash_add_key_data(rt.neigh, key, (void *)(uintptr_t)v) == 0)
		CTR_ADD(lc->stats.c[C_NEIGH_LEARNED], 1);
}

/* Packet construction: frames are built in one segment. */
static void
eth_fill(struct rte_ether_hdr *eh, const struct rte_ether_addr *dst,
		uint16_t port, uint16_t type)
{
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&app.port_mac[port], &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(type);
}

/* Fill an IPv6 header and the ICMPv6 checksum of what follows it. */
static void
ip6_fill(struct rte_ipv6_hdr *ip6, const uint8_t *src, const uint8_t *dst,
		uint16_t plen, uint8_t hops)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip6 + 1);

	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(plen);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = hops;
	memcpy(&ip6->src_addr, src, 16);
	memcpy(&ip6->dst_addr, dst, 16);
	ic->icmp_cksum = 0;
	ic->icmp_cksum = rte_ipv6_udptcp_cksum(ip6, ic);
}

/* Neighbour solicitation or advertisement, after the IPv6 header. */
struct nd_msg {
	uint8_t		type;
	uint8_t		code;
	rte_be16_t	cksum;
	uint8_t		flags;		/* NA: R, S, O */
	uint8_t		reserved[3];
	uint8_t		target[16];
	uint8_t		opt_type;	/* link-layer address option */
	uint8_t		opt_len;	/* in 8-byte units: 1 */
	uint8_t		opt_lla[RTE_ETHER_ADDR_LEN];
};
static_assert(sizeof(struct nd_msg) == ICMP6_ND_LEN + ND_OPT_LLA_LEN,
	"struct nd_msg: no padding");

#define ND_NA_ROUTER	0x80
#define ND_NA_SOLICITED	0x40
#define ND_NA_OVERRIDE	0x20
#define ND_OPT_SRC_LLA	1
#define ND_OPT_TGT_LLA	2

/*
 * neigh_request: send an ARP request or a neighbour solicitation for a
 * next hop, unless one was sent recently by this lcore.
 */
static void
neigh_request(struct lcore_conf *lc, uint16_t port, uint8_t family,
		const union npfct_addr *target)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	const struct ipaddr *src = own_addr(port, family, target);
	const uint64_t now = rte_rdtsc();
	struct rte_ether_hdr *eh;
	struct rte_mbuf *m;
	unsigned int slot;
	uint8_t key[16];

	neigh_key(family, target, key);
	slot = rte_hash_crc(key, sizeof(key), 0) % RTE_DIM(lc->neigh_req_tsc);
	if (lc->neigh_req_tsc[slot] != 0 &&
	    now - lc->neigh_req_tsc[slot] < app.tsc_hz * NEIGH_REQ_MS / 1000)
		return;
	lc->neigh_req_tsc[slot] = now;
	if (src == NULL)
		return;	/* no address to ask from */
	m = rte_pktmbuf_alloc(app.pool);
	if (m == NULL)
		return;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (family == 4) {
		struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eh + 1);

		eth_fill(eh, &bcast, port, RTE_ETHER_TYPE_ARP);
		arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
		arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		arp->arp_hlen = RTE_ETHER_ADDR_LEN;
		arp->arp_plen = 4;
		arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
		rte_ether_addr_copy(&app.port_mac[port],
		    &arp->arp_data.arp_sha);
		arp->arp_data.arp_sip = src->a.v4;
		memset(&arp->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
		arp->arp_data.arp_tip = target->v4;
		m->data_len = sizeof(*eh) + sizeof(*arp);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);
		struct nd_msg *ns = (struct nd_msg *)(ip6 + 1);
		struct rte_ether_addr mdst = { .addr_bytes = { 0x33, 0x33,
		    0xff, target->a8[13], target->a8[14], target->a8[15] } };
		uint8_t sn[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff,
		    [13] = target->a8[13], [14] = target->a8[14],
		    [15] = target->a8[15] };

		eth_fill(eh, &mdst, port, RTE_ETHER_TYPE_IPV6);
		memset(ns, 0, sizeof(*ns));
		ns->type = ND_NEIGHBOR_SOLICIT;
		memcpy(ns->target, target->a8, 16);
		ns->opt_type = ND_OPT_SRC_LLA;
		ns->opt_len = 1;
		memcpy(ns->opt_lla, app.port_mac[port].addr_bytes,
		    RTE_ETHER_ADDR_LEN);
		ip6_fill(ip6, src->a.a8, sn, sizeof(*ns), 255);
		m->data_len = sizeof(*eh) + sizeof(*ip6) + sizeof(*ns);
	}
	m->pkt_len = m->data_len;
	CTR_ADD(lc->stats.c[C_NEIGH_REQUEST], 1);
	fwd_send(lc, port, m);
}

/*
 * route_lookup: the output port and next-hop MAC of a packet to forward.
 *
 * => Returns 0, -ENETUNREACH (no route) or -EHOSTUNREACH (next hop
 *    unknown: a resolution was sent).  Datapath lcores.
 */
int
route_lookup(const struct npfct_pkt *pkt, uint16_t *port,
		struct rte_ether_addr *mac, struct lcore_conf *lc)
{
	const union npfct_addr *target;
	const struct nexthop *nh;
	uint8_t key[16], family;
	uint32_t idx;
	void *data;

	if (pkt->flags & NPFCT_PKT_IP4) {
		family = 4;
		if (rte_lpm_lookup(rt.lpm4, rte_be_to_cpu_32(pkt->dst.v4),
		    &idx) != 0) {
			if (!rt.has_default4)
				return -ENETUNREACH;
			idx = rt.default4;
		}
	} else {
		family = 6;
		if (lpm6_lookup(rt.lpm6, pkt->dst.a8, &idx) != 0) {
			if (!rt.has_default6)
				return -ENETUNREACH;
			idx = rt.default6;
		}
	}
	nh = &rt.nh[idx];
	target = nh->has_gw ? &nh->gw.a : &pkt->dst;
	*port = nh->port;
	neigh_key(family, target, key);
	if (unlikely(rte_hash_lookup_data(rt.neigh, key, &data) < 0)) {
		neigh_request(lc, nh->port, family, target);
		return -EHOSTUNREACH;
	}
	neigh_mac((uintptr_t)data, mac);
	return 0;
}

/*
 * route_neigh_solicit_all: ask for the MAC of every gateway without a
 * neighbour entry.  First forwarding lcore, at start.
 */
void
route_neigh_solicit_all(struct lcore_conf *lc)
{
	unsigned int i;
	uint8_t key[16];
	void *data;

	for (i = 0; i < rt.n_nh; i++) {
		const struct nexthop *nh = &rt.nh[i];

		if (!nh->has_gw)
			continue;
		neigh_key(nh->gw.family, &nh->gw.a, key);
		if (rte_hash_lookup_data(rt.neigh, key, &data) < 0)
			neigh_request(lc, nh->port, nh->gw.family, &nh->gw.a);
	}
	fwd_flush(lc);
}

/*
 * route_local_p: whether a parsed packet is for the firewall itself.
 */
bool
route_local_p(uint16_t port, const struct npfct_pkt *pkt)
{
	unsigned int i;

	if (pkt->flags & NPFCT_PKT_IP4) {
		const uint32_t d = rte_be_to_cpu_32(pkt->dst.v4);

		if ((d & 0xf0000000) == 0xe0000000 || d == UINT32_MAX)
			return true;	/* multicast, broadcast */
		for (i = 0; i < rt.n_own; i++) {
			const struct cfg_addr *o = &rt.own[i];
			uint32_t host;

			if (o->addr.family != 4 || o->port != port ||
			    o->addr.plen >= 31)
				continue;
			host = UINT32_MAX >> o->addr.plen;
			if (prefix_match(&o->addr, 4, &pkt->dst) &&
			    (d & host) == host)
				return true;	/* directed broadcast */
		}
		return own_p(-1, 4, &pkt->dst);
	}
	if (pkt->flags & NPFCT_PKT_IP6)
		return pkt->dst.a8[0] == 0xff || own_p(-1, 6, &pkt->dst);
	return false;
}

/* Send a frame back to where it came from (answers). */
static void
reply_send(struct lcore_conf *lc, uint16_t port, struct rte_mbuf *m,
		const struct rte_ether_addr *dst, uint16_t len)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr to;

	rte_ether_addr_copy(dst, &to);
	rte_ether_addr_copy(&to, &eh->dst_addr);
	rte_ether_addr_copy(&app.port_mac[port], &eh->src_addr);
	m->data_len = len;
	m->pkt_len = len;
	m->ol_flags = 0;
	fwd_send(lc, port, m);
}

/*
 * route_arp_input: an ARP frame received on port: learn, answer.
 *
 * => Consumes m.  Datapath lcores.
 */
void
route_arp_input(struct lcore_conf *lc, uint16_t port, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eh + 1);
	struct rte_arp_ipv4 *ad = &arp->arp_data;
	union npfct_addr sip, tip;
	struct rte_ether_addr sha;

	if (m->nb_segs != 1 || m->data_len < sizeof(*eh) + sizeof(*arp) ||
	    arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		goto drop;
	memset(&sip, 0, sizeof(sip));
	memset(&tip, 0, sizeof(tip));
	sip.v4 = ad->arp_sip;
	tip.v4 = ad->arp_tip;
	rte_ether_addr_copy(&ad->arp_sha, &sha);
	if (connected_p(port, 4, &sip))
		neigh_learn(lc, 4, &sip, &sha);

	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
	    own_p(port, 4, &tip)) {
		arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
		rte_ether_addr_copy(&sha, &ad->arp_tha);
		ad->arp_tip = sip.v4;
		rte_ether_addr_copy(&app.port_mac[port], &ad->arp_sha);
		ad->arp_sip = tip.v4;
		CTR_ADD(lc->stats.c[C_LOCAL_ARP], 1);
		reply_send(lc, port, m, &sha, sizeof(*eh) + sizeof(*arp));
		return;
	}
	if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY)) {
		CTR_ADD(lc->stats.c[C_LOCAL_NEIGH_IN], 1);
		rte_pktmbuf_free(m);
		return;
	}
drop:
	CTR_ADD(lc->stats.c[C_DROP_LOCAL], 1);
	rte_pktmbuf_free(m);
}

/* Find a link-layer address option of the given type after an NS/NA. */
static bool
nd_option(const struct npfct_pkt *pkt, const uint8_t *l4, uint8_t type,
		struct rte_ether_addr *lla)
{
	uint32_t off = ICMP6_ND_LEN;

	while (off + 2 <= pkt->l4_len) {
		const uint32_t len = l4[off + 1] * 8u;

		if (len == 0 || off + len > pkt->l4_len)
			return false;
		if (l4[off] == type && len == ND_OPT_LLA_LEN) {
			memcpy(lla->addr_bytes, &l4[off + 2],
			    RTE_ETHER_ADDR_LEN);
			return true;
		}
		off += len;
	}
	return false;
}

/* Neighbour discovery: learn, answer a solicitation for our address. */
static bool
nd_input(struct lcore_conf *lc, uint16_t port, struct rte_mbuf *m,
		const struct npfct_pkt *pkt)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	struct nd_msg *nd = (struct nd_msg *)(ip6 + 1);
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	union npfct_addr target;
	struct rte_ether_addr lla, to;
	bool dad;

	if (pkt->ttl != 255 || pkt->l4_len < ICMP6_ND_LEN ||
	    pkt->icmp.code != 0)
		return false;
	memcpy(target.a8, nd->target, 16);
	if (pkt->icmp.type == ND_NEIGHBOR_ADVERT) {
		if (connected_p(port, 6, &target) &&
		    nd_option(pkt, (const uint8_t *)nd, ND_OPT_TGT_LLA, &lla))
			neigh_learn(lc, 6, &target, &lla);
		CTR_ADD(lc->stats.c[C_LOCAL_NEIGH_IN], 1);
		rte_pktmbuf_free(m);
		return true;
	}
	if (!own_p(port, 6, &target))
		return false;
	/* A solicitation for our address. */
	dad = memcmp(pkt->src.a8, (const uint8_t[16]){ 0 }, 16) == 0;
	rte_ether_addr_copy(&eh->src_addr, &to);
	if (nd_option(pkt, (const uint8_t *)nd, ND_OPT_SRC_LLA, &lla)) {
		if (!dad && connected_p(port, 6, &pkt->src))
			neigh_learn(lc, 6, &pkt->src, &lla);
		rte_ether_addr_copy(&lla, &to);
	}
	memset(nd, 0, sizeof(*nd));
	nd->type = ND_NEIGHBOR_ADVERT;
	nd->flags = ND_NA_ROUTER | ND_NA_OVERRIDE | (dad ? 0 : ND_NA_SOLICITED);
	memcpy(nd->target, target.a8, 16);
	nd->opt_type = ND_OPT_TGT_LLA;
	nd->opt_len = 1;
	memcpy(nd->opt_lla, app.port_mac[port].addr_bytes, RTE_ETHER_ADDR_LEN);
	if (dad) {
		/* RFC 4861 7.2.4: to all nodes. */
		to = (struct rte_ether_addr){ .addr_bytes = { 0x33, 0x33, 0,
		    0, 0, 1 } };
		ip6_fill(ip6, target.a8, all_nodes, sizeof(*nd), 255);
	} else {
		ip6_fill(ip6, target.a8, pkt->src.a8, sizeof(*nd), 255);
	}
	CTR_ADD(lc->stats.c[C_LOCAL_ND], 1);
	reply_send(lc, port, m, &to, sizeof(*eh) + sizeof(*ip6) + sizeof(*nd));
	return true;
}

/* Answer an echo request to one of our addresses. */
static bool
echo_input(struct lcore_conf *lc, uint16_t port, struct rte_mbuf *m,
		const struct npfct_pkt *pkt)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_icmp_hdr *ic;
	struct rte_ether_addr to;
	const uint32_t len = (uint32_t)pkt->l4_off + pkt->l4_len;

	rte_ether_addr_copy(&eh->src_addr, &to);
	ic = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, pkt->l4_off);
	if (pkt->flags & NPFCT_PKT_IP4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

		if (pkt->icmp.type != ICMP_ECHO ||
		    !own_p(-1, 4, &pkt->dst))
			return false;
		ip->dst_addr = ip->src_addr;
		ip->src_addr = pkt->dst.v4;
		ip->time_to_live = ECHO_TTL;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		ic->icmp_type = ICMP_ECHOREPLY;
		ic->icmp_cksum = 0;
		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, pkt->l4_len);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);

		if (pkt->icmp.type != ICMP6_ECHO_REQUEST ||
		    !own_p(-1, 6, &pkt->dst) ||
		    pkt->l4_off != sizeof(*eh) + sizeof(*ip6))
			return false;
		ic->icmp_type = ICMP6_ECHO_REPLY;
		ip6_fill(ip6, pkt->dst.a8, pkt->src.a8, pkt->l4_len, ECHO_TTL);
	}
	CTR_ADD(lc->stats.c[C_LOCAL_ECHO], 1);
	reply_send(lc, port, m, &to, (uint16_t)len);
	return true;
}

/*
 * route_local_input: a packet for the firewall (route_local_p()).
 *
 * => Consumes m.  Datapath lcores.
 */
void
route_local_input(struct lcore_conf *lc, uint16_t port, struct rte_mbuf *m,
		const struct npfct_pkt *pkt)
{
	bool done = false;

	/* Answers are built in place: the headers must be contiguous. */
	if (m->nb_segs == 1 && (pkt->flags & NPFCT_PKT_ICMP) &&
	    (uint32_t)pkt->l4_off + pkt->l4_len <= m->data_len &&
	    !(pkt->flags & NPFCT_PKT_FRAG)) {
		if (pkt->proto == IPPROTO_ICMPV6 &&
		    (pkt->icmp.type == ND_NEIGHBOR_SOLICIT ||
		    pkt->icmp.type == ND_NEIGHBOR_ADVERT) &&
		    pkt->l4_off == sizeof(struct rte_ether_hdr) +
		    sizeof(struct rte_ipv6_hdr))
			done = nd_input(lc, port, m, pkt);
		else
			done = echo_input(lc, port, m, pkt);
	}
	if (!done) {
		CTR_ADD(lc->stats.c[C_DROP_LOCAL], 1);
		rte_pktmbuf_free(m);
	}
}

/*
 * Set-up.
 */

/* Clear the host bits of a prefix. */
static void
prefix_clear(struct ipaddr *p)
{
	const unsigned int alen = p->family == 4 ? 4 : 16;
	unsigned int i;

	for (i = 0; i < alen; i++) {
		const int bits = (int)p->plen - 8 * (int)i;

		if (bits <= 0)
			p->a.a8[i] = 0;
		else if (bits < 8)
			p->a.a8[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

static int
route_add(const struct ipaddr *prefix, uint16_t port, const struct ipaddr *gw)
{
	struct ipaddr p = *prefix;
	struct nexthop *nh;
	int rc;

	if (rt.n_nh == RTE_DIM(rt.nh))
		return -ENOSPC;
	prefix_clear(&p);
	nh = &rt.nh[rt.n_nh];
	memset(nh, 0, sizeof(*nh));
	nh->port = port;
	if (gw != NULL) {
		nh->has_gw = true;
		nh->gw = *gw;
	}
	if (p.plen == 0) {
		/* The default route: used when LPM finds nothing. */
		if (p.family == 4) {
			rt.has_default4 = true;
			rt.default4 = rt.n_nh;
		} else {
			rt.has_default6 = true;
			rt.default6 = rt.n_nh;
		}
		rc = 0;
	} else if (p.family == 4) {
		rc = rte_lpm_add(rt.lpm4, rte_be_to_cpu_32(p.a.v4), p.plen,
		    rt.n_nh);
	} else {
		rc = lpm6_add(rt.lpm6, p.a.a8, p.plen, rt.n_nh);
	}
	if (rc == 0)
		rt.n_nh++;
	return rc;
}

/*
 * route_init: addresses, routes and static neighbours.
 *
 * => Control thread, before the launch.  Returns 0 or a negative errno
 *    (a message was printed).
 */
int
route_init(const struct app_config *cfg, int socket_id)
{
	struct rte_lpm_config c4 = { .max_rules = MAX_ROUTES + MAX_ADDRS,
	    .number_tbl8s = LPM_TBL8S };
	struct rte_lpm6_config c6 = { .max_rules = MAX_ROUTES + MAX_ADDRS,
	    .number_tbl8s = LPM6_TBL8S };
	struct rte_hash_parameters hp = {
		.name = "l3fwd_npf_neigh",
		.entries = MAX_NEIGHS * 2,
		.key_len = 16,
		.hash_func = rte_hash_crc,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
		    RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};
	unsigned int i;
	uint8_t key[16];
	int rc;

	rt.lpm4 = rte_lpm_create("l3fwd_npf_lpm4", socket_id, &c4);
	rt.lpm6 = rte_lpm6_create("l3fwd_npf_lpm6", socket_id, &c6);
	rt.neigh = rte_hash_create(&hp);
	if (rt.lpm4 == NULL || rt.lpm6 == NULL || rt.neigh == NULL) {
		fprintf(stderr, "cannot create the route and neighbour "
		    "tables\n");
		return -ENOMEM;
	}
	for (i = 0; i < cfg->n_addr; i++) {
		rt.own[rt.n_own++] = cfg->addr[i];
		rc = route_add(&cfg->addr[i].addr, cfg->addr[i].port, NULL);
		if (rc != 0)
			goto fail;
	}
	for (i = 0; i < cfg->n_route; i++) {
		const struct cfg_route *r = &cfg->route[i];

		rc = route_add(&r->prefix, r->port, r->has_gw ? &r->gw : NULL);
		if (rc != 0)
			goto fail;
	}
	for (i = 0; i < cfg->n_neigh; i++) {
		neigh_key(cfg->neigh[i].addr.family, &cfg->neigh[i].addr.a,
		    key);
		rc = rte_hash_add_key_data(rt.neigh, key, (void *)(uintptr_t)
		    neigh_value(&cfg->neigh[i].mac, true));
		if (rc != 0) {
			fprintf(stderr, "cannot add neighbour %u: %s\n", i + 1,
			    strerror(-rc));
			return rc;
		}
	}
	return 0;
fail:
	fprintf(stderr, "cannot add route %u: %s\n", rt.n_nh + 1,
	    strerror(-rc));
	return rc;
}

void
route_fini(void)
{
	rte_lpm_free(rt.lpm4);
	rte_lpm6_free(rt.lpm6);
	rte_hash_free(rt.neigh);
}

/*
 * route_neigh_print: the neighbour table.  Control thread (reads the
 * table while lcores may learn: an entry may be missed or seen twice).
 */
void
route_neigh_print(FILE *f)
{
	char a[INET6_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct rte_ether_addr ea;
	const uint8_t *key;
	uint32_t iter = 0;
	union npfct_addr addr;
	void *data;
	bool v4;

	while (rte_hash_iterate(rt.neigh, (const void **)&key, &data,
	    &iter) >= 0) {
		v4 = memcmp(key, (const uint8_t[12]){ [10] = 0xff,
		    [11] = 0xff }, 12) == 0;
		memset(&addr, 0, sizeof(addr));
		memcpy(addr.a8, v4 ? key + 12 : key, v4 ? 4 : 16);
		inet_ntop(v4 ? AF_INET : AF_INET6, addr.a8, a, sizeof(a));
		neigh_mac((uintptr_t)data, &ea);
		rte_ether_format_addr(mac, sizeof(mac), &ea);
		fprintf(f, "  neighbour %-24s %s %s\n", a, mac,
		    ((uintptr_t)data & NEIGH_STATIC) ? "static" : "learned");
	}
}
