/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * frag_telemetry.c: the fragment handler in rte_telemetry.
 *
 * Overview
 *
 *	/npfct/frag,NAME gives the handler's parameters and what it holds
 *	(datagrams, fragments held, released fragments not yet drained);
 *	its counters are the instance's "frag-*" counters in /npfct/stats.
 *	An instance without a handler answers {"enabled": 0}.
 *
 * Synchronisation
 *
 *	The telemetry thread holds the instance registry's lock while it
 *	reads the handler, which npfct_frag_create() and
 *	npfct_frag_destroy() take to publish and withdraw it; the counts
 *	are relaxed reads.
 */

#include <errno.h>

#include <rte_telemetry.h>

#include "npfct_compat.h"
#include "npfct_frag.h"
#include "npfct_impl.h"

static int
tel_frag(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t arg;
	struct npfct *ct = npfct_tel_instance(params, &arg);
	struct npfct_frag_info fi;
	const struct npfct_frag *fr;

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	fr = ct->ct_frag;
	if (fr == NULL || npfct_frag_info_get(fr, &fi) != 0) {
		npfct_instances_unlock();
		rte_tel_data_add_dict_int(d, "enabled", 0);
		return 0;
	}
	npfct_instances_unlock();
	rte_tel_data_add_dict_int(d, "enabled", 1);
	npfct_tel_dict_uint(d, "max_datagrams", fi.params.max_datagrams);
	npfct_tel_dict_uint(d, "max_held", fi.params.max_held);
	npfct_tel_dict_uint(d, "max_frags", fi.params.max_frags);
	npfct_tel_dict_uint(d, "timeout4_ms", fi.params.timeout4_ms);
	npfct_tel_dict_uint(d, "timeout6_ms", fi.params.timeout6_ms);
	npfct_tel_dict_uint(d, "datagrams", fi.datagrams);
	npfct_tel_dict_uint(d, "held", fi.held);
	npfct_tel_dict_uint(d, "ready", fi.ready);
	return 0;
}

void
npfct_frag_telemetry_register(void)
{
	rte_telemetry_register_cmd("/npfct/frag", tel_frag,
	    "Fragment handler: parameters, datagrams, fragments held and "
	    "released. Parameters: instance name");
}
