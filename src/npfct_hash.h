/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct_hash.h: keyed hashing of connection keys (hash.c).
 *
 * PRIVATE HEADER: not installed, not part of the API.
 *
 * Every table signature (rte_hash's 32-bit hash_sig_t: bucket index in the
 * low bits, the 16-bit short signature and the alternative bucket from the
 * high bits) comes from a function keyed with a secret drawn from the
 * kernel (getrandom()) when the database is created, so that a remote
 * sender cannot compute which tuples share a bucket pair.  The functions:
 *
 *	SipHash-1-3	64-bit ARX PRF, 128-bit key (Aumasson & Bernstein,
 *			with 1 compression and 3 finalisation rounds, as
 *			Rust's and Python's hash tables use it), folded to 32
 *			bits;
 *	HalfSipHash-1-3	the 32-bit variant, 64-bit key (Linux's hsiphash);
 *	AES		x86 AES-NI: the key's 16-byte blocks chained, each
 *			XORed into the state and four AES rounds under
 *			random round keys of its own, folded to 32 bits
 *			(hash.c says why four rounds);
 *	CRC32C		rte_hash_crc() with a random seed: NOT keyed in any
 *			useful sense (CRC is linear: keys that collide under
 *			one seed collide under all), for benchmarks only.
 *
 * Keys are 16 (IPv4) or 48 (IPv6, zero-padded) bytes: lengths are whole
 * 16-byte blocks.  npfct_hash_sig() hashes one key; npfct_hash_bulk() a
 * chunk of keys of one length (the burst path), so that the AES routine,
 * compiled for AES-NI apart from the rest, is called once per chunk.
 *
 * Synchronisation
 *
 *	A struct npfct_hash is written once by npfct_hash_init() before the
 *	database is published and only read afterwards: any thread.
 */

#ifndef NPFCT_HASH_H
#define NPFCT_HASH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include "npfct.h"

/* Blocks of 16 bytes in the longest key (IPv6: 48 bytes). */
#define NPFCT_HASH_BLOCKS	3
/* AES rounds per block (hash.c: "Why four rounds"). */
#define NPFCT_HASH_AES_ROUNDS	4

struct npfct_hash {
	uint32_t	h_func;		/* enum npfct_hash_func, resolved */
	uint32_t	h_crc_seed;	/* CRC32C */
	uint64_t	h_sip[2];	/* SipHash-1-3 key */
	uint32_t	h_hsip[2];	/* HalfSipHash-1-3 key */
	/* AES: per block a whitening key and one key per round. */
	uint8_t		h_aes[NPFCT_HASH_BLOCKS][NPFCT_HASH_AES_ROUNDS + 1][16]
			    __rte_aligned(16);
};

/* hash.c */
int npfct_hash_init(struct npfct_hash *h, enum npfct_hash_func func,
		bool fixed);
bool npfct_hash_func_supported(enum npfct_hash_func func);
const char *npfct_hash_func_name(enum npfct_hash_func func);
uint32_t npfct_hash_aes(const struct npfct_hash *h, const void *key,
		unsigned int len);
void npfct_hash_aes_bulk(const struct npfct_hash *h, const void *const *keys,
		unsigned int len, unsigned int n, hash_sig_t *sigs);

/*
 * SipHash and HalfSipHash with c compression and d finalisation rounds,
 * over a message of whole words (8 and 4 bytes), read little-endian as
 * the reference does.  c and d are constants at every call, so the loops
 * unroll.  The general forms exist for the reference test vectors
 * (SipHash-2-4); the table uses 1-3.
 */
#define NPFCT_ROTL64(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define NPFCT_ROTL32(x, b)	(((x) << (b)) | ((x) >> (32 - (b))))

static __rte_always_inline void
npfct_sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = NPFCT_ROTL64(v[1], 13); v[1] ^= v[0];
	v[0] = NPFCT_ROTL64(v[0], 32);
	v[2] += v[3]; v[3] = NPFCT_ROTL64(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = NPFCT_ROTL64(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = NPFCT_ROTL64(v[1], 17); v[1] ^= v[2];
	v[2] = NPFCT_ROTL64(v[2], 32);
}

static __rte_always_inline uint64_t
npfct_siphash(const uint64_t k[2], const void *msg, unsigned int len,
		unsigned int c, unsigned int d)
{
	const uint8_t *p = msg;
	uint64_t v[4] = {
		k[0] ^ 0x736f6d6570736575ull, k[1] ^ 0x646f72616e646f6dull,
		k[0] ^ 0x6c7967656e657261ull, k[1] ^ 0x7465646279746573ull,
	};
	uint64_t m;
	unsigned int i, r;

	RTE_ASSERT(len % 8 == 0);
	for (i = 0; i < len; i += 8) {
		memcpy(&m, p + i, sizeof(m));
		m = rte_le_to_cpu_64(m);
		v[3] ^= m;
		for (r = 0; r < c; r++)
			npfct_sipround(v);
		v[0] ^= m;
	}
	/* The last block: no bytes left over, the length in the top byte. */
	m = (uint64_t)(len & 0xff) << 56;
	v[3] ^= m;
	for (r = 0; r < c; r++)
		npfct_sipround(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (r = 0; r < d; r++)
		npfct_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static __rte_always_inline void
npfct_hsipround(uint32_t v[4])
{
	v[0] += v[1]; v[1] = NPFCT_ROTL32(v[1], 5); v[1] ^= v[0];
	v[0] = NPFCT_ROTL32(v[0], 16);
	v[2] += v[3]; v[3] = NPFCT_ROTL32(v[3], 8); v[3] ^= v[2];
	v[0] += v[3]; v[3] = NPFCT_ROTL32(v[3], 7); v[3] ^= v[0];
	v[2] += v[1]; v[1] = NPFCT_ROTL32(v[1], 13); v[1] ^= v[2];
	v[2] = NPFCT_ROTL32(v[2], 16);
}

static __rte_always_inline uint32_t
npfct_halfsiphash(const uint32_t k[2], const void *msg, unsigned int len,
		unsigned int c, unsigned int d)
{
	const uint8_t *p = msg;
	uint32_t v[4] = { k[0], k[1], k[0] ^ 0x6c796765u, k[1] ^ 0x74656462u };
	uint32_t m;
	unsigned int i, r;

	RTE_ASSERT(len % 4 == 0);
	for (i = 0; i < len; i += 4) {
		memcpy(&m, p + i, sizeof(m));
		m = rte_le_to_cpu_32(m);
		v[3] ^= m;
		for (r = 0; r < c; r++)
			npfct_hsipround(v);
		v[0] ^= m;
	}
	m = (uint32_t)(len & 0xff) << 24;
	v[3] ^= m;
	for (r = 0; r < c; r++)
		npfct_hsipround(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (r = 0; r < d; r++)
		npfct_hsipround(v);
	return v[1] ^ v[3];
}

/*
 * npfct_hash_sig: the table signature of a key (len: 16 or 48 bytes).
 *
 * => The 64-bit SipHash is folded so that the bucket bits (low) and the
 *    short signature (high) both depend on all of it.
 */
static __rte_always_inline hash_sig_t
npfct_hash_sig(const struct npfct_hash *h, const void *key, unsigned int len)
{
	uint64_t s;

	switch (h->h_func) {
	case NPFCT_HASH_SIPHASH13:
		s = npfct_siphash(h->h_sip, key, len, 1, 3);
		return (hash_sig_t)(s ^ (s >> 32));
	case NPFCT_HASH_HALFSIPHASH13:
		return npfct_halfsiphash(h->h_hsip, key, len, 1, 3);
	case NPFCT_HASH_AES:
		return npfct_hash_aes(h, key, len);
	default:
		return rte_hash_crc(key, len, h->h_crc_seed);
	}
}

/*
 * npfct_hash_bulk: the signatures of n keys of one length.
 */
static __rte_always_inline void
npfct_hash_bulk(const struct npfct_hash *h, const void *const *keys,
		unsigned int len, unsigned int n, hash_sig_t *sigs)
{
	unsigned int i;

	if (h->h_func == NPFCT_HASH_AES) {
		npfct_hash_aes_bulk(h, keys, len, n, sigs);
		return;
	}
	for (i = 0; i < n; i++)
		sigs[i] = npfct_hash_sig(h, keys[i], len);
}

#endif /* NPFCT_HASH_H */
