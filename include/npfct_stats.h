/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_STATS_H
#define NPFCT_STATS_H

/**
 * @file
 * npfct statistics (NPF's NPF_STAT_* counters).
 *
 * Counters are kept per lcore without atomics on the fast path and summed
 * when read; a read is therefore not a snapshot across counters.  Threads
 * without an lcore id share one slot updated with relaxed atomics.
 *
 * npfct_stats_get() and npfct_stats_reset() may be called from any thread.
 */

#include <stdint.h>

#include "npfct.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Counter index. */
enum npfct_stat {
	NPFCT_STAT_CONN_CREATE = 0,	/**< connections created */
	NPFCT_STAT_CONN_DESTROY,	/**< connections destroyed */
	NPFCT_STAT_RACE_CONN,		/**< establish lost a duplicate race */
	NPFCT_STAT_RACE_NAT,		/**< setnat lost a duplicate race */
	NPFCT_STAT_INVALID_STATE,	/**< packets refused by state inspection */
	NPFCT_STAT_TABLE_FULL,		/**< establish failed: table full */
	NPFCT_STAT_NOT_TRACKABLE,	/**< packets not trackable */
	NPFCT_STAT_TRACKING_OFF,	/**< packets seen with tracking off */
	NPFCT_STAT_STATE_REFUSED,	/**< establish refused by the state */
	NPFCT_STAT_LOOKUP_HIT,		/**< packets that found a connection */
	NPFCT_STAT_LOOKUP_MISS,		/**< trackable packets without one */
	NPFCT_STAT_ALG_HIT,		/**< connections found by an ALG */
	NPFCT_STAT_GC_EXPIRED,		/**< connections expired by the G/C */
	NPFCT_STAT_EARLY_DROP,		/**< evicted: table full */
	NPFCT_STAT_PARSE_NOT_IP,	/**< parse: not IPv4/IPv6 */
	NPFCT_STAT_PARSE_L2_TRUNC,	/**< parse: Ethernet/VLAN truncated */
	NPFCT_STAT_PARSE_L3_TRUNC,	/**< parse: IP header truncated */
	NPFCT_STAT_PARSE_L3_BAD,	/**< parse: bad IP header/length */
	NPFCT_STAT_PARSE_L3_EXT_BAD,	/**< parse: bad IPv6 extension chain */
	NPFCT_STAT_PARSE_L4_TRUNC,	/**< parse: L4 header truncated */
	NPFCT_STAT_PARSE_L4_BAD,	/**< parse: bad L4 header */
	/**
	 * establish (or setnat, import) refused: the two buckets the key
	 * may go to are full, while the table has room.  With the keyed
	 * hash this takes a table near its limit, never aimed collisions.
	 */
	NPFCT_STAT_BUCKET_FULL,
	/** a call that needs an lcore id refused: the thread has none */
	NPFCT_STAT_NO_LCORE,
	/** establish (or import) refused: the zone is at its limit */
	NPFCT_STAT_ZONE_FULL,
	/** Connection events lost: a full ring (npfct_event.h). */
	NPFCT_STAT_EVENT_DROP,
	/** NAT engine: connections translated (npfct_nat_establish()) */
	NPFCT_STAT_NAT_BOUND,
	/**
	 * NAT engine: new connections refused, no address and port left
	 * for their destination within the probes
	 */
	NPFCT_STAT_NAT_EXHAUSTED,
	/**
	 * NAT engine: imported translated connections that no policy of the
	 * instance explains (still translated from their keys, but not
	 * counted with a policy; see npfct_import())
	 */
	NPFCT_STAT_NAT_IMPORT_UNATTACHED,
	/**
	 * npfct_import(): an imported connection's translated address and
	 * port are held by another inside party of its policy's bindings
	 * (EIM, port blocks); the import fails with -EADDRINUSE.
	 */
	NPFCT_STAT_NAT_IMPORT_CLASH,
	/** Fragments (npfct_frag.h): fragments given to the handler */
	NPFCT_STAT_FRAG_SEEN,
	/** Fragments held until their first fragment came */
	NPFCT_STAT_FRAG_HELD,
	/** Datagrams passed whole (every fragment seen once) */
	NPFCT_STAT_FRAG_COMPLETE,
	/** Datagrams not completed within their timeout */
	NPFCT_STAT_FRAG_TIMEOUT,
	/** Datagrams evicted, oldest first, from a full bucket */
	NPFCT_STAT_FRAG_EVICTED,
	/** Fragments dropped: max_held fragments held already */
	NPFCT_STAT_FRAG_HOLD_FULL,
	/** Exact duplicates (same offsets and data) dropped */
	NPFCT_STAT_FRAG_DUPLICATE,
	/** Datagrams refused: fragments overlap (RFC 5722) */
	NPFCT_STAT_FRAG_OVERLAP,
	/**
	 * Datagrams refused: a first fragment without its whole layer 4
	 * header or IPv6 header chain, or a TCP fragment inside the
	 * minimum TCP header (RFC 1858, RFC 7112)
	 */
	NPFCT_STAT_FRAG_TINY,
	/** Datagrams refused: longer than 65535 bytes */
	NPFCT_STAT_FRAG_TOO_LONG,
	/** Datagrams refused: more than max_frags fragments */
	NPFCT_STAT_FRAG_TOO_MANY,
	/**
	 * Datagrams refused: an empty fragment, a non-last one not a
	 * multiple of 8 bytes, ends that disagree, unreadable headers
	 */
	NPFCT_STAT_FRAG_BAD,
	/**
	 * Fragments dropped with their datagram: its first fragment
	 * dropped, the datagram refused, evicted or timed out
	 */
	NPFCT_STAT_FRAG_DROPPED,
	NPFCT_STAT_MAX			/**< number of counters */
};

/** All counters, summed over lcores. */
struct npfct_stats {
	uint64_t count[NPFCT_STAT_MAX];	/**< indexed by enum npfct_stat */
};

/**
 * Sum the counters of all lcores.
 *
 * @return
 *   0, or -EINVAL if an argument is NULL.
 */
int npfct_stats_get(const struct npfct *ct, struct npfct_stats *stats);

/**
 * Reset all counters to zero.  The counters are per lcore and written
 * without atomic read-modify-write, so while traffic runs the reset is
 * not exact: counts made meanwhile may be lost, and an lcore that read a
 * counter just before the reset may write back its old value plus its
 * count.  Reset while the datapath is idle for exact figures, or take
 * differences of npfct_stats_get() instead.
 */
void npfct_stats_reset(struct npfct *ct);

/**
 * Return a counter's name ("conn-create", ...), or NULL if out of range.
 */
const char *npfct_stat_name(enum npfct_stat which);

#ifdef __cplusplus
}
#endif

#endif /* NPFCT_STATS_H */
