/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of zones (src/zone.c and the zone in the key): the mbuf dynamic
 * field and every parser path, the same 5-tuple in two zones, zones set
 * after parsing, per-zone limits (own and default) and their counts on
 * every path that makes or refuses a connection, flush by zone, ICMP
 * errors related in their own zone only, on a real EAL.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>

#include "npfct_impl.h"
#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

#define CLIENT	"10.0.0.1"
#define SERVER	"192.0.2.80"

static const struct test_pkt_spec udp_out_spec = {
	.af = AF_INET, .proto = IPPROTO_UDP, .src = CLIENT, .dst = SERVER,
	.sport = 40000, .dport = 53, .wscale = -1,
};

static const struct test_pkt_spec udp_reply_spec = {
	.af = AF_INET, .proto = IPPROTO_UDP, .src = SERVER, .dst = CLIENT,
	.sport = 53, .dport = 40000, .wscale = -1,
};

/* Build a packet of a zone (the dynamic field is set on every packet). */
static struct rte_mbuf *
zoned(const struct test_pkt_spec *spec, uint16_t zone)
{
	struct rte_mbuf *m = test_pkt_build(spec);

	npfct_mbuf_zone_set(m, zone);
	return m;
}

/* The UDP flow from port sport in a zone: establish it, or NULL. */
static struct npfct_conn *
establish_udp(uint16_t zone, uint16_t sport)
{
	struct test_pkt_spec s = udp_out_spec;
	struct rte_mbuf *m;
	struct npfct_conn *con;

	s.sport = sport;
	m = zoned(&s, zone);
	con = test_ct_establish(test_ct, m, NPFCT_DIR_OUT, false);
	rte_pktmbuf_free(m);
	return con;
}

/* Inspect a packet of a zone (parsed here). */
static struct npfct_conn *
inspect_zoned(const struct test_pkt_spec *spec, uint16_t zone, int di,
		uint8_t *v)
{
	struct rte_mbuf *m = zoned(spec, zone);
	struct npfct_conn *con = test_ct_inspect(test_ct, m, di, v);

	rte_pktmbuf_free(m);
	return con;
}

/*
 * Registration: before it, every packet is in zone 0 and setting a zone
 * does nothing; after it, every parser path takes the field.  Must run
 * first (nothing in this program registers the field before).
 */
static void
test_zone_dynfield(void **state)
{
	struct test_pkt_spec vlan = udp_out_spec, v6 = {
		.af = AF_INET6, .proto = IPPROTO_UDP, .src = "2001:db8::1",
		.dst = "2001:db8::2", .sport = 1, .dport = 2, .wscale = -1,
	};
	struct rte_mbuf *m = test_pkt_build(&udp_out_spec);
	struct npfct_pkt pkt;
	int off;

	(void)state;
	assert_int_equal(npfct_zone_dynfield_offset, -1);
	npfct_mbuf_zone_set(m, 7);
	assert_int_equal(npfct_mbuf_zone(m), 0);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.zone, 0);

	off = npfct_zone_dynfield_register();
	assert_true(off >= 0);
	assert_int_equal(npfct_zone_dynfield_offset, off);
	assert_int_equal(rte_mbuf_dynfield_lookup("npfct_zone", NULL), off);
	/* Idempotent. */
	assert_int_equal(npfct_zone_dynfield_register(), off);

	/* The IPv4 fast path. */
	npfct_mbuf_zone_set(m, 7);
	assert_int_equal(npfct_mbuf_zone(m), 7);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.zone, 7);
	/* The layer 3 entry. */
	assert_int_equal(npfct_pkt_parse_l3(&pkt, m, RTE_ETHER_HDR_LEN),
	    NPFCT_PARSE_OK);
	assert_int_equal(pkt.zone, 7);
	rte_pktmbuf_free(m);

	/* The general path: a VLAN tag, IPv6. */
	vlan.vlan = 100;
	m = zoned(&vlan, 65535);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.zone, 65535);
	rte_pktmbuf_free(m);
	m = zoned(&v6, 3);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	assert_int_equal(pkt.zone, 3);
	rte_pktmbuf_free(m);
}

/* The same 5-tuple in two zones is two connections; each reply finds its
 * own, and zone 0 neither. */
static void
test_zone_same_tuple_two_zones(void **state)
{
	struct npfct_conn *c1, *c2;
	struct npfct_conn_info info;
	uint8_t v;

	(void)state;
	c1 = establish_udp(1, 40000);
	c2 = establish_udp(2, 40000);
	assert_non_null(c1);
	assert_non_null(c2);
	assert_ptr_not_equal(c1, c2);
	assert_int_equal(npfct_count(test_ct), 2);
	assert_int_equal(npfct_zone_count(test_ct, 1), 1);
	assert_int_equal(npfct_zone_count(test_ct, 2), 1);
	assert_int_equal(npfct_zone_count(test_ct, 0), 0);

	assert_ptr_equal(inspect_zoned(&udp_reply_spec, 1, NPFCT_DIR_IN, &v),
	    c1);
	assert_int_equal(v, NPFCT_V_MATCH);
	assert_ptr_equal(inspect_zoned(&udp_reply_spec, 2, NPFCT_DIR_IN, &v),
	    c2);
	assert_null(inspect_zoned(&udp_reply_spec, 0, NPFCT_DIR_IN, &v));
	assert_int_equal(v, NPFCT_V_MISS);
	assert_null(inspect_zoned(&udp_reply_spec, 3, NPFCT_DIR_IN, &v));

	npfct_conn_info_get(test_ct, c1, &info);
	assert_int_equal(info.zone, 1);
	npfct_conn_info_get(test_ct, c2, &info);
	assert_int_equal(info.zone, 2);

	/* A third in zone 1 is a duplicate of the first. */
	assert_null(establish_udp(1, 40000));
	assert_int_equal(rte_errno, EEXIST);
	assert_int_equal(npfct_zone_count(test_ct, 1), 1);
	assert_int_equal(npfct_count(test_ct), 2);
}

/* A zone set by the application after parsing (the burst calls). */
static void
test_zone_set_after_parse(void **state)
{
	struct rte_mbuf *m[2];
	struct npfct_pkt pkts[2];
	struct npfct_conn *conns[2];
	uint8_t v[2];
	const uint16_t idx[2] = { 0, 1 };
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		m[i] = test_pkt_build(&udp_out_spec);
		npfct_mbuf_zone_set(m[i], 0);
		assert_int_equal(npfct_pkt_parse(&pkts[i], m[i]),
		    NPFCT_PARSE_OK);
		pkts[i].zone = (uint16_t)(10 + i);
	}
	assert_int_equal(npfct_inspect_burst_parsed(test_ct, pkts, 2,
	    NPFCT_DIR_OUT, conns, v), 0);
	assert_int_equal(npfct_establish_burst(test_ct, pkts, idx, 2,
	    NPFCT_DIR_OUT, 0, conns), 2);
	assert_ptr_not_equal(conns[0], conns[1]);
	assert_int_equal(npfct_zone_count(test_ct, 10), 1);
	assert_int_equal(npfct_zone_count(test_ct, 11), 1);
	/* Found again in their zones. */
	assert_int_equal(npfct_inspect_burst_parsed(test_ct, pkts, 2,
	    NPFCT_DIR_OUT, conns, v), 2);
	/* npfct_inspect_burst() parses again: the field (0) wins. */
	assert_int_equal(npfct_inspect_burst(test_ct, m, pkts, 2,
	    NPFCT_DIR_OUT, conns, v), 0);
	for (i = 0; i < 2; i++)
		rte_pktmbuf_free(m[i]);
}

static void
test_zone_limit_args(void **state)
{
	(void)state;
	assert_int_equal(npfct_zone_limit_set(NULL, 1, 1), -EINVAL);
	assert_int_equal(npfct_zone_limit_set(test_ct, -2, 1), -EINVAL);
	assert_int_equal(npfct_zone_limit_set(test_ct, 65536, 1), -EINVAL);
	assert_int_equal(npfct_zone_limit_get(NULL, 1), -EINVAL);
	assert_int_equal(npfct_zone_limit_get(test_ct, -2), -EINVAL);
	assert_int_equal(npfct_zone_limit_get(test_ct, 65536), -EINVAL);
	assert_int_equal(npfct_zone_count(NULL, 1), 0);

	assert_int_equal(npfct_zone_limit_get(test_ct, 0), 0);
	assert_int_equal(npfct_zone_limit_get(test_ct, NPFCT_ZONE_DEFAULT), 0);
	assert_int_equal(npfct_zone_limit_set(test_ct, 65535, UINT32_MAX), 0);
	assert_int_equal(npfct_zone_limit_get(test_ct, 65535), UINT32_MAX);
	assert_int_equal(npfct_zone_limit_set(test_ct, NPFCT_ZONE_DEFAULT, 9),
	    0);
	assert_int_equal(npfct_zone_limit_get(test_ct, NPFCT_ZONE_DEFAULT), 9);
	/* A zone's own limit is not the default. */
	assert_int_equal(npfct_zone_limit_get(test_ct, 5), 0);
}

/*
 * A zone at its limit refuses (EDQUOT, zone-full), other zones do not
 * notice, and a connection destroyed gives its place back.  The default
 * applies to zones without a limit of their own.
 */
static void
test_zone_limit(void **state)
{
	uint16_t port;

	(void)state;
	assert_int_equal(npfct_zone_limit_set(test_ct, 1, 3), 0);
	for (port = 1; port <= 3; port++)
		assert_non_null(establish_udp(1, port));
	assert_null(establish_udp(1, 4));
	assert_int_equal(rte_errno, EDQUOT);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_ZONE_FULL), 1);
	/* Not a full table: no pressure on the G/C. */
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_TABLE_FULL), 0);
	assert_int_equal(npfct_zone_count(test_ct, 1), 3);
	/* Zone 2 and zone 0 have no limit. */
	for (port = 1; port <= 10; port++) {
		assert_non_null(establish_udp(2, port));
		assert_non_null(establish_udp(0, port));
	}

	/* The default limit: zone 3 has none of its own. */
	assert_int_equal(npfct_zone_limit_set(test_ct, NPFCT_ZONE_DEFAULT, 2),
	    0);
	assert_non_null(establish_udp(3, 1));
	assert_non_null(establish_udp(3, 2));
	assert_null(establish_udp(3, 3));
	/* Zone 1's own limit stays 3; zones 0 and 2, over the new default,
	 * keep what they have but take no more. */
	assert_null(establish_udp(1, 4));
	assert_int_equal(npfct_zone_count(test_ct, 2), 10);
	assert_null(establish_udp(2, 11));
	assert_null(establish_udp(0, 11));
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_ZONE_FULL), 5);

	/* Raise zone 1: one more. */
	assert_int_equal(npfct_zone_limit_set(test_ct, 1, 4), 0);
	assert_non_null(establish_udp(1, 4));
	assert_null(establish_udp(1, 5));

	/* Flushed: every place comes back. */
	assert_int_equal(npfct_flush(test_ct), 4 + 10 + 10 + 2);
	for (port = 0; port < 4; port++)
		assert_int_equal(npfct_zone_count(test_ct, port), 0);
	assert_non_null(establish_udp(1, 1));
	assert_non_null(establish_udp(3, 1));
}

/* A zone of limit 1: a connection made and expired by the G/C (not a
 * flush) frees the place. */
static void
test_zone_limit_expiry(void **state)
{
	(void)state;
	assert_int_equal(npfct_zone_limit_set(test_ct, 4, 1), 0);
	assert_non_null(establish_udp(4, 1));
	assert_null(establish_udp(4, 2));
	test_ct_advance(test_ct, 3600);
	assert_int_equal(npfct_gc_sync(test_ct), 1);
	assert_int_equal(npfct_zone_count(test_ct, 4), 0);
	assert_non_null(establish_udp(4, 2));
}

/* Every refusal after the zone's count was taken gives it back. */
static void
test_zone_count_on_refusals(void **state)
{
	struct test_pkt_spec land = udp_out_spec, rst = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = CLIENT,
		.dst = SERVER, .sport = 1, .dport = 2,
		.tcp_flags = NPFCT_TH_RST, .wscale = -1,
	};
	struct npfct *tiny = test_ct_create("tiny", 1);
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;

	(void)state;
	assert_non_null(tiny);
	/* Same source and destination. */
	land.dst = CLIENT;
	land.dport = land.sport;
	m = zoned(&land, 6);
	assert_null(test_ct_establish(test_ct, m, NPFCT_DIR_OUT, false));
	rte_pktmbuf_free(m);
	assert_int_equal(npfct_zone_count(test_ct, 6), 0);
	/* A state that cannot open a connection. */
	m = zoned(&rst, 6);
	assert_null(test_ct_establish(test_ct, m, NPFCT_DIR_OUT, false));
	assert_int_equal(rte_errno, EPROTO);
	rte_pktmbuf_free(m);
	assert_int_equal(npfct_zone_count(test_ct, 6), 0);
	/* A duplicate. */
	assert_non_null(establish_udp(6, 1));
	assert_null(establish_udp(6, 1));
	assert_int_equal(rte_errno, EEXIST);
	assert_int_equal(npfct_zone_count(test_ct, 6), 1);
	/* A full table (the instance's limit, not the zone's). */
	m = zoned(&udp_out_spec, 6);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	con = npfct_conn_establish(tiny, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	npfct_conn_release(con);
	pkt.sport = htons(2);
	assert_null(npfct_conn_establish(tiny, &pkt, NPFCT_DIR_OUT, false));
	assert_int_equal(rte_errno, ENOSPC);
	assert_int_equal(test_ct_stat(tiny, NPFCT_STAT_TABLE_FULL), 1);
	assert_int_equal(test_ct_stat(tiny, NPFCT_STAT_ZONE_FULL), 0);
	assert_int_equal(npfct_zone_count(tiny, 6), 1);
	rte_pktmbuf_free(m);
	npfct_destroy(tiny);
	assert_int_equal(npfct_flush(test_ct), 1);
	assert_int_equal(npfct_zone_count(test_ct, 6), 0);
}

/* Flush by zone, alone and with another field. */
static void
test_zone_flush_filter(void **state)
{
	struct npfct_filter f = { .fields = NPFCT_FILTER_ZONE, .zone = 2 };
	uint16_t port;

	(void)state;
	for (port = 1; port <= 5; port++) {
		assert_non_null(establish_udp(1, port));
		assert_non_null(establish_udp(2, port));
		assert_non_null(establish_udp(0, port));
	}
	assert_int_equal(npfct_flush_filter(test_ct, &f), 5);
	assert_int_equal(npfct_zone_count(test_ct, 2), 0);
	assert_int_equal(npfct_zone_count(test_ct, 1), 5);
	assert_int_equal(npfct_flush_filter(test_ct, &f), 0);
	/* Zone 1, port 3 only. */
	f.fields = NPFCT_FILTER_ZONE | NPFCT_FILTER_PORT;
	f.zone = 1;
	f.port = htons(3);
	assert_int_equal(npfct_flush_filter(test_ct, &f), 1);
	assert_int_equal(npfct_zone_count(test_ct, 1), 4);
	/* Zone 0 is a zone like the others. */
	f.fields = NPFCT_FILTER_ZONE;
	f.zone = 0;
	assert_int_equal(npfct_flush_filter(test_ct, &f), 5);
	assert_int_equal(npfct_count(test_ct), 4);
}

/* An ICMP error relates to the connection of its own zone only. */
static void
test_zone_icmp_error_related(void **state)
{
	const struct test_pkt_spec err = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = "172.16.0.1",
		.dst = CLIENT, .icmp_type = 3, .icmp_code = 3, .wscale = -1,
		.inner = &udp_out_spec,
	};
	struct npfct_conn *con;
	uint8_t v;

	(void)state;
	con = establish_udp(8, 40000);
	assert_non_null(con);
	assert_ptr_equal(inspect_zoned(&err, 8, NPFCT_DIR_IN, &v), con);
	assert_int_equal(v, NPFCT_V_RELATED);
	assert_null(inspect_zoned(&err, 9, NPFCT_DIR_IN, &v));
	assert_null(inspect_zoned(&err, 0, NPFCT_DIR_IN, &v));
}

/*
 * A zone at its limit asks the G/C for its next step now (to collect what
 * expired there), not for an early drop.
 */
static void
test_zone_full_hurries_gc(void **state)
{
	(void)state;
	assert_int_equal(npfct_zone_limit_set(test_ct, 12, 1), 0);
	assert_non_null(establish_udp(12, 1));
	test_ct_advance(test_ct, 3600);
	assert_int_equal(__atomic_load_n(&test_ct->ct_gc.gc_pressure,
	    __ATOMIC_RELAXED), 0);
	assert_null(establish_udp(12, 2));
	assert_int_equal(__atomic_load_n(&test_ct->ct_gc.gc_pressure,
	    __ATOMIC_RELAXED), NPFCT_GC_HURRY);
	npfct_gc(test_ct);
	assert_int_equal(__atomic_load_n(&test_ct->ct_gc.gc_pressure,
	    __ATOMIC_RELAXED), 0);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_EARLY_DROP), 0);
	assert_int_equal(npfct_gc_sync(test_ct), 1);
	assert_non_null(establish_udp(12, 2));
}

/* NPFCT_ZONE_NO_LIMIT exempts a zone from the default limit. */
static void
test_zone_no_limit(void **state)
{
	uint16_t port;

	(void)state;
	assert_int_equal(npfct_zone_limit_set(test_ct, NPFCT_ZONE_DEFAULT, 1),
	    0);
	assert_int_equal(npfct_zone_limit_set(test_ct, 0, NPFCT_ZONE_NO_LIMIT),
	    0);
	for (port = 1; port <= 20; port++)
		assert_non_null(establish_udp(0, port));
	assert_non_null(establish_udp(1, 1));
	assert_null(establish_udp(1, 2));
	assert_int_equal(rte_errno, EDQUOT);
}

/*
 * Several lcores establishing in one zone at once: the limit holds
 * exactly (a compare-and-swap, not a check then an add); and limits
 * changing under establishes leave the count right.
 */
#define RACE_LCORES	3
#define RACE_FLOWS	2000

struct zone_race {
	uint16_t	zone;
	unsigned int	worker;		/* 0.. */
	volatile bool	*stop;		/* NULL: RACE_FLOWS flows, once */
	unsigned int	made;
};

static int
zone_race_lcore(void *arg)
{
	struct zone_race *r = arg;
	struct test_pkt_spec s = udp_out_spec;
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	unsigned int i = 0;
	char src[32];

	npfct_thread_register();
	snprintf(src, sizeof(src), "10.%u.0.1", 100 + r->worker);
	s.src = src;
	m = zoned(&s, r->zone);
	npfct_pkt_parse(&pkt, m);
	for (;;) {
		if (r->stop == NULL ? i == RACE_FLOWS :
		    __atomic_load_n(r->stop, __ATOMIC_ACQUIRE))
			break;
		pkt.sport = htons((uint16_t)(1 + i % 60000));
		con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT,
		    false);
		if (con != NULL) {
			r->made++;
			if (r->stop != NULL)
				npfct_conn_expire(con);
			npfct_conn_release(con);
		}
		npfct_quiescent();
		i++;
	}
	rte_pktmbuf_free(m);
	npfct_thread_unregister();
	return 0;
}

static void
race_launch(struct zone_race *r, unsigned int *lcores, uint16_t zone,
		volatile bool *stop)
{
	unsigned int w, lcore = rte_get_next_lcore(-1, 1, 0);

	for (w = 0; w < RACE_LCORES; w++) {
		assert_true(lcore < RTE_MAX_LCORE);
		r[w] = (struct zone_race){ .zone = zone, .worker = w,
		    .stop = stop };
		lcores[w] = lcore;
		assert_int_equal(rte_eal_remote_launch(zone_race_lcore,
		    &r[w], lcore), 0);
		lcore = rte_get_next_lcore(lcore, 1, 0);
	}
}

static unsigned int
race_wait(struct zone_race *r, const unsigned int *lcores)
{
	unsigned int w, made = 0;

	npfct_thread_offline();
	for (w = 0; w < RACE_LCORES; w++) {
		assert_int_equal(rte_eal_wait_lcore(lcores[w]), 0);
		made += r[w].made;
	}
	npfct_thread_online();
	return made;
}

static void
test_zone_limit_concurrent(void **state)
{
	struct zone_race r[RACE_LCORES];
	unsigned int lcores[RACE_LCORES];
	volatile bool stop = false;
	static const uint32_t limits[] = { 5, 0, 300, NPFCT_ZONE_NO_LIMIT, 1 };
	unsigned int i;

	(void)state;
	/* 6000 attempts, 1000 places: exactly 1000 made. */
	assert_int_equal(npfct_zone_limit_set(test_ct, 20, 1000), 0);
	race_launch(r, lcores, 20, NULL);
	assert_int_equal(race_wait(r, lcores), 1000);
	assert_int_equal(npfct_zone_count(test_ct, 20), 1000);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_ZONE_FULL),
	    RACE_LCORES * RACE_FLOWS - 1000);
	assert_int_equal(npfct_flush(test_ct), 1000);
	assert_int_equal(npfct_zone_count(test_ct, 20), 0);

	/* Limits and the default change while connections come and go. */
	race_launch(r, lcores, 21, &stop);
	for (i = 0; i < 2000; i++) {
		assert_int_equal(npfct_zone_limit_set(test_ct, 21,
		    limits[i % RTE_DIM(limits)]), 0);
		assert_int_equal(npfct_zone_limit_set(test_ct,
		    NPFCT_ZONE_DEFAULT, limits[(i / 3) % RTE_DIM(limits)]), 0);
		if (i % 100 == 0)
			npfct_gc(test_ct);
		npfct_quiescent();
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	assert_true(race_wait(r, lcores) > 0);
	npfct_flush(test_ct);
	assert_int_equal(npfct_count(test_ct), 0);
	assert_int_equal(npfct_zone_count(test_ct, 21), 0);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)
	const struct CMUnitTest tests[] = {
		T(test_zone_dynfield),
		T(test_zone_same_tuple_two_zones),
		T(test_zone_set_after_parse),
		T(test_zone_limit_args),
		T(test_zone_limit),
		T(test_zone_limit_expiry),
		T(test_zone_count_on_refusals),
		T(test_zone_flush_filter),
		T(test_zone_icmp_error_related),
		T(test_zone_full_hurries_gc),
		T(test_zone_no_limit),
		T(test_zone_limit_concurrent),
	};

	return cmocka_run_group_tests_name("zone", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
