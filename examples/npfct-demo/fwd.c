/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-demo firewall: the per-burst policy, the traffic loop and the G/C.
 *
 * Overview
 *
 *	The traffic of gen.c goes through npfct burst by burst, as through a
 *	firewall between an inside and an outside network:
 *
 *	- outbound packets (NPFCT_DIR_OUT) that match a connection pass;
 *	  those that miss establish one ("pass stateful": the connection is
 *	  marked pass with npfct_conn_setpass(), then activated with
 *	  npfct_conn_release()) and pass;
 *	- inbound packets (NPFCT_DIR_IN) pass only if they match a pass
 *	  connection: unsolicited packets, late replies and junk are
 *	  blocked.
 *
 *	Every generated packet carries its expected outcome; packets whose
 *	outcome differs are counted and described.
 *
 *	Time is the instance's manual clock: round r runs at r seconds.  A
 *	G/C pass runs at the start of every round, after the clock moved,
 *	and, with two lcores or more, continuously on the main lcore.
 *
 * Thread classes
 *
 *	- traffic lcore (the first worker, or the main lcore alone): a
 *	  datapath lcore.  It registers with QSBR (npfct_thread_register())
 *	  and reports a quiescent state after every burst, once it holds no
 *	  connection pointer.
 *	- main lcore, when there is a worker: the G/C context.  It is not a
 *	  QSBR reader and holds no connection pointer.
 *
 * Synchronisation
 *
 *	So that late replies find their connection destroyed every time,
 *	the traffic lcore asks for a G/C pass after moving the clock and
 *	waits for it (gc_sync()).  It goes offline while it waits: the pass
 *	waits for a grace period, which needs the traffic lcore's quiescent
 *	state.  The request and its acknowledgement are a release/acquire
 *	pair of counters.
 */

#include <stdio.h>

#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include <npfct.h>
#include <npfct_conn.h>
#include <npfct_stats.h>

#include "demo.h"

#define GC_PERIOD_US	200	/* free-running G/C period (main lcore) */
#define UNEXPECTED_SHOW	8	/* unexpected outcomes described */

/*
 * describe: print a packet whose outcome was not the expected one.
 */
static void
describe(const struct demo *d, const struct npfct_pkt *pkt, int di,
		enum demo_kind kind, uint8_t verdict, enum demo_reason why)
{
	char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?";

	if (pkt->status == NPFCT_PARSE_OK &&
	    (pkt->flags & (NPFCT_PKT_IP4 | NPFCT_PKT_IP6)) != 0) {
		const int af = pkt->alen == 4 ? AF_INET : AF_INET6;

		inet_ntop(af, pkt->src.a8, src, sizeof(src));
		inet_ntop(af, pkt->dst.a8, dst, sizeof(dst));
	}
	printf("  UNEXPECTED: round %u step %u %s, %s: proto %u %s:%u -> "
	    "%s:%u, verdict %s, %s\n", d->d_round, d->d_step,
	    di == NPFCT_DIR_OUT ? "out" : "in", report_kind_name(kind),
	    pkt->proto, src, rte_be_to_cpu_16(pkt->sport), dst,
	    rte_be_to_cpu_16(pkt->dport),
	    npfct_verdict_str((enum npfct_verdict)verdict),
	    report_reason_name(why));
}

/* Stateful pass. 8< */

/*
 * stateful_pass: an outbound packet without a connection: establish one,
 * mark it pass and activate it.
 *
 * => Returns R_ESTABLISHED, R_REINSPECT or R_EST_FAILED.
 * => The connection pointer is dropped here; the caller reports the
 *    quiescent state after the burst.
 */
static enum demo_reason
stateful_pass(struct demo *d, const struct npfct_pkt *pkt, int di)
{
	struct npfct_conn *con;
	uint8_t v;

	con = npfct_conn_establish(d->d_ct, pkt, di, true);
	if (con != NULL) {
		/* Still inactive: only this lcore sees it. */
		if (npfct_conn_setpass(con, NULL) != 0) {
			npfct_conn_expire(con);
			return R_EST_FAILED;
		}
		npfct_conn_release(con);
		return R_ESTABLISHED;
	}
	if (rte_errno != EEXIST)
		return R_EST_FAILED;
	/*
	 * The connection was established after this burst was inspected:
	 * by the first of two packets of one new flow in the same burst,
	 * or by another lcore.  Inspect the packet again.
	 */
	con = npfct_conn_inspect(d->d_ct, pkt, di, &v);
	if (con != NULL && npfct_conn_pass(con, NULL))
		return R_REINSPECT;
	return R_EST_FAILED;
}

/* >8 End of stateful pass. */

/*
 * burst_run: inspect up to BURST packets of one direction, decide, then
 * transmit or free them.
 */
static void
burst_run(struct demo *d, struct rte_mbuf **mbufs, const uint8_t *kinds,
		uint16_t n, int di)
{
	struct npfct_pkt pkts[BURST];
	struct npfct_conn *conns[BURST];
	uint8_t verdicts[BURST];
	struct rte_mbuf *tx[BURST], *rx[BURST];
	struct demo_acct *a = &d->d_acct;
	const bool out = di == NPFCT_DIR_OUT;
	uint16_t i, ntx = 0, nsent, nrx;

	RTE_ASSERT(n <= BURST);
	/* Inspect a burst and decide. 8< */
	npfct_inspect_burst(d->d_ct, mbufs, pkts, n, di, conns, verdicts);

	for (i = 0; i < n; i++) {
		const enum demo_kind kind = (enum demo_kind)kinds[i];
		enum demo_reason why;
		bool pass;

		switch (verdicts[i]) {
		case NPFCT_V_MATCH:
		case NPFCT_V_RELATED:
			/* Without pass, the rules would decide: none here. */
			why = npfct_conn_pass(conns[i], NULL) ? R_MATCH :
			    R_NO_PASS;
			break;
		case NPFCT_V_MISS:
			why = out ? stateful_pass(d, &pkts[i], di) : R_MISS;
			break;
		case NPFCT_V_INVALID:
			why = R_INVALID;
			break;
		case NPFCT_V_NOT_TRACKABLE:
			why = R_NOT_TRACKABLE;
			break;
		default:
			why = R_PARSE_ERROR;
			break;
		}
		pass = why < R_PASSED;
		a->a_reason[out][why]++;
		a->a_kind[kind][pass]++;
		if (pass != (kind == KIND_FLOW) &&
		    a->a_unexpected++ < UNEXPECTED_SHOW)
			describe(d, &pkts[i], di, kind, verdicts[i], why);
		if (pass && d->d_port != PORT_NONE)
			tx[ntx++] = mbufs[i];
		else
			rte_pktmbuf_free(mbufs[i]);
	}
	/* Every connection pointer of this burst is forgotten here. */
	npfct_quiescent();
	/* >8 End of inspect a burst and decide. */
	a->a_bursts++;

	if (d->d_port == PORT_NONE)
		return;
	nsent = ntx != 0 ? rte_eth_tx_burst(d->d_port, 0, tx, ntx) : 0;
	if (nsent < ntx)
		rte_pktmbuf_free_bulk(&tx[nsent], ntx - nsent);
	a->a_tx += nsent;
	a->a_tx_drop += ntx - nsent;
	/* net_ring loops back what we send: drain it. */
	nrx = rte_eth_rx_burst(d->d_port, 0, rx, BURST);
	if (nrx != 0)
		rte_pktmbuf_free_bulk(rx, nrx);
	a->a_rx += nrx;
}

/* play: generate one direction of one step and push it through. */
static void
play(struct demo *d, uint32_t round, unsigned int step, int di)
{
	struct pktq *q = &d->d_q;
	unsigned int off;

	q->q_n = 0;
	if (gen_emit(d->d_gen, round, step, di, q) != 0)
		d->d_acct.a_errors++;
	for (off = 0; off < q->q_n; off += BURST)
		burst_run(d, &q->q_mbuf[off], &q->q_kind[off],
		    (uint16_t)RTE_MIN(q->q_n - off, (unsigned int)BURST), di);
}

/*
 * gc_sync: run a G/C pass that sees the current clock.
 *
 * => Alone, run it here.  Otherwise ask the main lcore and wait, offline.
 */
static void
gc_sync(struct demo *d)
{
	uint32_t seq;

	if (!d->d_multi) {
		/* A quiescent state for us: we hold no connection. */
		if (npfct_gc_sync(d->d_ct) < 0)
			d->d_gc_errors++;
		d->d_gc_runs++;
		return;
	}
	seq = d->d_gc_req + 1;
	/*
	 * Release: the G/C lcore that sees the request (acquire) also sees
	 * the clock set before it, so its pass expires by that time.
	 */
	__atomic_store_n(&d->d_gc_req, seq, __ATOMIC_RELEASE);
	/* The pass waits for a grace period, so for us: go offline. */
	npfct_thread_offline();
	while (__atomic_load_n(&d->d_gc_done, __ATOMIC_ACQUIRE) != seq)
		rte_pause();
	npfct_thread_online();
}

/* traffic_run: the rounds, each GEN_STEPS steps of out, then in. */
static void
traffic_run(struct demo *d)
{
	struct demo_acct before;
	uint64_t expired;
	unsigned int step;
	uint32_t r;

	report_round_header();
	for (r = 0; r < d->d_rounds && !force_quit; r++) {
		before = d->d_acct;
		expired = report_stat(d->d_ct, NPFCT_STAT_GC_EXPIRED);

		d->d_round = r;
		npfct_clock_set(d->d_ct, (uint64_t)r * NS_PER_SEC);
		gc_sync(d);
		for (step = 0; step < GEN_STEPS && !force_quit; step++) {
			d->d_step = step;
			play(d, r, step, NPFCT_DIR_OUT);
			play(d, r, step, NPFCT_DIR_IN);
		}
		report_round(d, &before, expired);
	}
}

/*
 * gc_loop: the G/C on the main lcore until the traffic is over: a pass
 * every GC_PERIOD_US, and one at once when the traffic lcore asks.
 */
static void
gc_loop(struct demo *d)
{
	uint32_t req, done = 0;

	while (!__atomic_load_n(&d->d_traffic_done, __ATOMIC_ACQUIRE)) {
		/* Acquire: pairs with gc_sync(); see the clock it set. */
		req = __atomic_load_n(&d->d_gc_req, __ATOMIC_ACQUIRE);
		/* Asked: a full pass; otherwise an incremental step. */
		if ((req != done ? npfct_gc_sync(d->d_ct) :
		    npfct_gc(d->d_ct)) < 0)
			d->d_gc_errors++;
		d->d_gc_runs++;
		if (req != done) {
			done = req;
			/* Release: the waiter goes on after our pass. */
			__atomic_store_n(&d->d_gc_done, done,
			    __ATOMIC_RELEASE);
		} else {
			rte_delay_us_sleep(GC_PERIOD_US);
		}
	}
}

/*
 * fwd_main: the lcore function (rte_eal_mp_remote_launch(), CALL_MAIN).
 */
int
fwd_main(void *arg)
{
	struct demo *d = arg;
	const unsigned int id = rte_lcore_id();

	if (id == d->d_traffic_lcore) {
		npfct_thread_register();
		traffic_run(d);
		npfct_thread_unregister();
		/* Release: the main lcore reads our counters after this. */
		__atomic_store_n(&d->d_traffic_done, 1, __ATOMIC_RELEASE);
	} else if (id == rte_get_main_lcore()) {
		gc_loop(d);
	}
	/* Other lcores have nothing to do. */
	return 0;
}
