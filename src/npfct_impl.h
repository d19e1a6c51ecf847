/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct private definitions.
 *
 * This header is private to the library: it is never installed and its
 * layouts are not part of the ABI.  Field comments say what protects each
 * field; "G/C" means the instance's ct_gc_lock (NPF's conn_lock).
 *
 * Lock order (as in NPF):
 *
 *	npfct::ct_ctl_lock ->
 *		npfct::ct_gc_lock ->
 *			npfct_conn::c_lock ->
 *				npfct_db::db_ins_lock[] (insert stripes)
 */

#ifndef NPFCT_IMPL_H
#define NPFCT_IMPL_H

#include <pthread.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_spinlock.h>

#include "npfct.h"
#include "npfct_compat.h"
#include "npfct_hash.h"
#include "npfct_conn.h"
#include "npfct_pkt.h"
#include "npfct_stats.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define NPFCT_POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define NPFCT_UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define NPFCT_POISON(p, n)	do { (void)(p); (void)(n); } while (0)
#define NPFCT_UNPOISON(p, n)	do { (void)(p); (void)(n); } while (0)
#endif

extern int npfct_logtype;
#define NPFCT_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, npfct_logtype, \
		RTE_FMT("NPFCT: " RTE_FMT_HEAD(__VA_ARGS__,) "\n", \
			RTE_FMT_TAIL(__VA_ARGS__,)))

/*
 * Connection keys (NPF's npf_connkey_t), 32-bit words:
 *
 * Field: | zone | proto | alen | src-id | dst-id | src-addr | dst-addr | pad |
 *        +------+-------+------+--------+--------+----------+----------+-----+
 * Bits:  |  16  |   8   |  8   |   16   |   16   |  32-128  |  32-128  | 0/64|
 *
 * Word 0 is zone << 16 | proto << 8 | alen, in host order.  IPv4 keys are
 * 16 bytes and live in their own table; IPv6 keys are 40 bytes padded
 * with zeroes to 48, a length rte_hash compares with vector instructions.
 * Ids and addresses are in network order.
 */
#define NPFCT_KEY4_WORDS	4
#define NPFCT_KEY6_WORDS	12
#define NPFCT_KEY_MAXWORDS	NPFCT_KEY6_WORDS
#define NPFCT_SRC		0
#define NPFCT_DST		1

/* Address family index: tables, pools. */
enum { NPFCT_AF4 = 0, NPFCT_AF6 = 1, NPFCT_NAF = 2 };

static inline unsigned int
npfct_af_index(unsigned int alen)
{
	return alen == 4 ? NPFCT_AF4 : NPFCT_AF6;
}

static inline unsigned int
npfct_key_words(unsigned int alen)
{
	return alen == 4 ? NPFCT_KEY4_WORDS : NPFCT_KEY6_WORDS;
}

/* Two 32-bit key words as one 64-bit store, in memory order. */
static inline uint64_t
npfct_key_pair(uint32_t lo_addr_word, uint32_t hi_addr_word)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint64_t)hi_addr_word << 32 | lo_addr_word;
#else
	return (uint64_t)lo_addr_word << 32 | hi_addr_word;
#endif
}

/*
 * npfct_connkey_build: construct the key of a packet's stream.
 *
 * => forw: the key as the packet travels (true) or inverted (false).
 * => Returns the key length in bytes, or 0 if the packet has no key.
 * => The words are stored 64 bits at a time: rte_hash_crc() reads them
 *    back 64 bits at a time, and narrower stores would stall that read
 *    (no store forwarding from two 32-bit stores to one 64-bit load).
 * => The ends are swapped with masks, not branches: for the canonical
 *    key forw is the packet's direction, random from packet to packet,
 *    and a mispredicted branch per packet cost more than the selects.
 */
static inline unsigned int
npfct_connkey_build(const struct npfct_pkt *pkt, uint32_t *key, bool forw)
{
	const unsigned int alen = pkt->alen;
	const uint32_t sp = pkt->sport, dp = pkt->dport;
	const uint32_t ids = sp << 16 | dp, rids = dp << 16 | sp;
	const uint64_t m = -(uint64_t)!forw;	/* all ones: inverted */
	uint64_t w, a[2], x;
	unsigned int h;

	if (unlikely((pkt->flags & NPFCT_PKT_L4) == 0))
		return 0;
	w = npfct_key_pair(((uint32_t)pkt->zone << 16) |
	    ((uint32_t)pkt->proto << 8) | alen,
	    ids ^ ((ids ^ rids) & (uint32_t)m));
	memcpy(&key[0], &w, sizeof(w));
	if (likely(alen == 4)) {
		const uint32_t sa = pkt->src.a32[0], da = pkt->dst.a32[0];
		const uint32_t x4 = (sa ^ da) & (uint32_t)m;

		w = npfct_key_pair(sa ^ x4, da ^ x4);
		memcpy(&key[2], &w, sizeof(w));
		return NPFCT_KEY4_WORDS * sizeof(uint32_t);
	}
	RTE_ASSERT(alen == 16);
	for (h = 0; h < 2; h++) {
		memcpy(&a[0], &pkt->src.a8[8 * h], sizeof(a[0]));
		memcpy(&a[1], &pkt->dst.a8[8 * h], sizeof(a[1]));
		x = (a[0] ^ a[1]) & m;
		w = a[0] ^ x;
		memcpy(&key[2 + 2 * h], &w, sizeof(w));
		w = a[1] ^ x;
		memcpy(&key[6 + 2 * h], &w, sizeof(w));
	}
	w = 0;
	memcpy(&key[10], &w, sizeof(w));
	return NPFCT_KEY6_WORDS * sizeof(uint32_t);
}

/*
 * Canonical keys.  A connection has one table entry under the canonical
 * form of its forwards key: the key or its inversion, whichever puts the
 * smaller (address, id) end first (addresses compared as bytes, then ids
 * in host order).  Both directions of a stream thus hash to one entry;
 * "swapped" says that the canonical form is the inversion.
 *
 * npfct_pkt_key_swapped() compares without branches (IPv6: the addresses
 * as two big-endian 64-bit halves, the order of memcmp());
 * npfct_connkey_canon() (connkey.c) orders stored keys the same way with
 * memcmp(), and test_connkey checks that the two agree.
 */
static inline bool
npfct_pkt_key_swapped(const struct npfct_pkt *pkt)
{
	uint64_t s[2], d[2];
	bool gt, eq;

	if (likely(pkt->alen == 4)) {
		const uint64_t s4 = (uint64_t)rte_be_to_cpu_32(pkt->src.a32[0])
		    << 16 | rte_be_to_cpu_16(pkt->sport);
		const uint64_t d4 = (uint64_t)rte_be_to_cpu_32(pkt->dst.a32[0])
		    << 16 | rte_be_to_cpu_16(pkt->dport);

		return s4 > d4;
	}
	memcpy(s, pkt->src.a8, sizeof(s));
	memcpy(d, pkt->dst.a8, sizeof(d));
	/* From the least significant part up: ids, low half, high half. */
	gt = rte_be_to_cpu_16(pkt->sport) > rte_be_to_cpu_16(pkt->dport);
	eq = s[1] == d[1];
	gt = (rte_be_to_cpu_64(s[1]) > rte_be_to_cpu_64(d[1])) | (eq & gt);
	eq = s[0] == d[0];
	return (rte_be_to_cpu_64(s[0]) > rte_be_to_cpu_64(d[0])) | (eq & gt);
}

/*
 * npfct_connkey_build_canon: the canonical key of a packet's stream.
 *
 * => Returns the key length (0: no key) and whether the packet travels
 *    against the canonical order.
 */
static inline unsigned int
npfct_connkey_build_canon(const struct npfct_pkt *pkt, uint32_t *key,
		bool *swapped)
{
	const bool sw = npfct_pkt_key_swapped(pkt);

	*swapped = sw;
	return npfct_connkey_build(pkt, key, !sw);
}

/*
 * pkt.c: npfct_pkt_parse() without its fast path, and the fast path alone
 * (false: the packet is not its case, nothing written).
 */
enum npfct_parse_status npfct_pkt_parse_general(struct npfct_pkt *pkt,
		struct rte_mbuf *m);
bool npfct_pkt_parse_fast(struct npfct_pkt *pkt, struct rte_mbuf *m);

/* connkey.c */
bool npfct_connkey_canon(const uint32_t *key, uint32_t *canon);
void npfct_connkey_invert(const uint32_t *key, uint32_t *inv);
void npfct_connkey_setaddr(uint32_t *key, const union npfct_addr *addr,
		int di);
void npfct_connkey_setid(uint32_t *key, rte_be16_t id, int di);
unsigned int npfct_connkey_alen(const uint32_t *key);
unsigned int npfct_connkey_proto(const uint32_t *key);
uint16_t npfct_connkey_zone(const uint32_t *key);
void npfct_connkey_split(const uint32_t *key, union npfct_addr *src,
    union npfct_addr *dst, rte_be16_t *sid, rte_be16_t *did);
int npfct_connkey_format(const uint32_t *key, char *buf, size_t len);

/*
 * Protocol state (npf_state_t): the generic state machine or TCP's, with
 * the TCP window data of both sides.  28 bytes.
 */
struct npfct_tcpwin {
	uint32_t	nw_end;		/* highest seq + len seen */
	uint32_t	nw_maxend;	/* highest ack + win seen from peer */
	uint32_t	nw_maxwin;	/* largest window seen */
};

struct npfct_state {
	uint8_t		nst_state;	/* NPFCT_GSTATE_* or NPFCT_TCPS_* */
	uint8_t		nst_wscale[2];	/* window scale per side */
	uint8_t		nst_flags;	/* state-private flags */
	struct npfct_tcpwin nst_win[2];	/* [0] forwards, [1] backwards */
};

/* NPF's default for the TCP acknowledgement skew bound. */
#define NPFCT_TCP_MAX_ACK_WIN	66000

/* Generic states (UDP, ICMP, other). */
enum {
	NPFCT_GSTATE_CLOSED = 0,
	NPFCT_GSTATE_NEW,
	NPFCT_GSTATE_ESTABLISHED,
	NPFCT_GSTATE_MAX
};

/* TCP states (NPF's NPF_TCPS_*). */
enum {
	NPFCT_TCPS_CLOSED = 0,
	NPFCT_TCPS_SYN_SENT,
	NPFCT_TCPS_SIMSYN_SENT,
	NPFCT_TCPS_SYN_RECEIVED,
	NPFCT_TCPS_ESTABLISHED,
	NPFCT_TCPS_FIN_SENT,
	NPFCT_TCPS_FIN_RECEIVED,
	NPFCT_TCPS_CLOSE_WAIT,
	NPFCT_TCPS_FIN_WAIT,
	NPFCT_TCPS_CLOSING,
	NPFCT_TCPS_LAST_ACK,
	NPFCT_TCPS_TIME_WAIT,
	NPFCT_TCPS_COUNT
};

/* state_tcp.c */
bool npfct_state_tcp_init(const struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_state *st);
bool npfct_state_tcp_inspect(const struct npfct *ct,
		const struct npfct_pkt *pkt, struct npfct_state *st, bool forw);
uint8_t npfct_state_tcp_timeout(uint8_t state);
const char *npfct_state_tcp_name(uint8_t state);

/* state.c */
bool npfct_state_init(const struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_state *st);
bool npfct_state_inspect(const struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_state *st, bool forw);
uint32_t npfct_state_etime(const struct npfct *ct,
		const struct npfct_state *st, uint8_t proto);
const char *npfct_state_name(const struct npfct_state *st, uint8_t proto);
void npfct_state_destroy(struct npfct_state *st);

/*
 * Connection flags (npf_conn.c): the direction of the first packet
 * (NPFCT_DIR_*) and the life-cycle bits.  Set with atomic OR.
 */
#define CONN_ACTIVE	0x004	/* visible on inspection */
#define CONN_PASS	0x008	/* perform implicit passing */
#define CONN_EXPIRE	0x010	/* explicitly expire */
#define CONN_REMOVED	0x020	/* table entries removed */
#define CONN_IFBOUND	0x040	/* bound to c_ifid (per-interface) */
#define CONN_FSWAP	0x080	/* the forwards key is not canonical */
#define CONN_NATKEY	0x100	/* NAT: the backwards key has an entry */
#define CONN_BSWAP	0x200	/* the backwards key is not canonical */
#define CONN_NATSLOT	0x400	/* holds one of max_nat_conns (lv_nat) */
#define CONN_ACCT	0x800	/* counts (NPFCT_F_ACCOUNTING); immutable */
#define CONN_NATENG	0x1000	/* c_nat is the NAT engine's (nat.c) */
#define CONN_NATIN	0x2000	/* inbound NAT: the destination translated */

/*
 * A connection.  IPv4 connections take 128 bytes: the first cache line
 * holds what the hit path reads (flags, interface, time, state), the
 * second the G/C links and the two keys.  The hit path does not read the
 * keys: the table entry and the CONN_*SWAP bits give the direction.
 * IPv6 connections carry longer keys and come from their own pool.
 */
struct npfct_conn {
	/* Hit path. */
	uint32_t	c_flags;	/* CONN_* | dir; atomic */
	uint32_t	c_atime;	/* last activity (clock seconds); relaxed */
	uint16_t	c_ifid;		/* interface (if CONN_IFBOUND) */
	uint8_t		c_proto;	/* IPPROTO_* */
	uint8_t		c_alen;		/* 4 or 16: key layout and pool */
	rte_spinlock_t	c_lock;		/* protects c_state (TCP), NAT re-key */
	struct npfct_state c_state;	/* c_lock, or atomics (generic) */
	/*
	 * Without accounting: the removed forwards key slot and the rule
	 * procedure.  With it (CONN_ACCT), the counts not yet added to the
	 * counters (npfct_ext.h), and those two are in the extension area:
	 * the hit path then counts on this line.  npfct_conn_fpos() and
	 * npfct_conn_rproc() find them.
	 */
	union {
		int32_t		c_fpos_here;	/* set on removal */
		uint16_t	c_apkts[2];	/* packets, per direction */
	};
	void		*c_nat;		/* NAT entry; c_lock to set */
	union {
		void		*c_rproc_here;	/* set before activation */
		uint32_t	c_abytes[2];	/* bytes, per direction */
	};

	/* G/C. */
	TAILQ_ENTRY(npfct_conn) c_entry; /* db_list; G/C */
	struct npfct_db	*c_db;		/* database holding the entries */
	int32_t		c_bpos;
	uint32_t	c_mark;		/* application's mark; relaxed */
	uint32_t	c_key[];	/* forwards key, then backwards key */
	/*
	 * Then the extension area, sized per instance (ext.c): packet and
	 * byte counters (NPFCT_F_ACCOUNTING), user data (udata_size).
	 */
};

/*
 * A connection is on one list at a time: a new list, then db_list, then
 * a G/C list.  The new and G/C lists are singly linked through the
 * db_list link, which is free while the connection is on them.
 */
#define c_next	c_entry.tqe_next

/* An IPv4 connection fits two cache lines. */
_Static_assert(sizeof(struct npfct_conn) + 2 * NPFCT_KEY4_WORDS * 4 == 128,
    "struct npfct_conn layout");

static inline uint32_t *
npfct_conn_fkey(struct npfct_conn *con)
{
	return con->c_key;
}

static inline uint32_t *
npfct_conn_bkey(struct npfct_conn *con)
{
	return con->c_key + npfct_key_words(con->c_alen);
}

/*
 * Prefetch a connection's keys (family af), which NAT's rewrite reads and
 * the lookup does not: the second cache line (IPv4), lines two and three
 * (IPv6).  con need not have been read yet.
 */
static inline void
npfct_conn_prefetch_keys(const struct npfct_conn *con, unsigned int af)
{
	const uint8_t *k = (const uint8_t *)con->c_key;

	rte_prefetch0(k);
	if (af != NPFCT_AF4)
		rte_prefetch0(k + 2 * 4 * NPFCT_KEY6_WORDS - 1);
}

/* The connection and its keys, without the extension area. */
static inline size_t
npfct_conn_size(unsigned int af)
{
	return sizeof(struct npfct_conn) + 2 * sizeof(uint32_t) *
	    (af == NPFCT_AF4 ? NPFCT_KEY4_WORDS : NPFCT_KEY6_WORDS);
}

/*
 * Accounting (ext.c): per direction (0 forwards, 1 backwards), written by
 * the lcore that inspects a packet with relaxed loads and stores, not
 * atomic adds: exact while one lcore at a time hits a connection.
 */
struct npfct_acct {
	uint64_t	ac_seq;		/* flushes begun (<< 32) and ended */
	int32_t		ac_fpos;	/* c_fpos_here's place with accounting */
	void		*ac_rproc;	/* c_rproc_here's place */
	uint64_t	ac_packets[2];	/* sums, without c_apkts */
	uint64_t	ac_bytes[2];	/* sums, without c_abytes */
};

/*
 * The extension area's offset (ext.c): after the keys, on a cache line
 * boundary, the same for every instance (the counters come first), so
 * that a connection finds it without its instance.
 */
static inline size_t
npfct_conn_ext_off(unsigned int af)
{
	return RTE_ALIGN_CEIL(npfct_conn_size(af), RTE_CACHE_LINE_SIZE);
}

static inline struct npfct_acct *
npfct_conn_acct_area(struct npfct_conn *con)
{
	return (struct npfct_acct *)((uint8_t *)con +
	    npfct_conn_ext_off(npfct_af_index(con->c_alen)));
}

/* Where the connection keeps its removed forwards key slot. */
static inline int32_t *
npfct_conn_fpos(struct npfct_conn *con)
{
	if (__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) & CONN_ACCT)
		return &npfct_conn_acct_area(con)->ac_fpos;
	return &con->c_fpos_here;
}

/* Where the connection keeps its rule procedure. */
static inline void **
npfct_conn_rproc(struct npfct_conn *con)
{
	if (__atomic_load_n(&con->c_flags, __ATOMIC_RELAXED) & CONN_ACCT)
		return &npfct_conn_acct_area(con)->ac_rproc;
	return &con->c_rproc_here;
}

/*
 * Connection pools (connpool.c): a header-less array per family with
 * per-lcore magazines.
 */
struct conn_free;

struct npfct_cpcache {
	rte_spinlock_t	cc_lock;	/* the shared (non-EAL) slot only */
	bool		cc_own;		/* an lcore's own; immutable */
	uint32_t	cc_ncur;
	uint32_t	cc_nprev;
	struct conn_free *cc_cur;	/* chain objects are taken from */
	struct conn_free *cc_prev;	/* a full chain kept back */
} __rte_cache_aligned;

struct npfct_connpool {
	uint8_t		*cp_base;	/* cp_n objects of cp_size bytes */
	size_t		cp_size;
	uint32_t	cp_n;
	uint32_t	cp_batch;	/* magazine (chain) size */
	rte_spinlock_t	cp_lock;	/* the depot */
	uint32_t	cp_depot_objs;	/* cp_lock; relaxed reads */
	struct conn_free *cp_depot;	/* stack of chains; cp_lock */
	struct npfct_cpcache *cp_cache;	/* [RTE_MAX_LCORE + 1] */
};

int npfct_connpool_init(struct npfct_connpool *cp, const char *name,
		size_t size, uint32_t max, uint32_t batch, int socket);
void npfct_connpool_fini(struct npfct_connpool *cp);
void *npfct_connpool_get(struct npfct_connpool *cp);
void npfct_connpool_put(struct npfct_connpool *cp, void *obj);
uint32_t npfct_connpool_avail(const struct npfct_connpool *cp);

/*
 * Connection database: the two tables and the connection lists.
 *
 * New connections are pushed onto per-lcore lock-free stacks (one slot
 * per lcore, plus one shared by threads without an lcore id); the G/C
 * takes each stack whole with an atomic exchange and moves the
 * connections to db_list, which only the G/C touches.
 */
#define NPFCT_INS_LOCKS	64

struct npfct_newlist {
	struct npfct_conn *nl_head;	/* atomic push / exchange */
} __rte_cache_aligned;

struct npfct_inslock {
	rte_spinlock_t	il_lock;
} __rte_cache_aligned;

struct npfct_db {
	struct npfct	*db_ct;
	struct rte_hash	*db_hash[NPFCT_NAF];	/* immutable */
	struct npfct_hash db_hkey;		/* keyed hash; immutable */
	bool		db_installed;		/* control thread */
	TAILQ_HEAD(, npfct_conn) db_list;	/* G/C */
	uint32_t	db_nlist;		/* G/C */
	struct npfct_inslock db_ins_lock[NPFCT_INS_LOCKS];
	struct npfct_newlist db_new[RTE_MAX_LCORE + 1];
};

/* conndb.c */
struct npfct_db *npfct_conndb_create(struct npfct *ct);
void npfct_conndb_destroy(struct npfct_db *db);
uint32_t npfct_conndb_entries(const struct npfct *ct, unsigned int af);
bool npfct_conndb_needs_ext(uint32_t entries);
int npfct_conndb_insert(struct npfct_db *db, const uint32_t *key,
		unsigned int alen, hash_sig_t sig, struct npfct_conn *con,
		bool second);
int32_t npfct_conndb_remove(struct npfct_db *db, const uint32_t *key,
		unsigned int alen, hash_sig_t sig);
struct npfct_conn *npfct_conndb_lookup(struct npfct_db *db,
		const uint32_t *key, unsigned int alen, hash_sig_t sig,
		bool *second);
void npfct_conndb_free_pos(struct npfct_db *db, unsigned int alen,
		int32_t pos);
void npfct_conndb_enqueue(struct npfct_db *db, struct npfct_conn *con);
unsigned int npfct_conndb_drain_new(struct npfct_db *db);

/* The signature of a key in its table (keyed: npfct_hash.h). */
static inline hash_sig_t
npfct_conndb_hash(const struct npfct_db *db, const uint32_t *key,
		unsigned int alen)
{
	return npfct_hash_sig(&db->db_hkey, key,
	    npfct_key_words(alen) * sizeof(uint32_t));
}

/*
 * Table entry value: the connection pointer, bit 0 set for the second
 * entry (the canonical backwards key of a NAT connection).
 */
static inline void *
npfct_conndb_value(struct npfct_conn *con, bool second)
{
	return (void *)((uintptr_t)con | (uintptr_t)second);
}

static inline struct npfct_conn *
npfct_conndb_value_conn(const void *v, bool *second)
{
	*second = ((uintptr_t)v & 1) != 0;
	return (struct npfct_conn *)((uintptr_t)v & ~(uintptr_t)1);
}

/* ALG slots: published with release stores, freed after a grace period. */
struct npfct_alg {
	npfct_alg_conn_t alg_fn;
	void		*alg_arg;
	uint32_t	alg_mask;	/* NPFCT_PKT_* flags it wants */
};

/*
 * G/C state (gc.c, gc_service.c).  The grace-period thread waits for
 * grace periods on the G/C's behalf: tickets are requested under gp_lock
 * and published as completed with a release store.
 */
/*
 * A batch of removed connections, with their key slots, waiting for the
 * grace period of its ticket (gc.c).  The G/C has a fixed set of them:
 * a step allocates nothing.
 */
struct npfct_gc_batch {
	struct npfct_gc_batch	*b_next;	/* pending or free list */
	uint64_t		b_ticket;	/* grace-period ticket */
	struct npfct_db		*b_db;		/* tables of the slots */
	struct npfct_conn	*b_conns;	/* linked by c_next */
	unsigned int		b_nconns;
};

#define NPFCT_GC_BATCHES	16

/*
 * A listing cursor (/npfct/conns): where a paged listing resumes.  The G/C
 * moves lc_next on when it unlinks that connection, as it does its own
 * cursors; a flushed database's cursors are dropped.
 */
struct npfct_list_cursor {
	uint64_t		lc_token;	/* 0: free */
	struct npfct_db		*lc_db;
	struct npfct_conn	*lc_next;	/* NULL: the end */
	uint64_t		lc_used;	/* for replacing the oldest */
};

#define NPFCT_LIST_CURSORS	8

/*
 * The grace-period thread's state.  In malloc() memory, not in the
 * instance: an application that exits without npfct_destroy() unmaps the
 * EAL's memory while the thread still sleeps on gp_cond.
 */
struct npfct_gp {
	struct npfct_ctrl_thread gp_thread;
	pthread_mutex_t	gp_lock;
	pthread_cond_t	gp_cond;
	uint64_t	gp_requested;	/* gp_lock */
	uint64_t	gp_completed;	/* release store by the thread */
	bool		gp_stop;	/* gp_lock */
};

struct npfct_gc {
	/* Tunables: any thread, relaxed. */
	uint32_t	gc_step;
	uint32_t	gc_interval_min_ms;
	uint32_t	gc_interval_max_ms;
	uint32_t	gc_early_drop;	/* 0: off */
	/*
	 * Set by establish when a family's pool is short: a bit per family
	 * (1 << NPFCT_AF*), so that early drop evicts from that family;
	 * relaxed.
	 */
	uint32_t	gc_pressure;
	/* The G/C (ct_gc_lock). */
	struct npfct_conn *gc_cursor;	/* next to examine; NULL: head */
	struct npfct_conn *gc_drop_cursor; /* early drop's; NULL: head */
	struct npfct_db	*gc_cursor_db;	/* the list gc_cursor is on */
	struct npfct_gc_batch *gc_pending; /* oldest first */
	struct npfct_gc_batch *gc_pending_tail;
	unsigned int	gc_npending;
	struct npfct_gc_batch *gc_free;	/* unused batches */
	struct npfct_gc_batch gc_batches[NPFCT_GC_BATCHES];
	/* Listing cursors (telemetry.c). */
	struct npfct_list_cursor gc_list[NPFCT_LIST_CURSORS];
	uint64_t	gc_list_tokens;	/* tokens given out */
	uint32_t	gc_interval_ms;	/* current service interval */
	uint64_t	gc_next_tsc;	/* next service step */
	/* The grace-period thread. */
	struct npfct_gp	*gc_gp;		/* control thread */
	/* The DPDK service and the guard its callback gets (gc_service.c). */
	struct gc_guard	*gc_guard;
	uint32_t	gc_service_id;
	bool		gc_service_ok;	/* registered */
};

/* Per-lcore state: counters. */
struct npfct_lcore {
	uint64_t	lc_stats[NPFCT_STAT_MAX];
	uint32_t	lc_in_alg;	/* recursion guard (debug) */
} __rte_cache_aligned;

/*
 * The connections of a family that exist (established and not yet
 * destroyed, including those waiting for their grace period): the hard
 * limit max_conns is checked against it.  Its own line: establish and the
 * G/C write it with atomic adds.
 */
struct npfct_live {
	uint32_t	lv_n;
	uint32_t	lv_nat;		/* second (NAT) entries, max_nat_conns */
} __rte_cache_aligned;

/* The non-EAL slot (shared, updated with atomics). */
#define NPFCT_LCORE_SHARED	RTE_MAX_LCORE

struct npfct_events;
struct npfct_nat;
struct npfct_frag;

struct npfct {
	/* Read by the fast path (read-mostly). */
	struct npfct_db	*ct_db;		/* RCU-published; ct_ctl_lock to set */
	uint32_t	ct_tracking;	/* bool; relaxed */
	uint32_t	ct_alg_mask;	/* union of the ALGs' masks; relaxed */
	struct npfct_alg *ct_algs[NPFCT_ALG_MAX]; /* RCU-published */
	struct npfct_connpool ct_pool[NPFCT_NAF]; /* immutable but caches */
	uint32_t	ct_timeouts[NPFCT_TIMEOUT_MAX]; /* relaxed */
	uint32_t	ct_tcp_max_ack_win; /* immutable */
	/* The extension area after the keys (ext.c); immutable. */
	bool		ct_acct;	/* NPFCT_F_ACCOUNTING */
	uint16_t	ct_udata_off[NPFCT_NAF]; /* user data's offset */
	uint16_t	ct_udata_size;	/* npfct_params::udata_size */
	uint16_t	ct_conn_size[NPFCT_NAF]; /* pool object size */
	uint32_t	ct_ev_mask;	/* events produced (event.c); relaxed */
	struct npfct_events *ct_events;	/* the rings, or NULL; immutable */
	bool		ct_clock_manual; /* set before traffic */
	uint64_t	ct_clock_ns;	/* manual clock; relaxed */
	uint64_t	ct_tsc_hz;	/* immutable */
	uint64_t	ct_tsc_base;	/* immutable */
	npfct_release_t	ct_rproc_release; /* immutable */
	npfct_release_t	ct_nat_release;	/* immutable */
	void		*ct_release_arg; /* immutable */

	/* Control. */
	char		ct_name[NPFCT_NAMESIZE];
	uint32_t	ct_id;		/* unique number for object names */
	uint32_t	ct_dbgen;	/* databases created; atomic */
	uint32_t	ct_max[NPFCT_NAF]; /* maximum connections per family */
	uint32_t	ct_max_nat[NPFCT_NAF]; /* of which with a NAT entry */
	uint32_t	ct_flags;	/* NPFCT_F_* */
	enum npfct_hash_func ct_hash_func; /* as asked; immutable */
	enum npfct_hash_func ct_hash_used; /* resolved (CPU); immutable */
	struct npfct_gc	ct_gc;		/* the G/C */
	int		ct_socket;
	pthread_mutex_t	ct_ctl_lock;	/* load, ALG registration */
	pthread_mutex_t	ct_gc_lock;	/* the G/C (NPF's conn_lock) */
	TAILQ_ENTRY(npfct) ct_entry;	/* instance registry */

	struct npfct_live ct_live[NPFCT_NAF];
	struct npfct_zones *ct_zones;	/* counts and limits; immutable */
	struct npfct_nat *ct_nat;	/* NAT policies (nat.c); immutable */
	/* Fragment handler (frag.c); set and cleared under the registry
	 * lock (npfct_instances_lock()), which telemetry holds to read it. */
	struct npfct_frag *ct_frag;
	struct npfct_lcore ct_lcore[RTE_MAX_LCORE + 1];
} __rte_cache_aligned;

/*
 * Counters: plain per-lcore updates (one writer per slot); threads
 * without an lcore id share the last slot with relaxed atomics.
 */
static inline struct npfct_lcore *
npfct_lcore(struct npfct *ct, unsigned int *shared)
{
	unsigned int id = rte_lcore_id();

	*shared = id >= RTE_MAX_LCORE;
	return &ct->ct_lcore[*shared ? NPFCT_LCORE_SHARED : id];
}

static inline void
npfct_stat_add(struct npfct *ct, enum npfct_stat which, uint64_t n)
{
	unsigned int shared;
	struct npfct_lcore *lc = npfct_lcore(ct, &shared);
	uint64_t *c = &lc->lc_stats[which];

	if (likely(!shared))
		__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
		    __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static inline void
npfct_stat_inc(struct npfct *ct, enum npfct_stat which)
{
	npfct_stat_add(ct, which, 1);
}

/*
 * npfct_live_reserve: count n more connections of family af, unless that
 * would exceed max_conns (the hard limit).
 *
 * => Returns false, counting nothing, if there is no room.  A compare and
 *    swap, not an add undone on failure: the count never passes the
 *    limit, not even for a moment, and a flood of refusals at the limit
 *    only reads the line.  Relaxed: a count, ordering nothing.
 */
static inline bool
npfct_live_reserve(struct npfct *ct, unsigned int af, uint32_t n)
{
	uint32_t *live = &ct->ct_live[af].lv_n;
	const uint32_t max = ct->ct_max[af];
	uint32_t cur = __atomic_load_n(live, __ATOMIC_RELAXED);

	do {
		if (unlikely(n > max || cur > max - n))
			return false;
	} while (!__atomic_compare_exchange_n(live, &cur, cur + n, true,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

/*
 * npfct_live_nat_reserve: count a second (NAT) entry of family af unless
 * max_nat_conns of them exist; npfct_live_nat_release: one is gone.  The
 * tables hold a key slot for each, so that a full bucket pair is the only
 * reason left for an insert to fail (-ENOSPC).
 */
static inline bool
npfct_live_nat_reserve(struct npfct *ct, unsigned int af)
{
	uint32_t *nat = &ct->ct_live[af].lv_nat;
	uint32_t cur = __atomic_load_n(nat, __ATOMIC_RELAXED);

	do {
		if (unlikely(cur >= ct->ct_max_nat[af]))
			return false;
	} while (!__atomic_compare_exchange_n(nat, &cur, cur + 1, true,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

static inline void
npfct_live_nat_release(struct npfct *ct, unsigned int af)
{
	__atomic_fetch_sub(&ct->ct_live[af].lv_nat, 1, __ATOMIC_RELAXED);
}

/* npfct_live_release: n connections of family af are gone. */
static inline void
npfct_live_release(struct npfct *ct, unsigned int af, uint32_t n)
{
	RTE_ASSERT(__atomic_load_n(&ct->ct_live[af].lv_n,
	    __ATOMIC_RELAXED) >= n);
	__atomic_fetch_sub(&ct->ct_live[af].lv_n, n, __ATOMIC_RELAXED);
}

/*
 * Zones (zone.c): the connections of every zone and their limits (0: the
 * default limit; a default of 0: none; NPFCT_ZONE_NO_LIMIT, the largest
 * count, is none in effect).  512 KiB per instance; 16 zones share a
 * cache line of counts.
 */
struct npfct_zones {
	uint32_t	zn_default_limit;	/* relaxed */
	uint32_t	zn_limit[NPFCT_NZONES];	/* relaxed */
	uint32_t	zn_count[NPFCT_NZONES];	/* atomic */
};

/*
 * npfct_zone_reserve: count n more connections in zone, unless that
 * would pass its limit; npfct_zone_release: n are gone.
 */
static inline bool
npfct_zone_reserve(struct npfct *ct, uint16_t zone, uint32_t n)
{
	struct npfct_zones *z = ct->ct_zones;
	uint32_t *count = &z->zn_count[zone];
	uint32_t limit = __atomic_load_n(&z->zn_limit[zone], __ATOMIC_RELAXED);
	uint32_t cur;

	if (limit == 0)
		limit = __atomic_load_n(&z->zn_default_limit,
		    __ATOMIC_RELAXED);
	if (likely(limit == 0 || limit == NPFCT_ZONE_NO_LIMIT)) {
		__atomic_fetch_add(count, n, __ATOMIC_RELAXED);
		return true;
	}
	cur = __atomic_load_n(count, __ATOMIC_RELAXED);
	do {
		if (n > limit || cur > limit - n)
			return false;
	} while (!__atomic_compare_exchange_n(count, &cur, cur + n, true,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

static inline void
npfct_zone_release(struct npfct *ct, uint16_t zone, uint32_t n)
{
	RTE_ASSERT(__atomic_load_n(&ct->ct_zones->zn_count[zone],
	    __ATOMIC_RELAXED) >= n);
	__atomic_fetch_sub(&ct->ct_zones->zn_count[zone], n,
	    __ATOMIC_RELAXED);
}

/* The connections of a family that exist now (a snapshot). */
static inline uint32_t
npfct_live_count(const struct npfct *ct, unsigned int af)
{
	return __atomic_load_n(&ct->ct_live[af].lv_n, __ATOMIC_RELAXED);
}

/*
 * Whether a family's pool is short: fewer than 1/16 of its connections
 * left.  Only then does a refused establish ask for an early drop.
 */
static inline bool
npfct_live_short_p(const struct npfct *ct, unsigned int af)
{
	return npfct_live_count(ct, af) >=
	    ct->ct_max[af] - ct->ct_max[af] / 16;
}

/* Clock: nanoseconds, and the coarse seconds stamped into c_atime. */
static inline uint64_t
npfct_clock_ns(const struct npfct *ct)
{
	if (unlikely(ct->ct_clock_manual))
		return __atomic_load_n(&ct->ct_clock_ns, __ATOMIC_RELAXED);
	return (uint64_t)((double)(rte_get_tsc_cycles() - ct->ct_tsc_base) *
	    1e9 / (double)ct->ct_tsc_hz);
}

static inline uint32_t
npfct_clock_sec(const struct npfct *ct)
{
	return (uint32_t)(npfct_clock_ns(ct) / 1000000000ull);
}

/* The current database (rcu_dereference()). */
static inline struct npfct_db *
npfct_db_get(const struct npfct *ct)
{
	return __atomic_load_n(&ct->ct_db, __ATOMIC_ACQUIRE);
}

static inline bool
npfct_tracking_on(const struct npfct *ct)
{
	return __atomic_load_n(&ct->ct_tracking, __ATOMIC_RELAXED) != 0;
}

/* conn.c */
struct npfct_conn *npfct_conn_alloc(struct npfct *ct, unsigned int alen);
void npfct_conn_destroy(struct npfct *ct, struct npfct_conn *con);
bool npfct_conn_expired_p(const struct npfct *ct,
		const struct npfct_conn *con, uint32_t now);
bool npfct_conn_state_tcp(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_pkt *pkt, bool forw);
struct npfct_conn *npfct_conn_lookup_key(struct npfct *ct,
		const uint32_t *key, const struct npfct_pkt *pkt, int di,
		bool *forw);
int npfct_conn_entries_insert(struct npfct_db *db, struct npfct_conn *con);
int32_t npfct_conn_entry_remove(struct npfct_db *db, struct npfct_conn *con,
		bool second);

/* c_fpos/c_bpos of an entry inserted and not removed (import). */
#define NPFCT_POS_INSERTED	(-2)

void npfct_conn_info_locked(const struct npfct *ct, struct npfct_conn *con,
		struct npfct_conn_info *info);
void npfct_conn_activate(struct npfct_conn *con, unsigned int reason);

/*
 * npfct_conn_check: the checks of npf_conn_lookup() on a found entry.
 *
 * => second: the entry found is the connection's second (NAT) entry;
 *    swapped: the packet travels against the canonical order.
 * => Returns the connection if the packet's key is its forwards key
 *    (*forw set) or its backwards key (*forw cleared), it is active and
 *    not expired, bound to the packet's interface or global, and the
 *    packet's direction agrees with the stream.  Otherwise NULL.
 * => The caller stamps the activity time (npfct_conn_touch()) once the
 *    packet is accepted: an invalid packet must not keep a connection
 *    alive.
 */
static inline struct npfct_conn *
npfct_conn_check(struct npfct_conn *con, bool second, bool swapped,
		const struct npfct_pkt *pkt, int di, bool *forwp)
{
	/*
	 * Acquire: pairs with the release that set CONN_ACTIVE, and with
	 * the one that set CONN_NATKEY before the second entry was added.
	 */
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_ACQUIRE);
	bool forw, pforw;

	if (unlikely((flags & (CONN_ACTIVE | CONN_EXPIRE)) != CONN_ACTIVE))
		return NULL;
	if (unlikely((flags & CONN_IFBOUND) && con->c_ifid != pkt->ifid))
		return NULL;
	if (likely(!second)) {
		/*
		 * The first entry holds the forwards key and its inversion;
		 * with NAT, the inversion is not the backwards key.
		 */
		forw = swapped == ((flags & CONN_FSWAP) != 0);
		/* The flag first: forw is random from packet to packet. */
		if (unlikely((flags & CONN_NATKEY) && !forw))
			return NULL;
	} else {
		/* The second holds the backwards key and its inversion. */
		if (swapped != ((flags & CONN_BSWAP) != 0))
			return NULL;
		forw = false;
	}
	pforw = (int)(flags & NPFCT_DIR_MASK) == di;
	if (unlikely(pforw != forw))
		return NULL;
	*forwp = forw;
	return con;
}

/*
 * npfct_state_generic_inspect: the generic machine (state.c): it only
 * moves forwards and the move is idempotent, so it needs no lock.
 */
static inline void
npfct_state_generic_inspect(struct npfct_state *st, bool forw)
{
	uint8_t s = __atomic_load_n(&st->nst_state, __ATOMIC_RELAXED);

	if (s == NPFCT_GSTATE_CLOSED && forw)
		s = NPFCT_GSTATE_NEW;
	else if (s == NPFCT_GSTATE_NEW && !forw)
		s = NPFCT_GSTATE_ESTABLISHED;
	else
		return;
	__atomic_store_n(&st->nst_state, s, __ATOMIC_RELAXED);
}

/*
 * npfct_conn_state_inspect: run the protocol state inspection.
 *
 * => TCP under c_lock; the generic machine without it.
 */
static inline bool
npfct_conn_state_inspect(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_pkt *pkt, bool forw)
{
	if (likely(con->c_proto != IPPROTO_TCP)) {
		npfct_state_generic_inspect(&con->c_state, forw);
		return true;
	}
	return npfct_conn_state_tcp(ct, con, pkt, forw);
}

/*
 * npfct_conn_idle: seconds since the connection's last activity.
 *
 * => 0 if an lcore stamped a second newer than 'now' (read earlier by the
 *    caller): a connection is never older than idle, and an unsigned
 *    difference would make it 136 years old.
 */
static inline uint32_t
npfct_conn_idle(const struct npfct_conn *con, uint32_t now)
{
	const int32_t d = (int32_t)(now - __atomic_load_n(&con->c_atime,
	    __ATOMIC_RELAXED));

	return d > 0 ? (uint32_t)d : 0;
}

/* Stamp the activity time, writing only when the clock moved. */
static inline void
npfct_conn_touch(struct npfct_conn *con, uint32_t now)
{
	if (__atomic_load_n(&con->c_atime, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&con->c_atime, now, __ATOMIC_RELAXED);
}

/* alg.c, alg_icmp.c */
struct npfct_conn *npfct_alg_conn(struct npfct *ct,
		const struct npfct_pkt *pkt, int di);
int npfct_alg_register_mask(struct npfct *ct, npfct_alg_conn_t fn,
		void *arg, uint32_t mask);
int npfct_alg_icmp_register(struct npfct *ct);

/* Whether any ALG wants to see the packet. */
static inline bool
npfct_alg_wanted_p(const struct npfct *ct, const struct npfct_pkt *pkt)
{
	return (pkt->flags & __atomic_load_n(&ct->ct_alg_mask,
	    __ATOMIC_RELAXED)) != 0;
}

/* gc.c */
void npfct_gc_batches_init(struct npfct *ct);
unsigned int npfct_gc_step(struct npfct *ct, unsigned int *removed);
unsigned int npfct_gc_db_flush(struct npfct *ct, struct npfct_db *db,
		bool pending);

/* gc_service.c */
int npfct_gc_init(struct npfct *ct, const struct npfct_gc_params *p);
void npfct_gc_fini(struct npfct *ct);
uint64_t npfct_gc_gp_request(struct npfct *ct);

static inline uint64_t
npfct_gc_gp_completed(const struct npfct *ct)
{
	/* Acquire: pairs with the grace-period thread's release. */
	return __atomic_load_n(&ct->ct_gc.gc_gp->gp_completed,
	    __ATOMIC_ACQUIRE);
}

/*
 * gc_pressure bits: 1 << af, family af is short of connections (early
 * drop in it); NPFCT_GC_HURRY, a zone is at its limit (the next step now,
 * to collect what expired there; no early drop).
 */
#define NPFCT_GC_FAMILIES	((1u << NPFCT_NAF) - 1)
#define NPFCT_GC_HURRY		(1u << NPFCT_NAF)

static inline void
npfct_gc_pressure_set(struct npfct *ct, uint32_t bit)
{
	/* Written only when the bit is not set yet, so a flood of
	 * refusals does not bounce the line. */
	if ((__atomic_load_n(&ct->ct_gc.gc_pressure, __ATOMIC_RELAXED) &
	    bit) == 0)
		__atomic_fetch_or(&ct->ct_gc.gc_pressure, bit,
		    __ATOMIC_RELAXED);
}

/* Establish found family af short of connections: early drop in it. */
static inline void
npfct_gc_pressure(struct npfct *ct, unsigned int af)
{
	npfct_gc_pressure_set(ct, 1u << af);
}

/* Establish found a zone at its limit: the G/C's next step now. */
static inline void
npfct_gc_hurry(struct npfct *ct)
{
	npfct_gc_pressure_set(ct, NPFCT_GC_HURRY);
}

/* export.c: the length of an image of n records. */
uint64_t npfct_export_image_len(uint64_t n);

/* filter.c */
int npfct_filter_check(const struct npfct_filter *f);
bool npfct_filter_match(const struct npfct_filter *f,
		struct npfct_conn *con);

/* instance.c: the registry (telemetry) */
void npfct_instances_lock(void);
void npfct_instances_unlock(void);
struct npfct *npfct_instance_lookup(const char *name);
void npfct_instances_walk(void (*fn)(struct npfct *, void *), void *arg);

/* telemetry.c */
void npfct_telemetry_init(void);
/*
 * "NAME[,ARG]" of a telemetry command: the instance with the registry
 * locked (npfct_instances_unlock() when done), or NULL (unlocked).
 */
struct npfct *npfct_tel_instance(const char *params, uint64_t *arg);

/* frag.c: the instance's fragment handler goes with it; its telemetry. */
void npfct_frag_fini(struct npfct *ct);
void npfct_frag_telemetry_register(void);

/* stats.c */
enum npfct_stat npfct_stat_parse(enum npfct_parse_status status);

#endif /* NPFCT_IMPL_H */
