/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the connection extensions (src/ext.c): packet and byte
 * counters per direction (NPFCT_F_ACCOUNTING) on the one-packet and the
 * burst paths and from another lcore, user data zeroed at every
 * establish, the mark, their layout, and how export/import carries them,
 * on a real EAL.
 */

#include <errno.h>
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

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "npfct_impl.h"
#include "npfct_ext.h"
#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

#define CLIENT	"10.0.0.1"
#define SERVER	"192.0.2.80"
#define UDATA	64

/* An instance with accounting and 64 bytes of user data. */
static struct npfct *
acct_create(const char *name, uint32_t flags, uint16_t udata)
{
	struct npfct_params p = {
		.name = name, .socket_id = SOCKET_ID_ANY, .max_conns = 1024,
		.flags = NPFCT_F_FIXED_HASH_SEED | flags, .udata_size = udata,
	};
	struct npfct *ct = npfct_create(&p);

	assert_non_null(ct);
	npfct_clock_manual(ct, TEST_CT_T0 * 1000000000ull);
	return ct;
}

static const struct test_pkt_spec udp_out = {
	.af = AF_INET, .proto = IPPROTO_UDP, .src = CLIENT, .dst = SERVER,
	.sport = 40000, .dport = 53, .wscale = -1, .payload_len = 100,
};

static const struct test_pkt_spec udp_in = {
	.af = AF_INET, .proto = IPPROTO_UDP, .src = SERVER, .dst = CLIENT,
	.sport = 53, .dport = 40000, .wscale = -1, .payload_len = 300,
};

/* IP lengths: 20 + 8 + payload. */
#define OUT_LEN	128
#define IN_LEN	328

static void
expect_counts(struct npfct *ct, struct npfct_conn *con, uint64_t p0,
		uint64_t p1, uint64_t b0, uint64_t b1)
{
	struct npfct_conn_acct a;
	struct npfct_conn_info info;

	assert_int_equal(npfct_conn_acct_get(ct, con, &a), 0);
	assert_int_equal(a.packets[0], p0);
	assert_int_equal(a.packets[1], p1);
	assert_int_equal(a.bytes[0], b0);
	assert_int_equal(a.bytes[1], b1);
	npfct_conn_info_get(ct, con, &info);
	assert_true(info.acct);
	assert_memory_equal(&info.counters, &a, sizeof(a));
}

/* npfct_conn_print() shows want (and then also want2, if not NULL). */
static void
expect_printed(struct npfct *ct, struct npfct_conn *con, const char *want,
		const char *want2)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	npfct_conn_print(ct, con, f);
	assert_int_equal(fclose(f), 0);
	if (strstr(buf, want) == NULL || (want2 != NULL &&
	    strstr(buf, want2) == NULL))
		fail_msg("\"%s\" not in:\n%s", want, buf);
	free(buf);
}

/* Without the flag and the size: no counters, no user data; the mark. */
static void
test_ext_off(void **state)
{
	struct npfct_conn_acct a;
	struct npfct_conn_info info;
	struct npfct_conn *con;

	(void)state;
	con = test_ct_send(test_ct, &udp_out, NPFCT_DIR_OUT, true, NULL);
	assert_non_null(con);
	assert_int_equal(npfct_conn_acct_get(test_ct, con, &a), -ENOTSUP);
	assert_int_equal(npfct_conn_acct_get(NULL, con, &a), -EINVAL);
	assert_int_equal(npfct_conn_acct_get(test_ct, con, NULL), -EINVAL);
	assert_null(npfct_conn_udata(test_ct, con));
	assert_int_equal(npfct_conn_mark(con), 0);
	npfct_conn_mark_set(con, 0xdeadbeef);
	npfct_conn_info_get(test_ct, con, &info);
	assert_false(info.acct);
	expect_printed(test_ct, con, "\tmark 0xdeadbeef\n", NULL);
	assert_int_equal(info.mark, 0xdeadbeef);
	/* The object is what it was: two lines for IPv4, three for IPv6. */
	assert_int_equal(test_ct->ct_conn_size[NPFCT_AF4], 128);
	assert_int_equal(test_ct->ct_conn_size[NPFCT_AF6], 192);
}

static void
test_ext_bad_params(void **state)
{
	struct npfct_params p = {
		.name = "bad", .socket_id = SOCKET_ID_ANY, .max_conns = 16,
	};
	struct npfct *ct;

	(void)state;
	p.udata_size = NPFCT_UDATA_MAX + 8;
	assert_null(npfct_create(&p));
	assert_int_equal(rte_errno, EINVAL);
	p.udata_size = 12;
	assert_null(npfct_create(&p));
	assert_int_equal(rte_errno, EINVAL);
	p.udata_size = NPFCT_UDATA_MAX;
	p.flags = NPFCT_F_ACCOUNTING;
	ct = npfct_create(&p);
	assert_non_null(ct);
	/* 128 + 56 + 64 and 192 + 56 + 64, in whole lines. */
	assert_int_equal(ct->ct_conn_size[NPFCT_AF4], 256);
	assert_int_equal(ct->ct_conn_size[NPFCT_AF6], 320);
	assert_int_equal(npfct_conn_ext_off(NPFCT_AF4), 128);
	assert_int_equal(npfct_conn_ext_off(NPFCT_AF6), 192);
	assert_int_equal(ct->ct_udata_off[NPFCT_AF4], 128 + 56);
	assert_int_equal(ct->ct_udata_off[NPFCT_AF6], 192 + 56);
	npfct_destroy(ct);
}

/*
 * The counters equal the packets sent and their IP lengths, per
 * direction: the first packet is counted, an INVALID one (TCP out of
 * window) and a RELATED one (ICMP error) are not.
 */
static void
test_ext_counters(void **state)
{
	struct npfct *ct = acct_create("acct", NPFCT_F_ACCOUNTING, 0);
	struct test_pkt_spec syn = {
		.af = AF_INET6, .proto = IPPROTO_TCP, .src = "2001:db8::1",
		.dst = "2001:db8::2", .sport = 1000, .dport = 80,
		.tcp_flags = NPFCT_TH_SYN, .seq = 100, .win = 65535,
		.wscale = -1,
	};
	struct test_pkt_spec synack = {
		.af = AF_INET6, .proto = IPPROTO_TCP, .src = "2001:db8::2",
		.dst = "2001:db8::1", .sport = 80, .dport = 1000,
		.tcp_flags = NPFCT_TH_SYN | NPFCT_TH_ACK, .seq = 500,
		.ack = 101, .win = 65535, .wscale = -1,
	};
	struct test_pkt_spec far = synack;
	const struct test_pkt_spec err = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = "172.16.0.1",
		.dst = CLIENT, .icmp_type = 3, .icmp_code = 3, .wscale = -1,
		.inner = &udp_out,
	};
	struct npfct_conn *con, *tcp;
	unsigned int i;
	uint8_t v;

	(void)state;
	con = test_ct_send(ct, &udp_out, NPFCT_DIR_OUT, true, NULL);
	assert_non_null(con);
	expect_counts(ct, con, 1, 0, OUT_LEN, 0);
	for (i = 0; i < 3; i++)
		assert_ptr_equal(test_ct_send(ct, &udp_in, NPFCT_DIR_IN, false,
		    NULL), con);
	for (i = 0; i < 2; i++)
		assert_ptr_equal(test_ct_send(ct, &udp_out, NPFCT_DIR_OUT,
		    false, NULL), con);
	expect_counts(ct, con, 3, 3, 3 * OUT_LEN, 3 * IN_LEN);
	/* An ICMP error relates to it, uncounted. */
	assert_ptr_equal(test_ct_send(ct, &err, NPFCT_DIR_IN, false, &v), con);
	assert_int_equal(v, NPFCT_V_RELATED);
	expect_counts(ct, con, 3, 3, 3 * OUT_LEN, 3 * IN_LEN);
	expect_printed(ct, con, "\tpackets 3/3 bytes 384/984\n", NULL);
	npfct_conn_mark_set(con, 0x2a);
	expect_printed(ct, con, "\tmark 0x2a\n", "\tpackets 3/3");

	/* IPv6 TCP: 40 + 20 bytes; a segment far out of window is not
	 * counted. */
	tcp = test_ct_send(ct, &syn, NPFCT_DIR_OUT, true, NULL);
	assert_non_null(tcp);
	assert_ptr_equal(test_ct_send(ct, &synack, NPFCT_DIR_IN, false, &v),
	    tcp);
	far.tcp_flags = NPFCT_TH_ACK;
	far.seq = 500 + (1u << 31);
	assert_null(test_ct_send(ct, &far, NPFCT_DIR_IN, false, &v));
	assert_int_equal(v, NPFCT_V_INVALID);
	expect_counts(ct, tcp, 1, 1, 60, 60);
	npfct_destroy(ct);
}

/* The burst path counts as the one-packet path does. */
static void
test_ext_counters_burst(void **state)
{
	struct npfct *ct = acct_create("acct", NPFCT_F_ACCOUNTING, 0);
	struct rte_mbuf *m[8];
	struct npfct_pkt pkts[8];
	struct npfct_conn *conns[8], *con;
	uint8_t v[8];
	unsigned int i, r;

	(void)state;
	con = test_ct_send(ct, &udp_out, NPFCT_DIR_OUT, true, NULL);
	assert_non_null(con);
	for (r = 0; r < 10; r++) {
		for (i = 0; i < 8; i++)
			m[i] = test_pkt_build(&udp_in);
		assert_int_equal(npfct_inspect_burst(ct, m, pkts, 8,
		    NPFCT_DIR_IN, conns, v), 8);
		for (i = 0; i < 8; i++) {
			assert_ptr_equal(conns[i], con);
			rte_pktmbuf_free(m[i]);
		}
	}
	expect_counts(ct, con, 1, 80, OUT_LEN, 80 * IN_LEN);
	npfct_destroy(ct);
}

/*
 * The hit path counts on the connection's first line and adds a
 * direction's counts to the sums every NPFCT_ACCT_BATCH packets: exact
 * on both sides of every flush, per direction.
 */
static void
test_ext_counters_batches(void **state)
{
	struct npfct *ct = acct_create("acct", NPFCT_F_ACCOUNTING, 0);
	struct npfct_conn *con;
	uint64_t out = 1, in = 0;
	unsigned int i;

	(void)state;
	con = test_ct_send(ct, &udp_out, NPFCT_DIR_OUT, true, NULL);
	assert_non_null(con);
	for (i = 0; i < 2 * NPFCT_ACCT_BATCH + 3; i++) {
		assert_ptr_equal(test_ct_send(ct, &udp_in, NPFCT_DIR_IN,
		    false, NULL), con);
		in++;
		if (i % 3 == 0) {
			assert_ptr_equal(test_ct_send(ct, &udp_out,
			    NPFCT_DIR_OUT, false, NULL), con);
			out++;
		}
		expect_counts(ct, con, out, in, out * OUT_LEN, in * IN_LEN);
	}
	/* The backwards direction flushed twice, the forwards not yet. */
	assert_int_equal(npfct_conn_acct_area(con)->ac_packets[1],
	    2 * NPFCT_ACCT_BATCH);
	assert_int_equal(npfct_conn_acct_area(con)->ac_packets[0], 0);
	npfct_destroy(ct);
}

/*
 * With accounting the rule procedure and the removed slot live in the
 * extension area: set, read, released once at destroy, and the key slots
 * freed (a full table empties and fills again).
 */
static void
test_ext_moved_fields(void **state)
{
	struct npfct *ct = test_ct_create_flags("moved", 64,
	    NPFCT_F_ACCOUNTING);
	struct test_pkt_spec spec = udp_out;
	struct npfct_conn *con;
	void *rp = NULL;
	unsigned int i, round;
	int proc;

	(void)state;
	assert_non_null(ct);
	test_ct_rproc_released = 0;
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 64; i++) {
			struct rte_mbuf *m;
			struct npfct_pkt pkt;

			spec.sport = (uint16_t)(1000 + i);
			m = test_pkt_build(&spec);
			assert_int_equal(npfct_pkt_parse(&pkt, m), 0);
			con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT,
			    false);
			assert_non_null(con);
			assert_int_equal(npfct_conn_setpass(con, &proc), 0);
			npfct_conn_release(con);
			assert_true(npfct_conn_pass(con, &rp));
			assert_ptr_equal(rp, &proc);
			/* The counts did not overwrite it. */
			assert_ptr_equal(test_ct_send(ct, &spec, NPFCT_DIR_OUT,
			    false, NULL), con);
			assert_true(npfct_conn_pass(con, &rp));
			assert_ptr_equal(rp, &proc);
			expect_counts(ct, con, 2, 0, 2 * OUT_LEN, 0);
			rte_pktmbuf_free(m);
		}
		assert_int_equal(npfct_count(ct), 64);
		assert_int_equal(npfct_flush(ct), 64);
		assert_int_equal(npfct_count(ct), 0);
	}
	assert_int_equal(test_ct_rproc_released, 3 * 64);
	npfct_destroy(ct);
}

/* One lcore hitting a connection (the common case): the count is exact. */
struct hitter {
	struct npfct	*ct;
	unsigned int	bursts;
};

static int
hitter_lcore(void *arg)
{
	struct hitter *h = arg;
	struct rte_mbuf *m[32];
	struct npfct_pkt pkts[32];
	struct npfct_conn *conns[32];
	uint8_t v[32];
	unsigned int b, i;

	npfct_thread_register();
	for (i = 0; i < 32; i++)
		m[i] = test_pkt_build(&udp_in);
	for (b = 0; b < h->bursts; b++) {
		npfct_inspect_burst(h->ct, m, pkts, 32, NPFCT_DIR_IN, conns, v);
		npfct_quiescent();
	}
	for (i = 0; i < 32; i++)
		rte_pktmbuf_free(m[i]);
	npfct_thread_unregister();
	return 0;
}

static void
test_ext_counters_other_lcore(void **state)
{
	struct npfct *ct = acct_create("acct", NPFCT_F_ACCOUNTING, 0);
	struct hitter h = { .ct = ct, .bursts = 20000 };
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	struct npfct_conn_acct prev = { .packets = { 0, 0 } };
	struct npfct_conn *con;
	uint64_t reads = 0;

	(void)state;
	con = test_ct_send(ct, &udp_out, NPFCT_DIR_OUT, true, NULL);
	assert_non_null(con);
	assert_int_equal(rte_eal_remote_launch(hitter_lcore, &h, lcore), 0);
	npfct_thread_offline();
	/*
	 * Read while it counts (and flushes every 1024 packets): neither
	 * count ever goes backwards, so no read saw a batch (1024 packets)
	 * counted twice (the next read would be lower) or missing (lower
	 * than the read before).  The packets and the bytes are separate
	 * words: a read preempted between them may see them far apart.
	 */
	do {
		struct npfct_conn_acct a;

		assert_int_equal(npfct_conn_acct_get(ct, con, &a), 0);
		assert_true(a.packets[1] >= prev.packets[1]);
		assert_true(a.bytes[1] >= prev.bytes[1]);
		assert_true(a.packets[1] <= 32ull * h.bursts);
		assert_true(a.bytes[1] <= 32ull * h.bursts * IN_LEN);
		prev = a;
		reads++;
	} while (rte_eal_get_lcore_state(lcore) == RUNNING);
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	npfct_thread_online();
	assert_true(reads > 0);
	expect_counts(ct, con, 1, 32ull * h.bursts, OUT_LEN,
	    32ull * h.bursts * IN_LEN);
	npfct_destroy(ct);
}

/*
 * User data: zeroed at establish, also when the object comes back from
 * the pool dirty; written before activation, seen by a later lookup.
 */
static void
test_ext_udata(void **state)
{
	struct npfct *ct = acct_create("udata", 0, UDATA);
	struct test_pkt_spec s = udp_out;
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	uint8_t zero[UDATA] = { 0 }, *u;
	unsigned int round;

	(void)state;
	assert_int_equal(npfct_conn_acct_get(ct, NULL, NULL), -EINVAL);
	for (round = 0; round < 50; round++) {
		s.sport = (uint16_t)(1000 + round);
		m = test_pkt_build(&s);
		npfct_pkt_parse(&pkt, m);
		con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
		assert_non_null(con);
		u = npfct_conn_udata(ct, con);
		assert_non_null(u);
		assert_true(((uintptr_t)u & 7) == 0);
		assert_memory_equal(u, zero, UDATA);
		assert_int_equal(npfct_conn_mark(con), 0);
		/* Dirty it all, and the mark, before activation. */
		memset(u, 0xa5, UDATA);
		npfct_conn_mark_set(con, round + 1);
		npfct_conn_release(con);
		assert_ptr_equal(npfct_conn_inspect(ct, &pkt, NPFCT_DIR_OUT,
		    NULL), con);
		assert_int_equal(((uint8_t *)npfct_conn_udata(ct, con))
		    [UDATA - 1], 0xa5);
		assert_int_equal(npfct_conn_mark(con), round + 1);
		rte_pktmbuf_free(m);
		/* Gone, its object back in the pool for the next round. */
		npfct_conn_expire(con);
		assert_int_equal(npfct_gc_sync(ct), 1);
	}
	npfct_destroy(ct);
}

/*
 * Export carries the mark and the counters; an instance without
 * accounting imports the connections without them and exports zeroes.
 */
static void
test_ext_export_import(void **state)
{
	struct npfct *a = acct_create("ea", NPFCT_F_ACCOUNTING, 16);
	struct npfct *b = acct_create("eb", NPFCT_F_ACCOUNTING, 0);
	struct npfct *c = acct_create("ec", 0, 0);
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	struct rte_mbuf *m;
	uint8_t img[32 + 160], img2[32 + 160];
	bool forw;
	ssize_t len;
	unsigned int i;

	(void)state;
	con = test_ct_send(a, &udp_out, NPFCT_DIR_OUT, true, NULL);
	assert_non_null(con);
	for (i = 0; i < 4; i++)
		test_ct_send(a, &udp_in, NPFCT_DIR_IN, false, NULL);
	npfct_conn_mark_set(con, 77);
	memset(npfct_conn_udata(a, con), 1, 16);
	len = npfct_export(a, img, sizeof(img));
	assert_int_equal(len, 32 + 160);

	npfct_clock_set(b, npfct_clock_now(a));
	assert_int_equal(npfct_import(b, NULL, img, len, NULL), 1);
	m = test_pkt_build(&udp_in);
	npfct_pkt_parse(&pkt, m);
	con = npfct_conn_lookup(b, &pkt, NPFCT_DIR_IN, &forw);
	assert_non_null(con);
	expect_counts(b, con, 1, 4, OUT_LEN, 4 * IN_LEN);
	assert_int_equal(npfct_conn_mark(con), 77);
	/* The same record back. */
	assert_int_equal(npfct_export(b, img2, sizeof(img2)), len);
	assert_memory_equal(img + 32, img2 + 32, 160);

	/* Without accounting: imported, uncounted, exported with zeroes. */
	npfct_clock_set(c, npfct_clock_now(a));
	assert_int_equal(npfct_import(c, NULL, img, len, NULL), 1);
	con = npfct_conn_lookup(c, &pkt, NPFCT_DIR_IN, &forw);
	assert_non_null(con);
	assert_int_equal(npfct_conn_mark(con), 77);
	assert_int_equal(npfct_export(c, img2, sizeof(img2)), len);
	assert_memory_equal(img + 32, img2 + 32, 128);
	for (i = 128; i < 160; i++)
		assert_int_equal(img2[32 + i], 0);
	rte_pktmbuf_free(m);
	npfct_destroy(a);
	npfct_destroy(b);
	npfct_destroy(c);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)
	const struct CMUnitTest tests[] = {
		T(test_ext_off),
		T(test_ext_bad_params),
		T(test_ext_counters),
		T(test_ext_counters_burst),
		T(test_ext_counters_batches),
		T(test_ext_moved_fields),
		T(test_ext_counters_other_lcore),
		T(test_ext_udata),
		T(test_ext_export_import),
	};

	return cmocka_run_group_tests_name("ext", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
