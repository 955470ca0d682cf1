// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "engine.h"
#include "json.h"
#include "perfcodec.h"

/*
 * A record as `perf script -g` prints a tracepoint sample with its call
 * chain, so that FlameGraph's stackcollapse-perf.pl and speedscope take it:
 *
 *   COMM PID/TID [CPU] SECS.NSECS: kvmrace:TYPE: PAYLOAD
 *   \tffffffffffffffff kvmrace_TYPE+0x0 ([kvmrace])
 *   (blank line)
 *
 * The command sits at column 0 (perf's layout with a call chain).  It is
 * the vCPU task's comm, escaped so that the record stays one line and
 * every reader finds the same command, PID/TID and time: "\" as "\\"; as
 * "\xHH" (its UTF-8 bytes) a control character, a byte that is not UTF-8,
 * Unicode white space other than the ASCII space, an ASCII space at either
 * end or before a number-like word (digits, '.', '/', ':': "CPU 0/KVM" is
 * left as it is, "vcpu 12" is not), and a leading '#'.  A task with no comm
 * known is ":TID" (perf's way).  The exact comm, when the event carried
 * one, is in the payload too: comm="..." (\\, \" and \xHH escapes), which
 * is what report reads back.
 */

static bool js_space(uint32_t cp)
{
	return cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

static bool number_word(const unsigned char *p, const unsigned char *end)
{
	if (p >= end || *p < '0' || *p > '9')
		return false;
	for (; p < end && *p != ' '; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == '/' || *p == ':'))
			return false;
	return true;
}

static int hex_bytes(FILE *f, const unsigned char *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		fprintf(f, "\\x%02x", p[i]);
	return 4 * n;
}

/* The command column; returns the characters written. */
static int ps_comm(FILE *f, const char *s, size_t n, uint32_t tid)
{
	const unsigned char *start = (const unsigned char *)s, *p = start, *end;
	uint32_t cp;
	int k, w = 0;

	n = strnlen(s, n);
	if (!n)
		return fprintf(f, ":%u", tid);
	end = start + n;
	while (p < end) {
		k = kj_utf8_seq(p, (size_t)(end - p), &cp);
		if (k < 0) {
			w += hex_bytes(f, p, -k);
			p += -k;
			continue;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || js_space(cp) || (cp == '#' && p == start) ||
		    (cp == ' ' && (p == start || p + 1 == end || number_word(p + 1, end)))) {
			w += hex_bytes(f, p, k);
		} else if (cp == '\\') {
			fputs("\\\\", f);
			w += 2;
		} else {
			fwrite(p, 1, (size_t)k, f);
			w += k;
		}
		p += k;
	}
	return w;
}

/* A quoted payload value: "\\", "\"" and \xHH for what would break the line. */
void kr_perf_qstr(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strnlen(s, n);
	uint32_t cp;
	int k;

	fputc('"', f);
	while (p < end) {
		k = kj_utf8_seq(p, (size_t)(end - p), &cp);
		if (k < 0) {
			hex_bytes(f, p, -k);
			p += -k;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (int)cp);
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
			hex_bytes(f, p, k);
		else
			fwrite(p, 1, (size_t)k, f);
		p += k;
	}
	fputc('"', f);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ps_qstr's value at p (at its opening quote) into out (at most cap bytes,
 * not terminated): its length, or -1 if malformed. */
static int ps_unq(const char *p, char *out, size_t cap)
{
	size_t n = 0;
	int c;

	if (*p++ != '"')
		return -1;
	for (; *p != '"'; p++) {
		if (!*p)
			return -1;
		c = (unsigned char)*p;
		if (c == '\\') {
			p++;
			if (*p == 'x' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
				c = hexval(p[1]) << 4 | hexval(p[2]);
				p += 2;
			} else if (*p == '\\' || *p == '"') {
				c = (unsigned char)*p;
			} else {
				return -1;
			}
		}
		if (n < cap)
			out[n] = (char)c;
		n++;
	}
	return (int)(n < cap ? n : cap);
}

void kr_perf_head(FILE *f, const char *comm, size_t n, uint32_t pid, uint32_t tid, unsigned cpu, uint64_t ts,
		    const char *name)
{
	/* one character and a 7-digit PID would run together for the readers'
	 * "command, then white space, then digits" */
	if (ps_comm(f, comm, n, tid) < 2)
		fputc(' ', f);
	fprintf(f, " %7u/%-7u [%03u] %5" PRIu64 ".%09" PRIu64 ": kvmrace:%s: ", pid, tid, cpu,
		(uint64_t)(ts / 1000000000ull), (uint64_t)(ts % 1000000000ull), name);
}

void kr_perf_tail(FILE *f, const char *name)
{
	fprintf(f, "\n\tffffffffffffffff kvmrace_%s+0x0 ([kvmrace])\n\n", name);
}

void kr_perf_kvmrace_payload(FILE *f, const struct kr_event *ev)
{
	fprintf(f, "vcpu=%d cause=%u reason=%u err=%d tif=0x%x tif_raw=0x%x src=%u flags=0x%x soft_mask=%u "
		"irq_happened=%u comm_set=%d", ev->vcpu, ev->cause, ev->reason, ev->err, ev->tif, ev->tif_raw,
		ev->src_tid, ev->flags, ev->soft_mask, ev->irq_happened, ev->comm[0] != 0);
	if (ev->comm[0]) {
		fputs(" comm=", f);
		kr_perf_qstr(f, ev->comm, KR_COMM_LEN);
	}
}

int kr_perf_kvmrace_event(const char *event, const char *payload, struct kr_event *ev)
{
	unsigned cause, reason, tif, tif_raw, src, flags, sm, ih;
	int vcpu, err, comm_set, type;
	const char *c;

	if (strncmp(event, "kvmrace:", 8))
		return 0;
	for (type = 1; type < KR_EV_MAX_EVENT; type++)
		if (!strcmp(event + 8, kr_type_name(type)))
			break;
	if (type == KR_EV_MAX_EVENT)
		return 0;
	if (sscanf(payload, "vcpu=%d cause=%u reason=%u err=%d tif=%x tif_raw=%x src=%u flags=%x soft_mask=%u "
		   "irq_happened=%u comm_set=%d", &vcpu, &cause, &reason, &err, &tif, &tif_raw, &src, &flags, &sm, &ih,
		   &comm_set) != 11 || cause > 0xff || flags > 0xffff || sm > 0xff || ih > 0xff)
		return -1;	/* (the event's own numbers are checked with the line's events) */
	ev->type = (uint8_t)type;
	ev->vcpu = vcpu;
	ev->cause = (uint8_t)cause;
	ev->reason = reason;
	ev->err = err;
	ev->tif = tif;
	ev->tif_raw = tif_raw;
	ev->src_tid = src;
	ev->flags = (uint16_t)flags;
	ev->soft_mask = (uint8_t)sm;
	ev->irq_happened = (uint8_t)ih;
	memset(ev->comm, 0, KR_COMM_LEN);
	/* the exact comm (exports before it was there: the column's) */
	c = comm_set ? strstr(payload, " comm=\"") : NULL;
	if (c && ps_unq(c + 6, ev->comm, KR_COMM_LEN) < 0)
		return -1;
	return 1;
}

/* The run in the "# kvmrace:" header: KEY=VALUE words, a value's spaces,
 * control characters and backslashes as \xHH, so that it stays one word
 * ("ftrace trace_clock") on one line. */
void kr_perf_meta_value(FILE *f, const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v <= ' ' || *v == 0x7f || *v == '\\')
			fprintf(f, "\\x%02x", (unsigned char)*v);
		else
			fputc(*v, f);
}

bool kr_perf_meta_str(const char *line, const char *key, char *dst, size_t len)
{
	size_t k = strlen(key), n = 0;
	const char *v = line;

	for (;; v += k) {
		v = strstr(v, key);
		if (!v)
			return false;
		if ((v == line || v[-1] == ' ') && v[k] == '=')
			break;
	}
	for (v += k + 1; *v && *v != ' ' && *v != '\n' && n + 1 < len; v++) {
		int c = (unsigned char)*v;

		if (c == '\\' && v[1] == 'x' && hexval(v[2]) >= 0 && hexval(v[3]) >= 0) {
			c = hexval(v[2]) << 4 | hexval(v[3]);
			v += 3;
		}
		dst[n++] = (char)c;
	}
	dst[n] = 0;
	return true;
}
