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

/* NULL if ev is a valid event, else why not (a static string). */
const char *kr_event_invalid(const struct kr_event *ev);

#endif
