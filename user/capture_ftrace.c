// SPDX-License-Identifier: GPL-2.0
/*
 * The ftrace backend: where BPF cannot be used, trace through a tracefs
 * instance of our own.  The arch's events (arch.c: those of the BPF
 * programs, host interrupts, IPI sends), trace_clock "mono" (the
 * CLOCK_MONOTONIC of bpf_ktime_get_ns).
 *
 * The instance's raw per-CPU ring buffers through libtraceevent where built
 * with it (ftrace_raw.c), else its trace_pipe text.  Either way each event
 * goes as the kernel's text (the events' own print formats, fields then taken
 * by name) through the text importer's converter: the same engine, the same
 * results.  TIF and PACA state, which ftrace cannot read, stay unknown; the
 * common flags give irqs-off and need-resched.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "arch.h"
#include "capture.h"
#include "capture_ftrace.h"
#include "ftrace_raw.h"
#include "import.h"
#include "tidmap.h"

#define INST_PREFIX "kvmrace-"

/* A thread's acceptance (-p / -- COMMAND), and its thread group. */
struct tid_ok {
	uint32_t tgid;
	int8_t ok;	/* 1 accepted, -1 rejected */
};

struct kr_ftcap {
	char dir[256];		/* the instance */
	struct kr_ftraw *raw;	/* the raw reader, or NULL: */
	int pipe_fd;		/* trace_pipe (text reader) */
	struct kr_import *conv;
	char buf[1 << 16];
	size_t len;
	bool descendants;
	char hooks[512];
	struct kr_tidmap tids;	/* struct tid_ok by tid */
	pid_t pids[64];		/* the processes traced (npids 0: all) */
	int npids;
};

const char *kr_tracefs_dir(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	struct stat st;
	size_t i;

	for (i = 0; i < 2; i++) {
		char p[128];

		snprintf(p, sizeof(p), "%s/events", dirs[i]);
		if (!stat(p, &st))
			return dirs[i];
	}
	/* Not mounted: mount tracefs where it belongs (we are root here). */
	if (!mount("nodev", dirs[0], "tracefs", 0, NULL))
		return dirs[0];
	return NULL;
}

static int write_file(const char *dir, const char *name, const char *val)
{
	char p[512];
	int fd, r = -1;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) == (ssize_t)strlen(val))
		r = 0;
	close(fd);
	return r;
}

/* Instances left by a run that was killed (its pid is gone): remove them. */
int kr_ftcap_remove_stale(void)
{
	const char *t = kr_tracefs_dir();
	char p[512];
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (!t)
		return 0;
	snprintf(p, sizeof(p), "%s/instances", t);
	if (!(d = opendir(p)))
		return 0;
	while ((e = readdir(d))) {
		long pid;

		if (strncmp(e->d_name, INST_PREFIX, strlen(INST_PREFIX)))
			continue;
		pid = strtol(e->d_name + strlen(INST_PREFIX), NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;	/* its tracer is alive */
		snprintf(p, sizeof(p), "%s/instances/%s", t, e->d_name);
		if (!rmdir(p))
			n++;
	}
	closedir(d);
	return n;
}

bool kr_ftcap_available(char *why, size_t len)
{
	const char *t = kr_tracefs_dir();
	char p[256];

	if (!t) {
		snprintf(why, len, "tracefs is not available (not mounted at /sys/kernel/tracing, and cannot be)");
		return false;
	}
	snprintf(p, sizeof(p), "%s/instances", t);
	if (access(p, W_OK)) {
		snprintf(why, len, "cannot create tracefs instances: %s", strerror(errno));
		return false;
	}
	return true;
}

static bool has_event(const char *event)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/events/%s", kr_tracefs_dir(), event);
	return !access(p, F_OK);
}

bool kr_ftcap_can_trace(char *why, size_t len)
{
	const char *const *e;

	if (!kr_ftcap_available(why, len))
		return false;
	if (!has_event("signal/signal_generate") || !has_event("sched/sched_switch")) {
		snprintf(why, len, "no signal:signal_generate or sched:sched_switch in tracefs");
		return false;
	}
	for (e = kr_arch_host()->ftrace_run_events; *e; e++)
		if (has_event(*e)) {
			snprintf(why, len, "available: a tracefs instance of its own, %s", kr_ftraw_built() ?
				 "raw per-CPU buffers decoded with libtraceevent" :
				 "trace_pipe text (built without libtracefs)");
			return true;
		}
	snprintf(why, len, "no KVM events in tracefs (kvm:kvm_fpu, kvm:kvm_entry, kvm_hv:kvm_guest_enter): is kvm loaded?");
	return false;
}

/* The instance, its clock and buffer size; 0 or -1 with err set. */
static int make_instance(struct kr_ftcap *c, unsigned int buffer_kb, char *err, size_t errlen)
{
	char kb[32];
	int stale = kr_ftcap_remove_stale();

	if (stale)
		fprintf(stderr, "kvmrace-trace: removed %d tracefs instance(s) left by a killed run\n", stale);
	snprintf(c->dir, sizeof(c->dir), "%s/instances/" INST_PREFIX "%d", kr_tracefs_dir(), (int)getpid());
	if (mkdir(c->dir, 0700)) {
		snprintf(err, errlen, "cannot create the tracefs instance %s: %s", c->dir, strerror(errno));
		c->dir[0] = 0;
		return -1;
	}
	/* Events carry the thread, not its process: have ftrace save each
	 * thread's tgid, for threads that exit before their events are read
	 * (the raw reader reads on a timer, not on every event). */
	write_file(c->dir, "options/record-tgid", "1");
	if (write_file(c->dir, "trace_clock", "mono")) {
		snprintf(err, errlen, "%s: cannot set trace_clock to mono", c->dir);
		return -1;
	}
	snprintf(kb, sizeof(kb), "%u", buffer_kb ? buffer_kb : 8192);
	if (write_file(c->dir, "buffer_size_kb", kb)) {
		snprintf(err, errlen, "%s: cannot set buffer_size_kb to %s", c->dir, kb);
		return -1;
	}
	return 0;
}

/* Enable the arch's events this kernel has; enough of them to trace?  0 or
 * -1 with err set. */
static int enable_events(struct kr_ftcap *c, char *err, size_t errlen)
{
	const struct kr_arch *a = kr_arch_host();
	const char *const *ev;
	struct kr_hooklist hl;
	size_t o = 0;

	for (ev = a->ftrace_events; *ev; ev++) {
		char p[256];

		snprintf(p, sizeof(p), "events/%s/enable", *ev);
		if (write_file(c->dir, p, "1"))
			continue;	/* not on this kernel */
		o += snprintf(c->hooks + o, o < sizeof(c->hooks) ? sizeof(c->hooks) - o : 0, "%s%s:ftrace",
			      o ? "," : "", strchr(*ev, '/') + 1);
	}
	kr_hooklist_parse(&hl, c->hooks);
	for (ev = a->ftrace_run_events; *ev; ev++)
		if (kr_hooklist_method(&hl, strchr(*ev, '/') + 1))
			break;
	if (!kr_hooklist_method(&hl, "signal_generate") || !kr_hooklist_method(&hl, "sched_switch") || !*ev) {
		snprintf(err, errlen, "the ftrace backend needs the kvm and signal/sched events in tracefs (is kvm loaded?)");
		return -1;
	}
	return 0;
}

/* The raw reader where built, else trace_pipe; 0 or -1 with err set. */
static int open_reader(struct kr_ftcap *c, char *err, size_t errlen)
{
	char p[512];

	if (kr_ftraw_built()) {
		c->raw = kr_ftraw_open(c->dir, kr_arch_host()->ftrace_events, err, errlen);
		return c->raw ? 0 : -1;
	}
	snprintf(p, sizeof(p), "%s/trace_pipe", c->dir);
	c->pipe_fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->pipe_fd < 0) {
		snprintf(err, errlen, "%s: %s", p, strerror(errno));
		return -1;
	}
	return 0;
}

static void ft_close(void *b);

static void *ft_open(const struct kr_capture_opts *o, char *err, size_t errlen)
{
	struct kr_ftcap *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->pipe_fd = -1;
	c->npids = o->npids < 64 ? o->npids : 64;
	memcpy(c->pids, o->pids, (size_t)c->npids * sizeof(pid_t));
	c->descendants = o->descendants;
	kr_tidmap_init(&c->tids, sizeof(struct tid_ok), 0);
	if (!kr_ftcap_available(err, errlen) || make_instance(c, o->buffer_kb, err, errlen) ||
	    enable_events(c, err, errlen))
		goto fail;
	if (!(c->conv = kr_import_new_live())) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (open_reader(c, err, errlen))
		goto fail;
	write_file(c->dir, "tracing_on", "1");
	return c;
fail:
	ft_close(c);
	return NULL;
}

/* record-tgid's map (saved_tgids: "pid tgid" lines), -1 if tid is not in it. */
static long saved_tgid(uint32_t tid)
{
	char p[256];
	FILE *f;
	unsigned long pid, tgid;
	long r = -1;

	if (!kr_tracefs_dir())
		return -1;
	snprintf(p, sizeof(p), "%s/saved_tgids", kr_tracefs_dir());
	f = fopen(p, "r");
	while (f && r < 0 && fscanf(f, "%lu %lu", &pid, &tgid) == 2)
		if (pid == tid)
			r = (long)tgid;
	if (f)
		fclose(f);
	return r;
}

/* The thread group of a thread, -1 if it cannot be known. */
static long tgid_of(uint32_t tid)
{
	char p[64], line[256];
	long tgid = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%u/status", tid);
	f = fopen(p, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5))
			tgid = strtol(line + 5, NULL, 10);
	if (f)
		fclose(f);
	return tgid >= 0 ? tgid : saved_tgid(tid);	/* exited: what ftrace saved */
}

static bool traced_process(const struct kr_ftcap *c, long tgid)
{
	int i;

	for (i = 0; i < c->npids; i++)
		if (tgid == c->pids[i])
			return true;
	return false;
}

/* Is process tgid a descendant of a traced one (16 generations at most)? */
static bool descends_from(const struct kr_ftcap *c, long tgid)
{
	char p[64], line[256];
	int depth;

	for (depth = 0; depth < 16 && tgid > 1; depth++) {
		long ppid = -1;
		FILE *f;

		snprintf(p, sizeof(p), "/proc/%ld/stat", tgid);
		if ((f = fopen(p, "r"))) {
			char *rp = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;

			if (rp)
				sscanf(rp + 2, "%*c %ld", &ppid);
			fclose(f);
		}
		if (traced_process(c, ppid))
			return true;
		tgid = ppid;
	}
	return false;
}

/* The thread group of a vCPU task (text events do not carry it), and for
 * -p / -- COMMAND whether it belongs to the traced process or its children;
 * remembered per thread. */
static bool tid_accepted(struct kr_ftcap *c, uint32_t tid, uint32_t *tgid_out)
{
	bool added, ok;
	struct tid_ok *t = kr_tidmap_add(&c->tids, tid, &added);
	long tgid;

	if (t && !added) {
		*tgid_out = t->tgid;
		return t->ok > 0;
	}
	tgid = tgid_of(tid);
	*tgid_out = tgid > 0 ? (uint32_t)tgid : tid;
	ok = !c->npids || traced_process(c, tgid) || (tgid > 0 && c->descendants && descends_from(c, tgid));
	if (t) {
		t->tgid = *tgid_out;
		t->ok = ok ? 1 : -1;
	}
	return ok;
}

struct deliver_ctx {
	struct kr_ftcap *c;
	kr_event_cb cb;
	void *ctx;
	int n;		/* events delivered */
};

/* One event of a line: filtered to the traced process, delivered. */
static int deliver_event(void *dctx, const struct kr_event *e)
{
	struct deliver_ctx *d = dctx;
	struct kr_event ev = *e;
	uint32_t tgid;

	if (!tid_accepted(d->c, ev.tid, &tgid))
		return 0;
	if (ev.pid == ev.tid)
		ev.pid = tgid;
	if (d->cb(d->ctx, &ev))
		return -EIO;
	d->n++;
	return 0;
}

/* One line of the kernel's trace text: converted, its events delivered.  The
 * number delivered, or -EIO if the callback failed. */
static int deliver_line(char *line, void *dctx)
{
	struct deliver_ctx *d = dctx;
	int before = d->n, r = kr_import_line(d->c->conv, line, deliver_event, d);

	return r < 0 ? r : d->n - before;
}

/* trace_pipe text: read (bounded while tracing, so the caller stays
 * responsive), split into lines, delivered. */
static int pipe_poll(struct kr_ftcap *c, int timeout_ms, struct deliver_ctx *d)
{
	struct pollfd pfd = { .fd = c->pipe_fd, .events = POLLIN };
	int delivered = 0, reads;

	if (timeout_ms && poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	for (reads = 0; !timeout_ms || reads < 256; reads++) {
		ssize_t n = read(c->pipe_fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
		char *s, *nl;

		if (n <= 0)
			return n < 0 && errno != EAGAIN && errno != EINTR ? -errno : delivered;
		c->len += (size_t)n;
		c->buf[c->len] = 0;
		for (s = c->buf; (nl = memchr(s, '\n', c->len - (size_t)(s - c->buf))); s = nl + 1) {
			int k;

			*nl = 0;
			if ((k = deliver_line(s, d)) < 0)
				return k;
			delivered += k;
		}
		c->len -= (size_t)(s - c->buf);
		memmove(c->buf, s, c->len);
		if (c->len >= sizeof(c->buf) - 1)
			c->len = 0;	/* a line longer than the buffer: drop it */
	}
	return delivered;
}

static int ft_poll(void *b, int timeout_ms, kr_event_cb cb, void *ctx)
{
	struct kr_ftcap *c = b;
	struct deliver_ctx d = { c, cb, ctx, 0 };

	/* timeout 0 is the final drain: stop the instance first, or the events
	 * the system keeps making (the reader's own among them) never end */
	if (!timeout_ms)
		write_file(c->dir, "tracing_on", "0");
	if (c->raw)
		return kr_ftraw_poll(c->raw, timeout_ms, !timeout_ms, deliver_line, &d);
	return pipe_poll(c, timeout_ms, &d);
}

/* Lost: the converter's LOST lines and the raw reader's missed-events marks,
 * or the per-CPU overrun stats if those say more. */
static void ft_counters(void *b, uint64_t *lost, uint64_t *untracked)
{
	struct kr_ftcap *c = b;
	char p[512], line[128];
	int cpu;

	*untracked = 0;
	*lost = kr_import_stats(c->conv)->lost + kr_ftraw_missed(c->raw);
	for (cpu = 0; cpu < 4096; cpu++) {
		FILE *f;
		uint64_t overrun = 0;

		snprintf(p, sizeof(p), "%s/per_cpu/cpu%d/stats", c->dir, cpu);
		f = fopen(p, "r");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "overrun:", 8))
				overrun = strtoull(line + 8, NULL, 10);
		fclose(f);
		if (overrun > *lost)	/* trace_pipe reports what it saw; stats, what the ring lost */
			*lost = overrun;
	}
}

static void ft_hooks(void *b, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ((struct kr_ftcap *)b)->hooks);
}

static const char *ft_name(void *b)
{
	return ((struct kr_ftcap *)b)->raw ? "ftrace, trace_pipe_raw" : "ftrace, trace_pipe";
}

static void ft_close(void *b)
{
	struct kr_ftcap *c = b;

	if (!c)
		return;
	if (c->dir[0])
		write_file(c->dir, "tracing_on", "0");
	if (c->pipe_fd >= 0)
		close(c->pipe_fd);
	kr_ftraw_close(c->raw);
	if (c->dir[0] && rmdir(c->dir))
		fprintf(stderr, "kvmrace-trace: could not remove the tracefs instance %s: %s\n", c->dir, strerror(errno));
	kr_import_close(c->conv);
	kr_tidmap_free(&c->tids);
	free(c);
}

const struct kr_capture_ops kr_capture_ftrace = {
	.open = ft_open, .poll = ft_poll, .counters = ft_counters, .hooks = ft_hooks, .name = ft_name,
	.prog_stats = NULL, .close = ft_close,
};
