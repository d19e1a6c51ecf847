/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct connection events: NEW, UPDATE, DESTROY, NAT (ctnetlink's
 * events, lossy, through rings that never block the datapath).
 *
 * Overview
 *
 *	An instance made with npfct_params::event_ring_size > 0 has a ring of
 *	fixed 144-byte records (rte_ring of elements, so a record is copied
 *	in and out, no allocation per event) for each lcore id that exists
 *	at create (single producer: the lcore), one for every other thread
 *	(multi-producer: threads without an lcore id, and lcores registered
 *	later) and one for the G/C (single producer: whoever holds
 *	ct_gc_lock; every DESTROY is made there, in gc.c).  All rings are
 *	multi-consumer: any thread may poll.
 *
 *	Where events are made:
 *	  - NEW: at activation, by the thread that activates (the
 *	    establishing lcore, npfct_conn_release() or the burst
 *	    establish; npfct_import(), reason IMPORTED);
 *	  - UPDATE: by the lcore whose packet changed the protocol state
 *	    (npfct_conn_state_inspect()), at most event_update_rate per
 *	    second and ring;
 *	  - NAT: by the lcore whose npfct_conn_setnat() made the
 *	    association;
 *	  - DESTROY: by the G/C when it removes an active connection's
 *	    entries (gc_scan()), with the reason and the final counters.
 *	A connection never activated (lost race, undone import, expired
 *	before activation) has neither NEW nor DESTROY.
 *
 *	The datapath pays one relaxed load of ct_ev_mask (read-mostly, on
 *	the instance's first line) and a not-taken branch per state change
 *	check; an event costs reading the connection under its lock (as
 *	npfct_conn_info_get()) and a ring enqueue.
 *
 * Synchronisation
 *
 *	ct_ev_mask: written by npfct_events_subscribe() (any thread),
 *	read relaxed: a change reaches the lcores soon, not at once.
 *	The rings and their slots are made at create and freed at destroy:
 *	immutable in between.  Ring counters: see npfct_event_ring.  The
 *	ring's own enqueue/dequeue order the record's bytes (release by the
 *	producer, acquire by the consumer).
 *
 * Lock order
 *
 *	npfct::ct_gc_lock ->
 *		npfct_conn::c_lock (read to fill a record, then released)
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "npfct_event_impl.h"

static_assert(sizeof(struct npfct_event) == 144,
    "struct npfct_event is part of the ABI: 144 bytes");
static_assert(sizeof(struct npfct_event) % 4 == 0,
    "rte_ring elements are multiples of 4 bytes");

static const char *const type_names[NPFCT_EVENT_TYPES] = {
	[NPFCT_EVENT_NEW] = "new",
	[NPFCT_EVENT_UPDATE] = "update",
	[NPFCT_EVENT_DESTROY] = "destroy",
	[NPFCT_EVENT_NAT] = "nat",
	[NPFCT_EVENT_PORT_BLOCK] = "port-block",
};

static const char *const reason_names[NPFCT_EVENT_REASONS] = {
	[NPFCT_EVENT_R_NONE] = "none",
	[NPFCT_EVENT_R_EXPIRED] = "expired",
	[NPFCT_EVENT_R_RST] = "rst",
	[NPFCT_EVENT_R_REMOVED] = "removed",
	[NPFCT_EVENT_R_FLUSHED] = "flushed",
	[NPFCT_EVENT_R_EARLY_DROP] = "early-drop",
	[NPFCT_EVENT_R_EVICTED] = "evicted",
	[NPFCT_EVENT_R_IMPORTED] = "imported",
	[NPFCT_EVENT_R_EXHAUSTED] = "exhausted",
};

static bool
slot_wanted(unsigned int id)
{
	if (id >= RTE_MAX_LCORE)
		return true;
	return rte_eal_lcore_role(id) != ROLE_OFF;
}

/*
 * npfct_events_init: make the rings, if asked for.
 *
 * => Control thread, from npfct_create(); on failure nothing is left.
 */
int
npfct_events_init(struct npfct *ct, const struct npfct_params *p)
{
	struct npfct_events *ev;
	char name[RTE_RING_NAMESIZE];
	unsigned int id;
	unsigned int flags;

	ct->ct_events = NULL;
	ct->ct_ev_mask = 0;
	/* params_check() took the sizes. */
	if (p->event_ring_size == 0)
		return 0;
	ev = rte_zmalloc_socket("npfct_events", sizeof(*ev),
	    RTE_CACHE_LINE_SIZE, ct->ct_socket);
	if (ev == NULL)
		return -ENOMEM;
	ev->ev_size = p->event_ring_size;
	ev->ev_rate = p->event_update_rate;
	for (id = 0; id < NPFCT_EV_SLOTS; id++) {
		if (!slot_wanted(id))
			continue;
		/* Shared: many producers; the others one each. */
		flags = RING_F_EXACT_SZ |
		    (id == NPFCT_EV_SHARED ? 0 : RING_F_SP_ENQ);
		snprintf(name, sizeof(name), "npfct%u_ev%u", ct->ct_id, id);
		ev->ev_ring[id].er_ring = rte_ring_create_elem(name,
		    sizeof(struct npfct_event), ev->ev_size, ct->ct_socket,
		    flags);
		if (ev->ev_ring[id].er_ring == NULL) {
			ct->ct_events = ev;
			npfct_events_fini(ct);
			return rte_errno == 0 ? -ENOMEM : -rte_errno;
		}
		if (id < RTE_MAX_LCORE) {
			ev->ev_ring[id].er_stage = rte_malloc_socket(
			    "npfct_ev_stage", NPFCT_EV_STAGE *
			    sizeof(struct npfct_event), RTE_CACHE_LINE_SIZE,
			    ct->ct_socket);
			if (ev->ev_ring[id].er_stage == NULL) {
				ct->ct_events = ev;
				npfct_events_fini(ct);
				return -ENOMEM;
			}
		}
		ev->ev_list[ev->ev_nlist++] = (uint16_t)id;
	}
	ct->ct_events = ev;
	ct->ct_ev_mask = NPFCT_EVENT_DEFAULT;
	return 0;
}

/* npfct_events_fini: free the rings (control thread, at destroy). */
void
npfct_events_fini(struct npfct *ct)
{
	struct npfct_events *ev = ct->ct_events;
	unsigned int i;

	if (ev == NULL)
		return;
	__atomic_store_n(&ct->ct_ev_mask, 0, __ATOMIC_RELAXED);
	for (i = 0; i < NPFCT_EV_SLOTS; i++) {
		rte_ring_free(ev->ev_ring[i].er_ring);
		rte_free(ev->ev_ring[i].er_stage);
	}
	rte_free(ev);
	ct->ct_events = NULL;
}

/* The ring the calling thread produces into, and whether it is shared. */
static struct npfct_event_ring *
ring_of_caller(struct npfct_events *ev, bool gc, bool *shared)
{
	const unsigned int id = rte_lcore_id();

	*shared = false;
	if (gc)
		return &ev->ev_ring[NPFCT_EV_GC];
	if (id < RTE_MAX_LCORE && ev->ev_ring[id].er_ring != NULL)
		return &ev->ev_ring[id];
	*shared = true;
	return &ev->ev_ring[NPFCT_EV_SHARED];
}

static inline void
ring_count(uint64_t *c, bool shared)
{
	if (shared)
		__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1,
		    __ATOMIC_RELAXED);
}

/*
 * update_allowed: take one UPDATE from the ring's budget of this second.
 * On the shared ring two threads may both start a second: the budget is
 * then exceeded by a few, never by more than the producers.
 */
static bool
update_allowed(struct npfct *ct, struct npfct_events *ev,
		struct npfct_event_ring *er, bool shared)
{
	const uint32_t now = npfct_clock_sec(ct);
	uint32_t left;

	if (ev->ev_rate == 0)
		return true;
	if (__atomic_load_n(&er->er_upd_sec, __ATOMIC_RELAXED) != now) {
		__atomic_store_n(&er->er_upd_left, ev->ev_rate,
		    __ATOMIC_RELAXED);
		__atomic_store_n(&er->er_upd_sec, now, __ATOMIC_RELAXED);
	}
	if (shared) {
		left = __atomic_load_n(&er->er_upd_left, __ATOMIC_RELAXED);
		do {
			if (left == 0)
				return false;
		} while (!__atomic_compare_exchange_n(&er->er_upd_left, &left,
		    left - 1, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
		return true;
	}
	left = er->er_upd_left;
	if (left == 0)
		return false;
	__atomic_store_n(&er->er_upd_left, left - 1, __ATOMIC_RELAXED);
	return true;
}

/*
 * event_fill: a record of a connection.  Only the keys need the lock
 * (setnat changes the backwards key under it): they are copied under it
 * and decoded after; the rest are single words read relaxed.  Cheaper
 * than npfct_conn_info_get(), which also names the state and reads the
 * clock for the idle and expiry times.
 */
static void
event_fill(struct npfct *ct, struct npfct_conn *con, struct npfct_event *e)
{
	uint32_t fk[NPFCT_KEY_MAXWORDS], bk[NPFCT_KEY_MAXWORDS];
	const size_t klen = npfct_key_words(con->c_alen) * sizeof(uint32_t);
	const unsigned int id = rte_lcore_id();
	uint32_t flags;
	bool nat;

	rte_spinlock_lock(&con->c_lock);
	memcpy(fk, npfct_conn_fkey(con), klen);
	memcpy(bk, npfct_conn_bkey(con), klen);
	rte_spinlock_unlock(&con->c_lock);

	memset(e, 0, sizeof(*e));
	flags = __atomic_load_n(&con->c_flags, __ATOMIC_RELAXED);
	e->time_ns = npfct_clock_ns(ct);
	e->cookie = (uint64_t)(uintptr_t)con;
	e->proto = con->c_proto;
	e->alen = con->c_alen;
	e->dir = (uint8_t)(flags & NPFCT_DIR_MASK);
	e->state = __atomic_load_n(&con->c_state.nst_state, __ATOMIC_RELAXED);
	e->zone = npfct_connkey_zone(fk);
	e->ifid = con->c_ifid;
	e->lcore = id < RTE_MAX_LCORE ? (uint16_t)id : UINT16_MAX;
	e->mark = npfct_conn_mark(con);
	npfct_connkey_split(fk, &e->src, &e->dst, &e->sport, &e->dport);
	npfct_connkey_split(bk, &e->bsrc, &e->bdst, &e->bsport, &e->bdport);
	/* The backwards key is the inverted forwards key, but for NAT. */
	nat = memcmp(&e->bdst, &e->src, sizeof(e->src)) != 0 ||
	    e->bdport != e->sport ||
	    memcmp(&e->bsrc, &e->dst, sizeof(e->dst)) != 0 ||
	    e->bsport != e->dport;
	e->flags = (uint8_t)(((flags & CONN_PASS) ? NPFCT_EVENT_F_PASS : 0) |
	    (nat ? NPFCT_EVENT_F_NAT : 0) |
	    ((flags & CONN_IFBOUND) ? NPFCT_EVENT_F_IFBOUND : 0));
	if (ct->ct_acct && npfct_conn_acct_get(ct, con, &e->counters) == 0)
		e->flags |= NPFCT_EVENT_F_ACCT;
}

/* Enqueue the stage's records. */
static void
stage_flush(struct npfct *ct, struct npfct_event_ring *er)
{
	const unsigned int n = er->er_nstaged;
	unsigned int k;

	if (n == 0)
		return;
	k = rte_ring_enqueue_burst_elem(er->er_ring, er->er_stage,
	    sizeof(struct npfct_event), n, NULL);
	__atomic_store_n(&er->er_queued, er->er_queued + k, __ATOMIC_RELAXED);
	if (unlikely(k < n)) {
		/* Not with one producer: the room was looked at before. */
		__atomic_store_n(&er->er_dropped, er->er_dropped + (n - k),
		    __ATOMIC_RELAXED);
		npfct_stat_add(ct, NPFCT_STAT_EVENT_DROP, n - k);
	}
	er->er_nstaged = 0;
}

/*
 * stage_slot: the stage's next record; a full stage is enqueued first,
 * and a ring without room drops the event (NULL) before its record is
 * made.
 */
static struct npfct_event *
stage_slot(struct npfct *ct, struct npfct_event_ring *er)
{
	if (er->er_nstaged == er->er_room) {
		stage_flush(ct, er);
		er->er_room = (uint16_t)RTE_MIN(rte_ring_free_count(
		    er->er_ring), (unsigned int)NPFCT_EV_STAGE);
		if (er->er_room == 0) {
			ring_count(&er->er_dropped, false);
			npfct_stat_inc(ct, NPFCT_STAT_EVENT_DROP);
			return NULL;
		}
	}
	return &er->er_stage[er->er_nstaged++];
}

/* stage_add: an event about con into the stage. */
static void
stage_add(struct npfct *ct, struct npfct_event_ring *er,
		struct npfct_conn *con, unsigned int type, unsigned int reason,
		uint8_t prev_state)
{
	struct npfct_event *e = stage_slot(ct, er);

	if (e == NULL)
		return;
	event_fill(ct, con, e);
	e->type = (uint8_t)type;
	e->reason = (uint8_t)reason;
	e->prev_state = prev_state;
}

struct npfct_event_ring *
npfct_events_stage_begin(struct npfct *ct)
{
	const unsigned int id = rte_lcore_id();
	struct npfct_event_ring *er;

	if (ct->ct_events == NULL || id >= RTE_MAX_LCORE)
		return NULL;
	er = &ct->ct_events->ev_ring[id];
	if (er->er_stage == NULL)
		return NULL;
	RTE_ASSERT(!er->er_staging);
	er->er_nstaged = 0;
	er->er_room = 0;	/* looked at with the first event */
	er->er_staging = true;
	return er;
}

void
npfct_events_stage_end(struct npfct *ct, struct npfct_event_ring *er)
{
	stage_flush(ct, er);
	er->er_staging = false;
}

void
npfct_event_conn(struct npfct *ct, struct npfct_conn *con, unsigned int type,
		unsigned int reason, uint8_t prev_state, bool gc)
{
	struct npfct_events *ev = ct->ct_events;
	struct npfct_event_ring *er;
	struct npfct_event e;
	bool shared;

	RTE_ASSERT(ev != NULL);
	er = ring_of_caller(ev, gc, &shared);
	if (type == NPFCT_EVENT_UPDATE && !update_allowed(ct, ev, er, shared)) {
		ring_count(&er->er_limited, shared);
		return;
	}
	if (er->er_staging) {
		stage_add(ct, er, con, type, reason, prev_state);
		return;
	}
	/* A full ring drops the event before the record is made. */
	if (unlikely(rte_ring_full(er->er_ring))) {
		ring_count(&er->er_dropped, shared);
		npfct_stat_inc(ct, NPFCT_STAT_EVENT_DROP);
		return;
	}
	event_fill(ct, con, &e);
	e.type = (uint8_t)type;
	e.reason = (uint8_t)reason;
	e.prev_state = prev_state;
	if (unlikely(rte_ring_enqueue_elem(er->er_ring, &e, sizeof(e)) != 0)) {
		ring_count(&er->er_dropped, shared);
		npfct_stat_inc(ct, NPFCT_STAT_EVENT_DROP);
		return;
	}
	ring_count(&er->er_queued, shared);
}

void
npfct_event_record(struct npfct *ct, struct npfct_event *rec, bool gc)
{
	struct npfct_events *ev = ct->ct_events;
	struct npfct_event_ring *er;
	struct npfct_event *e;
	bool shared;

	RTE_ASSERT(ev != NULL);
	er = ring_of_caller(ev, gc, &shared);
	if (er->er_staging) {
		e = stage_slot(ct, er);
		if (e != NULL)
			*e = *rec;
		return;
	}
	if (unlikely(rte_ring_enqueue_elem(er->er_ring, rec,
	    sizeof(*rec)) != 0)) {
		ring_count(&er->er_dropped, shared);
		npfct_stat_inc(ct, NPFCT_STAT_EVENT_DROP);
		return;
	}
	ring_count(&er->er_queued, shared);
}

int
npfct_events_subscribe(struct npfct *ct, uint32_t mask)
{
	if (ct == NULL || (mask & ~NPFCT_EVENT_ALL) != 0)
		return -EINVAL;
	if (ct->ct_events == NULL)
		return -ENOTSUP;
	__atomic_store_n(&ct->ct_ev_mask, mask, __ATOMIC_RELAXED);
	return 0;
}

uint32_t
npfct_events_subscribed(const struct npfct *ct)
{
	if (ct == NULL)
		return 0;
	return __atomic_load_n(&ct->ct_ev_mask, __ATOMIC_RELAXED);
}

unsigned int
npfct_events_poll(struct npfct *ct, struct npfct_event *out, unsigned int n)
{
	struct npfct_events *ev;
	unsigned int got = 0, i, first;

	if (ct == NULL || out == NULL || (ev = ct->ct_events) == NULL)
		return 0;
	/* A different ring first each call: none starves under load. */
	first = __atomic_fetch_add(&ev->ev_next, 1, __ATOMIC_RELAXED) %
	    ev->ev_nlist;
	for (i = 0; i < ev->ev_nlist && got < n; i++) {
		const unsigned int slot = ev->ev_list[(first + i) %
		    ev->ev_nlist];

		got += rte_ring_dequeue_burst_elem(ev->ev_ring[slot].er_ring,
		    out + got, sizeof(*out), n - got, NULL);
	}
	return got;
}

int
npfct_events_stats_get(const struct npfct *ct, unsigned int ring,
		struct npfct_event_stats *st)
{
	const struct npfct_event_ring *er;

	if (ct == NULL || st == NULL || ring >= NPFCT_EV_SLOTS)
		return -EINVAL;
	if (ct->ct_events == NULL)
		return -ENOTSUP;
	er = &ct->ct_events->ev_ring[ring];
	if (er->er_ring == NULL)
		return -ENOENT;
	st->queued = __atomic_load_n(&er->er_queued, __ATOMIC_RELAXED);
	st->dropped = __atomic_load_n(&er->er_dropped, __ATOMIC_RELAXED);
	st->limited = __atomic_load_n(&er->er_limited, __ATOMIC_RELAXED);
	st->pending = rte_ring_count(er->er_ring);
	st->size = ct->ct_events->ev_size;
	return 0;
}

const char *
npfct_event_type_name(unsigned int type)
{
	return type < NPFCT_EVENT_TYPES ? type_names[type] : NULL;
}

const char *
npfct_event_reason_name(unsigned int reason)
{
	return reason < NPFCT_EVENT_REASONS ? reason_names[reason] : NULL;
}

const char *
npfct_event_state_name(const struct npfct_event *ev, bool prev)
{
	struct npfct_state st;

	if (ev == NULL)
		return NULL;
	memset(&st, 0, sizeof(st));
	st.nst_state = prev ? ev->prev_state : ev->state;
	return npfct_state_name(&st, ev->proto);
}
