/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One line of trace text: the kernel's ftrace text (/sys/kernel/tracing/trace,
 * trace_pipe, with or without the latency flags column, with or without
 * record-tgid), trace-cmd report text (also its -l layout), perf script text.
 * Pure parsing, in place, no allocation.
 */
#ifndef KR_FTLINE_H
#define KR_FTLINE_H

#include <stdbool.h>
#include <stdint.h>
#include "kvmrace.h"

struct kr_ftline {
	char comm[KR_COMM_LEN];
	uint32_t pid;		/* the thread (TID) */
	uint32_t tgid;		/* perf's PID/TID form, ftrace's record-tgid column, else 0 */
	bool perf;		/* perf script layout */
	uint16_t cpu;
	bool has_flags;
	char flags[8];
	uint64_t ts;
	char event[64];
	const char *payload;
};

/* Parses one line in place (a trailing newline is cut): 1 a trace line, 0 a
 * comment or blank line, -1 malformed (a CPU number of KR_MAX_CPUS or more
 * among them). */
int kr_ftrace_parse_line(char *line, struct kr_ftline *out);
/* The same for a line without its newline (faster: the file reader's). */
int kr_ftline_parse(char *line, struct kr_ftline *out);

/* The value of "name=" in a payload (the name starting a word: after the
 * start, a space or a comma), NULL if none. */
const char *kr_field(const char *payload, const char *name);
/* Its number (decimal, 0x hex, 0 octal); false if none or not a number. */
bool kr_field_long(const char *payload, const char *name, long *v);

#endif
