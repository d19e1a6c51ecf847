/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * l3fwd-npf private definitions, shared by its files:
 *
 *	main.c		EAL, ports, instance, G/C service, launch, shutdown
 *	args.c		the command line (getopt_long, lgopts[], usage)
 *	fwd.c		the per-lcore loop: RX, npfct, rules, route, TX
 *	rules.c		the rule file and its rte_acl contexts
 *	route.c		rte_lpm/rte_lpm6 routes, neighbours, ARP and ND
 *	stats.c		counters, the status line, final statistics,
 *			the /l3fwd_npf/... telemetry commands
 */

#ifndef L3FWD_NPF_H
#define L3FWD_NPF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include <npfct.h>
#include <npfct_frag.h>
#include <npfct_nat.h>
#include <npfct_pkt.h>

#define MAX_PKT_BURST		64	/* --burst at most (npfct's chunk) */
#define DEFAULT_BURST		32
#define MAX_RX_QUEUE_PER_LCORE	16
#define MAX_QUEUES_PER_PORT	16	/* --rxq, --txq at most */
#define BURST_TX_DRAIN_US	100	/* TX buffers are flushed this often */
#define MAX_ADDRS		32	/* --addr */
#define MAX_ROUTES		256	/* --route, plus one per --addr */
#define MAX_NEIGHS		1024	/* static and learned neighbours */
#define MAX_RULES		4096	/* lines of the rule file */
#define MAX_ZONE_LIMITS		256	/* --zone-limit options */
#define NS_PER_SEC		1000000000ull

/* What a port is (--port PORT:inside|outside). */
enum port_role {
	ROLE_NONE = 0,		/* not used */
	ROLE_INSIDE,		/* packets received here are "out" */
	ROLE_OUTSIDE,		/* packets received here are "in" */
};

/*
 * Counters: what happened to each packet.  Names in stats.c
 * (ctr_names[]).  Every received packet is counted once, in a pass.*
 * counter (forwarded: why it passed), a block.* counter (the firewall
 * refused it), a drop.* counter other than drop.tx (not for us, or
 * passed but not routable: a stateful rule's first packet that cannot be
 * routed establishes nothing) or a local.* counter (ARP, ND, pings to
 * the firewall; the rest of the local traffic is drop.local).  drop.tx
 * counts sent packets, forwarded or answers, that the TX queue refused;
 * neigh.* count events, not received packets.
 */
enum ctr {
	/* Firewall: passed. */
	C_PASS_STATE = 0,	/* matched a connection */
	C_PASS_RELATED,		/* ICMP error of a connection (ALG) */
	C_PASS_NEW,		/* stateful rule: connection established */
	C_PASS_STATELESS,	/* stateless rule */
	C_PASS_FRAG,		/* later fragment of a datagram that passed */
	/* Firewall: blocked. */
	C_BLOCK_DEFAULT,	/* no rule matched: default policy */
	C_BLOCK_RULE,		/* a block rule matched */
	C_BLOCK_INVALID,	/* npfct: invalid for the connection's state */
	C_BLOCK_PARSE,		/* npfct: malformed */
	C_BLOCK_STATE_REFUSED,	/* stateful rule, TCP without SYN */
	C_BLOCK_NO_REQUEST,	/* stateful rule, ICMP query reply */
	C_BLOCK_TABLE_FULL,	/* stateful rule, no room for a connection */
	C_BLOCK_ZONE_FULL,	/* stateful rule, the zone is at its limit */
	C_BLOCK_NAT,		/* stateful rule, NAT has no port left */
	C_BLOCK_EST_ERROR,	/* stateful rule, other establish error */
	C_BLOCK_FRAG,		/* fragment refused (npfct frag-* counters) */
	/* Before the firewall. */
	C_DROP_NOT_FOR_US,	/* destination MAC of another host */
	C_DROP_NOT_IP,		/* neither IPv4/IPv6 nor ARP */
	C_DROP_L2,		/* VLAN tagged (not routed) */
	C_DROP_LOCAL,		/* to the firewall, nothing to answer */
	/* After the firewall (routing). */
	C_DROP_NO_ROUTE,	/* no route to the destination */
	C_DROP_NO_NEIGH,	/* next hop MAC unknown (resolution sent) */
	C_DROP_TTL,		/* TTL or hop limit exhausted */
	C_DROP_TX,		/* TX queue full */
	/* Local traffic. */
	C_LOCAL_ARP,		/* ARP requests answered */
	C_LOCAL_ND,		/* neighbour solicitations answered */
	C_LOCAL_ECHO,		/* pings to the firewall answered */
	C_LOCAL_NEIGH_IN,	/* ARP replies and advertisements taken */
	C_NEIGH_LEARNED,	/* neighbour entries learned or refreshed */
	C_NEIGH_REQUEST,	/* ARP requests and solicitations sent */
	C_MAX
};

/* First counter of each group (status line). */
#define C_PASS_FIRST	C_PASS_STATE
#define C_BLOCK_FIRST	C_BLOCK_DEFAULT
#define C_DROP_FIRST	C_DROP_NOT_FOR_US
#define C_LOCAL_FIRST	C_LOCAL_ARP

/* Port counters of one lcore. */
struct port_ctr {
	uint64_t	rx;		/* packets received */
	uint64_t	tx;		/* packets sent */
	uint64_t	tx_drop;	/* TX queue full */
};

/*
 * Counters of one lcore.  Written by that lcore only, with relaxed
 * stores (CTR_ADD); read by the main lcore and the telemetry thread with
 * relaxed loads and summed (stats.c).
 */
struct lcore_stats {
	uint64_t	c[C_MAX];
	struct port_ctr	port[RTE_MAX_ETHPORTS];
	uint64_t	*rule_hits;	/* [MAX_RULES]: first packets per rule */
};

/* Add to a counter of the calling lcore (single writer). */
#define CTR_ADD(var, n) \
	__atomic_store_n(&(var), (var) + (n), __ATOMIC_RELAXED)

/* Read a counter of another lcore. */
#define CTR_READ(var)	__atomic_load_n(&(var), __ATOMIC_RELAXED)

/* An RX queue polled by an lcore. */
struct lcore_rx_queue {
	uint16_t	port_id;
	uint16_t	queue_id;
	uint8_t		dir;		/* NPFCT_DIR_OUT (inside) or _IN */
};

/* Packets waiting for a TX burst on one port. */
struct tx_buffer {
	uint16_t	len;
	struct rte_mbuf	*m_table[MAX_PKT_BURST];
};

/*
 * Per-lcore configuration and state.  Set up by main.c before the launch;
 * then only the owning lcore writes it (the counters are read by others,
 * see struct lcore_stats).
 */
struct lcore_conf {
	uint16_t	n_rx_queue;
	struct lcore_rx_queue rx_queue_list[MAX_RX_QUEUE_PER_LCORE];
	uint16_t	tx_queue_id[RTE_MAX_ETHPORTS];
	bool		tx_shared;	/* TX queues shared: take tx_lock */
	bool		forwarding;	/* has RX queues */
	bool		solicit;	/* first one: solicit the gateways */
	struct tx_buffer tx_buf[RTE_MAX_ETHPORTS];
	uint64_t	neigh_req_tsc[64]; /* resolution rate limit */
	struct lcore_stats stats;
} __rte_cache_aligned;

/* An address or prefix of either family, in network order. */
struct ipaddr {
	uint8_t		family;		/* 4 or 6 */
	uint8_t		plen;		/* prefix length (prefixes only) */
	union npfct_addr a;		/* IPv4 in a.v4 */
};

/* --addr PORT:ADDR/PLEN */
struct cfg_addr {
	uint16_t	port;
	struct ipaddr	addr;
};

/* --route CIDR:PORT[:NEXTHOP] */
struct cfg_route {
	struct ipaddr	prefix;
	uint16_t	port;
	bool		has_gw;
	struct ipaddr	gw;
};

/* --neigh IP:MAC */
struct cfg_neigh {
	struct ipaddr	addr;
	struct rte_ether_addr mac;
};

/* --zone-limit ZONE=N (zone NPFCT_ZONE_DEFAULT: "default"). */
struct cfg_zone_limit {
	int		zone;
	uint32_t	limit;
};

/* The command line, parsed by args.c. */
struct app_config {
	uint8_t		port_role[RTE_MAX_ETHPORTS];	/* enum port_role */
	uint16_t	nb_rxq;
	uint16_t	nb_txq;		/* 0: one per forwarding lcore */
	uint16_t	burst;
	uint32_t	stats_period;	/* seconds, 0: off */
	uint32_t	max_conns;
	uint32_t	max_conns6;	/* 0: max_conns */
	uint32_t	ct_flags;	/* NPFCT_F_* */
	uint32_t	timeouts[NPFCT_TIMEOUT_MAX];	/* 0: default */
	bool		timeout_set[NPFCT_TIMEOUT_MAX];
	const char	*rules_file;
	const char	*conn_log;	/* --conn-log FILE, or NULL */
	bool		replay;		/* --replay */
	bool		promisc;	/* --promisc */
	bool		no_frag;	/* --no-frag */
	/* --frag-datagrams, --frag-held, --frag-timeout (0: defaults) */
	struct npfct_frag_params frag;
	uint32_t	idle_sleep_us;	/* --idle-sleep */
	uint32_t	nb_mbufs;	/* --mbufs, 0: computed */
	uint16_t	port_zone[RTE_MAX_ETHPORTS];	/* --zone */
	unsigned int	n_zone_limit;
	struct cfg_zone_limit zone_limit[MAX_ZONE_LIMITS];	/* --zone-limit */
	unsigned int	n_addr, n_route, n_neigh;
	struct cfg_addr	addr[MAX_ADDRS];
	struct cfg_route route[MAX_ROUTES];
	struct cfg_neigh neigh[MAX_NEIGHS];
};

/* Rule decision for a packet (rules.c). */
#define RULE_F_PASS	0x1	/* pass, else block */
#define RULE_F_STATEFUL	0x2	/* pass stateful */

struct rules;

/* The application.  Set up by main.c before the launch, read-only after. */
struct app {
	struct app_config cfg;
	struct npfct	*ct;
	struct rules	*rules;
	bool		nat;		/* map rules: NAT policies made */
	struct npfct_frag *frag;	/* fragment handler, NULL: --no-frag */
	struct rte_mempool *pool;
	uint16_t	nb_ports;			/* ports in use */
	uint16_t	ports[RTE_MAX_ETHPORTS];	/* their ids */
	struct rte_ether_addr port_mac[RTE_MAX_ETHPORTS];
	uint16_t	nb_txq[RTE_MAX_ETHPORTS];	/* configured */
	rte_spinlock_t	tx_lock[RTE_MAX_ETHPORTS][MAX_QUEUES_PER_PORT];
	bool		gc_service;	/* the G/C runs on a service lcore */
	uint32_t	gc_service_id;
	uint32_t	gc_lcore;	/* its service lcore */
	uint64_t	gc_calls;	/* npfct_gc() on the main lcore */
	int		ts_offset;	/* RX timestamp dynfield, -1: none */
	uint64_t	ts_flag;
	uint64_t	start_tsc;
	uint64_t	tsc_hz;
	bool		tel_ready;	/* telemetry may read app (stats.c) */
};

extern struct app app;
extern struct lcore_conf lcore_conf[RTE_MAX_LCORE];
/* Set by SIGINT/SIGTERM, or by the end of a replay. */
extern volatile bool force_quit;

/* main.c */
void main_tick(uint64_t now_tsc);

/* connlog.c */
int connlog_start(const char *path);
void connlog_stop(void);

/* args.c */
int args_parse(int argc, char **argv, struct app_config *cfg);
void print_usage(const char *prgname);
int parse_ipaddr(const char *s, struct ipaddr *ip, bool prefix);
const char *port_role_name(uint8_t role);

/* rules.c */
struct rules *rules_load(const char *path, int socket_id);
void rules_free(struct rules *r);
unsigned int rules_count(const struct rules *r);
int rules_nat_apply(const struct rules *r, struct npfct *ct,
		const uint16_t *port_zone);
unsigned int rules_nat_count(const struct rules *r);
void rules_print(const struct rules *r, FILE *f);
const char *rules_text(const struct rules *r, unsigned int id);
void rules_classify(const struct rules *r, const struct npfct_pkt *pkts,
		const uint16_t *idx, uint16_t n, uint8_t dir, uint16_t port,
		uint32_t *result);
uint8_t rules_action(const struct rules *r, uint32_t id);

/* route.c */
int route_init(const struct app_config *cfg, int socket_id);
void route_fini(void);
bool route_local_p(uint16_t port, const struct npfct_pkt *pkt);
int route_lookup(const struct npfct_pkt *pkt, uint16_t *port,
		struct rte_ether_addr *mac, struct lcore_conf *lc);
void route_local_input(struct lcore_conf *lc, uint16_t port,
		struct rte_mbuf *m, const struct npfct_pkt *pkt);
void route_arp_input(struct lcore_conf *lc, uint16_t port,
		struct rte_mbuf *m);
void route_neigh_solicit_all(struct lcore_conf *lc);
void route_neigh_print(FILE *f);

/* fwd.c */
int fwd_lcore_main(void *arg);
void fwd_send(struct lcore_conf *lc, uint16_t port, struct rte_mbuf *m);
void fwd_flush(struct lcore_conf *lc);

/* stats.c */
const char *ctr_name(enum ctr c);
void stats_sum(uint64_t *c, struct port_ctr *port);
void stats_tick(uint64_t now_tsc);
void stats_ethdev_snapshot(void);
void stats_final(FILE *f);
void stats_telemetry_register(void);

#endif /* L3FWD_NPF_H */
