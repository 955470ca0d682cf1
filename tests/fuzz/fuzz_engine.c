// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_engine: bytes -> engine options (the first 16 bytes) and a sequence
 * of 64-byte struct kr_event -> kr_engine_push/finish -> every output writer
 * (human summary, JSON, perf script, Perfetto, JUnit, TAP) into memory,
 * each checked (JSON parses, XML is well-formed, TAP and perf script are
 * what their readers take).
 *
 * Options bytes: [0] flags (0x1 ordered, 0x2 a caveat, 0x4 truncated,
 * 0x8 irqs traced, 0x10 IPIs traced, 0x40 lost counts; the arch's hooks
 * give no_bracket and more evidence, as in report),
 * [1] arch (x86, powerpc, arm64, other), [2] max_findings (0: default),
 * [3..6] threshold ns (LE), [7..10] reorder window ns (LE, 0: default),
 * [11..14] lost events (LE), [15] untracked vCPU tasks (also: 0x1 a command
 * ran, 0x2 the Perfetto export).
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "event.h"
#include "fuzz.h"

#define OPT_BYTES 16

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const arch[] = { "x86", "powerpc", "arm64", "s390" };
	static const char *const hooks[] = {
		("kvm_fpu:tp_btf,kvm_userspace_exit:tp_btf,kvm_entry:tp_btf,kvm_exit:tp_btf,signal_generate:tp_btf,"
		 "irq_handler_entry:tp_btf,ipi_send_cpu:tp_btf"),
		"kvmppc_run_vcpu_enter:tracepoint,kvm_guest_enter:raw_tp,kvm_guest_exit:raw_tp,doorbell_entry:raw_tp",
		"kvm_entry:tracepoint,kvm_exit:tracepoint,sched_wakeup:tracepoint,ipi_raise:tracepoint",
		"",
	};
	struct kr_engine_opts eo;
	struct kr_run_info ri;
	struct kr_engine *e;
	struct fz_run run;
	size_t off;
	int a;

	if (size < OPT_BYTES)
		return 0;
	a = data[1] & 3;
	fz_run_info(&ri, arch[a], hooks[a]);
	ri.duration_ns = le32(data + 3) * 1000ull;
	ri.complete = !(data[0] & 0x80);
	ri.has_command = data[15] & 1;
	ri.command_status = (int)(int8_t)data[14];
	memset(&eo, 0, sizeof(eo));
	eo.ordered = data[0] & 0x1;
	eo.max_findings = data[2];
	eo.threshold_ns = le32(data + 3);
	eo.reorder_window_ns = le32(data + 7);
	eo.sink = fz_run_sink;
	eo.sink_ctx = &run;
	fz_run_open(&run, &ri, data[15] & 2);
	e = fz_engine_for(&ri, &eo);	/* no_bracket, caveat, irqs/IPIs from the hooks */
	if (data[0] & 0x2)
		kr_engine_set_caveat(e, "fuzz: a capture known to miss requests");
	if (data[0] & 0x8)
		kr_engine_set_irqs_traced(e);
	if (data[0] & 0x10)
		kr_engine_set_ipis_traced(e);
	for (off = OPT_BYTES; off + KR_EVENT_SIZE <= size; off += KR_EVENT_SIZE) {
		struct kr_event ev;

		memcpy(&ev, data + off, sizeof(ev));
		/* An event the engine refuses (kr_event_invalid: the recording
		 * reader refuses it before) is skipped; a valid one must be
		 * taken. */
		if (kr_engine_push(e, &ev) && !kr_event_invalid(&ev))
			abort();
	}
	if (data[0] & 0x40)
		kr_engine_set_lost(e, le32(data + 11), data[15]);
	if (data[0] & 0x4)
		kr_engine_set_truncated(e);
	kr_engine_finish(e);
	fz_run_close(&run, kr_engine_result(e), &ri);
	kr_engine_free(e);
	return 0;
}
