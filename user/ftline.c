// SPDX-License-Identifier: GPL-2.0
/* Trace text lines (ftline.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ftline.h"

/* Decimal digits at s (no sign): faster than strtoul on the hot path. */
static inline uint32_t dec(const char *s, char **end)
{
	uint32_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint32_t)(*s++ - '0');
	if (end)
		*end = (char *)s;
	return v;
}

/* A CPU number at s (digits): -1 if KR_MAX_CPUS or more. */
static int cpu_num(const char *s, char **end)
{
	uint32_t v = 0;

	while (*s >= '0' && *s <= '9') {
		if (v < KR_MAX_CPUS)
			v = v * 10 + (uint32_t)(*s - '0');
		s++;
	}
	if (end)
		*end = (char *)s;
	return v < KR_MAX_CPUS ? (int)v : -1;
}

static char *skip_ws(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* "sec.frac" -> ns (frac of up to 9 digits) */
static int parse_ts(const char *s, uint64_t *ns, const char **end)
{
	uint64_t sec = 0, frac = 0;
	int digits = 0;

	if (!(*s >= '0' && *s <= '9'))
		return -1;
	while ((*s >= '0' && *s <= '9'))
		sec = sec * 10 + (uint64_t)(*s++ - '0');
	if (*s != '.')
		return -1;
	s++;
	while ((*s >= '0' && *s <= '9')) {
		if (digits < 9) {
			frac = frac * 10 + (uint64_t)(*s - '0');
			digits++;
		}
		s++;
	}
	if (!digits)
		return -1;
	{
		static const uint32_t scale[10] = { 1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000,
						    100, 10, 1 };

		frac *= scale[digits];
	}
	*ns = sec * 1000000000ull + frac;
	*end = s;
	return 0;
}

static int take_flags(struct kr_ftline *o, const char *f, size_t n)
{
	if (!n || n >= sizeof(o->flags))
		return -1;
	memcpy(o->flags, f, n);
	o->flags[n] = 0;
	o->has_flags = true;
	return 0;
}

/* The event name runs to ": " (perf prints "category:event:"); then the payload. */
static int take_event(struct kr_ftline *o, char *p)
{
	char *ev = p = skip_ws(p);

	if (!strncmp(ev, "PERF_RECORD_", 12)) {	/* perf script --show-lost-events etc.: "PERF_RECORD_LOST lost 2" */
		p = ev + strcspn(ev, " :");
		if ((size_t)(p - ev) >= sizeof(o->event))
			return -1;
		memcpy(o->event, ev, (size_t)(p - ev));
		o->event[p - ev] = 0;
		o->payload = skip_ws(*p ? p + 1 : p);
		return 1;
	}
	/* to the first ':' followed by a space or the end ("cat:event:" in perf) */
	for (;;) {
		char *sp;

		p = strchr(p, ':');
		if (!p)
			return -1;
		if (p[1] == ' ' || !p[1])
			break;
		sp = memchr(ev, ' ', (size_t)(p - ev));
		if (sp)
			return -1;	/* a space before the event's ':' */
		p++;
	}
	if (p == ev || (size_t)(p - ev) >= sizeof(o->event) || memchr(ev, ' ', (size_t)(p - ev)))
		return -1;
	memcpy(o->event, ev, (size_t)(p - ev));
	o->event[p - ev] = 0;
	o->payload = skip_ws(p + 1);
	return 1;
}

/* trace-cmd report -l: "comm-pid  CPUflags  time: event: payload" (the CPU
 * number fused with the latency flags, no brackets). */
static int parse_latency_layout(char *s, struct kr_ftline *o)
{
	char *t = s, *ts = NULL, *cf, *e, *dash, *p;
	const char *after;
	uint64_t ns;
	size_t n;
	int cpu;

	/* the timestamp: the first " digits.digits:" */
	for (t = strchr(s, ' '); t; t = strchr(t + 1, ' ')) {
		if (!parse_ts(t + 1, &ns, &after) && *after == ':') {
			ts = t + 1;
			break;
		}
	}
	if (!ts)
		return -1;
	/* the token before it: CPU digits then flags */
	e = ts - 1;
	while (e > s && e[-1] == ' ')
		e--;
	cf = e;
	while (cf > s && cf[-1] != ' ')
		cf--;
	if (cf == s || !(*cf >= '0' && *cf <= '9'))
		return -1;
	if ((cpu = cpu_num(cf, &p)) < 0)
		return -1;
	o->cpu = (uint16_t)cpu;
	if (take_flags(o, p, (size_t)(e - p)))
		return -1;
	/* comm-pid before that */
	e = cf;
	while (e > s && e[-1] == ' ')
		e--;
	*e = 0;
	dash = strrchr(s, '-');
	if (!dash || !(dash[1] >= '0' && dash[1] <= '9'))
		return -1;
	*dash = 0;
	o->pid = dec(dash + 1, NULL);
	n = strnlen(s, KR_COMM_LEN - 1);
	memcpy(o->comm, s, n);
	o->comm[n] = 0;
	o->ts = ns;
	return take_event(o, (char *)after + 1);
}

/* TASK-PID [CPU]: a CPU field candidate is a " [digits]" of s at or after
 * from (NULL if none). */
static char *cpu_bracket(char *s, char *from)
{
	char *br;

	for (br = strchr(from, '['); br; br = strchr(br + 1, '[')) {
		char *q = br + 1;

		if (br == s || br[-1] != ' ')
			continue;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q > br + 1 && *q == ']')
			return br;
	}
	return NULL;
}

/* What follows the CPU bracket: (flags) timestamp ':' into o, *after past
 * the ':'; 0, 1 if it is not that (another layout), -1 malformed. */
static int after_bracket(char *br, struct kr_ftline *o, const char **after)
{
	char *q = skip_ws(strchr(br, ']') + 1), *f = NULL;
	size_t fl = 0;

	if (!parse_ts(q, &o->ts, after) && **after == ':')
		return 0;
	f = q;
	while (*q && *q != ' ')
		q++;
	fl = (size_t)(q - f);
	if (parse_ts(skip_ws(q), &o->ts, after) || **after != ':')
		return 1;
	return take_flags(o, f, fl);
}

/* ftrace with options/record-tgid: "comm-pid (tgid)", the tgid "-----" when
 * the kernel had none; cut off the end of [s, *p).  -1 malformed. */
static int cut_tgid(char *s, char **p, struct kr_ftline *o)
{
	char *op = *p - 1;

	if (*p == s || op[0] != ')')
		return 0;
	while (op > s && *op != '(')
		op--;
	if (*op != '(')
		return -1;
	o->tgid = (uint32_t)strtoul(skip_ws(op + 1), NULL, 10);
	*p = op;
	**p = 0;
	while (*p > s && (*p)[-1] == ' ')
		*--*p = 0;
	return 0;
}

/* The task before end: ftrace's "comm-pid", perf script's "comm  tid" or
 * "comm  pid/tid"; the comm into o.  -1 malformed. */
static int task_pid(char *s, char *end, struct kr_ftline *o)
{
	char *d = end, *dash;
	size_t n;

	while (d > s && (d[-1] >= '0' && d[-1] <= '9'))
		d--;
	if (d == end)
		return -1;
	o->pid = dec(d, NULL);
	if (d > s && d[-1] == '/') {	/* pid/tid */
		d[-1] = 0;
		d--;
		while (d > s && (d[-1] >= '0' && d[-1] <= '9'))
			d--;
		o->tgid = dec(d, NULL);
		o->perf = true;
	} else if (d > s && d[-1] == ' ') {
		o->perf = true;
	}
	dash = d - 1;
	if (dash < s || (*dash != '-' && *dash != ' '))
		return -1;
	*dash = 0;
	if (o->perf) {
		while (dash > s && dash[-1] == ' ')
			*--dash = 0;
		s = skip_ws(s);
	}
	for (n = 0; n < KR_COMM_LEN - 1 && s[n]; n++)
		o->comm[n] = s[n];
	o->comm[n] = 0;
	return 0;
}

int kr_ftline_parse(char *line, struct kr_ftline *o)
{
	char *s = skip_ws(line), *br, *p;
	const char *after;
	int cpu, r;

	if (!*s || *s == '#' || *s == '\n')
		return 0;
	o->has_flags = false;
	o->tgid = 0;
	o->perf = false;
	/* the CPU bracket: the first " [digits]" followed by (flags and) the
	 * timestamp (a comm may hold one that is not: "CPU 1/ [0]KV-5 [001]");
	 * if none, the trace-cmd -l layout (its payload may have brackets of
	 * its own).  Checked before the line is modified. */
	for (br = cpu_bracket(s, s), r = 1; br && (r = after_bracket(br, o, &after)) > 0;)
		br = cpu_bracket(s, br + 1);
	if (!br)
		return parse_latency_layout(s, o);
	if (r < 0 || (cpu = cpu_num(br + 1, NULL)) < 0)
		return -1;
	o->cpu = (uint16_t)cpu;
	p = br - 1;	/* at the space before '[' */
	*p = 0;
	while (p > s && p[-1] == ' ')
		*--p = 0;
	if (cut_tgid(s, &p, o) || task_pid(s, p, o))
		return -1;
	return take_event(o, (char *)after + 1);
}

int kr_ftrace_parse_line(char *line, struct kr_ftline *o)
{
	char *nl = strchr(line, '\n');

	if (nl) {
		*nl = 0;
		if (nl > line && nl[-1] == '\r')
			nl[-1] = 0;
	}
	return kr_ftline_parse(line, o);
}

const char *kr_field(const char *payload, const char *name)
{
	size_t n = strlen(name);
	const char *s = payload;

	while ((s = strstr(s, name))) {
		if ((s == payload || s[-1] == ' ' || s[-1] == ',') && s[n] == '=')
			return s + n + 1;
		s += n;
	}
	return NULL;
}

bool kr_field_long(const char *payload, const char *name, long *v)
{
	const char *s = kr_field(payload, name);
	char *end;

	if (!s)
		return false;
	errno = 0;
	*v = strtol(s, &end, 0);
	return !errno && end != s;
}
