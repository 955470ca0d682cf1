/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A command that analyses events (trace, report) as phases driven by one
 * function, like rtla's run_tool: parse the options, open the inputs (which
 * says what the run is), make the engine and the exports for it, run (feed
 * every event), close the inputs, then finish and emit every output.
 */
#ifndef KR_JOB_H
#define KR_JOB_H

#include <stdbool.h>
#include "engine.h"
#include "export.h"
#include "opts.h"
#include "run.h"

struct kr_job {
	struct kr_opts o;
	struct kr_run_info ri;	/* what the run is (open), how it ended (close) */
	struct kr_engine *e;
	struct kr_export *x;
	bool ordered;		/* the input comes in time order (open says) */
	uint64_t lost, untracked;	/* the input's losses (close says) */
	bool truncated;		/* the input was cut: pending requests are not judged */
	bool emit_on_error;	/* a live run: what was seen is emitted even after an error */
	bool duration_from_events;	/* the input does not say: the analysed events' span */
	void *priv;		/* the command's own state */
};

struct kr_job_ops {
	enum kr_cmd cmd;
	/* Open the inputs: fill ri (and ordered); 0, or an exit status. */
	int (*open)(struct kr_job *j);
	/* Feed every event to kr_job_event; 0, or an exit status. */
	int (*run)(struct kr_job *j);
	/* Close the inputs: fill ri's end, lost, untracked, truncated; 0, or an
	 * exit status (then the outputs are still emitted).  After a failed run
	 * only where emit_on_error (a live run: its probes, its recording). */
	int (*close)(struct kr_job *j);
	/* Free what open made (on every path). */
	void (*free)(struct kr_job *j);
};

/* The command: its exit status. */
int kr_job_run(const struct kr_job_ops *ops, int argc, char **argv);
/* One event of the run, to the engine (0, or -1 for an event it refuses). */
int kr_job_event(struct kr_job *j, const struct kr_event *ev);

#endif
