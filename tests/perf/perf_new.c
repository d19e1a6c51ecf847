/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-perf new-connection scenario: distinct UDP 5-tuples from an
 * empty table to N connections, on one and on two lcores, against two
 * raw rte_hash inserts per connection.
 *
 * Overview
 *
 *	Each repetition creates an instance sized for N, establishes N new
 *	connections and destroys it.  Packets are generated burst by burst
 *	outside the timed region; each burst of 32 is timed with the TSC:
 *
 *	  est	 npfct_establish_burst() on parsed packets: allocation,
 *		 state, both keys, the insert (insert-unless-present), the
 *		 G/C's new list and activation, plus npfct_quiescent();
 *	  est-lookup-first
 *		 the same with NPFCT_EST_LOOKUP_FIRST (a bulk lookup of the
 *		 burst's keys before the inserts); one lcore;
 *	  full	 the datapath of a new flow: mbuf parse and lookup miss in
 *		 npfct_inspect_burst(), then npfct_establish_burst() on the
 *		 misses (comparable with OVS's and NPF's "new connection");
 *	  raw	 two rte_hash_add_key_with_hash_data() per connection on a
 *		 two-entry table (as NPF's design needs), signatures
 *		 pre-computed.
 *
 *	With two lcores each establishes half of the flows into the same
 *	instance; they start together (a spin barrier) and the throughput
 *	is the sum of the two lcores' rates.  The G/C service is stopped
 *	during these runs: nothing expires, and on a 2-CPU machine it would
 *	take CPU time from the second worker (see docs/performance.md).
 *
 * Synchronisation
 *
 *	Workers register with QSBR for the run; the main lcore sleeps.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "npfct_event.h"
#include "perf_common.h"

#define DECILES		10

enum new_mode { NEW_EST, NEW_EST_LF, NEW_FULL, NEW_RAW };

static const char *const mode_names[] = {
	[NEW_EST] = "est",
	[NEW_EST_LF] = "est-lookup-first",
	[NEW_FULL] = "full",
	[NEW_RAW] = "raw-2add",
};

struct new_run {
	enum new_mode	mode;
	struct npfct	*ct;
	struct rte_hash	*raw;
	uint8_t		*obj;		/* raw value */
	struct rte_mbuf	*mbufs[PERF_BURST];	/* full mode */
	uint64_t	first;
	uint64_t	count;
	unsigned int	nworkers;
	uint32_t	*ready;		/* barrier */
	/* Out. */
	uint64_t	cycles;		/* timed */
	uint64_t	decile[DECILES];
	uint64_t	done;		/* connections established */
	uint64_t	t_start, t_end;	/* wall (TSC) */
	uint64_t	cpu_ns;		/* thread CPU time meanwhile */
};

static void
barrier(struct new_run *r)
{
	__atomic_fetch_add(r->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(r->ready, __ATOMIC_ACQUIRE) < r->nworkers)
		rte_pause();
}

static uint64_t
burst_est(struct new_run *r, uint64_t first, unsigned int k)
{
	struct npfct_pkt pkts[PERF_BURST];
	struct npfct_conn *conns[PERF_BURST];
	uint16_t idx[PERF_BURST];
	struct perf_flow f;
	unsigned int j;
	uint64_t t0;

	for (j = 0; j < k; j++) {
		perf_flow_get(first + j, 4, IPPROTO_UDP, &f);
		perf_pkt_fill(&pkts[j], &f, true, PERF_SEG_SYN);
		idx[j] = (uint16_t)j;
	}
	t0 = rte_rdtsc();
	r->done += npfct_establish_burst(r->ct, pkts, idx, (uint16_t)k,
	    NPFCT_DIR_OUT, (r->mode == NEW_EST_LF ? NPFCT_EST_LOOKUP_FIRST : 0) |
	    (perf.nat ? NPFCT_EST_NAT : 0), conns);
	npfct_quiescent();
	return rte_rdtsc() - t0;
}

static uint64_t
burst_full(struct new_run *r, uint64_t first, unsigned int k)
{
	struct npfct_pkt pkts[PERF_BURST];
	struct npfct_conn *conns[PERF_BURST];
	uint8_t verdicts[PERF_BURST];
	uint16_t idx[PERF_BURST];
	struct perf_flow f;
	unsigned int j, nidx = 0;
	uint64_t t0;

	for (j = 0; j < k; j++) {
		perf_flow_get(first + j, 4, IPPROTO_UDP, &f);
		perf_pkt_write(r->mbufs[j], &f, true, PERF_SEG_SYN, false);
	}
	t0 = rte_rdtsc();
	npfct_inspect_burst(r->ct, r->mbufs, pkts, (uint16_t)k,
	    NPFCT_DIR_OUT, conns, verdicts);
	for (j = 0; j < k; j++)
		if (verdicts[j] == NPFCT_V_MISS)
			idx[nidx++] = (uint16_t)j;
	r->done += npfct_establish_burst(r->ct, pkts, idx, (uint16_t)nidx,
	    NPFCT_DIR_OUT, 0, conns);
	npfct_quiescent();
	return rte_rdtsc() - t0;
}

static uint64_t
burst_raw(struct new_run *r, uint64_t first, unsigned int k)
{
	uint32_t keys[2 * PERF_BURST][4];
	hash_sig_t sigs[2 * PERF_BURST];
	struct perf_flow f;
	unsigned int j, nfail = 0;
	uint64_t t0;

	for (j = 0; j < k; j++) {
		perf_flow_get(first + j, 4, IPPROTO_UDP, &f);
		perf_key_build(&f, true, keys[2 * j]);
		perf_key_build(&f, false, keys[2 * j + 1]);
		sigs[2 * j] = rte_hash_crc(keys[2 * j], 16, 0);
		sigs[2 * j + 1] = rte_hash_crc(keys[2 * j + 1], 16, 0);
	}
	t0 = rte_rdtsc();
	for (j = 0; j < 2 * k; j++)
		if (rte_hash_add_key_with_hash_data(r->raw, keys[j], sigs[j],
		    r->obj) < 0)
			nfail++;
	t0 = rte_rdtsc() - t0;
	r->done += k - (nfail + 1) / 2;
	return t0;
}

static int
new_lcore(void *arg)
{
	struct new_run *r = arg;
	uint64_t i, c;
	unsigned int k;

	npfct_thread_register();
	barrier(r);
	r->t_start = rte_rdtsc();
	r->cpu_ns = perf_thread_cpu_ns();
	for (i = r->first; i < r->first + r->count; i += k) {
		k = (unsigned int)RTE_MIN((uint64_t)PERF_BURST,
		    r->first + r->count - i);
		switch (r->mode) {
		case NEW_EST:
		case NEW_EST_LF:
			c = burst_est(r, i, k);
			break;
		case NEW_FULL:
			c = burst_full(r, i, k);
			break;
		case NEW_RAW:
		default:
			c = burst_raw(r, i, k);
			break;
		}
		r->cycles += c;
		r->decile[(i - r->first) * DECILES / r->count] += c;
	}
	r->t_end = rte_rdtsc();
	r->cpu_ns = perf_thread_cpu_ns() - r->cpu_ns;
	npfct_thread_unregister();
	return 0;
}

struct new_result {
	double		cyc;		/* per connection, timed, aggregate */
	double		cyc_last;	/* last decile (lcore 0) */
	double		wall_mcps;	/* wall-clock M conn/s */
	double		oncpu;		/* lowest on-CPU share of the lcores */
	uint64_t	done;
	uint64_t	events;		/* events consumed while it ran */
	uint64_t	ev_dropped;	/* events the workers' rings dropped */
	double		destroy_s;
};

/*
 * wait_draining: wait for an lcore while consuming ct's events on this
 * (the main) lcore, as an application's consumer thread would: the
 * workers' NEW records then go into rings with room, so their cost is
 * the whole of making and queueing one.  Returns the events consumed.
 */
static uint64_t
wait_draining(unsigned int lcore, struct npfct *ct)
{
	struct npfct_event ev[64];
	uint64_t got = 0;
	unsigned int k;

	while (rte_eal_get_lcore_state(lcore) == RUNNING) {
		k = npfct_events_poll(ct, ev, RTE_DIM(ev));
		got += k;
		if (k == 0)
			usleep(20);
	}
	rte_eal_wait_lcore(lcore);
	while ((k = npfct_events_poll(ct, ev, RTE_DIM(ev))) > 0)
		got += k;
	return got;
}

/* One repetition: N connections on nworkers lcores. */
static int
new_rep(enum new_mode mode, uint64_t n, unsigned int nworkers,
		struct new_result *res)
{
	const unsigned int lcores[2] = { perf.worker, perf.worker2 };
	struct new_run run[2];
	struct npfct *ct = NULL;
	struct rte_hash *raw = NULL;
	uint64_t t_start = UINT64_MAX, t_end = 0;
	double rate = 0;
	uint32_t ready = 0;
	unsigned int w;
	int ret = 0;

	memset(run, 0, sizeof(run));
	memset(res, 0, sizeof(*res));
	if (mode == NEW_RAW)
		/*
		 * Two entries per connection and EXT_TABLE, as NPF's design
		 * (and npfct's before canonical keys) needs.
		 */
		raw = perf_raw_create("raw_new", 16,
		    (uint32_t)(2 * n + n / 8 + 8), true);
	else
		ct = perf_ct_create("new", 4, n, NULL, NULL);
	if (ct == NULL && raw == NULL)
		return -ENOMEM;
	for (w = 0; w < nworkers; w++) {
		struct new_run *r = &run[w];

		r->mode = mode;
		r->ct = ct;
		r->raw = raw;
		r->obj = (uint8_t *)&run[w];
		r->first = w * (n / nworkers);
		r->count = w + 1 == nworkers ? n - r->first : n / nworkers;
		r->nworkers = nworkers;
		r->ready = &ready;
		if (mode == NEW_FULL &&
		    perf_mbufs_alloc(r->mbufs, PERF_BURST) != 0)
			ret = -ENOMEM;
	}
	for (w = 0; w < nworkers && ret == 0; w++)
		ret = perf_launch(lcores[w], new_lcore, &run[w]);
	for (w = 0; w < nworkers; w++) {
		if (ct != NULL && perf.event_ring > 0)
			res->events += wait_draining(lcores[w], ct);
		else
			perf_wait(lcores[w]);
		if (mode == NEW_FULL)
			perf_mbufs_free(run[w].mbufs, PERF_BURST);
	}
	res->oncpu = 1;
	for (w = 0; w < nworkers; w++) {
		res->oncpu = RTE_MIN(res->oncpu, (double)run[w].cpu_ns / 1e9 /
		    ((double)(run[w].t_end - run[w].t_start) / perf.tsc_hz));
		res->done += run[w].done;
		rate += (double)run[w].count / (double)run[w].cycles;
		t_start = RTE_MIN(t_start, run[w].t_start);
		t_end = RTE_MAX(t_end, run[w].t_end);
	}
	res->cyc = 1 / rate;
	res->cyc_last = (double)run[0].decile[DECILES - 1] /
	    (double)(run[0].count / DECILES);
	res->wall_mcps = (double)n / ((double)(t_end - t_start) /
	    perf.tsc_hz) / 1e6;
	/* A failed set-up is the caller's to report. */
	if (ret == 0 && res->done != n) {
		perf.failures++;
		printf("WARNING: new %s: %" PRIu64 " of %" PRIu64
		    " established\n", mode_names[mode], res->done, n);
	}
	if (ct != NULL && perf.event_ring > 0)
		for (w = 0; w < nworkers; w++) {
			struct npfct_event_stats st;

			if (npfct_events_stats_get(ct, lcores[w], &st) == 0)
				res->ev_dropped += st.dropped;
		}
	if (raw != NULL) {
		uint64_t t0 = rte_rdtsc();

		rte_hash_free(raw);
		res->destroy_s = (double)(rte_rdtsc() - t0) / perf.tsc_hz;
	} else {
		res->destroy_s = perf_ct_destroy(ct);
	}
	return ret;
}

static void
new_measure(enum new_mode mode, uint64_t n, unsigned int nworkers,
		unsigned int reps)
{
	struct perf_sample s, last;
	struct new_result res;
	double wall = 0, destroy = 0, oncpu = 1;
	uint64_t events = 0, ev_dropped = 0;
	char variant[32], extra[320];
	unsigned int r;

	memset(&s, 0, sizeof(s));
	memset(&last, 0, sizeof(last));
	for (r = 0; r < reps; r++) {
		if (new_rep(mode, n, nworkers, &res) != 0) {
			printf("WARNING: new %s: set-up failed\n",
			    mode_names[mode]);
			perf.failures++;
			return;
		}
		perf_sample_add(&s, res.cyc);
		perf_sample_add(&last, res.cyc_last);
		wall += res.wall_mcps / reps;
		destroy += res.destroy_s / reps;
		oncpu = RTE_MIN(oncpu, res.oncpu);
		events += res.events;
		ev_dropped += res.ev_dropped;
	}
	snprintf(variant, sizeof(variant), "udp4-%ulc", nworkers);
	snprintf(extra, sizeof(extra), "\"lcores\":%u,\"last_decile_ns\":"
	    "%.2f,\"wall_mconn_s\":%.3f,\"destroy_s\":%.2f,\"oncpu\":%.3f",
	    nworkers, perf_cyc_to_ns(perf_median(&last)), wall, destroy,
	    oncpu);
	if (perf.event_ring > 0)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
		    ",\"events_consumed\":%" PRIu64 ",\"events_dropped\":%"
		    PRIu64, events, ev_dropped);
	perf_report("new", variant, n, mode_names[mode], "conn", &s, extra);
	if (perf.event_ring > 0)
		printf("        (events consumed by the main lcore %" PRIu64
		    ", dropped %" PRIu64 ")\n", events, ev_dropped);
	printf("        (last 10%% of the fill %.1f ns/conn, wall %.2f M "
	    "conn/s, teardown %.2f s)\n", perf_cyc_to_ns(perf_median(&last)),
	    wall, destroy);
}

/* One lcore, the default establish path (the hash scenario). */
void
new_measure_lcores(uint64_t n, unsigned int nlcores, unsigned int reps)
{
	new_measure(NEW_EST, n, nlcores, reps);
}

void
new_measure_est(uint64_t n, unsigned int reps)
{
	new_measure(NEW_EST, n, 1, reps);
}

void
perf_new_run(void)
{
	unsigned int i, reps;
	double est1, est2, raw1, raw2;
	uint64_t n;

	perf_banner("new: distinct UDP 5-tuples, empty table to N, "
	    "bursts of 32");
	for (i = 0; i < perf.n_new_sizes; i++) {
		n = perf.new_sizes[i];
		/* A 10M fill and teardown take seconds: fewer reps. */
		reps = n >= 5000000 ? RTE_MIN(perf.reps, 3u) : perf.reps;
		new_measure(NEW_EST, n, 1, reps);
		new_measure(NEW_EST_LF, n, 1, reps);
		new_measure(NEW_FULL, n, 1, reps);
		new_measure(NEW_RAW, n, 1, reps);
		est1 = perf_result_ns("new", "udp4-1lc", n, "est");
		raw1 = perf_result_ns("new", "udp4-1lc", n, "raw-2add");
		perf_report_value("new", "udp4-1lc", n, "ratio_est_raw",
		    est1 / raw1, NULL);
		if (perf.worker2 == RTE_MAX_LCORE) {
			printf("new: no second worker lcore, 2-lcore run "
			    "skipped\n");
			continue;
		}
		new_measure(NEW_EST, n, 2, reps);
		new_measure(NEW_RAW, n, 2, reps);
		est2 = perf_result_ns("new", "udp4-2lc", n, "est");
		raw2 = perf_result_ns("new", "udp4-2lc", n, "raw-2add");
		perf_report_value("new", "udp4-2lc", n, "scaling_est",
		    est1 / est2, NULL);
		perf_report_value("new", "udp4-2lc", n, "scaling_raw",
		    raw1 / raw2, NULL);
	}
}
