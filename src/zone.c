/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct zones: the zone of a packet (an mbuf dynamic field), and the
 * connection count and limit of every zone.
 *
 * Overview
 *
 *	A zone is a 16-bit id in every connection key (word 0, npfct_impl.h),
 *	as in Linux's and OVS's conntrack: the same 5-tuple in two zones is
 *	two connections.  Zone 0 is the default: an application that sets
 *	no zone sees no change.  The application gives a packet its zone
 *	through the mbuf dynamic field "npfct_zone" (npfct_mbuf_zone_set(),
 *	read by the parser) or by setting npfct_pkt::zone after parsing.
 *
 *	Each instance counts its connections per zone (both families
 *	together) and may limit them: a zone's own limit, or else the
 *	default limit, or none (0).  A zone at its limit refuses new
 *	connections (EDQUOT, counted as zone-full); other zones are not
 *	affected.  The count is reserved like the instance's live count
 *	(npfct_zone_reserve(), a compare-and-swap when a limit applies, an
 *	add otherwise) and released when the connection is destroyed.
 *
 * Synchronisation
 *
 *	Counts: atomics, any thread.  Limits: relaxed words, set by any
 *	thread; a new limit applies to the next establish (connections above
 *	it stay).  npfct_zone_dynfield_offset is written once, before
 *	traffic, by npfct_zone_dynfield_register().
 */

#include <errno.h>

#include <rte_errno.h>
#include <rte_mbuf_dyn.h>

#include "npfct_impl.h"

int npfct_zone_dynfield_offset = -1;

int
npfct_zone_dynfield_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "npfct_zone",
		.size = sizeof(uint16_t),
		.align = __alignof__(uint16_t),
	};
	int off = rte_mbuf_dynfield_register(&desc);

	if (off < 0)
		return -rte_errno;
	__atomic_store_n(&npfct_zone_dynfield_offset, off, __ATOMIC_RELEASE);
	return off;
}

int
npfct_zone_limit_set(struct npfct *ct, int zone, uint32_t limit)
{
	if (ct == NULL || zone < NPFCT_ZONE_DEFAULT || zone > UINT16_MAX)
		return -EINVAL;
	if (zone == NPFCT_ZONE_DEFAULT)
		__atomic_store_n(&ct->ct_zones->zn_default_limit, limit,
		    __ATOMIC_RELAXED);
	else
		__atomic_store_n(&ct->ct_zones->zn_limit[zone], limit,
		    __ATOMIC_RELAXED);
	return 0;
}

int64_t
npfct_zone_limit_get(const struct npfct *ct, int zone)
{
	if (ct == NULL || zone < NPFCT_ZONE_DEFAULT || zone > UINT16_MAX)
		return -EINVAL;
	if (zone == NPFCT_ZONE_DEFAULT)
		return __atomic_load_n(&ct->ct_zones->zn_default_limit,
		    __ATOMIC_RELAXED);
	return __atomic_load_n(&ct->ct_zones->zn_limit[zone],
	    __ATOMIC_RELAXED);
}

uint32_t
npfct_zone_count(const struct npfct *ct, uint16_t zone)
{
	return ct == NULL ? 0 :
	    __atomic_load_n(&ct->ct_zones->zn_count[zone], __ATOMIC_RELAXED);
}
