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

#include "npfct_nat.h"
#include "npfct_impl.h"

/* Probes per new connection (Linux's and OVS's cap). */
#define NPFCT_NAT_PROBES	248
/* Of which on the first (paired) address. */
#define NPFCT_NAT_PROBES_FIRST	128

/*
 * A policy: immutable once published, never freed before the instance
 * (a translated connection's c_nat points to it).
 */
struct npfct_nat_policy {
	int		np_id;
	enum npfct_nat_policy_type np_type;
	uint32_t	np_flags;	/* NPFCT_NATF_* */
	uint16_t	np_zone;
	uint8_t		np_proto;	/* 0: TCP, UDP and ICMP */
	uint32_t	np_match;	/* host order, masked */
	uint32_t	np_mask;	/* host order */
	uint32_t	np_pool_first;	/* host order */
	uint32_t	np_pool_n;	/* addresses */
	uint16_t	np_port_min;	/* host order */
	uint16_t	np_port_max;
	uint16_t	np_mport_min;	/* DNAT: destination ports */
	uint16_t	np_mport_max;
	bool		np_dead;	/* removed from the table */
	struct npfct_nat_policy *np_next; /* every policy made (ct_nat) */
};

/* The policies in order: an RCU-published immutable snapshot. */
struct npfct_nat_table {
	unsigned int	nt_n;
	struct npfct_nat_policy *nt_p[];
};

/*
 * Per instance (ct_nat, made at create, immutable pointer): the table the
 * datapath reads and every policy ever added (freed at destroy).
 */
struct npfct_nat {
	struct npfct_nat_table *nat_table;	/* RCU; nat_lock to set */
	struct npfct_nat_policy *nat_all;	/* nat_lock */
	int		nat_next_id;		/* nat_lock */
	pthread_mutex_t	nat_lock;
};

int npfct_nat_init(struct npfct *ct);
void npfct_nat_fini(struct npfct *ct);

/*
 * nat_rewrite.c: rewrite a packet's source (NPFCT_SRC) or destination
 * (NPFCT_DST) IPv4 address and port or query id, with the checksums.
 */
int npfct_nat_rewrite4(struct npfct_pkt *pkt, int which, rte_be32_t addr,
		rte_be16_t port);

int npfct_nat_rewrite4_icmp_err(struct npfct_pkt *pkt, rte_be32_t in_addr,
		rte_be16_t in_port, rte_be32_t out_addr, rte_be16_t out_port);

/* conn.c: the engine's setnat (see there). */
int npfct_conn_nat_bind(struct npfct *ct, struct npfct_conn *con,
		void *entry, enum npfct_nat_type ntype,
		const union npfct_addr *taddr, rte_be16_t tport);

#endif /* NPFCT_NAT_IMPL_H */
