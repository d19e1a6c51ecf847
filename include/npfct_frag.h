/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_FRAG_H
#define NPFCT_FRAG_H

/**
 * @file
 * npfct fragment handler: every fragment of an IP datagram gets the
 * verdict and the connection of the datagram.
 *
 * Only the first fragment of a datagram carries its layer 4 header, so
 * only the first fragment can be inspected and establish a connection
 * (npfct_inspect_burst() says NPFCT_V_NOT_TRACKABLE for the others).  The
 * handler does "virtual reassembly": it remembers, per datagram, the
 * first fragment's ports (or ICMP query id) and the application's
 * decision on it, gives every later fragment that decision and the
 * connection (looked up with the first fragment's ports), and holds the
 * later fragments that arrive before the first until it is decided.  The
 * application forwards the original fragments, unchanged in size: no
 * reassembled copy, no re-fragmentation.  With NAT,
 * npfct_nat_translate() rewrites every fragment's addresses (and the IPv4
 * header checksum); the ports and the layer 4 checksum, which only the
 * first fragment carries, are rewritten there only.  docs/design.md,
 * "Fragments", says why virtual and not full reassembly.
 *
 * Per burst, on a datapath lcore:
 *
 * @code
 *	npfct_inspect_burst(ct, mbufs, pkts, n, di, conns, verdicts);
 *	// decide: pass[i] = 1 for the packets to forward (first
 *	// fragments included), establish, ...
 *	npfct_frag_burst(fr, pkts, n, di, pass, actions, conns);
 *	// actions[i]: NPFCT_FRAG_NONE (not a fragment: pass[i] stands),
 *	// PASS (forward; conns[i] the datagram's connection or NULL),
 *	// DROP (free it), HELD (the handler keeps the mbuf)
 *	npfct_nat_translate_burst(ct, pkts, conns, n, di);
 *	// ... transmit; then the held fragments this burst released:
 *	while ((k = npfct_frag_drain(fr, rp, 32, rdi, rconns)) > 0)
 *		// translate and transmit rp[0..k-1] (each in direction rdi[j])
 * @endcode
 *
 * What it refuses, each with a counter (npfct_stats.h, "frag-*"): an
 * overlap of two fragments (RFC 5722, and for IPv4 as Linux does), except
 * an exact duplicate, which is dropped alone (a duplicate with other data
 * is an overlap); a first fragment without the whole layer 4 header or,
 * for IPv6, without the whole header chain (RFC 1858, RFC 7112: the
 * parser calls it truncated); a TCP fragment at offset 8 or 16, inside the
 * TCP header (RFC 1858); a datagram longer than 65535 bytes, a non-last
 * fragment whose length is not a multiple of 8, fragments that disagree
 * on the datagram's end; more than max_frags fragments; a datagram not
 * completed within its timeout.  Once refused, the datagram's remaining
 * fragments are dropped until its timeout.  Fragments already forwarded
 * cannot be called back: the receiver's own reassembly (which drops
 * overlaps too) completes the refusal.
 *
 * Bounds: at most max_datagrams datagrams (a full bucket evicts its
 * oldest datagram) and max_held fragments held at once (the mbufs the
 * handler can keep: a flood of lone later fragments cannot exhaust the
 * mempool; when none is left the oldest datagram of the bucket that holds
 * fragments gives its fragments back, else the new fragment is dropped).
 * A datagram is forgotten when it is complete or after its timeout
 * (npfct_frag_expire(), and every bucket access).  Unfragmented packets
 * never touch the handler (npfct_frag_burst() reads one flag of them).
 *
 * Synchronisation: one handler per instance, shared by every lcore, so
 * fragments of one datagram that arrive on different lcores (a NIC's RSS
 * hashes fragments on the addresses only, the rest of the flow on the
 * ports too) meet.  Its table is hashed with its own random key (SipHash)
 * and each bucket has a spinlock, taken only by fragments.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "npfct.h"
#include "npfct_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A fragment handler (opaque). */
struct npfct_frag;

/** Default npfct_frag_params::max_datagrams. */
#define NPFCT_FRAG_DATAGRAMS_DEFAULT	4096
/** Default npfct_frag_params::max_held. */
#define NPFCT_FRAG_HELD_DEFAULT		1024
/** Default npfct_frag_params::max_frags. */
#define NPFCT_FRAG_FRAGS_DEFAULT	64
/** Largest npfct_frag_params::max_frags. */
#define NPFCT_FRAG_FRAGS_MAX		1024
/** Default IPv4 timeout (Linux's ipfrag_time), milliseconds. */
#define NPFCT_FRAG_TIMEOUT4_DEFAULT	30000
/** Default IPv6 timeout (Linux's nf_conntrack_frag6_timeout), ms. */
#define NPFCT_FRAG_TIMEOUT6_DEFAULT	60000

/** Fragment handler parameters; a field left 0 takes its default. */
struct npfct_frag_params {
	/**
	 * Datagrams tracked at once (rounded up to a power of two, at
	 * least 8, at most 2^22).  About 64 bytes plus 8 per max_frags
	 * each.
	 */
	uint32_t max_datagrams;
	/**
	 * Fragments held at once, all datagrams together: the most mbufs
	 * the handler keeps (later fragments waiting for their first
	 * fragment).  At most 2^20.
	 */
	uint32_t max_held;
	/** Fragments per datagram, at most NPFCT_FRAG_FRAGS_MAX. */
	uint16_t max_frags;
	uint16_t reserved;		/**< 0 */
	/** Time to complete an IPv4 datagram, milliseconds. */
	uint32_t timeout4_ms;
	/** Time to complete an IPv6 datagram, milliseconds. */
	uint32_t timeout6_ms;
};

/** npfct_frag_burst() result per packet. */
enum npfct_frag_action {
	/** Not a fragment (or an IPv6 atomic fragment, RFC 6946). */
	NPFCT_FRAG_NONE = 0,
	/** A fragment to forward: conns[i] is its datagram's connection. */
	NPFCT_FRAG_PASS,
	/** A fragment to drop: the application frees the mbuf. */
	NPFCT_FRAG_DROP,
	/** Held until its first fragment comes: the handler owns it. */
	NPFCT_FRAG_HELD,
};

/**
 * Create the fragment handler of an instance (one per instance).
 *
 * Control path, any thread.
 *
 * @param ct
 *   The instance.
 * @param params
 *   Parameters, or NULL for the defaults.
 * @return
 *   The handler, or NULL with rte_errno set:
 *   - EINVAL: a parameter is out of range;
 *   - EEXIST: the instance has a handler;
 *   - EIO: no random key could be drawn;
 *   - ENOMEM: no memory.
 */
__npfct_experimental
struct npfct_frag *npfct_frag_create(struct npfct *ct,
		const struct npfct_frag_params *params);

/**
 * Destroy a handler: the fragments it holds are freed.  No lcore may use
 * it any more.  npfct_destroy() destroys the instance's handler too.
 *
 * @param fr
 *   The handler; NULL is ignored.
 */
__npfct_experimental
void npfct_frag_destroy(struct npfct_frag *fr);

/** Return the instance's handler, or NULL. */
__npfct_experimental
struct npfct_frag *npfct_frag_get(const struct npfct *ct);

/**
 * Give the fragments of a burst their datagram's verdict.
 *
 * Call after the application has decided the burst's packets (as
 * inspected by npfct_inspect_burst() or npfct_inspect_burst_parsed(),
 * connections established) and before it translates or transmits them.
 * For a first fragment (NPFCT_PKT_FRAG without NPFCT_PKT_FRAG_LATER,
 * with or without NPFCT_PKT_L4), pass[i] is the application's decision,
 * which the datagram's later fragments get; a first fragment that the
 * application drops (e.g. as a parse error: a tiny first fragment) makes
 * the whole datagram dropped.  The application must decide every first
 * fragment by its own rules before it comes here: pass[i] of a first
 * fragment is taken as given.  For a later fragment (NPFCT_PKT_FRAG_LATER,
 * pass[i] unread), the handler writes conns[i] and the first fragment's
 * ports into pkts[i] (sport, dport; the NPFCT_PKT_L4 flag stays clear).
 * Packets that are not fragments, IPv6 atomic fragments (RFC 6946)
 * included, are left alone (actions[i] NPFCT_FRAG_NONE).
 *
 * Held fragments that a first fragment of this burst releases wait on
 * this lcore for npfct_frag_drain(); those of a datagram dropped are
 * freed.
 *
 * Datapath lcores (registered, online, with an lcore id): the
 * connections follow the reference contract.
 *
 * @param fr
 *   The handler.
 * @param pkts
 *   The parsed packets.
 * @param n
 *   Number of packets.
 * @param di
 *   Direction of the packets: NPFCT_DIR_IN or NPFCT_DIR_OUT.
 * @param pass
 *   The application's decision per packet (non-zero: forward); read for
 *   first fragments only.
 * @param actions
 *   Array of n results (enum npfct_frag_action), written.
 * @param conns
 *   Array of n connection pointers; written for later fragments (PASS:
 *   the connection or NULL; otherwise NULL); other entries untouched.
 * @return
 *   Number of fragments (actions other than NPFCT_FRAG_NONE); 0 also if
 *   an argument is wrong or the thread has no lcore id (counted).
 */
__npfct_experimental
uint16_t npfct_frag_burst(struct npfct_frag *fr, struct npfct_pkt *pkts,
		uint16_t n, int di, const uint8_t *pass, uint8_t *actions,
		struct npfct_conn **conns);

/**
 * Take the held fragments released on this lcore (by a first fragment
 * that npfct_frag_burst() passed), in the order they arrived, to forward.
 *
 * Each comes as its parsed packet, with the first fragment's ports
 * stamped in as npfct_frag_burst() does, the direction it arrived in and
 * its connection (or NULL).  The application owns the mbufs.
 *
 * Datapath lcores, as npfct_frag_burst(); call it after each
 * npfct_frag_burst() until it returns less than max.
 *
 * @return
 *   Number of fragments written (at most max).
 */
__npfct_experimental
uint16_t npfct_frag_drain(struct npfct_frag *fr, struct npfct_pkt *pkts,
		uint16_t max, uint8_t *dirs, struct npfct_conn **conns);

/**
 * Forget the datagrams whose timeout has passed (by the instance's
 * clock), freeing the fragments they hold.  Bucket accesses do this too,
 * bucket by bucket; call it periodically (e.g. every 100 ms) so that held
 * mbufs go back to their pool when no fragment comes.
 *
 * Any thread; takes each bucket's lock in turn.
 *
 * @return
 *   Number of datagrams forgotten, or -EINVAL.
 */
__npfct_experimental
int npfct_frag_expire(struct npfct_frag *fr);

/** What a handler holds now. */
struct npfct_frag_info {
	struct npfct_frag_params params;	/**< as resolved */
	uint32_t datagrams;	/**< datagrams tracked */
	uint32_t held;		/**< fragments held */
	uint32_t ready;		/**< released, not yet drained */
};

/**
 * Read a handler's parameters and occupancy (not atomic as a whole).
 *
 * @return
 *   0, or -EINVAL.
 */
__npfct_experimental
int npfct_frag_info_get(const struct npfct_frag *fr,
		struct npfct_frag_info *info);

#ifdef __cplusplus
}
#endif

#endif /* NPFCT_FRAG_H */
