/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * l3fwd-npf rules: the rule file, compiled into rte_acl contexts, which
 * decide the first packet of a flow.
 *
 * Overview
 *
 *	One rule per line ('#' starts a comment):
 *
 *	  pass|block in|out [on PORT] [proto tcp|udp|icmp|icmp6|any]
 *	      [from CIDR|any [port LO[-HI]]] [to CIDR|any [port LO[-HI]]]
 *	      [stateful]
 *
 *	"out" is a packet received on an inside port, "in" one received on
 *	an outside port.  A port range needs proto tcp or udp.  The first
 *	rule that matches wins (priority = file order); no match blocks.
 *	A rule with IPv4 addresses or proto icmp is an IPv4 rule, with IPv6
 *	addresses or icmp6 an IPv6 rule, otherwise it goes into both.
 *
 *	IPv4 and IPv6 rules are compiled into two rte_acl contexts (as in
 *	DPDK's l3fwd-acl), with one category.  A rule's userdata is its
 *	index + 1 (0 is "no match"), its priority MAX_RULES - index.
 *
 * Search keys
 *
 *	The packet's fields come from struct npfct_pkt (already parsed by
 *	npfct), copied into a small key in network order, with the ingress
 *	port and direction as two more fields:
 *
 *	  IPv4 key (20 bytes)               IPv6 key (44 bytes)
 *	  off  field        type   input     off  field        type   input
 *	   0   proto        bitmask  0        0   proto        bitmask  0
 *	   4   src          mask     1        4   src[0..3]    mask     1-4
 *	   8   dst          mask     2       20   dst[0..3]    mask     5-8
 *	  12   sport        range    3       36   sport        range    9
 *	  14   dport        range    3       38   dport        range    9
 *	  16   ifport       range    4       40   ifport       range   10
 *	  18   dir          bitmask  4       42   dir          bitmask 10
 *
 *	rte_acl reads the first field as one byte and the others in groups
 *	of 4 consecutive bytes ("input" index).  Packets without ports
 *	(ICMP, later fragments, other protocols) have ports 0.
 *
 * Synchronisation
 *
 *	Loaded and compiled by the control thread before the launch, then
 *	read-only: rte_acl_classify() is multi-thread safe.  Rule hit
 *	counters are per lcore (struct lcore_stats).
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_malloc.h>

#include "l3fwd_npf.h"

#define RULE_TEXT_MAX	160
#define ACL_MAX_SIZE	(64u << 20)	/* run-time structures, bytes */

/* A rule as read from the file. */
struct rule {
	uint32_t	line;
	uint8_t		flags;		/* RULE_F_* */
	uint8_t		dir;		/* NPFCT_DIR_IN or NPFCT_DIR_OUT */
	uint8_t		family;		/* 0: both, 4, 6 */
	int		port;		/* -1: any */
	int		proto;		/* -1: any */
	struct ipaddr	src, dst;	/* plen 0: any */
	uint16_t	sport[2], dport[2];	/* ranges, host order */
	char		text[RULE_TEXT_MAX];
};

/*
 * A NAT rule, NPF's "map" (npf.conf(5)): "map PORT RULE", the policy
 * applying in PORT's zone (parse_map()).
 */
#define MAX_MAPS	16

struct map_rule {
	uint32_t	line;
	int		port;
	struct npfct_nat_policy_conf conf;
	char		text[RULE_TEXT_MAX];
};

struct rules {
	unsigned int	nmap;
	struct map_rule	map[MAX_MAPS];
	unsigned int	n;
	struct rule	*rule;		/* [MAX_RULES] */
	struct rte_acl_ctx *ctx4;	/* NULL: no IPv4 rule */
	struct rte_acl_ctx *ctx6;	/* NULL: no IPv6 rule */
	unsigned int	n4, n6;
};

/* Search keys; see "Search keys" above. */
struct acl4_key {
	uint8_t		proto;
	uint8_t		pad[3];
	rte_be32_t	src;
	rte_be32_t	dst;
	rte_be16_t	sport;
	rte_be16_t	dport;
	rte_be16_t	ifport;
	rte_be16_t	dir;
};

struct acl6_key {
	uint8_t		proto;
	uint8_t		pad[3];
	uint32_t	src[4];
	uint32_t	dst[4];
	rte_be16_t	sport;
	rte_be16_t	dport;
	rte_be16_t	ifport;
	rte_be16_t	dir;
};

enum { F4_PROTO, F4_SRC, F4_DST, F4_SPORT, F4_DPORT, F4_IFPORT, F4_DIR,
	F4_NUM };
enum { F6_PROTO, F6_SRC0, F6_DST0 = F6_SRC0 + 4, F6_SPORT = F6_DST0 + 4,
	F6_DPORT, F6_IFPORT, F6_DIR, F6_NUM };

RTE_ACL_RULE_DEF(acl4_rule, F4_NUM);
RTE_ACL_RULE_DEF(acl6_rule, F6_NUM);

/* ACL field definitions. 8< */
static const struct rte_acl_field_def acl4_defs[F4_NUM] = {
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint8_t),
	  .field_index = F4_PROTO, .input_index = 0,
	  .offset = offsetof(struct acl4_key, proto) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(uint32_t),
	  .field_index = F4_SRC, .input_index = 1,
	  .offset = offsetof(struct acl4_key, src) },
	{ .type = RTE_ACL_FIELD_TYPE_MASK, .size = sizeof(uint32_t),
	  .field_index = F4_DST, .input_index = 2,
	  .offset = offsetof(struct acl4_key, dst) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t),
	  .field_index = F4_SPORT, .input_index = 3,
	  .offset = offsetof(struct acl4_key, sport) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t),
	  .field_index = F4_DPORT, .input_index = 3,
	  .offset = offsetof(struct acl4_key, dport) },
	{ .type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t),
	  .field_index = F4_IFPORT, .input_index = 4,
	  .offset = offsetof(struct acl4_key, ifport) },
	{ .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint16_t),
	  .field_index = F4_DIR, .input_index = 4,
	  .offset = offsetof(struct acl4_key, dir) },
};
/* >8 End of ACL field definitions. */

static void
acl6_defs_init(struct rte_acl_field_def *d)
{
	unsigned int i;

	memset(d, 0, sizeof(*d) * F6_NUM);
	d[F6_PROTO] = (struct rte_acl_field_def){
		.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint8_t),
		.field_index = F6_PROTO, .input_index = 0,
		.offset = offsetof(struct acl6_key, proto) };
	for (i = 0; i < 4; i++) {
		d[F6_SRC0 + i] = (struct rte_acl_field_def){
			.type = RTE_ACL_FIELD_TYPE_MASK,
			.size = sizeof(uint32_t),
			.field_index = (uint8_t)(F6_SRC0 + i),
			.input_index = (uint8_t)(1 + i),
			.offset = (uint32_t)(offsetof(struct acl6_key, src) +
			    4 * i) };
		d[F6_DST0 + i] = (struct rte_acl_field_def){
			.type = RTE_ACL_FIELD_TYPE_MASK,
			.size = sizeof(uint32_t),
			.field_index = (uint8_t)(F6_DST0 + i),
			.input_index = (uint8_t)(5 + i),
			.offset = (uint32_t)(offsetof(struct acl6_key, dst) +
			    4 * i) };
	}
	d[F6_SPORT] = (struct rte_acl_field_def){
		.type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t),
		.field_index = F6_SPORT, .input_index = 9,
		.offset = offsetof(struct acl6_key, sport) };
	d[F6_DPORT] = (struct rte_acl_field_def){
		.type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t),
		.field_index = F6_DPORT, .input_index = 9,
		.offset = offsetof(struct acl6_key, dport) };
	d[F6_IFPORT] = (struct rte_acl_field_def){
		.type = RTE_ACL_FIELD_TYPE_RANGE, .size = sizeof(uint16_t),
		.field_index = F6_IFPORT, .input_index = 10,
		.offset = offsetof(struct acl6_key, ifport) };
	d[F6_DIR] = (struct rte_acl_field_def){
		.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = sizeof(uint16_t),
		.field_index = F6_DIR, .input_index = 10,
		.offset = offsetof(struct acl6_key, dir) };
}

/*
 * Parsing.
 */

struct lexer {
	const char	*path;
	uint32_t	line;
	char		*save;		/* strtok_r state */
	char		*tok;		/* current token, NULL at the end */
};

static void
lex_next(struct lexer *lx)
{
	lx->tok = strtok_r(NULL, " \t\r\n", &lx->save);
}

static int
lex_error(const struct lexer *lx, const char *what)
{
	fprintf(stderr, "%s:%u: %s%s%s\n", lx->path, lx->line, what,
	    lx->tok != NULL ? " near " : " at the end of the line",
	    lx->tok != NULL ? lx->tok : "");
	return -EINVAL;
}

/* An error about the rule as a whole. */
static int
rule_error(const struct lexer *lx, const char *what)
{
	fprintf(stderr, "%s:%u: %s\n", lx->path, lx->line, what);
	return -EINVAL;
}

/* "LO" or "LO-HI" */
static int
parse_range(const char *s, uint16_t *r)
{
	unsigned long lo, hi;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	lo = strtoul(s, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -EINVAL;
		hi = strtoul(end + 1, &end, 10);
	}
	if (*end != '\0' || lo > hi || hi > UINT16_MAX)
		return -EINVAL;
	r[0] = (uint16_t)lo;
	r[1] = (uint16_t)hi;
	return 0;
}

/* "from|to CIDR|any [port LO[-HI]]", the keyword already consumed. */
static int
parse_endpoint(struct lexer *lx, struct ipaddr *ip, uint16_t *range)
{
	if (lx->tok == NULL)
		return lex_error(lx, "address expected");
	if (strcmp(lx->tok, "any") == 0) {
		memset(ip, 0, sizeof(*ip));
	} else if (parse_ipaddr(lx->tok, ip, false) != 0) {
		return lex_error(lx, "bad address");
	}
	lex_next(lx);
	if (lx->tok != NULL && strcmp(lx->tok, "port") == 0) {
		lex_next(lx);
		if (lx->tok == NULL || parse_range(lx->tok, range) != 0)
			return lex_error(lx, "bad port range");
		lex_next(lx);
	}
	return 0;
}

/* Merge a family requirement into the rule's. */
static int
rule_family(struct lexer *lx, struct rule *r, uint8_t family)
{
	if (family == 0)
		return 0;
	if (r->family != 0 && r->family != family)
		return rule_error(lx, "IPv4 and IPv6 mixed in one rule");
	r->family = family;
	return 0;
}

/*
 * parse_rule: one line, already stripped of its comment and not blank.
 */
static int
parse_rule(struct lexer *lx, char *line, struct rule *r)
{
	static const struct {
		const char *name;
		int proto;
		uint8_t family;
	} protos[] = {
		{ "tcp", IPPROTO_TCP, 0 }, { "udp", IPPROTO_UDP, 0 },
		{ "icmp", IPPROTO_ICMP, 4 }, { "icmp6", IPPROTO_ICMPV6, 6 },
		{ "any", -1, 0 },
	};
	unsigned int i;
	unsigned long v;
	char *end;

	memset(r, 0, sizeof(*r));
	r->line = lx->line;
	r->port = -1;
	r->proto = -1;
	r->sport[1] = r->dport[1] = UINT16_MAX;
	lx->tok = strtok_r(line, " \t\r\n", &lx->save);

	if (strcmp(lx->tok, "pass") == 0)
		r->flags = RULE_F_PASS;
	else if (strcmp(lx->tok, "block") != 0)
		return lex_error(lx, "pass or block expected");
	lex_next(lx);
	if (lx->tok != NULL && strcmp(lx->tok, "in") == 0)
		r->dir = NPFCT_DIR_IN;
	else if (lx->tok != NULL && strcmp(lx->tok, "out") == 0)
		r->dir = NPFCT_DIR_OUT;
	else
		return lex_error(lx, "in or out expected");
	lex_next(lx);

	if (lx->tok != NULL && strcmp(lx->tok, "on") == 0) {
		lex_next(lx);
		if (lx->tok == NULL || !isdigit((unsigned char)lx->tok[0]))
			return lex_error(lx, "port number expected");
		v = strtoul(lx->tok, &end, 10);
		if (*end != '\0' || v >= RTE_MAX_ETHPORTS)
			return lex_error(lx, "bad port number");
		r->port = (int)v;
		lex_next(lx);
	}
	if (lx->tok != NULL && strcmp(lx->tok, "proto") == 0) {
		lex_next(lx);
		for (i = 0; i < RTE_DIM(protos); i++)
			if (lx->tok != NULL &&
			    strcmp(lx->tok, protos[i].name) == 0)
				break;
		if (i == RTE_DIM(protos))
			return lex_error(lx, "tcp, udp, icmp, icmp6 or any "
			    "expected");
		r->proto = protos[i].proto;
		if (rule_family(lx, r, protos[i].family) != 0)
			return -EINVAL;
		lex_next(lx);
	}
	if (lx->tok != NULL && strcmp(lx->tok, "from") == 0) {
		lex_next(lx);
		if (parse_endpoint(lx, &r->src, r->sport) != 0 ||
		    rule_family(lx, r, r->src.family) != 0)
			return -EINVAL;
	}
	if (lx->tok != NULL && strcmp(lx->tok, "to") == 0) {
		lex_next(lx);
		if (parse_endpoint(lx, &r->dst, r->dport) != 0 ||
		    rule_family(lx, r, r->dst.family) != 0)
			return -EINVAL;
	}
	if (lx->tok != NULL && strcmp(lx->tok, "stateful") == 0) {
		if (!(r->flags & RULE_F_PASS))
			return lex_error(lx, "a block rule cannot be "
			    "stateful");
		r->flags |= RULE_F_STATEFUL;
		lex_next(lx);
	}
	if (lx->tok != NULL)
		return lex_error(lx, "unexpected word");
	if ((r->sport[0] != 0 || r->sport[1] != UINT16_MAX ||
	    r->dport[0] != 0 || r->dport[1] != UINT16_MAX) &&
	    r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return rule_error(lx, "a port needs proto tcp or udp");
	return 0;
}

/*
 * parse_map: NPF's map (npf.conf(5)), "map PORT RULE", RULE as
 * npfct_nat_policy_parse() reads it:
 *	dynamic NET/PLEN -> ADDR[-ADDR] [port MIN-MAX]	(source NAT)
 *	dynamic [proto tcp|udp] INSIDE [port P] <- OUTSIDE [port Q[-R]]
 *	static [algo netmap|npt66] INSIDE[/PLEN] <-> OUTSIDE[/PLEN]
 */
static int
parse_map(struct lexer *lx, char *line, struct map_rule *mr)
{
	char err[160];
	unsigned long v;
	char *end;

	memset(mr, 0, sizeof(*mr));
	mr->line = lx->line;
	lx->tok = strtok_r(line, " \t\r\n", &lx->save);	/* "map" */
	lex_next(lx);
	if (lx->tok == NULL || !isdigit((unsigned char)lx->tok[0]))
		return lex_error(lx, "port number expected");
	v = strtoul(lx->tok, &end, 10);
	if (*end != '\0' || v >= RTE_MAX_ETHPORTS)
		return lex_error(lx, "bad port number");
	mr->port = (int)v;
	/* The rest of the line, after the port's token. */
	if (lx->save == NULL || npfct_nat_policy_parse(lx->save, &mr->conf,
	    err, sizeof(err)) != 0) {
		fprintf(stderr, "%s:%u: map: %s\n", lx->path, lx->line,
		    lx->save == NULL ? "rule expected" : err);
		return -EINVAL;
	}
	return 0;
}

/* Strip the comment and surrounding blanks; return NULL if empty. */
static char *
line_strip(char *line)
{
	char *p = strchr(line, '#');
	size_t len;

	if (p != NULL)
		*p = '\0';
	while (isspace((unsigned char)*line))
		line++;
	len = strlen(line);
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	return len != 0 ? line : NULL;
}

static int
rules_read(struct rules *rs, const char *path)
{
	char buf[1024], copy[RULE_TEXT_MAX];
	struct lexer lx = { .path = path };
	char *line;
	FILE *f;
	int rc = 0;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (fgets(buf, sizeof(buf), f) != NULL) {
		lx.line++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "%s:%u: line too long\n", path,
			    lx.line);
			rc = -EINVAL;
			break;
		}
		line = line_strip(buf);
		if (line == NULL)
			continue;
		if (strncmp(line, "map", 3) == 0 && isspace((unsigned char)
		    line[3])) {
			if (rs->nmap == MAX_MAPS) {
				fprintf(stderr, "%s:%u: more than %u map "
				    "rules\n", path, lx.line, MAX_MAPS);
				rc = -EINVAL;
				break;
			}
			snprintf(copy, sizeof(copy), "%s", line);
			rc = parse_map(&lx, line, &rs->map[rs->nmap]);
			if (rc != 0)
				break;
			memcpy(rs->map[rs->nmap].text, copy, sizeof(copy));
			rs->nmap++;
			continue;
		}
		if (rs->n == MAX_RULES) {
			fprintf(stderr, "%s:%u: more than %u rules\n", path,
			    lx.line, MAX_RULES);
			rc = -EINVAL;
			break;
		}
		snprintf(copy, sizeof(copy), "%s", line);
		rc = parse_rule(&lx, line, &rs->rule[rs->n]);
		if (rc != 0)
			break;
		memcpy(rs->rule[rs->n].text, copy, sizeof(copy));
		rs->n++;
	}
	fclose(f);
	return rc;
}

/*
 * Compilation.
 */

static void
field_mask32(struct rte_acl_field *f, const uint8_t *a, int plen)
{
	uint32_t v;

	memcpy(&v, a, sizeof(v));
	if (plen < 0)
		plen = 0;
	else if (plen > 32)
		plen = 32;
	f->value.u32 = plen != 0 ? rte_be_to_cpu_32(v) : 0;
	f->mask_range.u32 = (uint32_t)plen;
}

static void
field_common(const struct rule *r, unsigned int id,
		struct rte_acl_rule_data *data, struct rte_acl_field *proto,
		struct rte_acl_field *sport, struct rte_acl_field *dport,
		struct rte_acl_field *ifport, struct rte_acl_field *dir)
{
	data->category_mask = 1;
	data->priority = (int32_t)(MAX_RULES - id);
	data->userdata = id + 1;
	proto->value.u8 = r->proto < 0 ? 0 : (uint8_t)r->proto;
	proto->mask_range.u8 = r->proto < 0 ? 0 : UINT8_MAX;
	sport->value.u16 = r->sport[0];
	sport->mask_range.u16 = r->sport[1];
	dport->value.u16 = r->dport[0];
	dport->mask_range.u16 = r->dport[1];
	ifport->value.u16 = r->port < 0 ? 0 : (uint16_t)r->port;
	ifport->mask_range.u16 = r->port < 0 ? UINT16_MAX : (uint16_t)r->port;
	dir->value.u16 = r->dir;
	dir->mask_range.u16 = UINT16_MAX;
}

static struct rte_acl_ctx *
acl_create(const char *name, int socket_id, uint32_t rule_size)
{
	struct rte_acl_param p = {
		.name = name,
		.socket_id = socket_id,
		.rule_size = rule_size,
		.max_rule_num = MAX_RULES,
	};

	return rte_acl_create(&p);
}

static int
acl_build(struct rte_acl_ctx *ctx, const struct rte_acl_field_def *defs,
		unsigned int nfields)
{
	struct rte_acl_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.num_categories = 1;
	cfg.num_fields = nfields;
	memcpy(cfg.defs, defs, sizeof(*defs) * nfields);
	cfg.max_size = ACL_MAX_SIZE;
	return rte_acl_build(ctx, &cfg);
}

static int
rules_compile(struct rules *rs, int socket_id)
{
	struct rte_acl_field_def defs6[F6_NUM];
	struct acl4_rule r4;
	struct acl6_rule r6;
	unsigned int id, i;
	int rc;

	rs->ctx4 = acl_create("l3fwd_npf_acl4", socket_id,
	    RTE_ACL_RULE_SZ(F4_NUM));
	rs->ctx6 = acl_create("l3fwd_npf_acl6", socket_id,
	    RTE_ACL_RULE_SZ(F6_NUM));
	if (rs->ctx4 == NULL || rs->ctx6 == NULL)
		return -ENOMEM;

	for (id = 0; id < rs->n; id++) {
		const struct rule *r = &rs->rule[id];

		if (r->family != 6) {
			memset(&r4, 0, sizeof(r4));
			field_common(r, id, &r4.data, &r4.field[F4_PROTO],
			    &r4.field[F4_SPORT], &r4.field[F4_DPORT],
			    &r4.field[F4_IFPORT], &r4.field[F4_DIR]);
			field_mask32(&r4.field[F4_SRC], r->src.a.a8,
			    r->src.plen);
			field_mask32(&r4.field[F4_DST], r->dst.a.a8,
			    r->dst.plen);
			rc = rte_acl_add_rules(rs->ctx4,
			    (const struct rte_acl_rule *)&r4, 1);
			if (rc != 0)
				return rc;
			rs->n4++;
		}
		if (r->family != 4) {
			memset(&r6, 0, sizeof(r6));
			field_common(r, id, &r6.data, &r6.field[F6_PROTO],
			    &r6.field[F6_SPORT], &r6.field[F6_DPORT],
			    &r6.field[F6_IFPORT], &r6.field[F6_DIR]);
			for (i = 0; i < 4; i++) {
				field_mask32(&r6.field[F6_SRC0 + i],
				    &r->src.a.a8[4 * i],
				    (int)r->src.plen - 32 * (int)i);
				field_mask32(&r6.field[F6_DST0 + i],
				    &r->dst.a.a8[4 * i],
				    (int)r->dst.plen - 32 * (int)i);
			}
			rc = rte_acl_add_rules(rs->ctx6,
			    (const struct rte_acl_rule *)&r6, 1);
			if (rc != 0)
				return rc;
			rs->n6++;
		}
	}

	/* rte_acl cannot build an empty context: no rule, no context. */
	if (rs->n4 != 0) {
		rc = acl_build(rs->ctx4, acl4_defs, F4_NUM);
		if (rc != 0)
			return rc;
	} else {
		rte_acl_free(rs->ctx4);
		rs->ctx4 = NULL;
	}
	if (rs->n6 != 0) {
		acl6_defs_init(defs6);
		rc = acl_build(rs->ctx6, defs6, F6_NUM);
		if (rc != 0)
			return rc;
	} else {
		rte_acl_free(rs->ctx6);
		rs->ctx6 = NULL;
	}
	return 0;
}

/*
 * rules_load: read and compile the rule file (NULL: no rules).
 *
 * => Control thread.  Returns the rules, or NULL (a message was printed).
 */
struct rules *
rules_load(const char *path, int socket_id)
{
	struct rules *rs;
	int rc;

	rs = calloc(1, sizeof(*rs));
	if (rs == NULL)
		return NULL;
	rs->rule = calloc(MAX_RULES, sizeof(*rs->rule));
	if (rs->rule == NULL) {
		free(rs);
		return NULL;
	}
	if (path == NULL)
		return rs;
	rc = rules_read(rs, path);
	if (rc == 0) {
		rc = rules_compile(rs, socket_id);
		if (rc != 0)
			fprintf(stderr, "%s: cannot compile the rules: %s\n",
			    path, strerror(-rc));
	}
	if (rc != 0) {
		rules_free(rs);
		return NULL;
	}
	return rs;
}

void
rules_free(struct rules *rs)
{
	if (rs == NULL)
		return;
	rte_acl_free(rs->ctx4);
	rte_acl_free(rs->ctx6);
	free(rs->rule);
	free(rs);
}

unsigned int
rules_count(const struct rules *rs)
{
	return rs->n;
}

unsigned int
rules_nat_count(const struct rules *rs)
{
	return rs->nmap;
}

/*
 * rules_nat_apply: make the map rules npfct NAT policies, in the zone of
 * their port (--zone).  Returns the number made, or a negative errno.
 */
int
rules_nat_apply(const struct rules *rs, struct npfct *ct,
		const uint16_t *port_zone)
{
	unsigned int i;
	int ret;

	for (i = 0; i < rs->nmap; i++) {
		struct npfct_nat_policy_conf c = rs->map[i].conf;

		c.zone = port_zone[rs->map[i].port];
		ret = npfct_nat_policy_add(ct, &c);
		if (ret < 0) {
			fprintf(stderr, "map rule at line %u: %s\n",
			    rs->map[i].line, strerror(-ret));
			return ret;
		}
	}
	return (int)rs->nmap;
}

const char *
rules_text(const struct rules *rs, unsigned int id)
{
	return id < rs->n ? rs->rule[id].text : "?";
}

void
rules_print(const struct rules *rs, FILE *f)
{
	unsigned int id;

	fprintf(f, "rules: %u (%u IPv4, %u IPv6), then block\n", rs->n,
	    rs->n4, rs->n6);
	for (id = 0; id < rs->n; id++)
		fprintf(f, "  %3u  %s\n", id + 1, rs->rule[id].text);
	for (id = 0; id < rs->nmap; id++)
		fprintf(f, "  nat  %s\n", rs->map[id].text);
}

/*
 * rules_action: RULE_F_* of a result of rules_classify() (0: block).
 */
uint8_t
rules_action(const struct rules *rs, uint32_t id)
{
	return id != 0 && id <= rs->n ? rs->rule[id - 1].flags : 0;
}

/* Classify a burst. 8< */

/*
 * rules_classify: the first matching rule of each packet pkts[idx[k]]
 * (received on port, direction dir): result[k] is its index + 1, or 0.
 *
 * => Datapath lcores; n <= MAX_PKT_BURST.
 */
void
rules_classify(const struct rules *rs, const struct npfct_pkt *pkts,
		const uint16_t *idx, uint16_t n, uint8_t dir, uint16_t port,
		uint32_t *result)
{
	struct acl4_key k4[MAX_PKT_BURST];
	struct acl6_key k6[MAX_PKT_BURST];
	const uint8_t *d4[MAX_PKT_BURST], *d6[MAX_PKT_BURST];
	uint32_t r4[MAX_PKT_BURST], r6[MAX_PKT_BURST];
	uint16_t i4[MAX_PKT_BURST], i6[MAX_PKT_BURST];
	const rte_be16_t ifport = rte_cpu_to_be_16(port);
	const rte_be16_t bdir = rte_cpu_to_be_16(dir);
	uint16_t k, n4 = 0, n6 = 0;

	for (k = 0; k < n; k++) {
		const struct npfct_pkt *p = &pkts[idx[k]];
		const bool ports = (p->flags &
		    (NPFCT_PKT_TCP | NPFCT_PKT_UDP)) != 0;

		result[k] = 0;
		if (p->flags & NPFCT_PKT_IP4) {
			struct acl4_key *key = &k4[n4];

			memset(key, 0, sizeof(*key));
			key->proto = p->proto;
			key->src = p->src.v4;
			key->dst = p->dst.v4;
			key->sport = ports ? p->sport : 0;
			key->dport = ports ? p->dport : 0;
			key->ifport = ifport;
			key->dir = bdir;
			d4[n4] = (const uint8_t *)key;
			i4[n4++] = k;
		} else if (p->flags & NPFCT_PKT_IP6) {
			struct acl6_key *key = &k6[n6];

			memset(key, 0, sizeof(*key));
			key->proto = p->proto;
			memcpy(key->src, p->src.a8, 16);
			memcpy(key->dst, p->dst.a8, 16);
			key->sport = ports ? p->sport : 0;
			key->dport = ports ? p->dport : 0;
			key->ifport = ifport;
			key->dir = bdir;
			d6[n6] = (const uint8_t *)key;
			i6[n6++] = k;
		}
	}
	if (n4 != 0 && rs->ctx4 != NULL) {
		rte_acl_classify(rs->ctx4, d4, r4, n4, 1);
		for (k = 0; k < n4; k++)
			result[i4[k]] = r4[k];
	}
	if (n6 != 0 && rs->ctx6 != NULL) {
		rte_acl_classify(rs->ctx6, d6, r6, n6, 1);
		for (k = 0; k < n6; k++)
			result[i6[k]] = r6[k];
	}
}

/* >8 End of classify a burst. */
