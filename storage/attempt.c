// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cbs_proto.h"
#include "storage/attempt.h"

/*
 * Enough stripes that the few connections of one device (at most 16, one
 * thread each) seldom meet on one, while a table stays a few KiB.
 */
#define ATTEMPT_STRIPES 64

struct slot_attempt {
	uint32_t slot;
	uint32_t attempt;		/* the newest begun for slot */
};

/* The slots that hash to one stripe, sorted by slot. */
struct attempt_stripe {
	pthread_mutex_t lock;
	struct slot_attempt *slots;	/* lock */
	uint32_t count, capacity;	/* lock */
};

struct attempt_table {
	uint64_t session;
	unsigned int users;		/* the caller's list lock */
	struct attempt_table *next;	/* the caller's list lock */
	atomic_uint slots;		/* over all stripes, at most ATTEMPT_MAX_SLOTS */
	struct attempt_stripe stripes[ATTEMPT_STRIPES];
};

static struct attempt_table *table_new(uint64_t session)
{
	struct attempt_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->session = session;
	atomic_init(&t->slots, 0);
	for (unsigned int i = 0; i < ATTEMPT_STRIPES; i++)
		pthread_mutex_init(&t->stripes[i].lock, NULL);
	return t;
}

static void table_free(struct attempt_table *t)
{
	for (unsigned int i = 0; i < ATTEMPT_STRIPES; i++) {
		pthread_mutex_destroy(&t->stripes[i].lock);
		free(t->stripes[i].slots);
	}
	free(t);
}

struct attempt_table *attempt_table_get(struct attempt_table **tables, uint64_t session)
{
	struct attempt_table *t;

	for (t = *tables; t; t = t->next)
		if (t->session == session)
			break;
	if (!t) {
		t = table_new(session);
		if (!t)
			return NULL;
		t->next = *tables;
		*tables = t;
	}
	t->users++;
	return t;
}

void attempt_table_put(struct attempt_table **tables, struct attempt_table *t)
{
	struct attempt_table **pt;

	if (--t->users)
		return;
	for (pt = tables; *pt != t; pt = &(*pt)->next)
		;
	*pt = t->next;
	table_free(t);
}

/* cbs.ko's slots are hwq << 16 | tag: both halves pick the stripe. */
static struct attempt_stripe *stripe_of(struct attempt_table *t, uint32_t slot)
{
	return &t->stripes[(slot ^ (slot >> 16)) % ATTEMPT_STRIPES];
}

/* Index of slot in s, or where it would be inserted. */
static uint32_t stripe_find(const struct attempt_stripe *s, uint32_t slot)
{
	uint32_t lo = 0, hi = s->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->slots[mid].slot < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A first attempt for slot, at index i; the stripe locked. */
static int stripe_insert(struct attempt_table *t, struct attempt_stripe *s, uint32_t i,
			 uint32_t slot, uint32_t attempt)
{
	struct slot_attempt *p;
	uint32_t capacity;

	if (atomic_fetch_add(&t->slots, 1) >= ATTEMPT_MAX_SLOTS) {
		atomic_fetch_sub(&t->slots, 1);
		return -ENOBUFS;
	}
	if (s->count == s->capacity) {
		capacity = s->capacity ? 2 * s->capacity : 8;
		p = realloc(s->slots, capacity * sizeof(*p));
		if (!p) {
			atomic_fetch_sub(&t->slots, 1);
			return -ENOMEM;
		}
		s->slots = p;
		s->capacity = capacity;
	}
	memmove(&s->slots[i + 1], &s->slots[i], (s->count - i) * sizeof(*s->slots));
	s->slots[i] = (struct slot_attempt){ .slot = slot, .attempt = attempt };
	s->count++;
	return 0;
}

int attempt_lock(struct attempt_table *t, uint64_t handle)
{
	uint32_t slot = cbs_proto_handle_slot(handle);
	uint32_t attempt = cbs_proto_handle_attempt(handle);
	struct attempt_stripe *s = stripe_of(t, slot);
	struct slot_attempt *e;
	uint32_t i;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	i = stripe_find(s, slot);
	e = i < s->count && s->slots[i].slot == slot ? &s->slots[i] : NULL;
	if (!e)
		ret = stripe_insert(t, s, i, slot, attempt);
	else if (cbs_proto_attempt_older(attempt, e->attempt))
		ret = -ECANCELED;
	else
		e->attempt = attempt;
	if (ret)
		pthread_mutex_unlock(&s->lock);
	return ret;
}

void attempt_unlock(struct attempt_table *t, uint64_t handle)
{
	pthread_mutex_unlock(&stripe_of(t, cbs_proto_handle_slot(handle))->lock);
}
