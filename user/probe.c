// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "capture_ftrace.h"
#include "probe.h"

static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int silent_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l;
	(void)fmt;
	(void)ap;
	return 0;
}

static void why(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, 96, fmt, ap);
	va_end(ap);
}

/* Find a type by name and kind in vmlinux's BTF (vmlinux, parsed once per
 * probe round: it costs tens of ms) or a module's (*obj_fd is then that
 * module's BTF fd, to close). */
static int find_btf(const struct btf *vmlinux, const char *name, int kind, int *obj_fd, __u32 *type_id)
{
	struct btf *mod;
	__u32 id = 0;
	int r;

	*obj_fd = 0;
	if (!vmlinux)
		return -ENOENT;
	r = btf__find_by_name_kind(vmlinux, name, kind);
	if (r > 0) {
		*type_id = r;
		return 0;
	}
	while (!bpf_btf_get_next_id(id, &id)) {
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		mod = btf__load_from_kernel_by_id_split(id, (struct btf *)vmlinux);
		if (mod) {
			r = btf__find_by_name_kind(mod, name, kind);
			btf__free(mod);
			if (r > 0) {
				*obj_fd = fd;
				*type_id = r;
				return 0;
			}
		}
		close(fd);
	}
	return -ENOENT;
}

/* The typedef btf_trace_<event> that tp_btf attaches to. */
static int find_btf_trace(const struct btf *vmlinux, const char *event, int *obj_fd, __u32 *type_id)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", event);
	return find_btf(vmlinux, name, BTF_KIND_TYPEDEF, obj_fd, type_id);
}

/* Load a program that returns 0 (and attach it, for BTF-attached types);
 * closes obj_fd, the BTF object the options point into, if any. */
static bool probe_prog(enum bpf_prog_type type, struct bpf_prog_load_opts *o, int obj_fd, bool attach,
		       const char *what, char *reason)
{
	int fd = bpf_prog_load(type, "kr_probe", "GPL", ret0, 2, o), lfd;

	if (obj_fd)
		close(obj_fd);
	if (fd < 0) {
		why(reason, "%s programs do not load: %s", what, strerror(errno));
		return false;
	}
	if (attach) {
		lfd = bpf_raw_tracepoint_open(NULL, fd);
		if (lfd < 0) {
			why(reason, "%s programs do not attach: %s", what, strerror(errno));
			close(fd);
			return false;
		}
		close(lfd);
	}
	close(fd);
	return true;
}

/* Can fentry or kprobe programs attach the function fn here? */
static bool function_method_works(const struct btf *vmlinux, int m, const char *fn, char *reason)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY);
	struct stat st;
	__u32 id;
	int obj_fd;

	if (m == KR_M_KPROBE) {
		if (stat("/sys/bus/event_source/devices/kprobe/type", &st) && stat("/sys/kernel/tracing/kprobe_events", &st)) {
			why(reason, "no kprobes in this kernel (no kprobe PMU, no kprobe_events)");
			return false;
		}
		return true;
	}
	if (find_btf(vmlinux, fn, BTF_KIND_FUNC, &obj_fd, &id)) {
		why(reason, "no BTF for the function (kernel without BTF, or module not loaded)");
		return false;
	}
	o.attach_btf_id = id;
	o.attach_btf_obj_fd = obj_fd;
	return probe_prog(BPF_PROG_TYPE_TRACING, &o, obj_fd, true, "fentry", reason);
}

/* Can programs of this tracepoint method be loaded (and, for tp_btf,
 * attached) at all?  Checked once with sched_switch; each hook then only
 * needs to exist. */
static bool method_works(const struct btf *vmlinux, int m, char *reason)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_RAW_TP);
	enum bpf_prog_type type = m == KR_M_TP_BTF ? BPF_PROG_TYPE_TRACING :
				  m == KR_M_RAW_TP ? BPF_PROG_TYPE_RAW_TRACEPOINT : BPF_PROG_TYPE_TRACEPOINT;
	__u32 id;
	int obj_fd = 0;

	if (m == KR_M_TP_BTF) {
		if (find_btf_trace(vmlinux, "sched_switch", &obj_fd, &id)) {
			why(reason, "no kernel BTF (/sys/kernel/btf/vmlinux)");
			return false;
		}
		o.attach_btf_id = id;
		o.attach_btf_obj_fd = obj_fd;
	}
	return probe_prog(type, m == KR_M_TP_BTF ? &o : NULL, obj_fd, m == KR_M_TP_BTF, kr_method_name(m), reason);
}

static bool tracefs_has(const char *cat, const char *event)
{
	const char *dir = kr_tracefs_dir();
	char p[256];
	struct stat st;

	if (!dir)
		return false;
	snprintf(p, sizeof(p), "%s/events/%s/%s/id", dir, cat, event);
	return !stat(p, &st);
}

/* A function hook: each function method, chosen only when forced (kvm_fpu
 * brackets KVM_RUN more cheaply). */
static void probe_function(const struct btf *vmlinux, struct kr_hook_probe *p, int method)
{
	int m;

	for (m = 0; m < KR_NR_METHODS; m++) {
		if (!p->applies[m]) {
			why(p->why[m], "a function, not a tracepoint");
			continue;
		}
		p->available[m] = function_method_works(vmlinux, m, p->event, p->why[m]);
	}
	if ((method == KR_M_FENTRY || method == KR_M_KPROBE) && p->available[method])
		p->chosen = method;
}

/* A tracepoint hook: each method that can attach it, where the method works
 * at all (mok) and the tracepoint exists (in BTF, in tracefs). */
static void probe_tracepoint(const struct btf *vmlinux, struct kr_hook_probe *p, int method, const bool *mok,
			     char (*mwhy)[96])
{
	int ofd, m;
	__u32 id;
	bool in_btf = !find_btf_trace(vmlinux, p->event, &ofd, &id), in_tracefs;

	if (in_btf && ofd)
		close(ofd);
	in_tracefs = tracefs_has(p->category, p->event);
	for (m = 0; m < KR_NR_METHODS; m++) {
		bool exists = m == KR_M_TP_BTF ? in_btf : m == KR_M_RAW_TP ? in_btf || in_tracefs : in_tracefs;

		if (m >= KR_M_FENTRY) {
			why(p->why[m], "a tracepoint, not a function");
			continue;
		}
		if (!p->applies[m]) {
			why(p->why[m], "no %s program for it (%s)", kr_method_name(m),
			    !strcmp(p->category, "kvm_hv") ? "its record types are in the module's BTF" :
			    "in interrupt context it would be skipped under any other classic program");
			continue;
		}
		if (!mok[m])
			memcpy(p->why[m], mwhy[m], sizeof(p->why[m]));
		else if (!exists)
			why(p->why[m], m == KR_M_TP_BTF ? "no BTF for this tracepoint" :
				       "no such tracepoint (kernel too old, or module not loaded)");
		p->available[m] = mok[m] && exists;
		/* A forced function method leaves tracepoint hooks on auto; so does
		 * a forced method a hook has no program for (the interrupt hooks,
		 * kvm_hv's under "tracepoint"): their evidence rides along. */
		if (p->chosen < 0 && p->available[m] &&
		    (method == KR_M_AUTO || method == m || method >= KR_M_FENTRY || !p->applies[method]))
			p->chosen = m;
	}
}

/* The function hook brackets KVM_RUN instead of kvm_fpu when it is forced,
 * or where kvm_fpu cannot be used or is not traced (arm64 defines it but
 * never fires it). */
static void choose_run_bracket(struct kr_hook_probe *hooks)
{
	struct kr_hook_probe *fn = &hooks[KR_H_KVM_RUN_FN];
	int m;

	if (fn->chosen >= 0)
		hooks[KR_H_KVM_FPU].chosen = -1;
	else if (hooks[KR_H_KVM_FPU].chosen < 0 && fn->on_arch)
		for (m = KR_M_FENTRY; m < KR_NR_METHODS && fn->chosen < 0; m++)
			if (fn->available[m])
				fn->chosen = m;
}

void kr_probe_hooks(struct kr_hook_probe hooks[KR_NR_HOOKS], const struct kr_arch *a, int method)
{
	libbpf_print_fn_t old = libbpf_set_print(silent_print);
	struct btf *vmlinux = btf__load_vmlinux_btf();
	char mwhy[KR_NR_METHODS][96];
	bool mok[KR_NR_METHODS];
	const int *id;
	int h, m;

	for (m = 0; m <= KR_M_TRACEPOINT; m++)
		mok[m] = method_works(vmlinux, m, mwhy[m]);
	for (h = 0; h < KR_NR_HOOKS; h++) {
		memset(&hooks[h], 0, sizeof(hooks[h]));
		hooks[h].event = kr_hook_defs[h].event;
		hooks[h].category = kr_hook_defs[h].category;
		hooks[h].chosen = -1;
	}
	for (id = a->hooks; *id >= 0; id++) {
		struct kr_hook_probe *p = &hooks[*id];

		p->on_arch = true;
		for (m = 0; m < KR_NR_METHODS; m++)
			p->applies[m] = kr_hook_defs[*id].methods & KR_MM(m);
		if (kr_hook_defs[*id].methods == KR_MM_FUNCTION)
			probe_function(vmlinux, p, method);
		else
			probe_tracepoint(vmlinux, p, method, mok, mwhy);
	}
	choose_run_bracket(hooks);
	btf__free(vmlinux);
	libbpf_set_print(old);
}

/* Whether /proc/kallsyms names one of names (the first found: *which) and
 * __per_cpu_offset. */
static bool kallsyms_find(const char *const *names, const char **which, bool *per_cpu_offset)
{
	char line[512], name[256];
	FILE *f = fopen("/proc/kallsyms", "r");
	int i;

	*which = NULL;
	*per_cpu_offset = false;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %255s", name) != 1)
			continue;
		if (!strcmp(name, "__per_cpu_offset"))
			*per_cpu_offset = true;
		for (i = 0; names[i] && !*which; i++)
			if (!strcmp(name, names[i]))
				*which = names[i];
	}
	if (f)
		fclose(f);
	return *which && *per_cpu_offset;
}

bool kr_probe_irq_context(const struct kr_arch *a, char *buf, size_t len)
{
	const char *which;
	bool offsets;

	if (!a->percpu_preempt) {
		snprintf(buf, len, "the task's preempt count (thread_info)");
		return true;
	}
	if (kallsyms_find(a->percpu_preempt, &which, &offsets)) {
		snprintf(buf, len, "the CPU's preempt count (%s%s, through /proc/kallsyms)", which,
			 strcmp(which, "pcpu_hot") ? "" : ".preempt_count");
		return true;
	}
	snprintf(buf, len, "unknown live: /proc/kallsyms lists no %s (CONFIG_KALLSYMS_ALL off?): request_in_irq "
		 "stays false (ftrace text has it)", which ? "__per_cpu_offset" : "per-CPU preempt count");
	return false;
}
