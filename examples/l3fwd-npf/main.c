/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * l3fwd-npf: a stateful IPv4/IPv6 firewall in the style of DPDK's l3fwd
 * and l3fwd-acl, with npfct for the connection state.
 *
 * Overview
 *
 *	l3fwd-npf [EAL options] -- --port P:inside|outside ... [options]
 *
 *	Packets received on an inside port travel "out", on an outside port
 *	"in".  The first packet of a flow is decided by the rules (rules.c,
 *	rte_acl); a "pass ... stateful" rule establishes an npfct
 *	connection, and the later packets of both directions are decided by
 *	npfct alone.  Packets that pass are routed (route.c, rte_lpm) and
 *	sent with the next hop's MAC address (fwd.c).  See
 *	docs/l3fwd-npf.md.
 *
 * Life-cycle
 *
 *	As in DPDK's l2fwd: rte_eal_init(), the options, the npfct
 *	instance, rules, routes, ports (RSS with a symmetric key when there
 *	are several RX queues), the G/C on a service lcore (or on the main
 *	lcore), then rte_eal_mp_remote_launch(CALL_MAIN) and
 *	rte_eal_wait_lcore() for the workers.  SIGINT/SIGTERM, or the end of
 *	a replay, set force_quit.  Then: ports stopped, the G/C service
 *	stopped (and waited for), the connections flushed, final statistics,
 *	ports closed, npfct_destroy(), rte_eal_cleanup().
 *
 * Lcores
 *
 *	Worker lcores forward; RX queue q of every port goes to worker
 *	q % workers, so that with a symmetric RSS key both directions of a
 *	flow meet on one lcore.  Without workers the main lcore forwards.
 *	The main lcore also prints the status line and, without a service
 *	lcore, runs npfct_gc() every GC_PERIOD_MS (main_tick()), and
 *	npfct_frag_expire() every FRAG_EXPIRE_MS.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_service.h>

#include <npfct.h>
#include <npfct_conn.h>

#include "l3fwd_npf.h"

#define NB_RXD			1024
#define NB_TXD			1024
#define MEMPOOL_CACHE_SIZE	256
#define NB_MBUF_MIN		8192
#define GC_PERIOD_MS		50	/* npfct_gc() without a service lcore */
#define FRAG_EXPIRE_MS		100	/* npfct_frag_expire() */
#define CONN_LOG_RING		8192	/* --conn-log: events per ring */
#define CONN_LOG_UPDATE_RATE	10000	/* UPDATE events per second and ring */
#define GC_STOP_WAIT_MS		1000
#define CT_NAME			"fw"

struct app app;
struct lcore_conf lcore_conf[RTE_MAX_LCORE];
volatile bool force_quit;

static void
signal_handler(int signum)
{
	if (signum == SIGINT || signum == SIGTERM) {
		printf("\nSignal %d received, preparing to exit...\n", signum);
		force_quit = true;
	}
}

static void gc_stop(void);

/*
 * fatal: print the reason and exit, destroying the npfct instance first:
 * exit() must not unmap the EAL memory under the instance's threads.
 */
static void __rte_noreturn __rte_format_printf(1, 2)
fatal(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (app.ct != NULL) {
		gc_stop();
		connlog_stop();
		npfct_destroy(app.ct);
		app.frag = NULL;
		app.ct = NULL;
	}
	rte_exit(EXIT_FAILURE, "%s", msg);
}

/*
 * main_tick: the main lcore's periodic work: the status line, and the
 * G/C when there is no service lcore.
 */
void
main_tick(uint64_t now)
{
	static uint64_t next_gc, next_frag;

	stats_tick(now);
	/* Datagrams not completed in time give their held mbufs back. */
	if (app.frag != NULL && now >= next_frag) {
		npfct_frag_expire(app.frag);
		next_frag = now + app.tsc_hz * FRAG_EXPIRE_MS / 1000;
	}
	if (!app.gc_service && now >= next_gc) {
		/* A G/C step: non-blocking, no connection pointer held. */
		if (npfct_gc(app.ct) >= 0)
			app.gc_calls++;
		next_gc = now + app.tsc_hz * GC_PERIOD_MS / 1000;
	}
}

/* The ports that have a role, in id order. */
static void
ports_check(void)
{
	const struct app_config *cfg = &app.cfg;
	unsigned int i;
	uint16_t p;

	for (p = 0; p < RTE_MAX_ETHPORTS; p++) {
		if (cfg->port_role[p] == ROLE_NONE)
			continue;
		if (!rte_eth_dev_is_valid_port(p))
			fatal("--port %u: no such port (%u "
			    "ports; add them with --vdev)\n", p,
			    rte_eth_dev_count_avail());
		app.ports[app.nb_ports++] = p;
	}
	if (app.nb_ports == 0)
		fatal("no port: use --port PORT:inside and "
		    "--port PORT:outside (--help)\n");
	RTE_ETH_FOREACH_DEV(p)
		if (cfg->port_role[p] == ROLE_NONE)
			printf("port %u: not used (no --port)\n", p);
	for (i = 0; i < cfg->n_addr; i++)
		if (cfg->port_role[cfg->addr[i].port] == ROLE_NONE)
			fatal("--addr on port %u, which has "
			    "no role\n", cfg->addr[i].port);
	for (i = 0; i < cfg->n_route; i++)
		if (cfg->port_role[cfg->route[i].port] == ROLE_NONE)
			fatal("--route through port %u, "
			    "which has no role\n", cfg->route[i].port);
}

/*
 * assign_queues: RX queue q of every port to forwarding lcore
 * q % nfwd; one TX queue per active lcore and port (shared if fewer).
 *
 * => Returns the number of TX queues to configure per port.
 */
static uint16_t
assign_queues(void)
{
	const struct app_config *cfg = &app.cfg;
	unsigned int fwd[RTE_MAX_LCORE], nfwd = 0, nactive, lcore, i;
	struct lcore_conf *lc;
	uint16_t q, p, txq;

	if (!cfg->replay)
		RTE_LCORE_FOREACH_WORKER(lcore)
			fwd[nfwd++] = lcore;
	if (nfwd == 0)
		fwd[nfwd++] = rte_get_main_lcore();
	nactive = RTE_MIN(nfwd, (unsigned int)cfg->nb_rxq);
	for (q = 0; q < cfg->nb_rxq; q++) {
		lc = &lcore_conf[fwd[q % nfwd]];
		for (i = 0; i < app.nb_ports; i++) {
			p = app.ports[i];
			if (lc->n_rx_queue == MAX_RX_QUEUE_PER_LCORE)
				fatal("too many RX queues "
				    "per lcore: use more lcores or fewer "
				    "queues\n");
			lc->rx_queue_list[lc->n_rx_queue++] =
			    (struct lcore_rx_queue){ .port_id = p,
			    .queue_id = q, .dir = cfg->port_role[p] ==
			    ROLE_INSIDE ? NPFCT_DIR_OUT : NPFCT_DIR_IN };
		}
		lc->forwarding = true;
	}
	txq = cfg->nb_txq != 0 ? cfg->nb_txq : (uint16_t)nactive;
	for (i = 0; i < nactive; i++) {
		lc = &lcore_conf[fwd[i]];
		for (p = 0; p < RTE_MAX_ETHPORTS; p++)
			lc->tx_queue_id[p] = (uint16_t)(i % txq);
		lc->tx_shared = txq < nactive;
		lc->stats.rule_hits = rte_zmalloc("rule_hits",
		    sizeof(uint64_t) * MAX_RULES, RTE_CACHE_LINE_SIZE);
		if (lc->stats.rule_hits == NULL)
			fatal("out of memory\n");
	}
	lcore_conf[fwd[0]].solicit = true;
	if (nfwd > nactive)
		printf("%u forwarding lcores, %u RX queues per port: %u "
		    "lcores idle (--rxq)\n", nfwd, cfg->nb_rxq,
		    nfwd - nactive);
	if (txq < nactive)
		printf("%u TX queues for %u lcores: TX queues are shared\n",
		    txq, nactive);
	return txq;
}

/* Symmetric RSS. 8< */

/* The longest RSS key a PMD can ask for (hash_key_size is a uint8_t). */
#define RSS_KEY_MAX	UINT8_MAX

/*
 * rss_conf: RSS with the symmetric key 0x6d5a...: the Toeplitz hash of
 * (src, dst) equals that of (dst, src), so both directions of a flow land
 * on the same queue index.
 */
static bool
rss_conf(uint16_t port, const struct rte_eth_dev_info *info,
		struct rte_eth_conf *conf, uint8_t key[RSS_KEY_MAX])
{
	const uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP |
	    RTE_ETH_RSS_UDP) & info->flow_type_rss_offloads;
	unsigned int i, len;

	if (app.cfg.nb_rxq < 2)
		return false;
	if (hf == 0) {
		printf("port %u: no RSS in this PMD; it spreads the flows "
		    "over its %u queues itself\n", port, app.cfg.nb_rxq);
		return false;
	}
	len = info->hash_key_size != 0 ? info->hash_key_size : 40;
	for (i = 0; i < len; i++)
		key[i] = (i & 1) ? 0x5a : 0x6d;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_key = key;
	conf->rx_adv_conf.rss_conf.rss_key_len = (uint8_t)len;
	conf->rx_adv_conf.rss_conf.rss_hf = hf;
	return true;
}

/* >8 End of symmetric RSS. */

static void
port_init(uint16_t port, uint16_t nb_txq)
{
	const struct app_config *cfg = &app.cfg;
	char name[RTE_ETH_NAME_MAX_LEN], mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxconf;
	struct rte_eth_conf conf;
	uint8_t key[RSS_KEY_MAX];
	uint16_t nb_rxd = NB_RXD, nb_txd = NB_TXD, q;
	const int socket = rte_eth_dev_socket_id(port);
	bool rss;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		fatal("port %u: no device info: %s\n", port,
		    strerror(-rc));
	if (cfg->nb_rxq > info.max_rx_queues || nb_txq > info.max_tx_queues)
		fatal("port %u: %u RX and %u TX queues "
		    "asked, the port has %u and %u (af_packet: qpairs=N)\n",
		    port, cfg->nb_rxq, nb_txq, info.max_rx_queues,
		    info.max_tx_queues);
	memset(&conf, 0, sizeof(conf));
	rss = rss_conf(port, &info, &conf, key);
	/* net_pcap stamps every packet without advertising the offload. */
	if (cfg->replay &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	rc = rte_eth_dev_configure(port, cfg->nb_rxq, nb_txq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc != 0)
		fatal("port %u: cannot configure: %s\n",
		    port, strerror(-rc));
	rxconf = info.default_rxconf;
	rxconf.offloads = conf.rxmode.offloads;
	for (q = 0; q < cfg->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, &rxconf,
		    app.pool);
		if (rc != 0)
			fatal("port %u: RX queue %u: %s\n",
			    port, q, strerror(-rc));
	}
	for (q = 0; q < nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(port, q, nb_txd, socket, NULL);
		if (rc != 0)
			fatal("port %u: TX queue %u: %s\n",
			    port, q, strerror(-rc));
		rte_spinlock_init(&app.tx_lock[port][q]);
	}
	app.nb_txq[port] = nb_txq;
	rc = rte_eth_macaddr_get(port, &app.port_mac[port]);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0)
		fatal("port %u: cannot start: %s\n", port,
		    strerror(-rc));
	if (cfg->promisc && rte_eth_promiscuous_enable(port) != 0)
		printf("port %u: cannot enable promiscuous mode\n", port);
	rte_eth_dev_get_name_by_port(port, name);
	rte_ether_format_addr(mac, sizeof(mac), &app.port_mac[port]);
	printf("port %u: %s %s, %s (packets received are \"%s\"), "
	    "%u RX queues%s, %u TX queues\n", port, name, mac,
	    port_role_name(cfg->port_role[port]),
	    cfg->port_role[port] == ROLE_INSIDE ? "out" : "in", cfg->nb_rxq,
	    rss ? " (symmetric RSS)" : "", nb_txq);
}

/* The addresses and routes of the command line. */
static void
config_print(void)
{
	const struct app_config *cfg = &app.cfg;
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	unsigned int i;

	for (i = 0; i < cfg->n_addr; i++) {
		const struct ipaddr *ip = &cfg->addr[i].addr;

		inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->a.a8, a,
		    sizeof(a));
		printf("address: port %u %s/%u\n", cfg->addr[i].port, a,
		    ip->plen);
	}
	for (i = 0; i < cfg->n_route; i++) {
		const struct cfg_route *r = &cfg->route[i];
		const int af = r->prefix.family == 4 ? AF_INET : AF_INET6;

		inet_ntop(af, r->prefix.a.a8, a, sizeof(a));
		if (r->has_gw)
			inet_ntop(af, r->gw.a.a8, g, sizeof(g));
		printf("route: %s/%u port %u via %s\n", a, r->prefix.plen,
		    r->port, r->has_gw ? g : "(connected)");
	}
}

static void
ports_fini(bool close)
{
	unsigned int i;
	int rc;

	for (i = 0; i < app.nb_ports; i++) {
		if (close) {
			rte_eth_dev_close(app.ports[i]);
			continue;
		}
		rc = rte_eth_dev_stop(app.ports[i]);
		if (rc != 0)
			printf("port %u: stop: %s\n", app.ports[i],
			    strerror(-rc));
	}
}

static void
pool_create(uint16_t nb_txq)
{
	const unsigned int nb_lcores = rte_lcore_count();
	unsigned int n;

	n = app.nb_ports * (app.cfg.nb_rxq * NB_RXD + nb_txq * NB_TXD) +
	    nb_lcores * (MAX_PKT_BURST * (app.nb_ports + 2) +
	    MEMPOOL_CACHE_SIZE);
	/* The fragments the handler may hold come on top. */
	if (!app.cfg.no_frag)
		n += app.cfg.frag.max_held != 0 ? app.cfg.frag.max_held :
		    NPFCT_FRAG_HELD_DEFAULT;
	n = RTE_MAX(n, (unsigned int)NB_MBUF_MIN);
	n = RTE_MAX(n, app.cfg.nb_mbufs);
	app.pool = rte_pktmbuf_pool_create("l3fwd_npf_mbufs", n,
	    MEMPOOL_CACHE_SIZE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
	    (int)rte_socket_id());
	if (app.pool == NULL)
		fatal("cannot create the mbuf pool (%u "
		    "mbufs): %s\n", n, rte_strerror(rte_errno));
}

static void
instance_create(void)
{
	const struct app_config *cfg = &app.cfg;
	struct npfct_params p;
	unsigned int i;
	int ret;

	memset(&p, 0, sizeof(p));
	p.name = CT_NAME;
	p.socket_id = (int)rte_socket_id();
	p.max_conns = cfg->max_conns;
	p.max_conns6 = cfg->max_conns6;
	p.flags = cfg->ct_flags;
	/* A NAT gateway: every connection may take a second entry. */
	if (rules_nat_count(app.rules) > 0)
		p.max_nat_conns = cfg->max_conns;
	if (cfg->conn_log != NULL) {
		/* Events for the log, with counters for its DESTROY lines. */
		p.flags |= NPFCT_F_ACCOUNTING;
		p.event_ring_size = CONN_LOG_RING;
		p.event_update_rate = CONN_LOG_UPDATE_RATE;
	}
	app.ct = npfct_create(&p);
	if (app.ct == NULL)
		fatal("npfct_create: %s\n",
		    rte_strerror(rte_errno));
	/* Fragments get their datagram's verdict (npfct_frag.h). */
	if (!cfg->no_frag) {
		app.frag = npfct_frag_create(app.ct, &cfg->frag);
		if (app.frag == NULL)
			fatal("npfct_frag_create: %s\n",
			    rte_strerror(rte_errno));
	}
	for (i = 0; i < NPFCT_TIMEOUT_MAX; i++)
		if (cfg->timeout_set[i] && npfct_timeout_set(app.ct,
		    (enum npfct_timeout)i, cfg->timeouts[i]) != 0)
			fatal("cannot set timeout %s\n",
			    npfct_timeout_name((enum npfct_timeout)i));
	for (i = 0; i < cfg->n_zone_limit; i++)
		if (npfct_zone_limit_set(app.ct, cfg->zone_limit[i].zone,
		    cfg->zone_limit[i].limit) != 0)
			fatal("cannot set the limit of zone %d\n",
			    cfg->zone_limit[i].zone);
	if (cfg->replay)
		npfct_clock_manual(app.ct, NS_PER_SEC);
	if (connlog_start(cfg->conn_log) != 0)
		fatal("cannot start the connection log\n");
	ret = rules_nat_apply(app.rules, app.ct, cfg->port_zone);
	if (ret < 0)
		fatal("cannot make the NAT policies\n");
	app.nat = ret > 0;
}

/* G/C service. 8< */

/*
 * gc_start: map the G/C service to the first service lcore (EAL -s/-S)
 * and start it; without service lcore, main_tick() runs npfct_gc().
 */
static void
gc_start(void)
{
	uint32_t lcores[RTE_MAX_LCORE];
	int n, rc;

	if (npfct_gc_service_id(app.ct, &app.gc_service_id) != 0)
		fatal("no G/C service\n");
	n = rte_service_lcore_list(lcores, RTE_DIM(lcores));
	if (n <= 0) {
		printf("gc: no service lcore (EAL -s/-S): npfct_gc() on the "
		    "main lcore every %u ms\n", GC_PERIOD_MS);
		return;
	}
	app.gc_lcore = lcores[0];
	rc = rte_service_map_lcore_set(app.gc_service_id, app.gc_lcore, 1);
	if (rc == 0)
		rc = rte_service_set_stats_enable(app.gc_service_id, 1);
	if (rc == 0)
		rc = rte_service_runstate_set(app.gc_service_id, 1);
	if (rc != 0)
		fatal("cannot start the G/C service: %s\n",
		    strerror(-rc));
	/* EAL started its service lcores already; -EALREADY then. */
	rc = rte_service_lcore_start(app.gc_lcore);
	if (rc != 0 && rc != -EALREADY)
		fatal("cannot start service lcore %u: %s\n",
		    app.gc_lcore, strerror(-rc));
	app.gc_service = true;
	printf("gc: service npfct_gc_%s on service lcore %u\n", CT_NAME,
	    app.gc_lcore);
}

/* gc_stop: stop the service and wait until it no longer runs. */
static void
gc_stop(void)
{
	unsigned int ms;

	if (!app.gc_service)
		return;
	rte_service_runstate_set(app.gc_service_id, 0);
	for (ms = 0; ms < GC_STOP_WAIT_MS; ms++) {
		if (rte_service_may_be_active(app.gc_service_id) != 1)
			break;
		rte_delay_ms(1);
	}
	if (ms == GC_STOP_WAIT_MS)
		printf("gc: the service is still running\n");
	rte_service_map_lcore_set(app.gc_service_id, app.gc_lcore, 0);
}

/* >8 End of G/C service. */

static void
replay_setup(void)
{
	app.ts_offset = rte_mbuf_dynfield_lookup(
	    RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	if (app.ts_offset >= 0) {
		int bit = rte_mbuf_dynflag_lookup(
		    RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);

		app.ts_flag = bit >= 0 ? RTE_BIT64(bit) : 0;
	}
	if (app.ts_offset < 0 || app.ts_flag == 0)
		fatal("--replay: the ports register no RX "
		    "timestamp\n");
}

int
main(int argc, char **argv)
{
	unsigned int lcore;
	uint16_t nb_txq, i;
	int ret, nflushed;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "cannot init EAL: %s\n",
		    rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	/* Keep the output in order with the logs, even if piped. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	force_quit = false;
	signal(SIGINT, signal_handler);
	signal(SIGTERM, signal_handler);
	app.ts_offset = -1;
	app.tsc_hz = rte_get_tsc_hz();

	ret = args_parse(argc, argv, &app.cfg);
	if (ret != 0) {
		print_usage(argv[0]);
		rte_eal_cleanup();
		return ret > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	ports_check();

	app.rules = rules_load(app.cfg.rules_file, (int)rte_socket_id());
	if (app.rules == NULL)
		fatal("cannot load the rules\n");
	if (app.cfg.rules_file == NULL)
		printf("no --rules: every packet that is not local is "
		    "blocked\n");
	rules_print(app.rules, stdout);
	if (route_init(&app.cfg, (int)rte_socket_id()) != 0)
		fatal("cannot set up the routes\n");
	config_print();
	instance_create();

	nb_txq = assign_queues();
	pool_create(nb_txq);
	for (i = 0; i < app.nb_ports; i++)
		port_init(app.ports[i], nb_txq);
	if (app.cfg.replay)
		replay_setup();
	gc_start();
	stats_telemetry_register();
	printf("telemetry: /npfct/conns,%s,0 /npfct/stats,%s "
	    "/l3fwd_npf/stats (dpdk-telemetry.py)\n", CT_NAME, CT_NAME);

	app.start_tsc = rte_rdtsc();
	/* Release: telemetry (acquire) sees everything set up above. */
	__atomic_store_n(&app.tel_ready, true, __ATOMIC_RELEASE);
	rte_eal_mp_remote_launch(fwd_lcore_main, NULL, CALL_MAIN);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (rte_eal_wait_lcore(lcore) < 0)
			printf("lcore %u failed\n", lcore);
	}

	/* Shutdown: ports, G/C, connections, statistics. */
	stats_ethdev_snapshot();
	ports_fini(false);
	gc_stop();
	nflushed = npfct_flush(app.ct);
	printf("connections flushed at exit: %d\n", nflushed);
	connlog_stop();
	stats_final(stdout);
	__atomic_store_n(&app.tel_ready, false, __ATOMIC_RELAXED);
	ports_fini(true);
	npfct_destroy(app.ct);
	route_fini();
	rules_free(app.rules);
	RTE_LCORE_FOREACH(lcore)
		rte_free(lcore_conf[lcore].stats.rule_hits);
	rte_mempool_free(app.pool);
	rte_eal_cleanup();
	printf("Bye...\n");
	return EXIT_SUCCESS;
}
