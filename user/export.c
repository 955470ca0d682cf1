// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "decode.h"
#include "export.h"
#include "perfcodec.h"
#include "json.h"

#define MAX_TRACKS 4096
#define FINDINGS_TID_BASE 1000000000u

struct track {
	uint32_t tid, pid;
	bool used, named;
	char comm[KR_COMM_LEN];
	uint64_t run_ts, guest_ts;	/* open KVM_RUN / guest slices (0: none) */
};

struct kr_export {
	struct kr_export_opts o;
	FILE *ps, *pf, *ju;
	struct kr_json j;
	struct track t[MAX_TRACKS];
	char arch[32];
	uint64_t last_ts;
};

static struct track *track(struct kr_export *x, const struct kr_event *ev)
{
	uint32_t i = (ev->tid * 2654435761u) % MAX_TRACKS, k;

	for (k = 0; k < MAX_TRACKS; k++, i = (i + 1) % MAX_TRACKS) {
		if (!x->t[i].used) {
			x->t[i].used = true;
			x->t[i].tid = ev->tid;
			x->t[i].pid = ev->pid;
			return &x->t[i];
		}
		if (x->t[i].tid == ev->tid)
			return &x->t[i];
	}
	return NULL;
}

static FILE *create(const char *path, const char *what, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");

	if (!f)
		snprintf(err, errlen, "--%s %s: %s", what, path, strerror(errno));
	return f;
}

struct kr_export *kr_export_open(const struct kr_export_opts *o, const struct kr_run_info *ri, char *err,
				 size_t errlen)
{
	struct kr_export *x = calloc(1, sizeof(*x));

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->o = *o;
	snprintf(x->arch, sizeof(x->arch), "%s", ri->arch);
	if ((o->perf_script && !(x->ps = create(o->perf_script, "perf-script", err, errlen))) ||
	    (o->perfetto && !(x->pf = create(o->perfetto, "perfetto", err, errlen))) ||
	    (o->junit && !(x->ju = create(o->junit, "junit", err, errlen)))) {
		if (x->ps)
			fclose(x->ps);
		if (x->pf)
			fclose(x->pf);
		free(x);
		return NULL;
	}
	if (x->ps)
		fprintf(x->ps, "# kvmrace: arch=%s kernel=%s host=%s clock=%s hooks=%s\n", ri->arch, ri->kernel,
			ri->host, ri->clock, ri->hooks);
	if (x->pf) {
		kj_init(&x->j, x->pf, false);
		kj_obj_open(&x->j);
		kj_kstr(&x->j, "displayTimeUnit", "ns");
		kj_key(&x->j, "traceEvents");
		kj_arr_open(&x->j);
	}
	return x;
}

bool kr_export_streaming(const struct kr_export *x)
{
	return x && (x->ps || x->pf);
}

/* ---- perf script ---- */

static void ps_line(struct kr_export *x, const char *comm, uint32_t pid, uint32_t tid, unsigned cpu, uint64_t ts,
		    const char *name, const char *payload)
{
	/* perf script: COMM PID/TID [CPU] TIME: EVENT: PAYLOAD, then a frame and
	 * a blank line so stackcollapse-perf.pl and Perfetto take the record. */
	fprintf(x->ps, "%16.16s %7u/%-7u [%03u] %" PRIu64 ".%09" PRIu64 ": kvmrace:%s: %s\n"
		"\tffffffffffffffff kvmrace_%s+0x0 ([kvmrace])\n\n",
		comm[0] ? comm : "<unknown>", pid, tid, cpu, (uint64_t)(ts / 1000000000ull), (uint64_t)(ts % 1000000000ull), name, payload,
		name);
}

static void ps_event(struct kr_export *x, const struct kr_event *ev, const struct track *t)
{
	char p[256];

	kr_perf_kvmrace_payload(ev, p, sizeof(p));
	ps_line(x, t ? t->comm : ev->comm, ev->pid, ev->tid, ev->cpu, ev->ts, kr_type_name(ev->type), p);
}

static void ps_finding(struct kr_export *x, const struct kr_finding *f)
{
	char p[384], ex[96];

	kr_exit_name(x->arch, f->exit_kind, f->exit_reason, f->exit_err, ex, sizeof(ex));
	snprintf(p, sizeof(p), "cause=%s violation=%d past_ns=%" PRIu64 " request_ns=%" PRIu64 " entry_ns=%" PRIu64
		 " exit_ns=%" PRIu64 " vcpu=%d exit=\"%s\"", kr_cause_name(f->cause), f->violation, f->past_ns,
		 f->request_ns, f->entry_ns, f->exit_ns, f->vcpu, ex);
	ps_line(x, f->comm, f->pid, f->tid, f->cpu, f->exit_ns ? f->exit_ns : f->request_ns, kr_kind_name(f->kind), p);
}

/* ---- Perfetto / Chrome trace-event JSON ---- */

static void pf_us(struct kr_json *j, const char *k, uint64_t ns)
{
	char b[40];

	snprintf(b, sizeof(b), "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
	kj_key(j, k);
	kj_raw(j, b);
}

static void pf_common(struct kr_export *x, const char *ph, const char *name, uint32_t pid, uint32_t tid, uint64_t ts)
{
	kj_obj_open(&x->j);
	kj_kstr(&x->j, "ph", ph);
	kj_kstr(&x->j, "name", name);
	kj_kstr(&x->j, "cat", "kvmrace");
	kj_ku64(&x->j, "pid", pid);
	kj_ku64(&x->j, "tid", tid);
	pf_us(&x->j, "ts", ts);
}

static void pf_thread_name(struct kr_export *x, uint32_t pid, uint32_t tid, const char *name)
{
	kj_obj_open(&x->j);
	kj_kstr(&x->j, "ph", "M");
	kj_kstr(&x->j, "name", "thread_name");
	kj_ku64(&x->j, "pid", pid);
	kj_ku64(&x->j, "tid", tid);
	kj_key(&x->j, "args");
	kj_obj_open(&x->j);
	kj_kstr(&x->j, "name", name);
	kj_obj_close(&x->j);
	kj_obj_close(&x->j);
}

static void pf_slice(struct kr_export *x, const char *name, const struct track *t, uint64_t from, uint64_t to,
		     const char *exit)
{
	pf_common(x, "X", name, t->pid, t->tid, from);
	pf_us(&x->j, "dur", to > from ? to - from : 0);
	if (exit) {
		kj_key(&x->j, "args");
		kj_obj_open(&x->j);
		kj_kstr(&x->j, "exit", exit);
		kj_obj_close(&x->j);
	}
	kj_obj_close(&x->j);
}

static void pf_close_guest(struct kr_export *x, struct track *t, uint64_t ts, const char *exit)
{
	if (t->guest_ts) {
		pf_slice(x, "guest", t, t->guest_ts, ts, exit);
		t->guest_ts = 0;
	}
}

static void pf_close_run(struct kr_export *x, struct track *t, uint64_t ts, const char *exit)
{
	pf_close_guest(x, t, ts, NULL);
	if (t->run_ts) {
		pf_slice(x, "KVM_RUN", t, t->run_ts, ts, exit);
		t->run_ts = 0;
	}
}

static void pf_event(struct kr_export *x, const struct kr_event *ev, struct track *t)
{
	char ex[96];

	if (!t->named && t->comm[0]) {
		char fn[64];
		int c;

		pf_thread_name(x, t->pid, t->tid, t->comm);
		for (c = 0; c < KR_NR_CAUSES; c++) {
			snprintf(fn, sizeof(fn), "%s %s findings", t->comm, kr_cause_name(c));
			pf_thread_name(x, t->pid, FINDINGS_TID_BASE + t->tid * 2 + (uint32_t)c, fn);
		}
		t->named = true;
	}
	switch (ev->type) {
	case KR_EV_RUN_BEGIN:
		pf_close_run(x, t, ev->ts, NULL);
		t->run_ts = ev->ts;
		break;
	case KR_EV_RUN_END:
		pf_close_run(x, t, ev->ts, NULL);
		break;
	case KR_EV_USER_EXIT:
		pf_close_run(x, t, (ev->flags & KR_F_RUN_END) && ev->src_tid < ev->ts ? ev->ts - ev->src_tid : ev->ts,
			     kr_exit_name(x->arch, KR_EXIT_RUN_END, ev->reason, ev->err, ex, sizeof(ex)));
		break;
	case KR_EV_GUEST_ENTER:
		pf_close_guest(x, t, ev->ts, NULL);
		t->guest_ts = ev->ts ? ev->ts : 1;
		break;
	case KR_EV_GUEST_EXIT:
		pf_close_guest(x, t, ev->ts, kr_exit_name(x->arch, KR_EXIT_GUEST, ev->reason, ev->cause, ex, sizeof(ex)));
		break;
	case KR_EV_REQUEST:
		pf_common(x, "i", kr_cause_name(ev->cause), t->pid, t->tid, ev->ts);
		kj_kstr(&x->j, "s", "t");
		kj_key(&x->j, "args");
		kj_obj_open(&x->j);
		kj_ku64(&x->j, "source_tid", ev->src_tid);
		if (ev->cause == KR_CAUSE_SIGNAL)
			kj_ku64(&x->j, "signal", ev->reason);
		kj_obj_close(&x->j);
		kj_obj_close(&x->j);
		break;
	default:
		break;
	}
}

static void pf_finding(struct kr_export *x, const struct kr_finding *f)
{
	struct track tr = { .tid = FINDINGS_TID_BASE + f->tid * 2 + f->cause, .pid = f->pid };
	char ex[96];

	pf_common(x, "X", kr_kind_name(f->kind), tr.pid, tr.tid, f->request_ns);
	pf_us(&x->j, "dur", f->exit_ns > f->request_ns ? f->exit_ns - f->request_ns : 0);
	kj_key(&x->j, "args");
	kj_obj_open(&x->j);
	kj_kstr(&x->j, "cause", kr_cause_name(f->cause));
	kj_kbool(&x->j, "violation", f->violation);
	kj_ku64(&x->j, "past_ns", f->past_ns);
	kj_ki64(&x->j, "vcpu", f->vcpu);
	kj_kstr(&x->j, "exit", kr_exit_name(x->arch, f->exit_kind, f->exit_reason, f->exit_err, ex, sizeof(ex)));
	if (f->irq_before_entry_ns)
		kj_ku64(&x->j, "host_irq_before_entry_ns", f->irq_before_entry_ns);
	if (f->kick_ns)
		kj_ku64(&x->j, "kick_ns", f->kick_ns);
	kj_obj_close(&x->j);
	kj_obj_close(&x->j);
}

void kr_export_sink(void *ctx, const struct kr_event *ev, const struct kr_finding *f)
{
	struct kr_export *x = ctx;
	struct track *t;

	if (f) {
		if (x->ps)
			ps_finding(x, f);
		if (x->pf)
			pf_finding(x, f);
		return;
	}
	t = track(x, ev);
	if (t && ev->comm[0])
		memcpy(t->comm, ev->comm, KR_COMM_LEN);
	if (ev->ts > x->last_ts)
		x->last_ts = ev->ts;
	if (x->ps)
		ps_event(x, ev, t);
	if (x->pf && t)
		pf_event(x, ev, t);
}

/* ---- JUnit and TAP: the same four cases ---- */

struct verdict_case {
	const char *name;
	bool failed;
	const char *type;
	char message[160];
	int kind;	/* findings of this kind to list, or 0 */
};

static int cases(const struct kr_result *r, struct verdict_case c[4])
{
	uint64_t late = 0, ent = 0;
	uint32_t i;

	for (i = 0; i < r->nr_findings; i++)
		if (r->findings[i].violation) {
			if (r->findings[i].kind == KR_KIND_LATE_EXIT)
				late++;
			else
				ent++;
		}
	/* every violation counts, retained or not */
	if (late + ent < r->violations)
		ent += r->violations - late - ent;
	memset(c, 0, 4 * sizeof(*c));
	c[0].name = "vcpu_runs_observed";
	c[0].failed = !r->runs;
	c[0].type = "inconclusive";
	snprintf(c[0].message, sizeof(c[0].message), "%" PRIu64 " guest runs of %u vCPUs", r->runs, r->nr_vcpus);
	c[1].name = "no_lost_events";
	c[1].failed = r->lost != 0;
	c[1].type = "inconclusive";
	snprintf(c[1].message, sizeof(c[1].message), "%" PRIu64 " events lost", r->lost);
	c[2].name = "no_late_exit_over_threshold";
	c[2].failed = late != 0;
	c[2].type = "violation";
	c[2].kind = KR_KIND_LATE_EXIT;
	snprintf(c[2].message, sizeof(c[2].message), "%" PRIu64 " late exits over %" PRIu64 " ns", late, r->threshold_ns);
	c[3].name = "no_entered_pending_over_threshold";
	c[3].failed = ent != 0;
	c[3].type = "violation";
	c[3].kind = KR_KIND_ENTERED_PENDING;
	snprintf(c[3].message, sizeof(c[3].message), "%" PRIu64 " guest entries with a request pending, over %" PRIu64
		 " ns", ent, r->threshold_ns);
	return 4;
}

static void xml_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
				fprintf(f, "&#x%x;", (unsigned char)*s);
			else
				fputc(*s, f);
		}
	}
}

/* A finding for JUnit and TAP diagnostics, one YAML list item (its first
 * line prefixed by item, the others by indent), with the evidence the run
 * had: a host interrupt before the entry, the kick of a late exit. */
static void finding_text(FILE *f, const struct kr_finding *x, const struct kr_result *r, const char *arch,
			 const char *item, const char *indent)
{
	char ex[96], tif[64];

	kr_exit_name(arch, x->exit_kind, x->exit_reason, x->exit_err, ex, sizeof(ex));
	fprintf(f, "%skind: %s\n%scause: %s\n%spast_ns: %" PRIu64 "\n%stid: %u\n%scomm: \"", item,
		kr_kind_name(x->kind), indent, kr_cause_name(x->cause), indent, x->past_ns, indent, x->tid, indent);
	xml_str(f, x->comm);
	fprintf(f, "\"\n%svcpu: %d\n%scpu: %u\n%srequest_ns: %" PRIu64 "\n%sexit_ns: %" PRIu64 "\n%sexit: \"%s\"\n",
		indent, x->vcpu, indent, x->cpu, indent, x->request_ns, indent, x->exit_ns, indent, ex);
	if (x->entry_flags & KR_F_TIF)
		fprintf(f, "%stif_at_entry: %s\n", indent, kr_tif_names(x->entry_tif, tif, sizeof(tif)));
	if (x->irq_before_entry_ns)
		fprintf(f, "%shost_irq_before_entry: \"%s at %" PRIu64 "\"\n", indent,
			kr_irq_kind_name(x->irq_before_entry_kind), x->irq_before_entry_ns);
	if (x->kick_due && r->ipis_known) {
		if (x->kick_ns)
			fprintf(f, "%skick_ns: %" PRIu64 "\n", indent, x->kick_ns);
		else
			fprintf(f, "%skick: \"none: no IPI was sent to CPU %u\"\n", indent, x->cpu);
	}
}

static void junit(FILE *f, const struct kr_result *r, const struct kr_run_info *ri)
{
	struct verdict_case c[4];
	int n = cases(r, c), i, fails = 0;
	uint32_t k, shown;
	double secs = ri->duration_ns / 1e9;

	for (i = 0; i < n; i++)
		fails += c[i].failed;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kvmrace\" tests=\"%d\" failures=\"%d\" "
		"errors=\"0\" time=\"%.3f\">\n  <testsuite name=\"kvmrace-trace ", n, fails, secs);
	xml_str(f, ri->host);
	fputc(' ', f);
	xml_str(f, ri->kernel);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n    <properties>\n", n,
		fails, secs);
	fprintf(f, "      <property name=\"arch\" value=\"%s\"/>\n      <property name=\"threshold_ns\" value=\"%" PRIu64
		"\"/>\n      <property name=\"verdict\" value=\"%s\"/>\n      <property name=\"exit_status\" value=\"%d\"/>\n"
		"    </properties>\n", ri->arch, r->threshold_ns, kr_verdict_name(kr_result_verdict(r)),
		(int)kr_result_verdict(r));
	for (i = 0; i < n; i++) {
		fprintf(f, "    <testcase classname=\"kvmrace\" name=\"%s\" time=\"0\">", c[i].name);
		if (c[i].failed) {
			fprintf(f, "\n      <failure message=\"");
			xml_str(f, c[i].message);
			fprintf(f, "\" type=\"%s\">", c[i].type);
			for (k = 0, shown = 0; c[i].kind && k < r->nr_findings && shown < 10; k++)
				if (r->findings[k].violation && r->findings[k].kind == c[i].kind) {
					fputs(shown++ ? "\n" : "\n", f);
					finding_text(f, &r->findings[k], r, ri->arch, "- ", "  ");
				}
			fprintf(f, "</failure>\n    ");
		}
		fprintf(f, "</testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
}

static void tap(FILE *f, const struct kr_result *r, const struct kr_run_info *ri)
{
	struct verdict_case c[4];
	int n = cases(r, c), i;
	uint32_t k, shown;

	fprintf(f, "TAP version 14\n1..%d\n", n);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s %d - %s\n", c[i].failed ? "not ok" : "ok", i + 1, c[i].name);
		if (!c[i].failed)
			continue;
		fprintf(f, "  ---\n  message: \"%s\"\n  severity: %s\n", c[i].message, c[i].type);
		for (k = 0, shown = 0; c[i].kind && k < r->nr_findings && shown < 10; k++)
			if (r->findings[k].violation && r->findings[k].kind == c[i].kind) {
				if (!shown++)
					fprintf(f, "  findings:\n");
				finding_text(f, &r->findings[k], r, ri->arch, "    - ", "      ");
			}
		fprintf(f, "  ...\n");
	}
}

void kr_export_abort(struct kr_export *x)
{
	if (!x)
		return;
	if (x->ps) {
		fclose(x->ps);
		remove(x->o.perf_script);
	}
	if (x->pf) {
		fclose(x->pf);
		remove(x->o.perfetto);
	}
	if (x->ju) {
		fclose(x->ju);
		remove(x->o.junit);
	}
	free(x);
}

int kr_export_close(struct kr_export *x, const struct kr_result *r, const struct kr_run_info *ri)
{
	int rc = 0;
	uint32_t i;

	if (!x)
		return 0;
	if (x->ps) {
		fprintf(x->ps, "# kvmrace-end: duration_ns=%" PRIu64 " lost=%" PRIu64 " untracked=%" PRIu64
			" complete=%d command_status=%d\n", ri->duration_ns, r->lost, r->untracked, ri->complete,
			ri->has_command ? ri->command_status : -1);
		if (fclose(x->ps))
			rc = -1;
	}
	if (x->pf) {
		for (i = 0; i < MAX_TRACKS; i++)
			if (x->t[i].used)
				pf_close_run(x, &x->t[i], x->last_ts, NULL);
		kj_arr_close(&x->j);
		kj_obj_close(&x->j);
		fputc('\n', x->pf);
		if (fclose(x->pf))
			rc = -1;
	}
	if (x->ju) {
		junit(x->ju, r, ri);
		if (fclose(x->ju))
			rc = -1;
	}
	if (x->o.tap) {
		tap(stdout, r, ri);
		fflush(stdout);
	}
	if (rc)
		fprintf(stderr, "kvmrace-trace: writing an export failed: %s\n", strerror(errno));
	free(x);
	return rc;
}
