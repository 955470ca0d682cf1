// SPDX-License-Identifier: GPL-2.0
/*
 * The trace.dat reader (user/tracedat.c): the structure check on good and
 * damaged files, the reader process against libtracecmd in-process (the
 * same lines), and every way the reader process can fail (a crash, a hang,
 * a loop, the library refusing the file), each one error line.  The damaged
 * files of tests/fixtures/bad-inputs (dat-*) are read from there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tep.h"
#include "mkdat.h"
#include "tap.h"
#include "tracedat.h"

#ifdef HAVE_LIBTRACECMD
#include <trace-cmd.h>
struct tep_record *tracecmd_read_next_data(struct tracecmd_input *handle, int *rec_cpu);

#ifndef FZ_DIR
#define FZ_DIR "tests/fuzz"
#endif
#define FORMATS FZ_DIR "/dat/formats"
#define REGRESS FZ_DIR "/../fixtures/bad-inputs"

static char dir[64];
static char good[128];	/* v6: 3500 records, 2 CPUs, 2 vCPUs, every 50th cycle late */
static struct mkdat_counts good_counts;

static char *tmp(const char *name)
{
	static char p[8][160];
	static int k;
	char *s = p[k++ % 8];

	snprintf(s, sizeof(p[0]), "%s/%s", dir, name);
	return s;
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool have_trace_cmd(void)
{
	return !run("command -v trace-cmd > /dev/null 2>&1");
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)len + 1);
	if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return b;
}

static void spit(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fwrite(b, 1, n, f);
		fclose(f);
	}
}

/* Every line of the file through the reader process: how many, a hash of
 * them all; -1 with the error in err. */
static long read_all(const char *path, const struct kr_dat_opts *o, uint64_t *hash, char *err, size_t errlen)
{
	struct kr_dat *d = kr_dat_open_opts(path, o, err, errlen);
	uint64_t h = 1469598103934665603ull;
	long n = 0;
	ssize_t k;
	char *l;

	if (!d)
		return -1;
	while ((k = kr_dat_next_line(d, &l, err, errlen)) > 0) {
		ssize_t i;

		if ((size_t)k != strlen(l))
			n = -1000000;
		for (i = 0; i < k; i++)
			h = (h ^ (unsigned char)l[i]) * 1099511628211ull;
		h = (h ^ '\n') * 1099511628211ull;
		n++;
	}
	if (k == -2) {	/* as the importer shows it: "FILE:RECORD: ..." */
		char e[512];

		CHECK_EQ(kr_dat_next_line(d, &l, e, sizeof(e)), -2);	/* and again */
		CHECK(!strcmp(e, err));
		snprintf(e, sizeof(e), "%s:%ld: %s", path, n + 1, err);
		snprintf(err, errlen, "%s", e);
		n = -1;
	} else {
		CHECK_EQ(k, -1);	/* the end */
		CHECK_EQ(kr_dat_next_line(d, &l, err, errlen), -1);
	}
	kr_dat_close(d);
	*hash = h;
	return n;
}

/* The same, in this process with libtracecmd (the importer's way today). */
static long read_inproc(const char *path, uint64_t *hash)
{
	struct tracecmd_input *h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	struct tep_record *rec;
	uint64_t x = 1469598103934665603ull;
	long n = 0;
	int cpu;

	if (!h)
		return -1;
	while ((rec = tracecmd_read_next_data(h, &cpu))) {
		char *l = kr_tep_line(tracecmd_get_tep(h), rec), *p;

		for (p = l; *p; p++)
			x = (x ^ (unsigned char)*p) * 1099511628211ull;
		x = (x ^ '\n') * 1099511628211ull;
		free(l);
		tracecmd_free_record(rec);
		n++;
	}
	tracecmd_close(h);
	*hash = x;
	return n;
}

static bool one_line(const char *err, const char *path, const char *want)
{
	bool ok = err[0] && !strchr(err, '\n') && !strncmp(err, path, strlen(path)) && strstr(err, want);

	if (!ok)
		printf("#   error line: '%s' (want '%s')\n", err, want);
	return ok;
}

/* ---- the structure check ---- */

static void check_good(void)
{
	struct kr_dat_info in;
	char err[512];
	int fd = open(good, O_RDONLY);

	CHECK(fd >= 0);
	CHECK_EQ(kr_dat_check(fd, good, &in, err, sizeof(err)), 0);
	CHECK_EQ(in.version, 6);
	CHECK_EQ(in.cpus, 2);
	CHECK_EQ(in.page_size, 4096);
	CHECK_EQ(in.page_header, 16);
	CHECK_EQ(in.pages, good_counts.pages);
	CHECK_EQ(in.max_records, good_counts.records);	/* every event counted in the walk */
	CHECK(!in.latency);
	close(fd);
}

/* offset of CPU 0's first page in a v6 file from mkdat (the flyrecord
 * table is the last thing before the page-aligned data) */
static size_t first_page(const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i + 26 < n; i++)
		if (!memcmp(b + i, "flyrecord", 10))
			return (size_t)b[i + 10] | (size_t)b[i + 11] << 8 | (size_t)b[i + 12] << 16;
	return 0;
}

static void damaged(const char *name, const void *b, size_t n, const char *want)
{
	struct kr_dat_info in;
	char err[512];
	int fd;

	spit(tmp(name), b, n);
	fd = open(tmp(name), O_RDONLY);
	CHECK_EQ(kr_dat_check(fd, tmp(name), &in, err, sizeof(err)), -1);
	CHECK(one_line(err, tmp(name), want));
	close(fd);
	/* and the same from kr_dat_open */
	CHECK(!kr_dat_open(tmp(name), err, sizeof(err)));
	CHECK(one_line(err, tmp(name), want));
}

static void check_damage(void)
{
	size_t n, pg;
	unsigned char *b = slurp(good, &n), *c;

	CHECK(b != NULL);
	if (!b)
		return;
	pg = first_page(b, n);
	CHECK(pg >= 4096 && pg % 4096 == 0);
	c = malloc(n);
	/* truncated: the CPU data past the end */
	damaged("trunc.dat", b, n / 2, "truncated: CPU");
	damaged("trunc-header.dat", b, 300, "truncated:");
	/* a huge commit with the lost-events flags (dat-kbuffer-segv's) */
	memcpy(c, b, n);
	memcpy(c + pg + 8, "\xe4\x02\xff\xff\xff\xff\x00\x00", 8);
	damaged("commit.dat", c, n, "commit 0xffffffff02e4");
	/* an event whose length word is -6 (dat-hang's) */
	memcpy(c, b, n);
	c[pg + 16] = 0;	/* type_len 0 */
	memcpy(c + pg + 20, "\xfa\xff\xff\xff", 4);
	damaged("len.dat", c, n, "length word 0xfffffffa");
	/* an event running past the commit */
	memcpy(c, b, n);
	memcpy(c + pg + 8, "\x12\x00\x00\x00\x00\x00\x00\x00", 8);
	damaged("past.dat", c, n, "past the page's commit of 18 bytes");
	/* header fields */
	memcpy(c, b, n);
	c[13] = 3;	/* long size */
	damaged("long.dat", c, n, "long size 3");
	memcpy(c, b, n);
	c[14] = 0;
	c[15] = 0x30;	/* page size 0x3000: not a power of two */
	damaged("page.dat", c, n, "page size 12288");
	memcpy(c, b, n);
	c[10] = '9';
	damaged("version.dat", c, n, "trace.dat version 9 (kvmrace reads versions 6 and 7)");
	memcpy(c, b, n);
	memcpy(c + 10, "\x04\x0a\x05", 3);	/* a newline in the version: still one line */
	damaged("version-nl.dat", c, n, "damaged trace.dat: its version is not a number");
	memcpy(c, b, n);
	c[0] = 'x';
	damaged("magic.dat", c, n, "not a trace-cmd trace.dat (bad magic)");
	free(c);
	free(b);
}

/* ---- the reader ---- */

static void reader_same_lines(void)
{
	uint64_t h1 = 0, h2 = 0;
	char err[512] = "";
	long n1 = read_all(good, NULL, &h1, err, sizeof(err)), n2 = read_inproc(good, &h2);

	CHECK_EQ(n1, good_counts.records);
	CHECK_EQ(n2, good_counts.records);
	CHECK_EQ(h1, h2);
	if (n1 < 0)
		printf("#   %s\n", err);
}

/* trace-cmd's own writer: version 7, compressed and not; the same lines. */
static void reader_v7(void)
{
	const char *v[] = { "zstd", "none" };
	uint64_t h0 = 0, h = 0;
	char cmd[512], err[512] = "";
	struct kr_dat_info in;
	unsigned i;
	int fd;

	if (!have_trace_cmd()) {
		printf("# SKIP reader_v7: no trace-cmd\n");
		return;
	}
	read_inproc(good, &h0);
	for (i = 0; i < 2; i++) {
		char *out = tmp(i ? "v7none.dat" : "v7zstd.dat");

		snprintf(cmd, sizeof(cmd), "trace-cmd convert -i %s -o %s --file-version 7 --compression %s > /dev/null 2>&1",
			 good, out, v[i]);
		CHECK_EQ(run(cmd), 0);
		fd = open(out, O_RDONLY);
		CHECK_EQ(kr_dat_check(fd, out, &in, err, sizeof(err)), 0);
		close(fd);
		CHECK_EQ(in.version, 7);
		CHECK(!strcmp(in.compression, v[i]));
		CHECK_EQ(in.cpus, 2);
		/* compressed: the chunks' sizes; not: every page walked */
		CHECK_EQ(in.pages, i ? good_counts.pages : 0);
		CHECK_EQ(in.max_records, i ? good_counts.records : in.data_bytes / 8);
		CHECK(in.data_bytes >= good_counts.pages * 4096);
		CHECK_EQ(read_all(out, NULL, &h, err, sizeof(err)), good_counts.records);
		CHECK_EQ(h, h0);
	}
}

static void segv(void)
{
	raise(SIGSEGV);
}

static void hang(void)
{
	for (;;)
		pause();
}

static void quit(void)
{
	_exit(7);
}

#ifndef __SANITIZE_ADDRESS__
static void limited(void)
{
	struct rlimit r;

	/* the limit given is in force in the reader */
	if (getrlimit(RLIMIT_AS, &r) || r.rlim_cur != (rlim_t)3 << 30)
		raise(SIGUSR1);
}
#endif

static void reader_failures(void)
{
	struct kr_dat_opts o = { 0 };
	uint64_t h;
	char err[512];

	o.child_hook = segv;
	CHECK_EQ(read_all(good, &o, &h, err, sizeof(err)), -1);
	CHECK(one_line(err, good, "damaged trace.dat: libtracecmd crashed (SIGSEGV)"));
	o.child_hook = hang;
	o.stall_ms = 300;
	CHECK_EQ(read_all(good, &o, &h, err, sizeof(err)), -1);
	CHECK(one_line(err, good, "libtracecmd made no progress for 300 ms (killed)"));
	o.stall_ms = 0;
	o.child_hook = quit;
	CHECK_EQ(read_all(good, &o, &h, err, sizeof(err)), -1);
	CHECK(one_line(err, good, "reader failed (exit status 7)"));
#ifndef __SANITIZE_ADDRESS__	/* ASan needs all the address space: no limit then */
	o.child_hook = limited;
	o.mem_bytes = 3ull << 30;
	CHECK_EQ(read_all(good, &o, &h, err, sizeof(err)), good_counts.records);
#endif
}

/* The damaged files of bad-inputs: with the check, its one line; with the
 * reader alone (no check), what libtracecmd does becomes one line too. */
static void bad_inputs(void)
{
	static const struct {
		const char *file, *checked, *alone;
	} t[] = {
		{ "dat-hang.dat", "length word 0xfffffffa", "(a loop in its ring-buffer reader)" },
		{ "dat-kbuffer-segv.dat", "commit 0xffffffff02e4", "libtracecmd crashed (SIGSEGV)" },
		{ "dat-tracecmd_close-segv.dat", "truncated: CPU 0's data ends at byte 86016, the file has 47589",
		  "libtracecmd crashed (SIGSEGV)" },
		{ "dat-v6-truncated-50pct.dat", "truncated: CPU 0's data ends at byte 86016, the file has 43008",
		  "libtracecmd crashed (SIGSEGV)" },
	};
	struct kr_dat_opts alone = { .skip_check = true };
	unsigned i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char path[256], err[512];
		uint64_t h;

		snprintf(path, sizeof(path), "%s/%s", REGRESS, t[i].file);
		CHECK_EQ(read_all(path, NULL, &h, err, sizeof(err)), -1);
		CHECK(one_line(err, path, t[i].checked));
		CHECK_EQ(read_all(path, &alone, &h, err, sizeof(err)), -1);
		CHECK(one_line(err, path, t[i].alone));
	}
}

static void not_dat(void)
{
	char err[512];

	spit(tmp("text.txt"), "hello\n", 6);
	CHECK(!kr_dat_open(tmp("text.txt"), err, sizeof(err)));
	CHECK(one_line(err, tmp("text.txt"), "not a trace-cmd trace.dat (bad magic)"));
	CHECK(!kr_dat_open(tmp("missing.dat"), err, sizeof(err)));
	CHECK(one_line(err, tmp("missing.dat"), "No such file or directory"));
	CHECK(!mkfifo(tmp("fifo"), 0600));
	CHECK(!kr_dat_open(tmp("fifo"), err, sizeof(err)));	/* returns: no blocking open */
	CHECK(one_line(err, tmp("fifo"), "not a regular file"));
}

/* Closed before the end: the reader is gone, nothing left to reap. */
static void early_close(void)
{
	char err[512], *l;
	struct kr_dat *d = kr_dat_open(good, err, sizeof(err));
	int i;

	CHECK(d != NULL);
	for (i = 0; d && i < 10; i++)
		CHECK(kr_dat_next_line(d, &l, err, sizeof(err)) > 0);
	kr_dat_close(d);
	errno = 0;
	i = waitpid(-1, NULL, WNOHANG);
	if (i >= 0 || errno != ECHILD)
		printf("#   waitpid: %d (%s)\n", i, strerror(errno));
	CHECK(i < 0 && errno == ECHILD);
}

int main(void)
{
	char err[512];
	struct mkdat_opts o = { .records = 3500, .cpus = 2, .vcpus = 2, .late_every = 50, .formats = FORMATS };

	snprintf(dir, sizeof(dir), "/tmp/kvmrace-tracedat.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(good, sizeof(good), "%s/good.dat", dir);
	if (kr_mkdat(good, &o, &good_counts, err, sizeof(err))) {
		printf("# mkdat: %s\n", err);
		return 1;
	}
	RUN(check_good);
	RUN(check_damage);
	RUN(reader_same_lines);
	RUN(reader_v7);
	RUN(reader_failures);
	RUN(bad_inputs);
	RUN(not_dat);
	RUN(early_close);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	run(err);
	DONE();
}
#else
int main(void)
{
	printf("# SKIP built without libtracecmd\n");
	DONE();
}
#endif
