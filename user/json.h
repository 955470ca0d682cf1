/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One small JSON writer for every JSON kvmrace prints.
 *
 * Strings are written as UTF-8 (RFC 8259): valid UTF-8 passes through byte
 * for byte; '"', '\\' and control characters (U+0000-U+001F, DEL, the C1
 * controls U+0080-U+009F) are escaped; each maximal invalid subpart of a
 * byte string that is not UTF-8 (a thread name the kernel cut inside a
 * character, a Latin-1 name) becomes one U+FFFD, written "\ufffd", so the
 * output is always valid JSON.
 */
#ifndef KR_JSON_H
#define KR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KR_JSON_DEPTH 16

struct kr_json {
	FILE *f;
	int depth;
	bool first[KR_JSON_DEPTH];
	bool after_key;
	bool pretty;
};

void kj_init(struct kr_json *j, FILE *f, bool pretty);
void kj_obj_open(struct kr_json *j);
void kj_obj_close(struct kr_json *j);
void kj_arr_open(struct kr_json *j);
void kj_arr_close(struct kr_json *j);
void kj_key(struct kr_json *j, const char *k);
void kj_str(struct kr_json *j, const char *s);
/* At most n bytes of s (up to a NUL): a fixed-size field like a comm. */
void kj_strn(struct kr_json *j, const char *s, size_t n);
void kj_u64(struct kr_json *j, uint64_t v);
void kj_i64(struct kr_json *j, int64_t v);
void kj_bool(struct kr_json *j, bool v);
void kj_null(struct kr_json *j);
/* A preformatted JSON value (a number), written as is. */
void kj_raw(struct kr_json *j, const char *v);
/* key + value shorthands */
void kj_kstr(struct kr_json *j, const char *k, const char *s);
void kj_kstrn(struct kr_json *j, const char *k, const char *s, size_t n);
void kj_ku64(struct kr_json *j, const char *k, uint64_t v);
void kj_ki64(struct kr_json *j, const char *k, int64_t v);
void kj_kbool(struct kr_json *j, const char *k, bool v);
/* "k": v, or "k": null when v is 0 (a time not seen) */
void kj_ku64_nz(struct kr_json *j, const char *k, uint64_t v);

/* UTF-8 decoding (strict: no overlong forms, surrogates or code points
 * past U+10FFFF) of the n >= 1 bytes at p: the length of the sequence
 * (code point in *cp), or minus the length of the maximal invalid subpart
 * there (Unicode's "U+FFFD substitution of maximal subparts"). */
int kj_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp);

#endif
