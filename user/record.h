/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmrace recording format (docs/recording-format.md):
 *   "KVMRACE1" magic, u32 LE format version, u32 LE header text length,
 *   header text ("key=value\n" lines), then 64-byte records (struct kr_event
 *   or struct kr_meta), append-only, flushed at record boundaries.
 */
#ifndef KR_RECORD_H
#define KR_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "kvmrace.h"

#define KR_REC_MAGIC "KVMRACE1"
#define KR_REC_VERSION 1
#define KR_REC_MAX_HEADER 65536

struct kr_rec_info {
	char arch[32];
	char kernel[128];
	char clock[32];
	char hooks[512];	/* "event:method,event:method" */
	char host[128];
	uint32_t event_size;
};

#define KR_WRITER_BUF (1024 * KR_EVENT_SIZE)

/* Own buffer of whole records written with write(2): a run killed at any
 * point leaves a file that ends on a record boundary. */
struct kr_writer {
	int fd;
	uint64_t records;
	size_t len;
	unsigned char buf[KR_WRITER_BUF];
};

int kr_writer_open(struct kr_writer *w, const char *path, const struct kr_rec_info *info);
int kr_writer_event(struct kr_writer *w, const struct kr_event *ev);
int kr_writer_meta(struct kr_writer *w, const struct kr_meta *m);
int kr_writer_flush(struct kr_writer *w);
int kr_writer_close(struct kr_writer *w);

#define KR_READER_BUF (16384 * KR_EVENT_SIZE)

struct kr_reader {
	FILE *f;
	const char *path;
	unsigned char *buf;	/* records read ahead */
	size_t buf_len, buf_pos;
	struct kr_rec_info info;
	uint64_t offset;	/* of the next record */
	uint64_t records;
	bool saw_end;
};

/* Returns 0, or -1 with a one-line message in err. */
int kr_reader_open(struct kr_reader *r, const char *path, char *err, size_t errlen);
/* Returns 1 with a record in buf (64 bytes), 0 at a clean end of file, -1 on
 * a truncated or invalid record (message in err). */
int kr_reader_next(struct kr_reader *r, void *buf, char *err, size_t errlen);
/* The same, without a copy: *rec points into the reader's buffer until the
 * next call. */
int kr_reader_next_ptr(struct kr_reader *r, const void **rec, char *err, size_t errlen);
void kr_reader_close(struct kr_reader *r);

#endif
