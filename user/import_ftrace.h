/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Import of the kernel's ftrace text (/sys/kernel/tracing/trace, trace_pipe,
 * with or without the latency flags column) and trace-cmd report text.
 * Several files merge by timestamp.  Lines become kr_events for the engine;
 * vCPU tasks are recognised from the events (tasks that run KVM_RUN or enter
 * the guest).  No libbpf; the engine sees the same events as from BPF.
 */
#ifndef KR_IMPORT_FTRACE_H
#define KR_IMPORT_FTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kvmrace.h"

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
	char arch[32], kernel[128], host[128], clock[32], hooks[512];
	uint64_t duration_ns, untracked;
	int command_status;		/* -1: none */
	bool complete;
};

struct kr_import;

/* Opens every file; returns NULL with a one-line message in err. */
struct kr_import *kr_import_open(char *const *paths, int n, bool lenient, char *err, size_t errlen);
/* Next kvmrace event in timestamp order: 1, 0 at the end, -1 on a malformed
 * line (message "FILE:LINE: ..." in err). */
int kr_import_next(struct kr_import *im, struct kr_event *ev, char *err, size_t errlen);
const struct kr_import_stats *kr_import_stats(const struct kr_import *im);
/* "powerpc" if kvm_hv events were seen, else "x86" if kvm events, else "unknown". */
const char *kr_import_arch(const struct kr_import *im);
void kr_import_close(struct kr_import *im);

/* Live use (the ftrace backend): a converter without files, fed one line at
 * a time (already in timestamp order).  Each event the line makes (an IPI to
 * a mask makes one per CPU) goes to cb.  Returns how many, 0 for a comment or
 * a malformed line (counted in the stats), or cb's negative return. */
struct kr_import *kr_import_new_live(void);
#ifdef HAVE_LIBTRACEEVENT
struct tep_handle;
struct tep_record;
/* A binary record as the kernel's trace text ("comm-pid [cpu] flags
 * sec.nsec: event: info", the events' own print formats, no plugins), for
 * kr_import_line(); malloc'd, NULL if out of memory. */
char *kr_tep_line(struct tep_handle *tep, struct tep_record *rec);
#endif
int kr_import_line(struct kr_import *im, char *line, kr_event_cb cb, void *ctx);
/* Does this file look like ftrace or perf script text?  (format detection) */
bool kr_is_ftrace_text(const char *path);
/* A trace-cmd trace.dat (read through libtracecmd where built with it). */
bool kr_is_trace_dat(const char *path);

/* One parsed trace line (exposed for tests). */
struct kr_ftline {
	char comm[KR_COMM_LEN];
	uint32_t pid;		/* the thread (TID) */
	uint32_t tgid;		/* perf's PID/TID form, ftrace's record-tgid column, else 0 */
	bool perf;		/* perf script layout */
	uint16_t cpu;
	bool has_flags;
	char flags[8];
	uint64_t ts;
	char event[64];
	const char *payload;
};
/* Parses one line in place; 1 trace line, 0 a comment/blank line, -1 malformed. */
int kr_ftrace_parse_line(char *line, struct kr_ftline *out);

#endif
