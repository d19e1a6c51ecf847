/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct connection pools: one header-less array of connections per
 * address family, with per-lcore magazines.
 *
 * Overview
 *
 *	A pool is one rte_malloc'ed array of equal, cache-aligned objects
 *	(128 bytes for IPv4 connections, 192 for IPv6): no per-object
 *	header and no ring of pointers, which an rte_mempool would add (64
 *	and 8 bytes per object).  Free objects are linked through their own
 *	memory, in chains of at most cp_batch objects:
 *
 *	- each lcore has a magazine pair (Bonwick's "cur" and "prev"
 *	  chains); get and put work on "cur" in O(1);
 *	- full chains go to the depot, a stack of chains under a spinlock,
 *	  and empty magazines take one chain back; each is O(1) under the
 *	  lock, once per cp_batch objects.
 *
 *	Objects stranded in other lcores' magazines (at most 2 x cp_batch
 *	each) are provided for: the array holds max_conns plus that much
 *	for each magazine pair.  Only the lcores that exist when the pool
 *	is made (EAL, service and already registered lcores) get a pair of
 *	their own; a thread registered later (rte_thread_register()) shares
 *	the slot of threads without an lcore id, so that the array's slack
 *	always covers what the magazines can hold and max_conns stays
 *	reachable from any thread.  The free link (struct conn_free) sits in the last bytes
 *	of an object; in sanitizer builds the rest of a free object is
 *	poisoned, so that a reader using a connection after its grace
 *	period is reported.
 *
 * Synchronisation
 *
 *	An lcore's magazines are its own; threads without an lcore id, or
 *	with one given after the pool was made, share one slot under its
 *	spinlock.  The depot has its own spinlock.  Get
 *	and put may be called from any thread.
 *
 * Lock order
 *
 *	npfct_cpcache::cc_lock (shared slot) ->
 *		npfct_connpool::cp_lock
 */

#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "npfct_impl.h"

/* The free link, in the last bytes of a free object. */
struct conn_free {
	struct conn_free *cf_next;	/* next object of the chain */
	struct conn_free *cf_chain;	/* next chain in the depot (heads) */
	uint32_t	cf_count;	/* objects in the chain (heads) */
};

static inline struct conn_free *
obj_link(const struct npfct_connpool *cp, void *obj)
{
	return (struct conn_free *)((uint8_t *)obj + cp->cp_size -
	    sizeof(struct conn_free));
}

static inline void *
link_obj(const struct npfct_connpool *cp, struct conn_free *cf)
{
	return (uint8_t *)cf + sizeof(struct conn_free) - cp->cp_size;
}

/* Poison a free object but its link; unpoison a taken one. */
static inline void
obj_poison(const struct npfct_connpool *cp, void *obj)
{
	NPFCT_POISON(obj, cp->cp_size - sizeof(struct conn_free));
}

static inline void
obj_unpoison(const struct npfct_connpool *cp, void *obj)
{
	NPFCT_UNPOISON(obj, cp->cp_size);
}

/* Push a chain onto the depot. */
static void
depot_push(struct npfct_connpool *cp, struct conn_free *head, uint32_t n)
{
	head->cf_count = n;
	rte_spinlock_lock(&cp->cp_lock);
	head->cf_chain = cp->cp_depot;
	cp->cp_depot = head;
	cp->cp_depot_objs += n;
	rte_spinlock_unlock(&cp->cp_lock);
}

/* Pop a chain from the depot; NULL if it is empty. */
static struct conn_free *
depot_pop(struct npfct_connpool *cp, uint32_t *n)
{
	struct conn_free *head;

	rte_spinlock_lock(&cp->cp_lock);
	head = cp->cp_depot;
	if (head != NULL) {
		cp->cp_depot = head->cf_chain;
		*n = head->cf_count;
		cp->cp_depot_objs -= *n;
	}
	rte_spinlock_unlock(&cp->cp_lock);
	return head;
}

static inline struct npfct_cpcache *
pool_cache(struct npfct_connpool *cp, bool *shared)
{
	unsigned int id = rte_lcore_id();

	*shared = id >= RTE_MAX_LCORE || !cp->cp_cache[id].cc_own;
	return &cp->cp_cache[*shared ? RTE_MAX_LCORE : id];
}

/*
 * npfct_connpool_get: take an object.
 *
 * => Any thread.  Returns NULL (rte_errno ENOSPC) if none is free.
 */
void *
npfct_connpool_get(struct npfct_connpool *cp)
{
	struct npfct_cpcache *cc;
	struct conn_free *cf;
	bool shared;
	void *obj;

	if (unlikely(cp->cp_batch == 0)) {
		/* No magazines: single objects from the depot. */
		uint32_t one;

		cf = depot_pop(cp, &one);
		if (cf == NULL) {
			rte_errno = ENOSPC;
			return NULL;
		}
		goto out;
	}
	cc = pool_cache(cp, &shared);
	if (unlikely(shared))
		rte_spinlock_lock(&cc->cc_lock);
	if (unlikely(cc->cc_cur == NULL)) {
		if (cc->cc_prev != NULL) {
			cc->cc_cur = cc->cc_prev;
			cc->cc_ncur = cc->cc_nprev;
			cc->cc_prev = NULL;
			cc->cc_nprev = 0;
		} else {
			cc->cc_cur = depot_pop(cp, &cc->cc_ncur);
			if (cc->cc_cur == NULL) {
				if (unlikely(shared))
					rte_spinlock_unlock(&cc->cc_lock);
				rte_errno = ENOSPC;
				return NULL;
			}
		}
	}
	cf = cc->cc_cur;
	cc->cc_cur = cf->cf_next;
	cc->cc_ncur--;
	if (unlikely(shared))
		rte_spinlock_unlock(&cc->cc_lock);
out:
	obj = link_obj(cp, cf);
	obj_unpoison(cp, obj);
	return obj;
}

/*
 * npfct_connpool_put: give an object back.
 *
 * => Any thread; nothing may use the object any more.
 */
void
npfct_connpool_put(struct npfct_connpool *cp, void *obj)
{
	struct conn_free *cf = obj_link(cp, obj);
	struct npfct_cpcache *cc;
	bool shared;

	RTE_ASSERT((uint8_t *)obj >= cp->cp_base &&
	    (uint8_t *)obj < cp->cp_base + (size_t)cp->cp_n * cp->cp_size);
	obj_poison(cp, obj);
	if (unlikely(cp->cp_batch == 0)) {
		cf->cf_next = NULL;
		depot_push(cp, cf, 1);
		return;
	}
	cc = pool_cache(cp, &shared);
	if (unlikely(shared))
		rte_spinlock_lock(&cc->cc_lock);
	if (unlikely(cc->cc_ncur == cp->cp_batch)) {
		/* "cur" is full: it becomes "prev", a full "prev" goes. */
		if (cc->cc_prev != NULL)
			depot_push(cp, cc->cc_prev, cc->cc_nprev);
		cc->cc_prev = cc->cc_cur;
		cc->cc_nprev = cc->cc_ncur;
		cc->cc_cur = NULL;
		cc->cc_ncur = 0;
	}
	cf->cf_next = cc->cc_cur;
	cc->cc_cur = cf;
	cc->cc_ncur++;
	if (unlikely(shared))
		rte_spinlock_unlock(&cc->cc_lock);
}

/*
 * npfct_connpool_avail: objects free (in the depot and the magazines).
 *
 * => Any thread; a snapshot, exact only when nothing else runs.
 */
uint32_t
npfct_connpool_avail(const struct npfct_connpool *cp)
{
	uint64_t n = __atomic_load_n(&cp->cp_depot_objs, __ATOMIC_RELAXED);
	unsigned int i;

	for (i = 0; i <= RTE_MAX_LCORE; i++)
		n += __atomic_load_n(&cp->cp_cache[i].cc_ncur,
		    __ATOMIC_RELAXED) + __atomic_load_n(
		    &cp->cp_cache[i].cc_nprev, __ATOMIC_RELAXED);
	return (uint32_t)RTE_MIN(n, (uint64_t)cp->cp_n);
}

/* Whether lcore id gets magazines of its own: it exists now. */
static bool
pool_own_p(unsigned int id)
{
	return rte_eal_lcore_role(id) != ROLE_OFF;
}

/*
 * npfct_connpool_init: build a pool for max objects of size bytes.
 *
 * => Control thread.  batch is the magazine size; 0: no magazines (a
 *    small pool, exactly max objects).  Returns 0 or -ENOMEM.
 */
int
npfct_connpool_init(struct npfct_connpool *cp, const char *name,
		size_t size, uint32_t max, uint32_t batch, int socket)
{
	uint32_t c, i, n, lcores, chain;
	uint8_t *obj;

	RTE_VERIFY(size % RTE_CACHE_LINE_SIZE == 0 &&
	    size >= 2 * sizeof(struct conn_free));
	memset(cp, 0, sizeof(*cp));
	/*
	 * Room for what the magazines may hold: the lcores that exist now
	 * (pool_own_p()) and the shared slot.
	 */
	lcores = 1;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		lcores += pool_own_p(i);
	n = max + 2 * batch * lcores;
	chain = batch > 0 ? batch : 1;
	cp->cp_size = size;
	cp->cp_n = n;
	cp->cp_batch = batch;
	rte_spinlock_init(&cp->cp_lock);
	cp->cp_cache = rte_zmalloc_socket(name, sizeof(*cp->cp_cache) *
	    (RTE_MAX_LCORE + 1), RTE_CACHE_LINE_SIZE, socket);
	cp->cp_base = rte_malloc_socket(name, (size_t)n * size,
	    RTE_CACHE_LINE_SIZE, socket);
	if (cp->cp_cache == NULL || cp->cp_base == NULL) {
		rte_free(cp->cp_cache);
		rte_free(cp->cp_base);
		memset(cp, 0, sizeof(*cp));
		return -ENOMEM;
	}
	for (i = 0; i <= RTE_MAX_LCORE; i++) {
		rte_spinlock_init(&cp->cp_cache[i].cc_lock);
		cp->cp_cache[i].cc_own = i < RTE_MAX_LCORE && pool_own_p(i);
	}

	/*
	 * Chain the objects, cp_batch per depot chain, pushing the last
	 * chain first: the array is handed out in address order.
	 */
	for (c = (n + chain - 1) / chain; c-- > 0; ) {
		const uint32_t first = c * chain;
		const uint32_t len = n - first < chain ? n - first : chain;
		struct conn_free *head = NULL;
		uint32_t j;

		for (j = len; j-- > 0; ) {
			struct conn_free *cf;

			obj = cp->cp_base + (size_t)(first + j) * size;
			cf = obj_link(cp, obj);
			cf->cf_next = head;
			head = cf;
			obj_poison(cp, obj);
		}
		head->cf_count = len;
		head->cf_chain = cp->cp_depot;
		cp->cp_depot = head;
	}
	cp->cp_depot_objs = n;
	return 0;
}

/*
 * npfct_connpool_fini: free the pool.
 *
 * => Control thread; every object must have been put back (or be
 *    abandoned with the instance).
 */
void
npfct_connpool_fini(struct npfct_connpool *cp)
{
	if (cp->cp_base != NULL)
		NPFCT_UNPOISON(cp->cp_base, (size_t)cp->cp_n * cp->cp_size);
	rte_free(cp->cp_base);
	rte_free(cp->cp_cache);
	memset(cp, 0, sizeof(*cp));
}
