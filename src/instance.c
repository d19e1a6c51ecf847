/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct instances: create/destroy, tracking switch, database load,
 * timeouts, the clock and the QSBR registration wrappers.
 *
 * Overview
 *
 *	What NPF keeps in statics (the database, the connection cache, the
 *	conn_lock, the tracking flag) is per instance here, so instances
 *	coexist in one process.  Connections come from two pools (IPv4 and
 *	IPv6 sized objects, connpool.c) with per-lcore magazines; each pool
 *	holds max_conns plus what the magazines may hold, so max_conns
 *	connections can always be established.
 *
 * Life-cycle
 *
 *	npfct_create() builds the pools and a first database;
 *	npfct_load() swaps in another database: the new one is published
 *	(rcu_assign_pointer), a grace period passes, and the old one is then
 *	flushed without further waits and freed.  npfct_destroy() flushes
 *	and frees everything; no other thread may use the instance then.
 *
 * Synchronisation
 *
 *	ct_db is read by datapath threads with an acquire load once per
 *	call or burst; it is written by npfct_load() under ct_ctl_lock and
 *	ct_gc_lock.  ct_tracking and the timeouts are relaxed words.  The
 *	instance registry (npfct_find()) has its own mutex.
 *
 * Lock order
 *
 *	instances_lock ->
 *		npfct::ct_ctl_lock ->
 *			npfct::ct_gc_lock
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <urcu/urcu-qsbr.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "npfct_event_impl.h"
#include "npfct_ext.h"
#include "npfct_impl.h"
#include "npfct_nat_impl.h"

RTE_LOG_REGISTER(npfct_logtype, lib.npfct, INFO);

/* Default timeouts (seconds), close to NPF's. */
static const uint32_t timeout_defaults[NPFCT_TIMEOUT_MAX] = {
	[NPFCT_TIMEOUT_GENERIC_CLOSED] = 0,
	[NPFCT_TIMEOUT_GENERIC_NEW] = 30,
	[NPFCT_TIMEOUT_GENERIC_ESTABLISHED] = 60,
	[NPFCT_TIMEOUT_TCP_NEW] = 30,
	[NPFCT_TIMEOUT_TCP_ESTABLISHED] = 86400,
	[NPFCT_TIMEOUT_TCP_HALF_CLOSE] = 21600,
	[NPFCT_TIMEOUT_TCP_CLOSE] = 10,
	[NPFCT_TIMEOUT_TCP_TIME_WAIT] = 240,
};

static const char *const timeout_names[NPFCT_TIMEOUT_MAX] = {
	[NPFCT_TIMEOUT_GENERIC_CLOSED] = "generic.closed",
	[NPFCT_TIMEOUT_GENERIC_NEW] = "generic.new",
	[NPFCT_TIMEOUT_GENERIC_ESTABLISHED] = "generic.established",
	[NPFCT_TIMEOUT_TCP_NEW] = "tcp.new",
	[NPFCT_TIMEOUT_TCP_ESTABLISHED] = "tcp.established",
	[NPFCT_TIMEOUT_TCP_HALF_CLOSE] = "tcp.half_close",
	[NPFCT_TIMEOUT_TCP_CLOSE] = "tcp.close",
	[NPFCT_TIMEOUT_TCP_TIME_WAIT] = "tcp.time_wait",
};

/* Longest timeout accepted: 30 days. */
#define TIMEOUT_MAX_SECONDS	(30u * 86400u)

/* Default per-lcore cache of the connection pools. */
#define CONN_CACHE_DEFAULT	256
#define CONN_CACHE_MAX		512	/* as rte_mempool's per-lcore cache */

static TAILQ_HEAD(, npfct) instances = TAILQ_HEAD_INITIALIZER(instances);
static pthread_mutex_t instances_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t instances_made;

static struct npfct *
instance_find_locked(const char *name)
{
	struct npfct *ct;

	TAILQ_FOREACH(ct, &instances, ct_entry)
		if (strncmp(ct->ct_name, name, NPFCT_NAMESIZE) == 0)
			return ct;
	return NULL;
}

static int
conn_pool_create(struct npfct *ct, unsigned int af, uint32_t batch)
{
	char name[32];

	snprintf(name, sizeof(name), "npfct%u_c%c", ct->ct_id,
	    af == NPFCT_AF4 ? '4' : '6');
	return npfct_connpool_init(&ct->ct_pool[af], name,
	    ct->ct_conn_size[af], ct->ct_max[af], batch, ct->ct_socket);
}

static int
params_check(const struct npfct_params *p)
{
	unsigned int i;

	if (p == NULL || p->name == NULL || p->name[0] == '\0' ||
	    strnlen(p->name, NPFCT_NAMESIZE) >= NPFCT_NAMESIZE ||
	    p->max_conns == 0 || p->max_conns > (1u << 28) ||
	    p->max_conns6 > (1u << 28) ||
	    p->max_nat_conns > (1u << 28) ||
	    p->cache_size > CONN_CACHE_MAX ||
	    (p->flags & ~(NPFCT_F_TRACKING_OFF | NPFCT_F_FIXED_HASH_SEED |
	    NPFCT_F_TCP_LOOSE | NPFCT_F_TCP_RST_LOOSE |
	    NPFCT_F_ACCOUNTING)) ||
	    p->udata_size > NPFCT_UDATA_MAX || p->udata_size % 8 != 0 ||
	    p->event_ring_size > NPFCT_EVENT_RING_MAX ||
	    (p->event_ring_size == 0 && p->event_update_rate != 0) ||
	    p->tcp_max_ack_win > (1u << 30) ||
	    (unsigned int)p->hash >= NPFCT_HASH_MAX)
		return -EINVAL;
	if (p->timeouts != NULL)
		for (i = 0; i < NPFCT_TIMEOUT_MAX; i++)
			if (p->timeouts[i] > TIMEOUT_MAX_SECONDS)
				return -EINVAL;
	return 0;
}

struct npfct *
npfct_create(const struct npfct_params *p)
{
	struct npfct *ct;
	unsigned int af, i;
	uint32_t cache;
	int ret = -ENOMEM;

	if (params_check(p) != 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (!npfct_hash_func_supported(p->hash)) {
		NPFCT_LOG(ERR, "%s: hash function %s not supported by this CPU",
		    p->name, npfct_hash_func_name(p->hash));
		rte_errno = ENOTSUP;
		return NULL;
	}
	pthread_mutex_lock(&instances_lock);
	if (instance_find_locked(p->name) != NULL) {
		pthread_mutex_unlock(&instances_lock);
		rte_errno = EEXIST;
		return NULL;
	}
	ct = rte_zmalloc_socket("npfct", sizeof(*ct), RTE_CACHE_LINE_SIZE,
	    p->socket_id);
	if (ct == NULL)
		goto nomem;
	strlcpy(ct->ct_name, p->name, sizeof(ct->ct_name));
	ct->ct_id = instances_made++;
	ct->ct_socket = p->socket_id;
	ct->ct_flags = p->flags;
	ct->ct_hash_func = p->hash;
	ct->ct_max[NPFCT_AF4] = p->max_conns;
	ct->ct_max[NPFCT_AF6] = p->max_conns6 ? p->max_conns6 : p->max_conns;
	for (af = 0; af < NPFCT_NAF; af++)
		ct->ct_max_nat[af] = RTE_MIN(ct->ct_max[af], p->max_nat_conns ?
		    p->max_nat_conns : ct->ct_max[af] / 8 + 1);
	ct->ct_rproc_release = p->rproc_release;
	ct->ct_nat_release = p->nat_release;
	ct->ct_release_arg = p->release_arg;
	ct->ct_tcp_max_ack_win = p->tcp_max_ack_win ? p->tcp_max_ack_win :
	    NPFCT_TCP_MAX_ACK_WIN;
	/* Checked by params_check(). */
	RTE_VERIFY(npfct_ext_layout(ct, p) == 0);
	ct->ct_tsc_hz = rte_get_tsc_hz();
	ct->ct_tsc_base = rte_get_tsc_cycles();
	for (i = 0; i < NPFCT_TIMEOUT_MAX; i++) {
		ct->ct_timeouts[i] = timeout_defaults[i];
		if (p->timeouts != NULL && p->timeouts[i] != 0)
			ct->ct_timeouts[i] = p->timeouts[i];
	}
	pthread_mutex_init(&ct->ct_ctl_lock, NULL);
	pthread_mutex_init(&ct->ct_gc_lock, NULL);

	ret = -ENOMEM;
	ct->ct_zones = rte_zmalloc_socket("npfct_zones",
	    sizeof(*ct->ct_zones), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (ct->ct_zones == NULL)
		goto fail;
	ret = npfct_events_init(ct, p);
	if (ret != 0)
		goto fail;
	ret = npfct_nat_init(ct);
	if (ret != 0)
		goto fail;
	/* Keep the magazines small next to a small table. */
	cache = p->cache_size ? p->cache_size : CONN_CACHE_DEFAULT;
	for (af = 0; af < NPFCT_NAF; af++) {
		uint32_t c = RTE_MIN(cache, ct->ct_max[af] / 8);

		ret = conn_pool_create(ct, af, c);
		if (ret != 0)
			goto fail;
	}
	ct->ct_db = npfct_conndb_create(ct);
	if (ct->ct_db == NULL) {
		ret = -rte_errno;
		goto fail;
	}
	/* Every database resolves the function alike (it depends on the CPU). */
	ct->ct_hash_used = (enum npfct_hash_func)ct->ct_db->db_hkey.h_func;
	ct->ct_db->db_installed = true;
	ct->ct_tracking = (p->flags & NPFCT_F_TRACKING_OFF) ? 0 : 1;
	/* Built-in ALG: ICMP errors related to their connection. */
	ret = npfct_alg_icmp_register(ct);
	if (ret < 0) {
		npfct_conndb_destroy(ct->ct_db);
		goto fail;
	}
	ret = npfct_gc_init(ct, p->gc);
	if (ret != 0) {
		rte_free(ct->ct_algs[0]);
		npfct_conndb_destroy(ct->ct_db);
		goto fail;
	}

	TAILQ_INSERT_TAIL(&instances, ct, ct_entry);
	pthread_mutex_unlock(&instances_lock);
	npfct_telemetry_init();
	NPFCT_LOG(DEBUG, "%s: created, %u IPv4 and %u IPv6 connections",
	    ct->ct_name, ct->ct_max[NPFCT_AF4], ct->ct_max[NPFCT_AF6]);
	return ct;
fail:
	NPFCT_LOG(ERR, "%s: cannot create: %s", p->name, rte_strerror(-ret));
	for (af = 0; af < NPFCT_NAF; af++)
		npfct_connpool_fini(&ct->ct_pool[af]);
	npfct_events_fini(ct);
	npfct_nat_fini(ct);
	rte_free(ct->ct_zones);
	pthread_mutex_destroy(&ct->ct_ctl_lock);
	pthread_mutex_destroy(&ct->ct_gc_lock);
	rte_free(ct);
nomem:
	pthread_mutex_unlock(&instances_lock);
	rte_errno = -ret;
	return NULL;
}

void
npfct_destroy(struct npfct *ct)
{
	unsigned int af, i;

	if (ct == NULL)
		return;
	pthread_mutex_lock(&instances_lock);
	TAILQ_REMOVE(&instances, ct, ct_entry);
	pthread_mutex_unlock(&instances_lock);

	__atomic_store_n(&ct->ct_tracking, 0, __ATOMIC_RELAXED);
	/* The connections go with the instance: no DESTROY events. */
	__atomic_store_n(&ct->ct_ev_mask, 0, __ATOMIC_RELAXED);
	/* No reader may use the instance any more: no grace period. */
	npfct_gc_fini(ct);
	npfct_frag_fini(ct);
	pthread_mutex_lock(&ct->ct_gc_lock);
	npfct_gc_db_flush(ct, ct->ct_db, true);
	pthread_mutex_unlock(&ct->ct_gc_lock);
	npfct_conndb_destroy(ct->ct_db);
	for (i = 0; i < NPFCT_ALG_MAX; i++)
		rte_free(ct->ct_algs[i]);
	for (af = 0; af < NPFCT_NAF; af++)
		npfct_connpool_fini(&ct->ct_pool[af]);
	npfct_events_fini(ct);
	npfct_nat_fini(ct);
	rte_free(ct->ct_zones);
	pthread_mutex_destroy(&ct->ct_ctl_lock);
	pthread_mutex_destroy(&ct->ct_gc_lock);
	NPFCT_LOG(DEBUG, "%s: destroyed", ct->ct_name);
	rte_free(ct);
}

/*
 * The registry, for telemetry: lock it, find an instance by name (NULL:
 * the only instance, if there is exactly one), walk all.
 */
void
npfct_instances_lock(void)
{
	pthread_mutex_lock(&instances_lock);
}

void
npfct_instances_unlock(void)
{
	pthread_mutex_unlock(&instances_lock);
}

struct npfct *
npfct_instance_lookup(const char *name)
{
	struct npfct *first;

	if (name != NULL)
		return instance_find_locked(name);
	first = TAILQ_FIRST(&instances);
	if (first == NULL || TAILQ_NEXT(first, ct_entry) != NULL)
		return NULL;
	return first;
}

void
npfct_instances_walk(void (*fn)(struct npfct *, void *), void *arg)
{
	struct npfct *ct;

	TAILQ_FOREACH(ct, &instances, ct_entry)
		fn(ct, arg);
}

struct npfct *
npfct_find(const char *name)
{
	struct npfct *ct;

	if (name == NULL)
		return NULL;
	pthread_mutex_lock(&instances_lock);
	ct = instance_find_locked(name);
	pthread_mutex_unlock(&instances_lock);
	return ct;
}

enum npfct_hash_func
npfct_hash_func_get(const struct npfct *ct)
{
	/* Not the database's: a load may free that under the caller. */
	return ct->ct_hash_used;
}

const char *
npfct_name(const struct npfct *ct)
{
	return ct->ct_name;
}

void
npfct_tracking(struct npfct *ct, bool on)
{
	__atomic_store_n(&ct->ct_tracking, on ? 1 : 0, __ATOMIC_RELAXED);
}

bool
npfct_tracking_p(const struct npfct *ct)
{
	return npfct_tracking_on(ct);
}

struct npfct_db *
npfct_db_create(struct npfct *ct)
{
	struct npfct_db *db;

	if (ct == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&ct->ct_ctl_lock);
	db = npfct_conndb_create(ct);
	pthread_mutex_unlock(&ct->ct_ctl_lock);
	return db;
}

void
npfct_db_destroy(struct npfct *ct, struct npfct_db *db)
{
	if (ct == NULL || db == NULL || db->db_ct != ct)
		return;
	/* db_installed is the control lock's: a load may be installing it. */
	pthread_mutex_lock(&ct->ct_ctl_lock);
	if (db->db_installed) {
		pthread_mutex_unlock(&ct->ct_ctl_lock);
		NPFCT_LOG(ERR, "%s: npfct_db_destroy() of an installed database",
		    ct->ct_name);
		return;
	}
	/* Never installed: no reader has seen it. */
	pthread_mutex_lock(&ct->ct_gc_lock);
	npfct_gc_db_flush(ct, db, false);
	pthread_mutex_unlock(&ct->ct_gc_lock);
	pthread_mutex_unlock(&ct->ct_ctl_lock);
	npfct_conndb_destroy(db);
}

int
npfct_load(struct npfct *ct, struct npfct_db *ndb, bool track)
{
	struct npfct_db *odb;

	if (ct == NULL || (ndb != NULL && ndb->db_ct != ct))
		return -EINVAL;
	if (ndb == NULL && (ndb = npfct_conndb_create(ct)) == NULL)
		return -rte_errno;

	pthread_mutex_lock(&ct->ct_ctl_lock);
	/*
	 * db_installed under the control lock: of two loads of one database
	 * only the first installs it (the second would flush and free the
	 * database in use).
	 */
	if (ndb->db_installed) {
		pthread_mutex_unlock(&ct->ct_ctl_lock);
		return -EINVAL;
	}
	/* Keep the G/C off the databases while they change hands. */
	pthread_mutex_lock(&ct->ct_gc_lock);
	odb = ct->ct_db;
	ndb->db_installed = true;
	/*
	 * Release: readers that load the new pointer (acquire) see the
	 * database, and connections imported into it, initialised.
	 */
	__atomic_store_n(&ct->ct_db, ndb, __ATOMIC_RELEASE);
	if (track)
		npfct_tracking(ct, true);

	/*
	 * After a grace period no reader uses the old database: flush it
	 * without further waits.
	 */
	urcu_qsbr_synchronize_rcu();
	npfct_gc_db_flush(ct, odb, true);
	pthread_mutex_unlock(&ct->ct_gc_lock);
	pthread_mutex_unlock(&ct->ct_ctl_lock);
	npfct_conndb_destroy(odb);
	return 0;
}

uint32_t
npfct_count(const struct npfct *ct)
{
	return npfct_live_count(ct, NPFCT_AF4) +
	    npfct_live_count(ct, NPFCT_AF6);
}

int
npfct_timeout_set(struct npfct *ct, enum npfct_timeout which,
		uint32_t seconds)
{
	if (ct == NULL || (unsigned int)which >= NPFCT_TIMEOUT_MAX ||
	    seconds > TIMEOUT_MAX_SECONDS)
		return -EINVAL;
	__atomic_store_n(&ct->ct_timeouts[which], seconds, __ATOMIC_RELAXED);
	return 0;
}

int
npfct_timeout_get(const struct npfct *ct, enum npfct_timeout which)
{
	if (ct == NULL || (unsigned int)which >= NPFCT_TIMEOUT_MAX)
		return -EINVAL;
	return (int)__atomic_load_n(&ct->ct_timeouts[which],
	    __ATOMIC_RELAXED);
}

const char *
npfct_timeout_name(enum npfct_timeout which)
{
	return (unsigned int)which < NPFCT_TIMEOUT_MAX ?
	    timeout_names[which] : NULL;
}

int
npfct_timeout_lookup(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < NPFCT_TIMEOUT_MAX; i++)
		if (strcmp(name, timeout_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

void
npfct_clock_manual(struct npfct *ct, uint64_t now_ns)
{
	__atomic_store_n(&ct->ct_clock_ns, now_ns, __ATOMIC_RELAXED);
	ct->ct_clock_manual = true;
}

void
npfct_clock_set(struct npfct *ct, uint64_t now_ns)
{
	__atomic_store_n(&ct->ct_clock_ns, now_ns, __ATOMIC_RELAXED);
}

uint64_t
npfct_clock_now(const struct npfct *ct)
{
	return npfct_clock_ns(ct);
}

void
npfct_thread_register(void)
{
	urcu_qsbr_register_thread();
}

void
npfct_thread_unregister(void)
{
	urcu_qsbr_unregister_thread();
}

void
npfct_quiescent(void)
{
	urcu_qsbr_quiescent_state();
}

void
npfct_thread_offline(void)
{
	urcu_qsbr_thread_offline();
}

void
npfct_thread_online(void)
{
	urcu_qsbr_thread_online();
}
