// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace_prefix: the ground truth of a kvm-hv with "KVM: PPC: Book3S HV:
 * Close race with testing for signals on guest entry" (2017) reverted
 * (revert-2017-fix.patch, built into kvm-hv.ko by scripts/power/prefix-build.sh).
 *
 * The reverted entry paths check signal_pending() and need_resched() before
 * interrupts are masked, as before the fix: kvmhv_run_single_vcpu (POWER9)
 * before powerpc_local_irq_pmu_save(), kvmppc_run_core (POWER8, the vcore
 * path) before local_irq_disable(); hard_irq_disable().  Between the checks
 * and the masking, prefix_window_us of udelay (default 0) widens the window
 * so that the kernel's own kick IPIs hit it often enough under emulation.
 *
 * Just before trace_kvm_guest_enter(), with interrupts masked, the same
 * conditions are read again without acting on them.  Every entry that goes
 * ahead with a request pending is logged, per cause, with ktime_get_ns()
 * (CLOCK_MONOTONIC, the tracer's clock) and the vCPU id, as one of:
 *   kicked: an interrupt is latched (lazy_irq_pending()), or none came on
 *           this CPU since the checks (the kick is still on its way: it is
 *           latched, or held in hardware, when it lands): the guest is
 *           kicked out at once (on POWER9 the built-in
 *           kvmhv_vcpu_entry_p9() aborts the entry with trap 0);
 *   race:   none is latched and the CPU took an interrupt in the host since
 *           the checks (a doorbell or external interrupt, the kick IPI: it
 *           was consumed there; or a timer interrupt that set need_resched):
 *           nothing forces an exit, the guest runs to its next exit.
 * The interrupt is named in the log: latched, ipi, timer, ipi+timer (both
 * came: either may have raised the request) or none.
 *
 * /sys/module/kvm_hv/parameters/:
 *   prefix_window_us  (rw) the added window, microseconds (at most 10000)
 *   prefix_entries    guest entries seen
 *   prefix_caught     entries the moved checks stopped (request pending)
 *   prefix_race_signal, prefix_race_resched, prefix_kicked_signal,
 *   prefix_kicked_resched   the log's counts per kind and cause
 *   prefix_log        one line per logged entry (the first LOG_MAX):
 *                     "KIND CAUSE NS VCPU IRQ"
 *   prefix_log_dropped lines not kept (the log was full)
 */
#include <linux/kernel_stat.h>
#include <linux/delay.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/timekeeping.h>
#include <asm/hardirq.h>
#include <asm/hw_irq.h>
#include "kvmrace_prefix.h"

static unsigned int prefix_window_us;
static int window_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int r = kstrtouint(val, 0, &v);

	if (r)
		return r;
	if (v > 10000)
		return -ERANGE;
	WRITE_ONCE(prefix_window_us, v);
	return 0;
}
static const struct kernel_param_ops window_ops = { .set = window_set, .get = param_get_uint };
module_param_cb(prefix_window_us, &window_ops, &prefix_window_us, 0644);
MODULE_PARM_DESC(prefix_window_us, "kvmrace: udelay between the pre-fix checks and the masking (us, <= 10000)");

static unsigned long prefix_entries, prefix_caught, prefix_log_dropped;
static unsigned long prefix_race_signal, prefix_race_resched, prefix_kicked_signal, prefix_kicked_resched;
module_param(prefix_entries, ulong, 0444);
module_param(prefix_caught, ulong, 0444);
module_param(prefix_race_signal, ulong, 0444);
module_param(prefix_race_resched, ulong, 0444);
module_param(prefix_kicked_signal, ulong, 0444);
module_param(prefix_kicked_resched, ulong, 0444);
module_param(prefix_log_dropped, ulong, 0444);

enum prefix_irq { PFX_LATCHED, PFX_IPI, PFX_TIMER, PFX_IPI_TIMER, PFX_NONE };
static const char *const irq_name[] = { "latched", "ipi", "timer", "ipi+timer", "none" };

/* 64 KiB pages on Debian's ppc64el: LOG_MAX lines of at most 48 bytes fit
 * the one page a parameter's get may fill. */
#define LOG_MAX 1024
static struct prefix_line {
	u64 ns;
	int vcpu;
	bool sig;
	bool race;
	u8 irq;
} prefix_lines[LOG_MAX];
static unsigned int prefix_logged;
static DEFINE_SPINLOCK(log_lock);

static int log_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i, n = min_t(unsigned int, READ_ONCE(prefix_logged), LOG_MAX);
	int len = 0;

	for (i = 0; i < n && len < (int)PAGE_SIZE - 64; i++)
		len += scnprintf(buf + len, PAGE_SIZE - len, "%s %s %llu %d %s\n",
				 prefix_lines[i].race ? "race" : "kicked", prefix_lines[i].sig ? "signal" : "resched",
				 prefix_lines[i].ns, prefix_lines[i].vcpu, irq_name[prefix_lines[i].irq]);
	return len;
}
static const struct kernel_param_ops log_ops = { .get = log_get };
module_param_cb(prefix_log, &log_ops, NULL, 0444);
MODULE_PARM_DESC(prefix_log, "kvmrace: entries that went ahead with a request pending: KIND CAUSE NS VCPU IRQ");

/* Host interrupts this CPU took, by kind, when the checks ran. */
struct irq_counts { unsigned long ipi, timer; };
static DEFINE_PER_CPU(struct irq_counts, at_checks);

static void read_counts(struct irq_counts *c)
{
	irq_cpustat_t *s = this_cpu_ptr(&irq_stat);

	/* Doorbells (POWER9 IPIs, POWER8 same-core IPIs), and every
	 * interrupt that goes through the generic irq layer (POWER8's XICS
	 * IPI, external interrupts). */
	c->ipi = READ_ONCE(kstat_this_cpu->irqs_sum);
#ifdef CONFIG_PPC_DOORBELL
	c->ipi += READ_ONCE(s->doorbell_irqs);
#endif
	c->timer = READ_ONCE(s->timer_irqs_event) + READ_ONCE(s->timer_irqs_others);
}

void kvmrace_prefix_checks(void)
{
	read_counts(this_cpu_ptr(&at_checks));
}

void kvmrace_prefix_window(void)
{
	unsigned int us = READ_ONCE(prefix_window_us);

	while (us) {	/* udelay's argument is kept small */
		unsigned int d = us > 1000 ? 1000 : us;

		udelay(d);
		us -= d;
	}
}

static void log_one(struct kvm_vcpu *vcpu, bool sig, bool race, enum prefix_irq irq, u64 ns)
{
	unsigned long flags;

	spin_lock_irqsave(&log_lock, flags);
	if (sig && race)
		prefix_race_signal++;
	else if (sig)
		prefix_kicked_signal++;
	else if (race)
		prefix_race_resched++;
	else
		prefix_kicked_resched++;
	if (prefix_logged < LOG_MAX) {
		prefix_lines[prefix_logged] = (struct prefix_line){
			.ns = ns, .vcpu = vcpu->vcpu_id, .sig = sig, .race = race, .irq = irq,
		};
		WRITE_ONCE(prefix_logged, prefix_logged + 1);
	} else {
		prefix_log_dropped++;
	}
	spin_unlock_irqrestore(&log_lock, flags);
}

void kvmrace_prefix_entry(struct kvm_vcpu *vcpu, bool sig, bool resched)
{
	struct irq_counts now, *then = this_cpu_ptr(&at_checks);
	enum prefix_irq irq;
	u64 ns;

	WRITE_ONCE(prefix_entries, prefix_entries + 1);
	if (!sig && !resched)
		return;
	ns = ktime_get_ns();
	read_counts(&now);
	if (lazy_irq_pending())
		irq = PFX_LATCHED;
	else if (now.ipi != then->ipi)
		irq = now.timer != then->timer ? PFX_IPI_TIMER : PFX_IPI;
	else if (now.timer != then->timer)
		irq = PFX_TIMER;
	else
		irq = PFX_NONE;
	if (sig)
		log_one(vcpu, true, irq != PFX_LATCHED && irq != PFX_NONE, irq, ns);
	if (resched)
		log_one(vcpu, false, irq != PFX_LATCHED && irq != PFX_NONE, irq, ns);
}

/* Called where a moved check stopped the entry. */
void kvmrace_prefix_caught(void)
{
	WRITE_ONCE(prefix_caught, prefix_caught + 1);
}
