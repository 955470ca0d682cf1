// SPDX-License-Identifier: GPL-2.0
/*
 * Live capture: probe each hook's attach methods (tp_btf, raw_tp, classic
 * tracepoint, cheapest first), load the skeleton with exactly one program per
 * hook, attach, and hand ring-buffer events to a callback.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "capture.h"
#include "kvmrace.skel.h"

struct kr_capture {
	struct kvmrace_bpf *skel;
	struct ring_buffer *rb;
	struct kr_hook_probe hooks[KR_NR_HOOKS];
	int stats_fd;
	kr_event_cb cb;
	void *cb_ctx;
	int delivered;
	int cb_err;
};

static const char *const method_names[KR_NR_METHODS] = { "tp_btf", "raw_tp", "tracepoint" };
static const char *const method_prefix[KR_NR_METHODS] = { "tpbtf__", "raw__", "tp__" };

static const struct { const char *event, *category; } hook_defs[KR_NR_HOOKS] = {
	[KR_H_KVM_FPU] = { "kvm_fpu", "kvm" },
	[KR_H_KVM_USERSPACE_EXIT] = { "kvm_userspace_exit", "kvm" },
	[KR_H_KVM_ENTRY] = { "kvm_entry", "kvm" },
	[KR_H_KVM_EXIT] = { "kvm_exit", "kvm" },
	[KR_H_SIGNAL_GENERATE] = { "signal_generate", "signal" },
	[KR_H_SIGNAL_DELIVER] = { "signal_deliver", "signal" },
	[KR_H_SCHED_SWITCH] = { "sched_switch", "sched" },
	[KR_H_SCHED_WAKEUP] = { "sched_wakeup", "sched" },
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

/* Find typedef btf_trace_<name> in vmlinux or a module's BTF. */
static int find_btf_trace(const char *event, int *obj_fd, __u32 *type_id)
{
	char name[128];
	struct btf *vmlinux, *mod;
	__u32 id = 0;
	int r;

	snprintf(name, sizeof(name), "btf_trace_%s", event);
	*obj_fd = 0;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -ENOENT;
	r = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
	if (r > 0) {
		*type_id = r;
		btf__free(vmlinux);
		return 0;
	}
	while (!bpf_btf_get_next_id(id, &id)) {
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		mod = btf__load_from_kernel_by_id_split(id, vmlinux);
		if (mod) {
			r = btf__find_by_name_kind(mod, name, BTF_KIND_TYPEDEF);
			btf__free(mod);
			if (r > 0) {
				*obj_fd = fd;
				*type_id = r;
				btf__free(vmlinux);
				return 0;
			}
		}
		close(fd);
	}
	btf__free(vmlinux);
	return -ENOENT;
}

static void why(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, 96, fmt, ap);
	va_end(ap);
}

static bool probe_tp_btf(const char *event, char *reason)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_RAW_TP);
	__u32 id;
	int obj_fd, fd, lfd;

	if (find_btf_trace(event, &obj_fd, &id)) {
		why(reason, "no BTF for the tracepoint (kernel without BTF, or event absent)");
		return false;
	}
	o.attach_btf_id = id;
	o.attach_btf_obj_fd = obj_fd;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "kr_probe", "GPL", ret0, 2, &o);
	if (obj_fd)
		close(obj_fd);
	if (fd < 0) {
		why(reason, "load failed: %s", strerror(errno));
		return false;
	}
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		why(reason, "attach failed: %s", strerror(errno));
		close(fd);
		return false;
	}
	close(lfd);
	close(fd);
	return true;
}

static bool probe_raw_tp(const char *event, char *reason)
{
	int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "kr_probe", "GPL", ret0, 2, NULL), lfd;

	if (fd < 0) {
		why(reason, "load failed: %s", strerror(errno));
		return false;
	}
	lfd = bpf_raw_tracepoint_open(event, fd);
	if (lfd < 0) {
		why(reason, errno == ENOENT ? "no such tracepoint" : "attach failed: %s", strerror(errno));
		close(fd);
		return false;
	}
	close(lfd);
	close(fd);
	return true;
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

static bool probe_tracepoint(const char *cat, const char *event, char *reason)
{
	struct perf_event_attr a;
	const char *dir = tracefs_dir();
	char p[256], buf[32];
	int fd, pfd, idfd;
	ssize_t n;

	if (!dir) {
		why(reason, "tracefs not available");
		return false;
	}
	snprintf(p, sizeof(p), "%s/events/%s/%s/id", dir, cat, event);
	idfd = open(p, O_RDONLY | O_CLOEXEC);
	if (idfd < 0) {
		why(reason, "no such tracepoint in tracefs");
		return false;
	}
	n = read(idfd, buf, sizeof(buf) - 1);
	close(idfd);
	if (n <= 0) {
		why(reason, "cannot read %s", p);
		return false;
	}
	buf[n] = 0;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "kr_probe", "GPL", ret0, 2, NULL);
	if (fd < 0) {
		why(reason, "load failed: %s", strerror(errno));
		return false;
	}
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_TRACEPOINT;
	a.size = sizeof(a);
	a.config = strtoull(buf, NULL, 10);
	a.sample_period = 1;
	a.wakeup_events = 1;
	pfd = (int)syscall(SYS_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0 || ioctl(pfd, PERF_EVENT_IOC_SET_BPF, fd)) {
		why(reason, "attach failed: %s", strerror(errno));
		if (pfd >= 0)
			close(pfd);
		close(fd);
		return false;
	}
	close(pfd);
	close(fd);
	return true;
}

void kr_capture_probe(struct kr_hook_probe hooks[KR_NR_HOOKS], int method)
{
	libbpf_print_fn_t old = libbpf_set_print(silent_print);
	int h, m;

	for (h = 0; h < KR_NR_HOOKS; h++) {
		struct kr_hook_probe *p = &hooks[h];

		memset(p, 0, sizeof(*p));
		p->event = hook_defs[h].event;
		p->category = hook_defs[h].category;
		p->chosen = -1;
		for (m = 0; m < KR_NR_METHODS; m++) {
			if (m == KR_M_TP_BTF)
				p->available[m] = probe_tp_btf(p->event, p->why[m]);
			else if (m == KR_M_RAW_TP)
				p->available[m] = probe_raw_tp(p->event, p->why[m]);
			else
				p->available[m] = probe_tracepoint(p->category, p->event, p->why[m]);
			if (p->chosen < 0 && p->available[m] && (method == KR_M_AUTO || method == m))
				p->chosen = m;
		}
	}
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
	if (h[KR_H_KVM_FPU].chosen < 0 && (h[KR_H_KVM_ENTRY].chosen < 0 || h[KR_H_KVM_EXIT].chosen < 0))
		return "no KVM run hook: neither kvm:kvm_fpu nor kvm:kvm_entry+kvm_exit can be attached "
		       "(is kvm loaded?)";
	return "";
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

struct kr_capture *kr_capture_open(const struct kr_capture_opts *o, char *err, size_t errlen)
{
	struct kr_capture *c = calloc(1, sizeof(*c));
	struct bpf_program *prog;
	struct kr_tif_layout tl;
	struct utsname_like { char arch[16], rel[128]; } u;
	int h, r, ncpu;
	FILE *f;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->stats_fd = -1;
	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_print);
	kr_capture_probe(c->hooks, o->method);
	if (*kr_capture_missing(c->hooks)) {
		snprintf(err, errlen, "%s%s%s", kr_capture_missing(c->hooks),
			 o->method != KR_M_AUTO ? " with --attach " : "",
			 o->method != KR_M_AUTO ? kr_method_name(o->method) : "");
		goto fail;
	}
	c->skel = kvmrace_bpf__open();
	if (!c->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	/* One program per hook: the chosen method's. */
	bpf_object__for_each_program(prog, c->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (h = 0; h < KR_NR_HOOKS; h++) {
		char name[64];

		if (c->hooks[h].chosen < 0)
			continue;
		snprintf(name, sizeof(name), "%s%s", method_prefix[c->hooks[h].chosen], c->hooks[h].event);
		prog = bpf_object__find_program_by_name(c->skel->obj, name);
		if (!prog) {
			snprintf(err, errlen, "internal: no BPF program %s", name);
			goto fail;
		}
		bpf_program__set_autoload(prog, true);
	}
	ncpu = libbpf_num_possible_cpus();
	if (ncpu > 0)
		bpf_map__set_max_entries(c->skel->maps.cpus, (unsigned)ncpu);
	c->skel->rodata->targ_tgid = (__u32)o->pid;
	c->skel->rodata->targ_descendants = o->descendants;
	c->skel->rodata->self_tgid = (__u32)getpid();
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
	r = kvmrace_bpf__load(c->skel);
	if (r) {
		snprintf(err, errlen, "loading the BPF programs failed: %s%s", strerror(-r),
			 o->verbose ? "" : " (run with -v for the verifier log)");
		goto fail;
	}
	if (o->prog_stats)
		c->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	r = kvmrace_bpf__attach(c->skel);
	if (r) {
		snprintf(err, errlen, "attaching the BPF programs failed: %s", strerror(-r));
		goto fail;
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

void kr_capture_counters(struct kr_capture *c, uint64_t *lost, uint64_t *untracked)
{
	int ncpu = libbpf_num_possible_cpus(), i, fd = bpf_map__fd(c->skel->maps.drops);
	__u64 *vals = calloc(ncpu > 0 ? ncpu : 1, sizeof(__u64));
	__u32 k;

	*lost = *untracked = 0;
	if (!vals)
		return;
	for (k = 0; k < 2; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (i = 0; i < ncpu; i++)
			*(k ? untracked : lost) += vals[i];
	}
	free(vals);
}

void kr_capture_hooks(struct kr_capture *c, char *buf, size_t len)
{
	size_t o = 0;
	int h;

	buf[0] = 0;
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
	ring_buffer__free(c->rb);
	kvmrace_bpf__destroy(c->skel);	/* detaches every link */
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	free(c);
}
