/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything kvmrace knows that differs per architecture, in one table per
 * arch, chosen once: kr_arch_host() for live tracing (this build's arch),
 * kr_arch_named() for a recording or a trace (the arch it names).  Adding an
 * arch means one more table here and its BPF handlers.  Pure: no I/O.
 */
#ifndef KR_ARCH_H
#define KR_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hooks.h"

struct kr_result;

/* TIF bit numbers (>= 64: none) for a kernel version. */
struct kr_tif_layout { int sigpending, notify_signal, need_resched, need_resched_lazy; const char *name; };

struct kr_arch {
	const char *name;			/* the kernel's: "x86", "powerpc", "arm64" */
	const int *hooks;			/* enum kr_hook_id with BPF programs here, -1 ends */
	const char *const *ftrace_events;	/* the ftrace backend's ("system/event"), NULL ends */
	const char *const *ftrace_run_events;	/* one of these brackets a run, NULL ends */
	const char *text_hooks;			/* what a text trace without a header traced */
	bool paca;				/* PACA interrupt state is read (POWER) */
	/* BPF: the per-CPU preempt count's symbols, one of which it finds with
	 * __per_cpu_offset in /proc/kallsyms (x86); NULL: the task's (thread_info). */
	const char *const *percpu_preempt;
	struct kr_tif_layout (*tif)(int kver);
	/* A guest exit's name, from its reason and the vendor the event carries
	 * (x86: 1 VMX, 2 SVM), into buf; NULL if the reason is unknown here. */
	const char *(*exit_name)(uint32_t reason, int isa, char *buf, size_t len);
	/* The exit of a guest-exit event's text payload (name or number):
	 * reason and vendor; false if the payload has none this arch reads. */
	bool (*exit_parse)(const char *payload, uint32_t *reason, int *isa);
	/* What a capture with these hooks is known to miss, NULL if nothing. */
	const char *(*caveat)(const struct kr_hooklist *hooks);
	/* Why tracing cannot work with these probed hooks, "" if it can. */
	const char *(*missing)(const struct kr_hook_probe *probe);
	/* check: which entry path the host takes ("" if one only), from the
	 * CPU's name (/proc/cpuinfo) and the kernel release. */
	const char *(*host_entry_path)(const char *cpu, const char *release);
	/* The entry path a result shows ("vcore", "p9"), NULL if none. */
	const char *(*entry_path_seen)(const struct kr_result *r);
};

/* This build's arch. */
const struct kr_arch *kr_arch_host(void);
/* The arch named so; an unknown name gets a table that decodes nothing. */
const struct kr_arch *kr_arch_named(const char *name);
/* "major.minor" of a release as major * 1000 + minor (0 if none). */
int kr_kernel_version(const char *release);

/* POWER BOOK3S_INTERRUPT_* trap, including those the kernel's table lacks. */
const char *kr_ppc_trap_name(uint32_t trap);
/* An arm64 guest exit, reason = exception type (kvm_exit's ret) << 8 | ESR
 * exception class: "IRQ", "TRAP HVC64 (EC 0x16)"; writes into buf. */
const char *kr_arm64_exit_name(uint32_t reason, char *buf, size_t len);

#endif
