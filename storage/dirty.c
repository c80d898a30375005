// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "storage/dirty.h"

#define PAGE 4096ULL

/*
 * The file: the flight map, then the absent map, each cap bytes (a
 * multiple of the page size).  Memory: pending writes and recent use per
 * region.
 */
struct dirty_map {
	pthread_mutex_t lock;
	int fd;
	uint8_t *map;			/* 2 * cap bytes, mmap'd */
	uint64_t cap;			/* bytes per map */
	uint64_t n;			/* regions tracked */
	uint16_t *pending;		/* n */
	uint8_t *touched;		/* n: written since the last dirty_clean() */
};

static void map_name(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s.dirty", name);
}

static uint64_t cap_for(uint64_t n)
{
	return ((n + 7) / 8 + PAGE - 1) / PAGE * PAGE;
}

/* Room for n regions; lock held (or not shared yet). */
static int map_grow(struct dirty_map *m, uint64_t n)
{
	uint64_t cap = cap_for(n), old = m->cap;
	uint16_t *pending;
	uint8_t *touched, *map;

	if (n <= m->n)
		return 0;
	pending = realloc(m->pending, n * sizeof(*pending));
	if (pending)
		m->pending = pending;
	touched = realloc(m->touched, n);
	if (touched)
		m->touched = touched;
	if (!pending || !touched)
		return -ENOMEM;
	memset(m->pending + m->n, 0, (n - m->n) * sizeof(*pending));
	memset(m->touched + m->n, 0, n - m->n);
	if (cap > old) {
		if (m->map)
			munmap(m->map, 2 * old);
		m->map = NULL;
		if (ftruncate(m->fd, (off_t)(2 * cap)))
			return -errno;
		map = mmap(NULL, 2 * cap, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
		if (map == MAP_FAILED)
			return -errno;
		if (old) {
			/* The absent map moves up; what it leaves is new flight room. */
			memmove(map + cap, map + old, old);
			memset(map + old, 0, cap - old);
			memset(map + cap + old, 0, cap - old);
		}
		if (msync(map, 2 * cap, MS_SYNC)) {
			munmap(map, 2 * cap);
			return -errno;
		}
		m->map = map;
		m->cap = cap;
	}
	m->n = n;
	return 0;
}

int dirty_open(int dir_fd, const char *name, uint64_t size, struct dirty_map **out)
{
	char path[128];
	struct dirty_map *m;
	struct stat st;
	uint64_t n = (size + DIRTY_REGION_SIZE - 1) >> DIRTY_REGION_SHIFT;
	int ret;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	map_name(path, sizeof(path), name);
	m->fd = openat(dir_fd, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (m->fd < 0 || fstat(m->fd, &st)) {
		ret = -errno;
		goto err;
	}
	/* An existing file keeps its layout: its cap is half its size. */
	if (st.st_size >= (off_t)(2 * PAGE) && !(st.st_size % (off_t)(2 * PAGE))) {
		m->cap = (uint64_t)st.st_size / 2;
		m->map = mmap(NULL, 2 * m->cap, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
		if (m->map == MAP_FAILED) {
			m->map = NULL;
			ret = -errno;
			goto err;
		}
	} else if (st.st_size && ftruncate(m->fd, 0)) {
		ret = -errno;
		goto err;
	}
	ret = map_grow(m, n ? n : 1);
	if (ret)
		goto err;
	fsync(dir_fd);
	*out = m;
	return 0;
err:
	dirty_close(m);
	return ret;
}

void dirty_close(struct dirty_map *m)
{
	if (!m)
		return;
	if (m->map)
		munmap(m->map, 2 * m->cap);
	if (m->fd >= 0)
		close(m->fd);
	pthread_mutex_destroy(&m->lock);
	free(m->pending);
	free(m->touched);
	free(m);
}

void dirty_remove(int dir_fd, const char *name)
{
	char path[128];

	map_name(path, sizeof(path), name);
	unlinkat(dir_fd, path, 0);
}

static uint8_t *bits(struct dirty_map *m, enum dirty_kind kind)
{
	return m->map + (kind == DIRTY_ABSENT ? m->cap : 0);
}

static bool test_bit(const uint8_t *b, uint64_t r)
{
	return b[r / 8] & (1U << (r % 8));
}

/* Set bit r; true if it was clear. */
static bool set_bit(uint8_t *b, uint64_t r)
{
	bool was = test_bit(b, r);

	b[r / 8] |= (uint8_t)(1U << (r % 8));
	return !was;
}

static void clear_bit(uint8_t *b, uint64_t r)
{
	b[r / 8] &= (uint8_t)~(1U << (r % 8));
}

/* msync the page of the map holding byte p. */
static int sync_byte(struct dirty_map *m, const uint8_t *p)
{
	uint64_t page = (uint64_t)(p - m->map) / PAGE * PAGE;

	return msync(m->map + page, PAGE, MS_SYNC) ? -errno : 0;
}

int dirty_begin(struct dirty_map *m, uint64_t off, uint64_t len, bool absent)
{
	uint64_t r, first = off >> DIRTY_REGION_SHIFT;
	uint64_t last = (off + (len ? len : 1) - 1) >> DIRTY_REGION_SHIFT;
	enum dirty_kind k;
	int ret;

	pthread_mutex_lock(&m->lock);
	ret = map_grow(m, last + 1);
	for (r = first; !ret && r <= last; r++) {
		if (m->pending[r] < UINT16_MAX)
			m->pending[r]++;
		m->touched[r] = 1;
		for (k = DIRTY_FLIGHT; !ret && k <= (absent ? DIRTY_ABSENT : DIRTY_FLIGHT); k++)
			if (set_bit(bits(m, k), r))
				ret = sync_byte(m, &bits(m, k)[r / 8]);
	}
	pthread_mutex_unlock(&m->lock);
	return ret;
}

void dirty_end(struct dirty_map *m, uint64_t off, uint64_t len)
{
	uint64_t r, first = off >> DIRTY_REGION_SHIFT;
	uint64_t last = (off + (len ? len : 1) - 1) >> DIRTY_REGION_SHIFT;

	pthread_mutex_lock(&m->lock);
	for (r = first; r <= last && r < m->n; r++)
		if (m->pending[r])
			m->pending[r]--;
	pthread_mutex_unlock(&m->lock);
}

void dirty_clean(struct dirty_map *m)
{
	uint8_t *b = bits(m, DIRTY_FLIGHT);
	uint64_t r;

	pthread_mutex_lock(&m->lock);
	for (r = 0; r < m->n; r++) {
		if (!m->pending[r] && !m->touched[r] && test_bit(b, r))
			clear_bit(b, r);
		m->touched[r] = 0;
	}
	pthread_mutex_unlock(&m->lock);
}

int dirty_claim(struct dirty_map *m, enum dirty_kind kind, uint64_t r, bool force)
{
	int ret = 0;

	pthread_mutex_lock(&m->lock);
	if (r >= m->n || !test_bit(bits(m, kind), r))
		ret = -ENOENT;
	else if (m->pending[r] && !force)
		ret = -EBUSY;
	else
		clear_bit(bits(m, kind), r);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

void dirty_mark(struct dirty_map *m, enum dirty_kind kind, uint64_t r)
{
	pthread_mutex_lock(&m->lock);
	if (r < m->n && set_bit(bits(m, kind), r))
		sync_byte(m, &bits(m, kind)[r / 8]);
	pthread_mutex_unlock(&m->lock);
}

uint64_t dirty_next(struct dirty_map *m, enum dirty_kind kind, uint64_t from)
{
	uint64_t r, ret = UINT64_MAX;
	uint8_t *b;

	pthread_mutex_lock(&m->lock);
	b = bits(m, kind);
	for (r = from; r < m->n; r++) {
		if (!(r % 8) && !b[r / 8]) {
			r += 7;
			continue;
		}
		if (test_bit(b, r)) {
			ret = r;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return ret;
}

uint64_t dirty_count(struct dirty_map *m, enum dirty_kind kind)
{
	uint64_t i, n = 0;
	uint8_t *b;

	pthread_mutex_lock(&m->lock);
	b = bits(m, kind);
	for (i = 0; i < (m->n + 7) / 8; i++)
		n += (uint64_t)__builtin_popcount(b[i]);
	pthread_mutex_unlock(&m->lock);
	return n;
}

uint64_t dirty_regions(struct dirty_map *m)
{
	uint64_t n;

	pthread_mutex_lock(&m->lock);
	n = m->n;
	pthread_mutex_unlock(&m->lock);
	return n;
}

int dirty_take_flight(struct dirty_map *m, void **out, uint32_t *len)
{
	uint64_t size;
	void *p;

	pthread_mutex_lock(&m->lock);
	size = (m->n + 7) / 8;
	if (size > UINT32_MAX) {
		pthread_mutex_unlock(&m->lock);
		return -E2BIG;
	}
	p = malloc(size ? size : 1);
	if (!p) {
		pthread_mutex_unlock(&m->lock);
		return -ENOMEM;
	}
	memcpy(p, bits(m, DIRTY_FLIGHT), size);
	memset(bits(m, DIRTY_FLIGHT), 0, size);
	/* Pending writes of the old epoch will never end: forget them. */
	memset(m->pending, 0, m->n * sizeof(*m->pending));
	pthread_mutex_unlock(&m->lock);
	*out = p;
	*len = (uint32_t)size;
	return 0;
}

void dirty_merge(struct dirty_map *m, enum dirty_kind kind, const void *in, uint32_t len)
{
	const uint8_t *src = in;
	uint64_t i;
	uint8_t *b;

	pthread_mutex_lock(&m->lock);
	/* Bits past the volume's regions (padding) are nothing to copy. */
	if (len > (m->n + 7) / 8)
		len = (uint32_t)((m->n + 7) / 8);
	b = bits(m, kind);
	for (i = 0; i < len; i++)
		b[i] |= src[i];
	msync(m->map, 2 * m->cap, MS_SYNC);
	pthread_mutex_unlock(&m->lock);
}

void dirty_fill(struct dirty_map *m, enum dirty_kind kind)
{
	uint64_t r;

	pthread_mutex_lock(&m->lock);
	for (r = 0; r < m->n; r++)
		set_bit(bits(m, kind), r);
	msync(m->map, 2 * m->cap, MS_SYNC);
	pthread_mutex_unlock(&m->lock);
}

void dirty_copy_kind(struct dirty_map *m, enum dirty_kind from, enum dirty_kind to)
{
	uint64_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < (m->n + 7) / 8; i++)
		bits(m, to)[i] |= bits(m, from)[i];
	msync(m->map, 2 * m->cap, MS_SYNC);
	pthread_mutex_unlock(&m->lock);
}
