// SPDX-License-Identifier: GPL-2.0
/*
 * The ftrace backend: where BPF cannot be used, trace through a tracefs
 * instance of our own.  The same events as the BPF programs, trace_clock
 * "mono" (the CLOCK_MONOTONIC of bpf_ktime_get_ns).
 *
 * With libtracefs/libtraceevent (HAVE_LIBTRACEFS, the default where they are
 * installed): the instance's raw per-CPU ring buffers (per_cpu/cpuN/
 * trace_pipe_raw), sub-buffers decoded with libtraceevent's kbuffer and the
 * kernel's format files, each CPU's stream merged by timestamp; the ring's
 * own missed-events marks count as lost.  Without: the instance's trace_pipe
 * text.  Either way each event goes as the kernel's text (the events' own
 * print formats, fields then taken by name) through the text importer's
 * converter: the same engine, the same results.  TIF and PACA state, which
 * ftrace cannot read, stay unknown; the common flags give irqs-off and
 * need-resched.
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
#ifdef HAVE_LIBTRACEFS
#include <event-parse.h>
#include <kbuffer.h>
#include <tracefs.h>
#endif

#define TRACEFS "/sys/kernel/tracing"
#define INST_PREFIX "kvmrace-"
#define MAX_TIDS 1024
#define MAX_CPUS_RAW 1024

struct tid_ok {
	uint32_t tid;
	uint32_t tgid;
	int8_t ok;	/* 0 unknown, 1 accepted, -1 rejected */
};

/* Raw reader: one record of one poll, before the merge by timestamp. */
struct raw_rec {
	uint64_t ts;
	size_t off;		/* in raw_data (a final drain can hold every CPU's buffer) */
	uint32_t size;
	uint16_t cpu;
};

struct kr_ftcap {
	char dir[256];		/* the instance */
	int pipe_fd;		/* trace_pipe (text reader) */
#ifdef HAVE_LIBTRACEFS
	struct tep_handle *tep;
	struct kbuffer *kbuf;
	int ncpu;
	int *raw_fd;		/* per CPU trace_pipe_raw, -1 where there is none */
	char *page;
	size_t page_size;
	uint64_t raw_missed;	/* the ring's missed-events marks */
	struct raw_rec *recs;
	size_t nrecs, cap_recs;
	char *raw_data;
	size_t data_len, data_cap;
#endif
	struct kr_import *conv;
	char buf[1 << 16];
	size_t len;
	pid_t pid;
	bool descendants;
	char hooks[512];
	struct tid_ok tids[MAX_TIDS];
};

/* The events of the BPF programs, then the host interrupts on each CPU
 * (evidence of a kick taken in the host before a guest entry) and the IPIs
 * sent to one CPU (the kicks of late exits: smp_send_reschedule() traces
 * ipi_send_cpu; ipi_send_cpumask, TLB shootdowns and the like on big hosts,
 * is left out), those not on this kernel skipped. */
#if !defined(__powerpc64__)
static const char *const events[] = {
	"kvm/kvm_fpu", "kvm/kvm_userspace_exit", "kvm/kvm_entry", "kvm/kvm_exit", "signal/signal_generate",
	"signal/signal_deliver", "sched/sched_switch", "sched/sched_wakeup", "sched/sched_waking", "irq/irq_handler_entry",
	"irq_vectors/reschedule_entry", "irq_vectors/call_function_entry", "irq_vectors/call_function_single_entry",
	"ipi/ipi_entry", "ipi/ipi_send_cpu", "ipi/ipi_raise", NULL,
};
#else
static const char *const events[] = {
	"kvm_hv/kvmppc_run_vcpu_enter", "kvm_hv/kvmppc_run_vcpu_exit", "kvm_hv/kvm_guest_enter",
	"kvm_hv/kvm_guest_exit", "kvm_hv/kvmppc_run_core", "signal/signal_generate", "signal/signal_deliver",
	"sched/sched_switch", "sched/sched_wakeup", "sched/sched_waking", "irq/irq_handler_entry", "powerpc/doorbell_entry",
	"powerpc/irq_entry", "ipi/ipi_send_cpu", NULL,
};
#endif
/* One of these must be there: what brackets KVM_RUN or a guest run. */
static const char *const kvm_run_events[] = { "kvm/kvm_fpu", "kvm/kvm_entry", "kvm_hv/kvm_guest_enter", NULL };

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

#ifdef HAVE_LIBTRACEFS
/* The raw reader: the format files of our event systems, one nonblocking
 * trace_pipe_raw per CPU.  0, or -1 with err set. */
static int raw_open(struct kr_ftcap *c, char *err, size_t errlen)
{
	/* the systems of our events (kvm, signal, ...), each once */
	char sys[sizeof(events) / sizeof(events[0])][32];
	const char *systems[sizeof(events) / sizeof(events[0])];
	int cpu, n = 0, i;
	const char *const *ev;

	for (ev = events; *ev; ev++) {
		size_t l = strcspn(*ev, "/");

		for (i = 0; i < n && (strlen(sys[i]) != l || strncmp(sys[i], *ev, l)); i++)
			;
		if (i == n && l < sizeof(sys[0])) {
			memcpy(sys[n], *ev, l);
			sys[n][l] = 0;
			systems[n] = sys[n];
			n++;
		}
	}
	systems[n] = NULL;
	c->tep = tracefs_local_events_system(NULL, systems);
	if (!c->tep) {
		snprintf(err, errlen, "cannot load the events' format files from tracefs");
		return -1;
	}
	c->kbuf = tep_kbuffer(c->tep);
	c->page_size = (size_t)getpagesize();
	c->page = malloc(c->page_size);
	c->ncpu = 0;
	c->raw_fd = calloc(MAX_CPUS_RAW, sizeof(int));
	if (!c->kbuf || !c->page || !c->raw_fd) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (cpu = 0; cpu < MAX_CPUS_RAW; cpu++) {
		char p[512];

		snprintf(p, sizeof(p), "%s/per_cpu/cpu%d/trace_pipe_raw", c->dir, cpu);
		c->raw_fd[cpu] = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (c->raw_fd[cpu] < 0 && errno == ENOENT)
			break;		/* past the last possible CPU */
		if (c->raw_fd[cpu] < 0 && errno != ENODEV) {
			snprintf(err, errlen, "%s: %s", p, strerror(errno));
			c->ncpu = cpu + 1;
			return -1;
		}
	}
	c->ncpu = cpu;
	if (!c->ncpu) {
		snprintf(err, errlen, "%s/per_cpu: no trace_pipe_raw", c->dir);
		return -1;
	}
	return 0;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct raw_rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;	/* a CPU's own order */
}

/* Keep one record (copied: the page is reused). */
static int raw_keep(struct kr_ftcap *c, int cpu, uint64_t ts, const void *data, uint32_t size)
{
	if (c->nrecs == c->cap_recs) {
		size_t n = c->cap_recs ? c->cap_recs * 2 : 4096;
		struct raw_rec *r = realloc(c->recs, n * sizeof(*r));

		if (!r)
			return -ENOMEM;
		c->recs = r;
		c->cap_recs = n;
	}
	if (c->data_len + size > c->data_cap) {
		size_t n = c->data_cap ? c->data_cap * 2 : 1 << 20;
		char *d;

		while (n < c->data_len + size)
			n *= 2;
		d = realloc(c->raw_data, n);
		if (!d)
			return -ENOMEM;
		c->raw_data = d;
		c->data_cap = n;
	}
	memcpy(c->raw_data + c->data_len, data, size);
	c->recs[c->nrecs++] = (struct raw_rec){ .ts = ts, .off = c->data_len, .size = size, .cpu = (uint16_t)cpu };
	c->data_len += size;
	return 0;
}

/* Read what each CPU's ring has (bounded while tracing, all of it at the
 * final drain), merge by timestamp, and deliver. */
static int raw_poll(struct kr_ftcap *c, int timeout_ms, bool final, int (*one)(struct kr_ftcap *, char *, void *),
		    void *octx)
{
	struct pollfd pfd[MAX_CPUS_RAW];
	int cpu, n = 0, r = 0;
	size_t i;

	if (!final) {
		for (cpu = 0; cpu < c->ncpu; cpu++)
			pfd[cpu] = (struct pollfd){ .fd = c->raw_fd[cpu], .events = POLLIN };
		if (poll(pfd, (nfds_t)c->ncpu, timeout_ms) < 0 && errno != EINTR)
			return -errno;
	}
	c->nrecs = c->data_len = 0;
	for (cpu = 0; cpu < c->ncpu; cpu++) {
		int reads;

		if (c->raw_fd[cpu] < 0)
			continue;
		for (reads = 0; final || reads < 256; reads++) {
			ssize_t got = read(c->raw_fd[cpu], c->page, c->page_size);
			unsigned long long ts;
			void *data;
			int missed;

			if (got <= 0) {
				if (got < 0 && errno != EAGAIN && errno != EINTR)
					return -errno;
				break;
			}
			if (kbuffer_load_subbuffer(c->kbuf, c->page) < 0)
				continue;
			missed = kbuffer_missed_events(c->kbuf);
			if (missed)
				c->raw_missed += missed > 0 ? (uint64_t)missed : 1;	/* -1: some, uncounted */
			for (data = kbuffer_read_event(c->kbuf, &ts); data;
			     data = kbuffer_next_event(c->kbuf, &ts)) {
				r = raw_keep(c, cpu, ts, data, (uint32_t)kbuffer_event_size(c->kbuf));
				if (r)
					return r;
			}
		}
	}
	qsort(c->recs, c->nrecs, sizeof(*c->recs), rec_cmp);
	for (i = 0; i < c->nrecs; i++) {
		struct tep_record rec = {
			.ts = c->recs[i].ts, .cpu = c->recs[i].cpu, .size = (int)c->recs[i].size,
			.data = c->raw_data + c->recs[i].off,
		};
		char *line = kr_tep_line(c->tep, &rec);

		if (!line)
			return -ENOMEM;
		r = one(c, line, octx);
		free(line);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

static void raw_close(struct kr_ftcap *c)
{
	int cpu;

	for (cpu = 0; c->raw_fd && cpu < c->ncpu; cpu++)
		if (c->raw_fd[cpu] >= 0)
			close(c->raw_fd[cpu]);
	free(c->raw_fd);
	if (c->kbuf)
		kbuffer_free(c->kbuf);
	if (c->tep)
		tep_free(c->tep);
	free(c->page);
	free(c->recs);
	free(c->raw_data);
}
#endif

bool kr_ftcap_can_trace(char *why, size_t len)
{
	const char *const *e;
	char p[256];

	if (!kr_ftcap_available(why, len))
		return false;
	if (access(TRACEFS "/events/signal/signal_generate", F_OK) || access(TRACEFS "/events/sched/sched_switch", F_OK)) {
		snprintf(why, len, "no signal:signal_generate or sched:sched_switch in tracefs");
		return false;
	}
	for (e = kvm_run_events; *e; e++) {
		snprintf(p, sizeof(p), TRACEFS "/events/%s", *e);
		if (!access(p, F_OK)) {
			snprintf(why, len, "available: a tracefs instance of its own, %s",
#ifdef HAVE_LIBTRACEFS
				 "raw per-CPU buffers decoded with libtraceevent"
#else
				 "trace_pipe text (built without libtracefs)"
#endif
			);
			return true;
		}
	}
	snprintf(why, len, "no KVM events in tracefs (kvm:kvm_fpu, kvm:kvm_entry, kvm_hv:kvm_guest_enter): is kvm loaded?");
	return false;
}

struct kr_ftcap *kr_ftcap_open(pid_t pid, bool descendants, unsigned int buffer_kb, char *err, size_t errlen)
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
	/* Events carry the thread, not its process: have ftrace save each
	 * thread's tgid, for threads that exit before their events are read
	 * (the raw reader reads on a timer, not on every event). */
	write_file(c->dir, "options/record-tgid", "1");
	if (write_file(c->dir, "trace_clock", "mono")) {
		snprintf(err, errlen, "%s: cannot set trace_clock to mono", c->dir);
		goto fail;
	}
	snprintf(err, errlen, "%u", buffer_kb ? buffer_kb : 8192);
	if (write_file(c->dir, "buffer_size_kb", err)) {
		snprintf(err, errlen, "%s: cannot set buffer_size_kb to %u", c->dir, buffer_kb ? buffer_kb : 8192);
		goto fail;
	}
	for (ev = events; *ev; ev++) {
		char p[256];

		snprintf(p, sizeof(p), "events/%s/enable", *ev);
		if (write_file(c->dir, p, "1"))
			continue;	/* not on this kernel */
		o += snprintf(c->hooks + o, o < sizeof(c->hooks) ? sizeof(c->hooks) - o : 0, "%s%s:ftrace",
			      o ? "," : "", strchr(*ev, '/') + 1);
		n++;
	}
	for (ev = kvm_run_events; *ev; ev++) {
		char h[64];

		snprintf(h, sizeof(h), "%s:", strchr(*ev, '/') + 1);
		if (strstr(c->hooks, h))
			break;
	}
	if (!strstr(c->hooks, "signal_generate:") || !strstr(c->hooks, "sched_switch:") || !*ev) {
		snprintf(err, errlen, "the ftrace backend needs the kvm and signal/sched events in tracefs (is kvm loaded?)");
		goto fail;
	}
	c->conv = kr_import_new_live();
	if (!c->conv) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
#ifdef HAVE_LIBTRACEFS
	if (raw_open(c, err, errlen))
		goto fail;
#else
	snprintf(err, errlen, "%s/trace_pipe", c->dir);
	c->pipe_fd = open(err, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->pipe_fd < 0) {
		snprintf(err, errlen, "%s/trace_pipe: %s", c->dir, strerror(errno));
		goto fail;
	}
#endif
	write_file(c->dir, "tracing_on", "1");
	return c;
fail:
	kr_ftcap_close(c);
	return NULL;
}

/* record-tgid's map (saved_tgids: "pid tgid" lines), -1 if tid is not in it. */
static long saved_tgid(uint32_t tid)
{
	FILE *f = fopen(TRACEFS "/saved_tgids", "r");
	unsigned long pid, tgid;
	long r = -1;

	while (f && r < 0 && fscanf(f, "%lu %lu", &pid, &tgid) == 2)
		if (pid == tid)
			r = (long)tgid;
	if (f)
		fclose(f);
	return r;
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
	if (tgid < 0)	/* the thread has exited: the tgid ftrace saved for it */
		tgid = saved_tgid(tid);
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
static int deliver_line(struct kr_ftcap *c, char *line, void *dctx)
{
	struct deliver_ctx *d = dctx;
	int before = d->n, r;

	d->c = c;
	r = kr_import_line(c->conv, line, deliver_event, d);
	return r < 0 ? r : d->n - before;
}

int kr_ftcap_poll(struct kr_ftcap *c, int timeout_ms, kr_event_cb cb, void *ctx)
{
	struct pollfd pfd = { .fd = c->pipe_fd, .events = POLLIN };
	struct deliver_ctx d = { c, cb, ctx, 0 };
	int delivered = 0, reads;

	/* timeout 0 is the final drain: stop the instance first, or the events
	 * the system keeps making (the reader's own among them) never end */
	if (!timeout_ms)
		write_file(c->dir, "tracing_on", "0");
#ifdef HAVE_LIBTRACEFS
	if (c->tep)
		return raw_poll(c, timeout_ms, !timeout_ms, deliver_line, &d);
#endif
	if (timeout_ms && poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
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
			int k;

			*nl = 0;
			k = deliver_line(c, s, &d);
			if (k < 0)
				return k;
			delivered += k;
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
#ifdef HAVE_LIBTRACEFS
	*lost += c->raw_missed;
#endif
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

const char *kr_ftcap_reader(const struct kr_ftcap *c)
{
#ifdef HAVE_LIBTRACEFS
	if (c->tep)
		return "trace_pipe_raw";
#endif
	(void)c;
	return "trace_pipe";
}

void kr_ftcap_close(struct kr_ftcap *c)
{
	if (!c)
		return;
	if (c->dir[0])
		write_file(c->dir, "tracing_on", "0");
	if (c->pipe_fd >= 0)
		close(c->pipe_fd);
#ifdef HAVE_LIBTRACEFS
	raw_close(c);
#endif
	if (c->dir[0] && rmdir(c->dir))
		fprintf(stderr, "kvmrace-trace: could not remove the tracefs instance %s: %s\n", c->dir, strerror(errno));
	kr_import_close(c->conv);
	free(c);
}
