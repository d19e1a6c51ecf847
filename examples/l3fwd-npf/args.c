/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * l3fwd-npf command line: the application's options, after the EAL's
 * and "--".
 *
 * Overview
 *
 *	As in DPDK's l2fwd and l3fwd: long options in lgopts[], their names
 *	in CMD_LINE_OPT_* macros and their getopt values in an enum starting
 *	after the short option characters.  args_parse() fills a struct
 *	app_config; it checks the syntax of every value and what can be
 *	checked without the EAL (ranges, families); main.c checks the ports
 *	against the ethdev ports that exist.  Addresses are parsed with
 *	inet_pton() and kept in network order.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_ether.h>

#include "l3fwd_npf.h"

#define CMD_LINE_OPT_PORT		"port"
#define CMD_LINE_OPT_ADDR		"addr"
#define CMD_LINE_OPT_ROUTE		"route"
#define CMD_LINE_OPT_NEIGH		"neigh"
#define CMD_LINE_OPT_RULES		"rules"
#define CMD_LINE_OPT_RXQ		"rxq"
#define CMD_LINE_OPT_TXQ		"txq"
#define CMD_LINE_OPT_BURST		"burst"
#define CMD_LINE_OPT_STATS_PERIOD	"stats-period"
#define CMD_LINE_OPT_MAX_CONNS		"max-conns"
#define CMD_LINE_OPT_MAX_CONNS6		"max-conns6"
#define CMD_LINE_OPT_LOOSE		"loose"
#define CMD_LINE_OPT_TIMEOUT		"timeout"
#define CMD_LINE_OPT_REPLAY		"replay"
#define CMD_LINE_OPT_PROMISC		"promisc"
#define CMD_LINE_OPT_NO_FRAG		"no-frag"
#define CMD_LINE_OPT_FRAG_DATAGRAMS	"frag-datagrams"
#define CMD_LINE_OPT_FRAG_HELD		"frag-held"
#define CMD_LINE_OPT_FRAG_TIMEOUT	"frag-timeout"
#define CMD_LINE_OPT_IDLE_SLEEP		"idle-sleep"
#define CMD_LINE_OPT_MBUFS		"mbufs"
#define CMD_LINE_OPT_ZONE		"zone"
#define CMD_LINE_OPT_ZONE_LIMIT		"zone-limit"
#define CMD_LINE_OPT_CONN_LOG		"conn-log"
#define CMD_LINE_OPT_HELP		"help"

enum {
	/* Long options only: start after the short option characters. */
	CMD_LINE_OPT_MIN_NUM = 256,
	CMD_LINE_OPT_PORT_NUM,
	CMD_LINE_OPT_ADDR_NUM,
	CMD_LINE_OPT_ROUTE_NUM,
	CMD_LINE_OPT_NEIGH_NUM,
	CMD_LINE_OPT_RULES_NUM,
	CMD_LINE_OPT_RXQ_NUM,
	CMD_LINE_OPT_TXQ_NUM,
	CMD_LINE_OPT_BURST_NUM,
	CMD_LINE_OPT_STATS_PERIOD_NUM,
	CMD_LINE_OPT_MAX_CONNS_NUM,
	CMD_LINE_OPT_MAX_CONNS6_NUM,
	CMD_LINE_OPT_LOOSE_NUM,
	CMD_LINE_OPT_TIMEOUT_NUM,
	CMD_LINE_OPT_REPLAY_NUM,
	CMD_LINE_OPT_PROMISC_NUM,
	CMD_LINE_OPT_NO_FRAG_NUM,
	CMD_LINE_OPT_FRAG_DATAGRAMS_NUM,
	CMD_LINE_OPT_FRAG_HELD_NUM,
	CMD_LINE_OPT_FRAG_TIMEOUT_NUM,
	CMD_LINE_OPT_IDLE_SLEEP_NUM,
	CMD_LINE_OPT_MBUFS_NUM,
	CMD_LINE_OPT_ZONE_NUM,
	CMD_LINE_OPT_ZONE_LIMIT_NUM,
	CMD_LINE_OPT_CONN_LOG_NUM,
	CMD_LINE_OPT_HELP_NUM,
};

static const struct option lgopts[] = {
	{ CMD_LINE_OPT_PORT, required_argument, NULL, CMD_LINE_OPT_PORT_NUM },
	{ CMD_LINE_OPT_ADDR, required_argument, NULL, CMD_LINE_OPT_ADDR_NUM },
	{ CMD_LINE_OPT_ROUTE, required_argument, NULL,
	    CMD_LINE_OPT_ROUTE_NUM },
	{ CMD_LINE_OPT_NEIGH, required_argument, NULL,
	    CMD_LINE_OPT_NEIGH_NUM },
	{ CMD_LINE_OPT_RULES, required_argument, NULL,
	    CMD_LINE_OPT_RULES_NUM },
	{ CMD_LINE_OPT_RXQ, required_argument, NULL, CMD_LINE_OPT_RXQ_NUM },
	{ CMD_LINE_OPT_TXQ, required_argument, NULL, CMD_LINE_OPT_TXQ_NUM },
	{ CMD_LINE_OPT_BURST, required_argument, NULL,
	    CMD_LINE_OPT_BURST_NUM },
	{ CMD_LINE_OPT_STATS_PERIOD, required_argument, NULL,
	    CMD_LINE_OPT_STATS_PERIOD_NUM },
	{ CMD_LINE_OPT_MAX_CONNS, required_argument, NULL,
	    CMD_LINE_OPT_MAX_CONNS_NUM },
	{ CMD_LINE_OPT_MAX_CONNS6, required_argument, NULL,
	    CMD_LINE_OPT_MAX_CONNS6_NUM },
	{ CMD_LINE_OPT_LOOSE, no_argument, NULL, CMD_LINE_OPT_LOOSE_NUM },
	{ CMD_LINE_OPT_TIMEOUT, required_argument, NULL,
	    CMD_LINE_OPT_TIMEOUT_NUM },
	{ CMD_LINE_OPT_REPLAY, no_argument, NULL, CMD_LINE_OPT_REPLAY_NUM },
	{ CMD_LINE_OPT_PROMISC, no_argument, NULL,
	    CMD_LINE_OPT_PROMISC_NUM },
	{ CMD_LINE_OPT_NO_FRAG, no_argument, NULL,
	    CMD_LINE_OPT_NO_FRAG_NUM },
	{ CMD_LINE_OPT_FRAG_DATAGRAMS, required_argument, NULL,
	    CMD_LINE_OPT_FRAG_DATAGRAMS_NUM },
	{ CMD_LINE_OPT_FRAG_HELD, required_argument, NULL,
	    CMD_LINE_OPT_FRAG_HELD_NUM },
	{ CMD_LINE_OPT_FRAG_TIMEOUT, required_argument, NULL,
	    CMD_LINE_OPT_FRAG_TIMEOUT_NUM },
	{ CMD_LINE_OPT_IDLE_SLEEP, required_argument, NULL,
	    CMD_LINE_OPT_IDLE_SLEEP_NUM },
	{ CMD_LINE_OPT_MBUFS, required_argument, NULL,
	    CMD_LINE_OPT_MBUFS_NUM },
	{ CMD_LINE_OPT_ZONE, required_argument, NULL, CMD_LINE_OPT_ZONE_NUM },
	{ CMD_LINE_OPT_ZONE_LIMIT, required_argument, NULL,
	    CMD_LINE_OPT_ZONE_LIMIT_NUM },
	{ CMD_LINE_OPT_CONN_LOG, required_argument, NULL,
	    CMD_LINE_OPT_CONN_LOG_NUM },
	{ CMD_LINE_OPT_HELP, no_argument, NULL, CMD_LINE_OPT_HELP_NUM },
	{ NULL, 0, NULL, 0 },
};

#define STATS_PERIOD_DEFAULT	10
#define MAX_CONNS_DEFAULT	65536
#define MAX_CONNS_LIMIT		(1u << 24)
#define TIMEOUT_LIMIT		(30u * 86400)	/* npfct's limit */
#define MBUFS_LIMIT		(1u << 24)

void
print_usage(const char *prgname)
{
	printf(
"Usage: %s [EAL options] -- [options]\n"
"\n"
"A stateful firewall between inside and outside ports: rte_acl rules for\n"
"the first packet of a flow, npfct connection tracking for the rest,\n"
"rte_lpm routing.\n"
"\n"
"Ports and addresses:\n"
"  --port PORT:inside|outside  use ethdev PORT in that role; packets\n"
"                              received on an inside port are \"out\",\n"
"                              on an outside port \"in\" (repeat)\n"
"  --addr PORT:ADDR/PLEN       an address of the firewall on PORT (IPv4\n"
"                              or IPv6); its prefix is a connected route;\n"
"                              ARP, neighbour solicitations and pings to\n"
"                              it are answered (repeat)\n"
"  --route CIDR:PORT[:NEXTHOP] route CIDR through PORT via NEXTHOP (the\n"
"                              destination itself if omitted) (repeat)\n"
"  --neigh IP:MAC              a static neighbour; others are learned\n"
"                              from ARP and neighbour discovery (repeat)\n"
"  --promisc                   accept frames for any destination MAC\n"
"\n"
"Firewall:\n"
"  --no-frag                   no fragment handler: later fragments are\n"
"                              not trackable and go to the rules\n"
"  --frag-datagrams N          datagrams being reassembled at once\n"
"                              (8..4194304, default %u)\n"
"  --frag-held N               later fragments held for their first one\n"
"                              at once (1..1048576, default %u; the mbuf\n"
"                              pool grows by N)\n"
"  --frag-timeout S            seconds to complete a datagram (1..3600;\n"
"                              default 30 for IPv4, 60 for IPv6)\n"
"  --rules FILE                the rule file (see docs/l3fwd-npf.md);\n"
"                              without it every packet is blocked\n"
"  --max-conns N               connection table size per family\n"
"                              (default %u)\n"
"  --max-conns6 N              IPv6 table size, if not --max-conns (a\n"
"                              small one for IPv4-mostly traffic)\n"
"  --loose                     let TCP connections start without a SYN\n"
"                              (mid-stream pickup, NPFCT_F_TCP_LOOSE)\n"
"  --timeout NAME=SECONDS      a connection timeout, NAME one of\n"
"                              generic.closed generic.new\n"
"                              generic.established tcp.new\n"
"                              tcp.established tcp.half_close tcp.close\n"
"                              tcp.time_wait (repeat)\n"
"  --zone PORT:ZONE            packets received on PORT are in connection\n"
"                              zone ZONE, 0-65535 (default 0): give the\n"
"                              inside and outside ports of a tenant one\n"
"                              zone (repeat)\n"
"  --zone-limit ZONE=N         at most N connections in ZONE, or none\n"
"                              (N \"none\", exempt from the default);\n"
"                              ZONE \"default\" limits every zone without\n"
"                              a limit of its own (repeat)\n"
"\n"
"Datapath:\n"
"  --rxq N                     RX queues per port (default 1); queue q of\n"
"                              every port goes to the same lcore, and a\n"
"                              symmetric RSS key keeps both directions of\n"
"                              a flow on one queue index\n"
"  --txq N                     TX queues per port (default: one per\n"
"                              forwarding lcore; fewer are shared)\n"
"  --burst N                   RX/TX burst size, 1-%u (default %u)\n"
"  --idle-sleep US             sleep US microseconds when a loop received\n"
"                              nothing (default 0: busy polling)\n"
"  --mbufs N                   mbuf pool size (default: what the rings\n"
"                              and lcore caches need, at least 8192);\n"
"                              raise it for net_pcap infinite_rx, which\n"
"                              keeps the whole file in mbufs\n"
"  --replay                    pcap replay (net_pcap rx_pcap= ports): the\n"
"                              main lcore forwards the packets of all\n"
"                              ports in timestamp order, npfct's clock\n"
"                              follows the timestamps, and the program\n"
"                              exits when every file has been read\n"
"\n"
"Output:\n"
"  --stats-period SECONDS      status line period, 0: off (default %u)\n"
"  --conn-log FILE             append one JSON line per connection event\n"
"                              (new, update, destroy, nat; schema in\n"
"                              docs/l3fwd-npf.md) to FILE, \"-\": standard\n"
"                              output; turns on per-connection packet\n"
"                              and byte counters\n"
"  --help                      print this text\n"
"\n"
"The G/C runs on the first service lcore (EAL -s/-S) if there is one,\n"
"otherwise on the main lcore.  Telemetry: /npfct/* and /l3fwd_npf/*\n"
"commands (dpdk-telemetry.py).\n"
"\n"
"Example:\n"
"  %s -l 0-1 -S 1 --no-huge -m 512 --no-pci \\\n"
"      --vdev=net_af_packet0,iface=veth0 --vdev=net_af_packet1,iface=veth1 \\\n"
"      -- --port 0:inside --port 1:outside \\\n"
"      --addr 0:10.99.1.254/24 --addr 1:10.99.2.254/24 \\\n"
"      --route 0.0.0.0/0:1:10.99.2.1 --rules fw.rules\n",
	    prgname, NPFCT_FRAG_DATAGRAMS_DEFAULT, NPFCT_FRAG_HELD_DEFAULT,
	    MAX_CONNS_DEFAULT, MAX_PKT_BURST, DEFAULT_BURST,
	    STATS_PERIOD_DEFAULT, prgname);
}

const char *
port_role_name(uint8_t role)
{
	switch (role) {
	case ROLE_INSIDE:
		return "inside";
	case ROLE_OUTSIDE:
		return "outside";
	default:
		return "unused";
	}
}

static int
parse_uint(const char *arg, unsigned long min, unsigned long max,
		unsigned long *val)
{
	unsigned long v;
	char *end;

	if (arg[0] < '0' || arg[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}

/*
 * parse_port: a port number followed by the character end (or NUL).
 *
 * => Returns the position after the port, or NULL.
 */
static const char *
parse_port(const char *s, char end, uint16_t *port)
{
	unsigned long v;
	char *e;

	if (*s < '0' || *s > '9')
		return NULL;
	errno = 0;
	v = strtoul(s, &e, 10);
	if (errno != 0 || e == s || *e != end || v >= RTE_MAX_ETHPORTS)
		return NULL;
	*port = (uint16_t)v;
	return end == '\0' ? e : e + 1;
}

/*
 * parse_ipaddr: "ADDR" or "ADDR/PLEN", IPv4 or IPv6.
 *
 * => With prefix, "/PLEN" is required; otherwise it is optional and the
 *    full length is assumed.  Returns 0 or -EINVAL.
 */
int
parse_ipaddr(const char *s, struct ipaddr *ip, bool prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned long plen;
	char *slash;
	size_t len;

	len = strlen(s);
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len + 1);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	else if (prefix)
		return -EINVAL;
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, buf, &ip->a.v4) == 1)
		ip->family = 4;
	else if (inet_pton(AF_INET6, buf, ip->a.a8) == 1)
		ip->family = 6;
	else
		return -EINVAL;
	ip->plen = ip->family == 4 ? 32 : 128;
	if (slash != NULL) {
		if (parse_uint(slash + 1, 0, ip->plen, &plen) != 0)
			return -EINVAL;
		ip->plen = (uint8_t)plen;
	}
	return 0;
}

/* --port PORT:inside|outside */
static int
parse_port_role(const char *arg, struct app_config *cfg)
{
	const char *role;
	uint16_t port;

	role = parse_port(arg, ':', &port);
	if (role == NULL)
		return -EINVAL;
	if (strcmp(role, "inside") == 0)
		cfg->port_role[port] = ROLE_INSIDE;
	else if (strcmp(role, "outside") == 0)
		cfg->port_role[port] = ROLE_OUTSIDE;
	else
		return -EINVAL;
	return 0;
}

/* --addr PORT:ADDR/PLEN */
static int
parse_addr(const char *arg, struct app_config *cfg)
{
	struct cfg_addr *a;
	const char *rest;

	if (cfg->n_addr == MAX_ADDRS)
		return -ENOSPC;
	a = &cfg->addr[cfg->n_addr];
	rest = parse_port(arg, ':', &a->port);
	if (rest == NULL || parse_ipaddr(rest, &a->addr, true) != 0)
		return -EINVAL;
	cfg->n_addr++;
	return 0;
}

/* --route CIDR:PORT[:NEXTHOP]; the prefix length ends the CIDR. */
static int
parse_route(const char *arg, struct app_config *cfg)
{
	char cidr[INET6_ADDRSTRLEN + 8];
	struct cfg_route *r;
	const char *slash, *p;
	char *end;
	size_t len;

	if (cfg->n_route == MAX_ROUTES)
		return -ENOSPC;
	r = &cfg->route[cfg->n_route];
	memset(r, 0, sizeof(*r));
	slash = strchr(arg, '/');
	if (slash == NULL)
		return -EINVAL;
	/* The prefix length: digits up to the ':' before the port. */
	strtoul(slash + 1, &end, 10);
	if (end == slash + 1 || *end != ':')
		return -EINVAL;
	len = (size_t)(end - arg);
	if (len >= sizeof(cidr))
		return -EINVAL;
	memcpy(cidr, arg, len);
	cidr[len] = '\0';
	if (parse_ipaddr(cidr, &r->prefix, true) != 0)
		return -EINVAL;
	p = end + 1;
	if (strchr(p, ':') == NULL) {
		if (parse_port(p, '\0', &r->port) == NULL)
			return -EINVAL;
	} else {
		p = parse_port(p, ':', &r->port);
		if (p == NULL || parse_ipaddr(p, &r->gw, false) != 0 ||
		    r->gw.family != r->prefix.family)
			return -EINVAL;
		r->has_gw = true;
	}
	cfg->n_route++;
	return 0;
}

/* --neigh IP:MAC; the MAC is the last 17 characters. */
static int
parse_neigh(const char *arg, struct app_config *cfg)
{
	char ip[INET6_ADDRSTRLEN];
	struct cfg_neigh *nb;
	const size_t maclen = 17;	/* xx:xx:xx:xx:xx:xx */
	size_t len = strlen(arg);

	if (cfg->n_neigh == MAX_NEIGHS)
		return -ENOSPC;
	nb = &cfg->neigh[cfg->n_neigh];
	if (len < maclen + 2 || arg[len - maclen - 1] != ':' ||
	    len - maclen - 1 >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, arg, len - maclen - 1);
	ip[len - maclen - 1] = '\0';
	if (parse_ipaddr(ip, &nb->addr, false) != 0 ||
	    nb->addr.plen != (nb->addr.family == 4 ? 32 : 128))
		return -EINVAL;
	if (rte_ether_unformat_addr(arg + len - maclen, &nb->mac) != 0)
		return -EINVAL;
	cfg->n_neigh++;
	return 0;
}

/* --zone PORT:ZONE */
static int
parse_zone(const char *arg, struct app_config *cfg)
{
	unsigned long zone;
	const char *z;
	uint16_t port;

	z = parse_port(arg, ':', &port);
	if (z == NULL || parse_uint(z, 0, UINT16_MAX, &zone) != 0)
		return -EINVAL;
	cfg->port_zone[port] = (uint16_t)zone;
	return 0;
}

/* --zone-limit ZONE=N|none or default=N|none */
static int
parse_zone_limit(const char *arg, struct app_config *cfg)
{
	const char *eq = strchr(arg, '=');
	unsigned long zone, limit;
	char buf[16];

	if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(buf))
		return -EINVAL;
	if (strcmp(eq + 1, "none") == 0)
		limit = NPFCT_ZONE_NO_LIMIT;
	else if (parse_uint(eq + 1, 1, UINT32_MAX - 1, &limit) != 0)
		return -EINVAL;
	memcpy(buf, arg, (size_t)(eq - arg));
	buf[eq - arg] = '\0';
	if (strcmp(buf, "default") == 0)
		zone = (unsigned long)-1;
	else if (parse_uint(buf, 0, UINT16_MAX, &zone) != 0)
		return -EINVAL;
	if (cfg->n_zone_limit >= MAX_ZONE_LIMITS)
		return -ENOSPC;
	cfg->zone_limit[cfg->n_zone_limit].zone = zone == (unsigned long)-1 ?
	    NPFCT_ZONE_DEFAULT : (int)zone;
	cfg->zone_limit[cfg->n_zone_limit].limit = (uint32_t)limit;
	cfg->n_zone_limit++;
	return 0;
}

/* --timeout NAME=SECONDS */
static int
parse_timeout(const char *arg, struct app_config *cfg)
{
	char name[32];
	const char *eq = strchr(arg, '=');
	unsigned long secs;
	int which;

	if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(name))
		return -EINVAL;
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	which = npfct_timeout_lookup(name);
	if (which < 0 || parse_uint(eq + 1, 0, TIMEOUT_LIMIT, &secs) != 0)
		return -EINVAL;
	cfg->timeouts[which] = (uint32_t)secs;
	cfg->timeout_set[which] = true;
	return 0;
}

static int
parse_number(const char *name, const char *arg, unsigned long min,
		unsigned long max, unsigned long *val)
{
	if (parse_uint(arg, min, max, val) != 0) {
		fprintf(stderr, "invalid --%s: %s (expected %lu-%lu)\n", name,
		    arg, min, max);
		return -EINVAL;
	}
	return 0;
}

/*
 * args_parse: the application's options (after "--").
 *
 * => Returns 0, 1 for --help, or -EINVAL (a message was printed).
 */
int
args_parse(int argc, char **argv, struct app_config *cfg)
{
	unsigned long v;
	int opt, idx, rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->nb_rxq = 1;
	cfg->burst = DEFAULT_BURST;
	cfg->stats_period = STATS_PERIOD_DEFAULT;
	cfg->max_conns = MAX_CONNS_DEFAULT;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lgopts, &idx)) != EOF) {
		rc = 0;
		switch (opt) {
		case CMD_LINE_OPT_PORT_NUM:
			rc = parse_port_role(optarg, cfg);
			break;
		case CMD_LINE_OPT_ADDR_NUM:
			rc = parse_addr(optarg, cfg);
			break;
		case CMD_LINE_OPT_ROUTE_NUM:
			rc = parse_route(optarg, cfg);
			break;
		case CMD_LINE_OPT_NEIGH_NUM:
			rc = parse_neigh(optarg, cfg);
			break;
		case CMD_LINE_OPT_RULES_NUM:
			cfg->rules_file = optarg;
			break;
		case CMD_LINE_OPT_RXQ_NUM:
			if (parse_number(CMD_LINE_OPT_RXQ, optarg, 1,
			    MAX_QUEUES_PER_PORT, &v) != 0)
				return -EINVAL;
			cfg->nb_rxq = (uint16_t)v;
			break;
		case CMD_LINE_OPT_TXQ_NUM:
			if (parse_number(CMD_LINE_OPT_TXQ, optarg, 1,
			    MAX_QUEUES_PER_PORT, &v) != 0)
				return -EINVAL;
			cfg->nb_txq = (uint16_t)v;
			break;
		case CMD_LINE_OPT_BURST_NUM:
			if (parse_number(CMD_LINE_OPT_BURST, optarg, 1,
			    MAX_PKT_BURST, &v) != 0)
				return -EINVAL;
			cfg->burst = (uint16_t)v;
			break;
		case CMD_LINE_OPT_STATS_PERIOD_NUM:
			if (parse_number(CMD_LINE_OPT_STATS_PERIOD, optarg, 0,
			    86400, &v) != 0)
				return -EINVAL;
			cfg->stats_period = (uint32_t)v;
			break;
		case CMD_LINE_OPT_MAX_CONNS_NUM:
			if (parse_number(CMD_LINE_OPT_MAX_CONNS, optarg, 1,
			    MAX_CONNS_LIMIT, &v) != 0)
				return -EINVAL;
			cfg->max_conns = (uint32_t)v;
			break;
		case CMD_LINE_OPT_MAX_CONNS6_NUM:
			if (parse_number(CMD_LINE_OPT_MAX_CONNS6, optarg, 1,
			    MAX_CONNS_LIMIT, &v) != 0)
				return -EINVAL;
			cfg->max_conns6 = (uint32_t)v;
			break;
		case CMD_LINE_OPT_LOOSE_NUM:
			cfg->ct_flags |= NPFCT_F_TCP_LOOSE;
			break;
		case CMD_LINE_OPT_TIMEOUT_NUM:
			rc = parse_timeout(optarg, cfg);
			break;
		case CMD_LINE_OPT_ZONE_NUM:
			rc = parse_zone(optarg, cfg);
			break;
		case CMD_LINE_OPT_ZONE_LIMIT_NUM:
			rc = parse_zone_limit(optarg, cfg);
			break;
		case CMD_LINE_OPT_CONN_LOG_NUM:
			if (optarg[0] == '\0')
				rc = -EINVAL;
			cfg->conn_log = optarg;
			break;
		case CMD_LINE_OPT_REPLAY_NUM:
			cfg->replay = true;
			break;
		case CMD_LINE_OPT_PROMISC_NUM:
			cfg->promisc = true;
			break;
		case CMD_LINE_OPT_NO_FRAG_NUM:
			cfg->no_frag = true;
			break;
		case CMD_LINE_OPT_FRAG_DATAGRAMS_NUM:
			if (parse_number(CMD_LINE_OPT_FRAG_DATAGRAMS, optarg,
			    8, 1u << 22, &v) != 0)
				return -EINVAL;
			cfg->frag.max_datagrams = (uint32_t)v;
			break;
		case CMD_LINE_OPT_FRAG_HELD_NUM:
			if (parse_number(CMD_LINE_OPT_FRAG_HELD, optarg, 1,
			    1u << 20, &v) != 0)
				return -EINVAL;
			cfg->frag.max_held = (uint32_t)v;
			break;
		case CMD_LINE_OPT_FRAG_TIMEOUT_NUM:
			if (parse_number(CMD_LINE_OPT_FRAG_TIMEOUT, optarg, 1,
			    3600, &v) != 0)
				return -EINVAL;
			cfg->frag.timeout4_ms = (uint32_t)v * 1000;
			cfg->frag.timeout6_ms = (uint32_t)v * 1000;
			break;
		case CMD_LINE_OPT_IDLE_SLEEP_NUM:
			if (parse_number(CMD_LINE_OPT_IDLE_SLEEP, optarg, 0,
			    1000000, &v) != 0)
				return -EINVAL;
			cfg->idle_sleep_us = (uint32_t)v;
			break;
		case CMD_LINE_OPT_MBUFS_NUM:
			if (parse_number(CMD_LINE_OPT_MBUFS, optarg, 1024,
			    MBUFS_LIMIT, &v) != 0)
				return -EINVAL;
			cfg->nb_mbufs = (uint32_t)v;
			break;
		case 'h':
		case CMD_LINE_OPT_HELP_NUM:
			return 1;
		default:
			/* getopt_long() printed the reason. */
			return -EINVAL;
		}
		if (rc == -ENOSPC) {
			fprintf(stderr, "too many --%s options\n",
			    lgopts[idx].name);
			return -EINVAL;
		}
		if (rc != 0) {
			fprintf(stderr, "invalid --%s: %s\n", lgopts[idx].name,
			    optarg);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}
