/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef TEST_PKT_H
#define TEST_PKT_H

/*
 * Test support: packet builders (like NPF's npf_mbuf_subr.c).
 *
 * test_pkt_build() makes a well-formed Ethernet frame in one mbuf from a
 * description; checksums are filled in.  Helpers then truncate, corrupt
 * or split packets into several segments for the parser tests.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "npfct_pkt.h"

struct test_pkt_spec {
	int		af;		/* AF_INET or AF_INET6 */
	uint8_t		proto;		/* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, other */
	const char	*src;		/* address string */
	const char	*dst;
	uint16_t	sport;		/* host order */
	uint16_t	dport;
	/* TCP */
	uint8_t		tcp_flags;	/* NPFCT_TH_* */
	uint32_t	seq;
	uint32_t	ack;
	uint16_t	win;
	int		wscale;		/* window scale option if >= 0 (-1: none) */
	uint16_t	mss;		/* MSS option if not 0 */
	bool		sack_ok;	/* SACK-permitted option */
	/* ICMP/ICMPv6: type, code, query id (echo) */
	uint8_t		icmp_type;
	uint8_t		icmp_code;
	uint16_t	icmp_id;
	/*
	 * ICMP error: the embedded packet (built from this spec: full IP
	 * header plus the first 8 bytes of its layer 4 header).
	 */
	const struct test_pkt_spec *inner;
	uint16_t	payload_len;	/* bytes of payload after L4 */
	uint16_t	port;		/* mbuf->port (interface id) */
	uint16_t	vlan;		/* 802.1Q tag if not 0 */
	uint16_t	qinq;		/* outer 802.1ad tag if not 0 */
	uint16_t	ip_frag_off;	/* IPv4: fragment offset (8-byte units) */
	bool		ip_mf;		/* IPv4: more-fragments flag */
	uint8_t		ip_opt_len;	/* IPv4: bytes of options (NOP), x4 */
	/* IPv6: extension headers in order (IPPROTO_HOPOPTS, _ROUTING,
	 * _DSTOPTS, _FRAGMENT), 0-terminated; fragment header with offset
	 * ip_frag_off and M flag ip_mf. */
	uint8_t		ext[8];
};

/* Build a packet; returns NULL (and fails the test) on error. */
struct rte_mbuf *test_pkt_build(const struct test_pkt_spec *spec);

/* Build and parse into pkt (asserting NPFCT_PARSE_OK); the mbuf is
 * returned and must be freed by the caller. */
struct rte_mbuf *test_pkt_build_parsed(const struct test_pkt_spec *spec,
		struct npfct_pkt *pkt);

/* Copy the packet into a chain of segments of at most seg_len bytes. */
struct rte_mbuf *test_pkt_split(struct rte_mbuf *m, uint16_t seg_len);

/* Cut the packet's data to len bytes (len <= data length). */
void test_pkt_truncate(struct rte_mbuf *m, uint16_t len);

/* Pointer to the byte at offset off of the first segment. */
uint8_t *test_pkt_byte(struct rte_mbuf *m, uint16_t off);

/* Shortcuts for common packets (ports in host order). */
struct rte_mbuf *test_pkt_tcp4(const char *src, uint16_t sport,
		const char *dst, uint16_t dport, uint8_t flags,
		uint32_t seq, uint32_t ack);
struct rte_mbuf *test_pkt_udp4(const char *src, uint16_t sport,
		const char *dst, uint16_t dport);
struct rte_mbuf *test_pkt_udp6(const char *src, uint16_t sport,
		const char *dst, uint16_t dport);
struct rte_mbuf *test_pkt_icmp4_echo(const char *src, const char *dst,
		uint8_t type, uint16_t id);

#endif /* TEST_PKT_H */
