/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef PCAP_READER_H
#define PCAP_READER_H

/*
 * npfct-stream: a reader of classic pcap files, without libpcap.
 *
 * Private to the tool; not installed.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Largest record accepted (libpcap's MAXIMUM_SNAPLEN). */
#define PCAP_CAPLEN_MAX		(256u * 1024u)

/* Link types (LINKTYPE_* of the pcap format, and the DLT_* aliases). */
#define PCAP_LINKTYPE_ETHERNET	1	/* DLT_EN10MB */
#define PCAP_LINKTYPE_DLT_RAW	12	/* DLT_RAW on most systems */
#define PCAP_LINKTYPE_RAW	101	/* LINKTYPE_RAW: raw IPv4/IPv6 */
#define PCAP_LINKTYPE_LINUX_SLL	113	/* Linux cooked capture v1 */
#define PCAP_LINKTYPE_IPV4	228	/* raw IPv4 */
#define PCAP_LINKTYPE_IPV6	229	/* raw IPv6 */
#define PCAP_LINKTYPE_LINUX_SLL2 276	/* Linux cooked capture v2 */

/* An open pcap file. */
struct pcap_reader {
	FILE		*pr_file;
	const char	*pr_path;
	bool		pr_swap;	/* file byte order differs from ours */
	bool		pr_nsec;	/* nanosecond timestamps */
	uint16_t	pr_version[2];	/* major, minor */
	uint32_t	pr_snaplen;
	uint32_t	pr_linktype;	/* LINKTYPE_* (low 16 bits) */
	uint64_t	pr_nrec;	/* records read so far */
	uint64_t	pr_off;		/* file offset of the next record */
	uint8_t		*pr_buf;	/* PCAP_CAPLEN_MAX bytes */
	char		pr_err[256];	/* last error message */
};

/* One record, valid until the next pcap_reader_next(). */
struct pcap_record {
	uint64_t	ts_ns;		/* timestamp, ns since the epoch */
	uint32_t	caplen;		/* bytes captured (in data) */
	uint32_t	origlen;	/* length on the wire */
	const uint8_t	*data;
};

/*
 * Open a file and read its header.  Returns 0, or -1 with the reason in
 * pr_err (the file is closed).
 */
int pcap_reader_open(struct pcap_reader *pr, const char *path);

/*
 * Read the next record.  Returns 1 with rec filled, 0 at the end of the
 * file, or -1 with the reason in pr_err (truncated or corrupt record).
 */
int pcap_reader_next(struct pcap_reader *pr, struct pcap_record *rec);

/* Go back to the first record.  Returns 0, or -1 with pr_err set. */
int pcap_reader_rewind(struct pcap_reader *pr);

/* Close the file and free the buffer. */
void pcap_reader_close(struct pcap_reader *pr);

/* Return a name of a link type ("EN10MB", ...) or NULL if unsupported. */
const char *pcap_linktype_name(uint32_t linktype);

#endif /* PCAP_READER_H */
