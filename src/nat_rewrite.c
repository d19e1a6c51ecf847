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

#include "npfct_nat_cksum.h"
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

/* A 32-bit field (two words). */
static inline uint16_t
cksum_update32(uint16_t hc, const uint8_t *old, const uint8_t *new)
{
	return npfct_cksum_update(hc, old, new, 4);
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
		s += npfct_get16(ip + IP4_SRC + i);
	s += rte_cpu_to_be_16((uint16_t)ip[9]);
	if ((ol_flags & RTE_MBUF_F_TX_TCP_SEG) == 0)
		s += rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(npfct_get16(ip +
		    IP4_LEN)) - (ip[0] & 0xf) * 4));
	return npfct_cksum_fold(s);
}

/* Copy len bytes from buf into the packet at off, over its segments. */
void
npfct_nat_mbuf_write(struct rte_mbuf *m, uint32_t off, uint32_t len,
		const uint8_t *buf)
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

/* The quoted layer 4 bytes an error's embedded packet needs. */
#define ERR_REGION_MAX	(60 + 8 + 60 + L4_NEED_TCP)

/*
 * Change a 32-bit and then a 16-bit field of the embedded packet, and
 * fold each change into the outer ICMP checksum (the fields are at even
 * offsets of the ICMP message).
 */
static void
err_put32(uint8_t *f, const uint8_t *v, uint16_t *ick)
{
	*ick = cksum_update32(*ick, f, v);
	memcpy(f, v, 4);
}

static void
err_put16(uint8_t *f, uint16_t v, uint16_t *ick)
{
	*ick = npfct_cksum_update16(*ick, npfct_get16(f), v);
	npfct_put16(f, v);
}

/*
 * npfct_nat_rewrite4_icmp_err: translate an ICMP error about a packet of
 * a translated connection (inside: the address and port used inside,
 * outside: as seen outside).  An error going inwards (outer destination
 * and quoted source the outside ones) gets the inside ones back there; an
 * error going outwards (quoted destination the inside ones) gets the
 * outside ones there, and its source too if it is the inside address.
 * The outer IPv4 checksum, the quoted packet's IPv4 checksum and layer 4
 * checksum (when the quote holds it) and the ICMP checksum over all of
 * it are updated incrementally.
 *
 * => Returns 1, 0 if nothing matched, -EINVAL for a malformed quote.
 */
int
npfct_nat_rewrite4_icmp_err(struct npfct_pkt *pkt, rte_be32_t in_addr,
		rte_be16_t in_port, rte_be32_t out_addr, rte_be16_t out_port)
{
	struct rte_mbuf *m = pkt->mbuf;
	uint8_t copy[ERR_REGION_MAX], *r, *ip, *icmp, *in, *il4;
	uint32_t ihl, eihl, avail, qlen, len, ioff;
	uint16_t ick, ck;
	uint8_t iproto;
	uint8_t oa[4], na[4];
	int pf, af;		/* quoted port and address to change */
	bool inwards;

	if ((pkt->flags & NPFCT_PKT_ICMP_ERR) == 0 || pkt->icmp.inner_off == 0)
		return -EINVAL;
	ihl = (uint32_t)(pkt->l4_off - pkt->l3_off);
	ioff = (uint32_t)(pkt->icmp.inner_off - pkt->l3_off);
	if (ioff != ihl + 8 || pkt->l4_len < 8 + 20)
		return -EINVAL;
	avail = pkt->l4_len - 8u;
	/* The quoted IPv4 header, then up to 18 bytes of its layer 4. */
	r = (uint8_t *)(uintptr_t)rte_pktmbuf_read(m, pkt->l3_off, ioff + 20,
	    copy);
	if (r == NULL || (r[ioff] >> 4) != 4)
		return -EINVAL;
	eihl = (r[ioff] & 0xfu) * 4u;
	if (eihl < 20 || avail < eihl + 8)
		return -EINVAL;
	qlen = RTE_MIN(avail - eihl, (uint32_t)L4_NEED_TCP);
	len = ioff + eihl + qlen;
	r = (uint8_t *)(uintptr_t)rte_pktmbuf_read(m, pkt->l3_off, len, copy);
	if (r == NULL)
		return -EINVAL;
	ip = r;
	icmp = r + ihl;
	in = r + ioff;
	il4 = in + eihl;
	iproto = in[9];
	if (iproto != IPPROTO_TCP && iproto != IPPROTO_UDP &&
	    iproto != IPPROTO_ICMP)
		return 0;

	/* Which way: the quoted packet left us with the outside tuple. */
	if (memcmp(in + IP4_SRC, &out_addr, 4) == 0 &&
	    (iproto == IPPROTO_ICMP ? npfct_get16(il4 + ICMP_ID) :
	    npfct_get16(il4)) == out_port) {
		inwards = true;
		af = NPFCT_SRC;
	} else if (memcmp(in + IP4_SRC + 4, &in_addr, 4) == 0 &&
	    (iproto == IPPROTO_ICMP ? npfct_get16(il4 + ICMP_ID) :
	    npfct_get16(il4 + 2)) == in_port) {
		inwards = false;
		af = NPFCT_DST;
	} else {
		return 0;
	}
	pf = af;
	ick = npfct_get16(icmp + ICMP_CKSUM);

	/* The quoted IPv4 header: address and checksum. */
	memcpy(oa, in + IP4_SRC + 4 * af, 4);
	memcpy(na, inwards ? (const void *)&in_addr : (const void *)&out_addr,
	    4);
	ck = cksum_update32(npfct_get16(in + IP4_CKSUM), oa, na);
	err_put32(in + IP4_SRC + 4 * af, na, &ick);
	err_put16(in + IP4_CKSUM, ck, &ick);

	/* The quoted port or id, and its checksum if quoted. */
	{
		const uint16_t np = inwards ? in_port : out_port;
		const uint32_t po = iproto == IPPROTO_ICMP ? ICMP_ID :
		    2u * (uint32_t)pf;
		const uint16_t op = npfct_get16(il4 + po);
		uint32_t cko = iproto == IPPROTO_TCP ? TCP_CKSUM :
		    iproto == IPPROTO_UDP ? UDP_CKSUM : ICMP_CKSUM;

		err_put16(il4 + po, np, &ick);
		if (cko + 2 <= qlen) {
			ck = npfct_get16(il4 + cko);
			if (iproto != IPPROTO_UDP || ck != 0) {
				if (iproto != IPPROTO_ICMP)
					ck = cksum_update32(ck, oa, na);
				ck = npfct_cksum_update16(ck, op, np);
				if (iproto == IPPROTO_UDP && ck == 0)
					ck = 0xffff;
				err_put16(il4 + cko, ck, &ick);
			}
		}
	}
	npfct_put16(icmp + ICMP_CKSUM, ick);

	/* The outer header: inwards its destination, outwards its source. */
	if (inwards && memcmp(ip + IP4_SRC + 4, &out_addr, 4) == 0) {
		memcpy(oa, ip + IP4_SRC + 4, 4);
		memcpy(ip + IP4_SRC + 4, &in_addr, 4);
		if ((m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) == 0)
			npfct_put16(ip + IP4_CKSUM, cksum_update32(npfct_get16(ip +
			    IP4_CKSUM), oa, ip + IP4_SRC + 4));
		pkt->dst.a32[0] = in_addr;
	} else if (!inwards && memcmp(ip + IP4_SRC, &in_addr, 4) == 0) {
		memcpy(oa, ip + IP4_SRC, 4);
		memcpy(ip + IP4_SRC, &out_addr, 4);
		if ((m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) == 0)
			npfct_put16(ip + IP4_CKSUM, cksum_update32(npfct_get16(ip +
			    IP4_CKSUM), oa, ip + IP4_SRC));
		pkt->src.a32[0] = out_addr;
	}
	if (r == copy)
		npfct_nat_mbuf_write(m, pkt->l3_off, len, copy);
	return 1;
}

/*
 * npfct_nat_rewrite_frag: a later fragment (no layer 4 header): the
 * address only, and the IPv4 header checksum (the layer 4 checksum and
 * the port are in the first fragment, rewritten there).
 */
int
npfct_nat_rewrite_frag(struct npfct_pkt *pkt, int which,
		const union npfct_addr *addr)
{
	struct rte_mbuf *m = pkt->mbuf;
	uint8_t copy[20], *ip;

	if (m == NULL || (pkt->flags & NPFCT_PKT_FRAG_LATER) == 0)
		return -EINVAL;
	if (pkt->alen == 16) {
		/* 8 + 16 * which: the address in the IPv6 header. */
		npfct_nat_mbuf_write(m, pkt->l3_off + 8u + 16u * (uint32_t)which,
		    16, addr->a8);
		memcpy(which == NPFCT_SRC ? pkt->src.a8 : pkt->dst.a8,
		    addr->a8, 16);
		return 1;
	}
	ip = (uint8_t *)(uintptr_t)rte_pktmbuf_read(m, pkt->l3_off,
	    sizeof(copy), copy);
	if (ip == NULL)
		return -EINVAL;
	if ((m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) == 0)
		npfct_put16(ip + IP4_CKSUM, cksum_update32(npfct_get16(ip +
		    IP4_CKSUM), ip + IP4_SRC + 4 * which, addr->a8));
	memcpy(ip + IP4_SRC + 4 * which, addr->a8, 4);
	if (ip == copy)
		npfct_nat_mbuf_write(m, pkt->l3_off, sizeof(copy), copy);
	if (which == NPFCT_SRC)
		pkt->src.a32[0] = addr->a32[0];
	else
		pkt->dst.a32[0] = addr->a32[0];
	return 1;
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
		npfct_put16(ip + IP4_CKSUM, cksum_update32(npfct_get16(ip + IP4_CKSUM),
		    oaddr, naddr));

	/* The port (TCP, UDP: source or destination) or the query id. */
	if (pkt->proto == IPPROTO_ICMP) {
		oport = npfct_get16(l4 + ICMP_ID);
		npfct_put16(l4 + ICMP_ID, port);
		npfct_put16(l4 + cko, npfct_cksum_update16(npfct_get16(l4 +
		    cko), oport, port));
	} else {
		oport = npfct_get16(l4 + 2 * which);
		npfct_put16(l4 + 2 * which, port);
		ck = npfct_get16(l4 + cko);
		if (offload) {
			npfct_put16(l4 + cko, phdr_cksum(ip, olf));
		} else if (pkt->proto == IPPROTO_TCP || ck != 0) {
			ck = cksum_update32(ck, oaddr, naddr);
			ck = npfct_cksum_update16(ck, oport, port);
			if (pkt->proto == IPPROTO_UDP && ck == 0)
				ck = 0xffff;
			npfct_put16(l4 + cko, ck);
		}
	}
	if (r == copy)
		npfct_nat_mbuf_write(m, pkt->l3_off, len, copy);

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
