/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: the address-only mappings of STATIC (1:1, NETMAP)
 * and NPT66 policies.
 *
 * Overview
 *
 *	NETMAP keeps the host bits: out = net | (in & ~mask), and the same
 *	with the inside prefix maps back (1:1 is a prefix of full length).
 *
 *	NPT66 (RFC 6296) does the same and then adjusts one 16-bit word
 *	that is not part of either prefix so that the one's complement sum
 *	of the address does not change ("checksum-neutral"): every
 *	checksum that covers the address (TCP, UDP and ICMPv6 pseudo-
 *	headers, and an ICMPv6 error's quoted packet) stays valid with no
 *	update, whatever the transport.  The word is bits 48-63 (the subnet
 *	id) for a prefix of up to 48 bits, otherwise the first word of the
 *	interface identifier (bits 64-127) that is not 0xffff.  The
 *	adjusted word is w + (sum(in) - sum(out')) in one's complement,
 *	out' being the address before the adjustment, and 0xffff is written
 *	as 0 (the two are one value in one's complement, and 0xffff would
 *	then map back to the wrong address).  Mapping the result back with
 *	the prefixes swapped gives the original address: the same word is
 *	chosen (it is not 0xffff), and its adjustment is the opposite.  An
 *	address whose word is 0xffff is refused: RFC 6296 section 3.5.
 *
 *	The one's complement sum does not depend on the byte order (RFC
 *	1071): the words are used as they are in memory.
 *
 * Synchronisation
 *
 *	None: pure functions.
 */

#include <stdbool.h>
#include <string.h>

#include "npfct_nat_impl.h"

void
npfct_nat_netmap(const union npfct_addr *in, const union npfct_addr *net,
		const union npfct_addr *mask, unsigned int alen,
		union npfct_addr *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < alen / 4; i++)
		out->a32[i] = net->a32[i] | (in->a32[i] & ~mask->a32[i]);
}

/* The one's complement sum of an IPv6 address's words, folded. */
static uint16_t
addr_sum(const uint16_t w[8])
{
	uint32_t s = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		s += w[i];
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

bool
npfct_nat_npt66(const union npfct_addr *in, const union npfct_addr *net,
		const union npfct_addr *mask, unsigned int plen,
		union npfct_addr *out)
{
	uint16_t wi[8], wo[8];
	uint32_t s;
	unsigned int k;

	if (plen > 64)
		return false;
	npfct_nat_netmap(in, net, mask, 16, out);
	memcpy(wi, in->a8, sizeof(wi));
	memcpy(wo, out->a8, sizeof(wo));
	if (plen <= 48) {
		k = 3;
	} else {
		for (k = 4; k < 8 && wo[k] == 0xffff; k++)
			;
	}
	if (k == 8 || wo[k] == 0xffff)
		return false;
	/* w + sum(in) - sum(out'), in one's complement. */
	s = (uint32_t)wo[k] + addr_sum(wi) + (uint16_t)~addr_sum(wo);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	wo[k] = s == 0xffff ? 0 : (uint16_t)s;
	memcpy(out->a8, wo, sizeof(wo));
	return true;
}
