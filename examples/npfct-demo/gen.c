/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-demo traffic generator: client flows and hostile packets as mbufs.
 *
 * Overview
 *
 *	The demo plays a firewall between an inside network (clients) and
 *	the outside (servers).  Flow i is a client on the inside talking to
 *	a server outside; its protocol, family and life-cycle follow from i:
 *
 *	+-------------+---------------------+--------------------------+
 *	| i           | value               | meaning                  |
 *	+-------------+---------------------+--------------------------+
 *	| i % 3       | 0, 1, 2             | TCP, UDP, ICMP echo      |
 *	| (i / 3) % 2 | 0, 1                | IPv4, IPv6               |
 *	| (i / 6) % 4 | 0-1, 2, 3           | long, short, one-way     |
 *	| hash(i) % 3 | 0, 1, 2             | first round              |
 *	+-------------+---------------------+--------------------------+
 *
 *	Addresses: clients 10.1.0.0/16 and fd00:0:0:1::/64, servers
 *	198.51.100.0/24 and 2001:db8:0:2::/64, scanners 203.0.113.0/24 and
 *	2001:db8:bad::/48.
 *
 *	Each round has GEN_STEPS steps.  In each step the outbound packets of
 *	all flows are emitted first (to be inspected as NPFCT_DIR_OUT), then
 *	the inbound ones (NPFCT_DIR_IN):
 *
 *	+-----------+-----------------------+---------------------------+
 *	| flow      | first round           | later rounds              |
 *	+-----------+-----------------------+---------------------------+
 *	| TCP       | SYN / SYN-ACK,        | data / data;              |
 *	|           | ACK + data / data     | short: FIN / FIN, ACK     |
 *	| UDP       | 2 queries / 2 answers | query / answer            |
 *	| ICMP      | echo / echo reply     | echo / echo reply         |
 *	| one-way   | SYN, query or echo    | the same once more        |
 *	+-----------+-----------------------+---------------------------+
 *
 *	The two UDP queries of the first round are adjacent, so that a
 *	burst can hold two first packets of one flow.  TCP sequence and
 *	acknowledgement numbers are consistent (window scale 7, MSS 1460),
 *	so that the TCP window checks accept the flows.
 *
 *	Half of the long-lived TCP flows also receive, after their first
 *	round, a segment a quarter of the sequence space ahead of the
 *	server's: the TCP state inspection must refuse it.
 *
 *	Short-lived and one-way UDP/ICMP flows get a late reply one second
 *	after their connection timed out (generic established or new
 *	timeout), which the firewall must block.  Every round also brings
 *	unsolicited inbound packets (SYN, UDP and echo probes from scanners)
 *	and junk (ARP, a truncated TCP header, a later IPv4 fragment).
 *
 *	All packets are well formed unless meant to be junk: the IPv4 header
 *	checksum and the TCP, UDP, ICMP and ICMPv6 checksums are set.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/ip_icmp.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <npfct_pkt.h>

#include "demo.h"

/* TCP options of a SYN: MSS 1460, NOP, window scale 7, SACK-permitted. */
static const uint8_t syn_opts[] = {
	2, 4, 0x05, 0xb4,	/* MSS */
	1,			/* NOP */
	3, 3, 7,		/* window scale */
	4, 2,			/* SACK permitted */
	1, 1,			/* NOP, NOP: pad to 32 bits */
};

#define TCP_WSCALE	7
#define TCP_WIN		502		/* x 128 = 64256 bytes */
#define NO_ROUND	UINT32_MAX

enum { PROTO_TCP = 0, PROTO_UDP, PROTO_ICMP };

struct flow {
	uint8_t		f_proto;	/* PROTO_* */
	uint8_t		f_af;		/* 4 or 6 */
	uint8_t		f_life;		/* enum demo_life */
	bool		f_forge;	/* forged segments come in too */
	uint32_t	f_start;	/* first round */
	uint32_t	f_last;		/* last round */
	uint32_t	f_late;		/* round of the late reply, or NO_ROUND */
	union npfct_addr f_cli;		/* inside client */
	union npfct_addr f_srv;		/* outside server */
	rte_be16_t	f_cport;	/* client port or ICMP id */
	rte_be16_t	f_sport;	/* server port */
	uint32_t	f_ciss, f_siss;	/* TCP initial sequence numbers */
	uint32_t	f_cnxt, f_snxt;	/* TCP next sequence numbers */
};

struct gen {
	struct rte_mempool *g_mp;
	uint16_t	g_port;		/* mbuf port: the interface */
	uint16_t	g_ipid;		/* IPv4 identification */
	uint32_t	g_nflows;
	uint32_t	g_nprobes;	/* probes per round */
	struct flow	*g_flows;
};

/* What pkt_build() puts in a packet. */
struct spec {
	uint8_t		s_af;		/* 4 or 6 */
	uint8_t		s_proto;	/* PROTO_* */
	const union npfct_addr *s_src;
	const union npfct_addr *s_dst;
	rte_be16_t	s_sport;	/* TCP/UDP ports; ICMP id in s_sport */
	rte_be16_t	s_dport;
	uint32_t	s_seq;		/* TCP */
	uint32_t	s_ack;		/* TCP */
	uint8_t		s_tcpflags;	/* TCP: NPFCT_TH_* */
	bool		s_reply;	/* ICMP: echo reply, else request */
	uint16_t	s_icmpseq;	/* ICMP sequence number */
	uint16_t	s_paylen;	/* payload bytes */
};

static const struct rte_ether_addr mac_inside = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const struct rte_ether_addr mac_outside = {
	.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };

static void
addr4(union npfct_addr *a, uint32_t host_order)
{
	memset(a, 0, sizeof(*a));
	a->v4 = rte_cpu_to_be_32(host_order);
}

/* prefix (first 8 bytes, host order words) :: low 32 bits */
static void
addr6(union npfct_addr *a, uint32_t w0, uint32_t w1, uint32_t low)
{
	a->a32[0] = rte_cpu_to_be_32(w0);
	a->a32[1] = rte_cpu_to_be_32(w1);
	a->a32[2] = 0;
	a->a32[3] = rte_cpu_to_be_32(low);
}

static uint32_t
mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static void
eth_fill(struct rte_ether_hdr *eth, uint16_t type, bool inbound)
{
	rte_ether_addr_copy(inbound ? &mac_outside : &mac_inside,
	    &eth->src_addr);
	rte_ether_addr_copy(inbound ? &mac_inside : &mac_outside,
	    &eth->dst_addr);
	eth->ether_type = rte_cpu_to_be_16(type);
}

static struct rte_mbuf *
mbuf_new(struct gen *g, uint16_t len, void **data)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->g_mp);

	if (m == NULL)
		return NULL;
	*data = rte_pktmbuf_append(m, len);
	if (*data == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(*data, 0, len);
	m->port = g->g_port;
	return m;
}

static void
ip4_fill(struct gen *g, struct rte_ipv4_hdr *ip, uint8_t proto,
		const union npfct_addr *src, const union npfct_addr *dst,
		uint16_t l4len, uint16_t frag)
{
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + l4len);
	ip->packet_id = rte_cpu_to_be_16(g->g_ipid++);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = src->v4;
	ip->dst_addr = dst->v4;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/*
 * pkt_build: one Ethernet + IPv4/IPv6 + TCP/UDP/ICMP packet.
 *
 * => Returns the mbuf or NULL if the pool is empty.
 */
static struct rte_mbuf *
pkt_build(struct gen *g, const struct spec *s, bool inbound)
{
	const bool v6 = s->s_af == 6;
	const bool syn = s->s_proto == PROTO_TCP &&
	    (s->s_tcpflags & NPFCT_TH_SYN) != 0;
	const uint16_t l3len = v6 ? sizeof(struct rte_ipv6_hdr) :
	    sizeof(struct rte_ipv4_hdr);
	uint16_t l4hlen, l4len;
	uint8_t proto, *l4;
	struct rte_ether_hdr *eth;
	struct rte_mbuf *m;
	uint16_t cksum;

	switch (s->s_proto) {
	case PROTO_TCP:
		l4hlen = sizeof(struct rte_tcp_hdr) +
		    (syn ? sizeof(syn_opts) : 0);
		proto = IPPROTO_TCP;
		break;
	case PROTO_UDP:
		l4hlen = sizeof(struct rte_udp_hdr);
		proto = IPPROTO_UDP;
		break;
	default:
		l4hlen = sizeof(struct rte_icmp_hdr);
		proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		break;
	}
	l4len = l4hlen + s->s_paylen;
	m = mbuf_new(g, sizeof(*eth) + l3len + l4len, (void **)&eth);
	if (m == NULL)
		return NULL;
	eth_fill(eth, v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4,
	    inbound);
	l4 = (uint8_t *)(eth + 1) + l3len;

	/* Layer 4 header, checksum zero for now; a payload pattern. */
	memset(l4 + l4hlen, 'a' + (s->s_paylen % 26), s->s_paylen);
	if (s->s_proto == PROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->src_port = s->s_sport;
		th->dst_port = s->s_dport;
		th->sent_seq = rte_cpu_to_be_32(s->s_seq);
		th->recv_ack = rte_cpu_to_be_32(s->s_ack);
		th->data_off = (uint8_t)((l4hlen / 4) << 4);
		th->tcp_flags = s->s_tcpflags;
		/* The window of a SYN is never scaled. */
		th->rx_win = rte_cpu_to_be_16(syn ? 65535 : TCP_WIN);
		if (syn)
			memcpy(th + 1, syn_opts, sizeof(syn_opts));
	} else if (s->s_proto == PROTO_UDP) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		uh->src_port = s->s_sport;
		uh->dst_port = s->s_dport;
		uh->dgram_len = rte_cpu_to_be_16(l4len);
	} else {
		struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)l4;

		if (v6)
			ih->icmp_type = s->s_reply ? 129 : 128;
		else
			ih->icmp_type = s->s_reply ? ICMP_ECHOREPLY :
			    ICMP_ECHO;
		ih->icmp_ident = s->s_sport;
		ih->icmp_seq_nb = rte_cpu_to_be_16(s->s_icmpseq);
	}

	/* Layer 3, then the layer 4 checksum over the pseudo header. */
	if (v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(l4len);
		ip6->proto = proto;
		ip6->hop_limits = 64;
		memcpy(&ip6->src_addr, s->s_src->a8, 16);
		memcpy(&ip6->dst_addr, s->s_dst->a8, 16);
		cksum = rte_ipv6_udptcp_cksum(ip6, l4);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		ip4_fill(g, ip, proto, s->s_src, s->s_dst, l4len,
		    RTE_IPV4_HDR_DF_FLAG);
		if (s->s_proto == PROTO_ICMP)
			cksum = (uint16_t)~rte_raw_cksum(l4, l4len);
		else
			cksum = rte_ipv4_udptcp_cksum(ip, l4);
	}
	switch (s->s_proto) {
	case PROTO_TCP:
		((struct rte_tcp_hdr *)l4)->cksum = cksum;
		break;
	case PROTO_UDP:
		((struct rte_udp_hdr *)l4)->dgram_cksum = cksum;
		break;
	default:
		((struct rte_icmp_hdr *)l4)->icmp_cksum = cksum;
		break;
	}
	return m;
}

/*
 * q_push: append a packet.
 *
 * => Returns 0, or -ENOMEM if m is NULL (pool empty), -ENOSPC if the
 *    queue is full (m is freed).
 */
static int
q_push(struct pktq *q, struct rte_mbuf *m, enum demo_kind kind)
{
	if (m == NULL)
		return -ENOMEM;
	if (q->q_n == q->q_cap) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	q->q_mbuf[q->q_n] = m;
	q->q_kind[q->q_n] = (uint8_t)kind;
	q->q_n++;
	return 0;
}

/* A packet of a flow, from the client (out) or the server. */
static void
flow_spec(const struct flow *f, bool out, struct spec *s)
{
	memset(s, 0, sizeof(*s));
	s->s_af = f->f_af;
	s->s_proto = f->f_proto;
	s->s_src = out ? &f->f_cli : &f->f_srv;
	s->s_dst = out ? &f->f_srv : &f->f_cli;
	s->s_sport = out ? f->f_cport : f->f_sport;
	s->s_dport = out ? f->f_sport : f->f_cport;
}

/*
 * tcp_send: a TCP segment of a flow; advances the sender's sequence
 * number by the payload and by one for SYN and FIN.
 */
static int
tcp_send(struct gen *g, struct pktq *q, struct flow *f, bool out,
		uint8_t flags, uint16_t paylen)
{
	uint32_t *snd = out ? &f->f_cnxt : &f->f_snxt;
	const uint32_t *rcv = out ? &f->f_snxt : &f->f_cnxt;
	struct spec s;

	flow_spec(f, out, &s);
	s.s_tcpflags = flags;
	s.s_seq = *snd;
	s.s_ack = (flags & NPFCT_TH_ACK) ? *rcv : 0;
	s.s_paylen = paylen;
	*snd += paylen + ((flags & NPFCT_TH_SYN) ? 1 : 0) +
	    ((flags & NPFCT_TH_FIN) ? 1 : 0);
	return q_push(q, pkt_build(g, &s, !out), KIND_FLOW);
}

/*
 * tcp_forge: a segment "from the server" a quarter of the sequence space
 * ahead: outside any window, so the state inspection must refuse it.
 */
static int
tcp_forge(struct gen *g, struct pktq *q, const struct flow *f)
{
	struct spec s;

	flow_spec(f, false, &s);
	s.s_tcpflags = NPFCT_TH_PUSH | NPFCT_TH_ACK;
	s.s_seq = f->f_snxt + 0x40000000u;
	s.s_ack = f->f_cnxt;
	s.s_paylen = 200;
	return q_push(q, pkt_build(g, &s, true), KIND_FORGED);
}

static int
emit_tcp(struct gen *g, struct flow *f, uint32_t r, unsigned int step,
		bool out, struct pktq *q)
{
	const uint8_t data = NPFCT_TH_PUSH | NPFCT_TH_ACK;
	int rc;

	if (f->f_life == LIFE_ONEWAY) {
		/* SYN, then the same SYN again: nobody answers. */
		if (step != 0 || !out)
			return 0;
		f->f_cnxt = f->f_ciss;
		return tcp_send(g, q, f, true, NPFCT_TH_SYN, 0);
	}
	if (r == f->f_start) {
		if (step == 0)
			return tcp_send(g, q, f, out, out ? NPFCT_TH_SYN :
			    NPFCT_TH_SYN | NPFCT_TH_ACK, 0);
		if (step != 1)
			return 0;
		if (!out)
			return tcp_send(g, q, f, false, data, 200);
		rc = tcp_send(g, q, f, true, NPFCT_TH_ACK, 0);
		return rc != 0 ? rc : tcp_send(g, q, f, true, data, 100);
	}
	if (step == 0) {
		rc = tcp_send(g, q, f, out, data, out ? 100 : 200);
		if (rc == 0 && !out && f->f_forge)
			rc = tcp_forge(g, q, f);
		return rc;
	}
	if (f->f_life != LIFE_SHORT || r != f->f_last)
		return 0;
	/* Close: FIN from the client, FIN from the server, last ACK. */
	if (step == 1)
		return tcp_send(g, q, f, out, NPFCT_TH_FIN | NPFCT_TH_ACK, 0);
	return out ? tcp_send(g, q, f, true, NPFCT_TH_ACK, 0) : 0;
}

/* UDP queries/answers and ICMP echoes: one exchange in step 0. */
static int
emit_dgram(struct gen *g, struct flow *f, uint32_t r, bool out,
		enum demo_kind kind, struct pktq *q)
{
	unsigned int i, n;
	struct spec s;
	int rc;

	if (!out && f->f_life == LIFE_ONEWAY && kind == KIND_FLOW)
		return 0;
	/* Two queries back to back in the first round (like A + AAAA). */
	n = (f->f_proto == PROTO_UDP && r == f->f_start &&
	    f->f_life != LIFE_ONEWAY) ? 2 : 1;
	for (i = 0; i < n; i++) {
		flow_spec(f, out, &s);
		if (f->f_proto == PROTO_UDP) {
			s.s_paylen = out ? 40 : 120;
		} else {
			s.s_reply = !out;
			s.s_icmpseq = (uint16_t)r;
			s.s_paylen = 56;
		}
		rc = q_push(q, pkt_build(g, &s, !out), kind);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * emit_probes: unsolicited inbound packets from scanners to clients:
 * SYN to port 22, UDP to port 161, echo requests; IPv4 and IPv6.
 */
static int
emit_probes(struct gen *g, uint32_t r, struct pktq *q)
{
	union npfct_addr src;
	unsigned int k;
	struct spec s;
	int rc;

	for (k = 0; k < g->g_nprobes; k++) {
		const struct flow *victim = &g->g_flows[(k * 7 + r) %
		    g->g_nflows];
		const uint32_t h = mix(r * 1000003u + k);

		memset(&s, 0, sizeof(s));
		s.s_af = victim->f_af;
		s.s_proto = (uint8_t)(k % 3);
		if (s.s_af == 4)
			addr4(&src, 0xcb007100u + 1 + h % 250);
		else
			addr6(&src, 0x20010db8u, 0x0badu << 16, 1 + h % 250);
		s.s_src = &src;
		s.s_dst = &victim->f_cli;
		s.s_sport = rte_cpu_to_be_16(40000 + h % 20000);
		switch (s.s_proto) {
		case PROTO_TCP:
			s.s_dport = rte_cpu_to_be_16(22);
			s.s_tcpflags = NPFCT_TH_SYN;
			s.s_seq = h;
			break;
		case PROTO_UDP:
			s.s_dport = rte_cpu_to_be_16(161);
			s.s_paylen = 48;
			break;
		default:
			s.s_icmpseq = (uint16_t)r;
			s.s_paylen = 56;
			break;
		}
		rc = q_push(q, pkt_build(g, &s, true), KIND_PROBE);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * emit_junk: an ARP request (not IP), an IPv4 TCP packet cut inside its
 * header (parse error) and a later IPv4 fragment (not trackable).
 */
static int
emit_junk(struct gen *g, struct pktq *q)
{
	union npfct_addr scanner, client;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;
	int rc;

	addr4(&scanner, 0xcb0071feu);		/* 203.0.113.254 */
	client = g->g_flows[0].f_cli;		/* flow 0 is IPv4 */

	m = mbuf_new(g, sizeof(*eth) + sizeof(*arp), (void **)&eth);
	if (m != NULL) {
		eth_fill(eth, RTE_ETHER_TYPE_ARP, true);
		arp = (struct rte_arp_hdr *)(eth + 1);
		arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
		arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		arp->arp_hlen = RTE_ETHER_ADDR_LEN;
		arp->arp_plen = 4;
		arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
		rte_ether_addr_copy(&mac_outside, &arp->arp_data.arp_sha);
		arp->arp_data.arp_sip = scanner.v4;
		arp->arp_data.arp_tip = client.v4;
	}
	if ((rc = q_push(q, m, KIND_JUNK)) != 0)
		return rc;

	/* IPv4 says 12 bytes of TCP follow: too short for a TCP header. */
	m = mbuf_new(g, sizeof(*eth) + sizeof(*ip) + 12, (void **)&eth);
	if (m != NULL) {
		eth_fill(eth, RTE_ETHER_TYPE_IPV4, true);
		ip = (struct rte_ipv4_hdr *)(eth + 1);
		ip4_fill(g, ip, IPPROTO_TCP, &scanner, &client, 12, 0);
		memset(ip + 1, 0x5a, 12);
	}
	if ((rc = q_push(q, m, KIND_JUNK)) != 0)
		return rc;

	/* The second fragment (offset 1480) of a UDP datagram. */
	m = mbuf_new(g, sizeof(*eth) + sizeof(*ip) + 64, (void **)&eth);
	if (m != NULL) {
		eth_fill(eth, RTE_ETHER_TYPE_IPV4, true);
		ip = (struct rte_ipv4_hdr *)(eth + 1);
		ip4_fill(g, ip, IPPROTO_UDP, &scanner, &client, 64,
		    1480 / RTE_IPV4_HDR_OFFSET_UNITS);
	}
	return q_push(q, m, KIND_JUNK);
}

struct gen *
gen_create(struct rte_mempool *mp, uint16_t port, uint32_t nflows,
		uint32_t rounds, uint32_t timeout_new, uint32_t timeout_est)
{
	struct gen *g;
	uint32_t i;

	if (mp == NULL || nflows == 0 || rounds == 0)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->g_flows = calloc(nflows, sizeof(*g->g_flows));
	if (g->g_flows == NULL) {
		free(g);
		return NULL;
	}
	g->g_mp = mp;
	g->g_port = port;
	g->g_nflows = nflows;
	g->g_nprobes = 3 + nflows / 16;

	for (i = 0; i < nflows; i++) {
		struct flow *f = &g->g_flows[i];
		const uint32_t kind = (i / 6) % 4;

		f->f_proto = (uint8_t)(i % 3);
		f->f_af = ((i / 3) % 2) ? 6 : 4;
		f->f_life = kind <= 1 ? LIFE_LONG :
		    kind == 2 ? LIFE_SHORT : LIFE_ONEWAY;
		f->f_start = RTE_MIN(mix(i) % 3, rounds - 1);
		f->f_last = f->f_life == LIFE_LONG ? rounds - 1 :
		    f->f_start + 1;
		/* Half of the long-lived TCP flows. */
		f->f_forge = f->f_proto == PROTO_TCP && kind == 0;
		f->f_late = NO_ROUND;
		if (f->f_proto != PROTO_TCP && f->f_life != LIFE_LONG) {
			/*
			 * Replies stopped at f_last; the G/C at the start
			 * of round f_last + timeout + 1 sees an idle time
			 * over the timeout and destroys the connection.
			 */
			f->f_late = f->f_last + 1 + (f->f_life == LIFE_SHORT ?
			    timeout_est : timeout_new);
		}
		if (f->f_af == 4) {
			addr4(&f->f_cli, 0x0a010000u + i + 1);
			addr4(&f->f_srv, 0xc6336400u + 1 + i % 32);
		} else {
			addr6(&f->f_cli, 0xfd000000u, 1, i + 1);
			addr6(&f->f_srv, 0x20010db8u, 2, 1 + i % 32);
		}
		f->f_cport = rte_cpu_to_be_16(32768 + mix(i + 77) % 28000);
		switch (f->f_proto) {
		case PROTO_TCP:
			f->f_sport = rte_cpu_to_be_16(i % 2 ? 443 : 80);
			break;
		case PROTO_UDP:
			f->f_sport = rte_cpu_to_be_16(53);
			break;
		default:
			/* An echo carries its id both ways. */
			f->f_sport = f->f_cport;
			break;
		}
		f->f_ciss = f->f_cnxt = mix(i * 2 + 1);
		f->f_siss = f->f_snxt = mix(i * 2 + 2);
	}
	return g;
}

void
gen_destroy(struct gen *g)
{
	if (g == NULL)
		return;
	free(g->g_flows);
	free(g);
}

unsigned int
gen_queue_size(const struct gen *g)
{
	/* At most two packets per flow and step, plus the extras. */
	return 2 * g->g_nflows + g->g_nprobes + 3;
}

/*
 * gen_emit: append the packets of one direction of one step of a round.
 *
 * => Returns 0, or -ENOMEM/-ENOSPC (mbufs or queue exhausted); packets
 *    appended before the failure stay in the queue.
 */
int
gen_emit(struct gen *g, uint32_t r, unsigned int step, int di,
		struct pktq *q)
{
	const bool out = di == NPFCT_DIR_OUT;
	uint32_t i;
	int rc = 0;

	for (i = 0; i < g->g_nflows && rc == 0; i++) {
		struct flow *f = &g->g_flows[i];

		if (r == f->f_late && step == 0 && !out) {
			rc = emit_dgram(g, f, r, false, KIND_LATE, q);
			continue;
		}
		if (r < f->f_start || r > f->f_last)
			continue;
		if (f->f_proto == PROTO_TCP)
			rc = emit_tcp(g, f, r, step, out, q);
		else if (step == 0)
			rc = emit_dgram(g, f, r, out, KIND_FLOW, q);
	}
	if (rc == 0 && step == 0 && !out) {
		rc = emit_probes(g, r, q);
		if (rc == 0)
			rc = emit_junk(g, q);
	}
	return rc;
}

void
gen_summary(const struct gen *g, struct gen_summary *gs)
{
	uint32_t i;

	memset(gs, 0, sizeof(*gs));
	for (i = 0; i < g->g_nflows; i++) {
		const struct flow *f = &g->g_flows[i];

		gs->gs_proto[f->f_proto]++;
		gs->gs_af[f->f_af == 6]++;
		gs->gs_life[f->f_life]++;
		gs->gs_forged += f->f_forge;
	}
	gs->gs_probes = g->g_nprobes;
	gs->gs_junk = 3;
}
