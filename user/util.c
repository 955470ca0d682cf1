// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util.h"

int kr_parse_time_ns(const char *s, uint64_t *ns)
{
	static const struct { const char *u; double mul; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1 },
	};
	char *end;
	double v;
	size_t i;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].u))
			continue;
		v *= units[i].mul;
		if (v > 1e18)
			return -1;
		*ns = (uint64_t)(v + 0.5);
		return 0;
	}
	return -1;
}

int kr_parse_seconds(const char *s, double *sec)
{
	uint64_t ns;
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return -1;
	if (!*end) {
		*sec = v;
		return 0;
	}
	if (kr_parse_time_ns(s, &ns) || !ns)
		return -1;
	*sec = ns / 1e9;
	return 0;
}

int kr_parse_long(const char *s, long *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || *end ? -1 : 0;
}

uint64_t kr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
