// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace-trace (trace): live, until Ctrl-C, the duration, or the end of the
 * command.  Open (the command, the capture, the recording), run (poll, record,
 * analyse; a status line on a terminal), close (drain, detach every probe, end
 * the command, end the recording); the job driver emits the outputs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "arch.h"
#include "btf.h"
#include "capture.h"
#include "commands.h"
#include "job.h"
#include "record.h"
#include "util.h"

struct trace {
	struct kr_capture *cap;
	struct kr_writer *w;
	bool write_failed;
	pid_t child;		/* > 0 running, < 0 reaped (its negation) */
	int go_fd, exec_fd;	/* the command's go, and its exec's failure (errno) */
	int status;
	uint64_t t0, deadline, last_flush, last_status;
	uint64_t plost, puntracked;
	bool status_line;	/* a terminal: a status line once a second */
	bool no_kvm;		/* this host has no /dev/kvm */
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

static struct trace *tr(struct kr_job *j)
{
	return j->priv;
}

static void handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);	/* the reader of our output is gone (| head) */
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

/* What must hold before anything starts; 0, or 1 with one line said. */
static int preconditions(const struct kr_opts *o)
{
	char err[512];
	int i;

	if (!kr_have_caps()) {
		fprintf(stderr, "kvmrace-trace: tracing needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN); "
			"run it with sudo\n");
		return 1;
	}
	if (o->backend != KR_B_FTRACE && !kr_btf_source(o->btf, err, sizeof(err)) && (o->backend == KR_B_BPF || o->btf)) {
		fprintf(stderr, "kvmrace-trace: %s\n", err);
		return 1;
	}
	for (i = 0; i < o->npids; i++)
		if (kill(o->pids[i], 0) && errno == ESRCH) {
			fprintf(stderr, "kvmrace-trace: -p %d: no such process\n", (int)o->pids[i]);
			return 1;
		}
	return 0;
}

/* COMMAND, started held until the capture runs (it waits on a pipe); an
 * exec that fails sends its errno on a second pipe, which a successful one
 * closes.  0, or 1 with one line said. */
static int start_command(struct trace *t, char **argv)
{
	int go[2], ex[2];

	if (pipe2(go, O_CLOEXEC) || pipe2(ex, O_CLOEXEC)) {
		fprintf(stderr, "kvmrace-trace: pipe: %s\n", strerror(errno));
		return 1;
	}
	t->child = fork();
	if (t->child < 0) {
		fprintf(stderr, "kvmrace-trace: fork: %s\n", strerror(errno));
		return 1;
	}
	if (!t->child) {
		char c;
		int e;

		close(go[1]);
		close(ex[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (read(go[0], &c, 1) != 1)
			_exit(127);	/* the tracer did not start */
		execvp(argv[0], argv);
		e = errno;
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(ex[1]);
	t->go_fd = go[1];
	t->exec_fd = ex[0];
	return 0;
}

/* Let the command go; 0, or 1 if it could not run (one line said): a command
 * that cannot run is an error, not a run without vCPUs. */
static int release_command(struct trace *t, char **argv)
{
	int e = 0;

	if (t->child <= 0)
		return 0;
	if (write(t->go_fd, "g", 1) != 1)
		fprintf(stderr, "kvmrace-trace: cannot start the command: %s\n", strerror(errno));
	close(t->go_fd);
	t->go_fd = -1;
	if (read(t->exec_fd, &e, sizeof(e)) == sizeof(e)) {
		fprintf(stderr, "kvmrace-trace: cannot run '%s': %s\n", argv[0], strerror(e));
		waitpid(t->child, NULL, 0);
		t->child = 0;
		return 1;
	}
	return 0;
}

/* The command ended, or is ended: its status. */
static void end_command(struct trace *t, struct kr_job *j)
{
	if (t->child > 0) {	/* interrupted while it runs: end it */
		kill(t->child, SIGTERM);
		waitpid(t->child, &t->status, 0);
		t->child = -t->child;
	}
	if (t->child < 0) {
		j->ri.has_command = true;
		j->ri.command_status = WIFEXITED(t->status) ? WEXITSTATUS(t->status) : 128 + WTERMSIG(t->status);
	}
}

static int open_capture(struct trace *t, struct kr_job *j)
{
	struct kr_capture_opts co = {
		.pids = j->o.pids, .npids = j->o.npids, .method = j->o.method, .backend = j->o.backend,
		.buffer_kb = j->o.buffer_kb, .btf_path = j->o.btf, .verbose = j->o.verbose,
		.prog_stats = j->o.prog_stats,
	};
	char err[512];

	if (t->child > 0) {
		co.pids = &t->child;
		co.npids = 1;
		co.descendants = true;
	}
	if (!(t->cap = kr_capture_open(&co, err, sizeof(err)))) {
		fprintf(stderr, "kvmrace-trace: %s\n", err);
		return 1;
	}
	return 0;
}

static void run_info(struct trace *t, struct kr_job *j)
{
	struct utsname u;

	uname(&u);
	snprintf(j->ri.arch, sizeof(j->ri.arch), "%s", kr_arch_host()->name);
	snprintf(j->ri.kernel, sizeof(j->ri.kernel), "%s", u.release);
	snprintf(j->ri.host, sizeof(j->ri.host), "%s", u.nodename);
	snprintf(j->ri.clock, sizeof(j->ri.clock), "CLOCK_MONOTONIC");
	kr_capture_hooks(t->cap, j->ri.hooks, sizeof(j->ri.hooks));
}

static int open_recording(struct trace *t, struct kr_job *j)
{
	if (!j->o.out)
		return 0;
	t->w = malloc(sizeof(*t->w));
	if (!t->w || kr_writer_open(t->w, j->o.out, &j->ri)) {
		fprintf(stderr, "kvmrace-trace: -o %s: %s\n", j->o.out, strerror(errno));
		free(t->w);
		t->w = NULL;
		return 1;
	}
	return 0;
}

static int trace_open(struct kr_job *j)
{
	static struct trace t;
	struct stat st;

	memset(&t, 0, sizeof(t));
	t.go_fd = t.exec_fd = -1;
	j->priv = &t;
	j->emit_on_error = true;
	if (preconditions(&j->o))
		return 1;
	t.no_kvm = stat("/dev/kvm", &st) != 0;
	handle_signals();
	if ((j->o.command && start_command(&t, j->o.command)) || open_capture(&t, j))
		return 1;
	run_info(&t, j);
	if (open_recording(&t, j))
		return 1;
	t.status_line = !j->o.quiet && isatty(STDERR_FILENO);
	if (!j->o.quiet)
		fprintf(stderr, "kvmrace-trace: tracing with %s (%s)%s\n", kr_capture_backend(t.cap), j->ri.hooks,
			j->o.command ? "; running the command" : j->o.duration_s > 0 ? "" : "; Ctrl-C to stop");
	return release_command(&t, j->o.command);	/* last: it starts the run */
}

/* ---- the loop ---- */

static int on_event(void *ctx, const struct kr_event *ev)
{
	struct kr_job *j = ctx;
	struct trace *t = tr(j);

	if (t->w && !t->write_failed && kr_writer_event(t->w, ev))
		t->write_failed = true;
	return kr_job_event(j, ev);
}

/* Once a second: the loss counters (when they moved) and the recording to
 * disk, so a killed run leaves what it saw. */
static void flush(struct trace *t, uint64_t now)
{
	uint64_t lost, untracked;

	kr_capture_counters(t->cap, &lost, &untracked);
	if ((lost != t->plost || untracked != t->puntracked) && kr_writer_lost(t->w, now, lost, untracked))
		t->write_failed = true;
	t->plost = lost;
	t->puntracked = untracked;
	if (kr_writer_flush(t->w))
		t->write_failed = true;
	t->last_flush = now;
}

/* On a terminal, once a second: where the run is (never to files or pipes). */
static void status_line(struct trace *t, struct kr_job *j, uint64_t now)
{
	struct kr_engine_progress p;
	uint64_t lost, untracked;

	kr_engine_progress(j->e, &p);
	kr_capture_counters(t->cap, &lost, &untracked);
	fprintf(stderr, "\r\033[K  %.1fs  events %llu  lost %llu  vCPUs %u  findings %llu (over threshold %llu)",
		(now - t->t0) / 1e9, (unsigned long long)p.events, (unsigned long long)lost, p.vcpus,
		(unsigned long long)p.findings, (unsigned long long)p.violations);
	t->last_status = now;
}

/* The command ended (reaped here)? */
static bool command_done(struct trace *t)
{
	if (t->child <= 0 || !child_exited)
		return false;
	if (waitpid(t->child, &t->status, WNOHANG) == t->child) {
		t->child = -t->child;
		return true;
	}
	child_exited = 0;
	return false;
}

static int trace_run(struct kr_job *j)
{
	struct trace *t = tr(j);
	int r;

	t->t0 = t->last_flush = t->last_status = kr_now_ns();
	if (j->o.duration_s > 0)
		t->deadline = t->t0 + (uint64_t)(j->o.duration_s * 1e9);
	while (!exiting) {
		uint64_t now;

		r = kr_capture_poll(t->cap, 100, on_event, j);
		if (r < 0 && r != -EINTR) {
			fprintf(stderr, "kvmrace-trace: reading events failed: %s\n", strerror(-r));
			return 1;
		}
		now = kr_now_ns();
		if (t->w && now - t->last_flush >= 1000000000ull)
			flush(t, now);
		if (t->write_failed) {
			fprintf(stderr, "kvmrace-trace: -o %s: write failed: %s\n", j->o.out, strerror(errno));
			return 1;
		}
		if (t->status_line && now - t->last_status >= 1000000000ull)
			status_line(t, j, now);
		if ((t->deadline && now >= t->deadline) || command_done(t))
			break;
	}
	return 0;
}

/* ---- the end ---- */

static int trace_close(struct kr_job *j)
{
	struct trace *t = tr(j);
	struct kr_engine_progress p;
	int rc = 0;

	if (t->status_line)
		fprintf(stderr, "\r\033[K");
	/* Drain what is already in the ring buffer, then stop. */
	if (kr_capture_poll(t->cap, 0, on_event, j) < 0)
		rc = 1;
	kr_capture_counters(t->cap, &j->lost, &j->untracked);
	if (j->o.prog_stats)
		kr_capture_prog_stats(t->cap, stderr);
	kr_capture_close(t->cap);	/* every probe detached */
	t->cap = NULL;
	end_command(t, j);
	kr_engine_progress(j->e, &p);
	if (!p.vcpus && t->no_kvm)	/* say why, and what to do */
		fprintf(stderr, "kvmrace-trace: no vCPU seen, and this host has no /dev/kvm: no guest can run here "
			"(unless this is a container and they run outside it); see a KVM host at work with 'make demo' "
			"(an emulated one)\n");
	j->ri.duration_ns = kr_now_ns() - t->t0;
	j->ri.complete = true;
	if (t->w && (kr_writer_lost(t->w, kr_now_ns(), j->lost, j->untracked) ||
		     kr_writer_end(t->w, kr_now_ns(), &j->ri) || kr_writer_close(t->w))) {
		fprintf(stderr, "kvmrace-trace: -o %s: %s\n", j->o.out, strerror(errno));
		rc = 1;
	}
	return rc;
}

static void trace_free(struct kr_job *j)
{
	struct trace *t = tr(j);

	if (!t)
		return;
	kr_capture_close(t->cap);
	if (t->go_fd >= 0)
		close(t->go_fd);	/* the command exits without running */
	if (t->exec_fd >= 0)
		close(t->exec_fd);
	if (t->child > 0)
		waitpid(t->child, NULL, 0);
	if (t->w)
		kr_writer_close(t->w);
	free(t->w);
}

static const struct kr_job_ops trace_ops = {
	.cmd = KR_CMD_TRACE, .open = trace_open, .run = trace_run, .close = trace_close, .free = trace_free,
};

int kr_cmd_trace(int argc, char **argv)
{
	return kr_job_run(&trace_ops, argc, argv);
}
