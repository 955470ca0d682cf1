/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One kr_event as an input hands it over: the range checks every reader of
 * untrusted input (recordings, text traces) applies where it reads, and the
 * engine applies again on push.  Pure: no I/O.
 */
#ifndef KR_EVENT_H
#define KR_EVENT_H

#include "kvmrace.h"

/* An errno as KVM_RUN returns it (kvm_userspace_exit's errno field, POWER's
 * arch.ret): small, of either sign. */
#define KR_MAX_ERRNO 4095

/* NULL if ev is a valid event, else why not (a static string).  Inline: it
 * runs on every event, where it is read and in the engine. */
static inline const char *kr_event_invalid(const struct kr_event *ev)
{
	if (ev->type == KR_EV_NONE || ev->type >= KR_EV_MAX_EVENT)
		return "unknown event type";
	if (ev->cpu >= KR_MAX_CPUS)
		return "CPU number out of range";
	if (ev->type == KR_EV_REQUEST && ev->cause >= KR_NR_CAUSES)
		return "unknown request cause";
	if (ev->type == KR_EV_IPI_SEND && ev->reason >= KR_MAX_CPUS)
		return "IPI target CPU out of range";
	if (ev->type == KR_EV_HOST_IRQ && (ev->reason == 0 || ev->reason >= KR_NR_IRQ_KINDS))
		return "unknown host interrupt kind";
	if (ev->type == KR_EV_USER_EXIT && (ev->err < -KR_MAX_ERRNO || ev->err > KR_MAX_ERRNO))
		return "KVM_RUN errno out of range";
	return 0;
}

#endif
