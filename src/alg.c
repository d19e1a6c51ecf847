/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct ALG hook: application-level gateways that find a packet's
 * connection with their own key (NPF's npf_alg_conn()).
 *
 * Overview
 *
 *	Up to NPFCT_ALG_MAX hooks per instance (one is the built-in ICMP
 *	error ALG).  Inspection asks each hook in slot order, before its own
 *	lookup; the first connection returned wins.  A hook states which
 *	packets it wants (NPFCT_PKT_* flags): the fast path skips the hooks
 *	entirely for a packet none of them wants, so the ICMP ALG costs the
 *	TCP and UDP hit path one AND.  A hook uses npfct_conn_lookup() with a packet of its
 *	own making (e.g. the packet embedded in an ICMP error); calling
 *	npfct_conn_inspect() from a hook is not allowed (no recursion), and
 *	debug builds assert it.
 *
 * Synchronisation
 *
 *	Hooks are published in ct_algs[] with release stores and read by
 *	datapath threads with acquire loads, without locks.  Registration
 *	is serialised by ct_ctl_lock.  Unregistration clears the slot, then
 *	waits for a QSBR grace period before freeing it, so no datapath
 *	thread runs a hook after npfct_alg_unregister() returns.
 */

#include <errno.h>

#include <urcu/urcu-qsbr.h>

#include <rte_malloc.h>

#include "npfct_impl.h"

struct npfct_conn *
npfct_alg_conn(struct npfct *ct, const struct npfct_pkt *pkt, int di)
{
	struct npfct_conn *con = NULL;
	unsigned int shared, i;
	struct npfct_lcore *lc = npfct_lcore(ct, &shared);

	/* The recursion guard is per lcore; the shared slot has none. */
	RTE_ASSERT(shared || lc->lc_in_alg == 0);
	if (!shared)
		lc->lc_in_alg++;
	for (i = 0; i < NPFCT_ALG_MAX && con == NULL; i++) {
		/* Acquire: pairs with the release in npfct_alg_register(). */
		const struct npfct_alg *alg = __atomic_load_n(&ct->ct_algs[i],
		    __ATOMIC_ACQUIRE);

		if (alg != NULL && (pkt->flags & alg->alg_mask) != 0)
			con = alg->alg_fn(ct, pkt, di, alg->alg_arg);
	}
	if (!shared)
		lc->lc_in_alg--;
	return con;
}

/* The union of the packet flags the registered ALGs want. */
static uint32_t
alg_mask_locked(const struct npfct *ct)
{
	uint32_t mask = 0;
	unsigned int i;

	for (i = 0; i < NPFCT_ALG_MAX; i++)
		if (ct->ct_algs[i] != NULL)
			mask |= ct->ct_algs[i]->alg_mask;
	return mask;
}

/*
 * npfct_alg_register_mask: register a hook called only for packets with
 * one of the NPFCT_PKT_* flags in mask.
 */
int
npfct_alg_register_mask(struct npfct *ct, npfct_alg_conn_t fn, void *arg,
		uint32_t mask)
{
	struct npfct_alg *alg;
	int i;

	if (ct == NULL || fn == NULL || mask == 0)
		return -EINVAL;
	alg = rte_zmalloc("npfct_alg", sizeof(*alg), 0);
	if (alg == NULL)
		return -ENOMEM;
	alg->alg_fn = fn;
	alg->alg_arg = arg;
	alg->alg_mask = mask;

	pthread_mutex_lock(&ct->ct_ctl_lock);
	for (i = 0; i < NPFCT_ALG_MAX; i++)
		if (ct->ct_algs[i] == NULL)
			break;
	if (i == NPFCT_ALG_MAX) {
		pthread_mutex_unlock(&ct->ct_ctl_lock);
		rte_free(alg);
		return -ENOSPC;
	}
	/* Release: a reader that sees the slot sees fn and arg. */
	__atomic_store_n(&ct->ct_algs[i], alg, __ATOMIC_RELEASE);
	__atomic_store_n(&ct->ct_alg_mask, alg_mask_locked(ct),
	    __ATOMIC_RELAXED);
	pthread_mutex_unlock(&ct->ct_ctl_lock);
	return i;
}

int
npfct_alg_register(struct npfct *ct, npfct_alg_conn_t fn, void *arg)
{
	/* Every packet with a valid layer 3 header. */
	return npfct_alg_register_mask(ct, fn, arg,
	    NPFCT_PKT_IP4 | NPFCT_PKT_IP6);
}

int
npfct_alg_unregister(struct npfct *ct, int handle)
{
	struct npfct_alg *alg;

	if (ct == NULL || handle < 0 || handle >= NPFCT_ALG_MAX)
		return -EINVAL;
	pthread_mutex_lock(&ct->ct_ctl_lock);
	alg = ct->ct_algs[handle];
	if (alg == NULL) {
		pthread_mutex_unlock(&ct->ct_ctl_lock);
		return -EINVAL;
	}
	__atomic_store_n(&ct->ct_algs[handle], NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&ct->ct_alg_mask, alg_mask_locked(ct),
	    __ATOMIC_RELAXED);
	/* No reader may still run the hook once a grace period passed. */
	urcu_qsbr_synchronize_rcu();
	pthread_mutex_unlock(&ct->ct_ctl_lock);
	rte_free(alg);
	return 0;
}
