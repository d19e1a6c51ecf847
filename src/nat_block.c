/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: port blocks per inside address (RFC 7422).
 *
 * Overview
 *
 *	With NPFCT_NATF_PORT_BLOCK a source NAT policy's port range is cut
 *	into blocks of np_block consecutive ports (np_nblocks per pool
 *	address), and an inside address (per zone) gets whole blocks: a
 *	binding (nat_binding.c) whose inside key is (address, n) for its
 *	nth block, n < np_blocks_max, and whose outside key is (outside
 *	address, block index).  Every connection of the inside address, of
 *	any protocol (ICMP query ids too), takes its port from one of its
 *	blocks, so the block's two events (NPFCT_EVENT_PORT_BLOCK, made and
 *	given back) log who had which outside port: RFC 7422's point, one
 *	log line per block instead of one per connection.
 *
 *	New connection (npfct_nat_block_alloc(), datapath): for n = 0, 1,
 *	... get the nth block (made if there is none: the paired address's
 *	blocks first, from a random one, as the pool walk of nat_alloc.c
 *	goes), then probe its ports as snat_alloc() probes the range: the
 *	original port first if it is in the block, then from the block's
 *	cursor (a relaxed hint of where the last search stopped) onwards,
 *	each probe an insert into the connection table; the first block
 *	gets up to NPFCT_NAT_PROBES_FIRST probes when there may be others,
 *	the rest of the budget is spread over the later ones.  Ports stay unique
 *	per (outside address, protocol, remote endpoint): an inside host's
 *	block serves all its destinations.  When no port of the nth block
 *	is free for the destination, the next block; after np_blocks_max
 *	or NPFCT_NAT_PROBES (248) port probes in all, the connection is
 *	refused as exhausted (never a port outside the host's blocks).
 *
 *	Release (npfct_nat_block_release(), from npfct_conn_destroy():
 *	G/C): the translated address and port name the block by its
 *	outside key; its count drops, at 0 it is held for hold_ms, then
 *	removed with its event (nat_binding.c).
 *
 *	Import (npfct_nat_block_reserve()) finds the block of the
 *	connection's translated port among the inside address's, or makes
 *	it with exactly that outside key; a block another address has is a
 *	clash.
 *
 * Synchronisation
 *
 *	As nat_binding.c.  nb_cursor is read and written relaxed by every
 *	lcore that establishes a connection of the block's inside address:
 *	a hint, any value is correct.
 */

#include <errno.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_random.h>

#include "npfct_event_impl.h"
#include "npfct_nat_binding.h"

struct block_arg {
	const struct npfct_pkt *pkt;
	const struct npfct_nat_policy *p;
};

/* The first port of block index j. */
static inline uint32_t
block_port(const struct npfct_nat_policy *p, uint32_t j)
{
	return p->np_port_min + j * p->np_block;
}

/* The search of a new block: a free block index of a pool address. */
static int
block_search(struct npfct_nat_bindings *nbt, struct npfct_nat_binding *b,
		const void *arg)
{
	const struct block_arg *ba = arg;
	const struct npfct_nat_policy *p = ba->p;
	struct npfct_nat_walk w;
	union npfct_addr addr;
	uint32_t ai, j;
	int ret;

	npfct_nat_walk_init(&w, p->np_pool_n, npfct_nat_pool_first(p, ba->pkt),
	    p->np_nblocks, 0);
	while (npfct_nat_walk_next(&w, &ai, &j)) {
		npfct_nat_pool_addr(p, ai, &addr);
		npfct_nat_bkey_make(&b->nb_out, ba->pkt->zone, 0,
		    NPFCT_NB_OUT_BLOCK, &addr, p->np_alen,
		    rte_cpu_to_be_16((uint16_t)j));
		ret = npfct_nat_binding_take_out(nbt, b);
		if (ret != -EADDRINUSE)
			return ret;
	}
	return -EADDRNOTAVAIL;
}

void
npfct_nat_block_event(struct npfct *ct, const struct npfct_nat_bindings *nbt,
		const struct npfct_nat_binding *b, unsigned int reason, bool gc)
{
	const struct npfct_nat_policy *p = nbt->nbt_policy;
	const uint32_t first = block_port(p,
	    rte_be_to_cpu_16(b->nb_out.bk_port));
	const unsigned int id = rte_lcore_id();
	struct npfct_event e;

	if (!npfct_event_wanted(ct, NPFCT_EVENT_PORT_BLOCK))
		return;
	memset(&e, 0, sizeof(e));
	e.time_ns = npfct_clock_ns(ct);
	e.cookie = (uint64_t)(uintptr_t)b;
	e.type = NPFCT_EVENT_PORT_BLOCK;
	e.reason = (uint8_t)reason;
	e.alen = p->np_alen;
	e.dir = NPFCT_DIR_OUT;
	e.zone = b->nb_in.bk_zone;
	e.lcore = id < RTE_MAX_LCORE ? (uint16_t)id : UINT16_MAX;
	memcpy(&e.src, &b->nb_in.bk_addr, p->np_alen);
	memcpy(&e.bsrc, &b->nb_out.bk_addr, p->np_alen);
	e.bsport = rte_cpu_to_be_16((uint16_t)first);
	e.bdport = rte_cpu_to_be_16((uint16_t)(first + p->np_block - 1));
	npfct_event_record(ct, &e, gc);
}

/*
 * block_probe: bind con to a port of block b, within cap probes (taken
 * from *budget).
 * => Returns 0, -EADDRINUSE (no port of the block is free for the
 *    destination), -ENOSPC, -EINVAL.
 */
static int
block_probe(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p,
		struct npfct_nat_binding *b, uint32_t cap, uint32_t *budget)
{
	const uint32_t first = block_port(p,
	    rte_be_to_cpu_16(b->nb_out.bk_port));
	const uint32_t oport = rte_be_to_cpu_16(pkt->sport);
	uint32_t start, i, n, off;
	union npfct_addr addr;
	int ret;

	memset(&addr, 0, sizeof(addr));
	memcpy(&addr, &b->nb_out.bk_addr, p->np_alen);
	cap = RTE_MIN(cap, *budget);
	if ((p->np_flags & NPFCT_NATF_NO_PRESERVE) == 0 &&
	    oport - first < p->np_block && cap > 0) {
		cap--;
		(*budget)--;
		ret = npfct_conn_nat_bind(ct, con, (void *)(uintptr_t)p,
		    NPFCT_NAT_OUT, &addr, pkt->sport);
		if (ret != -EADDRINUSE)
			return ret;
	}
	start = __atomic_load_n(&b->nb_cursor, __ATOMIC_RELAXED) %
	    p->np_block;
	n = RTE_MIN(cap, (uint32_t)p->np_block);
	for (i = 0; i < n; i++) {
		off = (start + i) % p->np_block;
		(*budget)--;
		ret = npfct_conn_nat_bind(ct, con, (void *)(uintptr_t)p,
		    NPFCT_NAT_OUT, &addr,
		    rte_cpu_to_be_16((uint16_t)(first + off)));
		if (ret == 0)
			__atomic_store_n(&b->nb_cursor, off + 1,
			    __ATOMIC_RELAXED);
		if (ret != -EADDRINUSE)
			return ret;
	}
	return -EADDRINUSE;
}

int
npfct_nat_block_alloc(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p)
{
	struct npfct_nat_bindings *nbt = p->np_bind;
	const struct block_arg ba = { .pkt = pkt, .p = p };
	struct npfct_nat_binding *b;
	struct npfct_nat_bkey kin;
	uint32_t budget = NPFCT_NAT_PROBES, cap;
	unsigned int n;
	bool made;
	int ret;

	for (n = 0; n < p->np_blocks_max && budget > 0; n++) {
		npfct_nat_bkey_make(&kin, pkt->zone, 0, NPFCT_NB_IN_HOST,
		    &pkt->src, pkt->alen, rte_cpu_to_be_16((uint16_t)n));
		ret = npfct_nat_binding_get(nbt, &kin, block_search, &ba, &b,
		    &made);
		if (ret != 0)
			return ret;
		if (made) {
			/* A fresh block: start from a random port of it. */
			__atomic_store_n(&b->nb_cursor,
			    (uint32_t)rte_rand_max(p->np_block),
			    __ATOMIC_RELAXED);
			npfct_nat_block_event(ct, nbt, b, NPFCT_EVENT_R_NONE,
			    false);
		}
		/* The first block most, the budget left spread evenly. */
		cap = n == 0 && p->np_blocks_max > 1 ? NPFCT_NAT_PROBES_FIRST :
		    RTE_MAX(1u, budget / (p->np_blocks_max - n));
		ret = block_probe(ct, pkt, con, p, b, cap, &budget);
		if (ret == 0)
			return 0;	/* the connection holds the block */
		npfct_nat_binding_unref(nbt, b);
		if (ret != -EADDRINUSE)
			return ret;
	}
	return -EADDRNOTAVAIL;
}

/* The outside key of the block of a translated address and port. */
static bool
block_kout(const struct npfct_nat_policy *p, uint16_t zone,
		const union npfct_addr *taddr, rte_be16_t tport,
		struct npfct_nat_bkey *kout)
{
	const uint32_t port = rte_be_to_cpu_16(tport);
	uint32_t j;

	if (port < p->np_port_min)
		return false;
	j = (port - p->np_port_min) / p->np_block;
	if (j >= p->np_nblocks)
		return false;
	npfct_nat_bkey_make(kout, zone, 0, NPFCT_NB_OUT_BLOCK, taddr,
	    p->np_alen, rte_cpu_to_be_16((uint16_t)j));
	return true;
}

void
npfct_nat_block_release(struct npfct *ct, struct npfct_conn *con)
{
	const struct npfct_nat_policy *p = con->c_nat;
	union npfct_addr src, dst;
	rte_be16_t sid, did;
	struct npfct_nat_binding *b;
	struct npfct_nat_bkey kout;

	/* The backwards key's destination is the translated source. */
	npfct_connkey_split(npfct_conn_bkey(con), &src, &dst, &sid, &did);
	if (!block_kout(p, npfct_connkey_zone(npfct_conn_fkey(con)), &dst,
	    did, &kout))
		return;
	b = npfct_nat_binding_lookup(p->np_bind, &kout);
	if (b != NULL)
		npfct_nat_binding_release(ct, p->np_bind, b);
}

int
npfct_nat_block_reserve(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_nat_policy *p, const union npfct_addr *taddr,
		rte_be16_t tport)
{
	struct npfct_nat_bindings *nbt = p->np_bind;
	const uint16_t zone = npfct_connkey_zone(npfct_conn_fkey(con));
	union npfct_addr src, dst;
	rte_be16_t sid, did;
	struct npfct_nat_binding *b;
	struct npfct_nat_bkey kin, kout;
	unsigned int n;
	bool made;
	int ret;

	if (!block_kout(p, zone, taddr, tport, &kout))
		return -EADDRINUSE;
	npfct_connkey_split(npfct_conn_fkey(con), &src, &dst, &sid, &did);
	/* The host's block with that outside key, or a free nth to make it. */
	for (n = 0; n < p->np_blocks_max; n++) {
		npfct_nat_bkey_make(&kin, zone, 0, NPFCT_NB_IN_HOST, &src,
		    con->c_alen, rte_cpu_to_be_16((uint16_t)n));
		ret = npfct_nat_binding_get(nbt, &kin, npfct_nat_binding_exact,
		    &kout, &b, &made);
		if (ret == -EEXIST)
			continue;	/* the block is taken: by a later nth? */
		if (ret != 0)
			return ret == -EADDRNOTAVAIL ? -ENOSPC : ret;
		if (memcmp(&b->nb_out, &kout, sizeof(kout)) == 0) {
			if (made)
				npfct_nat_block_event(ct, nbt, b,
				    NPFCT_EVENT_R_NONE, false);
			return 0;
		}
		npfct_nat_binding_unref(nbt, b);	/* another block */
	}
	return -EADDRINUSE;
}
