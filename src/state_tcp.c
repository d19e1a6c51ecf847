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
 *	class: SYN, SYN-ACK, ACK, FIN (with or without ACK).  The next state
 *	is computed first; then the packet must pass the window checks,
 *	otherwise it is invalid.  A refused packet leaves the state as it
 *	was, byte for byte: the checks work on copies (tcp_inwindow()).
 *
 *	The table gives every (state, direction, flag class) cell a next
 *	state, "no change" or "invalid" (docs/state.md draws it).  Unlike
 *	NPF, whose unlisted cells close the connection, a flag class a side
 *	cannot send in a state is refused, and a retransmitted SYN or
 *	SYN-ACK never demotes a connection: a duplicate SYN-ACK of an
 *	ESTABLISHED one used to leave it CLOSED with a 10 s timeout while
 *	data still flowed.  A flag combination that no TCP stack sends (no
 *	flags, SYN|FIN, SYN|RST, ...) is invalid in every state.  A pure SYN
 *	of the initiator in CLOSED, or in CLOSING, LAST_ACK or TIME_WAIT
 *	with an ISN beyond the old sequence space, starts the connection
 *	again with fresh window data (re-open, RFC 1122 4.2.2.13): a new ISN
 *	is not within the old window.  In SYN_SENT a SYN is a retransmission,
 *	checked against the window: only the same ISN passes.
 *
 *	Blind senders, who know the ports but not the sequence numbers, can
 *	forge packets without an ACK (SYN, RST) but no ACK of an ISN they
 *	did not see.  So nothing they can forge resets window data that
 *	real packets are checked against: no re-open from SYN_SENT, none
 *	from a closing state with an older ISN, and the responder's side
 *	set up by a bare SYN (simultaneous open) is replaced by the first
 *	SYN-ACK that acknowledges exactly the initiator's SYN
 *	(tcp_synack_resets_p()).  The transitions on the ACK of a FIN need
 *	an ACK of everything the peer sent (tcp_acks_peer_p()).
 *
 *	RST: an in-order RST closes the connection, except in TIME_WAIT
 *	where it is ignored (RFC 1337).  In SYN_SENT the responder's RST is
 *	accepted only with an ACK of the SYN (tcp_rst_syn_sent()): without
 *	that check any RST, of any sequence number, killed the set-up.
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

/* The transition table's outcomes besides a new state. */
#define TCPS_OK		0xff	/* accepted, no change */
#define TCPS_IV		0xfe	/* refused: invalid in this state */

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
 * The transition table: [state][direction][flag class] -> next state,
 * TCPS_OK or TCPS_IV.  Every cell is given (docs/state.md has the table
 * and where it departs from NPF's, whose unlisted cells close the
 * connection): a retransmitted SYN of the initiator or SYN-ACK of the
 * responder never changes the state once the handshake is past it, and
 * a flag class a side cannot send in a state is refused, not taken as a
 * reason to close.  The INVALID column is never consulted.
 */
#define F	0	/* forwards */
#define B	1	/* backwards */
#define _	TCPS_IV

/*				   -     SYN             SYN-ACK         ACK             FIN */
#define ROW(syn, synack, ack, fin) { _, (syn), (synack), (ack), (fin) }

static const uint8_t tcp_fsm[NPFCT_TCPS_COUNT][2][TCPFC_COUNT] = {
	[NPFCT_TCPS_CLOSED] = {
		/* Re-open (tcp_reopen_p()); stragglers after an RST. */
		[F] = ROW(NPFCT_TCPS_SYN_SENT, _, TCPS_OK, TCPS_OK),
		[B] = ROW(_, _, TCPS_OK, TCPS_OK),
	},
	[NPFCT_TCPS_SYN_SENT] = {
		/* SYN retransmitted (another ISN fails the window). */
		[F] = ROW(TCPS_OK, _, _, _),
		/* Handshake (2), or simultaneous open (RFC 793 fig. 8). */
		[B] = ROW(NPFCT_TCPS_SIMSYN_SENT, NPFCT_TCPS_SYN_RECEIVED,
		    _, _),
	},
	[NPFCT_TCPS_SIMSYN_SENT] = {
		[F] = ROW(TCPS_OK, NPFCT_TCPS_SYN_RECEIVED, _, _),
		[B] = ROW(TCPS_OK, NPFCT_TCPS_SYN_RECEIVED, _,
		    NPFCT_TCPS_FIN_RECEIVED),
	},
	[NPFCT_TCPS_SYN_RECEIVED] = {
		/* Handshake (3); SYN and, simultaneous, SYN-ACK again. */
		[F] = ROW(TCPS_OK, TCPS_OK, NPFCT_TCPS_ESTABLISHED,
		    NPFCT_TCPS_FIN_SENT),
		[B] = ROW(TCPS_OK, TCPS_OK, TCPS_OK,
		    NPFCT_TCPS_FIN_RECEIVED),
	},
	[NPFCT_TCPS_ESTABLISHED] = {
		[F] = ROW(TCPS_OK, _, TCPS_OK, NPFCT_TCPS_FIN_SENT),
		/* A duplicate SYN-ACK (a retransmission) is no close. */
		[B] = ROW(_, TCPS_OK, TCPS_OK, NPFCT_TCPS_FIN_RECEIVED),
	},
	[NPFCT_TCPS_FIN_SENT] = {
		[F] = ROW(TCPS_OK, _, TCPS_OK, TCPS_OK),
		[B] = ROW(_, TCPS_OK, NPFCT_TCPS_FIN_WAIT,
		    NPFCT_TCPS_CLOSING),
	},
	[NPFCT_TCPS_FIN_RECEIVED] = {
		[F] = ROW(TCPS_OK, _, NPFCT_TCPS_CLOSE_WAIT,
		    NPFCT_TCPS_CLOSING),
		[B] = ROW(_, TCPS_OK, TCPS_OK, TCPS_OK),
	},
	[NPFCT_TCPS_CLOSE_WAIT] = {
		/* The responder closed first: its FIN again is no news. */
		[F] = ROW(TCPS_OK, _, TCPS_OK, NPFCT_TCPS_LAST_ACK),
		[B] = ROW(_, TCPS_OK, TCPS_OK, TCPS_OK),
	},
	[NPFCT_TCPS_FIN_WAIT] = {
		/* The initiator closed first: its FIN again is no news. */
		[F] = ROW(TCPS_OK, _, TCPS_OK, TCPS_OK),
		[B] = ROW(_, TCPS_OK, TCPS_OK, NPFCT_TCPS_LAST_ACK),
	},
	[NPFCT_TCPS_CLOSING] = {
		/* A new connection on the same ports (re-open). */
		[F] = ROW(NPFCT_TCPS_SYN_SENT, _, NPFCT_TCPS_LAST_ACK,
		    TCPS_OK),
		[B] = ROW(_, TCPS_OK, NPFCT_TCPS_LAST_ACK, TCPS_OK),
	},
	[NPFCT_TCPS_LAST_ACK] = {
		[F] = ROW(NPFCT_TCPS_SYN_SENT, _, NPFCT_TCPS_TIME_WAIT,
		    TCPS_OK),
		[B] = ROW(_, TCPS_OK, NPFCT_TCPS_TIME_WAIT, TCPS_OK),
	},
	[NPFCT_TCPS_TIME_WAIT] = {
		/*
		 * The last ACK or a FIN may be retransmitted (the peer did
		 * not get the last ACK): stay.  A new SYN re-opens the
		 * connection (RFC 1122).
		 */
		[F] = ROW(NPFCT_TCPS_SYN_SENT, _, TCPS_OK, TCPS_OK),
		[B] = ROW(_, TCPS_OK, TCPS_OK, TCPS_OK),
	},
};

#undef ROW
#undef _
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
tcp_scale(const uint8_t wscale[2], unsigned int di)
{
	if (wscale[0] == NPFCT_TCP_WSCALE_NONE ||
	    wscale[1] == NPFCT_TCP_WSCALE_NONE)
		return 0;
	return wscale[di];
}

/*
 * tcp_inwindow: check the packet against the window data of both sides
 * and, if it passes, record it.
 *
 * => di: 0 for the forwards stream, 1 for the backwards one.
 * => Returns false if the packet is out of window; then nothing of the
 *    state was written.  The checks work on copies that are stored only
 *    once every check passed: the side a first packet sets up, too, so
 *    that a refused spoofed SYN-ACK cannot poison the responder's side
 *    for the real one.
 */
static bool
tcp_inwindow(const struct npfct *ct, const struct npfct_pkt *pkt,
		struct npfct_state *st, unsigned int di)
{
	struct npfct_tcpwin fs = st->nst_win[di], ts = st->nst_win[!di];
	uint8_t wscale[2] = { st->nst_wscale[0], st->nst_wscale[1] };
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
		win <<= tcp_scale(wscale, di);
	if (win == 0)
		win = 1;

	if (unlikely(fs.nw_maxwin == 0)) {
		/*
		 * The initiator's first packet (a SYN, or a re-open).  The
		 * other side is set up by its first packet.
		 */
		fs.nw_end = end;
		fs.nw_maxend = end;
		fs.nw_maxwin = win;
		ts.nw_end = 0;
		ts.nw_maxend = 0;
		ts.nw_maxwin = 1;
		wscale[di] = (tcpfl & NPFCT_TH_SYN) ? pkt->tcp.wscale :
		    NPFCT_TCP_WSCALE_NONE;
		wscale[!di] = NPFCT_TCP_WSCALE_NONE;
		goto commit;
	}
	if (fs.nw_end == 0) {
		/*
		 * The responder's first packet: normally the SYN-ACK.  Its
		 * window scale counts only on a SYN.
		 */
		fs.nw_end = end;
		fs.nw_maxend = end + 1;
		fs.nw_maxwin = win;
		wscale[di] = (tcpfl & NPFCT_TH_SYN) ? pkt->tcp.wscale :
		    NPFCT_TCP_WSCALE_NONE;
	}

	if ((tcpfl & NPFCT_TH_ACK) == 0) {
		/* Pretend that an ACK was sent. */
		ack = ts.nw_end;
	} else if ((tcpfl & NPFCT_TH_RST) && ack == 0) {
		/* Some stacks send RST|ACK with ack 0. */
		ack = ts.nw_end;
	}

	/* Strictly in-order RST only (RFC 5961 3.2). */
	if (unlikely(tcpfl & NPFCT_TH_RST) &&
	    (ct->ct_flags & NPFCT_F_TCP_RST_LOOSE) == 0 &&
	    fs.nw_end - seq > 1)
		return false;

	if (unlikely(st->nst_flags & TCPF_LOOSE))
		goto update;

	/* I: the data end is within the window the receiver offered. */
	if (SEQ_GT(end, fs.nw_maxend))
		return false;
	/* II: the data start is no more than one window back. */
	if (SEQ_LT(seq, fs.nw_end - ts.nw_maxwin))
		return false;
	/*
	 * III, IV: the ACK is within one window of the receiver's data:
	 * not beyond what it sent, not too far back.
	 */
	max_ack_win = ct->ct_tcp_max_ack_win;
	ackskew = (int32_t)(ts.nw_end - ack);
	if (ackskew < -max_ack_win ||
	    ackskew > (max_ack_win << tcp_scale(wscale, di)))
		return false;
update:
	/*
	 * The packet passed.  A negative skew may come from segments we
	 * did not see (or of unknown length): move the receiver's end.
	 */
	ackskew = (int32_t)(ts.nw_end - ack);
	if (ackskew < 0)
		ts.nw_end = ack;
	if (fs.nw_maxwin < win)
		fs.nw_maxwin = win;
	if (SEQ_GT(end, fs.nw_end))
		fs.nw_end = end;
	/* The upper boundary of what the receiver may send. */
	if (SEQ_GEQ(ack + win, ts.nw_maxend))
		ts.nw_maxend = ack + win;
commit:
	st->nst_win[di] = fs;
	st->nst_win[!di] = ts;
	st->nst_wscale[0] = wscale[0];
	st->nst_wscale[1] = wscale[1];
	return true;
}

/*
 * A pure SYN of the initiator in a state where it starts over: CLOSED, or
 * a closing state (CLOSING, LAST_ACK, TIME_WAIT).  Not SYN_SENT: a SYN
 * there is a retransmission, checked against the window like any packet,
 * so that a spoofed SYN with another ISN cannot wipe the window data the
 * real SYN-ACK is checked against.
 */
static inline bool
tcp_reopen_p(uint8_t state, unsigned int di, unsigned int fc, uint8_t tcpfl)
{
	return di == 0 && fc == TCPFC_SYN && (tcpfl & NPFCT_TH_RST) == 0 &&
	    (state == NPFCT_TCPS_CLOSED || state == NPFCT_TCPS_CLOSING ||
	    state == NPFCT_TCPS_LAST_ACK || state == NPFCT_TCPS_TIME_WAIT);
}

/*
 * tcp_synack_resets_p: a SYN-ACK of the responder, during the handshake,
 * that acknowledges exactly the initiator's SYN.  It sets up the
 * responder's side anew, replacing what a bare SYN of the "responder"
 * set up in SYN_SENT (simultaneous open): the bare SYN carries no ACK,
 * so anyone who knows the ports can send one, while this ACK proves that
 * its sender saw the initiator's ISN.
 */
static inline bool
tcp_synack_resets_p(const struct npfct_state *st, const struct npfct_pkt *pkt,
		unsigned int di, unsigned int fc)
{
	return di == 1 && fc == TCPFC_SYNACK &&
	    (st->nst_state == NPFCT_TCPS_SYN_SENT ||
	    st->nst_state == NPFCT_TCPS_SIMSYN_SENT ||
	    st->nst_state == NPFCT_TCPS_SYN_RECEIVED) &&
	    pkt->tcp.ack == st->nst_win[0].nw_end;
}

/*
 * tcp_acks_peer_p: the packet acknowledges everything the other side
 * sent, its FIN included.  The transitions on the ACK of a FIN
 * (FIN_SENT -> FIN_WAIT, FIN_RECEIVED -> CLOSE_WAIT, CLOSING and LAST_ACK
 * onwards) need it: an older ACK, retransmitted or out of order, is no
 * ACK of the FIN.
 */
static inline bool
tcp_acks_peer_p(const struct npfct_state *st, const struct npfct_pkt *pkt,
		unsigned int di)
{
	return (pkt->tcp.flags & NPFCT_TH_ACK) &&
	    SEQ_GEQ(pkt->tcp.ack, st->nst_win[!di].nw_end);
}

/* Whether a transition from state to nstate is the ACK of a FIN. */
static inline bool
tcp_fin_acked_transition_p(uint8_t state, uint8_t nstate)
{
	return (state == NPFCT_TCPS_FIN_SENT &&
	    nstate == NPFCT_TCPS_FIN_WAIT) ||
	    (state == NPFCT_TCPS_FIN_RECEIVED &&
	    nstate == NPFCT_TCPS_CLOSE_WAIT) ||
	    (state == NPFCT_TCPS_CLOSING && nstate == NPFCT_TCPS_LAST_ACK) ||
	    (state == NPFCT_TCPS_LAST_ACK && nstate == NPFCT_TCPS_TIME_WAIT);
}

/*
 * tcp_rst_syn_sent: the responder's RST in SYN_SENT.
 *
 * => Acceptable only with an ACK that acknowledges the SYN (RFC 793
 *    3.9, RFC 5961 3): the refusal of a real stack.  Its sequence number
 *    means nothing yet (often 0), so a blind sender that does not know
 *    the initiator's ISN cannot kill the connection set-up.  Closes.
 */
static bool
tcp_rst_syn_sent(const struct npfct_pkt *pkt, struct npfct_state *st)
{
	if ((pkt->tcp.flags & NPFCT_TH_ACK) == 0 ||
	    pkt->tcp.ack != st->nst_win[0].nw_end)
		return false;
	__atomic_store_n(&st->nst_state, NPFCT_TCPS_CLOSED, __ATOMIC_RELAXED);
	return true;
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
	bool reopen;

	RTE_ASSERT(state < NPFCT_TCPS_COUNT);
	if (likely((tcpfl & NPFCT_TH_RST) == 0)) {
		if (unlikely(fc == TCPFC_INVALID))
			return false;
		nstate = tcp_fsm[state][di][fc];
		if (unlikely(nstate == TCPS_IV))
			return false;
	} else if (tcpfl & NPFCT_TH_SYN) {
		/* No stack sends SYN|RST. */
		return false;
	} else if (state == NPFCT_TCPS_SYN_SENT && di == 1) {
		return tcp_rst_syn_sent(pkt, st);
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
	if (nstate == NPFCT_TCPS_CLOSING && tcp_acks_peer_p(st, pkt, di))
		nstate = NPFCT_TCPS_LAST_ACK;
	/* Only an ACK of the FIN moves on from a half-closed state. */
	if (unlikely(tcp_fin_acked_transition_p(state, nstate)) &&
	    !tcp_acks_peer_p(st, pkt, di))
		nstate = TCPS_OK;

	reopen = tcp_reopen_p(state, di, fc, tcpfl);
	if (unlikely(reopen) && state != NPFCT_TCPS_CLOSED &&
	    !SEQ_GT(pkt->tcp.seq, st->nst_win[0].nw_end)) {
		/*
		 * A new connection's ISN lies beyond the old one's sequence
		 * space (RFC 1122 4.2.2.13); another SYN is not one, and
		 * must not wipe the closing connection's window data.
		 */
		return false;
	}
	if (unlikely(reopen || tcp_synack_resets_p(st, pkt, di, fc))) {
		/*
		 * Start over: the new ISN is not within the old window (re-
		 * open: both sides; a SYN-ACK of the SYN: the responder's).
		 */
		saved = *st;
		if (reopen) {
			memset(st->nst_win, 0, sizeof(st->nst_win));
			st->nst_flags = 0;
		} else {
			/* As the initiator's first packet left it. */
			st->nst_win[1].nw_end = 0;
			st->nst_win[1].nw_maxend = 0;
			st->nst_win[1].nw_maxwin = 1;
			st->nst_wscale[1] = NPFCT_TCP_WSCALE_NONE;
		}
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
