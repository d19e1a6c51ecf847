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
 *	  connection, as many destroyed as created;
 *	- an accepted image inserted exactly its records, and exporting
 *	  them gives the same records to the byte; that export imports
 *	  whole into a second instance.
 *
 * Seeds: real images written by fuzz_seed_import (a few connections of
 * every kind), and their truncations (tests/fuzz/meson.build).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "npfct_impl.h"
#include "npfct_stats.h"
#include "fuzz_common.h"

#define HDR_LEN		32
#define REC_LEN		128
#define MAX_CONNS	64
#define IMAGE_MAX	(HDR_LEN + 4 * MAX_CONNS * REC_LEN)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct npfct *ct, *ct2;
static uint8_t image[IMAGE_MAX], again[IMAGE_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_init();
	ct = fuzz_instance("imp", MAX_CONNS, 0);
	ct2 = fuzz_instance("imp2", MAX_CONNS, 0);
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

/* Nothing left: flush, and every connection made was destroyed. */
static void
check_empty(struct npfct *c)
{
	struct npfct_stats st;

	FUZZ_CHECK(npfct_flush(c) >= 0);
	FUZZ_CHECK(npfct_count(c) == 0);
	FUZZ_CHECK(npfct_stats_get(c, &st) == 0);
	FUZZ_CHECK(st.count[NPFCT_STAT_CONN_CREATE] ==
	    st.count[NPFCT_STAT_CONN_DESTROY]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct npfct_db *db = NULL;
	ssize_t elen;
	size_t len;
	int ret;

	if (size < 1 || size - 1 > sizeof(image))
		return 0;
	len = size - 1;
	memcpy(image, data + 1, len);
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
		    ret == -EEXIST);
		check_empty(ct);
		return 0;
	}
	/* Accepted: its records, and they export as they came. */
	FUZZ_CHECK((size_t)ret == (len - HDR_LEN) / REC_LEN);
	FUZZ_CHECK(npfct_count(ct) == (uint32_t)ret);
	elen = npfct_export(ct, again, sizeof(again));
	FUZZ_CHECK(elen == (ssize_t)len);
	FUZZ_CHECK(memcmp(again + HDR_LEN, image + HDR_LEN,
	    len - HDR_LEN) == 0);
	FUZZ_CHECK(npfct_import(ct2, NULL, again, (size_t)elen, NULL) ==
	    ret);
	check_empty(ct2);
	check_empty(ct);
	return 0;
}
