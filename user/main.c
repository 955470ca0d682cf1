// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace-trace: catch a KVM host letting a vCPU run in the guest after a
 * signal or a reschedule request became pending for it.
 *
 * Commands (bpftool-style table): trace (default), report, check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "capture.h"
#include "capture_ftrace.h"
#include "decode.h"
#include "export.h"
#include "import_ftrace.h"
#include "engine.h"
#include "record.h"
#include "summary.h"
#include "util.h"

#define DEFAULT_THRESHOLD_NS 1000000ull	/* 1 ms: see docs/design.md */

struct opts {
	double duration_s;
	pid_t pid;
	uint64_t threshold_ns;
	const char *out;
	bool verbose;
	bool quiet;
	bool prog_stats;
	bool events;
	bool lenient;
	struct kr_export_opts ex;
	const char *format;
	const char *btf;
	int backend;
	int method;
	unsigned int max_findings;
	unsigned int buffer_kb;
	char **command;
};

static volatile sig_atomic_t exiting;
static volatile sig_atomic_t child_exited;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static void on_sigchld(int sig)
{
	(void)sig;
	child_exited = 1;
}

static const char usage_text[] =
"Usage: kvmrace-trace [trace] [OPTIONS] [-- COMMAND [ARGS...]]\n"
"       kvmrace-trace report [OPTIONS] FILE...\n"
"       kvmrace-trace check\n"
"\n"
"Catch a KVM host letting a vCPU run in the guest after a signal or a\n"
"reschedule request became pending for it.\n"
"\n"
"trace (default) traces live with BPF until Ctrl-C, the duration, or the end\n"
"of COMMAND; report analyses a recording made with -o; check prints what this\n"
"host supports and exits non-zero if tracing cannot work.\n"
"\n"
"Options:\n"
"  -d, --duration SECONDS  stop after SECONDS (fractions allowed)\n"
"  -p, --pid PID           only vCPU tasks of process PID\n"
"  -t, --threshold TIME    guest time past a request that is a violation\n"
"                          (units ns, us, ms, s; default 1ms)\n"
"  -o, --output FILE       record the raw event stream to FILE\n"
"      --json FILE|-       write the JSON summary (schema kvmrace/1) to FILE\n"
"                          or stdout (the human summary then goes to stderr,\n"
"                          as with any output to '-')\n"
"      --perf-script FILE|-\n"
"                          every event and finding as `perf script -g` text, in\n"
"                          time order, one frame per record (FlameGraph's\n"
"                          stackcollapse-perf.pl, speedscope; report reads it back)\n"
"      --perfetto FILE|-   Chrome/Perfetto trace-event JSON: a named track per\n"
"                          vCPU thread, KVM_RUN and guest slices, requests,\n"
"                          findings on named tracks\n"
"      --junit FILE|-      JUnit XML: one testsuite, four cases, worst findings\n"
"      --tap               TAP 13 on stdout, the same cases (summary to stderr)\n"
"                          Output files are written whole or not at all.\n"
"      --backend B         auto (BPF, else ftrace with one line saying why), bpf,\n"
"                          or ftrace (a tracefs instance of its own; TIF and\n"
"                          PACA state are then unknown)\n"
"      --buffer-kb N       the event buffer: BPF ring buffer in all (rounded up\n"
"                          to a power of two; default 4096), ftrace per CPU\n"
"                          (default 8192); events that do not fit are counted\n"
"                          as lost\n"
"      --attach METHOD     force an attach method: tp_btf, raw_tp or tracepoint\n"
"                          for every tracepoint hook; fentry or kprobe to bracket\n"
"                          KVM_RUN with kvm_arch_vcpu_ioctl_run (the other hooks\n"
"                          on auto); default auto\n"
"      --max-findings N    findings kept and printed, worst first (default 100)\n"
"      --btf FILE          CO-RE against FILE (a kernel without /sys/kernel/btf)\n"
"      --prog-stats        print per-program BPF run time (kernel BPF stats)\n"
"      --events            report: print every recorded event, one per line\n"
"      --format FMT        report: kvmrace (a recording), ftrace (text of\n"
"                          /sys/kernel/tracing/trace, trace_pipe, trace-cmd\n"
"                          report), trace.dat (trace-cmd), perf (perf script\n"
"                          text); default: detected from the content\n"
"      --lenient           report: skip and count malformed trace lines\n"
"  -q, --quiet             no human summary\n"
"  -v, --verbose           more detail (libbpf messages, events by type)\n"
"  -h, --help              this text\n"
"  -V, --version           version\n"
"\n"
"Exit status:\n"
"  0  pass: vCPU runs observed, no event lost, no finding over the threshold\n"
"  1  error (bad option or input, missing privilege or kernel facility)\n"
"  2  violation: at least one finding over the threshold\n"
"  3  inconclusive: no vCPU run observed, events were lost, or the capture\n"
"     is known to miss requests (the warning says which)\n"
"\n"
"Examples:\n"
"  sudo kvmrace-trace -d 10                    trace every vCPU for 10 s\n"
"  sudo kvmrace-trace -p $(pgrep -f qemu) -t 500us --json out.json\n"
"  sudo kvmrace-trace -o run.kvmrace -- kvmrace-load --signals 200\n"
"  kvmrace-trace report -t 2ms run.kvmrace     replay a recording\n"
"  sudo kvmrace-trace check                    what this host supports\n";

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "kvmrace-trace: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see kvmrace-trace --help)\n");
	exit(1);
}

enum { OPT_JSON = 256, OPT_ATTACH, OPT_MAX_FINDINGS, OPT_PROG_STATS, OPT_EVENTS, OPT_BTF, OPT_FORMAT, OPT_LENIENT,
       OPT_PERF_SCRIPT, OPT_PERFETTO, OPT_JUNIT, OPT_TAP, OPT_BACKEND, OPT_BUFFER_KB };

static void parse_opts(int argc, char **argv, struct opts *o, bool report)
{
	static const struct option lo[] = {
		{ "duration", 1, 0, 'd' }, { "pid", 1, 0, 'p' }, { "threshold", 1, 0, 't' },
		{ "output", 1, 0, 'o' }, { "json", 1, 0, OPT_JSON }, { "attach", 1, 0, OPT_ATTACH },
		{ "max-findings", 1, 0, OPT_MAX_FINDINGS }, { "prog-stats", 0, 0, OPT_PROG_STATS }, { "events", 0, 0, OPT_EVENTS }, { "btf", 1, 0, OPT_BTF }, { "format", 1, 0, OPT_FORMAT }, { "lenient", 0, 0, OPT_LENIENT },
		{ "perf-script", 1, 0, OPT_PERF_SCRIPT }, { "perfetto", 1, 0, OPT_PERFETTO }, { "junit", 1, 0, OPT_JUNIT },
		{ "tap", 0, 0, OPT_TAP }, { "backend", 1, 0, OPT_BACKEND }, { "buffer-kb", 1, 0, OPT_BUFFER_KB },
		{ "quiet", 0, 0, 'q' }, { "verbose", 0, 0, 'v' }, { "help", 0, 0, 'h' },
		{ "version", 0, 0, 'V' }, { 0 },
	};
	int c;
	long v;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:d:p:t:o:qvhV", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (report)
				usage_error("%s: -d is for live tracing", "report");
			if (kr_parse_seconds(optarg, &o->duration_s))
				usage_error("-d: not a duration in seconds: '%s'", optarg);
			break;
		case 'p':
			if (kr_parse_long(optarg, &v) || v <= 0 || v > INT_MAX)
				usage_error("-p: not a process id: '%s'", optarg);
			o->pid = (pid_t)v;
			break;
		case 't':
			if (kr_parse_time_ns(optarg, &o->threshold_ns))
				usage_error("-t: not a time (e.g. 500us, 2ms): '%s'", optarg);
			break;
		case 'o':
			if (report)
				usage_error("%s: -o is for live tracing", "report");
			o->out = optarg;
			break;
		case OPT_JSON:
			o->ex.json = optarg;
			break;
		case OPT_ATTACH:
			o->method = kr_method_parse(optarg);
			if (o->method == -2)
				usage_error("--attach: unknown method '%s' (tp_btf, raw_tp, tracepoint, fentry, kprobe, auto)", optarg);
			break;
		case OPT_MAX_FINDINGS:
			if (kr_parse_long(optarg, &v) || v <= 0 || v > 1000000)
				usage_error("--max-findings: not a count: '%s'", optarg);
			o->max_findings = (unsigned)v;
			break;
		case OPT_PROG_STATS:
			o->prog_stats = true;
			break;
		case OPT_BTF:
			o->btf = optarg;
			break;
		case OPT_FORMAT:
			if (!report)
				usage_error("%s: --format is for report", "trace");
			if (strcmp(optarg, "kvmrace") && strcmp(optarg, "ftrace") && strcmp(optarg, "trace.dat") &&
			    strcmp(optarg, "perf"))
				usage_error("--format: unknown format '%s' (kvmrace, ftrace, trace.dat, perf)", optarg);
			o->format = optarg;
			break;
		case OPT_LENIENT:
			o->lenient = true;
			break;
		case OPT_PERF_SCRIPT:
			o->ex.perf_script = optarg;
			break;
		case OPT_PERFETTO:
			o->ex.perfetto = optarg;
			break;
		case OPT_JUNIT:
			o->ex.junit = optarg;
			break;
		case OPT_TAP:
			o->ex.tap = true;
			break;
		case OPT_BACKEND:
			if (!strcmp(optarg, "auto"))
				o->backend = KR_B_AUTO;
			else if (!strcmp(optarg, "bpf"))
				o->backend = KR_B_BPF;
			else if (!strcmp(optarg, "ftrace"))
				o->backend = KR_B_FTRACE;
			else
				usage_error("--backend: unknown backend '%s' (auto, bpf, ftrace)", optarg);
			break;
		case OPT_BUFFER_KB:
			if (report)
				usage_error("%s: --buffer-kb is for live tracing", "report");
			if (kr_parse_long(optarg, &v) || v < 4 || v > 1048576)
				usage_error("--buffer-kb: not a size in KiB from 4 to 1048576: '%s'", optarg);
			o->buffer_kb = (unsigned)v;
			break;
		case OPT_EVENTS:
			if (!report)
				usage_error("%s: --events is for report", "trace");
			o->events = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("kvmrace-trace %s (schema %s)\n", KR_VERSION, KR_SCHEMA);
			exit(0);
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
			break;
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
}

/* ---- output ---- */

static int emit_outputs(const struct opts *o, const struct kr_result *r, const struct kr_run_info *ri,
			struct kr_export *x)
{
	if (!o->quiet)
		kr_print_summary(kr_export_stdout(&o->ex) ? stderr : stdout, r, ri, o->verbose);
	/* the JSON summary and every export: whole or none, one line on error */
	return kr_export_close(x, r, ri) ? 1 : 0;
}

static struct kr_export *open_exports(const struct opts *o, const struct kr_run_info *ri)
{
	struct kr_export *x;
	char err[512];

	if (!kr_export_wanted(&o->ex))
		return NULL;
	x = kr_export_open(&o->ex, ri, err, sizeof(err));
	if (!x) {
		fprintf(stderr, "kvmrace-trace: %s\n", err);
		exit(1);
	}
	return x;
}

static struct kr_engine *new_engine(const struct opts *o, const struct kr_run_info *ri, struct kr_export *x,
				     bool ordered)
{
	const char *hooks = ri->hooks, *caveat = kr_hooks_caveat(ri->arch, ri->hooks);
	struct kr_engine_opts eo = {
		.ordered = ordered,
		.threshold_ns = o->threshold_ns,
		.max_findings = o->max_findings,
		.no_bracket = strstr(hooks, "kvm_guest_enter:") != NULL,
		.sink = kr_export_streaming(x) ? kr_export_sink : NULL,
		.sink_ctx = x,
	};
	struct kr_engine *e = kr_engine_new(&eo);

	if (!e) {
		fprintf(stderr, "kvmrace-trace: out of memory\n");
		exit(1);
	}
	if (caveat) {
		fprintf(stderr, "kvmrace-trace: warning: %s\n", caveat);
		kr_engine_set_caveat(e, caveat);
	}
	if (kr_hooks_irqs(hooks))
		kr_engine_set_irqs_traced(e);
	if (kr_hooks_ipis(hooks))
		kr_engine_set_ipis_traced(e);
	return e;
}

/* ---- report ---- */

static void print_event(FILE *f, const struct kr_event *ev)
{
	char tif[64];

	fprintf(f, "%16.16s %7u [%03u] %llu.%09llu: %-14s vcpu=%d", ev->comm[0] ? ev->comm : "?",
		ev->tid, ev->cpu, (unsigned long long)(ev->ts / 1000000000ull), (unsigned long long)(ev->ts % 1000000000ull), kr_type_name(ev->type), ev->vcpu);
	if (ev->type == KR_EV_REQUEST)
		fprintf(f, " cause=%s reason=%u src_tid=%u", kr_cause_name(ev->cause), ev->reason, ev->src_tid);
	else if (ev->type == KR_EV_USER_EXIT || ev->type == KR_EV_GUEST_EXIT || ev->type == KR_EV_SIG_DELIVER)
		fprintf(f, " reason=%u err=%d", ev->reason, ev->err);
	else if (ev->type == KR_EV_SWITCH_OUT)
		fprintf(f, " prev_state=0x%x%s", (unsigned)ev->err, ev->flags & KR_F_PREEMPT ? " preempt" : "");
	if (ev->flags & KR_F_TIF)
		fprintf(f, " tif=%s raw=0x%x", kr_tif_names(ev->tif, tif, sizeof(tif)), ev->tif_raw);
	if (ev->flags & KR_F_PACA)
		fprintf(f, " soft_mask=%u irq_happened=0x%x", ev->soft_mask, ev->irq_happened);
	fputc('\n', f);
}

/* report on ftrace text: several files merge by timestamp. */
static int report_ftrace(const struct opts *o, int n, char **paths)
{
	struct kr_import *im;
	struct kr_run_info ri;
	struct kr_engine *e;
	struct kr_export *x;
	struct kr_event ev;
	char err[512], *h;
	int r, rc, i;

	for (i = 1; i < n; i++)
		if (!kr_is_ftrace_text(paths[i]) && !kr_is_trace_dat(paths[i]) && !o->format) {
			fprintf(stderr, "kvmrace-trace: %s: not ftrace text (the other files are)\n", paths[i]);
			return 1;
		}
	im = kr_import_open(paths, n, o->lenient, err, sizeof(err));
	if (!im) {
		fprintf(stderr, "kvmrace-trace: %s\n", err);
		return 1;
	}
	memset(&ri, 0, sizeof(ri));
	snprintf(ri.kernel, sizeof(ri.kernel), "unknown");
	snprintf(ri.host, sizeof(ri.host), "unknown");
	snprintf(ri.clock, sizeof(ri.clock), "ftrace trace_clock");
	/* The engine's mode and the exports' decoding depend on the arch: a
	 * short first look decides it. */
	{
		struct kr_import *scan = kr_import_open(paths, n, true, err, sizeof(err));
		const struct kr_import_stats *ms;
		struct kr_event tmp;

		/* Only the architecture is needed: stop at the first KVM event
		 * (or kvmrace's own header). */
		while (scan && kr_import_next(scan, &tmp, err, sizeof(err)) > 0) {
			const struct kr_import_stats *st = kr_import_stats(scan);

			if (st->saw_kvm_hv || st->saw_kvm || st->has_meta)
				break;
		}
		snprintf(ri.arch, sizeof(ri.arch), "%s", scan ? kr_import_arch(scan) : "unknown");
		ms = scan ? kr_import_stats(scan) : NULL;
		if (ms && ms->has_meta) {	/* kvmrace's own export: the run as traced */
			snprintf(ri.kernel, sizeof(ri.kernel), "%s", ms->kernel);
			snprintf(ri.host, sizeof(ri.host), "%s", ms->host);
			snprintf(ri.clock, sizeof(ri.clock), "%s", ms->clock);
			snprintf(ri.hooks, sizeof(ri.hooks), "%s", ms->hooks);
		}
		kr_import_close(scan);
	}
	h = ri.hooks;
	if (h[0])
		;	/* from the export's header */
	else if (!strcmp(ri.arch, "powerpc"))
		snprintf(h, sizeof(ri.hooks), "kvmppc_run_vcpu_enter:ftrace-text,kvmppc_run_vcpu_exit:ftrace-text,"
			 "kvm_guest_enter:ftrace-text,kvm_guest_exit:ftrace-text,kvmppc_run_core:ftrace-text,"
			 "signal_generate:ftrace-text,signal_deliver:ftrace-text,sched_switch:ftrace-text,"
			 "sched_wakeup:ftrace-text");
	else
		snprintf(h, sizeof(ri.hooks), "kvm_fpu:ftrace-text,kvm_userspace_exit:ftrace-text,kvm_entry:ftrace-text,"
			 "kvm_exit:ftrace-text,signal_generate:ftrace-text,signal_deliver:ftrace-text,"
			 "sched_switch:ftrace-text,sched_wakeup:ftrace-text");
	x = open_exports(o, &ri);
	e = new_engine(o, &ri, x, true);	/* text traces are in time order */
	err[0] = 0;
	while ((r = kr_import_next(im, &ev, err, sizeof(err))) > 0) {
		if (o->pid && ev.pid != (uint32_t)o->pid)
			continue;
		if (o->events)
			print_event(stdout, &ev);
		if (kr_engine_push(e, &ev)) {
			snprintf(err, sizeof(err), "internal: invalid event from the importer");
			r = -1;
			break;
		}
	}
	if (r < 0) {
		fprintf(stderr, "kvmrace-trace: %s\n", err);
		kr_import_close(im);
		kr_engine_free(e);
		kr_export_abort(x);
		return 1;
	}
	{
		const struct kr_import_stats *st = kr_import_stats(im);

		kr_engine_set_lost(e, st->lost, st->untracked);
		if (!st->used) {	/* one line: the error says what was read */
			fprintf(stderr, "kvmrace-trace: %s: no KVM, signal or scheduler event kvmrace uses (%llu trace "
				"lines, %llu of other events)\n", paths[0], (unsigned long long)st->events,
				(unsigned long long)st->unknown);
			kr_import_close(im);
			kr_engine_free(e);
			kr_export_abort(x);
			return 1;
		}
		if (!o->quiet && (st->unknown || st->malformed)) {
			char mal[64] = "";

			if (st->malformed)
				snprintf(mal, sizeof(mal), ", %llu malformed (skipped, --lenient)",
					 (unsigned long long)st->malformed);
			fprintf(stderr, "kvmrace-trace: %llu trace lines: %llu used, %llu of events kvmrace does not use "
				"(skipped)%s\n", (unsigned long long)st->events, (unsigned long long)st->used,
				(unsigned long long)st->unknown, mal);
		}
	}
	kr_engine_finish(e);
	{
		const struct kr_result *res = kr_engine_result(e);

		const struct kr_import_stats *st = kr_import_stats(im);

		ri.duration_ns = st->has_end ? st->duration_ns : res->last_ns - res->first_ns;
		ri.complete = st->has_end ? st->complete : true;
		ri.has_command = st->has_end && st->command_status >= 0;
		ri.command_status = st->command_status;
	}
	kr_import_close(im);
	rc = emit_outputs(o, kr_engine_result(e), &ri, x) ? 1 : kr_exit_status(kr_engine_result(e));
	kr_engine_free(e);
	return rc;
}

static int cmd_report(int argc, char **argv)
{
	struct opts o = { .threshold_ns = DEFAULT_THRESHOLD_NS, .method = KR_M_AUTO };
	struct kr_run_info ri;
	struct kr_reader rd;
	struct kr_export *x;
	struct kr_engine *e;
	const struct kr_event *ev;
	const struct kr_meta *m;
	const void *rec;
	char err[512];
	int r, rc;

	parse_opts(argc, argv, &o, true);
	if (optind >= argc)
		usage_error("%s: which recording? (kvmrace-trace report FILE)", "report");
	if (o.format ? !strcmp(o.format, "ftrace") || !strcmp(o.format, "trace.dat") || !strcmp(o.format, "perf") :
		       kr_is_ftrace_text(argv[optind]) || kr_is_trace_dat(argv[optind]))
		return report_ftrace(&o, argc - optind, argv + optind);
	if (optind + 1 < argc)
		usage_error("report: one kvmrace recording at a time (got '%s' too)", argv[optind + 1]);
	if (kr_reader_open(&rd, argv[optind], err, sizeof(err))) {
		fprintf(stderr, "kvmrace-trace: %s\n", err);
		return 1;
	}
	memset(&ri, 0, sizeof(ri));
	snprintf(ri.arch, sizeof(ri.arch), "%s", rd.info.arch);
	snprintf(ri.kernel, sizeof(ri.kernel), "%s", rd.info.kernel);
	snprintf(ri.host, sizeof(ri.host), "%s", rd.info.host);
	snprintf(ri.clock, sizeof(ri.clock), "%s", rd.info.clock);
	snprintf(ri.hooks, sizeof(ri.hooks), "%s", rd.info.hooks);
	x = open_exports(&o, &ri);
	e = new_engine(&o, &ri, x, false);
	err[0] = 0;
	while ((r = kr_reader_next_ptr(&rd, &rec, err, sizeof(err))) > 0) {
		ev = rec;
		m = rec;
		if (ev->type == KR_REC_LOST) {
			kr_engine_set_lost(e, m->v[0], m->v[1]);
		} else if (ev->type == KR_REC_END) {
			ri.complete = true;
			ri.duration_ns = m->v[0];
			ri.has_command = m->v[1] != 0;
			ri.command_status = (int)m->v[1] - 1;
		} else if (!o.pid || ev->pid == (uint32_t)o.pid) {
			if (o.events)
				print_event(stdout, ev);
			if (kr_engine_push(e, ev)) {
				fprintf(stderr, "kvmrace-trace: %s: invalid event at offset %" PRIu64 "\n", argv[optind],
					rd.offset - KR_EVENT_SIZE);
				r = -1;
				break;
			}
		}
	}
	if (r < 0) {
		if (*err)
			fprintf(stderr, "kvmrace-trace: %s\n", err);
		kr_reader_close(&rd);
		kr_engine_free(e);
		kr_export_abort(x);
		return 1;
	}
	kr_reader_close(&rd);
	if (!ri.complete)
		kr_engine_set_truncated(e);
	kr_engine_finish(e);
	if (!ri.complete) {
		const struct kr_result *res = kr_engine_result(e);

		ri.duration_ns = res->last_ns - res->first_ns;
		fprintf(stderr, "kvmrace-trace: %s: no end marker (the tracer was killed); analysed up to its "
			"last flush\n", argv[optind]);
	}
	rc = emit_outputs(&o, kr_engine_result(e), &ri, x) ? 1 : kr_exit_status(kr_engine_result(e));
	kr_engine_free(e);
	return rc;
}

/* ---- privileges ---- */

static bool have_caps(void)
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

/* ---- check ---- */

/* POWER: which KVM-HV entry path this host takes (power-kvm-hv.md §1). */
static const char *ppc_entry_path(const char *release)
{
	char line[256], cpu[64] = "";
	int a = 0, b = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "cpu\t", 4) && sscanf(line, "cpu : %63s", cpu) == 1)
			break;
	if (f)
		fclose(f);
	sscanf(release, "%d.%d", &a, &b);
	if (!strncmp(cpu, "POWER7", 6) || !strncmp(cpu, "POWER8", 6))
		return "vcore path (kvmppc_run_core): POWER7/8";
	if (a * 1000 + b >= 5014)
		return "P9 path (kvmhv_run_single_vcpu): POWER9+ on 5.14+";
	if (a * 1000 + b >= 4020)
		return "P9 path for radix guests, vcore path otherwise (4.20..5.13)";
	return "vcore path (kvmppc_run_core): before 4.20";
}

static int cmd_check(int argc, char **argv)
{
	struct kr_hook_probe hooks[KR_NR_HOOKS];
	struct utsname u;
	struct stat st;
	const char *miss, *btf_path = NULL, *src;
	char why[256], fwhy[256];
	bool kvm, root, ftrace_ok;
	int h, m, method = KR_M_AUTO;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		puts("Usage: kvmrace-trace check [--btf FILE]\nPrints arch, kernel, BTF, KVM, privileges and, per hook, "
		     "each attach method's availability and the one chosen, and the ftrace backend. Exit 0 if tracing can work (with BPF or ftrace), 1 if not.");
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "--btf"))
		btf_path = argv[2];
	else if (argc > 1)
		usage_error("check: unexpected argument '%s'", argv[1]);
	uname(&u);
	kvm = !stat("/dev/kvm", &st);
	root = have_caps();
	src = kr_capture_btf_source(btf_path, why, sizeof(why));
	printf("kvmrace-trace %s check\n", KR_VERSION);
	printf("  arch        : %s (%s)\n", kr_arch_name(), u.machine);
	printf("  kernel      : %s\n", u.release);
	printf("  kernel BTF  : %s\n", stat("/sys/kernel/btf/vmlinux", &st) ? "absent (tp_btf and task iterators "
	       "unavailable)" : "/sys/kernel/btf/vmlinux");
	if (src && !strncmp(src, "/proc/self/fd/", 14))
		printf("  CO-RE types : embedded minimal BTF for %s\n", u.release);
	else
		printf("  CO-RE types : %s\n", src ? src : why);
	printf("  /dev/kvm    : %s\n", kvm ? "present" : "absent");
	printf("  privileges  : %s\n", root ? "ok (CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN)" :
	       "missing: run as root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)");
	if (!root) {
		printf("  verdict     : cannot trace: insufficient privileges\n");
		return 1;
	}
	ftrace_ok = kr_ftcap_can_trace(fwhy, sizeof(fwhy));
	printf("  ftrace      : %s\n", fwhy);
	if (!src) {
		if (ftrace_ok) {
			printf("  verdict     : BPF cannot trace (no BTF for CO-RE: %s); the ftrace backend can "
			       "(--backend ftrace; auto falls back to it unless --btf is given)\n", why);
			return 0;
		}
		printf("  verdict     : cannot trace: no BTF for CO-RE, and no ftrace backend\n");
		return 1;
	}
	kr_capture_probe(hooks, method);
	printf("  hooks       : %-27s %-7s %-7s %-10s %-7s %-7s %s\n", "EVENT", "tp_btf", "raw_tp", "tracepoint",
	       "fentry", "kprobe", "CHOSEN");
	for (h = 0; h < KR_NR_HOOKS; h++) {
		if (!hooks[h].on_arch)
			continue;
		printf("                %-27s", hooks[h].event);
		for (m = 0; m < KR_NR_METHODS; m++)
			printf(" %-*s", m == KR_M_TRACEPOINT ? 10 : 7,
			       !hooks[h].applies[m] ? "-" : hooks[h].available[m] ? "yes" : "no");
		printf(" %s\n", kr_method_name(hooks[h].chosen));
	}
	for (h = 0; h < KR_NR_HOOKS; h++)
		for (m = 0; m < KR_NR_METHODS; m++)
			if (hooks[h].on_arch && hooks[h].applies[m] && !hooks[h].available[m])
				printf("                  %s via %s: %s\n", hooks[h].event, kr_method_name(m),
				       hooks[h].why[m]);
#if defined(__powerpc64__)
	printf("  entry path  : %s; kvm_hv:kvm_guest_enter/exit per guest run, kvmppc_run_vcpu_enter/exit per "
	       "KVM_RUN\n", ppc_entry_path(u.release));
#else
	(void)ppc_entry_path;
	{
		const char *run = hooks[KR_H_KVM_RUN_FN].chosen >= 0 ? "kvm_arch_vcpu_ioctl_run" :
				  hooks[KR_H_KVM_FPU].chosen >= 0 ? "kvm_fpu" : NULL;

		if (hooks[KR_H_KVM_ENTRY].chosen >= 0)
			printf("  entry path  : kvm:kvm_entry/kvm_exit where they fire (%s)%s%s%s\n",
			       strcmp(kr_arch_name(), "arm64") ? "VMX/SVM" : "arm64: the vCPU by task",
			       run ? ", else KVM_RUN bracketing (" : "", run ? run : "",
			       run ? ", kvm_userspace_exit)" : "");
		else
			printf("  entry path  : %s%s%s\n", run ? "KVM_RUN bracketing (" : "none", run ? run : "",
			       run ? ", kvm_userspace_exit)" : "");
	}
#endif
	miss = kr_capture_missing(hooks);
	if (*miss && ftrace_ok) {
		printf("  verdict     : BPF cannot trace (%s); the ftrace backend can (--backend auto falls back "
		       "to it)\n", miss);
		return 0;
	}
	if (*miss) {
		printf("  verdict     : cannot trace: %s\n", miss);
		return 1;
	}
	printf("  verdict     : tracing can work%s\n", kvm ? "" : " (no /dev/kvm: no local guests to see)");
	return 0;
}

/* ---- live trace ---- */

struct live {
	struct kr_engine *e;
	struct kr_writer *w;
	bool write_failed;
};

static int on_event(void *ctx, const struct kr_event *ev)
{
	struct live *l = ctx;

	if (l->w && !l->write_failed && kr_writer_event(l->w, ev))
		l->write_failed = true;
	if (kr_engine_push(l->e, ev))
		return -1;
	return 0;
}

static int write_lost(struct kr_writer *w, uint64_t lost, uint64_t untracked)
{
	struct kr_meta m;

	memset(&m, 0, sizeof(m));
	m.ts = kr_now_ns();
	m.type = KR_REC_LOST;
	m.v[0] = lost;
	m.v[1] = untracked;
	return kr_writer_meta(w, &m);
}

static pid_t start_command(char **argv, int *go_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "kvmrace-trace: pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "kvmrace-trace: fork: %s\n", strerror(errno));
		return -1;
	}
	if (!pid) {
		char c;

		close(p[1]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (read(p[0], &c, 1) != 1)
			_exit(127);	/* the tracer did not start */
		execvp(argv[0], argv);
		fprintf(stderr, "kvmrace-trace: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[0]);
	*go_fd = p[1];
	return pid;
}

static int cmd_trace(int argc, char **argv)
{
	struct opts o = { .threshold_ns = DEFAULT_THRESHOLD_NS, .method = KR_M_AUTO };
	struct kr_capture_opts co = { 0 };
	struct kr_capture *cap;
	struct kr_writer *w = NULL;
	struct kr_run_info ri;
	struct kr_rec_info rec;
	struct live l = { 0 };
	struct kr_export *x;
	struct sigaction sa;
	struct utsname u;
	uint64_t t0, deadline = 0, last_flush, lost = 0, untracked = 0, plost = 0, puntracked = 0;
	pid_t child = 0;
	int go_fd = -1, status = 0, r, rc;
	char err[512];

	parse_opts(argc, argv, &o, false);
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--"))
			usage_error("unexpected argument '%s' (a command goes after --)", argv[optind]);
		o.command = &argv[optind];
	} else if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
		usage_error("%s: no command after --", "trace");
	}
	if (o.command && o.pid)
		usage_error("%s: -p and -- COMMAND exclude each other", "trace");
	if (!have_caps()) {
		fprintf(stderr, "kvmrace-trace: tracing needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN); "
			"run it with sudo\n");
		return 1;
	}
	if (o.backend != KR_B_FTRACE && !kr_capture_btf_source(o.btf, err, sizeof(err)) &&
	    (o.backend == KR_B_BPF || o.btf)) {
		fprintf(stderr, "kvmrace-trace: %s\n", err);
		return 1;
	}
	if (o.pid && kill(o.pid, 0) && errno == ESRCH) {
		fprintf(stderr, "kvmrace-trace: -p %d: no such process\n", (int)o.pid);
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);

	if (o.command) {
		child = start_command(o.command, &go_fd);
		if (child < 0)
			return 1;
		co.pid = child;
		co.descendants = true;
	} else {
		co.pid = o.pid;
	}
	co.method = o.method;
	co.backend = o.backend;
	co.buffer_kb = o.buffer_kb;
	co.btf_path = o.btf;
	co.verbose = o.verbose;
	co.prog_stats = o.prog_stats;
	cap = kr_capture_open(&co, err, sizeof(err));
	if (!cap) {
		fprintf(stderr, "kvmrace-trace: %s\n", err);
		if (child > 0) {
			close(go_fd);	/* the child exits without running COMMAND */
			waitpid(child, NULL, 0);
		}
		return 1;
	}

	uname(&u);
	memset(&ri, 0, sizeof(ri));
	snprintf(ri.arch, sizeof(ri.arch), "%s", kr_arch_name());
	snprintf(ri.kernel, sizeof(ri.kernel), "%s", u.release);
	snprintf(ri.host, sizeof(ri.host), "%s", u.nodename);
	snprintf(ri.clock, sizeof(ri.clock), "CLOCK_MONOTONIC");
	kr_capture_hooks(cap, ri.hooks, sizeof(ri.hooks));
	if (o.out) {
		memset(&rec, 0, sizeof(rec));
		memcpy(rec.arch, ri.arch, sizeof(rec.arch));
		memcpy(rec.kernel, ri.kernel, sizeof(rec.kernel));
		memcpy(rec.clock, ri.clock, sizeof(rec.clock));
		memcpy(rec.hooks, ri.hooks, sizeof(rec.hooks));
		memcpy(rec.host, ri.host, sizeof(rec.host));
		w = malloc(sizeof(*w));
		if (!w || kr_writer_open(w, o.out, &rec)) {
			fprintf(stderr, "kvmrace-trace: -o %s: %s\n", o.out, strerror(errno));
			free(w);
			kr_capture_close(cap);
			if (child > 0) {
				close(go_fd);
				waitpid(child, NULL, 0);
			}
			return 1;
		}
	}
	x = open_exports(&o, &ri);
	l.e = new_engine(&o, &ri, x, false);
	l.w = w;
	if (!o.quiet)
		fprintf(stderr, "kvmrace-trace: tracing with %s (%s)%s\n", kr_capture_backend(cap), ri.hooks,
			o.command ? "; running the command" : o.duration_s > 0 ? "" : "; Ctrl-C to stop");
	t0 = kr_now_ns();
	if (o.duration_s > 0)
		deadline = t0 + (uint64_t)(o.duration_s * 1e9);
	if (child > 0) {
		if (write(go_fd, "g", 1) != 1)
			fprintf(stderr, "kvmrace-trace: cannot start the command: %s\n", strerror(errno));
		close(go_fd);
	}
	last_flush = t0;
	rc = 0;
	while (!exiting) {
		uint64_t now;

		r = kr_capture_poll(cap, 100, on_event, &l);
		if (r < 0 && r != -EINTR) {
			fprintf(stderr, "kvmrace-trace: reading events failed: %s\n", strerror(-r));
			rc = 1;
			break;
		}
		now = kr_now_ns();
		if (w && now - last_flush >= 1000000000ull) {
			kr_capture_counters(cap, &lost, &untracked);
			if ((lost != plost || untracked != puntracked) && write_lost(w, lost, untracked))
				l.write_failed = true;
			plost = lost;
			puntracked = untracked;
			if (kr_writer_flush(w))
				l.write_failed = true;
			last_flush = now;
		}
		if (l.write_failed) {
			fprintf(stderr, "kvmrace-trace: -o %s: write failed: %s\n", o.out, strerror(errno));
			rc = 1;
			break;
		}
		if (deadline && now >= deadline)
			break;
		if (child > 0 && child_exited) {
			pid_t p = waitpid(child, &status, WNOHANG);

			if (p == child) {
				child = -child;	/* reaped */
				break;
			}
			child_exited = 0;
		}
	}
	/* Drain what is already in the ring buffer, then stop. */
	if (kr_capture_poll(cap, 0, on_event, &l) < 0)
		rc = 1;
	kr_capture_counters(cap, &lost, &untracked);
	if (o.prog_stats)
		kr_capture_prog_stats(cap, stderr);
	kr_capture_close(cap);	/* every probe detached */
	if (child > 0) {
		/* Interrupted while COMMAND runs: end it, report how it ended. */
		kill(child, SIGTERM);
		waitpid(child, &status, 0);
		child = -child;
	}
	ri.duration_ns = kr_now_ns() - t0;
	ri.complete = true;
	if (child < 0) {
		ri.has_command = true;
		ri.command_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (w) {
		struct kr_meta m;

		memset(&m, 0, sizeof(m));
		m.ts = kr_now_ns();
		m.type = KR_REC_END;
		m.v[0] = ri.duration_ns;
		m.v[1] = ri.has_command ? (uint64_t)ri.command_status + 1 : 0;
		if (write_lost(w, lost, untracked) || kr_writer_meta(w, &m) || kr_writer_close(w)) {
			fprintf(stderr, "kvmrace-trace: -o %s: %s\n", o.out, strerror(errno));
			rc = 1;
		}
		free(w);
	}
	kr_engine_set_lost(l.e, lost, untracked);
	kr_engine_finish(l.e);
	if (emit_outputs(&o, kr_engine_result(l.e), &ri, x))
		rc = 1;
	if (!rc)
		rc = kr_exit_status(kr_engine_result(l.e));
	kr_engine_free(l.e);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "trace", cmd_trace }, { "report", cmd_report }, { "check", cmd_check },
	};
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && argv[1][0] != '-') {
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 1, argv + 1);
		fprintf(stderr, "kvmrace-trace: unknown command '%s' (trace, report, check; see --help)\n", argv[1]);
		return 1;
	}
	return cmd_trace(argc, argv);
}
