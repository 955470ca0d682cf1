// SPDX-License-Identifier: GPL-2.0
/*
 * A main for a fuzz harness built without libFuzzer (gcc, ASan+UBSan): runs
 * LLVMFuzzerTestOneInput over every file given, or in the directories given
 * (sorted), by default the target's regression inputs and corpus
 * (tests/fuzz/regress/TARGET, tests/fuzz/corpus/TARGET).  One test per
 * directory or file, "N passed, N failed" at the end, as the unit tests.
 *
 * The inputs run in a child process, many per child; the parent knows which
 * one each child is on, so a crash, a sanitizer report or a hang names its
 * input, and the rest still run.  Leaks are reported at a child's exit: the
 * inputs of a child that leaked are run again one per child to name them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fuzz.h"

#ifndef FZ_TARGET
#define FZ_TARGET "unknown"
#endif
#ifndef FZ_DIR
#define FZ_DIR "tests/fuzz"
#endif

#define HANG_SECONDS 120	/* one input, under ASan, on a loaded host */
#define DONE_MARK 0xffffffffu

static FILE *out;	/* the real stdout: harnesses take fd 1 for TAP */

struct list {
	char **v;
	size_t n, cap;
};

static void add(struct list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n++])
		abort();
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *buf;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		_exit(2);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		abort();
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
}

/* Runs files[from..to) in one child; returns the index of the first input
 * not run cleanly (to if none), with why in *why.  *leaked: the child ran
 * every input but its exit (leak check) failed. */
static size_t batch(struct list *f, size_t from, size_t to, char *why, size_t wlen, bool *leaked)
{
	int p[2], status;
	uint32_t cur = (uint32_t)from, idx;
	bool done = false;
	pid_t pid;

	*leaked = false;
	if (pipe2(p, O_CLOEXEC))
		abort();
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		abort();
	if (!pid) {
		size_t i;

		close(p[0]);
		for (i = from; i < to; i++) {
			idx = (uint32_t)i;
			if (write(p[1], &idx, 4) != 4)
				_exit(3);
			run_file(f->v[i]);
		}
		idx = DONE_MARK;
		if (write(p[1], &idx, 4) != 4)
			_exit(3);
		exit(0);	/* exit, not _exit: LeakSanitizer checks here */
	}
	close(p[1]);
	for (;;) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		int k = poll(&pf, 1, HANG_SECONDS * 1000);
		ssize_t r;

		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0) {
			kill(pid, SIGKILL);
			snprintf(why, wlen, "no progress for %d s (hang)", HANG_SECONDS);
			waitpid(pid, &status, 0);
			close(p[0]);
			return cur;
		}
		r = read(p[0], &idx, 4);
		if (r != 4)
			break;
		if (idx == DONE_MARK)
			done = true;
		else
			cur = idx;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && !WEXITSTATUS(status) && done)
		return to;
	if (WIFSIGNALED(status))
		snprintf(why, wlen, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(why, wlen, "exit status %d (a sanitizer report or an abort above)", WEXITSTATUS(status));
	if (done) {
		*leaked = true;
		return from;
	}
	return cur;
}

/* Every input of the list; the failures named.  Returns how many failed. */
static size_t run_list(struct list *f)
{
	size_t i = 0, failed = 0;
	char why[256];
	bool leaked;

	while (i < f->n) {
		size_t bad = batch(f, i, f->n, why, sizeof(why), &leaked);

		if (bad == f->n)
			break;
		if (leaked) {	/* one per child, to name the leaking ones */
			size_t k;

			for (k = i; k < f->n; k++)
				if (batch(f, k, k + 1, why, sizeof(why), &leaked) == k) {
					fprintf(out, "# %s: %s\n", f->v[k], why);
					failed++;
				}
			break;
		}
		fprintf(out, "# %s: %s\n", f->v[bad], why);
		failed++;
		i = bad + 1;
	}
	return failed;
}

static void collect(const char *path, struct list *l)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	size_t first = l->n;

	if (stat(path, &st)) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		add(l, path);
		return;
	}
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while ((de = readdir(d))) {
		char p[4096];

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "README.md"))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		if (!stat(p, &st) && S_ISREG(st.st_mode))
			add(l, p);
	}
	closedir(d);
	qsort(l->v + first, l->n - first, sizeof(*l->v), cmp);
}

/* The checkers themselves: what they must take and what they must refuse
 * (a checker that takes everything would let every output bug through). */
static int self_test(void)
{
	static const struct {
		const char *(*check)(const char *, size_t, size_t *);
		bool ok;
		const char *text;
	} t[] = {
		{ fz_check_json, true, "{\"a\": [1, -2.5e+3, true, null, \"\\u00e9\\n\"], \"b\": {}}\n" },
		{ fz_check_json, false, "{\"a\": 1,}" },
		{ fz_check_json, false, "{\"a\": 1, \"a\": 2}" },
		{ fz_check_json, false, "[01]" },
		{ fz_check_json, false, "[\"\x01\"]" },
		{ fz_check_json, false, "[\"\xff\"]" },
		{ fz_check_json, false, "[1] [2]" },
		{ fz_check_json, false, "[nan]" },
		{ fz_check_xml, true, "<?xml version=\"1.0\"?>\n<a x=\"1 &amp; &#x41;\"><b/>t&lt;<!-- c --></a>\n" },
		{ fz_check_xml, false, "<a><b></a></b>" },
		{ fz_check_xml, false, "<a x=\"1\" x=\"2\"/>" },
		{ fz_check_xml, false, "<a x=\"&#x3;\"/>" },
		{ fz_check_xml, false, "<a>&nbsp;</a>" },
		{ fz_check_xml, false, "<a x=\"<\"/>" },
		{ fz_check_xml, false, "<a>\xc3</a>" },
		{ fz_check_xml, false, "<a/><b/>" },
		{ fz_check_tap, true, "TAP version 13\n1..2\nok 1 - a\nnot ok 2 - b\n  ---\n  message: \"x\"\n"
				      "  findings:\n    - kind: late_exit\n      vcpu: -1\n  ...\n" },
		{ fz_check_tap, false, "TAP version 13\n1..2\nok 1 - a\n" },
		{ fz_check_tap, false, "TAP version 13\n1..1\nnot ok 1 - b\n  ---\n  comm: \"a\nb\"\n  ...\n" },
		{ fz_check_tap, false, "TAP version 13\n1..1\nnot ok 1 - b\n  ---\n  comm: a: b\n  ...\n" },
	};
	size_t i, at;
	int bad = 0;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *m = t[i].check(t[i].text, strlen(t[i].text), &at);

		if (!m != t[i].ok) {
			fprintf(out, "# checker case %zu: %s (%s)\n", i, m ? m : "taken", t[i].text);
			bad++;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	const char *defaults[] = { FZ_DIR "/regress/" FZ_TARGET, FZ_DIR "/corpus/" FZ_TARGET };
	const char **args = (const char **)argv + 1;
	int n = argc - 1, i, passed = 0, failed = 0;
	int fd = dup(STDOUT_FILENO);

	out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out)
		return 2;
	setvbuf(out, NULL, _IOLBF, 0);
	if (!n) {
		args = defaults;
		n = 2;
		if (self_test())
			failed++;
		else
			passed++;
		fprintf(out, "%s %d - the output checkers take good text and refuse bad\n", failed ? "not ok" : "ok",
			passed + failed);
	}
	for (i = 0; i < n; i++) {
		struct list l = { 0 };
		size_t bad, k;
		struct stat st;

		if (args == defaults && stat(args[i], &st))
			continue;	/* a target without regression inputs yet */
		collect(args[i], &l);
		bad = run_list(&l);
		fprintf(out, "%s %d - fuzz_%s replay of %s: %zu inputs%s\n", bad ? "not ok" : "ok", passed + failed + 1,
			FZ_TARGET, args[i], l.n, bad ? ", some failed (above)" : "");
		if (bad)
			failed++;
		else
			passed++;
		for (k = 0; k < l.n; k++)
			free(l.v[k]);
		free(l.v);
	}
	fprintf(out, "%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
