// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
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

static void raw_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "\\u%04x", *p);	/* comm bytes are not UTF-8-checked */
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void kj_key(struct kr_json *j, const char *k)
{
	sep(j);
	raw_str(j->f, k);
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void kj_str(struct kr_json *j, const char *s) { sep(j); raw_str(j->f, s); }
void kj_u64(struct kr_json *j, uint64_t v) { sep(j); fprintf(j->f, "%" PRIu64, v); }
void kj_i64(struct kr_json *j, int64_t v) { sep(j); fprintf(j->f, "%" PRId64, v); }
void kj_bool(struct kr_json *j, bool v) { sep(j); fputs(v ? "true" : "false", j->f); }
void kj_null(struct kr_json *j) { sep(j); fputs("null", j->f); }
void kj_raw(struct kr_json *j, const char *v) { sep(j); fputs(v, j->f); }
void kj_kstr(struct kr_json *j, const char *k, const char *s) { kj_key(j, k); kj_str(j, s); }
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
