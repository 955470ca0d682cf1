// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace-mkdat: a synthetic trace-cmd trace.dat (see mkdat.h).
 *
 *   kvmrace-mkdat -o FILE [-n RECORDS] [--cpus N] [--vcpus N]
 *                 [--late-every N] [--page-size N] [--formats DIR]
 *
 * Prints what it wrote: records, signals, late exits, pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mkdat.h"

#define MAX_FIELDS 32
#define NR_EVENTS 8	/* the synthetic run's */
#define MAX_FORMATS 32	/* a file's */

struct field {
	char name[64];
	unsigned off, size;
};

struct format {
	char system[64], name[64];
	char *text;
	size_t len;
	unsigned id, size;
	struct field f[MAX_FIELDS];
	int nf;
};

enum { EV_FPU, EV_UEXIT, EV_ENTRY, EV_EXIT, EV_SIGGEN, EV_SIGDEL, EV_SWITCH, EV_WAKEUP };

static const char *const ev_files[NR_EVENTS][2] = {
	{ "kvm", "kvm_fpu" }, { "kvm", "kvm_userspace_exit" }, { "kvm", "kvm_entry" }, { "kvm", "kvm_exit" },
	{ "signal", "signal_generate" }, { "signal", "signal_deliver" }, { "sched", "sched_switch" },
	{ "sched", "sched_wakeup" },
};

struct buf {
	unsigned char *p;
	size_t len, cap;
};

struct cpu {
	struct buf data;	/* whole pages */
	size_t page;		/* offset of the current page in data */
	size_t used;		/* bytes of events on it */
	uint64_t last_ts;
	bool open;
};

struct mk {
	struct format fmt[MAX_FORMATS];
	int nfmt;
	struct buf cmdlines;	/* "pid comm" lines */
	char *header_page, *header_event;
	size_t hp_len, he_len;
	unsigned page_size, vcpus;
	struct cpu *cpu;
	unsigned ncpu;
	struct mkdat_counts *c;
	char *err;
	size_t errlen;
};

static int fail(struct mk *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, m->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void grow(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	while (b->len + n > b->cap)
		b->cap = b->cap ? b->cap * 2 : 65536;
	b->p = realloc(b->p, b->cap);
	if (!b->p) {
		perror("mkdat");
		exit(1);
	}
}

static void put(struct buf *b, const void *d, size_t n)
{
	grow(b, n);
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void put_u16(struct buf *b, uint16_t v)
{
	unsigned char x[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	put(b, x, 2);
}

static void put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };

	put(b, x, 4);
}

static void put_u64(struct buf *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

static void set_le(unsigned char *p, uint64_t v, unsigned size)
{
	unsigned i;

	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t r;

		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 16384;
			s = realloc(s, cap);
			if (!s)
				break;
		}
		r = fread(s + n, 1, cap - n - 1, f);
		if (!r)
			break;
		n += r;
	}
	fclose(f);
	if (s) {
		s[n] = 0;
		*len = n;
	}
	return s;
}

/* The format file at path of event system/name, as the file's next format. */
static int load_format(struct mk *m, const char *path, const char *system, const char *name)
{
	struct format *f = &m->fmt[m->nfmt];
	char *l, *id;

	if (m->nfmt == MAX_FORMATS)
		return fail(m, "more than %d events", MAX_FORMATS);
	m->nfmt++;
	snprintf(f->system, sizeof(f->system), "%s", system);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->text = slurp(path, &f->len);
	if (!f->text)
		return fail(m, "%s: %s", path, strerror(errno));
	id = strstr(f->text, "\nID: ");
	if (!id)
		return fail(m, "%s: no ID line", path);
	f->id = (unsigned)strtoul(id + 5, NULL, 10);
	for (l = strstr(f->text, "field:"); l; l = strstr(l + 1, "field:")) {
		struct field *fd;
		char *semi = strchr(l, ';'), *nm, *o, *s;

		if (!semi || f->nf == MAX_FIELDS)
			return fail(m, "%s: unexpected field line", path);
		fd = &f->f[f->nf++];
		for (nm = semi; nm > l && nm[-1] != ' '; nm--)
			;
		snprintf(fd->name, sizeof(fd->name), "%.*s", (int)(semi - nm), nm);
		if (strchr(fd->name, '['))
			*strchr(fd->name, '[') = 0;
		o = strstr(semi, "offset:");
		s = strstr(semi, "size:");
		if (!o || !s)
			return fail(m, "%s: field without offset or size", path);
		fd->off = (unsigned)strtoul(o + 7, NULL, 10);
		fd->size = (unsigned)strtoul(s + 5, NULL, 10);
		if (fd->off + fd->size > f->size)
			f->size = fd->off + fd->size;
	}
	return 0;
}

static const struct field *field(const struct format *f, const char *name)
{
	int i;

	for (i = 0; i < f->nf; i++)
		if (!strcmp(f->f[i].name, name))
			return &f->f[i];
	fprintf(stderr, "mkdat: %s has no field %s\n", f->name, name);
	exit(1);
}

/* one record of event k: fields "name", value pairs (strings for char
 * arrays: "name" then a const char *), ended by NULL */
static size_t record(const struct format *f, unsigned char *rec, int pid, ...)
{
	va_list ap;
	const char *name;

	memset(rec, 0, f->size);
	set_le(rec + field(f, "common_type")->off, f->id, 2);
	set_le(rec + field(f, "common_pid")->off, (uint64_t)(int64_t)pid, 4);
	va_start(ap, pid);
	while ((name = va_arg(ap, const char *))) {
		const struct field *fd = field(f, name);

		if (fd->size == 16 && strstr(name, "comm")) {
			const char *s = va_arg(ap, const char *);

			strncpy((char *)rec + fd->off, s, 16);
		} else {
			set_le(rec + fd->off, (uint64_t)va_arg(ap, int64_t), fd->size);
		}
	}
	va_end(ap);
	return f->size;
}

static void page_close(struct mk *m, struct cpu *c)
{
	if (!c->open)
		return;
	set_le(c->data.p + c->page + 8, c->used, 8);
	c->open = false;
	m->c->pages++;
}

static void page_open(struct mk *m, struct cpu *c, uint64_t ts)
{
	c->page = c->data.len;
	grow(&c->data, m->page_size);
	memset(c->data.p + c->page, 0, m->page_size);
	c->data.len += m->page_size;
	set_le(c->data.p + c->page, ts, 8);
	c->used = 0;
	c->last_ts = ts;
	c->open = true;
}

/* Appends one event (its data len bytes) at ts on cpu: a time extend first
 * if the delta needs more than 27 bits; the length word for long events. */
static void emit(struct mk *m, unsigned cpu, uint64_t ts, const unsigned char *data, size_t len)
{
	struct cpu *c = &m->cpu[cpu];
	size_t alen = (len + 3) & ~(size_t)3, need;
	uint64_t delta;
	unsigned char *p;
	bool big = alen > 28 * 4;

	need = 4 + (big ? 4 : 0) + alen;
	if (c->open && (ts < c->last_ts || c->used + need + 8 > m->page_size - 16))
		page_close(m, c);
	if (!c->open)
		page_open(m, c, ts);
	delta = ts - c->last_ts;
	p = c->data.p + c->page + 16 + c->used;
	if (delta >= (1u << 27)) {	/* time extend: type_len 30 */
		set_le(p, 30u | (uint32_t)(delta & ((1u << 27) - 1)) << 5, 4);
		set_le(p + 4, delta >> 27, 4);
		p += 8;
		c->used += 8;
		delta = 0;
	}
	if (big) {
		set_le(p, (uint32_t)delta << 5, 4);	/* type_len 0: the length word follows */
		set_le(p + 4, alen + 4, 4);
		p += 8;
		c->used += 8;
	} else {
		set_le(p, (uint32_t)(alen / 4) | (uint32_t)delta << 5, 4);
		p += 4;
		c->used += 4;
	}
	memcpy(p, data, len);
	c->used += alen;
	c->last_ts = ts;
	m->c->records++;
}

static void write_file(struct mk *m, FILE *out)
{
	static const unsigned char magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	struct buf h = { 0 };
	int k, j, nsys = 0;
	unsigned i;
	uint64_t off;

	put(&h, magic, sizeof(magic));
	put(&h, "6", 2);
	put(&h, "\0\x08", 2);	/* little endian, 8-byte long */
	put_u32(&h, m->page_size);
	put(&h, "header_page", 12);
	put_u64(&h, m->hp_len);
	put(&h, m->header_page, m->hp_len);
	put(&h, "header_event", 13);
	put_u64(&h, m->he_len);
	put(&h, m->header_event, m->he_len);
	put_u32(&h, 0);	/* ftrace events */
	for (k = 0; k < m->nfmt; k++) {	/* systems, in order of first appearance */
		for (j = 0; j < k && strcmp(m->fmt[j].system, m->fmt[k].system); j++)
			;
		nsys += j == k;
	}
	put_u32(&h, (uint32_t)nsys);
	for (k = 0; k < m->nfmt; k++) {
		unsigned n = 0;

		for (j = 0; j < k && strcmp(m->fmt[j].system, m->fmt[k].system); j++)
			;
		if (j < k)
			continue;
		for (j = k; j < m->nfmt; j++)
			n += !strcmp(m->fmt[j].system, m->fmt[k].system);
		put(&h, m->fmt[k].system, strlen(m->fmt[k].system) + 1);
		put_u32(&h, n);
		for (j = k; j < m->nfmt; j++)
			if (!strcmp(m->fmt[j].system, m->fmt[k].system)) {
				put_u64(&h, m->fmt[j].len);
				put(&h, m->fmt[j].text, m->fmt[j].len);
			}
	}
	put_u32(&h, 0);	/* kallsyms */
	put_u32(&h, 0);	/* printk formats */
	put_u64(&h, m->cmdlines.len);
	put(&h, m->cmdlines.p, m->cmdlines.len);
	put_u32(&h, m->ncpu);
	put(&h, "options  ", 10);
	put_u16(&h, 0);
	put(&h, "flyrecord", 10);
	off = h.len + 16ull * m->ncpu;
	off = (off + m->page_size - 1) / m->page_size * m->page_size;
	for (i = 0; i < m->ncpu; i++) {
		put_u64(&h, off);
		put_u64(&h, m->cpu[i].data.len);
		off += m->cpu[i].data.len;
	}
	grow(&h, m->page_size);
	while (h.len % m->page_size)
		h.p[h.len++] = 0;
	fwrite(h.p, 1, h.len, out);
	for (i = 0; i < m->ncpu; i++)
		fwrite(m->cpu[i].data.p, 1, m->cpu[i].data.len, out);
	free(h.p);
}

static void mk_free(struct mk *m)
{
	int k;
	unsigned i;

	for (k = 0; k < m->nfmt; k++)
		free(m->fmt[k].text);
	for (i = 0; m->cpu && i < m->ncpu; i++)
		free(m->cpu[i].data.p);
	free(m->cpu);
	free(m->cmdlines.p);
	free(m->header_page);
	free(m->header_event);
}

static int mk_write(struct mk *m, const char *path)
{
	FILE *out = fopen(path, "wb");

	if (!out)
		return fail(m, "%s: %s", path, strerror(errno));
	write_file(m, out);
	if (fclose(out))
		return fail(m, "%s: %s", path, strerror(errno));
	return 0;
}

int kr_mkdat(const char *path, const struct mkdat_opts *o, struct mkdat_counts *counts, char *err, size_t errlen)
{
	struct mk m = { .err = err, .errlen = errlen, .c = counts };
	char p[4096];
	unsigned char rec[256];
	uint64_t t = 1000000000ull, cycle = 0;
	unsigned i;
	int rc = -1;

	memset(counts, 0, sizeof(*counts));
	m.page_size = o->page_size ? o->page_size : 4096;
	m.ncpu = o->cpus;
	m.vcpus = o->vcpus;
	if (!o->cpus || o->cpus > 64 || !o->vcpus || o->vcpus > 1000 || m.page_size < 256 ||
	    (m.page_size & (m.page_size - 1)))
		return fail(&m, "cpus 1..64, vcpus 1..1000, page size a power of 2 >= 256");
	snprintf(p, sizeof(p), "%s/header_page", o->formats);
	m.header_page = slurp(p, &m.hp_len);
	snprintf(p, sizeof(p), "%s/header_event", o->formats);
	m.header_event = slurp(p, &m.he_len);
	if (!m.header_page || !m.header_event) {
		fail(&m, "%s: %s", p, strerror(errno));
		goto out;
	}
	for (i = 0; i < NR_EVENTS; i++) {
		snprintf(p, sizeof(p), "%s/%s.%s.format", o->formats, ev_files[i][0], ev_files[i][1]);
		if (load_format(&m, p, ev_files[i][0], ev_files[i][1]))
			goto out;
	}
	for (i = 0; i < o->vcpus; i++) {
		char l[64];
		int n = snprintf(l, sizeof(l), "%u CPU %u/KVM\n", 5000 + i, i);

		put(&m.cmdlines, l, (size_t)n);
	}
	put(&m.cmdlines, "6000 sender\n", 12);
	m.cpu = calloc(m.ncpu, sizeof(*m.cpu));
	if (!m.cpu) {
		fail(&m, "out of memory");
		goto out;
	}
	while (counts->records < o->records) {
		unsigned v = (unsigned)(cycle % o->vcpus), c = v % m.ncpu, s = (c + 1) % m.ncpu;
		int tid = 5000 + (int)v;
		bool late = o->late_every && cycle % o->late_every == o->late_every - 1;
		uint64_t exit_ts = t + 3000 + (late ? 3000000 : 0);
		char comm[16];
		size_t n;

		snprintf(comm, sizeof(comm), "CPU %u/KVM", v % 1000);
		/* 7 records, each if still wanted */
#define EMIT(cpu, ts, k, ...)                                                         \
	do {                                                                          \
		if (counts->records < o->records) {                                   \
			n = record(&m.fmt[k], rec, __VA_ARGS__, NULL);                \
			emit(&m, cpu, ts, rec, n);                                    \
		}                                                                     \
	} while (0)
		EMIT(c, t, EV_FPU, tid, "load", (int64_t)1);
		EMIT(c, t + 1000, EV_ENTRY, tid, "vcpu_id", (int64_t)v, "rip", (int64_t)0xfff0);
		if (counts->records < o->records)
			counts->signals++;
		EMIT(s, t + 2000, EV_SIGGEN, 6000, "sig", (int64_t)10, "comm", comm, "pid", (int64_t)tid);
		if (late && counts->records < o->records)
			counts->late++;
		EMIT(c, exit_ts, EV_EXIT, tid, "exit_reason", (int64_t)1, "isa", (int64_t)1, "vcpu_id", (int64_t)v,
		     "guest_rip", (int64_t)0xfff0);
		EMIT(c, exit_ts + 1000, EV_FPU, tid, "load", (int64_t)0);
		EMIT(c, exit_ts + 2000, EV_UEXIT, tid, "reason", (int64_t)10, "errno", (int64_t)-4);
		EMIT(c, exit_ts + 3000, EV_SIGDEL, tid, "sig", (int64_t)10, "sa_handler", (int64_t)0x401000);
#undef EMIT
		t = exit_ts + 100000;
		cycle++;
	}
	for (i = 0; i < m.ncpu; i++)
		page_close(&m, &m.cpu[i]);
	rc = mk_write(&m, path);
out:
	mk_free(&m);
	return rc;
}

/* ---- real pages ---- */

int kr_mkdat_raw(const char *path, const char *instance, const char *events, struct mkdat_counts *counts, char *err,
		 size_t errlen)
{
	struct mk m = { .err = err, .errlen = errlen, .c = counts };
	char p[4096], *list = strdup(events), *ev, *save = NULL;
	unsigned i;
	int rc = -1;

	memset(counts, 0, sizeof(*counts));
	m.page_size = (unsigned)sysconf(_SC_PAGESIZE);
	snprintf(p, sizeof(p), "%s/events/header_page", instance);
	m.header_page = slurp(p, &m.hp_len);
	snprintf(p, sizeof(p), "%s/events/header_event", instance);
	m.header_event = slurp(p, &m.he_len);
	if (!list || !m.header_page || !m.header_event) {
		fail(&m, "%s: %s", p, strerror(errno));
		goto out;
	}
	for (ev = strtok_r(list, ",", &save); ev; ev = strtok_r(NULL, ",", &save)) {
		char *slash = strchr(ev, '/');

		if (!slash) {
			fail(&m, "%s: not SYSTEM/EVENT", ev);
			goto out;
		}
		*slash = 0;
		snprintf(p, sizeof(p), "%s/events/%s/%s/format", instance, ev, slash + 1);
		if (load_format(&m, p, ev, slash + 1))
			goto out;
	}
	snprintf(p, sizeof(p), "%s/../../saved_cmdlines", instance);
	{
		size_t n;
		char *c = slurp(p, &n);

		if (c)
			put(&m.cmdlines, c, n);
		free(c);
	}
	for (m.ncpu = 0;; m.ncpu++) {
		snprintf(p, sizeof(p), "%s/per_cpu/cpu%u", instance, m.ncpu);
		if (access(p, F_OK))
			break;
	}
	m.cpu = calloc(m.ncpu ? m.ncpu : 1, sizeof(*m.cpu));
	if (!m.cpu || !m.ncpu) {
		fail(&m, "%s: no CPUs", instance);
		goto out;
	}
	for (i = 0; i < m.ncpu; i++) {	/* every page the ring has, as the kernel gives them */
		int fd;

		snprintf(p, sizeof(p), "%s/per_cpu/cpu%u/trace_pipe_raw", instance, i);
		fd = open(p, O_RDONLY | O_NONBLOCK);
		if (fd < 0) {
			fail(&m, "%s: %s", p, strerror(errno));
			goto out;
		}
		for (;;) {
			ssize_t r;

			grow(&m.cpu[i].data, m.page_size);
			r = read(fd, m.cpu[i].data.p + m.cpu[i].data.len, m.page_size);
			if (r <= 0)
				break;
			if ((size_t)r < m.page_size)
				memset(m.cpu[i].data.p + m.cpu[i].data.len + r, 0, m.page_size - (size_t)r);
			m.cpu[i].data.len += m.page_size;
			counts->pages++;
		}
		close(fd);
	}
	rc = mk_write(&m, path);
out:
	free(list);
	mk_free(&m);
	return rc;
}

#ifdef MKDAT_MAIN
#include <getopt.h>

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "records", 1, 0, 'n' }, { "output", 1, 0, 'o' }, { "cpus", 1, 0, 'c' }, { "vcpus", 1, 0, 'v' },
		{ "late-every", 1, 0, 'l' }, { "page-size", 1, 0, 'p' }, { "formats", 1, 0, 'f' }, { "raw", 1, 0, 'r' },
		{ "events", 1, 0, 'e' }, { 0 },
	};
	struct mkdat_opts o = { .records = 7000, .cpus = 2, .vcpus = 2, .late_every = 100, .formats = MKDAT_FORMATS };
	struct mkdat_counts c;
	const char *out = NULL, *raw = NULL, *events = "sched/sched_switch,sched/sched_wakeup,signal/signal_generate";
	char err[512];
	int k;

	while ((k = getopt_long(argc, argv, "n:o:c:v:l:p:f:r:e:", lo, NULL)) != -1) {
		switch (k) {
		case 'n': o.records = strtoull(optarg, NULL, 10); break;
		case 'o': out = optarg; break;
		case 'c': o.cpus = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'v': o.vcpus = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': o.late_every = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': o.page_size = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'f': o.formats = optarg; break;
		case 'r': raw = optarg; break;
		case 'e': events = optarg; break;
		default:
			fprintf(stderr, "usage: kvmrace-mkdat -o FILE [-n RECORDS] [--cpus N] [--vcpus N] "
				"[--late-every N] [--page-size N] [--formats DIR]\n"
				"       kvmrace-mkdat -o FILE --raw TRACEFS_INSTANCE [--events SYS/EVENT,...]\n");
			return 1;
		}
	}
	if (!out) {
		fprintf(stderr, "kvmrace-mkdat: -o FILE is required\n");
		return 1;
	}
	if (raw ? kr_mkdat_raw(out, raw, events, &c, err, sizeof(err)) : kr_mkdat(out, &o, &c, err, sizeof(err))) {
		fprintf(stderr, "kvmrace-mkdat: %s\n", err);
		return 1;
	}
	printf("records=%llu signals=%llu late=%llu pages=%llu\n", (unsigned long long)c.records,
	       (unsigned long long)c.signals, (unsigned long long)c.late, (unsigned long long)c.pages);
	return 0;
}
#endif
