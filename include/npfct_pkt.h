/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_PKT_H
#define NPFCT_PKT_H

/**
 * @file
 * npfct packet information (NPF's npf_cache_t).
 *
 * Before a packet can be inspected or establish a connection, its layer 3
 * and layer 4 headers are parsed into a struct npfct_pkt.  Headers split
 * across mbuf segments are handled (read through rte_pktmbuf_read());
 * every length is checked against the data actually present and nothing
 * past the end of the packet is read.  The parsed
 * values are copied into the structure (addresses, ports, TCP sequence
 * data), so the structure stays valid if the mbuf data is later modified.
 *
 * The parser never fails with a crash: a truncated or malformed packet
 * sets npfct_pkt::status to a NPFCT_PARSE_* error and the packet is not
 * trackable.  A packet that is well formed but cannot carry a connection
 * (a later IPv4/IPv6 fragment, an ICMP message that is neither a query nor
 * an error) parses successfully without the NPFCT_PKT_L4 flag.
 *
 * Thread safety: the parser functions touch only their arguments and may be
 * called from any thread.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Packet direction with respect to the interface: inbound. */
#define NPFCT_DIR_IN	0x1
/** Packet direction with respect to the interface: outbound. */
#define NPFCT_DIR_OUT	0x2
/** Mask of the direction bits. */
#define NPFCT_DIR_MASK	(NPFCT_DIR_IN | NPFCT_DIR_OUT)

/** Layer 3 is IPv4 (addresses are valid, alen is 4). */
#define NPFCT_PKT_IP4		0x0001
/** Layer 3 is IPv6 (addresses are valid, alen is 16). */
#define NPFCT_PKT_IP6		0x0002
/** The packet is an IPv4 or IPv6 fragment. */
#define NPFCT_PKT_FRAG		0x0004
/** A layer 4 header was parsed and carries the connection ids. */
#define NPFCT_PKT_L4		0x0008
/** Layer 4 is TCP; npfct_pkt::tcp is valid. */
#define NPFCT_PKT_TCP		0x0010
/** Layer 4 is UDP. */
#define NPFCT_PKT_UDP		0x0020
/** Layer 4 is ICMP or ICMPv6; npfct_pkt::icmp is valid. */
#define NPFCT_PKT_ICMP		0x0040
/** ICMP/ICMPv6 query (echo) with an id used as both port ids. */
#define NPFCT_PKT_ICMP_QUERY	0x0080
/** ICMP/ICMPv6 error carrying an embedded packet (npfct_pkt::icmp). */
#define NPFCT_PKT_ICMP_ERR	0x0100
/** Layer 4 is another protocol (tracked by addresses only, ids are 0). */
#define NPFCT_PKT_L4_OTHER	0x0200
/**
 * A later fragment (NPFCT_PKT_FRAG, fragment offset not 0): it carries no
 * layer 4 header, and its datagram's first fragment decides its fate
 * (npfct_frag.h).  A first fragment has NPFCT_PKT_FRAG without this flag,
 * with or without NPFCT_PKT_L4 (an ICMP message that is neither a query
 * nor an error has none): only this flag tells the two apart.
 */
#define NPFCT_PKT_FRAG_LATER	0x0400

/** TCP flags as in the TCP header (npfct_pkt::tcp.flags). */
#define NPFCT_TH_FIN	0x01
#define NPFCT_TH_SYN	0x02
#define NPFCT_TH_RST	0x04
#define NPFCT_TH_PUSH	0x08
#define NPFCT_TH_ACK	0x10
#define NPFCT_TH_URG	0x20

/**
 * Result of parsing a packet (npfct_pkt::status).
 */
enum npfct_parse_status {
	NPFCT_PARSE_OK = 0,	/**< headers parsed (see the flags) */
	NPFCT_PARSE_NOT_IP,	/**< not IPv4 or IPv6 (e.g. ARP) */
	NPFCT_PARSE_L2_TRUNC,	/**< Ethernet/VLAN header truncated */
	NPFCT_PARSE_L3_TRUNC,	/**< IP header truncated */
	NPFCT_PARSE_L3_BAD,	/**< bad IP version, header or total length */
	NPFCT_PARSE_L3_EXT_BAD,	/**< IPv6 extension header chain bad or too long */
	NPFCT_PARSE_L4_TRUNC,	/**< TCP/UDP/ICMP header truncated */
	NPFCT_PARSE_L4_BAD,	/**< bad TCP data offset or UDP length */
	NPFCT_PARSE_STATUS_MAX	/**< number of status values */
};

/** An IPv4 or IPv6 address in network byte order. */
union npfct_addr {
	uint8_t		a8[16];		/**< bytes */
	uint32_t	a32[4];		/**< 32-bit words, network order */
	rte_be32_t	v4;		/**< IPv4 address (first word) */
};

/**
 * Parsed packet: the values npfct needs from layers 3 and 4.
 *
 * Filled by npfct_pkt_parse() or npfct_pkt_parse_l3(); the application
 * may read every field.  Ports and ids are in network byte order (as in
 * the connection key), TCP sequence numbers and windows in host order.
 */
struct npfct_pkt {
	struct rte_mbuf	*mbuf;		/**< the packet */
	uint32_t	flags;		/**< NPFCT_PKT_* */
	uint8_t		status;		/**< enum npfct_parse_status */
	uint8_t		proto;		/**< layer 4 protocol (IPPROTO_*) */
	uint8_t		alen;		/**< address length: 4 or 16 */
	uint8_t		ttl;		/**< IPv4 TTL or IPv6 hop limit */
	uint16_t	ifid;		/**< interface: the mbuf's port */
	/**
	 * Zone (tenant, VRF): part of the connection key, 0 by default.
	 * Set by the parser from the mbuf's zone field
	 * (npfct_mbuf_zone_set()) if it was registered, otherwise 0; the
	 * application may set it after parsing (npfct_inspect_burst_parsed()
	 * and the one-packet calls use it as it is).
	 */
	uint16_t	zone;
	uint16_t	l3_off;		/**< offset of the IP header */
	uint16_t	l4_off;		/**< offset of the layer 4 header */
	uint16_t	l4_len;		/**< layer 4 header + payload, per IP */
	/**
	 * Fragments (flags & NPFCT_PKT_FRAG): offset of the IPv4 header or
	 * of the IPv6 fragment header; undefined otherwise.
	 */
	uint16_t	frag_hdr;
	union npfct_addr src;		/**< source address */
	union npfct_addr dst;		/**< destination address */
	rte_be16_t	sport;		/**< source port or ICMP query id */
	rte_be16_t	dport;		/**< destination port or ICMP query id */
	union {
		/** TCP header (flags & NPFCT_PKT_TCP). */
		struct {
			uint32_t seq;		/**< sequence number */
			uint32_t ack;		/**< acknowledgement number */
			uint16_t win;		/**< window (unscaled) */
			uint16_t datalen;	/**< payload length */
			uint8_t	 flags;		/**< NPFCT_TH_* */
			uint8_t	 hlen;		/**< header length in bytes */
			uint8_t	 wscale;	/**< SYN: window scale, or 0xff */
			uint8_t	 sack_ok;	/**< SYN: SACK-permitted seen */
			uint16_t mss;		/**< SYN: MSS option, or 0 */
		} tcp;
		/** ICMP/ICMPv6 header (flags & NPFCT_PKT_ICMP). */
		struct {
			uint8_t	 type;		/**< ICMP type */
			uint8_t	 code;		/**< ICMP code */
			uint16_t inner_off;	/**< embedded IP header (errors) */
		} icmp;
	};
};

/**
 * Offset of the mbuf dynamic field holding a packet's zone, or -1 while
 * it is not registered (npfct_zone_dynfield_register()).  Read-only for
 * the application.
 */
extern int npfct_zone_dynfield_offset;

/**
 * Register the mbuf dynamic field "npfct_zone" (a uint16_t), from which
 * npfct_pkt_parse() takes each packet's zone.  Call once, after
 * rte_eal_init(), before setting zones with npfct_mbuf_zone_set(); any
 * thread; calling it again returns the same offset.  Without it every
 * packet is in zone 0.  The offset is kept per process: a secondary
 * process calls it too (it finds the primary's field by name).
 *
 * Once it is registered the parser reads the field of every packet, and
 * DPDK does not clear dynamic fields when it allocates an mbuf: the
 * application sets the zone of every packet it gives the library (e.g.
 * in an Rx callback, from the port or the VLAN id), 0 included.
 *
 * @return
 *   The field's offset (>= 0), or a negative errno (rte_mbuf_dynfield
 *   errors: -ENOSPC no room left in the mbuf, -ENOMEM).
 */
int npfct_zone_dynfield_register(void);

/**
 * Set the zone of a packet, for npfct_pkt_parse() to take.  The field
 * must be registered (npfct_zone_dynfield_register()); otherwise this
 * does nothing.  E.g. from the receiving port or the VLAN id.
 */
static inline void
npfct_mbuf_zone_set(struct rte_mbuf *m, uint16_t zone)
{
	if (likely(npfct_zone_dynfield_offset >= 0))
		*RTE_MBUF_DYNFIELD(m, npfct_zone_dynfield_offset,
		    uint16_t *) = zone;
}

/** The zone npfct_pkt_parse() takes from an mbuf (0 if none is set). */
static inline uint16_t
npfct_mbuf_zone(const struct rte_mbuf *m)
{
	return npfct_zone_dynfield_offset >= 0 ?
	    *RTE_MBUF_DYNFIELD(m, npfct_zone_dynfield_offset, const uint16_t *) :
	    0;
}

/** npfct_pkt::tcp.wscale when the SYN carried no window scale option. */
#define NPFCT_TCP_WSCALE_NONE	0xff

/**
 * Parse a packet whose data starts with an Ethernet header.
 *
 * Up to two 802.1Q/QinQ tags (0x8100, 0x88a8, 0x9100) are skipped.  The interface id is
 * taken from the mbuf's port.
 *
 * @param pkt
 *   Structure to fill.
 * @param m
 *   The packet; it is not modified.
 * @return
 *   pkt->status: NPFCT_PARSE_OK or the reason the packet is malformed.
 */
enum npfct_parse_status npfct_pkt_parse(struct npfct_pkt *pkt,
		struct rte_mbuf *m);

/**
 * Parse a packet whose IP header starts at a given offset.
 *
 * @param pkt
 *   Structure to fill.
 * @param m
 *   The packet; it is not modified.
 * @param l3_off
 *   Offset of the IPv4 or IPv6 header from the start of the data.
 * @return
 *   pkt->status: NPFCT_PARSE_OK or the reason the packet is malformed.
 */
enum npfct_parse_status npfct_pkt_parse_l3(struct npfct_pkt *pkt,
		struct rte_mbuf *m, uint32_t l3_off);

/**
 * Parse the packet embedded in an ICMP or ICMPv6 error.
 *
 * The embedded packet is usually cut short: its IP header must be whole
 * and at least the first 8 bytes of its layer 4 header present (ports or
 * the ICMP query id); lengths are not checked against the embedded IP
 * total length.  TCP sequence data beyond 8 bytes is not read.
 *
 * @param inner
 *   Structure to fill (mbuf, ifid and zone are copied from the outer
 *   packet: the quoted packet is looked up in the error's zone).
 * @param outer
 *   A parsed packet with NPFCT_PKT_ICMP_ERR set.
 * @return
 *   inner->status: NPFCT_PARSE_OK or the reason the embedded packet is
 *   malformed.
 */
enum npfct_parse_status npfct_pkt_parse_icmp_inner(struct npfct_pkt *inner,
		const struct npfct_pkt *outer);

/**
 * Return a short name of a parse status ("ok", "l3-trunc", ...).
 */
const char *npfct_parse_status_str(enum npfct_parse_status status);

/**
 * Check whether a parsed packet can belong to a connection by its own key:
 * IPv4/IPv6 parsed, not a later fragment, and TCP, UDP, an ICMP query or
 * another layer 4 protocol.  ICMP errors are not trackable by key; they
 * are matched through the ALG hook.
 */
static inline bool
npfct_pkt_trackable_p(const struct npfct_pkt *pkt)
{
	return pkt->status == NPFCT_PARSE_OK &&
	    (pkt->flags & NPFCT_PKT_L4) != 0;
}

#ifdef __cplusplus
}
#endif

#endif /* NPFCT_PKT_H */
