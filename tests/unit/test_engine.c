// SPDX-License-Identifier: GPL-2.0
/* The analysis engine on synthetic event streams. */
#include <stdlib.h>
#include "engine.h"
#include "tap.h"

#define US 1000ull
#define MS 1000000ull
#define T0 1000000000ull

/* A small stream builder. */
struct stream {
	struct kr_event ev[4096];
	int n;
};

static struct kr_event *add(struct stream *s, uint64_t ts, int type, uint32_t tid, uint16_t cpu)
{
	struct kr_event *e = &s->ev[s->n++];

	memset(e, 0, sizeof(*e));
	e->ts = ts;
	e->type = (uint8_t)type;
	e->tid = tid;
	e->pid = 100;
	e->cpu = cpu;
	e->vcpu = (int32_t)(tid - 1000);
	e->flags = KR_F_VCPU;
	snprintf(e->comm, sizeof(e->comm), "CPU %u/KVM", tid - 1000);
	return e;
}

static struct kr_event *req(struct stream *s, uint64_t ts, uint32_t tid, int cause)
{
	struct kr_event *e = add(s, ts, KR_EV_REQUEST, tid, 0);

	e->cause = (uint8_t)cause;
	e->reason = cause == KR_CAUSE_SIGNAL ? 10 : 0;
	e->src_tid = 42;
	e->comm[0] = 0;
	return e;
}

/* The stream through an engine with options o, then finished; truncated and
 * caveat as kr_engine_set_truncated/_set_caveat (false, NULL: neither). */
static struct kr_engine *run_stream_opts(const struct stream *s, const struct kr_engine_opts *o, uint64_t lost,
					 bool truncated, const char *caveat)
{
	struct kr_engine *e = kr_engine_new(o);
	int i;

	if (caveat)
		kr_engine_set_caveat(e, caveat);
	for (i = 0; i < s->n; i++)
		CHECK(kr_engine_push(e, &s->ev[i]) == 0);
	kr_engine_set_lost(e, lost, 0);
	if (truncated)
		kr_engine_set_truncated(e);
	kr_engine_finish(e);
	return e;
}

static struct kr_engine *run_stream(const struct stream *s, uint64_t threshold, uint64_t lost)
{
	struct kr_engine_opts o = { .threshold_ns = threshold };

	return run_stream_opts(s, &o, lost, false, NULL);
}

static void prompt_exit_after_signal(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	req(&s, T0 + 100 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 110 * US, KR_EV_GUEST_EXIT, 1001, 1)->reason = 1;
	add(&s, T0 + 120 * US, KR_EV_USER_EXIT, 1001, 1)->err = -4;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->requests[KR_CAUSE_SIGNAL], 1);
	CHECK_EQ(r->runs, 1);
	CHECK_EQ(r->findings_total[KR_KIND_LATE_EXIT] + r->findings_total[KR_KIND_ENTERED_PENDING], 0);
	CHECK_EQ(r->violations, 0);
	CHECK_EQ(r->hist[KR_CAUSE_SIGNAL][kr_hist_bucket(10 * US)], 1);
	CHECK_EQ(kr_result_verdict(r), KR_PASS);
	kr_engine_free(e);
}

static void late_exit(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	const struct kr_finding *f;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	req(&s, T0 + 100 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 100 * US + 5 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	add(&s, T0 + 6 * MS, KR_EV_USER_EXIT, 1001, 1)->err = -4;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->findings_total[KR_KIND_LATE_EXIT], 1);
	CHECK_EQ(r->violations, 1);
	CHECK_EQ(r->nr_findings, 1);
	f = &r->findings[0];
	CHECK_EQ(f->kind, KR_KIND_LATE_EXIT);
	CHECK_EQ(f->cause, KR_CAUSE_SIGNAL);
	CHECK_EQ(f->past_ns, 5 * MS);
	CHECK_EQ(f->request_ns, T0 + 100 * US);
	CHECK_EQ(f->exit_ns, T0 + 100 * US + 5 * MS);
	CHECK_EQ(f->exit_kind, KR_EXIT_GUEST);
	CHECK_EQ(f->exit_reason, 0x980);
	CHECK_EQ(f->vcpu, 1);
	CHECK_EQ(f->tid, 1001);
	CHECK(f->violation);
	CHECK_EQ(kr_result_verdict(r), KR_VIOLATION);
	CHECK(!strcmp(f->comm, "CPU 1/KVM"));
	kr_engine_free(e);
}

static void entered_pending(int cause, uint64_t in_guest, bool expect_violation)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *en;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 50 * US, KR_EV_GUEST_EXIT, 1001, 1)->reason = 30;
	req(&s, T0 + 60 * US, 1001, cause);	/* raised in the host, inside KVM_RUN */
	en = add(&s, T0 + 70 * US, KR_EV_GUEST_ENTER, 1001, 1);
	en->flags |= KR_F_TIF;
	en->tif = cause == KR_CAUSE_SIGNAL ? KR_TIF_SIGPENDING : KR_TIF_NEED_RESCHED;
	add(&s, T0 + 70 * US + in_guest, KR_EV_GUEST_EXIT, 1001, 1)->reason = 1;
	if (cause == KR_CAUSE_SIGNAL)
		add(&s, T0 + 80 * US + in_guest, KR_EV_USER_EXIT, 1001, 1)->err = -4;
	else
		add(&s, T0 + 80 * US + in_guest, KR_EV_SWITCH_OUT, 1001, 1);
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->requests[cause], 1);
	CHECK_EQ(r->findings_total[KR_KIND_ENTERED_PENDING], 1);
	CHECK_EQ(r->findings_total[KR_KIND_LATE_EXIT], 0);
	CHECK_EQ(r->nr_findings, 1);
	CHECK_EQ(r->findings[0].kind, KR_KIND_ENTERED_PENDING);
	CHECK_EQ(r->findings[0].cause, cause);
	CHECK_EQ(r->findings[0].past_ns, in_guest);
	CHECK_EQ(r->findings[0].entry_ns, T0 + 70 * US);
	CHECK_EQ(r->findings[0].request_ns, T0 + 60 * US);
	CHECK(r->findings[0].entry_flags & KR_F_TIF);
	CHECK_EQ(r->findings[0].violation, expect_violation);
	CHECK_EQ(r->violations, expect_violation ? 1 : 0);
	CHECK_EQ(kr_result_verdict(r), expect_violation ? KR_VIOLATION : KR_PASS);
	CHECK_EQ(r->tif_requests[cause], 0);	/* the request was seen: no synthetic one */
	kr_engine_free(e);
}

static void entered_pending_signal_violation(void) { entered_pending(KR_CAUSE_SIGNAL, 3 * MS, true); }
static void entered_pending_signal_prompt(void) { entered_pending(KR_CAUSE_SIGNAL, 5 * US, false); }
static void entered_pending_resched_violation(void) { entered_pending(KR_CAUSE_RESCHED, 4 * MS, true); }
static void entered_pending_resched_prompt(void) { entered_pending(KR_CAUSE_RESCHED, 2 * US, false); }

static void outside_guest_honoured_before_entry(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;

	/* Signal raised after the guest exit, KVM_RUN returns before re-entry. */
	add(&s, T0, KR_EV_RUN_BEGIN, 1001, 1);
	add(&s, T0 + 1 * US, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 50 * US, KR_EV_GUEST_EXIT, 1001, 1);
	req(&s, T0 + 60 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 70 * US, KR_EV_RUN_END, 1001, 1);
	add(&s, T0 + 71 * US, KR_EV_USER_EXIT, 1001, 1)->err = -4;
	add(&s, T0 + 80 * US, KR_EV_SIG_DELIVER, 1001, 1)->reason = 10;
	/* Resched raised in the host, honoured by a switch-out before entry. */
	add(&s, T0 + 100 * US, KR_EV_RUN_BEGIN, 1001, 1);
	req(&s, T0 + 101 * US, 1001, KR_CAUSE_RESCHED);
	add(&s, T0 + 102 * US, KR_EV_SWITCH_OUT, 1001, 1);
	add(&s, T0 + 200 * US, KR_EV_SWITCH_IN, 1001, 1);
	add(&s, T0 + 201 * US, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 300 * US, KR_EV_GUEST_EXIT, 1001, 1);
	add(&s, T0 + 301 * US, KR_EV_RUN_END, 1001, 1);
	add(&s, T0 + 302 * US, KR_EV_USER_EXIT, 1001, 1);
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->requests[KR_CAUSE_SIGNAL], 1);
	CHECK_EQ(r->requests[KR_CAUSE_RESCHED], 1);
	CHECK_EQ(r->findings_total[1] + r->findings_total[2], 0);
	CHECK_EQ(r->hist[KR_CAUSE_SIGNAL][0], 1);	/* zero guest time past */
	CHECK_EQ(r->hist[KR_CAUSE_RESCHED][0], 1);
	CHECK_EQ(r->runs, 2);
	CHECK_EQ(r->run_calls, 2);
	CHECK_EQ(kr_result_verdict(r), KR_PASS);
	kr_engine_free(e);
}

/* Bracket mode (no guest events): KVM_RUN and switches delimit guest time. */
static void bracket_mode(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;

	add(&s, T0, KR_EV_RUN_BEGIN, 1001, 1);
	req(&s, T0 + 10 * US, 1001, KR_CAUSE_RESCHED);
	add(&s, T0 + 2 * MS + 10 * US, KR_EV_SWITCH_OUT, 1001, 1);	/* 2 ms late */
	add(&s, T0 + 3 * MS, KR_EV_SWITCH_IN, 1001, 1);
	req(&s, T0 + 4 * MS, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 4 * MS + 20 * US, KR_EV_RUN_END, 1001, 1);
	add(&s, T0 + 4 * MS + 25 * US, KR_EV_USER_EXIT, 1001, 1)->err = -4;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->runs, 2);
	CHECK_EQ(r->findings_total[KR_KIND_LATE_EXIT], 1);
	CHECK_EQ(r->violations_by_cause[KR_CAUSE_RESCHED], 1);
	CHECK_EQ(r->violations_by_cause[KR_CAUSE_SIGNAL], 0);
	CHECK_EQ(r->nr_findings, 1);
	CHECK_EQ(r->findings[0].past_ns, 2 * MS);
	CHECK_EQ(r->findings[0].exit_kind, KR_EXIT_SWITCH);
	CHECK_EQ(r->hist[KR_CAUSE_SIGNAL][kr_hist_bucket(20 * US)], 1);
	CHECK_EQ(r->nr_vcpus, 1);
	CHECK(!r->vcpus[0].guest_events);
	kr_engine_free(e);
}

/* Exit reason of a KVM_RUN end comes from the userspace exit that follows. */
static void run_end_reason(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *x;

	add(&s, T0, KR_EV_RUN_BEGIN, 1001, 1);
	req(&s, T0 + 10 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 3 * MS, KR_EV_RUN_END, 1001, 1);
	x = add(&s, T0 + 3 * MS + 5 * US, KR_EV_USER_EXIT, 1001, 1);
	x->reason = 10;
	x->err = -4;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->nr_findings, 1);
	CHECK_EQ(r->findings[0].exit_kind, KR_EXIT_RUN_END);
	CHECK_EQ((uint32_t)r->findings[0].exit_err, (uint32_t)-4);
	CHECK_EQ(r->findings[0].past_ns, 3 * MS - 10 * US);
	kr_engine_free(e);
}

/* A cut recording: a request pending at the cut is not judged. */
static void truncated_input(void)
{
	struct kr_engine_opts o = { .threshold_ns = 1 * MS };
	struct kr_engine *e;
	struct stream s = { .n = 0 };

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	req(&s, T0 + 10 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 5 * MS, KR_EV_SWITCH_IN, 1002, 0);	/* another task's event, later */
	e = run_stream_opts(&s, &o, 0, true, NULL);
	CHECK_EQ(kr_engine_result(e)->open_at_end, 1);
	CHECK_EQ(kr_engine_result(e)->violations, 0);
	kr_engine_free(e);
	/* the same, complete: judged up to the last event */
	e = run_stream_opts(&s, &o, 0, false, NULL);
	CHECK_EQ(kr_engine_result(e)->violations, 1);
	kr_engine_free(e);
}

/* POWER trap 0: the entry was aborted; the request was never in the guest. */
static void aborted_entry(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *x;

	add(&s, T0, KR_EV_RUN_BEGIN, 1001, 1);
	add(&s, T0 + 1 * US, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 50 * US, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	req(&s, T0 + 60 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 70 * US, KR_EV_GUEST_ENTER, 1001, 1);	/* entered with it pending ... */
	x = add(&s, T0 + 3 * MS, KR_EV_GUEST_EXIT, 1001, 1);	/* ... but trap 0: never ran */
	x->flags |= KR_F_ABORTED;
	add(&s, T0 + 3 * MS + 10 * US, KR_EV_USER_EXIT, 1001, 1)->err = -4;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->runs, 1);
	CHECK_EQ(r->aborted_entries, 1);
	CHECK_EQ(r->findings_total[1] + r->findings_total[2], 0);
	CHECK_EQ(r->caught_by_abort[KR_CAUSE_SIGNAL], 1);
	CHECK_EQ(r->hist[KR_CAUSE_SIGNAL][0], 1);
	CHECK_EQ(kr_result_verdict(r), KR_PASS);
	kr_engine_free(e);
}

/* A re-entry whose TIF shows the flag clear: honoured before it (schedule()
 * picked the same task: no switch-out event). */
static void honoured_by_tif_at_reentry(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *en;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	req(&s, T0 + 10 * US, 1001, KR_CAUSE_RESCHED);
	add(&s, T0 + 30 * US, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x500;
	en = add(&s, T0 + 40 * US, KR_EV_GUEST_ENTER, 1001, 1);
	en->flags |= KR_F_TIF;
	en->tif = 0;	/* NEED_RESCHED clear again */
	add(&s, T0 + 5 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->findings_total[1] + r->findings_total[2], 0);
	CHECK_EQ(r->hist[KR_CAUSE_RESCHED][kr_hist_bucket(20 * US)], 1);
	kr_engine_free(e);
}

/* POWER: guest events always fire; KVM_RUN before the first entry (the
 * HPT/VRMA setup of the first run) is no guest time. */
static void no_bracketing(void)
{
	struct kr_engine_opts o = { .threshold_ns = 1 * MS, .no_bracket = true };
	struct kr_engine *e = kr_engine_new(&o);
	struct stream s = { .n = 0 };
	const struct kr_result *r;
	int i;

	add(&s, T0, KR_EV_RUN_BEGIN, 1001, 1);
	req(&s, T0 + 10 * MS, 1001, KR_CAUSE_SIGNAL);	/* during the setup */
	add(&s, T0 + 90 * MS, KR_EV_USER_EXIT, 1001, 1)->err = -4;
	for (i = 0; i < s.n; i++)
		CHECK(!kr_engine_push(e, &s.ev[i]));
	kr_engine_finish(e);
	r = kr_engine_result(e);
	CHECK_EQ(r->runs, 0);
	CHECK_EQ(r->findings_total[1] + r->findings_total[2], 0);
	kr_engine_free(e);
}

/* KVM_RUN end carried by the userspace exit as a delta (one event fewer). */
static void merged_run_end(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *x;

	add(&s, T0, KR_EV_RUN_BEGIN, 1001, 1);
	req(&s, T0 + 10 * US, 1001, KR_CAUSE_SIGNAL);
	x = add(&s, T0 + 3 * MS, KR_EV_USER_EXIT, 1001, 1);	/* run ended 2 ms earlier */
	x->flags |= KR_F_RUN_END;
	x->src_tid = 2 * MS;
	x->err = -4;
	e = run_stream(&s, 500 * US, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->nr_findings, 1);
	CHECK_EQ(r->findings[0].past_ns, 1 * MS - 10 * US);
	CHECK_EQ(r->findings[0].exit_ns, T0 + 1 * MS);
	CHECK_EQ(r->findings[0].exit_kind, KR_EXIT_RUN_END);
	CHECK_EQ((uint32_t)r->findings[0].exit_err, (uint32_t)-4);
	kr_engine_free(e);
}

/* Two vCPUs on two CPUs; each CPU's events delivered in bursts, out of
 * global order (as per-CPU buffers do): same result as sorted input. */
static void two_vcpus_out_of_order(void)
{
	struct stream a = { .n = 0 }, sorted = { .n = 0 }, mixed = { .n = 0 };
	struct kr_engine *e1, *e2;
	const struct kr_result *r1, *r2;
	int i, j, k, cpu;

	for (i = 0; i < 20; i++) {
		uint64_t b = T0 + i * 2 * MS;

		for (cpu = 0; cpu < 2; cpu++) {
			uint32_t tid = 1001 + cpu;
			uint64_t o = cpu * 100 * US;

			add(&a, b + o, KR_EV_GUEST_ENTER, tid, (uint16_t)cpu);
			req(&a, b + o + 10 * US, tid, i % 2 ? KR_CAUSE_SIGNAL : KR_CAUSE_RESCHED);
			add(&a, b + o + (i == 7 && cpu ? 1500 : 20) * US, KR_EV_GUEST_EXIT, tid, (uint16_t)cpu);
			add(&a, b + o + (i == 7 && cpu ? 1510 : 30) * US,
			    i % 2 ? KR_EV_USER_EXIT : KR_EV_SWITCH_OUT, tid, (uint16_t)cpu);
		}
	}
	/* sorted copy */
	sorted = a;
	for (i = 1; i < sorted.n; i++)
		for (j = i; j > 0 && sorted.ev[j].ts < sorted.ev[j - 1].ts; j--) {
			struct kr_event t = sorted.ev[j];

			sorted.ev[j] = sorted.ev[j - 1];
			sorted.ev[j - 1] = t;
		}
	/* per-CPU bursts of 5 ms: CPU1's burst first, then CPU0's */
	for (k = 0; k < 8; k++)
		for (cpu = 1; cpu >= 0; cpu--)
			for (i = 0; i < sorted.n; i++) {
				uint64_t lo = T0 + k * 5 * MS, hi = lo + 5 * MS;

				if (sorted.ev[i].cpu == cpu && sorted.ev[i].ts >= lo && sorted.ev[i].ts < hi)
					mixed.ev[mixed.n++] = sorted.ev[i];
			}
	CHECK_EQ(mixed.n, sorted.n);
	e1 = run_stream(&sorted, 1 * MS, 0);
	e2 = run_stream(&mixed, 1 * MS, 0);
	r1 = kr_engine_result(e1);
	r2 = kr_engine_result(e2);
	CHECK_EQ(r1->runs, 40);
	CHECK_EQ(r2->runs, 40);
	CHECK_EQ(r1->requests[0] + r1->requests[1], 40);
	CHECK_EQ(r2->requests[KR_CAUSE_SIGNAL], r1->requests[KR_CAUSE_SIGNAL]);
	CHECK_EQ(r2->requests[KR_CAUSE_RESCHED], r1->requests[KR_CAUSE_RESCHED]);
	CHECK_EQ(r1->violations, 1);
	CHECK_EQ(r2->violations, 1);
	CHECK_EQ(r2->reorder_late, 0);
	CHECK_EQ(r2->nr_findings, 1);
	CHECK_EQ(r2->findings[0].tid, 1002);
	CHECK_EQ(r2->findings[0].past_ns, 1490 * US);
	CHECK_EQ(r2->nr_vcpus, 2);
	CHECK_EQ(r2->vcpus[0].runs, 20);
	CHECK_EQ(r2->vcpus[1].runs, 20);
	CHECK(!memcmp(r1->hist, r2->hist, sizeof(r1->hist)));
	kr_engine_free(e1);
	kr_engine_free(e2);
}

/* ordered mode (text imports, already in time order): no reorder window,
 * the same result as windowed on a sorted stream; an older event is stepped
 * at once and counted as reorder_late. */
static void ordered_input(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine_opts o = { .threshold_ns = 1 * MS, .ordered = true };
	struct kr_engine *w, *e;
	const struct kr_result *rw, *re;
	int i;

	for (i = 0; i < 10; i++) {
		uint64_t b = T0 + i * 2 * MS;

		add(&s, b, KR_EV_GUEST_ENTER, 1001, 1);
		req(&s, b + 10 * US, 1001, KR_CAUSE_SIGNAL);
		add(&s, b + (i == 4 ? 1300 : 20) * US, KR_EV_GUEST_EXIT, 1001, 1);
		add(&s, b + (i == 4 ? 1310 : 30) * US, KR_EV_USER_EXIT, 1001, 1);
	}
	w = run_stream(&s, 1 * MS, 0);
	e = run_stream_opts(&s, &o, 0, false, NULL);
	rw = kr_engine_result(w);
	re = kr_engine_result(e);
	CHECK_EQ(re->runs, 10);
	CHECK_EQ(re->violations, 1);
	CHECK_EQ(re->reorder_late, 0);
	CHECK_EQ(re->runs, rw->runs);
	CHECK_EQ(re->violations, rw->violations);
	CHECK(re->nr_findings == 1 && re->findings[0].past_ns == rw->findings[0].past_ns);
	CHECK(!memcmp(re->hist, rw->hist, sizeof(re->hist)));
	kr_engine_free(w);
	kr_engine_free(e);
	/* one event older than its predecessor */
	s.n = 0;
	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 20 * US, KR_EV_GUEST_EXIT, 1001, 1);
	add(&s, T0 + 10 * US, KR_EV_SWITCH_IN, 1001, 1);
	e = run_stream_opts(&s, &o, 0, false, NULL);
	CHECK_EQ(kr_engine_result(e)->reorder_late, 1);
	kr_engine_free(e);
}

/* Host interrupt evidence: an interrupt on the entry's CPU after the request
 * and before the entry is the 2017 race's signature (the kick consumed in
 * the host); one before the request, or on another CPU, is not; an IPI in
 * the window is named before a later timer tick. */
static void host_irq_before_entry(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *i;

	add(&s, T0, KR_EV_RUN_BEGIN, 1001, 1);
	i = add(&s, T0 + 5 * US, KR_EV_HOST_IRQ, 77, 1);	/* before the request: not it */
	i->reason = KR_IRQ_DOORBELL;
	req(&s, T0 + 10 * US, 1001, KR_CAUSE_SIGNAL);
	i = add(&s, T0 + 12 * US, KR_EV_HOST_IRQ, 77, 0);	/* another CPU: not it */
	i->reason = KR_IRQ_DEVICE;
	i = add(&s, T0 + 15 * US, KR_EV_HOST_IRQ, 1001, 1);	/* this one: the kick */
	i->reason = KR_IRQ_DOORBELL;
	i = add(&s, T0 + 17 * US, KR_EV_HOST_IRQ, 1001, 1);	/* a later tick does not hide it */
	i->reason = KR_IRQ_TIMER;
	add(&s, T0 + 20 * US, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 4 * MS, KR_EV_GUEST_EXIT, 1001, 1);
	add(&s, T0 + 4 * MS + 5 * US, KR_EV_SIG_DELIVER, 1001, 1);
	/* a second request; before its entry only an interrupt of another
	 * task on that CPU (idle, woken): not a kick the vCPU's task consumed */
	req(&s, T0 + 10 * MS, 1001, KR_CAUSE_RESCHED);
	i = add(&s, T0 + 10 * MS + 5 * US, KR_EV_HOST_IRQ, 0, 1);
	i->reason = KR_IRQ_RESCHED;
	add(&s, T0 + 10 * MS + 10 * US, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 14 * MS, KR_EV_GUEST_EXIT, 1001, 1);
	add(&s, T0 + 14 * MS + 10 * US, KR_EV_SWITCH_OUT, 1001, 1);
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->host_irq_events, 5);
	CHECK_EQ(r->violations, 2);
	CHECK_EQ(r->nr_findings, 2);
	CHECK_EQ(r->state_events, (uint64_t)(s.n - 5 - 2));	/* not the interrupts, not the requests */
	for (int k = 0; k < (int)r->nr_findings; k++) {
		const struct kr_finding *f = &r->findings[k];

		CHECK_EQ(f->kind, KR_KIND_ENTERED_PENDING);
		if (f->cause == KR_CAUSE_SIGNAL) {
			CHECK_EQ(f->irq_before_entry_ns, T0 + 15 * US);
			CHECK_EQ(f->irq_before_entry_kind, KR_IRQ_DOORBELL);
		} else {
			CHECK_EQ(f->irq_before_entry_ns, 0);
		}
	}
	kr_engine_free(e);
}

/* The sending side: a request raised from CPU 0 while the vCPU runs in the
 * guest on CPU 1 is kicked when CPU 0 sends CPU 1 an IPI, either as its last
 * event before the request (the kernel kicks before signal_generate fires) or
 * after it; an IPI followed by another event of CPU 0 is not that request's. */
static void kicks(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *i;

	/* 1: kicked just before its event, the guest out 9 us later */
	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	i = add(&s, T0 + 10 * US, KR_EV_IPI_SEND, 77, 0);
	i->reason = 1;
	req(&s, T0 + 11 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 20 * US, KR_EV_GUEST_EXIT, 1001, 1);
	add(&s, T0 + 25 * US, KR_EV_SIG_DELIVER, 1001, 1);
	/* 2: an IPI to CPU 1, then another event of CPU 0, then the request:
	 * not kicked; the guest runs on to the tick (a late exit) */
	add(&s, T0 + 1 * MS, KR_EV_GUEST_ENTER, 1001, 1);
	i = add(&s, T0 + 1 * MS + 10 * US, KR_EV_IPI_SEND, 77, 0);
	i->reason = 1;
	add(&s, T0 + 1 * MS + 11 * US, KR_EV_SWITCH_IN, 1002, 0);
	req(&s, T0 + 1 * MS + 12 * US, 1001, KR_CAUSE_SIGNAL);
	i = add(&s, T0 + 3 * MS, KR_EV_HOST_IRQ, 1001, 1);	/* a device: not a kick */
	i->reason = KR_IRQ_DEVICE;
	i = add(&s, T0 + 4 * MS, KR_EV_HOST_IRQ, 1001, 1);	/* the kick received, late */
	i->reason = KR_IRQ_EXTERNAL;
	add(&s, T0 + 5 * MS, KR_EV_GUEST_EXIT, 1001, 1);
	add(&s, T0 + 5 * MS + 5 * US, KR_EV_SIG_DELIVER, 1001, 1);
	/* 3: kicked 3 us after the request, by an IPI to a mask of CPUs 0-1 */
	add(&s, T0 + 10 * MS, KR_EV_GUEST_ENTER, 1001, 1);
	req(&s, T0 + 10 * MS + 10 * US, 1001, KR_CAUSE_RESCHED);
	i = add(&s, T0 + 10 * MS + 13 * US, KR_EV_IPI_SEND, 77, 0);
	i->reason = 0;
	i = add(&s, T0 + 10 * MS + 13 * US, KR_EV_IPI_SEND, 77, 0);
	i->reason = 1;
	add(&s, T0 + 10 * MS + 20 * US, KR_EV_GUEST_EXIT, 1001, 1);
	add(&s, T0 + 10 * MS + 30 * US, KR_EV_SWITCH_OUT, 1001, 1);
	/* 4: raised on the vCPU's own CPU: no kick due */
	add(&s, T0 + 20 * MS, KR_EV_GUEST_ENTER, 1001, 1);
	i = req(&s, T0 + 20 * MS + 10 * US, 1001, KR_CAUSE_RESCHED);
	i->cpu = 1;
	add(&s, T0 + 20 * MS + 20 * US, KR_EV_GUEST_EXIT, 1001, 1);
	add(&s, T0 + 20 * MS + 30 * US, KR_EV_SWITCH_OUT, 1001, 1);
	e = run_stream(&s, 1 * MS, 0);
	kr_engine_set_ipis_traced(e);
	r = kr_engine_result(e);
	CHECK_EQ(r->ipi_send_events, 4);
	CHECK_EQ(r->host_irq_events, 2);
	CHECK_EQ(r->kicks[KR_CAUSE_SIGNAL].requests, 2);
	CHECK_EQ(r->kicks[KR_CAUSE_SIGNAL].kicked, 1);
	CHECK_EQ(r->kicks[KR_CAUSE_SIGNAL].delay_max, 0);	/* sent with the request */
	CHECK_EQ(r->kicks[KR_CAUSE_SIGNAL].delivery_max, 10 * US);
	CHECK_EQ(r->kicks[KR_CAUSE_RESCHED].requests, 1);	/* not the one on CPU 1 itself */
	CHECK_EQ(r->kicks[KR_CAUSE_RESCHED].kicked, 1);
	CHECK_EQ(r->kicks[KR_CAUSE_RESCHED].delay_max, 3 * US);
	CHECK_EQ(r->kicks[KR_CAUSE_RESCHED].delivery_max, 7 * US);
	CHECK_EQ(r->nr_findings, 1);
	CHECK_EQ(r->findings[0].kind, KR_KIND_LATE_EXIT);
	CHECK(r->findings[0].kick_due);
	CHECK_EQ(r->findings[0].kick_ns, 0);
	CHECK_EQ(r->findings[0].kick_rx_ns, T0 + 4 * MS);
	CHECK_EQ(r->findings[0].kick_rx_kind, KR_IRQ_EXTERNAL);
	/* the device interrupt at 3 ms already showed CPU 1 in the host: the
	 * guest time counts up to it, not to the exit event at 5 ms */
	CHECK_EQ(r->findings[0].host_ran_ns, T0 + 3 * MS);
	CHECK_EQ(r->findings[0].past_ns, 3 * MS - 1 * MS - 12 * US);
	CHECK_EQ(r->findings[0].class, KR_CLASS_NOT_KICKED);	/* IPI sends traced, none after it */
	kr_engine_free(e);
}

static struct kr_event *waking(struct stream *s, uint64_t ts, uint32_t tid, uint16_t cpu, uint32_t woken)
{
	struct kr_event *e = add(s, ts, KR_EV_WAKING, tid, cpu);

	e->reason = woken;
	e->src_tid = 42;
	e->comm[0] = 0;
	return e;
}

/* A remote wake-up on the wake-list path whose IPI is taken late: sched_waking
 * on CPU 0 for the vCPU's CPU 1 while the guest runs, the guest on to the tick
 * (4 ms), the doorbell taken in the host after it, then sched_wakeup on CPU 1
 * leaving NEED_RESCHED.  The request is timed at its waking: a late exit of
 * 3.9 ms, the kick received late; the second time is kept. */
static void resched_timed_at_waking(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	const struct kr_finding *f;
	struct kr_event *x;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	waking(&s, T0 + 100 * US, 1001, 0, 2001);
	add(&s, T0 + 4 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	x = add(&s, T0 + 4 * MS + 10 * US, KR_EV_HOST_IRQ, 1001, 1);
	x->reason = KR_IRQ_DOORBELL;
	x = req(&s, T0 + 4 * MS + 20 * US, 1001, KR_CAUSE_RESCHED);
	x->cpu = 1;
	x->reason = 2001;
	add(&s, T0 + 4 * MS + 50 * US, KR_EV_SWITCH_OUT, 1001, 1)->flags |= KR_F_PREEMPT;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->requests[KR_CAUSE_RESCHED], 1);
	CHECK_EQ(r->requests_from_waking[KR_CAUSE_RESCHED], 1);
	CHECK_EQ(r->violations, 1);
	CHECK_EQ(r->nr_findings, 1);
	f = &r->findings[0];
	CHECK_EQ(f->kind, KR_KIND_LATE_EXIT);
	CHECK_EQ(f->cause, KR_CAUSE_RESCHED);
	CHECK_EQ(f->request_ns, T0 + 100 * US);
	CHECK_EQ(f->request_on_cpu_ns, T0 + 4 * MS + 20 * US);
	CHECK_EQ(f->past_ns, 4 * MS - 100 * US);
	CHECK_EQ(f->exit_reason, 0x980);
	CHECK(f->from_waking && f->remote && f->kick_due);
	CHECK(!strcmp(kr_request_event_name(f), "sched_waking"));
	CHECK_EQ(f->kick_rx_ns, T0 + 4 * MS + 10 * US);
	CHECK_EQ(f->class, KR_CLASS_KICK_LATE);
	CHECK_EQ(r->findings_by_class[KR_CLASS_KICK_LATE], 1);
	CHECK_EQ(r->violations_by_class[KR_CLASS_KICK_LATE], 1);
	kr_engine_free(e);
}

/* POWER's P9 path replays the host tick (timer_interrupt_entry) in the host
 * before kvm_guest_exit fires; seen on the emulated POWER9 host: the tick
 * taken at 0.5 ms, its softirq waking ksoftirqd on the vCPU's own CPU, then
 * nothing for 7.6 ms (the emulated CPU stalled) until kvm_guest_exit.  The
 * tick ends the guest run: the local wake-up after it was raised in the host
 * and is no late exit; a signal from another CPU after it has no guest time
 * past it either. */
static void host_tick_ends_guest_run(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *x;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	x = add(&s, T0 + 500 * US, KR_EV_HOST_IRQ, 1001, 1);
	x->reason = KR_IRQ_TIMER;
	waking(&s, T0 + 510 * US, 1001, 1, 19);
	x = req(&s, T0 + 520 * US, 1001, KR_CAUSE_RESCHED);
	x->cpu = 1;
	x->reason = 19;
	req(&s, T0 + 1 * MS, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 8 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	add(&s, T0 + 8 * MS + 50 * US, KR_EV_SWITCH_OUT, 1001, 1)->flags |= KR_F_PREEMPT;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->requests[KR_CAUSE_RESCHED], 1);
	CHECK_EQ(r->requests[KR_CAUSE_SIGNAL], 1);
	CHECK_EQ(r->host_irq_events, 1);
	/* the vCPU task's own events: entry, exit, switch (not the waking nor
	 * the requests, raised in other contexts, nor the interrupt) */
	CHECK_EQ(r->state_events, 3);
	CHECK_EQ(r->nr_findings, 0);
	CHECK_EQ(r->violations, 0);
	kr_engine_free(e);
}

/* Two wake-ups for the vCPU's CPU: a remote one whose IPI the guest holds
 * (MSR[EE]=0 on the emulated POWER9 host), then the host tick, in whose
 * interrupt the stopper thread (migration/1) is woken on that CPU and its
 * sched_wakeup comes first.  The request is the earlier waking's (the CPU
 * has had to reschedule since): a late exit of 2.6 ms to the tick, not
 * dropped for the later one's (seen: a held kick without its finding). */
static void resched_earliest_waking(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	const struct kr_finding *f;
	struct kr_event *x;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	waking(&s, T0 + 100 * US, 1001, 0, 2001);
	x = add(&s, T0 + 2700 * US, KR_EV_HOST_IRQ, 1001, 1);
	x->reason = KR_IRQ_TIMER;
	waking(&s, T0 + 2900 * US, 1001, 1, 19)->flags |= KR_F_IN_IRQ;
	x = req(&s, T0 + 2910 * US, 1001, KR_CAUSE_RESCHED);
	x->cpu = 1;
	x->reason = 19;
	x->flags |= KR_F_IN_IRQ;
	x = add(&s, T0 + 3100 * US, KR_EV_HOST_IRQ, 1001, 1);
	x->reason = KR_IRQ_DOORBELL;
	x = req(&s, T0 + 3150 * US, 1001, KR_CAUSE_RESCHED);
	x->cpu = 1;
	x->reason = 2001;
	add(&s, T0 + 3300 * US, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	add(&s, T0 + 3350 * US, KR_EV_SWITCH_OUT, 1001, 1)->flags |= KR_F_PREEMPT;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->requests[KR_CAUSE_RESCHED], 2);
	CHECK_EQ(r->nr_findings, 1);
	CHECK_EQ(r->violations, 1);
	f = &r->findings[0];
	CHECK_EQ(f->kind, KR_KIND_LATE_EXIT);
	CHECK_EQ(f->request_ns, T0 + 100 * US);
	CHECK_EQ(f->past_ns, 2600 * US);	/* to the host tick */
	CHECK(f->from_waking && f->remote && !f->in_irq);
	kr_engine_free(e);
}

/* A waking of an RT task onto an RT vCPU's CPU (its previous CPU) whose
 * wake-up then placed it on another CPU (KR_F_ELSEWHERE): void.  A later
 * wake-up that preempts the vCPU is timed at its own waking, not at that
 * one's (the earliest pending): 2 ms in the guest, not 4.9. */
static void waking_placed_elsewhere(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	const struct kr_finding *f;
	struct kr_event *x;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	waking(&s, T0 + 100 * US, 1001, 0, 2001);
	waking(&s, T0 + 150 * US, 1001, 0, 2001)->flags |= KR_F_ELSEWHERE;
	waking(&s, T0 + 3000 * US, 1001, 0, 3003);
	x = req(&s, T0 + 3040 * US, 1001, KR_CAUSE_RESCHED);
	x->cpu = 1;
	x->reason = 3003;
	add(&s, T0 + 5000 * US, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	add(&s, T0 + 5060 * US, KR_EV_SWITCH_OUT, 1001, 1)->flags |= KR_F_PREEMPT;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->wakings_elsewhere, 1);
	CHECK_EQ(r->requests_from_waking[KR_CAUSE_RESCHED], 1);
	CHECK_EQ(r->nr_findings, 1);
	f = &r->findings[0];
	CHECK_EQ(f->request_ns, T0 + 3000 * US);
	CHECK_EQ(f->past_ns, 2000 * US);
	kr_engine_free(e);
}

/* A remote wake-up timed at its sched_waking whose waker's CPU stalls before
 * it sends the kick (the emulated x86 host on 6.12: sched_waking, then the
 * waker's IPI 4-11 ms later, then its sched_wakeup): the kick is the
 * waker's IPI whenever it comes while the request is pending, after the run
 * the request was raised in (variant 0: the guest left on its own first) or
 * in a later run it re-entered (variant 1).  Kicked late, received: class
 * kick_late, not not_kicked. */
static void resched_waking_kick_after_run(void)
{
	int later;

	for (later = 0; later < 2; later++) {
		struct stream s = { .n = 0 };
		struct kr_engine *e;
		const struct kr_result *r;
		const struct kr_finding *f;
		struct kr_event *x;
		uint64_t ipi = T0 + (later ? 4 : 11) * MS;

		add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
		waking(&s, T0 + 100 * US, 1001, 0, 2001);
		if (later) {
			add(&s, T0 + 200 * US, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x60;
			add(&s, T0 + 300 * US, KR_EV_GUEST_ENTER, 1001, 1);
		} else {
			add(&s, T0 + 10 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x60;
		}
		x = add(&s, ipi, KR_EV_IPI_SEND, 42, 0);
		x->reason = 1;
		x->flags = 0;
		x = req(&s, ipi + 30 * US, 1001, KR_CAUSE_RESCHED);
		x->reason = 2001;
		if (later)
			add(&s, ipi + 400 * US, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x60;
		x = add(&s, ipi + 450 * US, KR_EV_HOST_IRQ, 1001, 1);
		x->reason = KR_IRQ_RESCHED;
		add(&s, ipi + 600 * US, KR_EV_SWITCH_OUT, 1001, 1)->flags |= KR_F_PREEMPT;
		e = run_stream(&s, 1 * MS, 0);
		r = kr_engine_result(e);
		CHECK_EQ(r->ipi_send_events, 1);
		CHECK_EQ(r->nr_findings, 1);
		f = &r->findings[0];
		CHECK_EQ(f->kind, KR_KIND_LATE_EXIT);
		CHECK(f->from_waking && f->remote);
		CHECK_EQ(f->kick_ns, ipi);
		CHECK_EQ(f->kick_rx_ns, ipi + 450 * US);
		CHECK_EQ(f->class, KR_CLASS_KICK_LATE);
		kr_engine_free(e);
	}
}

/* A local wake-up (on the vCPU's own CPU, in the host between two runs): the
 * request is timed at its waking too, and entering the guest with
 * NEED_RESCHED set after it is an entered_pending; no kick was due. */
static void resched_local_waking(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	const struct kr_finding *f;
	struct kr_event *x;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 1 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x7b;
	waking(&s, T0 + 1 * MS + 10 * US, 1001, 1, 2001);
	x = req(&s, T0 + 1 * MS + 12 * US, 1001, KR_CAUSE_RESCHED);
	x->cpu = 1;
	x->reason = 2001;
	x = add(&s, T0 + 1 * MS + 30 * US, KR_EV_GUEST_ENTER, 1001, 1);
	x->flags |= KR_F_TIF;
	x->tif = KR_TIF_NEED_RESCHED;
	add(&s, T0 + 5 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x60;
	add(&s, T0 + 5 * MS + 10 * US, KR_EV_SWITCH_OUT, 1001, 1);
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->requests_from_waking[KR_CAUSE_RESCHED], 1);
	CHECK_EQ(r->nr_findings, 1);
	f = &r->findings[0];
	CHECK_EQ(f->kind, KR_KIND_ENTERED_PENDING);
	CHECK_EQ(f->request_ns, T0 + 1 * MS + 10 * US);
	CHECK_EQ(f->request_on_cpu_ns, T0 + 1 * MS + 12 * US);
	CHECK_EQ(f->entry_ns, T0 + 1 * MS + 30 * US);
	CHECK_EQ(f->past_ns, 5 * MS - 1 * MS - 30 * US);
	CHECK(!f->remote && !f->kick_due);
	CHECK_EQ(f->class, KR_CLASS_NOT_KICKED);
	kr_engine_free(e);
}

/* The 2017 race with a local interrupt: a timer interrupt taken in the host
 * on the vCPU's CPU between two runs, its handler waking a task that
 * preempts the vCPU task (waking and wake-up flagged KR_F_IN_IRQ), then the
 * entry with NEED_RESCHED set: the interrupt that raised the request was
 * consumed in the host (class kick_consumed_in_host, the timer named); the
 * same wake-up raised in process context (the race injector's) is
 * not_kicked, though the same interrupt came before it. */
static void resched_raised_by_host_irq(void)
{
	int in_irq;

	for (in_irq = 0; in_irq < 2; in_irq++) {
		struct stream s = { .n = 0 };
		struct kr_engine *e;
		const struct kr_result *r;
		const struct kr_finding *f;
		struct kr_event *x;

		add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
		add(&s, T0 + 1 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x500;
		x = add(&s, T0 + 1 * MS + 5 * US, KR_EV_HOST_IRQ, 1001, 1);
		x->reason = KR_IRQ_TIMER;
		waking(&s, T0 + 1 * MS + 10 * US, 1001, 1, 2001)->flags |= in_irq ? KR_F_IN_IRQ : 0;
		x = req(&s, T0 + 1 * MS + 12 * US, 1001, KR_CAUSE_RESCHED);
		x->cpu = 1;
		x->reason = 2001;
		x->flags |= in_irq ? KR_F_IN_IRQ : 0;
		x = add(&s, T0 + 1 * MS + 30 * US, KR_EV_GUEST_ENTER, 1001, 1);
		x->flags |= KR_F_TIF;
		x->tif = KR_TIF_NEED_RESCHED;
		add(&s, T0 + 5 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x500;
		add(&s, T0 + 5 * MS + 10 * US, KR_EV_SWITCH_OUT, 1001, 1);
		e = run_stream(&s, 1 * MS, 0);
		r = kr_engine_result(e);
		CHECK_EQ(r->nr_findings, 1);
		f = &r->findings[0];
		CHECK_EQ(f->kind, KR_KIND_ENTERED_PENDING);
		CHECK(f->violation && !f->remote);
		CHECK_EQ(f->in_irq, in_irq);
		if (in_irq) {
			CHECK_EQ(f->irq_before_entry_ns, T0 + 1 * MS + 5 * US);
			CHECK_EQ(f->irq_before_entry_kind, KR_IRQ_TIMER);
			CHECK_EQ(f->class, KR_CLASS_CONSUMED);
		} else {
			CHECK_EQ(f->irq_before_entry_ns, 0);
			CHECK_EQ(f->class, KR_CLASS_NOT_KICKED);
		}
		kr_engine_free(e);
	}
}

/* A signal whose flag the entry already shows, its signal_generate (on the
 * sender's CPU) after the entry: seen on the emulated POWER8 host, where the
 * sender's CPU stalled between setting the flag, sending the IPI and the
 * tracepoint.  The IPI the vCPU's CPU took in the host after the last event
 * that showed the flag clear is the kick consumed there; one before that
 * event is not (class unknown).  Likewise when the event comes before the
 * entry but after that IPI (POWER9: the doorbell 170 us before it). */
static void tif_at_entry_request_event_after(void)
{
	int before_clear;

	for (before_clear = 0; before_clear < 3; before_clear++) {
		struct stream s = { .n = 0 };
		struct kr_engine *e;
		const struct kr_result *r;
		const struct kr_finding *f;
		struct kr_event *x;
		/* 2: the request's event before the entry, after the IPI */
		uint64_t ipi = before_clear == 1 ? T0 - 100 * US : T0 + 1 * MS;
		uint64_t rq = before_clear == 2 ? T0 + 1100 * US : T0 + 1270 * US;

		x = add(&s, ipi, KR_EV_HOST_IRQ, 1001, 1);
		x->reason = KR_IRQ_IPI;
		x = add(&s, T0, KR_EV_SWITCH_IN, 1001, 1);
		x->flags |= KR_F_TIF;
		x = add(&s, T0 + 1200 * US, KR_EV_GUEST_ENTER, 1001, 1);
		x->flags |= KR_F_TIF;
		x->tif = KR_TIF_SIGPENDING;
		req(&s, rq, 1001, KR_CAUSE_SIGNAL)->flags |= KR_F_IN_IRQ;	/* a timer's, on its CPU */
		add(&s, T0 + 4 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x500;
		add(&s, T0 + 4 * MS + 10 * US, KR_EV_USER_EXIT, 1001, 1)->err = -4;
		e = run_stream(&s, 1 * MS, 0);
		r = kr_engine_result(e);
		CHECK_EQ(r->nr_findings, 1);
		CHECK_EQ(r->coalesced[KR_CAUSE_SIGNAL], 0);
		f = &r->findings[0];
		CHECK_EQ(f->kind, KR_KIND_ENTERED_PENDING);
		CHECK(f->remote && f->violation);
		CHECK(f->in_irq);	/* the late event's own word */
		CHECK_EQ(f->from_tif, before_clear != 2);
		CHECK_EQ(f->src_tid, 42);
		CHECK_EQ(f->signo, 10);
		CHECK_EQ(f->request_ns, before_clear == 2 ? rq : T0 + 1200 * US);
		CHECK_EQ(f->irq_before_entry_ns, before_clear == 1 ? 0 : ipi);
		CHECK_EQ(f->class, before_clear == 1 ? KR_CLASS_UNKNOWN : KR_CLASS_CONSUMED);
		kr_engine_free(e);
	}
}

/* POWER's P9 path ends every pass of KVM_RUN's loop with
 * kvmppc_run_vcpu_exit, ret 0 (RESUME_GUEST) on the exits the kernel handles
 * (KR_F_LOOP): no return to userspace.  A remote wake-up whose IPI is held
 * across such an exit and the next entry (the emulated POWER9 host at
 * MSR[EE]=0) stays timed at its waking: one late exit over both runs.  As a
 * real userspace exit (no flag), the wake-up was not for the vCPU's run and
 * is timed at its sched_wakeup. */
static void ppc_loop_exit_keeps_wakings(void)
{
	int loop;

	for (loop = 0; loop < 2; loop++) {
		struct stream s = { .n = 0 };
		struct kr_engine *e;
		const struct kr_result *r;
		const struct kr_finding *f;
		struct kr_event *x;

		add(&s, T0 - 1 * MS, KR_EV_RUN_BEGIN, 1001, 1);
		add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
		waking(&s, T0 + 100 * US, 1001, 0, 2001);
		add(&s, T0 + 4 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
		x = add(&s, T0 + 4 * MS + 10 * US, KR_EV_USER_EXIT, 1001, 1);
		x->flags |= loop ? KR_F_LOOP : 0;
		add(&s, T0 + 4 * MS + 20 * US, KR_EV_RUN_BEGIN, 1001, 1);
		add(&s, T0 + 4 * MS + 40 * US, KR_EV_GUEST_ENTER, 1001, 1);
		add(&s, T0 + 8 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
		x = add(&s, T0 + 8 * MS + 10 * US, KR_EV_HOST_IRQ, 1001, 1);
		x->reason = KR_IRQ_DOORBELL;
		x = req(&s, T0 + 8 * MS + 20 * US, 1001, KR_CAUSE_RESCHED);
		x->cpu = 1;
		x->reason = 2001;
		add(&s, T0 + 8 * MS + 50 * US, KR_EV_SWITCH_OUT, 1001, 1)->flags |= KR_F_PREEMPT;
		e = run_stream(&s, 1 * MS, 0);
		r = kr_engine_result(e);
		CHECK_EQ(r->requests[KR_CAUSE_RESCHED], 1);
		CHECK_EQ(r->requests_from_waking[KR_CAUSE_RESCHED], loop);
		if (!loop) {
			CHECK_EQ(r->nr_findings, 0);
		} else {
			CHECK_EQ(r->nr_findings, 1);
			f = &r->findings[0];
			CHECK_EQ(f->kind, KR_KIND_LATE_EXIT);
			CHECK_EQ(f->request_ns, T0 + 100 * US);
			CHECK_EQ(f->past_ns, 4 * MS - 100 * US + 4 * MS - 40 * US);
			CHECK_EQ(f->segments, 2);
			CHECK_EQ(f->class, KR_CLASS_KICK_LATE);
		}
		kr_engine_free(e);
	}
}

/* Wake-ups that never preempt the vCPU task are no requests: no sched_wakeup
 * leaves it NEED_RESCHED (no request event names the woken task), whatever
 * guest time follows; one for another task is timed at its own event. */
static void waking_without_preemption(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *x;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	waking(&s, T0 + 100 * US, 1001, 0, 2001);
	add(&s, T0 + 4 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	add(&s, T0 + 4 * MS + 20 * US, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 8 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	add(&s, T0 + 8 * MS + 20 * US, KR_EV_GUEST_ENTER, 1001, 1);
	x = req(&s, T0 + 9 * MS, 1001, KR_CAUSE_RESCHED);	/* another task: its own time */
	x->cpu = 0;
	x->reason = 3003;
	add(&s, T0 + 9 * MS + 30 * US, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0xe80;
	add(&s, T0 + 9 * MS + 40 * US, KR_EV_SWITCH_OUT, 1001, 1);
	add(&s, T0 + 10 * MS, KR_EV_SWITCH_IN, 1001, 1);
	waking(&s, T0 + 10 * MS + 100 * US, 1001, 0, 2001);
	add(&s, T0 + 10 * MS + 200 * US, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 15 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	add(&s, T0 + 15 * MS + 10 * US, KR_EV_USER_EXIT, 1001, 1)->err = -4;
	x = req(&s, T0 + 15 * MS + 20 * US, 1001, KR_CAUSE_RESCHED);	/* after KVM_RUN: not that waking's */
	x->cpu = 1;
	x->reason = 2001;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->requests[KR_CAUSE_RESCHED], 2);
	CHECK_EQ(r->requests_from_waking[KR_CAUSE_RESCHED], 0);
	CHECK_EQ(r->findings_total[KR_KIND_LATE_EXIT] + r->findings_total[KR_KIND_ENTERED_PENDING], 0);
	CHECK_EQ(r->violations, 0);
	kr_engine_free(e);
}

static void too_late_for_reorder(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 50 * MS, KR_EV_GUEST_EXIT, 1001, 1);
	add(&s, T0 + 60 * MS, KR_EV_GUEST_ENTER, 1001, 1);	/* releases the first */
	add(&s, T0 - 1 * MS, KR_EV_SWITCH_IN, 1001, 1);	/* older than released */
	e = run_stream(&s, 1 * MS, 0);
	CHECK_EQ(kr_engine_result(e)->reorder_late, 1);
	kr_engine_free(e);
}

/* bad-inputs/engine-past-wrap.txt: one event out of order (a guest entry
 * older than the request before it, on the vCPU's first guest event) must not
 * wrap the guest time past; events analysed out of order make a run without
 * violations inconclusive, not a pass. */
static void out_of_order_no_wrap(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine_opts o = { .threshold_ns = 1 * MS, .ordered = true };
	struct kr_engine *e;
	const struct kr_result *r;
	uint32_t i;

	add(&s, T0 + 10 * US, KR_EV_RUN_BEGIN, 1001, 2);
	req(&s, T0 + 20 * US, 1001, KR_CAUSE_SIGNAL)->cpu = 3;
	add(&s, T0 + 15 * US, KR_EV_GUEST_ENTER, 1001, 2);
	add(&s, T0 + 16 * US, KR_EV_GUEST_EXIT, 1001, 2)->reason = 0x78;
	add(&s, T0 + 40 * US, KR_EV_RUN_END, 1001, 2);
	add(&s, T0 + 50 * US, KR_EV_USER_EXIT, 1001, 2)->err = -4;
	e = run_stream_opts(&s, &o, 0, false, NULL);
	r = kr_engine_result(e);
	CHECK_EQ(r->reorder_late, 2);	/* the entry and exit older than the request */
	CHECK_EQ(r->violations, 0);
	for (i = 0; i < r->nr_findings; i++)
		CHECK(r->findings[i].past_ns <= r->last_ns - r->first_ns);
	CHECK_EQ(kr_result_verdict(r), KR_INCONCLUSIVE);
	kr_engine_free(e);
}

/* The switch from KVM_RUN bracketing to guest events on a vCPU's first guest
 * entry: the bracketed time before it was host time, not guest time (seen on
 * the emulated x86 host: KVM_RUN start with NEED_RESCHED set, the first
 * kvm_entry 4.3 ms later with it clear made a 4.3 ms entered_pending). */
static void first_entry_after_bracket_is_host_time(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *x;

	x = add(&s, T0, KR_EV_RUN_BEGIN, 1001, 1);
	x->flags |= KR_F_TIF;
	x->tif = KR_TIF_NEED_RESCHED;
	x = add(&s, T0 + 4300 * US, KR_EV_GUEST_ENTER, 1001, 1);
	x->flags |= KR_F_TIF;
	add(&s, T0 + 4400 * US, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x7b;
	add(&s, T0 + 4500 * US, KR_EV_USER_EXIT, 1001, 1);
	add(&s, T0 + 6 * 1000 * MS, KR_EV_RUN_BEGIN, 1001, 1);
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->findings_total[KR_KIND_ENTERED_PENDING] + r->findings_total[KR_KIND_LATE_EXIT], 0);
	CHECK_EQ(r->runs, 1);
	CHECK_EQ(kr_result_verdict(r), KR_PASS);
	kr_engine_free(e);
}

/* A KVM_RUN that never enters the guest (immediate_exit, as kvmrace-load's
 * first and QEMU's kicks; 6.12 began it with NEED_RESCHED set in 3 of 3
 * runs) on a host whose kvm_entry is traced (guest_hooks): its bracket
 * is host time once the vCPU's first guest event comes in a later KVM_RUN
 * (variant 0: no finding, one request judged as host time); with none ever
 * (variant 1), the brackets were the runs: entered_pending, a violation. */
static void bracket_before_first_guest_event(void)
{
	int variant;

	for (variant = 0; variant < 2; variant++) {
		struct kr_engine_opts o = { .threshold_ns = 1 * MS, .guest_hooks = true };
		struct stream s = { .n = 0 };
		struct kr_engine *e;
		const struct kr_result *r;
		struct kr_event *x;

		x = add(&s, T0, KR_EV_RUN_BEGIN, 1001, 1);
		x->flags |= KR_F_TIF;
		x->tif = KR_TIF_NEED_RESCHED;
		add(&s, T0 + 2 * MS, KR_EV_USER_EXIT, 1001, 1)->err = -4;
		add(&s, T0 + 2100 * US, KR_EV_SWITCH_OUT, 1001, 1);
		add(&s, T0 + 3 * MS, KR_EV_SWITCH_IN, 1001, 1);
		x = add(&s, T0 + 4 * MS, KR_EV_RUN_BEGIN, 1001, 1);
		x->flags |= KR_F_TIF;
		if (!variant) {
			x = add(&s, T0 + 4100 * US, KR_EV_GUEST_ENTER, 1001, 1);
			x->flags |= KR_F_TIF;
			add(&s, T0 + 8 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x60;
		}
		add(&s, T0 + 9 * MS, KR_EV_USER_EXIT, 1001, 1);
		e = run_stream_opts(&s, &o, 0, false, NULL);
		r = kr_engine_result(e);
		CHECK_EQ(r->findings_total[KR_KIND_ENTERED_PENDING], (uint64_t)variant);
		CHECK_EQ(r->violations, (uint64_t)variant);
		CHECK_EQ(r->bracket_host_time, (uint64_t)!variant);
		CHECK_EQ(r->hist[KR_CAUSE_RESCHED][kr_hist_bucket(variant ? 2 * MS : 0)], 1);
		kr_engine_free(e);
	}
}

/* Many events with one timestamp: the reorder stage stays bounded (it
 * releases the oldest when full; equal timestamps need no reordering). */
static void reorder_ring_bounded(void)
{
	struct kr_engine_opts o = { .threshold_ns = 1 * MS };
	struct kr_engine *e = kr_engine_new(&o);
	struct kr_event ev;
	uint32_t i;

	memset(&ev, 0, sizeof(ev));
	ev.ts = T0;
	ev.type = KR_EV_HOST_IRQ;
	ev.reason = KR_IRQ_DEVICE;
	for (i = 0; i < 3 * KR_REORDER_MAX; i++)
		CHECK(kr_engine_push(e, &ev) == 0);
	CHECK(kr_engine_buffered(e) <= KR_REORDER_MAX);
	kr_engine_finish(e);
	CHECK_EQ(kr_engine_result(e)->events, 3 * KR_REORDER_MAX);
	CHECK_EQ(kr_engine_result(e)->reorder_late, 0);
	kr_engine_free(e);
}

/* Numbers out of range are refused on push (bad-inputs/rec-ipi-target-*:
 * an IPI to CPU 2^31 made the per-CPU table loop forever). */
static void out_of_range_rejected(void)
{
	struct kr_engine_opts o = { .threshold_ns = 1 * MS };
	struct kr_engine *e = kr_engine_new(&o);
	struct kr_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts = T0;
	ev.type = KR_EV_IPI_SEND;
	ev.reason = 1u << 31;
	CHECK_EQ(kr_engine_push(e, &ev), -1);
	ev.reason = (1u << 24) + 1;
	CHECK_EQ(kr_engine_push(e, &ev), -1);
	ev.reason = 1;
	ev.cpu = KR_MAX_CPUS;
	CHECK_EQ(kr_engine_push(e, &ev), -1);
	ev.cpu = 0;
	CHECK_EQ(kr_engine_push(e, &ev), 0);
	ev.type = KR_EV_USER_EXIT;
	ev.err = INT32_MIN;
	CHECK_EQ(kr_engine_push(e, &ev), -1);
	kr_engine_free(e);
}

static void lost_events_inconclusive(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 10 * US, KR_EV_GUEST_EXIT, 1001, 1);
	e = run_stream(&s, 1 * MS, 3);
	CHECK_EQ(kr_engine_result(e)->lost, 3);
	CHECK_EQ(kr_result_verdict(kr_engine_result(e)), KR_INCONCLUSIVE);
	kr_engine_free(e);
	/* a violation stands even with losses */
	s.n = 0;
	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	req(&s, T0 + 1 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 9 * MS, KR_EV_GUEST_EXIT, 1001, 1);
	e = run_stream(&s, 1 * MS, 3);
	CHECK_EQ(kr_result_verdict(kr_engine_result(e)), KR_VIOLATION);
	kr_engine_free(e);
}

/* A capture known to miss requests: no pass, but a violation stays one. */
static void caveat_inconclusive(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine_opts o = { .threshold_ns = 1 * MS };
	struct kr_engine *e;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 50 * US, KR_EV_GUEST_EXIT, 1001, 1);
	e = run_stream_opts(&s, &o, 0, false, "misses requests");
	CHECK_EQ(kr_result_verdict(kr_engine_result(e)), KR_INCONCLUSIVE);
	kr_engine_free(e);
	req(&s, T0 + 60 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 70 * US, KR_EV_GUEST_ENTER, 1001, 1);
	add(&s, T0 + 5 * MS, KR_EV_GUEST_EXIT, 1001, 1);
	add(&s, T0 + 5 * MS + 5 * US, KR_EV_SIG_DELIVER, 1001, 1);
	e = run_stream_opts(&s, &o, 0, false, "misses requests");
	CHECK_EQ(kr_result_verdict(kr_engine_result(e)), KR_VIOLATION);
	kr_engine_free(e);
}

static void no_runs_inconclusive(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e = run_stream(&s, 1 * MS, 0);

	CHECK_EQ(kr_engine_result(e)->runs, 0);
	CHECK_EQ(kr_result_verdict(kr_engine_result(e)), KR_INCONCLUSIVE);
	kr_engine_free(e);
}

static void threshold_edges(void)
{
	uint64_t past[] = { 1 * MS - 1, 1 * MS, 1 * MS + 1 };
	int expect[] = { 0, 0, 1 };
	int i;

	for (i = 0; i < 3; i++) {
		struct stream s = { .n = 0 };
		struct kr_engine *e;

		add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
		req(&s, T0 + 10 * US, 1001, KR_CAUSE_SIGNAL);
		add(&s, T0 + 10 * US + past[i], KR_EV_GUEST_EXIT, 1001, 1);
		add(&s, T0 + 20 * US + past[i], KR_EV_USER_EXIT, 1001, 1);
		e = run_stream(&s, 1 * MS, 0);
		CHECK_EQ(kr_engine_result(e)->violations, expect[i]);
		CHECK_EQ(kr_engine_result(e)->findings_total[KR_KIND_LATE_EXIT], expect[i]);
		kr_engine_free(e);
	}
}

/* Re-entry with the request still pending counts that run too. */
static void reentry_accumulates(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	req(&s, T0 + 100 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 700 * US, KR_EV_GUEST_EXIT, 1001, 1);	/* 600 us */
	add(&s, T0 + 710 * US, KR_EV_GUEST_ENTER, 1001, 1);	/* still pending */
	add(&s, T0 + 1310 * US, KR_EV_GUEST_EXIT, 1001, 1);	/* +600 us */
	add(&s, T0 + 1320 * US, KR_EV_USER_EXIT, 1001, 1)->err = -4;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->nr_findings, 1);
	CHECK_EQ(r->findings[0].kind, KR_KIND_ENTERED_PENDING);
	CHECK_EQ(r->findings[0].past_ns, 1200 * US);
	CHECK_EQ(r->findings[0].segments, 2);
	CHECK(r->findings[0].violation);
	kr_engine_free(e);
}

/* A flag set at entry with no request event: a synthetic request. */
static void tif_at_entry_without_request(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;
	struct kr_event *en;

	en = add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	en->flags |= KR_F_TIF;
	en->tif = KR_TIF_NEED_RESCHED;
	add(&s, T0 + 4 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	add(&s, T0 + 4 * MS + 1 * US, KR_EV_SWITCH_OUT, 1001, 1);
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->requests[KR_CAUSE_RESCHED], 0);
	CHECK_EQ(r->tif_requests[KR_CAUSE_RESCHED], 1);
	CHECK_EQ(r->nr_findings, 1);
	CHECK(r->findings[0].from_tif);
	CHECK_EQ(r->findings[0].kind, KR_KIND_ENTERED_PENDING);
	CHECK_EQ(r->findings[0].past_ns, 4 * MS);
	kr_engine_free(e);

	/* schedule() picked the same task: clear at the next entry, no switch */
	s.n = 0;
	en = add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	en->flags |= KR_F_TIF;
	en->tif = KR_TIF_NEED_RESCHED;
	add(&s, T0 + 4 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	en = add(&s, T0 + 4 * MS + 10 * US, KR_EV_GUEST_ENTER, 1001, 1);
	en->flags |= KR_F_TIF;
	add(&s, T0 + 8 * MS, KR_EV_GUEST_EXIT, 1001, 1)->reason = 0x980;
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->nr_findings, 1);
	CHECK_EQ(r->findings[0].past_ns, 4 * MS);
	CHECK_EQ(r->findings[0].segments, 1);
	kr_engine_free(e);
}

static void coalesced_requests(void)
{
	struct stream s = { .n = 0 };
	struct kr_engine *e;
	const struct kr_result *r;

	add(&s, T0, KR_EV_GUEST_ENTER, 1001, 1);
	req(&s, T0 + 10 * US, 1001, KR_CAUSE_SIGNAL);
	req(&s, T0 + 20 * US, 1001, KR_CAUSE_SIGNAL);
	add(&s, T0 + 2 * MS, KR_EV_GUEST_EXIT, 1001, 1);
	e = run_stream(&s, 1 * MS, 0);
	r = kr_engine_result(e);
	CHECK_EQ(r->requests[KR_CAUSE_SIGNAL], 2);
	CHECK_EQ(r->coalesced[KR_CAUSE_SIGNAL], 1);
	CHECK_EQ(r->violations, 1);
	CHECK_EQ(r->findings[0].request_ns, T0 + 10 * US);	/* the first one counts */
	kr_engine_free(e);
}

/* Findings retained are bounded and worst-first; memory does not follow
 * trace length. */
static void bounded_findings(void)
{
	struct kr_engine_opts o = { .threshold_ns = 1 * MS, .max_findings = 10 };
	struct kr_engine *e = kr_engine_new(&o);
	const struct kr_result *r;
	struct kr_event ev;
	uint64_t t = T0;
	int i;

	memset(&ev, 0, sizeof(ev));
	ev.tid = 1001;
	ev.pid = 100;
	for (i = 0; i < 5000; i++) {
		ev.ts = t;
		ev.type = KR_EV_GUEST_ENTER;
		CHECK(!kr_engine_push(e, &ev));
		ev.ts = t + 1 * US;
		ev.type = KR_EV_REQUEST;
		ev.cause = KR_CAUSE_SIGNAL;
		CHECK(!kr_engine_push(e, &ev));
		ev.ts = t + 1 * US + (uint64_t)(i % 100) * 50 * US;	/* up to 4.95 ms */
		ev.type = KR_EV_GUEST_EXIT;
		CHECK(!kr_engine_push(e, &ev));
		ev.ts += 1 * US;
		ev.type = KR_EV_USER_EXIT;
		CHECK(!kr_engine_push(e, &ev));
		t += 10 * MS;
	}
	kr_engine_finish(e);
	r = kr_engine_result(e);
	CHECK_EQ(r->nr_findings, 10);
	CHECK_EQ(r->findings_total[KR_KIND_LATE_EXIT], 5000 / 100 * 79);	/* 1.05..4.95 ms */
	CHECK_EQ(r->findings[0].past_ns, 99 * 50 * US);
	for (i = 1; i < 10; i++)
		CHECK(r->findings[i].past_ns <= r->findings[i - 1].past_ns);
	CHECK_EQ(r->nr_vcpus, 1);
	kr_engine_free(e);
}

static void invalid_events_rejected(void)
{
	struct kr_engine_opts o = { .threshold_ns = 1 * MS };
	struct kr_engine *e = kr_engine_new(&o);
	struct kr_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = 0;
	CHECK(kr_engine_push(e, &ev) < 0);
	ev.type = KR_EV_MAX_EVENT;
	CHECK(kr_engine_push(e, &ev) < 0);
	ev.type = KR_EV_REQUEST;
	ev.cause = KR_NR_CAUSES;
	CHECK(kr_engine_push(e, &ev) < 0);
	kr_engine_free(e);
}

static void hist_buckets(void)
{
	CHECK_EQ(kr_hist_bucket(0), 0);
	CHECK_EQ(kr_hist_bucket(1), 1);
	CHECK_EQ(kr_hist_bucket(2), 2);
	CHECK_EQ(kr_hist_bucket(3), 2);
	CHECK_EQ(kr_hist_bucket(4), 3);
	CHECK_EQ(kr_hist_lo(3), 4);
	CHECK_EQ(kr_hist_bucket(UINT64_MAX), KR_HIST_BUCKETS - 1);
}

int main(void)
{
	RUN(prompt_exit_after_signal);
	RUN(late_exit);
	RUN(entered_pending_signal_violation);
	RUN(entered_pending_signal_prompt);
	RUN(entered_pending_resched_violation);
	RUN(entered_pending_resched_prompt);
	RUN(outside_guest_honoured_before_entry);
	RUN(bracket_mode);
	RUN(run_end_reason);
	RUN(merged_run_end);
	RUN(aborted_entry);
	RUN(truncated_input);
	RUN(honoured_by_tif_at_reentry);
	RUN(no_bracketing);
	RUN(two_vcpus_out_of_order);
	RUN(ordered_input);
	RUN(host_irq_before_entry);
	RUN(kicks);
	RUN(resched_timed_at_waking);
	RUN(resched_earliest_waking);
	RUN(resched_waking_kick_after_run);
	RUN(waking_placed_elsewhere);
	RUN(resched_local_waking);
	RUN(host_tick_ends_guest_run);
	RUN(resched_raised_by_host_irq);
	RUN(ppc_loop_exit_keeps_wakings);
	RUN(tif_at_entry_request_event_after);
	RUN(waking_without_preemption);
	RUN(too_late_for_reorder);
	RUN(out_of_order_no_wrap);
	RUN(first_entry_after_bracket_is_host_time);
	RUN(bracket_before_first_guest_event);
	RUN(reorder_ring_bounded);
	RUN(out_of_range_rejected);
	RUN(lost_events_inconclusive);
	RUN(no_runs_inconclusive);
	RUN(caveat_inconclusive);
	RUN(threshold_edges);
	RUN(reentry_accumulates);
	RUN(tif_at_entry_without_request);
	RUN(coalesced_requests);
	RUN(bounded_findings);
	RUN(invalid_events_rejected);
	RUN(hist_buckets);
	DONE();
}
