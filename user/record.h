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
#include "run.h"

#define KR_REC_MAGIC "KVMRACE1"
#define KR_REC_VERSION 1
#define KR_REC_MAX_HEADER 65536

#define KR_WRITER_BUF (1024 * KR_EVENT_SIZE)

/* Own buffer of whole records written with write(2): a run killed at any
 * point leaves a file that ends on a record boundary. */
struct kr_writer {
	int fd;
	uint64_t records;
	size_t len;
	unsigned char buf[KR_WRITER_BUF];
};

/* The header: the run's arch, kernel, clock, hooks, host. */
int kr_writer_open(struct kr_writer *w, const char *path, const struct kr_run_info *ri);
int kr_writer_event(struct kr_writer *w, const struct kr_event *ev);
/* The loss counters so far (cumulative: the last one counts). */
int kr_writer_lost(struct kr_writer *w, uint64_t ts, uint64_t lost, uint64_t untracked);
/* The end record: the run's duration and command status (ri).  Nothing may
 * follow it. */
int kr_writer_end(struct kr_writer *w, uint64_t ts, const struct kr_run_info *ri);
int kr_writer_flush(struct kr_writer *w);
int kr_writer_close(struct kr_writer *w);

#define KR_READER_BUF (16384 * KR_EVENT_SIZE)

struct kr_input;

struct kr_reader {
	struct kr_input *in;
	const char *path;
	unsigned char *buf;	/* records read ahead */
	size_t buf_len, buf_pos, buf_cap;
	/* The header's run info; complete, the duration and the command status
	 * once the end record is read. */
	struct kr_run_info info;
	uint64_t lost, untracked;	/* the last loss record's */
	uint64_t offset;	/* of the next record */
	uint64_t records;
	bool saw_end;
};

/* Returns 0, or -1 with a one-line message in err. */
int kr_reader_open(struct kr_reader *r, const char *path, char *err, size_t errlen);
/* The same on an input opened already (input.h); the reader owns it then,
 * also on failure. */
int kr_reader_open_input(struct kr_reader *r, struct kr_input *in, char *err, size_t errlen);
/* The next event: 1 with *ev pointing into the reader's buffer until the
 * next call, 0 at the end of the file, -1 on a truncated or invalid record
 * (message in err).  Loss and end records are read into the reader. */
int kr_reader_next(struct kr_reader *r, const struct kr_event **ev, char *err, size_t errlen);
void kr_reader_close(struct kr_reader *r);

#endif
