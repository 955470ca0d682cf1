// SPDX-License-Identifier: GPL-2.0
/* The ftrace backend's raw reader (ftrace_raw.h); built with HAVE_LIBTRACEFS. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <event-parse.h>
#include <kbuffer.h>
#include <tracefs.h>
#include "ftrace_raw.h"
#include "tep.h"

#define MAX_CPUS_RAW 1024
#define MAX_SYSTEMS 16

/* One record of one poll, before the merge by timestamp. */
struct raw_rec {
	uint64_t ts;
	size_t off;		/* in data (a final drain can hold every CPU's buffer) */
	uint32_t size;
	uint16_t cpu;
};

struct kr_ftraw {
	struct tep_handle *tep;
	struct kbuffer *kbuf;
	int ncpu;
	int *fd;		/* per CPU trace_pipe_raw, -1 where there is none */
	char *page;
	size_t page_size;
	uint64_t missed;	/* the ring's missed-events marks */
	struct raw_rec *recs;
	size_t nrecs, cap_recs;
	char *data;		/* the records' bytes; those a poll holds back stay for the next */
	size_t data_len, data_cap;
};

/* The systems of the events ("kvm", "signal", ...), each once. */
static void event_systems(const char *const *events, char sys[][32], const char **systems)
{
	const char *const *ev;
	int n = 0, i;

	for (ev = events; *ev && n < MAX_SYSTEMS - 1; ev++) {
		size_t l = strcspn(*ev, "/");

		for (i = 0; i < n && (strlen(sys[i]) != l || strncmp(sys[i], *ev, l)); i++)
			;
		if (i == n && l < 32) {
			memcpy(sys[n], *ev, l);
			sys[n][l] = 0;
			systems[n] = sys[n];
			n++;
		}
	}
	systems[n] = NULL;
}

/* One nonblocking trace_pipe_raw per possible CPU; 0, or -1 with err set. */
static int open_cpus(struct kr_ftraw *r, const char *dir, char *err, size_t errlen)
{
	int cpu;

	for (cpu = 0; cpu < MAX_CPUS_RAW; cpu++) {
		char p[512];

		snprintf(p, sizeof(p), "%s/per_cpu/cpu%d/trace_pipe_raw", dir, cpu);
		r->fd[cpu] = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (r->fd[cpu] < 0 && errno == ENOENT)
			break;		/* past the last possible CPU */
		if (r->fd[cpu] < 0 && errno != ENODEV) {
			snprintf(err, errlen, "%s: %s", p, strerror(errno));
			r->ncpu = cpu + 1;
			return -1;
		}
	}
	r->ncpu = cpu;
	if (!r->ncpu) {
		snprintf(err, errlen, "%s/per_cpu: no trace_pipe_raw", dir);
		return -1;
	}
	return 0;
}

struct kr_ftraw *kr_ftraw_open(const char *dir, const char *const *events, char *err, size_t errlen)
{
	struct kr_ftraw *r = calloc(1, sizeof(*r));
	char sys[MAX_SYSTEMS][32];
	const char *systems[MAX_SYSTEMS];

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	event_systems(events, sys, systems);
	r->tep = tracefs_local_events_system(NULL, systems);
	if (!r->tep) {
		snprintf(err, errlen, "cannot load the events' format files from tracefs");
		goto fail;
	}
	r->kbuf = tep_kbuffer(r->tep);
	r->page_size = (size_t)getpagesize();
	r->page = malloc(r->page_size);
	r->fd = calloc(MAX_CPUS_RAW, sizeof(int));
	if (!r->kbuf || !r->page || !r->fd) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (open_cpus(r, dir, err, errlen))
		goto fail;
	return r;
fail:
	kr_ftraw_close(r);
	return NULL;
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
static int keep(struct kr_ftraw *r, int cpu, uint64_t ts, const void *data, uint32_t size)
{
	if (r->nrecs == r->cap_recs) {
		size_t n = r->cap_recs ? r->cap_recs * 2 : 4096;
		struct raw_rec *nr = realloc(r->recs, n * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		r->recs = nr;
		r->cap_recs = n;
	}
	if (r->data_len + size > r->data_cap) {
		size_t n = r->data_cap ? r->data_cap * 2 : 1 << 20;
		char *d;

		while (n < r->data_len + size)
			n *= 2;
		d = realloc(r->data, n);
		if (!d)
			return -ENOMEM;
		r->data = d;
		r->data_cap = n;
	}
	memcpy(r->data + r->data_len, data, size);
	r->recs[r->nrecs++] = (struct raw_rec){ .ts = ts, .off = r->data_len, .size = size, .cpu = (uint16_t)cpu };
	r->data_len += size;
	return 0;
}

/* CLOCK_MONOTONIC in ns: the instance's trace_clock "mono". */
static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* One CPU's ring: its pages (at most 256 while tracing), every record kept.
 * *wm: the time up to which this CPU's records are all in now (the time its
 * read began if it was read to the end, else its last record's). */
static int read_cpu(struct kr_ftraw *r, int cpu, bool final, uint64_t *wm)
{
	int reads, k;

	*wm = mono_ns();

	for (reads = 0; final || reads < 256; reads++) {
		ssize_t got = read(r->fd[cpu], r->page, r->page_size);
		unsigned long long ts;
		void *data;
		int missed;

		if (got <= 0)
			return got < 0 && errno != EAGAIN && errno != EINTR ? -errno : 0;
		if (reads == 255 && !final)
			*wm = 0;	/* more left: up to the last record read */
		if (kbuffer_load_subbuffer(r->kbuf, r->page) < 0)
			continue;
		missed = kbuffer_missed_events(r->kbuf);
		if (missed)
			r->missed += missed > 0 ? (uint64_t)missed : 1;	/* -1: some, uncounted */
		for (data = kbuffer_read_event(r->kbuf, &ts); data; data = kbuffer_next_event(r->kbuf, &ts))
			if ((k = keep(r, cpu, ts, data, (uint32_t)kbuffer_event_size(r->kbuf))))
				return k;
	}
	if (!*wm && r->nrecs)
		*wm = r->recs[r->nrecs - 1].ts;
	return 0;
}

/* Records after the first n wait for the next poll: moved to the front,
 * their data compacted. */
static void hold_rest(struct kr_ftraw *r, size_t n)
{
	size_t i, len = 0;

	for (i = n; i < r->nrecs; i++) {
		memmove(r->data + len, r->data + r->recs[i].off, r->recs[i].size);
		r->recs[i].off = len;
		len += r->recs[i].size;
		r->recs[i - n] = r->recs[i];
	}
	r->nrecs -= n;
	r->data_len = len;
}

int kr_ftraw_poll(struct kr_ftraw *r, int timeout_ms, bool final, kr_line_cb cb, void *ctx)
{
	struct pollfd pfd[MAX_CPUS_RAW];
	uint64_t wm = UINT64_MAX, cpu_wm;
	int cpu, n = 0, k;
	size_t i, upto;

	if (!final) {
		for (cpu = 0; cpu < r->ncpu; cpu++)
			pfd[cpu] = (struct pollfd){ .fd = r->fd[cpu], .events = POLLIN };
		if (poll(pfd, (nfds_t)r->ncpu, timeout_ms) < 0 && errno != EINTR)
			return -errno;
	}
	for (cpu = 0; cpu < r->ncpu; cpu++)
		if (r->fd[cpu] >= 0) {
			if ((k = read_cpu(r, cpu, final, &cpu_wm)))
				return k;
			wm = cpu_wm < wm ? cpu_wm : wm;
		}
	qsort(r->recs, r->nrecs, sizeof(*r->recs), rec_cmp);
	for (upto = 0; upto < r->nrecs && (final || r->recs[upto].ts <= wm); upto++)
		;
	for (i = 0; i < upto; i++) {
		struct tep_record rec = {
			.ts = r->recs[i].ts, .cpu = r->recs[i].cpu, .size = (int)r->recs[i].size,
			.data = r->data + r->recs[i].off,
		};
		char *line = kr_tep_line(r->tep, &rec);

		if (!line)
			return -ENOMEM;
		k = cb(line, ctx);
		free(line);
		if (k < 0)
			return k;
		n += k;
	}
	hold_rest(r, upto);
	return n;
}

uint64_t kr_ftraw_missed(const struct kr_ftraw *r)
{
	return r ? r->missed : 0;
}

void kr_ftraw_close(struct kr_ftraw *r)
{
	int cpu;

	if (!r)
		return;
	for (cpu = 0; r->fd && cpu < r->ncpu; cpu++)
		if (r->fd[cpu] >= 0)
			close(r->fd[cpu]);
	free(r->fd);
	if (r->kbuf)
		kbuffer_free(r->kbuf);
	if (r->tep)
		tep_free(r->tep);
	free(r->page);
	free(r->recs);
	free(r->data);
	free(r);
}
