/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hooks kvmrace can attach (tracepoints and one function), the attach
 * methods, and a run's hook list ("event:method,..." as recordings, text
 * exports and the JSON carry it) parsed once.  Pure: no I/O, no libbpf.
 */
#ifndef KR_HOOKS_H
#define KR_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

enum kr_method {
	KR_M_TP_BTF = 0, KR_M_RAW_TP = 1, KR_M_TRACEPOINT = 2,	/* tracepoints */
	KR_M_FENTRY = 3, KR_M_KPROBE = 4,			/* functions */
	KR_NR_METHODS = 5, KR_M_AUTO = -1,
};

#define KR_MM(m) (1u << (m))
#define KR_MM_TRACEPOINTS (KR_MM(KR_M_TP_BTF) | KR_MM(KR_M_RAW_TP) | KR_MM(KR_M_TRACEPOINT))
/* kvm_hv: the classic records' types are in the module's BTF; host interrupts:
 * a classic program in hard-IRQ context is skipped under any other one */
#define KR_MM_BTF_RAW (KR_MM(KR_M_TP_BTF) | KR_MM(KR_M_RAW_TP))
#define KR_MM_FUNCTION (KR_MM(KR_M_FENTRY) | KR_MM(KR_M_KPROBE))

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

struct kr_hook_def {
	const char *event;	/* tracepoint (or function) name */
	const char *category;	/* tracefs system ("function" for the function) */
	unsigned methods;	/* KR_MM() of the methods that can attach it */
};

extern const struct kr_hook_def kr_hook_defs[KR_NR_HOOKS];

/* What probing found for one hook on this host (kr_probe_hooks). */
struct kr_hook_probe {
	const char *event;	/* tracepoint name */
	const char *category;	/* tracefs system */
	bool on_arch;		/* this build has programs for it */
	bool applies[KR_NR_METHODS];	/* the method can attach this kind of hook */
	bool available[KR_NR_METHODS];
	char why[KR_NR_METHODS][96];	/* why not, when unavailable */
	int chosen;		/* enum kr_method, -1 none */
};

const char *kr_method_name(int m);
/* enum kr_method, KR_M_AUTO for "auto", -2 if unknown */
int kr_method_parse(const char *s);

/* A host interrupt's entry event (irq_handler_entry, reschedule_entry,
 * doorbell_entry, ...): its enum kr_irq_kind, 0 if the event is none. */
int kr_irq_event_kind(const char *event);
/* An IPI send event: ipi_send_cpu, ipi_send_cpumask, ipi_raise. */
bool kr_ipi_send_event(const char *event);

/* A run's hook list, parsed: which events were traced, and how. */
#define KR_MAX_HOOK_LIST 48

struct kr_hooklist {
	int n;
	struct { char event[40]; char method[16]; } h[KR_MAX_HOOK_LIST];
};

/* Parses "event:method,..." (NULL or "": none); items past the bound or too
 * long are dropped. */
void kr_hooklist_parse(struct kr_hooklist *l, const char *hooks);
/* The method event was traced with, NULL if it was not. */
const char *kr_hooklist_method(const struct kr_hooklist *l, const char *event);
/* Some host interrupt (IPI send) event was traced. */
bool kr_hooklist_irqs(const struct kr_hooklist *l);
bool kr_hooklist_ipis(const struct kr_hooklist *l);

#endif
