// SPDX-License-Identifier: GPL-2.0
/*
 * Live capture: probe each hook's attach methods (tp_btf, raw_tp, classic
 * tracepoint, cheapest first), load the skeleton with exactly one program per
 * hook, attach, and hand ring-buffer events to a callback.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "capture.h"
#include "capture_ftrace.h"
#include "btf_embed.h"
#include "kvmrace.skel.h"

struct kr_capture {
	struct kr_ftcap *ft;		/* the ftrace backend, instead of BPF */
	struct kvmrace_bpf *skel;
	struct bpf_link *links[KR_NR_HOOKS];
	struct bpf_link *links2[KR_NR_HOOKS];	/* functions: the return side */
	struct ring_buffer *rb;
	struct kr_hook_probe hooks[KR_NR_HOOKS];
	int stats_fd;
	kr_event_cb cb;
	void *cb_ctx;
	int delivered;
	int cb_err;
};

static const char *const method_names[KR_NR_METHODS] = { "tp_btf", "raw_tp", "tracepoint", "fentry", "kprobe" };
static const char *const method_prefix[KR_NR_METHODS] = { "tpbtf__", "raw__", "tp__", "fentry__", "kprobe__" };
/* functions: the return side */
static const char *const method_prefix2[KR_NR_METHODS] = { NULL, NULL, NULL, "fexit__", "kretprobe__" };

#define A_X86 1
#define A_PPC 2
#define A_ARM64 4
#define A_ALL 7
#define M_ALL 7		/* tp_btf, raw_tp, tracepoint */
#define M_BTF_RAW 3	/* kvm_hv: the classic records' types are in the module's BTF; host interrupts */
#define M_FUNC 0x18	/* fentry, kprobe */

#if defined(__powerpc64__)
#define A_THIS A_PPC
#elif defined(__aarch64__)
#define A_THIS A_ARM64
#else
#define A_THIS A_X86
#endif

static const struct { const char *event, *category; int arch, methods; } hook_defs[KR_NR_HOOKS] = {
	[KR_H_KVM_FPU] = { "kvm_fpu", "kvm", A_X86, M_ALL },
	[KR_H_KVM_USERSPACE_EXIT] = { "kvm_userspace_exit", "kvm", A_ALL, M_ALL },
	[KR_H_KVM_ENTRY] = { "kvm_entry", "kvm", A_X86 | A_ARM64, M_ALL },
	[KR_H_KVM_EXIT] = { "kvm_exit", "kvm", A_X86 | A_ARM64, M_ALL },
	[KR_H_SIGNAL_GENERATE] = { "signal_generate", "signal", A_ALL, M_ALL },
	[KR_H_SIGNAL_DELIVER] = { "signal_deliver", "signal", A_ALL, M_ALL },
	[KR_H_SCHED_SWITCH] = { "sched_switch", "sched", A_ALL, M_ALL },
	[KR_H_SCHED_WAKEUP] = { "sched_wakeup", "sched", A_ALL, M_ALL },
	[KR_H_SCHED_PROCESS_EXIT] = { "sched_process_exit", "sched", A_ALL, M_ALL },
	[KR_H_SCHED_WAKING] = { "sched_waking", "sched", A_ALL, M_ALL },
	[KR_H_KVMPPC_RUN_VCPU_ENTER] = { "kvmppc_run_vcpu_enter", "kvm_hv", A_PPC, M_BTF_RAW },
	[KR_H_KVMPPC_RUN_VCPU_EXIT] = { "kvmppc_run_vcpu_exit", "kvm_hv", A_PPC, M_BTF_RAW },
	[KR_H_KVM_GUEST_ENTER] = { "kvm_guest_enter", "kvm_hv", A_PPC, M_BTF_RAW },
	[KR_H_KVM_GUEST_EXIT] = { "kvm_guest_exit", "kvm_hv", A_PPC, M_BTF_RAW },
	[KR_H_KVMPPC_RUN_CORE] = { "kvmppc_run_core", "kvm_hv", A_PPC, M_BTF_RAW },
	[KR_H_KVM_RUN_FN] = { "kvm_arch_vcpu_ioctl_run", "function", A_X86 | A_ARM64, M_FUNC },
	/* Host interrupts: tp_btf/raw_tp only (see on_host_irq in the BPF side). */
	[KR_H_IRQ_HANDLER_ENTRY] = { "irq_handler_entry", "irq", A_ALL, M_BTF_RAW },
	[KR_H_RESCHEDULE_ENTRY] = { "reschedule_entry", "irq_vectors", A_X86, M_BTF_RAW },
	[KR_H_CALL_FUNCTION_ENTRY] = { "call_function_entry", "irq_vectors", A_X86, M_BTF_RAW },
	[KR_H_CALL_FUNCTION_SINGLE_ENTRY] = { "call_function_single_entry", "irq_vectors", A_X86, M_BTF_RAW },
	[KR_H_IPI_ENTRY] = { "ipi_entry", "ipi", A_ARM64, M_BTF_RAW },
	[KR_H_DOORBELL_ENTRY] = { "doorbell_entry", "powerpc", A_PPC, M_BTF_RAW },
	[KR_H_PPC_IRQ_ENTRY] = { "irq_entry", "powerpc", A_PPC, M_BTF_RAW },
	/* IPIs sent: ipi_send_cpu (6.4+: smp_send_reschedule(), the kick),
	 * ipi_raise (arm64 before).  Not ipi_send_cpumask: no kick goes to a
	 * mask, and on big hosts every TLB shootdown would run the program. */
	[KR_H_IPI_SEND_CPU] = { "ipi_send_cpu", "ipi", A_ALL, M_BTF_RAW },
	[KR_H_IPI_RAISE] = { "ipi_raise", "ipi", A_ARM64, M_BTF_RAW },
};

const char *kr_method_name(int m)
{
	return m >= 0 && m < KR_NR_METHODS ? method_names[m] : "none";
}

int kr_method_parse(const char *s)
{
	int m;

	if (!strcmp(s, "auto"))
		return KR_M_AUTO;
	for (m = 0; m < KR_NR_METHODS; m++)
		if (!strcmp(s, method_names[m]))
			return m;
	if (!strcmp(s, "tp"))
		return KR_M_TRACEPOINT;
	if (!strcmp(s, "fexit"))
		return KR_M_FENTRY;
	if (!strcmp(s, "kretprobe"))
		return KR_M_KPROBE;
	return -2;
}

/* ---- TIF layouts ---- */

static int kver(const char *rel)
{
	int a = 0, b = 0;

	if (sscanf(rel, "%d.%d", &a, &b) < 1)
		return 0;
	return a * 1000 + b;
}

struct kr_tif_layout kr_tif_layout_for(const char *arch, const char *release)
{
	int v = kver(release);

	if (!strcmp(arch, "powerpc"))
		return (struct kr_tif_layout){ 1, 3, 2, v >= 6014 ? 9 : 64, "powerpc" };
	if (!strcmp(arch, "arm64"))
		return (struct kr_tif_layout){ 0, 6, 1, v >= 6013 ? 7 : 64, "arm64" };
	/* x86: generic TIF bits from 6.18 (HAVE_GENERIC_TIF_BITS). */
	if (v >= 6018)
		return (struct kr_tif_layout){ 1, 2, 4, 5, "generic" };	/* measured on 6.18 */
	return (struct kr_tif_layout){ 2, 17, 3, v >= 6013 ? 4 : 64, "x86-legacy" };
}

/* ---- probing ---- */

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

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	if (l == LIBBPF_DEBUG || !verbose_libbpf)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Parsed once per probe round: parsing vmlinux BTF costs tens of ms. */
static struct btf *probe_vmlinux_btf;

/* Find a type by name and kind in vmlinux's BTF or a module's (*obj_fd is
 * then that module's BTF fd, to close). */
static int find_btf(const char *name, int kind, int *obj_fd, __u32 *type_id)
{
	struct btf *mod;
	__u32 id = 0;
	int r;

	*obj_fd = 0;
	if (!probe_vmlinux_btf)
		return -ENOENT;
	r = btf__find_by_name_kind(probe_vmlinux_btf, name, kind);
	if (r > 0) {
		*type_id = r;
		return 0;
	}
	while (!bpf_btf_get_next_id(id, &id)) {
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		mod = btf__load_from_kernel_by_id_split(id, probe_vmlinux_btf);
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
static int find_btf_trace(const char *event, int *obj_fd, __u32 *type_id)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", event);
	return find_btf(name, BTF_KIND_TYPEDEF, obj_fd, type_id);
}

static void why(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, 96, fmt, ap);
	va_end(ap);
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

/* Can programs of this method be loaded (and, for tp_btf, attached) at all?
 * Checked once with sched_switch; each hook then only needs to exist. */
static bool function_method_works(int m, const char *fn, char *reason)
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
	if (find_btf(fn, BTF_KIND_FUNC, &obj_fd, &id)) {
		why(reason, "no BTF for the function (kernel without BTF, or module not loaded)");
		return false;
	}
	o.attach_btf_id = id;
	o.attach_btf_obj_fd = obj_fd;
	return probe_prog(BPF_PROG_TYPE_TRACING, &o, obj_fd, true, "fentry", reason);
}

static bool method_works(int m, char *reason)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_RAW_TP);
	enum bpf_prog_type type = m == KR_M_TP_BTF ? BPF_PROG_TYPE_TRACING :
				  m == KR_M_RAW_TP ? BPF_PROG_TYPE_RAW_TRACEPOINT : BPF_PROG_TYPE_TRACEPOINT;
	__u32 id;
	int obj_fd = 0;

	if (m == KR_M_TP_BTF) {
		if (find_btf_trace("sched_switch", &obj_fd, &id)) {
			why(reason, "no kernel BTF (/sys/kernel/btf/vmlinux)");
			return false;
		}
		o.attach_btf_id = id;
		o.attach_btf_obj_fd = obj_fd;
	}
	return probe_prog(type, m == KR_M_TP_BTF ? &o : NULL, obj_fd, m == KR_M_TP_BTF, method_names[m], reason);
}

static const char *tracefs_dir(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	struct stat st;
	size_t i;

	for (i = 0; i < 2; i++) {
		char p[128];

		snprintf(p, sizeof(p), "%s/events", dirs[i]);
		if (!stat(p, &st))
			return dirs[i];
	}
	/* Not mounted: mount tracefs where it belongs (we are root here). */
	if (!mount("nodev", dirs[0], "tracefs", 0, NULL))
		return dirs[0];
	return NULL;
}

static bool tracefs_has(const char *cat, const char *event)
{
	const char *dir = tracefs_dir();
	char p[256];
	struct stat st;

	if (!dir)
		return false;
	snprintf(p, sizeof(p), "%s/events/%s/%s/id", dir, cat, event);
	return !stat(p, &st);
}

void kr_capture_probe(struct kr_hook_probe hooks[KR_NR_HOOKS], int method)
{
	libbpf_print_fn_t old = libbpf_set_print(silent_print);
	char mwhy[KR_NR_METHODS][96];
	bool mok[KR_NR_METHODS];
	int h, m, ofd;
	__u32 id;

	probe_vmlinux_btf = btf__load_vmlinux_btf();
	for (m = 0; m <= KR_M_TRACEPOINT; m++)
		mok[m] = method_works(m, mwhy[m]);
	for (h = 0; h < KR_NR_HOOKS; h++) {
		struct kr_hook_probe *p = &hooks[h];
		bool in_btf, in_tracefs;

		memset(p, 0, sizeof(*p));
		p->event = hook_defs[h].event;
		p->category = hook_defs[h].category;
		p->chosen = -1;
		p->on_arch = hook_defs[h].arch & A_THIS;
		if (!p->on_arch)
			continue;
		for (m = 0; m < KR_NR_METHODS; m++)
			p->applies[m] = hook_defs[h].methods & (1 << m);
		if (hook_defs[h].methods == M_FUNC) {
			for (m = 0; m < KR_NR_METHODS; m++) {
				if (!(M_FUNC & (1 << m))) {
					why(p->why[m], "a function, not a tracepoint");
					continue;
				}
				p->available[m] = function_method_works(m, p->event, p->why[m]);
			}
			/* Only when forced: kvm_fpu brackets KVM_RUN more cheaply. */
			if ((method == KR_M_FENTRY || method == KR_M_KPROBE) && p->available[method])
				p->chosen = method;
			continue;
		}
		in_btf = !find_btf_trace(p->event, &ofd, &id);
		if (in_btf && ofd)
			close(ofd);
		in_tracefs = tracefs_has(p->category, p->event);
		for (m = 0; m < KR_NR_METHODS; m++) {
			bool exists = m == KR_M_TP_BTF ? in_btf : m == KR_M_RAW_TP ? in_btf || in_tracefs : in_tracefs;

			if (m >= KR_M_FENTRY) {
				why(p->why[m], "a tracepoint, not a function");
				continue;
			}

			if (!(hook_defs[h].methods & (1 << m))) {
				why(p->why[m], "no %s program for it (%s)", method_names[m],
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
			/* a forced function method leaves tracepoint hooks on auto */
			if (p->chosen < 0 && p->available[m] &&
			    (method == KR_M_AUTO || method == m || method >= KR_M_FENTRY))
				p->chosen = m;
		}
	}
	/* The function hook brackets KVM_RUN instead of kvm_fpu when it is
	 * forced, or where kvm_fpu cannot be used or is not traced (arm64
	 * defines it but never fires it). */
	if (hooks[KR_H_KVM_RUN_FN].chosen >= 0)
		hooks[KR_H_KVM_FPU].chosen = -1;
	else if (hooks[KR_H_KVM_FPU].chosen < 0 && hooks[KR_H_KVM_RUN_FN].on_arch)
		for (m = KR_M_FENTRY; m < KR_NR_METHODS && hooks[KR_H_KVM_RUN_FN].chosen < 0; m++)
			if (hooks[KR_H_KVM_RUN_FN].available[m])
				hooks[KR_H_KVM_RUN_FN].chosen = m;
	btf__free(probe_vmlinux_btf);
	probe_vmlinux_btf = NULL;
	libbpf_set_print(old);
}

const char *kr_capture_missing(const struct kr_hook_probe h[KR_NR_HOOKS])
{
	static char buf[256];
	static const int required[] = { KR_H_SIGNAL_GENERATE, KR_H_SCHED_SWITCH, KR_H_SCHED_WAKEUP };
	size_t i;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (h[required[i]].chosen < 0) {
			snprintf(buf, sizeof(buf), "no usable attach method for %s:%s", h[required[i]].category,
				 h[required[i]].event);
			return buf;
		}
#if defined(__powerpc64__)
	if (h[KR_H_KVMPPC_RUN_VCPU_ENTER].chosen < 0 || h[KR_H_KVM_GUEST_ENTER].chosen < 0 ||
	    h[KR_H_KVM_GUEST_EXIT].chosen < 0)
		return "no KVM-HV hooks: kvm_hv:kvmppc_run_vcpu_enter, kvm_guest_enter and kvm_guest_exit are needed "
		       "(is kvm-hv loaded? without kernel BTF, pass --btf)";
#else
	if (h[KR_H_KVM_FPU].chosen < 0 && h[KR_H_KVM_RUN_FN].chosen < 0 &&
	    (h[KR_H_KVM_ENTRY].chosen < 0 || h[KR_H_KVM_EXIT].chosen < 0))
		return "no KVM run hook: neither kvm:kvm_fpu nor kvm:kvm_entry+kvm_exit can be attached "
		       "(is kvm loaded?)";
#endif
	return "";
}

const char *kr_capture_btf_source(const char *btf_path, char *why, size_t len)
{
	struct stat st;

	if (btf_path) {
		struct btf *b;
		char rel_path[4200], rel[128] = "", run[128] = "";
		FILE *f;
		char *slash;

		if (stat(btf_path, &st)) {
			snprintf(why, len, "--btf %s: %s", btf_path, strerror(errno));
			return NULL;
		}
		{
			libbpf_print_fn_t old = libbpf_set_print(silent_print);

			b = btf__parse(btf_path, NULL);
			libbpf_set_print(old);
		}
		if (!b) {
			snprintf(why, len, "--btf %s: not a BTF file (or split BTF without its base)", btf_path);
			return NULL;
		}
		if (btf__find_by_name_kind(b, "task_struct", BTF_KIND_STRUCT) <= 0) {
			btf__free(b);
			snprintf(why, len, "--btf %s: not a kernel's BTF (no struct task_struct)", btf_path);
			return NULL;
		}
		btf__free(b);
		/* vmlinux-h/<arch>/ records the release its BTF came from */
		snprintf(rel_path, sizeof(rel_path), "%s", btf_path);
		slash = strrchr(rel_path, '/');
		snprintf(slash ? slash + 1 : rel_path, sizeof(rel_path) - (slash ? (size_t)(slash + 1 - rel_path) : 0),
			 "RELEASE");
		f = fopen(rel_path, "r");
		if (f) {
			if (fgets(rel, sizeof(rel), f))
				rel[strcspn(rel, "\n")] = 0;
			fclose(f);
		}
		f = fopen("/proc/sys/kernel/osrelease", "r");
		if (f) {
			if (fgets(run, sizeof(run), f))
				run[strcspn(run, "\n")] = 0;
			fclose(f);
		}
		if (rel[0] && run[0] && strcmp(rel, run)) {
			snprintf(why, len, "--btf %s is for kernel %s (its RELEASE file), this kernel is %s", btf_path, rel,
				 run);
			return NULL;
		}
		return btf_path;
	}
	if (!stat("/sys/kernel/btf/vmlinux", &st))
		return "/sys/kernel/btf/vmlinux";
	{
		/* a kernel kvmrace knows: its embedded minimal BTF, through a memfd */
		static char path[64];
		char run[128] = "";
		const struct kr_btf_embed *b;
		FILE *f = fopen("/proc/sys/kernel/osrelease", "r");

		if (f) {
			if (fgets(run, sizeof(run), f))
				run[strcspn(run, "\n")] = 0;
			fclose(f);
		}
		for (b = kr_btf_embedded; b->release; b++) {
			int fd;

			if (strcmp(b->release, run))
				continue;
			fd = memfd_create("kvmrace-btf", MFD_CLOEXEC);
			if (fd < 0 || write(fd, b->data, b->len) != (ssize_t)b->len) {
				snprintf(why, len, "cannot stage the embedded BTF for %s: %s", run, strerror(errno));
				return NULL;
			}
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			return path;
		}
		{
			size_t o = 0;

			o += snprintf(why, len, "this kernel (%s) has no BTF (/sys/kernel/btf/vmlinux) and kvmrace has none "
				      "embedded for it; pass --btf FILE (scripts/power/gen-btf.sh makes one from the kernel's "
				      "debug package), or use --backend ftrace. Embedded:", run);
			for (b = kr_btf_embedded; b->release && o < len; b++)
				o += snprintf(why + o, len - o, " %s", b->release);
			if (!kr_btf_embedded[0].release && o < len)
				snprintf(why + o, len - o, " none");
		}
		return NULL;
	}
}

/* ---- the session ---- */

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	struct kr_capture *c = ctx;

	if (size < sizeof(struct kr_event))
		return 0;
	c->delivered++;
	if (c->cb(c->cb_ctx, data)) {
		c->cb_err = -EIO;
		return -EIO;
	}
	return 0;
}

/* Threads of processes (pid, or all) that hold a kvm-vcpu fd: candidates for
 * a KVM_RUN already in progress (see join_running_vcpu in the BPF side). */
static bool holds_vcpu_fd(const char *pid)
{
	char dir[64], link[320], target[128];
	struct dirent *d;
	bool found = false;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return false;
	while (!found && (d = readdir(fds))) {
		ssize_t n;

		snprintf(link, sizeof(link), "%s/%s", dir, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		found = !strncmp(target, "anon_inode:kvm-vcpu", 19);
	}
	closedir(fds);
	return found;
}

static void seed_pid(struct kr_capture *c, const char *pid)
{
	char dir[64];
	struct dirent *d;
	DIR *tasks;
	__u8 one = 1;

	if (!holds_vcpu_fd(pid))
		return;
	snprintf(dir, sizeof(dir), "/proc/%s/task", pid);
	tasks = opendir(dir);
	if (!tasks)
		return;
	while ((d = readdir(tasks))) {
		__u32 tid = (__u32)strtoul(d->d_name, NULL, 10);

		if (tid)
			bpf_map_update_elem(bpf_map__fd(c->skel->maps.cands), &tid, &one, BPF_ANY);
	}
	closedir(tasks);
}

#if defined(__powerpc64__)
/* Fill pacas[cpu] with r13 of each CPU: a kprobe on a syscall we then make
 * from every CPU in turn. */
static int read_pacas(struct kr_capture *c)
{
	static const char *const syms[] = { "sys_getppid", "__se_sys_getppid", "__powerpc_sys_getppid" };
	struct bpf_link *link = NULL;
	cpu_set_t old, one;
	int ncpu = libbpf_num_possible_cpus(), cpu;
	size_t i;

	for (i = 0; i < sizeof(syms) / sizeof(syms[0]) && !link; i++)
		link = bpf_program__attach_kprobe(c->skel->progs.paca_probe, false, syms[i]);
	if (!link)
		return -1;
	if (sched_getaffinity(0, sizeof(old), &old)) {
		bpf_link__destroy(link);
		return -1;
	}
	for (cpu = 0; cpu < ncpu; cpu++) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (!sched_setaffinity(0, sizeof(one), &one))
			(void)syscall(SYS_getppid);
	}
	sched_setaffinity(0, sizeof(old), &old);
	bpf_link__destroy(link);
	return 0;
}
#endif

static int run_task_iter(struct kr_capture *c)
{
	struct bpf_link *link = bpf_program__attach_iter(c->skel->progs.seed_running_vcpus, NULL);
	char buf[256];
	int fd;

	if (!link)
		return -1;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		bpf_link__destroy(link);
		return -1;
	}
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	bpf_link__destroy(link);
	return 0;
}

static void seed_candidates(struct kr_capture *c, pid_t pid)
{
	struct dirent *d;
	DIR *proc;
	char p[16];

	if (pid) {
		snprintf(p, sizeof(p), "%d", (int)pid);
		seed_pid(c, p);
		return;
	}
	proc = opendir("/proc");
	if (!proc)
		return;
	while ((d = readdir(proc)))
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9')
			seed_pid(c, d->d_name);
	closedir(proc);
}

/* Autoload one program per hook (the chosen method's) and set the rodata. */
static int configure(struct kr_capture *c, const struct kr_capture_opts *o)
{
	struct bpf_program *prog;
	struct kr_tif_layout tl;
	struct { char rel[128]; } u;
	int h, ncpu;
	FILE *f;

	bpf_object__for_each_program(prog, c->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (h = 0; h < KR_NR_HOOKS; h++) {
		char name[64];

		if (c->hooks[h].chosen < 0)
			continue;
		snprintf(name, sizeof(name), "%s%s", method_prefix[c->hooks[h].chosen], c->hooks[h].event);
		prog = bpf_object__find_program_by_name(c->skel->obj, name);
		if (!prog)
			return -1;
		bpf_program__set_autoload(prog, true);
		if (method_prefix2[c->hooks[h].chosen]) {
			snprintf(name, sizeof(name), "%s%s", method_prefix2[c->hooks[h].chosen], c->hooks[h].event);
			prog = bpf_object__find_program_by_name(c->skel->obj, name);
			if (!prog)
				return -1;
			bpf_program__set_autoload(prog, true);
		}
	}
	ncpu = libbpf_num_possible_cpus();
	if (ncpu > 0)
		bpf_map__set_max_entries(c->skel->maps.cpus, (unsigned)ncpu);
	if (o->buffer_kb) {
		__u32 sz = (__u32)getpagesize();

		while (sz < o->buffer_kb * 1024u)
			sz *= 2;
		bpf_map__set_max_entries(c->skel->maps.events, sz);
		c->skel->rodata->rb_wake_at = sz / 4;
	}
	c->skel->rodata->targ_tgid = (__u32)o->pid;
	c->skel->rodata->targ_descendants = o->descendants;
	c->skel->rodata->self_tgid = (__u32)getpid();
	c->skel->rodata->merge_run_end = c->hooks[KR_H_KVM_FPU].chosen >= 0 &&
					 c->hooks[KR_H_KVM_USERSPACE_EXIT].chosen >= 0;
	c->skel->rodata->kernel_btf = !access("/sys/kernel/btf/vmlinux", R_OK);
#if defined(__powerpc64__)
	if (ncpu > 0)
		bpf_map__set_max_entries(c->skel->maps.pacas, (unsigned)ncpu);
#endif
	memset(&u, 0, sizeof(u));
	f = fopen("/proc/sys/kernel/osrelease", "r");
	if (f) {
		if (fgets(u.rel, sizeof(u.rel), f))
			u.rel[strcspn(u.rel, "\n")] = 0;
		fclose(f);
	}
#if defined(__x86_64__)
	tl = kr_tif_layout_for("x86", u.rel);
#elif defined(__powerpc64__)
	tl = kr_tif_layout_for("powerpc", u.rel);
#elif defined(__aarch64__)
	tl = kr_tif_layout_for("arm64", u.rel);
#else
	tl = kr_tif_layout_for("x86", u.rel);
#endif
	c->skel->rodata->tif_sigpending_bit = tl.sigpending;
	c->skel->rodata->tif_notify_signal_bit = tl.notify_signal;
	c->skel->rodata->tif_need_resched_bit = tl.need_resched;
	c->skel->rodata->tif_need_resched_lazy_bit = tl.need_resched_lazy;
	/* Task iterators need the kernel's own BTF. */
	bpf_program__set_autoload(c->skel->progs.seed_running_vcpus, c->skel->rodata->kernel_btf);
#if defined(__powerpc64__)
	bpf_program__set_autoload(c->skel->progs.paca_probe, true);
#endif
	return 0;
}

static struct bpf_program *hook_prog(struct kr_capture *c, int h)
{
	char name[64];

	snprintf(name, sizeof(name), "%s%s", method_prefix[c->hooks[h].chosen], c->hooks[h].event);
	return bpf_object__find_program_by_name(c->skel->obj, name);
}

static void unload_skel(struct kr_capture *c)
{
	int h;

	for (h = 0; h < KR_NR_HOOKS; h++) {
		bpf_link__destroy(c->links2[h]);
		bpf_link__destroy(c->links[h]);
		c->links[h] = c->links2[h] = NULL;
	}
	kvmrace_bpf__destroy(c->skel);
	c->skel = NULL;
}

static struct kvmrace_bpf *open_skel(const struct kr_capture_opts *o)
{
	char why[512];
	const char *src = kr_capture_btf_source(o->btf_path, why, sizeof(why));
	LIBBPF_OPTS(bpf_object_open_opts, oo);

	/* the kernel's own BTF needs no custom path; a file or an embedded one does */
	if (!src && o->btf_path) {	/* a --btf that does not do: fail, never guess */
		errno = EINVAL;
		return NULL;
	}
	if (src && strcmp(src, "/sys/kernel/btf/vmlinux"))
		oo.btf_custom_path = src;
	return kvmrace_bpf__open_opts(&oo);
}

static int load_skel(struct kr_capture *c, const struct kr_capture_opts *o, char *err, size_t errlen)
{
	int r;

	c->skel = open_skel(o);
	if (!c->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	if (configure(c, o)) {
		snprintf(err, errlen, "internal: missing BPF program");
		return -1;
	}
	r = kvmrace_bpf__load(c->skel);
	if (r) {
		/* Maybe only the task iterator is unsupported: retry without it
		 * (vCPUs already in KVM_RUN are then found at their next
		 * switch-out instead). */
		if (o->verbose)
			fprintf(stderr, "kvmrace-trace: loading with the task iterator failed (%s); "
				"retrying without it\n", strerror(-r));
		kvmrace_bpf__destroy(c->skel);
		c->skel = open_skel(o);
		if (c->skel && !configure(c, o)) {
			bpf_program__set_autoload(c->skel->progs.seed_running_vcpus, false);
			r = kvmrace_bpf__load(c->skel);
		}
	}
	if (r) {
		snprintf(err, errlen, "loading the BPF programs failed: %s%s", strerror(-r),
			 o->verbose ? "" : " (run with -v for the verifier log)");
		return -1;
	}
	return 0;
}

static struct kr_capture *open_bpf(const struct kr_capture_opts *o, char *err, size_t errlen);

struct kr_capture *kr_capture_open(const struct kr_capture_opts *o, char *err, size_t errlen)
{
	struct kr_capture *c;
	char berr[512];

	if (o->backend != KR_B_FTRACE) {
		c = open_bpf(o, berr, sizeof(berr));
		if (c || o->backend == KR_B_BPF) {
			if (!c)
				snprintf(err, errlen, "%s", berr);
			return c;
		}
		/* auto: say why, then trace with ftrace */
		fprintf(stderr, "kvmrace-trace: BPF: %s; using the ftrace backend\n", berr);
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->stats_fd = -1;
	c->ft = kr_ftcap_open(o->pid, o->descendants, o->buffer_kb, err, errlen);
	if (!c->ft) {
		free(c);
		return NULL;
	}
	return c;
}

const char *kr_capture_backend(const struct kr_capture *c)
{
	static char b[64];

	if (!c->ft)
		return "bpf";
	snprintf(b, sizeof(b), "ftrace, %s", kr_ftcap_reader(c->ft));
	return b;
}

static struct kr_capture *open_bpf(const struct kr_capture_opts *o, char *err, size_t errlen)
{
	struct kr_capture *c = calloc(1, sizeof(*c));
	int r, h, tries;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->stats_fd = -1;
	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_print);
	kr_capture_probe(c->hooks, o->method);
	if (o->method >= 0) {
		/* a forced method this host lacks: say so, with the reason */
		int first = -1, h2;

		for (h2 = 0; h2 < KR_NR_HOOKS; h2++) {
			if (!c->hooks[h2].on_arch || !c->hooks[h2].applies[o->method])
				continue;
			if (c->hooks[h2].available[o->method]) {
				first = -2;
				break;
			}
			if (first == -1)
				first = h2;
		}
		if (first >= 0) {
			snprintf(err, errlen, "--attach %s is not available on this host: %s via %s: %s",
				 kr_method_name(o->method), c->hooks[first].event, kr_method_name(o->method),
				 c->hooks[first].why[o->method]);
			goto fail;
		}
	}
	if (*kr_capture_missing(c->hooks)) {
		snprintf(err, errlen, "%s%s%s", kr_capture_missing(c->hooks),
			 o->method != KR_M_AUTO ? " with --attach " : "",
			 o->method != KR_M_AUTO ? kr_method_name(o->method) : "");
		goto fail;
	}
	/* Load and attach; a hook whose chosen method fails to attach falls
	 * back to its next method (the probe only predicts). */
	for (tries = 0;; tries++) {
		int failed = -1;

		r = load_skel(c, o, err, errlen);
		if (r)
			goto fail;
		if (o->prog_stats && c->stats_fd < 0)
			c->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		for (h = 0; h < KR_NR_HOOKS && failed < 0; h++) {
			struct kr_hook_probe *p = &c->hooks[h];

			if (p->chosen < 0)
				continue;
			c->links[h] = bpf_program__attach(hook_prog(c, h));
			if (c->links[h] && method_prefix2[p->chosen]) {
				char name[80];

				snprintf(name, sizeof(name), "%s%s", method_prefix2[p->chosen], p->event);
				c->links2[h] = bpf_program__attach(bpf_object__find_program_by_name(c->skel->obj, name));
				if (!c->links2[h]) {
					bpf_link__destroy(c->links[h]);
					c->links[h] = NULL;
				}
			}
			if (!c->links[h]) {
				why(p->why[p->chosen], "attach failed: %s", strerror(errno));
				failed = h;
			}
		}
		if (failed < 0)
			break;
		{
			struct kr_hook_probe *p = &c->hooks[failed];
			int m, was = p->chosen;

			p->available[was] = false;
			p->chosen = -1;
			for (m = was + 1; m < KR_NR_METHODS; m++)
				if (p->available[m] && (o->method == KR_M_AUTO || o->method == m)) {
					p->chosen = m;
					break;
				}
			if (o->verbose || p->chosen < 0)
				fprintf(stderr, "kvmrace-trace: %s via %s: %s%s%s\n", p->event, method_names[was],
					p->why[was], p->chosen >= 0 ? "; falling back to " : "",
					p->chosen >= 0 ? method_names[p->chosen] : "");
		}
		unload_skel(c);
		if (*kr_capture_missing(c->hooks) || tries >= 2 * KR_NR_HOOKS) {
			snprintf(err, errlen, "%s", *kr_capture_missing(c->hooks) ? kr_capture_missing(c->hooks) :
				 "attaching the BPF programs failed");
			goto fail;
		}
	}
#if defined(__powerpc64__)
	if (read_pacas(c) && o->verbose)
		fprintf(stderr, "kvmrace-trace: PACA pointers not read: irq_soft_mask/irq_happened unknown\n");
#endif
	if (bpf_program__fd(c->skel->progs.seed_running_vcpus) >= 0)
		r = run_task_iter(c);
	else
		r = -1;
	if (r) {
		if (o->verbose)
			fprintf(stderr, "kvmrace-trace: no task iterator: vCPUs already in KVM_RUN are found at "
				"their next switch-out\n");
		seed_candidates(c, o->pid);
	}
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.events), on_ringbuf, c, NULL);
	if (!c->rb) {
		snprintf(err, errlen, "cannot open the ring buffer: %s", strerror(errno));
		goto fail;
	}
	return c;
fail:
	kr_capture_close(c);
	return NULL;
}

int kr_capture_poll(struct kr_capture *c, int timeout_ms, kr_event_cb cb, void *ctx)
{
	int r;

	if (c->ft)
		return kr_ftcap_poll(c->ft, timeout_ms, cb, ctx);
	c->cb = cb;
	c->cb_ctx = ctx;
	c->delivered = 0;
	c->cb_err = 0;
	/* Producers only wake us when the ring fills up: wait, then consume. */
	r = timeout_ms ? ring_buffer__poll(c->rb, timeout_ms) : 0;
	if (r >= 0 || r == -EINTR)
		r = ring_buffer__consume(c->rb);
	if (c->cb_err)
		return c->cb_err;
	if (r < 0 && r != -EINTR)
		return r;
	return c->delivered;
}

/* Runs of our programs the kernel skipped because another BPF program was
 * running on that CPU (recursion_misses: tp_btf, raw_tp and fentry since
 * 5.12; classic tracepoints and kprobes only since 6.7, older kernels skip
 * those silently).  Each one is a lost event. */
static uint64_t prog_misses(struct kr_capture *c)
{
	struct bpf_program *p;
	uint64_t n = 0;

	bpf_object__for_each_program(p, c->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

void kr_capture_counters(struct kr_capture *c, uint64_t *lost, uint64_t *untracked)
{
	int ncpu = libbpf_num_possible_cpus(), i, fd = c->ft ? -1 : bpf_map__fd(c->skel->maps.drops);
	__u64 *vals;
	__u32 k;

	*lost = *untracked = 0;
	if (c->ft) {
		kr_ftcap_counters(c->ft, lost);
		return;
	}
	vals = calloc(ncpu > 0 ? ncpu : 1, sizeof(__u64));
	if (!vals)
		return;
	for (k = 0; k < 2; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (i = 0; i < ncpu; i++)
			*(k ? untracked : lost) += vals[i];
	}
	free(vals);
	*lost += prog_misses(c);
}

void kr_capture_hooks(struct kr_capture *c, char *buf, size_t len)
{
	size_t o = 0;
	int h;

	buf[0] = 0;
	if (c->ft) {
		snprintf(buf, len, "%s", kr_ftcap_hooks(c->ft));
		return;
	}
	for (h = 0; h < KR_NR_HOOKS; h++) {
		if (c->hooks[h].chosen < 0)
			continue;
		o += snprintf(buf + o, o < len ? len - o : 0, "%s%s:%s", o ? "," : "", c->hooks[h].event,
			      kr_method_name(c->hooks[h].chosen));
	}
}

void kr_capture_prog_stats(struct kr_capture *c, FILE *f)
{
	struct bpf_program *prog;

	if (c->ft)
		return;
	fprintf(f, "  %-32s %12s %14s %10s\n", "BPF PROGRAM", "RUNS", "RUN_TIME_NS", "NS/EVENT");
	bpf_object__for_each_program(prog, c->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		fprintf(f, "  %-32s %12llu %14llu %10.1f\n", bpf_program__name(prog),
			(unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns,
			info.run_cnt ? (double)info.run_time_ns / info.run_cnt : 0.0);
	}
}

void kr_capture_close(struct kr_capture *c)
{
	if (!c)
		return;
	kr_ftcap_close(c->ft);
	ring_buffer__free(c->rb);
	if (c->skel)
		unload_skel(c);	/* detaches every link */
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	free(c);
}
