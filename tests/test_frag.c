/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Fragment handler tests (npfct_frag.h), on real DPDK mbufs: a datagram
 * is built whole (UDP, TCP, ICMP; IPv4, IPv6), cut into fragments here
 * (IPv4 header copied, IPv6 fragment header inserted, with an optional
 * hop-by-hop header before it), and the fragments go through
 * inspect/establish/npfct_frag_burst() as an application sends them.
 * Checked: both orders of arrival and a burst holding every fragment,
 * duplicates, overlaps (also a duplicate with other data), tiny first
 * fragments (RFC 1858, RFC 7112), TCP fragments inside the header, too
 * long, too many, inconsistent ends, timeouts per family on the manual
 * clock, the held-fragment and datagram bounds under a flood (mbufs back
 * in the pool), NAT on every fragment (the datagram, put back together
 * here, has valid IPv4 and UDP checksums), fragments of one datagram on
 * two lcores, atomic fragments and a second fragment header.
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

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_frag.h"
#include "npfct_nat.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

#define ETH_LEN		14
#define IP4_LEN		20
#define IP6_LEN		40

/* A datagram, whole: its headers and its fragmentable part. */
struct dg {
	int		af;
	uint8_t		proto;
	uint8_t		hdr[ETH_LEN + IP6_LEN];
	uint8_t		data[2048];
	uint32_t	len;
	uint32_t	id;
	bool		hbh;	/* IPv6: hop-by-hop header before the fragment header */
};

static struct npfct_frag *fr;

static int
frag_setup(void **state)
{
	int ret = test_ct_setup(state);

	if (ret != 0)
		return ret;
	fr = npfct_frag_create(test_ct, NULL);
	return fr == NULL ? -1 : 0;
}

static int
frag_teardown(void **state)
{
	/* npfct_destroy() destroys the handler and frees what it holds. */
	fr = NULL;
	return test_ct_teardown(state);
}

static void
dg_make(struct dg *d, const struct test_pkt_spec *s, uint32_t id)
{
	struct rte_mbuf *m = test_pkt_build(s);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint32_t ipl = s->af == AF_INET ? IP4_LEN : IP6_LEN;
	uint32_t tot;

	memset(d, 0, sizeof(*d));
	d->af = s->af;
	d->proto = s->proto;
	d->id = id;
	memcpy(d->hdr, p, ETH_LEN + ipl);
	if (s->af == AF_INET)
		tot = (uint32_t)p[ETH_LEN + 2] << 8 | p[ETH_LEN + 3];
	else
		tot = IP6_LEN + ((uint32_t)p[ETH_LEN + 4] << 8 | p[ETH_LEN + 5]);
	d->len = tot - ipl;
	assert_true(d->len <= sizeof(d->data));
	memcpy(d->data, p + ETH_LEN + ipl, d->len);
	rte_pktmbuf_free(m);
}

/* A UDP datagram of payload bytes from 10.0.0.1:5000 to 192.0.2.80:53. */
static void
dg_udp(struct dg *d, int af, uint16_t payload, uint32_t id)
{
	const struct test_pkt_spec s = {
		.af = af, .proto = IPPROTO_UDP,
		.src = af == AF_INET ? "10.0.0.1" : "2001:db8::1",
		.dst = af == AF_INET ? "192.0.2.80" : "2001:db8:1::80",
		.sport = 5000, .dport = 53, .payload_len = payload,
	};

	dg_make(d, &s, id);
}

/* Fragment [start, start + len) of the fragmentable part. */
static struct rte_mbuf *
dg_frag(const struct dg *d, uint32_t start, uint32_t len, bool more)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_mbuf_pool());
	uint8_t *p;
	uint32_t hl = d->af == AF_INET ? IP4_LEN : IP6_LEN + 8 +
	    (d->hbh ? 8 : 0);

	assert_non_null(m);
	assert_true(start + len <= d->len);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH_LEN + hl + len));
	assert_non_null(p);
	memcpy(p, d->hdr, ETH_LEN + (d->af == AF_INET ? IP4_LEN : IP6_LEN));
	if (d->af == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + ETH_LEN);

		ip->total_length = rte_cpu_to_be_16((uint16_t)(IP4_LEN + len));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)d->id);
		ip->fragment_offset = rte_cpu_to_be_16((uint16_t)(start >> 3 |
		    (more ? RTE_IPV4_HDR_MF_FLAG : 0)));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		uint8_t *ip6 = p + ETH_LEN, *fh = ip6 + IP6_LEN;
		const uint32_t plen = hl - IP6_LEN + len;

		ip6[4] = (uint8_t)(plen >> 8);
		ip6[5] = (uint8_t)plen;
		if (d->hbh) {
			ip6[6] = IPPROTO_HOPOPTS;
			memset(fh, 0, 8);
			fh[0] = IPPROTO_FRAGMENT;
			fh[2] = 1;	/* PadN, 4 bytes */
			fh[3] = 4;
			fh += 8;
		} else {
			ip6[6] = IPPROTO_FRAGMENT;
		}
		fh[0] = d->proto;
		fh[1] = 0;
		fh[2] = (uint8_t)(start >> 8);
		fh[3] = (uint8_t)((start & 0xf8) | (more ? 1 : 0));
		fh[4] = (uint8_t)(d->id >> 24);
		fh[5] = (uint8_t)(d->id >> 16);
		fh[6] = (uint8_t)(d->id >> 8);
		fh[7] = (uint8_t)d->id;
	}
	memcpy(p + ETH_LEN + hl, d->data + start, len);
	return m;
}

/*
 * Send one packet as an application does: inspect; a miss of a first
 * fragment (or an unfragmented packet) is established if pass; parse
 * errors are dropped; then the handler.  Returns the action; *conp the
 * connection.  The caller frees m unless it is HELD.
 */
static uint8_t
send_pkt(struct rte_mbuf *m, int di, bool pass, struct npfct_conn **conp,
		struct npfct_pkt *out)
{
	struct npfct_pkt pkt;
	struct npfct_conn *con = NULL;
	uint8_t v, act, ps = pass;
	uint16_t idx = 0;

	npfct_inspect_burst(test_ct, &m, &pkt, 1, di, &con, &v);
	if (v == NPFCT_V_MISS && pass)
		npfct_establish_burst(test_ct, &pkt, &idx, 1, di,
		    NPFCT_EST_PASS | NPFCT_EST_NAT, &con);
	if (v == NPFCT_V_PARSE_ERROR || v == NPFCT_V_INVALID)
		ps = 0;
	npfct_frag_burst(fr, &pkt, 1, di, &ps, &act, &con);
	if (conp != NULL)
		*conp = con;
	if (out != NULL)
		*out = pkt;
	return act;
}

static uint8_t
send_frag(const struct dg *d, uint32_t start, uint32_t len, bool more,
		bool pass, struct npfct_conn **conp)
{
	struct rte_mbuf *m = dg_frag(d, start, len, more);
	uint8_t act = send_pkt(m, NPFCT_DIR_OUT, pass, conp, NULL);

	if (act != NPFCT_FRAG_HELD)
		rte_pktmbuf_free(m);
	return act;
}

static uint64_t
st(enum npfct_stat s)
{
	return test_ct_stat(test_ct, s);
}

static uint32_t
in_use(void)
{
	return rte_mempool_in_use_count(test_mbuf_pool());
}

static struct npfct_frag_info
info(void)
{
	struct npfct_frag_info fi;

	assert_int_equal(npfct_frag_info_get(fr, &fi), 0);
	return fi;
}

/* Drain this lcore's released fragments, freeing them; check conns. */
static unsigned int
drain_all(struct npfct_conn *want)
{
	struct npfct_pkt pkts[8];
	struct npfct_conn *conns[8];
	uint8_t dirs[8];
	unsigned int total = 0;
	uint16_t k, i;

	do {
		k = npfct_frag_drain(fr, pkts, 8, dirs, conns);
		for (i = 0; i < k; i++) {
			assert_int_equal(dirs[i], NPFCT_DIR_OUT);
			assert_ptr_equal(conns[i], want);
			assert_int_equal(rte_be_to_cpu_16(pkts[i].sport), 5000);
			rte_pktmbuf_free(pkts[i].mbuf);
		}
		total += k;
	} while (k == 8);
	return total;
}

/* In order: the later fragments get the first fragment's connection. */
static void
test_frag_in_order(void **state)
{
	int af;

	(void)state;
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		struct npfct_conn *first = NULL, *c = NULL;
		const uint32_t used = in_use();
		struct dg d;

		dg_udp(&d, af, 1800, 7);
		assert_int_equal(send_frag(&d, 0, 600, true, true, &first),
		    NPFCT_FRAG_PASS);
		assert_non_null(first);
		assert_int_equal(send_frag(&d, 600, 600, true, true, &c),
		    NPFCT_FRAG_PASS);
		assert_ptr_equal(c, first);
		assert_int_equal(info().datagrams, 1);
		assert_int_equal(send_frag(&d, 1200, d.len - 1200, false, true,
		    &c), NPFCT_FRAG_PASS);
		assert_ptr_equal(c, first);
		/* Complete: forgotten at once. */
		assert_int_equal(info().datagrams, 0);
		assert_int_equal(in_use(), used);
	}
	assert_int_equal(st(NPFCT_STAT_FRAG_COMPLETE), 2);
	assert_int_equal(st(NPFCT_STAT_FRAG_SEEN), 6);
	assert_int_equal(st(NPFCT_STAT_FRAG_HELD), 0);
}

/* Reverse order: later fragments held, released by the first. */
static void
test_frag_reverse(void **state)
{
	int af;

	(void)state;
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		struct npfct_conn *first = NULL;
		const uint32_t used = in_use();
		struct dg d;

		dg_udp(&d, af, 1800, 9);
		d.hbh = af == AF_INET6;
		assert_int_equal(send_frag(&d, 1200, d.len - 1200, false, true,
		    NULL), NPFCT_FRAG_HELD);
		assert_int_equal(send_frag(&d, 600, 600, true, true, NULL),
		    NPFCT_FRAG_HELD);
		assert_int_equal(info().held, 2);
		/* Nothing released yet. */
		assert_int_equal(drain_all(NULL), 0);
		assert_int_equal(send_frag(&d, 0, 600, true, true, &first),
		    NPFCT_FRAG_PASS);
		assert_non_null(first);
		assert_int_equal(info().ready, 2);
		assert_int_equal(drain_all(first), 2);
		assert_int_equal(info().held, 0);
		assert_int_equal(info().datagrams, 0);
		assert_int_equal(in_use(), used);
	}
	assert_int_equal(st(NPFCT_STAT_FRAG_HELD), 4);
	assert_int_equal(st(NPFCT_STAT_FRAG_COMPLETE), 2);
}

/* One burst holding every fragment, the first in the middle. */
static void
test_frag_one_burst(void **state)
{
	struct rte_mbuf *m[4];
	struct npfct_pkt pkts[4], dp[4];
	struct npfct_conn *conns[4] = { NULL }, *dc[4];
	uint8_t v[4], pass[4], act[4], dirs[4];
	uint16_t idx = 1, i;
	struct dg d;

	(void)state;
	dg_udp(&d, AF_INET, 1800, 11);
	m[0] = dg_frag(&d, 1200, d.len - 1200, false);
	m[1] = dg_frag(&d, 0, 600, true);
	m[2] = dg_frag(&d, 600, 600, true);
	m[3] = test_pkt_udp4("10.0.0.2", 7, "192.0.2.80", 53);
	npfct_inspect_burst(test_ct, m, pkts, 4, NPFCT_DIR_OUT, conns, v);
	assert_int_equal(v[0], NPFCT_V_NOT_TRACKABLE);
	assert_int_equal(v[1], NPFCT_V_MISS);
	assert_int_equal(v[2], NPFCT_V_NOT_TRACKABLE);
	npfct_establish_burst(test_ct, pkts, &idx, 1, NPFCT_DIR_OUT,
	    NPFCT_EST_PASS, conns);
	assert_non_null(conns[1]);
	for (i = 0; i < 4; i++)
		pass[i] = 1;
	assert_int_equal(npfct_frag_burst(fr, pkts, 4, NPFCT_DIR_OUT, pass,
	    act, conns), 3);
	assert_int_equal(act[0], NPFCT_FRAG_HELD);
	assert_int_equal(act[1], NPFCT_FRAG_PASS);
	assert_int_equal(act[2], NPFCT_FRAG_PASS);
	assert_ptr_equal(conns[2], conns[1]);
	assert_int_equal(act[3], NPFCT_FRAG_NONE);
	assert_int_equal(npfct_frag_drain(fr, dp, 4, dirs, dc), 1);
	assert_ptr_equal(dp[0].mbuf, m[0]);
	assert_ptr_equal(dc[0], conns[1]);
	for (i = 0; i < 4; i++)
		rte_pktmbuf_free(m[i]);
}

/* A dropped first fragment drops the datagram, held fragments freed. */
static void
test_frag_first_dropped(void **state)
{
	const uint32_t used = in_use();
	struct dg d;

	(void)state;
	dg_udp(&d, AF_INET, 1800, 13);
	assert_int_equal(send_frag(&d, 600, 600, true, true, NULL),
	    NPFCT_FRAG_HELD);
	assert_int_equal(send_frag(&d, 0, 600, true, false, NULL),
	    NPFCT_FRAG_DROP);
	assert_int_equal(in_use(), used);
	assert_int_equal(send_frag(&d, 1200, d.len - 1200, false, true, NULL),
	    NPFCT_FRAG_DROP);
	/* The held one, the first, the last. */
	assert_int_equal(st(NPFCT_STAT_FRAG_DROPPED), 3);
	assert_int_equal(drain_all(NULL), 0);
	assert_int_equal(npfct_count(test_ct), 0);
}

/* An exact duplicate is dropped alone; one with other data refuses. */
static void
test_frag_duplicates(void **state)
{
	struct npfct_conn *c;
	struct dg d;

	(void)state;
	dg_udp(&d, AF_INET6, 1800, 15);
	assert_int_equal(send_frag(&d, 0, 600, true, true, &c),
	    NPFCT_FRAG_PASS);
	assert_int_equal(send_frag(&d, 600, 600, true, true, NULL),
	    NPFCT_FRAG_PASS);
	{
		/* The copy in segments of 100 bytes: the same data. */
		struct rte_mbuf *m = dg_frag(&d, 600, 600, true);
		struct rte_mbuf *seg = test_pkt_split(m, 100);

		assert_true(seg->nb_segs > 1);
		assert_int_equal(send_pkt(seg, NPFCT_DIR_OUT, true, NULL,
		    NULL), NPFCT_FRAG_DROP);
		rte_pktmbuf_free(seg);
		rte_pktmbuf_free(m);
	}
	assert_int_equal(send_frag(&d, 0, 600, true, true, NULL),
	    NPFCT_FRAG_DROP);
	assert_int_equal(st(NPFCT_STAT_FRAG_DUPLICATE), 2);
	assert_int_equal(send_frag(&d, 1200, d.len - 1200, false, true, NULL),
	    NPFCT_FRAG_PASS);
	assert_int_equal(st(NPFCT_STAT_FRAG_COMPLETE), 1);

	/* A copy with other data (same offsets): an overlap. */
	dg_udp(&d, AF_INET, 1800, 16);
	assert_int_equal(send_frag(&d, 600, 600, true, true, NULL),
	    NPFCT_FRAG_HELD);
	d.data[700] ^= 0x55;
	assert_int_equal(send_frag(&d, 600, 600, true, true, NULL),
	    NPFCT_FRAG_DROP);
	assert_int_equal(st(NPFCT_STAT_FRAG_OVERLAP), 1);
	d.data[700] ^= 0x55;
	/* Refused: the first fragment is dropped whatever the app says. */
	assert_int_equal(send_frag(&d, 0, 600, true, true, NULL),
	    NPFCT_FRAG_DROP);
	assert_int_equal(info().held, 0);
}

/* Partial overlaps refuse the datagram, both families, both sides. */
static void
test_frag_overlap(void **state)
{
	int af;
	uint32_t id = 20;

	(void)state;
	for (af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
		struct dg d;

		/* Over the first fragment's layer 4 header (RFC 1858 II). */
		dg_udp(&d, af, 1800, id++);
		assert_int_equal(send_frag(&d, 0, 600, true, true, NULL),
		    NPFCT_FRAG_PASS);
		assert_int_equal(send_frag(&d, 0 + 8, 600, true, true, NULL),
		    NPFCT_FRAG_DROP);
		assert_int_equal(send_frag(&d, 600, 600, true, true, NULL),
		    NPFCT_FRAG_DROP);
		/* A later fragment first, then one overlapping its end. */
		dg_udp(&d, af, 1800, id++);
		assert_int_equal(send_frag(&d, 600, 600, true, true, NULL),
		    NPFCT_FRAG_HELD);
		assert_int_equal(send_frag(&d, 1192, 8, true, true, NULL),
		    NPFCT_FRAG_DROP);
		assert_int_equal(info().held, 0);
		assert_int_equal(send_frag(&d, 0, 600, true, true, NULL),
		    NPFCT_FRAG_DROP);
	}
	assert_int_equal(st(NPFCT_STAT_FRAG_OVERLAP), 4);
}

/* RFC 1858 and RFC 7112: tiny first fragments, TCP inside the header. */
static void
test_frag_tiny(void **state)
{
	const struct test_pkt_spec tcp = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = "10.0.0.1",
		.dst = "192.0.2.80", .sport = 5000, .dport = 80,
		.tcp_flags = NPFCT_TH_SYN, .seq = 1, .win = 1000, .wscale = -1,
		.payload_len = 100,
	};
	struct dg d;

	(void)state;
	/* A TCP first fragment of 8 bytes: ports only, no flags. */
	dg_make(&d, &tcp, 30);
	assert_int_equal(send_frag(&d, 0, 8, true, true, NULL),
	    NPFCT_FRAG_DROP);
	assert_int_equal(st(NPFCT_STAT_FRAG_TINY), 1);
	/* The rest of it is dropped too. */
	assert_int_equal(send_frag(&d, 8, d.len - 8, false, true, NULL),
	    NPFCT_FRAG_DROP);
	/* A TCP fragment at offset 8 (flags rewritten): refused first. */
	dg_make(&d, &tcp, 31);
	assert_int_equal(send_frag(&d, 8, 16, true, true, NULL),
	    NPFCT_FRAG_DROP);
	assert_int_equal(st(NPFCT_STAT_FRAG_TINY), 2);
	/* (The application established it before the handler's word.) */
	assert_int_equal(send_frag(&d, 0, 24, true, true, NULL),
	    NPFCT_FRAG_DROP);

	/*
	 * IPv6, RFC 7112: a destination options header then UDP in the
	 * fragmentable part; the first fragment stops after the options.
	 */
	dg_udp(&d, AF_INET6, 200, 32);
	memmove(d.data + 8, d.data, d.len);
	memset(d.data, 0, 8);
	d.data[0] = IPPROTO_UDP;
	d.data[2] = 1;
	d.data[3] = 4;
	d.len += 8;
	d.proto = IPPROTO_DSTOPTS;
	assert_int_equal(send_frag(&d, 0, 8, true, true, NULL),
	    NPFCT_FRAG_DROP);
	assert_int_equal(st(NPFCT_STAT_FRAG_TINY), 3);
}

/* Longer than 65535, not a multiple of 8, ends that disagree, too many. */
static void
test_frag_bounds(void **state)
{
	struct npfct_frag_params p = { .max_frags = 4 };
	struct dg d;

	(void)state;
	dg_udp(&d, AF_INET, 1800, 40);
	/* Offset 65528 + 8 bytes + a 20-byte header > 65535. */
	{
		struct rte_mbuf *m = dg_frag(&d, 0, 8, false);
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		    struct rte_ipv4_hdr *, ETH_LEN);
		uint8_t act;

		ip->fragment_offset = rte_cpu_to_be_16(65528 >> 3);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		act = send_pkt(m, NPFCT_DIR_OUT, true, NULL, NULL);
		assert_int_equal(act, NPFCT_FRAG_DROP);
		rte_pktmbuf_free(m);
		assert_int_equal(st(NPFCT_STAT_FRAG_TOO_LONG), 1);
	}
	/* A non-last fragment of 100 bytes. */
	dg_udp(&d, AF_INET, 1800, 41);
	assert_int_equal(send_frag(&d, 600, 100, true, true, NULL),
	    NPFCT_FRAG_DROP);
	assert_int_equal(st(NPFCT_STAT_FRAG_BAD), 1);
	/* Two last fragments with other ends; data past the last. */
	dg_udp(&d, AF_INET6, 1800, 42);
	assert_int_equal(send_frag(&d, 1200, 600, false, true, NULL),
	    NPFCT_FRAG_HELD);
	assert_int_equal(send_frag(&d, 1200, 400, false, true, NULL),
	    NPFCT_FRAG_DROP);
	dg_udp(&d, AF_INET6, 1800, 43);
	assert_int_equal(send_frag(&d, 1000, 600, true, true, NULL),
	    NPFCT_FRAG_HELD);
	assert_int_equal(send_frag(&d, 600, 200, false, true, NULL),
	    NPFCT_FRAG_DROP);
	assert_int_equal(st(NPFCT_STAT_FRAG_BAD), 3);
	assert_int_equal(info().held, 0);

	/* max_frags 4: the fifth fragment refuses the datagram. */
	npfct_frag_destroy(fr);
	fr = npfct_frag_create(test_ct, &p);
	assert_non_null(fr);
	assert_int_equal(info().params.max_frags, 4);
	dg_udp(&d, AF_INET, 1800, 44);
	assert_int_equal(send_frag(&d, 0, 400, true, true, NULL),
	    NPFCT_FRAG_PASS);
	assert_int_equal(send_frag(&d, 400, 8, true, true, NULL),
	    NPFCT_FRAG_PASS);
	assert_int_equal(send_frag(&d, 408, 8, true, true, NULL),
	    NPFCT_FRAG_PASS);
	assert_int_equal(send_frag(&d, 416, 8, true, true, NULL),
	    NPFCT_FRAG_PASS);
	assert_int_equal(send_frag(&d, 424, 8, true, true, NULL),
	    NPFCT_FRAG_DROP);
	assert_int_equal(st(NPFCT_STAT_FRAG_TOO_MANY), 1);
	assert_int_equal(send_frag(&d, 432, d.len - 432, false, true, NULL),
	    NPFCT_FRAG_DROP);
}

/* Bad parameters; one handler per instance. */
static void
test_frag_params(void **state)
{
	struct npfct_frag_params p = { .max_frags = NPFCT_FRAG_FRAGS_MAX + 1 };
	struct npfct_frag_info fi;

	(void)state;
	assert_null(npfct_frag_create(test_ct, NULL));
	assert_int_equal(rte_errno, EEXIST);
	assert_ptr_equal(npfct_frag_get(test_ct), fr);
	npfct_frag_destroy(fr);
	fr = NULL;
	assert_null(npfct_frag_get(test_ct));
	assert_null(npfct_frag_create(test_ct, &p));
	assert_int_equal(rte_errno, EINVAL);
	p = (struct npfct_frag_params){ .reserved = 1 };
	assert_null(npfct_frag_create(NULL, &p));
	assert_null(npfct_frag_create(test_ct, &p));
	p = (struct npfct_frag_params){ .max_datagrams = 100,
	    .timeout4_ms = 5 };
	fr = npfct_frag_create(test_ct, &p);
	assert_non_null(fr);
	fi = info();
	assert_int_equal(fi.params.max_datagrams, 128);
	assert_int_equal(fi.params.max_held, NPFCT_FRAG_HELD_DEFAULT);
	assert_int_equal(fi.params.timeout4_ms, 5);
	assert_int_equal(fi.params.timeout6_ms, NPFCT_FRAG_TIMEOUT6_DEFAULT);
	assert_int_equal(npfct_frag_expire(NULL), -EINVAL);
	assert_int_equal(npfct_frag_info_get(NULL, &fi), -EINVAL);
}

/* Timeouts: IPv4 30 s, IPv6 60 s by default, on the instance's clock. */
static void
test_frag_timeout(void **state)
{
	const uint32_t used = in_use();
	struct dg d4, d6;

	(void)state;
	dg_udp(&d4, AF_INET, 1800, 50);
	dg_udp(&d6, AF_INET6, 1800, 51);
	assert_int_equal(send_frag(&d4, 600, 600, true, true, NULL),
	    NPFCT_FRAG_HELD);
	assert_int_equal(send_frag(&d6, 600, 600, true, true, NULL),
	    NPFCT_FRAG_HELD);
	test_ct_advance(test_ct, 29);
	assert_int_equal(npfct_frag_expire(fr), 0);
	test_ct_advance(test_ct, 2);
	assert_int_equal(npfct_frag_expire(fr), 1);
	assert_int_equal(info().held, 1);
	assert_int_equal(st(NPFCT_STAT_FRAG_TIMEOUT), 1);
	/* The IPv4 first fragment now starts a new datagram. */
	assert_int_equal(send_frag(&d4, 0, 600, true, true, NULL),
	    NPFCT_FRAG_PASS);
	assert_int_equal(drain_all(NULL), 0);
	test_ct_advance(test_ct, 29);
	/* Found expired on the bucket access of a later fragment. */
	assert_int_equal(send_frag(&d6, 0, 600, true, true, NULL),
	    NPFCT_FRAG_PASS);
	assert_int_equal(drain_all(NULL), 0);
	assert_int_equal(st(NPFCT_STAT_FRAG_TIMEOUT), 2);
	assert_int_equal(info().held, 0);
	assert_int_equal(in_use(), used);
}

/*
 * Floods: lone later fragments cannot hold more than max_held mbufs; first
 * fragments cannot hold more than max_datagrams datagrams (and no mbuf).
 */
static void
test_frag_flood(void **state)
{
	const struct npfct_frag_params p = { .max_datagrams = 16,
	    .max_held = 8 };
	const uint32_t used = in_use();
	struct npfct_conn *c, *c2;
	struct dg d;
	uint32_t i, held = 0;

	(void)state;
	npfct_frag_destroy(fr);
	fr = npfct_frag_create(test_ct, &p);
	assert_non_null(fr);
	for (i = 0; i < 1000; i++) {
		dg_udp(&d, AF_INET, 1800, 1000 + i);
		if (send_frag(&d, 600, 600, true, true, NULL) ==
		    NPFCT_FRAG_HELD)
			held++;
		assert_true(info().held <= 8);
		assert_true(info().datagrams <= 16);
		assert_true(in_use() <= used + 8);
	}
	assert_true(held >= 8);
	assert_true(st(NPFCT_STAT_FRAG_EVICTED) +
	    st(NPFCT_STAT_FRAG_HOLD_FULL) > 0);
	/*
	 * A datagram in order still passes during the flood (one out of
	 * order may find no room: the bound is the point).
	 */
	dg_udp(&d, AF_INET, 1800, 5);
	assert_int_equal(send_frag(&d, 0, 600, true, true, &c),
	    NPFCT_FRAG_PASS);
	assert_non_null(c);
	assert_int_equal(send_frag(&d, 600, 600, true, true, &c2),
	    NPFCT_FRAG_PASS);
	assert_ptr_equal(c2, c);
	/* First fragments: the table stays bounded, nothing held. */
	for (i = 0; i < 1000; i++) {
		dg_udp(&d, AF_INET, 1800, 3000 + i);
		send_frag(&d, 0, 600, true, true, NULL);
		assert_true(info().datagrams <= 16);
	}
	assert_int_equal(npfct_frag_expire(fr), 0);
	test_ct_advance(test_ct, 31);
	assert_true(npfct_frag_expire(fr) > 0);
	assert_int_equal(info().datagrams, 0);
	assert_int_equal(in_use(), used);
}

/* NAT: every fragment's addresses rewritten, the datagram still valid. */
static void
test_frag_nat(void **state)
{
	struct npfct_nat_policy_conf c = {
		.type = NPFCT_NAT_SNAT, .match_plen = 8, .port_min = 20000,
		.port_max = 20000,
	};
	struct rte_mbuf *m[3];
	struct npfct_pkt pkts[3];
	struct npfct_conn *conns[3];
	uint8_t buf[2048], ph[12];
	uint32_t off[3] = { 0, 600, 1200 }, i, l4len = 0;
	uint32_t sum;
	uint16_t ck;
	struct dg d;

	(void)state;
	inet_pton(AF_INET, "10.0.0.0", &c.match.v4);
	inet_pton(AF_INET, "198.51.100.7", &c.pool_first.v4);
	c.pool_last = c.pool_first;
	assert_true(npfct_nat_policy_add(test_ct, &c) >= 0);
	dg_udp(&d, AF_INET, 1800, 60);
	/* Last first: held, then translated after the drain. */
	m[2] = dg_frag(&d, 1200, d.len - 1200, false);
	assert_int_equal(send_pkt(m[2], NPFCT_DIR_OUT, true, NULL, NULL),
	    NPFCT_FRAG_HELD);
	for (i = 0; i < 2; i++) {
		m[i] = dg_frag(&d, off[i], 600, true);
		assert_int_equal(send_pkt(m[i], NPFCT_DIR_OUT, true, &conns[i],
		    &pkts[i]), NPFCT_FRAG_PASS);
		assert_non_null(conns[i]);
		assert_int_equal(npfct_nat_translate(test_ct, &pkts[i],
		    conns[i], NPFCT_DIR_OUT), 1);
	}
	assert_ptr_equal(conns[1], conns[0]);
	{
		uint8_t dirs[1];

		assert_int_equal(npfct_frag_drain(fr, &pkts[2], 1, dirs,
		    &conns[2]), 1);
		assert_ptr_equal(conns[2], conns[0]);
		assert_int_equal(npfct_nat_translate(test_ct, &pkts[2],
		    conns[2], dirs[0]), 1);
	}
	/* Each header: the outside source, a valid checksum. */
	for (i = 0; i < 3; i++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m[i],
		    struct rte_ipv4_hdr *, ETH_LEN);
		uint32_t n = rte_be_to_cpu_16(ip->total_length) - IP4_LEN;

		assert_int_equal(ip->src_addr, c.pool_first.v4);
		assert_int_equal((uint16_t)~rte_raw_cksum(ip, IP4_LEN), 0);
		memcpy(buf + off[i], (uint8_t *)ip + IP4_LEN, n);
		l4len += n;
	}
	/* The port in the first fragment, and the UDP checksum of the whole. */
	assert_int_equal(buf[0] << 8 | buf[1], 20000);
	assert_int_equal(l4len, d.len);
	memcpy(ph, &c.pool_first.v4, 4);
	memcpy(ph + 4, d.hdr + ETH_LEN + 16, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	ph[10] = (uint8_t)(l4len >> 8);
	ph[11] = (uint8_t)l4len;
	sum = rte_raw_cksum(ph, 12) + rte_raw_cksum(buf, l4len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ck = (uint16_t)sum;
	assert_int_equal(ck, 0xffff);
	for (i = 0; i < 3; i++)
		rte_pktmbuf_free(m[i]);
}

/* Fragments of one datagram on two lcores meet. */
static struct dg lcore_dg;
static volatile int lcore_mode, lcore_result;

static int
lcore_send(void *arg)
{
	struct npfct_conn *c = NULL;

	(void)arg;
	npfct_thread_register();
	if (lcore_mode == 0) {
		/* A later fragment: its first passed on the main lcore. */
		lcore_result = send_frag(&lcore_dg, 600, 600, true, true, &c);
		if (lcore_result == NPFCT_FRAG_PASS && c == NULL)
			lcore_result = -1;
	} else {
		/* The first: it releases the main lcore's held fragment
		 * to this lcore's ready list. */
		lcore_result = send_frag(&lcore_dg, 0, 600, true, true, &c);
		if (lcore_result == NPFCT_FRAG_PASS)
			lcore_result = 100 + (int)drain_all(c);
	}
	npfct_thread_unregister();
	return 0;
}

static void
run_on_worker(int mode)
{
	const unsigned int lcore = rte_get_next_lcore(-1, 1, 0);

	assert_true(lcore < RTE_MAX_LCORE);
	lcore_mode = mode;
	lcore_result = -2;
	npfct_thread_offline();
	assert_int_equal(rte_eal_remote_launch(lcore_send, NULL, lcore), 0);
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	npfct_thread_online();
}

static void
test_frag_two_lcores(void **state)
{
	struct npfct_conn *c;

	(void)state;
	dg_udp(&lcore_dg, AF_INET6, 1800, 70);
	assert_int_equal(send_frag(&lcore_dg, 0, 600, true, true, &c),
	    NPFCT_FRAG_PASS);
	run_on_worker(0);
	assert_int_equal(lcore_result, NPFCT_FRAG_PASS);
	/* And the other way: held here, released by a first over there. */
	dg_udp(&lcore_dg, AF_INET, 1800, 71);
	assert_int_equal(send_frag(&lcore_dg, 600, 600, true, true, NULL),
	    NPFCT_FRAG_HELD);
	run_on_worker(1);
	assert_int_equal(lcore_result, 101);
	assert_int_equal(drain_all(NULL), 0);
	assert_int_equal(info().held, 0);
}

/*
 * Stress: two lcores at once on the same datagrams.  Each datagram comes
 * in three fragments split between the main lcore and a worker (the
 * worker has the first and the last of even datagrams and the middle of
 * odd ones, the main lcore the rest), both walking the datagrams in the
 * same order at the same time, so that fragments of one datagram reach
 * its record from both lcores together.  Every fragment must end passed
 * (at once, or held and then drained by the lcore whose first fragment
 * released it), every datagram complete, every mbuf back: a lost update
 * of a record (without the bucket lock) leaves fragments held or
 * datagrams incomplete, and a torn one trips ASan.
 */
#define STRESS_DGRAMS	512
#define STRESS_ROUNDS	16

struct stress_side {
	struct rte_mbuf	*m[2 * STRESS_DGRAMS];
	unsigned int	n;
	unsigned int	passed, held, drained, other;
};

static struct stress_side stress_main, stress_worker;
static volatile int stress_go;

/* Take what first fragments released on this lcore. */
static void
stress_drain(struct stress_side *sd)
{
	struct npfct_pkt pkts[8];
	struct npfct_conn *conns[8];
	uint8_t dirs[8];
	uint16_t k, j;

	do {
		k = npfct_frag_drain(fr, pkts, 8, dirs, conns);
		for (j = 0; j < k; j++) {
			if (conns[j] != NULL && dirs[j] == NPFCT_DIR_OUT)
				sd->drained++;
			else
				sd->other++;
			rte_pktmbuf_free(pkts[j].mbuf);
		}
	} while (k == 8);
}

static void
stress_run(struct stress_side *sd)
{
	struct npfct_conn *c;
	unsigned int i;
	uint8_t act;

	for (i = 0; i < sd->n; i++) {
		act = send_pkt(sd->m[i], NPFCT_DIR_OUT, true, &c, NULL);
		if (act == NPFCT_FRAG_PASS && c != NULL)
			sd->passed++;
		else if (act == NPFCT_FRAG_HELD)
			sd->held++;
		else
			sd->other++;
		if (act != NPFCT_FRAG_HELD)
			rte_pktmbuf_free(sd->m[i]);
		stress_drain(sd);
		npfct_quiescent();
	}
}

static int
stress_lcore(void *arg)
{
	(void)arg;
	npfct_thread_register();
	while (__atomic_load_n(&stress_go, __ATOMIC_ACQUIRE) == 0)
		rte_pause();
	stress_run(&stress_worker);
	npfct_thread_unregister();
	return 0;
}

static void
test_frag_stress_two_lcores(void **state)
{
	const unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	const struct npfct_frag_params fp = { .max_datagrams = 65536 };
	struct stress_side *sd;
	struct dg d;
	uint32_t base;
	unsigned int r, i, total = 0;

	(void)state;
	assert_true(lcore < RTE_MAX_LCORE);
	/* Room for every datagram of a round: no eviction by chance. */
	npfct_frag_destroy(fr);
	fr = npfct_frag_create(test_ct, &fp);
	assert_non_null(fr);
	dg_udp(&d, AF_INET, 1800, 1);
	/* The connection exists: first fragments on both lcores match. */
	assert_int_equal(send_frag(&d, 0, 1808, false, true, NULL),
	    NPFCT_FRAG_NONE);
	base = in_use();
	for (r = 0; r < STRESS_ROUNDS; r++) {
		memset(&stress_main, 0, sizeof(stress_main));
		memset(&stress_worker, 0, sizeof(stress_worker));
		for (i = 0; i < STRESS_DGRAMS; i++) {
			d.id = r * STRESS_DGRAMS + i + 2;
			sd = i % 2 == 0 ? &stress_worker : &stress_main;
			sd->m[sd->n++] = dg_frag(&d, 0, 600, true);
			sd->m[sd->n++] = dg_frag(&d, 1200, 608, false);
			sd = i % 2 == 0 ? &stress_main : &stress_worker;
			sd->m[sd->n++] = dg_frag(&d, 600, 600, true);
		}
		__atomic_store_n(&stress_go, 0, __ATOMIC_RELEASE);
		assert_int_equal(rte_eal_remote_launch(stress_lcore, NULL,
		    lcore), 0);
		__atomic_store_n(&stress_go, 1, __ATOMIC_RELEASE);
		stress_run(&stress_main);
		npfct_thread_offline();
		assert_int_equal(rte_eal_wait_lcore(lcore), 0);
		npfct_thread_online();
		/* Released here while the worker was still sending. */
		stress_drain(&stress_main);
		assert_int_equal(stress_main.other + stress_worker.other, 0);
		assert_int_equal(stress_main.held + stress_worker.held,
		    stress_main.drained + stress_worker.drained);
		assert_int_equal(stress_main.passed + stress_worker.passed +
		    stress_main.drained + stress_worker.drained,
		    3 * STRESS_DGRAMS);
		total += stress_main.held + stress_worker.held;
		assert_int_equal(info().datagrams, 0);
		assert_int_equal(info().held, 0);
		assert_int_equal(in_use(), base);
	}
	print_message("stress: %u fragments held and released across lcores "
	    "in %u rounds\n", total, STRESS_ROUNDS);
}

/* Not fragments: unfragmented, atomic fragments; two fragment headers. */
static void
test_frag_not_fragments(void **state)
{
	const struct test_pkt_spec atomic = {
		.af = AF_INET6, .proto = IPPROTO_UDP, .src = "2001:db8::1",
		.dst = "2001:db8:1::80", .sport = 1, .dport = 2,
		.ext = { IPPROTO_FRAGMENT },
	};
	const struct test_pkt_spec two = {
		.af = AF_INET6, .proto = IPPROTO_UDP, .src = "2001:db8::1",
		.dst = "2001:db8:1::80", .sport = 1, .dport = 2,
		.ext = { IPPROTO_FRAGMENT, IPPROTO_FRAGMENT },
	};
	struct rte_mbuf *m;
	struct npfct_pkt pkt;

	(void)state;
	m = test_pkt_udp4("10.0.0.9", 1, "192.0.2.80", 2);
	assert_int_equal(send_pkt(m, NPFCT_DIR_OUT, true, NULL, NULL),
	    NPFCT_FRAG_NONE);
	rte_pktmbuf_free(m);
	m = test_pkt_build(&atomic);
	assert_int_equal(send_pkt(m, NPFCT_DIR_OUT, true, NULL, &pkt),
	    NPFCT_FRAG_NONE);
	assert_true(pkt.flags & NPFCT_PKT_FRAG);
	assert_true(pkt.flags & NPFCT_PKT_L4);
	rte_pktmbuf_free(m);
	assert_int_equal(st(NPFCT_STAT_FRAG_SEEN), 0);
	m = test_pkt_build(&two);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_L3_EXT_BAD);
	rte_pktmbuf_free(m);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, frag_setup, frag_teardown)
	const struct CMUnitTest tests[] = {
		T(test_frag_in_order),
		T(test_frag_reverse),
		T(test_frag_one_burst),
		T(test_frag_first_dropped),
		T(test_frag_duplicates),
		T(test_frag_overlap),
		T(test_frag_tiny),
		T(test_frag_bounds),
		T(test_frag_params),
		T(test_frag_timeout),
		T(test_frag_flood),
		T(test_frag_nat),
		T(test_frag_two_lcores),
		T(test_frag_stress_two_lcores),
		T(test_frag_not_fragments),
	};

	return cmocka_run_group_tests_name("frag", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
