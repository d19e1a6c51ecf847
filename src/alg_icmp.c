/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct ICMP error ALG: match an ICMP/ICMPv6 error to the connection of
 * the packet it carries (NPF's npf_alg_icmp.c).
 *
 * Overview
 *
 *	An ICMP error (IPv4: destination unreachable, source quench,
 *	redirect, time exceeded, parameter problem; IPv6: destination
 *	unreachable, packet too big, time exceeded, parameter problem)
 *	quotes the IP header and at least 8 bytes of layer 4 of a packet
 *	that a host sent.  That quoted packet travelled the other way: its
 *	key, with source and destination swapped, is the key of the stream
 *	the error travels in.  The ALG looks that key up in the error's
 *	direction; a match makes the error "related" to the connection, so
 *	path MTU discovery and traceroute work through the firewall.  An
 *	error that matches nothing is left to the rules (not related).
 *
 *	The ALG is registered on every instance at creation, on the core's
 *	ALG hook; it uses npfct_conn_lookup_key(), never inspection (no
 *	recursion), and does not touch the connection's state or activity
 *	time.
 *
 * Synchronisation
 *
 *	Lock-free, like a lookup; datapath lcores only.
 */

#include "npfct_impl.h"

static struct npfct_conn *
icmp_alg_conn(struct npfct *ct, const struct npfct_pkt *pkt, int di,
		void *arg)
{
	uint32_t key[NPFCT_KEY_MAXWORDS];
	struct npfct_pkt inner;
	bool forw;

	RTE_SET_USED(arg);
	if (likely((pkt->flags & NPFCT_PKT_ICMP_ERR) == 0))
		return NULL;
	if (npfct_pkt_parse_icmp_inner(&inner, pkt) != NPFCT_PARSE_OK)
		return NULL;
	/* The quoted packet is ours, sent the other way: invert its key. */
	if (npfct_connkey_build(&inner, key, false) == 0)
		return NULL;
	return npfct_conn_lookup_key(ct, key, pkt, di, &forw);
}

/*
 * npfct_alg_icmp_register: install the ICMP error ALG on an instance.
 *
 * => Returns the ALG handle or a negative errno.
 */
int
npfct_alg_icmp_register(struct npfct *ct)
{
	return npfct_alg_register_mask(ct, icmp_alg_conn, NULL,
	    NPFCT_PKT_ICMP_ERR);
}
