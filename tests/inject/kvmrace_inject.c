// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace_inject: re-open, on purpose, the window that "KVM: PPC: Book3S HV:
 * Close race with testing for signals on guest entry" (2017) closed.
 *
 * A probe on the guest-entry tracepoint runs after the kernel's last signal
 * and need_resched checks and before the guest is entered: POWER KVM-HV's
 * kvm_hv:kvm_guest_enter; arm64's and x86's kvm:kvm_entry (after the final
 * kvm_vcpu_exit_request() with interrupts off).  On every Nth entry it
 * raises SIGUSR1 on the vCPU task, or sets need-resched for it, without any
 * IPI: the state an interrupt handled in the old window left behind.  The
 * vCPU then runs on until an unrelated exit (the host tick) with the request
 * pending, which kvmrace-trace must report as entered_pending.
 *
 * Parameters: every=N (default 25), cause=both|signal|resched (default both:
 * alternating).  Counters (read-only): injected_signal, injected_resched,
 * entries; log: one line per injection (up to LOG_MAX), "signal|resched
 * <ktime_get_ns> <vcpu_id>", CLOCK_MONOTONIC like bpf_ktime_get_ns(), so each
 * finding can be matched to its injection.  The probe is registered at a
 * higher priority than kvmrace's own, so kvmrace sees the flag at the same
 * guest entry.
 */
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/tracepoint.h>

static unsigned int every = 25;
module_param(every, uint, 0644);
MODULE_PARM_DESC(every, "inject on every Nth guest entry");
static char *cause = "both";
module_param(cause, charp, 0444);
MODULE_PARM_DESC(cause, "both (alternating), signal or resched");
static unsigned long injected_signal, injected_resched, entries;
module_param(injected_signal, ulong, 0444);
module_param(injected_resched, ulong, 0444);
module_param(entries, ulong, 0444);

#define LOG_MAX 160
static struct { u64 ns; int vcpu; bool sig; } inj_log[LOG_MAX];
static unsigned int inj_logged;

static int log_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i, n = min_t(unsigned int, READ_ONCE(inj_logged), LOG_MAX);
	int len = 0;

	for (i = 0; i < n && len < PAGE_SIZE - 48; i++)
		len += scnprintf(buf + len, PAGE_SIZE - len, "%s %llu %d\n", inj_log[i].sig ? "signal" : "resched",
				 inj_log[i].ns, inj_log[i].vcpu);
	return len;
}

static const struct kernel_param_ops log_ops = { .get = log_get };
module_param_cb(log, &log_ops, NULL, 0444);
MODULE_PARM_DESC(log, "injections: cause, CLOCK_MONOTONIC ns, vcpu id");

static struct tracepoint *tp_enter;

/* One guest entry of task t (the vCPU's task) for vCPU vcpu_id. */
static void entry(struct task_struct *t, int vcpu_id)
{
	unsigned long n = READ_ONCE(entries) + 1;
	bool sig;

	WRITE_ONCE(entries, n);
	if (!t || !every || n % every)
		return;
	if (!strcmp(cause, "signal"))
		sig = true;
	else if (!strcmp(cause, "resched"))
		sig = false;
	else
		sig = (n / every) & 1;
	if (inj_logged < LOG_MAX) {
		inj_log[inj_logged].ns = ktime_get_ns();
		inj_log[inj_logged].vcpu = vcpu_id;
		inj_log[inj_logged].sig = sig;
		WRITE_ONCE(inj_logged, inj_logged + 1);
	}
	if (sig) {
		send_sig(SIGUSR1, t, 0);	/* t is current here: no kick IPI */
		WRITE_ONCE(injected_signal, injected_signal + 1);
	} else {
		set_tsk_need_resched(t);	/* no IPI either */
		WRITE_ONCE(injected_resched, injected_resched + 1);
	}
}

#if defined(CONFIG_ARM64)
/* kvm:kvm_entry(vcpu_pc) is built in and fires in the vCPU's own task. */
static void probe_guest_enter(void *data, unsigned long vcpu_pc)
{
	struct kvm_vcpu *vcpu = kvm_get_running_vcpu();

	entry(current, vcpu ? vcpu->vcpu_id : -1);
}

static void find_kvm_entry(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "kvm_entry"))
		*(struct tracepoint **)priv = tp;
}

static int __init inject_init(void)
{
	struct tracepoint *tp = NULL;

	for_each_kernel_tracepoint(find_kvm_entry, &tp);
	if (!tp) {
		pr_err("kvmrace_inject: kvm:kvm_entry not found\n");
		return -ENODEV;
	}
	/* Before kvmrace's probe (default priority 10). */
	if (tracepoint_probe_register_prio(tp, probe_guest_enter, NULL, 100))
		return -EINVAL;
	tp_enter = tp;
	pr_info("kvmrace_inject: injecting %s on every %u-th guest entry\n", cause, every);
	return 0;
}

static void __exit inject_exit(void)
{
	tracepoint_probe_unregister(tp_enter, probe_guest_enter, NULL);
	tracepoint_synchronize_unregister();
}
#else
/* A tracepoint of a module: POWER's kvm_hv:kvm_guest_enter(vcpu), or x86's
 * kvm:kvm_entry(vcpu) (defined in kvm.ko, fired by kvm-amd/kvm-intel after
 * the last kvm_vcpu_exit_request() check, interrupts off). */
#if defined(CONFIG_PPC)
#define TP_MODULE "kvm_hv"
#define TP_NAME "kvm_guest_enter"
#define VCPU_TASK(vcpu) ((vcpu)->arch.run_task)
#else
#define TP_MODULE "kvm"
#define TP_NAME "kvm_entry"
#define VCPU_TASK(vcpu) current	/* kvm_entry fires in the vCPU's task */
#endif
static struct module *tp_owner;
static DEFINE_MUTEX(tp_lock);

static void probe_guest_enter(void *data, struct kvm_vcpu *vcpu)
{
	entry(VCPU_TASK(vcpu), vcpu->vcpu_id);
}

static int on_tp_module(struct notifier_block *nb, unsigned long state, void *arg)
{
	struct tp_module *tpm = arg;
	struct module *mod = tpm->mod;
	unsigned int i;

	if (state != MODULE_STATE_COMING || strcmp(mod->name, TP_MODULE))
		return NOTIFY_OK;
	mutex_lock(&tp_lock);
	for (i = 0; i < mod->num_tracepoints && !tp_enter; i++) {
		struct tracepoint *tp = tracepoint_ptr_deref(mod->tracepoints_ptrs + i);

		if (strcmp(tp->name, TP_NAME))
			continue;
		if (!try_module_get(mod))
			break;
		/* Before kvmrace's probe (default priority 10). */
		if (tracepoint_probe_register_prio(tp, probe_guest_enter, NULL, 100)) {
			module_put(mod);
			break;
		}
		tp_enter = tp;
		tp_owner = mod;
	}
	mutex_unlock(&tp_lock);
	return NOTIFY_OK;
}

static struct notifier_block tp_nb = { .notifier_call = on_tp_module };

static int __init inject_init(void)
{
	int r = register_tracepoint_module_notifier(&tp_nb);

	if (r)
		return r;
	if (!tp_enter) {
		unregister_tracepoint_module_notifier(&tp_nb);
		pr_err("kvmrace_inject: " TP_MODULE ":" TP_NAME " not found (load " TP_MODULE " first)\n");
		return -ENODEV;
	}
	pr_info("kvmrace_inject: injecting %s on every %u-th guest entry\n", cause, every);
	return 0;
}

static void __exit inject_exit(void)
{
	unregister_tracepoint_module_notifier(&tp_nb);
	mutex_lock(&tp_lock);
	if (tp_enter) {
		tracepoint_probe_unregister(tp_enter, probe_guest_enter, NULL);
		tracepoint_synchronize_unregister();
		module_put(tp_owner);
		tp_enter = NULL;
	}
	mutex_unlock(&tp_lock);
}

#endif

module_init(inject_init);
module_exit(inject_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvmrace test: re-open the guest-entry signal/need_resched window (POWER KVM-HV, arm64, x86 KVM)");
