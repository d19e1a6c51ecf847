/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-perf: the npfct benchmark (issue 6).
 *
 * Overview
 *
 *	npfct-perf [EAL options] -- [--quick] [--scenarios LIST] ...
 *
 *	Boots the EAL (hugepages unless --no-huge; tests/perf/run-perf.sh
 *	reserves them and passes the lcore layout), finds the lcores, runs
 *	the selected scenarios and prints a summary against the targets and
 *	the reference figures of OVS and NPF.  Every result is also one
 *	JSON line (on stdout and in --json FILE).
 *
 *	Scenarios: hit (perf_hit.c), single (single-flow, perf_hit.c), new
 *	(perf_new.c), churn and gc (gc-interference, perf_gc.c), mem
 *	(perf_mem.c), hash (the keyed hash functions against CRC32C,
 *	perf_hash.c).
 *
 *	Lcores: the first worker lcore is the measured one, a second worker
 *	lcore (if any) is used by the 2-lcore new-connection run, the first
 *	service lcore (-s) runs the G/C.  run-perf.sh uses
 *	--lcores 0@0,1@0,2@1,3@0 -s 0x2: the worker (lcore 2) on CPU 1; the
 *	main lcore, the service lcore 1 and the second worker (lcore 3) on
 *	CPU 0.
 *
 * Synchronisation
 *
 *	The main lcore drives everything and sleeps while workers run.
 */

#define _GNU_SOURCE	/* rte_cpuset_t, CPU_ISSET() */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_service.h>

#include "perf_common.h"

/* Reference figures (ns), from the issue: OVS userspace, upstream NPF. */
#define REF_OVS_SINGLE	63.0
#define REF_OVS_HIT_1M	443.0
#define REF_OVS_NEW	651.0
#define REF_NPF_SINGLE	114.0
#define REF_NPF_HIT_1M	858.0
#define REF_NPF_NEW	908.0

#define M1		1000000ull
#define M10		10000000ull

static const struct {
	const char	*name;
	uint32_t	bit;
} scenario_names[] = {
	{ "hit", PERF_S_HIT },
	{ "single", PERF_S_SINGLE },
	{ "new", PERF_S_NEW },
	{ "churn", PERF_S_CHURN },
	{ "gc", PERF_S_GC },
	{ "mem", PERF_S_MEM },
	{ "hash", PERF_S_HASH },
	{ "features", PERF_S_FEATURES },
	{ "all", PERF_S_ALL },
};

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [options]\n"
	    "  --quick               small sizes, 3 repetitions (smoke run)\n"
	    "  --scenarios LIST      hit,single,new,churn,gc,mem,hash,\n"
	    "                        features (default "
	    "all)\n"
	    "  --reps N              repetitions per figure (median; "
	    "default 5)\n"
	    "  --hit-sizes LIST      connections for hit (1000,100000,"
	    "1000000,10000000)\n"
	    "  --hit-variants LIST   udp4,tcp4,tcp6 (default all)\n"
	    "  --new-sizes LIST      connections for new (1000000,10000000)\n"
	    "  --mem-sizes LIST      connections for mem (1000000,10000000)\n"
	    "  --gc-size N           connections for gc-interference "
	    "(10000000)\n"
	    "  --churn-live N        live connections for churn (1000000)\n"
	    "  --churn-new-pct P     share of new flows in churn (10)\n"
	    "  --churn-seconds S     measured virtual seconds (12)\n"
	    "  --pool-pkts M         pre-built packets for hit (262144)\n"
	    "  --pkts-per-rep P      packets per hit repetition (1048576)\n"
	    "  --hit-rx              hit/single: npfct receives each burst "
	    "into a ring\n"
	    "                        of 1024 mbufs first (copy not timed), "
	    "as from a PMD\n"
	    "  --hash LIST           hash: functions to compare (crc32c,"
	    "siphash13,\n"
	    "                        halfsiphash13,aes; default all this CPU "
	    "runs)\n"
	    "  --hash-sizes LIST     hash: connections for hit (1000,1000000)\n"
	    "  --hash-new N          hash: connections for new (1000000)\n"
	    "  --hash-rounds R       hash: set-ups per function, median (3)\n"
	    "  --feat-sizes LIST     features: connections for hit (1000000)\n"
	    "  --feat-new N          features: connections for new (1000000)\n"
	    "  --feat-rounds R       features: set-ups per configuration, "
	    "median (3)\n"
	    "  --json FILE           also write the JSON lines to FILE\n",
	    prog);
}

static int
parse_list(const char *s, uint64_t *v, unsigned int *n)
{
	char *end;

	*n = 0;
	while (*s != '\0') {
		if (*n == PERF_SIZES_MAX)
			return -EINVAL;
		v[*n] = strtoull(s, &end, 0);
		if (end == s || v[*n] == 0 || v[*n] > (1ull << 28))
			return -EINVAL;
		(*n)++;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -EINVAL;
	}
	return *n > 0 ? 0 : -EINVAL;
}

static int
parse_scenarios(const char *s)
{
	char buf[128], *tok, *save = NULL;
	unsigned int i;

	snprintf(buf, sizeof(buf), "%s", s);
	perf.scenarios = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < RTE_DIM(scenario_names); i++)
			if (strcmp(tok, scenario_names[i].name) == 0)
				break;
		if (i == RTE_DIM(scenario_names))
			return -EINVAL;
		perf.scenarios |= scenario_names[i].bit;
	}
	return perf.scenarios != 0 ? 0 : -EINVAL;
}

/* Every function this CPU runs, CRC32C (the baseline) first. */
static void
hash_funcs_all(void)
{
	static const enum npfct_hash_func all[] = { NPFCT_HASH_CRC32C,
	    NPFCT_HASH_SIPHASH13, NPFCT_HASH_HALFSIPHASH13, NPFCT_HASH_AES };
	struct npfct_params probe = {
		.name = "hashprobe", .socket_id = SOCKET_ID_ANY, .max_conns = 8,
	};
	unsigned int i;

	perf.n_hash_funcs = 0;
	for (i = 0; i < RTE_DIM(all); i++) {
		struct npfct *ct;

		probe.hash = all[i];
		ct = npfct_create(&probe);
		if (ct == NULL)
			continue;	/* ENOTSUP: not on this CPU */
		npfct_destroy(ct);
		perf.hash_funcs[perf.n_hash_funcs++] = all[i];
	}
}

static void
set_defaults(bool quick)
{
	static const uint64_t hit_full[] = { 1000, 100000, M1, M10 };
	static const uint64_t hit_quick[] = { 1000, 100000 };
	static const uint64_t big_full[] = { M1, M10 };
	static const uint64_t big_quick[] = { 100000 };

	perf.reps = quick ? 3 : 5;
	perf.n_hit_sizes = quick ? RTE_DIM(hit_quick) : RTE_DIM(hit_full);
	memcpy(perf.hit_sizes, quick ? hit_quick : hit_full,
	    perf.n_hit_sizes * sizeof(uint64_t));
	perf.n_new_sizes = quick ? RTE_DIM(big_quick) : RTE_DIM(big_full);
	memcpy(perf.new_sizes, quick ? big_quick : big_full,
	    perf.n_new_sizes * sizeof(uint64_t));
	perf.n_mem_sizes = perf.n_new_sizes;
	memcpy(perf.mem_sizes, perf.new_sizes,
	    perf.n_mem_sizes * sizeof(uint64_t));
	perf.gc_size = quick ? 100000 : M10;
	perf.churn_live = quick ? 100000 : M1;
	perf.churn_new_pct = 10;
	perf.churn_seconds = quick ? 6 : 12;
	perf.pool_pkts = quick ? 16384 : 262144;
	perf.pkts_per_rep = quick ? 262144 : 1048576;
	perf.n_hash_sizes = 0;
	perf.hash_sizes[perf.n_hash_sizes++] = 1000;
	if (!quick)
		perf.hash_sizes[perf.n_hash_sizes++] = M1;
	perf.hash_new_size = quick ? 100000 : M1;
	perf.hash_rounds = quick ? 1 : 3;
	perf.hash = NPFCT_HASH_DEFAULT;
	perf.n_hash_funcs = 0;
	hash_funcs_all();
	perf.n_feat_sizes = 0;
	perf.feat_sizes[perf.n_feat_sizes++] = quick ? 10000 : M1;
	perf.feat_new_size = quick ? 100000 : M1;
	perf.feat_rounds = quick ? 1 : 3;
}

static int
parse_hash_list(const char *s)
{
	char buf[256], *tok, *save = NULL;
	int f;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	perf.n_hash_funcs = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		f = npfct_hash_func_lookup(tok);
		if (f < 0 || perf.n_hash_funcs == NPFCT_HASH_MAX)
			return -EINVAL;
		perf.hash_funcs[perf.n_hash_funcs++] = (enum npfct_hash_func)f;
	}
	return perf.n_hash_funcs > 0 ? 0 : -EINVAL;
}

static int
parse_args(int argc, char **argv)
{
	enum { O_QUICK = 256, O_SCEN, O_REPS, O_HIT, O_HITV, O_NEW, O_MEM, O_GC,
	    O_CLIVE, O_CPCT, O_CSEC, O_POOL, O_PPR, O_HITRX, O_JSON, O_HELP,
	    O_HASH, O_HASHS, O_HASHN, O_HASHR, O_FEATS, O_FEATN, O_FEATR };
	static const struct option lgopts[] = {
		{ "quick", no_argument, NULL, O_QUICK },
		{ "scenarios", required_argument, NULL, O_SCEN },
		{ "reps", required_argument, NULL, O_REPS },
		{ "hit-sizes", required_argument, NULL, O_HIT },
		{ "hit-variants", required_argument, NULL, O_HITV },
		{ "new-sizes", required_argument, NULL, O_NEW },
		{ "mem-sizes", required_argument, NULL, O_MEM },
		{ "gc-size", required_argument, NULL, O_GC },
		{ "churn-live", required_argument, NULL, O_CLIVE },
		{ "churn-new-pct", required_argument, NULL, O_CPCT },
		{ "churn-seconds", required_argument, NULL, O_CSEC },
		{ "pool-pkts", required_argument, NULL, O_POOL },
		{ "pkts-per-rep", required_argument, NULL, O_PPR },
		{ "hit-rx", no_argument, NULL, O_HITRX },
		{ "json", required_argument, NULL, O_JSON },
		{ "hash", required_argument, NULL, O_HASH },
		{ "hash-sizes", required_argument, NULL, O_HASHS },
		{ "hash-new", required_argument, NULL, O_HASHN },
		{ "hash-rounds", required_argument, NULL, O_HASHR },
		{ "feat-sizes", required_argument, NULL, O_FEATS },
		{ "feat-new", required_argument, NULL, O_FEATN },
		{ "feat-rounds", required_argument, NULL, O_FEATR },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int dummy;
	uint64_t v[PERF_SIZES_MAX];
	int opt, i;

	/* --quick first: it sets the defaults the other options change. */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--quick") == 0)
			perf.quick = true;
	set_defaults(perf.quick);
	perf.scenarios = PERF_S_ALL;
	perf.hit_variants = UINT32_MAX;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", lgopts, NULL)) != -1) {
		switch (opt) {
		case O_QUICK:
			break;
		case O_SCEN:
			if (parse_scenarios(optarg) != 0)
				return -EINVAL;
			break;
		case O_REPS:
			perf.reps = (unsigned int)atoi(optarg);
			if (perf.reps < 1 || perf.reps > PERF_REPS_MAX)
				return -EINVAL;
			break;
		case O_HIT:
			if (parse_list(optarg, perf.hit_sizes,
			    &perf.n_hit_sizes) != 0)
				return -EINVAL;
			break;
		case O_HITV:
			if (perf_hit_variants(optarg) != 0)
				return -EINVAL;
			break;
		case O_NEW:
			if (parse_list(optarg, perf.new_sizes,
			    &perf.n_new_sizes) != 0)
				return -EINVAL;
			break;
		case O_MEM:
			if (parse_list(optarg, perf.mem_sizes,
			    &perf.n_mem_sizes) != 0)
				return -EINVAL;
			break;
		case O_GC:
		case O_CLIVE:
			if (parse_list(optarg, v, &dummy) != 0 || dummy != 1)
				return -EINVAL;
			if (opt == O_GC)
				perf.gc_size = v[0];
			else
				perf.churn_live = RTE_MAX(v[0], 1000ull);
			break;
		case O_CPCT:
			perf.churn_new_pct = (unsigned int)atoi(optarg);
			if (perf.churn_new_pct < 1 || perf.churn_new_pct > 100)
				return -EINVAL;
			break;
		case O_CSEC:
			perf.churn_seconds = (unsigned int)atoi(optarg);
			if (perf.churn_seconds < 1 ||
			    perf.churn_seconds > PERF_REPS_MAX)
				return -EINVAL;
			break;
		case O_POOL:
			perf.pool_pkts = (unsigned int)atoi(optarg);
			perf.pool_pkts -= perf.pool_pkts % (2 * PERF_BURST);
			if (perf.pool_pkts == 0)
				return -EINVAL;
			break;
		case O_PPR:
			perf.pkts_per_rep = strtoull(optarg, NULL, 0);
			break;
		case O_HITRX:
			perf.hit_rx = true;
			break;
		case O_JSON:
			perf.json_path = optarg;
			break;
		case O_HASH:
			if (parse_hash_list(optarg) != 0)
				return -EINVAL;
			break;
		case O_HASHS:
			if (parse_list(optarg, perf.hash_sizes,
			    &perf.n_hash_sizes) != 0)
				return -EINVAL;
			break;
		case O_HASHN:
			if (parse_list(optarg, v, &dummy) != 0 || dummy != 1)
				return -EINVAL;
			perf.hash_new_size = v[0];
			break;
		case O_HASHR:
			perf.hash_rounds = (unsigned int)atoi(optarg);
			if (perf.hash_rounds < 1 || perf.hash_rounds > 9)
				return -EINVAL;
			break;
		case O_FEATS:
			if (parse_list(optarg, perf.feat_sizes,
			    &perf.n_feat_sizes) != 0)
				return -EINVAL;
			break;
		case O_FEATN:
			if (parse_list(optarg, v, &dummy) != 0 || dummy != 1)
				return -EINVAL;
			perf.feat_new_size = v[0];
			break;
		case O_FEATR:
			perf.feat_rounds = (unsigned int)atoi(optarg);
			if (perf.feat_rounds < 1 || perf.feat_rounds > 9)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

static int
lcore_cpu(unsigned int lcore)
{
	rte_cpuset_t cs = rte_lcore_cpuset(lcore);
	int cpu;

	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &cs))
			return cpu;
	return -1;
}

static void
cpu_model(char *buf, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(buf, len, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && p != NULL) {
			p += 2;
			p[strcspn(p, "\n")] = '\0';
			snprintf(buf, len, "%s", p);
			break;
		}
	}
	fclose(f);
}

static void
loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");

	snprintf(buf, len, "?");
	if (f == NULL)
		return;
	if (fgets(buf, (int)len, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void
print_env(const char *when)
{
	char cpu[128], load[128], line[512];

	cpu_model(cpu, sizeof(cpu));
	loadavg(load, sizeof(load));
	printf("%s: CPU %s, TSC %.3f GHz, %s, worker lcore %u (CPU %d), "
	    "second worker %d (CPU %d), service lcore %d (CPU %d), "
	    "loadavg %s\n", when, cpu, perf.tsc_hz / 1e9,
	    perf.huge ? "hugepages" : "NO HUGEPAGES (--no-huge: 4 KB pages, "
	    "figures not representative)", perf.worker, lcore_cpu(perf.worker),
	    perf.worker2 == RTE_MAX_LCORE ? -1 : (int)perf.worker2,
	    perf.worker2 == RTE_MAX_LCORE ? -1 : lcore_cpu(perf.worker2),
	    perf.service == RTE_MAX_LCORE ? -1 : (int)perf.service,
	    perf.service == RTE_MAX_LCORE ? -1 : lcore_cpu(perf.service), load);
	snprintf(line, sizeof(line), "{\"scenario\":\"env\",\"when\":\"%s\","
	    "\"cpu\":\"%s\",\"tsc_hz\":%.0f,\"hugepages\":%s,\"quick\":%s,"
	    "\"worker_cpu\":%d,\"service_cpu\":%d,\"loadavg\":\"%s\"}", when,
	    cpu, perf.tsc_hz, perf.huge ? "true" : "false",
	    perf.quick ? "true" : "false", lcore_cpu(perf.worker),
	    perf.service == RTE_MAX_LCORE ? -1 : lcore_cpu(perf.service), load);
	printf("%s\n", line);
	if (perf.json != NULL)
		fprintf(perf.json, "%s\n", line);
}

static void
find_lcores(void)
{
	uint32_t list[RTE_MAX_LCORE];
	unsigned int l, nw = 0;
	int n;

	perf.worker = rte_get_main_lcore();
	perf.worker2 = RTE_MAX_LCORE;
	perf.service = RTE_MAX_LCORE;
	RTE_LCORE_FOREACH_WORKER(l) {
		if (nw == 0)
			perf.worker = l;
		else if (nw == 1)
			perf.worker2 = l;
		nw++;
	}
	n = rte_service_lcore_list(list, RTE_MAX_LCORE);
	if (n <= 0 && nw >= 3) {
		/* No -s (e.g. one CPU): the last worker serves the G/C. */
		RTE_LCORE_FOREACH_WORKER(l)
			list[0] = l;
		if (rte_service_lcore_add(list[0]) == 0)
			n = 1;
	}
	if (n > 0) {
		perf.service = list[0];
		/* Sleeping until a scenario needs the G/C. */
		rte_service_lcore_stop(perf.service);
	}
	if (nw == 0)
		printf("WARNING: no worker lcore: measuring on the main "
		    "lcore\n");
}

/*
 * Summary.
 */
static const char *
verdict(bool ok)
{
	return ok ? "MET " : "MISS";
}

static void
summary_hit(void)
{
	static const char *const vs[] = { "udp4", "tcp4", "tcp6" };
	unsigned int i, v;
	uint64_t n;

	printf("\nhit, ns/packet (Mpps per lcore):\n%10s", "N");
	for (v = 0; v < RTE_DIM(vs); v++)
		printf(" | %-5s npfct   raw  +touch  ratio", vs[v]);
	printf("\n");
	for (i = 0; i < perf.n_hit_sizes; i++) {
		n = perf.hit_sizes[i];
		printf("%10" PRIu64, n);
		for (v = 0; v < RTE_DIM(vs); v++) {
			double a = perf_result_ns("hit", vs[v], n, "npfct");
			double r = perf_result_ns("hit", vs[v], n, "raw");
			double t = perf_result_ns("hit", vs[v], n,
			    "raw+touch");

			printf(" | %5.1f (%4.1f) %5.1f %6.1f %5.2fx", a,
			    1e3 / a, r, t, a / r);
		}
		printf("\n");
	}
}

static void
summary(void)
{
	double a, r, t, x;
	unsigned int i;
	uint64_t n;

	perf_banner("summary");
	if (perf.scenarios & PERF_S_HIT)
		summary_hit();
	printf("\nreference figures (one thread, bursts of 32): OVS one UDP "
	    "flow 63 ns, 1M random 443 ns, 1M new 651 ns; NPF 114 / 858 / "
	    "908 ns\n");
	a = perf_result_ns("single", "udp4", 1, "npfct");
	if (!isnan(a))
		printf("  single flow: npfct %.1f ns/packet (OVS %.0f, NPF "
		    "%.0f)\n", a, REF_OVS_SINGLE, REF_NPF_SINGLE);
	a = perf_result_ns("hit", "udp4", M1, "npfct");
	if (!isnan(a))
		printf("  1M random:   npfct %.1f ns/packet udp4, %.1f tcp4 "
		    "(OVS %.0f, NPF %.0f)\n", a,
		    perf_result_ns("hit", "tcp4", M1, "npfct"), REF_OVS_HIT_1M,
		    REF_NPF_HIT_1M);
	a = perf_result_ns("new", "udp4-1lc", M1, "full");
	if (!isnan(a))
		printf("  1M new:      npfct %.1f ns/conn full path, %.1f "
		    "establish only, %.1f with NPFCT_EST_LOOKUP_FIRST (OVS "
		    "%.0f, NPF %.0f)\n", a,
		    perf_result_ns("new", "udp4-1lc", M1, "est"),
		    perf_result_ns("new", "udp4-1lc", M1, "est-lookup-first"),
		    REF_OVS_NEW, REF_NPF_NEW);

	printf("\ntargets (one lcore, %s):\n", perf.huge ? "hugepages" :
	    "NO HUGEPAGES: not representative");
	n = M1;
	a = perf_result_ns("hit", "udp4", n, "npfct");
	r = perf_result_ns("hit", "udp4", n, "raw");
	t = perf_result_ns("hit", "udp4", n, "raw+touch");
	if (!isnan(a))
		printf("  [%s] hit at 1M within 1.5x raw bulk lookup: udp4 "
		    "%.2fx (tcp4 %.2fx, tcp6 %.2fx); vs raw+touch %.2fx\n",
		    verdict(a / r <= 1.5), a / r,
		    perf_result_ns("hit", "tcp4", n, "npfct") /
		    perf_result_ns("hit", "tcp4", n, "raw"),
		    perf_result_ns("hit", "tcp6", n, "npfct") /
		    perf_result_ns("hit", "tcp6", n, "raw"), a / t);
	for (i = 0; i < perf.n_new_sizes; i++) {
		n = perf.new_sizes[i];
		a = perf_result_ns("new", "udp4-1lc", n, "est");
		r = perf_result_ns("new", "udp4-1lc", n, "raw-2add");
		if (!isnan(a))
			printf("  [%s] new within 1.5x two raw inserts at %"
			    PRIu64 ": %.2fx (%.0f vs %.0f ns/conn)\n",
			    verdict(a / r <= 1.5), n, a / r, a, r);
		x = perf_result_value("new", "udp4-2lc", n, "scaling_est");
		if (!isnan(x))
			printf("  [%s] new-connection throughput grows with a "
			    "second lcore at %" PRIu64 ": %.2fx (raw rte_hash "
			    "%.2fx)\n", verdict(x > 1.1), n, x,
			    perf_result_value("new", "udp4-2lc", n,
			    "scaling_raw"));
	}
	n = perf.gc_size;
	x = perf_result_value("gc", "udp4", n, "slowdown_pct_gc-scanning");
	if (!isnan(x))
		printf("  [%s] G/C interference < 5%% of hit throughput at "
		    "%" PRIu64 ": udp4 %+.1f%%, tcp4 %+.1f%% (default "
		    "tunables %+.1f%% / %+.1f%%)\n", verdict(x < 5 &&
		    perf_result_value("gc", "tcp4", n,
		    "slowdown_pct_gc-scanning") < 5), n, x,
		    perf_result_value("gc", "tcp4", n,
		    "slowdown_pct_gc-scanning"),
		    perf_result_value("gc", "udp4", n,
		    "slowdown_pct_gc-default"),
		    perf_result_value("gc", "tcp4", n,
		    "slowdown_pct_gc-default"));
	x = perf_result_value("mem", "ipv4", M10, "bytes_per_conn");
	if (!isnan(x))
		printf("  [%s] <= 200 bytes per IPv4 connection at 10M: %.0f "
		    "(IPv6 %.0f)\n", verdict(x <= 200), x,
		    perf_result_value("mem", "ipv6", M10, "bytes_per_conn"));
	x = perf_result_value("churn", "udp4", perf.churn_live, "live_max");
	if (!isnan(x))
		printf("  [info] churn: table %.0f..%.0f connections, %.2f M "
		    "new conn/s\n", perf_result_value("churn", "udp4",
		    perf.churn_live, "live_min"), x,
		    perf_result_value("churn", "udp4", perf.churn_live,
		    "new_mconn_s"));
}

int
main(int argc, char **argv)
{
	uint64_t t0;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (parse_args(argc, argv) != 0) {
		usage(argv[0]);
		rte_eal_cleanup();
		return 2;
	}
	perf.huge = rte_eal_has_hugepages() != 0;
	perf.tsc_hz = (double)rte_get_tsc_hz();
	if (perf.json_path != NULL &&
	    (perf.json = fopen(perf.json_path, "w")) == NULL) {
		perror(perf.json_path);
		return 1;
	}
	find_lcores();
	perf.mbuf_pool = rte_pktmbuf_pool_create("perf_pkts",
	    perf.pool_pkts + 8 * PERF_BURST, 0, 0, 128, (int)rte_socket_id());
	if (perf.mbuf_pool == NULL) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	print_env("start");
	if (!perf.huge)
		printf("\n*** --no-huge: every figure below is measured "
		    "WITHOUT hugepages and is labelled \"hugepages\":false "
		    "***\n");
	t0 = rte_rdtsc();
	if (perf.scenarios & PERF_S_SINGLE)
		perf_single_run();
	if (perf.scenarios & PERF_S_HIT)
		perf_hit_run();
	if (perf.scenarios & PERF_S_NEW)
		perf_new_run();
	if (perf.scenarios & PERF_S_CHURN)
		perf_churn_run();
	if (perf.scenarios & PERF_S_GC)
		perf_gcint_run();
	if (perf.scenarios & PERF_S_MEM)
		perf_mem_run();
	if (perf.scenarios & PERF_S_HASH)
		perf_hash_run();
	if (perf.scenarios & PERF_S_FEATURES)
		perf_features_run();
	summary();
	printf("\n");
	print_env("end");
	printf("total %.0f s\n", (double)(rte_rdtsc() - t0) / perf.tsc_hz);
	if (perf.json != NULL)
		fclose(perf.json);
	rte_mempool_free(perf.mbuf_pool);
	rte_eal_cleanup();
	if (perf.failures != 0) {
		/* Figures of misses or failed set-ups are not figures. */
		printf("npfct-perf: %u failures (a set-up, or packets that "
		    "did not match): see the WARNING lines\n", perf.failures);
		return 3;
	}
	return 0;
}
