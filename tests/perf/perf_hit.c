/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-perf hit and single-flow scenarios: packets of established
 * connections through npfct_inspect_burst(), against the raw rte_hash
 * bulk lookup over the same keys.
 *
 * Overview
 *
 *	An instance is filled with N connections (TCP through a real
 *	handshake, UDP with a reply, so all are established).  M packets
 *	are then pre-built in mbufs: burst b has direction OUT for even b,
 *	IN for odd b; each packet belongs to a random connection and is a
 *	forwards packet if the connection was initiated in the burst's
 *	direction, a backwards one otherwise.  TCP packets are pure ACKs at
 *	the ends the handshake set, so they pass the window checks and can
 *	be replayed for ever.  The mbufs are walked in address order.
 *
 *	One repetition times whole passes over the M packets, bursts of 32:
 *
 *	  npfct	     npfct_inspect_burst() (parse, key, hash, bulk lookup,
 *		     checks, state inspection, activity time) and one
 *		     npfct_quiescent() per burst, as a datapath loop does;
 *	  raw	     rte_hash_lookup_with_hash_bulk_data() on a table with
 *		     the library's flags and size, one entry per connection
 *		     under its canonical key (as the library's), the
 *		     packets' canonical keys and signatures pre-computed;
 *	  raw+touch  the same, then prefetch and read one cache line of a
 *		     128-byte object per hit;
 *	  parse	     npfct_pkt_parse() of the same mbufs with the same
 *		     prefetch as npfct_inspect_burst(): the share of the
 *		     packet parse (and of reading the mbufs) in "npfct".
 *
 *	With --hit-rx, "npfct" first receives each burst into a ring of
 *	PERF_RX_RING mbufs, as a PMD's RX would: the frame is copied into
 *	the ring's next mbufs and their length fields written, so that the
 *	mbuf headers and data are in cache as a software PMD (or a NIC
 *	writing into the cache) leaves them, instead of 262,144 mbufs
 *	cold in memory.  The copy is timed apart and left out.
 *
 *	Every packet must match: the matched count is checked, so that the
 *	figure is one of hits, not of misses or invalid packets.
 *
 * Synchronisation
 *
 *	Set-up on the main lcore (the fill runs on the worker lcore);
 *	measurement on the worker lcore, registered with QSBR meanwhile.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "perf_common.h"
#include "npfct_impl.h"

#define OBJ_SIZE	128	/* raw + touch: object per connection */

struct variant {
	const char	*name;
	unsigned int	alen;
	uint8_t		proto;
};

static const struct variant variants[] = {
	{ "udp4", 4, IPPROTO_UDP },
	{ "tcp4", 4, IPPROTO_TCP },
	{ "tcp6", 16, IPPROTO_TCP },
};

static const struct variant *
variant_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(variants); i++)
		if (strcmp(variants[i].name, name) == 0)
			return &variants[i];
	return NULL;
}

/* Parse a comma-separated list of variant names into perf.hit_variants. */
int
perf_hit_variants(const char *list)
{
	char buf[64], *tok, *save = NULL;
	unsigned int i;

	snprintf(buf, sizeof(buf), "%s", list);
	perf.hit_variants = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < RTE_DIM(variants); i++)
			if (strcmp(tok, variants[i].name) == 0)
				break;
		if (i == RTE_DIM(variants))
			return -EINVAL;
		perf.hit_variants |= 1u << i;
	}
	return perf.hit_variants != 0 ? 0 : -EINVAL;
}

/*
 * Fill the raw table as the library fills its own: one entry per
 * connection, under the canonical key.
 */
struct raw_fill {
	struct hit_ctx	*h;
	int		ret;
	double		seconds;
};

static int
raw_fill_lcore(void *arg)
{
	struct raw_fill *rf = arg;
	struct hit_ctx *h = rf->h;
	uint32_t key[PERF_KEY_WORDS];
	struct perf_flow f;
	unsigned int len = 0;
	uint64_t c, t0 = rte_rdtsc();

	rf->ret = 0;
	for (c = 0; c < h->n && rf->ret == 0; c++) {
		perf_flow_get(c, h->alen, h->proto, &f);
		len = perf_key_build(&f, true, key);
		npfct_connkey_canon(key, key);
		if (rte_hash_add_key_with_hash_data(h->raw, key,
		    rte_hash_crc(key, len, 0), h->objs + c * OBJ_SIZE) < 0)
			rf->ret = -ENOSPC;
	}
	rf->seconds = (double)(rte_rdtsc() - t0) / perf.tsc_hz;
	return 0;
}

/* Build the M packets (and their raw keys). */
static void
build_packets(struct hit_ctx *h)
{
	const unsigned int kw = h->alen == 4 ? 4 : PERF_KEY_WORDS;
	struct perf_flow f;
	unsigned int b, j, len;

	for (b = 0; b < h->m / PERF_BURST; b++) {
		const int di = h->single || (b & 1) == 0 ? NPFCT_DIR_OUT :
		    NPFCT_DIR_IN;

		h->dirs[b] = (uint8_t)di;
		for (j = 0; j < PERF_BURST; j++) {
			const unsigned int i = b * PERF_BURST + j;
			const uint64_t c = h->single ? 0 : rte_rand_max(h->n);
			bool forw;

			perf_flow_get(c, h->alen, h->proto, &f);
			forw = f.dir == di;
			/* NAT: the replies come to the outside tuple. */
			if (h->nat != NULL && !forw)
				perf_flow_translate(&f, &h->nat[c]);
			perf_pkt_write(h->mbufs[i], &f, forw, forw ?
			    PERF_SEG_ACK_FW : PERF_SEG_ACK_BW, true);
			if (h->keys == NULL)
				continue;
			len = perf_key_build(&f, forw, &h->keys[i * kw]);
			/* What the library looks up: the canonical key. */
			npfct_connkey_canon(&h->keys[i * kw], &h->keys[i * kw]);
			h->kptr[i] = &h->keys[i * kw];
			h->sigs[i] = rte_hash_crc(&h->keys[i * kw], len, 0);
		}
	}
}

/* A raw table the size and flags of the instance's own. */
static struct rte_hash *
raw_create_like(const struct hit_ctx *h, const char *name,
		unsigned int key_len)
{
	const uint32_t entries = npfct_conndb_entries(h->ct,
	    npfct_af_index(h->alen));

	return perf_raw_create(name, key_len, entries,
	    npfct_conndb_needs_ext(entries));
}

int
hit_setup(struct hit_ctx *h, const char *vname, uint64_t n, bool single,
		bool with_raw)
{
	const struct variant *v = variant_find(vname);
	char name[32];
	unsigned int kw;

	memset(h, 0, sizeof(*h));
	if (v == NULL)
		return -EINVAL;
	snprintf(h->variant, sizeof(h->variant), "%s", v->name);
	h->alen = v->alen;
	h->proto = v->proto;
	h->n = single ? 1 : n;
	h->single = single;
	h->m = single ? PERF_BURST : perf.pool_pkts;
	kw = h->alen == 4 ? 4 : PERF_KEY_WORDS;

	snprintf(name, sizeof(name), "hit_%s", v->name);
	h->ct = perf_ct_create(name, h->alen, RTE_MAX(h->n, (uint64_t)1024),
	    NULL, NULL);
	if (h->ct == NULL)
		goto fail;
	if (perf.nat) {
		h->rewrite = !perf.nat_no_rewrite;
		h->nat = calloc(h->n, sizeof(h->nat[0]));
		if (h->nat == NULL)
			goto fail;
	}
	if (perf_fill_nat(h->ct, h->alen, h->proto, h->n, &h->fill_s,
	    h->nat) != 0)
		goto fail;

	h->mbufs = calloc(h->m, sizeof(h->mbufs[0]));
	h->dirs = calloc(h->m / PERF_BURST, 1);
	if (h->mbufs == NULL || h->dirs == NULL ||
	    perf_mbufs_alloc(h->mbufs, h->m) != 0) {
		free(h->mbufs);
		h->mbufs = NULL;
		goto fail;
	}
	/* Translation rewrites the packets: each pass needs fresh copies. */
	if (perf.hit_rx || h->nat != NULL) {
		snprintf(name, sizeof(name), "rx_%s", v->name);
		h->rx_pool = rte_pktmbuf_pool_create(name, PERF_RX_RING * 2 - 1,
		    0, 0, RTE_PKTMBUF_HEADROOM + 128, (int)rte_socket_id());
		h->rx = calloc(PERF_RX_RING, sizeof(h->rx[0]));
		if (h->rx_pool == NULL || h->rx == NULL ||
		    rte_pktmbuf_alloc_bulk(h->rx_pool, h->rx,
		    PERF_RX_RING) != 0) {
			free(h->rx);
			h->rx = NULL;
			goto fail;
		}
	}
	if (with_raw) {
		struct raw_fill rf = { .h = h };

		h->keys = rte_malloc("perf_keys", (size_t)h->m * kw * 4, 64);
		h->kptr = rte_malloc("perf_kptr", h->m * sizeof(h->kptr[0]),
		    64);
		h->sigs = rte_malloc("perf_sigs", h->m * sizeof(h->sigs[0]),
		    64);
		h->objs = rte_zmalloc("perf_objs", h->n * OBJ_SIZE, 64);
		snprintf(name, sizeof(name), "raw_%s", v->name);
		if (h->keys == NULL || h->kptr == NULL || h->sigs == NULL ||
		    h->objs == NULL ||
		    (h->raw = raw_create_like(h, name, kw * 4)) == NULL)
			goto fail;
		perf_run_on(perf.worker, raw_fill_lcore, &rf);
		if (rf.ret != 0) {
			fprintf(stderr, "raw fill: table full\n");
			goto fail;
		}
		h->raw_fill_s = rf.seconds;
	}
	build_packets(h);
	return 0;
fail:
	hit_teardown(h);
	return -ENOMEM;
}

void
hit_teardown(struct hit_ctx *h)
{
	if (h->rx != NULL)
		rte_pktmbuf_free_bulk(h->rx, PERF_RX_RING);
	free(h->rx);
	rte_mempool_free(h->rx_pool);
	if (h->mbufs != NULL)
		perf_mbufs_free(h->mbufs, h->m);
	free(h->mbufs);
	free(h->dirs);
	free(h->nat);
	rte_hash_free(h->raw);
	rte_free(h->objs);
	rte_free(h->keys);
	rte_free(h->kptr);
	rte_free(h->sigs);
	perf_ct_destroy(h->ct);
	memset(h, 0, sizeof(*h));
}

struct hit_run {
	struct hit_ctx	*h;
	unsigned int	what;
	unsigned int	passes;
	double		cyc[4];
	double		cpu[4];
	uint64_t	matched;
	uint64_t	translated;	/* perf.nat: packets rewritten */
	uint64_t	raw_hits;
	uint64_t	sink;
};

/*
 * rx_burst: --hit-rx: receive burst b into the RX ring as a PMD would
 * (copy the frames, write the lengths).  Returns the ring's mbufs.
 */
static struct rte_mbuf **
rx_burst(struct hit_ctx *h, unsigned int b)
{
	struct rte_mbuf **src = &h->mbufs[b * PERF_BURST];
	struct rte_mbuf **rx = &h->rx[(b * PERF_BURST) % PERF_RX_RING];
	unsigned int j;

	for (j = 0; j < PERF_BURST; j++) {
		rte_memcpy(rte_pktmbuf_mtod(rx[j], void *),
		    rte_pktmbuf_mtod(src[j], const void *), src[j]->data_len);
		rx[j]->data_len = src[j]->data_len;
		rx[j]->pkt_len = src[j]->pkt_len;
		rx[j]->port = src[j]->port;
		/* The application's RX callback (features: zones). */
		npfct_mbuf_zone_set(rx[j], perf.zone);
	}
	return rx;
}

/*
 * pass_npfct: one pass over the M packets through npfct_inspect_burst()
 * (and npfct_nat_translate_burst() if the connections are translated:
 * the packets are then received into the RX ring, so that each pass
 * rewrites fresh copies); with an RX ring each burst is first received
 * into it, and the TSC cycles that took are added to *rx_cycles.
 */
static uint64_t
pass_npfct(struct hit_ctx *h, uint64_t *rx_cycles, uint64_t *translated)
{
	struct npfct_pkt pkts[PERF_BURST];
	struct npfct_conn *conns[PERF_BURST];
	uint8_t verdicts[PERF_BURST];
	struct rte_mbuf **burst;
	unsigned int b;
	uint64_t matched = 0, t0;

	for (b = 0; b < h->m / PERF_BURST; b++) {
		burst = &h->mbufs[b * PERF_BURST];
		if (h->rx != NULL) {
			t0 = rte_rdtsc();
			burst = rx_burst(h, b);
			*rx_cycles += rte_rdtsc() - t0;
		}
		matched += npfct_inspect_burst(h->ct, burst, pkts, PERF_BURST,
		    h->dirs[b], conns, verdicts);
		if (h->nat != NULL && h->rewrite)
			*translated += npfct_nat_translate_burst(h->ct, pkts,
			    conns, PERF_BURST, h->dirs[b]);
		npfct_quiescent();
	}
	return matched;
}

static void
pass_parse(struct hit_ctx *h)
{
	struct npfct_pkt pkts[PERF_BURST];
	struct rte_mbuf **m;
	unsigned int b, i;

	for (b = 0; b < h->m / PERF_BURST; b++) {
		m = &h->mbufs[b * PERF_BURST];
		for (i = 0; i < PERF_BURST; i++) {
			if (i + 1 < PERF_BURST)
				rte_prefetch0(rte_pktmbuf_mtod(m[i + 1],
				    void *));
			npfct_pkt_parse(&pkts[i], m[i]);
		}
		/* Keep the compiler from dropping the parse. */
		__asm__ volatile("" : : "r"(pkts) : "memory");
	}
}

static uint64_t
pass_raw(struct hit_ctx *h, struct hit_run *r, bool touch)
{
	void *data[PERF_BURST];
	unsigned int b, j;
	uint64_t hits, nhits = 0;

	for (b = 0; b < h->m / PERF_BURST; b++) {
		rte_hash_lookup_with_hash_bulk_data(h->raw,
		    &h->kptr[b * PERF_BURST], &h->sigs[b * PERF_BURST],
		    PERF_BURST, &hits, data);
		nhits += (uint64_t)__builtin_popcountll(hits);
		if (!touch)
			continue;
		for (j = 0; j < PERF_BURST; j++)
			if (hits & (1ull << j))
				rte_prefetch0(data[j]);
		for (j = 0; j < PERF_BURST; j++)
			if (hits & (1ull << j))
				r->sink += *(const volatile uint64_t *)data[j];
	}
	return nhits;
}

/* Time one part: TSC and thread CPU time, per packet. */
#define TIMED(r, i, pkts, body) do {					\
	uint64_t t0_ = rte_rdtsc(), c0_ = perf_thread_cpu_ns();		\
									\
	body;								\
	(r)->cyc[i] = (double)(rte_rdtsc() - t0_) / (pkts);		\
	(r)->cpu[i] = (double)(perf_thread_cpu_ns() - c0_) *		\
	    perf.tsc_hz / 1e9 / (pkts);					\
} while (0)

static int
hit_run_lcore(void *arg)
{
	struct hit_run *r = arg;
	struct hit_ctx *h = r->h;
	const double pkts = (double)r->passes * h->m;
	unsigned int p;

	npfct_thread_register();
	if (r->what & HIT_NPFCT) {
		uint64_t rx_cycles = 0, warm = 0;

		pass_npfct(h, &rx_cycles, &warm);	/* warm-up */
		rx_cycles = 0;
		TIMED(r, 0, pkts, for (p = 0; p < r->passes; p++)
		    r->matched += pass_npfct(h, &rx_cycles, &r->translated));
		/* --hit-rx: the receive is not npfct's. */
		r->cyc[0] -= (double)rx_cycles / pkts;
		r->cpu[0] -= (double)rx_cycles / pkts;
	}
	if (r->what & HIT_RAW) {
		pass_raw(h, r, false);
		TIMED(r, 1, pkts, for (p = 0; p < r->passes; p++)
		    r->raw_hits += pass_raw(h, r, false));
	}
	if (r->what & HIT_RAW_TOUCH) {
		pass_raw(h, r, true);
		TIMED(r, 2, pkts, for (p = 0; p < r->passes; p++)
		    r->raw_hits += pass_raw(h, r, true));
	}
	if (r->what & HIT_PARSE) {
		pass_parse(h);
		TIMED(r, 3, pkts, for (p = 0; p < r->passes; p++)
		    pass_parse(h));
	}
	npfct_thread_unregister();
	return 0;
}

int
hit_measure(struct hit_ctx *h, unsigned int what, double cyc[4],
		double cpu[4], uint64_t *packets, uint64_t *matched,
		uint64_t *translated)
{
	struct hit_run r = { .h = h, .what = what };
	uint64_t raw_expected;

	if (h->raw == NULL)
		r.what &= ~(unsigned int)(HIT_RAW | HIT_RAW_TOUCH);
	r.passes = (unsigned int)RTE_MAX((uint64_t)1,
	    perf.pkts_per_rep / h->m);
	perf_run_on(perf.worker, hit_run_lcore, &r);
	memcpy(cyc, r.cyc, sizeof(r.cyc));
	memcpy(cpu, r.cpu, sizeof(r.cpu));
	*packets = (uint64_t)r.passes * h->m;
	*matched = r.matched;
	*translated = r.translated;
	raw_expected = *packets * (uint64_t)(((r.what & HIT_RAW) != 0) +
	    ((r.what & HIT_RAW_TOUCH) != 0));
	if (r.raw_hits != raw_expected) {
		perf.failures++;
		fprintf(stderr, "WARNING: raw %" PRIu64 " hits of %" PRIu64
		    "\n", r.raw_hits, raw_expected);
	}
	return 0;
}

/* Measure one set-up and report npfct, raw, raw + touch and the ratio. */
void
hit_report(struct hit_ctx *h, const char *scenario)
{
	struct perf_sample s[4], c[4];
	uint64_t packets = 0, matched = 0, translated = 0, pk, mt, tr;
	struct npfct_stats st;
	static const char *const impls[4] = { "npfct", "raw", "raw+touch",
	    "parse-only" };
	double cyc[4], cpu[4], destroy_s, ratio, ratio_t;
	unsigned int r, i;
	char info[256], extra[384];

	memset(s, 0, sizeof(s));
	memset(c, 0, sizeof(c));
	npfct_stats_reset(h->ct);
	for (r = 0; r < perf.reps; r++) {
		hit_measure(h, HIT_NPFCT | HIT_RAW | HIT_RAW_TOUCH | HIT_PARSE,
		    cyc, cpu, &pk, &mt, &tr);
		packets += pk;
		matched += mt;
		translated += tr;
		for (i = 0; i < 4; i++) {
			perf_sample_add(&s[i], cyc[i]);
			perf_sample_add(&c[i], cpu[i]);
		}
	}
	npfct_stats_get(h->ct, &st);
	if (matched != packets) {
		perf.failures++;
		printf("WARNING: %s %s: %" PRIu64 " of %" PRIu64 " packets "
		    "matched (invalid %" PRIu64 ", miss %" PRIu64 ")\n",
		    scenario, h->variant, matched, packets,
		    st.count[NPFCT_STAT_INVALID_STATE],
		    st.count[NPFCT_STAT_LOOKUP_MISS]);
	}
	/* With NAT every packet's connection is translated. */
	if (h->nat != NULL && translated != (h->rewrite ? packets : 0)) {
		perf.failures++;
		printf("WARNING: %s %s: %" PRIu64 " of %" PRIu64 " packets "
		    "translated\n", scenario, h->variant, translated, packets);
	}
	snprintf(info, sizeof(info), "\"matched\":%" PRIu64 ",\"packets\":"
	    "%" PRIu64 ",\"translated\":%" PRIu64 ",\"pool_pkts\":%u,"
	    "\"rx_ring\":%s,\"fill_s\":%.2f,\"raw_fill_s\":%.2f", matched,
	    packets, translated, h->m, h->rx != NULL ? "true" : "false",
	    h->fill_s, h->raw_fill_s);
	for (i = 0; i < 4; i++) {
		/* No raw table (scenario features): no raw baselines. */
		if (h->raw == NULL && (i == 1 || i == 2))
			continue;
		perf_cpu_extra(extra, sizeof(extra), i == 0 ? info : NULL,
		    &s[i], &c[i]);
		perf_report(scenario, h->variant, h->n, impls[i], "pkt", &s[i],
		    extra);
	}
	destroy_s = perf_ct_destroy(h->ct);
	h->ct = NULL;
	if (h->raw == NULL) {
		printf("        (fill %.2f s, destroy %.2f s)\n", h->fill_s,
		    destroy_s);
		return;
	}
	ratio = perf_median(&s[0]) / perf_median(&s[1]);
	ratio_t = perf_median(&s[0]) / perf_median(&s[2]);
	snprintf(extra, sizeof(extra), "\"vs_raw_touch\":%.3f", ratio_t);
	perf_report_value(scenario, h->variant, h->n, "ratio_npfct_raw",
	    ratio, extra);
	printf("        (fill %.2f s, raw fill %.2f s, destroy %.2f s; "
	    "npfct/raw %.2fx, npfct/(raw+touch) %.2fx)\n", h->fill_s,
	    h->raw_fill_s, destroy_s, ratio, ratio_t);
}

void
perf_hit_run(void)
{
	struct hit_ctx h;
	unsigned int v, i;

	perf_banner("hit: established connections, random connection and "
	    "direction, bursts of 32");
	for (v = 0; v < RTE_DIM(variants); v++) {
		if ((perf.hit_variants & (1u << v)) == 0)
			continue;
		for (i = 0; i < perf.n_hit_sizes; i++) {
			if (hit_setup(&h, variants[v].name, perf.hit_sizes[i],
			    false, true) != 0) {
				perf.failures++;
				printf("WARNING: hit %s %" PRIu64 ": set-up "
				    "failed\n",
				    variants[v].name, perf.hit_sizes[i]);
				continue;
			}
			hit_report(&h, "hit");
			hit_teardown(&h);
		}
	}
}

void
perf_single_run(void)
{
	struct hit_ctx h;

	perf_banner("single-flow: one UDP flow, bursts of 32");
	if (hit_setup(&h, "udp4", 1, true, true) != 0) {
		printf("WARNING: single: set-up failed\n");
		perf.failures++;
		return;
	}
	hit_report(&h, "single");
	hit_teardown(&h);
}
