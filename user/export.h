/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Views of one engine run for other tools: perf script text (for
 * FlameGraph's stackcollapse-perf.pl and Perfetto's perf-text importer),
 * Chrome/Perfetto trace-event JSON, JUnit XML and TAP 14.  The JSON summary
 * stays the source of truth; these are fed by the engine's sink (events in
 * timestamp order, findings as they close) and its result.
 */
#ifndef KR_EXPORT_H
#define KR_EXPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "engine.h"
#include "summary.h"

struct kr_export_opts {
	const char *perf_script;	/* file, or NULL */
	const char *perfetto;		/* file, or NULL */
	const char *junit;		/* file, or NULL */
	bool tap;			/* TAP 14 on stdout */
};

struct kr_export;

/* NULL with a message in err if a file cannot be created. */
struct kr_export *kr_export_open(const struct kr_export_opts *o, const struct kr_run_info *ri, char *err,
				 size_t errlen);
bool kr_export_streaming(const struct kr_export *x);
/* The engine's sink (struct kr_engine_opts.sink). */
void kr_export_sink(void *ctx, const struct kr_event *ev, const struct kr_finding *f);
/* An error came before the outputs: close and remove every file. */
void kr_export_abort(struct kr_export *x);
/* Finish every output with the result; returns 0 or -1 (message on stderr). */
int kr_export_close(struct kr_export *x, const struct kr_result *r, const struct kr_run_info *ri);

#endif
