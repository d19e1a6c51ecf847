/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the G/C and database replacement (src/gc.c, src/instance.c):
 * expiry by timeout with the driven clock, explicit expiry, flush, load of
 * a new database, a full table, and the balance of created and destroyed
 * connections.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_lcore.h>

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
	assert_true(n >= 16);
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
		T(test_table_full),
		T(test_gc_timeouts),
		T(test_gc_explicit_expire),
		T(test_flush_all),
		T(test_load_new_database),
		T(test_destroy_releases),
		T(test_gc_other_lcore),
	};

	return cmocka_run_group_tests_name("gc", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
