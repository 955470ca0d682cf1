// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "event.h"
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

int kr_writer_open(struct kr_writer *w, const char *path, const struct kr_rec_info *info)
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

int kr_writer_meta(struct kr_writer *w, const struct kr_meta *m)
{
	return writer_put(w, m);
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

int kr_reader_open(struct kr_reader *r, const char *path, char *err, size_t errlen)
{
	unsigned char hdr[16];
	uint32_t ver, hlen;
	char *text, *line, *save = NULL;
	size_t got;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->f = fopen(path, "rb");
	if (!r->f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	got = fread(hdr, 1, 16, r->f);
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
	if (fread(text, 1, hlen, r->f) != hlen) {
		free(text);
		snprintf(err, errlen, "%s: truncated header", path);
		goto fail;
	}
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
			r->info.event_size = (uint32_t)strtoul(eq, NULL, 10);
	}
	free(text);
	if (r->info.event_size != KR_EVENT_SIZE) {
		snprintf(err, errlen, "%s: unsupported event size %u", path, r->info.event_size);
		goto fail;
	}
	r->offset = 16 + hlen;
	return 0;
fail:
	fclose(r->f);
	r->f = NULL;
	return -1;
}

static int refill(struct kr_reader *r, char *err, size_t errlen)
{
	size_t keep = r->buf_len - r->buf_pos, got;

	if (!r->buf) {
		r->buf = malloc(KR_READER_BUF);
		if (!r->buf) {
			snprintf(err, errlen, "%s: out of memory", r->path);
			return -1;
		}
	}
	memmove(r->buf, r->buf + r->buf_pos, keep);
	r->buf_pos = 0;
	got = fread(r->buf + keep, 1, KR_READER_BUF - keep, r->f);
	r->buf_len = keep + got;
	if (!got && ferror(r->f)) {
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

int kr_reader_next_ptr(struct kr_reader *r, const void **rec, char *err, size_t errlen)
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
	if (ev->type == KR_REC_END)
		r->saw_end = true;
	r->buf_pos += KR_EVENT_SIZE;
	r->offset += KR_EVENT_SIZE;
	r->records++;
	*rec = ev;
	return 1;
}

int kr_reader_next(struct kr_reader *r, void *buf, char *err, size_t errlen)
{
	const void *p;
	int k = kr_reader_next_ptr(r, &p, err, errlen);

	if (k > 0)
		memcpy(buf, p, KR_EVENT_SIZE);
	return k;
}

void kr_reader_close(struct kr_reader *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
	free(r->buf);
	r->buf = NULL;
}
