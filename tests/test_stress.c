/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct stress test: multi-lcore connection reclamation (suite "stress").
 *
 * Overview
 *
 *	One instance with small tables and short timeouts, driven by the
 *	manual clock, runs for a bounded time (NPFCT_STRESS_SECONDS,
 *	default 12) under this load:
 *
 *	- datapath lcores (every worker lcore but the last): registered
 *	  with QSBR, they send bursts of pre-built packets of a fixed set of
 *	  flows (IPv4 and IPv6; TCP, UDP, ICMP echo; forwards, backwards and
 *	  NAT-translated backwards packets) through npfct_inspect_burst(),
 *	  establish connections for misses (sometimes per interface, with a
 *	  rule procedure, with a NAT entry), set NAT on live connections,
 *	  expire some, then - after a short spin - read and write every
 *	  connection pointer of the burst through the public calls, and
 *	  only then report a quiescent state.  Now and then they go offline
 *	  for a moment;
 *	- the G/C lcore (the last worker lcore) is made a service lcore that
 *	  runs the instance's G/C service (incremental steps, reclamation
 *	  through the grace-period thread);
 *	- the main lcore (control thread): moves the clock one second every
 *	  TICK_MS (with a jump of CLOCK_JUMP_S every CLOCK_JUMP_TICKS ticks,
 *	  so that most connections expire at once), installs an empty
 *	  database with npfct_load() every LOAD_TICKS ticks, flushes every
 *	  FLUSH_TICKS and exports every EXPORT_TICKS ticks, importing each
 *	  export into a side instance (every record must be taken).
 *
 *	The IPv6 flows outnumber the IPv6 connections, so establish also
 *	fails for lack of room; duplicate packets of one flow within a
 *	burst, on both lcores, make establish and setnat lose races, and a
 *	shared NAT translation makes setnat collide.
 *
 *	Rule procedures and NAT entries are malloc()ed handles that the
 *	release callbacks check and free: a handle released twice or early
 *	is a double free or a use after free under ASan.
 *
 *	At the end every lcore stops (datapath lcores go offline and
 *	unregister), the main lcore flushes and the test checks that no
 *	connection is left, that as many were destroyed as created and
 *	that every handle attached was released exactly once.
 *
 * What it catches
 *
 *	A connection freed before the readers' grace period is poisoned by
 *	the library (ASan builds), so the readers' late accesses fail with
 *	"use-after-poison"; without ASan the checks of the protocol and of
 *	the handle's flow catch a connection reused under a reader.  Build
 *	the library with -DNPFCT_TEST_NO_GRACE_PERIOD (gc.c skips the grace
 *	period) to see the test fail (test_stress_broken: the report kinds
 *	a premature free produces are listed in tests/meson.build).
 *
 * Environment
 *
 *	NPFCT_STRESS_SECONDS	run time (default 12)
 *	NPFCT_STRESS_SPIN_US	spin between lookup and use (default 2)
 *	NPFCT_STRESS_SEED	flows and lcore seeds (default random)
 *
 * Synchronisation
 *
 *	The flows and their mbufs are built before the lcores start and
 *	are then only read.  Counters are per lcore, or shared atomics for
 *	the handles.  cmocka is called from the main lcore only; the other
 *	lcores record failures in counters that it checks at the end.
 */

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_service.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "npfct.h"
#include "npfct_nat.h"
#include "npfct_conn.h"
#include "npfct_stats.h"
#include "test_eal.h"
#include "test_pkt.h"

/* Run time (seconds), overridden by NPFCT_STRESS_SECONDS. */
#define STRESS_SECONDS		12.0
/* Spin between lookup and use (microseconds), NPFCT_STRESS_SPIN_US. */
#define STRESS_SPIN_US		2

/*
 * Connection limits.  The pools also hold what per-lcore caches may keep,
 * so IPv4 rarely fills up; IPv6 (fewer than its flows) does.
 */
#define MAX_CONNS4		2048
#define MAX_CONNS6		320

/* Flows: IPv4 first, then IPv6. */
#define NFLOWS4			2560
#define NFLOWS6			512
#define NFLOWS			(NFLOWS4 + NFLOWS6)
#define NSERVERS		16
/* Most packets come from a window of flows that moves with the clock. */
#define HOT_FLOWS		768
#define HOT_STEP		97
#define UNIFORM_ONE_IN		32

#define NSEC			1000000000ull
#define BURST			32
#define OFFLINE_EVERY		256	/* bursts, on average */

#define TICK_MS			10	/* one clock second per tick */
#define CLOCK_JUMP_TICKS	97
#define CLOCK_JUMP_S		30
#define LOAD_TICKS		50
#define FLUSH_TICKS		15
#define EXPORT_TICKS		7

/* Packets of a flow. */
enum { PKT_FORW = 0, PKT_BACK, PKT_XBACK, PKT_MAX };

/* Packet directions in a burst. */
enum { BURST_OUT = 0, BURST_IN, BURST_NDIR };

struct flow {
	struct rte_mbuf	*f_m[PKT_MAX];	/* PKT_XBACK: NAT flows only */
	uint8_t		f_proto;
	uint8_t		f_alen;
	uint8_t		f_nat;		/* 0 or enum npfct_nat_type */
	rte_be16_t	f_tport;	/* translated port */
	union npfct_addr f_taddr;	/* translated address */
};

/* A rule procedure or NAT entry attached to connections. */
#define HANDLE_NAT		0x4e415431u
#define HANDLE_RPROC		0x52505231u
#define HANDLE_DEAD		0xdeaddeadu

struct handle {
	uint32_t	h_magic;
	uint32_t	h_flow;
};

/* Handle book-keeping: atomics, any lcore. */
struct handle_counts {
	uint64_t	alloc;
	uint64_t	attached;
	uint64_t	caller_freed;	/* setpass/setnat failed */
	uint64_t	released;	/* by the release callback */
};

/* Per datapath lcore. */
struct worker {
	unsigned int	lcore;
	uint64_t	rnd;
	unsigned int	spin_us;
	/* Counters. */
	uint64_t	bursts;
	uint64_t	packets;
	uint64_t	matches;
	uint64_t	misses;
	uint64_t	invalid;	/* refused by the state inspection */
	uint64_t	established;
	uint64_t	est_eexist;
	uint64_t	est_enospc;
	uint64_t	est_enospc6;	/* of which IPv6 */
	uint64_t	est_eproto;
	uint64_t	est_other;	/* unexpected errno */
	uint64_t	setnat_ok;
	uint64_t	setnat_eisconn;
	uint64_t	setnat_einval;
	uint64_t	setnat_enospc;
	uint64_t	setnat_other;	/* unexpected error */
	uint64_t	nat_bound;	/* the NAT engine translated */
	uint64_t	nat_refused;	/* ... or refused (no port, no room) */
	uint64_t	nat_einval;	/* ... or found it expired (flush) */
	uint64_t	nat_other;	/* unexpected result */
	uint64_t	expired;
	uint64_t	touched;
	uint64_t	offline;
	uint64_t	bad_conn;	/* connection changed under the reader */
	uint64_t	bad_handle;	/* handle of another flow or kind */
} __rte_cache_aligned;

/* The G/C lcore. */
struct gc_worker {
	unsigned int	lcore;		/* the service lcore */
	uint32_t	service;	/* the G/C service id */
	uint64_t	calls;		/* service calls */
	uint64_t	destroyed;	/* by the control thread's flushes */
	uint64_t	flushes;
	uint64_t	exports;
	uint64_t	exported;
	uint64_t	errors;
} __rte_cache_aligned;

struct stress {
	struct npfct	*ct;
	struct flow	flows[NFLOWS];
	union npfct_addr shared_taddr[2]; /* [0] IPv4, [1] IPv6 */
	rte_be16_t	shared_tport;
	uint32_t	stop;		/* atomic */
	unsigned int	nworkers;
	struct worker	workers[RTE_MAX_LCORE];
	struct gc_worker gc;
	struct handle_counts nat;
	struct handle_counts rproc;
	uint64_t	release_bad;	/* callback got a bad handle */
};

static struct stress *S;

static const uint16_t server_ports[] = { 53, 80, 443, 8080 };

/*
 * rnd_next: xorshift64* (per lcore, no locking).
 */
static inline uint64_t
rnd_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static double
env_double(const char *name, double def)
{
	const char *v = getenv(name);
	char *end;
	double d;

	if (v == NULL || *v == '\0')
		return def;
	d = strtod(v, &end);
	return (*end == '\0' && d >= 0) ? d : def;
}

/*
 * Handles.
 */

static struct handle *
handle_new(struct handle_counts *hc, uint32_t magic, uint32_t flow)
{
	struct handle *h = malloc(sizeof(*h));

	if (h == NULL)
		return NULL;
	h->h_magic = magic;
	h->h_flow = flow;
	__atomic_fetch_add(&hc->alloc, 1, __ATOMIC_RELAXED);
	return h;
}

/* The caller still owns h (setpass/setnat failed). */
static void
handle_caller_free(struct handle_counts *hc, struct handle *h)
{
	h->h_magic = HANDLE_DEAD;
	free(h);
	__atomic_fetch_add(&hc->caller_freed, 1, __ATOMIC_RELAXED);
}

/*
 * handle_check: a reader's check of a handle found on a connection.
 *
 * => Reads the handle's memory: a handle freed too early is a
 *    heap-use-after-free under ASan.
 */
static bool
handle_check(const void *p, uint32_t magic, uint32_t flow)
{
	const volatile struct handle *h = p;

	return h->h_magic == magic && h->h_flow == flow;
}

static void
handle_release(void *p, uint32_t magic, struct handle_counts *hc)
{
	struct handle *h = p;

	if (h == NULL || h->h_magic != magic)
		__atomic_fetch_add(&S->release_bad, 1, __ATOMIC_RELAXED);
	else
		h->h_magic = HANDLE_DEAD;
	free(h);
	__atomic_fetch_add(&hc->released, 1, __ATOMIC_RELAXED);
}

static void
nat_release_cb(void *handle, void *arg)
{
	handle_release(handle, HANDLE_NAT, &((struct stress *)arg)->nat);
}

static void
rproc_release_cb(void *handle, void *arg)
{
	handle_release(handle, HANDLE_RPROC, &((struct stress *)arg)->rproc);
}

/*
 * Flows.
 */

static void
addr_set(int af, const char *str, union npfct_addr *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(inet_pton(af, str, a), 1);
}

/*
 * flow_build: make the packets of flow i.
 *
 * => Sources are unique per flow, destinations come from NSERVERS
 *    servers and a few ports, so NAT translations to the shared address
 *    collide.  Flows i % 8 == 0 get outbound NAT, i % 8 == 4 inbound
 *    NAT (TCP and UDP only), with a translation unique to the flow.
 */
static void
flow_build(struct flow *fl, unsigned int i, uint64_t *rnd)
{
	const bool v6 = i >= NFLOWS4;
	const unsigned int j = v6 ? i - NFLOWS4 : i;
	const int af = v6 ? AF_INET6 : AF_INET;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char tad[INET6_ADDRSTRLEN];
	struct test_pkt_spec fw, bk, xb;
	uint64_t r = rnd_next(rnd);
	const uint16_t sport = (uint16_t)(1024 + r % 60000);
	const uint16_t dport = server_ports[(r >> 16) % RTE_DIM(server_ports)];
	const uint16_t tport = (uint16_t)(20000 + i);
	const unsigned int server = 1 + (unsigned int)(r >> 24) % NSERVERS;

	memset(fl, 0, sizeof(*fl));
	if (v6) {
		snprintf(src, sizeof(src), "2001:db8:1::%x", j + 1);
		snprintf(dst, sizeof(dst), "2001:db8:ff::%x", server);
		snprintf(tad, sizeof(tad), "2001:db8:64::%x", j + 1);
	} else {
		snprintf(src, sizeof(src), "10.%u.%u.1", (j >> 8) + 1, j & 255);
		snprintf(dst, sizeof(dst), "192.0.2.%u", server);
		snprintf(tad, sizeof(tad), "100.64.%u.%u", j >> 8, j & 255);
	}

	memset(&fw, 0, sizeof(fw));
	fw.af = af;
	fw.src = src;
	fw.dst = dst;
	fw.wscale = -1;
	fw.port = (uint16_t)(i % 4);	/* the interface */
	switch (i % 3) {
	case 0:
		fw.proto = IPPROTO_TCP;
		fw.sport = sport;
		fw.dport = dport;
		fw.tcp_flags = NPFCT_TH_SYN;
		fw.seq = (uint32_t)(r >> 32);
		fw.win = 65535;
		break;
	case 1:
		fw.proto = IPPROTO_UDP;
		fw.sport = sport;
		fw.dport = dport;
		fw.payload_len = 16;
		break;
	default:
		fw.proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		fw.icmp_type = v6 ? 128 : 8;	/* echo request */
		fw.icmp_id = sport;
		break;
	}

	/* The reply. */
	bk = fw;
	bk.src = dst;
	bk.dst = src;
	bk.sport = fw.dport;
	bk.dport = fw.sport;
	if (fw.proto == IPPROTO_TCP) {
		bk.tcp_flags = NPFCT_TH_SYN | NPFCT_TH_ACK;
		bk.seq = (uint32_t)r;
		bk.ack = fw.seq + 1;
	} else if (fw.proto != IPPROTO_UDP) {
		bk.icmp_type = v6 ? 129 : 0;	/* echo reply */
	}

	fl->f_proto = fw.proto;
	fl->f_alen = v6 ? 16 : 4;
	fl->f_m[PKT_FORW] = test_pkt_build(&fw);
	fl->f_m[PKT_BACK] = test_pkt_build(&bk);
	if (fw.proto == IPPROTO_ICMP || fw.proto == IPPROTO_ICMPV6 ||
	    (i % 8 != 0 && i % 8 != 4))
		return;

	/* NAT flow: the reply as it arrives to the translated side. */
	fl->f_nat = i % 8 == 0 ? NPFCT_NAT_OUT : NPFCT_NAT_IN;
	fl->f_tport = rte_cpu_to_be_16(tport);
	addr_set(af, tad, &fl->f_taddr);
	xb = bk;
	if (fl->f_nat == NPFCT_NAT_OUT) {
		/* Source translated: replies come to taddr:tport. */
		xb.dst = tad;
		xb.dport = tport;
	} else {
		/* Destination translated: replies come from taddr:tport. */
		xb.src = tad;
		xb.sport = tport;
	}
	fl->f_m[PKT_XBACK] = test_pkt_build(&xb);
}

/*
 * Datapath lcores.
 */

/* A connection pointer held until the burst's quiescent state. */
struct held {
	struct npfct_conn *con;
	uint32_t	flow;
	int		di;
};

struct burst {
	unsigned int	n[BURST_NDIR];
	struct rte_mbuf	*m[BURST_NDIR][BURST];
	uint32_t	flow[BURST_NDIR][BURST];
	uint8_t		kind[BURST_NDIR][BURST];	/* PKT_* */
	struct npfct_pkt pkts[BURST_NDIR][BURST];
	struct npfct_conn *conns[BURST_NDIR][BURST];
	uint8_t		verdicts[BURST_NDIR][BURST];
	unsigned int	nheld;
	struct held	held[2 * BURST];
};

static inline void
hold(struct burst *b, struct npfct_conn *con, uint32_t flow, int di)
{
	RTE_ASSERT(b->nheld < RTE_DIM(b->held));
	b->held[b->nheld].con = con;
	b->held[b->nheld].flow = flow;
	b->held[b->nheld].di = di;
	b->nheld++;
}

/*
 * pick_flow: a flow of the hot window (moving with the clock), or any
 * flow one time in UNIFORM_ONE_IN: the flows left behind go idle and
 * time out.
 */
static inline uint32_t
pick_flow(struct npfct *ct, uint64_t r)
{
	const uint64_t sec = npfct_clock_now(ct) / NSEC;

	if (r % UNIFORM_ONE_IN == 0)
		return (uint32_t)((r >> 8) % NFLOWS);
	return (uint32_t)((sec * HOT_STEP + (r >> 8) % HOT_FLOWS) % NFLOWS);
}

static void
burst_fill(struct worker *w, struct npfct *ct, struct burst *b)
{
	unsigned int k;

	b->n[BURST_OUT] = b->n[BURST_IN] = 0;
	b->nheld = 0;
	for (k = 0; k < BURST; k++) {
		const uint64_t r = rnd_next(&w->rnd);
		const uint32_t f = pick_flow(ct, r);
		const struct flow *fl = &S->flows[f];
		const unsigned int sel = (unsigned int)(r >> 40) & 7;
		unsigned int d, kind, n;

		if (sel < 4) {
			d = BURST_OUT;
			kind = PKT_FORW;
		} else {
			d = BURST_IN;
			kind = (sel == 7 && fl->f_m[PKT_XBACK] != NULL) ?
			    PKT_XBACK : PKT_BACK;
		}
		n = b->n[d]++;
		b->m[d][n] = fl->f_m[kind];
		b->flow[d][n] = f;
		b->kind[d][n] = (uint8_t)kind;
	}
}

/*
 * worker_setnat: associate a new NAT entry with a connection.
 *
 * => The handle moves to the connection on success; the caller frees
 *    it otherwise.
 */
static void
worker_setnat(struct worker *w, struct npfct *ct,
		const struct npfct_pkt *pkt, struct npfct_conn *con, uint32_t f)
{
	const struct flow *fl = &S->flows[f];
	const bool shared = (rnd_next(&w->rnd) & 15) == 0;
	struct handle *h = handle_new(&S->nat, HANDLE_NAT, f);
	int ret;

	if (h == NULL)
		return;
	ret = npfct_conn_setnat(ct, pkt, con, h, fl->f_nat,
	    shared ? &S->shared_taddr[fl->f_alen == 16] : &fl->f_taddr,
	    shared ? S->shared_tport : fl->f_tport);
	switch (ret) {
	case 0:
		__atomic_fetch_add(&S->nat.attached, 1, __ATOMIC_RELAXED);
		w->setnat_ok++;
		return;
	case -EISCONN:
		w->setnat_eisconn++;
		break;
	case -EINVAL:
		/* The connection got expired (G/C, flush, a worker). */
		w->setnat_einval++;
		break;
	case -ENOSPC:
		w->setnat_enospc++;
		break;
	default:
		w->setnat_other++;
		break;
	}
	handle_caller_free(&S->nat, h);
}

/*
 * worker_establish: establish a connection for a missed packet.
 *
 * => The connection is held for the late touch; it may have been
 *    expired, never activated.
 */
static void
worker_establish(struct worker *w, struct npfct *ct, struct burst *b,
		unsigned int d, unsigned int i)
{
	const int di = d == BURST_OUT ? NPFCT_DIR_OUT : NPFCT_DIR_IN;
	const uint32_t f = b->flow[d][i];
	const struct flow *fl = &S->flows[f];
	const struct npfct_pkt *pkt = &b->pkts[d][i];
	const uint64_t r = rnd_next(&w->rnd);
	struct npfct_conn *con;
	struct handle *h;

	/* Replies establish one time in two, translated ones in four. */
	if (d == BURST_IN &&
	    (r >> 60) >= (b->kind[d][i] == PKT_XBACK ? 4u : 8u))
		return;
	con = npfct_conn_establish(ct, pkt, di, (r & 3) == 0);
	if (con == NULL) {
		switch (rte_errno) {
		case EEXIST:
			w->est_eexist++;
			break;
		case ENOSPC:
			w->est_enospc++;
			if (pkt->alen == 16)
				w->est_enospc6++;
			break;
		case EPROTO:
			/* TCP: a reply (SYN-ACK) cannot open a connection. */
			w->est_eproto++;
			break;
		default:
			w->est_other++;
			break;
		}
		return;
	}
	w->established++;

	/* A rule procedure one time in four. */
	if (((r >> 8) & 3) == 0 &&
	    (h = handle_new(&S->rproc, HANDLE_RPROC, f)) != NULL) {
		if (npfct_conn_setpass(con, h) == 0) {
			__atomic_fetch_add(&S->rproc.attached, 1,
			    __ATOMIC_RELAXED);
		} else {
			w->bad_conn++;	/* a new connection is not busy */
			handle_caller_free(&S->rproc, h);
		}
	}
	/* NAT for forwards packets of NAT flows, three times in four. */
	if (d == BURST_OUT && fl->f_nat != 0 && ((r >> 16) & 3) != 0)
		worker_setnat(w, ct, pkt, con, f);
	/*
	 * The NAT engine for the other IPv4 flows, one time in two: its
	 * small pool runs out, and both lcores allocate at once.
	 */
	else if (d == BURST_OUT && fl->f_nat == 0 && pkt->alen == 4 &&
	    ((r >> 40) & 1) == 0)
		switch (npfct_nat_establish(ct, pkt, con, di)) {
		case 1:
			w->nat_bound++;
			break;
		case 0:
			break;
		case -EADDRNOTAVAIL:
		case -ENOSPC:
			w->nat_refused++;	/* expired: never activated */
			break;
		case -EINVAL:
			/* A flush or load expired it meanwhile. */
			w->nat_einval++;
			break;
		default:
			w->nat_other++;
			break;
		}
	/* Expire before activation, or right after it, sometimes. */
	if (((r >> 24) & 63) == 0) {
		npfct_conn_expire(con);
		w->expired++;
	}
	npfct_conn_release(con);
	if (((r >> 32) & 63) == 0) {
		npfct_conn_expire(con);
		w->expired++;
	}
	hold(b, con, f, di);
}

/*
 * worker_matched: a packet found its connection.
 *
 * => One forwards packet of a NAT flow in sixteen whose connection has
 *    no NAT entry sets one (as npf_do_nat() does on an existing
 *    connection): both datapath lcores may race for it.
 */
static void
worker_matched(struct worker *w, struct npfct *ct, struct burst *b,
		unsigned int d, unsigned int i)
{
	const int di = d == BURST_OUT ? NPFCT_DIR_OUT : NPFCT_DIR_IN;
	struct npfct_conn *con = b->conns[d][i];
	const uint32_t f = b->flow[d][i];
	const uint64_t r = rnd_next(&w->rnd);
	bool forw;

	hold(b, con, f, di);
	if (d == BURST_OUT && S->flows[f].f_nat != 0 && (r & 15) == 0 &&
	    npfct_conn_retnat(con, di, &forw) == NULL && forw)
		worker_setnat(w, ct, &b->pkts[d][i], con, f);
	if (((r >> 8) & 511) == 0) {
		npfct_conn_expire(con);
		w->expired++;
	}
}

/*
 * worker_touch: use every connection pointer of the burst, late.
 *
 * => Before the quiescent state: each pointer must still be the same
 *    connection, allocated.  A connection freed meanwhile is poisoned
 *    (ASan: use-after-poison); one reused has another protocol or
 *    handles of another flow.
 */
static void
worker_touch(struct worker *w, struct burst *b)
{
	unsigned int k;

	for (k = 0; k < b->nheld; k++) {
		struct npfct_conn *con = b->held[k].con;
		const uint32_t f = b->held[k].flow;
		const struct flow *fl = &S->flows[f];
		void *rproc = NULL, *nat;
		const char *st;
		bool forw;

		if (npfct_conn_pass(con, &rproc) &&
		    (rproc == NULL || !handle_check(rproc, HANDLE_RPROC, f)))
			w->bad_handle++;
		nat = npfct_conn_retnat(con, b->held[k].di, &forw);
		if (nat != NULL && !handle_check(nat, HANDLE_NAT, f))
			w->bad_handle++;
		st = npfct_conn_state_name(con);
		if (st == NULL || st[0] == '?')
			w->bad_conn++;
		if (npfct_conn_proto(con) != fl->f_proto)
			w->bad_conn++;
		/* Writes: a no-op release, and a rare expiry. */
		npfct_conn_release(con);
		if ((rnd_next(&w->rnd) & 1023) == 0) {
			npfct_conn_expire(con);
			w->expired++;
		}
		w->touched++;
	}
}

static int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct npfct *ct = S->ct;
	struct burst *b;
	unsigned int d, i;

	b = malloc(sizeof(*b));
	if (b == NULL) {
		w->est_other++;
		return -ENOMEM;
	}
	npfct_thread_register();
	while (!__atomic_load_n(&S->stop, __ATOMIC_RELAXED)) {
		burst_fill(w, ct, b);
		for (d = 0; d < BURST_NDIR; d++) {
			if (b->n[d] == 0)
				continue;
			w->matches += npfct_inspect_burst(ct, b->m[d],
			    b->pkts[d], (uint16_t)b->n[d],
			    d == BURST_OUT ? NPFCT_DIR_OUT : NPFCT_DIR_IN,
			    b->conns[d], b->verdicts[d]);
			w->packets += b->n[d];
		}
		/* Both bursts' pointers are held across what follows. */
		for (d = 0; d < BURST_NDIR; d++) {
			for (i = 0; i < b->n[d]; i++) {
				switch (b->verdicts[d][i]) {
				case NPFCT_V_MATCH:
				case NPFCT_V_RELATED:
					worker_matched(w, ct, b, d, i);
					break;
				case NPFCT_V_MISS:
					w->misses++;
					worker_establish(w, ct, b, d, i);
					break;
				case NPFCT_V_INVALID:
					w->invalid++;
					break;
				default:
					break;
				}
			}
		}
		/* Widen the window in which a premature free would hit. */
		if (w->spin_us != 0)
			rte_delay_us_block(w->spin_us);
		worker_touch(w, b);
		npfct_quiescent();
		w->bursts++;

		if (rnd_next(&w->rnd) % OFFLINE_EVERY == 0) {
			npfct_thread_offline();
			rte_delay_us_sleep(20 + rnd_next(&w->rnd) % 200);
			npfct_thread_online();
			w->offline++;
		}
	}
	npfct_thread_offline();
	npfct_thread_unregister();
	free(b);
	return 0;
}

/*
 * The G/C lcore: a service lcore running the instance's G/C service.
 */
static void
gc_service_start(struct gc_worker *g, struct npfct *ct)
{
	const struct npfct_gc_params gp = {
		.step = 256, .interval_min_ms = 1, .interval_max_ms = 20,
		.early_drop = 64,
	};

	assert_int_equal(npfct_gc_params_set(ct, &gp), 0);
	assert_int_equal(npfct_gc_service_id(ct, &g->service), 0);
	assert_int_equal(rte_service_lcore_add(g->lcore), 0);
	assert_int_equal(rte_service_map_lcore_set(g->service, g->lcore, 1),
	    0);
	assert_int_equal(rte_service_set_stats_enable(g->service, 1), 0);
	assert_int_equal(rte_service_runstate_set(g->service, 1), 0);
	assert_int_equal(rte_service_lcore_start(g->lcore), 0);
}

static void
gc_service_stop(struct gc_worker *g)
{
	unsigned int i;

	rte_service_attr_get(g->service, RTE_SERVICE_ATTR_CALL_COUNT,
	    &g->calls);
	assert_int_equal(rte_service_runstate_set(g->service, 0), 0);
	for (i = 0; i < 10000 && rte_service_may_be_active(g->service) == 1;
	    i++)
		rte_delay_us_sleep(100);
	assert_int_not_equal(rte_service_may_be_active(g->service), 1);
	assert_int_equal(rte_service_lcore_stop(g->lcore), 0);
	assert_int_equal(rte_service_map_lcore_set(g->service, g->lcore, 0),
	    0);
	assert_int_equal(rte_service_lcore_del(g->lcore), 0);
}

/*
 * Export the connections while the datapath runs, and import them into
 * the side instance, which must take every record.
 */
static void
export_round(struct gc_worker *g, struct npfct *ct, struct npfct *side)
{
	size_t size = npfct_export_size(ct) + 256 * 160;
	void *buf = malloc(size);
	ssize_t len;
	int n;

	assert_non_null(buf);
	len = npfct_export(ct, buf, size);
	if (len == -ENOSPC) {
		free(buf);
		return;		/* grew meanwhile: next time */
	}
	if (len < 32) {
		g->errors++;
		free(buf);
		return;
	}
	n = npfct_import(side, NULL, buf, (size_t)len, NULL);
	if (n != (len - 32) / 160) {
		printf("stress: import of %zd records returned %d\n",
		    (len - 32) / 160, n);
		g->errors++;
	}
	g->exports++;
	g->exported += (uint64_t)(n > 0 ? n : 0);
	if (npfct_flush(side) != n)
		g->errors++;
	free(buf);
}

/*
 * Setup and teardown: the instance and the flows.
 */

static int
stress_setup(void **state)
{
	static const uint32_t timeouts[NPFCT_TIMEOUT_MAX] = {
		[NPFCT_TIMEOUT_GENERIC_NEW] = 2,
		[NPFCT_TIMEOUT_GENERIC_ESTABLISHED] = 3,
		[NPFCT_TIMEOUT_TCP_NEW] = 2,
		[NPFCT_TIMEOUT_TCP_ESTABLISHED] = 4,
		[NPFCT_TIMEOUT_TCP_HALF_CLOSE] = 3,
		[NPFCT_TIMEOUT_TCP_CLOSE] = 1,
		[NPFCT_TIMEOUT_TCP_TIME_WAIT] = 2,
	};
	struct npfct_params p;
	uint64_t rnd;
	unsigned int i;

	S = aligned_alloc(RTE_CACHE_LINE_SIZE,
	    RTE_ALIGN_CEIL(sizeof(*S), RTE_CACHE_LINE_SIZE));
	assert_non_null(S);
	memset(S, 0, sizeof(*S));
	memset(&p, 0, sizeof(p));
	p.name = "stress";
	p.socket_id = SOCKET_ID_ANY;
	p.max_conns = MAX_CONNS4;
	p.max_conns6 = MAX_CONNS6;
	p.timeouts = timeouts;
	p.nat_release = nat_release_cb;
	p.rproc_release = rproc_release_cb;
	p.release_arg = S;
	/* tests/meson.build's "+acct" run: with accounting. */
	if (getenv("NPFCT_TEST_FLAGS") != NULL)
		p.flags = (uint32_t)strtoul(getenv("NPFCT_TEST_FLAGS"), NULL,
		    0);
	S->ct = npfct_create(&p);
	assert_non_null(S->ct);
	{
		/* Every IPv4 source, to 4 addresses x 32 ports. */
		const struct npfct_nat_policy_conf masq = {
			.type = NPFCT_NAT_SNAT, .match_plen = 0,
			.pool_first.v4 = RTE_BE32(0xc6120001),
			.pool_last.v4 = RTE_BE32(0xc6120004),
			.port_min = 40000, .port_max = 40031,
		};

		assert_true(npfct_nat_policy_add(S->ct, &masq) >= 0);
	}
	npfct_clock_manual(S->ct, 1000 * NSEC);

	/* Flows and lcore seeds (not the interleavings) are reproducible. */
	rnd = getenv("NPFCT_STRESS_SEED") != NULL ?
	    strtoull(getenv("NPFCT_STRESS_SEED"), NULL, 0) : 0;
	if (rnd == 0)
		rnd = rte_rand() | 1;
	printf("stress: seed %" PRIu64 "\n", rnd);
	for (i = 0; i < NFLOWS; i++)
		flow_build(&S->flows[i], i, &rnd);
	addr_set(AF_INET, "100.127.255.254", &S->shared_taddr[0]);
	addr_set(AF_INET6, "2001:db8:64::ffff:fffe", &S->shared_taddr[1]);
	S->shared_tport = rte_cpu_to_be_16(7777);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		S->workers[i].rnd = rnd_next(&rnd) | 1;
	*state = S;
	return 0;
}

static int
stress_teardown(void **state)
{
	unsigned int i, k;

	(void)state;
	if (S == NULL)
		return 0;
	npfct_destroy(S->ct);
	for (i = 0; i < NFLOWS; i++)
		for (k = 0; k < PKT_MAX; k++)
			rte_pktmbuf_free(S->flows[i].f_m[k]);
	free(S);
	S = NULL;
	return 0;
}

/*
 * The test.
 */

static void
stress_report(double secs, const struct npfct_stats *st)
{
	uint64_t packets = 0, matches = 0, expired = 0, touched = 0;
	uint64_t offline = 0;
	unsigned int k;

	for (k = 0; k < S->nworkers; k++) {
		const struct worker *w = &S->workers[k];

		packets += w->packets;
		matches += w->matches;
		expired += w->expired;
		touched += w->touched;
		offline += w->offline;
		printf("stress: lcore %u: bursts %" PRIu64 " packets %" PRIu64
		    " match %" PRIu64 " miss %" PRIu64 " invalid %" PRIu64
		    " est %" PRIu64 " eexist %" PRIu64 " enospc %" PRIu64
		    " (ip6 %" PRIu64 ") eproto %" PRIu64
		    " setnat ok %" PRIu64 " eisconn %" PRIu64 " einval %"
		    PRIu64 " enospc %" PRIu64 " nat-engine bound %" PRIu64
		    " refused %" PRIu64 " einval %" PRIu64 " expired %" PRIu64
		    " offline %" PRIu64 "\n", w->lcore, w->bursts,
		    w->packets, w->matches, w->misses, w->invalid,
		    w->established, w->est_eexist, w->est_enospc,
		    w->est_enospc6, w->est_eproto,
		    w->setnat_ok, w->setnat_eisconn, w->setnat_einval,
		    w->setnat_enospc, w->nat_bound, w->nat_refused,
		    w->nat_einval, w->expired, w->offline);
	}
	printf("stress: gc service lcore %u: calls %" PRIu64 "; control: "
	    "flushes %" PRIu64 " destroyed %" PRIu64 " exports %" PRIu64
	    " (%" PRIu64 " connections)\n", S->gc.lcore, S->gc.calls,
	    S->gc.flushes, S->gc.destroyed, S->gc.exports, S->gc.exported);
	printf("stress: %.1f s, %u datapath lcores: packets %" PRIu64
	    " matched %" PRIu64 " touched %" PRIu64 " created %" PRIu64
	    " destroyed %" PRIu64 " races %" PRIu64 " (conn %" PRIu64
	    ", nat %" PRIu64 ") table-full %" PRIu64 " gc-expired %" PRIu64
	    " nat %" PRIu64 "/%" PRIu64 " rproc %" PRIu64 "/%" PRIu64
	    " (attached/released) expired %" PRIu64 " offline %" PRIu64
	    "\n", secs, S->nworkers, packets, matches, touched,
	    st->count[NPFCT_STAT_CONN_CREATE],
	    st->count[NPFCT_STAT_CONN_DESTROY],
	    st->count[NPFCT_STAT_RACE_CONN] + st->count[NPFCT_STAT_RACE_NAT],
	    st->count[NPFCT_STAT_RACE_CONN], st->count[NPFCT_STAT_RACE_NAT],
	    st->count[NPFCT_STAT_TABLE_FULL],
	    st->count[NPFCT_STAT_GC_EXPIRED],
	    S->nat.attached, S->nat.released,
	    S->rproc.attached, S->rproc.released, expired, offline);
	fflush(stdout);
}

static void
check_handles(const char *what, const struct handle_counts *hc)
{
	if (hc->attached != hc->released ||
	    hc->alloc != hc->attached + hc->caller_freed)
		fail_msg("%s handles: alloc %" PRIu64 " attached %" PRIu64
		    " released %" PRIu64 " freed by caller %" PRIu64, what,
		    hc->alloc, hc->attached, hc->released, hc->caller_freed);
}

/* The instance the exports are imported into. */
static struct npfct *
test_side_create(void)
{
	struct npfct_params p = {
		.name = "stress_side", .socket_id = SOCKET_ID_ANY,
		/* Room for what the pools' lcore caches add. */
		.max_conns = 2 * MAX_CONNS4, .max_conns6 = 2 * MAX_CONNS6,
		.cache_size = 1,
	};
	struct npfct *side = npfct_create(&p);

	assert_non_null(side);
	return side;
}

static void
test_stress_reclaim(void **state)
{
	struct stress *s = *state;
	struct npfct *ct = s->ct;
	const double secs = env_double("NPFCT_STRESS_SECONDS",
	    STRESS_SECONDS);
	const unsigned int spin = (unsigned int)env_double(
	    "NPFCT_STRESS_SPIN_US", STRESS_SPIN_US);
	const uint64_t hz = rte_get_timer_hz();
	uint64_t start, deadline, clock_ns = npfct_clock_now(ct);
	unsigned int lcore, last = RTE_MAX_LCORE, k, tick;
	struct npfct_stats st;
	struct npfct *side;
	int load_err = 0, ret;

	/* Two datapath lcores at least, and the G/C lcore. */
	if (rte_lcore_count() < 4)
		fail_msg("stress: needs 4 lcores, %u available",
		    rte_lcore_count());
	/* Every worker lcore is a datapath lcore, except the last: G/C. */
	RTE_LCORE_FOREACH_WORKER(lcore)
		last = lcore;
	s->gc.lcore = last;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct worker *w;

		if (lcore == last)
			continue;
		w = &s->workers[s->nworkers++];
		w->lcore = lcore;
		w->spin_us = spin;
	}

	side = test_side_create();
	gc_service_start(&s->gc, ct);
	for (k = 0; k < s->nworkers; k++)
		assert_int_equal(rte_eal_remote_launch(worker_main,
		    &s->workers[k], s->workers[k].lcore), 0);

	/* Control thread: the clock, loads, flushes and exports. */
	start = rte_get_timer_cycles();
	deadline = start + (uint64_t)(secs * (double)hz);
	for (tick = 1; rte_get_timer_cycles() < deadline; tick++) {
		rte_delay_us_sleep(TICK_MS * 1000);
		clock_ns += NSEC;
		if (tick % CLOCK_JUMP_TICKS == 0)
			clock_ns += CLOCK_JUMP_S * NSEC;
		npfct_clock_set(ct, clock_ns);
		if (tick % LOAD_TICKS == 0) {
			ret = npfct_load(ct, NULL, true);
			if (ret != 0 && load_err == 0)
				load_err = ret;
		}
		if (tick % FLUSH_TICKS == 0) {
			ret = npfct_flush(ct);
			if (ret < 0)
				s->gc.errors++;
			else
				s->gc.destroyed += (uint64_t)ret;
			s->gc.flushes++;
		}
		if (tick % EXPORT_TICKS == 0)
			export_round(&s->gc, ct, side);
	}

	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	for (k = 0; k < s->nworkers; k++)
		assert_int_equal(rte_eal_wait_lcore(s->workers[k].lcore), 0);
	gc_service_stop(&s->gc);
	npfct_destroy(side);

	/* Everything left goes now. */
	assert_true(npfct_flush(ct) >= 0);
	assert_int_equal(npfct_stats_get(ct, &st), 0);
	stress_report((double)(rte_get_timer_cycles() - start) / (double)hz,
	    &st);

	/*
	 * A connection reused under a reader shows in the readers' checks
	 * when ASan did not see it (the object was unpoisoned again by its
	 * new owner first): say so in one line that tests/expect_asan.sh
	 * recognises for test_stress_broken.
	 */
	for (k = 0; k < s->nworkers; k++) {
		const struct worker *w = &s->workers[k];

		if (w->bad_conn != 0 || w->bad_handle != 0)
			printf("stress: connection reused under a reader: "
			    "lcore %u bad_conn %" PRIu64 " bad_handle %"
			    PRIu64 "\n", w->lcore, w->bad_conn,
			    w->bad_handle);
	}
	if (s->release_bad != 0)
		printf("stress: connection reused under a reader: "
		    "release_bad %" PRIu64 "\n", s->release_bad);

	assert_int_equal(load_err, 0);
	assert_int_equal(s->gc.errors, 0);
	/* The G/C service ran, and so did the exports. */
	assert_true(s->gc.calls > 0);
	assert_true(s->gc.exports > 0);
	assert_true(st.count[NPFCT_STAT_GC_EXPIRED] > 0);
	for (k = 0; k < s->nworkers; k++) {
		const struct worker *w = &s->workers[k];

		assert_int_equal(w->bad_conn, 0);
		assert_int_equal(w->bad_handle, 0);
		assert_int_equal(w->est_other, 0);
		assert_int_equal(w->setnat_other, 0);
		assert_int_equal(w->nat_other, 0);
		/* The load actually ran. */
		assert_true(w->matches > 0);
		assert_true(w->established > 0);
	}
	assert_int_equal(s->release_bad, 0);
	assert_int_equal(npfct_count(ct), 0);
	assert_true(st.count[NPFCT_STAT_CONN_CREATE] > 0);
	assert_int_equal(st.count[NPFCT_STAT_CONN_CREATE],
	    st.count[NPFCT_STAT_CONN_DESTROY]);
	check_handles("NAT", &s->nat);
	check_handles("rproc", &s->rproc);
	assert_true(s->nat.attached > 0);
	assert_true(s->rproc.attached > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stress_reclaim,
		    stress_setup, stress_teardown),
	};

	return cmocka_run_group_tests_name("stress", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
