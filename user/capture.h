/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live capture: one interface, two backends chosen once when the session
 * opens (like rtla's timerlat tracing mode): BPF (capture_bpf.c) or a tracefs
 * instance of its own (capture_ftrace.c).  Both hand kr_events to a callback.
 */
#ifndef KR_CAPTURE_H
#define KR_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "hooks.h"
#include "kvmrace.h"

enum kr_backend { KR_B_AUTO = 0, KR_B_BPF = 1, KR_B_FTRACE = 2 };

struct kr_capture_opts {
	const pid_t *pids;	/* the processes to trace; npids 0: all */
	int npids;
	bool descendants;	/* and their descendants */
	int method;		/* KR_M_AUTO or a forced method */
	bool verbose;
	bool prog_stats;	/* enable the kernel's BPF run-time stats */
	const char *btf_path;	/* CO-RE against this BTF file (kernels without BTF) */
	int backend;		/* enum kr_backend */
	unsigned int buffer_kb;	/* 0: default (BPF 4 MiB ring; ftrace 8 MiB per CPU) */
};

/* A backend: every call gets what its open returned. */
struct kr_capture_ops {
	void *(*open)(const struct kr_capture_opts *o, char *err, size_t errlen);
	/* Deliver available events to cb; returns events delivered or -errno.
	 * timeout 0: the final drain. */
	int (*poll)(void *b, int timeout_ms, kr_event_cb cb, void *ctx);
	void (*counters)(void *b, uint64_t *lost, uint64_t *untracked);
	/* "event:method,..." of what is traced */
	void (*hooks)(void *b, char *buf, size_t len);
	/* "bpf", "ftrace, trace_pipe_raw", ... */
	const char *(*name)(void *b);
	void (*prog_stats)(void *b, FILE *f);	/* NULL: none */
	/* Every probe detached, every tracefs instance removed. */
	void (*close)(void *b);
};

extern const struct kr_capture_ops kr_capture_bpf, kr_capture_ftrace;

struct kr_capture {
	const struct kr_capture_ops *ops;
	void *b;
};

/* Opens the backend o asks for; auto: BPF, else ftrace with one line saying
 * why.  NULL with a one-line message in err. */
struct kr_capture *kr_capture_open(const struct kr_capture_opts *o, char *err, size_t errlen);
int kr_capture_poll(struct kr_capture *c, int timeout_ms, kr_event_cb cb, void *ctx);
void kr_capture_counters(struct kr_capture *c, uint64_t *lost, uint64_t *untracked);
void kr_capture_hooks(struct kr_capture *c, char *buf, size_t len);
const char *kr_capture_backend(const struct kr_capture *c);
void kr_capture_prog_stats(struct kr_capture *c, FILE *f);
void kr_capture_close(struct kr_capture *c);

#endif
