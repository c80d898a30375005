// SPDX-License-Identifier: GPL-2.0
/* Transactions and results, the same for every store backend: see store.h. */
#include "controller/server/store.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

void store_txn_init(struct store_txn *t)
{
	memset(t, 0, sizeof(*t));
}

void store_txn_free(struct store_txn *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->ops[i].key);
		free(t->ops[i].value);
	}
	free(t->ops);
	store_txn_init(t);
}

static void add(struct store_txn *t, enum store_op_type type, const char *key,
		const char *value, int64_t rev)
{
	nb_grow(&t->ops, t->n, &t->cap, sizeof(*t->ops));
	t->ops[t->n] = (struct store_op){
		.type = type,
		.key = strdup(key),
		.value = value ? strdup(value) : NULL,
		.rev = rev,
	};
	if (!t->ops[t->n].key || (value && !t->ops[t->n].value))
		abort();
	t->n++;
}

void store_txn_absent(struct store_txn *t, const char *key)
{
	add(t, STORE_CMP_ABSENT, key, NULL, 0);
}

void store_txn_mod_is(struct store_txn *t, const char *key, int64_t rev)
{
	add(t, STORE_CMP_MOD, key, NULL, rev);
}

void store_txn_put(struct store_txn *t, const char *key, const char *value)
{
	add(t, STORE_PUT, key, value, 0);
}

void store_txn_delete(struct store_txn *t, const char *key)
{
	add(t, STORE_DELETE, key, NULL, 0);
}

void store_kv_free(struct store_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

void store_kvs_free(struct store_kv *kvs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_kv_free(&kvs[i]);
	free(kvs);
}

void store_events_free(struct store_event *evs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(evs[i].key);
		free(evs[i].value);
	}
	free(evs);
}
