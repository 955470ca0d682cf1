// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace-trace check: what this host supports.  Probing first (like
 * bpftool's feature probe), then one section printed at a time from what was
 * probed; exit 1 if tracing cannot work here.
 */
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "arch.h"
#include "btf.h"
#include "capture_ftrace.h"
#include "commands.h"
#include "opts.h"
#include "probe.h"
#include "summary.h"

struct check {
	const struct kr_arch *arch;
	struct utsname u;
	bool kernel_btf, kvm, root;
	const char *btf_src;	/* NULL: none (btf_why) */
	char btf_why[512];
	bool ftrace_ok;
	char ftrace_why[256];
	char irq_context[256];	/* how request_in_irq is known live */
	struct kr_hook_probe hooks[KR_NR_HOOKS];
	bool probed;
	char cpu[64];		/* /proc/cpuinfo's CPU name */
};

bool kr_have_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	uint64_t eff;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return geteuid() == 0;
	eff = d[0].effective | (uint64_t)d[1].effective << 32;
	if (eff & (1ull << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ull << 39 /* CAP_BPF */)) && (eff & (1ull << 38 /* CAP_PERFMON */));
}

static void cpu_name(char *buf, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	buf[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "cpu\t", 4) && sscanf(line, "cpu : %63s", buf) == 1)
			break;
	if (f)
		fclose(f);
	(void)len;
}

/* Everything check says, probed once. */
static void probe(struct check *c, const struct kr_opts *o)
{
	struct stat st;

	c->arch = kr_arch_host();
	uname(&c->u);
	c->kernel_btf = !stat("/sys/kernel/btf/vmlinux", &st);
	c->kvm = !stat("/dev/kvm", &st);
	c->root = kr_have_caps();
	c->btf_src = kr_btf_source(o->btf, c->btf_why, sizeof(c->btf_why));
	cpu_name(c->cpu, sizeof(c->cpu));
	if (!c->root)
		return;
	c->ftrace_ok = kr_ftcap_can_trace(c->ftrace_why, sizeof(c->ftrace_why));
	kr_probe_irq_context(c->arch, c->irq_context, sizeof(c->irq_context));
	if (c->btf_src) {
		kr_probe_hooks(c->hooks, c->arch, KR_M_AUTO);
		c->probed = true;
	}
}

static void print_system(const struct check *c)
{
	printf("kvmrace-trace %s check\n", KR_VERSION);
	printf("  arch        : %s (%s)\n", c->arch->name, c->u.machine);
	printf("  kernel      : %s\n", c->u.release);
	printf("  kernel BTF  : %s\n", c->kernel_btf ? "/sys/kernel/btf/vmlinux" :
	       "absent (tp_btf and task iterators unavailable)");
	if (c->btf_src && !strncmp(c->btf_src, "/proc/self/fd/", 14))
		printf("  CO-RE types : embedded minimal BTF for %s\n", c->u.release);
	else
		printf("  CO-RE types : %s\n", c->btf_src ? c->btf_src : c->btf_why);
	printf("  /dev/kvm    : %s\n", c->kvm ? "present" : "absent");
	printf("  privileges  : %s\n", c->root ? "ok (CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN)" :
	       "missing: run as root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)");
}

/* The hooks: every attach method's availability and the one chosen, then
 * why each unavailable one is. */
static void print_hooks(const struct check *c)
{
	int h, m;

	printf("  hooks       : %-27s %-7s %-7s %-10s %-7s %-7s %s\n", "EVENT", "tp_btf", "raw_tp", "tracepoint",
	       "fentry", "kprobe", "CHOSEN");
	for (h = 0; h < KR_NR_HOOKS; h++) {
		if (!c->hooks[h].on_arch)
			continue;
		printf("                %-27s", c->hooks[h].event);
		for (m = 0; m < KR_NR_METHODS; m++)
			printf(" %-*s", m == KR_M_TRACEPOINT ? 10 : 7,
			       !c->hooks[h].applies[m] ? "-" : c->hooks[h].available[m] ? "yes" : "no");
		printf(" %s\n", kr_method_name(c->hooks[h].chosen));
	}
	for (h = 0; h < KR_NR_HOOKS; h++)
		for (m = 0; m < KR_NR_METHODS; m++)
			if (c->hooks[h].on_arch && c->hooks[h].applies[m] && !c->hooks[h].available[m])
				printf("                  %s via %s: %s\n", c->hooks[h].event, kr_method_name(m),
				       c->hooks[h].why[m]);
}

/* How guest runs are seen here. */
static void print_entry_path(const struct check *c)
{
	const struct kr_hook_probe *h = c->hooks;
	const char *run = h[KR_H_KVM_RUN_FN].chosen >= 0 ? "kvm_arch_vcpu_ioctl_run" :
			  h[KR_H_KVM_FPU].chosen >= 0 ? "kvm_fpu" : NULL;
	const char *p = c->arch->host_entry_path(c->cpu, c->u.release);

	if (*p)	/* POWER: the KVM-HV path the host takes */
		printf("  entry path  : %s; kvm_hv:kvm_guest_enter/exit per guest run, kvmppc_run_vcpu_enter/exit per "
		       "KVM_RUN\n", p);
	else if (h[KR_H_KVM_ENTRY].chosen >= 0)
		printf("  entry path  : kvm:kvm_entry/kvm_exit where they fire (%s)%s%s%s\n",
		       strcmp(c->arch->name, "arm64") ? "VMX/SVM" : "arm64: the vCPU by task",
		       run ? ", else KVM_RUN bracketing (" : "", run ? run : "", run ? ", kvm_userspace_exit)" : "");
	else
		printf("  entry path  : %s%s%s\n", run ? "KVM_RUN bracketing (" : "none", run ? run : "",
		       run ? ", kvm_userspace_exit)" : "");
}

/* The verdict line; the exit status. */
static int print_verdict(const struct check *c)
{
	const char *miss;

	if (!c->root) {
		printf("  verdict     : cannot trace: insufficient privileges\n");
		return 1;
	}
	if (!c->btf_src) {
		if (c->ftrace_ok) {
			printf("  verdict     : BPF cannot trace (no BTF for CO-RE: %s); the ftrace backend can "
			       "(--backend ftrace; auto falls back to it unless --btf is given)\n", c->btf_why);
			return 0;
		}
		printf("  verdict     : cannot trace: no BTF for CO-RE, and no ftrace backend\n");
		return 1;
	}
	miss = c->arch->missing(c->hooks);
	if (*miss && c->ftrace_ok) {
		printf("  verdict     : BPF cannot trace (%s); the ftrace backend can (--backend auto falls back "
		       "to it)\n", miss);
		return 0;
	}
	if (*miss) {
		printf("  verdict     : cannot trace: %s\n", miss);
		return 1;
	}
	printf("  verdict     : tracing can work%s\n", c->kvm ? "" : " (no /dev/kvm: no local guests to see)");
	return 0;
}

int kr_cmd_check(int argc, char **argv)
{
	static struct check c;
	struct kr_opts o;

	kr_parse_opts(argc, argv, KR_CMD_CHECK, &o);
	memset(&c, 0, sizeof(c));
	probe(&c, &o);
	print_system(&c);
	if (c.root)
		printf("  ftrace      : %s\n", c.ftrace_why);
	if (c.probed) {
		printf("  irq context : %s\n", c.irq_context);
		print_hooks(&c);
		print_entry_path(&c);
	}
	return print_verdict(&c);
}
