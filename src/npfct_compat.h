/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct_compat.h: the DPDK calls whose form differs between the releases
 * npfct supports (22.11 and 24.11 LTS; 23.11 is expected to work).
 *
 * PRIVATE HEADER: not installed, not part of the API.  Only what really
 * differs is here, each behind one rte_version.h check:
 *
 *	control threads	rte_ctrl_thread_create() + pthread_join() up to
 *			23.07; rte_thread_create_control() + rte_thread_join()
 *			from 23.11 (23.07's variant took other arguments, and
 *			24.11 removed the old call);
 *	telemetry	rte_tel_data_add_dict_u64() up to 23.03, deprecated
 *			for rte_tel_data_add_dict_uint() from then on.
 *
 * What changed in a compatible way needs no check and is not here: the
 * IPv6 header's addresses (uint8_t[16], then struct rte_ipv6_addr of the
 * same 16 bytes) are copied through their address, &ip6->src_addr, which
 * both forms allow.
 */

#ifndef NPFCT_COMPAT_H
#define NPFCT_COMPAT_H

#include <stdint.h>

#include <rte_telemetry.h>
#include <rte_thread.h>
#include <rte_version.h>

#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
#define NPFCT_RTE_THREAD_CONTROL 1
#else
#include <pthread.h>
#include <rte_lcore.h>
#define NPFCT_RTE_THREAD_CONTROL 0
#endif

/** A DPDK control thread, as each release spells it. */
struct npfct_ctrl_thread {
#if NPFCT_RTE_THREAD_CONTROL
	rte_thread_t	ct_id;
#else
	pthread_t	ct_id;
#endif
	void		(*ct_func)(void *);
	void		*ct_arg;
};

#if NPFCT_RTE_THREAD_CONTROL
static inline uint32_t
npfct_ctrl_thread_trampoline(void *arg)
{
	struct npfct_ctrl_thread *t = arg;

	t->ct_func(t->ct_arg);
	return 0;
}
#else
static inline void *
npfct_ctrl_thread_trampoline(void *arg)
{
	struct npfct_ctrl_thread *t = arg;

	t->ct_func(t->ct_arg);
	return NULL;
}
#endif

/*
 * npfct_ctrl_thread_create: start func(arg) on a DPDK control thread
 * named name (at most 15 characters).
 *
 * => *t must stay in place until npfct_ctrl_thread_join() returns.
 * => Returns 0 or a negative errno.
 */
static inline int
npfct_ctrl_thread_create(struct npfct_ctrl_thread *t, const char *name,
    void (*func)(void *), void *arg)
{
	int ret;

	t->ct_func = func;
	t->ct_arg = arg;
#if NPFCT_RTE_THREAD_CONTROL
	ret = rte_thread_create_control(&t->ct_id, name,
	    npfct_ctrl_thread_trampoline, t);
#else
	ret = rte_ctrl_thread_create(&t->ct_id, name, NULL,
	    npfct_ctrl_thread_trampoline, t);
#endif
	/* Either returns a positive or a negative errno, by release. */
	return ret > 0 ? -ret : ret;
}

/* npfct_ctrl_thread_join: wait for the thread to return. */
static inline void
npfct_ctrl_thread_join(struct npfct_ctrl_thread *t)
{
#if NPFCT_RTE_THREAD_CONTROL
	rte_thread_join(t->ct_id, NULL);
#else
	pthread_join(t->ct_id, NULL);
#endif
}

/* npfct_tel_dict_uint: add an unsigned value to a telemetry dictionary. */
static inline int
npfct_tel_dict_uint(struct rte_tel_data *d, const char *name, uint64_t val)
{
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
	return rte_tel_data_add_dict_uint(d, name, val);
#else
	return rte_tel_data_add_dict_u64(d, name, val);
#endif
}

/* The type of a telemetry array of unsigned values. */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
#define NPFCT_TEL_UINT_VAL	RTE_TEL_UINT_VAL
#else
#define NPFCT_TEL_UINT_VAL	RTE_TEL_U64_VAL
#endif

/* npfct_tel_array_uint: add an unsigned value to a telemetry array. */
static inline int
npfct_tel_array_uint(struct rte_tel_data *d, uint64_t val)
{
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
	return rte_tel_data_add_array_uint(d, val);
#else
	return rte_tel_data_add_array_u64(d, val);
#endif
}

#endif /* NPFCT_COMPAT_H */
