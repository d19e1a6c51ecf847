/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: the translated address and port of a new connection.
 *
 * Overview
 *
 *	A probe is npfct_conn_nat_bind(): it gives the connection the
 *	translated backwards key and inserts it, and fails with -EADDRINUSE
 *	when another connection has that key.  So uniqueness is the
 *	connection table's, per (translated address, protocol, remote
 *	address and port): ports are reused across destinations
 *	(endpoint-dependent, as Linux, OVS and VPP; NPF's per-address bitmap
 *	allows ~48k connections per address in all), and ICMP query ids are
 *	translated like ports.  No allocator state is shared between
 *	lcores: a probe is an insert into the table (rte_hash's lock-free
 *	readers and its insert path, conndb.c), nothing else.
 *
 *	Source NAT (snat_alloc()): the original port first if it is in the
 *	range (port preservation), on the paired address (the source
 *	address's hash picks it: one inside host keeps one outside address,
 *	RFC 6888 REQ-2) unless NPFCT_NATF_ADDR_BY_FLOW; then up to
 *	NPFCT_NAT_PROBES (248) probes in all: 128 on that address from a
 *	random port onwards, the rest spread over the other addresses, each
 *	a run of consecutive ports from a random start (so every port of
 *	the range can be reached, whatever the range's length: NPF's probe
 *	step min_port + 1 reaches only part of some ranges).  When every
 *	probe fails the connection is refused (the caller counts it and
 *	announces it): never address-only NAT, never an eviction.
 *
 *	Destination NAT (dnat_bind()) binds the inside address and port,
 *	with no search: a client port already in use towards the inside
 *	server refuses the connection.
 *
 *	The probe order (npfct_nat_walk_next()) is shared with nat_eim.c
 *	and nat_block.c.  With NPFCT_NATF_EIM the search is nat_eim.c's:
 *	one outside address and port per inside endpoint, for every
 *	destination; with NPFCT_NATF_PORT_BLOCK nat_block.c's: ports from
 *	the inside address's blocks.
 *
 *	STATIC and NPT66 (map_bind()) compute the address (nat_map.c) and
 *	keep the port: one probe, as the mapping is 1:1.
 *
 * Synchronisation
 *
 *	Datapath lcores with an lcore id, on a connection they established
 *	and have not released (npfct_nat_establish()).  Policies are
 *	immutable.
 */

#include <errno.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_random.h>

#include "npfct_nat_impl.h"

/* A hash of an address (all its words). */
static inline uint32_t
addr_hash(const union npfct_addr *a, unsigned int alen, uint32_t init)
{
	unsigned int i;

	for (i = 0; i < alen / 4; i++)
		init = rte_hash_crc_4byte(a->a32[i], init);
	return init;
}

uint32_t
npfct_nat_pool_first(const struct npfct_nat_policy *p,
		const struct npfct_pkt *pkt)
{
	uint32_t h = addr_hash(&pkt->src, pkt->alen, 0);

	if ((p->np_flags & NPFCT_NATF_ADDR_BY_FLOW) != 0)
		h = addr_hash(&pkt->dst, pkt->alen, h);
	return h % p->np_pool_n;
}

void
npfct_nat_walk_init(struct npfct_nat_walk *w, uint32_t pool_n,
		uint32_t first, uint32_t range, uint32_t used)
{
	memset(w, 0, sizeof(*w));
	w->nw_pool_n = pool_n;
	w->nw_first = first;
	w->nw_range = range;
	w->nw_used = used;
}

bool
npfct_nat_walk_next(struct npfct_nat_walk *w, uint32_t *ai, uint32_t *off)
{
	while (w->nw_used < NPFCT_NAT_PROBES) {
		if (w->nw_i < w->nw_budget) {
			*ai = (w->nw_first + w->nw_a) % w->nw_pool_n;
			*off = (w->nw_start + w->nw_i) % w->nw_range;
			w->nw_i++;
			w->nw_used++;
			return true;
		}
		if (w->nw_begun && ++w->nw_a >= w->nw_pool_n)
			return false;
		if (w->nw_pool_n == 0 || w->nw_range == 0)
			return false;
		w->nw_begun = true;
		/* The paired address first, then the rest spread evenly. */
		w->nw_budget = w->nw_a == 0 ? NPFCT_NAT_PROBES_FIRST :
		    RTE_MAX(1u, (NPFCT_NAT_PROBES - w->nw_used) /
		    (w->nw_pool_n - w->nw_a));
		w->nw_budget = RTE_MIN(w->nw_budget,
		    NPFCT_NAT_PROBES - w->nw_used);
		w->nw_budget = RTE_MIN(w->nw_budget, w->nw_range);
		w->nw_start = (uint32_t)(rte_rand() % w->nw_range);
		w->nw_i = 0;
	}
	return false;
}

/* One probe: bind con to (address index a, port). */
static int
probe(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_nat_policy *p, uint32_t a, uint16_t port)
{
	union npfct_addr taddr;

	npfct_nat_pool_addr(p, a, &taddr);
	return npfct_conn_nat_bind(ct, con, (void *)(uintptr_t)p,
	    NPFCT_NAT_OUT, &taddr, rte_cpu_to_be_16(port));
}

/*
 * snat_alloc: find the connection a translated address and port.
 *
 * => Returns 0, -EADDRNOTAVAIL after NPFCT_NAT_PROBES failed probes,
 *    -ENOSPC (no room in the table), -EINVAL.
 */
static int
snat_alloc(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p)
{
	const bool icmp = pkt->proto == IPPROTO_ICMP ||
	    pkt->proto == IPPROTO_ICMPV6;
	const uint32_t pmin = icmp ? 0 : p->np_port_min;
	const uint32_t range = icmp ? 65536 : (uint32_t)p->np_port_max -
	    p->np_port_min + 1;
	const uint32_t oport = rte_be_to_cpu_16(pkt->sport);
	struct npfct_nat_walk w;
	uint32_t first, ai, off, used = 0;
	int ret;

	first = npfct_nat_pool_first(p, pkt);

	if ((p->np_flags & NPFCT_NATF_NO_PRESERVE) == 0 &&
	    oport - pmin < range) {
		ret = probe(ct, con, p, first, (uint16_t)oport);
		used++;
		if (ret != -EADDRINUSE)
			return ret;
	}
	npfct_nat_walk_init(&w, p->np_pool_n, first, range, used);
	while (npfct_nat_walk_next(&w, &ai, &off)) {
		ret = probe(ct, con, p, ai, (uint16_t)(pmin + off));
		if (ret != -EADDRINUSE)
			return ret;
	}
	return -EADDRNOTAVAIL;
}

/*
 * dnat_bind: the inside address and port of a port forward.  The
 * backwards key (from the inside server to the client) is taken only if
 * the client's port is in use for it already: no search, refused.
 */
static int
dnat_bind(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p)
{
	const uint16_t dport = rte_be_to_cpu_16(pkt->dport);
	union npfct_addr taddr;
	uint16_t tport;
	int ret;

	memset(&taddr, 0, sizeof(taddr));
	memcpy(&taddr, &p->np_pool, p->np_alen);
	tport = p->np_port_min != 0 ?
	    (uint16_t)(p->np_port_min + (dport - p->np_mport_min)) : dport;
	ret = npfct_conn_nat_bind(ct, con, (void *)(uintptr_t)p,
	    NPFCT_NAT_IN, &taddr, rte_cpu_to_be_16(tport));
	return ret == -EADDRINUSE ? -EADDRNOTAVAIL : ret;
}

/*
 * map_bind: STATIC and NPT66.  Outbound the source is mapped into the
 * outside prefix, inbound the destination back into the inside one;
 * ports and ids are kept.
 */
static int
map_bind(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p,
		int di)
{
	const bool out = di == NPFCT_DIR_OUT;
	const union npfct_addr *from = out ? &pkt->src : &pkt->dst;
	const union npfct_addr *net = out ? &p->np_pool : &p->np_match;
	union npfct_addr taddr;
	int ret;

	memset(&taddr, 0, sizeof(taddr));
	if (p->np_type == NPFCT_NAT_NPT66) {
		if (!npfct_nat_npt66(from, net, &p->np_mask, p->np_plen,
		    &taddr))
			return -EADDRNOTAVAIL;
	} else {
		npfct_nat_netmap(from, net, &p->np_mask, p->np_alen, &taddr);
	}
	ret = npfct_conn_nat_bind(ct, con, (void *)(uintptr_t)p,
	    out ? NPFCT_NAT_OUT : NPFCT_NAT_IN, &taddr,
	    out ? pkt->sport : pkt->dport);
	return ret == -EADDRINUSE ? -EADDRNOTAVAIL : ret;
}

int
npfct_nat_alloc(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p,
		int di)
{
	switch (p->np_type) {
	case NPFCT_NAT_SNAT:
		if (p->np_flags & NPFCT_NATF_EIM)
			return npfct_nat_eim_alloc(ct, pkt, con, p);
		if (p->np_flags & NPFCT_NATF_PORT_BLOCK)
			return npfct_nat_block_alloc(ct, pkt, con, p);
		return snat_alloc(ct, pkt, con, p);
	case NPFCT_NAT_DNAT:
		return dnat_bind(ct, pkt, con, p);
	case NPFCT_NAT_STATIC:
	case NPFCT_NAT_NPT66:
		return map_bind(ct, pkt, con, p, di);
	default:
		return -EINVAL;
	}
}
