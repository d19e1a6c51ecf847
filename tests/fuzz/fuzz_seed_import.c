/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * fuzz_seed_import DIR: write the seed images of fuzz_import into DIR:
 * exports of a few connections of every kind (TCP through its handshake
 * and data, UDP with NAT and pass, IPv6 ICMP echo bound to an interface,
 * a mid-stream TCP pickup, UDP in zones 1, 1 and 65535), of each alone and
 * of all, with mode bytes 0 and 1 (the target's first byte).  The
 * instances count packets (version 3 counters) and one connection has a
 * mark.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "fuzz_common.h"

static uint8_t image[1 << 16];

static void
pkt4(struct npfct_pkt *p, uint8_t proto, uint32_t src, uint32_t dst,
		uint16_t sport, uint16_t dport)
{
	memset(p, 0, sizeof(*p));
	p->status = NPFCT_PARSE_OK;
	p->flags = NPFCT_PKT_IP4 | NPFCT_PKT_L4 |
	    (proto == IPPROTO_TCP ? NPFCT_PKT_TCP : 0);
	p->proto = proto;
	p->alen = 4;
	p->src.v4 = htonl(src);
	p->dst.v4 = htonl(dst);
	p->sport = htons(sport);
	p->dport = htons(dport);
}

static void
tcp(struct npfct_pkt *p, uint8_t flags, uint32_t seq, uint32_t ack,
		uint16_t len, uint8_t wscale)
{
	p->tcp.flags = flags;
	p->tcp.seq = seq;
	p->tcp.ack = ack;
	p->tcp.datalen = len;
	p->tcp.win = 65000;
	p->tcp.hlen = 20;
	p->tcp.wscale = wscale;
}

static void
seed_send(struct npfct *ct, struct npfct_pkt *p, int di)
{
	struct npfct_conn *con = npfct_conn_inspect(ct, p, di, NULL);

	if (con == NULL) {
		con = npfct_conn_establish(ct, p, di, false);
		if (con != NULL)
			npfct_conn_release(con);
	}
}

static void
write_seed(const char *dir, const char *name, struct npfct *ct)
{
	char path[4096];
	ssize_t n = npfct_export(ct, image, sizeof(image));
	unsigned int mode;
	FILE *f;

	if (n < 0) {
		fprintf(stderr, "fuzz_seed_import: export: %d\n", (int)n);
		exit(1);
	}
	for (mode = 0; mode < 2; mode++) {
		snprintf(path, sizeof(path), "%s/%s-%u", dir, name, mode);
		f = fopen(path, "wb");
		if (f == NULL || fputc((int)mode, f) == EOF ||
		    fwrite(image, 1, (size_t)n, f) != (size_t)n ||
		    fclose(f) != 0) {
			perror(path);
			exit(1);
		}
	}
}

static void
tcp_flow(struct npfct *ct)
{
	struct npfct_pkt p;

	pkt4(&p, IPPROTO_TCP, 0x0a000001, 0xc0000250, 40000, 80);
	tcp(&p, NPFCT_TH_SYN, 1000, 0, 0, 7);
	seed_send(ct, &p, NPFCT_DIR_OUT);
	pkt4(&p, IPPROTO_TCP, 0xc0000250, 0x0a000001, 80, 40000);
	tcp(&p, NPFCT_TH_SYN | NPFCT_TH_ACK, 5000, 1001, 0, 6);
	seed_send(ct, &p, NPFCT_DIR_IN);
	pkt4(&p, IPPROTO_TCP, 0x0a000001, 0xc0000250, 40000, 80);
	tcp(&p, NPFCT_TH_ACK, 1001, 5001, 100, NPFCT_TCP_WSCALE_NONE);
	seed_send(ct, &p, NPFCT_DIR_OUT);
}

static void
udp_nat(struct npfct *ct)
{
	static int nat, proc;
	union npfct_addr ta = { .v4 = htonl(0xcb007101) };
	struct npfct_conn *con;
	struct npfct_pkt p;

	pkt4(&p, IPPROTO_UDP, 0x0a000002, 0xc6336435, 5353, 53);
	con = npfct_conn_establish(ct, &p, NPFCT_DIR_OUT, false);
	if (con == NULL)
		exit(1);
	npfct_conn_setpass(con, &proc);
	npfct_conn_mark_set(con, 0x11223344);
	npfct_conn_setnat(ct, &p, con, &nat, NPFCT_NAT_OUT, &ta,
	    htons(61000));
	npfct_conn_release(con);
}

static void
icmp6_echo(struct npfct *ct)
{
	struct npfct_conn *con;
	struct npfct_pkt p;

	memset(&p, 0, sizeof(p));
	p.status = NPFCT_PARSE_OK;
	p.flags = NPFCT_PKT_IP6 | NPFCT_PKT_L4 | NPFCT_PKT_ICMP |
	    NPFCT_PKT_ICMP_QUERY;
	p.proto = IPPROTO_ICMPV6;
	p.alen = 16;
	inet_pton(AF_INET6, "2001:db8::1", &p.src);
	inet_pton(AF_INET6, "2001:db8:1::1", &p.dst);
	p.sport = p.dport = htons(42);
	p.icmp.type = 128;
	p.ifid = 3;
	con = npfct_conn_establish(ct, &p, NPFCT_DIR_OUT, true);
	if (con != NULL)
		npfct_conn_release(con);
}

static void
tcp_pickup(struct npfct *ct)
{
	struct npfct_pkt p;

	pkt4(&p, IPPROTO_TCP, 0x0a000003, 0xc0000251, 41000, 443);
	tcp(&p, NPFCT_TH_ACK, 77000, 99000, 100, NPFCT_TCP_WSCALE_NONE);
	seed_send(ct, &p, NPFCT_DIR_OUT);
}

static void
udp_zones(struct npfct *ct)
{
	static const uint16_t zones[] = { 1, 1, 65535 };
	struct npfct_pkt p;
	unsigned int i;

	for (i = 0; i < RTE_DIM(zones); i++) {
		pkt4(&p, IPPROTO_UDP, 0x0a000004, 0xc6336435,
		    (uint16_t)(6000 + i), 53);
		p.zone = zones[i];
		seed_send(ct, &p, NPFCT_DIR_OUT);
	}
}

int
main(int argc, char **argv)
{
	void (*const kinds[])(struct npfct *) = { tcp_flow, udp_nat,
	    icmp6_echo, tcp_pickup, udp_zones };
	const char *const names[] = { "tcp", "udp-nat", "icmp6", "pickup",
	    "zones" };
	struct npfct *ct;
	unsigned int k;
	char name[32];

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seed_import DIR\n");
		return 2;
	}
	fuzz_eal_init();
	for (k = 0; k < RTE_DIM(kinds); k++) {
		snprintf(name, sizeof(name), "seed%u", k);
		ct = fuzz_instance(name, 64, NPFCT_F_TCP_LOOSE |
		    NPFCT_F_ACCOUNTING);
		kinds[k](ct);
		write_seed(argv[1], names[k], ct);
		npfct_destroy(ct);
	}
	ct = fuzz_instance("seedall", 64, NPFCT_F_TCP_LOOSE |
	    NPFCT_F_ACCOUNTING);
	for (k = 0; k < RTE_DIM(kinds); k++)
		kinds[k](ct);
	write_seed(argv[1], "all", ct);
	/* The header alone: an empty image. */
	npfct_flush(ct);
	write_seed(argv[1], "empty", ct);
	npfct_destroy(ct);
	return 0;
}
