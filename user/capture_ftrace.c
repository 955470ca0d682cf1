// SPDX-License-Identifier: GPL-2.0
/*
 * The ftrace backend: where BPF cannot be used, trace through a tracefs
 * instance of our own.  The same events as the BPF programs, trace_clock
 * "mono" (the CLOCK_MONOTONIC of bpf_ktime_get_ns), read from the instance's
 * trace_pipe and turned into kr_events by the text importer's converter:
 * the same engine, the same results (TIF and PACA state, which ftrace cannot
 * read, stay unknown; the latency flags give irqs-off and need-resched).
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
#include <sys/stat.h>
#include <unistd.h>
#include "capture_ftrace.h"
#include "import_ftrace.h"

#define TRACEFS "/sys/kernel/tracing"
#define INST_PREFIX "kvmrace-"
#define MAX_TIDS 1024

struct tid_ok {
	uint32_t tid;
	uint32_t tgid;
	int8_t ok;	/* 0 unknown, 1 accepted, -1 rejected */
};

struct kr_ftcap {
	char dir[256];		/* the instance */
	int pipe_fd;
	struct kr_import *conv;
	char buf[1 << 16];
	size_t len;
	pid_t pid;
	bool descendants;
	char hooks[512];
	struct tid_ok tids[MAX_TIDS];
};

#if !defined(__powerpc64__)
static const char *const events_x86[] = {
	"kvm/kvm_fpu", "kvm/kvm_userspace_exit", "kvm/kvm_entry", "kvm/kvm_exit", "signal/signal_generate",
	"signal/signal_deliver", "sched/sched_switch", "sched/sched_wakeup", NULL,
};
#else
static const char *const events_ppc[] = {
	"kvm_hv/kvmppc_run_vcpu_enter", "kvm_hv/kvmppc_run_vcpu_exit", "kvm_hv/kvm_guest_enter",
	"kvm_hv/kvm_guest_exit", "kvm_hv/kvmppc_run_core", "signal/signal_generate", "signal/signal_deliver",
	"sched/sched_switch", "sched/sched_wakeup", NULL,
};
#endif

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

static bool tracefs_mounted(void)
{
	struct stat st;

	if (!stat(TRACEFS "/instances", &st))
		return true;
	return !system("mount -t tracefs nodev " TRACEFS " 2>/dev/null") && !stat(TRACEFS "/instances", &st);
}

/* Instances left by a run that was killed (its pid is gone): remove them. */
int kr_ftcap_remove_stale(void)
{
	DIR *d = opendir(TRACEFS "/instances");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char p[512];
		long pid;

		if (strncmp(e->d_name, INST_PREFIX, strlen(INST_PREFIX)))
			continue;
		pid = strtol(e->d_name + strlen(INST_PREFIX), NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;	/* its tracer is alive */
		snprintf(p, sizeof(p), TRACEFS "/instances/%s", e->d_name);
		if (!rmdir(p))
			n++;
	}
	closedir(d);
	return n;
}

bool kr_ftcap_available(char *why, size_t len)
{
	if (!tracefs_mounted()) {
		snprintf(why, len, "tracefs is not available at " TRACEFS);
		return false;
	}
	if (access(TRACEFS "/instances", W_OK)) {
		snprintf(why, len, "cannot create tracefs instances: %s", strerror(errno));
		return false;
	}
	return true;
}

struct kr_ftcap *kr_ftcap_open(pid_t pid, bool descendants, char *err, size_t errlen)
{
	struct kr_ftcap *c = calloc(1, sizeof(*c));
	const char *const *ev;
	size_t o = 0;
	int n = 0, stale;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->pipe_fd = -1;
	c->pid = pid;
	c->descendants = descendants;
	if (!kr_ftcap_available(err, errlen))
		goto fail;
	stale = kr_ftcap_remove_stale();
	if (stale)
		fprintf(stderr, "kvmrace-trace: removed %d tracefs instance(s) left by a killed run\n", stale);
	snprintf(c->dir, sizeof(c->dir), TRACEFS "/instances/" INST_PREFIX "%d", (int)getpid());
	if (mkdir(c->dir, 0700)) {
		snprintf(err, errlen, "cannot create the tracefs instance %s: %s", c->dir, strerror(errno));
		c->dir[0] = 0;
		goto fail;
	}
	if (write_file(c->dir, "trace_clock", "mono")) {
		snprintf(err, errlen, "%s: cannot set trace_clock to mono", c->dir);
		goto fail;
	}
	write_file(c->dir, "buffer_size_kb", "8192");
#if defined(__powerpc64__)
	ev = events_ppc;
#else
	ev = events_x86;
#endif
	for (; *ev; ev++) {
		char p[256];

		snprintf(p, sizeof(p), "events/%s/enable", *ev);
		if (write_file(c->dir, p, "1"))
			continue;	/* not on this kernel */
		o += snprintf(c->hooks + o, o < sizeof(c->hooks) ? sizeof(c->hooks) - o : 0, "%s%s:ftrace",
			      o ? "," : "", strchr(*ev, '/') + 1);
		n++;
	}
	if (!strstr(c->hooks, "signal_generate:") || !strstr(c->hooks, "sched_switch:") ||
	    (!strstr(c->hooks, "kvm_fpu:") && !strstr(c->hooks, "kvm_entry:") && !strstr(c->hooks, "kvm_guest_enter:"))) {
		snprintf(err, errlen, "the ftrace backend needs the kvm and signal/sched events in tracefs (is kvm loaded?)");
		goto fail;
	}
	c->conv = kr_import_new_live();
	if (!c->conv) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	snprintf(err, errlen, "%s/trace_pipe", c->dir);
	c->pipe_fd = open(err, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->pipe_fd < 0) {
		snprintf(err, errlen, "%s/trace_pipe: %s", c->dir, strerror(errno));
		goto fail;
	}
	write_file(c->dir, "tracing_on", "1");
	return c;
fail:
	kr_ftcap_close(c);
	return NULL;
}

/* The thread group of a vCPU task (text events do not carry it), and for
 * -p / -- COMMAND whether it belongs to the traced process or its children. */
static bool tid_accepted(struct kr_ftcap *c, uint32_t tid, uint32_t *tgid_out)
{
	uint32_t i = (tid * 2654435761u) % MAX_TIDS, k;
	char p[64], line[256];
	long tgid = -1;
	FILE *f;
	int ok = 0;

	for (k = 0; k < MAX_TIDS; k++, i = (i + 1) % MAX_TIDS) {
		if (c->tids[i].tid == tid && c->tids[i].ok) {
			*tgid_out = c->tids[i].tgid;
			return c->tids[i].ok > 0;
		}
		if (!c->tids[i].ok)
			break;
	}
	snprintf(p, sizeof(p), "/proc/%u/status", tid);
	f = fopen(p, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5))
			tgid = strtol(line + 5, NULL, 10);
	if (f)
		fclose(f);
	if (!c->pid || tgid == c->pid) {
		ok = 1;
	} else if (tgid > 0 && c->descendants) {
		long pp = tgid;
		int depth;

		for (depth = 0; depth < 16 && pp > 1 && !ok; depth++) {
			long ppid = -1;

			snprintf(p, sizeof(p), "/proc/%ld/stat", pp);
			f = fopen(p, "r");
			if (f) {
				if (fgets(line, sizeof(line), f)) {
					char *rp = strrchr(line, ')');

					if (rp)
						sscanf(rp + 2, "%*c %ld", &ppid);
				}
				fclose(f);
			}
			if (ppid == c->pid)
				ok = 1;
			pp = ppid;
		}
	}
	*tgid_out = tgid > 0 ? (uint32_t)tgid : tid;
	if (k < MAX_TIDS) {
		c->tids[i].tid = tid;
		c->tids[i].tgid = *tgid_out;
		c->tids[i].ok = ok ? 1 : -1;
	}
	return ok;
}

int kr_ftcap_poll(struct kr_ftcap *c, int timeout_ms, kr_event_cb cb, void *ctx)
{
	struct pollfd pfd = { .fd = c->pipe_fd, .events = POLLIN };
	int delivered = 0, reads;

	/* timeout 0 is the final drain: stop the instance first, or the events
	 * the system keeps making (the reader's own among them) never end */
	if (!timeout_ms)
		write_file(c->dir, "tracing_on", "0");
	else if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	/* bounded while tracing, so the caller stays responsive */
	for (reads = 0; !timeout_ms || reads < 256; reads++) {
		ssize_t n = read(c->pipe_fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
		char *s, *nl;

		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return -errno;
			break;
		}
		c->len += (size_t)n;
		c->buf[c->len] = 0;
		s = c->buf;
		while ((nl = memchr(s, '\n', c->len - (size_t)(s - c->buf)))) {
			struct kr_event ev[2];
			int k, i;

			*nl = 0;
			k = kr_import_line(c->conv, s, ev);
			for (i = 0; i < k; i++) {
				uint32_t tgid;

				if (!tid_accepted(c, ev[i].tid, &tgid))
					continue;
				if (ev[i].pid == ev[i].tid)
					ev[i].pid = tgid;
				if (cb(ctx, &ev[i]))
					return -EIO;
				delivered++;
			}
			s = nl + 1;
		}
		c->len -= (size_t)(s - c->buf);
		memmove(c->buf, s, c->len);
		if (c->len >= sizeof(c->buf) - 1)
			c->len = 0;	/* a line longer than the buffer: drop it */
	}
	return delivered;
}

void kr_ftcap_counters(struct kr_ftcap *c, uint64_t *lost)
{
	char p[512], line[128];
	int cpu;

	*lost = kr_import_stats(c->conv)->lost;
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

const char *kr_ftcap_hooks(struct kr_ftcap *c)
{
	return c->hooks;
}

void kr_ftcap_close(struct kr_ftcap *c)
{
	if (!c)
		return;
	if (c->dir[0])
		write_file(c->dir, "tracing_on", "0");
	if (c->pipe_fd >= 0)
		close(c->pipe_fd);
	if (c->dir[0] && rmdir(c->dir))
		fprintf(stderr, "kvmrace-trace: could not remove the tracefs instance %s: %s\n", c->dir, strerror(errno));
	kr_import_close(c->conv);
	free(c);
}
