/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-perf G/C scenarios: churn (a steady state of short-lived flows
 * reclaimed by the G/C service) and G/C interference (the hit scenario
 * with the G/C scanning a large table on the service lcore).
 *
 * Overview
 *
 *	churn.  The instance runs on a manual clock that the worker moves
 *	one second forwards every K new flows (K = live / 4), with 1 s UDP
 *	timeouts.  Each burst of 32 carries a fixed share of new flows
 *	(default 10%); the other packets belong to random flows among the
 *	newest W = live / 2, in the burst's direction (forwards or
 *	backwards stream).  A flow thus gets packets for about 2 virtual
 *	seconds, idles, expires 2 seconds later and is reclaimed by the G/C
 *	on the service lcore.  Misses (a flow expired while still in the
 *	window) are established again, as a firewall would.  The figure is
 *	the time per packet of the datapath (inspect, establish the misses,
 *	quiescent state), one sample per virtual second after a warm-up;
 *	the table size is sampled every virtual second and must stay
 *	bounded (about W + 2.x K, ~1M).
 *
 *	gc-interference.  The hit set-up with N connections (10M) measured
 *	with the service lcore stopped (idle), with the service lcore
 *	polling but no service mapped (the cost of a busy-polling lcore on
 *	the other CPU alone), with the G/C at its default tunables, and with
 *	the G/C scanning continuously (gc.step 1048576, interval 1 ms: a
 *	pass over 10M every few hundred ms), interleaved per repetition.
 *	The worker is on CPU 1, the service lcore on CPU 0.
 *
 * Synchronisation
 *
 *	The worker is a registered QSBR reader with a quiescent state per
 *	burst, so the G/C's grace periods complete while it runs.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_random.h>
#include <rte_service.h>

#include "perf_common.h"

#define CHURN_WARMUP_VSEC	6
#define NS_PER_SEC		1000000000ull

struct churn_run {
	struct npfct	*ct;
	struct rte_mbuf	*mbufs[PERF_BURST];
	uint64_t	*ring;		/* newest flows, W entries */
	uint64_t	window;		/* W */
	uint64_t	per_vsec;	/* K: new flows per virtual second */
	unsigned int	new_pct;
	unsigned int	vsecs;		/* measured virtual seconds */
	/* Out. */
	struct perf_sample cyc;		/* per packet, one per vsec */
	uint64_t	live_min, live_max;
	double		live_mean;
	uint64_t	packets, created, missed, invalid;
	double		timed_s, wall_s;
	double		oncpu;
};

/*
 * churn_lcore: the worker.
 */
static int
churn_lcore(void *arg)
{
	struct churn_run *r = arg;
	struct npfct_pkt pkts[PERF_BURST];
	struct npfct_conn *conns[PERF_BURST];
	uint8_t verdicts[PERF_BURST];
	uint16_t idx[PERF_BURST];
	struct perf_flow f;
	uint64_t next_id[2] = { 0, 1 }, created = 0, vsec = 0, burst = 0;
	uint64_t sec_cyc = 0, sec_pkts = 0, total_cyc = 0, t0, t1, wall0;
	uint64_t live, live_sum = 0, cpu0;
	unsigned int acc = 0, j, nnew, nidx, nmatch;
	const unsigned int total_vsec = CHURN_WARMUP_VSEC + r->vsecs;

	r->live_min = UINT64_MAX;
	npfct_thread_register();
	wall0 = rte_rdtsc();
	cpu0 = perf_thread_cpu_ns();
	while (vsec < total_vsec) {
		const int di = (burst++ & 1) ? NPFCT_DIR_IN : NPFCT_DIR_OUT;
		const unsigned int p = di == NPFCT_DIR_IN;
		const uint64_t nring = RTE_MIN(created, r->window);

		/* A fixed share of new flows per burst. */
		acc += PERF_BURST * r->new_pct;
		nnew = acc / 100;
		acc %= 100;
		if (nring == 0)
			nnew = PERF_BURST;
		for (j = 0; j < PERF_BURST; j++) {
			uint64_t id;

			if (j < nnew) {
				/* Even ids start OUT, odd ones IN. */
				id = next_id[p];
				next_id[p] += 2;
				r->ring[created % r->window] = id;
				created++;
			} else {
				id = r->ring[rte_rand_max(nring)];
			}
			perf_flow_get(id, 4, IPPROTO_UDP, &f);
			perf_pkt_write(r->mbufs[j], &f, f.dir == di,
			    PERF_SEG_SYN, false);
		}

		t0 = rte_rdtsc();
		nmatch = npfct_inspect_burst(r->ct, r->mbufs, pkts,
		    PERF_BURST, di, conns, verdicts);
		for (j = 0, nidx = 0; j < PERF_BURST; j++)
			if (verdicts[j] == NPFCT_V_MISS)
				idx[nidx++] = (uint16_t)j;
		npfct_establish_burst(r->ct, pkts, idx, (uint16_t)nidx, di,
		    0, conns);
		npfct_quiescent();
		t1 = rte_rdtsc();

		if (vsec >= CHURN_WARMUP_VSEC) {
			sec_cyc += t1 - t0;
			sec_pkts += PERF_BURST;
			r->packets += PERF_BURST;
			/* Misses among the packets of existing flows. */
			r->missed += nidx > nnew ? nidx - nnew : 0;
			r->invalid += PERF_BURST - nmatch - nidx;
		}
		if (created >= (vsec + 1) * r->per_vsec) {
			/* A virtual second has passed. */
			vsec++;
			npfct_clock_set(r->ct, vsec * NS_PER_SEC);
			live = npfct_count(r->ct);
			if (vsec > CHURN_WARMUP_VSEC) {
				perf_sample_add(&r->cyc, (double)sec_cyc /
				    (double)sec_pkts);
				total_cyc += sec_cyc;
				r->live_min = RTE_MIN(r->live_min, live);
				r->live_max = RTE_MAX(r->live_max, live);
				live_sum += live;
			}
			sec_cyc = sec_pkts = 0;
			if (vsec == CHURN_WARMUP_VSEC)
				r->created = created;
		}
	}
	r->created = created - r->created;
	r->live_mean = (double)live_sum / r->vsecs;
	r->timed_s = (double)total_cyc / perf.tsc_hz;
	r->wall_s = (double)(rte_rdtsc() - wall0) / perf.tsc_hz;
	r->oncpu = (double)(perf_thread_cpu_ns() - cpu0) / 1e9 / r->wall_s;
	npfct_thread_unregister();
	return 0;
}

void
perf_churn_run(void)
{
	const uint64_t live = perf.churn_live;
	const uint32_t timeouts[NPFCT_TIMEOUT_MAX] = {
		[NPFCT_TIMEOUT_GENERIC_NEW] = 1,
		[NPFCT_TIMEOUT_GENERIC_ESTABLISHED] = 1,
	};
	const struct npfct_gc_params gc = {
		.step = 65536, .interval_min_ms = 1, .interval_max_ms = 10,
	};
	struct churn_run r;
	struct npfct_stats st;
	struct npfct *ct;
	double new_rate;
	char extra[512];

	perf_banner("churn: ~1M live UDP flows, share of new flows, 1 s "
	    "timeouts, G/C on the service lcore");
	if (perf.service == RTE_MAX_LCORE) {
		printf("churn: no service lcore (-s), skipped\n");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.window = live / 2;
	r.per_vsec = live / 4;
	r.new_pct = perf.churn_new_pct;
	r.vsecs = perf.churn_seconds;
	r.ring = calloc(r.window, sizeof(r.ring[0]));
	/* Room for twice the expected live count: a G/C that falls behind
	 * shows as growth, then as table-full. */
	ct = perf_ct_create("churn", 4, 2 * live, timeouts, &gc);
	if (r.ring == NULL || ct == NULL ||
	    perf_mbufs_alloc(r.mbufs, PERF_BURST) != 0) {
		printf("WARNING: churn: set-up failed\n");
		perf.failures++;
		free(r.ring);
		perf_ct_destroy(ct);
		return;
	}
	r.ct = ct;
	npfct_clock_manual(ct, 0);
	if (perf_gc_start(ct) != 0) {
		printf("WARNING: churn: cannot start the G/C service\n");
		perf.failures++;
	}
	perf_run_on(perf.worker, churn_lcore, &r);
	perf_gc_stop(ct);
	npfct_stats_get(ct, &st);

	new_rate = (double)r.created / r.timed_s / 1e6;
	snprintf(extra, sizeof(extra), "\"live_min\":%" PRIu64 ",\"live_max\""
	    ":%" PRIu64 ",\"live_mean\":%.0f,\"new_pct\":%u,\"new_mconn_s\":"
	    "%.3f,\"missed\":%" PRIu64 ",\"invalid\":%" PRIu64 ",\"table_full\""
	    ":%" PRIu64 ",\"gc_expired\":%" PRIu64 ",\"destroyed\":%" PRIu64
	    ",\"vsecs\":%u,\"wall_s\":%.2f,\"oncpu\":%.3f", r.live_min,
	    r.live_max, r.live_mean, r.new_pct, new_rate, r.missed, r.invalid,
	    st.count[NPFCT_STAT_TABLE_FULL], st.count[NPFCT_STAT_GC_EXPIRED],
	    st.count[NPFCT_STAT_CONN_DESTROY], r.vsecs, r.wall_s, r.oncpu);
	perf_report("churn", "udp4", live, "npfct", "pkt", &r.cyc, extra);
	perf_report_value("churn", "udp4", live, "live_max",
	    (double)r.live_max, NULL);
	perf_report_value("churn", "udp4", live, "live_min",
	    (double)r.live_min, NULL);
	perf_report_value("churn", "udp4", live, "new_mconn_s", new_rate,
	    NULL);
	printf("        (live %" PRIu64 "..%" PRIu64 ", %u%% new = %.2f M new "
	    "conn/s, %" PRIu64 " expired, %" PRIu64 " destroyed, table-full "
	    "%" PRIu64 ", on CPU %.0f%%)\n", r.live_min, r.live_max, r.new_pct,
	    new_rate, st.count[NPFCT_STAT_GC_EXPIRED],
	    st.count[NPFCT_STAT_CONN_DESTROY], st.count[NPFCT_STAT_TABLE_FULL],
	    100 * r.oncpu);
	perf_mbufs_free(r.mbufs, PERF_BURST);
	free(r.ring);
	perf_ct_destroy(ct);
}

/*
 * G/C interference.
 */
enum { GC_IDLE, GC_SPIN, GC_DEFAULT, GC_MAX, GC_NMODES };

static const char *const gc_mode_names[GC_NMODES] = {
	[GC_IDLE] = "gc-idle",
	[GC_SPIN] = "svc-spin",
	[GC_DEFAULT] = "gc-default",
	[GC_MAX] = "gc-scanning",
};

/* The service lcore polling with no service mapped (GC_SPIN). */
static void
spin_start(void)
{
	rte_service_lcore_start(perf.service);
}

static void
spin_stop(void)
{
	rte_service_lcore_stop(perf.service);
	while (rte_service_lcore_may_be_active(perf.service) == 1)
		usleep(100);
}

/*
 * gc_scan_rate: time npfct_gc() steps on the main lcore (no traffic):
 * nanoseconds per connection examined.
 */
static double
gc_scan_rate(struct npfct *ct, uint64_t n)
{
	const struct npfct_gc_params p = { .step = 1048576,
	    .interval_min_ms = 1, .interval_max_ms = 1, .early_drop = 64 };
	const unsigned int steps = n <= p.step ? 1 :
	    (unsigned int)RTE_MIN(n / p.step, (uint64_t)10);
	uint64_t t0, examined;
	unsigned int i;

	npfct_gc_params_set(ct, &p);
	/* The first step also moves the new connections to the G/C list. */
	npfct_gc(ct);
	t0 = rte_rdtsc();
	for (i = 0; i < steps; i++)
		npfct_gc(ct);
	examined = RTE_MIN(n, (uint64_t)steps * p.step);
	return perf_cyc_to_ns((double)(rte_rdtsc() - t0) / (double)examined);
}

static void
gcint_variant(const char *variant, uint64_t n)
{
	static const struct npfct_gc_params modes[GC_NMODES] = {
		[GC_MAX] = { .step = 1048576, .interval_min_ms = 1,
		    .interval_max_ms = 1, .early_drop = 64 },
		[GC_DEFAULT] = { .step = 256, .interval_min_ms = 50,
		    .interval_max_ms = 5000, .early_drop = 64 },
	};
	struct perf_sample s[GC_NMODES], c[GC_NMODES];
	double cyc[4], cpu[4], idle, idle_cpu, pct, pct_cpu, scan_ns;
	double busy[GC_NMODES] = { 0 };
	uint64_t packets, matched, translated;
	/* Differences of a few percent: twice the repetitions. */
	const unsigned int reps = RTE_MIN(2 * perf.reps,
	    (unsigned int)PERF_REPS_MAX);
	struct hit_ctx h;
	unsigned int r, m;
	char info[256], extra[384];

	if (hit_setup(&h, variant, n, false, false) != 0) {
		printf("WARNING: gc-interference %s: set-up failed\n",
		    variant);
		perf.failures++;
		return;
	}
	scan_ns = gc_scan_rate(h.ct, h.n);
	printf("        (G/C step alone: %.1f ns per connection examined, "
	    "a pass over %" PRIu64 " takes %.2f s)\n", scan_ns, h.n,
	    scan_ns * (double)h.n / 1e9);
	memset(s, 0, sizeof(s));
	memset(c, 0, sizeof(c));
	for (r = 0; r < reps; r++) {
		for (m = 0; m < GC_NMODES; m++) {
			if (m == GC_SPIN) {
				spin_start();
			} else if (m != GC_IDLE) {
				/* Applies at once: the next step is due. */
				npfct_gc_params_set(h.ct, &modes[m]);
				if (perf_gc_start(h.ct) != 0) {
					printf("WARNING: gc: cannot start the "
					    "G/C\n");
					perf.failures++;
				}
			}
			if (m != GC_IDLE)
				usleep(20000);	/* let it run */
			hit_measure(&h, HIT_NPFCT, cyc, cpu, &packets,
			    &matched, &translated);
			if (m == GC_SPIN) {
				spin_stop();
			} else if (m != GC_IDLE) {
				busy[m] += perf_gc_busy(h.ct) / reps;
				perf_gc_stop(h.ct);
			}
			if (matched != packets) {
				perf.failures++;
				printf("WARNING: gc %s: %" PRIu64 " of %" PRIu64
				    " matched\n", gc_mode_names[m], matched,
				    packets);
			}
			perf_sample_add(&s[m], cyc[0]);
			perf_sample_add(&c[m], cpu[0]);
		}
	}
	idle = perf_median(&s[GC_IDLE]);
	idle_cpu = perf_median(&c[GC_IDLE]);
	for (m = 0; m < GC_NMODES; m++) {
		pct = 100 * (perf_median(&s[m]) - idle) / idle;
		pct_cpu = 100 * (perf_median(&c[m]) - idle_cpu) / idle_cpu;
		snprintf(info, sizeof(info), "\"gc\":\"%s\",\"slowdown_pct\":"
		    "%.2f,\"slowdown_cpu_pct\":%.2f,\"gc_scan_ns_per_conn\":"
		    "%.2f,\"gc_busy\":%.3f", gc_mode_names[m], pct, pct_cpu,
		    scan_ns, busy[m]);
		perf_cpu_extra(extra, sizeof(extra), info, &s[m], &c[m]);
		perf_report("gc", variant, h.n, gc_mode_names[m], "pkt", &s[m],
		    extra);
		if (m == GC_DEFAULT || m == GC_MAX)
			printf("        (G/C service busy in steps %.0f%% "
			    "of the time)\n", 100 * busy[m]);
		if (m != GC_IDLE) {
			char metric[48];

			snprintf(metric, sizeof(metric), "slowdown_pct_%s",
			    gc_mode_names[m]);
			perf_report_value("gc", variant, h.n, metric, pct,
			    NULL);
			snprintf(metric, sizeof(metric), "slowdown_cpu_pct_%s",
			    gc_mode_names[m]);
			perf_report_value("gc", variant, h.n, metric, pct_cpu,
			    NULL);
		}
	}
	hit_teardown(&h);
}

void
perf_gcint_run(void)
{
	perf_banner("gc-interference: hit with the G/C scanning on the "
	    "service lcore vs idle");
	if (perf.service == RTE_MAX_LCORE) {
		printf("gc-interference: no service lcore (-s), skipped\n");
		return;
	}
	gcint_variant("udp4", perf.gc_size);
	gcint_variant("tcp4", perf.gc_size);
}
