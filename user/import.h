/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Import of trace text (the kernel's ftrace text, trace-cmd report text,
 * perf script text) and trace-cmd trace.dat: each file read once, a line
 * ahead; several files merged by timestamp; every line through the converter
 * (convert.h) in merge order.  The live ftrace backend feeds the same
 * converter a line at a time (kr_import_new_live, kr_import_line).
 */
#ifndef KR_IMPORT_H
#define KR_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "convert.h"
#include "ftline.h"
#include "input.h"
#include "kvmrace.h"
#include "run.h"

struct kr_import_stats {
	uint64_t lines;			/* lines read */
	uint64_t events;		/* trace lines parsed */
	uint64_t used;			/* of those, turned into kvmrace events */
	uint64_t unknown;		/* events kvmrace does not use (counted, skipped) */
	uint64_t malformed;		/* skipped with --lenient */
	bool latency_flags;		/* the flags column was present */
	bool saw_kvm_hv, saw_kvm;	/* which KVM events appeared */
	bool saw_arm64;			/* kvm_entry/kvm_exit in arm64's form (PC, ESR class) */
	bool perf;			/* perf script text (else ftrace text) */
	uint64_t lost;			/* "LOST n EVENTS" / entries-written gaps */
	/* From kvmrace's own perf-script export ("# kvmrace:" lines): the run
	 * as the tracer described it, so a round trip loses nothing. */
	bool has_meta, has_end;
	struct kr_run_info info;
	uint64_t untracked;
};

struct kr_import;

/* Imports the inputs (text or trace.dat; it owns them, also on failure);
 * NULL with a one-line message in err. */
struct kr_import *kr_import_open_inputs(struct kr_input **in, int n, bool lenient, char *err, size_t errlen);
/* The same on paths. */
struct kr_import *kr_import_open(char *const *paths, int n, bool lenient, char *err, size_t errlen);
/* Next kvmrace event in timestamp order: 1, 0 at the end, -1 on a malformed
 * line (message "FILE:LINE: ..." in err). */
int kr_import_next(struct kr_import *im, struct kr_event *ev, char *err, size_t errlen);
const struct kr_import_stats *kr_import_stats(struct kr_import *im);
/* The arch the input names ("# kvmrace:" header), else the one its KVM
 * events show ("powerpc", "arm64", "x86"), else "unknown". */
const char *kr_import_arch(const struct kr_import *im);
void kr_import_close(struct kr_import *im);

/* Live use (the ftrace backend): a converter without files, fed one line at
 * a time (already in timestamp order).  Each event the line makes (an IPI to
 * a mask makes one per CPU) goes to cb.  Returns how many, 0 for a comment or
 * a malformed line (counted in the stats), or cb's negative return. */
struct kr_import *kr_import_new_live(void);
int kr_import_line(struct kr_import *im, char *line, kr_event_cb cb, void *ctx);

#endif
