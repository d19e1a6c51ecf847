/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * libFuzzer target: the burst API against the one-packet API
 * (src/inspect.c, src/conn.c), on two instances that see the same
 * traffic.
 *
 * Input: commands, each an opcode byte and its operands:
 *
 *	0x00-0x7f  a packet for the current burst (bit 0: inbound; bits
 *	           1-2: its zone, through the mbuf field; zone 3 holds
 *	           LIMITED_CONNS connections at most): a 16-bit length (at
 *	           most 2047), then that many bytes from the Ethernet header
 *	           on (a burst holds up to 32);
 *	0x80       run the burst: instance A with npfct_inspect_burst()
 *	           and, for the misses, npfct_establish_burst(); instance B
 *	           with npfct_conn_inspect() per packet and
 *	           npfct_conn_establish() per miss, in the same order;
 *	0x81 N     advance both clocks N seconds;
 *	0x82       a full G/C pass on both (npfct_gc_sync());
 *	0x83 K P   setnat on the connection of packet K of the last burst,
 *	           to 203.0.113.1 port P, on both;
 *	0x84       flush both.
 *
 * Checks: both give every packet the same verdict and both find or make
 * a connection for the same packets, in the same state; setnat returns
 * the same; the instances always hold as many connections, never more
 * than max_conns; a match has a connection, nothing else does; the
 * zones' counts add up to the connections, and zone 3 never passes its
 * limit.
 */

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "npfct_impl.h"
#include "fuzz_common.h"

#define BURST		32
#define MAX_CONNS	128
#define ZONES		4
#define LIMITED_ZONE	3
#define LIMITED_CONNS	2

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct npfct *ca, *cb;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_init();
	ca = fuzz_instance("burst_a", MAX_CONNS, 0);
	cb = fuzz_instance("burst_b", MAX_CONNS, 0);
	if (npfct_zone_dynfield_register() < 0 ||
	    npfct_zone_limit_set(ca, LIMITED_ZONE, LIMITED_CONNS) != 0 ||
	    npfct_zone_limit_set(cb, LIMITED_ZONE, LIMITED_CONNS) != 0)
		abort();
	return 0;
}

struct burst {
	struct rte_mbuf	*m[BURST];
	int		di[BURST];
	unsigned int	n;
	/* Results of the last run. */
	struct npfct_pkt pa[BURST], pb[BURST];
	struct npfct_conn *conn_a[BURST], *conn_b[BURST];
};

static void
burst_free(struct burst *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		rte_pktmbuf_free(b->m[i]);
	b->n = 0;
}

/* Run one direction's packets of the burst through both instances. */
static void
run_dir(struct burst *b, int di)
{
	struct rte_mbuf *mb[BURST];
	struct npfct_pkt pkts[BURST];
	struct npfct_conn *conns[BURST];
	uint8_t va[BURST], vb[BURST];
	uint16_t miss[BURST], nmiss = 0, k, at[BURST];
	unsigned int i, n = 0;

	for (i = 0; i < b->n; i++)
		if (b->di[i] == di) {
			at[n] = (uint16_t)i;
			mb[n++] = b->m[i];
		}
	if (n == 0)
		return;
	/* A: the burst calls. */
	npfct_inspect_burst(ca, mb, pkts, (uint16_t)n, di, conns, va);
	for (k = 0; k < n; k++) {
		FUZZ_CHECK((va[k] == NPFCT_V_MATCH ||
		    va[k] == NPFCT_V_RELATED) == (conns[k] != NULL));
		if (va[k] == NPFCT_V_MISS)
			miss[nmiss++] = k;
	}
	npfct_establish_burst(ca, pkts, miss, nmiss, di, 0, conns);
	/* B: one packet at a time, the same order. */
	for (k = 0; k < n; k++) {
		struct npfct_pkt *p = &b->pb[at[k]];

		npfct_pkt_parse(p, mb[k]);
		b->conn_b[at[k]] = npfct_conn_inspect(cb, p, di, &vb[k]);
		FUZZ_CHECK(vb[k] == va[k]);
	}
	for (k = 0; k < nmiss; k++) {
		const uint16_t j = miss[k];
		struct npfct_conn *con = npfct_conn_establish(cb,
		    &b->pb[at[j]], di, false);

		if (con != NULL)
			npfct_conn_release(con);
		b->conn_b[at[j]] = con;
	}
	for (k = 0; k < n; k++) {
		b->pa[at[k]] = pkts[k];
		b->conn_a[at[k]] = conns[k];
		FUZZ_CHECK((conns[k] != NULL) == (b->conn_b[at[k]] != NULL));
		if (conns[k] != NULL)
			FUZZ_CHECK(strcmp(npfct_conn_state_name(conns[k]),
			    npfct_conn_state_name(b->conn_b[at[k]])) == 0);
	}
}

static void
check_zones(const struct npfct *ct)
{
	uint32_t sum = 0;
	uint16_t z;

	for (z = 0; z < ZONES; z++)
		sum += npfct_zone_count(ct, z);
	FUZZ_CHECK(sum == npfct_count(ct));
	FUZZ_CHECK(npfct_zone_count(ct, LIMITED_ZONE) <= LIMITED_CONNS);
}

static void
check_counts(void)
{
	FUZZ_CHECK(npfct_count(ca) == npfct_count(cb));
	FUZZ_CHECK(npfct_count(ca) <= MAX_CONNS);
	check_zones(ca);
	check_zones(cb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int nat_a, nat_b;
	union npfct_addr ta = { .v4 = htonl(0xcb007101u) };
	struct fuzz_in in = { data, size };
	struct burst b = { .n = 0 };
	uint8_t op, k;
	uint16_t port, len;
	int ra, rb;

	while (in.n > 0) {
		op = fuzz_u8(&in);
		if (op < 0x80) {
			len = fuzz_u16(&in) & 0x7ff;
			if (len > in.n || b.n == BURST)
				break;
			b.m[b.n] = fuzz_mbuf(in.p, len, 0, 0);
			in.p += len;
			in.n -= len;
			if (b.m[b.n] == NULL)
				continue;
			npfct_mbuf_zone_set(b.m[b.n], (op >> 1) & (ZONES - 1));
			b.di[b.n++] = (op & 1) ? NPFCT_DIR_IN : NPFCT_DIR_OUT;
			continue;
		}
		switch (op) {
		case 0x80:
			memset(b.conn_a, 0, sizeof(b.conn_a));
			memset(b.conn_b, 0, sizeof(b.conn_b));
			run_dir(&b, NPFCT_DIR_OUT);
			run_dir(&b, NPFCT_DIR_IN);
			/* The quiescent state ends the pointers' validity. */
			npfct_quiescent();
			burst_free(&b);
			break;
		case 0x81:
			k = fuzz_u8(&in);
			npfct_clock_set(ca, npfct_clock_now(ca) +
			    k * 1000000000ull);
			npfct_clock_set(cb, npfct_clock_now(cb) +
			    k * 1000000000ull);
			break;
		case 0x82:
			FUZZ_CHECK(npfct_gc_sync(ca) == npfct_gc_sync(cb));
			/* The last burst's connections may be gone. */
			memset(b.conn_a, 0, sizeof(b.conn_a));
			memset(b.conn_b, 0, sizeof(b.conn_b));
			break;
		case 0x83:
			k = fuzz_u8(&in) % BURST;
			port = fuzz_u16(&in);
			if (b.conn_a[k] == NULL || b.conn_b[k] == NULL)
				break;
			ra = npfct_conn_setnat(ca, &b.pa[k], b.conn_a[k],
			    &nat_a, NPFCT_NAT_OUT, &ta, htons(port));
			rb = npfct_conn_setnat(cb, &b.pb[k], b.conn_b[k],
			    &nat_b, NPFCT_NAT_OUT, &ta, htons(port));
			FUZZ_CHECK(ra == rb);
			break;
		case 0x84:
			FUZZ_CHECK(npfct_flush(ca) == npfct_flush(cb));
			memset(b.conn_a, 0, sizeof(b.conn_a));
			memset(b.conn_b, 0, sizeof(b.conn_b));
			break;
		default:
			break;
		}
		check_counts();
	}
	burst_free(&b);
	npfct_quiescent();
	/* Every input starts from empty instances. */
	FUZZ_CHECK(npfct_flush(ca) == npfct_flush(cb));
	check_counts();
	FUZZ_CHECK(npfct_count(ca) == 0);
	return 0;
}
