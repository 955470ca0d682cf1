/* SPDX-License-Identifier: GPL-2.0 */
/* What a run was, besides its events: the host, the kernel, how it was
 * traced, how it ended.  One struct for the live session, a recording's header
 * and end record, and a text export's "# kvmrace" lines, so that every input
 * of one run prints the same. */
#ifndef KR_RUN_H
#define KR_RUN_H

#include <stdbool.h>
#include <stdint.h>

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

#endif
