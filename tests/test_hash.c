/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the keyed hash (src/hash.c, src/npfct_hash.h) and of hash
 * flooding: the SipHash family against the reference test vectors, the
 * AES routine's bulk and single forms, keys drawn per database, and the
 * attacks:
 *
 *	- CRC32C is linear: 40 UDP tuples whose CRCs are equal under every
 *	  seed are computed by linear algebra, without any seed.  Into a
 *	  table hashed with CRC32C (the library's hash before the keyed
 *	  one) only 16 of them go (one bucket pair); the other 24 are
 *	  refused as bucket-full, and the refusals must not make the G/C
 *	  early-drop unrelated connections.  Into a table with the keyed
 *	  hash all 40 go.
 *	- With the key known (NPFCT_F_FIXED_HASH_SEED, the same in every
 *	  instance), 40 tuples sharing a bucket pair are found by brute
 *	  force; they collide in a second instance with the same key, and
 *	  spread over the buckets of an instance with a random key.
 *
 * Synchronisation
 *
 *	Main thread only (a registered QSBR reader, test_ct_setup()).
 */

#include <errno.h>
#include <inttypes.h>
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
#include <rte_hash_crc.h>
#include <rte_random.h>

#include "npfct_impl.h"
#include "test_ct.h"
#include "test_eal.h"

#define NATTACK		40	/* tuples of one attack */
#define BUCKET_SLOTS	8	/* rte_hash's entries per bucket */
#define SERVER		0xc0000201u	/* 192.0.2.1, host order */

/*
 * Reference vectors (SipHash's reference implementation, vectors.h):
 * key 00 01 .. 0f (SipHash) or 00 .. 07 (HalfSipHash), message 00 01 ..
 * of the given length.  64-bit SipHash-2-4 and 32-bit HalfSipHash-2-4
 * outputs, as little-endian integers.
 */
static const struct {
	unsigned int len;
	uint64_t out;
} sip24_vectors[] = {
	{ 0, 0x726fdb47dd0e0e31ull }, { 8, 0x93f5f5799a932462ull },
	{ 16, 0x3f2acc7f57c29bdbull }, { 24, 0xb8ad50c6f649af94ull },
	{ 32, 0x7127512f72f27cceull }, { 40, 0x0e3ea96b5304a7d0ull },
	{ 48, 0xe612a3cb9ecba951ull },
};

static const struct {
	unsigned int len;
	uint32_t out;
} hsip24_vectors[] = {
	{ 0, 0x5b9f35a9u }, { 4, 0x89466e2au }, { 8, 0x8f84b8d0u },
	{ 12, 0x2f87f057u }, { 16, 0x84acb5d9u }, { 24, 0x630c4027u },
	{ 32, 0x1221e7feu }, { 40, 0x4018bcb6u }, { 48, 0xe32ce169u },
};

static void
test_hash_siphash_vectors(void **state)
{
	uint64_t k[2];
	uint32_t hk[2];
	uint8_t key[16], msg[64];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	/* The key words are read little-endian, as the message words. */
	memcpy(k, key, sizeof(k));
	k[0] = rte_le_to_cpu_64(k[0]);
	k[1] = rte_le_to_cpu_64(k[1]);
	memcpy(hk, key, sizeof(hk));
	hk[0] = rte_le_to_cpu_32(hk[0]);
	hk[1] = rte_le_to_cpu_32(hk[1]);
	for (i = 0; i < RTE_DIM(sip24_vectors); i++)
		assert_true(npfct_siphash(k, msg, sip24_vectors[i].len, 2, 4) ==
		    sip24_vectors[i].out);
	for (i = 0; i < RTE_DIM(hsip24_vectors); i++)
		assert_true(npfct_halfsiphash(hk, msg, hsip24_vectors[i].len,
		    2, 4) == hsip24_vectors[i].out);
	/* 1-3 is another function of the same key. */
	assert_true(npfct_siphash(k, msg, 16, 1, 3) !=
	    npfct_siphash(k, msg, 16, 2, 4));
}

/* Every function: deterministic for one key, different for another. */
static void
test_hash_keys_per_database(void **state)
{
	const enum npfct_hash_func funcs[] = { NPFCT_HASH_SIPHASH13,
	    NPFCT_HASH_HALFSIPHASH13, NPFCT_HASH_AES, NPFCT_HASH_CRC32C };
	uint32_t keys[64][NPFCT_KEY6_WORDS];
	const void *ptr[64];
	hash_sig_t bulk[64];
	struct npfct_hash a, b, f1, f2;
	unsigned int i, f, len, differ;

	(void)state;
	for (i = 0; i < RTE_DIM(keys); i++) {
		memset(keys[i], 0, sizeof(keys[i]));
		keys[i][0] = 17u << 8 | 4;
		keys[i][1] = i * 2654435761u;
		keys[i][2] = 0x0a000000u + i;
		keys[i][3] = SERVER;
		ptr[i] = keys[i];
	}
	for (f = 0; f < RTE_DIM(funcs); f++) {
		if (!npfct_hash_func_supported(funcs[f])) {
			assert_int_equal(npfct_hash_init(&a, funcs[f], false),
			    -ENOTSUP);
			continue;
		}
		assert_int_equal(npfct_hash_init(&a, funcs[f], false), 0);
		assert_int_equal(npfct_hash_init(&b, funcs[f], false), 0);
		assert_int_equal(npfct_hash_init(&f1, funcs[f], true), 0);
		assert_int_equal(npfct_hash_init(&f2, funcs[f], true), 0);
		assert_int_equal(a.h_func, funcs[f]);
		for (len = 16; len <= 48; len += 32) {
			npfct_hash_bulk(&a, ptr, len, RTE_DIM(keys), bulk);
			differ = 0;
			for (i = 0; i < RTE_DIM(keys); i++) {
				/* Bulk and single agree. */
				assert_int_equal(bulk[i],
				    npfct_hash_sig(&a, keys[i], len));
				/* A fixed key is the same every time. */
				assert_int_equal(npfct_hash_sig(&f1, keys[i],
				    len), npfct_hash_sig(&f2, keys[i], len));
				differ += npfct_hash_sig(&a, keys[i], len) !=
				    npfct_hash_sig(&b, keys[i], len);
			}
			/* Two random keys: (almost) every signature moves. */
			assert_true(differ >= RTE_DIM(keys) - 2);
		}
	}
	/* The default is keyed, and resolved. */
	assert_int_equal(npfct_hash_init(&a, NPFCT_HASH_DEFAULT, false), 0);
	assert_true(a.h_func == NPFCT_HASH_AES ||
	    a.h_func == NPFCT_HASH_SIPHASH13);
	assert_int_equal(npfct_hash_init(&a, NPFCT_HASH_MAX, false), -EINVAL);
}

/*
 * No additive structure across a key's blocks: for a keyed function the
 * signatures of (a, b), (a', b), (a, b'), (a', b') (48-byte keys, blocks
 * 0 and 1 varied, block 2 fixed) do not sum to zero, as they do for CRC
 * (affine) and for blocks hashed apart and XORed.
 */
static void
test_hash_no_block_sum(void **state)
{
	const enum npfct_hash_func funcs[] = { NPFCT_HASH_SIPHASH13,
	    NPFCT_HASH_HALFSIPHASH13, NPFCT_HASH_AES, NPFCT_HASH_CRC32C };
	uint8_t k[4][48];
	struct npfct_hash h;
	unsigned int f, t, i, zero;
	hash_sig_t sum;

	(void)state;
	for (f = 0; f < RTE_DIM(funcs); f++) {
		if (npfct_hash_init(&h, funcs[f], false) != 0)
			continue;
		zero = 0;
		for (t = 0; t < 100; t++) {
			for (i = 0; i < 48; i++)
				k[0][i] = (uint8_t)rte_rand();
			memcpy(k[1], k[0], 48);
			memcpy(k[2], k[0], 48);
			for (i = 0; i < 16; i++) {
				k[1][i] ^= (uint8_t)(rte_rand() | 1);	/* a' */
				k[2][16 + i] ^= (uint8_t)(rte_rand() | 1); /* b' */
			}
			memcpy(k[3], k[1], 48);
			memcpy(k[3] + 16, k[2] + 16, 16);		/* a', b' */
			sum = 0;
			for (i = 0; i < 4; i++)
				sum ^= npfct_hash_sig(&h, k[i], 48);
			zero += sum == 0;
		}
		if (funcs[f] == NPFCT_HASH_CRC32C)
			assert_int_equal(zero, 100);
		else
			assert_int_equal(zero, 0);
	}
}

/*
 * A UDP tuple of the attacks: source 10.x.y.z:sport, destination
 * SERVER:53.  Its canonical key is its forwards key (10/8 sorts first).
 */
static void
tuple_pkt(uint32_t src, uint16_t sport, struct npfct_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->status = NPFCT_PARSE_OK;
	pkt->flags = NPFCT_PKT_IP4 | NPFCT_PKT_L4;
	pkt->proto = IPPROTO_UDP;
	pkt->alen = 4;
	pkt->src.a32[0] = rte_cpu_to_be_32(src);
	pkt->dst.a32[0] = rte_cpu_to_be_32(SERVER);
	pkt->sport = rte_cpu_to_be_16(sport);
	pkt->dport = rte_cpu_to_be_16(53);
}

static void
tuple_key(uint32_t src, uint16_t sport, uint32_t *key)
{
	struct npfct_pkt pkt;
	bool swapped;

	tuple_pkt(src, sport, &pkt);
	assert_int_equal(npfct_connkey_build_canon(&pkt, key, &swapped), 16);
	assert_false(swapped);
}

/*
 * crc_colliding_tuples: n tuples whose keys have the same CRC32C under
 * every seed, found without a seed.
 *
 * For keys of one length crc(s, a ^ b) = crc(s, a) ^ crc(s, b) ^
 * crc(s, 0): flipping bit i of a key changes its CRC by d_i, whatever the
 * seed.  With 40 free bits (the source port and the low 24 bits of the
 * source address) and 32-bit CRCs, the flips whose d_i sum to zero form
 * a space of at least 2^8 elements: Gaussian elimination finds its basis.
 */
static void
crc_colliding_tuples(uint32_t *src, uint16_t *sport, unsigned int n)
{
	const uint32_t base_src = 0x0a000000u;
	const uint16_t base_sport = 1024;
	uint32_t key0[NPFCT_KEY4_WORDS], key[NPFCT_KEY4_WORDS];
	uint32_t pivot_vec[32], d;
	uint64_t pivot_mask[32], basis[40], m;
	unsigned int i, b, nbasis = 0, k;
	uint32_t c0;

	tuple_key(base_src, base_sport, key0);
	c0 = rte_hash_crc(key0, 16, 0);
	memset(pivot_vec, 0, sizeof(pivot_vec));
	/* Free bit i < 16: sport bit i; 16 <= i < 40: source bit i - 16. */
	for (i = 0; i < 40; i++) {
		if (i < 16)
			tuple_key(base_src, (uint16_t)(base_sport ^ (1u << i)),
			    key);
		else
			tuple_key(base_src ^ (1u << (i - 16)), base_sport,
			    key);
		d = rte_hash_crc(key, 16, 0) ^ c0;
		m = 1ull << i;
		for (b = 32; b-- > 0; ) {
			if (!(d & (1u << b)))
				continue;
			if (pivot_vec[b] == 0) {
				pivot_vec[b] = d;
				pivot_mask[b] = m;
				break;
			}
			d ^= pivot_vec[b];
			m ^= pivot_mask[b];
		}
		if (d == 0)
			basis[nbasis++] = m;	/* a combination of zero change */
	}
	assert_true(nbasis >= 8);
	/* Every subset of the basis is a colliding flip set; 0 is the base. */
	for (k = 0; k < n; k++) {
		m = 0;
		for (b = 0; b < nbasis; b++)
			if (k & (1u << b))
				m ^= basis[b];
		src[k] = base_src ^ (uint32_t)((m >> 16) & 0xffffff);
		sport[k] = (uint16_t)(base_sport ^ (m & 0xffff));
	}
}

/* Establish a tuple; returns 0 or the errno. */
static int
tuple_establish(struct npfct *ct, uint32_t src, uint16_t sport)
{
	struct npfct_conn *con;
	struct npfct_pkt pkt;

	tuple_pkt(src, sport, &pkt);
	con = npfct_conn_establish(ct, &pkt, NPFCT_DIR_OUT, false);
	if (con == NULL)
		return rte_errno;
	npfct_conn_release(con);
	return 0;
}

static struct npfct *
hash_ct_create(const char *name, uint32_t max, enum npfct_hash_func func,
		uint32_t flags)
{
	const struct npfct_gc_params gc = { .early_drop = 64 };
	struct npfct_params p = {
		.name = name,
		.socket_id = SOCKET_ID_ANY,
		.max_conns = max,
		.flags = flags,
		.hash = func,
		.gc = &gc,
	};
	struct npfct *ct = npfct_create(&p);

	assert_non_null(ct);
	npfct_clock_manual(ct, TEST_CT_T0 * 1000000000ull);
	return ct;
}

/* Establish the attack's tuples; returns how many were refused. */
static unsigned int
attack(struct npfct *ct, const uint32_t *src, const uint16_t *sport,
		unsigned int n)
{
	unsigned int i, refused = 0;
	int ret;

	for (i = 0; i < n; i++) {
		ret = tuple_establish(ct, src[i], sport[i]);
		if (ret != 0) {
			assert_int_equal(ret, ENOSPC);
			refused++;
		}
	}
	return refused;
}

/* 64 unanswered UDP flows: embryonic, what early drop would evict. */
static void
embryonic_flows(struct npfct *ct)
{
	unsigned int i;

	for (i = 0; i < 64; i++)
		assert_int_equal(tuple_establish(ct, 0x0b000000u + i, 2000),
		    0);
}

static void
test_hash_crc_flood(void **state)
{
	uint32_t src[NATTACK], key[NPFCT_KEY4_WORDS];
	uint16_t sport[NATTACK];
	struct npfct *ct;
	unsigned int i;
	uint32_t s1, s2, c1, c2;

	(void)state;
	crc_colliding_tuples(src, sport, NATTACK);
	/* One CRC for all, under any two seeds. */
	s1 = (uint32_t)rte_rand();
	s2 = s1 ^ 0x9e3779b9u;
	tuple_key(src[0], sport[0], key);
	c1 = rte_hash_crc(key, 16, s1);
	c2 = rte_hash_crc(key, 16, s2);
	for (i = 1; i < NATTACK; i++) {
		tuple_key(src[i], sport[i], key);
		assert_int_equal(rte_hash_crc(key, 16, s1), c1);
		assert_int_equal(rte_hash_crc(key, 16, s2), c2);
	}

	/*
	 * CRC32C, random seed: two buckets' worth go in, 24 are refused (a
	 * table without extendable buckets, where the rest would go).
	 */
	ct = hash_ct_create("crc", 2048, NPFCT_HASH_CRC32C, 0);
	assert_false(npfct_conndb_needs_ext(npfct_conndb_entries(ct,
	    NPFCT_AF4)));
	embryonic_flows(ct);
	assert_int_equal(attack(ct, src, sport, NATTACK),
	    NATTACK - 2 * BUCKET_SLOTS);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_BUCKET_FULL),
	    NATTACK - 2 * BUCKET_SLOTS);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_TABLE_FULL), 0);
	/* Full buckets in a table with room: no early drop. */
	assert_int_equal(npfct_gc(ct), 0);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_EARLY_DROP), 0);
	assert_int_equal(npfct_count(ct), 64 + 2 * BUCKET_SLOTS);
	npfct_destroy(ct);

	/* The keyed default: every one goes in. */
	ct = hash_ct_create("keyed", 2048, NPFCT_HASH_DEFAULT, 0);
	embryonic_flows(ct);
	assert_int_equal(attack(ct, src, sport, NATTACK), 0);
	assert_int_equal(test_ct_stat(ct, NPFCT_STAT_BUCKET_FULL), 0);
	assert_int_equal(npfct_count(ct), 64 + NATTACK);
	npfct_destroy(ct);
}

/* The IPv4 table's bucket index mask (rte_hash: entries / 8 buckets). */
static uint32_t
bucket_mask(const struct npfct *ct)
{
	return rte_align32pow2(npfct_conndb_entries(ct, NPFCT_AF4)) /
	    BUCKET_SLOTS - 1;
}

/* The bucket pair of a signature, as rte_hash derives it. */
static uint64_t
bucket_pair(hash_sig_t sig, uint32_t mask)
{
	const uint32_t prim = sig & mask;
	const uint32_t alt = (prim ^ (sig >> 16)) & mask;

	return prim < alt ? (uint64_t)prim << 32 | alt :
	    (uint64_t)alt << 32 | prim;
}

static void
test_hash_known_key_flood(void **state)
{
	uint32_t src[NATTACK], key[NPFCT_KEY4_WORDS], mask;
	uint16_t sport[NATTACK];
	struct npfct *a, *b, *c;
	struct npfct_db *db;
	uint64_t want, tries = 0;
	unsigned int n = 0;
	uint32_t s;

	(void)state;
	/* The attacker knows A's key: A and B share the fixed one. */
	a = hash_ct_create("known_a", 256, NPFCT_HASH_DEFAULT,
	    NPFCT_F_FIXED_HASH_SEED);
	b = hash_ct_create("known_b", 256, NPFCT_HASH_DEFAULT,
	    NPFCT_F_FIXED_HASH_SEED);
	c = hash_ct_create("secret", 256, NPFCT_HASH_DEFAULT, 0);
	assert_int_equal(bucket_mask(a), bucket_mask(c));
	mask = bucket_mask(a);
	db = npfct_db_get(a);
	tuple_key(0x0a000000u, 1024, key);
	want = bucket_pair(npfct_conndb_hash(db, key, 4), mask);
	for (s = 0; n < NATTACK; s++) {
		const uint32_t addr = 0x0a000000u + (s >> 16);
		const uint16_t port = (uint16_t)(1024 + s);

		tuple_key(addr, port, key);
		tries++;
		if (bucket_pair(npfct_conndb_hash(db, key, 4), mask) != want)
			continue;
		src[n] = addr;
		sport[n] = port;
		n++;
	}
	print_message("%u tuples sharing a bucket pair of %u buckets "
	    "found in %" PRIu64 " tries\n", n, mask + 1, tries);

	/* Known key: they collide in B as in A. */
	assert_int_equal(attack(b, src, sport, NATTACK),
	    NATTACK - 2 * BUCKET_SLOTS);
	assert_int_equal(test_ct_stat(b, NPFCT_STAT_BUCKET_FULL),
	    NATTACK - 2 * BUCKET_SLOTS);
	/* Secret key: they spread over C's buckets. */
	assert_int_equal(attack(c, src, sport, NATTACK), 0);
	assert_int_equal(test_ct_stat(c, NPFCT_STAT_BUCKET_FULL), 0);
	npfct_destroy(a);
	npfct_destroy(b);
	npfct_destroy(c);
}

/* Every function tracks connections: establish, look up, burst. */
static void
test_hash_every_function_tracks(void **state)
{
	struct npfct_conn *conns[32];
	struct npfct_pkt pkts[32];
	uint8_t verdicts[32];
	enum npfct_hash_func f;
	struct npfct *ct;
	unsigned int i, j;
	char name[16];

	(void)state;
	for (f = NPFCT_HASH_DEFAULT; f < NPFCT_HASH_MAX; f++) {
		if (!npfct_hash_func_supported(f))
			continue;
		snprintf(name, sizeof(name), "f%u", f);
		ct = hash_ct_create(name, 2048, f, 0);
		assert_string_equal(npfct_hash_func_name(
		    npfct_hash_func_get(ct)), npfct_hash_func_name(
		    f == NPFCT_HASH_DEFAULT ? npfct_hash_func_get(ct) : f));
		assert_true(npfct_hash_func_get(ct) != NPFCT_HASH_DEFAULT);
		for (i = 0; i < 1024; i++)
			assert_int_equal(tuple_establish(ct, 0x0a000000u + i,
			    (uint16_t)(1024 + i)), 0);
		for (i = 0; i < 1024; i += 32) {
			for (j = 0; j < 32; j++)
				tuple_pkt(0x0a000000u + i + j,
				    (uint16_t)(1024 + i + j), &pkts[j]);
			assert_int_equal(npfct_inspect_burst_parsed(ct, pkts,
			    32, NPFCT_DIR_OUT, conns, verdicts), 32);
		}
		npfct_destroy(ct);
	}
	assert_int_equal(npfct_hash_func_lookup("siphash13"),
	    NPFCT_HASH_SIPHASH13);
	assert_int_equal(npfct_hash_func_lookup("nope"), -EINVAL);
	assert_null(npfct_hash_func_name(NPFCT_HASH_MAX));
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hash_siphash_vectors),
		T(test_hash_keys_per_database),
		T(test_hash_no_block_sum),
		T(test_hash_crc_flood),
		T(test_hash_known_key_flood),
		T(test_hash_every_function_tracks),
	};

	return cmocka_run_group_tests_name("hash", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
