/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: endpoint-independent mapping (RFC 4787 REQ-1) and the
 * hold time before a translated port is reused (RFC 6888 REQ-8).
 *
 * Overview
 *
 *	With NPFCT_NATF_EIM a source NAT policy gives every inside endpoint
 *	(zone, protocol, address, port or ICMP id) one outside address and
 *	port for all its destinations, as long as it has connections, and
 *	that outside address and port belong to it alone.  A binding holds
 *	the pair and the number of connections that use it (nb_refs); it is
 *	found by two keys in the policy's own rte_hash (lock-free readers,
 *	keyed hash as the connection table): its inside endpoint and its
 *	outside address and port.
 *
 *	New connection (npfct_nat_eim_alloc(), datapath): look the inside
 *	key up; a live binding (nb_refs > 0) is shared by a compare-and-swap
 *	that never raises 0, so a binding the G/C is removing cannot come
 *	back.  Otherwise, under the inside key's stripe lock: look again
 *	(another lcore may have made it, or it is held with no connection:
 *	then its count is raised under the lock, which the G/C also takes
 *	to remove it), or make one: the outside address and port are
 *	searched as snat_alloc() does (original port first, the paired
 *	address, 248 probes), each candidate taken by inserting its outside
 *	key under the outside key's stripe lock after a lookup (rte_hash's
 *	add would overwrite).  Then the connection is bound to the pair
 *	(npfct_conn_nat_bind()); a clash in the connection table (another
 *	policy's endpoint-dependent connection to the same destination)
 *	refuses the connection.
 *
 *	Stripe locks: NPFCT_EIM_STRIPES per key kind, chosen by the key's
 *	hash; only the first connection of an endpoint takes them, so
 *	lcores rarely meet (no lock shared by all of them; rte_hash's own
 *	insert lock is the connection table's situation too).
 *
 *	Release (npfct_nat_eim_release(), from npfct_conn_destroy(): G/C):
 *	the count drops; at 0 the binding is put on the policy's hold list
 *	until hold_ms have passed, so that no other endpoint gets the port
 *	meanwhile (its owner may take it again).  npfct_nat_gc() (each G/C
 *	step) removes the bindings whose hold is over and still unused,
 *	under their inside stripe lock, and frees them and their key slots
 *	after a grace period (the G/C's tickets).
 *
 * Synchronisation
 *
 *	nb_refs: atomic.  Lookups: lock-free (rte_hash RW_CONCURRENCY_LF),
 *	datapath lcores with an lcore id and online QSBR readers.  The hold
 *	and dead lists: the G/C only (ct_gc_lock).  nb_dead is set under
 *	the inside stripe lock and read under it.
 *
 * Lock order
 *
 *	ne_in_lock[i] -> ne_out_lock[j] -> (rte_hash's) ;
 *	ct_gc_lock -> ne_in_lock[i]
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_random.h>

#include "npfct_hash.h"
#include "npfct_nat_impl.h"

#define NPFCT_EIM_STRIPES	64

/* A binding key: 32 bytes. */
struct eim_key {
	uint16_t	ek_zone;
	uint8_t		ek_proto;
	uint8_t		ek_kind;	/* 0 inside, 1 outside */
	rte_be16_t	ek_port;
	uint16_t	ek_pad;
	uint32_t	ek_pad2[2];
	union npfct_addr ek_addr;
};

struct npfct_nat_binding {
	struct eim_key	nb_in;
	struct eim_key	nb_out;
	uint32_t	nb_refs;	/* atomic: connections */
	bool		nb_dead;	/* removed (inside stripe lock) */
	bool		nb_held;	/* on the hold list (G/C) */
	bool		nb_ondead;	/* on the dead list (G/C) */
	uint64_t	nb_until;	/* hold ends, ns (G/C) */
	uint64_t	nb_ticket;	/* grace period before free (G/C) */
	int32_t		nb_pos_in, nb_pos_out; /* key slots, or -1 */
	struct npfct_nat_binding *nb_next; /* hold or dead list (G/C) */
	/* The orphan stack: pushed by a datapath lcore, taken by the G/C. */
	struct npfct_nat_binding *nb_onext;
	uint8_t		nb_orphan;	/* atomic: on the stack */
};

struct npfct_nat_eim {
	struct rte_hash	*ne_hash;
	struct rte_mempool *ne_pool;
	struct npfct_hash ne_hkey;
	uint64_t	ne_hold_ns;
	rte_spinlock_t	ne_in_lock[NPFCT_EIM_STRIPES];
	rte_spinlock_t	ne_out_lock[NPFCT_EIM_STRIPES];
	/* Bindings a datapath lcore left at 0 connections (lock-free push,
	 * the G/C takes the whole stack). */
	struct npfct_nat_binding *ne_orphans;
	/* G/C only. */
	struct npfct_nat_binding *ne_hold;
	struct npfct_nat_binding *ne_dead;
	uint64_t	ne_bindings;	/* relaxed: live ones, for telemetry */
	struct npfct_nat_eim *ne_next;	/* the instance's (immutable) */
};

int
npfct_nat_eim_create(struct npfct *ct, struct npfct_nat_policy *p,
		uint32_t max, uint32_t hold_ms)
{
	static unsigned int seq;
	struct npfct_nat_eim *ne;
	char name[RTE_HASH_NAMESIZE];
	unsigned int i, id;
	int ret;

	ne = rte_zmalloc_socket("npfct_nat_eim", sizeof(*ne),
	    RTE_CACHE_LINE_SIZE, ct->ct_socket);
	if (ne == NULL)
		return -ENOMEM;
	ret = npfct_hash_init(&ne->ne_hkey, ct->ct_hash_func,
	    (ct->ct_flags & NPFCT_F_FIXED_HASH_SEED) != 0);
	if (ret != 0) {
		rte_free(ne);
		return ret;
	}
	id = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
	snprintf(name, sizeof(name), "npfct_eim%u", id);
	{
		struct rte_hash_parameters hp = {
			.name = name,
			.entries = RTE_MAX(2 * max, 64u),
			.key_len = sizeof(struct eim_key),
			.socket_id = ct->ct_socket,
			.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			    RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
			    RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
		};

		ne->ne_hash = rte_hash_create(&hp);
	}
	snprintf(name, sizeof(name), "npfct_eimb%u", id);
	ne->ne_pool = rte_mempool_create(name, RTE_MAX(max, 64u),
	    sizeof(struct npfct_nat_binding), 32, 0, NULL, NULL, NULL, NULL,
	    ct->ct_socket, 0);
	if (ne->ne_hash == NULL || ne->ne_pool == NULL) {
		rte_hash_free(ne->ne_hash);
		rte_mempool_free(ne->ne_pool);
		rte_free(ne);
		return -ENOMEM;
	}
	for (i = 0; i < NPFCT_EIM_STRIPES; i++) {
		rte_spinlock_init(&ne->ne_in_lock[i]);
		rte_spinlock_init(&ne->ne_out_lock[i]);
	}
	ne->ne_hold_ns = (uint64_t)hold_ms * 1000000ull;
	p->np_eim = ne;
	return 0;
}

void
npfct_nat_eim_destroy(struct npfct_nat_policy *p)
{
	struct npfct_nat_eim *ne = p->np_eim;

	if (ne == NULL)
		return;
	/* No reader and no connection is left: the pool goes whole. */
	rte_hash_free(ne->ne_hash);
	rte_mempool_free(ne->ne_pool);
	rte_free(ne);
	p->np_eim = NULL;
}

static inline hash_sig_t
key_sig(const struct npfct_nat_eim *ne, const struct eim_key *k)
{
	return npfct_hash_sig(&ne->ne_hkey, k, sizeof(*k));
}

static void
key_make(struct eim_key *k, uint16_t zone, uint8_t proto, uint8_t kind,
		const union npfct_addr *a, unsigned int alen, rte_be16_t port)
{
	memset(k, 0, sizeof(*k));
	k->ek_zone = zone;
	k->ek_proto = proto;
	k->ek_kind = kind;
	k->ek_port = port;
	memcpy(&k->ek_addr, a, alen);
}

static struct npfct_nat_binding *
lookup(const struct npfct_nat_eim *ne, const struct eim_key *k, hash_sig_t h)
{
	void *data;

	if (rte_hash_lookup_with_hash_data(ne->ne_hash, k, h, &data) < 0)
		return NULL;
	return data;
}

/* Share a live binding: raise a count that is not 0. */
static bool
ref_live(struct npfct_nat_binding *b)
{
	uint32_t n = __atomic_load_n(&b->nb_refs, __ATOMIC_RELAXED);

	while (n != 0)
		if (__atomic_compare_exchange_n(&b->nb_refs, &n, n + 1, true,
		    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

/*
 * take_out: take an outside address and port for b (its nb_out key is
 * set): insert the outside key if no binding has it.
 *
 * => Returns 0, -EADDRINUSE, -ENOSPC.
 */
static int
take_out(struct npfct_nat_eim *ne, struct npfct_nat_binding *b)
{
	const hash_sig_t h = key_sig(ne, &b->nb_out);
	rte_spinlock_t *l = &ne->ne_out_lock[h % NPFCT_EIM_STRIPES];
	int32_t pos;
	int ret = 0;

	rte_spinlock_lock(l);
	if (rte_hash_lookup_with_hash(ne->ne_hash, &b->nb_out, h) >= 0) {
		ret = -EADDRINUSE;
	} else {
		pos = rte_hash_add_key_with_hash_data(ne->ne_hash, &b->nb_out,
		    h, b);
		if (pos != 0)
			ret = -ENOSPC;
		else
			b->nb_pos_out = rte_hash_lookup_with_hash(ne->ne_hash,
			    &b->nb_out, h);
	}
	rte_spinlock_unlock(l);
	return ret;
}

/*
 * eim_search: the outside address and port of a new binding, searched as
 * snat_alloc() searches (nat_alloc.c), each candidate taken in the
 * binding table.
 */
static int
eim_search(struct npfct_nat_eim *ne, const struct npfct_pkt *pkt,
		const struct npfct_nat_policy *p, struct npfct_nat_binding *b)
{
	const bool icmp = pkt->proto == IPPROTO_ICMP ||
	    pkt->proto == IPPROTO_ICMPV6;
	const uint32_t pmin = icmp ? 0 : p->np_port_min;
	const uint32_t range = icmp ? 65536 : (uint32_t)p->np_port_max -
	    p->np_port_min + 1;
	const uint32_t oport = rte_be_to_cpu_16(pkt->sport);
	const unsigned int lw = p->np_alen / 4 - 1;
	uint32_t first, a, i, start, budget, used = 0;
	union npfct_addr addr;
	int ret;

	first = npfct_nat_pool_first(p, pkt);
	addr = p->np_pool;
#define TRY(ai, port) do {						\
	addr.a32[lw] = rte_cpu_to_be_32(rte_be_to_cpu_32(		\
	    p->np_pool.a32[lw]) + (ai));				\
	key_make(&b->nb_out, pkt->zone, pkt->proto, 1, &addr,		\
	    p->np_alen, rte_cpu_to_be_16(port));			\
	ret = take_out(ne, b);						\
	used++;								\
	if (ret != -EADDRINUSE)						\
		return ret;						\
} while (0)
	if ((p->np_flags & NPFCT_NATF_NO_PRESERVE) == 0 &&
	    oport - pmin < range)
		TRY(first, (uint16_t)oport);
	for (a = 0; a < p->np_pool_n && used < NPFCT_NAT_PROBES; a++) {
		const uint32_t ai = (first + a) % p->np_pool_n;

		budget = a == 0 ? NPFCT_NAT_PROBES_FIRST :
		    RTE_MAX(1u, (NPFCT_NAT_PROBES - used) / (p->np_pool_n - a));
		budget = RTE_MIN(budget, NPFCT_NAT_PROBES - used);
		budget = RTE_MIN(budget, range);
		start = (uint32_t)(rte_rand() % range);
		for (i = 0; i < budget; i++)
			TRY(ai, (uint16_t)(pmin + (start + i) % range));
	}
#undef TRY
	return -EADDRNOTAVAIL;
}

/* Give a binding left at 0 connections (or dead) to the G/C. */
static void
orphan_push(struct npfct_nat_eim *ne, struct npfct_nat_binding *b)
{
	uint8_t no = 0;

	if (!__atomic_compare_exchange_n(&b->nb_orphan, &no, 1, false,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;		/* on the stack already */
	b->nb_onext = __atomic_load_n(&ne->ne_orphans, __ATOMIC_RELAXED);
	/* Release: the G/C that takes the stack sees nb_onext. */
	while (!__atomic_compare_exchange_n(&ne->ne_orphans, &b->nb_onext, b,
	    true, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

/*
 * binding_get: the binding of the packet's inside endpoint, with one more
 * connection counted; made if there is none.
 *
 * => Returns 0 and *bp, -EADDRNOTAVAIL, -ENOSPC.
 */
static int
binding_get(struct npfct *ct, struct npfct_nat_eim *ne,
		const struct npfct_pkt *pkt, const struct npfct_nat_policy *p,
		struct npfct_nat_binding **bp)
{
	struct npfct_nat_binding *b;
	struct eim_key kin;
	hash_sig_t h;
	rte_spinlock_t *l;
	int32_t pos;
	int ret;

	key_make(&kin, pkt->zone, pkt->proto, 0, &pkt->src, pkt->alen,
	    pkt->sport);
	h = key_sig(ne, &kin);
	b = lookup(ne, &kin, h);
	if (b != NULL && ref_live(b)) {
		*bp = b;
		return 0;
	}
	l = &ne->ne_in_lock[h % NPFCT_EIM_STRIPES];
	rte_spinlock_lock(l);
	b = lookup(ne, &kin, h);
	if (b != NULL && !b->nb_dead) {
		/* Made meanwhile, or held without connections. */
		__atomic_fetch_add(&b->nb_refs, 1, __ATOMIC_ACQUIRE);
		rte_spinlock_unlock(l);
		*bp = b;
		return 0;
	}
	if (rte_mempool_get(ne->ne_pool, (void **)&b) != 0) {
		rte_spinlock_unlock(l);
		return -EADDRNOTAVAIL;
	}
	memset(b, 0, sizeof(*b));
	b->nb_pos_in = b->nb_pos_out = -1;
	b->nb_in = kin;
	b->nb_refs = 1;
	ret = eim_search(ne, pkt, p, b);
	if (ret != 0) {
		rte_spinlock_unlock(l);
		rte_mempool_put(ne->ne_pool, b);
		return ret == -EADDRINUSE ? -EADDRNOTAVAIL : ret;
	}
	pos = rte_hash_add_key_with_hash_data(ne->ne_hash, &kin, h, b);
	if (pos != 0) {
		/* No room: give the outside key back (never published). */
		const hash_sig_t ho = key_sig(ne, &b->nb_out);
		rte_spinlock_t *lo = &ne->ne_out_lock[ho % NPFCT_EIM_STRIPES];

		rte_spinlock_lock(lo);
		rte_hash_del_key_with_hash(ne->ne_hash, &b->nb_out, ho);
		rte_spinlock_unlock(lo);
		b->nb_dead = true;
		b->nb_refs = 0;
		rte_spinlock_unlock(l);
		/* Its outside key's slot waits for a grace period. */
		orphan_push(ne, b);
		*bp = NULL;
		return -ENOSPC;
	}
	b->nb_pos_in = rte_hash_lookup_with_hash(ne->ne_hash, &kin, h);
	__atomic_fetch_add(&ne->ne_bindings, 1, __ATOMIC_RELAXED);
	rte_spinlock_unlock(l);
	*bp = b;
	return 0;
}

int
npfct_nat_eim_alloc(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p)
{
	struct npfct_nat_eim *ne = p->np_eim;
	struct npfct_nat_binding *b;
	union npfct_addr addr;
	int ret;

	ret = binding_get(ct, ne, pkt, p, &b);
	if (ret != 0)
		return ret;
	memset(&addr, 0, sizeof(addr));
	memcpy(&addr, &b->nb_out.ek_addr, p->np_alen);
	ret = npfct_conn_nat_bind(ct, con, (void *)(uintptr_t)p,
	    NPFCT_NAT_OUT, &addr, b->nb_out.ek_port);
	if (ret != 0) {
		/* The connection does not hold it: the G/C releases it. */
		npfct_nat_eim_unref(ne, b);
		return ret == -EADDRINUSE ? -EADDRNOTAVAIL : ret;
	}
	return 0;
}

/*
 * npfct_nat_eim_unref: the datapath's count drop (a bind that failed): at
 * 0 the G/C is told through the orphan stack (the lists are its own).
 */
void
npfct_nat_eim_unref(struct npfct_nat_eim *ne, struct npfct_nat_binding *b)
{
	if (__atomic_sub_fetch(&b->nb_refs, 1, __ATOMIC_RELEASE) == 0)
		orphan_push(ne, b);
}

/* The G/C's: put a binding without connections on the hold list. */
static void
hold(struct npfct_nat_eim *ne, struct npfct_nat_binding *b, uint64_t now)
{
	b->nb_until = now + ne->ne_hold_ns;
	if (!b->nb_held) {
		b->nb_held = true;
		b->nb_next = ne->ne_hold;
		ne->ne_hold = b;
	}
}

void
npfct_nat_eim_release(struct npfct *ct, struct npfct_conn *con)
{
	const struct npfct_nat_policy *p = con->c_nat;
	struct npfct_nat_eim *ne = p->np_eim;
	struct npfct_nat_binding *b;
	union npfct_addr src, dst;
	rte_be16_t sid, did;
	struct eim_key kin;

	npfct_connkey_split(npfct_conn_fkey(con), &src, &dst, &sid, &did);
	key_make(&kin, npfct_connkey_zone(npfct_conn_fkey(con)),
	    con->c_proto, 0, &src, con->c_alen, sid);
	b = lookup(ne, &kin, key_sig(ne, &kin));
	if (b == NULL)
		return;
	if (__atomic_sub_fetch(&b->nb_refs, 1, __ATOMIC_RELEASE) == 0)
		hold(ne, b, npfct_clock_ns(ct));
}

/*
 * eim_gc: free the dead bindings whose grace period is over; remove the
 * held ones whose hold is over and that nothing took again.
 */
static void
eim_gc(struct npfct *ct, struct npfct_nat_eim *ne, uint64_t done,
		uint64_t now)
{
	struct npfct_nat_binding *b, **bp, *o;

	/* Acquire: pairs with orphan_push()'s release. */
	o = __atomic_exchange_n(&ne->ne_orphans, NULL, __ATOMIC_ACQUIRE);
	while ((b = o) != NULL) {
		o = b->nb_onext;
		__atomic_store_n(&b->nb_orphan, 0, __ATOMIC_RELAXED);
		if (b->nb_ondead) {
			continue;	/* killed meanwhile: freed below */
		} else if (b->nb_dead) {
			/* Never published by its inside key. */
			b->nb_ondead = true;
			b->nb_ticket = npfct_gc_gp_request(ct);
			b->nb_next = ne->ne_dead;
			ne->ne_dead = b;
		} else if (__atomic_load_n(&b->nb_refs,
		    __ATOMIC_ACQUIRE) == 0) {
			hold(ne, b, now);
		}
	}
	for (bp = &ne->ne_dead; (b = *bp) != NULL;) {
		if (b->nb_ticket > done) {
			bp = &b->nb_next;
			continue;
		}
		*bp = b->nb_next;
		if (b->nb_pos_in >= 0)
			rte_hash_free_key_with_position(ne->ne_hash,
			    b->nb_pos_in);
		if (b->nb_pos_out >= 0)
			rte_hash_free_key_with_position(ne->ne_hash,
			    b->nb_pos_out);
		rte_mempool_put(ne->ne_pool, b);
	}
	for (bp = &ne->ne_hold; (b = *bp) != NULL;) {
		const hash_sig_t h = key_sig(ne, &b->nb_in);
		rte_spinlock_t *l = &ne->ne_in_lock[h % NPFCT_EIM_STRIPES];
		const hash_sig_t ho = key_sig(ne, &b->nb_out);
		rte_spinlock_t *lo = &ne->ne_out_lock[ho % NPFCT_EIM_STRIPES];

		if (__atomic_load_n(&b->nb_refs, __ATOMIC_ACQUIRE) != 0) {
			/* Taken again: off the list. */
			b->nb_held = false;
			*bp = b->nb_next;
			continue;
		}
		if ((int64_t)(now - b->nb_until) < 0) {
			bp = &b->nb_next;
			continue;
		}
		rte_spinlock_lock(l);
		if (__atomic_load_n(&b->nb_refs, __ATOMIC_ACQUIRE) != 0) {
			rte_spinlock_unlock(l);
			continue;	/* the next pass takes it off */
		}
		b->nb_dead = true;
		rte_hash_del_key_with_hash(ne->ne_hash, &b->nb_in, h);
		rte_spinlock_lock(lo);
		rte_hash_del_key_with_hash(ne->ne_hash, &b->nb_out, ho);
		rte_spinlock_unlock(lo);
		rte_spinlock_unlock(l);
		__atomic_fetch_sub(&ne->ne_bindings, 1, __ATOMIC_RELAXED);
		b->nb_held = false;
		*bp = b->nb_next;
		b->nb_ondead = true;
		b->nb_ticket = npfct_gc_gp_request(ct);
		b->nb_next = ne->ne_dead;
		ne->ne_dead = b;
	}
}

void
npfct_nat_gc(struct npfct *ct, bool synced)
{
	struct npfct_nat_eim *ne;
	const uint64_t done = synced ? UINT64_MAX : npfct_gc_gp_completed(ct);
	const uint64_t now = npfct_clock_ns(ct);

	/* Acquire: pairs with npfct_nat_eim_publish()'s release. */
	for (ne = __atomic_load_n(&ct->ct_nat->nat_eim, __ATOMIC_ACQUIRE);
	    ne != NULL; ne = ne->ne_next)
		eim_gc(ct, ne, done, now);
}

void
npfct_nat_eim_publish(struct npfct *ct, struct npfct_nat_policy *p)
{
	struct npfct_nat *nat = ct->ct_nat;

	p->np_eim->ne_next = nat->nat_eim;
	/* Release: the G/C that sees it sees it whole. */
	__atomic_store_n(&nat->nat_eim, p->np_eim, __ATOMIC_RELEASE);
}

uint64_t
npfct_nat_eim_bindings(const struct npfct_nat_policy *p)
{
	return p->np_eim != NULL ? __atomic_load_n(&p->np_eim->ne_bindings,
	    __ATOMIC_RELAXED) : 0;
}
