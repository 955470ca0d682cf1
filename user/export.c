// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "decode.h"
#include "export.h"
#include "perfcodec.h"
#include "json.h"

#define FINDINGS_TID_BASE 1000000000u

/* ==== output files: whole or not at all ==== */

enum { OUT_JSON, OUT_PERF, OUT_PERFETTO, OUT_JUNIT, OUT_TAP, NR_OUT };
static const char *const out_opt[NR_OUT] = { "--json", "--perf-script", "--perfetto", "--junit", "--tap" };

struct kr_out {
	const char *path;	/* as given; "-" standard output */
	FILE *f;		/* NULL: not wanted */
	char *tmp;		/* the temporary written in place of the file, or NULL (written directly) */
	char *target;		/* what tmp is renamed over: path, through its symlinks */
	int err;		/* errno of the first failure */
	bool std;
};

/* Temporaries not committed yet: removed at exit whatever path the program
 * takes (an error after the exports were opened returns from main without
 * closing them). */
static char *pending[16];

static void remove_pending(void)
{
	size_t i;

	for (i = 0; i < sizeof(pending) / sizeof(pending[0]); i++)
		if (pending[i]) {
			unlink(pending[i]);
			pending[i] = NULL;
		}
}

static pid_t pending_pid;

/* A signal that would end the program where it has no handler (report
 * interrupted, a closed pipe): the temporaries go first. */
static void on_fatal_signal(int sig)
{
	if (getpid() == pending_pid)	/* not a child between fork and exec */
		remove_pending();
	raise(sig);			/* SA_RESETHAND: the default action now */
}

static void pending_set(char *tmp, bool on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	static bool registered;
	size_t i;

	if (!registered) {
		registered = !atexit(remove_pending);
		pending_pid = getpid();
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			struct sigaction old, sa;

			if (sigaction(sigs[i], NULL, &old) || (old.sa_flags & SA_SIGINFO) ||
			    old.sa_handler != SIG_DFL)
				continue;	/* the program handles it (live tracing) */
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = on_fatal_signal;
			sa.sa_flags = SA_RESETHAND;
			sigemptyset(&sa.sa_mask);
			sigaction(sigs[i], &sa, NULL);
		}
	}
	for (i = 0; i < sizeof(pending) / sizeof(pending[0]); i++)
		if (on ? !pending[i] : pending[i] == tmp) {
			pending[i] = on ? tmp : NULL;
			return;
		}
}

/* The directory part of path ("." if none), in buf. */
static void dir_of(const char *path, char *buf, size_t len)
{
	const char *sl = strrchr(path, '/');

	if (!sl)
		snprintf(buf, len, ".");
	else if (sl == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(sl - path), path);
}

static int out_open(struct kr_out *o, const char *path)
{
	struct stat st;
	char dir[4096];
	mode_t um;
	int fd;

	o->path = path;
	if (!strcmp(path, "-")) {
		o->f = stdout;
		o->std = true;
		return 0;
	}
	/* a device, a FIFO, a dangling symlink: written directly */
	if ((!stat(path, &st) && !S_ISREG(st.st_mode)) || (stat(path, &st) && !lstat(path, &st))) {
		o->f = fopen(path, "w");
		return o->f ? 0 : -1;
	}
	o->target = realpath(path, NULL);
	if (!o->target) {
		if (errno != ENOENT)
			return -1;
		o->target = strdup(path);
		if (!o->target)
			return -1;
	}
	dir_of(o->target, dir, sizeof(dir));
	if (asprintf(&o->tmp, "%s/.kvmrace-tmp-XXXXXX", dir) < 0) {
		o->tmp = NULL;
		return -1;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		int e = errno;

		free(o->tmp);
		o->tmp = NULL;
		errno = e;
		return -1;
	}
	pending_set(o->tmp, true);
	um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) || !(o->f = fdopen(fd, "w"))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return 0;
}

static void out_check(struct kr_out *o)
{
	if (o->f && !o->err && ferror(o->f))
		o->err = errno ? errno : EIO;
}

static int out_flush(struct kr_out *o)
{
	if (!o->err && fflush(o->f))
		o->err = errno ? errno : EIO;
	out_check(o);
	return o->err ? -1 : 0;
}

static void out_free(struct kr_out *o)
{
	if (o->tmp)
		pending_set(o->tmp, false);
	free(o->tmp);
	free(o->target);
	o->tmp = o->target = NULL;
	o->f = NULL;
}

static int out_commit(struct kr_out *o)
{
	if (!o->f)
		return 0;
	if (o->std) {
		o->f = NULL;
		return 0;
	}
	if (fclose(o->f) && !o->err)
		o->err = errno ? errno : EIO;
	o->f = NULL;
	if (!o->err && o->tmp && rename(o->tmp, o->target))
		o->err = errno;
	if (o->err)
		return -1;
	out_free(o);
	return 0;
}

static void out_abort(struct kr_out *o)
{
	if (o->f && !o->std)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	out_free(o);
}

static void out_error(int i, const struct kr_out *o)
{
	if (o->std)
		fprintf(stderr, "kvmrace-trace: %s: standard output: %s\n", out_opt[i], strerror(o->err));
	else
		fprintf(stderr, "kvmrace-trace: %s %s: %s\n", out_opt[i], o->path, strerror(o->err));
}

/* ==== the run ==== */

/* A vCPU task seen in the events. */
struct track {
	uint32_t tid, pid;
	bool used, pf_used;
	uint8_t fnd_used;		/* bit per cause: its Perfetto findings track has slices */
	char comm[KR_COMM_LEN + 1];	/* the first comm seen (always terminated) */
	uint64_t run_ts, guest_ts;	/* open KVM_RUN / guest slices (0: none) */
};

/* One perf-script record (an event or a finding), kept until the end: the
 * records go out in timestamp order. */
struct ps_rec {
	uint64_t ts, seq;
	uint64_t past_ns, request_ns, entry_ns, exit_ns;
	struct kr_event ev;		/* a finding's pid, tid, cpu, vcpu and comm */
	uint32_t exit_reason;
	int32_t exit_err;
	uint8_t kind;			/* 0: an event; else the finding's kind */
	uint8_t cause, violation, exit_kind, class;
};

struct ps_run {
	uint64_t off, n;		/* records of the spill file, sorted */
};

#define PS_CHUNK 16384		/* records sorted in memory before they spill */
#define PS_CHUNK_MIN 256	/* the chunk's first allocation (it doubles) */
#define PS_READ 256		/* records read at a time per run when merging */

struct ps_sort {
	struct ps_rec *buf;
	size_t n, bufcap;
	uint64_t seq;
	int fd;				/* spill file (unlinked), -1 until needed */
	uint64_t off;
	struct ps_run *runs;
	size_t nruns, cap;
	struct ps_rec last;		/* the last run's greatest record */
	char dir[4096];			/* where the spill file goes */
};

struct kr_export {
	struct kr_out out[NR_OUT];
	char arch[32];
	struct track *t;
	uint32_t t_cap, t_len;
	uint64_t last_ts;
	struct ps_sort ps;
	struct kr_json j;
	int oom;
};

static struct track *track_find(const struct kr_export *x, uint32_t tid)
{
	uint32_t i, k;

	if (!x->t_cap)
		return NULL;
	for (i = (tid * 2654435761u) & (x->t_cap - 1), k = 0; k < x->t_cap; k++, i = (i + 1) & (x->t_cap - 1)) {
		if (!x->t[i].used)
			return NULL;
		if (x->t[i].tid == tid)
			return &x->t[i];
	}
	return NULL;
}

static struct track *track_get(struct kr_export *x, uint32_t tid, uint32_t pid)
{
	struct track *t = track_find(x, tid);
	uint32_t i;

	if (t)
		return t;
	if ((x->t_len + 1) * 2 > x->t_cap) {	/* grow: at most half full */
		uint32_t cap = x->t_cap ? x->t_cap * 2 : 64, oc = x->t_cap;
		struct track *old = x->t, *nt = calloc(cap, sizeof(*nt));

		if (!nt) {
			x->oom = ENOMEM;
			return NULL;
		}
		x->t = nt;
		x->t_cap = cap;
		for (i = 0; i < oc; i++) {
			uint32_t h;

			if (!old[i].used)
				continue;
			for (h = (old[i].tid * 2654435761u) & (cap - 1); nt[h].used; h = (h + 1) & (cap - 1))
				;
			nt[h] = old[i];
		}
		free(old);
	}
	for (i = (tid * 2654435761u) & (x->t_cap - 1); x->t[i].used; i = (i + 1) & (x->t_cap - 1))
		;
	t = &x->t[i];
	t->used = true;
	t->tid = tid;
	t->pid = pid;
	x->t_len++;
	return t;
}

/* ==== text escaping ==== */

/* XML 1.0 character data (attr: an attribute value, where quotes, line
 * breaks and tabs must be references to survive).  Valid UTF-8 passes; what XML 1.0
 * cannot carry at all (C0 controls but tab, line feed and carriage return,
 * U+FFFE, U+FFFF) and bytes that are not UTF-8 become U+FFFD. */
static void xml_str(FILE *f, const char *s, size_t n, bool attr)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	uint32_t cp;
	int k;

	while (p < end && *p) {
		k = kj_utf8_seq(p, (size_t)(end - p), &cp);
		if (k < 0) {
			fputs("&#xFFFD;", f);
			p += -k;
			continue;
		}
		switch (cp) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"':
		case '\'':
			if (attr)
				fputs(cp == '"' ? "&quot;" : "&apos;", f);
			else
				fputc((int)cp, f);
			break;
		case '\r': fputs("&#xD;", f); break;
		case '\n':
		case '\t':
			if (attr)
				fprintf(f, "&#x%X;", (unsigned)cp);
			else
				fputc((int)cp, f);
			break;
		default:
			if (cp < 0x20 || cp == 0xfffe || cp == 0xffff)
				fputs("&#xFFFD;", f);
			else if (cp >= 0x7f && cp <= 0x9f)
				fprintf(f, "&#x%X;", (unsigned)cp);
			else
				fwrite(p, 1, (size_t)k, f);
		}
		p += k;
	}
}

/* A YAML double-quoted scalar (TAP 13 diagnostics; also read by
 * TAP::Parser's YAMLish reader, which knows \\, \" and \xHH).  Printable
 * UTF-8 passes; control characters (C0, DEL, C1) are \xHH (the code point),
 * U+FFFE/U+FFFF and bytes that are not UTF-8 become U+FFFD. */
static void yaml_str(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	uint32_t cp;
	int k;

	fputc('"', f);
	while (p < end && *p) {
		k = kj_utf8_seq(p, (size_t)(end - p), &cp);
		if (k < 0) {
			fputs("\xef\xbf\xbd", f);
			p += -k;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (int)cp);
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			fprintf(f, "\\x%02x", (unsigned)cp);
		else if (cp == 0xfffe || cp == 0xffff)
			fputs("\xef\xbf\xbd", f);
		else
			fwrite(p, 1, (size_t)k, f);
		p += k;
	}
	fputc('"', f);
}

static void yaml_cstr(FILE *f, const char *s)
{
	yaml_str(f, s, strlen(s));
}

/* ==== perf script: a record (the codec: perfcodec.c) ==== */

static void ps_write(struct kr_export *x, FILE *f, const struct ps_rec *r)
{
	const struct kr_event *ev = &r->ev;
	const struct track *t = track_find(x, ev->tid);
	const char *comm = t && t->comm[0] ? t->comm : ev->comm;
	const char *name = r->kind ? kr_kind_name(r->kind) : kr_type_name(ev->type);
	char ex[96];

	kr_perf_head(f, comm, KR_COMM_LEN, ev->pid, ev->tid, ev->cpu, r->ts, name);
	if (r->kind) {
		kr_exit_name(x->arch, r->exit_kind, r->exit_reason, r->exit_err, ex, sizeof(ex));
		fprintf(f, "cause=%s class=%s violation=%d past_ns=%" PRIu64 " request_ns=%" PRIu64
			" entry_ns=%" PRIu64 " exit_ns=%" PRIu64 " vcpu=%d exit=", kr_cause_name(r->cause),
			kr_class_name(r->class), r->violation, r->past_ns, r->request_ns, r->entry_ns, r->exit_ns,
			ev->vcpu);
		kr_perf_qstr(f, ex, sizeof(ex));
	} else {
		kr_perf_kvmrace_payload(f, ev);
	}
	kr_perf_tail(f, name);
}

/* ==== perf script: records in time order, memory bounded ==== */

static int ps_cmp(const void *a, const void *b)
{
	const struct ps_rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The sorted chunk goes to the spill file: appended to the last run if it
 * continues it (the usual case: events come in order and findings close
 * soon after their time), else as a new run. */
static void ps_spill(struct kr_export *x)
{
	struct ps_sort *s = &x->ps;
	size_t len = s->n * sizeof(*s->buf), done = 0;
	char *tmp;

	qsort(s->buf, s->n, sizeof(*s->buf), ps_cmp);
	if (s->fd < 0) {
		if (asprintf(&tmp, "%s/.kvmrace-spill-XXXXXX", s->dir) < 0) {
			x->oom = ENOMEM;
			return;
		}
		s->fd = mkstemp(tmp);
		if (s->fd < 0) {
			x->out[OUT_PERF].err = errno;
			free(tmp);
			return;
		}
		unlink(tmp);
		free(tmp);
	}
	if (s->nruns && ps_cmp(&s->buf[0], &s->last) >= 0) {
		s->runs[s->nruns - 1].n += s->n;
	} else {
		if (s->nruns == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 16;
			struct ps_run *nr = realloc(s->runs, cap * sizeof(*nr));

			if (!nr) {
				x->oom = ENOMEM;
				return;
			}
			s->runs = nr;
			s->cap = cap;
		}
		s->runs[s->nruns].off = s->off;
		s->runs[s->nruns++].n = s->n;
	}
	while (done < len) {
		ssize_t w = write(s->fd, (char *)s->buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			x->out[OUT_PERF].err = w < 0 ? errno : EIO;
			return;
		}
		done += (size_t)w;
	}
	s->off += len;
	s->last = s->buf[s->n - 1];
	s->n = 0;
}

static void ps_push(struct kr_export *x, struct ps_rec *r)
{
	struct ps_sort *s = &x->ps;

	if (x->oom || x->out[OUT_PERF].err)
		return;
	if (s->n == s->bufcap) {	/* grown as needed, up to a chunk */
		size_t cap = s->bufcap ? s->bufcap * 2 : PS_CHUNK_MIN;
		struct ps_rec *nb = realloc(s->buf, cap * sizeof(*nb));

		if (!nb) {
			x->oom = ENOMEM;
			return;
		}
		s->buf = nb;
		s->bufcap = cap;
	}
	r->seq = s->seq++;
	s->buf[s->n++] = *r;
	if (s->n == PS_CHUNK)
		ps_spill(x);
}

/* A run (or the last chunk, still in memory) being merged. */
struct ps_src {
	struct ps_rec *b;
	size_t pos, len;
	uint64_t off, left;	/* still in the spill file */
};

static int ps_fill(struct ps_sort *s, struct ps_src *r)
{
	size_t want, got = 0;

	if (r->pos < r->len)
		return 1;
	if (!r->left)
		return 0;
	want = (size_t)(r->left < PS_READ ? r->left : PS_READ) * sizeof(struct ps_rec);
	while (got < want) {
		ssize_t n = pread(s->fd, (char *)r->b + got, want - got, (off_t)(r->off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	r->off += got;
	r->left -= got / sizeof(struct ps_rec);
	r->pos = 0;
	r->len = got / sizeof(struct ps_rec);
	return 1;
}

static bool src_less(const struct ps_src *a, const struct ps_src *b)
{
	return ps_cmp(&a->b[a->pos], &b->b[b->pos]) < 0;
}

static void heap_down(struct ps_src **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct ps_src *t;

		if (l < n && src_less(h[l], h[m]))
			m = l;
		if (l + 1 < n && src_less(h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void ps_output(struct kr_export *x, FILE *f, const struct kr_result *r, const struct kr_run_info *ri)
{
	struct ps_sort *s = &x->ps;
	struct kr_out *o = &x->out[OUT_PERF];
	struct ps_src *src = NULL, **h = NULL;
	size_t i, n = 0;
	const char *key[] = { "arch", "kernel", "host", "clock", "hooks" };
	const char *val[] = { ri->arch, ri->kernel, ri->host, ri->clock, ri->hooks };

	fputs("# kvmrace:", f);
	for (i = 0; i < 5; i++) {
		fprintf(f, " %s=", key[i]);
		kr_perf_meta_value(f, val[i]);
	}
	fputc('\n', f);
	if (s->n)
		qsort(s->buf, s->n, sizeof(*s->buf), ps_cmp);
	if (s->nruns && !o->err && !x->oom) {
		src = calloc(s->nruns + 1, sizeof(*src));
		h = calloc(s->nruns + 1, sizeof(*h));
		if (!src || !h)
			x->oom = ENOMEM;
		for (i = 0; !x->oom && i < s->nruns; i++) {
			src[i].b = malloc(PS_READ * sizeof(struct ps_rec));
			if (!src[i].b)
				x->oom = ENOMEM;
			src[i].off = s->runs[i].off;
			src[i].left = s->runs[i].n;
		}
		if (src) {
			src[s->nruns].b = s->buf;
			src[s->nruns].len = s->n;
		}
		for (i = 0; !x->oom && i <= s->nruns; i++) {
			int rc = ps_fill(s, &src[i]);

			if (rc < 0)
				o->err = -rc;
			else if (rc > 0)
				h[n++] = &src[i];
		}
		for (i = n; i-- > 0;)
			heap_down(h, n, i);
		while (n && !o->err && !x->oom) {
			int rc;

			ps_write(x, f, &h[0]->b[h[0]->pos++]);
			rc = ps_fill(s, h[0]);
			if (rc < 0)
				o->err = -rc;
			if (rc <= 0)
				h[0] = h[--n];
			heap_down(h, n, 0);
		}
		for (i = 0; src && i < s->nruns; i++)
			free(src[i].b);
		free(src);
		free(h);
	} else {
		for (i = 0; i < s->n; i++)
			ps_write(x, f, &s->buf[i]);
	}
	fprintf(f, "# kvmrace-end: duration_ns=%" PRIu64 " lost=%" PRIu64 " untracked=%" PRIu64
		" complete=%d command_status=%d\n", ri->duration_ns, r->lost, r->untracked, ri->complete,
		ri->has_command ? ri->command_status : -1);
}

/* ==== Perfetto / Chrome trace-event JSON ==== */

/* ts and dur in microseconds, to the nanosecond (no displayTimeUnit: the
 * trace-event format's unit is the microsecond, which is how every reader
 * takes it; some versions of Perfetto's importer read "ns" there as the
 * unit of ts). */
static void pf_us(struct kr_json *j, const char *k, uint64_t ns)
{
	char b[40];

	snprintf(b, sizeof(b), "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
	kj_key(j, k);
	kj_raw(j, b);
}

static void pf_common(struct kr_export *x, const char *ph, const char *name, uint32_t pid, uint32_t tid, uint64_t ts)
{
	kj_obj_open(&x->j);
	kj_kstr(&x->j, "ph", ph);
	kj_kstr(&x->j, "name", name);
	kj_kstr(&x->j, "cat", "kvmrace");
	kj_ku64(&x->j, "pid", pid);
	kj_ku64(&x->j, "tid", tid);
	pf_us(&x->j, "ts", ts);
}

static void pf_meta(struct kr_export *x, const char *what, uint32_t pid, uint32_t tid, const char *name, size_t n)
{
	kj_obj_open(&x->j);
	kj_kstr(&x->j, "ph", "M");
	kj_kstr(&x->j, "name", what);
	kj_ku64(&x->j, "pid", pid);
	kj_ku64(&x->j, "tid", tid);
	kj_key(&x->j, "args");
	kj_obj_open(&x->j);
	kj_kstrn(&x->j, "name", name, n);
	kj_obj_close(&x->j);
	kj_obj_close(&x->j);
}

static uint32_t pf_findings_tid(uint32_t tid, int cause)
{
	return FINDINGS_TID_BASE + tid * 2 + (uint32_t)cause;
}

static void pf_slice(struct kr_export *x, const char *name, struct track *t, uint64_t from, uint64_t to,
		     const char *exit)
{
	pf_common(x, "X", name, t->pid, t->tid, from);
	pf_us(&x->j, "dur", to > from ? to - from : 0);
	if (exit) {
		kj_key(&x->j, "args");
		kj_obj_open(&x->j);
		kj_kstr(&x->j, "exit", exit);
		kj_obj_close(&x->j);
	}
	kj_obj_close(&x->j);
	t->pf_used = true;
}

static void pf_close_guest(struct kr_export *x, struct track *t, uint64_t ts, const char *exit)
{
	if (t->guest_ts) {
		pf_slice(x, "guest", t, t->guest_ts, ts, exit);
		t->guest_ts = 0;
	}
}

static void pf_close_run(struct kr_export *x, struct track *t, uint64_t ts, const char *exit)
{
	pf_close_guest(x, t, ts, NULL);
	if (t->run_ts) {
		pf_slice(x, "KVM_RUN", t, t->run_ts, ts, exit);
		t->run_ts = 0;
	}
}

static void pf_event(struct kr_export *x, const struct kr_event *ev, struct track *t)
{
	char ex[96];

	switch (ev->type) {
	case KR_EV_RUN_BEGIN:
		pf_close_run(x, t, ev->ts, NULL);
		t->run_ts = ev->ts ? ev->ts : 1;
		break;
	case KR_EV_RUN_END:
		pf_close_run(x, t, ev->ts, NULL);
		break;
	case KR_EV_USER_EXIT:
		pf_close_run(x, t, (ev->flags & KR_F_RUN_END) && ev->src_tid < ev->ts ? ev->ts - ev->src_tid : ev->ts,
			     kr_exit_name(x->arch, KR_EXIT_RUN_END, ev->reason, ev->err, ex, sizeof(ex)));
		break;
	case KR_EV_GUEST_ENTER:
		pf_close_guest(x, t, ev->ts, NULL);
		t->guest_ts = ev->ts ? ev->ts : 1;
		break;
	case KR_EV_GUEST_EXIT:
		pf_close_guest(x, t, ev->ts, kr_exit_name(x->arch, KR_EXIT_GUEST, ev->reason, ev->cause, ex, sizeof(ex)));
		break;
	case KR_EV_REQUEST:
		pf_common(x, "i", kr_cause_name(ev->cause), t->pid, t->tid, ev->ts);
		kj_kstr(&x->j, "s", "t");
		kj_key(&x->j, "args");
		kj_obj_open(&x->j);
		kj_ku64(&x->j, "source_tid", ev->src_tid);
		if (ev->cause == KR_CAUSE_SIGNAL)
			kj_ku64(&x->j, "signal", ev->reason);
		kj_obj_close(&x->j);
		kj_obj_close(&x->j);
		t->pf_used = true;
		break;
	default:
		break;
	}
}

static void pf_finding(struct kr_export *x, const struct kr_finding *f)
{
	struct track *t = track_get(x, f->tid, f->pid);
	char ex[96];

	pf_common(x, "X", kr_kind_name(f->kind), f->pid, pf_findings_tid(f->tid, f->cause), f->request_ns);
	pf_us(&x->j, "dur", f->exit_ns > f->request_ns ? f->exit_ns - f->request_ns : 0);
	kj_key(&x->j, "args");
	kj_obj_open(&x->j);
	kj_kstr(&x->j, "cause", kr_cause_name(f->cause));
	kj_kstr(&x->j, "class", kr_class_name(f->class));
	kj_kbool(&x->j, "violation", f->violation);
	kj_ku64(&x->j, "past_ns", f->past_ns);
	kj_ki64(&x->j, "vcpu", f->vcpu);
	kj_kstr(&x->j, "exit", kr_exit_name(x->arch, f->exit_kind, f->exit_reason, f->exit_err, ex, sizeof(ex)));
	if (f->irq_before_entry_ns)
		kj_ku64(&x->j, "host_irq_before_entry_ns", f->irq_before_entry_ns);
	if (f->kick_ns)
		kj_ku64(&x->j, "kick_ns", f->kick_ns);
	kj_obj_close(&x->j);
	kj_obj_close(&x->j);
	if (t) {
		t->pf_used = true;
		t->fnd_used |= (uint8_t)(1u << (f->cause & 7));
		if (!t->comm[0])
			memcpy(t->comm, f->comm, KR_COMM_LEN);
	}
}

static int track_cmp(const void *a, const void *b)
{
	const struct track *x = *(struct track *const *)a, *y = *(struct track *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Process and thread names: a process is named after its main thread if
 * that is a vCPU task, else after its first vCPU task; a vCPU thread after
 * its comm ("tid N" if none was seen); its findings tracks "COMM CAUSE
 * findings". */
static void pf_names(struct kr_export *x)
{
	struct track **v = malloc((x->t_len + 1) * sizeof(*v));
	uint32_t i, n = 0, k, g;
	char name[64];

	if (!v) {
		x->oom = ENOMEM;
		return;
	}
	for (i = 0; i < x->t_cap; i++)
		if (x->t[i].used && x->t[i].pf_used)
			v[n++] = &x->t[i];
	qsort(v, n, sizeof(*v), track_cmp);
	for (i = 0; i < n; i = g) {
		const struct track *lead = v[i];

		for (g = i; g < n && v[g]->pid == v[i]->pid; g++)
			if (v[g]->tid == v[g]->pid && v[g]->comm[0])
				lead = v[g];
		if (lead->comm[0]) {
			pf_meta(x, "process_name", lead->pid, lead->pid, lead->comm, KR_COMM_LEN);
		} else {
			snprintf(name, sizeof(name), "pid %u", lead->pid);
			pf_meta(x, "process_name", lead->pid, lead->pid, name, sizeof(name));
		}
		for (k = i; k < g; k++) {
			struct track *t = v[k];
			int c;

			if (t->comm[0])
				snprintf(name, sizeof(name), "%s", t->comm);
			else
				snprintf(name, sizeof(name), "tid %u", t->tid);
			pf_meta(x, "thread_name", t->pid, t->tid, name, sizeof(name));
			for (c = 0; c < KR_NR_CAUSES; c++) {
				char fn[96];

				if (!(t->fnd_used & (1u << c)))
					continue;
				snprintf(fn, sizeof(fn), "%s %s findings", name, kr_cause_name(c));
				pf_meta(x, "thread_name", t->pid, pf_findings_tid(t->tid, c), fn, sizeof(fn));
			}
		}
	}
	free(v);
}

static void pf_output_end(struct kr_export *x)
{
	uint32_t i;

	for (i = 0; i < x->t_cap; i++)
		if (x->t[i].used)
			pf_close_run(x, &x->t[i], x->last_ts, NULL);
	pf_names(x);
	kj_arr_close(&x->j);
	kj_obj_close(&x->j);
	fputc('\n', x->j.f);
}

/* ==== the sink ==== */

void kr_export_sink(void *ctx, const struct kr_event *ev, const struct kr_finding *f)
{
	struct kr_export *x = ctx;
	struct ps_rec r;
	struct track *t;

	if (f) {
		if (x->out[OUT_PERF].f) {
			memset(&r, 0, sizeof(r));
			r.kind = f->kind;
			r.cause = f->cause;
			r.class = f->class;
			r.violation = f->violation;
			r.exit_kind = f->exit_kind;
			r.exit_reason = f->exit_reason;
			r.exit_err = f->exit_err;
			r.past_ns = f->past_ns;
			r.request_ns = f->request_ns;
			r.entry_ns = f->entry_ns;
			r.exit_ns = f->exit_ns;
			r.ts = f->exit_ns ? f->exit_ns : f->request_ns;	/* the finding's own time */
			r.ev.ts = r.ts;
			r.ev.pid = f->pid;
			r.ev.tid = f->tid;
			r.ev.cpu = f->cpu;
			r.ev.vcpu = f->vcpu;
			memcpy(r.ev.comm, f->comm, KR_COMM_LEN);
			ps_push(x, &r);
		}
		if (x->out[OUT_PERFETTO].f) {
			pf_finding(x, f);
			out_check(&x->out[OUT_PERFETTO]);
		}
		return;
	}
	t = track_get(x, ev->tid, ev->pid);
	if (t && !t->comm[0] && ev->comm[0])
		memcpy(t->comm, ev->comm, KR_COMM_LEN);
	if (ev->ts > x->last_ts)
		x->last_ts = ev->ts;
	if (x->out[OUT_PERF].f) {
		memset(&r, 0, sizeof(r));
		r.ts = ev->ts;
		r.ev = *ev;
		ps_push(x, &r);
	}
	if (x->out[OUT_PERFETTO].f && t) {
		pf_event(x, ev, t);
		out_check(&x->out[OUT_PERFETTO]);
	}
}

/* ==== JUnit and TAP: the same four cases ==== */

struct verdict_case {
	const char *name;
	bool failed;
	const char *type;
	char message[160];
	int kind;	/* findings of this kind to list, or 0 */
};

static int cases(const struct kr_result *r, struct verdict_case c[4])
{
	uint64_t late = 0, ent = 0;
	uint32_t i;

	for (i = 0; i < r->nr_findings; i++)
		if (r->findings[i].violation) {
			if (r->findings[i].kind == KR_KIND_LATE_EXIT)
				late++;
			else
				ent++;
		}
	/* every violation counts, retained or not */
	if (late + ent < r->violations)
		ent += r->violations - late - ent;
	memset(c, 0, 4 * sizeof(*c));
	c[0].name = "vcpu_runs_observed";
	c[0].failed = !r->runs;
	c[0].type = "inconclusive";
	snprintf(c[0].message, sizeof(c[0].message), "%" PRIu64 " guest runs of %u vCPUs", r->runs, r->nr_vcpus);
	c[1].name = "no_lost_events";
	c[1].failed = r->lost != 0;
	c[1].type = "inconclusive";
	snprintf(c[1].message, sizeof(c[1].message), "%" PRIu64 " events lost", r->lost);
	c[2].name = "no_late_exit_over_threshold";
	c[2].failed = late != 0;
	c[2].type = "violation";
	c[2].kind = KR_KIND_LATE_EXIT;
	snprintf(c[2].message, sizeof(c[2].message), "%" PRIu64 " late exits over %" PRIu64 " ns", late, r->threshold_ns);
	c[3].name = "no_entered_pending_over_threshold";
	c[3].failed = ent != 0;
	c[3].type = "violation";
	c[3].kind = KR_KIND_ENTERED_PENDING;
	snprintf(c[3].message, sizeof(c[3].message), "%" PRIu64 " guest entries with a request pending, over %" PRIu64
		 " ns", ent, r->threshold_ns);
	return 4;
}

/* A finding as one YAML mapping in a list (its first line prefixed by item,
 * the others by indent), with the evidence the run had: a host interrupt
 * before the entry, the kick of a late exit. */
static void finding_yaml(FILE *f, const struct kr_finding *x, const struct kr_result *r, const char *arch,
			 const char *item, const char *indent)
{
	char ex[96], tif[64], b[96];

	kr_exit_name(arch, x->exit_kind, x->exit_reason, x->exit_err, ex, sizeof(ex));
	fprintf(f, "%skind: %s\n%scause: %s\n%sclass: %s\n%spast_ns: %" PRIu64 "\n%stid: %u\n%scomm: ", item,
		kr_kind_name(x->kind), indent, kr_cause_name(x->cause), indent, kr_class_name(x->class), indent,
		x->past_ns, indent, x->tid, indent);
	yaml_str(f, x->comm, KR_COMM_LEN);
	fprintf(f, "\n%svcpu: %d\n%scpu: %u\n%srequest_ns: %" PRIu64 "\n%sexit_ns: %" PRIu64 "\n%sexit: ", indent,
		x->vcpu, indent, x->cpu, indent, x->request_ns, indent, x->exit_ns, indent);
	yaml_cstr(f, ex);
	fputc('\n', f);
	if (x->entry_flags & KR_F_TIF) {
		fprintf(f, "%stif_at_entry: ", indent);
		yaml_cstr(f, kr_tif_names(x->entry_tif, tif, sizeof(tif)));
		fputc('\n', f);
	}
	if (x->irq_before_entry_ns) {
		snprintf(b, sizeof(b), "%s at %" PRIu64, kr_irq_kind_name(x->irq_before_entry_kind),
			 x->irq_before_entry_ns);
		fprintf(f, "%shost_irq_before_entry: ", indent);
		yaml_cstr(f, b);
		fputc('\n', f);
	}
	if (x->kick_due && r->ipis_known) {
		if (x->kick_ns) {
			fprintf(f, "%skick_ns: %" PRIu64 "\n", indent, x->kick_ns);
		} else {
			snprintf(b, sizeof(b), "none: no IPI was sent to CPU %u", x->cpu);
			fprintf(f, "%skick: ", indent);
			yaml_cstr(f, b);
			fputc('\n', f);
		}
	}
}

static void xml_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	xml_str(f, value, strlen(value), true);
	fputc('"', f);
}

static void xml_prop(FILE *f, const char *name, const char *value)
{
	fputs("      <property", f);
	xml_attr(f, "name", name);
	xml_attr(f, "value", value);
	fputs("/>\n", f);
}

/* JUnit XML as the Jenkins xunit plugin's schema (junit-10.xsd) has it. */
static void junit(struct kr_export *x, FILE *f, const struct kr_result *r, const struct kr_run_info *ri)
{
	struct verdict_case c[4];
	int n = cases(r, c), i, fails = 0;
	uint32_t k, shown;
	double secs = ri->duration_ns / 1e9;
	char b[300];

	for (i = 0; i < n; i++)
		fails += c[i].failed;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kvmrace\" tests=\"%d\" failures=\"%d\" "
		"errors=\"0\" time=\"%.3f\">\n  <testsuite", n, fails, secs);
	snprintf(b, sizeof(b), "kvmrace-trace %s %s", ri->host, ri->kernel);
	xml_attr(f, "name", b);
	fprintf(f, " tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\"", n, fails, secs);
	xml_attr(f, "hostname", ri->host);
	fputs(">\n    <properties>\n", f);
	xml_prop(f, "arch", ri->arch);
	xml_prop(f, "kernel", ri->kernel);
	xml_prop(f, "clock", ri->clock);
	snprintf(b, sizeof(b), "%" PRIu64, r->threshold_ns);
	xml_prop(f, "threshold_ns", b);
	xml_prop(f, "verdict", kr_verdict_name(kr_result_verdict(r)));
	snprintf(b, sizeof(b), "%d", (int)kr_result_verdict(r));
	xml_prop(f, "exit_status", b);
	fputs("    </properties>\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "    <testcase classname=\"kvmrace\" name=\"%s\" time=\"0\">", c[i].name);
		if (c[i].failed) {
			char *text = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&text, &len);

			fputs("\n      <failure", f);
			xml_attr(f, "message", c[i].message);
			xml_attr(f, "type", c[i].type);
			fputc('>', f);
			for (k = 0, shown = 0; m && c[i].kind && k < r->nr_findings && shown < 10; k++)
				if (r->findings[k].violation && r->findings[k].kind == c[i].kind) {
					fputc('\n', m);
					finding_yaml(m, &r->findings[k], r, ri->arch, "- ", "  ");
					shown++;
				}
			if (!m || fclose(m))
				x->oom = ENOMEM;
			else
				xml_str(f, text, len, false);
			free(text);
			fprintf(f, "</failure>\n    ");
		}
		fprintf(f, "</testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
}

/* TAP 13 with YAML diagnostics; prove passes it exactly when the verdict is a pass. */
static void tap(FILE *f, const struct kr_result *r, const struct kr_run_info *ri)
{
	struct verdict_case c[4];
	int n = cases(r, c), i;
	uint32_t k, shown;

	fprintf(f, "TAP version 13\n1..%d\n", n);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s %d - %s\n", c[i].failed ? "not ok" : "ok", i + 1, c[i].name);
		if (!c[i].failed)
			continue;
		fputs("  ---\n  message: ", f);
		yaml_cstr(f, c[i].message);
		fprintf(f, "\n  severity: %s\n", c[i].type);
		for (k = 0, shown = 0; c[i].kind && k < r->nr_findings && shown < 10; k++)
			if (r->findings[k].violation && r->findings[k].kind == c[i].kind) {
				if (!shown++)
					fprintf(f, "  findings:\n");
				finding_yaml(f, &r->findings[k], r, ri->arch, "    - ", "      ");
			}
		fprintf(f, "  ...\n");
	}
}

/* ==== open, close ==== */

static const char *opt_path(const struct kr_export_opts *o, int i)
{
	switch (i) {
	case OUT_JSON: return o->json;
	case OUT_PERF: return o->perf_script;
	case OUT_PERFETTO: return o->perfetto;
	case OUT_JUNIT: return o->junit;
	default: return o->tap ? "-" : NULL;
	}
}

bool kr_export_wanted(const struct kr_export_opts *o)
{
	int i;

	for (i = 0; i < NR_OUT; i++)
		if (opt_path(o, i))
			return true;
	return false;
}

bool kr_export_stdout(const struct kr_export_opts *o)
{
	int i;

	for (i = 0; i < NR_OUT; i++)
		if (opt_path(o, i) && !strcmp(opt_path(o, i), "-"))
			return true;
	return false;
}

void kr_export_abort(struct kr_export *x)
{
	int i;

	if (!x)
		return;
	for (i = 0; i < NR_OUT; i++)
		out_abort(&x->out[i]);
	if (x->ps.fd >= 0)
		close(x->ps.fd);
	free(x->ps.buf);
	free(x->ps.runs);
	free(x->t);
	free(x);
}

struct kr_export *kr_export_open(const struct kr_export_opts *o, const struct kr_run_info *ri, char *err,
				 size_t errlen)
{
	struct kr_export *x = calloc(1, sizeof(*x));
	int i, std = -1;

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->ps.fd = -1;
	snprintf(x->arch, sizeof(x->arch), "%s", ri->arch);
	for (i = 0; i < NR_OUT; i++) {
		const char *p = opt_path(o, i);

		if (!p || strcmp(p, "-"))
			continue;
		if (std >= 0) {
			snprintf(err, errlen, "%s%s and %s%s both write to standard output", out_opt[std],
				 std == OUT_TAP ? "" : " -", out_opt[i], i == OUT_TAP ? "" : " -");
			free(x);
			return NULL;
		}
		std = i;
	}
	for (i = 0; i < NR_OUT; i++) {
		const char *p = opt_path(o, i);

		if (!p)
			continue;
		if (out_open(&x->out[i], p)) {
			snprintf(err, errlen, "%s %s: %s", out_opt[i], p, strerror(errno));
			kr_export_abort(x);
			return NULL;
		}
	}
	/* the perf-script records spill beside the file (or in TMPDIR) */
	if (x->out[OUT_PERF].f) {
		const char *td = getenv("TMPDIR");

		if (x->out[OUT_PERF].target)
			dir_of(x->out[OUT_PERF].target, x->ps.dir, sizeof(x->ps.dir));
		else
			snprintf(x->ps.dir, sizeof(x->ps.dir), "%s", td && *td ? td : "/tmp");
	}
	if (x->out[OUT_PERFETTO].f) {
		kj_init(&x->j, x->out[OUT_PERFETTO].f, false);
		kj_obj_open(&x->j);
		kj_key(&x->j, "traceEvents");
		kj_arr_open(&x->j);
	}
	return x;
}

bool kr_export_streaming(const struct kr_export *x)
{
	return x && (x->out[OUT_PERF].f || x->out[OUT_PERFETTO].f);
}

static void write_out(struct kr_export *x, int i, const struct kr_result *r, const struct kr_run_info *ri)
{
	FILE *f = x->out[i].f;

	switch (i) {
	case OUT_JSON:
		kr_print_json(f, r, ri);
		break;
	case OUT_PERF:
		ps_output(x, f, r, ri);
		break;
	case OUT_PERFETTO:
		pf_output_end(x);
		break;
	case OUT_JUNIT:
		junit(x, f, r, ri);
		break;
	case OUT_TAP:
		tap(f, r, ri);
		break;
	}
	if (x->oom && !x->out[i].err)
		x->out[i].err = x->oom;
}

int kr_export_close(struct kr_export *x, const struct kr_result *r, const struct kr_run_info *ri)
{
	int i, std = -1, bad = -1;

	if (!x)
		return 0;
	/* every file to its temporary, then the renames, then standard output
	 * (a reader that stops early, like head, takes nothing from the files) */
	for (i = 0; i < NR_OUT; i++) {
		if (!x->out[i].f)
			continue;
		if (x->out[i].std) {
			std = i;
			continue;
		}
		write_out(x, i, r, ri);
		if (out_flush(&x->out[i]) && bad < 0)
			bad = i;
	}
	for (i = 0; bad < 0 && i < NR_OUT; i++)
		if (i != std && out_commit(&x->out[i]))
			bad = i;
	if (bad < 0 && std >= 0) {
		write_out(x, std, r, ri);
		if (out_flush(&x->out[std]))
			bad = std;
	}
	if (bad >= 0)
		out_error(bad, &x->out[bad]);
	kr_export_abort(x);
	return bad >= 0 ? -1 : 0;
}
