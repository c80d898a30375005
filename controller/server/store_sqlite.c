// SPDX-License-Identifier: GPL-2.0
/*
 * The SQLite store backend: one database file in WAL mode with
 * synchronous=FULL, so a commit is on stable storage (the WAL fsynced)
 * before store_commit() returns, and survives kill -9 and power loss.
 *
 *   kv(key, value, create_rev, mod_rev)     the current state
 *   log(rev, seq, type, key, value)         the changes, for watch
 *   meta('revision' | 'compacted', value)   log holds every rev > compacted
 *
 * One connection, one mutex: commits are serial anyway (SQLite has one
 * writer), and the API layer reads its cache, not the store.
 */
#include "controller/server/store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

enum stmt {
	S_GET, S_RANGE, S_RANGE_ALL, S_UPSERT, S_DELETE, S_LOG, S_SET_META,
	S_WATCH, S_COMPACT, S_BEGIN, S_COMMIT, S_ROLLBACK, S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_GET] = "SELECT value, create_rev, mod_rev FROM kv WHERE key = ?1",
	[S_RANGE] = "SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key",
	[S_RANGE_ALL] = "SELECT key, value, create_rev, mod_rev FROM kv ORDER BY key",
	[S_UPSERT] = "INSERT INTO kv (key, value, create_rev, mod_rev) VALUES (?1, ?2, ?3, ?3) "
		     "ON CONFLICT (key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev",
	[S_DELETE] = "DELETE FROM kv WHERE key = ?1",
	[S_LOG] = "INSERT INTO log (rev, seq, type, key, value) VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_SET_META] = "UPDATE meta SET value = ?2 WHERE name = ?1",
	[S_WATCH] = "SELECT rev, type, key, value FROM log WHERE rev > ?1 ORDER BY rev, seq",
	[S_COMPACT] = "DELETE FROM log WHERE rev <= ?1",
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
	" create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS log (rev INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" type INTEGER NOT NULL, key TEXT NOT NULL, value TEXT,"
	" PRIMARY KEY (rev, seq)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO meta VALUES ('revision', 0), ('compacted', 0);";

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
	pthread_mutex_t lock;
	int64_t rev;		/* the last committed revision */
	int64_t compacted;	/* log holds every revision above */
	int64_t history;
};

static sqlite3_stmt *stmt(struct store *s, enum stmt i)
{
	sqlite3_stmt *st = s->st[i];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int exec_simple(struct store *s, enum stmt i)
{
	return sqlite3_step(stmt(s, i)) == SQLITE_DONE ? 0 : -EIO;
}

static int64_t meta_get(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE name = ?1", -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int store_open(struct store **sp, const char *spec, int64_t history, char *err, size_t errlen)
{
	struct store *s;
	const char *path = spec;
	char *msg = NULL;

	if (!strncmp(spec, "sqlite:", 7))
		path = spec + 7;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->history = history > 0 ? history : 1;
	pthread_mutex_init(&s->lock, NULL);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	/*
	 * WAL with synchronous=FULL: the WAL is fsynced at every commit, so
	 * an acknowledged change survives a power cut, not only a crash.
	 */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "PRAGMA busy_timeout=5000;", NULL, NULL, &msg) ||
	    sqlite3_exec(s->db, schema, NULL, NULL, &msg))
		goto fail;
	for (int i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &s->st[i], NULL))
			goto fail;
	s->rev = meta_get(s->db, "revision");
	s->compacted = meta_get(s->db, "compacted");
	if (s->rev < 0 || s->compacted < 0)
		goto fail;
	*sp = s;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	store_close(s);
	return -EIO;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int64_t store_revision(struct store *s)
{
	int64_t rev;

	pthread_mutex_lock(&s->lock);
	rev = s->rev;
	pthread_mutex_unlock(&s->lock);
	return rev;
}

static char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? strdup((const char *)t) : NULL;
}

int store_get(struct store *s, const char *key, struct store_kv *kv)
{
	sqlite3_stmt *st;
	int ret = -ENOENT, rc;

	pthread_mutex_lock(&s->lock);
	st = stmt(s, S_GET);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		kv->key = strdup(key);
		kv->value = col_text(st, 0);
		kv->create_rev = sqlite3_column_int64(st, 1);
		kv->mod_rev = sqlite3_column_int64(st, 2);
		ret = kv->key && kv->value ? 0 : -ENOMEM;
		if (ret)
			store_kv_free(kv);
	} else if (rc != SQLITE_DONE) {
		ret = -EIO;
	}
	sqlite3_reset(st);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int store_range(struct store *s, const char *prefix, struct store_kv **kvs, size_t *n,
		int64_t *rev)
{
	struct store_kv *v = NULL;
	size_t len = strlen(prefix), cnt = 0, cap = 0;
	char *end = NULL;
	sqlite3_stmt *st;
	int rc, ret = 0;

	/* Keys are text: the keys with PREFIX sort below PREFIX + 1 in its last byte. */
	if (len) {
		end = strdup(prefix);
		if (!end)
			return -ENOMEM;
		end[len - 1]++;
	}
	pthread_mutex_lock(&s->lock);
	st = stmt(s, len ? S_RANGE : S_RANGE_ALL);
	if (len) {
		sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, end, -1, SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nb_grow(&v, cnt, &cap, sizeof(*v));
		v[cnt] = (struct store_kv){
			.key = col_text(st, 0),
			.value = col_text(st, 1),
			.create_rev = sqlite3_column_int64(st, 2),
			.mod_rev = sqlite3_column_int64(st, 3),
		};
		cnt++;
		if (!v[cnt - 1].key || !v[cnt - 1].value) {
			ret = -ENOMEM;
			break;
		}
	}
	if (!ret && rc != SQLITE_DONE)
		ret = -EIO;
	sqlite3_reset(st);
	if (rev)
		*rev = s->rev;
	pthread_mutex_unlock(&s->lock);
	free(end);
	if (ret) {
		store_kvs_free(v, cnt);
		return ret;
	}
	*kvs = v;
	*n = cnt;
	return 0;
}

/* Under the lock, in a transaction: does compare OP hold? */
static int check_cmp(struct store *s, const struct store_op *op)
{
	sqlite3_stmt *st = stmt(s, S_GET);
	int rc, ret;

	sqlite3_bind_text(st, 1, op->key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = op->type == STORE_CMP_MOD && sqlite3_column_int64(st, 2) == op->rev ? 0 : -EEXIST;
	else if (rc == SQLITE_DONE)
		ret = op->type == STORE_CMP_ABSENT ? 0 : -EEXIST;
	else
		ret = -EIO;
	sqlite3_reset(st);
	return ret;
}

static int log_change(struct store *s, int64_t rev, int seq, enum store_event_type type,
		      const struct store_op *op)
{
	sqlite3_stmt *st = stmt(s, S_LOG);

	sqlite3_bind_int64(st, 1, rev);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_int(st, 3, type);
	sqlite3_bind_text(st, 4, op->key, -1, SQLITE_STATIC);
	if (op->value)
		sqlite3_bind_text(st, 5, op->value, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

static int set_meta(struct store *s, const char *name, int64_t v)
{
	sqlite3_stmt *st = stmt(s, S_SET_META);

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

/* Under the lock, in the transaction: apply T's writes as revision REV. */
static int apply(struct store *s, const struct store_txn *t, int64_t rev, int *changes)
{
	sqlite3_stmt *st;
	int seq = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct store_op *op = &t->ops[i];

		if (op->type == STORE_PUT) {
			st = stmt(s, S_UPSERT);
			sqlite3_bind_text(st, 1, op->key, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, op->value, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, rev);
			if (sqlite3_step(st) != SQLITE_DONE || log_change(s, rev, seq++, STORE_EV_PUT, op))
				return -EIO;
		} else if (op->type == STORE_DELETE) {
			st = stmt(s, S_DELETE);
			sqlite3_bind_text(st, 1, op->key, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				return -EIO;
			if (sqlite3_changes(s->db) && log_change(s, rev, seq++, STORE_EV_DELETE, op))
				return -EIO;
		}
	}
	*changes = seq;
	return 0;
}

int store_commit(struct store *s, const struct store_txn *t, int64_t *rev, size_t *failed)
{
	int64_t next, compact_to = 0;
	int ret, changes = 0;

	pthread_mutex_lock(&s->lock);
	next = s->rev + 1;
	ret = exec_simple(s, S_BEGIN);
	if (ret)
		goto out;
	for (size_t i = 0; i < t->n && !ret; i++) {
		if (t->ops[i].type != STORE_CMP_ABSENT && t->ops[i].type != STORE_CMP_MOD)
			continue;
		ret = check_cmp(s, &t->ops[i]);
		if (ret == -EEXIST && failed)
			*failed = i;
	}
	if (!ret)
		ret = apply(s, t, next, &changes);
	if (!ret && changes) {
		ret = set_meta(s, "revision", next);
		/* Trim the log in steps of a tenth of the history, not every commit. */
		if (!ret && next - s->compacted > s->history + s->history / 10) {
			sqlite3_stmt *st = stmt(s, S_COMPACT);

			compact_to = next - s->history;
			sqlite3_bind_int64(st, 1, compact_to);
			if (sqlite3_step(st) != SQLITE_DONE || set_meta(s, "compacted", compact_to))
				ret = -EIO;
		}
	}
	if (!ret && changes)
		ret = exec_simple(s, S_COMMIT);
	if (ret || !changes)
		exec_simple(s, S_ROLLBACK);
	if (!ret && changes) {
		s->rev = next;
		if (compact_to)
			s->compacted = compact_to;
	}
	if (!ret)
		*rev = s->rev;
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int store_watch(struct store *s, int64_t since, size_t max, struct store_event **evs,
		size_t *n, int64_t *rev)
{
	struct store_event *v = NULL;
	size_t cnt = 0, cap = 0;
	sqlite3_stmt *st;
	int rc, ret = 0;

	pthread_mutex_lock(&s->lock);
	if (since < s->compacted) {
		pthread_mutex_unlock(&s->lock);
		return -ESTALE;
	}
	*rev = s->rev;
	st = stmt(s, S_WATCH);
	sqlite3_bind_int64(st, 1, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t r = sqlite3_column_int64(st, 0);

		if (cnt >= max && r != v[cnt - 1].rev) {
			*rev = v[cnt - 1].rev;
			break;
		}
		nb_grow(&v, cnt, &cap, sizeof(*v));
		v[cnt++] = (struct store_event){
			.rev = r,
			.type = sqlite3_column_int(st, 1),
			.key = col_text(st, 2),
			.value = col_text(st, 3),
		};
	}
	if (!ret && rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = -EIO;
	sqlite3_reset(st);
	pthread_mutex_unlock(&s->lock);
	if (ret) {
		store_events_free(v, cnt);
		return ret;
	}
	*evs = v;
	*n = cnt;
	return 0;
}
