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
	unsigned char *slots;	/* cap slots of slot_size: struct kr_tidmap_slot, value */
	size_t slot_size, vsize;
	uint32_t cap, n, max;
};

/* vsize: the value's size; max: entries at most (0: KR_MAX_TASKS). */
void kr_tidmap_init(struct kr_tidmap *m, size_t vsize, uint32_t max);
void kr_tidmap_free(struct kr_tidmap *m);
/* A slot: its key, whether it is used, then the value. */
struct kr_tidmap_slot {
	uint64_t tid;
	uint64_t used;
};

/* tid's slot, or the free one where it would go (the map is never full).
 * Inline, with get and add: they run on every event. */
static inline struct kr_tidmap_slot *kr_tidmap_slot(const struct kr_tidmap *m, uint64_t tid)
{
	uint32_t i = ((uint32_t)(tid ^ tid >> 32) * 2654435761u) & (m->cap - 1);
	struct kr_tidmap_slot *h;

	for (;;) {
		h = (struct kr_tidmap_slot *)(m->slots + (size_t)i * m->slot_size);
		if (!h->used || h->tid == tid)
			return h;
		i = (i + 1) & (m->cap - 1);
	}
}

/* tid's value, NULL if absent. */
static inline void *kr_tidmap_get(const struct kr_tidmap *m, uint64_t tid)
{
	struct kr_tidmap_slot *h;

	if (!m->cap)
		return NULL;
	h = kr_tidmap_slot(m, tid);
	return h->used ? (void *)(h + 1) : NULL;
}

/* kr_tidmap_add's slow path: a new entry. */
void *kr_tidmap_insert(struct kr_tidmap *m, uint64_t tid, bool *added);

/* tid's value, added zeroed if absent (*added set then); NULL if out of
 * memory or the map holds max entries.  Adding may move every value: a
 * pointer from this map is valid until the next add. */
static inline void *kr_tidmap_add(struct kr_tidmap *m, uint64_t tid, bool *added)
{
	struct kr_tidmap_slot *h = m->cap ? kr_tidmap_slot(m, tid) : NULL;

	if (h && h->used) {
		if (added)
			*added = false;
		return h + 1;
	}
	return kr_tidmap_insert(m, tid, added);
}
/* Iteration in slot order: start with *it = 0; NULL at the end. */
void *kr_tidmap_next(const struct kr_tidmap *m, uint32_t *it, uint64_t *tid);
/* Whether the last failed add was for the bound (else out of memory). */
static inline bool kr_tidmap_full(const struct kr_tidmap *m)
{
	return m->n >= m->max;
}

#endif
