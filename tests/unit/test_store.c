// SPDX-License-Identifier: GPL-2.0
/*
 * cbs-server's store (storage/store.c, storage/volume.c) against a naive
 * model: random writes, discards, write-zeroes, resizes, snapshots,
 * clones, rollbacks and deletes on small volumes, each volume and snapshot
 * compared with an in-memory copy, and every few steps a restart of the
 * volume table followed by a clean `--fsck` of the directory.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "storage/fsck.h"
#include "storage/replica.h"
#include "storage/store.h"
#include "storage/volume.h"

#define BS 512
#define MAX_BLOCKS 96
#define MAX_VOLS 12
#define MAX_SNAPS 6

struct msnap {
	bool used;
	char name[16];
	uint64_t serial;		/* unique: clones name their origin by it */
	uint64_t size;
	bool protected;
	uint8_t data[MAX_BLOCKS * BS];
};

struct mvol {
	bool used;
	char name[32];
	uint64_t size;
	uint64_t origin;		/* serial of the snapshot cloned, 0 */
	uint8_t data[MAX_BLOCKS * BS];
	struct msnap snaps[MAX_SNAPS];
};

static struct mvol model[MAX_VOLS];
static char dir[64];
static unsigned int names, serials, restarts;
static uint8_t buf[64 * 4096];	/* the largest volume read at once */

static void restart(bool first)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (!first)
		vol_table_exit();
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(fsck_run(dir, f), 0);
	fclose(f);
	if (!strstr(out, " 0 problems, 0 leftovers"))
		fail_msg("fsck after %u restarts: %s", restarts, out);
	free(out);
	assert_int_equal(vol_table_init(dir), 0);
	restarts++;
}

static struct cbs_volume *open_vol(const char *name)
{
	struct cbs_hello_req h = { .generation = 1 };
	struct attempt_table *t;
	struct cbs_volume *v;

	snprintf(h.name, sizeof(h.name), "%s", name);
	snprintf(h.token, sizeof(h.token), "tok-%s", name);
	assert_int_equal(vol_open(&h, &v, &t), 0);
	return v;
}

static void check_vol(const struct mvol *m)
{
	struct cbs_volume *v = open_vol(m->name);
	uint64_t off, len;
	int fd;

	pthread_rwlock_rdlock(&v->io_lock);
	assert_int_equal(v->size, m->size);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(store_read(v, (char *)buf, (uint32_t)m->size, 0), 0);
	if (memcmp(buf, m->data, m->size)) {
		for (off = 0; off < m->size && !memcmp(buf + off, m->data + off, BS); off += BS)
			;
		fail_msg("volume %s differs at block %llu", m->name,
			 (unsigned long long)(off / BS));
	}
	/* A range that one file holds reads the same from that file (splice). */
	off = (uint64_t)(rand() % (int)(m->size / BS)) * BS;
	len = (uint64_t)(1 + rand() % (int)((m->size - off) / BS)) * BS;
	fd = store_read_file(v, off, len);
	if (fd >= 0) {
		assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
		assert_memory_equal(buf, m->data + off, len);
	}
	pthread_rwlock_unlock(&v->io_lock);
	vol_close(v, NULL);
}

static int free_vol(void)
{
	for (int i = 0; i < MAX_VOLS; i++)
		if (!model[i].used)
			return i;
	return -1;
}

static struct mvol *pick_vol(void)
{
	int i, n = 0;

	for (i = 0; i < MAX_VOLS; i++)
		n += model[i].used;
	if (!n)
		return NULL;
	n = rand() % n;
	for (i = 0; i < MAX_VOLS; i++)
		if (model[i].used && !n--)
			return &model[i];
	return NULL;
}

static struct msnap *pick_snap(struct mvol *m)
{
	int i, n = 0;

	for (i = 0; i < MAX_SNAPS; i++)
		n += m->snaps[i].used;
	if (!n)
		return NULL;
	n = rand() % n;
	for (i = 0; i < MAX_SNAPS; i++)
		if (m->snaps[i].used && !n--)
			return &m->snaps[i];
	return NULL;
}

static unsigned int clones_of(uint64_t serial)
{
	unsigned int n = 0;

	for (int i = 0; i < MAX_VOLS; i++)
		n += model[i].used && model[i].origin == serial;
	return n;
}

static void op_create(void)
{
	struct cbs_admin_req r = { .block_size = BS };
	int i = free_vol();
	struct mvol *m;

	if (i < 0)
		return;
	m = &model[i];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "v%u", names++);
	m->size = (uint64_t)(16 + rand() % (MAX_BLOCKS - 15)) * BS;
	snprintf(r.name, sizeof(r.name), "%s", m->name);
	snprintf(r.token, sizeof(r.token), "tok-%s", m->name);
	r.size = m->size;
	assert_int_equal(vol_create(&r), 0);
	m->used = true;
}

/* A write, discard or write-zeroes of a random range, one way or another. */
static void op_data(struct mvol *m)
{
	struct cbs_volume *v = open_vol(m->name);
	uint64_t off = (uint64_t)(rand() % (int)(m->size / BS)) * BS;
	uint64_t len = (uint64_t)(1 + rand() % (int)((m->size - off) / BS)) * BS;
	int kind = rand() % 6, fd;

	pthread_rwlock_rdlock(&v->io_lock);
	for (uint64_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rand();
	switch (kind) {
	case 0:
	case 1:
		assert_int_equal(store_write(v, (char *)buf, (uint32_t)len, off), 0);
		break;
	case 2:
		/* As a spliced write: into the file, then store_write_done(). */
		fd = store_write_file(v);
		assert_int_equal(pwrite(fd, buf, len, (off_t)off), (ssize_t)len);
		assert_int_equal(store_write_done(v, off, len), 0);
		break;
	case 3:
		assert_int_equal(store_discard(v, off, len), 0);
		memset(buf, 0, len);
		break;
	case 4:
		assert_int_equal(store_write_zeroes(v, off, len), 0);
		memset(buf, 0, len);
		break;
	default:
		assert_int_equal(store_sync(v), 0);
		pthread_rwlock_unlock(&v->io_lock);
		vol_close(v, NULL);
		return;
	}
	memcpy(m->data + off, buf, len);
	pthread_rwlock_unlock(&v->io_lock);
	vol_close(v, NULL);
}

static void op_snap(struct mvol *m)
{
	struct msnap *s = NULL;
	int i, ret;

	for (i = 0; i < MAX_SNAPS && !s; i++)
		if (!m->snaps[i].used)
			s = &m->snaps[i];
	if (!s)
		return;
	snprintf(s->name, sizeof(s->name), "s%u", names++);
	s->protected = rand() % 3 == 0;
	ret = vol_snap_create(m->name, s->name, s->protected ? CBS_SNAP_F_PROTECTED : 0);
	assert_int_equal(ret, 0);
	assert_int_equal(vol_snap_create(m->name, s->name, 0), -EEXIST);
	s->used = true;
	s->serial = ++serials;
	s->size = m->size;
	memcpy(s->data, m->data, sizeof(s->data));
}

static void op_snap_delete(struct mvol *m)
{
	struct msnap *s = pick_snap(m);
	int want;

	if (!s)
		return;
	want = s->protected && clones_of(s->serial) ? -EBUSY : 0;
	assert_int_equal(vol_snap_delete(m->name, s->name), want);
	if (!want)
		s->used = false;
}

static void op_clone(struct mvol *m)
{
	struct msnap *s = pick_snap(m);
	char token[32];
	struct mvol *c;
	int i = free_vol();

	if (!s || i < 0)
		return;
	c = &model[i];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "c%u", names++);
	snprintf(token, sizeof(token), "tok-%s", c->name);
	assert_int_equal(vol_clone(m->name, s->name, c->name, token), 0);
	assert_int_equal(vol_clone(m->name, s->name, c->name, token), -EEXIST);
	c->used = true;
	c->size = s->size;
	c->origin = s->serial;
	memcpy(c->data, s->data, sizeof(c->data));
}

static void op_rollback(struct mvol *m)
{
	struct msnap *s = pick_snap(m);
	struct cbs_volume *v;

	if (!s)
		return;
	/* Refused while open. */
	v = open_vol(m->name);
	assert_int_equal(vol_rollback(m->name, s->name), -EBUSY);
	vol_close(v, NULL);
	assert_int_equal(vol_rollback(m->name, s->name), 0);
	m->size = s->size;
	memcpy(m->data, s->data, sizeof(m->data));
}

static void op_resize(struct mvol *m)
{
	uint64_t size = (uint64_t)(16 + rand() % (MAX_BLOCKS - 15)) * BS;

	assert_int_equal(vol_resize(m->name, size), 0);
	if (size > m->size)
		memset(m->data + m->size, 0, size - m->size);
	else
		memset(m->data + size, 0, m->size - size);
	m->size = size;
}

static void op_delete(struct mvol *m)
{
	int want = 0;

	for (int i = 0; i < MAX_SNAPS; i++)
		if (m->snaps[i].used && m->snaps[i].protected && clones_of(m->snaps[i].serial))
			want = -EBUSY;
	assert_int_equal(vol_delete(m->name), want);
	if (!want)
		m->used = false;
}

/* Each snapshot, through a clone made to read it, then deleted. */
static void check_snaps(void)
{
	struct mvol tmp;

	for (int i = 0; i < MAX_VOLS; i++) {
		for (int j = 0; model[i].used && j < MAX_SNAPS; j++) {
			struct msnap *s = &model[i].snaps[j];

			if (!s->used)
				continue;
			memset(&tmp, 0, sizeof(tmp));
			snprintf(tmp.name, sizeof(tmp.name), "check%u", names++);
			assert_int_equal(vol_clone(model[i].name, s->name, tmp.name, "tok-x"), 0);
			{
				struct cbs_hello_req h = { .generation = 1 };
				struct attempt_table *t;
				struct cbs_volume *v;

				snprintf(h.name, sizeof(h.name), "%s", tmp.name);
				snprintf(h.token, sizeof(h.token), "tok-x");
				assert_int_equal(vol_open(&h, &v, &t), 0);
				pthread_rwlock_rdlock(&v->io_lock);
				assert_int_equal(v->size, s->size);
				assert_int_equal(store_read(v, (char *)buf, (uint32_t)s->size, 0), 0);
				if (memcmp(buf, s->data, s->size))
					fail_msg("snapshot %s@%s differs", model[i].name, s->name);
				pthread_rwlock_unlock(&v->io_lock);
				vol_close(v, NULL);
			}
			assert_int_equal(vol_delete(tmp.name), 0);
		}
	}
}

static void random_ops(void **state)
{
	struct mvol *m;
	int step, r;

	(void)state;
	srand(1234);
	restart(true);
	for (step = 0; step < 4000; step++) {
		r = rand() % 100;
		m = pick_vol();
		if (!m || r < 4) {
			op_create();
			continue;
		}
		if (r < 55)
			op_data(m);
		else if (r < 65)
			op_snap(m);
		else if (r < 72)
			op_snap_delete(m);
		else if (r < 80)
			op_clone(m);
		else if (r < 85)
			op_rollback(m);
		else if (r < 89)
			op_resize(m);
		else if (r < 92)
			op_delete(m);
		else
			check_vol(m);
		if (step % 250 == 249) {
			for (int i = 0; i < MAX_VOLS; i++)
				if (model[i].used)
					check_vol(&model[i]);
			check_snaps();
			restart(false);
			for (int i = 0; i < MAX_VOLS; i++)
				if (model[i].used)
					check_vol(&model[i]);
		}
	}
	vol_table_exit();
}

/* A flat volume stays one file; its first snapshot moves it to layers/. */
static void flat_then_layered(void **state)
{
	struct cbs_admin_req r = { .block_size = BS, .size = 64 * BS };
	struct cbs_volume *v;
	char path[128];

	(void)state;
	assert_int_equal(vol_table_init(dir), 0);
	snprintf(r.name, sizeof(r.name), "flat");
	snprintf(r.token, sizeof(r.token), "tok-flat");
	assert_int_equal(vol_create(&r), 0);
	v = open_vol("flat");
	pthread_rwlock_rdlock(&v->io_lock);
	assert_true(store_read_file(v, 0, 64 * BS) >= 0);
	pthread_rwlock_unlock(&v->io_lock);
	vol_close(v, NULL);
	snprintf(path, sizeof(path), "%s/flat.vol", dir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(vol_snap_create("flat", "one", 0), 0);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(vol_snap_create("nope", "one", 0), -ENOENT);
	assert_int_equal(vol_snap_delete("flat", "two"), -ENOENT);
	assert_int_equal(vol_rollback("flat", "two"), -ENOENT);
	assert_int_equal(vol_clone("flat", "two", "x", "t"), -ENOENT);
	assert_int_equal(vol_clone("flat", "one", "flat", "t"), -EEXIST);
	assert_int_equal(vol_delete("flat"), 0);
	vol_table_exit();
}

/* allocated of VOL in LIST, and of VOL@SNAP in SNAP_LIST (or ~0 if absent). */
static uint64_t list_alloc(const char *vol)
{
	struct cbs_list_header *h;
	struct cbs_list_entry *e;
	uint64_t n = ~0ULL;
	uint32_t len;
	void *p;

	assert_int_equal(vol_list(&p, &len), 0);
	h = p;
	e = (struct cbs_list_entry *)(h + 1);
	for (uint32_t i = 0; i < le32toh(h->count); i++)
		if (!strcmp(e[i].name, vol))
			n = le64toh(e[i].allocated);
	free(p);
	return n;
}

static uint64_t snap_alloc(const char *vol, const char *snap, uint32_t *clones)
{
	struct cbs_snap_list_header *h;
	struct cbs_snap_list_entry *e;
	uint64_t n = ~0ULL;
	uint32_t len;
	void *p;

	assert_int_equal(vol_snap_list(vol, &p, &len), 0);
	h = p;
	e = (struct cbs_snap_list_entry *)(h + 1);
	for (uint32_t i = 0; i < le32toh(h->count); i++) {
		if (strcmp(e[i].snap, snap))
			continue;
		n = le64toh(e[i].allocated);
		if (clones)
			*clones = le32toh(e[i].clones);
	}
	free(p);
	return n;
}

static void write_blocks(const char *name, uint64_t first, uint64_t count)
{
	struct cbs_volume *v = open_vol(name);
	char data[4096];

	memset(data, 0x5a, sizeof(data));
	pthread_rwlock_rdlock(&v->io_lock);
	for (uint64_t b = first; b < first + count; b++)
		assert_int_equal(store_write(v, data, sizeof(data), b * 4096), 0);
	assert_int_equal(store_sync(v), 0);
	pthread_rwlock_unlock(&v->io_lock);
	vol_close(v, NULL);
}

/*
 * Space: a snapshot's allocated is what only it holds; shared blocks count
 * once; deleting a snapshot still under its volume frees what the volume
 * wrote over.
 */
static void space_accounting(void **state)
{
	struct cbs_admin_req r = { .block_size = 4096, .size = 64 * 4096 };
	const uint64_t K = 4096;
	uint32_t clones = 0;

	(void)state;
	assert_int_equal(vol_table_init(dir), 0);
	snprintf(r.name, sizeof(r.name), "sp");
	snprintf(r.token, sizeof(r.token), "tok-sp");
	assert_int_equal(vol_create(&r), 0);
	write_blocks("sp", 0, 32);
	assert_int_equal(list_alloc("sp"), 32 * K);
	assert_int_equal(vol_snap_create("sp", "s1", CBS_SNAP_F_PROTECTED), 0);
	/* Nothing written over it yet: the volume's next layer reads all of it. */
	assert_int_equal(snap_alloc("sp", "s1", NULL), 0);
	write_blocks("sp", 0, 16);
	assert_int_equal(snap_alloc("sp", "s1", NULL), 16 * K);
	assert_int_equal(list_alloc("sp"), 48 * K);
	/* A clone shares it all: s1 holds nothing alone, the clone owns nothing. */
	assert_int_equal(vol_clone("sp", "s1", "spc", "tok-spc"), 0);
	assert_int_equal(snap_alloc("sp", "s1", &clones), 0);
	assert_int_equal(clones, 1);
	assert_int_equal(list_alloc("spc"), 0);
	assert_int_equal(vol_snap_delete("sp", "s1"), -EBUSY);
	assert_int_equal(vol_delete("spc"), 0);
	assert_int_equal(snap_alloc("sp", "s1", &clones), 16 * K);
	assert_int_equal(clones, 0);
	/* Deleted: the 16 blocks the volume wrote over are freed, the rest stays. */
	assert_int_equal(vol_snap_delete("sp", "s1"), 0);
	assert_int_equal(list_alloc("sp"), 32 * K);
	assert_int_equal(vol_delete("sp"), 0);
	vol_table_exit();
}

static unsigned int count_layers(void)
{
	char cmd[160], out[32] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls %s/layers | grep -c '\\.layer$'", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	pclose(p);
	return (unsigned int)atoi(out);
}

/* Volume name reads as want[0..len). */
static void expect_volume(const char *name, const char *want, size_t len)
{
	struct cbs_volume *v = open_vol(name);

	pthread_rwlock_rdlock(&v->io_lock);
	assert_int_equal(store_read(v, (char *)buf, (uint32_t)len, 0), 0);
	pthread_rwlock_unlock(&v->io_lock);
	vol_close(v, NULL);
	assert_memory_equal(buf, want, len);
}

/* Rolling snapshots (a new one, the oldest deleted): the chain stays short. */
static void rolling_snapshots(void **state)
{
	struct cbs_admin_req r = { .block_size = 4096, .size = 64 * 4096 };
	char name[16], old[16];
	struct cbs_volume *v;
	static char want[64 * 4096];

	(void)state;
	memset(want, 0, sizeof(want));
	assert_int_equal(vol_table_init(dir), 0);
	snprintf(r.name, sizeof(r.name), "roll");
	snprintf(r.token, sizeof(r.token), "tok-roll");
	assert_int_equal(vol_create(&r), 0);
	for (int i = 0; i < 12; i++) {
		v = open_vol("roll");
		pthread_rwlock_rdlock(&v->io_lock);
		memset(want + i * 3 * 4096, 'a' + i, 5 * 4096);
		assert_int_equal(store_write(v, want + i * 3 * 4096, 5 * 4096, i * 3 * 4096), 0);
		pthread_rwlock_unlock(&v->io_lock);
		vol_close(v, NULL);
		snprintf(name, sizeof(name), "r%d", i);
		assert_int_equal(vol_snap_create("roll", name, 0), 0);
		if (i) {
			snprintf(old, sizeof(old), "r%d", i - 1);
			assert_int_equal(vol_snap_delete("roll", old), 0);
		}
		/* The top, the newest snapshot's layer: nothing else. */
		assert_int_equal(count_layers(), 2);
		expect_volume("roll", want, sizeof(want));
	}
	vol_table_exit();
	assert_int_equal(fsck_run(dir, stderr), 0);
	assert_int_equal(vol_table_init(dir), 0);
	expect_volume("roll", want, sizeof(want));
	assert_int_equal(vol_delete("roll"), 0);
	assert_int_equal(count_layers(), 0);
	vol_table_exit();
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_store.XXXXXX");
	/* Snapshots and clones ask the replica set (none here) for leave. */
	return mkdtemp(dir) && !replica_init(dir, 0, 0) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	replica_exit();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flat_then_layered),
		cmocka_unit_test(space_accounting),
		cmocka_unit_test(rolling_snapshots),
		cmocka_unit_test(random_ops),
	};

	return cmocka_run_group_tests_name("store", tests, setup, teardown);
}
