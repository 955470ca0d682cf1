// SPDX-License-Identifier: GPL-2.0
/* report's inputs as one stream (source.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch.h"
#include "import.h"
#include "input.h"
#include "record.h"
#include "source.h"

/* ---- a recording ---- */

struct rec_source {
	struct kr_source s;
	struct kr_reader rd;
};

static int rec_next(struct kr_source *s, const struct kr_event **ev, char *err, size_t errlen)
{
	struct rec_source *r = (struct rec_source *)s;
	int k = kr_reader_next(&r->rd, ev, err, errlen);

	if (k > 0)
		return k;
	s->lost = r->rd.lost;	/* the end: what its loss and end records said */
	s->untracked = r->rd.untracked;
	s->info.complete = r->rd.info.complete;
	s->info.duration_ns = r->rd.info.duration_ns;
	s->info.has_command = r->rd.info.has_command;
	s->info.command_status = r->rd.info.command_status;
	return k;
}

static void rec_close(struct kr_source *s)
{
	kr_reader_close(&((struct rec_source *)s)->rd);
	free(s);
}

static struct kr_source *rec_open(struct kr_input *in, char *err, size_t errlen)
{
	struct rec_source *r = calloc(1, sizeof(*r));

	if (!r) {
		kr_input_close(in);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (kr_reader_open_input(&r->rd, in, err, errlen)) {
		free(r);
		return NULL;
	}
	r->s.next = rec_next;
	r->s.close = rec_close;
	r->s.info = r->rd.info;
	return &r->s;
}

/* ---- trace text, trace.dat ---- */

/* Events read ahead until the run's arch is known: at most this many, in a
 * buffer grown from AHEAD_MIN as needed (most inputs say their arch in the
 * first lines: no 4 MB allocation for them). */
#define MAX_AHEAD (1u << 16)
#define AHEAD_MIN 256u

struct text_source {
	struct kr_source s;
	struct kr_import *im;
	struct kr_event *ahead;
	uint32_t nahead, iahead, capahead;
	int done;		/* the import's last return when reading ahead ended */
	char err[512];
	struct kr_event ev;	/* the event handed out */
};

static void text_counts(struct text_source *t)
{
	const struct kr_import_stats *st = kr_import_stats(t->im);

	t->s.events = st->events;
	t->s.used = st->used;
	t->s.unknown = st->unknown;
	t->s.malformed = st->malformed;
	t->s.lost = st->lost;
	t->s.untracked = st->untracked;
}

static int text_next(struct kr_source *s, const struct kr_event **ev, char *err, size_t errlen)
{
	struct text_source *t = (struct text_source *)s;
	int k;

	if (t->iahead < t->nahead) {
		*ev = &t->ahead[t->iahead++];
		return 1;
	}
	if (t->done <= 0) {	/* reading ahead met the end, or an error */
		snprintf(err, errlen, "%s", t->err);
		k = t->done;
	} else if ((k = kr_import_next(t->im, &t->ev, err, errlen)) > 0) {
		*ev = &t->ev;
		return k;
	}
	text_counts(t);
	return k;
}

static void text_close(struct kr_source *s)
{
	struct text_source *t = (struct text_source *)s;

	kr_import_close(t->im);
	free(t->ahead);
	free(t);
}

/* Read ahead until the input says which arch (its header, or a KVM event). */
static void read_ahead(struct text_source *t)
{
	const struct kr_import_stats *st = kr_import_stats(t->im);

	t->done = 1;
	while (t->nahead < MAX_AHEAD && !st->has_meta && !st->saw_kvm_hv && !st->saw_kvm) {
		if (t->nahead == t->capahead) {
			uint32_t cap = t->capahead * 2;
			struct kr_event *n = realloc(t->ahead, cap * sizeof(*n));

			if (!n) {
				snprintf(t->err, sizeof(t->err), "out of memory");
				t->done = -1;
				break;
			}
			t->ahead = n;
			t->capahead = cap;
		}
		t->done = kr_import_next(t->im, &t->ahead[t->nahead], t->err, sizeof(t->err));
		if (t->done <= 0)
			break;
		t->nahead++;
	}
}

/* What a text trace says of its run: the "# kvmrace:" header of kvmrace's
 * own export, else its arch's default hooks. */
static void text_info(struct text_source *t)
{
	const struct kr_import_stats *st = kr_import_stats(t->im);
	struct kr_run_info *ri = &t->s.info;

	memset(ri, 0, sizeof(*ri));
	if (st->has_meta) {
		*ri = st->info;
		if (!ri->arch[0])
			snprintf(ri->arch, sizeof(ri->arch), "%s", kr_import_arch(t->im));
		return;
	}
	snprintf(ri->arch, sizeof(ri->arch), "%s", kr_import_arch(t->im));
	snprintf(ri->kernel, sizeof(ri->kernel), "unknown");
	snprintf(ri->host, sizeof(ri->host), "unknown");
	snprintf(ri->clock, sizeof(ri->clock), "ftrace trace_clock");
	snprintf(ri->hooks, sizeof(ri->hooks), "%s", kr_arch_named(ri->arch)->text_hooks);
}

static struct kr_source *text_open(struct kr_input **in, int n, bool lenient, char *err, size_t errlen)
{
	struct text_source *t = calloc(1, sizeof(*t));

	if (!t || !(t->ahead = malloc(AHEAD_MIN * sizeof(*t->ahead)))) {
		free(t);
		while (n--)
			kr_input_close(in[n]);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!(t->im = kr_import_open_inputs(in, n, lenient, err, errlen))) {
		free(t->ahead);
		free(t);
		return NULL;
	}
	t->capahead = AHEAD_MIN;
	t->s.next = text_next;
	t->s.close = text_close;
	t->s.ordered = true;
	t->s.text = true;
	read_ahead(t);
	text_info(t);
	return &t->s;
}

/* ---- opening ---- */

static const char *format_name(enum kr_format f)
{
	return f == KR_FMT_RECORDING ? "a kvmrace recording" : f == KR_FMT_TRACE_DAT ? "a trace.dat" : "trace text";
}

/* Each input open, its format that of its content or the forced one, every
 * file a recording or none; the format, or KR_FMT_UNKNOWN (err). */
static enum kr_format open_inputs(char *const *paths, int n, const char *format, struct kr_input **in, char *err,
				  size_t errlen)
{
	enum kr_format want = format ? kr_format_named(format) : KR_FMT_UNKNOWN, f, first = KR_FMT_UNKNOWN;
	int i;

	for (i = 0; i < n; i++) {
		if (!(in[i] = kr_input_open(paths[i], err, errlen)))
			return KR_FMT_UNKNOWN;
		f = want ? want : kr_input_format(in[i]);
		if (f == KR_FMT_UNKNOWN && n == 1)
			f = KR_FMT_RECORDING;	/* its reader says what is wrong with it */
		if (f == KR_FMT_UNKNOWN) {
			snprintf(err, errlen, "%s: not a kvmrace recording, trace text or trace.dat", paths[i]);
			return KR_FMT_UNKNOWN;
		}
		if (i && (f == KR_FMT_RECORDING) != (first == KR_FMT_RECORDING)) {
			snprintf(err, errlen, "%s: %s, the other files %s (recordings are read one at a time; "
				 "text and trace.dat files merge)", paths[i], format_name(f), format_name(first));
			return KR_FMT_UNKNOWN;
		}
		if (!i)
			first = f;
	}
	if (first == KR_FMT_RECORDING && n > 1) {
		snprintf(err, errlen, "report: one kvmrace recording at a time (got '%s' too)", paths[1]);
		return KR_FMT_UNKNOWN;
	}
	return first;
}

struct kr_source *kr_source_open(char *const *paths, int n, const char *format, bool lenient, char *err,
				 size_t errlen)
{
	struct kr_input **in = calloc((size_t)n, sizeof(*in));
	struct kr_source *s = NULL;
	enum kr_format f;
	int i;

	if (!in) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f = open_inputs(paths, n, format, in, err, errlen);
	if (f == KR_FMT_RECORDING)
		s = rec_open(in[0], err, errlen);
	else if (f != KR_FMT_UNKNOWN)
		s = text_open(in, n, lenient, err, errlen);
	else
		for (i = 0; i < n; i++)
			kr_input_close(in[i]);
	free(in);
	return s;
}

bool kr_source_finish(struct kr_source *s)
{
	struct text_source *t = (struct text_source *)s;
	const struct kr_import_stats *st;

	if (!s->text)
		return s->info.complete;
	text_counts(t);
	st = kr_import_stats(t->im);
	if (!st->has_end) {	/* a text trace is complete as it is */
		s->info.complete = true;
		return false;
	}
	s->info.duration_ns = st->info.duration_ns;
	s->info.complete = st->info.complete;
	s->info.has_command = st->info.has_command;
	s->info.command_status = st->info.command_status;
	return true;
}
