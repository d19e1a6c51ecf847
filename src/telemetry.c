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
 *	instance; /npfct/conns also takes a cursor):
 *
 *	  /npfct/list             names of the instances
 *	  /npfct/info,NAME        parameters, sizes, counts
 *	  /npfct/stats,NAME       all counters, summed over lcores
 *	  /npfct/timeouts,NAME    timeouts per group (seconds)
 *	  /npfct/conns,NAME[,CURSOR]  one page of connections (like
 *	                          "npfctl list" / "conntrack -L")
 *	  /npfct/zones,NAME[,FROM] zones in use: count and limit
 *	  /npfct/nat, /npfct/nat_pool  NAT policies and pool usage
 *	                          (nat_telemetry.c)
 *
 *	A reply is limited in size, so connections come in pages of
 *	TEL_PAGE_SIZE, fewer when their strings would not fit in the reply
 *	(TEL_REPLY_BUDGET: long IPv6 keys).  A reply's "next" is the cursor of the following
 *	page (0: that was the last); without a cursor (or with 0) the
 *	listing starts at the head.  A cursor is where the walk resumes
 *	(struct npfct_list_cursor, moved on by the G/C when it unlinks that
 *	connection), so a page costs TEL_PAGE_SIZE steps under ct_gc_lock,
 *	whichever page it is; the instance keeps NPFCT_LIST_CURSORS of them
 *	and reuses the least recently used, so a cursor not used for a
 *	while may be gone ("cursor expired": start again).  A listing under
 *	traffic is not a snapshot: connections made or removed meanwhile
 *	may or may not be seen, none twice.  Each connection
 *	is a list of strings: protocol, forwards key, backwards key, state,
 *	idle seconds, seconds left, interface, NAT, flags, zone, and with
 *	accounting the packets and bytes forwards/backwards.  Dictionary keys
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

#include "npfct_event.h"
#include "npfct_ext.h"
#include "npfct_impl.h"
#include "npfct_nat_impl.h"

#define TEL_PAGE_SIZE	64
/*
 * Bytes of connection entries in one /npfct/conns reply: rte_telemetry's
 * buffer is 16 KiB (max_output_len), less the command, the instance name,
 * total, next and the braces.
 */
#define TEL_REPLY_BUDGET	(16384 - 512)
#define TEL_ZONE_PAGE	128

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
 * npfct_tel_instance: split "NAME[,ARG]"; an empty NAME selects the only
 * instance.  Returns the instance with the registry locked, or NULL
 * (unlocked).
 */
struct npfct *
npfct_tel_instance(const char *params, uint64_t *arg)
{
	char name[NPFCT_NAMESIZE] = "";
	struct npfct *ct;
	const char *comma;
	size_t len;

	*arg = 0;
	if (params != NULL && params[0] != '\0') {
		comma = strchr(params, ',');
		len = comma ? (size_t)(comma - params) : strlen(params);
		if (len >= sizeof(name))
			return NULL;
		memcpy(name, params, len);
		name[len] = '\0';
		if (comma != NULL) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(comma + 1, &end, 10);
			if (*end != '\0' || end == comma + 1 || errno != 0 ||
			    comma[1] == '-')
				return NULL;
			*arg = v;
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
	uint64_t arg;
	struct npfct *ct = npfct_tel_instance(params, &arg);

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", ct->ct_name);
	rte_tel_data_add_dict_int(d, "socket", ct->ct_socket);
	npfct_tel_dict_uint(d, "max_conns", ct->ct_max[NPFCT_AF4]);
	npfct_tel_dict_uint(d, "max_conns6", ct->ct_max[NPFCT_AF6]);
	npfct_tel_dict_uint(d, "conns", npfct_count(ct));
	npfct_tel_dict_uint(d, "conns4", npfct_live_count(ct, NPFCT_AF4));
	npfct_tel_dict_uint(d, "conns6", npfct_live_count(ct, NPFCT_AF6));
	npfct_tel_dict_uint(d, "nat_entries4",
	    __atomic_load_n(&ct->ct_live[NPFCT_AF4].lv_nat, __ATOMIC_RELAXED));
	npfct_tel_dict_uint(d, "nat_entries6",
	    __atomic_load_n(&ct->ct_live[NPFCT_AF6].lv_nat, __ATOMIC_RELAXED));
	npfct_tel_dict_uint(d, "max_nat_conns", ct->ct_max_nat[NPFCT_AF4]);
	npfct_tel_dict_uint(d, "max_nat_conns6", ct->ct_max_nat[NPFCT_AF6]);
	rte_tel_data_add_dict_string(d, "hash",
	    npfct_hash_func_name(npfct_hash_func_get(ct)));
	npfct_tel_dict_uint(d, "pool4_avail",
	    npfct_connpool_avail(&ct->ct_pool[NPFCT_AF4]));
	npfct_tel_dict_uint(d, "pool6_avail",
	    npfct_connpool_avail(&ct->ct_pool[NPFCT_AF6]));
	npfct_tel_dict_uint(d, "conn4_bytes", ct->ct_conn_size[NPFCT_AF4]);
	npfct_tel_dict_uint(d, "conn6_bytes", ct->ct_conn_size[NPFCT_AF6]);
	rte_tel_data_add_dict_int(d, "accounting", ct->ct_acct);
	npfct_tel_dict_uint(d, "udata_size", ct->ct_udata_size);
	rte_tel_data_add_dict_int(d, "tracking", npfct_tracking_on(ct));
	npfct_tel_dict_uint(d, "flags", ct->ct_flags);
	npfct_tel_dict_uint(d, "clock_s", npfct_clock_sec(ct));
	npfct_instances_unlock();
	return 0;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t arg;
	unsigned int i;
	struct npfct *ct = npfct_tel_instance(params, &arg);
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
	uint64_t arg;
	unsigned int i;
	struct npfct *ct = npfct_tel_instance(params, &arg);
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

/* The fields of one connection in a listing (the last two: counters). */
#define TEL_CONN_FIELDS	12

struct tel_conn_fields {
	char		f[TEL_CONN_FIELDS][RTE_TEL_MAX_STRING_LEN];
	unsigned int	n;
};

/*
 * tel_conn_format: one connection's fields; returns the bytes they take
 * in the reply's JSON (each string quoted, with its comma).
 */
static size_t
tel_conn_format(const struct npfct *ct, struct npfct_conn *con,
		uint32_t now, struct tel_conn_fields *t)
{
	const uint32_t flags = __atomic_load_n(&con->c_flags,
	    __ATOMIC_RELAXED);
	const uint32_t idle = npfct_conn_idle(con, now);
	const uint32_t etime = npfct_conn_etime(ct, con);
	const size_t len = sizeof(t->f[0]);
	struct npfct_conn_acct acct;
	char buf[RTE_TEL_MAX_STRING_LEN];
	size_t bytes = 0;
	unsigned int i;

	switch (con->c_proto) {
	case IPPROTO_TCP:
		snprintf(t->f[0], len, "tcp");
		break;
	case IPPROTO_UDP:
		snprintf(t->f[0], len, "udp");
		break;
	case IPPROTO_ICMP:
		snprintf(t->f[0], len, "icmp");
		break;
	case IPPROTO_ICMPV6:
		snprintf(t->f[0], len, "icmp6");
		break;
	default:
		snprintf(t->f[0], len, "%u", con->c_proto);
	}

	/* The keys change only under c_lock (setnat). */
	rte_spinlock_lock(&con->c_lock);
	npfct_connkey_format(npfct_conn_fkey(con), buf, sizeof(buf));
	snprintf(t->f[1], len, "%s", strchr(buf, ' ') + 1);
	npfct_connkey_format(npfct_conn_bkey(con), buf, sizeof(buf));
	snprintf(t->f[2], len, "%s", strchr(buf, ' ') + 1);
	rte_spinlock_unlock(&con->c_lock);

	snprintf(t->f[3], len, "%s", npfct_conn_state_name(con));
	snprintf(t->f[4], len, "idle=%" PRIu32, idle);
	snprintf(t->f[5], len, "left=%" PRId64,
	    (int64_t)etime - (int64_t)idle);
	if (flags & CONN_IFBOUND)
		snprintf(t->f[6], len, "if=%u", con->c_ifid);
	else
		snprintf(t->f[6], len, "if=any");
	npfct_nat_conn_describe(con, t->f[7], len);
	snprintf(t->f[8], len, "%s%s%s%s",
	    (flags & NPFCT_DIR_MASK) == NPFCT_DIR_IN ? "in" : "out",
	    (flags & CONN_ACTIVE) ? ",active" : "",
	    (flags & CONN_PASS) ? ",pass" : "",
	    (flags & CONN_EXPIRE) ? ",expired" : "");
	/* Last: the fields before it kept their places. */
	snprintf(t->f[9], len, "zone=%u",
	    npfct_connkey_zone(npfct_conn_fkey(con)));
	t->n = 10;
	if (npfct_conn_acct_get(ct, con, &acct) == 0) {
		snprintf(t->f[10], len, "packets=%" PRIu64 "/%" PRIu64,
		    acct.packets[0], acct.packets[1]);
		snprintf(t->f[11], len, "bytes=%" PRIu64 "/%" PRIu64,
		    acct.bytes[0], acct.bytes[1]);
		t->n = 12;
	}
	for (i = 0; i < t->n; i++)
		bytes += strlen(t->f[i]) + 3;
	return bytes;
}

/* One connection as a list of strings, or NULL (no memory). */
static struct rte_tel_data *
tel_conn(const struct tel_conn_fields *t)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	unsigned int i;

	if (c == NULL)
		return NULL;
	rte_tel_data_start_array(c, RTE_TEL_STRING_VAL);
	for (i = 0; i < t->n; i++)
		rte_tel_data_add_array_string(c, t->f[i]);
	return c;
}

/*
 * tel_cursor_take: the resume point of a cursor token of database db;
 * the slot is freed.  Returns false if there is no such cursor.
 *
 * => Caller holds ct_gc_lock.
 */
static bool
tel_cursor_take(struct npfct_gc *gc, const struct npfct_db *db,
		uint64_t token, struct npfct_conn **next)
{
	unsigned int i;

	for (i = 0; i < NPFCT_LIST_CURSORS; i++) {
		struct npfct_list_cursor *lc = &gc->gc_list[i];

		if (lc->lc_token == token && lc->lc_db == db) {
			*next = lc->lc_next;
			memset(lc, 0, sizeof(*lc));
			return true;
		}
	}
	return false;
}

/*
 * tel_cursor_put: a cursor for the walk to resume at next; a free slot or
 * the least recently used one.  Returns its token.
 *
 * => Caller holds ct_gc_lock.
 */
static uint64_t
tel_cursor_put(struct npfct_gc *gc, struct npfct_db *db,
		struct npfct_conn *next)
{
	struct npfct_list_cursor *lc = &gc->gc_list[0];
	unsigned int i;

	for (i = 0; i < NPFCT_LIST_CURSORS; i++) {
		if (gc->gc_list[i].lc_token == 0) {
			lc = &gc->gc_list[i];
			break;
		}
		if (gc->gc_list[i].lc_used < lc->lc_used)
			lc = &gc->gc_list[i];
	}
	lc->lc_token = ++gc->gc_list_tokens;
	lc->lc_used = lc->lc_token;
	lc->lc_db = db;
	lc->lc_next = next;
	return lc->lc_token;
}

static int
tel_conns(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t token;
	struct npfct *ct = npfct_tel_instance(params, &token);
	struct tel_conn_fields t;
	struct npfct_conn *con;
	struct npfct_db *db;
	size_t used = 0, bytes;
	unsigned int n = 0;
	uint32_t now;
	char key[16];

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	pthread_mutex_lock(&ct->ct_gc_lock);
	db = npfct_db_get(ct);
	npfct_conndb_drain_new(db);
	if (token == 0) {
		con = TAILQ_FIRST(&db->db_list);
	} else if (!tel_cursor_take(&ct->ct_gc, db, token, &con)) {
		/* Expired, or another database's: start again. */
		pthread_mutex_unlock(&ct->ct_gc_lock);
		npfct_instances_unlock();
		return -EINVAL;
	}
	now = npfct_clock_sec(ct);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "instance", ct->ct_name);
	npfct_tel_dict_uint(d, "total", db->db_nlist);
	for (; con != NULL && n < TEL_PAGE_SIZE;
	    con = TAILQ_NEXT(con, c_entry)) {
		struct rte_tel_data *c;

		/*
		 * The reply has room for TEL_REPLY_BUDGET bytes of entries;
		 * rte_telemetry would drop the ones past its buffer without
		 * a word, and the cursor would skip them.
		 */
		snprintf(key, sizeof(key), "c%u", n);
		bytes = tel_conn_format(ct, con, now, &t) + strlen(key) + 5;
		if (used + bytes > TEL_REPLY_BUDGET)
			break;
		c = tel_conn(&t);
		if (c == NULL)
			break;
		rte_tel_data_add_dict_container(d, key, c, 0);
		used += bytes;
		n++;
	}
	npfct_tel_dict_uint(d, "next", con != NULL ?
	    tel_cursor_put(&ct->ct_gc, db, con) : 0);
	pthread_mutex_unlock(&ct->ct_gc_lock);
	npfct_instances_unlock();
	return 0;
}

/*
 * /npfct/zones,NAME[,FROM]: the zones from FROM on that have connections
 * or a limit of their own, TEL_ZONE_PAGE at most, each "zN": [count,
 * limit]; "next" is the zone to ask for next (0: no more).
 */
static int
tel_zones(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t from;
	struct npfct *ct = npfct_tel_instance(params, &from);
	const struct npfct_zones *z;
	unsigned int zone, n = 0;
	char key[16];

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	if (from >= NPFCT_NZONES) {
		npfct_instances_unlock();
		return -EINVAL;
	}
	z = ct->ct_zones;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "instance", ct->ct_name);
	npfct_tel_dict_uint(d, "default_limit",
	    __atomic_load_n(&z->zn_default_limit, __ATOMIC_RELAXED));
	for (zone = from; zone < NPFCT_NZONES && n < TEL_ZONE_PAGE; zone++) {
		const uint32_t count = __atomic_load_n(&z->zn_count[zone],
		    __ATOMIC_RELAXED);
		const uint32_t limit = __atomic_load_n(&z->zn_limit[zone],
		    __ATOMIC_RELAXED);
		struct rte_tel_data *c;

		if (count == 0 && limit == 0)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			break;
		rte_tel_data_start_array(c, NPFCT_TEL_UINT_VAL);
		npfct_tel_array_uint(c, count);
		npfct_tel_array_uint(c, limit);
		snprintf(key, sizeof(key), "z%u", zone);
		rte_tel_data_add_dict_container(d, key, c, 0);
		n++;
	}
	npfct_tel_dict_uint(d, "next", zone < NPFCT_NZONES ? zone : 0);
	npfct_instances_unlock();
	return 0;
}

/*
 * /npfct/events,NAME: the subscription and, per ring that exists,
 * [queued, dropped, limited, pending]; rings "lN" (lcore N), "shared",
 * "gc".  Each counter is read whole; nothing is locked.
 */
static int
tel_events(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t unused;
	struct npfct *ct = npfct_tel_instance(params, &unused);
	struct npfct_event_stats st;
	unsigned int ring;
	char key[16];

	RTE_SET_USED(cmd);
	if (ct == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "instance", ct->ct_name);
	npfct_tel_dict_uint(d, "subscribed", npfct_events_subscribed(ct));
	for (ring = 0; ring <= NPFCT_EVENTS_RING_GC; ring++) {
		struct rte_tel_data *c;

		if (npfct_events_stats_get(ct, ring, &st) != 0)
			continue;
		if (ring == 0)
			npfct_tel_dict_uint(d, "ring_size", st.size);
		c = rte_tel_data_alloc();
		if (c == NULL)
			break;
		rte_tel_data_start_array(c, NPFCT_TEL_UINT_VAL);
		npfct_tel_array_uint(c, st.queued);
		npfct_tel_array_uint(c, st.dropped);
		npfct_tel_array_uint(c, st.limited);
		npfct_tel_array_uint(c, st.pending);
		if (ring == NPFCT_EVENTS_RING_GC)
			snprintf(key, sizeof(key), "gc");
		else if (ring == NPFCT_EVENTS_RING_SHARED)
			snprintf(key, sizeof(key), "shared");
		else
			snprintf(key, sizeof(key), "l%u", ring);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
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
	    "A page of connections. Parameters: instance name, cursor "
	    "(the previous reply's next; none: the first page)");
	rte_telemetry_register_cmd("/npfct/events", tel_events,
	    "Event rings: subscription, per ring [queued, dropped, limited, "
	    "pending]. Parameters: instance name");
	rte_telemetry_register_cmd("/npfct/zones", tel_zones,
	    "Zones with connections or a limit: [count, limit]. "
	    "Parameters: instance name, first zone (default 0)");
	npfct_nat_telemetry_register();
	npfct_frag_telemetry_register();
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
