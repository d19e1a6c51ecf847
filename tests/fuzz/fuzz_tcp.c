/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * libFuzzer target: the TCP state machine and window checks
 * (src/state_tcp.c), one connection at a time.
 *
 * Input: a mode byte (bit 0: NPFCT_F_TCP_LOOSE, bit 1:
 * NPFCT_F_TCP_RST_LOOSE), then steps of 10 bytes, each a packet of the
 * connection:
 *
 *	0     direction (bit 0: backwards)
 *	1     TCP flags (raw: FIN SYN RST PSH ACK URG ...)
 *	2-3   sequence number, relative to what its sender sent so far
 *	      (signed; the sender's ISN 1000 or 5000 before its first)
 *	4-5   acknowledgement, relative to what the receiver sent
 *	6-7   window
 *	8     window scale option (low nibble; 15: none), as parsed: <= 14
 *	9     payload length, in 16-byte units
 *
 * Relative numbers let mutations explore accepted packets, not only
 * ones far outside the window.  For every step:
 *
 *	- a refused packet leaves the state unchanged, byte for byte (the
 *	  first packet, if refused, makes no connection);
 *	- the state stays valid: a TCP state, window scales <= 14 or none,
 *	  the loose flag only with NPFCT_F_TCP_LOOSE;
 *	- in SYN_SENT, the responder's RST is accepted only with an ACK of
 *	  the SYN;
 *	- an accepted RST leaves CLOSED, or TIME_WAIT unchanged.
 */

#include <string.h>

#include "npfct_impl.h"
#include "fuzz_common.h"

#define STEP_LEN	10

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct npfct *cts[4];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const names[4] = { "t0", "t1", "t2", "t3" };
	unsigned int i;

	(void)argc;
	(void)argv;
	fuzz_eal_init();
	for (i = 0; i < 4; i++)
		cts[i] = fuzz_instance(names[i], 16,
		    ((i & 1) ? NPFCT_F_TCP_LOOSE : 0) |
		    ((i & 2) ? NPFCT_F_TCP_RST_LOOSE : 0));
	return 0;
}

static void
step_pkt(struct fuzz_in *in, const struct npfct_state *st, bool first,
		struct npfct_pkt *pkt, bool *forw)
{
	const uint8_t dir = fuzz_u8(in);
	const uint8_t flags = fuzz_u8(in);
	const int16_t dseq = (int16_t)fuzz_u16(in);
	const int16_t dack = (int16_t)fuzz_u16(in);
	const uint16_t win = fuzz_u16(in);
	const uint8_t ws = fuzz_u8(in) & 0x0f;
	const uint8_t len = fuzz_u8(in);
	unsigned int di;
	uint32_t snd, rcv;

	*forw = first || (dir & 1) == 0;
	di = *forw ? 0 : 1;
	snd = first || st->nst_win[di].nw_end == 0 ?
	    (di == 0 ? 1000 : 5000) : st->nst_win[di].nw_end;
	rcv = first ? 0 : st->nst_win[!di].nw_end;
	memset(pkt, 0, sizeof(*pkt));
	pkt->status = NPFCT_PARSE_OK;
	pkt->flags = NPFCT_PKT_IP4 | NPFCT_PKT_L4 | NPFCT_PKT_TCP;
	pkt->proto = IPPROTO_TCP;
	pkt->alen = 4;
	pkt->tcp.flags = flags;
	pkt->tcp.seq = snd + (uint32_t)(int32_t)dseq;
	pkt->tcp.ack = rcv + (uint32_t)(int32_t)dack;
	pkt->tcp.win = win;
	pkt->tcp.hlen = 20;
	pkt->tcp.datalen = (uint16_t)(len * 16u);
	pkt->tcp.wscale = ws == 15 ? NPFCT_TCP_WSCALE_NONE : RTE_MIN(ws, 14);
}

static void
check_valid(const struct npfct_state *st, bool loose)
{
	unsigned int i;

	FUZZ_CHECK(st->nst_state < NPFCT_TCPS_COUNT);
	for (i = 0; i < 2; i++)
		FUZZ_CHECK(st->nst_wscale[i] <= 14 ||
		    st->nst_wscale[i] == NPFCT_TCP_WSCALE_NONE);
	FUZZ_CHECK((st->nst_flags & ~1u) == 0);
	if (!loose)
		FUZZ_CHECK(st->nst_flags == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	const uint8_t mode = fuzz_u8(&in) & 3;
	const struct npfct *ct = cts[mode];
	const bool loose = (mode & 1) != 0;
	struct npfct_state st, before;
	struct npfct_pkt pkt;
	bool first = true, forw, ok;

	while (in.n >= STEP_LEN) {
		step_pkt(&in, &st, first, &pkt, &forw);
		if (first) {
			if (!npfct_state_init(ct, &pkt, &st))
				return 0;	/* no connection */
			first = false;
			check_valid(&st, loose);
			continue;
		}
		before = st;
		ok = npfct_state_inspect(ct, &pkt, &st, forw);
		if (!ok) {
			FUZZ_CHECK(memcmp(&st, &before, sizeof(st)) == 0);
			continue;
		}
		check_valid(&st, loose);
		if (pkt.tcp.flags & NPFCT_TH_RST) {
			if (before.nst_state == NPFCT_TCPS_SYN_SENT && !forw)
				FUZZ_CHECK((pkt.tcp.flags & NPFCT_TH_ACK) &&
				    pkt.tcp.ack == before.nst_win[0].nw_end);
			FUZZ_CHECK(st.nst_state == NPFCT_TCPS_CLOSED ||
			    (before.nst_state == NPFCT_TCPS_TIME_WAIT &&
			    st.nst_state == NPFCT_TCPS_TIME_WAIT));
		}
	}
	return 0;
}
