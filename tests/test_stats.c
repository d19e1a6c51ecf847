/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the statistics (src/stats.c): names, per-reason parse
 * counters through the inspect paths, counts from several lcores summed,
 * reset.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_lcore.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

static void
test_stats_bad_args(void **state)
{
	struct npfct_stats st;

	(void)state;
	assert_int_equal(npfct_stats_get(NULL, &st), -EINVAL);
	assert_int_equal(npfct_stats_get(test_ct, NULL), -EINVAL);
	assert_null(npfct_stat_name(NPFCT_STAT_MAX));
}

static void
test_stats_names_unique(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = 0; i < NPFCT_STAT_MAX; i++) {
		assert_non_null(npfct_stat_name(i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(npfct_stat_name(i),
			    npfct_stat_name(j));
	}
	for (i = 0; i < NPFCT_V_MAX; i++)
		assert_string_not_equal(npfct_verdict_str(i), "?");
	assert_string_equal(npfct_verdict_str(NPFCT_V_MAX), "?");
}

/* Each kind of bad packet is counted under its reason. */
static void
test_stats_parse_reasons(void **state)
{
	struct rte_mbuf *m[4];
	struct npfct_pkt pkts[4];
	struct npfct_conn *conns[4];
	uint8_t v[4];
	struct npfct_stats st;

	(void)state;
	m[0] = test_pkt_udp4("10.0.0.1", 1, "10.0.0.2", 2);
	test_pkt_truncate(m[0], 10);			/* l2 */
	m[1] = test_pkt_udp4("10.0.0.1", 1, "10.0.0.2", 2);
	test_pkt_truncate(m[1], 14 + 20 + 4);		/* l4 (ip bad len) */
	m[2] = test_pkt_tcp4("10.0.0.1", 1, "10.0.0.2", 2, NPFCT_TH_SYN, 1, 0);
	*test_pkt_byte(m[2], 14 + 20 + 12) = 0x20;	/* doff 2: l4 bad */
	m[3] = test_pkt_udp4("10.0.0.1", 1, "10.0.0.2", 2);
	*test_pkt_byte(m[3], 12) = 0x08;		/* ARP */
	*test_pkt_byte(m[3], 13) = 0x06;

	assert_int_equal(npfct_inspect_burst(test_ct, m, pkts, 4,
	    NPFCT_DIR_OUT, conns, v), 0);
	assert_int_equal(v[0], NPFCT_V_PARSE_ERROR);
	assert_int_equal(v[1], NPFCT_V_PARSE_ERROR);
	assert_int_equal(v[2], NPFCT_V_PARSE_ERROR);
	assert_int_equal(v[3], NPFCT_V_NOT_TRACKABLE);
	npfct_stats_get(test_ct, &st);
	assert_int_equal(st.count[NPFCT_STAT_PARSE_L2_TRUNC], 1);
	assert_int_equal(st.count[NPFCT_STAT_PARSE_L3_BAD] +
	    st.count[NPFCT_STAT_PARSE_L3_TRUNC], 1);
	assert_int_equal(st.count[NPFCT_STAT_PARSE_L4_BAD], 1);
	assert_int_equal(st.count[NPFCT_STAT_PARSE_NOT_IP], 1);

	npfct_stats_reset(test_ct);
	npfct_stats_get(test_ct, &st);
	assert_int_equal(st.count[NPFCT_STAT_PARSE_L4_BAD], 0);
	for (unsigned int i = 0; i < 4; i++)
		rte_pktmbuf_free(m[i]);
}

/* Counts made on other lcores and on a thread without an lcore id are
 * all summed. */
#define PER_LCORE	1000

static int
count_misses(void *arg)
{
	struct rte_mbuf *m = arg;
	unsigned int i;

	npfct_thread_register();
	for (i = 0; i < PER_LCORE; i++) {
		test_ct_inspect(test_ct, m, NPFCT_DIR_OUT, NULL);
		npfct_quiescent();
	}
	npfct_thread_unregister();
	return 0;
}

static void *
count_misses_thread(void *arg)
{
	count_misses(arg);
	return NULL;
}

static void
test_stats_sum_lcores(void **state)
{
	struct rte_mbuf *m = test_pkt_udp4("10.0.0.1", 1, "10.0.0.2", 2);
	unsigned int lcore, nlaunched = 0;
	pthread_t th;

	(void)state;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		assert_int_equal(rte_eal_remote_launch(count_misses, m, lcore),
		    0);
		nlaunched++;
	}
	assert_int_equal(pthread_create(&th, NULL, count_misses_thread, m),
	    0);
	npfct_thread_offline();
	rte_eal_mp_wait_lcore();
	pthread_join(th, NULL);
	npfct_thread_online();
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_LOOKUP_MISS),
	    (nlaunched + 1) * PER_LCORE);
	rte_pktmbuf_free(m);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_stats_bad_args),
		T(test_stats_names_unique),
		T(test_stats_parse_reasons),
		T(test_stats_sum_lcores),
	};

	return cmocka_run_group_tests_name("stats", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
