/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An input file of report, opened once: its first bytes read ahead to tell
 * its format, then read on from there (a FIFO or a pipe can be read only
 * once).
 */
#ifndef KR_INPUT_H
#define KR_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum kr_format { KR_FMT_UNKNOWN = 0, KR_FMT_RECORDING, KR_FMT_TEXT, KR_FMT_TRACE_DAT };

#define KR_INPUT_PEEK 4096

struct kr_input {
	FILE *f;
	const char *path;
	unsigned char peek[KR_INPUT_PEEK];
	size_t npeek, peek_pos;
	bool regular;		/* a regular file (trace.dat needs one) */
};

/* NULL with a one-line message in err. */
struct kr_input *kr_input_open(const char *path, char *err, size_t errlen);
/* What the first bytes say: a kvmrace recording, trace-cmd's trace.dat,
 * trace text (ftrace, trace-cmd report, perf script), or none of them. */
enum kr_format kr_input_format(const struct kr_input *in);
/* Like fread: the read-ahead bytes first. */
size_t kr_input_read(struct kr_input *in, void *buf, size_t n);
/* A read error (errno set), as ferror. */
bool kr_input_error(const struct kr_input *in);
void kr_input_close(struct kr_input *in);
/* "kvmrace", "ftrace", "trace.dat", "perf" (a --format) as a format. */
enum kr_format kr_format_named(const char *name);

#endif
