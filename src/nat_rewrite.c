/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: rewriting a packet's addresses, ports and query ids,
 * with incremental checksum updates.
 *
 * Overview
 *
 *	npfct_nat_rewrite4() changes an IPv4 packet's source or destination
 *	address and its port (TCP, UDP) or query id (ICMP), and updates the
 *	checksums by RFC 1624's eqn. 3, HC' = ~(~HC + ~m + m'), over the
 *	16-bit words that changed: the IPv4 header checksum for the address;
 *	the TCP or UDP checksum for the address (it is in the pseudo-header)
 *	and the port; the ICMP checksum for the id only (ICMP has no
 *	pseudo-header).  The words are used as they are in memory: one's
 *	complement sums do not depend on the byte order.
 *
 *	Special cases: a UDP checksum of 0 means "none" over IPv4 and stays
 *	0, and an updated UDP checksum that comes out 0 is written 0xffff
 *	(RFC 768: 0 would mean none); an mbuf that asks the NIC for the
 *	IPv4 checksum (RTE_MBUF_F_TX_IP_CKSUM) keeps its field as it is, and
 *	one that asks for the TCP or UDP checksum gets the pseudo-header
 *	checksum of the new header in the field (what rte_ipv4_phdr_cksum()
 *	gives, without the length under TSO), as DPDK's offload contract
 *	wants.
 *
 *	The headers are read in place when the first segment holds them
 *	(rte_pktmbuf_read() returns a pointer into it) and otherwise copied
 *	out, changed and copied back segment by segment: a header that
 *	spans segments is rewritten as well.  Fields are accessed with
 *	memcpy(): a header may be at any byte offset.
 *
 * Synchronisation
 *
 *	None: the caller owns the packet.
 */

#include <errno.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_mbuf.h>

#include "npfct_nat_impl.h"

/* The IPv4 header's and the layer 4 fields' offsets. */
#define IP4_CKSUM	10
#define IP4_SRC		12
#define IP4_LEN		2
#define TCP_CKSUM	16
#define UDP_CKSUM	6
#define ICMP_CKSUM	2
#define ICMP_ID		4
/* Bytes of layer 4 needed: up to TCP's checksum. */
#define L4_NEED_TCP	18
#define L4_NEED_UDP	8
#define L4_NEED_ICMP	6

/* The largest IPv4 header and what layer 4 needs. */
#define REGION_MAX	(60 + L4_NEED_TCP)

static inline uint16_t
get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline uint16_t
fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* RFC 1624 eqn. 3 for one 16-bit word: old -> new. */
static inline uint16_t
cksum_update16(uint16_t hc, uint16_t old, uint16_t new)
{
	return (uint16_t)~fold((uint32_t)(uint16_t)~hc +
	    (uint16_t)~old + new);
}

/* The same for a 32-bit field (two words). */
static inline uint16_t
cksum_update32(uint16_t hc, const uint8_t *old, const uint8_t *new)
{
	uint32_t s = (uint16_t)~hc;

	s += (uint16_t)~get16(old) + get16(new);
	s += (uint16_t)~get16(old + 2) + get16(new + 2);
	return (uint16_t)~fold(s);
}

/*
 * The pseudo-header checksum of an IPv4 header (not complemented), as
 * rte_ipv4_phdr_cksum() makes it: addresses, protocol and (but under
 * TSO) the layer 4 length.
 */
static uint16_t
phdr_cksum(const uint8_t *ip, uint64_t ol_flags)
{
	uint32_t s = 0;
	unsigned int i;

	for (i = 0; i < 8; i += 2)
		s += get16(ip + IP4_SRC + i);
	s += rte_cpu_to_be_16((uint16_t)ip[9]);
	if ((ol_flags & RTE_MBUF_F_TX_TCP_SEG) == 0)
		s += rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(get16(ip +
		    IP4_LEN)) - (ip[0] & 0xf) * 4));
	return fold(s);
}

/* Copy len bytes from buf into the packet at off, over its segments. */
static void
mbuf_write(struct rte_mbuf *m, uint32_t off, uint32_t len, const uint8_t *buf)
{
	uint32_t n;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m != NULL && len > 0) {
		n = RTE_MIN(len, (uint32_t)m->data_len - off);
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, off), buf, n);
		buf += n;
		len -= n;
		off = 0;
		m = m->next;
	}
}

int
npfct_nat_rewrite4(struct npfct_pkt *pkt, int which, rte_be32_t addr,
		rte_be16_t port)
{
	struct rte_mbuf *m = pkt->mbuf;
	const uint32_t ihl = (uint32_t)(pkt->l4_off - pkt->l3_off);
	uint8_t copy[REGION_MAX], *r, *ip, *l4;
	uint32_t need, cko, len;
	const uint64_t olf = m->ol_flags;
	const uint64_t l4off = olf & RTE_MBUF_F_TX_L4_MASK;
	uint8_t oaddr[4], naddr[4];
	uint16_t ck, oport;
	bool offload;

	switch (pkt->proto) {
	case IPPROTO_TCP:
		need = L4_NEED_TCP;
		cko = TCP_CKSUM;
		offload = l4off == RTE_MBUF_F_TX_TCP_CKSUM ||
		    (olf & RTE_MBUF_F_TX_TCP_SEG) != 0;
		break;
	case IPPROTO_UDP:
		need = L4_NEED_UDP;
		cko = UDP_CKSUM;
		offload = l4off == RTE_MBUF_F_TX_UDP_CKSUM;
		break;
	case IPPROTO_ICMP:
		if ((pkt->flags & NPFCT_PKT_ICMP_QUERY) == 0)
			return -EINVAL;
		need = L4_NEED_ICMP;
		cko = ICMP_CKSUM;
		offload = false;
		break;
	default:
		return -EINVAL;
	}
	if (pkt->alen != 4 || ihl < 20 || ihl > 60 || pkt->l4_len < need ||
	    m == NULL)
		return -EINVAL;
	len = ihl + need;
	r = (uint8_t *)(uintptr_t)rte_pktmbuf_read(m, pkt->l3_off, len, copy);
	if (r == NULL)
		return -EINVAL;
	ip = r;
	l4 = r + ihl;

	/* The address: IPv4 header, then the pseudo-header's share. */
	memcpy(oaddr, ip + IP4_SRC + 4 * which, 4);
	memcpy(naddr, &addr, 4);
	memcpy(ip + IP4_SRC + 4 * which, naddr, 4);
	if ((olf & RTE_MBUF_F_TX_IP_CKSUM) == 0)
		put16(ip + IP4_CKSUM, cksum_update32(get16(ip + IP4_CKSUM),
		    oaddr, naddr));

	/* The port (TCP, UDP: source or destination) or the query id. */
	if (pkt->proto == IPPROTO_ICMP) {
		oport = get16(l4 + ICMP_ID);
		put16(l4 + ICMP_ID, port);
		put16(l4 + cko, cksum_update16(get16(l4 + cko), oport, port));
	} else {
		oport = get16(l4 + 2 * which);
		put16(l4 + 2 * which, port);
		ck = get16(l4 + cko);
		if (offload) {
			put16(l4 + cko, phdr_cksum(ip, olf));
		} else if (pkt->proto == IPPROTO_TCP || ck != 0) {
			ck = cksum_update32(ck, oaddr, naddr);
			ck = cksum_update16(ck, oport, port);
			if (pkt->proto == IPPROTO_UDP && ck == 0)
				ck = 0xffff;
			put16(l4 + cko, ck);
		}
	}
	if (r == copy)
		mbuf_write(m, pkt->l3_off, len, copy);

	if (which == NPFCT_SRC) {
		pkt->src.a32[0] = addr;
		pkt->sport = port;
	} else {
		pkt->dst.a32[0] = addr;
		pkt->dport = port;
	}
	if (pkt->proto == IPPROTO_ICMP)
		pkt->sport = pkt->dport = port;
	return 1;
}
