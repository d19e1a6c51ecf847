/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

#ifndef NPFCT_H
#define NPFCT_H

/**
 * @file
 * npfct: NetBSD NPF's connection tracking for DPDK applications.
 *
 * An instance (struct npfct) holds a connection database: two lock-free
 * rte_hash tables (IPv4 and IPv6 keys) with one entry per connection, under
 * the canonical form of its keys, which serves both the forwards stream
 * (the direction of the first packet) and the backwards stream; a NAT that
 * changes the backwards key adds a second entry.  Lookups match the
 * forwards and backwards keys, as in NPF.  Datapath lcores look
 * connections up without locks and establish new ones; a single G/C
 * context expires them.
 *
 * Thread classes
 *
 *  - datapath lcore: an EAL lcore (or a thread registered with
 *    rte_thread_register(), so that it has an lcore id) that is registered
 *    with liburcu's QSBR flavour and online.  It calls the inspect,
 *    lookup, establish and connection functions.
 *  - G/C context: whoever calls npfct_gc(); one at a time (serialised by
 *    the instance).  It must have an lcore id.
 *  - control thread: creates and destroys instances, switches tracking,
 *    loads databases, registers ALGs, reads statistics.
 *
 * Important: QSBR duty.  Connections are reclaimed with liburcu's QSBR
 * flavour (urcu-qsbr), which has one process-wide domain shared by all
 * instances.  Every thread that calls a datapath function must first call
 * npfct_thread_register() (or urcu_qsbr_register_thread()) and must report
 * a quiescent state regularly, at least once per burst, with
 * npfct_quiescent() (urcu_qsbr_quiescent_state()) at a point where it holds
 * no connection pointer.  A thread that stops polling must go offline
 * (npfct_thread_offline()) or G/C stalls.  Failure to register may result
 * in undefined behaviour: a connection may be freed under the reader.
 *
 * Reference contract.  A connection pointer returned by npfct_conn_inspect(),
 * npfct_conn_lookup(), npfct_conn_establish() or npfct_inspect_burst() stays
 * valid (not freed, not reused) until the calling thread's next quiescent
 * state or offline period.  It may be expired or removed meanwhile by
 * another thread; it is never destroyed under the caller.  The caller
 * must not keep the pointer past its next quiescent state.
 * npfct_conn_release() no longer drops a reference count (QSBR replaces the
 * seed's per-lookup atomic count); it activates a connection returned by
 * npfct_conn_establish() and is a no-op otherwise.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <rte_compat.h>
#include <rte_mbuf.h>

#include "npfct_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Mark an API as experimental: using it warns unless ALLOW_EXPERIMENTAL_API
 * is defined (like DPDK's __rte_experimental).
 */
#ifndef ALLOW_EXPERIMENTAL_API
#define __npfct_experimental \
	__attribute__((deprecated("Symbol is not yet part of stable ABI"), \
	section(".text.experimental")))
#else
#define __npfct_experimental \
	__attribute__((section(".text.experimental")))
#endif

/** An npfct instance (opaque). */
struct npfct;
/** A connection (opaque). */
struct npfct_conn;
/** A connection database, installed with npfct_load() (opaque). */
struct npfct_db;

/** Maximum length of an instance name, including the terminating NUL. */
#define NPFCT_NAMESIZE		16

/** Create the instance with connection tracking disabled (see npfct_tracking()). */
#define NPFCT_F_TRACKING_OFF	0x0001
/**
 * Key the hash function with a fixed key instead of a random one
 * (reproducible table layout for tests).  Without this flag each database
 * gets a secret key from the kernel (getrandom()) when it is created, so
 * that remote peers cannot aim collisions at the table.  Never set it
 * where untrusted traffic is tracked: with a known key, tuples that share
 * a bucket pair can be computed.
 */
#define NPFCT_F_FIXED_HASH_SEED	0x0002
/**
 * Allow a TCP connection to be established from a packet other than a
 * SYN (mid-stream pickup, e.g. after a restart without state).  Such a
 * connection starts ESTABLISHED; since the window scale factors were not
 * seen, its sequence numbers are tracked but not window-checked.
 */
#define NPFCT_F_TCP_LOOSE	0x0004
/**
 * Accept any in-window TCP RST instead of only one whose sequence number
 * is the next expected (strict order, RFC 5961 3.2, the default).
 */
#define NPFCT_F_TCP_RST_LOOSE	0x0008
/**
 * Count packets and bytes (IP length) per connection and direction
 * (npfct_conn_acct_get()): 32 bytes more per connection, rounded up with
 * the user data to whole cache lines, and a store per packet on the hit
 * path.  The counters are exact while one lcore at a time handles a
 * connection (both directions of a flow on one queue: symmetric RSS);
 * two lcores hitting one connection at the same moment may lose a count.
 */
#define NPFCT_F_ACCOUNTING	0x0010

/** Largest npfct_params::udata_size. */
#define NPFCT_UDATA_MAX		64

/**
 * Hash function of the connection tables (npfct_params::hash).  The keyed
 * functions take a random secret per database; see docs/design.md
 * ("Keyed hash") and docs/performance.md for their cost.
 */
enum npfct_hash_func {
	/** The fastest keyed function of this CPU (AES where AES-NI is
	 *  present, otherwise SipHash-1-3). */
	NPFCT_HASH_DEFAULT = 0,
	NPFCT_HASH_SIPHASH13,		/**< SipHash-1-3, 128-bit key */
	NPFCT_HASH_HALFSIPHASH13,	/**< HalfSipHash-1-3, 64-bit key */
	NPFCT_HASH_AES,			/**< four AES rounds (x86 AES-NI) */
	/**
	 * CRC32C with a random seed: NOT collision-resistant (CRC is
	 * linear, so colliding keys can be computed without the seed).
	 * For benchmarks against the keyed functions only.
	 */
	NPFCT_HASH_CRC32C,
	NPFCT_HASH_MAX			/**< number of values */
};

/** Number of zones (npfct_pkt::zone is 16 bits; zone 0 is the default). */
#define NPFCT_NZONES		65536
/** npfct_zone_limit_set() zone argument: the default limit of all zones. */
#define NPFCT_ZONE_DEFAULT	(-1)
/**
 * npfct_zone_limit_set() limit: no limit, also when a default is set (0
 * is "the default limit" for a zone, and "none" for the default).
 */
#define NPFCT_ZONE_NO_LIMIT	UINT32_MAX

/** Timeout groups: index into npfct_params::timeouts. */
enum npfct_timeout {
	NPFCT_TIMEOUT_GENERIC_CLOSED = 0, /**< generic protocol, closed */
	NPFCT_TIMEOUT_GENERIC_NEW,	  /**< generic, new (one way) */
	NPFCT_TIMEOUT_GENERIC_ESTABLISHED, /**< generic, both ways seen */
	NPFCT_TIMEOUT_TCP_NEW,		  /**< TCP opening handshake */
	NPFCT_TIMEOUT_TCP_ESTABLISHED,	  /**< TCP established */
	NPFCT_TIMEOUT_TCP_HALF_CLOSE,	  /**< TCP one side closed */
	NPFCT_TIMEOUT_TCP_CLOSE,	  /**< TCP closing/closed */
	NPFCT_TIMEOUT_TCP_TIME_WAIT,	  /**< TCP TIME_WAIT */
	NPFCT_TIMEOUT_MAX		  /**< number of timeout groups */
};

/**
 * Release callback for an application handle attached to a connection
 * (rule procedure or NAT entry).  Called once, from the G/C context, when
 * the connection is destroyed, after no datapath thread can see it.
 */
typedef void (*npfct_release_t)(void *handle, void *arg);

/**
 * G/C tunables (NPF's gc.*), at creation (npfct_params::gc) and at run
 * time (npfct_gc_params_set()).  A zero field in npfct_params::gc selects
 * the default.
 */
struct npfct_gc_params {
	/** Connections examined per G/C step, 1..1048576 (default 256). */
	uint32_t step;
	/** Shortest interval between service steps, ms (default 50). */
	uint32_t interval_min_ms;
	/** Longest interval between service steps, ms (default 5000). */
	uint32_t interval_max_ms;
	/**
	 * Early drop: when establish found a family short of connections
	 * (at its max_conns, or a full bucket pair with under 1/16 of the
	 * family left), the next step evicts up to this many of the oldest
	 * connections of that family that are not established (default
	 * 64; NPFCT_GC_EARLY_DROP_OFF: never).
	 */
	uint32_t early_drop;
};

/** npfct_gc_params::early_drop value that turns early drop off. */
#define NPFCT_GC_EARLY_DROP_OFF	UINT32_MAX

/** Parameters of npfct_create(). */
struct npfct_params {
	const char *name;	/**< instance name (< NPFCT_NAMESIZE chars) */
	int socket_id;		/**< NUMA socket, or SOCKET_ID_ANY */
	/**
	 * Maximum IPv4 connections (> 0): a hard limit, counting those
	 * waiting for their grace period; reachable from any thread.
	 */
	uint32_t max_conns;
	uint32_t max_conns6;	/**< the same for IPv6, 0: as max_conns */
	uint32_t flags;		/**< NPFCT_F_* */
	/**
	 * Per-lcore connection cache (magazine size, up to 512), 0: the
	 * default of 256.
	 */
	uint32_t cache_size;
	/**
	 * Timeouts in seconds per group; an entry of 0 selects the default,
	 * except NPFCT_TIMEOUT_GENERIC_CLOSED whose default is 0.  NULL:
	 * all defaults.
	 */
	const uint32_t *timeouts;
	/**
	 * TCP: the largest acknowledgement skew accepted (bytes, before the
	 * sender's window scale), 0: NPF's default of 66000.
	 */
	uint32_t tcp_max_ack_win;
	/** G/C tunables (NULL: defaults, see struct npfct_gc_params). */
	const struct npfct_gc_params *gc;
	npfct_release_t rproc_release;	/**< releases a rule procedure */
	npfct_release_t nat_release;	/**< releases a NAT entry */
	void *release_arg;		/**< passed to both release callbacks */
	/**
	 * Connections per family whose NAT changes the backwards key: each
	 * takes a second table entry (docs/design.md).  0: an eighth of the
	 * family's maximum plus one; never more than that maximum; at most
	 * 2^28.  A NAT gateway sets max_conns.  A hard limit that sizes
	 * the tables: past it setnat fails with -ENOSPC (table-full).
	 */
	uint32_t max_nat_conns;
	/**
	 * Hash function of the tables; NPFCT_HASH_DEFAULT (0) is the
	 * fastest keyed one.  npfct_create() fails with ENOTSUP for
	 * NPFCT_HASH_AES on a CPU without AES-NI.
	 */
	enum npfct_hash_func hash;
	/**
	 * Bytes of application data per connection, 0 (none) to
	 * NPFCT_UDATA_MAX, 8-byte aligned, zeroed when a connection is
	 * established or imported (npfct_conn_udata()).
	 */
	uint16_t udata_size;
	/**
	 * Connection events (npfct_event.h): records per ring, 0 for no
	 * events (no rings, nothing on the datapath); at most 2^20.  One
	 * ring per lcore that exists at create, one for the other threads,
	 * one for the G/C, 144 bytes per record.
	 */
	uint32_t event_ring_size;
	/**
	 * UPDATE events per second and ring, at most; 0: no limit.  The
	 * rest are counted (npfct_event_stats::limited), not queued.
	 */
	uint32_t event_update_rate;
};

/**
 * Create an instance.
 *
 * Must be called from the control thread after rte_eal_init().
 *
 * @param params
 *   Parameters; copied.
 * @return
 *   The instance, or NULL with rte_errno set:
 *   - EINVAL: a parameter is wrong (no name, name too long, max_conns 0);
 *   - EEXIST: an instance of that name exists;
 *   - ENOTSUP: the hash function asked for needs a CPU feature
 *     (NPFCT_HASH_AES: AES-NI) this CPU lacks;
 *   - EIO: no random key could be drawn for the hash function;
 *   - ENOMEM: no memory for the tables or the connection pool;
 *   - ENOSPC: no DPDK service slot left for the G/C service.
 */
struct npfct *npfct_create(const struct npfct_params *params);

/**
 * Limit the connections of a zone (both families together): a zone at its
 * limit refuses new connections (establish fails with EDQUOT, counted as
 * NPFCT_STAT_ZONE_FULL), other zones are not affected.  A zone without a
 * limit of its own (0) has the default limit (zone NPFCT_ZONE_DEFAULT);
 * a default of 0 is none, the initial setting; NPFCT_ZONE_NO_LIMIT
 * exempts a zone from the default.  A limit set or lowered below a
 * zone's count removes nothing: the zone refuses new connections until
 * it is below the limit.  Any thread, at any time.
 *
 * @param zone
 *   0..65535, or NPFCT_ZONE_DEFAULT.
 * @param limit
 *   Connections; 0: the default limit (for a zone) or none (for the
 *   default); NPFCT_ZONE_NO_LIMIT: none.
 * @return
 *   0, or -EINVAL.
 */
int npfct_zone_limit_set(struct npfct *ct, int zone, uint32_t limit);

/**
 * Return the limit of a zone (0: none of its own) or the default limit
 * (NPFCT_ZONE_DEFAULT), or -EINVAL.
 */
int64_t npfct_zone_limit_get(const struct npfct *ct, int zone);

/**
 * Return the connections of a zone (not yet destroyed), a snapshot.  Any
 * thread.
 */
uint32_t npfct_zone_count(const struct npfct *ct, uint16_t zone);

/**
 * Return the name of a hash function ("siphash13", "aes", ...), or NULL if
 * out of range.
 */
const char *npfct_hash_func_name(enum npfct_hash_func func);

/**
 * Return the hash function of a name given by npfct_hash_func_name(), or
 * -EINVAL.
 */
int npfct_hash_func_lookup(const char *name);

/**
 * Return the hash function the instance's tables use (resolved: never
 * NPFCT_HASH_DEFAULT).
 */
enum npfct_hash_func npfct_hash_func_get(const struct npfct *ct);

/**
 * Destroy an instance: every connection is destroyed (release callbacks
 * run) and all memory is freed.  The G/C service is stopped first, and
 * destroy waits until no service lcore runs it any more.
 *
 * Not multi-thread safe: no other thread may use the instance any more.
 * Any thread, also one without an lcore id.
 *
 * @param ct
 *   The instance; NULL is ignored.
 */
void npfct_destroy(struct npfct *ct);

/**
 * Find an instance by name.  @return the instance or NULL.
 */
struct npfct *npfct_find(const char *name);

/**
 * Return the instance name.
 */
const char *npfct_name(const struct npfct *ct);

/**
 * Enable or disable connection tracking (npf_conn_tracking()).
 *
 * While disabled, inspect and establish find and create nothing; the
 * database is kept.  May be called from the control thread while
 * datapath lcores run.
 */
void npfct_tracking(struct npfct *ct, bool on);

/** Return true if connection tracking is enabled. */
bool npfct_tracking_p(const struct npfct *ct);

/**
 * Create an empty connection database for the instance, to be filled
 * (e.g. by import) and installed with npfct_load().
 *
 * @return
 *   The database, or NULL with rte_errno set (ENOMEM, EINVAL).
 */
struct npfct_db *npfct_db_create(struct npfct *ct);

/**
 * Destroy a database that was not installed, with all its connections.
 */
void npfct_db_destroy(struct npfct *ct, struct npfct_db *db);

/**
 * Install a database (npf_conn_load()): the new database replaces the
 * current one, then, after a grace period, the old one is flushed (all its
 * connections destroyed) and freed.
 *
 * Control thread only (any thread, also without an lcore id); may run
 * while datapath lcores inspect and establish.  Two loads of one database
 * do not both install it.  Blocks for a QSBR grace period: the calling
 * thread must not be an online QSBR reader holding connection pointers.
 * The new database has a hash key of its own (drawn by npfct_db_create()).
 *
 * @param ct
 *   The instance.
 * @param db
 *   New database from npfct_db_create(), or NULL to install an empty one.
 * @param track
 *   Enable tracking after the switch (otherwise tracking is left as is).
 * @return
 *   0, or -EINVAL (db belongs to another instance, or is installed
 *   already), -ENOMEM, -EIO (NULL db: no random key).
 */
int npfct_load(struct npfct *ct, struct npfct_db *db, bool track);

/**
 * One incremental G/C step (what the G/C service runs): take the new
 * connections, examine at most gc.step connections from where the last
 * step stopped, remove the entries of the expired ones (and, if the table
 * was found full, evict the oldest unestablished ones), and destroy the
 * connections removed by earlier steps whose grace period has ended.
 *
 * Never blocks: the grace period is waited for by the instance's
 * grace-period thread; if another G/C context holds the G/C lock the step
 * does nothing.  For an application without a service core, call it
 * periodically from a thread with an lcore id (e.g. the main lcore).
 *
 * @return
 *   Number of connections destroyed by this step, or -EINVAL (no
 *   instance, or no lcore id).
 */
int npfct_gc(struct npfct *ct);

/**
 * A full, blocking G/C pass (npf_conn_gc() with sync): examine every
 * connection, remove the expired ones, wait for a QSBR grace period and
 * destroy them together with everything earlier steps removed.
 *
 * Control thread or G/C context with an lcore id; the caller must not
 * hold connection pointers (the wait is a quiescent state for it), and a
 * thread it waits for must not be an online reader.
 *
 * @return
 *   Number of connections destroyed, or -EINVAL.
 */
int npfct_gc_sync(struct npfct *ct);

/**
 * Destroy all connections of the current database (G/C with flush), under
 * traffic.  Same rules as npfct_gc_sync().  Connections established while
 * the flush runs may survive it.
 *
 * @return
 *   Number of connections destroyed, or -EINVAL.
 */
int npfct_flush(struct npfct *ct);

/** npfct_filter::fields: match the protocol. */
#define NPFCT_FILTER_PROTO	0x01
/** npfct_filter::fields: match an address prefix (either endpoint). */
#define NPFCT_FILTER_ADDR	0x02
/** npfct_filter::fields: match a port (either side, network order). */
#define NPFCT_FILTER_PORT	0x04
/** npfct_filter::fields: match connections bound to an interface. */
#define NPFCT_FILTER_IFID	0x08
/** npfct_filter::fields: match the connections of a zone. */
#define NPFCT_FILTER_ZONE	0x10

/**
 * Which connections npfct_flush_filter() destroys: all the fields selected
 * must match.  Addresses and ports are compared with both keys of the
 * connection (original and translated values).
 */
struct npfct_filter {
	uint32_t fields;	/**< NPFCT_FILTER_* (at least one) */
	uint8_t proto;		/**< IPPROTO_* */
	uint8_t alen;		/**< address length: 4 or 16 */
	uint8_t plen;		/**< prefix length in bits */
	union npfct_addr addr;	/**< address prefix */
	rte_be16_t port;	/**< port (or ICMP query id) */
	uint16_t ifid;		/**< interface (per-interface connections) */
	uint16_t zone;		/**< zone (npfct_pkt::zone) */
};

/**
 * Destroy the connections that match a filter (e.g. all connections of a
 * host, of a port, of an interface, of a zone).  Same rules as npfct_flush().
 *
 * @return
 *   Number of connections destroyed, or -EINVAL (bad filter).
 */
int npfct_flush_filter(struct npfct *ct, const struct npfct_filter *filter);

/**
 * Change the G/C tunables at run time.  Any thread.  They apply at once:
 * the service's next step is due now, not when the old interval ends.
 *
 * @return
 *   0, or -EINVAL if a value is out of range (step 0 or over 1048576,
 *   an interval of 0 or over an hour, interval_min_ms > interval_max_ms,
 *   early_drop 0 or over max_conns + max_conns6 other than
 *   NPFCT_GC_EARLY_DROP_OFF); nothing is changed then.
 */
int npfct_gc_params_set(struct npfct *ct, const struct npfct_gc_params *gc);

/** Read the G/C tunables.  @return 0 or -EINVAL. */
int npfct_gc_params_get(const struct npfct *ct, struct npfct_gc_params *gc);

/**
 * Return the DPDK service id of the instance's G/C, registered by
 * npfct_create() (name "npfct_gc_NAME").  Map it to a service lcore and
 * start it, as for any DPDK service:
 *
 *   rte_service_map_lcore_set(id, lcore, 1);
 *   rte_service_runstate_set(id, 1);
 *
 * The service runs npfct_gc() steps at an adaptive interval: halved when
 * a step collected something, doubled otherwise, within
 * [interval_min_ms, interval_max_ms]; at once when the table is full.
 * npfct_destroy() stops it and waits until no service lcore runs it; an
 * application that stops it itself does so with
 * rte_service_runstate_set(id, 0) and waits until
 * rte_service_may_be_active(id) is 0.
 *
 * @return
 *   0, or -EINVAL.
 */
int npfct_gc_service_id(const struct npfct *ct, uint32_t *service_id);

/*
 * Save/restore.  Experimental: the calls and the image format may still
 * change (define ALLOW_EXPERIMENTAL_API to use them).
 */

/** Version of the export format written by npfct_export(). */
#define NPFCT_EXPORT_VERSION	3

struct npfct_conn_info;

/**
 * Callbacks of npfct_import(): rebuild the application's handles of an
 * imported connection.  Each may be NULL.
 */
struct npfct_import_ops {
	/**
	 * Return the NAT entry for a connection exported with one (info->nat),
	 * or NULL to fail the import (-ENOENT).  Without this callback such
	 * connections are imported with their translated backwards key and no
	 * NAT entry.  Released with npfct_params::nat_release.
	 */
	void *(*nat_restore)(const struct npfct_conn_info *info, void *arg);
	/**
	 * Return the rule procedure of a "pass" connection (may be NULL: no
	 * procedure).  Released with npfct_params::rproc_release.
	 */
	void *(*rproc_restore)(const struct npfct_conn_info *info, void *arg);
	void *arg;	/**< passed to the callbacks */
};

/**
 * Return the number of bytes npfct_export() needs now (connections
 * established later need more).
 */
__npfct_experimental
size_t npfct_export_size(const struct npfct *ct);

/**
 * Export the active connections of the current database (NPF's
 * connection save; see docs/operations.md for the format): keys, direction,
 * interface binding, protocol state with the TCP window data, flags, NAT
 * association (translated backwards key) and idle time.  Each connection
 * is copied under its lock; traffic may run meanwhile.  No two records
 * of one image have the same key, so npfct_import() takes every record
 * of an image into an empty database.
 *
 * Control thread (takes the G/C lock while it walks the connections).
 *
 * @return
 *   Bytes written, or -EINVAL, or -ENOSPC if len is too small (nothing
 *   useful is written then; ask npfct_export_size() again), or -ENOMEM.
 */
__npfct_experimental
ssize_t npfct_export(struct npfct *ct, void *buf, size_t len);

/**
 * Import connections exported by npfct_export() (NPF's connection
 * restore), into the current database (db NULL, traffic may run) or into
 * a database from npfct_db_create() to be installed with npfct_load().
 *
 * Everything is validated before anything is inserted: a truncated,
 * corrupt (checksum), wrong-version or hostile input (counts that do not
 * match the length or exceed the free room, impossible states, keys that
 * do not belong together, keys already present or repeated) is rejected
 * and nothing stays inserted; connections already inserted before a
 * duplicate was met are removed again without ever having been active.
 * Imported connections keep their idle time.
 *
 * Control thread with an lcore id (the table inserts need one: -EINVAL
 * and the no-lcore counter otherwise).  The records are counted against
 * max_conns all at once: an import has room for all or takes none.  Never
 * waits for a grace period: the connections of an undone import into an
 * installed database are freed by the G/C.
 *
 * @return
 *   Number of connections imported, or:
 *   - -EINVAL: bad arguments, or a record that is not valid;
 *   - -EBADMSG: truncated input, bad magic, sizes or checksum;
 *   - -EPROTONOSUPPORT: another format version;
 *   - -ENOSPC: not enough room for the connections;
 *   - -EDQUOT: a zone's limit has no room for its connections (checked
 *     as they are inserted, then undone like a duplicate);
 *   - -EEXIST: a connection is already present (or repeated);
 *   - -ENOENT: nat_restore returned NULL.
 */
__npfct_experimental
int npfct_import(struct npfct *ct, struct npfct_db *db, const void *buf,
		size_t len, const struct npfct_import_ops *ops);

/**
 * Return the number of connections in the current database (established
 * and not yet destroyed; includes expired ones awaiting G/C).
 */
uint32_t npfct_count(const struct npfct *ct);

/**
 * Set a timeout at run time (seconds).  Control thread; takes effect for
 * the next expiry check of every connection.
 *
 * @return
 *   0, or -EINVAL for an unknown group or a value over 30 days.
 */
int npfct_timeout_set(struct npfct *ct, enum npfct_timeout which,
		uint32_t seconds);

/** Read a timeout (seconds), or -EINVAL for an unknown group. */
int npfct_timeout_get(const struct npfct *ct, enum npfct_timeout which);

/**
 * Return the name of a timeout group ("tcp.established", ...; the names of
 * NPF's state.*.timeout.* tunables without the prefix), or NULL.
 */
const char *npfct_timeout_name(enum npfct_timeout which);

/**
 * Find a timeout group by name (see npfct_timeout_name()).
 *
 * @return
 *   The group (enum npfct_timeout), or -EINVAL.
 */
int npfct_timeout_lookup(const char *name);

/**
 * Drive the instance clock by hand (tests, pcap replay): from now on the
 * instance reads time only from npfct_clock_set().  Control thread, before
 * traffic.
 */
void npfct_clock_manual(struct npfct *ct, uint64_t now_ns);

/** Set the manual clock (nanoseconds; must not go backwards). */
void npfct_clock_set(struct npfct *ct, uint64_t now_ns);

/** Return the instance clock in nanoseconds. */
uint64_t npfct_clock_now(const struct npfct *ct);

/*
 * QSBR registration: thin wrappers over liburcu's QSBR flavour, so that an
 * application need not include liburcu headers.  All instances share the
 * process-wide QSBR domain: register once per thread.
 */

/**
 * Register the calling thread as a QSBR reader and put it online.
 * Must be called once per thread before any datapath call.
 */
void npfct_thread_register(void);

/** Unregister the calling thread (it must hold no connection pointer). */
void npfct_thread_unregister(void);

/** Report a quiescent state: every connection pointer held is forgotten. */
void npfct_quiescent(void);

/** Go offline while idle (an extended quiescent state). */
void npfct_thread_offline(void);

/** Come back online after npfct_thread_offline(). */
void npfct_thread_online(void);

/*
 * Burst fast path.
 */

/** npfct_inspect_burst() result per packet. */
enum npfct_verdict {
	NPFCT_V_MATCH = 0,	/**< connection found, state accepted */
	NPFCT_V_RELATED,	/**< connection found by an ALG (ICMP error) */
	NPFCT_V_MISS,		/**< trackable, no connection */
	NPFCT_V_INVALID,	/**< connection found, state check failed */
	NPFCT_V_NOT_TRACKABLE,	/**< fragment, unsupported ICMP, tracking off */
	NPFCT_V_PARSE_ERROR,	/**< malformed (see npfct_pkt::status) */
	NPFCT_V_MAX
};

/** Return a short name of a verdict ("match", "miss", ...). */
const char *npfct_verdict_str(enum npfct_verdict v);

/**
 * Inspect a burst of packets (npf_conn_inspect() for each).
 *
 * Parses every packet (data starting at the Ethernet header) into
 * pkts[i], hashes each key once, looks the keys up with bulk lookups, runs
 * the ALG hook and the protocol state inspection, and updates each found
 * connection's activity time.  Packets that found no connection can then
 * be passed to npfct_conn_establish() with pkts[i], without parsing again.
 *
 * Lock-free and multi-thread safe: datapath lcores only (registered,
 * online).  The connection pointers follow the reference contract.
 *
 * @param ct
 *   The instance.
 * @param mbufs
 *   The packets.
 * @param pkts
 *   Array of n structures, filled.
 * @param n
 *   Number of packets (any number; processed in chunks).
 * @param di
 *   Direction of all packets: NPFCT_DIR_IN or NPFCT_DIR_OUT.
 * @param conns
 *   Array of n pointers: the connection or NULL.
 * @param verdicts
 *   Array of n results (enum npfct_verdict).
 * @return
 *   Number of packets that matched a connection (MATCH or RELATED).
 */
uint16_t npfct_inspect_burst(struct npfct *ct, struct rte_mbuf **mbufs,
		struct npfct_pkt *pkts, uint16_t n, int di,
		struct npfct_conn **conns, uint8_t *verdicts);

/**
 * Same as npfct_inspect_burst() for packets already parsed (e.g. with
 * npfct_pkt_parse_l3() for packets without an Ethernet header).
 */
uint16_t npfct_inspect_burst_parsed(struct npfct *ct,
		struct npfct_pkt *pkts, uint16_t n, int di,
		struct npfct_conn **conns, uint8_t *verdicts);

/**
 * Establish connections for selected packets of a burst, e.g. the misses
 * of npfct_inspect_burst() that a stateful rule passed.
 *
 * For each k < n, establishes a connection for pkts[idx[k]] as
 * npfct_conn_establish() does, marks it "pass" if asked (without a rule
 * procedure) and activates it at once (npfct_conn_release());
 * conns[idx[k]] receives it, or NULL if it could not be established (the
 * reason is counted: race, table full, ...).  Connections that need a
 * rule procedure or npfct_conn_setnat() before activation are
 * established one by one with npfct_conn_establish().
 *
 * Multi-thread safe (datapath lcores with an lcore id).
 *
 * @param ct
 *   The instance.
 * @param pkts
 *   Parsed packets (as filled by npfct_inspect_burst()).
 * @param idx
 *   Indexes into pkts of the packets to establish.
 * @param n
 *   Number of indexes.
 * @param di
 *   Direction of the packets: NPFCT_DIR_IN or NPFCT_DIR_OUT.
 * @param flags
 *   NPFCT_EST_PER_IF (bind to the packet's interface), NPFCT_EST_PASS
 *   ("pass" connections), NPFCT_EST_LOOKUP_FIRST (packets that did not
 *   just go through npfct_inspect_burst()), NPFCT_EST_NAT (apply the NAT
 *   policies); 0 for none.
 * @param conns
 *   Array indexed like pkts; conns[idx[k]] is written.
 * @return
 *   Number of connections established.
 */
uint16_t npfct_establish_burst(struct npfct *ct,
		const struct npfct_pkt *pkts, const uint16_t *idx, uint16_t n,
		int di, uint32_t flags, struct npfct_conn **conns);

/** npfct_establish_burst(): bind to the packet's interface. */
#define NPFCT_EST_PER_IF	0x1
/** npfct_establish_burst(): mark the connections "pass". */
#define NPFCT_EST_PASS		0x2
/**
 * npfct_establish_burst(): the packets were not just looked up by
 * npfct_inspect_burst() (e.g. SYNs steered to establishment directly):
 * look their keys up in bulk first, so that the inserts find their hash
 * buckets in cache, fetched together (about a quarter faster at 1M
 * connections, docs/performance.md).  Pointless right after an
 * inspection of the same packets, which did that lookup.
 */
#define NPFCT_EST_LOOKUP_FIRST	0x4
/**
 * npfct_establish_burst(): translate the new connections that a NAT
 * policy matches (npfct_nat_establish(), npfct_nat.h) before activating
 * them; one that NAT refuses (no port left) is not established:
 * conns[idx[k]] is NULL and it is not counted.
 */
#define NPFCT_EST_NAT		0x8

/*
 * ALG hook (npf_alg_conn()).
 */

/**
 * ALG connection hook: may find the connection of a packet with its own
 * key, using npfct_conn_lookup() (never npfct_conn_inspect(): recursion is
 * not allowed).  Called first for every packet inspected with tracking on
 * and valid layer 3, including packets that are not trackable by key
 * (ICMP errors).
 *
 * The packet's zone is part of every key: a packet the hook builds for
 * its lookup takes pkt->zone (npfct_pkt_parse_icmp_inner() copies it; a
 * packet parsed again from the mbuf, or built from zeroes, would be
 * looked up in another zone, that of the mbuf field or zone 0).
 *
 * @return
 *   The connection (reference contract as for lookup) or NULL.
 */
typedef struct npfct_conn *(*npfct_alg_conn_t)(struct npfct *ct,
		const struct npfct_pkt *pkt, int di, void *arg);

/** Maximum number of ALGs per instance (one is the built-in ICMP ALG). */
#define NPFCT_ALG_MAX	8

/**
 * Register an ALG hook.  Control thread; may run under traffic.
 *
 * @return
 *   A handle >= 0 for npfct_alg_unregister(), or -ENOSPC, -EINVAL.
 */
int npfct_alg_register(struct npfct *ct, npfct_alg_conn_t fn, void *arg);

/**
 * Unregister an ALG hook.  Control thread; waits for a QSBR grace period
 * so that no datapath thread still runs the hook when it returns.
 *
 * @return
 *   0 or -EINVAL.
 */
int npfct_alg_unregister(struct npfct *ct, int handle);

#ifdef __cplusplus
}
#endif

#endif /* NPFCT_H */
