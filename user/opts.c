// SPDX-License-Identifier: GPL-2.0
/* kvmrace-trace's command line (opts.h). */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture.h"
#include "hooks.h"
#include "opts.h"
#include "summary.h"
#include "util.h"

const char kr_usage_text[] =
"Usage: kvmrace-trace [trace] [OPTIONS] [-- COMMAND [ARGS...]]\n"
"       kvmrace-trace report [OPTIONS] FILE...\n"
"       kvmrace-trace check [--btf FILE]\n"
"\n"
"Catch a KVM host letting a vCPU run in the guest after a signal or a\n"
"reschedule request became pending for it.\n"
"\n"
"trace (default) traces live with BPF until Ctrl-C, the duration, or the end\n"
"of COMMAND; report analyses a recording made with -o, or ftrace text,\n"
"trace-cmd trace.dat / report text, perf script text (several files merge by\n"
"timestamp); check prints what this host supports and exits non-zero if\n"
"tracing cannot work.  Options go before or after files.\n"
"\n"
"Options:\n"
"  -d, --duration SECONDS  stop after SECONDS (fractions allowed; or with a\n"
"                          unit: ms, s, m, h)\n"
"  -p, --pid PID[,PID...]  only vCPU tasks of these processes\n"
"  -t, --threshold TIME    guest time past a request that is a violation, with\n"
"                          its unit: ns, us, ms or s (default 1ms)\n"
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
"                          for every tracepoint hook that has a program for it\n"
"                          (host interrupts: tp_btf/raw_tp only, on auto); fentry\n"
"                          or kprobe to bracket KVM_RUN with kvm_arch_vcpu_ioctl_run\n"
"                          (the other hooks on auto); default auto\n"
"      --max-findings N    findings kept and printed, worst first (default 100)\n"
"      --btf FILE          CO-RE against FILE (a kernel without /sys/kernel/btf)\n"
"      --prog-stats        print per-program BPF run time (kernel BPF stats)\n"
"      --events            report: print every recorded event, one per line\n"
"      --format FMT        report: kvmrace (a recording), ftrace (text of\n"
"                          /sys/kernel/tracing/trace, trace_pipe, trace-cmd\n"
"                          report), trace.dat (trace-cmd), perf (perf script\n"
"                          text); default: detected from the content\n"
"      --lenient           report: skip and count malformed trace lines\n"
"  -q, --quiet             no human summary (and no status line)\n"
"  -v, --verbose           more detail (libbpf messages, events by type)\n"
"  -h, --help              this text\n"
"  -V, --version           version\n"
"\n"
"On a terminal, a live run shows a status line once a second.\n"
"\n"
"Exit status:\n"
"  0  pass: vCPU runs observed, no event lost, no finding over the threshold\n"
"  1  error (bad option or input, a command that cannot run, missing\n"
"     privilege or kernel facility)\n"
"  2  violation: at least one finding over the threshold\n"
"  3  inconclusive: no vCPU run observed, events were lost or came out of\n"
"     order, or the capture is known to miss requests (the warning says which)\n"
"\n"
"Examples:\n"
"  sudo kvmrace-trace -d 10                    trace every vCPU for 10 s\n"
"  sudo kvmrace-trace -p $(pgrep -d, qemu) -t 500us --json out.json\n"
"  sudo kvmrace-trace -o run.kvmrace -- kvmrace-load --signals 200\n"
"  kvmrace-trace report run.kvmrace -t 2ms     replay a recording\n"
"  sudo kvmrace-trace check                    what this host supports\n";

void kr_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kvmrace-trace: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see kvmrace-trace --help)\n");
	exit(1);
}

enum { OPT_JSON = 256, OPT_ATTACH, OPT_MAX_FINDINGS, OPT_PROG_STATS, OPT_EVENTS, OPT_BTF, OPT_FORMAT, OPT_LENIENT,
       OPT_PERF_SCRIPT, OPT_PERFETTO, OPT_JUNIT, OPT_TAP, OPT_BACKEND, OPT_BUFFER_KB };

#define T KR_CMD_TRACE
#define R KR_CMD_REPORT
#define C KR_CMD_CHECK

/* Every option, with the commands it is for. */
static const struct kr_option {
	struct option o;
	unsigned cmds;
} options[] = {
	{ { "duration", 1, 0, 'd' }, T }, { { "pid", 1, 0, 'p' }, T | R }, { { "threshold", 1, 0, 't' }, T | R },
	{ { "output", 1, 0, 'o' }, T }, { { "json", 1, 0, OPT_JSON }, T | R },
	{ { "attach", 1, 0, OPT_ATTACH }, T }, { { "max-findings", 1, 0, OPT_MAX_FINDINGS }, T | R },
	{ { "prog-stats", 0, 0, OPT_PROG_STATS }, T }, { { "events", 0, 0, OPT_EVENTS }, R },
	{ { "btf", 1, 0, OPT_BTF }, T | C }, { { "format", 1, 0, OPT_FORMAT }, R },
	{ { "lenient", 0, 0, OPT_LENIENT }, R }, { { "perf-script", 1, 0, OPT_PERF_SCRIPT }, T | R },
	{ { "perfetto", 1, 0, OPT_PERFETTO }, T | R }, { { "junit", 1, 0, OPT_JUNIT }, T | R },
	{ { "tap", 0, 0, OPT_TAP }, T | R }, { { "backend", 1, 0, OPT_BACKEND }, T },
	{ { "buffer-kb", 1, 0, OPT_BUFFER_KB }, T }, { { "quiet", 0, 0, 'q' }, T | R },
	{ { "verbose", 0, 0, 'v' }, T | R | C }, { { "help", 0, 0, 'h' }, T | R | C },
	{ { "version", 0, 0, 'V' }, T | R | C },
};

#define NOPTS (sizeof(options) / sizeof(options[0]))

static const char *cmd_name(enum kr_cmd c)
{
	return c == KR_CMD_TRACE ? "trace" : c == KR_CMD_REPORT ? "report" : "check";
}

static const char *for_which(unsigned cmds)
{
	return cmds == T ? "live tracing" : cmds == R ? "report" : cmds == (T | C) ? "trace and check" :
	       cmds == C ? "check" : "trace and report";
}

/* -p 1234,5678 */
static void parse_pids(const char *s, struct kr_opts *o)
{
	char buf[1024], *tok, *save = NULL;
	long v;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (kr_parse_long(tok, &v) || v <= 0 || v > INT_MAX)
			kr_usage_error("-p: not a process id: '%s'", tok);
		if (o->npids == KR_MAX_PIDS)
			kr_usage_error("-p: more than %d processes", KR_MAX_PIDS);
		o->pids[o->npids++] = (pid_t)v;
	}
	if (!o->npids)
		kr_usage_error("-p: not a process id: '%s'", s);
}

/* -t: a time with its unit ("2" alone silently meant 2 ns). */
static void parse_threshold(const char *s, struct kr_opts *o)
{
	size_t n = strspn(s, "0123456789.");

	if (n && !s[n] && strspn(s, "0.") != n)
		kr_usage_error("-t: '%s' needs a unit: ns, us, ms or s (e.g. %sms)", s, s);
	if (kr_parse_time_ns(s, &o->threshold_ns))
		kr_usage_error("-t: not a time (e.g. 500us, 2ms): '%s'", s);
}

static void parse_choice(int c, const char *arg, struct kr_opts *o)
{
	long v;

	switch (c) {
	case OPT_ATTACH:
		if ((o->method = kr_method_parse(arg)) == -2)
			kr_usage_error("--attach: unknown method '%s' (tp_btf, raw_tp, tracepoint, fentry, kprobe, auto)", arg);
		break;
	case OPT_BACKEND:
		o->backend = !strcmp(arg, "auto") ? KR_B_AUTO : !strcmp(arg, "bpf") ? KR_B_BPF :
			     !strcmp(arg, "ftrace") ? KR_B_FTRACE : -1;
		if (o->backend < 0)
			kr_usage_error("--backend: unknown backend '%s' (auto, bpf, ftrace)", arg);
		break;
	case OPT_FORMAT:
		if (strcmp(arg, "kvmrace") && strcmp(arg, "ftrace") && strcmp(arg, "trace.dat") && strcmp(arg, "perf"))
			kr_usage_error("--format: unknown format '%s' (kvmrace, ftrace, trace.dat, perf)", arg);
		o->format = arg;
		break;
	case OPT_MAX_FINDINGS:
		if (kr_parse_long(arg, &v) || v <= 0 || v > 1000000)
			kr_usage_error("--max-findings: not a count from 1 to 1000000: '%s'", arg);
		o->max_findings = (unsigned)v;
		break;
	case OPT_BUFFER_KB:
		if (kr_parse_long(arg, &v) || v < 4 || v > 1048576)
			kr_usage_error("--buffer-kb: not a size in KiB from 4 to 1048576: '%s'", arg);
		o->buffer_kb = (unsigned)v;
		break;
	}
}

/* One option (its value in arg). */
static void take(int c, const char *arg, struct kr_opts *o)
{
	switch (c) {
	case 'd':
		if (kr_parse_seconds(arg, &o->duration_s))
			kr_usage_error("-d: not a duration (seconds, or 500ms, 2m, 1h): '%s'", arg);
		break;
	case 'p': parse_pids(arg, o); break;
	case 't': parse_threshold(arg, o); break;
	case 'o': o->out = arg; break;
	case OPT_JSON: o->ex.json = arg; break;
	case OPT_PROG_STATS: o->prog_stats = true; break;
	case OPT_EVENTS: o->events = true; break;
	case OPT_BTF: o->btf = arg; break;
	case OPT_LENIENT: o->lenient = true; break;
	case OPT_PERF_SCRIPT: o->ex.perf_script = arg; break;
	case OPT_PERFETTO: o->ex.perfetto = arg; break;
	case OPT_JUNIT: o->ex.junit = arg; break;
	case OPT_TAP: o->ex.tap = true; break;
	case 'q': o->quiet = true; break;
	case 'v': o->verbose = true; break;
	case 'h':
		fputs(kr_usage_text, stdout);
		exit(0);
	case 'V':
		printf("kvmrace-trace %s (schema %s)\n", KR_VERSION, KR_SCHEMA);
		exit(0);
	default: parse_choice(c, arg, o); break;
	}
}

/* The option c is for the command being run? */
static void check_command(int c, enum kr_cmd cmd)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (options[i].o.val == c && !(options[i].cmds & cmd))
			kr_usage_error("%s: --%s is for %s", cmd_name(cmd), options[i].o.name, for_which(options[i].cmds));
}

/* trace: the command after the first "--" (argc cut there). */
static char **command_after_dashes(int *argc, char **argv)
{
	int i;

	for (i = 1; i < *argc; i++)
		if (!strcmp(argv[i], "--")) {
			if (i + 1 == *argc)
				kr_usage_error("%s: no command after --", "trace");
			*argc = i;
			return &argv[i + 1];
		}
	return NULL;
}

void kr_parse_opts(int argc, char **argv, enum kr_cmd cmd, struct kr_opts *o)
{
	struct option lo[NOPTS + 1];
	size_t i;
	int c;

	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	o->threshold_ns = KR_DEFAULT_THRESHOLD_NS;
	o->method = KR_M_AUTO;
	for (i = 0; i < NOPTS; i++)
		lo[i] = options[i].o;
	memset(&lo[NOPTS], 0, sizeof(lo[NOPTS]));
	if (cmd == KR_CMD_TRACE)
		o->command = command_after_dashes(&argc, argv);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":d:p:t:o:qvhV", lo, NULL)) != -1) {
		if (c == ':')
			kr_usage_error("option '%s' needs a value", argv[optind - 1]);
		if (c == '?')
			kr_usage_error("unknown option '%s'", argv[optind - 1]);
		check_command(c, cmd);
		take(c, optarg, o);
	}
	o->files = &argv[optind];
	o->nfiles = argc - optind;
	if (cmd == KR_CMD_REPORT && !o->nfiles)
		kr_usage_error("%s: which recording? (kvmrace-trace report FILE)", "report");
	if (cmd != KR_CMD_REPORT && o->nfiles)
		kr_usage_error(cmd == KR_CMD_TRACE ? "unexpected argument '%s' (a command goes after --)" :
			       "check: unexpected argument '%s'", o->files[0]);
	if (o->command && o->npids)
		kr_usage_error("%s: -p and -- COMMAND exclude each other", "trace");
}
