/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct packet parser: Ethernet, IPv4/IPv6 and layer 4 headers into a
 * struct npfct_pkt (NPF's npf_cache_all()).
 *
 * Overview
 *
 *	A packet is parsed once, before inspection, and the values that the
 *	connection tracking needs are copied into struct npfct_pkt: the
 *	addresses, the protocol, the port numbers (or the ICMP query id) and,
 *	for TCP, the sequence data and the options (MSS, window scale and
 *	SACK permitted).  Nothing else in npfct looks at the packet data
 *	again, except the ICMP ALG, which asks for the packet quoted by an
 *	ICMP error through npfct_pkt_parse_icmp_inner().
 *
 *	The general parser reads every header through rte_pktmbuf_read()
 *	(the fast path below reads the first segment directly, after one
 *	length check per header).  When the header is
 *	contiguous (the common case) it returns a pointer into the mbuf and
 *	costs a compare; when the header spans segments it is copied into a
 *	buffer on the stack.  Each read is preceded by a check against the
 *	end of the data that may be parsed, so rte_pktmbuf_read() never
 *	fails and nothing past rte_pktmbuf_pkt_len() is read.  The mbuf is
 *	never written.  The DPDK header structures are packed, but since
 *	DPDK 24.11 the IPv4 and IPv6 headers are also 2-byte aligned: a
 *	header at an odd address (an odd mbuf data offset, a quoted packet
 *	at an odd offset) is copied before it is read (pkt_read_hdr()).
 *
 *	The lengths are checked in this order, and the first failure sets
 *	npfct_pkt::status:
 *
 *	+--------------------+--------------------------+----------------+
 *	| layer              | check                    | status         |
 *	+--------------------+--------------------------+----------------+
 *	| Ethernet, VLAN     | 14 (+4 per tag) bytes    | L2_TRUNC       |
 *	| Ethernet type      | IPv4 or IPv6             | NOT_IP         |
 *	| IPv4/IPv6 header   | 20/40 bytes              | L3_TRUNC       |
 *	| IPv4/IPv6 header   | version, IHL >= 5        | L3_BAD         |
 *	| IPv4 options       | IHL * 4 bytes            | L3_TRUNC       |
 *	| IPv4/IPv6 length   | total/payload <= data    | L3_BAD         |
 *	| IPv6 ext. headers  | <= 8, within payload     | L3_EXT_BAD     |
 *	| TCP/UDP/ICMP       | 20/8/8 (4) bytes         | L4_TRUNC       |
 *	| TCP/UDP            | data offset, UDP length  | L4_BAD         |
 *	+--------------------+--------------------------+----------------+
 *
 *	The end of layer 4 is taken from the IP length fields, so Ethernet
 *	padding after the IP packet is ignored.  TCP options that do not
 *	parse end the option scan quietly: a SYN with a broken option list
 *	is still a SYN.
 *
 *	Fragments.  An IPv4 packet with MF set or a non-zero offset, or an
 *	IPv6 packet with a fragment header, has NPFCT_PKT_FRAG.  Only the
 *	first fragment (offset 0) has a layer 4 header; a later fragment
 *	parses successfully without NPFCT_PKT_L4 and so is not trackable.
 *	frag_hdr locates the IPv4 header or the IPv6 fragment header for
 *	the fragment handler (frag.c).  An IPv6 packet with a second
 *	fragment header is L3_EXT_BAD (RFC 8200 allows one; NPF refuses
 *	two too).  The UDP length of a first fragment describes the whole datagram, so
 *	it is only checked against the minimum.
 *
 *	ICMP.  The message type decides what the packet carries:
 *
 *	+-----------------------------+-----------------+--------------+
 *	| ICMP (IPv4) type            | ICMPv6 type     | flags        |
 *	+-----------------------------+-----------------+--------------+
 *	| 0/8, 13/14, 15/16, 17/18    | 128/129         | QUERY, L4    |
 *	| 3, 4, 5, 11, 12             | 1, 2, 3, 4      | ERR          |
 *	| other                       | other           | ICMP only    |
 *	+-----------------------------+-----------------+--------------+
 *
 *	A query uses its id as both port ids of the key.  An error quotes
 *	the packet that caused it after its 8-byte header; the offset is
 *	left in npfct_pkt::icmp.inner_off for npfct_pkt_parse_icmp_inner().
 *	The quoted packet is parsed like any other, except that it is
 *	usually cut short: its IP length fields are not checked (layer 4
 *	extends to the end of the outer IP payload), only the first 8 bytes
 *	of its layer 4 header are needed, and a quoted ICMP error is not
 *	parsed further.  ICMP in IPv6 and ICMPv6 in IPv4 are treated
 *	as an unknown protocol.
 *
 *	Offsets are 16-bit.  npfct_pkt_parse_l3() refuses an IP header
 *	beyond PKT_L3_OFF_MAX, and the IPv6 extension header walk stops at
 *	PKT_L4_OFF_MAX, so that l4_off and icmp.inner_off cannot wrap.
 *
 *	Fast path.  An untagged IPv4 frame without options, not a
 *	fragment, carrying TCP (options only read on a SYN, so a SYN with
 *	options goes the general way) or UDP with every header in the first
 *	segment is parsed in one pass with one length check per header
 *	(parse_fast4()); any other packet, valid or not, goes through the
 *	general parser from the start.  Both give the same result to the
 *	byte, which test_pkt checks on mutated, truncated and segmented
 *	packets against npfct_pkt_parse_general().
 *
 *	To keep the fast path short the structure is not cleared: each path
 *	writes the fields it defines, and always mbuf, ifid, flags and
 *	status.  Ports are 0 when the packet has none (later fragments,
 *	ICMP other than queries, other protocols).  On error the flags hold
 *	what was parsed before the failure (NPFCT_PKT_IP4 for a bad TCP
 *	header) and the other fields are undefined.
 *
 * Synchronisation
 *
 *	None: the parser touches only its arguments and reads the mbuf,
 *	which the caller owns.  It may run on any thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_debug.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "npfct_pkt.h"
#include "npfct_impl.h"

/* Most VLAN tags skipped (802.1Q, or QinQ outer and inner). */
#define PKT_VLAN_MAX		2

/* Most IPv6 extension headers walked before giving up. */
#define PKT_IP6_EXT_MAX		8

/* Highest IP header offset npfct_pkt_parse_l3() accepts. */
#define PKT_L3_OFF_MAX		0x8000

/* Highest layer 4 offset: l4_off + 8 (icmp.inner_off) must fit 16 bits. */
#define PKT_L4_OFF_MAX		(UINT16_MAX - 8)

/* Bytes of an ICMP header, and of layer 4 needed for the ids. */
#define PKT_L4_IDS_LEN		8
#define PKT_ICMP_MIN_LEN	4

/* Largest TCP option space (data offset 15). */
#define PKT_TCP_OPT_MAX		40

/* Largest window scale shift (RFC 7323). */
#define PKT_TCP_WSCALE_MAX	14

/* TCP option kinds (RFC 9293, RFC 7323, RFC 2018). */
#define PKT_TCPOPT_EOL		0
#define PKT_TCPOPT_NOP		1
#define PKT_TCPOPT_MSS		2
#define PKT_TCPOPT_WSCALE	3
#define PKT_TCPOPT_SACK_OK	4

/* The TCP flag bits kept in npfct_pkt::tcp.flags. */
#define PKT_TH_MASK		0x3f

/* IPv4 fragment offset field: MF flag and offset. */
#define PKT_IP4_FRAG_MASK \
	(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)

/* IPv6 fragment header: offset field (RFC 8200, 4.5). */
#define PKT_IP6_FRAG_OFF_MASK	0xfff8

/*
 * ICMP classification, indexed by [IPv6][type]: NPFCT_PKT_ICMP_QUERY for
 * the messages with a query id, NPFCT_PKT_ICMP_ERR for the errors quoting
 * a packet, 0 for everything else.
 */
static const uint16_t icmp_class[2][256] = {
	[0] = {
		[ICMP_ECHOREPLY] = NPFCT_PKT_ICMP_QUERY,
		[ICMP_ECHO] = NPFCT_PKT_ICMP_QUERY,
		[ICMP_TIMESTAMP] = NPFCT_PKT_ICMP_QUERY,
		[ICMP_TIMESTAMPREPLY] = NPFCT_PKT_ICMP_QUERY,
		[ICMP_INFO_REQUEST] = NPFCT_PKT_ICMP_QUERY,
		[ICMP_INFO_REPLY] = NPFCT_PKT_ICMP_QUERY,
		[ICMP_ADDRESS] = NPFCT_PKT_ICMP_QUERY,
		[ICMP_ADDRESSREPLY] = NPFCT_PKT_ICMP_QUERY,
		[ICMP_DEST_UNREACH] = NPFCT_PKT_ICMP_ERR,
		[ICMP_SOURCE_QUENCH] = NPFCT_PKT_ICMP_ERR,
		[ICMP_REDIRECT] = NPFCT_PKT_ICMP_ERR,
		[ICMP_TIME_EXCEEDED] = NPFCT_PKT_ICMP_ERR,
		[ICMP_PARAMETERPROB] = NPFCT_PKT_ICMP_ERR,
	},
	[1] = {
		[ICMP6_ECHO_REQUEST] = NPFCT_PKT_ICMP_QUERY,
		[ICMP6_ECHO_REPLY] = NPFCT_PKT_ICMP_QUERY,
		[ICMP6_DST_UNREACH] = NPFCT_PKT_ICMP_ERR,
		[ICMP6_PACKET_TOO_BIG] = NPFCT_PKT_ICMP_ERR,
		[ICMP6_TIME_EXCEEDED] = NPFCT_PKT_ICMP_ERR,
		[ICMP6_PARAM_PROB] = NPFCT_PKT_ICMP_ERR,
	},
};

static const char *const parse_status_names[NPFCT_PARSE_STATUS_MAX] = {
	[NPFCT_PARSE_OK] = "ok",
	[NPFCT_PARSE_NOT_IP] = "not-ip",
	[NPFCT_PARSE_L2_TRUNC] = "l2-trunc",
	[NPFCT_PARSE_L3_TRUNC] = "l3-trunc",
	[NPFCT_PARSE_L3_BAD] = "l3-bad",
	[NPFCT_PARSE_L3_EXT_BAD] = "l3-ext-bad",
	[NPFCT_PARSE_L4_TRUNC] = "l4-trunc",
	[NPFCT_PARSE_L4_BAD] = "l4-bad",
};

/*
 * pkt_read: return a pointer to len bytes of the packet at offset off.
 *
 * => The caller has checked that off + len is within the packet.
 * => buf (len bytes) receives a copy if the bytes span segments.
 */
static inline const void *
pkt_read(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *buf)
{
	const void *p = rte_pktmbuf_read(m, off, len, buf);

	RTE_ASSERT(p != NULL);
	return p;
}

/*
 * pkt_read_hdr: pkt_read() for a DPDK header structure that has an
 * alignment of its own (since DPDK 24.11 the IPv4 and IPv6 headers are
 * __rte_aligned(2)): a header at an address the structure's alignment
 * does not allow is copied into buf (the caller's variable of that
 * type), so that no header is read through a misaligned pointer.
 * With DPDK 22.11 (packed, alignment 1) the test compiles away.
 */
static inline const void *
pkt_read_hdr(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *buf,
		uintptr_t align)
{
	const void *p = pkt_read(m, off, len, buf);

	if (unlikely(((uintptr_t)p & (align - 1)) != 0)) {
		memcpy(buf, p, len);
		p = buf;
	}
	return p;
}

/*
 * pkt_read16: return the 16-bit word at offset off, unchanged (network
 * order for a header field).
 */
static inline uint16_t
pkt_read16(const struct rte_mbuf *m, uint32_t off)
{
	uint16_t buf, v;

	memcpy(&v, pkt_read(m, off, sizeof(v), &buf), sizeof(v));
	return v;
}

/*
 * pkt_no_ids: a packet without layer 4 ids; keep the key fields defined.
 */
static inline void
pkt_no_ids(struct npfct_pkt *pkt)
{
	pkt->sport = 0;
	pkt->dport = 0;
}

/*
 * ip4_fields: the fields of an IPv4 header (header length hlen, total
 * length tlen, both checked) at off; the flags are the caller's.
 */
static __rte_always_inline void
ip4_fields(struct npfct_pkt *pkt, const struct rte_ipv4_hdr *ip,
		uint32_t off, uint32_t hlen, uint32_t tlen)
{
	pkt->proto = ip->next_proto_id;
	pkt->alen = sizeof(ip->src_addr);
	pkt->ttl = ip->time_to_live;
	pkt->l3_off = (uint16_t)off;
	pkt->l4_off = (uint16_t)(off + hlen);
	pkt->l4_len = (uint16_t)(tlen - hlen);
	/* The upper words are zero so that keys built from them are stable. */
	pkt->src.a32[0] = ip->src_addr;
	pkt->src.a32[1] = 0;
	pkt->src.a32[2] = 0;
	pkt->src.a32[3] = 0;
	pkt->dst.a32[0] = ip->dst_addr;
	pkt->dst.a32[1] = 0;
	pkt->dst.a32[2] = 0;
	pkt->dst.a32[3] = 0;
}

/*
 * tcp_fields: the fields of a TCP header (header length hlen, checked
 * against pkt->l4_len), options not yet scanned.
 */
static __rte_always_inline void
tcp_fields(struct npfct_pkt *pkt, const struct rte_tcp_hdr *th,
		uint32_t hlen)
{
	pkt->sport = th->src_port;
	pkt->dport = th->dst_port;
	pkt->tcp.seq = rte_be_to_cpu_32(th->sent_seq);
	pkt->tcp.ack = rte_be_to_cpu_32(th->recv_ack);
	pkt->tcp.win = rte_be_to_cpu_16(th->rx_win);
	pkt->tcp.datalen = (uint16_t)(pkt->l4_len - hlen);
	pkt->tcp.flags = th->tcp_flags & PKT_TH_MASK;
	pkt->tcp.hlen = (uint8_t)hlen;
	pkt->tcp.wscale = NPFCT_TCP_WSCALE_NONE;
	pkt->tcp.sack_ok = 0;
	pkt->tcp.mss = 0;
}

/*
 * tcp_options: scan the TCP options for MSS, window scale and SACK
 * permitted.
 *
 * => optlen is the option space (hlen - 20), at most 40 bytes.
 * => A malformed option ends the scan; the options seen so far are kept.
 */
static void
tcp_options(struct npfct_pkt *pkt, const struct rte_mbuf *m, uint32_t optlen)
{
	uint8_t buf[PKT_TCP_OPT_MAX];
	const uint8_t *opt;
	uint32_t i = 0, len;

	RTE_ASSERT(optlen <= sizeof(buf));
	opt = pkt_read(m, pkt->l4_off + sizeof(struct rte_tcp_hdr), optlen,
	    buf);
	while (i < optlen) {
		if (opt[i] == PKT_TCPOPT_EOL)
			break;
		if (opt[i] == PKT_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (optlen - i < 2)
			break;
		len = opt[i + 1];
		if (len < 2 || len > optlen - i)
			break;
		switch (opt[i]) {
		case PKT_TCPOPT_MSS:
			if (len == 4)
				pkt->tcp.mss = (uint16_t)(opt[i + 2] << 8 |
				    opt[i + 3]);
			break;
		case PKT_TCPOPT_WSCALE:
			if (len == 3)
				pkt->tcp.wscale = RTE_MIN(opt[i + 2],
				    PKT_TCP_WSCALE_MAX);
			break;
		case PKT_TCPOPT_SACK_OK:
			if (len == 2)
				pkt->tcp.sack_ok = 1;
			break;
		default:
			break;
		}
		i += len;
	}
}

/*
 * tcp_parse: parse a TCP header and its options.
 *
 * => The whole header (data offset) must lie within l4_len.
 * => For a quoted packet (inner) only the ports and the sequence number,
 *    the first 8 bytes, are read; the other TCP fields are zeroed.
 */
static inline enum npfct_parse_status
tcp_parse(struct npfct_pkt *pkt, const struct rte_mbuf *m, bool inner)
{
	struct rte_tcp_hdr buf;
	const struct rte_tcp_hdr *th;
	uint32_t hlen;

	if (inner) {
		if (unlikely(pkt->l4_len < PKT_L4_IDS_LEN))
			return NPFCT_PARSE_L4_TRUNC;
		th = pkt_read(m, pkt->l4_off, PKT_L4_IDS_LEN, &buf);
		pkt->sport = th->src_port;
		pkt->dport = th->dst_port;
		pkt->tcp.seq = rte_be_to_cpu_32(th->sent_seq);
		pkt->tcp.ack = 0;
		pkt->tcp.win = 0;
		pkt->tcp.datalen = 0;
		pkt->tcp.flags = 0;
		pkt->tcp.hlen = 0;
		pkt->tcp.wscale = NPFCT_TCP_WSCALE_NONE;
		pkt->tcp.sack_ok = 0;
		pkt->tcp.mss = 0;
		pkt->flags |= NPFCT_PKT_L4 | NPFCT_PKT_TCP;
		return NPFCT_PARSE_OK;
	}

	if (unlikely(pkt->l4_len < sizeof(*th)))
		return NPFCT_PARSE_L4_TRUNC;
	th = pkt_read(m, pkt->l4_off, sizeof(*th), &buf);
	hlen = (uint32_t)(th->data_off >> 4) << 2;
	if (unlikely(hlen < sizeof(*th) || hlen > pkt->l4_len))
		return NPFCT_PARSE_L4_BAD;

	tcp_fields(pkt, th, hlen);
	/* Options matter only on SYNs (window scale, MSS, SACK-permitted). */
	if (hlen > sizeof(*th) && (pkt->tcp.flags & NPFCT_TH_SYN))
		tcp_options(pkt, m, hlen - sizeof(*th));
	pkt->flags |= NPFCT_PKT_L4 | NPFCT_PKT_TCP;
	return NPFCT_PARSE_OK;
}

/*
 * udp_parse: parse a UDP header.
 *
 * => The UDP length must be at least 8 and, unless the packet is a
 *    fragment or quoted, at most l4_len.
 */
static inline enum npfct_parse_status
udp_parse(struct npfct_pkt *pkt, const struct rte_mbuf *m, bool inner)
{
	struct rte_udp_hdr buf;
	const struct rte_udp_hdr *uh;
	uint32_t ulen;

	if (unlikely(pkt->l4_len < sizeof(*uh)))
		return NPFCT_PARSE_L4_TRUNC;
	uh = pkt_read(m, pkt->l4_off, sizeof(*uh), &buf);
	if (!inner) {
		ulen = rte_be_to_cpu_16(uh->dgram_len);
		if (unlikely(ulen < sizeof(*uh) || (ulen > pkt->l4_len &&
		    (pkt->flags & NPFCT_PKT_FRAG) == 0)))
			return NPFCT_PARSE_L4_BAD;
	}
	pkt->sport = uh->src_port;
	pkt->dport = uh->dst_port;
	pkt->flags |= NPFCT_PKT_L4 | NPFCT_PKT_UDP;
	return NPFCT_PARSE_OK;
}

/*
 * icmp_parse: parse an ICMP or ICMPv6 header (see the table above).
 *
 * => Four bytes are enough for a message that is neither a query nor an
 *    error; queries and errors need their 8-byte header.
 * => For an error, icmp.inner_off is the offset of the quoted IP header;
 *    a quoted error (inner) is neither trackable nor parsed further.
 */
static inline enum npfct_parse_status
icmp_parse(struct npfct_pkt *pkt, const struct rte_mbuf *m, bool inner)
{
	uint8_t buf[PKT_L4_IDS_LEN];
	const uint8_t *ih;
	uint32_t len, cls;
	rte_be16_t id;

	if (unlikely(pkt->l4_len < PKT_ICMP_MIN_LEN))
		return NPFCT_PARSE_L4_TRUNC;
	len = pkt->l4_len < PKT_L4_IDS_LEN ? PKT_ICMP_MIN_LEN : PKT_L4_IDS_LEN;
	ih = pkt_read(m, pkt->l4_off, len, buf);
	cls = icmp_class[(pkt->flags & NPFCT_PKT_IP6) != 0][ih[0]];
	pkt->icmp.type = ih[0];
	pkt->icmp.code = ih[1];
	pkt->icmp.inner_off = 0;
	pkt->flags |= NPFCT_PKT_ICMP;
	pkt_no_ids(pkt);
	if (cls == 0)
		return NPFCT_PARSE_OK;
	if (unlikely(len < PKT_L4_IDS_LEN))
		return NPFCT_PARSE_L4_TRUNC;
	if (cls == NPFCT_PKT_ICMP_QUERY) {
		/* Identifier: bytes 4-5 of echo, timestamp and the others. */
		memcpy(&id, ih + 4, sizeof(id));
		pkt->sport = id;
		pkt->dport = id;
		pkt->flags |= NPFCT_PKT_ICMP_QUERY | NPFCT_PKT_L4;
	} else if (!inner) {
		pkt->icmp.inner_off = (uint16_t)(pkt->l4_off + PKT_L4_IDS_LEN);
		pkt->flags |= NPFCT_PKT_ICMP_ERR;
	}
	return NPFCT_PARSE_OK;
}

/*
 * l4_parse: parse the layer 4 header at pkt->l4_off, pkt->proto.
 *
 * => l4_off and l4_len are set and l4_off + l4_len is within the packet.
 */
static inline enum npfct_parse_status
l4_parse(struct npfct_pkt *pkt, const struct rte_mbuf *m, bool inner)
{
	switch (pkt->proto) {
	case IPPROTO_TCP:
		return tcp_parse(pkt, m, inner);
	case IPPROTO_UDP:
		return udp_parse(pkt, m, inner);
	case IPPROTO_ICMP:
		if (pkt->flags & NPFCT_PKT_IP4)
			return icmp_parse(pkt, m, inner);
		break;
	case IPPROTO_ICMPV6:
		if (pkt->flags & NPFCT_PKT_IP6)
			return icmp_parse(pkt, m, inner);
		break;
	default:
		break;
	}
	pkt_no_ids(pkt);
	pkt->flags |= NPFCT_PKT_L4 | NPFCT_PKT_L4_OTHER;
	return NPFCT_PARSE_OK;
}

/*
 * ip4_parse: parse an IPv4 header at off, then its layer 4 header.
 *
 * => end is the end of the data that may be read (off < end).
 * => For a quoted packet (inner) the total length is not checked and
 *    layer 4 extends to end.
 */
static inline enum npfct_parse_status
ip4_parse(struct npfct_pkt *pkt, const struct rte_mbuf *m, uint32_t off,
		uint32_t end, bool inner)
{
	struct rte_ipv4_hdr buf;
	const struct rte_ipv4_hdr *ip;
	uint32_t avail = end - off, hlen, tlen;
	uint16_t frag;

	if (unlikely(avail < sizeof(*ip)))
		return NPFCT_PARSE_L3_TRUNC;
	ip = pkt_read_hdr(m, off, sizeof(*ip), &buf, __alignof__(*ip));
	hlen = (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) << 2;
	if (unlikely((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip)))
		return NPFCT_PARSE_L3_BAD;
	if (unlikely(hlen > avail))
		return NPFCT_PARSE_L3_TRUNC;
	if (inner) {
		tlen = avail;
	} else {
		tlen = rte_be_to_cpu_16(ip->total_length);
		if (unlikely(tlen < hlen || tlen > avail))
			return NPFCT_PARSE_L3_BAD;
	}

	pkt->flags = NPFCT_PKT_IP4;
	ip4_fields(pkt, ip, off, hlen, tlen);

	frag = rte_be_to_cpu_16(ip->fragment_offset);
	if (unlikely(frag & PKT_IP4_FRAG_MASK)) {
		pkt->flags |= NPFCT_PKT_FRAG;
		pkt->frag_hdr = (uint16_t)off;
		if (frag & RTE_IPV4_HDR_OFFSET_MASK) {
			/* A later fragment: no layer 4 header. */
			pkt->flags |= NPFCT_PKT_FRAG_LATER;
			pkt_no_ids(pkt);
			return NPFCT_PARSE_OK;
		}
	}
	return l4_parse(pkt, m, inner);
}

/*
 * ip6_parse: parse an IPv6 header at off, walk its extension headers,
 * then parse its layer 4 header.
 *
 * => end is the end of the data that may be read (off < end).
 * => For a quoted packet (inner) the payload length is not checked and
 *    the chain and layer 4 extend to end.
 * => ESP, "no next header" and unknown headers end the walk and are
 *    layer 4 "other".
 */
static inline enum npfct_parse_status
ip6_parse(struct npfct_pkt *pkt, const struct rte_mbuf *m, uint32_t off,
		uint32_t end, bool inner)
{
	struct rte_ipv6_hdr buf;
	const struct rte_ipv6_hdr *ip6;
	uint8_t ebuf[8];
	const uint8_t *ext;
	uint32_t avail = end - off, p, lim, len;
	unsigned int n;
	uint8_t nh;

	if (unlikely(avail < sizeof(*ip6)))
		return NPFCT_PARSE_L3_TRUNC;
	ip6 = pkt_read_hdr(m, off, sizeof(*ip6), &buf,
	    __alignof__(*ip6));
	if (unlikely((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6))
		return NPFCT_PARSE_L3_BAD;
	if (!inner) {
		len = rte_be_to_cpu_16(ip6->payload_len);
		if (unlikely(len > avail - sizeof(*ip6)))
			return NPFCT_PARSE_L3_BAD;
		end = off + sizeof(*ip6) + len;
	}

	pkt->flags = NPFCT_PKT_IP6;
	pkt->alen = sizeof(ip6->src_addr);
	pkt->ttl = ip6->hop_limits;
	pkt->l3_off = (uint16_t)off;
	memcpy(pkt->src.a8, &ip6->src_addr, sizeof(pkt->src.a8));
	memcpy(pkt->dst.a8, &ip6->dst_addr, sizeof(pkt->dst.a8));

	nh = ip6->proto;
	p = off + sizeof(*ip6);
	lim = RTE_MIN(end, (uint32_t)PKT_L4_OFF_MAX);
	for (n = 0; ; n++) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_FRAGMENT:
		case IPPROTO_AH:
			break;
		default:
			goto l4;
		}
		/* Every extension header is at least 8 bytes long. */
		if (unlikely(n == PKT_IP6_EXT_MAX || p + sizeof(ebuf) > lim))
			return NPFCT_PARSE_L3_EXT_BAD;
		ext = pkt_read(m, p, sizeof(ebuf), ebuf);
		if (nh == IPPROTO_FRAGMENT) {
			/* RFC 8200 4.5: one fragment header at most. */
			if (unlikely(pkt->flags & NPFCT_PKT_FRAG))
				return NPFCT_PARSE_L3_EXT_BAD;
			pkt->flags |= NPFCT_PKT_FRAG;
			pkt->frag_hdr = (uint16_t)p;
			len = sizeof(ebuf);
			if ((ext[2] << 8 | ext[3]) & PKT_IP6_FRAG_OFF_MASK) {
				/* A later fragment: no layer 4 header. */
				pkt->flags |= NPFCT_PKT_FRAG_LATER;
				pkt->proto = ext[0];
				pkt->l4_off = (uint16_t)(p + len);
				pkt->l4_len = (uint16_t)(end - (p + len));
				pkt_no_ids(pkt);
				return NPFCT_PARSE_OK;
			}
		} else if (nh == IPPROTO_AH) {
			/* RFC 4302: length in 4-byte units, minus 2. */
			len = ((uint32_t)ext[1] + 2) << 2;
		} else {
			/* RFC 8200: length in 8-byte units, minus 1. */
			len = ((uint32_t)ext[1] + 1) << 3;
		}
		if (unlikely(p + len > lim))
			return NPFCT_PARSE_L3_EXT_BAD;
		nh = ext[0];
		p += len;
	}
l4:
	pkt->proto = nh;
	pkt->l4_off = (uint16_t)p;
	pkt->l4_len = (uint16_t)(end - p);
	return l4_parse(pkt, m, inner);
}

/*
 * parse_fast4: the common case in one pass - an untagged Ethernet frame
 * carrying IPv4 without options, not a fragment, with a TCP header
 * without options (or with options, not on a SYN) or a UDP header, all
 * in the first segment and all lengths consistent.
 *
 * => Returns true with *pkt filled exactly as the general parser fills
 *    it; false, having written nothing, for any other packet, which the
 *    general parser then takes from the start.
 */
static __rte_always_inline bool
parse_fast4(struct npfct_pkt *pkt, struct rte_mbuf *m)
{
	const uint32_t off = sizeof(struct rte_ether_hdr);
	const uint32_t l4_off = off + sizeof(struct rte_ipv4_hdr);
	const uint32_t dlen = rte_pktmbuf_data_len(m);
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const void *)(d + off);
	const void *l4 = d + l4_off;
	uint32_t tlen, l4_len, hlen;
	rte_be16_t type;

	/* The smallest of the headers: UDP; TCP is checked below. */
	if (unlikely(dlen < l4_off + sizeof(struct rte_udp_hdr)))
		return false;
	memcpy(&type, d + offsetof(struct rte_ether_hdr, ether_type),
	    sizeof(type));
	/*
	 * An IPv4 header the structure's alignment does not allow (an odd
	 * data offset) goes to the general parser, which copies it.
	 */
	if (unlikely(type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ((uintptr_t)ip & (__alignof__(*ip) - 1)) != 0 ||
	    ip->version_ihl != RTE_IPV4_VHL_DEF ||
	    (ip->fragment_offset & RTE_BE16(PKT_IP4_FRAG_MASK)) != 0))
		return false;
	tlen = rte_be_to_cpu_16(ip->total_length);
	/* As off + tlen: a (malformed) pkt_len under off must not wrap. */
	if (unlikely(tlen < sizeof(*ip) ||
	    off + tlen > rte_pktmbuf_pkt_len(m)))
		return false;
	l4_len = tlen - sizeof(*ip);

	/*
	 * Decide before writing: a packet the fast path declines leaves
	 * *pkt untouched.
	 */
	if (ip->next_proto_id == IPPROTO_UDP) {
		const struct rte_udp_hdr *uh = l4;
		const uint32_t ulen = rte_be_to_cpu_16(uh->dgram_len);

		/* 8 <= ulen <= l4_len: the header fits the IP payload. */
		if (unlikely(ulen < sizeof(*uh) || ulen > l4_len))
			return false;
		ip4_fields(pkt, ip, off, sizeof(*ip), tlen);
		pkt->flags = NPFCT_PKT_IP4 | NPFCT_PKT_L4 | NPFCT_PKT_UDP;
		pkt->sport = uh->src_port;
		pkt->dport = uh->dst_port;
	} else if (ip->next_proto_id == IPPROTO_TCP) {
		const struct rte_tcp_hdr *th = l4;

		if (unlikely(dlen < l4_off + sizeof(*th)))
			return false;
		/* 20 <= hlen <= l4_len: the header fits the IP payload. */
		hlen = (uint32_t)(th->data_off >> 4) << 2;
		if (unlikely(hlen < sizeof(*th) || hlen > l4_len ||
		    (hlen > sizeof(*th) && (th->tcp_flags & NPFCT_TH_SYN))))
			return false;
		ip4_fields(pkt, ip, off, sizeof(*ip), tlen);
		pkt->flags = NPFCT_PKT_IP4 | NPFCT_PKT_L4 | NPFCT_PKT_TCP;
		tcp_fields(pkt, th, hlen);
	} else {
		return false;
	}
	pkt->mbuf = m;
	pkt->ifid = m->port;
	pkt->zone = npfct_mbuf_zone(m);
	pkt->status = NPFCT_PARSE_OK;
	return true;
}

/* parse_fast4() for the tests, which check what it takes and leaves. */
bool
npfct_pkt_parse_fast(struct npfct_pkt *pkt, struct rte_mbuf *m)
{
	return parse_fast4(pkt, m);
}

/*
 * npfct_pkt_parse: parse a packet starting with an Ethernet header: the
 * common case in one pass, anything else through the general parser.
 */
enum npfct_parse_status
npfct_pkt_parse(struct npfct_pkt *pkt, struct rte_mbuf *m)
{
	if (likely(parse_fast4(pkt, m)))
		return NPFCT_PARSE_OK;
	return npfct_pkt_parse_general(pkt, m);
}

/*
 * npfct_pkt_parse_general: npfct_pkt_parse() without the fast path
 * (the reference the fast path is tested against).
 */
enum npfct_parse_status
npfct_pkt_parse_general(struct npfct_pkt *pkt, struct rte_mbuf *m)
{
	const uint32_t len = rte_pktmbuf_pkt_len(m);
	enum npfct_parse_status st;
	uint32_t off = offsetof(struct rte_ether_hdr, ether_type);
	unsigned int n;
	uint16_t type;

	pkt->mbuf = m;
	pkt->ifid = m->port;
	pkt->zone = npfct_mbuf_zone(m);
	pkt->flags = 0;
	pkt->proto = 0;
	if (unlikely(len < sizeof(struct rte_ether_hdr))) {
		st = NPFCT_PARSE_L2_TRUNC;
		goto out;
	}
	type = pkt_read16(m, off);
	for (n = 0; n < PKT_VLAN_MAX; n++) {
		if (likely(type != RTE_BE16(RTE_ETHER_TYPE_VLAN) &&
		    type != RTE_BE16(RTE_ETHER_TYPE_QINQ) &&
		    type != RTE_BE16(RTE_ETHER_TYPE_QINQ1)))
			break;
		/* Skip the tag: TPID and TCI, then read the next type. */
		off += sizeof(struct rte_vlan_hdr);
		if (unlikely(off + sizeof(type) > len)) {
			st = NPFCT_PARSE_L2_TRUNC;
			goto out;
		}
		type = pkt_read16(m, off);
	}
	off += sizeof(type);

	switch (type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		st = ip4_parse(pkt, m, off, len, false);
		break;
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		st = ip6_parse(pkt, m, off, len, false);
		break;
	default:
		st = NPFCT_PARSE_NOT_IP;
		break;
	}
out:
	pkt->status = (uint8_t)st;
	return st;
}

/*
 * npfct_pkt_parse_l3: parse a packet whose IP header is at l3_off; the
 * IP version decides the family.
 */
enum npfct_parse_status
npfct_pkt_parse_l3(struct npfct_pkt *pkt, struct rte_mbuf *m, uint32_t l3_off)
{
	const uint32_t len = rte_pktmbuf_pkt_len(m);
	enum npfct_parse_status st;
	uint8_t buf;
	const uint8_t *v;

	pkt->mbuf = m;
	pkt->ifid = m->port;
	pkt->zone = npfct_mbuf_zone(m);
	pkt->flags = 0;
	pkt->proto = 0;
	if (unlikely(l3_off >= len)) {
		st = NPFCT_PARSE_L3_TRUNC;
		goto out;
	}
	if (unlikely(l3_off > PKT_L3_OFF_MAX)) {
		st = NPFCT_PARSE_L3_BAD;
		goto out;
	}
	v = pkt_read(m, l3_off, sizeof(buf), &buf);
	switch (*v >> 4) {
	case 4:
		st = ip4_parse(pkt, m, l3_off, len, false);
		break;
	case 6:
		st = ip6_parse(pkt, m, l3_off, len, false);
		break;
	default:
		st = NPFCT_PARSE_L3_BAD;
		break;
	}
out:
	pkt->status = (uint8_t)st;
	return st;
}

/*
 * npfct_pkt_parse_icmp_inner: parse the packet quoted by an ICMP error.
 *
 * => The quoted packet must have the family of the outer packet and lie
 *    within the outer layer 4 data (Ethernet padding is not quoted).
 * => An outer packet that is not a parsed ICMP error gives L3_BAD.
 */
enum npfct_parse_status
npfct_pkt_parse_icmp_inner(struct npfct_pkt *inner,
		const struct npfct_pkt *outer)
{
	const struct rte_mbuf *m = outer->mbuf;
	enum npfct_parse_status st;
	uint32_t off, end;

	inner->mbuf = outer->mbuf;
	inner->ifid = outer->ifid;
	/* The quoted packet is looked up in the error's zone. */
	inner->zone = outer->zone;
	inner->flags = 0;
	if (unlikely(outer->status != NPFCT_PARSE_OK ||
	    (outer->flags & NPFCT_PKT_ICMP_ERR) == 0)) {
		st = NPFCT_PARSE_L3_BAD;
		goto out;
	}
	off = outer->icmp.inner_off;
	end = RTE_MIN((uint32_t)outer->l4_off + outer->l4_len,
	    rte_pktmbuf_pkt_len(m));
	if (unlikely(off >= end)) {
		st = NPFCT_PARSE_L3_TRUNC;
		goto out;
	}
	if (outer->flags & NPFCT_PKT_IP4)
		st = ip4_parse(inner, m, off, end, true);
	else
		st = ip6_parse(inner, m, off, end, true);
out:
	inner->status = (uint8_t)st;
	return st;
}

/*
 * npfct_parse_status_str: name of a parse status, for logs and stats.
 */
const char *
npfct_parse_status_str(enum npfct_parse_status status)
{
	if ((unsigned int)status >= NPFCT_PARSE_STATUS_MAX)
		return "unknown";
	return parse_status_names[status];
}
