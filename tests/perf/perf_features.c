/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-perf scenario "features": what zones, accounting and events cost
 * on the hit path and on new connections, against the same instance
 * without them, in one run.
 *
 * Overview
 *
 *	Configurations of the instance (perf_ct_create() reads perf.*):
 *
 *	  off         nothing (the other scenarios' instance);
 *	  acct        NPFCT_F_ACCOUNTING;
 *	  events      8192-record rings, every event type subscribed (the
 *	              hit path checks for a state change on every packet;
 *	              new makes a NEW per connection, which the main
 *	              lcore consumes with npfct_events_poll() while the
 *	              worker establishes, as a consumer thread would: the
 *	              figure is the record's making and queueing, with
 *	              the drops printed);
 *	  nat         a masquerade policy (NPFCT_EST_NAT): new connections
 *	              get a port; on the hit path (the "gw" lines below)
 *	              npfct_nat_translate_burst() rewrites every packet;
 *	  nat-table   gw lines only: nat's instance and traffic, without
 *	              the rewrite (the cost of the larger table alone);
 *	  off+field   off, with the mbuf zone field registered (the parser
 *	              then reads every mbuf's second cache line);
 *	  zones       the field, every packet in zone 7, zone 7 limited
 *	              (a compare-and-swap per establish instead of an add);
 *	  all         zones, acct and events together.
 *
 *	The field cannot be unregistered, so the first five run before it
 *	is registered and the last three after; zones and all are compared
 *	with off+field (and zones also with off: the whole cost of per-
 *	packet zones).  As in the hash scenario, placement in memory moves
 *	a figure between set-ups, so each configuration is set up
 *	--feat-rounds times (3) in turn; the table gives the median over
 *	rounds of each time, and as the factor the median over rounds of
 *	the time against its baseline's in the same round (the pair shares
 *	the machine's state of that moment), with every round's factor.
 *	Variants carry the configuration and round ("udp4/acct#2").
 *	Target of the zones/events issue: under 5 % each at 1M.
 *
 *	NAT on the hit path has lines of its own ("hit udp4 gw"), measured
 *	off, nat and nat-table only: a gateway's traffic, every flow initiated
 *	outbound (so that nat translates every connection), the replies
 *	sent to the translated tuple, and in both configurations each burst
 *	received into an RX ring first (translation rewrites the packets,
 *	so each pass needs fresh copies; the copy is timed apart and left
 *	out, as with --hit-rx).  Its figure is the median over rounds of
 *	nat - off in the same round, in ns per packet (target: 15 ns);
 *	every translated packet is counted and checked.
 *
 * Synchronisation
 *
 *	The main lcore drives; measurements run on the worker lcore.
 */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "npfct_event.h"
#include "perf_common.h"

#define FEAT_RING	8192
#define FEAT_ZONE	7

enum feat { F_OFF, F_ACCT, F_EVENTS, F_NAT, F_NAT_TABLE, F_OFF_FIELD,
	F_ZONES, F_ALL, F_N };

static const char *const feat_names[F_N] = {
	"off", "acct", "events", "nat", "nat-table", "off+field", "zones",
	"all",
};

/* What each configuration is measured against. */
static const enum feat feat_base[F_N] = {
	F_OFF, F_OFF, F_OFF, F_OFF, F_OFF, F_OFF, F_OFF_FIELD, F_OFF_FIELD,
};

static const char *const hit_variants[] = { "udp4", "tcp6" };

#define LINES_MAX	16
#define PERF_ROUNDS_MAX	9	/* --feat-rounds' bound (perf_main.c) */
static struct {
	char		what[40];
	char		scenario[16], variant[16], impl[8];
	char		hit_variant[8];		/* hit: perf_hit.c's */
	bool		gw;	/* hit: off and nat only, a gateway's traffic */
	uint64_t	n;
	unsigned int	nlcores;		/* new: establishing lcores */
	double		ns[F_N];		/* median over rounds */
	double		round_ns[F_N][PERF_ROUNDS_MAX];	/* NAN: none */
	double		factor[F_N];		/* median of rounds' */
} lines[LINES_MAX];
static unsigned int nlines;

static void
feat_apply(enum feat f, uint64_t n)
{
	const bool zones = f == F_ZONES || f == F_ALL;

	perf.ct_flags = (f == F_ACCT || f == F_ALL) ? NPFCT_F_ACCOUNTING : 0;
	perf.event_ring = (f == F_EVENTS || f == F_ALL) ? FEAT_RING : 0;
	perf.zone = zones ? FEAT_ZONE : 0;
	perf.nat = f == F_NAT || f == F_NAT_TABLE;
	perf.nat_no_rewrite = f == F_NAT_TABLE;
	/* A limit that is never reached, but checked on every establish. */
	perf.zone_limit = zones ? (uint32_t)RTE_MIN(4 * n + 1024,
	    (uint64_t)UINT32_MAX - 1) : 0;
}

static void
feat_label(enum feat f, unsigned int round, bool gw)
{
	snprintf(perf.variant_suffix, sizeof(perf.variant_suffix), "%s/%s#%u",
	    gw ? "-gw" : "", feat_names[f], round);
}

static void
feat_reset(void)
{
	perf.ct_flags = 0;
	perf.event_ring = 0;
	perf.zone = 0;
	perf.zone_limit = 0;
	perf.nat = false;
	perf.nat_no_rewrite = false;
	perf.flows_out = false;
	perf.variant_suffix[0] = '\0';
}

static void
measure(unsigned int li, enum feat f, unsigned int round)
{
	const bool new = strcmp(lines[li].scenario, "new") == 0;
	const bool hit_rx = perf.hit_rx;
	struct hit_ctx h;

	/*
	 * NAT on the hit path: the gateway lines only (off and nat), every
	 * flow outbound and translated, received into the RX ring in both
	 * (translation rewrites the packets: each pass needs fresh copies,
	 * and the baseline gets the same).
	 */
	if (lines[li].gw ? f != F_OFF && f != F_NAT && f != F_NAT_TABLE :
	    f == F_NAT_TABLE || (f == F_NAT && !new))
		return;
	feat_apply(f, lines[li].n);
	feat_label(f, round, lines[li].gw);
	if (lines[li].gw) {
		perf.flows_out = true;
		perf.hit_rx = true;
	}
	if (new) {
		new_measure_lcores(lines[li].n, lines[li].nlcores, perf.reps);
	} else if (hit_setup(&h, lines[li].hit_variant, lines[li].n, false,
	    false) == 0) {
		hit_report(&h, "feat-hit");
		hit_teardown(&h);
	} else {
		perf.failures++;
		printf("WARNING: features %s %s: set-up failed\n",
		    lines[li].variant, feat_names[f]);
	}
	perf.hit_rx = hit_rx;
	feat_reset();
}

static void
fill(unsigned int li, enum feat f)
{
	struct perf_sample rounds = { .n = 0 };
	unsigned int r;
	char var[64];
	double ns;

	for (r = 1; r <= perf.feat_rounds; r++) {
		snprintf(var, sizeof(var), "%s/%s#%u", lines[li].variant,
		    feat_names[f], r);
		ns = perf_result_ns(lines[li].scenario, var, lines[li].n,
		    lines[li].impl);
		lines[li].round_ns[f][r - 1] = ns;
		if (!isnan(ns))
			perf_sample_add(&rounds, ns);
	}
	lines[li].ns[f] = perf_median(&rounds);
}

/*
 * The factor of configuration f: the median over rounds of its time
 * divided by its baseline's in the same round.  A round's configurations
 * run one after the other, so a pair shares the machine's state of that
 * moment; the machine's drift between rounds cancels out of each factor.
 */
static void
factor_fill(unsigned int li, enum feat f)
{
	struct perf_sample fs = { .n = 0 };
	const enum feat b = feat_base[f];
	unsigned int r;

	for (r = 0; r < perf.feat_rounds; r++) {
		const double x = lines[li].round_ns[f][r];
		const double y = lines[li].round_ns[b][r];

		if (!isnan(x) && !isnan(y) && y > 0)
			perf_sample_add(&fs, x / y);
	}
	lines[li].factor[f] = fs.n > 0 ? perf_median(&fs) : NAN;
}

static void
line_add(const char *what, const char *scenario, const char *variant,
		const char *impl, uint64_t n)
{
	unsigned int f;
	const char *dash = strchr(variant, '-');

	RTE_VERIFY(nlines < LINES_MAX);
	snprintf(lines[nlines].what, sizeof(lines[nlines].what), "%s", what);
	snprintf(lines[nlines].scenario, sizeof(lines[nlines].scenario), "%s",
	    scenario);
	snprintf(lines[nlines].variant, sizeof(lines[nlines].variant), "%s",
	    variant);
	snprintf(lines[nlines].impl, sizeof(lines[nlines].impl), "%s", impl);
	/* "udp4-gw": perf_hit.c's udp4, gateway traffic. */
	snprintf(lines[nlines].hit_variant, sizeof(lines[nlines].hit_variant),
	    "%.*s", dash != NULL ? (int)(dash - variant) : (int)strlen(variant),
	    variant);
	lines[nlines].gw = dash != NULL && strcmp(dash, "-gw") == 0 &&
	    strcmp(scenario, "feat-hit") == 0;
	lines[nlines].n = n;
	lines[nlines].nlcores = 1;
	for (f = 0; f < F_N; f++)
		lines[nlines].ns[f] = NAN;
	nlines++;
}

/* Measure configurations [first, last] of every line, round by round. */
static void
run_phase(enum feat first, enum feat last)
{
	unsigned int li, r;
	int f;

	for (li = 0; li < nlines; li++) {
		for (r = 1; r <= perf.feat_rounds; r++)
			for (f = (int)first; f <= (int)last; f++)
				measure(li, (enum feat)f, r);
		for (f = (int)first; f <= (int)last; f++)
			fill(li, (enum feat)f);
		for (f = (int)first; f <= (int)last; f++)
			factor_fill(li, (enum feat)f);
	}
}

/*
 * The median over rounds of configuration f's time minus off's in the
 * same round (ns per packet), printed with every round's; NAN if none.
 */
static double
delta_print(unsigned int i, enum feat f)
{
	struct perf_sample d = { .n = 0 };
	unsigned int r;
	double x, y;

	printf("    %-18s %8" PRIu64 " %-9s +ns per round:", lines[i].what,
	    lines[i].n, feat_names[f]);
	for (r = 0; r < perf.feat_rounds; r++) {
		x = lines[i].round_ns[f][r];
		y = lines[i].round_ns[F_OFF][r];
		if (isnan(x) || isnan(y))
			continue;
		perf_sample_add(&d, x - y);
		printf(" %.1f", x - y);
	}
	x = perf_median(&d);
	if (isnan(x))
		printf(" -\n");
	else
		printf("; median %+.1f ns per packet\n", x);
	return x;
}

/*
 * NAT's targets: at most 15 ns more per packet on the hit path (the
 * gateway lines: median over rounds of nat - off in the same round) and
 * at most 30 % more per new connection (the factor).  nat-table splits
 * the hit path's figure: the same instance and traffic without the
 * rewrite (npfct_nat_translate_burst() not called), i.e. what a table
 * with every connection's second entry (and the keys' prefetch) costs
 * the lookup; nat - nat-table is the rewrite.
 */
static void
nat_summary(void)
{
	unsigned int i;
	double x;

	printf("  NAT (targets: hit +15 ns per packet, new 1.30x):\n");
	for (i = 0; i < nlines; i++) {
		if (isnan(lines[i].ns[F_NAT]))
			continue;
		if (!lines[i].gw) {
			printf("    %-18s %8" PRIu64 " %.3fx per connection\n",
			    lines[i].what, lines[i].n, lines[i].factor[F_NAT]);
			continue;
		}
		x = delta_print(i, F_NAT);
		if (!isnan(x))
			perf_report_value(lines[i].scenario, lines[i].variant,
			    lines[i].n, "nat_ns_added", x, NULL);
		x = delta_print(i, F_NAT_TABLE);
		if (!isnan(x))
			perf_report_value(lines[i].scenario, lines[i].variant,
			    lines[i].n, "nat_table_ns_added", x, NULL);
	}
}

static void
print_table(void)
{
	unsigned int i, f, r;
	double ns, base, fac, worst = 0;
	char cell[32];

	/* The factors as results first (JSON), then the table. */
	for (i = 0; i < nlines; i++)
		for (f = 0; f < F_N; f++) {
			ns = lines[i].ns[f];
			base = lines[i].ns[feat_base[f]];
			if (isnan(ns) || isnan(base) || feat_base[f] == f)
				continue;
			snprintf(cell, sizeof(cell), "factor_%s",
			    feat_names[f]);
			perf_report_value(lines[i].scenario, lines[i].variant,
			    lines[i].n, cell, lines[i].factor[f], NULL);
			snprintf(cell, sizeof(cell), "factor_%s_of_medians",
			    feat_names[f]);
			perf_report_value(lines[i].scenario, lines[i].variant,
			    lines[i].n, cell, ns / base, NULL);
		}
	printf("\nfeatures: ns per packet (hit) or connection (new), median "
	    "of %u set-ups;\nfactor: median over set-ups of the time against "
	    "its baseline's in the same\nround (acct, events: off; zones, "
	    "all: off+field; zones/off: the whole cost\nof per-packet zones, "
	    "medians' ratio)\n  %-18s %8s", perf.feat_rounds, "", "n");
	for (f = 0; f < F_N; f++)
		printf(" %15s", feat_names[f]);
	printf(" %10s\n", "zones/off");
	for (i = 0; i < nlines; i++) {
		printf("  %-18s %8" PRIu64, lines[i].what, lines[i].n);
		for (f = 0; f < F_N; f++) {
			ns = lines[i].ns[f];
			fac = lines[i].factor[f];
			if (isnan(ns))
				snprintf(cell, sizeof(cell), "-");
			else if (feat_base[f] == f || isnan(fac))
				snprintf(cell, sizeof(cell), "%.1f", ns);
			else
				snprintf(cell, sizeof(cell), "%.1f %.3fx", ns,
				    fac);
			printf(" %15s", cell);
			/* NAT has targets of its own (below). */
			if (f != F_ALL && f != F_NAT && f != F_NAT_TABLE &&
			    feat_base[f] != f &&
			    !isnan(fac) && fac > worst)
				worst = fac;
		}
		ns = lines[i].ns[F_ZONES];
		base = lines[i].ns[F_OFF];
		if (!isnan(ns) && !isnan(base))
			printf(" %9.3fx", ns / base);
		printf("\n");
	}
	/* Every round's factor: the spread behind each median. */
	printf("  factor per round:\n");
	for (i = 0; i < nlines; i++)
		for (f = 0; f < F_N; f++) {
			const enum feat b = feat_base[f];

			if (b == f || isnan(lines[i].factor[f]))
				continue;
			printf("    %-18s %8" PRIu64 " %-6s", lines[i].what,
			    lines[i].n, feat_names[f]);
			for (r = 0; r < perf.feat_rounds; r++)
				printf(" %.3f", lines[i].round_ns[f][r] /
				    lines[i].round_ns[b][r]);
			printf("\n");
		}
	printf("  largest factor of one feature: %.3fx (target < 1.05x)\n",
	    worst);
	nat_summary();
}

void
perf_features_run(void)
{
	unsigned int i, v;
	char what[40], var[16];

	perf_banner("features: zones, accounting and events against none "
	    "(hit and new, same run)");
	nlines = 0;
	for (i = 0; i < perf.n_feat_sizes; i++)
		for (v = 0; v < RTE_DIM(hit_variants); v++) {
			snprintf(what, sizeof(what), "hit %s",
			    hit_variants[v]);
			line_add(what, "feat-hit", hit_variants[v], "npfct",
			    perf.feat_sizes[i]);
		}
	/* NAT on the hit path: a gateway's traffic, with and without. */
	for (i = 0; i < perf.n_feat_sizes; i++)
		for (v = 0; v < RTE_DIM(hit_variants); v++) {
			snprintf(what, sizeof(what), "hit %s gw",
			    hit_variants[v]);
			snprintf(var, sizeof(var), "%s-gw", hit_variants[v]);
			line_add(what, "feat-hit", var, "npfct",
			    perf.feat_sizes[i]);
		}
	line_add("new udp4, 1 lcore", "new", "udp4-1lc", "est",
	    perf.feat_new_size);
	if (perf.worker2 != RTE_MAX_LCORE) {
		line_add("new udp4, 2 lcores", "new", "udp4-2lc", "est",
		    perf.feat_new_size);
		lines[nlines - 1].nlcores = 2;
	}

	run_phase(F_OFF, F_NAT_TABLE);
	if (npfct_zone_dynfield_register() < 0) {
		perf.failures++;
		printf("WARNING: features: no room for the zone field\n");
	} else {
		run_phase(F_OFF_FIELD, F_ALL);
	}
	print_table();
}
