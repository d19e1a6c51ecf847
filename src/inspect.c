/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct burst fast path: npf_conn_inspect() and npf_conn_establish() over
 * a burst of packets.
 *
 * Overview
 *
 *	For each chunk of up to RTE_HASH_LOOKUP_BULK_MAX packets:
 *
 *	1. parse (npfct_inspect_burst() only) and sort out packets that
 *	   are malformed or not trackable; ask the ALG hooks first when one
 *	   wants the packet (its NPFCT_PKT_* mask);
 *	2. build each packet's canonical key (npfct_impl.h), noting
 *	   whether it travels against the canonical order, and hash the
 *	   chunk's keys of each table together (keyed: npfct_hash.h);
 *	3. look the keys up with one bulk lookup per table (IPv4, IPv6),
 *	   which prefetches buckets and keys;
 *	4. prefetch the connections found, then check each (which key
 *	   matched, active, not expired, interface, direction), run its
 *	   state inspection and,
 *	   if the packet is valid, stamp its activity time, count it with
 *	   accounting (ext.c) and, with UPDATE events subscribed, announce
 *	   a state change (event.c).
 *
 *	The clock and the database pointer are read once per burst and the
 *	counters are added once per burst.
 *
 *	npfct_establish_burst() establishes the packets one by one; with
 *	NPFCT_EST_LOOKUP_FIRST it first looks the burst's canonical keys up
 *	in bulk (steps 2 and 3, result unused) so that the inserts find
 *	their buckets in cache (establish_warm()).
 *
 * Synchronisation
 *
 *	Lock-free; datapath lcores only (registered with QSBR and online).
 *	The hit path writes nothing shared: the activity time is written
 *	only when the coarse (one second) clock moved, the generic state
 *	only on its one transition, and counters go to the lcore's own
 *	slot.  With accounting the connection's own counters are written
 *	(relaxed stores, no atomic add: a connection is hit by one lcore
 *	at a time).  TCP state inspection takes the connection's lock.
 */

#include <string.h>

#include <netinet/in.h>

#include <rte_prefetch.h>

#include "npfct_event_impl.h"
#include "npfct_ext.h"
#include "npfct_impl.h"
#include "npfct_nat_impl.h"

#define CHUNK	RTE_HASH_LOOKUP_BULK_MAX
#define PREFETCH_AHEAD	4

static const char *const verdict_names[NPFCT_V_MAX] = {
	[NPFCT_V_MATCH] = "match",
	[NPFCT_V_RELATED] = "related",
	[NPFCT_V_MISS] = "miss",
	[NPFCT_V_INVALID] = "invalid",
	[NPFCT_V_NOT_TRACKABLE] = "not-trackable",
	[NPFCT_V_PARSE_ERROR] = "parse-error",
};

const char *
npfct_verdict_str(enum npfct_verdict v)
{
	return (unsigned int)v < NPFCT_V_MAX ? verdict_names[v] : "?";
}

/* Keys of one table within a chunk. */
struct chunk_keys {
	unsigned int	n;
	const void	*ptr[CHUNK];
	hash_sig_t	sig[CHUNK];
	uint8_t		idx[CHUNK];	/* packet index in the chunk */
	bool		swapped[CHUNK];	/* against the canonical order */
	void		*val[CHUNK];
};

/*
 * chunk_keys_add: key a trackable packet (index i) into its table's
 * chunk keys: canonical key, direction against it.  chunk_keys_hash()
 * hashes them afterwards, a table's chunk at a time.
 */
static __rte_always_inline void
chunk_keys_add(struct chunk_keys *ck,
		uint32_t (*keys4)[NPFCT_KEY4_WORDS],
		uint32_t (*keys6)[NPFCT_KEY6_WORDS],
		const struct npfct_pkt *pkt, unsigned int i)
{
	struct chunk_keys *k;
	uint32_t *key;

	if (likely(pkt->alen == 4)) {
		k = &ck[NPFCT_AF4];
		key = keys4[k->n];
	} else {
		k = &ck[NPFCT_AF6];
		key = keys6[k->n];
	}
	npfct_connkey_build_canon(pkt, key, &k->swapped[k->n]);
	k->ptr[k->n] = key;
	k->idx[k->n] = (uint8_t)i;
	k->n++;
}

/* chunk_keys_hash: the signatures of both tables' chunk keys. */
static __rte_always_inline void
chunk_keys_hash(const struct npfct_db *db, struct chunk_keys *ck)
{
	if (ck[NPFCT_AF4].n != 0)
		npfct_hash_bulk(&db->db_hkey, ck[NPFCT_AF4].ptr,
		    NPFCT_KEY4_WORDS * sizeof(uint32_t), ck[NPFCT_AF4].n,
		    ck[NPFCT_AF4].sig);
	if (ck[NPFCT_AF6].n != 0)
		npfct_hash_bulk(&db->db_hkey, ck[NPFCT_AF6].ptr,
		    NPFCT_KEY6_WORDS * sizeof(uint32_t), ck[NPFCT_AF6].n,
		    ck[NPFCT_AF6].sig);
}

/* Per-burst counters, added to the lcore's slot at the end. */
struct burst_counts {
	uint32_t	stat[NPFCT_STAT_MAX];
};

static void
burst_counts_flush(struct npfct *ct, const struct burst_counts *bc)
{
	unsigned int s;

	for (s = 0; s < NPFCT_STAT_MAX; s++)
		if (bc->stat[s] != 0)
			npfct_stat_add(ct, (enum npfct_stat)s, bc->stat[s]);
}

/*
 * chunk_classify: sort out the packets that will not be looked up and
 * key the others.
 *
 * => Returns the number of packets an ALG related to a connection.
 */
static unsigned int
chunk_classify(struct npfct *ct, struct npfct_db *db, struct npfct_pkt *pkts,
		unsigned int n, int di, struct npfct_conn **conns,
		uint8_t *verdicts, struct chunk_keys *ck,
		uint32_t (*keys4)[NPFCT_KEY4_WORDS],
		uint32_t (*keys6)[NPFCT_KEY6_WORDS], struct burst_counts *bc)
{
	const uint32_t alg_mask = __atomic_load_n(&ct->ct_alg_mask,
	    __ATOMIC_RELAXED);
	unsigned int i, nrelated = 0;

	for (i = 0; i < n; i++) {
		const struct npfct_pkt *pkt = &pkts[i];

		conns[i] = NULL;
		if (unlikely(pkt->status != NPFCT_PARSE_OK)) {
			bc->stat[npfct_stat_parse(pkt->status)]++;
			verdicts[i] = pkt->status == NPFCT_PARSE_NOT_IP ?
			    NPFCT_V_NOT_TRACKABLE : NPFCT_V_PARSE_ERROR;
			continue;
		}
		/* Query ALG which may lookup connection for us. */
		if ((pkt->flags & alg_mask) != 0 &&
		    (conns[i] = npfct_alg_conn(ct, pkt, di)) != NULL) {
			bc->stat[NPFCT_STAT_ALG_HIT]++;
			verdicts[i] = NPFCT_V_RELATED;
			nrelated++;
			continue;
		}
		if (unlikely(!npfct_pkt_trackable_p(pkt))) {
			bc->stat[NPFCT_STAT_NOT_TRACKABLE]++;
			verdicts[i] = NPFCT_V_NOT_TRACKABLE;
			continue;
		}
		chunk_keys_add(ck, keys4, keys6, pkt, i);
	}
	chunk_keys_hash(db, ck);
	return nrelated;
}

/*
 * chunk_match: check the connections found in one table and inspect
 * their state.
 */
static unsigned int
chunk_match(struct npfct *ct, struct npfct_db *db, struct chunk_keys *k,
		unsigned int af, struct npfct_pkt *pkts, int di, uint32_t now,
		struct npfct_conn **conns, uint8_t *verdicts,
		struct burst_counts *bc)
{
	const bool nat = ct->ct_max_nat[af] != 0;
	uint64_t hits = 0;
	unsigned int j, nmatch = 0;

	if (k->n == 0)
		return 0;
	rte_hash_lookup_with_hash_bulk_data(db->db_hash[af], k->ptr,
	    k->sig, k->n, &hits, k->val);

	/*
	 * Prefetch the first line of every connection found: all the hit
	 * path reads and writes, the counts of accounting included.  An
	 * instance that translates (max_nat_conns) also fetches the keys
	 * for npfct_nat_translate_burst(), which runs after the burst:
	 * their miss then overlaps the lookup's instead of following it.
	 */
	for (j = 0; j < k->n; j++) {
		const struct npfct_conn *c;

		if ((hits & (1ull << j)) == 0)
			continue;
		c = (const void *)((uintptr_t)k->val[j] & ~(uintptr_t)1);
		rte_prefetch0(c);
		if (nat)
			npfct_conn_prefetch_keys(c, af);
	}

	for (j = 0; j < k->n; j++) {
		const unsigned int i = k->idx[j];
		struct npfct_conn *con;
		bool second, forw = false;

		con = NULL;
		if (hits & (1ull << j)) {
			con = npfct_conndb_value_conn(k->val[j], &second);
			con = npfct_conn_check(con, second, k->swapped[j],
			    &pkts[i], di, &forw);
		}
		if (con == NULL) {
			bc->stat[NPFCT_STAT_LOOKUP_MISS]++;
			verdicts[i] = NPFCT_V_MISS;
			continue;
		}
		bc->stat[NPFCT_STAT_LOOKUP_HIT]++;
		if (unlikely(!npfct_conn_state_inspect_ev(ct, con, &pkts[i],
		    forw))) {
			/* Invalid: let the rules deal with it. */
			bc->stat[NPFCT_STAT_INVALID_STATE]++;
			verdicts[i] = NPFCT_V_INVALID;
			continue;
		}
		npfct_conn_touch(con, now);
		if (ct->ct_acct)
			npfct_conn_account(con, &pkts[i], forw);
		conns[i] = con;
		verdicts[i] = NPFCT_V_MATCH;
		nmatch++;
	}
	return nmatch;
}

static unsigned int
inspect_chunk(struct npfct *ct, struct npfct_db *db, struct npfct_pkt *pkts,
		unsigned int n, int di, uint32_t now,
		struct npfct_conn **conns, uint8_t *verdicts,
		struct burst_counts *bc)
{
	uint32_t keys4[CHUNK][NPFCT_KEY4_WORDS];
	uint32_t keys6[CHUNK][NPFCT_KEY6_WORDS];
	struct chunk_keys ck[NPFCT_NAF];
	unsigned int nmatch;

	ck[NPFCT_AF4].n = 0;
	ck[NPFCT_AF6].n = 0;
	nmatch = chunk_classify(ct, db, pkts, n, di, conns, verdicts, ck,
	    keys4, keys6, bc);
	nmatch += chunk_match(ct, db, &ck[NPFCT_AF4], NPFCT_AF4, pkts, di,
	    now, conns, verdicts, bc);
	nmatch += chunk_match(ct, db, &ck[NPFCT_AF6], NPFCT_AF6, pkts, di,
	    now, conns, verdicts, bc);
	return nmatch;
}

uint16_t
npfct_inspect_burst_parsed(struct npfct *ct, struct npfct_pkt *pkts,
		uint16_t n, int di, struct npfct_conn **conns, uint8_t *verdicts)
{
	struct burst_counts bc;
	struct npfct_db *db;
	unsigned int off, nmatch = 0;
	uint32_t now;

	if (unlikely(n == 0))
		return 0;
	memset(&bc, 0, sizeof(bc));
	if (unlikely(!npfct_tracking_on(ct))) {
		for (off = 0; off < n; off++) {
			conns[off] = NULL;
			verdicts[off] = NPFCT_V_NOT_TRACKABLE;
		}
		npfct_stat_add(ct, NPFCT_STAT_TRACKING_OFF, n);
		return 0;
	}
	db = npfct_db_get(ct);
	now = npfct_clock_sec(ct);
	for (off = 0; off < n; off += CHUNK) {
		unsigned int len = RTE_MIN((unsigned int)n - off,
		    (unsigned int)CHUNK);

		nmatch += inspect_chunk(ct, db, pkts + off, len, di, now,
		    conns + off, verdicts + off, &bc);
	}
	burst_counts_flush(ct, &bc);
	return (uint16_t)nmatch;
}

uint16_t
npfct_inspect_burst(struct npfct *ct, struct rte_mbuf **mbufs,
		struct npfct_pkt *pkts, uint16_t n, int di,
		struct npfct_conn **conns, uint8_t *verdicts)
{
	uint16_t i;

	/* mbuf headers a few packets ahead, their data one ahead. */
	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(mbufs[i]);
	for (i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(mbufs[i + PREFETCH_AHEAD]);
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(mbufs[i + 1], void *));
		npfct_pkt_parse(&pkts[i], mbufs[i]);
	}
	return npfct_inspect_burst_parsed(ct, pkts, n, di, conns, verdicts);
}

/*
 * establish_warm: (NPFCT_EST_LOOKUP_FIRST) look the burst's canonical
 * keys up in bulk before the inserts, so that the buckets and keys each
 * insert probes are in cache, fetched together instead of one insert
 * after the other.  The result is not used: the insert looks again
 * under its lock.  A single key gains nothing: its insert looks it up.
 */
static void
establish_warm(struct npfct *ct, const struct npfct_pkt *pkts,
		const uint16_t *idx, uint16_t n)
{
	struct npfct_db *db = npfct_db_get(ct);
	uint32_t keys4[CHUNK][NPFCT_KEY4_WORDS];
	uint32_t keys6[CHUNK][NPFCT_KEY6_WORDS];
	struct chunk_keys ck[NPFCT_NAF];
	int32_t pos[CHUNK];
	uint16_t off, k;
	unsigned int af;

	for (off = 0; off < n; off += CHUNK) {
		const uint16_t len = RTE_MIN((uint16_t)(n - off),
		    (uint16_t)CHUNK);

		ck[NPFCT_AF4].n = ck[NPFCT_AF6].n = 0;
		for (k = off; k < off + len; k++)
			if (npfct_pkt_trackable_p(&pkts[idx[k]]))
				chunk_keys_add(ck, keys4, keys6,
				    &pkts[idx[k]], k - off);
		chunk_keys_hash(db, ck);
		for (af = 0; af < NPFCT_NAF; af++)
			if (ck[af].n > 1)
				rte_hash_lookup_with_hash_bulk(db->db_hash[af],
				    ck[af].ptr, ck[af].sig, ck[af].n, pos);
	}
}

uint16_t
npfct_establish_burst(struct npfct *ct, const struct npfct_pkt *pkts,
		const uint16_t *idx, uint16_t n, int di, uint32_t flags,
		struct npfct_conn **conns)
{
	const bool per_if = (flags & NPFCT_EST_PER_IF) != 0;
	struct npfct_event_ring *stage = NULL;
	uint16_t k, nest = 0;

	if ((flags & NPFCT_EST_LOOKUP_FIRST) && n > 1 &&
	    npfct_tracking_on(ct))
		establish_warm(ct, pkts, idx, n);
	/* The burst's NEW events go into the ring together. */
	if (unlikely(npfct_event_wanted(ct, NPFCT_EVENT_NEW)))
		stage = npfct_events_stage_begin(ct);
	for (k = 0; k < n; k++) {
		const uint16_t i = idx[k];
		struct npfct_conn *con;

		con = npfct_conn_establish(ct, &pkts[i], di, per_if);
		if (likely(con != NULL) && (flags & NPFCT_EST_NAT) &&
		    npfct_nat_establish(ct, &pkts[i], con, di) < 0) {
			/* Refused by NAT, expired: never activated. */
			npfct_conn_release(con);
			con = NULL;
		}
		if (likely(con != NULL)) {
			if (flags & NPFCT_EST_PASS)
				npfct_conn_setpass(con, NULL);
			npfct_conn_release(con);
			nest++;
		}
		conns[i] = con;
	}
	if (stage != NULL)
		npfct_events_stage_end(ct, stage);
	return nest;
}
