/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-perf memory scenario: bytes per connection of an instance sized
 * for N connections and filled with N, IPv4 and IPv6.
 *
 * Overview
 *
 *	Everything an instance allocates comes from the DPDK heaps: the
 *	connection pools (one rte_malloc'ed array per family, and the
 *	magazine slots), the rte_hash tables (buckets, extendable buckets
 *	and key store from rte_malloc, free-slot rings "RG_HT_*") and the
 *	instance and database structures.  The heaps' allocated bytes are
 *	read before npfct_create(), after it and after the fill; the parts
 *	are told apart as follows:
 *
 *	+---------------+-------------------------------------------+
 *	| part          | what                                      |
 *	+---------------+-------------------------------------------+
 *	| pool          | the pools' arrays and magazine slots, from |
 *	|               | the instance (npfct_impl.h)               |
 *	| hash rings    | new memzones (RG_HT_*: free slots)        |
 *	| malloc        | the rest: hash buckets, extendable        |
 *	|               | buckets, key store, instance, database    |
 *	+---------------+-------------------------------------------+
 *
 *	The other family's table and pool are created at their minimum
 *	(64 connections) and included.  The fill uses UDP; the memory of a
 *	connection does not depend on its protocol.
 */

#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_memzone.h>

#include "perf_common.h"
#include "npfct_impl.h"

#define ZONES_MAX	1024

struct zone_set {
	unsigned int	n;
	char		name[ZONES_MAX][RTE_MEMZONE_NAMESIZE];
};

struct zone_sum {
	const struct zone_set *before;
	uint64_t	pool;
	uint64_t	other;
};

static void
zone_collect(const struct rte_memzone *mz, void *arg)
{
	struct zone_set *zs = arg;

	if (zs->n < ZONES_MAX)
		snprintf(zs->name[zs->n++], RTE_MEMZONE_NAMESIZE, "%s",
		    mz->name);
}

static bool
zone_known(const struct zone_set *zs, const char *name)
{
	unsigned int i;

	for (i = 0; i < zs->n; i++)
		if (strcmp(zs->name[i], name) == 0)
			return true;
	return false;
}

static void
zone_classify(const struct rte_memzone *mz, void *arg)
{
	struct zone_sum *sum = arg;

	if (zone_known(sum->before, mz->name))
		return;
	sum->other += mz->len;
}

static void
mem_one(unsigned int alen, uint64_t n)
{
	const char *variant = alen == 4 ? "ipv4" : "ipv6";
	struct zone_set *before;
	struct zone_sum sum;
	struct npfct *ct;
	uint64_t h0, h1, h2, h3;
	double fill_s, total, pool, rings, malloc_part;
	char extra[384];

	before = calloc(1, sizeof(*before));
	if (before == NULL) {
		printf("WARNING: mem %s %" PRIu64 ": out of memory\n",
		    variant, n);
		perf.failures++;
		return;
	}
	rte_memzone_walk(zone_collect, before);
	h0 = perf_heap_allocated();
	ct = perf_ct_create("mem", alen, n, NULL, NULL);
	if (ct == NULL) {
		printf("WARNING: mem %s %" PRIu64 ": create failed\n",
		    variant, n);
		perf.failures++;
		free(before);
		return;
	}
	h1 = perf_heap_allocated();
	if (perf_fill(ct, alen, IPPROTO_UDP, n, &fill_s) != 0) {
		perf.failures++;
		printf("WARNING: mem %s %" PRIu64 ": fill incomplete\n",
		    variant, n);
	}
	h2 = perf_heap_allocated();
	memset(&sum, 0, sizeof(sum));
	sum.before = before;
	rte_memzone_walk(zone_classify, &sum);
	for (unsigned int af = 0; af < NPFCT_NAF; af++)
		sum.pool += (uint64_t)ct->ct_pool[af].cp_n *
		    ct->ct_pool[af].cp_size + sizeof(struct npfct_cpcache) *
		    (RTE_MAX_LCORE + 1);
	perf_ct_destroy(ct);
	h3 = perf_heap_allocated();

	total = (double)(h2 - h0) / (double)n;
	pool = (double)sum.pool / (double)n;
	rings = (double)sum.other / (double)n;
	malloc_part = total - pool - rings;
	snprintf(extra, sizeof(extra), "\"bytes_total\":%" PRIu64 ",\""
	    "after_create_per_conn\":%.1f,\"pool_per_conn\":%.1f,\""
	    "hash_rings_per_conn\":%.1f,\"malloc_per_conn\":%.1f,\""
	    "leaked_after_destroy\":%" PRId64, h2 - h0,
	    (double)(h1 - h0) / (double)n, pool, rings, malloc_part,
	    (int64_t)(h3 - h0));
	perf_report_value("mem", variant, n, "bytes_per_conn", total, extra);
	printf("        (create %.1f B/conn, fill adds %.1f; pool %.1f, hash "
	    "rings %.1f, hash tables + rest %.1f; %.2f GiB in all; %+" PRId64
	    " B left after destroy)\n", (double)(h1 - h0) / (double)n,
	    (double)(h2 - h1) / (double)n, pool, rings, malloc_part,
	    (double)(h2 - h0) / (1u << 30), (int64_t)(h3 - h0));
	free(before);
}

void
perf_mem_run(void)
{
	unsigned int i;

	perf_banner("memory: bytes per connection (DPDK heaps, instance "
	    "created for N and filled with N)");
	for (i = 0; i < perf.n_mem_sizes; i++) {
		mem_one(4, perf.mem_sizes[i]);
		mem_one(16, perf.mem_sizes[i]);
	}
}
