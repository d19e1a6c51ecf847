/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: NPF's "map" rules (npf.conf(5)) as policies.
 *
 * Overview
 *
 *	npfct_nat_policy_parse() reads the part of a map rule after the
 *	interface, so that applications (l3fwd-npf's rule file, npfct-stream's
 *	--map) share one grammar:
 *
 *	  dynamic [proto P] NET[/PLEN] -> ADDR[-ADDR] [port MIN[-MAX]]
 *	  dynamic [proto P] INSIDE [port P] <- OUTSIDE[/PLEN] [port Q[-R]]
 *	  static [algo netmap|npt66] [proto P] INSIDE[/PLEN] <-> OUTSIDE[/PLEN]
 *
 *	The first is source NAT (masquerade: one address), the second port
 *	forwarding, the third 1:1 or NETMAP (IPv4 or IPv6) or NPTv6.  Source
 *	NAT takes npfct's options (not NPF's syntax) after its ports:
 *
 *	  [endpoint-independent] [port-block SIZE [blocks N]] [hold MS]
 *	  [bindings N]
 *
 *	(NPFCT_NATF_EIM; NPFCT_NATF_PORT_BLOCK with block_size, blocks_max;
 *	hold_ms; bindings_max).  Both
 *	families are accepted, never mixed in one rule.  The result is
 *	checked as npfct_nat_policy_add() would check it.
 *
 * Synchronisation
 *
 *	None: a pure function of its arguments.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "npfct_nat_impl.h"

#define TOKENS_MAX	24
#define RULE_MAX	512

struct parser {
	char	buf[RULE_MAX];
	char	*tok[TOKENS_MAX];
	unsigned int n, i;
	char	*err;
	size_t	errlen;
};

static int __attribute__((format(printf, 2, 3)))
perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->err != NULL && ps->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *
peek(const struct parser *ps)
{
	return ps->i < ps->n ? ps->tok[ps->i] : NULL;
}

static bool
eat(struct parser *ps, const char *word)
{
	if (ps->i < ps->n && strcmp(ps->tok[ps->i], word) == 0) {
		ps->i++;
		return true;
	}
	return false;
}

/* "ADDR" or "ADDR/PLEN": family 4 or 16 bytes in *alen. */
static int
parse_prefix(struct parser *ps, union npfct_addr *a, uint8_t *alen,
		uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *s = peek(ps);
	unsigned long v;
	char *slash, *end;

	if (s == NULL)
		return perr(ps, "address expected");
	if (strlen(s) >= sizeof(buf))
		return perr(ps, "bad address '%s'", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->a8) == 1)
		*alen = 4;
	else if (inet_pton(AF_INET6, buf, a->a8) == 1)
		*alen = 16;
	else
		return perr(ps, "bad address '%s'", s);
	*plen = (uint8_t)(*alen * 8);
	if (slash != NULL) {
		errno = 0;
		v = strtoul(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end != '\0' ||
		    errno != 0 || v > *alen * 8u)
			return perr(ps, "bad prefix length in '%s'", s);
		*plen = (uint8_t)v;
	}
	ps->i++;
	return 0;
}

/* "MIN[-MAX]", 1-65535. */
static int
parse_ports(struct parser *ps, uint16_t *lo, uint16_t *hi)
{
	const char *s = peek(ps);
	unsigned long a, b;
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return perr(ps, "port or port range expected");
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return perr(ps, "bad port range '%s'", s);
		b = strtoul(end + 1, &end, 10);
	}
	if (*end != '\0' || a == 0 || a > b || b > 65535)
		return perr(ps, "bad port range '%s'", s);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	ps->i++;
	return 0;
}

/* "N", 1 up to max, after the word before it. */
static int
parse_num(struct parser *ps, const char *what, unsigned long max,
		unsigned long *v)
{
	const char *s = peek(ps);
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return perr(ps, "%s: a number expected", what);
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || *v == 0 || *v > max)
		return perr(ps, "%s: bad number '%s' (1-%lu)", what, s, max);
	ps->i++;
	return 0;
}

/* Source NAT's npfct options (see the top). */
static int
parse_snat_options(struct parser *ps, struct npfct_nat_policy_conf *c)
{
	unsigned long v;

	if (eat(ps, "endpoint-independent"))
		c->flags |= NPFCT_NATF_EIM;
	if (eat(ps, "port-block")) {
		if (parse_num(ps, "port-block", 65535, &v) != 0)
			return -EINVAL;
		c->flags |= NPFCT_NATF_PORT_BLOCK;
		c->block_size = (uint16_t)v;
		if (eat(ps, "blocks")) {
			if (parse_num(ps, "blocks", 65535, &v) != 0)
				return -EINVAL;
			c->blocks_max = (uint16_t)v;
		}
	}
	if (eat(ps, "hold")) {
		if (parse_num(ps, "hold", UINT32_MAX, &v) != 0)
			return -EINVAL;
		c->hold_ms = (uint32_t)v;
	}
	if (eat(ps, "bindings")) {
		if (parse_num(ps, "bindings", UINT32_MAX, &v) != 0)
			return -EINVAL;
		c->bindings_max = (uint32_t)v;
	}
	return 0;
}

static int
parse_proto(struct parser *ps, struct npfct_nat_policy_conf *c)
{
	const char *s;

	if (!eat(ps, "proto"))
		return 0;
	s = peek(ps);
	if (s != NULL && strcmp(s, "tcp") == 0)
		c->proto = IPPROTO_TCP;
	else if (s != NULL && strcmp(s, "udp") == 0)
		c->proto = IPPROTO_UDP;
	else if (s != NULL && strcmp(s, "icmp") == 0)
		c->proto = IPPROTO_ICMP;
	else if (s != NULL && strcmp(s, "ipv6-icmp") == 0)
		c->proto = IPPROTO_ICMPV6;
	else
		return perr(ps, "tcp, udp, icmp or ipv6-icmp expected after "
		    "proto");
	ps->i++;
	return 0;
}

/* The family of the second address must be the first's. */
static int
same_family(struct parser *ps, uint8_t a, uint8_t b)
{
	return a == b ? 0 : perr(ps, "IPv4 and IPv6 mixed in one map rule");
}

/* dynamic ... -> ... (source NAT) or ... <- ... (port forwarding). */
static int
parse_dynamic(struct parser *ps, struct npfct_nat_policy_conf *c)
{
	union npfct_addr net, last;
	uint16_t ilo = 0, ihi = 0;
	uint8_t alen, plen, alen2, plen2;
	const char *s;
	char *dash;

	if (parse_proto(ps, c) != 0 || parse_prefix(ps, &net, &alen,
	    &plen) != 0)
		return -EINVAL;
	if (eat(ps, "port") && parse_ports(ps, &ilo, &ihi) != 0)
		return -EINVAL;
	c->alen = alen;
	if (eat(ps, "<-")) {
		/* Port forwarding: INSIDE [port P] <- OUTSIDE [port Q-R]. */
		if (plen != alen * 8 || ilo != ihi)
			return perr(ps, "<-: one inside address and at most "
			    "one port");
		c->type = NPFCT_NAT_DNAT;
		c->pool_first = c->pool_last = net;
		c->port_min = ilo;
		if (parse_prefix(ps, &c->match, &alen2, &c->match_plen) != 0 ||
		    same_family(ps, alen, alen2) != 0)
			return -EINVAL;
		if (eat(ps, "port") && parse_ports(ps, &c->match_port_min,
		    &c->match_port_max) != 0)
			return -EINVAL;
		if (ilo != 0 && c->match_port_min == 0)
			return perr(ps, "<-: an inside port needs the outside "
			    "port");
		return 0;
	}
	if (!eat(ps, "->"))
		return perr(ps, "-> or <- expected");
	if (ilo != 0)
		return perr(ps, "->: no port on the source network");
	c->type = NPFCT_NAT_SNAT;
	c->match = net;
	c->match_plen = plen;
	/* ADDR[-ADDR]: the pool. */
	s = peek(ps);
	if (s == NULL)
		return perr(ps, "translation address expected");
	dash = strchr(ps->tok[ps->i], '-');
	if (dash != NULL) {
		*dash = '\0';
		if (parse_prefix(ps, &c->pool_first, &alen2, &plen2) != 0)
			return -EINVAL;
		ps->i--;
		ps->tok[ps->i] = dash + 1;
		if (parse_prefix(ps, &last, &alen2, &plen2) != 0)
			return -EINVAL;
		c->pool_last = last;
	} else {
		if (parse_prefix(ps, &c->pool_first, &alen2, &plen2) != 0)
			return -EINVAL;
		c->pool_last = c->pool_first;
	}
	if (same_family(ps, alen, alen2) != 0)
		return -EINVAL;
	if (plen2 != alen2 * 8)
		return perr(ps, "->: an address or a range A-B, not a prefix");
	if (eat(ps, "port") && parse_ports(ps, &c->port_min,
	    &c->port_max) != 0)
		return -EINVAL;
	return parse_snat_options(ps, c);
}

/* static [algo netmap|npt66] [proto P] INSIDE <-> OUTSIDE */
static int
parse_static(struct parser *ps, struct npfct_nat_policy_conf *c)
{
	union npfct_addr out;
	uint8_t alen, alen2, plen2;

	c->type = NPFCT_NAT_STATIC;
	if (eat(ps, "algo")) {
		if (eat(ps, "npt66"))
			c->type = NPFCT_NAT_NPT66;
		else if (!eat(ps, "netmap"))
			return perr(ps, "netmap or npt66 expected after algo");
	}
	if (parse_proto(ps, c) != 0 ||
	    parse_prefix(ps, &c->match, &alen, &c->match_plen) != 0)
		return -EINVAL;
	c->alen = alen;
	if (!eat(ps, "<->"))
		return perr(ps, "static: <-> expected (the mapping is both "
		    "ways)");
	if (parse_prefix(ps, &out, &alen2, &plen2) != 0 ||
	    same_family(ps, alen, alen2) != 0)
		return -EINVAL;
	if (plen2 != c->match_plen)
		return perr(ps, "static: both prefixes of one length");
	if (c->type == NPFCT_NAT_NPT66 && (alen != 16 || plen2 > 64))
		return perr(ps, "npt66: IPv6 prefixes of up to 64 bits");
	c->pool_first = out;
	return 0;
}

int
npfct_nat_policy_parse(const char *text, struct npfct_nat_policy_conf *conf,
		char *err, size_t errlen)
{
	struct parser ps;
	char *save = NULL, *t;
	int ret;

	memset(&ps, 0, sizeof(ps));
	ps.err = err;
	ps.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL || conf == NULL)
		return perr(&ps, "no rule");
	if (strlen(text) >= sizeof(ps.buf))
		return perr(&ps, "rule too long");
	strcpy(ps.buf, text);
	for (t = strtok_r(ps.buf, " \t\r\n", &save); t != NULL;
	    t = strtok_r(NULL, " \t\r\n", &save)) {
		if (ps.n == TOKENS_MAX)
			return perr(&ps, "too many words");
		ps.tok[ps.n++] = t;
	}
	memset(conf, 0, sizeof(*conf));
	if (eat(&ps, "dynamic"))
		ret = parse_dynamic(&ps, conf);
	else if (eat(&ps, "static"))
		ret = parse_static(&ps, conf);
	else
		return perr(&ps, "dynamic or static expected");
	if (ret != 0)
		return ret;
	if (conf->alen == 16 && conf->proto == IPPROTO_ICMP)
		conf->proto = IPPROTO_ICMPV6;
	if (peek(&ps) != NULL)
		return perr(&ps, "unexpected '%s'", peek(&ps));
	ret = npfct_nat_policy_check(conf);
	if (ret != 0)
		return perr(&ps, "not a valid policy (%s)", strerror(-ret));
	return 0;
}
