// SPDX-License-Identifier: GPL-2.0
#include "event.h"

const char *kr_event_invalid(const struct kr_event *ev)
{
	if (ev->type == KR_EV_NONE || ev->type >= KR_EV_MAX_EVENT)
		return "unknown event type";
	if (ev->cpu >= KR_MAX_CPUS)
		return "CPU number out of range";
	switch (ev->type) {
	case KR_EV_REQUEST:
		if (ev->cause >= KR_NR_CAUSES)
			return "unknown request cause";
		break;
	case KR_EV_IPI_SEND:
		if (ev->reason >= KR_MAX_CPUS)
			return "IPI target CPU out of range";
		break;
	case KR_EV_HOST_IRQ:
		if (ev->reason == 0 || ev->reason >= KR_NR_IRQ_KINDS)
			return "unknown host interrupt kind";
		break;
	case KR_EV_USER_EXIT:
		if (ev->err < -KR_MAX_ERRNO || ev->err > KR_MAX_ERRNO)
			return "KVM_RUN errno out of range";
		break;
	default:
		break;
	}
	return 0;
}
