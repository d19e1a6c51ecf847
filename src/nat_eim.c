/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: endpoint-independent mapping (RFC 4787 REQ-1, RFC
 * 5382 REQ-1 for TCP).
 *
 * Overview
 *
 *	With NPFCT_NATF_EIM a source NAT policy gives every inside endpoint
 *	(zone, protocol, address, port or ICMP id) one outside address and
 *	port for all its destinations, as long as it has connections (and
 *	hold_ms after), and that outside address and port belong to it
 *	alone: a binding (nat_binding.c) whose inside key is the endpoint
 *	and whose outside key is the outside address and port.
 *
 *	New connection (npfct_nat_eim_alloc(), datapath): the endpoint's
 *	binding, made if there is none, its outside address and port
 *	searched as snat_alloc() does (original port first, the paired
 *	address, 248 probes), each candidate taken in the binding table.
 *	Then the connection is bound to the pair (npfct_conn_nat_bind()); a
 *	clash in the connection table (another policy's endpoint-dependent
 *	connection to the same destination) refuses the connection.
 *
 *	Release (npfct_nat_eim_release(), from npfct_conn_destroy(): G/C)
 *	finds the binding by the forwards key's source and drops its count.
 *
 *	Import (npfct_nat_eim_reserve()) takes the binding of the imported
 *	connection's endpoint with exactly its outside address and port: an
 *	endpoint that has another, or an outside pair another endpoint has,
 *	is a clash.
 *
 * Synchronisation
 *
 *	As nat_binding.c: datapath lcores with an lcore id on connections
 *	they establish, the G/C for releases, the control thread (import).
 */

#include <errno.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_random.h>

#include "npfct_nat_binding.h"

/* The search's arguments. */
struct eim_arg {
	const struct npfct_pkt *pkt;
	const struct npfct_nat_policy *p;
};

/* Take (address index ai, port) for b. */
static int
try_out(struct npfct_nat_bindings *nbt, struct npfct_nat_binding *b,
		const struct npfct_pkt *pkt, const struct npfct_nat_policy *p,
		uint32_t ai, uint16_t port)
{
	union npfct_addr addr;

	npfct_nat_pool_addr(p, ai, &addr);
	npfct_nat_bkey_make(&b->nb_out, pkt->zone, pkt->proto,
	    NPFCT_NB_OUT_EP, &addr, p->np_alen, rte_cpu_to_be_16(port));
	return npfct_nat_binding_take_out(nbt, b);
}

/*
 * eim_search: the outside address and port of a new binding, searched as
 * snat_alloc() searches (nat_alloc.c), each candidate taken in the
 * binding table.
 */
static int
eim_search(struct npfct_nat_bindings *nbt, struct npfct_nat_binding *b,
		const void *arg)
{
	const struct eim_arg *ea = arg;
	const struct npfct_pkt *pkt = ea->pkt;
	const struct npfct_nat_policy *p = ea->p;
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
		ret = try_out(nbt, b, pkt, p, first, (uint16_t)oport);
		used++;
		if (ret != -EADDRINUSE)
			return ret;
	}
	npfct_nat_walk_init(&w, p->np_pool_n, first, range, used);
	while (npfct_nat_walk_next(&w, &ai, &off)) {
		ret = try_out(nbt, b, pkt, p, ai, (uint16_t)(pmin + off));
		if (ret != -EADDRINUSE)
			return ret;
	}
	return -EADDRNOTAVAIL;
}

int
npfct_nat_eim_alloc(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p)
{
	struct npfct_nat_bindings *nbt = p->np_bind;
	const struct eim_arg ea = { .pkt = pkt, .p = p };
	struct npfct_nat_binding *b;
	struct npfct_nat_bkey kin;
	union npfct_addr addr;
	bool made;
	int ret;

	npfct_nat_bkey_make(&kin, pkt->zone, pkt->proto, NPFCT_NB_IN_EP,
	    &pkt->src, pkt->alen, pkt->sport);
	ret = npfct_nat_binding_get(nbt, &kin, eim_search, &ea, &b, &made);
	if (ret != 0)
		return ret;
	memset(&addr, 0, sizeof(addr));
	memcpy(&addr, &b->nb_out.bk_addr, p->np_alen);
	ret = npfct_conn_nat_bind(ct, con, (void *)(uintptr_t)p,
	    NPFCT_NAT_OUT, &addr, b->nb_out.bk_port);
	if (ret != 0) {
		/* The connection does not hold it: the G/C releases it. */
		npfct_nat_binding_unref(nbt, b);
		return ret == -EADDRINUSE ? -EADDRNOTAVAIL : ret;
	}
	return 0;
}

/* The inside key of a connection an EIM policy translated. */
static void
conn_kin(struct npfct_conn *con, struct npfct_nat_bkey *kin)
{
	union npfct_addr src, dst;
	rte_be16_t sid, did;

	npfct_connkey_split(npfct_conn_fkey(con), &src, &dst, &sid, &did);
	npfct_nat_bkey_make(kin, npfct_connkey_zone(npfct_conn_fkey(con)),
	    con->c_proto, NPFCT_NB_IN_EP, &src, con->c_alen, sid);
}

void
npfct_nat_eim_release(struct npfct *ct, struct npfct_conn *con)
{
	const struct npfct_nat_policy *p = con->c_nat;
	struct npfct_nat_binding *b;
	struct npfct_nat_bkey kin;

	conn_kin(con, &kin);
	b = npfct_nat_binding_lookup(p->np_bind, &kin);
	if (b != NULL)
		npfct_nat_binding_release(ct, p->np_bind, b);
}

int
npfct_nat_eim_reserve(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_nat_policy *p, const union npfct_addr *taddr,
		rte_be16_t tport)
{
	struct npfct_nat_bindings *nbt = p->np_bind;
	struct npfct_nat_binding *b;
	struct npfct_nat_bkey kin, kout;
	bool made;
	int ret;

	RTE_SET_USED(ct);
	conn_kin(con, &kin);
	npfct_nat_bkey_make(&kout, kin.bk_zone, con->c_proto,
	    NPFCT_NB_OUT_EP, taddr, con->c_alen, tport);
	ret = npfct_nat_binding_get(nbt, &kin, npfct_nat_binding_exact,
	    &kout, &b, &made);
	if (ret == -EEXIST)
		return -EADDRINUSE;	/* another endpoint has the pair */
	if (ret != 0)
		return ret == -EADDRNOTAVAIL ? -ENOSPC : ret;
	if (memcmp(&b->nb_out, &kout, sizeof(kout)) != 0) {
		/* The endpoint is bound to another pair. */
		npfct_nat_binding_unref(nbt, b);
		return -EADDRINUSE;
	}
	return 0;
}
