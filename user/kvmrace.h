/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmrace event model, shared by the BPF programs and userland.
 *
 * Every event is one fixed 64-byte record.  Timestamps are CLOCK_MONOTONIC
 * nanoseconds (bpf_ktime_get_ns()) for every source.  The same record layout
 * is the body of the binary recording format (docs/recording-format.md), so
 * it is part of the on-disk contract: add fields only in the padding, never
 * move one.
 */
#ifndef KVMRACE_H
#define KVMRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define KR_COMM_LEN 16

/* Event types (kr_event.type). */
enum kr_type {
	KR_EV_NONE = 0,
	KR_EV_RUN_BEGIN = 1,	/* KVM_RUN starts (x86/arm64: kvm_fpu load) */
	KR_EV_RUN_END = 2,	/* KVM_RUN's guest loop ends (kvm_fpu unload) */
	KR_EV_USER_EXIT = 3,	/* kvm_userspace_exit: reason = exit_reason, err = errno */
	KR_EV_GUEST_ENTER = 4,	/* kvm_entry / kvm_guest_enter / kvmppc_run_core(0) */
	KR_EV_GUEST_EXIT = 5,	/* kvm_exit / kvm_guest_exit: reason = exit reason or trap */
	KR_EV_SWITCH_OUT = 6,	/* vCPU task switched out; err = prev_state, F_PREEMPT */
	KR_EV_SWITCH_IN = 7,	/* vCPU task switched in on cpu */
	KR_EV_REQUEST = 8,	/* a request raised for the vCPU task (cause), on cpu: signal_generate
				 * (reason: signo), sched_wakeup leaving it NEED_RESCHED (reason: the
				 * woken task) */
	KR_EV_SIG_DELIVER = 9,	/* signal delivered to (consumed by) the vCPU task */
	KR_EV_VCORE = 10,	/* POWER kvmppc_run_core: reason = where (0 enter, 1 exit), err = n_runnable */
	KR_EV_HOST_IRQ = 11,	/* the host took an interrupt on cpu (tid: the task it interrupted);
				 * reason = enum kr_irq_kind.  BPF: only those that interrupted a vCPU task. */
	KR_EV_IPI_SEND = 12,	/* an IPI sent from cpu (tid: the sender) to CPU reason: the kick
				 * of a vCPU in the guest.  BPF: only to CPUs a vCPU task runs on. */
	KR_EV_WAKING = 13,	/* sched_waking on cpu (the waker's; src_tid the waker) of task
				 * reason onto the CPU vCPU task tid runs on: the earliest event
				 * of a reschedule request, if the wake-up then preempts it;
				 * with KR_F_ELSEWHERE: that wake-up placed the task on
				 * another CPU, the earlier waking of it is void */
	KR_EV_MAX_EVENT = 14,

	/* Recording-only meta records (struct kr_meta). */
	KR_REC_LOST = 100,	/* cumulative loss counters: v[0] ring drops, v[1] untracked vCPUs */
	KR_REC_END = 101,	/* clean end: v[0] duration ns, v[1] command status + 1 (0: none) */
};

/* Host interrupt events (kr_event.reason for KR_EV_HOST_IRQ). */
enum kr_irq_kind {
	KR_IRQ_DEVICE = 1,	/* irq:irq_handler_entry */
	KR_IRQ_IPI = 2,		/* ipi:ipi_entry (arm64), irq_vectors:call_function*_entry (x86) */
	KR_IRQ_RESCHED = 3,	/* irq_vectors:reschedule_entry (x86) */
	KR_IRQ_DOORBELL = 4,	/* powerpc:doorbell_entry (the POWER9 IPI) */
	KR_IRQ_EXTERNAL = 5,	/* powerpc:irq_entry */
	KR_IRQ_TIMER = 6,	/* powerpc:timer_interrupt_entry, irq_vectors:local_timer_entry */
	KR_NR_IRQ_KINDS = 7,
};

/* Request causes (kr_event.cause for KR_EV_REQUEST). */
enum kr_cause {
	KR_CAUSE_SIGNAL = 0,	/* signal generated for the vCPU task (reason = signo) */
	KR_CAUSE_RESCHED = 1,	/* reschedule requested for the CPU it runs on */
	KR_NR_CAUSES = 2,
};

/* Normalised TIF flags (kr_event.tif), whatever the arch's bit numbers. */
#define KR_TIF_SIGPENDING	0x1
#define KR_TIF_NOTIFY_SIGNAL	0x2
#define KR_TIF_NEED_RESCHED	0x4
#define KR_TIF_NEED_RESCHED_LAZY 0x8
#define KR_TIF_SIGNAL_MASK	(KR_TIF_SIGPENDING | KR_TIF_NOTIFY_SIGNAL)

/* kr_event.flags */
#define KR_F_TIF	0x0001	/* tif is known */
#define KR_F_IRQ	0x0002	/* irqs_off / soft_mask / irq_happened are known */
#define KR_F_IRQS_OFF	0x0004	/* interrupts were disabled at the event */
#define KR_F_PREEMPT	0x0008	/* switch out was a preemption */
#define KR_F_PACA	0x0010	/* soft_mask and irq_happened read from the PACA (POWER) */
#define KR_F_VCPU	0x0020	/* vcpu id is known */
#define KR_F_RUN_END	0x0040	/* USER_EXIT: KVM_RUN's guest loop ended src_tid ns earlier */
#define KR_F_ABORTED	0x0080	/* GUEST_EXIT of an entry that never ran the guest (POWER trap 0) */
#define KR_F_NR		0x0100	/* need-resched state known, tif's NEED_RESCHED bit only (ftrace latency flags) */
#define KR_F_IN_IRQ	0x0400	/* REQUEST/WAKING: raised in an interrupt handler (hardirq, or a softirq it ran) */
#define KR_F_ELSEWHERE	0x0800	/* WAKING: its task's sched_wakeup was on another CPU (see KR_EV_WAKING) */
#define KR_F_LOOP	0x0200	/* USER_EXIT that is not one: KVM_RUN's loop goes on in the kernel (KR_PPC_RESUMES) */

/* POWER KVM-HV: kvmppc_run_vcpu_exit ends one pass of kvmppc_vcpu_run_hv's
 * loop, not KVM_RUN.  A return without RESUME_FLAG_HOST (RESUME_GUEST, its
 * _NV form, RESUME_PAGE_FAULT and RESUME_PASSTHROUGH, which the loop handles
 * itself) goes round again without userspace: on the P9 path that is every
 * exit the kernel handles (ret 0). */
#define KR_PPC_RESUMES(ret)	((ret) >= 0 && !((ret) & 2))

/* PACA irq_happened bits (POWER), recorded raw. */
#define KR_PACA_IRQ_HARD_DIS	0x01

struct kr_event {
	__u64 ts;		/* CLOCK_MONOTONIC ns */
	__u32 tid;		/* the vCPU task */
	__u32 pid;		/* its thread group */
	__u8 type;		/* enum kr_type */
	__u8 cause;		/* enum kr_cause (requests) */
	__u16 cpu;		/* CPU the event happened on */
	__s32 vcpu;		/* vCPU id, -1 unknown */
	__u32 reason;		/* exit reason / trap / signal number */
	__s32 err;		/* userspace-exit errno, signal result, prev_state */
	__u32 tif;		/* KR_TIF_* of the vCPU task (KR_F_TIF) */
	__u32 src_tid;		/* requests: the task that raised it */
	__u16 flags;		/* KR_F_* */
	__u8 soft_mask;		/* POWER irq_soft_mask (KR_F_PACA) */
	__u8 irq_happened;	/* POWER irq_happened (KR_F_PACA) */
	__u32 tif_raw;		/* low 32 bits of thread_info.flags as read */
	char comm[KR_COMM_LEN];
};

/* A recording meta record: same size, type at the same offset. */
struct kr_meta {
	__u64 ts;
	__u64 reserved;
	__u8 type;
	__u8 pad[7];
	__u64 v[5];
};

#define KR_EVENT_SIZE 64

/* Bounds on numbers an input carries (checked where they are read). */
#define KR_MAX_CPUS 8192	/* Linux's NR_CPUS maximum (x86 MAXSMP, powerpc) */

#if !defined(__bpf__)
/* Where an input hands its events, one at a time; a nonzero (negative)
 * return stops the input, which returns it. */
typedef int (*kr_event_cb)(void *ctx, const struct kr_event *ev);
#endif

#endif /* KVMRACE_H */
