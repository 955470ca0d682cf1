// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF backend: probe each hook's attach methods (probe.c), load the
 * skeleton with exactly one program per hook, attach (a hook whose chosen
 * method fails to attach falls back to its next one), and hand ring-buffer
 * events to a callback.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "arch.h"
#include "btf.h"
#include "capture.h"
#include "probe.h"
#include "kvmrace.skel.h"

struct bpf_session {
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

/* The programs' name prefixes per method (kvmrace.bpf.c), and for functions
 * the return side's. */
static const char *const method_prefix[KR_NR_METHODS] = { "tpbtf__", "raw__", "tp__", "fentry__", "kprobe__" };
static const char *const method_prefix2[KR_NR_METHODS] = { NULL, NULL, NULL, "fexit__", "kretprobe__" };

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	if (l == LIBBPF_DEBUG || !verbose_libbpf)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	struct bpf_session *c = ctx;

	if (size < sizeof(struct kr_event))
		return 0;
	c->delivered++;
	if (c->cb(c->cb_ctx, data)) {
		c->cb_err = -EIO;
		return -EIO;
	}
	return 0;
}

/* ---- vCPUs already in KVM_RUN when tracing starts ---- */

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

static void seed_pid(struct bpf_session *c, const char *pid)
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

static void seed_candidates(struct bpf_session *c, const pid_t *pids, int npids)
{
	struct dirent *d;
	DIR *proc;
	char p[16];
	int i;

	for (i = 0; i < npids; i++) {
		snprintf(p, sizeof(p), "%d", (int)pids[i]);
		seed_pid(c, p);
	}
	if (npids)
		return;
	proc = opendir("/proc");
	if (!proc)
		return;
	while ((d = readdir(proc)))
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9')
			seed_pid(c, d->d_name);
	closedir(proc);
}

/* The one-shot task iterator that finds them (kernels with BTF). */
static int run_task_iter(struct bpf_session *c)
{
	struct bpf_link *link;
	char buf[256];
	int fd;

	if (bpf_program__fd(c->skel->progs.seed_running_vcpus) < 0)
		return -1;
	link = bpf_program__attach_iter(c->skel->progs.seed_running_vcpus, NULL);
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

/* ---- POWER: the PACA pointers ---- */
#if defined(__powerpc64__)
/* Fill pacas[cpu] with r13 of each CPU: a kprobe on a syscall we then make
 * from every CPU in turn. */
static int read_pacas(struct bpf_session *c)
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

static void configure_paca(struct bpf_session *c, int ncpu)
{
	if (ncpu > 0)
		bpf_map__set_max_entries(c->skel->maps.pacas, (unsigned)ncpu);
	bpf_program__set_autoload(c->skel->progs.paca_probe, true);
}
#else
static int read_pacas(struct bpf_session *c)
{
	(void)c;
	return 0;
}

static void configure_paca(struct bpf_session *c, int ncpu)
{
	(void)c;
	(void)ncpu;
}
#endif

/* ---- loading ---- */

static struct bpf_program *prog_named(struct bpf_session *c, const char *prefix, const char *event)
{
	char name[80];

	snprintf(name, sizeof(name), "%s%s", prefix, event);
	return bpf_object__find_program_by_name(c->skel->obj, name);
}

/* Autoload the chosen method's program(s) of each hook. */
static int choose_programs(struct bpf_session *c)
{
	struct bpf_program *prog;
	int h, m;

	bpf_object__for_each_program(prog, c->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (h = 0; h < KR_NR_HOOKS; h++) {
		if ((m = c->hooks[h].chosen) < 0)
			continue;
		if (!(prog = prog_named(c, method_prefix[m], c->hooks[h].event)))
			return -1;
		bpf_program__set_autoload(prog, true);
		if (!method_prefix2[m])
			continue;
		if (!(prog = prog_named(c, method_prefix2[m], c->hooks[h].event)))
			return -1;
		bpf_program__set_autoload(prog, true);
	}
	return 0;
}

/* Map sizes and the rodata: the options, the arch's TIF layout. */
static void configure(struct bpf_session *c, const struct kr_capture_opts *o)
{
	char rel[128] = "";
	struct kr_tif_layout tl;
	int ncpu = libbpf_num_possible_cpus();
	FILE *f = fopen("/proc/sys/kernel/osrelease", "r");

	if (f) {
		if (fgets(rel, sizeof(rel), f))
			rel[strcspn(rel, "\n")] = 0;
		fclose(f);
	}
	if (ncpu > 0)
		bpf_map__set_max_entries(c->skel->maps.cpus, (unsigned)ncpu);
	if (o->buffer_kb) {
		__u32 sz = (__u32)getpagesize();

		while (sz < o->buffer_kb * 1024u)
			sz *= 2;
		bpf_map__set_max_entries(c->skel->maps.events, sz);
		c->skel->rodata->rb_wake_at = sz / 4;
	}
	c->skel->rodata->targ_filter = o->npids > 0;
	c->skel->rodata->targ_descendants = o->descendants;
	c->skel->rodata->self_tgid = (__u32)getpid();
	c->skel->rodata->merge_run_end = c->hooks[KR_H_KVM_FPU].chosen >= 0 &&
					 c->hooks[KR_H_KVM_USERSPACE_EXIT].chosen >= 0;
	c->skel->rodata->kernel_btf = !access("/sys/kernel/btf/vmlinux", R_OK);
	tl = kr_arch_host()->tif(kr_kernel_version(rel));
	c->skel->rodata->tif_sigpending_bit = tl.sigpending;
	c->skel->rodata->tif_notify_signal_bit = tl.notify_signal;
	c->skel->rodata->tif_need_resched_bit = tl.need_resched;
	c->skel->rodata->tif_need_resched_lazy_bit = tl.need_resched_lazy;
	/* Task iterators need the kernel's own BTF. */
	bpf_program__set_autoload(c->skel->progs.seed_running_vcpus, c->skel->rodata->kernel_btf);
	configure_paca(c, ncpu);
}

static struct kvmrace_bpf *open_skel(const struct kr_capture_opts *o)
{
	char why[512];
	const char *src = kr_btf_source(o->btf_path, why, sizeof(why));
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

/* The processes to trace, into the map the programs read at registration. */
static int set_targets(struct bpf_session *c, const struct kr_capture_opts *o)
{
	__u8 one = 1;
	int i;

	for (i = 0; i < o->npids; i++) {
		__u32 tgid = (__u32)o->pids[i];

		if (bpf_map_update_elem(bpf_map__fd(c->skel->maps.targ_tgids), &tgid, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Open, configure and load the skeleton; iterator: load the task iterator
 * (it may be what the kernel refuses). */
static int try_load(struct bpf_session *c, const struct kr_capture_opts *o, bool iterator)
{
	c->skel = open_skel(o);
	if (!c->skel)
		return -errno;
	if (choose_programs(c))
		return -ENOENT;
	configure(c, o);
	if (!iterator)
		bpf_program__set_autoload(c->skel->progs.seed_running_vcpus, false);
	return kvmrace_bpf__load(c->skel) ?: set_targets(c, o);
}

static void unload_skel(struct bpf_session *c)
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

static int load_skel(struct bpf_session *c, const struct kr_capture_opts *o, char *err, size_t errlen)
{
	int r = try_load(c, o, true);

	if (!c->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(-r));
		return -1;
	}
	if (r == -ENOENT) {
		snprintf(err, errlen, "internal: missing BPF program");
		return -1;
	}
	if (r) {
		/* Maybe only the task iterator is unsupported: retry without it
		 * (vCPUs already in KVM_RUN are then found at their next
		 * switch-out instead). */
		if (o->verbose)
			fprintf(stderr, "kvmrace-trace: loading with the task iterator failed (%s); "
				"retrying without it\n", strerror(-r));
		unload_skel(c);
		r = try_load(c, o, false);
	}
	if (r) {
		snprintf(err, errlen, "loading the BPF programs failed: %s%s", strerror(r < 0 ? -r : r),
			 o->verbose ? "" : " (run with -v for the verifier log)");
		return -1;
	}
	return 0;
}

/* ---- attaching ---- */

/* Attach every chosen program; the hook that failed, or -1. */
static int attach_all(struct bpf_session *c)
{
	int h;

	for (h = 0; h < KR_NR_HOOKS; h++) {
		struct kr_hook_probe *p = &c->hooks[h];

		if (p->chosen < 0)
			continue;
		c->links[h] = bpf_program__attach(prog_named(c, method_prefix[p->chosen], p->event));
		if (c->links[h] && method_prefix2[p->chosen]) {
			c->links2[h] = bpf_program__attach(prog_named(c, method_prefix2[p->chosen], p->event));
			if (!c->links2[h]) {
				bpf_link__destroy(c->links[h]);
				c->links[h] = NULL;
			}
		}
		if (!c->links[h]) {
			snprintf(p->why[p->chosen], sizeof(p->why[0]), "attach failed: %s", strerror(errno));
			return h;
		}
	}
	return -1;
}

/* The hook whose attach failed moves to its next available method (the
 * forced one only); says so with -v, or when none is left. */
static void fall_back(struct bpf_session *c, int h, const struct kr_capture_opts *o)
{
	struct kr_hook_probe *p = &c->hooks[h];
	int m, was = p->chosen;

	p->available[was] = false;
	p->chosen = -1;
	for (m = was + 1; m < KR_NR_METHODS && p->chosen < 0; m++)
		if (p->available[m] && (o->method == KR_M_AUTO || o->method == m))
			p->chosen = m;
	if (o->verbose || p->chosen < 0)
		fprintf(stderr, "kvmrace-trace: %s via %s: %s%s%s\n", p->event, kr_method_name(was), p->why[was],
			p->chosen >= 0 ? "; falling back to " : "", p->chosen >= 0 ? kr_method_name(p->chosen) : "");
}

/* A method forced with --attach that this host lacks for every hook it could
 * attach: say so, with the first hook's reason. */
static bool forced_unavailable(const struct bpf_session *c, int method, char *err, size_t errlen)
{
	int h, first = -1;

	if (method < 0)
		return false;
	for (h = 0; h < KR_NR_HOOKS; h++) {
		if (!c->hooks[h].on_arch || !c->hooks[h].applies[method])
			continue;
		if (c->hooks[h].available[method])
			return false;
		if (first < 0)
			first = h;
	}
	if (first < 0)
		return false;
	snprintf(err, errlen, "--attach %s is not available on this host: %s via %s: %s", kr_method_name(method),
		 c->hooks[first].event, kr_method_name(method), c->hooks[first].why[method]);
	return true;
}

/* Load and attach until every chosen hook is attached (each failure moves one
 * hook to its next method and reloads), or tracing cannot work. */
static int load_and_attach(struct bpf_session *c, const struct kr_capture_opts *o, char *err, size_t errlen)
{
	const struct kr_arch *a = kr_arch_host();
	int tries, failed;

	for (tries = 0;; tries++) {
		if (load_skel(c, o, err, errlen))
			return -1;
		if (o->prog_stats && c->stats_fd < 0)
			c->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if ((failed = attach_all(c)) < 0)
			return 0;
		fall_back(c, failed, o);
		unload_skel(c);
		if (*a->missing(c->hooks) || tries >= 2 * KR_NR_HOOKS) {
			snprintf(err, errlen, "%s", *a->missing(c->hooks) ? a->missing(c->hooks) :
				 "attaching the BPF programs failed");
			return -1;
		}
	}
}

static void bpf_close(void *b);

static void *bpf_open(const struct kr_capture_opts *o, char *err, size_t errlen)
{
	const struct kr_arch *a = kr_arch_host();
	struct bpf_session *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->stats_fd = -1;
	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_print);
	kr_probe_hooks(c->hooks, a, o->method);
	if (forced_unavailable(c, o->method, err, errlen))
		goto fail;
	if (*a->missing(c->hooks)) {
		snprintf(err, errlen, "%s%s%s", a->missing(c->hooks), o->method != KR_M_AUTO ? " with --attach " : "",
			 o->method != KR_M_AUTO ? kr_method_name(o->method) : "");
		goto fail;
	}
	if (load_and_attach(c, o, err, errlen))
		goto fail;
	if (read_pacas(c) && o->verbose)
		fprintf(stderr, "kvmrace-trace: PACA pointers not read: irq_soft_mask/irq_happened unknown\n");
	if (run_task_iter(c)) {
		if (o->verbose)
			fprintf(stderr, "kvmrace-trace: no task iterator: vCPUs already in KVM_RUN are found at "
				"their next switch-out\n");
		seed_candidates(c, o->npids ? o->pids : NULL, o->npids);
	}
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.events), on_ringbuf, c, NULL);
	if (!c->rb) {
		snprintf(err, errlen, "cannot open the ring buffer: %s", strerror(errno));
		goto fail;
	}
	return c;
fail:
	bpf_close(c);
	return NULL;
}

/* ---- the session ---- */

static int bpf_poll(void *b, int timeout_ms, kr_event_cb cb, void *ctx)
{
	struct bpf_session *c = b;
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

/* Runs of our programs the kernel skipped because another BPF program was
 * running on that CPU (recursion_misses: tp_btf, raw_tp and fentry since
 * 5.12; classic tracepoints and kprobes only since 6.7, older kernels skip
 * those silently).  Each one is a lost event. */
static uint64_t prog_misses(struct bpf_session *c)
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

/* The per-CPU drop counters: [0] ring buffer full, [1] vCPU table full. */
static void bpf_counters(void *b, uint64_t *lost, uint64_t *untracked)
{
	struct bpf_session *c = b;
	int ncpu = libbpf_num_possible_cpus(), i, fd = bpf_map__fd(c->skel->maps.drops);
	__u64 *vals = calloc(ncpu > 0 ? ncpu : 1, sizeof(__u64));
	__u32 k;

	*lost = *untracked = 0;
	for (k = 0; vals && k < 2; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (i = 0; i < ncpu; i++)
			*(k ? untracked : lost) += vals[i];
	}
	free(vals);
	*lost += prog_misses(c);
}

static void bpf_hooks(void *b, char *buf, size_t len)
{
	struct bpf_session *c = b;
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

static const char *bpf_name(void *b)
{
	(void)b;
	return "bpf";
}

static void bpf_prog_stats(void *b, FILE *f)
{
	struct bpf_session *c = b;
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

static void bpf_close(void *b)
{
	struct bpf_session *c = b;

	if (!c)
		return;
	ring_buffer__free(c->rb);
	if (c->skel)
		unload_skel(c);	/* detaches every link */
	if (c->stats_fd >= 0)
		close(c->stats_fd);
	free(c);
}

const struct kr_capture_ops kr_capture_bpf = {
	.open = bpf_open, .poll = bpf_poll, .counters = bpf_counters, .hooks = bpf_hooks, .name = bpf_name,
	.prog_stats = bpf_prog_stats, .close = bpf_close,
};
