/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: rewriting an IPv6 packet's addresses, ports and
 * ICMPv6 query ids, with incremental checksum updates.
 *
 * Overview
 *
 *	As nat_rewrite.c for IPv4, with IPv6's differences:
 *
 *	  - no header checksum; every layer 4 checksum (TCP, UDP, and
 *	    ICMPv6 too) covers a pseudo-header with both addresses, so an
 *	    address change is folded into it (RFC 1624 over the 8 words);
 *	  - the layer 4 header is after the extension headers (the parser's
 *	    l4_off): the IPv6 header and the layer 4 header are two regions,
 *	    each read in place or copied out and back;
 *	  - a UDP checksum of 0 is invalid over IPv6 (RFC 8200; RFC 6935
 *	    allows it for tunnels): it is left 0, never "fixed";
 *	  - with RTE_MBUF_F_TX_TCP_CKSUM / UDP_CKSUM the field gets the
 *	    pseudo-header checksum of the new addresses, the layer 4 length
 *	    and protocol as parsed (so extension headers count right; DPDK's
 *	    rte_ipv6_phdr_cksum() takes them from the fixed header).
 *
 *	An NPT66 mapping is checksum-neutral (nat_map.c): the updates then
 *	leave the checksums' values as they are.
 *
 *	ICMPv6 errors (npfct_nat_rewrite6_icmp_err()): the quoted IPv6
 *	header must be followed directly by TCP, UDP or ICMPv6 (a quote with
 *	extension headers is left alone); the quoted address and port, the
 *	quoted checksum when the quote holds it, the outer address and the
 *	ICMPv6 checksum (over the message and the outer pseudo-header) are
 *	updated.
 *
 * Synchronisation
 *
 *	None: the caller owns the packet.
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_mbuf.h>

#include "npfct_nat_cksum.h"
#include "npfct_nat_impl.h"

#define IP6_HLEN	40
#define IP6_SRC		8
#define TCP_CKSUM	16
#define UDP_CKSUM	6
#define ICMP6_CKSUM	2
#define ICMP6_ID	4
#define L4_NEED_TCP	18
#define L4_NEED_UDP	8
#define L4_NEED_ICMP6	6

/*
 * The pseudo-header checksum (not complemented) of the addresses at ip,
 * a layer 4 length (0 under TSO) and a protocol.
 */
static uint16_t
phdr6_cksum(const uint8_t *ip, uint32_t l4len, uint8_t proto,
		uint64_t ol_flags)
{
	uint32_t s = 0;
	unsigned int i;

	for (i = 0; i < 32; i += 2)
		s += npfct_get16(ip + IP6_SRC + i);
	if ((ol_flags & RTE_MBUF_F_TX_TCP_SEG) == 0)
		s += rte_cpu_to_be_16((uint16_t)l4len);
	s += rte_cpu_to_be_16((uint16_t)proto);
	return npfct_cksum_fold(s);
}

/* Read a region; returns where it is (in place or in copy). */
static inline uint8_t *
region(struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *copy)
{
	return (uint8_t *)(uintptr_t)rte_pktmbuf_read(m, off, len, copy);
}

int
npfct_nat_rewrite6(struct npfct_pkt *pkt, int which,
		const union npfct_addr *addr, rte_be16_t port)
{
	struct rte_mbuf *m = pkt->mbuf;
	uint8_t ipcopy[IP6_HLEN], l4copy[L4_NEED_TCP], *ip, *l4;
	const uint64_t olf = m != NULL ? m->ol_flags : 0;
	const uint64_t l4off = olf & RTE_MBUF_F_TX_L4_MASK;
	uint8_t oaddr[16];
	uint32_t need, cko;
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
	case IPPROTO_ICMPV6:
		if ((pkt->flags & NPFCT_PKT_ICMP_QUERY) == 0)
			return -EINVAL;
		need = L4_NEED_ICMP6;
		cko = ICMP6_CKSUM;
		offload = false;
		break;
	default:
		return -EINVAL;
	}
	if (m == NULL || pkt->alen != 16 || pkt->l4_len < need ||
	    pkt->l4_off < pkt->l3_off + IP6_HLEN)
		return -EINVAL;
	ip = region(m, pkt->l3_off, IP6_HLEN, ipcopy);
	l4 = region(m, pkt->l4_off, need, l4copy);
	if (ip == NULL || l4 == NULL)
		return -EINVAL;

	memcpy(oaddr, ip + IP6_SRC + 16 * which, 16);
	memcpy(ip + IP6_SRC + 16 * which, addr->a8, 16);
	oport = npfct_get16(l4 + (pkt->proto == IPPROTO_ICMPV6 ? ICMP6_ID :
	    2u * (uint32_t)which));
	npfct_put16(l4 + (pkt->proto == IPPROTO_ICMPV6 ? ICMP6_ID :
	    2u * (uint32_t)which), port);
	ck = npfct_get16(l4 + cko);
	if (offload) {
		npfct_put16(l4 + cko, phdr6_cksum(ip, pkt->l4_len, pkt->proto,
		    olf));
	} else if (pkt->proto != IPPROTO_UDP || ck != 0) {
		ck = npfct_cksum_update(ck, oaddr, addr->a8, 16);
		ck = npfct_cksum_update16(ck, oport, port);
		if (pkt->proto == IPPROTO_UDP && ck == 0)
			ck = 0xffff;
		npfct_put16(l4 + cko, ck);
	}
	if (ip == ipcopy)
		npfct_nat_mbuf_write(m, pkt->l3_off, IP6_HLEN, ipcopy);
	if (l4 == l4copy)
		npfct_nat_mbuf_write(m, pkt->l4_off, need, l4copy);

	if (which == NPFCT_SRC) {
		pkt->src = *addr;
		pkt->sport = port;
	} else {
		pkt->dst = *addr;
		pkt->dport = port;
	}
	if (pkt->proto == IPPROTO_ICMPV6)
		pkt->sport = pkt->dport = port;
	return 1;
}

/* The ICMPv6 message's bytes the translation needs: up to the quote's
 * layer 4 checksum. */
#define ERR6_NEED	(8 + IP6_HLEN + L4_NEED_TCP)

/* Change a field of the quoted packet and fold it into the checksum. */
static void
err_put(uint8_t *f, const uint8_t *v, unsigned int len, uint16_t *ick)
{
	*ick = npfct_cksum_update(*ick, f, v, len);
	memcpy(f, v, len);
}

int
npfct_nat_rewrite6_icmp_err(struct npfct_pkt *pkt,
		const union npfct_addr *in_addr, rte_be16_t in_port,
		const union npfct_addr *out_addr, rte_be16_t out_port)
{
	struct rte_mbuf *m = pkt->mbuf;
	uint8_t ipcopy[IP6_HLEN], mcopy[ERR6_NEED], *ip, *icmp, *in, *il4;
	uint32_t avail, qlen, len, po, cko;
	const union npfct_addr *na;
	uint8_t oa[16];
	uint16_t ick, ck, op, np;
	uint8_t iproto;
	int which;		/* quoted end to change */
	bool inwards;

	if ((pkt->flags & NPFCT_PKT_ICMP_ERR) == 0 || m == NULL ||
	    pkt->alen != 16 || pkt->icmp.inner_off != pkt->l4_off + 8 ||
	    pkt->l4_len < 8 + IP6_HLEN + 8 ||
	    pkt->l4_off < pkt->l3_off + IP6_HLEN)
		return -EINVAL;
	avail = pkt->l4_len - 8u - IP6_HLEN;
	qlen = RTE_MIN(avail, (uint32_t)L4_NEED_TCP);
	len = 8 + IP6_HLEN + qlen;
	ip = region(m, pkt->l3_off, IP6_HLEN, ipcopy);
	icmp = region(m, pkt->l4_off, len, mcopy);
	if (ip == NULL || icmp == NULL || (icmp[8] >> 4) != 6)
		return -EINVAL;
	in = icmp + 8;
	il4 = in + IP6_HLEN;
	iproto = in[6];
	if (iproto != IPPROTO_TCP && iproto != IPPROTO_UDP &&
	    iproto != IPPROTO_ICMPV6)
		return 0;
	po = iproto == IPPROTO_ICMPV6 ? ICMP6_ID : 0;

	/* Which way: the quoted packet left us with the outside tuple. */
	if (memcmp(in + IP6_SRC, out_addr, 16) == 0 &&
	    npfct_get16(il4 + po) == out_port) {
		inwards = true;
		which = NPFCT_SRC;
	} else if (memcmp(in + IP6_SRC + 16, in_addr, 16) == 0 &&
	    npfct_get16(il4 + (po != 0 ? po : 2)) == in_port) {
		inwards = false;
		which = NPFCT_DST;
	} else {
		return 0;
	}
	na = inwards ? in_addr : out_addr;
	np = inwards ? in_port : out_port;
	if (iproto != IPPROTO_ICMPV6)
		po = 2u * (uint32_t)which;
	cko = iproto == IPPROTO_TCP ? TCP_CKSUM : iproto == IPPROTO_UDP ?
	    UDP_CKSUM : ICMP6_CKSUM;
	ick = npfct_get16(icmp + ICMP6_CKSUM);

	/* The quoted address, port and (if quoted) checksum. */
	memcpy(oa, in + IP6_SRC + 16 * which, 16);
	op = npfct_get16(il4 + po);
	err_put(in + IP6_SRC + 16 * which, na->a8, 16, &ick);
	err_put(il4 + po, (const uint8_t *)&np, 2, &ick);
	if (cko + 2 <= qlen) {
		ck = npfct_get16(il4 + cko);
		if (iproto != IPPROTO_UDP || ck != 0) {
			ck = npfct_cksum_update(ck, oa, na->a8, 16);
			ck = npfct_cksum_update16(ck, op, np);
			if (iproto == IPPROTO_UDP && ck == 0)
				ck = 0xffff;
			err_put(il4 + cko, (const uint8_t *)&ck, 2, &ick);
		}
	}

	/*
	 * The outer header: inwards its destination, outwards its source
	 * (if it is the inside address); the ICMPv6 pseudo-header has it.
	 */
	if (inwards && memcmp(ip + IP6_SRC + 16, out_addr, 16) == 0) {
		ick = npfct_cksum_update(ick, ip + IP6_SRC + 16, in_addr->a8,
		    16);
		memcpy(ip + IP6_SRC + 16, in_addr->a8, 16);
		pkt->dst = *in_addr;
	} else if (!inwards && memcmp(ip + IP6_SRC, in_addr, 16) == 0) {
		ick = npfct_cksum_update(ick, ip + IP6_SRC, out_addr->a8, 16);
		memcpy(ip + IP6_SRC, out_addr->a8, 16);
		pkt->src = *out_addr;
	}
	npfct_put16(icmp + ICMP6_CKSUM, ick);
	if (ip == ipcopy)
		npfct_nat_mbuf_write(m, pkt->l3_off, IP6_HLEN, ipcopy);
	if (icmp == mcopy)
		npfct_nat_mbuf_write(m, pkt->l4_off, len, mcopy);
	return 1;
}
