// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "arch.h"
#include "decode.h"
#include "engine.h"

struct name { uint32_t v; const char *n; };

const char *kr_kvm_exit_name(uint32_t reason)
{
	static const char *const n[] = {
		"UNKNOWN", "EXCEPTION", "IO", "HYPERCALL", "DEBUG", "HLT", "MMIO", "IRQ_WINDOW_OPEN",
		"SHUTDOWN", "FAIL_ENTRY", "INTR", "SET_TPR", "TPR_ACCESS", "S390_SIEIC", "S390_RESET",
		"DCR", "NMI", "INTERNAL_ERROR", "OSI", "PAPR_HCALL", "S390_UCONTROL", "WATCHDOG",
		"S390_TSCH", "EPR", "SYSTEM_EVENT", "S390_STSI", "IOAPIC_EOI", "HYPERV", "ARM_NISV",
		"X86_RDMSR", "X86_WRMSR", "DIRTY_RING_FULL", "AP_RESET_HOLD", "X86_BUS_LOCK", "XEN",
		"RISCV_SBI", "RISCV_CSR", "NOTIFY", "LOONGARCH_IOCSR", "MEMORY_FAULT", "TDX",
	};
	return reason < sizeof(n) / sizeof(n[0]) ? n[reason] : NULL;
}

const char *kr_exit_name(const char *arch, int exit_kind, uint32_t reason, int32_t err, char *buf, size_t len)
{
	const char *n = NULL;

	switch (exit_kind) {
	case KR_EXIT_RUN_END:
		if (err < 0) {
			snprintf(buf, len, "KVM_RUN %s (errno %lld)", err == -4 ? "EINTR" : "error", -(long long)err);
			return buf;
		}
		n = kr_kvm_exit_name(reason);
		snprintf(buf, len, "KVM_EXIT_%s", n ? n : "?");
		if (!n)
			snprintf(buf, len, "KVM_EXIT_%u", reason);
		return buf;
	case KR_EXIT_SWITCH:
		snprintf(buf, len, "switched out (state 0x%x)", reason);
		return buf;
	case KR_EXIT_GUEST:
		if (reason == 0xffffffffu) {
			snprintf(buf, len, "guest exit");
			return buf;
		}
		if (!kr_arch_named(arch)->exit_name(reason, err, buf, len))
			snprintf(buf, len, "0x%x", reason);
		return buf;
	default:
		snprintf(buf, len, "still in guest at end of trace");
		return buf;
	}
}

const char *kr_tif_names(uint32_t tif, char *buf, size_t len)
{
	static const struct name t[] = {
		{ KR_TIF_SIGPENDING, "SIGPENDING" }, { KR_TIF_NOTIFY_SIGNAL, "NOTIFY_SIGNAL" },
		{ KR_TIF_NEED_RESCHED, "NEED_RESCHED" }, { KR_TIF_NEED_RESCHED_LAZY, "NEED_RESCHED_LAZY" },
	};
	size_t i, o = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!(tif & t[i].v))
			continue;
		o += snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "|" : "", t[i].n);
	}
	if (!o)
		snprintf(buf, len, "none");
	return buf;
}

const char *kr_signal_name(uint32_t signo)
{
	static const char *const n[] = {
		"0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
		"SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
		"SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
		"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
	};
	return signo < sizeof(n) / sizeof(n[0]) ? n[signo] : "SIGRT";
}
