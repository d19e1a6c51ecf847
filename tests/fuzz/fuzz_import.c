/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * libFuzzer target: import of export images (src/export.c).
 *
 * Input: one byte of mode, then an image.  Mode bit 0: recompute the
 * image's CRC32C before importing it, so that mutations get past the
 * checksum to the header and record checks; bit 1: import into a new
 * database and install it with npfct_load(), instead of the current one.
 * For every input:
 *
 *	- a refused image (negative errno) leaves nothing behind: no
 *	  connection, as many destroyed as created, no zone counted;
 *	- an accepted image inserted exactly its records, each counted in
 *	  its zone, and exporting them gives the same records to the byte
 *	  (version 3; versions 1 and 2: the bytes they have, then zero
 *	  counters); that export imports whole into a second instance.
 *
 * Zone ZONE_LIMITED of the first instance holds two connections at most,
 * so an image with more in it must be refused whole.  Both instances
 * have the same NAT policies (endpoint-independent, port blocks,
 * endpoint-dependent source NAT, a port forward, a static map), so that
 * translated records are attached to them and take their bindings again:
 * an image whose records clash in a binding is refused (-EADDRINUSE), and
 * after every input no binding is left.
 *
 * Seeds: real images written by fuzz_seed_import (a few connections of
 * every kind), and their truncations (tests/fuzz/meson.build).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "npfct_impl.h"
#include "npfct_nat_impl.h"
#include "npfct_stats.h"
#include "fuzz_common.h"

#define HDR_LEN		32
#define REC_LEN		160	/* version 3 */
#define REC_LEN_V2	128	/* versions 1 and 2 */
#define REC_COMMON	128	/* what versions share (the rest: mark 0) */
#define MAX_CONNS	64
#define IMAGE_MAX	(HDR_LEN + 4 * MAX_CONNS * REC_LEN)
#define REC_ZONE	10	/* offset of a record's zone (big-endian) */
#define ZONE_LIMITED	1

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct npfct *ct, *ct2;
static uint8_t image[IMAGE_MAX], again[IMAGE_MAX];

/* The seeds' translated UDP connection: 10.0.0.2 -> 203.0.113.1:61000. */
static const char *const policies[] = {
	"dynamic 10.0.0.0/24 -> 203.0.113.0-203.0.113.3 endpoint-independent",
	("dynamic 10.0.1.0/24 -> 203.0.113.0-203.0.113.3 port-block 512 "
	    "blocks 2"),
	"dynamic 10.0.0.0/8 -> 203.0.113.0-203.0.113.3",
	"dynamic 10.0.0.9 port 80 <- 203.0.113.1 port 8080",
	"static 10.1.0.0/16 <-> 198.18.0.0/16",
};

static void
policies_add(struct npfct *c)
{
	struct npfct_nat_policy_conf conf;
	size_t i;

	for (i = 0; i < RTE_DIM(policies); i++)
		if (npfct_nat_policy_parse(policies[i], &conf, NULL, 0) != 0 ||
		    npfct_nat_policy_add(c, &conf) < 0)
			abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_init();
	/* Accounting: version 3 counters come back in the export. */
	ct = fuzz_instance("imp", MAX_CONNS, NPFCT_F_ACCOUNTING);
	ct2 = fuzz_instance("imp2", MAX_CONNS, NPFCT_F_ACCOUNTING);
	if (npfct_zone_limit_set(ct, ZONE_LIMITED, 2) != 0)
		abort();
	policies_add(ct);
	policies_add(ct2);
	return 0;
}

/* The CRC32C export.c writes: header with its crc field zero, records. */
static void
fix_crc(uint8_t *buf, size_t len)
{
	uint32_t crc;

	memset(buf + 24, 0, 4);
	crc = rte_hash_crc(buf, HDR_LEN, 0xffffffff);
	crc = rte_hash_crc(buf + HDR_LEN, (uint32_t)(len - HDR_LEN), crc);
	buf[24] = (uint8_t)(crc >> 24);
	buf[25] = (uint8_t)(crc >> 16);
	buf[26] = (uint8_t)(crc >> 8);
	buf[27] = (uint8_t)crc;
}

/* The record length the image's version has. */
static size_t rlen;

static void
rlen_set(size_t len)
{
	rlen = len >= 6 && (image[4] << 8 | image[5]) < 3 ? REC_LEN_V2 :
	    REC_LEN;
}

/* The zone field of each whole record of image[0, len). */
static uint16_t
rec_zone(size_t i)
{
	const uint8_t *z = &image[HDR_LEN + i * rlen + REC_ZONE];

	return (uint16_t)(z[0] << 8 | z[1]);
}

static size_t
whole_records(size_t len)
{
	return len < HDR_LEN ? 0 : (len - HDR_LEN) / rlen;
}

/*
 * The export of an accepted image has its records: the same bytes for
 * version 3; for versions 1 and 2 the first REC_COMMON bytes of each,
 * then zero counters.
 */
static void
check_same_records(const uint8_t *exp, size_t elen, size_t n)
{
	static const uint8_t zero[REC_LEN - REC_COMMON];
	size_t i;

	FUZZ_CHECK(elen == HDR_LEN + n * REC_LEN);
	if (rlen == REC_LEN) {
		FUZZ_CHECK(memcmp(exp + HDR_LEN, image + HDR_LEN,
		    n * REC_LEN) == 0);
		return;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *e = exp + HDR_LEN + i * REC_LEN;

		FUZZ_CHECK(memcmp(e, image + HDR_LEN + i * rlen,
		    REC_COMMON) == 0);
		FUZZ_CHECK(memcmp(e + REC_COMMON, zero, sizeof(zero)) == 0);
	}
}

/*
 * Nothing left: flush, every connection made was destroyed, and no zone
 * a record names counts any.
 */
static void
check_empty(struct npfct *c, size_t len)
{
	struct npfct_stats st;
	size_t i;

	FUZZ_CHECK(npfct_flush(c) >= 0);
	for (i = 0; i < whole_records(len); i++)
		FUZZ_CHECK(npfct_zone_count(c, rec_zone(i)) == 0);
	FUZZ_CHECK(npfct_count(c) == 0);
	FUZZ_CHECK(npfct_stats_get(c, &st) == 0);
	FUZZ_CHECK(st.count[NPFCT_STAT_CONN_CREATE] ==
	    st.count[NPFCT_STAT_CONN_DESTROY]);
	/* The bindings the connections held: released (no hold). */
	npfct_gc_sync(c);
	npfct_gc_sync(c);
	for (i = 0; i < c->ct_nat->nat_table->nt_n; i++)
		FUZZ_CHECK(npfct_nat_bindings_count(
		    c->ct_nat->nat_table->nt_p[i]) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct npfct_db *db = NULL;
	unsigned int limited;
	ssize_t elen;
	size_t len, i;
	int ret;

	if (size < 1 || size - 1 > sizeof(image))
		return 0;
	len = size - 1;
	memcpy(image, data + 1, len);
	rlen_set(len);
	if ((data[0] & 1) && len >= HDR_LEN)
		fix_crc(image, len);
	if (data[0] & 2) {
		db = npfct_db_create(ct);
		FUZZ_CHECK(db != NULL);
	}

	ret = npfct_import(ct, db, image, len, NULL);
	if (db != NULL) {
		if (ret >= 0)
			FUZZ_CHECK(npfct_load(ct, db, false) == 0);
		else
			npfct_db_destroy(ct, db);
	}
	if (ret < 0) {
		FUZZ_CHECK(ret == -EINVAL || ret == -EBADMSG ||
		    ret == -EPROTONOSUPPORT || ret == -ENOSPC ||
		    ret == -EDQUOT || ret == -EEXIST || ret == -EADDRINUSE);
		check_empty(ct, len);
		return 0;
	}
	/* Accepted: its records, and they export as they came. */
	FUZZ_CHECK((size_t)ret == (len - HDR_LEN) / rlen);
	FUZZ_CHECK(npfct_count(ct) == (uint32_t)ret);
	for (i = 0, limited = 0; i < (size_t)ret; i++) {
		FUZZ_CHECK(npfct_zone_count(ct, rec_zone(i)) >= 1);
		limited += rec_zone(i) == ZONE_LIMITED;
	}
	FUZZ_CHECK(limited <= 2);
	FUZZ_CHECK(npfct_zone_count(ct, ZONE_LIMITED) == limited);
	elen = npfct_export(ct, again, sizeof(again));
	FUZZ_CHECK(elen > 0);
	check_same_records(again, (size_t)elen, (size_t)ret);
	FUZZ_CHECK(npfct_import(ct2, NULL, again, (size_t)elen, NULL) ==
	    ret);
	check_empty(ct2, len);
	check_empty(ct, len);
	return 0;
}
