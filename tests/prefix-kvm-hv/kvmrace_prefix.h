/* SPDX-License-Identifier: GPL-2.0 */
/* The pre-fix kvm-hv's window and ground truth (kvmrace_prefix.c). */
#ifndef KVMRACE_PREFIX_H
#define KVMRACE_PREFIX_H
#include <linux/kvm_host.h>

/* Where the fix's checks ran after masking, the reverted code runs them
 * before: this call first, then the checks, then prefix_window_us of
 * delay (interrupts on) before masking. */
void kvmrace_prefix_checks(void);
void kvmrace_prefix_window(void);
/* The moved checks stopped an entry. */
void kvmrace_prefix_caught(void);
/* Just before trace_kvm_guest_enter(vcpu), interrupts masked: log the
 * entry if a request is pending for it (sig, resched). */
void kvmrace_prefix_entry(struct kvm_vcpu *vcpu, bool sig, bool resched);
#endif
