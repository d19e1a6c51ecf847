/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct TCP state tracking: the state machine and sequence/window checks
 * (NPF's npf_state_tcp.c design).
 *
 * Overview
 *
 *	Each packet moves the connection through the TCP states according
 *	to its direction (forwards: the initiator's stream) and its flag
 *	class: SYN, SYN-ACK, ACK, FIN (with or without ACK).  RST closes the
 *	connection, except in TIME_WAIT where it is ignored (RFC 1337).  The
 *	next state is computed first; then the packet must pass the window
 *	checks, otherwise it is invalid and the state is left unchanged.
 *
 *	A flag combination that no TCP stack sends (no flags, SYN|FIN, ...)
 *	is invalid in every state.  A transition that the table does not
 *	list closes the connection, as in NPF.  A pure SYN of the initiator
 *	in CLOSED, SYN_SENT, CLOSING, LAST_ACK or TIME_WAIT starts the
 *	connection again with fresh window data (re-open, RFC 1122
 *	4.2.2.13): a new ISN is not within the old window.
 *
 *	Two refinements of NPF's table, so that a real stack's close ends
 *	in TIME_WAIT: a FIN|ACK that acknowledges the peer's FIN goes to
 *	LAST_ACK (CLOSING is for FINs that cross), and a retransmitted ACK
 *	or FIN in CLOSING, LAST_ACK or TIME_WAIT changes nothing.
 *
 *	Window checks after G. van Rooij, "Real Stateful TCP Packet
 *	Filtering in IP Filter" (USENIX Security 2001).  For each side:
 *	end (highest seq + len sent), maxend (highest ack + window seen from
 *	the peer: what the side may send up to), maxwin (largest window the
 *	side advertised).  A packet from the sender side with sequence seq,
 *	end = seq + len (+1 for SYN, +1 for FIN), passes if:
 *
 *	  I   end <= sender.maxend          (data within the receiver's window)
 *	  II  seq >= sender.end - receiver.maxwin  (not below the window)
 *	  III ack - receiver.end <= max_ack_win    (not acking unsent data)
 *	  IV  receiver.end - ack <= max_ack_win << sender scale (not too old)
 *
 *	Window scaling (RFC 7323) applies only when both SYNs carried the
 *	option; windows in SYN segments are never scaled.  MSS and
 *	SACK-permitted are parsed but not trusted for any decision.
 *
 * Synchronisation
 *
 *	The caller holds the connection's c_lock (npfct_conn_state_inspect()
 *	takes it for TCP).
 */

#include <string.h>

#include "npfct_impl.h"

/* Flag classes. */
enum {
	TCPFC_INVALID = 0,
	TCPFC_SYN,
	TCPFC_SYNACK,
	TCPFC_ACK,
	TCPFC_FIN,
	TCPFC_COUNT
};

/* "No change" in the transition table. */
#define TCPS_OK		0xff

/* Window data not usable (mid-stream pickup): track, do not check. */
#define TCPF_LOOSE	0x01

#define SEQ_LT(a, b)	((int32_t)((a) - (b)) < 0)
#define SEQ_GT(a, b)	((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((a) - (b)) >= 0)

static const char *const tcp_state_names[NPFCT_TCPS_COUNT] = {
	[NPFCT_TCPS_CLOSED] = "closed",
	[NPFCT_TCPS_SYN_SENT] = "syn-sent",
	[NPFCT_TCPS_SIMSYN_SENT] = "simsyn-sent",
	[NPFCT_TCPS_SYN_RECEIVED] = "syn-received",
	[NPFCT_TCPS_ESTABLISHED] = "established",
	[NPFCT_TCPS_FIN_SENT] = "fin-sent",
	[NPFCT_TCPS_FIN_RECEIVED] = "fin-received",
	[NPFCT_TCPS_CLOSE_WAIT] = "close-wait",
	[NPFCT_TCPS_FIN_WAIT] = "fin-wait",
	[NPFCT_TCPS_CLOSING] = "closing",
	[NPFCT_TCPS_LAST_ACK] = "last-ack",
	[NPFCT_TCPS_TIME_WAIT] = "time-wait",
};

static const uint8_t tcp_state_timeout[NPFCT_TCPS_COUNT] = {
	[NPFCT_TCPS_CLOSED] = NPFCT_TIMEOUT_TCP_CLOSE,
	[NPFCT_TCPS_SYN_SENT] = NPFCT_TIMEOUT_TCP_NEW,
	[NPFCT_TCPS_SIMSYN_SENT] = NPFCT_TIMEOUT_TCP_NEW,
	[NPFCT_TCPS_SYN_RECEIVED] = NPFCT_TIMEOUT_TCP_NEW,
	[NPFCT_TCPS_ESTABLISHED] = NPFCT_TIMEOUT_TCP_ESTABLISHED,
	[NPFCT_TCPS_FIN_SENT] = NPFCT_TIMEOUT_TCP_HALF_CLOSE,
	[NPFCT_TCPS_FIN_RECEIVED] = NPFCT_TIMEOUT_TCP_HALF_CLOSE,
	[NPFCT_TCPS_CLOSE_WAIT] = NPFCT_TIMEOUT_TCP_HALF_CLOSE,
	[NPFCT_TCPS_FIN_WAIT] = NPFCT_TIMEOUT_TCP_HALF_CLOSE,
	[NPFCT_TCPS_CLOSING] = NPFCT_TIMEOUT_TCP_CLOSE,
	[NPFCT_TCPS_LAST_ACK] = NPFCT_TIMEOUT_TCP_CLOSE,
	[NPFCT_TCPS_TIME_WAIT] = NPFCT_TIMEOUT_TCP_TIME_WAIT,
};

/*
 * The transition table: [state][direction][flag class] -> next state.
 * Entries not listed are 0, NPFCT_TCPS_CLOSED; the INVALID column is
 * never consulted.
 */
#define F	0	/* forwards */
#define B	1	/* backwards */

static const uint8_t tcp_fsm[NPFCT_TCPS_COUNT][2][TCPFC_COUNT] = {
	[NPFCT_TCPS_CLOSED] = {
		[F] = {
			/* Handshake (1): initial SYN. */
			[TCPFC_SYN] = NPFCT_TCPS_SYN_SENT,
		},
	},
	[NPFCT_TCPS_SYN_SENT] = {
		[F] = {
			/* SYN may be retransmitted. */
			[TCPFC_SYN] = TCPS_OK,
		},
		[B] = {
			/* Handshake (2): SYN-ACK is expected. */
			[TCPFC_SYNACK] = NPFCT_TCPS_SYN_RECEIVED,
			/* Simultaneous open (RFC 793 figure 8). */
			[TCPFC_SYN] = NPFCT_TCPS_SIMSYN_SENT,
		},
	},
	[NPFCT_TCPS_SIMSYN_SENT] = {
		[F] = {
			[TCPFC_SYN] = TCPS_OK,
			[TCPFC_SYNACK] = NPFCT_TCPS_SYN_RECEIVED,
		},
		[B] = {
			[TCPFC_SYN] = TCPS_OK,
			[TCPFC_SYNACK] = NPFCT_TCPS_SYN_RECEIVED,
			[TCPFC_FIN] = NPFCT_TCPS_FIN_RECEIVED,
		},
	},
	[NPFCT_TCPS_SYN_RECEIVED] = {
		[F] = {
			/* Handshake (3): ACK is expected. */
			[TCPFC_ACK] = NPFCT_TCPS_ESTABLISHED,
			/* FIN may come early. */
			[TCPFC_FIN] = NPFCT_TCPS_FIN_SENT,
			/* SYN retransmission. */
			[TCPFC_SYN] = TCPS_OK,
		},
		[B] = {
			/* SYN-ACK may be retransmitted. */
			[TCPFC_SYNACK] = TCPS_OK,
			/* XXX: ACK of late SYN in simultaneous case? */
			[TCPFC_ACK] = TCPS_OK,
			/* FIN may come early. */
			[TCPFC_FIN] = NPFCT_TCPS_FIN_RECEIVED,
		},
	},
	[NPFCT_TCPS_ESTABLISHED] = {
		/* Regular ACKs (data exchange) or FIN (may carry ACK). */
		[F] = {
			[TCPFC_ACK] = TCPS_OK,
			[TCPFC_FIN] = NPFCT_TCPS_FIN_SENT,
		},
		[B] = {
			[TCPFC_ACK] = TCPS_OK,
			[TCPFC_FIN] = NPFCT_TCPS_FIN_RECEIVED,
		},
	},
	[NPFCT_TCPS_FIN_SENT] = {
		[F] = {
			/* FIN may be retransmitted; data may still come. */
			[TCPFC_ACK] = TCPS_OK,
			[TCPFC_FIN] = TCPS_OK,
		},
		[B] = {
			/* The peer acknowledged the FIN, or closes too. */
			[TCPFC_ACK] = NPFCT_TCPS_FIN_WAIT,
			[TCPFC_FIN] = NPFCT_TCPS_CLOSING,
		},
	},
	[NPFCT_TCPS_FIN_RECEIVED] = {
		[F] = {
			[TCPFC_ACK] = NPFCT_TCPS_CLOSE_WAIT,
			[TCPFC_FIN] = NPFCT_TCPS_CLOSING,
		},
		[B] = {
			[TCPFC_ACK] = TCPS_OK,
			[TCPFC_FIN] = TCPS_OK,
		},
	},
	[NPFCT_TCPS_CLOSE_WAIT] = {
		/* Sender of the first FIN is waiting for the other's FIN. */
		[F] = {
			[TCPFC_ACK] = TCPS_OK,
			[TCPFC_FIN] = NPFCT_TCPS_LAST_ACK,
		},
		[B] = {
			[TCPFC_ACK] = TCPS_OK,
			[TCPFC_FIN] = NPFCT_TCPS_LAST_ACK,
		},
	},
	[NPFCT_TCPS_FIN_WAIT] = {
		[F] = {
			[TCPFC_ACK] = TCPS_OK,
			[TCPFC_FIN] = NPFCT_TCPS_LAST_ACK,
		},
		[B] = {
			[TCPFC_ACK] = TCPS_OK,
			[TCPFC_FIN] = NPFCT_TCPS_LAST_ACK,
		},
	},
	[NPFCT_TCPS_CLOSING] = {
		/* Both sides sent FIN: the last ACK is awaited. */
		[F] = {
			[TCPFC_ACK] = NPFCT_TCPS_LAST_ACK,
			/* FIN retransmission. */
			[TCPFC_FIN] = TCPS_OK,
			/* A new connection on the same ports. */
			[TCPFC_SYN] = NPFCT_TCPS_SYN_SENT,
		},
		[B] = {
			[TCPFC_ACK] = NPFCT_TCPS_LAST_ACK,
			[TCPFC_FIN] = TCPS_OK,
		},
	},
	[NPFCT_TCPS_LAST_ACK] = {
		[F] = {
			[TCPFC_ACK] = NPFCT_TCPS_TIME_WAIT,
			[TCPFC_FIN] = TCPS_OK,
			[TCPFC_SYN] = NPFCT_TCPS_SYN_SENT,
		},
		[B] = {
			[TCPFC_ACK] = NPFCT_TCPS_TIME_WAIT,
			[TCPFC_FIN] = TCPS_OK,
		},
	},
	[NPFCT_TCPS_TIME_WAIT] = {
		/*
		 * The last ACK or a FIN may be retransmitted (the peer did
		 * not get the last ACK): stay.  A new SYN re-opens the
		 * connection (RFC 1122).
		 */
		[F] = {
			[TCPFC_SYN] = NPFCT_TCPS_SYN_SENT,
			[TCPFC_ACK] = TCPS_OK,
			[TCPFC_FIN] = TCPS_OK,
		},
		[B] = {
			[TCPFC_ACK] = TCPS_OK,
			[TCPFC_FIN] = TCPS_OK,
		},
	},
};

#undef F
#undef B

/*
 * tcp_flag_class: the class of a flag combination (ignoring RST, PSH,
 * URG, ECE, CWR).  FIN and FIN|ACK are one class.
 */
static inline unsigned int
tcp_flag_class(uint8_t tcpfl)
{
	switch (tcpfl & (NPFCT_TH_SYN | NPFCT_TH_ACK | NPFCT_TH_FIN)) {
	case NPFCT_TH_SYN:
		return TCPFC_SYN;
	case NPFCT_TH_SYN | NPFCT_TH_ACK:
		return TCPFC_SYNACK;
	case NPFCT_TH_ACK:
		return TCPFC_ACK;
	case NPFCT_TH_FIN:
	case NPFCT_TH_FIN | NPFCT_TH_ACK:
		return TCPFC_FIN;
	default:
		/* No flags, SYN|FIN, SYN|FIN|ACK. */
		return TCPFC_INVALID;
	}
}

/* The window scale of side di: only if both SYNs carried the option. */
static inline unsigned int
tcp_scale(const struct npfct_state *st, unsigned int di)
{
	if (st->nst_wscale[0] == NPFCT_TCP_WSCALE_NONE ||
	    st->nst_wscale[1] == NPFCT_TCP_WSCALE_NONE)
		return 0;
	return st->nst_wscale[di];
}

/*
 * tcp_inwindow: check the packet against the window data of both sides
 * and, if it passes, record it.
 *
 * => di: 0 for the forwards stream, 1 for the backwards one.
 * => Returns false if the packet is out of window.
 */
static bool
tcp_inwindow(const struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_state *st, unsigned int di)
{
	struct npfct_tcpwin *fs = &st->nst_win[di], *ts = &st->nst_win[!di];
	const uint8_t tcpfl = pkt->tcp.flags;
	uint32_t seq = pkt->tcp.seq, ack = pkt->tcp.ack, end, win;
	int64_t ackskew, max_ack_win;

	end = seq + pkt->tcp.datalen;
	if (tcpfl & NPFCT_TH_SYN)
		end++;
	if (tcpfl & NPFCT_TH_FIN)
		end++;
	/* The window field of a SYN is never scaled (RFC 7323 2.2). */
	win = pkt->tcp.win;
	if ((tcpfl & NPFCT_TH_SYN) == 0)
		win <<= tcp_scale(st, di);
	if (win == 0)
		win = 1;

	if (unlikely(fs->nw_maxwin == 0)) {
		/*
		 * The initiator's first packet (a SYN, or a re-open).  The
		 * other side is set up by its first packet.
		 */
		fs->nw_end = end;
		fs->nw_maxend = end;
		fs->nw_maxwin = win;
		ts->nw_end = 0;
		ts->nw_maxend = 0;
		ts->nw_maxwin = 1;
		st->nst_wscale[di] = (tcpfl & NPFCT_TH_SYN) ?
		    pkt->tcp.wscale : NPFCT_TCP_WSCALE_NONE;
		st->nst_wscale[!di] = NPFCT_TCP_WSCALE_NONE;
		return true;
	}
	if (fs->nw_end == 0) {
		/*
		 * The responder's first packet: normally the SYN-ACK.  Its
		 * window scale counts only on a SYN.
		 */
		fs->nw_end = end;
		fs->nw_maxend = end + 1;
		fs->nw_maxwin = win;
		st->nst_wscale[di] = (tcpfl & NPFCT_TH_SYN) ?
		    pkt->tcp.wscale : NPFCT_TCP_WSCALE_NONE;
	}

	if ((tcpfl & NPFCT_TH_ACK) == 0) {
		/* Pretend that an ACK was sent. */
		ack = ts->nw_end;
	} else if ((tcpfl & NPFCT_TH_RST) && ack == 0) {
		/* Some stacks send RST|ACK with ack 0. */
		ack = ts->nw_end;
	}

	if (unlikely(tcpfl & NPFCT_TH_RST)) {
		if (seq == 0 && st->nst_state == NPFCT_TCPS_SYN_SENT) {
			/* RST of a refused SYN may carry seq 0. */
			seq = fs->nw_end;
			end = seq;
		}
		/* Strictly in-order RST only (RFC 5961 3.2). */
		if ((ct->ct_flags & NPFCT_F_TCP_RST_LOOSE) == 0 &&
		    fs->nw_end - seq > 1)
			return false;
	}

	if (unlikely(st->nst_flags & TCPF_LOOSE))
		goto update;

	/* I: the data end is within the window the receiver offered. */
	if (SEQ_GT(end, fs->nw_maxend))
		return false;
	/* II: the data start is no more than one window back. */
	if (SEQ_LT(seq, fs->nw_end - ts->nw_maxwin))
		return false;
	/*
	 * III, IV: the ACK is within one window of the receiver's data:
	 * not beyond what it sent, not too far back.
	 */
	max_ack_win = ct->ct_tcp_max_ack_win;
	ackskew = (int32_t)(ts->nw_end - ack);
	if (ackskew < -max_ack_win ||
	    ackskew > (max_ack_win << tcp_scale(st, di)))
		return false;
update:
	/*
	 * The packet passed.  A negative skew may come from segments we
	 * did not see (or of unknown length): move the receiver's end.
	 */
	ackskew = (int32_t)(ts->nw_end - ack);
	if (ackskew < 0)
		ts->nw_end = ack;
	if (fs->nw_maxwin < win)
		fs->nw_maxwin = win;
	if (SEQ_GT(end, fs->nw_end))
		fs->nw_end = end;
	/* The upper boundary of what the receiver may send. */
	if (SEQ_GEQ(ack + win, ts->nw_maxend))
		ts->nw_maxend = ack + win;
	return true;
}

/* A pure SYN of the initiator in a state where it starts over. */
static inline bool
tcp_reopen_p(uint8_t state, unsigned int di, unsigned int fc, uint8_t tcpfl)
{
	return di == 0 && fc == TCPFC_SYN && (tcpfl & NPFCT_TH_RST) == 0 &&
	    (state == NPFCT_TCPS_CLOSED || state == NPFCT_TCPS_SYN_SENT ||
	    state == NPFCT_TCPS_CLOSING || state == NPFCT_TCPS_LAST_ACK ||
	    state == NPFCT_TCPS_TIME_WAIT);
}

/*
 * npfct_state_tcp_inspect: run the state machine and the window checks.
 *
 * => Returns false if the packet is invalid; the state is unchanged.
 */
bool
npfct_state_tcp_inspect(const struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_state *st, bool forw)
{
	const unsigned int di = forw ? 0 : 1;
	const uint8_t tcpfl = pkt->tcp.flags;
	const uint8_t state = st->nst_state;
	const unsigned int fc = tcp_flag_class(tcpfl);
	struct npfct_state saved;
	uint8_t nstate;

	RTE_ASSERT(state < NPFCT_TCPS_COUNT);
	if (likely((tcpfl & NPFCT_TH_RST) == 0)) {
		if (unlikely(fc == TCPFC_INVALID))
			return false;
		nstate = tcp_fsm[state][di][fc];
	} else if (state == NPFCT_TCPS_TIME_WAIT) {
		/* Prevent TIME-WAIT assassination (RFC 1337). */
		nstate = TCPS_OK;
	} else {
		nstate = NPFCT_TCPS_CLOSED;
	}
	/*
	 * A FIN that acknowledges the peer's FIN (the usual FIN|ACK answer
	 * to a FIN) leaves only the last ACK: LAST_ACK, not CLOSING, which
	 * is for FINs that cross.
	 */
	if (nstate == NPFCT_TCPS_CLOSING && (tcpfl & NPFCT_TH_ACK) &&
	    SEQ_GEQ(pkt->tcp.ack, st->nst_win[!di].nw_end))
		nstate = NPFCT_TCPS_LAST_ACK;

	if (unlikely(tcp_reopen_p(state, di, fc, tcpfl))) {
		/* Start over: the new ISN is not within the old window. */
		saved = *st;
		memset(st->nst_win, 0, sizeof(st->nst_win));
		st->nst_flags = 0;
		if (!tcp_inwindow(ct, pkt, st, di)) {
			*st = saved;
			return false;
		}
	} else if (!tcp_inwindow(ct, pkt, st, di)) {
		/* The packet does not belong to this connection. */
		return false;
	}
	if (nstate != TCPS_OK)
		__atomic_store_n(&st->nst_state, nstate, __ATOMIC_RELAXED);
	return true;
}

/*
 * npfct_state_tcp_init: start TCP tracking with the first packet.
 *
 * => A SYN opens; other packets only with NPFCT_F_TCP_LOOSE (mid-stream
 *    pickup: ESTABLISHED, window data tracked but not checked); never a
 *    RST or an invalid flag combination.
 */
bool
npfct_state_tcp_init(const struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_state *st)
{
	const uint8_t tcpfl = pkt->tcp.flags;
	const unsigned int fc = tcp_flag_class(tcpfl);

	st->nst_state = NPFCT_TCPS_CLOSED;
	if (fc == TCPFC_SYN && (tcpfl & NPFCT_TH_RST) == 0)
		return npfct_state_tcp_inspect(ct, pkt, st, true);
	if ((ct->ct_flags & NPFCT_F_TCP_LOOSE) == 0 || fc == TCPFC_INVALID ||
	    (tcpfl & NPFCT_TH_RST))
		return false;
	st->nst_flags = TCPF_LOOSE;
	if (!tcp_inwindow(ct, pkt, st, 0))
		return false;
	st->nst_state = fc == TCPFC_FIN ? NPFCT_TCPS_FIN_SENT :
	    NPFCT_TCPS_ESTABLISHED;
	return true;
}

uint8_t
npfct_state_tcp_timeout(uint8_t state)
{
	RTE_ASSERT(state < NPFCT_TCPS_COUNT);
	return tcp_state_timeout[state];
}

const char *
npfct_state_tcp_name(uint8_t state)
{
	return state < NPFCT_TCPS_COUNT ? tcp_state_names[state] : "?";
}
