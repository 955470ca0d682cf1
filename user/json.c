// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>
#include "json.h"

void kj_init(struct kr_json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
	j->pretty = pretty;
}

static void indent(struct kr_json *j)
{
	int i;

	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator before a value (or key) at the current level. */
static void sep(struct kr_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth)
		indent(j);
}

static void open_(struct kr_json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth < KR_JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct kr_json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->f);
	if (!j->depth && j->pretty)
		fputc('\n', j->f);
}

void kj_obj_open(struct kr_json *j) { open_(j, '{'); }
void kj_obj_close(struct kr_json *j) { close_(j, '}'); }
void kj_arr_open(struct kr_json *j) { open_(j, '['); }
void kj_arr_close(struct kr_json *j) { close_(j, ']'); }

int kj_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t v;
	int len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* nothing past U+10FFFF */
	} else {
		return -1;
	}
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n || p[i] < lo || p[i] > hi)
			return -i;	/* the maximal subpart: one U+FFFD for it */
		v = v << 6 | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return len;
}

/* JSON text is UTF-8: valid sequences go out as they are (a UTF-8 name
 * survives byte for byte); control characters (C0, DEL, C1) as escapes;
 * each maximal invalid subpart as one \ufffd. */
static void raw_str(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	uint32_t cp;
	int k;

	fputc('"', f);
	while (p < end && *p) {
		k = kj_utf8_seq(p, (size_t)(end - p), &cp);
		if (k < 0) {
			fputs("\\ufffd", f);
			p += -k;
			continue;
		}
		switch (cp) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
				fprintf(f, "\\u%04x", (unsigned)cp);
			else
				fwrite(p, 1, (size_t)k, f);
		}
		p += k;
	}
	fputc('"', f);
}

void kj_key(struct kr_json *j, const char *k)
{
	sep(j);
	raw_str(j->f, k, strlen(k));
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void kj_str(struct kr_json *j, const char *s) { sep(j); raw_str(j->f, s, strlen(s)); }
void kj_strn(struct kr_json *j, const char *s, size_t n) { sep(j); raw_str(j->f, s, n); }
void kj_u64(struct kr_json *j, uint64_t v) { sep(j); fprintf(j->f, "%" PRIu64, v); }
void kj_i64(struct kr_json *j, int64_t v) { sep(j); fprintf(j->f, "%" PRId64, v); }
void kj_bool(struct kr_json *j, bool v) { sep(j); fputs(v ? "true" : "false", j->f); }
void kj_null(struct kr_json *j) { sep(j); fputs("null", j->f); }
void kj_raw(struct kr_json *j, const char *v) { sep(j); fputs(v, j->f); }
void kj_kstr(struct kr_json *j, const char *k, const char *s) { kj_key(j, k); kj_str(j, s); }
void kj_kstrn(struct kr_json *j, const char *k, const char *s, size_t n) { kj_key(j, k); kj_strn(j, s, n); }
void kj_ku64(struct kr_json *j, const char *k, uint64_t v) { kj_key(j, k); kj_u64(j, v); }
void kj_ki64(struct kr_json *j, const char *k, int64_t v) { kj_key(j, k); kj_i64(j, v); }
void kj_kbool(struct kr_json *j, const char *k, bool v) { kj_key(j, k); kj_bool(j, v); }

void kj_ku64_nz(struct kr_json *j, const char *k, uint64_t v)
{
	kj_key(j, k);
	if (v)
		kj_u64(j, v);
	else
		kj_null(j);
}
