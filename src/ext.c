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
 *	    like conntrack's acct extension; 56 bytes with the sequence
 *	    count and the two fields moved from the first line;
 *	  - user data (npfct_params::udata_size, up to NPFCT_UDATA_MAX):
 *	    an opaque area for the application (a policy result, a
 *	    session id, a pointer);
 *	  - the mark: 32 bits in the padding the connection had anyway
 *	    (c_mark), always there, like Linux's ct mark.
 *
 *	The counters and the user data live in an extension area after the
 *	keys (npfct_ext.h), the counters at a cache line boundary; the pool
 *	object is rounded up to whole cache lines, so an IPv4 connection
 *	grows from 128 to 192 bytes with either, IPv6 from 192 to 256.
 *
 *	The hit path's fields fill the connection's first line, and a
 *	third line per packet cost a quarter more at 1M connections.  So
 *	the hit path counts on the first line: with accounting, the places
 *	of two fields it never reads there (the removed forwards key slot,
 *	set on removal, and the rule procedure, read by npfct_conn_pass()
 *	only if asked for) hold the counts not yet summed, 16-bit packets
 *	and 32-bit bytes per direction, and those two fields move to the
 *	extension area (CONN_ACCT tells where they are: npfct_conn_fpos(),
 *	npfct_conn_rproc()).  When a direction has 1024 packets pending,
 *	the packet's lcore adds them to the 64-bit sums in the extension
 *	area (a flush); a reader adds the sums and the counts.
 *	It tests the instance flag first, so an instance without
 *	accounting pays one predictable branch.
 *
 * Synchronisation
 *
 *	Counts: written by the lcore that inspects a packet with relaxed
 *	loads and stores, not atomic adds: exact while each direction of a
 *	connection is counted by one lcore at a time (RSS puts a direction
 *	on one queue).  Two lcores counting one direction at the same
 *	moment may lose counts, or count one batch (at most 1024 packets)
 *	twice when one of them flushes meanwhile.
 *
 *	Sums: written by a flush between two atomic adds to ac_seq (flushes
 *	begun in the high half, ended in the low half: several lcores may
 *	flush one connection at once, one per direction), with release
 *	order; npfct_conn_acct_get() reads them and the counts as a
 *	sequence count reader (rte_seqcount's protocol), retrying while a
 *	flush is in progress or one happened during the read: a reader
 *	never sees a batch missing or twice, and a connection's counters
 *	never go backwards.
 *
 *	The user data and the mark are zeroed by the establishing (or
 *	importing) thread before activation, whose release publishes them;
 *	after that they are the application's.
 */

#include <errno.h>
#include <string.h>

#include <rte_pause.h>

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
		/* On a line of their own: a flush touches one line. */
		off = npfct_conn_ext_off(af);
		if (ct->ct_acct)
			off += sizeof(struct npfct_acct);
		ct->ct_udata_off[af] = (uint16_t)off;
		off += ct->ct_udata_size;
		ct->ct_conn_size[af] = (uint16_t)RTE_ALIGN_CEIL(off,
		    RTE_CACHE_LINE_SIZE);
	}
	return 0;
}

/* Flushes begun and ended, in one word: none in progress if equal. */
#define ACCT_SEQ_BEGIN	(1ull << 32)
#define ACCT_SEQ_END	1ull

static inline bool
acct_seq_idle(uint64_t seq)
{
	return (uint32_t)(seq >> 32) == (uint32_t)seq;
}

/*
 * npfct_conn_acct_flush: add direction d's counts, with the packet being
 * counted (packets, bytes: the counts after it), to the sums, and zero
 * the counts.  The hit path, once per batch.
 *
 * No fences: every store of a flush and of the hit path's counts is a
 * release and every load of a reader an acquire, so a reader that sees
 * any of them sees what came before it, the begin included (Boehm's
 * seqlock with ordered data accesses; ThreadSanitizer checks them).
 */
void
npfct_conn_acct_flush(struct npfct_conn *con, unsigned int d,
		uint32_t packets, uint32_t bytes)
{
	struct npfct_acct *a = npfct_conn_acct_area(con);

	__atomic_fetch_add(&a->ac_seq, ACCT_SEQ_BEGIN, __ATOMIC_RELAXED);
	__atomic_store_n(&a->ac_packets[d], __atomic_load_n(&a->ac_packets[d],
	    __ATOMIC_RELAXED) + packets, __ATOMIC_RELEASE);
	__atomic_store_n(&a->ac_bytes[d], __atomic_load_n(&a->ac_bytes[d],
	    __ATOMIC_RELAXED) + bytes, __ATOMIC_RELEASE);
	__atomic_store_n(&con->c_apkts[d], 0, __ATOMIC_RELEASE);
	__atomic_store_n(&con->c_abytes[d], 0, __ATOMIC_RELEASE);
	__atomic_fetch_add(&a->ac_seq, ACCT_SEQ_END, __ATOMIC_RELEASE);
}

int
npfct_conn_acct_get(const struct npfct *ct, const struct npfct_conn *con,
		struct npfct_conn_acct *acct)
{
	struct npfct_conn *c = (struct npfct_conn *)(uintptr_t)con;
	struct npfct_acct *a;
	uint64_t seq;
	unsigned int d;

	if (ct == NULL || con == NULL || acct == NULL)
		return -EINVAL;
	if (!ct->ct_acct)
		return -ENOTSUP;
	a = npfct_conn_acct_area(c);
	/*
	 * A sequence count read (rte_seqcount's protocol), with several
	 * writers: retry while a flush is in progress or one happened
	 * during the read.  The counts before the sums: a flush's sums
	 * are stored before its zeroed counts.
	 */
	for (;;) {
		seq = __atomic_load_n(&a->ac_seq, __ATOMIC_ACQUIRE);
		if (!acct_seq_idle(seq)) {
			rte_pause();
			continue;
		}
		for (d = 0; d < 2; d++) {
			acct->packets[d] = __atomic_load_n(&c->c_apkts[d],
			    __ATOMIC_ACQUIRE);
			acct->bytes[d] = __atomic_load_n(&c->c_abytes[d],
			    __ATOMIC_ACQUIRE);
		}
		for (d = 0; d < 2; d++) {
			acct->packets[d] += __atomic_load_n(&a->ac_packets[d],
			    __ATOMIC_ACQUIRE);
			acct->bytes[d] += __atomic_load_n(&a->ac_bytes[d],
			    __ATOMIC_ACQUIRE);
		}
		if (__atomic_load_n(&a->ac_seq, __ATOMIC_RELAXED) == seq)
			return 0;
	}
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
