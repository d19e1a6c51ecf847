/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct export/import: save the active connections into a versioned
 * binary image and restore them (NPF's npf_conn_export()/import(),
 * pfsync-style state import).
 *
 * Overview
 *
 *	The image is a 32-byte header and one 128-byte record per
 *	connection; all integers are big-endian, addresses and ports are in
 *	network order as on the wire, and a CRC32C covers the whole image.
 *	The layout is documented in docs/operations.md ("Save and
 *	restore") and drawn below.
 *
 *	Header:
 *
 *	Offset: | 0     | 4   | 6    | 8    | 10    | 12    | 16   | 24  | 28  |
 *	Field:  | magic | ver | hlen | rlen | flags | count | time | crc | 0   |
 *	Bytes:  | 4     | 2   | 2    | 2    | 2     | 4     | 8    | 4   | 4   |
 *
 *	Record:
 *
 *	Offset: | 0     | 1    | 2   | 3     | 4    | 6     | 7       |
 *	Field:  | proto | alen | dir | flags | ifid | state | stflags |
 *	Offset: | 8      | 10   | 12   | 16      | 28      |
 *	Field:  | wscale | zone | idle | window0 | window1 |  (end,maxend,maxwin)
 *	Offset: | 40  | 56  | 72    | 74    | 76   | 92   | 108    | 110    |
 *	Field:  | src | dst | sport | dport | bsrc | bdst | bsport | bdport |
 *	Offset: | 112  | 116 .. 127 | 128      | 136      | 144    | 152    |
 *	Field:  | mark | 0          | packets0 | packets1 | bytes0 | bytes1 |
 *
 *	Version 3 (160-byte records) added the mark and the counters (0
 *	from an instance without accounting, ignored by one without);
 *	version 2 (128-byte records, still read) has the zone at offset 10,
 *	which version 1 (still read) kept zero.  Import validates the whole image and counts it against
 *	max_conns before it inserts anything, then inserts every connection
 *	inactive, each from a copy of its record checked again and counted
 *	against its zone's limit by the zone its keys get; if an insert
 *	meets a key already present (or repeated in the image) or a zone at
 *	its limit, every connection inserted so far is removed again -
 *	never having been active, so no packet matched it - and handed to
 *	the G/C, which frees it (and gives its zone's place back) after a
 *	grace period (at once in a database never installed).  Only when
 *	all are in are they activated.
 *
 * Synchronisation
 *
 *	Export walks the list under ct_gc_lock (the G/C waits) and copies
 *	each connection under its c_lock; a last pass drops the connections
 *	a lost setnat race removed meanwhile (export_drop_removed()), so no
 *	two records of an image have the same key.  Import runs in the
 *	control thread under ct_ctl_lock (no database load meanwhile); it
 *	needs an lcore id for the table inserts.
 *
 * Lock order
 *
 *	npfct::ct_ctl_lock ->
 *		npfct::ct_gc_lock ->
 *			npfct_conn::c_lock
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>

#include "npfct_event.h"
#include "npfct_ext.h"
#include "npfct_impl.h"
#include "npfct_nat_impl.h"

#define EXPORT_MAGIC	0x4e504354u	/* "NPCT" */
#define HDR_LEN		32
#define REC_LEN		160	/* version 3 */
#define REC_LEN_V2	128	/* versions 1 and 2 */
/* Longest idle time accepted: the longest timeout. */
#define IDLE_MAX	(30u * 86400u)

#define REC_PASS	0x01
#define REC_IFBOUND	0x02
#define REC_NAT		0x04
#define REC_FLAGS	(REC_PASS | REC_IFBOUND | REC_NAT)

/* The TCP state-private flag for mid-stream pickups (state_tcp.c). */
#define REC_STFLAGS	0x01

struct exp_hdr {
	uint8_t		magic[4];
	uint8_t		version[2];
	uint8_t		hlen[2];
	uint8_t		rlen[2];
	uint8_t		flags[2];
	uint8_t		count[4];
	uint8_t		time[8];
	uint8_t		crc[4];
	uint8_t		zero[4];
};

struct exp_rec {
	uint8_t		proto;
	uint8_t		alen;
	uint8_t		dir;
	uint8_t		flags;
	uint8_t		ifid[2];
	uint8_t		state;
	uint8_t		stflags;
	uint8_t		wscale[2];
	uint8_t		zone[2];	/* version 2; 0 in version 1 */
	uint8_t		idle[4];
	uint8_t		win[2][3][4];
	uint8_t		src[16];
	uint8_t		dst[16];
	uint8_t		sport[2];
	uint8_t		dport[2];
	uint8_t		bsrc[16];
	uint8_t		bdst[16];
	uint8_t		bsport[2];
	uint8_t		bdport[2];
	uint8_t		mark[4];	/* version 3; 0 before */
	uint8_t		zero2[12];
	/* Version 3 (versions 1 and 2 end here: zeroes when read). */
	uint8_t		packets[2][8];
	uint8_t		bytes[2][8];
};

_Static_assert(sizeof(struct exp_hdr) == HDR_LEN, "export header");
_Static_assert(sizeof(struct exp_rec) == REC_LEN, "export record");

static void
put64(uint8_t *p, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	while (n-- > 0)
		if (*p++ != 0)
			return false;
	return true;
}

/* CRC32C of the image, with the header's crc field taken as zero. */
static uint32_t
image_crc(const uint8_t *buf, size_t len)
{
	struct exp_hdr h;
	uint32_t crc;

	memcpy(&h, buf, sizeof(h));
	memset(h.crc, 0, sizeof(h.crc));
	crc = rte_hash_crc(&h, sizeof(h), 0xffffffff);
	return rte_hash_crc(buf + HDR_LEN, (uint32_t)(len - HDR_LEN), crc);
}

/*
 * Export.
 */

static void
rec_fill(const struct npfct *ct, struct npfct_conn *con, struct exp_rec *r)
{
	struct npfct_conn_info info;
	struct npfct_state st;
	unsigned int i;

	/* One consistent copy: keys and state under the lock. */
	rte_spinlock_lock(&con->c_lock);
	npfct_conn_info_locked(ct, con, &info);
	st = con->c_state;
	rte_spinlock_unlock(&con->c_lock);

	memset(r, 0, sizeof(*r));
	r->proto = info.proto;
	r->alen = info.alen;
	r->dir = info.dir;
	r->flags = (info.pass ? REC_PASS : 0) |
	    (info.per_if ? REC_IFBOUND : 0) | (info.nat ? REC_NAT : 0);
	put16(r->ifid, info.ifid);
	put16(r->zone, info.zone);
	r->state = st.nst_state;
	r->stflags = st.nst_flags;
	r->wscale[0] = st.nst_wscale[0];
	r->wscale[1] = st.nst_wscale[1];
	put32(r->idle, info.idle > IDLE_MAX ? IDLE_MAX : info.idle);
	for (i = 0; i < 2; i++) {
		put32(r->win[i][0], st.nst_win[i].nw_end);
		put32(r->win[i][1], st.nst_win[i].nw_maxend);
		put32(r->win[i][2], st.nst_win[i].nw_maxwin);
	}
	memcpy(r->src, &info.src, 16);
	memcpy(r->dst, &info.dst, 16);
	memcpy(r->sport, &info.sport, 2);
	memcpy(r->dport, &info.dport, 2);
	memcpy(r->bsrc, &info.bsrc, 16);
	memcpy(r->bdst, &info.bdst, 16);
	memcpy(r->bsport, &info.bsport, 2);
	memcpy(r->bdport, &info.bdport, 2);
	put32(r->mark, info.mark);
	for (i = 0; i < 2; i++) {
		put64(r->packets[i], info.counters.packets[i]);
		put64(r->bytes[i], info.counters.bytes[i]);
	}
}

static bool
exportable_p(const struct npfct_conn *con)
{
	return (__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) &
	    (CONN_ACTIVE | CONN_EXPIRE)) == CONN_ACTIVE;
}

/*
 * npfct_export_image_len: the length of an image of n records, in 64
 * bits (n * REC_LEN passes 2^32 at 33.5M records).
 */
uint64_t
npfct_export_image_len(uint64_t n)
{
	return HDR_LEN + n * REC_LEN;
}

size_t
npfct_export_size(const struct npfct *ct)
{
	if (ct == NULL)
		return 0;
	return (size_t)npfct_export_image_len(npfct_count(ct));
}

/*
 * export_drop_removed: drop the records of connections whose entries went
 * away while the export ran.
 *
 * => The image must be a set of connections that can all be in one table
 *    at once (import inserts them all).  The G/C waits for ct_gc_lock, so
 *    the only entries of exportable connections that go away meanwhile
 *    are those of a connection whose setnat lost a race (an undone import
 *    removes entries too, of connections never active, never exported):
 *    npfct_conn_setnat() removes it at once, as NPF, and a new connection
 *    may take its key and be exported too.  The loser is REMOVED under
 *    its c_lock before the entry can be taken, so a check under that lock
 *    after every record is written sees it.
 * => Returns the records kept, compacted in order.
 */
static uint32_t
export_drop_removed(struct npfct_conn **cons, struct exp_rec *r, uint32_t n)
{
	uint32_t i, kept = 0;
	uint32_t flags;

	for (i = 0; i < n; i++) {
		rte_spinlock_lock(&cons[i]->c_lock);
		flags = __atomic_load_n(&cons[i]->c_flags, __ATOMIC_RELAXED);
		rte_spinlock_unlock(&cons[i]->c_lock);
		if (flags & CONN_REMOVED)
			continue;
		if (kept != i)
			r[kept] = r[i];
		kept++;
	}
	return kept;
}

ssize_t
npfct_export(struct npfct *ct, void *buf, size_t len)
{
	struct exp_hdr *h = buf;
	struct npfct_conn **cons;
	struct exp_rec *r;
	struct npfct_conn *con;
	struct npfct_db *db;
	uint32_t n = 0;
	uint64_t now;
	size_t size;

	if (ct == NULL || buf == NULL)
		return -EINVAL;
	pthread_mutex_lock(&ct->ct_gc_lock);
	db = npfct_db_get(ct);
	npfct_conndb_drain_new(db);
	TAILQ_FOREACH(con, &db->db_list, c_entry)
		n += exportable_p(con);
	size = (size_t)npfct_export_image_len(n);
	if (len < size) {
		pthread_mutex_unlock(&ct->ct_gc_lock);
		return -ENOSPC;
	}
	cons = malloc(((size_t)n + 1) * sizeof(*cons));
	if (cons == NULL) {
		pthread_mutex_unlock(&ct->ct_gc_lock);
		return -ENOMEM;
	}
	r = (struct exp_rec *)((uint8_t *)buf + HDR_LEN);
	n = 0;
	TAILQ_FOREACH(con, &db->db_list, c_entry) {
		/* Activity may have changed since the count: recheck. */
		if (!exportable_p(con) ||
		    npfct_export_image_len((uint64_t)n + 1) > size)
			continue;
		cons[n] = con;
		rec_fill(ct, con, &r[n++]);
	}
	n = export_drop_removed(cons, r, n);
	pthread_mutex_unlock(&ct->ct_gc_lock);
	free(cons);

	size = (size_t)npfct_export_image_len(n);
	now = npfct_clock_now(ct);
	memset(h, 0, sizeof(*h));
	put32(h->magic, EXPORT_MAGIC);
	put16(h->version, NPFCT_EXPORT_VERSION);
	put16(h->hlen, HDR_LEN);
	put16(h->rlen, REC_LEN);
	put32(h->count, n);
	put32(h->time, (uint32_t)(now >> 32));
	put32(h->time + 4, (uint32_t)now);
	put32(h->crc, image_crc(buf, size));
	return (ssize_t)size;
}

/*
 * Import.
 */

/* A record's keys and state, checked. */
struct imp_conn {
	struct npfct_pkt	pkt;		/* forwards key as a packet */
	uint32_t		fkey[NPFCT_KEY_MAXWORDS];
	uint32_t		bkey[NPFCT_KEY_MAXWORDS];
	uint32_t		natflags;	/* CONN_NATENG, CONN_NATIN */
};

static bool
addr_ok(const uint8_t *a, unsigned int alen)
{
	/* IPv4 addresses are zero-padded. */
	return alen == 16 || all_zero(a + 4, 12);
}

static bool
state_ok(const struct exp_rec *r)
{
	unsigned int i;

	if (r->proto == IPPROTO_TCP) {
		if (r->state >= NPFCT_TCPS_COUNT ||
		    (r->stflags & ~REC_STFLAGS))
			return false;
		for (i = 0; i < 2; i++)
			if (r->wscale[i] > 14 &&
			    r->wscale[i] != NPFCT_TCP_WSCALE_NONE)
				return false;
		return true;
	}
	/* Generic: no window data. */
	return r->state < NPFCT_GSTATE_MAX && r->stflags == 0 &&
	    r->wscale[0] == 0 && r->wscale[1] == 0 &&
	    all_zero(&r->win[0][0][0], sizeof(r->win));
}

/*
 * rec_check: validate a record and build its keys.
 *
 * => The backwards key must be the inverted forwards key, except that
 *    with REC_NAT one side (destination: outbound NAT, or source:
 *    inbound NAT) may differ.
 */
static int
rec_check(const struct exp_rec *r, unsigned int version, struct imp_conn *ic)
{
	struct npfct_pkt *pkt = &ic->pkt;
	uint32_t inv[NPFCT_KEY_MAXWORDS];
	unsigned int words, w, a;
	rte_be16_t bsport, bdport;
	bool icmp;

	if ((r->alen != 4 && r->alen != 16) ||
	    (r->dir != NPFCT_DIR_IN && r->dir != NPFCT_DIR_OUT) ||
	    (r->flags & ~REC_FLAGS) ||
	    (version < 2 && !all_zero(r->zone, sizeof(r->zone))) ||
	    (version < 3 && !all_zero(r->mark, sizeof(r->mark))) ||
	    !all_zero(r->zero2, sizeof(r->zero2)) ||
	    get32(r->idle) > IDLE_MAX || !state_ok(r) ||
	    !addr_ok(r->src, r->alen) || !addr_ok(r->dst, r->alen) ||
	    !addr_ok(r->bsrc, r->alen) || !addr_ok(r->bdst, r->alen))
		return -EINVAL;

	ic->natflags = 0;
	memset(pkt, 0, sizeof(*pkt));
	pkt->status = NPFCT_PARSE_OK;
	pkt->flags = (r->alen == 4 ? NPFCT_PKT_IP4 : NPFCT_PKT_IP6) |
	    NPFCT_PKT_L4;
	pkt->proto = r->proto;
	pkt->alen = r->alen;
	pkt->ifid = get16(r->ifid);
	pkt->zone = get16(r->zone);
	memcpy(&pkt->src, r->src, 16);
	memcpy(&pkt->dst, r->dst, 16);
	memcpy(&pkt->sport, r->sport, 2);
	memcpy(&pkt->dport, r->dport, 2);
	npfct_connkey_build(pkt, ic->fkey, true);
	npfct_connkey_build(pkt, inv, false);

	/* The backwards key as recorded. */
	words = npfct_key_words(r->alen);
	a = r->alen / 4;
	memcpy(ic->bkey, inv, sizeof(inv));
	memcpy(&ic->bkey[2], r->bsrc, r->alen);
	memcpy(&ic->bkey[2 + a], r->bdst, r->alen);
	memcpy(&bsport, r->bsport, 2);
	memcpy(&bdport, r->bdport, 2);
	ic->bkey[1] = (uint32_t)bsport << 16 | bdport;

	if (memcmp(ic->fkey, ic->bkey, words * 4) == 0)
		return -EINVAL;		/* one stream: never established */
	if (memcmp(inv, ic->bkey, words * 4) == 0)
		return (r->flags & REC_NAT) ? -EINVAL : 0;
	if ((r->flags & REC_NAT) == 0)
		return -EINVAL;
	/*
	 * NAT: exactly one side of the inverted key differs.  An ICMP
	 * query's id is both ids of its key: the NAT engine translates it
	 * on both, so there only the addresses tell the side, and the two
	 * ids must stay equal.
	 */
	icmp = r->proto == IPPROTO_ICMP || r->proto == IPPROTO_ICMPV6;
	if (icmp && bsport != bdport)
		return -EINVAL;
	for (w = 2; w < 2 + a; w++)
		if (ic->bkey[w] != inv[w])
			break;
	/*
	 * A translated connection goes on being translated by the NAT
	 * engine after import (npfct_nat_translate(): from the keys).
	 */
	if (w == 2 + a && (icmp || (ic->bkey[1] >> 16) == (inv[1] >> 16))) {
		ic->natflags = CONN_NATENG;
		return 0;		/* source same: destination moved */
	}
	for (w = 2 + a; w < 2 + 2 * a; w++)
		if (ic->bkey[w] != inv[w])
			break;
	if (w == 2 + 2 * a && (icmp ||
	    (ic->bkey[1] & 0xffff) == (inv[1] & 0xffff))) {
		ic->natflags = CONN_NATENG | CONN_NATIN;
		return 0;		/* destination same: source moved */
	}
	return -EINVAL;
}

static int
image_check(const uint8_t *buf, size_t len, uint32_t *count,
		unsigned int *version, size_t *rlen)
{
	const struct exp_hdr *h = (const void *)buf;

	if (len < HDR_LEN || get32(h->magic) != EXPORT_MAGIC)
		return -EBADMSG;
	/* Versions 1 (no zones) and 2 (no mark, no counters) are read. */
	*version = get16(h->version);
	if (*version < 1 || *version > NPFCT_EXPORT_VERSION)
		return -EPROTONOSUPPORT;
	*rlen = *version < 3 ? REC_LEN_V2 : REC_LEN;
	if (get16(h->hlen) != HDR_LEN || get16(h->rlen) != *rlen ||
	    get16(h->flags) != 0 || !all_zero(h->zero, sizeof(h->zero)))
		return -EBADMSG;
	*count = get32(h->count);
	/* The length must be exactly the records announced. */
	if ((len - HDR_LEN) % *rlen != 0 ||
	    (len - HDR_LEN) / *rlen != *count)
		return -EBADMSG;
	if (image_crc(buf, len) != get32(h->crc))
		return -EBADMSG;
	return 0;
}

/* Restore the connection state from a checked record. */
static void
conn_restore(struct npfct *ct, struct npfct_conn *con,
		const struct exp_rec *r, const struct imp_conn *ic)
{
	unsigned int i, words = npfct_key_words(r->alen);

	con->c_flags = r->dir | ((r->flags & REC_IFBOUND) ? CONN_IFBOUND : 0) |
	    ((r->flags & REC_PASS) ? CONN_PASS : 0) |
	    (ct->ct_acct ? CONN_ACCT : 0) | ic->natflags;
	con->c_ifid = get16(r->ifid);
	con->c_proto = r->proto;
	con->c_alen = r->alen;
	con->c_atime = npfct_clock_sec(ct) - get32(r->idle);
	rte_spinlock_init(&con->c_lock);
	memset(&con->c_state, 0, sizeof(con->c_state));
	con->c_state.nst_state = r->state;
	con->c_state.nst_flags = r->stflags;
	con->c_state.nst_wscale[0] = r->wscale[0];
	con->c_state.nst_wscale[1] = r->wscale[1];
	for (i = 0; i < 2; i++) {
		con->c_state.nst_win[i].nw_end = get32(r->win[i][0]);
		con->c_state.nst_win[i].nw_maxend = get32(r->win[i][1]);
		con->c_state.nst_win[i].nw_maxwin = get32(r->win[i][2]);
	}
	con->c_nat = NULL;
	con->c_next = NULL;
	con->c_bpos = -1;
	memcpy(npfct_conn_fkey(con), ic->fkey, words * 4);
	memcpy(npfct_conn_bkey(con), ic->bkey, words * 4);
	/* User data zeroed; the mark and, if kept here, the counters. */
	npfct_conn_ext_init(ct, con, NULL);
	con->c_mark = get32(r->mark);
	if (ct->ct_acct) {
		struct npfct_acct *a = npfct_conn_acct_area(con);

		for (i = 0; i < 2; i++) {
			a->ac_packets[i] = get64(r->packets[i]);
			a->ac_bytes[i] = get64(r->bytes[i]);
		}
	}
}

/*
 * rec_load: a copy of record i of an image (versions 1 and 2: the first
 * REC_LEN_V2 bytes, the rest zero).
 */
static void
rec_load(const uint8_t *recs, uint32_t i, size_t rlen, struct exp_rec *r)
{
	if (rlen < sizeof(*r))
		memset((uint8_t *)r + rlen, 0, sizeof(*r) - rlen);
	memcpy(r, recs + (size_t)i * rlen, rlen);
}

/*
 * import_undo: remove the entries of the connections inserted so far.
 *
 * => They were never active.  In an installed database a lookup may
 *    still read them: the G/C frees them after a grace period.  In a
 *    database never installed nobody can: they are destroyed at once.
 */
static void
import_undo(struct npfct *ct, struct npfct_db *db, struct npfct_conn *list)
{
	struct npfct_conn *con, *next;

	for (con = list; con != NULL; con = next) {
		const unsigned int alen = con->c_alen;

		next = con->c_next;
		if (*npfct_conn_fpos(con) == NPFCT_POS_INSERTED)
			*npfct_conn_fpos(con) = npfct_conn_entry_remove(db,
			    con, false);
		if (con->c_bpos == NPFCT_POS_INSERTED)
			con->c_bpos = npfct_conn_entry_remove(db, con, true);
		__atomic_fetch_or(&con->c_flags, CONN_REMOVED | CONN_EXPIRE,
		    __ATOMIC_RELAXED);
		if (db->db_installed) {
			npfct_conndb_enqueue(db, con);
			continue;
		}
		npfct_conndb_free_pos(db, alen, *npfct_conn_fpos(con));
		npfct_conndb_free_pos(db, alen, con->c_bpos);
		npfct_conn_destroy(ct, con);
	}
}

static int
import_one(struct npfct *ct, struct npfct_db *db, const struct exp_rec *r,
		const struct imp_conn *ic, const struct npfct_import_ops *ops,
		struct npfct_conn **list, uint32_t *allocated)
{
	struct npfct_conn_info info;
	struct npfct_conn *con;
	unsigned int alen = r->alen;
	int ret;

	/*
	 * Counted against max_conns by npfct_import() already; against its
	 * zone's limit here, by the zone its keys get.
	 */
	if (!npfct_zone_reserve(ct, ic->pkt.zone, 1)) {
		npfct_stat_inc(ct, NPFCT_STAT_ZONE_FULL);
		return -EDQUOT;
	}
	con = npfct_conn_alloc(ct, alen);
	if (con == NULL) {
		npfct_zone_release(ct, ic->pkt.zone, 1);
		return -ENOSPC;
	}
	(*allocated)++;
	conn_restore(ct, con, r, ic);
	con->c_db = db;
	npfct_stat_inc(ct, NPFCT_STAT_CONN_CREATE);
	/* On the undo list from now on. */
	con->c_next = *list;
	*list = con;

	ret = npfct_conn_entries_insert(db, con);
	if (ret != 0)
		return ret;
	/* The engine's mapping: back with its policy, if one explains it. */
	if ((ic->natflags & CONN_NATENG) &&
	    (ops == NULL || ops->nat_restore == NULL)) {
		ret = npfct_nat_import_attach(ct, con, &ic->pkt);
		if (ret != 0)
			return ret;
	}

	if ((r->flags & (REC_NAT | REC_PASS)) == 0 || ops == NULL)
		return 0;
	npfct_conn_info_get(ct, con, &info);
	if ((r->flags & REC_NAT) && ops->nat_restore != NULL) {
		con->c_nat = ops->nat_restore(&info, ops->arg);
		if (con->c_nat == NULL)
			return -ENOENT;
		/* The application's NAT again, not the engine's. */
		__atomic_fetch_and(&con->c_flags, ~(CONN_NATENG | CONN_NATIN),
		    __ATOMIC_RELAXED);
	}
	if ((r->flags & REC_PASS) && ops->rproc_restore != NULL)
		*npfct_conn_rproc(con) = ops->rproc_restore(&info, ops->arg);
	return 0;
}

int
npfct_import(struct npfct *ct, struct npfct_db *db, const void *buf,
		size_t len, const struct npfct_import_ops *ops)
{
	uint32_t count, i, need[NPFCT_NAF] = { 0, 0 };
	uint32_t allocated[NPFCT_NAF] = { 0, 0 };
	unsigned int version;
	struct npfct_conn *list = NULL, *con, *next;
	const uint8_t *recs;
	struct exp_rec rec;
	size_t rlen;
	struct imp_conn ic;
	unsigned int af;
	int ret;

	if (ct == NULL || buf == NULL || (db != NULL && db->db_ct != ct))
		return -EINVAL;
	/* The table inserts index rte_hash's per-lcore state. */
	if (rte_lcore_id() >= RTE_MAX_LCORE) {
		npfct_stat_inc(ct, NPFCT_STAT_NO_LCORE);
		return -EINVAL;
	}
	ret = image_check(buf, len, &count, &version, &rlen);
	if (ret != 0)
		return ret;
	recs = (const uint8_t *)buf + HDR_LEN;
	/* Validate every record before inserting anything. */
	for (i = 0; i < count; i++) {
		rec_load(recs, i, rlen, &rec);
		ret = rec_check(&rec, version, &ic);
		if (ret != 0)
			return ret;
		need[npfct_af_index(rec.alen)]++;
	}
	/*
	 * Count them all against max_conns at once: the import either has
	 * room for every record or takes none, and establishes meanwhile
	 * cannot take the room it counted on.
	 */
	if (!npfct_live_reserve(ct, NPFCT_AF4, need[NPFCT_AF4]))
		return -ENOSPC;
	if (!npfct_live_reserve(ct, NPFCT_AF6, need[NPFCT_AF6])) {
		npfct_live_release(ct, NPFCT_AF4, need[NPFCT_AF4]);
		return -ENOSPC;
	}

	pthread_mutex_lock(&ct->ct_ctl_lock);
	if (db == NULL)
		db = npfct_db_get(ct);
	for (i = 0; i < count; i++) {
		/*
		 * A copy, checked again: what was counted is what is made,
		 * even if the caller's buffer changed since (it must not:
		 * -EBADMSG then).
		 */
		rec_load(recs, i, rlen, &rec);
		af = npfct_af_index(rec.alen);
		ret = rec_check(&rec, version, &ic);
		if (ret != 0 || allocated[af] == need[af]) {
			ret = -EBADMSG;
			break;
		}
		ret = import_one(ct, db, &rec, &ic, ops, &list,
		    &allocated[af]);
		if (ret != 0)
			break;
	}
	if (ret != 0) {
		if (ret == -EEXIST)
			npfct_stat_inc(ct, NPFCT_STAT_RACE_CONN);
		/*
		 * The connections made give their room and zone back as they
		 * are destroyed; the records not made yet, here.
		 */
		for (af = 0; af < NPFCT_NAF; af++)
			npfct_live_release(ct, af, need[af] - allocated[af]);
		import_undo(ct, db, list);
		pthread_mutex_unlock(&ct->ct_ctl_lock);
		return ret;
	}
	/* All in: activate them and hand them to the G/C, in image order. */
	for (con = list, list = NULL; con != NULL; con = next) {
		next = con->c_next;
		con->c_next = list;
		list = con;
	}
	for (con = list; con != NULL; con = next) {
		next = con->c_next;
		*npfct_conn_fpos(con) = -1;
		con->c_bpos = -1;
		npfct_conn_activate(con, NPFCT_EVENT_R_IMPORTED);
		npfct_conndb_enqueue(db, con);
	}
	pthread_mutex_unlock(&ct->ct_ctl_lock);
	return (int)count;
}
