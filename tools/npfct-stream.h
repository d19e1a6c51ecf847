/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_STREAM_H
#define NPFCT_STREAM_H

/*
 * npfct-stream: declarations shared by the tool's files.
 *
 * Private to the tool; not installed.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include <npfct.h>
#include <npfct_conn.h>
#include <npfct_frag.h>
#include <npfct_nat.h>
#include <npfct_pkt.h>

#include "pcap_reader.h"

#define STREAM_PROG		"npfct-stream"

/* Exit status. */
#define STREAM_EXIT_OK		0	/* replay done */
#define STREAM_EXIT_INTERNAL	1	/* EAL, memory or instance failure */
#define STREAM_EXIT_USAGE	2	/* bad arguments, unreadable file */

/* Longest timeout npfct_timeout_set() accepts: 30 days. */
#define STREAM_TIMEOUT_MAX	(30u * 86400u)

/* An inside network. */
struct stream_cidr {
	uint8_t			sc_alen;	/* 4 or 16 */
	uint8_t			sc_plen;	/* prefix length */
	union npfct_addr	sc_addr;	/* host bits cleared */
};

/* Most --map rules. */
#define STREAM_MAPS_MAX		64

/* The command line. */
struct stream_conf {
	struct stream_cidr	*cf_inside;
	unsigned int		cf_ninside;
	uint32_t		cf_timeout[NPFCT_TIMEOUT_MAX];
	bool			cf_timeout_set[NPFCT_TIMEOUT_MAX];
	bool			cf_loose;
	bool			cf_zone_vlan;	/* zone: outer VLAN id */
	bool			cf_quiet;
	bool			cf_no_frag;	/* no fragment handler */
	/* --map: NAT policies, in order */
	struct npfct_nat_policy_conf cf_map[STREAM_MAPS_MAX];
	unsigned int		cf_nmap;
	const char		*cf_file;
};

/*
 * Parse the command line into conf.  Returns STREAM_EXIT_OK to go on, or
 * an exit status: --help prints the usage and returns -1 (exit 0); errors
 * print a message and return STREAM_EXIT_USAGE.
 */
int stream_args_parse(struct stream_conf *conf, int argc, char **argv);

/* Free what stream_args_parse() allocated. */
void stream_args_free(struct stream_conf *conf);

/* Return true if addr (alen bytes) is in one of the inside networks. */
bool stream_inside_p(const struct stream_conf *conf,
		const union npfct_addr *addr, unsigned int alen);

/* Longest output line: INDEX DIR VERDICT REASON PROTO STATE TUPLE. */
#define STREAM_LINE_MAX		192

/* An output line, in INDEX order (stream_out.c). */
struct stream_line {
	bool			sl_done;	/* decided: text is set */
	char			sl_text[STREAM_LINE_MAX];
};

/* A later fragment the handler holds (stream_frag.c). */
struct stream_held {
	uint64_t		sh_index;
	int			sh_dir;
	struct npfct_pkt	sh_pkt;		/* as parsed; sh_pkt.mbuf */
};

/* The replay. */
struct stream {
	const struct stream_conf *s_conf;
	struct npfct		*s_ct;
	struct npfct_frag	*s_frag;	/* NULL with --no-frag */
	struct rte_mempool	*s_pool;
	struct pcap_reader	s_pr;
	uint64_t		s_first_ns;	/* first record's timestamp */
	uint64_t		s_npkts;	/* records in the file */
	uint64_t		s_pass;
	uint64_t		s_block;
	/* Lines not printed yet: s_lines[i] is INDEX s_lines_base + i. */
	struct stream_line	*s_lines;
	size_t			s_nlines;
	size_t			s_lines_cap;
	uint64_t		s_lines_base;
	/* Later fragments held by the handler. */
	struct stream_held	*s_held;
	unsigned int		s_nheld;
	unsigned int		s_held_cap;
};

/* The firewall's decision for one packet. */
struct decision {
	bool			d_pass;
	const char		*d_reason;
	struct npfct_conn	*d_con;		/* for STATE, or NULL */
};

/*
 * Decide a packet's line (npfct-stream.c): count the verdict, translate
 * a passed packet of a translated connection (--map) and set the line of
 * INDEX.  d->d_con must still be valid (before the quiescent state).
 */
void stream_emit(struct stream *s, uint64_t index, struct npfct_pkt *pkt,
		int di, const struct decision *d);

/*
 * Output in INDEX order (stream_out.c): every record reserves its line
 * when it is read; stream_out_set() decides it (in any order); flush
 * prints the decided lines up to the first undecided one.
 */
int stream_out_reserve(struct stream *s, uint64_t index);
void stream_out_set(struct stream *s, uint64_t index, const char *text);
void stream_out_flush(struct stream *s);
void stream_out_free(struct stream *s);

/*
 * Fragments (stream_frag.c); without a handler (--no-frag) each is a
 * no-op and stream_frag_later_p() is false.
 */
int stream_frag_setup(struct stream *s);
bool stream_frag_later_p(const struct stream *s, const struct npfct_pkt *pkt);
bool stream_frag_later(struct stream *s, struct npfct_pkt *pkt, int di,
		uint64_t index, struct decision *d);
void stream_frag_first(struct stream *s, struct npfct_pkt *pkt, int di,
		struct decision *d);
int stream_frag_settle(struct stream *s);
void stream_frag_finish(struct stream *s);

#endif /* NPFCT_STREAM_H */
