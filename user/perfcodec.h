/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perf script text as kvmrace writes it (the --perf-script export) and reads
 * it back (report): the record's head and tail as `perf script -g` prints a
 * sample, the escapes of the command column and of quoted values, kvmrace's
 * own events ("kvmrace:<type>: <payload>", lossless) and the "# kvmrace:"
 * header's values.
 */
#ifndef KR_PERFCODEC_H
#define KR_PERFCODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "kvmrace.h"

/* "COMM PID/TID [CPU] SECS.NSECS: kvmrace:NAME: " (the comm escaped, at
 * most n bytes of it), and the record's frame and blank line after its
 * payload. */
void kr_perf_head(FILE *f, const char *comm, size_t n, uint32_t pid, uint32_t tid, unsigned cpu, uint64_t ts,
		  const char *name);
void kr_perf_tail(FILE *f, const char *name);
/* A quoted value: "\\", "\"" and \xHH for what would break the line. */
void kr_perf_qstr(FILE *f, const char *s, size_t n);
/* The payload of event ev: "vcpu=0 cause=0 reason=10 ... comm_set=1
 * comm="..."". */
void kr_perf_kvmrace_payload(FILE *f, const struct kr_event *ev);
/* The event a "kvmrace:<type>" line's payload describes (type, vcpu, cause,
 * reason, err, tif, src_tid, flags, PACA state; its comm when the payload
 * carries one, else cleared): 1, 0 if event is not one of kvmrace's event
 * types, -1 if the payload does not parse. */
int kr_perf_kvmrace_event(const char *event, const char *payload, struct kr_event *ev);
/* A "# kvmrace:" header value: spaces, control characters and backslashes
 * as \xHH, so that it stays one word on one line. */
void kr_perf_meta_value(FILE *f, const char *v);
/* KEY's value in the "# kvmrace: KEY=VALUE ..." header line, decoded, in
 * dst (len >= 1, terminated, cut to fit): false if the line has no KEY. */
bool kr_perf_meta_str(const char *line, const char *key, char *dst, size_t len);

#endif
