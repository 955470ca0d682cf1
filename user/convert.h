/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace lines to kr_events: one handler per event name (convert.c's table),
 * with the state they share across lines and files (which tasks are vCPUs,
 * which vCPU runs on which CPU).  Converting in time order matters: whether a
 * task is a vCPU must be known from events before it.  Fields are taken by
 * name from the payload as the kernel prints it, so the field order and
 * wording changes across versions do not matter.  No I/O.
 */
#ifndef KR_CONVERT_H
#define KR_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include "ftline.h"
#include "kvmrace.h"

/* What the converter saw. */
struct kr_conv_stats {
	uint64_t used;			/* lines turned into kvmrace events */
	uint64_t unknown;		/* events kvmrace does not use (counted, skipped) */
	bool saw_kvm_hv, saw_kvm;	/* which KVM events appeared */
	bool saw_arm64;			/* kvm_entry/kvm_exit in arm64's form (PC, ESR class) */
};

struct kr_conv;

/* The most events one line makes (an IPI to a mask: one per CPU, 64 at most). */
#define KR_CONV_MAX_EVENTS 66

struct kr_conv *kr_conv_new(void);
void kr_conv_free(struct kr_conv *c);
/* The events of one line, each to cb: how many, or cb's negative return.
 * *bad: NULL, or why the line is malformed (a number out of range, more
 * tasks than kvmrace keeps): then none is delivered. */
int kr_conv_line(struct kr_conv *c, const struct kr_ftline *l, kr_event_cb cb, void *ctx, const char **bad);
const struct kr_conv_stats *kr_conv_stats(const struct kr_conv *c);
/* "powerpc" if kvm_hv events were seen, "arm64" if kvm events in arm64's
 * form, else "x86" if kvm events, else NULL. */
const char *kr_conv_arch(const struct kr_conv *c);

#endif
