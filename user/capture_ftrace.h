/* SPDX-License-Identifier: GPL-2.0 */
/* The ftrace backend (a tracefs instance; its raw per-CPU buffers, or
 * trace_pipe): see capture_ftrace.c. */
#ifndef KR_CAPTURE_FTRACE_H
#define KR_CAPTURE_FTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "capture.h"

struct kr_ftcap;

bool kr_ftcap_available(char *why, size_t len);
/* Could the ftrace backend trace here (tracefs instances and the events)?
 * why: what it would use, or why not. */
bool kr_ftcap_can_trace(char *why, size_t len);
/* Remove instances of tracers that were killed; returns how many. */
int kr_ftcap_remove_stale(void);
/* buffer_kb: the per-CPU ring size, 0 for the default (8 MiB). */
struct kr_ftcap *kr_ftcap_open(pid_t pid, bool descendants, unsigned int buffer_kb, char *err, size_t errlen);
int kr_ftcap_poll(struct kr_ftcap *c, int timeout_ms, kr_event_cb cb, void *ctx);
void kr_ftcap_counters(struct kr_ftcap *c, uint64_t *lost);
const char *kr_ftcap_hooks(struct kr_ftcap *c);
/* "trace_pipe_raw" (libtraceevent) or "trace_pipe" (text). */
const char *kr_ftcap_reader(const struct kr_ftcap *c);
/* Stops tracing, closes the pipe, removes the instance. */
void kr_ftcap_close(struct kr_ftcap *c);

#endif
