// SPDX-License-Identifier: GPL-2.0
/* The recording format: round trip, and every way a file can be bad. */
#include <stdlib.h>
#include <unistd.h>
#include "record.h"
#include "tap.h"

static char dir[] = "/tmp/kvmrace-test-XXXXXX";

static const char *path(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static struct kr_run_info info(void)
{
	struct kr_run_info i;

	memset(&i, 0, sizeof(i));
	snprintf(i.arch, sizeof(i.arch), "x86");
	snprintf(i.kernel, sizeof(i.kernel), "6.1.0-test");
	snprintf(i.clock, sizeof(i.clock), "CLOCK_MONOTONIC");
	snprintf(i.hooks, sizeof(i.hooks), "kvm_fpu:tp_btf,sched_switch:raw_tp");
	snprintf(i.host, sizeof(i.host), "testhost");
	return i;
}

static void write_file(const char *p, int nev, bool end)
{
	struct kr_run_info i = info();
	struct kr_writer *w = malloc(sizeof(*w));
	struct kr_event ev;
	int k;

	CHECK(w && !kr_writer_open(w, p, &i));
	for (k = 0; k < nev; k++) {
		memset(&ev, 0, sizeof(ev));
		ev.ts = 1000 + k;
		ev.type = KR_EV_SWITCH_IN;
		ev.tid = 7;
		ev.vcpu = k;
		CHECK(!kr_writer_event(w, &ev));
	}
	CHECK(!kr_writer_lost(w, 2000, 3, 1));
	if (end) {
		i.duration_ns = 12345;
		i.has_command = true;
		i.command_status = 7;
		CHECK(!kr_writer_end(w, 3000, &i));
	}
	CHECK(!kr_writer_close(w));
	free(w);
}

/* Read all; returns events read, or -1 with err set. */
static int read_all(const char *p, char *err, size_t len, struct kr_reader *out)
{
	struct kr_reader r;
	const struct kr_event *ev;
	int n = 0, k;

	err[0] = 0;
	if (kr_reader_open(&r, p, err, len))
		return -1;
	while ((k = kr_reader_next(&r, &ev, err, len)) > 0)
		n++;
	if (out)
		*out = r;
	kr_reader_close(&r);
	return k < 0 ? -1 : n;
}

static void round_trip(void)
{
	struct kr_reader r;
	char err[256];

	write_file(path("ok"), 3000, true);	/* more than one writer buffer */
	CHECK_EQ(read_all(path("ok"), err, sizeof(err), &r), 3000);
	CHECK_EQ(r.records, 3002);	/* and the loss and end records, read into the reader */
	CHECK_EQ(r.lost, 3);
	CHECK_EQ(r.untracked, 1);
	CHECK(r.info.complete && r.info.duration_ns == 12345);
	CHECK(r.info.has_command && r.info.command_status == 7);
	CHECK(!strcmp(r.info.arch, "x86"));
	CHECK(!strcmp(r.info.kernel, "6.1.0-test"));
	CHECK(!strcmp(r.info.hooks, "kvm_fpu:tp_btf,sched_switch:raw_tp"));
	CHECK(!strcmp(r.info.clock, "CLOCK_MONOTONIC"));
	CHECK(r.saw_end);
}

/* Larger than the reader's largest buffer (KR_READER_BUF), read through
 * every size of it: each record once, in order, none torn at a refill. */
static void large_file_in_order(void)
{
	struct kr_reader r;
	const struct kr_event *ev;
	char err[256];
	int n = 0, k, torn = 0;

	write_file(path("large"), 40000, true);
	CHECK(!kr_reader_open(&r, path("large"), err, sizeof(err)));
	while ((k = kr_reader_next(&r, &ev, err, sizeof(err))) > 0) {
		if (ev->ts != 1000u + (unsigned)n || ev->vcpu != n || ev->tid != 7)
			torn++;
		n++;
	}
	CHECK_EQ(k, 0);
	CHECK_EQ(n, 40000);
	CHECK_EQ(torn, 0);
	CHECK_EQ(r.records, 40002);
	CHECK(r.saw_end && r.info.complete);
	kr_reader_close(&r);
}

static void no_end_marker_is_readable(void)
{
	struct kr_reader r;
	char err[256];

	write_file(path("noend"), 10, false);
	CHECK_EQ(read_all(path("noend"), err, sizeof(err), &r), 10);
	CHECK(!r.saw_end && !r.info.complete);
}

static void truncated_record(void)
{
	char err[256];

	write_file(path("trunc"), 10, true);
	{
		FILE *f = fopen(path("trunc"), "rb");
		long sz;

		fseek(f, 0, SEEK_END);
		sz = ftell(f);
		fclose(f);
		CHECK(!truncate(path("trunc"), sz - 20));
	}
	CHECK_EQ(read_all(path("trunc"), err, sizeof(err), NULL), (uint64_t)-1);
	CHECK(strstr(err, "truncated record at offset") != NULL);
}

static void bad_magic(void)
{
	char err[256];
	FILE *f = fopen(path("garbage"), "wb");

	fputs("this is not a recording at all, just text\n", f);
	fclose(f);
	CHECK_EQ(read_all(path("garbage"), err, sizeof(err), NULL), (uint64_t)-1);
	CHECK(strstr(err, "not a kvmrace recording") != NULL);
}

static void empty_and_missing(void)
{
	char err[256];
	FILE *f = fopen(path("empty"), "wb");

	fclose(f);
	CHECK_EQ(read_all(path("empty"), err, sizeof(err), NULL), (uint64_t)-1);
	CHECK(strstr(err, "not a kvmrace recording") != NULL);
	CHECK_EQ(read_all(path("missing"), err, sizeof(err), NULL), (uint64_t)-1);
	CHECK(strstr(err, "No such file") != NULL);
}

static void truncated_header(void)
{
	char err[256];

	write_file(path("th"), 0, false);
	CHECK(!truncate(path("th"), 30));
	CHECK_EQ(read_all(path("th"), err, sizeof(err), NULL), (uint64_t)-1);
	CHECK(strstr(err, "truncated header") != NULL);
	CHECK(!truncate(path("th"), 12));
	CHECK_EQ(read_all(path("th"), err, sizeof(err), NULL), (uint64_t)-1);
	CHECK(strstr(err, "truncated header") != NULL);
}

static void bad_version_and_type(void)
{
	char err[256];
	FILE *f;
	unsigned char b;
	long hdr_end;

	write_file(path("ver"), 2, true);
	f = fopen(path("ver"), "r+b");
	fseek(f, 8, SEEK_SET);
	b = 9;
	fwrite(&b, 1, 1, f);
	fclose(f);
	CHECK_EQ(read_all(path("ver"), err, sizeof(err), NULL), (uint64_t)-1);
	CHECK(strstr(err, "unsupported recording format version 9") != NULL);

	write_file(path("type"), 2, true);
	f = fopen(path("type"), "r+b");
	fseek(f, 0, SEEK_END);
	hdr_end = ftell(f) - 4 * 64;
	fseek(f, hdr_end + 64 + 16, SEEK_SET);	/* second record's type byte */
	b = 77;
	fwrite(&b, 1, 1, f);
	fclose(f);
	CHECK_EQ(read_all(path("type"), err, sizeof(err), NULL), (uint64_t)-1);
	CHECK(strstr(err, "invalid record type 77") != NULL);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(round_trip);
	RUN(large_file_in_order);
	RUN(no_end_marker_is_readable);
	RUN(truncated_record);
	RUN(bad_magic);
	RUN(empty_and_missing);
	RUN(truncated_header);
	RUN(bad_version_and_type);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			printf("# could not remove %s\n", dir);
	}
	DONE();
}
