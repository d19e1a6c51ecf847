/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct connection database: lock-free rte_hash tables and the lists.
 *
 * Overview
 *
 *	A database has two rte_hash tables, one for IPv4 keys (16 bytes)
 *	and one for IPv6 keys (48 bytes).  NPF keeps two entries per
 *	connection, the forwards and the backwards key; here a connection
 *	has one entry under the canonical form of its keys (npfct_impl.h),
 *	which both streams share, and a second entry only when NAT makes
 *	the backwards key something other than the inverted forwards key
 *	(docs/design.md, "One entry per connection").  An entry's value is
 *	the connection pointer with bit 0 set for the second entry.  The
 *	tables are created with
 *	RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF (lock-free readers; implies
 *	NO_FREE_ON_DEL) and MULTI_WRITER_ADD (inserts from any lcore).  A
 *	table has rte_align32pow2(entries) bucket slots (8 per bucket, two
 *	candidate buckets per key); filled to at most 7/8 of them, cuckoo
 *	displacement always finds room in practice (tests/test_conndb.c
 *	fills one to that load), so EXT_TABLE - extendable buckets as many
 *	as the main ones and their bookkeeping, about 17 bytes per
 *	connection at 10M - is added only
 *	for a table whose entries would load it more.  The signatures come
 *	from a keyed hash with a secret per database (npfct_hash.h,
 *	hash.c): the library passes them to every rte_hash call
 *	(*_with_hash), so the table's own hash function is never called.
 *
 *	The database also keeps the connection lists (NPF's conndb lists):
 *	establish pushes a new connection onto its lcore's lock-free stack;
 *	the G/C takes whole stacks with an atomic exchange and appends them
 *	to db_list, which only the G/C walks.
 *
 * Synchronisation
 *
 *	Lookups are lock-free from any thread (rte_hash LF).  rte_hash adds
 *	replace the value of an existing key, so "insert unless present" is
 *	made atomic with a striped spinlock chosen by the key's hash: every
 *	inserter of a given key takes the same stripe, looks the key up and
 *	adds it only if absent.  Removal needs no stripe: only the owner of
 *	an entry removes it (under the connection's c_lock), and while the
 *	entry is present no other inserter can add that key.
 *
 * Reclamation
 *
 *	With the LF flag, rte_hash_del_key_with_hash() unlinks a key but
 *	keeps its slot: a reader may still compare the key in it.  The
 *	position it returns is handed back with npfct_conndb_free_pos() by
 *	the G/C only, after a QSBR grace period, never earlier.  That
 *	function is called by one thread at a time (the G/C holds
 *	ct_gc_lock), which rte_hash_free_key_with_position() requires for
 *	its extendable-bucket recycling, and from a thread with an lcore id,
 *	which its per-lcore slot cache requires.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "npfct_impl.h"

/* rte_hash takes no fewer entries than a bucket holds (8). */
#define TABLE_MIN_ENTRIES	8

/*
 * npfct_conndb_entries: the size of a family's table: one entry per
 * connection the pool holds (live or waiting for its grace period), one
 * more per NAT connection.
 */
uint32_t
npfct_conndb_entries(const struct npfct *ct, unsigned int af)
{
	return RTE_MAX(ct->ct_pool[af].cp_n + ct->ct_max_nat[af],
	    (uint32_t)TABLE_MIN_ENTRIES);
}

/*
 * conndb_hash_unused: the tables' hash_func.  Never called: every call
 * passes the keyed signature (npfct_conndb_hash()).
 */
static uint32_t
conndb_hash_unused(const void *key, uint32_t len, uint32_t init)
{
	RTE_SET_USED(key);
	RTE_SET_USED(len);
	RTE_SET_USED(init);
	RTE_ASSERT(0);
	return 0;
}

/* Whether a table of this many entries needs extendable buckets. */
bool
npfct_conndb_needs_ext(uint32_t entries)
{
	return (uint64_t)entries * 8 > (uint64_t)rte_align32pow2(entries) * 7;
}

static struct rte_hash *
conndb_table_create(struct npfct *ct, struct npfct_db *db, unsigned int af,
		uint32_t gen)
{
	char name[RTE_HASH_NAMESIZE];
	const uint32_t entries = npfct_conndb_entries(ct, af);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = (af == NPFCT_AF4 ? NPFCT_KEY4_WORDS :
		    NPFCT_KEY6_WORDS) * sizeof(uint32_t),
		.hash_func = conndb_hash_unused,
		.socket_id = ct->ct_socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
		    RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
		    (npfct_conndb_needs_ext(entries) ?
		    RTE_HASH_EXTRA_FLAGS_EXT_TABLE : 0),
	};

	snprintf(name, sizeof(name), "npfct%u_%u_%c", ct->ct_id, gen,
	    af == NPFCT_AF4 ? '4' : '6');
	return rte_hash_create(&hp);
}

/*
 * npfct_conndb_create: create an empty database for the instance.
 *
 * => Control thread; returns NULL with rte_errno set on failure.
 */
struct npfct_db *
npfct_conndb_create(struct npfct *ct)
{
	struct npfct_db *db;
	unsigned int af, i;
	uint32_t gen;
	int ret;

	db = rte_zmalloc_socket("npfct_db", sizeof(*db), RTE_CACHE_LINE_SIZE,
	    ct->ct_socket);
	if (db == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	db->db_ct = ct;
	ret = npfct_hash_init(&db->db_hkey, ct->ct_hash_func,
	    (ct->ct_flags & NPFCT_F_FIXED_HASH_SEED) != 0);
	if (ret != 0) {
		NPFCT_LOG(ERR, "%s: cannot key the hash function: %s",
		    ct->ct_name, rte_strerror(-ret));
		rte_free(db);
		rte_errno = -ret;
		return NULL;
	}
	TAILQ_INIT(&db->db_list);
	for (i = 0; i < NPFCT_INS_LOCKS; i++)
		rte_spinlock_init(&db->db_ins_lock[i].il_lock);

	gen = __atomic_fetch_add(&ct->ct_dbgen, 1, __ATOMIC_RELAXED);
	for (af = 0; af < NPFCT_NAF; af++) {
		db->db_hash[af] = conndb_table_create(ct, db, af, gen);
		if (db->db_hash[af] == NULL) {
			NPFCT_LOG(ERR, "%s: cannot create hash table: %s",
			    ct->ct_name, rte_strerror(rte_errno));
			goto fail;
		}
	}
	return db;
fail:
	for (af = 0; af < NPFCT_NAF; af++)
		rte_hash_free(db->db_hash[af]);
	rte_free(db);
	rte_errno = ENOMEM;
	return NULL;
}

/*
 * npfct_conndb_destroy: free the tables and the database.
 *
 * => The lists must be empty and no thread may use the database.
 */
void
npfct_conndb_destroy(struct npfct_db *db)
{
	unsigned int af, i;

	RTE_VERIFY(TAILQ_EMPTY(&db->db_list));
	for (i = 0; i <= RTE_MAX_LCORE; i++)
		RTE_VERIFY(db->db_new[i].nl_head == NULL);
	for (af = 0; af < NPFCT_NAF; af++)
		rte_hash_free(db->db_hash[af]);
	rte_free(db);
}

/*
 * npfct_conndb_lookup: find the connection of a canonical key.
 *
 * => Lock-free.  The connection may be inactive, expired or removed: the
 *    caller checks its flags (as NPF's npf_conn_lookup() does).
 */
struct npfct_conn *
npfct_conndb_lookup(struct npfct_db *db, const uint32_t *key,
		unsigned int alen, hash_sig_t sig, bool *second)
{
	void *val;

	if (rte_hash_lookup_with_hash_data(db->db_hash[npfct_af_index(alen)],
	    key, sig, &val) < 0)
		return NULL;
	return npfct_conndb_value_conn(val, second);
}

/*
 * npfct_conndb_insert: insert a key unless it is present.
 *
 * => Returns 0, -EEXIST if the key is present, -ENOSPC if the table is
 *    full.
 */
int
npfct_conndb_insert(struct npfct_db *db, const uint32_t *key,
		unsigned int alen, hash_sig_t sig, struct npfct_conn *con,
		bool second)
{
	struct rte_hash *h = db->db_hash[npfct_af_index(alen)];
	rte_spinlock_t *lock = &db->db_ins_lock[sig % NPFCT_INS_LOCKS].il_lock;
	int ret;

	rte_spinlock_lock(lock);
	if (rte_hash_lookup_with_hash(h, key, sig) >= 0) {
		rte_spinlock_unlock(lock);
		return -EEXIST;
	}
	/*
	 * rte_hash publishes the key and value with release stores: a
	 * reader that finds the entry sees the connection initialised.
	 */
	ret = rte_hash_add_key_with_hash_data(h, key, sig,
	    npfct_conndb_value(con, second));
	rte_spinlock_unlock(lock);
	return ret < 0 ? -ENOSPC : 0;
}

/*
 * npfct_conndb_remove: unlink a key.
 *
 * => The caller owns the entry (see Synchronisation).
 * => Returns the key slot to free after a grace period, or a negative
 *    errno if the key is not present.
 */
int32_t
npfct_conndb_remove(struct npfct_db *db, const uint32_t *key,
		unsigned int alen, hash_sig_t sig)
{
	return rte_hash_del_key_with_hash(db->db_hash[npfct_af_index(alen)],
	    key, sig);
}

/*
 * npfct_conndb_free_pos: give a removed key slot back to the table.
 *
 * => G/C only, after a grace period (see Reclamation).
 */
void
npfct_conndb_free_pos(struct npfct_db *db, unsigned int alen, int32_t pos)
{
	int ret;

	if (pos < 0)
		return;
	ret = rte_hash_free_key_with_position(
	    db->db_hash[npfct_af_index(alen)], pos);
	RTE_VERIFY(ret == 0);
}

/*
 * npfct_conndb_enqueue: hand a new connection to the G/C.
 *
 * => Lock-free push onto the caller's lcore stack.  The only other party
 *    is the G/C's exchange of the whole stack, so there is no ABA.
 */
void
npfct_conndb_enqueue(struct npfct_db *db, struct npfct_conn *con)
{
	unsigned int id = rte_lcore_id();
	struct npfct_newlist *nl =
	    &db->db_new[id < RTE_MAX_LCORE ? id : RTE_MAX_LCORE];
	struct npfct_conn *head = __atomic_load_n(&nl->nl_head,
	    __ATOMIC_RELAXED);

	do {
		con->c_next = head;
		/*
		 * Release: the G/C that takes the stack sees the connection
		 * (keys, flags, positions) as written before the push.
		 */
	} while (!__atomic_compare_exchange_n(&nl->nl_head, &head, con, true,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/*
 * npfct_conndb_drain_new: move every new connection to db_list.
 *
 * => G/C only.  Returns the number moved.
 */
unsigned int
npfct_conndb_drain_new(struct npfct_db *db)
{
	struct npfct_conn *con, *next, *rev;
	unsigned int i, n = 0;

	for (i = 0; i <= RTE_MAX_LCORE; i++) {
		if (__atomic_load_n(&db->db_new[i].nl_head,
		    __ATOMIC_RELAXED) == NULL)
			continue;
		/* Acquire: pairs with the release in npfct_conndb_enqueue(). */
		con = __atomic_exchange_n(&db->db_new[i].nl_head, NULL,
		    __ATOMIC_ACQUIRE);
		/* The stack is newest first: reverse it into creation order. */
		for (rev = NULL; con != NULL; con = next) {
			next = con->c_next;
			con->c_next = rev;
			rev = con;
		}
		for (con = rev; con != NULL; con = next) {
			next = con->c_next;
			TAILQ_INSERT_TAIL(&db->db_list, con, c_entry);
			n++;
		}
	}
	db->db_nlist += n;
	return n;
}
