/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_NAT_CKSUM_H
#define NPFCT_NAT_CKSUM_H

/*
 * The NAT rewriters' shared helpers (nat_rewrite.c, nat_rewrite6.c):
 * unaligned 16-bit fields and RFC 1624 incremental checksum updates,
 * HC' = ~(~HC + ~m + m'), over the words as they are in memory (a one's
 * complement sum does not depend on the byte order, RFC 1071).
 */

#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

static inline uint16_t
npfct_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
npfct_put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline uint16_t
npfct_cksum_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* One 16-bit word: old -> new. */
static inline uint16_t
npfct_cksum_update16(uint16_t hc, uint16_t old, uint16_t new)
{
	return (uint16_t)~npfct_cksum_fold((uint32_t)(uint16_t)~hc +
	    (uint16_t)~old + new);
}

/* A field of len bytes (even, at most 16): old -> new. */
static inline uint16_t
npfct_cksum_update(uint16_t hc, const uint8_t *old, const uint8_t *new,
		unsigned int len)
{
	uint32_t s = (uint16_t)~hc;
	unsigned int i;

	for (i = 0; i < len; i += 2)
		s += (uint16_t)~npfct_get16(old + i) + npfct_get16(new + i);
	return (uint16_t)~npfct_cksum_fold(s);
}

/* nat_rewrite.c: copy len bytes from buf into m at off, over segments. */
void npfct_nat_mbuf_write(struct rte_mbuf *m, uint32_t off, uint32_t len,
		const uint8_t *buf);

#endif /* NPFCT_NAT_CKSUM_H */
