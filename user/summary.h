/* SPDX-License-Identifier: GPL-2.0 */
/* Human and JSON views of one engine result; the same for live and replay. */
#ifndef KR_SUMMARY_H
#define KR_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>
#include "engine.h"

#define KR_VERSION "0.1.0"
#define KR_SCHEMA "kvmrace/1"

/* What the run was, besides the events: from the live session or from the
 * recording's header and end record (so both print the same). */
struct kr_run_info {
	char arch[32];
	char kernel[128];
	char host[128];
	char clock[32];
	char hooks[512];	/* "event:method,..." */
	uint64_t duration_ns;
	bool complete;		/* the run ended cleanly (end marker present) */
	bool has_command;
	int command_status;	/* exit code, or 128 + signal */
};

int kr_exit_status(const struct kr_result *r);
void kr_print_summary(FILE *f, const struct kr_result *r, const struct kr_run_info *ri, bool verbose);
void kr_print_json(FILE *f, const struct kr_result *r, const struct kr_run_info *ri);
void kr_fmt_ns(uint64_t ns, char *buf, size_t len);

#endif
