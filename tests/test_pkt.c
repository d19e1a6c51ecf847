/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Unit tests for the packet parser (src/pkt.c).
 *
 * Overview
 *
 *	Error paths come first: truncated, malformed and oversized headers
 *	at every layer, packets cut at every length, random and mutated
 *	bytes.  Then the functional cases: the fields of each protocol,
 *	VLAN tags, IPv4 options and fragments, IPv6 extension headers, TCP
 *	options, ICMP errors and their quoted packets, explicit layer 3
 *	offsets, and multi-segment packets, which must parse exactly like
 *	the same packet in one segment.
 *
 *	The parser does not clear struct npfct_pkt, so before comparing two
 *	results both structures are filled with the same byte pattern.
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

#include "npfct_impl.h"
#include "npfct_pkt.h"
#include "test_eal.h"
#include "test_pkt.h"

#define ETH_LEN		RTE_ETHER_HDR_LEN
#define IP4_LEN		20
#define IP6_LEN		40
#define TCP_LEN		20
#define UDP_LEN		8
#define ICMP_LEN	8
#define PATTERN		0xa5

#define A4_SRC		"10.0.0.1"
#define A4_DST		"192.168.1.2"
#define A6_SRC		"2001:db8::1"
#define A6_DST		"2001:db8:1::2"

/* Offsets in an untagged frame. */
#define IP4_OFF(f)	(ETH_LEN + offsetof(struct rte_ipv4_hdr, f))
#define IP6_OFF(f)	(ETH_LEN + offsetof(struct rte_ipv6_hdr, f))

static const struct test_pkt_spec tcp4_spec = {
	.af = AF_INET, .proto = IPPROTO_TCP, .src = A4_SRC, .dst = A4_DST,
	.sport = 40000, .dport = 80, .tcp_flags = NPFCT_TH_SYN,
	.seq = 0x01020304, .ack = 0, .win = 29200,
	.wscale = 7, .mss = 1460, .sack_ok = true, .payload_len = 10,
	.port = 3,
};

static const struct test_pkt_spec tcp6_spec = {
	.af = AF_INET6, .proto = IPPROTO_TCP, .src = A6_SRC, .dst = A6_DST,
	.sport = 51000, .dport = 443, .tcp_flags = NPFCT_TH_ACK | NPFCT_TH_PUSH,
	.seq = 0xfffffff0, .ack = 0x80000001, .win = 512, .wscale = -1,
	.payload_len = 33, .port = 1,
};

static const struct test_pkt_spec udp4_spec = {
	.af = AF_INET, .proto = IPPROTO_UDP, .src = A4_SRC, .dst = A4_DST,
	.sport = 5353, .dport = 53, .wscale = -1, .payload_len = 20,
};

static const struct test_pkt_spec udp6_ext_spec = {
	.af = AF_INET6, .proto = IPPROTO_UDP, .src = A6_SRC, .dst = A6_DST,
	.sport = 1000, .dport = 2000, .wscale = -1, .payload_len = 5,
	.ext = { IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS },
};

static const struct test_pkt_spec icmp4_echo_spec = {
	.af = AF_INET, .proto = IPPROTO_ICMP, .src = A4_SRC, .dst = A4_DST,
	.icmp_type = 8, .icmp_id = 0x4242, .wscale = -1, .payload_len = 16,
};

static const struct test_pkt_spec icmp6_echo_spec = {
	.af = AF_INET6, .proto = IPPROTO_ICMPV6, .src = A6_SRC, .dst = A6_DST,
	.icmp_type = 128, .icmp_id = 0x0102, .wscale = -1, .payload_len = 8,
};

/* The packet an ICMP error quotes (as sent by A4_SRC), and the error. */
static const struct test_pkt_spec tcp4_quoted_spec = {
	.af = AF_INET, .proto = IPPROTO_TCP, .src = A4_SRC, .dst = A4_DST,
	.sport = 1234, .dport = 80, .tcp_flags = NPFCT_TH_ACK,
	.seq = 0xdeadbeef, .ack = 1, .win = 100, .wscale = -1,
	.payload_len = 100, .ip_opt_len = 4,
};

static const struct test_pkt_spec icmp4_err_spec = {
	.af = AF_INET, .proto = IPPROTO_ICMP, .src = "172.16.0.1",
	.dst = A4_SRC, .icmp_type = 3, .icmp_code = 3, .wscale = -1,
	.inner = &tcp4_quoted_spec,
};

static const struct test_pkt_spec udp6_quoted_spec = {
	.af = AF_INET6, .proto = IPPROTO_UDP, .src = A6_SRC, .dst = A6_DST,
	.sport = 5000, .dport = 6000, .wscale = -1, .payload_len = 500,
	.ext = { IPPROTO_DSTOPTS },
};

static const struct test_pkt_spec icmp6_err_spec = {
	.af = AF_INET6, .proto = IPPROTO_ICMPV6, .src = "2001:db8:ff::1",
	.dst = A6_SRC, .icmp_type = 1, .icmp_code = 4, .wscale = -1,
	.inner = &udp6_quoted_spec,
};

static const struct test_pkt_spec vlan_udp4_spec = {
	.af = AF_INET, .proto = IPPROTO_UDP, .src = A4_SRC, .dst = A4_DST,
	.sport = 7, .dport = 9, .wscale = -1, .vlan = 100, .qinq = 200,
	.ip_opt_len = 8,
};

static const struct test_pkt_spec tcp6_frag_spec = {
	.af = AF_INET6, .proto = IPPROTO_TCP, .src = A6_SRC, .dst = A6_DST,
	.sport = 22, .dport = 2222, .tcp_flags = NPFCT_TH_SYN, .wscale = 2,
	.ip_mf = true, .payload_len = 40,
	.ext = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT },
};

/* Packet kinds used by the truncation, split and fuzz tests. */
static const struct test_pkt_spec *const kinds[] = {
	&tcp4_spec, &tcp6_spec, &udp4_spec, &udp6_ext_spec,
	&icmp4_echo_spec, &icmp6_echo_spec, &icmp4_err_spec,
	&icmp6_err_spec, &vlan_udp4_spec, &tcp6_frag_spec,
};

/*
 * Helpers.
 */

static uint32_t rng_state;

/* xorshift32: deterministic across runs and platforms. */
static uint32_t
rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

static void
set8(struct rte_mbuf *m, uint16_t off, uint8_t v)
{
	*test_pkt_byte(m, off) = v;
}

static void
set16(struct rte_mbuf *m, uint16_t off, uint16_t v)
{
	set8(m, off, (uint8_t)(v >> 8));
	set8(m, (uint16_t)(off + 1), (uint8_t)v);
}

static uint16_t
get16(struct rte_mbuf *m, uint16_t off)
{
	return (uint16_t)(*test_pkt_byte(m, off) << 8 |
	    *test_pkt_byte(m, (uint16_t)(off + 1)));
}

/* A single-segment copy of m (data misaligned by one byte). */
static struct rte_mbuf *
pkt_copy(struct rte_mbuf *m)
{
	return test_pkt_split(m, UINT16_MAX);
}

/*
 * A chain of 2000-byte segments holding len bytes of IPv4 headers without
 * payload (20-byte "other" protocol packets) back to back.
 */
static struct rte_mbuf *
long_pkt(uint32_t len)
{
	static const uint8_t ip[IP4_LEN] = {
		0x45, 0, 0, IP4_LEN, 0, 0, 0, 0, 64, 253, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
	};
	struct rte_mbuf *m = NULL, *seg;
	uint32_t off = 0, n, i;
	uint8_t *d;

	while (off < len) {
		seg = rte_pktmbuf_alloc(test_mbuf_pool());
		assert_non_null(seg);
		n = RTE_MIN(len - off, 2000u);
		d = (uint8_t *)rte_pktmbuf_append(seg, (uint16_t)n);
		assert_non_null(d);
		for (i = 0; i < n; i++)
			d[i] = ip[(off + i) % IP4_LEN];
		off += n;
		if (m == NULL)
			m = seg;
		else
			assert_int_equal(rte_pktmbuf_chain(m, seg), 0);
	}
	return m;
}

/* Parse into a pre-filled structure so that results can be memcmp'd. */
static enum npfct_parse_status
parse(struct npfct_pkt *pkt, struct rte_mbuf *m)
{
	memset(pkt, PATTERN, sizeof(*pkt));
	return npfct_pkt_parse(pkt, m);
}

static enum npfct_parse_status
parse_inner(struct npfct_pkt *inner, const struct npfct_pkt *outer)
{
	memset(inner, PATTERN, sizeof(*inner));
	return npfct_pkt_parse_icmp_inner(inner, outer);
}

static enum npfct_parse_status
build_parse(const struct test_pkt_spec *spec, struct npfct_pkt *pkt)
{
	struct rte_mbuf *m = test_pkt_build(spec);
	enum npfct_parse_status st = parse(pkt, m);

	rte_pktmbuf_free(m);
	return st;
}

/* Compare two results, ignoring the mbuf pointer. */
static void
assert_pkt_equal(const struct npfct_pkt *a, const struct npfct_pkt *b)
{
	struct npfct_pkt x = *a, y = *b;

	x.mbuf = NULL;
	y.mbuf = NULL;
	assert_memory_equal(&x, &y, sizeof(x));
}

static void
assert_addr(int af, const union npfct_addr *a, const char *str)
{
	union npfct_addr e;

	memset(&e, 0, sizeof(e));
	assert_int_equal(inet_pton(af, str, &e), 1);
	assert_memory_equal(a, &e, sizeof(e));
}

/* Invariants of every successful parse; parses the quote of an error. */
static void
check_invariants(const struct npfct_pkt *pkt, struct rte_mbuf *m)
{
	const uint32_t f = pkt->flags;
	struct npfct_pkt inner;
	unsigned int n;

	assert_true(pkt->status < NPFCT_PARSE_STATUS_MAX);
	assert_ptr_equal(pkt->mbuf, m);
	if (pkt->status != NPFCT_PARSE_OK) {
		assert_false(npfct_pkt_trackable_p(pkt));
		return;
	}
	assert_true(!(f & NPFCT_PKT_IP4) != !(f & NPFCT_PKT_IP6));
	assert_int_equal(pkt->alen, (f & NPFCT_PKT_IP4) ? 4 : 16);
	if (f & NPFCT_PKT_IP4) {
		assert_int_equal(pkt->src.a32[1] | pkt->src.a32[2] |
		    pkt->src.a32[3], 0);
		assert_int_equal(pkt->dst.a32[1] | pkt->dst.a32[2] |
		    pkt->dst.a32[3], 0);
	}
	assert_true(pkt->l3_off < pkt->l4_off);
	assert_true((uint32_t)pkt->l4_off + pkt->l4_len <=
	    rte_pktmbuf_pkt_len(m));
	n = !!(f & NPFCT_PKT_TCP) + !!(f & NPFCT_PKT_UDP) +
	    !!(f & NPFCT_PKT_ICMP) + !!(f & NPFCT_PKT_L4_OTHER);
	assert_true(n <= 1);
	if (f & NPFCT_PKT_L4)
		assert_int_equal(n, 1);
	if (f & NPFCT_PKT_TCP) {
		assert_true(pkt->tcp.hlen >= TCP_LEN);
		assert_true(pkt->tcp.hlen <= pkt->l4_len);
		assert_int_equal(pkt->tcp.datalen, pkt->l4_len - pkt->tcp.hlen);
		assert_true(pkt->tcp.wscale <= 14 ||
		    pkt->tcp.wscale == NPFCT_TCP_WSCALE_NONE);
		assert_int_equal(pkt->tcp.flags & ~0x3f, 0);
	}
	if (f & NPFCT_PKT_ICMP_QUERY) {
		assert_true(f & NPFCT_PKT_L4);
		assert_int_equal(pkt->sport, pkt->dport);
	}
	if (f & NPFCT_PKT_ICMP_ERR) {
		assert_false(f & (NPFCT_PKT_L4 | NPFCT_PKT_ICMP_QUERY));
		assert_int_equal(pkt->icmp.inner_off, pkt->l4_off + ICMP_LEN);
		parse_inner(&inner, pkt);
		assert_true(inner.status < NPFCT_PARSE_STATUS_MAX);
		if (inner.status == NPFCT_PARSE_OK) {
			assert_int_equal(inner.alen, pkt->alen);
			assert_false(inner.flags & NPFCT_PKT_ICMP_ERR);
			assert_true((uint32_t)inner.l4_off + inner.l4_len <=
			    (uint32_t)pkt->l4_off + pkt->l4_len);
		}
	}
	if ((f & NPFCT_PKT_L4) == 0)
		assert_false(npfct_pkt_trackable_p(pkt));
}

/* Parse m and a split copy at seg_len; both results must be identical. */
static void
check_split(struct rte_mbuf *m, uint16_t seg_len)
{
	struct npfct_pkt a, b, ai, bi;
	struct rte_mbuf *s = test_pkt_split(m, seg_len);

	assert_int_equal(rte_pktmbuf_pkt_len(s), rte_pktmbuf_pkt_len(m));
	parse(&a, m);
	parse(&b, s);
	assert_pkt_equal(&a, &b);
	if (a.status == NPFCT_PARSE_OK && (a.flags & NPFCT_PKT_ICMP_ERR)) {
		parse_inner(&ai, &a);
		parse_inner(&bi, &b);
		assert_pkt_equal(&ai, &bi);
	}
	rte_pktmbuf_free(s);
}

/*
 * Error paths: npfct_parse_status_str().
 */

static void
test_parse_status_str_names(void **state)
{
	unsigned int i, j;

	(void)state;
	assert_string_equal(npfct_parse_status_str(NPFCT_PARSE_OK), "ok");
	assert_string_equal(npfct_parse_status_str(NPFCT_PARSE_L3_TRUNC),
	    "l3-trunc");
	for (i = 0; i < NPFCT_PARSE_STATUS_MAX; i++) {
		assert_non_null(npfct_parse_status_str(i));
		assert_string_not_equal(npfct_parse_status_str(i), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(npfct_parse_status_str(i),
			    npfct_parse_status_str(j));
	}
	assert_string_equal(npfct_parse_status_str(NPFCT_PARSE_STATUS_MAX),
	    "unknown");
	assert_string_equal(npfct_parse_status_str(
	    (enum npfct_parse_status)-1), "unknown");
}

/*
 * Error paths: npfct_pkt_parse().
 */

static void
test_pkt_parse_l2_trunc(void **state)
{
	struct rte_mbuf *full = test_pkt_build(&vlan_udp4_spec), *m;
	struct npfct_pkt pkt;
	uint16_t len;

	(void)state;
	/* Ethernet (14), QinQ tag (4), VLAN tag (4): cut before each type. */
	for (len = 0; len < ETH_LEN + 2 * 4; len++) {
		m = pkt_copy(full);
		test_pkt_truncate(m, len);
		assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L2_TRUNC);
		assert_int_equal(pkt.status, NPFCT_PARSE_L2_TRUNC);
		assert_int_equal(pkt.flags, 0);
		assert_ptr_equal(pkt.mbuf, m);
		assert_false(npfct_pkt_trackable_p(&pkt));
		rte_pktmbuf_free(m);
	}
	rte_pktmbuf_free(full);
}

static void
test_pkt_parse_not_ip(void **state)
{
	static const uint8_t arp[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x08, 0x06,				/* ARP */
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 10, 0, 0, 1,
		0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
	};
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_mbuf_pool());
	struct npfct_pkt pkt;

	(void)state;
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, sizeof(arp)), arp, sizeof(arp));
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_NOT_IP);
	assert_int_equal(pkt.flags, 0);
	assert_false(npfct_pkt_trackable_p(&pkt));
	rte_pktmbuf_free(m);

	/* Three tags: only two are skipped, the third is not IP. */
	m = test_pkt_build(&vlan_udp4_spec);
	set16(m, 12, RTE_ETHER_TYPE_QINQ1);
	set16(m, 16, RTE_ETHER_TYPE_VLAN);
	set16(m, 20, RTE_ETHER_TYPE_VLAN);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_NOT_IP);
	rte_pktmbuf_free(m);

	/* IPv4 ethertype, version 6 header (and the reverse). */
	m = test_pkt_udp6(A6_SRC, 1, A6_DST, 2);
	set16(m, 12, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_BAD);
	rte_pktmbuf_free(m);
	m = test_pkt_udp4(A4_SRC, 1, A4_DST, 2);
	set16(m, 12, RTE_ETHER_TYPE_IPV6);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_TRUNC);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_ip4_bad(void **state)
{
	struct rte_mbuf *m;
	struct npfct_pkt pkt;
	uint8_t ihl;

	(void)state;
	/* IHL below 5. */
	for (ihl = 0; ihl < 5; ihl++) {
		m = test_pkt_udp4(A4_SRC, 1, A4_DST, 2);
		set8(m, ETH_LEN, (uint8_t)(0x40 | ihl));
		assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_BAD);
		rte_pktmbuf_free(m);
	}
	/* IHL past the end of the packet: the header itself is cut. */
	m = test_pkt_udp4(A4_SRC, 1, A4_DST, 2);	/* 28 bytes of IP */
	set8(m, ETH_LEN, 0x48);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_TRUNC);
	rte_pktmbuf_free(m);
	/* Total length below the header length. */
	m = test_pkt_build(&vlan_udp4_spec);	/* IHL 7 */
	set16(m, 22 + offsetof(struct rte_ipv4_hdr, total_length), 27);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_BAD);
	rte_pktmbuf_free(m);
	/* Version 5 and 0. */
	m = test_pkt_udp4(A4_SRC, 1, A4_DST, 2);
	set8(m, ETH_LEN, 0x55);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_BAD);
	set8(m, ETH_LEN, 0x05);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_BAD);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_ip6_bad(void **state)
{
	struct rte_mbuf *m;
	struct npfct_pkt pkt;

	(void)state;
	m = test_pkt_udp6(A6_SRC, 1, A6_DST, 2);
	set8(m, ETH_LEN, 0x40);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_BAD);
	set8(m, ETH_LEN, 0x70);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_BAD);
	rte_pktmbuf_free(m);

	/* Jumbogram-style zero payload length: UDP is then cut. */
	m = test_pkt_udp6(A6_SRC, 1, A6_DST, 2);
	set16(m, IP6_OFF(payload_len), 0);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_TRUNC);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_ip6_ext_bad(void **state)
{
	struct test_pkt_spec spec = udp6_ext_spec;
	struct rte_mbuf *m;
	struct npfct_pkt pkt;
	unsigned int i;
	uint16_t last;

	(void)state;
	/* Nine extension headers: one over the limit. */
	for (i = 0; i < RTE_DIM(spec.ext); i++)
		spec.ext[i] = IPPROTO_DSTOPTS;
	spec.payload_len = 16;
	m = test_pkt_build(&spec);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.l4_off, ETH_LEN + IP6_LEN + 8 * 8);
	last = ETH_LEN + IP6_LEN + 7 * 8;
	set8(m, last, IPPROTO_DSTOPTS);		/* UDP becomes a 9th */
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_EXT_BAD);
	assert_false(npfct_pkt_trackable_p(&pkt));
	rte_pktmbuf_free(m);

	/*
	 * Header length past the payload (routing: 16 bytes reaches the
	 * UDP header, read as a header of 1872 bytes; 2048 bytes).
	 */
	m = test_pkt_build(&udp6_ext_spec);
	set8(m, ETH_LEN + IP6_LEN + 8 + 1, 1);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_EXT_BAD);
	set8(m, ETH_LEN + IP6_LEN + 8 + 1, 255);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_EXT_BAD);
	rte_pktmbuf_free(m);

	/* Payload length ends inside the chain; the frame is padded. */
	m = test_pkt_build(&udp6_ext_spec);
	set16(m, IP6_OFF(payload_len), 12);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_EXT_BAD);
	set16(m, IP6_OFF(payload_len), 8);	/* hop-by-hop only */
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_EXT_BAD);
	set16(m, IP6_OFF(payload_len), 0);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_EXT_BAD);
	set16(m, IP6_OFF(payload_len), 24);	/* chain, no UDP */
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_TRUNC);
	rte_pktmbuf_free(m);

	/* AH with a length past the payload. */
	spec = udp6_ext_spec;
	memset(spec.ext, 0, sizeof(spec.ext));
	spec.ext[0] = IPPROTO_AH;
	m = test_pkt_build(&spec);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.l4_off, ETH_LEN + IP6_LEN + 12);
	set8(m, ETH_LEN + IP6_LEN + 1, 20);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_EXT_BAD);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_oversized_lengths(void **state)
{
	struct rte_mbuf *m;
	struct npfct_pkt pkt;
	uint16_t tot, l4;

	(void)state;
	/* IPv4 total length one past the packet. */
	m = test_pkt_build(&tcp4_spec);
	tot = get16(m, IP4_OFF(total_length));
	set16(m, IP4_OFF(total_length), (uint16_t)(tot + 1));
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_BAD);
	set16(m, IP4_OFF(total_length), 0xffff);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_BAD);
	set16(m, IP4_OFF(total_length), tot);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	rte_pktmbuf_free(m);

	/* IPv6 payload length one past the packet. */
	m = test_pkt_build(&tcp6_spec);
	tot = get16(m, IP6_OFF(payload_len));
	set16(m, IP6_OFF(payload_len), (uint16_t)(tot + 1));
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L3_BAD);
	rte_pktmbuf_free(m);

	/* UDP length past the IP payload, and below 8. */
	m = test_pkt_build(&udp4_spec);
	l4 = ETH_LEN + IP4_LEN;
	set16(m, l4 + 4, UDP_LEN + udp4_spec.payload_len + 1);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_BAD);
	set16(m, l4 + 4, 7);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_BAD);
	set16(m, l4 + 4, 0);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_BAD);
	set16(m, l4 + 4, 8);	/* shorter than the IP payload: fine */
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	rte_pktmbuf_free(m);

	/* TCP data offset past the segment, and below 5. */
	m = test_pkt_tcp4(A4_SRC, 1, A4_DST, 2, NPFCT_TH_ACK, 1, 1);
	l4 = ETH_LEN + IP4_LEN;
	set8(m, l4 + 12, 6 << 4);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_BAD);
	set8(m, l4 + 12, 15 << 4);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_BAD);
	set8(m, l4 + 12, 4 << 4);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_BAD);
	set8(m, l4 + 12, 0);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_BAD);
	assert_false(npfct_pkt_trackable_p(&pkt));
	assert_true(pkt.flags & NPFCT_PKT_IP4);
	rte_pktmbuf_free(m);

	/* TCP options past the IP payload (frame padded behind it). */
	m = test_pkt_build(&tcp4_spec);		/* 12 bytes of options */
	tot = get16(m, IP4_OFF(total_length));
	set16(m, IP4_OFF(total_length), IP4_LEN + TCP_LEN + 8);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_BAD);
	set16(m, IP4_OFF(total_length), IP4_LEN + TCP_LEN + 12);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.tcp.datalen, 0);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_l4_trunc(void **state)
{
	struct rte_mbuf *m;
	struct npfct_pkt pkt;
	uint16_t l4;

	(void)state;
	/* IP lengths that leave 0-19 bytes of TCP. */
	for (l4 = 0; l4 < TCP_LEN; l4++) {
		m = test_pkt_build(&tcp4_spec);
		set16(m, IP4_OFF(total_length), IP4_LEN + l4);
		assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_TRUNC);
		rte_pktmbuf_free(m);
	}
	for (l4 = 0; l4 < UDP_LEN; l4++) {
		m = test_pkt_udp6(A6_SRC, 1, A6_DST, 2);
		set16(m, IP6_OFF(payload_len), l4);
		assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_TRUNC);
		rte_pktmbuf_free(m);
	}
	/* ICMP: 4 bytes for a message without id, 8 for echo and errors. */
	for (l4 = 0; l4 < ICMP_LEN; l4++) {
		m = test_pkt_build(&icmp4_echo_spec);
		set16(m, IP4_OFF(total_length), IP4_LEN + l4);
		assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_TRUNC);
		set8(m, ETH_LEN + IP4_LEN, 3);		/* unreachable */
		assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_TRUNC);
		set8(m, ETH_LEN + IP4_LEN, 9);		/* router advert. */
		assert_int_equal(parse(&pkt, m), l4 < 4 ?
		    NPFCT_PARSE_L4_TRUNC : NPFCT_PARSE_OK);
		if (l4 >= 4) {
			assert_int_equal(pkt.flags,
			    NPFCT_PKT_IP4 | NPFCT_PKT_ICMP);
			assert_int_equal(pkt.icmp.type, 9);
		}
		rte_pktmbuf_free(m);
	}
	for (l4 = 0; l4 < ICMP_LEN; l4++) {
		m = test_pkt_build(&icmp6_echo_spec);
		set16(m, IP6_OFF(payload_len), l4);
		assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_TRUNC);
		set8(m, ETH_LEN + IP6_LEN, 2);		/* packet too big */
		assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_TRUNC);
		rte_pktmbuf_free(m);
	}
}

/* The errors of a packet cut short (never OK, never a layer 4 error). */
static bool
cut_status_p(uint8_t status)
{
	return status == NPFCT_PARSE_L2_TRUNC ||
	    status == NPFCT_PARSE_L3_TRUNC || status == NPFCT_PARSE_L3_BAD;
}

/*
 * Cut every packet kind at every length: never OK before the full length
 * (no padding is present, so the IP length always points past the end).
 */
static void
test_pkt_parse_truncated_every_len(void **state)
{
	static const uint16_t segs[] = { UINT16_MAX, 7 };
	struct rte_mbuf *full, *m;
	struct npfct_pkt pkt, ref;
	unsigned int k, i;
	uint32_t len, flen;

	(void)state;
	for (k = 0; k < RTE_DIM(kinds); k++) {
		full = test_pkt_build(kinds[k]);
		flen = rte_pktmbuf_pkt_len(full);
		assert_int_equal(parse(&ref, full), NPFCT_PARSE_OK);
		for (len = 0; len <= flen; len++) {
			/* Single segment, then 7-byte segments. */
			for (i = 0; i < RTE_DIM(segs); i++) {
				m = test_pkt_split(full, segs[i]);
				test_pkt_truncate(m, (uint16_t)len);
				parse(&pkt, m);
				check_invariants(&pkt, m);
				if (len == flen) {
					assert_pkt_equal(&pkt, &ref);
				} else {
					assert_true(cut_status_p(pkt.status));
				}
				rte_pktmbuf_free(m);
			}
		}
		rte_pktmbuf_free(full);
	}
}

/*
 * Shorten the IP length field one byte at a time (the frame keeps its
 * length, as if padded): layer 4 must fail, or parse the same values.
 */
static void
test_pkt_parse_truncated_ip_len(void **state)
{
	struct rte_mbuf *m;
	struct npfct_pkt pkt, ref;
	unsigned int k;
	uint32_t l4, l3, ipend;
	uint16_t lenoff;

	(void)state;
	for (k = 0; k < RTE_DIM(kinds); k++) {
		m = test_pkt_build(kinds[k]);
		assert_int_equal(parse(&ref, m), NPFCT_PARSE_OK);
		ipend = ref.l4_off + ref.l4_len;
		l3 = ref.l3_off;
		lenoff = (uint16_t)(l3 + ((ref.flags & NPFCT_PKT_IP4) ?
		    offsetof(struct rte_ipv4_hdr, total_length) :
		    offsetof(struct rte_ipv6_hdr, payload_len)));
		for (l4 = ref.l4_off; l4 < ipend; l4++) {
			set16(m, lenoff, (uint16_t)(l4 - l3 -
			    ((ref.flags & NPFCT_PKT_IP4) ? 0 : IP6_LEN)));
			parse(&pkt, m);
			check_invariants(&pkt, m);
			if (pkt.status != NPFCT_PARSE_OK) {
				assert_true(pkt.status ==
				    NPFCT_PARSE_L4_TRUNC ||
				    pkt.status == NPFCT_PARSE_L4_BAD);
				continue;
			}
			/*
			 * TCP and ICMP have no length field: the same
			 * values, less data.  UDP must not parse shorter.
			 */
			assert_false(ref.flags & NPFCT_PKT_UDP);
			assert_int_equal(pkt.flags, ref.flags);
			assert_int_equal(pkt.l4_len, l4 - ref.l4_off);
			assert_int_equal(pkt.sport, ref.sport);
			assert_int_equal(pkt.dport, ref.dport);
			if (ref.flags & NPFCT_PKT_ICMP) {
				assert_true(pkt.l4_len >= ICMP_LEN);
				assert_int_equal(pkt.icmp.type, ref.icmp.type);
				continue;
			}
			assert_true(pkt.l4_len >= ref.tcp.hlen);
			assert_int_equal(pkt.tcp.datalen,
			    pkt.l4_len - ref.tcp.hlen);
			pkt.tcp.datalen = ref.tcp.datalen;
			assert_memory_equal(&pkt.tcp, &ref.tcp,
			    sizeof(pkt.tcp));
		}
		rte_pktmbuf_free(m);
	}
}

static void
test_pkt_parse_garbage(void **state)
{
	static const uint16_t types[] = {
		RTE_ETHER_TYPE_IPV4, RTE_ETHER_TYPE_IPV6, RTE_ETHER_TYPE_VLAN,
		RTE_ETHER_TYPE_QINQ, RTE_ETHER_TYPE_ARP,
	};
	struct rte_mbuf *m;
	struct npfct_pkt pkt;
	unsigned int i, ok = 0;
	uint32_t len, j, r;
	uint16_t type;
	uint8_t *d;

	(void)state;
	rng_state = 0x12345678;
	for (i = 0; i < 20000; i++) {
		m = rte_pktmbuf_alloc(test_mbuf_pool());
		assert_non_null(m);
		len = rng() % 160;
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
		assert_non_null(d);
		for (j = 0; j < len; j++)
			d[j] = (uint8_t)rng();
		/*
		 * Steer most packets past layer 2 and the version check:
		 * a known ethertype, the matching version and, half of the
		 * time, IHL 5.
		 */
		r = rng();
		if (len > ETH_LEN && (r & 7) != 0) {
			type = types[(r >> 3) % RTE_DIM(types)];
			d[12] = (uint8_t)(type >> 8);
			d[13] = (uint8_t)type;
			d[14] = (uint8_t)((type == RTE_ETHER_TYPE_IPV6 ? 0x60 :
			    0x40) | (d[14] & 0x0f));
			if (r & 0x100)
				d[14] = (uint8_t)((d[14] & 0xf0) | 5);
		}
		m->port = (uint16_t)i;
		parse(&pkt, m);
		check_invariants(&pkt, m);
		assert_int_equal(pkt.ifid, (uint16_t)i);
		if (pkt.status == NPFCT_PARSE_OK)
			ok++;
		if (i % 16 == 0)
			check_split(m, (uint16_t)(1 + rng() % 16));
		rte_pktmbuf_free(m);
	}
	/* Not all rejected at the door. */
	assert_true(ok > 0);
}

/* Flip random bytes of valid packets (headers mostly). */
static void
test_pkt_parse_mutated(void **state)
{
	struct rte_mbuf *m;
	struct npfct_pkt pkt;
	unsigned int i, n, k;
	uint32_t len, off;

	(void)state;
	rng_state = 0xc0ffee;
	for (i = 0; i < 20000; i++) {
		k = rng() % RTE_DIM(kinds);
		m = test_pkt_build(kinds[k]);
		len = rte_pktmbuf_pkt_len(m);
		for (n = 1 + rng() % 4; n > 0; n--) {
			off = ETH_LEN + rng() % RTE_MIN(len - ETH_LEN, 100u);
			set8(m, (uint16_t)off, (uint8_t)rng());
		}
		if (rng() % 4 == 0)
			test_pkt_truncate(m, (uint16_t)(rng() % (len + 1)));
		parse(&pkt, m);
		check_invariants(&pkt, m);
		if (i % 8 == 0)
			check_split(m, (uint16_t)(1 + rng() % 24));
		rte_pktmbuf_free(m);
	}
}

/*
 * The fast path (IPv4 TCP/UDP in one pass) gives exactly what the general
 * parser gives - status and every byte of the structure - on valid
 * packets, on packets mutated in the fields it checks, truncated, split
 * into segments, and in malformed mbufs whose pkt_len is below the first
 * segment's data_len; for every other packet it declines without writing.
 */
static void
test_pkt_parse_fast_path_equivalence(void **state)
{
	static const struct test_pkt_spec tcp4_opts_spec = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = "10.0.0.1",
		.dst = "10.0.0.2", .sport = 1234, .dport = 80,
		.tcp_flags = NPFCT_TH_ACK, .seq = 1, .ack = 2, .win = 100,
		.wscale = 7, .mss = 1460, .payload_len = 10,
	};
	static const struct test_pkt_spec tcp4_syn_spec = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = "10.0.0.1",
		.dst = "10.0.0.2", .sport = 1234, .dport = 80,
		.tcp_flags = NPFCT_TH_SYN, .seq = 1, .win = 100,
		.wscale = 7, .mss = 1460, .sack_ok = true,
	};
	static const struct test_pkt_spec udp4_frag_spec = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "10.0.0.1",
		.dst = "10.0.0.2", .sport = 53, .dport = 53, .ip_mf = true,
		.payload_len = 20,
	};
	static const struct test_pkt_spec udp4_opt_spec = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "10.0.0.1",
		.dst = "10.0.0.2", .sport = 53, .dport = 53, .ip_opt_len = 4,
	};
	const struct test_pkt_spec *const fast_kinds[] = {
		&tcp4_spec, &udp4_spec, &tcp4_opts_spec, &tcp4_syn_spec,
		&udp4_frag_spec, &udp4_opt_spec, &vlan_udp4_spec, &tcp6_spec,
	};
	/* Offsets the fast path decides on (Ethernet type, IPv4, L4). */
	static const uint8_t hot[] = {
		12, 13, 14, 16, 17, 20, 21, 23, 38, 39, 46, 47,
	};
	struct npfct_pkt a, b, c;
	struct rte_mbuf *m, *s;
	enum npfct_parse_status sa, sb;
	unsigned int i, n, fast[2] = { 0, 0 };
	uint32_t len, off;

	(void)state;
	rng_state = 0xfa57;
	for (i = 0; i < 40000; i++) {
		m = test_pkt_build(fast_kinds[rng() % RTE_DIM(fast_kinds)]);
		len = rte_pktmbuf_pkt_len(m);
		for (n = rng() % 3; n > 0; n--) {
			off = (rng() & 1) ? hot[rng() % RTE_DIM(hot)] :
			    ETH_LEN + rng() % (len - ETH_LEN);
			if (off >= len)
				continue;
			/* Small values hit the length bounds. */
			set8(m, (uint16_t)off, (uint8_t)((rng() & 1) ?
			    rng() : rng() % 80));
		}
		if (rng() % 4 == 0)
			test_pkt_truncate(m, (uint16_t)(rng() % (len + 1)));
		s = m;
		if (rng() % 4 == 0)
			s = test_pkt_split(m, (uint16_t)(1 + rng() % 64));
		s->port = (uint16_t)i;
		/* Malformed: pkt_len below the first segment's data_len. */
		if (s == m && rng() % 16 == 0)
			s->pkt_len = rng() % (s->data_len + 1u);

		memset(&b, PATTERN, sizeof(b));
		sb = npfct_pkt_parse_general(&b, s);
		memset(&a, PATTERN, sizeof(a));
		if (npfct_pkt_parse_fast(&a, s)) {
			assert_int_equal(sb, NPFCT_PARSE_OK);
			assert_memory_equal(&a, &b, sizeof(a));
			fast[(a.flags & NPFCT_PKT_TCP) != 0]++;
		} else {
			memset(&c, PATTERN, sizeof(c));
			assert_memory_equal(&a, &c, sizeof(a));
		}
		memset(&a, PATTERN, sizeof(a));
		sa = npfct_pkt_parse(&a, s);
		assert_int_equal(sa, sb);
		assert_memory_equal(&a, &b, sizeof(a));
		if (s != m)
			rte_pktmbuf_free(s);
		rte_pktmbuf_free(m);
	}
	/* The fast path took many packets of each kind, not only declined. */
	assert_true(fast[0] > 1000);	/* UDP: 1704 with this seed */
	assert_true(fast[1] > 1000);	/* TCP: 1830 */
}

/*
 * Error paths: npfct_pkt_parse_l3() and npfct_pkt_parse_icmp_inner().
 */

static void
test_pkt_parse_l3_bad(void **state)
{
	struct rte_mbuf *m = test_pkt_build(&udp4_spec);
	struct npfct_pkt pkt;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	(void)state;
	memset(&pkt, PATTERN, sizeof(pkt));
	assert_int_equal(npfct_pkt_parse_l3(&pkt, m, len),
	    NPFCT_PARSE_L3_TRUNC);
	assert_int_equal(pkt.status, NPFCT_PARSE_L3_TRUNC);
	assert_int_equal(pkt.flags, 0);
	assert_int_equal(npfct_pkt_parse_l3(&pkt, m, UINT32_MAX),
	    NPFCT_PARSE_L3_TRUNC);
	assert_int_equal(npfct_pkt_parse_l3(&pkt, m, len - 1),
	    NPFCT_PARSE_L3_BAD);		/* payload byte 0xb3: v11 */
	/* The Ethernet header is not IP (version 0). */
	assert_int_equal(npfct_pkt_parse_l3(&pkt, m, 0), NPFCT_PARSE_L3_BAD);
	/* Version 4 with 19 bytes left. */
	set8(m, (uint16_t)(len - 19), 0x45);
	assert_int_equal(npfct_pkt_parse_l3(&pkt, m, len - 19),
	    NPFCT_PARSE_L3_TRUNC);
	rte_pktmbuf_free(m);

	/* A valid header at an offset over 32 KB (16-bit offsets). */
	m = long_pkt(40000);
	assert_int_equal(npfct_pkt_parse_l3(&pkt, m, 1638 * IP4_LEN),
	    NPFCT_PARSE_OK);
	assert_int_equal(pkt.l3_off, 1638 * IP4_LEN);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_L4_OTHER);
	assert_int_equal(npfct_pkt_parse_l3(&pkt, m, 1639 * IP4_LEN),
	    NPFCT_PARSE_L3_BAD);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_icmp_inner_bad(void **state)
{
	struct test_pkt_spec spec;
	struct rte_mbuf *m;
	struct npfct_pkt pkt, inner;
	uint16_t tot;

	(void)state;
	/* Not an ICMP error. */
	m = test_pkt_build_parsed(&icmp4_echo_spec, &pkt);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_L3_BAD);
	assert_int_equal(inner.flags, 0);
	assert_ptr_equal(inner.mbuf, m);
	rte_pktmbuf_free(m);
	m = test_pkt_build_parsed(&tcp4_spec, &pkt);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_L3_BAD);
	rte_pktmbuf_free(m);
	/* An outer packet that did not parse. */
	m = test_pkt_build_parsed(&icmp4_err_spec, &pkt);
	pkt.status = NPFCT_PARSE_L4_BAD;
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_L3_BAD);
	rte_pktmbuf_free(m);

	/* IPv4 error quoting IPv6, IPv6 error quoting IPv4. */
	spec = icmp4_err_spec;
	spec.inner = &udp6_quoted_spec;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_true(pkt.flags & NPFCT_PKT_ICMP_ERR);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_L3_BAD);
	rte_pktmbuf_free(m);
	spec = icmp6_err_spec;
	spec.inner = &tcp4_quoted_spec;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_L3_TRUNC);
	rte_pktmbuf_free(m);

	/*
	 * Quote cut by the outer IP length: nothing, part of the IP header
	 * (24 bytes with options), 0-7 bytes of TCP.
	 */
	m = test_pkt_build_parsed(&icmp4_err_spec, &pkt);
	for (tot = IP4_LEN + ICMP_LEN; tot < IP4_LEN + ICMP_LEN + 32; tot++) {
		set16(m, IP4_OFF(total_length), tot);
		assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
		assert_true(pkt.flags & NPFCT_PKT_ICMP_ERR);
		assert_int_equal(parse_inner(&inner, &pkt),
		    tot < IP4_LEN + ICMP_LEN + 24 ? NPFCT_PARSE_L3_TRUNC :
		    NPFCT_PARSE_L4_TRUNC);
		assert_false(npfct_pkt_trackable_p(&inner));
	}
	set16(m, IP4_OFF(total_length), tot);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_OK);
	rte_pktmbuf_free(m);

	/* Quoted IPv6 with a chain cut short, and a bad quoted IHL. */
	m = test_pkt_build_parsed(&icmp6_err_spec, &pkt);
	set16(m, IP6_OFF(payload_len), ICMP_LEN + IP6_LEN + 4);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_L3_EXT_BAD);
	rte_pktmbuf_free(m);
	m = test_pkt_build_parsed(&icmp4_err_spec, &pkt);
	set8(m, pkt.icmp.inner_off, 0x44);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_L3_BAD);
	set8(m, pkt.icmp.inner_off, 0x65);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_L3_BAD);
	set8(m, pkt.icmp.inner_off, 0x4f);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_L3_TRUNC);
	rte_pktmbuf_free(m);
}

/*
 * Functional: the fields of each protocol.
 */

static void
test_pkt_parse_tcp4(void **state)
{
	struct npfct_pkt pkt;
	struct rte_mbuf *m;

	(void)state;
	m = test_pkt_build_parsed(&tcp4_spec, &pkt);
	assert_ptr_equal(pkt.mbuf, m);
	assert_int_equal(pkt.ifid, 3);
	assert_int_equal(pkt.status, NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_TCP);
	assert_true(npfct_pkt_trackable_p(&pkt));
	assert_int_equal(pkt.proto, IPPROTO_TCP);
	assert_int_equal(pkt.alen, 4);
	assert_int_equal(pkt.ttl, 64);
	assert_int_equal(pkt.l3_off, ETH_LEN);
	assert_int_equal(pkt.l4_off, ETH_LEN + IP4_LEN);
	assert_int_equal(pkt.l4_len, TCP_LEN + 12 + 10);
	assert_addr(AF_INET, &pkt.src, A4_SRC);
	assert_addr(AF_INET, &pkt.dst, A4_DST);
	assert_int_equal(pkt.sport, rte_cpu_to_be_16(40000));
	assert_int_equal(pkt.dport, rte_cpu_to_be_16(80));
	assert_int_equal(pkt.tcp.seq, 0x01020304);
	assert_int_equal(pkt.tcp.ack, 0);
	assert_int_equal(pkt.tcp.win, 29200);
	assert_int_equal(pkt.tcp.flags, NPFCT_TH_SYN);
	assert_int_equal(pkt.tcp.hlen, TCP_LEN + 12);
	assert_int_equal(pkt.tcp.datalen, 10);
	assert_int_equal(pkt.tcp.wscale, 7);
	assert_int_equal(pkt.tcp.mss, 1460);
	assert_int_equal(pkt.tcp.sack_ok, 1);
	check_invariants(&pkt, m);

	/* Reserved bits above the six flags are dropped. */
	set8(m, ETH_LEN + IP4_LEN + 13, 0xc0 | NPFCT_TH_FIN | NPFCT_TH_ACK);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.tcp.flags, NPFCT_TH_FIN | NPFCT_TH_ACK);
	rte_pktmbuf_free(m);

	/* Ethernet padding after the IP packet is not layer 4 data. */
	m = test_pkt_tcp4(A4_SRC, 1, A4_DST, 2, NPFCT_TH_ACK, 5, 6);
	memset(rte_pktmbuf_append(m, 6), 0, 6);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.l4_len, TCP_LEN);
	assert_int_equal(pkt.tcp.datalen, 0);
	assert_int_equal(pkt.tcp.seq, 5);
	assert_int_equal(pkt.tcp.ack, 6);
	assert_int_equal(pkt.tcp.wscale, NPFCT_TCP_WSCALE_NONE);
	assert_int_equal(pkt.tcp.mss, 0);
	assert_int_equal(pkt.tcp.sack_ok, 0);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_tcp6(void **state)
{
	struct npfct_pkt pkt;
	struct rte_mbuf *m;

	(void)state;
	m = test_pkt_build_parsed(&tcp6_spec, &pkt);
	assert_int_equal(pkt.ifid, 1);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_L4 |
	    NPFCT_PKT_TCP);
	assert_int_equal(pkt.proto, IPPROTO_TCP);
	assert_int_equal(pkt.alen, 16);
	assert_int_equal(pkt.ttl, 64);
	assert_int_equal(pkt.l3_off, ETH_LEN);
	assert_int_equal(pkt.l4_off, ETH_LEN + IP6_LEN);
	assert_int_equal(pkt.l4_len, TCP_LEN + 33);
	assert_addr(AF_INET6, &pkt.src, A6_SRC);
	assert_addr(AF_INET6, &pkt.dst, A6_DST);
	assert_int_equal(pkt.sport, rte_cpu_to_be_16(51000));
	assert_int_equal(pkt.dport, rte_cpu_to_be_16(443));
	assert_int_equal(pkt.tcp.seq, 0xfffffff0);
	assert_int_equal(pkt.tcp.ack, 0x80000001);
	assert_int_equal(pkt.tcp.win, 512);
	assert_int_equal(pkt.tcp.flags, NPFCT_TH_ACK | NPFCT_TH_PUSH);
	assert_int_equal(pkt.tcp.hlen, TCP_LEN);
	assert_int_equal(pkt.tcp.datalen, 33);
	assert_int_equal(pkt.tcp.wscale, NPFCT_TCP_WSCALE_NONE);
	assert_int_equal(pkt.tcp.mss, 0);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_udp(void **state)
{
	struct npfct_pkt pkt;
	struct rte_mbuf *m;

	(void)state;
	m = test_pkt_build_parsed(&udp4_spec, &pkt);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_UDP);
	assert_int_equal(pkt.proto, IPPROTO_UDP);
	assert_int_equal(pkt.l4_len, UDP_LEN + 20);
	assert_int_equal(pkt.sport, rte_cpu_to_be_16(5353));
	assert_int_equal(pkt.dport, rte_cpu_to_be_16(53));
	assert_addr(AF_INET, &pkt.src, A4_SRC);
	assert_addr(AF_INET, &pkt.dst, A4_DST);
	rte_pktmbuf_free(m);

	m = test_pkt_udp6(A6_DST, 65535, A6_SRC, 1);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_L4 |
	    NPFCT_PKT_UDP);
	assert_int_equal(pkt.l4_off, ETH_LEN + IP6_LEN);
	assert_int_equal(pkt.l4_len, UDP_LEN);
	assert_int_equal(pkt.sport, rte_cpu_to_be_16(65535));
	assert_int_equal(pkt.dport, rte_cpu_to_be_16(1));
	assert_addr(AF_INET6, &pkt.src, A6_DST);
	assert_addr(AF_INET6, &pkt.dst, A6_SRC);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_icmp4_query(void **state)
{
	static const uint8_t queries[] = { 0, 8, 13, 14, 15, 16, 17, 18 };
	static const uint8_t others[] = { 1, 2, 6, 9, 10, 19, 30, 42, 255 };
	struct test_pkt_spec spec = icmp4_echo_spec;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	unsigned int i;

	(void)state;
	m = test_pkt_icmp4_echo(A4_SRC, A4_DST, 8, 0xabcd);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_ICMP | NPFCT_PKT_ICMP_QUERY);
	assert_true(npfct_pkt_trackable_p(&pkt));
	assert_int_equal(pkt.proto, IPPROTO_ICMP);
	assert_int_equal(pkt.icmp.type, 8);
	assert_int_equal(pkt.icmp.code, 0);
	assert_int_equal(pkt.sport, rte_cpu_to_be_16(0xabcd));
	assert_int_equal(pkt.dport, rte_cpu_to_be_16(0xabcd));
	assert_int_equal(pkt.l4_len, ICMP_LEN);
	rte_pktmbuf_free(m);

	for (i = 0; i < RTE_DIM(queries); i++) {
		spec.icmp_type = queries[i];
		assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
		assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
		    NPFCT_PKT_ICMP | NPFCT_PKT_ICMP_QUERY);
		assert_int_equal(pkt.icmp.type, queries[i]);
		assert_int_equal(pkt.sport, rte_cpu_to_be_16(0x4242));
		assert_int_equal(pkt.dport, rte_cpu_to_be_16(0x4242));
	}
	/* Neither query nor error: ICMP, not trackable. */
	for (i = 0; i < RTE_DIM(others); i++) {
		spec.icmp_type = others[i];
		assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
		assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_ICMP);
		assert_int_equal(pkt.icmp.type, others[i]);
		assert_false(npfct_pkt_trackable_p(&pkt));
	}
	/* ICMPv6 echo carried by IPv4 is just another protocol. */
	spec.proto = IPPROTO_ICMPV6;
	spec.icmp_type = 128;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_L4_OTHER);
}

static void
test_pkt_parse_icmp6_query(void **state)
{
	static const uint8_t others[] = { 0, 5, 127, 130, 133, 135, 136, 143 };
	struct test_pkt_spec spec = icmp6_echo_spec;
	struct npfct_pkt pkt;
	unsigned int i;

	(void)state;
	for (i = 128; i <= 129; i++) {
		spec.icmp_type = (uint8_t)i;
		assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
		assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_L4 |
		    NPFCT_PKT_ICMP | NPFCT_PKT_ICMP_QUERY);
		assert_int_equal(pkt.proto, IPPROTO_ICMPV6);
		assert_int_equal(pkt.icmp.type, i);
		assert_int_equal(pkt.sport, rte_cpu_to_be_16(0x0102));
		assert_int_equal(pkt.dport, rte_cpu_to_be_16(0x0102));
		assert_addr(AF_INET6, &pkt.src, A6_SRC);
	}
	for (i = 0; i < RTE_DIM(others); i++) {
		spec.icmp_type = others[i];
		assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
		assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_ICMP);
		assert_false(npfct_pkt_trackable_p(&pkt));
	}
	/* ICMP (IPv4) echo carried by IPv6 is just another protocol. */
	spec.proto = IPPROTO_ICMP;
	spec.icmp_type = 8;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_L4 |
	    NPFCT_PKT_L4_OTHER);
}

static void
test_pkt_parse_icmp_error(void **state)
{
	static const uint8_t err4[] = { 3, 4, 5, 11, 12 };
	static const uint8_t err6[] = { 1, 2, 3, 4 };
	struct test_pkt_spec spec;
	struct npfct_pkt pkt;
	unsigned int i;

	(void)state;
	spec = icmp4_err_spec;
	for (i = 0; i < RTE_DIM(err4); i++) {
		spec.icmp_type = err4[i];
		assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
		assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_ICMP |
		    NPFCT_PKT_ICMP_ERR);
		assert_false(npfct_pkt_trackable_p(&pkt));
		assert_int_equal(pkt.icmp.type, err4[i]);
		assert_int_equal(pkt.icmp.code, 3);
		assert_int_equal(pkt.icmp.inner_off,
		    ETH_LEN + IP4_LEN + ICMP_LEN);
		/* Quote: IP header with 4 bytes of options, 8 of TCP. */
		assert_int_equal(pkt.l4_len, ICMP_LEN + IP4_LEN + 4 + 8);
	}
	spec = icmp6_err_spec;
	for (i = 0; i < RTE_DIM(err6); i++) {
		spec.icmp_type = err6[i];
		assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
		assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_ICMP |
		    NPFCT_PKT_ICMP_ERR);
		assert_int_equal(pkt.icmp.type, err6[i]);
		assert_int_equal(pkt.icmp.code, 4);
		assert_int_equal(pkt.icmp.inner_off,
		    ETH_LEN + IP6_LEN + ICMP_LEN);
	}
}

static void
test_pkt_parse_l4_other(void **state)
{
	static const uint8_t protos[] = { 47, 50, 51, 132, 59, 253 };
	struct test_pkt_spec spec = udp4_spec;
	struct npfct_pkt pkt;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(protos); i++) {
		spec = udp4_spec;
		spec.proto = protos[i];
		assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
		assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
		    NPFCT_PKT_L4_OTHER);
		assert_true(npfct_pkt_trackable_p(&pkt));
		assert_int_equal(pkt.proto, protos[i]);
		assert_int_equal(pkt.sport, 0);
		assert_int_equal(pkt.dport, 0);
		assert_int_equal(pkt.l4_len, 20);

		/* IPv6: ESP and "no next header" end the chain. */
		spec = udp6_ext_spec;
		spec.proto = protos[i];
		if (protos[i] == IPPROTO_AH) {
			/* AH is an extension header; the 5 bytes after it
			 * are too short for one. */
			assert_int_equal(build_parse(&spec, &pkt),
			    NPFCT_PARSE_L3_EXT_BAD);
			continue;
		}
		assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
		assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_L4 |
		    NPFCT_PKT_L4_OTHER);
		assert_int_equal(pkt.proto, protos[i]);
		assert_int_equal(pkt.l4_off, ETH_LEN + IP6_LEN + 24);
		assert_int_equal(pkt.l4_len, 5);
		assert_int_equal(pkt.sport, 0);
		assert_int_equal(pkt.dport, 0);
	}
}

/*
 * Functional: layer 2 and layer 3 variants.
 */

static void
test_pkt_parse_vlan(void **state)
{
	struct test_pkt_spec spec = udp4_spec;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;

	(void)state;
	spec.vlan = 10;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_int_equal(pkt.l3_off, ETH_LEN + 4);
	assert_int_equal(pkt.l4_off, ETH_LEN + 4 + IP4_LEN);
	assert_true(npfct_pkt_trackable_p(&pkt));
	assert_int_equal(pkt.dport, rte_cpu_to_be_16(53));
	rte_pktmbuf_free(m);

	spec = udp6_ext_spec;
	spec.vlan = 4095;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_int_equal(pkt.l3_off, ETH_LEN + 4);
	assert_int_equal(pkt.l4_off, ETH_LEN + 4 + IP6_LEN + 24);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_L4 |
	    NPFCT_PKT_UDP);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_qinq(void **state)
{
	struct npfct_pkt pkt, ref;
	struct rte_mbuf *m;

	(void)state;
	m = test_pkt_build_parsed(&vlan_udp4_spec, &ref);
	assert_int_equal(ref.l3_off, ETH_LEN + 8);
	assert_int_equal(ref.l4_off, ETH_LEN + 8 + IP4_LEN + 8);
	assert_int_equal(ref.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_UDP);
	assert_int_equal(ref.sport, rte_cpu_to_be_16(7));
	assert_int_equal(ref.dport, rte_cpu_to_be_16(9));
	/* The other outer TPIDs, and 802.1Q twice. */
	set16(m, 12, RTE_ETHER_TYPE_QINQ1);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.l3_off, ETH_LEN + 8);
	set16(m, 12, RTE_ETHER_TYPE_VLAN);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.l4_off, ref.l4_off);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_ip4_options(void **state)
{
	struct test_pkt_spec spec = tcp4_spec;
	struct npfct_pkt pkt;
	uint8_t opt;

	(void)state;
	for (opt = 4; opt <= 40; opt += 4) {
		spec.ip_opt_len = opt;
		assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
		assert_int_equal(pkt.l3_off, ETH_LEN);
		assert_int_equal(pkt.l4_off, ETH_LEN + IP4_LEN + opt);
		assert_int_equal(pkt.l4_len, TCP_LEN + 12 + 10);
		assert_int_equal(pkt.sport, rte_cpu_to_be_16(40000));
		assert_int_equal(pkt.tcp.seq, 0x01020304);
		assert_int_equal(pkt.tcp.mss, 1460);
	}
}

static void
test_pkt_parse_ip4_fragment(void **state)
{
	struct test_pkt_spec spec = udp4_spec;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;

	(void)state;
	/* First fragment: 48 of 108 UDP bytes; the UDP length is long. */
	spec.payload_len = 100;
	spec.ip_mf = true;
	m = test_pkt_build(&spec);
	set16(m, IP4_OFF(total_length), IP4_LEN + 48);
	test_pkt_truncate(m, ETH_LEN + IP4_LEN + 48);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_FRAG |
	    NPFCT_PKT_L4 | NPFCT_PKT_UDP);
	assert_true(npfct_pkt_trackable_p(&pkt));
	assert_int_equal(pkt.l4_len, 48);
	assert_int_equal(pkt.sport, rte_cpu_to_be_16(5353));
	assert_int_equal(pkt.dport, rte_cpu_to_be_16(53));
	/* ... but a UDP length below 8 is still bad. */
	set16(m, ETH_LEN + IP4_LEN + 4, 4);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_L4_BAD);
	rte_pktmbuf_free(m);

	/* First TCP fragment. */
	spec = tcp4_spec;
	spec.ip_mf = true;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_FRAG |
	    NPFCT_PKT_L4 | NPFCT_PKT_TCP);
	assert_int_equal(pkt.tcp.seq, 0x01020304);

	/* Later fragments, with and without MF: no layer 4. */
	spec = udp4_spec;
	spec.ip_frag_off = 6;
	spec.ip_mf = true;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_FRAG |
	    NPFCT_PKT_FRAG_LATER);
	assert_false(npfct_pkt_trackable_p(&pkt));
	assert_int_equal(pkt.proto, IPPROTO_UDP);
	assert_addr(AF_INET, &pkt.src, A4_SRC);
	spec.ip_mf = false;
	spec.ip_frag_off = 0x1fff;
	spec.proto = IPPROTO_TCP;
	spec.payload_len = 0;	/* fewer bytes than a TCP header: fine */
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_FRAG |
	    NPFCT_PKT_FRAG_LATER);
	assert_false(npfct_pkt_trackable_p(&pkt));

	/* DF alone is not a fragment. */
	m = test_pkt_build(&udp4_spec);
	set16(m, IP4_OFF(fragment_offset), RTE_IPV4_HDR_DF_FLAG);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_UDP);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_ip6_ext_chain(void **state)
{
	struct test_pkt_spec spec;
	struct npfct_pkt pkt;
	unsigned int i;

	(void)state;
	/* Hop-by-hop, destination options, fragment (offset 0, M). */
	assert_int_equal(build_parse(&tcp6_frag_spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_FRAG |
	    NPFCT_PKT_L4 | NPFCT_PKT_TCP);
	assert_true(npfct_pkt_trackable_p(&pkt));
	assert_int_equal(pkt.proto, IPPROTO_TCP);
	assert_int_equal(pkt.l4_off, ETH_LEN + IP6_LEN + 24);
	assert_int_equal(pkt.l4_len, TCP_LEN + 4 + 40);
	assert_int_equal(pkt.sport, rte_cpu_to_be_16(22));
	assert_int_equal(pkt.dport, rte_cpu_to_be_16(2222));
	assert_int_equal(pkt.tcp.wscale, 2);

	/* Routing and AH (length in 4-byte units). */
	spec = udp6_ext_spec;
	memset(spec.ext, 0, sizeof(spec.ext));
	spec.ext[0] = IPPROTO_ROUTING;
	spec.ext[1] = IPPROTO_AH;
	spec.ext[2] = IPPROTO_DSTOPTS;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_L4 |
	    NPFCT_PKT_UDP);
	assert_int_equal(pkt.l4_off, ETH_LEN + IP6_LEN + 8 + 12 + 8);
	assert_int_equal(pkt.l4_len, UDP_LEN + 5);

	/* Eight headers: the limit. */
	for (i = 0; i < RTE_DIM(spec.ext); i++)
		spec.ext[i] = i % 2 ? IPPROTO_ROUTING : IPPROTO_DSTOPTS;
	spec.ext[0] = IPPROTO_HOPOPTS;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.l4_off, ETH_LEN + IP6_LEN + 8 * 8);
	assert_true(npfct_pkt_trackable_p(&pkt));

	/* ESP after the chain: layer 4 "other". */
	spec = udp6_ext_spec;
	spec.proto = IPPROTO_ESP;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_L4 |
	    NPFCT_PKT_L4_OTHER);
}

static void
test_pkt_parse_ip6_fragment(void **state)
{
	struct test_pkt_spec spec = tcp6_frag_spec;
	struct npfct_pkt pkt;

	(void)state;
	/* A later fragment: no layer 4; proto from the fragment header. */
	spec.ip_frag_off = 181;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_FRAG |
	    NPFCT_PKT_FRAG_LATER);
	assert_false(npfct_pkt_trackable_p(&pkt));
	assert_int_equal(pkt.proto, IPPROTO_TCP);
	assert_int_equal(pkt.l4_off, ETH_LEN + IP6_LEN + 24);
	assert_addr(AF_INET6, &pkt.dst, A6_DST);

	/* The last fragment (no M), a fragment header alone. */
	memset(spec.ext, 0, sizeof(spec.ext));
	spec.ext[0] = IPPROTO_FRAGMENT;
	spec.ip_mf = false;
	spec.proto = IPPROTO_UDP;
	spec.payload_len = 0;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_FRAG |
	    NPFCT_PKT_FRAG_LATER);
	assert_int_equal(pkt.proto, IPPROTO_UDP);

	/* An atomic fragment (offset 0, no M) carries layer 4. */
	spec.ip_frag_off = 0;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP6 | NPFCT_PKT_FRAG |
	    NPFCT_PKT_L4 | NPFCT_PKT_UDP);
}

/*
 * Functional: TCP options.
 */

static void
test_pkt_parse_tcp_options(void **state)
{
	struct test_pkt_spec spec = tcp4_spec;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;

	(void)state;
	spec.wscale = 14;
	spec.mss = 536;
	spec.sack_ok = false;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.tcp.wscale, 14);
	assert_int_equal(pkt.tcp.mss, 536);
	assert_int_equal(pkt.tcp.sack_ok, 0);
	assert_int_equal(pkt.tcp.hlen, TCP_LEN + 8);

	/* Window scale above 14 is clamped (RFC 7323). */
	spec.wscale = 15;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.tcp.wscale, 14);
	spec.wscale = 255;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.tcp.wscale, 14);
	spec.wscale = 0;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.tcp.wscale, 0);

	/* SACK permitted only. */
	spec.wscale = -1;
	spec.mss = 0;
	spec.sack_ok = true;
	assert_int_equal(build_parse(&spec, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(pkt.tcp.wscale, NPFCT_TCP_WSCALE_NONE);
	assert_int_equal(pkt.tcp.mss, 0);
	assert_int_equal(pkt.tcp.sack_ok, 1);

	/* Options on a non-SYN segment are not read. */
	m = test_pkt_build(&tcp4_spec);
	set8(m, ETH_LEN + IP4_LEN + 13, NPFCT_TH_ACK);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.tcp.mss, 0);
	assert_int_equal(pkt.tcp.wscale, NPFCT_TCP_WSCALE_NONE);
	assert_int_equal(pkt.tcp.sack_ok, 0);
	rte_pktmbuf_free(m);
}

/*
 * Malformed option lists: [MSS 4][SACK-OK 2, NOP, NOP][NOP, WS 3] in
 * 12 bytes, patched; option parsing stops, the packet is still OK.
 */
static void
test_pkt_parse_tcp_options_malformed(void **state)
{
	static const struct {
		uint8_t off, val;	/* patch: option byte, value */
		uint8_t off2, val2;	/* second patch (off2 0: none) */
		uint16_t mss;
		uint8_t sack, wscale;
	} cases[] = {
#define WS_NONE NPFCT_TCP_WSCALE_NONE
		/* MSS length 0, 1, past the end, the whole space: stop. */
		{ 1, 0, 0, 0, 0, 0, WS_NONE },
		{ 1, 1, 0, 0, 0, 0, WS_NONE },
		{ 1, 13, 0, 0, 0, 0, WS_NONE },
		{ 1, 12, 0, 0, 0, 0, WS_NONE },
		/* MSS length 3: skipped; 0xb4 len 4 skipped; then NOPs. */
		{ 1, 3, 0, 0, 0, 0, 7 },
		/* MSS length 5: skipped into SACK-OK's length byte. */
		{ 1, 5, 0, 0, 0, 0, WS_NONE },
		/* EOL where SACK-OK was: the rest is ignored. */
		{ 4, 0, 0, 0, 1460, 0, WS_NONE },
		/* SACK-OK length 0: stop; length 3: skipped. */
		{ 5, 0, 0, 0, 1460, 0, WS_NONE },
		{ 5, 3, 0, 0, 1460, 0, 7 },
		/* Window scale length 2: skipped, then kind 7 in the last
		 * byte has no length byte: stop. */
		{ 9, 2, 0, 0, 1460, 1, WS_NONE },
		/* Window scale length past the end, and 0. */
		{ 9, 4, 0, 0, 1460, 1, WS_NONE },
		{ 10, 0, 0, 0, 1460, 1, WS_NONE },
		/* Unknown kind 254, length 4: skipped. */
		{ 0, 254, 0, 0, 0, 1, 7 },
		/* NOP NOP, then window scale length 7 from byte 10. */
		{ 8, 1, 9, 1, 1460, 1, WS_NONE },
		/* Three NOPs, then kind 7 alone in the last byte. */
		{ 9, 1, 10, 1, 1460, 1, WS_NONE },
#undef WS_NONE
	};
	const uint16_t opt = ETH_LEN + IP4_LEN + TCP_LEN;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		m = test_pkt_build(&tcp4_spec);
		set8(m, opt + cases[i].off, cases[i].val);
		if (cases[i].off2 != 0)
			set8(m, opt + cases[i].off2, cases[i].val2);
		assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
		assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
		    NPFCT_PKT_TCP);
		assert_int_equal(pkt.tcp.hlen, TCP_LEN + 12);
		if (pkt.tcp.mss != cases[i].mss ||
		    pkt.tcp.sack_ok != cases[i].sack ||
		    pkt.tcp.wscale != cases[i].wscale)
			fail_msg("case %u: mss %u sack %u wscale %u", i,
			    pkt.tcp.mss, pkt.tcp.sack_ok, pkt.tcp.wscale);
		rte_pktmbuf_free(m);
	}
}

/*
 * Functional: ICMP errors and their quoted packets.
 */

static void
test_pkt_parse_icmp_inner_v4(void **state)
{
	struct test_pkt_spec spec = icmp4_err_spec, q;
	const struct test_pkt_spec echo = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = A4_SRC,
		.dst = A4_DST, .icmp_type = 8, .icmp_id = 777, .wscale = -1,
	};
	struct npfct_pkt pkt, inner;
	struct rte_mbuf *m;

	(void)state;
	m = test_pkt_build_parsed(&spec, &pkt);
	pkt.ifid = 9;	/* copied from the outer packet */
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(inner.status, NPFCT_PARSE_OK);
	assert_ptr_equal(inner.mbuf, m);
	assert_int_equal(inner.ifid, 9);
	assert_int_equal(inner.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_TCP);
	assert_true(npfct_pkt_trackable_p(&inner));
	assert_int_equal(inner.proto, IPPROTO_TCP);
	assert_int_equal(inner.alen, 4);
	assert_int_equal(inner.l3_off, ETH_LEN + IP4_LEN + ICMP_LEN);
	assert_int_equal(inner.l4_off, ETH_LEN + IP4_LEN + ICMP_LEN + 24);
	assert_int_equal(inner.l4_len, 8);
	assert_addr(AF_INET, &inner.src, A4_SRC);
	assert_addr(AF_INET, &inner.dst, A4_DST);
	assert_int_equal(inner.sport, rte_cpu_to_be_16(1234));
	assert_int_equal(inner.dport, rte_cpu_to_be_16(80));
	assert_int_equal(inner.tcp.seq, 0xdeadbeef);
	assert_int_equal(inner.tcp.wscale, NPFCT_TCP_WSCALE_NONE);
	rte_pktmbuf_free(m);

	/* Quoted UDP: its length field is not checked. */
	q = udp4_spec;
	spec.inner = &q;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(inner.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_UDP);
	assert_int_equal(inner.sport, rte_cpu_to_be_16(5353));
	assert_int_equal(inner.dport, rte_cpu_to_be_16(53));
	rte_pktmbuf_free(m);

	/* Quoted echo request: a query with its id. */
	spec.inner = &echo;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(inner.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_ICMP | NPFCT_PKT_ICMP_QUERY);
	assert_int_equal(inner.sport, rte_cpu_to_be_16(777));
	assert_int_equal(inner.dport, rte_cpu_to_be_16(777));
	rte_pktmbuf_free(m);

	/* Quoted error: neither a query nor parsed further. */
	q = icmp4_err_spec;
	q.inner = NULL;
	spec.inner = &q;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(inner.flags, NPFCT_PKT_IP4 | NPFCT_PKT_ICMP);
	assert_false(npfct_pkt_trackable_p(&inner));
	rte_pktmbuf_free(m);

	/* Quoted later fragment: not trackable. */
	q = tcp4_quoted_spec;
	q.ip_frag_off = 10;
	spec.inner = &q;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(inner.flags, NPFCT_PKT_IP4 | NPFCT_PKT_FRAG |
	    NPFCT_PKT_FRAG_LATER);
	rte_pktmbuf_free(m);

	/* Ethernet padding behind the error is not part of the quote. */
	q = tcp4_quoted_spec;
	spec.inner = &q;
	m = test_pkt_build_parsed(&spec, &pkt);
	set16(m, IP4_OFF(total_length), IP4_LEN + ICMP_LEN + 24 + 7);
	assert_int_equal(parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_L4_TRUNC);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_icmp_inner_v6(void **state)
{
	struct test_pkt_spec spec = icmp6_err_spec, q;
	const struct test_pkt_spec echo = {
		.af = AF_INET6, .proto = IPPROTO_ICMPV6, .src = A6_SRC,
		.dst = A6_DST, .icmp_type = 128, .icmp_id = 31, .wscale = -1,
	};
	struct npfct_pkt pkt, inner;
	struct rte_mbuf *m;

	(void)state;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(inner.flags, NPFCT_PKT_IP6 | NPFCT_PKT_L4 |
	    NPFCT_PKT_UDP);
	assert_int_equal(inner.alen, 16);
	assert_int_equal(inner.l3_off, ETH_LEN + IP6_LEN + ICMP_LEN);
	assert_int_equal(inner.l4_off, inner.l3_off + IP6_LEN + 8);
	assert_int_equal(inner.l4_len, 8);
	assert_addr(AF_INET6, &inner.src, A6_SRC);
	assert_addr(AF_INET6, &inner.dst, A6_DST);
	assert_int_equal(inner.sport, rte_cpu_to_be_16(5000));
	assert_int_equal(inner.dport, rte_cpu_to_be_16(6000));
	rte_pktmbuf_free(m);

	/* Packet too big quoting TCP behind a fragment header. */
	q = tcp6_frag_spec;
	q.seq = 123456789;
	spec.inner = &q;
	spec.icmp_type = 2;
	spec.icmp_code = 0;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(inner.flags, NPFCT_PKT_IP6 | NPFCT_PKT_FRAG |
	    NPFCT_PKT_L4 | NPFCT_PKT_TCP);
	assert_int_equal(inner.sport, rte_cpu_to_be_16(22));
	assert_int_equal(inner.dport, rte_cpu_to_be_16(2222));
	assert_int_equal(inner.tcp.seq, 123456789);
	rte_pktmbuf_free(m);

	/* Quoted echo request. */
	spec.inner = &echo;
	m = test_pkt_build_parsed(&spec, &pkt);
	assert_int_equal(parse_inner(&inner, &pkt), NPFCT_PARSE_OK);
	assert_int_equal(inner.flags, NPFCT_PKT_IP6 | NPFCT_PKT_L4 |
	    NPFCT_PKT_ICMP | NPFCT_PKT_ICMP_QUERY);
	assert_int_equal(inner.sport, rte_cpu_to_be_16(31));
	rte_pktmbuf_free(m);
}

/*
 * Functional: multi-segment packets and explicit layer 3 offsets.
 */

static void
test_pkt_parse_multiseg(void **state)
{
	struct test_pkt_spec spec;
	struct rte_mbuf *m;
	unsigned int k;
	uint16_t seg;

	(void)state;
	for (k = 0; k < RTE_DIM(kinds); k++) {
		m = test_pkt_build(kinds[k]);
		for (seg = 1; seg <= 64; seg++)
			check_split(m, seg);
		rte_pktmbuf_free(m);
	}
	/* Longest headers: 40 bytes of IPv4 and TCP options. */
	spec = tcp4_spec;
	spec.ip_opt_len = 40;
	spec.vlan = 1;
	m = test_pkt_build(&spec);
	set8(m, ETH_LEN + 4 + 60 + 12, 15 << 4);
	set16(m, ETH_LEN + 4 + 60 + 20 + 12, 0x0303);	/* WS at the end */
	for (seg = 1; seg <= 64; seg++)
		check_split(m, seg);
	rte_pktmbuf_free(m);
}

static void
test_pkt_parse_l3_offset(void **state)
{
	struct npfct_pkt pkt, ref;
	struct rte_mbuf *m, *s;
	unsigned int k;

	(void)state;
	for (k = 0; k < RTE_DIM(kinds); k++) {
		m = test_pkt_build(kinds[k]);
		assert_int_equal(parse(&ref, m), NPFCT_PARSE_OK);
		memset(&pkt, PATTERN, sizeof(pkt));
		assert_int_equal(npfct_pkt_parse_l3(&pkt, m, ref.l3_off),
		    NPFCT_PARSE_OK);
		assert_pkt_equal(&pkt, &ref);
		s = test_pkt_split(m, 5);
		memset(&pkt, PATTERN, sizeof(pkt));
		assert_int_equal(npfct_pkt_parse_l3(&pkt, s, ref.l3_off),
		    NPFCT_PARSE_OK);
		assert_pkt_equal(&pkt, &ref);
		rte_pktmbuf_free(s);
		rte_pktmbuf_free(m);
	}

	/* A packet with no Ethernet header (e.g. from a tunnel). */
	m = test_pkt_udp4(A4_SRC, 1, A4_DST, 2);
	rte_pktmbuf_adj(m, ETH_LEN);
	m->port = 4;
	memset(&pkt, PATTERN, sizeof(pkt));
	assert_int_equal(npfct_pkt_parse_l3(&pkt, m, 0), NPFCT_PARSE_OK);
	assert_int_equal(pkt.flags, NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    NPFCT_PKT_UDP);
	assert_int_equal(pkt.ifid, 4);
	assert_int_equal(pkt.l3_off, 0);
	assert_int_equal(pkt.l4_off, IP4_LEN);
	assert_int_equal(pkt.sport, rte_cpu_to_be_16(1));
	rte_pktmbuf_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* Error paths. */
		cmocka_unit_test(test_parse_status_str_names),
		cmocka_unit_test(test_pkt_parse_l2_trunc),
		cmocka_unit_test(test_pkt_parse_not_ip),
		cmocka_unit_test(test_pkt_parse_ip4_bad),
		cmocka_unit_test(test_pkt_parse_ip6_bad),
		cmocka_unit_test(test_pkt_parse_ip6_ext_bad),
		cmocka_unit_test(test_pkt_parse_oversized_lengths),
		cmocka_unit_test(test_pkt_parse_l4_trunc),
		cmocka_unit_test(test_pkt_parse_truncated_every_len),
		cmocka_unit_test(test_pkt_parse_truncated_ip_len),
		cmocka_unit_test(test_pkt_parse_garbage),
		cmocka_unit_test(test_pkt_parse_mutated),
		cmocka_unit_test(test_pkt_parse_l3_bad),
		cmocka_unit_test(test_pkt_parse_icmp_inner_bad),
		/* Functional. */
		cmocka_unit_test(test_pkt_parse_tcp4),
		cmocka_unit_test(test_pkt_parse_tcp6),
		cmocka_unit_test(test_pkt_parse_udp),
		cmocka_unit_test(test_pkt_parse_icmp4_query),
		cmocka_unit_test(test_pkt_parse_icmp6_query),
		cmocka_unit_test(test_pkt_parse_icmp_error),
		cmocka_unit_test(test_pkt_parse_l4_other),
		cmocka_unit_test(test_pkt_parse_vlan),
		cmocka_unit_test(test_pkt_parse_qinq),
		cmocka_unit_test(test_pkt_parse_ip4_options),
		cmocka_unit_test(test_pkt_parse_ip4_fragment),
		cmocka_unit_test(test_pkt_parse_ip6_ext_chain),
		cmocka_unit_test(test_pkt_parse_ip6_fragment),
		cmocka_unit_test(test_pkt_parse_tcp_options),
		cmocka_unit_test(test_pkt_parse_tcp_options_malformed),
		cmocka_unit_test(test_pkt_parse_icmp_inner_v4),
		cmocka_unit_test(test_pkt_parse_icmp_inner_v6),
		cmocka_unit_test(test_pkt_parse_multiseg),
		cmocka_unit_test(test_pkt_parse_l3_offset),
		cmocka_unit_test(test_pkt_parse_fast_path_equivalence),
	};

	return cmocka_run_group_tests_name("pkt", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
