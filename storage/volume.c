// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <endian.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "lib/log.h"
#include "lib/token.h"
#include "storage/file.h"
#include "storage/replica.h"
#include "storage/store.h"
#include "storage/volume.h"

/*
 * Lock order: table_lock -> a volume's io_lock -> the store's layer lock.
 * Every change of a NAME.meta holds the volume's io_lock for writing.
 */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cbs_volume *table;	/* table_lock */
static int dir_fd = -1;

static struct cbs_volume *vol_find(const char *name)
{
	struct cbs_volume *v;

	for (v = table; v; v = v->next)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

static void vol_path(char *buf, size_t size, const char *name, const char *suffix)
{
	snprintf(buf, size, "%s%s", name, suffix);
}

/* Replace NAME.meta atomically with v's state, but size and generation. */
static int meta_write(const struct cbs_volume *v, uint64_t size, uint64_t generation)
{
	char path[CBS_PROTO_NAME_LEN + 8];
	char *text = malloc(VOL_META_MAX);
	size_t len;
	int ret;

	if (!text)
		return -ENOMEM;
	vol_path(path, sizeof(path), v->name, ".meta");
	len = (size_t)snprintf(text, VOL_META_MAX,
			       "size %llu\nblock_size %u\ngeneration %llu\ntoken %s\n",
			       (unsigned long long)size, v->block_size,
			       (unsigned long long)generation, v->token);
	if (store_layer_id(v->top))
		len += (size_t)snprintf(text + len, VOL_META_MAX - len, "top %016" PRIx64 "\n",
					store_layer_id(v->top));
	if (v->origin_layer)
		len += (size_t)snprintf(text + len, VOL_META_MAX - len,
					"origin %016" PRIx64 " %s\n", v->origin_layer, v->origin);
	for (unsigned int i = 0; i < v->nsnaps; i++) {
		const struct cbs_snap *s = &v->snaps[i];

		len += (size_t)snprintf(text + len, VOL_META_MAX - len,
					"snap %016" PRIx64 " %llu %u %llu %s\n",
					store_layer_id(s->layer),
					(unsigned long long)s->created, s->flags,
					(unsigned long long)s->size, s->name);
	}
	ret = len < VOL_META_MAX ? file_replace(dir_fd, path, text, len) : -E2BIG;
	explicit_bzero(text, VOL_META_MAX);
	free(text);
	return ret;
}

/* A decimal number and nothing else; 0 or -EINVAL. */
static int meta_u64(const char *s, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*v = n;
	return 0;
}

/* 16 hex digits, not all zero; *rest: what follows.  0 or -EINVAL. */
static int meta_id(const char *s, uint64_t *id, const char **rest)
{
	unsigned long long n;
	char *end;

	for (int i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 16);
	if (errno || end != s + 16 || !n)
		return -EINVAL;
	*id = n;
	*rest = end;
	return 0;
}

static int meta_snap(const char *s, struct vol_meta_snap *snap)
{
	unsigned long long created, size;
	unsigned int flags;
	const char *rest;
	int n = 0;

	if (meta_id(s, &snap->layer, &rest) || *rest++ != ' ' ||
	    sscanf(rest, "%llu %u %llu %n", &created, &flags, &size, &n) != 3 || !n ||
	    strlen(rest + n) >= sizeof(snap->name))
		return -EINVAL;
	strcpy(snap->name, rest + n);
	if (!cbs_proto_name_ok(snap->name) || (flags & ~CBS_SNAP_F_PROTECTED))
		return -EINVAL;
	snap->created = created;
	snap->size = size;
	snap->flags = flags;
	return 0;
}

int vol_meta_parse(char *text, struct vol_meta *m)
{
	bool have_token = false;
	char *line, *save = NULL;
	const char *rest;
	uint64_t bs = 0;
	unsigned int i, j;
	int ret;

	memset(m, 0, sizeof(*m));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "token ", 6)) {
			ret = cbs_token_set(m->token, line + 6);
			have_token = true;
		} else if (!strncmp(line, "size ", 5)) {
			ret = meta_u64(line + 5, &m->size);
		} else if (!strncmp(line, "block_size ", 11)) {
			ret = meta_u64(line + 11, &bs);
		} else if (!strncmp(line, "generation ", 11)) {
			ret = meta_u64(line + 11, &m->generation);
		} else if (!strncmp(line, "top ", 4)) {
			ret = meta_id(line + 4, &m->top, &rest);
			if (!ret && *rest)
				ret = -EINVAL;
		} else if (!strncmp(line, "origin ", 7)) {
			ret = meta_id(line + 7, &m->origin_layer, &rest);
			if (!ret && *rest++ != ' ')
				ret = -EINVAL;
			if (!ret && (!*rest || strlen(rest) >= sizeof(m->origin)))
				ret = -EINVAL;
			if (!ret)
				strcpy(m->origin, rest);
		} else if (!strncmp(line, "snap ", 5)) {
			ret = m->nsnaps < CBS_MAX_SNAPS ?
			      meta_snap(line + 5, &m->snaps[m->nsnaps++]) : -EINVAL;
		} else {
			ret = -EINVAL;
		}
		if (ret)
			return ret;
	}
	if (!have_token || bs > UINT32_MAX || !cbs_proto_block_size_ok((uint32_t)bs) ||
	    !m->size || m->size % bs || m->size > INT64_MAX || !m->generation)
		return -EINVAL;
	m->block_size = (uint32_t)bs;
	/* Snapshots need layers; names are unique, and so are their layers. */
	if (m->nsnaps && !m->top)
		return -EINVAL;
	for (i = 0; i < m->nsnaps; i++) {
		if (!m->snaps[i].size || m->snaps[i].size % bs || m->snaps[i].layer == m->top)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (!strcmp(m->snaps[i].name, m->snaps[j].name) ||
			    m->snaps[i].layer == m->snaps[j].layer)
				return -EINVAL;
	}
	return 0;
}

int vol_meta_read(int dir, const char *name, struct vol_meta *m)
{
	char path[CBS_PROTO_NAME_LEN + 8];
	char *text;
	ssize_t n;
	int fd, ret;

	vol_path(path, sizeof(path), name, ".meta");
	fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	text = malloc(VOL_META_MAX + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, text, VOL_META_MAX);
	ret = n < 0 ? -errno : n == VOL_META_MAX ? -E2BIG : 0;
	close(fd);
	if (!ret) {
		text[n] = '\0';
		ret = vol_meta_parse(text, m);
	}
	explicit_bzero(text, VOL_META_MAX + 1);
	free(text);
	return ret;
}

static struct cbs_volume *vol_alloc(const char *name)
{
	struct cbs_volume *v = calloc(1, sizeof(*v));
	pthread_rwlockattr_t attr;

	if (!v)
		return NULL;
	v->snaps = calloc(CBS_MAX_SNAPS, sizeof(*v->snaps));
	if (!v->snaps) {
		free(v);
		return NULL;
	}
	snprintf(v->name, sizeof(v->name), "%s", name);
	/* A fencing handshake must not wait behind a stream of reads. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&v->io_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return v;
}

/* Drop v and its references to its layers (which stay while others use them). */
static void vol_free(struct cbs_volume *v)
{
	for (unsigned int i = 0; i < v->nsnaps; i++)
		store_layer_put(v->snaps[i].layer);
	if (v->top)
		store_layer_put(v->top);
	pthread_rwlock_destroy(&v->io_lock);
	explicit_bzero(v->token, sizeof(v->token));
	free(v->snaps);
	free(v);
}

/* A flat volume's data file, cut to size: its layer. */
static int open_flat(struct cbs_volume *v, bool create)
{
	char path[CBS_PROTO_NAME_LEN + 8];
	struct stat st;
	int fd, ret = 0;

	vol_path(path, sizeof(path), v->name, ".vol");
	fd = openat(dir_fd, path, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0600);
	if (fd < 0)
		return -errno;
	if (create) {
		if (ftruncate(fd, (off_t)v->size) || fsync(fd))
			ret = -errno;
	} else if (fstat(fd, &st)) {
		ret = -errno;
	} else if ((uint64_t)st.st_size != v->size && ftruncate(fd, (off_t)v->size)) {
		/*
		 * A resize interrupted between the metadata and the data file
		 * (see resize_shrink() and resize_grow()): the metadata is the
		 * truth.  A longer file is a shrink after its commit; a shorter
		 * one a grow whose extension was not on disk yet, and its new
		 * part is zeros anyway.
		 */
		ret = -errno;
	}
	if (!ret) {
		v->top = store_layer_flat(fd, v->block_size);
		ret = v->top ? 0 : -ENOMEM;
	}
	if (ret) {
		close(fd);
		if (create)
			unlinkat(dir_fd, path, 0);
	}
	return ret;
}

static int vol_load(const char *name)
{
	char path[CBS_PROTO_NAME_LEN + 8];
	struct vol_meta *m = malloc(sizeof(*m));
	struct cbs_volume *v = NULL;
	uint64_t size;
	int ret;

	if (!m)
		return -ENOMEM;
	ret = vol_meta_read(dir_fd, name, m);
	if (ret)
		goto out;
	v = vol_alloc(name);
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(v->token, m->token, sizeof(v->token));
	v->size = m->size;
	v->block_size = m->block_size;
	v->generation = m->generation;
	v->origin_layer = m->origin_layer;
	memcpy(v->origin, m->origin, sizeof(v->origin));
	if (!m->top) {
		ret = open_flat(v, false);
		goto out;
	}
	ret = store_layer_get(m->top, v->block_size, &v->top);
	if (ret)
		goto out;
	/*
	 * As open_flat(): the metadata's size is the truth.  Longer: a shrink
	 * cut after its commit, or a grow before it; shorter: a new top
	 * layer whose size was not on disk yet (it was empty).
	 */
	size = store_layer_size(v->top);
	if (size != v->size)
		ret = store_layer_fit(v->top, v->size);
	for (unsigned int i = 0; !ret && i < m->nsnaps; i++) {
		struct cbs_snap *s = &v->snaps[v->nsnaps];

		ret = store_layer_get(m->snaps[i].layer, v->block_size, &s->layer);
		if (ret)
			break;
		v->nsnaps++;
		memcpy(s->name, m->snaps[i].name, sizeof(s->name));
		s->created = m->snaps[i].created;
		s->size = m->snaps[i].size;
		s->flags = m->snaps[i].flags;
	}
	/* The name a flat volume had before its first snapshot: linked into layers/. */
	vol_path(path, sizeof(path), name, ".vol");
	if (!ret && !unlinkat(dir_fd, path, 0))
		nb_log("removing %s: the volume's data moved to layers/ (snapshot cut short)",
			path);
out:
	if (!ret) {
		v->next = table;
		table = v;
	} else if (v) {
		vol_free(v);
	}
	explicit_bzero(m, sizeof(*m));
	free(m);
	return ret;
}

/*
 * Leftovers of a create, delete or metadata update cut short by a crash.
 * A data file is removed only if its metadata file is gone, never because
 * the metadata could not be read.
 */
static void remove_leftovers(DIR *d)
{
	char meta[CBS_PROTO_NAME_LEN + 8];
	struct dirent *e;
	size_t len;

	rewinddir(d);
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' && len > 4 &&
		    !strcmp(e->d_name + len - 4, ".tmp")) {
			unlinkat(dir_fd, e->d_name, 0);
			continue;
		}
		if (len <= 4 || len - 4 >= CBS_PROTO_NAME_LEN || strcmp(e->d_name + len - 4, ".vol"))
			continue;
		snprintf(meta, sizeof(meta), "%.*s.meta", (int)(len - 4), e->d_name);
		if (faccessat(dir_fd, meta, F_OK, 0) && errno == ENOENT) {
			nb_log("removing %s: no metadata (creation or deletion interrupted)",
				e->d_name);
			unlinkat(dir_fd, e->d_name, 0);
		}
	}
}

int vol_table_init(const char *dir)
{
	char name[CBS_PROTO_NAME_LEN];
	unsigned int count = 0, failed = 0;
	struct dirent *e;
	size_t len;
	DIR *d;
	int fd, ret;

	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	ret = store_init(dir_fd);
	if (ret)
		return ret;
	fd = dup(dir_fd);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return ret;
	}
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (len <= 5 || len - 5 >= sizeof(name) || strcmp(e->d_name + len - 5, ".meta"))
			continue;
		memcpy(name, e->d_name, len - 5);
		name[len - 5] = '\0';
		if (!cbs_proto_name_ok(name))
			continue;
		ret = vol_load(name);
		if (ret) {
			nb_log("volume %s not loaded: %s", name, strerror(-ret));
			failed++;
		} else {
			count++;
		}
	}
	remove_leftovers(d);
	closedir(d);
	/* A volume that did not load may use any layer: then none is removed. */
	if (failed)
		nb_log("unused layers kept: %u volumes did not load", failed);
	else
		store_sweep();
	store_ready();
	nb_log("%u volumes in %s", count, dir);
	return 0;
}

void vol_table_exit(void)
{
	struct cbs_volume *v;

	store_exit();
	while ((v = table)) {
		table = v->next;
		vol_free(v);
	}
	if (dir_fd >= 0)
		close(dir_fd);
	dir_fd = -1;
}

int vol_check_token(const char *name, const char *token)
{
	struct cbs_volume *v;
	int ret;

	pthread_mutex_lock(&table_lock);
	v = vol_find(name);
	ret = !v ? -ENOENT : nb_token_equal(v->token, token, CBS_PROTO_TOKEN_LEN) ? 0 : -EACCES;
	pthread_mutex_unlock(&table_lock);
	return ret;
}

int vol_open(const struct cbs_hello_req *h, struct cbs_volume **out,
	     struct attempt_table **attempts)
{
	uint64_t generation = h->generation;
	struct attempt_table *t = NULL;
	struct cbs_volume *v;
	int ret = 0;

	pthread_mutex_lock(&table_lock);
	v = vol_find(h->name);
	/* A replica session's token is the admin token, checked by the caller. */
	if (!v || (!h->replica && !nb_token_equal(v->token, h->token, CBS_PROTO_TOKEN_LEN))) {
		pthread_mutex_unlock(&table_lock);
		return v ? -EACCES : -ENOENT;
	}
	if (h->session) {
		t = attempt_table_get(&v->attempt_tables, h->session);
		if (!t) {
			pthread_mutex_unlock(&table_lock);
			return -ENOMEM;
		}
	}
	v->sessions++;
	pthread_mutex_unlock(&table_lock);

	pthread_rwlock_wrlock(&v->io_lock);
	if (generation < v->generation) {
		ret = -ESTALE;
	} else if (generation > v->generation) {
		ret = meta_write(v, v->size, generation);
		if (!ret) {
			nb_log("volume %s: generation %llu -> %llu", v->name,
				(unsigned long long)v->generation,
				(unsigned long long)generation);
			v->generation = generation;
		}
	}
	pthread_rwlock_unlock(&v->io_lock);
	if (ret) {
		vol_close(v, t);
		return ret;
	}
	*out = v;
	*attempts = t;
	return 0;
}

int vol_get(const char *name, struct cbs_volume **out)
{
	struct cbs_volume *v;

	pthread_mutex_lock(&table_lock);
	v = vol_find(name);
	if (v)
		v->sessions++;
	pthread_mutex_unlock(&table_lock);
	*out = v;
	return v ? 0 : -ENOENT;
}

void vol_close(struct cbs_volume *v, struct attempt_table *attempts)
{
	pthread_mutex_lock(&table_lock);
	if (attempts)
		attempt_table_put(&v->attempt_tables, attempts);
	v->sessions--;
	pthread_mutex_unlock(&table_lock);
}

int vol_create(const struct cbs_admin_req *r)
{
	struct cbs_volume *v;
	int ret;

	pthread_mutex_lock(&table_lock);
	if (vol_find(r->name)) {
		ret = -EEXIST;
		goto out;
	}
	v = vol_alloc(r->name);
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(v->token, r->token, sizeof(v->token));
	v->size = r->size;
	v->block_size = r->block_size;
	v->generation = 1;
	ret = open_flat(v, true);
	/* The metadata is written last: it is what makes the volume exist. */
	if (!ret) {
		ret = meta_write(v, v->size, v->generation);
		if (ret) {
			char path[CBS_PROTO_NAME_LEN + 8];

			vol_path(path, sizeof(path), r->name, ".vol");
			unlinkat(dir_fd, path, 0);
		}
	}
	if (ret) {
		vol_free(v);
		goto out;
	}
	v->next = table;
	table = v;
	nb_log("volume %s created: size %llu block size %u", v->name,
		(unsigned long long)v->size, v->block_size);
out:
	pthread_mutex_unlock(&table_lock);
	return ret;
}

/* Volumes cloned from layer l (whose origin it is); table_lock held. */
static uint32_t clones_of(const struct store_layer *l)
{
	uint64_t id = store_layer_id(l);
	struct cbs_volume *v;
	uint32_t n = 0;

	for (v = table; v && id; v = v->next)
		n += v->origin_layer == id;
	return n;
}

/* Whether l is in v's chain; v's io_lock held. */
static bool chain_has(const struct cbs_volume *v, const struct store_layer *l)
{
	const struct store_layer *p;

	for (p = v->top; p; p = store_layer_parent(p))
		if (p == l)
			return true;
	return false;
}

/* Wait out every request of a volume that reads through c; table_lock held. */
static void chain_barrier(struct store_layer *c, void *arg)
{
	struct cbs_volume *v;
	bool has;

	(void)arg;
	for (v = table; v; v = v->next) {
		pthread_rwlock_rdlock(&v->io_lock);
		has = chain_has(v, c);
		pthread_rwlock_unlock(&v->io_lock);
		if (!has)
			continue;
		pthread_rwlock_wrlock(&v->io_lock);
		pthread_rwlock_unlock(&v->io_lock);
	}
}

/* Whether l is some volume's top; table_lock held. */
static bool is_top(const struct store_layer *l)
{
	struct cbs_volume *v;
	bool top = false;

	for (v = table; v && !top; v = v->next) {
		pthread_rwlock_rdlock(&v->io_lock);
		top = v->top == l;
		pthread_rwlock_unlock(&v->io_lock);
	}
	return top;
}

/*
 * l lost its name (the caller still holds that reference).  If it is
 * still a parent: with one child that no one writes to (a snapshot's
 * layer), it is merged into it, which frees what only l held and keeps
 * chains short; else what every child wrote over is freed (trim).
 */
static void layer_unnamed(struct store_layer *l)
{
	struct store_layer *c = store_layer_only_child(l, 1);

	if (c && !is_top(c) && !store_layer_merge(l, c, chain_barrier, NULL))
		return;
	store_layer_trim(l);
}

int vol_delete(const char *name)
{
	char path[CBS_PROTO_NAME_LEN + 8];
	struct cbs_volume **pv, *v;
	struct store_layer **held = NULL;
	unsigned int i, nheld = 0;
	bool flat;
	int ret = 0;

	pthread_mutex_lock(&table_lock);
	for (pv = &table; *pv && strcmp((*pv)->name, name); pv = &(*pv)->next)
		;
	v = *pv;
	if (!v) {
		ret = -ENOENT;
		goto out;
	}
	if (v->sessions) {
		ret = -EBUSY;
		goto out;
	}
	/* A protected snapshot stays while clones depend on it. */
	for (i = 0; i < v->nsnaps; i++) {
		if ((v->snaps[i].flags & CBS_SNAP_F_PROTECTED) && clones_of(v->snaps[i].layer)) {
			ret = -EBUSY;
			goto out;
		}
	}
	/* Removing the metadata is the commit point; leftovers are swept at start. */
	vol_path(path, sizeof(path), name, ".meta");
	if (unlinkat(dir_fd, path, 0)) {
		ret = -errno;
		goto out;
	}
	flat = !store_layer_id(v->top);
	if (flat) {
		vol_path(path, sizeof(path), name, ".vol");
		unlinkat(dir_fd, path, 0);
	}
	fsync(dir_fd);
	*pv = v->next;
	/* Layers that clones still read stay, hidden; the rest go. */
	held = calloc(v->nsnaps + 1, sizeof(*held));
	for (i = 0; held && i < v->nsnaps; i++) {
		store_layer_hold(v->snaps[i].layer);
		held[nheld++] = v->snaps[i].layer;
	}
	vol_free(v);
	for (i = 0; i < nheld; i++) {
		layer_unnamed(held[i]);
		store_layer_put(held[i]);
	}
	free(held);
	nb_log("volume %s deleted", name);
out:
	pthread_mutex_unlock(&table_lock);
	return ret;
}

/*
 * The new size in the metadata, the commit point of a resize.  A failure
 * may come after the rename (a failed directory fsync), with the new size
 * maybe on disk already: the old metadata is written back, so that a
 * refused resize is not applied at the next start.
 */
static int resize_commit(struct cbs_volume *v, uint64_t size)
{
	int ret = meta_write(v, size, v->generation);

	if (ret && meta_write(v, v->size, v->generation))
		nb_log("volume %s: resize failed and the old metadata could not be "
			"restored: the size after a restart is uncertain", v->name);
	return ret;
}

/*
 * Commit first, then truncate: until the metadata says the new size, every
 * byte stays.  A crash between the two leaves a data file longer than its
 * metadata, which vol_load() cuts to size; the cut-off part was no longer
 * in the volume.  A failed truncate after the commit only delays freeing
 * the space until then.
 */
static int resize_shrink(struct cbs_volume *v, uint64_t size)
{
	int ret = resize_commit(v, size);

	if (!ret && store_layer_resize(v->top, v->size, size))
		nb_log("volume %s: shrunk, but its data file was not cut: %m "
			"(it will be at the next start)", v->name);
	return ret;
}

/*
 * Extend, then commit: the data file is never shorter than a committed
 * size.  On failure it is cut back; nothing can have been written past the
 * old size, which is still the volume's.  In a layer with a parent the new
 * blocks are marked written (as zeros) before the commit, so that they do
 * not show what the parent had there before a shrink.
 */
static int resize_grow(struct cbs_volume *v, uint64_t size)
{
	int ret = store_layer_resize(v->top, v->size, size);

	if (!ret && !store_layer_parent(v->top)) {
		ret = store_sync(v);
	}
	if (!ret)
		ret = resize_commit(v, size);
	if (ret && store_layer_resize(v->top, size, v->size))
		nb_log("volume %s: cannot cut its data file back after a failed grow: %m",
			v->name);
	return ret;
}

int vol_resize(const char *name, uint64_t size)
{
	struct cbs_volume *v;
	uint64_t old;
	int ret = 0;

	pthread_mutex_lock(&table_lock);
	v = vol_find(name);
	if (!v) {
		ret = -ENOENT;
		goto out;
	}
	if (size % v->block_size) {
		ret = -EINVAL;
		goto out;
	}
	pthread_rwlock_wrlock(&v->io_lock);
	old = v->size;
	ret = size > old ? resize_grow(v, size) : resize_shrink(v, size);
	if (!ret) {
		v->size = size;
		nb_log("volume %s resized: %llu -> %llu", name,
			(unsigned long long)old, (unsigned long long)size);
	}
	pthread_rwlock_unlock(&v->io_lock);
out:
	pthread_mutex_unlock(&table_lock);
	return ret;
}

/* Whether l is in arr[0..n). */
static bool layer_in(struct store_layer *const *arr, size_t n, const struct store_layer *l)
{
	for (size_t i = 0; i < n; i++)
		if (arr[i] == l)
			return true;
	return false;
}

/*
 * What each volume occupies: its top and snapshot layers, and the hidden
 * layers (of deleted snapshots or volumes) in its chain that no volume
 * before it in the list was given.  So every layer counts once, and the
 * allocated column adds up to the space all volumes use.  table_lock held.
 */
static int allocated_all(struct cbs_volume *first, uint64_t *out)
{
	struct store_layer **named = NULL, **seen = NULL, *l;
	size_t nnamed = 0, nseen = 0, cap = 0, i = 0;
	struct cbs_volume *v;
	int ret = 0;

	for (v = first; v; v = v->next)
		cap += v->nsnaps + 1;
	named = calloc(cap + 1, sizeof(*named));
	if (!named)
		return -ENOMEM;
	for (v = first; v; v = v->next) {
		named[nnamed++] = v->top;
		for (unsigned int s = 0; s < v->nsnaps; s++)
			named[nnamed++] = v->snaps[s].layer;
	}
	for (v = first; v; v = v->next, i++) {
		out[i] = store_layer_allocated(v->top);
		for (unsigned int s = 0; s < v->nsnaps; s++)
			out[i] += store_layer_allocated(v->snaps[s].layer);
		for (l = store_layer_parent(v->top); l; l = store_layer_parent(l)) {
			if (layer_in(named, nnamed, l) || layer_in(seen, nseen, l))
				continue;
			if (!(nseen & 63)) {
				void *p = realloc(seen, (nseen + 64) * sizeof(*seen));

				if (!p) {
					ret = -ENOMEM;
					goto out;
				}
				seen = p;
			}
			seen[nseen++] = l;
			out[i] += store_layer_allocated(l);
		}
	}
out:
	free(named);
	free(seen);
	return ret;
}

int vol_list(void **buf, uint32_t *len)
{
	struct cbs_list_header *h;
	struct cbs_list_entry *e;
	struct cbs_volume *v;
	uint64_t *alloc = NULL;
	struct statvfs sv;
	uint32_t count = 0, i = 0;
	size_t size;
	int ret = 0;

	pthread_mutex_lock(&table_lock);
	for (v = table; v; v = v->next)
		count++;
	size = sizeof(*h) + (size_t)count * sizeof(*e);
	if (size > CBS_PROTO_MAX_LEN) {
		ret = -E2BIG;
		goto out;
	}
	h = calloc(1, size);
	alloc = calloc(count + 1, sizeof(*alloc));
	if (!h || !alloc) {
		free(h);
		ret = -ENOMEM;
		goto out;
	}
	/* Every volume's io_lock for reading: their layers stay as they are. */
	for (v = table; v; v = v->next)
		pthread_rwlock_rdlock(&v->io_lock);
	ret = allocated_all(table, alloc);
	if (fstatvfs(dir_fd, &sv) == 0) {
		h->used_bytes = htole64((uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize);
		h->free_bytes = htole64((uint64_t)sv.f_bavail * sv.f_frsize);
	}
	h->count = htole32(count);
	e = (struct cbs_list_entry *)(h + 1);
	for (v = table; v; v = v->next, e++, i++) {
		memcpy(e->name, v->name, sizeof(e->name));
		e->size = htole64(v->size);
		e->generation = htole64(v->generation);
		e->block_size = htole32(v->block_size);
		e->allocated = htole64(alloc[i]);
		e->snapshots = htole32(v->nsnaps);
		memcpy(e->parent, v->origin, sizeof(e->parent));
		/* epoch and role: the replica set's (storage/replica.c). */
	}
	for (v = table; v; v = v->next)
		pthread_rwlock_unlock(&v->io_lock);
	if (ret) {
		free(h);
		goto out;
	}
	*buf = h;
	*len = (uint32_t)size;
out:
	free(alloc);
	pthread_mutex_unlock(&table_lock);
	return ret;
}

static struct cbs_snap *snap_find(struct cbs_volume *v, const char *name)
{
	for (unsigned int i = 0; i < v->nsnaps; i++)
		if (!strcmp(v->snaps[i].name, name))
			return &v->snaps[i];
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The metadata after a change to v in memory, the commit point; on failure
 * the caller undoes the change in memory, and the old metadata is written
 * back (the rename may have happened before a failed directory fsync).
 */
static int snap_commit(struct cbs_volume *v)
{
	return meta_write(v, v->size, v->generation);
}

static void snap_uncommit(struct cbs_volume *v)
{
	if (meta_write(v, v->size, v->generation))
		nb_log("volume %s: a failed snapshot operation could not restore its "
			"metadata: the state after a restart is uncertain", v->name);
}

/*
 * O(1): the top layer is frozen under the snapshot's name and a new, empty
 * one goes over it.  A flat volume's data file is first linked into
 * layers/ under an id; its old name goes after the commit.
 */
int vol_snap_create_locked(struct cbs_volume *v, const char *name, uint32_t flags)
{
	struct store_layer *old = v->top, *top;
	bool adopted = false;
	struct cbs_snap *s;
	int ret;

	if (snap_find(v, name))
		return -EEXIST;
	if (v->nsnaps == CBS_MAX_SNAPS)
		return -ENOSPC;
	if (!store_layer_id(old)) {
		ret = store_layer_adopt(old);
		if (ret)
			return ret;
		adopted = true;
	}
	ret = store_layer_new(old, v->size, v->block_size, &top);
	if (ret)
		goto err;
	/* The volume's reference to its old top passes to the snapshot. */
	s = &v->snaps[v->nsnaps];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->layer = old;
	s->created = now_ns();
	s->size = v->size;
	s->flags = flags;
	v->nsnaps++;
	v->top = top;
	ret = snap_commit(v);
	if (ret) {
		v->nsnaps--;
		v->top = old;
		snap_uncommit(v);
		store_layer_put(top);
		goto err;
	}
	if (adopted) {
		char path[CBS_PROTO_NAME_LEN + 8];

		vol_path(path, sizeof(path), v->name, ".vol");
		unlinkat(dir_fd, path, 0);
		fsync(dir_fd);
	}
	nb_log("volume %s: snapshot %s", v->name, name);
	return 0;
err:
	if (adopted)
		store_layer_unadopt(old);
	return ret;
}

int vol_snap_create(const char *volume, const char *snap, uint32_t flags)
{
	struct cbs_volume *v;
	int ret;

	pthread_mutex_lock(&table_lock);
	v = vol_find(volume);
	if (!v) {
		ret = -ENOENT;
		goto out;
	}
	/* No write in flight: they hold io_lock for reading until acknowledged. */
	pthread_rwlock_wrlock(&v->io_lock);
	/* Only the primary takes it, then every backup (storage/replica.c). */
	ret = replica_check_name(volume);
	if (!ret)
		ret = vol_snap_create_locked(v, snap, flags);
	if (!ret)
		ret = replica_snapshot(v, snap, flags);
	pthread_rwlock_unlock(&v->io_lock);
out:
	pthread_mutex_unlock(&table_lock);
	return ret;
}

int vol_snap_delete(const char *volume, const char *snap)
{
	struct cbs_volume *v;
	struct cbs_snap *s, old;
	unsigned int i;
	int ret;

	pthread_mutex_lock(&table_lock);
	v = vol_find(volume);
	if (!v) {
		ret = -ENOENT;
		goto out;
	}
	pthread_rwlock_wrlock(&v->io_lock);
	s = snap_find(v, snap);
	if (!s) {
		ret = -ENOENT;
		goto unlock;
	}
	if ((s->flags & CBS_SNAP_F_PROTECTED) && clones_of(s->layer)) {
		ret = -EBUSY;
		goto unlock;
	}
	old = *s;
	i = (unsigned int)(s - v->snaps);
	memmove(s, s + 1, (v->nsnaps - i - 1) * sizeof(*s));
	v->nsnaps--;
	ret = snap_commit(v);
	if (ret) {
		memmove(v->snaps + i + 1, v->snaps + i, (v->nsnaps - i) * sizeof(*s));
		v->snaps[i] = old;
		v->nsnaps++;
		snap_uncommit(v);
	}
unlock:
	pthread_rwlock_unlock(&v->io_lock);
	if (!ret) {
		layer_unnamed(old.layer);
		store_layer_put(old.layer);
		nb_log("volume %s: snapshot %s deleted", volume, snap);
	}
out:
	pthread_mutex_unlock(&table_lock);
	return ret;
}

int vol_snap_list(const char *volume, void **buf, uint32_t *len)
{
	struct cbs_snap_list_header *h;
	struct cbs_snap_list_entry *e;
	struct cbs_volume *v;
	size_t size;
	int ret = 0;

	pthread_mutex_lock(&table_lock);
	v = vol_find(volume);
	if (!v) {
		ret = -ENOENT;
		goto out;
	}
	pthread_rwlock_rdlock(&v->io_lock);
	size = sizeof(*h) + (size_t)v->nsnaps * sizeof(*e);
	h = calloc(1, size);
	if (!h) {
		ret = -ENOMEM;
		goto unlock;
	}
	h->count = htole32(v->nsnaps);
	e = (struct cbs_snap_list_entry *)(h + 1);
	for (unsigned int i = 0; i < v->nsnaps; i++, e++) {
		const struct cbs_snap *s = &v->snaps[i];

		memcpy(e->snap, s->name, sizeof(e->snap));
		e->created = htole64(s->created);
		e->allocated = htole64(store_layer_unshared(s->layer));
		e->flags = htole32(s->flags);
		e->clones = htole32(clones_of(s->layer));
	}
	*buf = h;
	*len = (uint32_t)size;
unlock:
	pthread_rwlock_unlock(&v->io_lock);
out:
	pthread_mutex_unlock(&table_lock);
	return ret;
}

int vol_clone(const char *volume, const char *snap, const char *clone, const char *token)
{
	struct cbs_volume *v, *c = NULL;
	struct cbs_snap *s;
	int ret;

	pthread_mutex_lock(&table_lock);
	v = vol_find(volume);
	if (!v) {
		ret = -ENOENT;
		goto out;
	}
	pthread_rwlock_rdlock(&v->io_lock);
	s = snap_find(v, snap);
	if (!s) {
		ret = -ENOENT;
		goto unlock;
	}
	if (vol_find(clone)) {
		ret = -EEXIST;
		goto unlock;
	}
	c = vol_alloc(clone);
	if (!c) {
		ret = -ENOMEM;
		goto unlock;
	}
	snprintf(c->token, sizeof(c->token), "%s", token);
	c->size = s->size;
	c->block_size = v->block_size;
	c->generation = 1;
	snprintf(c->origin, sizeof(c->origin), "%s@%s", volume, snap);
	c->origin_layer = store_layer_id(s->layer);
	/* O(1): a new empty layer over the snapshot's; the metadata commits it. */
	ret = store_layer_new(s->layer, c->size, c->block_size, &c->top);
	if (!ret)
		ret = meta_write(c, c->size, c->generation);
	if (ret) {
		char path[CBS_PROTO_NAME_LEN + 8];

		vol_path(path, sizeof(path), clone, ".meta");
		unlinkat(dir_fd, path, 0);
		vol_free(c);
		goto unlock;
	}
	c->next = table;
	table = c;
	nb_log("volume %s cloned from %s@%s", clone, volume, snap);
unlock:
	pthread_rwlock_unlock(&v->io_lock);
out:
	pthread_mutex_unlock(&table_lock);
	/* A replicated source's clone gets its members and primary, at epoch 1. */
	if (!ret && replica_copy(volume, clone))
		nb_log("volume %s: its replica set could not be copied from %s", clone, volume);
	return ret;
}

int vol_rollback(const char *volume, const char *snap)
{
	struct store_layer *old, *top;
	struct cbs_volume *v;
	struct cbs_snap *s;
	uint64_t old_size;
	int ret;

	pthread_mutex_lock(&table_lock);
	v = vol_find(volume);
	if (!v) {
		ret = -ENOENT;
		goto out;
	}
	pthread_rwlock_wrlock(&v->io_lock);
	s = snap_find(v, snap);
	if (!s) {
		ret = -ENOENT;
		goto unlock;
	}
	if (v->sessions) {
		ret = -EBUSY;
		goto unlock;
	}
	/* A new empty top over the snapshot, its size; the old top goes. */
	ret = store_layer_new(s->layer, s->size, v->block_size, &top);
	if (ret)
		goto unlock;
	old = v->top;
	old_size = v->size;
	v->top = top;
	v->size = s->size;
	ret = snap_commit(v);
	if (ret) {
		v->top = old;
		v->size = old_size;
		snap_uncommit(v);
		store_layer_put(top);
		goto unlock;
	}
	store_layer_put(old);
	nb_log("volume %s rolled back to %s", volume, snap);
unlock:
	pthread_rwlock_unlock(&v->io_lock);
out:
	pthread_mutex_unlock(&table_lock);
	return ret;
}

int vol_snap_admin(uint16_t op, const void *payload, uint32_t len,
		   void **reply, uint32_t *reply_len)
{
	struct cbs_snap_req r;
	int ret;

	ret = cbs_proto_check_snapshot(op, payload, len, &r);
	if (ret)
		return ret;
	switch (op) {
	case CBS_OP_SNAP_CREATE:
		ret = vol_snap_create(r.volume, r.snap, r.flags);
		break;
	case CBS_OP_SNAP_DELETE:
		ret = vol_snap_delete(r.volume, r.snap);
		break;
	case CBS_OP_SNAP_LIST:
		ret = vol_snap_list(r.volume, reply, reply_len);
		break;
	case CBS_OP_CLONE:
		ret = vol_clone(r.volume, r.snap, r.clone, r.token);
		break;
	default:
		ret = vol_rollback(r.volume, r.snap);
		break;
	}
	explicit_bzero(&r, sizeof(r));
	return ret;
}
