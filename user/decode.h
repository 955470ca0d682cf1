/* SPDX-License-Identifier: GPL-2.0 */
/* Names of exit reasons, traps and flags, per arch. */
#ifndef KR_DECODE_H
#define KR_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* kvm_run->exit_reason (KVM_EXIT_*), as kvm_userspace_exit reports it. */
const char *kr_kvm_exit_name(uint32_t reason);
/* POWER BOOK3S_INTERRUPT_* trap, including those the kernel's table lacks. */
const char *kr_ppc_trap_name(uint32_t trap);
/* An x86 exit reason: isa 1 VMX basic exit reason, 2 SVM exit code (as
 * kvm:kvm_exit's isa field); NULL if unknown. */
const char *kr_x86_exit_name(uint32_t reason, int isa);
/* An arm64 guest exit, reason = exception type (kvm_exit's ret) << 8 | ESR
 * exception class: "IRQ", "TRAP HVC64 (EC 0x16)"; writes into buf. */
const char *kr_arm64_exit_name(uint32_t reason, char *buf, size_t len);
/* The name of an exit for arch ("x86", "powerpc", "arm64") and exit kind
 * (enum kr_exit_kind); writes into buf and returns it. */
const char *kr_exit_name(const char *arch, int exit_kind, uint32_t reason, int32_t err, char *buf, size_t len);
/* "SIGPENDING|NEED_RESCHED" from KR_TIF_* bits ("none" if 0). */
const char *kr_tif_names(uint32_t tif, char *buf, size_t len);
const char *kr_signal_name(uint32_t signo);

#endif
