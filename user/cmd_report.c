// SPDX-License-Identifier: GPL-2.0
/* kvmrace-trace report: the same analysis on a recording or trace text. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "decode.h"
#include "job.h"
#include "source.h"

struct report {
	struct kr_source *src;
};

static struct report *rep(struct kr_job *j)
{
	return j->priv;
}

static int report_open(struct kr_job *j)
{
	static struct report r;
	char err[512];

	memset(&r, 0, sizeof(r));
	j->priv = &r;
	r.src = kr_source_open(j->o.files, j->o.nfiles, j->o.format, j->o.lenient, err, sizeof(err));
	if (!r.src) {
		fprintf(stderr, "kvmrace-trace: %s\n", err);
		return 1;
	}
	j->ri = r.src->info;
	j->ordered = r.src->ordered;
	return 0;
}

/* --events: one event a line. */
static void print_event(FILE *f, const struct kr_event *ev)
{
	char tif[64];

	fprintf(f, "%16.16s %7u [%03u] %llu.%09llu: %-14s vcpu=%d", ev->comm[0] ? ev->comm : "?",
		ev->tid, ev->cpu, (unsigned long long)(ev->ts / 1000000000ull), (unsigned long long)(ev->ts % 1000000000ull), kr_type_name(ev->type), ev->vcpu);
	if (ev->type == KR_EV_REQUEST)
		fprintf(f, " cause=%s reason=%u src_tid=%u", kr_cause_name(ev->cause), ev->reason, ev->src_tid);
	else if (ev->type == KR_EV_WAKING)
		fprintf(f, " woken=%u src_tid=%u%s", ev->reason, ev->src_tid, ev->flags & KR_F_ELSEWHERE ? " elsewhere" : "");
	if ((ev->type == KR_EV_REQUEST || ev->type == KR_EV_WAKING) && (ev->flags & KR_F_IN_IRQ))
		fputs(" in_irq", f);	/* raised by an interrupt handler */
	else if (ev->type == KR_EV_USER_EXIT || ev->type == KR_EV_GUEST_EXIT || ev->type == KR_EV_SIG_DELIVER)
		fprintf(f, " reason=%u err=%d%s", ev->reason, ev->err, ev->flags & KR_F_LOOP ? " loop" : "");
	else if (ev->type == KR_EV_HOST_IRQ)
		fprintf(f, " kind=%s", kr_irq_kind_name((int)ev->reason));
	else if (ev->type == KR_EV_SWITCH_OUT)
		fprintf(f, " prev_state=0x%x%s", (unsigned)ev->err, ev->flags & KR_F_PREEMPT ? " preempt" : "");
	if (ev->flags & KR_F_TIF)
		fprintf(f, " tif=%s raw=0x%x", kr_tif_names(ev->tif, tif, sizeof(tif)), ev->tif_raw);
	if (ev->flags & KR_F_PACA)
		fprintf(f, " soft_mask=%u irq_happened=0x%x", ev->soft_mask, ev->irq_happened);
	fputc('\n', f);
}

static bool wanted(const struct kr_opts *o, const struct kr_event *ev)
{
	int i;

	for (i = 0; i < o->npids; i++)
		if (ev->pid == (uint32_t)o->pids[i])
			return true;
	return !o->npids;
}

static int report_run(struct kr_job *j)
{
	struct report *r = rep(j);
	const struct kr_event *ev;
	char err[512];
	int k;

	err[0] = 0;
	while ((k = r->src->next(r->src, &ev, err, sizeof(err))) > 0) {
		if (j->o.npids && !wanted(&j->o, ev))
			continue;
		if (j->o.events)
			print_event(stdout, ev);
		if (kr_job_event(j, ev)) {
			fprintf(stderr, "kvmrace-trace: %s: an event the analysis refuses (%s)\n", j->o.files[0],
				kr_type_name(ev->type));
			return 1;
		}
	}
	if (k < 0)
		fprintf(stderr, "kvmrace-trace: %s\n", err);
	return k < 0;
}

/* A text trace: what was read, in one line; none of kvmrace's events is an
 * error.  A recording without its end: said, and analysed up to its last
 * flush. */
static int report_close(struct kr_job *j)
{
	struct kr_source *s = rep(j)->src;

	j->duration_from_events = !kr_source_finish(s);
	j->lost = s->lost;
	j->untracked = s->untracked;
	if (s->text && !s->used) {
		fprintf(stderr, "kvmrace-trace: %s: no KVM, signal or scheduler event kvmrace uses (%llu trace "
			"lines, %llu of other events)\n", j->o.files[0], (unsigned long long)s->events,
			(unsigned long long)s->unknown);
		return 1;
	}
	if (s->text && !j->o.quiet && (s->unknown || s->malformed)) {
		char mal[64] = "";

		if (s->malformed)
			snprintf(mal, sizeof(mal), ", %llu malformed (skipped, --lenient)", (unsigned long long)s->malformed);
		fprintf(stderr, "kvmrace-trace: %llu trace lines: %llu used, %llu of events kvmrace does not use "
			"(skipped)%s\n", (unsigned long long)s->events, (unsigned long long)s->used,
			(unsigned long long)s->unknown, mal);
	}
	if (!s->text && !s->info.complete) {
		j->truncated = true;
		fprintf(stderr, "kvmrace-trace: %s: no end marker (the tracer was killed); analysed up to its "
			"last flush\n", j->o.files[0]);
	}
	j->ri.duration_ns = s->info.duration_ns;
	j->ri.complete = s->info.complete;
	j->ri.has_command = s->info.has_command;
	j->ri.command_status = s->info.command_status;
	return 0;
}

static void report_free(struct kr_job *j)
{
	struct report *r = rep(j);

	if (r && r->src)
		r->src->close(r->src);
}

static const struct kr_job_ops report_ops = {
	.cmd = KR_CMD_REPORT, .open = report_open, .run = report_run, .close = report_close, .free = report_free,
};

int kr_cmd_report(int argc, char **argv)
{
	return kr_job_run(&report_ops, argc, argv);
}
