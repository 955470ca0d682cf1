/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ftrace backend's raw reader: a tracefs instance's per-CPU
 * trace_pipe_raw, sub-buffers decoded with libtraceevent's kbuffer against
 * the events' format files, each poll's records merged by timestamp and
 * rendered as the kernel's text.  Built with libtracefs/libtraceevent
 * (HAVE_LIBTRACEFS); without them the stubs below say so and the backend
 * reads the instance's trace_pipe text instead.
 */
#ifndef KR_FTRACE_RAW_H
#define KR_FTRACE_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kr_ftraw;

/* One rendered line to the consumer: events delivered, or < 0 to stop. */
typedef int (*kr_line_cb)(char *line, void *ctx);

#ifdef HAVE_LIBTRACEFS
/* The instance dir's raw buffers for the events' systems ("system/event",
 * NULL-ended); NULL with err set. */
struct kr_ftraw *kr_ftraw_open(const char *dir, const char *const *events, char *err, size_t errlen);
/* Read what each CPU's ring has (bounded while tracing, all of it when
 * final), merged by timestamp, each line to cb: lines' events, or -errno.
 * A line goes out only once every CPU's ring has been read past its time
 * (the watermark: the time each CPU's read began, or its last record's if
 * its read was cut short); later ones wait for the next poll, so a CPU
 * read late (the tracer descheduled between two CPUs' reads) does not put
 * its records out of time order.  The final poll gives everything. */
int kr_ftraw_poll(struct kr_ftraw *r, int timeout_ms, bool final, kr_line_cb cb, void *ctx);
/* The rings' missed-events marks. */
uint64_t kr_ftraw_missed(const struct kr_ftraw *r);
void kr_ftraw_close(struct kr_ftraw *r);
#else
static inline struct kr_ftraw *kr_ftraw_open(const char *dir, const char *const *events, char *err, size_t errlen)
{
	(void)dir;
	(void)events;
	(void)err;
	(void)errlen;
	return NULL;
}

static inline int kr_ftraw_poll(struct kr_ftraw *r, int timeout_ms, bool final, kr_line_cb cb, void *ctx)
{
	(void)r;
	(void)timeout_ms;
	(void)final;
	(void)cb;
	(void)ctx;
	return 0;
}

static inline uint64_t kr_ftraw_missed(const struct kr_ftraw *r)
{
	(void)r;
	return 0;
}

static inline void kr_ftraw_close(struct kr_ftraw *r)
{
	(void)r;
}
#endif

/* Built with the raw reader. */
static inline bool kr_ftraw_built(void)
{
#ifdef HAVE_LIBTRACEFS
	return true;
#else
	return false;
#endif
}

#endif
