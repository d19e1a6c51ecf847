/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_CONN_H
#define NPFCT_CONN_H

/**
 * @file
 * npfct connection calls: the life-cycle of NPF's npf_conn.c.
 *
 * A connection is created by npfct_conn_establish() when a packet matches
 * a stateful rule or a NAT policy.  It is created inactive: only the
 * establishing thread sees it until npfct_conn_release() activates it, so
 * that the caller can attach a rule procedure (npfct_conn_setpass()) and a
 * NAT entry (npfct_conn_setnat()) first.  Later packets of both streams
 * find it through npfct_conn_inspect() or npfct_inspect_burst().  The G/C
 * (npfct_gc()) destroys it when its protocol state timed out or after
 * npfct_conn_expire().
 *
 * All calls here are for datapath lcores (registered with QSBR, online)
 * and follow the reference contract of npfct.h: a connection pointer is
 * valid until the caller's next quiescent state.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "npfct.h"
#include "npfct_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** NAT type for npfct_conn_setnat(). */
enum npfct_nat_type {
	/** Outbound NAT: the source of the forwards stream is translated. */
	NPFCT_NAT_OUT = 1,
	/** Inbound NAT: the destination of the forwards stream is translated. */
	NPFCT_NAT_IN = 2,
};

/**
 * Inspect a packet (npf_conn_inspect()): if tracking is on and the packet
 * is trackable, run the ALG hooks, then look the connection up and check
 * the protocol state under the connection's lock.
 *
 * Lock-free, multi-thread safe (datapath lcores).
 *
 * @param ct
 *   The instance.
 * @param pkt
 *   A parsed packet.
 * @param di
 *   NPFCT_DIR_IN or NPFCT_DIR_OUT.
 * @param verdict
 *   If not NULL, set to the enum npfct_verdict of the packet.
 * @return
 *   The connection, or NULL (no connection, or the state check failed:
 *   the packet is invalid and counted).
 */
struct npfct_conn *npfct_conn_inspect(struct npfct *ct,
		const struct npfct_pkt *pkt, int di, uint8_t *verdict);

/**
 * Look up the connection of a packet without state inspection
 * (npf_conn_lookup()): the connection must be active and not expired,
 * bound to the packet's interface (or global), and the packet's direction
 * must agree with the stream it matched.  Updates the activity time.
 * ALGs use this with their own packet information.
 *
 * Lock-free, multi-thread safe (datapath lcores).
 *
 * @param forw
 *   Set to true if the packet belongs to the forwards stream.
 * @return
 *   The connection or NULL.
 */
struct npfct_conn *npfct_conn_lookup(struct npfct *ct,
		const struct npfct_pkt *pkt, int di, bool *forw);

/**
 * Establish a connection for a packet (npf_conn_establish()): build the
 * forwards and backwards keys, initialise the protocol state and insert
 * the connection's entry, under the canonical form of the keys (one entry
 * for both), or nothing.
 *
 * The connection is inactive until npfct_conn_release().
 * Multi-thread safe (datapath lcores; the caller needs an lcore id, which
 * rte_hash's insert requires: a thread without one gets EINVAL, counted
 * as NPFCT_STAT_NO_LCORE).  The family's max_conns is a hard limit.
 *
 * @param ct
 *   The instance.
 * @param pkt
 *   The first packet of the connection, parsed.
 * @param di
 *   Its direction: NPFCT_DIR_IN or NPFCT_DIR_OUT.
 * @param per_if
 *   Bind the connection to the packet's interface (otherwise global).
 * @return
 *   The connection, or NULL with rte_errno set:
 *   - ENOENT: tracking is off;
 *   - EINVAL: the packet is not trackable (or di is wrong), or the
 *     thread has no lcore id;
 *   - EPROTO: the protocol state refuses to start with this packet
 *     (a TCP packet that is not a SYN, an ICMP echo reply);
 *   - EEXIST: a connection with one of the keys exists (a race with
 *     another lcore: counted as NPFCT_STAT_RACE_CONN);
 *   - ENOSPC: the family has max_conns connections
 *     (NPFCT_STAT_TABLE_FULL), or the two buckets of the key are full
 *     while the table has room (NPFCT_STAT_BUCKET_FULL; with the keyed
 *     hash only near the limit, never by aimed collisions);
 *   - EDQUOT: the packet's zone is at its limit (NPFCT_STAT_ZONE_FULL,
 *     npfct_zone_limit_set()).
 */
struct npfct_conn *npfct_conn_establish(struct npfct *ct,
		const struct npfct_pkt *pkt, int di, bool per_if);

/**
 * Release a connection (npf_conn_release()): the first release after
 * npfct_conn_establish() activates the connection, making it visible to
 * lookups, unless it was expired meanwhile.  Otherwise a no-op: under QSBR
 * there is no reference count to drop.
 */
void npfct_conn_release(struct npfct_conn *con);

/**
 * Mark a connection expired (npf_conn_expire()): lookups stop finding it
 * and the next G/C destroys it.  Multi-thread safe.
 */
void npfct_conn_expire(struct npfct_conn *con);

/**
 * Return true if the connection passes packets without rule inspection
 * ("pass" connection, npf_conn_pass()), and its rule procedure.
 *
 * @param rproc
 *   If not NULL, set to the rule procedure (or NULL).
 */
bool npfct_conn_pass(const struct npfct_conn *con, void **rproc);

/**
 * Mark a new, not yet active connection as "pass" and attach a rule
 * procedure (npf_conn_setpass()).  The caller's reference to the rule
 * procedure moves to the connection; it is released with the instance's
 * rproc_release callback when the connection is destroyed.
 *
 * Only the establishing thread, before npfct_conn_release().
 *
 * @return
 *   0, or -EBUSY if the connection is already active or has a procedure.
 */
int npfct_conn_setpass(struct npfct_conn *con, void *rproc);

/**
 * Associate a NAT entry with a connection and rewrite its backwards key
 * with the translated address and port (npf_conn_setnat()); if that
 * changes the key, the connection gets a second table entry for it.
 *
 * For NPFCT_NAT_OUT the backwards stream's destination becomes taddr/tport
 * (replies come to the translated source); for NPFCT_NAT_IN its source.
 * The NAT entry is released with the nat_release callback when the
 * connection is destroyed (unless setnat fails).
 *
 * Multi-thread safe (datapath lcores with an lcore id: -EINVAL and the
 * no-lcore counter otherwise).  The entry is published with a release
 * store and read by npfct_conn_retnat() with an acquire load.
 *
 * @param pkt
 *   The packet the connection was established with (its original values).
 * @param nat
 *   Application NAT handle (not NULL).
 * @param taddr
 *   Translated address (of the packet's family).
 * @param tport
 *   Translated port (network order), or 0 to keep the port.
 * @return
 *   0, or:
 *   - -EINVAL: bad argument, or the connection is expired;
 *   - -EISCONN: a NAT entry is already associated (a race with a
 *     duplicate packet), or the translated backwards key exists (or, unlike
 *     NPF, its inversion is a key of another NAT connection: see
 *     docs/design.md): in that case the connection is expired
 *     (NPFCT_STAT_RACE_NAT);
 *   - -ENOSPC: max_nat_conns second entries exist (table-full), or the
 *     key's two buckets are full (bucket-full); the connection is
 *     expired.
 */
int npfct_conn_setnat(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, void *nat, enum npfct_nat_type ntype,
		const union npfct_addr *taddr, rte_be16_t tport);

/**
 * Return the NAT entry of a connection and whether a packet of direction
 * di belongs to its forwards stream (npf_conn_retnat()).  NULL for a
 * connection the NAT engine translated (npfct_nat.h): it holds no entry
 * of the application's.
 */
void *npfct_conn_retnat(const struct npfct_conn *con, int di, bool *forw);

/**
 * Return the connection's protocol (IPPROTO_*).
 */
uint8_t npfct_conn_proto(const struct npfct_conn *con);

/**
 * Return the name of the connection's protocol state ("established", ...).
 */
const char *npfct_conn_state_name(const struct npfct_conn *con);

/**
 * Return the connection's expiry time in seconds for its current state
 * (npf_state_etime()).
 */
uint32_t npfct_conn_etime(const struct npfct *ct,
		const struct npfct_conn *con);

/**
 * Packet and byte counters of a connection (NPFCT_F_ACCOUNTING): index 0
 * the forwards stream (the first packet's direction), 1 the backwards
 * stream.  Bytes are IP lengths (header included).  The first packet is
 * counted; packets found INVALID or RELATED (ICMP errors) are not.
 */
struct npfct_conn_acct {
	uint64_t packets[2];
	uint64_t bytes[2];
};

/**
 * Read a connection's counters.  Under the reference contract, any
 * thread; each counter is read whole (they are not read together, so a
 * packet counted meanwhile may be in packets and not yet in bytes).
 *
 * @return
 *   0, or -ENOTSUP (the instance counts nothing), -EINVAL.
 */
int npfct_conn_acct_get(const struct npfct *ct, const struct npfct_conn *con,
		struct npfct_conn_acct *acct);

/**
 * The connection's user data: npfct_params::udata_size bytes, 8-byte
 * aligned, zeroed at establish (and import), or NULL if the size is 0.
 *
 * The library never reads or writes it after zeroing it.  Who writes it
 * when is the application's to arrange: the establishing thread may
 * fill it freely before npfct_conn_release() activates the connection
 * (no other thread can find it yet, and activation publishes it with
 * release/acquire order to every thread that finds it later); after
 * that, any thread that holds the connection under the reference
 * contract may read it, and concurrent writers must use atomics or their
 * own lock.  The area stays valid as long as the connection pointer.
 */
void *npfct_conn_udata(const struct npfct *ct, struct npfct_conn *con);

/**
 * Set a connection's 32-bit mark (0 at establish), e.g. a policy or
 * tenant tag for the application and the connection events.  Any thread
 * holding the connection; a relaxed store (set it before
 * npfct_conn_release() for other threads to see it with the connection).
 */
void npfct_conn_mark_set(struct npfct_conn *con, uint32_t mark);

/** Return a connection's mark. */
uint32_t npfct_conn_mark(const struct npfct_conn *con);

/**
 * A connection described (npfct_conn_info_get(), import callbacks).
 * Addresses and ports in network order.
 */
struct npfct_conn_info {
	uint8_t proto;			/**< IPPROTO_* */
	uint8_t alen;			/**< address length: 4 or 16 */
	uint8_t dir;			/**< NPFCT_DIR_* of the first packet */
	bool per_if;			/**< bound to ifid */
	uint16_t ifid;			/**< interface */
	uint16_t zone;			/**< zone (npfct_pkt::zone) */
	bool pass;			/**< a "pass" connection */
	bool nat;			/**< backwards key translated (NAT) */
	enum npfct_nat_type nat_type;	/**< if nat: which side */
	union npfct_addr src;		/**< forwards: source (original) */
	union npfct_addr dst;		/**< forwards: destination */
	rte_be16_t sport;		/**< forwards: source port or id */
	rte_be16_t dport;		/**< forwards: destination port or id */
	union npfct_addr bsrc;		/**< backwards key: source */
	union npfct_addr bdst;		/**< backwards key: destination */
	rte_be16_t bsport;		/**< backwards key: source port */
	rte_be16_t bdport;		/**< backwards key: destination port */
	const char *state;		/**< protocol state name */
	uint32_t idle;			/**< seconds since the last packet */
	uint32_t etime;			/**< timeout of the current state */
	uint32_t mark;			/**< npfct_conn_mark() */
	bool acct;			/**< the counters below are kept */
	struct npfct_conn_acct counters; /**< if acct */
};

/**
 * Describe a connection (consistent: read under its lock).
 */
void npfct_conn_info_get(const struct npfct *ct,
		const struct npfct_conn *con, struct npfct_conn_info *info);

/**
 * Print a connection (npf_conn_print()): keys, flags, state, idle time.
 */
void npfct_conn_print(const struct npfct *ct, const struct npfct_conn *con,
		FILE *f);

/**
 * Print every connection of the current database.  Control thread; takes
 * the G/C lock, so the list is stable while printing.
 *
 * @return
 *   Number of connections printed.
 */
int npfct_dump(struct npfct *ct, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* NPFCT_CONN_H */
