/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_NAT_IMPL_H
#define NPFCT_NAT_IMPL_H

/*
 * The NAT engine's private parts: policies (nat.c) and the rewriting of
 * packets (nat_rewrite.c).
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "npfct_nat.h"
#include "npfct_impl.h"

/* Probes per new connection (Linux's and OVS's cap). */
#define NPFCT_NAT_PROBES	248
/* Of which on the first (paired) address. */
#define NPFCT_NAT_PROBES_FIRST	128

/*
 * A policy: immutable once published (but np_tel_count), never freed
 * before the instance (a translated connection's c_nat points to it).
 * Addresses in network order, as in the keys; np_alen words of them are
 * used.
 */
struct npfct_nat_policy {
	int		np_id;
	enum npfct_nat_policy_type np_type;
	uint32_t	np_flags;	/* NPFCT_NATF_* */
	uint16_t	np_zone;
	uint8_t		np_proto;	/* 0: TCP, UDP and ICMP */
	uint8_t		np_alen;	/* 4 or 16 */
	uint8_t		np_plen;
	union npfct_addr np_match;	/* masked */
	union npfct_addr np_mask;
	/* SNAT: the first pool address; DNAT: the inside address;
	 * STATIC, NPT66: the outside prefix, masked. */
	union npfct_addr np_pool;
	uint32_t	np_pool_n;	/* SNAT: addresses */
	uint16_t	np_port_min;	/* host order */
	uint16_t	np_port_max;
	uint16_t	np_mport_min;	/* DNAT: destination ports */
	uint16_t	np_mport_max;
	/* NPFCT_NATF_PORT_BLOCK: ports per block, blocks per address and
	 * most blocks per inside address. */
	uint16_t	np_block;
	uint16_t	np_blocks_max;
	uint32_t	np_nblocks;
	bool		np_dead;	/* removed from the table */
	/* NPFCT_NATF_EIM or _PORT_BLOCK: the bindings (nat_binding.c);
	 * immutable pointer */
	struct npfct_nat_bindings *np_bind;
	/* nat_telemetry.c's scratch counter, under nat_lock only */
	uint64_t	np_tel_count;
	struct npfct_nat_policy *np_next; /* every policy made (ct_nat) */
};

/* Whether a (alen bytes) is in the prefix net/mask. */
static inline bool
npfct_nat_prefix_has(const union npfct_addr *a, const union npfct_addr *net,
		const union npfct_addr *mask, unsigned int alen)
{
	unsigned int i;

	for (i = 0; i < alen / 4; i++)
		if ((a->a32[i] & mask->a32[i]) != net->a32[i])
			return false;
	return true;
}

/* The policies in order: an RCU-published immutable snapshot. */
struct npfct_nat_table {
	unsigned int	nt_n;
	struct npfct_nat_policy *nt_p[];
};

/*
 * Per instance (ct_nat, made at create, immutable pointer): the table the
 * datapath reads and every policy ever added (freed at destroy).
 */
struct npfct_nat_bindings;
struct npfct_nat_binding;

struct npfct_nat {
	struct npfct_nat_table *nat_table;	/* RCU; nat_lock to set */
	/* Every policy's bindings (a list, released; the G/C reads) */
	struct npfct_nat_bindings *nat_bind;
	struct npfct_nat_policy *nat_all;	/* nat_lock */
	int		nat_next_id;		/* nat_lock */
	pthread_mutex_t	nat_lock;
};

int npfct_nat_init(struct npfct *ct);
void npfct_nat_fini(struct npfct *ct);

/*
 * nat_alloc.c: the translated address and port of a new connection, by
 * the policy's type; bound to it with npfct_conn_nat_bind().  Returns 0,
 * -EADDRNOTAVAIL (no address and port left, or NPT66's untranslatable
 * address), -ENOSPC, -EINVAL.
 */
int npfct_nat_alloc(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p,
		int di);

/* nat_alloc.c: the pool address paired with the packet's source. */
uint32_t npfct_nat_pool_first(const struct npfct_nat_policy *p,
		const struct npfct_pkt *pkt);

/* Address index a of a pool (only the last word differs). */
static inline void
npfct_nat_pool_addr(const struct npfct_nat_policy *p, uint32_t a,
		union npfct_addr *out)
{
	const unsigned int lw = p->np_alen / 4 - 1;

	memset(out, 0, sizeof(*out));
	memcpy(out, &p->np_pool, p->np_alen);
	out->a32[lw] = rte_cpu_to_be_32(rte_be_to_cpu_32(p->np_pool.a32[lw]) +
	    a);
}

/*
 * nat_alloc.c: the order of a bounded search over a pool: up to
 * NPFCT_NAT_PROBES candidates in all (used of them spent before), first
 * NPFCT_NAT_PROBES_FIRST on the address index first, the rest spread
 * over the others; on each address a run of consecutive offsets in
 * [0, range) from a random start (so every offset can be reached,
 * whatever range's factors).  next() gives the address index and offset
 * of the next candidate, false when the search is over.
 */
struct npfct_nat_walk {
	uint32_t	nw_pool_n, nw_first, nw_range;
	uint32_t	nw_a, nw_i, nw_start, nw_budget, nw_used;
	bool		nw_begun;
};

void npfct_nat_walk_init(struct npfct_nat_walk *w, uint32_t pool_n,
		uint32_t first, uint32_t range, uint32_t used);
bool npfct_nat_walk_next(struct npfct_nat_walk *w, uint32_t *ai,
		uint32_t *off);

/*
 * nat_binding.c: a policy's bindings (EIM, port blocks) and the hold
 * time.  create/publish at policy_add (nat_lock), destroy at instance
 * destroy; npfct_nat_gc() from each G/C step (synced: a grace period
 * passed since the last call).
 */
int npfct_nat_bindings_create(struct npfct *ct, struct npfct_nat_policy *p,
		uint32_t max, uint32_t hold_ms);
void npfct_nat_bindings_publish(struct npfct *ct, struct npfct_nat_policy *p);
void npfct_nat_bindings_destroy(struct npfct_nat_policy *p);
void npfct_nat_gc(struct npfct *ct, bool synced);
uint64_t npfct_nat_bindings_count(const struct npfct_nat_policy *p);

/*
 * nat_eim.c (NPFCT_NATF_EIM) and nat_block.c (NPFCT_NATF_PORT_BLOCK):
 * alloc on the datapath (as npfct_nat_alloc()); release from
 * npfct_conn_destroy() for a connection the policy bound; reserve from
 * npfct_import() (the connection's translated address and port taken
 * again: 0, -EADDRINUSE when another inside party has them, -ENOSPC).
 */
int npfct_nat_eim_alloc(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p);
void npfct_nat_eim_release(struct npfct *ct, struct npfct_conn *con);
int npfct_nat_eim_reserve(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_nat_policy *p, const union npfct_addr *taddr,
		rte_be16_t tport);
int npfct_nat_block_alloc(struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_conn *con, const struct npfct_nat_policy *p);
void npfct_nat_block_release(struct npfct *ct, struct npfct_conn *con);
int npfct_nat_block_reserve(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_nat_policy *p, const union npfct_addr *taddr,
		rte_be16_t tport);

/*
 * nat_map.c: the address-only mappings.  NETMAP: out = net | (in & ~mask).
 * NPT66 (RFC 6296): the same, then one word adjusted so that the sum of
 * the address is kept; returns false if the address cannot be mapped
 * (its word to adjust is 0xffff).
 */
void npfct_nat_netmap(const union npfct_addr *in, const union npfct_addr *net,
		const union npfct_addr *mask, unsigned int alen,
		union npfct_addr *out);
bool npfct_nat_npt66(const union npfct_addr *in, const union npfct_addr *net,
		const union npfct_addr *mask, unsigned int plen,
		union npfct_addr *out);

/*
 * nat_rewrite.c: rewrite a packet's source (NPFCT_SRC) or destination
 * (NPFCT_DST) IPv4 address and port or query id, with the checksums.
 */
int npfct_nat_rewrite4(struct npfct_pkt *pkt, int which, rte_be32_t addr,
		rte_be16_t port);

int npfct_nat_rewrite4_icmp_err(struct npfct_pkt *pkt, rte_be32_t in_addr,
		rte_be16_t in_port, rte_be32_t out_addr, rte_be16_t out_port);

/* A later fragment: the address (and IPv4 header checksum) only. */
int npfct_nat_rewrite_frag(struct npfct_pkt *pkt, int which,
		const union npfct_addr *addr);

/* nat_rewrite6.c: the same for IPv6 (addresses of 16 bytes). */
int npfct_nat_rewrite6(struct npfct_pkt *pkt, int which,
		const union npfct_addr *addr, rte_be16_t port);

int npfct_nat_rewrite6_icmp_err(struct npfct_pkt *pkt,
		const union npfct_addr *in_addr, rte_be16_t in_port,
		const union npfct_addr *out_addr, rte_be16_t out_port);

/*
 * The translation of a connection for listings: "-" (none), "app"
 * (npfct_conn_setnat()), or the engine's policy type and id ("snat#0",
 * "dnat#1", "static#2", "npt66#3").
 */
void npfct_nat_conn_describe(const struct npfct_conn *con, char *buf,
		size_t len);

/*
 * npfct_import()'s: point an imported connection that the engine
 * translates (CONN_NATENG) at the policy that matches its first packet
 * (pkt: the forwards key as a packet) and would have made its mapping,
 * so that listings and telemetry count it with that policy; otherwise
 * count NPFCT_STAT_NAT_IMPORT_UNATTACHED (it is still translated, from
 * its keys).  A policy with bindings (EIM, port blocks) takes the
 * connection's binding again first: another inside party holding the
 * translated address and port is a clash (-EADDRINUSE, counted
 * NPFCT_STAT_NAT_IMPORT_CLASH; the import fails), no room -ENOSPC.
 * Control thread, before the connection is visible; an import that
 * fails later destroys the connection, which releases the binding.
 * => Returns 0, -EADDRINUSE, -ENOSPC.
 */
int npfct_nat_import_attach(struct npfct *ct, struct npfct_conn *con,
		const struct npfct_pkt *pkt);

/* The name of a policy type ("snat", "dnat", "static", "npt66"). */
const char *npfct_nat_type_name(enum npfct_nat_policy_type type);

/* nat_telemetry.c: /npfct/nat (telemetry.c registers it). */
void npfct_nat_telemetry_register(void);

/* conn.c: the engine's setnat (see there). */
int npfct_conn_nat_bind(struct npfct *ct, struct npfct_conn *con,
		void *entry, enum npfct_nat_type ntype,
		const union npfct_addr *taddr, rte_be16_t tport);

#endif /* NPFCT_NAT_IMPL_H */
