/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Views of one engine run for other tools, and the JSON summary's file:
 * perf script text as `perf script -g` writes it (FlameGraph's
 * stackcollapse-perf.pl, speedscope), Chrome/Perfetto trace-event JSON,
 * JUnit XML and TAP 13.  The JSON summary stays the source of truth; these
 * are fed by the engine's sink (events in timestamp order, findings as they
 * close) and its result.
 *
 * Every file output is written whole or not at all: to a temporary file
 * beside it, renamed over it once everything was written; on any failure
 * (and at exit, whatever path the program takes) the temporaries are
 * removed.  A path that exists and is not a regular file (a device, a FIFO)
 * is written directly.  "-" is standard output (at most one output may use
 * it; --tap always does), written after every file output succeeded.
 */
#ifndef KR_EXPORT_H
#define KR_EXPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "engine.h"
#include "summary.h"

struct kr_export_opts {
	const char *json;		/* --json: file, "-", or NULL */
	const char *perf_script;	/* file, "-", or NULL */
	const char *perfetto;		/* file, "-", or NULL */
	const char *junit;		/* file, "-", or NULL */
	bool tap;			/* TAP 13 on stdout */
};

struct kr_export;

/* Any output wanted at all. */
bool kr_export_wanted(const struct kr_export_opts *o);
/* An output goes to standard output (the human summary then goes to stderr). */
bool kr_export_stdout(const struct kr_export_opts *o);
/* NULL with a one-line message in err if an output cannot be created (or
 * two outputs claim standard output). */
struct kr_export *kr_export_open(const struct kr_export_opts *o, const struct kr_run_info *ri, char *err,
				 size_t errlen);
bool kr_export_streaming(const struct kr_export *x);
/* The engine's sink (struct kr_engine_opts.sink). */
void kr_export_sink(void *ctx, const struct kr_event *ev, const struct kr_finding *f);
/* Write every output with the result and commit them; frees x.  0, or -1
 * after one line on stderr, with no output file left behind. */
int kr_export_close(struct kr_export *x, const struct kr_result *r, const struct kr_run_info *ri);
/* Drop every output (an error elsewhere): temporaries removed; frees x. */
void kr_export_abort(struct kr_export *x);

#endif
