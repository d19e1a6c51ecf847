/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef TEST_EAL_H
#define TEST_EAL_H

/*
 * Test support: boot the real DPDK EAL once per test program.
 *
 * The EAL runs with --no-huge -m 512 --no-pci --no-shconf and four lcores
 * mapped onto the machine's CPUs ("--lcores (0-3)@(0-N)"), so that
 * multi-lcore tests run on a 2-core machine.  Extra arguments (e.g. a
 * --vdev) may be given.  A mbuf pool "test_mbufs" is created.
 */

#include <stdint.h>

#include <rte_mempool.h>

/* Boot the EAL (idempotent).  Returns 0 or a negative errno. */
int test_eal_init(int extra_argc, const char *const *extra_argv);

/* cmocka group setup/teardown wrappers around test_eal_init(). */
int test_eal_group_setup(void **state);
int test_eal_group_teardown(void **state);

/* The mbuf pool created by test_eal_init(). */
struct rte_mempool *test_mbuf_pool(void);

#endif /* TEST_EAL_H */
