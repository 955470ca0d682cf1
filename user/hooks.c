// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "hooks.h"
#include "kvmrace.h"

#define TP KR_MM_TRACEPOINTS
#define BTF_RAW KR_MM_BTF_RAW

const struct kr_hook_def kr_hook_defs[KR_NR_HOOKS] = {
	[KR_H_KVM_FPU] = { "kvm_fpu", "kvm", TP },
	[KR_H_KVM_USERSPACE_EXIT] = { "kvm_userspace_exit", "kvm", TP },
	[KR_H_KVM_ENTRY] = { "kvm_entry", "kvm", TP },
	[KR_H_KVM_EXIT] = { "kvm_exit", "kvm", TP },
	[KR_H_SIGNAL_GENERATE] = { "signal_generate", "signal", TP },
	[KR_H_SIGNAL_DELIVER] = { "signal_deliver", "signal", TP },
	[KR_H_SCHED_SWITCH] = { "sched_switch", "sched", TP },
	[KR_H_SCHED_WAKEUP] = { "sched_wakeup", "sched", TP },
	[KR_H_SCHED_PROCESS_EXIT] = { "sched_process_exit", "sched", TP },
	[KR_H_SCHED_WAKING] = { "sched_waking", "sched", TP },
	[KR_H_KVMPPC_RUN_VCPU_ENTER] = { "kvmppc_run_vcpu_enter", "kvm_hv", BTF_RAW },
	[KR_H_KVMPPC_RUN_VCPU_EXIT] = { "kvmppc_run_vcpu_exit", "kvm_hv", BTF_RAW },
	[KR_H_KVM_GUEST_ENTER] = { "kvm_guest_enter", "kvm_hv", BTF_RAW },
	[KR_H_KVM_GUEST_EXIT] = { "kvm_guest_exit", "kvm_hv", BTF_RAW },
	[KR_H_KVMPPC_RUN_CORE] = { "kvmppc_run_core", "kvm_hv", BTF_RAW },
	[KR_H_KVM_RUN_FN] = { "kvm_arch_vcpu_ioctl_run", "function", KR_MM_FUNCTION },
	/* Host interrupts: tp_btf/raw_tp only (see on_host_irq in the BPF side). */
	[KR_H_IRQ_HANDLER_ENTRY] = { "irq_handler_entry", "irq", BTF_RAW },
	[KR_H_RESCHEDULE_ENTRY] = { "reschedule_entry", "irq_vectors", BTF_RAW },
	[KR_H_CALL_FUNCTION_ENTRY] = { "call_function_entry", "irq_vectors", BTF_RAW },
	[KR_H_CALL_FUNCTION_SINGLE_ENTRY] = { "call_function_single_entry", "irq_vectors", BTF_RAW },
	[KR_H_IPI_ENTRY] = { "ipi_entry", "ipi", BTF_RAW },
	[KR_H_DOORBELL_ENTRY] = { "doorbell_entry", "powerpc", BTF_RAW },
	[KR_H_PPC_IRQ_ENTRY] = { "irq_entry", "powerpc", BTF_RAW },
	/* IPIs sent: ipi_send_cpu (6.4+: smp_send_reschedule(), the kick),
	 * ipi_raise (arm64 before).  Not ipi_send_cpumask: no kick goes to a
	 * mask, and on big hosts every TLB shootdown would run the program. */
	[KR_H_IPI_SEND_CPU] = { "ipi_send_cpu", "ipi", BTF_RAW },
	[KR_H_IPI_RAISE] = { "ipi_raise", "ipi", BTF_RAW },
};

static const char *const method_names[KR_NR_METHODS] = { "tp_btf", "raw_tp", "tracepoint", "fentry", "kprobe" };

const char *kr_method_name(int m)
{
	return m >= 0 && m < KR_NR_METHODS ? method_names[m] : "none";
}

int kr_method_parse(const char *s)
{
	static const struct { const char *alias; int m; } aliases[] = {
		{ "auto", KR_M_AUTO }, { "tp", KR_M_TRACEPOINT }, { "fexit", KR_M_FENTRY }, { "kretprobe", KR_M_KPROBE },
	};
	size_t i;
	int m;

	for (m = 0; m < KR_NR_METHODS; m++)
		if (!strcmp(s, method_names[m]))
			return m;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(s, aliases[i].alias))
			return aliases[i].m;
	return -2;
}

int kr_irq_event_kind(const char *ev)
{
	static const struct { const char *n; int kind; } t[] = {
		{ "irq_handler_entry", KR_IRQ_DEVICE }, { "ipi_entry", KR_IRQ_IPI },
		{ "call_function_entry", KR_IRQ_IPI }, { "call_function_single_entry", KR_IRQ_IPI },
		{ "reschedule_entry", KR_IRQ_RESCHED }, { "doorbell_entry", KR_IRQ_DOORBELL },
		{ "irq_entry", KR_IRQ_EXTERNAL }, { "timer_interrupt_entry", KR_IRQ_TIMER },
		{ "local_timer_entry", KR_IRQ_TIMER },
	};
	size_t i;

	if (!strstr(ev, "_entry"))
		return 0;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(ev, t[i].n))
			return t[i].kind;
	return 0;
}

bool kr_ipi_send_event(const char *ev)
{
	return !strcmp(ev, "ipi_send_cpu") || !strcmp(ev, "ipi_send_cpumask") || !strcmp(ev, "ipi_raise");
}

/* ---- a run's hook list ---- */

void kr_hooklist_parse(struct kr_hooklist *l, const char *hooks)
{
	l->n = 0;
	while (hooks && *hooks && l->n < KR_MAX_HOOK_LIST) {
		size_t n = strcspn(hooks, ","), e = strcspn(hooks, ":,");
		const char *m = hooks + e + (e < n);	/* the method, or "" */
		size_t mn = n - (size_t)(m - hooks);

		if (e < sizeof(l->h[0].event) && mn < sizeof(l->h[0].method)) {
			memcpy(l->h[l->n].event, hooks, e);
			l->h[l->n].event[e] = 0;
			memcpy(l->h[l->n].method, m, mn);
			l->h[l->n].method[mn] = 0;
			l->n++;
		}
		hooks += n + (hooks[n] == ',');
	}
}

const char *kr_hooklist_method(const struct kr_hooklist *l, const char *event)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->h[i].event, event))
			return l->h[i].method;
	return NULL;
}

bool kr_hooklist_irqs(const struct kr_hooklist *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (kr_irq_event_kind(l->h[i].event))
			return true;
	return false;
}

bool kr_hooklist_ipis(const struct kr_hooklist *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (kr_ipi_send_event(l->h[i].event))
			return true;
	return false;
}
