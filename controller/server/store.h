/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The controller's state: keys and values with etcd's model.
 *
 * - One global revision, raised by one for every committed transaction
 *   (however many keys it changes).  Revision 0 is the empty store.
 * - Each key has a create revision and a mod revision.
 * - Reads: one key, or every key with a prefix (in key order).
 * - Writes: a transaction of compares (key absent; key's mod revision equal
 *   to R) and puts and deletes, applied all or nothing.
 * - Watch: the changes with a revision above R, in order; -ESTALE when R is
 *   older than the history kept (compacted).
 *
 * Callers see only this header.  The SQLite backend (store_sqlite.c) is the
 * embedded default; an etcd backend (Txn with Compare on create_revision
 * and mod_revision, Range with a prefix end, Watch with start_revision)
 * implements the same operations one for one.  Everything here is safe to
 * call from several threads.
 */
#ifndef NIMBUS_STORE_H
#define NIMBUS_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct store_kv {
	char *key;
	char *value;		/* NUL-ended */
	int64_t create_rev;
	int64_t mod_rev;
};

enum store_op_type {
	STORE_CMP_ABSENT,	/* the key does not exist */
	STORE_CMP_MOD,		/* the key's mod revision is rev */
	STORE_PUT,
	STORE_DELETE,		/* deleting an absent key is no change */
};

struct store_op {
	enum store_op_type type;
	char *key;
	char *value;		/* STORE_PUT */
	int64_t rev;		/* STORE_CMP_MOD */
};

struct store_txn {
	struct store_op *ops;
	size_t n, cap;
};

enum store_event_type { STORE_EV_PUT, STORE_EV_DELETE };

struct store_event {
	int64_t rev;
	enum store_event_type type;
	char *key;
	char *value;		/* the new value; NULL for a delete */
};

/*
 * Open the store at SPEC ("sqlite:PATH" or a plain PATH), keeping the
 * changes of the last HISTORY revisions for watch.  0 or -errno, with a
 * message in ERR.
 */
int store_open(struct store **sp, const char *spec, int64_t history, char *err, size_t errlen);
void store_close(struct store *s);

int64_t store_revision(struct store *s);
/* 0, -ENOENT, or -EIO. */
int store_get(struct store *s, const char *key, struct store_kv *kv);
/* Every key starting with PREFIX, in key order, as one snapshot. */
int store_range(struct store *s, const char *prefix, struct store_kv **kvs, size_t *n,
		int64_t *rev);
void store_kv_free(struct store_kv *kv);
void store_kvs_free(struct store_kv *kvs, size_t n);

void store_txn_init(struct store_txn *t);
void store_txn_free(struct store_txn *t);
void store_txn_absent(struct store_txn *t, const char *key);
void store_txn_mod_is(struct store_txn *t, const char *key, int64_t rev);
void store_txn_put(struct store_txn *t, const char *key, const char *value);
void store_txn_delete(struct store_txn *t, const char *key);
/*
 * Apply T atomically and durably (on stable storage before this returns).
 * 0 with the new revision in *REV (unchanged if T wrote nothing);
 * -EEXIST when a compare failed (*FAILED is its index; nothing changed);
 * -EIO or -ENOMEM otherwise (nothing changed).
 */
int store_commit(struct store *s, const struct store_txn *t, int64_t *rev, size_t *failed);

/*
 * The changes with revision > SINCE, at most MAX of them (a revision's
 * changes are never split), and *REV: the store's revision, or the last
 * revision listed when cut at MAX.  -ESTALE when SINCE is older than the
 * history kept.
 */
int store_watch(struct store *s, int64_t since, size_t max, struct store_event **evs,
		size_t *n, int64_t *rev);
void store_events_free(struct store_event *evs, size_t n);

#endif /* NIMBUS_STORE_H */
