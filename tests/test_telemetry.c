/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the telemetry commands (src/telemetry.c) through the real
 * telemetry socket of the EAL, as dpdk-telemetry.py talks to it.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <netinet/in.h>

#include <cmocka.h>

#include <rte_eal.h>

#include "npfct.h"
#include "npfct_event.h"
#include "npfct_conn.h"
#include "npfct_nat.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

static char reply[65536];

/* Connect, read the greeting, send one command, return its reply. */
static const char *
tel_query(const char *cmd)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	ssize_t n;
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path),
	    "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	n = read(fd, reply, sizeof(reply) - 1);	/* greeting */
	assert_true(n > 0);
	assert_int_equal(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	n = read(fd, reply, sizeof(reply) - 1);
	assert_true(n > 0);
	reply[n] = '\0';
	close(fd);
	if (getenv("TEST_TELEMETRY_DEBUG") != NULL)
		fprintf(stderr, "%s -> %s\n", cmd, reply);
	return reply;
}

static void
test_telemetry_bad_params(void **state)
{
	(void)state;
	assert_non_null(strstr(tel_query("/npfct/info,nosuch"),
	    "\"/npfct/info\":null"));
	assert_non_null(strstr(tel_query("/npfct/conns,t0,x"),
	    "\"/npfct/conns\":null"));
}

static void
test_telemetry_list_info_stats(void **state)
{
	struct rte_mbuf *m = test_pkt_udp4("10.0.0.1", 1, "10.0.0.2", 2);

	(void)state;
	assert_non_null(test_ct_establish(test_ct, m, NPFCT_DIR_OUT, false));
	assert_non_null(strstr(tel_query("/npfct/list"),
	    "{\"/npfct/list\":[\"t0\"]}"));
	/* One instance: the name may be left out. */
	tel_query("/npfct/info");
	assert_non_null(strstr(reply, "\"name\":\"t0\""));
	assert_non_null(strstr(reply, "\"max_conns\":1024"));
	assert_non_null(strstr(reply, "\"conns\":1"));
	assert_non_null(strstr(reply, "\"conns4\":1"));
	assert_non_null(strstr(reply, "\"hash\":\""));
	tel_query("/npfct/stats,t0");
	assert_non_null(strstr(reply, "\"conn_create\":1"));
	assert_non_null(strstr(reply, "\"parse_l4_bad\":0"));
	tel_query("/npfct/timeouts,t0");
	assert_non_null(strstr(reply, "\"tcp_established\":86400"));
	assert_non_null(strstr(reply, "\"generic_new\":30"));
	rte_pktmbuf_free(m);
}

/* The "next" cursor of the last reply (0: the last page). */
static unsigned long long
reply_next(void)
{
	const char *p = strstr(reply, "\"next\":");

	assert_non_null(p);
	return strtoull(p + strlen("\"next\":"), NULL, 10);
}

static void
establish_n(unsigned int first, unsigned int n)
{
	unsigned int i;
	char a[32];

	for (i = first; i < first + n; i++) {
		struct rte_mbuf *m;

		snprintf(a, sizeof(a), "10.0.%u.%u", (i >> 8) & 0xff,
		    (i & 0xff) + 1);
		m = test_pkt_udp4(a, 1000, "192.0.2.1", 53);
		m->port = 2;
		assert_non_null(test_ct_establish(test_ct, m, NPFCT_DIR_OUT,
		    i == 0));
		rte_pktmbuf_free(m);
	}
}

static void
test_telemetry_conns_pages(void **state)
{
	unsigned long long next;
	char cmd[64];

	(void)state;
	establish_n(0, 100);
	test_ct_advance(test_ct, 5);
	tel_query("/npfct/conns,t0");
	assert_non_null(strstr(reply, "\"total\":100"));
	assert_non_null(strstr(reply, "\"c63\":["));
	assert_null(strstr(reply, "\"c64\""));
	assert_non_null(strstr(reply,
	    "\"c0\":[\"udp\",\"10.0.0.1:1000 -> 192.0.2.1:53\","
	    "\"192.0.2.1:53 -> 10.0.0.1:1000\",\"new\",\"idle=5\","
	    "\"left=25\",\"if=2\",\"-\",\"out,active\",\"zone=0\"]"));
	next = reply_next();
	assert_true(next != 0);
	snprintf(cmd, sizeof(cmd), "/npfct/conns,t0,%llu", next);
	tel_query(cmd);
	assert_non_null(strstr(reply, "\"c35\":["));
	assert_null(strstr(reply, "\"c36\""));
	/* The second connection of this page is the 66th made. */
	assert_non_null(strstr(reply, "\"c1\":[\"udp\",\"10.0.0.66:1000"));
	assert_int_equal(reply_next(), 0);
	/* A cursor is used once. */
	assert_non_null(strstr(tel_query(cmd), "\"/npfct/conns\":null"));
	/* Page 0 is the head, as no cursor. */
	tel_query("/npfct/conns,t0,0");
	assert_non_null(strstr(reply, "\"c0\":[\"udp\",\"10.0.0.1:1000"));
}

/*
 * A cursor survives the G/C: connections removed since the last page
 * are not listed, the rest are, each once.
 */
static void
test_telemetry_conns_cursor_gc(void **state)
{
	unsigned long long next;
	unsigned int pages = 0, seen = 0;
	char cmd[64];
	const char *p;

	(void)state;
	establish_n(0, 200);
	tel_query("/npfct/conns,t0");
	next = reply_next();
	assert_true(next != 0);
	/* Expire all, make 20 more, and G/C: the cursor's connection goes. */
	test_ct_advance(test_ct, 31);
	establish_n(1000, 20);
	assert_int_equal(npfct_gc_sync(test_ct), 200);
	for (; next != 0; pages++) {
		snprintf(cmd, sizeof(cmd), "/npfct/conns,t0,%llu", next);
		tel_query(cmd);
		assert_non_null(strstr(reply, "\"total\":20"));
		for (p = reply; (p = strstr(p, "[\"udp\"")) != NULL; p++)
			seen++;
		next = reply_next();
		assert_true(pages < 10);
	}
	assert_int_equal(seen, 20);
}

/* A stamp newer than the listing's clock shows as idle 0, not 2^32 - 1. */
static void
test_telemetry_conns_idle_newer_stamp(void **state)
{
	(void)state;
	establish_n(0, 1);
	npfct_clock_set(test_ct, npfct_clock_now(test_ct) - 1000000000ull);
	tel_query("/npfct/conns,t0");
	assert_non_null(strstr(reply, "\"idle=0\""));
	assert_null(strstr(reply, "idle=4294967295"));
}

/* More listings than cursors: the least recently used one expires. */
static void
test_telemetry_conns_cursor_expires(void **state)
{
	unsigned long long first, next;
	unsigned int i;
	char cmd[64];

	(void)state;
	establish_n(0, 100);
	tel_query("/npfct/conns,t0");
	first = reply_next();
	for (i = 0; i < 8; i++) {
		tel_query("/npfct/conns,t0");
		next = reply_next();
		assert_true(next != 0 && next != first);
	}
	snprintf(cmd, sizeof(cmd), "/npfct/conns,t0,%llu", first);
	assert_non_null(strstr(tel_query(cmd), "\"/npfct/conns\":null"));
	snprintf(cmd, sizeof(cmd), "/npfct/conns,t0,%llu", next);
	assert_null(strstr(tel_query(cmd), "\"/npfct/conns\":null"));
	/* Nonsense cursors. */
	assert_non_null(strstr(tel_query("/npfct/conns,t0,-1"),
	    "\"/npfct/conns\":null"));
	assert_non_null(strstr(tel_query(
	    "/npfct/conns,t0,99999999999999999999999"),
	    "\"/npfct/conns\":null"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)

/* The connection entries ("cN":[...]) of the last reply. */
static unsigned int
reply_entries(void)
{
	unsigned int n = 0;
	const char *p;

	for (p = strstr(reply, "\"c"); p != NULL; p = strstr(p + 1, "\"c"))
		if (p[2] >= '0' && p[2] <= '9')
			n++;
	return n;
}

/*
 * Connections whose keys are the longest IPv6 text: a page of 64 would
 * pass rte_telemetry's 16 KiB buffer, which drops what does not fit; the
 * pages get shorter and every connection is listed once.
 */
static void
test_telemetry_conns_long_keys(void **state)
{
	unsigned int i, listed = 0, pages = 0;
	unsigned long long next = 0;
	char src[64], cmd[64];

	(void)state;
	for (i = 0; i < 70; i++) {
		struct test_pkt_spec syn = {
			.af = AF_INET6, .proto = IPPROTO_TCP, .src = src,
			.dst = "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe",
			.sport = (uint16_t)(65535 - i), .dport = 65535,
			.tcp_flags = NPFCT_TH_SYN, .seq = 1, .win = 1000,
			.wscale = -1,
		};
		struct rte_mbuf *m;

		snprintf(src, sizeof(src), "2001:db8:eeee:eeee:eeee:eeee:"
		    "eeee:%x", 0xe000 + i);
		m = test_pkt_build(&syn);
		assert_non_null(test_ct_establish(test_ct, m, NPFCT_DIR_OUT,
		    false));
		rte_pktmbuf_free(m);
	}
	do {
		snprintf(cmd, sizeof(cmd), "/npfct/conns,t0,%llu", next);
		tel_query(cmd);
		assert_true(strlen(reply) < 16384);
		assert_non_null(strstr(reply, "\"next\":"));
		listed += reply_entries();
		next = reply_next();
		pages++;
	} while (next != 0 && pages < 10);
	assert_int_equal(listed, 70);
	assert_true(pages >= 2);
}

/* A UDP connection from 10.0.0.1:sport in a zone (set after parsing). */
static void
establish_zoned(uint16_t zone, uint16_t sport)
{
	struct rte_mbuf *m = test_pkt_udp4("10.0.0.1", sport, "192.0.2.1",
	    53);
	struct npfct_conn *con;
	struct npfct_pkt pkt;

	npfct_pkt_parse(&pkt, m);
	pkt.zone = zone;
	con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	npfct_conn_release(con);
	rte_pktmbuf_free(m);
}

/* /npfct/zones: zones in use or limited, in pages; the listing's zone. */
static void
test_telemetry_zones(void **state)
{
	unsigned int z;
	char cmd[64];

	(void)state;
	establish_zoned(3, 1);
	establish_zoned(3, 2);
	establish_zoned(65535, 1);
	assert_int_equal(npfct_zone_limit_set(test_ct, 7, 5), 0);
	assert_int_equal(npfct_zone_limit_set(test_ct, NPFCT_ZONE_DEFAULT,
	    100), 0);
	tel_query("/npfct/zones,t0");
	assert_non_null(strstr(reply, "\"default_limit\":100"));
	assert_non_null(strstr(reply, "\"z3\":[2,0]"));
	assert_non_null(strstr(reply, "\"z7\":[0,5]"));
	assert_non_null(strstr(reply, "\"z65535\":[1,0]"));
	assert_null(strstr(reply, "\"z0\""));
	assert_int_equal(reply_next(), 0);
	tel_query("/npfct/conns,t0");
	assert_non_null(strstr(reply, "\"zone=3\""));
	assert_non_null(strstr(reply, "\"zone=65535\""));

	/* 200 zones limited: two pages. */
	for (z = 1000; z < 1200; z++)
		assert_int_equal(npfct_zone_limit_set(test_ct, (int)z, 1), 0);
	tel_query("/npfct/zones,t0,8");
	assert_non_null(strstr(reply, "\"z1000\":[0,1]"));
	assert_non_null(strstr(reply, "\"z1127\":[0,1]"));
	assert_null(strstr(reply, "\"z1128\""));
	assert_null(strstr(reply, "\"z7\""));
	assert_int_equal(reply_next(), 1128);
	snprintf(cmd, sizeof(cmd), "/npfct/zones,t0,%llu", reply_next());
	tel_query(cmd);
	assert_non_null(strstr(reply, "\"z1128\":[0,1]"));
	assert_non_null(strstr(reply, "\"z1199\":[0,1]"));
	assert_non_null(strstr(reply, "\"z65535\":[1,0]"));
	assert_int_equal(reply_next(), 0);
	assert_non_null(strstr(tel_query("/npfct/zones,t0,65536"),
	    "\"/npfct/zones\":null"));
}

/* /npfct/events: the subscription and each ring's counters. */
static void
test_telemetry_events(void **state)
{
	struct npfct_params p = {
		.name = "evt", .socket_id = SOCKET_ID_ANY, .max_conns = 64,
		.event_ring_size = 2,
	};
	struct npfct *ct = npfct_create(&p);
	struct rte_mbuf *m;
	unsigned int i;
	char want[64];

	(void)state;
	assert_non_null(ct);
	/* No rings: the reply has the subscription only. */
	tel_query("/npfct/events,t0");
	assert_non_null(strstr(reply, "\"subscribed\":0"));
	assert_null(strstr(reply, "\"gc\""));
	for (i = 0; i < 3; i++) {
		m = test_pkt_udp4("10.0.0.1", (uint16_t)(100 + i), "10.0.0.2",
		    53);
		assert_non_null(test_ct_establish(ct, m, NPFCT_DIR_OUT,
		    false));
		rte_pktmbuf_free(m);
	}
	tel_query("/npfct/events,evt");
	assert_non_null(strstr(reply, "\"subscribed\":29"));
	assert_non_null(strstr(reply, "\"ring_size\":2"));
	/* This lcore's ring: 2 queued, 1 dropped, none limited, 2 pending. */
	snprintf(want, sizeof(want), "\"l%u\":[2,1,0,2]", rte_lcore_id());
	assert_non_null(strstr(reply, want));
	assert_non_null(strstr(reply, "\"gc\":[0,0,0,0]"));
	assert_non_null(strstr(reply, "\"shared\":[0,0,0,0]"));
	tel_query("/npfct/stats,evt");
	assert_non_null(strstr(reply, "\"event_drop\":1"));
	npfct_destroy(ct);
}

/* Establish an outbound UDP connection and translate it. */
static void
nat_udp(const char *src, uint16_t sport, const char *dst)
{
	struct rte_mbuf *m = test_pkt_udp4(src, sport, dst, 53);
	struct npfct_conn *con;
	struct npfct_pkt pkt;

	assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
	con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	assert_int_equal(npfct_nat_establish(test_ct, &pkt, con,
	    NPFCT_DIR_OUT), 1);
	npfct_conn_release(con);
	rte_pktmbuf_free(m);
}

/*
 * /npfct/nat lists the policies with their connection counts,
 * /npfct/nat_pool the connections per pool address (paired pooling puts
 * each inside host on one address); the listing names the policy.
 */
static void
test_telemetry_nat(void **state)
{
	struct npfct_nat_policy_conf c;
	char want[96];
	unsigned int i, sum = 0;
	const char *p;
	int id;

	(void)state;
	assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 -> "
	    "198.51.100.1-198.51.100.4 port 2000-2999", &c, NULL, 0), 0);
	id = npfct_nat_policy_add(test_ct, &c);
	assert_int_equal(id, 0);
	assert_int_equal(npfct_nat_policy_parse("dynamic proto tcp 10.1.1.1 "
	    "port 80 <- 198.51.100.9 port 8080", &c, NULL, 0), 0);
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), 1);
	/* Host .1: 3 connections, host .2: 2, on their paired addresses. */
	for (i = 0; i < 3; i++)
		nat_udp("10.0.0.1", (uint16_t)(3000 + i), "192.0.2.1");
	for (i = 0; i < 2; i++)
		nat_udp("10.0.0.2", (uint16_t)(3000 + i), "192.0.2.1");

	tel_query("/npfct/nat,t0");
	assert_non_null(strstr(reply, "\"policies\":2"));
	assert_non_null(strstr(reply, "\"0\":[\"snat\",\"zone=0\",\"proto=0\","
	    "\"match=10.0.0.0/8\",\"pool=198.51.100.1-198.51.100.4\","
	    "\"ports=2000-2999\",\"conns=5\"]"));
	assert_non_null(strstr(reply, "\"1\":[\"dnat\",\"zone=0\",\"proto=6\","
	    "\"match=198.51.100.9/32\",\"to=10.1.1.1\","
	    "\"ports=8080-8080>80\",\"conns=0\"]"));

	tel_query("/npfct/nat_pool,t0,0");
	assert_non_null(strstr(reply, "\"addresses\":4"));
	assert_non_null(strstr(reply, "\"ports_per_destination\":1000"));
	assert_non_null(strstr(reply, "\"conns\":5"));
	assert_non_null(strstr(reply, "\"truncated\":0"));
	/* Per address: 3 and 2 (or 5 if both hosts pair with one). */
	for (i = 1; i <= 4; i++) {
		snprintf(want, sizeof(want), "\"198_51_100_%u\":", i);
		p = strstr(reply, want);
		if (p != NULL)
			sum += (unsigned int)strtoul(p + strlen(want), NULL,
			    10);
	}
	assert_int_equal(sum, 5);
	/* Not a source NAT policy, no such policy. */
	assert_non_null(strstr(tel_query("/npfct/nat_pool,t0,1"),
	    "\"/npfct/nat_pool\":null"));
	assert_non_null(strstr(tel_query("/npfct/nat_pool,t0,7"),
	    "\"/npfct/nat_pool\":null"));
	/* The connection listing names the policy. */
	tel_query("/npfct/conns,t0");
	assert_non_null(strstr(reply, "\"snat#0\""));
	/* A port block policy (zone 1: no connection) says its blocks. */
	assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 -> "
	    "198.51.100.5 port 2000-2999", &c, NULL, 0), 0);
	c.zone = 1;
	c.flags = NPFCT_NATF_PORT_BLOCK;
	c.block_size = 100;
	c.blocks_max = 2;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), 2);
	tel_query("/npfct/nat,t0");
	assert_non_null(strstr(reply, "\"conns=0\",\"blocks=0 block=100 "
	    "max=2\"]"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_telemetry_bad_params),
		T(test_telemetry_events),
		T(test_telemetry_list_info_stats),
		T(test_telemetry_conns_pages),
		T(test_telemetry_conns_cursor_gc),
		T(test_telemetry_conns_cursor_expires),
		T(test_telemetry_conns_idle_newer_stamp),
		T(test_telemetry_zones),
		T(test_telemetry_conns_long_keys),
		T(test_telemetry_nat),
	};

	return cmocka_run_group_tests_name("telemetry", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
