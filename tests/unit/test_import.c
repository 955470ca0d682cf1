// SPDX-License-Identifier: GPL-2.0
/* The ftrace text line parser and the importer on small inputs. */
#include <stdlib.h>
#include <unistd.h>
#include "decode.h"
#include "engine.h"
#include "import.h"
#include "tap.h"

static void latency_line(void)
{
	char l[] = "       CPU 0/KVM-1234    [001] dNh2.   123.456789: kvm_guest_exit: VCPU 0: trap=HV_DECREMENTER pc=0x0";
	struct kr_ftline o;

	CHECK_EQ(kr_ftrace_parse_line(l, &o), 1);
	CHECK(!strcmp(o.comm, "CPU 0/KVM"));
	CHECK_EQ(o.pid, 1234);
	CHECK_EQ(o.cpu, 1);
	CHECK(o.has_flags);
	CHECK(!strcmp(o.flags, "dNh2."));
	CHECK_EQ(o.ts, 123456789000ull);
	CHECK(!strcmp(o.event, "kvm_guest_exit"));
	CHECK(!strncmp(o.payload, "VCPU 0: trap=", 13));
}

/* options/record-tgid: "comm-pid (tgid) [cpu]", "(-----)" when unknown */
static void tgid_column(void)
{
	char a[] = "    kvmrace-load-18198   (  18197) [001] d..1.  9411.507361: kvm_entry: vcpu 0, rip 0x1000";
	char b[] = "          <idle>-0       (-------) [000] dN.1.  9411.507400: sched_wakeup: comm=x pid=5 prio=120 target_cpu=000";
	struct kr_ftline o;

	CHECK_EQ(kr_ftrace_parse_line(a, &o), 1);
	CHECK(!strcmp(o.comm, "kvmrace-load"));
	CHECK_EQ(o.pid, 18198);
	CHECK_EQ(o.tgid, 18197);
	CHECK_EQ(o.cpu, 1);
	CHECK(!strcmp(o.flags, "d..1."));
	CHECK(!strcmp(o.event, "kvm_entry"));
	CHECK_EQ(kr_ftrace_parse_line(b, &o), 1);
	CHECK(!strcmp(o.comm, "<idle>"));
	CHECK_EQ(o.pid, 0);
	CHECK_EQ(o.tgid, 0);
	CHECK(!strcmp(o.event, "sched_wakeup"));
}

static void plain_line(void)
{
	char l[] = "  qemu-system-x86-77 [000] 5.000000001: sched_switch: prev_comm=a b prev_pid=1 ==> next_pid=2";
	struct kr_ftline o;

	CHECK_EQ(kr_ftrace_parse_line(l, &o), 1);
	CHECK(!strcmp(o.comm, "qemu-system-x86"));
	CHECK_EQ(o.pid, 77);
	CHECK(!o.has_flags);
	CHECK_EQ(o.ts, 5000000001ull);
	CHECK(!strcmp(o.event, "sched_switch"));
}

/* trace-cmd report -l: CPU fused with the flags, comm cut at 8, plugin
 * payloads with brackets of their own. */
static void trace_cmd_latency_layout(void)
{
	char l[] = "kvmrace--31423   1dN.5.  3903.029948: sched_wakeup:         kworker/0:2:20906 [120] CPU:000";
	struct kr_ftline o;

	CHECK_EQ(kr_ftrace_parse_line(l, &o), 1);
	CHECK(!strcmp(o.comm, "kvmrace-"));
	CHECK_EQ(o.pid, 31423);
	CHECK_EQ(o.cpu, 1);
	CHECK(!strcmp(o.flags, "dN.5."));
	CHECK_EQ(o.ts, 3903029948000ull);
	CHECK(!strcmp(o.event, "sched_wakeup"));
	CHECK(!strncmp(o.payload, "kworker/0:2:20906 [120]", 23));
}

/* A comm may hold a " [digits]" of its own (a thread may name itself
 * anything): the CPU field is the bracket followed by the timestamp, in
 * ftrace's layout and in perf script's (kvmrace's export writes the comm
 * as it came). */
static void comm_with_bracket(void)
{
	char a[] = "      a [1] b-123     [001] d..1.     9.500000: kvm_entry: vcpu 0, rip 0x1000";
	char b[] = "CPU 1/  [000]KV    5000/5001    [002]     1.006721000: kvmrace:run_begin: vcpu=-1 cause=0";
	struct kr_ftline o;

	CHECK_EQ(kr_ftrace_parse_line(a, &o), 1);
	CHECK(!strcmp(o.comm, "a [1] b"));
	CHECK_EQ(o.pid, 123);
	CHECK_EQ(o.cpu, 1);
	CHECK(!strcmp(o.flags, "d..1."));
	CHECK_EQ(o.ts, 9500000000ull);
	CHECK(!strcmp(o.event, "kvm_entry"));
	CHECK_EQ(kr_ftrace_parse_line(b, &o), 1);
	CHECK(!strcmp(o.comm, "CPU 1/  [000]KV"));
	CHECK_EQ(o.tgid, 5000);
	CHECK_EQ(o.pid, 5001);
	CHECK_EQ(o.cpu, 2);
	CHECK_EQ(o.ts, 1006721000ull);
	CHECK(!strcmp(o.event, "kvmrace:run_begin"));
}

static void comments_and_garbage(void)
{
	char a[] = "# tracer: nop", b[] = "   ", c[] = "garbage here", d[] = "x-1 [000] notatime: ev: p",
	     e[] = "x-1 [000] 1.0 ev: p", f[] = "task [000] 1.000: ev: p";
	struct kr_ftline o;

	CHECK_EQ(kr_ftrace_parse_line(a, &o), 0);
	CHECK_EQ(kr_ftrace_parse_line(b, &o), 0);
	CHECK_EQ(kr_ftrace_parse_line(c, &o), -1);
	CHECK_EQ(kr_ftrace_parse_line(d, &o), -1);
	CHECK_EQ(kr_ftrace_parse_line(e, &o), -1);
	CHECK_EQ(kr_ftrace_parse_line(f, &o), -1);
}

/* A tiny POWER trace through the importer: one run with a request honoured
 * by a prompt doorbell exit; the trap decodes from its symbolic name. */
/* The text as a temporary trace file, opened for import (unlinked at once:
 * the importer keeps it open). */
static struct kr_import *import_text(const char *text)
{
	char path[] = "/tmp/kvmrace-import-XXXXXX", err[256];
	char *paths[1] = { path };
	struct kr_import *im;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	im = kr_import_open(paths, 1, false, err, sizeof(err));
	unlink(path);
	return im;
}

static void tiny_trace(void)
{
	char err[256];
	struct kr_import *im;
	struct kr_event ev[16];
	int n = 0, r;

	im = import_text("# tracer: nop\n"
	      " vcpu-10 [000] .....  1.000000: kvmppc_run_vcpu_enter: VCPU 0: tgid=9\n"
	      " vcpu-10 [000] d....  1.000100: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0\n"
	      " other-11 [001] d....  1.000200: signal_generate: sig=10 errno=0 code=-6 comm=vcpu pid=10 grp=0 res=0\n"
	      " vcpu-10 [000] d....  1.000300: kvm_guest_exit: VCPU 0: trap=H_DOORBELL pc=0x0 msr=0x0, ceded=0\n"
	      " vcpu-10 [000] .....  1.000400: kvmppc_run_vcpu_exit: VCPU 0: exit=0, ret=-4\n"
	      " vcpu-10 [000] .....  1.000500: tracing_mark_write: unrelated\n");
	CHECK(im != NULL);
	while (im && n < 16 && (r = kr_import_next(im, &ev[n], err, sizeof(err))) > 0)
		n++;
	CHECK_EQ(n, 5);
	CHECK_EQ(ev[0].type, KR_EV_RUN_BEGIN);
	CHECK_EQ(ev[0].pid, 9);
	CHECK_EQ(ev[1].type, KR_EV_GUEST_ENTER);
	CHECK(ev[1].flags & KR_F_IRQS_OFF);
	CHECK(ev[1].flags & KR_F_NR);
	CHECK_EQ(ev[2].type, KR_EV_REQUEST);
	CHECK_EQ(ev[2].tid, 10);
	CHECK_EQ(ev[2].src_tid, 11);
	CHECK_EQ(ev[3].type, KR_EV_GUEST_EXIT);
	CHECK_EQ(ev[3].reason, 0xe80);
	CHECK_EQ(ev[4].type, KR_EV_USER_EXIT);
	CHECK_EQ((uint32_t)ev[4].err, (uint32_t)-4);
	CHECK_EQ(kr_import_stats(im)->unknown, 1);
	CHECK(!strcmp(kr_import_arch(im), "powerpc"));
	kr_import_close(im);
}

/* Payload variants across kernel versions: traps the kernel's own table
 * lacks print as numbers (H_DOORBELL: "trap=0xe80"), trap 0 is an aborted
 * entry, fields taken by name whatever their order. */
static void payload_variants(void)
{
	struct kr_import *im;
	struct kr_event ev[16];
	char err[256];
	int n = 0;

	im = import_text(" vcpu-10 [000] 1.000000: kvmppc_run_vcpu_enter: VCPU 0: tgid=9\n"
	      " vcpu-10 [000] 1.000100: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0\n"
	      " vcpu-10 [000] 1.000300: kvm_guest_exit: VCPU 0: trap=0xe80 pc=0x0 msr=0x0, ceded=0\n"
	      " vcpu-10 [000] 1.000400: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0\n"
	      " vcpu-10 [000] 1.000500: kvm_guest_exit: VCPU 0: pc=0x0 trap=0x0 msr=0x0, ceded=0\n"
	      " vcpu-10 [000] 1.000600: kvmppc_run_vcpu_exit: VCPU 0: ret=-4, exit=10\n");
	CHECK(im != NULL);
	while (im && n < 16 && kr_import_next(im, &ev[n], err, sizeof(err)) > 0)
		n++;
	CHECK_EQ(n, 6);
	CHECK_EQ(ev[2].reason, 0xe80);
	CHECK(!(ev[2].flags & KR_F_ABORTED));
	CHECK_EQ(ev[4].reason, 0);
	CHECK(ev[4].flags & KR_F_ABORTED);
	CHECK_EQ(ev[5].reason, 10);
	CHECK_EQ((uint32_t)ev[5].err, (uint32_t)-4);
	CHECK(!kr_import_stats(im)->latency_flags);
	kr_import_close(im);
}

/* arm64 (lines as the emulated arm64 KVM host printed them): kvm_entry and
 * kvm_exit carry no vcpu, so the vCPU is the task; the exit's type and ESR
 * class decode; a signal the guest ran 5 ms past is a late exit. */
static void arm64_trace(void)
{
	struct kr_engine_opts eo = { .threshold_ns = 1000000 };
	struct kr_engine *e = kr_engine_new(&eo);
	const struct kr_result *r;
	struct kr_import *im;
	struct kr_event ev[16];
	char err[256], name[64];
	int n = 0;

	im = import_text("    kvmrace-load-143     [001] d....    19.143701: kvm_entry: PC: 0x0000000000001000\n"
	      "    kvmrace-load-143     [001] .....    19.143866: kvm_exit: TRAP: HSR_EC: 0x0020 (IABT_LOW), PC: 0x0000000000001000\n"
	      "    kvmrace-load-143     [001] d....    19.143900: kvm_entry: PC: 0x0000000000001000\n"
	      "    kvmrace-load-142     [000] d..1.    19.150000: signal_generate: sig=10 errno=0 code=-6 comm=kvmrace-load pid=143 grp=0 res=0\n"
	      "    kvmrace-load-143     [001] .....    19.155000: kvm_exit: IRQ: HSR_EC: 0x0024 (DABT_LOW), PC: 0x0000000000001004\n"
	      "    kvmrace-load-143     [001] .....    19.155100: kvm_userspace_exit: reason restart (4)\n");
	CHECK(im != NULL && e != NULL);
	while (im && e && n < 16 && kr_import_next(im, &ev[n], err, sizeof(err)) > 0)
		kr_engine_push(e, &ev[n++]);
	CHECK_EQ(n, 6);
	CHECK(!strcmp(kr_import_arch(im), "arm64"));
	CHECK_EQ(ev[0].type, KR_EV_GUEST_ENTER);
	CHECK_EQ(ev[0].tid, 143);
	CHECK_EQ(ev[1].type, KR_EV_GUEST_EXIT);
	CHECK_EQ(ev[1].reason, 0x220);
	CHECK(!strcmp(kr_exit_name("arm64", KR_EXIT_GUEST, ev[1].reason, ev[1].cause, name, sizeof(name)),
		      "TRAP IABT_LOW (EC 0x20)"));
	CHECK_EQ(ev[3].type, KR_EV_REQUEST);
	CHECK_EQ(ev[3].tid, 143);
	CHECK_EQ(ev[4].reason, 0x024);
	if (e) {
		kr_engine_finish(e);
		r = kr_engine_result(e);
		CHECK_EQ(r->runs, 2);
		CHECK_EQ(r->requests[KR_CAUSE_SIGNAL], 1);
		CHECK_EQ(r->violations, 1);
		CHECK_EQ(kr_result_verdict(r), KR_VIOLATION);
		CHECK(r->nr_findings == 1 && r->findings[0].exit_reason == 0x024);
		kr_engine_free(e);
	}
	kr_import_close(im);
}

/* x86's kvm_exit text names the reason as the vendor's table does: SVM's in
 * lower case, VMX's in upper case; both decode as the BPF side's would; a
 * name kvmrace does not know stays unknown. */
static void x86_exit_names(void)
{
	static const struct { const char *line, *name; } t[] = {
		{ " vcpu-10 [001] d.... 1.001000: kvm_exit: vcpu 0 reason hlt rip 0xffffffff8102 info1 0x0 info2 0x0\n",
		  "SVM_EXIT_HLT (0x78)" },
		{ " vcpu-10 [001] d.... 1.002000: kvm_exit: vcpu 0 reason npf rip 0x1 info1 0x6 info2 0xfee00000\n",
		  "SVM_EXIT_NPF (0x400)" },
		{ " vcpu-10 [001] d.... 1.003000: kvm_exit: vcpu 0 reason EXTERNAL_INTERRUPT rip 0x1 info1 0x0\n",
		  "VMX_EXIT_EXTERNAL_INTERRUPT (0x1)" },
		{ " vcpu-10 [001] d.... 1.004000: kvm_exit: vcpu 0 reason PF excp rip 0x1 info1 0x0\n", NULL },
	};
	char err[256], name[64], text[256];
	struct kr_import *im;
	struct kr_event ev;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), " vcpu-10 [001] d.... 1.000000: kvm_entry: vcpu 0, rip 0x1\n%s", t[i].line);
		im = import_text(text);
		CHECK(im != NULL);
		if (!im)
			continue;
		CHECK_EQ(kr_import_next(im, &ev, err, sizeof(err)), 1);
		CHECK_EQ(kr_import_next(im, &ev, err, sizeof(err)), 1);
		CHECK_EQ(ev.type, KR_EV_GUEST_EXIT);
		if (t[i].name)
			CHECK(!strcmp(kr_exit_name("x86", KR_EXIT_GUEST, ev.reason, ev.cause, name, sizeof(name)),
				      t[i].name));
		else
			CHECK_EQ(ev.reason, 0xffffffffu);
		kr_import_close(im);
	}
}

static int collect(void *ctx, const struct kr_event *ev)
{
	struct { struct kr_event ev[8]; int n; } *c = ctx;

	if (c->n < 8)
		c->ev[c->n] = *ev;
	c->n++;
	return 0;
}

/* The live converter (the ftrace backend) on an IPI to a mask of three CPUs:
 * one event per CPU, all delivered (its old caller's two-event array
 * overflowed on the stack: bad-inputs/lead-live-ipi-raise-3cpus.line). */
static void live_ipi_mask_3cpus(void)
{
	char l[] = "          <idle>-0       [001] d..2.   100.000001: ipi_raise: target_mask=00000000,00000007 "
		   "(Function call interrupts)";
	struct { struct kr_event ev[8]; int n; } c = { .n = 0 };
	struct kr_import *im = kr_import_new_live();
	int i;

	CHECK(im != NULL);
	if (!im)
		return;
	CHECK_EQ(kr_import_line(im, l, collect, &c), 3);
	CHECK_EQ(c.n, 3);
	for (i = 0; i < 3 && i < c.n; i++) {
		CHECK_EQ(c.ev[i].type, KR_EV_IPI_SEND);
		CHECK_EQ(c.ev[i].cpu, 1);
		CHECK_EQ(c.ev[i].reason, (uint32_t)i);
	}
	kr_import_close(im);
}

/* A reschedule on the wake-list path as text: sched_waking on the waker's CPU
 * for the vCPU's CPU (a task of higher priority), then sched_wakeup on the
 * vCPU's CPU: a waking event, then the request on the CPU it fired on. */
static void waking_then_wakeup(void)
{
	struct kr_import *im;
	struct kr_event ev[16];
	char err[256];
	int n = 0;

	im = import_text(" vcpu-10 [001] d.... 1.000000: kvm_entry: vcpu 0, rip 0x1000\n"
	      " waker-11 [000] d.... 1.000100: sched_waking: comm=hog pid=12 prio=89 target_cpu=001\n"
	      " waker-11 [000] d.... 1.000110: sched_waking: comm=low pid=13 prio=130 target_cpu=001\n"
	      " vcpu-10 [001] d.... 1.004000: kvm_exit: vcpu 0 reason INTR rip 0x1000 info 0 0\n"
	      " vcpu-10 [001] dNh.. 1.004010: sched_wakeup: comm=hog pid=12 prio=89 target_cpu=001\n");
	CHECK(im != NULL);
	while (im && n < 16 && kr_import_next(im, &ev[n], err, sizeof(err)) > 0)
		n++;
	CHECK_EQ(n, 4);	/* the lower-priority task's waking is none */
	CHECK_EQ(ev[1].type, KR_EV_WAKING);
	CHECK_EQ(ev[1].tid, 10);
	CHECK_EQ(ev[1].cpu, 0);
	CHECK_EQ(ev[1].reason, 12);
	CHECK_EQ(ev[1].src_tid, 11);
	CHECK_EQ(ev[3].type, KR_EV_REQUEST);
	CHECK_EQ(ev[3].cause, KR_CAUSE_RESCHED);
	CHECK_EQ(ev[3].cpu, 1);
	CHECK_EQ(ev[3].reason, 12);
	CHECK(ev[3].flags & KR_F_IN_IRQ);	/* "h": raised in the IPI's handler */
	CHECK(!(ev[1].flags & KR_F_IN_IRQ));
	kr_import_close(im);
}

/* A waking for the vCPU's CPU (the task's previous CPU) whose sched_wakeup
 * placed the task on another CPU (an RT task pushed off an RT vCPU's CPU):
 * a waking event flagged KR_F_ELSEWHERE voids it, once. */
static void waking_placed_elsewhere(void)
{
	struct kr_import *im;
	struct kr_event ev[16];
	char err[256];
	int n = 0;

	im = import_text(" vcpu-10 [001] d.... 1.000000: kvm_entry: vcpu 0, rip 0x1000\n"
	      " waker-11 [000] d.... 1.000100: sched_waking: comm=rt pid=12 prio=89 target_cpu=001\n"
	      " waker-11 [000] d.... 1.000120: sched_wakeup: comm=rt pid=12 prio=89 target_cpu=000\n"
	      " waker-11 [000] d.... 1.000300: sched_waking: comm=rt pid=12 prio=89 target_cpu=000\n"
	      " waker-11 [000] d.... 1.000310: sched_wakeup: comm=rt pid=12 prio=89 target_cpu=000\n");
	CHECK(im != NULL);
	while (im && n < 16 && kr_import_next(im, &ev[n], err, sizeof(err)) > 0)
		n++;
	CHECK_EQ(n, 3);
	CHECK_EQ(ev[1].type, KR_EV_WAKING);
	CHECK(!(ev[1].flags & KR_F_ELSEWHERE));
	CHECK_EQ(ev[2].type, KR_EV_WAKING);
	CHECK_EQ(ev[2].tid, 10);
	CHECK_EQ(ev[2].reason, 12);
	CHECK(ev[2].flags & KR_F_ELSEWHERE);
	kr_import_close(im);
}

/* perf script --show-lost-events: its PERF_RECORD_LOST lines (the kernel
 * lost that many events) are counted as lost, not malformed (the whole file
 * was refused); its other records (--show-task-events) are no events. */
static void perf_lost_records(void)
{
	struct kr_import *im;
	struct kr_event ev[8];
	char err[256];
	int n = 0;

	im = import_text("  kvmrace-load 10/10 [001] 1.000000: kvm:kvm_entry: vcpu 0, rip 0x1000\n"
	      "            perf 21191 [000] 1.000100: PERF_RECORD_LOST lost 2\n"
	      "              sh 21189 [001] 1.000200: PERF_RECORD_LOST lost 7\n"
	      "            perf 21191 [000] 1.000300: PERF_RECORD_COMM exec: sh:21189/21189\n"
	      "  kvmrace-load 10/10 [001] 1.004000: kvm:kvm_exit: vcpu 0 reason INTR rip 0x1000 info 0 0\n");
	CHECK(im != NULL);
	while (im && n < 8 && kr_import_next(im, &ev[n], err, sizeof(err)) > 0)
		n++;
	CHECK_EQ(n, 2);
	CHECK(im && kr_import_stats(im)->lost == 9);
	CHECK(im && kr_import_stats(im)->malformed == 0);
	kr_import_close(im);
	/* hostile counts saturate, never wrap back to none */
	im = import_text("            perf 21191 [000] 1.000100: PERF_RECORD_LOST lost 1\n"
	      "CPU:1 [LOST 18446744073709551615 EVENTS]\n"
	      "  kvmrace-load 10/10 [001] 1.000000: kvm:kvm_entry: vcpu 0, rip 0x1000\n");
	n = 0;
	while (im && n < 8 && kr_import_next(im, &ev[n], err, sizeof(err)) > 0)
		n++;
	CHECK(im && kr_import_stats(im)->lost == UINT64_MAX);
	kr_import_close(im);
}

/* POWER: kvmppc_run_vcpu_exit ends one pass of KVM_RUN's loop; ret 0
 * (RESUME_GUEST) and the page-fault code 4 go round again (KR_F_LOOP), -4
 * (-EINTR) and 2 (RESUME_HOST) return to userspace.  A request raised in a
 * softirq ("s") or hardirq ("h") is flagged KR_F_IN_IRQ. */
static void ppc_run_loop_and_irq_context(void)
{
	static const struct { const char *ret; bool loop; } rets[] = {
		{ "0", true }, { "4", true }, { "-4", false }, { "2", false },
	};
	unsigned i;

	for (i = 0; i < sizeof(rets) / sizeof(rets[0]); i++) {
		struct kr_import *im;
		struct kr_event ev[8];
		char err[256], text[1024];
		int n = 0;

		snprintf(text, sizeof(text),
			 " vcpu-10 [000] .....  1.000000: kvmppc_run_vcpu_enter: VCPU 0: tgid=9\n"
			 " vcpu-10 [000] d....  1.000100: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0\n"
			 " vcpu-10 [000] d....  1.000300: kvm_guest_exit: VCPU 0: trap=HV_DECREMENTER pc=0x0 msr=0x0, ceded=0\n"
			 " vcpu-10 [000] .....  1.000400: kvmppc_run_vcpu_exit: VCPU 0: exit=0, ret=%s\n"
			 " vcpu-10 [000] d.s1.  1.000500: signal_generate: sig=10 errno=0 code=-6 comm=vcpu pid=10 grp=0 res=0\n"
			 " vcpu-10 [000] dNh1.  1.000600: sched_wakeup: comm=hog pid=12 prio=89 target_cpu=000\n"
			 " other-11 [001] d..1.  1.000700: signal_generate: sig=12 errno=0 code=-6 comm=vcpu pid=10 grp=0 res=0\n",
			 rets[i].ret);
		im = import_text(text);
		CHECK(im != NULL);
		while (im && n < 8 && kr_import_next(im, &ev[n], err, sizeof(err)) > 0)
			n++;
		CHECK_EQ(n, 7);
		CHECK_EQ(ev[3].type, KR_EV_USER_EXIT);
		CHECK_EQ(!!(ev[3].flags & KR_F_LOOP), rets[i].loop);
		CHECK(ev[4].type == KR_EV_REQUEST && (ev[4].flags & KR_F_IN_IRQ));
		CHECK(ev[5].type == KR_EV_REQUEST && (ev[5].flags & KR_F_IN_IRQ));
		CHECK(ev[6].type == KR_EV_REQUEST && !(ev[6].flags & KR_F_IN_IRQ));
		kr_import_close(im);
	}
}

/* A KVM_RUN that ends before its task ever entered the guest (a signal, or
 * immediate_exit) makes it a vCPU task: the signal sent to it next is a
 * request. */
static void userspace_exit_makes_vcpu_task(void)
{
	struct kr_import *im;
	struct kr_event ev[8];
	char err[256];
	int n = 0;

	im = import_text(" vcpu-10 [001] ..... 1.000000: kvm_userspace_exit: reason restart (4)\n"
	      " load-9 [000] d.... 1.000100: signal_generate: sig=10 errno=0 code=-6 comm=vcpu pid=10 grp=0 res=0\n"
	      " load-9 [000] d.... 1.000200: signal_generate: sig=10 errno=0 code=-6 comm=x pid=11 grp=0 res=0\n");
	CHECK(im != NULL);
	while (im && n < 8 && kr_import_next(im, &ev[n], err, sizeof(err)) > 0)
		n++;
	CHECK_EQ(n, 2);	/* not the signal to task 11 */
	CHECK_EQ(ev[0].type, KR_EV_USER_EXIT);
	CHECK(ev[1].type == KR_EV_REQUEST && ev[1].tid == 10 && ev[1].cause == KR_CAUSE_SIGNAL);
	kr_import_close(im);
}

int main(void)
{
	RUN(userspace_exit_makes_vcpu_task);
	RUN(waking_then_wakeup);
	RUN(waking_placed_elsewhere);
	RUN(perf_lost_records);
	RUN(ppc_run_loop_and_irq_context);
	RUN(live_ipi_mask_3cpus);
	RUN(arm64_trace);
	RUN(latency_line);
	RUN(tgid_column);
	RUN(plain_line);
	RUN(trace_cmd_latency_layout);
	RUN(comm_with_bracket);
	RUN(comments_and_garbage);
	RUN(tiny_trace);
	RUN(payload_variants);
	RUN(x86_exit_names);
	DONE();
}
