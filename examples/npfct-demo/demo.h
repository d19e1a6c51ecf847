/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-demo private definitions, shared by its files:
 *
 *	main.c		EAL, options, port, instance, launch, shutdown
 *	fwd.c		the firewall: per-burst policy, traffic and G/C loops
 *	gen.c		the traffic generator
 *	report.c	the banner, the per-round lines and the final report
 */

#ifndef NPFCT_DEMO_H
#define NPFCT_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <npfct.h>
#include <npfct_stats.h>

#define BURST		32		/* packets per npfct_inspect_burst() */
#define NS_PER_SEC	1000000000ull
#define PORT_NONE	UINT16_MAX	/* no ethdev port */

/* What a generated packet is, and so what the firewall must do with it. */
enum demo_kind {
	KIND_FLOW = 0,	/* part of a client flow: must pass */
	KIND_PROBE,	/* unsolicited inbound packet: must be blocked */
	KIND_LATE,	/* reply after its connection expired: blocked */
	KIND_JUNK,	/* ARP, truncated header, later fragment: blocked */
	KIND_FORGED,	/* TCP segment outside the window: blocked */
	KIND_MAX
};

/* Flow life-cycles (gen_summary::gs_life). */
enum demo_life {
	LIFE_LONG = 0,	/* talks until the last round */
	LIFE_SHORT,	/* two rounds, then closes; UDP/ICMP get a late reply */
	LIFE_ONEWAY,	/* two rounds without an answer; UDP/ICMP: late reply */
	LIFE_MAX
};

/* Why the firewall passed or blocked a packet. */
enum demo_reason {
	R_MATCH = 0,		/* passed: matched a pass connection */
	R_ESTABLISHED,		/* passed: outbound miss, established */
	R_REINSPECT,		/* passed: establish said EEXIST, re-inspected */
	R_PASSED,		/* reasons below this one pass */
	R_MISS = R_PASSED,	/* blocked: no connection */
	R_INVALID,		/* blocked: the state refused the packet */
	R_NOT_TRACKABLE,	/* blocked: ARP, later fragment, tracking off */
	R_PARSE_ERROR,		/* blocked: malformed */
	R_EST_FAILED,		/* blocked: establish failed */
	R_NO_PASS,		/* blocked: connection without pass (no rules) */
	R_MAX
};

/* The packets of one step in one direction, in order. */
struct pktq {
	struct rte_mbuf	**q_mbuf;	/* packets */
	uint8_t		*q_kind;	/* enum demo_kind of each */
	unsigned int	q_n;		/* packets queued */
	unsigned int	q_cap;		/* size of both arrays */
};

/* The flow mix, for the banner. */
struct gen_summary {
	uint32_t	gs_proto[3];	/* TCP, UDP, ICMP flows */
	uint32_t	gs_af[2];	/* IPv4, IPv6 flows */
	uint32_t	gs_life[LIFE_MAX]; /* flows per enum demo_life */
	uint32_t	gs_probes;	/* unsolicited packets per round */
	uint32_t	gs_junk;	/* malformed/untrackable per round */
	uint32_t	gs_forged;	/* flows sent out-of-window segments */
};

/* Traffic lcore accounting: one writer, read once it finished. */
struct demo_acct {
	uint64_t	a_reason[2][R_MAX];	/* [outbound][reason] */
	uint64_t	a_kind[KIND_MAX][2];	/* [kind][passed] */
	uint64_t	a_unexpected;		/* outcome differs from kind */
	uint64_t	a_errors;		/* generator errors */
	uint64_t	a_tx, a_tx_drop, a_rx;	/* port, if any */
	uint64_t	a_bursts;		/* bursts inspected */
} __rte_cache_aligned;

/* The demo.  Set up by main.c before the launch, then as commented. */
struct demo {
	struct npfct	*d_ct;
	struct gen	*d_gen;
	struct rte_mempool *d_mp;
	uint16_t	d_port;		/* PORT_NONE: no port */
	uint32_t	d_rounds;
	uint32_t	d_flows;
	unsigned int	d_traffic_lcore;
	bool		d_multi;	/* G/C on the main lcore */

	/* Traffic lcore. */
	struct pktq	d_q;
	uint32_t	d_round;	/* current round */
	unsigned int	d_step;		/* current step */
	struct demo_acct d_acct;

	/* G/C handshake (fwd.c: gc_sync(), gc_loop()). */
	uint32_t	d_gc_req;	/* written by the traffic lcore */
	uint32_t	d_gc_done;	/* written by the G/C lcore */
	uint32_t	d_traffic_done;	/* traffic lcore finished */
	uint64_t	d_gc_runs;	/* G/C passes; G/C context */
	uint64_t	d_gc_errors;	/* npfct_gc() failures; G/C context */
};

/* Set by SIGINT/SIGTERM (main.c). */
extern volatile bool force_quit;

static inline uint64_t
acct_passed(const struct demo_acct *a, bool out)
{
	uint64_t n = 0;
	unsigned int r;

	for (r = 0; r < R_PASSED; r++)
		n += a->a_reason[out][r];
	return n;
}

static inline uint64_t
acct_blocked(const struct demo_acct *a, bool out)
{
	uint64_t n = 0;
	unsigned int r;

	for (r = R_PASSED; r < R_MAX; r++)
		n += a->a_reason[out][r];
	return n;
}

/*
 * A round is GEN_STEPS steps; in each step every flow sends its outbound
 * packets (NPFCT_DIR_OUT), then the replies come back (NPFCT_DIR_IN).
 * Step 0: SYN / first data, step 1: handshake ACK and data, FIN; step 2:
 * the last ACK of a close.
 */
#define GEN_STEPS	3

struct gen;

/* gen.c */
struct gen *gen_create(struct rte_mempool *mp, uint16_t port,
		uint32_t nflows, uint32_t rounds, uint32_t timeout_new,
		uint32_t timeout_est);
void gen_destroy(struct gen *g);
unsigned int gen_queue_size(const struct gen *g);
int gen_emit(struct gen *g, uint32_t round, unsigned int step, int di,
		struct pktq *q);
void gen_summary(const struct gen *g, struct gen_summary *gs);

/* fwd.c */
int fwd_main(void *arg);

/* report.c */
const char *report_reason_name(enum demo_reason r);
const char *report_kind_name(enum demo_kind k);
uint64_t report_stat(const struct npfct *ct, enum npfct_stat which);
void report_banner(const struct demo *d);
void report_round_header(void);
void report_round(const struct demo *d, const struct demo_acct *before,
		uint64_t expired_before);
bool report_finish(struct demo *d);

#endif /* NPFCT_DEMO_H */
