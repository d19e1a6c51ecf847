/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-demo: a stateful firewall on npfct, fed with generated traffic.
 *
 * Overview
 *
 *	npfct-demo [EAL options] -- [--flows N] [--rounds N] [--help]
 *
 *	The demo boots the EAL, creates an npfct instance with timeouts of
 *	a few seconds and a manual clock, and plays generated client flows
 *	(gen.c) through a firewall policy (fwd.c): outbound packets
 *	establish connections, inbound packets pass only if they match one.
 *	It then reports what passed and what was blocked, and why
 *	(report.c), and exits with 0 only if every packet had the expected
 *	outcome and no connection is left after the last G/C.
 *
 *	The first ethdev port, if any (--vdev=net_null0 or net_ring0),
 *	sends the packets that pass; without one they are freed.
 *
 * Life-cycle
 *
 *	As in DPDK's l2fwd: SIGINT/SIGTERM set force_quit; the lcores are
 *	started with rte_eal_mp_remote_launch(CALL_MAIN) and waited for
 *	with rte_eal_wait_lcore(); then the instance is destroyed, the port
 *	stopped and closed, and rte_eal_cleanup() runs.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <npfct.h>

#include "demo.h"

#define FLOWS_DEFAULT	48
#define FLOWS_MAX	50000
#define ROUNDS_DEFAULT	10
#define ROUNDS_MAX	3600
#define MBUF_DATA	(RTE_PKTMBUF_HEADROOM + 512)

#define CMD_LINE_OPT_FLOWS	"flows"
#define CMD_LINE_OPT_ROUNDS	"rounds"
#define CMD_LINE_OPT_HELP	"help"

enum {
	/* Long options only: start after the short option characters. */
	CMD_LINE_OPT_FLOWS_NUM = 256,
	CMD_LINE_OPT_ROUNDS_NUM,
	CMD_LINE_OPT_HELP_NUM,
};

/* Timeouts (seconds): short, so that connections expire within the run. */
static const uint32_t demo_timeouts[NPFCT_TIMEOUT_MAX] = {
	[NPFCT_TIMEOUT_GENERIC_CLOSED] = 0,
	[NPFCT_TIMEOUT_GENERIC_NEW] = 2,
	[NPFCT_TIMEOUT_GENERIC_ESTABLISHED] = 3,
	[NPFCT_TIMEOUT_TCP_NEW] = 2,
	[NPFCT_TIMEOUT_TCP_ESTABLISHED] = 5,
	[NPFCT_TIMEOUT_TCP_HALF_CLOSE] = 3,
	[NPFCT_TIMEOUT_TCP_CLOSE] = 2,
	[NPFCT_TIMEOUT_TCP_TIME_WAIT] = 3,
};

volatile bool force_quit;

static void
signal_handler(int signum)
{
	if (signum == SIGINT || signum == SIGTERM)
		force_quit = true;
}

static void
print_usage(const char *prgname)
{
	printf("Usage: %s [EAL options] -- [--flows N] [--rounds N] "
	    "[--help]\n"
	    "  --flows N   client flows to generate (1-%u, default %u)\n"
	    "  --rounds N  rounds of traffic, one simulated second each "
	    "(1-%u, default %u)\n"
	    "  --help      print this text\n"
	    "With two lcores or more (-l 0-1), the first worker lcore plays "
	    "the traffic\nand the main lcore runs the G/C.  The first "
	    "ethdev port, if any\n(--vdev=net_null0), sends the packets "
	    "that pass.\n", prgname, FLOWS_MAX, FLOWS_DEFAULT, ROUNDS_MAX,
	    ROUNDS_DEFAULT);
}

static int
parse_uint(const char *arg, uint32_t min, uint32_t max, uint32_t *val)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*val = (uint32_t)v;
	return 0;
}

/*
 * parse_args: the demo's options (after "--").
 *
 * => Returns 0, 1 for --help, or -EINVAL.
 */
static int
parse_args(int argc, char **argv, struct demo *d)
{
	static const struct option lgopts[] = {
		{ CMD_LINE_OPT_FLOWS, required_argument, NULL,
		    CMD_LINE_OPT_FLOWS_NUM },
		{ CMD_LINE_OPT_ROUNDS, required_argument, NULL,
		    CMD_LINE_OPT_ROUNDS_NUM },
		{ CMD_LINE_OPT_HELP, no_argument, NULL,
		    CMD_LINE_OPT_HELP_NUM },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", lgopts, NULL)) != EOF) {
		switch (opt) {
		case CMD_LINE_OPT_FLOWS_NUM:
			if (parse_uint(optarg, 1, FLOWS_MAX,
			    &d->d_flows) != 0) {
				fprintf(stderr, "invalid --flows: %s\n",
				    optarg);
				return -EINVAL;
			}
			break;
		case CMD_LINE_OPT_ROUNDS_NUM:
			if (parse_uint(optarg, 1, ROUNDS_MAX,
			    &d->d_rounds) != 0) {
				fprintf(stderr, "invalid --rounds: %s\n",
				    optarg);
				return -EINVAL;
			}
			break;
		case 'h':
		case CMD_LINE_OPT_HELP_NUM:
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/*
 * port_init: one RX and one TX queue on the first port, if there is one.
 *
 * => Returns the port id, or PORT_NONE.
 */
static uint16_t
port_init(struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	uint16_t port;
	int socket, rc;

	RTE_ETH_FOREACH_DEV(port) {
		memset(&conf, 0, sizeof(conf));
		socket = rte_eth_dev_socket_id(port);
		rc = rte_eth_dev_configure(port, 1, 1, &conf);
		if (rc == 0)
			rc = rte_eth_rx_queue_setup(port, 0, 256, socket,
			    NULL, mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, 0, 256, socket,
			    NULL);
		if (rc == 0)
			rc = rte_eth_dev_start(port);
		if (rc != 0) {
			fprintf(stderr, "port %u: cannot start (%s); "
			    "running without a port\n", port, strerror(-rc));
			rte_eth_dev_close(port);
			return PORT_NONE;
		}
		return port;
	}
	return PORT_NONE;
}

static void
port_fini(uint16_t port)
{
	struct rte_mbuf *rx[BURST];
	unsigned int i;
	uint16_t n;

	if (port == PORT_NONE)
		return;
	/* Drain a looped-back ring; bounded, as net_null receives forever. */
	for (i = 0; i < 64; i++) {
		n = rte_eth_rx_burst(port, 0, rx, BURST);
		if (n == 0)
			break;
		rte_pktmbuf_free_bulk(rx, n);
	}
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}

/*
 * demo_setup: instance, mbufs, port, generator and queue.
 *
 * => Exits on failure (nothing runs yet).
 */
static void
demo_setup(struct demo *d)
{
	struct npfct_params params;
	unsigned int lcore;
	uint32_t tnew, test;

	/* The traffic lcore: the first worker, else the main lcore. */
	lcore = rte_get_next_lcore(-1, 1, 0);
	d->d_multi = lcore < RTE_MAX_LCORE;
	d->d_traffic_lcore = d->d_multi ? lcore : rte_get_main_lcore();

	memset(&params, 0, sizeof(params));
	params.name = "demo";
	params.socket_id = (int)rte_socket_id();
	params.max_conns = d->d_flows + 256;
	params.timeouts = demo_timeouts;
	d->d_ct = npfct_create(&params);
	if (d->d_ct == NULL)
		rte_exit(EXIT_FAILURE, "npfct_create: %s\n",
		    rte_strerror(rte_errno));
	/* Round r runs at r seconds. */
	npfct_clock_manual(d->d_ct, 0);

	/* One step's packets, the port's rings and the lcore caches. */
	d->d_mp = rte_pktmbuf_pool_create("demo_mbufs", 3 * d->d_flows +
	    4096, 256, 0, MBUF_DATA, (int)rte_socket_id());
	if (d->d_mp == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the mbuf pool: %s\n",
		    rte_strerror(rte_errno));
	d->d_port = port_init(d->d_mp);

	/* Late replies are timed with the timeouts the instance took. */
	tnew = (uint32_t)npfct_timeout_get(d->d_ct,
	    NPFCT_TIMEOUT_GENERIC_NEW);
	test = (uint32_t)npfct_timeout_get(d->d_ct,
	    NPFCT_TIMEOUT_GENERIC_ESTABLISHED);
	d->d_gen = gen_create(d->d_mp, d->d_port == PORT_NONE ? 0 :
	    d->d_port, d->d_flows, d->d_rounds, tnew, test);
	if (d->d_gen == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the generator\n");
	d->d_q.q_cap = gen_queue_size(d->d_gen);
	d->d_q.q_mbuf = calloc(d->d_q.q_cap, sizeof(*d->d_q.q_mbuf));
	d->d_q.q_kind = calloc(d->d_q.q_cap, sizeof(*d->d_q.q_kind));
	if (d->d_q.q_mbuf == NULL || d->d_q.q_kind == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
}

int
main(int argc, char **argv)
{
	unsigned int lcore;
	struct demo *d;
	bool ok;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "cannot init EAL: %s\n",
		    rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	/* Keep the report in order with the logs, even if piped. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	force_quit = false;
	signal(SIGINT, signal_handler);
	signal(SIGTERM, signal_handler);

	/* Cache-aligned: struct demo_acct is. */
	d = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*d),
	    RTE_CACHE_LINE_SIZE));
	if (d == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	memset(d, 0, sizeof(*d));
	d->d_flows = FLOWS_DEFAULT;
	d->d_rounds = ROUNDS_DEFAULT;
	ret = parse_args(argc, argv, d);
	if (ret != 0) {
		print_usage(argv[0]);
		free(d);
		rte_eal_cleanup();
		return ret > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}

	demo_setup(d);
	report_banner(d);
	rte_eal_mp_remote_launch(fwd_main, d, CALL_MAIN);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (rte_eal_wait_lcore(lcore) < 0)
			printf("lcore %u failed\n", lcore);
	}

	ok = report_finish(d);
	printf("\nnpfct-demo: %s\n", ok ? "OK" : "FAILED");

	npfct_destroy(d->d_ct);
	port_fini(d->d_port);
	gen_destroy(d->d_gen);
	rte_mempool_free(d->d_mp);
	free(d->d_q.q_mbuf);
	free(d->d_q.q_kind);
	free(d);
	rte_eal_cleanup();
	return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
