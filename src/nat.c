/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: policies and the allocation of translated addresses
 * and ports for new connections.
 *
 * Overview
 *
 *	A mapping is not a separate object: it is the connection's pair of
 *	keys.  For source NAT the backwards key's destination is the
 *	translated address and port (replies come to it), the forwards key
 *	keeps the original; npfct_conn_nat_bind() (conn.c) gives the
 *	connection that backwards key and its second table entry.  So
 *
 *	  - uniqueness is the connection table's: a port is free for a
 *	    destination if no connection has the translated backwards key,
 *	    which includes the remote endpoint and the protocol: ports are
 *	    reused across destinations (endpoint-dependent, as Linux, OVS
 *	    and VPP; NPF's per-address bitmap allows ~48k connections per
 *	    address in all), and ICMP query ids are translated like ports;
 *	  - a port is released when the connection's entries are removed,
 *	    and is exported and imported with the keys;
 *	  - no allocator state is shared between lcores: a probe is an
 *	    insert into the table (rte_hash's own lock-free readers and
 *	    its per-bucket insert locks, conndb.c), nothing else.
 *
 *	Allocation (nat_alloc()): the original port first if it is in the
 *	range (port preservation), on the paired address (the source
 *	address's hash picks it: one inside host keeps one outside address,
 *	RFC 6888 REQ-2) unless NPFCT_NATF_ADDR_BY_FLOW; then up to
 *	NPFCT_NAT_PROBES (248) probes in all: 128 on that address from a
 *	random port onwards, the rest spread over the other addresses, each
 *	a run of consecutive ports from a random start (so every port of
 *	the range can be reached, whatever the range's length: NPF's probe
 *	step min_port + 1 reaches only part of some ranges).  When every
 *	probe fails the connection is refused (counter, NAT event with
 *	reason EXHAUSTED): never address-only NAT, never an eviction.
 *
 *	Policies live in an immutable table published with RCU; a removed
 *	policy stays allocated until the instance is destroyed, because
 *	the connections it translated point to it (c_nat, for listings).
 *
 *	Destination NAT (port forwarding) binds the inside address and port
 *	(npfct_conn_nat_bind() with NPFCT_NAT_IN: the backwards key's
 *	source), with no search: a client port already in use towards the
 *	inside server refuses the connection.
 *
 * Synchronisation
 *
 *	npfct_nat_policy_add/del: control thread, under nat_lock; del waits
 *	for a grace period (urcu_qsbr_synchronize_rcu(): the caller must
 *	not be an online QSBR reader).  npfct_nat_establish(): datapath
 *	lcores, reads the table with an acquire load (rcu_dereference()).
 *
 * Lock order
 *
 *	npfct_nat::nat_lock (control only, nothing taken under it)
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_random.h>
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
		rte_free(p);
	}
	rte_free(nat->nat_table);
	pthread_mutex_destroy(&nat->nat_lock);
	rte_free(nat);
	ct->ct_nat = NULL;
}

static int
conf_check(const struct npfct_nat_policy_conf *c)
{
	uint32_t first, last;

	if (c->type != NPFCT_NAT_SNAT && c->type != NPFCT_NAT_DNAT)
		return -EINVAL;
	if (c->type == NPFCT_NAT_DNAT) {
		if (c->proto == IPPROTO_ICMP || c->pool_first != c->pool_last)
			return -EINVAL;
		if ((c->match_port_min != 0 || c->match_port_max != 0) &&
		    (c->match_port_min == 0 ||
		    c->match_port_min > c->match_port_max))
			return -EINVAL;
		/* The inside ports must not pass 65535. */
		if (c->port_min != 0 && (uint32_t)c->port_min +
		    (uint32_t)(c->match_port_max - c->match_port_min) > 65535)
			return -EINVAL;
		if ((c->port_min == 0 && c->port_max != 0) ||
		    (c->port_min != 0 && c->match_port_min == 0))
			return -EINVAL;
		return c->match_plen > 32 ? -EINVAL : 0;
	}
	if (c->match_port_min != 0 || c->match_port_max != 0)
		return -EINVAL;
	if ((c->flags & ~(NPFCT_NATF_NO_PRESERVE | NPFCT_NATF_ADDR_BY_FLOW))
	    != 0)
		return -EINVAL;
	if (c->proto != 0 && c->proto != IPPROTO_TCP &&
	    c->proto != IPPROTO_UDP && c->proto != IPPROTO_ICMP)
		return -EINVAL;
	if (c->match_plen > 32)
		return -EINVAL;
	first = rte_be_to_cpu_32(c->pool_first);
	last = rte_be_to_cpu_32(c->pool_last);
	if (first > last || (uint64_t)last - first + 1 > NPFCT_NAT_POOL_MAX)
		return -EINVAL;
	if ((c->port_min != 0 || c->port_max != 0) &&
	    (c->port_min == 0 || c->port_min > c->port_max))
		return -EINVAL;
	return 0;
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
	ret = conf_check(c);
	if (ret != 0)
		return ret;
	nat = ct->ct_nat;
	p = rte_zmalloc_socket("npfct_nat_policy", sizeof(*p),
	    RTE_CACHE_LINE_SIZE, ct->ct_socket);
	if (p == NULL)
		return -ENOMEM;
	p->np_type = c->type;
	p->np_flags = c->flags;
	p->np_zone = c->zone;
	p->np_proto = c->proto;
	p->np_mask = c->match_plen == 0 ? 0 :
	    ~0u << (32 - c->match_plen);
	p->np_match = rte_be_to_cpu_32(c->match) & p->np_mask;
	p->np_pool_first = rte_be_to_cpu_32(c->pool_first);
	p->np_pool_n = rte_be_to_cpu_32(c->pool_last) - p->np_pool_first + 1;
	if (c->type == NPFCT_NAT_DNAT) {
		p->np_port_min = c->port_min;
		p->np_mport_min = c->match_port_min != 0 ?
		    c->match_port_min : 1;
		p->np_mport_max = c->match_port_max != 0 ?
		    c->match_port_max : 65535;
	} else {
		p->np_port_min = c->port_min != 0 ? c->port_min : 1024;
		p->np_port_max = c->port_max != 0 ? c->port_max : 65535;
	}

	pthread_mutex_lock(&nat->nat_lock);
	t = nat->nat_table;
	if (t != NULL) {
		n = t->nt_n;
		memcpy(list, t->nt_p, n * sizeof(list[0]));
	}
	if (n == NPFCT_NAT_POLICIES_MAX) {
		pthread_mutex_unlock(&nat->nat_lock);
		rte_free(p);
		return -ENOSPC;
	}
	p->np_id = nat->nat_next_id;
	list[n++] = p;
	ret = table_publish(ct, list, n);
	if (ret != 0) {
		pthread_mutex_unlock(&nat->nat_lock);
		rte_free(p);
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

/* Whether a DNAT policy applies to an inbound packet. */
static bool
dnat_match(const struct npfct_nat_policy *p, const struct npfct_pkt *pkt)
{
	const uint32_t dst = rte_be_to_cpu_32(pkt->dst.a32[0]);
	const uint16_t dport = rte_be_to_cpu_16(pkt->dport);

	if ((dst & p->np_mask) != p->np_match || dport < p->np_mport_min ||
	    dport > p->np_mport_max)
		return false;
	return p->np_proto != 0 ? p->np_proto == pkt->proto :
	    (pkt->proto == IPPROTO_TCP || pkt->proto == IPPROTO_UDP);
}

/* The first policy of the table that applies to the packet, or NULL. */
static const struct npfct_nat_policy *
policy_match(const struct npfct_nat_table *t, const struct npfct_pkt *pkt,
		int di)
{
	const uint32_t src = rte_be_to_cpu_32(pkt->src.a32[0]);
	unsigned int i;

	if (pkt->alen != 4)
		return NULL;
	for (i = 0; i < t->nt_n; i++) {
		const struct npfct_nat_policy *p = t->nt_p[i];

		if (p->np_zone != pkt->zone)
			continue;
		if (p->np_type == NPFCT_NAT_DNAT) {
			if (di == NPFCT_DIR_IN && dnat_match(p, pkt))
				return p;
			continue;
		}
		if (di != NPFCT_DIR_OUT || (src & p->np_mask) != p->np_match)
			continue;
		if (p->np_proto != 0 ? p->np_proto == pkt->proto :
		    (pkt->proto == IPPROTO_TCP || pkt->proto == IPPROTO_UDP ||
		    pkt->proto == IPPROTO_ICMP))
			return p;
	}
	return NULL;
}

/* One probe: bind con to (address index a, port). */
static int
probe(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_nat_policy *p, uint32_t a, uint16_t port)
{
	union npfct_addr taddr;

	memset(&taddr, 0, sizeof(taddr));
	taddr.a32[0] = rte_cpu_to_be_32(p->np_pool_first + a);
	return npfct_conn_nat_bind(ct, con, (void *)(uintptr_t)p,
	    NPFCT_NAT_OUT, &taddr, rte_cpu_to_be_16(port));
}

/*
 * nat_alloc: find the connection a translated address and port.
 *
 * => Returns 0, -EADDRNOTAVAIL after NPFCT_NAT_PROBES failed probes,
 *    -ENOSPC (no room in the table), -EINVAL.
 */
static int
nat_alloc(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p)
{
	const bool icmp = pkt->proto == IPPROTO_ICMP;
	const uint32_t pmin = icmp ? 0 : p->np_port_min;
	const uint32_t range = icmp ? 65536 : (uint32_t)p->np_port_max -
	    p->np_port_min + 1;
	const uint32_t oport = rte_be_to_cpu_16(pkt->sport);
	uint32_t first, a, i, start, budget, used = 0;
	int ret;

	if ((p->np_flags & NPFCT_NATF_ADDR_BY_FLOW) != 0)
		first = rte_hash_crc_4byte(pkt->dst.a32[0],
		    rte_hash_crc_4byte(pkt->src.a32[0], 0)) % p->np_pool_n;
	else
		first = rte_hash_crc_4byte(pkt->src.a32[0], 0) % p->np_pool_n;

	if ((p->np_flags & NPFCT_NATF_NO_PRESERVE) == 0 &&
	    oport - pmin < range) {
		ret = probe(ct, con, p, first, (uint16_t)oport);
		used++;
		if (ret != -EADDRINUSE)
			return ret;
	}
	for (a = 0; a < p->np_pool_n && used < NPFCT_NAT_PROBES; a++) {
		const uint32_t ai = (first + a) % p->np_pool_n;

		if (a == 0)
			budget = NPFCT_NAT_PROBES_FIRST;
		else
			budget = RTE_MAX(1u, (NPFCT_NAT_PROBES - used) /
			    (p->np_pool_n - a));
		budget = RTE_MIN(budget, NPFCT_NAT_PROBES - used);
		budget = RTE_MIN(budget, range);
		start = (uint32_t)(rte_rand() % range);
		for (i = 0; i < budget; i++) {
			ret = probe(ct, con, p, ai,
			    (uint16_t)(pmin + (start + i) % range));
			used++;
			if (ret != -EADDRINUSE)
				return ret;
		}
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
	taddr.a32[0] = rte_cpu_to_be_32(p->np_pool_first);
	tport = p->np_port_min != 0 ?
	    (uint16_t)(p->np_port_min + (dport - p->np_mport_min)) : dport;
	ret = npfct_conn_nat_bind(ct, con, (void *)(uintptr_t)p,
	    NPFCT_NAT_IN, &taddr, rte_cpu_to_be_16(tport));
	return ret == -EADDRINUSE ? -EADDRNOTAVAIL : ret;
}

int
npfct_nat_establish(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, int di)
{
	const struct npfct_nat_table *t;
	const struct npfct_nat_policy *p;
	int ret;

	if (ct == NULL || pkt == NULL || con == NULL)
		return -EINVAL;
	/* rcu_dereference(): pairs with table_publish()'s release. */
	t = __atomic_load_n(&ct->ct_nat->nat_table, __ATOMIC_ACQUIRE);
	if (t == NULL || (p = policy_match(t, pkt, di)) == NULL)
		return 0;
	if ((pkt->flags & NPFCT_PKT_L4) == 0 || (pkt->proto == IPPROTO_ICMP &&
	    (pkt->flags & NPFCT_PKT_ICMP_QUERY) == 0))
		return 0;
	ret = p->np_type == NPFCT_NAT_DNAT ? dnat_bind(ct, pkt, con, p) :
	    nat_alloc(ct, pkt, con, p);
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

int
npfct_nat_translate(struct npfct *ct, struct npfct_pkt *pkt,
		struct npfct_conn *con, int di)
{
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);
	const uint32_t *key;
	union npfct_addr a;
	rte_be16_t sid, did;
	union npfct_addr b;
	bool forw;

	if (ct == NULL || pkt == NULL || con == NULL)
		return -EINVAL;
	/* Only keys the engine translated (IPv4). */
	if ((flags & (CONN_NATENG | CONN_NATKEY)) !=
	    (CONN_NATENG | CONN_NATKEY) || con->c_alen != 4 ||
	    pkt->alen != 4)
		return 0;
	forw = (int)(flags & NPFCT_DIR_MASK) == di;
	if (unlikely(pkt->flags & NPFCT_PKT_ICMP_ERR)) {
		/* A related error: the quoted packet and the outer header. */
		rte_be16_t fs, fd, bs, bd;
		union npfct_addr f1, f2, b1, b2;

		npfct_connkey_split(npfct_conn_fkey(con), &f1, &f2, &fs, &fd);
		npfct_connkey_split(npfct_conn_bkey(con), &b1, &b2, &bs, &bd);
		if (flags & CONN_NATIN)
			/* Inside: the server (backwards source). */
			return npfct_nat_rewrite4_icmp_err(pkt, b1.a32[0], bs,
			    f2.a32[0], fd);
		/* Inside: the original source; outside: the translated. */
		return npfct_nat_rewrite4_icmp_err(pkt, f1.a32[0], fs,
		    b2.a32[0], bd);
	}
	if (flags & CONN_NATIN) {
		if (forw) {
			/* The destination becomes the inside server. */
			key = npfct_conn_bkey(con);
			npfct_connkey_split(key, &a, &b, &sid, &did);
			return npfct_nat_rewrite4(pkt, NPFCT_DST, a.a32[0],
			    sid);
		}
		/* The server's answers get the outside address back. */
		key = npfct_conn_fkey(con);
		npfct_connkey_split(key, &a, &b, &sid, &did);
		return npfct_nat_rewrite4(pkt, NPFCT_SRC, b.a32[0], did);
	}
	if (forw) {
		/* The source becomes the backwards key's destination. */
		key = npfct_conn_bkey(con);
		npfct_connkey_split(key, &a, &b, &sid, &did);
		return npfct_nat_rewrite4(pkt, NPFCT_SRC, b.a32[0], did);
	}
	/* The destination gets the forwards key's source back. */
	key = npfct_conn_fkey(con);
	npfct_connkey_split(key, &a, &b, &sid, &did);
	return npfct_nat_rewrite4(pkt, NPFCT_DST, a.a32[0], sid);
}

uint16_t
npfct_nat_translate_burst(struct npfct *ct, struct npfct_pkt *pkts,
		struct npfct_conn **conns, uint16_t n, int di)
{
	uint16_t i, done = 0;

	for (i = 0; i < n; i++)
		if (conns[i] != NULL &&
		    npfct_nat_translate(ct, &pkts[i], conns[i], di) == 1)
			done++;
	return done;
}
