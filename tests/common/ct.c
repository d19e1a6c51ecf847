/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Test support: an npfct instance per test, with a manual clock and
 * release callbacks that count.
 *
 * Synchronisation
 *
 *	The test's main thread registers with QSBR once and stays online;
 *	the counters are atomics since G/C may run on another lcore.
 */

#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <cmocka.h>

#include "test_ct.h"

struct npfct *test_ct;
uint64_t test_ct_nat_released;
uint64_t test_ct_rproc_released;

static void
count_nat(void *handle, void *arg)
{
	(void)handle;
	(void)arg;
	__atomic_fetch_add(&test_ct_nat_released, 1, __ATOMIC_RELAXED);
}

static void
count_rproc(void *handle, void *arg)
{
	(void)handle;
	(void)arg;
	__atomic_fetch_add(&test_ct_rproc_released, 1, __ATOMIC_RELAXED);
}

/*
 * NPFCT_TEST_FLAGS (environment): instance flags added to every test
 * instance, so that a suite runs again with, e.g., accounting on
 * (tests/meson.build: the "+acct" runs).
 */
static uint32_t
env_flags(void)
{
	const char *s = getenv("NPFCT_TEST_FLAGS");

	return s != NULL ? (uint32_t)strtoul(s, NULL, 0) : 0;
}

struct npfct *
test_ct_create(const char *name, uint32_t max)
{
	return test_ct_create_flags(name, max, 0);
}

struct npfct *
test_ct_create_flags(const char *name, uint32_t max, uint32_t flags)
{
	struct npfct_params p = {
		.name = name,
		.socket_id = SOCKET_ID_ANY,
		.max_conns = max,
		.flags = NPFCT_F_FIXED_HASH_SEED | flags | env_flags(),
		.nat_release = count_nat,
		.rproc_release = count_rproc,
	};
	struct npfct *ct = npfct_create(&p);

	if (ct != NULL)
		npfct_clock_manual(ct, TEST_CT_T0 * 1000000000ull);
	return ct;
}

int
test_ct_setup(void **state)
{
	static bool registered;

	(void)state;
	if (!registered) {
		npfct_thread_register();
		registered = true;
	}
	test_ct_nat_released = 0;
	test_ct_rproc_released = 0;
	test_ct = test_ct_create("t0", TEST_CT_MAX);
	return test_ct == NULL ? -1 : 0;
}

int
test_ct_teardown(void **state)
{
	(void)state;
	npfct_destroy(test_ct);
	test_ct = NULL;
	return 0;
}

void
test_ct_advance(struct npfct *ct, uint64_t seconds)
{
	npfct_clock_set(ct, npfct_clock_now(ct) + seconds * 1000000000ull);
}

uint64_t
test_ct_stat(const struct npfct *ct, enum npfct_stat which)
{
	struct npfct_stats st;

	assert_int_equal(npfct_stats_get(ct, &st), 0);
	return st.count[which];
}

struct npfct_conn *
test_ct_establish(struct npfct *ct, struct rte_mbuf *m, int di, bool per_if)
{
	struct npfct_pkt pkt;
	struct npfct_conn *con;

	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	con = npfct_conn_establish(ct, &pkt, di, per_if);
	if (con != NULL)
		npfct_conn_release(con);
	return con;
}

struct npfct_conn *
test_ct_inspect(struct npfct *ct, struct rte_mbuf *m, int di,
		uint8_t *verdict)
{
	struct npfct_pkt pkt;

	npfct_pkt_parse(&pkt, m);
	return npfct_conn_inspect(ct, &pkt, di, verdict);
}

struct npfct_conn *
test_ct_send(struct npfct *ct, const struct test_pkt_spec *spec, int di,
		bool establish, uint8_t *verdict)
{
	struct rte_mbuf *m = test_pkt_build(spec);
	struct npfct_conn *con;
	struct npfct_pkt pkt;

	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	con = npfct_conn_inspect(ct, &pkt, di, verdict);
	if (con == NULL && establish) {
		con = npfct_conn_establish(ct, &pkt, di, false);
		if (con != NULL)
			npfct_conn_release(con);
	}
	rte_pktmbuf_free(m);
	return con;
}
