/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_EVENT_H
#define NPFCT_EVENT_H

/**
 * @file
 * Connection events: NEW, UPDATE, DESTROY and NAT, like conntrack's
 * ctnetlink events, lossy by design.
 *
 * An instance created with npfct_params::event_ring_size > 0 has one
 * single-producer ring of fixed-size records (struct npfct_event) per
 * lcore that exists at npfct_create(), one multi-producer ring for the
 * other threads and one for the G/C (which produces every DESTROY).
 * Producing an event never blocks: a full ring drops the event and
 * counts the drop in that ring's counters (npfct_events_stats_get(),
 * telemetry /npfct/events) and in NPFCT_STAT_EVENT_DROP.  A consumer on
 * any thread, and several at once, drains them with npfct_events_poll().
 * Events of one ring come in the order they were made; across rings
 * there is no order (sort by npfct_event::time_ns), so a consumer that
 * lags may see a connection's DESTROY (G/C ring) before its NEW (lcore
 * ring) if it polls with a small n: poll until npfct_events_poll()
 * returns 0 to see both.  A consumer that finds drops falls back to
 * listing (telemetry /npfct/conns, npfct_export()), as ctnetlink's
 * users do on ENOBUFS.
 */

#include <stdint.h>

#include <rte_byteorder.h>

#include "npfct.h"
#include "npfct_conn.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest npfct_params::event_ring_size. */
#define NPFCT_EVENT_RING_MAX	(1u << 20)

/** What happened to a connection. */
enum npfct_event_type {
	/** Activated: visible to lookups (establish; import: reason IMPORTED). */
	NPFCT_EVENT_NEW = 0,
	/** Its protocol state changed (prev_state -> state); rate-limited. */
	NPFCT_EVENT_UPDATE = 1,
	/** Removed from the table (reason), with its final counters. */
	NPFCT_EVENT_DESTROY = 2,
	/** A NAT association was made (npfct_conn_setnat()): the b* fields. */
	NPFCT_EVENT_NAT = 3,
	/**
	 * A port block (NPFCT_NATF_PORT_BLOCK) made for an inside address
	 * (reason NONE) or given back after its hold (reason EXPIRED).  Not
	 * about a connection: src is the inside address, bsrc the outside
	 * one, bsport-bdport the block's first and last port; cookie names
	 * the block (the same in both events), proto is 0, dir OUT, state
	 * and the counters 0.
	 */
	NPFCT_EVENT_PORT_BLOCK = 4,
	NPFCT_EVENT_TYPES
};

/** Bit of a type in a subscription mask. */
#define NPFCT_EVENT_BIT(type)	(1u << (type))
/** Every type. */
#define NPFCT_EVENT_ALL		((1u << NPFCT_EVENT_TYPES) - 1)
/** What an instance with rings subscribes to at create. */
#define NPFCT_EVENT_DEFAULT	(NPFCT_EVENT_BIT(NPFCT_EVENT_NEW) | \
	NPFCT_EVENT_BIT(NPFCT_EVENT_DESTROY) | NPFCT_EVENT_BIT(NPFCT_EVENT_NAT) | \
	NPFCT_EVENT_BIT(NPFCT_EVENT_PORT_BLOCK))

/** Why: DESTROY's reason; NEW's is NONE or IMPORTED. */
enum npfct_event_reason {
	NPFCT_EVENT_R_NONE = 0,
	/** Idle longer than its state's timeout. */
	NPFCT_EVENT_R_EXPIRED,
	/** TCP: closed by a RST, then timed out (state "closed"). */
	NPFCT_EVENT_R_RST,
	/** npfct_conn_expire(): the application, or a lost NAT race. */
	NPFCT_EVENT_R_REMOVED,
	/** npfct_flush() or npfct_flush_filter(). */
	NPFCT_EVENT_R_FLUSHED,
	/** The G/C's early drop (its family was short of room). */
	NPFCT_EVENT_R_EARLY_DROP,
	/** Its database was replaced (npfct_load()) or discarded. */
	NPFCT_EVENT_R_EVICTED,
	/** NEW: restored by npfct_import(). */
	NPFCT_EVENT_R_IMPORTED,
	/**
	 * NAT: a new connection refused, no translated address and port
	 * left (npfct_nat_establish()); the record has its original tuple.
	 */
	NPFCT_EVENT_R_EXHAUSTED,
	NPFCT_EVENT_REASONS
};

/** npfct_event::flags */
#define NPFCT_EVENT_F_PASS	0x01	/**< a "pass" connection */
#define NPFCT_EVENT_F_NAT	0x02	/**< backwards key translated */
#define NPFCT_EVENT_F_ACCT	0x04	/**< counters are kept */
#define NPFCT_EVENT_F_IFBOUND	0x08	/**< bound to ifid */

/**
 * One event, 144 bytes.  Addresses and ports in network order; IPv4
 * addresses in the first 4 bytes.
 */
struct npfct_event {
	uint64_t time_ns;	/**< instance clock (npfct_clock_now()) */
	/**
	 * The connection's address: the same in every event of one
	 * connection, from NEW to DESTROY; reused by a later connection
	 * after DESTROY.  Not a pointer to use.
	 */
	uint64_t cookie;
	uint8_t type;		/**< enum npfct_event_type */
	uint8_t reason;		/**< enum npfct_event_reason */
	uint8_t proto;		/**< IPPROTO_* */
	uint8_t alen;		/**< 4 or 16 */
	uint8_t dir;		/**< NPFCT_DIR_* of the first packet */
	uint8_t state;		/**< protocol state (npfct_event_state_name()) */
	uint8_t prev_state;	/**< UPDATE: the state before */
	uint8_t flags;		/**< NPFCT_EVENT_F_* */
	uint16_t zone;		/**< zone */
	uint16_t ifid;		/**< interface (if NPFCT_EVENT_F_IFBOUND) */
	uint16_t lcore;		/**< producer's lcore id, UINT16_MAX: none */
	uint16_t reserved;	/**< 0 */
	uint32_t mark;		/**< npfct_conn_mark() */
	union npfct_addr src;	/**< forwards source (original) */
	union npfct_addr dst;	/**< forwards destination */
	rte_be16_t sport;	/**< forwards source port or ICMP id */
	rte_be16_t dport;	/**< forwards destination port or ICMP id */
	rte_be16_t bsport;	/**< backwards key: source port */
	rte_be16_t bdport;	/**< backwards key: destination port */
	union npfct_addr bsrc;	/**< backwards key: source */
	union npfct_addr bdst;	/**< backwards key: destination */
	/** Packets and bytes per direction (NPFCT_EVENT_F_ACCT), when made. */
	struct npfct_conn_acct counters;
};

/**
 * Choose the event types to produce (a mask of NPFCT_EVENT_BIT()s);
 * takes effect at once on every lcore (relaxed).  Any thread.
 *
 * @return
 *   0; -ENOTSUP if the instance has no rings (event_ring_size 0);
 *   -EINVAL for an unknown bit or a NULL instance.
 */
int npfct_events_subscribe(struct npfct *ct, uint32_t mask);

/** The subscription mask (0 if the instance has no rings). */
uint32_t npfct_events_subscribed(const struct npfct *ct);

/**
 * Take up to n events, from every ring in turn (a different ring first
 * each call, so that no ring starves).  Any thread, several at once
 * (the rings are multi-consumer).  Never blocks.
 *
 * @return
 *   The number of events written to ev (0: none pending, or no rings).
 */
unsigned int npfct_events_poll(struct npfct *ct, struct npfct_event *ev,
		unsigned int n);

/** npfct_events_stats_get(): the G/C's ring, and the other threads' ring. */
#define NPFCT_EVENTS_RING_GC		(RTE_MAX_LCORE + 1u)
#define NPFCT_EVENTS_RING_SHARED	RTE_MAX_LCORE

/** Counters of one ring. */
struct npfct_event_stats {
	uint64_t queued;	/**< events put in the ring */
	uint64_t dropped;	/**< events lost: the ring was full */
	uint64_t limited;	/**< UPDATE events over the rate limit */
	uint32_t pending;	/**< events in the ring now */
	uint32_t size;		/**< capacity */
};

/**
 * Counters of the ring of an lcore id, NPFCT_EVENTS_RING_SHARED or
 * NPFCT_EVENTS_RING_GC.  Any thread; each counter is read whole.
 *
 * @return
 *   0; -ENOENT for an lcore without a ring of its own (its events go to
 *   the shared ring); -ENOTSUP without rings; -EINVAL.
 */
int npfct_events_stats_get(const struct npfct *ct, unsigned int ring,
		struct npfct_event_stats *st);

/** "new", "update", "destroy", "nat"; NULL for another value. */
const char *npfct_event_type_name(unsigned int type);
/** "none", "expired", "rst", ...; NULL for another value. */
const char *npfct_event_reason_name(unsigned int reason);
/** The name of an event's state (or, if prev, its previous state). */
const char *npfct_event_state_name(const struct npfct_event *ev, bool prev);

#ifdef __cplusplus
}
#endif

#endif /* NPFCT_EVENT_H */
