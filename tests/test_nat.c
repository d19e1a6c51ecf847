/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Unit tests of the NAT engine (nat.c, nat_rewrite.c) on the real EAL:
 * source NAT and masquerade, port preservation, ports reused across
 * destinations, two inside hosts with the same port or ICMP id,
 * exhaustion (refused, counted, announced, never address-only), ranges
 * of every shape, paired pooling and the search over every address, and
 * the rewritten checksums against a full recomputation on random
 * packets (TCP, UDP, ICMP; IP options; UDP checksum 0; offload flags;
 * headers across segments).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_event.h"
#include "npfct_nat.h"
#include "npfct_nat_impl.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

#define OUTSIDE	"198.51.100.7"
#define SERVER	"192.0.2.80"

static rte_be32_t
ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* Masquerade 10.0.0.0/8 to one address, or a pool first..last. */
static int
snat_add(struct npfct *ct, const char *first, const char *last,
		uint16_t pmin, uint16_t pmax, uint32_t flags)
{
	const struct npfct_nat_policy_conf c = {
		.type = NPFCT_NAT_SNAT, .flags = flags, .match.v4 = ip4("10.0.0.0"),
		.match_plen = 8, .pool_first.v4 = ip4(first),
		.pool_last.v4 = ip4(last), .port_min = pmin, .port_max = pmax,
	};
	int id = npfct_nat_policy_add(ct, &c);

	assert_true(id >= 0);
	return id;
}

/*
 * Establish a connection for spec (outbound) with NAT, release it;
 * returns npfct_nat_establish()'s result and the connection (NULL if
 * refused).
 */
static int
nat_open_dir(struct npfct *ct, const struct test_pkt_spec *spec, int di,
		struct npfct_conn **conp)
{
	struct npfct_pkt pkt;
	struct rte_mbuf *m = test_pkt_build_parsed(spec, &pkt);
	struct npfct_conn *con;
	int ret;

	assert_non_null(m);
	con = npfct_conn_establish(ct, &pkt, di, false);
	assert_non_null(con);
	ret = npfct_nat_establish(ct, &pkt, con, di);
	npfct_conn_release(con);
	*conp = ret >= 0 ? con : NULL;
	rte_pktmbuf_free(m);
	return ret;
}

/* Establish an outbound connection and let the engine translate it. */
static int
nat_open(struct npfct *ct, const struct test_pkt_spec *spec,
		struct npfct_conn **conp)
{
	return nat_open_dir(ct, spec, NPFCT_DIR_OUT, conp);
}

static struct test_pkt_spec
udp_spec(const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	const struct test_pkt_spec s = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = src, .dst = dst,
		.sport = sport, .dport = dport, .wscale = -1,
		.payload_len = 32,
	};
	return s;
}

/* The translated source of a connection: its backwards key's dst. */
static void
nat_tuple(struct npfct *ct, struct npfct_conn *con, rte_be32_t *addr,
		uint16_t *port)
{
	struct npfct_conn_info info;

	npfct_conn_info_get(ct, con, &info);
	assert_true(info.nat);
	*addr = info.bdst.a32[0];
	*port = ntohs(info.bdport);
}

/* Linearise m from its IP header (offset l3) into buf. */
static const uint8_t *
flat(struct rte_mbuf *m, uint32_t l3, uint8_t *buf, uint32_t *len)
{
	*len = rte_pktmbuf_pkt_len(m) - l3;
	return rte_pktmbuf_read(m, l3, *len, buf);
}

/*
 * Check a packet's checksums by summing over everything they cover: the
 * IPv4 header, and the layer 4 message with its pseudo-header (TCP, UDP)
 * or without (ICMP).  A UDP checksum 0 is accepted only if want_udp0.
 */
static void
expect_cksums(struct rte_mbuf *m, uint32_t l3, bool want_udp0)
{
	uint8_t buf[2048];
	uint32_t len, ihl, l4len, sum;
	const uint8_t *ip = flat(m, l3, buf, &len);
	uint8_t proto;
	uint16_t field;

	assert_non_null(ip);
	ihl = (ip[0] & 0xf) * 4u;
	assert_int_equal(rte_raw_cksum(ip, ihl), 0xffff);
	proto = ip[9];
	l4len = ((uint32_t)ip[2] << 8 | ip[3]) - ihl;
	if (proto == IPPROTO_ICMP) {
		assert_int_equal(rte_raw_cksum(ip + ihl, l4len), 0xffff);
		return;
	}
	field = (uint16_t)(ip[ihl + (proto == IPPROTO_TCP ? 16 : 6)] << 8 |
	    ip[ihl + (proto == IPPROTO_TCP ? 17 : 7)]);
	if (proto == IPPROTO_UDP && field == 0) {
		assert_true(want_udp0);
		return;
	}
	assert_false(want_udp0);
	/* rte_raw_cksum() sums the words as loaded: add ours the same way. */
	sum = (uint32_t)rte_raw_cksum(ip + 12, 8) + htons(proto) +
	    htons((uint16_t)l4len) + rte_raw_cksum(ip + ihl, l4len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
}

/*
 * Masquerade: the outbound packet leaves with the outside address and
 * its own port (preserved), valid checksums; the reply finds the
 * connection by the translated tuple and goes back to the inside host.
 */
static void
test_nat_masquerade(void **state)
{
	struct test_pkt_spec out = udp_spec("10.0.0.1", 40000, SERVER, 53);
	struct test_pkt_spec in = udp_spec(SERVER, 53, OUTSIDE, 40000);
	struct npfct_conn *con, *found;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	rte_be32_t a;
	uint16_t port;
	uint8_t v;

	(void)state;
	snat_add(test_ct, OUTSIDE, OUTSIDE, 0, 0, 0);
	assert_int_equal(nat_open(test_ct, &out, &con), 1);
	nat_tuple(test_ct, con, &a, &port);
	assert_int_equal(a, ip4(OUTSIDE));
	assert_int_equal(port, 40000);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_NAT_BOUND), 1);

	/* Forwards: inspect, translate. */
	m = test_pkt_build_parsed(&out, &pkt);
	found = npfct_conn_inspect(test_ct, &pkt, NPFCT_DIR_OUT, &v);
	assert_ptr_equal(found, con);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, found,
	    NPFCT_DIR_OUT), 1);
	assert_int_equal(pkt.src.a32[0], ip4(OUTSIDE));
	assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
	assert_int_equal(pkt.src.a32[0], ip4(OUTSIDE));
	assert_int_equal(ntohs(pkt.sport), 40000);
	assert_int_equal(pkt.dst.a32[0], ip4(SERVER));
	expect_cksums(m, pkt.l3_off, false);
	rte_pktmbuf_free(m);

	/* Backwards: the reply to the outside address. */
	m = test_pkt_build_parsed(&in, &pkt);
	found = npfct_conn_inspect(test_ct, &pkt, NPFCT_DIR_IN, &v);
	assert_ptr_equal(found, con);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, found,
	    NPFCT_DIR_IN), 1);
	assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
	assert_int_equal(pkt.dst.a32[0], ip4("10.0.0.1"));
	assert_int_equal(ntohs(pkt.dport), 40000);
	assert_int_equal(pkt.src.a32[0], ip4(SERVER));
	expect_cksums(m, pkt.l3_off, false);
	rte_pktmbuf_free(m);

	/* Not to the inside address any more: that tuple is not known. */
	in.dst = "10.0.0.1";
	assert_null(test_ct_send(test_ct, &in, NPFCT_DIR_IN, false, NULL));
	/* A source outside the prefix is not translated. */
	out.src = "172.16.0.1";
	assert_int_equal(nat_open(test_ct, &out, &con), 0);
}

/*
 * Two inside hosts with the same source port to one server: the second
 * gets another port; to another server the same port is reused (ports
 * are unique per destination, not per address).  Same for ICMP ids.
 */
static void
test_nat_same_port_and_id(void **state)
{
	struct test_pkt_spec a = udp_spec("10.0.0.1", 5000, SERVER, 53);
	struct test_pkt_spec b = udp_spec("10.0.0.2", 5000, SERVER, 53);
	struct test_pkt_spec c = udp_spec("10.0.0.3", 5000, "192.0.2.99",
	    53);
	struct test_pkt_spec e1 = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = "10.0.0.1",
		.dst = SERVER, .icmp_type = 8, .icmp_id = 500, .wscale = -1,
		.payload_len = 56,
	};
	struct test_pkt_spec e2 = e1;
	struct test_pkt_spec r2 = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = SERVER,
		.dst = OUTSIDE, .icmp_type = 0, .wscale = -1,
		.payload_len = 56,
	};
	struct npfct_conn *ca, *cb, *cc, *c1, *c2, *found;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	rte_be32_t addr;
	uint16_t pa, pb, pc, i1, i2;

	(void)state;
	snat_add(test_ct, OUTSIDE, OUTSIDE, 0, 0, 0);
	assert_int_equal(nat_open(test_ct, &a, &ca), 1);
	assert_int_equal(nat_open(test_ct, &b, &cb), 1);
	assert_int_equal(nat_open(test_ct, &c, &cc), 1);
	nat_tuple(test_ct, ca, &addr, &pa);
	nat_tuple(test_ct, cb, &addr, &pb);
	nat_tuple(test_ct, cc, &addr, &pc);
	assert_int_equal(pa, 5000);
	assert_int_not_equal(pb, 5000);
	assert_true(pb >= 1024);
	assert_int_equal(pc, 5000);

	/* Six hosts pinging one server with id 500 (OVS's report). */
	e2.src = "10.0.0.2";
	assert_int_equal(nat_open(test_ct, &e1, &c1), 1);
	assert_int_equal(nat_open(test_ct, &e2, &c2), 1);
	nat_tuple(test_ct, c1, &addr, &i1);
	nat_tuple(test_ct, c2, &addr, &i2);
	assert_int_equal(i1, 500);
	assert_int_not_equal(i2, 500);
	/* The second host's echo reply comes back to it with id 500. */
	r2.icmp_id = i2;
	m = test_pkt_build_parsed(&r2, &pkt);
	found = npfct_conn_inspect(test_ct, &pkt, NPFCT_DIR_IN, NULL);
	assert_ptr_equal(found, c2);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, found,
	    NPFCT_DIR_IN), 1);
	assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
	assert_int_equal(pkt.dst.a32[0], ip4("10.0.0.2"));
	assert_int_equal(ntohs(pkt.sport), 500);
	expect_cksums(m, pkt.l3_off, false);
	rte_pktmbuf_free(m);
}

/*
 * Exhaustion: four ports, four hosts to one server; the fifth is
 * refused with its counter and event, never activated, the others
 * untouched; when one ends its port serves again.
 */
static void
test_nat_exhaustion(void **state)
{
	struct npfct_params p = {
		.name = "natx", .socket_id = SOCKET_ID_ANY, .max_conns = 64,
		.flags = NPFCT_F_FIXED_HASH_SEED, .event_ring_size = 64,
	};
	struct npfct *ct = npfct_create(&p);
	char host[32];
	struct test_pkt_spec s;
	struct npfct_conn *con[5];
	struct npfct_event ev[32];
	unsigned int i, n;
	rte_be32_t addr;
	uint16_t port, seen = 0;

	(void)state;
	assert_non_null(ct);
	npfct_clock_manual(ct, TEST_CT_T0 * 1000000000ull);
	snat_add(ct, OUTSIDE, OUTSIDE, 6000, 6003, 0);
	for (i = 0; i < 4; i++) {
		snprintf(host, sizeof(host), "10.0.0.%u", i + 1);
		s = udp_spec(host, 7000, SERVER, 53);
		assert_int_equal(nat_open(ct, &s, &con[i]), 1);
		nat_tuple(ct, con[i], &addr, &port);
		assert_true(port >= 6000 && port <= 6003);
		assert_false(seen & (1u << (port - 6000)));
		seen |= (uint16_t)(1u << (port - 6000));
	}
	s = udp_spec("10.0.0.9", 7000, SERVER, 53);
	assert_int_equal(nat_open(ct, &s, &con[4]), -EADDRNOTAVAIL);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_NAT_EXHAUSTED), 1);
	/* Not active: its packets find nothing; the others still work. */
	assert_null(test_ct_send(ct, &s, NPFCT_DIR_OUT, false, NULL));
	assert_int_equal(npfct_gc_sync(ct), 1);
	assert_int_equal(npfct_count(ct), 4);
	n = npfct_events_poll(ct, ev, RTE_DIM(ev));
	for (i = 0; i < n; i++)
		if (ev[i].type == NPFCT_EVENT_NAT &&
		    ev[i].reason == NPFCT_EVENT_R_EXHAUSTED)
			break;
	assert_true(i < n);
	assert_int_equal(ev[i].src.a32[0], ip4("10.0.0.9"));

	/* One ends: its port is free again. */
	npfct_conn_expire(con[0]);
	assert_int_equal(npfct_gc_sync(ct), 1);
	assert_int_equal(nat_open(ct, &s, &con[4]), 1);
	npfct_destroy(ct);
}

/*
 * Ranges of every shape are searched whole (NPF's probe step min+1 left
 * most of some ranges unreached): with no port preservation, one address
 * and one destination, a range of k ports takes exactly k connections.
 */
static void
test_nat_ranges(void **state)
{
	static const uint16_t ranges[][2] = {
		{ 10, 15 }, { 1000, 1003 }, { 10000, 10100 }, { 65530, 65535 },
		{ 4096, 4096 }, { 60000, 60099 },
	};
	unsigned int r, i, k;
	char host[32];

	(void)state;
	for (r = 0; r < RTE_DIM(ranges); r++) {
		struct npfct_params p = {
			.name = "natr", .socket_id = SOCKET_ID_ANY,
			.max_conns = 512, .max_nat_conns = 512,
			.flags = NPFCT_F_FIXED_HASH_SEED,
		};
		struct npfct *ct = npfct_create(&p);
		struct test_pkt_spec s;
		struct npfct_conn *con;

		assert_non_null(ct);
		snat_add(ct, OUTSIDE, OUTSIDE, ranges[r][0], ranges[r][1],
		    NPFCT_NATF_NO_PRESERVE);
		k = ranges[r][1] - ranges[r][0] + 1u;
		for (i = 0; i < k; i++) {
			snprintf(host, sizeof(host), "10.0.%u.%u", i / 250,
			    i % 250 + 1);
			s = udp_spec(host, 7000, SERVER, 53);
			if (nat_open(ct, &s, &con) != 1)
				fail_msg("range %u-%u: connection %u of %u "
				    "refused", ranges[r][0], ranges[r][1],
				    i + 1, k);
		}
		s = udp_spec("10.9.9.9", 7000, SERVER, 53);
		assert_int_equal(nat_open(ct, &s, &con), -EADDRNOTAVAIL);
		npfct_destroy(ct);
	}
}

/*
 * Paired pooling: one inside host keeps one outside address for every
 * destination; when that address has no port left for a destination,
 * the others are searched (not only one address, as OVS).
 */
static void
test_nat_paired_and_every_address(void **state)
{
	struct test_pkt_spec s;
	struct npfct_conn *con;
	rte_be32_t addr, first = 0;
	uint16_t port;
	char dst[32];
	unsigned int i, other = 0;

	(void)state;
	snat_add(test_ct, "198.51.100.1", "198.51.100.4", 7000, 7001, 0);
	for (i = 0; i < 20; i++) {
		snprintf(dst, sizeof(dst), "192.0.2.%u", i + 1);
		s = udp_spec("10.0.0.1", 5555, dst, 53);
		assert_int_equal(nat_open(test_ct, &s, &con), 1);
		nat_tuple(test_ct, con, &addr, &port);
		if (i == 0)
			first = addr;
		assert_int_equal(addr, first);
	}
	/* 4 addresses x 2 ports to one destination, then exhausted. */
	for (i = 0; i < 8; i++) {
		char host[32];

		snprintf(host, sizeof(host), "10.1.0.%u", i + 1);
		s = udp_spec(host, 5555, "192.0.2.200", 53);
		assert_int_equal(nat_open(test_ct, &s, &con), 1);
		nat_tuple(test_ct, con, &addr, &port);
		other += addr != first;
	}
	assert_true(other >= 6);
	s = udp_spec("10.1.1.1", 5555, "192.0.2.200", 53);
	assert_int_equal(nat_open(test_ct, &s, &con), -EADDRNOTAVAIL);
}

/*
 * The burst calls: npfct_establish_burst(NPFCT_EST_NAT) translates, and
 * leaves out (NULL, not counted) what NAT refuses; the burst translate
 * rewrites the found packets of both directions.
 */
static void
test_nat_burst(void **state)
{
	struct npfct_pkt pkts[3], back[3];
	struct rte_mbuf *m[3], *r[3];
	struct npfct_conn *conns[3], *found[3];
	uint16_t idx[3] = { 0, 1, 2 };
	uint8_t v[3];
	char host[32];
	unsigned int i;

	(void)state;
	snat_add(test_ct, OUTSIDE, OUTSIDE, 9000, 9001, 0);
	for (i = 0; i < 3; i++) {
		struct test_pkt_spec s;

		snprintf(host, sizeof(host), "10.0.0.%u", i + 1);
		s = udp_spec(host, 9000, SERVER, 53);
		m[i] = test_pkt_build_parsed(&s, &pkts[i]);
	}
	assert_int_equal(npfct_establish_burst(test_ct, pkts, idx, 3,
	    NPFCT_DIR_OUT, NPFCT_EST_NAT, conns), 2);
	assert_non_null(conns[0]);
	assert_non_null(conns[1]);
	assert_null(conns[2]);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_NAT_EXHAUSTED), 1);
	assert_int_equal(npfct_nat_translate_burst(test_ct, pkts, conns, 3,
	    NPFCT_DIR_OUT), 2);
	for (i = 0; i < 2; i++) {
		struct test_pkt_spec s = udp_spec(SERVER, 53, OUTSIDE,
		    ntohs(pkts[i].sport));

		assert_int_equal(pkts[i].src.a32[0], ip4(OUTSIDE));
		expect_cksums(m[i], pkts[i].l3_off, false);
		r[i] = test_pkt_build(&s);
	}
	assert_int_equal(npfct_inspect_burst(test_ct, r, back, 2,
	    NPFCT_DIR_IN, found, v), 2);
	assert_int_equal(npfct_nat_translate_burst(test_ct, back, found, 2,
	    NPFCT_DIR_IN), 2);
	for (i = 0; i < 2; i++) {
		snprintf(host, sizeof(host), "10.0.0.%u", i + 1);
		assert_ptr_equal(found[i], conns[i]);
		assert_int_equal(back[i].dst.a32[0], ip4(host));
		assert_int_equal(ntohs(back[i].dport), 9000);
		expect_cksums(r[i], back[i].l3_off, false);
		rte_pktmbuf_free(r[i]);
	}
	for (i = 0; i < 3; i++)
		rte_pktmbuf_free(m[i]);
}

static int
dnat_add(struct npfct *ct, uint16_t mlo, uint16_t mhi, const char *inside,
		uint16_t iport)
{
	const struct npfct_nat_policy_conf c = {
		.type = NPFCT_NAT_DNAT, .proto = IPPROTO_TCP,
		.match.v4 = ip4(OUTSIDE), .match_plen = 32,
		.match_port_min = mlo, .match_port_max = mhi,
		.pool_first.v4 = ip4(inside), .pool_last.v4 = ip4(inside),
		.port_min = iport,
	};
	int id = npfct_nat_policy_add(ct, &c);

	assert_true(id >= 0);
	return id;
}

/*
 * Port forwarding: a SYN from outside to the outside address's port 8080
 * goes to the inside server's port 80, its SYN-ACK goes back from 8080;
 * a port range maps by offset; other ports and UDP are not forwarded.
 */
static void
test_nat_port_forward(void **state)
{
	struct test_pkt_spec syn = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = SERVER,
		.dst = OUTSIDE, .sport = 33333, .dport = 8080,
		.tcp_flags = NPFCT_TH_SYN, .seq = 1000, .win = 65535,
		.wscale = -1,
	};
	struct test_pkt_spec synack = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = "10.0.0.5",
		.dst = SERVER, .sport = 80, .dport = 33333,
		.tcp_flags = NPFCT_TH_SYN | NPFCT_TH_ACK, .seq = 5000,
		.ack = 1001, .win = 65535, .wscale = -1,
	};
	struct npfct_conn *con, *found;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	uint8_t v;
	int ret;

	(void)state;
	dnat_add(test_ct, 8080, 8080, "10.0.0.5", 80);
	dnat_add(test_ct, 9000, 9009, "10.0.0.6", 100);
	m = test_pkt_build_parsed(&syn, &pkt);
	con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_IN, false);
	assert_non_null(con);
	assert_int_equal(npfct_nat_establish(test_ct, &pkt, con,
	    NPFCT_DIR_IN), 1);
	npfct_conn_release(con);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, con,
	    NPFCT_DIR_IN), 1);
	assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
	assert_int_equal(pkt.dst.a32[0], ip4("10.0.0.5"));
	assert_int_equal(ntohs(pkt.dport), 80);
	assert_int_equal(pkt.src.a32[0], ip4(SERVER));
	expect_cksums(m, pkt.l3_off, false);
	rte_pktmbuf_free(m);

	m = test_pkt_build_parsed(&synack, &pkt);
	found = npfct_conn_inspect(test_ct, &pkt, NPFCT_DIR_OUT, &v);
	assert_ptr_equal(found, con);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, found,
	    NPFCT_DIR_OUT), 1);
	assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
	assert_int_equal(pkt.src.a32[0], ip4(OUTSIDE));
	assert_int_equal(ntohs(pkt.sport), 8080);
	expect_cksums(m, pkt.l3_off, false);
	rte_pktmbuf_free(m);

	/* The range: 9005 -> 105. */
	syn.dport = 9005;
	syn.sport = 40000;
	m = test_pkt_build_parsed(&syn, &pkt);
	con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_IN, false);
	assert_non_null(con);
	assert_int_equal(npfct_nat_establish(test_ct, &pkt, con,
	    NPFCT_DIR_IN), 1);
	npfct_conn_release(con);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, con,
	    NPFCT_DIR_IN), 1);
	assert_int_equal(pkt.dst.a32[0], ip4("10.0.0.6"));
	assert_int_equal(ntohs(pkt.dport), 105);
	rte_pktmbuf_free(m);

	/* Not forwarded: another port; outbound. */
	syn.dport = 8081;
	m = test_pkt_build_parsed(&syn, &pkt);
	con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_IN, false);
	assert_non_null(con);
	ret = npfct_nat_establish(test_ct, &pkt, con, NPFCT_DIR_IN);
	assert_int_equal(ret, 0);
	npfct_conn_release(con);
	rte_pktmbuf_free(m);
}

/*
 * An ICMP error about a translated packet: from outside, about the
 * translated source (port unreachable from the server), it goes back to
 * the inside host with the original tuple in the quote; from inside,
 * about a packet the host got (DNAT), it leaves with the outside tuple.
 * Checksums: outer IPv4, ICMP over the message, quoted IPv4 and UDP.
 */
static void
test_nat_icmp_errors(void **state)
{
	struct test_pkt_spec a = udp_spec("10.0.0.1", 6000, SERVER, 53);
	struct test_pkt_spec b = udp_spec("10.0.0.2", 6000, SERVER, 53);
	struct test_pkt_spec quote = udp_spec(OUTSIDE, 0, SERVER, 53);
	struct test_pkt_spec err = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = SERVER,
		.dst = OUTSIDE, .icmp_type = 3, .icmp_code = 3, .wscale = -1,
		.inner = &quote,
	};
	struct npfct_conn *ca, *cb, *found;
	struct npfct_pkt pkt, inner;
	struct rte_mbuf *m;
	uint8_t buf[256], v;
	const uint8_t *q;
	rte_be32_t addr;
	uint16_t pb;

	(void)state;
	snat_add(test_ct, OUTSIDE, OUTSIDE, 0, 0, 0);
	assert_int_equal(nat_open(test_ct, &a, &ca), 1);
	assert_int_equal(nat_open(test_ct, &b, &cb), 1);
	nat_tuple(test_ct, cb, &addr, &pb);
	assert_int_not_equal(pb, 6000);

	/* Port unreachable for b's translated datagram. */
	quote.sport = pb;
	m = test_pkt_build_parsed(&err, &pkt);
	found = npfct_conn_inspect(test_ct, &pkt, NPFCT_DIR_IN, &v);
	assert_int_equal(v, NPFCT_V_RELATED);
	assert_ptr_equal(found, cb);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, found,
	    NPFCT_DIR_IN), 1);
	assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
	assert_int_equal(pkt.dst.a32[0], ip4("10.0.0.2"));
	expect_cksums(m, pkt.l3_off, false);
	assert_int_equal(npfct_pkt_parse_icmp_inner(&inner, &pkt), 0);
	assert_int_equal(inner.src.a32[0], ip4("10.0.0.2"));
	assert_int_equal(ntohs(inner.sport), 6000);
	assert_int_equal(inner.dst.a32[0], ip4(SERVER));
	q = rte_pktmbuf_read(m, pkt.icmp.inner_off, 28, buf);
	assert_int_equal(rte_raw_cksum(q, 20), 0xffff);
	rte_pktmbuf_free(m);
	/* Not about a translated tuple: left alone. */
	quote.sport = 1;
	m = test_pkt_build_parsed(&err, &pkt);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, cb,
	    NPFCT_DIR_IN), 0);
	rte_pktmbuf_free(m);
}

/*
 * Export and import: the mappings are the keys.  An imported instance
 * (a standby taking over) finds the replies by their translated tuple and
 * translates both streams of a UDP, an ICMP (its id on both ends of the
 * key) and a port-forwarded connection; an import that would take a
 * translated tuple in use is refused.
 */
static void
test_nat_export_import(void **state)
{
	struct test_pkt_spec u = udp_spec("10.0.0.1", 7100, SERVER, 53);
	struct test_pkt_spec u2 = udp_spec("10.0.0.2", 7100, SERVER, 53);
	struct test_pkt_spec e = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = "10.0.0.1",
		.dst = SERVER, .icmp_type = 8, .icmp_id = 77, .wscale = -1,
	};
	struct test_pkt_spec e2 = e;
	struct test_pkt_spec reply = udp_spec(SERVER, 53, OUTSIDE, 0);
	struct test_pkt_spec echo = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = SERVER,
		.dst = OUTSIDE, .icmp_type = 0, .wscale = -1,
	};
	struct npfct *b = test_ct_create("natb", TEST_CT_MAX);
	struct npfct_conn *c, *cu2, *ce2, *found;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	uint8_t buf[16384];
	rte_be32_t addr;
	uint16_t pu2, ie2;
	ssize_t len;

	(void)state;
	assert_non_null(b);
	snat_add(test_ct, OUTSIDE, OUTSIDE, 0, 0, 0);
	e2.src = "10.0.0.2";
	assert_int_equal(nat_open(test_ct, &u, &c), 1);
	assert_int_equal(nat_open(test_ct, &u2, &cu2), 1);
	assert_int_equal(nat_open(test_ct, &e, &c), 1);
	assert_int_equal(nat_open(test_ct, &e2, &ce2), 1);
	nat_tuple(test_ct, cu2, &addr, &pu2);
	nat_tuple(test_ct, ce2, &addr, &ie2);
	assert_int_not_equal(pu2, 7100);
	assert_int_not_equal(ie2, 77);

	assert_int_equal(npfct_count(test_ct), 4);
	len = npfct_export(test_ct, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(npfct_import(b, NULL, buf, (size_t)len, NULL), 4);

	/* On b: the second host's reply, by its translated port. */
	reply.dport = pu2;
	m = test_pkt_build_parsed(&reply, &pkt);
	found = npfct_conn_inspect(b, &pkt, NPFCT_DIR_IN, NULL);
	assert_non_null(found);
	assert_int_equal(npfct_nat_translate(b, &pkt, found, NPFCT_DIR_IN),
	    1);
	assert_int_equal(pkt.dst.a32[0], ip4("10.0.0.2"));
	assert_int_equal(ntohs(pkt.dport), 7100);
	expect_cksums(m, pkt.l3_off, false);
	rte_pktmbuf_free(m);
	/* The echo reply with the translated id. */
	echo.icmp_id = ie2;
	m = test_pkt_build_parsed(&echo, &pkt);
	found = npfct_conn_inspect(b, &pkt, NPFCT_DIR_IN, NULL);
	assert_non_null(found);
	assert_int_equal(npfct_nat_translate(b, &pkt, found, NPFCT_DIR_IN),
	    1);
	assert_int_equal(pkt.dst.a32[0], ip4("10.0.0.2"));
	assert_int_equal(ntohs(pkt.sport), 77);
	expect_cksums(m, pkt.l3_off, false);
	rte_pktmbuf_free(m);
	/* Forwards on b: translated as on the first instance. */
	m = test_pkt_build_parsed(&u2, &pkt);
	found = npfct_conn_inspect(b, &pkt, NPFCT_DIR_OUT, NULL);
	assert_non_null(found);
	assert_int_equal(npfct_nat_translate(b, &pkt, found, NPFCT_DIR_OUT),
	    1);
	assert_int_equal(ntohs(pkt.sport), pu2);
	rte_pktmbuf_free(m);

	/* Importing the same image again: every tuple is taken. */
	assert_true(npfct_import(b, NULL, buf, (size_t)len, NULL) < 0);
	/* What it inserted before the clash is undone (freed by the G/C). */
	npfct_gc_sync(b);
	assert_int_equal(npfct_count(b), 4);
	npfct_destroy(b);
}

/* The policy an imported connection is counted with ("-": none). */
static void
expect_desc(struct npfct *ct, const struct test_pkt_spec *spec, int di,
		const char *want)
{
	struct npfct_conn *found;
	struct npfct_pkt pkt;
	struct rte_mbuf *m = test_pkt_build_parsed(spec, &pkt);
	char desc[32];

	assert_non_null(m);
	found = npfct_conn_inspect(ct, &pkt, di, NULL);
	assert_non_null(found);
	npfct_nat_conn_describe(found, desc, sizeof(desc));
	assert_string_equal(desc, want);
	/* Attached or not, the engine translates it from its keys. */
	assert_int_equal(npfct_nat_translate(ct, &pkt, found, di), 1);
	rte_pktmbuf_free(m);
}

static uint64_t
unattached(struct npfct *ct)
{
	struct npfct_stats st;

	assert_int_equal(npfct_stats_get(ct, &st), 0);
	return st.count[NPFCT_STAT_NAT_IMPORT_UNATTACHED];
}

/*
 * Import puts a translated connection back with the policy that would
 * have made its mapping (listings and telemetry count it there): source
 * NAT by its pool, a port forward by its inside address, whatever the
 * policies' ids.  A policy whose pool does not hold the translated
 * address, or no policy, leaves it unattached and counted.  An
 * endpoint-independent policy attaches it with its binding taken again
 * (tests/test_nat_binding.c tests the bindings), which its destruction
 * gives back.
 */
static void
test_nat_import_attach(void **state)
{
	struct test_pkt_spec u = udp_spec("10.0.0.1", 7100, SERVER, 53);
	struct test_pkt_spec syn = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = SERVER,
		.dst = OUTSIDE, .sport = 33333, .dport = 8080,
		.tcp_flags = NPFCT_TH_SYN, .seq = 1000, .win = 65535,
		.wscale = -1,
	};
	struct npfct *b = test_ct_create("natb", TEST_CT_MAX);
	struct npfct *c = test_ct_create("natc", TEST_CT_MAX);
	struct npfct *d = test_ct_create("natd", TEST_CT_MAX);
	struct npfct_conn *con;
	uint8_t buf[8192];
	char want[32];
	ssize_t len;
	int idb, idf;

	(void)state;
	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(d);
	snat_add(test_ct, OUTSIDE, OUTSIDE, 0, 0, 0);
	dnat_add(test_ct, 8080, 8080, "10.0.0.5", 80);
	assert_int_equal(nat_open(test_ct, &u, &con), 1);
	assert_int_equal(nat_open_dir(test_ct, &syn, NPFCT_DIR_IN, &con), 1);
	len = npfct_export(test_ct, buf, sizeof(buf));
	assert_true(len > 0);

	/* b: the same policies, in another order (other ids). */
	idf = dnat_add(b, 8080, 8080, "10.0.0.5", 80);
	dnat_add(b, 9000, 9009, "10.0.0.6", 100);
	idb = snat_add(b, OUTSIDE, OUTSIDE, 0, 0, 0);
	assert_int_equal(npfct_import(b, NULL, buf, (size_t)len, NULL), 2);
	snprintf(want, sizeof(want), "snat#%d", idb);
	expect_desc(b, &u, NPFCT_DIR_OUT, want);
	snprintf(want, sizeof(want), "dnat#%d", idf);
	expect_desc(b, &syn, NPFCT_DIR_IN, want);
	assert_int_equal(unattached(b), 0);

	/* c: a pool without the translated address, a forward elsewhere. */
	snat_add(c, "198.51.100.9", "198.51.100.9", 0, 0, 0);
	dnat_add(c, 8080, 8080, "10.0.0.9", 80);
	assert_int_equal(npfct_import(c, NULL, buf, (size_t)len, NULL), 2);
	expect_desc(c, &u, NPFCT_DIR_OUT, "-");
	expect_desc(c, &syn, NPFCT_DIR_IN, "-");
	assert_int_equal(unattached(c), 2);

	/* d: endpoint-independent source NAT, no port forward. */
	idb = snat_add(d, OUTSIDE, OUTSIDE, 0, 0, NPFCT_NATF_EIM);
	assert_int_equal(npfct_import(d, NULL, buf, (size_t)len, NULL), 2);
	snprintf(want, sizeof(want), "snat#%d", idb);
	expect_desc(d, &u, NPFCT_DIR_OUT, want);
	expect_desc(d, &syn, NPFCT_DIR_IN, "-");
	assert_int_equal(unattached(d), 1);
	npfct_destroy(d);
	npfct_destroy(c);
	npfct_destroy(b);
}

/* Bad policies are refused; a removed one no longer applies. */
static void
test_nat_policy_params(void **state)
{
	struct npfct_nat_policy_conf c = {
		.type = NPFCT_NAT_SNAT, .match.v4 = ip4("10.0.0.0"),
		.match_plen = 8, .pool_first.v4 = ip4("198.51.100.9"),
		.pool_last.v4 = ip4("198.51.100.1"),
	};
	struct test_pkt_spec s = udp_spec("10.0.0.1", 5000, SERVER, 53);
	struct npfct_conn *con;
	int id;

	(void)state;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.pool_last.v4 = ip4("198.51.100.10");
	c.match_plen = 33;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.match_plen = 8;
	c.port_min = 2000;
	c.port_max = 1000;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.port_max = 0;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.port_min = 0;
	c.proto = IPPROTO_SCTP;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.proto = 0;
	c.type = (enum npfct_nat_policy_type)77;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	/* DNAT: one inside address, TCP/UDP, ports that stay in range. */
	c.type = NPFCT_NAT_DNAT;
	c.pool_first.v4 = ip4("10.0.0.5");
	c.pool_last.v4 = ip4("10.0.0.6");
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.pool_last.v4 = c.pool_first.v4;
	c.port_min = 80;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.match_port_min = 1000;
	c.match_port_max = 66000 - 65536 + 1000;
	c.port_min = 65500;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.port_min = 0;
	c.match_port_min = c.match_port_max = 0;
	c.proto = IPPROTO_ICMP;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.proto = 0;
	c.type = NPFCT_NAT_SNAT;
	c.match_port_min = 80;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.match_port_min = 0;
	c.pool_last.v4 = ip4("198.51.255.255");	/* more than 65536 */
	c.pool_first.v4 = ip4("198.50.0.0");
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	assert_int_equal(npfct_nat_policy_add(NULL, &c), -EINVAL);

	id = snat_add(test_ct, OUTSIDE, OUTSIDE, 0, 0, 0);
	npfct_thread_offline();
	assert_int_equal(npfct_nat_policy_del(test_ct, id), 0);
	assert_int_equal(npfct_nat_policy_del(test_ct, id), -ENOENT);
	npfct_thread_online();
	assert_int_equal(nat_open(test_ct, &s, &con), 0);
	/* Zone: a policy of zone 3 does not apply to zone 0. */
	c.pool_first.v4 = c.pool_last.v4 = ip4(OUTSIDE);
	c.zone = 3;
	assert_true(npfct_nat_policy_add(test_ct, &c) >= 0);
	s.sport = 5001;
	assert_int_equal(nat_open(test_ct, &s, &con), 0);
}

/* A random packet spec (outbound from 10.x) and its translation. */
struct rnd_case {
	struct test_pkt_spec s;
	char src[32], dst[32];
};

static void
rnd_case_make(struct rnd_case *c, unsigned int i)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
	    IPPROTO_ICMP };

	memset(c, 0, sizeof(*c));
	snprintf(c->src, sizeof(c->src), "10.%u.%u.%u", rand() % 256,
	    rand() % 256, rand() % 254 + 1);
	snprintf(c->dst, sizeof(c->dst), "%u.%u.%u.%u", rand() % 223 + 1,
	    rand() % 256, rand() % 256, rand() % 254 + 1);
	c->s.af = AF_INET;
	c->s.proto = protos[i % 3];
	c->s.src = c->src;
	c->s.dst = c->dst;
	c->s.sport = (uint16_t)rand();
	c->s.dport = (uint16_t)(rand() % 65535 + 1);
	c->s.wscale = -1;
	c->s.payload_len = (uint16_t)(rand() % 300);
	c->s.ip_opt_len = (uint8_t)(4 * (rand() % 3));
	if (c->s.proto == IPPROTO_TCP) {
		c->s.tcp_flags = NPFCT_TH_ACK;
		c->s.seq = (uint32_t)rand();
		c->s.ack = (uint32_t)rand();
		c->s.win = (uint16_t)rand();
	} else if (c->s.proto == IPPROTO_ICMP) {
		c->s.icmp_type = 8;
		c->s.icmp_id = (uint16_t)rand();
	}
}

/* Set the UDP checksum of a built packet to 0 ("none"). */
static void
udp_cksum_zero(struct rte_mbuf *m, const struct npfct_pkt *pkt)
{
	*test_pkt_byte(m, (uint16_t)(pkt->l4_off + 6)) = 0;
	*test_pkt_byte(m, (uint16_t)(pkt->l4_off + 7)) = 0;
}

/*
 * Checksums after translation equal a full recomputation, on 3000
 * random packets, in one segment and with the headers cut across
 * segments, both directions, UDP checksum 0 kept.
 */
static void
test_nat_cksum_random(void **state)
{
	struct rnd_case c;
	struct npfct_pkt pkt;
	struct rte_mbuf *m, *chain;
	unsigned int i;
	rte_be32_t na;
	rte_be16_t np;
	int which;
	bool zero;

	(void)state;
	srand(1624);
	for (i = 0; i < 3000; i++) {
		rnd_case_make(&c, i);
		m = test_pkt_build(&c.s);
		assert_non_null(m);
		assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
		zero = c.s.proto == IPPROTO_UDP && i % 5 == 0;
		if (zero)
			udp_cksum_zero(m, &pkt);
		/* Every 4th packet in segments of 7 to 40 bytes. */
		if (i % 4 == 3) {
			chain = test_pkt_split(m, (uint16_t)(7 + rand() % 34));
			rte_pktmbuf_free(m);
			m = chain;
			assert_true(m->nb_segs > 1);
			assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
		}
		which = (i & 8) ? NPFCT_DST : NPFCT_SRC;
		na = (rte_be32_t)rand();
		np = (rte_be16_t)rand();
		assert_int_equal(npfct_nat_rewrite4(&pkt, which, na, np),
		    1);
		assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
		if (which == NPFCT_SRC) {
			assert_int_equal(pkt.src.a32[0], na);
			assert_int_equal(pkt.sport, np);
		} else {
			assert_int_equal(pkt.dst.a32[0], na);
			if (c.s.proto != IPPROTO_ICMP)
				assert_int_equal(pkt.dport, np);
		}
		expect_cksums(m, pkt.l3_off, zero);
		rte_pktmbuf_free(m);
	}
}

/*
 * An updated UDP checksum that comes out 0 is written 0xffff (0 means
 * "none"): after a first rewrite to port X leaves field F, the port
 * X +' F (one's complement) makes the update's result 0.
 */
static void
test_nat_udp_cksum_ffff(void **state)
{
	const struct test_pkt_spec s = udp_spec("10.0.0.1", 1234, SERVER, 53);
	struct npfct_pkt pkt;
	struct rte_mbuf *m = test_pkt_build_parsed(&s, &pkt);
	uint16_t x = htons(4321), f, y;
	uint32_t sum;

	(void)state;
	assert_int_equal(npfct_nat_rewrite4(&pkt, NPFCT_SRC, ip4(OUTSIDE), x),
	    1);
	memcpy(&f, test_pkt_byte(m, (uint16_t)(pkt.l4_off + 6)), 2);
	sum = (uint32_t)x + f;
	y = (uint16_t)((sum & 0xffff) + (sum >> 16));
	assert_int_equal(npfct_nat_rewrite4(&pkt, NPFCT_SRC, ip4(OUTSIDE), y),
	    1);
	memcpy(&f, test_pkt_byte(m, (uint16_t)(pkt.l4_off + 6)), 2);
	assert_int_equal(f, 0xffff);
	expect_cksums(m, pkt.l3_off, false);
	rte_pktmbuf_free(m);
}

/*
 * Checksum offload: with RTE_MBUF_F_TX_IP_CKSUM the IPv4 field is left
 * to the NIC; with TX_TCP/UDP_CKSUM the layer 4 field is the
 * pseudo-header checksum of the new header (rte_ipv4_phdr_cksum()).
 */
static void
test_nat_cksum_offload(void **state)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct rnd_case c;
	struct npfct_pkt pkt;
	struct rte_ipv4_hdr ip;
	struct rte_mbuf *m;
	unsigned int i, off;
	uint16_t ipck, l4ck;

	(void)state;
	srand(6296);
	for (i = 0; i < 200; i++) {
		rnd_case_make(&c, 0);
		c.s.proto = protos[i % 2];
		m = test_pkt_build(&c.s);
		assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
		    (c.s.proto == IPPROTO_TCP ? RTE_MBUF_F_TX_TCP_CKSUM :
		    RTE_MBUF_F_TX_UDP_CKSUM);
		memcpy(&ipck, test_pkt_byte(m, (uint16_t)(pkt.l3_off + 10)),
		    2);
		assert_int_equal(npfct_nat_rewrite4(&pkt, NPFCT_SRC,
		    (rte_be32_t)rand(), (rte_be16_t)rand()), 1);
		assert_int_equal(memcmp(&ipck, test_pkt_byte(m,
		    (uint16_t)(pkt.l3_off + 10)), 2), 0);
		memcpy(&ip, rte_pktmbuf_mtod_offset(m, void *, pkt.l3_off),
		    sizeof(ip));
		off = pkt.l4_off + (c.s.proto == IPPROTO_TCP ? 16 : 6);
		memcpy(&l4ck, test_pkt_byte(m, (uint16_t)off), 2);
		assert_int_equal(l4ck, rte_ipv4_phdr_cksum(&ip, m->ol_flags));
		rte_pktmbuf_free(m);
	}
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)
	const struct CMUnitTest tests[] = {
		T(test_nat_masquerade),
		T(test_nat_same_port_and_id),
		T(test_nat_exhaustion),
		T(test_nat_ranges),
		T(test_nat_paired_and_every_address),
		T(test_nat_burst),
		T(test_nat_port_forward),
		T(test_nat_icmp_errors),
		T(test_nat_export_import),
		T(test_nat_import_attach),
		T(test_nat_policy_params),
		T(test_nat_cksum_random),
		T(test_nat_udp_cksum_ffff),
		T(test_nat_cksum_offload),
	};

	return cmocka_run_group_tests_name("nat", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
