/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct statistics: per-lcore counters summed on read.
 *
 * Overview
 *
 *	Each lcore writes its own cache-aligned slot of npfct::ct_lcore[]
 *	with plain (relaxed atomic) stores; threads without an lcore id
 *	share the last slot with atomic adds.  Readers sum all slots, so a
 *	read is not a snapshot across counters, as in DPDK's ethdev stats.
 *
 * Synchronisation
 *
 *	Any thread may read or reset.  A reset races with concurrent
 *	increments, which may be lost; it is meant for tests and operators.
 */

#include <errno.h>
#include <string.h>

#include "npfct_impl.h"

static const char *const stat_names[NPFCT_STAT_MAX] = {
	[NPFCT_STAT_CONN_CREATE] = "conn-create",
	[NPFCT_STAT_CONN_DESTROY] = "conn-destroy",
	[NPFCT_STAT_RACE_CONN] = "race-conn",
	[NPFCT_STAT_RACE_NAT] = "race-nat",
	[NPFCT_STAT_INVALID_STATE] = "invalid-state",
	[NPFCT_STAT_TABLE_FULL] = "table-full",
	[NPFCT_STAT_NOT_TRACKABLE] = "not-trackable",
	[NPFCT_STAT_TRACKING_OFF] = "tracking-off",
	[NPFCT_STAT_STATE_REFUSED] = "state-refused",
	[NPFCT_STAT_LOOKUP_HIT] = "lookup-hit",
	[NPFCT_STAT_LOOKUP_MISS] = "lookup-miss",
	[NPFCT_STAT_ALG_HIT] = "alg-hit",
	[NPFCT_STAT_GC_EXPIRED] = "gc-expired",
	[NPFCT_STAT_EARLY_DROP] = "early-drop",
	[NPFCT_STAT_PARSE_NOT_IP] = "parse-not-ip",
	[NPFCT_STAT_PARSE_L2_TRUNC] = "parse-l2-trunc",
	[NPFCT_STAT_PARSE_L3_TRUNC] = "parse-l3-trunc",
	[NPFCT_STAT_PARSE_L3_BAD] = "parse-l3-bad",
	[NPFCT_STAT_PARSE_L3_EXT_BAD] = "parse-l3-ext-bad",
	[NPFCT_STAT_PARSE_L4_TRUNC] = "parse-l4-trunc",
	[NPFCT_STAT_PARSE_L4_BAD] = "parse-l4-bad",
	[NPFCT_STAT_BUCKET_FULL] = "bucket-full",
	[NPFCT_STAT_NO_LCORE] = "no-lcore",
	[NPFCT_STAT_ZONE_FULL] = "zone-full",
	[NPFCT_STAT_EVENT_DROP] = "event-drop",
	[NPFCT_STAT_NAT_BOUND] = "nat-bound",
	[NPFCT_STAT_NAT_EXHAUSTED] = "nat-exhausted",
	[NPFCT_STAT_NAT_IMPORT_UNATTACHED] = "nat-import-unattached",
	[NPFCT_STAT_NAT_IMPORT_CLASH] = "nat-import-clash",
	[NPFCT_STAT_FRAG_SEEN] = "frag-seen",
	[NPFCT_STAT_FRAG_HELD] = "frag-held",
	[NPFCT_STAT_FRAG_COMPLETE] = "frag-complete",
	[NPFCT_STAT_FRAG_TIMEOUT] = "frag-timeout",
	[NPFCT_STAT_FRAG_EVICTED] = "frag-evicted",
	[NPFCT_STAT_FRAG_HOLD_FULL] = "frag-hold-full",
	[NPFCT_STAT_FRAG_DUPLICATE] = "frag-duplicate",
	[NPFCT_STAT_FRAG_OVERLAP] = "frag-overlap",
	[NPFCT_STAT_FRAG_TINY] = "frag-tiny",
	[NPFCT_STAT_FRAG_TOO_LONG] = "frag-too-long",
	[NPFCT_STAT_FRAG_TOO_MANY] = "frag-too-many",
	[NPFCT_STAT_FRAG_BAD] = "frag-bad",
	[NPFCT_STAT_FRAG_DROPPED] = "frag-dropped",
};

static const uint8_t parse_stat[NPFCT_PARSE_STATUS_MAX] = {
	[NPFCT_PARSE_NOT_IP] = NPFCT_STAT_PARSE_NOT_IP,
	[NPFCT_PARSE_L2_TRUNC] = NPFCT_STAT_PARSE_L2_TRUNC,
	[NPFCT_PARSE_L3_TRUNC] = NPFCT_STAT_PARSE_L3_TRUNC,
	[NPFCT_PARSE_L3_BAD] = NPFCT_STAT_PARSE_L3_BAD,
	[NPFCT_PARSE_L3_EXT_BAD] = NPFCT_STAT_PARSE_L3_EXT_BAD,
	[NPFCT_PARSE_L4_TRUNC] = NPFCT_STAT_PARSE_L4_TRUNC,
	[NPFCT_PARSE_L4_BAD] = NPFCT_STAT_PARSE_L4_BAD,
};

/*
 * npfct_stat_parse: the counter of a parse error.
 */
enum npfct_stat
npfct_stat_parse(enum npfct_parse_status status)
{
	RTE_ASSERT(status != NPFCT_PARSE_OK &&
	    status < NPFCT_PARSE_STATUS_MAX);
	return (enum npfct_stat)parse_stat[status];
}

int
npfct_stats_get(const struct npfct *ct, struct npfct_stats *stats)
{
	unsigned int i, s;

	if (ct == NULL || stats == NULL)
		return -EINVAL;
	memset(stats, 0, sizeof(*stats));
	for (i = 0; i <= RTE_MAX_LCORE; i++)
		for (s = 0; s < NPFCT_STAT_MAX; s++)
			stats->count[s] += __atomic_load_n(
			    &ct->ct_lcore[i].lc_stats[s], __ATOMIC_RELAXED);
	return 0;
}

void
npfct_stats_reset(struct npfct *ct)
{
	unsigned int i, s;

	for (i = 0; i <= RTE_MAX_LCORE; i++)
		for (s = 0; s < NPFCT_STAT_MAX; s++)
			__atomic_store_n(&ct->ct_lcore[i].lc_stats[s], 0,
			    __ATOMIC_RELAXED);
}

const char *
npfct_stat_name(enum npfct_stat which)
{
	return (unsigned int)which < NPFCT_STAT_MAX ? stat_names[which] : NULL;
}
