// SPDX-License-Identifier: GPL-2.0
/*
 * trace.dat without trusting libtracecmd with kvmrace's process (tracedat.h).
 *
 * 1. The check (no library): trace-cmd's file format, versions 6 and 7
 *    (trace-cmd.dat.v6(5), trace-cmd.dat.v7(5)): every size and offset the
 *    library would follow is checked against the file; the top instance's
 *    CPU data must lie inside it (a truncated file); for uncompressed data,
 *    each ring-buffer page is walked as libtraceevent's kbuffer walks it:
 *    the commit must fit the page, each event header and length must stay
 *    inside the commit and move forward.  This names the damage.
 * 2. The reader: a child process (fork, no exec) opens the file with
 *    libtracecmd and streams each record, rendered by kr_tep_line(), through
 *    a pipe in frames {length, CPU, file offset}.  Its address space is
 *    limited (RLIMIT_AS), it dumps no core, its stderr goes to a memfd (the
 *    library's own complaint becomes part of the error line), and it dies
 *    with kvmrace (PR_SET_PDEATHSIG).  The parent turns a signal, a stall
 *    (no frame for stall_ms), a record given twice (a CPU's offset not
 *    moving forward: kbuffer's endless loop), more records than the data can
 *    hold, or a failure into one line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tracedat.h"

static const unsigned char dat_magic[10] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };

#define MAX_CPUS (1u << 16)	/* more is damage, not a machine */
#define MAX_NAME 4096		/* a system, instance or clock name */
#define MAX_OPTION_SECTIONS 256
#define CHECK_BUF (1u << 20)	/* CPU data is walked in reads of this size */

/* kbuffer's view of the page header's commit word */
#define COMMIT_MASK ((1u << 27) - 1)
#define MISSING_EVENTS (1ull << 31)
#define MISSING_STORED (1ull << 30)

/* ---- the structure check ---- */

struct chk {
	int fd;
	const char *path;
	uint64_t size;		/* of the file */
	bool be;
	struct kr_dat_info *info;
	char *err;
	size_t errlen;
	unsigned char *buf;	/* CPU data being walked */
	size_t bufsize;		/* a multiple of the page size */
	unsigned walk_page_size;	/* 0: pages not walked */
	uint64_t records;	/* data events in the walked pages */
	bool data_known;	/* the top instance's CPU data was found */
};

static int damaged(struct chk *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int damaged(struct chk *c, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s: damaged trace.dat: %s", c->path, what);
	return -1;
}

/* n bytes at off, all inside the file */
static int rd(struct chk *c, uint64_t off, void *p, size_t n, const char *what)
{
	size_t got = 0;

	if (off > c->size || n > c->size - off)
		return damaged(c, "truncated: %s at offset %" PRIu64 " (%zu bytes) past the end of the file (%" PRIu64
			       " bytes)", what, off, n, c->size);
	while (got < n) {
		ssize_t r = pread(c->fd, (char *)p + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(c->err, c->errlen, "%s: read error: %s", c->path, r ? strerror(errno) : "short read");
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static uint64_t get(const struct chk *c, const unsigned char *p, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[c->be ? n - 1 - i : i] << (8 * i);
	return v;
}

static int rd_u(struct chk *c, uint64_t *off, unsigned n, uint64_t *v, const char *what)
{
	unsigned char b[8];

	if (rd(c, *off, b, n, what))
		return -1;
	*v = get(c, b, n);
	*off += n;
	return 0;
}

/* A NUL-terminated string at *off (at most max bytes), copied to out if
 * given (cut to outlen). */
static int rd_str(struct chk *c, uint64_t *off, size_t max, char *out, size_t outlen, const char *what)
{
	char b[256];
	size_t len = 0;

	for (;;) {
		size_t n = sizeof(b), i;

		if (*off + len >= c->size)
			return damaged(c, "truncated: %s at offset %" PRIu64 " has no end", what, *off);
		if (n > c->size - *off - len)
			n = (size_t)(c->size - *off - len);
		if (rd(c, *off + len, b, n, what))
			return -1;
		for (i = 0; i < n && b[i]; i++)
			if (out && len + i + 1 < outlen)
				out[len + i] = b[i];
		if (out && outlen)
			out[len + i < outlen ? len + i : outlen - 1] = 0;
		len += i;
		if (len > max)
			return damaged(c, "%s at offset %" PRIu64 " is longer than %zu bytes", what, *off, max);
		if (i < n)
			break;
	}
	*off += len + 1;
	return 0;
}

/* A block of size bytes at *off: inside the file; skipped. */
static int skip(struct chk *c, uint64_t *off, uint64_t size, const char *what)
{
	if (*off > c->size || size > c->size - *off)
		return damaged(c, "truncated: %s of %" PRIu64 " bytes at offset %" PRIu64 " past the end of the file (%"
			       PRIu64 " bytes)", what, size, *off, c->size);
	*off += size;
	return 0;
}

/* "field: local_t commit;\toffset:8;\tsize:8;": the kernel's long, as
 * libtraceevent takes it from header_page (else the file's long). */
static unsigned commit_size(const char *hp, unsigned dflt)
{
	const char *f = strstr(hp, " commit;"), *s;

	if (!f || !(s = strstr(f, "size:")))
		return dflt;
	return (unsigned)strtoul(s + 5, NULL, 10);
}

static int header_page(struct chk *c, uint64_t *off)
{
	char tag[13], *hp;
	uint64_t n;
	unsigned cs;

	if (rd(c, *off, tag, 12, "header_page") || memcmp(tag, "header_page", 12))
		return c->err[0] ? -1 : damaged(c, "no header_page at offset %" PRIu64, *off);
	*off += 12;
	if (rd_u(c, off, 8, &n, "header_page size"))
		return -1;
	if (n > c->size - *off)
		return skip(c, off, n, "header_page");
	if (n > 65536)
		return damaged(c, "header_page of %" PRIu64 " bytes", n);
	hp = calloc(1, (size_t)n + 1);
	if (!hp) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->path);
		return -1;
	}
	if (rd(c, *off, hp, (size_t)n, "header_page")) {
		free(hp);
		return -1;
	}
	cs = commit_size(hp, c->info->long_size);
	free(hp);
	if (cs != 4 && cs != 8)
		return damaged(c, "header_page gives the kernel's long as %u bytes", cs);
	c->info->page_header = cs == 8 ? 16 : 12;	/* kbuffer: 8-byte long or not */
	*off += n;
	if (rd(c, *off, tag, 13, "header_event") || memcmp(tag, "header_event", 13))
		return c->err[0] ? -1 : damaged(c, "no header_event at offset %" PRIu64, *off);
	*off += 13;
	return rd_u(c, off, 8, &n, "header_event size") || skip(c, off, n, "header_event");
}

static int ftrace_formats(struct chk *c, uint64_t *off)
{
	uint64_t n, i, sz;

	if (rd_u(c, off, 4, &n, "ftrace format count"))
		return -1;
	for (i = 0; i < n; i++)
		if (rd_u(c, off, 8, &sz, "ftrace format size") || skip(c, off, sz, "an ftrace event format"))
			return -1;
	return 0;
}

static int event_formats(struct chk *c, uint64_t *off)
{
	uint64_t n, i, k, m, sz;

	if (rd_u(c, off, 4, &n, "event system count"))
		return -1;
	for (i = 0; i < n; i++) {
		if (rd_str(c, off, MAX_NAME, NULL, 0, "an event system name") ||
		    rd_u(c, off, 4, &m, "event count"))
			return -1;
		for (k = 0; k < m; k++)
			if (rd_u(c, off, 8, &sz, "event format size") || skip(c, off, sz, "an event format"))
				return -1;
	}
	return 0;
}

static int sized(struct chk *c, uint64_t *off, unsigned width, const char *what)
{
	uint64_t n;

	return rd_u(c, off, width, &n, what) || skip(c, off, n, what);
}

/* One ring-buffer page at p (page_size bytes, at file offset at) as
 * kbuffer reads it; counts its data records. */
static int walk_page(struct chk *c, const unsigned char *p, uint64_t at, uint32_t cpu)
{
	const struct kr_dat_info *in = c->info;
	unsigned hdr = in->page_header, area = c->walk_page_size - hdr;
	uint64_t flags = get(c, p + 8, hdr - 8);
	uint32_t size = (uint32_t)flags & COMMIT_MASK, cur = 0;

	if (size > area)
		return damaged(c, "CPU %u page at offset %" PRIu64 ": commit %#" PRIx64 " says %u bytes of events, the "
			       "page holds %u", cpu, at, flags, size, area);
	if ((flags & MISSING_EVENTS) && (flags & MISSING_STORED) && size + (hdr - 8) > area)
		return damaged(c, "CPU %u page at offset %" PRIu64 ": its lost-events count lies past the page", cpu,
			       at);
	while (cur < size) {
		uint32_t h, type_len;
		uint64_t next;

		if (cur + 4 > area)
			return damaged(c, "CPU %u page at offset %" PRIu64 ": event header at %u past the page", cpu, at,
				       cur);
		h = (uint32_t)get(c, p + hdr + cur, 4);
		type_len = c->be ? h >> 27 : h & 31;
		switch (type_len) {
		case 29:	/* padding: its length word follows */
			if (cur + 8 > area)
				return damaged(c, "CPU %u page at offset %" PRIu64 ": padding at %u past the page", cpu,
					       at, cur);
			next = cur + 4 + get(c, p + hdr + cur + 4, 4);
			if (next > size)
				next = size;	/* the rest of the page */
			break;
		case 30:	/* time extend, absolute time stamp */
		case 31:
			next = cur + 8;
			break;
		case 0: {	/* a long event: the length word (itself included) follows */
			uint32_t len;

			if (cur + 8 > area)
				return damaged(c, "CPU %u page at offset %" PRIu64 ": event at %u past the page", cpu, at,
					       cur);
			len = (uint32_t)get(c, p + hdr + cur + 4, 4);
			next = cur + 8 + (((uint64_t)len - 4 + 3) & ~3ull);
			if (len < 4 || next > size)
				return damaged(c, "CPU %u page at offset %" PRIu64 ": event at %u has length word %#x, "
					       "%s", cpu, at, cur, len, len < 4 ? "less than itself" :
					       "past the page's commit");
			c->records++;
			break;
		}
		default:
			next = cur + 4 + 4ull * type_len;
			c->records++;
			break;
		}
		if (next > size)
			return damaged(c, "CPU %u page at offset %" PRIu64 ": event at %u (type %u) ends at %" PRIu64
				       ", past the page's commit of %u bytes", cpu, at, cur, type_len, next, size);
		cur = (uint32_t)next;
	}
	c->info->pages++;
	return 0;
}

/* One CPU's data at [off, off + size): inside the file; its pages walked
 * when not compressed, its chunks' sizes checked when compressed. */
static int cpu_data(struct chk *c, uint32_t cpu, uint64_t off, uint64_t size, bool compressed)
{
	struct kr_dat_info *in = c->info;
	unsigned ps = c->walk_page_size;
	uint64_t end, pos;

	if (off > c->size || size > c->size - off)
		return damaged(c, "truncated: CPU %u's data ends at byte %" PRIu64 ", the file has %" PRIu64, cpu,
			       off + size < off ? UINT64_MAX : off + size, c->size);
	if (!size)
		return 0;
	end = off + size;
	if (compressed) {	/* count, then {compressed size, size, data} per chunk */
		uint64_t n, i, cs, us;

		/* the size trace-cmd records leaves out the chunk count */
		if (end > c->size - 4)
			return damaged(c, "truncated: CPU %u's compressed data ends at byte %" PRIu64 ", the file has %"
				       PRIu64, cpu, end + 4, c->size);
		end += 4;
		pos = off;
		if (rd_u(c, &pos, 4, &n, "the chunk count"))
			return -1;
		for (i = 0; i < n; i++) {
			if (pos + 8 > end)
				return damaged(c, "CPU %u: chunk %" PRIu64 " of %" PRIu64 " past its data", cpu, i, n);
			if (rd_u(c, &pos, 4, &cs, "a chunk size") || rd_u(c, &pos, 4, &us, "a chunk size"))
				return -1;
			if (cs > end - pos)
				return damaged(c, "CPU %u: chunk %" PRIu64 " at offset %" PRIu64 " (%" PRIu64
					       " bytes) past its data", cpu, i, pos - 8, cs);
			pos += cs;
			in->data_bytes += us;
		}
		return 0;
	}
	in->data_bytes += size;
	if (!ps)
		return 0;
	/* whole pages: libtracecmd reads a page at a time */
	if (size % ps)
		return damaged(c, "CPU %u's data (%" PRIu64 " bytes at offset %" PRIu64 ") is not a whole number of %u-"
			       "byte pages", cpu, size, off, ps);
	for (pos = off; pos < end;) {
		uint64_t n = end - pos, k;

		if (n > c->bufsize)
			n = c->bufsize;
		if (rd(c, pos, c->buf, (size_t)n, "CPU data"))
			return -1;
		for (k = 0; k < n; k += ps)
			if (walk_page(c, c->buf + k, pos + k, cpu))
				return -1;
		pos += n;
	}
	return 0;
}

static int flyrecord_v6(struct chk *c, uint64_t *off)
{
	uint64_t i, o, s;

	c->data_known = true;
	for (i = 0; i < c->info->cpus; i++)
		if (rd_u(c, off, 8, &o, "a CPU data offset") || rd_u(c, off, 8, &s, "a CPU data size") ||
		    cpu_data(c, (uint32_t)i, o, s, false))
			return -1;
	return 0;
}

static int check_v6(struct chk *c, uint64_t off)
{
	struct kr_dat_info *in = c->info;
	uint64_t cpus;
	char tag[10];

	if (header_page(c, &off) || ftrace_formats(c, &off) || event_formats(c, &off) ||
	    sized(c, &off, 4, "kallsyms") || sized(c, &off, 4, "printk formats") ||
	    sized(c, &off, 8, "saved command lines") || rd_u(c, &off, 4, &cpus, "the CPU count"))
		return -1;
	if (cpus > MAX_CPUS)
		return damaged(c, "%" PRIu64 " CPUs", cpus);
	in->cpus = (uint32_t)cpus;
	if (rd(c, off, tag, 10, "the data type"))
		return -1;
	off += 10;
	if (!memcmp(tag, "options  ", 10)) {
		for (;;) {
			uint64_t id, sz;

			if (rd_u(c, &off, 2, &id, "an option"))
				return -1;
			if (!id)
				break;
			if (rd_u(c, &off, 4, &sz, "an option size") || skip(c, &off, sz, "an option"))
				return -1;
		}
		if (rd(c, off, tag, 10, "the data type"))
			return -1;
		off += 10;
	}
	if (!memcmp(tag, "latency  ", 10)) {
		in->latency = true;
		return 0;
	}
	if (memcmp(tag, "flyrecord", 10))
		return damaged(c, "neither flyrecord nor latency data at offset %" PRIu64, off - 10);
	return flyrecord_v6(c, &off);
}

/* v7: a section header {u16 id, u16 flags, u32 string id, u64 size} at
 * off, its body inside the file; *body after the header. */
static int section(struct chk *c, uint64_t off, unsigned want, uint64_t *body, uint64_t *size, bool *compressed)
{
	uint64_t p = off, id, flags, sid, sz;

	if (rd_u(c, &p, 2, &id, "a section header") || rd_u(c, &p, 2, &flags, "a section header") ||
	    rd_u(c, &p, 4, &sid, "a section header") || rd_u(c, &p, 8, &sz, "a section header"))
		return -1;
	if (id != want)
		return damaged(c, "section at offset %" PRIu64 " has id %" PRIu64 ", %u expected", off, id, want);
	if (sz > c->size - p)
		return damaged(c, "truncated: section %u at offset %" PRIu64 " (%" PRIu64 " bytes) past the end of the "
			       "file (%" PRIu64 " bytes)", want, off, sz, c->size);
	*compressed = flags & 1;
	if (*compressed) {	/* {compressed size, size} then the data */
		uint64_t q = p, cs, us;

		if (!sz) {
			*body = p;
			*size = 0;
			return 0;	/* empty */
		}
		if (sz < 8 || rd_u(c, &q, 4, &cs, "a compression header") || rd_u(c, &q, 4, &us, "a compression header"))
			return c->err[0] ? -1 : damaged(c, "section %u at offset %" PRIu64 " too small to be compressed",
							want, off);
		if (cs > sz - 8)
			return damaged(c, "section %u at offset %" PRIu64 ": %" PRIu64 " compressed bytes in %" PRIu64,
				       want, off, cs, sz - 8);
	}
	*body = p;
	*size = sz;
	return 0;
}

/* The BUFFER option (v7): flyrecord section offset, instance name, clock,
 * [page size,] CPU count, {id, offset, size} per CPU.  Only the top
 * instance (name "") is what tracecmd_read_next_data() reads. */
static int buffer_option(struct chk *c, uint64_t p, uint64_t end, bool compressed)
{
	struct kr_dat_info *in = c->info;
	uint64_t fly, body, bsize, n, q, i, v;
	char name[2];
	bool fc;

	if (rd_u(c, &p, 8, &fly, "a BUFFER option") ||
	    rd_str(c, &p, MAX_NAME, name, sizeof(name), "a BUFFER option's name") ||
	    rd_str(c, &p, MAX_NAME, NULL, 0, "a BUFFER option's clock"))
		return -1;
	if (p > end)
		return damaged(c, "BUFFER option past its size");
	/* the page size was added in trace-cmd 3.x: the sizes tell */
	q = p;
	v = 0;
	if (end - p >= 8 && !rd_u(c, &q, 4, &v, "a BUFFER option") && !rd_u(c, &q, 4, &n, "a BUFFER option") &&
	    end - q == n * 20) {
		p = q;
	} else if (end - p >= 4 && !rd_u(c, &p, 4, &n, "a BUFFER option") && end - p == n * 20) {
		v = 0;
	} else {
		return c->err[0] ? -1 : damaged(c, "a BUFFER option's CPU list does not fit its size");
	}
	if (name[0])
		return 0;	/* an instance: not read */
	c->data_known = true;
	/* The pages are walked at the file's page size, if this buffer's
	 * (where given) is the same; else only their bounds are checked. */
	if (v && v != in->page_size)
		c->walk_page_size = 0;
	if (section(c, fly, 3, &body, &bsize, &fc))
		return -1;
	if (n > MAX_CPUS)
		return damaged(c, "%" PRIu64 " CPUs", n);
	in->cpus = (uint32_t)n;
	for (i = 0; i < n; i++) {
		uint64_t id, o, s;

		if (rd_u(c, &p, 4, &id, "a CPU id") || rd_u(c, &p, 8, &o, "a CPU data offset") ||
		    rd_u(c, &p, 8, &s, "a CPU data size"))
			return -1;
		if (id >= MAX_CPUS)
			return damaged(c, "CPU id %" PRIu64, id);
		if (cpu_data(c, (uint32_t)id, o, s, compressed))
			return -1;
	}
	return 0;
}

static int check_v7(struct chk *c, uint64_t off)
{
	struct kr_dat_info *in = c->info;
	uint64_t opt, visited[MAX_OPTION_SECTIONS], hdr = 0, buf = 0, buf_end = 0;
	bool compressed;
	int nv = 0, i;

	if (rd_str(c, &off, MAX_NAME, in->compression, sizeof(in->compression), "the compression name") ||
	    rd_str(c, &off, MAX_NAME, NULL, 0, "the compression version") ||
	    rd_u(c, &off, 8, &opt, "the first options offset"))
		return -1;
	compressed = strcmp(in->compression, "none") != 0;
	if (compressed)
		c->walk_page_size = 0;	/* no decompression here: the chunks' bounds only */
	/* The options sections, chained by their DONE options; the top
	 * instance's BUFFER option is read after the headers (the page
	 * header's size). */
	while (opt) {
		uint64_t body, size, p, end;
		bool oc;

		for (i = 0; i < nv; i++)
			if (visited[i] == opt)
				return damaged(c, "options sections form a loop (offset %" PRIu64 ")", opt);
		if (nv == MAX_OPTION_SECTIONS)
			return damaged(c, "more than %d options sections", MAX_OPTION_SECTIONS);
		visited[nv++] = opt;
		if (section(c, opt, 0, &body, &size, &oc))
			return -1;
		if (oc)
			break;	/* compressed options: the reader's to check */
		p = body;
		end = body + size;
		opt = 0;
		while (p < end) {
			uint64_t id, sz, o, sb, ss, q;
			bool sc;

			if (rd_u(c, &p, 2, &id, "an option") || rd_u(c, &p, 4, &sz, "an option size"))
				return -1;
			if (sz > end - p)
				return damaged(c, "option %" PRIu64 " at offset %" PRIu64 " (%" PRIu64 " bytes) past its "
					       "section", id, p - 6, sz);
			if (id == 0) {	/* DONE: the next options section */
				if (sz != 8 || rd_u(c, &p, 8, &opt, "the next options offset"))
					return c->err[0] ? -1 : damaged(c, "DONE option of %" PRIu64 " bytes", sz);
				break;
			}
			if (id >= 16 && id <= 21) {	/* a section's offset: headers ... command lines */
				q = p;
				if (sz != 8 || rd_u(c, &q, 8, &o, "a section offset"))
					return c->err[0] ? -1 : damaged(c, "option %" PRIu64 " of %" PRIu64 " bytes", id,
									sz);
				if (section(c, o, (unsigned)id, &sb, &ss, &sc))
					return -1;
				if (id == 16 && !sc)
					hdr = sb;
			} else if (id == 3) {
				char name[2];

				q = p + 8;
				if (sz < 9 || rd_str(c, &q, MAX_NAME, name, sizeof(name), "a BUFFER option's name"))
					return c->err[0] ? -1 : damaged(c, "BUFFER option of %" PRIu64 " bytes", sz);
				if (!name[0]) {
					buf = p;
					buf_end = p + sz;
				}
			} else if (id == 22) {
				in->latency = true;
			}
			p += sz;
		}
	}
	if (hdr && header_page(c, &hdr))
		return -1;
	return buf ? buffer_option(c, buf, buf_end, compressed) : 0;
}

int kr_dat_check(int fd, const char *path, struct kr_dat_info *info, char *err, size_t errlen)
{
	struct chk c = { .fd = fd, .path = path, .info = info, .err = err, .errlen = errlen };
	unsigned char head[10];
	uint64_t off = 10, v;
	char ver[16];
	off_t end;
	int rc;

	memset(info, 0, sizeof(*info));
	err[0] = 0;
	end = lseek(fd, 0, SEEK_END);
	if (end < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	c.size = (uint64_t)end;
	if (c.size < sizeof(head) || pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    memcmp(head, dat_magic, sizeof(head))) {
		snprintf(err, errlen, "%s: not a trace-cmd trace.dat (bad magic)", path);
		return -1;
	}
	if (rd_str(&c, &off, 8, ver, sizeof(ver), "the version"))
		return -1;
	if (!ver[0] || strspn(ver, "0123456789") != strlen(ver))
		return damaged(&c, "its version is not a number");
	info->version = (unsigned)strtoul(ver, NULL, 10);
	if (info->version < 6 || info->version > 7) {
		snprintf(err, errlen, "%s: trace.dat version %s (kvmrace reads versions 6 and 7)", path, ver);
		return -1;
	}
	if (rd_u(&c, &off, 1, &v, "the endianness"))
		return -1;
	if (v > 1)
		return damaged(&c, "endianness byte %" PRIu64, v);
	c.be = info->big_endian = v;
	if (rd_u(&c, &off, 1, &v, "the long size"))
		return -1;
	if (v != 4 && v != 8)
		return damaged(&c, "long size %" PRIu64, v);
	info->long_size = (unsigned)v;
	if (rd_u(&c, &off, 4, &v, "the page size"))
		return -1;
	if (v < 256 || v > (1u << 28) || (v & (v - 1)))
		return damaged(&c, "page size %" PRIu64, v);
	info->page_size = (unsigned)v;
	info->page_header = info->long_size == 8 ? 16 : 12;
	c.bufsize = CHECK_BUF > v ? CHECK_BUF : (size_t)v;
	while (c.bufsize > v && c.bufsize / 2 >= c.size)
		c.bufsize /= 2;	/* a small file: no larger than it needs */
	c.walk_page_size = info->page_size;
	c.buf = malloc(c.bufsize);
	if (!c.buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	rc = info->version == 6 ? check_v6(&c, off) : check_v7(&c, off);
	free(c.buf);
	/* At most the data events the walk counted, or for data not walked
	 * (compressed) one per 8 bytes, the smallest event. */
	info->max_records = UINT64_MAX;
	if (!rc && c.data_known && c.walk_page_size && !info->latency)
		info->max_records = c.records;
	else if (!rc && c.data_known && !info->latency)
		info->max_records = info->data_bytes / 8;
	return rc;
}

/* ---- the reader process ---- */

#ifdef HAVE_LIBTRACECMD
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <event-parse.h>
#include <trace-cmd.h>
#include "tep.h"

/* Exported by libtracecmd but not in its 3.1 public header. */
struct tep_record *tracecmd_read_next_data(struct tracecmd_input *handle, int *rec_cpu);

#define DEFAULT_STALL_MS 20000
#define MAX_LINE (16u << 20)	/* a rendered record longer than this is damage */
#define CHILD_BUF (256u << 10)
#define READ_BUF (64u << 10)	/* the parent's first buffer (a pipe's size); it doubles for a long frame */
#define F_OPENED 0xfffffff0u	/* frame "cpus": control frames */
#define F_END 0xfffffff1u
#define F_ERROR 0xfffffff2u

#if defined(__SANITIZE_ADDRESS__)
#define KR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KR_ASAN 1
#endif
#endif

/* A frame: this header, then len bytes (a line and its NUL, or a message). */
struct frame {
	uint32_t len;
	uint32_t cpu;
	uint64_t offset;
};

struct kr_dat {
	int fd;			/* the file, checked; the reader reads it too */
	int rfd;		/* frames from the reader */
	int errfd;		/* memfd: the reader's stderr */
	pid_t pid;		/* 0 once reaped */
	unsigned stall_ms;
	struct kr_dat_info info;
	unsigned char *buf;
	size_t cap, len, pos;
	uint64_t records;
	uint64_t *last;		/* per CPU: 1 + the offset of its last record (0: none yet) */
	uint32_t nlast;
	bool ended;		/* the reader's end frame came */
	char err[512];		/* sticky: the first error */
};

static void w_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);	/* kvmrace went away */
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

struct cbuf {
	int fd;
	size_t len;
	unsigned char b[CHILD_BUF];
};

static void c_frame(struct cbuf *o, uint32_t cpu, uint64_t offset, const char *s, size_t n)
{
	struct frame f = { (uint32_t)n, cpu, offset };

	if (o->len + sizeof(f) + n > sizeof(o->b)) {
		w_all(o->fd, o->b, o->len);
		o->len = 0;
	}
	if (sizeof(f) + n > sizeof(o->b)) {
		w_all(o->fd, &f, sizeof(f));
		w_all(o->fd, s, n);
		return;
	}
	memcpy(o->b + o->len, &f, sizeof(f));
	memcpy(o->b + o->len + sizeof(f), s, n);
	o->len += sizeof(f) + n;
}

/* The reader process: never returns. */
static void reader(struct kr_dat *d, int wfd, const struct kr_dat_opts *o, uint64_t mem)
{
	static struct cbuf out;
	struct tracecmd_input *h;
	struct tep_handle *tep;
	struct tep_record *rec;
	struct rlimit rl = { 0, 0 };
	int cpu, nul = open("/dev/null", O_RDONLY);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setrlimit(RLIMIT_CORE, &rl);	/* a crash leaves no core file behind */
#ifndef KR_ASAN
	rl.rlim_cur = rl.rlim_max = mem;
	setrlimit(RLIMIT_AS, &rl);
#else
	(void)mem;	/* ASan reserves terabytes of address space */
#endif
	/* a crash is a signal the parent sees, whatever handlers (a
	 * sanitizer's) the process had */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	if (nul >= 0)
		dup2(nul, STDIN_FILENO);
	dup2(d->errfd, STDOUT_FILENO);
	dup2(d->errfd, STDERR_FILENO);
	out.fd = wfd;
	if (o && o->child_hook)
		o->child_hook();
	if (lseek(d->fd, 0, SEEK_SET))
		_exit(4);
	/* its warnings name the damage; they go to the memfd */
	tracecmd_set_loglevel(TEP_LOG_WARNING);
	tep_set_loglevel(TEP_LOG_WARNING);
	h = tracecmd_open_fd(d->fd, TRACECMD_FL_LOAD_NO_PLUGINS);	/* the kernel's formats, not plugins */
	if (!h) {
		c_frame(&out, F_ERROR, 0, "libtracecmd cannot read it", 26);
		w_all(wfd, out.b, out.len);
		_exit(1);
	}
	c_frame(&out, F_OPENED, 0, "", 0);
	w_all(wfd, out.b, out.len);	/* at once: kr_dat_open waits for it */
	out.len = 0;
	tep = tracecmd_get_tep(h);
	while ((rec = tracecmd_read_next_data(h, &cpu))) {
		char *l = kr_tep_line(tep, rec);

		if (!l)
			_exit(5);	/* out of memory */
		c_frame(&out, (uint32_t)cpu, rec->offset, l, strlen(l) + 1);
		free(l);
		tracecmd_free_record(rec);
	}
	c_frame(&out, F_END, 0, "", 0);
	w_all(wfd, out.b, out.len);
	_exit(0);	/* no tracecmd_close: exiting frees it all, and cannot crash */
}

static int fail(struct kr_dat *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct kr_dat *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->err[0]) {
		va_start(ap, fmt);
		vsnprintf(d->err, sizeof(d->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The last line the library printed (what it said before it failed),
 * cleaned for a one-line message. */
static void child_said(struct kr_dat *d, char *out, size_t len)
{
	char b[1024], *l;
	off_t end = lseek(d->errfd, 0, SEEK_END), from = end > (off_t)sizeof(b) - 1 ? end - (off_t)sizeof(b) + 1 : 0;
	ssize_t n = end > 0 ? pread(d->errfd, b, sizeof(b) - 1, from) : 0;
	ssize_t i;

	out[0] = 0;
	if (n <= 0)
		return;
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == ' '))
		n--;
	b[n] = 0;
	for (i = n; i > 0 && b[i - 1] != '\n'; i--)
		;
	for (l = b + i; *l; l++)
		if ((unsigned char)*l < 0x20 || (unsigned char)*l >= 0x7f)
			*l = '?';
	if (b[i])
		snprintf(out, len, " (it said: %.150s)", b + i);
}

/* Reaps the reader (killed first if kill_it): its wait status, or -1 if
 * there was none to reap. */
static int reap(struct kr_dat *d, bool kill_it)
{
	int st;

	if (d->pid <= 0)
		return -1;
	if (kill_it)
		kill(d->pid, SIGKILL);
	while (waitpid(d->pid, &st, 0) < 0)
		if (errno != EINTR) {
			d->pid = 0;
			return -1;
		}
	d->pid = 0;
	return st;
}

/* The reader stopped without its end frame: why, as one line. */
static int reader_died(struct kr_dat *d)
{
	char said[200];
	int st = reap(d, false);

	child_said(d, said, sizeof(said));
	if (st >= 0 && WIFSIGNALED(st)) {
		const char *s = sigabbrev_np(WTERMSIG(st));

		if (s)
			return fail(d, "damaged trace.dat: libtracecmd crashed (SIG%s)%s", s, said);
		return fail(d, "damaged trace.dat: libtracecmd crashed (signal %d)%s", WTERMSIG(st),
			    said);
	}
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st))
		return fail(d, "damaged trace.dat: libtracecmd's reader failed (exit status %d)%s",
			    WEXITSTATUS(st), said);
	return fail(d, "damaged trace.dat: libtracecmd's reader ended early%s", said);
}

/* Waits for more frames (stall_ms without any: a hang).  1 with more
 * bytes, 0 at the end of the pipe, -1 on an error (message set). */
static int fill(struct kr_dat *d)
{
	ssize_t r;

	if (d->pos && d->pos == d->len) {
		d->pos = d->len = 0;
	} else if (d->pos > d->cap / 2 || d->len == d->cap) {
		memmove(d->buf, d->buf + d->pos, d->len - d->pos);
		d->len -= d->pos;
		d->pos = 0;
	}
	if (d->len == d->cap) {
		unsigned char *nb = realloc(d->buf, d->cap * 2);

		if (!nb)
			return fail(d, "out of memory");
		d->buf = nb;
		d->cap *= 2;
	}
	for (;;) {
		struct pollfd p = { .fd = d->rfd, .events = POLLIN };
		int k = poll(&p, 1, (int)d->stall_ms);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return fail(d, "poll: %s", strerror(errno));
		if (!k) {
			reap(d, true);
			return fail(d, "damaged trace.dat: libtracecmd made no progress for %u ms (killed)",
				    d->stall_ms);
		}
		r = read(d->rfd, d->buf + d->len, d->cap - d->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(d, "reading from libtracecmd's reader: %s", strerror(errno));
		d->len += (size_t)r;
		return r > 0;
	}
}

/* The next frame: 1 with its header in *f and its body at *body, 0 if the
 * reader ended without its end frame (message set), -1 on an error. */
static int next_frame(struct kr_dat *d, struct frame *f, unsigned char **body)
{
	for (;;) {
		int k;

		if (d->len - d->pos >= sizeof(*f)) {
			memcpy(f, d->buf + d->pos, sizeof(*f));
			if (f->len > MAX_LINE) {
				reap(d, true);
				return fail(d, "damaged trace.dat: a record rendered as %u bytes", f->len);
			}
			if (d->len - d->pos >= sizeof(*f) + f->len) {
				*body = d->buf + d->pos + sizeof(*f);
				d->pos += sizeof(*f) + f->len;
				return 1;
			}
			while (d->cap < sizeof(*f) + f->len) {	/* room for the whole frame */
				unsigned char *nb;

				memmove(d->buf, d->buf + d->pos, d->len - d->pos);
				d->len -= d->pos;
				d->pos = 0;
				nb = realloc(d->buf, d->cap * 2);
				if (!nb)
					return fail(d, "out of memory");
				d->buf = nb;
				d->cap *= 2;
			}
		}
		k = fill(d);
		if (k < 0)
			return -1;
		if (!k) {
			reader_died(d);
			return 0;
		}
	}
}

static uint64_t vm_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;

	if (f) {
		if (fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

struct kr_dat *kr_dat_open_opts(const char *path, const struct kr_dat_opts *o, char *err, size_t errlen)
{
	struct kr_dat *d = calloc(1, sizeof(*d));
	struct stat st;
	uint64_t mem;
	int p[2] = { -1, -1 };
	struct frame f;
	unsigned char *body;

	if (!d || !(d->buf = malloc(d->cap = READ_BUF))) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(d);
		return NULL;
	}
	d->fd = d->rfd = d->errfd = -1;
	d->stall_ms = o && o->stall_ms ? o->stall_ms : DEFAULT_STALL_MS;
	/* nonblocking: a FIFO must not block the open; a regular file only */
	d->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (d->fd < 0 || fstat(d->fd, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	fcntl(d->fd, F_SETFL, 0);
	if (o && o->skip_check)
		d->info.max_records = UINT64_MAX;
	else if (kr_dat_check(d->fd, path, &d->info, err, errlen))
		goto fail;
	mem = o && o->mem_bytes ? o->mem_bytes : vm_bytes() + (1ull << 30) + 2 * ((uint64_t)st.st_size + d->info.data_bytes);
	d->errfd = memfd_create("kvmrace-tracedat-stderr", MFD_CLOEXEC);
	if (d->errfd < 0 || pipe2(p, O_CLOEXEC)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fflush(NULL);	/* nothing buffered may be written twice */
	d->pid = fork();
	if (d->pid < 0) {
		snprintf(err, errlen, "%s: fork: %s", path, strerror(errno));
		d->pid = 0;
		goto fail;
	}
	if (!d->pid) {
		close(p[0]);
		reader(d, p[1], o, mem);
	}
	close(p[1]);
	p[1] = -1;
	d->rfd = p[0];
	/* libtracecmd has opened the file, or said why not */
	if (next_frame(d, &f, &body) <= 0)
		goto failed;
	if (f.cpu == F_ERROR) {
		char said[200];

		reap(d, false);
		child_said(d, said, sizeof(said));
		fail(d, "damaged trace.dat: %.*s%s", (int)f.len, (const char *)body, said);
		goto failed;
	}
	if (f.cpu != F_OPENED) {
		fail(d, "damaged trace.dat: libtracecmd's reader sent frame %#x first", f.cpu);
		goto failed;
	}
	return d;
failed:
	snprintf(err, errlen, "%s: %s", path, d->err);
fail:
	if (p[1] >= 0)
		close(p[1]);
	kr_dat_close(d);
	return NULL;
}

struct kr_dat *kr_dat_open(const char *path, char *err, size_t errlen)
{
	return kr_dat_open_opts(path, NULL, err, errlen);
}

/* A record from CPU cpu at file offset off: its CPU's records must move
 * forward through the file (kbuffer's endless loop gives one again). */
static int forward(struct kr_dat *d, uint32_t cpu, uint64_t off)
{
	if (cpu >= MAX_CPUS)
		return fail(d, "damaged trace.dat: a record from CPU %u", cpu);
	if (cpu >= d->nlast) {
		uint32_t n = cpu + 1 > 2 * d->nlast ? cpu + 1 : 2 * d->nlast;
		uint64_t *nl = realloc(d->last, n * sizeof(*nl));

		if (!nl)
			return fail(d, "out of memory");
		memset(nl + d->nlast, 0, (n - d->nlast) * sizeof(*nl));
		d->last = nl;
		d->nlast = n;
	}
	if (d->last[cpu] && off + 1 <= d->last[cpu])
		return fail(d, "damaged trace.dat: libtracecmd gave CPU %u's record at offset %" PRIu64 " after "
			    "the one at %" PRIu64 " (a loop in its ring-buffer reader)", cpu, off,
			    d->last[cpu] - 1);
	d->last[cpu] = off + 1;
	return 0;
}

ssize_t kr_dat_next_line(struct kr_dat *d, char **line, char *err, size_t errlen)
{
	struct frame f;
	unsigned char *body;
	int k;

	*line = NULL;
	if (d->err[0])
		goto out;
	if (d->ended)
		return -1;
	k = next_frame(d, &f, &body);
	if (k <= 0)
		goto out;
	if (f.cpu == F_END) {
		int st = reap(d, false);

		d->ended = true;
		if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fail(d, "damaged trace.dat: libtracecmd's reader did not end cleanly");
			goto out;
		}
		return -1;
	}
	if (f.cpu >= F_OPENED || !f.len || body[f.len - 1]) {
		fail(d, "damaged trace.dat: libtracecmd's reader sent a malformed frame");
		goto kill;
	}
	if (++d->records > d->info.max_records) {
		fail(d, "damaged trace.dat: libtracecmd gave more records than its %" PRIu64 " bytes of ring-"
		     "buffer data hold (a loop in its reader)", d->info.data_bytes);
		goto kill;
	}
	if (forward(d, f.cpu, f.offset))
		goto kill;
	*line = (char *)body;
	return (ssize_t)strlen(*line);
kill:
	reap(d, true);
out:
	snprintf(err, errlen, "%s", d->err);
	return -2;
}

const struct kr_dat_info *kr_dat_info(const struct kr_dat *d)
{
	return &d->info;
}

void kr_dat_close(struct kr_dat *d)
{
	if (!d)
		return;
	reap(d, true);
	if (d->fd >= 0)
		close(d->fd);
	if (d->rfd >= 0)
		close(d->rfd);
	if (d->errfd >= 0)
		close(d->errfd);
	free(d->last);
	free(d->buf);
	free(d);
}
#endif
