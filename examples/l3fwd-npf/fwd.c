/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * l3fwd-npf forwarding: the per-lcore loop.
 *
 * Overview
 *
 *	Each forwarding lcore polls its RX queues.  For a burst received on
 *	a port (direction: "out" on an inside port, "in" on an outside one):
 *
 *	 1. L2: frames for another MAC address are dropped, ARP goes to
 *	    route.c; the rest is parsed by npfct_pkt_parse(), and packets
 *	    for the firewall itself (route_local_p()) go to route.c too;
 *	 2. npfct_inspect_burst_parsed(): MATCH and RELATED on a "pass"
 *	    connection pass, INVALID and PARSE_ERROR are blocked, without
 *	    looking at the rules;
 *	 3. the other packets (MISS, NOT_TRACKABLE) are classified by the
 *	    rules (rte_acl); no match blocks; "pass" forwards; "pass
 *	    stateful" on a MISS establishes a connection;
 *	 4. packets that pass are routed (LPM, neighbour), the TTL or hop
 *	    limit is checked, a connection is established for "pass
 *	    stateful" (npfct_conn_establish(), npfct_conn_setpass() with the
 *	    rule number as the rule procedure, npfct_conn_release()), the
 *	    MAC addresses are rewritten, the TTL decremented (IPv4 checksum
 *	    updated incrementally, RFC 1624), and the packet is buffered for
 *	    its output port;
 *	 5. fragments (npfct_frag.h, unless --no-frag): a later fragment
 *	    skips steps 3 and 4's rules; a first fragment's fate in step 4
 *	    (forwarded or not, told before its NAT translation, which step 2
 *	    leaves to step 4 for it) decides its datagram; then the later
 *	    fragments of the burst get that verdict, connection and
 *	    translation, and the held fragments that first fragments
 *	    released (npfct_frag_drain()) follow, in arrival order.
 *
 *	TX buffers are sent when full and at least every BURST_TX_DRAIN_US
 *	(the TSC-timed drain of DPDK's l3fwd).  npfct_quiescent() is called
 *	once per loop, after the bursts, when no connection pointer is held.
 *
 *	Packets are parsed once, by npfct_pkt_parse(), before the local
 *	delivery check needs their addresses; hence the _parsed variant of
 *	the burst inspection.
 *
 * Thread classes
 *
 *	- forwarding lcore: a datapath lcore.  It registers with QSBR
 *	  (npfct_thread_register()) before its loop, goes offline while it
 *	  sleeps (--idle-sleep) and when it stops, then unregisters.
 *	- main lcore: forwards too when there is no worker lcore, and does
 *	  the housekeeping (main_tick(): status line, G/C without service
 *	  core); otherwise it only does the housekeeping (control loop).
 *	- replay (--replay): the main lcore alone reads one packet at a time
 *	  from every RX queue and forwards them in timestamp order.
 *
 * Synchronisation
 *
 *	Each lcore owns its TX queues; when there are fewer TX queues than
 *	forwarding lcores, they are shared under app.tx_lock.  Counters are
 *	the lcore's own (struct lcore_stats).
 */

#include <errno.h>
#include <stdio.h>

#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include <npfct.h>
#include <npfct_conn.h>

#include "l3fwd_npf.h"

#define CONTROL_SLEEP_US	10000	/* main lcore without RX queues */
#define FRAG_DRAIN_BURST	32	/* npfct_frag_drain() per call */

/* What step 3 decided for a packet. */
enum decision {
	D_BLOCK = 0,	/* counted already */
	D_PASS,		/* forward */
	D_ESTABLISH,	/* forward if a connection can be established */
	D_LOCAL,	/* for the firewall after all (no NAT connection) */
	D_FRAG,		/* a later fragment: its datagram decides (step 5) */
};

static void
send_burst(struct lcore_conf *lc, uint16_t port)
{
	struct tx_buffer *b = &lc->tx_buf[port];
	const uint16_t q = lc->tx_queue_id[port];
	const uint16_t n = b->len;
	uint16_t sent;

	b->len = 0;
	if (lc->tx_shared) {
		rte_spinlock_lock(&app.tx_lock[port][q]);
		sent = rte_eth_tx_burst(port, q, b->m_table, n);
		rte_spinlock_unlock(&app.tx_lock[port][q]);
	} else {
		sent = rte_eth_tx_burst(port, q, b->m_table, n);
	}
	CTR_ADD(lc->stats.port[port].tx, sent);
	if (unlikely(sent < n)) {
		CTR_ADD(lc->stats.port[port].tx_drop, n - sent);
		CTR_ADD(lc->stats.c[C_DROP_TX], n - sent);
		rte_pktmbuf_free_bulk(&b->m_table[sent], n - sent);
	}
}

/*
 * fwd_send: buffer a packet for a port; send the buffer when full.
 */
void
fwd_send(struct lcore_conf *lc, uint16_t port, struct rte_mbuf *m)
{
	struct tx_buffer *b = &lc->tx_buf[port];

	b->m_table[b->len++] = m;
	if (b->len >= app.cfg.burst)
		send_burst(lc, port);
}

/* fwd_flush: send every buffered packet. */
void
fwd_flush(struct lcore_conf *lc)
{
	uint16_t i;

	for (i = 0; i < app.nb_ports; i++)
		if (lc->tx_buf[app.ports[i]].len != 0)
			send_burst(lc, app.ports[i]);
}

/*
 * icmp_reply_p: an ICMP query reply (echo reply, ...) answers a request;
 * it must not open a connection that would let requests in.
 */
static bool
icmp_reply_p(const struct npfct_pkt *p)
{
	if (!(p->flags & NPFCT_PKT_ICMP_QUERY))
		return false;
	if (p->proto == IPPROTO_ICMPV6)
		return p->icmp.type != ICMP6_ECHO_REQUEST;
	switch (p->icmp.type) {
	case ICMP_ECHO:
	case 13:	/* timestamp */
	case 15:	/* information request */
	case 17:	/* address mask request */
		return false;
	default:
		return true;
	}
}

/* Stateful pass. 8< */

/*
 * establish: a "pass stateful" rule matched a packet without connection:
 * establish one, mark it pass with the rule and activate it.
 *
 * => Returns the counter of the outcome: C_PASS_NEW, C_PASS_STATE (the
 *    connection appeared meanwhile), or a C_BLOCK_* reason.
 * => The connection pointer is dropped here; the loop reports the
 *    quiescent state after the burst.
 */
static enum ctr
establish(const struct npfct_pkt *p, uint8_t di, uint32_t rule,
		struct npfct_conn **conp, bool local)
{
	struct npfct_conn *con;
	uint8_t v;
	int ret;

	*conp = NULL;
	if (icmp_reply_p(p))
		return C_BLOCK_NO_REQUEST;
	/* Global, not per interface: the answers come in on another port. */
	con = npfct_conn_establish(app.ct, p, di, false);
	if (likely(con != NULL)) {
		/* Not active yet: no other lcore can see it. */
		if (npfct_conn_setpass(con, (void *)(uintptr_t)rule) != 0) {
			npfct_conn_expire(con);
			npfct_conn_release(con);
			return C_BLOCK_EST_ERROR;
		}
		/* The map rules: translated before it is activated. */
		if (app.nat) {
			ret = npfct_nat_establish(app.ct, p, con, di);
			if (ret < 0) {
				/* Expired by NAT: release does not activate. */
				npfct_conn_release(con);
				return ret == -EADDRNOTAVAIL ? C_BLOCK_NAT :
				    C_BLOCK_EST_ERROR;
			}
			/*
			 * For the firewall's own address and not forwarded
			 * (no map rule): not a connection, local traffic.
			 */
			if (ret == 0 && local) {
				npfct_conn_expire(con);
				npfct_conn_release(con);
				return C_DROP_LOCAL;
			}
		}
		npfct_conn_release(con);
		*conp = con;
		return C_PASS_NEW;
	}
	switch (rte_errno) {
	case EEXIST:
		/*
		 * Established after this burst was inspected: by an earlier
		 * packet of the same flow in this burst, or by another lcore.
		 * Inspect the packet again.
		 */
		con = npfct_conn_inspect(app.ct, p, di, &v);
		if (con != NULL && npfct_conn_pass(con, NULL)) {
			*conp = con;
			return C_PASS_STATE;
		}
		return v == NPFCT_V_INVALID ? C_BLOCK_INVALID :
		    C_BLOCK_EST_ERROR;
	case EPROTO:
		return C_BLOCK_STATE_REFUSED;
	case ENOSPC:
		return C_BLOCK_TABLE_FULL;
	case EDQUOT:
		return C_BLOCK_ZONE_FULL;
	default:
		return C_BLOCK_EST_ERROR;
	}
}

/* >8 End of stateful pass. */

/* IPv4 TTL decrement with the incremental checksum of RFC 1624. */
static inline void
ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint32_t sum;

	ip->time_to_live--;
	/*
	 * HC' = ~(~HC + ~m + m'), m the TTL/protocol word: m' = m - 0x100,
	 * so ~m + m' = 0xfeff in one's complement arithmetic.
	 */
	sum = (uint32_t)(uint16_t)~rte_be_to_cpu_16(ip->hdr_checksum) +
	    0xfeff;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
}

/*
 * frag_first: tell the fragment handler what became of a first fragment
 * (forwarded or not), before it is translated or let go of; *pending is
 * cleared.  Returns whether it may be forwarded (an overlap found now
 * drops it after all).
 */
static bool
frag_first(struct npfct_pkt *p, uint8_t di, bool forward, bool *pending)
{
	struct npfct_conn *unused = NULL;
	uint8_t pass = forward, act;

	*pending = false;
	npfct_frag_burst(app.frag, p, 1, di, &pass, &act, &unused);
	/* NPFCT_FRAG_NONE: an IPv6 atomic fragment, not a fragment. */
	return act != NPFCT_FRAG_DROP;
}

/*
 * route_and_send: step 4 for one packet that passed the rules or a
 * connection (pass: its C_PASS_* counter, unless it is to be
 * established).  Consumes m and counts it once: in its C_PASS_* counter
 * if it is sent, otherwise in the reason it was not.
 */
static void
route_and_send(struct lcore_conf *lc, struct rte_mbuf *m,
		struct npfct_pkt *p, enum decision d, enum ctr pass,
		uint8_t di, uint32_t rule, uint16_t port, bool local,
		struct npfct_conn *matched)
{
	struct rte_ether_hdr *eh;
	struct rte_ether_addr mac;
	struct npfct_conn *con = NULL;
	bool established = false;
	/* A first fragment: its later fragments wait for its fate. */
	bool first = app.frag != NULL && (p->flags & (NPFCT_PKT_FRAG |
	    NPFCT_PKT_FRAG_LATER)) == NPFCT_PKT_FRAG;
	uint16_t out;
	enum ctr c;
	int rc;

	/*
	 * With NAT a new connection is translated before it is routed:
	 * port forwarding changes the destination.
	 */
	if (app.nat && d == D_ESTABLISH) {
		c = establish(p, di, rule, &con, local);
		if (c == C_DROP_LOCAL) {
			route_local_input(lc, port, m, p);
			return;
		}
		if (c >= C_BLOCK_FIRST)
			goto drop;
		if (first && !frag_first(p, di, true, &first)) {
			c = C_BLOCK_FRAG;
			goto drop;
		}
		if (con != NULL)
			npfct_nat_translate(app.ct, p, con, di);
		established = true;
	} else if (first && d == D_PASS) {
		/* Decided before step 2's translation, which waited. */
		if (!frag_first(p, di, true, &first)) {
			c = C_BLOCK_FRAG;
			goto drop;
		}
		if (app.nat && matched != NULL)
			npfct_nat_translate(app.ct, p, matched, di);
	}

	rc = route_lookup(p, &out, &mac, lc);
	if (unlikely(rc != 0)) {
		c = rc == -ENETUNREACH ? C_DROP_NO_ROUTE : C_DROP_NO_NEIGH;
		goto drop;
	}
	if (unlikely(p->ttl <= 1)) {
		c = C_DROP_TTL;
		goto drop;
	}
	if (!established)
		c = d == D_ESTABLISH ? establish(p, di, rule, &con, false) :
		    pass;
	if (c >= C_BLOCK_FIRST)
		goto drop;
	if (first && !frag_first(p, di, true, &first)) {
		c = C_BLOCK_FRAG;
		goto drop;
	}
	/* Rewrite: the IP header follows a plain Ethernet header. */
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (p->flags & NPFCT_PKT_IP4)
		ipv4_ttl_dec((struct rte_ipv4_hdr *)(eh + 1));
	else
		((struct rte_ipv6_hdr *)(eh + 1))->hop_limits--;
	rte_ether_addr_copy(&mac, &eh->dst_addr);
	rte_ether_addr_copy(&app.port_mac[out], &eh->src_addr);
	CTR_ADD(lc->stats.c[c], 1);
	fwd_send(lc, out, m);
	return;
drop:
	if (first)
		frag_first(p, di, false, &first);
	CTR_ADD(lc->stats.c[c], 1);
	rte_pktmbuf_free(m);
}

/*
 * frag_send: a later fragment that its datagram passed: translated from
 * the datagram's connection, routed and sent.
 */
static void
frag_send(struct lcore_conf *lc, struct npfct_pkt *p, struct npfct_conn *con,
		uint8_t di, uint16_t port)
{
	if (app.nat && con != NULL)
		npfct_nat_translate(app.ct, p, con, di);
	route_and_send(lc, p->mbuf, p, D_PASS, C_PASS_FRAG, di, 0, port, false,
	    NULL);
}

/*
 * frag_later: step 5, the later fragments of the burst (after the first
 * fragments of the same burst were decided), then the held fragments
 * that first fragments released on this lcore.
 */
static void
frag_later(struct lcore_conf *lc, struct npfct_pkt *pkts,
		const uint8_t *decision, uint16_t nf, uint8_t di, uint16_t port)
{
	struct npfct_pkt rp[FRAG_DRAIN_BURST];
	struct npfct_conn *rc[FRAG_DRAIN_BURST], *con;
	uint8_t rdi[FRAG_DRAIN_BURST], act, pass = 1;
	uint16_t i, k;

	for (i = 0; i < nf; i++) {
		if (decision[i] != D_FRAG)
			continue;
		con = NULL;
		npfct_frag_burst(app.frag, &pkts[i], 1, di, &pass, &act, &con);
		if (act == NPFCT_FRAG_PASS) {
			frag_send(lc, &pkts[i], con, di, port);
		} else if (act != NPFCT_FRAG_HELD) {
			CTR_ADD(lc->stats.c[C_BLOCK_FRAG], 1);
			rte_pktmbuf_free(pkts[i].mbuf);
		}
	}
	do {
		k = npfct_frag_drain(app.frag, rp, FRAG_DRAIN_BURST, rdi, rc);
		for (i = 0; i < k; i++)
			frag_send(lc, &rp[i], rc[i], rdi[i], port);
	} while (k == FRAG_DRAIN_BURST);
}

/*
 * l2_input: step 1.  Keeps the packets to forward, parsed, in m[] and
 * pkts[] (compacted); consumes the others.
 *
 * => Returns the number kept.
 */
/*
 * nat_answer_p: whether a packet for the firewall's own address may be
 * an answer to a translated connection (masquerade to that address): TCP,
 * UDP, ICMP and ICMPv6 echo replies and errors.  Pings and ARP/ND stay
 * local.
 */
static bool
nat_answer_p(const struct npfct_pkt *p)
{
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP)
		return true;
	/* A later fragment (no ICMP header): its datagram decides. */
	if (p->flags & NPFCT_PKT_FRAG_LATER)
		return app.frag != NULL;
	if ((p->flags & NPFCT_PKT_ICMP) == 0)
		return false;
	if (p->proto == IPPROTO_ICMP)
		return p->icmp.type != 8 && p->icmp.type != 13;
	/* ICMPv6: not echo requests, not neighbour discovery (133-137). */
	return p->proto == IPPROTO_ICMPV6 && p->icmp.type != 128 &&
	    (p->icmp.type < 133 || p->icmp.type > 137);
}

static uint16_t
l2_input(struct lcore_conf *lc, uint16_t port, struct rte_mbuf **m,
		uint16_t n, struct npfct_pkt *pkts, uint8_t *local)
{
	const struct rte_ether_addr *own = &app.port_mac[port];
	uint16_t i, nf = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *mb = m[i];
		struct npfct_pkt *p = &pkts[nf];
		const struct rte_ether_hdr *eh;

		local[nf] = 0;
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 1], void *));
		eh = rte_pktmbuf_mtod(mb, const struct rte_ether_hdr *);
		if (mb->data_len >= sizeof(*eh)) {
			if (!app.cfg.promisc &&
			    !rte_is_same_ether_addr(&eh->dst_addr, own) &&
			    !rte_is_multicast_ether_addr(&eh->dst_addr)) {
				CTR_ADD(lc->stats.c[C_DROP_NOT_FOR_US], 1);
				rte_pktmbuf_free(mb);
				continue;
			}
			if (eh->ether_type ==
			    rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
				route_arp_input(lc, port, mb);
				continue;
			}
		}
		npfct_pkt_parse(p, mb);
		/* The port's zone (--zone), set after parsing. */
		p->zone = app.cfg.port_zone[port];
		if (p->status == NPFCT_PARSE_NOT_IP) {
			CTR_ADD(lc->stats.c[C_DROP_NOT_IP], 1);
			rte_pktmbuf_free(mb);
			continue;
		}
		if (p->status == NPFCT_PARSE_OK) {
			if (unlikely(p->l3_off != sizeof(*eh) ||
			    mb->data_len < p->l4_off)) {
				/* VLAN, or IP header not in one segment. */
				CTR_ADD(lc->stats.c[C_DROP_L2], 1);
				rte_pktmbuf_free(mb);
				continue;
			}
			if (route_local_p(port, p)) {
				/*
				 * With NAT, an answer to a translated
				 * connection is addressed to the firewall:
				 * the connections decide first (D_LOCAL).
				 */
				if (app.nat && nat_answer_p(p)) {
					local[nf] = 1;
				} else {
					route_local_input(lc, port, mb, p);
					continue;
				}
			}
		}
		m[nf++] = mb;
	}
	return nf;
}

/* Inspect a burst and decide. 8< */

/*
 * fwd_burst: one burst received on an RX queue.  Consumes the mbufs.
 */
static void
fwd_burst(struct lcore_conf *lc, const struct lcore_rx_queue *rxq,
		struct rte_mbuf **m, uint16_t n)
{
	struct npfct_pkt pkts[MAX_PKT_BURST];
	struct npfct_conn *conns[MAX_PKT_BURST], *xlate[MAX_PKT_BURST];
	uint8_t verdicts[MAX_PKT_BURST], decision[MAX_PKT_BURST];
	uint8_t pass[MAX_PKT_BURST], local[MAX_PKT_BURST];
	uint32_t rule[MAX_PKT_BURST], result[MAX_PKT_BURST];
	uint16_t cls[MAX_PKT_BURST];
	const uint16_t port = rxq->port_id;
	const uint8_t di = rxq->dir;
	uint16_t i, k, nf, nc = 0, nfrag = 0;
	void *rproc;

	CTR_ADD(lc->stats.port[port].rx, n);
	nf = l2_input(lc, port, m, n, pkts, local);
	if (nf == 0)
		return;

	/* 2. Connections decide the packets they know. */
	npfct_inspect_burst_parsed(app.ct, pkts, nf, di, conns, verdicts);
	for (i = 0; i < nf; i++) {
		decision[i] = D_BLOCK;
		pass[i] = C_PASS_STATELESS;
		rule[i] = 0;
		xlate[i] = NULL;
		switch (verdicts[i]) {
		case NPFCT_V_MATCH:
		case NPFCT_V_RELATED:
			if (likely(npfct_conn_pass(conns[i], &rproc))) {
				decision[i] = D_PASS;
				pass[i] = verdicts[i] == NPFCT_V_MATCH ?
				    C_PASS_STATE : C_PASS_RELATED;
				rule[i] = (uint32_t)(uintptr_t)rproc;
				/*
				 * Both streams and their ICMP errors, from
				 * this lookup.
				 */
				if (!app.nat)
					break;
				/* A first fragment: after its handler. */
				if (app.frag != NULL &&
				    (pkts[i].flags & NPFCT_PKT_FRAG))
					xlate[i] = conns[i];
				else
					npfct_nat_translate(app.ct, &pkts[i],
					    conns[i], di);
				break;
			}
			/* Not a pass connection: the rules decide. */
			cls[nc++] = i;
			break;
		case NPFCT_V_INVALID:
			CTR_ADD(lc->stats.c[C_BLOCK_INVALID], 1);
			break;
		case NPFCT_V_PARSE_ERROR:
			CTR_ADD(lc->stats.c[C_BLOCK_PARSE], 1);
			break;
		default:	/* MISS, NOT_TRACKABLE */
			/* A later fragment takes its datagram's verdict. */
			/*
			 * Also one for the firewall's (masquerade) address:
			 * its first fragment's connection decides.
			 */
			if (app.frag != NULL && pkts[i].status ==
			    NPFCT_PARSE_OK &&
			    (pkts[i].flags & NPFCT_PKT_FRAG_LATER)) {
				decision[i] = D_FRAG;
				nfrag++;
				break;
			}
			cls[nc++] = i;
			break;
		}
	}

	/* 3. The rules decide the others. */
	if (nc != 0) {
		rules_classify(app.rules, pkts, cls, nc, di, port, result);
		for (k = 0; k < nc; k++) {
			const uint8_t act = rules_action(app.rules, result[k]);

			i = cls[k];
			rule[i] = result[k];
			if (result[k] != 0)
				CTR_ADD(lc->stats.rule_hits[result[k] - 1], 1);
			/*
			 * For the firewall's address (with NAT): forwarded
			 * only by a new connection that a map rule
			 * translates; otherwise local traffic.
			 */
			if (unlikely(local[i]) && !((act & RULE_F_PASS) &&
			    (act & RULE_F_STATEFUL) &&
			    verdicts[i] == NPFCT_V_MISS)) {
				decision[i] = D_LOCAL;
				continue;
			}
			if (!(act & RULE_F_PASS)) {
				CTR_ADD(lc->stats.c[result[k] == 0 ?
				    C_BLOCK_DEFAULT : C_BLOCK_RULE], 1);
			} else if ((act & RULE_F_STATEFUL) &&
			    verdicts[i] == NPFCT_V_MISS) {
				decision[i] = D_ESTABLISH;
			} else {
				decision[i] = D_PASS;
			}
		}
	}

	/* 4. Route, establish, send. */
	for (i = 0; i < nf; i++) {
		if (decision[i] == D_BLOCK) {
			/* A first fragment: the datagram is refused. */
			if (app.frag != NULL && (pkts[i].flags &
			    (NPFCT_PKT_FRAG | NPFCT_PKT_FRAG_LATER)) ==
			    NPFCT_PKT_FRAG) {
				bool pending;

				frag_first(&pkts[i], di, false, &pending);
			}
			rte_pktmbuf_free(m[i]);
		} else if (decision[i] == D_LOCAL) {
			route_local_input(lc, port, m[i], &pkts[i]);
		} else if (decision[i] != D_FRAG) {
			route_and_send(lc, m[i], &pkts[i],
			    (enum decision)decision[i], (enum ctr)pass[i], di,
			    rule[i], port, local[i] != 0, xlate[i]);
		}
	}

	/* 5. Fragments: the later ones, and the held ones released. */
	if (app.frag != NULL)
		frag_later(lc, pkts, decision, nfrag != 0 ? nf : 0, di, port);
}

/* >8 End of inspect a burst and decide. */

/*
 * fwd_loop: the forwarding loop of an lcore with RX queues.
 */
static int
fwd_loop(struct lcore_conf *lc, bool is_main)
{
	struct rte_mbuf *m[MAX_PKT_BURST];
	const uint64_t drain_tsc = (app.tsc_hz + US_PER_S - 1) / US_PER_S *
	    BURST_TX_DRAIN_US;
	const uint16_t burst = app.cfg.burst;
	uint64_t prev_tsc = 0, cur_tsc;
	uint32_t nb_rx;
	uint16_t i, n;

	npfct_thread_register();
	for (i = 0; i < lc->n_rx_queue; i++)
		printf("lcore %u: port %u queue %u (%s)\n", rte_lcore_id(),
		    lc->rx_queue_list[i].port_id,
		    lc->rx_queue_list[i].queue_id,
		    lc->rx_queue_list[i].dir == NPFCT_DIR_OUT ?
		    "inside, out" : "outside, in");
	/* The first forwarding lcore asks for the gateways' MACs. */
	if (lc->solicit)
		route_neigh_solicit_all(lc);

	while (!force_quit) {
		cur_tsc = rte_rdtsc();
		if (unlikely(cur_tsc - prev_tsc > drain_tsc)) {
			fwd_flush(lc);
			prev_tsc = cur_tsc;
		}
		nb_rx = 0;
		for (i = 0; i < lc->n_rx_queue; i++) {
			const struct lcore_rx_queue *q = &lc->rx_queue_list[i];

			n = rte_eth_rx_burst(q->port_id, q->queue_id, m,
			    burst);
			if (n == 0)
				continue;
			nb_rx += n;
			fwd_burst(lc, q, m, n);
		}
		/* Every connection pointer of this loop is forgotten here. */
		npfct_quiescent();
		if (is_main)
			main_tick(cur_tsc);
		if (nb_rx == 0 && app.cfg.idle_sleep_us != 0) {
			fwd_flush(lc);
			npfct_thread_offline();
			rte_delay_us_sleep(app.cfg.idle_sleep_us);
			npfct_thread_online();
		}
	}
	fwd_flush(lc);
	npfct_thread_offline();
	npfct_thread_unregister();
	return 0;
}

/*
 * replay_ts: the RX timestamp of a replayed packet, in nanoseconds.
 * net_pcap stamps microseconds (even from a nanosecond capture).
 */
static uint64_t
replay_ts(const struct rte_mbuf *m)
{
	if (app.ts_offset < 0 || !(m->ol_flags & app.ts_flag))
		return 0;
	return *RTE_MBUF_DYNFIELD(m, app.ts_offset,
	    rte_mbuf_timestamp_t *) * 1000;
}

/*
 * replay_loop: --replay.  Keep the next packet of every RX queue, forward
 * the oldest, until every queue reported the end of its file (an RX
 * burst that returns nothing).  npfct's clock (manual, set by main.c)
 * follows the timestamps, and a blocking G/C pass runs whenever a second
 * of capture time went by, so that timeouts apply as in the capture.
 */
static int
replay_loop(struct lcore_conf *lc)
{
	struct {
		struct rte_mbuf *m;
		uint64_t	ts;
		bool		eof;
	} src[MAX_RX_QUEUE_PER_LCORE];
	uint64_t first = 0, now = 0, clock, last_gc = 0;
	bool started = false;
	int best;
	uint16_t i;

	memset(src, 0, sizeof(src));
	npfct_thread_register();
	while (!force_quit) {
		best = -1;
		for (i = 0; i < lc->n_rx_queue; i++) {
			const struct lcore_rx_queue *q = &lc->rx_queue_list[i];

			if (src[i].m == NULL && !src[i].eof) {
				if (rte_eth_rx_burst(q->port_id, q->queue_id,
				    &src[i].m, 1) == 0) {
					src[i].eof = true;
					continue;
				}
				src[i].ts = replay_ts(src[i].m);
			}
			if (src[i].m != NULL &&
			    (best < 0 || src[i].ts < src[best].ts))
				best = i;
		}
		if (best < 0)
			break;
		if (!started) {
			first = src[best].ts;
			started = true;
		}
		/* The clock starts at 1 s and never goes backwards. */
		clock = NS_PER_SEC + (src[best].ts > first ?
		    src[best].ts - first : 0);
		if (clock > now) {
			now = clock;
			npfct_clock_set(app.ct, now);
		}
		if (now - last_gc >= NS_PER_SEC) {
			/* A quiescent state for us: no pointer is held. */
			npfct_gc_sync(app.ct);
			last_gc = now;
		}
		fwd_burst(lc, &lc->rx_queue_list[best], &src[best].m, 1);
		src[best].m = NULL;
		fwd_flush(lc);
		npfct_quiescent();
		main_tick(rte_rdtsc());
	}
	for (i = 0; i < lc->n_rx_queue; i++)
		rte_pktmbuf_free(src[i].m);
	fwd_flush(lc);
	npfct_thread_offline();
	npfct_thread_unregister();
	if (!force_quit)
		printf("replay: every input read\n");
	force_quit = true;
	return 0;
}

/*
 * fwd_lcore_main: the lcore function (rte_eal_mp_remote_launch(),
 * CALL_MAIN).
 */
int
fwd_lcore_main(void *arg)
{
	const unsigned int id = rte_lcore_id();
	const bool is_main = id == rte_get_main_lcore();
	struct lcore_conf *lc = &lcore_conf[id];

	RTE_SET_USED(arg);
	if (app.cfg.replay)
		return is_main ? replay_loop(lc) : 0;
	if (lc->forwarding)
		return fwd_loop(lc, is_main);
	if (is_main) {
		/* Housekeeping only: the workers forward. */
		while (!force_quit) {
			main_tick(rte_rdtsc());
			rte_delay_us_sleep(CONTROL_SLEEP_US);
		}
	}
	return 0;
}
