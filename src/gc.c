/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct G/C: expire connections, remove their entries and destroy them
 * after a QSBR grace period (NPF's npf_conn_gc(), incremental).
 *
 * Overview
 *
 *	A G/C step takes the new connections from the per-lcore stacks,
 *	then examines at most gc.step connections of the database's list,
 *	starting at a persistent cursor (NPF's marker).  An expired
 *	connection (explicit CONN_EXPIRE, or idle longer than its state's
 *	timeout) has its entries removed under its lock (one, or two with
 *	NAT), is marked REMOVED|EXPIRE, announced if it was active (DESTROY
 *	with its reason, event.c) and moves to the step's batch.  When
 *	establish found a family short of connections (at max_conns, or a
 *	full bucket pair with fewer than 1/16 left) and early drop is on,
 *	the step also evicts connections of that family that are not
 *	established, oldest first, with a cursor of its own.
 *
 *	The scan prefetches the next connection non-temporally: a pass
 *	streams the whole table and must not evict the datapath lcores'
 *	working set from the shared cache.
 *
 *	Full passes (npfct_gc_sync(), npfct_flush(), npfct_flush_filter())
 *	scan the whole list and wait for the grace period themselves.
 *
 * Reclamation
 *
 *	Once its entries are removed no new reader can find a connection,
 *	but a reader that found it earlier may use it until its next
 *	quiescent state.  A batch is therefore freed only after a grace
 *	period that started after the removals.  liburcu 0.13 has no way to
 *	poll for a grace period, and the G/C must not block (it may run on a
 *	service lcore shared with other services), so each instance has a
 *	grace-period thread (gc_service.c): a step hands its batch a ticket
 *	from npfct_gc_gp_request() - taken after the removals - and appends
 *	it to the pending list; the thread runs urcu_qsbr_synchronize_rcu()
 *	for the newest ticket and then publishes it as completed.  Later
 *	steps free, on the G/C's own lcore, every pending batch whose ticket
 *	is completed: key slots back to the tables
 *	(rte_hash_free_key_with_position(), which needs an lcore id and one
 *	caller at a time), release callbacks, connections back to their
 *	pool.  Full passes wait with urcu_qsbr_synchronize_rcu() directly.
 *
 *	Batches come from a fixed set of NPFCT_GC_BATCHES in the instance:
 *	a step allocates nothing, so it cannot fail for lack of memory.
 *	When every batch waits for a grace period (readers slow to report
 *	quiescent states), a step adds its removals to the newest batch and
 *	gives it a new ticket, which covers the old removals as well.  A
 *	database that is flushed to be freed (load, destroy) is reclaimed
 *	without giving key slots back to its tables, which go with it: that
 *	needs no lcore id.
 *
 * Synchronisation
 *
 *	One G/C at a time: ct_gc_lock (NPF's conn_lock).  A step only tries
 *	the lock and returns if a control thread holds it (a full pass, a
 *	dump, a telemetry listing, a load).  The G/C needs an lcore id.  A
 *	full pass waits for a grace period with the lock held: datapath
 *	threads never take it; the caller must hold no connection pointer
 *	(the wait is a quiescent state for it).
 *
 * Lock order
 *
 *	npfct::ct_gc_lock ->
 *		npfct_conn::c_lock
 */

#include <errno.h>
#include <stdio.h>

#include <netinet/in.h>

#include <urcu/urcu-qsbr.h>

#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "npfct_event_impl.h"
#include "npfct_impl.h"
#include "npfct_nat_impl.h"

/* What a pass does with each connection it examines. */
enum gc_mode { GC_EXPIRE, GC_FLUSH, GC_FILTER, GC_EARLY_DROP };

struct gc_pass {
	enum gc_mode		mode;
	const struct npfct_filter *filter;
	uint32_t		now;
	unsigned int		budget;		/* connections to examine */
	unsigned int		ndrop;		/* early drop: evictions left */
	uint32_t		families;	/* early drop: 1 << NPFCT_AF* */
	uint8_t			flush_reason;	/* FLUSH, FILTER: DESTROY's */
};

static void
batch_init(struct npfct_gc_batch *b, struct npfct_db *db)
{
	memset(b, 0, sizeof(*b));
	b->b_db = db;
}

/*
 * npfct_gc_batches_init: put every batch on the free list.
 *
 * => Control thread, from npfct_create().
 */
void
npfct_gc_batches_init(struct npfct *ct)
{
	struct npfct_gc *gc = &ct->ct_gc;
	unsigned int i;

	gc->gc_free = NULL;
	for (i = 0; i < NPFCT_GC_BATCHES; i++) {
		gc->gc_batches[i].b_next = gc->gc_free;
		gc->gc_free = &gc->gc_batches[i];
	}
}

/*
 * batch_reclaim: free what a batch holds.
 *
 * => After the batch's grace period; G/C only.  The key slots go back to
 *    the table unless the table is about to be freed with its database
 *    (free_slots false): that needs no lcore id, so an instance or an
 *    unused database can be destroyed from any thread.
 */
static unsigned int
batch_reclaim(struct npfct *ct, struct npfct_gc_batch *b, bool free_slots)
{
	struct npfct_conn *con, *next;
	unsigned int n = 0;

	for (con = b->b_conns; con != NULL; con = next) {
		const unsigned int alen = con->c_alen;

		next = con->c_next;
		if (free_slots) {
			npfct_conndb_free_pos(b->b_db, alen,
			    *npfct_conn_fpos(con));
			npfct_conndb_free_pos(b->b_db, alen, con->c_bpos);
		}
		npfct_conn_destroy(ct, con);
		n++;
	}
	b->b_conns = NULL;
	b->b_nconns = 0;
	return n;
}

/* Give a batch back to the free list. */
static void
batch_free(struct npfct_gc *gc, struct npfct_gc_batch *b)
{
	b->b_next = gc->gc_free;
	gc->gc_free = b;
}

/*
 * batch_get: a batch for a step's removals.
 *
 * => A free one, empty; or, when all wait for grace periods, the newest
 *    pending one, which gc_defer() then gives a new ticket: a later
 *    ticket covers its earlier removals too, so merging only delays
 *    their reclamation a little.  Never NULL, never allocates.
 */
static struct npfct_gc_batch *
batch_get(struct npfct_gc *gc, struct npfct_db *db)
{
	struct npfct_gc_batch *b = gc->gc_free;

	if (likely(b != NULL)) {
		gc->gc_free = b->b_next;
		batch_init(b, db);
		return b;
	}
	/* Pending batches are of the current database: a load frees all. */
	b = gc->gc_pending_tail;
	RTE_VERIFY(b != NULL && b->b_db == db);
	return b;
}

/*
 * list_cursors_skip: the connection con leaves db_list; move the listing
 * cursors that point at it to next.
 */
static void
list_cursors_skip(struct npfct_gc *gc, struct npfct_conn *con,
		struct npfct_conn *next)
{
	unsigned int i;

	for (i = 0; i < NPFCT_LIST_CURSORS; i++)
		if (gc->gc_list[i].lc_next == con)
			gc->gc_list[i].lc_next = next;
}

/* A database is flushed: its listing cursors go. */
static void
list_cursors_drop(struct npfct_gc *gc, const struct npfct_db *db)
{
	unsigned int i;

	for (i = 0; i < NPFCT_LIST_CURSORS; i++)
		if (gc->gc_list[i].lc_db == db)
			memset(&gc->gc_list[i], 0, sizeof(gc->gc_list[i]));
}

/*
 * gc_remove: remove the entries of a connection and mark it.
 *
 * => Entries are removed once: a connection that lost a setnat race is
 *    already REMOVED.
 */
static void
gc_remove(struct npfct_db *db, struct npfct_conn *con)
{
	uint32_t flags;

	rte_spinlock_lock(&con->c_lock);
	flags = __atomic_load_n(&con->c_flags, __ATOMIC_RELAXED);
	if ((flags & CONN_REMOVED) == 0) {
		*npfct_conn_fpos(con) = npfct_conn_entry_remove(db, con,
		    false);
		if (flags & CONN_NATKEY)
			con->c_bpos = npfct_conn_entry_remove(db, con, true);
	}
	/* Flag the removal and expiration. */
	__atomic_fetch_or(&con->c_flags, CONN_REMOVED | CONN_EXPIRE,
	    __ATOMIC_RELAXED);
	rte_spinlock_unlock(&con->c_lock);
}

/* Early drop: a connection that never was, or no longer is, established. */
static bool
gc_evictable_p(const struct npfct_conn *con)
{
	const uint8_t s = __atomic_load_n(&con->c_state.nst_state,
	    __ATOMIC_RELAXED);

	if (con->c_proto == IPPROTO_TCP)
		return s != NPFCT_TCPS_ESTABLISHED;
	return s != NPFCT_GSTATE_ESTABLISHED;
}

/* Why an expired connection goes: DESTROY's reason. */
static uint8_t
gc_expire_reason(const struct npfct_conn *con)
{
	if (__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) & CONN_EXPIRE)
		return NPFCT_EVENT_R_REMOVED;
	if (con->c_proto == IPPROTO_TCP && __atomic_load_n(
	    &con->c_state.nst_state, __ATOMIC_RELAXED) == NPFCT_TCPS_CLOSED)
		return NPFCT_EVENT_R_RST;	/* only a RST leads there */
	return NPFCT_EVENT_R_EXPIRED;
}

/*
 * gc_doomed_p: does the pass remove con?  NPFCT_EVENT_R_NONE (0) if not;
 * otherwise the reason, for the DESTROY event.
 */
static uint8_t
gc_doomed_p(const struct npfct *ct, struct npfct_conn *con,
		struct gc_pass *p)
{
	switch (p->mode) {
	case GC_FLUSH:
		return p->flush_reason;
	case GC_FILTER:
		return npfct_filter_match(p->filter, con) ?
		    p->flush_reason : NPFCT_EVENT_R_NONE;
	case GC_EARLY_DROP:
		if (npfct_conn_expired_p(ct, con, p->now)) {
			if ((__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) &
			    CONN_EXPIRE) == 0)
				npfct_stat_inc((struct npfct *)(uintptr_t)ct,
				    NPFCT_STAT_GC_EXPIRED);
			return gc_expire_reason(con);
		}
		/* Only the family that is short gains from an eviction. */
		if (p->ndrop > 0 && (p->families &
		    (1u << npfct_af_index(con->c_alen))) != 0 &&
		    gc_evictable_p(con)) {
			p->ndrop--;
			npfct_stat_inc((struct npfct *)(uintptr_t)ct,
			    NPFCT_STAT_EARLY_DROP);
			return NPFCT_EVENT_R_EARLY_DROP;
		}
		return NPFCT_EVENT_R_NONE;
	case GC_EXPIRE:
	default:
		return npfct_conn_expired_p(ct, con, p->now) ?
		    gc_expire_reason(con) : NPFCT_EVENT_R_NONE;
	}
}

/*
 * gc_scan: examine up to p->budget connections from *cursor (NULL: the
 * head), moving the doomed ones to the batch.
 *
 * => Caller holds ct_gc_lock.  *cursor is left at the next connection to
 *    examine, NULL at the end of the list.
 */
static void
gc_scan(struct npfct *ct, struct npfct_db *db, struct gc_pass *p,
		struct npfct_conn **cursor, struct npfct_gc_batch *b)
{
	struct npfct_conn *con, *next;
	unsigned int n = 0;
	uint32_t flags;
	uint8_t reason;

	con = *cursor != NULL ? *cursor : TAILQ_FIRST(&db->db_list);
	for (; con != NULL && n < p->budget; con = next, n++) {
		next = TAILQ_NEXT(con, c_entry);
		/*
		 * The next connection's two lines, non-temporal: a pass
		 * streams the whole table and must not evict the datapath
		 * lcores' working set from the shared cache.
		 */
		if (next != NULL) {
			rte_prefetch_non_temporal(next);
			rte_prefetch_non_temporal(&next->c_entry);
		}
		reason = gc_doomed_p(ct, con, p);
		if (reason == NPFCT_EVENT_R_NONE)
			continue;
		flags = __atomic_load_n(&con->c_flags, __ATOMIC_RELAXED);
		if ((flags & CONN_EXPIRE) == 0 && p->mode == GC_EXPIRE)
			npfct_stat_inc(ct, NPFCT_STAT_GC_EXPIRED);
		gc_remove(db, con);
		/* Only a connection that was announced (NEW) goes with one. */
		if (unlikely(npfct_event_wanted(ct, NPFCT_EVENT_DESTROY)) &&
		    (flags & CONN_ACTIVE) != 0)
			npfct_event_conn(ct, con, NPFCT_EVENT_DESTROY, reason, 0,
			    true);
		/* The other passes' cursors must not point at it. */
		if (ct->ct_gc.gc_cursor == con)
			ct->ct_gc.gc_cursor = next;
		if (ct->ct_gc.gc_drop_cursor == con)
			ct->ct_gc.gc_drop_cursor = next;
		list_cursors_skip(&ct->ct_gc, con, next);
		TAILQ_REMOVE(&db->db_list, con, c_entry);
		db->db_nlist--;
		con->c_next = b->b_conns;
		b->b_conns = con;
		b->b_nconns++;
	}
	*cursor = con;
}

/*
 * gc_reclaim_ready: free the pending batches whose grace period ended
 * (all of them if 'all': the caller waited for a grace period after the
 * last removal).
 *
 * => Caller holds ct_gc_lock.  Returns the connections destroyed.
 * => dying: a database about to be freed; its batches' key slots are not
 *    given back (batch_reclaim()).
 */
static unsigned int
gc_reclaim_ready(struct npfct *ct, bool all, const struct npfct_db *dying)
{
	struct npfct_gc *gc = &ct->ct_gc;
	/* 'all': no ticket to read (the thread may be gone: destroy). */
	const uint64_t done = all ? UINT64_MAX : npfct_gc_gp_completed(ct);
	struct npfct_gc_batch *b;
	unsigned int n = 0;

	while ((b = gc->gc_pending) != NULL) {
#ifndef NPFCT_TEST_NO_GRACE_PERIOD
		if (!all && b->b_ticket > done)
			break;
#else
		/*
		 * Broken on purpose: this variant exists only to prove that
		 * the stress test (tests/test_stress.c) catches a premature
		 * free.  Never build the library with
		 * NPFCT_TEST_NO_GRACE_PERIOD otherwise.
		 */
		RTE_SET_USED(done);
		RTE_SET_USED(all);
#endif
		gc->gc_pending = b->b_next;
		if (gc->gc_pending == NULL)
			gc->gc_pending_tail = NULL;
		__atomic_store_n(&gc->gc_npending, gc->gc_npending - 1,
		    __ATOMIC_RELAXED);
		n += batch_reclaim(ct, b, b->b_db != dying);
		batch_free(gc, b);
	}
	return n;
}

/*
 * gc_defer: queue a batch behind a grace-period ticket, or free it if it
 * is empty.  A batch merged into the newest pending one (batch_get())
 * gets a new ticket in place.
 */
static void
gc_defer(struct npfct *ct, struct npfct_gc_batch *b, unsigned int removed)
{
	struct npfct_gc *gc = &ct->ct_gc;

	if (b == gc->gc_pending_tail) {
		/* Merged: a newer ticket, taken after the new removals. */
		if (removed != 0)
			b->b_ticket = npfct_gc_gp_request(ct);
		return;
	}
	if (b->b_nconns == 0) {
		batch_free(gc, b);
		return;
	}
	/* The ticket is taken after the removals: its grace period covers
	 * every reader that could have seen them. */
	b->b_ticket = npfct_gc_gp_request(ct);
	b->b_next = NULL;
	if (gc->gc_pending_tail != NULL)
		gc->gc_pending_tail->b_next = b;
	else
		gc->gc_pending = b;
	gc->gc_pending_tail = b;
	/* Relaxed stores: the service callback reads it unlocked. */
	__atomic_store_n(&gc->gc_npending, gc->gc_npending + 1,
	    __ATOMIC_RELAXED);
}

/*
 * npfct_gc_step: one incremental G/C step.
 *
 * => Caller holds ct_gc_lock.  Never waits for a grace period.
 * => Returns the connections destroyed, and in *removed how many were
 *    removed (to be destroyed later).
 */
unsigned int
npfct_gc_step(struct npfct *ct, unsigned int *removed)
{
	struct npfct_gc *gc = &ct->ct_gc;
	struct npfct_db *db = npfct_db_get(ct);
	struct npfct_gc_batch *b;
	struct gc_pass p = {
		.mode = GC_EXPIRE,
		.now = npfct_clock_sec(ct),
		.budget = __atomic_load_n(&gc->gc_step, __ATOMIC_RELAXED),
	};
	unsigned int n, before;

	n = gc_reclaim_ready(ct, false, NULL);
	npfct_nat_gc(ct, false);
	*removed = 0;
	npfct_conndb_drain_new(db);
	b = batch_get(gc, db);
	before = b->b_nconns;
	if (gc->gc_cursor_db != db) {
		/* A new database was loaded: start at its head. */
		gc->gc_cursor = NULL;
		gc->gc_drop_cursor = NULL;
		gc->gc_cursor_db = db;
	}

	if (unlikely(__atomic_load_n(&gc->gc_pressure, __ATOMIC_RELAXED))) {
		const uint32_t ndrop = __atomic_load_n(&gc->gc_early_drop,
		    __ATOMIC_RELAXED);
		const uint32_t families = __atomic_exchange_n(&gc->gc_pressure,
		    0, __ATOMIC_RELAXED) & NPFCT_GC_FAMILIES;

		/*
		 * A family is short of connections: drop its unestablished
		 * connections, oldest first, from early drop's own cursor
		 * (starting over at the head would look at the same old
		 * ones forever).
		 */
		if (ndrop > 0 && families != 0) {
			struct gc_pass dp = {
				.mode = GC_EARLY_DROP, .now = p.now,
				.budget = p.budget * 4, .ndrop = ndrop,
				.families = families,
			};

			gc_scan(ct, db, &dp, &gc->gc_drop_cursor, b);
		}
	}
	gc_scan(ct, db, &p, &gc->gc_cursor, b);
	*removed = b->b_nconns - before;
	gc_defer(ct, b, *removed);
	return n;
}

/*
 * gc_full: a full pass with the given mode, waiting for the grace period
 * and destroying everything removed so far.
 *
 * => Caller holds ct_gc_lock; has an lcore id; holds no connection.
 */
static unsigned int
gc_full(struct npfct *ct, struct npfct_db *db, struct gc_pass *p, bool sync)
{
	struct npfct_gc_batch b;
	struct npfct_conn *cursor = NULL;
	unsigned int n;

	npfct_conndb_drain_new(db);
	batch_init(&b, db);
	p->budget = UINT32_MAX;
	gc_scan(ct, db, p, &cursor, &b);
	if (db == ct->ct_gc.gc_cursor_db)
		ct->ct_gc.gc_cursor = ct->ct_gc.gc_drop_cursor = NULL;

	/* Ensure it is safe to destroy the connections. */
#ifndef NPFCT_TEST_NO_GRACE_PERIOD
	if (sync && (b.b_nconns != 0 ||
	    ct->ct_gc.gc_pending != NULL))
		urcu_qsbr_synchronize_rcu();
#else
	RTE_SET_USED(sync);
#endif
	n = gc_reclaim_ready(ct, true, NULL);
	n += batch_reclaim(ct, &b, true);
	/* After the connections' release: their bindings go on hold. */
	npfct_nat_gc(ct, sync);
	return n;
}

/*
 * npfct_gc_db_flush: destroy every connection of a database that no
 * reader can use and that is freed next (replaced by npfct_load() after a
 * grace period, never installed, or the instance's at destroy).
 *
 * => Caller holds ct_gc_lock.  Needs no lcore id: the key slots of the
 *    dying tables are not given back.
 * => 'pending': a grace period passed since the last G/C removal, so the
 *    pending batches are freed too.
 */
unsigned int
npfct_gc_db_flush(struct npfct *ct, struct npfct_db *db, bool pending)
{
	struct gc_pass p = {
		.mode = GC_FLUSH, .flush_reason = NPFCT_EVENT_R_EVICTED,
	};
	struct npfct_gc_batch b;
	struct npfct_conn *cursor = NULL;
	unsigned int n = 0;

	npfct_conndb_drain_new(db);
	batch_init(&b, db);
	p.budget = UINT32_MAX;
	gc_scan(ct, db, &p, &cursor, &b);
	if (db == ct->ct_gc.gc_cursor_db)
		ct->ct_gc.gc_cursor = ct->ct_gc.gc_drop_cursor = NULL;
	list_cursors_drop(&ct->ct_gc, db);
	if (pending)
		n = gc_reclaim_ready(ct, true, db);
	return n + batch_reclaim(ct, &b, false);
}

static int
gc_run_full(struct npfct *ct, struct gc_pass *p)
{
	int n;

	if (ct == NULL || rte_lcore_id() == LCORE_ID_ANY)
		return -EINVAL;
	pthread_mutex_lock(&ct->ct_gc_lock);
	p->now = npfct_clock_sec(ct);
	n = (int)gc_full(ct, npfct_db_get(ct), p, true);
	pthread_mutex_unlock(&ct->ct_gc_lock);
	return n;
}

int
npfct_gc_sync(struct npfct *ct)
{
	struct gc_pass p = { .mode = GC_EXPIRE };

	return gc_run_full(ct, &p);
}

int
npfct_flush(struct npfct *ct)
{
	struct gc_pass p = {
		.mode = GC_FLUSH, .flush_reason = NPFCT_EVENT_R_FLUSHED,
	};

	return gc_run_full(ct, &p);
}

int
npfct_flush_filter(struct npfct *ct, const struct npfct_filter *filter)
{
	struct gc_pass p = {
		.mode = GC_FILTER, .filter = filter,
		.flush_reason = NPFCT_EVENT_R_FLUSHED,
	};

	if (npfct_filter_check(filter) != 0)
		return -EINVAL;
	return gc_run_full(ct, &p);
}

int
npfct_dump(struct npfct *ct, FILE *f)
{
	struct npfct_db *db;
	struct npfct_conn *con;
	int n = 0;

	if (ct == NULL || f == NULL)
		return -EINVAL;
	pthread_mutex_lock(&ct->ct_gc_lock);
	db = npfct_db_get(ct);
	npfct_conndb_drain_new(db);
	TAILQ_FOREACH(con, &db->db_list, c_entry) {
		npfct_conn_print(ct, con, f);
		n++;
	}
	pthread_mutex_unlock(&ct->ct_gc_lock);
	return n;
}
