/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct connection extensions: per-connection accounting, user data and
 * the mark.
 *
 * Overview
 *
 *	What an application may keep with a connection beyond NPF's fields,
 *	paid for only when asked for at npfct_create():
 *
 *	  - counters (NPFCT_F_ACCOUNTING): packets and bytes per direction,
 *	    like conntrack's acct extension; 32 bytes;
 *	  - user data (npfct_params::udata_size, up to NPFCT_UDATA_MAX):
 *	    an opaque area for the application (a policy result, a
 *	    session id, a pointer);
 *	  - the mark: 32 bits in the padding the connection had anyway
 *	    (c_mark), always there, like Linux's ct mark.
 *
 *	The counters and the user data live in an extension area after the
 *	keys (npfct_ext.h); the pool object is rounded up to whole cache
 *	lines, so an IPv4 connection grows from 128 to 192 bytes with
 *	either, IPv6 from 192 to 256.  The hit path's fields fill the
 *	connection's first line, so the counters are on another one (the
 *	third: 32-byte aligned after the keys, never across two lines): the
 *	burst path prefetches it with the first when it prefetches the
 *	connections found, and counts a packet with two relaxed load/store
 *	pairs.  It tests the instance flag first, so an instance without
 *	accounting pays one predictable branch.
 *
 * Synchronisation
 *
 *	Counters: written by the lcore that inspects a packet (relaxed,
 *	not atomic adds; see npfct_conn_account()), read by anyone under
 *	the reference contract.  The user data and the mark are zeroed by
 *	the establishing (or importing) thread before activation, whose
 *	release publishes them; after that they are the application's.
 */

#include <errno.h>
#include <string.h>

#include "npfct_ext.h"

int
npfct_ext_layout(struct npfct *ct, const struct npfct_params *p)
{
	unsigned int af;
	size_t off;

	if (p->udata_size > NPFCT_UDATA_MAX || p->udata_size % 8 != 0)
		return -EINVAL;
	ct->ct_acct = (p->flags & NPFCT_F_ACCOUNTING) != 0;
	ct->ct_udata_size = p->udata_size;
	for (af = 0; af < NPFCT_NAF; af++) {
		/* 32-byte aligned: the counters are in one cache line. */
		off = RTE_ALIGN_CEIL(npfct_conn_size(af), 32);
		ct->ct_acct_off[af] = (uint16_t)off;
		if (ct->ct_acct)
			off += sizeof(struct npfct_acct);
		ct->ct_udata_off[af] = (uint16_t)off;
		off += ct->ct_udata_size;
		ct->ct_conn_size[af] = (uint16_t)RTE_ALIGN_CEIL(off,
		    RTE_CACHE_LINE_SIZE);
	}
	return 0;
}

int
npfct_conn_acct_get(const struct npfct *ct, const struct npfct_conn *con,
		struct npfct_conn_acct *acct)
{
	struct npfct_acct *a;
	unsigned int d;

	if (ct == NULL || con == NULL || acct == NULL)
		return -EINVAL;
	if (!ct->ct_acct)
		return -ENOTSUP;
	a = npfct_conn_acct_area(ct, (struct npfct_conn *)(uintptr_t)con);
	for (d = 0; d < 2; d++) {
		acct->packets[d] = __atomic_load_n(&a->ac_packets[d],
		    __ATOMIC_RELAXED);
		acct->bytes[d] = __atomic_load_n(&a->ac_bytes[d],
		    __ATOMIC_RELAXED);
	}
	return 0;
}

void *
npfct_conn_udata(const struct npfct *ct, struct npfct_conn *con)
{
	if (ct == NULL || con == NULL || ct->ct_udata_size == 0)
		return NULL;
	return npfct_conn_udata_area(ct, con);
}

void
npfct_conn_mark_set(struct npfct_conn *con, uint32_t mark)
{
	__atomic_store_n(&con->c_mark, mark, __ATOMIC_RELAXED);
}

uint32_t
npfct_conn_mark(const struct npfct_conn *con)
{
	return __atomic_load_n(&con->c_mark, __ATOMIC_RELAXED);
}
