/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct NAT engine: policies and pool usage through rte_telemetry.
 *
 * Overview
 *
 *	  /npfct/nat,NAME          the policies in order, each a list of
 *	                           strings: type, zone, match, translation,
 *	                           ports, and the connections it translated
 *	                           ("conns=N")
 *	  /npfct/nat_pool,NAME,ID  the usage of a source NAT policy's pool:
 *	                           connections per pool address (addresses
 *	                           in use only, at most TEL_POOL_MAX of them,
 *	                           "truncated" if more), the pool size, the
 *	                           ports per destination
 *
 *	A mapping is a connection's keys, so usage is counted by walking the
 *	connection list (under ct_gc_lock, like /npfct/conns), not kept by
 *	the datapath: the new-connection and hit paths pay nothing for it.
 *	A walk costs one pass over the connections; the G/C waits
 *	meanwhile.
 *
 * Synchronisation
 *
 *	The telemetry thread (no lcore id, no QSBR reader).  The registry
 *	lock keeps the instance, ct_gc_lock keeps the list and its
 *	connections; the policy table is read under the registry lock and
 *	nat_lock (so that no policy_del frees it meanwhile).  np_tel_count
 *	is the walk's scratch counter, written only under nat_lock.
 *
 * Lock order
 *
 *	instances_lock -> npfct_nat::nat_lock -> npfct::ct_gc_lock ->
 *	npfct_conn::c_lock
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "npfct_compat.h"
#include "npfct_nat_impl.h"

/* Most addresses a /npfct/nat_pool reply lists. */
#define TEL_POOL_MAX	400

static void
addr_format(const union npfct_addr *a, unsigned int alen, char *buf,
		size_t len)
{
	if (inet_ntop(alen == 4 ? AF_INET : AF_INET6, a->a8, buf,
	    (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

/*
 * count_walk: per policy of the table (np_tel_count), the connections it
 * translated; with pool, per address of that policy's pool.
 *
 * => Caller holds nat_lock.
 */
static void
count_walk(struct npfct *ct, const struct npfct_nat_table *t,
		const struct npfct_nat_policy *pool_of, uint32_t *pool)
{
	struct npfct_db *db;
	struct npfct_conn *con;
	unsigned int i;

	for (i = 0; t != NULL && i < t->nt_n; i++)
		t->nt_p[i]->np_tel_count = 0;
	pthread_mutex_lock(&ct->ct_gc_lock);
	db = npfct_db_get(ct);
	npfct_conndb_drain_new(db);
	TAILQ_FOREACH(con, &db->db_list, c_entry) {
		const uint32_t flags = __atomic_load_n(&con->c_flags,
		    __ATOMIC_RELAXED);
		struct npfct_nat_policy *p;
		union npfct_addr src, dst;
		rte_be16_t sid, did;
		uint32_t idx;

		if ((flags & CONN_NATENG) == 0)
			continue;
		p = __atomic_load_n(&con->c_nat, __ATOMIC_ACQUIRE);
		if (p == NULL)
			continue;
		p->np_tel_count++;
		if (p != pool_of || (flags & CONN_NATKEY) == 0)
			continue;
		/* The translated source: the backwards key's destination. */
		rte_spinlock_lock(&con->c_lock);
		npfct_connkey_split(npfct_conn_bkey(con), &src, &dst, &sid,
		    &did);
		rte_spinlock_unlock(&con->c_lock);
		idx = rte_be_to_cpu_32(dst.a32[p->np_alen / 4 - 1]) -
		    rte_be_to_cpu_32(p->np_pool.a32[p->np_alen / 4 - 1]);
		if (idx < p->np_pool_n)
			pool[idx]++;
	}
	pthread_mutex_unlock(&ct->ct_gc_lock);
}

/* One policy as a list of strings. */
static struct rte_tel_data *
policy_strings(const struct npfct_nat_policy *p)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], s[112];
	union npfct_addr last;
	const unsigned int lw = p->np_alen / 4 - 1;

	if (c == NULL)
		return NULL;
	rte_tel_data_start_array(c, RTE_TEL_STRING_VAL);
	rte_tel_data_add_array_string(c, npfct_nat_type_name(p->np_type));
	snprintf(s, sizeof(s), "zone=%u", p->np_zone);
	rte_tel_data_add_array_string(c, s);
	snprintf(s, sizeof(s), "proto=%u", p->np_proto);
	rte_tel_data_add_array_string(c, s);
	addr_format(&p->np_match, p->np_alen, a, sizeof(a));
	snprintf(s, sizeof(s), "match=%s/%u", a, p->np_plen);
	rte_tel_data_add_array_string(c, s);
	addr_format(&p->np_pool, p->np_alen, a, sizeof(a));
	switch (p->np_type) {
	case NPFCT_NAT_SNAT:
		last = p->np_pool;
		last.a32[lw] = rte_cpu_to_be_32(rte_be_to_cpu_32(
		    p->np_pool.a32[lw]) + p->np_pool_n - 1);
		addr_format(&last, p->np_alen, b, sizeof(b));
		snprintf(s, sizeof(s), "pool=%s-%s", a, b);
		rte_tel_data_add_array_string(c, s);
		snprintf(s, sizeof(s), "ports=%u-%u", p->np_port_min,
		    p->np_port_max);
		break;
	case NPFCT_NAT_DNAT:
		snprintf(s, sizeof(s), "to=%s", a);
		rte_tel_data_add_array_string(c, s);
		snprintf(s, sizeof(s), "ports=%u-%u>%u", p->np_mport_min,
		    p->np_mport_max, p->np_port_min);
		break;
	default:
		snprintf(s, sizeof(s), "to=%s/%u", a, p->np_plen);
		rte_tel_data_add_array_string(c, s);
		snprintf(s, sizeof(s), "ports=kept");
		break;
	}
	rte_tel_data_add_array_string(c, s);
	snprintf(s, sizeof(s), "conns=%" PRIu64, p->np_tel_count);
	rte_tel_data_add_array_string(c, s);
	if (p->np_flags & NPFCT_NATF_EIM) {
		snprintf(s, sizeof(s), "eim_bindings=%" PRIu64,
		    npfct_nat_bindings_count(p));
		rte_tel_data_add_array_string(c, s);
	} else if (p->np_flags & NPFCT_NATF_PORT_BLOCK) {
		snprintf(s, sizeof(s), "blocks=%" PRIu64 " block=%u max=%u",
		    npfct_nat_bindings_count(p), p->np_block,
		    p->np_blocks_max);
		rte_tel_data_add_array_string(c, s);
	}
	return c;
}

static int
tel_nat(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t arg;
	struct npfct *ct = npfct_tel_instance(params, &arg);
	struct npfct_nat *nat;
	struct npfct_nat_table *t;
	unsigned int i;
	char key[16];

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	nat = ct->ct_nat;
	pthread_mutex_lock(&nat->nat_lock);
	t = nat->nat_table;
	count_walk(ct, t, NULL, NULL);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "instance", ct->ct_name);
	npfct_tel_dict_uint(d, "policies", t != NULL ? t->nt_n : 0);
	for (i = 0; t != NULL && i < t->nt_n; i++) {
		struct rte_tel_data *c = policy_strings(t->nt_p[i]);

		if (c == NULL)
			break;
		snprintf(key, sizeof(key), "%d", t->nt_p[i]->np_id);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	pthread_mutex_unlock(&nat->nat_lock);
	npfct_instances_unlock();
	return 0;
}

static int
tel_nat_pool(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t id;
	struct npfct *ct = npfct_tel_instance(params, &id);
	struct npfct_nat_policy *p = NULL;
	struct npfct_nat *nat;
	struct npfct_nat_table *t;
	union npfct_addr a;
	uint32_t *pool, used = 0, listed = 0;
	uint64_t conns = 0;
	char buf[INET6_ADDRSTRLEN];
	unsigned int i;

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	nat = ct->ct_nat;
	pthread_mutex_lock(&nat->nat_lock);
	t = nat->nat_table;
	for (i = 0; t != NULL && i < t->nt_n; i++)
		if ((uint64_t)t->nt_p[i]->np_id == id)
			p = t->nt_p[i];
	if (p == NULL || p->np_type != NPFCT_NAT_SNAT ||
	    (pool = calloc(p->np_pool_n, sizeof(*pool))) == NULL) {
		pthread_mutex_unlock(&nat->nat_lock);
		npfct_instances_unlock();
		return -EINVAL;
	}
	count_walk(ct, t, p, pool);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "instance", ct->ct_name);
	npfct_tel_dict_uint(d, "policy", (uint64_t)p->np_id);
	npfct_tel_dict_uint(d, "addresses", p->np_pool_n);
	npfct_tel_dict_uint(d, "ports_per_destination",
	    (uint64_t)p->np_port_max - p->np_port_min + 1);
	for (i = 0; i < p->np_pool_n; i++) {
		if (pool[i] == 0)
			continue;
		used++;
		conns += pool[i];
		if (listed == TEL_POOL_MAX)
			continue;
		a = p->np_pool;
		a.a32[p->np_alen / 4 - 1] = rte_cpu_to_be_32(rte_be_to_cpu_32(
		    p->np_pool.a32[p->np_alen / 4 - 1]) + i);
		addr_format(&a, p->np_alen, buf, sizeof(buf));
		/* Keys: letters, digits, '_' and '/' only. */
		for (char *c = buf; *c != '\0'; c++)
			if (*c == '.' || *c == ':')
				*c = '_';
		npfct_tel_dict_uint(d, buf, pool[i]);
		listed++;
	}
	npfct_tel_dict_uint(d, "addresses_used", used);
	npfct_tel_dict_uint(d, "conns", conns);
	npfct_tel_dict_uint(d, "truncated", used > listed);
	pthread_mutex_unlock(&nat->nat_lock);
	npfct_instances_unlock();
	free(pool);
	return 0;
}

void
npfct_nat_telemetry_register(void)
{
	rte_telemetry_register_cmd("/npfct/nat", tel_nat,
	    "NAT policies: [type, zone, proto, match, translation, ports, "
	    "conns]. Parameters: instance name");
	rte_telemetry_register_cmd("/npfct/nat_pool", tel_nat_pool,
	    "Connections per address of a source NAT pool (addresses in use). "
	    "Parameters: instance name, policy id");
}
