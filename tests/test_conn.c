/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the connection life-cycle (src/conn.c, src/inspect.c,
 * src/alg.c): establish, lookup in both directions, direction and
 * interface matching, duplicates, activation, pass, NAT re-keying and its
 * races, the ALG hook and the burst path, on a real EAL.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pthread.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

#define CLIENT	"10.0.0.1"
#define SERVER	"192.0.2.80"

static struct rte_mbuf *
udp_out(void)
{
	return test_pkt_udp4(CLIENT, 40000, SERVER, 53);
}

static struct rte_mbuf *
udp_reply(void)
{
	return test_pkt_udp4(SERVER, 53, CLIENT, 40000);
}

static struct rte_mbuf *
on_port(struct rte_mbuf *m, uint16_t port)
{
	m->port = port;
	return m;
}

/*
 * Error paths.
 */

static void
test_create_bad_params(void **state)
{
	struct npfct_params p = {
		.name = "bad", .socket_id = SOCKET_ID_ANY, .max_conns = 16,
	};
	uint32_t tmo[NPFCT_TIMEOUT_MAX] = { 0 };
	struct npfct *ct;

	(void)state;
	assert_null(npfct_create(NULL));
	assert_int_equal(rte_errno, EINVAL);
	p.name = NULL;
	assert_null(npfct_create(&p));
	assert_int_equal(rte_errno, EINVAL);
	p.name = "a-name-that-is-far-too-long";
	assert_null(npfct_create(&p));
	assert_int_equal(rte_errno, EINVAL);
	p.name = "bad";
	p.max_conns = 0;
	assert_null(npfct_create(&p));
	assert_int_equal(rte_errno, EINVAL);
	p.max_conns = 16;
	p.flags = 0x8000;
	assert_null(npfct_create(&p));
	assert_int_equal(rte_errno, EINVAL);
	p.flags = 0;
	tmo[NPFCT_TIMEOUT_TCP_NEW] = 31 * 86400;
	p.timeouts = tmo;
	assert_null(npfct_create(&p));
	assert_int_equal(rte_errno, EINVAL);
	p.timeouts = NULL;

	/* Names are unique. */
	p.name = "t0";
	assert_null(npfct_create(&p));
	assert_int_equal(rte_errno, EEXIST);
	p.name = "other";
	ct = npfct_create(&p);
	assert_non_null(ct);
	assert_ptr_equal(npfct_find("other"), ct);
	assert_ptr_equal(npfct_find("t0"), test_ct);
	assert_string_equal(npfct_name(ct), "other");
	npfct_destroy(ct);
	assert_null(npfct_find("other"));
	npfct_destroy(NULL);
}

static void
test_establish_errors(void **state)
{
	struct rte_mbuf *m = udp_out();
	struct test_pkt_spec frag = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = CLIENT,
		.dst = SERVER, .sport = 1, .dport = 2, .ip_frag_off = 100,
	};
	struct test_pkt_spec land = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = CLIENT,
		.dst = CLIENT, .sport = 7, .dport = 7,
	};
	struct npfct_pkt pkt;

	(void)state;
	npfct_pkt_parse(&pkt, m);
	assert_null(npfct_conn_establish(test_ct, &pkt, 0, false));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(npfct_conn_establish(test_ct, &pkt, 3, false));
	assert_int_equal(rte_errno, EINVAL);

	npfct_tracking(test_ct, false);
	assert_false(npfct_tracking_p(test_ct));
	assert_null(npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false));
	assert_int_equal(rte_errno, ENOENT);
	npfct_tracking(test_ct, true);
	rte_pktmbuf_free(m);

	/* A later fragment has no ports. */
	m = test_pkt_build(&frag);
	npfct_pkt_parse(&pkt, m);
	assert_null(npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false));
	assert_int_equal(rte_errno, EINVAL);
	rte_pktmbuf_free(m);

	/* Same source and destination: both keys are one. */
	m = test_pkt_build(&land);
	npfct_pkt_parse(&pkt, m);
	assert_null(npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false));
	assert_int_equal(rte_errno, EINVAL);
	rte_pktmbuf_free(m);

	assert_int_equal(npfct_count(test_ct), 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_CREATE),
	    test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY));
}

static void
test_setnat_errors(void **state)
{
	struct rte_mbuf *m = udp_out();
	union npfct_addr ta = { .v4 = 0 };
	struct npfct_pkt pkt, pkt6;
	struct npfct_conn *con;
	struct rte_mbuf *m6 = test_pkt_udp6("2001:db8::1", 1, "2001:db8::2", 2);
	int nat;

	(void)state;
	npfct_pkt_parse(&pkt, m);
	npfct_pkt_parse(&pkt6, m6);
	con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	assert_int_equal(npfct_conn_setnat(test_ct, &pkt, con, NULL,
	    NPFCT_NAT_OUT, &ta, 0), -EINVAL);
	assert_int_equal(npfct_conn_setnat(test_ct, &pkt, con, &nat,
	    NPFCT_NAT_OUT, NULL, 0), -EINVAL);
	assert_int_equal(npfct_conn_setnat(test_ct, &pkt, con, &nat, 7, &ta,
	    0), -EINVAL);
	assert_int_equal(npfct_conn_setnat(test_ct, &pkt6, con, &nat,
	    NPFCT_NAT_OUT, &ta, 0), -EINVAL);
	/* An expired connection cannot take NAT. */
	npfct_conn_expire(con);
	assert_int_equal(npfct_conn_setnat(test_ct, &pkt, con, &nat,
	    NPFCT_NAT_OUT, &ta, 0), -EINVAL);
	npfct_conn_release(con);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(m6);
	assert_int_equal(npfct_flush(test_ct), 1);
	assert_int_equal(test_ct_nat_released, 0);
}

static void
test_setpass_errors(void **state)
{
	struct rte_mbuf *m = udp_out();
	struct npfct_conn *con;
	int rp;

	(void)state;
	con = test_ct_establish(test_ct, m, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	/* Already active. */
	assert_int_equal(npfct_conn_setpass(con, &rp), -EBUSY);
	assert_false(npfct_conn_pass(con, NULL));
	rte_pktmbuf_free(m);
}

/*
 * Functional scenarios.
 */

static void
test_establish_lookup_both_directions(void **state)
{
	struct rte_mbuf *out = udp_out(), *reply = udp_reply();
	struct npfct_conn *con, *found;
	struct npfct_pkt pkt;
	uint8_t v;
	bool forw;

	(void)state;
	npfct_pkt_parse(&pkt, out);
	con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	assert_int_equal(npfct_conn_proto(con), IPPROTO_UDP);
	assert_int_equal(npfct_count(test_ct), 1);

	/* Not active yet: invisible to lookups. */
	assert_null(npfct_conn_lookup(test_ct, &pkt, NPFCT_DIR_OUT, &forw));
	npfct_conn_release(con);

	found = npfct_conn_lookup(test_ct, &pkt, NPFCT_DIR_OUT, &forw);
	assert_ptr_equal(found, con);
	assert_true(forw);
	assert_string_equal(npfct_conn_state_name(con), "new");

	/* The reply comes in on the backwards entry. */
	found = test_ct_inspect(test_ct, reply, NPFCT_DIR_IN, &v);
	assert_ptr_equal(found, con);
	assert_int_equal(v, NPFCT_V_MATCH);
	assert_string_equal(npfct_conn_state_name(con), "established");
	npfct_pkt_parse(&pkt, reply);
	assert_ptr_equal(npfct_conn_lookup(test_ct, &pkt, NPFCT_DIR_IN,
	    &forw), con);
	assert_false(forw);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_LOOKUP_HIT), 1);

	rte_pktmbuf_free(out);
	rte_pktmbuf_free(reply);
}

static void
test_lookup_direction_mismatch(void **state)
{
	struct rte_mbuf *out = udp_out(), *reply = udp_reply();
	struct npfct_conn *con;
	uint8_t v;

	(void)state;
	con = test_ct_establish(test_ct, out, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	/* The forwards packet arriving inbound does not match. */
	assert_null(test_ct_inspect(test_ct, out, NPFCT_DIR_IN, &v));
	assert_int_equal(v, NPFCT_V_MISS);
	/* Nor the reply leaving outbound. */
	assert_null(test_ct_inspect(test_ct, reply, NPFCT_DIR_OUT, &v));
	assert_int_equal(v, NPFCT_V_MISS);
	assert_ptr_equal(test_ct_inspect(test_ct, reply, NPFCT_DIR_IN, &v),
	    con);
	rte_pktmbuf_free(out);
	rte_pktmbuf_free(reply);
}

static void
test_lookup_interface(void **state)
{
	struct rte_mbuf *out = on_port(udp_out(), 1);
	struct rte_mbuf *reply = on_port(udp_reply(), 1);
	struct rte_mbuf *out2 = on_port(test_pkt_udp4(CLIENT, 40001, SERVER,
	    53), 1);
	struct rte_mbuf *reply2 = on_port(test_pkt_udp4(SERVER, 53, CLIENT,
	    40001), 2);
	struct npfct_conn *per_if, *global;

	(void)state;
	per_if = test_ct_establish(test_ct, out, NPFCT_DIR_OUT, true);
	global = test_ct_establish(test_ct, out2, NPFCT_DIR_OUT, false);
	assert_non_null(per_if);
	assert_non_null(global);

	assert_ptr_equal(test_ct_inspect(test_ct, reply, NPFCT_DIR_IN, NULL),
	    per_if);
	reply->port = 2;
	assert_null(test_ct_inspect(test_ct, reply, NPFCT_DIR_IN, NULL));
	/* A global connection matches on any interface. */
	assert_ptr_equal(test_ct_inspect(test_ct, reply2, NPFCT_DIR_IN,
	    NULL), global);

	rte_pktmbuf_free(out);
	rte_pktmbuf_free(reply);
	rte_pktmbuf_free(out2);
	rte_pktmbuf_free(reply2);
}

static void
test_establish_duplicate(void **state)
{
	struct rte_mbuf *out = udp_out(), *reply = udp_reply();
	struct npfct_conn *con;
	struct npfct_pkt pkt;

	(void)state;
	con = test_ct_establish(test_ct, out, NPFCT_DIR_OUT, false);
	assert_non_null(con);

	/* The same first packet again (another lcore's race). */
	npfct_pkt_parse(&pkt, out);
	assert_null(npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false));
	assert_int_equal(rte_errno, EEXIST);
	/* The reply as a first packet collides on the forwards key. */
	npfct_pkt_parse(&pkt, reply);
	assert_null(npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_IN, false));
	assert_int_equal(rte_errno, EEXIST);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_RACE_CONN), 2);

	/* The original is untouched and the losers are destroyed. */
	assert_ptr_equal(test_ct_inspect(test_ct, reply, NPFCT_DIR_IN, NULL),
	    con);
	assert_int_equal(npfct_gc_sync(test_ct), 0);
	assert_int_equal(npfct_count(test_ct), 1);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_CREATE), 3);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY), 2);
	rte_pktmbuf_free(out);
	rte_pktmbuf_free(reply);
}

/* A connection whose backwards key is another's forwards key, after that
 * one's NAT moved its backwards key away: NPF inserts the forwards key
 * and meets the duplicate at the backwards key; the canonical entry is
 * the other's, so nothing is inserted and the duplicate goes at once. */
static void
test_establish_duplicate_backwards(void **state)
{
	struct rte_mbuf *a = test_pkt_udp4(CLIENT, 1000, SERVER, 2000);
	struct rte_mbuf *b = test_pkt_udp4(SERVER, 2000, CLIENT, 1000);
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	bool forw;

	(void)state;
	con = test_ct_establish(test_ct, a, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	/* NAT moves a's backwards entry away; b's forwards key is free but
	 * its backwards key (a's forwards key) is not. */
	{
		union npfct_addr ta;
		struct npfct_pkt pa;
		static int nat;

		ta.v4 = inet_addr("203.0.113.1");
		npfct_pkt_parse(&pa, a);
		/* setnat on an active connection is allowed. */
		assert_int_equal(npfct_conn_setnat(test_ct, &pa, con, &nat,
		    NPFCT_NAT_OUT, &ta, 0), 0);
	}
	npfct_pkt_parse(&pkt, b);
	assert_null(npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_IN, false));
	assert_int_equal(rte_errno, EEXIST);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_RACE_CONN), 1);
	assert_int_equal(npfct_count(test_ct), 1);
	assert_int_equal(npfct_gc_sync(test_ct), 0);
	assert_int_equal(npfct_count(test_ct), 1);
	/* b is not a's backwards stream any more: NAT moved it. */
	assert_null(npfct_conn_lookup(test_ct, &pkt, NPFCT_DIR_IN, &forw));
	assert_int_equal(test_ct_nat_released, 0);
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(b);
}

static void
test_setnat_rekey(void **state)
{
	struct rte_mbuf *out = udp_out();
	struct rte_mbuf *xreply = test_pkt_udp4(SERVER, 53, "203.0.113.1",
	    61000);
	struct rte_mbuf *reply = udp_reply();
	struct npfct_conn *con;
	union npfct_addr ta;
	struct npfct_pkt pkt;
	bool forw;
	int nat;

	(void)state;
	npfct_pkt_parse(&pkt, out);
	con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	ta.v4 = inet_addr("203.0.113.1");
	assert_int_equal(npfct_conn_setnat(test_ct, &pkt, con, &nat,
	    NPFCT_NAT_OUT, &ta, htons(61000)), 0);
	npfct_conn_release(con);

	/* The translated reply matches the backwards stream... */
	assert_ptr_equal(test_ct_inspect(test_ct, xreply, NPFCT_DIR_IN, NULL),
	    con);
	/* ...the untranslated one no longer does. */
	assert_null(test_ct_inspect(test_ct, reply, NPFCT_DIR_IN, NULL));
	/* The forwards stream is unchanged. */
	assert_ptr_equal(test_ct_inspect(test_ct, out, NPFCT_DIR_OUT, NULL),
	    con);

	assert_ptr_equal(npfct_conn_retnat(con, NPFCT_DIR_OUT, &forw), &nat);
	assert_true(forw);
	assert_ptr_equal(npfct_conn_retnat(con, NPFCT_DIR_IN, &forw), &nat);
	assert_false(forw);

	/* A second NAT entry is a duplicate-packet race. */
	assert_int_equal(npfct_conn_setnat(test_ct, &pkt, con, &nat,
	    NPFCT_NAT_OUT, &ta, htons(61001)), -EISCONN);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_RACE_NAT), 1);

	/* G/C frees the retired slot; flush releases the NAT entry. */
	assert_int_equal(npfct_gc_sync(test_ct), 0);
	assert_ptr_equal(test_ct_inspect(test_ct, xreply, NPFCT_DIR_IN, NULL),
	    con);
	assert_int_equal(npfct_flush(test_ct), 1);
	assert_int_equal(test_ct_nat_released, 1);
	rte_pktmbuf_free(out);
	rte_pktmbuf_free(xreply);
	rte_pktmbuf_free(reply);
}

/* Inbound NAT rewrites the source of the backwards stream. */
static void
test_setnat_inbound(void **state)
{
	/* Outside client to a public address, redirected inside. */
	struct rte_mbuf *in = test_pkt_udp4("198.51.100.9", 5000,
	    "203.0.113.1", 80);
	struct rte_mbuf *xreply = test_pkt_udp4("10.0.0.80", 8080,
	    "198.51.100.9", 5000);
	struct npfct_conn *con;
	union npfct_addr ta;
	struct npfct_pkt pkt;
	int nat;

	(void)state;
	npfct_pkt_parse(&pkt, in);
	con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_IN, false);
	assert_non_null(con);
	ta.v4 = inet_addr("10.0.0.80");
	assert_int_equal(npfct_conn_setnat(test_ct, &pkt, con, &nat,
	    NPFCT_NAT_IN, &ta, htons(8080)), 0);
	npfct_conn_release(con);
	assert_ptr_equal(test_ct_inspect(test_ct, xreply, NPFCT_DIR_OUT,
	    NULL), con);
	rte_pktmbuf_free(in);
	rte_pktmbuf_free(xreply);
}

/* Two connections translated to the same address/port: the second
 * re-insert hits the duplicate and its connection is expired. */
static void
test_setnat_duplicate_race(void **state)
{
	struct rte_mbuf *a = test_pkt_udp4("10.0.0.1", 1000, SERVER, 53);
	struct rte_mbuf *b = test_pkt_udp4("10.0.0.2", 1000, SERVER, 53);
	struct npfct_conn *ca, *cb;
	struct npfct_pkt pa, pb;
	union npfct_addr ta;
	int nat_a, nat_b;
	bool forw;

	(void)state;
	ta.v4 = inet_addr("203.0.113.1");
	npfct_pkt_parse(&pa, a);
	npfct_pkt_parse(&pb, b);
	ca = npfct_conn_establish(test_ct, &pa, NPFCT_DIR_OUT, false);
	cb = npfct_conn_establish(test_ct, &pb, NPFCT_DIR_OUT, false);
	assert_non_null(ca);
	assert_non_null(cb);
	assert_int_equal(npfct_conn_setnat(test_ct, &pa, ca, &nat_a,
	    NPFCT_NAT_OUT, &ta, htons(30000)), 0);
	assert_int_equal(npfct_conn_setnat(test_ct, &pb, cb, &nat_b,
	    NPFCT_NAT_OUT, &ta, htons(30000)), -EISCONN);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_RACE_NAT), 1);
	npfct_conn_release(ca);
	npfct_conn_release(cb);

	/* b is expired and gone from both streams. */
	assert_null(npfct_conn_lookup(test_ct, &pb, NPFCT_DIR_OUT, &forw));
	assert_ptr_equal(npfct_conn_lookup(test_ct, &pa, NPFCT_DIR_OUT,
	    &forw), ca);
	assert_int_equal(npfct_gc_sync(test_ct), 1);
	assert_int_equal(npfct_count(test_ct), 1);
	/* b's NAT entry stayed with the caller. */
	assert_int_equal(test_ct_nat_released, 0);
	assert_int_equal(npfct_flush(test_ct), 1);
	assert_int_equal(test_ct_nat_released, 1);
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(b);
}

static void
test_pass_rproc(void **state)
{
	struct rte_mbuf *out = udp_out();
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	void *rp = NULL;
	int proc;

	(void)state;
	npfct_pkt_parse(&pkt, out);
	con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	assert_false(npfct_conn_pass(con, &rp));
	assert_int_equal(npfct_conn_setpass(con, &proc), 0);
	assert_int_equal(npfct_conn_setpass(con, &proc), -EBUSY);
	npfct_conn_release(con);
	assert_true(npfct_conn_pass(con, &rp));
	assert_ptr_equal(rp, &proc);
	assert_int_equal(npfct_flush(test_ct), 1);
	assert_int_equal(test_ct_rproc_released, 1);
	rte_pktmbuf_free(out);
}

static void
test_expire_then_lookup(void **state)
{
	struct rte_mbuf *out = udp_out();
	struct npfct_conn *con;

	(void)state;
	con = test_ct_establish(test_ct, out, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	npfct_conn_expire(con);
	assert_null(test_ct_inspect(test_ct, out, NPFCT_DIR_OUT, NULL));
	/* Released after expiry: not activated again. */
	npfct_conn_release(con);
	assert_null(test_ct_inspect(test_ct, out, NPFCT_DIR_OUT, NULL));
	assert_int_equal(npfct_gc_sync(test_ct), 1);
	assert_int_equal(npfct_count(test_ct), 0);
	/* The flow can start again. */
	assert_non_null(test_ct_establish(test_ct, out, NPFCT_DIR_OUT, false));
	rte_pktmbuf_free(out);
}

static void
test_tracking_off(void **state)
{
	struct rte_mbuf *out = udp_out();
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	uint8_t v;

	(void)state;
	con = test_ct_establish(test_ct, out, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	npfct_tracking(test_ct, false);
	assert_null(test_ct_inspect(test_ct, out, NPFCT_DIR_OUT, &v));
	assert_int_equal(v, NPFCT_V_NOT_TRACKABLE);
	npfct_pkt_parse(&pkt, out);
	assert_int_equal(npfct_inspect_burst(test_ct, &out, &pkt, 1,
	    NPFCT_DIR_OUT, &con, &v), 0);
	assert_int_equal(v, NPFCT_V_NOT_TRACKABLE);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_TRACKING_OFF), 2);
	/* The database is kept. */
	npfct_tracking(test_ct, true);
	assert_non_null(test_ct_inspect(test_ct, out, NPFCT_DIR_OUT, &v));
	rte_pktmbuf_free(out);
}

static void
test_ipv6_connection(void **state)
{
	struct rte_mbuf *out = test_pkt_udp6("2001:db8::1", 5000,
	    "2001:db8:ff::53", 53);
	struct rte_mbuf *reply = test_pkt_udp6("2001:db8:ff::53", 53,
	    "2001:db8::1", 5000);
	struct rte_mbuf *other = test_pkt_udp6("2001:db8:ff::53", 53,
	    "2001:db8::2", 5000);
	struct npfct_conn *con;

	(void)state;
	con = test_ct_establish(test_ct, out, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	assert_ptr_equal(test_ct_inspect(test_ct, reply, NPFCT_DIR_IN, NULL),
	    con);
	assert_null(test_ct_inspect(test_ct, other, NPFCT_DIR_IN, NULL));
	rte_pktmbuf_free(out);
	rte_pktmbuf_free(reply);
	rte_pktmbuf_free(other);
}

static void
test_icmp_echo_connection(void **state)
{
	struct rte_mbuf *req = test_pkt_icmp4_echo(CLIENT, SERVER, 8, 99);
	struct rte_mbuf *rep = test_pkt_icmp4_echo(SERVER, CLIENT, 0, 99);
	struct rte_mbuf *rep2 = test_pkt_icmp4_echo(SERVER, CLIENT, 0, 98);
	struct npfct_conn *con;

	(void)state;
	con = test_ct_establish(test_ct, req, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	assert_ptr_equal(test_ct_inspect(test_ct, rep, NPFCT_DIR_IN, NULL),
	    con);
	assert_null(test_ct_inspect(test_ct, rep2, NPFCT_DIR_IN, NULL));
	rte_pktmbuf_free(req);
	rte_pktmbuf_free(rep);
	rte_pktmbuf_free(rep2);
}

/* An ALG that maps any packet to one connection, and checks that it
 * is called before the lookup. */
static struct npfct_conn *alg_con;
static unsigned int alg_calls;

static struct npfct_conn *
alg_hook(struct npfct *ct, const struct npfct_pkt *pkt, int di, void *arg)
{
	(void)ct;
	(void)di;
	alg_calls++;
	assert_ptr_equal(arg, &alg_calls);
	return pkt->proto == IPPROTO_ICMP ? alg_con : NULL;
}

static void
test_alg_hook(void **state)
{
	struct rte_mbuf *out = udp_out();
	struct rte_mbuf *icmp = test_pkt_icmp4_echo(SERVER, CLIENT, 13, 1);
	int h, i, hs[NPFCT_ALG_MAX];
	uint8_t v;

	(void)state;
	assert_int_equal(npfct_alg_register(test_ct, NULL, NULL), -EINVAL);
	alg_con = test_ct_establish(test_ct, out, NPFCT_DIR_OUT, false);
	h = npfct_alg_register(test_ct, alg_hook, &alg_calls);
	assert_true(h >= 0);
	alg_calls = 0;
	assert_ptr_equal(test_ct_inspect(test_ct, icmp, NPFCT_DIR_IN, &v),
	    alg_con);
	assert_int_equal(v, NPFCT_V_RELATED);
	assert_ptr_equal(test_ct_inspect(test_ct, out, NPFCT_DIR_OUT, &v),
	    alg_con);
	assert_int_equal(v, NPFCT_V_MATCH);
	assert_int_equal(alg_calls, 2);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_ALG_HIT), 1);

	/* Slots run out (the ICMP ALG has one). */
	for (i = 0; i < NPFCT_ALG_MAX - 2; i++) {
		hs[i] = npfct_alg_register(test_ct, alg_hook, &alg_calls);
		assert_true(hs[i] >= 0);
	}
	assert_int_equal(npfct_alg_register(test_ct, alg_hook, &alg_calls),
	    -ENOSPC);
	for (i = 0; i < NPFCT_ALG_MAX - 2; i++)
		assert_int_equal(npfct_alg_unregister(test_ct, hs[i]), 0);

	assert_int_equal(npfct_alg_unregister(test_ct, h), 0);
	assert_int_equal(npfct_alg_unregister(test_ct, h), -EINVAL);
	assert_int_equal(npfct_alg_unregister(test_ct, -1), -EINVAL);
	alg_calls = 0;
	assert_null(test_ct_inspect(test_ct, icmp, NPFCT_DIR_IN, &v));
	assert_int_equal(v, NPFCT_V_MISS);
	assert_int_equal(alg_calls, 0);
	rte_pktmbuf_free(out);
	rte_pktmbuf_free(icmp);
}

/*
 * npfct_alg_unregister() returns only once no lcore runs the hook: a
 * datapath lcore sits in the hook for a while when it is unregistered.
 */
static uint32_t slow_in_hook, slow_done, slow_stop;

static struct npfct_conn *
slow_hook(struct npfct *ct, const struct npfct_pkt *pkt, int di, void *arg)
{
	(void)ct;
	(void)pkt;
	(void)di;
	(void)arg;
	if (__atomic_load_n(&slow_done, __ATOMIC_ACQUIRE) == 0) {
		__atomic_store_n(&slow_in_hook, 1, __ATOMIC_RELEASE);
		rte_delay_us_sleep(100 * 1000);
		__atomic_store_n(&slow_done, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int
slow_reader(void *arg)
{
	struct rte_mbuf *m = arg;

	npfct_thread_register();
	while (!__atomic_load_n(&slow_stop, __ATOMIC_ACQUIRE)) {
		test_ct_inspect(test_ct, m, NPFCT_DIR_OUT, NULL);
		npfct_quiescent();
	}
	npfct_thread_unregister();
	return 0;
}

static void
test_alg_unregister_waits(void **state)
{
	struct rte_mbuf *m = udp_out();
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	int h;

	(void)state;
	slow_in_hook = slow_done = slow_stop = 0;
	h = npfct_alg_register(test_ct, slow_hook, NULL);
	assert_true(h >= 0);
	assert_int_equal(rte_eal_remote_launch(slow_reader, m, lcore), 0);
	while (!__atomic_load_n(&slow_in_hook, __ATOMIC_ACQUIRE))
		rte_pause();
	assert_int_equal(npfct_alg_unregister(test_ct, h), 0);
	/* The call waited for the grace period: the hook has returned. */
	assert_int_equal(__atomic_load_n(&slow_done, __ATOMIC_ACQUIRE), 1);
	__atomic_store_n(&slow_stop, 1, __ATOMIC_RELEASE);
	npfct_thread_offline();
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	npfct_thread_online();
	rte_pktmbuf_free(m);
}

/* The burst path gives the same answers as the per-packet path. */
static void
test_inspect_burst_mixed(void **state)
{
	enum { N = 100 };
	struct rte_mbuf *m[N];
	struct npfct_pkt pkts[N];
	struct npfct_conn *conns[N];
	struct npfct_conn *est[N];
	uint8_t v[N];
	unsigned int i, nmatch = 0;
	char a[32];

	(void)state;
	/* Flows 0..49 established; half the burst are their replies. */
	for (i = 0; i < N; i++) {
		snprintf(a, sizeof(a), "10.0.%u.%u", i / 200, i % 200 + 1);
		if (i % 4 == 3) {
			m[i] = test_pkt_udp6("2001:db8::1", (uint16_t)(1000 + i),
			    "2001:db8::2", 53);
		} else {
			m[i] = test_pkt_udp4(a, (uint16_t)(1000 + i), SERVER,
			    53);
		}
		est[i] = NULL;
		if (i < N / 2) {
			est[i] = test_ct_establish(test_ct, m[i],
			    NPFCT_DIR_OUT, false);
			assert_non_null(est[i]);
		}
	}
	/* A garbage packet at 10. */
	test_pkt_truncate(m[10], 20);

	nmatch = npfct_inspect_burst(test_ct, m, pkts, N, NPFCT_DIR_OUT, conns, v);
	assert_int_equal(nmatch, N / 2 - 1);
	nmatch = 0;
	for (i = 0; i < N; i++) {
		if (i == 10) {
			assert_int_equal(v[i], NPFCT_V_PARSE_ERROR);
			assert_null(conns[i]);
		} else if (i < N / 2) {
			assert_int_equal(v[i], NPFCT_V_MATCH);
			assert_ptr_equal(conns[i], est[i]);
			nmatch++;
		} else {
			assert_int_equal(v[i], NPFCT_V_MISS);
			assert_null(conns[i]);
		}
	}
	assert_int_equal(nmatch, N / 2 - 1);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_PARSE_L3_TRUNC), 1);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_LOOKUP_MISS),
	    N / 2);

	/* Establish the misses in one call; then everything matches. */
	{
		uint16_t idx[N], nidx = 0;

		for (i = 0; i < N; i++)
			if (v[i] == NPFCT_V_MISS)
				idx[nidx++] = (uint16_t)i;
		assert_int_equal(npfct_establish_burst(test_ct, pkts, idx,
		    nidx, NPFCT_DIR_OUT, NPFCT_EST_PASS |
		    NPFCT_EST_LOOKUP_FIRST, conns), N / 2);
		for (i = N / 2; i < N; i++) {
			assert_non_null(conns[i]);
			assert_true(npfct_conn_pass(conns[i], NULL));
		}
		/* Again: all duplicates now. */
		assert_int_equal(npfct_establish_burst(test_ct, pkts, idx,
		    nidx, NPFCT_DIR_OUT, 0, conns), 0);
		assert_null(conns[N / 2]);
		assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_RACE_CONN),
		    N / 2);
	}
	test_pkt_truncate(m[10], 10);
	assert_int_equal(npfct_inspect_burst(test_ct, m, pkts, N,
	    NPFCT_DIR_OUT, conns, v), N - 1);
	for (i = 0; i < N; i++)
		rte_pktmbuf_free(m[i]);
}

/* Two instances are independent. */
static void
test_two_instances(void **state)
{
	struct npfct *ct2 = test_ct_create("t1", 64);
	struct rte_mbuf *out = udp_out();
	struct npfct_conn *c1, *c2;

	(void)state;
	assert_non_null(ct2);
	c1 = test_ct_establish(test_ct, out, NPFCT_DIR_OUT, false);
	assert_non_null(c1);
	assert_null(test_ct_inspect(ct2, out, NPFCT_DIR_OUT, NULL));
	c2 = test_ct_establish(ct2, out, NPFCT_DIR_OUT, false);
	assert_non_null(c2);
	assert_ptr_not_equal(c1, c2);
	assert_ptr_equal(test_ct_inspect(ct2, out, NPFCT_DIR_OUT, NULL), c2);
	assert_ptr_equal(test_ct_inspect(test_ct, out, NPFCT_DIR_OUT, NULL),
	    c1);
	npfct_destroy(ct2);
	assert_ptr_equal(test_ct_inspect(test_ct, out, NPFCT_DIR_OUT, NULL),
	    c1);
	rte_pktmbuf_free(out);
}

static void
test_print_dump(void **state)
{
	struct rte_mbuf *out = on_port(udp_out(), 3);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(test_ct_establish(test_ct, out, NPFCT_DIR_OUT, true));
	f = open_memstream(&buf, &len);
	assert_int_equal(npfct_dump(test_ct, f), 1);
	fclose(f);
	assert_non_null(strstr(buf, "forw 17 10.0.0.1:40000 -> 192.0.2.80:53"));
	assert_non_null(strstr(buf, "back 17 192.0.2.80:53 -> 10.0.0.1:40000"));
	assert_non_null(strstr(buf, "state new"));
	assert_non_null(strstr(buf, " if 3 zone 0"));
	free(buf);
	assert_int_equal(npfct_dump(test_ct, NULL), -EINVAL);
	rte_pktmbuf_free(out);
}

/*
 * Threads without an lcore id.  rte_hash's multi-writer insert and slot
 * free index per-lcore state with rte_lcore_id(): from such a thread the
 * calls that insert refuse (EINVAL, counted as no-lcore), and those that
 * only tear down (destroy, db_destroy, load) work.
 */
struct no_lcore {
	struct npfct	*ct;		/* the test's, with one NAT connection */
	struct npfct_conn *con;
	struct npfct	*doomed;	/* destroyed by the thread */
	struct npfct_db	*spare;		/* db_destroy()ed by the thread */
	const void	*image;
	size_t		image_len;
	/* Results, checked by the main thread. */
	bool		est_null;
	int		est_errno;
	uint16_t	burst_made;
	bool		burst_conn_null;
	int		setnat;
	int		import;
	int		load;
	unsigned int	lcore;
};

static void *
no_lcore_thread(void *arg)
{
	struct no_lcore *nl = arg;
	struct rte_mbuf *m = test_pkt_udp4("10.0.0.9", 4000, SERVER, 53);
	struct npfct_conn *conns[1];
	union npfct_addr ta = { .v4 = inet_addr("203.0.113.9") };
	const uint16_t idx[1] = { 0 };
	struct npfct_pkt pkt;
	int nat;

	nl->lcore = rte_lcore_id();
	npfct_thread_register();
	npfct_pkt_parse(&pkt, m);
	nl->est_null = npfct_conn_establish(nl->ct, &pkt, NPFCT_DIR_OUT,
	    false) == NULL;
	nl->est_errno = rte_errno;
	nl->burst_made = npfct_establish_burst(nl->ct, &pkt, idx, 1,
	    NPFCT_DIR_OUT, 0, conns);
	nl->burst_conn_null = conns[0] == NULL;
	nl->setnat = npfct_conn_setnat(nl->ct, &pkt, nl->con, &nat,
	    NPFCT_NAT_OUT, &ta, htons(62000));
	nl->import = npfct_import(nl->ct, NULL, nl->image, nl->image_len,
	    NULL);
	npfct_thread_unregister();
	/* Tear-down needs no lcore id. */
	nl->load = npfct_load(nl->ct, NULL, false);
	npfct_db_destroy(nl->doomed, nl->spare);
	npfct_destroy(nl->doomed);
	rte_pktmbuf_free(m);
	return NULL;
}

static void
test_no_lcore_thread(void **state)
{
	struct npfct *doomed = test_ct_create("doomed", 64);
	struct rte_mbuf *m = udp_out();
	struct no_lcore nl = { .ct = test_ct };
	static uint8_t image[4096];
	struct npfct_pkt pkt;
	ssize_t len;
	pthread_t th;
	unsigned int i;

	(void)state;
	assert_non_null(doomed);
	nl.doomed = doomed;
	npfct_pkt_parse(&pkt, m);
	nl.con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(nl.con);
	npfct_conn_release(nl.con);
	/* An image to import: test_ct's one connection, moved to 10.0.0.2. */
	len = npfct_export(test_ct, image, sizeof(image));
	assert_true(len > 0);
	nl.image = image;
	nl.image_len = (size_t)len;
	/* The doomed instance: live, removed and pending connections. */
	for (i = 0; i < 32; i++) {
		char a[32];
		struct rte_mbuf *d;

		snprintf(a, sizeof(a), "10.5.0.%u", i + 1);
		d = test_pkt_udp4(a, 1000, SERVER, 53);
		assert_non_null(test_ct_establish(doomed, d, NPFCT_DIR_OUT,
		    false));
		rte_pktmbuf_free(d);
	}
	test_ct_advance(doomed, 31);
	assert_true(npfct_gc(doomed) >= 0);
	nl.spare = npfct_db_create(doomed);
	assert_non_null(nl.spare);

	/* The thread's load waits for a grace period: go offline. */
	npfct_thread_offline();
	assert_int_equal(pthread_create(&th, NULL, no_lcore_thread, &nl), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	npfct_thread_online();
	assert_int_equal(nl.lcore, LCORE_ID_ANY);
	assert_true(nl.est_null);
	assert_int_equal(nl.est_errno, EINVAL);
	assert_int_equal(nl.burst_made, 0);
	assert_true(nl.burst_conn_null);
	assert_int_equal(nl.setnat, -EINVAL);
	assert_int_equal(nl.import, -EINVAL);
	assert_int_equal(nl.load, 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_NO_LCORE), 4);
	/* The load emptied test_ct: nothing half-made is left. */
	assert_int_equal(npfct_count(test_ct), 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_CREATE),
	    test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY));
	assert_null(npfct_find("doomed"));
	rte_pktmbuf_free(m);
}

/*
 * nat_flow: establish the UDP flow 10.NET.0.(i+1):1000 -> SERVER:53 and
 * set NAT on it (port 61000 + i); returns what setnat returned.
 */
static int
nat_flow(struct npfct *ct, unsigned int net, unsigned int i)
{
	static int nat;
	union npfct_addr ta = { .v4 = inet_addr("203.0.113.1") };
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	char a[32];
	int ret;

	snprintf(a, sizeof(a), "10.%u.0.%u", net, i + 1);
	m = test_pkt_udp4(a, 1000, SERVER, 53);
	npfct_pkt_parse(&pkt, m);
	con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	ret = npfct_conn_setnat(ct, &pkt, con, &nat, NPFCT_NAT_OUT, &ta,
	    htons((uint16_t)(61000 + i)));
	npfct_conn_release(con);
	rte_pktmbuf_free(m);
	return ret;
}

/*
 * max_nat_conns bounds the second entries: past it setnat refuses with
 * -ENOSPC, counted as table-full, and the connection is expired (as for
 * a lost race); a destroyed NAT connection gives its entry back.
 */
static void
test_setnat_nat_limit(void **state)
{
	struct npfct_params p = {
		.name = "natlim", .socket_id = SOCKET_ID_ANY, .max_conns = 64,
		.max_nat_conns = 4, .flags = NPFCT_F_FIXED_HASH_SEED,
	};
	struct npfct *ct = npfct_create(&p);
	unsigned int i;

	(void)state;
	assert_non_null(ct);
	npfct_clock_manual(ct, TEST_CT_T0 * 1000000000ull);
	for (i = 0; i < 6; i++)
		assert_int_equal(nat_flow(ct, 6, i), i < 4 ? 0 : -ENOSPC);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_TABLE_FULL), 2);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_BUCKET_FULL), 0);
	/* All gone: the NAT entries are given back. */
	assert_int_equal(npfct_flush(ct), 6);
	for (i = 0; i < 4; i++)
		assert_int_equal(nat_flow(ct, 7, i), 0);
	npfct_destroy(ct);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create_bad_params),
		T(test_establish_errors),
		T(test_setnat_errors),
		T(test_setpass_errors),
		T(test_establish_lookup_both_directions),
		T(test_lookup_direction_mismatch),
		T(test_lookup_interface),
		T(test_establish_duplicate),
		T(test_establish_duplicate_backwards),
		T(test_setnat_rekey),
		T(test_setnat_inbound),
		T(test_setnat_duplicate_race),
		T(test_pass_rproc),
		T(test_expire_then_lookup),
		T(test_tracking_off),
		T(test_ipv6_connection),
		T(test_icmp_echo_connection),
		T(test_alg_hook),
		T(test_alg_unregister_waits),
		T(test_inspect_burst_mixed),
		T(test_two_instances),
		T(test_print_dump),
		T(test_no_lcore_thread),
		T(test_setnat_nat_limit),
	};

	return cmocka_run_group_tests_name("conn", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
