/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct pointer publication under ThreadSanitizer: a NAT entry attached
 * with npfct_conn_setnat() on one lcore and read with npfct_conn_retnat()
 * on another must be seen as its creator wrote it.
 *
 * Overview
 *
 *	On x86 a plain store and load of c_nat happen to work; on arm64 the
 *	reader may see the pointer before the entry's contents.  A test
 *	cannot show that on x86, but ThreadSanitizer can: it reports the
 *	plain accesses as a data race, and accepts release/acquire.  This
 *	program is built with -fsanitize=thread and RTE_FORCE_INTRINSICS
 *	(DPDK's spinlocks as __atomic builtins, which TSan understands; its
 *	inline assembly versions are invisible to it) and links the library
 *	sources instrumented.  DPDK and liburcu themselves are not
 *	instrumented, so the reader never takes a connection from the table
 *	(a lookup through rte_hash's uninstrumented release/acquire would
 *	look like a race): the writer publishes the connections' pointers
 *	in an array with release stores, which the reader loads with
 *	acquire, then reads each one's NAT entry with npfct_conn_retnat() as
 *	the writer attaches it, and checks the entry's contents.
 *
 *	Run with TSAN_OPTIONS=halt_on_error=1 (tests/meson.build): any
 *	report fails the test.  Without the release store in setnat and the
 *	acquire load in retnat it reports "data race" on c_nat.
 *
 * Synchronisation
 *
 *	Main lcore: control (creates, checks, destroys).  Writer and reader
 *	lcores meet through the release/acquire array and a stop flag.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "npfct.h"
#include "npfct_conn.h"
#include "test_eal.h"

#define NCONNS		2000
#define MAGIC		0x5eedf00du

struct nat_entry {
	uint32_t	magic;
	uint32_t	port;
};

static struct npfct *ct;
static struct npfct_conn *conns[NCONNS];	/* release/acquire */
static struct npfct_pkt pkts[NCONNS];
static struct nat_entry entries[NCONNS];
static uint32_t writer_done;			/* release/acquire */
/*
 * Lcores that returned, with a release after their last write: the main
 * lcore's acquire is the order TSan can see (rte_eal_wait_lcore() is in
 * the uninstrumented EAL).
 */
static uint32_t finished;
static uint64_t seen, bad;

static void
flow_pkt(unsigned int i, struct npfct_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->status = NPFCT_PARSE_OK;
	pkt->flags = NPFCT_PKT_IP4 | NPFCT_PKT_L4;
	pkt->proto = IPPROTO_UDP;
	pkt->alen = 4;
	pkt->src.a32[0] = htonl(0x0a000000u + i);
	pkt->dst.a32[0] = htonl(0xc0000201u);
	pkt->sport = htons(40000);
	pkt->dport = htons(53);
}

static int
writer(void *arg)
{
	union npfct_addr ta = { .v4 = htonl(0xcb007101u) };
	unsigned int i;

	(void)arg;
	npfct_thread_register();
	for (i = 0; i < NCONNS; i++) {
		struct npfct_conn *con;

		flow_pkt(i, &pkts[i]);
		con = npfct_conn_establish(ct, &pkts[i], NPFCT_DIR_OUT, false);
		if (con == NULL)
			break;
		npfct_conn_release(con);
		/* The reader may look at it from now on, before the NAT. */
		__atomic_store_n(&conns[i], con, __ATOMIC_RELEASE);
	}
	for (i = 0; i < NCONNS && conns[i] != NULL; i++) {
		entries[i].magic = MAGIC;
		entries[i].port = 20000 + i;
		if (npfct_conn_setnat(ct, &pkts[i], conns[i], &entries[i],
		    NPFCT_NAT_OUT, &ta, htons((uint16_t)(20000 + i))) != 0)
			break;
	}
	npfct_thread_unregister();
	__atomic_store_n(&writer_done, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
reader(void *arg)
{
	unsigned int i, done;
	bool forw;

	(void)arg;
	npfct_thread_register();
	do {
		done = __atomic_load_n(&writer_done, __ATOMIC_ACQUIRE);
		for (i = 0; i < NCONNS; i++) {
			struct npfct_conn *con = __atomic_load_n(&conns[i],
			    __ATOMIC_ACQUIRE);
			const struct nat_entry *e;

			if (con == NULL)
				break;
			e = npfct_conn_retnat(con, NPFCT_DIR_OUT, &forw);
			if (e == NULL)
				continue;
			seen++;
			if (e->magic != MAGIC || e->port != 20000 + i)
				bad++;
		}
		npfct_quiescent();
	} while (!done);
	npfct_thread_unregister();
	__atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
	return 0;
}

int
main(void)
{
	struct npfct_params p = {
		.name = "tsan", .socket_id = SOCKET_ID_ANY,
		.max_conns = NCONNS, .max_nat_conns = NCONNS,
	};
	unsigned int lw, lr, i;
	int ret;

	if (test_eal_init(0, NULL) != 0) {
		fprintf(stderr, "test_publish_tsan: EAL init failed\n");
		return 1;
	}
	ct = npfct_create(&p);
	if (ct == NULL) {
		fprintf(stderr, "test_publish_tsan: npfct_create failed\n");
		return 1;
	}
	lw = rte_get_next_lcore(-1, 1, 0);
	lr = rte_get_next_lcore(lw, 1, 0);
	if (lw >= RTE_MAX_LCORE || lr >= RTE_MAX_LCORE) {
		fprintf(stderr, "test_publish_tsan: needs two worker lcores\n");
		return 1;
	}
	rte_eal_remote_launch(reader, NULL, lr);
	rte_eal_remote_launch(writer, NULL, lw);
	rte_eal_mp_wait_lcore();
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) != 2)
		rte_pause();

	for (i = 0; i < NCONNS; i++)
		if (conns[i] == NULL)
			break;
	printf("test_publish_tsan: %u connections, %" PRIu64 " NAT entries "
	    "read, %" PRIu64 " bad\n", i, seen, bad);
	ret = i == NCONNS && seen > 0 && bad == 0 ? 0 : 1;
	npfct_destroy(ct);
	return ret;
}
