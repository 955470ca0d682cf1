/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A map from thread ids (or any 64-bit key: a pid and a vCPU id) to
 * fixed-size values: open addressing, growing as needed up to a bound, never
 * dropping an entry silently.  Pure C, no I/O; shared by the engine, the
 * importer, the exporters and the ftrace capture.
 */
#ifndef KR_TIDMAP_H
#define KR_TIDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tasks any one input may name: a bound on memory from hostile input. */
#define KR_MAX_TASKS (1u << 20)

struct kr_tidmap {
	unsigned char *slots;	/* cap slots of slot_size: u64 key, u64 used, value */
	size_t slot_size, vsize;
	uint32_t cap, n, max;
};

/* vsize: the value's size; max: entries at most (0: KR_MAX_TASKS). */
void kr_tidmap_init(struct kr_tidmap *m, size_t vsize, uint32_t max);
void kr_tidmap_free(struct kr_tidmap *m);
/* tid's value, NULL if absent. */
void *kr_tidmap_get(const struct kr_tidmap *m, uint64_t tid);
/* tid's value, added zeroed if absent (*added set then); NULL if out of
 * memory or the map holds max entries.  Adding may move every value: a
 * pointer from this map is valid until the next add. */
void *kr_tidmap_add(struct kr_tidmap *m, uint64_t tid, bool *added);
/* Iteration in slot order: start with *it = 0; NULL at the end. */
void *kr_tidmap_next(const struct kr_tidmap *m, uint32_t *it, uint64_t *tid);
/* Whether the last failed add was for the bound (else out of memory). */
static inline bool kr_tidmap_full(const struct kr_tidmap *m)
{
	return m->n >= m->max;
}

#endif
