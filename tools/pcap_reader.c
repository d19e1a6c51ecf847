/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-stream: a reader of classic pcap files, without libpcap.
 *
 * Overview
 *
 *	The tool must not pull libpcap in for the sake of a file format
 *	that fits on a page.  A classic pcap file is a 24-byte header
 *	followed by records, each a 16-byte header and the captured bytes:
 *
 *	File header:
 *	  Offset: | 0     | 4     | 6     | 8        | 12      | 16      | 20       |
 *	  Field:  | magic | major | minor | thiszone | sigfigs | snaplen | linktype |
 *	  Bytes:  | 4     | 2     | 2     | 4        | 4       | 4       | 4        |
 *
 *	Record header:
 *	  Offset: | 0      | 4            | 8      | 12      | 16 ...  |
 *	  Field:  | ts_sec | ts_usec/nsec | caplen | origlen | data    |
 *	  Bytes:  | 4      | 4            | 4      | 4       | caplen  |
 *
 *	The magic tells the byte order of every other field (the writer's)
 *	and the timestamp resolution: 0xa1b2c3d4 for microseconds,
 *	0xa1b23c4d for nanoseconds, each read either way round.  pcapng
 *	(whose first block type reads 0x0a0d0d0a either way) and the
 *	"modified" pcap format are refused with a message saying so.
 *
 *	A record whose caplen exceeds the file's snapshot length or
 *	PCAP_CAPLEN_MAX is taken for corruption, as is a file that ends
 *	inside a record: both end the read with an error, never with a
 *	short packet.
 *
 * Synchronisation
 *
 *	None: one reader per thread.
 *
 * References
 *
 *	https://www.tcpdump.org/manpages/pcap-savefile.5.html
 *	https://www.tcpdump.org/linktypes.html
 */

#include <byteswap.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_reader.h"

#define PCAP_MAGIC_USEC		0xa1b2c3d4u
#define PCAP_MAGIC_NSEC		0xa1b23c4du
#define PCAP_MAGIC_MODIFIED	0xa1b2cd34u
#define PCAPNG_MAGIC_SHB	0x0a0d0d0au

#define PCAP_FILE_HDR_LEN	24u
#define PCAP_REC_HDR_LEN	16u
/* The link type is in the low 16 bits; the upper bits carry FCS info. */
#define PCAP_LINKTYPE_MASK	0xffffu

static void __attribute__((format(printf, 2, 3)))
reader_error(struct pcap_reader *pr, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(pr->pr_err, sizeof(pr->pr_err), "%s: ", pr->pr_path);
	if (n < 0 || (size_t)n >= sizeof(pr->pr_err))
		return;
	va_start(ap, fmt);
	vsnprintf(pr->pr_err + n, sizeof(pr->pr_err) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* get16, get32: a field of the file in its writer's byte order. */
static uint16_t
get16(const struct pcap_reader *pr, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return pr->pr_swap ? bswap_16(v) : v;
}

static uint32_t
get32(const struct pcap_reader *pr, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return pr->pr_swap ? bswap_32(v) : v;
}

/*
 * read_exact: read len bytes.
 *
 * => Returns the number of bytes read; less than len at the end of the
 *    file or on an error (then pr_err is set and -1 returned).
 */
static long
read_exact(struct pcap_reader *pr, void *buf, size_t len)
{
	size_t n = fread(buf, 1, len, pr->pr_file);

	if (n < len && ferror(pr->pr_file)) {
		reader_error(pr, "read error: %s", strerror(errno));
		return -1;
	}
	return (long)n;
}

/*
 * header_magic: recognise the magic; set byte order and resolution.
 *
 * => Returns 0, or -1 with pr_err saying what the file is instead.
 */
static int
header_magic(struct pcap_reader *pr, const uint8_t *hdr)
{
	uint32_t magic;

	memcpy(&magic, hdr, sizeof(magic));
	if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC) {
		pr->pr_swap = false;
	} else if (bswap_32(magic) == PCAP_MAGIC_USEC ||
	    bswap_32(magic) == PCAP_MAGIC_NSEC) {
		pr->pr_swap = true;
		magic = bswap_32(magic);
	} else if (magic == PCAPNG_MAGIC_SHB) {
		reader_error(pr, "pcapng format is not supported; convert it "
		    "to classic pcap, e.g. 'tcpdump -r IN -w OUT' or "
		    "'editcap -F pcap IN OUT'");
		return -1;
	} else if (magic == PCAP_MAGIC_MODIFIED ||
	    bswap_32(magic) == PCAP_MAGIC_MODIFIED) {
		reader_error(pr, "modified (Kuznetzov) pcap format is not "
		    "supported");
		return -1;
	} else {
		reader_error(pr, "bad magic 0x%02x%02x%02x%02x: not a pcap file",
		    hdr[0], hdr[1], hdr[2], hdr[3]);
		return -1;
	}
	pr->pr_nsec = magic == PCAP_MAGIC_NSEC;
	return 0;
}

/* read_header: read and check the file header. */
static int
read_header(struct pcap_reader *pr)
{
	uint8_t hdr[PCAP_FILE_HDR_LEN];
	long n;

	n = read_exact(pr, hdr, sizeof(hdr));
	if (n < 0)
		return -1;
	if (n >= 4 && header_magic(pr, hdr) < 0)
		return -1;
	if (n < (long)sizeof(hdr)) {
		reader_error(pr, "truncated file header (%ld of %u bytes)", n,
		    PCAP_FILE_HDR_LEN);
		return -1;
	}
	pr->pr_version[0] = get16(pr, hdr + 4);
	pr->pr_version[1] = get16(pr, hdr + 6);
	pr->pr_snaplen = get32(pr, hdr + 16);
	pr->pr_linktype = get32(pr, hdr + 20) & PCAP_LINKTYPE_MASK;
	if (pr->pr_version[0] != 2) {
		reader_error(pr, "unsupported pcap version %u.%u",
		    pr->pr_version[0], pr->pr_version[1]);
		return -1;
	}
	if (pcap_linktype_name(pr->pr_linktype) == NULL) {
		reader_error(pr, "unsupported link type %u (supported: "
		    "EN10MB 1, RAW 12/101, LINUX_SLL 113, IPV4 228, IPV6 229, "
		    "LINUX_SLL2 276)", pr->pr_linktype);
		return -1;
	}
	pr->pr_off = PCAP_FILE_HDR_LEN;
	return 0;
}

int
pcap_reader_open(struct pcap_reader *pr, const char *path)
{
	memset(pr, 0, sizeof(*pr));
	pr->pr_path = path;
	pr->pr_file = fopen(path, "rb");
	if (pr->pr_file == NULL) {
		reader_error(pr, "%s", strerror(errno));
		return -1;
	}
	pr->pr_buf = malloc(PCAP_CAPLEN_MAX);
	if (pr->pr_buf == NULL) {
		reader_error(pr, "no memory for the record buffer");
		goto fail;
	}
	if (read_header(pr) < 0)
		goto fail;
	return 0;
fail:
	pcap_reader_close(pr);
	return -1;
}

/*
 * pcap_reader_next: read one record.
 *
 * => A record cut short by the end of the file, or larger than the
 *    snapshot length or PCAP_CAPLEN_MAX, is an error.
 */
int
pcap_reader_next(struct pcap_reader *pr, struct pcap_record *rec)
{
	uint8_t hdr[PCAP_REC_HDR_LEN];
	const uint64_t recno = pr->pr_nrec + 1;
	uint32_t sec, frac;
	long n;

	n = read_exact(pr, hdr, sizeof(hdr));
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if (n < (long)sizeof(hdr)) {
		reader_error(pr, "record %" PRIu64 " at offset %" PRIu64
		    ": truncated record header (%ld of %u bytes)", recno,
		    pr->pr_off, n, PCAP_REC_HDR_LEN);
		return -1;
	}
	sec = get32(pr, hdr);
	frac = get32(pr, hdr + 4);
	rec->caplen = get32(pr, hdr + 8);
	rec->origlen = get32(pr, hdr + 12);
	if (rec->caplen > PCAP_CAPLEN_MAX) {
		reader_error(pr, "record %" PRIu64 " at offset %" PRIu64
		    ": caplen %" PRIu32 " exceeds the %u-byte limit (corrupt "
		    "file?)", recno, pr->pr_off, rec->caplen, PCAP_CAPLEN_MAX);
		return -1;
	}
	if (rec->caplen > pr->pr_snaplen) {
		reader_error(pr, "record %" PRIu64 " at offset %" PRIu64
		    ": caplen %" PRIu32 " exceeds the snapshot length %"
		    PRIu32 " (corrupt file?)", recno, pr->pr_off, rec->caplen,
		    pr->pr_snaplen);
		return -1;
	}
	n = read_exact(pr, pr->pr_buf, rec->caplen);
	if (n < 0)
		return -1;
	if (n < (long)rec->caplen) {
		reader_error(pr, "record %" PRIu64 " at offset %" PRIu64
		    ": truncated record (%ld of %" PRIu32 " bytes)", recno,
		    pr->pr_off, n, rec->caplen);
		return -1;
	}
	rec->ts_ns = (uint64_t)sec * 1000000000u +
	    (uint64_t)frac * (pr->pr_nsec ? 1u : 1000u);
	rec->data = pr->pr_buf;
	pr->pr_off += PCAP_REC_HDR_LEN + rec->caplen;
	pr->pr_nrec = recno;
	return 1;
}

int
pcap_reader_rewind(struct pcap_reader *pr)
{
	if (fseek(pr->pr_file, PCAP_FILE_HDR_LEN, SEEK_SET) != 0) {
		reader_error(pr, "cannot seek: %s", strerror(errno));
		return -1;
	}
	pr->pr_off = PCAP_FILE_HDR_LEN;
	pr->pr_nrec = 0;
	return 0;
}

void
pcap_reader_close(struct pcap_reader *pr)
{
	if (pr->pr_file != NULL)
		fclose(pr->pr_file);
	pr->pr_file = NULL;
	free(pr->pr_buf);
	pr->pr_buf = NULL;
}

const char *
pcap_linktype_name(uint32_t linktype)
{
	switch (linktype) {
	case PCAP_LINKTYPE_ETHERNET:
		return "EN10MB";
	case PCAP_LINKTYPE_DLT_RAW:
	case PCAP_LINKTYPE_RAW:
		return "RAW";
	case PCAP_LINKTYPE_LINUX_SLL:
		return "LINUX_SLL";
	case PCAP_LINKTYPE_IPV4:
		return "IPV4";
	case PCAP_LINKTYPE_IPV6:
		return "IPV6";
	case PCAP_LINKTYPE_LINUX_SLL2:
		return "LINUX_SLL2";
	default:
		return NULL;
	}
}
