// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace-load: drive a tiny KVM guest and storm its vCPU thread with
 * signals or reschedule requests, printing exactly what was sent.
 *
 * x86: a real-mode guest that spins on a flag in guest memory (no exits of
 * its own) and halts when the host sets the flag; with --exits it does one
 * port I/O exit per loop instead (to time KVM_RUN round trips).
 * POWER (KVM-HV): a PAPR real-mode guest, the same spin; it leaves through an
 * hcall when the flag is set.
 * arm64: an EL1 guest with the MMU off, the same spin; it leaves through an
 * MMIO write (and --exits does one MMIO write per loop).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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
	long signals, resched, exits;
	long period_us, settle_ms, spin_ms;
	int vcpu_cpu, storm_cpu;
};

static struct opts o = { .period_us = 1000, .settle_ms = 20, .vcpu_cpu = -1, .storm_cpu = -1 };
static int vcpu_fd;
static struct kvm_run *run;
static uint8_t *mem;
static atomic_int vcpu_tid, vcpu_started;
static atomic_long sig_handled;
static long runs, eintr, ex_hlt, ex_io, ex_other;
static uint64_t run_ns;
static int wake_pipe[2];
static atomic_long fifo_wakeups;

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

static void on_sig(int sig)
{
	(void)sig;
	atomic_fetch_add(&sig_handled, 1);
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
	regs.msr = PPC_MSR_GUEST;
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

static void *vcpu_thread(void *arg)
{
	uint64_t t0;

	(void)arg;
	pin(o.vcpu_cpu);
	atomic_store(&vcpu_tid, (int)syscall(SYS_gettid));
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

/* SCHED_FIFO thread on the vCPU's CPU: each wakeup preempts the vCPU. */
static void *fifo_thread(void *arg)
{
	struct sched_param sp = { .sched_priority = 10 };
	char c;

	(void)arg;
	pin(o.vcpu_cpu);
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) {
		errno = EPERM;
		die("SCHED_FIFO (needs root or CAP_SYS_NICE)");
	}
	while (read(wake_pipe[0], &c, 1) == 1) {
		if (c == 'q')
			break;
		atomic_fetch_add(&fifo_wakeups, 1);
	}
	return NULL;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: kvmrace-load [OPTIONS]\n"
"Run a tiny KVM guest on a vCPU thread and storm that thread from another CPU.\n\n"
"  -s, --signals N     send N signals (SIGUSR1, tgkill) to the vCPU thread\n"
"  -r, --resched N     wake a SCHED_FIFO thread on the vCPU's CPU N times\n"
"  -P, --period-us US  time between two storm events (default 1000)\n"
"  -x, --exits N       guest does N port-I/O exits then halts (KVM_RUN timing)\n"
"  -S, --spin-ms MS    keep the guest spinning MS ms (default: until storm ends)\n"
"  -c, --cpu C         pin the vCPU thread to CPU C (default: last CPU)\n"
"  -C, --storm-cpu C   pin the storm thread to CPU C (default: CPU 0)\n"
"  -h, --help          this text\n\n"
"Output (stdout, one line each):\n"
"  kvmrace-load: pid=P vcpu_tid=T vcpu_cpu=C storm_cpu=S\n"
"  kvmrace-load: sent signal=N resched=M period_us=US\n"
"  kvmrace-load: kvm_run calls=R eintr=E hlt=H io=I other=O ns_per_run=X handled_signals=N fifo_wakeups=M\n");
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

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "signals", 1, 0, 's' }, { "resched", 1, 0, 'r' }, { "period-us", 1, 0, 'P' },
		{ "exits", 1, 0, 'x' }, { "spin-ms", 1, 0, 'S' }, { "cpu", 1, 0, 'c' },
		{ "storm-cpu", 1, 0, 'C' }, { "help", 0, 0, 'h' }, { 0 },
	};
	pthread_t vt, ft;
	struct sigaction sa;
	long sent_sig = 0, sent_res = 0, i;
	int c, ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);

	while ((c = getopt_long(argc, argv, "s:r:P:x:S:c:C:h", lo, NULL)) != -1) {
		switch (c) {
		case 's': o.signals = num_arg(optarg, "--signals"); break;
		case 'r': o.resched = num_arg(optarg, "--resched"); break;
		case 'P': o.period_us = num_arg(optarg, "--period-us"); break;
		case 'x': o.exits = num_arg(optarg, "--exits"); break;
		case 'S': o.spin_ms = num_arg(optarg, "--spin-ms"); break;
		case 'c': o.vcpu_cpu = (int)num_arg(optarg, "--cpu"); break;
		case 'C': o.storm_cpu = (int)num_arg(optarg, "--storm-cpu"); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kvmrace-load: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
#if defined(__powerpc64__)
	if (o.exits) {
		fprintf(stderr, "kvmrace-load: --exits is x86 only (the POWER guest has no port I/O)\n");
		return 1;
	}
#endif
	if (o.vcpu_cpu < 0)
		o.vcpu_cpu = ncpu - 1;
	if (o.storm_cpu < 0)
		o.storm_cpu = 0;
	if (o.vcpu_cpu >= ncpu || o.storm_cpu >= ncpu) {
		fprintf(stderr, "kvmrace-load: CPU out of range (this host has %d)\n", ncpu);
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGUSR1, &sa, NULL);
	setup_vm();
	if (o.resched) {
		if (pipe(wake_pipe))
			die("pipe");
		if (pthread_create(&ft, NULL, fifo_thread, NULL))
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
		sleep_us(o.settle_ms * 1000);	/* let the guest get going */
		for (i = 0; i < o.signals || i < o.resched; i++) {
			if (i < o.signals) {
				if (syscall(SYS_tgkill, getpid(), atomic_load(&vcpu_tid), SIGUSR1))
					die("tgkill");
				sent_sig++;
			}
			if (i < o.resched) {
				if (write(wake_pipe[1], "w", 1) != 1)
					die("write");
				sent_res++;
			}
			sleep_us(o.period_us);
		}
		sleep_us(o.spin_ms ? o.spin_ms * 1000 : o.settle_ms * 1000);
		__atomic_store_n(&mem[FLAG_GPA], 1, __ATOMIC_SEQ_CST);
	}
	pthread_join(vt, NULL);
	if (o.resched) {
		if (write(wake_pipe[1], "q", 1) != 1)
			die("write");
		pthread_join(ft, NULL);
	}
	printf("kvmrace-load: sent signal=%ld resched=%ld period_us=%ld\n", sent_sig, sent_res, o.period_us);
	printf("kvmrace-load: kvm_run calls=%ld eintr=%ld hlt=%ld io=%ld other=%ld ns_per_run=%llu "
	       "handled_signals=%ld fifo_wakeups=%ld\n",
	       runs, eintr, ex_hlt, ex_io, ex_other, (unsigned long long)(runs ? run_ns / runs : 0),
	       atomic_load(&sig_handled), atomic_load(&fifo_wakeups));
	return ex_other ? 1 : 0;
}
