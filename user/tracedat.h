/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace-cmd trace.dat files, read so that a damaged one cannot crash or hang
 * kvmrace: libtracecmd/libtraceevent crash or loop on some malformed files,
 * so they run in a child process bounded in time and memory that streams
 * the rendered records through a pipe.  A signal, hang, loop or failure of
 * the child becomes one error line ("FILE: damaged trace.dat: ...").
 * Before that, the file's structure is checked here, without the library:
 * the sections, the CPU data against the file's size, and for uncompressed
 * data every ring-buffer page (its commit, every event's length), which
 * names most damage precisely.
 *
 * Lines are rendered as kr_tep_line() (tep.h) renders them: the kernel's
 * trace text, the events' own print formats, no plugins; in the order
 * tracecmd_read_next_data() gives (the top instance, by timestamp across
 * CPUs).  Without libtracecmd (HAVE_LIBTRACECMD) the reader is stubs that
 * say so; the check is always built.
 */
#ifndef KR_TRACEDAT_H
#define KR_TRACEDAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* What the structure check found. */
struct kr_dat_info {
	unsigned version;	/* 6 or 7 */
	bool big_endian;
	unsigned long_size;	/* the file's (userspace) long: 4 or 8 */
	unsigned page_size;
	unsigned page_header;	/* 16 or 12: page header size (the kernel's long, from header_page) */
	char compression[32];	/* v7: the algorithm, "none" if not compressed; v6: "" */
	bool latency;		/* latency text, not ring-buffer pages */
	uint32_t cpus;		/* CPUs of the top instance's data */
	uint64_t data_bytes;	/* their data, uncompressed (as the file says, for compressed data) */
	uint64_t pages;		/* ring-buffer pages whose events were checked (uncompressed data) */
	uint64_t max_records;	/* no more records fit in the data (UINT64_MAX: not known) */
};

/* Checks the trace.dat open on fd (path for messages).  0, or -1 with one
 * line in err ("PATH: damaged trace.dat: ...", "PATH: not a trace.dat"). */
int kr_dat_check(int fd, const char *path, struct kr_dat_info *info, char *err, size_t errlen);

struct kr_dat_opts {
	unsigned stall_ms;	/* no output from the reader for this long: a hang, killed (0: 20 s) */
	uint64_t mem_bytes;	/* the reader's address-space limit (0: 1 GiB + 2x the file and its data) */
	/* tests only */
	void (*child_hook)(void);	/* runs in the reader process before libtracecmd */
	bool skip_check;		/* the reader alone, without the structure check */
};

struct kr_dat;

#ifdef HAVE_LIBTRACECMD
/* Opens path: the structure check, then the reader process, which has
 * opened the file with libtracecmd (no plugins) when this returns.  NULL
 * with one line in err, naming the file. */
struct kr_dat *kr_dat_open(const char *path, char *err, size_t errlen);
struct kr_dat *kr_dat_open_opts(const char *path, const struct kr_dat_opts *o, char *err, size_t errlen);
/* The next record's line in *line (NUL-terminated, writable, valid until the
 * next call): its length, -1 at the end, -2 on an error (err, one line
 * without the file's name: "damaged trace.dat: ..."; every later call -2
 * again). */
ssize_t kr_dat_next_line(struct kr_dat *d, char **line, char *err, size_t errlen);
/* What the check found. */
const struct kr_dat_info *kr_dat_info(const struct kr_dat *d);
/* Ends the reader (killed if still running) and frees everything. */
void kr_dat_close(struct kr_dat *d);
#else
static inline struct kr_dat *kr_dat_open(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: a trace-cmd trace.dat, but this kvmrace-trace was built without libtracecmd "
		 "(use 'trace-cmd report' text instead)", path);
	return NULL;
}

static inline struct kr_dat *kr_dat_open_opts(const char *path, const struct kr_dat_opts *o, char *err,
					      size_t errlen)
{
	(void)o;
	return kr_dat_open(path, err, errlen);
}

static inline ssize_t kr_dat_next_line(struct kr_dat *d, char **line, char *err, size_t errlen)
{
	(void)d;
	(void)line;
	(void)err;
	(void)errlen;
	return -1;
}

static inline const struct kr_dat_info *kr_dat_info(const struct kr_dat *d)
{
	(void)d;
	return NULL;
}

static inline void kr_dat_close(struct kr_dat *d)
{
	(void)d;
}
#endif

#endif
