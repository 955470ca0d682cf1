/* SPDX-License-Identifier: GPL-2.0 */
/* One small JSON writer for every JSON kvmrace prints. */
#ifndef KR_JSON_H
#define KR_JSON_H

#include <stdbool.h>
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
void kj_u64(struct kr_json *j, uint64_t v);
void kj_i64(struct kr_json *j, int64_t v);
void kj_bool(struct kr_json *j, bool v);
void kj_null(struct kr_json *j);
/* A preformatted JSON value (a number), written as is. */
void kj_raw(struct kr_json *j, const char *v);
/* key + value shorthands */
void kj_kstr(struct kr_json *j, const char *k, const char *s);
void kj_ku64(struct kr_json *j, const char *k, uint64_t v);
void kj_ki64(struct kr_json *j, const char *k, int64_t v);
void kj_kbool(struct kr_json *j, const char *k, bool v);
/* "k": v, or "k": null when v is 0 (a time not seen) */
void kj_ku64_nz(struct kr_json *j, const char *k, uint64_t v);

#endif
