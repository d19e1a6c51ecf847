/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * frag.c: the fragment handler - virtual reassembly, so that every
 * fragment of a datagram gets the datagram's verdict and connection.
 *
 * Overview
 *
 *	A datagram is known by its fragment key: zone, family, addresses,
 *	protocol and identification (IPv4: 16 bits, RFC 791, with the
 *	protocol as Linux and DPDK 26.07 key it; IPv6: 32 bits from the
 *	fragment header, and the next header after it).  Its record holds
 *	what the later fragments need and what the checks need:
 *
 *	  - state: OPEN (the first fragment not yet decided), PASS (the
 *	    application forwarded the first fragment: later fragments pass
 *	    with the connection found by the first fragment's ports), DROP
 *	    (the first fragment was dropped, or the datagram refused);
 *	  - the first fragment's ports (or ICMP query id), stamped into
 *	    each later fragment's npfct_pkt so that npfct_conn_lookup() and
 *	    npfct_nat_translate() treat it as its datagram;
 *	  - the byte ranges received [start, end) of the fragmentable part
 *	    with a CRC32C of each range's data (duplicate or overlap), the
 *	    end of the datagram once the last fragment came, the bytes seen
 *	    (complete when they reach the end);
 *	  - a list of held fragments: later fragments that came before the
 *	    first fragment was decided, in arrival order;
 *	  - its birth and deadline (birth + the family's timeout).
 *
 *	One record per datagram lives in a bucket of FRAG_WAYS ways chosen
 *	by SipHash-1-3 of the key under the handler's own random key, so a
 *	sender cannot aim its datagrams at one bucket.  A datagram is freed
 *	when it completes (PASS and every byte seen), when its deadline
 *	passes (found on any access to its bucket or by npfct_frag_expire())
 *	or when a full bucket evicts its oldest record.  A refused datagram
 *	stays DROP until its deadline so that its remaining fragments are
 *	dropped too.
 *
 *	Held fragments are records of a pool of max_held (a copy of the
 *	parsed packet, the direction, the next index), free indexes in an
 *	MP/MC ring; a record is on one list at a time: the ring, a
 *	datagram's held list, or an lcore's ready list.  When the first
 *	fragment passes, the datagram's held list is spliced onto the
 *	deciding lcore's ready list, which npfct_frag_drain() empties; when
 *	it is dropped, the held mbufs are freed.
 *
 *	Checks, per fragment, in this order: the datagram's end within
 *	65535 bytes of IP length (FRAG_TOO_LONG); a non-empty fragment
 *	whose length is a multiple of 8 unless it is the last, ends that
 *	agree with the last fragment's (FRAG_BAD); for TCP, no later
 *	fragment starting inside the 20-byte minimum header (FRAG_TINY,
 *	RFC 1858); each received range: the same offsets and CRC (of a
 *	first fragment: past the layer 4 header's fixed part, which NAT
 *	rewrites) is a
 *	duplicate (FRAG_DUPLICATE, the copy dropped, the datagram goes on),
 *	any other intersection an overlap (FRAG_OVERLAP); at most max_frags
 *	ranges (FRAG_TOO_MANY).  A first fragment that the parser found
 *	without its whole layer 4 header or IPv6 header chain is FRAG_TINY.
 *	Every refusal but a duplicate makes the datagram DROP and frees its
 *	held fragments.
 *
 * Synchronisation
 *
 *	A bucket's spinlock protects its records and their ranges and held
 *	lists.  The free ring is MP/MC.  A ready list belongs to its lcore
 *	(written by npfct_frag_burst() and read by npfct_frag_drain() on
 *	that lcore only).  fr_ndgrams and fr_nheld are relaxed counts for
 *	npfct_frag_info_get().  The connection pointers the calls return
 *	come from npfct_conn_lookup() on the calling lcore: the reference
 *	contract (valid until its next quiescent state).  npfct_frag_create()
 *	publishes the handler in the instance under the instance registry's
 *	lock, which telemetry takes to read it.
 *
 * Lock order
 *
 *	One bucket lock at a time; never with the G/C lock (the handler
 *	only looks connections up).
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_spinlock.h>

#include "npfct_conn.h"
#include "npfct_frag.h"
#include "npfct_hash.h"
#include "npfct_impl.h"

#define FRAG_WAYS		8
#define FRAG_NONE		UINT32_MAX
#define FRAG_DATAGRAMS_MAX	(1u << 22)
#define FRAG_HELD_MAX		(1u << 20)
#define FRAG_TIMEOUT_MAX_MS	(3600u * 1000u)
/* Largest IP datagram (RFC 791 total length, RFC 8200 payload length). */
#define FRAG_IP_MAX		65535u
/* RFC 1858: a TCP fragment may not start within the minimum header. */
#define FRAG_TCP_MIN_HDR	20u

enum frag_state {
	FS_FREE = 0,
	FS_OPEN,
	FS_PASS,
	FS_DROP,
};

/* Fragment key: whole 8-byte words for SipHash. */
struct frag_key {
	uint32_t	fk_src[4];
	uint32_t	fk_dst[4];
	uint32_t	fk_id;
	uint16_t	fk_zone;
	uint8_t		fk_proto;
	uint8_t		fk_alen;
	uint32_t	fk_pad[2];
};

/* A range of the fragmentable part received, and its data's CRC32C. */
struct frag_range {
	uint16_t	rg_start;
	uint16_t	rg_end;
	uint32_t	rg_crc;
};

/* A datagram; protected by its bucket's lock. */
struct frag_dgram {
	struct frag_key	fd_key;
	uint64_t	fd_born;	/* ns, the instance's clock */
	uint64_t	fd_deadline;	/* ns */
	uint32_t	fd_held_head;	/* held list, FRAG_NONE: empty */
	uint32_t	fd_held_tail;
	uint32_t	fd_bytes;	/* bytes of the ranges */
	uint32_t	fd_end;		/* datagram end, once fd_last */
	uint16_t	fd_nranges;
	uint16_t	fd_nheld;
	rte_be16_t	fd_sport;	/* the first fragment's ports */
	rte_be16_t	fd_dport;
	uint8_t		fd_state;	/* enum frag_state */
	uint8_t		fd_last;	/* the last fragment came */
};

struct frag_bucket {
	rte_spinlock_t	fb_lock;
} __rte_cache_aligned;

/* A held fragment (pool record). */
struct frag_held {
	struct npfct_pkt fh_pkt;
	uint32_t	fh_next;
	uint8_t		fh_di;
};

/* Released fragments waiting for npfct_frag_drain(); lcore-private. */
struct frag_ready {
	uint32_t	rd_head;
	uint32_t	rd_tail;
	uint32_t	rd_n;		/* relaxed: npfct_frag_info_get() */
} __rte_cache_aligned;

struct npfct_frag {
	struct npfct	*fr_ct;
	struct npfct_frag_params fr_params;
	uint64_t	fr_timeout_ns[NPFCT_NAF];
	uint64_t	fr_sip[2];	/* SipHash-1-3 key */
	uint32_t	fr_mask;	/* buckets - 1 */
	uint32_t	fr_ndgrams;	/* relaxed count */
	uint32_t	fr_nheld;	/* relaxed count */
	struct frag_bucket *fr_buckets;
	struct frag_dgram *fr_dgrams;	/* buckets * FRAG_WAYS */
	struct frag_range *fr_ranges;	/* per record: max_frags */
	struct frag_held *fr_held;	/* max_held */
	struct rte_ring	*fr_free;	/* free held indexes */
	struct frag_ready fr_ready[RTE_MAX_LCORE];
};

/* What a fragment says about itself (frag_read()). */
struct frag_info {
	uint32_t	fi_start;	/* offset in the fragmentable part */
	uint32_t	fi_end;
	uint32_t	fi_max_end;	/* largest end of a 65535-byte datagram */
	uint32_t	fi_data;	/* offset of its data in the mbuf */
	bool		fi_more;	/* MF */
};

/*
 * Parameters and life-cycle.
 */

static int
frag_params_resolve(const struct npfct_frag_params *in,
		struct npfct_frag_params *p)
{
	static const struct npfct_frag_params zero;

	*p = in != NULL ? *in : zero;
	if (p->reserved != 0 || p->max_datagrams > FRAG_DATAGRAMS_MAX ||
	    p->max_held > FRAG_HELD_MAX || p->max_frags > NPFCT_FRAG_FRAGS_MAX ||
	    p->timeout4_ms > FRAG_TIMEOUT_MAX_MS ||
	    p->timeout6_ms > FRAG_TIMEOUT_MAX_MS)
		return -EINVAL;
	if (p->max_datagrams == 0)
		p->max_datagrams = NPFCT_FRAG_DATAGRAMS_DEFAULT;
	p->max_datagrams = rte_align32pow2(RTE_MAX(p->max_datagrams,
	    (uint32_t)FRAG_WAYS));
	if (p->max_held == 0)
		p->max_held = NPFCT_FRAG_HELD_DEFAULT;
	if (p->max_frags == 0)
		p->max_frags = NPFCT_FRAG_FRAGS_DEFAULT;
	if (p->timeout4_ms == 0)
		p->timeout4_ms = NPFCT_FRAG_TIMEOUT4_DEFAULT;
	if (p->timeout6_ms == 0)
		p->timeout6_ms = NPFCT_FRAG_TIMEOUT6_DEFAULT;
	return 0;
}

/* The handler's memory (create's unwinding: any part may be NULL). */
static void
frag_mem_free(struct npfct_frag *fr)
{
	rte_ring_free(fr->fr_free);
	rte_free(fr->fr_held);
	rte_free(fr->fr_ranges);
	rte_free(fr->fr_dgrams);
	rte_free(fr->fr_buckets);
	rte_free(fr);
}

struct npfct_frag *
npfct_frag_create(struct npfct *ct, const struct npfct_frag_params *params)
{
	struct npfct_frag_params p;
	struct npfct_hash h;
	struct npfct_frag *fr;
	char name[RTE_RING_NAMESIZE];
	uint32_t i, nrec;
	int ret;

	if (ct == NULL || frag_params_resolve(params, &p) != 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* Checked again when it is published (a racing create). */
	if (__atomic_load_n(&ct->ct_frag, __ATOMIC_RELAXED) != NULL) {
		rte_errno = EEXIST;
		return NULL;
	}
	ret = npfct_hash_init(&h, NPFCT_HASH_SIPHASH13,
	    (ct->ct_flags & NPFCT_F_FIXED_HASH_SEED) != 0);
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	fr = rte_zmalloc_socket("npfct_frag", sizeof(*fr), RTE_CACHE_LINE_SIZE,
	    ct->ct_socket);
	if (fr == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	fr->fr_ct = ct;
	fr->fr_params = p;
	fr->fr_timeout_ns[NPFCT_AF4] = (uint64_t)p.timeout4_ms * 1000000ull;
	fr->fr_timeout_ns[NPFCT_AF6] = (uint64_t)p.timeout6_ms * 1000000ull;
	memcpy(fr->fr_sip, h.h_sip, sizeof(fr->fr_sip));
	memset(&h, 0, sizeof(h));
	nrec = p.max_datagrams;
	fr->fr_mask = nrec / FRAG_WAYS - 1;
	fr->fr_buckets = rte_zmalloc_socket("npfct_frag_b", sizeof(struct
	    frag_bucket) * (nrec / FRAG_WAYS), RTE_CACHE_LINE_SIZE,
	    ct->ct_socket);
	fr->fr_dgrams = rte_zmalloc_socket("npfct_frag_d",
	    sizeof(struct frag_dgram) * nrec, RTE_CACHE_LINE_SIZE,
	    ct->ct_socket);
	fr->fr_ranges = rte_malloc_socket("npfct_frag_r",
	    sizeof(struct frag_range) * nrec * p.max_frags,
	    RTE_CACHE_LINE_SIZE, ct->ct_socket);
	fr->fr_held = rte_zmalloc_socket("npfct_frag_h",
	    sizeof(struct frag_held) * p.max_held, RTE_CACHE_LINE_SIZE,
	    ct->ct_socket);
	snprintf(name, sizeof(name), "npfct_frag_%u", ct->ct_id);
	fr->fr_free = rte_ring_create_elem(name, sizeof(uint32_t),
	    p.max_held, ct->ct_socket, RING_F_EXACT_SZ);
	if (fr->fr_buckets == NULL || fr->fr_dgrams == NULL ||
	    fr->fr_ranges == NULL || fr->fr_held == NULL ||
	    fr->fr_free == NULL)
		goto nomem;
	for (i = 0; i <= fr->fr_mask; i++)
		rte_spinlock_init(&fr->fr_buckets[i].fb_lock);
	for (i = 0; i < p.max_held; i++)
		if (rte_ring_enqueue_elem(fr->fr_free, &i, sizeof(i)) != 0)
			goto nomem;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		fr->fr_ready[i].rd_head = fr->fr_ready[i].rd_tail = FRAG_NONE;

	npfct_instances_lock();
	if (ct->ct_frag != NULL) {
		npfct_instances_unlock();
		rte_errno = EEXIST;
		goto fail;
	}
	__atomic_store_n(&ct->ct_frag, fr, __ATOMIC_RELAXED);
	npfct_instances_unlock();
	NPFCT_LOG(DEBUG, "%s: fragment handler: %u datagrams, %u held, "
	    "%u fragments each", ct->ct_name, p.max_datagrams, p.max_held,
	    p.max_frags);
	return fr;
nomem:
	rte_errno = ENOMEM;
fail:
	frag_mem_free(fr);
	return NULL;
}

/* Free every held mbuf of a list. */
static void
held_list_free(struct npfct_frag *fr, uint32_t idx)
{
	while (idx != FRAG_NONE) {
		struct frag_held *h = &fr->fr_held[idx];
		const uint32_t next = h->fh_next;

		rte_pktmbuf_free(h->fh_pkt.mbuf);
		h->fh_pkt.mbuf = NULL;
		__atomic_fetch_sub(&fr->fr_nheld, 1, __ATOMIC_RELAXED);
		/* Cannot fail: the ring has room for every record. */
		rte_ring_enqueue_elem(fr->fr_free, &idx, sizeof(idx));
		idx = next;
	}
}

/* The instance's destroy, or the application's. */
static void
frag_free(struct npfct_frag *fr)
{
	uint32_t i;

	for (i = 0; i < (fr->fr_mask + 1) * FRAG_WAYS; i++)
		if (fr->fr_dgrams[i].fd_state != FS_FREE)
			held_list_free(fr, fr->fr_dgrams[i].fd_held_head);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		held_list_free(fr, fr->fr_ready[i].rd_head);
	frag_mem_free(fr);
}

void
npfct_frag_destroy(struct npfct_frag *fr)
{
	if (fr == NULL)
		return;
	npfct_instances_lock();
	__atomic_store_n(&fr->fr_ct->ct_frag, NULL, __ATOMIC_RELAXED);
	npfct_instances_unlock();
	frag_free(fr);
}

/* npfct_destroy(): the instance is out of the registry already. */
void
npfct_frag_fini(struct npfct *ct)
{
	if (ct->ct_frag != NULL)
		frag_free(ct->ct_frag);
	ct->ct_frag = NULL;
}

struct npfct_frag *
npfct_frag_get(const struct npfct *ct)
{
	return ct != NULL ? __atomic_load_n(&ct->ct_frag, __ATOMIC_RELAXED) :
	    NULL;
}

/*
 * Records and buckets.
 */

static inline struct frag_range *
dgram_ranges(const struct npfct_frag *fr, const struct frag_dgram *d)
{
	return &fr->fr_ranges[(size_t)(d - fr->fr_dgrams) *
	    fr->fr_params.max_frags];
}

/* Forget a datagram, freeing its held fragments. */
static void
dgram_free(struct npfct_frag *fr, struct frag_dgram *d)
{
	held_list_free(fr, d->fd_held_head);
	d->fd_held_head = d->fd_held_tail = FRAG_NONE;
	d->fd_nheld = 0;
	d->fd_state = FS_FREE;
	__atomic_fetch_sub(&fr->fr_ndgrams, 1, __ATOMIC_RELAXED);
}

/* Its deadline passed: incomplete (a refused one is counted already). */
static void
dgram_expire(struct npfct_frag *fr, struct frag_dgram *d)
{
	if (d->fd_state != FS_DROP) {
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_TIMEOUT);
		if (d->fd_nheld != 0)
			npfct_stat_add(fr->fr_ct, NPFCT_STAT_FRAG_DROPPED,
			    d->fd_nheld);
	}
	dgram_free(fr, d);
}

/* Refuse a datagram: its held fragments are dropped, and what comes. */
static void
dgram_refuse(struct npfct_frag *fr, struct frag_dgram *d)
{
	if (d->fd_nheld != 0)
		npfct_stat_add(fr->fr_ct, NPFCT_STAT_FRAG_DROPPED, d->fd_nheld);
	held_list_free(fr, d->fd_held_head);
	d->fd_held_head = d->fd_held_tail = FRAG_NONE;
	d->fd_nheld = 0;
	d->fd_state = FS_DROP;
}

/*
 * bucket_find: the record of key in its bucket, or a new one.
 *
 * => The bucket is locked.  Records past their deadline are freed on
 *    the way.  A full bucket evicts its oldest record.
 */
static struct frag_dgram *
bucket_find(struct npfct_frag *fr, struct frag_dgram *way,
		const struct frag_key *key, uint64_t now)
{
	struct frag_dgram *d, *freeway = NULL, *oldest = NULL;
	unsigned int i;

	for (i = 0; i < FRAG_WAYS; i++) {
		d = &way[i];
		if (d->fd_state == FS_FREE) {
			if (freeway == NULL)
				freeway = d;
			continue;
		}
		if (d->fd_deadline <= now) {
			dgram_expire(fr, d);
			if (freeway == NULL)
				freeway = d;
			continue;
		}
		if (memcmp(&d->fd_key, key, sizeof(*key)) == 0)
			return d;
		if (oldest == NULL || d->fd_born < oldest->fd_born)
			oldest = d;
	}
	if (freeway == NULL) {
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_EVICTED);
		if (oldest->fd_nheld != 0)
			npfct_stat_add(fr->fr_ct, NPFCT_STAT_FRAG_DROPPED,
			    oldest->fd_nheld);
		dgram_free(fr, oldest);
		freeway = oldest;
	}
	d = freeway;
	d->fd_key = *key;
	d->fd_born = now;
	d->fd_deadline = now + fr->fr_timeout_ns[npfct_af_index(key->fk_alen)];
	d->fd_held_head = d->fd_held_tail = FRAG_NONE;
	d->fd_bytes = 0;
	d->fd_end = 0;
	d->fd_nranges = 0;
	d->fd_nheld = 0;
	d->fd_sport = d->fd_dport = 0;
	d->fd_state = FS_OPEN;
	d->fd_last = 0;
	__atomic_fetch_add(&fr->fr_ndgrams, 1, __ATOMIC_RELAXED);
	return d;
}

/*
 * Reading a fragment.
 */

/*
 * frag_read: the key and the ranges of a fragment.
 *
 * => Returns 1 for a fragment, 0 for a packet to leave alone (not a
 *    fragment, an IPv6 atomic fragment, headers not parsed), -1 for a
 *    fragment too broken to place (counted by the caller as FRAG_BAD).
 */
static int
frag_read(const struct npfct_pkt *pkt, struct frag_key *key,
		struct frag_info *fi)
{
	uint8_t buf[8];
	const uint8_t *h;
	uint32_t off, hdr, end;

	if ((pkt->flags & NPFCT_PKT_FRAG) == 0 || pkt->mbuf == NULL)
		return 0;
	memset(key, 0, sizeof(*key));
	key->fk_alen = pkt->alen;
	key->fk_zone = pkt->zone;
	memcpy(key->fk_src, pkt->src.a8, pkt->alen);
	memcpy(key->fk_dst, pkt->dst.a8, pkt->alen);
	if (pkt->flags & NPFCT_PKT_IP4) {
		/* Identification, flags and offset: bytes 4-7. */
		h = rte_pktmbuf_read(pkt->mbuf, pkt->frag_hdr + 4u, 4, buf);
		if (h == NULL)
			return -1;
		off = ((uint32_t)(h[2] & 0x1f) << 8 | h[3]) << 3;
		fi->fi_more = (h[2] & 0x20) != 0;
		key->fk_id = (uint32_t)h[0] << 8 | h[1];
		key->fk_proto = pkt->proto;
		hdr = (uint32_t)pkt->l4_off - pkt->frag_hdr;
		fi->fi_data = pkt->l4_off;
		end = (uint32_t)pkt->l4_off + pkt->l4_len;
	} else {
		uint8_t lb[2];
		const uint8_t *l;

		/* Fragment header: next header, reserved, offset, id. */
		h = rte_pktmbuf_read(pkt->mbuf, pkt->frag_hdr, 8, buf);
		l = rte_pktmbuf_read(pkt->mbuf, pkt->l3_off + 4u, 2, lb);
		if (h == NULL || l == NULL)
			return -1;
		off = ((uint32_t)h[2] << 8 | h[3]) & 0xfff8;
		fi->fi_more = (h[3] & 1) != 0;
		if (off == 0 && !fi->fi_more)
			return 0;	/* RFC 6946: atomic, not a fragment */
		key->fk_id = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
		    (uint32_t)h[6] << 8 | h[7];
		key->fk_proto = h[0];
		/* The unfragmentable part stays in the reassembled packet. */
		hdr = (uint32_t)pkt->frag_hdr - pkt->l3_off -
		    (uint32_t)sizeof(struct rte_ipv6_hdr);
		fi->fi_data = (uint32_t)pkt->frag_hdr + 8;
		end = (uint32_t)pkt->l3_off + sizeof(struct rte_ipv6_hdr) +
		    ((uint32_t)l[0] << 8 | l[1]);
		if (end < fi->fi_data)
			return -1;
	}
	fi->fi_start = off;
	fi->fi_end = off + (end - fi->fi_data);
	fi->fi_max_end = FRAG_IP_MAX - RTE_MIN(hdr, FRAG_IP_MAX);
	return 1;
}

/* CRC32C of bytes at any alignment (rte_hash_crc() loads 8 bytes at
 * a time through a cast: misaligned for data after odd headers). */
static uint32_t
crc_bytes(const uint8_t *p, uint32_t n, uint32_t crc)
{
	uint64_t v;

	for (; n >= sizeof(v); n -= sizeof(v), p += sizeof(v)) {
		memcpy(&v, p, sizeof(v));
		crc = rte_hash_crc_8byte(v, crc);
	}
	for (; n > 0; n--, p++)
		crc = rte_hash_crc_1byte(*p, crc);
	return crc;
}

/* CRC32C of a fragment's data (any segmentation gives the same). */
static uint32_t
frag_crc(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint32_t crc = 0xffffffff, n;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m != NULL && len > 0) {
		n = RTE_MIN(len, (uint32_t)m->data_len - off);
		crc = crc_bytes(rte_pktmbuf_mtod_offset(m, const uint8_t *, off),
		    n, crc);
		len -= n;
		off = 0;
		m = m->next;
	}
	return crc;
}

/*
 * range_crc: the CRC of a fragment's range.  For a first fragment the
 * layer 4 header's fixed part (TCP 20 bytes, UDP and ICMP 8), which NAT
 * rewrites (ports, query id, checksum), is left out, so that a duplicate
 * of a translated first fragment is still a duplicate.
 */
static uint32_t
range_crc(const struct npfct_pkt *pkt, const struct frag_info *fi)
{
	uint32_t skip = 0, len = fi->fi_end - fi->fi_start;

	if (fi->fi_start == 0 && (pkt->flags & NPFCT_PKT_L4) != 0) {
		skip = (uint32_t)pkt->l4_off - fi->fi_data +
		    (pkt->proto == IPPROTO_TCP ? 20u : 8u);
		skip = RTE_MIN(skip, len);
	}
	return frag_crc(pkt->mbuf, fi->fi_data + skip, len - skip);
}

/* range_add() results. */
enum frag_check {
	FC_OK = 0,
	FC_DUPLICATE,
	FC_REFUSED,		/* counted */
};

/*
 * range_add: check a fragment against its datagram and record it.
 *
 * => Returns FC_OK (recorded), FC_DUPLICATE (counted, not recorded) or
 *    FC_REFUSED (counted; the caller refuses the datagram).
 */
static enum frag_check
range_add(struct npfct_frag *fr, struct frag_dgram *d,
		const struct npfct_pkt *pkt, const struct frag_info *fi)
{
	struct frag_range *rg = dgram_ranges(fr, d);
	const uint32_t s = fi->fi_start, e = fi->fi_end;
	uint32_t crc;
	unsigned int i;

	if (e > fi->fi_max_end) {
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_TOO_LONG);
		return FC_REFUSED;
	}
	if (e == s || (fi->fi_more && ((e - s) & 7) != 0) ||
	    (d->fd_last && (e > d->fd_end || (!fi->fi_more && e != d->fd_end) ||
	    (fi->fi_more && e == d->fd_end)))) {
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_BAD);
		return FC_REFUSED;
	}
	if (s != 0 && s < FRAG_TCP_MIN_HDR && d->fd_key.fk_proto ==
	    IPPROTO_TCP) {
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_TINY);
		return FC_REFUSED;
	}
	for (i = 0; i < d->fd_nranges; i++) {
		if (s >= rg[i].rg_end || rg[i].rg_start >= e)
			continue;
		if (s == rg[i].rg_start && e == rg[i].rg_end) {
			crc = range_crc(pkt, fi);
			if (crc == rg[i].rg_crc) {
				npfct_stat_inc(fr->fr_ct,
				    NPFCT_STAT_FRAG_DUPLICATE);
				return FC_DUPLICATE;
			}
		}
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_OVERLAP);
		return FC_REFUSED;
	}
	if (!fi->fi_more) {
		/* The last fragment: nothing received may lie beyond it. */
		for (i = 0; i < d->fd_nranges; i++)
			if (rg[i].rg_end > e) {
				npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_BAD);
				return FC_REFUSED;
			}
	}
	if (d->fd_nranges == fr->fr_params.max_frags) {
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_TOO_MANY);
		return FC_REFUSED;
	}
	crc = range_crc(pkt, fi);
	rg[d->fd_nranges].rg_start = (uint16_t)s;
	rg[d->fd_nranges].rg_end = (uint16_t)e;
	rg[d->fd_nranges].rg_crc = crc;
	d->fd_nranges++;
	d->fd_bytes += e - s;
	if (!fi->fi_more) {
		d->fd_last = 1;
		d->fd_end = e;
	}
	return FC_OK;
}

/*
 * Holding and releasing.
 */

/* Take a pool record; when none is left, the bucket's oldest holder
 * gives its fragments back (refused).  FRAG_NONE: nothing to take. */
static uint32_t
held_take(struct npfct_frag *fr, struct frag_dgram *way,
		struct frag_dgram *self)
{
	struct frag_dgram *oldest = NULL;
	uint32_t idx;
	unsigned int i;

	if (rte_ring_dequeue_elem(fr->fr_free, &idx, sizeof(idx)) == 0)
		return idx;
	for (i = 0; i < FRAG_WAYS; i++) {
		struct frag_dgram *d = &way[i];

		if (d != self && d->fd_state == FS_OPEN && d->fd_nheld != 0 &&
		    (oldest == NULL || d->fd_born < oldest->fd_born))
			oldest = d;
	}
	if (oldest == NULL)
		return FRAG_NONE;
	dgram_refuse(fr, oldest);
	if (rte_ring_dequeue_elem(fr->fr_free, &idx, sizeof(idx)) == 0)
		return idx;
	return FRAG_NONE;
}

/* Hold a later fragment on its datagram; false: no room (counted). */
static bool
held_push(struct npfct_frag *fr, struct frag_dgram *way,
		struct frag_dgram *d, const struct npfct_pkt *pkt, int di)
{
	const uint32_t idx = held_take(fr, way, d);
	struct frag_held *h;

	if (idx == FRAG_NONE) {
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_HOLD_FULL);
		return false;
	}
	h = &fr->fr_held[idx];
	h->fh_pkt = *pkt;
	h->fh_di = (uint8_t)di;
	h->fh_next = FRAG_NONE;
	if (d->fd_held_tail == FRAG_NONE)
		d->fd_held_head = idx;
	else
		fr->fr_held[d->fd_held_tail].fh_next = idx;
	d->fd_held_tail = idx;
	d->fd_nheld++;
	__atomic_fetch_add(&fr->fr_nheld, 1, __ATOMIC_RELAXED);
	npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_HELD);
	return true;
}

/* The first fragment passed: its held fragments go to this lcore. */
static void
held_release(struct npfct_frag *fr, struct frag_dgram *d,
		struct frag_ready *rd)
{
	uint32_t idx;

	if (d->fd_held_head == FRAG_NONE)
		return;
	for (idx = d->fd_held_head; idx != FRAG_NONE;
	    idx = fr->fr_held[idx].fh_next) {
		fr->fr_held[idx].fh_pkt.sport = d->fd_sport;
		fr->fr_held[idx].fh_pkt.dport = d->fd_dport;
	}
	if (rd->rd_tail == FRAG_NONE)
		rd->rd_head = d->fd_held_head;
	else
		fr->fr_held[rd->rd_tail].fh_next = d->fd_held_head;
	rd->rd_tail = d->fd_held_tail;
	__atomic_store_n(&rd->rd_n, rd->rd_n + d->fd_nheld, __ATOMIC_RELAXED);
	d->fd_held_head = d->fd_held_tail = FRAG_NONE;
	d->fd_nheld = 0;
}

/* The datagram's connection for a later fragment (ports stamped). */
static struct npfct_conn *
later_conn(struct npfct_frag *fr, const struct npfct_pkt *pkt, int di)
{
	struct npfct_pkt key = *pkt;
	bool forw;

	/* The key is built from packets with layer 4: this one borrows
	 * its first fragment's. */
	key.flags |= NPFCT_PKT_L4;
	return npfct_conn_lookup(fr->fr_ct, &key, di, &forw);
}

/*
 * frag_one: one fragment under its bucket's lock.
 *
 * => Returns its action; *first_passed tells a first fragment passed.
 */
static uint8_t
frag_one(struct npfct_frag *fr, struct frag_dgram *way,
		struct frag_dgram *d, struct npfct_pkt *pkt,
		const struct frag_info *fi, int di, bool pass,
		struct frag_ready *rd)
{
	const bool first = fi->fi_start == 0;

	if (pkt->status != NPFCT_PARSE_OK) {
		/* Without its whole layer 4 header or header chain (a
		 * later fragment always parses: never held broken). */
		npfct_stat_inc(fr->fr_ct, first ? NPFCT_STAT_FRAG_TINY :
		    NPFCT_STAT_FRAG_BAD);
		dgram_refuse(fr, d);
		return NPFCT_FRAG_DROP;
	}
	if (d->fd_state == FS_DROP) {
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_DROPPED);
		return NPFCT_FRAG_DROP;
	}
	switch (range_add(fr, d, pkt, fi)) {
	case FC_OK:
		break;
	case FC_DUPLICATE:
		return NPFCT_FRAG_DROP;
	default:
		dgram_refuse(fr, d);
		return NPFCT_FRAG_DROP;
	}
	if (first) {
		/* The range check made it the only first fragment. */
		RTE_ASSERT(d->fd_state == FS_OPEN);
		d->fd_sport = pkt->sport;
		d->fd_dport = pkt->dport;
		if (!pass) {
			npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_DROPPED);
			dgram_refuse(fr, d);
			return NPFCT_FRAG_DROP;
		}
		d->fd_state = FS_PASS;
		held_release(fr, d, rd);
		return NPFCT_FRAG_PASS;
	}
	if (d->fd_state == FS_OPEN) {
		if (held_push(fr, way, d, pkt, di))
			return NPFCT_FRAG_HELD;
		dgram_refuse(fr, d);
		return NPFCT_FRAG_DROP;
	}
	pkt->sport = d->fd_sport;
	pkt->dport = d->fd_dport;
	return NPFCT_FRAG_PASS;
}

uint16_t
npfct_frag_burst(struct npfct_frag *fr, struct npfct_pkt *pkts, uint16_t n,
		int di, const uint8_t *pass, uint8_t *actions,
		struct npfct_conn **conns)
{
	const unsigned int lcore = rte_lcore_id();
	struct frag_ready *rd;
	struct frag_key key;
	struct frag_info fi;
	uint64_t now = 0;
	uint16_t i, nfrag = 0;
	int r;

	if (fr == NULL || pkts == NULL || pass == NULL || actions == NULL ||
	    conns == NULL || (di != NPFCT_DIR_IN && di != NPFCT_DIR_OUT))
		return 0;
	if (unlikely(lcore >= RTE_MAX_LCORE)) {
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_NO_LCORE);
		return 0;
	}
	rd = &fr->fr_ready[lcore];
	for (i = 0; i < n; i++) {
		struct npfct_pkt *pkt = &pkts[i];
		struct frag_dgram *way, *d;
		rte_spinlock_t *lock;
		uint32_t b;

		actions[i] = NPFCT_FRAG_NONE;
		if (likely((pkt->flags & NPFCT_PKT_FRAG) == 0))
			continue;
		r = frag_read(pkt, &key, &fi);
		if (r == 0)
			continue;
		nfrag++;
		npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_SEEN);
		if (r < 0) {
			npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_BAD);
			actions[i] = NPFCT_FRAG_DROP;
			continue;
		}
		if (now == 0)
			now = npfct_clock_ns(fr->fr_ct);
		b = (uint32_t)npfct_siphash(fr->fr_sip, &key, sizeof(key), 1, 3) &
		    fr->fr_mask;
		way = &fr->fr_dgrams[(size_t)b * FRAG_WAYS];
		lock = &fr->fr_buckets[b].fb_lock;
		rte_spinlock_lock(lock);
		d = bucket_find(fr, way, &key, now);
		actions[i] = frag_one(fr, way, d, pkt, &fi, di, pass[i] != 0,
		    rd);
		if (d->fd_state == FS_PASS && d->fd_last &&
		    d->fd_bytes == d->fd_end) {
			npfct_stat_inc(fr->fr_ct, NPFCT_STAT_FRAG_COMPLETE);
			dgram_free(fr, d);
		}
		rte_spinlock_unlock(lock);
		if (fi.fi_start != 0)
			conns[i] = actions[i] == NPFCT_FRAG_PASS ?
			    later_conn(fr, pkt, di) : NULL;
	}
	return nfrag;
}

uint16_t
npfct_frag_drain(struct npfct_frag *fr, struct npfct_pkt *pkts, uint16_t max,
		uint8_t *dirs, struct npfct_conn **conns)
{
	const unsigned int lcore = rte_lcore_id();
	struct frag_ready *rd;
	uint16_t k = 0;

	if (fr == NULL || pkts == NULL || dirs == NULL || conns == NULL ||
	    lcore >= RTE_MAX_LCORE)
		return 0;
	rd = &fr->fr_ready[lcore];
	if (likely(rd->rd_head == FRAG_NONE))
		return 0;
	while (k < max && rd->rd_head != FRAG_NONE) {
		uint32_t idx = rd->rd_head;
		struct frag_held *h = &fr->fr_held[idx];

		rd->rd_head = h->fh_next;
		if (rd->rd_head == FRAG_NONE)
			rd->rd_tail = FRAG_NONE;
		pkts[k] = h->fh_pkt;
		dirs[k] = h->fh_di;
		h->fh_pkt.mbuf = NULL;
		conns[k] = later_conn(fr, &pkts[k], h->fh_di);
		__atomic_fetch_sub(&fr->fr_nheld, 1, __ATOMIC_RELAXED);
		/* Cannot fail: the ring has room for every record. */
		rte_ring_enqueue_elem(fr->fr_free, &idx, sizeof(idx));
		k++;
	}
	__atomic_store_n(&rd->rd_n, rd->rd_n - k, __ATOMIC_RELAXED);
	return k;
}

int
npfct_frag_expire(struct npfct_frag *fr)
{
	uint64_t now;
	uint32_t b;
	unsigned int i;
	int n = 0;

	if (fr == NULL)
		return -EINVAL;
	now = npfct_clock_ns(fr->fr_ct);
	for (b = 0; b <= fr->fr_mask; b++) {
		struct frag_dgram *way = &fr->fr_dgrams[(size_t)b * FRAG_WAYS];

		rte_spinlock_lock(&fr->fr_buckets[b].fb_lock);
		for (i = 0; i < FRAG_WAYS; i++) {
			struct frag_dgram *d = &way[i];

			if (d->fd_state == FS_FREE || d->fd_deadline > now)
				continue;
			dgram_expire(fr, d);
			n++;
		}
		rte_spinlock_unlock(&fr->fr_buckets[b].fb_lock);
	}
	return n;
}

int
npfct_frag_info_get(const struct npfct_frag *fr, struct npfct_frag_info *info)
{
	unsigned int i;

	if (fr == NULL || info == NULL)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->params = fr->fr_params;
	info->datagrams = __atomic_load_n(&fr->fr_ndgrams, __ATOMIC_RELAXED);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		info->ready += __atomic_load_n(&fr->fr_ready[i].rd_n,
		    __ATOMIC_RELAXED);
	info->held = __atomic_load_n(&fr->fr_nheld, __ATOMIC_RELAXED);
	return 0;
}
