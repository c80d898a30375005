// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <endian.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "lib/log.h"
#include "lib/token.h"
#include "storage/file.h"
#include "storage/volume.h"

#define META_MAX 512

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

/* Replace NAME.meta atomically. */
static int meta_write(const struct cbs_volume *v, uint64_t size, uint64_t generation)
{
	char path[CBS_PROTO_NAME_LEN + 8];
	char text[META_MAX];
	int len, ret;

	vol_path(path, sizeof(path), v->name, ".meta");
	len = snprintf(text, sizeof(text),
		       "size %llu\nblock_size %u\ngeneration %llu\ntoken %s\n",
		       (unsigned long long)size, v->block_size,
		       (unsigned long long)generation, v->token);
	ret = file_replace(dir_fd, path, text, (size_t)len);
	explicit_bzero(text, sizeof(text));
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

static int meta_parse(struct cbs_volume *v, char *text)
{
	uint64_t size = 0, gen = 0, bs = 0;
	bool have_token = false;
	char *line, *save = NULL;
	int ret;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "token ", 6)) {
			ret = cbs_token_set(v->token, line + 6);
			have_token = true;
		} else if (!strncmp(line, "size ", 5)) {
			ret = meta_u64(line + 5, &size);
		} else if (!strncmp(line, "block_size ", 11)) {
			ret = meta_u64(line + 11, &bs);
		} else if (!strncmp(line, "generation ", 11)) {
			ret = meta_u64(line + 11, &gen);
		} else {
			ret = -EINVAL;
		}
		if (ret)
			return ret;
	}
	if (!have_token || bs > UINT32_MAX || !cbs_proto_block_size_ok((uint32_t)bs) ||
	    !size || size % bs || size > INT64_MAX || !gen)
		return -EINVAL;
	v->size = size;
	v->block_size = (uint32_t)bs;
	v->generation = gen;
	return 0;
}

static struct cbs_volume *vol_alloc(const char *name)
{
	struct cbs_volume *v = calloc(1, sizeof(*v));
	pthread_rwlockattr_t attr;

	if (!v)
		return NULL;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->fd = -1;
	/* A fencing handshake must not wait behind a stream of reads. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&v->io_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return v;
}

static void vol_free(struct cbs_volume *v)
{
	if (v->fd >= 0)
		close(v->fd);
	pthread_rwlock_destroy(&v->io_lock);
	explicit_bzero(v->token, sizeof(v->token));
	free(v);
}

static int vol_load(const char *name)
{
	char path[CBS_PROTO_NAME_LEN + 8], text[META_MAX];
	struct cbs_volume *v;
	struct stat st;
	ssize_t n;
	int fd, ret;

	vol_path(path, sizeof(path), name, ".meta");
	fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	v = vol_alloc(name);
	if (!v)
		return -ENOMEM;
	ret = meta_parse(v, text);
	explicit_bzero(text, sizeof(text));
	if (ret)
		goto err;
	vol_path(path, sizeof(path), name, ".vol");
	v->fd = openat(dir_fd, path, O_RDWR | O_CLOEXEC);
	if (v->fd < 0 || fstat(v->fd, &st)) {
		ret = -errno;
		goto err;
	}
	/*
	 * A resize interrupted between the metadata and the data file (see
	 * resize_shrink() and resize_grow()): the metadata is the truth.  A
	 * longer file is a shrink after its commit; a shorter one a grow whose
	 * extension was not on disk yet, and its new part is zeros anyway.
	 */
	if ((uint64_t)st.st_size != v->size && ftruncate(v->fd, (off_t)v->size)) {
		ret = -errno;
		goto err;
	}
	v->next = table;
	table = v;
	return 0;
err:
	vol_free(v);
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
	struct dirent *e;
	unsigned int count = 0;
	size_t len;
	DIR *d;
	int fd, ret;

	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
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
		if (ret)
			nb_log("volume %s not loaded: %s", name, strerror(-ret));
		else
			count++;
	}
	remove_leftovers(d);
	closedir(d);
	nb_log("%u volumes in %s", count, dir);
	return 0;
}

void vol_table_exit(void)
{
	struct cbs_volume *v;

	while ((v = table)) {
		table = v->next;
		vol_free(v);
	}
	if (dir_fd >= 0)
		close(dir_fd);
	dir_fd = -1;
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
	char path[CBS_PROTO_NAME_LEN + 8];
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
	vol_path(path, sizeof(path), r->name, ".vol");
	v->fd = openat(dir_fd, path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (v->fd < 0) {
		ret = -errno;
		vol_free(v);
		goto out;
	}
	/* The metadata is written last: it is what makes the volume exist. */
	if (ftruncate(v->fd, (off_t)v->size) || fsync(v->fd))
		ret = -errno;
	else
		ret = meta_write(v, v->size, v->generation);
	if (ret) {
		unlinkat(dir_fd, path, 0);
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

int vol_delete(const char *name)
{
	char path[CBS_PROTO_NAME_LEN + 8];
	struct cbs_volume **pv, *v;
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
	/* Removing the metadata is the commit point; a leftover data file is swept at start. */
	vol_path(path, sizeof(path), name, ".meta");
	if (unlinkat(dir_fd, path, 0)) {
		ret = -errno;
		goto out;
	}
	vol_path(path, sizeof(path), name, ".vol");
	unlinkat(dir_fd, path, 0);
	fsync(dir_fd);
	*pv = v->next;
	vol_free(v);
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

	if (!ret && ftruncate(v->fd, (off_t)size))
		nb_log("volume %s: shrunk, but its data file was not cut: %m "
			"(it will be at the next start)", v->name);
	return ret;
}

/*
 * Extend, then commit: the data file is never shorter than a committed
 * size.  On failure it is cut back; nothing can have been written past the
 * old size, which is still the volume's.
 */
static int resize_grow(struct cbs_volume *v, uint64_t size)
{
	int ret = 0;

	if (ftruncate(v->fd, (off_t)size) || fsync(v->fd))
		ret = -errno;
	else
		ret = resize_commit(v, size);
	if (ret && ftruncate(v->fd, (off_t)v->size))
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

int vol_list(void **buf, uint32_t *len)
{
	struct cbs_list_header *h;
	struct cbs_list_entry *e;
	struct cbs_volume *v;
	struct statvfs sv;
	struct stat st;
	uint32_t count = 0;
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
	if (!h) {
		ret = -ENOMEM;
		goto out;
	}
	if (fstatvfs(dir_fd, &sv) == 0) {
		h->used_bytes = htole64((uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize);
		h->free_bytes = htole64((uint64_t)sv.f_bavail * sv.f_frsize);
	}
	h->count = htole32(count);
	e = (struct cbs_list_entry *)(h + 1);
	for (v = table; v; v = v->next, e++) {
		memcpy(e->name, v->name, sizeof(e->name));
		pthread_rwlock_rdlock(&v->io_lock);
		e->size = htole64(v->size);
		e->generation = htole64(v->generation);
		pthread_rwlock_unlock(&v->io_lock);
		e->block_size = htole32(v->block_size);
		if (fstat(v->fd, &st) == 0)
			e->allocated = htole64((uint64_t)st.st_blocks * 512);
	}
	*buf = h;
	*len = (uint32_t)size;
out:
	pthread_mutex_unlock(&table_lock);
	return ret;
}
