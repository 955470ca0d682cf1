// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace BPF side: turn the kernel's KVM, signal and scheduler events into
 * kr_events for vCPU tasks only (tasks that did KVM_RUN), in one ring buffer.
 *
 * Every hook has three variants, one per attach method (tp_btf, raw_tp,
 * classic tracepoint); userland probes the kernel and autoloads exactly one
 * per hook.  tp_btf and raw_tp share a handler that reads through
 * BPF_CORE_READ (probe reads), so both work on the same code.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kvmrace.h"

char LICENSE[] SEC("license") = "GPL";

/* Options, written by userland between open and load. */
const volatile bool targ_filter = false;	/* only the processes in targ_tgids */
const volatile bool targ_descendants = false;	/* and their descendants */
const volatile __u32 self_tgid = 0;		/* the tracer: its wake-ups are no requests */
/* kvm_userspace_exit is attached: the KVM_RUN end (kvm_fpu unload) travels
 * on it as a delta instead of as an event of its own. */
const volatile bool merge_run_end = false;
/* The running kernel has BTF (bpf_get_current_task_btf, bpf_task_pt_regs and
 * task iterators need it; CO-RE alone can come from a --btf file). */
const volatile bool kernel_btf = true;
/* Arch TIF bit numbers (userland picks them per arch and kernel release). */
const volatile __u32 tif_sigpending_bit = 2;
const volatile __u32 tif_notify_signal_bit = 17;
const volatile __u32 tif_need_resched_bit = 3;
const volatile __u32 tif_need_resched_lazy_bit = 64;	/* >= 64: none */

struct vstate {
	__u32 pid;
	__s32 vcpu;
	__u64 task;		/* its task_struct, for reads from other contexts */
	__u64 run_end_ts;	/* KVM_RUN ended, userspace exit not seen yet (merge_run_end) */
	__u8 in_run;
	__u8 comm_sent;		/* comm goes out once per vCPU task */
	__u8 pad[6];
};

struct cpu_cur {
	__u32 tid;		/* vCPU task running on this CPU, 0 if none */
	__u32 resched_seen;	/* its NEED_RESCHED already reported */
	__u64 task;		/* its task_struct */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* Wake the reader only when the ring fills up: a wake-up per event would
 * make the tracer preempt the very vCPU it watches (and count as a
 * reschedule request for it).  Userland polls on a timer otherwise. */
const volatile __u64 rb_wake_at = (4 << 20) / 4;	/* a quarter of the ring */

/* Submits since the last fill check; racy across CPUs, which only moves
 * the check a little (a plain .bss counter costs no helper call). */
static __u32 nr_submits;

static __always_inline void ev_submit(void *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (!(++nr_submits & 63) && bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > rb_wake_at)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vstate);
} vcpus SEC(".maps");

/* -p PID,... / -- COMMAND: the processes traced (filled after load) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} targ_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);	/* resized to the possible CPUs */
	__type(key, __u32);
	__type(value, struct cpu_cur);
} cpus SEC(".maps");

/* Threads of processes holding a kvm-vcpu fd when tracing started (seeded by
 * userland): one may be inside a KVM_RUN that began before we attached. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} cands SEC(".maps");

/* Wakings handed on (KR_EV_WAKING) whose sched_wakeup is not seen yet: the
 * task woken -> the vCPU task it was for. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} wakings SEC(".maps");

/* [0] ring buffer reservation failures, [1] vCPU tasks not tracked (map full) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Module-resident types, through CO-RE flavours (the suffix is ignored when
 * matching), so the build does not depend on kvm being built in. */
struct kvm_run___kr {
	__u32 exit_reason;
} __attribute__((preserve_access_index));

struct kvm_vcpu___kr {
	int vcpu_id;
	struct kvm_run___kr *run;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_fpu___kr {
	struct trace_entry ent;
	u32 load;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_userspace_exit___kr {
	struct trace_entry ent;
	__u32 reason;
	int errno;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_entry___kr {
	struct trace_entry ent;
	unsigned int vcpu_id;
} __attribute__((preserve_access_index));

struct trace_event_raw_kvm_exit___kr {
	struct trace_entry ent;
	unsigned int exit_reason;
	u32 isa;
	unsigned int vcpu_id;
} __attribute__((preserve_access_index));

/* VMX/SVM exit reasons: not an argument of kvm_exit, read from the vendor's
 * vCPU (kvm_vcpu is its first member) in kvm_intel's / kvm_amd's BTF. */
struct vmcb_control_area___kr {
	u32 exit_code;
} __attribute__((preserve_access_index));

struct vmcb___kr {
	struct vmcb_control_area___kr control;
} __attribute__((preserve_access_index));

struct vcpu_svm___kr {
	struct vmcb___kr *vmcb;
} __attribute__((preserve_access_index));

union vmx_exit_reason___kr {
	u32 full;
} __attribute__((preserve_access_index));

struct vcpu_vmx___kr {
	union vmx_exit_reason___kr exit_reason;
} __attribute__((preserve_access_index));

#define KR_ISA_VMX 1	/* as kvm:kvm_exit's isa field */
#define KR_ISA_SVM 2
#define KR_ISA_ARM64 3	/* reason = exception type << 8 | ESR exception class */

/* arm64's kvm_entry/kvm_exit carry no vcpu: the guest PC, the exit's type and
 * ESR class (arch/arm64/kvm/trace_arm.h). */
struct trace_event_raw_kvm_exit___arm64 {
	struct trace_entry ent;
	int ret;
	unsigned int esr_ec;
} __attribute__((preserve_access_index));

/* task_cpu() moved from task_struct.cpu into thread_info in 5.16. */
struct task_struct___old {
	unsigned int cpu;
} __attribute__((preserve_access_index));

static __always_inline void count_drop(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &idx);

	if (v)
		(*v)++;
}

static __always_inline __u32 tif_norm(__u64 raw)
{
	__u32 f = 0;

	if (tif_sigpending_bit < 64 && (raw >> tif_sigpending_bit) & 1)
		f |= KR_TIF_SIGPENDING;
	if (tif_notify_signal_bit < 64 && (raw >> tif_notify_signal_bit) & 1)
		f |= KR_TIF_NOTIFY_SIGNAL;
	if (tif_need_resched_bit < 64 && (raw >> tif_need_resched_bit) & 1)
		f |= KR_TIF_NEED_RESCHED;
	if (tif_need_resched_lazy_bit < 64 && (raw >> tif_need_resched_lazy_bit) & 1)
		f |= KR_TIF_NEED_RESCHED_LAZY;
	return f;
}

static __always_inline __u64 task_tif(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_info.flags);
}

static __always_inline __u32 task_cpu_of(struct task_struct *t)
{
	if (bpf_core_field_exists(t->thread_info.cpu))
		return BPF_CORE_READ(t, thread_info.cpu);
	return BPF_CORE_READ((struct task_struct___old *)t, cpu);
}

static __always_inline struct kr_event *ev_new_on(__u8 type, __u32 tid, __u32 pid, __u32 cpu)
{
	struct kr_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_drop(0);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->type = type;
	e->tid = tid;
	e->pid = pid;
	e->cpu = cpu;
	e->vcpu = -1;
	return e;
}

static __always_inline struct kr_event *ev_new(__u8 type, __u32 tid, __u32 pid)
{
	return ev_new_on(type, tid, pid, bpf_get_smp_processor_id());
}

static __always_inline void ev_tif(struct kr_event *e, struct task_struct *t)
{
	__u64 raw = task_tif(t);

	e->tif_raw = (__u32)raw;
	e->tif = tif_norm(raw);
	e->flags |= KR_F_TIF;
}

/* The current task's flags: a direct load through the BTF task pointer where
 * the kernel has bpf_get_current_task_btf (5.11+), else a probe read. */
static __always_inline __u64 current_tif(void)
{
	if (kernel_btf && bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf)) {
		struct task_struct *t = bpf_get_current_task_btf();

		return t->thread_info.flags;
	}
	return task_tif((struct task_struct *)bpf_get_current_task());
}

/* ev_task for the current task. */
static __always_inline void ev_current(struct kr_event *e, struct vstate *v)
{
	__u64 raw = current_tif();

	e->tif_raw = (__u32)raw;
	e->tif = tif_norm(raw);
	e->flags |= KR_F_TIF;
	if (v && v->comm_sent)
		return;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (v)
		v->comm_sent = 1;
}

/* TIF flags always; comm only the first time for this vCPU task (the hot
 * events stay small: a thread rename shows at its next switch-in). */
static __always_inline void ev_task(struct kr_event *e, struct task_struct *t, struct vstate *v)
{
	ev_tif(e, t);
	if (v && v->comm_sent)
		return;
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), BPF_CORE_READ(t, comm));
	if (v)
		v->comm_sent = 1;
}

static __always_inline void ev_vcpu(struct kr_event *e, struct vstate *v)
{
	e->vcpu = v->vcpu;
	if (v->vcpu >= 0)
		e->flags |= KR_F_VCPU;
}

static __always_inline bool tgid_is_target(struct task_struct *t)
{
	__u32 tgid = BPF_CORE_READ(t, tgid);

	return bpf_map_lookup_elem(&targ_tgids, &tgid) != NULL;
}

/* Only at a task's registration as a vCPU task: the walk up its parents is
 * paid once per vCPU. */
static __always_inline bool tgid_matches(struct task_struct *t)
{
	int i;

	if (!targ_filter)
		return true;
	if (tgid_is_target(t))
		return true;
	if (!targ_descendants)
		return false;
	for (i = 0; i < 16; i++) {
		t = BPF_CORE_READ(t, real_parent);
		if (!t)
			return false;
		if (tgid_is_target(t))
			return true;
		if (BPF_CORE_READ(t, pid) <= 1)
			return false;
	}
	return false;
}

/* The vCPU id of the KVM_RUN in progress in the current task: the ioctl's fd
 * argument is a kvm-vcpu file whose private_data is the kvm_vcpu. */
static __always_inline int task_vcpu_id(struct task_struct *t, struct pt_regs *regs)
{
	struct file **fdarr;
	struct file *f = NULL;
	char name[9] = {};
	const unsigned char *dname;
	struct kvm_vcpu___kr *vcpu;
	unsigned long fd;
	unsigned int max_fds;

	if (!regs)
		return -1;
	fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
	max_fds = BPF_CORE_READ(t, files, fdt, max_fds);
	if (fd >= max_fds)
		return -1;
	fdarr = BPF_CORE_READ(t, files, fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fdarr[fd]) || !f)
		return -1;
	dname = BPF_CORE_READ(f, f_path.dentry, d_name.name);
	if (bpf_probe_read_kernel(name, 8, dname))
		return -1;
	if (name[0] != 'k' || name[1] != 'v' || name[2] != 'm' || name[3] != '-' || name[4] != 'v' ||
	    name[5] != 'c' || name[6] != 'p' || name[7] != 'u')
		return -1;
	vcpu = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(vcpu, vcpu_id);
}

static __always_inline struct pt_regs *current_regs(void)
{
	if (!kernel_btf || !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs))
		return NULL;
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

static __always_inline __attribute__((unused)) int current_vcpu_id(struct task_struct *t)
{
	return task_vcpu_id(t, current_regs());
}

/* Look up, or start tracking, the current task as a vCPU task. */
static __always_inline struct vstate *vcpu_register(struct task_struct *t, __u32 tid, __u32 pid,
						    int vcpu_id)
{
	struct vstate *v = bpf_map_lookup_elem(&vcpus, &tid), nv = {};

	if (v) {
		if (v->vcpu < 0 && vcpu_id >= 0)	/* registered where the id was unknown */
			v->vcpu = vcpu_id;
		return v;
	}
	if (!tgid_matches(t))
		return NULL;
	nv.pid = pid;
	nv.vcpu = vcpu_id;
	nv.task = (__u64)t;
	if (bpf_map_update_elem(&vcpus, &tid, &nv, BPF_NOEXIST) && bpf_map_update_elem(&vcpus, &tid, &nv, BPF_ANY)) {
		count_drop(1);
		return NULL;
	}
	return bpf_map_lookup_elem(&vcpus, &tid);
}

static __always_inline struct cpu_cur *cpu_set_current(__u32 cpu, __u32 tid, struct task_struct *t)
{
	struct cpu_cur *c = bpf_map_lookup_elem(&cpus, &cpu);

	if (!c)
		return NULL;
	if (c->tid != tid)
		c->resched_seen = 0;
	c->tid = tid;
	c->task = (__u64)t;
	return c;
}

/* Event e of the vCPU task current on cpu shows NEED_RESCHED clear: the
 * reschedule reported for it (resched_seen) is over, the next wake-up that
 * sets the flag is a request of its own. */
static __always_inline void resched_period_end(__u32 cpu, const struct kr_event *e)
{
	struct cpu_cur *c;

	if (!(e->flags & KR_F_TIF) || (e->tif & KR_TIF_NEED_RESCHED))
		return;
	c = bpf_map_lookup_elem(&cpus, &cpu);
	if (c && c->tid == e->tid)
		c->resched_seen = 0;
}

static __always_inline void cpu_clear_current(__u32 cpu, __u32 tid)
{
	struct cpu_cur *c = bpf_map_lookup_elem(&cpus, &cpu);

	if (c && c->tid == tid) {
		c->tid = 0;
		c->task = 0;
		c->resched_seen = 0;
	}
}

/* ---- KVM_RUN bracketing (x86) and guest entry/exit (x86, arm64) ---- */
#if !defined(__TARGET_ARCH_powerpc)

static __always_inline int on_kvm_fpu(int load)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, pid = id >> 32, cpu = bpf_get_smp_processor_id();
	struct cpu_cur *c = NULL;
	struct vstate *v;
	struct kr_event *e;

	if (load) {
		v = bpf_map_lookup_elem(&vcpus, &tid);
		if (!v)
			v = vcpu_register(t, tid, pid, current_vcpu_id(t));
		if (!v)
			return 0;
		v->in_run = 1;
		c = cpu_set_current(cpu, tid, t);
	} else {
		v = bpf_map_lookup_elem(&vcpus, &tid);
		if (!v)
			return 0;
		v->in_run = 0;
		if (merge_run_end) {
			v->run_end_ts = bpf_ktime_get_ns();
			return 0;
		}
	}
	e = ev_new_on(load ? KR_EV_RUN_BEGIN : KR_EV_RUN_END, tid, pid, cpu);
	if (!e)
		return 0;
	ev_vcpu(e, v);
	ev_current(e, v);
	if (c && !(e->tif & KR_TIF_NEED_RESCHED))
		c->resched_seen = 0;
	ev_submit(e);
	return 0;
}

/* ---- guest entry / exit (VMX, SVM, arm64) ---- */

#if !defined(__TARGET_ARCH_arm64)
static __always_inline __u32 x86_exit_reason(void *vcpu, __u8 *isa)
{
	if (bpf_core_type_exists(struct vcpu_svm___kr)) {
		*isa = KR_ISA_SVM;
		return BPF_CORE_READ((struct vcpu_svm___kr *)vcpu, vmcb, control.exit_code);
	}
	if (bpf_core_type_exists(struct vcpu_vmx___kr)) {
		*isa = KR_ISA_VMX;
		return BPF_CORE_READ((struct vcpu_vmx___kr *)vcpu, exit_reason.full) & 0xffff;
	}
	return 0xffffffff;
}
#endif

static __always_inline int on_guest(__u8 type, int vcpu_id, __u32 reason, __u8 isa)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, pid = id >> 32;
	struct vstate *v = bpf_map_lookup_elem(&vcpus, &tid);
	struct kr_event *e;

	if (!v && type == KR_EV_GUEST_ENTER)
		v = vcpu_register(t, tid, pid, vcpu_id >= 0 ? vcpu_id : current_vcpu_id(t));
	if (!v)
		return 0;
	if (vcpu_id >= 0)
		v->vcpu = vcpu_id;
	if (type == KR_EV_GUEST_ENTER)
		cpu_set_current(bpf_get_smp_processor_id(), tid, t);
	e = ev_new(type, tid, pid);
	if (!e)
		return 0;
	ev_vcpu(e, v);
	ev_current(e, v);
	resched_period_end(e->cpu, e);
	e->reason = reason;
	e->cause = isa;		/* guest exits: the vendor (1 VMX, 2 SVM, 3 arm64), for decoding */
	/* Both fire with irqs off on x86; arm64 traces the exit after
	 * local_irq_enable(), when the host has taken the exit's IRQ. */
	e->flags |= KR_F_IRQ;
#if defined(__TARGET_ARCH_arm64)
	if (type == KR_EV_GUEST_ENTER)
#endif
		e->flags |= KR_F_IRQS_OFF;
	ev_submit(e);
	return 0;
}

#endif

/* An event of the current task if it is a tracked vCPU task, with its vCPU
 * fields filled; NULL if it is not or the ring buffer is full. */
static __always_inline struct kr_event *cur_event(__u8 type, struct vstate **vp)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, pid = id >> 32;
	struct vstate *v = bpf_map_lookup_elem(&vcpus, &tid);
	struct kr_event *e;

	*vp = v;
	if (!v)
		return NULL;
	e = ev_new(type, tid, pid);
	if (!e)
		return NULL;
	ev_vcpu(e, v);
	ev_current(e, v);
	return e;
}

/* KVM_RUN returned to userspace: only a vCPU task does that, so one not
 * tracked yet (its first KVM_RUN ended before it entered the guest) is from
 * now on: a signal sent to it next is a request. */
static __always_inline int on_userspace_exit(__u32 reason, int err)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct vstate *v;
	struct kr_event *e;

	vcpu_register(t, (__u32)id, id >> 32, current_vcpu_id(t));
	e = cur_event(KR_EV_USER_EXIT, &v);

	if (!e)
		return 0;
	e->reason = reason;
	e->err = err;
	if (v->run_end_ts) {
		__u64 d = e->ts > v->run_end_ts ? e->ts - v->run_end_ts : 0;

		e->src_tid = d > 0xffffffffull ? 0xffffffff : (__u32)d;
		e->flags |= KR_F_RUN_END;
		v->run_end_ts = 0;
	}
	ev_submit(e);
	return 0;
}

/* ---- requests ---- */

/* KR_F_IN_IRQ for an event raised by the current task: the preempt count
 * says hardirq/NMI, or serving a softirq. */
static __always_inline __u16 in_irq_count(__u32 pc)
{
	return (pc & 0x00ff0000 /* HARDIRQ_MASK | NMI_MASK */) || (pc & 0x100 /* SOFTIRQ_OFFSET */) ? KR_F_IN_IRQ : 0;
}

#if defined(__TARGET_ARCH_x86)
/* x86 keeps the preempt count per CPU: __preempt_count (to 6.1, and again
 * from 6.15) or pcpu_hot.preempt_count (6.2 to 6.14), at this CPU's
 * __per_cpu_offset.  Typeless weak ksyms, which libbpf takes from
 * /proc/kallsyms: a kernel without CONFIG_KALLSYMS_ALL lists none of them,
 * they are 0 and the flag stays unknown (typed ones would fail the load
 * there: the verifier looks them up in kallsyms). */
extern const void __preempt_count __ksym __weak;
extern const void pcpu_hot __ksym __weak;
extern const void __per_cpu_offset __ksym __weak;
struct pcpu_hot___kr {
	int preempt_count;
} __attribute__((preserve_access_index));

static __always_inline __u16 current_in_irq(void)
{
	unsigned long base, addr;
	int pc;

	if (&__preempt_count)
		addr = (unsigned long)&__preempt_count;
	else if (bpf_core_type_exists(struct pcpu_hot___kr) && &pcpu_hot)
		addr = (unsigned long)&pcpu_hot + bpf_core_field_offset(struct pcpu_hot___kr, preempt_count);
	else
		return 0;
	if (!&__per_cpu_offset ||
	    bpf_probe_read_kernel(&base, sizeof(base),
				  (const unsigned long *)&__per_cpu_offset + bpf_get_smp_processor_id()) ||
	    bpf_probe_read_kernel(&pc, sizeof(pc), (const void *)(base + addr)))
		return 0;
	return in_irq_count((__u32)pc);
}
#else
/* POWER and arm64 keep it in thread_info. */
static __always_inline __u16 current_in_irq(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	return in_irq_count((__u32)BPF_CORE_READ(t, thread_info.preempt_count));
}
#endif

static __always_inline int on_signal_generate(int sig, __u32 ttid, int result)
{
	struct vstate *v;
	struct kr_event *e;
	__u64 id;

	/* TRACE_SIGNAL_DELIVERED 0 and ALREADY_PENDING 2 leave a signal pending;
	 * ignored, overflow and lose-info results do not. */
	if (result != 0 && result != 2)
		return 0;
	v = bpf_map_lookup_elem(&vcpus, &ttid);
	if (!v)
		return 0;
	e = ev_new(KR_EV_REQUEST, ttid, v->pid);
	if (!e)
		return 0;
	id = bpf_get_current_pid_tgid();
	ev_vcpu(e, v);
	ev_task(e, (struct task_struct *)v->task, v);
	e->cause = KR_CAUSE_SIGNAL;
	e->reason = sig;
	e->err = result;
	e->src_tid = (__u32)id;
	e->flags |= current_in_irq();
	ev_submit(e);
	return 0;
}

static __always_inline int on_signal_deliver(int sig)
{
	struct vstate *v;
	struct kr_event *e = cur_event(KR_EV_SIG_DELIVER, &v);

	if (!e)
		return 0;
	e->reason = sig;
	ev_submit(e);
	return 0;
}

/* The vCPU task of ours running on target_cpu that a wake-up of task wtid
 * (of process wtgid) there concerns: not the task itself, not the tracer's
 * own; NULL if none. */
static __always_inline struct vstate *woken_onto(__u32 wtid, __u32 wtgid, __u32 target_cpu, struct cpu_cur **cp,
						 __u32 *vtid)
{
	struct cpu_cur *c = bpf_map_lookup_elem(&cpus, &target_cpu);

	*cp = c;
	if (!c || !c->tid || c->tid == wtid || wtgid == self_tgid)
		return NULL;
	*vtid = c->tid;
	return bpf_map_lookup_elem(&vcpus, vtid);
}

/* The sched_wakeup of task wtid onto the CPU of c, whose waking was handed on
 * for a vCPU task: if that task does not run there, the wake-up placed the
 * woken task elsewhere (sched_waking names its previous CPU; an RT task is
 * pushed off an RT vCPU's CPU) and the waking is void (KR_F_ELSEWHERE). */
static __always_inline void waking_landed(__u32 wtid, const struct cpu_cur *c)
{
	__u32 *p = bpf_map_lookup_elem(&wakings, &wtid), vtid;
	struct vstate *v;
	struct kr_event *e;

	if (!p)
		return;
	vtid = *p;
	bpf_map_delete_elem(&wakings, &wtid);
	if ((c && c->tid == vtid) || !(v = bpf_map_lookup_elem(&vcpus, &vtid)))
		return;
	e = ev_new(KR_EV_WAKING, vtid, v->pid);
	if (!e)
		return;
	ev_vcpu(e, v);
	e->reason = wtid;
	e->src_tid = (__u32)bpf_get_current_pid_tgid();
	e->flags |= KR_F_ELSEWHERE;
	ev_submit(e);
}

/* A wake-up on the CPU a vCPU task is running on: if it left the vCPU task
 * with TIF_NEED_RESCHED set, that is a reschedule request for it (one per
 * NEED_RESCHED period; lazy resched alone is not a request). */
static __always_inline int on_wakeup(__u32 wtid, __u32 wtgid, __u32 target_cpu)
{
	struct cpu_cur *c;
	struct kr_event *e;
	__u32 vtid = 0;
	struct vstate *v = woken_onto(wtid, wtgid, target_cpu, &c, &vtid);
	struct task_struct *vt;

	waking_landed(wtid, c);	/* woken_onto looked c up whatever it returns */
	if (!v || !c)
		return 0;
	vt = (struct task_struct *)c->task;
	if (!(tif_norm(task_tif(vt)) & KR_TIF_NEED_RESCHED)) {
		c->resched_seen = 0;
		return 0;
	}
	if (c->resched_seen)
		return 0;
	c->resched_seen = 1;
	e = ev_new(KR_EV_REQUEST, vtid, v->pid);
	if (!e)
		return 0;
	ev_vcpu(e, v);
	ev_task(e, vt, v);
	e->cause = KR_CAUSE_RESCHED;	/* on this CPU: the waker's, or the vCPU's (wake list) */
	e->reason = wtid;
	e->src_tid = (__u32)bpf_get_current_pid_tgid();
	e->flags |= current_in_irq();
	ev_submit(e);
	return 0;
}

/* sched_waking of a task that preempts by priority (RT) the vCPU task of ours
 * running on its CPU (fired on the waker's CPU, before the wake list's IPI):
 * the earliest event of the reschedule request it becomes if its wake-up then
 * leaves the vCPU task with NEED_RESCHED (the engine pairs them by the woken
 * task).  target_cpu is the task's CPU at waking, before the wake-up places
 * it: an unconfirmed waking counts as a late exit's request, so only those
 * the text importer takes too (a CFS task, e.g. rcu_preempt, woken from a
 * vCPU's CPU onto another was a late exit of 10 ms, "not kicked"). */
static __always_inline int on_waking(__u32 wtid, __u32 wtgid, __u32 target_cpu, int prio)
{
	struct cpu_cur *c;
	struct kr_event *e;
	__u32 vtid = 0;
	struct vstate *v = woken_onto(wtid, wtgid, target_cpu, &c, &vtid);
	struct task_struct *vt;

	if (!v || !c)
		return 0;
	vt = (struct task_struct *)c->task;
	if (prio >= BPF_CORE_READ(vt, prio))
		return 0;
	e = ev_new(KR_EV_WAKING, vtid, v->pid);
	if (!e)
		return 0;
	ev_vcpu(e, v);
	e->reason = wtid;
	e->src_tid = (__u32)bpf_get_current_pid_tgid();
	e->flags |= current_in_irq();
	ev_submit(e);
	bpf_map_update_elem(&wakings, &wtid, &vtid, BPF_ANY);
	return 0;
}

#define KVM_RUN_IOCTL 0xae80

/* Kernel threads and user workers (e.g. kvm-nx-lpage-recovery, created from a
 * vCPU's KVM_RUN) carry a copy of their creator's syscall registers. */
#define KR_PF_NOT_USER (0x00200000 /* PF_KTHREAD */ | 0x00004000 /* PF_USER_WORKER */ | \
			0x00000010 /* PF_IO_WORKER */)

/* Is the task inside ioctl(fd, KVM_RUN)?  Its syscall entry registers say. */
static __always_inline bool regs_in_kvm_run(struct task_struct *t, struct pt_regs *regs)
{
	unsigned long nr, cmd;

	if (!regs || (BPF_CORE_READ(t, flags) & KR_PF_NOT_USER))
		return false;
#if defined(__TARGET_ARCH_x86)
	nr = BPF_CORE_READ(regs, orig_ax);
	cmd = BPF_CORE_READ(regs, si);
	return nr == 16 && cmd == KVM_RUN_IOCTL;
#elif defined(__TARGET_ARCH_arm64)
	nr = BPF_CORE_READ((struct user_pt_regs *)regs, regs[8]);
	cmd = PT_REGS_PARM2_CORE_SYSCALL(regs);
	return nr == 29 && cmd == KVM_RUN_IOCTL;
#elif defined(__TARGET_ARCH_powerpc)
	nr = BPF_CORE_READ(regs, gpr[0]);
	cmd = BPF_CORE_READ(regs, gpr[4]);
	return nr == 54 && cmd == KVM_RUN_IOCTL;
#else
	return false;
#endif
}

/* A seeded candidate being switched out inside KVM_RUN: a vCPU whose run
 * began before tracing.  Start tracking it as in KVM_RUN from now. */
static __always_inline struct vstate *join_running_vcpu(__u32 tid)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct vstate *v;
	struct kr_event *e;

	if (!bpf_map_lookup_elem(&cands, &tid))
		return NULL;
	bpf_map_delete_elem(&cands, &tid);
	{
	struct pt_regs *regs = current_regs();
	int vcpu_id;

	if ((__u32)id != tid || !regs_in_kvm_run(t, regs))
		return NULL;
	vcpu_id = task_vcpu_id(t, regs);
	if (vcpu_id < 0)
		return NULL;
	v = vcpu_register(t, tid, id >> 32, vcpu_id);
	if (!v)
		return NULL;
	v->in_run = 1;
	e = ev_new(KR_EV_RUN_BEGIN, tid, id >> 32);
	if (e) {
		ev_vcpu(e, v);
		ev_task(e, t, v);
		e->err = 1;	/* joined a KVM_RUN already in progress */
		ev_submit(e);
	}
	return v;
	}
}

/* Run once at start over every task: vCPU tasks already inside KVM_RUN
 * (running or preempted) are tracked from now, as if their run began. */
SEC("iter/task")
int seed_running_vcpus(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct pt_regs *regs;
	struct vstate *v;
	struct kr_event *e;
	__u32 tid, pid, cpu;
	int vcpu_id;

	if (!t)
		return 0;
	tid = t->pid;
	pid = t->tgid;
	if (bpf_map_lookup_elem(&vcpus, &tid))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(t);
	if (!regs_in_kvm_run(t, regs))
		return 0;
	vcpu_id = task_vcpu_id(t, regs);
	if (vcpu_id < 0)
		return 0;
	v = vcpu_register(t, tid, pid, vcpu_id);
	if (!v)
		return 0;
	v->in_run = 1;
	cpu = task_cpu_of(t);
	if (BPF_CORE_READ(t, on_cpu))
		cpu_set_current(cpu, tid, t);
	e = ev_new(KR_EV_RUN_BEGIN, tid, pid);
	if (!e)
		return 0;
	ev_vcpu(e, v);
	ev_task(e, t, v);
	e->cpu = cpu;
	e->err = 1;	/* joined a KVM_RUN already in progress */
	ev_submit(e);
	if (!BPF_CORE_READ(t, on_cpu)) {	/* preempted inside KVM_RUN */
		e = ev_new(KR_EV_SWITCH_OUT, tid, pid);
		if (!e)
			return 0;
		ev_vcpu(e, v);
		ev_task(e, t, v);
		e->cpu = cpu;
		ev_submit(e);
	}
	return 0;
}

static __always_inline int on_switch(bool preempt, __u32 prev_tid, __u32 next_tid, long prev_state)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct vstate *v;
	struct kr_event *e;

	v = bpf_map_lookup_elem(&vcpus, &prev_tid);
	if (!v)
		v = join_running_vcpu(prev_tid);
	if (v) {
		cpu_clear_current(cpu, prev_tid);
		if (v->run_end_ts) {	/* preempted between KVM_RUN end and its exit */
			e = ev_new(KR_EV_RUN_END, prev_tid, v->pid);
			if (e) {
				e->ts = v->run_end_ts;
				ev_vcpu(e, v);
				ev_tif(e, (struct task_struct *)v->task);
				ev_submit(e);
			}
			v->run_end_ts = 0;
		}
		e = ev_new(KR_EV_SWITCH_OUT, prev_tid, v->pid);
		if (e) {
			ev_vcpu(e, v);
			ev_task(e, (struct task_struct *)v->task, v);
			e->err = (__s32)prev_state;
			if (preempt)
				e->flags |= KR_F_PREEMPT;
			ev_submit(e);
		}
	}
	v = bpf_map_lookup_elem(&vcpus, &next_tid);
	if (v) {
		cpu_set_current(cpu, next_tid, (struct task_struct *)v->task);
		e = ev_new(KR_EV_SWITCH_IN, next_tid, v->pid);
		if (e) {
			ev_vcpu(e, v);
			ev_task(e, (struct task_struct *)v->task, v);
			ev_submit(e);
		}
	}
	return 0;
}

/* ---- tp_btf and raw_tp: same arguments, same handlers ---- */

#define BTF_AND_RAW(hook, args, body)				\
	SEC("tp_btf/" #hook) int BPF_PROG(tpbtf__##hook, args) body	\
	SEC("raw_tp/" #hook) int BPF_PROG(raw__##hook, args) body

#define COMMA ,

/* A tracepoint's pointer argument that may be NULL to the verifier: tp_btf
 * arguments are PTR_MAYBE_NULL on 6.12 (stable; upstream 6.13, reverted in
 * 6.14 for __nullable names), where any arithmetic on one before a NULL
 * check fails the load ("pointer arithmetic on trusted_ptr_or_null_
 * prohibited", Debian 12's 6.12 kernel). */
#define NONNULL(p) do { if (!(p)) return 0; } while (0)

BTF_AND_RAW(kvm_userspace_exit, __u32 reason COMMA int err, { return on_userspace_exit(reason, err); })
#if !defined(__TARGET_ARCH_powerpc)
BTF_AND_RAW(kvm_fpu, int load, { return on_kvm_fpu(load); })
#if defined(__TARGET_ARCH_arm64)
static __always_inline __u32 arm64_exit_reason(int ret, unsigned int esr_ec)
{
	return ((__u32)ret & 0xff) << 8 | (esr_ec & 0x3f);
}
BTF_AND_RAW(kvm_entry, unsigned long pc, { return on_guest(KR_EV_GUEST_ENTER, -1, 0, 0); })
BTF_AND_RAW(kvm_exit, int ret COMMA unsigned int esr_ec COMMA unsigned long pc,
	    { return on_guest(KR_EV_GUEST_EXIT, -1, arm64_exit_reason(ret, esr_ec), KR_ISA_ARM64); })
#else
BTF_AND_RAW(kvm_entry, struct kvm_vcpu___kr *vcpu,
	    { NONNULL(vcpu); return on_guest(KR_EV_GUEST_ENTER, BPF_CORE_READ(vcpu, vcpu_id), 0, 0); })
BTF_AND_RAW(kvm_exit, struct kvm_vcpu___kr *vcpu,
	    { __u8 isa = 0; __u32 r; NONNULL(vcpu); r = x86_exit_reason(vcpu, &isa);
	      return on_guest(KR_EV_GUEST_EXIT, BPF_CORE_READ(vcpu, vcpu_id), r, isa); })
#endif
#endif
BTF_AND_RAW(signal_generate,
	    int sig COMMA struct kernel_siginfo *info COMMA struct task_struct *t COMMA int group COMMA int result,
	    { NONNULL(t); return on_signal_generate(sig, BPF_CORE_READ(t, pid), result); })
BTF_AND_RAW(signal_deliver, int sig, { return on_signal_deliver(sig); })
BTF_AND_RAW(sched_switch,
	    bool preempt COMMA struct task_struct *prev COMMA struct task_struct *next COMMA unsigned int prev_state,
	    { NONNULL(prev); NONNULL(next);
	      return on_switch(preempt, BPF_CORE_READ(prev, pid), BPF_CORE_READ(next, pid), prev_state); })
BTF_AND_RAW(sched_wakeup, struct task_struct *p,
	    { NONNULL(p); return on_wakeup(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid), task_cpu_of(p)); })
BTF_AND_RAW(sched_waking, struct task_struct *p,
	    { NONNULL(p);
	      return on_waking(BPF_CORE_READ(p, pid), BPF_CORE_READ(p, tgid), task_cpu_of(p), BPF_CORE_READ(p, prio)); })

/* A vCPU task exits: forget it (its tid may be reused by any task). */
static __always_inline int on_exit(__u32 tid)
{
	bpf_map_delete_elem(&vcpus, &tid);
	bpf_map_delete_elem(&cands, &tid);
	return 0;
}

BTF_AND_RAW(sched_process_exit, struct task_struct *p, { NONNULL(p); return on_exit(BPF_CORE_READ(p, pid)); })

/* ---- host interrupts taken while a vCPU task of ours runs: a kick that
 * lands between the last request check and the guest entry is consumed in
 * the host (the 2017 race's signature).  tp_btf/raw_tp only: a classic
 * tracepoint program in hard-IRQ context is skipped whenever it interrupts
 * another classic program (the per-CPU bpf_prog_active), and each skip would
 * count as a lost event. ---- */
/* kind: an enum kr_irq_kind, or 0 for a device interrupt, an IPI where its
 * action is named so (POWER8's XICS: "IPI"), read only for a vCPU task. */
static __always_inline int on_host_irq_action(__u32 kind, struct irqaction *action)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct vstate *v = bpf_map_lookup_elem(&vcpus, &tid);
	struct kr_event *e;
	char n[4] = {};

	if (!v)
		return 0;
	if (!kind) {
		NONNULL(action);
		bpf_probe_read_kernel_str(n, sizeof(n), BPF_CORE_READ(action, name));
		kind = n[0] == 'I' && n[1] == 'P' && n[2] == 'I' && !n[3] ? KR_IRQ_IPI : KR_IRQ_DEVICE;
	}
	e = ev_new(KR_EV_HOST_IRQ, tid, v->pid);
	if (!e)
		return 0;
	e->reason = kind;
	ev_submit(e);
	return 0;
}

static __always_inline int on_host_irq(__u32 kind)
{
	return on_host_irq_action(kind, NULL);
}

/* ---- IPIs sent to a CPU a vCPU task runs on: its kick, for the late exits'
 * "was it kicked, and how soon".  tp_btf/raw_tp only, as above. ---- */
static __always_inline void ipi_sent_to(__u32 target)
{
	struct cpu_cur *cc = bpf_map_lookup_elem(&cpus, &target);
	__u64 id;
	struct kr_event *e;

	if (!cc || !cc->tid)
		return;
	id = bpf_get_current_pid_tgid();
	e = ev_new(KR_EV_IPI_SEND, (__u32)id, id >> 32);
	if (!e)
		return;
	e->reason = target;
	ev_submit(e);
}

BTF_AND_RAW(ipi_send_cpu, unsigned int cpu COMMA unsigned long callsite COMMA void *callback,
	    { ipi_sent_to(cpu); return 0; })
#if defined(__TARGET_ARCH_arm64)
/* arm64 before 6.4: ipi_raise, to a cpumask (its first 64 CPUs). */
static __always_inline int ipi_sent_mask(const struct cpumask *mask)
{
	__u64 bits = 0;
	__u32 i;

	bpf_probe_read_kernel(&bits, sizeof(bits), &mask->bits[0]);
	for (i = 0; i < 64 && bits; i++, bits >>= 1)
		if (bits & 1)
			ipi_sent_to(i);
	return 0;
}

BTF_AND_RAW(ipi_raise, const struct cpumask *mask COMMA const char *reason,
	    { NONNULL(mask); return ipi_sent_mask(mask); })
#endif

BTF_AND_RAW(irq_handler_entry, int irq COMMA struct irqaction *action, { return on_host_irq_action(0, action); })
#if defined(__TARGET_ARCH_x86)
BTF_AND_RAW(reschedule_entry, int vector, { return on_host_irq(KR_IRQ_RESCHED); })
BTF_AND_RAW(call_function_entry, int vector, { return on_host_irq(KR_IRQ_IPI); })
BTF_AND_RAW(call_function_single_entry, int vector, { return on_host_irq(KR_IRQ_IPI); })
BTF_AND_RAW(local_timer_entry, int vector, { return on_host_irq(KR_IRQ_TIMER); })
#elif defined(__TARGET_ARCH_arm64)
BTF_AND_RAW(ipi_entry, const char *reason, { return on_host_irq(KR_IRQ_IPI); })
#elif defined(__TARGET_ARCH_powerpc)
BTF_AND_RAW(doorbell_entry, void *regs, { return on_host_irq(KR_IRQ_DOORBELL); })
BTF_AND_RAW(irq_entry, void *regs, { return on_host_irq(KR_IRQ_EXTERNAL); })
BTF_AND_RAW(timer_interrupt_entry, void *regs, { return on_host_irq(KR_IRQ_TIMER); })
#endif

/* KVM_RUN begins (enter) or ends in the current task: the vCPU tracked (and
 * on enter registered with vcpu_id), marked in or out of its run, and the
 * event reserved for the caller to complete and submit; NULL if the task is
 * not a vCPU of ours or the ring is full.  The bracket of the function hook
 * (x86/arm64) and of POWER's kvmppc_run_vcpu_enter/exit. */
static __always_inline struct kr_event *run_bracket(bool enter, int vcpu_id, __u32 *cpu_out)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, pid = id >> 32, cpu = bpf_get_smp_processor_id();
	struct vstate *v = enter ? vcpu_register(t, tid, pid, vcpu_id) : bpf_map_lookup_elem(&vcpus, &tid);
	struct kr_event *e;

	if (!v)
		return NULL;
	v->in_run = enter;
	if (enter)
		cpu_set_current(cpu, tid, t);
	e = ev_new_on(enter ? KR_EV_RUN_BEGIN : KR_EV_USER_EXIT, tid, pid, cpu);
	if (!e)
		return NULL;
	ev_vcpu(e, v);
	ev_current(e, v);
	if (cpu_out)
		*cpu_out = cpu;
	return e;
}

#if !defined(__TARGET_ARCH_powerpc)
/* ---- functions: kvm_arch_vcpu_ioctl_run brackets KVM_RUN (fentry/fexit,
 * else kprobe/kretprobe), where kvm_fpu is absent (arm64) or by --attach ---- */

static __always_inline int on_run_fn(struct kvm_vcpu___kr *vcpu, bool enter, int ret)
{
	struct kr_event *e = run_bracket(enter, enter && vcpu ? BPF_CORE_READ(vcpu, vcpu_id) : -1, NULL);

	if (!e)
		return 0;
	if (!enter) {
		e->err = ret;
		if (vcpu)
			e->reason = BPF_CORE_READ(vcpu, run, exit_reason);
	}
	ev_submit(e);
	return 0;
}

SEC("fentry/kvm_arch_vcpu_ioctl_run")
int BPF_PROG(fentry__kvm_arch_vcpu_ioctl_run, struct kvm_vcpu___kr *vcpu)
{
	return on_run_fn(vcpu, true, 0);
}

SEC("fexit/kvm_arch_vcpu_ioctl_run")
int BPF_PROG(fexit__kvm_arch_vcpu_ioctl_run, struct kvm_vcpu___kr *vcpu, int ret)
{
	return on_run_fn(vcpu, false, ret);
}

SEC("kprobe/kvm_arch_vcpu_ioctl_run")
int BPF_KPROBE(kprobe__kvm_arch_vcpu_ioctl_run, struct kvm_vcpu___kr *vcpu)
{
	return on_run_fn(vcpu, true, 0);
}

SEC("kretprobe/kvm_arch_vcpu_ioctl_run")
int BPF_KRETPROBE(kretprobe__kvm_arch_vcpu_ioctl_run, int ret)
{
	return on_run_fn(NULL, false, ret);	/* the vcpu is not known at return */
}
#endif

/* ---- classic tracepoints: the record as the kernel formats it ---- */

SEC("tracepoint/kvm/kvm_userspace_exit")
int tp__kvm_userspace_exit(struct trace_event_raw_kvm_userspace_exit___kr *ctx)
{
	return on_userspace_exit(BPF_CORE_READ(ctx, reason), BPF_CORE_READ(ctx, errno));
}

#if !defined(__TARGET_ARCH_powerpc)
SEC("tracepoint/kvm/kvm_fpu")
int tp__kvm_fpu(struct trace_event_raw_kvm_fpu___kr *ctx)
{
	return on_kvm_fpu(BPF_CORE_READ(ctx, load));
}

#if defined(__TARGET_ARCH_arm64)
SEC("tracepoint/kvm/kvm_entry")
int tp__kvm_entry(void *ctx)
{
	return on_guest(KR_EV_GUEST_ENTER, -1, 0, 0);
}

SEC("tracepoint/kvm/kvm_exit")
int tp__kvm_exit(struct trace_event_raw_kvm_exit___arm64 *ctx)
{
	return on_guest(KR_EV_GUEST_EXIT, -1, arm64_exit_reason(BPF_CORE_READ(ctx, ret), BPF_CORE_READ(ctx, esr_ec)),
			KR_ISA_ARM64);
}
#else
SEC("tracepoint/kvm/kvm_entry")
int tp__kvm_entry(struct trace_event_raw_kvm_entry___kr *ctx)
{
	return on_guest(KR_EV_GUEST_ENTER, BPF_CORE_READ(ctx, vcpu_id), 0, 0);
}

SEC("tracepoint/kvm/kvm_exit")
int tp__kvm_exit(struct trace_event_raw_kvm_exit___kr *ctx)
{
	return on_guest(KR_EV_GUEST_EXIT, BPF_CORE_READ(ctx, vcpu_id), BPF_CORE_READ(ctx, exit_reason),
			bpf_core_field_exists(ctx->isa) ? BPF_CORE_READ(ctx, isa) : 0);
}
#endif
#endif

SEC("tracepoint/signal/signal_generate")
int tp__signal_generate(struct trace_event_raw_signal_generate *ctx)
{
	return on_signal_generate(ctx->sig, ctx->pid, ctx->result);
}

SEC("tracepoint/signal/signal_deliver")
int tp__signal_deliver(struct trace_event_raw_signal_deliver *ctx)
{
	return on_signal_deliver(ctx->sig);
}

SEC("tracepoint/sched/sched_switch")
int tp__sched_switch(struct trace_event_raw_sched_switch *ctx)
{
	/* No preempt flag in the record (prev_state R tells it instead). */
	return on_switch(false, ctx->prev_pid, ctx->next_pid, ctx->prev_state);
}

SEC("tracepoint/sched/sched_wakeup")
int tp__sched_wakeup(struct trace_event_raw_sched_wakeup_template *ctx)
{
	/* No tgid in the record: the tracer's own threads are told by pid range
	 * only in the tp_btf/raw_tp variants; here compare the pid itself. */
	return on_wakeup(ctx->pid, ctx->pid, ctx->target_cpu);
}

SEC("tracepoint/sched/sched_waking")
int tp__sched_waking(struct trace_event_raw_sched_wakeup_template *ctx)
{
	return on_waking(ctx->pid, ctx->pid, ctx->target_cpu, ctx->prio);	/* the record's prio: the task's */
}

SEC("tracepoint/sched/sched_process_exit")
int tp__sched_process_exit(struct trace_event_raw_sched_process_template *ctx)
{
	return on_exit(ctx->pid);
}

#if defined(__TARGET_ARCH_powerpc)
/* ---- POWER KVM-HV (kvm_hv module tracepoints; raw_tp/tp_btf only: the
 * classic records' types live in the module's BTF) ---- */

/* Per-CPU PACA pointers (r13 in the kernel), filled by paca_probe while
 * userland visits every CPU: Debian's kernel has no BTF and no data symbols
 * in kallsyms, so paca_ptrs[] cannot be found from BPF. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);	/* resized to the possible CPUs */
	__type(key, __u32);
	__type(value, __u64);
} pacas SEC(".maps");

SEC("kprobe")
int paca_probe(struct pt_regs *ctx)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 paca = BPF_CORE_READ(ctx, gpr[13]);

	bpf_map_update_elem(&pacas, &cpu, &paca, BPF_ANY);
	return 0;
}

/* Before 4.16 the PACA had soft_enabled (1 = enabled) instead of irq_soft_mask. */
struct paca_struct___old {
	u8 soft_enabled;
} __attribute__((preserve_access_index));

static __always_inline void ev_paca(struct kr_event *e, __u32 cpu)
{
	__u64 *pp = bpf_map_lookup_elem(&pacas, &cpu);
	struct paca_struct *p;
	__u8 mask;

	if (!pp || !*pp)
		return;
	p = (struct paca_struct *)*pp;
	if (bpf_core_field_exists(p->irq_soft_mask))
		mask = BPF_CORE_READ(p, irq_soft_mask);
	else
		mask = BPF_CORE_READ((struct paca_struct___old *)p, soft_enabled) ? 0 : 3;
	e->soft_mask = mask;
	e->irq_happened = BPF_CORE_READ(p, irq_happened);
	e->flags |= KR_F_PACA | KR_F_IRQ;
	if (mask)
		e->flags |= KR_F_IRQS_OFF;
}

/* kvmppc_run_vcpu_enter/exit bracket kvmppc_vcpu_run_hv (KVM_RUN) in the
 * vCPU task itself. */
static __always_inline int on_ppc_run(struct kvm_vcpu *vcpu, bool enter)
{
	__u32 cpu;
	struct kr_event *e = run_bracket(enter, enter ? BPF_CORE_READ(vcpu, vcpu_id) : -1, &cpu);

	if (!e)
		return 0;
	ev_paca(e, cpu);
	resched_period_end(cpu, e);
	if (!enter) {
		e->reason = BPF_CORE_READ(vcpu, run, exit_reason);
		e->err = BPF_CORE_READ(vcpu, arch.ret);
		if (KR_PPC_RESUMES(e->err)) {	/* the loop goes on: still in KVM_RUN */
			__u32 tid = e->tid;	/* a map key from the stack, not the ring buffer */
			struct vstate *v = bpf_map_lookup_elem(&vcpus, &tid);

			e->flags |= KR_F_LOOP;
			if (v)
				v->in_run = 1;
		}
	}
	ev_submit(e);
	return 0;
}

/* kvm_guest_enter/exit: one per vCPU per guest run (on the vcore path the
 * runner fires them for every vCPU of the core): the vCPU task is its
 * run_task, not necessarily current. */
static __always_inline int on_ppc_guest(struct kvm_vcpu *vcpu, bool enter)
{
	struct task_struct *t = BPF_CORE_READ(vcpu, arch.run_task);
	__u32 tid, pid, cpu = bpf_get_smp_processor_id();
	struct vstate *v;
	struct kr_event *e;

	if (!t)
		return 0;
	tid = BPF_CORE_READ(t, pid);
	pid = BPF_CORE_READ(t, tgid);
	/* registered with its id (the task may be known from a KVM_RUN that
	 * returned before, without one) */
	v = enter ? vcpu_register(t, tid, pid, BPF_CORE_READ(vcpu, vcpu_id)) : bpf_map_lookup_elem(&vcpus, &tid);
	if (!v)
		return 0;
	if (enter)
		cpu_set_current(cpu, tid, t);
	e = ev_new_on(enter ? KR_EV_GUEST_ENTER : KR_EV_GUEST_EXIT, tid, pid, cpu);
	if (!e)
		return 0;
	ev_vcpu(e, v);
	ev_task(e, t, v);
	ev_paca(e, cpu);
	resched_period_end(cpu, e);
	if (!enter) {
		e->reason = (__u32)BPF_CORE_READ(vcpu, arch.trap);
		if (!e->reason)	/* trap 0: the entry was aborted (or handled inline) */
			e->flags |= KR_F_ABORTED;
	}
	ev_submit(e);
	return 0;
}

static __always_inline int on_ppc_run_core(struct kvmppc_vcore *vc, int where)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, cpu = bpf_get_smp_processor_id();
	struct vstate *v = bpf_map_lookup_elem(&vcpus, &tid);
	struct kr_event *e;

	if (!v)
		return 0;
	e = ev_new_on(KR_EV_VCORE, tid, v->pid, cpu);
	if (!e)
		return 0;
	ev_vcpu(e, v);
	ev_current(e, v);
	ev_paca(e, cpu);
	e->reason = where;
	e->err = BPF_CORE_READ(vc, n_runnable);
	ev_submit(e);
	return 0;
}

BTF_AND_RAW(kvmppc_run_vcpu_enter, struct kvm_vcpu *vcpu, { NONNULL(vcpu); return on_ppc_run(vcpu, true); })
BTF_AND_RAW(kvmppc_run_vcpu_exit, struct kvm_vcpu *vcpu, { NONNULL(vcpu); return on_ppc_run(vcpu, false); })
BTF_AND_RAW(kvm_guest_enter, struct kvm_vcpu *vcpu, { NONNULL(vcpu); return on_ppc_guest(vcpu, true); })
BTF_AND_RAW(kvm_guest_exit, struct kvm_vcpu *vcpu, { NONNULL(vcpu); return on_ppc_guest(vcpu, false); })
BTF_AND_RAW(kvmppc_run_core, struct kvmppc_vcore *vc COMMA int where,
	    { NONNULL(vc); return on_ppc_run_core(vc, where); })
#endif
