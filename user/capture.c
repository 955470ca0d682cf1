// SPDX-License-Identifier: GPL-2.0
/* The capture facade: the backend chosen once, then its ops. */
#include <stdio.h>
#include <stdlib.h>
#include "capture.h"

struct kr_capture *kr_capture_open(const struct kr_capture_opts *o, char *err, size_t errlen)
{
	const struct kr_capture_ops *ops = o->backend == KR_B_FTRACE ? &kr_capture_ftrace : &kr_capture_bpf;
	struct kr_capture *c = calloc(1, sizeof(*c));
	char berr[512];

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->b = ops->open(o, berr, sizeof(berr));
	if (!c->b && o->backend == KR_B_AUTO) {	/* say why, then trace with ftrace */
		fprintf(stderr, "kvmrace-trace: BPF: %s; using the ftrace backend\n", berr);
		ops = &kr_capture_ftrace;
		c->b = ops->open(o, berr, sizeof(berr));
	}
	if (!c->b) {
		snprintf(err, errlen, "%s", berr);
		free(c);
		return NULL;
	}
	c->ops = ops;
	return c;
}

int kr_capture_poll(struct kr_capture *c, int timeout_ms, kr_event_cb cb, void *ctx)
{
	return c->ops->poll(c->b, timeout_ms, cb, ctx);
}

void kr_capture_counters(struct kr_capture *c, uint64_t *lost, uint64_t *untracked)
{
	c->ops->counters(c->b, lost, untracked);
}

void kr_capture_hooks(struct kr_capture *c, char *buf, size_t len)
{
	c->ops->hooks(c->b, buf, len);
}

const char *kr_capture_backend(const struct kr_capture *c)
{
	return c->ops->name(c->b);
}

void kr_capture_prog_stats(struct kr_capture *c, FILE *f)
{
	if (c->ops->prog_stats)
		c->ops->prog_stats(c->b, f);
}

void kr_capture_close(struct kr_capture *c)
{
	if (!c)
		return;
	c->ops->close(c->b);
	free(c);
}
