// SPDX-License-Identifier: GPL-2.0
/* Option parsing, names and the JSON writer. */
#include <stdlib.h>
#include "arch.h"
#include "decode.h"
#include "hooks.h"
#include "kvmrace.h"
#include "json.h"
#include "tap.h"
#include "util.h"

static void time_units(void)
{
	uint64_t ns = 0;

	CHECK(!kr_parse_time_ns("500us", &ns) && ns == 500000);
	CHECK(!kr_parse_time_ns("2ms", &ns) && ns == 2000000);
	CHECK(!kr_parse_time_ns("1s", &ns) && ns == 1000000000);
	CHECK(!kr_parse_time_ns("1500", &ns) && ns == 1500);	/* -t refuses it without a unit: opts.c */
	CHECK(!kr_parse_time_ns("1500ns", &ns) && ns == 1500);
	CHECK(!kr_parse_time_ns("1.5ms", &ns) && ns == 1500000);
	CHECK(!kr_parse_time_ns("0", &ns) && ns == 0);
	CHECK(kr_parse_time_ns("", &ns));
	CHECK(kr_parse_time_ns("ms", &ns));
	CHECK(kr_parse_time_ns("-1ms", &ns));
	CHECK(kr_parse_time_ns("5xs", &ns));
	CHECK(kr_parse_time_ns("2 ms", &ns));
	CHECK(kr_parse_time_ns("nan", &ns));
	CHECK(kr_parse_time_ns("1e30s", &ns));
}

static void seconds(void)
{
	double s = 0;

	CHECK(!kr_parse_seconds("10", &s) && s == 10);
	CHECK(!kr_parse_seconds("0.5", &s) && s == 0.5);
	CHECK(!kr_parse_seconds("250ms", &s) && s == 0.25);
	CHECK(kr_parse_seconds("0", &s));
	CHECK(kr_parse_seconds("-3", &s));
	CHECK(kr_parse_seconds("x", &s));
}

static void names(void)
{
	char b[64];

	CHECK(!strcmp(kr_ppc_trap_name(0x980), "HV_DECREMENTER"));
	CHECK(!strcmp(kr_ppc_trap_name(0xe80), "H_DOORBELL"));	/* missing from the kernel's table */
	CHECK(!strcmp(kr_ppc_trap_name(0x1980), "NESTED_HV_DECREMENTER"));
	CHECK(kr_ppc_trap_name(0x123) == NULL);
	CHECK(!strcmp(kr_kvm_exit_name(5), "HLT"));
	CHECK(!strcmp(kr_exit_name("x86", 2, 0, -4, b, sizeof(b)), "KVM_RUN EINTR (errno 4)"));
	CHECK(!strcmp(kr_exit_name("powerpc", 1, 0x500, 0, b, sizeof(b)), "EXTERNAL (0x500)"));
	CHECK(!strcmp(kr_exit_name("arm64", 1, 0x216, 3, b, sizeof(b)), "TRAP HVC64 (EC 0x16)"));
	CHECK(!strcmp(kr_exit_name("arm64", 1, 0x024, 3, b, sizeof(b)), "IRQ"));	/* stale class ignored */
	CHECK(!strcmp(kr_exit_name("arm64", 1, 0x23b, 3, b, sizeof(b)), "TRAP ? (EC 0x3b)"));
	CHECK(!strcmp(kr_exit_name("arm64", 1, 0x700, 3, b, sizeof(b)), "ARM_EXCEPTION_7"));
	CHECK(!strcmp(kr_tif_names(KR_TIF_SIGPENDING | KR_TIF_NEED_RESCHED, b, sizeof(b)), "SIGPENDING|NEED_RESCHED"));
	CHECK(!strcmp(kr_tif_names(0, b, sizeof(b)), "none"));
}

static const char *caveat(const char *arch, const char *hooks)
{
	struct kr_hooklist l;

	kr_hooklist_parse(&l, hooks);
	return kr_arch_named(arch)->caveat(&l);
}

static void caveats(void)
{
	CHECK(caveat("arm64", "kvm_entry:tracepoint,sched_wakeup:tracepoint,sched_switch:tracepoint") != NULL);
	CHECK(caveat("arm64", "kvm_entry:tp_btf,sched_wakeup:tp_btf") == NULL);
	CHECK(caveat("x86", "sched_wakeup:tracepoint") == NULL);
	CHECK(caveat("arm64", "sched_wakeup:ftrace") == NULL);
}

static bool irqs(const char *hooks)
{
	struct kr_hooklist l;

	kr_hooklist_parse(&l, hooks);
	return kr_hooklist_irqs(&l);
}

static bool ipis(const char *hooks)
{
	struct kr_hooklist l;

	kr_hooklist_parse(&l, hooks);
	return kr_hooklist_ipis(&l);
}

static void irq_hooks(void)
{
	struct kr_hooklist l;

	CHECK(irqs("sched_switch:tp_btf,irq_handler_entry:tp_btf"));
	CHECK(irqs("doorbell_entry:raw_tp,kvm_guest_enter:raw_tp"));
	CHECK(irqs("kvm_fpu:ftrace,irq_entry:ftrace"));
	CHECK(irqs("reschedule_entry:ftrace"));
	CHECK(!irqs("kvm_fpu:tracepoint,sched_switch:tracepoint"));
	CHECK(!irqs("softirq_entry:ftrace,kvm_entry:ftrace"));	/* not a host interrupt here */
	CHECK(!irqs(""));
	CHECK(!irqs(NULL));
	CHECK(ipis("sched_switch:raw_tp,ipi_send_cpu:raw_tp"));
	CHECK(ipis("ipi_raise:ftrace"));
	CHECK(!ipis("ipi_entry:tp_btf,irq_handler_entry:tp_btf"));
	kr_hooklist_parse(&l, "kvm_fpu:tp_btf,sched_switch:raw_tp,odd,kvm_guest_enter:ftrace-text");
	CHECK_EQ(l.n, 4);
	CHECK(!strcmp(kr_hooklist_method(&l, "sched_switch"), "raw_tp"));
	CHECK(!strcmp(kr_hooklist_method(&l, "odd"), ""));
	CHECK(!strcmp(kr_hooklist_method(&l, "kvm_guest_enter"), "ftrace-text"));
	CHECK(kr_hooklist_method(&l, "kvm_entry") == NULL);
}

static bool has_hook(const struct kr_arch *a, int id)
{
	const int *h;

	for (h = a->hooks; *h >= 0; h++)
		if (*h == id)
			return true;
	return false;
}

/* kvm_fpu brackets KVM_RUN only where the kernel fires it (x86): arm64
 * defines it and never fires it, so a kvm_fpu hook there would keep the
 * function hook (the bracket arm64 needs) from being chosen. */
static void run_brackets(void)
{
	const struct kr_arch *x86 = kr_arch_named("x86"), *arm64 = kr_arch_named("arm64");
	const struct kr_arch *ppc = kr_arch_named("powerpc");

	CHECK(has_hook(x86, KR_H_KVM_FPU) && has_hook(x86, KR_H_KVM_RUN_FN));
	CHECK(!has_hook(arm64, KR_H_KVM_FPU));
	CHECK(has_hook(arm64, KR_H_KVM_RUN_FN) && has_hook(arm64, KR_H_KVM_ENTRY) && has_hook(arm64, KR_H_KVM_EXIT));
	CHECK(!has_hook(ppc, KR_H_KVM_FPU));
}

static void json_writer(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct kr_json j;

	kj_init(&j, f, false);
	kj_obj_open(&j);
	kj_kstr(&j, "s", "a\"b\\c\n\x01");
	kj_ku64(&j, "n", 18446744073709551615ull);
	kj_ki64(&j, "i", -5);
	kj_key(&j, "a");
	kj_arr_open(&j);
	kj_u64(&j, 1);
	kj_obj_open(&j);
	kj_obj_close(&j);
	kj_null(&j);
	kj_arr_close(&j);
	kj_key(&j, "e");
	kj_arr_open(&j);
	kj_arr_close(&j);
	kj_kbool(&j, "b", true);
	kj_obj_close(&j);
	fclose(f);
	CHECK(!strcmp(buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":18446744073709551615,\"i\":-5,"
			   "\"a\":[1,{},null],\"e\":[],\"b\":true}"));
	if (strcmp(buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":18446744073709551615,\"i\":-5,"
			"\"a\":[1,{},null],\"e\":[],\"b\":true}"))
		printf("#   got %s\n", buf);
	free(buf);
}

/* Strings are UTF-8: valid sequences as they are, control characters
 * escaped, each maximal invalid subpart one U+FFFD. */
static void json_utf8(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "vcpu-\xc3\xa9-\xc3\xbc \xe6\x97\xa5", "\"vcpu-\xc3\xa9-\xc3\xbc \xe6\x97\xa5\"" },
		{ "\x7f\xc2\x85\xe2\x80\xa8", "\"\\u007f\\u0085\xe2\x80\xa8\"" },
		{ "bad-\xff\xfe-\xc3", "\"bad-\\ufffd\\ufffd-\\ufffd\"" },
		{ "\xe6\x97", "\"\\ufffd\"" },			/* cut inside a character */
		{ "\xe6\x97x", "\"\\ufffdx\"" },
		{ "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80", /* overlong, surrogate, past U+10FFFF */
		  "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct kr_json j;

		kj_init(&j, f, false);
		kj_str(&j, t[i].in);
		fclose(f);
		CHECK(!strcmp(buf, t[i].want));
		if (strcmp(buf, t[i].want))
			printf("#   %zu: got %s\n", i, buf);
		free(buf);
	}
	{
		/* a 16-byte comm without its NUL: no byte past it */
		char comm[16], *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct kr_json j;

		memset(comm, 'A', sizeof(comm));
		kj_init(&j, f, false);
		kj_strn(&j, comm, sizeof(comm));
		fclose(f);
		CHECK(!strcmp(buf, "\"AAAAAAAAAAAAAAAA\""));
		free(buf);
	}
}

int main(void)
{
	RUN(time_units);
	RUN(seconds);
	RUN(names);
	RUN(caveats);
	RUN(irq_hooks);
	RUN(run_brackets);
	RUN(json_writer);
	RUN(json_utf8);
	DONE();
}
