// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace-load: drive a tiny KVM guest and storm its vCPU thread with
 * signals or reschedule requests, printing exactly what was sent.
 *
 * x86: a real-mode guest that spins on a flag in guest memory (no exits of
 * its own) and halts when the host sets the flag; with --exits it does one
 * port I/O exit per loop instead (to time KVM_RUN round trips).
 * POWER (KVM-HV): a PAPR real-mode guest, the same spin; it leaves through an
 * hcall when the flag is set.  It runs with MSR[EE]=1 (a host kick reaches it
 * at once), or with --ee0 at MSR[EE]=0 (under QEMU a host doorbell then waits
 * for the next host tick).
 * arm64: an EL1 guest with the MMU off, the same spin; it leaves through an
 * MMIO write (and --exits does one MMIO write per loop).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "summary.h"	/* KR_VERSION */

#if defined(__powerpc64__)
#define GUEST_MEM (16 << 20)	/* the kernel builds the VRMA/HPT on the first KVM_RUN */
#else
#define GUEST_MEM 0x10000
#endif
/* --exits: one exit to userspace per guest loop */
#if defined(__aarch64__)
#define EXIT_LOOP KVM_EXIT_MMIO
#else
#define EXIT_LOOP KVM_EXIT_IO
#endif
#define CODE_GPA 0x1000
#define FLAG_GPA 0x2000

struct opts {
	long signals, resched, exits, elsewhere;
	long period_us, settle_ms, spin_ms;
	int vcpu_cpu, storm_cpu;
	bool ee0, tick_align, tick_vcpu, tick_source_set, timer_signals;
	long tick_offset_us;
	const char *kick_log;
};

static struct opts o = { .period_us = 1000, .settle_ms = 20, .vcpu_cpu = -1, .storm_cpu = -1 };
static int vcpu_fd;
static bool immediate_exit_ok;	/* KVM_CAP_IMMEDIATE_EXIT */
static struct kvm_run *run;
static uint8_t *mem;
static atomic_int vcpu_tid, vcpu_started;
static atomic_long sig_handled;
static long runs, eintr, ex_hlt, ex_io, ex_other;
static uint64_t run_ns;
static int wake_pipe[2];
static atomic_long fifo_wakeups, fifo_preempted;
static int away_pipe[2], back_pipe[2];	/* --wake-elsewhere: wake the RT thread, send it back */
static atomic_long away_wakeups, away_pushed;

static void die(const char *what)
{
	fprintf(stderr, "kvmrace-load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static void report_done(int cause);

static void on_sig(int sig)
{
	(void)sig;
	atomic_fetch_add(&sig_handled, 1);
	report_done(0);
}

/* Guest memory at GPA 0, one vCPU, its kvm_run: the same on every arch. */
static void add_memory_and_vcpu(int kvm, int vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	int sz;

	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");
	vcpu_fd = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu_fd < 0)
		die("KVM_CREATE_VCPU");
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
}

/* /dev/kvm, a VM of that type, and GUEST_MEM of anonymous memory for it. */
static int open_vm(unsigned long type, int extra_mmap_flags, int *kvm_out)
{
	int kvm, vm;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, type);
	if (vm < 0)
		die(type ? "KVM_CREATE_VM (type KVM-HV; is kvm-hv loaded?)" : "KVM_CREATE_VM");
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | extra_mmap_flags, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	*kvm_out = kvm;
	immediate_exit_ok = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) > 0;
	return vm;
}

#if !defined(__x86_64__)
static void put_insn(uint32_t gpa, uint32_t insn)
{
	memcpy(mem + gpa, &insn, 4);	/* little-endian guest, little-endian host */
}
#endif

#if defined(__aarch64__)
#define MMIO_LOOP_GPA 0x100000	/* unbacked: each write is a KVM_EXIT_MMIO */
#define MMIO_DONE_GPA 0x100008

static void set_core_reg(uint64_t off_bytes, uint64_t val)
{
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (off_bytes / sizeof(uint32_t)),
		.addr = (uint64_t)(uintptr_t)&val,
	};

	if (ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg))
		die("KVM_SET_ONE_REG");
}

#define CORE_OFF(field) __builtin_offsetof(struct kvm_regs, field)

static void setup_vm(void)
{
	struct kvm_vcpu_init init;
	uint32_t a = CODE_GPA;
	int kvm, vm = open_vm(0, 0, &kvm);

	/* x0 = flag, x2 = done MMIO, x3 = per-loop MMIO */
	if (o.exits)
		put_insn(a, 0xb9000061), a += 4;	/* loop: str w1, [x3] */
	put_insn(a, 0xb9400001);			/* ldr w1, [x0] */
	put_insn(a + 4, o.exits ? 0x34ffffc1 : 0x34ffffe1);	/* cbz w1, loop */
	put_insn(a + 8, 0xb9000041);			/* str w1, [x2] */
	put_insn(a + 12, 0x14000000);			/* b . */
	add_memory_and_vcpu(kvm, vm);
	if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init))
		die("KVM_ARM_PREFERRED_TARGET");
	if (ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init))
		die("KVM_ARM_VCPU_INIT");
	set_core_reg(CORE_OFF(regs.pc), CODE_GPA);
	set_core_reg(CORE_OFF(regs.regs[0]), FLAG_GPA);
	set_core_reg(CORE_OFF(regs.regs[2]), MMIO_DONE_GPA);
	set_core_reg(CORE_OFF(regs.regs[3]), MMIO_LOOP_GPA);
}
#elif defined(__powerpc64__)
/*
 * POWER (KVM-HV): a PAPR real-mode guest that runs with MSR[EE]=1 (QEMU only
 * delivers a hypervisor doorbell to a CPU in guest mode while the guest has
 * EE=1) and never takes its own interrupts: it rewrites the decrementer each
 * loop, polls the flag at FLAG_GPA, and leaves with an hcall when it is set.
 */
#define KVM_VM_PPC_HV_TYPE 1
#define PPC_MSR_GUEST 0x8000000000009001ull	/* SF | EE | ME | LE */
#define PPC_MSR_EE 0x8000ull
#define LPCR_ILE 0x02000000ull

static void setup_vm(void)
{
	struct kvm_enable_cap cap;
	struct kvm_one_reg reg;
	struct kvm_regs regs;
	uint64_t lpcr = 0;
	uint32_t v;
	int kvm, vm = open_vm(KVM_VM_PPC_HV_TYPE, MAP_NORESERVE, &kvm);

	for (v = 0x100; v < 0x2000; v += 0x20)
		put_insn(v, 0x48000000);		/* every vector: b . */
	put_insn(0x900, 0x7c7603a6);			/* decrementer: mtdec r3 */
	put_insn(0x904, 0x4c000024);			/*              rfid */
	put_insn(0x0, 0x7c7603a6);			/* loop: mtdec r3 */
	put_insn(0x4, 0x80a00000 | FLAG_GPA);		/* lwz r5, FLAG_GPA(0) */
	put_insn(0x8, 0x2c050000);			/* cmpwi r5, 0 */
	put_insn(0xc, 0x4182fff4);			/* beq loop */
	put_insn(0x10, 0x38604000);			/* li r3, 0x4000 */
	put_insn(0x14, 0x44000022);			/* sc 1: an hcall KVM hands to us */
	put_insn(0x18, 0x48000000);			/* b . */
	add_memory_and_vcpu(kvm, vm);
	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_PPC_PAPR;
	if (ioctl(vcpu_fd, KVM_ENABLE_CAP, &cap))
		die("KVM_ENABLE_CAP PPC_PAPR");
	reg.id = KVM_REG_PPC_LPCR_64;
	reg.addr = (uint64_t)(uintptr_t)&lpcr;
	if (ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg))
		die("KVM_GET_ONE_REG LPCR");
	lpcr |= LPCR_ILE;	/* take interrupts little-endian */
	if (ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg))
		die("KVM_SET_ONE_REG LPCR");
	if (ioctl(vcpu_fd, KVM_GET_REGS, &regs))
		die("KVM_GET_REGS");
	regs.pc = 0;
	/* --ee0: the same loop at MSR[EE]=0.  QEMU delivers a host doorbell
	 * to a CPU in guest mode only while the guest has EE=1, so a kick
	 * then waits for the next host tick (HV_DECREMENTER). */
	regs.msr = o.ee0 ? PPC_MSR_GUEST & ~PPC_MSR_EE : PPC_MSR_GUEST;
	regs.gpr[3] = 0x7fffffff;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
}
#else
static void setup_vm(void)
{
	static const uint8_t spin[] = {
		0xa0, 0x00, 0x20,	/* mov al, [0x2000] */
		0x84, 0xc0,		/* test al, al */
		0x74, 0xf9,		/* jz -7 (loop) */
		0xf4,			/* hlt */
	};
	static const uint8_t io[] = {
		0xe6, 0x80,		/* out 0x80, al */
		0xa0, 0x00, 0x20,	/* mov al, [0x2000] */
		0x84, 0xc0,		/* test al, al */
		0x74, 0xf7,		/* jz -9 (loop) */
		0xf4,			/* hlt */
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int kvm, vm = open_vm(0, 0, &kvm);

	if (o.exits)
		memcpy(mem + CODE_GPA, io, sizeof(io));
	else
		memcpy(mem + CODE_GPA, spin, sizeof(spin));
	add_memory_and_vcpu(kvm, vm);
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rflags = 2;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
}
#endif

/* The guest is done: HLT on x86, the exit hcall on POWER, the done MMIO
 * write on arm64. */
static bool guest_done(void)
{
#if defined(__aarch64__)
	return run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == MMIO_DONE_GPA;
#elif defined(__powerpc64__)
	return run->exit_reason == KVM_EXIT_PAPR_HCALL;
#else
	return run->exit_reason == KVM_EXIT_HLT;
#endif
}

#define FIFO_PRIO 10	/* the FIFO threads' (--resched, --wake-elsewhere) */
#define VCPU_RT_PRIO 5	/* --wake-elsewhere: the vCPU thread's, below FIFO_PRIO */

static void set_fifo(int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) {
		errno = EPERM;
		die("SCHED_FIFO (needs root or CAP_SYS_NICE)");
	}
}

static void *vcpu_thread(void *arg)
{
	uint64_t t0;

	(void)arg;
	pin(o.vcpu_cpu);
	if (o.elsewhere)
		set_fifo(VCPU_RT_PRIO);
	atomic_store(&vcpu_tid, (int)syscall(SYS_gettid));
	/* One KVM_RUN that returns at once, before the storm: the thread has
	 * returned from KVM_RUN (kvm_userspace_exit) and is a vCPU task to a
	 * tracer before its first kick; a signal sent before it ever called
	 * KVM_RUN is no request for a vCPU. */
	if (immediate_exit_ok) {
		run->immediate_exit = 1;
		if (ioctl(vcpu_fd, KVM_RUN, 0) == 0 || errno != EINTR)
			die("KVM_RUN with immediate_exit");
		run->immediate_exit = 0;
	}
	atomic_store(&vcpu_started, 1);
	t0 = now_ns();
	for (;;) {
		int r = ioctl(vcpu_fd, KVM_RUN, 0);

		runs++;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				eintr++;
				continue;
			}
			die("KVM_RUN");
		}
		if (guest_done()) {
			ex_hlt++;
			break;
		}
		if (run->exit_reason == EXIT_LOOP) {
			ex_io++;
			if (o.exits && ex_io >= o.exits)
				mem[FLAG_GPA] = 1;
			continue;
		}
		ex_other++;
		fprintf(stderr, "kvmrace-load: unexpected exit reason %u\n", run->exit_reason);
		break;
	}
	run_ns = now_ns() - t0;
	return NULL;
}

/* This thread's voluntary context switches: one more each time it slept. */
static long self_voluntary_switches(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? -1 : ru.ru_nvcsw;
}

/* The vCPU thread's involuntary context switches (preempted), -1 if unknown. */
static long vcpu_involuntary_switches(void)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	if (!atomic_load(&vcpu_tid))
		return -1;
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", atomic_load(&vcpu_tid));
	if (!(f = fopen(path, "re")))
		return -1;
	while (n < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &n) != 1)
			n = -1;
	fclose(f);
	return n;
}

/* SCHED_FIFO thread on the vCPU's CPU: a wake-up preempts the vCPU task if it
 * is the one running there. */
static void *fifo_thread(void *arg)
{
	char c;

	(void)arg;
	pin(o.vcpu_cpu);
	set_fifo(FIFO_PRIO);
	for (;;) {
		long slept = self_voluntary_switches(), vcpu_out = vcpu_involuntary_switches();

		if (read(wake_pipe[0], &c, 1) != 1 || c == 'q')
			break;
		atomic_fetch_add(&fifo_wakeups, 1);
		report_done(1);
		/* A reschedule request for the vCPU task: this thread slept (the
		 * write woke it, not one folded into an earlier wake-up) and, woken,
		 * it took the CPU from the vCPU task (which another task on the CPU,
		 * or a vCPU halted in the kernel, would not give). */
		if (self_voluntary_switches() > slept && vcpu_out >= 0 && vcpu_involuntary_switches() > vcpu_out)
			atomic_fetch_add(&fifo_preempted, 1);
	}
	return NULL;
}

/* --wake-elsewhere: a SCHED_FIFO thread allowed on the vCPU's CPU and the
 * storm's, asleep with the vCPU's CPU as its last.  Woken, its sched_waking
 * names the vCPU's CPU, but the kernel places it on the storm's: the vCPU
 * thread there is RT and pinned (select_task_rq_rt).  It stays there until
 * sent back (after the storm's next kick), then moves to the vCPU's CPU (a
 * migration, no wake-up) and sleeps again. */
static void *away_thread(void *arg)
{
	cpu_set_t both;
	char c;

	(void)arg;
	set_fifo(FIFO_PRIO);
	CPU_ZERO(&both);
	CPU_SET(o.vcpu_cpu, &both);
	CPU_SET(o.storm_cpu, &both);
	for (;;) {
		pin(o.vcpu_cpu);
		if (sched_setaffinity(0, sizeof(both), &both))
			die("sched_setaffinity");
		if (read(away_pipe[0], &c, 1) != 1 || c == 'q')
			break;
		atomic_fetch_add(&away_wakeups, 1);
		if (sched_getcpu() != o.vcpu_cpu)
			atomic_fetch_add(&away_pushed, 1);
		if (read(back_pipe[0], &c, 1) != 1 || c == 'q')
			break;
	}
	return NULL;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static uint64_t tick_ns;	/* CLOCK_MONOTONIC_COARSE's resolution: the host's tick */
#define TICK_SPIN_NS 300000ull	/* spin this long before the tick is due */

/* --tick-source vcpu: the vCPU's exits at a host tick, its dec_exits in
 * KVM's binary statistics (KVM_GET_STATS_FD; POWER's HV_DECREMENTER exits). */
static int stats_fd = -1;
static off_t dec_exits_off;

static void open_dec_exits(void)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t dsz;
	char *buf;
	uint32_t i;

	stats_fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (stats_fd < 0)
		die("--tick-source vcpu: KVM_GET_STATS_FD");
	if (pread(stats_fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || !h.num_desc || !h.name_size ||
	    h.name_size > 4096) {
		errno = EINVAL;
		die("--tick-source vcpu: the vCPU statistics' header");
	}
	dsz = sizeof(*d) + h.name_size;
	buf = calloc(h.num_desc, dsz);
	if (!buf)
		die("calloc");
	if (pread(stats_fd, buf, dsz * h.num_desc, h.desc_offset) != (ssize_t)(dsz * h.num_desc))
		die("--tick-source vcpu: the vCPU statistics' descriptors");
	for (i = 0; i < h.num_desc; i++) {
		d = (struct kvm_stats_desc *)(buf + i * dsz);
		d->name[h.name_size - 1] = 0;
		if (!strcmp(d->name, "dec_exits") && d->size == 1) {
			dec_exits_off = (off_t)h.data_offset + d->offset;
			free(buf);
			return;
		}
	}
	free(buf);
	fprintf(stderr, "kvmrace-load: --tick-source vcpu: this KVM has no dec_exits vCPU statistic\n");
	exit(1);
}

static uint64_t dec_exits(void)
{
	uint64_t v;

	if (pread(stats_fd, &v, sizeof(v), dec_exits_off) != (ssize_t)sizeof(v))
		die("pread dec_exits");
	return v;
}

/*
 * --tick-align: wait for the host's next tick, then tick_offset_us more;
 * returns CLOCK_MONOTONIC when the tick was seen.  A kick made then lands
 * early in the tick: right after the guest's exit at it, a whole tick before
 * the next.  The tick is seen (--tick-source) as CLOCK_MONOTONIC_COARSE
 * moving (coarse: the timekeeping CPU's tick updates it; Linux's per-CPU
 * ticks are aligned, skew_tick=0), or as the vCPU's count of exits at a host
 * tick moving (vcpu: its own CPU's tick).  For coarse it sleeps until shortly
 * before the move is due and spins only the rest (an emulated CPU that spins
 * takes a host CPU from the vCPU's); a wake-up too late to see the move waits
 * for the next one.  For vcpu it spins.
 */
static uint64_t align_to_tick(void)
{
	uint64_t c0, seen;
	int late;

	if (stats_fd >= 0) {
		c0 = dec_exits();
		while (dec_exits() == c0)
			;
	} else {
		c0 = coarse_ns();
		for (late = 0; late < 8; late++) {
			if (c0 + tick_ns > now_ns() + TICK_SPIN_NS)
				sleep_until(c0 + tick_ns - TICK_SPIN_NS);
			if (coarse_ns() == c0)
				break;
			c0 = coarse_ns();
		}
		while (coarse_ns() == c0)
			;
	}
	seen = now_ns();
	while (now_ns() < seen + (uint64_t)o.tick_offset_us * 1000)
		;
	return seen;
}

/* The storm's kicks, written to --kick-log at the end. */
struct kick {
	uint64_t ns, done_ns, after_tick_ns;
	bool sig;
};
static struct kick *kicks;
static long nkicks;
static FILE *kick_log;	/* opened at start: a bad path fails before the run */

/*
 * --kick-log: when each kick was honoured.  The vCPU thread's SIGUSR1
 * handler (KVM_RUN returned) and the FIFO thread (it ran on the vCPU's CPU:
 * the vCPU task was switched out) each report the time and the index of the
 * latest kick of their cause through done_pipe; the storm waits for it (up
 * to DONE_WAIT_NS, sleeping) before the next period.
 */
#define DONE_WAIT_NS 100000000ull
static int done_pipe[2] = { -1, -1 };
static atomic_long last_kick[2];	/* per cause (0 signal, 1 resched): index + 1 */
struct done_msg {
	long idx;
	uint64_t ns;
};

static void report_done(int cause)	/* async-signal-safe */
{
	struct done_msg m = { atomic_load(&last_kick[cause]) - 1, now_ns() };

	if (done_pipe[1] >= 0 && m.idx >= 0 && write(done_pipe[1], &m, sizeof(m)) != (ssize_t)sizeof(m))
		return;
}

/* Read the reports until kick idx's came (idx < 0: those pending now). */
static void collect_done(long idx, uint64_t deadline)
{
	struct pollfd p = { .fd = done_pipe[0], .events = POLLIN };
	struct done_msg m;
	uint64_t t;

	for (;;) {
		t = now_ns();
		if (idx >= 0 && (kicks[idx].done_ns || t >= deadline))
			return;
		if (poll(&p, 1, idx < 0 ? 0 : (int)((deadline - t) / 1000000 + 1)) <= 0)
			return;
		if (read(done_pipe[0], &m, sizeof(m)) != (ssize_t)sizeof(m))
			die("read done_pipe");
		if (m.idx >= 0 && m.idx < nkicks && !kicks[m.idx].done_ns)
			kicks[m.idx].done_ns = m.ns;
	}
}

/* --timer-signals: SIGUSR1 from a one-shot POSIX timer aimed at the
 * vCPU thread (SIGEV_THREAD_ID), armed to fire 10 us on: the kernel sends
 * it from its timer interrupt (hrtimer), not from a task. */
static void timer_signal(void)
{
	static timer_t t;
	static bool made;
	struct itimerspec its = { .it_value = { .tv_nsec = 10000 } };

	if (!made) {
		struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };

		sev._sigev_un._tid = atomic_load(&vcpu_tid);	/* sigev_notify_thread_id */
		if (timer_create(CLOCK_MONOTONIC, &sev, &t))
			die("timer_create");
		made = true;
	}
	if (timer_settime(t, 0, &its, NULL))
		die("timer_settime");
}

/* One kick: SIGUSR1 to the vCPU thread, or a wake-up of the SCHED_FIFO
 * thread on the vCPU's CPU; its CLOCK_MONOTONIC time just before. */
static void kick(bool sig)
{
	uint64_t tick = o.tick_align ? align_to_tick() : 0;
	struct kick *k = &kicks[nkicks++];

	k->sig = sig;
	atomic_store(&last_kick[sig ? 0 : 1], nkicks);
	k->ns = now_ns();
	k->after_tick_ns = tick ? k->ns - tick : 0;
	if (sig && o.timer_signals) {
		timer_signal();
	} else if (sig) {
		if (syscall(SYS_tgkill, getpid(), atomic_load(&vcpu_tid), SIGUSR1))
			die("tgkill");
	} else if (write(wake_pipe[1], "w", 1) != 1) {
		die("write");
	}
	if (o.kick_log)
		collect_done(nkicks - 1, k->ns + DONE_WAIT_NS);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* --kick-log FILE: "CAUSE NS DONE_NS" per kick; with --tick-align one more
 * stdout line: how long after the tick the kicks went. */
static void write_kicks(void)
{
	uint64_t *d;
	FILE *f;
	long i;

	if (kick_log) {
		collect_done(-1, 0);	/* reports that came after their wait */
		f = kick_log;
		for (i = 0; i < nkicks; i++)
			fprintf(f, "%s %llu %llu\n", kicks[i].sig ? "signal" : "resched", (unsigned long long)kicks[i].ns,
				(unsigned long long)kicks[i].done_ns);
		if (fclose(f))
			die(o.kick_log);
	}
	if (!o.tick_align || !nkicks)
		return;
	d = calloc(nkicks, sizeof(*d));
	if (!d)
		die("calloc");
	for (i = 0; i < nkicks; i++)
		d[i] = kicks[i].after_tick_ns;
	qsort(d, nkicks, sizeof(*d), cmp_u64);
	printf("kvmrace-load: tick_aligned kicks=%ld source=%s tick_us=%.0f offset_us=%ld tick_to_kick_us median=%.1f "
	       "max=%.1f\n", nkicks, o.tick_vcpu ? "vcpu" : "coarse", tick_ns / 1e3, o.tick_offset_us, d[nkicks / 2] / 1e3,
	       d[nkicks - 1] / 1e3);
	free(d);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kvmrace-load [OPTIONS]\n"
"Run a tiny KVM guest on a vCPU thread and storm that thread from another CPU.\n\n"
"  -s, --signals N     send N signals (SIGUSR1, tgkill) to the vCPU thread\n"
"  -I, --timer-signals send them from a one-shot POSIX timer aimed at the vCPU\n"
"                      thread, armed by the storm thread, not with tgkill: the\n"
"                      kernel sends each from its timer interrupt (a request\n"
"                      raised in an interrupt handler; its kick time: when its\n"
"                      timer was armed)\n"
"  -r, --resched N     wake a SCHED_FIFO thread on the vCPU's CPU N times\n"
"  -W, --wake-elsewhere N  run the vCPU thread at SCHED_FIFO 5 and, a period\n"
"                      before each other kick, wake N times a SCHED_FIFO 10\n"
"                      thread last run on the vCPU's CPU: the kernel places it\n"
"                      on the storm's CPU (a sched_waking for the vCPU's CPU\n"
"                      that is no request for it)\n"
"  -P, --period-us US  time between two storm events (default 1000)\n"
"  -x, --exits N       guest does N port-I/O exits then halts (KVM_RUN timing)\n"
"  -S, --spin-ms MS    keep the guest spinning MS ms (default: until storm ends)\n"
"  -c, --cpu C         pin the vCPU thread to CPU C (default: last CPU)\n"
"  -C, --storm-cpu C   pin the storm thread to CPU C (default: CPU 0)\n"
"  -k, --kick-log FILE write each kick as \"CAUSE NS DONE_NS\" (signal|resched;\n"
"                      CLOCK_MONOTONIC, the tracer's clock): just before the\n"
"                      kick, and when it was honoured (the vCPU thread's handler\n"
"                      ran, or the FIFO thread ran; 0 if not within 100 ms,\n"
"                      which the storm waits before its period)\n"
"  -T, --tick-align    one kick per storm event, each on its own host tick:\n"
"                      sleep the period, spin until CLOCK_MONOTONIC_COARSE\n"
"                      moves (a tick), then kick (signals and wake-ups alternate)\n"
"  -O, --tick-offset-us US  with --tick-align, kick US after the tick (default 0)\n"
"  -U, --tick-source coarse|vcpu  how --tick-align sees the tick: CLOCK_MONOTONIC_\n"
"                      COARSE moving (default), or the vCPU's exits at a host\n"
"                      tick (KVM's dec_exits statistic, POWER): its own CPU's\n"
"                      tick, wherever the timekeeping CPU's is\n"

"  -E, --ee0           POWER: the guest runs at MSR[EE]=0 (QEMU then holds a\n"
"                      host doorbell until the next host tick)\n"
"  -V, --version       print the version\n"
"  -h, --help          this text\n\n"
"Output (stdout, one line each):\n"
"  kvmrace-load: pid=P vcpu_tid=T vcpu_cpu=C storm_cpu=S\n"
"  kvmrace-load: sent signal=N resched=M period_us=US\n"
"  kvmrace-load: kvm_run calls=R eintr=E hlt=H io=I other=O ns_per_run=X handled_signals=N fifo_wakeups=M fifo_preempted=P\n"
"  with --wake-elsewhere:\n"
"  kvmrace-load: wake_elsewhere wakeups=N placed_elsewhere=M\n"
"  (fifo_preempted: the wake-ups that found the FIFO thread asleep and took the\n"
"  CPU from the vCPU thread, i.e. the reschedule requests it made for that thread)\n"
"  with --tick-align:\n"
"  kvmrace-load: tick_aligned kicks=N source=S tick_us=T offset_us=US tick_to_kick_us median=X max=Y\n");
}

/* A bad option or combination: one line, exit 1. */
__attribute__((format(printf, 1, 2))) static void bad_args(const char *fmt, ...)
{
	va_list ap;

	fputs("kvmrace-load: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static long num_arg(const char *s, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		fprintf(stderr, "kvmrace-load: %s: not a non-negative number: '%s'\n", opt, s);
		exit(1);
	}
	return v;
}

#if defined(__powerpc64__)
#define POWER_HOST true		/* --ee0 applies, --exits does not */
#else
#define POWER_HOST false
#endif

/* The options into o; exits with the message on a bad one. */
static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "signals", 1, 0, 's' }, { "resched", 1, 0, 'r' }, { "period-us", 1, 0, 'P' },
		{ "exits", 1, 0, 'x' }, { "spin-ms", 1, 0, 'S' }, { "cpu", 1, 0, 'c' },
		{ "storm-cpu", 1, 0, 'C' }, { "kick-log", 1, 0, 'k' }, { "tick-align", 0, 0, 'T' },
		{ "tick-offset-us", 1, 0, 'O' }, { "tick-source", 1, 0, 'U' }, { "ee0", 0, 0, 'E' },
		{ "timer-signals", 0, 0, 'I' }, { "wake-elsewhere", 1, 0, 'W' },
		{ "version", 0, 0, 'V' },
		{ "help", 0, 0, 'h' }, { 0 },
	};
	int c;

	opterr = 0;	/* one line of our own instead */
	while ((c = getopt_long(argc, argv, "s:r:P:x:S:c:C:k:TO:U:EIW:Vh", lo, NULL)) != -1) {
		switch (c) {
		case 's': o.signals = num_arg(optarg, "--signals"); break;
		case 'r': o.resched = num_arg(optarg, "--resched"); break;
		case 'P': o.period_us = num_arg(optarg, "--period-us"); break;
		case 'x': o.exits = num_arg(optarg, "--exits"); break;
		case 'S': o.spin_ms = num_arg(optarg, "--spin-ms"); break;
		case 'c': o.vcpu_cpu = (int)num_arg(optarg, "--cpu"); break;
		case 'C': o.storm_cpu = (int)num_arg(optarg, "--storm-cpu"); break;
		case 'k': o.kick_log = optarg; break;
		case 'T': o.tick_align = true; break;
		case 'O': o.tick_offset_us = num_arg(optarg, "--tick-offset-us"); break;
		case 'E': o.ee0 = true; break;
		case 'U':
			if (strcmp(optarg, "coarse") && strcmp(optarg, "vcpu"))
				bad_args("--tick-source: coarse or vcpu, not '%s'", optarg);
			o.tick_vcpu = !strcmp(optarg, "vcpu");
			o.tick_source_set = true;
			break;
		case 'I': o.timer_signals = true; break;
		case 'W': o.elsewhere = num_arg(optarg, "--wake-elsewhere"); break;
		case 'V': printf("kvmrace-load %s\n", KR_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: bad_args("unknown option or missing value: '%s' (kvmrace-load --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad_args("unexpected argument '%s'", argv[optind]);
}

/* The options that cannot go together, and the CPUs' defaults and range. */
static void check_args(void)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);

	if (POWER_HOST && o.exits)
		bad_args("--exits is x86 only (the POWER guest has no port I/O)");
	if (!POWER_HOST && o.ee0)
		bad_args("--ee0 is POWER only (the guest's MSR[EE])");
	if ((o.tick_offset_us || o.tick_source_set) && !o.tick_align)
		bad_args("--tick-offset-us and --tick-source need --tick-align");
	if (o.tick_offset_us >= 1000000)
		bad_args("--tick-offset-us: at most 999999 (a tick is a few ms)");
	if (o.timer_signals && o.tick_align)
		bad_args("--timer-signals: the timer picks the time, --tick-align cannot");
	if (o.elsewhere && o.tick_align)
		bad_args("--wake-elsewhere: not with --tick-align (it times its own wake-ups)");
	if (o.exits && (o.tick_align || o.kick_log))
		bad_args("--exits runs no storm: --tick-align and --kick-log do not apply");
	if (o.vcpu_cpu < 0)
		o.vcpu_cpu = ncpu - 1;
	if (o.storm_cpu < 0)
		o.storm_cpu = 0;
	if (o.vcpu_cpu >= ncpu || o.storm_cpu >= ncpu)
		bad_args("CPU out of range (this host has %d)", ncpu);
	if (o.elsewhere && o.vcpu_cpu == o.storm_cpu)
		bad_args("--wake-elsewhere needs the storm on another CPU than the vCPU");
}

/* The storm: signals and wake-ups alternate, one every period (with
 * --tick-align each kick on a tick of its own); the counts sent. */
static void storm(long *sent_sig, long *sent_res)
{
	long i;

	kicks = calloc(o.signals + o.resched + 1, sizeof(*kicks));
	if (!kicks)
		die("calloc");
	sleep_us(o.settle_ms * 1000);	/* let the guest get going */
	for (i = 0; i < o.signals || i < o.resched || i < o.elsewhere; i++) {
		if (i < o.elsewhere) {	/* no kick: no request; the next one a period on */
			if (write(away_pipe[1], "w", 1) != 1)
				die("write");
			sleep_us(o.period_us);
		}
		if (i < o.signals) {
			if (o.tick_align)
				sleep_us(o.period_us);
			kick(true);
			(*sent_sig)++;
		}
		if (i < o.resched) {
			if (o.tick_align)
				sleep_us(o.period_us);
			kick(false);
			(*sent_res)++;
		}
		if (i < o.elsewhere && write(back_pipe[1], "b", 1) != 1)
			die("write");
		if (!o.tick_align)
			sleep_us(o.period_us);
	}
	sleep_us(o.spin_ms ? o.spin_ms * 1000 : o.settle_ms * 1000);
}

/* What the run needs before the threads: the kick log, the signal handler,
 * the VM, the tick's length and the vCPU's exit statistic. */
static void prepare(void)
{
	struct sigaction sa;

	if (o.kick_log) {
		kick_log = fopen(o.kick_log, "w");
		if (!kick_log)
			die(o.kick_log);
		if (pipe(done_pipe))
			die("pipe");
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGUSR1, &sa, NULL);
	setup_vm();
	if (o.tick_align) {
		struct timespec res;

		if (clock_getres(CLOCK_MONOTONIC_COARSE, &res))
			die("clock_getres CLOCK_MONOTONIC_COARSE");
		tick_ns = (uint64_t)res.tv_sec * 1000000000ull + res.tv_nsec;
	}
	if (o.tick_vcpu)
		open_dec_exits();
}

int main(int argc, char **argv)
{
	pthread_t vt, ft, at;
	long sent_sig = 0, sent_res = 0;

	parse_args(argc, argv);
	check_args();
	prepare();
	if (o.resched) {
		if (pipe(wake_pipe))
			die("pipe");
		if (pthread_create(&ft, NULL, fifo_thread, NULL))
			die("pthread_create");
	}
	if (o.elsewhere) {
		if (pipe(away_pipe) || pipe(back_pipe))
			die("pipe");
		if (pthread_create(&at, NULL, away_thread, NULL))
			die("pthread_create");
	}
	pin(o.storm_cpu);
	if (pthread_create(&vt, NULL, vcpu_thread, NULL))
		die("pthread_create");
	while (!atomic_load(&vcpu_started))
		sleep_us(100);
	printf("kvmrace-load: pid=%d vcpu_tid=%d vcpu_cpu=%d storm_cpu=%d\n", getpid(),
	       atomic_load(&vcpu_tid), o.vcpu_cpu, o.storm_cpu);
	fflush(stdout);
	if (!o.exits) {
		storm(&sent_sig, &sent_res);
		__atomic_store_n(&mem[FLAG_GPA], 1, __ATOMIC_SEQ_CST);
	}
	pthread_join(vt, NULL);
	if (o.resched) {
		if (write(wake_pipe[1], "q", 1) != 1)
			die("write");
		pthread_join(ft, NULL);
	}
	if (o.elsewhere) {
		if (write(away_pipe[1], "q", 1) != 1 || write(back_pipe[1], "q", 1) != 1)
			die("write");
		pthread_join(at, NULL);
	}
	printf("kvmrace-load: sent signal=%ld resched=%ld period_us=%ld\n", sent_sig, sent_res, o.period_us);
	write_kicks();
	printf("kvmrace-load: kvm_run calls=%ld eintr=%ld hlt=%ld io=%ld other=%ld ns_per_run=%llu "
	       "handled_signals=%ld fifo_wakeups=%ld fifo_preempted=%ld\n",
	       runs, eintr, ex_hlt, ex_io, ex_other, (unsigned long long)(runs ? run_ns / runs : 0),
	       atomic_load(&sig_handled), atomic_load(&fifo_wakeups), atomic_load(&fifo_preempted));
	if (o.elsewhere)
		printf("kvmrace-load: wake_elsewhere wakeups=%ld placed_elsewhere=%ld\n", atomic_load(&away_wakeups),
		       atomic_load(&away_pushed));
	return ex_other ? 1 : 0;
}
