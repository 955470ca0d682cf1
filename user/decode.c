// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "decode.h"
#include "engine.h"

struct name { uint32_t v; const char *n; };

static const char *lookup(const struct name *t, size_t n, uint32_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].n;
	return NULL;
}

#define LOOKUP(t, v) lookup(t, sizeof(t) / sizeof(t[0]), v)

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

const char *kr_ppc_trap_name(uint32_t trap)
{
	static const struct name t[] = {
		{ 0x0, "NONE" }, { 0x100, "SYSTEM_RESET" }, { 0x200, "MACHINE_CHECK" },
		{ 0x300, "DATA_STORAGE" }, { 0x380, "DATA_SEGMENT" }, { 0x400, "INST_STORAGE" },
		{ 0x480, "INST_SEGMENT" }, { 0x500, "EXTERNAL" }, { 0x502, "EXTERNAL_HV" },
		{ 0x600, "ALIGNMENT" }, { 0x700, "PROGRAM" }, { 0x800, "FP_UNAVAIL" },
		{ 0x900, "DECREMENTER" }, { 0x980, "HV_DECREMENTER" }, { 0xa00, "DOORBELL" },
		{ 0xc00, "SYSCALL" }, { 0xd00, "TRACE" }, { 0xe00, "H_DATA_STORAGE" },
		{ 0xe20, "H_INST_STORAGE" }, { 0xe40, "H_EMUL_ASSIST" }, { 0xe60, "HMI" },
		{ 0xe80, "H_DOORBELL" }, { 0xea0, "H_VIRT" }, { 0xf00, "PERFMON" }, { 0xf20, "ALTIVEC" },
		{ 0xf40, "VSX" }, { 0xf60, "FAC_UNAVAIL" }, { 0xf80, "H_FAC_UNAVAIL" },
		{ 0x1500, "HV_SOFTPATCH" }, { 0x5555, "HV_RM_HARD" }, { 0x1980, "NESTED_HV_DECREMENTER" },
	};
	return LOOKUP(t, trap);
}

const char *kr_x86_exit_name(uint32_t reason, int isa)
{
	static const struct name vmx[] = {
		{ 0, "EXCEPTION_NMI" }, { 1, "EXTERNAL_INTERRUPT" }, { 2, "TRIPLE_FAULT" },
		{ 7, "INTERRUPT_WINDOW" }, { 10, "CPUID" }, { 12, "HLT" }, { 18, "VMCALL" },
		{ 28, "CR_ACCESS" }, { 30, "IO_INSTRUCTION" }, { 31, "MSR_READ" }, { 32, "MSR_WRITE" },
		{ 40, "PAUSE_INSTRUCTION" }, { 48, "EPT_VIOLATION" }, { 49, "EPT_MISCONFIG" },
		{ 52, "PREEMPTION_TIMER" },
	};
	static const struct name svm[] = {
		{ 0x40, "EXCP_DE" }, { 0x52, "EXCP_MC" }, { 0x60, "INTR" }, { 0x61, "NMI" }, { 0x62, "SMI" },
		{ 0x63, "INIT" }, { 0x64, "VINTR" }, { 0x72, "CPUID" }, { 0x77, "PAUSE" }, { 0x78, "HLT" },
		{ 0x7b, "IOIO" }, { 0x7c, "MSR" }, { 0x7f, "SHUTDOWN" }, { 0x81, "VMMCALL" }, { 0x400, "NPF" },
	};
	if (isa == 2)
		return LOOKUP(svm, reason);
	if (isa == 1)
		return LOOKUP(vmx, reason);
	return NULL;
}

const char *kr_arm64_exit_name(uint32_t reason, char *buf, size_t len)
{
	static const char *const type[] = { "IRQ", "SERROR", "TRAP", "ILLEGAL" };
	static const struct name ec[] = {
		{ 0x00, "UNKNOWN" }, { 0x01, "WFx" }, { 0x03, "CP15_32" }, { 0x04, "CP15_64" },
		{ 0x05, "CP14_MR" }, { 0x06, "CP14_LS" }, { 0x07, "FP_ASIMD" }, { 0x08, "CP10_ID" },
		{ 0x09, "PAC" }, { 0x0c, "CP14_64" }, { 0x0d, "BTI" }, { 0x0e, "ILL" }, { 0x11, "SVC32" },
		{ 0x12, "HVC32" }, { 0x13, "SMC32" }, { 0x15, "SVC64" }, { 0x16, "HVC64" }, { 0x17, "SMC64" },
		{ 0x18, "SYS64" }, { 0x19, "SVE" }, { 0x1a, "ERET" }, { 0x1c, "FPAC" }, { 0x1d, "SME" },
		{ 0x1f, "IMP_DEF" }, { 0x20, "IABT_LOW" }, { 0x21, "IABT_CUR" }, { 0x22, "PC_ALIGN" },
		{ 0x24, "DABT_LOW" }, { 0x25, "DABT_CUR" }, { 0x26, "SP_ALIGN" }, { 0x28, "FP_EXC32" },
		{ 0x2c, "FP_EXC64" }, { 0x2f, "SERROR" }, { 0x30, "BREAKPT_LOW" }, { 0x31, "BREAKPT_CUR" },
		{ 0x32, "SOFTSTP_LOW" }, { 0x33, "SOFTSTP_CUR" }, { 0x34, "WATCHPT_LOW" },
		{ 0x35, "WATCHPT_CUR" }, { 0x38, "BKPT32" }, { 0x3a, "VECTOR32" }, { 0x3c, "BRK64" },
	};
	uint32_t t = reason >> 8, c = reason & 0x3f;
	const char *tn = t < 4 ? type[t] : NULL, *cn = LOOKUP(ec, c);

	if (!tn)
		snprintf(buf, len, "ARM_EXCEPTION_%u", t);
	else if (t == 2)	/* a trap: the ESR class says which */
		snprintf(buf, len, "TRAP %s (EC 0x%02x)", cn ? cn : "?", c);
	else
		snprintf(buf, len, "%s", tn);	/* the class is stale on IRQ/SERROR exits */
	return buf;
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
		if (!strcmp(arch, "arm64"))
			return kr_arm64_exit_name(reason, buf, len);
		if (!strcmp(arch, "powerpc"))
			n = kr_ppc_trap_name(reason);
		else if (!strcmp(arch, "x86"))
			n = kr_x86_exit_name(reason, err);
		if (n)
			snprintf(buf, len, "%s%s (0x%x)", !strcmp(arch, "x86") ? (err == 2 ? "SVM_EXIT_" : "VMX_EXIT_") : "",
				 n, reason);
		else
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
