/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-stream: IP fragments through the library's fragment handler.
 *
 * Overview
 *
 *	As an application would (npfct_frag.h): a first fragment is
 *	decided by the policy like any packet and the handler is told the
 *	decision (stream_frag_first(); the handler may still refuse it, e.g.
 *	as an overlap: frag-refused); a later fragment skips the policy and
 *	takes its datagram's verdict from the handler (stream_frag_later():
 *	pass or block "fragment"), or is held until its first fragment
 *	comes.  After every packet stream_frag_settle() takes the held
 *	fragments that packet released (npfct_frag_drain()) and decides
 *	their lines, at their own INDEX.
 *
 *	A held fragment can also be freed by the handler without a
 *	verdict: its datagram timed out, was refused or was evicted.  The
 *	handler frees such mbufs itself, so the tool keeps a reference of
 *	its own on every later fragment it gives the handler (the mbuf's
 *	reference count is 2 while the handler holds it): a held fragment
 *	whose count fell back to 1 was let go by the handler, and its line
 *	says frag-dropped.  At the end of the capture the handler is
 *	destroyed, which frees what it still holds: those lines say
 *	frag-dropped too.
 *
 * Synchronisation
 *
 *	The tool's one thread, the EAL main lcore (the handler's datapath
 *	calls need an lcore id; its drain list is this lcore's).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "npfct-stream.h"

/* Fragments held at once: well within the tool's mbuf pool. */
#define STREAM_FRAG_HELD	256
#define STREAM_FRAG_DRAIN	32

int
stream_frag_setup(struct stream *s)
{
	struct npfct_frag_params fp;

	if (s->s_conf->cf_no_frag)
		return 0;
	memset(&fp, 0, sizeof(fp));
	fp.max_held = STREAM_FRAG_HELD;
	s->s_frag = npfct_frag_create(s->s_ct, &fp);
	if (s->s_frag == NULL) {
		fprintf(stderr, STREAM_PROG ": cannot create the fragment "
		    "handler: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	s->s_held = calloc(STREAM_FRAG_HELD, sizeof(*s->s_held));
	if (s->s_held == NULL) {
		fprintf(stderr, STREAM_PROG ": out of memory\n");
		return -1;
	}
	s->s_held_cap = STREAM_FRAG_HELD;
	return 0;
}

/* stream_frag_later_p: a later fragment (no layer 4 header) to hand over. */
bool
stream_frag_later_p(const struct stream *s, const struct npfct_pkt *pkt)
{
	return s->s_frag != NULL && pkt->status == NPFCT_PARSE_OK &&
	    (pkt->flags & NPFCT_PKT_FRAG_LATER);
}

/* held_take: remove entry i of the held list (order does not matter). */
static void
held_take(struct stream *s, unsigned int i, struct stream_held *out)
{
	*out = s->s_held[i];
	s->s_held[i] = s->s_held[--s->s_nheld];
}

/*
 * held_dropped: decide the lines of the held fragments the handler let go
 * of (only the tool's reference is left) and free them.
 */
static void
held_dropped(struct stream *s)
{
	const struct decision d = { false, "frag-dropped", NULL };
	struct stream_held h;
	unsigned int i = 0;

	while (i < s->s_nheld) {
		if (rte_mbuf_refcnt_read(s->s_held[i].sh_pkt.mbuf) != 1) {
			i++;
			continue;
		}
		held_take(s, i, &h);
		stream_emit(s, h.sh_index, &h.sh_pkt, h.sh_dir, &d);
		rte_pktmbuf_free(h.sh_pkt.mbuf);
	}
}

/*
 * stream_frag_later: a later fragment takes its datagram's verdict.
 *
 * => Returns true if the handler holds it: it owns pkt->mbuf (with the
 *    tool's own reference on top) and the line of INDEX waits.
 *    Otherwise d is the decision and the caller frees the mbuf.
 */
bool
stream_frag_later(struct stream *s, struct npfct_pkt *pkt, int di,
		uint64_t index, struct decision *d)
{
	struct npfct_conn *con = NULL;
	struct stream_held *h;
	uint8_t pass = 1, act;

	rte_pktmbuf_refcnt_update(pkt->mbuf, 1);
	npfct_frag_burst(s->s_frag, pkt, 1, di, &pass, &act, &con);
	if (act != NPFCT_FRAG_HELD) {
		rte_pktmbuf_refcnt_update(pkt->mbuf, -1);
		d->d_pass = act == NPFCT_FRAG_PASS;
		d->d_reason = "fragment";
		d->d_con = d->d_pass ? con : NULL;
		return false;
	}
	/*
	 * The handler holds at most STREAM_FRAG_HELD, this one included;
	 * the list may still name fragments it let go of in this burst.
	 */
	if (s->s_nheld == s->s_held_cap)
		held_dropped(s);
	RTE_VERIFY(s->s_nheld < s->s_held_cap);
	h = &s->s_held[s->s_nheld++];
	h->sh_index = index;
	h->sh_dir = di;
	h->sh_pkt = *pkt;
	return true;
}

/*
 * stream_frag_first: tell the handler the policy's decision on a first
 * fragment; a refusal by the handler blocks it after all.
 */
void
stream_frag_first(struct stream *s, struct npfct_pkt *pkt, int di,
		struct decision *d)
{
	struct npfct_conn *unused = NULL;
	uint8_t pass = d->d_pass, act;

	/* Malformed too: a tiny first fragment refuses its datagram. */
	if (s->s_frag == NULL || (pkt->flags & (NPFCT_PKT_FRAG |
	    NPFCT_PKT_FRAG_LATER)) != NPFCT_PKT_FRAG)
		return;
	npfct_frag_burst(s->s_frag, pkt, 1, di, &pass, &act, &unused);
	/* (NPFCT_FRAG_NONE: an IPv6 atomic fragment, not a fragment.) */
	if (d->d_pass && act == NPFCT_FRAG_DROP) {
		d->d_pass = false;
		d->d_reason = "frag-refused";
	}
}

/*
 * stream_frag_settle: after a packet, the held fragments it released
 * (passed, with their connection) and those the handler let go of.
 *
 * => Returns 0, or -1 if the handler released an mbuf the tool does not
 *    know (an internal error).
 */
int
stream_frag_settle(struct stream *s)
{
	struct npfct_pkt rp[STREAM_FRAG_DRAIN];
	struct npfct_conn *rc[STREAM_FRAG_DRAIN];
	const struct decision pass = { true, "fragment", NULL };
	uint8_t rdi[STREAM_FRAG_DRAIN];
	struct stream_held h;
	struct decision d;
	unsigned int i, j;
	uint16_t k;

	if (s->s_frag == NULL)
		return 0;
	do {
		k = npfct_frag_drain(s->s_frag, rp, STREAM_FRAG_DRAIN, rdi,
		    rc);
		for (i = 0; i < k; i++) {
			for (j = 0; j < s->s_nheld; j++)
				if (s->s_held[j].sh_pkt.mbuf == rp[i].mbuf)
					break;
			if (j == s->s_nheld) {
				fprintf(stderr, STREAM_PROG ": the fragment "
				    "handler released an unknown mbuf\n");
				return -1;
			}
			held_take(s, j, &h);
			d = pass;
			d.d_con = rc[i];
			stream_emit(s, h.sh_index, &rp[i], rdi[i], &d);
			/* The handler's reference, then the tool's. */
			rte_pktmbuf_free(rp[i].mbuf);
			rte_pktmbuf_free(rp[i].mbuf);
		}
	} while (k == STREAM_FRAG_DRAIN);
	if (s->s_nheld > 0)
		held_dropped(s);
	return 0;
}

/*
 * stream_frag_finish: the end of the capture: the handler frees what it
 * still holds, whose lines say so.
 */
void
stream_frag_finish(struct stream *s)
{
	if (s->s_frag != NULL) {
		npfct_frag_destroy(s->s_frag);
		s->s_frag = NULL;
	}
	held_dropped(s);
	free(s->s_held);
	s->s_held = NULL;
	s->s_held_cap = 0;
}
