/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Test support: build, cut and split packets for the npfct tests.
 *
 * Overview
 *
 *	test_pkt_build() writes an Ethernet frame into one mbuf of the test
 *	pool from a struct test_pkt_spec.  The frame is built in a local
 *	buffer, inside out: the layer 4 header and payload first, then the
 *	IP header (with options or extension headers) in front of it, then
 *	the checksums, then the Ethernet header and its tags:
 *
 *	+----------+-----------+-------------+--------------+---------+
 *	| Ethernet | [QinQ]    | IPv4 + opts | TCP/UDP/ICMP | payload |
 *	| 14 bytes | [802.1Q]  | IPv6 + ext  | or nothing   |         |
 *	+----------+-----------+-------------+--------------+---------+
 *
 *	The IPv4 header checksum comes from rte_ipv4_cksum(), the TCP and
 *	UDP checksums from rte_ipv4_udptcp_cksum() / rte_ipv6_udptcp_cksum(),
 *	the ICMP checksum from rte_raw_cksum() and the ICMPv6 one from the
 *	IPv6 pseudo-header.  Behind IPv6 extension headers the pseudo-header
 *	is computed from a copy of the IPv6 header holding the layer 4
 *	protocol and length.
 *
 *	An ICMP error (spec->inner set) quotes the packet built from the
 *	inner spec: its whole IP header, extension headers included, and
 *	the first 8 bytes of its layer 4 header.
 *
 *	IPv6 extension headers: spec->ext lists them in order and ends at
 *	a 0.  IPPROTO_HOPOPTS is 0 as well, so it is recognised only as
 *	ext[0] followed by another header (RFC 8200 allows it only first).
 *	The headers are the smallest of each kind: 8 bytes (padding options,
 *	an empty type 253 routing header, a fragment header) and 12 bytes
 *	for AH.
 *
 *	test_pkt_split() copies a packet into a chain whose segments start
 *	one byte past the usual headroom, so that headers are misaligned and
 *	split at every possible place.
 *
 * Synchronisation
 *
 *	None: each test owns its mbufs.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "test_eal.h"
#include "test_pkt.h"

/* Largest frame: the default mbuf data room. */
#define PKT_BUF_MAX		RTE_MBUF_DEFAULT_DATAROOM

/* Bytes of the quoted layer 4 header in an ICMP error. */
#define PKT_QUOTE_L4		8

#define PKT_ICMP_HDR_LEN	8
#define PKT_TTL			64
#define PKT_IP6_EXT_LEN		8
#define PKT_IP6_AH_LEN		12
#define PKT_IP6_FRAG_ID		0x12345678

static const struct rte_ether_addr mac_src = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr mac_dst = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };

static size_t build_ip(const struct test_pkt_spec *s, uint8_t *p,
		size_t room, size_t *l3_hlen);

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

static void
addr_parse(int af, const char *str, void *addr)
{
	assert_non_null(str);
	assert_int_equal(inet_pton(af, str, addr), 1);
}

/*
 * ext_count: number of IPv6 extension headers in spec->ext (see above).
 */
static unsigned int
ext_count(const struct test_pkt_spec *s)
{
	unsigned int n;

	for (n = 0; n < RTE_DIM(s->ext); n++) {
		if (s->ext[n] != 0)
			continue;
		if (n == 0 && RTE_DIM(s->ext) > 1 && s->ext[1] != 0)
			continue;	/* hop-by-hop options first */
		break;
	}
	return n;
}

static size_t
ext_len(uint8_t type)
{
	return type == IPPROTO_AH ? PKT_IP6_AH_LEN : PKT_IP6_EXT_LEN;
}

/*
 * payload_fill: a recognisable byte pattern.
 */
static void
payload_fill(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(0xa0 + i);
}

/*
 * build_tcp: TCP header with the MSS, SACK-permitted and window scale
 * options of the spec, each padded to 4 bytes.
 */
static size_t
build_tcp(const struct test_pkt_spec *s, uint8_t *p, size_t room)
{
	size_t hlen = sizeof(struct rte_tcp_hdr);

	assert_true(room >= hlen + 12);
	memset(p, 0, hlen);
	put16(p + 0, s->sport);
	put16(p + 2, s->dport);
	put32(p + 4, s->seq);
	put32(p + 8, s->ack);
	p[13] = s->tcp_flags;
	put16(p + 14, s->win);
	if (s->mss != 0) {
		p[hlen] = 2;
		p[hlen + 1] = 4;
		put16(p + hlen + 2, s->mss);
		hlen += 4;
	}
	if (s->sack_ok) {
		p[hlen] = 4;
		p[hlen + 1] = 2;
		p[hlen + 2] = 1;
		p[hlen + 3] = 1;
		hlen += 4;
	}
	if (s->wscale >= 0) {
		p[hlen] = 1;
		p[hlen + 1] = 3;
		p[hlen + 2] = 3;
		p[hlen + 3] = (uint8_t)s->wscale;
		hlen += 4;
	}
	p[12] = (uint8_t)((hlen / 4) << 4);
	return hlen;
}

/*
 * build_icmp: ICMP/ICMPv6 header; an error quotes the inner packet,
 * other messages carry the query id and sequence 0.
 */
static size_t
build_icmp(const struct test_pkt_spec *s, uint8_t *p, size_t room)
{
	uint8_t inner[PKT_BUF_MAX];
	size_t len, hlen;

	assert_true(room >= PKT_ICMP_HDR_LEN);
	memset(p, 0, PKT_ICMP_HDR_LEN);
	p[0] = s->icmp_type;
	p[1] = s->icmp_code;
	if (s->inner == NULL) {
		put16(p + 4, s->icmp_id);
		return PKT_ICMP_HDR_LEN;
	}
	len = build_ip(s->inner, inner, sizeof(inner), &hlen);
	len = RTE_MIN(len, hlen + PKT_QUOTE_L4);
	assert_true(room >= PKT_ICMP_HDR_LEN + len);
	memcpy(p + PKT_ICMP_HDR_LEN, inner, len);
	return PKT_ICMP_HDR_LEN + len;
}

/*
 * build_l4: layer 4 header and payload; returns their length.
 */
static size_t
build_l4(const struct test_pkt_spec *s, uint8_t *p, size_t room)
{
	size_t hlen;

	switch (s->proto) {
	case IPPROTO_TCP:
		hlen = build_tcp(s, p, room);
		break;
	case IPPROTO_UDP:
		assert_true(room >= sizeof(struct rte_udp_hdr));
		memset(p, 0, sizeof(struct rte_udp_hdr));
		put16(p + 0, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, (uint16_t)(sizeof(struct rte_udp_hdr) +
		    s->payload_len));
		hlen = sizeof(struct rte_udp_hdr);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		hlen = build_icmp(s, p, room);
		break;
	default:
		hlen = 0;
		break;
	}
	assert_true(room >= hlen + s->payload_len);
	payload_fill(p + hlen, s->payload_len);
	return hlen + s->payload_len;
}

/*
 * l4_cksum: fill in the layer 4 checksum.
 *
 * => ip is the IPv4 header, or a copy of the IPv6 header whose proto and
 *    payload_len are those of layer 4 (the pseudo-header).
 */
static void
l4_cksum(int af, uint8_t proto, const void *ip, uint8_t *l4, size_t l4_len)
{
	uint16_t cksum;
	size_t off;

	switch (proto) {
	case IPPROTO_TCP:
		off = offsetof(struct rte_tcp_hdr, cksum);
		break;
	case IPPROTO_UDP:
		off = offsetof(struct rte_udp_hdr, dgram_cksum);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		off = 2;
		break;
	default:
		return;
	}
	if (l4_len < off + 2)
		return;
	put16(l4 + off, 0);
	if (af == AF_INET && proto == IPPROTO_ICMP)
		cksum = (uint16_t)~rte_raw_cksum(l4, l4_len);
	else if (af == AF_INET)
		cksum = rte_ipv4_udptcp_cksum(ip, l4);
	else
		cksum = rte_ipv6_udptcp_cksum(ip, l4);
	/* The checksum is computed in memory order: store it as is. */
	memcpy(l4 + off, &cksum, sizeof(cksum));
}

static size_t
build_ip4(const struct test_pkt_spec *s, uint8_t *p, size_t room,
		size_t *l3_hlen)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	size_t hlen = sizeof(*ip) + s->ip_opt_len, l4_len;
	uint16_t frag;

	assert_true(s->ip_opt_len % 4 == 0 && s->ip_opt_len <= 40);
	assert_true(room >= hlen);
	l4_len = build_l4(s, p + hlen, room - hlen);
	assert_true(hlen + l4_len <= UINT16_MAX);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = (uint8_t)(0x40 | hlen / 4);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(hlen + l4_len));
	ip->packet_id = rte_cpu_to_be_16(1);
	frag = (uint16_t)(s->ip_frag_off & RTE_IPV4_HDR_OFFSET_MASK);
	if (s->ip_mf)
		frag |= RTE_IPV4_HDR_MF_FLAG;
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = PKT_TTL;
	ip->next_proto_id = s->proto;
	addr_parse(AF_INET, s->src, &ip->src_addr);
	addr_parse(AF_INET, s->dst, &ip->dst_addr);
	memset(p + sizeof(*ip), RTE_IPV4_HDR_OPT_NOP, s->ip_opt_len);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	l4_cksum(AF_INET, s->proto, ip, p + hlen, l4_len);
	*l3_hlen = hlen;
	return hlen + l4_len;
}

/*
 * build_ext: write one IPv6 extension header of the given type.
 */
static void
build_ext(const struct test_pkt_spec *s, uint8_t type, uint8_t nh,
		uint8_t *p)
{
	memset(p, 0, ext_len(type));
	p[0] = nh;
	switch (type) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_DSTOPTS:
		p[2] = 1;	/* PadN option of 4 bytes */
		p[3] = 4;
		break;
	case IPPROTO_ROUTING:
		p[2] = 253;	/* experimental type, no segments left */
		break;
	case IPPROTO_FRAGMENT:
		put16(p + 2, (uint16_t)(s->ip_frag_off << 3 |
		    (s->ip_mf ? 1 : 0)));
		put32(p + 4, PKT_IP6_FRAG_ID);
		break;
	case IPPROTO_AH:
		p[1] = PKT_IP6_AH_LEN / 4 - 2;
		put32(p + 4, 0x100);	/* SPI */
		put32(p + 8, 1);	/* sequence number */
		break;
	default:
		fail_msg("unsupported IPv6 extension header %u", type);
	}
}

static size_t
build_ip6(const struct test_pkt_spec *s, uint8_t *p, size_t room,
		size_t *l3_hlen)
{
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p, phdr;
	unsigned int n = ext_count(s), i;
	size_t hlen = sizeof(*ip6), l4_len, off;

	for (i = 0; i < n; i++)
		hlen += ext_len(s->ext[i]);
	assert_true(room >= hlen);
	l4_len = build_l4(s, p + hlen, room - hlen);
	assert_true(hlen - sizeof(*ip6) + l4_len <= UINT16_MAX);

	memset(ip6, 0, sizeof(*ip6));
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)(hlen - sizeof(*ip6) +
	    l4_len));
	ip6->proto = n > 0 ? s->ext[0] : s->proto;
	ip6->hop_limits = PKT_TTL;
	addr_parse(AF_INET6, s->src, &ip6->src_addr);
	addr_parse(AF_INET6, s->dst, &ip6->dst_addr);
	off = sizeof(*ip6);
	for (i = 0; i < n; i++) {
		build_ext(s, s->ext[i], i + 1 < n ? s->ext[i + 1] : s->proto,
		    p + off);
		off += ext_len(s->ext[i]);
	}

	phdr = *ip6;
	phdr.proto = s->proto;
	phdr.payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
	l4_cksum(AF_INET6, s->proto, &phdr, p + hlen, l4_len);
	*l3_hlen = hlen;
	return hlen + l4_len;
}

/*
 * build_ip: the whole IP packet; *l3_hlen is the length of the IP header
 * and its options or extension headers.
 */
static size_t
build_ip(const struct test_pkt_spec *s, uint8_t *p, size_t room,
		size_t *l3_hlen)
{
	if (s->af == AF_INET)
		return build_ip4(s, p, room, l3_hlen);
	assert_int_equal(s->af, AF_INET6);
	return build_ip6(s, p, room, l3_hlen);
}

struct rte_mbuf *
test_pkt_build(const struct test_pkt_spec *spec)
{
	uint8_t buf[PKT_BUF_MAX];
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	struct rte_mbuf *m;
	size_t off = offsetof(struct rte_ether_hdr, ether_type), hlen, len;
	char *data;

	assert_non_null(spec);
	/* Tags are written after the MAC addresses, outer first. */
	eh->dst_addr = mac_dst;
	eh->src_addr = mac_src;
	if (spec->qinq != 0) {
		put16(buf + off, RTE_ETHER_TYPE_QINQ);
		put16(buf + off + 2, spec->qinq);
		off += sizeof(struct rte_vlan_hdr);
	}
	if (spec->vlan != 0) {
		put16(buf + off, RTE_ETHER_TYPE_VLAN);
		put16(buf + off + 2, spec->vlan);
		off += sizeof(struct rte_vlan_hdr);
	}
	put16(buf + off, spec->af == AF_INET6 ? RTE_ETHER_TYPE_IPV6 :
	    RTE_ETHER_TYPE_IPV4);
	off += 2;
	len = off + build_ip(spec, buf + off, sizeof(buf) - off, &hlen);

	m = rte_pktmbuf_alloc(test_mbuf_pool());
	assert_non_null(m);
	data = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(data);
	memcpy(data, buf, len);
	m->port = spec->port;
	return m;
}

struct rte_mbuf *
test_pkt_build_parsed(const struct test_pkt_spec *spec, struct npfct_pkt *pkt)
{
	struct rte_mbuf *m = test_pkt_build(spec);

	assert_int_equal(npfct_pkt_parse(pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt->status, NPFCT_PARSE_OK);
	return m;
}

/*
 * test_pkt_split: copy m into a new chain of segments of at most seg_len
 * bytes each; m itself is left alone (the caller frees both).
 */
struct rte_mbuf *
test_pkt_split(struct rte_mbuf *m, uint16_t seg_len)
{
	const uint32_t len = rte_pktmbuf_pkt_len(m);
	struct rte_mbuf *head = NULL, *tail = NULL, *seg;
	uint32_t off = 0, n;
	const void *src;
	char *dst;

	assert_true(seg_len > 0);
	do {
		seg = rte_pktmbuf_alloc(test_mbuf_pool());
		assert_non_null(seg);
		/* Misalign the data: headers must not need alignment. */
		rte_pktmbuf_reset_headroom(seg);
		seg->data_off++;
		n = RTE_MIN((uint32_t)seg_len, len - off);
		n = RTE_MIN(n, (uint32_t)rte_pktmbuf_tailroom(seg));
		dst = rte_pktmbuf_append(seg, (uint16_t)n);
		assert_non_null(dst);
		if (n > 0) {
			src = rte_pktmbuf_read(m, off, n, dst);
			assert_non_null(src);
			if (src != dst)
				memcpy(dst, src, n);
		}
		off += n;
		if (head == NULL) {
			head = seg;
		} else {
			tail->next = seg;
			head->nb_segs++;
			head->pkt_len += n;
		}
		tail = seg;
	} while (off < len);
	head->port = m->port;
	return head;
}

/*
 * test_pkt_truncate: keep the first len bytes of the packet (any number
 * of segments); the segments past the cut are freed.
 */
void
test_pkt_truncate(struct rte_mbuf *m, uint16_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t left = len;
	uint16_t nb = 1;

	assert_true(len <= rte_pktmbuf_pkt_len(m));
	while (seg->data_len < left && seg->next != NULL) {
		left -= seg->data_len;
		seg = seg->next;
		nb++;
	}
	seg->data_len = (uint16_t)left;
	if (seg->next != NULL) {
		rte_pktmbuf_free(seg->next);
		seg->next = NULL;
	}
	m->nb_segs = nb;
	m->pkt_len = len;
}

uint8_t *
test_pkt_byte(struct rte_mbuf *m, uint16_t off)
{
	assert_true(off < rte_pktmbuf_data_len(m));
	return rte_pktmbuf_mtod_offset(m, uint8_t *, off);
}

struct rte_mbuf *
test_pkt_tcp4(const char *src, uint16_t sport, const char *dst,
		uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	const struct test_pkt_spec spec = {
		.af = AF_INET, .proto = IPPROTO_TCP,
		.src = src, .sport = sport, .dst = dst, .dport = dport,
		.tcp_flags = flags, .seq = seq, .ack = ack,
		.win = 65535, .wscale = -1,
	};

	return test_pkt_build(&spec);
}

struct rte_mbuf *
test_pkt_udp4(const char *src, uint16_t sport, const char *dst,
		uint16_t dport)
{
	const struct test_pkt_spec spec = {
		.af = AF_INET, .proto = IPPROTO_UDP,
		.src = src, .sport = sport, .dst = dst, .dport = dport,
		.wscale = -1,
	};

	return test_pkt_build(&spec);
}

struct rte_mbuf *
test_pkt_udp6(const char *src, uint16_t sport, const char *dst,
		uint16_t dport)
{
	const struct test_pkt_spec spec = {
		.af = AF_INET6, .proto = IPPROTO_UDP,
		.src = src, .sport = sport, .dst = dst, .dport = dport,
		.wscale = -1,
	};

	return test_pkt_build(&spec);
}

struct rte_mbuf *
test_pkt_icmp4_echo(const char *src, const char *dst, uint8_t type,
		uint16_t id)
{
	const struct test_pkt_spec spec = {
		.af = AF_INET, .proto = IPPROTO_ICMP,
		.src = src, .dst = dst,
		.icmp_type = type, .icmp_id = id,
		.wscale = -1,
	};

	return test_pkt_build(&spec);
}
