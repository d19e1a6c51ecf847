/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef TEST_CT_H
#define TEST_CT_H

/*
 * Test support: an npfct instance per test (DPDK's TEST_CASE_ST pattern).
 *
 * test_ct_setup() creates instance "t0" with TEST_CT_MAX connections per
 * family, a manual clock starting at TEST_CT_T0 seconds, and release
 * callbacks that count what they release; the calling thread is
 * registered with QSBR once.  test_ct_teardown() destroys it.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_stats.h"
#include "test_pkt.h"

#define TEST_CT_MAX	1024
#define TEST_CT_T0	1000ull

extern struct npfct *test_ct;
extern uint64_t test_ct_nat_released;
extern uint64_t test_ct_rproc_released;

int test_ct_setup(void **state);
int test_ct_teardown(void **state);

/* Create an instance with the counting callbacks (max per family). */
struct npfct *test_ct_create(const char *name, uint32_t max);

/* The same with instance flags (NPFCT_F_*) added. */
struct npfct *test_ct_create_flags(const char *name, uint32_t max,
		uint32_t flags);

/* Advance the manual clock of test_ct by seconds. */
void test_ct_advance(struct npfct *ct, uint64_t seconds);

/* Read one counter. */
uint64_t test_ct_stat(const struct npfct *ct, enum npfct_stat which);

/* Parse m (Ethernet) into pkt and establish + release a connection. */
struct npfct_conn *test_ct_establish(struct npfct *ct, struct rte_mbuf *m,
		int di, bool per_if);

/* Parse m and inspect it; returns the connection or NULL. */
struct npfct_conn *test_ct_inspect(struct npfct *ct, struct rte_mbuf *m,
		int di, uint8_t *verdict);

/*
 * Build a packet from spec, parse and inspect it; on a miss, establish
 * and release a connection if asked.  Returns the connection or NULL.
 */
struct npfct_conn *test_ct_send(struct npfct *ct,
		const struct test_pkt_spec *spec, int di, bool establish,
		uint8_t *verdict);

#endif /* TEST_CT_H */
