/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef PERF_COMMON_H
#define PERF_COMMON_H

/*
 * npfct-perf: shared definitions of the benchmark (not installed).
 *
 * The benchmark runs on a real EAL.  Lcore roles (see run-perf.sh):
 *
 *	main lcore	control: creates instances, starts/stops the G/C
 *			service, sleeps while workers run;
 *	worker		the measured datapath lcore (CPU 1);
 *	worker2		a second datapath lcore for the 2-lcore runs (CPU 0);
 *	service		the EAL service lcore (-s) running the G/C (CPU 0).
 *
 * Every figure is a median over repetitions of TSC cycles per packet or
 * per connection, printed as a human-readable line and as one JSON line.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_nat.h"
#include "npfct_pkt.h"
#include "npfct_stats.h"

#define PERF_BURST		32	/* packets per burst everywhere */
#define PERF_REPS_MAX		15
#define PERF_SIZES_MAX		8
#define PERF_KEY_WORDS		12	/* largest key (IPv6), 48 bytes */

/* Scenarios (--scenarios). */
enum {
	PERF_S_HIT = 0x01,
	PERF_S_SINGLE = 0x02,
	PERF_S_NEW = 0x04,
	PERF_S_CHURN = 0x08,
	PERF_S_GC = 0x10,
	PERF_S_MEM = 0x20,
	PERF_S_HASH = 0x40,
	PERF_S_FEATURES = 0x80,
	PERF_S_ALL = 0xff,
};

struct perf_opts {
	bool		quick;		/* --quick: small sizes, few reps */
	bool		huge;		/* EAL runs on hugepages */
	unsigned int	reps;		/* repetitions (median) */
	uint32_t	scenarios;	/* PERF_S_* */
	uint64_t	hit_sizes[PERF_SIZES_MAX];
	unsigned int	n_hit_sizes;
	uint64_t	new_sizes[PERF_SIZES_MAX];
	unsigned int	n_new_sizes;
	uint64_t	mem_sizes[PERF_SIZES_MAX];
	unsigned int	n_mem_sizes;
	uint32_t	hit_variants;	/* bit i: variants[i] of perf_hit.c */
	uint64_t	gc_size;	/* connections for gc-interference */
	uint64_t	churn_live;	/* target live connections (churn) */
	unsigned int	churn_new_pct;	/* share of new flows (churn) */
	unsigned int	churn_seconds;	/* measured virtual seconds */
	unsigned int	pool_pkts;	/* M: pre-built packets (hit) */
	bool		hit_rx;		/* --hit-rx: npfct gets an RX ring */
	unsigned int	failures;	/* set-up failures, wrong results */
	uint64_t	pkts_per_rep;	/* packets per hit repetition */
	const char	*json_path;	/* --json FILE (also on stdout) */
	/* Hash function of the instances (scenario hash sets it). */
	enum npfct_hash_func hash;
	/* Scenario hash: the functions (--hash) and sizes (--hash-sizes). */
	enum npfct_hash_func hash_funcs[NPFCT_HASH_MAX];
	unsigned int	n_hash_funcs;
	uint64_t	hash_sizes[PERF_SIZES_MAX];
	unsigned int	n_hash_sizes;
	uint64_t	hash_new_size;
	unsigned int	hash_rounds;	/* set-ups per function (median) */
	/* Instance features (scenario features sets them; 0: off). */
	uint32_t	ct_flags;	/* NPFCT_F_* added to every instance */
	uint32_t	event_ring;	/* event_ring_size, all types subscribed */
	uint16_t	zone;		/* zone of every packet */
	uint32_t	zone_limit;	/* limit of that zone, 0: none */
	bool		nat;		/* masquerade policy, NPFCT_EST_NAT */
	/* With nat, hit: npfct_nat_translate_burst() not called. */
	bool		nat_no_rewrite;
	/* Every flow initiated outbound (a NAT gateway's traffic). */
	bool		flows_out;
	uint64_t	feat_sizes[PERF_SIZES_MAX];
	unsigned int	n_feat_sizes;
	uint64_t	feat_new_size;
	unsigned int	feat_rounds;
	/* Appended to every variant ("/aes") while the hash scenario runs. */
	char		variant_suffix[24];
	FILE		*json;
	/* Lcores (set by perf_main.c). */
	unsigned int	worker;
	unsigned int	worker2;	/* RTE_MAX_LCORE: none */
	unsigned int	service;	/* RTE_MAX_LCORE: none */
	double		tsc_hz;
	struct rte_mempool *mbuf_pool;
};

extern struct perf_opts perf;

/*
 * Results.
 */
struct perf_sample {
	double		v[PERF_REPS_MAX];
	unsigned int	n;
};

void perf_sample_add(struct perf_sample *s, double v);
double perf_median(const struct perf_sample *s);
double perf_min(const struct perf_sample *s);
double perf_max(const struct perf_sample *s);

/* The calling thread's CPU time (ns). */
uint64_t perf_thread_cpu_ns(void);

static inline double
perf_cyc_to_ns(double cyc)
{
	return cyc * 1e9 / perf.tsc_hz;
}

/*
 * Print (and keep for the summary) a timing result: cyc holds TSC cycles
 * per unit ("pkt" or "conn"), one value per repetition.  extra: further
 * JSON members ("\"k\":v,...") or NULL.
 */
void perf_report(const char *scenario, const char *variant, uint64_t n,
		const char *impl, const char *unit,
		const struct perf_sample *cyc, const char *extra);

/*
 * JSON members for the CPU-time view of a timing: "ns_cpu" (median from
 * the thread's CPU time) and "oncpu" (its share of the TSC time; below 1
 * the thread was preempted).
 */
void perf_cpu_extra(char *buf, size_t len, const char *prefix,
		const struct perf_sample *tsc, const struct perf_sample *cpu);

/* Print (and keep) a value that is not a time (bytes, counts). */
void perf_report_value(const char *scenario, const char *variant,
		uint64_t n, const char *metric, double value,
		const char *extra);

/* Find a kept result: ns per unit (timing) or value; NaN if absent. */
double perf_result_ns(const char *scenario, const char *variant,
		uint64_t n, const char *impl);
double perf_result_value(const char *scenario, const char *variant,
		uint64_t n, const char *metric);

void perf_banner(const char *title);

/*
 * Lcores and the G/C service.
 */

/* Run fn on an lcore and wait for it, sleeping (never spinning). */
int perf_run_on(unsigned int lcore, int (*fn)(void *), void *arg);
/* Launch on an lcore / wait for it (sleeping). */
int perf_launch(unsigned int lcore, int (*fn)(void *), void *arg);
int perf_wait(unsigned int lcore);

/* Map the instance's G/C service to the service lcore and start both. */
int perf_gc_start(struct npfct *ct);
/* Stop the service and the service lcore (the lcore sleeps again). */
void perf_gc_stop(struct npfct *ct);
/*
 * Share of the time since perf_gc_start() that the G/C service spent in
 * steps (DPDK 22.11 counts no cycles for calls that return -EAGAIN, i.e.
 * found no step due).
 */
double perf_gc_busy(struct npfct *ct);

/*
 * Flows and packets.
 *
 * Flow i is a client (initiator) and a server; its initiator's
 * direction is NPFCT_DIR_OUT for even i, NPFCT_DIR_IN for odd i, so a
 * burst of one direction carries forwards packets of some connections
 * and backwards packets of others.
 */
struct perf_flow {
	uint8_t		alen;		/* 4 or 16 */
	uint8_t		proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	int		dir;		/* initiator's direction */
	union npfct_addr client;
	union npfct_addr server;
	rte_be16_t	cport;
	rte_be16_t	sport;
	uint32_t	cisn;		/* client's initial sequence number */
	uint32_t	sisn;		/* server's */
};

static inline int
perf_flow_dir(uint64_t i)
{
	return perf.flows_out || (i & 1) == 0 ? NPFCT_DIR_OUT : NPFCT_DIR_IN;
}

static inline int
perf_dir_opposite(int di)
{
	return di == NPFCT_DIR_IN ? NPFCT_DIR_OUT : NPFCT_DIR_IN;
}

void perf_flow_get(uint64_t i, unsigned int alen, uint8_t proto,
		struct perf_flow *f);

/* TCP segments of a flow. */
enum perf_seg {
	PERF_SEG_SYN,		/* client SYN */
	PERF_SEG_SYNACK,	/* server SYN-ACK */
	PERF_SEG_ACK_FW,	/* pure ACK, client to server */
	PERF_SEG_ACK_BW,	/* pure ACK, server to client */
};

/* Fill a parsed packet (no mbuf) of a flow: forwards or backwards. */
void perf_pkt_fill(struct npfct_pkt *p, const struct perf_flow *f,
		bool forw, enum perf_seg seg);
/*
 * Write an Ethernet frame of a flow into an mbuf whose data starts at the
 * buffer (data_off 0).  cksum: fill IP and L4 checksums (the parser does
 * not check them; per-burst rewrites skip them).
 */
void perf_pkt_write(struct rte_mbuf *m, const struct perf_flow *f,
		bool forw, enum perf_seg seg, bool cksum);
/* The npfct key of the packet (same layout as the library's). */
unsigned int perf_key_build(const struct perf_flow *f, bool forw,
		uint32_t *key);

/* Allocate n mbufs for pre-built packets, sorted by address. */
int perf_mbufs_alloc(struct rte_mbuf **m, unsigned int n);
void perf_mbufs_free(struct rte_mbuf **m, unsigned int n);

/*
 * Instances.
 */

/*
 * Create an instance for alen-family connections: max for that family,
 * a minimal table for the other.  Long timeouts unless given.
 */
struct npfct *perf_ct_create(const char *name, unsigned int alen,
		uint64_t max, const uint32_t *timeouts,
		const struct npfct_gc_params *gc);
/* Destroy; returns the seconds it took. */
double perf_ct_destroy(struct npfct *ct);

/*
 * Fill: establish flows [first, first + count) on the calling lcore,
 * through npfct_establish_burst() on parsed packets, then complete them
 * (TCP handshake; a UDP reply) so that they are established.
 */
/* Where source NAT put a connection's client: its backwards destination. */
struct perf_nat_tuple {
	union npfct_addr addr;
	rte_be16_t	port;
};

/* The backwards packets of a translated flow go to its outside tuple. */
static inline void
perf_flow_translate(struct perf_flow *f, const struct perf_nat_tuple *t)
{
	f->client = t->addr;
	f->cport = t->port;
}

struct perf_fill {
	struct npfct	*ct;
	unsigned int	alen;
	uint8_t		proto;
	uint64_t	first;
	uint64_t	count;
	/*
	 * Non-NULL: establish with NPFCT_EST_NAT, answer to the translated
	 * tuple and store it here (indexed by flow).
	 */
	struct perf_nat_tuple *nat;
	/* Out. */
	uint64_t	established;	/* connections created */
	uint64_t	completed;	/* handshake/reply packets matched */
	uint64_t	untranslated;	/* nat: established, not translated */
	double		seconds;
};

int perf_fill_lcore(void *arg);	/* registers with QSBR itself */
/* Fill on the worker lcore; returns 0 if every flow is established. */
int perf_fill(struct npfct *ct, unsigned int alen, uint8_t proto,
		uint64_t n, double *seconds);
/* The same, every flow translated; its outside tuple stored in nat[]. */
int perf_fill_nat(struct npfct *ct, unsigned int alen, uint8_t proto,
		uint64_t n, double *seconds, struct perf_nat_tuple *nat);

/*
 * The raw rte_hash baseline: an LF, multi-writer table of entries keys
 * with a CRC hash, with extendable buckets if ext (hit: the instance's
 * own size and flags; new: two entries per connection, as NPF).
 */
struct rte_hash *perf_raw_create(const char *name, unsigned int key_len,
		uint32_t entries, bool ext);

/* Memory allocated on all heaps (bytes). */
uint64_t perf_heap_allocated(void);

/*
 * The hit set-up (perf_hit.c), shared with the G/C interference run:
 * an instance filled with n established connections, M pre-built
 * packets of random connections in random direction, and optionally the
 * raw rte_hash baseline over the same keys.
 */
struct hit_ctx {
	char		variant[16];	/* "udp4", "tcp4", "tcp6" */
	unsigned int	alen;
	uint8_t		proto;
	uint64_t	n;		/* connections */
	bool		single;		/* one flow, one direction */
	struct npfct	*ct;
	struct rte_mbuf	**mbufs;	/* M packets, bursts of 32 */
	struct rte_mempool *rx_pool;	/* --hit-rx: the ring's mbufs */
	struct rte_mbuf	**rx;		/* PERF_RX_RING mbufs */
	uint8_t		*dirs;		/* direction of each burst */
	unsigned int	m;
	/* Raw baseline. */
	struct rte_hash	*raw;
	uint8_t		*objs;		/* 128-byte object per connection */
	uint32_t	*keys;		/* key of each packet */
	const void	**kptr;
	hash_sig_t	*sigs;
	double		fill_s;		/* npfct fill time */
	double		raw_fill_s;
	/* perf.nat: every connection translated (its outside tuple). */
	struct perf_nat_tuple *nat;
	bool		rewrite;	/* npfct_nat_translate_burst() */
};

/* --hit-rx: mbufs of the emulated RX ring (a typical descriptor count). */
#define PERF_RX_RING	1024

/* What hit_measure() times. */
#define HIT_NPFCT	0x1
#define HIT_RAW		0x2
#define HIT_RAW_TOUCH	0x4
#define HIT_PARSE	0x8	/* npfct_pkt_parse() alone, as inspect does */

int hit_setup(struct hit_ctx *h, const char *variant, uint64_t n,
		bool single, bool with_raw);
void hit_teardown(struct hit_ctx *h);
/*
 * One repetition on the worker lcore: TSC cycles per packet of each
 * measured part in cyc[0..3] (npfct, raw, raw + touch, parse only), and
 * in cpu[0..3] the same from the thread's CPU time (which leaves out the
 * time the thread was preempted; cycles at the TSC rate).  *matched
 * counts packets that matched (npfct) so that the caller checks it
 * measured hits; *translated those npfct_nat_translate_burst() rewrote
 * (h->nat: every connection translated).
 */
int hit_measure(struct hit_ctx *h, unsigned int what, double cyc[4],
		double cpu[4], uint64_t *packets, uint64_t *matched,
		uint64_t *translated);

/*
 * Scenarios.
 */
int perf_hit_variants(const char *list);	/* --hit-variants */
void perf_hit_run(void);
void perf_single_run(void);
void perf_new_run(void);
void perf_churn_run(void);
void perf_gcint_run(void);
void perf_mem_run(void);
void perf_hash_run(void);
void perf_features_run(void);
void hit_report(struct hit_ctx *h, const char *scenario);
void new_measure_est(uint64_t n, unsigned int reps);
/* The default establish path on nlcores lcores (1 or 2). */
void new_measure_lcores(uint64_t n, unsigned int nlcores,
		unsigned int reps);

#endif /* PERF_COMMON_H */
