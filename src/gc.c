/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct G/C: expire connections, remove their entries and destroy them
 * after a QSBR grace period (NPF's npf_conn_gc()).
 *
 * Overview
 *
 *	A G/C pass takes the new connections from the per-lcore stacks,
 *	then scans the database's list.  An expired connection (explicit
 *	CONN_EXPIRE, or idle longer than its state's timeout) - or every
 *	connection when flushing - has both entries removed under its lock,
 *	is marked REMOVED|EXPIRE and moves to the pass's G/C list.  Backwards
 *	slots retired by setnat on live connections are collected too.
 *
 * Reclamation
 *
 *	Once entries are removed no new reader can find the connection, but
 *	a reader that found it earlier may still use it until its next
 *	quiescent state.  The pass therefore waits for a grace period
 *	(urcu_qsbr_synchronize_rcu()) before it frees the key slots and
 *	returns the connections to their pool: after it, every registered
 *	reader has passed a quiescent state since the removal.  With 'sync'
 *	false the caller guarantees that no reader can use the database (a
 *	database replaced by npfct_load() after its own grace period).
 *
 * Synchronisation
 *
 *	One G/C at a time: callers hold ct_gc_lock (NPF's conn_lock).  The
 *	grace period is waited for with the lock held; datapath threads
 *	never take it, so this cannot deadlock with readers.  The caller
 *	must have an lcore id (rte_hash slot caches) and, if it is an online
 *	reader, holds no connection pointer: liburcu puts it offline for the
 *	wait.
 *
 * Lock order
 *
 *	npfct::ct_gc_lock ->
 *		npfct_conn::c_lock
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <urcu/urcu-qsbr.h>

#include <rte_malloc.h>

#include "npfct_impl.h"

/* Key slots retired by setnat on connections that stay. */
struct gc_retired {
	unsigned int	n, cap;
	struct { uint8_t alen; int32_t pos; } *v;
};

static void
gc_retire_pos(struct gc_retired *r, uint8_t alen, int32_t pos)
{
	if (r->n == r->cap) {
		unsigned int cap = r->cap ? r->cap * 2 : 64;
		void *v = realloc(r->v, cap * sizeof(*r->v));

		if (v == NULL) {
			/*
			 * Out of memory: leave the slot to the connection
			 * (freed with it); caller re-arms c_oldpos.
			 */
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n].alen = alen;
	r->v[r->n].pos = pos;
	r->n++;
}

/*
 * gc_remove: remove both entries of a connection and mark it.
 *
 * => Caller holds ct_gc_lock.  Entries are removed once: a connection
 *    that lost an establish or setnat race is already REMOVED.
 */
static void
gc_remove(struct npfct_db *db, struct npfct_conn *con)
{
	const unsigned int alen = con->c_alen;
	uint32_t *fw = npfct_conn_fkey(con), *bk = npfct_conn_bkey(con);

	rte_spinlock_lock(&con->c_lock);
	if ((__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) &
	    CONN_REMOVED) == 0) {
		con->c_fpos = npfct_conndb_remove(db, fw, alen,
		    npfct_conndb_hash(db, fw, alen));
		con->c_bpos = npfct_conndb_remove(db, bk, alen,
		    npfct_conndb_hash(db, bk, alen));
		RTE_VERIFY(con->c_fpos >= 0 && con->c_bpos >= 0);
	}
	/* Flag the removal and expiration. */
	__atomic_fetch_or(&con->c_flags, CONN_REMOVED | CONN_EXPIRE,
	    __ATOMIC_RELAXED);
	rte_spinlock_unlock(&con->c_lock);
}

/*
 * gc_reclaim: free a removed connection's key slots and destroy it.
 *
 * => After the grace period.
 */
static void
gc_reclaim(struct npfct *ct, struct npfct_db *db, struct npfct_conn *con)
{
	const unsigned int alen = con->c_alen;

	npfct_conndb_free_pos(db, alen, con->c_fpos);
	npfct_conndb_free_pos(db, alen, con->c_bpos);
	npfct_conndb_free_pos(db, alen, con->c_oldpos);
	npfct_conn_destroy(ct, con);
}

/*
 * npfct_gc_db: garbage collect the expired connections of a database.
 *
 * => Caller holds ct_gc_lock.
 * => If flush is true, destroy all connections.
 * => If sync is true, wait for a grace period before destroying.
 * => Returns the number of connections destroyed.
 */
unsigned int
npfct_gc_db(struct npfct *ct, struct npfct_db *db, bool flush, bool sync)
{
	struct npfct_conn *con, *next, *gclist = NULL;
	struct gc_retired retired = { 0, 0, NULL };
	const uint32_t now = npfct_clock_sec(ct);
	unsigned int i, ndestroyed = 0;

	npfct_conndb_drain_new(db);

	/* Scan all connections and check them for expiration. */
	for (con = TAILQ_FIRST(&db->db_list); con != NULL; con = next) {
		next = TAILQ_NEXT(con, c_entry);

		if (!flush && !npfct_conn_expired_p(ct, con, now)) {
			/* Alive: collect a backwards slot retired by setnat. */
			if (unlikely(__atomic_load_n(&con->c_oldpos,
			    __ATOMIC_RELAXED) >= 0)) {
				unsigned int n = retired.n;

				rte_spinlock_lock(&con->c_lock);
				gc_retire_pos(&retired, con->c_alen,
				    con->c_oldpos);
				if (retired.n != n)
					con->c_oldpos = -1;
				rte_spinlock_unlock(&con->c_lock);
			}
			continue;
		}
		if ((__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) &
		    CONN_EXPIRE) == 0 && !flush)
			npfct_stat_inc(ct, NPFCT_STAT_GC_EXPIRED);

		/* Remove both entries; move to the G/C list. */
		gc_remove(db, con);
		TAILQ_REMOVE(&db->db_list, con, c_entry);
		db->db_nlist--;
		con->c_next = gclist;
		gclist = con;
	}

	/* Ensure it is safe to destroy the connections. */
#ifndef NPFCT_TEST_NO_GRACE_PERIOD
	if (sync && (gclist != NULL || retired.n != 0))
		urcu_qsbr_synchronize_rcu();
#else
	/*
	 * Broken on purpose: this variant exists only to prove that the
	 * stress test (tests/test_stress.c) catches a premature free.  Never
	 * build the library with NPFCT_TEST_NO_GRACE_PERIOD otherwise.
	 */
	RTE_SET_USED(sync);
#endif

	for (con = gclist; con != NULL; con = next) {
		next = con->c_next;
		gc_reclaim(ct, db, con);
		ndestroyed++;
	}
	for (i = 0; i < retired.n; i++)
		npfct_conndb_free_pos(db, retired.v[i].alen, retired.v[i].pos);
	free(retired.v);
	return ndestroyed;
}

static int
gc_run(struct npfct *ct, bool flush)
{
	int n;

	if (ct == NULL || rte_lcore_id() == LCORE_ID_ANY)
		return -EINVAL;
	pthread_mutex_lock(&ct->ct_gc_lock);
	n = (int)npfct_gc_db(ct, npfct_db_get(ct), flush, true);
	pthread_mutex_unlock(&ct->ct_gc_lock);
	return n;
}

int
npfct_gc(struct npfct *ct)
{
	return gc_run(ct, false);
}

int
npfct_flush(struct npfct *ct)
{
	return gc_run(ct, true);
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
