/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-perf flows and packets: mbufs with real headers, parsed packets
 * and the library's keys, all derived from a flow index.
 *
 * Overview
 *
 *	Flows are derived from their index, so that every scenario can
 *	rebuild any packet of any flow without storing the flows:
 *
 *	+---------+------------------------------+-------------------------+
 *	| field   | IPv4                         | IPv6                    |
 *	+---------+------------------------------+-------------------------+
 *	| client  | 10.0.0.0 + (i >> 8)          | 2001:db8::(i >> 8)      |
 *	| server  | 172.16.0.1                   | 2001:db8:ffff::1        |
 *	| c. port | 1024 + (i & 0xff)            | same                    |
 *	| s. port | 80 (TCP), 53 (UDP)           | same                    |
 *	| ISNs    | i * 2654435761, ^ 0x9e3779b9 | same                    |
 *	+---------+------------------------------+-------------------------+
 *
 *	Packets are built either as mbufs (Ethernet frames, parsed by the
 *	library as received packets would be) or, to fill tables quickly,
 *	as already parsed struct npfct_pkt.
 *
 * Synchronisation
 *
 *	Pure functions over caller-owned memory, except the mbuf pool.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "perf_common.h"

#define TCP_WINDOW	65535

void
perf_flow_get(uint64_t i, unsigned int alen, uint8_t proto,
		struct perf_flow *f)
{
	const uint32_t host = (uint32_t)(i >> 8);

	memset(f, 0, sizeof(*f));
	f->alen = (uint8_t)alen;
	f->proto = proto;
	f->dir = perf_flow_dir(i);
	if (alen == 4) {
		f->client.v4 = rte_cpu_to_be_32(0x0a000000u |
		    (host & 0xffffff));
		f->server.v4 = rte_cpu_to_be_32(0xac100001u);
	} else {
		f->client.a32[0] = rte_cpu_to_be_32(0x20010db8u);
		f->client.a32[3] = rte_cpu_to_be_32(host);
		f->server.a32[0] = rte_cpu_to_be_32(0x20010db8u);
		f->server.a32[1] = rte_cpu_to_be_32(0xffff0000u);
		f->server.a32[3] = rte_cpu_to_be_32(1);
	}
	f->cport = rte_cpu_to_be_16((uint16_t)(1024 + (i & 0xff)));
	f->sport = rte_cpu_to_be_16(proto == IPPROTO_TCP ? 80 : 53);
	f->cisn = (uint32_t)i * 2654435761u;
	f->sisn = f->cisn ^ 0x9e3779b9u;
}

/* TCP fields of a segment: sequence, acknowledgement, flags. */
static void
seg_fields(const struct perf_flow *f, enum perf_seg seg, uint32_t *seq,
		uint32_t *ack, uint8_t *flags)
{
	switch (seg) {
	case PERF_SEG_SYN:
		*seq = f->cisn, *ack = 0, *flags = NPFCT_TH_SYN;
		break;
	case PERF_SEG_SYNACK:
		*seq = f->sisn, *ack = f->cisn + 1;
		*flags = NPFCT_TH_SYN | NPFCT_TH_ACK;
		break;
	case PERF_SEG_ACK_FW:
		*seq = f->cisn + 1, *ack = f->sisn + 1, *flags = NPFCT_TH_ACK;
		break;
	case PERF_SEG_ACK_BW:
	default:
		*seq = f->sisn + 1, *ack = f->cisn + 1, *flags = NPFCT_TH_ACK;
		break;
	}
}

void
perf_pkt_fill(struct npfct_pkt *p, const struct perf_flow *f, bool forw,
		enum perf_seg seg)
{
	const bool tcp = f->proto == IPPROTO_TCP;

	memset(p, 0, sizeof(*p));
	p->zone = perf.zone;
	p->flags = (f->alen == 4 ? NPFCT_PKT_IP4 : NPFCT_PKT_IP6) |
	    NPFCT_PKT_L4 | (tcp ? NPFCT_PKT_TCP : NPFCT_PKT_UDP);
	p->status = NPFCT_PARSE_OK;
	p->proto = f->proto;
	p->alen = f->alen;
	p->ttl = 64;
	p->l3_off = RTE_ETHER_HDR_LEN;
	p->l4_off = p->l3_off + (f->alen == 4 ? sizeof(struct rte_ipv4_hdr) :
	    sizeof(struct rte_ipv6_hdr));
	p->l4_len = tcp ? sizeof(struct rte_tcp_hdr) :
	    sizeof(struct rte_udp_hdr);
	p->src = forw ? f->client : f->server;
	p->dst = forw ? f->server : f->client;
	p->sport = forw ? f->cport : f->sport;
	p->dport = forw ? f->sport : f->cport;
	if (tcp) {
		seg_fields(f, seg, &p->tcp.seq, &p->tcp.ack, &p->tcp.flags);
		p->tcp.win = TCP_WINDOW;
		p->tcp.hlen = sizeof(struct rte_tcp_hdr);
		p->tcp.wscale = NPFCT_TCP_WSCALE_NONE;
	}
}

void
perf_pkt_write(struct rte_mbuf *m, const struct perf_flow *f, bool forw,
		enum perf_seg seg, bool cksum)
{
	uint8_t *d = (uint8_t *)m->buf_addr;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	const union npfct_addr *src = forw ? &f->client : &f->server;
	const union npfct_addr *dst = forw ? &f->server : &f->client;
	const bool tcp = f->proto == IPPROTO_TCP;
	const uint16_t l4len = tcp ? sizeof(struct rte_tcp_hdr) :
	    sizeof(struct rte_udp_hdr);
	uint16_t l3len;
	void *l3, *l4;

	/* Set always once registered: DPDK does not clear dynamic fields. */
	npfct_mbuf_zone_set(m, perf.zone);
	memset(eth, 0, sizeof(*eth));
	eth->dst_addr.addr_bytes[0] = 0x02;
	eth->dst_addr.addr_bytes[5] = 0x01;
	eth->src_addr.addr_bytes[0] = 0x02;
	eth->src_addr.addr_bytes[5] = 0x02;
	l3 = eth + 1;
	if (f->alen == 4) {
		struct rte_ipv4_hdr *ip = l3;

		l3len = sizeof(*ip);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(l3len + l4len);
		ip->time_to_live = 64;
		ip->next_proto_id = f->proto;
		ip->src_addr = src->v4;
		ip->dst_addr = dst->v4;
	} else {
		struct rte_ipv6_hdr *ip6 = l3;

		l3len = sizeof(*ip6);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(l4len);
		ip6->proto = f->proto;
		ip6->hop_limits = 64;
		memcpy(&ip6->src_addr, src->a8, 16);
		memcpy(&ip6->dst_addr, dst->a8, 16);
	}
	l4 = (uint8_t *)l3 + l3len;
	if (tcp) {
		struct rte_tcp_hdr *th = l4;
		uint32_t seq, ack;
		uint8_t flags;

		seg_fields(f, seg, &seq, &ack, &flags);
		th->src_port = forw ? f->cport : f->sport;
		th->dst_port = forw ? f->sport : f->cport;
		th->sent_seq = rte_cpu_to_be_32(seq);
		th->recv_ack = rte_cpu_to_be_32(ack);
		th->data_off = (sizeof(*th) / 4) << 4;
		th->tcp_flags = flags;
		th->rx_win = rte_cpu_to_be_16(TCP_WINDOW);
		th->cksum = 0;
		th->tcp_urp = 0;
	} else {
		struct rte_udp_hdr *uh = l4;

		uh->src_port = forw ? f->cport : f->sport;
		uh->dst_port = forw ? f->sport : f->cport;
		uh->dgram_len = rte_cpu_to_be_16(l4len);
		uh->dgram_cksum = 0;
	}
	if (cksum) {
		uint16_t ck;

		if (f->alen == 4) {
			((struct rte_ipv4_hdr *)l3)->hdr_checksum =
			    rte_ipv4_cksum(l3);
			ck = rte_ipv4_udptcp_cksum(l3, l4);
		} else {
			ck = rte_ipv6_udptcp_cksum(l3, l4);
		}
		if (tcp)
			((struct rte_tcp_hdr *)l4)->cksum = ck;
		else
			((struct rte_udp_hdr *)l4)->dgram_cksum = ck;
	}
	m->data_off = 0;
	m->nb_segs = 1;
	m->next = NULL;
	m->port = 0;
	m->data_len = RTE_ETHER_HDR_LEN + l3len + l4len;
	m->pkt_len = m->data_len;
}

unsigned int
perf_key_build(const struct perf_flow *f, bool forw, uint32_t *key)
{
	const union npfct_addr *src = forw ? &f->client : &f->server;
	const union npfct_addr *dst = forw ? &f->server : &f->client;
	const rte_be16_t sid = forw ? f->cport : f->sport;
	const rte_be16_t did = forw ? f->sport : f->cport;

	/* The library's layout (src/connkey.c). */
	key[0] = ((uint32_t)f->proto << 8) | f->alen;	/* zone 0 */
	key[1] = ((uint32_t)sid << 16) | did;
	if (f->alen == 4) {
		key[2] = src->v4;
		key[3] = dst->v4;
		return 16;
	}
	memcpy(&key[2], src->a8, 16);
	memcpy(&key[6], dst->a8, 16);
	key[10] = 0;
	key[11] = 0;
	return 48;
}

static int
cmp_ptr(const void *a, const void *b)
{
	const uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

int
perf_mbufs_alloc(struct rte_mbuf **m, unsigned int n)
{
	unsigned int i;

	if (rte_pktmbuf_alloc_bulk(perf.mbuf_pool, m, n) != 0)
		return -ENOMEM;
	/* Walk them in address order: a stream the prefetcher follows. */
	qsort(m, n, sizeof(m[0]), cmp_ptr);
	for (i = 0; i < n; i++)
		m[i]->data_off = 0;
	return 0;
}

void
perf_mbufs_free(struct rte_mbuf **m, unsigned int n)
{
	rte_pktmbuf_free_bulk(m, n);
}
