/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace-cmd's trace.dat, record by record as the kernel's trace text (the
 * events' own print formats, no plugins), through libtracecmd where built
 * with it (HAVE_LIBTRACECMD); stubs that say so otherwise.
 */
#ifndef KR_TRACEDAT_H
#define KR_TRACEDAT_H

#include <stdio.h>
#include <sys/types.h>

struct kr_dat;

#ifdef HAVE_LIBTRACECMD
/* NULL with a one-line message in err. */
struct kr_dat *kr_dat_open(const char *path, char *err, size_t errlen);
/* The next record's line in *line (valid until the next call): its length,
 * -1 at the end, -2 on an error (err). */
ssize_t kr_dat_next_line(struct kr_dat *d, char **line, char *err, size_t errlen);
void kr_dat_close(struct kr_dat *d);
#else
static inline struct kr_dat *kr_dat_open(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: a trace-cmd trace.dat, but this kvmrace-trace was built without libtracecmd "
		 "(use 'trace-cmd report' text instead)", path);
	return NULL;
}

static inline ssize_t kr_dat_next_line(struct kr_dat *d, char **line, char *err, size_t errlen)
{
	(void)d;
	(void)line;
	(void)err;
	(void)errlen;
	return -1;
}

static inline void kr_dat_close(struct kr_dat *d)
{
	(void)d;
}
#endif

#endif
