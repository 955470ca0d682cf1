// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_tracedat: bytes -> a trace.dat file (memfd) -> the trace.dat reader
 * (user/tracedat.c): the structure check in this process, then the reader
 * process with libtracecmd.  Whatever the file, the result is lines or one
 * error line naming the file; never a crash or hang of this process.  Each
 * line goes through the live converter into an engine, as the importer
 * will.  The reader process runs uninstrumented library code: libFuzzer's
 * coverage is that of the check and of the parent's side.
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "fuzz.h"
#include "import.h"
#include "tracedat.h"

/* the reader of one input: a hang is killed after this (a fuzzing budget;
 * kvmrace's default is 20 s) */
#define FUZZ_STALL_MS 2000

#ifdef HAVE_LIBTRACECMD
/* In the reader process: a sanitizer report there (the library reading past
 * a damaged file's data through an intercepted call) must not run
 * libFuzzer's death callback, which would save the input as a crash of
 * this process.  The reader's failure is the parent's to report. */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void in_reader(void)
{
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(NULL);
}

static int push(void *ctx, const struct kr_event *ev)
{
	if (kr_engine_push(ctx, ev))
		abort();	/* the converter made an event the engine refuses */
	return 0;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_file in;
	static int ready;
	struct kr_dat_info info;
	char err[512];

	if (!ready) {
		fz_file_init(&in, "trace.dat");
		ready = 1;
	}
	fz_file_set(&in, data, size);
	/* the check alone: what kr_dat_open runs first */
	if (kr_dat_check(in.fd, in.path, &info, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n') || strncmp(err, in.path, strlen(in.path)))
			abort();	/* one line, naming the file */
		return 0;
	}
	if (info.version < 6 || info.version > 7 || info.page_size < 256 || (info.page_header != 12 &&
	    info.page_header != 16))
		abort();	/* a pass must leave sane values */
#ifdef HAVE_LIBTRACECMD
	{
		struct kr_dat_opts o = { .stall_ms = FUZZ_STALL_MS, .child_hook = in_reader };
		struct kr_engine_opts eo = { .ordered = true, .threshold_ns = 1000000 };
		struct kr_import *im = kr_import_new_live();
		struct kr_engine *e = kr_engine_new(&eo);
		struct kr_dat *d;
		uint64_t n = 0;
		ssize_t k = 0;
		char *line;

		if (!im || !e)
			abort();
		d = kr_dat_open_opts(in.path, &o, err, sizeof(err));
		while (d && (k = kr_dat_next_line(d, &line, err, sizeof(err))) > 0) {
			if ((size_t)k != strlen(line) || ++n > info.max_records)
				abort();
			kr_import_line(im, line, push, e);
		}
		if (!d && (!err[0] || strchr(err, '\n') || strncmp(err, in.path, strlen(in.path))))
			abort();	/* one line, naming the file */
		if (d && (k == 0 || k < -2 || (k == -2 && (!err[0] || strchr(err, '\n')))))
			abort();	/* -1 at the end, or -2 with one line */
		kr_dat_close(d);
		kr_engine_finish(e);
		kr_engine_free(e);
		kr_import_close(im);
	}
#endif
	return 0;
}
