/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct protocol state: the generic state machine and the timeouts.
 *
 * Overview
 *
 *	Each connection carries a protocol state (NPF's npf_state_t) behind
 *	the interface the connection code calls: init on establish, inspect
 *	for every later packet, etime for the G/C, destroy.  The generic
 *	machine serves UDP, ICMP/ICMPv6 queries and other protocols:
 *
 *		CLOSED  + forwards  -> NEW
 *		NEW     + forwards  -> NEW
 *		NEW     + backwards -> ESTABLISHED
 *		ESTABLISHED         -> ESTABLISHED
 *
 *	TCP has its own machine with window checks (state_tcp.c).
 *
 * Synchronisation
 *
 *	The generic machine only moves forwards (NEW to ESTABLISHED) and the
 *	move is idempotent, so it is done with a relaxed atomic store
 *	without the connection's lock: the hit path of an established
 *	connection only reads (npfct_state_generic_inspect(), inline in
 *	npfct_impl.h for the fast path).  TCP needs c_lock around
 *	npfct_state_inspect(); npfct_conn_state_inspect() takes it.
 *
 *	Timeouts are read with relaxed loads; the control thread may change
 *	them at any time (npfct_timeout_set()).
 */

#include <string.h>

#include <netinet/in.h>

#include "npfct_impl.h"

static const char *const generic_state_names[NPFCT_GSTATE_MAX] = {
	[NPFCT_GSTATE_CLOSED] = "closed",
	[NPFCT_GSTATE_NEW] = "new",
	[NPFCT_GSTATE_ESTABLISHED] = "established",
};

/* Timeout group of each generic state. */
static const uint8_t generic_timeout[NPFCT_GSTATE_MAX] = {
	[NPFCT_GSTATE_CLOSED] = NPFCT_TIMEOUT_GENERIC_CLOSED,
	[NPFCT_GSTATE_NEW] = NPFCT_TIMEOUT_GENERIC_NEW,
	[NPFCT_GSTATE_ESTABLISHED] = NPFCT_TIMEOUT_GENERIC_ESTABLISHED,
};

/* ICMP echo/timestamp/information/address-mask replies, ICMPv6 echo reply. */
static bool
icmp_reply_p(const struct npfct_pkt *pkt)
{
	const uint8_t t = pkt->icmp.type;

	if (pkt->proto == IPPROTO_ICMPV6)
		return t == 129;
	return t == 0 || t == 14 || t == 16 || t == 18;
}

/*
 * npfct_state_init: initialise the state with the first packet.
 *
 * => Returns false if the protocol refuses to start a connection with
 *    this packet (TCP: not a SYN; ICMP: a query reply).
 */
bool
npfct_state_init(const struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_state *st)
{
	memset(st, 0, sizeof(*st));
	if (pkt->proto == IPPROTO_TCP)
		return npfct_state_tcp_init(ct, pkt, st);
	/*
	 * An ICMP query connection starts with the request: a reply as the
	 * first packet would let later requests of the other side in.
	 */
	if ((pkt->flags & NPFCT_PKT_ICMP_QUERY) && icmp_reply_p(pkt))
		return false;
	npfct_state_generic_inspect(st, true);
	return true;
}

/*
 * npfct_state_inspect: update the state with a packet of the forwards
 * (forw) or backwards stream.
 *
 * => Returns false if the packet is invalid for the state.
 * => Caller holds c_lock for TCP.
 */
bool
npfct_state_inspect(const struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_state *st, bool forw)
{
	if (pkt->proto == IPPROTO_TCP)
		return npfct_state_tcp_inspect(ct, pkt, st, forw);
	npfct_state_generic_inspect(st, forw);
	return true;
}

/*
 * npfct_state_etime: the idle time after which a connection in this
 * state expires (seconds).
 */
uint32_t
npfct_state_etime(const struct npfct *ct, const struct npfct_state *st,
		uint8_t proto)
{
	uint8_t s = __atomic_load_n(&st->nst_state, __ATOMIC_RELAXED);
	uint8_t group;

	if (proto == IPPROTO_TCP) {
		group = npfct_state_tcp_timeout(s);
	} else {
		RTE_ASSERT(s < NPFCT_GSTATE_MAX);
		group = generic_timeout[s];
	}
	return __atomic_load_n(&ct->ct_timeouts[group], __ATOMIC_RELAXED);
}

const char *
npfct_state_name(const struct npfct_state *st, uint8_t proto)
{
	uint8_t s = __atomic_load_n(&st->nst_state, __ATOMIC_RELAXED);

	if (proto == IPPROTO_TCP)
		return npfct_state_tcp_name(s);
	return s < NPFCT_GSTATE_MAX ? generic_state_names[s] : "?";
}

void
npfct_state_destroy(struct npfct_state *st)
{
	st->nst_state = NPFCT_GSTATE_CLOSED;
}
