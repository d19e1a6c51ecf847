/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of TCP state tracking (src/state_tcp.c): table-driven packet
 * sequences through the state machine and the window checks, like NPF's
 * npf_state_test.c, then the TCP timeout groups through the G/C with the
 * driven clock.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <cmocka.h>

#include <rte_errno.h>

#include "npfct_impl.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

#define F	1	/* forwards: client -> server */
#define B	0	/* backwards: server -> client */

#define SYN	NPFCT_TH_SYN
#define ACK	NPFCT_TH_ACK
#define FIN	NPFCT_TH_FIN
#define RST	NPFCT_TH_RST
#define PSH	NPFCT_TH_PUSH

#define S(x)	NPFCT_TCPS_ ## x
#define NOWS	(-1)

/* Client ISN 1000, server ISN 5000. */
struct tcp_step {
	uint8_t		forw;
	uint8_t		flags;
	uint32_t	seq;
	uint32_t	ack;
	uint16_t	len;
	uint16_t	win;
	int		wscale;		/* option on SYNs, NOWS: none */
	bool		ok;		/* accepted? */
	uint8_t		state;		/* state after the packet */
};

/* The handshake every sequence below starts with (window scale 7). */
#define HANDSHAKE \
	{ F, SYN,       1000, 0,    0, 65535, 7, true, S(SYN_SENT) }, \
	{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true, S(SYN_RECEIVED) }, \
	{ F, ACK,       1001, 5001, 0, 502, NOWS, true, S(ESTABLISHED) }

static void
step_pkt(struct npfct_pkt *pkt, const struct tcp_step *s)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->status = NPFCT_PARSE_OK;
	pkt->flags = NPFCT_PKT_IP4 | NPFCT_PKT_L4 | NPFCT_PKT_TCP;
	pkt->proto = IPPROTO_TCP;
	pkt->alen = 4;
	pkt->tcp.flags = s->flags;
	pkt->tcp.seq = s->seq;
	pkt->tcp.ack = s->ack;
	pkt->tcp.datalen = s->len;
	pkt->tcp.win = s->win;
	pkt->tcp.hlen = 20;
	pkt->tcp.wscale = s->wscale < 0 ? NPFCT_TCP_WSCALE_NONE :
	    (uint8_t)s->wscale;
}

static void
run_sequence(const struct npfct *ct, const struct tcp_step *steps,
		unsigned int n)
{
	struct npfct_state st;
	struct npfct_pkt pkt;
	unsigned int i;
	bool ok;

	for (i = 0; i < n; i++) {
		step_pkt(&pkt, &steps[i]);
		if (i == 0)
			ok = npfct_state_init(ct, &pkt, &st);
		else
			ok = npfct_state_inspect(ct, &pkt, &st,
			    steps[i].forw == F);
		if (ok != steps[i].ok || st.nst_state != steps[i].state) {
			print_error("step %u: ok %d (want %d), state %s "
			    "(want %s)\n", i, ok, steps[i].ok,
			    npfct_state_name(&st, IPPROTO_TCP),
			    npfct_state_tcp_name(steps[i].state));
			fail();
		}
	}
}

#define RUN(ct, seq)	run_sequence((ct), (seq), RTE_DIM(seq))

/*
 * Error paths first: packets that must be refused.
 */

static void
test_tcp_invalid_flags(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		/* SYN|FIN, SYN|FIN|ACK, no flags: invalid in any state. */
		{ F, SYN | FIN, 1001, 5001, 0, 502, NOWS, false, S(ESTABLISHED) },
		{ F, SYN | FIN | ACK, 1001, 5001, 0, 502, NOWS, false,
		    S(ESTABLISHED) },
		{ B, 0, 5001, 0, 0, 509, NOWS, false, S(ESTABLISHED) },
		{ F, PSH, 1001, 0, 10, 502, NOWS, false, S(ESTABLISHED) },
		/* Still works. */
		{ F, ACK | PSH, 1001, 5001, 100, 502, NOWS, true,
		    S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, seq);
}

static void
test_tcp_rst_out_of_window(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		/* Far outside. */
		{ B, RST, 5001 + 1000000, 0, 0, 0, NOWS, false, S(ESTABLISHED) },
		{ B, RST | ACK, 5001 - 1000000, 1001, 0, 0, NOWS, false,
		    S(ESTABLISHED) },
		/* In the window but not the next expected: strict order. */
		{ B, RST, 5001 + 10, 0, 0, 0, NOWS, false, S(ESTABLISHED) },
		/* Exactly the next sequence number: closes. */
		{ B, RST, 5001, 0, 0, 0, NOWS, true, S(CLOSED) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/* With NPFCT_F_TCP_RST_LOOSE any in-window RST closes. */
static void
test_tcp_rst_loose(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ B, RST, 5001 + 1000000, 0, 0, 0, NOWS, false, S(ESTABLISHED) },
		{ B, RST, 5001 + 10, 0, 0, 0, NOWS, true, S(CLOSED) },
	};
	struct npfct_params p = {
		.name = "rstloose", .socket_id = SOCKET_ID_ANY,
		.max_conns = 16, .flags = NPFCT_F_TCP_RST_LOOSE,
	};
	struct npfct *ct = npfct_create(&p);

	(void)state;
	assert_non_null(ct);
	RUN(ct, seq);
	npfct_destroy(ct);
}

static void
test_tcp_ack_beyond_data(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		/* ACK of data the server never sent (III). */
		{ F, ACK, 1001, 5001 + 100000, 0, 502, NOWS, false,
		    S(ESTABLISHED) },
		/* ACK far in the past (IV). */
		{ F, ACK, 1001, 5001 - 20000000, 0, 502, NOWS, false,
		    S(ESTABLISHED) },
		/* Data beyond the server's window (I). */
		{ F, ACK, 1001 + 65160, 5001, 1000, 502, NOWS, false,
		    S(ESTABLISHED) },
		/* Data a window below what was sent (II). */
		{ F, ACK, 1001 - 200000, 5001, 100, 502, NOWS, false,
		    S(ESTABLISHED) },
		/* A FIN that fails a check does not change the state. */
		{ F, FIN | ACK, 1001, 5001 + 100000, 0, 502, NOWS, false,
		    S(ESTABLISHED) },
		{ F, ACK, 1001, 5001, 0, 502, NOWS, true, S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/* The first packet must be a SYN (without NPFCT_F_TCP_LOOSE). */
static void
test_tcp_establish_needs_syn(void **state)
{
	static const uint8_t bad[] = { ACK, SYN | ACK, FIN | ACK, RST,
	    SYN | FIN, 0 };
	struct npfct_state st;
	struct npfct_pkt pkt;
	struct tcp_step s = { F, 0, 1000, 0, 0, 1000, NOWS, false, 0 };
	struct rte_mbuf *m;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(bad); i++) {
		s.flags = bad[i];
		step_pkt(&pkt, &s);
		assert_false(npfct_state_init(test_ct, &pkt, &st));
	}
	/* Through the connection API: EPROTO and a counter. */
	m = test_pkt_tcp4("10.0.0.1", 1234, "10.0.0.2", 80, ACK, 1000, 1);
	assert_int_equal(npfct_pkt_parse(&pkt, m), NPFCT_PARSE_OK);
	assert_null(npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT, false));
	assert_int_equal(rte_errno, EPROTO);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_STATE_REFUSED), 1);
	assert_int_equal(npfct_count(test_ct), 0);
	rte_pktmbuf_free(m);
}

/*
 * Functional sequences.
 */

static void
test_tcp_handshake_data_close(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ F, ACK | PSH, 1001, 5001, 100, 502, NOWS, true,
		    S(ESTABLISHED) },
		{ B, ACK, 5001, 1101, 1000, 509, NOWS, true, S(ESTABLISHED) },
		{ F, ACK, 1101, 6001, 0, 502, NOWS, true, S(ESTABLISHED) },
		/* Client closes; the server's FIN|ACK acknowledges it. */
		{ F, FIN | ACK, 1101, 6001, 0, 502, NOWS, true, S(FIN_SENT) },
		{ B, FIN | ACK, 6001, 1102, 0, 509, NOWS, true, S(LAST_ACK) },
		{ B, FIN | ACK, 6001, 1102, 0, 509, NOWS, true, S(LAST_ACK) },
		{ F, ACK, 1102, 6002, 0, 502, NOWS, true, S(TIME_WAIT) },
		/* The last ACK is retransmitted: nothing changes. */
		{ F, ACK, 1102, 6002, 0, 502, NOWS, true, S(TIME_WAIT) },
	};

	(void)state;
	RUN(test_ct, seq);
}

static void
test_tcp_out_of_order_and_retransmit(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		/* Server sends three segments. */
		{ B, ACK, 5001, 1001, 1000, 509, NOWS, true, S(ESTABLISHED) },
		{ B, ACK, 6001, 1001, 1000, 509, NOWS, true, S(ESTABLISHED) },
		{ B, ACK, 7001, 1001, 1000, 509, NOWS, true, S(ESTABLISHED) },
		/* ACKs arrive out of order. */
		{ F, ACK, 1001, 8001, 0, 502, NOWS, true, S(ESTABLISHED) },
		{ F, ACK, 1001, 6001, 0, 502, NOWS, true, S(ESTABLISHED) },
		{ F, ACK, 1001, 7001, 0, 502, NOWS, true, S(ESTABLISHED) },
		/* The second segment is retransmitted. */
		{ B, ACK, 6001, 1001, 1000, 509, NOWS, true, S(ESTABLISHED) },
		/* Data segments out of order from the client. */
		{ F, ACK, 1501, 8001, 500, 502, NOWS, true, S(ESTABLISHED) },
		{ F, ACK, 1001, 8001, 500, 502, NOWS, true, S(ESTABLISHED) },
		/* A duplicate SYN-ACK from a lagging path is fine too. */
		{ B, ACK, 8001, 2001, 0, 509, NOWS, true, S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/* A large scaled window is accepted; data beyond it is not. */
static void
test_tcp_window_scaling(void **state)
{
	static const struct tcp_step scaled[] = {
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true,
		    S(SYN_RECEIVED) },
		{ F, ACK, 1001, 5001, 0, 502, NOWS, true, S(ESTABLISHED) },
		/* The server offers 1000 << 7 = 128000 bytes. */
		{ B, ACK, 5001, 1001, 0, 1000, NOWS, true, S(ESTABLISHED) },
		{ F, ACK, 1001, 5001, 60000, 502, NOWS, true, S(ESTABLISHED) },
		{ F, ACK, 61001, 5001, 60000, 502, NOWS, true,
		    S(ESTABLISHED) },
		/* Ends at 131001 > 1001 + 128000. */
		{ F, ACK, 121001, 5001, 10000, 502, NOWS, false,
		    S(ESTABLISHED) },
		{ F, ACK, 121001, 5001, 8000, 502, NOWS, true, S(ESTABLISHED) },
	};
	static const struct tcp_step unscaled[] = {
		/* The server did not offer scaling: no side scales. */
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ B, SYN | ACK, 5000, 1001, 0, 65160, NOWS, true,
		    S(SYN_RECEIVED) },
		{ F, ACK, 1001, 5001, 0, 502, NOWS, true, S(ESTABLISHED) },
		{ B, ACK, 5001, 1001, 0, 1000, NOWS, true, S(ESTABLISHED) },
		/* 65535 bytes do not fit in the 65160 offered unscaled. */
		{ F, ACK, 1001, 5001, 65535, 502, NOWS, false,
		    S(ESTABLISHED) },
		{ F, ACK, 1001, 5001, 1000, 502, NOWS, true, S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, scaled);
	RUN(test_ct, unscaled);
}

/* The server closes first. */
static void
test_tcp_close_from_server(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ B, FIN | ACK, 5001, 1001, 0, 509, NOWS, true,
		    S(FIN_RECEIVED) },
		{ F, ACK, 1001, 5002, 0, 502, NOWS, true, S(CLOSE_WAIT) },
		{ F, ACK | PSH, 1001, 5002, 50, 502, NOWS, true,
		    S(CLOSE_WAIT) },
		{ F, FIN | ACK, 1051, 5002, 0, 502, NOWS, true, S(LAST_ACK) },
		{ B, ACK, 5002, 1052, 0, 509, NOWS, true, S(TIME_WAIT) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/* Both sides send FIN at once; FINs may be retransmitted. */
static void
test_tcp_close_simultaneous(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ F, FIN | ACK, 1001, 5001, 0, 502, NOWS, true, S(FIN_SENT) },
		{ F, FIN | ACK, 1001, 5001, 0, 502, NOWS, true, S(FIN_SENT) },
		{ B, FIN | ACK, 5001, 1001, 0, 509, NOWS, true, S(CLOSING) },
		{ B, ACK, 5002, 1002, 0, 509, NOWS, true, S(LAST_ACK) },
		{ F, ACK, 1002, 5002, 0, 502, NOWS, true, S(TIME_WAIT) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/* The server ACKs the FIN, then closes its side later. */
static void
test_tcp_half_close(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ F, FIN | ACK, 1001, 5001, 0, 502, NOWS, true, S(FIN_SENT) },
		{ B, ACK, 5001, 1002, 0, 509, NOWS, true, S(FIN_WAIT) },
		{ B, ACK | PSH, 5001, 1002, 300, 509, NOWS, true,
		    S(FIN_WAIT) },
		{ F, ACK, 1002, 5301, 0, 502, NOWS, true, S(FIN_WAIT) },
		{ B, FIN | ACK, 5301, 1002, 0, 509, NOWS, true, S(LAST_ACK) },
		{ F, ACK, 1002, 5302, 0, 502, NOWS, true, S(TIME_WAIT) },
	};

	(void)state;
	RUN(test_ct, seq);
}

static void
test_tcp_rst_close(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ F, ACK | PSH, 1001, 5001, 100, 502, NOWS, true,
		    S(ESTABLISHED) },
		/* The client aborts: RST|ACK at its next sequence number. */
		{ F, RST | ACK, 1101, 5001, 0, 0, NOWS, true, S(CLOSED) },
	};
	static const struct tcp_step refused[] = {
		/* A SYN to a closed port is refused by RST|ACK, seq 0. */
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ B, RST | ACK, 0, 1001, 0, 0, NOWS, true, S(CLOSED) },
	};

	(void)state;
	RUN(test_ct, seq);
	RUN(test_ct, refused);
}

static void
test_tcp_syn_retransmit(void **state)
{
	static const struct tcp_step seq[] = {
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true,
		    S(SYN_RECEIVED) },
		/* The SYN-ACK is retransmitted; so is the SYN. */
		{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true,
		    S(SYN_RECEIVED) },
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_RECEIVED) },
		{ F, ACK, 1001, 5001, 0, 502, NOWS, true, S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/* RFC 793 figure 8: both sides send SYN. */
static void
test_tcp_simultaneous_open(void **state)
{
	static const struct tcp_step seq[] = {
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ B, SYN, 5000, 0, 0, 65160, 7, true, S(SIMSYN_SENT) },
		{ F, SYN | ACK, 1000, 5001, 0, 65535, 7, true,
		    S(SYN_RECEIVED) },
		{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true,
		    S(SYN_RECEIVED) },
		{ F, ACK, 1001, 5001, 0, 502, NOWS, true, S(ESTABLISHED) },
		{ B, ACK | PSH, 5001, 1001, 10, 509, NOWS, true,
		    S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/* A new SYN re-opens a TIME_WAIT connection; RST there is ignored. */
static void
test_tcp_time_wait_reopen(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ F, FIN | ACK, 1001, 5001, 0, 502, NOWS, true, S(FIN_SENT) },
		{ B, FIN | ACK, 5001, 1002, 0, 509, NOWS, true, S(LAST_ACK) },
		{ F, ACK, 1002, 5002, 0, 502, NOWS, true, S(TIME_WAIT) },
		{ B, ACK, 5002, 1002, 0, 509, NOWS, true, S(TIME_WAIT) },
		/* RFC 1337: an RST does not assassinate TIME_WAIT. */
		{ B, RST, 5002, 0, 0, 0, NOWS, true, S(TIME_WAIT) },
		/* The backwards side cannot re-open. */
		{ B, SYN, 700000, 0, 0, 65535, 7, false, S(TIME_WAIT) },
		/* New ISN far from the old window. */
		{ F, SYN, 900000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ B, SYN | ACK, 300000, 900001, 0, 65160, 7, true,
		    S(SYN_RECEIVED) },
		{ F, ACK, 900001, 300001, 0, 502, NOWS, true, S(ESTABLISHED) },
		/* The old sequence space is gone. */
		{ F, ACK | PSH, 1002, 5002, 10, 502, NOWS, false,
		    S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/* A client reusing its port right after a close that ended in LAST_ACK
 * (the last ACK lost) opens a new connection. */
static void
test_tcp_last_ack_reopen(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ F, FIN | ACK, 1001, 5001, 0, 502, NOWS, true, S(FIN_SENT) },
		{ B, FIN | ACK, 5001, 1002, 0, 509, NOWS, true, S(LAST_ACK) },
		{ F, SYN, 2000000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ B, SYN | ACK, 8000000, 2000001, 0, 65160, 7, true,
		    S(SYN_RECEIVED) },
		{ F, ACK, 2000001, 8000001, 0, 502, NOWS, true,
		    S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/*
 * Attacks on connection set-up and on established connections.
 */

/*
 * A blind RST in SYN_SENT: without an ACK of the SYN it is refused,
 * whatever its sequence number; the real SYN-ACK then passes.
 */
static void
test_tcp_blind_rst_syn_sent(void **state)
{
	static const struct tcp_step seq[] = {
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ B, RST, 0, 0, 0, 0, NOWS, false, S(SYN_SENT) },
		{ B, RST, 123456, 0, 0, 0, NOWS, false, S(SYN_SENT) },
		{ B, RST, 1001, 0, 0, 0, NOWS, false, S(SYN_SENT) },
		/* An ACK, but of something else (also ack 0). */
		{ B, RST | ACK, 0, 1000, 0, 0, NOWS, false, S(SYN_SENT) },
		{ B, RST | ACK, 0, 1002, 0, 0, NOWS, false, S(SYN_SENT) },
		{ B, RST | ACK, 0, 0, 0, 0, NOWS, false, S(SYN_SENT) },
		{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true,
		    S(SYN_RECEIVED) },
		{ F, ACK, 1001, 5001, 0, 502, NOWS, true, S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/*
 * A refused packet leaves the state as it was, to the byte: a spoofed
 * SYN-ACK with a wrong ACK must not set up the responder's side, or the
 * real SYN-ACK would be refused until the client retransmits its SYN.
 */
static void
test_tcp_refused_synack_no_poison(void **state)
{
	static const struct tcp_step syn =
	    { F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) };
	static const struct tcp_step bad[] = {
		{ B, SYN | ACK, 777777, 999999, 0, 65535, 14, false,
		    S(SYN_SENT) },
		{ B, SYN | ACK, 777777, 1001 + 100000, 0, 1, 0, false,
		    S(SYN_SENT) },
		/* Not a SYN-ACK at all: invalid in SYN_SENT. */
		{ B, ACK, 777777, 1001, 0, 65535, NOWS, false, S(SYN_SENT) },
		{ B, FIN | ACK, 777777, 1001, 0, 65535, NOWS, false,
		    S(SYN_SENT) },
	};
	static const struct tcp_step good =
	    { B, SYN | ACK, 5000, 1001, 0, 65160, 7, true, S(SYN_RECEIVED) };
	struct npfct_state st, before;
	struct npfct_pkt pkt;
	unsigned int i;

	(void)state;
	step_pkt(&pkt, &syn);
	assert_true(npfct_state_init(test_ct, &pkt, &st));
	for (i = 0; i < RTE_DIM(bad); i++) {
		before = st;
		step_pkt(&pkt, &bad[i]);
		assert_false(npfct_state_inspect(test_ct, &pkt, &st, false));
		assert_memory_equal(&st, &before, sizeof(st));
	}
	step_pkt(&pkt, &good);
	assert_true(npfct_state_inspect(test_ct, &pkt, &st, false));
	assert_int_equal(st.nst_state, S(SYN_RECEIVED));
	assert_int_equal(st.nst_wscale[1], 7);
}

/*
 * A duplicate SYN-ACK after the handshake (a retransmission seen in real
 * traffic) leaves the connection ESTABLISHED, with its timeout.
 */
static void
test_tcp_duplicate_synack_established(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true,
		    S(ESTABLISHED) },
		{ F, ACK | PSH, 1001, 5001, 100, 502, NOWS, true,
		    S(ESTABLISHED) },
		/* And a late duplicate of the client's SYN. */
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(ESTABLISHED) },
		{ B, ACK, 5001, 1101, 0, 509, NOWS, true, S(ESTABLISHED) },
	};
	struct npfct_state st;
	struct npfct_pkt pkt;
	unsigned int i;

	(void)state;
	RUN(test_ct, seq);
	for (i = 0; i < RTE_DIM(seq); i++) {
		step_pkt(&pkt, &seq[i]);
		if (i == 0)
			assert_true(npfct_state_init(test_ct, &pkt, &st));
		else
			assert_true(npfct_state_inspect(test_ct, &pkt, &st,
			    seq[i].forw == F));
	}
	assert_int_equal(npfct_state_etime(test_ct, &st, IPPROTO_TCP),
	    86400);
}

/*
 * A blind SYN during set-up (the sender knows the ports, not the ISNs):
 * neither a bare "responder" SYN nor an initiator SYN with another ISN
 * keeps the real SYN-ACK out.
 */
static void
test_tcp_blind_syn_setup(void **state)
{
	static const struct tcp_step responder[] = {
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		/* Taken for a simultaneous open... */
		{ B, SYN, 3000000000u, 0, 0, 65535, 14, true, S(SIMSYN_SENT) },
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SIMSYN_SENT) },
		/* ...until the SYN-ACK of the real SYN replaces it. */
		{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true,
		    S(SYN_RECEIVED) },
		{ F, ACK, 1001, 5001, 0, 502, NOWS, true, S(ESTABLISHED) },
		{ B, ACK | PSH, 5001, 1001, 100, 509, NOWS, true,
		    S(ESTABLISHED) },
	};
	static const struct tcp_step initiator[] = {
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ F, SYN, 777777, 0, 0, 65535, 7, false, S(SYN_SENT) },
		{ F, SYN, 999, 0, 0, 65535, 7, false, S(SYN_SENT) },
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true,
		    S(SYN_RECEIVED) },
		{ F, ACK, 1001, 5001, 0, 502, NOWS, true, S(ESTABLISHED) },
	};
	/* A real simultaneous open still works (both SYNs, both SYN-ACKs). */
	static const struct tcp_step simultaneous[] = {
		{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
		{ B, SYN, 5000, 0, 0, 65160, 7, true, S(SIMSYN_SENT) },
		{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true,
		    S(SYN_RECEIVED) },
		{ F, SYN | ACK, 1000, 5001, 0, 65535, 7, true,
		    S(SYN_RECEIVED) },
		{ F, ACK, 1001, 5001, 0, 502, NOWS, true, S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, responder);
	RUN(test_ct, initiator);
	RUN(test_ct, simultaneous);
}

/*
 * A closing connection re-opens only for an ISN beyond its sequence
 * space: a blind SYN below it is refused and changes nothing.
 */
static void
test_tcp_reopen_needs_newer_isn(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ F, FIN | ACK, 1001, 5001, 0, 502, NOWS, true, S(FIN_SENT) },
		{ B, FIN | ACK, 5001, 1002, 0, 509, NOWS, true, S(LAST_ACK) },
		{ F, ACK, 1002, 5002, 0, 502, NOWS, true, S(TIME_WAIT) },
		{ F, SYN, 500, 0, 0, 65535, 7, false, S(TIME_WAIT) },
		{ F, SYN, 1002, 0, 0, 65535, 7, false, S(TIME_WAIT) },
		/* The peer's retransmitted FIN still passes. */
		{ B, FIN | ACK, 5001, 1002, 0, 509, NOWS, true, S(TIME_WAIT) },
		{ F, SYN, 1003, 0, 0, 65535, 7, true, S(SYN_SENT) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/*
 * Half-closed connections: only an ACK of the FIN moves them on, and a
 * FIN retransmitted by the side that closed first is no close of the
 * other side (with NPF's table it jumped to LAST_ACK, then TIME_WAIT,
 * while the other side still sent data).
 */
static void
test_tcp_half_close_retransmissions(void **state)
{
	static const struct tcp_step client_first[] = {
		HANDSHAKE,
		{ F, FIN | ACK, 1001, 5001, 0, 502, NOWS, true, S(FIN_SENT) },
		/* Server data acking only up to the FIN: still FIN_SENT. */
		{ B, ACK | PSH, 5001, 1001, 100, 509, NOWS, true,
		    S(FIN_SENT) },
		/* The FIN is retransmitted, then acknowledged. */
		{ F, FIN | ACK, 1001, 5101, 0, 502, NOWS, true, S(FIN_SENT) },
		{ B, ACK, 5101, 1002, 0, 509, NOWS, true, S(FIN_WAIT) },
		/* Retransmitted again (the ACK was lost): no change. */
		{ F, FIN | ACK, 1001, 5101, 0, 502, NOWS, true, S(FIN_WAIT) },
		{ B, ACK | PSH, 5101, 1002, 100, 509, NOWS, true,
		    S(FIN_WAIT) },
		{ B, FIN | ACK, 5201, 1002, 0, 509, NOWS, true, S(LAST_ACK) },
		/* An older ACK of the client: not the last ACK. */
		{ F, ACK, 1002, 5201, 0, 502, NOWS, true, S(LAST_ACK) },
		{ F, ACK, 1002, 5202, 0, 502, NOWS, true, S(TIME_WAIT) },
	};
	static const struct tcp_step server_first[] = {
		HANDSHAKE,
		{ B, FIN | ACK, 5001, 1001, 0, 509, NOWS, true,
		    S(FIN_RECEIVED) },
		/* Client data acking only up to the FIN. */
		{ F, ACK | PSH, 1001, 5001, 50, 502, NOWS, true,
		    S(FIN_RECEIVED) },
		{ F, ACK, 1051, 5002, 0, 502, NOWS, true, S(CLOSE_WAIT) },
		/* The server's FIN again: no change. */
		{ B, FIN | ACK, 5001, 1051, 0, 509, NOWS, true,
		    S(CLOSE_WAIT) },
		{ F, ACK | PSH, 1051, 5002, 50, 502, NOWS, true,
		    S(CLOSE_WAIT) },
		{ F, FIN | ACK, 1101, 5002, 0, 502, NOWS, true, S(LAST_ACK) },
		{ B, ACK, 5002, 1101, 0, 509, NOWS, true, S(LAST_ACK) },
		{ B, ACK, 5002, 1102, 0, 509, NOWS, true, S(TIME_WAIT) },
	};

	(void)state;
	RUN(test_ct, client_first);
	RUN(test_ct, server_first);
}

/* SYN|RST is sent by no stack: invalid, also in window. */
static void
test_tcp_syn_rst_invalid(void **state)
{
	static const struct tcp_step seq[] = {
		HANDSHAKE,
		{ B, SYN | RST, 5001, 0, 0, 0, NOWS, false, S(ESTABLISHED) },
		{ F, SYN | RST | ACK, 1001, 5001, 0, 0, NOWS, false,
		    S(ESTABLISHED) },
		{ F, SYN, 2000, 0, 0, 65535, 7, true, S(ESTABLISHED) },
	};

	(void)state;
	RUN(test_ct, seq);
}

/*
 * Every (state, direction, flag class) cell of the table, with a probe
 * that passes the window checks (next expected sequence number, ACK of
 * everything the peer sent; a FIN without ACK, so that CLOSING is not
 * turned into LAST_ACK): the expected outcome is the table of
 * docs/state.md.  A refused probe leaves the state unchanged to the byte.
 * An in-order RST (RST|ACK of the SYN from the responder in SYN_SENT)
 * closes, but in TIME_WAIT.
 */
#define OK	0xff	/* accepted, state unchanged */
#define IV	0xfe	/* refused */

enum { C_SYN, C_SYNACK, C_ACK, C_FIN, C_RST, C_NCLASS };

static const uint8_t class_flags[C_NCLASS] = {
	[C_SYN] = SYN, [C_SYNACK] = SYN | ACK, [C_ACK] = ACK, [C_FIN] = FIN,
	[C_RST] = RST | ACK,
};

/* docs/state.md: [state][forwards, backwards][class]. */
static const uint8_t expected[NPFCT_TCPS_COUNT][2][C_NCLASS] = {
	[S(CLOSED)] = {
		{ S(SYN_SENT), IV, OK, OK, S(CLOSED) },
		{ IV, IV, OK, OK, S(CLOSED) } },
	[S(SYN_SENT)] = {
		{ OK, IV, IV, IV, S(CLOSED) },
		{ S(SIMSYN_SENT), S(SYN_RECEIVED), IV, IV, S(CLOSED) } },
	[S(SIMSYN_SENT)] = {
		{ OK, S(SYN_RECEIVED), IV, IV, S(CLOSED) },
		{ OK, S(SYN_RECEIVED), IV, S(FIN_RECEIVED), S(CLOSED) } },
	[S(SYN_RECEIVED)] = {
		{ OK, OK, S(ESTABLISHED), S(FIN_SENT), S(CLOSED) },
		{ OK, OK, OK, S(FIN_RECEIVED), S(CLOSED) } },
	[S(ESTABLISHED)] = {
		{ OK, IV, OK, S(FIN_SENT), S(CLOSED) },
		{ IV, OK, OK, S(FIN_RECEIVED), S(CLOSED) } },
	[S(FIN_SENT)] = {
		{ OK, IV, OK, OK, S(CLOSED) },
		{ IV, OK, S(FIN_WAIT), S(CLOSING), S(CLOSED) } },
	[S(FIN_RECEIVED)] = {
		{ OK, IV, S(CLOSE_WAIT), S(CLOSING), S(CLOSED) },
		{ IV, OK, OK, OK, S(CLOSED) } },
	[S(CLOSE_WAIT)] = {
		{ OK, IV, OK, S(LAST_ACK), S(CLOSED) },
		{ IV, OK, OK, OK, S(CLOSED) } },
	[S(FIN_WAIT)] = {
		{ OK, IV, OK, OK, S(CLOSED) },
		{ IV, OK, OK, S(LAST_ACK), S(CLOSED) } },
	[S(CLOSING)] = {
		{ S(SYN_SENT), IV, S(LAST_ACK), OK, S(CLOSED) },
		{ IV, OK, S(LAST_ACK), OK, S(CLOSED) } },
	[S(LAST_ACK)] = {
		{ S(SYN_SENT), IV, S(TIME_WAIT), OK, S(CLOSED) },
		{ IV, OK, S(TIME_WAIT), OK, S(CLOSED) } },
	[S(TIME_WAIT)] = {
		{ S(SYN_SENT), IV, OK, OK, OK },
		{ IV, OK, OK, OK, OK } },
};

/* A way into each state (client ISN 1000, server ISN 5000). */
#define TO_FIN_SENT \
	HANDSHAKE, { F, FIN | ACK, 1001, 5001, 0, 502, NOWS, true, S(FIN_SENT) }
#define TO_FIN_RECEIVED \
	HANDSHAKE, \
	{ B, FIN | ACK, 5001, 1001, 0, 509, NOWS, true, S(FIN_RECEIVED) }

static const struct tcp_step to_closed[] = { HANDSHAKE,
	{ F, RST | ACK, 1001, 5001, 0, 0, NOWS, true, S(CLOSED) } };
static const struct tcp_step to_syn_sent[] = {
	{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) } };
static const struct tcp_step to_simsyn_sent[] = {
	{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
	{ B, SYN, 5000, 0, 0, 65160, 7, true, S(SIMSYN_SENT) } };
static const struct tcp_step to_syn_received[] = {
	{ F, SYN, 1000, 0, 0, 65535, 7, true, S(SYN_SENT) },
	{ B, SYN | ACK, 5000, 1001, 0, 65160, 7, true, S(SYN_RECEIVED) } };
static const struct tcp_step to_established[] = { HANDSHAKE };
static const struct tcp_step to_fin_sent[] = { TO_FIN_SENT };
static const struct tcp_step to_fin_received[] = { TO_FIN_RECEIVED };
static const struct tcp_step to_close_wait[] = { TO_FIN_RECEIVED,
	{ F, ACK, 1001, 5002, 0, 502, NOWS, true, S(CLOSE_WAIT) } };
static const struct tcp_step to_fin_wait[] = { TO_FIN_SENT,
	{ B, ACK, 5001, 1002, 0, 509, NOWS, true, S(FIN_WAIT) } };
static const struct tcp_step to_closing[] = { TO_FIN_SENT,
	{ B, FIN | ACK, 5001, 1001, 0, 509, NOWS, true, S(CLOSING) } };
static const struct tcp_step to_last_ack[] = { TO_FIN_SENT,
	{ B, FIN | ACK, 5001, 1002, 0, 509, NOWS, true, S(LAST_ACK) } };
static const struct tcp_step to_time_wait[] = { TO_FIN_SENT,
	{ B, FIN | ACK, 5001, 1002, 0, 509, NOWS, true, S(LAST_ACK) },
	{ F, ACK, 1002, 5002, 0, 502, NOWS, true, S(TIME_WAIT) } };

static const struct {
	const struct tcp_step	*steps;
	unsigned int		n;
} way_to[NPFCT_TCPS_COUNT] = {
#define WAY(st, a) [S(st)] = { (a), RTE_DIM(a) }
	WAY(CLOSED, to_closed), WAY(SYN_SENT, to_syn_sent),
	WAY(SIMSYN_SENT, to_simsyn_sent), WAY(SYN_RECEIVED, to_syn_received),
	WAY(ESTABLISHED, to_established), WAY(FIN_SENT, to_fin_sent),
	WAY(FIN_RECEIVED, to_fin_received), WAY(CLOSE_WAIT, to_close_wait),
	WAY(FIN_WAIT, to_fin_wait), WAY(CLOSING, to_closing),
	WAY(LAST_ACK, to_last_ack), WAY(TIME_WAIT, to_time_wait),
#undef WAY
};

static void
drive(const struct npfct *ct, struct npfct_state *st, unsigned int target)
{
	struct npfct_pkt pkt;
	unsigned int i;

	for (i = 0; i < way_to[target].n; i++) {
		const struct tcp_step *s = &way_to[target].steps[i];

		step_pkt(&pkt, s);
		if (i == 0)
			assert_true(npfct_state_init(ct, &pkt, st));
		else
			assert_true(npfct_state_inspect(ct, &pkt, st,
			    s->forw == F));
	}
	assert_int_equal(st->nst_state, target);
}

static void
test_tcp_table_every_cell(void **state)
{
	unsigned int target, di, c, bad = 0;

	(void)state;
	for (target = 0; target < NPFCT_TCPS_COUNT; target++) {
		for (di = 0; di < 2; di++) {
			for (c = 0; c < C_NCLASS; c++) {
				const uint8_t want = expected[target][di][c];
				const struct npfct_tcpwin *snd, *rcv;
				struct npfct_state st, before;
				struct tcp_step probe = { 0 };
				struct npfct_pkt pkt;
				bool ok;

				drive(test_ct, &st, target);
				snd = &st.nst_win[di];
				rcv = &st.nst_win[!di];
				probe.flags = class_flags[c];
				probe.seq = snd->nw_end;
				/* A side not heard yet: its own ISN. */
				if (snd->nw_end == 0)
					probe.seq = di == 0 ? 1000 : 5000;
				/*
				 * The initiator's SYN: in SYN_SENT its
				 * retransmission (the ISN), in a closing
				 * state a new connection's (a newer ISN).
				 */
				if (c == C_SYN && di == 0 &&
				    target == S(SYN_SENT))
					probe.seq = 1000;
				if (c == C_SYN && di == 0 &&
				    (target == S(CLOSING) ||
				    target == S(LAST_ACK) ||
				    target == S(TIME_WAIT)))
					probe.seq = snd->nw_end + 100000;
				/* RST|ACK of the SYN in SYN_SENT. */
				probe.ack = rcv->nw_end;
				probe.win = 500;
				probe.wscale = NOWS;
				step_pkt(&pkt, &probe);
				before = st;
				ok = npfct_state_inspect(test_ct, &pkt, &st,
				    di == 0);
				if (want == IV ? ok || memcmp(&st, &before,
				    sizeof(st)) != 0 : !ok ||
				    st.nst_state != (want == OK ? target :
				    want)) {
					print_error("%s %s %s: ok %d, state %s"
					    "\n", npfct_state_tcp_name(target),
					    di == 0 ? "forwards" : "backwards",
					    (const char *[]){ "SYN", "SYN-ACK",
					    "ACK", "FIN", "RST" }[c], ok,
					    npfct_state_tcp_name(st.nst_state));
					bad++;
				}
			}
		}
	}
	assert_int_equal(bad, 0);
}

#undef OK
#undef IV

/* Mid-stream pickup with NPFCT_F_TCP_LOOSE. */
static void
test_tcp_loose_pickup(void **state)
{
	static const struct tcp_step seq[] = {
		{ F, ACK | PSH, 77000, 99000, 100, 502, NOWS, true,
		    S(ESTABLISHED) },
		{ B, ACK, 99000, 77100, 1000, 509, NOWS, true, S(ESTABLISHED) },
		{ F, FIN | ACK, 77100, 100000, 0, 502, NOWS, true,
		    S(FIN_SENT) },
	};
	struct npfct_params p = {
		.name = "loose", .socket_id = SOCKET_ID_ANY,
		.max_conns = 16, .flags = NPFCT_F_TCP_LOOSE,
	};
	struct npfct *ct = npfct_create(&p);
	struct tcp_step rst = { F, RST, 1, 0, 0, 0, NOWS, false, 0 };
	struct npfct_state st;
	struct npfct_pkt pkt;

	(void)state;
	assert_non_null(ct);
	RUN(ct, seq);
	/* Never from a RST. */
	step_pkt(&pkt, &rst);
	assert_false(npfct_state_init(ct, &pkt, &st));
	npfct_destroy(ct);
}

/*
 * Timeouts per group, through connections and the G/C with the driven
 * clock.
 */

#define CLI	"10.0.0.1"
#define SRV	"192.0.2.80"

static struct npfct_conn *
tcp_send(bool forw, uint8_t flags, uint32_t seq, uint32_t ack, uint8_t *v)
{
	struct test_pkt_spec spec = {
		.af = AF_INET, .proto = IPPROTO_TCP,
		.src = forw ? CLI : SRV, .dst = forw ? SRV : CLI,
		.sport = forw ? 40000 : 80, .dport = forw ? 80 : 40000,
		.tcp_flags = flags, .seq = seq, .ack = ack, .win = 65535,
		.wscale = NOWS,
	};
	struct rte_mbuf *m = test_pkt_build(&spec);
	struct npfct_conn *con;
	struct npfct_pkt pkt;

	npfct_pkt_parse(&pkt, m);
	con = npfct_conn_inspect(test_ct, &pkt, forw ? NPFCT_DIR_OUT :
	    NPFCT_DIR_IN, v);
	if (con == NULL && forw && flags == SYN) {
		con = npfct_conn_establish(test_ct, &pkt, NPFCT_DIR_OUT,
		    false);
		if (con != NULL)
			npfct_conn_release(con);
	}
	rte_pktmbuf_free(m);
	return con;
}

/* Drive a connection to a state; return it. */
static struct npfct_conn *
tcp_to_state(uint8_t target)
{
	struct npfct_conn *con;

	con = tcp_send(true, SYN, 1000, 0, NULL);
	assert_non_null(con);
	if (target == S(SYN_SENT))
		return con;
	assert_non_null(tcp_send(false, SYN | ACK, 5000, 1001, NULL));
	assert_non_null(tcp_send(true, ACK, 1001, 5001, NULL));
	if (target == S(ESTABLISHED))
		return con;
	assert_non_null(tcp_send(true, FIN | ACK, 1001, 5001, NULL));
	if (target == S(FIN_SENT))
		return con;
	assert_non_null(tcp_send(false, FIN | ACK, 5001, 1002, NULL));
	if (target == S(LAST_ACK))
		return con;
	assert_non_null(tcp_send(true, ACK, 1002, 5002, NULL));
	return con;
}

static void
expect_expiry(uint8_t target, uint32_t seconds)
{
	struct npfct_conn *con = tcp_to_state(target);

	assert_string_equal(npfct_conn_state_name(con),
	    npfct_state_tcp_name(target));
	assert_int_equal(npfct_conn_etime(test_ct, con), seconds);
	test_ct_advance(test_ct, seconds);
	assert_int_equal(npfct_gc_sync(test_ct), 0);
	test_ct_advance(test_ct, 1);
	assert_int_equal(npfct_gc_sync(test_ct), 1);
	assert_int_equal(npfct_count(test_ct), 0);
}

static void
test_tcp_timeouts(void **state)
{
	(void)state;
	expect_expiry(S(SYN_SENT), 30);
	expect_expiry(S(ESTABLISHED), 86400);
	expect_expiry(S(FIN_SENT), 21600);
	expect_expiry(S(LAST_ACK), 10);
	expect_expiry(S(TIME_WAIT), 240);
	/* Run-time change. */
	assert_int_equal(npfct_timeout_set(test_ct,
	    NPFCT_TIMEOUT_TCP_ESTABLISHED, 100), 0);
	expect_expiry(S(ESTABLISHED), 100);
}

/* An invalid packet neither passes nor keeps the connection alive. */
static void
test_tcp_invalid_not_refreshing(void **state)
{
	struct npfct_conn *con = tcp_to_state(S(ESTABLISHED));
	uint8_t v;

	(void)state;
	assert_non_null(con);
	test_ct_advance(test_ct, 86000);
	assert_null(tcp_send(false, ACK, 5001 + 10000000, 1001, &v));
	assert_int_equal(v, NPFCT_V_INVALID);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_INVALID_STATE), 1);
	test_ct_advance(test_ct, 401);
	assert_int_equal(npfct_gc_sync(test_ct), 1);
}

/* The ICMP error ALG relates an error to the flow it quotes. */
static void
test_icmp_error_related(void **state)
{
	struct test_pkt_spec quoted = {
		.af = AF_INET, .proto = IPPROTO_TCP, .src = CLI, .dst = SRV,
		.sport = 40000, .dport = 80, .tcp_flags = ACK, .seq = 1001,
		.wscale = NOWS,
	};
	struct test_pkt_spec err = {
		.af = AF_INET, .proto = IPPROTO_ICMP, .src = "198.51.100.1",
		.dst = CLI, .icmp_type = 3, .icmp_code = 4, .inner = &quoted,
		.wscale = NOWS,
	};
	struct test_pkt_spec other = quoted;
	struct npfct_conn *con = tcp_to_state(S(ESTABLISHED));
	struct rte_mbuf *m;
	uint8_t v;

	(void)state;
	m = test_pkt_build(&err);
	assert_ptr_equal(test_ct_inspect(test_ct, m, NPFCT_DIR_IN, &v), con);
	assert_int_equal(v, NPFCT_V_RELATED);
	/* The wrong direction is not related. */
	assert_null(test_ct_inspect(test_ct, m, NPFCT_DIR_OUT, &v));
	rte_pktmbuf_free(m);

	/* An error quoting an unknown flow is not related. */
	other.dport = 81;
	err.inner = &other;
	m = test_pkt_build(&err);
	assert_null(test_ct_inspect(test_ct, m, NPFCT_DIR_IN, &v));
	assert_int_equal(v, NPFCT_V_NOT_TRACKABLE);
	rte_pktmbuf_free(m);
	assert_int_equal(test_ct_stat(test_ct, NPFCT_STAT_ALG_HIT), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tcp_invalid_flags),
		T(test_tcp_rst_out_of_window),
		T(test_tcp_rst_loose),
		T(test_tcp_ack_beyond_data),
		T(test_tcp_establish_needs_syn),
		T(test_tcp_handshake_data_close),
		T(test_tcp_out_of_order_and_retransmit),
		T(test_tcp_window_scaling),
		T(test_tcp_close_from_server),
		T(test_tcp_close_simultaneous),
		T(test_tcp_half_close),
		T(test_tcp_rst_close),
		T(test_tcp_syn_retransmit),
		T(test_tcp_simultaneous_open),
		T(test_tcp_time_wait_reopen),
		T(test_tcp_last_ack_reopen),
		T(test_tcp_loose_pickup),
		T(test_tcp_blind_rst_syn_sent),
		T(test_tcp_refused_synack_no_poison),
		T(test_tcp_duplicate_synack_established),
		T(test_tcp_syn_rst_invalid),
		T(test_tcp_blind_syn_setup),
		T(test_tcp_reopen_needs_newer_isn),
		T(test_tcp_half_close_retransmissions),
		T(test_tcp_table_every_cell),
		T(test_tcp_timeouts),
		T(test_tcp_invalid_not_refreshing),
		T(test_icmp_error_related),
	};

	return cmocka_run_group_tests_name("state_tcp", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
