/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the connection events (src/event.c) on a real EAL: NEW,
 * UPDATE, DESTROY with every reason (expired, rst, removed, flushed,
 * early-drop, evicted), NAT in both orders, import's NEW, the
 * subscription mask, a full ring (drops counted per ring), the UPDATE
 * rate limit, and a producer lcore with a consumer polling at the same
 * time.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_event.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

#define CLIENT	"10.0.0.1"
#define SERVER	"192.0.2.80"
#define RING	256

static struct npfct *
ev_create(const char *name, uint32_t max, uint32_t ring, uint32_t rate,
		uint32_t flags)
{
	struct npfct_params p = {
		.name = name, .socket_id = SOCKET_ID_ANY, .max_conns = max,
		.flags = NPFCT_F_FIXED_HASH_SEED | flags,
		.event_ring_size = ring, .event_update_rate = rate,
	};
	struct npfct *ct = npfct_create(&p);

	assert_non_null(ct);
	npfct_clock_manual(ct, TEST_CT_T0 * 1000000000ull);
	return ct;
}

static struct test_pkt_spec
udp(bool out, uint16_t cport)
{
	struct test_pkt_spec s = {
		.af = AF_INET, .proto = IPPROTO_UDP, .wscale = -1,
		.src = out ? CLIENT : SERVER, .dst = out ? SERVER : CLIENT,
		.sport = out ? cport : 53, .dport = out ? 53 : cport,
		.payload_len = 20,
	};
	return s;
}

static struct npfct_conn *
udp_conn(struct npfct *ct, uint16_t cport)
{
	const struct test_pkt_spec s = udp(true, cport);
	struct npfct_conn *con = test_ct_send(ct, &s, NPFCT_DIR_OUT, true,
	    NULL);

	assert_non_null(con);
	return con;
}

/* Take exactly n events (fails on more or fewer). */
static void
take(struct npfct *ct, struct npfct_event *ev, unsigned int n)
{
	struct npfct_event extra[4];

	assert_int_equal(npfct_events_poll(ct, ev, n), n);
	assert_int_equal(npfct_events_poll(ct, extra, RTE_DIM(extra)), 0);
}

static void
expect_event(const struct npfct_event *e, unsigned int type,
		unsigned int reason, const struct npfct_conn *con)
{
	if (e->type != type || e->reason != reason)
		fail_msg("event %s/%s, expected %s/%s",
		    npfct_event_type_name(e->type),
		    npfct_event_reason_name(e->reason),
		    npfct_event_type_name(type),
		    npfct_event_reason_name(reason));
	if (con != NULL)
		assert_int_equal(e->cookie, (uint64_t)(uintptr_t)con);
}

static void
test_event_off_and_params(void **state)
{
	struct npfct_params p = {
		.name = "bad", .socket_id = SOCKET_ID_ANY, .max_conns = 16,
	};
	struct npfct_event ev[4];
	struct npfct_event_stats st;
	struct npfct *ct;

	(void)state;
	/* test_ct has no rings: nothing is produced or polled. */
	assert_int_equal(npfct_events_subscribe(test_ct, NPFCT_EVENT_ALL),
	    -ENOTSUP);
	assert_int_equal(npfct_events_subscribed(test_ct), 0);
	(void)udp_conn(test_ct, 1000);
	assert_int_equal(npfct_events_poll(test_ct, ev, 4), 0);
	assert_int_equal(npfct_events_stats_get(test_ct, 0, &st), -ENOTSUP);
	assert_int_equal(npfct_events_poll(NULL, ev, 4), 0);

	p.event_ring_size = NPFCT_EVENT_RING_MAX + 1;
	assert_null(npfct_create(&p));
	assert_int_equal(rte_errno, EINVAL);
	p.event_ring_size = 0;
	p.event_update_rate = 10;	/* a rate without rings */
	assert_null(npfct_create(&p));
	assert_int_equal(rte_errno, EINVAL);

	ct = ev_create("ev", 64, 5, 0, 0);	/* any size, not only 2^n */
	assert_int_equal(npfct_events_subscribed(ct), NPFCT_EVENT_DEFAULT);
	assert_int_equal(npfct_events_subscribe(ct, NPFCT_EVENT_ALL + 1),
	    -EINVAL);
	assert_int_equal(npfct_events_subscribe(NULL, 0), -EINVAL);
	assert_int_equal(npfct_events_stats_get(ct, rte_lcore_id(), &st), 0);
	assert_int_equal(st.size, 5);
	assert_int_equal(npfct_events_stats_get(ct, NPFCT_EVENTS_RING_GC,
	    &st), 0);
	assert_int_equal(npfct_events_stats_get(ct, NPFCT_EVENTS_RING_SHARED,
	    &st), 0);
	assert_int_equal(npfct_events_stats_get(ct, NPFCT_EVENTS_RING_GC + 1,
	    &st), -EINVAL);
	assert_int_equal(npfct_events_stats_get(ct, RTE_MAX_LCORE - 1, &st),
	    -ENOENT);
	assert_null(npfct_event_type_name(NPFCT_EVENT_TYPES));
	assert_null(npfct_event_reason_name(NPFCT_EVENT_REASONS));
	assert_string_equal(npfct_event_reason_name(NPFCT_EVENT_R_EARLY_DROP),
	    "early-drop");
	npfct_destroy(ct);
}

/* NEW at establish, with what a log line needs; DESTROY when it expires. */
static void
test_event_new_destroy_expired(void **state)
{
	struct npfct *ct = ev_create("ev", 64, RING, 0, NPFCT_F_ACCOUNTING);
	const struct test_pkt_spec in = udp(false, 1000);
	struct npfct_event ev[2];
	struct npfct_conn *con;
	struct in_addr a;

	(void)state;
	con = udp_conn(ct, 1000);
	npfct_conn_mark_set(con, 9);	/* after NEW: seen at DESTROY */
	take(ct, ev, 1);
	expect_event(&ev[0], NPFCT_EVENT_NEW, NPFCT_EVENT_R_NONE, con);
	assert_int_equal(ev[0].proto, IPPROTO_UDP);
	assert_int_equal(ev[0].alen, 4);
	assert_int_equal(ev[0].dir, NPFCT_DIR_OUT);
	assert_int_equal(ev[0].zone, 0);
	assert_int_equal(ev[0].lcore, rte_lcore_id());
	assert_int_equal(ev[0].time_ns, TEST_CT_T0 * 1000000000ull);
	assert_int_equal(inet_pton(AF_INET, CLIENT, &a), 1);
	assert_memory_equal(&ev[0].src, &a, 4);
	assert_int_equal(ev[0].sport, htons(1000));
	assert_int_equal(ev[0].dport, htons(53));
	assert_int_equal(ev[0].bsport, htons(53));
	assert_string_equal(npfct_event_state_name(&ev[0], false), "new");
	assert_int_equal(ev[0].flags, NPFCT_EVENT_F_ACCT);
	assert_int_equal(ev[0].counters.packets[0], 1);
	/* The reply is not an event by default (UPDATE not subscribed). */
	assert_ptr_equal(test_ct_send(ct, &in, NPFCT_DIR_IN, false, NULL), con);
	assert_int_equal(npfct_events_poll(ct, ev, 2), 0);

	test_ct_advance(ct, 61);
	assert_int_equal(npfct_gc_sync(ct), 1);
	take(ct, ev, 1);
	expect_event(&ev[0], NPFCT_EVENT_DESTROY, NPFCT_EVENT_R_EXPIRED, NULL);
	assert_int_equal(ev[0].cookie, (uint64_t)(uintptr_t)con);
	assert_int_equal(ev[0].mark, 9);
	assert_int_equal(ev[0].counters.packets[0], 1);
	assert_int_equal(ev[0].counters.packets[1], 1);
	assert_int_equal(ev[0].counters.bytes[1], 48);
	npfct_destroy(ct);
}

/*
 * UPDATE on each state change of a TCP connection, then a RST: the
 * DESTROY says "rst".
 */
static void
test_event_update_and_rst(void **state)
{
	struct npfct *ct = ev_create("ev", 64, RING, 0, 0);
	struct test_pkt_spec syn = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = CLIENT,
		.dst = SERVER, .sport = 1000, .dport = 80,
		.tcp_flags = NPFCT_TH_SYN, .seq = 100, .win = 65535,
		.wscale = -1,
	};
	struct test_pkt_spec synack = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = SERVER,
		.dst = CLIENT, .sport = 80, .dport = 1000,
		.tcp_flags = NPFCT_TH_SYN | NPFCT_TH_ACK, .seq = 500,
		.ack = 101, .win = 65535, .wscale = -1,
	};
	struct test_pkt_spec ack = syn, rst = syn;
	static const char *const path[][2] = {
		{ "syn-sent", "syn-received" },
		{ "syn-received", "established" },
		{ "established", "closed" },
	};
	struct npfct_event ev[4];
	struct npfct_conn *con;
	unsigned int i;
	uint8_t v;

	(void)state;
	assert_int_equal(npfct_events_subscribe(ct, NPFCT_EVENT_ALL), 0);
	con = test_ct_send(ct, &syn, NPFCT_DIR_OUT, true, NULL);
	assert_non_null(con);
	assert_ptr_equal(test_ct_send(ct, &synack, NPFCT_DIR_IN, false, &v),
	    con);
	ack.tcp_flags = NPFCT_TH_ACK;
	ack.seq = 101;
	ack.ack = 501;
	assert_ptr_equal(test_ct_send(ct, &ack, NPFCT_DIR_OUT, false, &v), con);
	/* The same ACK again changes nothing: no event. */
	assert_ptr_equal(test_ct_send(ct, &ack, NPFCT_DIR_OUT, false, &v), con);
	rst.tcp_flags = NPFCT_TH_RST;
	rst.seq = 101;
	assert_ptr_equal(test_ct_send(ct, &rst, NPFCT_DIR_OUT, false, &v), con);
	take(ct, ev, 4);
	expect_event(&ev[0], NPFCT_EVENT_NEW, NPFCT_EVENT_R_NONE, con);
	assert_string_equal(npfct_event_state_name(&ev[0], false),
	    "syn-sent");
	for (i = 0; i < 3; i++) {
		expect_event(&ev[1 + i], NPFCT_EVENT_UPDATE,
		    NPFCT_EVENT_R_NONE, con);
		assert_string_equal(npfct_event_state_name(&ev[1 + i], true),
		    path[i][0]);
		assert_string_equal(npfct_event_state_name(&ev[1 + i], false),
		    path[i][1]);
	}
	/* A refused packet (far out of window) is no UPDATE either. */
	ack.seq = 101 + (1u << 31);
	assert_null(test_ct_send(ct, &ack, NPFCT_DIR_OUT, false, &v));
	assert_int_equal(v, NPFCT_V_INVALID);
	assert_int_equal(npfct_events_poll(ct, ev, 4), 0);

	test_ct_advance(ct, 11);
	assert_int_equal(npfct_gc_sync(ct), 1);
	take(ct, ev, 1);
	expect_event(&ev[0], NPFCT_EVENT_DESTROY, NPFCT_EVENT_R_RST, con);
	npfct_destroy(ct);
}

/* flushed, removed, evicted; only what was announced goes with one. */
static void
test_event_destroy_reasons(void **state)
{
	struct npfct *ct = ev_create("ev", 64, RING, 0, 0);
	struct npfct_filter f = {
		.fields = NPFCT_FILTER_PORT, .port = htons(1001),
	};
	const struct test_pkt_spec s = udp(true, 1005);
	struct npfct_event ev[4];
	struct npfct_conn *a, *b, *c;
	struct rte_mbuf *m;
	struct npfct_pkt pkt;

	(void)state;
	a = udp_conn(ct, 1000);
	b = udp_conn(ct, 1001);
	c = udp_conn(ct, 1002);
	take(ct, ev, 3);
	npfct_conn_expire(c);
	assert_int_equal(npfct_flush_filter(ct, &f), 1);
	take(ct, ev, 1);
	expect_event(&ev[0], NPFCT_EVENT_DESTROY, NPFCT_EVENT_R_FLUSHED, b);
	assert_int_equal(npfct_gc_sync(ct), 1);
	take(ct, ev, 1);
	expect_event(&ev[0], NPFCT_EVENT_DESTROY, NPFCT_EVENT_R_REMOVED, c);

	/* Expired before its activation: neither NEW nor DESTROY. */
	m = test_pkt_build(&s);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	c = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(c);
	npfct_conn_expire(c);
	npfct_conn_release(c);
	rte_pktmbuf_free(m);
	assert_int_equal(npfct_gc_sync(ct), 1);
	assert_int_equal(npfct_events_poll(ct, ev, 4), 0);

	/* A new database replaces the old: its connections are evicted. */
	assert_int_equal(npfct_load(ct, NULL, true), 0);
	take(ct, ev, 1);
	expect_event(&ev[0], NPFCT_EVENT_DESTROY, NPFCT_EVENT_R_EVICTED, a);

	b = udp_conn(ct, 1003);
	take(ct, ev, 1);
	assert_int_equal(npfct_flush(ct), 1);
	take(ct, ev, 1);
	expect_event(&ev[0], NPFCT_EVENT_DESTROY, NPFCT_EVENT_R_FLUSHED, b);
	/* Subscribed to DESTROY only: no NEW. */
	assert_int_equal(npfct_events_subscribe(ct,
	    NPFCT_EVENT_BIT(NPFCT_EVENT_DESTROY)), 0);
	(void)udp_conn(ct, 1004);
	assert_int_equal(npfct_events_poll(ct, ev, 4), 0);
	/* No events: destroying the instance makes none (nor leaks). */
	npfct_destroy(ct);
}

/* A table short of room early-drops an unestablished connection. */
static void
test_event_early_drop(void **state)
{
	struct npfct *ct = ev_create("ev", 8, RING, 0, 0);
	struct npfct_event ev[RING];
	unsigned int i, n;
	struct test_pkt_spec s;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;

	(void)state;
	for (i = 0; i < 8; i++)
		(void)udp_conn(ct, (uint16_t)(2000 + i));
	take(ct, ev, 8);
	s = udp(true, 3000);
	m = test_pkt_build(&s);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	assert_null(npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false));
	rte_pktmbuf_free(m);
	assert_true(npfct_gc(ct) >= 0);
	n = npfct_events_poll(ct, ev, RING);
	assert_true(n > 0);
	assert_int_equal(n, test_ct_stat(ct, NPFCT_STAT_EARLY_DROP));
	for (i = 0; i < n; i++)
		expect_event(&ev[i], NPFCT_EVENT_DESTROY,
		    NPFCT_EVENT_R_EARLY_DROP, NULL);
	npfct_destroy(ct);
}

/*
 * NAT: a setnat before activation is announced after NEW; one on an
 * active connection at once.  Both carry the translated backwards key.
 */
static void
test_event_nat(void **state)
{
	struct npfct *ct = ev_create("ev", 64, RING, 0, 0);
	const struct test_pkt_spec s = udp(true, 1000);
	union npfct_addr ta = { .v4 = RTE_BE32(0xc6336401) }; /* 198.51.100.1 */
	struct npfct_event ev[2];
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	int nat;

	(void)state;
	m = test_pkt_build(&s);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	assert_int_equal(npfct_conn_setnat(ct, &pkt, con, &nat, NPFCT_NAT_OUT,
	    &ta, htons(40000)), 0);
	assert_int_equal(npfct_events_poll(ct, ev, 2), 0);	/* not yet */
	npfct_conn_release(con);
	take(ct, ev, 2);
	expect_event(&ev[0], NPFCT_EVENT_NEW, NPFCT_EVENT_R_NONE, con);
	expect_event(&ev[1], NPFCT_EVENT_NAT, NPFCT_EVENT_R_NONE, con);
	assert_true(ev[1].flags & NPFCT_EVENT_F_NAT);
	assert_int_equal(ev[1].bdst.v4, ta.v4);
	assert_int_equal(ev[1].bdport, htons(40000));
	rte_pktmbuf_free(m);

	/* On an active connection: at once. */
	con = udp_conn(ct, 1001);
	take(ct, ev, 1);
	m = test_pkt_build(&s);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(npfct_conn_setnat(ct, &pkt, con, &nat, NPFCT_NAT_OUT,
	    &ta, htons(40001)), 0);
	take(ct, ev, 1);
	expect_event(&ev[0], NPFCT_EVENT_NAT, NPFCT_EVENT_R_NONE, con);
	assert_int_equal(ev[0].bdport, htons(40001));
	rte_pktmbuf_free(m);
	npfct_destroy(ct);
}

/* Import announces NEW with reason "imported". */
static void
test_event_import(void **state)
{
	struct npfct *a = ev_create("a", 64, RING, 0, 0);
	struct npfct *b = ev_create("b", 64, RING, 0, 0);
	static uint8_t img[4096];
	struct npfct_event ev[4];
	int len;

	(void)state;
	(void)udp_conn(a, 1000);
	(void)udp_conn(a, 1001);
	len = npfct_export(a, img, sizeof(img));
	assert_true(len > 0);
	assert_int_equal(npfct_import(b, NULL, img, (size_t)len, NULL), 2);
	take(b, ev, 2);
	expect_event(&ev[0], NPFCT_EVENT_NEW, NPFCT_EVENT_R_IMPORTED, NULL);
	expect_event(&ev[1], NPFCT_EVENT_NEW, NPFCT_EVENT_R_IMPORTED, NULL);
	/* An import that fails (duplicates) announces nothing. */
	assert_int_equal(npfct_import(b, NULL, img, (size_t)len, NULL),
	    -EEXIST);
	assert_int_equal(npfct_events_poll(b, ev, 4), 0);
	npfct_destroy(a);
	npfct_destroy(b);
}

/* A full ring drops, counts per ring and in the instance's counters. */
static void
test_event_ring_full(void **state)
{
	struct npfct *ct = ev_create("ev", 64, 8, 0, 0);
	struct npfct_event ev[16];
	struct npfct_event_stats st;
	unsigned int i;

	(void)state;
	for (i = 0; i < 20; i++)
		(void)udp_conn(ct, (uint16_t)(1000 + i));
	assert_int_equal(npfct_events_stats_get(ct, rte_lcore_id(), &st), 0);
	assert_int_equal(st.queued, 8);
	assert_int_equal(st.dropped, 12);
	assert_int_equal(st.pending, 8);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_EVENT_DROP), 12);
	take(ct, ev, 8);
	/* The oldest were kept, in order. */
	for (i = 0; i < 8; i++)
		assert_int_equal(ev[i].sport, htons(1000 + i));
	assert_int_equal(npfct_events_stats_get(ct, rte_lcore_id(), &st), 0);
	assert_int_equal(st.pending, 0);
	npfct_destroy(ct);
}

/* Establish n UDP connections (ports from cport) with one burst call. */
static uint16_t
udp_burst(struct npfct *ct, uint16_t cport, unsigned int n)
{
	struct rte_mbuf *m[64];
	struct npfct_pkt pkts[64];
	struct npfct_conn *conns[64];
	uint16_t idx[64], est;
	unsigned int i;

	assert_true(n <= RTE_DIM(m));
	for (i = 0; i < n; i++) {
		const struct test_pkt_spec s = udp(true, (uint16_t)(cport + i));

		m[i] = test_pkt_build(&s);
		assert_int_equal(npfct_pkt_parse(&pkts[i], m[i]), 0);
		idx[i] = (uint16_t)i;
	}
	est = npfct_establish_burst(ct, pkts, idx, (uint16_t)n, NPFCT_DIR_OUT,
	    0, conns);
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
	return est;
}

/*
 * A burst establish stages its NEW events and enqueues them together (32
 * at a time): all of them, in the packets' order; with a ring too small,
 * the first ones kept, the rest dropped and counted, nothing blocks.
 */
static void
test_event_burst_staged(void **state)
{
	struct npfct *ct = ev_create("ev", 256, 64, 0, 0);
	struct npfct *small = ev_create("evs", 256, 16, 0, 0);
	struct npfct_event ev[64];
	struct npfct_event_stats st;
	unsigned int i;

	(void)state;
	assert_int_equal(udp_burst(ct, 2000, 50), 50);
	take(ct, ev, 50);
	for (i = 0; i < 50; i++) {
		expect_event(&ev[i], NPFCT_EVENT_NEW, NPFCT_EVENT_R_NONE,
		    NULL);
		assert_int_equal(ev[i].sport, htons(2000 + i));
	}
	/* Interleaved with single establishes: still in order. */
	(void)udp_conn(ct, 3000);
	assert_int_equal(udp_burst(ct, 3001, 40), 40);
	(void)udp_conn(ct, 3041);
	take(ct, ev, 42);
	for (i = 0; i < 42; i++)
		assert_int_equal(ev[i].sport, htons(3000 + i));

	assert_int_equal(udp_burst(small, 4000, 40), 40);
	assert_int_equal(npfct_events_stats_get(small, rte_lcore_id(), &st),
	    0);
	assert_int_equal(st.queued, 16);
	assert_int_equal(st.dropped, 24);
	assert_int_equal(test_ct_stat(small, NPFCT_STAT_EVENT_DROP), 24);
	take(small, ev, 16);
	for (i = 0; i < 16; i++)
		assert_int_equal(ev[i].sport, htons(4000 + i));
	/* Room again: the next burst's events are kept. */
	assert_int_equal(udp_burst(small, 5000, 10), 10);
	take(small, ev, 10);
	assert_int_equal(ev[9].sport, htons(5009));
	npfct_destroy(ct);
	npfct_destroy(small);
}

/* At most event_update_rate UPDATEs per second and ring. */
static void
test_event_update_rate(void **state)
{
	struct npfct *ct = ev_create("ev", 64, RING, 3, 0);
	struct npfct_event ev[RING];
	struct npfct_event_stats st;
	struct test_pkt_spec in;
	unsigned int i;

	(void)state;
	assert_int_equal(npfct_events_subscribe(ct,
	    NPFCT_EVENT_BIT(NPFCT_EVENT_UPDATE)), 0);
	for (i = 0; i < 10; i++)
		(void)udp_conn(ct, (uint16_t)(1000 + i));
	for (i = 0; i < 5; i++) {
		in = udp(false, (uint16_t)(1000 + i));
		assert_non_null(test_ct_send(ct, &in, NPFCT_DIR_IN, false,
		    NULL));
	}
	assert_int_equal(npfct_events_poll(ct, ev, RING), 3);
	test_ct_advance(ct, 1);
	for (i = 5; i < 10; i++) {
		in = udp(false, (uint16_t)(1000 + i));
		assert_non_null(test_ct_send(ct, &in, NPFCT_DIR_IN, false,
		    NULL));
	}
	take(ct, ev, 3);
	assert_int_equal(npfct_events_stats_get(ct, rte_lcore_id(), &st), 0);
	assert_int_equal(st.queued, 6);
	assert_int_equal(st.limited, 4);
	assert_int_equal(st.dropped, 0);
	npfct_destroy(ct);
}

/*
 * A worker lcore establishes while the main lcore polls: every event
 * arrives once, intact, or is counted as dropped; the ring is the
 * worker's.
 */
struct producer {
	struct npfct *ct;
	unsigned int n;
	volatile int done;
};

static int
producer_lcore(void *arg)
{
	struct producer *p = arg;
	unsigned int i;

	npfct_thread_register();
	for (i = 0; i < p->n; i++) {
		const struct test_pkt_spec s = udp(true, (uint16_t)(1 + i));

		if (test_ct_send(p->ct, &s, NPFCT_DIR_OUT, true, NULL) == NULL)
			return -1;
		npfct_quiescent();
	}
	npfct_thread_unregister();
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
test_event_concurrent_consumer(void **state)
{
	struct producer p = { .n = 20000 };
	const unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	static uint8_t seen[65536];
	struct npfct_event ev[64];
	struct npfct_event_stats st;
	unsigned int got = 0, k, n;
	int done;

	(void)state;
	p.ct = ev_create("ev", 32768, 512, 0, 0);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(rte_eal_remote_launch(producer_lcore, &p, lcore), 0);
	do {
		done = __atomic_load_n(&p.done, __ATOMIC_ACQUIRE);
		n = npfct_events_poll(p.ct, ev, RTE_DIM(ev));
		for (k = 0; k < n; k++) {
			const uint16_t port = ntohs(ev[k].sport);

			expect_event(&ev[k], NPFCT_EVENT_NEW,
			    NPFCT_EVENT_R_NONE, NULL);
			assert_int_equal(ev[k].lcore, lcore);
			assert_int_equal(ev[k].dport, htons(53));
			assert_int_equal(seen[port], 0);
			seen[port] = 1;
		}
		got += n;
	} while (!done || n > 0);
	npfct_thread_offline();
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	npfct_thread_online();
	assert_int_equal(npfct_events_stats_get(p.ct, lcore, &st), 0);
	assert_int_equal(st.queued, got);
	assert_int_equal(st.queued + st.dropped, p.n);
	assert_int_equal(test_ct_stat(p.ct, NPFCT_STAT_EVENT_DROP),
	    st.dropped);
	npfct_destroy(p.ct);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)
	const struct CMUnitTest tests[] = {
		T(test_event_off_and_params),
		T(test_event_new_destroy_expired),
		T(test_event_update_and_rst),
		T(test_event_destroy_reasons),
		T(test_event_early_drop),
		T(test_event_nat),
		T(test_event_import),
		T(test_event_ring_full),
		T(test_event_burst_staged),
		T(test_event_update_rate),
		T(test_event_concurrent_consumer),
	};

	return cmocka_run_group_tests_name("event", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
