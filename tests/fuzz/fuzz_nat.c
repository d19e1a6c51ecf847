/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * libFuzzer target: the NAT engine (src/nat*.c) on packets of any shape:
 * malformed ICMP quotes, truncated layer 4 headers, odd IHLs, extension
 * headers, packets cut across segments.
 *
 * The instance has one policy of every kind over the addresses of the
 * captures in tests/data (10.99.0.0/16, fd99::/48): source NAT to a pool
 * of two addresses and 64 ports (exhaustion is reached), a port forward,
 * static NETMAP, NPTv6 and NAT66.
 *
 * Input: packets, each an opcode byte and its frame:
 *
 *	bit 0      inbound;
 *	bits 1-3   segment length of the second copy (0: one segment,
 *	           else 4 + 6 * value bytes);
 *	then a 16-bit length (at most 2047) and that many bytes from the
 *	Ethernet header on.
 *	0xff N     advance the clock N seconds and run the G/C.
 *
 * Each packet is inspected; a miss is established and translated
 * (npfct_nat_establish()); a packet with a connection is translated
 * twice, in one segment and in the second copy's segments.
 *
 * Checks: every call returns one of its documented values; both copies
 * come out byte for byte the same; a packet whose checksums were right
 * (IPv4 header, TCP/UDP/ICMP/ICMPv6 over the whole message) still has
 * them right after the rewrite; the translated packet parses to the
 * addresses and ports the rewrite reported; the table never holds more
 * than its maximum.
 */

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_ip.h>

#include "npfct_impl.h"
#include "npfct_nat.h"
#include "fuzz_common.h"

#define MAX_CONNS	256
#define FRAME_MAX	2047

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct npfct *ct;

static const char *const rules[] = {
	"dynamic 10.99.0.0/16 -> 198.51.100.1-198.51.100.2 port 1024-1087",
	"dynamic 10.99.0.1 port 80 <- 198.51.100.7 port 8080",
	"static 10.97.0.0/24 <-> 203.0.113.0/24",
	"static algo npt66 fd99::/48 <-> 2001:db8:1::/48",
	"dynamic fd98::/64 -> 2001:db8::7",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct npfct_nat_policy_conf c;
	unsigned int i;

	(void)argc;
	(void)argv;
	fuzz_eal_init();
	ct = fuzz_instance("nat", MAX_CONNS, 0);
	for (i = 0; i < RTE_DIM(rules); i++)
		if (npfct_nat_policy_parse(rules[i], &c, NULL, 0) != 0 ||
		    npfct_nat_policy_add(ct, &c) < 0)
			abort();
	return 0;
}

/*
 * Whether a parsed, complete, unfragmented packet's checksums are right
 * (UDP over IPv4 with checksum 0 counts as right).  Packets the check
 * cannot judge (truncated, fragments, other protocols) give false.
 */
static bool
cksums_ok(const struct npfct_pkt *pkt, struct rte_mbuf *m)
{
	static uint8_t buf[FRAME_MAX + 64];
	const uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *p, *ip, *l4;
	uint32_t sum;

	if (pkt->status != NPFCT_PARSE_OK ||
	    (pkt->flags & NPFCT_PKT_L4) == 0 ||
	    (uint32_t)pkt->l4_off + pkt->l4_len != len || len > sizeof(buf))
		return false;
	p = rte_pktmbuf_read(m, 0, len, buf);
	if (p == NULL)
		return false;
	ip = p + pkt->l3_off;
	l4 = p + pkt->l4_off;
	if (pkt->alen == 4) {
		const uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4;

		if ((ip[6] & 0x3f) != 0 || ip[7] != 0 ||
		    ihl != (uint32_t)(pkt->l4_off - pkt->l3_off) ||
		    rte_raw_cksum(ip, ihl) != 0xffff)
			return false;
	}
	switch (pkt->proto) {
	case IPPROTO_ICMP:
		return pkt->alen == 4 &&
		    rte_raw_cksum(l4, pkt->l4_len) == 0xffff;
	case IPPROTO_UDP:
		if (pkt->l4_len < 8 || (pkt->alen == 4 && l4[6] == 0 &&
		    l4[7] == 0))
			return pkt->l4_len >= 8 && pkt->alen == 4;
		break;
	case IPPROTO_TCP:
		if (pkt->l4_len < 20)
			return false;
		break;
	case IPPROTO_ICMPV6:
		if (pkt->alen != 16)
			return false;
		break;
	default:
		return false;
	}
	sum = pkt->alen == 4 ? rte_raw_cksum(ip + 12, 8) :
	    rte_raw_cksum(ip + 8, 32);
	sum += htons(pkt->proto) + htons(pkt->l4_len) +
	    rte_raw_cksum(l4, pkt->l4_len);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Both copies hold the same bytes. */
static void
check_same(struct rte_mbuf *a, struct rte_mbuf *b)
{
	static uint8_t ba[FRAME_MAX + 64], bb[FRAME_MAX + 64];
	const uint32_t len = rte_pktmbuf_pkt_len(a);
	const uint8_t *pa, *pb;

	FUZZ_CHECK(len == rte_pktmbuf_pkt_len(b));
	pa = rte_pktmbuf_read(a, 0, len, ba);
	pb = rte_pktmbuf_read(b, 0, len, bb);
	FUZZ_CHECK(pa != NULL && pb != NULL);
	FUZZ_CHECK(memcmp(pa, pb, len) == 0);
}

static void
one_packet(const uint8_t *frame, uint16_t len, uint8_t op)
{
	const int di = (op & 1) ? NPFCT_DIR_IN : NPFCT_DIR_OUT;
	const uint16_t seg = (op >> 1) & 7 ? (uint16_t)(4 + 6 * ((op >> 1) &
	    7)) : 0;
	struct rte_mbuf *m = fuzz_mbuf(frame, len, 0, 0);
	struct rte_mbuf *m2 = fuzz_mbuf(frame, len, seg, 0);
	struct npfct_pkt pkt, pkt2, re;
	struct npfct_conn *con;
	uint8_t v;
	int ret, ret2;
	bool ok;

	if (m == NULL || m2 == NULL)
		goto out;
	npfct_pkt_parse(&pkt, m);
	npfct_pkt_parse(&pkt2, m2);
	con = npfct_conn_inspect(ct, &pkt, di, &v);
	if (v == NPFCT_V_MISS) {
		con = npfct_conn_establish(ct, &pkt, di, false);
		if (con == NULL)
			goto out;
		ret = npfct_nat_establish(ct, &pkt, con, di);
		FUZZ_CHECK(ret == 0 || ret == 1 || ret == -EADDRNOTAVAIL ||
		    ret == -ENOSPC || ret == -EINVAL);
		npfct_conn_release(con);
		if (ret != 1)
			goto out;
	}
	if (con == NULL)
		goto out;
	ok = cksums_ok(&pkt, m);
	ret = npfct_nat_translate(ct, &pkt, con, di);
	ret2 = npfct_nat_translate(ct, &pkt2, con, di);
	FUZZ_CHECK(ret == 1 || ret == 0 || ret == -EINVAL);
	FUZZ_CHECK(ret == ret2);
	check_same(m, m2);
	if (ret != 1)
		goto out;
	/* What the rewrite reported is what the packet now says. */
	npfct_pkt_parse(&re, m);
	FUZZ_CHECK(re.status == pkt.status);
	if ((pkt.flags & NPFCT_PKT_ICMP_ERR) == 0 &&
	    re.status == NPFCT_PARSE_OK) {
		FUZZ_CHECK(memcmp(&re.src, &pkt.src, pkt.alen) == 0);
		FUZZ_CHECK(memcmp(&re.dst, &pkt.dst, pkt.alen) == 0);
		FUZZ_CHECK(re.sport == pkt.sport && re.dport == pkt.dport);
	}
	if (ok)
		FUZZ_CHECK(cksums_ok(&re, m));
out:
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(m2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint16_t len;
	uint8_t op;

	while (in.n > 0) {
		op = fuzz_u8(&in);
		if (op == 0xff) {
			npfct_clock_set(ct, npfct_clock_now(ct) +
			    (uint64_t)fuzz_u8(&in) * 1000000000ull);
			npfct_gc_sync(ct);
			continue;
		}
		len = fuzz_u16(&in) & FRAME_MAX;
		if (len > in.n)
			break;
		one_packet(in.p, len, op);
		in.p += len;
		in.n -= len;
		FUZZ_CHECK(npfct_count(ct) <= MAX_CONNS);
		npfct_quiescent();
	}
	npfct_flush(ct);
	npfct_gc_sync(ct);
	npfct_quiescent();
	return 0;
}
