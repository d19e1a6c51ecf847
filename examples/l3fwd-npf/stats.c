/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * l3fwd-npf statistics: the counters summed over lcores, the periodic
 * status line, the final statistics and the /l3fwd_npf/... telemetry
 * commands.
 *
 * Overview
 *
 *	Every --stats-period seconds the main lcore prints one line, like
 *	testpmd's: packets per second received and sent per port, the
 *	connections and the new ones per second, what was blocked or
 *	dropped during the period, by reason.  At exit stats_final() prints
 *	everything as "name value" lines, easy to grep: the ports (our
 *	counters and the ethdev's), every counter, the rules with their
 *	hits, every npfct counter, the G/C and the neighbour table.
 *
 *	Telemetry (dpdk-telemetry.py), next to npfct's /npfct/... commands:
 *
 *	  /l3fwd_npf/stats   every counter, summed ("pass_state", ...)
 *	  /l3fwd_npf/ports   per port: role, rx, tx, tx_drop
 *	  /l3fwd_npf/rules   per rule: its text and its hits
 *
 * Synchronisation
 *
 *	Counters have a single writer, their lcore, and are read here with
 *	relaxed loads: a sum is not a snapshot.  The status line state
 *	(stats_prev) belongs to the main lcore.  Telemetry commands run in
 *	DPDK's telemetry thread and only read; they answer only between
 *	app.tel_ready set (release, by main.c once everything is set up) and
 *	cleared (before the instance and the rules are destroyed; a command
 *	already running then is not waited for).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_service.h>
#include <rte_telemetry.h>

#include <npfct_conn.h>
#include <npfct_stats.h>

#include "l3fwd_compat.h"
#include "l3fwd_npf.h"

static const char *const ctr_names[C_MAX] = {
	[C_PASS_STATE] = "pass.state",
	[C_PASS_RELATED] = "pass.related",
	[C_PASS_NEW] = "pass.new",
	[C_PASS_STATELESS] = "pass.stateless",
	[C_PASS_FRAG] = "pass.fragment",
	[C_BLOCK_DEFAULT] = "block.default",
	[C_BLOCK_RULE] = "block.rule",
	[C_BLOCK_FRAG] = "block.fragment",
	[C_BLOCK_INVALID] = "block.invalid-state",
	[C_BLOCK_PARSE] = "block.parse-error",
	[C_BLOCK_STATE_REFUSED] = "block.state-refused",
	[C_BLOCK_NO_REQUEST] = "block.no-request",
	[C_BLOCK_TABLE_FULL] = "block.table-full",
	[C_BLOCK_ZONE_FULL] = "block.zone-full",
	[C_BLOCK_NAT] = "block.nat-exhausted",
	[C_BLOCK_EST_ERROR] = "block.establish-error",
	[C_DROP_NOT_FOR_US] = "drop.not-for-us",
	[C_DROP_NOT_IP] = "drop.not-ip",
	[C_DROP_L2] = "drop.l2",
	[C_DROP_LOCAL] = "drop.local",
	[C_DROP_NO_ROUTE] = "drop.no-route",
	[C_DROP_NO_NEIGH] = "drop.no-neigh",
	[C_DROP_TTL] = "drop.ttl",
	[C_DROP_TX] = "drop.tx",
	[C_LOCAL_ARP] = "local.arp-reply",
	[C_LOCAL_ND] = "local.nd-advert",
	[C_LOCAL_ECHO] = "local.echo-reply",
	[C_LOCAL_NEIGH_IN] = "local.neigh-in",
	[C_NEIGH_LEARNED] = "neigh.learned",
	[C_NEIGH_REQUEST] = "neigh.request",
};

/* The previous status line (main lcore). */
static struct {
	uint64_t	tsc;		/* when; 0: not yet */
	uint64_t	c[C_MAX];
	struct port_ctr	port[RTE_MAX_ETHPORTS];
	uint64_t	conn_create;
} stats_prev;

const char *
ctr_name(enum ctr c)
{
	return (unsigned int)c < C_MAX ? ctr_names[c] : "?";
}

/*
 * stats_sum: add up the counters of all lcores.  Any thread.
 */
void
stats_sum(uint64_t *c, struct port_ctr *port)
{
	unsigned int lcore, i;

	memset(c, 0, sizeof(*c) * C_MAX);
	memset(port, 0, sizeof(*port) * RTE_MAX_ETHPORTS);
	for (lcore = 0; lcore < RTE_MAX_LCORE; lcore++) {
		const struct lcore_stats *s = &lcore_conf[lcore].stats;

		for (i = 0; i < C_MAX; i++)
			c[i] += CTR_READ(s->c[i]);
		for (i = 0; i < app.nb_ports; i++) {
			const uint16_t p = app.ports[i];

			port[p].rx += CTR_READ(s->port[p].rx);
			port[p].tx += CTR_READ(s->port[p].tx);
			port[p].tx_drop += CTR_READ(s->port[p].tx_drop);
		}
	}
}

static uint64_t
rule_hits(unsigned int id)
{
	unsigned int lcore;
	uint64_t n = 0;

	for (lcore = 0; lcore < RTE_MAX_LCORE; lcore++)
		if (lcore_conf[lcore].stats.rule_hits != NULL)
			n += CTR_READ(lcore_conf[lcore].stats.rule_hits[id]);
	return n;
}

/* A rate per second over dtsc cycles. */
static uint64_t
rate(uint64_t delta, uint64_t dtsc)
{
	return dtsc != 0 ? (uint64_t)((double)delta * app.tsc_hz / dtsc) : 0;
}

/* Status line. 8< */

/*
 * stats_tick: print the status line if it is due.  Main lcore.
 */
void
stats_tick(uint64_t now)
{
	uint64_t c[C_MAX], created, dtsc, blocked = 0, dropped = 0;
	struct port_ctr port[RTE_MAX_ETHPORTS];
	char line[1024];
	size_t len = 0;
	unsigned int i;

	if (app.cfg.stats_period == 0)
		return;
	if (stats_prev.tsc == 0) {
		stats_prev.tsc = now;
		return;
	}
	dtsc = now - stats_prev.tsc;
	if (dtsc < app.cfg.stats_period * app.tsc_hz)
		return;
	stats_sum(c, port);
	/*
	 * Connections established by the rules: npfct's conn-create also
	 * counts the attempts that lost a race to another packet of the
	 * same flow (race-conn).
	 */
	created = c[C_PASS_NEW];

#define OUT(...) \
	len += (size_t)snprintf(line + len, len < sizeof(line) ? \
	    sizeof(line) - len : 0, __VA_ARGS__)
	OUT("%6.0fs", (double)(now - app.start_tsc) / app.tsc_hz);
	for (i = 0; i < app.nb_ports; i++) {
		const uint16_t p = app.ports[i];

		OUT(" | p%u rx %" PRIu64 " tx %" PRIu64 " pps", p,
		    rate(port[p].rx - stats_prev.port[p].rx, dtsc),
		    rate(port[p].tx - stats_prev.port[p].tx, dtsc));
	}
	OUT(" | conns %u new %" PRIu64 "/s", npfct_count(app.ct),
	    rate(created - stats_prev.conn_create, dtsc));
	for (i = C_BLOCK_FIRST; i < C_LOCAL_FIRST; i++) {
		if (i < C_DROP_FIRST)
			blocked += c[i] - stats_prev.c[i];
		else
			dropped += c[i] - stats_prev.c[i];
	}
	OUT(" | blocked %" PRIu64, blocked);
	for (i = C_BLOCK_FIRST; i < C_DROP_FIRST; i++)
		if (c[i] != stats_prev.c[i])
			OUT(" %s=%" PRIu64, ctr_names[i] + strlen("block."),
			    c[i] - stats_prev.c[i]);
	OUT(" dropped %" PRIu64, dropped);
	for (i = C_DROP_FIRST; i < C_LOCAL_FIRST; i++)
		if (c[i] != stats_prev.c[i])
			OUT(" %s=%" PRIu64, ctr_names[i] + strlen("drop."),
			    c[i] - stats_prev.c[i]);
#undef OUT
	printf("%s\n", line);

	stats_prev.tsc = now;
	memcpy(stats_prev.c, c, sizeof(c));
	memcpy(stats_prev.port, port, sizeof(port));
	stats_prev.conn_create = created;
}

/* >8 End of status line. */

/* The ports' ethdev counters, read before the ports stop (some PMDs,
 * memif among them, clear them on stop). */
static struct rte_eth_stats ethdev_final[RTE_MAX_ETHPORTS];
static bool ethdev_final_ok[RTE_MAX_ETHPORTS];

void
stats_ethdev_snapshot(void)
{
	unsigned int i;

	for (i = 0; i < app.nb_ports; i++) {
		const uint16_t p = app.ports[i];

		ethdev_final_ok[p] = rte_eth_stats_get(p, &ethdev_final[p]) == 0;
	}
}

/*
 * stats_final: everything, as "name value" lines.  Main lcore, after the
 * lcores stopped, ports stopped but not closed, stats_ethdev_snapshot()
 * taken before they stopped.
 */
void
stats_final(FILE *f)
{
	uint64_t c[C_MAX], v;
	struct port_ctr port[RTE_MAX_ETHPORTS];
	struct rte_eth_stats es;
	struct npfct_stats st;
	unsigned int i, lcore;

	stats_sum(c, port);
	fprintf(f, "\n== l3fwd-npf: final statistics (%.1f s) ==\n",
	    (double)(rte_rdtsc() - app.start_tsc) / app.tsc_hz);
	for (i = 0; i < app.nb_ports; i++) {
		const uint16_t p = app.ports[i];

		fprintf(f, "port %u (%s): rx %" PRIu64 " tx %" PRIu64
		    " tx-drop %" PRIu64, p,
		    port_role_name(app.cfg.port_role[p]), port[p].rx,
		    port[p].tx, port[p].tx_drop);
		es = ethdev_final[p];
		if (ethdev_final_ok[p])
			fprintf(f, " | ethdev ipackets %" PRIu64 " opackets %"
			    PRIu64 " imissed %" PRIu64 " ierrors %" PRIu64
			    " oerrors %" PRIu64, es.ipackets, es.opackets,
			    es.imissed, es.ierrors, es.oerrors);
		fprintf(f, "\n");
	}
	for (lcore = 0; lcore < RTE_MAX_LCORE; lcore++) {
		const struct lcore_conf *lc = &lcore_conf[lcore];
		uint64_t rx = 0, tx = 0;

		if (!lc->forwarding)
			continue;
		for (i = 0; i < app.nb_ports; i++) {
			rx += CTR_READ(lc->stats.port[app.ports[i]].rx);
			tx += CTR_READ(lc->stats.port[app.ports[i]].tx);
		}
		fprintf(f, "lcore %u: rx %" PRIu64 " tx %" PRIu64 " (%u RX "
		    "queues)\n", lcore, rx, tx, lc->n_rx_queue);
	}
	fprintf(f, "counters:\n");
	for (i = 0; i < C_MAX; i++)
		fprintf(f, "  %-28s %" PRIu64 "\n", ctr_names[i], c[i]);
	fprintf(f, "rules:\n");
	for (i = 0; i < rules_count(app.rules); i++)
		fprintf(f, "  rule.%-3u %-50s hits %" PRIu64 "\n", i + 1,
		    rules_text(app.rules, i), rule_hits(i));
	fprintf(f, "npfct (%s):\n", npfct_name(app.ct));
	if (npfct_stats_get(app.ct, &st) == 0)
		for (i = 0; i < NPFCT_STAT_MAX; i++)
			fprintf(f, "  npfct.%-22s %" PRIu64 "\n",
			    npfct_stat_name((enum npfct_stat)i), st.count[i]);
	fprintf(f, "  npfct.%-22s %u\n", "connections", npfct_count(app.ct));
	if (app.gc_service) {
		v = 0;
		rte_service_attr_get(app.gc_service_id,
		    RTE_SERVICE_ATTR_CALL_COUNT, &v);
		fprintf(f, "gc: service npfct_gc_%s on service lcore %u: "
		    "calls %" PRIu64, npfct_name(app.ct), app.gc_lcore, v);
		v = 0;
		rte_service_attr_get(app.gc_service_id,
		    RTE_SERVICE_ATTR_CYCLES, &v);
		fprintf(f, ", busy cycles %" PRIu64 "\n", v);
	} else {
		fprintf(f, "gc: npfct_gc() on the main lcore: calls %" PRIu64
		    "\n", app.gc_calls);
	}
	fprintf(f, "neighbours:\n");
	route_neigh_print(f);
	fflush(f);
}

/*
 * Telemetry.
 */

/* A counter name as a telemetry key: '.' and '-' become '_'. */
static void
tel_key(char *dst, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < len && name[i] != '\0'; i++)
		dst[i] = (name[i] == '.' || name[i] == '-') ? '_' : name[i];
	dst[i] = '\0';
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t c[C_MAX];
	struct port_ctr port[RTE_MAX_ETHPORTS];
	char key[64];
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!__atomic_load_n(&app.tel_ready, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	stats_sum(c, port);
	rte_tel_data_start_dict(d);
	for (i = 0; i < C_MAX; i++) {
		tel_key(key, sizeof(key), ctr_names[i]);
		tel_dict_uint(d, key, c[i]);
	}
	tel_dict_uint(d, "connections", npfct_count(app.ct));
	return 0;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct port_ctr port[RTE_MAX_ETHPORTS];
	uint64_t c[C_MAX];
	struct rte_tel_data *pd;
	char key[16];
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!__atomic_load_n(&app.tel_ready, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	stats_sum(c, port);
	rte_tel_data_start_dict(d);
	for (i = 0; i < app.nb_ports; i++) {
		const uint16_t p = app.ports[i];

		pd = rte_tel_data_alloc();
		if (pd == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(pd);
		rte_tel_data_add_dict_string(pd, "role",
		    port_role_name(app.cfg.port_role[p]));
		tel_dict_uint(pd, "rx", port[p].rx);
		tel_dict_uint(pd, "tx", port[p].tx);
		tel_dict_uint(pd, "tx_drop", port[p].tx_drop);
		snprintf(key, sizeof(key), "port%u", p);
		rte_tel_data_add_dict_container(d, key, pd, 0);
	}
	return 0;
}

static int
tel_rules(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *rd;
	char key[16];
	unsigned int i, n;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!__atomic_load_n(&app.tel_ready, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	rte_tel_data_start_dict(d);
	/* A dictionary holds RTE_TEL_MAX_DICT_ENTRIES: the first rules. */
	n = RTE_MIN(rules_count(app.rules), (unsigned int)200);
	for (i = 0; i < n; i++) {
		rd = rte_tel_data_alloc();
		if (rd == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(rd);
		rte_tel_data_add_dict_string(rd, "rule",
		    rules_text(app.rules, i));
		tel_dict_uint(rd, "hits", rule_hits(i));
		snprintf(key, sizeof(key), "r%u", i + 1);
		rte_tel_data_add_dict_container(d, key, rd, 0);
	}
	return 0;
}

void
stats_telemetry_register(void)
{
	rte_telemetry_register_cmd("/l3fwd_npf/stats", tel_stats,
	    "l3fwd-npf counters summed over lcores. No parameters");
	rte_telemetry_register_cmd("/l3fwd_npf/ports", tel_ports,
	    "l3fwd-npf per-port packet counters. No parameters");
	rte_telemetry_register_cmd("/l3fwd_npf/rules", tel_rules,
	    "l3fwd-npf rules and their hits. No parameters");
}
