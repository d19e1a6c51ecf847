/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of export/import (src/export.c): an exact round trip (keys,
 * state, TCP window data, NAT re-keying, flags, idle time), imported
 * connections passing traffic, every class of bad input rejected with
 * nothing inserted, and exports while other lcores run traffic or lose
 * setnat races (each image imports whole into an empty instance).
 */

#include <errno.h>
#include <inttypes.h>
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

#include <rte_hash_crc.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "npfct_impl.h"
#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_stats.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

#define HDR	32
#define REC	160	/* version 3 */
#define REC_V2	128	/* versions 1 and 2 */

static int nat_handle, rproc_handle;
static unsigned int nat_restored, rproc_restored;

static void *
nat_restore(const struct npfct_conn_info *info, void *arg)
{
	(void)arg;
	assert_true(info->nat);
	nat_restored++;
	return &nat_handle;
}

static void *
rproc_restore(const struct npfct_conn_info *info, void *arg)
{
	(void)arg;
	assert_true(info->pass);
	rproc_restored++;
	return &rproc_handle;
}

static const struct npfct_import_ops ops = {
	.nat_restore = nat_restore,
	.rproc_restore = rproc_restore,
};

static struct npfct_conn *
send_pkt(struct npfct *ct, const struct test_pkt_spec *spec, int di,
		bool establish, uint8_t *v)
{
	struct rte_mbuf *m = test_pkt_build(spec);
	struct npfct_conn *con;
	struct npfct_pkt pkt;

	npfct_pkt_parse(&pkt, m);
	con = npfct_conn_inspect(ct, &pkt, di, v);
	if (con == NULL && establish) {
		con = npfct_conn_establish(ct, &pkt, di, false);
		if (con != NULL)
			npfct_conn_release(con);
	}
	rte_pktmbuf_free(m);
	return con;
}

/* A TCP flow through its handshake and some data, a UDP flow with NAT
 * and pass, an IPv6 ICMP echo bound to an interface. */
static void
populate(struct npfct *ct)
{
	struct test_pkt_spec syn = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = "10.0.0.1",
		.dst = "192.0.2.80", .sport = 40000, .dport = 80,
		.tcp_flags = NPFCT_TH_SYN, .seq = 1000, .win = 65535,
		.wscale = 7,
	};
	struct test_pkt_spec synack = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = "192.0.2.80",
		.dst = "10.0.0.1", .sport = 80, .dport = 40000,
		.tcp_flags = NPFCT_TH_SYN | NPFCT_TH_ACK, .seq = 5000,
		.ack = 1001, .win = 65160, .wscale = 6,
	};
	struct test_pkt_spec ack = syn;
	struct test_pkt_spec udp = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "10.0.0.2",
		.dst = "198.51.100.53", .sport = 5353, .dport = 53,
		.wscale = -1,
	};
	struct test_pkt_spec echo6 = {
		.af = AF_INET6, .proto = IPPROTO_ICMPV6, .src = "2001:db8::1",
		.dst = "2001:db8:1::1", .icmp_type = 128, .icmp_id = 42,
		.port = 3, .wscale = -1,
	};
	struct npfct_conn *con;
	struct npfct_pkt pkt;
	union npfct_addr ta;
	struct rte_mbuf *m;
	static int nat, proc;

	assert_non_null(send_pkt(ct, &syn, NPFCT_DIR_OUT, true, NULL));
	assert_non_null(send_pkt(ct, &synack, NPFCT_DIR_IN, false, NULL));
	ack.tcp_flags = NPFCT_TH_ACK;
	ack.seq = 1001;
	ack.ack = 5001;
	ack.win = 502;
	ack.wscale = -1;
	ack.payload_len = 200;
	assert_non_null(send_pkt(ct, &ack, NPFCT_DIR_OUT, false, NULL));

	m = test_pkt_build(&udp);
	npfct_pkt_parse(&pkt, m);
	con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	assert_int_equal(npfct_conn_setpass(con, &proc), 0);
	ta.v4 = inet_addr("203.0.113.7");
	assert_int_equal(npfct_conn_setnat(ct, &pkt, con, &nat,
	    NPFCT_NAT_OUT, &ta, htons(61000)), 0);
	npfct_conn_release(con);
	rte_pktmbuf_free(m);

	m = test_pkt_build(&echo6);
	npfct_pkt_parse(&pkt, m);
	con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, true);
	assert_non_null(con);
	npfct_conn_release(con);
	rte_pktmbuf_free(m);
}

/* Export; connections established meanwhile may need a bigger buffer. */
static void *
export_all(struct npfct *ct, ssize_t *len)
{
	size_t size = npfct_export_size(ct);
	void *buf;

	for (;;) {
		buf = malloc(size);
		assert_non_null(buf);
		*len = npfct_export(ct, buf, size);
		if (*len != -ENOSPC)
			break;
		free(buf);
		size = npfct_export_size(ct) + 16 * REC;
	}
	assert_true(*len >= HDR);
	return buf;
}

/* Fix the checksum after a test changed the image on purpose. */
static void
recrc(uint8_t *buf, size_t len)
{
	uint32_t crc;

	memset(buf + 24, 0, 4);
	crc = rte_hash_crc(buf, HDR, 0xffffffff);
	crc = rte_hash_crc(buf + HDR, (uint32_t)(len - HDR), crc);
	buf[24] = (uint8_t)(crc >> 24);
	buf[25] = (uint8_t)(crc >> 16);
	buf[26] = (uint8_t)(crc >> 8);
	buf[27] = (uint8_t)crc;
}

/*
 * Error paths.
 */

static void
test_export_bad_args(void **state)
{
	uint8_t small[HDR + REC - 1];

	(void)state;
	populate(test_ct);
	assert_int_equal(npfct_export(NULL, small, sizeof(small)), -EINVAL);
	assert_int_equal(npfct_export(test_ct, NULL, 100), -EINVAL);
	/* Three connections do not fit in less than three records. */
	assert_int_equal(npfct_export(test_ct, small, sizeof(small)),
	    -ENOSPC);
	assert_int_equal(npfct_import(NULL, NULL, small, 0, NULL), -EINVAL);
	assert_int_equal(npfct_import(test_ct, NULL, NULL, 0, NULL), -EINVAL);
}

/* Every corruption class is rejected and nothing is inserted. */
static void
test_import_rejects(void **state)
{
	struct npfct *ct2 = test_ct_create("t2", 64);
	struct npfct_stats st;
	uint8_t *buf, *img;
	ssize_t len;
	unsigned int i;
	static const struct {
		const char *what;
		size_t off;		/* byte to change; SIZE_MAX: none */
		uint8_t val;
		bool fix_crc;
		int err;
	} cases[] = {
		{ "bad magic", 0, 'X', true, -EBADMSG },
		{ "version 0", 5, 3, true, -EPROTONOSUPPORT },
		{ "version 4", 5, 7, true, -EPROTONOSUPPORT },
		/* Version 2 has shorter records: the length says 160. */
		{ "version 2", 5, 1, true, -EBADMSG },
		{ "header length", 7, 33, true, -EBADMSG },
		{ "record length", 9, 64, true, -EBADMSG },
		{ "flags", 11, 1, true, -EBADMSG },
		{ "huge count", 12, 0x7f, true, -EBADMSG },
		{ "count one more", 15, 4, true, -EBADMSG },
		{ "checksum", HDR + 40, 0x55, false, -EBADMSG },
		{ "address length", HDR + 1, 8, true, -EINVAL },
		{ "direction", HDR + 2, 1, true, -EINVAL },
		{ "record flags", HDR + 3, 0x80, true, -EINVAL },
		{ "TCP state", HDR + 6, 99, true, -EINVAL },
		{ "TCP window scale", HDR + 8, 0x10, true, -EINVAL },
		{ "idle time", HDR + 12, 0xff, true, -EINVAL },
		{ "reserved", HDR + 120, 1, true, -EINVAL },
		/* The backwards key no longer belongs to the forwards one. */
		{ "foreign backwards key", HDR + 76, 99, true, -EINVAL },
		/* A padded IPv4 address with bits in the padding. */
		{ "IPv4 padding", HDR + 50, 1, true, -EINVAL },
		/* Generic state with window data. */
		{ "UDP window data", HDR + REC + 16, 1, true, -EINVAL },
	};

	(void)state;
	assert_non_null(ct2);
	populate(test_ct);
	buf = export_all(test_ct, &len);
	assert_int_equal(len, HDR + 3 * REC);
	img = malloc(len + REC);
	assert_non_null(img);

	for (i = 0; i < RTE_DIM(cases); i++) {
		memcpy(img, buf, len);
		img[cases[i].off] ^= cases[i].val;
		if (cases[i].fix_crc)
			recrc(img, len);
		if (npfct_import(ct2, NULL, img, len, &ops) != cases[i].err) {
			print_error("case %s\n", cases[i].what);
			fail();
		}
		assert_int_equal(npfct_count(ct2), 0);
	}
	/* Truncated at every length. */
	for (i = 0; i < (unsigned int)len; i++)
		assert_int_equal(npfct_import(ct2, NULL, buf, i, &ops),
		    -EBADMSG);
	/* A record repeated: the second insert meets the first. */
	memcpy(img, buf, len);
	memcpy(img + len, buf + HDR, REC);
	img[15] = 4;
	recrc(img, len + REC);
	assert_int_equal(npfct_import(ct2, NULL, img, len + REC, &ops),
	    -EEXIST);
	/* The three inserted and the one that met its duplicate. */
	assert_int_equal(npfct_gc_sync(ct2), 4);
	assert_int_equal(npfct_count(ct2), 0);
	/* Handles restored for the undone ones were released. */
	npfct_stats_get(ct2, &st);
	assert_int_equal(st.count[NPFCT_STAT_CONN_CREATE],
	    st.count[NPFCT_STAT_CONN_DESTROY]);
	/* Already present. */
	assert_int_equal(npfct_import(ct2, NULL, buf, len, &ops), 3);
	assert_int_equal(npfct_import(ct2, NULL, buf, len, &ops), -EEXIST);
	/* The first record met itself at once: one to destroy. */
	assert_int_equal(npfct_gc_sync(ct2), 1);
	assert_int_equal(npfct_count(ct2), 3);
	/* No room. */
	npfct_destroy(ct2);
	{
		struct npfct_params p = {
			.name = "tiny", .socket_id = SOCKET_ID_ANY,
			.max_conns = 1, .cache_size = 0,
		};
		struct npfct *tiny = npfct_create(&p);

		assert_non_null(tiny);
		memcpy(img, buf, len);
		/* Three IPv4 records: two would already not fit. */
		assert_int_equal(npfct_import(tiny, NULL, img, len, NULL),
		    -ENOSPC);
		assert_int_equal(npfct_count(tiny), 0);
		npfct_destroy(tiny);
	}
	free(img);
	free(buf);
}

/*
 * Functional scenarios.
 */

/* Export, import elsewhere, export again: the same bytes. */
static void
test_export_import_round_trip(void **state)
{
	struct npfct *ct2 = test_ct_create("t2", 64);
	uint8_t *a, *b;
	ssize_t la, lb;
	struct npfct_db *db;

	(void)state;
	assert_non_null(ct2);
	populate(test_ct);
	test_ct_advance(test_ct, 7);
	a = export_all(test_ct, &la);
	assert_int_equal(la, HDR + 3 * REC);

	/* Into a new database of a running instance, then installed. */
	nat_restored = rproc_restored = 0;
	npfct_clock_set(ct2, npfct_clock_now(test_ct));
	db = npfct_db_create(ct2);
	assert_non_null(db);
	assert_int_equal(npfct_import(ct2, db, a, la, &ops), 3);
	assert_int_equal(npfct_load(ct2, db, true), 0);
	assert_int_equal(nat_restored, 1);
	assert_int_equal(rproc_restored, 1);
	b = export_all(ct2, &lb);
	assert_int_equal(la, lb);
	/* Same records (the export time in the header may differ). */
	assert_memory_equal(a + HDR, b + HDR, la - HDR);
	free(b);

	/* Into the current database directly. */
	npfct_destroy(ct2);
	ct2 = test_ct_create("t3", 64);
	npfct_clock_set(ct2, npfct_clock_now(test_ct));
	assert_int_equal(npfct_import(ct2, NULL, a, la, &ops), 3);
	b = export_all(ct2, &lb);
	assert_memory_equal(a + HDR, b + HDR, la - HDR);
	free(a);
	free(b);
	npfct_destroy(ct2);
	/* The NAT entry and rule procedure went back to the callbacks. */
	assert_int_equal(test_ct_nat_released, 2);
	assert_int_equal(test_ct_rproc_released, 2);
}

/* A UDP flow from port sport in a zone (set after parsing). */
static void
establish_zoned(struct npfct *ct, uint16_t zone, uint16_t sport)
{
	struct test_pkt_spec udp = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "10.0.0.2",
		.dst = "198.51.100.53", .sport = sport, .dport = 53,
		.wscale = -1,
	};
	struct rte_mbuf *m = test_pkt_build(&udp);
	struct npfct_conn *con;
	struct npfct_pkt pkt;

	npfct_pkt_parse(&pkt, m);
	pkt.zone = zone;
	con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
	assert_non_null(con);
	npfct_conn_release(con);
	rte_pktmbuf_free(m);
}

/*
 * An image of version 3 written as version 1 or 2 would have written it
 * (128-byte records without mark and counters) into out; its length.
 */
static ssize_t
downgrade(const uint8_t *img, ssize_t len, unsigned int version,
		uint8_t *out)
{
	const size_t n = (size_t)(len - HDR) / REC;
	size_t i;

	memcpy(out, img, HDR);
	out[4] = 0;
	out[5] = (uint8_t)version;
	out[8] = 0;
	out[9] = REC_V2;
	for (i = 0; i < n; i++) {
		memcpy(out + HDR + i * REC_V2, img + HDR + i * REC, REC_V2);
		/* No mark before version 3. */
		memset(out + HDR + i * REC_V2 + 112, 0, 4);
	}
	recrc(out, HDR + n * REC_V2);
	return (ssize_t)(HDR + n * REC_V2);
}

/* The zone of record i (offset 10, big-endian). */
static uint16_t
rec_zone(const uint8_t *img, unsigned int i)
{
	return (uint16_t)(img[HDR + i * REC + 10] << 8 |
	    img[HDR + i * REC + 11]);
}

/*
 * Zones travel with their connections (format version 2); a version 1
 * image is read into zone 0 and may not carry a zone; an import that
 * would pass a zone's limit takes nothing, and an undone import gives
 * every zone's count back.
 */
static void
test_export_import_zones(void **state)
{
	static const uint16_t zones[] = { 0, 5, 5, 65535 };
	struct npfct *ct2 = test_ct_create("t2", 64);
	unsigned int i, z;
	uint8_t *a, *img;
	ssize_t la, lb;

	(void)state;
	assert_non_null(ct2);
	for (i = 0; i < RTE_DIM(zones); i++)
		establish_zoned(test_ct, zones[i], (uint16_t)(1000 + i));
	a = export_all(test_ct, &la);
	assert_int_equal(la, HDR + 4 * REC);
	assert_int_equal(a[4] << 8 | a[5], 3);
	for (i = 0, z = 0; i < 4; i++)
		z += rec_zone(a, i);
	assert_int_equal(z, 0 + 5 + 5 + 65535);

	npfct_clock_set(ct2, npfct_clock_now(test_ct));
	assert_int_equal(npfct_import(ct2, NULL, a, la, NULL), 4);
	assert_int_equal(npfct_zone_count(ct2, 0), 1);
	assert_int_equal(npfct_zone_count(ct2, 5), 2);
	assert_int_equal(npfct_zone_count(ct2, 65535), 1);
	/* The same image again: a duplicate; every count stays. */
	assert_int_equal(npfct_import(ct2, NULL, a, la, NULL), -EEXIST);
	npfct_gc_sync(ct2);
	assert_int_equal(npfct_count(ct2), 4);
	assert_int_equal(npfct_zone_count(ct2, 5), 2);
	assert_int_equal(npfct_zone_count(ct2, 65535), 1);
	npfct_destroy(ct2);

	/*
	 * Zone 5 may hold one: the image's second one in it undoes the
	 * import (the two records before it were inserted); once the G/C
	 * freed them, every zone's count is back to 0.
	 */
	ct2 = test_ct_create("t2", 64);
	assert_non_null(ct2);
	assert_int_equal(npfct_zone_limit_set(ct2, 5, 1), 0);
	assert_int_equal(npfct_import(ct2, NULL, a, la, NULL), -EDQUOT);
	assert_int_equal(npfct_gc_sync(ct2), 2);
	assert_int_equal(npfct_count(ct2), 0);
	assert_int_equal(test_ct_stat(ct2, NPFCT_STAT_ZONE_FULL), 1);
	assert_int_equal(npfct_zone_count(ct2, 0), 0);
	assert_int_equal(npfct_zone_count(ct2, 5), 0);
	assert_int_equal(npfct_zone_count(ct2, 65535), 0);
	assert_int_equal(npfct_zone_limit_set(ct2, 5, 2), 0);
	assert_int_equal(npfct_import(ct2, NULL, a, la, NULL), 4);
	npfct_destroy(ct2);

	/* Version 2 keeps the zones; version 1: zero, and zone 0. */
	img = malloc(la);
	assert_non_null(img);
	ct2 = test_ct_create("t2", 64);
	assert_non_null(ct2);
	lb = downgrade(a, la, 2, img);
	assert_int_equal(npfct_import(ct2, NULL, img, lb, NULL), 4);
	assert_int_equal(npfct_zone_count(ct2, 5), 2);
	npfct_destroy(ct2);
	ct2 = test_ct_create("t2", 64);
	assert_non_null(ct2);
	lb = downgrade(a, la, 1, img);
	assert_int_equal(npfct_import(ct2, NULL, img, lb, NULL), -EINVAL);
	for (i = 0; i < 4; i++)
		memset(img + HDR + i * REC_V2 + 10, 0, 2);
	recrc(img, lb);
	assert_int_equal(npfct_import(ct2, NULL, img, lb, NULL), 4);
	assert_int_equal(npfct_zone_count(ct2, 0), 4);
	npfct_destroy(ct2);
	free(img);
	free(a);
}

/*
 * A connection stamped with a second newer than the export's clock (an
 * lcore moved it between two reads) is exported as idle 0, not as idle
 * 2^32 - 1 clamped to 30 days, which the standby would expire at once.
 */
static void
test_export_idle_newer_stamp(void **state)
{
	struct npfct *ct2 = test_ct_create("t2", 64);
	struct test_pkt_spec udp = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "10.0.0.2",
		.dst = "198.51.100.53", .sport = 5353, .dport = 53,
		.wscale = -1,
	};
	struct npfct_conn_info info;
	struct npfct_conn *con;
	uint8_t *a;
	ssize_t la;

	(void)state;
	assert_non_null(ct2);
	con = send_pkt(test_ct, &udp, NPFCT_DIR_OUT, true, NULL);
	assert_non_null(con);
	/* The exporter's second is one before the stamp. */
	npfct_clock_set(test_ct, npfct_clock_now(test_ct) - 1000000000ull);
	npfct_conn_info_get(test_ct, con, &info);
	assert_int_equal(info.idle, 0);
	a = export_all(test_ct, &la);
	assert_int_equal(la, HDR + REC);
	/* The record's idle field (offset 12). */
	assert_int_equal(a[HDR + 12] | a[HDR + 13] | a[HDR + 14] |
	    a[HDR + 15], 0);
	npfct_clock_set(ct2, npfct_clock_now(test_ct));
	assert_int_equal(npfct_import(ct2, NULL, a, la, NULL), 1);
	/* Alive on the standby: a full G/C pass keeps it. */
	assert_int_equal(npfct_gc_sync(ct2), 0);
	assert_int_equal(npfct_count(ct2), 1);
	free(a);
	npfct_destroy(ct2);
}

/*
 * The image length is computed in 64 bits: at 2^25 records (33.5M) a
 * 32-bit product wraps to 32 bytes.
 */
static void
test_export_image_len_64bit(void **state)
{
	(void)state;
	assert_true(npfct_export_image_len(0) == HDR);
	assert_true(npfct_export_image_len(1u << 27) ==
	    HDR + ((uint64_t)5 << 32));
	assert_true(npfct_export_image_len(UINT32_MAX) ==
	    HDR + (uint64_t)UINT32_MAX * REC);
}

/*
 * Every truncation and every single-bit flip of a valid image is refused
 * with nothing inserted; the image itself still imports whole afterwards.
 */
static void
test_import_every_truncation_and_flip(void **state)
{
	struct npfct *ct2 = test_ct_create("t2", 64);
	uint8_t *img, *mut;
	ssize_t len;
	size_t n, bit;
	int ret;

	(void)state;
	assert_non_null(ct2);
	populate(test_ct);
	img = export_all(test_ct, &len);
	mut = malloc((size_t)len);
	assert_non_null(mut);
	for (n = 0; n < (size_t)len; n++) {
		ret = npfct_import(ct2, NULL, img, n, NULL);
		if (ret >= 0)
			fail_msg("truncated to %zu bytes: imported %d", n, ret);
		assert_int_equal(npfct_count(ct2), 0);
	}
	for (bit = 0; bit < (size_t)len * 8; bit++) {
		memcpy(mut, img, (size_t)len);
		mut[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ret = npfct_import(ct2, NULL, mut, (size_t)len, NULL);
		if (ret >= 0)
			fail_msg("bit %zu flipped: imported %d", bit, ret);
		assert_int_equal(npfct_count(ct2), 0);
	}
	assert_int_equal(test_ct_stat(ct2, NPFCT_STAT_CONN_CREATE), 0);
	assert_int_equal(npfct_import(ct2, NULL, img, (size_t)len, NULL), 3);
	free(mut);
	free(img);
	npfct_destroy(ct2);
}

/*
 * Import counts its records against max_conns before it inserts anything:
 * an image that fits the room left is imported whole, even while other
 * lcores' magazines hold free objects; one record more is refused at once
 * with nothing created.
 */
struct fill_arg {
	struct npfct	*ct;
	unsigned int	first, n, made;
};

static int
fill_lcore(void *arg)
{
	struct fill_arg *fa = arg;
	unsigned int i;
	char a[32];

	for (i = fa->first; i < fa->first + fa->n; i++) {
		struct rte_mbuf *m;
		struct npfct_pkt pkt;
		struct npfct_conn *con;

		snprintf(a, sizeof(a), "10.9.%u.%u", i >> 8, i & 0xff);
		m = test_pkt_udp4(a, 1000, "192.0.2.9", 53);
		npfct_pkt_parse(&pkt, m);
		con = npfct_conn_establish(fa->ct, &pkt, NPFCT_DIR_OUT, false);
		if (con != NULL) {
			npfct_conn_release(con);
			fa->made++;
		}
		rte_pktmbuf_free(m);
	}
	return 0;
}

static void
test_import_room(void **state)
{
	struct npfct *ct2 = test_ct_create("t2", 64);
	struct fill_arg fa[2];
	unsigned int lcore, k = 0;
	uint64_t created;
	uint8_t *img;
	ssize_t len;

	(void)state;
	assert_non_null(ct2);
	/* 61 connections made on two other lcores: 3 left. */
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (k == 2)
			break;
		fa[k] = (struct fill_arg){ .ct = ct2, .first = k * 100,
		    .n = k == 0 ? 30 : 31 };
		assert_int_equal(rte_eal_remote_launch(fill_lcore, &fa[k],
		    lcore), 0);
		k++;
	}
	assert_int_equal(k, 2);
	rte_eal_mp_wait_lcore();
	assert_int_equal(fa[0].made + fa[1].made, 61);
	populate(test_ct);	/* three connections */
	img = export_all(test_ct, &len);
	assert_int_equal(len, HDR + 3 * REC);
	assert_int_equal(npfct_import(ct2, NULL, img, (size_t)len, NULL), 3);
	/* 63 IPv4 (max 64), 1 IPv6. */
	assert_int_equal(npfct_count(ct2), 64);
	/* Its two IPv4 records no longer fit: refused before anything. */
	created = test_ct_stat(ct2, NPFCT_STAT_CONN_CREATE);
	assert_int_equal(npfct_import(ct2, NULL, img, (size_t)len, NULL),
	    -ENOSPC);
	assert_int_equal(test_ct_stat(ct2, NPFCT_STAT_CONN_CREATE), created);
	assert_int_equal(npfct_count(ct2), 64);
	free(img);
	npfct_destroy(ct2);
}

/* Import checks its arguments before it touches the buffer. */
static void
test_import_null_buffer(void **state)
{
	(void)state;
	assert_int_equal(npfct_import(test_ct, NULL, NULL, HDR + REC, NULL),
	    -EINVAL);
	assert_int_equal(npfct_import(NULL, NULL, NULL, 0, NULL), -EINVAL);
	assert_int_equal(npfct_count(test_ct), 0);
}

/* Imported connections pass traffic: TCP window state, NAT, ICMPv6. */
static void
test_import_passes_traffic(void **state)
{
	struct npfct *ct2 = test_ct_create("t2", 64);
	struct test_pkt_spec data = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = "192.0.2.80",
		.dst = "10.0.0.1", .sport = 80, .dport = 40000,
		.tcp_flags = NPFCT_TH_ACK, .seq = 5001, .ack = 1201,
		.win = 1000, .payload_len = 100, .wscale = -1,
	};
	struct test_pkt_spec far = data;
	struct test_pkt_spec xreply = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "198.51.100.53",
		.dst = "203.0.113.7", .sport = 53, .dport = 61000,
		.wscale = -1,
	};
	struct test_pkt_spec echo6 = {
		.af = AF_INET6, .proto = IPPROTO_ICMPV6, .src = "2001:db8:1::1",
		.dst = "2001:db8::1", .icmp_type = 129, .icmp_id = 42,
		.port = 3, .wscale = -1,
	};
	struct npfct_conn *con;
	bool forw;
	uint8_t *a, v;
	ssize_t la;

	(void)state;
	populate(test_ct);
	a = export_all(test_ct, &la);
	npfct_clock_set(ct2, npfct_clock_now(test_ct));
	assert_int_equal(npfct_import(ct2, NULL, a, la, &ops), 3);

	assert_non_null(send_pkt(ct2, &data, NPFCT_DIR_IN, false, &v));
	assert_int_equal(v, NPFCT_V_MATCH);
	/* The window data came along: far out of window is refused. */
	far.seq = 5001 + 50000000;
	assert_null(send_pkt(ct2, &far, NPFCT_DIR_IN, false, &v));
	assert_int_equal(v, NPFCT_V_INVALID);
	con = send_pkt(ct2, &xreply, NPFCT_DIR_IN, false, &v);
	assert_non_null(con);
	assert_ptr_equal(npfct_conn_retnat(con, NPFCT_DIR_IN, &forw),
	    &nat_handle);
	assert_true(npfct_conn_pass(con, NULL));
	assert_non_null(send_pkt(ct2, &echo6, NPFCT_DIR_IN, false, &v));
	echo6.port = 4;
	assert_null(send_pkt(ct2, &echo6, NPFCT_DIR_IN, false, &v));
	free(a);
	npfct_destroy(ct2);
}

/* Export while two lcores run traffic through the instance. */
static volatile bool traffic_stop;

static int
traffic(void *arg)
{
	unsigned int id = rte_lcore_id(), i = 0;
	struct test_pkt_spec udp = {
		.af = AF_INET, .proto = IPPROTO_UDP, .dst = "192.0.2.1",
		.dport = 53, .wscale = -1,
	};
	char src[32];

	(void)arg;
	npfct_thread_register();
	while (!traffic_stop) {
		snprintf(src, sizeof(src), "10.%u.%u.%u", id,
		    (i >> 8) & 0xff, i & 0xff);
		udp.src = src;
		udp.sport = (uint16_t)(1024 + (i % 8));
		send_pkt(test_ct, &udp, NPFCT_DIR_OUT, true, NULL);
		npfct_quiescent();
		if (++i == 700)
			i = 0;
	}
	npfct_thread_unregister();
	return 0;
}

static void
test_export_under_traffic(void **state)
{
	unsigned int lcore, n = 0, rounds;
	struct npfct *ct2;
	uint8_t *a;
	ssize_t la;
	int k;

	(void)state;
	traffic_stop = false;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n++ == 2)
			break;
		assert_int_equal(rte_eal_remote_launch(traffic, NULL, lcore),
		    0);
	}
	for (rounds = 0; rounds < 20; rounds++) {
		a = export_all(test_ct, &la);
		ct2 = test_ct_create("t2", TEST_CT_MAX);
		k = npfct_import(ct2, NULL, a, la, NULL);
		assert_int_equal(k, (la - HDR) / REC);
		npfct_destroy(ct2);
		free(a);
		/* The G/C runs too (this thread is offline meanwhile). */
		npfct_thread_offline();
		npfct_gc(test_ct);
		npfct_thread_online();
	}
	traffic_stop = true;
	npfct_thread_offline();
	rte_eal_mp_wait_lcore();
	npfct_thread_online();
}

/*
 * Export while another lcore's setnat calls lose their race: the new
 * backwards key is another connection's, so npfct_conn_setnat() removes
 * the loser's entry at once (as NPF) and a new connection takes its key.
 * Every image must still import whole into an empty instance: a record
 * of the loser (with the backwards key it wanted, or next to one for the
 * connection that took its key) makes the import fail with EEXIST.
 */
#define RACE_BATCH	48
#define RACE_ROUNDS	300

static volatile bool racer_stop;
static uint64_t racer_lost;
static int racer_other;

static struct rte_mbuf *
racer_pkt(unsigned int round, unsigned int i, struct npfct_pkt *pkt)
{
	struct test_pkt_spec udp = {
		.af = AF_INET, .proto = IPPROTO_UDP, .dst = "192.0.2.1",
		.dport = 53, .wscale = -1,
	};
	struct rte_mbuf *m;
	char src[32];

	snprintf(src, sizeof(src), "10.77.%u.%u", round % 200, i);
	udp.src = src;
	udp.sport = 2000;
	m = test_pkt_build(&udp);
	npfct_pkt_parse(pkt, m);
	return m;
}

static int
setnat_racer(void *arg)
{
	/* This round's packets and last round's (parity of the round). */
	struct rte_mbuf *mbufs[2][RACE_BATCH];
	struct npfct_pkt pkts[2][RACE_BATCH];
	struct npfct_conn *won[RACE_BATCH], *con;
	bool taken[RACE_BATCH] = { false }, forw;
	union npfct_addr ta;
	unsigned int round, i;
	static int nat;
	int ret;

	(void)arg;
	/* The translation the connection "c" below already holds. */
	ta.v4 = inet_addr("203.0.113.7");
	npfct_thread_register();
	for (round = 0; !racer_stop; round++) {
		struct npfct_pkt *pkt = pkts[round & 1];
		struct npfct_pkt *last = pkts[(round & 1) ^ 1];

		for (i = 0; i < RACE_BATCH; i++) {
			/*
			 * Last round's winners go (the G/C reclaims them):
			 * looked up again, as the G/C may have evicted and
			 * freed one since (early drop).
			 */
			if (taken[i]) {
				con = npfct_conn_lookup(test_ct, &last[i],
				    NPFCT_DIR_OUT, &forw);
				if (con != NULL)
					npfct_conn_expire(con);
				rte_pktmbuf_free(mbufs[(round & 1) ^ 1][i]);
				taken[i] = false;
			}
			mbufs[round & 1][i] = racer_pkt(round, i, &pkt[i]);
			won[i] = npfct_conn_establish(test_ct, &pkt[i],
			    NPFCT_DIR_OUT, false);
			if (won[i] != NULL)
				npfct_conn_release(won[i]);
		}
		/* Active connections lose their setnat race... */
		for (i = 0; i < RACE_BATCH; i++) {
			if (won[i] == NULL)
				continue;
			ret = npfct_conn_setnat(test_ct, &pkt[i], won[i], &nat,
			    NPFCT_NAT_OUT, &ta, htons(61000));
			if (ret == -EISCONN)
				racer_lost++;
			else if (ret != -EINVAL)	/* EINVAL: early drop */
				racer_other = ret;	/* checked below */
		}
		/* ...and new connections take their keys. */
		for (i = 0; i < RACE_BATCH; i++) {
			if (won[i] != NULL) {
				con = npfct_conn_establish(test_ct, &pkt[i],
				    NPFCT_DIR_OUT, false);
				if (con != NULL) {
					npfct_conn_release(con);
					taken[i] = true;
				}
			}
			if (!taken[i])
				rte_pktmbuf_free(mbufs[round & 1][i]);
		}
		npfct_quiescent();
	}
	for (i = 0; i < RACE_BATCH; i++)
		if (taken[i])
			rte_pktmbuf_free(mbufs[(round & 1) ^ 1][i]);
	npfct_thread_unregister();
	return 0;
}

static void
test_export_setnat_race(void **state)
{
	struct test_pkt_spec c = {
		.af = AF_INET, .proto = IPPROTO_UDP, .src = "203.0.113.7",
		.dst = "192.0.2.1", .sport = 61000, .dport = 53,
		.wscale = -1,
	};
	struct test_pkt_spec udp = c;
	unsigned int lcore, rounds;
	struct npfct *ct2;
	char src[32];
	uint8_t *a;
	ssize_t la;
	int k;

	(void)state;
	/* "c" holds the key every setnat above wants. */
	assert_non_null(send_pkt(test_ct, &c, NPFCT_DIR_OUT, true, NULL));
	/* Others make each export walk long enough to meet the racer. */
	for (k = 0; k < 400; k++) {
		snprintf(src, sizeof(src), "10.88.%d.%d", k / 250, k % 250);
		udp.src = src;
		assert_non_null(send_pkt(test_ct, &udp, NPFCT_DIR_OUT, true,
		    NULL));
	}
	racer_stop = false;
	racer_lost = 0;
	racer_other = 0;
	lcore = rte_get_next_lcore(-1, 1, 0);
	assert_true(lcore < RTE_MAX_LCORE);
	assert_int_equal(rte_eal_remote_launch(setnat_racer, NULL, lcore), 0);
	for (rounds = 0, k = 0; rounds < RACE_ROUNDS; rounds++) {
		a = export_all(test_ct, &la);
		ct2 = test_ct_create("t2", TEST_CT_MAX);
		assert_non_null(ct2);
		k = npfct_import(ct2, NULL, a, la, NULL);
		npfct_destroy(ct2);
		free(a);
		if (k != (la - HDR) / REC) {
			print_message("round %u: import of %zd records "
			    "returned %d\n", rounds, (la - HDR) / REC, k);
			break;
		}
		npfct_thread_offline();
		npfct_gc(test_ct);
		npfct_thread_online();
	}
	racer_stop = true;
	npfct_thread_offline();
	assert_int_equal(rte_eal_wait_lcore(lcore), 0);
	npfct_thread_online();
	/* Each image went in whole. */
	assert_int_equal(rounds, RACE_ROUNDS);
	/* The races did happen, and only as planned. */
	assert_int_equal(racer_other, 0);
	assert_true(racer_lost > 0);
	print_message("setnat races lost during exports: %" PRIu64 "\n",
	    racer_lost);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_export_bad_args),
		T(test_import_rejects),
		T(test_export_import_round_trip),
		T(test_export_import_zones),
		T(test_export_idle_newer_stamp),
		T(test_export_image_len_64bit),
		T(test_import_null_buffer),
		T(test_import_room),
		T(test_import_every_truncation_and_flip),
		T(test_import_passes_traffic),
		T(test_export_under_traffic),
		T(test_export_setnat_race),
	};

	return cmocka_run_group_tests_name("export", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
