/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Unit tests of endpoint-independent mapping and the hold time
 * (src/nat_eim.c) on the real EAL: one outside port per inside endpoint
 * for every destination and never another endpoint's; the binding lives
 * while connections use it, is held hold_ms after the last one (only its
 * owner gets it back meanwhile) and is then freed; the binding limit
 * refuses new endpoints; ICMP ids; two lcores opening and closing
 * connections of the same endpoints while the G/C runs (ASan proves the
 * reclamation), every binding gone at the end.
 */

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

#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_nat.h"
#include "npfct_nat_impl.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

#define OUTSIDE	"198.51.100.7"

static int
eim_policy(struct npfct *ct, uint32_t hold_ms, uint32_t eim_max)
{
	struct npfct_nat_policy_conf c;
	int id;

	assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 -> "
	    OUTSIDE " port 5000-5999", &c, NULL, 0), 0);
	c.flags = NPFCT_NATF_EIM;
	c.hold_ms = hold_ms;
	c.eim_max = eim_max;
	id = npfct_nat_policy_add(ct, &c);
	assert_true(id >= 0);
	return id;
}

/* Open a translated UDP (or ICMP echo) connection; its outside port. */
static int
open_udp(struct npfct *ct, uint8_t proto, const char *src, uint16_t sport,
		const char *dst, uint16_t *tport, struct npfct_conn **conp)
{
	struct test_pkt_spec s = {
		.af = AF_INET, .proto = proto, .src = src, .dst = dst,
		.sport = sport, .dport = 53, .wscale = -1, .payload_len = 8,
		.icmp_type = 8, .icmp_id = sport,
	};
	struct npfct_pkt pkt;
	struct rte_mbuf *m = test_pkt_build_parsed(&s, &pkt);
	struct npfct_conn *con;
	int ret;

	con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	ret = npfct_nat_establish(ct, &pkt, con, NPFCT_DIR_OUT);
	npfct_conn_release(con);
	if (ret == 1) {
		assert_int_equal(npfct_nat_translate(ct, &pkt, con,
		    NPFCT_DIR_OUT), 1);
		assert_int_equal(pkt.src.v4, inet_addr(OUTSIDE));
		*tport = ntohs(pkt.sport);
	}
	if (conp != NULL)
		*conp = ret == 1 ? con : NULL;
	rte_pktmbuf_free(m);
	return ret;
}

/* End connections: expire and collect them (the bindings' release). */
static void
close_conn(struct npfct *ct, struct npfct_conn *con)
{
	npfct_conn_expire(con);
	npfct_gc_sync(ct);
}

static void
advance_ms(struct npfct *ct, uint64_t ms)
{
	npfct_clock_set(ct, npfct_clock_now(ct) + ms * 1000000ull);
}

static const struct npfct_nat_policy *
policy0(struct npfct *ct)
{
	return __atomic_load_n(&ct->ct_nat->nat_table, __ATOMIC_ACQUIRE)->
	    nt_p[0];
}

/*
 * One endpoint, three destinations: one outside port.  Another endpoint
 * with the same source port, to another destination, gets another port
 * (endpoint-dependent NAT would have reused it), and keeps its own for
 * its next destination.
 */
static void
test_eim_same_mapping(void **state)
{
	uint16_t p1, p2, p3, q1, q2;

	(void)state;
	eim_policy(test_ct, 0, 0);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5100,
	    "192.0.2.1", &p1, NULL), 1);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5100,
	    "192.0.2.2", &p2, NULL), 1);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5100,
	    "192.0.2.3", &p3, NULL), 1);
	assert_int_equal(p1, 5100);
	assert_int_equal(p2, 5100);
	assert_int_equal(p3, 5100);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.2", 5100,
	    "192.0.2.9", &q1, NULL), 1);
	assert_int_not_equal(q1, 5100);
	assert_true(q1 >= 5000 && q1 <= 5999);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.2", 5100,
	    "192.0.2.1", &q2, NULL), 1);
	assert_int_equal(q2, q1);
	assert_int_equal(npfct_nat_eim_bindings(policy0(test_ct)), 2);
	/* ICMP ids: the same rule, their own key space. */
	assert_int_equal(open_udp(test_ct, IPPROTO_ICMP, "10.0.0.1", 5100,
	    "192.0.2.1", &p1, NULL), 1);
	assert_int_equal(open_udp(test_ct, IPPROTO_ICMP, "10.0.0.1", 5100,
	    "192.0.2.2", &p2, NULL), 1);
	assert_int_equal(p1, p2);
	assert_int_equal(npfct_nat_eim_bindings(policy0(test_ct)), 3);
}

/*
 * The binding outlives a connection while another uses it; after the
 * last one it is held: another endpoint cannot get the port, its owner
 * can; when the hold is over the port goes to whoever asks.
 */
static void
test_eim_hold(void **state)
{
	const struct npfct_nat_policy *p;
	struct npfct_conn *c1, *c2, *c3;
	uint16_t port, other;

	(void)state;
	eim_policy(test_ct, 120000, 0);
	p = policy0(test_ct);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5200,
	    "192.0.2.1", &port, &c1), 1);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5200,
	    "192.0.2.2", &port, &c2), 1);
	assert_int_equal(port, 5200);
	close_conn(test_ct, c1);
	assert_int_equal(npfct_nat_eim_bindings(p), 1);
	close_conn(test_ct, c2);
	/* Held: still there, with no connection. */
	assert_int_equal(npfct_nat_eim_bindings(p), 1);
	advance_ms(test_ct, 60000);
	npfct_gc_sync(test_ct);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.3", 5200,
	    "192.0.2.1", &other, &c3), 1);
	assert_int_not_equal(other, 5200);
	close_conn(test_ct, c3);
	/* Its owner takes it again. */
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5200,
	    "192.0.2.5", &port, &c1), 1);
	assert_int_equal(port, 5200);
	close_conn(test_ct, c1);
	/* The hold is over (counted from the last close): the next endpoint
	 * gets the port; the G/C frees the bindings after a grace period. */
	advance_ms(test_ct, 120001);
	npfct_gc_sync(test_ct);
	npfct_gc_sync(test_ct);
	assert_int_equal(npfct_nat_eim_bindings(p), 0);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.4", 5200,
	    "192.0.2.1", &port, NULL), 1);
	assert_int_equal(port, 5200);
}

/* Without a hold the binding goes with its last connection. */
static void
test_eim_no_hold(void **state)
{
	struct npfct_conn *c;
	uint16_t port;

	(void)state;
	eim_policy(test_ct, 0, 0);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5300,
	    "192.0.2.1", &port, &c), 1);
	close_conn(test_ct, c);
	npfct_gc_sync(test_ct);
	assert_int_equal(npfct_nat_eim_bindings(policy0(test_ct)), 0);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.2", 5300,
	    "192.0.2.1", &port, NULL), 1);
	assert_int_equal(port, 5300);
}

/*
 * eim_max bindings: a new endpoint past it is refused (exhausted,
 * counted); a known endpoint still opens connections.
 */
static void
test_eim_limit(void **state)
{
	char src[32];
	unsigned int i;
	uint16_t port;

	(void)state;
	eim_policy(test_ct, 0, 64);
	for (i = 0; i < 64; i++) {
		snprintf(src, sizeof(src), "10.0.1.%u", i + 1);
		assert_int_equal(open_udp(test_ct, IPPROTO_UDP, src, 6000,
		    "192.0.2.1", &port, NULL), 1);
	}
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.2.1", 6000,
	    "192.0.2.1", &port, NULL), -EADDRNOTAVAIL);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_NAT_EXHAUSTED), 1);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.1.1", 6000,
	    "192.0.2.2", &port, NULL), 1);
	/* Not EIM: hold and the limit are refused. */
	{
		struct npfct_nat_policy_conf c;

		assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 "
		    "-> " OUTSIDE, &c, NULL, 0), 0);
		c.hold_ms = 1;
		assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
		c.hold_ms = 0;
		c.flags = NPFCT_NATF_EIM;
		c.type = NPFCT_NAT_DNAT;
		assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	}
}

/* Two lcores share 16 endpoints while the main lcore collects. */
#define STRESS_ROUNDS	20000
static volatile int stress_stop;

/*
 * open_quiet: open_udp() without cmocka's asserts (a worker lcore must
 * not fail the test from its thread): 1 translated, else not.
 */
static int
open_quiet(struct npfct *ct, const char *src, const char *dst,
		struct npfct_conn **conp)
{
	struct rte_mbuf *m = test_pkt_udp4(src, 7000, dst, 53);
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	int ret = 0;

	*conp = NULL;
	if (m == NULL)
		return 0;
	if (npfct_pkt_parse(&pkt, m) == 0 &&
	    (con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT,
	    false)) != NULL) {
		ret = npfct_nat_establish(ct, &pkt, con, NPFCT_DIR_OUT);
		npfct_conn_release(con);
		if (ret == 1 && npfct_nat_translate(ct, &pkt, con,
		    NPFCT_DIR_OUT) == 1 && pkt.src.v4 == inet_addr(OUTSIDE))
			*conp = con;
		else if (ret == 1)
			ret = -1;	/* wrong translation */
	}
	rte_pktmbuf_free(m);
	return ret;
}

static int
stress_worker(void *arg)
{
	const unsigned int seed = (unsigned int)(uintptr_t)arg;
	struct npfct_conn *c;
	char src[32], dst[32];
	unsigned int i, ok = 0, bad = 0;
	int ret;

	npfct_thread_register();
	srand(seed);
	for (i = 0; i < STRESS_ROUNDS && !stress_stop; i++) {
		snprintf(src, sizeof(src), "10.0.3.%u", rand() % 16 + 1);
		snprintf(dst, sizeof(dst), "192.0.%u.%u", rand() % 4,
		    rand() % 250 + 1);
		ret = open_quiet(test_ct, src, dst, &c);
		if (ret == 1) {
			ok++;
			if (rand() % 2)
				npfct_conn_expire(c);
		} else if (ret == -1) {
			bad++;
		}
		npfct_quiescent();
	}
	npfct_thread_unregister();
	return ok > 0 && bad == 0 ? 0 : -1;
}

static void
test_eim_stress(void **state)
{
	unsigned int lc[2], i;
	uint64_t t;

	(void)state;
	eim_policy(test_ct, 0, 0);
	npfct_gc_sync(test_ct);
	lc[0] = rte_get_next_lcore(-1, 1, 0);
	lc[1] = rte_get_next_lcore(lc[0], 1, 0);
	stress_stop = 0;
	for (i = 0; i < 2; i++)
		assert_int_equal(rte_eal_remote_launch(stress_worker,
		    (void *)(uintptr_t)(i + 1), lc[i]), 0);
	for (t = 0; rte_eal_get_lcore_state(lc[0]) != WAIT ||
	    rte_eal_get_lcore_state(lc[1]) != WAIT; t++) {
		npfct_thread_offline();
		npfct_thread_online();
		/* The G/C on this lcore: it collects and frees bindings. */
		npfct_gc_sync(test_ct);
		npfct_flush(test_ct);
		if (t > 200000)
			stress_stop = 1;
	}
	npfct_thread_offline();
	for (i = 0; i < 2; i++)
		assert_int_equal(rte_eal_wait_lcore(lc[i]), 0);
	npfct_thread_online();
	npfct_flush(test_ct);
	npfct_gc_sync(test_ct);
	npfct_gc_sync(test_ct);
	assert_int_equal(npfct_count(test_ct), 0);
	assert_int_equal(npfct_nat_eim_bindings(policy0(test_ct)), 0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)
	const struct CMUnitTest tests[] = {
		T(test_eim_same_mapping),
		T(test_eim_hold),
		T(test_eim_no_hold),
		T(test_eim_limit),
		T(test_eim_stress),
	};

	return cmocka_run_group_tests_name("nat_eim", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
