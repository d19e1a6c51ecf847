/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct keyed hash: the secret of each database, the choice of function
 * and the AES-NI routine (npfct_hash.h has the SipHash family).
 *
 * Overview
 *
 *	rte_hash places a key by its 32-bit signature: the low bits pick
 *	the primary bucket, the high 16 bits are the short signature and,
 *	XORed in, pick the alternative one.  Whoever can compute signatures
 *	can choose tuples that all want the same two buckets (8 slots
 *	each): the 17th such connection is refused however empty the table
 *	is.  With CRC32C and a secret seed that is still possible: CRC is
 *	affine, crc(s, a ^ b ^ c) = crc(s, a) ^ crc(s, b) ^ crc(s, c) for
 *	keys of one length, so keys whose CRCs collide under one seed
 *	collide under every seed, and they can be found offline by linear
 *	algebra (tests/test_hash.c does it).  The functions used here are
 *	keyed pseudo-random functions: without the key nothing is known
 *	about which keys collide.
 *
 *	The key of a database is drawn with getrandom(2) when it is
 *	created, so every instance and every database installed by
 *	npfct_load() has its own.  NPFCT_F_FIXED_HASH_SEED (tests) gives a
 *	fixed key instead.
 *
 *	NPFCT_HASH_DEFAULT resolves to the fastest keyed function on this
 *	CPU, by the figures of docs/performance.md ("Keyed hash").
 *
 * Why four rounds (AES)
 *
 *	The 16-byte blocks are chained: each is XORed into the state, with
 *	a random whitening key of its own, and the state goes through four
 *	AES rounds under random round keys of that block.  Two AES rounds
 *	already make every output byte depend on every input byte; over
 *	four rounds every differential trail has at least 25 active
 *	S-boxes (the wide-trail bound), so the probability that a chosen
 *	input difference gives a chosen output difference is at most
 *	2^-150.  A difference in one block can only be cancelled by one in
 *	a later block after those four rounds, so an attacker who cannot
 *	see signatures cannot make two keys collide on purpose, and a
 *	collision found in some blocks says nothing about keys that differ
 *	elsewhere.  (Blocks hashed apart and XORed would not do: the sum
 *	of the signatures of (a, b), (a', b), (a, b'), (a', b') would be
 *	zero, as for CRC.)  This is the construction of Go's runtime map
 *	hash (AES rounds with per-process random keys), with more rounds;
 *	it is not a MAC, and need not be: nothing about a signature leaves
 *	the process.
 *
 * Synchronisation
 *
 *	npfct_hash_init() writes a struct npfct_hash before its database
 *	is published; the hash functions only read it, from any thread.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sys/random.h>

#include <rte_cpuflags.h>

#include "npfct_impl.h"

#if defined(RTE_ARCH_X86)
#include <wmmintrin.h>
#include <emmintrin.h>
#define NPFCT_HASH_HAVE_AES	1
#else
#define NPFCT_HASH_HAVE_AES	0
#endif

static const char *const hash_func_names[NPFCT_HASH_MAX] = {
	[NPFCT_HASH_DEFAULT] = "default",
	[NPFCT_HASH_SIPHASH13] = "siphash13",
	[NPFCT_HASH_HALFSIPHASH13] = "halfsiphash13",
	[NPFCT_HASH_AES] = "aes",
	[NPFCT_HASH_CRC32C] = "crc32c",
};

const char *
npfct_hash_func_name(enum npfct_hash_func func)
{
	return (unsigned int)func < NPFCT_HASH_MAX ?
	    hash_func_names[func] : NULL;
}

int
npfct_hash_func_lookup(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < NPFCT_HASH_MAX; i++)
		if (strcmp(name, hash_func_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

static bool
cpu_has_aes(void)
{
#if NPFCT_HASH_HAVE_AES
	return rte_cpu_get_flag_enabled(RTE_CPUFLAG_AES) > 0;
#else
	return false;
#endif
}

bool
npfct_hash_func_supported(enum npfct_hash_func func)
{
	switch (func) {
	case NPFCT_HASH_DEFAULT:
	case NPFCT_HASH_SIPHASH13:
	case NPFCT_HASH_HALFSIPHASH13:
	case NPFCT_HASH_CRC32C:
		return true;
	case NPFCT_HASH_AES:
		return cpu_has_aes();
	default:
		return false;
	}
}

/* The fastest keyed function here (docs/performance.md, "Keyed hash"). */
static enum npfct_hash_func
hash_func_default(void)
{
	return cpu_has_aes() ? NPFCT_HASH_AES : NPFCT_HASH_SIPHASH13;
}

/*
 * secret_fill: len bytes from the kernel's random source.
 *
 * => Returns 0, or -EIO: a database is never keyed with less.
 */
static int
secret_fill(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;
	int fd;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	if (len == 0)
		return 0;
	/* Kernels without getrandom(2): the same source, as a file. */
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -EIO;
	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return len == 0 ? 0 : -EIO;
}

/* A fixed key for NPFCT_F_FIXED_HASH_SEED: splitmix64 from a constant. */
static void
secret_fixed(void *buf, size_t len)
{
	uint64_t x = 0x5eed5eed5eed5eedull, z;
	uint8_t *p = buf;
	size_t k;

	while (len > 0) {
		x += 0x9e3779b97f4a7c15ull;
		z = x;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		k = RTE_MIN(len, sizeof(z));
		memcpy(p, &z, k);
		p += k;
		len -= k;
	}
}

/*
 * npfct_hash_init: choose the function and draw its key.
 *
 * => Control thread.  Returns 0, -ENOTSUP (AES without AES-NI), -EINVAL
 *    (no such function) or -EIO (no random source).
 */
int
npfct_hash_init(struct npfct_hash *h, enum npfct_hash_func func, bool fixed)
{
	struct {
		uint64_t sip[2];
		uint32_t hsip[2];
		uint32_t crc;
		uint8_t aes[sizeof(h->h_aes)];
	} s;
	int ret;

	if ((unsigned int)func >= NPFCT_HASH_MAX)
		return -EINVAL;
	if (!npfct_hash_func_supported(func))
		return -ENOTSUP;
	if (func == NPFCT_HASH_DEFAULT)
		func = hash_func_default();
	if (fixed) {
		secret_fixed(&s, sizeof(s));
	} else {
		ret = secret_fill(&s, sizeof(s));
		if (ret != 0)
			return ret;
	}
	memset(h, 0, sizeof(*h));
	h->h_func = func;
	memcpy(h->h_sip, s.sip, sizeof(h->h_sip));
	memcpy(h->h_hsip, s.hsip, sizeof(h->h_hsip));
	h->h_crc_seed = s.crc;
	memcpy(h->h_aes, s.aes, sizeof(h->h_aes));
	memset(&s, 0, sizeof(s));
	return 0;
}

#if NPFCT_HASH_HAVE_AES

/* 128 bits to 32: every output bit depends on all of them. */
static __rte_always_inline __attribute__((target("aes,sse2"))) uint32_t
aes_fold(__m128i x)
{
	x = _mm_xor_si128(x, _mm_srli_si128(x, 8));
	x = _mm_xor_si128(x, _mm_srli_si128(x, 4));
	return (uint32_t)_mm_cvtsi128_si32(x);
}

/*
 * aes_sig: one key through the AES construction ("Why four rounds").
 */
static __rte_always_inline __attribute__((target("aes,sse2"))) uint32_t
aes_sig(const struct npfct_hash *h, const uint8_t *key, unsigned int len)
{
	__m128i x = _mm_setzero_si128();
	unsigned int b, r;

	for (b = 0; b < len / 16; b++) {
		const __m128i *rk = (const __m128i *)h->h_aes[b];

		/* Chained: each block goes into the state of the last. */
		x = _mm_xor_si128(x,
		    _mm_loadu_si128((const __m128i *)(key + 16 * b)));
		x = _mm_xor_si128(x, _mm_load_si128(&rk[0]));
		for (r = 1; r <= NPFCT_HASH_AES_ROUNDS; r++)
			x = _mm_aesenc_si128(x, _mm_load_si128(&rk[r]));
	}
	return aes_fold(x);
}

__attribute__((target("aes,sse2"))) uint32_t
npfct_hash_aes(const struct npfct_hash *h, const void *key, unsigned int len)
{
	return aes_sig(h, key, len);
}

/* One block through its rounds, with the round keys in registers. */
#define AES_BLOCK(x, k) do { \
	(x) = _mm_xor_si128((x), (k)[0]); \
	(x) = _mm_aesenc_si128((x), (k)[1]); \
	(x) = _mm_aesenc_si128((x), (k)[2]); \
	(x) = _mm_aesenc_si128((x), (k)[3]); \
	(x) = _mm_aesenc_si128((x), (k)[4]); \
} while (0)

_Static_assert(NPFCT_HASH_AES_ROUNDS == 4, "AES_BLOCK has four rounds");

/*
 * Whole chunks per call, the round keys loaded once into registers: the
 * keys' rounds overlap in the pipeline.  IPv4 keys are one block, IPv6
 * keys three.
 */
__attribute__((target("aes,sse2"))) void
npfct_hash_aes_bulk(const struct npfct_hash *h, const void *const *keys,
		unsigned int len, unsigned int n, hash_sig_t *sigs)
{
	const __m128i *rk = (const __m128i *)h->h_aes;
	__m128i k0[5], k1[5], k2[5];
	unsigned int i, r;

	for (r = 0; r < 5; r++)
		k0[r] = _mm_load_si128(&rk[r]);
	if (len == 16) {
		for (i = 0; i < n; i++) {
			__m128i x = _mm_loadu_si128(keys[i]);

			AES_BLOCK(x, k0);
			sigs[i] = aes_fold(x);
		}
		return;
	}
	if (len != 48) {
		for (i = 0; i < n; i++)
			sigs[i] = aes_sig(h, keys[i], len);
		return;
	}
	for (r = 0; r < 5; r++) {
		k1[r] = _mm_load_si128(&rk[5 + r]);
		k2[r] = _mm_load_si128(&rk[10 + r]);
	}
	for (i = 0; i < n; i++) {
		const __m128i *p = keys[i];
		__m128i x = _mm_loadu_si128(&p[0]);

		AES_BLOCK(x, k0);
		x = _mm_xor_si128(x, _mm_loadu_si128(&p[1]));
		AES_BLOCK(x, k1);
		x = _mm_xor_si128(x, _mm_loadu_si128(&p[2]));
		AES_BLOCK(x, k2);
		sigs[i] = aes_fold(x);
	}
}

#else /* !NPFCT_HASH_HAVE_AES */

/* Never called: npfct_hash_init() refuses NPFCT_HASH_AES here. */
uint32_t
npfct_hash_aes(const struct npfct_hash *h, const void *key, unsigned int len)
{
	RTE_SET_USED(h);
	RTE_SET_USED(key);
	RTE_SET_USED(len);
	RTE_VERIFY(0);
	return 0;
}

void
npfct_hash_aes_bulk(const struct npfct_hash *h, const void *const *keys,
		unsigned int len, unsigned int n, hash_sig_t *sigs)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sigs[i] = npfct_hash_aes(h, keys[i], len);
}

#endif /* NPFCT_HASH_HAVE_AES */
