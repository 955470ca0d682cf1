// SPDX-License-Identifier: GPL-2.0
/* The phases of trace and report (job.h), and the outputs they share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch.h"
#include "hooks.h"
#include "job.h"
#include "summary.h"

/* The engine for the run: its mode and evidence from the run's arch and
 * hooks (a recording replays as it was traced). */
static int make_engine(struct kr_job *j)
{
	struct kr_hooklist hl;
	const char *caveat;
	struct kr_engine_opts eo = {
		.ordered = j->ordered,
		.threshold_ns = j->o.threshold_ns,
		.max_findings = j->o.max_findings,
		.sink = kr_export_streaming(j->x) ? kr_export_sink : NULL,
		.sink_ctx = j->x,
	};

	kr_hooklist_parse(&hl, j->ri.hooks);
	eo.no_bracket = kr_hooklist_method(&hl, "kvm_guest_enter") != NULL;
	eo.guest_hooks = kr_hooklist_method(&hl, "kvm_entry") != NULL;
	if (!(j->e = kr_engine_new(&eo))) {
		fprintf(stderr, "kvmrace-trace: out of memory\n");
		return 1;
	}
	if ((caveat = kr_arch_named(j->ri.arch)->caveat(&hl))) {
		fprintf(stderr, "kvmrace-trace: warning: %s\n", caveat);
		kr_engine_set_caveat(j->e, caveat);
	}
	if (kr_hooklist_irqs(&hl))
		kr_engine_set_irqs_traced(j->e);
	if (kr_hooklist_ipis(&hl))
		kr_engine_set_ipis_traced(j->e);
	return 0;
}

static int open_exports(struct kr_job *j)
{
	char err[512];
	const struct kr_export_opts *ex = &j->o.ex;

	if (!kr_export_wanted(ex))
		return 0;
	if (!(j->x = kr_export_open(ex, &j->ri, err, sizeof(err)))) {
		fprintf(stderr, "kvmrace-trace: %s\n", err);
		return 1;
	}
	return 0;
}

/* Finish the engine and emit every output: the human summary (to stderr when
 * an output goes to stdout), then the JSON and the exports, whole or none.
 * The exit status: the verdict's, or 1 if an output failed. */
static int finish_and_emit(struct kr_job *j)
{
	const struct kr_result *r;
	FILE *human = kr_export_stdout(&j->o.ex) ? stderr : stdout;
	int rc;

	kr_engine_set_lost(j->e, j->lost, j->untracked);
	if (j->truncated)
		kr_engine_set_truncated(j->e);
	kr_engine_finish(j->e);
	r = kr_engine_result(j->e);
	if (j->duration_from_events)
		j->ri.duration_ns = r->last_ns - r->first_ns;
	if (!j->o.quiet)
		kr_print_summary(human, r, &j->ri, j->o.verbose);
	rc = kr_export_close(j->x, r, &j->ri) ? 1 : 0;
	j->x = NULL;
	return rc ? rc : kr_exit_status(r);
}

int kr_job_event(struct kr_job *j, const struct kr_event *ev)
{
	return kr_engine_push(j->e, ev);
}

int kr_job_run(const struct kr_job_ops *ops, int argc, char **argv)
{
	struct kr_job j;
	int rc;

	memset(&j, 0, sizeof(j));
	kr_parse_opts(argc, argv, ops->cmd, &j.o);
	if ((rc = ops->open(&j)) || (rc = open_exports(&j)) || (rc = make_engine(&j)))
		goto out;
	rc = ops->run(&j);
	if (rc && !j.emit_on_error)	/* a bad input: no output of it */
		goto out;
	rc = ops->close(&j) ? 1 : rc;
	if (rc)
		finish_and_emit(&j);	/* what was seen, then the error's status */
	else
		rc = finish_and_emit(&j);
out:
	kr_export_abort(j.x);	/* an error before the outputs: none is left behind */
	ops->free(&j);
	kr_engine_free(j.e);
	return rc;
}
