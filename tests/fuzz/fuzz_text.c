// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_text: bytes -> a text trace file (memfd) -> kvmrace-trace report
 * --format ftrace on it (fz_report: the source, which reads ahead for the
 * arch, kr_import_open / kr_import_next, strict or --lenient for inputs of
 * odd length) -> the engine -> every output, each checked (an import error
 * is one line and nothing else).  Also each line
 * through kr_ftrace_parse_line and the live converter (kr_import_new_live /
 * kr_import_line) into an ordered engine.
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "ftline.h"
#include "fuzz.h"
#include "import.h"

struct live_ctx {
	struct kr_engine *e;
	int n;
};

static int live_event(void *ctx, const struct kr_event *ev)
{
	struct live_ctx *l = ctx;

	l->n++;
	if (kr_engine_push(l->e, ev))
		abort();	/* the converter made an event the engine refuses */
	return 0;
}

/* Each line through the line parser and the live converter into an ordered
 * engine, as the ftrace backend runs it. */
static void live(const uint8_t *data, size_t size)
{
	struct kr_engine_opts eo = { .ordered = true, .threshold_ns = 1000000 };
	struct kr_import *im = kr_import_new_live();
	struct live_ctx lc = { .e = kr_engine_new(&eo) };
	char *line = malloc(size + 1), *copy = malloc(size + 1);
	size_t pos = 0;

	if (!im || !lc.e || !line || !copy)
		abort();
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (data + pos)) + 1 : size - pos;
		struct kr_ftline l;
		int k;

		memcpy(line, data + pos, n);
		line[n] = 0;
		memcpy(copy, line, n + 1);
		pos += n;
		k = kr_ftrace_parse_line(copy, &l);
		if (k > 0 && (strlen(l.event) >= sizeof(l.event) || strlen(l.comm) >= KR_COMM_LEN))
			abort();
		lc.n = 0;
		k = kr_import_line(im, line, live_event, &lc);
		if (k != lc.n)
			abort();	/* it returns how many events it delivered */
	}
	kr_engine_finish(lc.e);
	kr_engine_free(lc.e);
	kr_import_close(im);
	free(line);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_file in;
	static int ready;

	if (!ready) {
		fz_file_init(&in, "trace.txt");
		ready = 1;
	}
	fz_file_set(&in, data, size);
	live(data, size);
	/* strict or --lenient by the input's length: both, at the cost of one
	 * import per input */
	fz_report(in.path, "ftrace", size & 1, size & 2);
	return 0;
}
