// SPDX-License-Identifier: GPL-2.0
/* Inputs and outputs of the fuzz harnesses in memory; see fuzz.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "arch.h"
#include "export.h"
#include "fuzz.h"
#include "hooks.h"
#include "source.h"

static void die(const char *what)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, strerror(errno));
	abort();
}

void fz_file_init(struct fz_file *f, const char *name)
{
	f->fd = memfd_create(name, 0);
	if (f->fd < 0)
		die("memfd_create");
	snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
}

void fz_file_clear(struct fz_file *f)
{
	if (ftruncate(f->fd, 0) || lseek(f->fd, 0, SEEK_SET) < 0)
		die("ftruncate");
}

void fz_file_set(struct fz_file *f, const void *data, size_t n)
{
	const char *p = data;

	fz_file_clear(f);
	while (n) {
		ssize_t w = write(f->fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		p += w;
		n -= (size_t)w;
	}
}

char *fz_file_get(const struct fz_file *f, size_t *n)
{
	off_t len = lseek(f->fd, 0, SEEK_END);
	char *buf;
	size_t got = 0;

	if (len < 0)
		die("lseek");
	buf = malloc((size_t)len + 1);
	if (!buf)
		die("malloc");
	while (got < (size_t)len) {
		ssize_t r = pread(f->fd, buf + got, (size_t)len - got, (off_t)got);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			die("pread");
		}
		got += (size_t)r;
	}
	buf[got] = 0;
	*n = got;
	return buf;
}

void fz_fail(const char *what, const char *msg, const char *s, size_t n, size_t at)
{
	size_t from = at > 120 ? at - 120 : 0, to = at + 120 < n ? at + 120 : n, i;

	fprintf(stderr, "\nfuzz: %s: %s at offset %zu of %zu; around it (^ marks the offset):\n", what, msg, at, n);
	for (i = from; i < to; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == at)
			fputs("^", stderr);
		if (c == '\n')
			fputs("\\n\n", stderr);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputs(at >= n ? "^<end>\n" : "\n", stderr);
	abort();
}

void fz_run_info(struct kr_run_info *ri, const char *arch, const char *hooks)
{
	memset(ri, 0, sizeof(*ri));
	snprintf(ri->arch, sizeof(ri->arch), "%s", arch);
	snprintf(ri->kernel, sizeof(ri->kernel), "fuzz");
	snprintf(ri->host, sizeof(ri->host), "fuzz");
	snprintf(ri->clock, sizeof(ri->clock), "CLOCK_MONOTONIC");
	snprintf(ri->hooks, sizeof(ri->hooks), "%s", hooks);
}

/* ---- every output of a run ---- */

/* The exporter writes each file whole (a temporary beside it, renamed over
 * it): the outputs are files of a directory in memory (/dev/shm), named by
 * this process; TAP goes to stdout, for which a memfd takes fd 1 for the
 * whole process. */
static char out_dir[64], out_json[128], out_ps[128], out_pf[128], out_ju[128];
static struct fz_file out_tap;
static int outputs_ready;

static void outputs_remove(void)
{
	unlink(out_json);
	unlink(out_ps);
	unlink(out_pf);
	unlink(out_ju);
}

/* Files of fuzzers that died (a crash ends a process without its atexit):
 * "PID.*" of a PID that is gone. */
static void outputs_sweep(void)
{
	DIR *d = opendir(out_dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char p[sizeof(out_dir) + sizeof(de->d_name) + 1];
		long pid = strtol(de->d_name, NULL, 10);

		if (pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH) {
			snprintf(p, sizeof(p), "%s/%s", out_dir, de->d_name);
			unlink(p);
		}
	}
	if (d)
		closedir(d);
}

static void outputs_init(void)
{
	int pid = (int)getpid();

	if (outputs_ready)
		return;
	snprintf(out_dir, sizeof(out_dir), "/dev/shm/kvmrace-fuzz-%u", (unsigned)getuid());
	if (mkdir(out_dir, 0700) && errno != EEXIST)
		snprintf(out_dir, sizeof(out_dir), "/tmp");
	outputs_sweep();
	snprintf(out_json, sizeof(out_json), "%s/%d.json", out_dir, pid);
	snprintf(out_ps, sizeof(out_ps), "%s/%d.perf-script", out_dir, pid);
	snprintf(out_pf, sizeof(out_pf), "%s/%d.perfetto.json", out_dir, pid);
	snprintf(out_ju, sizeof(out_ju), "%s/%d.junit.xml", out_dir, pid);
	atexit(outputs_remove);
	fz_file_init(&out_tap, "tap");
	fflush(stdout);
	if (dup2(out_tap.fd, STDOUT_FILENO) < 0)
		die("dup2");
	outputs_ready = 1;
}

/* A written output, whole: one allocation of the file's size (a growing
 * buffer would cost a large allocation per run). */
static char *slurp_path(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	if (!f || fstat(fileno(f), &st))
		die(path);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		die("malloc");
	*n = fread(buf, 1, (size_t)st.st_size + 1, f);
	if (ferror(f) || *n != (size_t)st.st_size)
		die(path);	/* the file is ours: it cannot change under us */
	fclose(f);
	buf[*n] = 0;
	return buf;
}

void fz_run_open(struct fz_run *o, const struct kr_run_info *ri, bool perfetto)
{
	struct kr_export_opts eo = { .tap = true };
	char err[512];

	outputs_init();	/* first: the paths */
	memset(o, 0, sizeof(*o));
	o->perfetto = perfetto;
	eo.json = out_json;
	eo.perf_script = out_ps;
	eo.perfetto = perfetto ? out_pf : NULL;
	eo.junit = out_ju;
	fflush(stdout);
	fz_file_clear(&out_tap);
	o->x = kr_export_open(&eo, ri, err, sizeof(err));
	if (!o->x) {
		fprintf(stderr, "fuzz: kr_export_open: %s\n", err);
		abort();
	}
}

void fz_run_sink(void *ctx, const struct kr_event *ev, const struct kr_finding *f)
{
	struct fz_run *o = ctx;
	struct fz_rec *r;

	if (f)
		o->findings++;
	else
		o->events++;
	if (o->nrec == o->caprec) {
		o->caprec = o->caprec ? o->caprec * 2 : 256;
		o->rec = realloc(o->rec, o->caprec * sizeof(*o->rec));
		if (!o->rec)
			abort();
	}
	r = &o->rec[o->nrec];
	memset(r, 0, sizeof(*r));
	r->seq = o->nrec++;
	r->finding = f != NULL;
	if (f) {	/* as the export prints it: at the finding's own time */
		r->ts = f->exit_ns ? f->exit_ns : f->request_ns;
		r->pid = f->pid;
		r->tid = f->tid;
		r->cpu = f->cpu;
		r->kind = f->kind;
	} else {
		r->ts = ev->ts;
		r->pid = ev->pid;
		r->tid = ev->tid;
		r->cpu = ev->cpu;
		r->ev = *ev;
	}
	kr_export_sink(o->x, ev, f);
}

/* Text output: no NUL inside (every writer prints text). */
static void check_text(const char *what, const char *s, size_t n)
{
	const char *z = memchr(s, 0, n);

	if (z)
		fz_fail(what, "NUL byte in text output", s, n, (size_t)(z - s));
}

static void check_with(const char *what, const char *(*check)(const char *, size_t, size_t *), const char *s,
		       size_t n)
{
	size_t at = 0;
	const char *msg;

	check_text(what, s, n);
	msg = check(s, n, &at);
	if (msg)
		fz_fail(what, msg, s, n, at);
}

/* the perf-script export writes records in time order (ties in the order
 * the engine gave them) */
static int rec_cmp(const void *a, const void *b)
{
	const struct fz_rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void fz_run_close(struct fz_run *o, const struct kr_result *r, const struct kr_run_info *ri)
{
	char *buf = NULL, *s;
	size_t n = 0, at = 0;
	const char *msg;
	FILE *f;

	/* human summary, verbose and not */
	f = open_memstream(&buf, &n);
	if (!f)
		die("open_memstream");
	kr_print_summary(f, r, ri, false);
	kr_print_summary(f, r, ri, true);
	if (fclose(f))
		die("fclose");
	check_text("human summary", buf, n);
	if (!strstr(buf, "verdict"))
		fz_fail("human summary", "no verdict line", buf, n, n);
	free(buf);

	/* the exports, the JSON summary with them */
	if (kr_export_close(o->x, r, ri)) {
		fprintf(stderr, "fuzz: kr_export_close failed\n");
		abort();
	}
	o->x = NULL;
	fflush(stdout);
	s = slurp_path(out_json, &n);
	check_with("JSON summary", fz_check_json, s, n);
	free(s);
	if (o->perfetto) {
		s = slurp_path(out_pf, &n);
		check_with("Perfetto JSON", fz_check_json, s, n);
		free(s);
	}
	s = slurp_path(out_ju, &n);
	check_with("JUnit XML", fz_check_xml, s, n);
	free(s);
	s = fz_file_get(&out_tap, &n);
	check_with("TAP", fz_check_tap, s, n);
	free(s);
	fz_file_clear(&out_tap);
	s = slurp_path(out_ps, &n);
	check_text("perf script", s, n);
	if (o->nrec)
		qsort(o->rec, o->nrec, sizeof(*o->rec), rec_cmp);
	msg = fz_check_perf_script(s, n, o->rec, o->nrec, &at);
	if (msg)
		fz_fail("perf script", msg, s, n, at);
	free(s);
	free(o->rec);
	o->rec = NULL;
	o->nrec = o->caprec = 0;
}

/* ---- report, as job.c runs it ---- */

struct kr_engine *fz_engine_for(const struct kr_run_info *ri, struct kr_engine_opts *eo)
{
	struct kr_hooklist hl;
	struct kr_engine *e;
	const char *caveat;

	kr_hooklist_parse(&hl, ri->hooks);
	eo->no_bracket = kr_hooklist_method(&hl, "kvm_guest_enter") != NULL;
	eo->guest_hooks = kr_hooklist_method(&hl, "kvm_entry") != NULL;
	e = kr_engine_new(eo);
	if (!e)
		abort();
	if ((caveat = kr_arch_named(ri->arch)->caveat(&hl)))
		kr_engine_set_caveat(e, caveat);
	if (kr_hooklist_irqs(&hl))
		kr_engine_set_irqs_traced(e);
	if (kr_hooklist_ipis(&hl))
		kr_engine_set_ipis_traced(e);
	return e;
}

static void one_line(const char *err)
{
	if (!err[0] || strchr(err, '\n')) {
		fprintf(stderr, "fuzz: an error that is not one line: '%s'\n", err);
		abort();
	}
}

void fz_report(const char *path, const char *format, bool lenient, bool perfetto)
{
	char *paths[1] = { (char *)path }, err[512];
	struct kr_engine_opts eo;
	struct kr_run_info ri;
	struct kr_source *src;
	struct kr_engine *e;
	struct fz_run run;
	const struct kr_event *ev;
	const struct kr_result *r;
	bool known;
	int k;

	src = kr_source_open(paths, 1, format, lenient, err, sizeof(err));
	if (!src) {
		one_line(err);
		return;
	}
	ri = src->info;
	fz_run_open(&run, &ri, perfetto);
	memset(&eo, 0, sizeof(eo));
	eo.ordered = src->ordered;
	eo.threshold_ns = 1000000;
	eo.sink = fz_run_sink;
	eo.sink_ctx = &run;
	e = fz_engine_for(&ri, &eo);
	err[0] = 0;
	while ((k = src->next(src, &ev, err, sizeof(err))) > 0)
		if (kr_engine_push(e, ev)) {
			fprintf(stderr, "fuzz: the source gave an event the engine refuses (type %u)\n", ev->type);
			abort();
		}
	if (k < 0) {	/* a bad input: one line, no output of it */
		one_line(err);
		kr_export_abort(run.x);
		free(run.rec);
		kr_engine_free(e);
		src->close(src);
		return;
	}
	known = kr_source_finish(src);
	ri.duration_ns = src->info.duration_ns;
	ri.complete = src->info.complete;
	ri.has_command = src->info.has_command;
	ri.command_status = src->info.command_status;
	kr_engine_set_lost(e, src->lost, src->untracked);
	if (!src->text && !src->info.complete)
		kr_engine_set_truncated(e);
	kr_engine_finish(e);
	r = kr_engine_result(e);
	if (!known)
		ri.duration_ns = r->last_ns - r->first_ns;
	/* (a text without events kvmrace uses is an error, its outputs still
	 * written: they must hold up either way) */
	fz_run_close(&run, r, &ri);
	kr_engine_free(e);
	src->close(src);
}
