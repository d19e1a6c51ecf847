/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_EXT_H
#define NPFCT_EXT_H

/*
 * The connection's extension area (ext.c): after the keys, sized per
 * instance at npfct_create().
 *
 *	| struct npfct_conn | keys | counters (32 B) | user data | pad |
 *
 * The counters are there with NPFCT_F_ACCOUNTING, the user data with
 * npfct_params::udata_size > 0; the object is rounded up to whole cache
 * lines.  Offsets are per family (the keys' length differs).
 */

#include "npfct_impl.h"

static inline struct npfct_acct *
npfct_conn_acct_area(const struct npfct *ct, struct npfct_conn *con)
{
	return (struct npfct_acct *)((uint8_t *)con +
	    ct->ct_acct_off[npfct_af_index(con->c_alen)]);
}

static inline void *
npfct_conn_udata_area(const struct npfct *ct, struct npfct_conn *con)
{
	return (uint8_t *)con + ct->ct_udata_off[npfct_af_index(con->c_alen)];
}

/* The bytes of a packet's IP datagram (per its header). */
static inline uint32_t
npfct_pkt_ip_len(const struct npfct_pkt *pkt)
{
	return (uint32_t)(pkt->l4_off - pkt->l3_off) + pkt->l4_len;
}

/*
 * npfct_conn_account: count a packet that matched con in direction forw.
 * Relaxed load and store, no atomic add: the hit path of a connection
 * that one lcore handles (symmetric RSS) pays no locked instruction; two
 * lcores hitting it at the same moment may lose a count, never tear one.
 */
static inline void
npfct_conn_account(const struct npfct *ct, struct npfct_conn *con,
		const struct npfct_pkt *pkt, bool forw)
{
	struct npfct_acct *a = npfct_conn_acct_area(ct, con);
	const unsigned int d = forw ? 0 : 1;

	__atomic_store_n(&a->ac_packets[d],
	    __atomic_load_n(&a->ac_packets[d], __ATOMIC_RELAXED) + 1,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&a->ac_bytes[d],
	    __atomic_load_n(&a->ac_bytes[d], __ATOMIC_RELAXED) +
	    npfct_pkt_ip_len(pkt), __ATOMIC_RELAXED);
}

/*
 * npfct_conn_ext_init: a new connection's extension area: the counters
 * hold its first packet (forwards) if pkt, none otherwise; the user data
 * is zeroed.
 */
static inline void
npfct_conn_ext_init(const struct npfct *ct, struct npfct_conn *con,
		const struct npfct_pkt *pkt)
{
	con->c_mark = 0;
	if (ct->ct_acct) {
		struct npfct_acct *a = npfct_conn_acct_area(ct, con);

		memset(a, 0, sizeof(*a));
		if (pkt != NULL) {
			a->ac_packets[0] = 1;
			a->ac_bytes[0] = npfct_pkt_ip_len(pkt);
		}
	}
	if (ct->ct_udata_size > 0)
		memset(npfct_conn_udata_area(ct, con), 0, ct->ct_udata_size);
}

/* ext.c: lay the area out for an instance's parameters. */
int npfct_ext_layout(struct npfct *ct, const struct npfct_params *p);

#endif /* NPFCT_EXT_H */
