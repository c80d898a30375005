/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hash map from strings to pointers: open addressing, linear probing,
 * tombstones, grown at 3/4 full.  The map owns copies of its keys.
 */
#ifndef NIMBUS_HMAP_H
#define NIMBUS_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hmap_ent {
	char *key;		/* NULL: empty; HMAP_TOMB: deleted */
	void *val;
	uint32_t hash;
};

struct hmap {
	struct hmap_ent *e;
	size_t cap;		/* 0 or a power of two */
	size_t n;		/* live entries */
	size_t used;		/* live entries and tombstones */
};

extern char hmap_tomb[];
#define HMAP_TOMB hmap_tomb

void hmap_init(struct hmap *m);
void hmap_free(struct hmap *m);
void *hmap_get(const struct hmap *m, const char *key);
bool hmap_has(const struct hmap *m, const char *key);
/* Insert or replace. */
void hmap_put(struct hmap *m, const char *key, void *val);
/* Remove KEY; its value, or NULL. */
void *hmap_del(struct hmap *m, const char *key);

static inline bool hmap_live(const struct hmap *m, size_t i)
{
	return m->e[i].key && m->e[i].key != HMAP_TOMB;
}

#define hmap_foreach(m, i) \
	for (size_t i = 0; i < (m)->cap; i++) \
		if (hmap_live((m), i))

/* Counters kept as map values. */
static inline intptr_t hmap_count(const struct hmap *m, const char *key)
{
	return (intptr_t)hmap_get(m, key);
}

void hmap_add(struct hmap *m, const char *key, intptr_t delta);

#endif /* NIMBUS_HMAP_H */
