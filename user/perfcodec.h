/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmrace's own events in perf script text ("kvmrace:<type>: <payload>"),
 * written by the --perf-script export and read back by report, losslessly.
 */
#ifndef KR_PERFCODEC_H
#define KR_PERFCODEC_H

#include <stddef.h>
#include "kvmrace.h"

/* The payload of event ev: "vcpu=0 cause=0 reason=10 ... comm_set=1". */
void kr_perf_kvmrace_payload(const struct kr_event *ev, char *buf, size_t len);
/* The event a "kvmrace:<type>" line's payload describes (type, vcpu, cause,
 * reason, err, tif, src_tid, flags, PACA state; comm cleared if it was not
 * set): 1, 0 if event is not one of kvmrace's event types, -1 if the payload
 * does not parse. */
int kr_perf_kvmrace_event(const char *event, const char *payload, struct kr_event *ev);

#endif
