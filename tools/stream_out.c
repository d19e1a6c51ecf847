/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * npfct-stream: the output lines, printed in INDEX order.
 *
 * Overview
 *
 *	Most packets are decided when they are read, but a later fragment
 *	that the fragment handler holds is decided only when its first
 *	fragment comes (or never, when its datagram times out): its line
 *	waits, and so do the lines of the packets read after it.  Every
 *	record reserves its line as it is read (s_lines[i] is INDEX
 *	s_lines_base + i), stream_out_set() fills it in, and
 *	stream_out_flush() prints the filled lines up to the first one not
 *	decided yet, then drops them.  The queue is as long as the packets
 *	read while the oldest held fragment waits: at most a fragment
 *	timeout's worth of capture (the handler frees what it holds after
 *	30 s, 60 s for IPv6), and at the end of the capture every held
 *	fragment is decided.
 *
 * Synchronisation
 *
 *	The tool's one thread.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npfct-stream.h"

#define STREAM_LINES_MIN	64

/*
 * stream_out_reserve: the line of INDEX, the next record, undecided.
 *
 * => Returns 0, or -1 when out of memory.
 */
int
stream_out_reserve(struct stream *s, uint64_t index)
{
	struct stream_line *v;
	size_t cap;

	if (s->s_nlines == 0)
		s->s_lines_base = index;
	if (s->s_nlines == s->s_lines_cap) {
		cap = s->s_lines_cap == 0 ? STREAM_LINES_MIN :
		    2 * s->s_lines_cap;
		v = realloc(s->s_lines, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		s->s_lines = v;
		s->s_lines_cap = cap;
	}
	s->s_lines[s->s_nlines].sl_done = false;
	s->s_lines[s->s_nlines].sl_text[0] = '\0';
	s->s_nlines++;
	return 0;
}

/*
 * stream_out_set: decide the line of INDEX (reserved, not printed).
 */
void
stream_out_set(struct stream *s, uint64_t index, const char *text)
{
	struct stream_line *l;

	if (index < s->s_lines_base || index - s->s_lines_base >= s->s_nlines)
		return;
	l = &s->s_lines[index - s->s_lines_base];
	snprintf(l->sl_text, sizeof(l->sl_text), "%s", text);
	l->sl_done = true;
}

/*
 * stream_out_flush: print the decided lines up to the first undecided
 * one (nothing with --quiet) and forget them.
 */
void
stream_out_flush(struct stream *s)
{
	size_t n;

	for (n = 0; n < s->s_nlines && s->s_lines[n].sl_done; n++)
		if (!s->s_conf->cf_quiet)
			printf("%s\n", s->s_lines[n].sl_text);
	if (n == 0)
		return;
	memmove(s->s_lines, s->s_lines + n,
	    (s->s_nlines - n) * sizeof(*s->s_lines));
	s->s_nlines -= n;
	s->s_lines_base += n;
}

void
stream_out_free(struct stream *s)
{
	free(s->s_lines);
	s->s_lines = NULL;
	s->s_nlines = 0;
	s->s_lines_cap = 0;
}
