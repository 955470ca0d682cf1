// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_record: bytes -> a recording file (memfd) -> kr_reader_open /
 * kr_reader_next_ptr -> the engine, as `report FILE` runs it (the run info
 * from the header, lost and end records, truncation) -> every output, each
 * checked.  A reader error ends the run, as in report.
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "fuzz.h"
#include "record.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_file in;
	static int ready;
	struct kr_engine_opts eo;
	struct kr_run_info ri;
	struct kr_reader rd;
	struct kr_engine *e;
	struct fz_run run;
	const void *rec;
	const char *caveat;
	char err[512];
	int r;

	if (!ready) {
		fz_file_init(&in, "recording");
		ready = 1;
	}
	fz_file_set(&in, data, size);
	if (kr_reader_open(&rd, in.path, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n'))
			abort();	/* an error is one line */
		return 0;
	}
	fz_run_info(&ri, rd.info.arch, rd.info.hooks);
	snprintf(ri.kernel, sizeof(ri.kernel), "%s", rd.info.kernel);
	snprintf(ri.host, sizeof(ri.host), "%s", rd.info.host);
	snprintf(ri.clock, sizeof(ri.clock), "%s", rd.info.clock);
	memset(&eo, 0, sizeof(eo));
	eo.threshold_ns = 1000000;
	eo.no_bracket = strstr(ri.hooks, "kvm_guest_enter:") != NULL;
	eo.sink = fz_run_sink;
	eo.sink_ctx = &run;
	fz_run_open(&run, &ri, size & 2);
	e = kr_engine_new(&eo);
	if (!e)
		abort();
	caveat = kr_hooks_caveat(ri.arch, ri.hooks);
	if (caveat)
		kr_engine_set_caveat(e, caveat);
	if (kr_hooks_irqs(ri.hooks))
		kr_engine_set_irqs_traced(e);
	if (kr_hooks_ipis(ri.hooks))
		kr_engine_set_ipis_traced(e);
	err[0] = 0;
	while ((r = kr_reader_next_ptr(&rd, &rec, err, sizeof(err))) > 0) {
		const struct kr_event *ev = rec;
		const struct kr_meta *m = rec;

		if (ev->type == KR_REC_LOST) {
			kr_engine_set_lost(e, m->v[0], m->v[1]);
		} else if (ev->type == KR_REC_END) {
			ri.complete = true;
			ri.duration_ns = m->v[0];
			ri.has_command = m->v[1] != 0;
			ri.command_status = (int)m->v[1] - 1;	/* as main.c: the reader bounds it */
		} else if (kr_engine_push(e, ev)) {
			abort();	/* the reader passed an event the engine refuses */
		}
	}
	if (r < 0 && (!err[0] || strchr(err, '\n')))
		abort();
	kr_reader_close(&rd);
	if (!ri.complete)
		kr_engine_set_truncated(e);
	kr_engine_finish(e);
	if (!ri.complete) {
		const struct kr_result *res = kr_engine_result(e);

		ri.duration_ns = res->last_ns - res->first_ns;
	}
	/* report prints nothing more after a reader error; the outputs are
	 * still written and checked here (they must hold up either way). */
	fz_run_close(&run, kr_engine_result(e), &ri);
	kr_engine_free(e);
	return 0;
}
