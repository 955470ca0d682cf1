/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kvmrace analysis engine: pure C, no I/O, no libbpf, no globals.
 *
 * Feed it kr_events in any per-CPU interleaving (a reorder stage merges them
 * by timestamp within a window), then kr_engine_finish(), then read the
 * result.  Memory is bounded by live vCPUs, pending requests, the reorder
 * window and the retained findings (max_findings), never by trace length.
 */
#ifndef KR_ENGINE_H
#define KR_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "kvmrace.h"

#define KR_HIST_BUCKETS 40
/* The reorder stage holds at most this many events: when full it releases
 * the oldest (inputs with many equal timestamps need no reordering). */
#define KR_REORDER_MAX (1u << 18)	/* log2 buckets of ns: [0], [1], [2,3], ... */

enum kr_kind {
	KR_KIND_NONE = 0,
	KR_KIND_LATE_EXIT = 1,
	KR_KIND_ENTERED_PENDING = 2,
};

/* How the guest run that honoured a request ended. */
enum kr_exit_kind {
	KR_EXIT_NONE = 0,	/* not left yet (end of trace) */
	KR_EXIT_GUEST = 1,	/* guest exit event: reason is the exit reason / trap */
	KR_EXIT_RUN_END = 2,	/* end of KVM_RUN: reason is kvm_run->exit_reason */
	KR_EXIT_SWITCH = 3,	/* task switched out */
};

/* What a finding's own evidence says happened to the request's kick. */
enum kr_class {
	KR_CLASS_UNKNOWN = 0,		/* the evidence does not tell */
	KR_CLASS_CONSUMED = 1,		/* kick_consumed_in_host: entered with it pending after an IPI-like
					 * interrupt was taken in the host on that CPU between the request
					 * and the entry: the 2017 race's signature */
	KR_CLASS_KICK_LATE = 2,		/* kick_late: raised from another CPU, the kick did reach the vCPU's
					 * task (an IPI-like interrupt it took after the request), late */
	KR_CLASS_NOT_KICKED = 3,	/* not_kicked: no IPI was sent to its CPU (IPI sends traced), or it
					 * was raised on the vCPU's own CPU where none was due */
	KR_NR_CLASSES = 4,
};

struct kr_finding;

struct kr_engine_opts {
	uint64_t threshold_ns;
	uint64_t reorder_window_ns;	/* 0: default (10 ms) */
	unsigned int max_findings;	/* 0: default (100) */
	/* Guest entry/exit events always fire on this host (a POWER kvm_hv hook
	 * is attached): never fall back to KVM_RUN bracketing. */
	bool no_bracket;
	/* A guest entry event is traced (kvm_entry) but may never fire (a
	 * KVM without it): bracketing stays, and what a vCPU's bracketed
	 * KVM_RUNs before its first guest event found is held until it is
	 * known whether one comes (then they were host time). */
	bool guest_hooks;
	/* The input is already in timestamp order (a text trace, merged by
	 * time): events are analysed as they come, with no reorder window.
	 * One older than its predecessor counts in reorder_late. */
	bool ordered;
	/* Optional: every event in timestamp order as it is analysed (f NULL),
	 * and every finding when it is closed (ev NULL).  For exporters. */
	void (*sink)(void *ctx, const struct kr_event *ev, const struct kr_finding *f);
	void *sink_ctx;
};

struct kr_finding {
	uint8_t kind;		/* enum kr_kind */
	uint8_t cause;		/* enum kr_cause */
	uint8_t exit_kind;	/* enum kr_exit_kind */
	bool violation;		/* past_ns > threshold */
	bool from_tif;		/* request seen only as a TIF flag at entry */
	bool from_waking;	/* a reschedule timed at its sched_waking (request_ns) */
	bool remote;		/* raised on another CPU than the vCPU's */
	bool in_irq;		/* raised by an interrupt handler (KR_F_IN_IRQ), on any CPU */
	uint8_t class;		/* enum kr_class */
	uint32_t pid, tid;
	int32_t vcpu;
	uint16_t cpu;		/* CPU of the entry (or the request) */
	uint32_t signo;
	uint32_t src_tid;
	/* request_ns: the earliest event that committed the kernel to it
	 * (signal_generate, sched_waking); request_on_cpu_ns: when the vCPU's
	 * CPU learnt of it (the flag set: signal_generate, sched_wakeup), 0 if
	 * only seen as a flag at entry. */
	uint64_t request_ns, request_on_cpu_ns, entry_ns, exit_ns, past_ns;
	uint32_t exit_reason;
	int32_t exit_err;
	uint32_t segments;	/* guest runs that counted */
	/* State at the guest entry that counted first (if any). */
	uint16_t entry_flags;	/* KR_F_* of that entry event */
	uint32_t entry_tif;
	uint8_t entry_soft_mask, entry_irq_happened;
	/* A host interrupt on the entry's CPU after the request and before the
	 * entry (the 2017 race: a kick consumed in the host before the guest
	 * was entered); 0 if none was seen.  Known only where host interrupts
	 * were traced (kr_result.irqs_known). */
	uint64_t irq_before_entry_ns;
	uint8_t irq_before_entry_kind;	/* enum kr_irq_kind */
	/* in_irq on the vCPU's CPU: the host interrupt whose handler raised it (the last the
	 * vCPU's task took there before the request), 0 if none was seen; it is
	 * the interrupt before the entry if the request entered the guest. */
	uint64_t irq_raised_ns;
	uint8_t irq_raised_kind;
	/* Raised while the vCPU was in the guest (a late exit's request): the
	 * first IPI sent to its CPU after it, 0 if none was seen.  Known only
	 * where IPI sends were traced (kr_result.ipis_known). */
	bool kick_due;
	uint64_t kick_ns;
	/* ... and the first IPI-like interrupt (enum kr_irq_kind: IPI,
	 * reschedule, doorbell, external) its vCPU's task took after it, before
	 * its next entry: the kick received; 0 if none (known where host
	 * interrupts were traced). */
	uint64_t kick_rx_ns;
	uint8_t kick_rx_kind;
	/* Guest entry/exit events: the first time the vCPU's CPU ran host code
	 * (an interrupt its task took, a request raised there) while the guest
	 * was still "running" by those events: the guest had stopped, the exit
	 * event came late; guest time is counted up to here; 0 if not seen. */
	uint64_t host_ran_ns;
	char comm[KR_COMM_LEN];
};

struct kr_vcpu_stats {
	uint32_t pid, tid;
	int32_t vcpu;
	char comm[KR_COMM_LEN];
	bool guest_events;	/* guest entry/exit events seen (else KVM_RUN bracketing) */
	uint64_t runs, run_calls;
	uint64_t requests[KR_NR_CAUSES];
	uint64_t findings, violations;
	uint64_t max_past_ns;
};

/* Requests raised while their vCPU was in the guest, at the exit that ended
 * that run: how many, how many saw an IPI sent to the vCPU's CPU (the kick),
 * the delay from the request to the kick and from the kick to the exit. */
struct kr_kick_stats {
	uint64_t requests, kicked;
	uint64_t delay_sum, delay_max, delivery_sum, delivery_max;
};

struct kr_result {
	uint64_t threshold_ns;
	uint64_t events;
	uint64_t events_by_type[KR_EV_MAX_EVENT];
	uint64_t first_ns, last_ns;
	uint64_t runs;			/* guest runs (entries) */
	uint64_t run_calls;		/* KVM_RUN calls seen */
	uint64_t requests[KR_NR_CAUSES];
	uint64_t coalesced[KR_NR_CAUSES];	/* raised while one was pending */
	uint64_t tif_requests[KR_NR_CAUSES];	/* seen only as TIF at entry */
	uint64_t hist[KR_NR_CAUSES][KR_HIST_BUCKETS];
	uint64_t findings_total[3];	/* by kind */
	uint64_t violations;
	uint64_t violations_by_cause[KR_NR_CAUSES];
	uint64_t findings_by_class[KR_NR_CLASSES], violations_by_class[KR_NR_CLASSES];
	uint64_t requests_from_waking[KR_NR_CAUSES];	/* timed at their sched_waking */
	uint64_t bracket_host_time;	/* requests of KVM_RUN brackets before a vCPU's first guest event: host time */
	uint64_t wakings_elsewhere;	/* pending wakings voided: the wake-up went to another CPU */
	uint64_t reorder_late;		/* events older than the reorder window */
	/* Which task state the input carried, over the vCPU tasks' own events
	 * (requests excluded): BPF reads TIF (and on POWER the PACA); ftrace
	 * and text traces give irqs-off and need-resched from their flags. */
	uint64_t host_irq_events;	/* KR_EV_HOST_IRQ seen */
	bool irqs_known;		/* host interrupts traced (kr_engine_set_irqs_traced) or seen */
	uint64_t ipi_send_events;	/* KR_EV_IPI_SEND seen */
	bool ipis_known;		/* IPI sends traced (kr_engine_set_ipis_traced) or seen */
	struct kr_kick_stats kicks[KR_NR_CAUSES];
	const char *caveat;		/* the capture is known to miss requests: no pass */
	uint64_t state_events;		/* events counted here */
	uint64_t state_irq, state_nr, state_tif, state_paca;
	/* Interrupt state at guest entries, where it was read (POWER PACA). */
	uint64_t entry_irq_known;	/* entries with PACA state */
	uint64_t entry_soft_masked_all;	/* irq_soft_mask == IRQS_ALL_DISABLED (3) */
	uint64_t entry_hard_disabled;	/* irq_happened has PACA_IRQ_HARD_DIS */
	uint64_t entry_soft_enabled;	/* irq_soft_mask == 0: the pre-fix window */
	uint64_t aborted_entries;	/* entries that never ran the guest (POWER trap 0) */
	uint64_t open_at_end;		/* truncated input: requests still pending at the cut, not judged */
	uint64_t caught_by_abort[KR_NR_CAUSES];	/* requests whose only entries were aborted */
	uint64_t lost;			/* events lost before the engine */
	uint64_t untracked;		/* vCPU tasks the capture could not track */
	uint32_t nr_vcpus;
	struct kr_vcpu_stats *vcpus;	/* sorted by pid, vcpu, tid */
	uint32_t nr_findings;		/* retained, worst first */
	struct kr_finding *findings;
};

enum kr_verdict { KR_PASS = 0, KR_VIOLATION = 2, KR_INCONCLUSIVE = 3 };

struct kr_engine;

struct kr_engine *kr_engine_new(const struct kr_engine_opts *opts);
void kr_engine_free(struct kr_engine *e);
/* Returns 0, or -1 on allocation failure or an invalid event type. */
int kr_engine_push(struct kr_engine *e, const struct kr_event *ev);
void kr_engine_set_lost(struct kr_engine *e, uint64_t lost, uint64_t untracked);
/* The input was cut (a killed tracer): requests still pending at its end are
 * counted as open_at_end, not judged (their exit may be in the lost part). */
void kr_engine_set_truncated(struct kr_engine *e);
/* The capture is known to miss requests (why): a run without violations is
 * inconclusive, not a pass. */
void kr_engine_set_caveat(struct kr_engine *e, const char *why);
/* The input traced host interrupts: none seen means none happened. */
void kr_engine_set_irqs_traced(struct kr_engine *e);
/* The input traced IPI sends: a kick not seen was not sent. */
void kr_engine_set_ipis_traced(struct kr_engine *e);
/* Where a live run is, for a status line. */
struct kr_engine_progress {
	uint64_t events, findings, violations;
	uint32_t vcpus;
};
void kr_engine_progress(const struct kr_engine *e, struct kr_engine_progress *p);
/* Events held in the reorder stage now. */
size_t kr_engine_buffered(const struct kr_engine *e);
/* Drain the reorder stage and close every request still open. */
void kr_engine_finish(struct kr_engine *e);
const struct kr_result *kr_engine_result(const struct kr_engine *e);
enum kr_verdict kr_result_verdict(const struct kr_result *r);

const char *kr_kind_name(int kind);
const char *kr_cause_name(int cause);
const char *kr_exit_kind_name(int k);
const char *kr_verdict_name(enum kr_verdict v);
const char *kr_type_name(int type);
const char *kr_irq_kind_name(int kind);
const char *kr_class_name(int cls);
/* The event a finding's request_ns comes from: "signal_generate",
 * "sched_waking", "sched_wakeup", "tif_at_entry". */
const char *kr_request_event_name(const struct kr_finding *f);
int kr_hist_bucket(uint64_t ns);
uint64_t kr_hist_lo(int bucket);

#endif
