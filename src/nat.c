/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: policies, new connections and the translation of
 * their packets.
 *
 * Overview
 *
 *	A mapping is not a separate object: it is the connection's pair of
 *	keys.  For source NAT the backwards key's destination is the
 *	translated address and port (replies come to it), the forwards key
 *	keeps the original; for destination NAT the backwards key's source
 *	is the inside address and port.  npfct_conn_nat_bind() (conn.c)
 *	gives the connection that backwards key and its second table entry,
 *	so a mapping is released with the connection's entries and exported
 *	and imported with its keys.  How the translated address and port
 *	are chosen is nat_alloc.c's (and nat_map.c's for NETMAP and NPT66).
 *
 *	This file keeps the policies and does the per-packet work:
 *
 *	  - policies live in an immutable table published with RCU; the
 *	    first of the packet's zone and family that matches applies.  A
 *	    removed policy stays allocated until the instance is destroyed,
 *	    because the connections it translated point to it (c_nat, for
 *	    listings);
 *	  - npfct_nat_translate() rewrites a packet from the keys of the
 *	    connection its own lookup returned: forwards packets get the
 *	    backwards key's translated end, backwards packets the forwards
 *	    key's original end back (nat_rewrite.c, nat_rewrite6.c); an ICMP
 *	    error about the connection gets its quoted packet translated.
 *	    No second lookup, nothing written but the packet.
 *
 * Synchronisation
 *
 *	npfct_nat_policy_add/del: control thread, under nat_lock; del waits
 *	for a grace period (urcu_qsbr_synchronize_rcu(): the caller must
 *	not be an online QSBR reader).  npfct_nat_establish(): datapath
 *	lcores, reads the table with an acquire load (rcu_dereference()).
 *	npfct_nat_translate(): any datapath lcore, lock-free: it reads the
 *	connection's keys, which do not change once it is active.
 *
 * Lock order
 *
 *	npfct_nat::nat_lock (control only, nothing taken under it)
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <urcu/urcu-qsbr.h>

#include "npfct_event_impl.h"
#include "npfct_nat_impl.h"

int
npfct_nat_init(struct npfct *ct)
{
	struct npfct_nat *nat;

	nat = rte_zmalloc_socket("npfct_nat", sizeof(*nat),
	    RTE_CACHE_LINE_SIZE, ct->ct_socket);
	if (nat == NULL)
		return -ENOMEM;
	pthread_mutex_init(&nat->nat_lock, NULL);
	ct->ct_nat = nat;
	return 0;
}

/* At destroy: no reader is left. */
void
npfct_nat_fini(struct npfct *ct)
{
	struct npfct_nat *nat = ct->ct_nat;
	struct npfct_nat_policy *p, *next;

	if (nat == NULL)
		return;
	for (p = nat->nat_all; p != NULL; p = next) {
		next = p->np_next;
		npfct_nat_bindings_destroy(p);
		rte_free(p);
	}
	rte_free(nat->nat_table);
	pthread_mutex_destroy(&nat->nat_lock);
	rte_free(nat);
	ct->ct_nat = NULL;
}

/* The mask of a prefix of plen bits over alen bytes. */
static void
prefix_mask(unsigned int plen, union npfct_addr *mask)
{
	unsigned int i;

	memset(mask, 0, sizeof(*mask));
	for (i = 0; i < 4 && plen > 0; i++) {
		const unsigned int b = RTE_MIN(plen, 32u);

		mask->a32[i] = rte_cpu_to_be_32(~0u << (32 - b));
		plen -= b;
	}
}

static bool
proto_ok(uint8_t proto, unsigned int alen)
{
	return proto == 0 || proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == (alen == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
}

/* A DNAT policy's ports. */
static int
conf_check_dnat(const struct npfct_nat_policy_conf *c, unsigned int alen)
{
	if (c->proto != 0 && c->proto != IPPROTO_TCP &&
	    c->proto != IPPROTO_UDP)
		return -EINVAL;
	if (memcmp(&c->pool_first, &c->pool_last, alen) != 0)
		return -EINVAL;
	if ((c->match_port_min != 0 || c->match_port_max != 0) &&
	    (c->match_port_min == 0 || c->match_port_min > c->match_port_max))
		return -EINVAL;
	/* The inside ports must not pass 65535. */
	if (c->port_min != 0 && (uint32_t)c->port_min +
	    (uint32_t)(c->match_port_max - c->match_port_min) > 65535)
		return -EINVAL;
	if ((c->port_min == 0 && c->port_max != 0) ||
	    (c->port_min != 0 && c->match_port_min == 0))
		return -EINVAL;
	return 0;
}

/* An SNAT policy's pool and ports. */
static int
conf_check_snat(const struct npfct_nat_policy_conf *c, unsigned int alen)
{
	const unsigned int lw = alen / 4 - 1;	/* the word that may differ */
	uint32_t first, last;

	if (memcmp(&c->pool_first, &c->pool_last, lw * 4) != 0)
		return -EINVAL;
	first = rte_be_to_cpu_32(c->pool_first.a32[lw]);
	last = rte_be_to_cpu_32(c->pool_last.a32[lw]);
	if (first > last || (uint64_t)last - first + 1 > NPFCT_NAT_POOL_MAX)
		return -EINVAL;
	if ((c->port_min != 0 || c->port_max != 0) &&
	    (c->port_min == 0 || c->port_min > c->port_max))
		return -EINVAL;
	if ((c->flags & NPFCT_NATF_PORT_BLOCK) == 0)
		return c->block_size != 0 || c->blocks_max != 0 ? -EINVAL : 0;
	/* Blocks: not with EIM; at least one block of the range. */
	if ((c->flags & NPFCT_NATF_EIM) != 0 || c->block_size == 0 ||
	    c->block_size > (c->port_min != 0 ? c->port_max - c->port_min + 1 :
	    65535 - 1024 + 1))
		return -EINVAL;
	return 0;
}

int
npfct_nat_policy_check(const struct npfct_nat_policy_conf *c)
{
	const unsigned int alen = c->alen == 0 ? 4 : c->alen;
	static const union npfct_addr zero;

	if (c == NULL || (alen != 4 && alen != 16))
		return -EINVAL;
	if (c->match_plen > alen * 8 || !proto_ok(c->proto, alen))
		return -EINVAL;
	if ((c->flags & ~(NPFCT_NATF_NO_PRESERVE | NPFCT_NATF_ADDR_BY_FLOW |
	    NPFCT_NATF_EIM | NPFCT_NATF_PORT_BLOCK)) != 0)
		return -EINVAL;
	if ((c->flags & (NPFCT_NATF_EIM | NPFCT_NATF_PORT_BLOCK)) == 0 &&
	    (c->hold_ms != 0 || c->bindings_max != 0))
		return -EINVAL;
	if (c->type != NPFCT_NAT_SNAT &&
	    (c->block_size != 0 || c->blocks_max != 0))
		return -EINVAL;
	switch (c->type) {
	case NPFCT_NAT_SNAT:
		if (c->match_port_min != 0 || c->match_port_max != 0)
			return -EINVAL;
		return conf_check_snat(c, alen);
	case NPFCT_NAT_DNAT:
		return c->flags != 0 ? -EINVAL : conf_check_dnat(c, alen);
	case NPFCT_NAT_NPT66:
		if (alen != 16 || c->match_plen > 64)
			return -EINVAL;
		/* FALLTHROUGH */
	case NPFCT_NAT_STATIC:
		if (c->flags != 0 || c->port_min != 0 || c->port_max != 0 ||
		    c->match_port_min != 0 || c->match_port_max != 0 ||
		    memcmp(&c->pool_last, &zero, sizeof(zero)) != 0)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/* The policy of a checked configuration. */
static void
policy_make(const struct npfct_nat_policy_conf *c, struct npfct_nat_policy *p)
{
	const unsigned int alen = c->alen == 0 ? 4 : c->alen;
	const unsigned int lw = alen / 4 - 1;
	unsigned int i;

	p->np_type = c->type;
	p->np_flags = c->flags;
	p->np_zone = c->zone;
	p->np_proto = c->proto;
	p->np_alen = (uint8_t)alen;
	p->np_plen = c->match_plen;
	prefix_mask(c->match_plen, &p->np_mask);
	for (i = 0; i < alen / 4; i++)
		p->np_match.a32[i] = c->match.a32[i] & p->np_mask.a32[i];
	memcpy(&p->np_pool, &c->pool_first, alen);
	switch (c->type) {
	case NPFCT_NAT_SNAT:
		p->np_pool_n = rte_be_to_cpu_32(c->pool_last.a32[lw]) -
		    rte_be_to_cpu_32(c->pool_first.a32[lw]) + 1;
		p->np_port_min = c->port_min != 0 ? c->port_min : 1024;
		p->np_port_max = c->port_max != 0 ? c->port_max : 65535;
		if (c->flags & NPFCT_NATF_PORT_BLOCK) {
			p->np_block = c->block_size;
			p->np_blocks_max = c->blocks_max != 0 ?
			    c->blocks_max : 1;
			p->np_nblocks = ((uint32_t)p->np_port_max -
			    p->np_port_min + 1) / p->np_block;
		}
		break;
	case NPFCT_NAT_DNAT:
		p->np_pool_n = 1;
		p->np_port_min = c->port_min;
		p->np_mport_min = c->match_port_min != 0 ?
		    c->match_port_min : 1;
		p->np_mport_max = c->match_port_max != 0 ?
		    c->match_port_max : 65535;
		break;
	default:
		/* STATIC, NPT66: the outside prefix. */
		for (i = 0; i < alen / 4; i++)
			p->np_pool.a32[i] &= p->np_mask.a32[i];
		break;
	}
}

/*
 * A policy whose bindings the G/C knows but that never got into the
 * table: kept on nat_all (freed at destroy), never matched.
 */
static void
policy_orphan(struct npfct_nat *nat, struct npfct_nat_policy *p)
{
	pthread_mutex_lock(&nat->nat_lock);
	p->np_dead = true;
	p->np_id = -1;
	p->np_next = nat->nat_all;
	nat->nat_all = p;
	pthread_mutex_unlock(&nat->nat_lock);
}

/* Publish a table of n policies from p[] (nat_lock held). */
static int
table_publish(struct npfct *ct, struct npfct_nat_policy **p, unsigned int n)
{
	struct npfct_nat *nat = ct->ct_nat;
	struct npfct_nat_table *t, *old;

	t = rte_zmalloc_socket("npfct_nat_table", sizeof(*t) + n *
	    sizeof(t->nt_p[0]), RTE_CACHE_LINE_SIZE, ct->ct_socket);
	if (t == NULL)
		return -ENOMEM;
	t->nt_n = n;
	memcpy(t->nt_p, p, n * sizeof(p[0]));
	old = nat->nat_table;
	/* Release: a reader that sees the table sees its policies. */
	__atomic_store_n(&nat->nat_table, t, __ATOMIC_RELEASE);
	if (old != NULL) {
		/* No datapath thread may still read the old table. */
		urcu_qsbr_synchronize_rcu();
		rte_free(old);
	}
	return 0;
}

int
npfct_nat_policy_add(struct npfct *ct, const struct npfct_nat_policy_conf *c)
{
	struct npfct_nat_policy *p, *list[NPFCT_NAT_POLICIES_MAX];
	struct npfct_nat *nat;
	struct npfct_nat_table *t;
	unsigned int n = 0;
	int ret;

	if (ct == NULL || c == NULL)
		return -EINVAL;
	ret = npfct_nat_policy_check(c);
	if (ret != 0)
		return ret;
	nat = ct->ct_nat;
	p = rte_zmalloc_socket("npfct_nat_policy", sizeof(*p),
	    RTE_CACHE_LINE_SIZE, ct->ct_socket);
	if (p == NULL)
		return -ENOMEM;
	policy_make(c, p);
	if (c->flags & (NPFCT_NATF_EIM | NPFCT_NATF_PORT_BLOCK)) {
		const unsigned int af = npfct_af_index(p->np_alen);
		uint64_t max = c->bindings_max;

		if (max == 0 && (c->flags & NPFCT_NATF_PORT_BLOCK))
			max = RTE_MIN((uint64_t)ct->ct_max[af],
			    (uint64_t)p->np_pool_n * p->np_nblocks);
		else if (max == 0)
			max = ct->ct_max[af];
		ret = npfct_nat_bindings_create(ct, p, (uint32_t)max,
		    c->hold_ms);
		if (ret != 0) {
			rte_free(p);
			return ret;
		}
	}

	pthread_mutex_lock(&nat->nat_lock);
	t = nat->nat_table;
	if (t != NULL) {
		n = t->nt_n;
		memcpy(list, t->nt_p, n * sizeof(list[0]));
	}
	if (n == NPFCT_NAT_POLICIES_MAX) {
		pthread_mutex_unlock(&nat->nat_lock);
		npfct_nat_bindings_destroy(p);
		rte_free(p);
		return -ENOSPC;
	}
	p->np_id = nat->nat_next_id;
	/* The G/C knows the bindings before a connection can use them. */
	if (p->np_bind != NULL)
		npfct_nat_bindings_publish(ct, p);
	list[n++] = p;
	ret = table_publish(ct, list, n);
	if (ret != 0) {
		/* Published to the G/C, unused: freed with the instance. */
		pthread_mutex_unlock(&nat->nat_lock);
		if (p->np_bind == NULL)
			rte_free(p);
		else
			policy_orphan(nat, p);
		return ret;
	}
	nat->nat_next_id++;
	p->np_next = nat->nat_all;
	nat->nat_all = p;
	pthread_mutex_unlock(&nat->nat_lock);
	return p->np_id;
}

int
npfct_nat_policy_del(struct npfct *ct, int id)
{
	struct npfct_nat_policy *list[NPFCT_NAT_POLICIES_MAX];
	struct npfct_nat *nat;
	struct npfct_nat_table *t;
	unsigned int i, n = 0;
	int ret = -ENOENT;

	if (ct == NULL)
		return -EINVAL;
	nat = ct->ct_nat;
	pthread_mutex_lock(&nat->nat_lock);
	t = nat->nat_table;
	for (i = 0; t != NULL && i < t->nt_n; i++) {
		if (t->nt_p[i]->np_id == id) {
			t->nt_p[i]->np_dead = true;
			ret = 0;
			continue;
		}
		list[n++] = t->nt_p[i];
	}
	if (ret == 0)
		ret = table_publish(ct, list, n);
	pthread_mutex_unlock(&nat->nat_lock);
	return ret;
}

/* Whether a policy's protocol is the packet's (0: TCP, UDP, ICMP). */
static inline bool
policy_proto(const struct npfct_nat_policy *p, uint8_t proto, bool icmp_too)
{
	if (p->np_proto != 0)
		return p->np_proto == proto;
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || (icmp_too &&
	    (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6));
}

/* Whether a DNAT policy applies to an inbound packet. */
static bool
dnat_match(const struct npfct_nat_policy *p, const struct npfct_pkt *pkt)
{
	const uint16_t dport = rte_be_to_cpu_16(pkt->dport);

	if (!npfct_nat_prefix_has(&pkt->dst, &p->np_match, &p->np_mask,
	    p->np_alen) || dport < p->np_mport_min || dport > p->np_mport_max)
		return false;
	return policy_proto(p, pkt->proto, false);
}

/*
 * The first policy of the table that applies to the packet, or NULL.
 * Source NAT applies to outbound connections from its prefix, DNAT to
 * inbound ones to it; STATIC and NPT66 both ways (inbound: to the
 * outside prefix).
 */
static const struct npfct_nat_policy *
policy_match(const struct npfct_nat_table *t, const struct npfct_pkt *pkt,
		int di)
{
	unsigned int i;

	for (i = 0; i < t->nt_n; i++) {
		const struct npfct_nat_policy *p = t->nt_p[i];

		if (p->np_zone != pkt->zone || p->np_alen != pkt->alen)
			continue;
		switch (p->np_type) {
		case NPFCT_NAT_DNAT:
			if (di == NPFCT_DIR_IN && dnat_match(p, pkt))
				return p;
			break;
		case NPFCT_NAT_SNAT:
			if (di == NPFCT_DIR_OUT && npfct_nat_prefix_has(
			    &pkt->src, &p->np_match, &p->np_mask, p->np_alen) &&
			    policy_proto(p, pkt->proto, true))
				return p;
			break;
		default:
			/* STATIC, NPT66. */
			if (!policy_proto(p, pkt->proto, true))
				break;
			if (di == NPFCT_DIR_OUT ? npfct_nat_prefix_has(
			    &pkt->src, &p->np_match, &p->np_mask, p->np_alen) :
			    npfct_nat_prefix_has(&pkt->dst, &p->np_pool,
			    &p->np_mask, p->np_alen))
				return p;
			break;
		}
	}
	return NULL;
}

int
npfct_nat_policy_lookup(struct npfct *ct, const struct npfct_pkt *pkt, int di)
{
	const struct npfct_nat_table *t;
	const struct npfct_nat_policy *p;

	if (ct == NULL || pkt == NULL)
		return -EINVAL;
	t = __atomic_load_n(&ct->ct_nat->nat_table, __ATOMIC_ACQUIRE);
	if (t == NULL || (p = policy_match(t, pkt, di)) == NULL)
		return -ENOENT;
	return p->np_id;
}

/*
 * One end (NPFCT_SRC or NPFCT_DST) of a key: its address and port or id.
 * The hit path's decoder: only what the rewrite needs (IPv4: one word).
 */
static inline void
key_end(const uint32_t *key, unsigned int alen, int which,
		union npfct_addr *a, rte_be16_t *id)
{
	if (alen == 4)
		a->a32[0] = key[2 + which];
	else
		memcpy(a, &key[2 + 4 * which], 16);
	*id = (rte_be16_t)(which == NPFCT_SRC ? key[1] >> 16 :
	    key[1] & 0xffff);
}

/* Whether a (alen bytes) is one of an SNAT pool's addresses. */
static bool
pool_has(const struct npfct_nat_policy *p, const union npfct_addr *a)
{
	const unsigned int lw = p->np_alen / 4 - 1;
	unsigned int i;

	for (i = 0; i < lw; i++)
		if (a->a32[i] != p->np_pool.a32[i])
			return false;
	return rte_be_to_cpu_32(a->a32[lw]) -
	    rte_be_to_cpu_32(p->np_pool.a32[lw]) < p->np_pool_n;
}

/*
 * Whether policy p (which matches the connection's first packet) would
 * have made the mapping the connection's keys hold: the translated side,
 * and for SNAT an address of its pool and a port of its range, for DNAT
 * its inside address.
 */
static bool
policy_explains(const struct npfct_nat_policy *p, struct npfct_conn *con,
		uint32_t flags)
{
	const bool in = (flags & CONN_NATIN) != 0;
	union npfct_addr a;
	rte_be16_t id;

	switch (p->np_type) {
	case NPFCT_NAT_SNAT:
		if (in)
			return false;
		key_end(npfct_conn_bkey(con), con->c_alen, NPFCT_DST, &a, &id);
		if (!pool_has(p, &a))
			return false;
		if ((p->np_flags & NPFCT_NATF_PORT_BLOCK) != 0)
			/* Every protocol's ports and ids: in a whole block. */
			return rte_be_to_cpu_16(id) >= p->np_port_min &&
			    (uint32_t)(rte_be_to_cpu_16(id) - p->np_port_min) <
			    p->np_nblocks * p->np_block;
		if (con->c_proto != IPPROTO_TCP && con->c_proto != IPPROTO_UDP)
			return true;	/* ICMP ids: the whole space */
		return rte_be_to_cpu_16(id) >= p->np_port_min &&
		    rte_be_to_cpu_16(id) <= p->np_port_max;
	case NPFCT_NAT_DNAT:
		if (!in)
			return false;
		key_end(npfct_conn_bkey(con), con->c_alen, NPFCT_SRC, &a, &id);
		return memcmp(&a, &p->np_pool, p->np_alen) == 0;
	default:
		/* STATIC, NPT66: the source outbound, the destination in. */
		return in == ((flags & NPFCT_DIR_MASK) == NPFCT_DIR_IN);
	}
}

/*
 * import_reserve: the binding of an imported connection that policy p
 * (with bindings) explains.
 */
static int
import_reserve(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_nat_policy *p)
{
	union npfct_addr a;
	rte_be16_t id;

	key_end(npfct_conn_bkey(con), con->c_alen, NPFCT_DST, &a, &id);
	if (p->np_flags & NPFCT_NATF_EIM)
		return npfct_nat_eim_reserve(ct, con, p, &a, id);
	return npfct_nat_block_reserve(ct, con, p, &a, id);
}

int
npfct_nat_import_attach(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_pkt *pkt)
{
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);
	const struct npfct_nat_table *t;
	const struct npfct_nat_policy *p;
	int ret;

	if ((flags & CONN_NATENG) == 0)
		return 0;
	/* rcu_dereference(): pairs with table_publish()'s release. */
	t = __atomic_load_n(&ct->ct_nat->nat_table, __ATOMIC_ACQUIRE);
	if (t == NULL)
		return 0;
	p = policy_match(t, pkt, (int)(flags & NPFCT_DIR_MASK));
	if (p == NULL || !policy_explains(p, con, flags)) {
		npfct_stat_inc(ct, NPFCT_STAT_NAT_IMPORT_UNATTACHED);
		return 0;
	}
	if (p->np_bind != NULL) {
		ret = import_reserve(ct, con, p);
		if (ret == -EADDRINUSE)
			npfct_stat_inc(ct, NPFCT_STAT_NAT_IMPORT_CLASH);
		if (ret != 0)
			return ret;
	}
	/*
	 * Release: pairs with npfct_nat_conn_describe()'s acquire.  From
	 * now on its destruction releases the binding.
	 */
	__atomic_store_n(&con->c_nat, (void *)(uintptr_t)p, __ATOMIC_RELEASE);
	return 0;
}

int
npfct_nat_establish(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, int di)
{
	const struct npfct_nat_table *t;
	const struct npfct_nat_policy *p;
	int ret;

	if (ct == NULL || pkt == NULL || con == NULL ||
	    (di != NPFCT_DIR_IN && di != NPFCT_DIR_OUT))
		return -EINVAL;
	/* rcu_dereference(): pairs with table_publish()'s release. */
	t = __atomic_load_n(&ct->ct_nat->nat_table, __ATOMIC_ACQUIRE);
	if (t == NULL || (p = policy_match(t, pkt, di)) == NULL)
		return 0;
	if ((pkt->flags & NPFCT_PKT_L4) == 0 || ((pkt->proto == IPPROTO_ICMP ||
	    pkt->proto == IPPROTO_ICMPV6) &&
	    (pkt->flags & NPFCT_PKT_ICMP_QUERY) == 0))
		return 0;
	ret = npfct_nat_alloc(ct, pkt, con, p, di);
	if (ret == 0) {
		npfct_stat_inc(ct, NPFCT_STAT_NAT_BOUND);
		return 1;
	}
	if (ret == -EINVAL)
		return ret;
	/* Refused: the caller drops the packet; never activated. */
	if (ret == -EADDRNOTAVAIL) {
		npfct_stat_inc(ct, NPFCT_STAT_NAT_EXHAUSTED);
		if (unlikely(npfct_event_wanted(ct, NPFCT_EVENT_NAT)))
			npfct_event_conn(ct, con, NPFCT_EVENT_NAT,
			    NPFCT_EVENT_R_EXHAUSTED, 0, false);
	}
	npfct_conn_expire(con);
	return ret;
}

const char *
npfct_nat_type_name(enum npfct_nat_policy_type type)
{
	switch (type) {
	case NPFCT_NAT_SNAT:
		return "snat";
	case NPFCT_NAT_DNAT:
		return "dnat";
	case NPFCT_NAT_STATIC:
		return "static";
	case NPFCT_NAT_NPT66:
		return "npt66";
	default:
		return "?";
	}
}

void
npfct_nat_conn_describe(const struct npfct_conn *con, char *buf, size_t len)
{
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);
	/* Acquire: pairs with the release in npfct_conn_nat_bind(). */
	const struct npfct_nat_policy *p = __atomic_load_n(&con->c_nat,
	    __ATOMIC_ACQUIRE);

	if (p == NULL)
		snprintf(buf, len, "-");
	else if ((flags & CONN_NATENG) == 0)
		snprintf(buf, len, "app");
	else
		snprintf(buf, len, "%s#%d", npfct_nat_type_name(p->np_type),
		    p->np_id);
}

/* Rewrite one end of the packet, by its family. */
static inline int
rewrite(struct npfct_pkt *pkt, int which, const union npfct_addr *a,
		rte_be16_t port)
{
	/* A later fragment (npfct_frag.h): no layer 4 header. */
	if (unlikely(pkt->flags & NPFCT_PKT_FRAG_LATER))
		return npfct_nat_rewrite_frag(pkt, which, a);
	if (pkt->alen == 4)
		return npfct_nat_rewrite4(pkt, which, a->a32[0], port);
	return npfct_nat_rewrite6(pkt, which, a, port);
}

/* An ICMP error: the quoted packet and the outer header. */
static int
translate_error(struct npfct_pkt *pkt, struct npfct_conn *con,
		uint32_t flags)
{
	rte_be16_t fs, fd, bs, bd;
	union npfct_addr f1, f2, b1, b2;
	const union npfct_addr *ia, *oa;
	rte_be16_t ip, op;

	npfct_connkey_split(npfct_conn_fkey(con), &f1, &f2, &fs, &fd);
	npfct_connkey_split(npfct_conn_bkey(con), &b1, &b2, &bs, &bd);
	if (flags & CONN_NATIN) {
		/* Inside: the server (backwards source). */
		ia = &b1;
		ip = bs;
		oa = &f2;
		op = fd;
	} else {
		/* Inside: the original source; outside: the translated. */
		ia = &f1;
		ip = fs;
		oa = &b2;
		op = bd;
	}
	if (pkt->alen == 4)
		return npfct_nat_rewrite4_icmp_err(pkt, ia->a32[0], ip,
		    oa->a32[0], op);
	return npfct_nat_rewrite6_icmp_err(pkt, ia, ip, oa, op);
}

/* Rewrite end `which' of the packet with end `from' of key. */
static inline int
rewrite_from_key(struct npfct_pkt *pkt, int which, const uint32_t *key,
		int from)
{
	union npfct_addr a;
	rte_be16_t id;

	key_end(key, pkt->alen, from, &a, &id);
	return rewrite(pkt, which, &a, id);
}

/* npfct_nat_translate() on checked arguments (the burst's loop body). */
static inline int
translate_one(struct npfct_pkt *pkt, struct npfct_conn *con, int di)
{
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);
	bool forw;

	/* Only keys the engine translated, of the packet's family. */
	if ((flags & (CONN_NATENG | CONN_NATKEY)) !=
	    (CONN_NATENG | CONN_NATKEY) || con->c_alen != pkt->alen)
		return 0;
	if (unlikely(pkt->flags & NPFCT_PKT_ICMP_ERR))
		return translate_error(pkt, con, flags);
	forw = (int)(flags & NPFCT_DIR_MASK) == di;
	if (flags & CONN_NATIN) {
		/* Forwards: the destination becomes the inside server. */
		if (forw)
			return rewrite_from_key(pkt, NPFCT_DST,
			    npfct_conn_bkey(con), NPFCT_SRC);
		/* The server's answers get the outside address back. */
		return rewrite_from_key(pkt, NPFCT_SRC, npfct_conn_fkey(con),
		    NPFCT_DST);
	}
	/* Forwards: the source becomes the backwards key's destination. */
	if (forw)
		return rewrite_from_key(pkt, NPFCT_SRC, npfct_conn_bkey(con),
		    NPFCT_DST);
	/* The destination gets the forwards key's source back. */
	return rewrite_from_key(pkt, NPFCT_DST, npfct_conn_fkey(con),
	    NPFCT_SRC);
}

int
npfct_nat_translate(struct npfct *ct, struct npfct_pkt *pkt,
		struct npfct_conn *con, int di)
{
	if (ct == NULL || pkt == NULL || con == NULL)
		return -EINVAL;
	return translate_one(pkt, con, di);
}

uint16_t
npfct_nat_translate_burst(struct npfct *ct, struct npfct_pkt *pkts,
		struct npfct_conn **conns, uint16_t n, int di)
{
	uint16_t i, done = 0;

	if (ct == NULL || pkts == NULL || conns == NULL)
		return 0;
	/*
	 * The keys are past the connection's first cache line, which is
	 * all the lookup reads (npfct_inspect_burst() prefetches them too
	 * in an instance with max_nat_conns): fetch them for the whole
	 * burst first.
	 */
	for (i = 0; i < n; i++)
		if (conns[i] != NULL)
			npfct_conn_prefetch_keys(conns[i],
			    npfct_af_index(pkts[i].alen));
	for (i = 0; i < n; i++)
		if (conns[i] != NULL &&
		    translate_one(&pkts[i], conns[i], di) == 1)
			done++;
	return done;
}
