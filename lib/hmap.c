// SPDX-License-Identifier: GPL-2.0
/* A string-keyed hash map: see hmap.h. */
#include "lib/hmap.h"

#include <stdlib.h>
#include <string.h>

char hmap_tomb[1];

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

void hmap_init(struct hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void hmap_free(struct hmap *m)
{
	hmap_foreach(m, i)
		free(m->e[i].key);
	free(m->e);
	hmap_init(m);
}

/* The slot of KEY, or -1. */
static long find(const struct hmap *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;

	if (!m->cap)
		return -1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct hmap_ent *e = &m->e[i];

		if (!e->key)
			return -1;
		if (e->key != HMAP_TOMB && e->hash == h && !strcmp(e->key, key))
			return (long)i;
	}
}

void *hmap_get(const struct hmap *m, const char *key)
{
	long i = find(m, key, hash(key));

	return i < 0 ? NULL : m->e[i].val;
}

bool hmap_has(const struct hmap *m, const char *key)
{
	return find(m, key, hash(key)) >= 0;
}

static void grow(struct hmap *m)
{
	struct hmap old = *m;
	size_t cap = old.n * 2 < 16 ? 16 : old.n * 4;
	size_t p = 16;

	while (p < cap)
		p <<= 1;
	m->e = calloc(p, sizeof(*m->e));
	if (!m->e)
		abort();
	m->cap = p;
	m->n = m->used = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (!hmap_live(&old, i))
			continue;
		for (size_t j = old.e[i].hash & (p - 1);; j = (j + 1) & (p - 1)) {
			if (!m->e[j].key) {
				m->e[j] = old.e[i];
				break;
			}
		}
		m->n++;
		m->used++;
	}
	free(old.e);
}

void hmap_put(struct hmap *m, const char *key, void *val)
{
	uint32_t h = hash(key);
	long i = find(m, key, h);
	size_t j;

	if (i >= 0) {
		m->e[i].val = val;
		return;
	}
	if ((m->used + 1) * 4 > m->cap * 3)
		grow(m);
	for (j = h & (m->cap - 1); hmap_live(m, j); j = (j + 1) & (m->cap - 1))
		;
	if (!m->e[j].key)
		m->used++;
	m->e[j] = (struct hmap_ent){ .key = strdup(key), .val = val, .hash = h };
	if (!m->e[j].key)
		abort();
	m->n++;
}

void *hmap_del(struct hmap *m, const char *key)
{
	long i = find(m, key, hash(key));
	void *val;

	if (i < 0)
		return NULL;
	val = m->e[i].val;
	free(m->e[i].key);
	m->e[i].key = HMAP_TOMB;
	m->e[i].val = NULL;
	m->n--;
	return val;
}

void hmap_add(struct hmap *m, const char *key, intptr_t delta)
{
	intptr_t v = hmap_count(m, key) + delta;

	if (v)
		hmap_put(m, key, (void *)v);
	else
		hmap_del(m, key);
}
