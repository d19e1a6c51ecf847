/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct connection keys: construction from a parsed packet and re-keying.
 *
 * Overview
 *
 *	A key identifies one stream of a connection: the zone (zone.c), the
 *	protocol, the address length, the source and destination ids
 *	(ports, or the ICMP query id in both) and the source and
 *	destination addresses.  The
 *	backwards key is the forwards key with source and destination
 *	swapped, so a reply packet, keyed as it arrives, matches the
 *	connection's backwards key.
 *
 *	The table holds canonical keys (npfct_impl.h): the key or its
 *	inversion, whichever puts the smaller (address, id) first, so one
 *	entry serves both streams of a connection without NAT.
 *
 *	Key layout (32-bit words, network order for ids and addresses):
 *
 *	Word:  |         0          |       1       |  2 ..   |  .. |  pad  |
 *	Field: | zone | proto | alen | src-id|dst-id | src-addr|dst-addr| 0  |
 *	       +--------------------+---------------+---------+--------+----+
 *	Bits:  |  16  |   8   |  8   |  16   |  16   | 32-128  | 32-128 |0/64|
 *
 *	IPv4 keys are 4 words (16 bytes).  IPv6 keys are 10 words, padded
 *	with two zero words to 48 bytes so that rte_hash compares them with
 *	its vector routine; they live in a separate table (docs/design.md).
 *
 *	The key construction itself, npfct_connkey_build(), is inline in
 *	npfct_impl.h: the burst path builds a key per packet.
 *
 * Synchronisation
 *
 *	Pure functions over caller-owned memory: any thread.
 */

#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "npfct_impl.h"

unsigned int
npfct_connkey_alen(const uint32_t *key)
{
	return key[0] & 0xff;
}

unsigned int
npfct_connkey_proto(const uint32_t *key)
{
	return (key[0] >> 8) & 0xff;
}

uint16_t
npfct_connkey_zone(const uint32_t *key)
{
	return (uint16_t)(key[0] >> 16);
}

/* npfct_connkey_split: a key's addresses and ids (ports or ICMP id). */
void
npfct_connkey_split(const uint32_t *key, union npfct_addr *src,
		union npfct_addr *dst, rte_be16_t *sid, rte_be16_t *did)
{
	const unsigned int alen = npfct_connkey_alen(key);

	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	memcpy(src, &key[2], alen);
	memcpy(dst, &key[2 + alen / 4], alen);
	*sid = (rte_be16_t)(key[1] >> 16);
	*did = (rte_be16_t)(key[1] & 0xffff);
}

/*
 * npfct_connkey_invert: the key of the opposite stream.
 */
void
npfct_connkey_invert(const uint32_t *key, uint32_t *inv)
{
	const unsigned int alen = npfct_connkey_alen(key);
	const unsigned int words = npfct_key_words(alen);
	const unsigned int aw = alen >> 2;
	uint32_t tmp[NPFCT_KEY_MAXWORDS];

	memcpy(tmp, key, words * sizeof(uint32_t));
	tmp[1] = (key[1] << 16) | (key[1] >> 16);
	memcpy(&tmp[2], &key[2 + aw], alen);
	memcpy(&tmp[2 + aw], &key[2], alen);
	memcpy(inv, tmp, words * sizeof(uint32_t));
}

/*
 * npfct_connkey_canon: the canonical form of a key (see npfct_impl.h):
 * the same order as npfct_pkt_key_swapped() gives a packet.
 *
 * => Returns whether the canonical form is the inversion of the key.
 *    canon may be key.
 */
bool
npfct_connkey_canon(const uint32_t *key, uint32_t *canon)
{
	const unsigned int alen = npfct_connkey_alen(key);
	const uint16_t sid = rte_be_to_cpu_16((rte_be16_t)(key[1] >> 16));
	const uint16_t did = rte_be_to_cpu_16((rte_be16_t)(key[1] & 0xffff));
	int c = memcmp(&key[2], &key[2 + (alen >> 2)], alen);
	const bool swapped = c != 0 ? c > 0 : sid > did;

	if (swapped)
		npfct_connkey_invert(key, canon);
	else if (canon != key)
		memcpy(canon, key, npfct_key_words(alen) * sizeof(uint32_t));
	return swapped;
}

/*
 * npfct_connkey_setaddr: replace the source (di = NPFCT_SRC) or the
 * destination (NPFCT_DST) address of a key.
 */
void
npfct_connkey_setaddr(uint32_t *key, const union npfct_addr *addr, int di)
{
	const unsigned int alen = npfct_connkey_alen(key);

	RTE_ASSERT(alen == 4 || alen == 16);
	memcpy(&key[2 + (alen >> 2) * di], addr, alen);
}

/*
 * npfct_connkey_setid: replace the source or destination id of a key.
 */
void
npfct_connkey_setid(uint32_t *key, rte_be16_t id, int di)
{
	const unsigned int shift = di == NPFCT_SRC ? 16 : 0;
	const uint32_t keep = di == NPFCT_SRC ? 0x0000ffffu : 0xffff0000u;

	key[1] = ((uint32_t)id << shift) | (key[1] & keep);
}

/*
 * npfct_connkey_format: print "proto src:sid -> dst:did" into buf.
 *
 * => Returns what snprintf() returns.
 */
int
npfct_connkey_format(const uint32_t *key, char *buf, size_t len)
{
	const unsigned int alen = npfct_connkey_alen(key);
	const int af = alen == 4 ? AF_INET : AF_INET6;
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];
	const uint16_t sid = (uint16_t)(key[1] >> 16);
	const uint16_t did = (uint16_t)(key[1] & 0xffff);

	if (inet_ntop(af, &key[2], sa, sizeof(sa)) == NULL ||
	    inet_ntop(af, &key[2 + (alen >> 2)], da, sizeof(da)) == NULL)
		return snprintf(buf, len, "?");
	return snprintf(buf, len, af == AF_INET ? "%u %s:%u -> %s:%u" :
	    "%u [%s]:%u -> [%s]:%u", npfct_connkey_proto(key),
	    sa, rte_be_to_cpu_16(sid), da, rte_be_to_cpu_16(did));
}
