/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the G/C and database replacement (src/gc.c, src/instance.c,
 * src/filter.c): expiry by timeout with the driven clock, explicit expiry,
 * flush, flush by filter, load of a new database, a full table, and the
 * balance of created and destroyed connections.  The incremental steps
 * and the G/C service are in test_gc_service.c.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_cycles.h>
#include <rte_pause.h>

#include "npfct_impl.h"
#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

static struct rte_mbuf *
flow(unsigned int i, bool reply)
{
	char a[32];

	snprintf(a, sizeof(a), "10.%u.%u.%u", (i >> 16) & 0xff,
	    (i >> 8) & 0xff, i & 0xff);
	return reply ? test_pkt_udp4("192.0.2.1", 53, a, 1024) :
	    test_pkt_udp4(a, 1024, "192.0.2.1", 53);
}

static void
establish_flows(struct npfct *ct, unsigned int first, unsigned int n)
{
	unsigned int i;

	for (i = first; i < first + n; i++) {
		struct rte_mbuf *m = flow(i, false);

		assert_non_null(test_ct_establish(ct, m, NPFCT_DIR_OUT,
		    false));
		rte_pktmbuf_free(m);
	}
}

static void
answer_flows(struct npfct *ct, unsigned int first, unsigned int n)
{
	unsigned int i;

	for (i = first; i < first + n; i++) {
		struct rte_mbuf *m = flow(i, true);

		assert_non_null(test_ct_inspect(ct, m, NPFCT_DIR_IN, NULL));
		rte_pktmbuf_free(m);
	}
}

static void
assert_balanced(struct npfct *ct)
{
	assert_int_equal(npfct_count(ct), 0);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_CONN_CREATE),
	    test_ct_stat(ct, NPFCT_STAT_CONN_DESTROY));
}

/*
 * Flush by filter: a fixed set of connections (fconns[]) and, per filter,
 * the set it destroys (bit i: fconns[i]).  Every connection carries a
 * rule procedure; FC_NAT also a NAT entry, with its source translated to
 * 203.0.113.1:61000.
 */
#define FC_NAT		14
#define B(i)		(1u << (i))
#define FC_V6		(B(9) | B(10) | B(11) | B(12) | B(13))
#define FC_V4		(B(0) | B(1) | B(2) | B(3) | B(4) | B(5) | B(6) | \
			 B(7) | B(8) | B(FC_NAT))
#define FC_UDP		(B(0) | B(1) | B(4) | B(6) | B(7) | B(8) | \
			 FC_V6 | B(FC_NAT))

#define UDP4(s, sp, d, dp) \
	.af = AF_INET, .proto = IPPROTO_UDP, .src = (s), .sport = (sp), \
	.dst = (d), .dport = (dp), .wscale = -1
#define UDP6(s, sp) \
	.af = AF_INET6, .proto = IPPROTO_UDP, .src = (s), .sport = (sp), \
	.dst = "2001:db8:ff::1", .dport = 443, .wscale = -1
#define SYN4(s, sp, d, dp) \
	.af = AF_INET, .proto = IPPROTO_TCP, .src = (s), .sport = (sp), \
	.dst = (d), .dport = (dp), .tcp_flags = NPFCT_TH_SYN, .seq = 1, \
	.win = 65535, .wscale = -1

static const struct fconn {
	struct test_pkt_spec	spec;	/* the first packet */
	int			di;
	bool			per_if;
} fconns[] = {
	/* 0 */ { { UDP4("10.1.1.1", 40000, "192.0.2.1", 53) },
		  NPFCT_DIR_OUT, false },
	/* 1 */ { { UDP4("10.1.2.1", 40001, "192.0.2.1", 53) },
		  NPFCT_DIR_OUT, false },
	/* 2 */ { { SYN4("10.1.1.200", 40002, "198.51.100.1", 80) },
		  NPFCT_DIR_OUT, false },
	/* 3: inbound, 10.1.1.5 is the destination */
		{ { SYN4("198.51.100.7", 5000, "10.1.1.5", 22) },
		  NPFCT_DIR_IN, false },
	/* 4: 53 is the source port */
		{ { UDP4("10.2.0.1", 53, "192.0.2.2", 7777) },
		  NPFCT_DIR_OUT, false },
	/* 5: ICMP echo, query id 53 */
		{ { .af = AF_INET, .proto = IPPROTO_ICMP, .src = "10.3.0.1",
		    .dst = "192.0.2.3", .icmp_type = 8, .icmp_id = 53,
		    .wscale = -1 }, NPFCT_DIR_OUT, false },
	/* 6, 7: bound to interfaces 1 and 2; 8: global, seen on 1 */
		{ { UDP4("10.4.0.1", 40003, "192.0.2.4", 123), .port = 1 },
		  NPFCT_DIR_OUT, true },
		{ { UDP4("10.4.0.2", 40004, "192.0.2.4", 123), .port = 2 },
		  NPFCT_DIR_OUT, true },
		{ { UDP4("10.4.0.3", 40005, "192.0.2.4", 123), .port = 1 },
		  NPFCT_DIR_OUT, false },
	/* 9-13: IPv6; the fourth group is 0x8, 0xf, 0x10, 0x7, 0x108 */
		{ { UDP6("2001:db8:0:8::1", 40006) }, NPFCT_DIR_OUT, false },
		{ { UDP6("2001:db8:0:f::1", 40007) }, NPFCT_DIR_OUT, false },
		{ { UDP6("2001:db8:0:10::1", 40008) }, NPFCT_DIR_OUT, false },
		{ { UDP6("2001:db8:0:7::1", 40009) }, NPFCT_DIR_OUT, false },
		{ { UDP6("2001:db8:0:108::1", 40010) }, NPFCT_DIR_OUT, false },
	/* 14 (FC_NAT): outbound NAT */
		{ { UDP4("10.9.0.9", 40011, "192.0.2.9", 53) },
		  NPFCT_DIR_OUT, false },
};

/* A filter case: the filter (address as a string, port in host order)
 * and the connections it destroys. */
struct fcase {
	const char	*what;
	uint32_t	fields;
	uint8_t		proto;
	uint8_t		alen;
	uint8_t		plen;
	const char	*addr;
	uint16_t	port;
	uint16_t	ifid;
	uint32_t	flushed;
};

static int fc_rproc, fc_nat;

static void
fconns_establish(void)
{
	union npfct_addr ta;
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	unsigned int i;

	for (i = 0; i < RTE_DIM(fconns); i++) {
		const struct fconn *fc = &fconns[i];
		struct rte_mbuf *m = test_pkt_build_parsed(&fc->spec, &pkt);

		con = npfct_conn_establish(test_ct, &pkt, fc->di, fc->per_if);
		assert_non_null(con);
		assert_int_equal(npfct_conn_setpass(con, &fc_rproc), 0);
		if (i == FC_NAT) {
			memset(&ta, 0, sizeof(ta));
			assert_int_equal(inet_pton(AF_INET, "203.0.113.1",
			    &ta), 1);
			assert_int_equal(npfct_conn_setnat(test_ct, &pkt, con,
			    &fc_nat, NPFCT_NAT_OUT, &ta, htons(61000)), 0);
		}
		npfct_conn_release(con);
		rte_pktmbuf_free(m);
	}
}

/* Whether fconns[i] still has its connection (no state inspection). */
static bool
fconn_found(unsigned int i)
{
	struct npfct_pkt pkt;
	struct rte_mbuf *m = test_pkt_build_parsed(&fconns[i].spec, &pkt);
	bool forw, found;

	found = npfct_conn_lookup(test_ct, &pkt, fconns[i].di, &forw) != NULL;
	rte_pktmbuf_free(m);
	return found;
}

static void
fcase_filter(const struct fcase *c, struct npfct_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->fields = c->fields;
	f->proto = c->proto;
	f->alen = c->alen;
	f->plen = c->plen;
	if (c->addr != NULL)
		assert_int_equal(inet_pton(c->alen == 4 ? AF_INET : AF_INET6,
		    c->addr, &f->addr), 1);
	f->port = htons(c->port);
	f->ifid = c->ifid;
}

/*
 * fcases_run: for each case, establish fconns[], flush by the filter and
 * check what is left and which release callbacks ran.
 */
static void
fcases_run(const struct fcase *cases, unsigned int n)
{
	const unsigned int total = RTE_DIM(fconns);
	struct npfct_filter f;
	unsigned int k, i, nflushed;
	uint64_t rproc0, nat0;
	int ret;

	for (k = 0; k < n; k++) {
		const struct fcase *c = &cases[k];

		fconns_establish();
		assert_int_equal(npfct_count(test_ct), total);
		rproc0 = test_ct_rproc_released;
		nat0 = test_ct_nat_released;
		fcase_filter(c, &f);
		nflushed = (unsigned int)__builtin_popcount(c->flushed);
		ret = npfct_flush_filter(test_ct, &f);
		if (ret != (int)nflushed)
			fail_msg("%s: destroyed %d, want %u", c->what, ret,
			    nflushed);
		for (i = 0; i < total; i++)
			if (fconn_found(i) != !(c->flushed & B(i)))
				fail_msg("%s: connection %u %s", c->what, i,
				    (c->flushed & B(i)) ? "survived" :
				    "destroyed");
		/* Release callbacks ran for the destroyed ones only. */
		assert_int_equal(test_ct_rproc_released - rproc0, nflushed);
		assert_int_equal(test_ct_nat_released - nat0,
		    (c->flushed & B(FC_NAT)) ? 1 : 0);
		assert_int_equal(npfct_count(test_ct), total - nflushed);
		assert_int_equal(npfct_flush(test_ct), total - nflushed);
		assert_int_equal(test_ct_rproc_released - rproc0, total);
	}
	assert_balanced(test_ct);
}

/*
 * Error paths.
 */

static void
test_gc_bad_args(void **state)
{
	(void)state;
	assert_int_equal(npfct_gc(NULL), -EINVAL);
	assert_int_equal(npfct_flush(NULL), -EINVAL);
	assert_int_equal(npfct_load(NULL, NULL, true), -EINVAL);
	assert_int_equal(npfct_timeout_set(test_ct, NPFCT_TIMEOUT_MAX, 1),
	    -EINVAL);
	assert_int_equal(npfct_timeout_set(test_ct, NPFCT_TIMEOUT_TCP_NEW,
	    31 * 86400), -EINVAL);
	assert_int_equal(npfct_timeout_get(test_ct, NPFCT_TIMEOUT_MAX),
	    -EINVAL);
	assert_null(npfct_db_create(NULL));
	assert_int_equal(rte_errno, EINVAL);
}

static void
test_load_foreign_db(void **state)
{
	struct npfct *ct2 = test_ct_create("t1", 64);
	struct npfct_db *db;

	(void)state;
	assert_non_null(ct2);
	db = npfct_db_create(ct2);
	assert_non_null(db);
	assert_int_equal(npfct_load(test_ct, db, true), -EINVAL);
	assert_int_equal(npfct_load(ct2, db, true), 0);
	/* Installed: cannot be loaded twice. */
	assert_int_equal(npfct_load(ct2, db, true), -EINVAL);
	npfct_destroy(ct2);
}

static void
test_flush_filter_bad_filter(void **state)
{
	static const struct {
		const char *what;
		struct npfct_filter f;
	} bad[] = {
		{ "no field", { .fields = 0 } },
		{ "unknown field", { .fields = 0x20 } },
		{ "known and unknown", { .fields = NPFCT_FILTER_PROTO | 0x80,
		    .proto = IPPROTO_UDP } },
		{ "alen 5", { .fields = NPFCT_FILTER_ADDR, .alen = 5,
		    .plen = 8 } },
		{ "alen 0", { .fields = NPFCT_FILTER_ADDR, .alen = 0 } },
		{ "IPv4 plen 33", { .fields = NPFCT_FILTER_ADDR, .alen = 4,
		    .plen = 33 } },
		{ "IPv6 plen 129", { .fields = NPFCT_FILTER_ADDR, .alen = 16,
		    .plen = 129 } },
		{ "IPv4 plen 33 with a port", { .fields = NPFCT_FILTER_ADDR |
		    NPFCT_FILTER_PORT, .alen = 4, .plen = 33, .port = 1 } },
	};
	/* Valid: the widest prefixes; alen/plen unused without ADDR. */
	const struct npfct_filter good[] = {
		{ .fields = NPFCT_FILTER_ADDR, .alen = 4, .plen = 32 },
		{ .fields = NPFCT_FILTER_ADDR, .alen = 16, .plen = 128 },
		{ .fields = NPFCT_FILTER_PROTO, .proto = IPPROTO_SCTP,
		    .alen = 5, .plen = 200 },
	};
	unsigned int i;
	int ret;

	(void)state;
	establish_flows(test_ct, 0, 5);
	assert_int_equal(npfct_flush_filter(test_ct, NULL), -EINVAL);
	for (i = 0; i < RTE_DIM(bad); i++) {
		ret = npfct_flush_filter(test_ct, &bad[i].f);
		if (ret != -EINVAL)
			fail_msg("%s: %d, not -EINVAL", bad[i].what, ret);
	}
	assert_int_equal(npfct_flush_filter(NULL, &good[0]), -EINVAL);
	for (i = 0; i < RTE_DIM(good); i++)
		assert_int_equal(npfct_flush_filter(test_ct, &good[i]), 0);
	/* Nothing changed. */
	assert_int_equal(npfct_count(test_ct), 5);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY), 0);
	assert_int_equal(npfct_flush(test_ct), 5);
}

static void
test_table_full(void **state)
{
	struct npfct *ct = test_ct_create("small", 16);
	struct npfct_stats st;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	unsigned int n = 0;

	(void)state;
	assert_non_null(ct);
	/* At least max_conns fit; then the table is full. */
	for (;;) {
		m = flow(n, false);
		npfct_pkt_parse(&pkt, m);
		if (npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false) ==
		    NULL) {
			rte_pktmbuf_free(m);
			break;
		}
		rte_pktmbuf_free(m);
		n++;
		assert_true(n < 1000);
	}
	assert_int_equal(rte_errno, ENOSPC);
	/* max_conns is the hard limit (the pool holds more, for caches). */
	assert_int_equal(n, 16);
	assert_int_equal(npfct_count(ct), n);
	npfct_stats_get(ct, &st);
	assert_int_equal(st.count[NPFCT_STAT_TABLE_FULL], 1);
	assert_int_equal(st.count[NPFCT_STAT_CONN_CREATE], n);

	/* Drain: G/C of expired connections frees room. */
	npfct_clock_set(ct, npfct_clock_now(ct) + 31 * 1000000000ull);
	assert_int_equal(npfct_gc_sync(ct), (int)n);
	establish_flows(ct, 0, 16);
	assert_int_equal(npfct_flush(ct), 16);
	assert_balanced(ct);
	npfct_destroy(ct);
}

/* flow6: IPv6 UDP flow i, from 2001:db8:1::i. */
static struct rte_mbuf *
flow6(unsigned int i)
{
	char a[64];

	snprintf(a, sizeof(a), "2001:db8:1::%x", i + 1);
	return test_pkt_udp6(a, 1024, "2001:db8:ff::1", 53);
}

static struct npfct_conn *
establish6(struct npfct *ct, unsigned int i)
{
	struct rte_mbuf *m = flow6(i);
	struct npfct_conn *con = test_ct_establish(ct, m, NPFCT_DIR_OUT,
	    false);

	rte_pktmbuf_free(m);
	return con;
}

/* Whether the outbound packet m (freed) finds a connection. */
static bool
found_out(struct npfct *ct, struct rte_mbuf *m)
{
	struct npfct_pkt pkt;
	bool forw;
	struct npfct_conn *con;

	npfct_pkt_parse(&pkt, m);
	con = npfct_conn_lookup(ct, &pkt, NPFCT_DIR_OUT, &forw);
	rte_pktmbuf_free(m);
	return con != NULL;
}

static bool
found6(struct npfct *ct, unsigned int i)
{
	return found_out(ct, flow6(i));
}

static bool
found4(struct npfct *ct, unsigned int i)
{
	return found_out(ct, flow(i, false));
}

/*
 * Early drop evicts from the family that is short: a full IPv6 pool
 * evicts IPv6 connections, never the IPv4 ones that free no IPv6 room.
 */
static void
test_early_drop_family(void **state)
{
	const struct npfct_gc_params gc = {
		.step = 256, .interval_min_ms = 50, .interval_max_ms = 5000,
		.early_drop = 8,
	};
	struct npfct_params p = {
		.name = "fam", .socket_id = SOCKET_ID_ANY, .max_conns = 64,
		.max_conns6 = 16, .flags = NPFCT_F_FIXED_HASH_SEED, .gc = &gc,
	};
	struct npfct *ct = npfct_create(&p);
	unsigned int i;

	(void)state;
	assert_non_null(ct);
	npfct_clock_manual(ct, TEST_CT_T0 * 1000000000ull);
	/* Older IPv4 embryonic connections, then a full IPv6 pool. */
	establish_flows(ct, 0, 32);
	for (i = 0; i < 16; i++)
		assert_non_null(establish6(ct, i));
	assert_null(establish6(ct, 16));
	assert_int_equal(rte_errno, ENOSPC);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_TABLE_FULL), 1);

	assert_int_equal(npfct_gc(ct), 0);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_EARLY_DROP), 8);
	for (i = 0; i < 32; i++)
		assert_true(found4(ct, i));
	for (i = 0; i < 16; i++)
		assert_int_equal(found6(ct, i), i >= 8);
	/* After the grace period the room is IPv6 room. */
	assert_int_equal(npfct_gc_sync(ct), 8);
	for (i = 16; i < 24; i++)
		assert_non_null(establish6(ct, i));
	assert_null(establish6(ct, 24));
	assert_int_equal(npfct_flush(ct), 32 + 16);
	npfct_destroy(ct);
}

/*
 * max_conns holds under a flood from several lcores: the count never
 * passes it, and exactly max_conns connections are made.
 */
#define FLOOD_MAX	1000
#define FLOOD_PER_LCORE	20000

struct flood {
	struct npfct	*ct;
	unsigned int	base;
	uint32_t	made;
	uint32_t	refused;
};

static int
flood_lcore(void *arg)
{
	struct flood *f = arg;
	unsigned int i;

	npfct_thread_register();
	for (i = 0; i < FLOOD_PER_LCORE; i++) {
		struct rte_mbuf *m = flow(f->base + i, false);
		struct npfct_conn *con;
		struct npfct_pkt pkt;

		/* No cmocka off the main thread: count, check later. */
		npfct_pkt_parse(&pkt, m);
		con = npfct_conn_establish(f->ct, &pkt, NPFCT_DIR_OUT, false);
		if (con != NULL) {
			npfct_conn_release(con);
			f->made++;
		} else {
			f->refused++;
		}
		rte_pktmbuf_free(m);
		if (i % 64 == 0)
			npfct_quiescent();
	}
	npfct_thread_unregister();
	return 0;
}

static void
test_max_conns_flood(void **state)
{
	struct flood f[RTE_MAX_LCORE];
	struct npfct *ct = test_ct_create("flood", FLOOD_MAX);
	unsigned int lcore, n = 0, made = 0, peak = 0;

	(void)state;
	assert_non_null(ct);
	memset(f, 0, sizeof(f));
	RTE_LCORE_FOREACH_WORKER(lcore) {
		f[n].ct = ct;
		f[n].base = n * FLOOD_PER_LCORE;
		assert_int_equal(rte_eal_remote_launch(flood_lcore, &f[n],
		    lcore), 0);
		n++;
	}
	assert_true(n >= 2);
	for (;;) {
		bool running = false;

		RTE_LCORE_FOREACH_WORKER(lcore)
			running |= rte_eal_get_lcore_state(lcore) != WAIT;
		peak = RTE_MAX(peak, npfct_count(ct));
		if (!running)
			break;
	}
	rte_eal_mp_wait_lcore();
	peak = RTE_MAX(peak, npfct_count(ct));
	for (lcore = 0; lcore < n; lcore++)
		made += f[lcore].made;
	assert_int_equal(made, FLOOD_MAX);
	assert_int_equal(npfct_count(ct), FLOOD_MAX);
	assert_true(peak <= FLOOD_MAX);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_CONN_CREATE), FLOOD_MAX);
	assert_int_equal(npfct_flush(ct), FLOOD_MAX);
	npfct_destroy(ct);
}

/*
 * The G/C allocates nothing: with malloc() failing (the test binary wraps
 * it, -Wl,--wrap=malloc, which covers the static library's calls), steps
 * still expire, and later steps destroy, every connection.
 */
void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

static bool malloc_fails;
static uint8_t export_buf[4096];
static unsigned int malloc_refused;

void *
__wrap_malloc(size_t size)
{
	if (__atomic_load_n(&malloc_fails, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&malloc_refused, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	return __real_malloc(size);
}

/* gc_steps: npfct_gc() steps with quiescent states until count is 0. */
static bool
gc_steps_until_empty(struct npfct *ct, unsigned int max_steps)
{
	unsigned int i;

	for (i = 0; i < max_steps && npfct_count(ct) != 0; i++) {
		assert_true(npfct_gc(ct) >= 0);
		npfct_quiescent();
		rte_delay_us_sleep(1000);
	}
	return npfct_count(ct) == 0;
}

static void
test_gc_step_without_malloc(void **state)
{
	(void)state;
	establish_flows(test_ct, 0, 50);
	test_ct_advance(test_ct, 31);
	malloc_refused = 0;
	__atomic_store_n(&malloc_fails, true, __ATOMIC_RELAXED);
	assert_true(gc_steps_until_empty(test_ct, 5000));
	assert_int_equal(malloc_refused, 0);
	/* The wrap does reach the library: export allocates. */
	establish_flows(test_ct, 0, 1);
	assert_int_equal(npfct_export(test_ct, export_buf, sizeof(export_buf)),
	    -ENOMEM);
	assert_int_equal(malloc_refused, 1);
	__atomic_store_n(&malloc_fails, false, __ATOMIC_RELAXED);
	assert_int_equal(npfct_flush(test_ct), 1);
	assert_balanced(test_ct);
}

/*
 * More steps with removals than the G/C has batches, while no grace
 * period can end (this thread, a reader, reports no quiescent state):
 * the newest batch takes the later removals, with a newer ticket, and
 * everything is destroyed once the reader moves on.
 */
static void
test_gc_more_steps_than_batches(void **state)
{
	const unsigned int steps = 3 * NPFCT_GC_BATCHES;
	unsigned int i;

	(void)state;
	establish_flows(test_ct, 0, steps);
	for (i = 0; i < steps; i++) {
		struct rte_mbuf *m = flow(i, false);
		struct npfct_pkt pkt;
		struct npfct_conn *con;
		bool forw;

		npfct_pkt_parse(&pkt, m);
		con = npfct_conn_lookup(test_ct, &pkt, NPFCT_DIR_OUT, &forw);
		assert_non_null(con);
		npfct_conn_expire(con);
		rte_pktmbuf_free(m);
		assert_int_equal(npfct_gc(test_ct), 0);
	}
	assert_int_equal(test_ct->ct_gc.gc_npending, NPFCT_GC_BATCHES);
	assert_int_equal(npfct_count(test_ct), steps);
	assert_true(gc_steps_until_empty(test_ct, 5000));
	assert_int_equal(test_ct->ct_gc.gc_npending, 0);
	assert_balanced(test_ct);
}

/*
 * Functional scenarios.
 */

/* New connections expire after the "new" timeout, established ones
 * after the "established" timeout (generic: 30 s and 60 s). */
static void
test_gc_timeouts(void **state)
{
	(void)state;
	assert_int_equal(npfct_timeout_get(test_ct,
	    NPFCT_TIMEOUT_GENERIC_NEW), 30);
	assert_int_equal(npfct_timeout_get(test_ct,
	    NPFCT_TIMEOUT_GENERIC_ESTABLISHED), 60);

	establish_flows(test_ct, 0, 10);
	answer_flows(test_ct, 0, 5);	/* 0-4 established */
	assert_int_equal(npfct_gc_sync(test_ct), 0);

	test_ct_advance(test_ct, 30);
	assert_int_equal(npfct_gc_sync(test_ct), 0);	/* idle 30 s: not > 30 */
	test_ct_advance(test_ct, 1);
	assert_int_equal(npfct_gc_sync(test_ct), 5);	/* the new ones */
	assert_int_equal(npfct_count(test_ct), 5);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), 5);

	/* Activity postpones expiry. */
	test_ct_advance(test_ct, 20);
	answer_flows(test_ct, 0, 2);
	test_ct_advance(test_ct, 10);		/* 0-1: 10 s idle, 2-4: 61 */
	assert_int_equal(npfct_gc_sync(test_ct), 3);
	assert_int_equal(npfct_count(test_ct), 2);

	/* Run-time tunable. */
	assert_int_equal(npfct_timeout_set(test_ct,
	    NPFCT_TIMEOUT_GENERIC_ESTABLISHED, 5), 0);
	test_ct_advance(test_ct, 6);
	assert_int_equal(npfct_gc_sync(test_ct), 2);
	assert_balanced(test_ct);
}

static void
test_gc_explicit_expire(void **state)
{
	struct rte_mbuf *m = flow(101, false);
	struct npfct_conn *con;

	(void)state;
	establish_flows(test_ct, 100, 21);
	con = test_ct_inspect(test_ct, m, NPFCT_DIR_OUT, NULL);
	assert_non_null(con);
	npfct_conn_expire(con);
	assert_int_equal(npfct_gc_sync(test_ct), 1);
	assert_int_equal(npfct_count(test_ct), 20);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), 0);
	assert_null(test_ct_inspect(test_ct, m, NPFCT_DIR_OUT, NULL));
	rte_pktmbuf_free(m);
	assert_int_equal(npfct_flush(test_ct), 20);
	assert_balanced(test_ct);
}

/* Flush destroys every connection, active, new, NAT'd or inactive. */
static void
test_flush_all(void **state)
{
	struct rte_mbuf *m = flow(5000, false);
	struct npfct_conn *inactive;
	struct npfct_pkt pkt;

	(void)state;
	establish_flows(test_ct, 0, 200);
	npfct_pkt_parse(&pkt, m);
	inactive = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(inactive);
	assert_int_equal(npfct_count(test_ct), 201);
	assert_int_equal(npfct_flush(test_ct), 201);
	assert_balanced(test_ct);
	/*
	 * The flush was a quiescent state for this thread: the pointer to
	 * the inactive connection is no longer valid (and ASan builds would
	 * report its use).  The flow is gone.
	 */
	assert_null(test_ct_inspect(test_ct, m, NPFCT_DIR_OUT, NULL));
	/* Flushing an empty database is fine. */
	assert_int_equal(npfct_flush(test_ct), 0);
	rte_pktmbuf_free(m);
}

static void
test_flush_filter_proto(void **state)
{
	static const struct fcase cases[] = {
		{ "udp", NPFCT_FILTER_PROTO, IPPROTO_UDP, 0, 0, NULL, 0, 0,
		    FC_UDP },
		{ "tcp", NPFCT_FILTER_PROTO, IPPROTO_TCP, 0, 0, NULL, 0, 0,
		    B(2) | B(3) },
		{ "icmp", NPFCT_FILTER_PROTO, IPPROTO_ICMP, 0, 0, NULL, 0, 0,
		    B(5) },
		{ "icmpv6", NPFCT_FILTER_PROTO, IPPROTO_ICMPV6, 0, 0, NULL, 0,
		    0, 0 },
	};

	(void)state;
	fcases_run(cases, RTE_DIM(cases));
}

/* IPv4 prefixes match either endpoint, and only IPv4 connections. */
static void
test_flush_filter_addr4(void **state)
{
	static const struct fcase cases[] = {
		{ "10.1.1.0/24", NPFCT_FILTER_ADDR, 0, 4, 24, "10.1.1.0", 0,
		    0, B(0) | B(2) | B(3) },
		{ "10.1.0.0/16", NPFCT_FILTER_ADDR, 0, 4, 16, "10.1.0.0", 0,
		    0, B(0) | B(1) | B(2) | B(3) },
		{ "192.0.2.1/32", NPFCT_FILTER_ADDR, 0, 4, 32, "192.0.2.1", 0,
		    0, B(0) | B(1) },
		{ "10.1.1.5/32", NPFCT_FILTER_ADDR, 0, 4, 32, "10.1.1.5", 0,
		    0, B(3) },
		{ "10.4.0.0/30", NPFCT_FILTER_ADDR, 0, 4, 30, "10.4.0.0", 0,
		    0, B(6) | B(7) | B(8) },
		{ "10.4.0.2/31", NPFCT_FILTER_ADDR, 0, 4, 31, "10.4.0.2", 0,
		    0, B(7) | B(8) },
		{ "0.0.0.0/0", NPFCT_FILTER_ADDR, 0, 4, 0, "0.0.0.0", 0, 0,
		    FC_V4 },
		{ "203.0.114.0/24", NPFCT_FILTER_ADDR, 0, 4, 24, "203.0.114.0",
		    0, 0, 0 },
	};

	(void)state;
	fcases_run(cases, RTE_DIM(cases));
}

/* IPv6 prefixes, byte-aligned or not. */
static void
test_flush_filter_addr6(void **state)
{
	static const struct fcase cases[] = {
		/* Groups 4 of 0x8 and 0xf, not 0x7, 0x10 nor 0x108. */
		{ "2001:db8:0:8::/61", NPFCT_FILTER_ADDR, 0, 16, 61,
		    "2001:db8:0:8::", 0, 0, B(9) | B(10) },
		{ "2001:db8:0:10::/60", NPFCT_FILTER_ADDR, 0, 16, 60,
		    "2001:db8:0:10::", 0, 0, B(11) },
		{ "2001:db8:0::/57", NPFCT_FILTER_ADDR, 0, 16, 57,
		    "2001:db8:0::", 0, 0, B(9) | B(10) | B(11) | B(12) },
		{ "2001:db8:0:100::/56", NPFCT_FILTER_ADDR, 0, 16, 56,
		    "2001:db8:0:100::", 0, 0, B(13) },
		{ "2001:db8:0:f::1/128", NPFCT_FILTER_ADDR, 0, 16, 128,
		    "2001:db8:0:f::1", 0, 0, B(10) },
		/* The destination of all five. */
		{ "2001:db8:ff::/48", NPFCT_FILTER_ADDR, 0, 16, 48,
		    "2001:db8:ff::", 0, 0, FC_V6 },
		{ "::/0", NPFCT_FILTER_ADDR, 0, 16, 0, "::", 0, 0, FC_V6 },
		{ "2001:db9::/32", NPFCT_FILTER_ADDR, 0, 16, 32, "2001:db9::",
		    0, 0, 0 },
	};

	(void)state;
	fcases_run(cases, RTE_DIM(cases));
}

/* A port matches either side (and ICMP query ids). */
static void
test_flush_filter_port(void **state)
{
	static const struct fcase cases[] = {
		{ "53", NPFCT_FILTER_PORT, 0, 0, 0, NULL, 53, 0,
		    B(0) | B(1) | B(4) | B(5) | B(FC_NAT) },
		{ "40001", NPFCT_FILTER_PORT, 0, 0, 0, NULL, 40001, 0, B(1) },
		{ "123", NPFCT_FILTER_PORT, 0, 0, 0, NULL, 123, 0,
		    B(6) | B(7) | B(8) },
		{ "443", NPFCT_FILTER_PORT, 0, 0, 0, NULL, 443, 0, FC_V6 },
		{ "9", NPFCT_FILTER_PORT, 0, 0, 0, NULL, 9, 0, 0 },
	};

	(void)state;
	fcases_run(cases, RTE_DIM(cases));
}

/* An interface matches the connections bound to it, not global ones
 * that were seen on it. */
static void
test_flush_filter_ifid(void **state)
{
	static const struct fcase cases[] = {
		{ "if 1", NPFCT_FILTER_IFID, 0, 0, 0, NULL, 0, 1, B(6) },
		{ "if 2", NPFCT_FILTER_IFID, 0, 0, 0, NULL, 0, 2, B(7) },
		{ "if 0", NPFCT_FILTER_IFID, 0, 0, 0, NULL, 0, 0, 0 },
		{ "if 3", NPFCT_FILTER_IFID, 0, 0, 0, NULL, 0, 3, 0 },
	};

	(void)state;
	fcases_run(cases, RTE_DIM(cases));
}

/* Every field selected must match. */
static void
test_flush_filter_combined(void **state)
{
	static const struct fcase cases[] = {
		{ "udp 53", NPFCT_FILTER_PROTO | NPFCT_FILTER_PORT,
		    IPPROTO_UDP, 0, 0, NULL, 53, 0,
		    B(0) | B(1) | B(4) | B(FC_NAT) },
		{ "icmp 53", NPFCT_FILTER_PROTO | NPFCT_FILTER_PORT,
		    IPPROTO_ICMP, 0, 0, NULL, 53, 0, B(5) },
		{ "tcp 10.1.1.0/24 22", NPFCT_FILTER_PROTO |
		    NPFCT_FILTER_ADDR | NPFCT_FILTER_PORT, IPPROTO_TCP, 4, 24,
		    "10.1.1.0", 22, 0, B(3) },
		{ "192.0.2.1/32 40000", NPFCT_FILTER_ADDR | NPFCT_FILTER_PORT,
		    0, 4, 32, "192.0.2.1", 40000, 0, B(0) },
		{ "udp if 1", NPFCT_FILTER_PROTO | NPFCT_FILTER_IFID,
		    IPPROTO_UDP, 0, 0, NULL, 0, 1, B(6) },
		{ "tcp if 1", NPFCT_FILTER_PROTO | NPFCT_FILTER_IFID,
		    IPPROTO_TCP, 0, 0, NULL, 0, 1, 0 },
		{ "10.4.0.0/24 123 if 2", NPFCT_FILTER_ADDR |
		    NPFCT_FILTER_PORT | NPFCT_FILTER_IFID, 0, 4, 24,
		    "10.4.0.0", 123, 2, B(7) },
		{ "tcp 53", NPFCT_FILTER_PROTO | NPFCT_FILTER_PORT,
		    IPPROTO_TCP, 0, 0, NULL, 53, 0, 0 },
	};

	(void)state;
	fcases_run(cases, RTE_DIM(cases));
}

/* The translated address and port match too (the backwards key). */
static void
test_flush_filter_nat(void **state)
{
	static const struct fcase cases[] = {
		{ "203.0.113.1/32", NPFCT_FILTER_ADDR, 0, 4, 32,
		    "203.0.113.1", 0, 0, B(FC_NAT) },
		{ "203.0.113.0/24", NPFCT_FILTER_ADDR, 0, 4, 24,
		    "203.0.113.0", 0, 0, B(FC_NAT) },
		{ "61000", NPFCT_FILTER_PORT, 0, 0, 0, NULL, 61000, 0,
		    B(FC_NAT) },
		{ "udp 203.0.113.1/32 61000", NPFCT_FILTER_PROTO |
		    NPFCT_FILTER_ADDR | NPFCT_FILTER_PORT, IPPROTO_UDP, 4, 32,
		    "203.0.113.1", 61000, 0, B(FC_NAT) },
		/* The original source still matches too. */
		{ "10.9.0.9/32", NPFCT_FILTER_ADDR, 0, 4, 32, "10.9.0.9", 0, 0,
		    B(FC_NAT) },
		{ "40011", NPFCT_FILTER_PORT, 0, 0, 0, NULL, 40011, 0,
		    B(FC_NAT) },
	};

	(void)state;
	fcases_run(cases, RTE_DIM(cases));
}

/* Loading a new database flushes the old one; lookups go to the new. */
static void
test_load_new_database(void **state)
{
	struct rte_mbuf *m = flow(7, false);
	struct npfct_db *db;

	(void)state;
	establish_flows(test_ct, 0, 50);
	db = npfct_db_create(test_ct);
	assert_non_null(db);
	npfct_tracking(test_ct, false);
	assert_int_equal(npfct_load(test_ct, db, true), 0);
	assert_true(npfct_tracking_p(test_ct));
	assert_int_equal(npfct_count(test_ct), 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY), 50);
	assert_null(test_ct_inspect(test_ct, m, NPFCT_DIR_OUT, NULL));

	/* The new database works; so does an implicit empty one. */
	establish_flows(test_ct, 0, 10);
	assert_non_null(test_ct_inspect(test_ct, m, NPFCT_DIR_OUT, NULL));
	assert_int_equal(npfct_load(test_ct, NULL, false), 0);
	assert_null(test_ct_inspect(test_ct, m, NPFCT_DIR_OUT, NULL));
	assert_balanced(test_ct);

	/* A database never installed is destroyed with its connections. */
	db = npfct_db_create(test_ct);
	assert_non_null(db);
	npfct_db_destroy(test_ct, db);
	rte_pktmbuf_free(m);
}

/*
 * Two control threads load the same database at once: one installs it,
 * the other is refused (-EINVAL).  Installed twice, the second load would
 * flush and free the database the first just put in use.  To make both
 * loads meet every time, the test holds the instance's control lock
 * (npfct_impl.h) while both start, so both are inside npfct_load() before
 * either can install: db_installed must be checked under that lock.
 */
struct load_race {
	struct npfct_db	*db;
	int		ret;
};

static int
load_racer(void *arg)
{
	struct load_race *lr = arg;

	lr->ret = npfct_load(test_ct, lr->db, false);
	return 0;
}

static void
test_load_race(void **state)
{
	struct load_race lr[2];
	unsigned int round, lcores[2], k, n = 0, lcore;

	(void)state;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n < 2)
			lcores[n++] = lcore;
	}
	assert_int_equal(n, 2);
	/* The loads wait for grace periods: this reader goes offline. */
	npfct_thread_offline();
	for (round = 0; round < 10; round++) {
		struct npfct_db *db = npfct_db_create(test_ct);

		assert_non_null(db);
		pthread_mutex_lock(&test_ct->ct_ctl_lock);
		for (k = 0; k < 2; k++) {
			lr[k] = (struct load_race){ .db = db, .ret = 1 };
			assert_int_equal(rte_eal_remote_launch(load_racer,
			    &lr[k], lcores[k]), 0);
		}
		/* Both reach the lock (or wait for it) meanwhile. */
		rte_delay_us_sleep(20 * 1000);
		pthread_mutex_unlock(&test_ct->ct_ctl_lock);
		for (k = 0; k < 2; k++)
			assert_int_equal(rte_eal_wait_lcore(lcores[k]), 0);
		if (!((lr[0].ret == 0 && lr[1].ret == -EINVAL) ||
		    (lr[0].ret == -EINVAL && lr[1].ret == 0)))
			fail_msg("round %u: loads returned %d and %d", round,
			    lr[0].ret, lr[1].ret);
	}
	npfct_thread_online();
	/* The instance still works. */
	establish_flows(test_ct, 0, 10);
	assert_int_equal(npfct_flush(test_ct), 10);
}

/* npfct_destroy() with live connections runs the release callbacks. */
static void
test_destroy_releases(void **state)
{
	struct npfct *ct = test_ct_create("t2", 64);
	struct rte_mbuf *m = flow(3, false);
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	int proc;

	(void)state;
	assert_non_null(ct);
	npfct_pkt_parse(&pkt, m);
	con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	assert_int_equal(npfct_conn_setpass(con, &proc), 0);
	npfct_conn_release(con);
	npfct_destroy(ct);
	assert_int_equal(test_ct_rproc_released, 1);
	rte_pktmbuf_free(m);
}

/* The G/C may run on another lcore while this one holds connections. */
static int
gc_on_lcore(void *arg)
{
	int *ret = arg;

	*ret = npfct_flush(test_ct);
	return 0;
}

static void
test_gc_other_lcore(void **state)
{
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	int n = -1;

	(void)state;
	assert_true(lcore < RTE_MAX_LCORE);
	establish_flows(test_ct, 0, 30);
	/* This thread goes offline: the G/C's grace period needs it. */
	npfct_thread_offline();
	assert_int_equal(rte_eal_remote_launch(gc_on_lcore, &n, lcore), 0);
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	npfct_thread_online();
	assert_int_equal(n, 30);
	assert_balanced(test_ct);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_gc_bad_args),
		T(test_load_foreign_db),
		T(test_flush_filter_bad_filter),
		T(test_table_full),
		T(test_gc_timeouts),
		T(test_gc_explicit_expire),
		T(test_flush_all),
		T(test_flush_filter_proto),
		T(test_flush_filter_addr4),
		T(test_flush_filter_addr6),
		T(test_flush_filter_port),
		T(test_flush_filter_ifid),
		T(test_flush_filter_combined),
		T(test_flush_filter_nat),
		T(test_load_new_database),
		T(test_load_race),
		T(test_gc_step_without_malloc),
		T(test_gc_more_steps_than_batches),
		T(test_destroy_releases),
		T(test_gc_other_lcore),
		T(test_early_drop_family),
		T(test_max_conns_flood),
	};

	return cmocka_run_group_tests_name("gc", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
