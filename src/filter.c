/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct connection filters: which connections npfct_flush_filter()
 * destroys (a host, a port, a protocol, an interface, a zone).
 *
 * Overview
 *
 *	Every field selected in npfct_filter::fields must match.  Addresses
 *	and ports are compared with both keys of a connection, so a filter
 *	on a host or port matches it as source or destination, original or
 *	NAT-translated.  The interface matches per-interface connections
 *	bound to it.  The zone is in both keys and never translated.
 *
 * Synchronisation
 *
 *	Called by the G/C under ct_gc_lock; the keys are read under the
 *	connection's c_lock (setnat rewrites the backwards key).
 */

#include <errno.h>
#include <string.h>

#include "npfct_impl.h"

#define FILTER_FIELDS	(NPFCT_FILTER_PROTO | NPFCT_FILTER_ADDR | \
			 NPFCT_FILTER_PORT | NPFCT_FILTER_IFID | \
			 NPFCT_FILTER_ZONE)

int
npfct_filter_check(const struct npfct_filter *f)
{
	if (f == NULL || f->fields == 0 || (f->fields & ~FILTER_FIELDS))
		return -EINVAL;
	if ((f->fields & NPFCT_FILTER_ADDR) &&
	    ((f->alen != 4 && f->alen != 16) || f->plen > f->alen * 8))
		return -EINVAL;
	return 0;
}

/* Whether addr is within the filter's prefix. */
static bool
prefix_match(const struct npfct_filter *f, const uint32_t *addr)
{
	const uint8_t *a = (const uint8_t *)addr;
	unsigned int bytes = f->plen / 8, bits = f->plen % 8;

	if (memcmp(a, f->addr.a8, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((a[bytes] ^ f->addr.a8[bytes]) & (0xff << (8 - bits))) == 0;
}

static bool
key_match(const struct npfct_filter *f, const uint32_t *key)
{
	const unsigned int alen = npfct_connkey_alen(key);

	if (f->fields & NPFCT_FILTER_ADDR) {
		if (alen != f->alen || (!prefix_match(f, &key[2]) &&
		    !prefix_match(f, &key[2 + alen / 4])))
			return false;
	}
	if (f->fields & NPFCT_FILTER_PORT) {
		const rte_be16_t sid = (rte_be16_t)(key[1] >> 16);
		const rte_be16_t did = (rte_be16_t)(key[1] & 0xffff);

		if (sid != f->port && did != f->port)
			return false;
	}
	return true;
}

bool
npfct_filter_match(const struct npfct_filter *f, struct npfct_conn *con)
{
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);
	bool match;

	if ((f->fields & NPFCT_FILTER_PROTO) && con->c_proto != f->proto)
		return false;
	if ((f->fields & NPFCT_FILTER_IFID) &&
	    (!(flags & CONN_IFBOUND) || con->c_ifid != f->ifid))
		return false;
	/* Word 0 of a key is never rewritten: no lock needed. */
	if ((f->fields & NPFCT_FILTER_ZONE) &&
	    npfct_connkey_zone(npfct_conn_fkey(con)) != f->zone)
		return false;
	if ((f->fields & (NPFCT_FILTER_ADDR | NPFCT_FILTER_PORT)) == 0)
		return true;
	rte_spinlock_lock(&con->c_lock);
	match = key_match(f, npfct_conn_fkey(con)) ||
	    key_match(f, npfct_conn_bkey(con));
	rte_spinlock_unlock(&con->c_lock);
	return match;
}
