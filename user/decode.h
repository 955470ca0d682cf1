/* SPDX-License-Identifier: GPL-2.0 */
/* Names of exits, flags and signals. */
#ifndef KR_DECODE_H
#define KR_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* kvm_run->exit_reason (KVM_EXIT_*), as kvm_userspace_exit reports it. */
const char *kr_kvm_exit_name(uint32_t reason);
/* The name of an exit for arch ("x86", "powerpc", "arm64") and exit kind
 * (enum kr_exit_kind; a guest exit's err is the vendor its event carries);
 * writes into buf and returns it.  Guest exits decode by the arch's table. */
const char *kr_exit_name(const char *arch, int exit_kind, uint32_t reason, int32_t err, char *buf, size_t len);
/* "SIGPENDING|NEED_RESCHED" from KR_TIF_* bits ("none" if 0). */
const char *kr_tif_names(uint32_t tif, char *buf, size_t len);
const char *kr_signal_name(uint32_t signo);

#endif
