/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Support of the libFuzzer targets (tests/fuzz): a real EAL booted once
 * per process (no huge pages, no PCI, no shared configuration), an mbuf pool, mbufs
 * built from fuzz bytes, a failure that libFuzzer reports with the input.
 */

#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "npfct.h"

/* Boot the EAL and make the mbuf pool; exits on failure. */
void fuzz_eal_init(void);

/*
 * An mbuf holding len bytes of data, in segments of seg_len bytes (0: one
 * segment), with port as its port.  NULL if the pool is empty or len is 0.
 */
struct rte_mbuf *fuzz_mbuf(const uint8_t *data, size_t len, uint16_t seg_len,
		uint16_t port);

/* The pool fuzz_mbuf() allocates from. */
struct rte_mempool *fuzz_pool(void);

/* An instance for a target (fixed key: reproducible runs). */
struct npfct *fuzz_instance(const char *name, uint32_t max, uint32_t flags);

/* Report a broken invariant and abort: libFuzzer saves the input. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) \
		fuzz_fail(__FILE__, __LINE__, #cond); \
} while (0)

void fuzz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

/* A byte stream consumed by the targets. */
struct fuzz_in {
	const uint8_t	*p;
	size_t		n;
};

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	uint8_t v = 0;

	if (in->n > 0) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	return (uint16_t)(fuzz_u8(in) << 8 | fuzz_u8(in));
}

static inline uint32_t
fuzz_u32(struct fuzz_in *in)
{
	return (uint32_t)fuzz_u16(in) << 16 | fuzz_u16(in);
}

#endif /* FUZZ_COMMON_H */
