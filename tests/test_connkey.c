/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of connection keys (src/connkey.c): layout, symmetry of the
 * forwards and backwards keys, the canonical form, re-keying, and which
 * packets have a key.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "npfct_impl.h"
#include "test_eal.h"
#include "test_pkt.h"

static struct rte_mbuf *
parsed(const struct test_pkt_spec *spec, struct npfct_pkt *pkt)
{
	return test_pkt_build_parsed(spec, pkt);
}

/* A packet without layer 4 ids has no key. */
static void
test_connkey_build_not_trackable(void **state)
{
	struct test_pkt_spec frag = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "10.0.0.1",
		.dst = "10.0.0.2", .sport = 1, .dport = 2,
		.ip_frag_off = 10,
	};
	struct test_pkt_spec icmp_err = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = "10.0.0.1",
		.dst = "10.0.0.2", .icmp_type = 3, .icmp_code = 3,
		.inner = &frag,
	};
	uint32_t key[NPFCT_KEY_MAXWORDS];
	struct npfct_pkt pkt;
	struct rte_mbuf *m;

	(void)state;
	m = parsed(&frag, &pkt);
	assert_int_equal(npfct_connkey_build(&pkt, key, true), 0);
	rte_pktmbuf_free(m);

	frag.ip_frag_off = 0;
	m = parsed(&icmp_err, &pkt);
	assert_true(pkt.flags & NPFCT_PKT_ICMP_ERR);
	assert_int_equal(npfct_connkey_build(&pkt, key, true), 0);
	rte_pktmbuf_free(m);
}

static void
check_symmetry(const struct test_pkt_spec *spec, unsigned int keylen)
{
	struct test_pkt_spec rev = *spec;
	uint32_t fw[NPFCT_KEY_MAXWORDS], bk[NPFCT_KEY_MAXWORDS];
	uint32_t rfw[NPFCT_KEY_MAXWORDS], rbk[NPFCT_KEY_MAXWORDS];
	struct npfct_pkt pkt, rpkt;
	struct rte_mbuf *m, *rm;

	rev.src = spec->dst;
	rev.dst = spec->src;
	rev.sport = spec->dport;
	rev.dport = spec->sport;
	if (spec->proto == IPPROTO_ICMP)
		rev.icmp_type = 0;	/* echo reply */
	if (spec->proto == IPPROTO_ICMPV6)
		rev.icmp_type = 129;

	m = parsed(spec, &pkt);
	rm = parsed(&rev, &rpkt);
	assert_int_equal(npfct_connkey_build(&pkt, fw, true), keylen);
	assert_int_equal(npfct_connkey_build(&pkt, bk, false), keylen);
	assert_int_equal(npfct_connkey_build(&rpkt, rfw, true), keylen);
	assert_int_equal(npfct_connkey_build(&rpkt, rbk, false), keylen);

	/* The reply, keyed as it travels, is the backwards key. */
	assert_memory_equal(bk, rfw, keylen);
	assert_memory_equal(fw, rbk, keylen);
	assert_memory_not_equal(fw, bk, keylen);

	assert_int_equal(npfct_connkey_proto(fw), spec->proto);
	assert_int_equal(npfct_connkey_alen(fw), pkt.alen);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(rm);
}

static void
test_connkey_build_symmetry_ipv4(void **state)
{
	struct test_pkt_spec tcp = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = "192.0.2.1",
		.dst = "198.51.100.7", .sport = 40000, .dport = 80,
		.tcp_flags = NPFCT_TH_SYN, .win = 1000,
	};
	struct test_pkt_spec udp = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "192.0.2.1",
		.dst = "198.51.100.7", .sport = 5353, .dport = 53,
	};
	struct test_pkt_spec icmp = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = "192.0.2.1",
		.dst = "198.51.100.7", .icmp_type = 8, .icmp_id = 0x1234,
	};

	(void)state;
	check_symmetry(&tcp, 16);
	check_symmetry(&udp, 16);
	check_symmetry(&icmp, 16);
}

static void
test_connkey_build_symmetry_ipv6(void **state)
{
	struct test_pkt_spec tcp = {
		.af = AF_INET6, .proto = IPPROTO_TCP, .src = "2001:db8::1",
		.dst = "2001:db8:1::2", .sport = 40000, .dport = 443,
		.tcp_flags = NPFCT_TH_SYN, .win = 1000,
	};
	struct test_pkt_spec udp = {
		.af = AF_INET6, .proto = IPPROTO_UDP, .src = "2001:db8::1",
		.dst = "2001:db8:1::2", .sport = 1000, .dport = 53,
	};
	struct test_pkt_spec icmp6 = {
		.af = AF_INET6, .proto = IPPROTO_ICMPV6, .src = "2001:db8::1",
		.dst = "2001:db8:1::2", .icmp_type = 128, .icmp_id = 77,
	};

	(void)state;
	check_symmetry(&tcp, 48);
	check_symmetry(&udp, 48);
	check_symmetry(&icmp6, 48);
}

/*
 * The canonical key: the packet path (npfct_connkey_build_canon()) and
 * the key path (npfct_connkey_canon()) agree, both directions of a
 * stream share it, and "swapped" tells them apart - over random IPv4 and
 * IPv6 tuples, equal addresses with different ports included.
 */
static void
test_connkey_canonical(void **state)
{
	static const char *const addr4[] = {
		"10.0.0.1", "10.0.0.2", "192.0.2.1", "0.0.0.1",
		"255.255.255.254", "128.0.0.1",
	};
	static const char *const addr6[] = {
		"2001:db8::1", "2001:db8::2", "::1", "fe80::1",
		"ff02::1:ff00:1", "2001:db8:8000::1",
	};
	const unsigned int na = RTE_DIM(addr4);
	unsigned int i;

	(void)state;
	for (i = 0; i < 400; i++) {
		const bool v6 = i & 1;
		struct test_pkt_spec fw = {
			.af = v6 ? AF_INET6 : AF_INET,
			.proto = (i & 2) ? IPPROTO_TCP : IPPROTO_UDP,
			.src = v6 ? addr6[(i / 4) % na] : addr4[(i / 4) % na],
			.dst = v6 ? addr6[(i / 24) % na] : addr4[(i / 24) % na],
			.sport = (uint16_t)(1 + (i * 7919) % 300),
			.dport = (uint16_t)(1 + (i * 104729) % 300),
		};
		struct test_pkt_spec bw = fw;
		uint32_t kf[NPFCT_KEY_MAXWORDS], kb[NPFCT_KEY_MAXWORDS];
		uint32_t cf[NPFCT_KEY_MAXWORDS], cb[NPFCT_KEY_MAXWORDS];
		uint32_t raw[NPFCT_KEY_MAXWORDS], c2[NPFCT_KEY_MAXWORDS];
		struct npfct_pkt pf, pb;
		struct rte_mbuf *mf, *mb;
		unsigned int len;
		bool sf, sb;

		bw.src = fw.dst, bw.dst = fw.src;
		bw.sport = fw.dport, bw.dport = fw.sport;
		mf = parsed(&fw, &pf);
		mb = parsed(&bw, &pb);
		len = npfct_connkey_build_canon(&pf, cf, &sf);
		assert_int_equal(npfct_connkey_build_canon(&pb, cb, &sb), len);
		if (strcmp(fw.src, fw.dst) == 0 && fw.sport == fw.dport) {
			/* One endpoint: no order to tell the streams apart. */
			assert_false(sf);
			assert_false(sb);
		} else {
			assert_true(sf != sb);
		}
		assert_memory_equal(cf, cb, len);

		/* Establish keys by npfct_pkt_key_swapped(): the same bit. */
		assert_true(npfct_pkt_key_swapped(&pf) == sf);
		assert_true(npfct_pkt_key_swapped(&pb) == sb);
		/*
		 * The key path (memcmp() order, connkey.c) agrees with the
		 * branch-free packet path.
		 */
		npfct_connkey_build(&pf, raw, true);
		assert_true(npfct_connkey_canon(raw, c2) == sf);
		assert_memory_equal(c2, cf, len);
		/* In place, too; inverting twice is the identity. */
		npfct_connkey_invert(raw, c2);
		npfct_connkey_build(&pb, kb, true);
		assert_memory_equal(c2, kb, len);
		npfct_connkey_invert(c2, c2);
		assert_memory_equal(c2, raw, len);
		memcpy(kf, raw, len);
		assert_true(npfct_connkey_canon(kf, kf) == sf);
		assert_memory_equal(kf, cf, len);
		rte_pktmbuf_free(mf);
		rte_pktmbuf_free(mb);
	}
}

/* The layout of NPF: proto/alen, ids, addresses; IPv6 padding zero. */
static void
test_connkey_build_layout(void **state)
{
	struct test_pkt_spec udp4 = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "10.1.2.3",
		.dst = "10.4.5.6", .sport = 1111, .dport = 2222,
	};
	struct test_pkt_spec icmp6 = {
		.af = AF_INET6, .proto = IPPROTO_ICMPV6, .src = "2001:db8::1",
		.dst = "2001:db8::2", .icmp_type = 128, .icmp_id = 0xbeef,
	};
	uint32_t key[NPFCT_KEY_MAXWORDS];
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	struct in6_addr a6;

	(void)state;
	m = parsed(&udp4, &pkt);
	npfct_connkey_build(&pkt, key, true);
	assert_int_equal(key[0], (IPPROTO_UDP << 8) | 4);
	assert_int_equal(key[1], ((uint32_t)htons(1111) << 16) | htons(2222));
	assert_int_equal(key[2], inet_addr("10.1.2.3"));
	assert_int_equal(key[3], inet_addr("10.4.5.6"));
	rte_pktmbuf_free(m);

	m = parsed(&icmp6, &pkt);
	npfct_connkey_build(&pkt, key, true);
	assert_int_equal(key[0], (IPPROTO_ICMPV6 << 8) | 16);
	/* The query id is both ids. */
	assert_int_equal(key[1], ((uint32_t)htons(0xbeef) << 16) |
	    htons(0xbeef));
	inet_pton(AF_INET6, "2001:db8::1", &a6);
	assert_memory_equal(&key[2], &a6, 16);
	inet_pton(AF_INET6, "2001:db8::2", &a6);
	assert_memory_equal(&key[6], &a6, 16);
	assert_int_equal(key[10], 0);
	assert_int_equal(key[11], 0);
	rte_pktmbuf_free(m);

	/* The zone: the high half of word 0, in both keys. */
	m = parsed(&udp4, &pkt);
	pkt.zone = 0xabcd;
	npfct_connkey_build(&pkt, key, true);
	assert_int_equal(key[0], (0xabcdu << 16) | (IPPROTO_UDP << 8) | 4);
	assert_int_equal(npfct_connkey_zone(key), 0xabcd);
	assert_int_equal(npfct_connkey_proto(key), IPPROTO_UDP);
	assert_int_equal(npfct_connkey_alen(key), 4);
	npfct_connkey_build(&pkt, key, false);
	assert_int_equal(npfct_connkey_zone(key), 0xabcd);
	rte_pktmbuf_free(m);
}

/* setaddr/setid rewrite exactly one field. */
static void
test_connkey_set(void **state)
{
	struct test_pkt_spec tcp = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = "10.0.0.1",
		.dst = "10.0.0.2", .sport = 1000, .dport = 2000,
		.tcp_flags = NPFCT_TH_SYN,
	};
	uint32_t key[NPFCT_KEY_MAXWORDS], orig[NPFCT_KEY_MAXWORDS];
	union npfct_addr a = { .v4 = 0 };
	struct npfct_pkt pkt;
	struct rte_mbuf *m;

	(void)state;
	m = parsed(&tcp, &pkt);
	npfct_connkey_build(&pkt, key, true);
	memcpy(orig, key, sizeof(orig));

	a.v4 = inet_addr("203.0.113.9");
	npfct_connkey_setaddr(key, &a, NPFCT_DST);
	assert_int_equal(key[3], a.v4);
	assert_int_equal(key[2], orig[2]);
	npfct_connkey_setid(key, htons(3000), NPFCT_DST);
	assert_int_equal(key[1], ((uint32_t)htons(1000) << 16) | htons(3000));
	npfct_connkey_setid(key, htons(4000), NPFCT_SRC);
	assert_int_equal(key[1], ((uint32_t)htons(4000) << 16) | htons(3000));
	npfct_connkey_setaddr(key, &a, NPFCT_SRC);
	assert_int_equal(key[2], a.v4);
	assert_int_equal(key[0], orig[0]);
	rte_pktmbuf_free(m);
}

static void
test_connkey_format(void **state)
{
	struct test_pkt_spec udp = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "10.0.0.1",
		.dst = "10.0.0.2", .sport = 53, .dport = 5353,
	};
	uint32_t key[NPFCT_KEY_MAXWORDS];
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	char buf[128];

	(void)state;
	m = parsed(&udp, &pkt);
	npfct_connkey_build(&pkt, key, false);
	npfct_connkey_format(key, buf, sizeof(buf));
	assert_string_equal(buf, "17 10.0.0.2:5353 -> 10.0.0.1:53");
	rte_pktmbuf_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connkey_build_not_trackable),
		cmocka_unit_test(test_connkey_build_symmetry_ipv4),
		cmocka_unit_test(test_connkey_build_symmetry_ipv6),
		cmocka_unit_test(test_connkey_build_layout),
		cmocka_unit_test(test_connkey_canonical),
		cmocka_unit_test(test_connkey_set),
		cmocka_unit_test(test_connkey_format),
	};

	return cmocka_run_group_tests_name("connkey", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
