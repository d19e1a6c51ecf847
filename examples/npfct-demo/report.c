/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-demo report: the banner, one line per round, the final report.
 *
 * Overview
 *
 *	The final report runs on the main lcore (control thread) once the
 *	traffic lcore finished: packets passed and blocked per reason and
 *	per kind, the connections, a few of them from npfct_dump(), then
 *	an idle period past every timeout after which a last G/C must leave
 *	no connection, and all npfct counters.  report_finish() also checks
 *	the books and says whether the run was as expected.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <npfct.h>
#include <npfct_conn.h>
#include <npfct_stats.h>

#include "demo.h"

#define DUMP_SHOW	4	/* connections shown from npfct_dump() */

static const char *const reason_names[R_MAX] = {
	[R_MATCH] = "match (pass connection)",
	[R_ESTABLISHED] = "miss, established",
	[R_REINSPECT] = "EEXIST, re-inspected",
	[R_MISS] = "miss (no connection)",
	[R_INVALID] = "invalid state",
	[R_NOT_TRACKABLE] = "not trackable",
	[R_PARSE_ERROR] = "parse error",
	[R_EST_FAILED] = "establish failed",
	[R_NO_PASS] = "not a pass connection",
};

static const char *const kind_names[KIND_MAX] = {
	[KIND_FLOW] = "client flows",
	[KIND_PROBE] = "unsolicited probes",
	[KIND_LATE] = "late replies",
	[KIND_JUNK] = "junk (ARP, cut, fragment)",
	[KIND_FORGED] = "TCP outside the window",
};

const char *
report_reason_name(enum demo_reason r)
{
	return (unsigned int)r < R_MAX ? reason_names[r] : "?";
}

const char *
report_kind_name(enum demo_kind k)
{
	return (unsigned int)k < KIND_MAX ? kind_names[k] : "?";
}

uint64_t
report_stat(const struct npfct *ct, enum npfct_stat which)
{
	struct npfct_stats st;

	if (npfct_stats_get(ct, &st) != 0)
		return 0;
	return st.count[which];
}

void
report_banner(const struct demo *d)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct gen_summary gs;
	unsigned int t;

	gen_summary(d->d_gen, &gs);
	printf("npfct-demo: %u flows (%u TCP, %u UDP, %u ICMP echo; %u IPv4, "
	    "%u IPv6;\n  %u long-lived, %u short, %u one-way), %u rounds of "
	    "one second (manual clock)\n", d->d_flows, gs.gs_proto[0],
	    gs.gs_proto[1], gs.gs_proto[2], gs.gs_af[0], gs.gs_af[1],
	    gs.gs_life[LIFE_LONG], gs.gs_life[LIFE_SHORT],
	    gs.gs_life[LIFE_ONEWAY], d->d_rounds);
	printf("  inbound each round: %u unsolicited probes, %u junk "
	    "packets, %u out-of-window TCP\n  segments; late replies after "
	    "expiry\n", gs.gs_probes, gs.gs_junk, gs.gs_forged);
	printf("  timeouts (s):");
	for (t = 0; t < NPFCT_TIMEOUT_MAX; t++)
		printf("%s %s %d", t == 0 ? "" : t % 4 == 0 ? ",\n   " : ",",
		    npfct_timeout_name((enum npfct_timeout)t),
		    npfct_timeout_get(d->d_ct, (enum npfct_timeout)t));
	printf("\n");
	if (d->d_multi)
		printf("  lcores: traffic on lcore %u, G/C on main lcore %u\n",
		    d->d_traffic_lcore, rte_get_main_lcore());
	else
		printf("  lcores: traffic and G/C on lcore %u\n",
		    d->d_traffic_lcore);
	if (d->d_port == PORT_NONE)
		printf("  port: none (packets that pass are freed)\n");
	else if (rte_eth_dev_get_name_by_port(d->d_port, name) == 0)
		printf("  port: %s (port %u) sends the packets that pass\n",
		    name, d->d_port);
}

void
report_round_header(void)
{
	printf("\nround  time  out-pass  in-pass  blocked  established  "
	    "expired  live\n");
}

/*
 * report_round: one line for the round that just ended.
 *
 * => Traffic lcore; before is the accounting at the start of the round.
 */
void
report_round(const struct demo *d, const struct demo_acct *before,
		uint64_t expired_before)
{
	const struct demo_acct *a = &d->d_acct;

	printf("%5u %4us %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %12" PRIu64
	    " %8" PRIu64 " %5u\n", d->d_round, d->d_round,
	    acct_passed(a, true) - acct_passed(before, true),
	    acct_passed(a, false) - acct_passed(before, false),
	    acct_blocked(a, true) + acct_blocked(a, false) -
	    acct_blocked(before, true) - acct_blocked(before, false),
	    a->a_reason[1][R_ESTABLISHED] -
	    before->a_reason[1][R_ESTABLISHED],
	    report_stat(d->d_ct, NPFCT_STAT_GC_EXPIRED) - expired_before,
	    npfct_count(d->d_ct));
	fflush(stdout);
}

static void
report_packets(const struct demo *d)
{
	const struct demo_acct *a = &d->d_acct;
	unsigned int r, k;

	printf("\nPackets                          outbound    inbound\n");
	printf("  passed                       %10" PRIu64 " %10" PRIu64
	    "\n", acct_passed(a, true), acct_passed(a, false));
	for (r = 0; r < R_PASSED; r++)
		printf("    %-26s %10" PRIu64 " %10" PRIu64 "\n",
		    reason_names[r], a->a_reason[1][r], a->a_reason[0][r]);
	printf("  blocked                      %10" PRIu64 " %10" PRIu64
	    "\n", acct_blocked(a, true), acct_blocked(a, false));
	for (r = R_PASSED; r < R_MAX; r++)
		printf("    %-26s %10" PRIu64 " %10" PRIu64 "\n",
		    reason_names[r], a->a_reason[1][r], a->a_reason[0][r]);
	printf("  per kind                         passed    blocked  "
	    "expected\n");
	for (k = 0; k < KIND_MAX; k++)
		printf("    %-30s %8" PRIu64 " %10" PRIu64 "  %s\n",
		    kind_names[k], a->a_kind[k][1], a->a_kind[k][0],
		    k == KIND_FLOW ? "pass" : "block");
	printf("  unexpected outcomes: %" PRIu64 " (%" PRIu64 " bursts of up "
	    "to %u packets)\n", a->a_unexpected, a->a_bursts, BURST);
	if (d->d_port != PORT_NONE)
		printf("  port: %" PRIu64 " sent, %" PRIu64 " not sent, %"
		    PRIu64 " received and dropped\n", a->a_tx, a->a_tx_drop,
		    a->a_rx);
}

/*
 * report_dump: npfct_dump() into memory, then print its first DUMP_SHOW
 * connections (a connection's first line is not indented).
 */
static void
report_dump(struct npfct *ct)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	int n, shown = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (f == NULL)
		return;
	n = npfct_dump(ct, f);
	fclose(f);
	printf("\nnpfct_dump(): %d connections; the first %d:\n", n,
	    RTE_MIN(n, DUMP_SHOW));
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '\t' && ++shown > DUMP_SHOW)
			break;
		printf("  %s\n", line);
	}
	free(buf);
}

static void
report_stats(const struct npfct *ct)
{
	struct npfct_stats st;
	unsigned int s;

	if (npfct_stats_get(ct, &st) != 0)
		return;
	printf("\nnpfct statistics (npfct_stats_get)\n");
	for (s = 0; s < NPFCT_STAT_MAX; s++)
		printf("  %-18s %10" PRIu64 "%s",
		    npfct_stat_name((enum npfct_stat)s), st.count[s],
		    (s % 2 == 1 || s + 1 == NPFCT_STAT_MAX) ? "\n" : "   ");
}

/* The longest timeout, in seconds. */
static uint32_t
timeout_max(const struct npfct *ct)
{
	uint32_t tmax = 0;
	unsigned int t;
	int sec;

	for (t = 0; t < NPFCT_TIMEOUT_MAX; t++) {
		sec = npfct_timeout_get(ct, (enum npfct_timeout)t);
		if (sec > 0 && (uint32_t)sec > tmax)
			tmax = (uint32_t)sec;
	}
	return tmax;
}

/*
 * report_finish: report, idle past every timeout, check the books.
 *
 * => Main lcore, after the traffic lcore finished.
 * => Returns true if the run was as expected.
 */
bool
report_finish(struct demo *d)
{
	const struct demo_acct *a = &d->d_acct;
	uint64_t create, destroy, now_s;
	uint32_t live;
	bool ok = true;
	int n;

	report_packets(d);
	printf("\nConnections: %" PRIu64 " established by the firewall; "
	    "npfct: %" PRIu64 " created, %" PRIu64 " destroyed, %u live\n"
	    "  (created and destroyed include the %" PRIu64 " establishes "
	    "that lost to a duplicate; %" PRIu64 " G/C passes)\n",
	    a->a_reason[1][R_ESTABLISHED],
	    report_stat(d->d_ct, NPFCT_STAT_CONN_CREATE),
	    report_stat(d->d_ct, NPFCT_STAT_CONN_DESTROY),
	    npfct_count(d->d_ct), report_stat(d->d_ct, NPFCT_STAT_RACE_CONN),
	    d->d_gc_runs);
	report_dump(d->d_ct);

	/* Idle past the longest timeout: the G/C destroys the rest. */
	now_s = npfct_clock_now(d->d_ct) / NS_PER_SEC + timeout_max(d->d_ct)
	    + 1;
	npfct_clock_set(d->d_ct, now_s * NS_PER_SEC);
	n = npfct_gc_sync(d->d_ct);
	live = npfct_count(d->d_ct);
	printf("\nIdle until %" PRIu64 " s: npfct_gc_sync() destroyed %d, %u "
	    "live\n", now_s, n, live);
	report_stats(d->d_ct);

	create = report_stat(d->d_ct, NPFCT_STAT_CONN_CREATE);
	destroy = report_stat(d->d_ct, NPFCT_STAT_CONN_DESTROY);
	if (a->a_unexpected != 0) {
		printf("FAIL: %" PRIu64 " packets with an unexpected "
		    "outcome\n", a->a_unexpected);
		ok = false;
	}
	if (a->a_errors != 0 || d->d_gc_errors != 0) {
		printf("FAIL: %" PRIu64 " generator and %" PRIu64 " G/C "
		    "errors\n", a->a_errors, d->d_gc_errors);
		ok = false;
	}
	if (n < 0 || live != 0 || create != destroy) {
		printf("FAIL: after the idle G/C: %u live, %" PRIu64
		    " created, %" PRIu64 " destroyed\n", live, create,
		    destroy);
		ok = false;
	}
	if (a->a_reason[1][R_ESTABLISHED] == 0 && !force_quit) {
		printf("FAIL: no connection established\n");
		ok = false;
	}
	return ok;
}
