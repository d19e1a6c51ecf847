/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * l3fwd-npf connection log (--conn-log FILE): npfct's connection events
 * as JSON lines, one per event, schema in docs/l3fwd-npf.md.
 *
 * Overview
 *
 *	A control thread of its own (not an lcore: it needs no lcore id and
 *	is no QSBR reader) polls npfct_events_poll() and writes each event
 *	as one line, so that a slow disk never stalls a forwarding lcore:
 *	the datapath only puts records in its ring, and a full ring drops
 *	and counts (the final statistics show "npfct.event-drop" and
 *	/npfct/events the drops per ring).  The thread flushes the file
 *	whenever the rings are empty and sleeps 10 ms.
 *
 *	Times: the instance clock of an event converted to UTC with the
 *	offset between CLOCK_REALTIME and the instance clock taken at start
 *	(in --replay, the capture's timestamps, as npfct's clock follows
 *	them, from 1970-01-01T00:00:01Z).
 *
 * Synchronisation
 *
 *	connlog_start() and connlog_stop() from the main thread;
 *	connlog_stop() after the last npfct_flush(), so that the log ends
 *	with the DESTROY of every connection; the thread drains the rings
 *	once more after it is told to stop.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <npfct.h>
#include <npfct_event.h>

#include "l3fwd_npf.h"

#define CONNLOG_BURST		64
#define CONNLOG_SLEEP_US	10000

static struct {
	FILE		*f;
	bool		is_stdout;
	pthread_t	thread;
	bool		running;
	volatile bool	stop;
	int64_t		offset_ns;	/* UTC minus the instance clock */
	uint64_t	lines;
} connlog;

static const char *
proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

static void
addr_str(const union npfct_addr *a, uint8_t alen, char *buf, size_t len)
{
	if (inet_ntop(alen == 4 ? AF_INET : AF_INET6, a, buf,
	    (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

/* "2026-12-02T08:20:00.123456789Z" */
static void
time_str(uint64_t ct_ns, char *buf, size_t len)
{
	const int64_t ns = (int64_t)ct_ns + connlog.offset_ns;
	const time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09" PRId64 "Z", ns % 1000000000);
}

static void
write_event(const struct npfct_event *e)
{
	char t[48], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char bsrc[INET6_ADDRSTRLEN], bdst[INET6_ADDRSTRLEN], pbuf[8];
	FILE *f = connlog.f;

	time_str(e->time_ns, t, sizeof(t));
	addr_str(&e->src, e->alen, src, sizeof(src));
	addr_str(&e->dst, e->alen, dst, sizeof(dst));
	addr_str(&e->bsrc, e->alen, bsrc, sizeof(bsrc));
	addr_str(&e->bdst, e->alen, bdst, sizeof(bdst));
	if (e->type == NPFCT_EVENT_PORT_BLOCK) {
		/* RFC 7422's log line: who has which outside ports. */
		fprintf(f, "{\"time\":\"%s\",\"event\":\"%s\","
		    "\"reason\":\"%s\",\"id\":\"%" PRIx64 "\",\"zone\":%u,"
		    "\"inside\":\"%s\",\"outside\":\"%s\","
		    "\"ports\":[%u,%u]}\n", t, npfct_event_type_name(e->type),
		    npfct_event_reason_name(e->reason), e->cookie, e->zone,
		    src, bsrc, ntohs(e->bsport), ntohs(e->bdport));
		connlog.lines++;
		return;
	}
	fprintf(f, "{\"time\":\"%s\",\"event\":\"%s\",\"reason\":\"%s\","
	    "\"id\":\"%" PRIx64 "\",\"zone\":%u,\"proto\":\"%s\","
	    "\"dir\":\"%s\",\"orig\":{\"src\":\"%s\",\"sport\":%u,"
	    "\"dst\":\"%s\",\"dport\":%u},\"reply\":{\"src\":\"%s\","
	    "\"sport\":%u,\"dst\":\"%s\",\"dport\":%u},\"state\":\"%s\"",
	    t, npfct_event_type_name(e->type),
	    npfct_event_reason_name(e->reason), e->cookie, e->zone,
	    proto_name(e->proto, pbuf, sizeof(pbuf)),
	    e->dir == NPFCT_DIR_IN ? "in" : "out",
	    src, ntohs(e->sport), dst, ntohs(e->dport),
	    bsrc, ntohs(e->bsport), bdst, ntohs(e->bdport),
	    npfct_event_state_name(e, false));
	if (e->type == NPFCT_EVENT_UPDATE)
		fprintf(f, ",\"prev_state\":\"%s\"",
		    npfct_event_state_name(e, true));
	fprintf(f, ",\"nat\":%s,\"mark\":%u,\"lcore\":%d",
	    (e->flags & NPFCT_EVENT_F_NAT) ? "true" : "false", e->mark,
	    e->lcore == UINT16_MAX ? -1 : (int)e->lcore);
	if (e->flags & NPFCT_EVENT_F_ACCT)
		fprintf(f, ",\"packets\":[%" PRIu64 ",%" PRIu64 "],"
		    "\"bytes\":[%" PRIu64 ",%" PRIu64 "]",
		    e->counters.packets[0], e->counters.packets[1],
		    e->counters.bytes[0], e->counters.bytes[1]);
	fputs("}\n", f);
	connlog.lines++;
}

/* Drain every ring; true if there was anything. */
static bool
drain(void)
{
	struct npfct_event ev[CONNLOG_BURST];
	unsigned int n, i;
	bool any = false;

	while ((n = npfct_events_poll(app.ct, ev, RTE_DIM(ev))) > 0) {
		for (i = 0; i < n; i++)
			write_event(&ev[i]);
		any = true;
	}
	return any;
}

static void *
connlog_thread(void *arg)
{
	RTE_SET_USED(arg);
	while (!connlog.stop) {
		if (!drain()) {
			fflush(connlog.f);
			usleep(CONNLOG_SLEEP_US);
		}
	}
	/* What was made before the stop (the exit flush's DESTROYs). */
	drain();
	fflush(connlog.f);
	return NULL;
}

/*
 * connlog_start: open the log ("-": standard output) and start the
 * thread.  Every event type is subscribed to.
 */
int
connlog_start(const char *path)
{
	struct timespec ts;
	int rc;

	if (path == NULL)
		return 0;
	if (strcmp(path, "-") == 0) {
		connlog.f = stdout;
		connlog.is_stdout = true;
	} else if ((connlog.f = fopen(path, "a")) == NULL) {
		printf("--conn-log %s: %s\n", path, strerror(errno));
		return -errno;
	}
	rc = npfct_events_subscribe(app.ct, NPFCT_EVENT_ALL);
	if (rc != 0)
		return rc;
	clock_gettime(CLOCK_REALTIME, &ts);
	connlog.offset_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec -
	    (int64_t)npfct_clock_now(app.ct);
	if (app.cfg.replay)
		connlog.offset_ns = 0;
	rc = pthread_create(&connlog.thread, NULL, connlog_thread, NULL);
	if (rc != 0)
		return -rc;
	connlog.running = true;
	printf("conn-log: events as JSON lines to %s\n",
	    connlog.is_stdout ? "standard output" : path);
	return 0;
}

/* connlog_stop: drain what is left, stop the thread, close the log. */
void
connlog_stop(void)
{
	if (!connlog.running)
		return;
	connlog.stop = true;
	pthread_join(connlog.thread, NULL);
	connlog.running = false;
	if (!connlog.is_stdout)
		fclose(connlog.f);
	printf("conn-log: %" PRIu64 " events written\n", connlog.lines);
}
