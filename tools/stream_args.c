/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-stream: command line, usage text and the inside networks.
 *
 * Overview
 *
 *	The command line carries no EAL arguments: the tool boots the EAL
 *	with a fixed list of its own.  Everything the user gives is checked
 *	here, before the EAL starts, so that a usage error costs nothing
 *	and always ends with exit status 2.  Timeout names are resolved
 *	with npfct_timeout_lookup(), which needs no EAL.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npfct-stream.h"

enum {
	OPT_LOOSE = 256,
	OPT_ZONE_VLAN,
	OPT_MAP,
	OPT_NO_FRAG,
};

static const struct option stream_lgopts[] = {
	{ "inside",	required_argument,	NULL,	'i' },
	{ "timeout",	required_argument,	NULL,	't' },
	{ "loose",	no_argument,		NULL,	OPT_LOOSE },
	{ "zone-vlan",	no_argument,		NULL,	OPT_ZONE_VLAN },
	{ "map",	required_argument,	NULL,	OPT_MAP },
	{ "no-frag",	no_argument,		NULL,	OPT_NO_FRAG },
	{ "quiet",	no_argument,		NULL,	'q' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 },
};

static void
print_timeout_names(FILE *f)
{
	int i;

	for (i = 0; i < NPFCT_TIMEOUT_MAX; i++)
		fprintf(f, "%s%s", i % 3 == 0 ?
		    "\n                             " : " ",
		    npfct_timeout_name((enum npfct_timeout)i));
	fputc('\n', f);
}

static void
print_usage(FILE *f)
{
	fprintf(f,
"Usage: " STREAM_PROG " --inside CIDR [--inside CIDR ...]\n"
"                    [--timeout NAME=SECONDS ...] [--loose] [--zone-vlan]\n"
"                    [--map RULE ...] [--no-frag] [--quiet] FILE.pcap\n"
"       " STREAM_PROG " --help\n"
"\n"
"Replay a pcap capture through an npfct connection tracking instance (like\n"
"NPF's 'npftest -s') and print, for every packet, the verdict of a stateful\n"
"firewall in front of the --inside networks: everything they send passes and\n"
"opens a connection; from outside, only packets of their connections pass.\n"
"\n"
"Options:\n"
"  -i, --inside CIDR          an inside network, IPv4 or IPv6 (10.0.0.0/8,\n"
"                             fd00::/64; an address alone is a host).\n"
"                             Repeatable; at least one is required.\n"
"  -t, --timeout NAME=SECONDS set a state timeout (0 to %u seconds).\n"
"                             Repeatable.  NAME is one of:",
	    STREAM_TIMEOUT_MAX);
	print_timeout_names(f);
	fprintf(f,
"      --loose                let an outbound TCP packet other than a SYN open\n"
"                             a connection (mid-stream pickup;\n"
"                             NPFCT_F_TCP_LOOSE)\n"
"      --zone-vlan            the VLAN id of a frame's outermost tag is its\n"
"                             zone (untagged: zone 0), so that the same\n"
"                             addresses on two VLANs are two tenants with\n"
"                             their own connections (Ethernet captures;\n"
"                             cooked captures carry no tags)\n"
"      --map RULE             a NAT rule, NPF's map without the interface\n"
"                             (as l3fwd-npf's rule files):\n"
"                               'dynamic 10.0.0.0/8 -> 198.51.100.7'\n"
"                               'dynamic proto tcp 10.0.0.5 port 80 <-\n"
"                                198.51.100.7 port 8080'\n"
"                               'static [algo netmap|npt66] IN <-> OUT'\n"
"                             Repeatable (the first that matches applies).\n"
"                             Packets are translated, and each line gets a\n"
"                             TUPLE column.  The capture is what the NAT\n"
"                             receives: outbound packets with inside\n"
"                             addresses, answers to the translated ones.\n"
"      --no-frag              no fragment handler: a later IP fragment is not\n"
"                             trackable (outbound: stateless; inbound:\n"
"                             not-trackable)\n"
"  -q, --quiet                print only the summary line\n"
"  -h, --help                 print this help and exit\n"
"\n"
"Input: a classic pcap file (microsecond or nanosecond timestamps, either byte\n"
"order; link types EN10MB 1, RAW 12/101, LINUX_SLL 113, IPV4 228, IPV6 229,\n"
"LINUX_SLL2 276).  pcapng is not supported: convert it with\n"
"'tcpdump -r IN -w OUT'.  The instance clock follows the packet timestamps\n"
"(never backwards) and the G/C runs whenever one second of capture time\n"
"passed, so timeouts apply as they would live.\n"
"\n"
"Fragments: the library's fragment handler (npfct_frag.h) gives every\n"
"fragment of a datagram the verdict and connection of its first fragment;\n"
"a later fragment that comes before its first fragment is held until the\n"
"first one is decided, and its line (at its own INDEX) says what then became\n"
"of it.\n"
"\n"
"Direction: a packet whose source address is inside is 'out', any other 'in'\n"
"(including packets without an IP source address; ARP uses its sender\n"
"address).\n"
"\n"
"Output: one line per packet, then a summary line:\n"
"  INDEX DIR VERDICT REASON PROTO STATE [TUPLE]\n"
"  N packets: P pass, B block\n"
"where\n"
"  INDEX    packet number, from 1\n"
"  DIR      out | in\n"
"  VERDICT  pass | block\n"
"  REASON   established    pass: the packet belongs to a connection\n"
"           related        pass: an ALG related it to a connection (ICMP error)\n"
"           new            pass: outbound, a connection was established;\n"
"                          with --map also inbound, when a map rule\n"
"                          forwards it (port forward, static)\n"
"           fragment       pass or block: a later IP fragment, given its\n"
"                          datagram's verdict (its first fragment's)\n"
"           stateless      pass: outbound and not trackable (ICMP error of no\n"
"                          connection, non-IP, a later IP fragment with\n"
"                          --no-frag): passed, no state\n"
"           no-conn        block: inbound without a connection\n"
"           invalid        block: refused by its connection's state (e.g. TCP\n"
"                          out of window)\n"
"           not-trackable  block: inbound and not trackable\n"
"           parse-error    block: malformed packet\n"
"           no-syn         block: outbound TCP without a connection that is not\n"
"                          a SYN (e.g. a SYN-ACK or RST answering an inbound\n"
"                          SYN); accepted with --loose\n"
"           no-request     block: outbound ICMP query reply (echo reply, ...)\n"
"                          without a connection: it answers an inbound request\n"
"           table-full     block: the connection table is full\n"
"           nat-exhausted  block: no translated address and port left\n"
"           state-refused  block: the protocol state refused to open it\n"
"           error          block: the connection could not be established\n"
"           frag-refused   block: a first fragment the policy passed, refused\n"
"                          by the fragment handler (overlap, duplicate, too\n"
"                          many fragments, ...): the datagram is dropped\n"
"           frag-dropped   block: a held later fragment freed without a\n"
"                          verdict: its datagram timed out, was refused or\n"
"                          evicted, or the capture ended before its first\n"
"                          fragment\n"
"  PROTO    tcp | udp | icmp | icmp6 | other (also non-IP, malformed)\n"
"  STATE    state of the connection after the packet (new, established,\n"
"           syn-sent, time-wait, ...; for 'related' the related connection's,\n"
"           for 'invalid' the state that refused it), or '-' when there is\n"
"           none\n"
"  TUPLE    with --map: the packet as translated, SRC:SPORT>DST:DPORT\n"
"           (IPv6 addresses in brackets; ICMP queries show their id as\n"
"           the port; a later fragment, which carries no ports:\n"
"           SRC>DST), or '-' when the packet is not translated\n"
"\n"
"Exit status:\n"
"  0  the capture was replayed, whatever the verdicts\n"
"  1  internal failure (EAL, memory, instance)\n"
"  2  bad arguments, or a missing, unreadable or corrupt file\n"
"\n"
"Example:\n"
"  " STREAM_PROG " --inside 10.99.0.1/32 --inside fd99::1/128 \\\n"
"      --timeout generic.new=5 udp4.pcap\n"
"  1 out pass new udp new\n"
"  2 in pass established udp established\n"
"  ...\n"
"  8 packets: 8 pass, 0 block\n");
}

/* usage_error: print a message and a hint; returns STREAM_EXIT_USAGE. */
static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, STREAM_PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" STREAM_PROG " --help' for more information.\n");
	return STREAM_EXIT_USAGE;
}

/* --map RULE: a NAT policy (npfct_nat_policy_parse()). */
static int
add_map(struct stream_conf *conf, const char *arg)
{
	char err[160];

	if (conf->cf_nmap == STREAM_MAPS_MAX)
		return usage_error("more than %u --map rules",
		    STREAM_MAPS_MAX);
	if (npfct_nat_policy_parse(arg, &conf->cf_map[conf->cf_nmap], err,
	    sizeof(err)) != 0)
		return usage_error("bad --map '%s': %s", arg, err);
	conf->cf_nmap++;
	return STREAM_EXIT_OK;
}

/*
 * cidr_parse: parse "ADDR[/LEN]" (IPv4 or IPv6).
 *
 * => Host bits are cleared; a missing length means a host.
 * => Returns 0 or -1.
 */
static int
cidr_parse(const char *arg, struct stream_cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned long plen;
	unsigned int i;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, buf, c->sc_addr.a8) == 1)
		c->sc_alen = 4;
	else if (inet_pton(AF_INET6, buf, c->sc_addr.a8) == 1)
		c->sc_alen = 16;
	else
		return -1;
	plen = c->sc_alen * 8u;
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9')
			return -1;
		errno = 0;
		plen = strtoul(slash, &end, 10);
		if (errno != 0 || *end != '\0' || plen > c->sc_alen * 8u)
			return -1;
	}
	c->sc_plen = (uint8_t)plen;
	for (i = 0; i < c->sc_alen; i++) {
		unsigned int bits = plen > i * 8u ? plen - i * 8u : 0;

		if (bits < 8)
			c->sc_addr.a8[i] &= (uint8_t)(0xff00u >> bits);
	}
	return 0;
}

bool
stream_inside_p(const struct stream_conf *conf, const union npfct_addr *addr,
		unsigned int alen)
{
	unsigned int n, i;

	for (n = 0; n < conf->cf_ninside; n++) {
		const struct stream_cidr *c = &conf->cf_inside[n];
		bool match = c->sc_alen == alen;

		for (i = 0; match && i < alen; i++) {
			unsigned int bits = c->sc_plen > i * 8u ?
			    c->sc_plen - i * 8u : 0;
			uint8_t mask = bits >= 8 ? 0xff :
			    (uint8_t)(0xff00u >> bits);

			match = (addr->a8[i] & mask) == c->sc_addr.a8[i];
		}
		if (match)
			return true;
	}
	return false;
}

static int
add_inside(struct stream_conf *conf, const char *arg)
{
	struct stream_cidr *v;

	v = realloc(conf->cf_inside,
	    (conf->cf_ninside + 1) * sizeof(*conf->cf_inside));
	if (v == NULL)
		return usage_error("out of memory for --inside %s", arg);
	conf->cf_inside = v;
	if (cidr_parse(arg, &v[conf->cf_ninside]) < 0)
		return usage_error("bad --inside CIDR '%s' (expected e.g. "
		    "10.0.0.0/8 or fd00::/64)", arg);
	conf->cf_ninside++;
	return STREAM_EXIT_OK;
}

/* add_timeout: parse NAME=SECONDS; a later setting of NAME wins. */
static int
add_timeout(struct stream_conf *conf, const char *arg)
{
	char name[64];
	const char *eq = strchr(arg, '=');
	unsigned long secs;
	char *end;
	int which;

	if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(name))
		return usage_error("bad --timeout '%s' (expected NAME=SECONDS)",
		    arg);
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	which = npfct_timeout_lookup(name);
	if (which < 0)
		return usage_error("unknown timeout name '%s' (see --help)",
		    name);
	if (eq[1] < '0' || eq[1] > '9')
		return usage_error("bad number of seconds in --timeout '%s'",
		    arg);
	errno = 0;
	secs = strtoul(eq + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return usage_error("bad number of seconds in --timeout '%s'",
		    arg);
	if (secs > STREAM_TIMEOUT_MAX)
		return usage_error("timeout out of range in --timeout '%s' "
		    "(at most 30 days)", arg);
	conf->cf_timeout[which] = (uint32_t)secs;
	conf->cf_timeout_set[which] = true;
	return STREAM_EXIT_OK;
}

int
stream_args_parse(struct stream_conf *conf, int argc, char **argv)
{
	int opt, ret;

	memset(conf, 0, sizeof(*conf));
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:t:qh", stream_lgopts,
	    NULL)) != -1) {
		ret = STREAM_EXIT_OK;
		switch (opt) {
		case 'i':
			ret = add_inside(conf, optarg);
			break;
		case 't':
			ret = add_timeout(conf, optarg);
			break;
		case OPT_LOOSE:
			conf->cf_loose = true;
			break;
		case OPT_ZONE_VLAN:
			conf->cf_zone_vlan = true;
			break;
		case OPT_NO_FRAG:
			conf->cf_no_frag = true;
			break;
		case OPT_MAP:
			ret = add_map(conf, optarg);
			break;
		case 'q':
			conf->cf_quiet = true;
			break;
		case 'h':
			print_usage(stdout);
			return -1;
		case ':':
			return usage_error("option '%s' needs an argument",
			    argv[optind - 1]);
		default:
			if (optopt != 0)
				return usage_error("unknown option '-%c'",
				    optopt);
			return usage_error("unknown option '%s'",
			    argv[optind - 1]);
		}
		if (ret != STREAM_EXIT_OK)
			return ret;
	}
	if (conf->cf_ninside == 0)
		return usage_error("no inside network: give at least one "
		    "--inside CIDR");
	if (optind >= argc)
		return usage_error("no pcap file given");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s' (one pcap file "
		    "only)", argv[optind + 1]);
	conf->cf_file = argv[optind];
	return STREAM_EXIT_OK;
}

void
stream_args_free(struct stream_conf *conf)
{
	free(conf->cf_inside);
	conf->cf_inside = NULL;
	conf->cf_ninside = 0;
}
