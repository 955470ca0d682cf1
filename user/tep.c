// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdio.h>
#include <event-parse.h>
#include <trace-seq.h>
#include "tep.h"

char *kr_tep_line(struct tep_handle *tep, struct tep_record *rec)
{
	struct trace_seq a, b;
	char *line = NULL;

	trace_seq_init(&a);
	trace_seq_init(&b);
	tep_print_event(tep, &a, rec, "%s-%d [%03d] %s", TEP_PRINT_COMM, TEP_PRINT_PID, TEP_PRINT_CPU,
			TEP_PRINT_LATENCY);
	tep_print_event(tep, &b, rec, "%s: %s", TEP_PRINT_NAME, TEP_PRINT_INFO);
	trace_seq_terminate(&a);
	trace_seq_terminate(&b);
	if (asprintf(&line, "%s %llu.%09llu: %s", a.buffer, rec->ts / 1000000000ull, rec->ts % 1000000000ull,
		     b.buffer) < 0)
		line = NULL;
	trace_seq_destroy(&a);
	trace_seq_destroy(&b);
	return line;
}
