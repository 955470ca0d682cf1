// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace analysis engine.  See engine.h and docs/design.md ("Engine rules").
 *
 * Two stages:
 *  1. reorder: a ring kept sorted by timestamp (stable, inserted from the
 *     tail) that releases an event once one newer by more than the window has
 *     arrived (per-CPU streams and a shared ring buffer deliver slightly out
 *     of order);
 *  2. a per-vCPU state machine that tracks guest runs and at most one open
 *     request per cause, accumulating the guest time past each request.
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "event.h"
#include "tidmap.h"

#define DEFAULT_WINDOW_NS 10000000ull
#define DEFAULT_MAX_FINDINGS 100

enum req_state { RQ_IDLE = 0, RQ_IN_GUEST, RQ_WAITING };

/* An open request: what its finding will say (f: kind, cause, times, the
 * state at its entry, the evidence), and how it is being tracked. */
struct req {
	uint8_t state;
	uint8_t saved_kind;	/* before the current guest entry (undone if it aborts) */
	bool to_close;		/* KVM_RUN ended: close at its userspace exit */
	uint32_t aborts;	/* aborted entries it was pending at */
	uint32_t woken;		/* a waking's slot: the task woken */
	uint64_t seg_start;	/* the guest run counting now started here */
	struct kr_finding f;
};

/* Wake-ups committed for a vCPU's CPU (sched_waking) and not yet seen there,
 * one slot each after the causes' (req[SLOT_WAKING + i], woken: the task
 * woken): each counts guest time from its waking like a request raised then,
 * and becomes the reschedule request when its wake-up leaves the vCPU task
 * with NEED_RESCHED (the request event names the woken task). */
#define SLOT_WAKING KR_NR_CAUSES
#define MAX_WAKINGS 4
#define NR_SLOTS (KR_NR_CAUSES + MAX_WAKINGS)
#define MAX_HELD 4	/* requests held per vCPU until its first guest event (more: judged as they are) */

struct vcpu {
	struct kr_vcpu_stats st;
	bool in_run, in_guest;
	uint16_t cpu;
	uint64_t guest_since;	/* the current guest run's entry */
	uint64_t stopped_ns;	/* this run's guest stopped here, by host evidence (0: not seen) */
	uint64_t flag_clear_ns[KR_NR_CAUSES];	/* its last own event that showed the cause's flag clear */
	uint8_t nslots;		/* slots in use: the causes', and the wakings' if any is */
	struct req req[NR_SLOTS];	/* by cause, then the wakings' */
	uint8_t nheld;		/* closed in bracketed runs before its first guest event (guest_hooks) */
	struct req held[MAX_HELD];
};

/* Per CPU: the last host interrupt taken there, and the last IPI (a kick);
 * the vCPU task in the guest there (0: none) and the last that entered it;
 * and, as a sender, the IPI it sent last if no other event of it came since
 * (sent_ts 0: none). */
struct cpu_state {
	uint64_t ts, ipi_ts;
	uint8_t kind, ipi_kind;
	uint32_t guest_tid, last_tid;
	uint64_t sent_ts;
	uint64_t sent_to;	/* target CPUs < 64 of the IPIs sent at sent_ts */
};

/* The kernel sends the kick before the request's own event fires: signal_generate
 * comes after complete_signal()'s kick_process(), sched_wakeup after
 * wakeup_preempt()'s resched_curr(), with nothing traced between on that CPU.
 * So an IPI to the vCPU's CPU that is the requesting CPU's last event, sent in
 * the same guest run and at most this long before (emulated hosts stretch the
 * gap to tens of microseconds), is the request's kick. */
#define KICK_BEFORE_NS 10000000

static bool irq_is_ipi(int kind)
{
	return kind == KR_IRQ_IPI || kind == KR_IRQ_RESCHED || kind == KR_IRQ_DOORBELL;
}

/* An interrupt that can be a request's kick: an IPI, or POWER8's XICS
 * external interrupt. */
static bool irq_is_kick(int kind)
{
	return irq_is_ipi(kind) || kind == KR_IRQ_EXTERNAL;
}

struct kr_engine {
	struct kr_engine_opts o;
	struct kr_result r;
	struct cpu_state *cpus;	/* by CPU, grown on demand */
	uint32_t n_cpus;
	struct kr_tidmap vcpus;	/* struct vcpu by tid */
	/* reorder stage: a ring kept sorted by ts (stable), inserted from the
	 * tail: O(1) per event for the nearly ordered streams it gets */
	struct kr_event *ring;
	size_t ring_cap, ring_head, ring_len;	/* cap: a power of two */
	uint64_t max_ts, released_ts;
	uint64_t by_state[16];		/* vCPU tasks' events by the state they carried (STATE_INDEX) */
	bool released_any;
	bool truncated;
	uint64_t lost, input_lost;	/* events the engine could not take; the input's */
	/* retained findings: a min-heap on badness, the worst kept */
	struct kr_finding *fnd;
	uint32_t fnd_len;
	bool finished;
};

/* a - b, or 0 if b is later (input out of order must not wrap a duration) */
static uint64_t since(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* ---- names ---- */

const char *kr_kind_name(int kind)
{
	switch (kind) {
	case KR_KIND_LATE_EXIT: return "late_exit";
	case KR_KIND_ENTERED_PENDING: return "entered_pending";
	default: return "none";
	}
}

const char *kr_cause_name(int cause)
{
	return cause == KR_CAUSE_SIGNAL ? "signal" : cause == KR_CAUSE_RESCHED ? "resched" : "unknown";
}

const char *kr_exit_kind_name(int k)
{
	switch (k) {
	case KR_EXIT_GUEST: return "guest_exit";
	case KR_EXIT_RUN_END: return "kvm_run_end";
	case KR_EXIT_SWITCH: return "switch_out";
	default: return "none";
	}
}

const char *kr_verdict_name(enum kr_verdict v)
{
	return v == KR_PASS ? "pass" : v == KR_VIOLATION ? "violation" : "inconclusive";
}

const char *kr_type_name(int type)
{
	static const char *const n[KR_EV_MAX_EVENT] = {
		"none", "run_begin", "run_end", "userspace_exit", "guest_enter", "guest_exit",
		"switch_out", "switch_in", "request", "signal_deliver", "vcore", "host_irq", "ipi_send",
		"waking",
	};
	return type > 0 && type < KR_EV_MAX_EVENT ? n[type] : "unknown";
}

const char *kr_irq_kind_name(int kind)
{
	static const char *const n[KR_NR_IRQ_KINDS] = {
		"unknown", "device", "ipi", "reschedule_ipi", "doorbell", "external", "timer",
	};
	return kind > 0 && kind < KR_NR_IRQ_KINDS ? n[kind] : "unknown";
}

const char *kr_class_name(int cls)
{
	static const char *const n[KR_NR_CLASSES] = { "unknown", "kick_consumed_in_host", "kick_late", "not_kicked" };

	return cls >= 0 && cls < KR_NR_CLASSES ? n[cls] : "unknown";
}

const char *kr_request_event_name(const struct kr_finding *f)
{
	if (f->from_tif)
		return "tif_at_entry";
	if (f->cause == KR_CAUSE_SIGNAL)
		return "signal_generate";
	return f->from_waking ? "sched_waking" : "sched_wakeup";
}

int kr_hist_bucket(uint64_t ns)
{
	int b = ns ? 64 - __builtin_clzll(ns) : 0;	/* the bits ns needs */

	return b < KR_HIST_BUCKETS - 1 ? b : KR_HIST_BUCKETS - 1;
}

uint64_t kr_hist_lo(int bucket)
{
	return bucket <= 0 ? 0 : 1ull << (bucket - 1);
}

/* ---- construction ---- */

struct kr_engine *kr_engine_new(const struct kr_engine_opts *opts)
{
	struct kr_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->o = *opts;
	if (!e->o.reorder_window_ns)
		e->o.reorder_window_ns = DEFAULT_WINDOW_NS;
	if (!e->o.max_findings)
		e->o.max_findings = DEFAULT_MAX_FINDINGS;
	e->r.threshold_ns = e->o.threshold_ns;
	kr_tidmap_init(&e->vcpus, sizeof(struct vcpu), 0);
	e->fnd = calloc(e->o.max_findings, sizeof(*e->fnd));
	if (!e->fnd) {
		kr_engine_free(e);
		return NULL;
	}
	return e;
}

void kr_engine_free(struct kr_engine *e)
{
	if (!e)
		return;
	kr_tidmap_free(&e->vcpus);
	free(e->ring);
	free(e->cpus);
	free(e->fnd);
	free(e->r.vcpus);
	free(e->r.findings);
	free(e);
}

/* The per-CPU state of cpu, grown on demand; NULL if out of memory or cpu
 * out of range (kr_engine_push checks events, this is the last guard). */
static struct cpu_state *cpu_at(struct kr_engine *e, uint32_t cpu)
{
	if (cpu >= KR_MAX_CPUS)
		return NULL;
	if (cpu >= e->n_cpus) {
		uint32_t n = e->n_cpus ? e->n_cpus : 64;
		struct cpu_state *c;

		while (n <= cpu)
			n *= 2;
		c = realloc(e->cpus, n * sizeof(*c));
		if (!c)
			return NULL;
		memset(c + e->n_cpus, 0, (n - e->n_cpus) * sizeof(*c));
		e->cpus = c;
		e->n_cpus = n;
	}
	return &e->cpus[cpu];
}

/* ---- vCPU tasks ---- */

/* The vCPU task of ev, tracked from its first event on; NULL if the table
 * cannot take it (out of memory, or KR_MAX_TASKS): the event is lost. */
static struct vcpu *vcpu_get(struct kr_engine *e, const struct kr_event *ev)
{
	bool added;
	struct vcpu *v = kr_tidmap_add(&e->vcpus, ev->tid, &added);

	if (!v) {
		e->lost++;
		return NULL;
	}
	if (added) {
		v->nslots = KR_NR_CAUSES;
		v->st.tid = ev->tid;
		v->st.pid = ev->pid;
		v->st.vcpu = -1;
		v->cpu = ev->cpu;
	}
	if ((ev->flags & KR_F_VCPU) && ev->vcpu >= 0)
		v->st.vcpu = ev->vcpu;
	if (ev->comm[0] && ev->type != KR_EV_REQUEST)
		memcpy(v->st.comm, ev->comm, KR_COMM_LEN);
	else if (!v->st.comm[0] && ev->comm[0])
		memcpy(v->st.comm, ev->comm, KR_COMM_LEN);
	v->st.comm[KR_COMM_LEN - 1] = 0;
	return v;
}

/* ---- findings ---- */

/* Ordering of badness: violations first, then guest time past, then earlier. */
static int fnd_cmp(const struct kr_finding *a, const struct kr_finding *b)
{
	if (a->violation != b->violation)
		return a->violation ? 1 : -1;
	if (a->past_ns != b->past_ns)
		return a->past_ns > b->past_ns ? 1 : -1;
	if (a->request_ns != b->request_ns)
		return a->request_ns < b->request_ns ? 1 : -1;
	if (a->tid != b->tid)
		return a->tid < b->tid ? 1 : -1;
	return 0;
}

static void fnd_swap(struct kr_finding *a, struct kr_finding *b)
{
	struct kr_finding t = *a;

	*a = *b;
	*b = t;
}

static void fnd_sift_down(struct kr_finding *h, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && fnd_cmp(&h[l], &h[m]) < 0)
			m = l;
		if (r < n && fnd_cmp(&h[r], &h[m]) < 0)
			m = r;
		if (m == i)
			return;
		fnd_swap(&h[i], &h[m]);
		i = m;
	}
}

static void fnd_keep(struct kr_engine *e, const struct kr_finding *f)
{
	uint32_t i;

	if (e->fnd_len < e->o.max_findings) {
		i = e->fnd_len++;
		e->fnd[i] = *f;
		for (; i && fnd_cmp(&e->fnd[i], &e->fnd[(i - 1) / 2]) < 0; i = (i - 1) / 2)
			fnd_swap(&e->fnd[i], &e->fnd[(i - 1) / 2]);
		return;
	}
	if (fnd_cmp(f, &e->fnd[0]) <= 0)
		return;
	e->fnd[0] = *f;
	fnd_sift_down(e->fnd, e->fnd_len, 0);
}

/* ---- request life cycle ---- */

/* What the finding's own evidence says of its kick (enum kr_class). */
static uint8_t classify(const struct kr_engine *e, const struct kr_finding *f)
{
	if (f->kind == KR_KIND_ENTERED_PENDING && f->irq_before_entry_ns &&
	    (irq_is_kick(f->irq_before_entry_kind) || f->irq_before_entry_ns == f->irq_raised_ns))
		return KR_CLASS_CONSUMED;
	if (f->kick_due && (e->r.ipis_known || e->r.ipi_send_events) && !f->kick_ns)
		return KR_CLASS_NOT_KICKED;
	if (f->remote && f->kick_rx_ns)
		return KR_CLASS_KICK_LATE;
	if (!f->remote && !f->from_tif)	/* raised on the vCPU's own CPU: none was due */
		return KR_CLASS_NOT_KICKED;
	return KR_CLASS_UNKNOWN;
}

/* A finding of q (closing now), counted, handed to the sink, retained. */
static void finding(struct kr_engine *e, struct vcpu *v, struct kr_finding *f)
{
	f->class = classify(e, f);
	e->r.findings_by_class[f->class]++;
	e->r.violations_by_class[f->class] += f->violation;
	f->pid = v->st.pid;
	f->tid = v->st.tid;
	f->vcpu = v->st.vcpu;
	memcpy(f->comm, v->st.comm, KR_COMM_LEN);
	e->r.findings_total[f->kind]++;
	v->st.findings++;
	if (e->o.sink)
		e->o.sink(e->o.sink_ctx, NULL, f);
	if (f->violation) {
		e->r.violations++;
		e->r.violations_by_cause[f->cause]++;
		v->st.violations++;
	}
	fnd_keep(e, f);
}

/* Judge a closed request: its histogram bucket, and a finding if it is one. */
static void req_judge(struct kr_engine *e, struct vcpu *v, int cause, struct req *q)
{
	struct kr_finding *f = &q->f;

	e->r.hist[cause][kr_hist_bucket(f->past_ns)]++;
	f->violation = f->past_ns > e->o.threshold_ns;
	if (f->kind == KR_KIND_LATE_EXIT && !f->violation)
		f->kind = KR_KIND_NONE;	/* a prompt exit is no finding */
	if (f->kind == KR_KIND_NONE && q->aborts)
		e->r.caught_by_abort[cause]++;	/* the kernel refused to enter with it pending */
	if (f->kind != KR_KIND_NONE)
		finding(e, v, f);
	if (f->past_ns > v->st.max_past_ns)
		v->st.max_past_ns = f->past_ns;
}

/* Close a request: judged now, or held (guest_hooks) while the vCPU's runs
 * are only KVM_RUN brackets that its first guest event may show to be host
 * time (a KVM_RUN with immediate_exit, or one a signal ended before entry,
 * began with a flag set: no guest was entered). */
static void req_close(struct kr_engine *e, struct vcpu *v, int cause)
{
	struct req *q = &v->req[cause];

	if (q->state == RQ_IDLE)
		return;
	if (e->o.guest_hooks && !e->o.no_bracket && !v->st.guest_events && v->nheld < MAX_HELD)
		v->held[v->nheld++] = *q;
	else
		req_judge(e, v, cause, q);
	memset(q, 0, sizeof(*q));
}

/* The held requests judged: as they were (no guest event came: bracketing
 * was all there was), or as host time (host_time: a guest event came, so no
 * bracketed run entered the guest: honoured before any entry). */
static void held_judge(struct kr_engine *e, struct vcpu *v, bool host_time)
{
	uint8_t i;

	for (i = 0; i < v->nheld; i++) {
		struct req *q = &v->held[i];

		if (host_time) {
			q->f.past_ns = 0;
			q->f.kind = KR_KIND_NONE;
			e->r.bracket_host_time++;
		}
		req_judge(e, v, q->f.cause, q);
	}
	v->nheld = 0;
}

/* A kick for a request raised from another CPU while its vCPU ran: the IPI
 * that is the requesting CPU's last event, sent to the vCPU's CPU in the same
 * guest run, just before the request's own event; 0 if none. */
static uint64_t kick_sent_before(const struct kr_engine *e, const struct vcpu *v, const struct kr_event *ev)
{
	const struct cpu_state *ci;

	if (ev->cpu >= e->n_cpus || v->cpu >= 64)
		return 0;
	ci = &e->cpus[ev->cpu];
	if (ci->sent_ts && (ci->sent_to & (1ull << v->cpu)) && ci->sent_ts >= v->guest_since &&
	    ci->sent_ts <= ev->ts && ev->ts - ci->sent_ts <= KICK_BEFORE_NS)
		return ci->sent_ts;
	return 0;
}

/* A request raised by an interrupt handler on the vCPU's CPU: that
 * interrupt, the last its task took there, if it came within
 * KICK_BEFORE_NS (one of an untraced kind would leave an older one there). */
static void note_raised_by(const struct kr_engine *e, struct kr_finding *f, const struct kr_event *ev)
{
	const struct cpu_state *ci = ev->cpu < e->n_cpus ? &e->cpus[ev->cpu] : NULL;

	if (ci && ci->ts && ci->ts <= ev->ts && ev->ts - ci->ts <= KICK_BEFORE_NS) {
		f->irq_raised_ns = ci->ts;
		f->irq_raised_kind = ci->kind;
	}
}

/* Open a request of cause in slot q (its cause's, or a waking's). */
static void req_open(struct kr_engine *e, struct vcpu *v, struct req *q, int cause, const struct kr_event *ev,
		     bool from_tif)
{
	struct kr_finding *f = &q->f;

	memset(q, 0, sizeof(*q));
	f->cause = (uint8_t)cause;
	f->request_ns = ev->ts;
	f->request_on_cpu_ns = from_tif ? 0 : ev->ts;
	f->signo = cause == KR_CAUSE_SIGNAL && !from_tif ? ev->reason : 0;
	f->src_tid = from_tif ? 0 : ev->src_tid;
	f->from_tif = from_tif;
	f->remote = !from_tif && ev->cpu != v->cpu;
	f->in_irq = !from_tif && (ev->flags & KR_F_IN_IRQ);
	f->cpu = v->cpu;
	if (f->in_irq && !f->remote)	/* on the vCPU's CPU: the interrupt that brought it */
		note_raised_by(e, f, ev);
	if (!v->in_guest) {
		q->state = RQ_WAITING;
		return;
	}
	q->state = RQ_IN_GUEST;
	/* Raised from another CPU: that CPU must kick the vCPU's (one raised on
	 * the vCPU's own CPU came with an exit already). */
	f->kick_due = f->remote;
	if (f->kick_due)
		f->kick_ns = kick_sent_before(e, v, ev);
	f->kind = KR_KIND_LATE_EXIT;
	q->saved_kind = KR_KIND_NONE;
	q->seg_start = ev->ts;
}

static void close_pending_run_end(struct kr_engine *e, struct vcpu *v)
{
	int c;

	for (c = 0; c < KR_NR_CAUSES; c++)
		if (v->req[c].state != RQ_IDLE && v->req[c].to_close)
			req_close(e, v, c);
}

/* ---- host interrupts and IPIs ---- */

/* The vCPU's task took an interrupt in the host at ts while, by its guest
 * entry and exit events, the guest ran: the guest had stopped (the POWER
 * paths were seen to fire kvm_guest_exit milliseconds after such host work).
 * Guest time counts up to here; each finding it cuts says so.  (Requests
 * raised on the vCPU's CPU are no such evidence: between the entry event and
 * the real entry the host runs the entry path, a race injector among it.) */
static void host_ran(struct vcpu *v, uint64_t ts)
{
	int c;

	if (v->stopped_ns)
		return;
	v->stopped_ns = ts;
	for (c = 0; c < v->nslots; c++) {
		struct req *q = &v->req[c];

		if (q->state == RQ_IN_GUEST && ts >= q->seg_start)
			q->f.host_ran_ns = ts;
	}
}

/* The kick received: the first IPI-like interrupt the vCPU's task took after
 * a request raised on another CPU, before the entry after its first guest run
 * (x86/arm64 take it after the exit event, the POWER paths before
 * kvm_guest_exit fires); for a wake-up timed at its sched_waking, whenever it
 * comes (until its IPI is taken, the kernel there cannot know of it). */
static void kick_received(struct vcpu *v, const struct kr_event *ev)
{
	int c;

	if (!irq_is_kick((int)ev->reason))
		return;
	for (c = 0; c < v->nslots; c++) {
		struct kr_finding *f = &v->req[c].f;

		if (v->req[c].state != RQ_IDLE && f->remote && !f->kick_rx_ns && ev->ts >= f->request_ns &&
		    (f->segments == 0 || (f->segments == 1 && !v->in_guest) || f->from_waking)) {
			f->kick_rx_ns = ev->ts;
			f->kick_rx_kind = (uint8_t)ev->reason;
		}
	}
}

/* A host interrupt: remembered per CPU if it interrupted a vCPU task (the
 * kick the 2017 race consumed in the host hit the vCPU's task on its way into
 * the guest; one that woke an idle CPU is not that).  The BPF side records
 * only those; text and ftrace inputs have them all. */
static void host_irq(struct kr_engine *e, const struct kr_event *ev)
{
	struct vcpu *v = kr_tidmap_get(&e->vcpus, ev->tid);
	struct cpu_state *ci;

	e->r.host_irq_events++;
	if (!v || !(ci = cpu_at(e, ev->cpu)))
		return;
	if (v->in_guest && v->st.guest_events)
		host_ran(v, ev->ts);
	kick_received(v, ev);
	ci->ts = ev->ts;
	ci->kind = (uint8_t)ev->reason;
	if (irq_is_ipi((int)ev->reason)) {
		ci->ipi_ts = ev->ts;
		ci->ipi_kind = (uint8_t)ev->reason;
	}
}

/* An IPI sent to a CPU: the kick of the vCPU in the guest there, for its
 * requests raised while it ran and not kicked yet; and of a wake-up timed at
 * its sched_waking, whenever its waker sends it while it is pending (that
 * CPU can stall between the two: the vCPU may have left the guest, or gone
 * back in, meanwhile). */
static void ipi_send(struct kr_engine *e, const struct kr_event *ev)
{
	struct cpu_state *ci;
	struct vcpu *v;
	int c;

	e->r.ipi_send_events++;
	if ((ci = cpu_at(e, ev->cpu))) {	/* the sender's last event */
		if (ci->sent_ts != ev->ts)
			ci->sent_to = 0;
		ci->sent_ts = ev->ts;
		if (ev->reason < 64)
			ci->sent_to |= 1ull << ev->reason;
	}
	if (!(ci = cpu_at(e, ev->reason)) || !ci->last_tid)
		return;
	v = kr_tidmap_get(&e->vcpus, ci->guest_tid ? ci->guest_tid : ci->last_tid);
	if (!v || v->cpu != ev->reason)
		return;
	for (c = 0; c < v->nslots; c++) {
		struct req *q = &v->req[c];
		struct kr_finding *f = &q->f;
		bool first_run = q->state == RQ_IN_GUEST && !f->segments;

		if (q->state != RQ_IDLE && (first_run || f->from_waking) && f->kick_due && !f->kick_ns &&
		    ev->ts >= f->request_ns)
			f->kick_ns = ev->ts;
	}
}

/* ---- guest runs ---- */

/* Requests that are pending when the guest is entered: what was set at the
 * entry (a flag already set with no request seen opens one: raised before
 * tracing, or by a path without a tracepoint). */
static void open_from_tif(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	if (!(ev->flags & (KR_F_TIF | KR_F_NR)))
		return;
	if ((ev->flags & KR_F_TIF) && (ev->tif & KR_TIF_SIGNAL_MASK) && v->req[KR_CAUSE_SIGNAL].state == RQ_IDLE) {
		req_open(e, v, &v->req[KR_CAUSE_SIGNAL], KR_CAUSE_SIGNAL, ev, true);
		e->r.tif_requests[KR_CAUSE_SIGNAL]++;
		v->req[KR_CAUSE_SIGNAL].state = RQ_WAITING;
	}
	if ((ev->tif & KR_TIF_NEED_RESCHED) && v->req[KR_CAUSE_RESCHED].state == RQ_IDLE) {
		req_open(e, v, &v->req[KR_CAUSE_RESCHED], KR_CAUSE_RESCHED, ev, true);
		e->r.tif_requests[KR_CAUSE_RESCHED]++;
		v->req[KR_CAUSE_RESCHED].state = RQ_WAITING;
	}
}

/* The state at a request's first entry, and the host interrupt on that CPU
 * that brought it: the one whose handler raised it (in_irq), else one
 * between the request and the entry, an IPI (a kick) first, else any. */
static void note_entry(const struct kr_engine *e, const struct vcpu *v, struct kr_finding *f,
		       const struct kr_event *ev)
{
	/* The kernel sets the flag and sends the kick before signal_generate or
	 * sched_wakeup fire (sched_waking comes first): the window opens at the
	 * task's last event that showed the flag clear, if earlier; seen only as
	 * a flag at entry, there. */
	uint64_t from = f->request_ns, clear = v->flag_clear_ns[f->cause];
	uint64_t any_from = f->from_tif ? clear : f->request_ns;	/* other interrupts: after the request */

	if (f->from_tif || (!f->from_waking && clear && clear < from))
		from = clear;

	f->entry_ns = ev->ts;
	f->entry_flags = ev->flags;
	f->entry_tif = ev->tif;
	f->entry_soft_mask = ev->soft_mask;
	f->entry_irq_happened = ev->irq_happened;
	if (ev->cpu < e->n_cpus) {
		const struct cpu_state *ci = &e->cpus[ev->cpu];

		if (f->irq_raised_ns) {	/* the interrupt that raised it, in the host */
			f->irq_before_entry_ns = f->irq_raised_ns;
			f->irq_before_entry_kind = f->irq_raised_kind;
		} else if (from && ci->ipi_ts > from && ci->ipi_ts <= ev->ts) {
			f->irq_before_entry_ns = ci->ipi_ts;
			f->irq_before_entry_kind = ci->ipi_kind;
		} else if (any_from && ci->ts > any_from && ci->ts <= ev->ts) {
			f->irq_before_entry_ns = ci->ts;
			f->irq_before_entry_kind = ci->kind;
		}
	}
}

static void count_entry_state(struct kr_engine *e, const struct kr_event *ev)
{
	if (!(ev->flags & KR_F_PACA) || ev->type != KR_EV_GUEST_ENTER)
		return;
	e->r.entry_irq_known++;
	e->r.entry_soft_masked_all += ev->soft_mask == 3;
	e->r.entry_hard_disabled += !!(ev->irq_happened & KR_PACA_IRQ_HARD_DIS);
	e->r.entry_soft_enabled += ev->soft_mask == 0;
}

static void enter_guest(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	struct cpu_state *ci;
	int c;

	if (v->in_guest)
		return;
	v->in_guest = true;
	v->cpu = ev->cpu;
	v->guest_since = ev->ts;
	v->stopped_ns = 0;
	for (c = SLOT_WAKING; c < v->nslots; c++)
		if (v->req[c].state == RQ_WAITING) {	/* not seen on the CPU yet: a late exit's */
			v->req[c].state = RQ_IN_GUEST;
			v->req[c].seg_start = ev->ts;
		}
	if ((ci = cpu_at(e, ev->cpu)))
		ci->guest_tid = ci->last_tid = v->st.tid;
	v->st.runs++;
	e->r.runs++;
	count_entry_state(e, ev);
	open_from_tif(e, v, ev);
	for (c = 0; c < KR_NR_CAUSES; c++) {
		struct req *q = &v->req[c];

		if (q->state != RQ_WAITING)
			continue;
		/* The flags at entry are the truth: a request whose flag is clear
		 * again was honoured before this entry (e.g. schedule() ran and
		 * picked the same task, which no sched_switch shows). */
		if ((ev->flags & (c == KR_CAUSE_SIGNAL ? KR_F_TIF : KR_F_TIF | KR_F_NR)) &&
		    !(ev->tif & (c == KR_CAUSE_SIGNAL ? KR_TIF_SIGNAL_MASK : KR_TIF_NEED_RESCHED))) {
			req_close(e, v, c);
			continue;
		}
		q->state = RQ_IN_GUEST;
		q->seg_start = ev->ts;
		q->to_close = false;
		q->f.cpu = ev->cpu;
		q->saved_kind = q->f.kind;
		if (q->f.kind != KR_KIND_LATE_EXIT || q->f.past_ns <= e->o.threshold_ns)
			q->f.kind = KR_KIND_ENTERED_PENDING;
		if (!q->f.entry_ns)
			note_entry(e, v, &q->f, ev);
	}
}

/* Take back the guest entry of the current run: the requests pending at it
 * wait again as they did before it (their entry state forgotten if it was
 * their first).  aborted: the kernel backed out of the entry (POWER trap 0:
 * it saw a pending interrupt after hard-disabling), counted; else the "run"
 * was KVM_RUN bracketing's, host time by the guest events that replace it. */
static void undo_entry(struct kr_engine *e, struct vcpu *v, bool aborted)
{
	int c;

	if (!v->in_guest)
		return;
	v->in_guest = false;
	v->st.runs--;
	e->r.runs--;
	e->r.aborted_entries += aborted;
	for (c = 0; c < v->nslots; c++) {
		struct req *q = &v->req[c];

		if (q->state != RQ_IN_GUEST)
			continue;
		q->state = RQ_WAITING;
		q->f.kind = q->saved_kind;
		if (!q->f.segments) {
			q->f.entry_ns = 0;
			q->f.kick_due &= aborted;	/* raised in the host: no kick was due */
		}
		q->aborts += aborted;
	}
}

static void wakings_drop(struct vcpu *v)
{
	int c;

	for (c = SLOT_WAKING; c < v->nslots; c++)
		if (v->req[c].state != RQ_IDLE)
			memset(&v->req[c], 0, sizeof(v->req[c]));
	v->nslots = KR_NR_CAUSES;
}

/* The exit that ended the run a request was raised in: was the vCPU's CPU
 * sent an IPI, how soon, and how long did the guest run on after it. */
static void count_kick(struct kr_engine *e, int cause, const struct kr_finding *f, uint64_t exit_ts)
{
	struct kr_kick_stats *k = &e->r.kicks[cause];
	uint64_t d, l;

	k->requests++;
	if (!f->kick_ns)
		return;
	d = since(f->kick_ns, f->request_ns);	/* 0: sent with the request, before its event */
	l = since(exit_ts, f->kick_ns);
	k->kicked++;
	k->delay_sum += d;
	k->delivery_sum += l;
	if (d > k->delay_max)
		k->delay_max = d;
	if (l > k->delivery_max)
		k->delivery_max = l;
}

static void leave_guest(struct kr_engine *e, struct vcpu *v, uint64_t ts, int exit_kind, uint32_t reason,
			int32_t err)
{
	int c;

	if (!v->in_guest)
		return;
	v->in_guest = false;
	if (v->cpu < e->n_cpus && e->cpus[v->cpu].guest_tid == v->st.tid)
		e->cpus[v->cpu].guest_tid = 0;
	for (c = 0; c < v->nslots; c++) {
		struct req *q = &v->req[c];
		struct kr_finding *f = &q->f;

		if (q->state != RQ_IN_GUEST)
			continue;
		if (c < KR_NR_CAUSES && f->kick_due && !f->segments && exit_kind != KR_EXIT_NONE)
			count_kick(e, c, f, ts);
		/* up to the exit, or to where the host showed the guest had stopped */
		f->past_ns += since(v->stopped_ns && v->stopped_ns < ts ? v->stopped_ns : ts, q->seg_start);
		f->segments++;
		q->state = RQ_WAITING;
		f->exit_ns = ts;
		f->exit_kind = (uint8_t)exit_kind;
		f->exit_reason = reason;
		f->exit_err = err;
	}
}

/* ---- events of a vCPU task ---- */

static void on_run_begin(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	close_pending_run_end(e, v);
	v->in_run = true;
	v->cpu = ev->cpu;
	v->st.run_calls++;
	e->r.run_calls++;
	if (!v->st.guest_events && !e->o.no_bracket)
		enter_guest(e, v, ev);
}

static void on_run_end(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	int c;

	leave_guest(e, v, ev->ts, KR_EXIT_RUN_END, 0, 0);
	v->in_run = false;
	/* Whatever is still pending is honoured on the way out to userspace;
	 * close at kvm_userspace_exit to learn the reason. */
	for (c = 0; c < KR_NR_CAUSES; c++)
		if (v->req[c].state != RQ_IDLE)
			v->req[c].to_close = true;
}

static void on_user_exit(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	int c;

	if (ev->flags & KR_F_LOOP)	/* KVM_RUN goes on: requests and wake-ups stay */
		return;
	if (v->in_run) {	/* no RUN_END event: the end is here, or src_tid ns before */
		uint64_t end = ev->ts;

		if ((ev->flags & KR_F_RUN_END) && ev->src_tid < end)
			end -= ev->src_tid;
		leave_guest(e, v, end, KR_EXIT_RUN_END, ev->reason, ev->err);
		v->in_run = false;
	}
	for (c = 0; c < KR_NR_CAUSES; c++) {
		struct req *q = &v->req[c];

		if (q->state == RQ_IDLE)
			continue;
		if (q->f.exit_kind == KR_EXIT_RUN_END) {
			q->f.exit_reason = ev->reason;
			q->f.exit_err = ev->err;
		}
		req_close(e, v, c);
	}
	wakings_drop(v);	/* back in userspace: its wake-ups were not for it */
}

static void on_guest_enter(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	if (!v->st.guest_events) {
		/* First real guest event: stop using KVM_RUN bracketing for this
		 * vCPU; the bracketed "run" so far was host time, and so were
		 * the earlier ones. */
		v->st.guest_events = true;
		undo_entry(e, v, false);
		held_judge(e, v, true);
	}
	close_pending_run_end(e, v);
	enter_guest(e, v, ev);
}

static void on_guest_exit(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	if (!v->st.guest_events) {
		v->st.guest_events = true;
		held_judge(e, v, true);
	}
	if (ev->flags & KR_F_ABORTED)
		undo_entry(e, v, true);
	else	/* x86: cause carries the vendor (VMX 1, SVM 2) for decoding */
		leave_guest(e, v, ev->ts, KR_EXIT_GUEST, ev->reason, ev->cause);
}

/* The vCPU task left its CPU: a pending reschedule is honoured; wake-ups for
 * that CPU not seen there yet will preempt whatever runs there, not it. */
static void on_switch_out(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	leave_guest(e, v, ev->ts, KR_EXIT_SWITCH, (uint32_t)ev->err, 0);
	req_close(e, v, KR_CAUSE_RESCHED);
	wakings_drop(v);
}

static void on_switch_in(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	v->cpu = ev->cpu;
	if (v->in_run && !v->st.guest_events && !e->o.no_bracket)
		enter_guest(e, v, ev);
}

/* ---- reschedule requests timed at their sched_waking ---- */

/* The pending waking of task woken for v (one slot per task), NULL if none. */
static struct req *waking_of(struct vcpu *v, uint32_t woken)
{
	int c;

	for (c = SLOT_WAKING; c < v->nslots; c++)
		if (v->req[c].state != RQ_IDLE && v->req[c].woken == woken)
			return &v->req[c];
	return NULL;
}

/* The waking of task woken pending for v, if any, is void: sched_waking names
 * the task's previous CPU, and its wake-up placed it on another (an RT task
 * pushed off an RT vCPU's CPU).  Left pending, it would time a later request
 * of that CPU (from_waking takes the earliest) from a wake-up that never came
 * there. */
static void waking_void(struct kr_engine *e, struct vcpu *v, uint32_t woken)
{
	struct req *q = waking_of(v, woken);

	if (q) {
		memset(q, 0, sizeof(*q));
		e->r.wakings_elsewhere++;
	}
}

/* sched_waking of task ev->reason onto the CPU the vCPU runs on: counted from
 * now in a slot of its own (the task's earlier one, a free one, or the
 * oldest), as a late exit's request until its wake-up is seen on the CPU. */
static void on_waking(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	struct req *q = NULL, *r = &v->req[KR_CAUSE_RESCHED];
	int c;

	if (ev->flags & KR_F_ELSEWHERE) {	/* its wake-up went to another CPU: void */
		waking_void(e, v, ev->reason);
		return;
	}
	if (r->state != RQ_IDLE && !r->to_close)
		return;	/* a reschedule is pending already */
	q = waking_of(v, ev->reason);
	for (c = SLOT_WAKING; c < NR_SLOTS && !q; c++)
		if (v->req[c].state == RQ_IDLE)
			q = &v->req[c];
	if (!q) {
		q = &v->req[SLOT_WAKING];
		for (c = SLOT_WAKING + 1; c < NR_SLOTS; c++)
			if (v->req[c].f.request_ns < q->f.request_ns)
				q = &v->req[c];
	}
	v->nslots = NR_SLOTS;	/* the wakings' slots count now */
	req_open(e, v, q, KR_CAUSE_RESCHED, ev, false);
	q->woken = ev->reason;
	q->f.request_on_cpu_ns = 0;
	q->f.from_waking = true;
	q->f.kind = q->saved_kind = KR_KIND_LATE_EXIT;	/* whether it entered or not */
	if (q->state == RQ_WAITING)
		q->seg_start = ev->ts;
}

/* The reschedule request ev whose waking was seen: the earliest waking
 * still pending for the vCPU's CPU becomes the request, timed at it (that
 * CPU has had to reschedule since: a remote wake-up whose kick the guest
 * held, then a wake-up raised on that CPU whose sched_wakeup came first);
 * the vCPU's CPU learnt of it now.  False if ev's waking was not seen. */
static bool from_waking(struct vcpu *v, const struct kr_event *ev)
{
	struct req *r = &v->req[KR_CAUSE_RESCHED], *w = waking_of(v, ev->reason);
	int c;

	if (!w)
		return false;
	for (c = SLOT_WAKING; c < v->nslots; c++)
		if (v->req[c].state != RQ_IDLE && v->req[c].f.request_ns < w->f.request_ns)
			w = &v->req[c];
	*r = *w;
	r->woken = 0;
	r->f.request_on_cpu_ns = ev->ts;
	wakings_drop(v);
	return true;
}

/* A request's event after the entry that already showed its flag, in that
 * first run: its own late event (the kernel sets the flag and sends the kick
 * before signal_generate or sched_wakeup fire; an emulated CPU can stall
 * between the two).  Its source is the request's; it stays dated at the
 * entry, and whether an interrupt handler raised it is the event's word.
 * False if it is another request. */
static bool tif_request_event(struct vcpu *v, struct req *q, const struct kr_event *ev)
{
	struct kr_finding *f = &q->f;

	if (!f->from_tif || f->src_tid || f->segments || q->state != RQ_IN_GUEST || ev->ts < f->entry_ns)
		return false;
	f->src_tid = ev->src_tid;
	f->signo = ev->cause == KR_CAUSE_SIGNAL ? ev->reason : 0;
	f->remote = ev->cpu != v->cpu;
	f->in_irq = (ev->flags & KR_F_IN_IRQ) != 0;
	return true;
}

static void on_request(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	int c = ev->cause;
	struct req *q = &v->req[c];

	e->r.requests[c]++;
	v->st.requests[c]++;
	if (q->state != RQ_IDLE && !q->to_close) {
		if (!tif_request_event(v, q, ev))
			e->r.coalesced[c]++;
	} else {
		req_close(e, v, c);
		if (c == KR_CAUSE_RESCHED && from_waking(v, ev))
			e->r.requests_from_waking[c]++;
		else
			req_open(e, v, q, c, ev, false);
	}
	if (ev->cpu < e->n_cpus)
		e->cpus[ev->cpu].sent_ts = 0;	/* that IPI is taken */
}

static void on_sig_deliver(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	leave_guest(e, v, ev->ts, KR_EXIT_RUN_END, 0, 0);
	req_close(e, v, KR_CAUSE_SIGNAL);
}

/* KR_EV_VCORE: which entry path the host takes (POWER vcore path); the guest
 * runs themselves come from kvm_guest_enter/exit per vCPU. */
static void on_vcore(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev)
{
	(void)e;
	(void)v;
	(void)ev;
}

typedef void (*vcpu_handler)(struct kr_engine *e, struct vcpu *v, const struct kr_event *ev);

static const vcpu_handler on_vcpu_event[KR_EV_MAX_EVENT] = {
	[KR_EV_RUN_BEGIN] = on_run_begin,	[KR_EV_RUN_END] = on_run_end,
	[KR_EV_USER_EXIT] = on_user_exit,	[KR_EV_GUEST_ENTER] = on_guest_enter,
	[KR_EV_GUEST_EXIT] = on_guest_exit,	[KR_EV_SWITCH_OUT] = on_switch_out,
	[KR_EV_SWITCH_IN] = on_switch_in,	[KR_EV_REQUEST] = on_request,
	[KR_EV_SIG_DELIVER] = on_sig_deliver,	[KR_EV_VCORE] = on_vcore,
	[KR_EV_WAKING] = on_waking,
};

/* Which task state the input carried, over the vCPU tasks' own events: by
 * the four flags that tell it (TIF, IRQ, PACA, NR as bits 0-3), one count
 * per event. */
#define STATE_INDEX(f) (((f) & (KR_F_TIF | KR_F_IRQ)) | ((f) & KR_F_PACA) >> 2 | ((f) & KR_F_NR) >> 5)
static void count_state(struct kr_engine *e, const struct kr_event *ev)
{
	/* Any event of a CPU but a request ends its last IPI's claim to be the
	 * kick of a request it raises next (req_open reads it). */
	if (e->r.ipi_send_events && ev->cpu < e->n_cpus)
		e->cpus[ev->cpu].sent_ts = 0;
	e->by_state[STATE_INDEX(ev->flags)]++;	/* summed by state_counts() */
}

/* The events that carried each kind of task state, from by_state. */
static void state_counts(struct kr_engine *e)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		e->r.state_events += e->by_state[i];
		e->r.state_tif += i & 1 ? e->by_state[i] : 0;
		e->r.state_irq += i & 2 ? e->by_state[i] : 0;
		e->r.state_paca += i & 4 ? e->by_state[i] : 0;
		e->r.state_nr += i & 9 ? e->by_state[i] : 0;	/* TIF or NR */
	}
}

static void step(struct kr_engine *e, const struct kr_event *ev)
{
	struct vcpu *v;

	if (e->o.sink)
		e->o.sink(e->o.sink_ctx, ev, NULL);
	e->r.events++;
	e->r.events_by_type[ev->type]++;
	if (ev->type == KR_EV_HOST_IRQ) {	/* per CPU, not a vCPU task's event */
		host_irq(e, ev);
		return;
	}
	if (ev->type == KR_EV_IPI_SEND) {	/* likewise */
		ipi_send(e, ev);
		return;
	}
	if (ev->type != KR_EV_REQUEST && ev->type != KR_EV_WAKING)	/* raised elsewhere, about it */
		count_state(e, ev);
	if (!e->r.first_ns || ev->ts < e->r.first_ns)
		e->r.first_ns = ev->ts;
	if (ev->ts > e->r.last_ns)
		e->r.last_ns = ev->ts;
	if (!(v = vcpu_get(e, ev)))
		return;
	if (ev->type != KR_EV_REQUEST && ev->type != KR_EV_WAKING && (ev->flags & KR_F_TIF)) {
		if (!(ev->tif & KR_TIF_SIGNAL_MASK))
			v->flag_clear_ns[KR_CAUSE_SIGNAL] = ev->ts;
		if (!(ev->tif & KR_TIF_NEED_RESCHED))
			v->flag_clear_ns[KR_CAUSE_RESCHED] = ev->ts;
	}
	on_vcpu_event[ev->type](e, v, ev);
}

/* ---- reorder stage ---- */

#define RING_AT(e, i) ((e)->ring[((e)->ring_head + (i)) & ((e)->ring_cap - 1)])

static int ring_grow(struct kr_engine *e)
{
	size_t ncap = e->ring_cap ? e->ring_cap * 2 : 256, i;
	struct kr_event *n = malloc(ncap * sizeof(*n));

	if (!n)
		return -1;
	for (i = 0; i < e->ring_len; i++)
		n[i] = RING_AT(e, i);
	free(e->ring);
	e->ring = n;
	e->ring_cap = ncap;
	e->ring_head = 0;
	return 0;
}

static void release_one(struct kr_engine *e)
{
	const struct kr_event *ev = &RING_AT(e, 0);

	e->released_ts = ev->ts;
	e->released_any = true;
	step(e, ev);
	e->ring_head = (e->ring_head + 1) & (e->ring_cap - 1);
	e->ring_len--;
}

static void release(struct kr_engine *e, bool all)
{
	while (e->ring_len && (all || RING_AT(e, 0).ts + e->o.reorder_window_ns < e->max_ts))
		release_one(e);
}

int kr_engine_push(struct kr_engine *e, const struct kr_event *ev)
{
	size_t pos;

	if (e->finished || kr_event_invalid(ev))
		return -1;
	if (e->ring_len == KR_REORDER_MAX)	/* full: the oldest goes, in order */
		release_one(e);
	if (e->released_any && ev->ts < e->released_ts) {
		/* Older than what was already released: too late to reorder. */
		e->r.reorder_late++;
		step(e, ev);
		return 0;
	}
	if (e->o.ordered) {
		e->released_ts = ev->ts;
		e->released_any = true;
		if (ev->ts > e->max_ts)
			e->max_ts = ev->ts;
		step(e, ev);
		return 0;
	}
	if (e->ring_len == e->ring_cap && ring_grow(e))
		return -1;
	/* Find the slot from the tail; equal timestamps keep arrival order. */
	pos = e->ring_len;
	while (pos && RING_AT(e, pos - 1).ts > ev->ts) {
		RING_AT(e, pos) = RING_AT(e, pos - 1);
		pos--;
	}
	RING_AT(e, pos) = *ev;
	e->ring_len++;
	if (ev->ts > e->max_ts)
		e->max_ts = ev->ts;
	release(e, false);
	return 0;
}

void kr_engine_progress(const struct kr_engine *e, struct kr_engine_progress *p)
{
	p->events = e->r.events;
	p->findings = e->r.findings_total[KR_KIND_LATE_EXIT] + e->r.findings_total[KR_KIND_ENTERED_PENDING];
	p->violations = e->r.violations;
	p->vcpus = e->vcpus.n;
}

size_t kr_engine_buffered(const struct kr_engine *e)
{
	return e->ring_len;
}

void kr_engine_set_truncated(struct kr_engine *e)
{
	e->truncated = true;
}

void kr_engine_set_caveat(struct kr_engine *e, const char *why)
{
	e->r.caveat = why;
}

void kr_engine_set_irqs_traced(struct kr_engine *e)
{
	e->r.irqs_known = true;
}

void kr_engine_set_ipis_traced(struct kr_engine *e)
{
	e->r.ipis_known = true;
}

void kr_engine_set_lost(struct kr_engine *e, uint64_t lost, uint64_t untracked)
{
	e->input_lost = lost;
	e->r.lost = e->input_lost + e->lost;
	e->r.untracked = untracked;
}

/* ---- the end ---- */

static int vcpu_stats_cmp(const void *a, const void *b)
{
	const struct kr_vcpu_stats *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int fnd_qsort_cmp(const void *a, const void *b)
{
	return -fnd_cmp(a, b);
}

/* Close what is still open at the end of the trace: a request still in the
 * guest counts its guest time up to the last event seen; in a truncated
 * input, requests still pending are not judged (open_at_end). */
static void close_at_end(struct kr_engine *e, struct vcpu *v)
{
	int c;

	if (v->in_guest)
		leave_guest(e, v, e->r.last_ns, KR_EXIT_NONE, 0, 0);
	wakings_drop(v);
	for (c = 0; c < KR_NR_CAUSES; c++) {
		if (e->truncated && v->req[c].state != RQ_IDLE && !v->req[c].to_close) {
			e->r.open_at_end++;
			memset(&v->req[c], 0, sizeof(v->req[c]));
			continue;
		}
		req_close(e, v, c);
	}
	held_judge(e, v, false);	/* no guest event came: the brackets were the runs */
}

static void collect(struct kr_engine *e)
{
	uint32_t it = 0, n = 0;
	struct vcpu *v;

	e->r.vcpus = calloc(e->vcpus.n ? e->vcpus.n : 1, sizeof(*e->r.vcpus));
	if (e->r.vcpus) {
		while ((v = kr_tidmap_next(&e->vcpus, &it, NULL)))
			e->r.vcpus[n++] = v->st;
		qsort(e->r.vcpus, n, sizeof(*e->r.vcpus), vcpu_stats_cmp);
		e->r.nr_vcpus = n;
	}
	e->r.findings = calloc(e->fnd_len ? e->fnd_len : 1, sizeof(*e->r.findings));
	if (e->r.findings) {
		memcpy(e->r.findings, e->fnd, e->fnd_len * sizeof(*e->fnd));
		qsort(e->r.findings, e->fnd_len, sizeof(*e->fnd), fnd_qsort_cmp);
		e->r.nr_findings = e->fnd_len;
	}
}

void kr_engine_finish(struct kr_engine *e)
{
	uint32_t it = 0;
	struct vcpu *v;

	if (e->finished)
		return;
	release(e, true);
	e->r.irqs_known |= e->r.host_irq_events != 0;
	e->r.ipis_known |= e->r.ipi_send_events != 0;
	while ((v = kr_tidmap_next(&e->vcpus, &it, NULL)))
		close_at_end(e, v);
	e->r.lost = e->input_lost + e->lost;
	state_counts(e);
	collect(e);
	e->finished = true;
}

const struct kr_result *kr_engine_result(const struct kr_engine *e)
{
	return &e->r;
}

enum kr_verdict kr_result_verdict(const struct kr_result *r)
{
	if (r->violations)
		return KR_VIOLATION;
	if (!r->runs || r->lost || r->caveat || r->reorder_late)
		return KR_INCONCLUSIVE;
	return KR_PASS;
}
