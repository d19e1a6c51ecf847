/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_EXT_H
#define NPFCT_EXT_H

/*
 * The connection's extension area (ext.c): after the keys, sized per
 * instance at npfct_create().
 *
 *	| struct npfct_conn | keys | counters (56 B) | user data | pad |
 *
 * The counters (struct npfct_acct: the sums, and the connection's removed
 * slot and rule procedure, whose places on the first line hold the counts
 * not yet summed) are there with NPFCT_F_ACCOUNTING, at a cache line
 * boundary; the user data with npfct_params::udata_size > 0; the object
 * is rounded up to whole cache lines.  Offsets are per family (the keys'
 * length differs).
 */

#include "npfct_impl.h"

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
 * Accounting's batches: the hit path adds a packet to the counts on the
 * connection's first line (c_apkts, c_abytes) and adds them to the sums
 * in the extension area (a flush) when a direction has
 * NPFCT_ACCT_BATCH packets pending: the counters' line is touched once
 * per 1024 packets of a direction, not on every packet.  The bound also
 * bounds the error when two lcores count one direction at the same
 * moment (see ext.c).  A packet's IP length is below 2^17 (two 16-bit
 * fields), so the pending bytes stay below 2^27.
 */
#define NPFCT_ACCT_BATCH	1024u

static_assert(NPFCT_ACCT_BATCH <= UINT16_MAX &&
    (uint64_t)NPFCT_ACCT_BATCH * 2 * UINT16_MAX < UINT32_MAX,
    "accounting batch: the counts fit c_apkts and c_abytes");

void npfct_conn_acct_flush(struct npfct_conn *con, unsigned int d,
		uint32_t packets, uint32_t bytes);

/*
 * npfct_conn_account: count a packet that matched con in direction forw.
 * Loads and release stores on the connection's first line, no atomic
 * add: the hit path of a connection whose directions one lcore each
 * handles (RSS) pays no locked instruction and no other cache line.
 */
static inline void
npfct_conn_account(struct npfct_conn *con, const struct npfct_pkt *pkt,
		bool forw)
{
	const unsigned int d = forw ? 0 : 1;
	const uint32_t len = npfct_pkt_ip_len(pkt);
	const uint32_t np = (uint32_t)__atomic_load_n(&con->c_apkts[d],
	    __ATOMIC_RELAXED) + 1;
	const uint32_t nb = __atomic_load_n(&con->c_abytes[d],
	    __ATOMIC_RELAXED) + len;

	if (unlikely(np >= NPFCT_ACCT_BATCH)) {
		npfct_conn_acct_flush(con, d, np, nb);
		return;
	}
	/*
	 * Release (a plain store on x86): a reader that sees these counts
	 * also sees the sums of the flush before them (ext.c).
	 */
	__atomic_store_n(&con->c_apkts[d], (uint16_t)np, __ATOMIC_RELEASE);
	__atomic_store_n(&con->c_abytes[d], nb, __ATOMIC_RELEASE);
}

/*
 * npfct_conn_ext_init: a new connection's extension area and the fields
 * that live in it with accounting (c_flags' CONN_ACCT is set): the counts
 * hold its first packet (forwards) if pkt, none otherwise; no rule
 * procedure, no removed slot; the user data and the mark are zeroed.
 */
static inline void
npfct_conn_ext_init(const struct npfct *ct, struct npfct_conn *con,
		const struct npfct_pkt *pkt)
{
	RTE_ASSERT(ct->ct_acct == ((con->c_flags & CONN_ACCT) != 0));
	con->c_mark = 0;
	if (ct->ct_acct) {
		struct npfct_acct *a = npfct_conn_acct_area(con);

		memset(a, 0, sizeof(*a));
		a->ac_fpos = -1;
		a->ac_rproc = NULL;
		con->c_apkts[0] = pkt != NULL ? 1 : 0;
		con->c_apkts[1] = 0;
		con->c_abytes[0] = pkt != NULL ? npfct_pkt_ip_len(pkt) : 0;
		con->c_abytes[1] = 0;
	} else {
		con->c_fpos_here = -1;
		con->c_rproc_here = NULL;
	}
	if (ct->ct_udata_size > 0)
		memset(npfct_conn_udata_area(ct, con), 0, ct->ct_udata_size);
}

/* ext.c: lay the area out for an instance's parameters. */
int npfct_ext_layout(struct npfct *ct, const struct npfct_params *p);

#endif /* NPFCT_EXT_H */
