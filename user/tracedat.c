// SPDX-License-Identifier: GPL-2.0
/* trace.dat through libtracecmd, in process (tracedat.h). */
#include <stdlib.h>
#include <string.h>
#include <trace-cmd.h>
#include "tep.h"
#include "tracedat.h"

/* Exported by libtracecmd but not in its 3.1 public header: the pull
 * interface trace-cmd's own report uses (the next record across CPUs). */
struct tep_record *tracecmd_read_next_data(struct tracecmd_input *handle, int *rec_cpu);

struct kr_dat {
	struct tracecmd_input *in;
	char *line;
};

struct kr_dat *kr_dat_open(const char *path, char *err, size_t errlen)
{
	struct kr_dat *d = calloc(1, sizeof(*d));

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* the kernel's own print formats, not trace-cmd's plugins */
	d->in = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!d->in) {
		snprintf(err, errlen, "%s: libtracecmd cannot read this trace.dat", path);
		free(d);
		return NULL;
	}
	return d;
}

ssize_t kr_dat_next_line(struct kr_dat *d, char **line, char *err, size_t errlen)
{
	struct tep_record *rec;
	int cpu;

	free(d->line);
	d->line = NULL;
	if (!(rec = tracecmd_read_next_data(d->in, &cpu)))
		return -1;
	d->line = kr_tep_line(tracecmd_get_tep(d->in), rec);
	tracecmd_free_record(rec);
	if (!d->line) {
		snprintf(err, errlen, "out of memory");
		return -2;
	}
	*line = d->line;
	return (ssize_t)strlen(d->line);
}

void kr_dat_close(struct kr_dat *d)
{
	if (!d)
		return;
	free(d->line);
	tracecmd_close(d->in);
	free(d);
}
