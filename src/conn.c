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
 *	Every connection has two keys, as in NPF.  The keys come from the
 *	zone (zone.c) and the 5-tuple; the interface is matched outside the
 *	key (per-interface connections) and, with NAT, the backwards key
 *	holds the translated address and port.
 *
 *	Unlike NPF, a connection has one table entry, under the canonical
 *	form of its forwards key (npfct_impl.h), which is also the canonical
 *	form of the backwards key unless NAT changed it; only then does
 *	setnat add a second entry, under the canonical backwards key.  A
 *	packet is looked up by its canonical key; whether it travelled
 *	against the canonical order ("swapped"), compared with the
 *	connection's CONN_FSWAP/CONN_BSWAP bits, says which key it matches,
 *	if any (npfct_conn_check()).  The keys a lookup matches are exactly
 *	NPF's: the forwards key and the backwards key, not the inversion of
 *	a NAT backwards key nor the inverted forwards key of a NAT
 *	connection.  docs/design.md has the argument and the one case where
 *	the canonical table refuses what NPF would take: a setnat whose new
 *	backwards key, inverted, is a key of another NAT connection.
 *
 * Life-cycle
 *
 *	npfct_conn_establish() builds both keys and inserts the entry, then
 *	hands the connection to the G/C through the lock-free
 *	new list.  It is inactive until the establishing thread's
 *	npfct_conn_release(), so setpass/setnat can finish first; the
 *	release activates and announces it (NEW, event.c).  Lookups
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

#include "npfct_event_impl.h"
#include "npfct_ext.h"
#include "npfct_impl.h"
#include "npfct_nat_impl.h"

/*
 * npfct_conn_alloc: take a connection from the family's pool.
 *
 * => Returns NULL if the pool is empty.
 */
struct npfct_conn *
npfct_conn_alloc(struct npfct *ct, unsigned int alen)
{
	return npfct_connpool_get(&ct->ct_pool[npfct_af_index(alen)]);
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

	/* The engine's entry is its policy, which the instance keeps. */
	if (con->c_nat != NULL && ct->ct_nat_release != NULL &&
	    (__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) &
	    CONN_NATENG) == 0)
		ct->ct_nat_release(con->c_nat, ct->ct_release_arg);
	/* A binding (EIM, port block): one connection fewer. */
	if (con->c_nat != NULL && (__atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED) & CONN_NATENG)) {
		const struct npfct_nat_policy *np = con->c_nat;

		if (np->np_flags & NPFCT_NATF_EIM)
			npfct_nat_eim_release(ct, con);
		else if (np->np_flags & NPFCT_NATF_PORT_BLOCK)
			npfct_nat_block_release(ct, con);
	}
	if (*npfct_conn_rproc(con) != NULL && ct->ct_rproc_release != NULL)
		ct->ct_rproc_release(*npfct_conn_rproc(con),
		    ct->ct_release_arg);
	npfct_state_destroy(&con->c_state);
	if (__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) & CONN_NATSLOT)
		npfct_live_nat_release(ct, af);
	npfct_zone_release(ct, npfct_connkey_zone(npfct_conn_fkey(con)), 1);

	/* Poisoned in the pool (sanitizer builds). */
	npfct_connpool_put(&ct->ct_pool[af], con);
	npfct_stat_inc(ct, NPFCT_STAT_CONN_DESTROY);
	npfct_live_release(ct, af, 1);
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
 * conn_lookup_canon: find the connection of a canonical key and check it
 * (npfct_conn_check()); swapped: the key looked for is its inversion.
 */
static struct npfct_conn *
conn_lookup_canon(struct npfct *ct, const uint32_t *canon, unsigned int alen,
		bool swapped, const struct npfct_pkt *pkt, int di, bool *forw)
{
	struct npfct_db *db = npfct_db_get(ct);
	struct npfct_conn *con;
	bool second;

	con = npfct_conndb_lookup(db, canon, alen,
	    npfct_conndb_hash(db, canon, alen), &second);
	if (con == NULL)
		return NULL;
	return npfct_conn_check(con, second, swapped, pkt, di, forw);
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
	uint32_t canon[NPFCT_KEY_MAXWORDS];
	const bool swapped = npfct_connkey_canon(key, canon);

	return conn_lookup_canon(ct, canon, npfct_connkey_alen(key), swapped,
	    pkt, di, forw);
}

/* npfct_conn_lookup_key() for a packet, keyed here. */
static struct npfct_conn *
conn_lookup_pkt(struct npfct *ct, const struct npfct_pkt *pkt, int di,
		bool *forw)
{
	uint32_t canon[NPFCT_KEY_MAXWORDS];
	bool swapped;

	if (npfct_connkey_build_canon(pkt, canon, &swapped) == 0)
		return NULL;
	return conn_lookup_canon(ct, canon, pkt->alen, swapped, pkt, di, forw);
}

/* The canonical form of one of a connection's keys. */
static bool
conn_canon_key(struct npfct_conn *con, bool back, uint32_t *canon)
{
	return npfct_connkey_canon(back ? npfct_conn_bkey(con) :
	    npfct_conn_fkey(con), canon);
}

/*
 * npfct_conn_entries_insert: insert the entries of a connection whose
 * keys are set (import): the first, and the second if the backwards key
 * is not the inverted forwards key.  Sets the CONN_*SWAP and
 * CONN_NATKEY bits, and c_fpos/c_bpos to NPFCT_POS_INSERTED for each
 * entry inserted.
 *
 * => The connection is not active.  Returns 0, -EEXIST, -ENOSPC, or
 *    -EINVAL if the keys are equal.
 */
int
npfct_conn_entries_insert(struct npfct_db *db, struct npfct_conn *con)
{
	const unsigned int alen = con->c_alen;
	uint32_t cf[NPFCT_KEY_MAXWORDS], cb[NPFCT_KEY_MAXWORDS];
	const bool fs = conn_canon_key(con, false, cf);
	const bool bs = conn_canon_key(con, true, cb);
	const bool nat = memcmp(cf, cb, npfct_key_words(alen) * 4) != 0;
	int ret;

	if (!nat && fs == bs)
		return -EINVAL;
	/* Not yet visible: the inserts publish the bits. */
	con->c_flags |= (fs ? CONN_FSWAP : 0) |
	    (nat ? CONN_NATKEY | (bs ? CONN_BSWAP : 0) : 0);
	ret = npfct_conndb_insert(db, cf, alen, npfct_conndb_hash(db, cf,
	    alen), con, false);
	if (ret != 0)
		return ret;
	*npfct_conn_fpos(con) = NPFCT_POS_INSERTED;
	if (!nat)
		return 0;
	if (!npfct_live_nat_reserve(db->db_ct, npfct_af_index(alen)))
		return -ENOSPC;
	ret = npfct_conndb_insert(db, cb, alen, npfct_conndb_hash(db, cb,
	    alen), con, true);
	if (ret != 0) {
		npfct_live_nat_release(db->db_ct, npfct_af_index(alen));
		return ret;
	}
	/* Atomic: the first entry is in the table, readers load the flags. */
	__atomic_fetch_or(&con->c_flags, CONN_NATSLOT, __ATOMIC_RELAXED);
	con->c_bpos = NPFCT_POS_INSERTED;
	return 0;
}

/*
 * npfct_conn_entry_remove: unlink the first (second: false) or second
 * entry of a connection.
 *
 * => The caller owns the entry (G/C under c_lock, or the inserter of a
 *    connection never activated).  Returns the slot to free after a
 *    grace period.
 */
int32_t
npfct_conn_entry_remove(struct npfct_db *db, struct npfct_conn *con,
		bool second)
{
	const unsigned int alen = con->c_alen;
	uint32_t canon[NPFCT_KEY_MAXWORDS];
	int32_t pos;

	conn_canon_key(con, second, canon);
	pos = npfct_conndb_remove(db, canon, alen,
	    npfct_conndb_hash(db, canon, alen));
	RTE_VERIFY(pos >= 0);
	return pos;
}

struct npfct_conn *
npfct_conn_lookup(struct npfct *ct, const struct npfct_pkt *pkt, int di,
		bool *forw)
{
	struct npfct_conn *con;

	con = conn_lookup_pkt(ct, pkt, di, forw);
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
	con = conn_lookup_pkt(ct, pkt, di, &forw);
	if (con == NULL) {
		npfct_stat_inc(ct, NPFCT_STAT_LOOKUP_MISS);
		v = NPFCT_V_MISS;
		goto out;
	}
	npfct_stat_inc(ct, NPFCT_STAT_LOOKUP_HIT);
	/* Inspect the protocol data and handle state changes. */
	if (unlikely(!npfct_conn_state_inspect_ev(ct, con, pkt, forw))) {
		/* Invalid: let the rules deal with it. */
		npfct_stat_inc(ct, NPFCT_STAT_INVALID_STATE);
		v = NPFCT_V_INVALID;
		goto out;
	}
	npfct_conn_touch(con, npfct_clock_sec(ct));
	if (ct->ct_acct)
		npfct_conn_account(con, pkt, forw);
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

/*
 * conn_insert_failed: count why an insert was refused.
 *
 * => -EEXIST: the key is present (a duplicate won the race);
 *    -ENOSPC: its two buckets are full.  Only a family short of
 *    connections asks for an early drop: full buckets in a table with
 *    room are not cured by evicting connections elsewhere.
 */
static void
conn_insert_failed(struct npfct *ct, unsigned int af, int ret)
{
	if (ret == -EEXIST) {
		npfct_stat_inc(ct, NPFCT_STAT_RACE_CONN);
		rte_errno = EEXIST;
		return;
	}
	npfct_stat_inc(ct, NPFCT_STAT_BUCKET_FULL);
	if (npfct_live_short_p(ct, af))
		npfct_gc_pressure(ct, af);
	rte_errno = ENOSPC;
}

struct npfct_conn *
npfct_conn_establish(struct npfct *ct, const struct npfct_pkt *pkt, int di,
		bool per_if)
{
	const uint16_t zone = pkt->zone;
	struct npfct_db *db;
	struct npfct_conn *con;
	uint32_t *fw, *bk, *canon;
	unsigned int af;
	bool fswap;
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
	/* rte_hash's multi-writer insert indexes per-lcore state. */
	if (unlikely(rte_lcore_id() >= RTE_MAX_LCORE)) {
		npfct_stat_inc(ct, NPFCT_STAT_NO_LCORE);
		rte_errno = EINVAL;
		return NULL;
	}

	/*
	 * Count the connection against its zone's limit and max_conns, the
	 * hard limit, then allocate it: the pool holds max_conns plus what
	 * the lcores' magazines may keep, so within the limit it never runs
	 * dry.
	 */
	af = npfct_af_index(pkt->alen);
	/*
	 * The zone's limit first: its own refusal, which asks for no early
	 * drop (other zones keep their connections), only for the G/C's
	 * next step now, to collect what expired in the zone.
	 */
	if (unlikely(!npfct_zone_reserve(ct, zone, 1))) {
		npfct_stat_inc(ct, NPFCT_STAT_ZONE_FULL);
		npfct_gc_hurry(ct);
		rte_errno = EDQUOT;
		return NULL;
	}
	if (unlikely(!npfct_live_reserve(ct, af, 1))) {
		npfct_zone_release(ct, zone, 1);
		npfct_stat_inc(ct, NPFCT_STAT_TABLE_FULL);
		npfct_gc_pressure(ct, af);
		rte_errno = ENOSPC;
		return NULL;
	}
	con = npfct_conn_alloc(ct, pkt->alen);
	if (unlikely(con == NULL)) {
		npfct_zone_release(ct, zone, 1);
		npfct_live_release(ct, af, 1);
		npfct_stat_inc(ct, NPFCT_STAT_TABLE_FULL);
		npfct_gc_pressure(ct, af);
		rte_errno = ENOSPC;
		return NULL;
	}
	con->c_flags = (uint32_t)di | (per_if ? CONN_IFBOUND : 0) |
	    (ct->ct_acct ? CONN_ACCT : 0);
	con->c_ifid = pkt->ifid;
	con->c_proto = pkt->proto;
	con->c_alen = pkt->alen;
	con->c_atime = npfct_clock_sec(ct);
	rte_spinlock_init(&con->c_lock);
	con->c_nat = NULL;
	con->c_next = NULL;
	con->c_bpos = -1;
	npfct_stat_inc(ct, NPFCT_STAT_CONN_CREATE);

	/*
	 * Construct "forwards" and "backwards" keys (first: destroy reads
	 * the zone from them).
	 */
	fw = npfct_conn_fkey(con);
	bk = npfct_conn_bkey(con);
	npfct_connkey_build(pkt, fw, true);
	npfct_connkey_build(pkt, bk, false);
	/*
	 * The counters hold the first packet; user data, mark, rule
	 * procedure zero; no removed slot.
	 */
	npfct_conn_ext_init(ct, con, pkt);

	/* Initialize protocol state. */
	if (unlikely(!npfct_state_init(ct, pkt, &con->c_state))) {
		npfct_stat_inc(ct, NPFCT_STAT_STATE_REFUSED);
		rte_errno = EPROTO;
		goto destroy;
	}
	if (unlikely(keys_equal(fw, bk, npfct_key_words(pkt->alen)))) {
		/* Same source and destination: the streams are one. */
		npfct_stat_inc(ct, NPFCT_STAT_NOT_TRACKABLE);
		rte_errno = EINVAL;
		goto destroy;
	}

	/*
	 * Insert the entry under the canonical key, which is one of the
	 * two: it represents both directions.  At this point, the
	 * connection becomes visible (inactive).  If the key is present,
	 * we have hit the duplicate (NPF's failed forwards or backwards
	 * insert): nothing was inserted and nobody saw the connection.
	 */
	fswap = npfct_pkt_key_swapped(pkt);
	canon = fswap ? bk : fw;
	if (fswap)
		con->c_flags |= CONN_FSWAP;
	db = npfct_db_get(ct);
	con->c_db = db;
	ret = npfct_conndb_insert(db, canon, pkt->alen,
	    npfct_conndb_hash(db, canon, pkt->alen), con, false);
	if (unlikely(ret != 0)) {
		npfct_conn_destroy(ct, con);
		conn_insert_failed(ct, af, ret);
		return NULL;
	}

	/* Finally, insert into the connection list. */
	npfct_conndb_enqueue(db, con);
	return con;

destroy:
	npfct_conn_destroy(ct, con);
	return NULL;
}

/*
 * npfct_conn_activate: the first release after establish (or import):
 * make the connection visible to lookups, and announce it (NEW, then NAT
 * if setnat associated it before activation).
 */
void
npfct_conn_activate(struct npfct_conn *con, unsigned int reason)
{
	uint32_t flags = __atomic_load_n(&con->c_flags, __ATOMIC_RELAXED);
	struct npfct *ct;

	if ((flags & (CONN_ACTIVE | CONN_EXPIRE)) != 0)
		return;
	/*
	 * Activate: after this, the connection is globally visible.
	 * Release: a reader that sees CONN_ACTIVE (acquire) sees the rule
	 * procedure and NAT entry set before.
	 */
	flags = __atomic_fetch_or(&con->c_flags, CONN_ACTIVE,
	    __ATOMIC_RELEASE);
	/* Announced once, by the caller that activated it. */
	if ((flags & (CONN_ACTIVE | CONN_EXPIRE)) != 0)
		return;
	ct = con->c_db->db_ct;
	if (unlikely(npfct_event_wanted(ct, NPFCT_EVENT_NEW)))
		npfct_event_conn(ct, con, NPFCT_EVENT_NEW, reason, 0, false);
	if (unlikely(npfct_event_wanted(ct, NPFCT_EVENT_NAT)) &&
	    __atomic_load_n(&con->c_nat, __ATOMIC_RELAXED) != NULL)
		npfct_event_conn(ct, con, NPFCT_EVENT_NAT, NPFCT_EVENT_R_NONE,
		    0, false);
}

void
npfct_conn_release(struct npfct_conn *con)
{
	npfct_conn_activate(con, NPFCT_EVENT_R_NONE);
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
			*rproc = *npfct_conn_rproc(
			    (struct npfct_conn *)(uintptr_t)con);
		return true;
	}
	return false;
}

int
npfct_conn_setpass(struct npfct_conn *con, void *rproc)
{
	uint32_t flags = __atomic_load_n(&con->c_flags, __ATOMIC_RELAXED);

	if ((flags & CONN_ACTIVE) != 0 || *npfct_conn_rproc(con) != NULL)
		return -EBUSY;
	/*
	 * No need for a barrier: the connection is not yet active; the
	 * activation publishes this.  The caller's reference to rproc
	 * moves to the connection.
	 */
	*npfct_conn_rproc(con) = rproc;
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
	const size_t klen = npfct_key_words(alen) * sizeof(uint32_t);
	uint32_t nbk[NPFCT_KEY_MAXWORDS], cf[NPFCT_KEY_MAXWORDS];
	uint32_t cb[NPFCT_KEY_MAXWORDS];
	uint32_t *bk = npfct_conn_bkey(con);
	const unsigned int af = npfct_af_index(alen);
	uint32_t flags;
	bool bswap;
	int tidx, ret;

	if (nat == NULL || taddr == NULL || pkt == NULL ||
	    pkt->alen != alen ||
	    (ntype != NPFCT_NAT_OUT && ntype != NPFCT_NAT_IN))
		return -EINVAL;
	/* The insert indexes rte_hash's per-lcore state. */
	if (unlikely(rte_lcore_id() >= RTE_MAX_LCORE)) {
		npfct_stat_inc(ct, NPFCT_STAT_NO_LCORE);
		return -EINVAL;
	}
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
	flags = __atomic_load_n(&con->c_flags, __ATOMIC_RELAXED);
	if (unlikely(con->c_nat != NULL || (flags & CONN_NATKEY))) {
		/*
		 * Race with a duplicate packet, or the keys were translated
		 * already (an imported connection without its NAT entry).
		 */
		rte_spinlock_unlock(&con->c_lock);
		npfct_stat_inc(ct, NPFCT_STAT_RACE_NAT);
		return -EISCONN;
	}

	/* Set the source/destination ids to the translation values. */
	memcpy(nbk, bk, klen);
	npfct_connkey_setaddr(nbk, taddr, tidx);
	if (tport != 0)
		npfct_connkey_setid(nbk, tport, tidx);
	if (memcmp(nbk, bk, klen) == 0)
		goto done;	/* the translation changes no key */

	/*
	 * NPF removes the "backwards" entry and inserts the new one.  Here
	 * the first entry stays (it serves the forwards key) and the new
	 * backwards key gets the second entry.  Publish the key and the
	 * bits before the entry (release; the reader's acquire of c_flags
	 * follows its lookup): a reader that finds the entry can check it,
	 * and one that sees CONN_NATKEY no longer takes the inverted
	 * forwards key for the backwards key.
	 */
	bswap = npfct_connkey_canon(nbk, cb);
	conn_canon_key(con, false, cf);
	if (unlikely(memcmp(cb, cf, klen) == 0)) {
		/* The new backwards key is the forwards key. */
		ret = -EEXIST;
		goto fail;
	}
	if (unlikely(!npfct_live_nat_reserve(ct, af))) {
		/* max_nat_conns second entries exist. */
		ret = -EDQUOT;
		goto fail;
	}
	memcpy(bk, nbk, klen);
	__atomic_fetch_or(&con->c_flags, CONN_NATKEY |
	    (bswap ? CONN_BSWAP : 0), __ATOMIC_RELEASE);
	ret = npfct_conndb_insert(db, cb, alen, npfct_conndb_hash(db, cb,
	    alen), con, true);
	if (unlikely(ret != 0)) {
		npfct_live_nat_release(ct, af);
		goto fail;
	}
	__atomic_fetch_or(&con->c_flags, CONN_NATSLOT, __ATOMIC_RELAXED);
done:
	/*
	 * Associate the NAT entry and release the lock.  Release: a reader
	 * on another lcore that loads the pointer (acquire, in
	 * npfct_conn_retnat()) sees the entry as its creator wrote it.
	 */
	__atomic_store_n(&con->c_nat, nat, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&con->c_lock);
	/* Before activation, activation announces it after NEW. */
	if (unlikely(npfct_event_wanted(ct, NPFCT_EVENT_NAT)) && nat != NULL &&
	    (__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) & CONN_ACTIVE))
		npfct_event_conn(ct, con, NPFCT_EVENT_NAT, NPFCT_EVENT_R_NONE,
		    0, false);
	return 0;
fail:
	/*
	 * Race: we have hit the duplicate (or there is no room); remove
	 * the first entry and expire our connection; it is no longer valid.
	 */
	*npfct_conn_fpos(con) = npfct_conn_entry_remove(db, con, false);
	__atomic_fetch_or(&con->c_flags, CONN_REMOVED | CONN_EXPIRE,
	    __ATOMIC_RELAXED);
	rte_spinlock_unlock(&con->c_lock);
	switch (ret) {
	case -EEXIST:
		npfct_stat_inc(ct, NPFCT_STAT_RACE_NAT);
		return -EISCONN;
	case -EDQUOT:
		npfct_stat_inc(ct, NPFCT_STAT_TABLE_FULL);
		return -ENOSPC;
	default:
		npfct_stat_inc(ct, NPFCT_STAT_BUCKET_FULL);
		return -ENOSPC;
	}
}

/*
 * npfct_conn_nat_bind: the NAT engine's setnat (nat.c): give a connection
 * not yet active the translated backwards key (the destination for
 * NPFCT_NAT_OUT, the source for NPFCT_NAT_IN, an ICMP query's id on both
 * ends) and its second entry; entry is the engine's (CONN_NATENG).
 *
 * => Caller established con and has not released it: no reader uses it,
 *    so a key that is taken is undone, not fatal (unlike setnat).
 * => Returns 0, -EADDRINUSE (the key is another connection's, or would be
 *    this one's forwards key: try another port), -ENOSPC (max_nat_conns
 *    second entries, or the key's buckets are full), -EINVAL.
 */
int
npfct_conn_nat_bind(struct npfct *ct, struct npfct_conn *con, void *entry,
		enum npfct_nat_type ntype, const union npfct_addr *taddr,
		rte_be16_t tport)
{
	struct npfct_db *db = con->c_db;
	const unsigned int alen = con->c_alen;
	const size_t klen = npfct_key_words(alen) * sizeof(uint32_t);
	const unsigned int af = npfct_af_index(alen);
	const int tidx = ntype == NPFCT_NAT_OUT ? NPFCT_DST : NPFCT_SRC;
	uint32_t *bk = npfct_conn_bkey(con);
	uint32_t obk[NPFCT_KEY_MAXWORDS], cf[NPFCT_KEY_MAXWORDS];
	uint32_t cb[NPFCT_KEY_MAXWORDS];
	uint32_t flags = __atomic_load_n(&con->c_flags, __ATOMIC_RELAXED);
	bool bswap;
	int ret;

	if ((flags & (CONN_ACTIVE | CONN_EXPIRE | CONN_NATKEY)) != 0 ||
	    con->c_nat != NULL || entry == NULL)
		return -EINVAL;
	if (unlikely(rte_lcore_id() >= RTE_MAX_LCORE)) {
		npfct_stat_inc(ct, NPFCT_STAT_NO_LCORE);
		return -EINVAL;
	}
	memcpy(obk, bk, klen);
	rte_spinlock_lock(&con->c_lock);
	/*
	 * A flush or load may have expired and removed it (gc_remove()
	 * under c_lock): no entry may be added for it then.
	 */
	if (__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) &
	    (CONN_EXPIRE | CONN_REMOVED)) {
		rte_spinlock_unlock(&con->c_lock);
		return -EINVAL;
	}
	npfct_connkey_setaddr(bk, taddr, tidx);
	if (con->c_proto == IPPROTO_ICMP || con->c_proto == IPPROTO_ICMPV6) {
		/* A query's id is both ids of its key. */
		npfct_connkey_setid(bk, tport, NPFCT_SRC);
		npfct_connkey_setid(bk, tport, NPFCT_DST);
	} else if (tport != 0) {
		npfct_connkey_setid(bk, tport, tidx);
	}
	if (memcmp(obk, bk, klen) == 0) {
		/* Nothing translated: no second entry. */
		__atomic_store_n(&con->c_nat, entry, __ATOMIC_RELEASE);
		__atomic_fetch_or(&con->c_flags, CONN_NATENG |
		    (ntype == NPFCT_NAT_IN ? CONN_NATIN : 0), __ATOMIC_RELAXED);
		rte_spinlock_unlock(&con->c_lock);
		return 0;
	}
	bswap = npfct_connkey_canon(bk, cb);
	conn_canon_key(con, false, cf);
	if (memcmp(cb, cf, klen) == 0) {
		ret = -EADDRINUSE;
		goto undo;
	}
	if (!npfct_live_nat_reserve(ct, af)) {
		ret = -ENOSPC;
		goto undo;
	}
	/*
	 * Not active: activation's release publishes the key and bits.
	 * Atomic all the same: a flush may set CONN_EXPIRE meanwhile.
	 */
	__atomic_fetch_or(&con->c_flags, CONN_NATKEY |
	    (bswap ? CONN_BSWAP : 0), __ATOMIC_RELAXED);
	ret = npfct_conndb_insert(db, cb, alen, npfct_conndb_hash(db, cb,
	    alen), con, true);
	if (ret != 0) {
		npfct_live_nat_release(ct, af);
		__atomic_fetch_and(&con->c_flags, ~(CONN_NATKEY | CONN_BSWAP),
		    __ATOMIC_RELAXED);
		ret = ret == -EEXIST ? -EADDRINUSE : -ENOSPC;
		goto undo;
	}
	__atomic_fetch_or(&con->c_flags, CONN_NATSLOT | CONN_NATENG |
	    (ntype == NPFCT_NAT_IN ? CONN_NATIN : 0), __ATOMIC_RELAXED);
	__atomic_store_n(&con->c_nat, entry, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&con->c_lock);
	return 0;
undo:
	memcpy(bk, obk, klen);
	rte_spinlock_unlock(&con->c_lock);
	return ret;
}

void *
npfct_conn_retnat(const struct npfct_conn *con, int di, bool *forw)
{
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);

	*forw = (int)(flags & NPFCT_DIR_MASK) == di;
	/* The engine's translations have no entry of the application's. */
	if (flags & CONN_NATENG)
		return NULL;
	/* Acquire: pairs with the release in npfct_conn_setnat(). */
	return __atomic_load_n(&con->c_nat, __ATOMIC_ACQUIRE);
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
	struct npfct_conn_acct acct;
	char fk[128], bk[128], desc[32];

	/* The keys change only under c_lock (setnat). */
	rte_spinlock_lock(&c->c_lock);
	npfct_connkey_format(npfct_conn_fkey(c), fk, sizeof(fk));
	npfct_connkey_format(npfct_conn_bkey(c), bk, sizeof(bk));
	rte_spinlock_unlock(&c->c_lock);

	fprintf(f, "%p:\n\tproto %u flags 0x%x tsdiff %u etime %u state %s",
	    (const void *)con, con->c_proto, flags, npfct_conn_idle(con, now),
	    npfct_conn_etime(ct, con), npfct_conn_state_name(con));
	if (flags & CONN_IFBOUND)
		fprintf(f, " if %u", con->c_ifid);
	/* Word 0 is never rewritten: no lock needed. */
	fprintf(f, " zone %u", npfct_connkey_zone(npfct_conn_fkey(c)));
	fprintf(f, "\n\tforw %s\n\tback %s\n", fk, bk);
	if (npfct_conn_mark(con) != 0)
		fprintf(f, "\tmark 0x%" PRIx32 "\n", npfct_conn_mark(con));
	if (npfct_conn_acct_get(ct, con, &acct) == 0)
		fprintf(f, "\tpackets %" PRIu64 "/%" PRIu64 " bytes %" PRIu64
		    "/%" PRIu64 "\n", acct.packets[0], acct.packets[1],
		    acct.bytes[0], acct.bytes[1]);
	if (__atomic_load_n(&con->c_nat, __ATOMIC_RELAXED) != NULL) {
		npfct_nat_conn_describe(con, desc, sizeof(desc));
		fprintf(f, "\tnat %s\n", desc);
	}
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
	info->zone = npfct_connkey_zone(npfct_conn_fkey(con));
	info->mark = npfct_conn_mark(con);
	info->acct = npfct_conn_acct_get(ct, con, &info->counters) == 0;
	if (!info->acct)
		memset(&info->counters, 0, sizeof(info->counters));
	info->pass = (flags & CONN_PASS) != 0;

	npfct_connkey_split(npfct_conn_fkey(con), &info->src, &info->dst, &info->sport,
	    &info->dport);
	npfct_connkey_split(npfct_conn_bkey(con), &info->bsrc, &info->bdst,
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
	info->idle = npfct_conn_idle(con, npfct_clock_sec(ct));
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
