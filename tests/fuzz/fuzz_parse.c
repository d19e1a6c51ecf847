/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * libFuzzer target: the packet parser (src/pkt.c).
 *
 * Input: one byte that chooses the segmentation (0: one segment, n: the
 * packet cut into segments of n bytes), one byte of port, then the
 * packet from its Ethernet header on.  For every input:
 *
 *	- npfct_pkt_parse() gives a valid status, and what it fills is
 *	  within the packet (offsets and lengths inside pkt_len);
 *	- the general parser gives the same result to the byte;
 *	- the fast path either declines without writing anything or gives
 *	  exactly the general parser's result (for a packet that parses);
 *	- the packet in one segment and cut into segments parse the same;
 *	- the embedded packet of an ICMP error parses within the outer one.
 */

#include <stdint.h>
#include <string.h>

#include "npfct_impl.h"
#include "fuzz_common.h"

#define PATTERN	0xa5

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_init();
	return 0;
}

/* What a parse filled must be within the packet. */
static void
check_bounds(const struct npfct_pkt *p, uint32_t pkt_len)
{
	FUZZ_CHECK(p->status < NPFCT_PARSE_STATUS_MAX);
	if (p->status != NPFCT_PARSE_OK)
		return;
	FUZZ_CHECK(p->alen == 4 || p->alen == 16);
	FUZZ_CHECK(p->l3_off < pkt_len);
	if (p->flags & NPFCT_PKT_L4) {
		FUZZ_CHECK(p->l4_off >= p->l3_off);
		FUZZ_CHECK((uint32_t)p->l4_off + p->l4_len <= pkt_len);
	}
	if (p->flags & NPFCT_PKT_TCP) {
		FUZZ_CHECK(p->tcp.hlen >= 20 && p->tcp.hlen <= 60);
		FUZZ_CHECK((uint32_t)p->tcp.hlen + p->tcp.datalen <=
		    p->l4_len);
		FUZZ_CHECK(p->tcp.wscale <= 14 ||
		    p->tcp.wscale == NPFCT_TCP_WSCALE_NONE);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct npfct_pkt a, b, c, one, inner;
	struct rte_mbuf *m, *m1;
	uint16_t seg, port;
	bool fast;

	if (size < 3)
		return 0;
	seg = data[0];
	port = data[1];
	m = fuzz_mbuf(data + 2, size - 2, seg, port);
	if (m == NULL)
		return 0;

	memset(&a, PATTERN, sizeof(a));
	npfct_pkt_parse(&a, m);
	check_bounds(&a, rte_pktmbuf_pkt_len(m));

	memset(&b, PATTERN, sizeof(b));
	npfct_pkt_parse_general(&b, m);
	FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0);

	memset(&c, PATTERN, sizeof(c));
	fast = npfct_pkt_parse_fast(&c, m);
	if (fast) {
		FUZZ_CHECK(b.status == NPFCT_PARSE_OK);
		FUZZ_CHECK(memcmp(&c, &b, sizeof(c)) == 0);
	} else {
		memset(&b, PATTERN, sizeof(b));
		FUZZ_CHECK(memcmp(&c, &b, sizeof(c)) == 0);
	}

	/* The same bytes in one segment. */
	if (m->nb_segs > 1) {
		m1 = fuzz_mbuf(data + 2, size - 2, 0, port);
		if (m1 != NULL) {
			memset(&one, PATTERN, sizeof(one));
			npfct_pkt_parse(&one, m1);
			one.mbuf = a.mbuf;
			FUZZ_CHECK(memcmp(&one, &a, sizeof(a)) == 0);
			rte_pktmbuf_free(m1);
		}
	}

	if (a.status == NPFCT_PARSE_OK && (a.flags & NPFCT_PKT_ICMP_ERR)) {
		memset(&inner, PATTERN, sizeof(inner));
		npfct_pkt_parse_icmp_inner(&inner, &a);
		FUZZ_CHECK(inner.status < NPFCT_PARSE_STATUS_MAX);
		if (inner.status == NPFCT_PARSE_OK) {
			FUZZ_CHECK(inner.alen == a.alen);
			FUZZ_CHECK(inner.l3_off >= a.l4_off);
			FUZZ_CHECK(inner.l3_off < rte_pktmbuf_pkt_len(m));
		}
	}
	rte_pktmbuf_free(m);
	return 0;
}
