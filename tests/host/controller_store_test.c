// SPDX-License-Identifier: GPL-2.0
/*
 * The controller's store (controller/server/store.h) on its own, on a
 * temporary SQLite file: revisions, create and mod revisions, compares that
 * refuse a whole transaction, prefix ranges, watch and compaction, and
 * everything again after closing and reopening.  Run as one case of
 * tests/host/controller.sh; prints what failed and exits 1, or exits 0.
 *
 *   controller_store_test DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/server/store.h"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

static struct store *open_store(const char *path, int64_t history)
{
	struct store *s = NULL;
	char err[256];

	if (store_open(&s, path, history, err, sizeof(err))) {
		fprintf(stderr, "store_open: %s\n", err);
		exit(1);
	}
	return s;
}

/* Commit one put (VALUE) or delete (NULL) of KEY; the new revision. */
static int64_t put(struct store *s, const char *key, const char *value)
{
	struct store_txn t;
	int64_t rev = -1;

	store_txn_init(&t);
	if (value)
		store_txn_put(&t, key, value);
	else
		store_txn_delete(&t, key);
	CHECK(store_commit(s, &t, &rev, NULL) == 0);
	store_txn_free(&t);
	return rev;
}

static const char *value_of(struct store *s, const char *key, struct store_kv *kv)
{
	store_kv_free(kv);
	return store_get(s, key, kv) ? NULL : kv->value;
}

int main(int argc, char **argv)
{
	struct store_kv kv = { 0 }, *kvs;
	struct store_event *evs;
	struct store_txn t;
	char path[4096];
	struct store *s;
	int64_t rev;
	size_t n, failed = 99;

	if (argc != 2)
		return 2;
	snprintf(path, sizeof(path), "%s/store.db", argv[1]);
	s = open_store(path, 5);
	CHECK(store_revision(s) == 0);

	/* One transaction of two keys is one revision. */
	store_txn_init(&t);
	store_txn_put(&t, "a/1", "one");
	store_txn_put(&t, "b/1", "bee");
	CHECK(store_commit(s, &t, &rev, NULL) == 0 && rev == 1);
	store_txn_free(&t);
	CHECK(put(s, "a/1", "uno") == 2);
	CHECK(store_get(s, "a/1", &kv) == 0 && kv.create_rev == 1 && kv.mod_rev == 2 &&
	      !strcmp(kv.value, "uno"));

	/* A failed compare refuses the whole transaction and names itself. */
	store_txn_init(&t);
	store_txn_put(&t, "b/1", "changed");
	store_txn_absent(&t, "c/1");
	store_txn_absent(&t, "a/1");
	CHECK(store_commit(s, &t, &rev, &failed) == -EEXIST && failed == 2);
	store_txn_free(&t);
	CHECK(store_revision(s) == 2 && !strcmp(value_of(s, "b/1", &kv), "bee"));
	store_txn_init(&t);
	store_txn_mod_is(&t, "a/1", 1);
	CHECK(store_commit(s, &t, &rev, &failed) == -EEXIST && failed == 0);
	store_txn_free(&t);
	store_txn_init(&t);
	store_txn_mod_is(&t, "a/1", 2);
	store_txn_absent(&t, "a/2");
	store_txn_put(&t, "a/2", "two");
	CHECK(store_commit(s, &t, &rev, NULL) == 0 && rev == 3);
	store_txn_free(&t);

	/* Compares alone, or deleting what is not there, change nothing. */
	store_txn_init(&t);
	store_txn_absent(&t, "zzz");
	store_txn_delete(&t, "zzz");
	CHECK(store_commit(s, &t, &rev, NULL) == 0 && rev == 3 && store_revision(s) == 3);
	store_txn_free(&t);

	/* Ranges: the prefix's keys in key order; "" is everything. */
	CHECK(store_range(s, "a/", &kvs, &n, &rev) == 0 && n == 2 && rev == 3 &&
	      !strcmp(kvs[0].key, "a/1") && !strcmp(kvs[1].key, "a/2"));
	store_kvs_free(kvs, n);
	CHECK(store_range(s, "", &kvs, &n, NULL) == 0 && n == 3);
	store_kvs_free(kvs, n);
	CHECK(store_range(s, "c/", &kvs, &n, NULL) == 0 && n == 0);
	store_kvs_free(kvs, n);

	/* Watch: every change after a revision, in order, with its type. */
	CHECK(put(s, "b/1", NULL) == 4);
	CHECK(store_get(s, "b/1", &kv) == -ENOENT);
	CHECK(store_watch(s, 2, 100, &evs, &n, &rev) == 0 && n == 2 && rev == 4 &&
	      evs[0].rev == 3 && evs[0].type == STORE_EV_PUT && !strcmp(evs[0].key, "a/2") &&
	      evs[1].rev == 4 && evs[1].type == STORE_EV_DELETE && !evs[1].value);
	store_events_free(evs, n);
	CHECK(store_watch(s, 0, 1, &evs, &n, &rev) == 0 && n == 2 && rev == 1);
	store_events_free(evs, n);	/* cut at MAX, but never inside a revision */
	CHECK(store_watch(s, 4, 100, &evs, &n, &rev) == 0 && n == 0 && rev == 4);
	store_events_free(evs, n);

	/* Compaction: 5 revisions kept, trimmed in steps. */
	for (int i = 0; i < 20; i++) {
		char v[16];

		snprintf(v, sizeof(v), "%d", i);
		put(s, "c/1", v);
	}
	CHECK(store_revision(s) == 24);
	CHECK(store_watch(s, 1, 100, &evs, &n, &rev) == -ESTALE);
	CHECK(store_watch(s, 19, 100, &evs, &n, &rev) == 0 && n == 5 && evs[4].rev == 24);
	store_events_free(evs, n);

	/* Closed and opened again: the same state, and revisions go on. */
	store_close(s);
	s = open_store(path, 5);
	CHECK(store_revision(s) == 24);
	CHECK(!strcmp(value_of(s, "c/1", &kv), "19") && kv.create_rev == 5 && kv.mod_rev == 24);
	CHECK(store_watch(s, 1, 100, &evs, &n, &rev) == -ESTALE);
	CHECK(store_watch(s, 20, 100, &evs, &n, &rev) == 0 && n == 4);
	store_events_free(evs, n);
	CHECK(put(s, "d/1", "dee") == 25);
	store_kv_free(&kv);
	store_close(s);
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
