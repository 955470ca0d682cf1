// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ftline.h"
#include "input.h"
#include "record.h"

struct kr_input *kr_input_open(const char *path, char *err, size_t errlen)
{
	struct kr_input *in = calloc(1, sizeof(*in));
	struct stat st;

	if (!in) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->path = path;
	if (!(in->f = fopen(path, "rb"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(in);
		return NULL;
	}
	if (fstat(fileno(in->f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
		kr_input_close(in);
		return NULL;
	}
	in->regular = S_ISREG(st.st_mode);
	in->npeek = fread(in->peek, 1, sizeof(in->peek), in->f);
	if (!in->npeek && ferror(in->f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		kr_input_close(in);
		return NULL;
	}
	return in;
}

/* The read-ahead bytes hold trace text: a line that parses before one that
 * does not (headers, trace-cmd's "cpus=" and "CPU:" lines, perf frames and
 * blank lines aside). */
static bool looks_like_text(const struct kr_input *in)
{
	char buf[KR_INPUT_PEEK + 1], *line, *next;
	struct kr_ftline l;

	memcpy(buf, in->peek, in->npeek);
	buf[in->npeek] = 0;
	for (line = buf; line && *line; line = next) {
		int r;

		next = strchr(line, '\n');
		if (!next && in->npeek == sizeof(in->peek))
			break;	/* a line cut by the read-ahead */
		if (next)
			*next++ = 0;
		r = kr_ftrace_parse_line(line, &l);
		if (r > 0)
			return true;
		if (r < 0 && strncmp(line, "cpus=", 5) && strncmp(line, "CPU:", 4) && line[0] != '\t')
			return false;
	}
	return false;
}

enum kr_format kr_input_format(const struct kr_input *in)
{
	static const unsigned char dat[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };

	if (in->npeek >= 8 && !memcmp(in->peek, KR_REC_MAGIC, 8))
		return KR_FMT_RECORDING;
	if (in->npeek >= sizeof(dat) && !memcmp(in->peek, dat, sizeof(dat)))
		return KR_FMT_TRACE_DAT;
	return looks_like_text(in) ? KR_FMT_TEXT : KR_FMT_UNKNOWN;
}

size_t kr_input_read(struct kr_input *in, void *buf, size_t n)
{
	size_t got = 0;

	if (in->peek_pos < in->npeek) {
		got = in->npeek - in->peek_pos < n ? in->npeek - in->peek_pos : n;
		memcpy(buf, in->peek + in->peek_pos, got);
		in->peek_pos += got;
	}
	if (got < n)
		got += fread((char *)buf + got, 1, n - got, in->f);
	return got;
}

bool kr_input_error(const struct kr_input *in)
{
	return ferror(in->f) != 0;
}

void kr_input_close(struct kr_input *in)
{
	if (!in)
		return;
	if (in->f)
		fclose(in->f);
	free(in);
}

enum kr_format kr_format_named(const char *name)
{
	if (!strcmp(name, "kvmrace"))
		return KR_FMT_RECORDING;
	if (!strcmp(name, "trace.dat"))
		return KR_FMT_TRACE_DAT;
	if (!strcmp(name, "ftrace") || !strcmp(name, "perf"))
		return KR_FMT_TEXT;
	return KR_FMT_UNKNOWN;
}
