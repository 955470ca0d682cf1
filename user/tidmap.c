// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "tidmap.h"

struct slot_hdr {
	uint64_t tid;
	uint64_t used;
};

#define SLOT(m, i) ((struct slot_hdr *)((m)->slots + (size_t)(i) * (m)->slot_size))
#define VAL(h) ((void *)((h) + 1))

void kr_tidmap_init(struct kr_tidmap *m, size_t vsize, uint32_t max)
{
	memset(m, 0, sizeof(*m));
	m->vsize = vsize;
	m->slot_size = (sizeof(struct slot_hdr) + vsize + 7) & ~(size_t)7;
	m->max = max ? max : KR_MAX_TASKS;
}

void kr_tidmap_free(struct kr_tidmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

static uint32_t hash(uint64_t k)
{
	return (uint32_t)(k ^ k >> 32) * 2654435761u;
}

/* tid's slot, or the free slot where it would go (cap > 0, never full). */
static struct slot_hdr *find(const struct kr_tidmap *m, uint64_t tid)
{
	uint32_t i = hash(tid) & (m->cap - 1);

	while (SLOT(m, i)->used && SLOT(m, i)->tid != tid)
		i = (i + 1) & (m->cap - 1);
	return SLOT(m, i);
}

void *kr_tidmap_get(const struct kr_tidmap *m, uint64_t tid)
{
	struct slot_hdr *h;

	if (!m->cap)
		return NULL;
	h = find(m, tid);
	return h->used ? VAL(h) : NULL;
}

static int grow(struct kr_tidmap *m)
{
	struct kr_tidmap n = *m;
	uint32_t i;

	n.cap = m->cap ? m->cap * 2 : 64;
	n.slots = calloc(n.cap, n.slot_size);
	if (!n.slots)
		return -1;
	for (i = 0; i < m->cap; i++)
		if (SLOT(m, i)->used)
			memcpy(find(&n, SLOT(m, i)->tid), SLOT(m, i), m->slot_size);
	free(m->slots);
	*m = n;
	return 0;
}

void *kr_tidmap_add(struct kr_tidmap *m, uint64_t tid, bool *added)
{
	struct slot_hdr *h = m->cap ? find(m, tid) : NULL;

	if (added)
		*added = false;
	if (h && h->used)
		return VAL(h);
	if (m->n >= m->max)
		return NULL;
	if ((m->n + 1) * 2 > m->cap) {	/* at most half full */
		if (grow(m))
			return NULL;
		h = find(m, tid);
	}
	memset(h, 0, m->slot_size);
	h->tid = tid;
	h->used = 1;
	m->n++;
	if (added)
		*added = true;
	return VAL(h);
}

void *kr_tidmap_next(const struct kr_tidmap *m, uint32_t *it, uint64_t *tid)
{
	while (*it < m->cap) {
		struct slot_hdr *h = SLOT(m, (*it)++);

		if (h->used) {
			if (tid)
				*tid = h->tid;
			return VAL(h);
		}
	}
	return NULL;
}
