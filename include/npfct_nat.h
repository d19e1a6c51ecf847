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
 * Policies: dynamic source NAT (a pool of addresses and a port range;
 * masquerade is a pool of one address) for TCP, UDP and ICMP queries,
 * destination NAT (port forwarding) for TCP and UDP, static 1:1 and
 * NETMAP (prefix to prefix, both ways, ports kept) and NPTv6 (RFC 6296,
 * checksum-neutral prefix translation, both ways).  IPv4 and IPv6 (no
 * translation between the families).  See docs/design.md, "NAT".
 */

#include <stddef.h>
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
	/**
	 * Static 1:1 or NETMAP, both ways: outbound connections from the
	 * match prefix get the source pool_first's prefix (of the same
	 * length) with their own host bits; inbound connections to that
	 * prefix get the destination in the match prefix back.  Ports and
	 * ids are kept; any protocol the table tracks with ports or ids
	 * (TCP, UDP, ICMP queries).  NPF's "map IF static A -> B".
	 */
	NPFCT_NAT_STATIC = 3,
	/**
	 * NPTv6 (RFC 6296), both ways: as NPFCT_NAT_STATIC for IPv6
	 * prefixes of up to 64 bits, with the checksum-neutral mapping: one
	 * 16-bit word of the address (bits 48-63 for a prefix of 48 bits or
	 * fewer, else the first word of the interface identifier that is not
	 * 0xffff) is adjusted so that the address's one's complement sum does
	 * not change, and no layer 4 checksum needs an update.  An address
	 * whose word to adjust is 0xffff is not translated (the connection
	 * is refused, RFC 6296 section 3.5).  NPF's "algo npt66".
	 */
	NPFCT_NAT_NPT66 = 4,
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
/**
 * Endpoint-independent mapping (RFC 4787 REQ-1, RFC 5382 for TCP): an
 * inside endpoint (address and port, or ICMP id) keeps one outside
 * address and port for every destination while it has connections, and
 * that outside address and port are its alone.  Source NAT only.  Costs
 * a binding table (bindings_max bindings) and a lookup per new
 * connection.
 */
#define NPFCT_NATF_EIM		0x4
/**
 * Port blocks (RFC 7422): an inside address gets a block of block_size
 * consecutive ports of one outside address (the paired one first) for
 * all its connections (TCP, UDP and ICMP query ids alike), a further
 * block when its ports are busy, up to blocks_max at once; a block is
 * its alone while it has connections and hold_ms after.  So one
 * NPFCT_EVENT_PORT_BLOCK event per block made and one per block given
 * back say who had which outside port, instead of a NAT event per
 * connection.  Ports stay endpoint-dependent inside the block.  Source
 * NAT only, not with NPFCT_NATF_EIM.  Costs a binding table
 * (bindings_max blocks) and a lookup per new connection.
 */
#define NPFCT_NATF_PORT_BLOCK	0x8

/** A policy (npfct_nat_policy_add()). */
struct npfct_nat_policy_conf {
	enum npfct_nat_policy_type type;
	uint32_t flags;			/**< NPFCT_NATF_* */
	uint16_t zone;			/**< zone of the packets it applies to */
	/**
	 * IPPROTO_TCP/UDP/ICMP (IPv6: ICMPV6), 0: all three (DNAT: TCP and
	 * UDP)
	 */
	uint8_t proto;
	/** Address length: 4 (IPv4; 0 means 4 too) or 16 (IPv6). */
	uint8_t alen;
	/** Prefix length of match, 0-32 (IPv6 0-128; NPT66 0-64). */
	uint8_t match_plen;
	/**
	 * Prefix: SNAT and STATIC/NPT66 outbound the sources, DNAT the
	 * destinations (the outside address)
	 */
	union npfct_addr match;
	/**
	 * SNAT: first pool address; DNAT: the inside address; STATIC and
	 * NPT66: the outside prefix (match_plen bits)
	 */
	union npfct_addr pool_first;
	/**
	 * SNAT: last pool address (>= first; at most NPFCT_NAT_POOL_MAX
	 * addresses, IPv6: only the last 32 bits differ); DNAT: =
	 * pool_first; STATIC, NPT66: unused (0)
	 */
	union npfct_addr pool_last;
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
	/**
	 * NPFCT_NATF_EIM and _PORT_BLOCK: how long (ms) an outside address
	 * and port (a block) stay reserved for their inside endpoint
	 * (address) after its last connection ended, before another may get
	 * them (RFC 6888 REQ-8 suggests 120000); 0: reused as soon as the
	 * G/C removed the connection.  Other policies: 0 (an
	 * endpoint-dependent mapping is reserved while its connection is in
	 * the table, closing states' timeouts included).
	 */
	uint32_t hold_ms;
	/**
	 * NPFCT_NATF_EIM: most bindings (inside endpoints) at once;
	 * _PORT_BLOCK: most blocks at once; held ones included; 0: the
	 * instance's max_conns of the family (blocks: at most every block
	 * of the pool).  A new one past it is refused as exhausted.
	 */
	uint32_t bindings_max;
	/**
	 * NPFCT_NATF_PORT_BLOCK: ports per block, 1 up to the port range's
	 * length (the range's last ports that do not fill a block are not
	 * used); RFC 7422 suggests a few hundred to a few thousand.
	 */
	uint16_t block_size;
	/** NPFCT_NATF_PORT_BLOCK: most blocks per inside address; 0: 1. */
	uint16_t blocks_max;
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
 * Check a policy's configuration as npfct_nat_policy_add() does.  Any
 * thread.
 *
 * @return
 *   0, or -EINVAL.
 */
int npfct_nat_policy_check(const struct npfct_nat_policy_conf *conf);

/**
 * Parse an NPF "map" rule (npf.conf(5)) without its interface into a
 * policy configuration (zone 0, flags 0):
 *
 *   - "dynamic [proto P] NET[/PLEN] -> ADDR[-ADDR] [port MIN[-MAX]]":
 *     source NAT (masquerade when one address);
 *   - "dynamic [proto tcp|udp] INSIDE [port P] <- OUTSIDE[/PLEN]
 *     [port Q[-R]]": destination NAT, port forwarding;
 *   - "static [algo netmap|npt66] [proto P] INSIDE[/PLEN] <->
 *     OUTSIDE[/PLEN]": 1:1 or NETMAP (NPFCT_NAT_STATIC), or NPTv6
 *     (NPFCT_NAT_NPT66).
 *
 * P is tcp, udp, icmp or ipv6-icmp; addresses IPv4 or IPv6, one family
 * per rule.  Any thread.
 *
 * @param err
 *   If not NULL, a message saying what is wrong (errlen bytes).
 * @return
 *   0, or -EINVAL (conf is then undefined).
 */
int npfct_nat_policy_parse(const char *text,
		struct npfct_nat_policy_conf *conf, char *err, size_t errlen);

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
 * The policy npfct_nat_establish() would apply to a new connection's
 * first packet in direction di (e.g. to let in only the inbound
 * connections a port forward or static policy translates).  Datapath
 * lcores (an RCU read of the policies) or the control thread.
 *
 * @return
 *   The policy's id (>= 0), -ENOENT (none matches), -EINVAL.
 */
int npfct_nat_policy_lookup(struct npfct *ct, const struct npfct_pkt *pkt,
		int di);

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
 * A later fragment (no layer 4 header; its ports stamped by
 * npfct_frag_burst(), npfct_frag.h) gets its address and the IPv4 header
 * checksum only: the first fragment carries the port and the layer 4
 * checksum, which covers the whole datagram.
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
