// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "engine.h"
#include "perfcodec.h"

void kr_perf_kvmrace_payload(const struct kr_event *ev, char *buf, size_t len)
{
	snprintf(buf, len, "vcpu=%d cause=%u reason=%u err=%d tif=0x%x tif_raw=0x%x src=%u flags=0x%x "
		 "soft_mask=%u irq_happened=%u comm_set=%d", ev->vcpu, ev->cause, ev->reason, ev->err, ev->tif,
		 ev->tif_raw, ev->src_tid, ev->flags, ev->soft_mask, ev->irq_happened, ev->comm[0] != 0);
}

int kr_perf_kvmrace_event(const char *event, const char *payload, struct kr_event *ev)
{
	unsigned cause, reason, tif, tif_raw, src, flags, sm, ih;
	int vcpu, err, comm_set, type;

	if (strncmp(event, "kvmrace:", 8))
		return 0;
	for (type = 1; type < KR_EV_MAX_EVENT; type++)
		if (!strcmp(event + 8, kr_type_name(type)))
			break;
	if (type == KR_EV_MAX_EVENT)
		return 0;
	if (sscanf(payload, "vcpu=%d cause=%u reason=%u err=%d tif=%x tif_raw=%x src=%u flags=%x soft_mask=%u "
		   "irq_happened=%u comm_set=%d", &vcpu, &cause, &reason, &err, &tif, &tif_raw, &src, &flags, &sm, &ih,
		   &comm_set) != 11 || cause > 0xff || flags > 0xffff || sm > 0xff || ih > 0xff)
		return -1;	/* (the event's own numbers are checked with the line's events) */
	ev->type = (uint8_t)type;
	ev->vcpu = vcpu;
	ev->cause = (uint8_t)cause;
	ev->reason = reason;
	ev->err = err;
	ev->tif = tif;
	ev->tif_raw = tif_raw;
	ev->src_tid = src;
	ev->flags = (uint16_t)flags;
	ev->soft_mask = (uint8_t)sm;
	ev->irq_happened = (uint8_t)ih;
	if (!comm_set)
		ev->comm[0] = 0;
	return 1;
}
