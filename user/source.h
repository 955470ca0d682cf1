/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inputs of report as one stream of kr_events: a kvmrace recording, or
 * trace text / trace.dat files merged by timestamp.  Each file is opened and
 * read once (a FIFO works); its format comes from its first bytes, or
 * --format.  What the run was (arch, hooks, ...) is known when the source
 * opens: from the recording's header or the text's "# kvmrace:" header, else
 * from the events themselves (read ahead, in memory, up to the first KVM
 * event).
 */
#ifndef KR_SOURCE_H
#define KR_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kvmrace.h"
#include "run.h"

struct kr_source {
	/* The next event in *ev (valid until the next call): 1, 0 at the end,
	 * -1 on an error (a one-line message in err). */
	int (*next)(struct kr_source *s, const struct kr_event **ev, char *err, size_t errlen);
	void (*close)(struct kr_source *s);
	/* What the run was; complete, the duration and the command status
	 * final at the end. */
	struct kr_run_info info;
	bool ordered;		/* in time order already (text: merged by time) */
	uint64_t lost, untracked;	/* final at the end */
	bool text;		/* trace text or trace.dat (else a recording) */
	/* text: lines read, used, of other events, malformed (--lenient) */
	uint64_t events, used, unknown, malformed;
};

/* Opens paths[0..n) as one source; format: NULL (from the content), or a
 * --format name.  NULL with a one-line message in err. */
struct kr_source *kr_source_open(char *const *paths, int n, const char *format, bool lenient, char *err,
				 size_t errlen);
/* At the end: the text's counts, and the run's end (complete, duration,
 * command status) as the input says; false if it does not say how long the
 * run was (no end record: a recording cut, a text trace). */
bool kr_source_finish(struct kr_source *s);

#endif
