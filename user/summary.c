// SPDX-License-Identifier: GPL-2.0
/*
 * The human summary and the JSON summary of one result.  Each fact is
 * derived once (struct view), then each section is written by a function of
 * its own for each view.
 */
#include <inttypes.h>
#include <string.h>
#include "arch.h"
#include "decode.h"
#include "hooks.h"
#include "json.h"
#include "summary.h"

int kr_exit_status(const struct kr_result *r)
{
	return (int)kr_result_verdict(r);
}

void kr_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns >= 1000000000ull)
		snprintf(buf, len, "%.3fs", ns / 1e9);
	else if (ns >= 1000000ull)
		snprintf(buf, len, "%.3fms", ns / 1e6);
	else if (ns >= 1000ull)
		snprintf(buf, len, "%.3fus", ns / 1e3);
	else
		snprintf(buf, len, "%" PRIu64 "ns", ns);
}

/* ---- the facts, derived once ---- */

struct view {
	const struct kr_result *r;
	const struct kr_run_info *ri;
	enum kr_verdict verdict;
	const char *entry_path;	/* none, kvm_run_bracket, guest_events, mixed */
	const char *ppc_path;	/* POWER: vcore or p9; NULL */
	const char *why;	/* the verdict's reason */
	uint64_t findings;	/* of both kinds */
	uint64_t delay_mean[KR_NR_CAUSES], delivery_mean[KR_NR_CAUSES];
	struct kr_hooklist hooks;
};

static const char *entry_path(const struct kr_result *r)
{
	uint32_t i, g = 0;

	for (i = 0; i < r->nr_vcpus; i++)
		g += r->vcpus[i].guest_events;
	if (!r->nr_vcpus)
		return "none";
	if (!g)
		return "kvm_run_bracket";
	return g == r->nr_vcpus ? "guest_events" : "mixed";
}

static const char *verdict_reason(const struct kr_result *r, enum kr_verdict v)
{
	if (v == KR_PASS)
		return "every request honoured within";
	if (v == KR_VIOLATION)
		return "request(s) left the guest running more than";
	return r->lost ? "events were lost" : !r->runs ? "no vCPU run observed" :
	       r->reorder_late ? "events came out of time order (reordered too late)" :
	       "this capture is known to miss requests (see the warning)";
}

static void make_view(struct view *v, const struct kr_result *r, const struct kr_run_info *ri)
{
	int c;

	memset(v, 0, sizeof(*v));
	v->r = r;
	v->ri = ri;
	v->verdict = kr_result_verdict(r);
	v->entry_path = entry_path(r);
	v->ppc_path = kr_arch_named(ri->arch)->entry_path_seen(r);
	v->why = verdict_reason(r, v->verdict);
	v->findings = r->findings_total[KR_KIND_LATE_EXIT] + r->findings_total[KR_KIND_ENTERED_PENDING];
	for (c = 0; c < KR_NR_CAUSES; c++) {
		const struct kr_kick_stats *k = &r->kicks[c];

		v->delay_mean[c] = k->kicked ? k->delay_sum / k->kicked : 0;
		v->delivery_mean[c] = k->kicked ? k->delivery_sum / k->kicked : 0;
	}
	kr_hooklist_parse(&v->hooks, ri->hooks);
}

/* ---- the human summary, by section ---- */

static void text_run(FILE *f, const struct view *v, bool verbose)
{
	const struct kr_result *r = v->r;
	char d[32];
	int i;

	kr_fmt_ns(v->ri->duration_ns, d, sizeof(d));
	fprintf(f, "kvmrace-trace %s: %s %s on %s, %s%s\n", KR_VERSION, v->ri->arch, v->ri->kernel, v->ri->host, d,
		v->ri->complete ? "" : " (recording incomplete: no end marker)");
	fprintf(f, "  hooks     :");
	for (i = 0; i < v->hooks.n; i++)
		fprintf(f, " %s%s%s", v->hooks.h[i].event, v->hooks.h[i].method[0] ? ":" : "", v->hooks.h[i].method);
	fprintf(f, "\n  entry path: %s\n", v->entry_path);
	fprintf(f, "  events    : %" PRIu64 "   lost: %" PRIu64 "   untracked vCPU tasks: %" PRIu64
		"   reordered too late: %" PRIu64 "\n", r->events, r->lost, r->untracked, r->reorder_late);
	if (verbose) {
		fprintf(f, "  by type   :");
		for (i = 1; i < KR_EV_MAX_EVENT; i++)
			fprintf(f, " %s=%" PRIu64, kr_type_name(i), r->events_by_type[i]);
		fprintf(f, "\n");
	}
}

static void text_state(FILE *f, const struct view *v)
{
	const struct kr_result *r = v->r;

	fprintf(f, "  vCPUs     : %u   guest runs: %" PRIu64 "   KVM_RUN calls: %" PRIu64 "\n", r->nr_vcpus,
		r->runs, r->run_calls);
	if (r->state_events) {
		double n = (double)r->state_events;

		fprintf(f, "  state     : known at the vCPU events: irqs-off %.0f%%, need-resched %.0f%%, TIF %.0f%%%s\n",
			100.0 * (double)r->state_irq / n, 100.0 * (double)r->state_nr / n,
			100.0 * (double)r->state_tif / n, r->state_tif ? "" : " (unknown: not read, never guessed)");
	}
	if (r->entry_irq_known)
		fprintf(f, "  at entry  : %" PRIu64 " entries with PACA state: soft mask all-disabled %" PRIu64
			", HARD_DIS %" PRIu64 ", soft-enabled %" PRIu64 "%s\n", r->entry_irq_known,
			r->entry_soft_masked_all, r->entry_hard_disabled, r->entry_soft_enabled,
			!v->ppc_path ? "" : !strcmp(v->ppc_path, "vcore") ? "  (vcore path)" : "  (P9 path)");
}

static void text_vcpus(FILE *f, const struct view *v)
{
	const struct kr_result *r = v->r;
	char a[32];
	uint32_t i;

	if (!r->nr_vcpus)
		return;
	fprintf(f, "    %7s %7s %-16s %5s %9s %7s %7s %8s %5s %10s\n", "PID", "TID", "COMM", "VCPU", "RUNS", "SIGNAL",
		"RESCHED", "FINDINGS", "VIOL", "MAX_PAST");
	for (i = 0; i < r->nr_vcpus; i++) {
		const struct kr_vcpu_stats *s = &r->vcpus[i];

		kr_fmt_ns(s->max_past_ns, a, sizeof(a));
		fprintf(f, "    %7u %7u %-16.16s %5d %9" PRIu64 " %7" PRIu64 " %7" PRIu64 " %8" PRIu64 " %5" PRIu64
			" %10s\n", s->pid, s->tid, s->comm[0] ? s->comm : "?", s->vcpu, s->runs,
			s->requests[KR_CAUSE_SIGNAL], s->requests[KR_CAUSE_RESCHED], s->findings, s->violations, a);
	}
}

static void print_hist(FILE *f, const uint64_t *h)
{
	uint64_t max = 0;
	int i, lo = -1, hi = -1;

	if (h[0])
		fprintf(f, "      no guest time past the request: %" PRIu64 "\n", h[0]);
	for (i = 1; i < KR_HIST_BUCKETS; i++) {
		if (h[i] > max)
			max = h[i];
		if (h[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	}
	if (lo < 0) {
		if (!h[0])
			fprintf(f, "      (none)\n");
		return;
	}
	fprintf(f, "      %-21s : %-8s distribution\n", "guest ns past", "count");
	for (i = lo; i <= hi; i++) {
		char range[48], bar[41];
		int n = (int)(max ? h[i] * 40 / max : 0);
		uint64_t a = kr_hist_lo(i), b = i ? (kr_hist_lo(i + 1) - 1) : 0;

		if (h[i] && !n)
			n = 1;
		memset(bar, '*', (size_t)n);
		bar[n] = 0;
		snprintf(range, sizeof(range), "%" PRIu64 " -> %" PRIu64, a, b);
		fprintf(f, "      %-21s : %-8" PRIu64 " |%-40s|\n", range, h[i], bar);
	}
}

static void text_requests(FILE *f, const struct view *v)
{
	const struct kr_result *r = v->r;
	int c;

	for (c = 0; c < KR_NR_CAUSES; c++) {
		fprintf(f, "  %-7s requests: %" PRIu64 " (coalesced %" PRIu64 ", seen only as TIF at entry %" PRIu64,
			kr_cause_name(c), r->requests[c], r->coalesced[c], r->tif_requests[c]);
		if (c == KR_CAUSE_RESCHED)
			fprintf(f, ", timed at their sched_waking %" PRIu64, r->requests_from_waking[c]);
		if (c == KR_CAUSE_RESCHED && r->wakings_elsewhere)
			fprintf(f, "; wakings placed on another CPU %" PRIu64, r->wakings_elsewhere);
		fprintf(f, ")\n");
		print_hist(f, r->hist[c]);
	}
}

static void text_kicks(FILE *f, const struct view *v)
{
	int c;

	if (!v->r->ipis_known)
		return;
	for (c = 0; c < KR_NR_CAUSES; c++) {
		const struct kr_kick_stats *k = &v->r->kicks[c];
		char a[32], b[32], d[32], l[32];

		if (!k->requests)
			continue;
		kr_fmt_ns(v->delay_mean[c], a, sizeof(a));
		kr_fmt_ns(k->delay_max, d, sizeof(d));
		kr_fmt_ns(v->delivery_mean[c], b, sizeof(b));
		kr_fmt_ns(k->delivery_max, l, sizeof(l));
		fprintf(f, "  %-7s kicks   : %" PRIu64 " of %" PRIu64 " raised in the guest saw an IPI sent to its "
			"CPU; request -> IPI mean %s max %s; IPI -> exit mean %s max %s\n", kr_cause_name(c), k->kicked,
			k->requests, a, d, b, l);
	}
}

/* The evidence under a finding's row: where its request came from, what the
 * host did on its CPU, and what became of its kick. */
static void text_evidence(FILE *f, const struct kr_result *r, const struct kr_finding *x)
{
	char a[32], b[64];

	fprintf(f, "        class %s; request at %s", kr_class_name(x->class), kr_request_event_name(x));
	if (x->request_on_cpu_ns && x->request_on_cpu_ns != x->request_ns) {
		kr_fmt_ns(x->request_on_cpu_ns - x->request_ns, a, sizeof(a));
		fprintf(f, ", reached CPU %u (sched_wakeup) %s later", x->cpu, a);
	}
	fprintf(f, "%s\n", x->remote ? ", from another CPU" : "");
	/* Past the threshold this is the 2017 race's signature; below it a
	 * kernel that re-checks after the interrupt may well have backed out at
	 * once, so only the fact is printed. */
	if (x->irq_before_entry_ns)
		fprintf(f, "        host %s interrupt on CPU %u at %" PRIu64 ", %s before the entry%s\n",
			kr_irq_kind_name(x->irq_before_entry_kind), x->cpu, x->irq_before_entry_ns,
			x->irq_before_entry_ns == x->irq_raised_ns ? "its handler raised the request" : "after the request and",
			!x->violation || x->class != KR_CLASS_CONSUMED ? "" :
			x->irq_before_entry_ns == x->irq_raised_ns ? ": taken in the host, and the guest ran on" :
			": the kick was consumed in the host and the guest ran on");
	/* Raised on another CPU: when did an IPI reach the vCPU's task. */
	if (x->remote && x->kick_rx_ns) {
		kr_fmt_ns(x->kick_rx_ns - x->request_ns, a, sizeof(a));
		fprintf(f, "        host %s interrupt taken by the vCPU's task on CPU %u %s after the request%s\n",
			kr_irq_kind_name(x->kick_rx_kind), x->cpu, a, x->kick_rx_ns <= x->exit_ns ? "" : ", after the exit");
	}
	if (x->host_ran_ns) {
		kr_fmt_ns(x->host_ran_ns - x->request_ns, a, sizeof(a));
		fprintf(f, "        CPU %u ran host code %s after the request, before the guest exit event: "
			"the guest had stopped; its time is counted up to there\n", x->cpu, a);
	}
	/* A late exit: did the kernel kick, and when. */
	if (!x->kick_due || !r->ipis_known)
		return;
	if (!x->kick_ns) {
		fprintf(f, "        no IPI was sent to CPU %u between the request and the exit: the vCPU was not kicked\n",
			x->cpu);
		return;
	}
	kr_fmt_ns(x->kick_ns - x->request_ns, a, sizeof(a));
	kr_fmt_ns(x->exit_ns > x->kick_ns ? x->exit_ns - x->kick_ns : 0, b, sizeof(b));
	fprintf(f, "        IPI sent to CPU %u at %" PRIu64 ", %s after the request; the guest exited %s after it\n",
		x->cpu, x->kick_ns, a, b);
}

static void text_finding(FILE *f, const struct view *v, uint32_t i)
{
	const struct kr_finding *x = &v->r->findings[i];
	char a[32], b[64], ent[32];

	kr_fmt_ns(x->past_ns, a, sizeof(a));
	kr_exit_name(v->ri->arch, x->exit_kind, x->exit_reason, x->exit_err, b, sizeof(b));
	if (x->entry_ns)
		snprintf(ent, sizeof(ent), "%" PRIu64, x->entry_ns);
	else
		snprintf(ent, sizeof(ent), "-");
	fprintf(f, "    %-3u %-15s %-7s %-4s %10s %7u %-16.16s %4d %3u %-28.28s %" PRIu64 " -> %s -> %" PRIu64 "%s\n",
		i + 1, kr_kind_name(x->kind), kr_cause_name(x->cause), x->violation ? "yes" : "no", a, x->tid,
		x->comm[0] ? x->comm : "?", x->vcpu, x->cpu, b, x->request_ns, ent, x->exit_ns,
		x->from_tif ? "  (from TIF at entry)" : "");
	text_evidence(f, v->r, x);
}

static void text_findings(FILE *f, const struct view *v, const char *threshold)
{
	const struct kr_result *r = v->r;
	uint32_t i;
	int c;

	fprintf(f, "  findings  : late_exit %" PRIu64 ", entered_pending %" PRIu64 "; over threshold %s: %" PRIu64 "\n",
		r->findings_total[KR_KIND_LATE_EXIT], r->findings_total[KR_KIND_ENTERED_PENDING], threshold,
		r->violations);
	if (v->findings) {
		fprintf(f, "  by class  :");
		for (c = 0; c < KR_NR_CLASSES; c++)
			fprintf(f, "%s %s %" PRIu64 " (%" PRIu64 " over)", c ? "," : "", kr_class_name(c),
				r->findings_by_class[c], r->violations_by_class[c]);
		fprintf(f, "\n");
	}
	if (!r->nr_findings)
		return;
	fprintf(f, "    %-3s %-15s %-7s %-4s %10s %7s %-16s %4s %3s %-28s %s\n", "#", "KIND", "CAUSE", "OVER", "PAST",
		"TID", "COMM", "VCPU", "CPU", "EXIT", "REQUEST_NS -> ENTRY_NS -> EXIT_NS");
	for (i = 0; i < r->nr_findings; i++)
		text_finding(f, v, i);
	if (r->nr_findings < v->findings)
		fprintf(f, "    (%u worst shown of %" PRIu64 ")\n", r->nr_findings, v->findings);
}

static void text_verdict(FILE *f, const struct view *v, const char *threshold)
{
	if (v->ri->has_command)
		fprintf(f, "  command   : exited with status %d\n", v->ri->command_status);
	fprintf(f, "  verdict   : %s (exit %d)", v->verdict == KR_PASS ? "PASS" : v->verdict == KR_VIOLATION ?
		"VIOLATION" : "INCONCLUSIVE", (int)v->verdict);
	if (v->verdict == KR_VIOLATION)
		fprintf(f, ": %" PRIu64 " %s %s\n", v->r->violations, v->why, threshold);
	else if (v->verdict == KR_PASS)
		fprintf(f, ": %s %s\n", v->why, threshold);
	else
		fprintf(f, ": %s\n", v->why);
}

void kr_print_summary(FILE *f, const struct kr_result *r, const struct kr_run_info *ri, bool verbose)
{
	struct view v;
	char t[64];

	make_view(&v, r, ri);
	kr_fmt_ns(r->threshold_ns, t, sizeof(t));
	text_run(f, &v, verbose);
	text_state(f, &v);
	text_vcpus(f, &v);
	text_requests(f, &v);
	text_kicks(f, &v);
	text_findings(f, &v, t);
	text_verdict(f, &v, t);
}

/* ---- the JSON summary, by section ---- */

/* "key": {name(0): v[0], ... name(n-1): v[n-1]} */
static void json_counts(struct kr_json *j, const char *key, const uint64_t *v, int n, const char *(*name)(int))
{
	int c;

	kj_key(j, key);
	kj_obj_open(j);
	for (c = 0; c < n; c++)
		kj_ku64(j, name(c), v[c]);
	kj_obj_close(j);
}

static void json_causes(struct kr_json *j, const char *key, const uint64_t *v)
{
	json_counts(j, key, v, KR_NR_CAUSES, kr_cause_name);
}

static void json_classes(struct kr_json *j, const char *key, const uint64_t *v)
{
	json_counts(j, key, v, KR_NR_CLASSES, kr_class_name);
}

static void kj_kstr_or_null(struct kr_json *j, const char *k, const char *s)
{
	kj_key(j, k);
	if (s)
		kj_str(j, s);
	else
		kj_null(j);
}

/* "key": {"seen", "ns", "kind"} of a host interrupt (ns 0: not seen), or
 * null when it could not be known. */
static void json_irq_seen(struct kr_json *j, const char *key, bool known, uint64_t ns, uint8_t kind)
{
	kj_key(j, key);
	if (!known) {
		kj_null(j);
		return;
	}
	kj_obj_open(j);
	kj_kbool(j, "seen", ns != 0);
	kj_ku64_nz(j, "ns", ns);
	kj_kstr_or_null(j, "kind", ns ? kr_irq_kind_name(kind) : NULL);
	kj_obj_close(j);
}

static void json_run(struct kr_json *j, const struct view *v)
{
	const struct kr_run_info *ri = v->ri;
	int i;

	kj_kstr(j, "schema", KR_SCHEMA);
	kj_key(j, "tool");
	kj_obj_open(j);
	kj_kstr(j, "name", "kvmrace-trace");
	kj_kstr(j, "version", KR_VERSION);
	kj_obj_close(j);
	kj_kstr(j, "verdict", kr_verdict_name(v->verdict));
	kj_ki64(j, "exit_status", (int)v->verdict);
	kj_ku64(j, "threshold_ns", v->r->threshold_ns);
	kj_kstr(j, "arch", ri->arch);
	kj_kstr(j, "kernel", ri->kernel);
	kj_kstr(j, "host", ri->host);
	kj_kstr(j, "clock", ri->clock);
	kj_key(j, "hooks");
	kj_arr_open(j);
	for (i = 0; i < v->hooks.n; i++) {
		kj_obj_open(j);
		kj_kstr(j, "event", v->hooks.h[i].event);
		if (v->hooks.h[i].method[0])
			kj_kstr(j, "method", v->hooks.h[i].method);
		kj_obj_close(j);
	}
	kj_arr_close(j);
	kj_kstr(j, "entry_path", v->entry_path);
	kj_ku64(j, "duration_ns", ri->duration_ns);
	kj_kbool(j, "complete", ri->complete);
	kj_key(j, "command_exit_status");
	if (ri->has_command)
		kj_i64(j, ri->command_status);
	else
		kj_null(j);
}

static void json_events(struct kr_json *j, const struct view *v)
{
	const struct kr_result *r = v->r;
	int c;

	kj_ku64(j, "events", r->events);
	kj_key(j, "events_by_type");
	kj_obj_open(j);
	for (c = 1; c < KR_EV_MAX_EVENT; c++)
		kj_ku64(j, kr_type_name(c), r->events_by_type[c]);
	kj_obj_close(j);
	kj_ku64(j, "first_ns", r->first_ns);
	kj_ku64(j, "last_ns", r->last_ns);
	kj_ku64(j, "runs", r->runs);
	kj_ku64(j, "kvm_run_calls", r->run_calls);
}

static void json_vcpus(struct kr_json *j, const struct view *v)
{
	uint32_t i;

	kj_key(j, "vcpus");
	kj_arr_open(j);
	for (i = 0; i < v->r->nr_vcpus; i++) {
		const struct kr_vcpu_stats *s = &v->r->vcpus[i];

		kj_obj_open(j);
		kj_ku64(j, "pid", s->pid);
		kj_ku64(j, "tid", s->tid);
		kj_kstr(j, "comm", s->comm);
		kj_ki64(j, "vcpu", s->vcpu);
		kj_kstr(j, "entry_path", s->guest_events ? "guest_events" : "kvm_run_bracket");
		kj_ku64(j, "runs", s->runs);
		kj_ku64(j, "kvm_run_calls", s->run_calls);
		json_causes(j, "requests", s->requests);
		kj_ku64(j, "findings", s->findings);
		kj_ku64(j, "violations", s->violations);
		kj_ku64(j, "max_past_ns", s->max_past_ns);
		kj_obj_close(j);
	}
	kj_arr_close(j);
}

static void json_requests(struct kr_json *j, const struct view *v)
{
	const struct kr_result *r = v->r;

	json_causes(j, "requests", r->requests);
	json_causes(j, "requests_coalesced", r->coalesced);
	json_causes(j, "requests_from_tif", r->tif_requests);
	json_causes(j, "requests_from_waking", r->requests_from_waking);
	kj_ku64(j, "wakings_elsewhere", r->wakings_elsewhere);
	kj_ku64(j, "requests_bracket_host_time", r->bracket_host_time);
	kj_ku64(j, "lost_events", r->lost);
	kj_ku64(j, "untracked_vcpu_tasks", r->untracked);
	kj_ku64(j, "reorder_late", r->reorder_late);
	kj_ku64(j, "host_irq_events", r->host_irq_events);
	kj_ku64(j, "ipi_send_events", r->ipi_send_events);
}

static void json_kicks(struct kr_json *j, const struct view *v)
{
	int c;

	kj_key(j, "kicks");
	if (!v->r->ipis_known) {
		kj_null(j);
		return;
	}
	kj_obj_open(j);
	for (c = 0; c < KR_NR_CAUSES; c++) {
		const struct kr_kick_stats *k = &v->r->kicks[c];

		kj_key(j, kr_cause_name(c));
		kj_obj_open(j);
		kj_ku64(j, "requests_in_guest", k->requests);
		kj_ku64(j, "kicked", k->kicked);
		kj_ku64(j, "delay_mean_ns", v->delay_mean[c]);
		kj_ku64(j, "delay_max_ns", k->delay_max);
		kj_ku64(j, "delivery_mean_ns", v->delivery_mean[c]);
		kj_ku64(j, "delivery_max_ns", k->delivery_max);
		kj_obj_close(j);
	}
	kj_obj_close(j);
}

static void json_state(struct kr_json *j, const struct view *v)
{
	const struct kr_result *r = v->r;

	kj_kstr_or_null(j, "capture_caveat", r->caveat);
	kj_key(j, "state_known");
	kj_obj_open(j);
	kj_ku64(j, "events", r->state_events);
	kj_ku64(j, "irqs_off", r->state_irq);
	kj_ku64(j, "need_resched", r->state_nr);
	kj_ku64(j, "tif", r->state_tif);
	kj_ku64(j, "paca", r->state_paca);
	kj_obj_close(j);
	kj_key(j, "guest_entry_irq_state");
	kj_obj_open(j);
	kj_ku64(j, "known", r->entry_irq_known);
	kj_ku64(j, "soft_masked_all", r->entry_soft_masked_all);
	kj_ku64(j, "hard_disabled", r->entry_hard_disabled);
	kj_ku64(j, "soft_enabled", r->entry_soft_enabled);
	kj_obj_close(j);
	kj_ku64(j, "aborted_entries", r->aborted_entries);
	kj_ku64(j, "open_at_end", r->open_at_end);
	json_causes(j, "requests_caught_by_aborted_entry", r->caught_by_abort);
	kj_kstr_or_null(j, "powerpc_entry_path", v->ppc_path);
}

static void json_histograms(struct kr_json *j, const struct view *v)
{
	int c, b;

	kj_key(j, "histograms");
	kj_obj_open(j);
	for (c = 0; c < KR_NR_CAUSES; c++) {
		kj_key(j, kr_cause_name(c));
		kj_arr_open(j);
		for (b = 0; b < KR_HIST_BUCKETS; b++) {
			if (!v->r->hist[c][b])
				continue;
			kj_obj_open(j);
			kj_ku64(j, "lo_ns", kr_hist_lo(b));
			kj_ku64(j, "hi_ns", b ? kr_hist_lo(b + 1) - 1 : 0);
			kj_ku64(j, "count", v->r->hist[c][b]);
			kj_obj_close(j);
		}
		kj_arr_close(j);
	}
	kj_obj_close(j);
}

static void json_at_entry(struct kr_json *j, const struct kr_finding *x)
{
	char buf[128];

	kj_key(j, "at_entry");
	if (!x->entry_ns) {
		kj_null(j);
		return;
	}
	kj_obj_open(j);
	kj_kstr_or_null(j, "tif", x->entry_flags & KR_F_TIF ? kr_tif_names(x->entry_tif, buf, sizeof(buf)) : NULL);
	kj_key(j, "irqs_off");
	if (x->entry_flags & KR_F_IRQ)
		kj_bool(j, x->entry_flags & KR_F_IRQS_OFF);
	else
		kj_null(j);
	kj_key(j, "irq_soft_mask");
	if (x->entry_flags & KR_F_PACA)
		kj_u64(j, x->entry_soft_mask);
	else
		kj_null(j);
	kj_key(j, "irq_happened");
	if (x->entry_flags & KR_F_PACA)
		kj_u64(j, x->entry_irq_happened);
	else
		kj_null(j);
	kj_obj_close(j);
}

static void json_exit(struct kr_json *j, const struct view *v, const struct kr_finding *x)
{
	char buf[128];

	kj_key(j, "exit");
	kj_obj_open(j);
	kj_kstr(j, "kind", kr_exit_kind_name(x->exit_kind));
	kj_ku64(j, "number", x->exit_reason);
	if (x->exit_kind == KR_EXIT_RUN_END)
		kj_ki64(j, "errno", -(int64_t)x->exit_err);
	kj_kstr(j, "name", kr_exit_name(v->ri->arch, x->exit_kind, x->exit_reason, x->exit_err, buf, sizeof(buf)));
	kj_obj_close(j);
}

/* The evidence: host interrupts (null where interrupts were not traced and
 * the input had none), a late exit's kick (null where IPI sends were not
 * traced), the host's evidence that the exit event came late. */
static void json_evidence(struct kr_json *j, const struct view *v, const struct kr_finding *x)
{
	json_irq_seen(j, "host_irq_before_entry", v->r->irqs_known && x->entry_ns, x->irq_before_entry_ns,
		      x->irq_before_entry_kind);
	kj_key(j, "kick");
	if (!x->kick_due || !v->r->ipis_known) {
		kj_null(j);
	} else {
		kj_obj_open(j);
		kj_kbool(j, "sent", x->kick_ns != 0);
		kj_ku64_nz(j, "ns", x->kick_ns);
		kj_obj_close(j);
	}
	kj_ku64_nz(j, "host_ran_in_guest_ns", x->host_ran_ns);
	json_irq_seen(j, "kick_received", x->remote && v->r->irqs_known, x->kick_rx_ns, x->kick_rx_kind);
}

static void json_finding(struct kr_json *j, const struct view *v, const struct kr_finding *x)
{
	kj_obj_open(j);
	kj_kstr(j, "kind", kr_kind_name(x->kind));
	kj_kstr(j, "cause", kr_cause_name(x->cause));
	kj_kbool(j, "violation", x->violation);
	kj_ku64(j, "pid", x->pid);
	kj_ku64(j, "tid", x->tid);
	kj_kstr(j, "comm", x->comm);
	kj_ki64(j, "vcpu", x->vcpu);
	kj_ku64(j, "cpu", x->cpu);
	kj_ku64(j, "request_ns", x->request_ns);
	kj_kstr(j, "request_event", kr_request_event_name(x));
	kj_ku64_nz(j, "request_on_cpu_ns", x->request_on_cpu_ns);
	kj_kstr(j, "class", kr_class_name(x->class));
	kj_ku64_nz(j, "entry_ns", x->entry_ns);
	kj_ku64(j, "exit_ns", x->exit_ns);
	kj_ku64(j, "past_ns", x->past_ns);
	kj_ku64(j, "guest_runs", x->segments);
	json_exit(j, v, x);
	kj_key(j, "signal");
	if (x->cause == KR_CAUSE_SIGNAL && x->signo)
		kj_u64(j, x->signo);
	else
		kj_null(j);
	kj_ku64(j, "source_tid", x->src_tid);
	kj_kbool(j, "from_tif", x->from_tif);
	kj_kbool(j, "request_in_irq", x->in_irq);
	json_at_entry(j, x);
	json_evidence(j, v, x);
	kj_obj_close(j);
}

static void json_findings(struct kr_json *j, const struct view *v)
{
	const struct kr_result *r = v->r;
	uint32_t i;

	kj_key(j, "findings_total");
	kj_obj_open(j);
	kj_ku64(j, "late_exit", r->findings_total[KR_KIND_LATE_EXIT]);
	kj_ku64(j, "entered_pending", r->findings_total[KR_KIND_ENTERED_PENDING]);
	kj_obj_close(j);
	kj_ku64(j, "violations", r->violations);
	json_causes(j, "violations_by_cause", r->violations_by_cause);
	json_classes(j, "findings_by_class", r->findings_by_class);
	json_classes(j, "violations_by_class", r->violations_by_class);
	kj_key(j, "findings");
	kj_arr_open(j);
	for (i = 0; i < r->nr_findings; i++)
		json_finding(j, v, &r->findings[i]);
	kj_arr_close(j);
	kj_ku64(j, "findings_retained", r->nr_findings);
}

void kr_print_json(FILE *f, const struct kr_result *r, const struct kr_run_info *ri)
{
	struct kr_json j;
	struct view v;

	make_view(&v, r, ri);
	kj_init(&j, f, true);
	kj_obj_open(&j);
	json_run(&j, &v);
	json_events(&j, &v);
	json_vcpus(&j, &v);
	json_requests(&j, &v);
	json_kicks(&j, &v);
	json_state(&j, &v);
	json_histograms(&j, &v);
	json_findings(&j, &v);
	kj_obj_close(&j);
}
