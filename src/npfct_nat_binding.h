/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_NAT_BINDING_H
#define NPFCT_NAT_BINDING_H

/*
 * A source NAT policy's bindings (nat_binding.c): what an inside party
 * keeps of the outside space while it has connections, and for hold_ms
 * after.  Two uses: endpoint-independent mapping (nat_eim.c: an inside
 * endpoint -> one outside address and port) and port blocks (nat_block.c:
 * an inside address -> blocks of ports on one outside address).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include "npfct_hash.h"
#include "npfct_nat_impl.h"

#define NPFCT_NB_STRIPES	64

/* What a binding key names (bk_kind). */
enum npfct_nat_bkind {
	NPFCT_NB_IN_EP = 0,	/* EIM: inside address and port or id */
	NPFCT_NB_OUT_EP = 1,	/* EIM: outside address and port or id */
	NPFCT_NB_IN_HOST = 2,	/* block: inside address, bk_port: its nth */
	NPFCT_NB_OUT_BLOCK = 3,	/* block: outside address, bk_port: index */
};

/* A binding key: 32 bytes, addresses of alen bytes and zeros. */
struct npfct_nat_bkey {
	uint16_t	bk_zone;
	uint8_t		bk_proto;	/* 0 for blocks (every protocol) */
	uint8_t		bk_kind;	/* enum npfct_nat_bkind */
	rte_be16_t	bk_port;
	uint16_t	bk_pad;
	uint32_t	bk_pad2[2];
	union npfct_addr bk_addr;
};

struct npfct_nat_binding {
	struct npfct_nat_bkey nb_in;
	struct npfct_nat_bkey nb_out;
	uint32_t	nb_refs;	/* atomic: connections */
	uint32_t	nb_cursor;	/* blocks: relaxed search hint */
	bool		nb_dead;	/* removed (inside stripe lock) */
	bool		nb_held;	/* on the hold list (G/C) */
	bool		nb_ondead;	/* on the dead list (G/C) */
	uint64_t	nb_until;	/* hold ends, ns (G/C) */
	uint64_t	nb_ticket;	/* grace period before free (G/C) */
	int32_t		nb_pos_in, nb_pos_out; /* key slots, or -1 */
	struct npfct_nat_binding *nb_next; /* hold or dead list (G/C) */
	/* The orphan stack: pushed by a datapath lcore, taken by the G/C. */
	struct npfct_nat_binding *nb_onext;
	uint8_t		nb_orphan;	/* atomic: on the stack */
};

struct npfct_nat_bindings {
	struct rte_hash	*nbt_hash;
	struct rte_mempool *nbt_pool;
	struct npfct_hash nbt_hkey;
	uint64_t	nbt_hold_ns;
	const struct npfct_nat_policy *nbt_policy;	/* the owner */
	rte_spinlock_t	nbt_in_lock[NPFCT_NB_STRIPES];
	rte_spinlock_t	nbt_out_lock[NPFCT_NB_STRIPES];
	/* Bindings a datapath lcore left at 0 connections (lock-free push,
	 * the G/C takes the whole stack). */
	struct npfct_nat_binding *nbt_orphans;
	/* G/C only. */
	struct npfct_nat_binding *nbt_hold;
	struct npfct_nat_binding *nbt_dead;
	uint64_t	nbt_count;	/* relaxed: live ones, for telemetry */
	struct npfct_nat_bindings *nbt_next;	/* the instance's (immutable) */
};

void npfct_nat_bkey_make(struct npfct_nat_bkey *k, uint16_t zone,
		uint8_t proto, enum npfct_nat_bkind kind,
		const union npfct_addr *a, unsigned int alen, rte_be16_t port);

/* A binding by either of its keys (lock-free), or NULL. */
struct npfct_nat_binding *npfct_nat_binding_lookup(
		const struct npfct_nat_bindings *nbt,
		const struct npfct_nat_bkey *k);

/*
 * npfct_nat_binding_take_out: take b's outside key (b->nb_out, set by the
 * caller) if no binding has it.  For a search callback.
 * => Returns 0, -EADDRINUSE, -ENOSPC.
 */
int npfct_nat_binding_take_out(struct npfct_nat_bindings *nbt,
		struct npfct_nat_binding *b);

/*
 * A new binding's outside key: set b->nb_out and take it with
 * npfct_nat_binding_take_out(); 0, -EADDRNOTAVAIL (none left), -ENOSPC.
 * Called under the inside key's stripe lock.
 */
typedef int (*npfct_nat_binding_search_t)(struct npfct_nat_bindings *nbt,
		struct npfct_nat_binding *b, const void *arg);

/* The import's search: exactly the outside key at arg; -EEXIST: taken. */
int npfct_nat_binding_exact(struct npfct_nat_bindings *nbt,
		struct npfct_nat_binding *b, const void *arg);

/*
 * npfct_nat_binding_get: the binding of inside key kin with one more
 * connection counted, made with search(arg) if there is none (*made then
 * true).  Datapath lcores and the control thread (import).
 * => Returns 0 and *bp, -EADDRNOTAVAIL, -ENOSPC (and what search returns).
 */
int npfct_nat_binding_get(struct npfct_nat_bindings *nbt,
		const struct npfct_nat_bkey *kin,
		npfct_nat_binding_search_t search, const void *arg,
		struct npfct_nat_binding **bp, bool *made);

/*
 * The datapath's count drop (a bind that failed after _get()): at 0 the
 * G/C is told through the orphan stack (the lists are its own).
 */
void npfct_nat_binding_unref(struct npfct_nat_bindings *nbt,
		struct npfct_nat_binding *b);

/*
 * The G/C's count drop (npfct_conn_destroy() of a connection that held
 * b): at 0 the binding is held for hold_ms, then removed.
 */
void npfct_nat_binding_release(struct npfct *ct,
		struct npfct_nat_bindings *nbt, struct npfct_nat_binding *b);

/*
 * nat_block.c: a port block's event (NPFCT_EVENT_PORT_BLOCK) for its
 * making (reason NONE, datapath) or its removal (EXPIRED, the G/C).
 */
void npfct_nat_block_event(struct npfct *ct,
		const struct npfct_nat_bindings *nbt,
		const struct npfct_nat_binding *b, unsigned int reason,
		bool gc);

#endif /* NPFCT_NAT_BINDING_H */
