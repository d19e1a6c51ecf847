/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Unit tests of the NAT engine's address mappings and IPv6 (nat_map.c,
 * nat_parse.c, nat_rewrite6.c) on the real EAL: NPF map rules parsed
 * (every form, and the errors), static 1:1 and NETMAP both ways, NPTv6
 * (checksum-neutral for random addresses, maps back, 0xffff refused,
 * prefixes of 48, 56 and 64 bits, connections both ways with untouched
 * checksums), dynamic NAT66 with ports and ICMPv6 ids, IPv6 checksums
 * after rewriting against a full recomputation on random packets (TCP,
 * UDP, ICMPv6; extension headers; segments; offload flags), and ICMPv6
 * errors translated back.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_nat.h"
#include "npfct_nat_impl.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

static union npfct_addr
addr(const char *s)
{
	union npfct_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.a8) != 1)
		assert_int_equal(inet_pton(AF_INET6, s, a.a8), 1);
	return a;
}

static int
policy(struct npfct *ct, const char *rule)
{
	struct npfct_nat_policy_conf c;
	char err[160];
	int id;

	if (npfct_nat_policy_parse(rule, &c, err, sizeof(err)) != 0)
		fail_msg("%s: %s", rule, err);
	id = npfct_nat_policy_add(ct, &c);
	assert_true(id >= 0);
	return id;
}

/* Establish with NAT in direction di and release; the connection. */
static int
nat_open(struct npfct *ct, const struct test_pkt_spec *spec, int di,
		struct npfct_conn **conp)
{
	struct npfct_pkt pkt;
	struct rte_mbuf *m = test_pkt_build_parsed(spec, &pkt);
	struct npfct_conn *con;
	int ret;

	con = npfct_conn_establish(ct, &pkt, di, false);
	assert_non_null(con);
	ret = npfct_nat_establish(ct, &pkt, con, di);
	npfct_conn_release(con);
	*conp = ret >= 0 ? con : NULL;
	rte_pktmbuf_free(m);
	return ret;
}

static struct test_pkt_spec
spec(int af, uint8_t proto, const char *src, uint16_t sport, const char *dst,
		uint16_t dport)
{
	struct test_pkt_spec s = {
		.af = af, .proto = proto, .src = src, .dst = dst,
		.sport = sport, .dport = dport, .wscale = -1,
		.payload_len = 24,
	};

	if (proto == IPPROTO_TCP) {
		s.tcp_flags = NPFCT_TH_SYN;
		s.seq = 100;
		s.win = 65535;
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		s.icmp_type = proto == IPPROTO_ICMP ? 8 : 128;
		s.icmp_id = sport;
	}
	return s;
}

/*
 * A parsed packet's checksums by a full sum: the IPv4 header's, and the
 * layer 4 checksum over the message and the pseudo-header (not ICMP's:
 * it has none; ICMPv6's has).
 */
static void
expect_cksums(struct rte_mbuf *m)
{
	struct npfct_pkt pkt;
	uint8_t buf[2048], l4[2048];
	const uint8_t *ip, *p;
	uint32_t sum;

	assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
	ip = rte_pktmbuf_read(m, pkt.l3_off, 40, buf);
	p = rte_pktmbuf_read(m, pkt.l4_off, pkt.l4_len, l4);
	assert_non_null(ip);
	assert_non_null(p);
	if (pkt.alen == 4) {
		assert_int_equal(rte_raw_cksum(ip, pkt.l4_off - pkt.l3_off),
		    0xffff);
		if (pkt.proto == IPPROTO_ICMP) {
			assert_int_equal(rte_raw_cksum(p, pkt.l4_len), 0xffff);
			return;
		}
		sum = rte_raw_cksum(ip + 12, 8);
	} else {
		sum = rte_raw_cksum(ip + 8, 32);
	}
	sum += htons(pkt.proto) + htons(pkt.l4_len) +
	    rte_raw_cksum(p, pkt.l4_len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
}

/* The rule forms and what is refused, with a message. */
static void
test_nat_parse(void **state)
{
	static const char *const bad[] = {
		"", "dynamic", "dynamic 10.0.0.0/8", "dynamic 10.0.0.0/8 ->",
		"dynamic 10.0.0.0/8 -> 2001:db8::1",
		"dynamic 10.0.0.0/8 -> 192.0.2.0/24",
		"dynamic 10.0.0.0/33 -> 192.0.2.1",
		"dynamic 10.0.0.0/8 -> 192.0.2.9-192.0.2.1",
		"dynamic 10.0.0.0/8 -> 192.0.2.1 port 0-10",
		"dynamic 10.0.0.0/8 -> 192.0.2.1 port 20-10",
		"dynamic 10.0.0.0/8 -> 192.0.2.1 extra",
		"dynamic 10.0.0.0/8 port 80 -> 192.0.2.1",
		"dynamic 10.0.0.0/24 <- 192.0.2.1",
		"dynamic 10.0.0.5 port 80 <- 192.0.2.1",
		"dynamic proto icmp 10.0.0.5 <- 192.0.2.1 port 80",
		"dynamic proto sctp 10.0.0.0/8 -> 192.0.2.1",
		"static 10.0.0.0/24 -> 192.0.2.0/24",
		"static 10.0.0.0/24 <-> 192.0.2.0/25",
		"static algo npt66 10.0.0.0/24 <-> 192.0.2.0/24",
		"static algo npt66 fd00::/96 <-> 2001:db8::/96",
		"static algo nat64 fd00::/48 <-> 2001:db8::/48",
		"masquerade 10.0.0.0/8 -> 192.0.2.1",
		"dynamic 10.0.0.0/8 -> 192.0.2.1 port-block 0",
		"dynamic 10.0.0.0/8 -> 192.0.2.1 port 2000-2099 port-block 101",
		("dynamic 10.0.0.0/8 -> 192.0.2.1 endpoint-independent "
		    "port-block 64"),
		"dynamic 10.0.0.0/8 -> 192.0.2.1 hold 1000",
		"dynamic 10.0.0.0/8 -> 192.0.2.1 port-block 64 blocks",
		"dynamic 10.1.1.2 port 80 <- 192.0.2.1 port 8080 hold 5",
	};
	struct npfct_nat_policy_conf c;
	char err[160];
	unsigned int i;

	(void)state;
	assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 -> "
	    "192.0.2.1-192.0.2.4 port 2000-3000", &c, err, sizeof(err)), 0);
	assert_int_equal(c.type, NPFCT_NAT_SNAT);
	assert_int_equal(c.alen, 4);
	assert_int_equal(c.match_plen, 8);
	assert_true(c.pool_last.v4 == addr("192.0.2.4").v4);
	assert_int_equal(c.port_min, 2000);
	assert_int_equal(c.port_max, 3000);

	assert_int_equal(npfct_nat_policy_parse("dynamic proto tcp 10.1.1.2 "
	    "port 80 <- 192.0.2.1 port 8080", &c, err, sizeof(err)), 0);
	assert_int_equal(c.type, NPFCT_NAT_DNAT);
	assert_int_equal(c.proto, IPPROTO_TCP);
	assert_int_equal(c.port_min, 80);
	assert_int_equal(c.match_port_min, 8080);
	assert_int_equal(c.match_port_max, 8080);
	assert_true(c.pool_first.v4 == addr("10.1.1.2").v4);

	assert_int_equal(npfct_nat_policy_parse("static 10.0.0.0/24 <-> "
	    "192.0.2.0/24", &c, err, sizeof(err)), 0);
	assert_int_equal(c.type, NPFCT_NAT_STATIC);
	assert_int_equal(npfct_nat_policy_parse("static algo npt66 "
	    "fd01:203:0:405::/48 <-> 2001:db8:1::/48", &c, err,
	    sizeof(err)), 0);
	assert_int_equal(c.type, NPFCT_NAT_NPT66);
	assert_int_equal(c.alen, 16);
	assert_int_equal(npfct_nat_policy_parse("dynamic proto icmp "
	    "fd00::/64 -> 2001:db8::7", &c, err, sizeof(err)), 0);
	assert_int_equal(c.proto, IPPROTO_ICMPV6);
	/* npfct's source NAT options. */
	assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 -> "
	    "192.0.2.1 port 2000-2999 port-block 100 blocks 3 hold 120000 "
	    "bindings 500", &c, err, sizeof(err)), 0);
	assert_int_equal(c.flags, NPFCT_NATF_PORT_BLOCK);
	assert_int_equal(c.block_size, 100);
	assert_int_equal(c.blocks_max, 3);
	assert_int_equal(c.hold_ms, 120000);
	assert_int_equal(c.bindings_max, 500);
	assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 -> "
	    "192.0.2.1 endpoint-independent hold 30000", &c, err,
	    sizeof(err)), 0);
	assert_int_equal(c.flags, NPFCT_NATF_EIM);
	assert_int_equal(c.hold_ms, 30000);

	for (i = 0; i < RTE_DIM(bad); i++) {
		err[0] = '\0';
		if (npfct_nat_policy_parse(bad[i], &c, err, sizeof(err)) !=
		    -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(npfct_nat_policy_parse(NULL, &c, NULL, 0), -EINVAL);
}

/*
 * Static NETMAP both ways: 10.1.1.0/24 <-> 192.0.2.0/24.  Outbound the
 * source keeps its host byte and port; inbound to 192.0.2.9 reaches
 * 10.1.1.9; the replies of each get the other address back.
 */
static void
test_nat_static_both_ways(void **state)
{
	struct test_pkt_spec o = spec(AF_INET, IPPROTO_TCP, "10.1.1.7", 4444,
	    "203.0.113.5", 80);
	struct test_pkt_spec i = spec(AF_INET, IPPROTO_UDP, "203.0.113.5", 53,
	    "192.0.2.9", 5353);
	struct test_pkt_spec r = spec(AF_INET, IPPROTO_UDP, "10.1.1.9", 5353,
	    "203.0.113.5", 53);
	struct npfct_conn *con, *found;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	uint8_t v;

	(void)state;
	policy(test_ct, "static 10.1.1.0/24 <-> 192.0.2.0/24");
	assert_int_equal(nat_open(test_ct, &o, NPFCT_DIR_OUT, &con), 1);
	m = test_pkt_build_parsed(&o, &pkt);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, con,
	    NPFCT_DIR_OUT), 1);
	assert_true(pkt.src.v4 == addr("192.0.2.7").v4);
	assert_int_equal(ntohs(pkt.sport), 4444);
	expect_cksums(m);
	rte_pktmbuf_free(m);

	/* Inbound to the outside prefix. */
	assert_int_equal(nat_open(test_ct, &i, NPFCT_DIR_IN, &con), 1);
	m = test_pkt_build_parsed(&i, &pkt);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, con,
	    NPFCT_DIR_IN), 1);
	assert_true(pkt.dst.v4 == addr("10.1.1.9").v4);
	assert_int_equal(ntohs(pkt.dport), 5353);
	expect_cksums(m);
	rte_pktmbuf_free(m);
	/* The inside host's answer finds it and leaves as 192.0.2.9. */
	m = test_pkt_build_parsed(&r, &pkt);
	found = npfct_conn_inspect(test_ct, &pkt, NPFCT_DIR_OUT, &v);
	assert_ptr_equal(found, con);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, found,
	    NPFCT_DIR_OUT), 1);
	assert_true(pkt.src.v4 == addr("192.0.2.9").v4);
	expect_cksums(m);
	rte_pktmbuf_free(m);

	/* Outside both prefixes: untouched. */
	i.dst = "192.0.3.9";
	assert_int_equal(nat_open(test_ct, &i, NPFCT_DIR_IN, &con), 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_NAT_BOUND), 2);
	/* The dump names the policy; the backwards keys the mapping. */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		assert_int_equal(npfct_dump(test_ct, f), 3);
		fclose(f);
		assert_non_null(strstr(buf, "\tnat static#0\n"));
		assert_non_null(strstr(buf, "192.0.2.7"));
		assert_non_null(strstr(buf, "10.1.1.9"));
		free(buf);
	}
}

/* The one's complement sum of an IPv6 address. */
static uint16_t
sum6(const union npfct_addr *a)
{
	uint32_t s = rte_raw_cksum(a->a8, 16);

	return (uint16_t)(s == 0xffff ? 0 : s);
}

/*
 * NPTv6's mapping on random addresses, for prefixes of 48, 56 and 64
 * bits: the sum is kept, the prefix is the outside one, the bits after
 * the adjusted word are kept, and mapping back gives the address; an
 * address whose word to adjust is 0xffff is refused.
 */
static void
test_nat_npt66_mapping(void **state)
{
	static const unsigned int plens[] = { 48, 56, 64 };
	const union npfct_addr inside = addr("fd01:203:0:405::");
	const union npfct_addr outside = addr("2001:db8:1:d550::");
	union npfct_addr a, b, back, mask, in_net, out_net;
	unsigned int i, k, j;

	(void)state;
	srand(6296);
	for (k = 0; k < RTE_DIM(plens); k++) {
		memset(&mask, 0, sizeof(mask));
		for (j = 0; j < plens[k]; j++)
			mask.a8[j / 8] |= (uint8_t)(0x80 >> (j % 8));
		for (j = 0; j < 4; j++) {
			in_net.a32[j] = inside.a32[j] & mask.a32[j];
			out_net.a32[j] = outside.a32[j] & mask.a32[j];
		}
		for (i = 0; i < 20000; i++) {
			for (j = 0; j < 16; j++)
				a.a8[j] = (uint8_t)rand();
			if (i % 100 == 0)	/* the subnet word 0xffff */
				a.a8[6] = a.a8[7] = 0xff;
			for (j = 0; j < 4; j++)
				a.a32[j] = in_net.a32[j] |
				    (a.a32[j] & ~mask.a32[j]);
			if (!npfct_nat_npt66(&a, &out_net, &mask, plens[k],
			    &b)) {
				assert_true(plens[k] <= 48 &&
				    a.a8[6] == 0xff && a.a8[7] == 0xff);
				continue;
			}
			assert_false(plens[k] <= 48 && a.a8[6] == 0xff &&
			    a.a8[7] == 0xff);
			assert_int_equal(sum6(&a), sum6(&b));
			assert_true(npfct_nat_prefix_has(&b, &out_net, &mask,
			    16));
			assert_true(npfct_nat_npt66(&b, &in_net, &mask,
			    plens[k], &back));
			assert_memory_equal(&a, &back, 16);
		}
	}
	/* /64 with every interface identifier word 0xffff: refused. */
	a = addr("fd01:203:0:405:ffff:ffff:ffff:ffff");
	memset(&mask, 0, sizeof(mask));
	mask.a32[0] = mask.a32[1] = 0xffffffff;
	assert_false(npfct_nat_npt66(&a, &outside, &mask, 64, &b));
}

/*
 * NPTv6 connections: outbound TCP and ICMPv6 echo get the outside prefix
 * with their checksums' fields unchanged and valid (checksum-neutral);
 * inbound to the outside prefix gets the inside address; an address
 * that cannot be mapped refuses the connection (counted).
 */
static void
test_nat_npt66_conns(void **state)
{
	struct test_pkt_spec t = spec(AF_INET6, IPPROTO_TCP,
	    "fd01:203:0:405::10", 40000, "2001:db8:ff::80", 443);
	struct test_pkt_spec e = spec(AF_INET6, IPPROTO_ICMPV6,
	    "fd01:203:0:405::11", 99, "2001:db8:ff::80", 0);
	struct test_pkt_spec in = spec(AF_INET6, IPPROTO_UDP,
	    "2001:db8:ff::80", 53, "2001:db8:1:d550::10", 5000);
	struct test_pkt_spec bad = spec(AF_INET6, IPPROTO_UDP,
	    "fd01:203:0:ffff::1", 1, "2001:db8:ff::80", 53);
	const union npfct_addr outside = addr("2001:db8:1::");
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	union npfct_addr orig;
	uint16_t before, after;
	uint16_t cko;

	(void)state;
	policy(test_ct, "static algo npt66 fd01:203:0::/48 <-> "
	    "2001:db8:1::/48");
	assert_int_equal(nat_open(test_ct, &t, NPFCT_DIR_OUT, &con), 1);
	m = test_pkt_build_parsed(&t, &pkt);
	orig = pkt.src;
	cko = (uint16_t)(pkt.l4_off + 16);
	memcpy(&before, test_pkt_byte(m, cko), 2);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, con,
	    NPFCT_DIR_OUT), 1);
	memcpy(&after, test_pkt_byte(m, cko), 2);
	assert_int_equal(before, after);
	assert_memory_equal(pkt.src.a8, outside.a8, 6);
	assert_memory_equal(pkt.src.a8 + 8, orig.a8 + 8, 8);
	assert_int_equal(sum6(&pkt.src), sum6(&orig));
	expect_cksums(m);
	rte_pktmbuf_free(m);

	assert_int_equal(nat_open(test_ct, &e, NPFCT_DIR_OUT, &con), 1);
	m = test_pkt_build_parsed(&e, &pkt);
	memcpy(&before, test_pkt_byte(m, (uint16_t)(pkt.l4_off + 2)), 2);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, con,
	    NPFCT_DIR_OUT), 1);
	memcpy(&after, test_pkt_byte(m, (uint16_t)(pkt.l4_off + 2)), 2);
	assert_int_equal(before, after);
	assert_int_equal(ntohs(pkt.sport), 99);
	expect_cksums(m);
	rte_pktmbuf_free(m);

	assert_int_equal(nat_open(test_ct, &in, NPFCT_DIR_IN, &con), 1);
	m = test_pkt_build_parsed(&in, &pkt);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, con,
	    NPFCT_DIR_IN), 1);
	assert_memory_equal(pkt.dst.a8, addr("fd01:203:0::").a8, 6);
	expect_cksums(m);
	rte_pktmbuf_free(m);

	assert_int_equal(nat_open(test_ct, &bad, NPFCT_DIR_OUT, &con),
	    -EADDRNOTAVAIL);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_NAT_EXHAUSTED), 1);
}

/*
 * Dynamic NAT66: two inside hosts with the same port and the same
 * ICMPv6 id to one server get one outside address and two ports/ids;
 * the replies come back to each, checksums valid.
 */
static void
test_nat_nat66_dynamic(void **state)
{
	static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_ICMPV6,
	    IPPROTO_TCP };
	const union npfct_addr out = addr("2001:db8::7");
	struct npfct_conn *c1, *c2, *found;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	unsigned int k;
	uint16_t p1, p2;
	uint8_t v;

	(void)state;
	policy(test_ct, "dynamic fd00::/64 -> 2001:db8::7");
	for (k = 0; k < RTE_DIM(protos); k++) {
		struct test_pkt_spec a = spec(AF_INET6, protos[k],
		    "fd00::1", 5000, "2001:db8:ff::53", 53);
		struct test_pkt_spec b = a;
		struct test_pkt_spec r;

		b.src = "fd00::2";
		assert_int_equal(nat_open(test_ct, &a, NPFCT_DIR_OUT, &c1), 1);
		assert_int_equal(nat_open(test_ct, &b, NPFCT_DIR_OUT, &c2), 1);
		m = test_pkt_build_parsed(&a, &pkt);
		assert_int_equal(npfct_nat_translate(test_ct, &pkt, c1,
		    NPFCT_DIR_OUT), 1);
		assert_memory_equal(pkt.src.a8, out.a8, 16);
		p1 = ntohs(pkt.sport);
		expect_cksums(m);
		rte_pktmbuf_free(m);
		m = test_pkt_build_parsed(&b, &pkt);
		assert_int_equal(npfct_nat_translate(test_ct, &pkt, c2,
		    NPFCT_DIR_OUT), 1);
		assert_memory_equal(pkt.src.a8, out.a8, 16);
		p2 = ntohs(pkt.sport);
		expect_cksums(m);
		rte_pktmbuf_free(m);
		assert_int_equal(p1, 5000);
		assert_int_not_equal(p1, p2);

		/* The answer to the second's port goes to fd00::2. */
		r = spec(AF_INET6, protos[k], "2001:db8:ff::53", 53,
		    "2001:db8::7", p2);
		if (protos[k] == IPPROTO_ICMPV6) {
			r.icmp_type = 129;
			r.icmp_id = p2;
		} else if (protos[k] == IPPROTO_TCP) {
			r.tcp_flags = NPFCT_TH_SYN | NPFCT_TH_ACK;
			r.ack = 101;
		}
		m = test_pkt_build_parsed(&r, &pkt);
		found = npfct_conn_inspect(test_ct, &pkt, NPFCT_DIR_IN, &v);
		assert_ptr_equal(found, c2);
		assert_int_equal(npfct_nat_translate(test_ct, &pkt, found,
		    NPFCT_DIR_IN), 1);
		assert_memory_equal(pkt.dst.a8, addr("fd00::2").a8, 16);
		assert_int_equal(ntohs(pkt.dport), 5000);
		expect_cksums(m);
		rte_pktmbuf_free(m);
	}
}

/*
 * IPv6 checksums after npfct_nat_rewrite6() equal a full recomputation
 * on 3000 random packets: TCP, UDP and ICMPv6 echo, with and without
 * extension headers, in one segment or cut into segments, either end.
 */
static void
test_nat_cksum6_random(void **state)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
	    IPPROTO_ICMPV6 };
	char src[64], dst[64];
	struct test_pkt_spec s;
	struct npfct_pkt pkt;
	struct rte_mbuf *m, *chain;
	union npfct_addr na;
	unsigned int i, j;
	rte_be16_t np;
	int which;

	(void)state;
	srand(8200);
	for (i = 0; i < 3000; i++) {
		snprintf(src, sizeof(src), "fd%02x:%x::%x:%x", rand() % 256,
		    rand() % 65536, rand() % 65536, rand() % 65535 + 1);
		snprintf(dst, sizeof(dst), "2001:db8:%x::%x", rand() % 65536,
		    rand() % 65535 + 1);
		s = spec(AF_INET6, protos[i % 3], src, (uint16_t)rand(), dst,
		    (uint16_t)(rand() % 65535 + 1));
		s.payload_len = (uint16_t)(rand() % 300);
		if (s.proto == IPPROTO_TCP)
			s.tcp_flags = NPFCT_TH_ACK;
		if (i % 7 == 1) {
			s.ext[0] = IPPROTO_HOPOPTS;
			s.ext[1] = IPPROTO_DSTOPTS;
		}
		m = test_pkt_build(&s);
		assert_non_null(m);
		assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
		if (i % 4 == 3) {
			chain = test_pkt_split(m, (uint16_t)(7 + rand() % 34));
			rte_pktmbuf_free(m);
			m = chain;
			assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
		}
		which = (i & 8) ? NPFCT_DST : NPFCT_SRC;
		for (j = 0; j < 16; j++)
			na.a8[j] = (uint8_t)rand();
		np = (rte_be16_t)rand();
		assert_int_equal(npfct_nat_rewrite6(&pkt, which, &na, np), 1);
		assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
		assert_memory_equal(which == NPFCT_SRC ? pkt.src.a8 :
		    pkt.dst.a8, na.a8, 16);
		assert_int_equal(which == NPFCT_SRC ? pkt.sport : pkt.dport,
		    np);
		expect_cksums(m);
		rte_pktmbuf_free(m);
	}
}

/*
 * IPv6 offload: with TX_TCP/UDP_CKSUM the field is the pseudo-header
 * checksum of the new addresses (rte_ipv6_phdr_cksum() without
 * extension headers).
 */
static void
test_nat_cksum6_offload(void **state)
{
	struct test_pkt_spec s;
	struct npfct_pkt pkt;
	struct rte_ipv6_hdr ip;
	struct rte_mbuf *m;
	unsigned int i;
	uint16_t l4ck;

	(void)state;
	for (i = 0; i < 100; i++) {
		s = spec(AF_INET6, i % 2 ? IPPROTO_TCP : IPPROTO_UDP,
		    "fd00::1", (uint16_t)(1000 + i), "2001:db8::1", 80);
		m = test_pkt_build_parsed(&s, &pkt);
		m->ol_flags = RTE_MBUF_F_TX_IPV6 | (s.proto == IPPROTO_TCP ?
		    RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM);
		assert_int_equal(npfct_nat_rewrite6(&pkt, NPFCT_SRC,
		    &(union npfct_addr){ .a32 = { rand(), rand(), rand(),
		    rand() } }, (rte_be16_t)rand()), 1);
		memcpy(&ip, rte_pktmbuf_mtod_offset(m, void *, pkt.l3_off),
		    sizeof(ip));
		memcpy(&l4ck, test_pkt_byte(m, (uint16_t)(pkt.l4_off +
		    (s.proto == IPPROTO_TCP ? 16 : 6))), 2);
		assert_int_equal(l4ck, rte_ipv6_phdr_cksum(&ip, m->ol_flags));
		rte_pktmbuf_free(m);
	}
}

/*
 * ICMPv6 errors: port unreachable from the server about the second
 * host's translated datagram (NAT66) goes back to fd00::2 with the
 * original tuple quoted, ICMPv6 and quoted UDP checksums valid; under
 * NPTv6 the same error's checksum field does not change at all.
 */
static void
test_nat_icmp6_errors(void **state)
{
	struct test_pkt_spec a = spec(AF_INET6, IPPROTO_UDP, "fd00::1", 6000,
	    "2001:db8:ff::53", 53);
	struct test_pkt_spec b = a;
	struct test_pkt_spec quote = spec(AF_INET6, IPPROTO_UDP,
	    "2001:db8::7", 0, "2001:db8:ff::53", 53);
	struct test_pkt_spec err = {
		.af = AF_INET6, .proto = IPPROTO_ICMPV6,
		.src = "2001:db8:ff::53", .dst = "2001:db8::7",
		.icmp_type = 1, .icmp_code = 4, .wscale = -1,
		.inner = &quote,
	};
	struct npfct_conn *ca, *cb, *found;
	struct npfct_pkt pkt, inner;
	struct rte_mbuf *m;
	uint8_t qbuf[128], v;
	const uint8_t *q;
	uint16_t pb, before, after;

	(void)state;
	policy(test_ct, "dynamic fd00::/64 -> 2001:db8::7");
	policy(test_ct, "static algo npt66 fd01::/48 <-> 2001:db8:1::/48");
	b.src = "fd00::2";
	assert_int_equal(nat_open(test_ct, &a, NPFCT_DIR_OUT, &ca), 1);
	assert_int_equal(nat_open(test_ct, &b, NPFCT_DIR_OUT, &cb), 1);
	m = test_pkt_build_parsed(&b, &pkt);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, cb,
	    NPFCT_DIR_OUT), 1);
	pb = ntohs(pkt.sport);
	rte_pktmbuf_free(m);

	quote.sport = pb;
	m = test_pkt_build_parsed(&err, &pkt);
	found = npfct_conn_inspect(test_ct, &pkt, NPFCT_DIR_IN, &v);
	assert_int_equal(v, NPFCT_V_RELATED);
	assert_ptr_equal(found, cb);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, found,
	    NPFCT_DIR_IN), 1);
	expect_cksums(m);
	assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
	assert_memory_equal(pkt.dst.a8, addr("fd00::2").a8, 16);
	assert_int_equal(npfct_pkt_parse_icmp_inner(&inner, &pkt), 0);
	assert_memory_equal(inner.src.a8, addr("fd00::2").a8, 16);
	assert_int_equal(ntohs(inner.sport), 6000);
	/*
	 * The quote is b's datagram as it left, cut after 8 bytes of UDP:
	 * translated back, its UDP header (checksum included) is b's.
	 */
	q = rte_pktmbuf_read(m, pkt.icmp.inner_off, 40 + 8, qbuf);
	assert_non_null(q);
	if (q != qbuf)
		memcpy(qbuf, q, 48);
	q = qbuf;
	rte_pktmbuf_free(m);
	m = test_pkt_build_parsed(&b, &pkt);
	assert_memory_equal(q + 40, test_pkt_byte(m, pkt.l4_off), 8);
	assert_memory_equal(q + 8, test_pkt_byte(m, (uint16_t)(pkt.l3_off +
	    8)), 32);
	rte_pktmbuf_free(m);

	/* NPTv6: the error about fd01::5's datagram, checksum-neutral. */
	a.src = "fd01::5";
	assert_int_equal(nat_open(test_ct, &a, NPFCT_DIR_OUT, &ca), 1);
	m = test_pkt_build_parsed(&a, &pkt);
	assert_int_equal(npfct_nat_translate(test_ct, &pkt, ca,
	    NPFCT_DIR_OUT), 1);
	{
		char outs[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, pkt.src.a8, outs, sizeof(outs));
		rte_pktmbuf_free(m);
		quote.src = outs;
		quote.sport = 6000;
		err.dst = outs;
		m = test_pkt_build_parsed(&err, &pkt);
		memcpy(&before, test_pkt_byte(m, (uint16_t)(pkt.l4_off + 2)),
		    2);
		found = npfct_conn_inspect(test_ct, &pkt, NPFCT_DIR_IN, &v);
		assert_ptr_equal(found, ca);
		assert_int_equal(npfct_nat_translate(test_ct, &pkt, found,
		    NPFCT_DIR_IN), 1);
		memcpy(&after, test_pkt_byte(m, (uint16_t)(pkt.l4_off + 2)),
		    2);
		assert_int_equal(before, after);
		expect_cksums(m);
		assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
		assert_memory_equal(pkt.dst.a8, addr("fd01::5").a8, 16);
		rte_pktmbuf_free(m);
	}
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)
	const struct CMUnitTest tests[] = {
		T(test_nat_parse),
		T(test_nat_static_both_ways),
		T(test_nat_npt66_mapping),
		T(test_nat_npt66_conns),
		T(test_nat_nat66_dynamic),
		T(test_nat_cksum6_random),
		T(test_nat_cksum6_offload),
		T(test_nat_icmp6_errors),
	};

	return cmocka_run_group_tests_name("nat_map", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
