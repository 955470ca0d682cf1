/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KR_UTIL_H
#define KR_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* "500us", "2ms", "1s", "1500" (ns), "1.5ms": 0 or -1. */
int kr_parse_time_ns(const char *s, uint64_t *ns);
int kr_parse_seconds(const char *s, double *sec);
int kr_parse_long(const char *s, long *v);
uint64_t kr_now_ns(void);
/* "x86", "powerpc", "arm64": the kernel's name for this build's arch. */
const char *kr_arch_name(void);
/* What a capture with these hooks ("event:method,...") on arch is known to
 * miss, as a one-line warning; NULL if nothing.  Live and report alike. */
const char *kr_hooks_caveat(const char *arch, const char *hooks);
/* A host interrupt's entry event (irq_handler_entry, reschedule_entry,
 * doorbell_entry, ...): its enum kr_irq_kind, 0 if the event is none. */
int kr_irq_event_kind(const char *event);
/* An IPI send event: ipi_send_cpu, ipi_send_cpumask, ipi_raise. */
bool kr_ipi_send_event(const char *event);
/* The hooks ("event:method,...") include a host interrupt event. */
bool kr_hooks_irqs(const char *hooks);
/* The hooks include an IPI send event. */
bool kr_hooks_ipis(const char *hooks);

#endif
