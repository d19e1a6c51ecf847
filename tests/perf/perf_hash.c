/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-perf scenario "hash": the keyed hash functions against CRC32C,
 * in one run.
 *
 * Overview
 *
 *	For each function of --hash (default: every one this CPU runs:
 *	crc32c, siphash13, halfsiphash13, aes):
 *
 *	  cost  the signature alone: npfct_hash_bulk() over chunks of 32
 *	        keys (as the burst path), and one key at a time, on 1M
 *	        pre-built keys of 16 bytes (IPv4) and 48 (IPv6), ns per key;
 *	  hit   established connections, udp4 and tcp6, --hash-sizes
 *	        (default 1000 and 1000000): npfct_inspect_burst() on an
 *	        instance created with the function (npfct_params::hash);
 *	  new   one lcore establishing --hash-new (1000000) UDP connections
 *	        (the default establish path).
 *
 *	A table's placement in memory moves a figure by more than the
 *	differences measured here (10-30 % between two set-ups of the same
 *	function on this VM), so hit and new are measured in --hash-rounds
 *	(3) rounds, each a new set-up of every function in turn, and the
 *	table at the end gives the median over rounds of each function's
 *	figure (itself the median of --reps repetitions), and each keyed
 *	function as a factor of CRC32C's.  Every figure is reported with the
 *	function and round in its variant ("udp4/aes#1").
 *
 * Synchronisation
 *
 *	The main lcore drives; measurements run on the worker lcore.
 */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "npfct_hash.h"
#include "perf_common.h"

#define COST_KEYS_MAX	(1u << 20)	/* --quick: 1 << 14 */
#define COST_CHUNK	32
#define COST_PASSES	8

static const char *const hit_variants[] = { "udp4", "tcp6" };

/* The table, filled as the run goes: [line][function] median ns. */
#define LINES_MAX	16
static struct {
	char		what[40];
	uint64_t	n;
	double		ns[NPFCT_HASH_MAX];
} lines[LINES_MAX];
static unsigned int nlines;

static unsigned int
line_new(const char *what, uint64_t n)
{
	unsigned int i;

	RTE_VERIFY(nlines < LINES_MAX);
	snprintf(lines[nlines].what, sizeof(lines[nlines].what), "%s", what);
	lines[nlines].n = n;
	for (i = 0; i < NPFCT_HASH_MAX; i++)
		lines[nlines].ns[i] = NAN;
	return nlines++;
}

/*
 * Cost of the signature alone.
 */
static unsigned int
cost_keys(void)
{
	return perf.quick ? 1u << 14 : COST_KEYS_MAX;
}

struct cost_run {
	const struct npfct_hash	*h;
	const uint8_t		*keys;	/* cost_keys() keys of len bytes */
	unsigned int		len;
	double			bulk_cyc, single_cyc;	/* per key */
	uint64_t		sink;
};

static int
cost_lcore(void *arg)
{
	struct cost_run *c = arg;
	const unsigned int nkeys = cost_keys();
	const void *ptr[COST_CHUNK];
	hash_sig_t sigs[COST_CHUNK];
	uint64_t t0, sink = 0;
	unsigned int p, i, j;

	t0 = rte_rdtsc_precise();
	for (p = 0; p < COST_PASSES; p++)
		for (i = 0; i < nkeys; i += COST_CHUNK) {
			for (j = 0; j < COST_CHUNK; j++)
				ptr[j] = c->keys + (size_t)(i + j) * c->len;
			npfct_hash_bulk(c->h, ptr, c->len, COST_CHUNK, sigs);
			sink += sigs[i % COST_CHUNK];
		}
	c->bulk_cyc = (double)(rte_rdtsc_precise() - t0) /
	    ((double)COST_PASSES * nkeys);
	t0 = rte_rdtsc_precise();
	for (p = 0; p < COST_PASSES; p++)
		for (i = 0; i < nkeys; i++)
			sink += npfct_hash_sig(c->h, c->keys +
			    (size_t)i * c->len, c->len);
	c->single_cyc = (double)(rte_rdtsc_precise() - t0) /
	    ((double)COST_PASSES * nkeys);
	c->sink = sink;
	return 0;
}

static void
cost_measure(void)
{
	const unsigned int lens[2] = { 16, 48 };
	struct npfct_hash h;
	struct perf_sample bulk, single;
	struct cost_run c;
	unsigned int l, f, r, bl, sl;
	const unsigned int nkeys = cost_keys();
	uint8_t *keys;
	size_t i;
	char name[32];

	for (l = 0; l < 2; l++) {
		keys = rte_malloc("hash_keys", (size_t)nkeys * lens[l], 64);
		if (keys == NULL) {
			perf.failures++;
			printf("WARNING: hash cost: no memory\n");
			return;
		}
		for (i = 0; i < (size_t)nkeys * lens[l]; i += 8) {
			const uint64_t v = rte_rand();

			memcpy(keys + i, &v, sizeof(v));
		}
		snprintf(name, sizeof(name), "bulk %u B", lens[l]);
		bl = line_new(name, nkeys);
		snprintf(name, sizeof(name), "single %u B", lens[l]);
		sl = line_new(name, nkeys);
		for (f = 0; f < perf.n_hash_funcs; f++) {
			if (npfct_hash_init(&h, perf.hash_funcs[f], false) != 0)
				continue;
			memset(&bulk, 0, sizeof(bulk));
			memset(&single, 0, sizeof(single));
			for (r = 0; r < perf.reps; r++) {
				c = (struct cost_run){ .h = &h, .keys = keys,
				    .len = lens[l] };
				perf_run_on(perf.worker, cost_lcore, &c);
				perf_sample_add(&bulk, c.bulk_cyc);
				perf_sample_add(&single, c.single_cyc);
			}
			snprintf(name, sizeof(name), "%uB/%s", lens[l],
			    npfct_hash_func_name(perf.hash_funcs[f]));
			perf_report("hash-cost", name, nkeys, "bulk32",
			    "key", &bulk, NULL);
			perf_report("hash-cost", name, nkeys, "single",
			    "key", &single, NULL);
			lines[bl].ns[perf.hash_funcs[f]] =
			    perf_cyc_to_ns(perf_median(&bulk));
			lines[sl].ns[perf.hash_funcs[f]] =
			    perf_cyc_to_ns(perf_median(&single));
		}
		rte_free(keys);
	}
}

/*
 * Hit and new, in rounds.
 */
static void
label(enum npfct_hash_func f, unsigned int round)
{
	snprintf(perf.variant_suffix, sizeof(perf.variant_suffix), "/%s#%u",
	    npfct_hash_func_name(f), round);
}

static double
round_ns(const char *scenario, const char *variant, uint64_t n,
		const char *impl, enum npfct_hash_func f, unsigned int round)
{
	char var[64];

	snprintf(var, sizeof(var), "%s/%s#%u", variant,
	    npfct_hash_func_name(f), round);
	return perf_result_ns(scenario, var, n, impl);
}

static void
fill_line(unsigned int li, const char *scenario, const char *variant,
		uint64_t n, const char *impl)
{
	struct perf_sample rounds;
	unsigned int f, r;
	double ns;

	for (f = 0; f < perf.n_hash_funcs; f++) {
		rounds.n = 0;
		for (r = 0; r < perf.hash_rounds; r++) {
			ns = round_ns(scenario, variant, n, impl,
			    perf.hash_funcs[f], r + 1);
			if (!isnan(ns))
				perf_sample_add(&rounds, ns);
		}
		lines[li].ns[perf.hash_funcs[f]] = perf_median(&rounds);
	}
}

static void
hit_rounds(const char *variant, uint64_t n)
{
	struct hit_ctx h;
	unsigned int r, f;
	char what[40];

	for (r = 1; r <= perf.hash_rounds; r++)
		for (f = 0; f < perf.n_hash_funcs; f++) {
			perf.hash = perf.hash_funcs[f];
			if (hit_setup(&h, variant, n, false, true) != 0) {
				perf.failures++;
				printf("WARNING: hash %s: set-up failed\n",
				    npfct_hash_func_name(perf.hash));
				continue;
			}
			label(perf.hash, r);
			hit_report(&h, "hash-hit");
			perf.variant_suffix[0] = '\0';
			hit_teardown(&h);
		}
	snprintf(what, sizeof(what), "hit %s", variant);
	fill_line(line_new(what, n), "hash-hit", variant, n, "npfct");
}

static void
new_rounds(uint64_t n)
{
	unsigned int r, f;

	for (r = 1; r <= perf.hash_rounds; r++)
		for (f = 0; f < perf.n_hash_funcs; f++) {
			perf.hash = perf.hash_funcs[f];
			label(perf.hash, r);
			new_measure_est(n, perf.reps);
			perf.variant_suffix[0] = '\0';
		}
	fill_line(line_new("new udp4, 1 lcore", n), "new", "udp4-1lc", n,
	    "est");
}

static void
print_table(void)
{
	unsigned int i, f;
	double crc, ns;

	printf("\nhash: ns per key (cost), packet (hit) or connection (new); "
	    "hit and new the\nmedian of %u rounds; keyed functions also as a "
	    "factor of CRC32C\n  %-20s %9s", perf.hash_rounds, "", "n");
	for (f = 0; f < perf.n_hash_funcs; f++)
		printf("  %15s", npfct_hash_func_name(perf.hash_funcs[f]));
	printf("  fastest keyed\n");
	for (i = 0; i < nlines; i++) {
		enum npfct_hash_func best = NPFCT_HASH_MAX;
		double best_ns = INFINITY;

		crc = lines[i].ns[NPFCT_HASH_CRC32C];
		printf("  %-20s %9" PRIu64, lines[i].what, lines[i].n);
		for (f = 0; f < perf.n_hash_funcs; f++) {
			const enum npfct_hash_func fn = perf.hash_funcs[f];

			ns = lines[i].ns[fn];
			if (isnan(ns))
				printf("  %15s", "-");
			else if (fn == NPFCT_HASH_CRC32C || isnan(crc))
				printf("  %9.1f ns   ", ns);
			else
				printf("  %7.1f %5.2fx", ns, ns / crc);
			if (fn != NPFCT_HASH_CRC32C && !isnan(ns) &&
			    ns < best_ns) {
				best = fn;
				best_ns = ns;
			}
		}
		printf("  %s\n", best != NPFCT_HASH_MAX ?
		    npfct_hash_func_name(best) : "-");
	}
}

void
perf_hash_run(void)
{
	const enum npfct_hash_func saved = perf.hash;
	unsigned int i, v;

	perf_banner("hash: keyed hash functions against CRC32C (cost, hit "
	    "and new, same run)");
	nlines = 0;
	cost_measure();
	for (i = 0; i < perf.n_hash_sizes; i++)
		for (v = 0; v < RTE_DIM(hit_variants); v++)
			hit_rounds(hit_variants[v], perf.hash_sizes[i]);
	new_rounds(perf.hash_new_size);
	perf.hash = saved;
	print_table();
}
