/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: a source NAT policy's bindings, and the hold time
 * before what they reserve is reused (RFC 6888 REQ-8).
 *
 * Overview
 *
 *	A binding reserves part of the outside space for an inside party
 *	while it has connections: with NPFCT_NATF_EIM an inside endpoint's
 *	outside address and port (nat_eim.c), with NPFCT_NATF_PORT_BLOCK a
 *	block of ports of one outside address for an inside address
 *	(nat_block.c).  It holds the number of connections that use it
 *	(nb_refs) and is found by two keys in the policy's own rte_hash
 *	(lock-free readers, keyed hash as the connection table): its inside
 *	key and its outside key.  This file is the table and the binding's
 *	life; what the keys mean and how an outside key is searched is the
 *	two users'.
 *
 *	Get (npfct_nat_binding_get(), datapath): look the inside key up; a
 *	live binding (nb_refs > 0) is shared by a compare-and-swap that
 *	never raises 0, so a binding the G/C is removing cannot come back.
 *	Otherwise, under the inside key's stripe lock: look again (another
 *	lcore may have made it, or it is held with no connection: then its
 *	count is raised under the lock, which the G/C also takes to remove
 *	it), or make one: the user's search sets outside keys and takes
 *	each by inserting it under the outside key's stripe lock after a
 *	lookup (rte_hash's add would overwrite); then the inside key is
 *	inserted.
 *
 *	Stripe locks: NPFCT_NB_STRIPES per key kind, chosen by the key's
 *	hash; only the first connection of a party takes them, so lcores
 *	rarely meet (no lock shared by all of them; rte_hash's own insert
 *	lock is the connection table's situation too).
 *
 *	Release (npfct_nat_binding_release(), from npfct_conn_destroy():
 *	G/C): the count drops; at 0 the binding is put on the hold list
 *	until hold_ms have passed, so that no other party gets what it
 *	reserved meanwhile (its owner may take it again).  npfct_nat_gc()
 *	(each G/C step) removes the bindings whose hold is over and still
 *	unused, under their inside stripe lock, and frees them and their
 *	key slots after a grace period (the G/C's tickets).
 *
 * Synchronisation
 *
 *	nb_refs: atomic.  Lookups: lock-free (rte_hash RW_CONCURRENCY_LF),
 *	datapath lcores with an lcore id and online QSBR readers, and the
 *	control thread's import (under ct_ctl_lock, which excludes nothing
 *	here: it is one more writer).  The hold and dead lists: the G/C
 *	only (ct_gc_lock).  nb_dead is set under the inside stripe lock and
 *	read under it.
 *
 * Lock order
 *
 *	nbt_in_lock[i] -> nbt_out_lock[j] -> (rte_hash's) ;
 *	ct_gc_lock -> nbt_in_lock[i]
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "npfct_event_impl.h"
#include "npfct_nat_binding.h"

static_assert(sizeof(struct npfct_nat_bkey) == 32, "binding key size");

int
npfct_nat_bindings_create(struct npfct *ct, struct npfct_nat_policy *p,
		uint32_t max, uint32_t hold_ms)
{
	static unsigned int seq;
	struct npfct_nat_bindings *nbt;
	char name[RTE_HASH_NAMESIZE];
	unsigned int i, id;
	int ret;

	nbt = rte_zmalloc_socket("npfct_nat_bindings", sizeof(*nbt),
	    RTE_CACHE_LINE_SIZE, ct->ct_socket);
	if (nbt == NULL)
		return -ENOMEM;
	ret = npfct_hash_init(&nbt->nbt_hkey, ct->ct_hash_func,
	    (ct->ct_flags & NPFCT_F_FIXED_HASH_SEED) != 0);
	if (ret != 0) {
		rte_free(nbt);
		return ret;
	}
	id = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
	snprintf(name, sizeof(name), "npfct_nb%u", id);
	{
		struct rte_hash_parameters hp = {
			.name = name,
			.entries = RTE_MAX(2 * max, 64u),
			.key_len = sizeof(struct npfct_nat_bkey),
			.socket_id = ct->ct_socket,
			.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			    RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
			    RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
		};

		nbt->nbt_hash = rte_hash_create(&hp);
	}
	snprintf(name, sizeof(name), "npfct_nbb%u", id);
	nbt->nbt_pool = rte_mempool_create(name, RTE_MAX(max, 64u),
	    sizeof(struct npfct_nat_binding), 32, 0, NULL, NULL, NULL, NULL,
	    ct->ct_socket, 0);
	if (nbt->nbt_hash == NULL || nbt->nbt_pool == NULL) {
		rte_hash_free(nbt->nbt_hash);
		rte_mempool_free(nbt->nbt_pool);
		rte_free(nbt);
		return -ENOMEM;
	}
	for (i = 0; i < NPFCT_NB_STRIPES; i++) {
		rte_spinlock_init(&nbt->nbt_in_lock[i]);
		rte_spinlock_init(&nbt->nbt_out_lock[i]);
	}
	nbt->nbt_hold_ns = (uint64_t)hold_ms * 1000000ull;
	nbt->nbt_policy = p;
	p->np_bind = nbt;
	return 0;
}

void
npfct_nat_bindings_destroy(struct npfct_nat_policy *p)
{
	struct npfct_nat_bindings *nbt = p->np_bind;

	if (nbt == NULL)
		return;
	/* No reader and no connection is left: the pool goes whole. */
	rte_hash_free(nbt->nbt_hash);
	rte_mempool_free(nbt->nbt_pool);
	rte_free(nbt);
	p->np_bind = NULL;
}

static inline hash_sig_t
key_sig(const struct npfct_nat_bindings *nbt, const struct npfct_nat_bkey *k)
{
	return npfct_hash_sig(&nbt->nbt_hkey, k, sizeof(*k));
}

void
npfct_nat_bkey_make(struct npfct_nat_bkey *k, uint16_t zone, uint8_t proto,
		enum npfct_nat_bkind kind, const union npfct_addr *a,
		unsigned int alen, rte_be16_t port)
{
	memset(k, 0, sizeof(*k));
	k->bk_zone = zone;
	k->bk_proto = proto;
	k->bk_kind = (uint8_t)kind;
	k->bk_port = port;
	memcpy(&k->bk_addr, a, alen);
}

static struct npfct_nat_binding *
lookup(const struct npfct_nat_bindings *nbt, const struct npfct_nat_bkey *k,
		hash_sig_t h)
{
	void *data;

	if (rte_hash_lookup_with_hash_data(nbt->nbt_hash, k, h, &data) < 0)
		return NULL;
	return data;
}

struct npfct_nat_binding *
npfct_nat_binding_lookup(const struct npfct_nat_bindings *nbt,
		const struct npfct_nat_bkey *k)
{
	return lookup(nbt, k, key_sig(nbt, k));
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

int
npfct_nat_binding_take_out(struct npfct_nat_bindings *nbt,
		struct npfct_nat_binding *b)
{
	const hash_sig_t h = key_sig(nbt, &b->nb_out);
	rte_spinlock_t *l = &nbt->nbt_out_lock[h % NPFCT_NB_STRIPES];
	int32_t pos;
	int ret = 0;

	rte_spinlock_lock(l);
	if (rte_hash_lookup_with_hash(nbt->nbt_hash, &b->nb_out, h) >= 0) {
		ret = -EADDRINUSE;
	} else {
		pos = rte_hash_add_key_with_hash_data(nbt->nbt_hash,
		    &b->nb_out, h, b);
		if (pos != 0)
			ret = -ENOSPC;
		else
			b->nb_pos_out = rte_hash_lookup_with_hash(
			    nbt->nbt_hash, &b->nb_out, h);
	}
	rte_spinlock_unlock(l);
	return ret;
}

int
npfct_nat_binding_exact(struct npfct_nat_bindings *nbt,
		struct npfct_nat_binding *b, const void *arg)
{
	int ret;

	b->nb_out = *(const struct npfct_nat_bkey *)arg;
	ret = npfct_nat_binding_take_out(nbt, b);
	return ret == -EADDRINUSE ? -EEXIST : ret;
}

/* Give a binding left at 0 connections (or dead) to the G/C. */
static void
orphan_push(struct npfct_nat_bindings *nbt, struct npfct_nat_binding *b)
{
	uint8_t no = 0;

	if (!__atomic_compare_exchange_n(&b->nb_orphan, &no, 1, false,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;		/* on the stack already */
	b->nb_onext = __atomic_load_n(&nbt->nbt_orphans, __ATOMIC_RELAXED);
	/* Release: the G/C that takes the stack sees nb_onext. */
	while (!__atomic_compare_exchange_n(&nbt->nbt_orphans, &b->nb_onext,
	    b, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

int
npfct_nat_binding_get(struct npfct_nat_bindings *nbt,
		const struct npfct_nat_bkey *kin,
		npfct_nat_binding_search_t search, const void *arg,
		struct npfct_nat_binding **bp, bool *made)
{
	struct npfct_nat_binding *b;
	const hash_sig_t h = key_sig(nbt, kin);
	rte_spinlock_t *l;
	int32_t pos;
	int ret;

	*made = false;
	b = lookup(nbt, kin, h);
	if (b != NULL && ref_live(b)) {
		*bp = b;
		return 0;
	}
	l = &nbt->nbt_in_lock[h % NPFCT_NB_STRIPES];
	rte_spinlock_lock(l);
	b = lookup(nbt, kin, h);
	if (b != NULL && !b->nb_dead) {
		/* Made meanwhile, or held without connections. */
		__atomic_fetch_add(&b->nb_refs, 1, __ATOMIC_ACQUIRE);
		rte_spinlock_unlock(l);
		*bp = b;
		return 0;
	}
	if (rte_mempool_get(nbt->nbt_pool, (void **)&b) != 0) {
		rte_spinlock_unlock(l);
		return -EADDRNOTAVAIL;
	}
	memset(b, 0, sizeof(*b));
	b->nb_pos_in = b->nb_pos_out = -1;
	b->nb_in = *kin;
	b->nb_refs = 1;
	ret = search(nbt, b, arg);
	if (ret != 0) {
		rte_spinlock_unlock(l);
		rte_mempool_put(nbt->nbt_pool, b);
		return ret == -EADDRINUSE ? -EADDRNOTAVAIL : ret;
	}
	pos = rte_hash_add_key_with_hash_data(nbt->nbt_hash, kin, h, b);
	if (pos != 0) {
		/* No room: give the outside key back (never published). */
		const hash_sig_t ho = key_sig(nbt, &b->nb_out);
		rte_spinlock_t *lo = &nbt->nbt_out_lock[ho % NPFCT_NB_STRIPES];

		rte_spinlock_lock(lo);
		rte_hash_del_key_with_hash(nbt->nbt_hash, &b->nb_out, ho);
		rte_spinlock_unlock(lo);
		b->nb_dead = true;
		b->nb_refs = 0;
		rte_spinlock_unlock(l);
		/* Its outside key's slot waits for a grace period. */
		orphan_push(nbt, b);
		*bp = NULL;
		return -ENOSPC;
	}
	b->nb_pos_in = rte_hash_lookup_with_hash(nbt->nbt_hash, kin, h);
	__atomic_fetch_add(&nbt->nbt_count, 1, __ATOMIC_RELAXED);
	rte_spinlock_unlock(l);
	*bp = b;
	*made = true;
	return 0;
}

void
npfct_nat_binding_unref(struct npfct_nat_bindings *nbt,
		struct npfct_nat_binding *b)
{
	if (__atomic_sub_fetch(&b->nb_refs, 1, __ATOMIC_RELEASE) == 0)
		orphan_push(nbt, b);
}

/* The G/C's: put a binding without connections on the hold list. */
static void
hold(struct npfct_nat_bindings *nbt, struct npfct_nat_binding *b,
		uint64_t now)
{
	b->nb_until = now + nbt->nbt_hold_ns;
	if (!b->nb_held) {
		b->nb_held = true;
		b->nb_next = nbt->nbt_hold;
		nbt->nbt_hold = b;
	}
}

void
npfct_nat_binding_release(struct npfct *ct, struct npfct_nat_bindings *nbt,
		struct npfct_nat_binding *b)
{
	if (__atomic_sub_fetch(&b->nb_refs, 1, __ATOMIC_RELEASE) == 0)
		hold(nbt, b, npfct_clock_ns(ct));
}

/* The G/C's: b waits for a grace period on the dead list, then is freed. */
static void
dead_add(struct npfct *ct, struct npfct_nat_bindings *nbt,
		struct npfct_nat_binding *b)
{
	b->nb_ondead = true;
	b->nb_ticket = npfct_gc_gp_request(ct);
	b->nb_next = nbt->nbt_dead;
	nbt->nbt_dead = b;
}

/* Take the orphan stack: hold the unused, kill the never published. */
static void
orphans_take(struct npfct *ct, struct npfct_nat_bindings *nbt, uint64_t now)
{
	struct npfct_nat_binding *b, *o;

	/* Acquire: pairs with orphan_push()'s release. */
	o = __atomic_exchange_n(&nbt->nbt_orphans, NULL, __ATOMIC_ACQUIRE);
	while ((b = o) != NULL) {
		o = b->nb_onext;
		__atomic_store_n(&b->nb_orphan, 0, __ATOMIC_RELAXED);
		if (b->nb_ondead)
			continue;	/* killed meanwhile: freed below */
		if (b->nb_dead)
			dead_add(ct, nbt, b);	/* its inside key never in */
		else if (__atomic_load_n(&b->nb_refs, __ATOMIC_ACQUIRE) == 0)
			hold(nbt, b, now);
	}
}

/* Free the dead bindings whose grace period is over. */
static void
dead_free(struct npfct_nat_bindings *nbt, uint64_t done)
{
	struct npfct_nat_binding *b, **bp;

	for (bp = &nbt->nbt_dead; (b = *bp) != NULL;) {
		if (b->nb_ticket > done) {
			bp = &b->nb_next;
			continue;
		}
		*bp = b->nb_next;
		if (b->nb_pos_in >= 0)
			rte_hash_free_key_with_position(nbt->nbt_hash,
			    b->nb_pos_in);
		if (b->nb_pos_out >= 0)
			rte_hash_free_key_with_position(nbt->nbt_hash,
			    b->nb_pos_out);
		rte_mempool_put(nbt->nbt_pool, b);
	}
}

/*
 * bindings_gc: free the dead bindings whose grace period is over; remove
 * the held ones whose hold is over and that nothing took again.
 */
static void
bindings_gc(struct npfct *ct, struct npfct_nat_bindings *nbt, uint64_t done,
		uint64_t now)
{
	struct npfct_nat_binding *b, **bp;

	orphans_take(ct, nbt, now);
	dead_free(nbt, done);
	for (bp = &nbt->nbt_hold; (b = *bp) != NULL;) {
		const hash_sig_t h = key_sig(nbt, &b->nb_in);
		rte_spinlock_t *l = &nbt->nbt_in_lock[h % NPFCT_NB_STRIPES];
		const hash_sig_t ho = key_sig(nbt, &b->nb_out);
		rte_spinlock_t *lo = &nbt->nbt_out_lock[ho % NPFCT_NB_STRIPES];

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
		rte_hash_del_key_with_hash(nbt->nbt_hash, &b->nb_in, h);
		rte_spinlock_lock(lo);
		rte_hash_del_key_with_hash(nbt->nbt_hash, &b->nb_out, ho);
		rte_spinlock_unlock(lo);
		rte_spinlock_unlock(l);
		__atomic_fetch_sub(&nbt->nbt_count, 1, __ATOMIC_RELAXED);
		b->nb_held = false;
		*bp = b->nb_next;
		if (b->nb_in.bk_kind == NPFCT_NB_IN_HOST)
			npfct_nat_block_event(ct, nbt, b,
			    NPFCT_EVENT_R_EXPIRED, true);
		dead_add(ct, nbt, b);
	}
}

void
npfct_nat_gc(struct npfct *ct, bool synced)
{
	struct npfct_nat_bindings *nbt;
	const uint64_t done = synced ? UINT64_MAX : npfct_gc_gp_completed(ct);
	const uint64_t now = npfct_clock_ns(ct);

	/* Acquire: pairs with npfct_nat_bindings_publish()'s release. */
	for (nbt = __atomic_load_n(&ct->ct_nat->nat_bind, __ATOMIC_ACQUIRE);
	    nbt != NULL; nbt = nbt->nbt_next)
		bindings_gc(ct, nbt, done, now);
}

void
npfct_nat_bindings_publish(struct npfct *ct, struct npfct_nat_policy *p)
{
	struct npfct_nat *nat = ct->ct_nat;

	p->np_bind->nbt_next = nat->nat_bind;
	/* Release: the G/C that sees it sees it whole. */
	__atomic_store_n(&nat->nat_bind, p->np_bind, __ATOMIC_RELEASE);
}

uint64_t
npfct_nat_bindings_count(const struct npfct_nat_policy *p)
{
	return p->np_bind != NULL ? __atomic_load_n(&p->np_bind->nbt_count,
	    __ATOMIC_RELAXED) : 0;
}
