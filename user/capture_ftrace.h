/* SPDX-License-Identifier: GPL-2.0 */
/* The ftrace backend (a tracefs instance of its own): see capture_ftrace.c;
 * its ops are kr_capture_ftrace (capture.h).  What `check` asks of it: */
#ifndef KR_CAPTURE_FTRACE_H
#define KR_CAPTURE_FTRACE_H

#include <stdbool.h>
#include <stddef.h>

/* The tracefs mount point ("/sys/kernel/tracing" or the debugfs one),
 * mounted there if it was not; NULL if there is none. */
const char *kr_tracefs_dir(void);
/* tracefs is there and takes instances; why not, if not. */
bool kr_ftcap_available(char *why, size_t len);
/* Could the ftrace backend trace here (tracefs instances and the events)?
 * why: what it would use, or why not. */
bool kr_ftcap_can_trace(char *why, size_t len);
/* Remove instances of tracers that were killed; returns how many. */
int kr_ftcap_remove_stale(void);

#endif
