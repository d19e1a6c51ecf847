/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct G/C service: the DPDK service that runs G/C steps, the
 * grace-period thread, and the G/C tunables.
 *
 * Overview
 *
 *	Each instance registers a service component ("npfct_gc_NAME") whose
 *	callback runs npfct_gc() steps.  The application maps it to a
 *	service lcore (EAL -s/-S, rte_service_map_lcore_set()) and starts
 *	it, as for any DPDK service.  Service lcores call the callback in a
 *	loop; it returns at once (-EAGAIN) until the next step is due.  The
 *	interval adapts as in NPF: halved when a step collected something,
 *	doubled otherwise, within [gc.interval_min_ms, gc.interval_max_ms];
 *	a full table (gc_pressure) or finished grace periods make the next
 *	step due at once.
 *
 *	liburcu 0.13 cannot poll for the end of a grace period (0.14+ can,
 *	through call_rcu's worker thread: docs/design.md says why npfct
 *	keeps its own thread), and a service lcore must not block.  The grace-period thread (a DPDK
 *	control thread, one per instance) waits instead: the G/C requests a
 *	ticket after removing connections; the thread takes the newest
 *	ticket, runs urcu_qsbr_synchronize_rcu() and publishes the ticket as
 *	completed.  Since the thread reads the ticket after the G/C's
 *	removals (under gp_lock), the grace period it waits for started
 *	after them: batches with a ticket <= completed are safe to free.
 *	One grace period covers every ticket requested before it started.
 *
 * Synchronisation
 *
 *	gp_requested and gp_stop are protected by gp_lock; gp_completed is
 *	written by the thread with a release store and read with acquire.
 *	The thread's state is in malloc() memory, not the instance's, so an
 *	application that exits without npfct_destroy() does not pull the
 *	EAL memory from under a sleeping thread.
 *	The tunables are words read and written with relaxed atomics; they
 *	are validated before any is changed.  The service callback is not
 *	MT-safe: the service framework runs it on one lcore at a time, and
 *	it only tries ct_gc_lock.  Its argument is a guard in static memory
 *	(struct gc_guard) that outlives the instance: npfct_destroy() stops
 *	the service, waits for calls in progress, unregisters it and then
 *	drains the guard, so that a service lcore that was on its way into
 *	the callback finds the instance marked dying rather than freed.
 *
 * Lock order
 *
 *	npfct::ct_gc_lock ->
 *		npfct_gc::gp_lock
 *
 *	gc_guards_lock is a leaf, taken alone (create, destroy).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <urcu/urcu-qsbr.h>

#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_service.h>
#include <rte_service_component.h>

#include "npfct_impl.h"

#define GC_STEP_DEFAULT		256
#define GC_STEP_MAX		(1u << 20)
#define GC_INTERVAL_MIN_MS	50
#define GC_INTERVAL_MAX_MS	5000
#define GC_INTERVAL_LIMIT_MS	3600000u
#define GC_EARLY_DROP_DEFAULT	64

/*
 * gp_thread: wait for grace periods on behalf of the G/C.
 */
static void
gp_thread(void *arg)
{
	struct npfct_gp *gp = arg;
	uint64_t target;

	pthread_mutex_lock(&gp->gp_lock);
	while (!gp->gp_stop) {
		target = gp->gp_requested;
		if (target == __atomic_load_n(&gp->gp_completed,
		    __ATOMIC_RELAXED)) {
			pthread_cond_wait(&gp->gp_cond, &gp->gp_lock);
			continue;
		}
		pthread_mutex_unlock(&gp->gp_lock);
		urcu_qsbr_synchronize_rcu();
		/*
		 * Release: the G/C that sees the ticket completed (acquire)
		 * frees memory only after the grace period.
		 */
		__atomic_store_n(&gp->gp_completed, target, __ATOMIC_RELEASE);
		pthread_mutex_lock(&gp->gp_lock);
	}
	pthread_mutex_unlock(&gp->gp_lock);
}

/*
 * npfct_gc_gp_request: ask for a grace period that starts after now.
 *
 * => Returns its ticket.  Called after the removals it must cover.
 */
uint64_t
npfct_gc_gp_request(struct npfct *ct)
{
	struct npfct_gp *gp = ct->ct_gc.gc_gp;
	uint64_t ticket;

	pthread_mutex_lock(&gp->gp_lock);
	/* A relaxed store: gc_pending_ready_p() reads it without the lock. */
	ticket = gp->gp_requested + 1;
	__atomic_store_n(&gp->gp_requested, ticket, __ATOMIC_RELAXED);
	pthread_cond_signal(&gp->gp_cond);
	pthread_mutex_unlock(&gp->gp_lock);
	return ticket;
}

static int
gc_params_check(const struct npfct *ct, const struct npfct_gc_params *p)
{
	if (p->step == 0 || p->step > GC_STEP_MAX ||
	    p->interval_min_ms == 0 || p->interval_max_ms == 0 ||
	    p->interval_min_ms > GC_INTERVAL_LIMIT_MS ||
	    p->interval_max_ms > GC_INTERVAL_LIMIT_MS ||
	    p->interval_min_ms > p->interval_max_ms ||
	    p->early_drop == 0 ||
	    (p->early_drop != NPFCT_GC_EARLY_DROP_OFF &&
	    p->early_drop > ct->ct_max[NPFCT_AF4] + ct->ct_max[NPFCT_AF6]))
		return -EINVAL;
	return 0;
}

int
npfct_gc_params_set(struct npfct *ct, const struct npfct_gc_params *p)
{
	struct npfct_gc *gc;

	if (ct == NULL || p == NULL || gc_params_check(ct, p) != 0)
		return -EINVAL;
	gc = &ct->ct_gc;
	__atomic_store_n(&gc->gc_step, p->step, __ATOMIC_RELAXED);
	__atomic_store_n(&gc->gc_interval_min_ms, p->interval_min_ms,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&gc->gc_interval_max_ms, p->interval_max_ms,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&gc->gc_early_drop, p->early_drop ==
	    NPFCT_GC_EARLY_DROP_OFF ? 0 : p->early_drop, __ATOMIC_RELAXED);
	/* The new interval applies now: the next step is due at once. */
	__atomic_store_n(&gc->gc_next_tsc, 0, __ATOMIC_RELAXED);
	return 0;
}

int
npfct_gc_params_get(const struct npfct *ct, struct npfct_gc_params *p)
{
	const struct npfct_gc *gc;
	uint32_t drop;

	if (ct == NULL || p == NULL)
		return -EINVAL;
	gc = &ct->ct_gc;
	p->step = __atomic_load_n(&gc->gc_step, __ATOMIC_RELAXED);
	p->interval_min_ms = __atomic_load_n(&gc->gc_interval_min_ms,
	    __ATOMIC_RELAXED);
	p->interval_max_ms = __atomic_load_n(&gc->gc_interval_max_ms,
	    __ATOMIC_RELAXED);
	drop = __atomic_load_n(&gc->gc_early_drop, __ATOMIC_RELAXED);
	p->early_drop = drop ? drop : NPFCT_GC_EARLY_DROP_OFF;
	return 0;
}

/*
 * gc_adapt: NPF's adaptive interval, and the time of the next step.
 */
static void
gc_adapt(struct npfct *ct, bool collected)
{
	struct npfct_gc *gc = &ct->ct_gc;
	const uint32_t lo = __atomic_load_n(&gc->gc_interval_min_ms,
	    __ATOMIC_RELAXED);
	const uint32_t hi = __atomic_load_n(&gc->gc_interval_max_ms,
	    __ATOMIC_RELAXED);
	uint32_t ms = gc->gc_interval_ms;

	ms = collected ? ms / 2 : ms * 2;
	if (ms > hi)
		ms = hi;
	if (ms < lo)
		ms = lo;
	gc->gc_interval_ms = ms;
	__atomic_store_n(&gc->gc_next_tsc, rte_get_tsc_cycles() +
	    ct->ct_tsc_hz * gc->gc_interval_ms / 1000, __ATOMIC_RELAXED);
}

int
npfct_gc(struct npfct *ct)
{
	unsigned int n, removed;

	if (ct == NULL || rte_lcore_id() == LCORE_ID_ANY)
		return -EINVAL;
	if (pthread_mutex_trylock(&ct->ct_gc_lock) != 0)
		return 0;
	n = npfct_gc_step(ct, &removed);
	gc_adapt(ct, n != 0 || removed != 0);
	pthread_mutex_unlock(&ct->ct_gc_lock);
	return (int)n;
}

/* Whether a pending batch can be freed now. */
static bool
gc_pending_ready_p(const struct npfct *ct)
{
	return __atomic_load_n(&ct->ct_gc.gc_npending, __ATOMIC_RELAXED) &&
	    npfct_gc_gp_completed(ct) == __atomic_load_n(
	    &ct->ct_gc.gc_gp->gp_requested, __ATOMIC_RELAXED);
}

/*
 * Service guards.  The service callback's argument is a guard in static
 * memory, not the instance: a service lcore may still be on its way into
 * the callback when npfct_destroy() has stopped and unregistered the
 * service (it read the run states just before they changed), and it must
 * find memory that is still there.  The guard says whether the instance
 * is alive and counts the callbacks inside; destroy marks it dying and
 * waits until none is inside (a Dekker pair: both sides store, then load
 * the other's word, sequentially consistent), after which every late
 * caller sees "dying" and touches nothing else.  A guard is reused by a
 * later instance; a very late caller then runs a step of that instance,
 * which is harmless.  One guard per DPDK service slot at most.
 */
struct gc_guard {
	struct npfct	*g_ct;		/* the instance; guards_lock */
	uint32_t	g_inside;	/* callbacks inside; seq_cst */
	uint32_t	g_dying;	/* 1: do nothing; seq_cst */
};

/* DPDK's service slots (RTE_SERVICE_NUM_MAX, private to rte_service.c). */
#define GC_GUARDS	64

static struct gc_guard gc_guards[GC_GUARDS];
static pthread_mutex_t gc_guards_lock = PTHREAD_MUTEX_INITIALIZER;

/* A free guard for ct, live; NULL if none is free. */
static struct gc_guard *
gc_guard_get(struct npfct *ct)
{
	struct gc_guard *g = NULL;
	unsigned int i;

	pthread_mutex_lock(&gc_guards_lock);
	for (i = 0; i < GC_GUARDS; i++)
		if (gc_guards[i].g_ct == NULL) {
			g = &gc_guards[i];
			g->g_ct = ct;
			__atomic_store_n(&g->g_dying, 0, __ATOMIC_SEQ_CST);
			break;
		}
	pthread_mutex_unlock(&gc_guards_lock);
	return g;
}

/*
 * gc_guard_put: mark the guard dying, wait until no callback is inside,
 * and free it.
 */
static void
gc_guard_put(struct gc_guard *g)
{
	__atomic_store_n(&g->g_dying, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&g->g_inside, __ATOMIC_SEQ_CST) != 0)
		rte_pause();
	pthread_mutex_lock(&gc_guards_lock);
	g->g_ct = NULL;
	pthread_mutex_unlock(&gc_guards_lock);
}

/*
 * gc_service_run: the service callback.
 *
 * => Returns -EAGAIN when no step was due (no work for service stats),
 *    or when the instance is going (its guard is dying).
 */
static int32_t
gc_service_run(void *arg)
{
	struct gc_guard *g = arg;
	struct npfct *ct;
	struct npfct_gc *gc;
	int32_t ret = -EAGAIN;

	/* Seq_cst: pairs with gc_guard_put()'s store and load. */
	__atomic_fetch_add(&g->g_inside, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&g->g_dying, __ATOMIC_SEQ_CST) != 0)
		goto out;
	ct = g->g_ct;
	gc = &ct->ct_gc;
	if (rte_get_tsc_cycles() < __atomic_load_n(&gc->gc_next_tsc,
	    __ATOMIC_RELAXED) &&
	    !__atomic_load_n(&gc->gc_pressure, __ATOMIC_RELAXED) &&
	    !gc_pending_ready_p(ct))
		goto out;
	npfct_gc(ct);
	ret = 0;
out:
	/* Release: the instance is not touched after this. */
	__atomic_fetch_sub(&g->g_inside, 1, __ATOMIC_RELEASE);
	return ret;
}

int
npfct_gc_service_id(const struct npfct *ct, uint32_t *service_id)
{
	if (ct == NULL || service_id == NULL || !ct->ct_gc.gc_service_ok)
		return -EINVAL;
	*service_id = ct->ct_gc.gc_service_id;
	return 0;
}

/*
 * npfct_gc_init: set the tunables, start the grace-period thread and
 * register the service.
 *
 * => Control thread, from npfct_create().  Returns 0 or a negative errno.
 */
int
npfct_gc_init(struct npfct *ct, const struct npfct_gc_params *user)
{
	struct npfct_gc *gc = &ct->ct_gc;
	struct npfct_gc_params p = {
		.step = GC_STEP_DEFAULT,
		.interval_min_ms = GC_INTERVAL_MIN_MS,
		.interval_max_ms = GC_INTERVAL_MAX_MS,
		.early_drop = GC_EARLY_DROP_DEFAULT,
	};
	struct rte_service_spec spec;
	char name[16];	/* pthread names are at most 15 characters */
	struct npfct_gp *gp;
	int ret;

	/* Small tables: never drop more than they hold. */
	p.early_drop = RTE_MIN(p.early_drop, ct->ct_max[NPFCT_AF4]);
	if (user != NULL) {
		if (user->step != 0)
			p.step = user->step;
		if (user->interval_min_ms != 0)
			p.interval_min_ms = user->interval_min_ms;
		if (user->interval_max_ms != 0)
			p.interval_max_ms = user->interval_max_ms;
		if (user->early_drop != 0)
			p.early_drop = user->early_drop;
	}
	ret = npfct_gc_params_set(ct, &p);
	if (ret != 0)
		return ret;
	gc->gc_interval_ms = p.interval_min_ms;
	npfct_gc_batches_init(ct);

	gp = calloc(1, sizeof(*gp));
	if (gp == NULL)
		return -ENOMEM;
	pthread_mutex_init(&gp->gp_lock, NULL);
	pthread_cond_init(&gp->gp_cond, NULL);
	snprintf(name, sizeof(name), "npfct-gp%u", ct->ct_id);
	ret = npfct_ctrl_thread_create(&gp->gp_thread, name, gp_thread, gp);
	if (ret != 0) {
		NPFCT_LOG(ERR, "%s: cannot start the grace-period thread",
		    ct->ct_name);
		goto fail;
	}
	gc->gc_gp = gp;

	memset(&spec, 0, sizeof(spec));
	snprintf(spec.name, sizeof(spec.name), "npfct_gc_%s", ct->ct_name);
	gc->gc_guard = gc_guard_get(ct);
	if (gc->gc_guard == NULL) {
		NPFCT_LOG(ERR, "%s: no G/C service slot left", ct->ct_name);
		npfct_gc_fini(ct);
		return -ENOSPC;
	}
	spec.callback = gc_service_run;
	spec.callback_userdata = gc->gc_guard;
	ret = rte_service_component_register(&spec, &gc->gc_service_id);
	if (ret != 0) {
		NPFCT_LOG(ERR, "%s: cannot register the G/C service: %d",
		    ct->ct_name, ret);
		gc_guard_put(gc->gc_guard);
		gc->gc_guard = NULL;
		npfct_gc_fini(ct);
		return ret;
	}
	gc->gc_service_ok = true;
	/* The component is ready; the application starts the service. */
	rte_service_component_runstate_set(gc->gc_service_id, 1);
	return 0;
fail:
	pthread_cond_destroy(&gp->gp_cond);
	pthread_mutex_destroy(&gp->gp_lock);
	free(gp);
	return ret;
}

/*
 * gc_service_stop: stop the G/C service and wait until no service lcore
 * is in its callback or on its way into it.
 *
 * => rte_service_component_unregister() does not wait for a callback in
 *    progress (nor fail on 22.11): the instance must not be freed under
 *    it.  Both run states go to stopped, so that no lcore starts a new
 *    call once it has seen them, and rte_service_may_be_active() says
 *    when the lcores that were calling have returned; an lcore that read
 *    the run states just before they changed is caught by the guard
 *    (gc_guard_put(), after the unregister).  A service lcore runs other
 *    services too: the wait is not bounded, but it is logged once a
 *    second.
 */
static void
gc_service_stop(struct npfct *ct)
{
	const uint32_t id = ct->ct_gc.gc_service_id;
	const uint64_t hz = rte_get_timer_hz();
	uint64_t next_log = rte_get_timer_cycles() + hz;

	rte_service_component_runstate_set(id, 0);
	rte_service_runstate_set(id, 0);
	while (rte_service_may_be_active(id) == 1) {
		if (rte_get_timer_cycles() > next_log) {
			NPFCT_LOG(WARNING, "%s: waiting for the G/C service "
			    "to return on its service lcore", ct->ct_name);
			next_log += hz;
		}
		rte_delay_us_sleep(100);
	}
}

/*
 * npfct_gc_fini: stop and unregister the service, stop the grace-period
 * thread.
 *
 * => Control thread, from npfct_destroy(): waits for a service callback in
 *    progress to return (gc_service_stop()).
 */
void
npfct_gc_fini(struct npfct *ct)
{
	struct npfct_gc *gc = &ct->ct_gc;

	if (gc->gc_service_ok) {
		gc_service_stop(ct);
		if (rte_service_component_unregister(gc->gc_service_id) != 0)
			NPFCT_LOG(ERR, "%s: cannot unregister the G/C service",
			    ct->ct_name);
		gc_guard_put(gc->gc_guard);
		gc->gc_guard = NULL;
		gc->gc_service_ok = false;
	}
	if (gc->gc_gp != NULL) {
		struct npfct_gp *gp = gc->gc_gp;
		/*
		 * The thread may be waiting for a grace period that needs
		 * us: an online reader goes offline meanwhile.
		 */
		const bool online = urcu_qsbr_read_ongoing() != 0;

		pthread_mutex_lock(&gp->gp_lock);
		gp->gp_stop = true;
		pthread_cond_signal(&gp->gp_cond);
		pthread_mutex_unlock(&gp->gp_lock);
		if (online)
			urcu_qsbr_thread_offline();
		npfct_ctrl_thread_join(&gp->gp_thread);
		if (online)
			urcu_qsbr_thread_online();
		pthread_cond_destroy(&gp->gp_cond);
		pthread_mutex_destroy(&gp->gp_lock);
		free(gp);
		gc->gc_gp = NULL;
	}
}

