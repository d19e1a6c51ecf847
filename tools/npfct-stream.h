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

#include <npfct.h>
#include <npfct_nat.h>

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

#endif /* NPFCT_STREAM_H */
