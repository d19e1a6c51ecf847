/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the connection database (src/conndb.c) and the connection
 * pools (src/connpool.c): insert unless present, the second-entry bit in
 * the value, removal returning the slot, slot reuse only after it is
 * freed, the lock-free new lists filled from several lcores, one entry
 * per connection and a second one only for NAT, and the pools'
 * magazines.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <pthread.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_pause.h>

#include "npfct_impl.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

static void
key_of(unsigned int i, uint32_t *key)
{
	struct rte_mbuf *m = test_pkt_udp4("10.0.0.1", (uint16_t)(i + 1),
	    "10.0.0.2", 53);
	struct npfct_pkt pkt;

	npfct_pkt_parse(&pkt, m);
	assert_int_equal(npfct_connkey_build(&pkt, key, true), 16);
	rte_pktmbuf_free(m);
}

static void
test_conndb_insert_unless_present(void **state)
{
	struct npfct_db *db = npfct_db_get(test_ct);
	struct npfct_conn *a, *b, *found;
	uint32_t key[NPFCT_KEY_MAXWORDS];
	hash_sig_t sig;
	bool forw;

	(void)state;
	a = npfct_conn_alloc(test_ct, 4);
	b = npfct_conn_alloc(test_ct, 4);
	assert_non_null(a);
	assert_non_null(b);
	key_of(1, key);
	sig = npfct_conndb_hash(db, key, 4);

	assert_null(npfct_conndb_lookup(db, key, 4, sig, &forw));
	assert_int_equal(npfct_conndb_insert(db, key, 4, sig, a, true), 0);
	/* rte_hash would replace the value: we refuse instead. */
	assert_int_equal(npfct_conndb_insert(db, key, 4, sig, b, false),
	    -EEXIST);
	found = npfct_conndb_lookup(db, key, 4, sig, &forw);
	assert_ptr_equal(found, a);
	assert_true(forw);

	assert_true(npfct_conndb_remove(db, key, 4, sig) >= 0);
	assert_null(npfct_conndb_lookup(db, key, 4, sig, &forw));
	assert_true(npfct_conndb_remove(db, key, 4, sig) < 0);
	assert_int_equal(npfct_conndb_insert(db, key, 4, sig, b, false), 0);
	found = npfct_conndb_lookup(db, key, 4, sig, &forw);
	assert_ptr_equal(found, b);
	assert_false(forw);
	npfct_conndb_free_pos(db, 4, npfct_conndb_remove(db, key, 4, sig));
	/* Never visible through the lists: put back directly. */
	npfct_connpool_put(&test_ct->ct_pool[NPFCT_AF4], a);
	npfct_connpool_put(&test_ct->ct_pool[NPFCT_AF4], b);
}

/* A removed slot is not reused until it is freed. */
static void
test_conndb_slot_not_reused_before_free(void **state)
{
	struct npfct_db *db = npfct_db_get(test_ct);
	struct npfct_conn *c = npfct_conn_alloc(test_ct, 4);
	uint32_t key[NPFCT_KEY_MAXWORDS];
	int32_t pos, pos2, held[64];
	unsigned int i;

	(void)state;
	assert_non_null(c);
	key_of(1, key);
	assert_int_equal(npfct_conndb_insert(db, key, 4,
	    npfct_conndb_hash(db, key, 4), c, true), 0);
	pos = npfct_conndb_remove(db, key, 4, npfct_conndb_hash(db, key, 4));
	assert_true(pos >= 0);
	for (i = 0; i < RTE_DIM(held); i++) {
		key_of(100 + i, key);
		assert_int_equal(npfct_conndb_insert(db, key, 4,
		    npfct_conndb_hash(db, key, 4), c, true), 0);
		pos2 = rte_hash_lookup_with_hash(db->db_hash[NPFCT_AF4], key,
		    npfct_conndb_hash(db, key, 4));
		assert_true(pos2 >= 0);
		assert_int_not_equal(pos2, pos);
		held[i] = pos2;
	}
	for (i = 0; i < RTE_DIM(held); i++) {
		key_of(100 + i, key);
		assert_int_equal(npfct_conndb_remove(db, key, 4,
		    npfct_conndb_hash(db, key, 4)), held[i]);
		npfct_conndb_free_pos(db, 4, held[i]);
	}
	npfct_conndb_free_pos(db, 4, pos);
	npfct_connpool_put(&test_ct->ct_pool[NPFCT_AF4], c);
}

/* New connections pushed from several lcores all reach db_list. */
#define PER_LCORE	200

static struct npfct_conn *pushed[RTE_MAX_LCORE][PER_LCORE];

static int
push_new(void *arg)
{
	struct npfct_db *db = arg;
	unsigned int i, id = rte_lcore_id();

	for (i = 0; i < PER_LCORE; i++)
		npfct_conndb_enqueue(db, pushed[id][i]);
	return 0;
}

static void
test_conndb_new_lists(void **state)
{
	struct npfct_db *db = npfct_db_create(test_ct);
	unsigned int lcore, i, n = 0, drained = 0;
	struct npfct_conn *con;

	(void)state;
	assert_non_null(db);
	RTE_LCORE_FOREACH(lcore) {
		for (i = 0; i < PER_LCORE; i++) {
			pushed[lcore][i] = npfct_conn_alloc(test_ct, 4);
			assert_non_null(pushed[lcore][i]);
		}
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(push_new, db, lcore);
	/* The G/C drains while others push. */
	push_new(db);
	drained += npfct_conndb_drain_new(db);
	rte_eal_mp_wait_lcore();
	drained += npfct_conndb_drain_new(db);
	assert_int_equal(drained, rte_lcore_count() * PER_LCORE);
	TAILQ_FOREACH(con, &db->db_list, c_entry)
		n++;
	assert_int_equal(n, drained);
	while ((con = TAILQ_FIRST(&db->db_list)) != NULL) {
		TAILQ_REMOVE(&db->db_list, con, c_entry);
		npfct_connpool_put(&test_ct->ct_pool[NPFCT_AF4], con);
	}
	npfct_db_destroy(test_ct, db);
}

static unsigned int
table_entries(void)
{
	return (unsigned int)rte_hash_count(
	    npfct_db_get(test_ct)->db_hash[NPFCT_AF4]);
}

static struct npfct_conn *
lookup(const char *src, uint16_t sport, const char *dst, uint16_t dport,
		int di, bool *forw)
{
	struct rte_mbuf *m = test_pkt_udp4(src, sport, dst, dport);
	struct npfct_conn *con;
	struct npfct_pkt pkt;

	npfct_pkt_parse(&pkt, m);
	con = npfct_conn_lookup(test_ct, &pkt, di, forw);
	rte_pktmbuf_free(m);
	return con;
}

static struct npfct_conn *
establish(const char *src, uint16_t sport, const char *dst, uint16_t dport,
		struct npfct_pkt *pkt)
{
	struct rte_mbuf *m = test_pkt_udp4(src, sport, dst, dport);
	struct npfct_conn *con;

	npfct_pkt_parse(pkt, m);
	rte_pktmbuf_free(m);	/* the parsed fields are copies */
	con = npfct_conn_establish(test_ct, pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	return con;
}

/*
 * One table entry per connection; NAT adds the second.  The keys a
 * lookup matches are NPF's: the forwards key and the (translated)
 * backwards key, not their inversions.
 */
static void
test_conndb_entries_per_connection(void **state)
{
	struct npfct_conn *a, *b;
	struct npfct_pkt pa, pb;
	union npfct_addr ta;
	static int nat;
	bool forw;

	(void)state;
	/* The higher address first: the forwards key is not canonical. */
	a = establish("10.0.0.9", 1000, "10.0.0.1", 53, &pa);
	npfct_conn_release(a);
	assert_int_equal(table_entries(), 1);
	assert_ptr_equal(lookup("10.0.0.9", 1000, "10.0.0.1", 53,
	    NPFCT_DIR_OUT, &forw), a);
	assert_true(forw);
	assert_ptr_equal(lookup("10.0.0.1", 53, "10.0.0.9", 1000,
	    NPFCT_DIR_IN, &forw), a);
	assert_false(forw);
	/* The direction of the packet must agree with the stream. */
	assert_null(lookup("10.0.0.1", 53, "10.0.0.9", 1000, NPFCT_DIR_OUT,
	    &forw));

	/* A translation that changes nothing adds nothing. */
	b = establish("10.0.0.2", 1000, "10.0.0.1", 53, &pb);
	ta.v4 = inet_addr("10.0.0.2");
	assert_int_equal(npfct_conn_setnat(test_ct, &pb, b, &nat,
	    NPFCT_NAT_OUT, &ta, 0), 0);
	npfct_conn_release(b);
	assert_int_equal(table_entries(), 2);

	/* Outbound NAT: a's replies come to 203.0.113.1:40000. */
	ta.v4 = inet_addr("203.0.113.1");
	assert_int_equal(npfct_conn_setnat(test_ct, &pa, a, &nat,
	    NPFCT_NAT_OUT, &ta, htons(40000)), 0);
	assert_int_equal(table_entries(), 3);
	assert_ptr_equal(lookup("10.0.0.9", 1000, "10.0.0.1", 53,
	    NPFCT_DIR_OUT, &forw), a);
	assert_true(forw);
	assert_ptr_equal(lookup("10.0.0.1", 53, "203.0.113.1", 40000,
	    NPFCT_DIR_IN, &forw), a);
	assert_false(forw);
	/* The untranslated reply and the inverted translated key miss. */
	assert_null(lookup("10.0.0.1", 53, "10.0.0.9", 1000, NPFCT_DIR_IN,
	    &forw));
	assert_null(lookup("203.0.113.1", 40000, "10.0.0.1", 53,
	    NPFCT_DIR_OUT, &forw));
	assert_null(lookup("203.0.113.1", 40000, "10.0.0.1", 53,
	    NPFCT_DIR_IN, &forw));

	/* The G/C removes every entry. */
	assert_int_equal(npfct_flush(test_ct), 2);
	assert_int_equal(table_entries(), 0);
}

/*
 * The one case where the canonical table refuses what NPF takes: a NAT
 * backwards key whose inversion is a key of another NAT connection, its
 * forwards key or its backwards key (docs/design.md).  setnat fails as
 * on a duplicate.
 */
static void
test_conndb_nat_inverse_collision(void **state)
{
	struct npfct_conn *a, *b;
	struct npfct_pkt pa, pb;
	union npfct_addr ta;
	static int nat;
	bool forw;

	(void)state;
	/* b: 198.51.100.7:5000 -> 10.0.0.1:53, translated to .8:6000. */
	b = establish("198.51.100.7", 5000, "10.0.0.1", 53, &pb);
	ta.v4 = inet_addr("198.51.100.8");
	assert_int_equal(npfct_conn_setnat(test_ct, &pb, b, &nat,
	    NPFCT_NAT_OUT, &ta, htons(6000)), 0);
	npfct_conn_release(b);
	/* a's replies would come to 198.51.100.7:5000, b's source. */
	a = establish("10.0.0.9", 1000, "10.0.0.1", 53, &pa);
	ta.v4 = inet_addr("198.51.100.7");
	assert_int_equal(npfct_conn_setnat(test_ct, &pa, a, &nat,
	    NPFCT_NAT_OUT, &ta, htons(5000)), -EISCONN);
	npfct_conn_release(a);
	assert_null(lookup("10.0.0.9", 1000, "10.0.0.1", 53, NPFCT_DIR_OUT,
	    &forw));
	assert_ptr_equal(lookup("198.51.100.7", 5000, "10.0.0.1", 53,
	    NPFCT_DIR_OUT, &forw), b);
	assert_int_equal(npfct_gc_sync(test_ct), 1);
	assert_int_equal(table_entries(), 2);

	/* c's replies would come from 198.51.100.8:6000 to 10.0.0.1:53,
	 * the inversion of b's backwards key. */
	a = establish("10.0.0.7", 2000, "198.51.100.8", 6000, &pa);
	ta.v4 = inet_addr("10.0.0.1");
	assert_int_equal(npfct_conn_setnat(test_ct, &pa, a, &nat,
	    NPFCT_NAT_OUT, &ta, htons(53)), -EISCONN);
	npfct_conn_release(a);
	assert_int_equal(npfct_gc_sync(test_ct), 1);
	assert_int_equal(table_entries(), 2);
	assert_int_equal(npfct_flush(test_ct), 1);
	assert_int_equal(table_entries(), 0);
}

/* A pool hands out every object once, in its array, then ENOSPC. */
#define POOL_MAX	100
#define POOL_BATCH	8

struct pool_thread {
	struct npfct_connpool *cp;
	unsigned int got;
};

static void *
pool_non_eal(void *arg)
{
	struct pool_thread *pt = arg;
	void *objs[16];
	unsigned int i;

	/* A thread without an lcore id uses the shared magazine. */
	for (i = 0; i < RTE_DIM(objs); i++)
		if ((objs[i] = npfct_connpool_get(pt->cp)) != NULL)
			pt->got++;
	for (i = 0; i < RTE_DIM(objs); i++)
		if (objs[i] != NULL)
			npfct_connpool_put(pt->cp, objs[i]);
	return NULL;
}

/*
 * Threads registered after the instance was created (rte_thread_register()
 * gives them lcore ids) each establish one connection and leave: the
 * objects their magazines keep must not make max_conns unreachable.
 */
#define LATE_THREADS	24
#define LATE_MAX	64

struct late_thread {
	struct npfct	*ct;
	pthread_barrier_t *barrier;
	unsigned int	i;
	int		ok;
};

static void *
late_thread(void *arg)
{
	struct late_thread *lt = arg;
	struct rte_mbuf *m;
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	char a[32];

	if (rte_thread_register() != 0)
		return NULL;
	npfct_thread_register();
	snprintf(a, sizeof(a), "10.9.0.%u", lt->i + 1);
	m = test_pkt_udp4(a, 1024, "192.0.2.9", 53);
	npfct_pkt_parse(&pkt, m);
	con = npfct_conn_establish(lt->ct, &pkt, NPFCT_DIR_OUT, false);
	if (con != NULL) {
		npfct_conn_release(con);
		lt->ok = 1;
	}
	rte_pktmbuf_free(m);
	/* All hold their lcore ids (and magazines) at once. */
	pthread_barrier_wait(lt->barrier);
	npfct_thread_unregister();
	rte_thread_unregister();
	return NULL;
}

static void
test_connpool_late_threads(void **state)
{
	struct npfct *ct = test_ct_create("late", LATE_MAX);
	struct late_thread lt[LATE_THREADS];
	unsigned int i, n = 0, made = 0;
	pthread_barrier_t barrier;
	pthread_t th[LATE_THREADS];

	(void)state;
	assert_non_null(ct);
	assert_int_equal(pthread_barrier_init(&barrier, NULL, LATE_THREADS),
	    0);
	for (i = 0; i < LATE_THREADS; i++) {
		lt[i] = (struct late_thread){ .ct = ct, .barrier = &barrier,
		    .i = i };
		assert_int_equal(pthread_create(&th[i], NULL, late_thread,
		    &lt[i]), 0);
	}
	for (i = 0; i < LATE_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		made += lt[i].ok;
	}
	pthread_barrier_destroy(&barrier);
	assert_int_equal(made, LATE_THREADS);
	/* Every connection up to max_conns can still be made. */
	for (;;) {
		struct rte_mbuf *m;
		char a[32];

		snprintf(a, sizeof(a), "10.8.%u.%u", n >> 8, n & 0xff);
		m = test_pkt_udp4(a, 1024, "192.0.2.9", 53);
		if (test_ct_establish(ct, m, NPFCT_DIR_OUT, false) == NULL) {
			rte_pktmbuf_free(m);
			break;
		}
		rte_pktmbuf_free(m);
		n++;
		assert_true(n <= LATE_MAX);
	}
	assert_int_equal(rte_errno, ENOSPC);
	assert_int_equal(made + n, LATE_MAX);
	assert_int_equal(npfct_flush(ct), LATE_MAX);
	npfct_destroy(ct);
}

static void
test_connpool(void **state)
{
	static void *objs[POOL_MAX + 2 * POOL_BATCH * (RTE_MAX_LCORE + 1)];
	struct npfct_connpool cp;
	struct pool_thread pt = { &cp, 0 };
	unsigned int i, j, n = 0;
	pthread_t th;

	(void)state;
	assert_int_equal(npfct_connpool_init(&cp, "tpool", 128, POOL_MAX,
	    POOL_BATCH, SOCKET_ID_ANY), 0);
	assert_true(cp.cp_n >= POOL_MAX);
	assert_int_equal(npfct_connpool_avail(&cp), cp.cp_n);
	assert_int_equal(pthread_create(&th, NULL, pool_non_eal, &pt), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(pt.got, 16);
	assert_int_equal(npfct_connpool_avail(&cp), cp.cp_n);

	while ((objs[n] = npfct_connpool_get(&cp)) != NULL) {
		uint8_t *o = objs[n];

		assert_true(n < RTE_DIM(objs));
		assert_true(o >= cp.cp_base &&
		    o < cp.cp_base + (size_t)cp.cp_n * 128);
		assert_int_equal((o - cp.cp_base) % 128, 0);
		memset(o, 0xa5, 128);	/* all of it is the caller's */
		n++;
	}
	assert_int_equal(rte_errno, ENOSPC);
	/*
	 * Every object once, but the 16 in the shared slot's magazines
	 * (stranded there: what the slack is for).
	 */
	assert_true(n >= POOL_MAX);
	assert_int_equal(n + 16, cp.cp_n);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_ptr_not_equal(objs[i], objs[j]);
	assert_int_equal(npfct_connpool_avail(&cp), 16);
	for (i = 0; i < n; i++)
		npfct_connpool_put(&cp, objs[i]);
	assert_int_equal(npfct_connpool_avail(&cp), cp.cp_n);
	npfct_connpool_fini(&cp);

	/* Without magazines (a small pool): exactly max objects. */
	assert_int_equal(npfct_connpool_init(&cp, "tpool0", 192, 3, 0,
	    SOCKET_ID_ANY), 0);
	assert_int_equal(cp.cp_n, 3);
	for (i = 0; i < 3; i++)
		assert_non_null(objs[i] = npfct_connpool_get(&cp));
	assert_null(npfct_connpool_get(&cp));
	for (i = 0; i < 3; i++)
		npfct_connpool_put(&cp, objs[i]);
	assert_int_equal(npfct_connpool_avail(&cp), 3);
	npfct_connpool_fini(&cp);
}

/*
 * A table without extendable buckets (load at most 7/8) takes every
 * entry it was sized for: fill one as close to 7/8 as the sizing allows,
 * a second entry for every NAT connection included.
 */
static void
test_conndb_fill_without_ext(void **state)
{
	struct npfct_params p = {
		.name = "fill", .socket_id = SOCKET_ID_ANY, .cache_size = 1,
		.flags = NPFCT_F_FIXED_HASH_SEED,
	};
	const uint32_t slack = 2 * (rte_lcore_count() + 1);
	uint32_t max, entries, i, nat_n = 0;
	struct npfct_stats st;
	struct npfct *ct;
	static int nat;

	(void)state;
	/* The largest max whose table loads 16384 slots up to 7/8. */
	for (max = 12000; ; max++) {
		entries = (max + 1) + slack + ((max + 1) / 8 + 1);
		if (npfct_conndb_needs_ext(entries))
			break;
	}
	p.max_conns = max;
	entries = max + slack + (max / 8 + 1);
	assert_false(npfct_conndb_needs_ext(entries));
	assert_true(entries * 8 > 16384 * 7 - 16);
	ct = npfct_create(&p);
	assert_non_null(ct);
	for (i = 0; i < max; i++) {
		struct rte_mbuf *m = test_pkt_udp4("10.1.0.1",
		    (uint16_t)(1 + i), "10.2.0.1", 53);
		struct npfct_conn *con;
		struct npfct_pkt pkt;
		union npfct_addr ta;

		npfct_pkt_parse(&pkt, m);
		rte_pktmbuf_free(m);
		con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
		assert_non_null(con);
		if (i % 8 == 0 && nat_n < max / 8 + 1) {
			ta.v4 = inet_addr("203.0.113.9");
			assert_int_equal(npfct_conn_setnat(ct, &pkt, con, &nat,
			    NPFCT_NAT_OUT, &ta, htons((uint16_t)(1 + nat_n))),
			    0);
			nat_n++;
		}
		npfct_conn_release(con);
	}
	assert_int_equal(rte_hash_count(npfct_db_get(ct)->db_hash[NPFCT_AF4]),
	    max + nat_n);
	assert_int_equal(npfct_stats_get(ct, &st), 0);
	assert_int_equal(st.count[NPFCT_STAT_TABLE_FULL], 0);
	assert_int_equal(npfct_flush(ct), max);
	npfct_destroy(ct);
}

/*
 * Insert unless present under a race: two lcores establish the same new
 * flows at the same moment, trial after trial.  rte_hash adds replace the
 * value of a present key, so without the stripe lock both would "win"
 * some trials (one connection then unreachable): exactly one may.
 */
#define RACE_TRIALS	20000

static struct {
	struct npfct	*ct;
	uint32_t	arrive[RACE_TRIALS];
	uint8_t		won[2][RACE_TRIALS];
} race;

static void
race_run(unsigned int side)
{
	struct npfct_pkt pkt;
	unsigned int t;

	for (t = 0; t < RACE_TRIALS; t++) {
		struct rte_mbuf *m = test_pkt_udp4("10.3.0.1",
		    (uint16_t)(1 + t % 60000), t < 60000 ? "10.4.0.1" :
		    "10.4.0.2", 53);

		npfct_pkt_parse(&pkt, m);
		rte_pktmbuf_free(m);
		/* Both sides start trial t together. */
		__atomic_fetch_add(&race.arrive[t], 1, __ATOMIC_ACQ_REL);
		while (__atomic_load_n(&race.arrive[t], __ATOMIC_ACQUIRE) < 2)
			rte_pause();
		race.won[side][t] = npfct_conn_establish(race.ct, &pkt,
		    side == 0 ? NPFCT_DIR_OUT : NPFCT_DIR_IN, false) != NULL;
	}
}

static int
race_worker(void *arg)
{
	(void)arg;
	race_run(1);
	return 0;
}

static void
test_conndb_insert_race(void **state)
{
	unsigned int t, both = 0, none = 0, lcore;

	(void)state;
	memset(&race, 0, sizeof(race));
	race.ct = test_ct_create("race", 2 * RACE_TRIALS);
	assert_non_null(race.ct);
	lcore = rte_get_next_lcore(-1, 1, 0);
	assert_true(lcore < RTE_MAX_LCORE);
	assert_int_equal(rte_eal_remote_launch(race_worker, NULL, lcore), 0);
	race_run(0);
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	for (t = 0; t < RACE_TRIALS; t++) {
		both += race.won[0][t] && race.won[1][t];
		none += !race.won[0][t] && !race.won[1][t];
	}
	assert_int_equal(both, 0);
	assert_int_equal(none, 0);
	assert_int_equal(npfct_count(race.ct), RACE_TRIALS);
	assert_int_equal(rte_hash_count(npfct_db_get(race.ct)->db_hash[
	    NPFCT_AF4]), RACE_TRIALS);
	assert_int_equal(npfct_flush(race.ct), RACE_TRIALS);
	npfct_destroy(race.ct);
}

/*
 * The pool under concurrency: EAL lcores (own magazines, the depot) and
 * threads without an lcore id (the shared magazine pair) take and give
 * back objects at once, with tiny magazines so that chains move through
 * the depot all the time.  An object must never be handed out twice:
 * each taker stamps it with an atomic exchange that must find it free.
 */
#define CP_ITER		20000
#define CP_HOLD		6

static struct {
	struct npfct_connpool cp;
	uint32_t	twice;		/* objects found stamped */
	uint32_t	taken;
} cpc;

static void
cpc_run(uint32_t me)
{
	void *objs[CP_HOLD];
	unsigned int it, j;

	for (it = 0; it < CP_ITER; it++) {
		for (j = 0; j < CP_HOLD; j++) {
			objs[j] = npfct_connpool_get(&cpc.cp);
			if (objs[j] == NULL)
				continue;
			if (__atomic_exchange_n((uint32_t *)objs[j], me,
			    __ATOMIC_ACQ_REL) != 0)
				__atomic_fetch_add(&cpc.twice, 1,
				    __ATOMIC_RELAXED);
			__atomic_fetch_add(&cpc.taken, 1, __ATOMIC_RELAXED);
		}
		for (j = 0; j < CP_HOLD; j++) {
			if (objs[j] == NULL)
				continue;
			if (__atomic_exchange_n((uint32_t *)objs[j], 0,
			    __ATOMIC_ACQ_REL) != me)
				__atomic_fetch_add(&cpc.twice, 1,
				    __ATOMIC_RELAXED);
			npfct_connpool_put(&cpc.cp, objs[j]);
		}
	}
}

static int
cpc_lcore(void *arg)
{
	(void)arg;
	cpc_run(1 + rte_lcore_id());
	return 0;
}

static void *
cpc_thread(void *arg)
{
	cpc_run((uint32_t)(uintptr_t)arg);
	return NULL;
}

static void
test_connpool_concurrent(void **state)
{
	pthread_t th[2];
	unsigned int lcore, i;
	uint8_t *o;

	(void)state;
	memset(&cpc, 0, sizeof(cpc));
	assert_int_equal(npfct_connpool_init(&cpc.cp, "tpoolc", 128, 16, 2,
	    SOCKET_ID_ANY), 0);
	/* Free objects are zero where the stamp goes. */
	for (i = 0; i < cpc.cp.cp_n; i++) {
		o = npfct_connpool_get(&cpc.cp);
		assert_non_null(o);
		memset(o, 0, sizeof(uint32_t));
	}
	for (i = 0, o = cpc.cp.cp_base; i < cpc.cp.cp_n; i++, o += 128)
		npfct_connpool_put(&cpc.cp, o);
	RTE_LCORE_FOREACH_WORKER(lcore)
		assert_int_equal(rte_eal_remote_launch(cpc_lcore, NULL, lcore),
		    0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, cpc_thread,
		    (void *)(uintptr_t)(1000 + i)), 0);
	cpc_run(1 + rte_lcore_id());
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	rte_eal_mp_wait_lcore();
	assert_true(cpc.taken > CP_ITER);
	assert_int_equal(cpc.twice, 0);
	assert_int_equal(npfct_connpool_avail(&cpc.cp), cpc.cp.cp_n);
	npfct_connpool_fini(&cpc.cp);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_conndb_insert_unless_present),
		T(test_connpool_late_threads),
		T(test_conndb_slot_not_reused_before_free),
		T(test_conndb_new_lists),
		T(test_conndb_entries_per_connection),
		T(test_conndb_nat_inverse_collision),
		T(test_connpool),
		T(test_connpool_concurrent),
		T(test_conndb_fill_without_ext),
		T(test_conndb_insert_race),
	};

	return cmocka_run_group_tests_name("conndb", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
