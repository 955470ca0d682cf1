// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "tidmap.h"

#define SLOT(m, i) ((struct kr_tidmap_slot *)((m)->slots + (size_t)(i) * (m)->slot_size))
#define VAL(h) ((void *)((h) + 1))

void kr_tidmap_init(struct kr_tidmap *m, size_t vsize, uint32_t max)
{
	memset(m, 0, sizeof(*m));
	m->vsize = vsize;
	m->slot_size = (sizeof(struct kr_tidmap_slot) + vsize + 7) & ~(size_t)7;
	m->max = max ? max : KR_MAX_TASKS;
}

void kr_tidmap_free(struct kr_tidmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
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
			memcpy(kr_tidmap_slot(&n, SLOT(m, i)->tid), SLOT(m, i), m->slot_size);
	free(m->slots);
	*m = n;
	return 0;
}

void *kr_tidmap_insert(struct kr_tidmap *m, uint64_t tid, bool *added)
{
	struct kr_tidmap_slot *h;

	if (added)
		*added = false;
	if (m->n >= m->max)
		return NULL;
	if ((m->n + 1) * 2 > m->cap && grow(m))	/* at most half full */
		return NULL;
	h = kr_tidmap_slot(m, tid);
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
		struct kr_tidmap_slot *h = SLOT(m, (*it)++);

		if (h->used) {
			if (tid)
				*tid = h->tid;
			return VAL(h);
		}
	}
	return NULL;
}
