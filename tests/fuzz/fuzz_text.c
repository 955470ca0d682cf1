// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_text: bytes -> a text trace file (memfd) -> kr_import_open /
 * kr_import_next (strict, or --lenient for inputs of odd length) -> the
 * engine -> every output, each checked, when the import succeeded (as
 * `report`: an import error is one line and nothing else).  Also each line
 * through kr_ftrace_parse_line and the live converter (kr_import_new_live /
 * kr_import_line) into an ordered engine.
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "fuzz.h"
#include "import_ftrace.h"
#include "util.h"

static void one_line_err(const char *err)
{
	if (!err[0] || strchr(err, '\n'))
		abort();	/* an error is one line */
}

/* The run info report builds: the arch from the events, kvmrace's own
 * header where the file has one ("# kvmrace: ..."), else the hooks a text
 * trace of that arch implies. */
static void run_info(struct kr_run_info *ri, const char *arch, const struct kr_import_stats *ms)
{
	fz_run_info(ri, arch, "");
	if (ms && ms->has_meta) {
		snprintf(ri->kernel, sizeof(ri->kernel), "%s", ms->kernel);
		snprintf(ri->host, sizeof(ri->host), "%s", ms->host);
		snprintf(ri->clock, sizeof(ri->clock), "%s", ms->clock);
		snprintf(ri->hooks, sizeof(ri->hooks), "%s", ms->hooks);
	}
	if (ri->hooks[0])
		return;
	snprintf(ri->hooks, sizeof(ri->hooks), "%s",
		 !strcmp(ri->arch, "powerpc") ?
		 "kvmppc_run_vcpu_enter:ftrace-text,kvmppc_run_vcpu_exit:ftrace-text,kvm_guest_enter:ftrace-text,"
		 "kvm_guest_exit:ftrace-text,kvmppc_run_core:ftrace-text,signal_generate:ftrace-text,"
		 "signal_deliver:ftrace-text,sched_switch:ftrace-text,sched_wakeup:ftrace-text" :
		 "kvm_fpu:ftrace-text,kvm_userspace_exit:ftrace-text,kvm_entry:ftrace-text,kvm_exit:ftrace-text,"
		 "signal_generate:ftrace-text,signal_deliver:ftrace-text,sched_switch:ftrace-text,"
		 "sched_wakeup:ftrace-text");
}

struct evs {
	struct kr_event *v;
	size_t n, cap;
};

/* The import (strict or --lenient) into evs; its stats in *st.  The engine
 * and the outputs run after it, only if it succeeded, as report's do. */
static bool import(char *path, bool lenient, struct evs *ev, struct kr_import_stats *st, char *arch, size_t alen)
{
	struct kr_import *im;
	char err[512];
	int r;

	im = kr_import_open(&path, 1, lenient, err, sizeof(err));
	if (!im) {
		one_line_err(err);
		return false;
	}
	ev->n = 0;
	for (;;) {
		if (ev->n == ev->cap) {
			ev->cap = ev->cap ? ev->cap * 2 : 256;
			ev->v = realloc(ev->v, ev->cap * sizeof(*ev->v));
			if (!ev->v)
				abort();
		}
		err[0] = 0;
		r = kr_import_next(im, &ev->v[ev->n], err, sizeof(err));
		if (r <= 0)
			break;
		ev->n++;
	}
	if (r < 0)
		one_line_err(err);
	*st = *kr_import_stats(im);
	snprintf(arch, alen, "%s", kr_import_arch(im));
	kr_import_close(im);
	if (r >= 0 && st->used && !ev->n)
		abort();	/* lines used but no event came out */
	return r >= 0 && st->used;	/* report: no event kvmrace uses is an error */
}

static void analyse(const struct evs *ev, const struct kr_import_stats *st, const char *arch, bool perfetto)
{
	struct kr_engine_opts eo;
	struct kr_run_info ri;
	struct kr_engine *e;
	struct fz_run run;
	const struct kr_result *res;
	const char *caveat;
	size_t i;

	run_info(&ri, arch, st);
	memset(&eo, 0, sizeof(eo));
	eo.ordered = true;
	eo.threshold_ns = 1000000;
	eo.no_bracket = strstr(ri.hooks, "kvm_guest_enter:") != NULL;
	eo.sink = fz_run_sink;
	eo.sink_ctx = &run;
	fz_run_open(&run, &ri, perfetto);
	e = kr_engine_new(&eo);
	if (!e)
		abort();
	caveat = kr_hooks_caveat(ri.arch, ri.hooks);
	if (caveat)
		kr_engine_set_caveat(e, caveat);
	if (kr_hooks_irqs(ri.hooks))
		kr_engine_set_irqs_traced(e);
	if (kr_hooks_ipis(ri.hooks))
		kr_engine_set_ipis_traced(e);
	for (i = 0; i < ev->n; i++)
		if (kr_engine_push(e, &ev->v[i]))
			abort();	/* the importer made an event the engine refuses */
	kr_engine_set_lost(e, st->lost, st->untracked);
	kr_engine_finish(e);
	res = kr_engine_result(e);
	ri.duration_ns = st->has_end ? st->duration_ns : res->last_ns - res->first_ns;
	ri.complete = st->has_end ? st->complete : true;
	ri.has_command = st->has_end && st->command_status >= 0;
	ri.command_status = st->command_status;
	fz_run_close(&run, res, &ri);
	kr_engine_free(e);
}

struct live_ctx {
	struct kr_engine *e;
	int n;
};

static int live_event(void *ctx, const struct kr_event *ev)
{
	struct live_ctx *l = ctx;

	l->n++;
	if (kr_engine_push(l->e, ev))
		abort();	/* the converter made an event the engine refuses */
	return 0;
}

/* Each line through the line parser and the live converter into an ordered
 * engine, as the ftrace backend runs it. */
static void live(const uint8_t *data, size_t size)
{
	struct kr_engine_opts eo = { .ordered = true, .threshold_ns = 1000000 };
	struct kr_import *im = kr_import_new_live();
	struct live_ctx lc = { .e = kr_engine_new(&eo) };
	char *line = malloc(size + 1), *copy = malloc(size + 1);
	size_t pos = 0;

	if (!im || !lc.e || !line || !copy)
		abort();
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) + 1 : size - pos;
		struct kr_ftline l;
		int k;

		memcpy(line, data + pos, n);
		line[n] = 0;
		memcpy(copy, line, n + 1);
		pos += n;
		k = kr_ftrace_parse_line(copy, &l);
		if (k > 0 && (strlen(l.event) >= sizeof(l.event) || strlen(l.comm) >= KR_COMM_LEN))
			abort();
		lc.n = 0;
		k = kr_import_line(im, line, live_event, &lc);
		if (k != lc.n)
			abort();	/* it returns how many events it delivered */
	}
	kr_engine_finish(lc.e);
	kr_engine_free(lc.e);
	kr_import_close(im);
	free(line);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_file in;
	static struct evs ev;
	static int ready;
	struct kr_import_stats st;
	char arch[32];

	if (!ready) {
		fz_file_init(&in, "trace.txt");
		ready = 1;
	}
	fz_file_set(&in, data, size);
	live(data, size);
	/* strict or --lenient by the input's length: both, at the cost of one
	 * import per input */
	if (import(in.path, size & 1, &ev, &st, arch, sizeof(arch)))
		analyse(&ev, &st, arch, size & 2);
	return 0;
}
