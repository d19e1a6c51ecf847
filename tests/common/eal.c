/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Test support: boot the real DPDK EAL once per test program.
 *
 * Overview
 *
 *	test_eal_init() runs rte_eal_init() with a fixed argument list
 *	(no huge pages, no PCI, no shared configuration, quiet EAL logs)
 *	and four lcores 0-3 floating over all the CPUs of the machine, so
 *	that multi-lcore tests also run on a 2-CPU machine.  It then creates
 *	the mbuf pool "test_mbufs".  A second call does nothing, so every
 *	cmocka group of a program may call it.
 *
 *	The EAL stays up until the program exits: an atexit() handler frees
 *	the pool and calls rte_eal_cleanup(), because the EAL cannot be
 *	initialised again in the same process.
 *
 * Synchronisation
 *
 *	None: called from the main thread, before any lcore is launched.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <limits.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "test_eal.h"

#define TEST_POOL_NAME		"test_mbufs"
#define TEST_POOL_SIZE		8191
#define TEST_POOL_CACHE		256
#define TEST_EAL_ARGS_MAX	32

static bool eal_up;
static struct rte_mempool *test_pool;

/*
 * eal_exit: atexit() handler; free the pool and shut the EAL down.
 */
static void
eal_exit(void)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_mempool_free(test_pool);
	test_pool = NULL;
	rte_eal_cleanup();

	/* Remove the per-process runtime directory (sockets, config). */
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX + 256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * pool_init: create (or find, if a previous run left it) the mbuf pool.
 */
static int
pool_init(void)
{
	test_pool = rte_mempool_lookup(TEST_POOL_NAME);
	if (test_pool != NULL)
		return 0;
	test_pool = rte_pktmbuf_pool_create(TEST_POOL_NAME, TEST_POOL_SIZE,
	    TEST_POOL_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (test_pool == NULL)
		return -rte_errno;
	return 0;
}

/*
 * test_eal_init: boot the EAL with the test arguments plus extra_argv.
 *
 * => Idempotent; returns 0 or a negative errno.
 */
int
test_eal_init(int extra_argc, const char *const *extra_argv)
{
	static char *copies[TEST_EAL_ARGS_MAX];
	char *argv[TEST_EAL_ARGS_MAX + 1];
	char lcores[64], prefix[64];
	const char *base[] = {
		"npfct_test",
		"--no-huge", "-m", "512",
		"--no-pci",
		"--no-shconf",
		/*
		 * Our own runtime directory, so that test programs running
		 * at the same time do not share a telemetry socket.
		 */
		"--file-prefix", prefix,
		"--lcores", lcores,
		"--log-level", "lib.eal:error",
		"--log-level", "lib.telemetry:error",
	};
	int argc = 0, ret, i;
	long ncpu;

	if (eal_up)
		return 0;
	if (extra_argc < 0 || (extra_argc > 0 && extra_argv == NULL) ||
	    RTE_DIM(base) + (unsigned int)extra_argc > TEST_EAL_ARGS_MAX)
		return -EINVAL;

	snprintf(prefix, sizeof(prefix), "npfct-test-%ld", (long)getpid());
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu <= 1)
		snprintf(lcores, sizeof(lcores), "(0-3)@0");
	else
		snprintf(lcores, sizeof(lcores), "(0-3)@(0-%ld)", ncpu - 1);

	/*
	 * rte_eal_init() permutes and overwrites argv, and may keep pointers
	 * to the strings (argv[0] becomes the syslog ident): give it copies
	 * that live until exit.
	 */
	for (i = 0; i < (int)RTE_DIM(base); i++)
		copies[argc++] = strdup(base[i]);
	for (i = 0; i < extra_argc; i++)
		copies[argc++] = strdup(extra_argv[i]);
	for (i = 0; i < argc; i++) {
		if (copies[i] == NULL)
			return -ENOMEM;
		argv[i] = copies[i];
	}
	argv[argc] = NULL;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		ret = -rte_errno;
		/* Someone else booted the EAL: use it. */
		if (ret != -EALREADY)
			goto out;
	} else {
		atexit(eal_exit);
	}
	ret = pool_init();
	if (ret == 0)
		eal_up = true;
out:
	return ret;
}

int
test_eal_group_setup(void **state)
{
	(void)state;
	return test_eal_init(0, NULL) == 0 ? 0 : -1;
}

int
test_eal_group_teardown(void **state)
{
	(void)state;
	/* The EAL stays up for the next group; see eal_exit(). */
	return 0;
}

struct rte_mempool *
test_mbuf_pool(void)
{
	return test_pool;
}
