/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-perf common code: results, lcores, the G/C service, instances,
 * the table fill and the raw rte_hash baseline.
 *
 * Overview
 *
 *	Results are kept in a table for the final summary and printed twice:
 *	a human-readable line and one JSON line (also appended to --json).
 *	Times are TSC cycles converted with rte_get_tsc_hz(); the median of
 *	the repetitions is the figure, min and max go into the JSON line.
 *
 * Synchronisation
 *
 *	The main lcore owns the result table, the instances and the G/C
 *	service; it sleeps (never spins) while a worker runs, so that a
 *	worker sharing its CPU is not slowed down.  Workers register with
 *	QSBR for the duration of each launched function only, so that no
 *	idle reader holds up the grace periods of the G/C.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_launch.h>
#include <rte_malloc.h>
#include <rte_service.h>

#include "npfct_event.h"
#include "perf_common.h"
#include "npfct_impl.h"

#define RESULTS_MAX	1024
#define OTHER_FAMILY_MAX 64	/* table size of the family not measured */

struct perf_opts perf;

struct result {
	char		scenario[16];
	char		variant[64];
	char		impl[32];
	uint64_t	n;
	double		ns;		/* timing: ns per unit */
	double		value;		/* value results */
	bool		timing;
};

static struct result results[RESULTS_MAX];
static unsigned int nresults;
static uint64_t gc_start_tsc;	/* perf_gc_start() */

void
perf_sample_add(struct perf_sample *s, double v)
{
	if (s->n < PERF_REPS_MAX)
		s->v[s->n++] = v;
}

static int
cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
perf_median(const struct perf_sample *s)
{
	double v[PERF_REPS_MAX];

	if (s->n == 0)
		return NAN;
	memcpy(v, s->v, s->n * sizeof(v[0]));
	qsort(v, s->n, sizeof(v[0]), cmp_double);
	return s->n & 1 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

double
perf_min(const struct perf_sample *s)
{
	double m = NAN;
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (i == 0 || s->v[i] < m)
			m = s->v[i];
	return m;
}

double
perf_max(const struct perf_sample *s)
{
	double m = NAN;
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (i == 0 || s->v[i] > m)
			m = s->v[i];
	return m;
}

static struct result *
result_add(const char *scenario, const char *variant, uint64_t n,
		const char *impl)
{
	struct result *r;

	if (nresults == RESULTS_MAX)
		return NULL;
	r = &results[nresults++];
	snprintf(r->scenario, sizeof(r->scenario), "%s", scenario);
	snprintf(r->variant, sizeof(r->variant), "%s", variant);
	snprintf(r->impl, sizeof(r->impl), "%s", impl);
	r->n = n;
	return r;
}

static void
json_line(const char *line)
{
	printf("%s\n", line);
	if (perf.json != NULL) {
		fprintf(perf.json, "%s\n", line);
		fflush(perf.json);
	}
}

void
perf_report(const char *scenario, const char *variant, uint64_t n,
		const char *impl, const char *unit,
		const struct perf_sample *cyc, const char *extra)
{
	const double c = perf_median(cyc);
	const double ns = perf_cyc_to_ns(c);
	const double mops = ns > 0 ? 1e3 / ns : 0;
	const char *oncpu = extra != NULL ? strstr(extra, "\"oncpu\":") : NULL;
	struct result *r;
	char line[1024], note[32] = "", var[64];

	snprintf(var, sizeof(var), "%s%s", variant, perf.variant_suffix);
	variant = var;

	/* A thread off its CPU part of the time was preempted: say so. */
	if (oncpu != NULL)
		snprintf(note, sizeof(note), ", on CPU %.0f%%",
		    100 * atof(oncpu + strlen("\"oncpu\":")));
	printf("%-7s %-14s %9" PRIu64 " %-13s %7.1f cyc/%-4s %7.1f ns "
	    "%7.2f M%s/s  (%.1f..%.1f ns, %u reps%s)%s\n", scenario, variant,
	    n, impl, c, unit, ns, mops,
	    strcmp(unit, "pkt") == 0 ? "pkt" : "conn",
	    perf_cyc_to_ns(perf_min(cyc)), perf_cyc_to_ns(perf_max(cyc)),
	    cyc->n, note, perf.huge ? "" : " [NO HUGEPAGES]");
	snprintf(line, sizeof(line), "{\"scenario\":\"%s\",\"variant\":\"%s\","
	    "\"n\":%" PRIu64 ",\"impl\":\"%s\",\"unit\":\"%s\","
	    "\"cycles\":%.2f,\"ns\":%.2f,\"mops\":%.3f,\"ns_min\":%.2f,"
	    "\"ns_max\":%.2f,\"reps\":%u,\"hugepages\":%s,"
	    "\"tsc_hz\":%.0f%s%s}", scenario, variant, n, impl, unit, c, ns,
	    mops, perf_cyc_to_ns(perf_min(cyc)), perf_cyc_to_ns(perf_max(cyc)),
	    cyc->n, perf.huge ? "true" : "false", perf.tsc_hz,
	    extra != NULL ? "," : "", extra != NULL ? extra : "");
	json_line(line);
	r = result_add(scenario, variant, n, impl);
	if (r != NULL) {
		r->ns = ns;
		r->timing = true;
	}
}

void
perf_cpu_extra(char *buf, size_t len, const char *prefix,
		const struct perf_sample *tsc, const struct perf_sample *cpu)
{
	const double c = perf_median(cpu);

	snprintf(buf, len, "%s%s\"ns_cpu\":%.2f,\"oncpu\":%.3f",
	    prefix != NULL ? prefix : "", prefix != NULL ? "," : "",
	    perf_cyc_to_ns(c), c / perf_median(tsc));
}

void
perf_report_value(const char *scenario, const char *variant, uint64_t n,
		const char *metric, double value, const char *extra)
{
	struct result *r;
	char line[1024], var[64];

	snprintf(var, sizeof(var), "%s%s", variant, perf.variant_suffix);
	variant = var;
	printf("%-7s %-14s %9" PRIu64 " %-24s %12.1f%s\n", scenario, variant,
	    n, metric, value, perf.huge ? "" : " [NO HUGEPAGES]");
	snprintf(line, sizeof(line), "{\"scenario\":\"%s\",\"variant\":\"%s\","
	    "\"n\":%" PRIu64 ",\"metric\":\"%s\",\"value\":%.3f,"
	    "\"hugepages\":%s%s%s}", scenario, variant, n, metric, value,
	    perf.huge ? "true" : "false", extra != NULL ? "," : "",
	    extra != NULL ? extra : "");
	json_line(line);
	r = result_add(scenario, variant, n, metric);
	if (r != NULL) {
		r->value = value;
		r->timing = false;
	}
}

static const struct result *
result_find(const char *scenario, const char *variant, uint64_t n,
		const char *impl, bool timing)
{
	unsigned int i;

	for (i = nresults; i-- > 0;) {
		const struct result *r = &results[i];

		if (r->timing == timing && r->n == n &&
		    strcmp(r->scenario, scenario) == 0 &&
		    strcmp(r->variant, variant) == 0 &&
		    strcmp(r->impl, impl) == 0)
			return r;
	}
	return NULL;
}

double
perf_result_ns(const char *scenario, const char *variant, uint64_t n,
		const char *impl)
{
	const struct result *r = result_find(scenario, variant, n, impl,
	    true);

	return r != NULL ? r->ns : NAN;
}

double
perf_result_value(const char *scenario, const char *variant, uint64_t n,
		const char *metric)
{
	const struct result *r = result_find(scenario, variant, n, metric,
	    false);

	return r != NULL ? r->value : NAN;
}

void
perf_banner(const char *title)
{
	printf("\n=== %s ===\n", title);
	fflush(stdout);
}

uint64_t
perf_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Lcores.
 */

int
perf_launch(unsigned int lcore, int (*fn)(void *), void *arg)
{
	return rte_eal_remote_launch(fn, arg, lcore);
}

int
perf_wait(unsigned int lcore)
{
	/* Sleep: rte_eal_wait_lcore() spins, stealing a shared CPU. */
	while (rte_eal_get_lcore_state(lcore) == RUNNING)
		usleep(500);
	return rte_eal_wait_lcore(lcore);
}

int
perf_run_on(unsigned int lcore, int (*fn)(void *), void *arg)
{
	int ret;

	if (lcore == rte_lcore_id())
		return fn(arg);
	ret = perf_launch(lcore, fn, arg);
	if (ret != 0)
		return ret;
	return perf_wait(lcore);
}

/*
 * The G/C service.
 */

int
perf_gc_start(struct npfct *ct)
{
	uint32_t id;
	int ret;

	if (perf.service == RTE_MAX_LCORE)
		return -ENODEV;
	if (npfct_gc_service_id(ct, &id) != 0)
		return -EINVAL;
	/* The service's cycles show how busy the G/C was (perf_gc_busy()). */
	rte_service_set_stats_enable(id, 1);
	rte_service_attr_reset_all(id);
	gc_start_tsc = rte_rdtsc();
	ret = rte_service_map_lcore_set(id, perf.service, 1);
	if (ret == 0)
		ret = rte_service_runstate_set(id, 1);
	if (ret == 0) {
		ret = rte_service_lcore_start(perf.service);
		if (ret == -EALREADY)
			ret = 0;
	}
	return ret;
}

double
perf_gc_busy(struct npfct *ct)
{
	uint64_t cycles = 0;
	uint32_t id;

	if (npfct_gc_service_id(ct, &id) != 0)
		return 0;
	rte_service_attr_get(id, RTE_SERVICE_ATTR_CYCLES, &cycles);
	return (double)cycles / (double)(rte_rdtsc() - gc_start_tsc);
}

void
perf_gc_stop(struct npfct *ct)
{
	uint32_t id;

	if (perf.service == RTE_MAX_LCORE ||
	    npfct_gc_service_id(ct, &id) != 0)
		return;
	rte_service_runstate_set(id, 0);
	while (rte_service_may_be_active(id) == 1)
		usleep(100);
	rte_service_map_lcore_set(id, perf.service, 0);
	rte_service_lcore_stop(perf.service);
	while (rte_service_lcore_may_be_active(perf.service) == 1)
		usleep(100);
}

/*
 * Instances.
 */

struct npfct *
perf_ct_create(const char *name, unsigned int alen, uint64_t max,
		const uint32_t *timeouts, const struct npfct_gc_params *gc)
{
	/* Long timeouts: nothing expires while a table is measured. */
	static const uint32_t long_timeouts[NPFCT_TIMEOUT_MAX] = {
		[NPFCT_TIMEOUT_GENERIC_NEW] = 3600,
		[NPFCT_TIMEOUT_GENERIC_ESTABLISHED] = 3600,
		[NPFCT_TIMEOUT_TCP_NEW] = 3600,
	};
	struct npfct_params p = {
		.name = name,
		.socket_id = (int)rte_socket_id(),
		.max_conns = (uint32_t)(alen == 4 ? max : OTHER_FAMILY_MAX),
		.max_conns6 = (uint32_t)(alen == 16 ? max : OTHER_FAMILY_MAX),
		.timeouts = timeouts != NULL ? timeouts : long_timeouts,
		.gc = gc,
		.hash = perf.hash,
		.flags = perf.ct_flags,
		.event_ring_size = perf.event_ring,
		/* A NAT gateway: every connection may be translated. */
		.max_nat_conns = perf.nat ? (uint32_t)max : 0,
	};
	struct npfct *ct = npfct_create(&p);

	if (ct == NULL) {
		fprintf(stderr, "npfct_create(%s, %" PRIu64 "): %s\n", name,
		    max, rte_strerror(rte_errno));
		return NULL;
	}
	/* Scenario features: events of every type, the zone's limit. */
	if (perf.event_ring != 0)
		RTE_VERIFY(npfct_events_subscribe(ct, NPFCT_EVENT_ALL) == 0);
	if (perf.zone_limit != 0)
		RTE_VERIFY(npfct_zone_limit_set(ct, perf.zone,
		    perf.zone_limit) == 0);
	if (perf.nat) {
		/*
		 * Scenario features: every source to 256 addresses.  All
		 * the flows go to one server: 1M connections fill 6 % of
		 * the pool's ports for it (with 16 addresses, 97 %: most
		 * probes would find their port taken).
		 */
		const struct npfct_nat_policy_conf masq = {
			.type = NPFCT_NAT_SNAT, .zone = perf.zone,
			.match_plen = 0, .pool_first.v4 = RTE_BE32(0xc6120000),
			.pool_last.v4 = RTE_BE32(0xc61200ff),
		};

		/* IPv6 instances: the same over 2001:db8:fffe::/120. */
		struct npfct_nat_policy_conf masq6 = {
			.type = NPFCT_NAT_SNAT, .zone = perf.zone, .alen = 16,
			.match_plen = 0,
		};

		RTE_VERIFY(npfct_nat_policy_add(ct, &masq) >= 0);
		if (alen == 16) {
			masq6.pool_first.a32[0] = RTE_BE32(0x20010db8);
			masq6.pool_first.a32[1] = RTE_BE32(0xfffe0000);
			masq6.pool_last = masq6.pool_first;
			masq6.pool_last.a32[3] = RTE_BE32(0xff);
			RTE_VERIFY(npfct_nat_policy_add(ct, &masq6) >= 0);
		}
	}
	return ct;
}

double
perf_ct_destroy(struct npfct *ct)
{
	uint64_t t0;

	if (ct == NULL)
		return 0;
	perf_gc_stop(ct);
	t0 = rte_rdtsc();
	npfct_destroy(ct);
	return (double)(rte_rdtsc() - t0) / perf.tsc_hz;
}

/*
 * Store where NAT put connection id's client and aim the answer there.
 * Not established (counted there) or not translated (counted here): the
 * answer goes to the original client, misses, and the fill fails.
 */
static void
fill_nat_tuple(struct perf_fill *fa, const struct npfct_conn *con,
		uint64_t id, struct perf_flow *back)
{
	struct npfct_conn_info info;

	if (con == NULL)
		return;
	npfct_conn_info_get(fa->ct, con, &info);
	if (!info.nat) {
		fa->untranslated++;
		return;
	}
	fa->nat[id].addr = info.bdst;
	fa->nat[id].port = info.bdport;
	perf_flow_translate(back, &fa->nat[id]);
}

static void
fill_burst(struct perf_fill *fa, const uint64_t *ids, unsigned int k,
		int di)
{
	const bool tcp = fa->proto == IPPROTO_TCP;
	struct perf_flow f[PERF_BURST];
	struct npfct_pkt pkts[PERF_BURST];
	struct npfct_conn *conns[PERF_BURST];
	uint8_t verdicts[PERF_BURST];
	uint16_t idx[PERF_BURST];
	unsigned int j;

	if (k == 0 || k > PERF_BURST)
		return;
	for (j = 0; j < k; j++) {
		perf_flow_get(ids[j], fa->alen, fa->proto, &f[j]);
		perf_pkt_fill(&pkts[j], &f[j], true, PERF_SEG_SYN);
		idx[j] = (uint16_t)j;
	}
	fa->established += npfct_establish_burst(fa->ct, pkts, idx,
	    (uint16_t)k, di, NPFCT_EST_LOOKUP_FIRST |
	    (fa->nat != NULL ? NPFCT_EST_NAT : 0), conns);
	/* The answer: SYN-ACK, or a UDP reply (NEW -> ESTABLISHED). */
	for (j = 0; j < k; j++) {
		struct perf_flow back = f[j];

		if (fa->nat != NULL)
			fill_nat_tuple(fa, conns[j], ids[j], &back);
		perf_pkt_fill(&pkts[j], &back, false, PERF_SEG_SYNACK);
	}
	fa->completed += npfct_inspect_burst_parsed(fa->ct, pkts, (uint16_t)k,
	    perf_dir_opposite(di), conns, verdicts);
	if (tcp) {
		for (j = 0; j < k; j++)
			perf_pkt_fill(&pkts[j], &f[j], true, PERF_SEG_ACK_FW);
		fa->completed += npfct_inspect_burst_parsed(fa->ct, pkts,
		    (uint16_t)k, di, conns, verdicts);
	}
	npfct_quiescent();
}

int
perf_fill_lcore(void *arg)
{
	struct perf_fill *fa = arg;
	uint64_t ids[2][PERF_BURST], i, t0;
	unsigned int k[2] = { 0, 0 }, p;

	npfct_thread_register();
	t0 = rte_rdtsc();
	fa->established = fa->completed = fa->untranslated = 0;
	for (i = fa->first; i < fa->first + fa->count; i++) {
		/* One direction per burst: even and odd flows apart. */
		p = (unsigned int)(i & 1);
		ids[p][k[p]++] = i;
		if (k[p] == PERF_BURST) {
			fill_burst(fa, ids[p], k[p], perf_flow_dir(i));
			k[p] = 0;
		}
	}
	for (p = 0; p < 2; p++)
		if (k[p] != 0)
			fill_burst(fa, ids[p], k[p], perf_flow_dir(p));
	fa->seconds = (double)(rte_rdtsc() - t0) / perf.tsc_hz;
	npfct_thread_unregister();
	return 0;
}

int
perf_fill(struct npfct *ct, unsigned int alen, uint8_t proto, uint64_t n,
		double *seconds)
{
	return perf_fill_nat(ct, alen, proto, n, seconds, NULL);
}

int
perf_fill_nat(struct npfct *ct, unsigned int alen, uint8_t proto,
		uint64_t n, double *seconds, struct perf_nat_tuple *nat)
{
	struct perf_fill fa = {
		.ct = ct, .alen = alen, .proto = proto, .first = 0, .count = n,
		.nat = nat,
	};
	const uint64_t answers = proto == IPPROTO_TCP ? 2 : 1;

	perf_run_on(perf.worker, perf_fill_lcore, &fa);
	if (seconds != NULL)
		*seconds = fa.seconds;
	if (fa.established != n || fa.completed != answers * n ||
	    fa.untranslated != 0) {
		fprintf(stderr, "fill: %" PRIu64 " of %" PRIu64 " established, "
		    "%" PRIu64 " of %" PRIu64 " answers matched, %" PRIu64
		    " not translated\n", fa.established, n, fa.completed,
		    answers * n, fa.untranslated);
		return -1;
	}
	return 0;
}

struct rte_hash *
perf_raw_create(const char *name, unsigned int key_len, uint32_t entries,
		bool ext)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
		    RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
		    (ext ? RTE_HASH_EXTRA_FLAGS_EXT_TABLE : 0),
	};
	struct rte_hash *h = rte_hash_create(&hp);

	if (h == NULL)
		fprintf(stderr, "rte_hash_create(%s): %s\n", name,
		    rte_strerror(rte_errno));
	return h;
}

uint64_t
perf_heap_allocated(void)
{
	struct rte_malloc_socket_stats st;
	unsigned int i;
	uint64_t sum = 0;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
		    &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}
