/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-stream: replay a pcap capture through an npfct instance and print
 * a stateful firewall's verdict for every packet (NPF's "npftest -s").
 *
 * Overview
 *
 *	The tool boots the EAL with fixed arguments (no huge pages, no PCI,
 *	no shared files, no telemetry, one lcore; --in-memory cannot be
 *	combined with --no-huge in DPDK 22.11), creates an instance on a
 *	manual clock, with a fixed hash seed so that runs repeat, and
 *	replays the file one packet at a time: each record is copied into
 *	an mbuf (a chain when it exceeds one mbuf's data room), parsed,
 *	given a direction and run through npfct_conn_inspect(), which asks
 *	the library's ALGs and inspects the protocol state.  The file is
 *	read twice: a first pass checks every record, so that a corrupt
 *	file is refused before anything is printed.  With --zone-vlan the
 *	outermost VLAN id of a frame is its zone (npfct_pkt::zone, set after
 *	parsing): each VLAN is a tenant with connections of its own.
 *
 *	IP fragments go through the library's fragment handler, as an
 *	application would use it (stream_frag.c): a first fragment is
 *	decided by the policy below, a later one takes its datagram's
 *	verdict, and one that comes before its first fragment is held.  Its
 *	line waits, and so do the lines after it: the output stays in
 *	INDEX order (stream_out.c).  --no-frag does without the handler.
 *
 * Policy
 *
 *	The firewall guards the --inside networks on one interface:
 *
 *	  verdict         out (source inside)          in (any other)
 *	  MATCH           pass established             pass established
 *	  RELATED         pass related                 pass related
 *	  INVALID         block invalid                block invalid
 *	  PARSE_ERROR     block parse-error            block parse-error
 *	  NOT_TRACKABLE   pass stateless               block not-trackable
 *	  MISS            establish: pass new          block no-conn
 *
 *	An outbound MISS that cannot open a connection is blocked: a TCP
 *	packet other than a SYN (no-syn, unless --loose) and an ICMP query
 *	reply (no-request): both answer an inbound packet the firewall
 *	blocked, and letting them create state would open the way in.  A
 *	race on establish (EEXIST) repeats the inspection once.
 *
 *	With --map (NAT policies, npfct_nat_policy_parse()) a new
 *	connection is translated before it is released (nat-exhausted when
 *	no port is left), an inbound MISS that a port forward or static
 *	policy translates opens a connection too (npfct_nat_policy_lookup()
 *	decides before anything is inserted), and every packet that passes
 *	on a translated connection is rewritten (npfct_nat_translate()) and
 *	printed with its new tuple.
 *
 * Time
 *
 *	The instance clock follows the record timestamps, clamped so that it
 *	never goes backwards.  The G/C runs before a packet whenever one
 *	second of capture time passed since the previous run, so that
 *	connections expire as they would live.
 *
 * Synchronisation
 *
 *	One thread, the EAL main lcore: registered with QSBR, it reports a
 *	quiescent state after every packet, once it no longer uses the
 *	connection pointers (its own and those of the held fragments it
 *	released: their lines are written before).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "npfct-stream.h"

#define STREAM_NS_PER_S		1000000000ull
/* Enough mbufs for the largest record (PCAP_CAPLEN_MAX) in a chain. */
#define STREAM_POOL_SIZE	1023
#define STREAM_MAX_CONNS	65536
#define STREAM_VLAN_MAX		2

/* Ethernet types and link-layer offsets the tool reads itself. */
#define ETHER_TYPE_ARP		0x0806
#define SLL_HDR_LEN		16
#define SLL_TYPE_OFF		14	/* protocol type in the SLL header */
#define SLL2_HDR_LEN		20
#define SLL2_TYPE_OFF		0	/* protocol type in the SLL2 header */
#define ARP_HDR_LEN		8	/* fixed part of an ARP message */

/*
 * check_file: first pass over the file.
 *
 * => Every record is read and checked; the count and the first
 *    timestamp are kept.  Returns 0, or -1 with the reason printed.
 */
static int
check_file(struct stream *s)
{
	struct pcap_record rec;
	int ret;

	while ((ret = pcap_reader_next(&s->s_pr, &rec)) == 1) {
		if (s->s_npkts == 0)
			s->s_first_ns = rec.ts_ns;
		s->s_npkts++;
	}
	if (ret < 0 || pcap_reader_rewind(&s->s_pr) < 0) {
		fprintf(stderr, STREAM_PROG ": %s\n", s->s_pr.pr_err);
		return -1;
	}
	return 0;
}

/*
 * The EAL's arguments: rte_eal_init() permutes and overwrites its argv and
 * may keep pointers to the strings (argv[0] becomes the syslog ident), so
 * it gets an array of copies that live until rte_eal_cleanup().
 */
static const char *const eal_args[] = {
	STREAM_PROG,
	"--no-huge", "-m", "256",
	"--no-pci",
	"--no-shconf",
	"--no-telemetry",
	"-l", "0",
	"--log-level", "lib.eal:error",
	"--log-level", "lib.telemetry:error",
};
static char *eal_copies[RTE_DIM(eal_args)];

static void
eal_args_free(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(eal_copies); i++) {
		free(eal_copies[i]);
		eal_copies[i] = NULL;
	}
}

/*
 * eal_boot: start the EAL with the tool's fixed arguments.
 *
 * => Its logs go to stderr, never into the verdict lines on stdout.
 */
static int
eal_boot(void)
{
	char *argv[RTE_DIM(eal_args) + 1];
	unsigned int i;

	for (i = 0; i < RTE_DIM(eal_args); i++) {
		eal_copies[i] = strdup(eal_args[i]);
		if (eal_copies[i] == NULL)
			return -ENOMEM;
		argv[i] = eal_copies[i];
	}
	argv[i] = NULL;
	rte_openlog_stream(stderr);
	if (rte_eal_init((int)RTE_DIM(eal_args), argv) < 0)
		return -rte_errno;
	return 0;
}

/*
 * stream_setup: the mbuf pool and the instance.
 *
 * => Returns STREAM_EXIT_OK or an exit status, with a message printed.
 */
static int
stream_setup(struct stream *s)
{
	const struct stream_conf *cf = s->s_conf;
	struct npfct_params p;
	int i, ret;

	s->s_pool = rte_pktmbuf_pool_create("npfct_stream", STREAM_POOL_SIZE,
	    0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (s->s_pool == NULL) {
		fprintf(stderr, STREAM_PROG ": cannot create the mbuf pool: "
		    "%s\n", rte_strerror(rte_errno));
		return STREAM_EXIT_INTERNAL;
	}
	memset(&p, 0, sizeof(p));
	p.name = STREAM_PROG;
	p.socket_id = SOCKET_ID_ANY;
	p.max_conns = STREAM_MAX_CONNS;
	/* A fixed seed: the same file gives the same run, table and all. */
	p.flags = NPFCT_F_FIXED_HASH_SEED |
	    (cf->cf_loose ? NPFCT_F_TCP_LOOSE : 0);
	s->s_ct = npfct_create(&p);
	if (s->s_ct == NULL) {
		fprintf(stderr, STREAM_PROG ": cannot create the instance: "
		    "%s\n", rte_strerror(rte_errno));
		return STREAM_EXIT_INTERNAL;
	}
	for (i = 0; i < NPFCT_TIMEOUT_MAX; i++) {
		if (!cf->cf_timeout_set[i])
			continue;
		ret = npfct_timeout_set(s->s_ct, (enum npfct_timeout)i,
		    cf->cf_timeout[i]);
		if (ret < 0) {
			fprintf(stderr, STREAM_PROG ": cannot set timeout "
			    "%s=%" PRIu32 ": %s\n",
			    npfct_timeout_name((enum npfct_timeout)i),
			    cf->cf_timeout[i], strerror(-ret));
			return STREAM_EXIT_USAGE;
		}
	}
	for (i = 0; i < (int)cf->cf_nmap; i++) {
		ret = npfct_nat_policy_add(s->s_ct, &cf->cf_map[i]);
		if (ret < 0) {
			fprintf(stderr, STREAM_PROG ": cannot add --map rule "
			    "%d: %s\n", i + 1, strerror(-ret));
			return STREAM_EXIT_USAGE;
		}
	}
	npfct_clock_manual(s->s_ct, s->s_first_ns);
	if (stream_frag_setup(s) < 0)
		return STREAM_EXIT_INTERNAL;
	return STREAM_EXIT_OK;
}

static void
stream_teardown(struct stream *s)
{
	stream_frag_finish(s);
	stream_out_free(s);
	npfct_destroy(s->s_ct);
	s->s_ct = NULL;
	rte_mempool_free(s->s_pool);
	s->s_pool = NULL;
}

/*
 * frame_to_mbuf: copy a record into an mbuf, chaining segments when it
 * does not fit one mbuf's data room.
 *
 * => Returns the packet, or NULL if the pool ran dry.
 */
static struct rte_mbuf *
frame_to_mbuf(struct rte_mempool *mp, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *head, *seg;
	uint32_t off = 0, n;
	char *dst;

	head = rte_pktmbuf_alloc(mp);
	if (head == NULL)
		return NULL;
	head->port = 0;
	seg = head;
	for (;;) {
		n = RTE_MIN(len - off, (uint32_t)rte_pktmbuf_tailroom(seg));
		dst = rte_pktmbuf_append(seg, (uint16_t)n);
		RTE_ASSERT(dst != NULL);
		memcpy(dst, data + off, n);
		off += n;
		if (seg != head && rte_pktmbuf_chain(head, seg) != 0)
			goto fail;
		if (off == len)
			return head;
		seg = rte_pktmbuf_alloc(mp);
		if (seg == NULL)
			break;
	}
fail:
	if (seg != head)
		rte_pktmbuf_free(seg);
	rte_pktmbuf_free(head);
	return NULL;
}

/* be16_at: a big-endian 16-bit field of the frame, or -1 past its end. */
static int
be16_at(const struct pcap_record *rec, uint32_t off)
{
	if (off + 2 > rec->caplen)
		return -1;
	return rec->data[off] << 8 | rec->data[off + 1];
}

/*
 * frame_vlan_id: the VLAN id of an Ethernet frame's outermost tag
 * (802.1Q or 802.1ad), 0 if it has none.
 */
static uint16_t
frame_vlan_id(const struct pcap_record *rec, uint32_t linktype)
{
	const uint32_t off = offsetof(struct rte_ether_hdr, ether_type);
	const int type = be16_at(rec, off);
	const int tci = be16_at(rec, off + 2);

	if (linktype != PCAP_LINKTYPE_ETHERNET || tci < 0 ||
	    (type != RTE_ETHER_TYPE_VLAN && type != RTE_ETHER_TYPE_QINQ &&
	    type != RTE_ETHER_TYPE_QINQ1))
		return 0;
	return (uint16_t)(tci & 0xfff);
}

/*
 * frame_parse: parse a record according to the file's link type.
 *
 * => The cooked (SLL) captures say in their header whether the frame is
 *    IP; the NOT_IP (or L2_TRUNC) result is produced here for them.
 * => Sets *type to the frame's Ethernet type (after VLAN tags), or -1
 *    when it has none (raw IP) or is too short, and returns the offset
 *    of the layer 3 header.
 */
static uint32_t
frame_parse(struct npfct_pkt *pkt, struct rte_mbuf *m,
		const struct pcap_record *rec, uint32_t linktype, int *type)
{
	uint32_t off;
	int n;

	memset(pkt, 0, sizeof(*pkt));
	*type = -1;
	switch (linktype) {
	case PCAP_LINKTYPE_ETHERNET:
		npfct_pkt_parse(pkt, m);
		off = offsetof(struct rte_ether_hdr, ether_type);
		for (n = 0; n < STREAM_VLAN_MAX; n++) {
			*type = be16_at(rec, off);
			if (*type != RTE_ETHER_TYPE_VLAN &&
			    *type != RTE_ETHER_TYPE_QINQ &&
			    *type != RTE_ETHER_TYPE_QINQ1)
				break;
			off += sizeof(struct rte_vlan_hdr);
		}
		*type = be16_at(rec, off);
		return off + 2;
	case PCAP_LINKTYPE_LINUX_SLL:
	case PCAP_LINKTYPE_LINUX_SLL2:
		if (linktype == PCAP_LINKTYPE_LINUX_SLL) {
			*type = be16_at(rec, SLL_TYPE_OFF);
			off = SLL_HDR_LEN;
		} else {
			*type = be16_at(rec, SLL2_TYPE_OFF);
			off = SLL2_HDR_LEN;
		}
		pkt->mbuf = m;
		if (rec->caplen < off) {
			*type = -1;
			pkt->status = NPFCT_PARSE_L2_TRUNC;
		} else if (*type != RTE_ETHER_TYPE_IPV4 &&
		    *type != RTE_ETHER_TYPE_IPV6) {
			pkt->status = NPFCT_PARSE_NOT_IP;
		} else {
			npfct_pkt_parse_l3(pkt, m, off);
		}
		return off;
	default:
		/* Raw IPv4/IPv6: the version decides. */
		npfct_pkt_parse_l3(pkt, m, 0);
		return 0;
	}
}

/*
 * packet_dir: the packet's direction: out if its source is inside.
 *
 * => A packet without an IP source is inbound, except an IPv4 ARP
 *    message (at l3_off), whose sender address decides.
 */
static int
packet_dir(const struct stream *s, const struct npfct_pkt *pkt,
		const struct pcap_record *rec, int type, uint32_t l3_off)
{
	union npfct_addr spa;
	uint32_t spa_off;

	if (pkt->flags & (NPFCT_PKT_IP4 | NPFCT_PKT_IP6))
		return stream_inside_p(s->s_conf, &pkt->src, pkt->alen) ?
		    NPFCT_DIR_OUT : NPFCT_DIR_IN;
	/*
	 * ARP: hardware type (2), protocol type (2), hardware address
	 * length (1), protocol address length (1), operation (2), then the
	 * sender's hardware and protocol addresses.
	 */
	if (type != ETHER_TYPE_ARP || l3_off + ARP_HDR_LEN > rec->caplen ||
	    be16_at(rec, l3_off + 2) != RTE_ETHER_TYPE_IPV4 ||
	    rec->data[l3_off + 5] != 4)
		return NPFCT_DIR_IN;
	spa_off = l3_off + ARP_HDR_LEN + rec->data[l3_off + 4];
	if (spa_off + 4 > rec->caplen)
		return NPFCT_DIR_IN;
	memset(&spa, 0, sizeof(spa));
	memcpy(spa.a8, rec->data + spa_off, 4);
	return stream_inside_p(s->s_conf, &spa, 4) ?
	    NPFCT_DIR_OUT : NPFCT_DIR_IN;
}

/*
 * icmp_reply_p: is the packet an ICMP query reply (echo reply, timestamp
 * reply, ...), which answers a request rather than opening anything?
 */
static bool
icmp_reply_p(const struct npfct_pkt *pkt)
{
	if ((pkt->flags & NPFCT_PKT_ICMP_QUERY) == 0)
		return false;
	if (pkt->proto == IPPROTO_ICMPV6)
		return pkt->icmp.type != 128;	/* echo request */
	switch (pkt->icmp.type) {
	case 8:		/* echo */
	case 13:	/* timestamp */
	case 15:	/* information request */
	case 17:	/* address mask request */
		return false;
	default:
		return true;
	}
}

static void
decide(struct decision *d, bool pass, const char *reason,
		struct npfct_conn *con)
{
	d->d_pass = pass;
	d->d_reason = reason;
	d->d_con = con;
}

/*
 * establish_reason: the REASON of a failed npfct_conn_establish().
 */
static const char *
establish_reason(int err)
{
	switch (err) {
	case ENOSPC:
		return "table-full";
	case EPROTO:
		return "state-refused";
	default:
		return "error";
	}
}

/* The REASON of a refused npfct_nat_establish(). */
static const char *
nat_reason(int ret)
{
	switch (ret) {
	case -EADDRNOTAVAIL:
		return "nat-exhausted";
	case -ENOSPC:
		return "table-full";
	default:
		return "error";
	}
}

/*
 * nat_open: with --map, translate a connection just established for pkt
 * and release it.  Inbound, a connection no map rule forwards is dropped
 * again (expired before its release).
 *
 * => Returns NULL (con released) and *reason, or con.
 */
static struct npfct_conn *
nat_open(struct stream *s, const struct npfct_pkt *pkt, int di,
		struct npfct_conn *con, const char **reason)
{
	int ret = 0;

	if (s->s_conf->cf_nmap > 0)
		ret = npfct_nat_establish(s->s_ct, pkt, con, di);
	if (ret == 0 && di == NPFCT_DIR_IN) {
		/* Not forwarded: the firewall does not take it. */
		npfct_conn_expire(con);
		ret = -ENOENT;
		*reason = "no-conn";
	} else if (ret < 0) {
		*reason = nat_reason(ret);
	}
	npfct_conn_release(con);
	return ret >= 0 ? con : NULL;
}

/*
 * packet_decide: the firewall's policy for one packet (see the table at
 * the top of the file).
 *
 * => d->d_con is valid until the next quiescent state.
 */
static void
packet_decide(struct stream *s, const struct npfct_pkt *pkt, int di,
		struct decision *d)
{
	const bool out = di == NPFCT_DIR_OUT;
	struct npfct_conn *con;
	unsigned int tries;
	uint8_t verdict;
	bool forw;

	for (tries = 0; tries < 2; tries++) {
		con = npfct_conn_inspect(s->s_ct, pkt, di, &verdict);
		switch (verdict) {
		case NPFCT_V_MATCH:
			decide(d, true, "established", con);
			return;
		case NPFCT_V_RELATED:
			decide(d, true, "related", con);
			return;
		case NPFCT_V_INVALID:
			/* Show the state that refused the packet. */
			con = npfct_conn_lookup(s->s_ct, pkt, di, &forw);
			decide(d, false, "invalid", con);
			return;
		case NPFCT_V_PARSE_ERROR:
			decide(d, false, "parse-error", NULL);
			return;
		case NPFCT_V_NOT_TRACKABLE:
			decide(d, out, out ? "stateless" : "not-trackable",
			    NULL);
			return;
		case NPFCT_V_MISS:
			break;
		default:
			decide(d, false, "error", NULL);
			return;
		}
		/* Inbound, only a map rule (port forward, static) opens. */
		if (!out && (s->s_conf->cf_nmap == 0 ||
		    npfct_nat_policy_lookup(s->s_ct, pkt, di) < 0)) {
			decide(d, false, "no-conn", NULL);
			return;
		}
		if (tries > 0) {
			/* Still no connection after a lost race. */
			decide(d, false, "error", NULL);
			return;
		}
		if ((pkt->flags & NPFCT_PKT_TCP) && !s->s_conf->cf_loose &&
		    (pkt->tcp.flags & (NPFCT_TH_SYN | NPFCT_TH_ACK |
		    NPFCT_TH_RST | NPFCT_TH_FIN)) != NPFCT_TH_SYN) {
			decide(d, false, out ? "no-syn" : "no-conn", NULL);
			return;
		}
		if (icmp_reply_p(pkt)) {
			decide(d, false, out ? "no-request" : "no-conn", NULL);
			return;
		}
		con = npfct_conn_establish(s->s_ct, pkt, di, false);
		if (con != NULL) {
			const char *reason = "new";

			con = nat_open(s, pkt, di, con, &reason);
			decide(d, con != NULL, reason, con);
			return;
		}
		if (rte_errno != EEXIST) {
			decide(d, false, establish_reason(rte_errno), NULL);
			return;
		}
	}
	decide(d, false, "error", NULL);
}

static const char *
proto_name(const struct npfct_pkt *pkt)
{
	if (pkt->status != NPFCT_PARSE_OK ||
	    (pkt->flags & (NPFCT_PKT_IP4 | NPFCT_PKT_IP6)) == 0)
		return "other";
	switch (pkt->proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	default:
		return "other";
	}
}

/*
 * "ADDR:PORT" of one end of a packet (IPv6 in brackets), "ADDR" for a
 * later fragment, which carries no port.
 */
static void
end_format(char *buf, size_t len, const struct npfct_pkt *pkt,
		const union npfct_addr *a, rte_be16_t port)
{
	char ab[INET6_ADDRSTRLEN];

	inet_ntop(pkt->alen == 4 ? AF_INET : AF_INET6, a->a8, ab, sizeof(ab));
	if (pkt->flags & NPFCT_PKT_FRAG_LATER)
		snprintf(buf, len, "%s", ab);
	else
		snprintf(buf, len, pkt->alen == 4 ? "%s:%u" : "[%s]:%u", ab,
		    rte_be_to_cpu_16(port));
}

/*
 * nat_tuple: with --map, translate a passed packet of a connection and
 * say how it leaves ("-" if it is not translated).
 */
static void
nat_tuple(struct stream *s, struct npfct_pkt *pkt, int di,
		const struct decision *d, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN + 10], dst[INET6_ADDRSTRLEN + 10];

	if (!d->d_pass || d->d_con == NULL ||
	    npfct_nat_translate(s->s_ct, pkt, d->d_con, di) != 1) {
		snprintf(buf, len, "-");
		return;
	}
	end_format(src, sizeof(src), pkt, &pkt->src, pkt->sport);
	end_format(dst, sizeof(dst), pkt, &pkt->dst, pkt->dport);
	snprintf(buf, len, "%s>%s", src, dst);
}

void
stream_emit(struct stream *s, uint64_t index, struct npfct_pkt *pkt, int di,
		const struct decision *d)
{
	char tuple[2 * INET6_ADDRSTRLEN + 32], line[STREAM_LINE_MAX];

	if (d->d_pass)
		s->s_pass++;
	else
		s->s_block++;
	tuple[0] = '\0';
	if (s->s_conf->cf_nmap > 0) {
		tuple[0] = ' ';
		nat_tuple(s, pkt, di, d, tuple + 1, sizeof(tuple) - 1);
	}
	snprintf(line, sizeof(line), "%" PRIu64 " %s %s %s %s %s%s", index,
	    di == NPFCT_DIR_OUT ? "out" : "in",
	    d->d_pass ? "pass" : "block", d->d_reason, proto_name(pkt),
	    d->d_con != NULL ? npfct_conn_state_name(d->d_con) : "-", tuple);
	stream_out_set(s, index, line);
}

/*
 * stream_replay: second pass: every packet through the policy.
 *
 * => Returns STREAM_EXIT_OK or an exit status, with a message printed.
 */
static int
stream_replay(struct stream *s)
{
	const uint32_t linktype = s->s_pr.pr_linktype;
	uint64_t index = 0, now = s->s_first_ns, last_gc = s->s_first_ns;
	struct pcap_record rec;
	struct npfct_pkt pkt;
	struct decision d;
	struct rte_mbuf *m;
	int ret, di, type;
	uint32_t l3_off;
	bool held;

	while ((ret = pcap_reader_next(&s->s_pr, &rec)) == 1) {
		index++;
		/* Time never goes backwards. */
		if (rec.ts_ns > now)
			now = rec.ts_ns;
		npfct_clock_set(s->s_ct, now);
		if (now - last_gc >= STREAM_NS_PER_S) {
			npfct_gc_sync(s->s_ct);
			if (s->s_frag != NULL)
				npfct_frag_expire(s->s_frag);
			last_gc = now;
		}

		m = frame_to_mbuf(s->s_pool, rec.data, rec.caplen);
		if (m == NULL) {
			fprintf(stderr, STREAM_PROG ": packet %" PRIu64 ": no "
			    "mbuf for %" PRIu32 " bytes\n", index, rec.caplen);
			return STREAM_EXIT_INTERNAL;
		}
		if (stream_out_reserve(s, index) < 0) {
			rte_pktmbuf_free(m);
			fprintf(stderr, STREAM_PROG ": out of memory\n");
			return STREAM_EXIT_INTERNAL;
		}
		l3_off = frame_parse(&pkt, m, &rec, linktype, &type);
		/* The zone is the application's: set after parsing. */
		if (s->s_conf->cf_zone_vlan)
			pkt.zone = frame_vlan_id(&rec, linktype);
		di = packet_dir(s, &pkt, &rec, type, l3_off);
		held = false;
		if (stream_frag_later_p(s, &pkt)) {
			held = stream_frag_later(s, &pkt, di, index, &d);
		} else {
			packet_decide(s, &pkt, di, &d);
			stream_frag_first(s, &pkt, di, &d);
		}
		if (!held) {
			stream_emit(s, index, &pkt, di, &d);
			rte_pktmbuf_free(m);
		}
		if (stream_frag_settle(s) < 0)
			return STREAM_EXIT_INTERNAL;
		stream_out_flush(s);
		/* No connection pointer is held past this point. */
		npfct_quiescent();
	}
	/* The end: held fragments that never got a verdict. */
	stream_frag_finish(s);
	stream_out_flush(s);
	if (ret < 0) {
		fflush(stdout);
		fprintf(stderr, STREAM_PROG ": %s\n", s->s_pr.pr_err);
		return STREAM_EXIT_USAGE;
	}
	printf("%" PRIu64 " packets: %" PRIu64 " pass, %" PRIu64 " block\n",
	    index, s->s_pass, s->s_block);
	return STREAM_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct stream_conf conf;
	struct stream s;
	int ret;

	ret = stream_args_parse(&conf, argc, argv);
	if (ret != STREAM_EXIT_OK) {
		stream_args_free(&conf);
		return ret < 0 ? STREAM_EXIT_OK : ret;
	}
	memset(&s, 0, sizeof(s));
	s.s_conf = &conf;
	if (pcap_reader_open(&s.s_pr, conf.cf_file) < 0) {
		fprintf(stderr, STREAM_PROG ": %s\n", s.s_pr.pr_err);
		stream_args_free(&conf);
		return STREAM_EXIT_USAGE;
	}
	if (check_file(&s) < 0) {
		ret = STREAM_EXIT_USAGE;
		goto close;
	}

	ret = eal_boot();
	if (ret < 0) {
		fprintf(stderr, STREAM_PROG ": cannot initialise the EAL: %s\n",
		    rte_strerror(-ret));
		ret = STREAM_EXIT_INTERNAL;
		goto free;
	}
	npfct_thread_register();
	ret = stream_setup(&s);
	if (ret == STREAM_EXIT_OK)
		ret = stream_replay(&s);
	if (fflush(stdout) != 0 && ret == STREAM_EXIT_OK) {
		fprintf(stderr, STREAM_PROG ": write error: %s\n",
		    strerror(errno));
		ret = STREAM_EXIT_INTERNAL;
	}
	stream_teardown(&s);
	npfct_thread_unregister();
	rte_eal_cleanup();
free:
	eal_args_free();
close:
	pcap_reader_close(&s.s_pr);
	stream_args_free(&conf);
	return ret;
}
