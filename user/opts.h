/* SPDX-License-Identifier: GPL-2.0 */
/* kvmrace-trace's command line: one table of options, each naming the
 * commands it is for; options go anywhere, before or after files (as perf
 * and trace-cmd take them); a bad one is one line and exit 1. */
#ifndef KR_OPTS_H
#define KR_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "export.h"

enum kr_cmd { KR_CMD_TRACE = 1, KR_CMD_REPORT = 2, KR_CMD_CHECK = 4 };

#define KR_MAX_PIDS 64

struct kr_opts {
	enum kr_cmd cmd;
	double duration_s;
	pid_t pids[KR_MAX_PIDS];	/* -p: processes to trace (0 of them: all) */
	int npids;
	uint64_t threshold_ns;
	const char *out;
	bool verbose;
	bool quiet;
	bool prog_stats;
	bool events;
	bool lenient;
	struct kr_export_opts ex;
	const char *format;
	const char *btf;
	int backend;
	int method;
	unsigned int max_findings;
	unsigned int buffer_kb;
	char **command;		/* trace: after --, NULL if none */
	char **files;		/* report: the inputs */
	int nfiles;
};

#define KR_DEFAULT_THRESHOLD_NS 1000000ull	/* 1 ms: see docs/design.md */

/* Parses argv (argv[0]: the command's name) for cmd; exits with one line and
 * status 1 on a bad option, or 0 after --help / --version. */
void kr_parse_opts(int argc, char **argv, enum kr_cmd cmd, struct kr_opts *o);
/* One line: "kvmrace-trace: <msg> (see kvmrace-trace --help)", exit 1. */
void kr_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
extern const char kr_usage_text[];

#endif
