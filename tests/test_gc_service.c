/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the incremental G/C and its DPDK service (src/gc.c,
 * src/gc_service.c): the G/C tunables, the step cursor, reclamation by
 * later steps after the grace-period thread published a grace period, a
 * full table and early drop, the G/C as a service on a service lcore
 * with its adaptive interval, and the reclamation guarantee for a reader
 * on another lcore.
 *
 * Overview
 *
 *	Each test gets instance "t0" (tests/common/ct.c): manual clock,
 *	release callbacks that count.  Flows are numbered: flow i goes from
 *	10.x.y.z:1024 (x.y.z from i) to SERVER port 53 (UDP) or 80 (TCP).
 *	An unanswered UDP flow expires after 30 s (generic.new), an answered
 *	one after 60 s (generic.established), a SYN-only TCP flow after 30 s.
 *
 *	npfct_gc() returns what it destroyed, not what it removed: removed
 *	connections are counted by NPFCT_STAT_GC_EXPIRED (timeouts only),
 *	are no longer found, and stay in npfct_count() until a later step
 *	destroys them after the grace-period thread saw a grace period.
 *
 *	The EAL of the tests has lcores 0-3 and no service core.  The
 *	service tests make lcore SERVICE_LCORE a service lcore for the test
 *	and give it back to the EAL afterwards (also from the teardown if a
 *	test fails), so that other tests can launch on it again.
 *
 * Synchronisation
 *
 *	The main thread is a registered QSBR reader (test_ct_setup()).  As
 *	long as it is online without reporting a quiescent state, no grace
 *	period ends: tests rely on that to know that nothing is destroyed.
 *	While it waits for the G/C it goes offline (or reports quiescent
 *	states).  The reader lcore and the main thread meet through atomics
 *	in struct reader; every wait is bounded (WAIT_MS).  cmocka is called
 *	from the main thread only.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_service.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

#define SERVER		"192.0.2.1"
#define READER_LCORE	1
#define SERVICE_LCORE	3

/* Bound of every wait for another thread (ms). */
#define WAIT_MS		3000
/* How long a reader holds a connection while the G/C runs (ms). */
#define HOLD_MS		200

#define GC_STEP_MAX	(1u << 20)
#define GC_HOUR_MS	3600000u

/*
 * Time and waits.
 */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait until npfct_count() is target; the caller runs no G/C. */
static bool
wait_count(const struct npfct *ct, uint32_t target)
{
	const uint64_t end = now_ms() + WAIT_MS;

	while (npfct_count(ct) != target) {
		if (now_ms() > end)
			return false;
		rte_delay_us_sleep(1000);
	}
	return true;
}

/* Wait until a counter reaches min. */
static bool
wait_stat(const struct npfct *ct, enum npfct_stat which, uint64_t min)
{
	const uint64_t end = now_ms() + WAIT_MS;

	while (test_ct_stat(ct, which) < min) {
		if (now_ms() > end)
			return false;
		rte_delay_us_sleep(1000);
	}
	return true;
}

/* Wait until *p is v (acquire: what was written before is visible). */
static bool
wait_u32(const uint32_t *p, uint32_t v)
{
	const uint64_t end = now_ms() + WAIT_MS;

	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) != v) {
		if (now_ms() > end)
			return false;
		rte_delay_us_sleep(100);
	}
	return true;
}

static uint64_t
rproc_released(void)
{
	return __atomic_load_n(&test_ct_rproc_released, __ATOMIC_RELAXED);
}

/*
 * The main thread's QSBR state: offline while it waits for a grace
 * period, so that only the threads under test can hold one up.
 */
static bool main_offline;

static void
main_go_offline(void)
{
	npfct_thread_offline();
	main_offline = true;
}

static void
main_go_online(void)
{
	npfct_thread_online();
	main_offline = false;
}

/*
 * gc_poll: run npfct_gc() steps until npfct_count() is target or
 * WAIT_MS passed, reporting a quiescent state between steps if
 * 'quiesce' (the caller is online) or not (the caller is offline).
 *
 * => Returns the number of connections the steps destroyed.
 */
static int
gc_poll(struct npfct *ct, uint32_t target, bool quiesce)
{
	const uint64_t end = now_ms() + WAIT_MS;
	int sum = 0, n;

	while (npfct_count(ct) != target && now_ms() <= end) {
		n = npfct_gc(ct);
		assert_true(n >= 0);
		sum += n;
		if (quiesce)
			npfct_quiescent();
		rte_delay_us_sleep(200);
	}
	return sum;
}

/*
 * Flows.
 */

enum flow_kind {
	FLOW_UDP_NEW = 0,	/* one packet: not established */
	FLOW_UDP_EST,		/* answered: established */
	FLOW_TCP_SYN,		/* SYN only: not established */
	FLOW_TCP_EST,		/* three-way handshake: established */
};

enum { PKT_FORW = 0, PKT_REPLY, PKT_ACK };

static bool
kind_tcp(enum flow_kind kind)
{
	return kind == FLOW_TCP_SYN || kind == FLOW_TCP_EST;
}

static struct rte_mbuf *
flow_mbuf(unsigned int i, bool tcp, int which)
{
	char a[32];

	snprintf(a, sizeof(a), "10.%u.%u.%u", (i >> 16) & 0xff,
	    (i >> 8) & 0xff, i & 0xff);
	if (!tcp)
		return which == PKT_FORW ? test_pkt_udp4(a, 1024, SERVER, 53) :
		    test_pkt_udp4(SERVER, 53, a, 1024);
	switch (which) {
	case PKT_FORW:
		return test_pkt_tcp4(a, 1024, SERVER, 80, NPFCT_TH_SYN,
		    1000, 0);
	case PKT_REPLY:
		return test_pkt_tcp4(SERVER, 80, a, 1024,
		    NPFCT_TH_SYN | NPFCT_TH_ACK, 5000, 1001);
	default:
		return test_pkt_tcp4(a, 1024, SERVER, 80, NPFCT_TH_ACK,
		    1001, 5001);
	}
}

/* Inspect one packet of flow i. */
static struct npfct_conn *
flow_inspect(struct npfct *ct, unsigned int i, bool tcp, int which, int di)
{
	struct rte_mbuf *m = flow_mbuf(i, tcp, which);
	struct npfct_conn *con;

	con = test_ct_inspect(ct, m, di, NULL);
	rte_pktmbuf_free(m);
	return con;
}

/*
 * flow_establish: establish flow i as 'kind', with a rule procedure if
 * rproc is not NULL.
 *
 * => Returns the connection, or NULL with rte_errno set by establish.
 */
static struct npfct_conn *
flow_establish(struct npfct *ct, unsigned int i, enum flow_kind kind,
		void *rproc)
{
	const bool tcp = kind_tcp(kind);
	struct rte_mbuf *m = flow_mbuf(i, tcp, PKT_FORW);
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	int err;

	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
	err = rte_errno;
	rte_pktmbuf_free(m);
	if (con == NULL) {
		rte_errno = err;
		return NULL;
	}
	if (rproc != NULL)
		assert_int_equal(npfct_conn_setpass(con, rproc), 0);
	npfct_conn_release(con);
	if (kind == FLOW_UDP_EST || kind == FLOW_TCP_EST) {
		assert_ptr_equal(flow_inspect(ct, i, tcp, PKT_REPLY,
		    NPFCT_DIR_IN), con);
		if (tcp)
			assert_ptr_equal(flow_inspect(ct, i, tcp, PKT_ACK,
			    NPFCT_DIR_OUT), con);
		assert_string_equal(npfct_conn_state_name(con),
		    "established");
	}
	return con;
}

/*
 * flow_found: whether flow i has a connection (npfct_conn_lookup(): no
 * state inspection).  The lookup stamps the activity time: tests look up
 * only flows that are removed or not expired.
 */
static bool
flow_found(struct npfct *ct, unsigned int i, bool tcp)
{
	struct rte_mbuf *m = flow_mbuf(i, tcp, PKT_FORW);
	struct npfct_pkt pkt;
	bool forw, found;

	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	found = npfct_conn_lookup(ct, &pkt, NPFCT_DIR_OUT, &forw) != NULL;
	rte_pktmbuf_free(m);
	return found;
}

static void
gc_params_set(struct npfct *ct, uint32_t step, uint32_t min_ms,
		uint32_t max_ms, uint32_t early_drop)
{
	const struct npfct_gc_params gp = {
		.step = step,
		.interval_min_ms = min_ms,
		.interval_max_ms = max_ms,
		.early_drop = early_drop,
	};

	assert_int_equal(npfct_gc_params_set(ct, &gp), 0);
}

static void
assert_gc_params(const struct npfct *ct, const struct npfct_gc_params *want)
{
	struct npfct_gc_params gp;

	memset(&gp, 0xa5, sizeof(gp));
	assert_int_equal(npfct_gc_params_get(ct, &gp), 0);
	assert_int_equal(gp.step, want->step);
	assert_int_equal(gp.interval_min_ms, want->interval_min_ms);
	assert_int_equal(gp.interval_max_ms, want->interval_max_ms);
	assert_int_equal(gp.early_drop, want->early_drop);
}

/*
 * The service lcore.
 */

static uint32_t svc_id;
static bool svc_started;
/*
 * The service's call and cycle counters when service_start() started it.
 * DPDK keeps them per service lcore and gives a new service the id of an
 * unregistered one without resetting them, so SERVICE_LCORE still holds
 * what an earlier test's service of that id counted; and they sum over
 * the lcores that are service lcores, so they must be read after
 * rte_service_lcore_add() (before it, SERVICE_LCORE's old counts are not
 * in the sum, after it they are).  Only what they gained since says that
 * this service ran.
 */
static uint64_t svc_calls0, svc_cycles0;

static uint64_t service_attr(uint32_t attr);

/*
 * service_start: make SERVICE_LCORE a service lcore running the G/C
 * service of ct, with statistics.
 */
static void
service_start(struct npfct *ct)
{
	assert_int_equal(npfct_gc_service_id(ct, &svc_id), 0);
	assert_true(rte_lcore_is_enabled(SERVICE_LCORE));
	assert_int_equal(rte_eal_get_lcore_state(SERVICE_LCORE), WAIT);
	assert_int_equal(rte_service_lcore_add(SERVICE_LCORE), 0);
	svc_started = true;
	assert_int_equal(rte_service_map_lcore_set(svc_id, SERVICE_LCORE, 1),
	    0);
	assert_int_equal(rte_service_set_stats_enable(svc_id, 1), 0);
	/* Only now: the counters sum over service lcores (see svc_calls0). */
	svc_calls0 = service_attr(RTE_SERVICE_ATTR_CALL_COUNT);
	svc_cycles0 = service_attr(RTE_SERVICE_ATTR_CYCLES);
	assert_int_equal(rte_service_runstate_set(svc_id, 1), 0);
	assert_int_equal(rte_service_lcore_start(SERVICE_LCORE), 0);
	assert_int_equal(rte_service_runstate_get(svc_id), 1);
}

/*
 * service_stop: stop the service, wait until it is no longer active,
 * stop the service lcore and give it back to the EAL.
 *
 * => Returns 0, or the first failure (negative).  Also used by the
 *    teardown after a failed test, so it does not assert.
 */
static int service_lcore_release(bool registered);

static int
service_stop(void)
{
	const uint64_t end = now_ms() + WAIT_MS;
	int ret = 0, r;

	svc_started = false;
	r = rte_service_runstate_set(svc_id, 0);
	if (r != 0)
		ret = r;
	while (rte_service_may_be_active(svc_id) == 1) {
		if (now_ms() > end) {
			ret = ret ? ret : -ETIMEDOUT;
			break;
		}
		rte_delay_us_sleep(1000);
	}
	r = service_lcore_release(true);
	return ret ? ret : r;
}

/*
 * service_lcore_release: stop SERVICE_LCORE and give it back to the EAL
 * (registered: the service still exists and is unmapped from it).
 *
 * => Returns 0, or the first failure (negative).
 */
static int
service_lcore_release(bool registered)
{
	const uint64_t end = now_ms() + WAIT_MS;
	int ret = 0, r;

	r = rte_service_lcore_stop(SERVICE_LCORE);
	if (r != 0 && r != -EALREADY && ret == 0)
		ret = r;
	/* The service runner returns to the EAL once it saw the stop. */
	while (rte_eal_get_lcore_state(SERVICE_LCORE) != WAIT) {
		if (now_ms() > end) {
			ret = ret ? ret : -ETIMEDOUT;
			break;
		}
		rte_delay_us_sleep(1000);
	}
	if (rte_eal_get_lcore_state(SERVICE_LCORE) == WAIT) {
		r = rte_eal_wait_lcore(SERVICE_LCORE);
		if (r != 0 && ret == 0)
			ret = r;
	}
	if (registered)
		rte_service_map_lcore_set(svc_id, SERVICE_LCORE, 0);
	r = rte_service_lcore_del(SERVICE_LCORE);
	if (r != 0 && ret == 0)
		ret = r;
	return ret;
}

static uint64_t
service_attr(uint32_t attr)
{
	uint64_t v = 0;

	assert_int_equal(rte_service_attr_get(svc_id, attr, &v), 0);
	return v;
}

/* service_calls: calls of the service callback since service_start(). */
static uint64_t
service_calls(void)
{
	return service_attr(RTE_SERVICE_ATTR_CALL_COUNT) - svc_calls0;
}

/* service_wait_first_call: wait until the service callback has run. */
static void
service_wait_first_call(void)
{
	const uint64_t end = now_ms() + WAIT_MS;

	while (service_calls() < 1) {
		assert_true(now_ms() < end);
		rte_delay_us_sleep(1000);
	}
}

/*
 * The reader lcore: a datapath lcore that holds a connection pointer
 * without a quiescent state until the main thread lets it go.
 */

enum {
	READER_START = 0,
	READER_HOLDING,		/* holds the connection */
	READER_MISSED,		/* did not find it */
	READER_LET_GO,		/* quiescent (or offline) since */
	READER_DONE,		/* offline and unregistered */
};

struct reader {
	struct npfct	*ct;
	struct rte_mbuf	*m;		/* its forwards packet */
	bool		offline;	/* let go by going offline */
	uint32_t	phase;		/* READER_*; release stores */
	uint32_t	let_go;		/* set by main */
	uint32_t	stop;		/* set by main */
	uint64_t	reads;		/* uses of the connection */
	uint64_t	bad;		/* uses that saw a change */
};

static struct reader rd;
static bool reader_launched;

static int
reader_main(void *arg)
{
	struct reader *r = arg;
	struct npfct_conn *con = NULL;
	struct npfct_pkt pkt;
	uint64_t reads = 0, bad = 0;

	npfct_thread_register();
	if (npfct_pkt_parse(&pkt, r->m) == NPFCT_PARSE_OK)
		con = npfct_conn_inspect(r->ct, &pkt, NPFCT_DIR_OUT, NULL);
	if (con == NULL) {
		__atomic_store_n(&r->phase, READER_MISSED, __ATOMIC_RELEASE);
		goto out;
	}
	__atomic_store_n(&r->phase, READER_HOLDING, __ATOMIC_RELEASE);

	/*
	 * Use the connection, with no quiescent state, until told to let
	 * go.  Freed meanwhile, it would be poisoned: ASan reports the
	 * reads.
	 */
	while (!__atomic_load_n(&r->let_go, __ATOMIC_ACQUIRE)) {
		if (npfct_conn_proto(con) != IPPROTO_UDP ||
		    strcmp(npfct_conn_state_name(con), "new") != 0)
			bad++;
		__atomic_store_n(&r->reads, ++reads, __ATOMIC_RELAXED);
		rte_pause();
	}
	r->bad = bad;
	con = NULL;
	if (r->offline)
		npfct_thread_offline();
	else
		npfct_quiescent();
	/* Release: main reads r->bad after it sees the phase. */
	__atomic_store_n(&r->phase, READER_LET_GO, __ATOMIC_RELEASE);

	/* A datapath loop: a quiescent state per round, or offline. */
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		if (!r->offline)
			npfct_quiescent();
		rte_delay_us_sleep(100);
	}
out:
	npfct_thread_offline();
	npfct_thread_unregister();
	__atomic_store_n(&r->phase, READER_DONE, __ATOMIC_RELEASE);
	return 0;
}

static void
reader_start(struct npfct *ct, struct rte_mbuf *m, bool offline)
{
	memset(&rd, 0, sizeof(rd));
	rd.ct = ct;
	rd.m = m;
	rd.offline = offline;
	assert_true(rte_lcore_is_enabled(READER_LCORE));
	assert_int_equal(rte_eal_get_lcore_state(READER_LCORE), WAIT);
	assert_int_equal(rte_eal_remote_launch(reader_main, &rd,
	    READER_LCORE), 0);
	reader_launched = true;
}

/* Let the reader go and wait for it: it leaves at once when told. */
static int
reader_stop(void)
{
	reader_launched = false;
	__atomic_store_n(&rd.let_go, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&rd.stop, 1, __ATOMIC_RELEASE);
	return rte_eal_wait_lcore(READER_LCORE);
}

/*
 * Per-test setup and teardown: instance "t0", plus the clean-up of what
 * a failed test may leave behind (service lcore, reader, offline main
 * thread, a second instance).
 */
static struct npfct *extra_ct;

static int
gcs_setup(void **state)
{
	svc_started = false;
	reader_launched = false;
	extra_ct = NULL;
	return test_ct_setup(state);
}

static int
gcs_teardown(void **state)
{
	int ret;

	if (svc_started)
		service_stop();
	if (reader_launched)
		reader_stop();
	/*
	 * npfct_destroy() joins the grace-period thread, which may be in
	 * (or about to start) a grace period that waits for this thread:
	 * destroy offline, or it never ends.
	 */
	if (!main_offline)
		main_go_offline();
	npfct_destroy(extra_ct);
	extra_ct = NULL;
	ret = test_ct_teardown(state);
	main_go_online();
	return ret;
}

/*
 * Error paths.
 */

static void
test_gc_params_set_bad_values(void **state)
{
	const struct npfct_gc_params good = {
		.step = 100, .interval_min_ms = 10, .interval_max_ms = 1000,
		.early_drop = 32,
	};
	static const struct {
		const char *what;
		struct npfct_gc_params gp;
	} bad[] = {
		{ "step 0", { 0, 10, 1000, 32 } },
		{ "step over 2^20", { GC_STEP_MAX + 1, 10, 1000, 32 } },
		{ "step UINT32_MAX", { UINT32_MAX, 10, 1000, 32 } },
		{ "interval_min 0", { 100, 0, 1000, 32 } },
		{ "interval_max 0", { 100, 10, 0, 32 } },
		{ "intervals 0", { 100, 0, 0, 32 } },
		{ "min > max", { 100, 1001, 1000, 32 } },
		{ "max over an hour", { 100, 10, GC_HOUR_MS + 1, 32 } },
		{ "both over an hour", { 100, GC_HOUR_MS + 1, GC_HOUR_MS + 2,
		    32 } },
		{ "early_drop 0", { 100, 10, 1000, 0 } },
		/* t0 holds TEST_CT_MAX IPv4 plus TEST_CT_MAX IPv6. */
		{ "early_drop over capacity", { 100, 10, 1000,
		    2 * TEST_CT_MAX + 1 } },
		{ "early_drop UINT32_MAX - 1", { 100, 10, 1000,
		    UINT32_MAX - 1 } },
		/* One bad field among good ones changes nothing either. */
		{ "good but step", { 0, 20, 2000, 16 } },
		{ "good but early_drop", { 200, 20, 2000, 0 } },
	};
	unsigned int i;

	(void)state;
	assert_int_equal(npfct_gc_params_set(test_ct, &good), 0);
	for (i = 0; i < RTE_DIM(bad); i++) {
		int ret = npfct_gc_params_set(test_ct, &bad[i].gp);

		if (ret != -EINVAL)
			fail_msg("%s: %d, not -EINVAL", bad[i].what, ret);
		assert_gc_params(test_ct, &good);
	}
	assert_int_equal(npfct_gc_params_set(NULL, &good), -EINVAL);
	assert_int_equal(npfct_gc_params_set(test_ct, NULL), -EINVAL);
	assert_gc_params(test_ct, &good);
}

static void
test_gc_params_get_bad_args(void **state)
{
	struct npfct_gc_params gp;

	(void)state;
	assert_int_equal(npfct_gc_params_get(NULL, &gp), -EINVAL);
	assert_int_equal(npfct_gc_params_get(test_ct, NULL), -EINVAL);
}

/* npfct_create() validates params.gc as npfct_gc_params_set() does. */
static void
test_create_gc_params_bad(void **state)
{
	static const struct {
		const char *what;
		struct npfct_gc_params gp;
	} bad[] = {
		{ "step over 2^20", { .step = GC_STEP_MAX + 1 } },
		{ "min > max", { .interval_min_ms = 100,
		    .interval_max_ms = 10 } },
		/* A zero field is the default: max 5000 < min 6000. */
		{ "min over default max", { .interval_min_ms = 6000 } },
		{ "max over an hour", { .interval_max_ms = GC_HOUR_MS + 1 } },
		{ "early_drop over capacity", { .early_drop = 129 } },
	};
	struct npfct_params p = {
		.name = "gcbad",
		.socket_id = SOCKET_ID_ANY,
		.max_conns = 64,
	};
	struct npfct *ct;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(bad); i++) {
		p.gc = &bad[i].gp;
		rte_errno = 0;
		ct = npfct_create(&p);
		if (ct != NULL || rte_errno != EINVAL) {
			npfct_destroy(ct);
			fail_msg("%s: created %p, rte_errno %d", bad[i].what,
			    (void *)ct, rte_errno);
		}
	}
	/* Nothing was left behind: the name and the service are free. */
	assert_null(npfct_find("gcbad"));
	p.gc = NULL;
	ct = npfct_create(&p);
	assert_non_null(ct);
	npfct_destroy(ct);
}

/* npfct_gc() and the full passes need an lcore id. */
static void *
no_lcore_thread(void *arg)
{
	int *ret = arg;
	const struct npfct_filter f = {
		.fields = NPFCT_FILTER_PROTO, .proto = IPPROTO_UDP,
	};

	ret[0] = (int)rte_lcore_id();
	ret[1] = npfct_gc(test_ct);
	ret[2] = npfct_gc_sync(test_ct);
	ret[3] = npfct_flush(test_ct);
	ret[4] = npfct_flush_filter(test_ct, &f);
	return NULL;
}

static void
test_gc_no_lcore_id(void **state)
{
	int ret[5] = { 0, 0, 0, 0, 0 };
	pthread_t t;

	(void)state;
	assert_int_equal(npfct_gc(NULL), -EINVAL);
	assert_int_equal(npfct_gc_sync(NULL), -EINVAL);
	assert_non_null(flow_establish(test_ct, 0, FLOW_UDP_NEW, NULL));
	assert_int_equal(pthread_create(&t, NULL, no_lcore_thread, ret), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(ret[0], (int)LCORE_ID_ANY);
	assert_int_equal(ret[1], -EINVAL);
	assert_int_equal(ret[2], -EINVAL);
	assert_int_equal(ret[3], -EINVAL);
	assert_int_equal(ret[4], -EINVAL);
	assert_int_equal(npfct_count(test_ct), 1);
	assert_int_equal(npfct_flush(test_ct), 1);
}

static void
test_gc_service_id_bad_args(void **state)
{
	struct npfct *ct2;
	uint32_t id, id2;

	(void)state;
	assert_int_equal(npfct_gc_service_id(NULL, &id), -EINVAL);
	assert_int_equal(npfct_gc_service_id(test_ct, NULL), -EINVAL);

	/* Each instance registers its own service, stopped. */
	assert_int_equal(npfct_gc_service_id(test_ct, &id), 0);
	assert_string_equal(rte_service_get_name(id), "npfct_gc_t0");
	assert_int_equal(rte_service_runstate_get(id), 0);
	ct2 = test_ct_create("t1", 64);
	assert_non_null(ct2);
	assert_int_equal(npfct_gc_service_id(ct2, &id2), 0);
	assert_int_not_equal(id, id2);
	assert_string_equal(rte_service_get_name(id2), "npfct_gc_t1");
	assert_int_equal(rte_service_get_by_name("npfct_gc_t1", &id), 0);
	assert_int_equal(id, id2);
	/* npfct_destroy() unregisters it. */
	npfct_destroy(ct2);
	assert_int_equal(rte_service_get_by_name("npfct_gc_t1", &id),
	    -ENODEV);
}

/*
 * Each instance takes one of DPDK's service slots (64, less what others
 * use): once they are used up npfct_create() fails without leaving
 * anything behind, and succeeds again when an instance is destroyed.
 */
#define MANY_INSTANCES	128

static void
test_create_service_slots_used_up(void **state)
{
	static struct npfct *cts[MANY_INSTANCES];
	char name[NPFCT_NAMESIZE];
	unsigned int i, n;

	(void)state;
	for (n = 0; n < MANY_INSTANCES; n++) {
		snprintf(name, sizeof(name), "many%u", n);
		rte_errno = 0;
		cts[n] = test_ct_create(name, 8);
		if (cts[n] == NULL)
			break;
	}
	assert_true(n > 0 && n < MANY_INSTANCES);
	assert_int_not_equal(rte_errno, 0);
	assert_null(npfct_find(name));
	npfct_destroy(cts[0]);
	cts[0] = test_ct_create(name, 8);
	assert_non_null(cts[0]);
	assert_ptr_equal(npfct_find(name), cts[0]);
	for (i = 0; i < n; i++)
		npfct_destroy(cts[i]);
}

/*
 * Functional scenarios: tunables.
 */

static void
test_gc_params_defaults(void **state)
{
	const struct npfct_gc_params def = { 256, 50, 5000, 64 };
	const struct npfct_gc_params def16 = { 256, 50, 5000, 16 };
	const struct npfct_gc_params part = { 7, 50, 5000, 16 };
	const struct npfct_gc_params zero = { 0, 0, 0, 0 };
	const struct npfct_gc_params step7 = { .step = 7 };
	struct npfct_params p = {
		.name = "gcdef",
		.socket_id = SOCKET_ID_ANY,
		.max_conns = 16,
	};
	struct npfct *ct;

	(void)state;
	assert_gc_params(test_ct, &def);

	/* early_drop defaults to min(64, max_conns). */
	ct = npfct_create(&p);
	assert_non_null(ct);
	assert_gc_params(ct, &def16);
	npfct_destroy(ct);

	/* All-zero params.gc: the defaults; zero fields: their default. */
	p.gc = &zero;
	ct = npfct_create(&p);
	assert_non_null(ct);
	assert_gc_params(ct, &def16);
	npfct_destroy(ct);
	p.gc = &step7;
	ct = npfct_create(&p);
	assert_non_null(ct);
	assert_gc_params(ct, &part);
	npfct_destroy(ct);
}

static void
test_gc_params_set_round_trip(void **state)
{
	static const struct npfct_gc_params good[] = {
		{ 1, 1, 1, 1 },
		{ GC_STEP_MAX, GC_HOUR_MS, GC_HOUR_MS, TEST_CT_MAX },
		{ 64, 1, GC_HOUR_MS, NPFCT_GC_EARLY_DROP_OFF },
		{ 300, 20, 20, 1000 },
		{ 256, 50, 5000, 64 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(good); i++) {
		assert_int_equal(npfct_gc_params_set(test_ct, &good[i]), 0);
		assert_gc_params(test_ct, &good[i]);
	}
}

/*
 * Functional scenarios: steps.
 */

/*
 * One npfct_gc() step of test_gc_step_cursor, over 36 flows made so
 * that flow i % 4 == 1 is unanswered (expires after 30 s) and the others
 * are answered (60 s), with gc.step 8 and the clock 31 s on: the flows
 * "gone" are no longer found after the step, and "expired" is the
 * NPFCT_STAT_GC_EXPIRED count after it.  "alive" flows are still found
 * (looked up only while they have not expired).
 */
#define CURSOR_FLOWS	36
#define CURSOR_STEP	8

static const struct cursor_vec {
	uint64_t	advance;	/* seconds, before the step */
	uint64_t	expired;
	int		gone[9];	/* -1 terminated */
	int		alive[9];
} cursor_vecs[] = {
	/* Flows 0-7, then 8-15, ...: the cursor resumes. */
	{ 0, 2, { 1, 5, -1 }, { 0, 2, 3, 4, 6, 7, -1 } },
	{ 0, 4, { 9, 13, -1 }, { 8, 10, 11, 12, 14, 15, -1 } },
	{ 0, 6, { 17, 21, -1 }, { 16, 18, 19, 20, 22, 23, -1 } },
	{ 0, 8, { 25, 29, -1 }, { 24, 26, 27, 28, 30, 31, -1 } },
	/* Now all expired: the step stops at the tail (4, not 8). */
	{ 100, 12, { 32, 33, 34, 35, -1 }, { -1 } },
	/* The next step wraps to the head. */
	{ 0, 20, { 0, 2, 3, 4, 6, 7, 8, 10, -1 }, { -1 } },
};

static void
test_gc_step_cursor(void **state)
{
	unsigned int i, v;
	const int *f;

	(void)state;
	gc_params_set(test_ct, CURSOR_STEP, 50, 5000, 64);
	for (i = 0; i < CURSOR_FLOWS; i++)
		assert_non_null(flow_establish(test_ct, i, i % 4 == 1 ?
		    FLOW_UDP_NEW : FLOW_UDP_EST, NULL));
	test_ct_advance(test_ct, 31);

	for (v = 0; v < RTE_DIM(cursor_vecs); v++) {
		const struct cursor_vec *cv = &cursor_vecs[v];

		test_ct_advance(test_ct, cv->advance);
		/* This thread holds the grace period: nothing destroyed. */
		assert_int_equal(npfct_gc(test_ct), 0);
		if (test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED) != cv->expired)
			fail_msg("step %u: expired %" PRIu64 ", want %" PRIu64,
			    v, test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED),
			    cv->expired);
		for (f = cv->gone; *f >= 0; f++)
			if (flow_found(test_ct, (unsigned int)*f, false))
				fail_msg("step %u: flow %d found", v, *f);
		for (f = cv->alive; *f >= 0; f++)
			if (!flow_found(test_ct, (unsigned int)*f, false))
				fail_msg("step %u: flow %d not found", v, *f);
		assert_int_equal(npfct_count(test_ct), CURSOR_FLOWS);
		assert_int_equal(test_ct_stat(test_ct,
		    NPFCT_STAT_CONN_DESTROY), 0);
	}

	/* A full pass collects the rest and destroys everything. */
	assert_int_equal(npfct_gc_sync(test_ct), CURSOR_FLOWS);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED),
	    CURSOR_FLOWS);
	assert_int_equal(npfct_count(test_ct), 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY),
	    CURSOR_FLOWS);
}

/* The step size changes between steps; connections established after
 * the cursor passed are examined at the tail of the pass. */
static void
test_gc_step_resize_and_new(void **state)
{
	unsigned int i;

	(void)state;
	gc_params_set(test_ct, 3, 50, 5000, 64);
	for (i = 0; i < 10; i++)
		assert_non_null(flow_establish(test_ct, i, FLOW_UDP_NEW, NULL));
	test_ct_advance(test_ct, 31);		/* 0-9 expired */
	assert_int_equal(npfct_gc(test_ct), 0);	/* 0-2 */
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), 3);
	gc_params_set(test_ct, 5, 50, 5000, 64);
	assert_int_equal(npfct_gc(test_ct), 0);	/* 3-7 */
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), 8);
	assert_false(flow_found(test_ct, 7, false));

	/* 10-13 join the tail, not expired. */
	for (i = 10; i < 14; i++)
		assert_non_null(flow_establish(test_ct, i, FLOW_UDP_NEW, NULL));
	assert_int_equal(npfct_gc(test_ct), 0);	/* 8, 9, 10-12 */
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), 10);
	assert_int_equal(npfct_count(test_ct), 14);
	for (i = 10; i < 14; i++)
		assert_true(flow_found(test_ct, i, false));
	assert_int_equal(npfct_flush(test_ct), 14);
}

/* A full pass that removes the connection under the cursor: the next
 * step starts at the head, and never touches the freed connection (an
 * ASan build would report it). */
static void
test_gc_step_after_filter_flush(void **state)
{
	const struct npfct_filter f = {
		.fields = NPFCT_FILTER_ADDR, .alen = 4, .plen = 32,
		.addr.a8 = { 10, 0, 0, 4 },
	};
	unsigned int i;

	(void)state;
	gc_params_set(test_ct, 4, 50, 5000, 64);
	for (i = 0; i < 12; i++)
		assert_non_null(flow_establish(test_ct, i, FLOW_UDP_NEW, NULL));
	assert_int_equal(npfct_gc(test_ct), 0);	/* 0-3; cursor at 4 */
	/* Flow 4 goes. */
	assert_int_equal(npfct_flush_filter(test_ct, &f), 1);
	assert_false(flow_found(test_ct, 4, false));
	test_ct_advance(test_ct, 31);
	assert_int_equal(npfct_gc(test_ct), 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), 4);
	for (i = 0; i < 4; i++)
		assert_false(flow_found(test_ct, i, false));
	assert_int_equal(npfct_gc_sync(test_ct), 11);
	assert_int_equal(npfct_count(test_ct), 0);
}

/*
 * Functional scenarios: reclamation by later steps.
 */

#define RECLAIM_FLOWS	20

static int rproc_handle;

/* Twenty expired flows, every other one with a rule procedure, removed
 * by one step that destroys nothing. */
static void
reclaim_prepare(void)
{
	unsigned int i;

	for (i = 0; i < RECLAIM_FLOWS; i++)
		assert_non_null(flow_establish(test_ct, i, FLOW_UDP_NEW,
		    i % 2 ? &rproc_handle : NULL));
	test_ct_advance(test_ct, 31);
	assert_int_equal(npfct_gc(test_ct), 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED),
	    RECLAIM_FLOWS);
	for (i = 0; i < RECLAIM_FLOWS; i++)
		assert_false(flow_found(test_ct, i, false));
	assert_int_equal(npfct_count(test_ct), RECLAIM_FLOWS);
	assert_int_equal(rproc_released(), 0);
}

static void
reclaim_check(int destroyed)
{
	assert_int_equal(destroyed, RECLAIM_FLOWS);
	assert_int_equal(npfct_count(test_ct), 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY),
	    RECLAIM_FLOWS);
	assert_int_equal(rproc_released(), RECLAIM_FLOWS / 2);
}

/* This thread goes offline: later steps destroy what the first removed. */
static void
test_gc_reclaim_offline(void **state)
{
	int destroyed;

	(void)state;
	reclaim_prepare();
	main_go_offline();
	destroyed = gc_poll(test_ct, 0, false);
	main_go_online();
	reclaim_check(destroyed);
}

/* This thread stays online: nothing is destroyed until it reports a
 * quiescent state between the steps. */
static void
test_gc_reclaim_quiescent(void **state)
{
	unsigned int i;
	int destroyed;

	(void)state;
	reclaim_prepare();
	for (i = 0; i < 20; i++) {
		assert_int_equal(npfct_gc(test_ct), 0);
		rte_delay_us_sleep(500);
	}
	assert_int_equal(npfct_count(test_ct), RECLAIM_FLOWS);
	assert_int_equal(rproc_released(), 0);
	destroyed = gc_poll(test_ct, 0, true);
	reclaim_check(destroyed);
}

/*
 * Functional scenarios: a full table and early drop.
 */

#define SMALL_MAX	64

/*
 * fill: establish flows of kind_of(i) from flow 'first' until the table
 * is full.  Returns the number established.
 */
static unsigned int
fill(struct npfct *ct, unsigned int first, enum flow_kind (*kind_of)(
		unsigned int))
{
	unsigned int i;

	for (i = first; ; i++) {
		if (flow_establish(ct, i, kind_of(i), NULL) == NULL)
			break;
		assert_true(i < 100000);
	}
	assert_int_equal(rte_errno, ENOSPC);
	return i - first;
}

static enum flow_kind
kind_udp_new(unsigned int i)
{
	(void)i;
	return FLOW_UDP_NEW;
}

/* Established (even) and not established (odd), TCP and UDP. */
static enum flow_kind
kind_mixed(unsigned int i)
{
	static const enum flow_kind k[4] = {
		FLOW_TCP_EST, FLOW_TCP_SYN, FLOW_UDP_EST, FLOW_UDP_NEW,
	};

	return k[i % 4];
}

static bool
kind_mixed_tcp(unsigned int i)
{
	return kind_tcp(kind_mixed(i));
}

/* Establish fails on a full table; G/C steps drain it; establish works
 * again. */
static void
test_gc_table_full_drain(void **state)
{
	struct npfct *ct = test_ct_create("small", SMALL_MAX);
	unsigned int n, i;

	(void)state;
	assert_non_null(ct);
	extra_ct = ct;
	gc_params_set(ct, 256, 50, 5000, NPFCT_GC_EARLY_DROP_OFF);
	n = fill(ct, 0, kind_udp_new);
	assert_true(n >= SMALL_MAX);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_TABLE_FULL), 1);
	assert_int_equal(npfct_count(ct), n);

	/* Removed is not destroyed: still no room. */
	test_ct_advance(ct, 31);
	assert_int_equal(npfct_gc(ct), 0);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_GC_EXPIRED), n);
	assert_null(flow_establish(ct, n + 1, FLOW_UDP_NEW, NULL));
	assert_int_equal(rte_errno, ENOSPC);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_TABLE_FULL), 2);

	assert_int_equal(gc_poll(ct, 0, true), (int)n);
	for (i = 0; i < SMALL_MAX; i++)
		assert_non_null(flow_establish(ct, 1000 + i, FLOW_UDP_NEW,
		    NULL));
	assert_int_equal(npfct_flush(ct), SMALL_MAX);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_EARLY_DROP), 0);
}

/*
 * A full table of established and unestablished connections: the step
 * after a failed establish evicts the early_drop oldest unestablished
 * ones; established and younger ones survive.
 */
static void
test_gc_early_drop_oldest(void **state)
{
	struct npfct *ct = test_ct_create("small", SMALL_MAX);
	unsigned int n, i, more;

	(void)state;
	assert_non_null(ct);
	extra_ct = ct;
	gc_params_set(ct, 256, 50, 5000, 8);
	n = fill(ct, 0, kind_mixed);
	assert_true(n >= SMALL_MAX);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_TABLE_FULL), 1);

	/* The odd flows 1..15 are the eight oldest unestablished. */
	assert_int_equal(npfct_gc(ct), 0);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_EARLY_DROP), 8);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_GC_EXPIRED), 0);
	for (i = 0; i < n; i++) {
		const bool gone = i % 2 == 1 && i < 16;

		if (flow_found(ct, i, kind_mixed_tcp(i)) == gone)
			fail_msg("flow %u (%s) %s", i,
			    gone ? "evicted" : "kept",
			    gone ? "found" : "not found");
	}
	/* Without pressure the next step evicts nothing. */
	assert_int_equal(npfct_gc(ct), 0);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_EARLY_DROP), 8);

	/* Destroyed after a grace period: room for eight more. */
	assert_int_equal(gc_poll(ct, n - 8, true), 8);
	assert_int_equal(npfct_count(ct), n - 8);
	more = fill(ct, n + 1, kind_udp_new);
	assert_true(more >= 8);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_TABLE_FULL), 2);

	/* Full again: the next eight oldest (17..31) go, not the new. */
	assert_int_equal(npfct_gc(ct), 0);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_EARLY_DROP), 16);
	for (i = 17; i < 32; i += 2)
		assert_false(flow_found(ct, i, kind_mixed_tcp(i)));
	for (i = 32; i < n; i++)
		assert_true(flow_found(ct, i, kind_mixed_tcp(i)));
	for (i = n + 1; i < n + 1 + more; i++)
		assert_true(flow_found(ct, i, false));
	assert_int_equal(npfct_flush(ct), n - 8 + more);
}

/* NPFCT_GC_EARLY_DROP_OFF: a full table evicts nothing. */
static void
test_gc_early_drop_off(void **state)
{
	struct npfct *ct = test_ct_create("small", SMALL_MAX);
	unsigned int n, i;

	(void)state;
	assert_non_null(ct);
	extra_ct = ct;
	gc_params_set(ct, 256, 50, 5000, NPFCT_GC_EARLY_DROP_OFF);
	n = fill(ct, 0, kind_mixed);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_TABLE_FULL), 1);
	assert_int_equal(npfct_gc(ct), 0);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_EARLY_DROP), 0);
	for (i = 0; i < n; i++)
		assert_true(flow_found(ct, i, kind_mixed_tcp(i)));
	for (i = 0; i < 20; i++) {
		assert_int_equal(npfct_gc(ct), 0);
		npfct_quiescent();
		rte_delay_us_sleep(500);
	}
	assert_int_equal(npfct_count(ct), n);
	assert_null(flow_establish(ct, n + 1, FLOW_UDP_NEW, NULL));
	assert_int_equal(rte_errno, ENOSPC);
	assert_int_equal(npfct_flush(ct), n);
}

/*
 * Connections that expired by timeout are counted as such when the step
 * that collects them runs under table pressure, as without it.
 */
static void
test_gc_table_full_expired_counted(void **state)
{
	struct npfct *ct = test_ct_create("small", SMALL_MAX);
	unsigned int n;

	(void)state;
	assert_non_null(ct);
	extra_ct = ct;
	n = fill(ct, 0, kind_udp_new);
	test_ct_advance(ct, 31);
	assert_int_equal(npfct_gc(ct), 0);
	/* They timed out: not evicted, expired. */
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_EARLY_DROP), 0);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_GC_EXPIRED), n);
	assert_int_equal(npfct_gc_sync(ct), n);
}

/*
 * Sustained pressure: under load a full table makes establish fail
 * between any two steps.  With gc.step 2 (early drop scans 4 x 2), the
 * 16 oldest connections are long-lived and established; the rest are
 * one-way UDP.  The G/C must still get past them.
 */
#define PRESSURE_HEAD	16
#define PRESSURE_ROUNDS	200

static enum flow_kind
kind_established_head(unsigned int i)
{
	return i < PRESSURE_HEAD ? FLOW_TCP_EST : FLOW_UDP_NEW;
}

/*
 * pressure_rounds: try to establish, and if the table is still full run
 * a step (this thread reports a quiescent state after it, then waits a
 * millisecond).
 *
 * => Returns the rounds it took until an establish succeeded, or
 *    PRESSURE_ROUNDS.
 */
static unsigned int
pressure_rounds(struct npfct *ct)
{
	unsigned int k;

	for (k = 0; k < PRESSURE_ROUNDS; k++) {
		if (flow_establish(ct, 100000 + k, FLOW_UDP_NEW, NULL) != NULL)
			break;
		assert_int_equal(rte_errno, ENOSPC);
		assert_true(npfct_gc(ct) >= 0);
		npfct_quiescent();
		/*
		 * Evicted and expired connections are freed once their
		 * grace period ended: give the grace-period thread time.
		 */
		rte_delay_us_sleep(1000);
	}
	return k;
}

/* Early drop evicts unestablished connections behind the head. */
static void
test_gc_pressure_early_drop_progress(void **state)
{
	struct npfct *ct = test_ct_create("small", SMALL_MAX);
	unsigned int n;

	(void)state;
	assert_non_null(ct);
	extra_ct = ct;
	gc_params_set(ct, 2, 50, 5000, 8);
	n = fill(ct, 0, kind_established_head);
	if (pressure_rounds(ct) == PRESSURE_ROUNDS)
		fail_msg("table still full after %u steps: early-drop %"
		    PRIu64 ", table-full %" PRIu64, PRESSURE_ROUNDS,
		    test_ct_stat(ct, NPFCT_STAT_EARLY_DROP),
		    test_ct_stat(ct, NPFCT_STAT_TABLE_FULL));
	assert_true(test_ct_stat(ct, NPFCT_STAT_EARLY_DROP) > 0);
	assert_true(npfct_count(ct) <= n);
}

/* Expired connections behind the head are collected (early drop on, as
 * by default; nothing is left to evict once they are gone). */
static void
test_gc_pressure_expiry_progress(void **state)
{
	struct npfct *ct = test_ct_create("small", SMALL_MAX);

	(void)state;
	assert_non_null(ct);
	extra_ct = ct;
	gc_params_set(ct, 2, 50, 5000, SMALL_MAX);
	fill(ct, 0, kind_established_head);
	test_ct_advance(ct, 31);	/* the UDP ones expire */
	if (pressure_rounds(ct) == PRESSURE_ROUNDS)
		fail_msg("table still full after %u steps: gc-expired %"
		    PRIu64 ", table-full %" PRIu64, PRESSURE_ROUNDS,
		    test_ct_stat(ct, NPFCT_STAT_GC_EXPIRED),
		    test_ct_stat(ct, NPFCT_STAT_TABLE_FULL));
	assert_true(test_ct_stat(ct, NPFCT_STAT_GC_EXPIRED) > 0);
}

/*
 * Functional scenarios: the G/C service on a service lcore.
 */

static int
lcore_noop(void *arg)
{
	(void)arg;
	return 0;
}

/* Expired connections are destroyed with no G/C call by the test. */
static void
test_gc_service_collects(void **state)
{
	const unsigned int nflows = 100;
	unsigned int i;

	(void)state;
	gc_params_set(test_ct, 256, 1, 64, 64);
	for (i = 0; i < nflows; i++)
		assert_non_null(flow_establish(test_ct, i, FLOW_UDP_NEW,
		    i % 10 ? NULL : &rproc_handle));
	service_start(test_ct);
	test_ct_advance(test_ct, 31);
	main_go_offline();
	assert_true(wait_count(test_ct, 0));
	main_go_online();

	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), nflows);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY),
	    nflows);
	assert_int_equal(rproc_released(), nflows / 10);
	for (i = 0; i < nflows; i += 7)
		assert_false(flow_found(test_ct, i, false));
	/* The service ran, and did work. */
	assert_true(service_calls() > 0);
	assert_true(service_attr(RTE_SERVICE_ATTR_CYCLES) > svc_cycles0);
	assert_int_equal(service_stop(), 0);

	/* The lcore is the EAL's again. */
	assert_int_equal(rte_service_lcore_count(), 0);
	assert_int_equal(rte_eal_remote_launch(lcore_noop, NULL,
	    SERVICE_LCORE), 0);
	assert_int_equal(rte_eal_wait_lcore(SERVICE_LCORE), 0);
}

/*
 * The adaptive interval (gc.step 1, 1..64 ms).  While this thread holds
 * the grace period every step removes one connection and none is
 * destroyed, so steps are paced by the interval only.  100 steps at
 * 64 ms would take 6.4 s: halving while steps collect makes them take
 * about 0.2 s.  Idle, the interval grows to at most 64 ms: the service
 * keeps running and picks up new work.  Bounds are generous.
 */
static void
test_gc_service_adaptive_interval(void **state)
{
	const unsigned int nflows = 200;
	uint64_t t0;
	unsigned int i;

	(void)state;
	gc_params_set(test_ct, 1, 1, 64, 64);
	for (i = 0; i < nflows; i++)
		assert_non_null(flow_establish(test_ct, i, FLOW_UDP_NEW, NULL));
	service_start(test_ct);
	/* Idle: the interval backs off to 64 ms. */
	rte_delay_us_sleep(300 * 1000);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), 0);

	test_ct_advance(test_ct, 31);
	t0 = now_ms();
	assert_true(wait_stat(test_ct, NPFCT_STAT_GC_EXPIRED, 1));
	assert_true(now_ms() - t0 < 1000);
	assert_true(wait_stat(test_ct, NPFCT_STAT_GC_EXPIRED, 100));
	assert_true(now_ms() - t0 < WAIT_MS);
	/* Nothing destroyed: this thread is online. */
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY), 0);
	assert_int_equal(npfct_count(test_ct), nflows);

	main_go_offline();
	assert_true(wait_count(test_ct, 0));
	main_go_online();
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), nflows);

	/* Idle again; one more connection expires and goes. */
	rte_delay_us_sleep(300 * 1000);
	assert_non_null(flow_establish(test_ct, nflows, FLOW_UDP_NEW, NULL));
	test_ct_advance(test_ct, 31);
	t0 = now_ms();
	main_go_offline();
	assert_true(wait_count(test_ct, 0));
	main_go_online();
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(service_stop(), 0);
}

/*
 * New tunables apply at once: with the next step an hour away, shorter
 * intervals make the service step now and collect what expired.
 */
static void
test_gc_service_params_apply_at_once(void **state)
{
	const unsigned int nflows = 50;
	unsigned int i;

	(void)state;
	gc_params_set(test_ct, 256, GC_HOUR_MS, GC_HOUR_MS, 64);
	for (i = 0; i < nflows; i++)
		assert_non_null(flow_establish(test_ct, i, FLOW_UDP_NEW, NULL));
	service_start(test_ct);
	/* The first call steps at once; the next is due in an hour. */
	service_wait_first_call();
	test_ct_advance(test_ct, 31);
	rte_delay_us_sleep(100 * 1000);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), 0);

	gc_params_set(test_ct, 256, 1, 64, 64);
	main_go_offline();
	assert_true(wait_count(test_ct, 0));
	main_go_online();
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED), nflows);
	assert_int_equal(service_stop(), 0);
}

/*
 * npfct_destroy() while the service runs a step on its service lcore:
 * destroy stops the service and waits for the step to return before it
 * frees anything (the grace-period thread's state is malloc()ed: a step
 * that outlived it would be a heap-use-after-free under ASan).  Each
 * round destroys right after the step started to expire 20000
 * connections; the service is gone afterwards and its lcore runs on.
 */
static void
test_gc_service_destroy_while_running(void **state)
{
	const unsigned int nflows = 20000, rounds = 20;
	unsigned int round, i, caught = 0;
	uint32_t id;
	uint64_t end;

	(void)state;
	for (round = 0; round < rounds; round++) {
		struct npfct *ct = test_ct_create("running", 32768);

		assert_non_null(ct);
		extra_ct = ct;
		for (i = 0; i < nflows; i++)
			assert_non_null(flow_establish(ct, i, FLOW_UDP_NEW,
			    NULL));
		/* Every step examines the whole list. */
		gc_params_set(ct, 1u << 20, 1, 1, 64);
		service_start(ct);
		main_go_offline();
		test_ct_advance(ct, 31);
		end = now_ms() + WAIT_MS;
		while (test_ct_stat(ct, NPFCT_STAT_GC_EXPIRED) == 0)
			assert_true(now_ms() < end);
		caught += test_ct_stat(ct, NPFCT_STAT_GC_EXPIRED) < nflows;
		npfct_destroy(ct);
		extra_ct = NULL;
		main_go_online();
		svc_started = false;
		assert_int_equal(rte_service_get_by_name("npfct_gc_running",
		    &id), -ENODEV);
		assert_int_equal(rte_service_lcore_count_services(
		    SERVICE_LCORE), 0);
		assert_int_equal(service_lcore_release(false), 0);
	}
	print_message("destroyed in the middle of a step %u times of %u\n",
	    caught, rounds);
}

/*
 * A full table makes the service step at once, whatever the interval
 * (here an hour): it evicts, and destroys after the grace period.
 */
static void
test_gc_service_table_full_at_once(void **state)
{
	struct npfct *ct = test_ct_create("small", SMALL_MAX);
	unsigned int n, i;

	(void)state;
	assert_non_null(ct);
	extra_ct = ct;
	gc_params_set(ct, 256, GC_HOUR_MS, GC_HOUR_MS, 8);
	service_start(ct);
	/* The first call steps at once; the next is due in an hour. */
	service_wait_first_call();

	n = fill(ct, 0, kind_mixed);
	main_go_offline();
	assert_true(wait_stat(ct, NPFCT_STAT_EARLY_DROP, 8));
	assert_true(wait_count(ct, n - 8));
	main_go_online();
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_EARLY_DROP), 8);
	for (i = 0; i < 32; i++)
		assert_int_equal(flow_found(ct, i, kind_mixed_tcp(i)),
		    !(i % 2 == 1 && i < 16));

	/* Stopped, the service leaves the rest to a full pass. */
	assert_int_equal(service_stop(), 0);
	test_ct_advance(ct, 100000);
	assert_int_equal(npfct_gc_sync(ct), n - 8);
	for (i = 0; i < SMALL_MAX; i++)
		assert_non_null(flow_establish(ct, 1000 + i, FLOW_UDP_NEW,
		    NULL));
	assert_int_equal(npfct_flush(ct), SMALL_MAX);
}

/*
 * Functional scenarios: the reclamation guarantee across lcores.
 */

/*
 * reader_scenario: a datapath lcore finds flow 0 and uses it without a
 * quiescent state for HOLD_MS while flow 0 and nine others expire and
 * G/C steps run, on this lcore or on the service lcore.  None is
 * destroyed until the reader reports a quiescent state (or goes
 * offline); then the next steps destroy all ten.
 */
#define HELD_FLOWS	10

static void
reader_scenario(bool reader_offline, bool service)
{
	struct rte_mbuf *m;
	uint64_t end, reads;
	unsigned int i;
	int destroyed = 0, n;

	assert_non_null(flow_establish(test_ct, 0, FLOW_UDP_NEW,
	    &rproc_handle));
	for (i = 1; i < HELD_FLOWS; i++)
		assert_non_null(flow_establish(test_ct, i, FLOW_UDP_NEW,
		    NULL));
	m = flow_mbuf(0, false, PKT_FORW);
	if (service) {
		gc_params_set(test_ct, 256, 1, 64, 64);
		service_start(test_ct);
	}
	main_go_offline();
	reader_start(test_ct, m, reader_offline);
	assert_true(wait_u32(&rd.phase, READER_HOLDING));

	test_ct_advance(test_ct, 31);
	end = now_ms() + HOLD_MS;
	while (now_ms() < end) {
		if (!service) {
			n = npfct_gc(test_ct);
			assert_true(n >= 0);
			destroyed += n;
		}
		rte_delay_us_sleep(500);
	}
	if (service)
		assert_true(wait_stat(test_ct, NPFCT_STAT_GC_EXPIRED,
		    HELD_FLOWS));
	/* Removed, not destroyed: the reader still uses flow 0. */
	assert_int_equal(destroyed, 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_GC_EXPIRED),
	    HELD_FLOWS);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY), 0);
	assert_int_equal(npfct_count(test_ct), HELD_FLOWS);
	assert_int_equal(rproc_released(), 0);
	assert_int_equal(__atomic_load_n(&rd.phase, __ATOMIC_ACQUIRE),
	    READER_HOLDING);
	reads = __atomic_load_n(&rd.reads, __ATOMIC_RELAXED);
	assert_true(reads > 0);

	/* Let go: the next steps destroy them. */
	__atomic_store_n(&rd.let_go, 1, __ATOMIC_RELEASE);
	assert_true(wait_u32(&rd.phase, READER_LET_GO));
	if (service)
		assert_true(wait_count(test_ct, 0));
	else
		destroyed = gc_poll(test_ct, 0, false);
	assert_int_equal(npfct_count(test_ct), 0);
	if (!service)
		assert_int_equal(destroyed, HELD_FLOWS);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_CONN_DESTROY),
	    HELD_FLOWS);
	assert_int_equal(rproc_released(), 1);

	assert_int_equal(reader_stop(), 0);
	assert_int_equal(rd.phase, READER_DONE);
	assert_true(rd.reads >= reads);
	assert_int_equal(rd.bad, 0);
	main_go_online();
	if (service)
		assert_int_equal(service_stop(), 0);
	rte_pktmbuf_free(m);
}

static void
test_gc_reader_quiescent(void **state)
{
	(void)state;
	reader_scenario(false, false);
}

static void
test_gc_reader_offline(void **state)
{
	(void)state;
	reader_scenario(true, false);
}

static void
test_gc_service_reader_quiescent(void **state)
{
	(void)state;
	reader_scenario(false, true);
}

#define T(f) cmocka_unit_test_setup_teardown(f, gcs_setup, gcs_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* Error paths. */
		T(test_gc_params_set_bad_values),
		T(test_gc_params_get_bad_args),
		T(test_create_gc_params_bad),
		T(test_gc_no_lcore_id),
		T(test_gc_service_id_bad_args),
		T(test_create_service_slots_used_up),
		/* Tunables. */
		T(test_gc_params_defaults),
		T(test_gc_params_set_round_trip),
		/* Steps. */
		T(test_gc_step_cursor),
		T(test_gc_step_resize_and_new),
		T(test_gc_step_after_filter_flush),
		T(test_gc_reclaim_offline),
		T(test_gc_reclaim_quiescent),
		/* Full table, early drop. */
		T(test_gc_table_full_drain),
		T(test_gc_early_drop_oldest),
		T(test_gc_early_drop_off),
		T(test_gc_table_full_expired_counted),
		T(test_gc_pressure_early_drop_progress),
		T(test_gc_pressure_expiry_progress),
		/* The service. */
		T(test_gc_service_collects),
		T(test_gc_service_adaptive_interval),
		T(test_gc_service_params_apply_at_once),
		T(test_gc_service_table_full_at_once),
		T(test_gc_service_destroy_while_running),
		/* Reclamation across lcores. */
		T(test_gc_reader_quiescent),
		T(test_gc_reader_offline),
		T(test_gc_service_reader_quiescent),
	};

	return cmocka_run_group_tests_name("gc_service", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
