/* SPDX-License-Identifier: GPL-2.0 */
/* Live capture with BPF: probing, loading, attaching, polling. */
#ifndef KR_CAPTURE_H
#define KR_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "kvmrace.h"

enum kr_method {
	KR_M_TP_BTF = 0, KR_M_RAW_TP = 1, KR_M_TRACEPOINT = 2,	/* tracepoints */
	KR_M_FENTRY = 3, KR_M_KPROBE = 4,			/* functions */
	KR_NR_METHODS = 5, KR_M_AUTO = -1,
};

enum kr_hook_id {
	KR_H_KVM_FPU, KR_H_KVM_USERSPACE_EXIT, KR_H_KVM_ENTRY, KR_H_KVM_EXIT,
	KR_H_SIGNAL_GENERATE, KR_H_SIGNAL_DELIVER, KR_H_SCHED_SWITCH, KR_H_SCHED_WAKEUP,
	KR_H_SCHED_PROCESS_EXIT,
	KR_H_SCHED_WAKING,	/* optional: times reschedule requests at the waker */
	KR_H_KVMPPC_RUN_VCPU_ENTER, KR_H_KVMPPC_RUN_VCPU_EXIT, KR_H_KVM_GUEST_ENTER, KR_H_KVM_GUEST_EXIT,
	KR_H_KVMPPC_RUN_CORE,
	KR_H_KVM_RUN_FN,	/* kvm_arch_vcpu_ioctl_run (function) */
	/* host interrupts (optional: evidence for findings, not needed for the verdict) */
	KR_H_IRQ_HANDLER_ENTRY, KR_H_RESCHEDULE_ENTRY, KR_H_CALL_FUNCTION_ENTRY, KR_H_CALL_FUNCTION_SINGLE_ENTRY,
	KR_H_IPI_ENTRY, KR_H_DOORBELL_ENTRY, KR_H_PPC_IRQ_ENTRY,
	/* IPIs sent (optional: the kick of a late exit's vCPU) */
	KR_H_IPI_SEND_CPU, KR_H_IPI_RAISE,
	KR_NR_HOOKS,
};

struct kr_hook_probe {
	const char *event;	/* tracepoint name */
	const char *category;	/* tracefs system */
	bool on_arch;		/* this build has programs for it */
	bool applies[KR_NR_METHODS];	/* the method can attach this kind of hook */
	bool available[KR_NR_METHODS];
	char why[KR_NR_METHODS][96];	/* why not, when unavailable */
	int chosen;		/* enum kr_method, -1 none */
};

struct kr_capture_opts {
	pid_t pid;		/* 0: all */
	bool descendants;
	int method;		/* KR_M_AUTO or a forced method */
	bool verbose;
	bool prog_stats;	/* enable the kernel's BPF run-time stats */
	const char *btf_path;	/* CO-RE against this BTF file (kernels without BTF) */
	int backend;		/* enum kr_backend */
	unsigned int buffer_kb;	/* 0: default (BPF 4 MiB ring; ftrace 8 MiB per CPU) */
};

enum kr_backend { KR_B_AUTO = 0, KR_B_BPF = 1, KR_B_FTRACE = 2 };

struct kr_capture;

const char *kr_method_name(int m);
int kr_method_parse(const char *s);
/* Probe every hook and choose a method for each (forced method: only it). */
void kr_capture_probe(struct kr_hook_probe hooks[KR_NR_HOOKS], int method);
/* Where CO-RE types come from: the kernel's BTF, or btf_path; NULL + reason if neither. */
const char *kr_capture_btf_source(const char *btf_path, char *why, size_t len);
/* Why tracing cannot work with these choices ("" if it can). */
const char *kr_capture_missing(const struct kr_hook_probe hooks[KR_NR_HOOKS]);

struct kr_capture *kr_capture_open(const struct kr_capture_opts *o, char *err, size_t errlen);
/* Deliver available events to cb; returns events delivered or -errno. */
int kr_capture_poll(struct kr_capture *c, int timeout_ms, kr_event_cb cb, void *ctx);
void kr_capture_counters(struct kr_capture *c, uint64_t *lost, uint64_t *untracked);
/* "event:method,..." of the attached hooks. */
void kr_capture_hooks(struct kr_capture *c, char *buf, size_t len);
void kr_capture_prog_stats(struct kr_capture *c, FILE *f);
void kr_capture_close(struct kr_capture *c);
/* "bpf" or "ftrace": what the session uses. */
const char *kr_capture_backend(const struct kr_capture *c);

/* TIF bit numbers for an arch and kernel release (see docs/design.md). */
struct kr_tif_layout { int sigpending, notify_signal, need_resched, need_resched_lazy; const char *name; };
struct kr_tif_layout kr_tif_layout_for(const char *arch, const char *release);

#endif
