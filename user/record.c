// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "event.h"
#include "input.h"
#include "record.h"

_Static_assert(sizeof(struct kr_event) == KR_EVENT_SIZE, "kr_event must be 64 bytes");
_Static_assert(sizeof(struct kr_meta) == KR_EVENT_SIZE, "kr_meta must be 64 bytes");
_Static_assert(__builtin_offsetof(struct kr_event, type) == __builtin_offsetof(struct kr_meta, type),
	       "type at the same offset");

static void put_u32le(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get_u32le(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int kr_writer_open(struct kr_writer *w, const char *path, const struct kr_run_info *info)
{
	char text[2048];
	unsigned char hdr[16];
	int n;

	w->fd = -1;
	w->len = 0;
	w->records = 0;
	n = snprintf(text, sizeof(text),
		     "format=kvmrace-recording\narch=%s\nkernel=%s\nclock=%s\nhooks=%s\nhost=%s\nevent_size=%u\n",
		     info->arch, info->kernel, info->clock, info->hooks, info->host, (unsigned)KR_EVENT_SIZE);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		errno = EOVERFLOW;
		return -1;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return -1;
	memcpy(hdr, KR_REC_MAGIC, 8);
	put_u32le(hdr + 8, KR_REC_VERSION);
	put_u32le(hdr + 12, (uint32_t)n);
	if (write_all(w->fd, hdr, 16) || write_all(w->fd, text, (size_t)n)) {
		int e = errno;

		close(w->fd);
		w->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

int kr_writer_flush(struct kr_writer *w)
{
	if (w->len && write_all(w->fd, w->buf, w->len))
		return -1;
	w->len = 0;
	return 0;
}

static int writer_put(struct kr_writer *w, const void *rec)
{
	if (w->len + KR_EVENT_SIZE > sizeof(w->buf) && kr_writer_flush(w))
		return -1;
	memcpy(w->buf + w->len, rec, KR_EVENT_SIZE);
	w->len += KR_EVENT_SIZE;
	w->records++;
	return 0;
}

int kr_writer_event(struct kr_writer *w, const struct kr_event *ev)
{
	return writer_put(w, ev);
}

int kr_writer_lost(struct kr_writer *w, uint64_t ts, uint64_t lost, uint64_t untracked)
{
	struct kr_meta m;

	memset(&m, 0, sizeof(m));
	m.ts = ts;
	m.type = KR_REC_LOST;
	m.v[0] = lost;
	m.v[1] = untracked;
	return writer_put(w, &m);
}

int kr_writer_end(struct kr_writer *w, uint64_t ts, const struct kr_run_info *ri)
{
	struct kr_meta m;

	memset(&m, 0, sizeof(m));
	m.ts = ts;
	m.type = KR_REC_END;
	m.v[0] = ri->duration_ns;
	m.v[1] = ri->has_command ? (uint64_t)ri->command_status + 1 : 0;	/* 0: no command */
	return writer_put(w, &m);
}

int kr_writer_close(struct kr_writer *w)
{
	int r = 0;

	if (w->fd < 0)
		return 0;
	if (kr_writer_flush(w) || (fsync(w->fd) && errno != EINVAL && errno != EROFS))
		r = -1;
	if (close(w->fd))
		r = -1;
	w->fd = -1;
	return r;
}

static void set_field(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v);
}

/* The header text's "key=value" lines; its event size. */
static uint32_t parse_header(struct kr_reader *r, char *text)
{
	char *line, *save = NULL;
	uint32_t event_size = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq++ = 0;
		if (!strcmp(line, "arch"))
			set_field(r->info.arch, sizeof(r->info.arch), eq);
		else if (!strcmp(line, "kernel"))
			set_field(r->info.kernel, sizeof(r->info.kernel), eq);
		else if (!strcmp(line, "clock"))
			set_field(r->info.clock, sizeof(r->info.clock), eq);
		else if (!strcmp(line, "hooks"))
			set_field(r->info.hooks, sizeof(r->info.hooks), eq);
		else if (!strcmp(line, "host"))
			set_field(r->info.host, sizeof(r->info.host), eq);
		else if (!strcmp(line, "event_size"))
			event_size = (uint32_t)strtoul(eq, NULL, 10);
	}
	return event_size;
}

int kr_reader_open_input(struct kr_reader *r, struct kr_input *in, char *err, size_t errlen)
{
	unsigned char hdr[16];
	uint32_t ver, hlen, esize;
	const char *path = in->path;
	char *text;
	size_t got;

	memset(r, 0, sizeof(*r));
	r->in = in;
	r->path = path;
	got = kr_input_read(in, hdr, 16);
	if (got < 8 || memcmp(hdr, KR_REC_MAGIC, 8)) {
		snprintf(err, errlen, "%s: not a kvmrace recording (bad magic)", path);
		goto fail;
	}
	if (got < 16) {
		snprintf(err, errlen, "%s: truncated header", path);
		goto fail;
	}
	ver = get_u32le(hdr + 8);
	hlen = get_u32le(hdr + 12);
	if (ver != KR_REC_VERSION) {
		snprintf(err, errlen, "%s: unsupported recording format version %u (this tool reads %u)", path,
			 ver, KR_REC_VERSION);
		goto fail;
	}
	if (hlen == 0 || hlen > KR_REC_MAX_HEADER) {
		snprintf(err, errlen, "%s: invalid header length %u", path, hlen);
		goto fail;
	}
	text = calloc(1, hlen + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (kr_input_read(in, text, hlen) != hlen) {
		free(text);
		snprintf(err, errlen, "%s: truncated header", path);
		goto fail;
	}
	esize = parse_header(r, text);
	free(text);
	if (esize != KR_EVENT_SIZE) {
		snprintf(err, errlen, "%s: unsupported event size %u", path, esize);
		goto fail;
	}
	r->offset = 16 + hlen;
	return 0;
fail:
	kr_input_close(r->in);
	r->in = NULL;
	return -1;
}

int kr_reader_open(struct kr_reader *r, const char *path, char *err, size_t errlen)
{
	struct kr_input *in = kr_input_open(path, err, errlen);

	if (!in) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	return kr_reader_open_input(r, in, err, errlen);
}

#define READER_BUF_MIN (1024 * KR_EVENT_SIZE)	/* 64 KB */

static int refill(struct kr_reader *r, char *err, size_t errlen)
{
	size_t keep = r->buf_len - r->buf_pos, got;

	/* The buffer starts at READER_BUF_MIN and doubles, up to
	 * KR_READER_BUF, each time a read filled it: small files cost no
	 * large allocation, large ones are read in KR_READER_BUF reads. */
	if (r->buf_len == r->buf_cap && r->buf_cap < KR_READER_BUF) {
		size_t cap = r->buf_cap ? r->buf_cap * 2 : READER_BUF_MIN;
		unsigned char *nb = realloc(r->buf, cap);

		if (!nb) {
			snprintf(err, errlen, "%s: out of memory", r->path);
			return -1;
		}
		r->buf = nb;
		r->buf_cap = cap;
	}
	memmove(r->buf, r->buf + r->buf_pos, keep);
	r->buf_pos = 0;
	got = kr_input_read(r->in, r->buf + keep, r->buf_cap - keep);
	r->buf_len = keep + got;
	if (!got && kr_input_error(r->in)) {
		snprintf(err, errlen, "%s: read error: %s", r->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* What a record holds is checked here, where it is read: numbers in range
 * (kr_event_invalid), the comm a C string (BPF's always ends in NUL, so this
 * loses nothing).  NULL if valid, else why not. */
static const char *record_invalid(unsigned char *rec)
{
	struct kr_event *ev = (struct kr_event *)rec;
	const struct kr_meta *m = (const struct kr_meta *)rec;

	if (ev->type == KR_REC_LOST)
		return NULL;
	if (ev->type == KR_REC_END)	/* command status + 1: an exit code, or 128 + a signal */
		return m->v[1] > 256 ? "command status out of range in the end record" : NULL;
	ev->comm[KR_COMM_LEN - 1] = 0;
	return kr_event_invalid(ev);
}

/* The next record, checked: 1 with *rec, 0 at the end, -1 (err). */
static int next_record(struct kr_reader *r, unsigned char **rec, char *err, size_t errlen)
{
	const struct kr_event *ev;
	const char *why;

	if (r->buf_len - r->buf_pos < KR_EVENT_SIZE && refill(r, err, errlen))
		return -1;
	if (r->buf_len == r->buf_pos)
		return 0;
	if (r->buf_len - r->buf_pos < KR_EVENT_SIZE) {
		snprintf(err, errlen, "%s: truncated record at offset %llu (%zu of %d bytes)", r->path,
			 (unsigned long long)r->offset, r->buf_len - r->buf_pos, KR_EVENT_SIZE);
		return -1;
	}
	ev = (const struct kr_event *)(r->buf + r->buf_pos);
	if (!((ev->type > KR_EV_NONE && ev->type < KR_EV_MAX_EVENT) || ev->type == KR_REC_LOST ||
	      ev->type == KR_REC_END)) {
		snprintf(err, errlen, "%s: invalid record type %u at offset %llu", r->path, ev->type,
			 (unsigned long long)r->offset);
		return -1;
	}
	if ((why = record_invalid(r->buf + r->buf_pos))) {
		snprintf(err, errlen, "%s: invalid record at offset %llu: %s", r->path, (unsigned long long)r->offset,
			 why);
		return -1;
	}
	if (r->saw_end) {
		snprintf(err, errlen, "%s: record after the end marker at offset %llu", r->path,
			 (unsigned long long)r->offset);
		return -1;
	}
	*rec = r->buf + r->buf_pos;
	r->buf_pos += KR_EVENT_SIZE;
	r->offset += KR_EVENT_SIZE;
	r->records++;
	return 1;
}

int kr_reader_next(struct kr_reader *r, const struct kr_event **ev, char *err, size_t errlen)
{
	unsigned char *rec;
	int k;

	while ((k = next_record(r, &rec, err, errlen)) > 0) {
		const struct kr_meta *m = (const struct kr_meta *)rec;

		if (m->type == KR_REC_LOST) {
			r->lost = m->v[0];
			r->untracked = m->v[1];
		} else if (m->type == KR_REC_END) {
			r->saw_end = r->info.complete = true;
			r->info.duration_ns = m->v[0];
			r->info.has_command = m->v[1] != 0;
			r->info.command_status = (int)m->v[1] - 1;
		} else {
			*ev = (const struct kr_event *)rec;
			return 1;
		}
	}
	return k;
}

void kr_reader_close(struct kr_reader *r)
{
	kr_input_close(r->in);
	r->in = NULL;
	free(r->buf);
	r->buf = NULL;
	r->buf_len = r->buf_pos = r->buf_cap = 0;
}
