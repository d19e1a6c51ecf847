/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Support of the libFuzzer targets: EAL, mbufs, instances.
 *
 * Synchronisation
 *
 *	libFuzzer runs a target on one thread; the EAL is booted from
 *	LLVMFuzzerInitialize() before any input.  The main lcore is the
 *	targets' thread (it has lcore id 0 and registers with QSBR).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "fuzz_common.h"

static struct rte_mempool *pool;

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

void
fuzz_eal_init(void)
{
	char prefix[64];
	char *argv[] = {
		"npfct_fuzz", "--no-huge", "-m", "256", "--no-pci",
		"--no-shconf", "--no-telemetry", "-l", "0",
		"--log-level=*:error", "--file-prefix", prefix, NULL,
	};

	snprintf(prefix, sizeof(prefix), "npfct_fuzz_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "fuzz: EAL init failed: %s\n",
		    rte_strerror(rte_errno));
		exit(1);
	}
	pool = rte_pktmbuf_pool_create("fuzz_mbufs", 4096, 0, 0,
	    RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "fuzz: no mbuf pool\n");
		exit(1);
	}
	npfct_thread_register();
}

struct rte_mbuf *
fuzz_mbuf(const uint8_t *data, size_t len, uint16_t seg_len, uint16_t port)
{
	struct rte_mbuf *head = NULL, *tail = NULL, *m;
	size_t off = 0, n;
	uint16_t room;

	if (len == 0 || len > UINT16_MAX)
		return NULL;
	room = RTE_MBUF_DEFAULT_DATAROOM;
	if (seg_len == 0 || seg_len > room)
		seg_len = room;
	/* Short segments would take more mbufs than the pool has. */
	if ((len + seg_len - 1) / seg_len > 1024)
		seg_len = (uint16_t)((len + 1023) / 1024);
	while (off < len) {
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		n = RTE_MIN(len - off, (size_t)seg_len);
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), data + off, n);
		off += n;
		/* Linked at the tail (rte_pktmbuf_chain() walks the chain). */
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += m->data_len;
		}
		tail = m;
	}
	head->port = port;
	return head;
}

struct rte_mempool *
fuzz_pool(void)
{
	return pool;
}

struct npfct *
fuzz_instance(const char *name, uint32_t max, uint32_t flags)
{
	struct npfct_params p = {
		.name = name,
		.socket_id = SOCKET_ID_ANY,
		.max_conns = max,
		.flags = flags | NPFCT_F_FIXED_HASH_SEED,
	};
	struct npfct *ct = npfct_create(&p);

	if (ct == NULL) {
		fprintf(stderr, "fuzz: npfct_create: %s\n",
		    rte_strerror(rte_errno));
		exit(1);
	}
	npfct_clock_manual(ct, 1000ull * 1000000000ull);
	return ct;
}
