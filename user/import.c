// SPDX-License-Identifier: GPL-2.0
/*
 * Trace text and trace.dat import (import.h).  One parser per file reads a
 * line ahead; a k-way merge pops the oldest line across files; the converter,
 * with state shared by all files, turns it into kr_events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "convert.h"
#include "import.h"
#include "perfcodec.h"
#include "tracedat.h"

/* A trace line longer than this is not one (an endless line must not grow
 * the buffer without bound). */
#define KR_MAX_LINE (1 << 20)
/* The text read-ahead buffer's first size (it doubles for a longer line):
 * small files cost no large allocation. */
#define READ_BUF_MIN (64 << 10)

struct parser {
	struct kr_input *in;	/* text, or */
	struct kr_dat *dat;	/* trace.dat */
	const char *path;
	char *line;		/* the current line (in buf, or the trace.dat reader's) */
	char *buf;		/* text: read-ahead buffer, lines handed out in place */
	size_t cap, len, pos;
	bool eof;
	uint64_t lineno;
	bool has;		/* a parsed line is waiting in cur */
	const char *error;	/* why reading stopped (next_line -2) */
	char dat_err[256];
	struct kr_ftline cur;
};

struct kr_import {
	struct parser *p;
	int np;
	bool lenient;
	struct kr_import_stats st;
	struct kr_conv *conv;
	struct kr_event q[KR_CONV_MAX_EVENTS];	/* the events of the line converted last */
	int qn, qi;
};

/* ---- "# kvmrace:" lines: the run as kvmrace's own export describes it ---- */

static void meta_line(struct kr_import *im, const char *line)
{
	struct kr_run_info *ri = &im->st.info;
	long v;

	if (!strncmp(line, "# kvmrace: ", 11)) {
		im->st.has_meta = true;
		kr_perf_meta_str(line, "arch", ri->arch, sizeof(ri->arch));
		kr_perf_meta_str(line, "kernel", ri->kernel, sizeof(ri->kernel));
		kr_perf_meta_str(line, "host", ri->host, sizeof(ri->host));
		kr_perf_meta_str(line, "clock", ri->clock, sizeof(ri->clock));
		kr_perf_meta_str(line, "hooks", ri->hooks, sizeof(ri->hooks));
		return;
	}
	im->st.has_end = true;
	if (kr_field_long(line, "duration_ns", &v))
		ri->duration_ns = (uint64_t)v;
	if (kr_field_long(line, "lost", &v))
		im->st.lost = (uint64_t)v;
	if (kr_field_long(line, "untracked", &v))
		im->st.untracked = (uint64_t)v;
	if (kr_field_long(line, "complete", &v))
		ri->complete = v != 0;
	if (kr_field_long(line, "command_status", &v) && v >= 0 && v <= 255) {
		ri->has_command = true;
		ri->command_status = (int)v;
	}
}

/* ---- lines ---- */

/* trace.dat: the next record's line. */
static ssize_t dat_line(struct parser *p)
{
	ssize_t n = kr_dat_next_line(p->dat, &p->line, p->dat_err, sizeof(p->dat_err));

	if (n == -2)
		p->error = p->dat_err;
	return n;
}

/* Text: read more (grow the buffer for a long line, up to KR_MAX_LINE);
 * 0, or -2 on an error (p->error says which). */
static int refill(struct parser *p)
{
	size_t got;

	memmove(p->buf, p->buf + p->pos, p->len - p->pos);
	p->len -= p->pos;
	p->pos = 0;
	if (p->len >= KR_MAX_LINE) {
		p->error = "a line longer than 1 MiB: not a trace line";
		return -2;
	}
	if (p->len + 1 >= p->cap) {
		char *nb = realloc(p->buf, p->cap * 2);

		if (!nb) {
			p->error = "out of memory";
			return -2;
		}
		p->buf = nb;
		p->cap *= 2;
	}
	got = kr_input_read(p->in, p->buf + p->len, p->cap - 1 - p->len);
	if (!got && kr_input_error(p->in)) {
		p->error = strerror(errno);
		return -2;
	}
	p->eof = !got;
	p->len += got;
	return 0;
}

/* The next line: handed out in place from a large read-ahead buffer (no copy
 * per line), the newline become its NUL.  Its length, -1 at the end of the
 * input, -2 on an error (p->error says which). */
static ssize_t next_line(struct parser *p)
{
	char *nl;

	if (p->dat)
		return dat_line(p);
	for (;;) {
		nl = memchr(p->buf + p->pos, '\n', p->len - p->pos);
		if (nl || (p->eof && p->len > p->pos)) {
			char *l = p->buf + p->pos;
			size_t n = nl ? (size_t)(nl - l) : p->len - p->pos;

			l[n] = 0;	/* the buffer has a spare byte for this */
			p->pos += n + (nl ? 1 : 0);
			p->line = l;
			return (ssize_t)n;
		}
		if (p->eof)
			return -1;
		if (refill(p))
			return -2;
	}
}

/* n more events lost (saturating: hostile counts must not wrap to none). */
static void add_lost(struct kr_import *im, unsigned long long n)
{
	im->st.lost = n > UINT64_MAX - im->st.lost ? UINT64_MAX : im->st.lost + n;
}

/* A line that is no trace event: markers and headers, counted or noted.
 * True if it was one (first character first: this runs for every line). */
static bool non_event_line(struct kr_import *im, const char *s)
{
	if (s[0] == '\t' || !s[0])	/* perf script frames and record ends */
		return true;
	if (s[0] == '#' && (!strncmp(s, "# kvmrace: ", 11) || !strncmp(s, "# kvmrace-end: ", 15))) {
		meta_line(im, s);
		return true;
	}
	/* trace_pipe / trace-cmd markers and headers, at column 0 */
	if (s[0] == 'C' && !strncmp(s, "CPU:", 4) && strstr(s, "[LOST ")) {
		add_lost(im, strtoull(strstr(s, "[LOST ") + 6, NULL, 10));
		return true;
	}
	return (s[0] == '#' && s[1] == '#') || (s[0] == 'c' && !strncmp(s, "cpus=", 5)) ||
	       (s[0] == 'v' && !strncmp(s, "version = ", 10));
}

/* perf script's own records (--show-lost-events, --show-task-events, ...):
 * no trace event; those of events the kernel lost are counted.  True if l
 * is one. */
static bool perf_record(struct kr_import *im, const struct kr_ftline *l)
{
	const char *n;
	unsigned long long v;

	if (l->event[0] != 'P' || strncmp(l->event, "PERF_RECORD_", 12))
		return false;
	if (!strncmp(l->event + 12, "LOST", 4) && (n = strstr(l->payload, "lost ")) &&
	    sscanf(n + 5, "%llu", &v) == 1)
		add_lost(im, v);
	return true;
}

/* Read the next trace line of p into p->cur: 1, 0 at the end, -1 (err). */
static int advance(struct kr_import *im, struct parser *p, char *err, size_t errlen)
{
	for (;;) {
		ssize_t n = next_line(p);
		int r;

		p->has = false;
		if (n == -2) {
			snprintf(err, errlen, "%s:%llu: %s", p->path, (unsigned long long)p->lineno + 1, p->error);
			return -1;
		}
		if (n < 0)
			return 0;
		p->lineno++;
		im->st.lines++;
		if (non_event_line(im, p->line))
			continue;
		r = kr_ftline_parse(p->line, &p->cur);
		if (r == 0)
			continue;
		if (r < 0 && im->lenient) {
			im->st.malformed++;
			continue;
		}
		if (r < 0) {
			snprintf(err, errlen, "%s:%llu: malformed trace line", p->path, (unsigned long long)p->lineno);
			return -1;
		}
		if (perf_record(im, &p->cur))
			continue;
		im->st.events++;
		im->st.latency_flags |= p->cur.has_flags;
		im->st.perf |= p->cur.perf;
		p->has = true;
		return 1;
	}
}

/* ---- opening, merging ---- */

static struct kr_import *import_new(void)
{
	struct kr_import *im = calloc(1, sizeof(*im));

	if (im && !(im->conv = kr_conv_new())) {
		free(im);
		im = NULL;
	}
	return im;
}

/* A parser on input in: trace.dat by its path (libtracecmd seeks), text from
 * the input itself; 0 or -1 (err). */
static int parser_open(struct parser *p, struct kr_input *in, char *err, size_t errlen)
{
	p->path = in->path;
	if (kr_input_format(in) == KR_FMT_TRACE_DAT) {
		if (!in->regular) {
			snprintf(err, errlen, "%s: a trace.dat must be a regular file (it is read by seeking)", in->path);
			kr_input_close(in);
			return -1;
		}
		p->dat = kr_dat_open(in->path, err, errlen);
		kr_input_close(in);
		return p->dat ? 0 : -1;
	}
	p->in = in;
	p->cap = READ_BUF_MIN;
	if (!(p->buf = malloc(p->cap))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

struct kr_import *kr_import_open_inputs(struct kr_input **in, int n, bool lenient, char *err, size_t errlen)
{
	struct kr_import *im = import_new();
	int i;

	if (!im || !(im->p = calloc((size_t)n, sizeof(*im->p)))) {
		kr_import_close(im);
		for (i = 0; i < n; i++)
			kr_input_close(in[i]);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	im->np = n;
	im->lenient = lenient;
	for (i = 0; i < n; i++)
		if (parser_open(&im->p[i], in[i], err, errlen)) {
			while (++i < n)
				kr_input_close(in[i]);
			kr_import_close(im);
			return NULL;
		}
	for (i = 0; i < n; i++)
		if (advance(im, &im->p[i], err, errlen) < 0) {
			kr_import_close(im);
			return NULL;
		}
	return im;
}

struct kr_import *kr_import_open(char *const *paths, int n, bool lenient, char *err, size_t errlen)
{
	struct kr_input **in = calloc((size_t)n, sizeof(*in));
	struct kr_import *im = NULL;
	int i;

	if (!in) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n && (in[i] = kr_input_open(paths[i], err, errlen)); i++)
		;
	if (i == n)
		im = kr_import_open_inputs(in, n, lenient, err, errlen);
	else
		while (i--)
			kr_input_close(in[i]);
	free(in);
	return im;
}

static int queue_event(void *ctx, const struct kr_event *ev)
{
	struct kr_import *im = ctx;

	im->q[im->qn++] = *ev;	/* at most KR_CONV_MAX_EVENTS a line */
	return 0;
}

/* The oldest waiting line across the files; NULL at the end of all. */
static struct parser *oldest(struct kr_import *im)
{
	struct parser *min = NULL;
	int i;

	for (i = 0; i < im->np; i++)
		if (im->p[i].has && (!min || im->p[i].cur.ts < min->cur.ts))
			min = &im->p[i];
	return min;
}

int kr_import_next(struct kr_import *im, struct kr_event *ev, char *err, size_t errlen)
{
	for (;;) {
		struct parser *min;
		const char *bad;

		if (im->qi < im->qn) {
			*ev = im->q[im->qi++];
			return 1;
		}
		if (!(min = oldest(im)))
			return 0;
		im->qn = im->qi = 0;
		kr_conv_line(im->conv, &min->cur, queue_event, im, &bad);
		if (bad && !im->lenient) {
			snprintf(err, errlen, "%s:%llu: %s", min->path, (unsigned long long)min->lineno, bad);
			return -1;
		}
		im->st.malformed += bad != NULL;
		if (advance(im, min, err, errlen) < 0)
			return -1;
	}
}

struct kr_import *kr_import_new_live(void)
{
	return import_new();
}

int kr_import_line(struct kr_import *im, char *line, kr_event_cb cb, void *ctx)
{
	struct kr_ftline l;
	const char *bad;
	int r;

	im->st.lines++;
	if (line[0] == 'C' && !strncmp(line, "CPU:", 4) && strstr(line, "[LOST ")) {
		add_lost(im, strtoull(strstr(line, "[LOST ") + 6, NULL, 10));
		return 0;
	}
	r = kr_ftrace_parse_line(line, &l);
	im->st.malformed += r < 0;
	if (r <= 0)
		return 0;
	im->st.events++;
	r = kr_conv_line(im->conv, &l, cb, ctx, &bad);
	im->st.malformed += bad != NULL;
	return r;
}

const struct kr_import_stats *kr_import_stats(struct kr_import *im)
{
	const struct kr_conv_stats *c = kr_conv_stats(im->conv);
	struct kr_import_stats *st = &im->st;	/* with the converter's part, current */

	st->used = c->used;
	st->unknown = c->unknown;
	st->saw_kvm_hv = c->saw_kvm_hv;
	st->saw_kvm = c->saw_kvm;
	st->saw_arm64 = c->saw_arm64;
	return st;
}

const char *kr_import_arch(const struct kr_import *im)
{
	const char *a = kr_conv_arch(im->conv);

	if (im->st.has_meta && im->st.info.arch[0])
		return im->st.info.arch;
	return a ? a : "unknown";
}

void kr_import_close(struct kr_import *im)
{
	int i;

	if (!im)
		return;
	for (i = 0; im->p && i < im->np; i++) {
		kr_input_close(im->p[i].in);
		free(im->p[i].buf);
		kr_dat_close(im->p[i].dat);
	}
	free(im->p);
	kr_conv_free(im->conv);
	free(im);
}
