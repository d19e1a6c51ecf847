/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Connection events, private part (event.c): the rings and what the
 * rest of the library calls to produce an event.
 */

#ifndef NPFCT_EVENT_IMPL_H
#define NPFCT_EVENT_IMPL_H

#include <rte_ring.h>

#include "npfct_event.h"
#include "npfct_impl.h"

/* Ring slots: one per lcore id, the shared one, the G/C's. */
#define NPFCT_EV_SHARED		RTE_MAX_LCORE
#define NPFCT_EV_GC		(RTE_MAX_LCORE + 1)
#define NPFCT_EV_SLOTS		(RTE_MAX_LCORE + 2)

/*
 * A ring and its counters.  The producer of an lcore's ring (or the G/C,
 * under ct_gc_lock) updates the counters with relaxed loads and stores;
 * producers of the shared ring with atomic adds.  Own line each.
 */
/* Records a burst establish stages before one enqueue (an lcore's ring). */
#define NPFCT_EV_STAGE		32

struct npfct_event_ring {
	struct rte_ring	*er_ring;	/* NULL: no ring for this slot */
	uint64_t	er_queued;
	uint64_t	er_dropped;
	uint64_t	er_limited;
	uint32_t	er_upd_sec;	/* second of the UPDATE budget */
	uint32_t	er_upd_left;	/* UPDATE events left in it */
	/* The lcore's own (single producer) rings only. */
	struct npfct_event *er_stage;	/* NPFCT_EV_STAGE records */
	uint16_t	er_nstaged;	/* records in er_stage */
	uint16_t	er_room;	/* free in the ring when last looked */
	bool		er_staging;	/* between stage_begin and _end */
} __rte_cache_aligned;

struct npfct_events {
	uint32_t	ev_size;	/* records per ring */
	uint32_t	ev_rate;	/* UPDATE per second and ring, 0: any */
	uint32_t	ev_next;	/* poll: where to start; relaxed */
	uint32_t	ev_nlist;	/* rings that exist */
	uint16_t	ev_list[NPFCT_EV_SLOTS]; /* their slots */
	struct npfct_event_ring ev_ring[NPFCT_EV_SLOTS];
};

int npfct_events_init(struct npfct *ct, const struct npfct_params *p);
void npfct_events_fini(struct npfct *ct);

/*
 * npfct_event_wanted: does the instance produce events of this type?
 * One relaxed load of a read-mostly word; 0 without rings.
 */
static inline bool
npfct_event_wanted(const struct npfct *ct, unsigned int type)
{
	return (__atomic_load_n(&ct->ct_ev_mask, __ATOMIC_RELAXED) &
	    NPFCT_EVENT_BIT(type)) != 0;
}

/*
 * npfct_event_conn: produce an event about con into the calling thread's
 * ring (gc: into the G/C's ring; the caller holds ct_gc_lock).
 *
 * => The caller checked npfct_event_wanted(); holds con under the
 *    reference contract, not its c_lock.  Never blocks: a full ring
 *    counts a drop.
 */
void npfct_event_conn(struct npfct *ct, struct npfct_conn *con,
		unsigned int type, unsigned int reason, uint8_t prev_state,
		bool gc);

/*
 * npfct_event_record: produce a prepared record (not about a connection:
 * NPFCT_EVENT_PORT_BLOCK) as npfct_event_conn() does.
 */
void npfct_event_record(struct npfct *ct, struct npfct_event *rec,
		bool gc);

/*
 * npfct_events_stage_begin/end: between them, the calling lcore's events
 * are filled into its ring's stage and enqueued together, up to
 * NPFCT_EV_STAGE at a time and at the end: one look at the ring's
 * consumer side and one enqueue per 32 events instead of one each (the
 * burst establish).  begin returns NULL (nothing to end) for a thread
 * without a ring of its own.
 *
 * => The same lcore calls both, with no other stage in between.
 */
struct npfct_event_ring *npfct_events_stage_begin(struct npfct *ct);
void npfct_events_stage_end(struct npfct *ct, struct npfct_event_ring *er);

/*
 * npfct_conn_state_inspect_ev: npfct_conn_state_inspect(), and an UPDATE
 * event if the packet changed the protocol state.
 *
 * => The state is read before without the connection's lock: a change
 *    made by two lcores at once may be reported by both.
 */
static inline bool
npfct_conn_state_inspect_ev(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_pkt *pkt, bool forw)
{
	uint8_t before;

	if (likely(!npfct_event_wanted(ct, NPFCT_EVENT_UPDATE)))
		return npfct_conn_state_inspect(ct, con, pkt, forw);
	before = __atomic_load_n(&con->c_state.nst_state, __ATOMIC_RELAXED);
	if (!npfct_conn_state_inspect(ct, con, pkt, forw))
		return false;
	if (__atomic_load_n(&con->c_state.nst_state, __ATOMIC_RELAXED) !=
	    before)
		npfct_event_conn(ct, con, NPFCT_EVENT_UPDATE,
		    NPFCT_EVENT_R_NONE, before, false);
	return true;
}

#endif /* NPFCT_EVENT_IMPL_H */
