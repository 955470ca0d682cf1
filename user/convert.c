// SPDX-License-Identifier: GPL-2.0
/* Trace lines to kr_events (convert.h): a handler per event name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch.h"
#include "convert.h"
#include "event.h"
#include "hooks.h"
#include "perfcodec.h"
#include "tidmap.h"

struct vcpu_task {
	uint32_t tid, pid;
	int32_t vcpu;
};

struct cpu_state {
	uint32_t tid;		/* vCPU task on this CPU, 0 if none */
	int prio;
	bool resched_seen;
};

#define KR_CONV_WAKINGS 16	/* wakings of a vCPU's CPU awaiting their wake-up (engine: 4 per vCPU) */
#define KR_IPI_MASK_CPUS 64	/* an IPI sent to a mask: its first 64 CPUs */
_Static_assert(KR_CONV_MAX_EVENTS >= 2 + KR_IPI_MASK_CPUS, "a line's events fit");

struct kr_conv {
	struct kr_conv_stats st;
	struct kr_tidmap vc;		/* vCPU tasks (struct vcpu_task) by tid */
	struct kr_tidmap by_id;		/* (pid, vCPU id) and (0, vCPU id) -> tid */
	struct cpu_state cpus[KR_MAX_CPUS];
	/* The events of the line being converted (an IPI to a mask: one per
	 * CPU), handed on when the line is done. */
	struct kr_event q[KR_CONV_MAX_EVENTS];
	int qn;
	const char *bad;	/* the line has a number out of range */
	const struct kr_arch *ppc, *arm64, *x86;	/* the exit forms a guest exit's text may take */
	/* Wakings handed on (KR_EV_WAKING) whose sched_wakeup is not seen yet:
	 * the task woken and the vCPU task it was for (the oldest replaced). */
	struct { uint32_t woken, vtid; } wk[KR_CONV_WAKINGS];
	unsigned wk_next;
};

struct kr_conv *kr_conv_new(void)
{
	struct kr_conv *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	kr_tidmap_init(&c->vc, sizeof(struct vcpu_task), 0);
	kr_tidmap_init(&c->by_id, sizeof(uint32_t), 0);
	c->ppc = kr_arch_named("powerpc");
	c->arm64 = kr_arch_named("arm64");
	c->x86 = kr_arch_named("x86");
	return c;
}

void kr_conv_free(struct kr_conv *c)
{
	if (!c)
		return;
	kr_tidmap_free(&c->vc);
	kr_tidmap_free(&c->by_id);
	free(c);
}

const struct kr_conv_stats *kr_conv_stats(const struct kr_conv *c)
{
	return &c->st;
}

const char *kr_conv_arch(const struct kr_conv *c)
{
	return c->st.saw_kvm_hv ? "powerpc" : c->st.saw_arm64 ? "arm64" : c->st.saw_kvm ? "x86" : NULL;
}

/* ---- payload fields, by name ---- */

/* "VCPU 3:" / "vcpu 3" at the start of kvm payloads */
static int32_t payload_vcpu(const char *payload)
{
	if (!strncasecmp(payload, "vcpu ", 5))
		return (int32_t)strtol(payload + 5, NULL, 10);
	return -1;
}

/* ---- vCPU tasks ---- */

/* The vCPU task tid (added if add), NULL if it is none; a table that cannot
 * take one more marks the line (the input names more tasks than kvmrace
 * keeps: an error, never a task silently dropped). */
static struct vcpu_task *vc_find(struct kr_conv *c, uint32_t tid, bool add)
{
	struct vcpu_task *v;
	bool added;

	if (!add)
		return kr_tidmap_get(&c->vc, tid);
	v = kr_tidmap_add(&c->vc, tid, &added);
	if (!v) {
		c->bad = kr_tidmap_full(&c->vc) ? "more vCPU tasks than kvmrace keeps (1048576)" : "out of memory";
		return NULL;
	}
	if (added) {
		v->tid = tid;
		v->pid = tid;
		v->vcpu = -1;
	}
	return v;
}

static uint64_t vc_key(uint32_t pid, int32_t vcpu)
{
	return (uint64_t)pid << 32 | (uint32_t)vcpu;
}

/* v runs vCPU id vcpu (of its process v->pid): remembered by id. */
static void vc_set_id(struct kr_conv *c, struct vcpu_task *v, int32_t vcpu)
{
	uint32_t tid = v->tid, *t;

	v->vcpu = vcpu;
	if (vcpu < 0)
		return;
	if ((t = kr_tidmap_add(&c->by_id, vc_key(v->pid, vcpu), NULL)))
		*t = tid;
	if ((t = kr_tidmap_add(&c->by_id, vc_key(0, vcpu), NULL)))	/* any process */
		*t = tid;
}

/* The task running vCPU id of process pid_hint, else of any process (the
 * vcore runner fires kvm_guest_enter for the other vCPUs of its core too). */
static struct vcpu_task *vc_by_id(struct kr_conv *c, int32_t vcpu, uint32_t pid_hint)
{
	uint32_t *t = kr_tidmap_get(&c->by_id, vc_key(pid_hint, vcpu));

	if (!t)
		t = kr_tidmap_get(&c->by_id, vc_key(0, vcpu));
	return t ? kr_tidmap_get(&c->vc, *t) : NULL;
}

/* The task the line's vCPU event is for: the current task if it runs this
 * vCPU (or an unknown one), else the task that runs it. */
static struct vcpu_task *vc_of_line(struct kr_conv *c, const struct kr_ftline *l, int32_t vcpu)
{
	struct vcpu_task *cur = vc_find(c, l->pid, false);

	if (cur && (cur->vcpu == vcpu || cur->vcpu < 0))
		return cur;
	return vc_by_id(c, vcpu, cur ? cur->pid : 0);
}

static struct cpu_state *cpu_at(struct kr_conv *c, unsigned cpu)
{
	return cpu < KR_MAX_CPUS ? &c->cpus[cpu] : NULL;
}

/* ---- events ---- */

static struct kr_event *queued(struct kr_conv *c)
{
	struct kr_event *e;

	if (c->qn >= (int)(sizeof(c->q) / sizeof(c->q[0]))) {	/* never, by construction */
		c->bad = "too many events on one line";
		return NULL;
	}
	e = &c->q[c->qn++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* An event of vCPU task v from line l, with the state the latency flags
 * give (they describe the task that logged the line). */
static struct kr_event *emit(struct kr_conv *c, const struct kr_ftline *l, uint8_t type, struct vcpu_task *v)
{
	struct kr_event *e = queued(c);

	if (!e)
		return &c->q[0];	/* dropped with the line (c->bad) */
	e->ts = l->ts;
	e->type = type;
	e->tid = v->tid;
	e->pid = v->pid;
	e->cpu = l->cpu;
	e->vcpu = v->vcpu;
	if (v->vcpu >= 0)
		e->flags |= KR_F_VCPU;
	if (l->has_flags && l->pid == v->tid) {
		char irq = l->flags[0], nr = l->flags[1];

		e->flags |= KR_F_IRQ;
		if (irq == 'd' || irq == 'D' || irq == 'X')
			e->flags |= KR_F_IRQS_OFF;
		if (nr == 'N' || nr == 'n' || nr == 'p' || nr == '.' || nr == 'L' || nr == 'b' || nr == 'B') {
			e->flags |= KR_F_NR;
			if (nr == 'N' || nr == 'n' || nr == 'B')
				e->tif |= KR_TIF_NEED_RESCHED;
		}
	}
	if (l->pid == v->tid)
		memcpy(e->comm, l->comm, KR_COMM_LEN);
	return e;
}

/* A request or a waking: raised by the line's task; no state of the vCPU. */
static struct kr_event *emit_raised(struct kr_conv *c, const struct kr_ftline *l, uint8_t type,
				    struct vcpu_task *v)
{
	struct kr_event *e = emit(c, l, type, v);

	e->src_tid = l->pid;
	e->flags &= (uint16_t)~(KR_F_NR | KR_F_IRQ | KR_F_IRQS_OFF);
	e->tif = 0;
	/* the latency flags' third: h hardirq, s softirq, H both, z/Z NMI */
	if (l->has_flags && l->flags[1] && l->flags[2] && strchr("hsHzZ", l->flags[2]))
		e->flags |= KR_F_IN_IRQ;
	return e;
}

/* A per-CPU event of this line (no vCPU): a host interrupt taken on its CPU,
 * or an IPI sent from it; tid: the task on that CPU. */
static void cpu_event(struct kr_conv *c, const struct kr_ftline *l, uint8_t type, uint32_t reason)
{
	struct kr_event *e = queued(c);

	if (!e)
		return;
	e->ts = l->ts;
	e->type = type;
	e->tid = l->pid;
	e->pid = l->tgid ? l->tgid : l->pid;
	e->cpu = l->cpu;
	e->vcpu = -1;
	e->reason = reason;
}

/* ---- the handlers, one per event ---- */

/* kvmppc_run_vcpu_enter "VCPU 0: tgid=9", kvm_fpu "load": KVM_RUN begins. */
static void h_run_begin(struct kr_conv *c, const struct kr_ftline *l, const char *pl, bool hv)
{
	struct vcpu_task *v = vc_find(c, l->pid, true);
	struct cpu_state *cs = cpu_at(c, l->cpu);
	long a;

	if (!v)
		return;
	if (hv) {
		c->st.saw_kvm_hv = true;
		if (kr_field_long(pl, "tgid", &a))
			v->pid = (uint32_t)a;
		vc_set_id(c, v, payload_vcpu(pl));
	} else {
		c->st.saw_kvm = true;
	}
	cs->tid = v->tid;
	cs->resched_seen = false;
	emit(c, l, KR_EV_RUN_BEGIN, v);
}

static void h_run_vcpu_enter(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	h_run_begin(c, l, pl, true);
}

/* kvm_fpu "load" / "unload": KVM_RUN's guest loop begins / ends. */
static void h_fpu(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	struct vcpu_task *v;

	if (pl[0] == 'l')
		h_run_begin(c, l, pl, false);
	else if ((v = vc_find(c, l->pid, false)))
		emit(c, l, KR_EV_RUN_END, v);
}

/* kvmppc_run_vcpu_exit "VCPU 0: exit=10, ret=-4". */
static void h_run_vcpu_exit(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	struct vcpu_task *v = vc_find(c, l->pid, false);
	struct kr_event *e;
	long a;

	if (!v)
		return;
	e = emit(c, l, KR_EV_USER_EXIT, v);
	if (kr_field_long(pl, "exit", &a))
		e->reason = (uint32_t)a;
	if (kr_field_long(pl, "ret", &a)) {
		e->err = a < -KR_MAX_ERRNO || a > KR_MAX_ERRNO ? INT32_MIN : (int32_t)a;	/* checked later */
		if (KR_PPC_RESUMES(a))
			e->flags |= KR_F_LOOP;
	}
}

/* kvm_userspace_exit "reason KVM_EXIT_IO (2)", "reason restart (4)". */
static void h_user_exit(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	const char *r = !strncmp(pl, "reason ", 7) ? pl : strstr(pl, "reason "), *par = strrchr(pl, '(');
	struct vcpu_task *v = vc_find(c, l->pid, true);	/* only a vCPU task returns from KVM_RUN */
	struct kr_event *e;
	unsigned long a;

	if (!v || !r || !par)
		return;
	e = emit(c, l, KR_EV_USER_EXIT, v);
	a = strtoul(par + 1, NULL, 10);
	if (!strncmp(r + 7, "restart", 7) || !strncmp(r + 7, "error", 5))
		e->err = a > KR_MAX_ERRNO ? INT32_MIN : -(int32_t)a;	/* out of range: checked later */
	else
		e->reason = (uint32_t)a;
}

/* kvm_guest_enter "VCPU 0: ...", kvm_entry "vcpu 0, rip ..." or arm64's
 * "PC: 0x...": the guest is entered. */
static void h_guest_enter(struct kr_conv *c, const struct kr_ftline *l, const char *pl, bool hv)
{
	int32_t id = payload_vcpu(pl);
	struct cpu_state *cs = cpu_at(c, l->cpu);
	struct vcpu_task *v;

	*(hv ? &c->st.saw_kvm_hv : &c->st.saw_kvm) = true;
	if (!strncmp(pl, "PC: ", 4))	/* arm64: no vcpu, the guest PC */
		c->st.saw_arm64 = true;
	v = vc_of_line(c, l, id);
	if (!v)
		v = vc_find(c, l->pid, true);
	if (!v)
		return;
	if (v->vcpu < 0)
		vc_set_id(c, v, id);
	cs->tid = v->tid;
	if (!(l->has_flags && (l->flags[1] == 'N' || l->flags[1] == 'n')))
		cs->resched_seen = false;
	emit(c, l, KR_EV_GUEST_ENTER, v);
}

static void h_kvm_guest_enter(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	h_guest_enter(c, l, pl, true);
}

static void h_kvm_entry(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	h_guest_enter(c, l, pl, false);
}

/* kvm_guest_exit "VCPU 0: trap=HV_DECREMENTER ...", kvm_exit: the exit, by
 * name or number, as the arch that prints that form decodes it. */
static void h_guest_exit(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	struct vcpu_task *v = vc_of_line(c, l, payload_vcpu(pl));
	uint32_t trap = 0xffffffff;
	struct kr_event *e;
	int isa = 0;

	if (!v)
		return;
	e = emit(c, l, KR_EV_GUEST_EXIT, v);
	if (c->ppc->exit_parse(pl, &trap, &isa) && trap == 0)
		e->flags |= KR_F_ABORTED;
	if (c->arm64->exit_parse(pl, &trap, &isa)) {
		c->st.saw_arm64 = true;
		e->cause = (uint8_t)isa;	/* the exit's ISA, as the BPF side gives it */
	} else if (c->x86->exit_parse(pl, &trap, &isa)) {
		e->cause = (uint8_t)isa;
	}
	e->reason = trap;
}

/* kvmppc_run_core "Enter/Exit runnable=1 ...". */
static void h_run_core(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	struct vcpu_task *v = vc_find(c, l->pid, false);
	struct kr_event *e;
	long a;

	if (!v)
		return;
	e = emit(c, l, KR_EV_VCORE, v);
	e->reason = strncmp(pl, "Exit", 4) == 0;
	if (kr_field_long(pl, "runnable", &a))
		e->err = (int32_t)a;
}

/* signal_generate "sig=10 ... pid=143 grp=0 res=0": a signal request. */
static void h_sig_gen(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	struct vcpu_task *v;
	struct kr_event *e;
	long a, res;

	if (!kr_field_long(pl, "pid", &a) || !(v = vc_find(c, (uint32_t)a, false)))
		return;
	if (kr_field_long(pl, "res", &res) && res != 0 && res != 2)
		return;	/* ignored, overflow, lose-info: nothing pending */
	e = emit_raised(c, l, KR_EV_REQUEST, v);
	e->cause = KR_CAUSE_SIGNAL;
	e->reason = kr_field_long(pl, "sig", &a) ? (uint32_t)a : 0;
}

static void h_sig_deliver(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	struct vcpu_task *v = vc_find(c, l->pid, false);
	long a;

	if (v)
		emit(c, l, KR_EV_SIG_DELIVER, v)->reason = kr_field_long(pl, "sig", &a) ? (uint32_t)a : 0;
}

/* sched_switch's pids, prev_state and next prio: the kernel's print format
 * ("prev_pid=1 prev_state=S ==> next_pid=2 next_prio=120"), or trace-cmd's
 * plugin ("prev:PID [PRIO] S ==> next:PID [PRIO]"). */
static bool switch_fields(const char *pl, long *prev, long *next, char *state, int *next_prio)
{
	const char *st = kr_field(pl, "prev_state"), *arrow, *c1, *c2;
	long a, np = -1;

	if (kr_field_long(pl, "prev_pid", prev) && kr_field_long(pl, "next_pid", next)) {
		*state = st ? *st : 0;
		*next_prio = kr_field_long(pl, "next_prio", &a) ? (int)a : 120;
		return true;
	}
	if (!(arrow = strstr(pl, " ==> ")))
		return false;
	for (c1 = arrow; c1 > pl && c1[-1] != ':'; c1--)
		;
	c2 = strrchr(arrow, ':');
	*state = 0;
	if (c1 == pl || !c2 || sscanf(c1, "%ld [%*d] %c", prev, state) < 1 || sscanf(c2 + 1, "%ld [%ld]", next, &np) < 1)
		return false;
	*next_prio = np >= 0 ? (int)np : 120;
	return true;
}

static void h_switch(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	struct cpu_state *cs = cpu_at(c, l->cpu);
	struct vcpu_task *prev, *next;
	long a, b;
	char st;
	int prio;

	if (!switch_fields(pl, &a, &b, &st, &prio))
		return;
	prev = vc_find(c, (uint32_t)a, false);
	next = vc_find(c, (uint32_t)b, false);
	if (prev)
		emit(c, l, KR_EV_SWITCH_OUT, prev)->err = st == 'R' ? 0 : 1;
	cs->tid = next ? next->tid : 0;
	cs->resched_seen = false;
	cs->prio = prio;
	if (next) {
		struct kr_event *e = emit(c, l, KR_EV_SWITCH_IN, next);

		e->flags &= (uint16_t)~(KR_F_NR | KR_F_IRQ | KR_F_IRQS_OFF);
		e->tif = 0;
	}
}

/* A sched_waking/sched_wakeup line's task, its priority and its target CPU
 * (waking: the task's previous CPU; wake-up: the one it was placed on); false
 * if the line does not parse. */
static bool wake_fields(const char *pl, long *pid, long *prio, long *cpu)
{
	const char *cp, *c1;

	if (kr_field_long(pl, "pid", pid) && kr_field_long(pl, "target_cpu", cpu) && kr_field_long(pl, "prio", prio))
		return true;
	/* trace-cmd's plugin: "comm:PID [PRIO] CPU:NNN" (or "... success=1 CPU:NNN") */
	cp = strstr(pl, "CPU:");
	c1 = strchr(pl, ':');
	if (!cp || !c1 || c1 == cp + 3 || sscanf(c1 + 1, "%ld [%ld]", pid, prio) != 2)
		return false;
	*cpu = strtol(cp + 4, NULL, 10);
	return true;
}

/* The CPU state of CPU cpu if a vCPU task runs there that task pid of
 * priority prio preempts (a wake-up of a higher-priority task: a reschedule
 * request), with that vCPU task in *v; NULL if not (or cpu is out of range:
 * c->bad). */
static struct cpu_state *wake_target(struct kr_conv *c, long pid, long prio, long cpu, struct vcpu_task **v)
{
	struct cpu_state *t;

	if (cpu < 0 || cpu >= KR_MAX_CPUS) {
		c->bad = "target CPU out of range";
		return NULL;
	}
	t = cpu_at(c, (unsigned)cpu);
	if (!t->tid || t->tid == (uint32_t)pid || prio >= (t->prio ? t->prio : 120))
		return NULL;
	*v = vc_find(c, t->tid, false);
	return *v ? t : NULL;
}

/* The wake-up of task pid: the vCPU task a waking of it was handed on for,
 * forgotten now (0 if none). */
static uint32_t waking_done(struct kr_conv *c, long pid)
{
	unsigned i;
	uint32_t vtid;

	for (i = 0; i < KR_CONV_WAKINGS; i++)
		if (c->wk[i].vtid && c->wk[i].woken == (uint32_t)pid) {
			vtid = c->wk[i].vtid;
			c->wk[i].vtid = 0;
			return vtid;
		}
	return 0;
}

/* sched_wakeup of a task that preempts the vCPU task: a reschedule request
 * (one per NEED_RESCHED period).  A task whose waking was handed on for a
 * vCPU that it did not land beside: that waking is void. */
static void h_wakeup(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	struct vcpu_task *v, *wv;
	long pid, prio, cpu;
	struct cpu_state *t;
	struct kr_event *e;
	uint32_t wtid;

	if (!wake_fields(pl, &pid, &prio, &cpu))
		return;
	t = wake_target(c, pid, prio, cpu, &v);
	wtid = waking_done(c, pid);
	if (wtid && !c->bad && cpu_at(c, (unsigned)cpu)->tid != wtid && (wv = vc_find(c, wtid, false))) {
		e = emit_raised(c, l, KR_EV_WAKING, wv);
		e->reason = (uint32_t)pid;
		e->flags |= KR_F_ELSEWHERE;
	}
	if (!t || t->resched_seen)
		return;
	t->resched_seen = true;
	e = emit_raised(c, l, KR_EV_REQUEST, v);
	e->cause = KR_CAUSE_RESCHED;
	e->reason = (uint32_t)pid;
}

/* sched_waking of such a task: the earliest event of the request it may
 * become. */
static void h_waking(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	struct vcpu_task *v;
	long pid, prio, cpu;

	if (!wake_fields(pl, &pid, &prio, &cpu) || !wake_target(c, pid, prio, cpu, &v))
		return;
	emit_raised(c, l, KR_EV_WAKING, v)->reason = (uint32_t)pid;
	waking_done(c, pid);	/* one per task */
	c->wk[c->wk_next].woken = (uint32_t)pid;
	c->wk[c->wk_next].vtid = v->tid;
	c->wk_next = (c->wk_next + 1) % KR_CONV_WAKINGS;
}

/* An IPI sent from this line's CPU to cpu: the kick of a vCPU there. */
static void ipi_to(struct kr_conv *c, const struct kr_ftline *l, long cpu)
{
	if (cpu >= 0 && cpu <= UINT32_MAX)	/* range-checked with the line's events */
		cpu_event(c, l, KR_EV_IPI_SEND, (uint32_t)cpu);
}

/* ipi_send_cpu "cpu=1 callsite=..." (6.4+). */
static void h_ipi_send_cpu(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	long a;

	if (kr_field_long(pl, "cpu", &a))
		ipi_to(c, l, a);
}

/* ipi_send_cpumask "cpumask=0-1,3 callsite=...": a cpulist. */
static void h_ipi_send_cpumask(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	const char *s = kr_field(pl, "cpumask");
	char *end;
	long a;

	while (s && *s >= '0' && *s <= '9') {
		long lo = strtol(s, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (a = lo; a <= hi && a < KR_IPI_MASK_CPUS; a++)
			ipi_to(c, l, a);
		if (*end != ',')
			break;
		s = end + 1;
	}
}

/* ipi_raise (arm, arm64) "target_mask=00000000,00000002 (Rescheduling
 * interrupts)": a bitmap of 32-bit hex words, most significant first. */
static void h_ipi_raise(struct kr_conv *c, const struct kr_ftline *l, const char *pl)
{
	unsigned long words[2] = { 0, 0 };	/* the last two: CPUs 32-63, 0-31 */
	const char *s = kr_field(pl, "target_mask");
	char *end;
	long a;

	if (!s)
		return;
	for (;;) {
		unsigned long w = strtoul(s, &end, 16);

		if (end == s)
			return;
		words[0] = words[1];
		words[1] = w;
		if (*end != ',')
			break;
		s = end + 1;
	}
	for (a = 0; a < 64; a++)
		if (words[1 - a / 32] & (1ul << (a % 32)))
			ipi_to(c, l, a);
}

/* A host interrupt's entry event: the host took an interrupt on the line's
 * CPU (an irq named IPI is one: POWER8's XICS). */
static void h_irq(struct kr_conv *c, const struct kr_ftline *l, const char *pl, int kind)
{
	const char *s;

	if (kind == KR_IRQ_DEVICE && (s = kr_field(pl, "name")) && !strncmp(s, "IPI", 3) && (!s[3] || s[3] == ' '))
		kind = KR_IRQ_IPI;
	cpu_event(c, l, KR_EV_HOST_IRQ, (uint32_t)kind);
}

/* kvmrace's own perf-script export ("kvmrace:run_begin: ..."): the event
 * itself, lossless; its finding records are derived, not input.  False if
 * the line is not one of its events. */
static bool h_kvmrace(struct kr_conv *c, const struct kr_ftline *l, const char *ev, const char *pl)
{
	struct kr_event *e = queued(c);

	if (!e || kr_perf_kvmrace_event(ev, pl, e) <= 0) {
		c->qn = 0;
		return !strcmp(ev + 8, "late_exit") || !strcmp(ev + 8, "entered_pending");
	}
	e->ts = l->ts;
	e->tid = l->pid;
	e->pid = l->tgid ? l->tgid : l->pid;
	e->cpu = l->cpu;
	/* the exact comm is in the payload; older exports: the column's */
	if (!e->comm[0] && strstr(pl, "comm_set=1"))
		memcpy(e->comm, l->comm, KR_COMM_LEN);
	return true;
}

typedef void (*handler)(struct kr_conv *c, const struct kr_ftline *l, const char *pl);

/* The events by name (length first, then one comparison). */
static handler handler_of(const char *ev)
{
#define H(name, fn) { name, sizeof(name) - 1, fn }
	static const struct { const char *n; size_t len; handler fn; } t[] = {
		H("kvmppc_run_vcpu_enter", h_run_vcpu_enter), H("kvmppc_run_vcpu_exit", h_run_vcpu_exit),
		H("kvm_fpu", h_fpu), H("kvm_userspace_exit", h_user_exit), H("kvm_guest_enter", h_kvm_guest_enter),
		H("kvm_entry", h_kvm_entry), H("kvm_guest_exit", h_guest_exit), H("kvm_exit", h_guest_exit),
		H("kvmppc_run_core", h_run_core), H("signal_generate", h_sig_gen), H("signal_deliver", h_sig_deliver),
		H("sched_switch", h_switch), H("sched_wakeup", h_wakeup), H("sched_waking", h_waking),
		H("ipi_send_cpu", h_ipi_send_cpu), H("ipi_send_cpumask", h_ipi_send_cpumask),
		H("ipi_raise", h_ipi_raise),
	};
#undef H
	size_t n = strlen(ev), i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].len == n && t[i].n[0] == ev[0] && !memcmp(t[i].n, ev, n))
			return t[i].fn;
	return NULL;
}

/* Convert the line into c->q; false if kvmrace does not use its event. */
static bool convert(struct kr_conv *c, const struct kr_ftline *l)
{
	const char *ev = l->event, *colon = strchr(ev, ':');
	handler h;
	int kind;

	if (ev[0] == 'k' && ev[3] == 'r' && !strncmp(ev, "kvmrace:", 8))
		return h_kvmrace(c, l, ev, l->payload);
	if (colon)	/* perf: "sched:sched_switch" */
		ev = colon + 1;
	if ((h = handler_of(ev))) {
		h(c, l, l->payload);
		return true;
	}
	if (!(kind = kr_irq_event_kind(ev)))
		return false;
	h_irq(c, l, l->payload, kind);
	return true;
}

int kr_conv_line(struct kr_conv *c, const struct kr_ftline *l, kr_event_cb cb, void *ctx, const char **bad)
{
	int i, r = 0;

	c->qn = 0;
	c->bad = NULL;
	if (!convert(c, l)) {
		c->st.unknown++;
		*bad = NULL;
		return 0;
	}
	for (i = 0; !c->bad && i < c->qn; i++)	/* range-checked before any goes */
		c->bad = kr_event_invalid(&c->q[i]);
	*bad = c->bad;
	if (c->bad || !c->qn)
		return 0;
	c->st.used++;
	for (i = 0; i < c->qn && !r; i++)
		r = cb(ctx, &c->q[i]);
	return r ? r : c->qn;
}
