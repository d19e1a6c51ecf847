/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_NAT_H
#define NPFCT_NAT_H

/**
 * @file
 * npfct NAT engine: address and port translation on the connection table.
 *
 * A policy says which new connections are translated and to what.  The
 * application calls npfct_nat_establish() between npfct_conn_establish()
 * and npfct_conn_release() (or passes NPFCT_EST_NAT to
 * npfct_establish_burst()): the first policy of the packet's zone that
 * matches allocates the translated address and port and makes them the
 * connection's backwards key, so that replies find the connection.  Every
 * packet of a translated connection is then rewritten with
 * npfct_nat_translate() from the connection its lookup returned (no
 * second lookup): IPv4 addresses, TCP/UDP ports and ICMP query ids, and
 * their checksums.
 *
 * The mapping is the connection's pair of keys: it is released when the
 * connection is destroyed, and exported with it.
 *
 * This version: dynamic source NAT (a pool of IPv4 addresses and a port
 * range; masquerade is a pool of one address) for TCP, UDP and ICMP
 * queries, and destination NAT (port forwarding) for TCP and UDP.  See
 * docs/design.md, "NAT".
 */

#include <stdint.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "npfct_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Policy types. */
enum npfct_nat_policy_type {
	/**
	 * Dynamic source NAT: outbound connections from the match prefix
	 * get a source address from the pool and a source port (TCP, UDP)
	 * or query id (ICMP) unique for their destination.
	 */
	NPFCT_NAT_SNAT = 1,
	/**
	 * Destination NAT, port forwarding: inbound TCP and UDP connections
	 * to the match prefix (and ports match_port_min-max) get the
	 * destination pool_first (and port port_min + their port's offset
	 * in the match range; port_min 0 keeps the port).  NPF's
	 * "map IF dynamic INSIDE port P <- OUTSIDE port Q".
	 */
	NPFCT_NAT_DNAT = 2,
};

/** Most policies per instance. */
#define NPFCT_NAT_POLICIES_MAX	256

/** Most addresses in a pool. */
#define NPFCT_NAT_POOL_MAX	65536

/** Policy flags. */
/** Do not try the original port first (no port preservation). */
#define NPFCT_NATF_NO_PRESERVE	0x1
/**
 * Choose the pool address from the source and destination addresses,
 * not from the source alone.  Without it pooling is "paired" (RFC 6888
 * REQ-2): one inside address keeps one outside address, while that
 * address has a port left for the destination.
 */
#define NPFCT_NATF_ADDR_BY_FLOW	0x2

/** A policy (npfct_nat_policy_add()). */
struct npfct_nat_policy_conf {
	enum npfct_nat_policy_type type;
	uint32_t flags;			/**< NPFCT_NATF_* */
	uint16_t zone;			/**< zone of the packets it applies to */
	uint8_t proto;			/**< IPPROTO_TCP/UDP/ICMP, 0: all three */
	uint8_t match_plen;		/**< prefix length of match, 0-32 */
	/** IPv4 prefix: SNAT the sources, DNAT the destinations */
	rte_be32_t match;
	/** SNAT: first pool address; DNAT: the inside address */
	rte_be32_t pool_first;
	/** SNAT: last pool address (>= first); DNAT: = pool_first */
	rte_be32_t pool_last;
	/**
	 * SNAT: TCP and UDP source ports, host order; 0/0: 1024-65535
	 * (ICMP query ids use 0-65535).  DNAT: port_min is the inside port
	 * of match_port_min (0: the port is kept), port_max unused.
	 */
	uint16_t port_min;
	uint16_t port_max;
	/** DNAT: the destination ports, host order; 0/0: any. */
	uint16_t match_port_min;
	uint16_t match_port_max;
};

/**
 * Add a policy, after the instance's others (the first that matches a
 * packet applies).  Control thread.
 *
 * @return
 *   The policy's id (>= 0), or -EINVAL (bad configuration), -ENOSPC
 *   (NPFCT_NAT_POLICIES_MAX policies), -ENOMEM.
 */
int npfct_nat_policy_add(struct npfct *ct,
		const struct npfct_nat_policy_conf *conf);

/**
 * Remove a policy: new connections no longer match it; connections it
 * translated keep their mapping until they end.  Control thread; waits
 * for a grace period (the datapath threads' next quiescent state).
 *
 * @return
 *   0, or -ENOENT.
 */
int npfct_nat_policy_del(struct npfct *ct, int id);

/**
 * Translate a new connection if a policy matches its first packet: call
 * between npfct_conn_establish() and npfct_conn_release(), with the
 * packet it was established with and its direction (source NAT applies
 * to NPFCT_DIR_OUT).
 *
 * The translated port is the original one if it is free for the
 * destination (and in range), otherwise one found by at most 248 probes
 * over the pool's addresses (the paired address first); ports are unique
 * per (translated address, protocol, destination address and port), so
 * they are reused across destinations.  On exhaustion the connection is
 * refused, never given address-only NAT, and no existing mapping is
 * touched.
 *
 * Datapath lcores with an lcore id.
 *
 * @return
 *   1 translated; 0 no policy matched (the connection is untouched);
 *   or, and then the connection is expired (npfct_conn_release() will not
 *   activate it) and must be dropped by the caller:
 *   - -EADDRNOTAVAIL: no address and port left for this destination
 *     (NPFCT_STAT_NAT_EXHAUSTED, a NAT event with reason EXHAUSTED);
 *   - -ENOSPC: the table has no room for the second entry;
 *   - -EINVAL: bad arguments, or the connection is active or was
 *     expired meanwhile (a flush or npfct_load() raced).
 */
int npfct_nat_establish(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, int di);

/**
 * Rewrite a packet of a translated connection: the forwards stream gets
 * the translated source (source NAT), the backwards stream the original
 * destination back.  The IPv4 header checksum and the TCP, UDP or ICMP
 * checksum are updated incrementally (RFC 1624); a UDP checksum of 0
 * stays 0 and a computed 0 is written as 0xffff; with
 * RTE_MBUF_F_TX_IP_CKSUM the IPv4 checksum is left to the NIC, with
 * RTE_MBUF_F_TX_TCP_CKSUM / UDP_CKSUM the layer 4 field gets the
 * pseudo-header checksum (as rte_ipv4_phdr_cksum() makes it).  The
 * headers may span segments.  pkt's addresses and ports are updated too.
 *
 * Lock-free, any datapath lcore; con under the reference contract (from
 * the lookup of this packet).
 *
 * @return
 *   1 rewritten, 0 the connection is not translated, -EINVAL.
 */
int npfct_nat_translate(struct npfct *ct, struct npfct_pkt *pkt,
		struct npfct_conn *con, int di);

/**
 * npfct_nat_translate() on a burst: conns[i] NULL is skipped.
 *
 * @return
 *   The packets rewritten.
 */
uint16_t npfct_nat_translate_burst(struct npfct *ct, struct npfct_pkt *pkts,
		struct npfct_conn **conns, uint16_t n, int di);

#ifdef __cplusplus
}
#endif

#endif /* NPFCT_NAT_H */
