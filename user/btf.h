/* SPDX-License-Identifier: GPL-2.0 */
/* Where CO-RE types come from (like libbpf-tools' ensure_core_btf): a --btf
 * file, the kernel's own BTF, or a minimal BTF kvmrace carries for a kernel
 * it knows, in that order. */
#ifndef KR_BTF_H
#define KR_BTF_H

#include <stddef.h>

/* The path to load BTF from ("/sys/kernel/btf/vmlinux" means the kernel's:
 * libbpf needs no custom path then); NULL with why if there is none. */
const char *kr_btf_source(const char *btf_path, char *why, size_t len);

#endif
