// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "lib/log.h"
#include "storage/file.h"
#include "storage/store.h"

#define LAYER_META_MAX 256
#define MAP_PAGE 4096ULL
/* A chain deeper than this on disk is a cycle (or corrupt). */
#define MAX_DEPTH 100000

struct store_layer {
	uint64_t id;			/* 0: a flat volume's NAME.vol */
	struct store_layer *parent;
	unsigned int refs;		/* layers_lock: children and names */
	int fd;				/* data */
	int map_fd;			/* bitmap; -1 in a bottom layer */
	/*
	 * The bitmap, mapped MAP_SHARED: loaded lazily by the kernel, a thin
	 * volume's untouched pages cost nothing, and a bit set is in the page
	 * cache at once, so a killed server loses none.  Durable: in
	 * store_layer_sync(), after the data.
	 */
	uint64_t *bits;
	size_t map_len;			/* bytes mapped: the bitmap file's size */
	uint64_t nblocks;		/* blocks the bitmap covers */
	uint32_t block_size;
	int unsynced;			/* atomic: written since the last sync */
	int map_dirty;			/* atomic: a bit set since the last sync */
	struct store_layer *next;	/* layers_lock */
};

static pthread_mutex_t layers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store_layer *layers;	/* layers_lock: those with an id */
static uint64_t next_id = 1;		/* layers_lock */
static int layers_fd = -1;
/*
 * While the volumes load and at exit: a layer's last reference going lets
 * go of it, without deleting it (a volume that failed to load may be the
 * only one that names it).
 */
static bool keep_files = true;

size_t store_map_bytes(uint64_t nblocks)
{
	uint64_t bits_per_page = MAP_PAGE * 8;

	return (size_t)((nblocks + bits_per_page - 1) / bits_per_page * MAP_PAGE);
}

static void layer_path(char *buf, size_t size, uint64_t id, const char *suffix)
{
	snprintf(buf, size, "%016" PRIx64 ".%s", id, suffix);
}

/* Bitmaps */

static bool bit_test(const struct store_layer *l, uint64_t b)
{
	if (b >= l->nblocks)
		return false;
	return __atomic_load_n(&l->bits[b / 64], __ATOMIC_RELAXED) & (1ULL << (b % 64));
}

/* Set bits [b, e) of l. */
static void bits_set(struct store_layer *l, uint64_t b, uint64_t e)
{
	uint64_t w, first, last, mask;

	if (e > l->nblocks)
		e = l->nblocks;
	if (b >= e)
		return;
	first = b / 64;
	last = (e - 1) / 64;
	for (w = first; w <= last; w++) {
		mask = ~0ULL;
		if (w == first)
			mask &= ~0ULL << (b % 64);
		if (w == last && e % 64)
			mask &= ~0ULL >> (64 - e % 64);
		if ((__atomic_load_n(&l->bits[w], __ATOMIC_RELAXED) & mask) == mask)
			continue;
		__atomic_fetch_or(&l->bits[w], mask, __ATOMIC_RELEASE);
		if (!__atomic_load_n(&l->map_dirty, __ATOMIC_RELAXED))
			__atomic_store_n(&l->map_dirty, 1, __ATOMIC_SEQ_CST);
	}
}

static void map_unmap(struct store_layer *l)
{
	if (l->bits)
		munmap(l->bits, l->map_len);
	l->bits = NULL;
	l->map_len = 0;
	l->nblocks = 0;
}

/* Map l's bitmap for a data file of size bytes; the file must be store_map_bytes() long. */
static int map_map(struct store_layer *l, uint64_t size)
{
	size_t len = store_map_bytes(size / l->block_size);
	void *p;

	/* An empty volume: a page to point at, never read. */
	if (!len)
		p = mmap(NULL, MAP_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, l->map_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	l->bits = p;
	l->map_len = len ? len : MAP_PAGE;
	l->nblocks = size / l->block_size;
	return 0;
}

/*
 * The data first, then the bitmap: a bit on disk never points at data
 * that a FLUSH acknowledged and a power cut then lost.  (A write not yet
 * flushed may have its bit written back before its data by the kernel:
 * after a power cut such a block reads as zeros, not as its old data.)
 */
int store_layer_sync(struct store_layer *l)
{
	/*
	 * The flags are cleared first: what is set after that is synced
	 * next time.  A block written before the call had its bit set
	 * already, so a bitmap no bit changed in needs no fdatasync (a clone
	 * rewriting its own blocks: one fdatasync per FLUSH, as a flat volume).
	 */
	int map = __atomic_exchange_n(&l->map_dirty, 0, __ATOMIC_SEQ_CST);
	int ret = 0;

	__atomic_store_n(&l->unsynced, 0, __ATOMIC_SEQ_CST);
	if (fdatasync(l->fd) || (map && l->map_fd >= 0 && fdatasync(l->map_fd))) {
		ret = -errno;
		__atomic_store_n(&l->unsynced, 1, __ATOMIC_SEQ_CST);
		if (map)
			__atomic_store_n(&l->map_dirty, 1, __ATOMIC_SEQ_CST);
	}
	return ret;
}

/* The data path */

static void written(struct store_layer *l, uint64_t off, uint64_t len)
{
	if (__atomic_load_n(&l->unsynced, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(&l->unsynced, 1, __ATOMIC_SEQ_CST);
	if (l->bits && len)
		bits_set(l, off / l->block_size,
			 (off + len + l->block_size - 1) / l->block_size);
}

/* The layer that serves block b of the chain from l: the bottom one at the latest. */
static struct store_layer *source(struct store_layer *l, uint64_t b)
{
	while (l->parent && !bit_test(l, b))
		l = l->parent;
	return l;
}

int store_read(struct cbs_volume *v, char *buf, uint32_t len, uint64_t off)
{
	struct store_layer *top = v->top, *src, *next;
	uint32_t bs = top->block_size;
	uint64_t b, e, run;
	int ret;

	if (!top->parent)
		return pread_full(top->fd, buf, len, (off_t)off);
	/* Block-aligned ranges (a short splice may leave an unaligned rest). */
	b = off / bs;
	e = (off + len + bs - 1) / bs;
	while (b < e) {
		src = source(top, b);
		for (run = b + 1; run < e; run++) {
			next = source(top, run);
			if (next != src)
				break;
		}
		{
			uint64_t from = b * bs > off ? b * bs : off;
			uint64_t to = run * bs < off + len ? run * bs : off + len;

			ret = pread_full(src->fd, buf + (from - off), (size_t)(to - from),
					 (off_t)from);
			if (ret)
				return ret;
		}
		b = run;
	}
	return 0;
}

int store_write(struct cbs_volume *v, const char *buf, uint32_t len, uint64_t off)
{
	int ret = pwrite_full(v->top->fd, buf, len, (off_t)off);

	if (!ret)
		written(v->top, off, len);
	return ret;
}

int store_discard(struct cbs_volume *v, uint64_t off, uint64_t len)
{
	if (fallocate(v->top->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len))
		return -errno;
	/* A hole in a layer with a parent reads as zeros once its bits are set. */
	written(v->top, off, len);
	return 0;
}

int store_write_zeroes(struct cbs_volume *v, uint64_t off, uint64_t len)
{
	int ret = zero_range(v->top->fd, (off_t)off, (off_t)len);

	if (!ret)
		written(v->top, off, len);
	return ret;
}

int store_sync(struct cbs_volume *v)
{
	struct store_layer *l;
	int ret;

	/* Layers frozen by a snapshot since their last sync go first. */
	for (l = v->top->parent; l; l = l->parent) {
		if (!__atomic_load_n(&l->unsynced, __ATOMIC_SEQ_CST))
			continue;
		ret = store_layer_sync(l);
		if (ret)
			return ret;
	}
	return store_layer_sync(v->top);
}

int store_read_file(struct cbs_volume *v, uint64_t off, uint64_t len)
{
	struct store_layer *top = v->top, *src;
	uint32_t bs = top->block_size;
	uint64_t b, e;

	if (!top->parent)
		return top->fd;
	b = off / bs;
	e = (off + len + bs - 1) / bs;
	src = source(top, b);
	while (++b < e)
		if (source(top, b) != src)
			return -1;
	return src->fd;
}

int store_write_file(struct cbs_volume *v)
{
	return v->top->fd;
}

int store_write_done(struct cbs_volume *v, uint64_t off, uint64_t len)
{
	written(v->top, off, len);
	return 0;
}

/* Layers */

int store_init(int dir_fd)
{
	struct dirent *e;
	unsigned long long id;
	DIR *d;
	int fd;

	if (mkdirat(dir_fd, "layers", 0700) && errno != EEXIST)
		return -errno;
	layers_fd = openat(dir_fd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (layers_fd < 0)
		return -errno;
	/* Ids are never reused while anything on disk may name them. */
	fd = dup(layers_fd);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	/* A dup shares the offset of the fd: from the start. */
	rewinddir(d);
	while ((e = readdir(d)))
		if (sscanf(e->d_name + (e->d_name[0] == '.'), "%16llx.", &id) == 1 &&
		    id >= next_id)
			next_id = id + 1;
	closedir(d);
	return 0;
}

static void layer_free(struct store_layer *l)
{
	map_unmap(l);
	if (l->map_fd >= 0)
		close(l->map_fd);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}

void store_exit(void)
{
	/* What the volumes still hold they put after this, deleting nothing. */
	keep_files = true;
	if (layers_fd >= 0)
		close(layers_fd);
	layers_fd = -1;
}

static struct store_layer *layer_alloc(uint64_t id, uint32_t block_size)
{
	struct store_layer *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->id = id;
	l->fd = l->map_fd = -1;
	l->block_size = block_size;
	l->refs = 1;
	return l;
}

static struct store_layer *layer_find(uint64_t id)
{
	struct store_layer *l;

	for (l = layers; l; l = l->next)
		if (l->id == id)
			return l;
	return NULL;
}

/* The parent and block size in DIR/layers/ID.layer; 0 or -errno. */
int store_layer_meta_read(int dir, uint64_t id, uint64_t *parent, uint32_t *block_size)
{
	char path[64], text[LAYER_META_MAX];
	unsigned long long p;
	unsigned int bs;
	ssize_t n;
	int fd;

	layer_path(path, sizeof(path), id, "layer");
	fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	if (!strncmp(text, "parent none\n", 12)) {
		p = 0;
		if (sscanf(text + 12, "block_size %u\n", &bs) != 1)
			return -EINVAL;
	} else if (sscanf(text, "parent %16llx\nblock_size %u\n", &p, &bs) != 2 || !p) {
		return -EINVAL;
	}
	if (p == id || (bs != 512 && bs != 4096))
		return -EINVAL;
	*parent = p;
	*block_size = bs;
	return 0;
}

/* Open the files of layer l (id, parent set) as they are on disk. */
static int layer_open_files(struct store_layer *l)
{
	char path[64];
	struct stat st;
	int ret;

	layer_path(path, sizeof(path), l->id, "data");
	l->fd = openat(layers_fd, path, O_RDWR | O_CLOEXEC);
	if (l->fd < 0 || fstat(l->fd, &st))
		return -errno;
	if (!l->parent)
		return 0;
	layer_path(path, sizeof(path), l->id, "map");
	l->map_fd = openat(layers_fd, path, O_RDWR | O_CLOEXEC);
	if (l->map_fd < 0)
		return -errno;
	/* The bitmap fits the data file (a resize cut short is fixed by the volume). */
	if (ftruncate(l->map_fd, (off_t)store_map_bytes((uint64_t)st.st_size / l->block_size)))
		return -errno;
	ret = map_map(l, (uint64_t)st.st_size);
	return ret;
}

static int layer_get_locked(uint64_t id, uint32_t block_size, unsigned int depth,
			    struct store_layer **out)
{
	struct store_layer *l, *parent = NULL;
	uint64_t pid;
	uint32_t bs;
	int ret;

	l = layer_find(id);
	if (l) {
		if (l->block_size != block_size)
			return -EINVAL;
		l->refs++;
		*out = l;
		return 0;
	}
	if (depth > MAX_DEPTH)
		return -ELOOP;
	ret = store_layer_meta_read(layers_fd, id, &pid, &bs);
	if (ret)
		return ret;
	if (bs != block_size)
		return -EINVAL;
	if (pid) {
		ret = layer_get_locked(pid, block_size, depth + 1, &parent);
		if (ret)
			return ret;
	}
	l = layer_alloc(id, block_size);
	if (!l) {
		ret = -ENOMEM;
		goto err;
	}
	l->parent = parent;
	ret = layer_open_files(l);
	if (ret) {
		layer_free(l);
		goto err;
	}
	l->next = layers;
	layers = l;
	*out = l;
	return 0;
err:
	if (parent) {
		pthread_mutex_unlock(&layers_lock);
		store_layer_put(parent);
		pthread_mutex_lock(&layers_lock);
	}
	return ret;
}

int store_layer_get(uint64_t id, uint32_t block_size, struct store_layer **out)
{
	int ret;

	pthread_mutex_lock(&layers_lock);
	ret = layer_get_locked(id, block_size, 0, out);
	pthread_mutex_unlock(&layers_lock);
	return ret;
}

void store_layer_hold(struct store_layer *l)
{
	pthread_mutex_lock(&layers_lock);
	l->refs++;
	pthread_mutex_unlock(&layers_lock);
}

static void layer_unlink(uint64_t id)
{
	static const char *const suffixes[] = { "layer", "map", "data" };
	char path[64];

	/* The .layer first: without it the rest is a leftover, swept at start. */
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		layer_path(path, sizeof(path), id, suffixes[i]);
		unlinkat(layers_fd, path, 0);
	}
}

void store_layer_put(struct store_layer *l)
{
	struct store_layer **pl, *parent;

	pthread_mutex_lock(&layers_lock);
	while (l && !--l->refs) {
		parent = l->parent;
		if (l->id) {
			for (pl = &layers; *pl != l; pl = &(*pl)->next)
				;
			*pl = l->next;
			if (!keep_files)
				layer_unlink(l->id);
		}
		layer_free(l);
		l = parent;
	}
	pthread_mutex_unlock(&layers_lock);
	if (layers_fd >= 0)
		fsync(layers_fd);
}

struct store_layer *store_layer_flat(int fd, uint32_t block_size)
{
	struct store_layer *l = layer_alloc(0, block_size);

	if (l)
		l->fd = fd;
	return l;
}

static int layer_meta_write(const struct store_layer *l)
{
	char path[64], text[LAYER_META_MAX];
	int len;

	layer_path(path, sizeof(path), l->id, "layer");
	if (l->parent)
		len = snprintf(text, sizeof(text), "parent %016" PRIx64 "\nblock_size %u\n",
			       l->parent->id, l->block_size);
	else
		len = snprintf(text, sizeof(text), "parent none\nblock_size %u\n",
			       l->block_size);
	/* file_replace() syncs the directory: the data and bitmap files' names too. */
	return file_replace(layers_fd, path, text, (size_t)len);
}

/*
 * A new sparse file of size bytes in DIR/layers; its fd or -errno.  Its
 * name is made durable by the fsync of the directory in layer_meta_write().
 * Its size need not be: the file is an empty top layer, which the volume
 * cuts or extends to its size at start (store_layer_fit()), and a FLUSH
 * after a write makes it durable with the data.
 */
static int layer_file_create(uint64_t id, const char *suffix, uint64_t size)
{
	char path[64];
	int fd;

	layer_path(path, sizeof(path), id, suffix);
	fd = openat(layers_fd, path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

int store_layer_new(struct store_layer *parent, uint64_t size, uint32_t block_size,
		    struct store_layer **out)
{
	struct store_layer *l;
	uint64_t id;
	int ret;

	pthread_mutex_lock(&layers_lock);
	id = next_id++;
	pthread_mutex_unlock(&layers_lock);
	l = layer_alloc(id, block_size);
	if (!l)
		return -ENOMEM;
	l->parent = parent;
	l->fd = layer_file_create(id, "data", size);
	if (l->fd < 0) {
		ret = l->fd;
		goto err;
	}
	if (parent) {
		l->map_fd = layer_file_create(id, "map", store_map_bytes(size / block_size));
		if (l->map_fd < 0) {
			ret = l->map_fd;
			goto err;
		}
		ret = map_map(l, size);
		if (ret)
			goto err;
	}
	ret = layer_meta_write(l);
	if (ret)
		goto err;
	pthread_mutex_lock(&layers_lock);
	if (parent)
		parent->refs++;
	l->next = layers;
	layers = l;
	pthread_mutex_unlock(&layers_lock);
	*out = l;
	return 0;
err:
	layer_unlink(id);
	l->parent = NULL;
	layer_free(l);
	return ret;
}

int store_layer_adopt(struct store_layer *l)
{
	char path[64], self[64];
	uint64_t id;
	int ret;

	pthread_mutex_lock(&layers_lock);
	id = next_id++;
	pthread_mutex_unlock(&layers_lock);
	layer_path(path, sizeof(path), id, "data");
	snprintf(self, sizeof(self), "/proc/self/fd/%d", l->fd);
	/* The open file itself, whatever its name: linkat() through /proc. */
	if (linkat(AT_FDCWD, self, layers_fd, path, AT_SYMLINK_FOLLOW))
		return -errno;
	l->id = id;
	ret = layer_meta_write(l);
	if (ret) {
		unlinkat(layers_fd, path, 0);
		l->id = 0;
		return ret;
	}
	pthread_mutex_lock(&layers_lock);
	l->next = layers;
	layers = l;
	pthread_mutex_unlock(&layers_lock);
	return 0;
}

void store_layer_unadopt(struct store_layer *l)
{
	struct store_layer **pl;

	pthread_mutex_lock(&layers_lock);
	for (pl = &layers; *pl != l; pl = &(*pl)->next)
		;
	*pl = l->next;
	layer_unlink(l->id);
	l->id = 0;
	pthread_mutex_unlock(&layers_lock);
}

uint64_t store_layer_id(const struct store_layer *l)
{
	return l->id;
}

struct store_layer *store_layer_parent(const struct store_layer *l)
{
	return l->parent;
}

uint64_t store_layer_size(const struct store_layer *l)
{
	struct stat st;

	return fstat(l->fd, &st) ? 0 : (uint64_t)st.st_size;
}

uint64_t store_layer_allocated(const struct store_layer *l)
{
	struct stat st;

	return fstat(l->fd, &st) ? 0 : (uint64_t)st.st_blocks * 512;
}

/*
 * Call fn on each block of l's data extents that every child of l has
 * written over; their bytes.  layers_lock held.
 */
static uint64_t overridden(struct store_layer *l,
			   void (*fn)(struct store_layer *l, uint64_t off, uint64_t len))
{
	struct store_layer *c, *kids[64];
	unsigned int nkids = 0, i;
	uint64_t total = 0, size = store_layer_size(l), b, end;
	uint32_t bs = l->block_size;
	off_t data, hole = 0;
	bool all;

	for (c = layers; c; c = c->next) {
		if (c->parent != l)
			continue;
		if (nkids == sizeof(kids) / sizeof(kids[0]))
			return 0;	/* too many to check: nothing counted */
		kids[nkids++] = c;
	}
	if (!nkids)
		return 0;
	for (;;) {
		data = lseek(l->fd, hole, SEEK_DATA);
		if (data < 0)
			break;
		hole = lseek(l->fd, data, SEEK_HOLE);
		if (hole < 0)
			break;
		end = ((uint64_t)hole + bs - 1) / bs;
		if (end > size / bs)
			end = size / bs;
		for (b = (uint64_t)data / bs; b < end; b++) {
			for (i = 0, all = true; i < nkids && all; i++)
				all = bit_test(kids[i], b);
			if (!all)
				continue;
			total += bs;
			if (fn)
				fn(l, b * bs, bs);
		}
	}
	return total;
}

uint64_t store_layer_unshared(struct store_layer *l)
{
	struct store_layer *c;
	uint64_t n;
	bool kids = false;

	pthread_mutex_lock(&layers_lock);
	for (c = layers; c && !kids; c = c->next)
		kids = c->parent == l;
	n = kids ? overridden(l, NULL) : store_layer_allocated(l);
	pthread_mutex_unlock(&layers_lock);
	return n;
}

static void punch(struct store_layer *l, uint64_t off, uint64_t len)
{
	fallocate(l->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
}

void store_layer_trim(struct store_layer *l)
{
	struct store_layer *c;

	/*
	 * The children's bits durable first: only a write not flushed yet
	 * (and set after this) could, after a power cut, fall through to a
	 * block freed here, and read zeros, as it could anyway (store_layer_sync()).
	 */
	pthread_mutex_lock(&layers_lock);
	for (c = layers; c; c = c->next)
		if (c->parent == l && store_layer_sync(c))
			goto out;
	overridden(l, punch);
out:
	pthread_mutex_unlock(&layers_lock);
}

struct store_layer *store_layer_only_child(struct store_layer *l, unsigned int held)
{
	struct store_layer *c, *only = NULL;
	unsigned int n = 0;

	pthread_mutex_lock(&layers_lock);
	for (c = layers; c; c = c->next)
		if (c->parent == l && !n++)
			only = c;
	if (n != 1 || l->refs != 1 + held)
		only = NULL;
	pthread_mutex_unlock(&layers_lock);
	return only;
}

/* Copy block b of l into c (a hole stays one), and set its bit in c. */
static int merge_block(struct store_layer *l, struct store_layer *c, uint64_t b, char *buf)
{
	uint32_t bs = l->block_size;
	off_t data;
	int ret;

	data = lseek(l->fd, (off_t)(b * bs), SEEK_DATA);
	if (data >= 0 && (uint64_t)data < (b + 1) * bs) {
		ret = pread_full(l->fd, buf, bs, (off_t)(b * bs));
		if (!ret)
			ret = pwrite_full(c->fd, buf, bs, (off_t)(b * bs));
		if (ret)
			return ret;
	}
	bits_set(c, b, b + 1);
	return 0;
}

int store_layer_merge(struct store_layer *l, struct store_layer *c,
		      void (*barrier)(struct store_layer *c, void *arg), void *arg)
{
	struct store_layer *parent = l->parent;
	uint64_t b, end = c->nblocks, lblocks = store_layer_size(l) / l->block_size;
	char path[64], *buf;
	int ret = 0;

	buf = malloc(l->block_size);
	if (!buf)
		return -ENOMEM;
	/*
	 * What c reads through to l, into c: the blocks l has (its bits, or,
	 * at the bottom, its data) that c has not written.  Readers of c see
	 * the same bytes in l before a block's bit is set and in c after.
	 */
	if (end > lblocks)
		end = lblocks;
	for (b = 0; b < end && !ret; b++) {
		if (l->parent && b % 64 == 0 && !l->bits[b / 64]) {
			b += 63;
			continue;
		}
		if (bit_test(c, b) || (l->parent && !bit_test(l, b)))
			continue;
		if (!l->parent && b % 64 == 0) {
			off_t data = lseek(l->fd, (off_t)(b * l->block_size), SEEK_DATA);

			if (data < 0) {
				if (errno != ENXIO)
					ret = -errno;
				break;
			}
			if ((uint64_t)data / l->block_size > b) {
				b = (uint64_t)data / l->block_size - 1;
				continue;
			}
		}
		ret = merge_block(l, c, b, buf);
	}
	free(buf);
	if (!ret)
		ret = store_layer_sync(c);
	if (ret)
		return ret;
	/* The commit: c's parent is l's.  Then l is only a leftover. */
	pthread_mutex_lock(&layers_lock);
	if (parent)
		parent->refs++;
	pthread_mutex_unlock(&layers_lock);
	{
		struct store_layer *old = c->parent;

		__atomic_store_n(&c->parent, parent, __ATOMIC_RELEASE);
		ret = layer_meta_write(c);
		if (ret) {
			__atomic_store_n(&c->parent, old, __ATOMIC_RELEASE);
			pthread_mutex_lock(&layers_lock);
			if (parent)
				parent->refs--;
			pthread_mutex_unlock(&layers_lock);
			return ret;
		}
	}
	/* A bottom layer has no bitmap file; its mapping stays until c goes. */
	if (!parent) {
		layer_path(path, sizeof(path), c->id, "map");
		unlinkat(layers_fd, path, 0);
	}
	/* No reader still in l (it took c->parent before the switch). */
	barrier(c, arg);
	store_layer_put(l);
	nb_log("layer %016" PRIx64 " merged into %016" PRIx64, l->id, c->id);
	return 0;
}

int store_layer_fit(struct store_layer *l, uint64_t size)
{
	int ret = 0;

	if (!l->parent)
		return ftruncate(l->fd, (off_t)size) ? -errno : 0;
	map_unmap(l);
	if (ftruncate(l->fd, (off_t)size) ||
	    ftruncate(l->map_fd, (off_t)store_map_bytes(size / l->block_size)))
		ret = -errno;
	if (!ret)
		ret = map_map(l, size);
	return ret;
}

int store_layer_resize(struct store_layer *l, uint64_t old_size, uint64_t size)
{
	int ret;

	if (!l->parent)
		return ftruncate(l->fd, (off_t)size) ? -errno : 0;
	/* Private bitmap pages would not survive the remap: on disk first. */
	ret = store_layer_sync(l);
	if (ret)
		return ret;
	map_unmap(l);
	if (ftruncate(l->fd, (off_t)size) ||
	    ftruncate(l->map_fd, (off_t)store_map_bytes(size / l->block_size)))
		ret = -errno;
	if (!ret)
		ret = map_map(l, size);
	else if (map_map(l, old_size))
		nb_log("layer %016" PRIx64 ": bitmap lost after a failed resize", l->id);
	if (ret)
		return ret;
	/* Grown: the new blocks read as zeros, not as what a parent had there. */
	if (size > old_size) {
		bits_set(l, old_size / l->block_size, size / l->block_size);
		ret = store_layer_sync(l);
	}
	return ret;
}

void store_ready(void)
{
	keep_files = false;
}

void store_sweep(void)
{
	unsigned long long id;
	struct dirent *e;
	char suffix[16];
	bool tmp;
	DIR *d;
	int fd;

	fd = dup(layers_fd);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	/* A dup shares the offset of the fd: from the start. */
	rewinddir(d);
	pthread_mutex_lock(&layers_lock);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		tmp = e->d_name[0] == '.';
		if (sscanf(e->d_name + tmp, "%16llx.%15s", &id, suffix) == 2 && !tmp &&
		    layer_find(id) && (strcmp(suffix, "map") || layer_find(id)->parent))
			continue;
		nb_log("removing layers/%s: no volume uses it (an operation cut short)",
			e->d_name);
		unlinkat(layers_fd, e->d_name, 0);
	}
	pthread_mutex_unlock(&layers_lock);
	closedir(d);
	fsync(layers_fd);
}
