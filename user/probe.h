/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this host can attach: small checks per attach method and per hook
 * (like libbpf-tools' probe_tp_btf and fentry_can_attach), shared by `check`
 * and the BPF backend.  Probing predicts without attaching each hook (an
 * attach/detach costs an RCU grace period); the backend falls back per hook
 * if a real attach fails.
 */
#ifndef KR_PROBE_H
#define KR_PROBE_H

#include "arch.h"
#include "hooks.h"

/* Probe every hook of arch a and choose a method for each (cheapest first;
 * a forced method: only it, a forced function method leaves the tracepoint
 * hooks on auto). */
void kr_probe_hooks(struct kr_hook_probe hooks[KR_NR_HOOKS], const struct kr_arch *a, int method);

/* How the BPF backend knows a live request's interrupt context
 * (request_in_irq) on arch a, as one line into buf; false if it cannot
 * (x86: no per-CPU preempt count in /proc/kallsyms). */
bool kr_probe_irq_context(const struct kr_arch *a, char *buf, size_t len);

#endif
