/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * libFuzzer target: the fragment handler (src/frag.c) on fragments of any
 * shape and order: overlapping, duplicated, tiny, too long, too many,
 * lone later fragments, first fragments the application drops, bursts
 * with several fragments of one datagram, frames cut across segments.
 *
 * The handler is small (64 datagrams, 48 held fragments, 16 fragments per
 * datagram) so that every bound is reached; the connection table of its
 * instance takes first fragments like any packet.
 *
 * Input: commands, each an opcode byte:
 *
 *	0xff N     advance the clock N * 100 ms and run npfct_frag_expire();
 *	otherwise a burst:
 *	  bit 0      inbound;
 *	  bits 1-3   number of packets, 1 to 8;
 *	  bit 4      frames in segments of 40 bytes;
 *	  then a byte: bit i is the application's decision on packet i
 *	  (pass), then per packet a 16-bit length (at most 2047) and the
 *	  frame from the Ethernet header on.
 *
 * A burst is inspected (a miss the application passes is established),
 * given to npfct_frag_burst(), then drained.  Every input ends with the
 * clock past every timeout, an expiry and a drain.
 *
 * Checks: the return value counts the fragments; a packet that is not a
 * fragment gets NPFCT_FRAG_NONE (a malformed one may be a fragment), a later fragment never does, a first
 * fragment is never held; a later fragment passed carries no layer 4
 * flag and its conns[] entry is a connection or NULL; drained packets are
 * later fragments in a valid direction; the handler never holds more than
 * its bounds; every mbuf the handler does not hold or keep ready is back
 * in the pool after each burst (exactly one mbuf per fragment held while
 * no frame came in segments), and at the end of an input the pool is
 * full again (no leak; no double free, which would overfill it).
 */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "npfct_impl.h"
#include "npfct_frag.h"
#include "fuzz_common.h"

#define MAX_CONNS	256
#define FRAME_MAX	2047
#define BURST_MAX	8
#define SEG_LEN		40
#define DRAIN_MAX	16

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct npfct *ct;
static struct npfct_frag *fr;
static unsigned int pool_free;	/* free mbufs with nothing held */
static bool segmented;		/* this input had frames in segments */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct npfct_frag_params fp = {
		.max_datagrams = 64,
		.max_held = 48,
		.max_frags = 16,
		.timeout4_ms = 3000,
		.timeout6_ms = 6000,
	};

	(void)argc;
	(void)argv;
	fuzz_eal_init();
	ct = fuzz_instance("frag", MAX_CONNS, 0);
	fr = npfct_frag_create(ct, &fp);
	if (fr == NULL)
		abort();
	pool_free = rte_mempool_avail_count(fuzz_pool());
	return 0;
}

static bool
later_p(const struct npfct_pkt *p)
{
	return p->status == NPFCT_PARSE_OK &&
	    (p->flags & NPFCT_PKT_FRAG_LATER);
}

/* The handler's bounds hold and the pool has every other mbuf back. */
static void
check_bounds(void)
{
	struct npfct_frag_info info;

	FUZZ_CHECK(npfct_frag_info_get(fr, &info) == 0);
	FUZZ_CHECK(info.datagrams <= info.params.max_datagrams);
	FUZZ_CHECK(info.held + info.ready <= info.params.max_held);
	/* One mbuf per fragment held, unless some came in segments. */
	if (!segmented)
		FUZZ_CHECK(rte_mempool_avail_count(fuzz_pool()) + info.held +
		    info.ready == pool_free);
}

/* Take the released fragments and free them (the application sends). */
static void
drain(void)
{
	struct npfct_pkt rp[DRAIN_MAX];
	struct npfct_conn *rc[DRAIN_MAX];
	uint8_t rdi[DRAIN_MAX];
	uint16_t k, i;

	do {
		k = npfct_frag_drain(fr, rp, DRAIN_MAX, rdi, rc);
		FUZZ_CHECK(k <= DRAIN_MAX);
		for (i = 0; i < k; i++) {
			FUZZ_CHECK(later_p(&rp[i]));
			FUZZ_CHECK(rdi[i] == NPFCT_DIR_IN ||
			    rdi[i] == NPFCT_DIR_OUT);
			if (rc[i] != NULL)
				(void)npfct_conn_state_name(rc[i]);
			rte_pktmbuf_free(rp[i].mbuf);
		}
	} while (k == DRAIN_MAX);
}

static void
one_burst(struct fuzz_in *in, uint8_t op)
{
	const int di = (op & 1) ? NPFCT_DIR_IN : NPFCT_DIR_OUT;
	const uint16_t n = (uint16_t)(((op >> 1) & 7) + 1);
	const uint16_t seg = (op & 0x10) ? SEG_LEN : 0;
	const uint8_t passbits = fuzz_u8(in);
	struct npfct_pkt pkts[BURST_MAX];
	struct npfct_conn *conns[BURST_MAX], *con;
	uint8_t pass[BURST_MAX], act[BURST_MAX];
	bool later[BURST_MAX];
	uint16_t i, k = 0, nfrag = 0, len;
	uint8_t v;

	segmented |= seg != 0;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m;

		len = fuzz_u16(in) & FRAME_MAX;
		if (len > in->n)
			len = (uint16_t)in->n;
		m = fuzz_mbuf(in->p, len, seg, 0);
		in->p += len;
		in->n -= len;
		if (m == NULL)
			continue;
		npfct_pkt_parse(&pkts[k], m);
		pass[k] = (passbits >> i) & 1;
		later[k] = later_p(&pkts[k]);
		conns[k] = NULL;
		if (!later[k]) {
			con = npfct_conn_inspect(ct, &pkts[k], di, &v);
			if (v == NPFCT_V_MISS && pass[k]) {
				con = npfct_conn_establish(ct, &pkts[k], di,
				    false);
				if (con != NULL)
					npfct_conn_release(con);
			}
		}
		k++;
	}
	if (k == 0)
		return;
	memset(act, 0xee, sizeof(act));
	nfrag = npfct_frag_burst(fr, pkts, k, di, pass, act, conns);
	for (i = 0; i < k; i++) {
		FUZZ_CHECK(act[i] <= NPFCT_FRAG_HELD);
		if (act[i] != NPFCT_FRAG_NONE)
			nfrag--;
		/* (A malformed fragment is one: a tiny first fragment.) */
		if ((pkts[i].flags & NPFCT_PKT_FRAG) == 0)
			FUZZ_CHECK(act[i] == NPFCT_FRAG_NONE);
		if (later[i]) {
			FUZZ_CHECK(act[i] != NPFCT_FRAG_NONE);
			FUZZ_CHECK((pkts[i].flags & NPFCT_PKT_L4) == 0);
			if (act[i] != NPFCT_FRAG_PASS)
				FUZZ_CHECK(conns[i] == NULL);
			else if (conns[i] != NULL)
				(void)npfct_conn_state_name(conns[i]);
		} else {
			FUZZ_CHECK(act[i] != NPFCT_FRAG_HELD);
		}
		if (act[i] != NPFCT_FRAG_HELD)
			rte_pktmbuf_free(pkts[i].mbuf);
	}
	FUZZ_CHECK(nfrag == 0);
	drain();
	check_bounds();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct npfct_frag_info info;
	uint8_t op;

	segmented = false;
	while (in.n > 0) {
		op = fuzz_u8(&in);
		if (op == 0xff) {
			npfct_clock_set(ct, npfct_clock_now(ct) +
			    (uint64_t)fuzz_u8(&in) * 100000000ull);
			FUZZ_CHECK(npfct_frag_expire(fr) >= 0);
			check_bounds();
			continue;
		}
		one_burst(&in, op);
		FUZZ_CHECK(npfct_count(ct) <= MAX_CONNS);
		npfct_quiescent();
	}
	/* Every timeout passed: nothing held, every mbuf back. */
	npfct_clock_set(ct, npfct_clock_now(ct) + 7000000000ull);
	FUZZ_CHECK(npfct_frag_expire(fr) >= 0);
	drain();
	FUZZ_CHECK(npfct_frag_info_get(fr, &info) == 0);
	FUZZ_CHECK(info.datagrams == 0 && info.held == 0 && info.ready == 0);
	FUZZ_CHECK(rte_mempool_avail_count(fuzz_pool()) == pool_free);
	npfct_flush(ct);
	npfct_gc_sync(ct);
	npfct_quiescent();
	return 0;
}
