/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct connection life-cycle: establish, lookup, inspect, release,
 * expire, pass and NAT association (NPF's npf_conn.c).
 *
 * Overview
 *
 *	Connection direction is identified by the direction of its first
 *	packet: the "forwards stream"; replies form the "backwards stream".
 *	Every connection has two keys and thus two table entries.  The keys
 *	come from the 5-tuple; the interface is matched outside the key
 *	(per-interface connections) and, with NAT, the backwards key holds
 *	the translated address and port.
 *
 * Life-cycle
 *
 *	npfct_conn_establish() builds both keys and inserts both entries, or
 *	neither, then hands the connection to the G/C through the lock-free
 *	new list.  It is inactive until the establishing thread's
 *	npfct_conn_release(), so setpass/setnat can finish first.  Lookups
 *	find only active, unexpired connections.  The G/C (gc.c) removes
 *	the entries of expired connections and destroys them after a grace
 *	period.
 *
 * Synchronisation
 *
 *	Lookups are lock-free; a connection found stays allocated until the
 *	reader's next quiescent state (QSBR), which replaces NPF's per-lookup
 *	reference count.  c_flags bits are set with atomic OR; activation is
 *	a release so that a reader who sees CONN_ACTIVE (acquire) sees what
 *	setpass and setnat wrote.  The activity time is written only when the
 *	coarse clock moved, so the hit path of a busy connection does not
 *	dirty its cache line on every packet.
 *
 *	c_lock serialises re-keying (setnat) against removal by the G/C and
 *	protects the TCP state.  The generic state is updated without it.
 *
 * Lock order
 *
 *	npfct_conn::c_lock ->
 *		npfct_db::db_ins_lock[]
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>

#include "npfct_impl.h"

/*
 * npfct_conn_alloc: take a connection from the family's pool.
 *
 * => Returns NULL if the pool is empty.
 */
struct npfct_conn *
npfct_conn_alloc(struct npfct *ct, unsigned int alen)
{
	const unsigned int af = npfct_af_index(alen);
	void *obj;

	if (unlikely(rte_mempool_get(ct->ct_pool[af], &obj) != 0))
		return NULL;
	/* Poisoned while in the pool (sanitizer builds). */
	NPFCT_UNPOISON(obj, npfct_conn_size(af));
	return obj;
}

/*
 * npfct_conn_destroy: release what the connection holds and free it.
 *
 * => G/C only, once no reader can see the connection (after a grace
 *    period, or if it was never visible).  Key slots are freed by the
 *    caller.
 */
void
npfct_conn_destroy(struct npfct *ct, struct npfct_conn *con)
{
	const unsigned int af = npfct_af_index(con->c_alen);

	if (con->c_nat != NULL && ct->ct_nat_release != NULL)
		ct->ct_nat_release(con->c_nat, ct->ct_release_arg);
	if (con->c_rproc != NULL && ct->ct_rproc_release != NULL)
		ct->ct_rproc_release(con->c_rproc, ct->ct_release_arg);
	npfct_state_destroy(&con->c_state);

	/* Poison first: once in the pool another lcore may take it. */
	NPFCT_POISON(con, npfct_conn_size(af));
	rte_mempool_put(ct->ct_pool[af], con);
	npfct_stat_inc(ct, NPFCT_STAT_CONN_DESTROY);
	npfct_live_add(ct, -1);
}

/*
 * npfct_conn_expired_p: criterion to check if the connection expired.
 */
bool
npfct_conn_expired_p(const struct npfct *ct, const struct npfct_conn *con,
		uint32_t now)
{
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);
	const uint32_t atime = __atomic_load_n(&con->c_atime,
	    __ATOMIC_RELAXED);

	if (unlikely(flags & CONN_EXPIRE))
		return true;
	return (int32_t)(now - atime) >
	    (int64_t)npfct_state_etime(ct, &con->c_state, con->c_proto);
}

/*
 * npfct_conn_state_tcp: TCP state inspection under the connection's lock.
 */
bool
npfct_conn_state_tcp(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_pkt *pkt, bool forw)
{
	bool ok;

	rte_spinlock_lock(&con->c_lock);
	ok = npfct_state_tcp_inspect(ct, pkt, &con->c_state, forw);
	rte_spinlock_unlock(&con->c_lock);
	return ok;
}

/*
 * npfct_conn_lookup_key: find the connection of a key and check it
 * (npfct_conn_check()); the activity time is not stamped.
 *
 * => pkt gives the interface of the packet.
 */
struct npfct_conn *
npfct_conn_lookup_key(struct npfct *ct, const uint32_t *key,
		const struct npfct_pkt *pkt, int di, bool *forw)
{
	struct npfct_db *db = npfct_db_get(ct);
	const unsigned int alen = npfct_connkey_alen(key);
	struct npfct_conn *con;

	con = npfct_conndb_lookup(db, key, alen,
	    npfct_conndb_hash(db, key, alen), forw);
	if (con == NULL)
		return NULL;
	return npfct_conn_check(con, *forw, pkt, di);
}

struct npfct_conn *
npfct_conn_lookup(struct npfct *ct, const struct npfct_pkt *pkt, int di,
		bool *forw)
{
	uint32_t key[NPFCT_KEY_MAXWORDS];
	struct npfct_conn *con;

	if (npfct_connkey_build(pkt, key, true) == 0)
		return NULL;
	con = npfct_conn_lookup_key(ct, key, pkt, di, forw);
	if (con != NULL) {
		RTE_ASSERT(con->c_proto == pkt->proto);
		/* Update the last activity time. */
		npfct_conn_touch(con, npfct_clock_sec(ct));
	}
	return con;
}

struct npfct_conn *
npfct_conn_inspect(struct npfct *ct, const struct npfct_pkt *pkt, int di,
		uint8_t *verdict)
{
	uint32_t key[NPFCT_KEY_MAXWORDS];
	struct npfct_conn *con;
	uint8_t v;
	bool forw;

	if (unlikely(!npfct_tracking_on(ct))) {
		npfct_stat_inc(ct, NPFCT_STAT_TRACKING_OFF);
		v = NPFCT_V_NOT_TRACKABLE;
		goto out;
	}
	if (unlikely(pkt->status != NPFCT_PARSE_OK)) {
		npfct_stat_inc(ct, npfct_stat_parse(pkt->status));
		v = pkt->status == NPFCT_PARSE_NOT_IP ?
		    NPFCT_V_NOT_TRACKABLE : NPFCT_V_PARSE_ERROR;
		goto out;
	}
	/* Query ALG which may lookup connection for us. */
	if (npfct_alg_wanted_p(ct, pkt) &&
	    (con = npfct_alg_conn(ct, pkt, di)) != NULL) {
		npfct_stat_inc(ct, NPFCT_STAT_ALG_HIT);
		if (verdict != NULL)
			*verdict = NPFCT_V_RELATED;
		return con;
	}
	if (unlikely(!npfct_pkt_trackable_p(pkt))) {
		npfct_stat_inc(ct, NPFCT_STAT_NOT_TRACKABLE);
		v = NPFCT_V_NOT_TRACKABLE;
		goto out;
	}
	/* Main lookup of the connection. */
	con = NULL;
	if (npfct_connkey_build(pkt, key, true) != 0)
		con = npfct_conn_lookup_key(ct, key, pkt, di, &forw);
	if (con == NULL) {
		npfct_stat_inc(ct, NPFCT_STAT_LOOKUP_MISS);
		v = NPFCT_V_MISS;
		goto out;
	}
	npfct_stat_inc(ct, NPFCT_STAT_LOOKUP_HIT);
	/* Inspect the protocol data and handle state changes. */
	if (unlikely(!npfct_conn_state_inspect(ct, con, pkt, forw))) {
		/* Invalid: let the rules deal with it. */
		npfct_stat_inc(ct, NPFCT_STAT_INVALID_STATE);
		v = NPFCT_V_INVALID;
		goto out;
	}
	npfct_conn_touch(con, npfct_clock_sec(ct));
	if (verdict != NULL)
		*verdict = NPFCT_V_MATCH;
	return con;
out:
	if (verdict != NULL)
		*verdict = v;
	return NULL;
}

static bool
keys_equal(const uint32_t *a, const uint32_t *b, unsigned int words)
{
	return memcmp(a, b, words * sizeof(uint32_t)) == 0;
}

struct npfct_conn *
npfct_conn_establish(struct npfct *ct, const struct npfct_pkt *pkt, int di,
		bool per_if)
{
	struct npfct_db *db;
	struct npfct_conn *con;
	uint32_t *fw, *bk;
	hash_sig_t fsig, bsig;
	int ret;

	if (unlikely(!npfct_tracking_on(ct))) {
		npfct_stat_inc(ct, NPFCT_STAT_TRACKING_OFF);
		rte_errno = ENOENT;
		return NULL;
	}
	if (unlikely(!npfct_pkt_trackable_p(pkt) ||
	    (di != NPFCT_DIR_IN && di != NPFCT_DIR_OUT))) {
		npfct_stat_inc(ct, NPFCT_STAT_NOT_TRACKABLE);
		rte_errno = EINVAL;
		return NULL;
	}

	/* Allocate and initialise the new connection. */
	con = npfct_conn_alloc(ct, pkt->alen);
	if (unlikely(con == NULL)) {
		npfct_stat_inc(ct, NPFCT_STAT_TABLE_FULL);
		npfct_gc_pressure(ct);
		rte_errno = ENOSPC;
		return NULL;
	}
	con->c_flags = (uint32_t)di | (per_if ? CONN_IFBOUND : 0);
	con->c_ifid = pkt->ifid;
	con->c_proto = pkt->proto;
	con->c_alen = pkt->alen;
	con->c_atime = npfct_clock_sec(ct);
	rte_spinlock_init(&con->c_lock);
	con->c_nat = NULL;
	con->c_rproc = NULL;
	con->c_next = NULL;
	con->c_oldpos = con->c_fpos = con->c_bpos = -1;
	npfct_stat_inc(ct, NPFCT_STAT_CONN_CREATE);
	npfct_live_add(ct, 1);

	/* Initialize protocol state. */
	if (unlikely(!npfct_state_init(ct, pkt, &con->c_state))) {
		npfct_stat_inc(ct, NPFCT_STAT_STATE_REFUSED);
		rte_errno = EPROTO;
		goto destroy;
	}

	/* Construct "forwards" and "backwards" keys. */
	fw = npfct_conn_fkey(con);
	bk = npfct_conn_bkey(con);
	npfct_connkey_build(pkt, fw, true);
	npfct_connkey_build(pkt, bk, false);
	if (unlikely(keys_equal(fw, bk, npfct_key_words(pkt->alen)))) {
		/* Same source and destination: the streams are one. */
		npfct_stat_inc(ct, NPFCT_STAT_NOT_TRACKABLE);
		rte_errno = EINVAL;
		goto destroy;
	}

	/*
	 * Insert both keys (entries representing directions) of the
	 * connection.  At this point, it becomes visible (inactive).
	 */
	db = npfct_db_get(ct);
	con->c_db = db;
	fsig = npfct_conndb_hash(db, fw, pkt->alen);
	bsig = npfct_conndb_hash(db, bk, pkt->alen);
	ret = npfct_conndb_insert(db, fw, pkt->alen, fsig, con, true);
	if (unlikely(ret != 0))
		goto fail_insert;
	ret = npfct_conndb_insert(db, bk, pkt->alen, bsig, con, false);
	if (unlikely(ret != 0)) {
		/*
		 * We have hit the duplicate: remove the forwards entry.  A
		 * reader may have seen it, so the connection goes to the
		 * G/C, already removed, and is destroyed after a grace
		 * period.
		 */
		con->c_fpos = npfct_conndb_remove(db, fw, pkt->alen, fsig);
		RTE_ASSERT(con->c_fpos >= 0);
		__atomic_fetch_or(&con->c_flags, CONN_REMOVED | CONN_EXPIRE,
		    __ATOMIC_RELAXED);
		npfct_conndb_enqueue(db, con);
		goto fail_stat;
	}

	/* Finally, insert into the connection list. */
	npfct_conndb_enqueue(db, con);
	return con;

fail_insert:
	/* Nothing was inserted: nobody saw the connection. */
	npfct_conn_destroy(ct, con);
fail_stat:
	if (ret == -EEXIST) {
		npfct_stat_inc(ct, NPFCT_STAT_RACE_CONN);
		rte_errno = EEXIST;
	} else {
		npfct_stat_inc(ct, NPFCT_STAT_TABLE_FULL);
		npfct_gc_pressure(ct);
		rte_errno = ENOSPC;
	}
	return NULL;
destroy:
	npfct_conn_destroy(ct, con);
	return NULL;
}

void
npfct_conn_release(struct npfct_conn *con)
{
	uint32_t flags = __atomic_load_n(&con->c_flags, __ATOMIC_RELAXED);

	if ((flags & (CONN_ACTIVE | CONN_EXPIRE)) == 0) {
		/*
		 * Activate: after this, the connection is globally visible.
		 * Release: a reader that sees CONN_ACTIVE (acquire) sees the
		 * rule procedure and NAT entry set before.
		 */
		__atomic_fetch_or(&con->c_flags, CONN_ACTIVE,
		    __ATOMIC_RELEASE);
	}
}

void
npfct_conn_expire(struct npfct_conn *con)
{
	__atomic_fetch_or(&con->c_flags, CONN_EXPIRE, __ATOMIC_RELAXED);
}

bool
npfct_conn_pass(const struct npfct_conn *con, void **rproc)
{
	if (likely(__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) &
	    CONN_PASS)) {
		if (rproc != NULL)
			*rproc = con->c_rproc;
		return true;
	}
	return false;
}

int
npfct_conn_setpass(struct npfct_conn *con, void *rproc)
{
	uint32_t flags = __atomic_load_n(&con->c_flags, __ATOMIC_RELAXED);

	if ((flags & CONN_ACTIVE) != 0 || con->c_rproc != NULL)
		return -EBUSY;
	/*
	 * No need for a barrier: the connection is not yet active; the
	 * activation publishes this.  The caller's reference to rproc
	 * moves to the connection.
	 */
	con->c_rproc = rproc;
	__atomic_fetch_or(&con->c_flags, CONN_PASS, __ATOMIC_RELAXED);
	return 0;
}

int
npfct_conn_setnat(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, void *nat, enum npfct_nat_type ntype,
		const union npfct_addr *taddr, rte_be16_t tport)
{
	struct npfct_db *db = con->c_db;
	const unsigned int alen = con->c_alen;
	uint32_t *bk = npfct_conn_bkey(con);
	uint32_t *fw = npfct_conn_fkey(con);
	hash_sig_t sig;
	int tidx, ret;
	int32_t pos;

	if (nat == NULL || taddr == NULL || pkt == NULL ||
	    pkt->alen != alen ||
	    (ntype != NPFCT_NAT_OUT && ntype != NPFCT_NAT_IN))
		return -EINVAL;
	/* Outbound NAT: replies go to the translated source. */
	tidx = ntype == NPFCT_NAT_OUT ? NPFCT_DST : NPFCT_SRC;

	/* Acquire the lock and check for the races. */
	rte_spinlock_lock(&con->c_lock);
	if (unlikely(__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) &
	    CONN_EXPIRE)) {
		/* The connection got expired. */
		rte_spinlock_unlock(&con->c_lock);
		return -EINVAL;
	}
	if (unlikely(con->c_nat != NULL)) {
		/* Race with a duplicate packet. */
		rte_spinlock_unlock(&con->c_lock);
		npfct_stat_inc(ct, NPFCT_STAT_RACE_NAT);
		return -EISCONN;
	}

	/*
	 * Remove the "backwards" entry.  Its slot may still be read by a
	 * lookup: it is kept in c_oldpos and freed by the G/C after a
	 * grace period.
	 */
	pos = npfct_conndb_remove(db, bk, alen,
	    npfct_conndb_hash(db, bk, alen));
	RTE_VERIFY(pos >= 0 && con->c_oldpos < 0);
	con->c_oldpos = pos;

	/* Set the source/destination ids to the translation values. */
	npfct_connkey_setaddr(bk, taddr, tidx);
	if (tport != 0)
		npfct_connkey_setid(bk, tport, tidx);

	/* Finally, re-insert the "backwards" entry. */
	sig = npfct_conndb_hash(db, bk, alen);
	ret = npfct_conndb_insert(db, bk, alen, sig, con, false);
	if (unlikely(ret != 0)) {
		/*
		 * Race: we have hit the duplicate (or the table is full);
		 * remove the "forwards" entry and expire our connection; it
		 * is no longer valid.
		 */
		con->c_fpos = npfct_conndb_remove(db, fw, alen,
		    npfct_conndb_hash(db, fw, alen));
		__atomic_fetch_or(&con->c_flags, CONN_REMOVED | CONN_EXPIRE,
		    __ATOMIC_RELAXED);
		rte_spinlock_unlock(&con->c_lock);
		if (ret == -EEXIST) {
			npfct_stat_inc(ct, NPFCT_STAT_RACE_NAT);
			return -EISCONN;
		}
		npfct_stat_inc(ct, NPFCT_STAT_TABLE_FULL);
		return -ENOSPC;
	}

	/* Associate the NAT entry and release the lock. */
	con->c_nat = nat;
	rte_spinlock_unlock(&con->c_lock);
	return 0;
}

void *
npfct_conn_retnat(const struct npfct_conn *con, int di, bool *forw)
{
	*forw = (int)(__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) &
	    NPFCT_DIR_MASK) == di;
	return con->c_nat;
}

uint8_t
npfct_conn_proto(const struct npfct_conn *con)
{
	return con->c_proto;
}

const char *
npfct_conn_state_name(const struct npfct_conn *con)
{
	return npfct_state_name(&con->c_state, con->c_proto);
}

uint32_t
npfct_conn_etime(const struct npfct *ct, const struct npfct_conn *con)
{
	return npfct_state_etime(ct, &con->c_state, con->c_proto);
}

void
npfct_conn_print(const struct npfct *ct, const struct npfct_conn *con,
		FILE *f)
{
	struct npfct_conn *c = (struct npfct_conn *)(uintptr_t)con;
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);
	const uint32_t now = npfct_clock_sec(ct);
	char fk[128], bk[128];

	/* The keys change only under c_lock (setnat). */
	rte_spinlock_lock(&c->c_lock);
	npfct_connkey_format(npfct_conn_fkey(c), fk, sizeof(fk));
	npfct_connkey_format(npfct_conn_bkey(c), bk, sizeof(bk));
	rte_spinlock_unlock(&c->c_lock);

	fprintf(f, "%p:\n\tproto %u flags 0x%x tsdiff %d etime %u state %s",
	    (const void *)con, con->c_proto, flags,
	    (int)(now - __atomic_load_n(&con->c_atime, __ATOMIC_RELAXED)),
	    npfct_conn_etime(ct, con), npfct_conn_state_name(con));
	if (flags & CONN_IFBOUND)
		fprintf(f, " if %u", con->c_ifid);
	fprintf(f, "\n\tforw %s\n\tback %s\n", fk, bk);
	if (con->c_nat != NULL)
		fprintf(f, "\tnat %p\n", con->c_nat);
}

/* Split a key into addresses and ids. */
static void
key_split(const uint32_t *key, union npfct_addr *src, union npfct_addr *dst,
		rte_be16_t *sid, rte_be16_t *did)
{
	const unsigned int alen = npfct_connkey_alen(key);

	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	memcpy(src, &key[2], alen);
	memcpy(dst, &key[2 + alen / 4], alen);
	*sid = (rte_be16_t)(key[1] >> 16);
	*did = (rte_be16_t)(key[1] & 0xffff);
}

/*
 * npfct_conn_info_locked: describe a connection.
 *
 * => Caller holds c_lock (the keys change only under it).
 */
void
npfct_conn_info_locked(const struct npfct *ct, struct npfct_conn *con,
		struct npfct_conn_info *info)
{
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);

	memset(info, 0, sizeof(*info));
	info->proto = con->c_proto;
	info->alen = con->c_alen;
	info->dir = (uint8_t)(flags & NPFCT_DIR_MASK);
	info->per_if = (flags & CONN_IFBOUND) != 0;
	info->ifid = con->c_ifid;
	info->pass = (flags & CONN_PASS) != 0;

	key_split(npfct_conn_fkey(con), &info->src, &info->dst, &info->sport,
	    &info->dport);
	key_split(npfct_conn_bkey(con), &info->bsrc, &info->bdst,
	    &info->bsport, &info->bdport);

	/* The backwards key is the inverted forwards key, but for NAT. */
	if (memcmp(&info->bdst, &info->src, sizeof(info->src)) != 0 ||
	    info->bdport != info->sport) {
		info->nat = true;
		info->nat_type = NPFCT_NAT_OUT;
	} else if (memcmp(&info->bsrc, &info->dst, sizeof(info->dst)) != 0 ||
	    info->bsport != info->dport) {
		info->nat = true;
		info->nat_type = NPFCT_NAT_IN;
	}
	info->state = npfct_conn_state_name(con);
	info->idle = npfct_clock_sec(ct) - __atomic_load_n(&con->c_atime,
	    __ATOMIC_RELAXED);
	info->etime = npfct_conn_etime(ct, con);
}

void
npfct_conn_info_get(const struct npfct *ct, const struct npfct_conn *con,
		struct npfct_conn_info *info)
{
	struct npfct_conn *c = (struct npfct_conn *)(uintptr_t)con;

	rte_spinlock_lock(&c->c_lock);
	npfct_conn_info_locked(ct, c, info);
	rte_spinlock_unlock(&c->c_lock);
}
