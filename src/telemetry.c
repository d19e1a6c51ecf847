/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct telemetry: instance information, counters, timeouts and the
 * connection table through rte_telemetry (dpdk-telemetry.py).
 *
 * Overview
 *
 *	Commands (parameter: the instance name, optional when there is one
 *	instance; /npfct/conns also takes a page number):
 *
 *	  /npfct/list             names of the instances
 *	  /npfct/info,NAME        parameters, sizes, counts
 *	  /npfct/stats,NAME       all counters, summed over lcores
 *	  /npfct/timeouts,NAME    timeouts per group (seconds)
 *	  /npfct/conns,NAME,PAGE  one page of connections (like
 *	                          "npfctl list" / "conntrack -L")
 *
 *	A reply is limited in size, so connections come in pages of
 *	TEL_PAGE_SIZE; "pages" tells how many there are.  Each connection
 *	is a list of strings: protocol, forwards key, backwards key, state,
 *	idle seconds, seconds left, interface, NAT, flags.  Dictionary keys
 *	may hold only letters, digits, '_' and '/', so counter and timeout
 *	names are given with '_' for '-' and '.'.
 *
 * Synchronisation
 *
 *	The commands are registered once per process (DPDK 22.11 cannot
 *	unregister them) and run in the telemetry thread, which has no lcore
 *	id and is no QSBR reader.  An instance is found by name under the
 *	registry lock, which is held for the whole command so the instance
 *	cannot be destroyed under it.  The connection list is walked under
 *	ct_gc_lock: the G/C, the only one that unlinks and frees
 *	connections, waits meanwhile.
 *
 * Lock order
 *
 *	instances_lock ->
 *		npfct::ct_gc_lock ->
 *			npfct_conn::c_lock
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_telemetry.h>

#include "npfct_impl.h"

#define TEL_PAGE_SIZE	64

/* Copy a name into a telemetry key: '-' and '.' become '_'. */
static void
tel_key(char *dst, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < len && name[i] != '\0'; i++)
		dst[i] = (name[i] == '-' || name[i] == '.') ? '_' : name[i];
	dst[i] = '\0';
}

/*
 * tel_instance: split "NAME[,PAGE]"; an empty NAME selects the only
 * instance.  Returns the instance with the registry locked, or NULL
 * (unlocked).
 */
static struct npfct *
tel_instance(const char *params, unsigned int *page)
{
	char name[NPFCT_NAMESIZE] = "";
	struct npfct *ct;
	const char *comma;
	size_t len;

	*page = 0;
	if (params != NULL && params[0] != '\0') {
		comma = strchr(params, ',');
		len = comma ? (size_t)(comma - params) : strlen(params);
		if (len >= sizeof(name))
			return NULL;
		memcpy(name, params, len);
		name[len] = '\0';
		if (comma != NULL) {
			char *end;
			unsigned long v = strtoul(comma + 1, &end, 10);

			if (*end != '\0' || end == comma + 1 || v > UINT32_MAX)
				return NULL;
			*page = (unsigned int)v;
		}
	}
	npfct_instances_lock();
	ct = npfct_instance_lookup(name[0] != '\0' ? name : NULL);
	if (ct == NULL)
		npfct_instances_unlock();
	return ct;
}

static void
tel_list_one(struct npfct *ct, void *arg)
{
	rte_tel_data_add_array_string(arg, ct->ct_name);
}

static int
tel_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	npfct_instances_lock();
	npfct_instances_walk(tel_list_one, d);
	npfct_instances_unlock();
	return 0;
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int page;
	struct npfct *ct = tel_instance(params, &page);

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", ct->ct_name);
	rte_tel_data_add_dict_int(d, "socket", ct->ct_socket);
	npfct_tel_dict_uint(d, "max_conns", ct->ct_max[NPFCT_AF4]);
	npfct_tel_dict_uint(d, "max_conns6", ct->ct_max[NPFCT_AF6]);
	npfct_tel_dict_uint(d, "conns", npfct_count(ct));
	npfct_tel_dict_uint(d, "pool4_avail",
	    npfct_connpool_avail(&ct->ct_pool[NPFCT_AF4]));
	npfct_tel_dict_uint(d, "pool6_avail",
	    npfct_connpool_avail(&ct->ct_pool[NPFCT_AF6]));
	npfct_tel_dict_uint(d, "conn4_bytes",
	    npfct_conn_size(NPFCT_AF4));
	npfct_tel_dict_uint(d, "conn6_bytes",
	    npfct_conn_size(NPFCT_AF6));
	rte_tel_data_add_dict_int(d, "tracking", npfct_tracking_on(ct));
	npfct_tel_dict_uint(d, "flags", ct->ct_flags);
	npfct_tel_dict_uint(d, "clock_s", npfct_clock_sec(ct));
	npfct_instances_unlock();
	return 0;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int page, i;
	struct npfct *ct = tel_instance(params, &page);
	struct npfct_stats st;
	char key[64];

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	npfct_stats_get(ct, &st);
	npfct_instances_unlock();
	rte_tel_data_start_dict(d);
	for (i = 0; i < NPFCT_STAT_MAX; i++) {
		tel_key(key, sizeof(key), npfct_stat_name(i));
		npfct_tel_dict_uint(d, key, st.count[i]);
	}
	return 0;
}

static int
tel_timeouts(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int page, i;
	struct npfct *ct = tel_instance(params, &page);
	char key[64];

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	for (i = 0; i < NPFCT_TIMEOUT_MAX; i++) {
		tel_key(key, sizeof(key), npfct_timeout_name(i));
		npfct_tel_dict_uint(d, key,
		    (uint64_t)npfct_timeout_get(ct, i));
	}
	npfct_instances_unlock();
	return 0;
}

/* One connection as a list of strings. */
static struct rte_tel_data *
tel_conn(const struct npfct *ct, struct npfct_conn *con, uint32_t now)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);
	const uint32_t idle = now - __atomic_load_n(&con->c_atime,
	    __ATOMIC_RELAXED);
	const uint32_t etime = npfct_conn_etime(ct, con);
	char buf[RTE_TEL_MAX_STRING_LEN];
	const char *proto;

	if (c == NULL)
		return NULL;
	rte_tel_data_start_array(c, RTE_TEL_STRING_VAL);
	switch (con->c_proto) {
	case IPPROTO_TCP:
		proto = "tcp";
		break;
	case IPPROTO_UDP:
		proto = "udp";
		break;
	case IPPROTO_ICMP:
		proto = "icmp";
		break;
	case IPPROTO_ICMPV6:
		proto = "icmp6";
		break;
	default:
		snprintf(buf, sizeof(buf), "%u", con->c_proto);
		proto = buf;
	}
	rte_tel_data_add_array_string(c, proto);

	/* The keys change only under c_lock (setnat). */
	rte_spinlock_lock(&con->c_lock);
	npfct_connkey_format(npfct_conn_fkey(con), buf, sizeof(buf));
	rte_tel_data_add_array_string(c, strchr(buf, ' ') + 1);
	npfct_connkey_format(npfct_conn_bkey(con), buf, sizeof(buf));
	rte_tel_data_add_array_string(c, strchr(buf, ' ') + 1);
	rte_spinlock_unlock(&con->c_lock);

	rte_tel_data_add_array_string(c, npfct_conn_state_name(con));
	snprintf(buf, sizeof(buf), "idle=%" PRIu32, idle);
	rte_tel_data_add_array_string(c, buf);
	snprintf(buf, sizeof(buf), "left=%" PRId64,
	    (int64_t)etime - (int64_t)idle);
	rte_tel_data_add_array_string(c, buf);
	if (flags & CONN_IFBOUND)
		snprintf(buf, sizeof(buf), "if=%u", con->c_ifid);
	else
		snprintf(buf, sizeof(buf), "if=any");
	rte_tel_data_add_array_string(c, buf);
	rte_tel_data_add_array_string(c, con->c_nat != NULL ? "nat" : "-");
	snprintf(buf, sizeof(buf), "%s%s%s%s",
	    (flags & NPFCT_DIR_MASK) == NPFCT_DIR_IN ? "in" : "out",
	    (flags & CONN_ACTIVE) ? ",active" : "",
	    (flags & CONN_PASS) ? ",pass" : "",
	    (flags & CONN_EXPIRE) ? ",expired" : "");
	rte_tel_data_add_array_string(c, buf);
	return c;
}

static int
tel_conns(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int page, i = 0, n = 0, total;
	struct npfct *ct = tel_instance(params, &page);
	struct npfct_conn *con;
	struct npfct_db *db;
	uint32_t now;
	char key[16];

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&ct->ct_gc_lock);
	db = npfct_db_get(ct);
	npfct_conndb_drain_new(db);
	total = db->db_nlist;
	now = npfct_clock_sec(ct);
	rte_tel_data_add_dict_string(d, "instance", ct->ct_name);
	npfct_tel_dict_uint(d, "total", total);
	npfct_tel_dict_uint(d, "page", page);
	npfct_tel_dict_uint(d, "pages",
	    (total + TEL_PAGE_SIZE - 1) / TEL_PAGE_SIZE);
	TAILQ_FOREACH(con, &db->db_list, c_entry) {
		struct rte_tel_data *c;

		if (i++ < (uint64_t)page * TEL_PAGE_SIZE)
			continue;
		if (n == TEL_PAGE_SIZE)
			break;
		c = tel_conn(ct, con, now);
		if (c == NULL)
			break;
		snprintf(key, sizeof(key), "c%u", n++);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	pthread_mutex_unlock(&ct->ct_gc_lock);
	npfct_instances_unlock();
	return 0;
}

static void
telemetry_register(void)
{
	rte_telemetry_register_cmd("/npfct/list", tel_list,
	    "Names of the npfct instances. No parameters");
	rte_telemetry_register_cmd("/npfct/info", tel_info,
	    "Instance parameters and sizes. Parameters: instance name");
	rte_telemetry_register_cmd("/npfct/stats", tel_stats,
	    "Counters summed over lcores. Parameters: instance name");
	rte_telemetry_register_cmd("/npfct/timeouts", tel_timeouts,
	    "Timeouts per group (s). Parameters: instance name");
	rte_telemetry_register_cmd("/npfct/conns", tel_conns,
	    "A page of connections. Parameters: instance name, page");
}

/*
 * npfct_telemetry_init: register the commands (once per process).
 */
void
npfct_telemetry_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, telemetry_register);
}
