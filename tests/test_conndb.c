/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the connection database (src/conndb.c): insert unless
 * present, the forwards bit in the value, removal returning the slot,
 * slot reuse only after it is freed, and the lock-free new lists filled
 * from several lcores.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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
	rte_mempool_put(rte_mempool_from_obj(a), a);
	rte_mempool_put(rte_mempool_from_obj(b), b);
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
		pos2 = rte_hash_lookup(db->db_hash[NPFCT_AF4], key);
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
	rte_mempool_put(rte_mempool_from_obj(c), c);
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
		rte_mempool_put(rte_mempool_from_obj(con), con);
	}
	npfct_db_destroy(test_ct, db);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_conndb_insert_unless_present),
		T(test_conndb_slot_not_reused_before_free),
		T(test_conndb_new_lists),
	};

	return cmocka_run_group_tests_name("conndb", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
