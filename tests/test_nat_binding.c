/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Unit tests of a source NAT policy's bindings (src/nat_binding.c) on the
 * real EAL.  Endpoint-independent mapping (nat_eim.c): one outside port
 * per inside endpoint for every destination and never another
 * endpoint's; the binding lives while connections use it, is held
 * hold_ms after the last one (only its owner gets it back meanwhile) and
 * is then freed; the binding limit refuses new endpoints; ICMP ids.
 * Port blocks (nat_block.c): an inside address's connections of every
 * protocol take ports from its block only, another address gets another
 * block, a busy block brings a second one up to blocks_max, then the
 * connection is refused; events for a block made and given back; the
 * hold; the limit.  Import takes the bindings again and refuses a clash.
 * Two lcores opening and closing connections of the same parties while
 * the G/C runs, for both kinds (ASan proves the reclamation), every
 * binding gone at the end.
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

#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

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

static int
eim_policy(struct npfct *ct, uint32_t hold_ms, uint32_t bindings_max)
{
	struct npfct_nat_policy_conf c;
	int id;

	assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 -> "
	    OUTSIDE " port 5000-5999", &c, NULL, 0), 0);
	c.flags = NPFCT_NATF_EIM;
	c.hold_ms = hold_ms;
	c.bindings_max = bindings_max;
	id = npfct_nat_policy_add(ct, &c);
	assert_true(id >= 0);
	return id;
}

/* Open a translated UDP (or ICMP echo) connection; its outside port. */
static int
open_udp(struct npfct *ct, uint8_t proto, const char *src, uint16_t sport,
		const char *dst, uint16_t *tport, struct npfct_conn **conp)
{
	struct test_pkt_spec s = {
		.af = AF_INET, .proto = proto, .src = src, .dst = dst,
		.sport = sport, .dport = 53, .wscale = -1, .payload_len = 8,
		.icmp_type = 8, .icmp_id = sport,
	};
	struct npfct_pkt pkt;
	struct rte_mbuf *m = test_pkt_build_parsed(&s, &pkt);
	struct npfct_conn *con;
	int ret;

	con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	ret = npfct_nat_establish(ct, &pkt, con, NPFCT_DIR_OUT);
	npfct_conn_release(con);
	if (ret == 1) {
		assert_int_equal(npfct_nat_translate(ct, &pkt, con,
		    NPFCT_DIR_OUT), 1);
		assert_int_equal(pkt.src.v4, inet_addr(OUTSIDE));
		*tport = ntohs(pkt.sport);
	}
	if (conp != NULL)
		*conp = ret == 1 ? con : NULL;
	rte_pktmbuf_free(m);
	return ret;
}

/* End connections: expire and collect them (the bindings' release). */
static void
close_conn(struct npfct *ct, struct npfct_conn *con)
{
	npfct_conn_expire(con);
	npfct_gc_sync(ct);
}

static void
advance_ms(struct npfct *ct, uint64_t ms)
{
	npfct_clock_set(ct, npfct_clock_now(ct) + ms * 1000000ull);
}

static const struct npfct_nat_policy *
policy0(struct npfct *ct)
{
	return __atomic_load_n(&ct->ct_nat->nat_table, __ATOMIC_ACQUIRE)->
	    nt_p[0];
}

/*
 * One endpoint, three destinations: one outside port.  Another endpoint
 * with the same source port, to another destination, gets another port
 * (endpoint-dependent NAT would have reused it), and keeps its own for
 * its next destination.
 */
static void
test_eim_same_mapping(void **state)
{
	uint16_t p1, p2, p3, q1, q2;

	(void)state;
	eim_policy(test_ct, 0, 0);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5100,
	    "192.0.2.1", &p1, NULL), 1);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5100,
	    "192.0.2.2", &p2, NULL), 1);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5100,
	    "192.0.2.3", &p3, NULL), 1);
	assert_int_equal(p1, 5100);
	assert_int_equal(p2, 5100);
	assert_int_equal(p3, 5100);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.2", 5100,
	    "192.0.2.9", &q1, NULL), 1);
	assert_int_not_equal(q1, 5100);
	assert_true(q1 >= 5000 && q1 <= 5999);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.2", 5100,
	    "192.0.2.1", &q2, NULL), 1);
	assert_int_equal(q2, q1);
	assert_int_equal(npfct_nat_bindings_count(policy0(test_ct)), 2);
	/* ICMP ids: the same rule, their own key space. */
	assert_int_equal(open_udp(test_ct, IPPROTO_ICMP, "10.0.0.1", 5100,
	    "192.0.2.1", &p1, NULL), 1);
	assert_int_equal(open_udp(test_ct, IPPROTO_ICMP, "10.0.0.1", 5100,
	    "192.0.2.2", &p2, NULL), 1);
	assert_int_equal(p1, p2);
	assert_int_equal(npfct_nat_bindings_count(policy0(test_ct)), 3);
}

/*
 * The binding outlives a connection while another uses it; after the
 * last one it is held: another endpoint cannot get the port, its owner
 * can; when the hold is over the port goes to whoever asks.
 */
static void
test_eim_hold(void **state)
{
	const struct npfct_nat_policy *p;
	struct npfct_conn *c1, *c2, *c3;
	uint16_t port, other;

	(void)state;
	eim_policy(test_ct, 120000, 0);
	p = policy0(test_ct);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5200,
	    "192.0.2.1", &port, &c1), 1);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5200,
	    "192.0.2.2", &port, &c2), 1);
	assert_int_equal(port, 5200);
	close_conn(test_ct, c1);
	assert_int_equal(npfct_nat_bindings_count(p), 1);
	close_conn(test_ct, c2);
	/* Held: still there, with no connection. */
	assert_int_equal(npfct_nat_bindings_count(p), 1);
	advance_ms(test_ct, 60000);
	npfct_gc_sync(test_ct);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.3", 5200,
	    "192.0.2.1", &other, &c3), 1);
	assert_int_not_equal(other, 5200);
	close_conn(test_ct, c3);
	/* Its owner takes it again. */
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5200,
	    "192.0.2.5", &port, &c1), 1);
	assert_int_equal(port, 5200);
	close_conn(test_ct, c1);
	/* The hold is over (counted from the last close): the next endpoint
	 * gets the port; the G/C frees the bindings after a grace period. */
	advance_ms(test_ct, 120001);
	npfct_gc_sync(test_ct);
	npfct_gc_sync(test_ct);
	assert_int_equal(npfct_nat_bindings_count(p), 0);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.4", 5200,
	    "192.0.2.1", &port, NULL), 1);
	assert_int_equal(port, 5200);
}

/* Without a hold the binding goes with its last connection. */
static void
test_eim_no_hold(void **state)
{
	struct npfct_conn *c;
	uint16_t port;

	(void)state;
	eim_policy(test_ct, 0, 0);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5300,
	    "192.0.2.1", &port, &c), 1);
	close_conn(test_ct, c);
	npfct_gc_sync(test_ct);
	assert_int_equal(npfct_nat_bindings_count(policy0(test_ct)), 0);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.2", 5300,
	    "192.0.2.1", &port, NULL), 1);
	assert_int_equal(port, 5300);
}

/*
 * bindings_max bindings: a new endpoint past it is refused (exhausted,
 * counted); a known endpoint still opens connections.
 */
static void
test_eim_limit(void **state)
{
	char src[32];
	unsigned int i;
	uint16_t port;

	(void)state;
	eim_policy(test_ct, 0, 64);
	for (i = 0; i < 64; i++) {
		snprintf(src, sizeof(src), "10.0.1.%u", i + 1);
		assert_int_equal(open_udp(test_ct, IPPROTO_UDP, src, 6000,
		    "192.0.2.1", &port, NULL), 1);
	}
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.2.1", 6000,
	    "192.0.2.1", &port, NULL), -EADDRNOTAVAIL);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_NAT_EXHAUSTED), 1);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.1.1", 6000,
	    "192.0.2.2", &port, NULL), 1);
	/* Not EIM: hold and the limit are refused. */
	{
		struct npfct_nat_policy_conf c;

		assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 "
		    "-> " OUTSIDE, &c, NULL, 0), 0);
		c.hold_ms = 1;
		assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
		c.hold_ms = 0;
		c.flags = NPFCT_NATF_EIM;
		c.type = NPFCT_NAT_DNAT;
		assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	}
}

/* A port block policy: 1000 ports, blocks of block, on one address. */
static int
block_policy(struct npfct *ct, uint16_t block, uint16_t blocks_max,
		uint32_t hold_ms, uint32_t bindings_max)
{
	struct npfct_nat_policy_conf c;
	int id;

	assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 -> "
	    OUTSIDE " port 5000-5999", &c, NULL, 0), 0);
	c.flags = NPFCT_NATF_PORT_BLOCK;
	c.block_size = block;
	c.blocks_max = blocks_max;
	c.hold_ms = hold_ms;
	c.bindings_max = bindings_max;
	id = npfct_nat_policy_add(ct, &c);
	assert_true(id >= 0);
	return id;
}

/* An instance with an event ring (the block events). */
static struct npfct *
ev_ct_create(const char *name)
{
	struct npfct_params p = {
		.name = name, .socket_id = SOCKET_ID_ANY,
		.max_conns = TEST_CT_MAX, .flags = NPFCT_F_FIXED_HASH_SEED,
		.event_ring_size = 256,
	};
	struct npfct *ct = npfct_create(&p);

	assert_non_null(ct);
	npfct_clock_manual(ct, TEST_CT_T0 * 1000000000ull);
	return ct;
}

/* The port block events polled: how many, the last in *last. */
static unsigned int
block_events(struct npfct *ct, unsigned int reason, struct npfct_event *last)
{
	struct npfct_event ev[64];
	unsigned int i, n, k = 0;

	n = npfct_events_poll(ct, ev, RTE_DIM(ev));
	for (i = 0; i < n; i++) {
		if (ev[i].type != NPFCT_EVENT_PORT_BLOCK ||
		    ev[i].reason != reason)
			continue;
		k++;
		if (last != NULL)
			*last = ev[i];
	}
	return k;
}

/*
 * One inside address: UDP to many destinations, TCP-less ICMP echoes
 * (ids) and UDP again all take ports of one block of 100, announced by
 * one event naming the address and the block; another address gets
 * another block, disjoint.
 */
static void
test_block_one_host(void **state)
{
	struct npfct *ct = ev_ct_create("blk1");
	struct npfct_event e;
	char dst[32];
	uint16_t port, lo, hi;
	unsigned int i;

	(void)state;
	block_policy(ct, 100, 1, 0, 0);
	for (i = 0; i < 20; i++) {
		snprintf(dst, sizeof(dst), "192.0.2.%u", i + 1);
		assert_int_equal(open_udp(ct, i % 2 ? IPPROTO_ICMP :
		    IPPROTO_UDP, "10.0.0.1", (uint16_t)(7000 + i), dst, &port,
		    NULL), 1);
		if (i == 0) {
			assert_int_equal(block_events(ct, NPFCT_EVENT_R_NONE,
			    &e), 1);
			lo = ntohs(e.bsport);
			hi = ntohs(e.bdport);
			assert_int_equal(hi - lo + 1, 100);
			assert_int_equal((lo - 5000) % 100, 0);
			assert_int_equal(e.src.a32[0], inet_addr("10.0.0.1"));
			assert_int_equal(e.bsrc.a32[0], inet_addr(OUTSIDE));
			assert_int_equal(e.proto, 0);
		}
		assert_true(port >= lo && port <= hi);
	}
	/* No second event for the same block. */
	assert_int_equal(block_events(ct, NPFCT_EVENT_R_NONE, NULL), 0);
	assert_int_equal(npfct_nat_bindings_count(policy0(ct)), 1);
	/* Another host: another block. */
	assert_int_equal(open_udp(ct, IPPROTO_UDP, "10.0.0.2", 7000,
	    "192.0.2.1", &port, NULL), 1);
	assert_true(port < lo || port > hi);
	assert_int_equal(block_events(ct, NPFCT_EVENT_R_NONE, &e), 1);
	assert_true(port >= ntohs(e.bsport) && port <= ntohs(e.bdport));
	assert_int_equal(npfct_nat_bindings_count(policy0(ct)), 2);
	npfct_destroy(ct);
}

/*
 * Blocks of 8, two per host: one host's 8 connections to one server fill
 * its first block, the next 8 come from a second block, the 17th is
 * refused as exhausted (counted) although the pool has free blocks; to
 * another server its first block serves again.
 */
static void
test_block_second_and_exhausted(void **state)
{
	struct npfct *ct = ev_ct_create("blk2");
	struct npfct_event e;
	uint16_t port, lo[2];
	unsigned int i;

	(void)state;
	block_policy(ct, 8, 2, 0, 0);
	for (i = 0; i < 16; i++) {
		assert_int_equal(open_udp(ct, IPPROTO_UDP, "10.0.0.1",
		    (uint16_t)(7000 + i), "192.0.2.1", &port, NULL), 1);
		if (i == 0 || i == 8) {
			assert_int_equal(block_events(ct, NPFCT_EVENT_R_NONE,
			    &e), 1);
			lo[i / 8] = ntohs(e.bsport);
		}
		assert_true(port >= lo[i / 8] && port < lo[i / 8] + 8);
	}
	assert_int_not_equal(lo[0], lo[1]);
	assert_int_equal(open_udp(ct, IPPROTO_UDP, "10.0.0.1", 7100,
	    "192.0.2.1", &port, NULL), -EADDRNOTAVAIL);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_NAT_EXHAUSTED), 1);
	assert_int_equal(open_udp(ct, IPPROTO_UDP, "10.0.0.1", 7101,
	    "192.0.2.2", &port, NULL), 1);
	assert_true(port >= lo[0] && port < lo[0] + 8);
	assert_int_equal(npfct_nat_bindings_count(policy0(ct)), 2);
	npfct_destroy(ct);
}

/*
 * Hold: blocks of 500 (two on the address).  Host A's block is held
 * after its connection ends: host B gets the other block, host C is
 * refused (every block taken or held), A gets its own back.  When the
 * hold is over the block is given back (event EXPIRED, same cookie) and
 * C gets it.
 */
static void
test_block_hold(void **state)
{
	struct npfct *ct = ev_ct_create("blk3");
	struct npfct_conn *con;
	struct npfct_event made, gone;
	uint16_t pa, pb, port;

	(void)state;
	block_policy(ct, 500, 1, 60000, 0);
	assert_int_equal(open_udp(ct, IPPROTO_UDP, "10.0.0.1", 7000,
	    "192.0.2.1", &pa, &con), 1);
	assert_int_equal(block_events(ct, NPFCT_EVENT_R_NONE, &made), 1);
	close_conn(ct, con);
	assert_int_equal(npfct_nat_bindings_count(policy0(ct)), 1);
	assert_int_equal(open_udp(ct, IPPROTO_UDP, "10.0.0.2", 7000,
	    "192.0.2.1", &pb, NULL), 1);
	assert_true((pa < 5500) != (pb < 5500));
	assert_int_equal(open_udp(ct, IPPROTO_UDP, "10.0.0.3", 7000,
	    "192.0.2.1", &port, NULL), -EADDRNOTAVAIL);
	assert_int_equal(open_udp(ct, IPPROTO_UDP, "10.0.0.1", 7001,
	    "192.0.2.1", &port, &con), 1);
	assert_true((port < 5500) == (pa < 5500));
	close_conn(ct, con);
	advance_ms(ct, 59000);
	npfct_gc_sync(ct);
	assert_int_equal(block_events(ct, NPFCT_EVENT_R_EXPIRED, NULL), 0);
	advance_ms(ct, 2000);
	npfct_gc_sync(ct);
	npfct_gc_sync(ct);
	assert_int_equal(block_events(ct, NPFCT_EVENT_R_EXPIRED, &gone), 1);
	assert_int_equal(gone.cookie, made.cookie);
	assert_int_equal(gone.bsport, made.bsport);
	assert_int_equal(npfct_nat_bindings_count(policy0(ct)), 1);
	assert_int_equal(open_udp(ct, IPPROTO_UDP, "10.0.0.3", 7000,
	    "192.0.2.1", &port, NULL), 1);
	assert_true((port < 5500) == (pa < 5500));
	npfct_destroy(ct);
}

/*
 * bindings_max blocks at once: a new host past it is refused; bad block
 * configurations are refused.
 */
static void
test_block_limit_and_params(void **state)
{
	struct npfct_nat_policy_conf c;
	char src[32];
	unsigned int i;
	uint16_t port;

	(void)state;
	block_policy(test_ct, 10, 1, 0, 64);
	for (i = 0; i < 64; i++) {
		snprintf(src, sizeof(src), "10.0.1.%u", i + 1);
		assert_int_equal(open_udp(test_ct, IPPROTO_UDP, src, 6000,
		    "192.0.2.1", &port, NULL), 1);
	}
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.2.1", 6000,
	    "192.0.2.1", &port, NULL), -EADDRNOTAVAIL);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_NAT_EXHAUSTED), 1);

	assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 -> "
	    OUTSIDE " port 5000-5999", &c, NULL, 0), 0);
	c.block_size = 100;	/* without the flag */
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.flags = NPFCT_NATF_PORT_BLOCK;
	c.block_size = 0;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.block_size = 1001;	/* longer than the range */
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.block_size = 1000;
	c.flags |= NPFCT_NATF_EIM;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
	c.flags = NPFCT_NATF_PORT_BLOCK;
	c.type = NPFCT_NAT_DNAT;
	assert_int_equal(npfct_nat_policy_add(test_ct, &c), -EINVAL);
}

/* Export the instance's connections into buf; the length. */
static size_t
export_all(struct npfct *ct, uint8_t *buf, size_t len)
{
	ssize_t n = npfct_export(ct, buf, len);

	assert_true(n > 0);
	return (size_t)n;
}

/*
 * Import takes the bindings again: on a fresh instance with the same EIM
 * policy the endpoint keeps its outside port for a new destination, and
 * another endpoint cannot get it; where another endpoint already holds
 * that port the import is refused (-EADDRINUSE, counted), nothing of it
 * stays.  The same for a port block: the host's next connection comes
 * from the imported block; a port past the importer's last whole block
 * is not explained (unattached, no block).
 */
static void
test_binding_import(void **state)
{
	struct npfct *b = test_ct_create("nbb", TEST_CT_MAX);
	struct npfct *c = test_ct_create("nbc", TEST_CT_MAX);
	struct npfct *d = test_ct_create("nbd", TEST_CT_MAX);
	struct npfct *e = test_ct_create("nbe", TEST_CT_MAX);
	struct npfct *f = test_ct_create("nbf", TEST_CT_MAX);
	uint8_t buf[8192], buf2[8192];
	size_t len2;
	uint16_t p1, port;
	unsigned int i;
	char src[32];
	size_t len;

	(void)state;
	eim_policy(test_ct, 0, 0);
	assert_int_equal(open_udp(test_ct, IPPROTO_UDP, "10.0.0.1", 5100,
	    "192.0.2.1", &p1, NULL), 1);
	len = export_all(test_ct, buf, sizeof(buf));

	eim_policy(b, 0, 0);
	assert_int_equal(npfct_import(b, NULL, buf, len, NULL), 1);
	assert_int_equal(npfct_nat_bindings_count(policy0(b)), 1);
	assert_int_equal(open_udp(b, IPPROTO_UDP, "10.0.0.1", 5100,
	    "192.0.2.9", &port, NULL), 1);
	assert_int_equal(port, p1);
	/* Another endpoint asking for the port (its own source) misses. */
	assert_int_equal(open_udp(b, IPPROTO_UDP, "10.0.0.2", p1,
	    "192.0.2.9", &port, NULL), 1);
	assert_int_not_equal(port, p1);

	/* c: another endpoint holds the port already. */
	eim_policy(c, 0, 0);
	assert_int_equal(open_udp(c, IPPROTO_UDP, "10.0.0.7", p1,
	    "192.0.2.5", &port, NULL), 1);
	assert_int_equal(port, p1);
	assert_int_equal(npfct_import(c, NULL, buf, len, NULL), -EADDRINUSE);
	assert_int_equal(test_ct_stat(c, NPFCT_STAT_NAT_IMPORT_CLASH), 1);
	npfct_gc_sync(c);
	assert_int_equal(npfct_count(c), 1);
	assert_int_equal(npfct_nat_bindings_count(policy0(c)), 1);

	/* Port blocks. */
	npfct_flush(test_ct);
	npfct_gc_sync(test_ct);
	npfct_destroy(b);
	b = test_ct_create("nbb2", TEST_CT_MAX);
	block_policy(b, 100, 1, 0, 0);
	assert_int_equal(open_udp(b, IPPROTO_UDP, "10.0.0.1", 5100,
	    "192.0.2.1", &p1, NULL), 1);
	len = export_all(b, buf, sizeof(buf));
	block_policy(d, 100, 1, 0, 0);
	assert_int_equal(npfct_import(d, NULL, buf, len, NULL), 1);
	assert_int_equal(npfct_nat_bindings_count(policy0(d)), 1);
	assert_int_equal(open_udp(d, IPPROTO_UDP, "10.0.0.1", 6000,
	    "192.0.2.1", &port, NULL), 1);
	assert_int_equal((port - 5000) / 100, (p1 - 5000) / 100);
	/* f: the port lies in f's range but past its last whole block. */
	block_policy(f, 1000, 1, 0, 0);	/* one block: the port kept */
	assert_int_equal(open_udp(f, IPPROTO_UDP, "10.0.0.3", 5100,
	    "192.0.2.1", &port, NULL), 1);
	assert_int_equal(port, 5100);
	len2 = export_all(f, buf2, sizeof(buf2));
	npfct_destroy(f);
	f = test_ct_create("nbf2", TEST_CT_MAX);
	{
		struct npfct_nat_policy_conf pc;

		assert_int_equal(npfct_nat_policy_parse("dynamic 10.0.0.0/8 "
		    "-> " OUTSIDE " port 5000-5100 port-block 100", &pc, NULL,
		    0), 0);
		assert_true(npfct_nat_policy_add(f, &pc) >= 0);
	}
	assert_int_equal(npfct_import(f, NULL, buf2, len2, NULL), 1);
	assert_int_equal(test_ct_stat(f, NPFCT_STAT_NAT_IMPORT_UNATTACHED),
	    1);
	assert_int_equal(npfct_nat_bindings_count(policy0(f)), 0);
	npfct_destroy(f);

	/*
	 * e: ten other hosts have the pool's ten blocks.  They talk to
	 * another server, so that none of their connections can have the
	 * imported one's translated key (a random port of its block): the
	 * refusal is the block's, not the table's -EEXIST.
	 */
	block_policy(e, 100, 1, 0, 0);
	for (i = 0; i < 10; i++) {
		snprintf(src, sizeof(src), "10.0.0.%u", i + 10);
		assert_int_equal(open_udp(e, IPPROTO_UDP, src, 7000,
		    "192.0.2.2", &port, NULL), 1);
	}
	assert_int_equal(npfct_import(e, NULL, buf, len, NULL), -EADDRINUSE);
	assert_int_equal(test_ct_stat(e, NPFCT_STAT_NAT_IMPORT_CLASH), 1);
	npfct_gc_sync(e);
	assert_int_equal(npfct_count(e), 10);
	assert_int_equal(npfct_nat_bindings_count(policy0(e)), 10);
	npfct_destroy(e);
	npfct_destroy(d);
	npfct_destroy(c);
	npfct_destroy(b);
}

/* Two lcores share 16 endpoints while the main lcore collects. */
#define STRESS_ROUNDS	20000
static volatile int stress_stop;

/*
 * open_quiet: open_udp() without cmocka's asserts (a worker lcore must
 * not fail the test from its thread): 1 translated, else not.
 */
static int
open_quiet(struct npfct *ct, const char *src, const char *dst,
		struct npfct_conn **conp)
{
	struct rte_mbuf *m = test_pkt_udp4(src, 7000, dst, 53);
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	int ret = 0;

	*conp = NULL;
	if (m == NULL)
		return 0;
	if (npfct_pkt_parse(&pkt, m) == 0 &&
	    (con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT,
	    false)) != NULL) {
		ret = npfct_nat_establish(ct, &pkt, con, NPFCT_DIR_OUT);
		npfct_conn_release(con);
		if (ret == 1 && npfct_nat_translate(ct, &pkt, con,
		    NPFCT_DIR_OUT) == 1 && pkt.src.v4 == inet_addr(OUTSIDE))
			*conp = con;
		else if (ret == 1)
			ret = -1;	/* wrong translation */
	}
	rte_pktmbuf_free(m);
	return ret;
}

static int
stress_worker(void *arg)
{
	const unsigned int seed = (unsigned int)(uintptr_t)arg;
	struct npfct_conn *c;
	char src[32], dst[32];
	unsigned int i, ok = 0, bad = 0;
	int ret;

	npfct_thread_register();
	srand(seed);
	for (i = 0; i < STRESS_ROUNDS && !stress_stop; i++) {
		snprintf(src, sizeof(src), "10.0.3.%u", rand() % 16 + 1);
		snprintf(dst, sizeof(dst), "192.0.%u.%u", rand() % 4,
		    rand() % 250 + 1);
		ret = open_quiet(test_ct, src, dst, &c);
		if (ret == 1) {
			ok++;
			if (rand() % 2)
				npfct_conn_expire(c);
		} else if (ret == -1) {
			bad++;
		}
		npfct_quiescent();
	}
	npfct_thread_unregister();
	return ok > 0 && bad == 0 ? 0 : -1;
}

/* Run the workers against test_ct's policy 0; all gone at the end. */
static void
stress_run(void)
{
	unsigned int lc[2], i;
	uint64_t t;

	npfct_gc_sync(test_ct);
	lc[0] = rte_get_next_lcore(-1, 1, 0);
	lc[1] = rte_get_next_lcore(lc[0], 1, 0);
	stress_stop = 0;
	for (i = 0; i < 2; i++)
		assert_int_equal(rte_eal_remote_launch(stress_worker,
		    (void *)(uintptr_t)(i + 1), lc[i]), 0);
	for (t = 0; rte_eal_get_lcore_state(lc[0]) != WAIT ||
	    rte_eal_get_lcore_state(lc[1]) != WAIT; t++) {
		npfct_thread_offline();
		npfct_thread_online();
		/* The G/C on this lcore: it collects and frees bindings
		 * (the holds pass: 1 ms a round, relaxed store). */
		advance_ms(test_ct, 1);
		npfct_gc_sync(test_ct);
		npfct_flush(test_ct);
		if (t > 200000)
			stress_stop = 1;
	}
	npfct_thread_offline();
	for (i = 0; i < 2; i++)
		assert_int_equal(rte_eal_wait_lcore(lc[i]), 0);
	npfct_thread_online();
	npfct_flush(test_ct);
	npfct_gc_sync(test_ct);
	advance_ms(test_ct, 1000);
	npfct_gc_sync(test_ct);
	npfct_gc_sync(test_ct);
	assert_int_equal(npfct_count(test_ct), 0);
	assert_int_equal(npfct_nat_bindings_count(policy0(test_ct)), 0);
}

static void
test_eim_stress(void **state)
{
	(void)state;
	eim_policy(test_ct, 0, 0);
	stress_run();
}

/* Blocks of 16, two per host: 16 hosts' connections take and give back
 * blocks (60 blocks for up to 32 wanted), with a hold of 1 ms. */
static void
test_block_stress(void **state)
{
	(void)state;
	block_policy(test_ct, 16, 2, 1, 0);
	stress_run();
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)
	const struct CMUnitTest tests[] = {
		T(test_eim_same_mapping),
		T(test_eim_hold),
		T(test_eim_no_hold),
		T(test_eim_limit),
		T(test_eim_stress),
		T(test_block_one_host),
		T(test_block_second_and_exhausted),
		T(test_block_hold),
		T(test_block_limit_and_params),
		T(test_binding_import),
		T(test_block_stress),
	};

	return cmocka_run_group_tests_name("nat_binding", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
