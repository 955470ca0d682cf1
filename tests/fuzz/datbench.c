// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace-datbench: the cost of reading a trace.dat through the reader
 * process (user/tracedat.c) against libtracecmd in this process (the
 * importer's loop before it: tracecmd_read_next_data + kr_tep_line).
 *
 *   kvmrace-datbench FILE [ROUNDS]
 *
 * Each round reads the whole file both ways, in alternating order, and
 * prints wall and CPU time (this process and its children) per way; then
 * the medians and their ratio.  Both ways must give the same lines (count
 * and hash), or it exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "tep.h"
#include "tracedat.h"

#ifdef HAVE_LIBTRACECMD
#include <trace-cmd.h>

struct tep_record *tracecmd_read_next_data(struct tracecmd_input *handle, int *rec_cpu);

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage s, c;

	getrusage(RUSAGE_SELF, &s);
	getrusage(RUSAGE_CHILDREN, &c);
	return (double)(s.ru_utime.tv_sec + s.ru_stime.tv_sec + c.ru_utime.tv_sec + c.ru_stime.tv_sec) +
	       (double)(s.ru_utime.tv_usec + s.ru_stime.tv_usec + c.ru_utime.tv_usec + c.ru_stime.tv_usec) / 1e6;
}

static uint64_t hash(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ '\n') * 1099511628211ull;
}

static long inproc(const char *path, uint64_t *h)
{
	struct tracecmd_input *in = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	struct tep_record *rec;
	long n = 0;
	int c;

	if (!in)
		return -1;
	*h = 1469598103934665603ull;
	while ((rec = tracecmd_read_next_data(in, &c))) {
		char *l = kr_tep_line(tracecmd_get_tep(in), rec);

		*h = hash(*h, l);
		free(l);
		tracecmd_free_record(rec);
		n++;
	}
	tracecmd_close(in);
	return n;
}

static long child(const char *path, uint64_t *h)
{
	char err[512], *l;
	struct kr_dat *d = kr_dat_open(path, err, sizeof(err));
	long n = 0;
	ssize_t k;

	if (!d) {
		fprintf(stderr, "kvmrace-datbench: %s\n", err);
		return -1;
	}
	*h = 1469598103934665603ull;
	while ((k = kr_dat_next_line(d, &l, err, sizeof(err))) > 0) {
		*h = hash(*h, l);
		n++;
	}
	kr_dat_close(d);
	if (k == -2) {
		fprintf(stderr, "kvmrace-datbench: %s\n", err);
		return -1;
	}
	return n;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 5, r, w;
	double wall[2][64], cpus[2][64];
	const char *name[2] = { "in-process", "reader process" };
	long n[2] = { 0, 0 };
	uint64_t h[2] = { 0, 0 };

	if (argc < 2 || rounds < 1 || rounds > 64) {
		fprintf(stderr, "usage: kvmrace-datbench FILE [ROUNDS (1..64)]\n");
		return 1;
	}
	for (r = 0; r < rounds; r++)
		for (w = 0; w < 2; w++) {
			int way = (r & 1) ? 1 - w : w;	/* alternate which goes first */
			double t0 = now(), c0 = cpu();

			n[way] = way ? child(argv[1], &h[way]) : inproc(argv[1], &h[way]);
			wall[way][r] = now() - t0;
			cpus[way][r] = cpu() - c0;
			if (n[way] < 0)
				return 1;
			printf("round %d %-15s %ld lines  wall %.3f s  cpu %.3f s\n", r + 1, name[way], n[way], wall[way][r],
			       cpus[way][r]);
		}
	{	/* what the structure check found */
		struct kr_dat_info in;
		char err[512];
		int fd = open(argv[1], O_RDONLY);

		if (fd < 0 || kr_dat_check(fd, argv[1], &in, err, sizeof(err))) {
			printf("check: %s\n", fd < 0 ? strerror(errno) : err);
			return 1;
		}
		close(fd);
		printf("check: version %u, %u CPUs, %llu pages walked, at most %llu records\n", in.version, in.cpus,
		       (unsigned long long)in.pages, (unsigned long long)in.max_records);
	}
	if (n[0] != n[1] || h[0] != h[1]) {
		printf("DIFFERENT: %ld lines (hash %016llx) in-process, %ld (%016llx) from the reader process\n", n[0],
		       (unsigned long long)h[0], n[1], (unsigned long long)h[1]);
		return 1;
	}
	for (w = 0; w < 2; w++) {
		qsort(wall[w], (size_t)rounds, sizeof(double), cmp);
		qsort(cpus[w], (size_t)rounds, sizeof(double), cmp);
	}
	printf("median of %d: in-process wall %.3f s cpu %.3f s; reader process wall %.3f s cpu %.3f s; "
	       "wall ratio %.2f, cpu ratio %.2f; %ld identical lines\n", rounds, wall[0][rounds / 2], cpus[0][rounds / 2],
	       wall[1][rounds / 2], cpus[1][rounds / 2], wall[1][rounds / 2] / wall[0][rounds / 2],
	       cpus[1][rounds / 2] / cpus[0][rounds / 2], n[0]);
	return 0;
}
#else
int main(void)
{
	fprintf(stderr, "kvmrace-datbench: built without libtracecmd\n");
	return 1;
}
#endif
